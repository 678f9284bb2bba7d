#include "tests/plot/plot_fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

constexpr size_t kSubint = 32, kSubband = 32, kBin = 64;
constexpr double kCellVar = 100.0;  // noise variance of one bin of one (subint, subband) cell

bool masked_subband(size_t s) {
  for (size_t m : kMaskedSubbands) {
    if (s == m) return true;
  }
  return false;
}

FoldCube make_cube(bool blank) {
  FoldCube q;
  q.nsubint = kSubint;
  q.nsubband = kSubband;
  q.nbin = kBin;
  q.data.assign(kSubint * kSubband * kBin, 0.0f);
  q.bin_var.assign(kSubint * kSubband, kCellVar);
  for (size_t s = 0; s < kSubband; ++s)
    q.freqs_mhz.push_back(1000.0 + 15.625 * (static_cast<double>(s) + 0.5));
  q.ref_freq_mhz = 1500.0;
  q.tobs_s = 320.0;
  q.subint_s = q.tobs_s / kSubint;
  for (size_t i = 0; i < kSubint; ++i)
    q.subint_mid_s.push_back(q.subint_s * (static_cast<double>(i) + 0.5));
  q.tsamp_s = 1e-4;
  q.model = FoldModel::from_period(0.0123456789, 0.0, 56.7, 160.0);
  std::mt19937 rng(20240611);
  std::normal_distribution<float> noise(0.0f, static_cast<float>(std::sqrt(kCellVar)));
  for (size_t i = 0; i < kSubint; ++i) {
    for (size_t s = 0; s < kSubband; ++s) {
      if (masked_subband(s)) {
        q.bin_var[i * kSubband + s] = 0;
        continue;
      }
      float* prof = q.profile(i, s);
      for (size_t b = 0; b < kBin; ++b) {
        const double dphi = (static_cast<double>(b) + 0.5) / kBin - 0.3;
        const float pulse = static_cast<float>(40.0 * std::exp(-0.5 * dphi * dphi / (0.02 * 0.02)));
        prof[b] = blank ? 0.0f : pulse + noise(rng);
      }
    }
  }
  return q;
}

void fill_optimum(FoldedCandidate& c, bool blank) {
  const FoldCube& q = c.cube;
  FoldOptimum& b = c.best;
  b.model = q.model;
  b.freq_err_hz = 2e-6;
  b.fdot_err_hz_s = 1e-9;
  b.dm_err = 0.3;
  b.snr = blank ? 0 : 85.0;
  b.redchi2 = blank ? 1 : 40.0;
  b.width_bins = 3;
  b.profile.assign(kBin, 0.0f);
  b.time_phase.assign(kSubint * kBin, 0.0f);
  b.freq_phase.assign(kSubband * kBin, 0.0f);
  for (size_t i = 0; i < kSubint; ++i) {
    for (size_t s = 0; s < kSubband; ++s) {
      for (size_t k = 0; k < kBin; ++k) {
        const float v = q.profile(i, s)[k];
        b.profile[k] += v;
        b.time_phase[i * kBin + k] += v;
        b.freq_phase[s * kBin + k] += v;
      }
    }
  }
  if (blank) return;
  for (int k = -20; k <= 20; ++k) {
    const double dm = b.model.dm + 0.25 * k;
    b.dm_grid.push_back(dm);
    b.dm_snr.push_back(10.0 + 75.0 * std::exp(-0.5 * (0.25 * k) * (0.25 * k) / 4.0));
  }
  const double f0 = b.model.freq_hz;
  for (int i = -10; i <= 10; ++i) b.freq_grid_hz.push_back(f0 + 1e-4 * i);
  for (int j = -7; j <= 7; ++j) b.fdot_grid_hz_s.push_back(2e-7 * j);
  for (int j = -7; j <= 7; ++j) {
    for (int i = -10; i <= 10; ++i) {
      b.freq_fdot_snr.push_back(
          static_cast<float>(85.0 * std::exp(-0.5 * (i * i / 16.0 + j * j / 9.0))));
    }
  }
}

}  // namespace

FoldedCandidate make_candidate(bool blank) {
  FoldedCandidate c;
  c.cube = make_cube(blank);
  fill_optimum(c, blank);
  FoldMeta& m = c.meta;
  m.source = "J1234+5678";
  m.telescope = "FAST";
  m.scan = "J1234+5678_tracking-M01_0001";
  m.beam = 1;
  m.ra_deg = 188.6;
  m.dec_deg = 56.9;
  m.start_mjd = 60123.456789;
  m.freq_lo_mhz = 1000;
  m.freq_hi_mhz = 1500;
  m.chan_bw_mhz = 0.122;
  m.nchan = 4096;
  m.files = {"/data/J1234+5678_tracking-M01_0001.fits", "/data/J1234+5678_tracking-M01_0002.fits"};
  m.rfi_fraction = 0.0625;
  m.version = "0.1.0+test";
  m.rank = 3;
  m.search_freq_hz = c.cube.model.freq_hz;
  m.search_dm = 56.5;
  m.search_accel_ms2 = 1.5;
  m.search_sigma = 12.3;
  m.search_snr = 15.1;
  m.search_nharm = 8;
  return c;
}

std::vector<Candidate> make_candidates(size_t n) {
  std::vector<Candidate> out;
  for (size_t k = 0; k < n; ++k) {
    Candidate c;
    const double period =
        1e-3 *
        std::pow(2000.0, static_cast<double>(k) / static_cast<double>(std::max<size_t>(n - 1, 1)));
    c.freq_hz = 1.0 / period;
    c.dm = 10.0 + static_cast<double>((k * 37) % 300);
    c.sigma = 30.0 - 20.0 * static_cast<double>(k) / static_cast<double>(n);
    c.scan = "scanA";
    out.push_back(c);
  }
  return out;
}

RfiMask make_mask() {
  std::vector<double> freqs;
  for (int ch = 0; ch < 64; ++ch) freqs.push_back(1000.0 + 7.8125 * ch);
  RfiMask mask(freqs, 1e-4, 1024, std::vector<uint8_t>(64, 0));
  for (uint64_t b = 0; b < 100; ++b) {
    std::vector<uint8_t> cells(64, 0);
    for (int ch = 0; ch < 64; ++ch) {
      if ((ch >= 10 && ch <= 15) || (b >= 40 && b <= 45)) cells[static_cast<size_t>(ch)] = kRfiStd;
    }
    mask.append_block(b, cells.data(), 1024, {});
  }
  return mask;
}

PixelBox pixel_box(const PlotBox& box, int width, int height, int inset) {
  return {static_cast<int>(std::ceil(box.x0 * width)) + inset,
          static_cast<int>(std::ceil((1 - box.y1) * height)) + inset,
          static_cast<int>(std::floor(box.x1 * width)) - inset,
          static_cast<int>(std::floor((1 - box.y0) * height)) - inset};
}

bool have_python() { return std::string(TIANYAN_PYTHON3).size() > 0; }

PngStats png_stats(const std::string& path, const std::vector<PixelBox>& boxes) {
  std::string cmd = std::string(TIANYAN_PYTHON3) + " " + TIANYAN_SOURCE_DIR +
                    "/tests/plot/png_stats.py '" + path + "'";
  for (const PixelBox& b : boxes) {
    cmd += " " + std::to_string(b.x0) + " " + std::to_string(b.y0) + " " + std::to_string(b.x1) +
           " " + std::to_string(b.y1);
  }
  const CommandResult r = run_shell(cmd);
  PngStats s;
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  std::istringstream in(r.out);
  in >> s.width >> s.height;
  for (size_t k = 0; k < boxes.size(); ++k) {
    long inked = 0, total = 0;
    in >> inked >> total;
    s.inked.push_back(inked);
    s.inked_fraction.push_back(total > 0 ? static_cast<double>(inked) / static_cast<double>(total)
                                         : 0.0);
  }
  EXPECT_TRUE(static_cast<bool>(in)) << "png_stats output: " << r.out << r.err;
  return s;
}

}  // namespace tianyan::test
