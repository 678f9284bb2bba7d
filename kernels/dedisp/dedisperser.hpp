#pragma once
// Incoherent dedispersion: plan, then execute (ARCHITECTURE.md). One interface, a CPU
// implementation per algorithm and a CUDA one (dedisp_cuda.hpp), picked by make_dedisperser().
//
// Contract of execute(in, nsamp_in, nfresh, out):
//  * in: nsamp_in x nchan floats, time-major, channel fastest, channel 0 = LOWEST frequency
//    (io/reader.hpp). nsamp_in >= nfresh + overlap(): a gulp's fresh samples followed by its
//    look-ahead (io/gulp.hpp).
//  * nfresh <= setup.max_nfresh and a multiple of the largest downsample factor, so gulps cut
//    the downsampled series at the same places as a single pass over the whole stream.
//  * Delays are relative to the HIGHEST frequency channel: the output sample j of a trial
//    refers to the arrival time of input sample j x ds at the top of the band.
//  * Output sample j of trial t (downsample ds, per-channel delays d_c in input samples) is
//        out[offset(t) + j] = sum_c sum_{k<ds} in[(j ds + k + d_c) nchan + c],  j < nfresh/ds
//    a SUM (not a mean): for unit-variance channels the noise sigma is sqrt(nchan ds);
//    normalisation belongs to the next stage.
//  * out holds output_size() floats: trial-major, time fastest; trial t's row starts at
//    output_offset(t) and has max_nfresh / ds_t slots, of which nfresh / ds_t are written.
//  * execute() never allocates and is deterministic: each output sample is summed by one thread
//    in a fixed order, so results are identical for any thread count.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/dedisp/dm_plan.hpp"

namespace tianyan {

enum class DedispAlgorithm {
  BruteForce,  // direct sum at each trial's delays: the reference
  Subband,     // two-stage subband dedispersion (PRESTO prepsubband style)
};

struct DedispSetup {
  std::vector<double> freqs_mhz;  // channel centres, ascending
  double tsamp_s = 0;
  std::vector<DmTrial> trials;  // DM >= 0; downsample a power of two; groups consecutive
  int nsub = 0;                 // subbands (Subband algorithm); 0 or >= nchan: one per channel
  uint64_t max_nfresh = 0;      // largest nfresh execute() will be given
  int threads = 1;
  DedispAlgorithm algorithm = DedispAlgorithm::Subband;
  int device = 0;  // CUDA device (Backend::Cuda)
  // CUDA: rows of the device input buffer (device_input()), at least max_nfresh + overlap. A
  // caller that fills it from a stage on the device asks for its own gulp and look-ahead.
  uint64_t input_rows = 0;
};

// A setup for `plan`'s trials over `freqs_mhz`.
DedispSetup make_dedisp_setup(const DmPlan& plan, const std::vector<double>& freqs_mhz,
                              uint64_t max_nfresh, int threads, DedispAlgorithm algorithm);

class Dedisperser {
 public:
  virtual ~Dedisperser() = default;
  // Look-ahead needed after the fresh samples: the largest delay over trials and channels.
  virtual uint64_t overlap() const = 0;
  // Memory the dedisperser holds for execute() (bytes), excluding input and output.
  virtual size_t workspace_bytes() const = 0;
  virtual size_t num_trials() const = 0;
  virtual uint64_t output_offset(size_t trial) const = 0;  // floats
  virtual uint64_t output_size() const = 0;                // floats
  // The per-channel delays (input samples, ascending channels) this implementation applies
  // for `trial`; the subband algorithm's effective delays differ from the exact rounding.
  virtual std::vector<int32_t> trial_delays(size_t trial) const = 0;
  virtual void execute(const float* in, uint64_t nsamp_in, uint64_t nfresh, float* out) = 0;

  // Input in device memory (CUDA implementations). A caller whose previous stage runs on the
  // same device writes the gulp into device_input() (device_input_rows() rows of nchan floats)
  // and passes that pointer to execute() as `in`, which then reads it where it is: the gulp
  // crosses PCIe once, into the first stage. Null, 0 and -1 for host implementations.
  virtual float* device_input() { return nullptr; }
  virtual uint64_t device_input_rows() const { return 0; }
  virtual int device() const { return -1; }
  // On device_input(), complete when they return: rows [src, src + n) moved to [dst, dst + n)
  // (dst <= src; the ranges may overlap), and rows [row0, row0 + n) set to zero. Internal
  // error for host implementations.
  virtual void move_device_rows(uint64_t dst, uint64_t src, uint64_t n);
  virtual void zero_device_rows(uint64_t row0, uint64_t n);
};

// Throws BadInput for an invalid setup; for Backend::Cuda, Environment when this build or
// this machine has no usable CUDA device (never a silent CPU run).
std::unique_ptr<Dedisperser> make_dedisperser(Backend backend, const DedispSetup& setup);

// What make_dedisperser(backend, setup) would hold, computed without allocating its workspace,
// so that a caller can size its gulps (and its other buffers) before building one: the same
// values overlap(), workspace_bytes() and output_size() of the built dedisperser report.
struct DedispFootprint {
  uint64_t overlap = 0;        // input samples
  size_t workspace_bytes = 0;  // bytes
  uint64_t output_size = 0;    // floats
};
// Throws BadInput as make_dedisperser does; needs no device (a plan for a GPU node can be made
// anywhere: building the dedisperser is what checks the device).
DedispFootprint dedisp_footprint(Backend backend, const DedispSetup& setup);

// Brute-force dedispersion with explicit delays (delays[t * nchan + c]); out as above with
// rows of max_nfresh / ds. The reference the tests compare every algorithm with.
void dedisperse_direct(const float* in, size_t nchan, uint64_t nsamp_in, uint64_t nfresh,
                       const std::vector<int32_t>& delays, const std::vector<int>& downsample,
                       uint64_t max_nfresh, int threads, float* out);

}  // namespace tianyan
