#include "kernels/dedisp/dedisp_cuda_args.hpp"

#include <algorithm>

namespace tianyan::dedisp_cuda {

Tables flatten_tables(const SubbandPlan& p) {
  Tables t;
  for (const SubbandGroup& g : p.groups) {
    t.d1.insert(t.d1.end(), g.d1.begin(), g.d1.end());
    t.d2min.insert(t.d2min.end(), g.d2min.begin(), g.d2min.end());
    t.d2max.insert(t.d2max.end(), g.d2max.begin(), g.d2max.end());
  }
  t.d2 = p.d2;
  for (size_t b : p.sub_begin) t.sub_begin.push_back(static_cast<int32_t>(b));
  return t;
}

size_t Layout::bytes() const {
  return (input + x + sub + out) * sizeof(float) + tables * sizeof(int32_t);
}

Layout make_layout(const SubbandPlan& p, uint64_t max_nfresh) {
  Layout l;
  l.x_stride = max_nfresh + p.overlap;
  l.sub_stride = max_nfresh + p.max_spread;
  l.input = p.nchan * l.x_stride;
  l.x = p.nchan * l.x_stride;
  l.sub = p.nsub * l.sub_stride;
  l.out = p.output_size;
  l.tables = p.groups.size() * (p.nchan + 2 * p.nsub) + p.d2.size() + p.nsub + 1;
  return l;
}

GroupArgs group_args(const SubbandPlan& p, const Layout& layout, const TablePointers& tables,
                     size_t gi, uint64_t nfresh, uint64_t max_nfresh, const float* x, float* sub,
                     float* out) {
  const SubbandGroup& g = p.groups.at(gi);
  int32_t spread = 0;
  for (size_t k = 0; k < p.nsub; ++k) spread = std::max(spread, g.d2max[k] - g.d2min[k]);
  GroupArgs a;
  FormArgs& f = a.form;
  f.x = x;
  f.x_stride = layout.x_stride;
  f.d1 = tables.d1 + gi * p.nchan;
  f.d2min = tables.d2min + gi * p.nsub;
  f.d2max = tables.d2max + gi * p.nsub;
  f.sub_begin = tables.sub_begin;
  f.nsub = static_cast<int>(p.nsub);
  f.nfresh = nfresh;
  f.max_len = nfresh + static_cast<uint64_t>(spread);
  f.sub = sub;
  f.sub_stride = layout.sub_stride;

  const auto ds = static_cast<uint64_t>(g.downsample);
  CombineArgs& c = a.combine;
  c.sub = sub;
  c.sub_stride = layout.sub_stride;
  c.nsub = f.nsub;
  c.d2 = tables.d2 + g.first * p.nsub;
  c.d2min = f.d2min;
  c.ntrials = static_cast<int>(g.count);
  c.ds = g.downsample;
  c.nout = nfresh / ds;
  c.out = out + p.offsets[g.first];
  c.row_stride = max_nfresh / ds;
  return a;
}

}  // namespace tianyan::dedisp_cuda
