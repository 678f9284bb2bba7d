#include "kernels/rfi/rfi_mask.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

namespace {

static_assert(std::endian::native == std::endian::little, "the mask file is little-endian");
constexpr char kMagic[8] = {'T', 'Y', 'R', 'F', 'I', 'M', 'S', 'K'};
constexpr uint32_t kVersion = 1;

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
void put_array(std::string& out, const T* values, size_t n) {
  out.append(reinterpret_cast<const char*>(values), n * sizeof(T));
}

// Reads values from the file's bytes, throwing BadInput at the first short read.
class Cursor {
 public:
  Cursor(const std::string& path, const std::string& bytes) : path_(path), bytes_(bytes) {}
  template <typename T>
  T get() {
    T value;
    get_array(&value, 1);
    return value;
  }
  template <typename T>
  void get_array(T* values, size_t n) {
    if (n > (bytes_.size() - pos_) / sizeof(T)) throw bad_input(path_, "truncated RFI mask");
    if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not get
    std::memcpy(values, bytes_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  bool done() const { return pos_ == bytes_.size(); }
  // Refuses a count of items that the bytes left cannot hold, before anything is allocated
  // for them (a corrupt count must not become a 32 GB allocation).
  void need(uint64_t n, size_t item_bytes) const {
    if (n > (bytes_.size() - pos_) / item_bytes) throw bad_input(path_, "truncated RFI mask");
  }

 private:
  const std::string& path_;
  const std::string& bytes_;
  size_t pos_ = 0;
};

}  // namespace

RfiMask::RfiMask(std::vector<double> freqs_mhz, double tsamp_s, uint64_t block_nsamp,
                 std::vector<uint8_t> static_channels)
    : freqs_(std::move(freqs_mhz)),
      tsamp_s_(tsamp_s),
      block_nsamp_(block_nsamp),
      static_(std::move(static_channels)) {
  if (static_.size() != freqs_.size()) {
    throw internal_error("RfiMask: {} static flags for {} channels", static_.size(), freqs_.size());
  }
}

void RfiMask::append_block(uint64_t block, const uint8_t* cells, uint64_t nsamp,
                           std::vector<uint32_t> clipped) {
  if (block != nblocks() || nsamp == 0 || nsamp > block_nsamp_) {
    throw internal_error("RfiMask: block {} ({} samples) appended after {} blocks", block, nsamp,
                         nblocks());
  }
  cells_.insert(cells_.end(), cells, cells + nchan());
  block_nsamp_list_.push_back(nsamp);
  clipped_.push_back(std::move(clipped));
}

RfiMaskSummary RfiMask::summary() const {
  RfiMaskSummary s;
  const size_t nchan = this->nchan();
  s.channel_fraction.assign(nchan, 0.0);
  s.block_fraction.assign(nblocks(), 0.0);
  uint64_t total = 0;
  uint64_t clipped = 0;
  double masked = 0;
  for (uint64_t b = 0; b < nblocks(); ++b) {
    const double n = static_cast<double>(block_samples(b));
    const double nclip = static_cast<double>(clipped_[b].size());
    double block_masked = 0;
    for (size_t c = 0; c < nchan; ++c) {
      // A masked cell loses all its samples, a clean one only the clipped samples.
      const double m = cell(b, c) != 0 ? n : nclip;
      s.channel_fraction[c] += m;
      block_masked += m;
    }
    s.block_fraction[b] = nchan == 0 ? 0.0 : block_masked / (n * static_cast<double>(nchan));
    masked += block_masked;
    total += block_samples(b);
    clipped += clipped_[b].size();
  }
  if (total == 0) return s;
  const double t = static_cast<double>(total);
  for (double& f : s.channel_fraction) f /= t;
  s.clipped_fraction = static_cast<double>(clipped) / t;
  s.total_fraction = nchan == 0 ? 0.0 : masked / (t * static_cast<double>(nchan));
  return s;
}

void RfiMask::save(const std::string& path) const {
  std::string out;
  out.append(kMagic, sizeof(kMagic));
  put(out, kVersion);
  put(out, static_cast<uint32_t>(nchan()));
  put(out, nblocks());
  put(out, block_nsamp_);
  put(out, tsamp_s_);
  put_array(out, freqs_.data(), freqs_.size());
  put_array(out, static_.data(), static_.size());
  for (uint64_t b = 0; b < nblocks(); ++b) {
    put(out, block_nsamp_list_[b]);
    put(out, static_cast<uint32_t>(clipped_[b].size()));
    put_array(out, block_cells(b), nchan());
    put_array(out, clipped_[b].data(), clipped_[b].size());
  }
  write_file_atomically(path, out);
}

RfiMask RfiMask::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot open RFI mask");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Cursor cur(path, bytes);
  char magic[sizeof(kMagic)];
  cur.get_array(magic, sizeof(magic));
  if (std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) throw bad_input(path, "not an RFI mask");
  const auto version = cur.get<uint32_t>();
  if (version != kVersion)
    throw bad_input(path, "RFI mask version {} (want {})", version, kVersion);
  const auto nchan = cur.get<uint32_t>();
  const auto nblocks = cur.get<uint64_t>();
  const auto block_nsamp = cur.get<uint64_t>();
  const auto tsamp = cur.get<double>();
  if (nchan == 0 || block_nsamp == 0 || !(tsamp > 0)) {
    throw bad_input(path, "RFI mask with nchan {}, block {} samples, tsamp {}", nchan, block_nsamp,
                    tsamp);
  }
  cur.need(nchan, sizeof(double) + 1);
  std::vector<double> freqs(nchan);
  std::vector<uint8_t> stat(nchan);
  cur.get_array(freqs.data(), nchan);
  cur.get_array(stat.data(), nchan);
  RfiMask mask(std::move(freqs), tsamp, block_nsamp, std::move(stat));
  std::vector<uint8_t> cells(nchan);
  for (uint64_t b = 0; b < nblocks; ++b) {
    const auto nsamp = cur.get<uint64_t>();
    const auto nclip = cur.get<uint32_t>();
    cur.get_array(cells.data(), nchan);
    if (nsamp == 0 || nsamp > block_nsamp || nclip > nsamp) {
      throw bad_input(path, "RFI mask block {}: {} samples, {} clipped", b, nsamp, nclip);
    }
    cur.need(nclip, sizeof(uint32_t));
    std::vector<uint32_t> clipped(nclip);
    cur.get_array(clipped.data(), nclip);
    for (uint32_t k : clipped) {
      if (k >= nsamp) throw bad_input(path, "RFI mask block {}: clipped offset {}", b, k);
    }
    mask.append_block(b, cells.data(), nsamp, std::move(clipped));
  }
  if (!cur.done()) throw bad_input(path, "trailing bytes after the RFI mask");
  return mask;
}

}  // namespace tianyan
