// The CUDA grid scans' per-point functions (kernels/fold/fold_grid_cuda_args.hpp), run on the
// host for every point of a DM curve and a frequency-fdot map, must give the CPU scans' S/N
// bit for bit: on every machine, so that the GPU optimiser's parity
// (tests/fold/fold_backend_parity_test.cpp) rests on arithmetic checked everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "kernels/fold/fold_grid_cuda_args.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"
#include "tests/fold_opt/fold_opt_util.hpp"

namespace tianyan::test {
namespace {

using namespace fold_detail;

const FoldModel kTruth{3.7137, 2.0e-6, 120.0, 300.0};

FoldCube off_model_cube(size_t nsubint, size_t nsubband, size_t nbin, uint64_t seed) {
  SynthCube spec{.nsubint = nsubint, .nsubband = nsubband, .nbin = nbin, .seed = seed};
  FoldModel fold = kTruth;
  // A few bins of drift in each parameter, so the curves and maps are not flat.
  fold.freq_hz += 3.4 / (static_cast<double>(nbin) * spec.tobs_s);
  fold.dm += 1.7;
  return make_cube(spec, kTruth, fold);
}

TEST(FoldGridElements, DmCurvePointsEqualTheCpuScan) {
  for (const auto& [ns, nf, nb] : std::vector<std::array<size_t, 3>>{{16, 32, 64}, {7, 13, 50}}) {
    const FoldCube cube = off_model_cube(ns, nf, nb, 3);
    const Geometry g = make_geometry(cube, FoldConfig{});
    const double u = 2, v = -1;
    const std::vector<double> want = dm_curve(g, cube, u, v, GridTarget{Backend::Cpu, 0, 2});
    const std::vector<float> sub = dm_sub_profiles(g, cube, u, v);
    const auto nw = static_cast<uint32_t>(g.w_hi - g.w_lo + 1);
    std::vector<float> scratch(nw * (3 * nb + 1));
    std::vector<uint32_t> shift(nw * nf);
    std::vector<double> got(nw);
    fold_grid::DmCurveArgs a;
    a.sub = sub.data();
    a.nf = static_cast<uint32_t>(nf);
    a.nb = static_cast<uint32_t>(nb);
    a.nw = nw;
    a.w_lo = g.w_lo;
    a.freq_hz = g.model.freq_hz;
    a.ddm = g.ddm;
    a.var_total = g.var_total;
    a.xdel = g.xdel.data();
    a.scratch = scratch.data();
    a.shift = shift.data();
    a.snr = got.data();
    for (uint32_t k = 0; k < nw; ++k) fold_grid::dm_curve_point(a, k);
    EXPECT_EQ(got, want);
    EXPECT_GT(*std::max_element(want.begin(), want.end()), 5.0);  // a pulse, not noise
  }
}

TEST(FoldGridElements, FreqFdotPointsEqualTheCpuScan) {
  for (const auto& [ns, nf, nb] : std::vector<std::array<size_t, 3>>{{16, 8, 64}, {9, 5, 34}}) {
    const FoldCube cube = off_model_cube(ns, nf, nb, 4);
    const Geometry g = make_geometry(cube, FoldConfig{});
    const double w = 3;
    const std::vector<float> want = freq_fdot_map(g, cube, w, GridTarget{Backend::Cpu, 0, 2});
    const std::vector<float> sub = map_sub_profiles(g, cube, w);
    std::vector<double> base, slope;
    map_phases(g, base, slope);
    const auto nrow = static_cast<uint32_t>(2 * g.nv + 1), ncol = static_cast<uint32_t>(2 * g.nu + 1);
    const size_t np = static_cast<size_t>(nrow) * ncol;
    std::vector<float> scratch(np * (3 * nb + 1)), got(np);
    std::vector<uint32_t> shift(np * ns);
    fold_grid::FreqFdotArgs a;
    a.sub = sub.data();
    a.ns = static_cast<uint32_t>(ns);
    a.nb = static_cast<uint32_t>(nb);
    a.nrow = nrow;
    a.ncol = ncol;
    a.nu = g.nu;
    a.var_total = g.var_total;
    a.base = base.data();
    a.slope = slope.data();
    a.scratch = scratch.data();
    a.shift = shift.data();
    a.snr = got.data();
    for (size_t p = 0; p < np; ++p) fold_grid::freq_fdot_point(a, p);
    EXPECT_EQ(got, want);
    EXPECT_GT(*std::max_element(want.begin(), want.end()), 5.0f);
  }
}

}  // namespace
}  // namespace tianyan::test
