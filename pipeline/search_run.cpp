#include "pipeline/search_run.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "kernels/common/error.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/search/period_search.hpp"
#include "kernels/search/sift.hpp"
#include "kernels/search/spectrum.hpp"
#include "pipeline/stage_clock.hpp"
#include "pipeline/whole_series.hpp"

namespace tianyan {
namespace {

nlohmann::json plan_to_json(const DmPlan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  for (const DmPlanStep& s : plan.steps) {
    steps.push_back({{"dm_lo", s.dm_lo},
                     {"dm_hi", s.dm_hi},
                     {"ddm", s.ddm},
                     {"downsample", s.downsample},
                     {"ndm", s.ndm}});
  }
  return {{"nsub", plan.nsub}, {"trials", plan.num_trials()}, {"steps", steps}};
}

// Birdies from the strongest peaks of the DM 0 spectrum (docs/search.md, "Birdies").
std::vector<BirdieConfig> auto_birdies(PeriodSearcher& searcher, const SeriesInput& dm0,
                                       const SearchConfig& cfg) {
  const std::vector<std::complex<float>> spec = searcher.spectrum(dm0);
  const SeriesGeometry g = series_geometry(cfg, dm0.nsamp, dm0.tsamp_s);
  std::vector<BirdieConfig> found =
      find_auto_birdies(spec.data(), spec.size(), 1.0 / g.tobs_s, cfg.f_min_hz, cfg.auto_birdies);
  for (const BirdieConfig& b : found) {
    spdlog::info("auto birdie: {:.6f} Hz (DM 0 power above {:.0f}), zapped in every series",
                 b.freq_hz, cfg.auto_birdies.min_power);
  }
  return found;
}

void fill_provenance(std::vector<Candidate>& cands, const std::string& scan, int beam,
                     double ra_deg, double dec_deg, const std::string& file, double epoch_mjd) {
  for (Candidate& c : cands) {
    c.scan = scan;
    c.beam = beam;
    c.ra_deg = std::isfinite(ra_deg) ? ra_deg : 0.0;
    c.dec_deg = std::isfinite(dec_deg) ? dec_deg : 0.0;
    c.file = file;
    c.epoch_mjd = epoch_mjd;
  }
}

// The periodicity search's shortest series (kernels/search/period_search.cpp).
constexpr uint64_t kMinSeriesSamples = 16;

}  // namespace

nlohmann::json SearchTimings::to_json() const {
  return {{"read_s", read_s},     {"rfi_s", rfi_s},   {"dedisp_s", dedisp_s},
          {"search_s", search_s}, {"sift_s", sift_s}, {"total_s", total_s}};
}

BeamSearch search_beam(Reader& reader, const PipelineConfig& config,
                       const SearchRunOptions& options) {
  const auto t0 = StageClock::now();
  const ObservationInfo& info = reader.info();
  const int threads = std::max(1, options.threads);
  BeamSearch result;
  const DmPlan plan =
      make_dm_plan(BandGeometry::from_freqs(info.freqs_mhz, info.tsamp_s), config.dedisp.plan);
  result.plan = plan_to_json(plan);
  const std::vector<DmTrial> trials = plan.trials();
  result.ntrials = trials.size();
  result.dm_lo = trials.front().dm;
  result.dm_hi = trials.back().dm;
  result.duration_s = info.duration_s();
  // Data too short for the periodicity search are refused now, naming the file, rather than
  // after dedispersion (and its log lines). Series are nsamples / downsample long.
  int max_ds = 1;
  for (const DmTrial& t : trials) max_ds = std::max(max_ds, t.downsample);
  if (info.nsamples > 0 && info.nsamples / static_cast<uint64_t>(max_ds) < kMinSeriesSamples) {
    throw bad_input(info.files.empty() ? std::string("input") : info.files.front(),
                    "{} samples are too few to search: the DM plan downsamples by up to {}, and "
                    "a series needs at least {} samples",
                    info.nsamples, max_ds, kMinSeriesSamples);
  }

  const ComputeTarget& st = options.search;
  auto searcher = st.devices.size() > 1
                      ? make_period_searcher(st.backend, config.search, threads, st.devices)
                      : make_period_searcher(st.backend, config.search, threads, st.device);
  const uint64_t workspace = searcher->workspace_bytes(info.nsamples);
  const SearchConfig& cfg = config.search;
  std::vector<Candidate> raw;
  size_t searched = 0;
  StageTimes driver;
  const WholeSeriesConsumer consume = [&](std::vector<TrialSeries>& batch) {
    const auto ts = StageClock::now();
    std::vector<SeriesInput> inputs;
    for (const TrialSeries& s : batch) {
      inputs.push_back({s.data.data(), s.data.size(), info.tsamp_s * s.trial.downsample,
                        s.trial.dm, s.index, {}});
    }
    if (!inputs.empty() && inputs.front().dm_index == 0 && inputs.front().dm == 0.0 &&
        cfg.auto_birdies.enabled) {
      result.auto_birdies = auto_birdies(*searcher, inputs.front(), cfg);
      searcher->set_extra_birdies(result.auto_birdies);
    }
    for (auto& list : searcher->search(inputs)) {
      // Sifting drops these first anyway; keeping them out bounds the memory held.
      for (Candidate& c : list) {
        if (c.sigma >= config.sift.min_sigma) raw.push_back(std::move(c));
      }
    }
    searched += batch.size();
    result.times.search_s += seconds_since(ts);
    if (options.progress) options.progress(static_cast<double>(searched) / static_cast<double>(trials.size()));
  };
  const WholeSeriesBatchPlan bp =
      dedisperse_whole_series(reader, config, threads, consume, workspace, &driver,
                              &result.rfi_mask, options.dedisp);
  result.peak_series_bytes = bp.max_batch_bytes + workspace;
  result.times.read_s = driver.read_s;
  result.times.rfi_s = driver.rfi_s;
  result.times.dedisp_s = driver.dedisp_s;
  result.accel_trials = series_geometry(cfg, info.nsamples, info.tsamp_s).accels.size();

  const auto tsift = StageClock::now();
  result.raw_candidates = raw.size();
  result.candidates = sift_candidates(std::move(raw), config.sift);
  result.times.sift_s = seconds_since(tsift);
  const double epoch = info.start_mjd + 0.5 * info.duration_s() / 86400.0;
  fill_provenance(result.candidates, info.scan, info.beam, info.ra_deg, info.dec_deg,
                  info.files.empty() ? std::string() : info.files.front(), epoch);
  result.times.total_s = seconds_since(t0);
  return result;
}

BeamSearch search_time_series(TimeSeries series, const std::string& file,
                              const PipelineConfig& config, const SearchRunOptions& options) {
  const auto t0 = StageClock::now();
  BeamSearch result;
  const size_t nsamp = series.data.size();
  result.ntrials = 1;
  result.dm_lo = result.dm_hi = series.dm;
  result.duration_s = static_cast<double>(nsamp) * series.tsamp_s;
  result.plan = {{"trials", 1}, {"dm_list", {series.dm}}};
  if (nsamp < kMinSeriesSamples) {
    throw bad_input(file, "{} samples are too few to search (at least {} needed)", nsamp,
                    kMinSeriesSamples);
  }
  auto searcher = make_period_searcher(options.search.backend, config.search, 1, options.search.device);
  SeriesInput input{series.data.data(), nsamp, series.tsamp_s, series.dm, 0, {}};
  input.on_loaded = [&series] { std::vector<float>().swap(series.data); };
  result.accel_trials = series_geometry(config.search, input.nsamp, input.tsamp_s).accels.size();
  // An upper bound: the series is freed before the search allocates its half-bin powers.
  result.peak_series_bytes = nsamp * sizeof(float) + searcher->workspace_bytes(nsamp);
  const auto ts = StageClock::now();
  std::vector<Candidate> found = std::move(searcher->search({input}).front());
  result.times.search_s = seconds_since(ts);
  if (options.progress) options.progress(1.0);

  // One series: no DM hits to count and no DM peak to find, so only the sigma cut, the
  // harmonic removal and the ranking of sifting apply.
  SiftConfig sift = config.sift;
  sift.min_dm_hits = 1;
  sift.min_dm = -1.0;
  const auto tsift = StageClock::now();
  result.raw_candidates = found.size();
  result.candidates = sift_candidates(std::move(found), sift);
  result.times.sift_s = seconds_since(tsift);
  const double epoch = series.start_mjd + 0.5 * result.duration_s / 86400.0;
  fill_provenance(result.candidates, series.source, 0, series.ra_deg, series.dec_deg, file,
                  epoch);
  result.times.total_s = seconds_since(t0);
  return result;
}

}  // namespace tianyan
