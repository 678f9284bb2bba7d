// The GPU search of one FAST beam from host memory: 4096 channels, 49.152 us, 60 s, the DM plan
// of configs/fast.toml, without acceleration, or with it (--accel-max 200: |a| <= 200 m/s^2,
// the trial count printed; issue 7's goal: >= 50x the CPU path and faster than real time). Per stage the time and the real-time factor
// (observation seconds / stage seconds), the end-to-end real-time factor from memory
// (dedispersion + periodicity search on the GPU), the CPU search of the same series for the
// ratio, and the memory-bandwidth floors of the dedispersion and FFT kernels: the bytes each
// must read and write once over the bandwidth of a large device-to-device copy measured in the
// same run. Disk reads are not timed: the note at the end gives what 80-170 MB/s per beam means.
//
// Goal (one H100): >= 100x real time from memory; dedispersion and FFT kernels within 2x of
// their floors. Without a usable GPU it prints "GPU: not measured: <reason>" and exits 0.
//
//   build/bench/gpu_search_bench [--seconds 60] [--config configs/fast.toml] [--device 0]
//                                [--threads N] [--cpu-series 8] [--batch 64] [--json FILE]
//                                [--accel-max A] [--plan-only]
//
// Host memory stays bounded by one gulp of input with its dedispersed output (dedispersion),
// one clean gulp (RFI) and one batch of series (search), never by the observation's length.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/gpu_probe.hpp"
#include "configs/pipeline_config.hpp"
#include "io/observation.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/fft/real_fft.hpp"
#include "kernels/rfi/rfi.hpp"
#include "kernels/search/period_search.hpp"

namespace {
using namespace tianyan;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

uint64_t round_up(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }

struct Options {
  double seconds = 60.0;
  int nchan = 4096;
  double tsamp = 49.152e-6;
  double f_lo = 1000.0, f_hi = 1500.0;  // band edges, MHz
  std::string config = "configs/fast.toml";
  int device = 0;
  int threads = 0;
  int cpu_series = 8;
  int batch = 64;
  int reps = 10;
  std::string json;
  bool plan_only = false;
  bool no_pin = false;
  double accel_max = 0;  // m/s^2; 0: no acceleration search
};

// Unit-variance noise (sum of four uniforms), cheap enough for gigabytes; one stream per
// chunk, so the fill is parallel and reproducible.
void fill_noise(float* p, size_t n, uint64_t seed) {
  constexpr size_t kChunk = size_t{1} << 20;
  const auto nchunks = static_cast<int64_t>((n + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < nchunks; ++c) {
    uint64_t x =
        seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(c) * 0xBF58476D1CE4E5B9ull + 1;
    const size_t lo = static_cast<size_t>(c) * kChunk, hi = std::min(n, lo + kChunk);
    for (size_t i = lo; i < hi; ++i) {
      float s = 0;
      for (int k = 0; k < 4; ++k) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        s += static_cast<float>(x >> 40) * (1.0f / 16777216.0f);
      }
      p[i] = (s - 2.0f) * 1.7320508f;
    }
  }
}

std::unique_ptr<float[]> noise_buffer(size_t n, uint64_t seed) {
  std::unique_ptr<float[]> p(new float[n]);  // uninitialised: the fill is the first touch
  fill_noise(p.get(), n, seed);
  return p;
}

double gb(double bytes) { return bytes / 1e9; }

struct Row {
  std::string stage;
  double seconds = 0;      // < 0: not applicable
  double realtime = 0;     // observation seconds / seconds; <= 0: not applicable
  double floor_ratio = 0;  // measured / floor; <= 0: not applicable
  std::string note;
};

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-44s %11s %12s %12s  %s\n", "stage", "seconds", "x real time", "vs floor",
              "note");
  std::printf("%s\n", std::string(44 + 12 + 13 + 13 + 8, '-').c_str());
  for (const Row& r : rows) {
    char s[32], rt[32], fl[32];
    if (r.seconds >= 0)
      std::snprintf(s, sizeof s, "%.4f", r.seconds);
    else
      std::snprintf(s, sizeof s, "-");
    if (r.realtime > 0)
      std::snprintf(rt, sizeof rt, "%.1f", r.realtime);
    else
      std::snprintf(rt, sizeof rt, "-");
    if (r.floor_ratio > 0)
      std::snprintf(fl, sizeof fl, "%.2fx", r.floor_ratio);
    else
      std::snprintf(fl, sizeof fl, "-");
    std::printf("%-44s %11s %12s %12s  %s\n", r.stage.c_str(), s, rt, fl, r.note.c_str());
  }
}

nlohmann::json rows_json(const std::vector<Row>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json j{{"stage", r.stage}, {"note", r.note}};
    j["seconds"] = r.seconds >= 0 ? nlohmann::json(r.seconds) : nlohmann::json(nullptr);
    j["realtime_x"] = r.realtime > 0 ? nlohmann::json(r.realtime) : nlohmann::json(nullptr);
    j["vs_floor"] = r.floor_ratio > 0 ? nlohmann::json(r.floor_ratio) : nlohmann::json(nullptr);
    a.push_back(std::move(j));
  }
  return a;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  if (path.empty()) return;
  std::ofstream f(path);
  f << j.dump(2) << "\n";
  if (!f) throw std::runtime_error("cannot write " + path);
  std::printf("figures written to %s\n", path.c_str());
}

int run(const Options& o) {
  nlohmann::json js;
  js["options"] = {{"seconds", o.seconds},       {"nchan", o.nchan},   {"tsamp_s", o.tsamp},
                   {"config", o.config},         {"device", o.device}, {"threads", o.threads},
                   {"cpu_series", o.cpu_series}, {"batch", o.batch}};

  // ---- The problem: band, DM plan, gulps, series (host only). ----
  PipelineConfig config = load_pipeline_config(o.config);
  SearchConfig search_cfg = config.search;
  search_cfg.accel.enabled = o.accel_max > 0;
  if (search_cfg.accel.enabled) search_cfg.accel.max_ms2 = o.accel_max;
  const BandGeometry band = BandGeometry::from_edges(o.f_lo, o.f_hi, o.nchan, o.tsamp);
  const DmPlan plan = make_dm_plan(band, config.dedisp.plan);
  const std::vector<DmTrial> trials = plan.trials();
  const auto nchan = static_cast<size_t>(o.nchan);
  const auto total = static_cast<uint64_t>(std::llround(o.seconds / o.tsamp));
  const double tobs = static_cast<double>(total) * o.tsamp;
  const auto max_ds = static_cast<uint64_t>(plan.max_downsample());
  // Gulps as the pipeline cuts them (pipeline/clean_dedisperse.cpp): gulp_s of fresh samples,
  // in whole RFI blocks and whole largest downsamples.
  const uint64_t unit = std::lcm(config.rfi.block_nsamp, max_ds);
  const uint64_t gulp = std::max(
      unit,
      std::min(round_up(static_cast<uint64_t>(std::ceil(config.input.gulp_s / o.tsamp)), unit),
               round_up(total, unit)));
  DedispSetup setup = make_dedisp_setup(
      plan, band.freqs_mhz(), gulp, o.threads,
      config.dedisp.algorithm == "brute" ? DedispAlgorithm::BruteForce : DedispAlgorithm::Subband);
  setup.device = o.device;
  const DedispFootprint fp = dedisp_footprint(Backend::Cuda, setup);
  const uint64_t overlap = fp.overlap;
  // Bytes the dedispersion of one gulp (and of the whole beam) must read and write once.
  auto out_floats = [&](uint64_t nfresh) {
    uint64_t n = 0;
    for (const DmTrial& t : trials) n += nfresh / static_cast<uint64_t>(t.downsample);
    return n;
  };
  // Series: nsamp / downsample each; the full length is the DM-0 series'.
  std::map<int, size_t> per_ds;
  double full_equiv = 0;  // sum over trials of nsamp_t / nsamp_full
  for (const DmTrial& t : trials) {
    ++per_ds[t.downsample];
    full_equiv += static_cast<double>(total / static_cast<uint64_t>(t.downsample)) /
                  static_cast<double>(total);
  }
  const size_t nfft_full = good_fft_size(total);
  const size_t in_floats = (gulp + overlap) * nchan;

  std::printf("beam: %d channels %.0f-%.0f MHz, %.3f us, %.3f s (%llu samples), config %s\n",
              o.nchan, o.f_lo, o.f_hi, o.tsamp * 1e6, tobs, static_cast<unsigned long long>(total),
              o.config.c_str());
  std::printf("DM plan: %zu trials, DM %.3f-%.3f, %zu steps, nsub %d, downsample up to %d\n",
              trials.size(), trials.front().dm, trials.back().dm, plan.steps.size(), plan.nsub,
              plan.max_downsample());
  std::fputs(format_dm_plan(plan).c_str(), stdout);
  std::printf(
      "gulps: %llu fresh samples (%.3f s) + %llu overlap; host input %.2f GB, output %.2f GB\n",
      static_cast<unsigned long long>(gulp), static_cast<double>(gulp) * o.tsamp,
      static_cast<unsigned long long>(overlap), gb(4.0 * static_cast<double>(in_floats)),
      gb(4.0 * static_cast<double>(fp.output_size)));
  std::printf("series: ");
  for (const auto& [ds, n] : per_ds) {
    std::printf("%zu x %llu samples (ds %d)  ", n, static_cast<unsigned long long>(total / ds), ds);
  }
  std::printf("\n        %.1f full-length equivalents; full-length FFT %zu points\n", full_equiv,
              nfft_full);
  const size_t accel_trials = series_geometry(search_cfg, total, o.tsamp).accels.size();
  std::printf("acceleration: %s, %zu trials per full-length series\n",
              search_cfg.accel.enabled ? "|a| <= max_ms2" : "off", accel_trials);
  js["plan"] = {{"trials", trials.size()},  {"nsub", plan.nsub},
                {"max_downsample", max_ds}, {"gulp_nsamp", gulp},
                {"overlap_nsamp", overlap}, {"nsamp", total},
                {"tobs_s", tobs},           {"full_length_equivalents", full_equiv},
                {"nfft_full", nfft_full},   {"accel_max_ms2", o.accel_max},
                {"accel_trials_full", accel_trials}};
  if (o.plan_only) {
    write_json(o.json, js);
    return 0;
  }

  // ---- The device. ----
  const CudaStatus status = query_cuda_devices();
  if (const std::optional<std::string> problem = cuda_device_problem(o.device, status)) {
    std::printf("GPU: not measured: %s\n", problem->c_str());
    js["gpu"] = {{"measured", false}, {"reason", *problem}};
    write_json(o.json, js);
    return 0;
  }
  const bench::GpuInfo gi = bench::gpu_info(o.device);
  std::printf(
      "\nGPU %d: %s, compute %d.%d, %d SMs, %.1f GiB (%.1f free), bus %d bit at %.0f MHz "
      "(peak %.0f GB/s), runtime %d, driver %d; host threads %d\n",
      o.device, gi.name.c_str(), gi.cc_major, gi.cc_minor, gi.multiprocessors,
      static_cast<double>(gi.memory_bytes) / (1 << 30),
      static_cast<double>(gi.free_bytes) / (1 << 30), gi.memory_bus_bits, gi.memory_clock_mhz,
      gi.peak_bandwidth_gbs, gi.runtime_version, gi.driver_version, o.threads);
  const bench::Bandwidth d2d = bench::d2d_bandwidth(o.device, size_t{2} << 30, 5);
  const double bw = d2d.gbs * 1e9;  // bytes/s, read + write counted
  const bench::Bandwidth h2d = bench::h2d_bandwidth(o.device, size_t{256} << 20, false, 5);
  const bench::Bandwidth h2d_pin = bench::h2d_bandwidth(o.device, size_t{256} << 20, true, 5);
  std::printf("D2D copy of %.2f GiB: %.1f GB/s (read + write, best of %d; %.0f%% of peak)\n",
              static_cast<double>(d2d.bytes) / (1 << 30), d2d.gbs, d2d.reps,
              gi.peak_bandwidth_gbs > 0 ? 100 * d2d.gbs / gi.peak_bandwidth_gbs : 0.0);
  std::printf("H2D copy of 256 MiB: %.1f GB/s pageable, %.1f GB/s pinned\n", h2d.gbs, h2d_pin.gbs);
  js["gpu"] = {{"measured", true},
               {"name", gi.name},
               {"cc", std::to_string(gi.cc_major) + "." + std::to_string(gi.cc_minor)},
               {"memory_bytes", gi.memory_bytes},
               {"peak_bandwidth_gbs", gi.peak_bandwidth_gbs},
               {"d2d_gbs", d2d.gbs},
               {"d2d_bytes", d2d.bytes},
               {"h2d_pageable_gbs", h2d.gbs},
               {"h2d_pinned_gbs", h2d_pin.gbs}};
  std::vector<Row> rows;

  // ---- One gulp of input in host memory. ----
  auto t0 = Clock::now();
  std::unique_ptr<float[]> in = noise_buffer(in_floats, 1);
  std::printf("\ninput gulp generated: %.2f GB in %.1f s\n",
              gb(4.0 * static_cast<double>(in_floats)), since(t0));

  // ---- RFI on the CPU: one gulp of blocks as the pipeline feeds them, extrapolated. ----
  double rfi_s = -1;
  {
    ObservationInfo info;
    info.format = "sigproc";
    info.tsamp_s = o.tsamp;
    info.freqs_mhz = band.freqs_mhz();
    info.nbits = 8;
    info.nsamples = total;
    info.nsamples_stored = total;
    auto rfi = make_rfi_cleaner_cpu(config.rfi, info, o.threads);
    const uint64_t block = config.rfi.block_nsamp;
    const uint64_t n = std::min(gulp, total) / block * block;
    std::unique_ptr<float[]> clean(new float[n * nchan]);
    std::fill(clean.get(), clean.get() + n * nchan, 0.0f);  // the pipeline reuses its buffers
    t0 = Clock::now();
    for (uint64_t s = 0; s + block <= n; s += block) {
      rfi->process(in.get() + s * nchan, clean.get() + s * nchan, s, block, block);
    }
    const double t = since(t0);
    rfi_s = t * static_cast<double>(total) / static_cast<double>(n);
    std::printf(
        "RFI (CPU, %d threads): %.3f s for %llu samples (%.2f s of data): %.1fx real time\n",
        o.threads, t, static_cast<unsigned long long>(n), static_cast<double>(n) * o.tsamp,
        static_cast<double>(n) * o.tsamp / t);
    rows.push_back({"RFI (CPU, extrapolated from one gulp)", rfi_s, tobs / rfi_s, 0,
                    std::to_string(o.threads) + " threads"});
    js["rfi_cpu"] = {{"gulp_seconds", t}, {"gulp_nsamp", n}, {"extrapolated_s", rfi_s}};
  }

  // ---- Dedispersion on the GPU: the gulp fed again and again for the whole beam. ----
  double dd_s = 0, dd_pin_s = -1;
  uint64_t up_bytes = 0, down_bytes = 0;
  {
    std::unique_ptr<float[]> out(new float[fp.output_size]);
    std::fill(out.get(), out.get() + fp.output_size, 0.0f);  // touch the pages once
    t0 = Clock::now();
    auto dd = make_dedisperser(Backend::Cuda, setup);
    const double make_s = since(t0);
    auto pass = [&](bool count) {
      const auto ts = Clock::now();
      for (uint64_t start = 0; start < total; start += gulp) {
        const uint64_t nfresh = round_up(std::min(gulp, total - start), max_ds);
        dd->execute(in.get(), nfresh + overlap, nfresh, out.get());
        if (count) {
          up_bytes += (nfresh + overlap) * nchan * sizeof(float);
          down_bytes += out_floats(nfresh) * sizeof(float);
        }
      }
      return since(ts);
    };
    t0 = Clock::now();
    dd->execute(in.get(), gulp + overlap, gulp, out.get());  // warm-up
    const double warm_s = since(t0);
    dd_s = pass(true);
    const uint64_t ngulps = (total + gulp - 1) / gulp;
    std::printf(
        "dedispersion (GPU, pageable host buffers): %.3f s for %llu gulps: %.1fx real time"
        " (setup %.2f s, first gulp %.3f s untimed); %.2f GB up, %.2f GB down\n",
        dd_s, static_cast<unsigned long long>(ngulps), tobs / dd_s, make_s, warm_s,
        gb(static_cast<double>(up_bytes)), gb(static_cast<double>(down_bytes)));
    const double floor_all = static_cast<double>(up_bytes + down_bytes) / bw;
    rows.push_back({"dedispersion (GPU wall, pageable)", dd_s, tobs / dd_s, dd_s / floor_all,
                    "includes PCIe transfers"});
    if (!o.no_pin) {
      bench::PinnedRegion pin_in(in.get(), in_floats * sizeof(float));
      bench::PinnedRegion pin_out(out.get(), fp.output_size * sizeof(float));
      if (pin_in.ok() && pin_out.ok()) {
        dd->execute(in.get(), gulp + overlap, gulp, out.get());
        dd_pin_s = pass(false);
        std::printf("dedispersion (GPU, pinned host buffers): %.3f s: %.1fx real time\n", dd_pin_s,
                    tobs / dd_pin_s);
        rows.push_back({"dedispersion (GPU wall, pinned)", dd_pin_s, tobs / dd_pin_s,
                        dd_pin_s / floor_all, "includes PCIe; the pipeline does not pin yet"});
      } else {
        std::printf("dedispersion (pinned): not measured: cudaHostRegister: %s\n",
                    (pin_in.ok() ? pin_out.error() : pin_in.error()).c_str());
      }
    }
    js["dedisp"] = {{"wall_pageable_s", dd_s},
                    {"wall_pinned_s", dd_pin_s},
                    {"setup_s", make_s},
                    {"first_gulp_s", warm_s},
                    {"gulps", ngulps},
                    {"upload_bytes", up_bytes},
                    {"download_bytes", down_bytes},
                    {"floor_whole_beam_s", floor_all}};
  }
  // Host input and output are released here, before the search.
  in.reset();

  // ---- Dedispersion kernels on device-resident data: the floor ratio. ----
  double dk_total_s = 0;
  {
    const bench::DedispKernelTiming k = bench::time_dedisp_kernels(setup, gulp, 5);
    const double bytes = static_cast<double>((gulp + k.overlap) * nchan * sizeof(float) +
                                             out_floats(gulp) * sizeof(float));
    const double floor_s = bytes / bw;
    const double ratio = k.all.best_s / floor_s;
    dk_total_s = k.all.best_s * static_cast<double>(total) / static_cast<double>(gulp);
    std::printf(
        "dedispersion kernels (device-resident gulp, %zu groups): best %.4f s, median "
        "%.4f s, transpose %.4f s; floor %.4f s (%.2f GB read + written once): %.2fx the "
        "floor\n",
        k.groups, k.all.best_s, k.all.median_s, k.transpose_best_s, floor_s, gb(bytes), ratio);
    rows.push_back({"dedispersion kernels (no PCIe, extrapolated)", dk_total_s, tobs / dk_total_s,
                    ratio, "floor: gulp in + out once / D2D bw"});
    js["dedisp_kernels"] = {{"gulp_best_s", k.all.best_s},
                            {"gulp_median_s", k.all.median_s},
                            {"transpose_best_s", k.transpose_best_s},
                            {"groups", k.groups},
                            {"floor_bytes", bytes},
                            {"floor_s", floor_s},
                            {"vs_floor", ratio},
                            {"whole_beam_extrapolated_s", dk_total_s},
                            {"device_bytes", k.all.device_bytes}};
  }

  // ---- FFT kernel: the search's batched real FFT at full length. ----
  {
    const int fb = 64;
    const bench::KernelTiming k = bench::time_real_fft_batch(o.device, nfft_full, fb, o.reps);
    const double bytes = static_cast<double>(fb) * (static_cast<double>(nfft_full) * 4.0 +
                                                    static_cast<double>(nfft_full / 2 + 1) * 8.0);
    const double floor_s = bytes / bw;
    std::printf(
        "real FFT (cuFFT, %d x %zu points, device-resident): best %.5f s, median %.5f s; "
        "floor %.5f s (%.2f GB): %.2fx the floor\n",
        fb, nfft_full, k.best_s, k.median_s, floor_s, gb(bytes), k.best_s / floor_s);
    rows.push_back({"real FFT kernel, batch of 64 full-length", k.best_s, 0, k.best_s / floor_s,
                    "floor: 64 x (nfft x 4 + nbins x 8) / D2D bw"});
    js["fft"] = {{"batch", fb},
                 {"nfft", nfft_full},
                 {"best_s", k.best_s},
                 {"median_s", k.median_s},
                 {"floor_bytes", bytes},
                 {"floor_s", floor_s},
                 {"vs_floor", k.best_s / floor_s}};
  }

  // ---- Periodicity search on the GPU: every trial's series, in batches. ----
  const auto batch = static_cast<size_t>(std::max(1, o.batch));
  std::unique_ptr<float[]> series = noise_buffer(batch * total, 2);
  auto inputs_of = [&](size_t first, size_t n, size_t rotate) {
    std::vector<SeriesInput> v;
    for (size_t i = 0; i < n; ++i) {
      const DmTrial& t = trials[first + i];
      const uint64_t len = total / static_cast<uint64_t>(t.downsample);
      const float* p = series.get() + ((i + rotate) % batch) * total;
      v.push_back({p, len, o.tsamp * t.downsample, t.dm, first + i, {}});
    }
    return v;
  };
  double gpu_search_s = 0, gpu_full_s = 0;
  size_t gpu_full_n = 0, ncands = 0;
  {
    t0 = Clock::now();
    auto searcher = make_period_searcher(Backend::Cuda, search_cfg, o.threads, o.device);
    const double make_s = since(t0);
    std::map<int, std::pair<size_t, double>> by_ds;  // downsample -> (series, seconds)
    size_t calls = 0;
    const auto ts = Clock::now();
    for (size_t first = 0; first < trials.size();) {
      size_t n = 1;
      while (n < batch && first + n < trials.size() &&
             trials[first + n].downsample == trials[first].downsample) {
        ++n;
      }
      const std::vector<SeriesInput> v = inputs_of(first, n, calls);
      const auto tb = Clock::now();
      for (const auto& list : searcher->search(v)) ncands += list.size();
      auto& [cnt, sec] = by_ds[trials[first].downsample];
      cnt += n;
      sec += since(tb);
      first += n;
      ++calls;
    }
    gpu_search_s = since(ts);
    gpu_full_n = by_ds[1].first;
    gpu_full_s = by_ds[1].second;
    std::printf(
        "\nsearch (GPU, batches of up to %zu): %.3f s for %zu series in %zu calls: %.1fx "
        "real time (searcher setup %.2f s, not included); %zu candidates\n",
        batch, gpu_search_s, trials.size(), calls, tobs / gpu_search_s, make_s, ncands);
    nlohmann::json per = nlohmann::json::array();
    for (const auto& [ds, cs] : by_ds) {
      std::printf("  downsample %2d: %5zu series of %8llu samples, %.3f s, %.2f ms per series\n",
                  ds, cs.first, static_cast<unsigned long long>(total / ds), cs.second,
                  1e3 * cs.second / static_cast<double>(cs.first));
      per.push_back({{"downsample", ds}, {"series", cs.first}, {"seconds", cs.second}});
    }
    rows.push_back({"periodicity search (GPU, all trials)", gpu_search_s, tobs / gpu_search_s, 0,
                    std::to_string(trials.size()) + " series, incl. uploads + host refinement"});
    js["search_gpu"] = {{"seconds", gpu_search_s}, {"setup_s", make_s},
                        {"series", trials.size()}, {"calls", calls},
                        {"candidates", ncands},    {"per_downsample", per}};
  }

  // ---- The same search on the CPU: a few full-length series, extrapolated. ----
  double cpu_search_s = -1;
  {
    const int nc = std::max(1, std::min(o.cpu_series, static_cast<int>(batch)));
    auto cpu = make_period_searcher(Backend::Cpu, search_cfg, o.threads);
    std::vector<SeriesInput> v;
    for (int i = 0; i < nc; ++i) {
      v.push_back({series.get() + static_cast<size_t>(i) * total,
                   total,
                   o.tsamp,
                   0.0,
                   static_cast<size_t>(i),
                   {}});
    }
    t0 = Clock::now();
    cpu->search({v.front()});  // FFTW planning (wisdom) and workspaces, untimed
    const double warm_s = since(t0);
    t0 = Clock::now();
    cpu->search(v);
    const double wall = since(t0);
    // Series run one per thread: with fewer series than threads, the throughput of all
    // threads is assumed to scale (pass --cpu-series >= --threads to measure it).
    const double per_series =
        wall / nc * static_cast<double>(std::min(nc, o.threads)) / static_cast<double>(o.threads);
    cpu_search_s = per_series * full_equiv;
    const double gpu_per_full = gpu_full_n > 0 ? gpu_full_s / static_cast<double>(gpu_full_n) : 0;
    std::printf(
        "search (CPU, %d threads): %d full-length series in %.3f s (planning %.2f s "
        "untimed): %.4f s per series of throughput%s\n",
        o.threads, nc, wall, warm_s, per_series,
        nc < o.threads ? " (fewer series than threads: scaled to all threads)" : "");
    std::printf(
        "  all %zu trials (%.1f full-length equivalents, extrapolated linearly in "
        "length): %.2f s: %.2fx real time\n",
        trials.size(), full_equiv, cpu_search_s, tobs / cpu_search_s);
    if (gpu_per_full > 0) {
      std::printf(
          "  GPU vs CPU, full-length series: %.4f s vs %.4f s per series: GPU %.1fx "
          "faster; all trials: GPU %.1fx faster (CPU extrapolated)\n",
          gpu_per_full, per_series, per_series / gpu_per_full, cpu_search_s / gpu_search_s);
    }
    rows.push_back(
        {"periodicity search (CPU, extrapolated)", cpu_search_s, tobs / cpu_search_s, 0,
         std::to_string(nc) + " series measured, " + std::to_string(o.threads) + " threads"});
    js["search_cpu"] = {
        {"series_measured", nc},
        {"wall_s", wall},
        {"planning_s", warm_s},
        {"per_series_s", per_series},
        {"all_trials_extrapolated_s", cpu_search_s},
        {"gpu_per_full_series_s", gpu_per_full},
        {"gpu_speedup_full_series", gpu_per_full > 0 ? per_series / gpu_per_full : 0.0},
        {"gpu_speedup_all_trials", cpu_search_s / gpu_search_s}};
  }
  series.reset();

  // ---- End to end and disk. ----
  const double e2e = dd_s + gpu_search_s;
  rows.push_back(
      {"end to end from memory (dedisp + search)", e2e, tobs / e2e, 0, "GPU; RFI not included"});
  if (dd_pin_s > 0) {
    rows.push_back({"end to end from memory, pinned dedisp", dd_pin_s + gpu_search_s,
                    tobs / (dd_pin_s + gpu_search_s), 0, "if the pipeline page-locked its gulps"});
  }
  rows.push_back({"end to end incl. CPU RFI", e2e + rfi_s, tobs / (e2e + rfi_s), 0,
                  "stages run one after another"});
  const double disk_bytes = static_cast<double>(total) * static_cast<double>(nchan);  // 8 bit
  rows.push_back({"disk read at 170 MB/s (8-bit, 1 pol)", disk_bytes / 170e6,
                  tobs / (disk_bytes / 170e6), 0, "not measured: bytes / rate"});
  rows.push_back({"disk read at 80 MB/s (8-bit, 1 pol)", disk_bytes / 80e6,
                  tobs / (disk_bytes / 80e6), 0, "not measured: bytes / rate"});
  print_table(rows);
  std::printf("\nend to end from memory: %.1fx real time (goal >= 100x: %s)\n", tobs / e2e,
              tobs / e2e >= 100 ? "met" : "NOT met");
  std::printf(
      "disk: %.2f GB of 8-bit samples (4096 x 1 byte per sample, one polarisation; FAST "
      "files hold 2, twice this) take %.1f s at 170 MB/s and %.1f s at 80 MB/s: %.1f-%.1fx "
      "real time. Input at 80-170 MB/s per beam is the limit, not the GPU.\n",
      gb(disk_bytes), disk_bytes / 170e6, disk_bytes / 80e6, tobs / (disk_bytes / 80e6),
      tobs / (disk_bytes / 170e6));
  js["end_to_end"] = {{"from_memory_s", e2e},
                      {"from_memory_realtime_x", tobs / e2e},
                      {"with_cpu_rfi_s", e2e + rfi_s},
                      {"disk_bytes_8bit_1pol", disk_bytes},
                      {"disk_s_170MBps", disk_bytes / 170e6},
                      {"disk_s_80MBps", disk_bytes / 80e6}};
  js["table"] = rows_json(rows);
  write_json(o.json, js);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"GPU search benchmark: a FAST beam from host memory"};
  app.add_option("--seconds", o.seconds, "observation length, s")->check(CLI::PositiveNumber);
  app.add_option("--nchan", o.nchan, "channels")->check(CLI::Range(2, 1 << 20));
  app.add_option("--tsamp", o.tsamp, "sampling time, s")->check(CLI::PositiveNumber);
  app.add_option("--config", o.config, "pipeline configuration (DM plan, gulps, search, RFI)");
  app.add_option("--device", o.device, "CUDA device")->check(CLI::NonNegativeNumber);
  app.add_option("--threads", o.threads, "host threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cpu-series", o.cpu_series, "full-length series searched on the CPU")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "series per GPU search call")->check(CLI::PositiveNumber);
  app.add_option("--reps", o.reps, "repetitions of the FFT kernel timing")
      ->check(CLI::PositiveNumber);
  app.add_option("--json", o.json, "also write the figures as JSON to this file");
  app.add_option("--accel-max", o.accel_max, "acceleration search to |a| <= this, m/s^2 (0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--plan-only", o.plan_only, "print the plan and buffer sizes, then stop (no GPU)");
  app.add_flag("--no-pin", o.no_pin, "skip the dedispersion pass with page-locked host buffers");
  CLI11_PARSE(app, argc, argv);
  if (o.threads <= 0)
    o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_search_bench: %s\n", e.what());
    return 1;
  }
}
