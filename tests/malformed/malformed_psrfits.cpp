// PSRFITS search-mode files broken the ways backends and transfers break them: copies of our
// writer's files (io/psrfits/psrfits_writer.hpp) edited through CFITSIO, cut short, or combined
// into scans whose files disagree.
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace {
namespace fs = std::filesystem;

using Edit = std::function<void(fitsfile*, int*)>;

// `tianyan info` on a one-file scan whose HDU `extname` was edited.
Case edited(const std::string& name, const std::string& keyword, const std::string& extname,
            Edit edit) {
  return {name, keyword, [name, extname, edit](const TempDir& dir) {
            const std::string path = good_psrfits(dir, name).front();
            edit_fits(path, extname, edit);
            return info(path);
          }};
}

Case subint(const std::string& name, const std::string& keyword, Edit edit) {
  return edited(name, keyword, "SUBINT", std::move(edit));
}

Case missing_column(const std::string& name, const char* column) {
  std::string keyword = "no " + std::string(column) + " column";
  for (char& c : keyword) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return subint(name, keyword, [column](fitsfile* f, int* s) { delete_column(f, column, s); });
}

// A two-file scan (one row each); `edit` changes the second file, and `info` reads both.
Case scan(const std::string& name, const std::string& keyword,
          std::function<void(const TempDir&, const std::vector<std::string>&)> edit,
          std::vector<std::string> flags = {}) {
  return {name, keyword, [name, edit, flags](const TempDir& dir) {
            const auto files = good_psrfits(dir, name, 2, 1);
            if (files.size() != 2) throw PrepareError("expected two files");
            edit(dir, files);
            std::vector<std::string> args = {"info"};
            args.insert(args.end(), flags.begin(), flags.end());
            args.insert(args.end(), files.begin(), files.end());
            return Invocation{args, files[1]};
          }};
}

// Replaces `target` with the file at the same position of a scan written with `header`.
void replace_with(const std::string& target, const ObservationInfo& header) {
  const TempDir other;
  const auto files = good_psrfits(other, "other", 2, 1, header);
  fs::copy_file(files[1], target, fs::copy_options::overwrite_existing);
}

}  // namespace

std::vector<Case> psrfits_cases() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Case> cases = {
      {"fits_no_obs_mode", "obs_mode",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_no_obs_mode").front();
         edit_fits(path, 1, [](fitsfile* f, int* s) { fits_delete_key(f, "OBS_MODE", s); });
         return info(path);
       }},
      {"fits_no_subint_table", "subint",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_no_subint_table").front();
         edit_fits(path, "SUBINT", [](fitsfile* f, int* s) { fits_delete_hdu(f, nullptr, s); });
         return info(path);
       }},
      {"fits_image_without_tables", "obs_mode",
       [](const TempDir& dir) {
         const std::string path = dir / "fits_image_without_tables.fits";
         int s = 0;
         fitsfile* f = nullptr;
         long axes[2] = {8, 8};
         fits_create_file(&f, path.c_str(), &s);
         fits_create_img(f, SHORT_IMG, 2, axes, &s);
         std::vector<short> pixels(64, 1);
         fits_write_img(f, TSHORT, 1, 64, pixels.data(), &s);
         fits_close_file(f, &s);
         if (s != 0) throw PrepareError("could not write an image");
         return info(path);
       }},
      missing_column("fits_no_data_column", "DATA"),
      missing_column("fits_no_dat_freq_column", "DAT_FREQ"),
      missing_column("fits_no_dat_wts_column", "DAT_WTS"),
      missing_column("fits_no_dat_scl_column", "DAT_SCL"),
      missing_column("fits_no_dat_offs_column", "DAT_OFFS"),
      subint("fits_nbits_3", "nbits is 3",
             [](fitsfile* f, int* s) { set_int_key(f, "NBITS", 3, s); }),
      subint("fits_npol_3", "npol is 3", [](fitsfile* f, int* s) { set_int_key(f, "NPOL", 3, s); }),
      subint("fits_nsblk_0", "nsblk is 0",
             [](fitsfile* f, int* s) { set_int_key(f, "NSBLK", 0, s); }),
      subint("fits_nsblk_not_row_size", "row size",
             [](fitsfile* f, int* s) { set_int_key(f, "NSBLK", 128, s); }),
      subint("fits_nchan_not_text", "nchan",
             [](fitsfile* f, int* s) { set_raw_key(f, "NCHAN", "'many'", s); }),
      subint("fits_nchan_beyond_dat_freq", "dat_freq",
             // The same row size (NSBLK 32 x NCHAN 32 = 64 x 16), but 16 frequencies a row.
             [](fitsfile* f, int* s) {
               set_int_key(f, "NSBLK", 32, s);
               set_int_key(f, "NCHAN", 32, s);
             }),
      subint("fits_tbin_0", "tbin", [](fitsfile* f, int* s) { set_double_key(f, "TBIN", 0.0, s); }),
      subint("fits_tbin_nan", "tbin",
             [](fitsfile* f, int* s) { set_raw_key(f, "TBIN", "NaN", s); }),
      subint("fits_tbin_missing", "tbin",
             [](fitsfile* f, int* s) { fits_delete_key(f, "TBIN", s); }),
      subint("fits_tbin_vs_tsubint", "tbin",
             [](fitsfile* f, int* s) { set_double_key(f, "TBIN", 3 * 98.304e-6, s); }),
      subint("fits_zero_off_inf", "zero_off",
             [](fitsfile* f, int* s) { set_raw_key(f, "ZERO_OFF", "Inf", s); }),
      subint("fits_dat_freq_nan", "dat_freq",
             [nan](fitsfile* f, int* s) {
               write_doubles(f, "DAT_FREQ", 1, {1000.0, nan}, s);
             }),
      subint("fits_dat_freq_unsorted", "monotonic",
             [](fitsfile* f, int* s) {
               write_doubles(f, "DAT_FREQ", 1, {1000.0, 1100.0, 1050.0}, s);
             }),
      subint("fits_dat_wts_inf", "dat_wts",
             [](fitsfile* f, int* s) {
               int col = 0;
               fits_get_colnum(f, CASEINSEN, const_cast<char*>("DAT_WTS"), &col, s);
               float inf = std::numeric_limits<float>::infinity();
               fits_write_col(f, TFLOAT, col, 1, 4, 1, &inf, s);
             }),
      {"fits_naxis2_beyond_file", "truncated",
       // A writer that died after its header update: the header counts rows the file lacks.
       // (Edited as bytes: CFITSIO would extend the file to match.)
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_naxis2_beyond_file").front();
         std::string bytes = read_text(path);
         const size_t at = bytes.find("NAXIS2  = ");
         if (at == std::string::npos) throw PrepareError("no NAXIS2 card");
         bytes.replace(at + 10, 20, "                  40");
         write_bytes(path, bytes);
         return info(path);
       }},
      {"fits_cut_in_subint_header", "truncated",
       // A copy cut short inside the SUBINT header: the table is not found at all.
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_cut_in_subint_header").front();
         LONGLONG head = 0, data = 0, end = 0;
         edit_fits(path, 1,
                   [&](fitsfile* f, int* s) { fits_get_hduaddrll(f, &head, &data, &end, s); });
         fs::resize_file(path, static_cast<uintmax_t>(end) + 1000);
         return info(path);
       }},
      {"fits_cut_after_header", "truncated",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_cut_after_header").front();
         LONGLONG head = 0, data = 0, end = 0;
         edit_fits(path, "SUBINT",
                   [&](fitsfile* f, int* s) { fits_get_hduaddrll(f, &head, &data, &end, s); });
         fs::resize_file(path, static_cast<uintmax_t>(data));
         return info(path);
       }},
      {"fits_gzip_compressed", "gzip",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_gzip_compressed").front();
         const auto r = run_shell("gzip -c '" + path + "' > '" + path + ".gz'");
         if (r.exit_code != 0) throw PrepareError("gzip failed: " + r.err);
         return info(path + ".gz");
       }},
      {"fits_empty_table_no_obsfreq", "obsfreq",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "fits_empty_table_no_obsfreq", 0).front();
         edit_fits(path, 1, [](fitsfile* f, int* s) { fits_delete_key(f, "OBSFREQ", s); });
         return info(path);
       }},
      scan("fits_scan_nchan_differ", "nchan",
           [](const TempDir&, const std::vector<std::string>& files) {
             replace_with(files[1], small_header(2, 32));
           }),
      scan("fits_scan_tbin_differ", "tbin",
           [](const TempDir&, const std::vector<std::string>& files) {
             replace_with(files[1], small_header(2, 16, 2 * 98.304e-6));
           }),
      scan("fits_scan_freqs_differ", "mhz",
           [](const TempDir&, const std::vector<std::string>& files) {
             edit_fits(files[1], "SUBINT",
                       [](fitsfile* f, int* s) { write_doubles(f, "DAT_FREQ", 1, {1000.5}, s); });
           }),
      scan("fits_scan_overlap", "overlaps",
           // File 2 claims to start where file 1 starts.
           [](const TempDir&, const std::vector<std::string>& files) {
             edit_fits(files[1], "SUBINT", [](fitsfile* f, int* s) {
               set_int_key(f, "NSUBOFFS", 0, s);
               write_doubles(f, "OFFS_SUB", 1, {64 * 98.304e-6 / 2}, s);
             });
           }),
      scan("fits_scan_gap_strict", "strict",
           [](const TempDir&, const std::vector<std::string>& files) {
             edit_fits(files[1], "SUBINT", [](fitsfile* f, int* s) {
               set_int_key(f, "NSUBOFFS", 5, s);
               write_doubles(f, "OFFS_SUB", 1, {5.5 * 64 * 98.304e-6}, s);
             });
           },
           {"--strict"}),
  };
  return cases;
}

}  // namespace tianyan::test::malformed
