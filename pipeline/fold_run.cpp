#include "pipeline/fold_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "kernels/common/error.hpp"
#include "kernels/fold/folder.hpp"
#include "kernels/fold/fold_optimise.hpp"
#include "kernels/rfi/rfi.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/stage_clock.hpp"
#include "tianyan/version.hpp"

namespace tianyan {
namespace {

std::string input_name(const ObservationInfo& info) {
  return info.files.empty() ? (info.scan.empty() ? std::string("input") : info.scan)
                            : info.files.front();
}

std::string request_name(const FoldRequest& r, size_t index) {
  return r.meta.rank > 0 ? fmt::format("candidate {}", r.meta.rank)
                         : fmt::format("fold request {}", index + 1);
}

void check_request(const ObservationInfo& info, const FoldRequest& r, size_t index) {
  const FoldModel& m = r.model;
  const double nyquist = 0.5 / info.tsamp_s;
  const std::string name = request_name(r, index);
  if (!std::isfinite(m.freq_hz) || !(m.freq_hz > 0) || m.freq_hz >= nyquist) {
    throw bad_input(input_name(info),
                    "{}: spin frequency {} Hz is not in (0, {}) Hz (the "
                    "Nyquist frequency of {} s samples)",
                    name, m.freq_hz, nyquist, info.tsamp_s);
  }
  if (!std::isfinite(m.dm) || m.dm < 0) {
    throw bad_input(input_name(info), "{}: DM {} is not a finite number >= 0", name, m.dm);
  }
  if (!std::isfinite(m.fdot_hz_s) || !std::isfinite(m.ref_s)) {
    throw bad_input(input_name(info), "{}: fdot {} Hz/s or epoch {} s is not finite", name,
                    m.fdot_hz_s, m.ref_s);
  }
  // The apparent frequency must stay positive over the whole observation.
  const double tobs = info.duration_s();
  for (double t : {0.0, tobs}) {
    if (m.freq_hz + m.fdot_hz_s * (t - m.ref_s) <= 0) {
      throw bad_input(input_name(info),
                      "{}: fdot {} Hz/s makes the spin frequency negative "
                      "within the observation",
                      name, m.fdot_hz_s);
    }
  }
}

// Channels the RFI stage outputs as exactly 0 throughout: statically masked ones (or, with a
// reused mask, those masked in every block), when normalisation is on (docs/rfi.md: masked
// cells come out 0 only then). The folding engine skips them.
std::vector<uint8_t> zero_channels(const PipelineConfig& config, const ObservationInfo& info,
                                   const RfiMask* reuse) {
  if (!config.rfi.normalise.enabled) return {};
  if (reuse == nullptr) return rfi_static_channels(config.rfi, info);
  uint64_t covered = 0;
  for (uint64_t b = 0; b < reuse->nblocks(); ++b) covered += reuse->block_samples(b);
  if (reuse->nchan() != info.nchan() || covered < info.nsamples) return {};
  std::vector<uint8_t> zero(info.nchan(), 1);
  for (uint64_t b = 0; b < reuse->nblocks(); ++b) {
    for (size_t c = 0; c < zero.size(); ++c) {
      if (reuse->cell(b, c) == 0) zero[c] = 0;
    }
  }
  return zero;
}

std::vector<FoldSpec> make_specs(const ObservationInfo& info, const FoldConfig& config,
                                 const std::vector<FoldRequest>& requests) {
  std::vector<FoldSpec> specs;
  const double tobs = info.duration_s();
  for (const FoldRequest& r : requests) {
    FoldSpec s;
    s.model = r.model;
    s.nbin = static_cast<size_t>(fold_nbin(config, r.model.period_s(), info.tsamp_s));
    // Fewer sub-integrations than whole periods in the observation would leave some empty.
    const double periods = std::floor(tobs * r.model.freq_hz);
    s.nsubint = static_cast<size_t>(std::clamp(periods, 1.0, static_cast<double>(config.nsubint)));
    specs.push_back(s);
  }
  return specs;
}

FoldMeta make_meta(const ObservationInfo& info, const PipelineConfig& config, const FoldRequest& r,
                   double rfi_fraction, const FoldRunOptions& options) {
  FoldMeta m = r.meta;
  m.source = info.source;
  m.telescope = info.telescope;
  m.scan = info.scan;
  m.beam = info.beam;
  m.ra_deg = info.ra_deg;  // NaN when unknown
  m.dec_deg = info.dec_deg;
  m.start_mjd = info.start_mjd;
  m.freq_lo_mhz = info.freq_lo_mhz();
  m.freq_hi_mhz = info.freq_hi_mhz();
  m.chan_bw_mhz = info.chan_bw_mhz();
  m.nchan = info.nchan();
  m.files = info.files;
  m.rfi_fraction = rfi_fraction;
  m.version = kVersionFull;
  m.config_toml = pipeline_config_to_toml(config);
  m.fold_backend = options.backend == Backend::Cuda ? fmt::format("cuda:{}", options.device)
                                                    : std::string("cpu");
  return m;
}

}  // namespace

double fold_ref_s(const ObservationInfo& info, double epoch_mjd) {
  return (epoch_mjd - info.start_mjd) * 86400.0;
}

std::vector<FoldedCandidate> fold_beam(Reader& reader, const PipelineConfig& config,
                                       const std::vector<FoldRequest>& requests,
                                       const FoldRunOptions& options) {
  const auto t_start = StageClock::now();
  const ObservationInfo& info = reader.info();
  if (info.nsamples == 0) throw bad_input(input_name(info), "no samples: nothing to fold");
  if (requests.empty()) return {};
  for (size_t i = 0; i < requests.size(); ++i) check_request(info, requests[i], i);
  const int threads = std::max(1, options.threads);

  FoldBand band{info.freqs_mhz, info.tsamp_s, info.nsamples,
                zero_channels(config, info, options.reuse_mask)};
  const size_t nsub = fold_subband_count(info.nchan(), static_cast<size_t>(config.fold.nsubband));
  if (nsub != static_cast<size_t>(config.fold.nsubband)) {
    spdlog::info("fold: {} subbands (fold.nsubband = {} does not divide {} channels)", nsub,
                 config.fold.nsubband, info.nchan());
  }
  const std::unique_ptr<Folder> folder =
      make_folder(options.backend, options.device, std::move(band), nsub,
                  make_specs(info, config.fold, requests), threads, options.max_smear_bins);
  spdlog::info("fold: {} candidate(s) in {} DM group(s), {} subbands; one pass over {} ({})",
               requests.size(), folder->groups().size(), nsub, input_name(info),
               options.backend == Backend::Cuda ? fmt::format("CUDA device {}", options.device)
                                                : std::string("CPU"));

  StreamOptions stream;
  stream.threads = threads;
  stream.reuse_mask = options.reuse_mask;
  stream.progress = options.progress;
  PipelineConfig cleaning = config;
  if (config.fold.zero_dm) cleaning.rfi.zero_dm.enabled = true;
  const RfiRunResult rr = run_rfi_stage(
      reader, cleaning, stream, [&](const CleanedGulp& g) { folder->add(g.data, g.start, g.nsamp); });
  auto t0 = StageClock::now();
  std::vector<FoldCube> cubes = folder->finish();
  const double finish_s = seconds_since(t0);
  const double rfi_fraction = rr.mask.summary().total_fraction;

  t0 = StageClock::now();
  std::vector<FoldedCandidate> out(cubes.size());
  for (size_t i = 0; i < cubes.size(); ++i) {
    try {
      out[i].best = optimise_fold(cubes[i], config.fold, threads, options.backend, options.device);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::BadInput) throw;
      throw bad_input(input_name(info), "{}: {}", request_name(requests[i], i), e.what());
    }
    out[i].cube = std::move(cubes[i]);
    out[i].meta = make_meta(info, config, requests[i], rfi_fraction, options);
  }
  if (options.stats != nullptr) {
    FoldRunStats& s = *options.stats;
    s.read_s = rr.times.read_s;
    s.rfi_s = rr.times.rfi_s;
    s.fold_s = rr.times.sink_s + finish_s;
    s.optimise_s = seconds_since(t0);
    s.total_s = seconds_since(t_start);
    s.groups = folder->groups().size();
    s.nsubband = nsub;
    s.memory_bytes = rr.memory_bytes + folder->memory_bytes();
    s.rfi_fraction = rfi_fraction;
  }
  return out;
}

}  // namespace tianyan
