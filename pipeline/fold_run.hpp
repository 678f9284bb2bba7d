#pragma once
// The folding pass of one beam (docs/fold.md): the beam is read and RFI-cleaned once, with
// the search's RFI stage and configuration (pipeline/clean_dedisperse.hpp, run_rfi_stage), and
// every request is folded from that one stream into sub-integrations x subbands x phase bins
// (kernels/fold/fold_cpu.hpp); then each cube is optimised (kernels/fold/fold_optimise.hpp) and
// the provenance filled in. The work of `tianyan fold` and of the search's folding of its top
// candidates.
#include <functional>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "kernels/common/backend.hpp"
#include "io/reader.hpp"
#include "kernels/fold/fold.hpp"
#include "kernels/rfi/rfi_mask.hpp"

namespace tianyan {

struct FoldRequest {
  // ref_s: the epoch of freq_hz, s from the first sample; a search's candidates hold at the
  // middle of the observation (fold_ref_s gives it from their epoch MJD).
  FoldModel model;
  // Only the search fields are read (rank, search_*); fold_beam fills the rest.
  FoldMeta meta;
};

struct FoldRunStats {
  double read_s = 0, rfi_s = 0;
  double fold_s = 0;      // the folding engine (subbanding and folding), in the RFI stage's sink
  double optimise_s = 0;  // optimise_fold of every cube
  double total_s = 0;
  size_t groups = 0;        // subbandings shared by requests of similar DM
  size_t nsubband = 0;      // subbands of every cube
  size_t memory_bytes = 0;  // the RFI stage's buffers plus the folding engine's
  double rfi_fraction = 0;  // the RFI mask's total masked fraction
};

struct FoldRunOptions {
  int threads = 1;
  // Where the folding engine and the optimiser's grid scans run (kernels/fold/folder.hpp):
  // the CPU, or CUDA device `device`; a device that cannot run them is an Environment error.
  // The RFI stage of the folding pass runs on the CPU either way.
  Backend backend = Backend::Cpu;
  int device = 0;
  const RfiMask* reuse_mask = nullptr;                 // a saved mask to apply instead of detecting
  std::function<void(double fraction_done)> progress;  // after every gulp
  FoldRunStats* stats = nullptr;                       // filled when not null
  // Half a phase bin: a group's DM error may smear a member inside a subband by at most this
  // many of its phase bins (docs/fold.md, "Groups").
  double max_smear_bins = 0.5;
};

// The epoch ref_s (s from the first sample) of a model that holds at epoch_mjd.
double fold_ref_s(const ObservationInfo& info, double epoch_mjd);

// Folds every request from one pass over `reader`'s beam and optimises each; returns them in
// request order. Throws BadInput ("FILE: ...") for an empty stream, a configuration the RFI
// stage refuses, or a request that cannot be folded (frequency not positive or above the
// Nyquist frequency, negative or non-finite DM, |fdot| so large that the frequency changes
// sign within the observation); Environment when the RFI stage's smallest gulp does not fit
// resources.memory_gb, or the CUDA device cannot fold (options.backend).
std::vector<FoldedCandidate> fold_beam(Reader& reader, const PipelineConfig& config,
                                       const std::vector<FoldRequest>& requests,
                                       const FoldRunOptions& options);

}  // namespace tianyan
