// The CUDA folding engine's per-thread functions (kernels/fold/fold_cuda_args.hpp), run on the
// host over every thread of every launch the engine makes for a stream (its tables from
// fold_device_tables.hpp, its sequence of tiles), must give the CPU engine's cubes bit for
// bit: on every machine, so that the GPU parity (tests/fold/fold_backend_parity_test.cpp)
// rests on arithmetic checked everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "kernels/fold/fold_cuda_args.hpp"
#include "kernels/fold/fold_device_tables.hpp"
#include "kernels/fold/fold_plan.hpp"
#include "tests/fold/fold_reference.hpp"

namespace tianyan::test {
namespace {

using fold_cuda::DeviceTables;

// The CUDA engine's launches, each thread a host call: per group, form_subbands, fold_group
// and keep_last over outputs [j0, j1). `added` rows of the stream are fed in gulps of `gulp`;
// the rest count as 0, as the engines document.
std::vector<FoldCube> emulate_cuda(const SyntheticBeam& b, size_t nsub,
                                   const std::vector<FoldSpec>& specs, uint64_t gulp,
                                   uint64_t added, std::vector<uint8_t> zero) {
  const FoldPlan plan = make_fold_plan(FoldBand{b.freqs, b.tsamp, b.n, std::move(zero)}, nsub,
                                       specs, 0.5);
  const DeviceTables t = fold_cuda::make_device_tables(plan);
  const size_t nchan = b.nchan();
  const int64_t L = plan.lookahead, n = static_cast<int64_t>(b.n);
  std::vector<float> rows(static_cast<size_t>(n + 2 * L) * nchan, 0.0f);
  std::copy(b.data.begin(), b.data.begin() + static_cast<std::ptrdiff_t>(added * nchan),
            rows.begin() + static_cast<std::ptrdiff_t>(L * static_cast<int64_t>(nchan)));
  std::vector<float> data(t.ncell_bins, 0.0f), last_y(plan.groups.size() * nsub, 0.0f), y;
  std::vector<double> diff2(t.ncell, 0.0);
  std::vector<uint64_t> count(t.ncell, 0), ndiff(t.ncell, 0);
  auto launch = [&](int64_t j0, int64_t j1) {
    if (j1 <= j0) return;
    const int64_t span = j1 - j0;
    y.assign(nsub * static_cast<size_t>(span), 0.0f);
    for (size_t g = 0; g < plan.groups.size(); ++g) {
      fold_cuda::SubbandArgs s;
      s.rows = rows.data();
      s.row0 = -L;
      s.nchan = static_cast<uint32_t>(nchan);
      s.per = static_cast<uint32_t>(plan.per);
      s.nsub = static_cast<uint32_t>(nsub);
      s.shift = t.shift.data() + g * nchan;
      s.chans = t.chans.data();
      s.nact = t.nact.data();
      s.j0 = j0;
      s.span = span;
      s.y = y.data();
      s.ystride = span;
      for (uint32_t sb = 0; sb < nsub; ++sb)
        for (int64_t jj = 0; jj < span; ++jj) fold_cuda::subband_output(s, sb, jj);
      fold_cuda::FoldArgs f;
      f.reqs = t.reqs.data();
      f.members = t.members.data() + t.member_off[g];
      f.nmembers = static_cast<uint32_t>(plan.groups[g].members.size());
      f.max_nk = t.max_nk;
      f.nsub = s.nsub;
      f.t0_top = t.t0_top.data();
      f.bounds = t.bounds.data();
      f.first_j = t.first_j.data() + g * nsub;
      f.y = y.data();
      f.ystride = span;
      f.last_y = last_y.data() + g * nsub;
      f.j0 = j0;
      f.j1 = j1;
      f.tile = plan.tile;
      f.tsamp = plan.band.tsamp_s;
      f.data = data.data();
      f.diff2 = diff2.data();
      f.count = count.data();
      f.ndiff = ndiff.data();
      for (uint32_t mi = 0; mi < f.nmembers; ++mi)
        for (uint32_t sb = 0; sb < nsub; ++sb)
          for (uint32_t k = 0; k < t.max_nk; ++k) fold_cuda::fold_cell(f, mi, sb, k);
      for (size_t sb = 0; sb < nsub; ++sb)
        last_y[g * nsub + sb] = y[sb * static_cast<size_t>(span) + static_cast<size_t>(span - 1)];
    }
  };
  int64_t done = -L;
  for (uint64_t start = 0; start < added; start += gulp) {
    const int64_t upto = plan.ready_upto(static_cast<int64_t>(std::min(added, start + gulp)));
    if (upto > done) launch(done, upto), done = upto;
  }
  launch(done, n);
  std::vector<FoldCube> cubes;
  for (size_t r = 0; r < specs.size(); ++r) {
    cubes.push_back(fold_cuda::cube_from_flat(plan, t, r, data, diff2, count, ndiff));
  }
  return cubes;
}

// The CPU engine over the same rows.
std::vector<FoldCube> cpu_fold(const SyntheticBeam& b, size_t nsub,
                               const std::vector<FoldSpec>& specs, uint64_t gulp, uint64_t added,
                               std::vector<uint8_t> zero) {
  StreamFolder folder(FoldBand{b.freqs, b.tsamp, b.n, std::move(zero)}, nsub, specs, 2);
  for (uint64_t s = 0; s < added; s += gulp) {
    folder.add(b.data.data() + s * b.nchan(), s, std::min(gulp, added - s));
  }
  return folder.finish();
}

void expect_same(const std::vector<FoldCube>& cuda, const std::vector<FoldCube>& cpu) {
  ASSERT_EQ(cuda.size(), cpu.size());
  for (size_t r = 0; r < cpu.size(); ++r) {
    EXPECT_EQ(cuda[r].data, cpu[r].data) << "request " << r;
    EXPECT_EQ(cuda[r].bin_var, cpu[r].bin_var) << "request " << r;
    // Not vacuous: something was folded into every cube.
    EXPECT_GT(*std::max_element(cpu[r].bin_var.begin(), cpu[r].bin_var.end()), 0.0f);
  }
}

// Band of 1000-1500 MHz (delays not whole samples), a weak pulse train, two zeroed channels.
SyntheticBeam test_beam(size_t nchan, uint64_t n, double tsamp, uint64_t seed,
                        std::vector<uint8_t>& zero) {
  std::vector<double> f(nchan);
  for (size_t c = 0; c < nchan; ++c) f[c] = 1000.0 + 500.0 * static_cast<double>(c) / nchan;
  SyntheticBeam b = noise_beam(f, tsamp, n, seed);
  for (uint64_t i = 0; i < n; ++i)
    if (i % 713 < 20)
      for (size_t c = 0; c < nchan; ++c) b.data[i * nchan + c] += 0.3f;
  zero.assign(nchan, 0);
  for (size_t c : {size_t{3}, nchan - 5}) {
    zero[c] = 1;
    for (uint64_t i = 0; i < n; ++i) b.data[i * nchan + c] = 0.0f;
  }
  return b;
}

// Several DM groups (0 to 200), accelerations, bin counts and sub-integration counts.
std::vector<FoldSpec> test_specs() {
  const double fr[] = {14.025245441795231, 140.3, 77.77, 14.025245441795231, 333.3, 5.1};
  const double dm[] = {0.0, 30.0, 31.0, 200.0, 120.5, 60.0};
  const double fdot[] = {0.0, 1e-3, -2e-3, 5e-4, 0.02, 0.0};
  const size_t nbin[] = {64, 32, 16, 64, 16, 128};
  std::vector<FoldSpec> specs;
  for (size_t i = 0; i < 6; ++i) {
    specs.push_back({FoldModel{fr[i], fdot[i], dm[i], 3.3}, nbin[i], 4 + i});
  }
  return specs;
}

TEST(FoldCudaElements, KernelsThreadByThreadEqualTheCpuEngine) {
  std::vector<uint8_t> zero;
  const SyntheticBeam b = test_beam(64, 60000, 1e-4, 5, zero);
  const auto specs = test_specs();
  // 16 subbands of 4 channels (one with a zeroed channel: 3), gulps that cut tiles.
  for (uint64_t gulp : {uint64_t{60000}, uint64_t{3001}, uint64_t{517}}) {
    SCOPED_TRACE(gulp);
    expect_same(emulate_cuda(b, 16, specs, gulp, b.n, zero), cpu_fold(b, 16, specs, gulp, b.n, zero));
  }
}

TEST(FoldCudaElements, UnevenSubbandSumsAndAShortStream) {
  std::vector<uint8_t> zero;
  const SyntheticBeam b = test_beam(42, 30000, 2e-4, 9, zero);
  const auto specs = test_specs();
  // 3 subbands of 14 channels (4 + 4 + 4 + 2 in the sum's order, with a zeroed one 4 + 4 + 4
  // + 1), 6 of 7 (4 + 3, and 4 + 2) and 14 of 3 (fewer than four); the stream stops at 70%:
  // the rest is folded as 0.
  for (size_t nsub : {size_t{3}, size_t{6}, size_t{14}}) {
    SCOPED_TRACE(nsub);
    expect_same(emulate_cuda(b, nsub, specs, 2500, 21000, zero),
                cpu_fold(b, nsub, specs, 2500, 21000, zero));
  }
}

}  // namespace
}  // namespace tianyan::test
