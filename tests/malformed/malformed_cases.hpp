#pragma once
// The malformed-input catalogue (docs/hardening.md): one row per case, each a corrupt input
// that tianyan must refuse with exit code 3 and ONE line on stderr naming the file and the
// problem. A row says how to make the input (generated in a fresh directory, from our own
// writers or raw bytes), which command meets it in practice, and a keyword of the problem.
#include <fitsio.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/observation.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test::malformed {

// A command line for `tianyan` and the file its error message must name.
struct Invocation {
  std::vector<std::string> args;
  std::string file;
};

struct Case {
  std::string name;     // the gtest parameter name: [A-Za-z0-9_]
  std::string keyword;  // lower case; must appear in the lower-cased error line
  std::function<Invocation(const TempDir&)> make;
};

std::vector<Case> sigproc_cases();
std::vector<Case> psrfits_cases();
std::vector<Case> text_cases();     // PRESTO .inf/.dat, configuration TOML, candidates.csv
std::vector<Case> product_cases();  // RFI masks, fold archives, campaign directories

// ---- shared helpers (malformed_util.cpp) ----

// Preparing an input failed: the case is broken, not tianyan.
struct PrepareError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline Invocation info(const std::string& path) { return {{"info", path}, path}; }

// A 16-channel, 8-bit header (1000..1468.75 MHz) with npol products.
ObservationInfo small_header(int npol, int nchan = 16, double tsamp_s = 98.304e-6);

// A valid 16-channel SIGPROC filterbank of 32 spectra, written by our writer.
std::string good_filterbank(const TempDir& dir, const std::string& name);

// A valid PSRFITS scan from our writer: NSBLK 64, `rows` rows of 2 pols in files of
// rows_per_file rows, named <stem>-M01_NNNN.fits; returns the files in order.
std::vector<std::string> good_psrfits(const TempDir& dir, const std::string& stem, int rows = 2,
                                      int rows_per_file = 2,
                                      const ObservationInfo& header = small_header(2));

// Opens a FITS file read-write at HDU `hdu` (1 = primary), runs edit(f, &status) and closes
// it; throws PrepareError naming the file when CFITSIO reports a problem.
void edit_fits(const std::string& path, int hdu, const std::function<void(fitsfile*, int*)>& edit);
// The same at the HDU named `extname`.
void edit_fits(const std::string& path, const std::string& extname,
               const std::function<void(fitsfile*, int*)>& edit);

// Small CFITSIO edits for use inside edit_fits.
void set_int_key(fitsfile* f, const char* key, long value, int* status);
void set_double_key(fitsfile* f, const char* key, double value, int* status);
// Writes `key = value` verbatim (NaN, strings where numbers belong).
void set_raw_key(fitsfile* f, const char* key, const std::string& value, int* status);
void delete_column(fitsfile* f, const char* name, int* status);
void write_doubles(fitsfile* f, const char* column, long row, const std::vector<double>& v,
                   int* status);

// A valid tiny filterbank for commands whose case breaks something else (config, mask, CSV).
std::string data_file(const TempDir& dir);

}  // namespace tianyan::test::malformed
