#pragma once
// The slow, obvious fold the engine is compared with: every channel sample on its own, at its
// own exact (float) dispersion delay, no subbands, no groups.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/common/constants.hpp"
#include "kernels/common/dispersion.hpp"
#include "kernels/fold/fold_cpu.hpp"

namespace tianyan::test {

struct SyntheticBeam {
  std::vector<double> freqs;  // ascending
  double tsamp = 1e-3;
  uint64_t n = 0;
  std::vector<float> data;  // n x nchan, time-major
  size_t nchan() const { return freqs.size(); }
};

// Channel frequencies whose delays at `dm`, relative to the highest (f_ref), are exactly
// n_c = step x (nchan - 1 - c) samples: then integer-sample subbanding loses nothing and the
// engine must reproduce the per-channel fold.
inline std::vector<double> integer_delay_freqs(size_t nchan, double dm, double tsamp, double f_ref,
                                               int step) {
  std::vector<double> f(nchan);
  for (size_t c = 0; c < nchan; ++c) {
    const double n = static_cast<double>(step) * static_cast<double>(nchan - 1 - c);
    f[c] = 1.0 / std::sqrt(1.0 / (f_ref * f_ref) + n * tsamp / (kDispersionConstant * dm));
  }
  return f;
}

inline SyntheticBeam noise_beam(std::vector<double> freqs, double tsamp, uint64_t n,
                                uint64_t seed) {
  SyntheticBeam b{std::move(freqs), tsamp, n, {}};
  b.data.resize(n * b.nchan());
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  for (float& x : b.data) x = gauss(rng);
  return b;
}

inline size_t phase_bin(const FoldModel& m, double t, size_t nbin) {
  const double ph = m.phase(t);
  const auto b = static_cast<size_t>((ph - std::floor(ph)) * static_cast<double>(nbin));
  return std::min(b, nbin - 1);
}

inline size_t subint_of(double t, double subint_s, size_t nsubint) {
  const double k = std::floor(t / subint_s);
  return k < 0 ? 0 : std::min(static_cast<size_t>(k), nsubint - 1);
}

// data [nsubint][nsubband][nbin] and bin_var as documented in kernels/fold/fold_cpu.hpp, the
// variance from the first differences of the subband series y_s[j] = sum_c x_c[j + n_c]
// (n_c the rounded delay of c behind its subband's top channel at the request's DM), from
// j = -(largest n_c of a channel not in `zero`).
inline FoldCube reference_fold(const SyntheticBeam& b, size_t nsub, const FoldSpec& spec,
                               const std::vector<uint8_t>& zero = {}) {
  const size_t nchan = b.nchan(), per = nchan / nsub, nk = spec.nsubint, nbin = spec.nbin;
  const double f_ref = b.freqs.back();
  const double subint_s = static_cast<double>(b.n) * b.tsamp / static_cast<double>(nk);
  FoldCube c;
  c.nsubint = nk, c.nsubband = nsub, c.nbin = nbin;
  c.data.assign(nk * nsub * nbin, 0.0f);
  for (size_t ch = 0; ch < nchan; ++ch) {
    const double delay = dispersion_delay_s(spec.model.dm, b.freqs[ch], f_ref);
    for (uint64_t i = 0; i < b.n; ++i) {
      const double t = (static_cast<double>(i) + 0.5) * b.tsamp - delay;
      const size_t k = subint_of(t, subint_s, nk);
      c.data[(k * nsub + ch / per) * nbin + phase_bin(spec.model, t, nbin)] +=
          b.data[i * nchan + ch];
    }
  }
  c.bin_var.assign(nk * nsub, 0.0f);
  for (size_t s = 0; s < nsub; ++s) {
    const double top = b.freqs[(s + 1) * per - 1];
    const double delay_top = dispersion_delay_s(spec.model.dm, top, f_ref);
    std::vector<int64_t> shift(per);
    int64_t first = 0;
    for (size_t q = 0; q < per; ++q) {
      shift[q] =
          std::llround(dispersion_delay_s(spec.model.dm, b.freqs[s * per + q], top) / b.tsamp);
      if (zero.empty() || !zero[s * per + q]) first = std::max(first, shift[q]);
    }
    std::vector<double> diff2(nk, 0), ndiff(nk, 0), count(nk, 0);
    const int64_t n = static_cast<int64_t>(b.n);
    double y_prev = 0;
    size_t k_prev = nk;
    for (int64_t j = -first; j < n; ++j) {
      double y = 0;
      for (size_t q = 0; q < per; ++q) {
        const int64_t i = j + shift[q];
        if (i >= 0 && i < n) y += b.data[static_cast<size_t>(i) * nchan + s * per + q];
      }
      y = static_cast<float>(y);  // the engine's subband series is float
      const size_t k =
          subint_of((static_cast<double>(j) + 0.5) * b.tsamp - delay_top, subint_s, nk);
      count[k] += 1;
      if (k == k_prev) diff2[k] += (y - y_prev) * (y - y_prev), ndiff[k] += 1;
      y_prev = y, k_prev = k;
    }
    for (size_t k = 0; k < nk; ++k) {
      if (ndiff[k] == 0) continue;
      const double var = diff2[k] / (2 * ndiff[k]) * count[k];
      c.bin_var[k * nsub + s] = static_cast<float>(var / static_cast<double>(nbin));
    }
  }
  return c;
}

// Folds `b` with the engine, feeding gulps of `gulp` samples.
inline std::vector<FoldCube> engine_fold(const SyntheticBeam& b, size_t nsub,
                                         const std::vector<FoldSpec>& specs, int threads,
                                         uint64_t gulp, std::vector<uint8_t> zero = {},
                                         size_t* ngroups = nullptr, double max_smear_bins = 0.5) {
  StreamFolder folder(FoldBand{b.freqs, b.tsamp, b.n, std::move(zero)}, nsub, specs, threads,
                      max_smear_bins);
  if (ngroups) *ngroups = folder.groups().size();
  for (uint64_t s = 0; s < b.n; s += gulp) {
    const uint64_t m = std::min(gulp, b.n - s);
    folder.add(b.data.data() + s * b.nchan(), s, m);
  }
  return folder.finish();
}

}  // namespace tianyan::test
