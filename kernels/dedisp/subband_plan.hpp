#pragma once
// The tables of two-stage subband dedispersion (dedisp_subband_cpu.cpp explains the
// algorithm), built once on the host and applied by the CPU and the CUDA dedispersers alike,
// so that both use the same delays and add the same numbers in the same order.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/dedisp/dedisperser.hpp"

namespace tianyan {

struct SubbandGroup {
  size_t first = 0;  // first trial
  size_t count = 0;
  int downsample = 1;
  std::vector<int32_t> d1;     // [channel]: delay at the group's coarse DM to the subband's top
  std::vector<int32_t> d2min;  // [subband]: the smallest stage-2 shift in the group
  std::vector<int32_t> d2max;  // [subband]: the largest
};

struct SubbandPlan {
  size_t nchan = 0;
  size_t nsub = 0;
  std::vector<size_t> sub_begin;  // [nsub + 1]: first channel of each subband
  std::vector<size_t> sub_of;     // [channel]
  std::vector<int32_t> d2;        // [trial][subband]: each subband's top relative to the band's
  uint64_t max_spread = 0;        // largest d2max - d2min over groups and subbands
  std::vector<SubbandGroup> groups;
  std::vector<size_t> group_of;  // [trial]
  std::vector<uint64_t> offsets;  // [trial]: output row offsets (floats)
  uint64_t output_size = 0;       // floats
  uint64_t overlap = 0;           // input samples after the fresh ones
  int max_downsample = 1;

  // The effective per-channel delays of `trial`: d1 of its group plus its stage-2 shift.
  std::vector<int32_t> trial_delays(size_t trial) const;
};

// A dedisperser that applies a SubbandPlan (the CPU's and the CUDA one): what the interface
// asks that the plan answers, written once.
class PlannedDedisperser : public Dedisperser {
 public:
  PlannedDedisperser(const DedispSetup& setup, SubbandPlan plan)
      : setup_(setup), plan_(std::move(plan)) {}
  uint64_t overlap() const override { return plan_.overlap; }
  size_t num_trials() const override { return setup_.trials.size(); }
  uint64_t output_offset(size_t trial) const override { return plan_.offsets.at(trial); }
  uint64_t output_size() const override { return plan_.output_size; }
  std::vector<int32_t> trial_delays(size_t trial) const override {
    return plan_.trial_delays(trial);
  }

 protected:
  DedispSetup setup_;
  SubbandPlan plan_;
};

// The plan of `setup` (validated by the caller). With `exact`, every channel is its own
// subband and every trial its own group: the stage-2 shifts are then the exact delays of
// delay_table.hpp and the result is brute-force dedispersion, summed in channel order.
SubbandPlan make_subband_plan(const DedispSetup& setup, bool exact = false);

}  // namespace tianyan
