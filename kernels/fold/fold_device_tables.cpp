#include "kernels/fold/fold_device_tables.hpp"

#include <algorithm>

namespace tianyan::fold_cuda {

size_t DeviceTables::bytes() const {
  return reqs.size() * sizeof(RequestArgs) + (members.size() + chans.size() + nact.size()) * 4 +
         (t0_top.size() + bounds.size() + shift.size() + first_j.size()) * 8;
}

DeviceTables make_device_tables(const FoldPlan& p) {
  DeviceTables t;
  for (const FoldPlan::Request& q : p.req) {
    RequestArgs a;
    a.freq_hz = q.spec.model.freq_hz;
    a.half_fdot = 0.5 * q.spec.model.fdot_hz_s;  // as phase_bins (fold_subband.cpp) halves it
    a.nb = static_cast<double>(q.spec.nbin);
    a.last = static_cast<int32_t>(q.spec.nbin) - 1;
    a.nk = static_cast<uint32_t>(q.spec.nsubint);
    a.t0_off = t.t0_top.size();
    a.bounds_off = t.bounds.size();
    a.cell_off = t.ncell;
    a.data_off = t.ncell_bins;
    t.t0_top.insert(t.t0_top.end(), q.t0_top.begin(), q.t0_top.end());
    t.bounds.insert(t.bounds.end(), q.bounds.begin(), q.bounds.end());
    t.ncell += q.spec.nsubint * p.nsub;
    t.ncell_bins += q.spec.nsubint * p.nsub * q.spec.nbin;
    t.max_nk = std::max(t.max_nk, a.nk);
    t.reqs.push_back(a);
  }
  for (size_t g = 0; g < p.groups.size(); ++g) {
    t.member_off.push_back(t.members.size());
    for (size_t m : p.groups[g].members) t.members.push_back(static_cast<uint32_t>(m));
    t.shift.insert(t.shift.end(), p.shift[g].begin(), p.shift[g].end());
    for (size_t s = 0; s < p.nsub; ++s) t.first_j.push_back(p.first_output(g, s));
  }
  t.chans.assign(p.nsub * p.per, 0);
  t.nact.assign(p.nsub, 0);
  for (size_t s = 0; s < p.nsub; ++s) {
    t.nact[s] = static_cast<uint32_t>(p.active[s].size());
    std::copy(p.active[s].begin(), p.active[s].end(),
              t.chans.begin() + static_cast<std::ptrdiff_t>(s * p.per));
  }
  return t;
}

FoldCube cube_from_flat(const FoldPlan& plan, const DeviceTables& t, size_t r,
                        const std::vector<float>& data, const std::vector<double>& diff2,
                        const std::vector<uint64_t>& count, const std::vector<uint64_t>& ndiff) {
  const RequestArgs& a = t.reqs[r];
  const auto ncell = static_cast<std::ptrdiff_t>(a.nk * plan.nsub);
  const auto d0 = data.begin() + static_cast<std::ptrdiff_t>(a.data_off);
  const auto c0 = static_cast<std::ptrdiff_t>(a.cell_off);
  const auto nbin = static_cast<std::ptrdiff_t>(plan.req[r].spec.nbin);
  return make_fold_cube(plan, r, std::vector<float>(d0, d0 + ncell * nbin),
                        std::vector<double>(diff2.begin() + c0, diff2.begin() + c0 + ncell),
                        std::vector<uint64_t>(count.begin() + c0, count.begin() + c0 + ncell),
                        std::vector<uint64_t>(ndiff.begin() + c0, ndiff.begin() + c0 + ncell));
}

}  // namespace tianyan::fold_cuda
