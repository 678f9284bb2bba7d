#pragma once
// The `--dm` grammar:
//   "LO:HI"        a planned search from LO to HI (DDplan-style steps, docs/dedispersion.md)
//   "LO:HI:STEP"   every STEP from LO to HI, no downsampling
//   "D1[,D2,...]"  exactly these DMs
// Numbers are decimal (pc cm^-3), non-negative, LO <= HI, STEP > 0.
#include <string_view>
#include <vector>

#include "kernels/dedisp/dm_plan.hpp"

namespace tianyan {

struct DmRange {
  double lo = 0;
  double hi = 0;
  double step = 0;           // 0: planned
  std::vector<double> list;  // non-empty: explicit list
};

// Throws a Usage error naming the text and what is wrong with it.
DmRange parse_dm_range(std::string_view text);

// Copies the range into a plan configuration (the other knobs stay as they are).
void apply_dm_range(const DmRange& range, DmPlanConfig& config);

}  // namespace tianyan
