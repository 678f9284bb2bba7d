// RfiCleaner::process_packed: cleaning 8-bit samples as a reader packs them gives exactly what
// process() gives on the floats the reader would have delivered (tolerance 0, masks equal), on
// the CPU (the host default) and, where a CUDA device can run it, on the GPU, whose block goes
// up as bytes and is unpacked on the device. The data: a busy simulated observation
// quantised to 8 bits in segments (rows) of a length that does not divide the blocks, with
// per-segment scales, a second polarisation and channels stored highest first.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/packed_samples.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "rfi_backend_test_util.hpp"

namespace tianyan::test {
namespace {

PackedSamples quantise(const Observation& obs, uint64_t seg_len) {
  const size_t nchan = obs.nchan();
  PackedSamples p;
  p.nsamp = obs.nsamp;
  p.nchan = nchan;
  p.two_pols = true;
  p.reversed = true;
  p.bytes.resize(p.nsamp * p.row_bytes());
  for (uint64_t s0 = 0; s0 < obs.nsamp; s0 += seg_len) {
    const uint64_t s1 = std::min(obs.nsamp, s0 + seg_len);
    p.seg_end.push_back(s1);
    for (size_t c = 0; c < nchan; ++c) {  // file channel c holds observation channel j
      const size_t j = nchan - 1 - c;
      float lo = obs.data[s0 * nchan + j], hi = lo;
      for (uint64_t s = s0; s < s1; ++s) {
        lo = std::min(lo, obs.data[s * nchan + j]);
        hi = std::max(hi, obs.data[s * nchan + j]);
      }
      const float scl = hi > lo ? (hi - lo) / 255.0f : 1.0f;
      p.scale_a.push_back(scl);
      p.scale_b.push_back(0.013f * static_cast<float>(1 + c % 3));
      p.offset.push_back(lo);
      for (uint64_t s = s0; s < s1; ++s) {
        const float q = std::round((obs.data[s * nchan + j] - lo) / scl);
        uint8_t* row = p.bytes.data() + s * p.row_bytes();
        row[c] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
        row[nchan + c] = static_cast<uint8_t>((s * 3 + c * 7) % 5);
      }
    }
  }
  p.check();
  return p;
}

// Samples [row0, row0 + n) of p, as read_packed would give them.
PackedSamples slice(const PackedSamples& p, uint64_t row0, uint64_t n) {
  PackedSamples q = p;
  q.nsamp = n;
  q.bytes.assign(p.bytes.begin() + static_cast<ptrdiff_t>(row0 * p.row_bytes()),
                 p.bytes.begin() + static_cast<ptrdiff_t>((row0 + n) * p.row_bytes()));
  q.seg_end.clear();
  for (auto* v : {&q.scale_a, &q.scale_b, &q.offset}) v->clear();
  for (size_t k = 0; k < p.seg_end.size(); ++k) {
    const uint64_t begin = k == 0 ? 0 : p.seg_end[k - 1];
    if (p.seg_end[k] <= row0 || begin >= row0 + n) continue;
    q.seg_end.push_back(std::min(p.seg_end[k], row0 + n) - row0);
    for (auto [to, from] : {std::pair{&q.scale_a, &p.scale_a}, std::pair{&q.scale_b, &p.scale_b},
                            std::pair{&q.offset, &p.offset}}) {
      to->insert(to->end(), from->begin() + static_cast<ptrdiff_t>(k * p.nchan),
                 from->begin() + static_cast<ptrdiff_t>((k + 1) * p.nchan));
    }
  }
  q.check();
  return q;
}

// clean_with (rfi_backend_test_util.hpp) through process_packed.
std::vector<float> clean_packed_with(RfiCleaner& cleaner, const PackedSamples& all, uint64_t gulp,
                                     uint64_t overlap) {
  const size_t nchan = all.nchan;
  std::vector<float> result(all.nsamp * nchan, 0.0f), out;
  for (uint64_t start = 0; start < all.nsamp;) {
    const uint64_t nfresh = std::min(gulp, all.nsamp - start);
    const uint64_t nsamp = std::min(nfresh + overlap, all.nsamp - start);
    out.assign(nsamp * nchan, -1.0f);
    cleaner.process_packed(slice(all, start, nsamp), out.data(), start, nsamp, nfresh);
    std::copy(out.begin(), out.begin() + static_cast<ptrdiff_t>(nfresh * nchan),
              result.begin() + static_cast<ptrdiff_t>(start * nchan));
    start += nfresh;
  }
  return result;
}

struct PackedCase {
  Observation floats;  // what a reader's read() would give
  PackedSamples packed;
};

PackedCase packed_case(int nchan, double duration_s, uint64_t seed) {
  PackedCase pc;
  const Observation obs = busy_observation(nchan, duration_s, seed);
  pc.packed = quantise(obs, 1000);
  pc.floats = obs;
  unpack_packed(pc.packed, pc.floats.data.data());
  return pc;
}

void expect_same(const RfiCleaner& a, const RfiCleaner& b, const std::vector<float>& want,
                 const std::vector<float>& got, size_t nchan) {
  ASSERT_EQ(a.mask().nblocks(), b.mask().nblocks());
  ASSERT_GT(a.mask().nblocks(), 3u);
  for (uint64_t k = 0; k < a.mask().nblocks(); ++k) {
    EXPECT_TRUE(std::equal(a.mask().block_cells(k), a.mask().block_cells(k) + nchan,
                           b.mask().block_cells(k)))
        << "cells of block " << k;
    EXPECT_EQ(a.mask().clipped(k), b.mask().clipped(k)) << "block " << k;
  }
  size_t first = 0;
  const size_t differ = count_differences(want, got, &first);
  EXPECT_EQ(differ, 0u) << "first at sample " << first / nchan << " channel " << first % nchan
                        << " (process " << want[first] << ", process_packed " << got[first] << ")";
}

TEST(RfiPacked, CpuProcessPackedEqualsProcess) {
  const PackedCase pc = packed_case(200, 2.0, 17);
  const uint64_t block = 2048;
  const RfiConfig config = backend_case_config(BackendCase{"Default", true, false, true}, block);
  auto a = make_rfi_cleaner_cpu(config, pc.floats.info, 2);
  auto b = make_rfi_cleaner_cpu(config, pc.floats.info, 2);
  const std::vector<float> want = clean_with(*a, pc.floats, 2 * block, block);
  const std::vector<float> got = clean_packed_with(*b, pc.packed, 2 * block, block);
  expect_same(*a, *b, want, got, pc.floats.nchan());
}

TEST(RfiPacked, GulpOfTheWrongLengthIsAnInternalError) {
  const PackedCase pc = packed_case(64, 0.5, 3);
  auto cleaner = make_rfi_cleaner_cpu(test_rfi_config(1024), pc.floats.info, 1);
  std::vector<float> out(2048 * pc.floats.nchan());
  try {
    cleaner->process_packed(slice(pc.packed, 0, 1024), out.data(), 0, 2048, 2048);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal) << e.what();
  }
}

class RfiPackedCuda : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
      GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
    }
  }
};

// 1000 channels (four thread blocks of the unpacking kernel, not a multiple of 16 lanes),
// blocks of 8192 over rows of 1000 samples.
TEST_P(RfiPackedCuda, ProcessPackedEqualsCpuProcess) {
  const PackedCase pc = packed_case(1000, 3.5, 41);
  const uint64_t block = 8192;
  const RfiConfig config = backend_case_config(GetParam(), block);
  auto cpu = make_rfi_cleaner(Backend::Cpu, 0, config, pc.floats.info, 2);
  auto gpu = make_rfi_cleaner(Backend::Cuda, 0, config, pc.floats.info, 2);
  const std::vector<float> want = clean_with(*cpu, pc.floats, 2 * block, block);
  const std::vector<float> got = clean_packed_with(*gpu, pc.packed, 2 * block, block);
  expect_same(*cpu, *gpu, want, got, pc.floats.nchan());
}

INSTANTIATE_TEST_SUITE_P(Rfi, RfiPackedCuda,
                         ::testing::Values(BackendCase{"Default", true, false, true},
                                           BackendCase{"ZeroDm", true, true, true},
                                           BackendCase{"RawZeroDm", false, true, true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tianyan::test
