#pragma once
// Real-to-complex FFTs in single precision (FFTW3f). A plan is made once per length and
// reused for every series of that length: execute() is thread-safe (FFTW's new-array execute
// on arrays from fft_alloc_*), so OpenMP threads share one plan, each with its own arrays.
// Planning is serialised behind a mutex (FFTW's planner is not thread-safe) and uses wisdom
// cached on disk (fft_wisdom_path()), so FFTW_MEASURE costs its time once per machine.
#include <complex>
#include <cstddef>
#include <memory>
#include <string>

namespace tianyan {

// Aligned buffers for FFTW (freed with fftwf_free through the deleter).
struct FftFree {
  void operator()(void* p) const noexcept;
};
using FftRealBuffer = std::unique_ptr<float[], FftFree>;
using FftComplexBuffer = std::unique_ptr<std::complex<float>[], FftFree>;
FftRealBuffer fft_alloc_real(size_t n);
FftComplexBuffer fft_alloc_complex(size_t n);

// The smallest length >= n whose prime factors are 2, 3, 5 and 7 (fast for FFTW); n >= 1.
size_t good_fft_size(size_t n);

enum class FftEffort { Estimate, Measure };

// Out of place: the input is preserved (an acceleration search transforms one series many
// times). In place: the spectrum overwrites the series in one buffer of in_place_floats(n)
// floats, halving the memory of a search that transforms each series once (docs/search.md,
// "Memory"): what lets a series of 2^31 samples be searched in about 8 bytes per sample.
enum class FftPlacement { OutOfPlace, InPlace };

// Floats of an in-place buffer: room for n / 2 + 1 complex bins (n + 2 for even n).
inline size_t in_place_floats(size_t n) { return 2 * (n / 2 + 1); }

// Lengths above this are planned with FftEffort::Estimate whatever is asked: measuring a
// transform of hundreds of millions of points takes minutes and writes arrays of its size.
inline constexpr size_t kMeasureMaxLength = size_t{1} << 27;

class RealFftPlan {
 public:
  // Forward r2c of n real samples into n/2 + 1 complex bins, unnormalised (FFTW convention:
  // X_k = sum_t x_t exp(-2 pi i k t / n)). threads > 1 makes FFTW split each transform.
  // Lengths are 64-bit (FFTW's guru64 interface), so n may exceed 2^31. Throws Internal when
  // FFTW cannot plan.
  RealFftPlan(size_t n, FftEffort effort, int threads = 1,
              FftPlacement placement = FftPlacement::OutOfPlace);
  ~RealFftPlan();
  RealFftPlan(const RealFftPlan&) = delete;
  RealFftPlan& operator=(const RealFftPlan&) = delete;

  size_t size() const { return n_; }
  FftEffort effort() const { return effort_; }  // as planned (see kMeasureMaxLength)
  size_t nbins() const { return n_ / 2 + 1; }
  FftPlacement placement() const { return placement_; }
  // Out-of-place plans. in: size() floats, out: nbins() values, both from fft_alloc_* (SIMD
  // alignment); the input is preserved.
  void execute(const float* in, std::complex<float>* out) const;
  // In-place plans. data: in_place_floats(size()) floats from fft_alloc_real, the series in
  // its first size(); on return it holds the nbins() complex bins.
  void execute_in_place(float* data) const;

 private:
  size_t n_;
  FftEffort effort_;
  FftPlacement placement_;
  void* plan_;  // fftwf_plan
};

// A process-wide cache of plans by (n, effort, threads, placement); the first request plans
// (loading and then saving wisdom), later ones return the same plan.
std::shared_ptr<const RealFftPlan> real_fft_plan(
    size_t n, FftEffort effort = FftEffort::Measure, int threads = 1,
    FftPlacement placement = FftPlacement::OutOfPlace);

// Where wisdom is kept: $TIANYAN_FFTW_WISDOM, else $XDG_CACHE_HOME/tianyan/fftwf-wisdom, else
// $HOME/.cache/tianyan/fftwf-wisdom; "" when none can be made (planning then goes without).
// A wisdom file that cannot be read or written is ignored with a warning, never an error.
std::string fft_wisdom_path();

}  // namespace tianyan
