#include "io/observation_json.hpp"

#include <cmath>
#include <string>

namespace tianyan {

std::string channel_ranges(const std::vector<uint8_t>& flagged) {
  std::string out;
  for (size_t c = 0; c < flagged.size();) {
    if (!flagged[c]) {
      ++c;
      continue;
    }
    size_t end = c;
    while (end + 1 < flagged.size() && flagged[end + 1]) ++end;
    if (!out.empty()) out += ",";
    out += end == c ? std::to_string(c) : std::to_string(c) + "-" + std::to_string(end);
    c = end + 1;
  }
  return out;
}

nlohmann::json observation_to_json(const ObservationInfo& info) {
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& g : info.gaps) {
    gaps.push_back({{"start_sample", g.start_sample},
                    {"nsamples", g.nsamp},
                    {"seconds", static_cast<double>(g.nsamp) * info.tsamp_s},
                    {"before_file", g.before_file}});
  }
  size_t nflagged = 0;
  for (auto f : info.flagged) nflagged += f ? 1 : 0;
  auto angle = [](double deg) { return std::isfinite(deg) ? nlohmann::json(deg) : nlohmann::json(); };
  return {
      {"format", info.format},
      {"files", info.files},
      {"source", info.source},
      {"telescope", info.telescope},
      {"scan", info.scan},
      {"beam", info.beam},
      {"ra_deg", angle(info.ra_deg)},
      {"dec_deg", angle(info.dec_deg)},
      {"start_mjd", info.start_mjd},
      {"tsamp_s", info.tsamp_s},
      {"nsamples", info.nsamples},
      {"nsamples_stored", info.nsamples_stored},
      {"duration_s", info.duration_s()},
      {"nchan", info.nchan()},
      {"freq_lo_mhz", info.freq_lo_mhz()},
      {"freq_hi_mhz", info.freq_hi_mhz()},
      {"chan_bw_mhz", info.chan_bw_mhz()},
      {"file_order", info.file_descending ? "descending" : "ascending"},
      {"nbits", info.nbits},
      {"npol", info.npol},
      {"pol_type", info.pol_type},
      {"chan_dm", info.chan_dm},
      {"flagged_channels", nflagged},
      {"flagged_ranges", channel_ranges(info.flagged)},
      {"gaps", gaps},
  };
}

}  // namespace tianyan
