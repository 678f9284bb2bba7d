#include "kernels/fold/fold_plan.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

// Output samples per tile: long enough that the look-ahead a tile gathers beyond its end (the
// largest intra-subband shift) is a small fraction, short enough that one subband's tile of
// 64 channels stays in L2 (measured: docs/fold.md).
constexpr int64_t kMinTile = 2048;

void validate(const FoldBand& band, size_t nsubband, const std::vector<FoldSpec>& specs) {
  const size_t nchan = band.freqs_mhz.size();
  if (nchan == 0 || nsubband == 0 || nchan % nsubband != 0 || !(band.tsamp_s > 0) ||
      band.nsamples == 0 || (!band.zero_channels.empty() && band.zero_channels.size() != nchan)) {
    throw internal_error("StreamFolder: {} channels, {} subbands, tsamp {} s, {} samples", nchan,
                         nsubband, band.tsamp_s, band.nsamples);
  }
  for (const FoldSpec& sp : specs) {
    if (!(sp.model.freq_hz > 0) || !std::isfinite(sp.model.freq_hz) ||
        !std::isfinite(sp.model.fdot_hz_s) || !(sp.model.dm >= 0) || sp.nbin < 2 ||
        sp.nsubint < 1) {
      throw internal_error(
          "StreamFolder: bad fold spec (freq {} Hz, fdot {}, DM {}, {} bins, "
          "{} subints)",
          sp.model.freq_hz, sp.model.fdot_hz_s, sp.model.dm, sp.nbin, sp.nsubint);
    }
  }
}

void setup_groups(FoldPlan& p, const std::vector<FoldSpec>& specs, double max_smear_bins) {
  const std::vector<double>& f = p.band.freqs_mhz;
  const size_t nsub = p.nsub, per = p.per;
  const double sweep = subband_sweep_s_per_dm(f, nsub);
  std::vector<double> dm, tol;
  for (const FoldSpec& sp : specs) {
    dm.push_back(sp.model.dm);
    const double bin_s = sp.model.period_s() / static_cast<double>(sp.nbin);
    tol.push_back(sweep > 0 ? max_smear_bins * bin_s / sweep : 1e300);
  }
  p.groups = group_by_dm(dm, tol);
  p.active.assign(nsub, {});
  for (size_t c = 0; c < p.nchan; ++c) {
    if (p.band.zero_channels.empty() || !p.band.zero_channels[c]) {
      p.active[c / per].push_back(static_cast<uint32_t>(c));
    }
  }
  p.sub_lookahead.assign(nsub, 0);
  p.group_lookahead.assign(p.groups.size() * nsub, 0);
  p.shift.assign(p.groups.size(), std::vector<int64_t>(p.nchan, 0));
  for (size_t g = 0; g < p.groups.size(); ++g) {
    for (size_t s = 0; s < nsub; ++s) {
      const double top = f[(s + 1) * per - 1];
      int64_t& look = p.group_lookahead[g * nsub + s];
      for (uint32_t c : p.active[s]) {
        p.shift[g][c] =
            std::llround(dispersion_delay_s(p.groups[g].dm, f[c], top) / p.band.tsamp_s);
        look = std::max(look, p.shift[g][c]);
      }
      p.sub_lookahead[s] = std::max(p.sub_lookahead[s], look);
    }
  }
  p.lookahead = *std::max_element(p.sub_lookahead.begin(), p.sub_lookahead.end());
  p.tile = std::max(kMinTile, 2 * p.lookahead);
}

void setup_requests(FoldPlan& p, std::vector<FoldSpec> specs) {
  const double tsamp = p.band.tsamp_s;
  const double tobs = static_cast<double>(p.band.nsamples) * tsamp;
  const double f_ref = p.band.freqs_mhz.back();
  const auto n = static_cast<int64_t>(p.band.nsamples);
  p.req.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    FoldPlan::Request& r = p.req[i];
    r.spec = specs[i];
    const size_t nk = r.spec.nsubint;
    r.subint_s = tobs / static_cast<double>(nk);
    r.t0_top.resize(p.nsub);
    r.bounds.resize(p.nsub * (nk + 1));
    for (size_t s = 0; s < p.nsub; ++s) {
      const double delay =
          dispersion_delay_s(r.spec.model.dm, p.band.freqs_mhz[(s + 1) * p.per - 1], f_ref);
      r.t0_top[s] = 0.5 * tsamp - delay - r.spec.model.ref_s;
      int64_t* b = r.bounds.data() + s * (nk + 1);
      b[0] = -p.lookahead;
      b[nk] = n;
      // Subint k starts at the first j whose emission time (j + 1/2) tsamp - delay >= k subint_s.
      for (size_t k = 1; k < nk; ++k) {
        const double j = std::ceil((static_cast<double>(k) * r.subint_s + delay) / tsamp - 0.5);
        b[k] = std::clamp(static_cast<int64_t>(j), b[0], n);
      }
    }
  }
}

}  // namespace

FoldPlan make_fold_plan(FoldBand band, size_t nsubband, std::vector<FoldSpec> specs,
                        double max_smear_bins) {
  validate(band, nsubband, specs);
  FoldPlan p;
  p.nchan = band.freqs_mhz.size();
  p.band = std::move(band);
  p.nsub = nsubband;
  p.per = p.nchan / nsubband;
  setup_groups(p, specs, max_smear_bins);
  setup_requests(p, std::move(specs));
  return p;
}

FoldCube make_fold_cube(const FoldPlan& plan, size_t r, std::vector<float> data,
                        const std::vector<double>& diff2, const std::vector<uint64_t>& count,
                        const std::vector<uint64_t>& ndiff) {
  const FoldPlan::Request& req = plan.req[r];
  FoldCube c;
  c.nsubint = req.spec.nsubint;
  c.nsubband = plan.nsub;
  c.nbin = req.spec.nbin;
  c.data = std::move(data);
  c.bin_var.assign(c.nsubint * c.nsubband, 0.0f);
  for (size_t i = 0; i < c.bin_var.size(); ++i) {
    if (ndiff[i] == 0) continue;
    // White-noise variance of one output from its first differences, times the outputs
    // per bin.
    const double var = diff2[i] / (2.0 * static_cast<double>(ndiff[i]));
    c.bin_var[i] =
        static_cast<float>(var * static_cast<double>(count[i]) / static_cast<double>(c.nbin));
  }
  for (size_t s = 0; s < plan.nsub; ++s) {
    double f = 0;
    for (size_t q = 0; q < plan.per; ++q) f += plan.band.freqs_mhz[s * plan.per + q];
    c.freqs_mhz.push_back(f / static_cast<double>(plan.per));
  }
  c.ref_freq_mhz = plan.band.freqs_mhz.back();
  c.subint_s = req.subint_s;
  for (size_t k = 0; k < c.nsubint; ++k) {
    c.subint_mid_s.push_back((static_cast<double>(k) + 0.5) * req.subint_s);
  }
  c.tsamp_s = plan.band.tsamp_s;
  c.tobs_s = static_cast<double>(plan.band.nsamples) * plan.band.tsamp_s;
  c.model = req.spec.model;
  return c;
}

}  // namespace tianyan
