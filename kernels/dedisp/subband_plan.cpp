#include "kernels/dedisp/subband_plan.hpp"

#include <algorithm>
#include <climits>
#include <utility>

#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/delay_table.hpp"

namespace tianyan {

std::vector<int32_t> SubbandPlan::trial_delays(size_t trial) const {
  const SubbandGroup& g = groups[group_of.at(trial)];
  std::vector<int32_t> d(nchan);
  for (size_t c = 0; c < nchan; ++c) d[c] = g.d1[c] + d2[trial * nsub + sub_of[c]];
  return d;
}

SubbandPlan make_subband_plan(const DedispSetup& setup, bool exact) {
  SubbandPlan p;
  p.nchan = setup.freqs_mhz.size();
  p.nsub = (exact || setup.nsub <= 0 || static_cast<size_t>(setup.nsub) >= p.nchan)
               ? p.nchan
               : static_cast<size_t>(setup.nsub);
  for (size_t s = 0; s <= p.nsub; ++s) p.sub_begin.push_back(s * p.nchan / p.nsub);
  for (size_t s = 0; s < p.nsub; ++s) {
    for (size_t c = p.sub_begin[s]; c < p.sub_begin[s + 1]; ++c) p.sub_of.push_back(s);
  }

  // Stage-2 shifts: each subband's top channel relative to the band's top, at the fine DM.
  const std::vector<DmTrial>& tr = setup.trials;
  const double f_top = setup.freqs_mhz.back();
  p.d2.resize(tr.size() * p.nsub);
  for (size_t t = 0; t < tr.size(); ++t) {
    for (size_t s = 0; s < p.nsub; ++s) {
      const double f_ref = setup.freqs_mhz[p.sub_begin[s + 1] - 1];
      p.d2[t * p.nsub + s] = delay_samples(tr[t].dm, f_ref, f_top, setup.tsamp_s);
    }
  }

  for (size_t t = 0; t < tr.size(); ++t) {
    if (t == 0 || exact || tr[t].group != tr[t - 1].group) {
      SubbandGroup g;
      g.first = t;
      g.downsample = tr[t].downsample;
      p.groups.push_back(std::move(g));
    }
    ++p.groups.back().count;
    p.group_of.push_back(p.groups.size() - 1);
  }
  for (SubbandGroup& g : p.groups) {
    const double coarse = 0.5 * (tr[g.first].dm + tr[g.first + g.count - 1].dm);
    g.d1.resize(p.nchan);
    for (size_t c = 0; c < p.nchan; ++c) {
      const double f_ref = setup.freqs_mhz[p.sub_begin[p.sub_of[c] + 1] - 1];
      g.d1[c] = delay_samples(coarse, setup.freqs_mhz[c], f_ref, setup.tsamp_s);
    }
    g.d2min.assign(p.nsub, INT32_MAX);
    g.d2max.assign(p.nsub, 0);
    for (size_t t = g.first; t < g.first + g.count; ++t) {
      for (size_t s = 0; s < p.nsub; ++s) {
        g.d2min[s] = std::min(g.d2min[s], p.d2[t * p.nsub + s]);
        g.d2max[s] = std::max(g.d2max[s], p.d2[t * p.nsub + s]);
        p.max_spread = std::max<uint64_t>(p.max_spread, g.d2max[s] - g.d2min[s]);
      }
    }
  }

  p.offsets = dedisp_detail::output_offsets(setup, &p.output_size);
  for (size_t t = 0; t < tr.size(); ++t) {
    const std::vector<int32_t> d = p.trial_delays(t);
    p.overlap = std::max(p.overlap, static_cast<uint64_t>(*std::max_element(d.begin(), d.end())));
    p.max_downsample = std::max(p.max_downsample, tr[t].downsample);
  }
  return p;
}

}  // namespace tianyan
