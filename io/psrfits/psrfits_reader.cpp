// open_psrfits (io/psrfits/psrfits_reader.hpp). Decisions beyond FORMATS.md:
// * Channels are delivered ascending; a file stored highest-first is reversed while scaling
//   (the raw row is read in file order, the output written backwards), and info().flagged
//   follows the same order.
// * Valid samples of a file are NSTOT when present (clamped to what is stored), else all stored
//   samples: your/small.fits has no NSTOT, so its 779 zero-padded samples are delivered (789).
// * A file starts at (NSUBOFFS - NSUBOFFS of the first file) * NSBLK. Where NSUBOFFS does not
//   advance (writers that leave it 0) OFFS_SUB places the file; where both exist and disagree
//   NSUBOFFS wins with a warning (OFFS_SUB is the value the FAST factor-4 bug corrupts).
//   Overlap is refused; a hole (missing file, dropped rows, padding inside a middle file) is
//   a Gap filled with the channel means of the nearest valid row, or refused with strict.
// * Tile-compressed tables are decoded whole into memory (psrfits_file.cpp); only the file
//   being read keeps its decoded copy, so a long .fits.fz scan holds one file in memory.
// * Uncompressed DATA is read with pread in chunks of about kChunkBytes straight into a
//   per-thread buffer that stays in cache while it is scaled (File::read_data); a compressed
//   table's row is copied whole from its decoded copy. No TZERO scaling, no per-sample calls;
//   scale and offset are folded per row into one multiply-add per product.
// * options.threads splits a read over chunks of samples (OpenMP). Each output value is
//   computed by the same code whatever the thread count, so results are bit-identical.
#include "io/psrfits/psrfits_reader.hpp"

#include <omp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string_view>

#include "io/angles.hpp"
#include "io/psrfits/psrfits_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using psrfits::File;
using psrfits::Header;

// Sub-byte samples expanded to one byte each. PSRFITS packs the first sample in the HIGH bits.
struct SubByteTable {
  std::array<std::array<uint8_t, 8>, 256> v{};
  explicit SubByteTable(int nbits) {
    const int per = 8 / nbits;
    const int mask = (1 << nbits) - 1;
    for (int b = 0; b < 256; ++b) {
      for (int k = 0; k < per; ++k)
        v[b][k] = static_cast<uint8_t>((b >> (8 - nbits * (k + 1))) & mask);
    }
  }
};

// Raw bytes read and scaled per step: small enough that the chunk is still in L2 when scaled
// (best of 64 KiB .. 1 MiB measured with bench/reader_bench).
constexpr int64_t kChunkBytes = 256 * 1024;
// Fewer samples than this are unpacked on one thread: a parallel region costs microseconds.
constexpr int64_t kParallelMinSamples = 256;

// The two scaling kernels; Rev writes channels in reverse so that output is ascending. The
// value is the element function the CUDA unpacker shares (io/packed_element.hpp); inlined, it
// compiles to the same instructions as the expression written out.
// always_inline so that they are compiled for the instruction set of each caller below.
template <typename T, bool Rev>
[[gnu::always_inline]] inline void scale_one(const T* __restrict a, const float* __restrict sa,
                                             const float* __restrict o, float* __restrict d,
                                             size_t n) {
  for (size_t i = 0; i < n; ++i)
    d[Rev ? n - 1 - i : i] = packed::scaled_one(static_cast<float>(a[i]), sa[i], o[i]);
}

template <typename T, bool Rev>
[[gnu::always_inline]] inline void scale_two(const T* __restrict a, const T* __restrict b,
                                             const float* __restrict sa,
                                             const float* __restrict sb,
                                             const float* __restrict o, float* __restrict d,
                                             size_t n) {
  for (size_t i = 0; i < n; ++i) {
    d[Rev ? n - 1 - i : i] =
        packed::scaled_two(static_cast<float>(a[i]), static_cast<float>(b[i]), sa[i], sb[i], o[i]);
  }
}

template <typename T>
[[gnu::always_inline]] inline void scale_any(const T* a, const T* b, const float* sa,
                                             const float* sb, const float* o, float* d, size_t n,
                                             bool rev) {
  if (b == nullptr)
    rev ? scale_one<T, true>(a, sa, o, d, n) : scale_one<T, false>(a, sa, o, d, n);
  else
    rev ? scale_two<T, true>(a, b, sa, sb, o, d, n) : scale_two<T, false>(a, b, sa, sb, o, d, n);
}

// Per-row folded scales, channel order of the file.
struct Scales {
  const float *a, *b, *o;
};

// Byte samples: `nsamp` samples `stride` bytes apart, the second pol (if any) at +pol_b.
// Channels go in blocks over all samples so that a block's three scale arrays stay in L1
// (4096 channels of them are 48 KiB); measured 10-15% faster than whole samples.
template <typename T>
[[gnu::always_inline]] inline void scale_bytes(const uint8_t* src, int64_t nsamp, int64_t stride,
                                               int64_t pol_b, const Scales& k, float* out,
                                               size_t nchan, bool rev) {
  constexpr size_t kBlock = 512;
  for (size_t c0 = 0; c0 < nchan; c0 += kBlock) {
    const size_t m = std::min(kBlock, nchan - c0);
    const size_t d0 = rev ? nchan - c0 - m : c0;  // reversed, the block lands mirrored
    for (int64_t s = 0; s < nsamp; ++s) {
      const T* a = reinterpret_cast<const T*>(src + s * stride) + c0;
      const T* b = pol_b >= 0 ? a + pol_b : nullptr;
      scale_any<T>(a, b, k.a + c0, k.b + c0, k.o + c0, out + static_cast<size_t>(s) * nchan + d0,
                   m, rev);
    }
  }
}

// The hot loop, cloned so that the portable build uses AVX2 where the CPU has it. "avx2"
// does not enable FMA, so no multiply-add is fused and every clone gives identical floats.
[[gnu::target_clones("avx2", "default")]]
void scale_8bit(const uint8_t* src, int64_t nsamp, int64_t stride, int64_t pol_b, const Scales& k,
                float* out, size_t nchan, bool rev, bool is_signed) {
  if (is_signed)
    scale_bytes<int8_t>(src, nsamp, stride, pol_b, k, out, nchan, rev);
  else
    scale_bytes<uint8_t>(src, nsamp, stride, pol_b, k, out, nchan, rev);
}

// Per-thread working memory.
struct Scratch {
  std::vector<uint8_t> raw;                    // one chunk of raw DATA (uncompressed tables)
  std::array<std::vector<uint8_t>, 2> bytes;  // sub-byte samples expanded, per summed pol
  std::array<std::vector<float>, 2> floats;   // 16/32-bit samples converted, per summed pol
};

class PsrfitsReader final : public Reader {
 public:
  PsrfitsReader(const std::vector<std::string>& paths, const OpenOptions& options);
  const ObservationInfo& info() const override { return info_; }
  uint64_t read(uint64_t start, uint64_t nsamp, float* out) override;
  bool read_packed(uint64_t start, uint64_t nsamp, PackedSamples& out) override;

 private:
  size_t file_at(uint64_t t) const {
    return static_cast<size_t>(std::upper_bound(begin_.begin(), begin_.end(), t) - begin_.begin()) -
           1;
  }
  void check_compatible(const Header& first, const Header& h) const;
  uint64_t place(size_t i) const;
  void place_files(bool strict);
  void fill_info();
  void load_row(size_t file, int64_t row);
  void unpack(int64_t s0, int64_t count, float* out);
  void copy_bytes(int64_t s0, int64_t count, uint8_t* dst);
  void convert(const uint8_t* src, int64_t nsamp, float* out, Scratch& sc) const;
  const float* expand(const uint8_t* src, float* d) const;
  void fill_gap(size_t file, uint64_t t, uint64_t count, float* out);
  const std::vector<float>& row_mean(size_t file, int64_t row, int64_t nvalid);

  std::vector<std::unique_ptr<File>> files_;
  std::vector<uint64_t> begin_;  // stream index of each file's first sample
  std::vector<uint64_t> valid_;  // valid samples of each file (NSTOT padding excluded)
  ObservationInfo info_;
  size_t nchan_ = 0;
  int64_t nsblk_ = 0, sample_bytes_ = 0, pol_bytes_ = 0;
  int64_t chunk_samples_ = 1;
  int nbits_ = 8, pol_b_ = -1;  // pol_b_: second pol added to pol 0 (AA+BB), -1: none
  int threads_ = 1;
  bool signed_ = false, reverse_ = false;
  std::unique_ptr<SubByteTable> lut_;

  size_t cur_file_ = SIZE_MAX;
  int64_t cur_row_ = -1;
  std::vector<uint8_t> raw_;  // the current row of a compressed table
  std::vector<float> scale_a_, scale_b_, offset_;  // file order, weights folded in
  std::vector<float> scl_, offs_, wts_;
  std::vector<Scratch> scratch_;  // one per thread
  std::map<std::pair<size_t, int64_t>, std::vector<float>> means_;
};

PsrfitsReader::PsrfitsReader(const std::vector<std::string>& paths, const OpenOptions& options) {
  for (const auto& p : paths) {
    files_.push_back(std::make_unique<File>(p));
    files_.back()->release();  // decoded compressed tables are rebuilt when first read
    if (files_.size() > 1) check_compatible(files_.front()->header(), files_.back()->header());
  }
  const Header& h = files_.front()->header();
  nchan_ = static_cast<size_t>(h.nchan);
  nsblk_ = h.nsblk;
  nbits_ = h.nbits;
  signed_ = h.is_signed;
  reverse_ = h.descending();
  pol_bytes_ = h.nchan * static_cast<int64_t>(h.nbits) / 8;
  sample_bytes_ = pol_bytes_ * h.npol;
  if (h.nbits < 8 && (h.nchan * h.nbits) % 8 != 0)
    throw bad_input(h.path, "NCHAN {} * NBITS {} is not a whole number of bytes", h.nchan, h.nbits);
  if (h.nbits < 8) lut_ = std::make_unique<SubByteTable>(h.nbits);
  // Total intensity: trust NPOL over POL_TYPE; of four products only IQUV has I in pol 0.
  if (h.npol == 2 || (h.npol == 4 && h.pol_type.rfind("IQUV", 0) != 0)) pol_b_ = 1;
  threads_ = std::max(1, options.threads);
  chunk_samples_ = std::max<int64_t>(1, kChunkBytes / sample_bytes_);
  const size_t nscale = nchan_ * static_cast<size_t>(h.npol);
  scl_.resize(nscale);
  offs_.resize(nscale);
  wts_.resize(nchan_);
  scale_a_.resize(nchan_);
  scale_b_.resize(nchan_);
  offset_.resize(nchan_);
  scratch_.resize(static_cast<size_t>(threads_));
  for (Scratch& sc : scratch_) {
    sc.raw.resize(static_cast<size_t>(chunk_samples_ * sample_bytes_));
    for (int k = 0; k < 2; ++k) {
      sc.bytes[k].resize(nchan_);
      sc.floats[k].resize(nchan_);
    }
  }
  place_files(options.strict);
  fill_info();
}

void PsrfitsReader::check_compatible(const Header& a, const Header& b) const {
  auto differ = [&](const char* what, auto x, auto y) {
    if (x != y)
      throw bad_input(b.path, "incompatible with {}: {} is {} there, {} here", a.path, what, x, y);
  };
  differ("NCHAN", a.nchan, b.nchan);
  differ("NBITS", a.nbits, b.nbits);
  differ("NPOL", a.npol, b.npol);
  differ("NSBLK", a.nsblk, b.nsblk);
  differ("POL_TYPE", a.pol_type, b.pol_type);
  differ("signedness", a.is_signed, b.is_signed);
  if (std::abs(a.tbin - b.tbin) > 1e-9 * a.tbin)
    throw bad_input(b.path, "incompatible with {}: TBIN {} there, {} here", a.path, a.tbin, b.tbin);
  if (a.nrows == 0 || b.nrows == 0) return;  // an empty table carries no DAT_FREQ to compare
  for (size_t c = 0; c < a.freqs.size(); ++c) {
    if (std::abs(a.freqs[c] - b.freqs[c]) > 1e-6 * std::abs(a.freqs[c]) + 1e-6)
      throw bad_input(b.path, "incompatible with {}: channel {} is {} MHz there, {} MHz here",
                      a.path, c, a.freqs[c], b.freqs[c]);
  }
}

// Sample index of file i's start relative to file 0, from NSUBOFFS, or from OFFS_SUB where
// NSUBOFFS does not advance (writers that leave it 0 in every file).
uint64_t PsrfitsReader::place(size_t i) const {
  const Header& h0 = files_.front()->header();
  const Header& prev = files_[i - 1]->header();
  const Header& h = files_[i]->header();
  const double tsub = static_cast<double>(h.nsblk) * h.tbin;
  const bool offs_known = std::isfinite(h.offs_sub0) && std::isfinite(h0.offs_sub0);
  int64_t rows = h.nsuboffs - h0.nsuboffs;
  if (h.nsuboffs <= prev.nsuboffs && prev.nrows > 0) {
    if (!offs_known)
      throw bad_input(h.path, "NSUBOFFS {} does not advance past {} ({}) and there is no OFFS_SUB",
                      h.nsuboffs, prev.path, prev.nsuboffs);
    rows = std::llround((h.offs_sub0 - h0.offs_sub0) / tsub);
    // An overlap is refused below; check it before the warning, so that the refusal is the
    // only line a bad scan prints.
    const uint64_t prev_end = begin_[i - 1] + valid_[i - 1];
    if (rows >= 0 && static_cast<uint64_t>(rows) * static_cast<uint64_t>(h.nsblk) < prev_end)
      throw bad_input(h.path, "overlaps {}: NSUBOFFS does not advance and OFFS_SUB puts it at "
                      "sample {}, before that file ends at sample {}", prev.path,
                      static_cast<uint64_t>(rows) * static_cast<uint64_t>(h.nsblk), prev_end);
    spdlog::warn("{}: NSUBOFFS does not advance; placed at row {} from OFFS_SUB", h.path, rows);
  } else if (offs_known && std::isfinite(prev.offs_sub0)) {
    const double expected = static_cast<double>(h.nsuboffs - prev.nsuboffs) * tsub;
    if (std::abs(h.offs_sub0 - prev.offs_sub0 - expected) > 0.5 * tsub)
      spdlog::warn("{}: OFFS_SUB advances {} s since {}, NSUBOFFS says {} s; trusting NSUBOFFS",
                   h.path, h.offs_sub0 - prev.offs_sub0, prev.path, expected);
  }
  if (rows < 0) throw bad_input(h.path, "starts before the first file {} of the stream", h0.path);
  return static_cast<uint64_t>(rows) * static_cast<uint64_t>(h.nsblk);
}

void PsrfitsReader::place_files(bool strict) {
  for (size_t i = 0; i < files_.size(); ++i) {
    const Header& h = files_[i]->header();
    valid_.push_back(static_cast<uint64_t>(h.nsamples_valid()));
    begin_.push_back(i == 0 ? 0 : place(i));
    info_.nsamples_stored += static_cast<uint64_t>(h.nsamples_stored());
    if (i == 0) continue;
    const uint64_t prev_end = begin_[i - 1] + valid_[i - 1];
    const std::string& prev = files_[i - 1]->header().path;
    if (begin_[i] < prev_end)
      throw bad_input(h.path, "overlaps {}: starts at sample {}, which ends at sample {}", prev,
                      begin_[i], prev_end);
    if (begin_[i] == prev_end) continue;
    const uint64_t missing = begin_[i] - prev_end;
    if (strict)
      throw bad_input(h.path, "{} samples missing between {} and this file (strict mode)", missing,
                      prev);
    spdlog::warn("{}: {} samples ({:.3f} s) missing after {}; filled with channel means", h.path,
                 missing, static_cast<double>(missing) * h.tbin, prev);
    info_.gaps.push_back(Gap{prev_end, missing, prev});
  }
  info_.nsamples = begin_.back() + valid_.back();
}

void PsrfitsReader::fill_info() {
  const Header& h = files_.front()->header();
  info_.format = "psrfits";
  for (const auto& f : files_) info_.files.push_back(f->header().path);
  info_.source = h.source;
  info_.telescope = h.telescope;
  info_.beam = h.ibeam;
  info_.ra_deg = 15.0 * parse_sexagesimal(h.ra).value_or(std::nan(""));
  info_.dec_deg = parse_sexagesimal(h.dec).value_or(std::nan(""));
  info_.tsamp_s = h.tbin;
  info_.start_mjd = h.stt_imjd + (h.stt_smjd + h.stt_offs) / 86400.0 +
                    static_cast<double>(h.nsuboffs * h.nsblk) * h.tbin / 86400.0;
  info_.freqs_mhz = h.freqs;
  info_.flagged.resize(nchan_);
  for (size_t c = 0; c < nchan_; ++c) info_.flagged[c] = h.weights0[c] == 0.0f ? 1 : 0;
  info_.file_descending = reverse_;
  if (reverse_) {
    std::reverse(info_.freqs_mhz.begin(), info_.freqs_mhz.end());
    std::reverse(info_.flagged.begin(), info_.flagged.end());
  }
  info_.chan_dm = h.chan_dm;
  info_.nbits = h.nbits;
  info_.npol = h.npol;
  info_.pol_type = h.pol_type;
}

void PsrfitsReader::load_row(size_t file, int64_t row) {
  if (file == cur_file_ && row == cur_row_) return;
  if (cur_file_ != SIZE_MAX && cur_file_ != file) files_[cur_file_]->release();
  cur_file_ = SIZE_MAX;  // stays invalid if a read below throws
  File& f = *files_[file];
  f.open_data();
  if (f.header().compressed) {
    raw_.resize(static_cast<size_t>(f.header().row_bytes));
    f.read_data(row, 0, f.header().row_bytes, raw_.data());
  }
  f.read_scales(row, scl_.data(), offs_.data(), wts_.data());
  const Header& h = f.header();
  const size_t pol_stride = h.scale_npol == 1 ? 0 : nchan_;
  const auto zo = static_cast<float>(h.zero_off);
  for (size_t c = 0; c < nchan_; ++c) {
    const float w = wts_[c];
    scale_a_[c] = scl_[c] * w;
    offset_[c] = (offs_[c] - zo * scl_[c]) * w;
    if (pol_b_ >= 0) {
      const size_t b = static_cast<size_t>(pol_b_) * pol_stride + c;
      scale_b_[c] = scl_[b] * w;
      offset_[c] += (offs_[b] - zo * scl_[b]) * w;
    }
  }
  cur_file_ = file;
  cur_row_ = row;
}

// Converts one pol of one sample into `d` when it is not plain bytes.
const float* PsrfitsReader::expand(const uint8_t* src, float* d) const {
  if (nbits_ == 16) {
    for (size_t c = 0; c < nchan_; ++c) {
      const auto u = static_cast<uint16_t>((src[2 * c] << 8) | src[2 * c + 1]);
      d[c] = signed_ ? static_cast<float>(static_cast<int16_t>(u)) : static_cast<float>(u);
    }
  } else {
    for (size_t c = 0; c < nchan_; ++c) {
      uint32_t u = 0;
      std::memcpy(&u, src + 4 * c, 4);
      u = __builtin_bswap32(u);  // FITS is big-endian
      std::memcpy(d + c, &u, 4);
    }
  }
  return d;
}

// Scales `nsamp` consecutive raw samples of the current row into out.
void PsrfitsReader::convert(const uint8_t* src, int64_t nsamp, float* out, Scratch& sc) const {
  const Scales k{scale_a_.data(), scale_b_.data(), offset_.data()};
  const int64_t pol_b = pol_b_ >= 0 ? pol_b_ * pol_bytes_ : -1;
  if (nbits_ == 8) {
    scale_8bit(src, nsamp, sample_bytes_, pol_b, k, out, nchan_, reverse_, signed_);
    return;
  }
  for (int64_t s = 0; s < nsamp; ++s) {
    const uint8_t* a = src + s * sample_bytes_;
    const uint8_t* b = pol_b >= 0 ? a + pol_b : nullptr;
    float* d = out + static_cast<size_t>(s) * nchan_;
    if (nbits_ < 8) {
      const uint8_t* pa[2] = {a, b};
      const int per = 8 / nbits_;
      for (int p = 0; p < (b ? 2 : 1); ++p) {
        uint8_t* e = sc.bytes[p].data();
        for (int64_t j = 0; j < pol_bytes_; ++j)
          std::memcpy(e + j * per, lut_->v[pa[p][j]].data(), per);
      }
      scale_any<uint8_t>(sc.bytes[0].data(), b ? sc.bytes[1].data() : nullptr, k.a, k.b, k.o, d,
                         nchan_, reverse_);
    } else {
      const float* fa = expand(a, sc.floats[0].data());
      const float* fb = b ? expand(b, sc.floats[1].data()) : nullptr;
      scale_any<float>(fa, fb, k.a, k.b, k.o, d, nchan_, reverse_);
    }
  }
}

// Samples [s0, s0 + count) of the loaded row, in chunks that each thread reads and scales on
// its own: the copy out of the page cache is spread over the threads along with the scaling.
// Static schedule: each thread reads one contiguous stretch of the row; schedule(dynamic)
// measured up to 10x slower on the loaded 2-core VM.
void PsrfitsReader::unpack(int64_t s0, int64_t count, float* out) {
  File& f = *files_[cur_file_];
  const bool direct = !f.header().compressed;
  const int64_t nchunks = (count + chunk_samples_ - 1) / chunk_samples_;
  const int nt = count >= kParallelMinSamples
                     ? static_cast<int>(std::min<int64_t>(threads_, nchunks))
                     : 1;
  std::exception_ptr error;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t k = 0; k < nchunks; ++k) {
    try {
      Scratch& sc = scratch_[static_cast<size_t>(omp_get_thread_num())];
      const int64_t first = s0 + k * chunk_samples_;
      const int64_t n = std::min(chunk_samples_, s0 + count - first);
      const int64_t at = first * sample_bytes_;
      if (direct) f.read_data(cur_row_, at, n * sample_bytes_, sc.raw.data());
      convert(direct ? sc.raw.data() : raw_.data() + at, n, out + static_cast<size_t>(first - s0) * nchan_, sc);
    } catch (...) {
#pragma omp critical(tianyan_psrfits_unpack_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

const std::vector<float>& PsrfitsReader::row_mean(size_t file, int64_t row, int64_t nvalid) {
  auto it = means_.find({file, row});
  if (it != means_.end()) return it->second;
  std::vector<float> block(static_cast<size_t>(nvalid) * nchan_);
  load_row(file, row);
  unpack(0, nvalid, block.data());
  std::vector<double> sum(nchan_, 0.0);
  for (int64_t s = 0; s < nvalid; ++s) {
    for (size_t c = 0; c < nchan_; ++c) sum[c] += block[static_cast<size_t>(s) * nchan_ + c];
  }
  std::vector<float> mean(nchan_);
  for (size_t c = 0; c < nchan_; ++c)
    mean[c] = static_cast<float>(sum[c] / static_cast<double>(nvalid));
  return means_.emplace(std::make_pair(file, row), std::move(mean)).first->second;
}

// Gap after file `file`: its first half takes the means of the last valid row before it, the
// second half those of the first row after it ("the nearest valid row").
void PsrfitsReader::fill_gap(size_t file, uint64_t t, uint64_t count, float* out) {
  const uint64_t g0 = begin_[file] + valid_[file];
  const uint64_t g1 = begin_[file + 1];
  const uint64_t nsblk = static_cast<uint64_t>(nsblk_);
  size_t before = file + 1, after = file + 1;
  for (size_t j = file + 1; j-- > 0;) {
    if (valid_[j] > 0) {
      before = j;
      break;
    }
  }
  while (after < files_.size() && valid_[after] == 0) ++after;
  for (uint64_t k = 0; k < count;) {
    const bool first_half = (t + k - g0) < (g1 - g0 + 1) / 2;
    const uint64_t run_end = first_half ? g0 + (g1 - g0 + 1) / 2 : g1;
    const uint64_t n = std::min(count - k, run_end - (t + k));
    const bool use_before = (first_half && before <= file) || after >= files_.size();
    const size_t src = use_before ? before : after;
    const auto row = static_cast<int64_t>(use_before ? (valid_[src] - 1) / nsblk : 0);
    const auto nvalid =
        static_cast<int64_t>(std::min(nsblk, valid_[src] - static_cast<uint64_t>(row) * nsblk));
    const std::vector<float>& mean = row_mean(src, row, nvalid);
    for (uint64_t s = 0; s < n; ++s) std::copy(mean.begin(), mean.end(), out + (k + s) * nchan_);
    k += n;
  }
}

uint64_t PsrfitsReader::read(uint64_t start, uint64_t nsamp, float* out) {
  if (start >= info_.nsamples) return 0;
  const uint64_t n = std::min(nsamp, info_.nsamples - start);
  const uint64_t nsblk = static_cast<uint64_t>(nsblk_);
  for (uint64_t done = 0; done < n;) {
    const uint64_t t = start + done;
    const size_t i = file_at(t);
    const uint64_t off = t - begin_[i];
    float* dst = out + done * nchan_;
    uint64_t cnt = 0;
    if (off < valid_[i]) {
      const uint64_t s0 = off % nsblk;
      cnt = std::min({nsblk - s0, valid_[i] - off, n - done});
      load_row(i, static_cast<int64_t>(off / nsblk));
      unpack(static_cast<int64_t>(s0), static_cast<int64_t>(cnt), dst);
    } else {
      cnt = std::min(begin_[i + 1] - t, n - done);
      fill_gap(i, t, cnt, dst);
    }
    done += cnt;
  }
  return n;
}

// Samples [s0, s0 + count) of the loaded row as bytes, pol A then (summed data) pol B per
// sample; the other products of four-pol data stay behind. One thread: there is no scaling
// to share out, only a copy.
void PsrfitsReader::copy_bytes(int64_t s0, int64_t count, uint8_t* dst) {
  File& f = *files_[cur_file_];
  const bool direct = !f.header().compressed;
  const auto nchan = static_cast<int64_t>(nchan_);
  const int64_t rb = pol_b_ >= 0 ? 2 * nchan : nchan;
  std::vector<uint8_t>& raw = scratch_.front().raw;
  for (int64_t first = s0; first < s0 + count; first += chunk_samples_) {
    const int64_t m = std::min(chunk_samples_, s0 + count - first);
    const int64_t at = first * sample_bytes_;
    uint8_t* d = dst + (first - s0) * rb;
    if (direct && rb == sample_bytes_) {
      f.read_data(cur_row_, at, m * sample_bytes_, d);
      continue;
    }
    // Direct: this chunk read from the file; compressed: the row decoded whole into raw_
    // (empty for direct tables, so no offset is applied to it there).
    const uint8_t* src = raw.data();
    if (direct) {
      f.read_data(cur_row_, at, m * sample_bytes_, raw.data());
    } else {
      src = raw_.data() + at;
    }
    if (rb == sample_bytes_) {
      std::memcpy(d, src, static_cast<size_t>(m * rb));
      continue;
    }
    for (int64_t s = 0; s < m; ++s) {
      const uint8_t* a = src + s * sample_bytes_;
      std::memcpy(d + s * rb, a, nchan_);
      if (pol_b_ >= 0) std::memcpy(d + s * rb + nchan, a + pol_b_ * pol_bytes_, nchan_);
    }
  }
}

bool PsrfitsReader::read_packed(uint64_t start, uint64_t nsamp, PackedSamples& out) {
  if (nbits_ != 8) return false;
  const uint64_t n = start >= info_.nsamples ? 0 : std::min(nsamp, info_.nsamples - start);
  // A gap's fill is the mean of a whole row of floats: refused before any reading.
  for (uint64_t done = 0; done < n;) {
    const uint64_t t = start + done;
    const size_t i = file_at(t);
    const uint64_t off = t - begin_[i];
    if (off >= valid_[i]) return false;
    done += std::min(valid_[i] - off, n - done);
  }
  out.nsamp = n;
  out.nchan = nchan_;
  out.two_pols = pol_b_ >= 0;
  out.is_signed = signed_;
  out.reversed = reverse_;
  const size_t rb = out.row_bytes();
  out.bytes.resize(n * rb);
  out.seg_end.clear();
  for (auto* v : {&out.scale_a, &out.scale_b, &out.offset}) v->clear();
  const uint64_t nsblk = static_cast<uint64_t>(nsblk_);
  for (uint64_t done = 0; done < n;) {
    const uint64_t t = start + done;
    const size_t i = file_at(t);
    const uint64_t off = t - begin_[i];
    const uint64_t s0 = off % nsblk;
    const uint64_t cnt = std::min({nsblk - s0, valid_[i] - off, n - done});
    load_row(i, static_cast<int64_t>(off / nsblk));
    copy_bytes(static_cast<int64_t>(s0), static_cast<int64_t>(cnt), out.bytes.data() + done * rb);
    out.scale_a.insert(out.scale_a.end(), scale_a_.begin(), scale_a_.end());
    if (out.two_pols) out.scale_b.insert(out.scale_b.end(), scale_b_.begin(), scale_b_.end());
    out.offset.insert(out.offset.end(), offset_.begin(), offset_.end());
    done += cnt;
    out.seg_end.push_back(done);
  }
  return true;
}

}  // namespace

std::unique_ptr<Reader> open_psrfits(const std::vector<std::string>& files,
                                     const OpenOptions& options) {
  if (files.empty()) throw bad_input("psrfits", "no input files given");
  return std::make_unique<PsrfitsReader>(files, options);
}

}  // namespace tianyan
