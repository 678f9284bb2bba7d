#include "kernels/fft/real_fft.hpp"

#include <fftw3.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <system_error>
#include <tuple>

#include "kernels/common/error.hpp"

namespace tianyan {

namespace {

// FFTW's planner (plan creation and destruction, wisdom import and export) is not thread-safe;
// everything that touches it holds this mutex. Leaked on purpose, so that a plan owned by some
// other static object can still be destroyed during static destruction.
std::mutex& planner_mutex() {
  static auto* m = new std::mutex;
  return *m;
}

// The wisdom file last imported (under planner_mutex). Re-imported when the path changes, so a
// process that moves $TIANYAN_FFTW_WISDOM (the tests do) still reads the new file.
std::string& imported_wisdom_path() {
  static auto* p = new std::string;
  return *p;
}

void import_wisdom_locked(const std::string& path) {
  if (path.empty() || path == imported_wisdom_path()) return;
  imported_wisdom_path() = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // the first run on this machine
  if (fftwf_import_wisdom_from_filename(path.c_str()) == 0) {
    spdlog::warn("FFTW wisdom {} could not be read; planning without it", path);
  }
}

// Written beside the final name and renamed into place, so that concurrent processes (batch
// jobs sharing a home directory) never read a half-written file.
void export_wisdom_locked(const std::string& path) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  const fs::path final_path(path);
  std::error_code ec;
  if (final_path.has_parent_path()) fs::create_directories(final_path.parent_path(), ec);
  if (ec) {
    spdlog::warn("FFTW wisdom not saved: cannot create {}: {}", final_path.parent_path().string(),
                 ec.message());
    return;
  }
  const fs::path tmp = final_path.parent_path() /
                       fmt::format(".{}.tmp.{}", final_path.filename().string(), ::getpid());
  if (fftwf_export_wisdom_to_filename(tmp.c_str()) == 0) {
    spdlog::warn("FFTW wisdom not saved: cannot write {}", tmp.string());
    fs::remove(tmp, ec);
    return;
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    spdlog::warn("FFTW wisdom not saved: cannot rename {} to {}: {}", tmp.string(), path,
                 ec.message());
    fs::remove(tmp, ec);
  }
}

void init_threads_locked() {
  static bool done = false;
  if (done) return;
  if (fftwf_init_threads() == 0) throw internal_error("FFTW: fftwf_init_threads failed");
  done = true;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

void FftFree::operator()(void* p) const noexcept { fftwf_free(p); }

FftRealBuffer fft_alloc_real(size_t n) {
  float* p = fftwf_alloc_real(n == 0 ? 1 : n);
  if (!p) throw internal_error("FFTW: cannot allocate {} floats", n);
  return FftRealBuffer(p);
}

FftComplexBuffer fft_alloc_complex(size_t n) {
  fftwf_complex* p = fftwf_alloc_complex(n == 0 ? 1 : n);
  if (!p) throw internal_error("FFTW: cannot allocate {} complex values", n);
  // std::complex<float> is layout-compatible with float[2] ([complex.numbers]).
  return FftComplexBuffer(reinterpret_cast<std::complex<float>*>(p));
}

size_t good_fft_size(size_t n) {
  if (n <= 1) return 1;
  // 7-smooth numbers are dense (gaps of a few per mille near 2^21), so a linear scan is cheap.
  for (size_t m = n;; ++m) {
    size_t r = m;
    for (size_t p : {2, 3, 5, 7}) {
      while (r % p == 0) r /= p;
    }
    if (r == 1) return m;
  }
}

RealFftPlan::RealFftPlan(size_t n, FftEffort effort, int threads, FftPlacement placement)
    : n_(n), effort_(effort), placement_(placement), plan_(nullptr) {
  if (n < 1) throw internal_error("RealFftPlan: length must be >= 1");
  if (threads < 1) throw internal_error("RealFftPlan: threads must be >= 1, got {}", threads);
  if (n > static_cast<size_t>(std::numeric_limits<ptrdiff_t>::max() / 2)) {
    throw internal_error("RealFftPlan: length {} is too large", n);
  }
  // Measuring writes the planning arrays and times candidate plans on them: above
  // kMeasureMaxLength that costs minutes and the arrays' memory, for a transform done a few
  // times per run, so large lengths are estimated (their untouched arrays stay virtual).
  if (n > kMeasureMaxLength) effort = FftEffort::Estimate;
  // Planning arrays: FFTW_MEASURE overwrites them, and their (SIMD) alignment is what execute()
  // requires of the caller's arrays.
  const bool in_place = placement == FftPlacement::InPlace;
  FftRealBuffer in = fft_alloc_real(in_place ? in_place_floats(n) : n);
  FftComplexBuffer out = in_place ? nullptr : fft_alloc_complex(n / 2 + 1);
  auto* out_ptr = in_place ? reinterpret_cast<fftwf_complex*>(in.get())
                           : reinterpret_cast<fftwf_complex*>(out.get());
  const unsigned flags = (effort == FftEffort::Measure ? FFTW_MEASURE : FFTW_ESTIMATE) |
                         (in_place ? 0U : unsigned{FFTW_PRESERVE_INPUT});
  // The guru64 interface takes ptrdiff_t lengths: a series of 2^31 samples or more (FAST at
  // 49 us passes that after 29 hours; other tools overflow there) plans like any other. For
  // shorter lengths FFTW solves the same problem as fftwf_plan_dft_r2c_1d (same plan, same
  // wisdom).
  const fftwf_iodim64 dim{static_cast<ptrdiff_t>(n), 1, 1};
  const std::string wisdom = fft_wisdom_path();
  std::lock_guard lock(planner_mutex());
  init_threads_locked();
  import_wisdom_locked(wisdom);
  fftwf_plan_with_nthreads(threads);
  fftwf_plan p = fftwf_plan_guru64_dft_r2c(1, &dim, 0, nullptr, in.get(), out_ptr, flags);
  fftwf_plan_with_nthreads(1);
  if (!p) throw internal_error("FFTW could not plan a real FFT of length {}", n);
  plan_ = p;
  effort_ = effort;
  // ESTIMATE plans add nothing worth keeping.
  if (effort == FftEffort::Measure) export_wisdom_locked(wisdom);
}

RealFftPlan::~RealFftPlan() {
  if (!plan_) return;
  std::lock_guard lock(planner_mutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
}

void RealFftPlan::execute(const float* in, std::complex<float>* out) const {
  // New-array execute requires the planning arrays' alignment; fft_alloc_* always has it, and a
  // misaligned array would silently give wrong results with SIMD codelets.
  if (placement_ != FftPlacement::OutOfPlace) {
    throw internal_error("RealFftPlan::execute: the plan is in place (execute_in_place)");
  }
  float* fin = const_cast<float*>(in);  // FFTW_PRESERVE_INPUT: never written
  auto* fout = reinterpret_cast<fftwf_complex*>(out);
  if (fin == reinterpret_cast<float*>(fout)) {
    throw internal_error("RealFftPlan::execute: in and out are one array (plan in place)");
  }
  if (fftwf_alignment_of(fin) != 0 || fftwf_alignment_of(reinterpret_cast<float*>(fout)) != 0) {
    throw internal_error("RealFftPlan::execute: arrays must come from fft_alloc_*");
  }
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), fin, fout);
}

void RealFftPlan::execute_in_place(float* data) const {
  if (placement_ != FftPlacement::InPlace) {
    throw internal_error("RealFftPlan::execute_in_place: the plan is out of place");
  }
  if (fftwf_alignment_of(data) != 0) {
    throw internal_error("RealFftPlan::execute_in_place: the array must come from fft_alloc_*");
  }
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), data,
                        reinterpret_cast<fftwf_complex*>(data));
}

std::shared_ptr<const RealFftPlan> real_fft_plan(size_t n, FftEffort effort, int threads,
                                                  FftPlacement placement) {
  using Key = std::tuple<size_t, int, int, int>;
  // Leaked like planner_mutex: cached plans live until the process exits, and no plan is
  // destroyed during static destruction in an unknown order.
  static auto* cache = new std::map<Key, std::shared_ptr<const RealFftPlan>>;
  static auto* cache_mutex = new std::mutex;
  const Key key{n, static_cast<int>(effort), threads, static_cast<int>(placement)};
  // Held while planning, so two threads asking for the same new length plan it once.
  std::lock_guard lock(*cache_mutex);
  auto it = cache->find(key);
  if (it != cache->end()) return it->second;
  auto plan = std::make_shared<const RealFftPlan>(n, effort, threads, placement);
  cache->emplace(key, plan);
  return plan;
}

std::string fft_wisdom_path() {
  const std::string explicit_path = env_or_empty("TIANYAN_FFTW_WISDOM");
  if (!explicit_path.empty()) return explicit_path;
  const std::string xdg = env_or_empty("XDG_CACHE_HOME");
  if (!xdg.empty()) return (std::filesystem::path(xdg) / "tianyan" / "fftwf-wisdom").string();
  const std::string home = env_or_empty("HOME");
  if (!home.empty()) {
    return (std::filesystem::path(home) / ".cache" / "tianyan" / "fftwf-wisdom").string();
  }
  return {};
}

}  // namespace tianyan
