// Pieces shared by `tianyan fold` and the folding at the end of `tianyan search`.
#include <algorithm>
#include <filesystem>

#include "apps/cli.hpp"

namespace tianyan::cli {

bool candidate_in_beam(const Candidate& c, const BeamFiles& beam) {
  if (!c.file.empty()) {
    const auto name = std::filesystem::path(c.file).filename();
    return std::any_of(beam.files.begin(), beam.files.end(), [&](const std::string& f) {
      return std::filesystem::path(f).filename() == name;
    });
  }
  return (c.scan == beam.scan || c.scan == beam_stem(beam)) && c.beam == beam.beam;
}

FoldRequest candidate_fold_request(const Candidate& c, int rank, const ObservationInfo& info) {
  // The search's frequencies hold at the middle of the observation (its epoch_mjd).
  const double ref_s = c.epoch_mjd > 0 ? fold_ref_s(info, c.epoch_mjd) : 0.5 * info.duration_s();
  FoldRequest q;
  q.model = FoldModel::from_accel(c.freq_hz, c.accel_ms2, c.dm, ref_s);
  q.meta.rank = rank;
  q.meta.search_freq_hz = c.freq_hz;
  q.meta.search_dm = c.dm;
  q.meta.search_accel_ms2 = c.accel_ms2;
  q.meta.search_sigma = c.sigma;
  q.meta.search_snr = c.snr;
  q.meta.search_nharm = c.nharm;
  return q;
}

}  // namespace tianyan::cli
