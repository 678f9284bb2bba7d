// Helpers shared by the commands that run pipeline stages (rfi, dedisperse).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "apps/cli.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dm_range.hpp"

namespace tianyan::cli {

PipelineConfig load_effective_config(const std::string& path, const std::optional<std::string>& dm,
                                     std::string& source) {
  PipelineConfig config = path.empty() ? default_pipeline_config() : load_pipeline_config(path);
  source = path.empty() ? std::string("defaults") : path;
  if (!dm) return config;
  // A malformed --dm is a usage error (exit 2), thrown by parse_dm_range.
  apply_dm_range(parse_dm_range(*dm), config.dedisp.plan);
  source += " (with command-line overrides)";
  validate_pipeline_config(config, source);
  return config;
}

void add_backend_options(CLI::App* cmd, std::string& backend, std::string& device) {
  cmd->add_option("--backend", backend,
                  "Where the compute stages run: cpu, cuda (an error without a usable GPU) or "
                  "auto (the GPU when there is one)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cmd->add_option("--device", device,
                  "CUDA device index (see `tianyan info --devices`); `search` also takes a list "
                  "(0,1) or all, one device per worker");
}

ComputeTarget resolve_backend(const std::string& backend, const std::string& device,
                              bool several) {
  const ComputeTarget t =
      choose_backend(backend, device, backend == "cpu" ? CudaStatus{} : query_cuda_devices());
  if (!several && t.backend == Backend::Cuda && t.devices.size() > 1) {
    throw usage_error("--device {}: this command runs on one device; several are for `search`",
                      device);
  }
  // The CPU as asked is the default and says nothing at info level: an error that follows
  // stays the run's one line (the malformed-input contract).
  if (backend == "cpu") {
    spdlog::debug("{}", t.why);
  } else {
    spdlog::info("{}", t.why);
  }
  return t;
}

std::string beam_stem(const BeamFiles& beam) {
  // Beams of one FAST scan share the scan name; the beam number keeps their outputs apart.
  return beam.beam > 0 ? fmt::format("{}-M{:02d}", beam.scan, beam.beam) : beam.scan;
}

void validate_rfi_for_input(const PipelineConfig& config, const std::string& source,
                            size_t nchan) {
  try {
    validate_rfi_config(config.rfi, nchan);
  } catch (const Error& e) {
    throw bad_input(source, "{} (input has {} channels)", e.what(), nchan);
  }
}

void validate_mask_for_input(const RfiMask& mask, const std::string& path,
                             const PipelineConfig& config, const ObservationInfo& info) {
  if (mask.nchan() != info.nchan()) {
    throw bad_input(path, "the RFI mask has {} channels, the data ({}) have {}", mask.nchan(),
                    info.files.empty() ? info.scan : info.files.front(), info.nchan());
  }
  if (mask.block_nsamp() != config.rfi.block_nsamp) {
    throw bad_input(path, "the RFI mask has blocks of {} samples, rfi.block_nsamp is {}",
                    mask.block_nsamp(), config.rfi.block_nsamp);
  }
  // The mask's blocks are applied from the start; beyond its end RFI is detected afresh, so it
  // may be shorter than the data, but only by whole blocks.
  uint64_t covered = 0;
  for (uint64_t b = 0; b < mask.nblocks(); ++b) covered += mask.block_samples(b);
  if (covered > info.nsamples || (covered < info.nsamples && covered % mask.block_nsamp() != 0)) {
    throw bad_input(path, "the RFI mask covers {} samples, which do not fit the data's {}",
                    covered, info.nsamples);
  }
}

}  // namespace tianyan::cli
