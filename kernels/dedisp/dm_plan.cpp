#include "kernels/dedisp/dm_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "kernels/common/constants.hpp"
#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

// PRESTO DDplan's allowed DM steps: round numbers keep trial DMs readable in file names.
constexpr std::array<double, 19> kAllowedDdm = {0.01, 0.02, 0.03,  0.05,  0.1,  0.2,  0.3,
                                                0.5,  1.0,  2.0,   3.0,   5.0,  10.0, 20.0,
                                                30.0, 50.0, 100.0, 200.0, 300.0};
constexpr double kEps = 1e-9;

double chan_smearing(double dm, const BandGeometry& b) {
  return channel_smearing_s(dm, b.chan_bw_mhz, b.f_ctr_mhz());
}

// Largest allowed step whose half-step smearing stays below `budget_s`.
double choose_ddm(double budget_s, const BandGeometry& band) {
  const double per_unit = dm_step_smearing_s(1.0, band);
  const double ddm_max = budget_s / per_unit;
  double best = 0;
  for (double d : kAllowedDdm) {
    if (d <= ddm_max * (1 + kEps)) best = d;
  }
  if (best > 0) return best;
  // Finer than the table allows (very wide bands): one significant figure, rounded down.
  return std::pow(10.0, std::floor(std::log10(ddm_max)));
}

// Fine DMs per coarse subband DM: the coarse step g ddm keeps t_sub below
// fraction x min(t_ddm, t_samp) (DDplan's rule).
int choose_sub_group(const DmPlanStep& s, int nsub, double fraction, const BandGeometry& band) {
  const double per_unit = subband_smearing_s(1.0, nsub, band);
  if (per_unit <= 0 || s.ddm <= 0) return 1;
  const double limit = fraction * std::min(s.t_ddm_s > 0 ? s.t_ddm_s : s.t_samp_s, s.t_samp_s);
  const double g = std::floor(limit / (per_unit * s.ddm) * (1 + kEps));
  return static_cast<int>(std::clamp(g, 1.0, static_cast<double>(std::max<int64_t>(s.ndm, 1))));
}

void fill_smearing(DmPlanStep& s, int nsub, const BandGeometry& band) {
  const double top_dm = s.dm_lo + static_cast<double>(std::max<int64_t>(s.ndm - 1, 0)) * s.ddm;
  s.t_samp_s = band.tsamp_s * s.downsample;
  s.t_chan_s = chan_smearing(top_dm, band);
  s.t_ddm_s = dm_step_smearing_s(s.ddm, band);
  s.t_sub_s = subband_smearing_s(s.sub_group * s.ddm, nsub, band);
  s.t_total_s = std::sqrt(s.t_samp_s * s.t_samp_s + s.t_chan_s * s.t_chan_s +
                          s.t_sub_s * s.t_sub_s + s.t_ddm_s * s.t_ddm_s);
}

// The DM where this step should end: where t_chan reaches twice the sample time (so the
// next step can downsample by 2), or where t_eff has doubled (so dDM can grow).
double step_end_dm(double dm, int ds, double t_eff0, const DmPlanConfig& cfg,
                   const BandGeometry& band) {
  const double per_dm = chan_smearing(1.0, band);
  if (per_dm <= 0) return std::numeric_limits<double>::infinity();
  const double t_samp = band.tsamp_s * ds;
  double end = std::sqrt(4 * t_eff0 * t_eff0 - t_samp * t_samp) / per_dm;
  if (2 * ds <= cfg.max_downsample) end = std::min(end, 2 * t_samp / per_dm);
  return std::max(end, dm);
}

std::vector<DmPlanStep> planned_steps(const BandGeometry& band, const DmPlanConfig& cfg) {
  std::vector<DmPlanStep> steps;
  double dm = cfg.dm_lo;
  int ds = 1;
  while (true) {
    while (2 * ds <= cfg.max_downsample &&
           chan_smearing(dm, band) >= 2 * ds * band.tsamp_s * (1 - kEps)) {
      ds *= 2;
    }
    const double t_samp = band.tsamp_s * ds;
    const double t_chan = chan_smearing(dm, band);
    const double t_eff = std::sqrt(t_samp * t_samp + t_chan * t_chan);
    DmPlanStep s;
    s.dm_lo = dm;
    s.downsample = ds;
    s.ddm = choose_ddm(cfg.tolerance * t_eff, band);
    const double end = step_end_dm(dm, ds, t_eff, cfg, band);
    const bool last = end >= cfg.dm_hi;
    s.ndm = last ? static_cast<int64_t>(std::floor((cfg.dm_hi - dm) / s.ddm + kEps)) + 1
                 : std::max<int64_t>(1, static_cast<int64_t>(std::ceil((end - dm) / s.ddm - kEps)));
    s.dm_hi = dm + static_cast<double>(s.ndm) * s.ddm;
    steps.push_back(s);
    if (last) break;
    dm = s.dm_hi;
  }
  return steps;
}

std::vector<DmPlanStep> fixed_steps(const DmPlanConfig& cfg) {
  DmPlanStep s;
  s.dm_lo = cfg.dm_lo;
  s.ddm = cfg.fixed_step;
  s.ndm = static_cast<int64_t>(std::floor((cfg.dm_hi - cfg.dm_lo) / cfg.fixed_step + kEps)) + 1;
  s.dm_hi = s.dm_lo + static_cast<double>(s.ndm) * s.ddm;
  return {s};
}

std::vector<DmPlanStep> list_steps(const DmPlanConfig& cfg) {
  std::vector<double> dms = cfg.dm_list;
  std::sort(dms.begin(), dms.end());
  dms.erase(std::unique(dms.begin(), dms.end()), dms.end());
  std::vector<DmPlanStep> steps;
  for (double d : dms) {
    DmPlanStep s;
    s.dm_lo = s.dm_hi = d;
    s.ndm = 1;
    steps.push_back(s);
  }
  return steps;
}

// Operation count per input sample of the two-stage algorithm with `nsub` subbands: stage 1
// adds every channel once per coarse DM, stage 2 every subband once per fine DM.
double subband_cost(std::vector<DmPlanStep> steps, int nsub, const DmPlanConfig& cfg,
                    const BandGeometry& band) {
  double cost = 0;
  for (DmPlanStep& s : steps) {
    fill_smearing(s, nsub, band);
    s.sub_group = choose_sub_group(s, nsub, cfg.subband_fraction, band);
    const double groups = std::ceil(static_cast<double>(s.ndm) / s.sub_group);
    cost += groups * band.nchan + static_cast<double>(s.ndm) * nsub;
  }
  return cost;
}

int choose_nsub(const std::vector<DmPlanStep>& steps, const DmPlanConfig& cfg,
                const BandGeometry& band) {
  if (cfg.nsub > 0) return std::min(cfg.nsub, band.nchan);
  int best = band.nchan;
  double best_cost = std::numeric_limits<double>::infinity();
  for (int p = 4; p <= band.nchan / 4; p *= 2) {
    if (band.nchan % p != 0) continue;
    const double c = subband_cost(steps, p, cfg, band);
    if (c < best_cost) best_cost = c, best = p;
  }
  return best;
}

void validate(const BandGeometry& band, const DmPlanConfig& cfg) {
  if (band.nchan < 2 || !(band.chan_bw_mhz > 0) || !(band.f_lo_mhz > 0) || !(band.tsamp_s > 0)) {
    throw bad_input("DM plan",
                    "needs at least 2 channels, positive frequencies, channel width "
                    "and sample time (got {} channels, {} MHz, {} MHz, {} s)",
                    band.nchan, band.f_lo_mhz, band.chan_bw_mhz, band.tsamp_s);
  }
  const int ds = cfg.max_downsample;
  if (ds < 1 || (ds & (ds - 1)) != 0) {
    throw bad_input("DM plan", "max_downsample must be a power of two, got {}", ds);
  }
  if (!(cfg.tolerance > 0) || !(cfg.subband_fraction > 0) || cfg.nsub < 0) {
    throw bad_input("DM plan",
                    "tolerance ({}), subband_fraction ({}) must be positive and "
                    "nsub ({}) non-negative",
                    cfg.tolerance, cfg.subband_fraction, cfg.nsub);
  }
  for (double d : cfg.dm_list) {
    if (!(d >= 0) || !std::isfinite(d)) throw bad_input("DM plan", "DM {} is not >= 0", d);
  }
  if (cfg.dm_list.empty() && (!(cfg.dm_lo >= 0) || !(cfg.dm_hi >= cfg.dm_lo) ||
                              !std::isfinite(cfg.dm_hi) || !(cfg.fixed_step >= 0))) {
    throw bad_input("DM plan", "DM range {}..{} (step {}) must satisfy 0 <= lo <= hi, step >= 0",
                    cfg.dm_lo, cfg.dm_hi, cfg.fixed_step);
  }
}

}  // namespace

std::vector<double> BandGeometry::freqs_mhz() const {
  std::vector<double> f(static_cast<size_t>(std::max(nchan, 0)));
  for (int c = 0; c < nchan; ++c) f[c] = f_lo_mhz + c * chan_bw_mhz;
  return f;
}

BandGeometry BandGeometry::from_freqs(const std::vector<double>& freqs_mhz, double tsamp_s) {
  if (freqs_mhz.size() < 2 || freqs_mhz.back() <= freqs_mhz.front()) {
    throw bad_input("DM plan", "needs at least 2 channels in ascending frequency order");
  }
  BandGeometry b;
  b.nchan = static_cast<int>(freqs_mhz.size());
  b.f_lo_mhz = freqs_mhz.front();
  b.chan_bw_mhz = (freqs_mhz.back() - freqs_mhz.front()) / (b.nchan - 1);
  b.tsamp_s = tsamp_s;
  return b;
}

BandGeometry BandGeometry::from_edges(double lo_edge_mhz, double hi_edge_mhz, int nchan,
                                      double tsamp_s) {
  BandGeometry b;
  b.nchan = nchan;
  b.chan_bw_mhz = nchan > 0 ? (hi_edge_mhz - lo_edge_mhz) / nchan : 0.0;
  b.f_lo_mhz = lo_edge_mhz + 0.5 * b.chan_bw_mhz;
  b.tsamp_s = tsamp_s;
  return b;
}

double dm_step_smearing_s(double ddm, const BandGeometry& band) {
  return dispersion_delay_s(0.5 * ddm, band.f_lo_mhz, band.f_hi_mhz());
}

double subband_smearing_s(double dsub_dm, int nsub, const BandGeometry& band) {
  if (nsub <= 0 || nsub >= band.nchan) return 0.0;
  const double sub_bw = band.bandwidth_mhz() / nsub;
  const double fc = band.f_ctr_mhz();
  return dispersion_delay_s(0.5 * dsub_dm, fc - 0.5 * sub_bw, fc + 0.5 * sub_bw);
}

int64_t DmPlan::num_trials() const {
  int64_t n = 0;
  for (const DmPlanStep& s : steps) n += s.ndm;
  return n;
}

int DmPlan::max_downsample() const {
  int m = 1;
  for (const DmPlanStep& s : steps) m = std::max(m, s.downsample);
  return m;
}

std::vector<DmTrial> DmPlan::trials() const {
  std::vector<DmTrial> out;
  out.reserve(static_cast<size_t>(num_trials()));
  int group = -1;
  // An explicit list has no DM step: group neighbours while the coarse DM error of half the
  // group's span keeps t_sub below 0.8 t_samp (the planned steps' rule without t_ddm).
  const double per_unit = subband_smearing_s(1.0, nsub, band);
  const double max_span = per_unit > 0 ? 0.8 * band.tsamp_s / per_unit : 0.0;
  double group_first = 0;
  for (const DmPlanStep& s : steps) {
    for (int64_t i = 0; i < s.ndm; ++i) {
      const double dm = s.dm_lo + static_cast<double>(i) * s.ddm;
      const bool new_group =
          explicit_list ? (group < 0 || dm - group_first > max_span) : (i % s.sub_group == 0);
      if (new_group) ++group, group_first = dm;
      out.push_back({dm, s.downsample, group});
    }
  }
  return out;
}

DmPlan make_dm_plan(const BandGeometry& band, const DmPlanConfig& config) {
  validate(band, config);
  DmPlan plan;
  plan.band = band;
  plan.explicit_list = !config.dm_list.empty();
  if (plan.explicit_list) {
    plan.steps = list_steps(config);
  } else if (config.fixed_step > 0) {
    plan.steps = fixed_steps(config);
  } else {
    plan.steps = planned_steps(band, config);
  }
  plan.nsub = choose_nsub(plan.steps, config, band);
  for (DmPlanStep& s : plan.steps) {
    fill_smearing(s, plan.nsub, band);
    if (!plan.explicit_list) {
      s.sub_group = choose_sub_group(s, plan.nsub, config.subband_fraction, band);
      fill_smearing(s, plan.nsub, band);
    }
  }
  return plan;
}

std::string format_dm_plan(const DmPlan& plan) {
  const BandGeometry& b = plan.band;
  std::string out = fmt::format(
      "DM plan: {} channels, {:.6g}-{:.6g} MHz (centres), {:.6g} MHz channels, tsamp {:.6g} us\n"
      "         {} trials, {} subbands, max downsample {}; smearing at {:.6g} MHz, ms\n",
      b.nchan, b.f_lo_mhz, b.f_hi_mhz(), b.chan_bw_mhz, b.tsamp_s * 1e6, plan.num_trials(),
      plan.nsub, plan.max_downsample(), b.f_ctr_mhz());
  out += fmt::format("{:>9} {:>9} {:>7} {:>4} {:>6} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "DM lo",
                     "DM hi", "dDM", "ds", "nDM", "group", "t_samp", "t_chan", "t_sub", "t_dDM",
                     "total");
  for (const DmPlanStep& s : plan.steps) {
    out += fmt::format(
        "{:9.3f} {:9.3f} {:7.3f} {:4d} {:6d} {:5d} {:8.4f} {:8.4f} {:8.4f} {:8.4f} {:8.4f}\n",
        s.dm_lo, s.dm_hi, s.ddm, s.downsample, s.ndm, s.sub_group, s.t_samp_s * 1e3,
        s.t_chan_s * 1e3, s.t_sub_s * 1e3, s.t_ddm_s * 1e3, s.t_total_s * 1e3);
  }
  return out;
}

}  // namespace tianyan
