#include "kernels/dedisp/dedisperser.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/dedisp_cuda.hpp"
#include "kernels/dedisp/subband_plan.hpp"

namespace tianyan {
namespace dedisp_detail {

void validate_setup(const DedispSetup& s) {
  if (s.freqs_mhz.empty() || !(s.tsamp_s > 0) || s.max_nfresh == 0 || s.trials.empty() ||
      s.threads < 1) {
    throw bad_input("dedispersion setup",
                    "needs channels, tsamp > 0, max_nfresh > 0, at least "
                    "one DM trial and threads >= 1 (got {} channels, {} s, {}, {} trials, {})",
                    s.freqs_mhz.size(), s.tsamp_s, s.max_nfresh, s.trials.size(), s.threads);
  }
  for (size_t c = 1; c < s.freqs_mhz.size(); ++c) {
    if (!(s.freqs_mhz[c] > s.freqs_mhz[c - 1])) {
      throw bad_input("dedispersion setup", "channel frequencies must ascend (channel {})", c);
    }
  }
  for (size_t t = 0; t < s.trials.size(); ++t) {
    const DmTrial& tr = s.trials[t];
    const int ds = tr.downsample;
    if (!(tr.dm >= 0) || !std::isfinite(tr.dm) || ds < 1 || (ds & (ds - 1)) != 0 ||
        s.max_nfresh % static_cast<uint64_t>(ds) != 0) {
      throw bad_input("dedispersion setup",
                      "trial {} (DM {}, downsample {}): DM must be >= 0, "
                      "downsample a power of two dividing max_nfresh {}",
                      t, tr.dm, ds, s.max_nfresh);
    }
    if (t > 0 && tr.group != s.trials[t - 1].group && (tr.group != s.trials[t - 1].group + 1)) {
      throw bad_input("dedispersion setup", "trial {}: groups must be consecutive", t);
    }
    if (t > 0 && tr.group == s.trials[t - 1].group && ds != s.trials[t - 1].downsample) {
      throw bad_input("dedispersion setup", "trial {}: one group, two downsample factors", t);
    }
  }
  if (s.trials.front().group != 0) throw bad_input("dedispersion setup", "groups start at 0");
  // Delay tables hold int32 samples (delay_table.hpp); a larger delay would not convert.
  double dm_max = 0;
  for (const DmTrial& tr : s.trials) dm_max = std::max(dm_max, tr.dm);
  const double max_delay =
      dispersion_delay_s(dm_max, s.freqs_mhz.front(), s.freqs_mhz.back()) / s.tsamp_s;
  if (!(max_delay < static_cast<double>(std::numeric_limits<int32_t>::max()))) {
    throw bad_input("dedispersion setup",
                    "DM {} delays {:.4g} samples across the band, more than 2^31 - 1", dm_max,
                    max_delay);
  }
}

std::vector<uint64_t> output_offsets(const DedispSetup& setup, uint64_t* total) {
  std::vector<uint64_t> off(setup.trials.size());
  uint64_t at = 0;
  for (size_t t = 0; t < setup.trials.size(); ++t) {
    off[t] = at;
    at += setup.max_nfresh / static_cast<uint64_t>(setup.trials[t].downsample);
  }
  *total = at;
  return off;
}

void check_execute(uint64_t nsamp_in, uint64_t nfresh, uint64_t overlap, uint64_t max_nfresh,
                   int max_downsample) {
  if (nfresh > max_nfresh || nfresh % static_cast<uint64_t>(max_downsample) != 0 ||
      nsamp_in < nfresh + overlap) {
    throw internal_error(
        "dedisperse: nfresh {} must be <= {} and a multiple of {}, and "
        "nsamp_in {} >= nfresh + overlap {}",
        nfresh, max_nfresh, max_downsample, nsamp_in, overlap);
  }
}

void transpose_to_channels(const float* in, uint64_t nsamp, size_t nchan, float* out,
                           uint64_t stride, int threads) {
  // Tiles of 16 samples x 64 channels. The input rows of a tile lie nchan floats apart, a
  // multiple of 4 KiB for power-of-two channel counts, so they map to the same L1 sets: the 64
  // rows of the former 64 x 64 tile are more than a set holds, 16 are not (the likely reason
  // for the difference). Measured, 2 threads, pre-touched buffers (AVX-512 EPYC VM): 4096
  // channels 1.7 -> 4.8 GB/s, 1024 channels 1.7 -> 6.1 GB/s, 256 channels 5.3 -> 5.1 GB/s.
  constexpr uint64_t kTimeTile = 16;
  constexpr size_t kChanTile = 64;
  const int64_t nblocks = static_cast<int64_t>((nsamp + kTimeTile - 1) / kTimeTile);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < nblocks; ++b) {
    const uint64_t t0 = static_cast<uint64_t>(b) * kTimeTile;
    const uint64_t t1 = std::min(nsamp, t0 + kTimeTile);
    for (size_t c0 = 0; c0 < nchan; c0 += kChanTile) {
      const size_t c1 = std::min(nchan, c0 + kChanTile);
      for (size_t c = c0; c < c1; ++c) {
        float* o = out + c * stride;
        for (uint64_t t = t0; t < t1; ++t) o[t] = in[t * nchan + c];
      }
    }
  }
}

}  // namespace dedisp_detail

// x86-64 builds target the baseline ISA; cloning this loop for AVX2 and AVX-512 (picked at
// load time by the CPU) lets it use the machine's full vector width. Every clone adds the rows
// in the same order with the same IEEE single-precision adds, so results do not depend on
// which one runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TIANYAN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TIANYAN_VECTOR_CLONES
#endif

namespace dedisp_detail {
TIANYAN_VECTOR_CLONES
void sum_rows(const float* const* rows, size_t nrows, uint64_t n, float* dst) {
  const float* r0 = rows[0];
  for (uint64_t i = 0; i < n; ++i) dst[i] = r0[i];
  for (size_t r = 1; r < nrows; ++r) {
    const float* __restrict src = rows[r];
    float* __restrict d = dst;
    for (uint64_t i = 0; i < n; ++i) d[i] += src[i];
  }
}
}  // namespace dedisp_detail

DedispSetup make_dedisp_setup(const DmPlan& plan, const std::vector<double>& freqs_mhz,
                              uint64_t max_nfresh, int threads, DedispAlgorithm algorithm) {
  DedispSetup s;
  s.freqs_mhz = freqs_mhz;
  s.tsamp_s = plan.band.tsamp_s;
  s.trials = plan.trials();
  s.nsub = plan.nsub;
  s.max_nfresh = max_nfresh;
  s.threads = threads;
  s.algorithm = algorithm;
  return s;
}

void Dedisperser::move_device_rows(uint64_t, uint64_t, uint64_t) {
  throw internal_error("dedispersion: move_device_rows() on an implementation without "
                       "device input");
}

void Dedisperser::zero_device_rows(uint64_t, uint64_t) {
  throw internal_error("dedispersion: zero_device_rows() on an implementation without "
                       "device input");
}

std::unique_ptr<Dedisperser> make_dedisperser(Backend backend, const DedispSetup& setup) {
  dedisp_detail::validate_setup(setup);
  if (backend == Backend::Cuda) return dedisp_detail::make_dedisperser_cuda(setup);
  return setup.algorithm == DedispAlgorithm::BruteForce ? dedisp_detail::make_brute_cpu(setup)
                                                        : dedisp_detail::make_subband_cpu(setup);
}

DedispFootprint dedisp_footprint(Backend backend, const DedispSetup& setup) {
  dedisp_detail::validate_setup(setup);
  if (backend == Backend::Cuda) {
    // Host memory: none beyond the tables; the device's own is checked when it is built.
    const SubbandPlan p =
        make_subband_plan(setup, setup.algorithm == DedispAlgorithm::BruteForce);
    return {p.overlap, 0, p.output_size};
  }
  const std::unique_ptr<Dedisperser> sized = setup.algorithm == DedispAlgorithm::BruteForce
                                                 ? dedisp_detail::make_brute_cpu(setup, false)
                                                 : dedisp_detail::make_subband_cpu(setup, false);
  return {sized->overlap(), sized->workspace_bytes(), sized->output_size()};
}

}  // namespace tianyan
