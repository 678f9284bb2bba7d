#include "io/fold_summary.hpp"

#include <cmath>

#include "io/angles.hpp"
#include "io/atomic_file.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"

namespace tianyan {
namespace {

using psrfits_fold::json_number;

nlohmann::json optimised_json(const FoldedCandidate& c) {
  const FoldOptimum& b = c.best;
  if (!(b.model.freq_hz > 0)) return nullptr;
  const double f = b.model.freq_hz, fdot = b.model.fdot_hz_s;
  const double sf = b.freq_err_hz, sfd = b.fdot_err_hz_s;
  // First-order propagation, f and fdot errors taken as uncorrelated:
  // P = 1/f, Pdot = -fdot/f^2, a = c fdot / f.
  const double period_err = sf / (f * f);
  const double pdot_err = std::hypot(sfd / (f * f), 2.0 * fdot * sf / (f * f * f));
  const double accel_err = kSpeedOfLight * std::hypot(sfd / f, fdot * sf / (f * f));
  const double period = b.model.period_s();
  return {{"epoch_mjd", json_number(c.meta.start_mjd + b.model.ref_s / kSecondsPerDay)},
          {"ref_s", json_number(b.model.ref_s)},
          {"period_s", json_number(period)},
          {"period_err_s", json_number(period_err)},
          {"pdot", json_number(b.model.pdot())},
          {"pdot_err", json_number(pdot_err)},
          {"freq_hz", json_number(f)},
          {"freq_err_hz", json_number(sf)},
          {"fdot_hz_s", json_number(fdot)},
          {"fdot_err_hz_s", json_number(sfd)},
          {"accel_ms2", json_number(b.model.accel_ms2())},
          {"accel_err_ms2", json_number(accel_err)},
          {"dm", json_number(b.model.dm)},
          {"dm_err", json_number(b.dm_err)},
          {"snr", json_number(b.snr)},
          {"redchi2", json_number(b.redchi2)},
          {"width_bins", json_number(b.width_bins)},
          {"width_s", json_number(b.width_bins * period / double(c.cube.nbin))},
          {"peak_bin", b.peak_bin},
          {"nbin", c.cube.nbin}};
}

}  // namespace

nlohmann::json fold_summary_json(const FoldedCandidate& c, const FoldSummaryFiles& files) {
  const FoldMeta& m = c.meta;
  const FoldModel& k = c.cube.model;
  nlohmann::json provenance = psrfits_fold::meta_json(m);
  const bool have_pos = std::isfinite(m.ra_deg) && std::isfinite(m.dec_deg);
  provenance["ra"] = have_pos ? nlohmann::json(format_ra_hms(m.ra_deg, 4)) : nullptr;
  provenance["dec"] = have_pos ? nlohmann::json(format_dec_dms(m.dec_deg, 3, true)) : nullptr;
  provenance["tobs_s"] = json_number(c.cube.tobs_s);
  provenance["nsubint"] = c.cube.nsubint;
  provenance["nsubband"] = c.cube.nsubband;
  return {{"optimised", optimised_json(c)},
          {"folded_at",
           {{"freq_hz", json_number(k.freq_hz)},
            {"fdot_hz_s", json_number(k.fdot_hz_s)},
            {"dm", json_number(k.dm)},
            {"ref_s", json_number(k.ref_s)},
            {"period_s", json_number(k.freq_hz > 0 ? k.period_s() : NAN)}}},
          {"search",
           {{"rank", m.rank},
            {"sigma", json_number(m.search_sigma)},
            {"snr", json_number(m.search_snr)},
            {"nharm", m.search_nharm},
            {"freq_hz", json_number(m.search_freq_hz)},
            {"period_s", json_number(m.search_freq_hz > 0 ? 1.0 / m.search_freq_hz : NAN)},
            {"dm", json_number(m.search_dm)},
            {"accel_ms2", json_number(m.search_accel_ms2)}}},
          {"provenance", provenance},
          {"files",
           {{"archive",
             files.archive.empty() ? nlohmann::json(nullptr) : nlohmann::json(files.archive)},
            {"plots", files.plots}}}};
}

void write_fold_summary(const std::string& path, const FoldedCandidate& c,
                        const FoldSummaryFiles& files) {
  write_file_atomically(path, fold_summary_json(c, files).dump(2) + "\n");
}

}  // namespace tianyan
