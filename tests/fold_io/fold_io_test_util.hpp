#pragma once
// A hand-built FoldedCandidate (seeded noise plus a pulse, realistic FAST metadata) and small
// CFITSIO helpers for the fold_io tests.
#include <fitsio.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/fold/fold.hpp"

namespace tianyan::test {

struct CubeShape {
  size_t nsubint = 8, nsubband = 16, nbin = 64;
  float pulse = 40.0f;  // peak of the pulse in every profile (noise sigma 9..13)
};

// Noise of variance bin_var (which varies by subband) plus a Gaussian pulse at phase 0.3;
// subband 5 is masked (zero data, zero bin_var) in every sub-integration, sub-integration 2
// has subband 9 masked too.
inline FoldedCandidate make_candidate(uint32_t seed, CubeShape shape = {}) {
  FoldedCandidate c;
  FoldCube& k = c.cube;
  k.nsubint = shape.nsubint;
  k.nsubband = shape.nsubband;
  k.nbin = shape.nbin;
  k.tsamp_s = 49.152e-6;
  k.tobs_s = 52.4288;
  k.subint_s = k.tobs_s / double(k.nsubint);
  for (size_t s = 0; s < k.nsubint; ++s) k.subint_mid_s.push_back((double(s) + 0.5) * k.subint_s);
  const double chan_bw = 500.0 / 4096.0;
  for (size_t b = 0; b < k.nsubband; ++b) {
    const double width = 500.0 / double(k.nsubband);
    k.freqs_mhz.push_back(1000.0 + (double(b) + 0.5) * width - 0.5 * chan_bw);
  }
  k.ref_freq_mhz = 1500.0 - chan_bw;
  k.model = FoldModel{3.712345678912345, -1.234e-9, 57.31, 0.5 * k.tobs_s};
  k.data.resize(k.nsubint * k.nsubband * k.nbin);
  k.bin_var.resize(k.nsubint * k.nsubband);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (size_t s = 0; s < k.nsubint; ++s) {
    for (size_t b = 0; b < k.nsubband; ++b) {
      const bool masked = b == 5 || (s == 2 && b == 9);
      const float var = masked ? 0.0f : 80.0f + 10.0f * float(b);
      k.bin_var[s * k.nsubband + b] = var;
      float* p = k.profile(s, b);
      for (size_t i = 0; i < k.nbin; ++i) {
        const double ph = (double(i) + 0.5) / double(k.nbin) - 0.3;
        const float pulse = float(shape.pulse * std::exp(-0.5 * ph * ph / (0.02 * 0.02)));
        p[i] = masked ? 0.0f : std::sqrt(var) * noise(rng) + pulse;
      }
    }
  }
  FoldMeta& m = c.meta;
  m.source = "J1857+0943_tracking";
  m.telescope = "FAST";
  m.scan = "J1857+0943_tracking-M01";
  m.beam = 1;
  m.ra_deg = 284.4015;
  m.dec_deg = 9.7229;
  m.start_mjd = 60123.456789012345;
  m.freq_lo_mhz = 1000.0;
  m.freq_hi_mhz = 1500.0 - chan_bw;
  m.chan_bw_mhz = chan_bw;
  m.nchan = 4096;
  m.files = {"/data/J1857+0943_tracking-M01_0001.fits", "/data/J1857+0943_tracking-M01_0002.fits"};
  m.rfi_fraction = 0.0731;
  m.version = "0.1.0+abcdef1234";
  m.config_toml = "[fold]\nnbin = 64\nnsubint = 8\n# a \"quoted\" comment, ünïcode\n";
  m.rank = 3;
  m.search_freq_hz = 3.7123;
  m.search_dm = 57.0;
  m.search_accel_ms2 = -0.25;
  m.search_sigma = 12.5;
  m.search_snr = 30.25;
  m.search_nharm = 8;
  return c;
}

// Read-only CFITSIO access that fails the test on any error.
class FitsFile {
 public:
  explicit FitsFile(const std::string& path, int mode = READONLY) {
    int st = 0;
    fits_open_diskfile(&f_, path.c_str(), mode, &st);
    EXPECT_EQ(st, 0) << path;
  }
  ~FitsFile() {
    int st = 0;
    if (f_) fits_close_file(f_, &st);
  }
  FitsFile(const FitsFile&) = delete;
  FitsFile& operator=(const FitsFile&) = delete;
  fitsfile* get() const { return f_; }

  bool move(const char* extname) {
    int st = 0;
    fits_movnam_hdu(f_, BINARY_TBL, const_cast<char*>(extname), 0, &st);
    fits_clear_errmsg();
    return st == 0;
  }
  void primary() {
    int st = 0;
    fits_movabs_hdu(f_, 1, nullptr, &st);
  }
  int col(const char* name) {
    int c = 0, st = 0;
    fits_get_colnum(f_, CASEINSEN, const_cast<char*>(name), &c, &st);
    fits_clear_errmsg();
    return st == 0 ? c : 0;
  }
  std::vector<double> read(const char* name, long long row, long long n) {
    std::vector<double> v(static_cast<size_t>(n));
    int st = 0, anynul = 0;
    fits_read_col(f_, TDOUBLE, col(name), row, 1, n, nullptr, v.data(), &anynul, &st);
    EXPECT_EQ(st, 0) << name << " row " << row;
    return v;
  }

 private:
  fitsfile* f_ = nullptr;
};

}  // namespace tianyan::test
