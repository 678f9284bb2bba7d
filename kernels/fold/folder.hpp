#pragma once
// The folding pass's interface (docs/fold.md): cleaned data go in gulp by gulp, in stream
// order, and come out as one FoldCube per request, every request folded in the same single
// pass. Two engines: the CPU's (StreamFolder, kernels/fold/fold_cpu.hpp, which documents the
// algorithm) and the CUDA one (kernels/fold/fold_cuda.cpp), which gives the same cubes bit for
// bit; make_folder picks one.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/fold/fold.hpp"
#include "kernels/fold/fold_group.hpp"

namespace tianyan {

struct FoldSpec {
  FoldModel model;     // freq_hz > 0, finite; dm >= 0
  size_t nbin = 0;     // >= 2
  size_t nsubint = 0;  // >= 1
};

struct FoldBand {
  std::vector<double> freqs_mhz;  // channel centres, ascending (channel 0 lowest)
  double tsamp_s = 0;
  uint64_t nsamples = 0;  // samples in the stream
  // Per channel, 1: the channel is exactly 0 throughout (statically masked and normalised),
  // so it is skipped. Empty: none.
  std::vector<uint8_t> zero_channels;
};

class Folder {
 public:
  virtual ~Folder() = default;
  // data: nsamp x nchan floats in host memory, time-major, channel fastest, stream samples
  // [start, start + nsamp). Calls come in stream order, the first at 0, each next start the
  // previous start + nsamp (Internal error otherwise).
  virtual void add(const float* data, uint64_t start, uint64_t nsamp) = 0;
  // Folds what is left (after the last add) and returns the cubes, in request order. Samples
  // never added count as 0 (a short stream is folded, not refused).
  virtual std::vector<FoldCube> finish() = 0;
  virtual const std::vector<FoldGroup>& groups() const = 0;
  // Host memory held (the CUDA engine's device memory is checked against the device when it
  // is built and is not counted here).
  virtual size_t memory_bytes() const = 0;
};

// The engine on `backend`: the CPU's with `threads` threads (`device` unused), or the CUDA
// one on device `device` (`threads` unused). Throws Internal for inconsistent arguments (as
// StreamFolder), Environment when the CUDA engine cannot run (no CUDA in this build, no
// driver, no such device, too old a GPU, too little device memory, with the figures): never
// a CPU run instead.
std::unique_ptr<Folder> make_folder(Backend backend, int device, FoldBand band, size_t nsubband,
                                    std::vector<FoldSpec> specs, int threads,
                                    double max_smear_bins = 0.5);

}  // namespace tianyan
