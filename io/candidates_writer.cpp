#include "io/candidates_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "io/angles.hpp"
#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

constexpr const char* kCsvHeader =
    "rank,period_s,freq_hz,epoch_mjd,dm,accel_ms2,sigma,snr,nharm,dm_hits,power,scan,beam,ra,"
    "dec,file\n";

// RFC 4180: a field holding a separator, a quote or a line break is quoted, quotes doubled.
std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string ra_text(const Candidate& c) { return format_ra_hms(c.ra_deg, 2); }
std::string dec_text(const Candidate& c) { return format_dec_dms(c.dec_deg, 1); }

void write_temp(const AtomicFile& file, std::string_view content) {
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  if (!f) throw environment_error("{}: cannot write: {}", file.final_path(), std::strerror(errno));
  const size_t n = std::fwrite(content.data(), 1, content.size(), f);
  close_written(f, n == content.size(), errno, file.final_path());
}

}  // namespace

std::string format_candidates_csv(const std::vector<Candidate>& ranked) {
  std::string out = kCsvHeader;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const Candidate& c = ranked[i];
    // 12 significant digits keep a millisecond period to ~1e-15 s, well below what folding
    // resolves; the epoch to 1e-10 d (~10 us), below a pulse width.
    fmt::format_to(
        std::back_inserter(out),
        "{},{:.12g},{:.12g},{:.10f},{:.3f},{:.3f},{:.2f},{:.2f},{},{},{:.2f},{},{},{},{},{}\n",
        i + 1, c.period_s(), c.freq_hz, c.epoch_mjd, c.dm, c.accel_ms2, c.sigma, c.snr, c.nharm,
        c.dm_hits, c.power, csv_field(c.scan), c.beam, ra_text(c), dec_text(c), csv_field(c.file));
  }
  return out;
}

nlohmann::json candidates_to_json(const std::vector<Candidate>& ranked) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < ranked.size(); ++i) {
    const Candidate& c = ranked[i];
    list.push_back({{"rank", i + 1},
                    {"period_s", c.period_s()},
                    {"freq_hz", c.freq_hz},
                    {"epoch_mjd", c.epoch_mjd},
                    {"dm", c.dm},
                    {"accel_ms2", c.accel_ms2},
                    {"sigma", c.sigma},
                    {"snr", c.snr},
                    {"nharm", c.nharm},
                    {"dm_hits", c.dm_hits},
                    {"power", c.power},
                    {"scan", c.scan},
                    {"beam", c.beam},
                    {"ra", ra_text(c)},
                    {"dec", dec_text(c)},
                    {"file", c.file},
                    {"ra_deg", c.ra_deg},
                    {"dec_deg", c.dec_deg},
                    // Not in the CSV, but what a folder or a re-run needs to start from.
                    {"r_bins", c.r_bins},
                    {"refined_power", c.refined_power},
                    {"dm_index", c.dm_index},
                    {"tobs_s", c.tobs_s}});
  }
  return list;
}

void write_candidates(const std::string& dir, const std::vector<Candidate>& ranked,
                      const nlohmann::json& provenance) {
  if (!provenance.is_null() && !provenance.is_object()) {
    throw internal_error("write_candidates: provenance must be a JSON object, not {}",
                         provenance.type_name());
  }
  nlohmann::json doc = provenance.is_object() ? provenance : nlohmann::json::object();
  doc["candidates"] = candidates_to_json(ranked);
  const std::string csv = format_candidates_csv(ranked);
  // File and scan names come from the file system and need not be UTF-8; replace rather than
  // throw, so that an odd name never costs the candidates of a whole beam.
  const std::string json = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  // Both files are complete on disk before either is renamed into place, so a failure leaves
  // at most a pair that disagrees in age, never a partial file.
  const std::filesystem::path base(dir);
  AtomicFile csv_file((base / "candidates.csv").string());
  AtomicFile json_file((base / "candidates.json").string());
  write_temp(csv_file, csv);
  write_temp(json_file, json);
  csv_file.commit();
  json_file.commit();
}

}  // namespace tianyan
