#pragma once
// Checks on FITS headers that CFITSIO itself gets wrong (docs/hardening.md, "Fuzzing"): run on
// a file before CFITSIO opens it, so that such a file is a BadInput instead of a crash.
#include <string>

namespace tianyan::fits {

// Walks the header of every HDU as CFITSIO 4.2 would (card names and values read by its
// rules; HDU sizes from the shape keywords in their required places; data skipped unread)
// and throws BadInput "PATH: HDU n: ..." for
//  * any value of 69 or more characters as CFITSIO reads it (unquoted, or a quoted string
//    longer than a card allows): CFITSIO copies such a value into fixed buffers with strcpy,
//    a buffer overflow found by fuzzing;
//  * anything on which this walk and CFITSIO could disagree about where the next HDU starts:
//    shape keywords missing, out of place or not integers, random groups, a card named END
//    that is not the END card, more than 10000 HDUs.
// A file that ends early is left for CFITSIO to report (after its whole cards are checked).
void precheck_headers(const std::string& path);

}  // namespace tianyan::fits
