// Text inputs written by people and other tools: PRESTO .inf/.dat pairs, pipeline
// configurations (TOML) and candidate lists for `tianyan fold --candidates`.
#include <filesystem>
#include <string>
#include <vector>

#include "io/presto/inf.hpp"
#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace {
namespace fs = std::filesystem;

// ---- PRESTO ----

std::string good_inf(const std::string& basename) {
  PrestoInf inf;
  inf.basename = basename;
  inf.telescope = "FAST";
  inf.object = "J0000+0000";
  inf.mjd = 60000.5;
  inf.nbins = 64;
  inf.dt_s = 98.304e-6;
  inf.dm = 10.0;
  inf.freq_lo_mhz = 1000.0;
  inf.bandwidth_mhz = 500.0;
  inf.nchan = 16;
  inf.chan_bw_mhz = 31.25;
  return format_presto_inf(inf);
}

// The .inf line whose key starts with `key` replaced by `line` (removed when empty).
std::string replace_line(const std::string& text, const std::string& key, const std::string& line) {
  const size_t at = text.find(key);
  if (at == std::string::npos) throw PrepareError("no '" + key + "' line in the .inf");
  const size_t begin = text.rfind('\n', at) + 1;
  const size_t end = text.find('\n', at) + 1;
  return text.substr(0, begin) + (line.empty() ? "" : line + "\n") + text.substr(end);
}

// `tianyan info NAME.dat` on a pair whose .inf had the line starting with `key` replaced.
Case inf(const std::string& name, const std::string& keyword, const std::string& key,
         const std::string& line) {
  return {name, keyword, [name, key, line](const TempDir& dir) {
            write_bytes(dir / (name + ".inf"), replace_line(good_inf(name), key, line));
            write_bytes(dir / (name + ".dat"), std::string(64 * 4, '\0'));
            return Invocation{{"info", dir / (name + ".dat")}, dir / (name + ".inf")};
          }};
}

std::string presto_line(const std::string& key, const std::string& value) {
  std::string k = " " + key;
  k.resize(40, ' ');
  return k + "=  " + value;
}

// ---- configuration ----

// `tianyan search -c NAME.toml data.fil -o out` (the configuration is read first).
Case toml(const std::string& name, const std::string& keyword, const std::string& text) {
  return {name, keyword, [name, text](const TempDir& dir) {
            const std::string path = dir / (name + ".toml");
            write_bytes(path, text);
            return Invocation{{"search", "-c", path, data_file(dir), "-o", dir / "out"}, path};
          }};
}

// The same through another command that takes -c: `plan` or `config show`.
Case toml_via(const std::string& name, const std::string& keyword, const std::string& text,
              const std::string& command) {
  return {name, keyword, [name, text, command](const TempDir& dir) {
            const std::string path = dir / (name + ".toml");
            write_bytes(path, text);
            if (command == "plan") return Invocation{{"plan", "-c", path, data_file(dir)}, path};
            if (command == "campaign") {
              return Invocation{{"campaign", "plan", "-c", path, data_file(dir), "-o", dir / "c"},
                                path};
            }
            return Invocation{{"config", "show", path}, path};
          }};
}

// ---- candidates.csv ----

// `tianyan fold --candidates NAME.csv data.fil -o out`.
Case csv(const std::string& name, const std::string& keyword, const std::string& text) {
  return {
      name, keyword, [name, text](const TempDir& dir) {
        const std::string path = dir / (name + ".csv");
        write_bytes(path, text);
        return Invocation{{"fold", "--candidates", path, data_file(dir), "-o", dir / "out"}, path};
      }};
}

}  // namespace

std::vector<Case> text_cases() {
  return {
      inf("inf_no_bin_width", "width of each time series bin", "Width of each", ""),
      inf("inf_no_bin_count", "number of bins", "Number of bins", ""),
      inf("inf_dm_not_a_number", "not a number", "Dispersion measure",
          presto_line("Dispersion measure (cm-3 pc)", "ten")),
      inf("inf_epoch_nan", "not a number", "Epoch of observation",
          presto_line("Epoch of observation (MJD)", "nan")),
      inf("inf_bin_width_negative", "positive", "Width of each",
          presto_line("Width of each time series bin (sec)", "-9.8304e-05")),
      inf("inf_bin_count_fraction", "not a count", "Number of bins",
          presto_line("Number of bins in the time series", "64.5")),
      inf("inf_line_without_equals", "no '='", "Data observed by", " Data observed by  Nobody"),
      inf("inf_ra_not_an_angle", "sexagesimal", "J2000 Right Ascension",
          presto_line("J2000 Right Ascension (hh:mm:ss.ssss)", "12h30m")),
      {"inf_missing", "cannot open",
       [](const TempDir& dir) {
         write_bytes(dir / "inf_missing.dat", std::string(256, '\0'));
         return Invocation{{"info", dir / "inf_missing.dat"}, dir / "inf_missing.inf"};
       }},
      {"dat_missing", "cannot open",
       [](const TempDir& dir) {
         write_bytes(dir / "dat_missing.inf", good_inf("dat_missing"));
         return Invocation{{"info", dir / "dat_missing.inf"}, dir / "dat_missing.dat"};
       }},

      toml("toml_syntax_error", "3:", "[dedisp]\ndm_lo = 0.0\ndm_hi = = 100\n"),
      toml("toml_unclosed_table", "1:", "[dedisp\ndm_hi = 100.0\n"),
      toml("toml_key_defined_twice", "dm_hi", "[dedisp]\ndm_hi = 100.0\ndm_hi = 200.0\n"),
      toml("toml_not_utf8", "utf-8", "[search]\n# caf\xe9\nf_min_hz = 0.5\n"),
      toml("toml_wrong_type", "expected a number", "[dedisp]\ndm_hi = \"high\"\n"),
      toml("toml_section_not_table", "expected a table", "dedisp = 5\n"),
      toml("toml_negative_tolerance", "out of range", "[dedisp]\ntolerance = -1.0\n"),
      toml("toml_dm_hi_below_dm_lo", "dm_hi", "[dedisp]\ndm_lo = 100.0\ndm_hi = 10.0\n"),
      toml("toml_negative_dm_step", "fixed_step", "[dedisp]\nfixed_step = -0.5\n"),
      toml("toml_negative_threads", "threads", "[resources]\nthreads = -2\n"),
      toml("toml_unknown_key", "unknown key", "[dedisp]\ndm_high = 100.0\n"),
      toml("toml_unknown_section", "unknown key", "[dedispersion]\ndm_hi = 100.0\n"),
      toml("toml_downsample_not_power_of_two", "power of two", "[dedisp]\nmax_downsample = 48\n"),
      toml("toml_dm_list_and_step", "not both",
           "[dedisp]\nfixed_step = 1.0\ndm_list = [1.0, 2.0]\n"),
      toml("toml_algorithm_unknown", "not one of", "[dedisp]\nalgorithm = \"fdmt\"\n"),
      toml("toml_bad_range_reversed", "hi_mhz",
           "[rfi.static_mask]\nbad_ranges = [{ lo_mhz = 1200.0, hi_mhz = 1100.0 }]\n"),
      toml("toml_harmonics_not_power_of_two", "max_harmonics", "[search]\nmax_harmonics = 12\n"),
      toml_via("toml_plan_block_too_small", "block_nsamp", "[rfi]\nblock_nsamp = 8\n", "plan"),
      toml_via("toml_show_nbin_too_small", "nbin", "[fold]\nnbin = 2\n", "show"),
      toml_via("toml_campaign_time", "slurm time", "[campaign]\ntime = \"an hour\"\n", "campaign"),
      {"toml_config_missing", "cannot open",
       [](const TempDir& dir) {
         const std::string path = dir / "toml_config_missing.toml";
         return Invocation{{"search", "-c", path, data_file(dir), "-o", dir / "out"}, path};
       }},
      {"toml_config_is_directory", "director",
       [](const TempDir& dir) {
         const std::string path = dir / "toml_config_is_directory.toml";
         fs::create_directories(path);
         return Invocation{{"plan", "-c", path, data_file(dir)}, path};
       }},

      csv("csv_empty", "empty", ""),
      csv("csv_no_rows", "no candidates", "rank,freq_hz,dm,sigma\n"),
      csv("csv_no_dm_column", "no 'dm' column", "rank,freq_hz,sigma\n1,4.0,8.0\n"),
      csv("csv_no_frequency_column", "freq_hz", "rank,dm,sigma\n1,10.0,8.0\n"),
      csv("csv_dm_not_a_number", "not a finite number", "rank,freq_hz,dm\n1,4.0,ten\n"),
      csv("csv_period_nan", "period_s", "rank,period_s,dm\n1,nan,10.0\n"),
      csv("csv_period_negative", "not positive", "rank,period_s,dm\n1,-0.25,10.0\n"),
      csv("csv_dm_negative", "negative", "rank,freq_hz,dm\n1,4.0,-3.0\n"),
      csv("csv_short_row", "fields", "rank,freq_hz,dm,sigma\n1,4.0,10.0,8.0\n2,5.0\n"),
      csv("csv_unterminated_quote", "quote", "rank,freq_hz,dm,scan\n1,4.0,10.0,\"obs\n"),
      csv("csv_rank_repeated", "repeats", "rank,freq_hz,dm\n1,4.0,10.0\n1,5.0,12.0\n"),
      csv("csv_rank_zero", "rank", "rank,freq_hz,dm\n0,4.0,10.0\n"),
  };
}

}  // namespace tianyan::test::malformed
