// 8-bit samples unpacked on a CUDA device (kernels/unpack/) equal the host's unpack_packed bit
// for bit: both evaluate io/packed_element.hpp with every product and sum rounded on its own.
// Blocks from real readers (per-row scales, two and four pols, reversed channels, signed
// samples). Skips, saying why, where no CUDA device can run it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "io/packed_samples.hpp"
#include "io/psrfits/psrfits_reader.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/unpack/unpack_device.hpp"
#include "tests/common/test_util.hpp"
#include "tests/io/fits_fixture.hpp"

namespace tianyan {
namespace {

void expect_device_equals_host(const PackedSamples& p) {
  std::vector<float> want(p.nsamp * p.nchan);
  unpack_packed(p, want.data());
  const std::vector<float> got = unpack_packed_cuda(0, p);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::memcmp(&want[i], &got[i], sizeof(float)) != 0) {
      FAIL() << "sample " << i / p.nchan << " channel " << i % p.nchan << ": host " << want[i]
             << ", device " << got[i];
    }
  }
}

TEST(PackedDevice, EqualsHostUnpack) {
  if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
    GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
  }
  test::TempDir dir;
  struct Layout {
    int npol;
    const char* pol_type;
    double chan_bw;
    int signint;
  };
  for (const Layout& l : {Layout{1, "AA+BB", 1, 0}, Layout{2, "AABB", -1, 0},
                          Layout{4, "AABBCRCI", 1, 1}, Layout{4, "IQUV", -1, 0}}) {
    SCOPED_TRACE(l.pol_type);
    test::FitsSpec sp;
    sp.nchan = 300;  // more than one thread block of channels
    sp.nsblk = 64;
    sp.nrows = 6;
    sp.npol = l.npol;
    sp.pol_type = l.pol_type;
    sp.chan_bw = l.chan_bw;
    sp.signint = l.signint;
    sp.zero_off = 3.5;
    if (l.signint) {
      sp.raw = [](int64_t r, int64_t s, int p, int c) {
        return static_cast<double>((r * 7 + s * 3 + p * 5 + c * 11) % 256 - 128);
      };
    }
    sp.scl = [](int64_t row, int pol, int c) {
      return 0.31f + 0.017f * static_cast<float>(row + pol) + 0.0013f * static_cast<float>(c);
    };
    sp.offs = [](int64_t row, int pol, int c) {
      return -1.7f + 0.37f * static_cast<float>(row - pol) + 0.011f * static_cast<float>(c);
    };
    sp.wts = [](int64_t row, int c) { return 0.7f + 0.1f * static_cast<float>((row + c) % 3); };
    const std::string path = dir / "d.fits";
    test::write_psrfits(path, sp);
    auto r = open_psrfits({path});
    PackedSamples p;
    ASSERT_TRUE(r->read_packed(0, r->info().nsamples, p));
    expect_device_equals_host(p);
    ASSERT_TRUE(r->read_packed(37, 200, p));  // segments cut mid-row
    expect_device_equals_host(p);
  }
}

TEST(PackedDevice, WithoutADeviceIsAnEnvironmentError) {
  if (!cuda_device_problem(0, query_cuda_devices())) GTEST_SKIP() << "a CUDA device is present";
  PackedSamples p;
  p.nsamp = 1;
  p.nchan = 1;
  p.bytes = {1};
  p.seg_end = {1};
  p.scale_a = {1.0f};
  p.offset = {0.0f};
  try {
    unpack_packed_cuda(0, p);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment) << e.what();
  }
}

}  // namespace
}  // namespace tianyan
