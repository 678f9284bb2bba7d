#pragma once
// Checks on FITS headers that CFITSIO itself gets wrong (docs/hardening.md, "Fuzzing"): run on
// a file before CFITSIO opens it, so that such a file is a BadInput instead of a crash.
#include <string>

namespace tianyan::fits {

// Walks the headers of every HDU (reading only header blocks; data are skipped by their size)
// and throws BadInput "PATH: HDU n: ..." for what CFITSIO 4.2 cannot parse safely:
//  * a TTYPEn value written without quotes and 69 or more characters long (CFITSIO copies it
//    into a 70-byte column name with strcpy: a buffer overflow, found by fuzzing).
// Anything it cannot make sense of (no END, odd sizes) is left for CFITSIO to report.
void precheck_headers(const std::string& path);

}  // namespace tianyan::fits
