#include "io/plot/candidate_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/angles.hpp"
#include "io/plot/plot_draw.hpp"

namespace tianyan::plot_detail {
namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr size_t kMaxTextChars = 40;  // what fits in a text column of the default sheet

std::string shorten(const std::string& s) {
  if (s.size() <= kMaxTextChars) return s;
  return "..." + s.substr(s.size() - (kMaxTextChars - 3));
}

std::string files_line(const std::vector<std::string>& files) {
  if (files.empty()) return "Files: (none recorded)";
  std::string line = "File: " + std::filesystem::path(files.front()).filename().string();
  line = shorten(line);
  if (files.size() > 1) line += fmt::format(" (+{} more)", files.size() - 1);
  return pl_text(line);
}

std::vector<std::string> provenance_lines(const FoldedCandidate& c) {
  const FoldMeta& m = c.meta;
  const FoldCube& cube = c.cube;
  std::vector<std::string> lines;
  const std::string source = m.source.empty() ? "unknown source" : m.source;
  lines.push_back(m.rank > 0 ? fmt::format("Candidate {}: {}", m.rank, pl_text(source))
                             : fmt::format("Fold of {}", pl_text(source)));
  const std::string beam = m.beam > 0 ? fmt::format("beam {}", m.beam) : "beam unknown";
  lines.push_back(m.telescope.empty() ? beam : pl_text(m.telescope) + ", " + beam);
  if (!m.scan.empty()) lines.push_back("Scan " + pl_text(shorten(m.scan)));
  lines.push_back(
      fmt::format("RA {}   Dec {}", format_ra_hms(m.ra_deg, 2), format_dec_dms(m.dec_deg, 1)));
  lines.push_back(fmt::format("Start MJD {:.8f}", m.start_mjd));
  lines.push_back(
      fmt::format("Epoch of P: MJD {:.8f}", m.start_mjd + c.best.model.ref_s / kSecondsPerDay));
  lines.push_back(fmt::format("T#dobs#u {:.1f} s, band {:.1f}-{:.1f} MHz", cube.tobs_s,
                              m.freq_lo_mhz, m.freq_hi_mhz));
  lines.push_back(fmt::format("{} channels, RFI masked {:.2f} %", m.nchan, 100.0 * m.rfi_fraction));
  lines.push_back(fmt::format("Fold: {} bins, {} subints, {} subbands", cube.nbin, cube.nsubint,
                              cube.nsubband));
  lines.push_back(files_line(m.files));
  lines.push_back("tianyan " +
                  pl_text(shorten(m.version.empty() ? "(version unknown)" : m.version)));
  return lines;
}

std::vector<std::string> measurement_lines(const FoldedCandidate& c, bool accel) {
  const FoldOptimum& b = c.best;
  const FoldMeta& m = c.meta;
  const double f = b.model.freq_hz;
  std::vector<std::string> lines;
  lines.push_back(
      fmt::format("P = {} ms", value_with_error(1e3 / f, 1e3 * b.freq_err_hz / (f * f))));
  if (accel) {
    lines.push_back(
        fmt::format("a = {} m s#u-2#d",
                    value_with_error(b.model.accel_ms2(), kSpeedOfLight * b.fdot_err_hz_s / f)));
  } else {
    lines.push_back(
        fmt::format("Ṗ = {} s/s", sci_with_error(b.model.pdot(), b.fdot_err_hz_s / (f * f))));
  }
  lines.push_back(fmt::format("DM = {} pc cm#u-3#d", value_with_error(b.model.dm, b.dm_err)));
  lines.push_back(fmt::format("Fold S/N = {:.1f}   reduced #gx#u2#d = {:.2f}", b.snr, b.redchi2));
  lines.push_back(fmt::format(
      "Pulse width {:.1f} bins ({:.2f} ms)", b.width_bins,
      1e3 * b.width_bins / (f * static_cast<double>(std::max<size_t>(c.cube.nbin, 1)))));
  if (m.rank > 0) {
    lines.push_back(fmt::format("Search: #gs = {:.1f}, S/N = {:.1f}, {} harmonics", m.search_sigma,
                                m.search_snr, m.search_nharm));
    const double sp = m.search_freq_hz > 0 ? 1e3 / m.search_freq_hz : 0.0;
    lines.push_back(fmt::format("Search: P = {:.6f} ms, DM = {:.2f}", sp, m.search_dm));
    lines.push_back(fmt::format("Search: a = {:.2f} m s#u-2#d", m.search_accel_ms2));
  }
  return lines;
}

}  // namespace

bool use_accel_axis(const FoldMeta& meta, PlotSpinAxis axis) {
  switch (axis) {
    case PlotSpinAxis::Pdot:
      return false;
    case PlotSpinAxis::Accel:
      return true;
    case PlotSpinAxis::Auto:
      break;
  }
  return meta.rank > 0 || meta.search_accel_ms2 != 0;
}

std::string value_with_error(double value, double err) {
  value += 0.0;  // no "-0.0000"
  if (!(err > 0) || !std::isfinite(err)) return fmt::format("{:.10g}", value);
  const int decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(err))), 0, 15);
  return fmt::format("{:.{}f} ± {:.{}f}", value, decimals, err, decimals);
}

std::string sci_with_error(double value, double err) {
  value += 0.0;
  if (!(err > 0) || !std::isfinite(err)) return fmt::format("{:.4e}", value);
  return fmt::format("{:.3e} ± {:.1e}", value, err);
}

SheetText candidate_text(const FoldedCandidate& c, bool accel) {
  return {provenance_lines(c), measurement_lines(c, accel)};
}

}  // namespace tianyan::plot_detail
