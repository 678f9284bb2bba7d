// tianyan's own products read back by later commands, corrupted the way a full disk, a copy
// cut short or a hand edit leaves them: RFI masks (`fold --mask`), fold archives (`plot`) and
// campaign directories (`campaign status` / `merge`).
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_fold_writer.hpp"
#include "kernels/rfi/rfi_mask.hpp"
#include "tests/fold_io/fold_io_test_util.hpp"
#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace {
namespace fs = std::filesystem;

// ---- RFI masks ----

// A mask for data_file(): 16 channels (or nchan), blocks of the default 16384 samples, one
// block of 32 samples with channel 3 masked.
std::string good_mask(const TempDir& dir, const std::string& name, size_t nchan = 16) {
  std::vector<double> freqs;
  for (size_t c = 0; c < nchan; ++c) freqs.push_back(1000.0 + 31.25 * static_cast<double>(c));
  RfiMask mask(freqs, 98.304e-6, 16384, std::vector<uint8_t>(nchan, 0));
  std::vector<uint8_t> cells(nchan, 0);
  cells[3] = 1;
  mask.append_block(0, cells.data(), 32, {});
  const std::string path = dir / name;
  mask.save(path);
  return path;
}

// `tianyan fold --mask NAME.mask --period 0.25 --dm 10 data.fil -o out`, the mask made by
// `make` from a valid one.
Case mask(const std::string& name, const std::string& keyword,
          std::function<void(const std::string&)> corrupt) {
  return {name, keyword, [name, corrupt](const TempDir& dir) {
            const std::string path = good_mask(dir, name + ".mask");
            corrupt(path);
            return Invocation{{"fold", "--mask", path, "--period", "0.25", "--dm", "10",
                               data_file(dir), "-o", dir / "out"},
                              path};
          }};
}

// Overwrites bytes of a file at `offset`.
void patch(const std::string& path, size_t offset, const void* bytes, size_t n) {
  std::string s = read_text(path);
  if (offset + n > s.size()) throw PrepareError("patch beyond the end of " + path);
  std::memcpy(s.data() + offset, bytes, n);
  write_bytes(path, s);
}

// ---- fold archives ----

std::string good_archive(const TempDir& dir, const std::string& name) {
  CubeShape shape;
  shape.nsubint = 4;
  shape.nsubband = 8;
  shape.nbin = 32;
  const std::string path = dir / name;
  write_fold_archive(path, make_candidate(7, shape));
  return path;
}

// `tianyan plot NAME.ar -o out` on an archive changed by `corrupt`.
Case archive(const std::string& name, const std::string& keyword,
             std::function<void(const std::string&)> corrupt) {
  return {name, keyword, [name, corrupt](const TempDir& dir) {
            const std::string path = good_archive(dir, name + ".ar");
            corrupt(path);
            return Invocation{{"plot", path, "-o", dir / "out"}, path};
          }};
}

void set_extension_json(const std::string& path, const std::string& text) {
  edit_fits(path, "TIANYAN", [&](fitsfile* f, int* s) {
    int col = 0;
    fits_get_colnum(f, CASEINSEN, const_cast<char*>("JSON"), &col, s);
    char* p = const_cast<char*>(text.c_str());
    fits_write_col_str(f, col, 1, 1, 1, &p, s);
  });
}

// ---- campaigns ----

// `tianyan campaign status|merge DIR` on a planned campaign whose campaign.json was changed by
// `corrupt` (given the parsed file; the result is written back).
Case campaign(const std::string& name, const std::string& keyword, const std::string& command,
              std::function<std::string(nlohmann::json&)> corrupt) {
  return {name, keyword, [name, command, corrupt](const TempDir& dir) {
            const std::string camp = dir / name;
            const auto r = run_tianyan({"-q", "campaign", "plan", data_file(dir), "-o", camp});
            if (r.exit_code != 0) throw PrepareError("campaign plan failed: " + r.err);
            const std::string path = camp + "/campaign.json";
            nlohmann::json j = nlohmann::json::parse(read_text(path));
            write_bytes(path, corrupt(j));
            return Invocation{{"campaign", command, camp}, path};
          }};
}

}  // namespace

std::vector<Case> product_cases() {
  return {
      mask("mask_not_a_mask", "not an rfi mask",
           [](const std::string& p) { write_bytes(p, std::string(64, 'x')); }),
      mask("mask_truncated", "truncated",
           [](const std::string& p) { fs::resize_file(p, fs::file_size(p) / 2); }),
      mask("mask_version_9", "version 9",
           [](const std::string& p) {
             const uint32_t v = 9;
             patch(p, 8, &v, sizeof v);
           }),
      mask("mask_nchan_4e9", "truncated",
           [](const std::string& p) {
             const uint32_t n = 0xFFFFFFFFu;
             patch(p, 12, &n, sizeof n);
           }),
      mask("mask_tsamp_nan", "tsamp",
           [](const std::string& p) {
             const double nan = std::nan("");
             patch(p, 32, &nan, sizeof nan);
           }),
      {"mask_for_other_channels", "channels",
       [](const TempDir& dir) {
         const std::string path = good_mask(dir, "mask_for_other_channels.mask", 8);
         return Invocation{{"fold", "--mask", path, "--period", "0.25", "--dm", "10",
                            data_file(dir), "-o", dir / "out"},
                           path};
       }},

      archive("ar_not_fits", "not a fits",
              [](const std::string& p) { write_bytes(p, "cand_001.ar: see the report\n"); }),
      archive("ar_truncated", "truncated",
              [](const std::string& p) { fs::resize_file(p, fs::file_size(p) / 2 + 100); }),
      archive("ar_no_tianyan_table", "tianyan",
              [](const std::string& p) {
                edit_fits(p, "TIANYAN",
                          [](fitsfile* f, int* s) { fits_delete_hdu(f, nullptr, s); });
              }),
      archive("ar_no_subint", "subint",
              [](const std::string& p) {
                edit_fits(p, "SUBINT", [](fitsfile* f, int* s) { fits_delete_hdu(f, nullptr, s); });
              }),
      archive("ar_json_garbage", "json",
              [](const std::string& p) { set_extension_json(p, "{\"format\": tianyan"); }),
      archive("ar_json_no_model", "model",
              [](const std::string& p) {
                set_extension_json(p,
                                   "{\"format\": \"tianyan fold archive\", \"format_version\": 1}");
              }),
      {"ar_search_mode_file", "obs_mode",
       [](const TempDir& dir) {
         const std::string path = good_psrfits(dir, "ar_search_mode_file").front();
         return Invocation{{"plot", path, "-o", dir / "out"}, path};
       }},

      campaign("campaign_json_not_json", "not valid json", "status",
               [](nlohmann::json&) { return std::string("{\"format\": \"tianyan-campaign\",\n"); }),
      campaign("campaign_json_cut_short", "not valid json", "merge",
               [](nlohmann::json& j) {
                 const std::string s = j.dump(2);
                 return s.substr(0, s.size() / 2);
               }),
      campaign("campaign_json_other_format", "not a campaign file", "status",
               [](nlohmann::json& j) {
                 j["format"] = "tianyan-candidates";
                 return j.dump();
               }),
      campaign("campaign_json_version_7", "format version 7", "status",
               [](nlohmann::json& j) {
                 j["format_version"] = 7;
                 return j.dump();
               }),
      campaign("campaign_json_no_units", "units", "status",
               [](nlohmann::json& j) {
                 j.erase("units");
                 return j.dump();
               }),
      campaign("campaign_json_units_not_list", "units", "merge",
               [](nlohmann::json& j) {
                 j["units"] = 5;
                 return j.dump();
               }),
      campaign("campaign_json_unit_index", "malformed", "status",
               [](nlohmann::json& j) {
                 j["units"][0]["index"] = 3;
                 return j.dump();
               }),
      {"campaign_config_toml_edited", "unknown key",
       [](const TempDir& dir) {
         const std::string camp = dir / "campaign_config_toml_edited";
         const auto r = run_tianyan({"-q", "campaign", "plan", data_file(dir), "-o", camp});
         if (r.exit_code != 0) throw PrepareError("campaign plan failed: " + r.err);
         const std::string path = camp + "/config.toml";
         write_bytes(path, read_text(path) + "\n[dedisp.extra]\nsteps = 3\n");
         return Invocation{{"campaign", "status", camp}, path};
       }},
  };
}

}  // namespace tianyan::test::malformed
