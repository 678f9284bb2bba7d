// SIGPROC filterbank writer: header from an ObservationInfo, data streamed block by block to a
// temporary file that is renamed into place by finish().
//
// Quantisation (nbits <= 16): round half up, clamp to the nbits range ([-128, 127] for signed
// 8-bit), NaN -> the lowest value. Sub-byte samples are packed least significant bits first.
// Frequencies: tianyan's channel table is ascending; with options.descending the file gets
// fch1 = highest channel and foff < 0 and the channels are reversed. A channel table that is
// not evenly spaced is written explicitly (FREQUENCY_START ... FREQUENCY_END) as well.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

void check_header(const std::string& path, const ObservationInfo& h,
                  const FilterbankWriteOptions& o) {
  const int b = h.nbits;
  if (b != 1 && b != 2 && b != 4 && b != 8 && b != 16 && b != 32) {
    throw bad_input(path, "cannot write nbits {} (1, 2, 4, 8, 16 or 32)", b);
  }
  if (h.freqs_mhz.empty()) throw bad_input(path, "no channels to write");
  for (size_t c = 1; c < h.freqs_mhz.size(); ++c) {
    if (!(h.freqs_mhz[c] > h.freqs_mhz[c - 1])) {
      throw bad_input(path, "channel frequencies must be ascending (channel {})", c);
    }
  }
  if (h.npol < 1) throw bad_input(path, "npol {} must be at least 1", h.npol);
  if (!(h.tsamp_s > 0) || !std::isfinite(h.tsamp_s)) {
    throw bad_input(path, "tsamp {} must be a positive number of seconds", h.tsamp_s);
  }
  if (o.signed_8bit && b != 8) throw bad_input(path, "signed samples need nbits 8, not {}", b);
  if (h.nchan() * static_cast<size_t>(h.npol) * static_cast<size_t>(b) % 8 != 0) {
    throw bad_input(path, "a spectrum of {} channels x {} pols x {} bits is not whole bytes",
                    h.nchan(), h.npol, b);
  }
}

int telescope_id_for(const ObservationInfo& h, const FilterbankWriteOptions& o) {
  if (o.telescope_id >= 0) return o.telescope_id;
  const int id = sigproc_telescope_id(h.telescope);
  return id >= 0 ? id : 0;  // unknown names become 0 ("fake"), as SIGPROC itself does
}

// The channel table in file order, and whether fch1 + c*foff describes it exactly.
SigprocHeader make_header(const ObservationInfo& h, const FilterbankWriteOptions& o) {
  SigprocHeader s;
  s.telescope_id = telescope_id_for(h, o);
  s.machine_id = o.machine_id;
  s.data_type = 1;
  if (!h.files.empty()) s.rawdatafile = std::filesystem::path(h.files.front()).filename().string();
  s.source_name = h.source;
  if (std::isfinite(h.ra_deg)) s.src_raj = deg_to_sigproc_ra(h.ra_deg);
  if (std::isfinite(h.dec_deg)) s.src_dej = deg_to_sigproc_dec(h.dec_deg);
  s.tstart = h.start_mjd;
  s.tsamp = h.tsamp_s;
  s.nchans = static_cast<int32_t>(h.nchan());
  s.nbits = h.nbits;
  s.nifs = h.npol;
  if (h.beam > 0) s.ibeam = h.beam;
  if (o.signed_8bit) s.is_signed = 1;

  std::vector<double> f = h.freqs_mhz;
  if (o.descending) std::reverse(f.begin(), f.end());
  const double step =
      f.size() > 1 ? (f.back() - f.front()) / static_cast<double>(f.size() - 1) : 0.0;
  s.fch1 = f.front();
  s.foff = step;
  for (size_t c = 0; c < f.size(); ++c) {
    if (std::abs(f.front() + static_cast<double>(c) * step - f[c]) > 1e-9 * std::abs(step)) {
      s.fchannels = f;  // uneven: let readers that know the table use it
      break;
    }
  }
  return s;
}

// Rounds (half up) and clamps to [lo, hi]; NaN fails the first comparison and becomes lo. Written
// as two selects so that the compiler can turn them into min/max instructions.
inline int quantise(float x, float lo, float hi) {
  float v = x > lo ? x : lo;  // NaN -> lo
  v = v < hi ? v : hi;
  return static_cast<int>(v - lo + 0.5f) + static_cast<int>(lo);
}

// Packs n values (n * kBits a multiple of 8) with the first sample in the least significant
// bits (SIGPROC order). kBits is a template argument so the shifts are constants.
template <int kBits>
void pack_sub_byte(const float* in, size_t n, uint8_t* dst, float lo, float hi) {
  constexpr size_t kPerByte = 8 / kBits;
  for (size_t i = 0; i < n / kPerByte; ++i) {
    unsigned byte = 0;
    for (size_t k = 0; k < kPerByte; ++k) {
      byte |= static_cast<unsigned>(quantise(in[i * kPerByte + k], lo, hi)) << (k * kBits);
    }
    dst[i] = static_cast<uint8_t>(byte);
  }
}

class FilterbankWriter final : public SearchWriter {
 public:
  FilterbankWriter(const std::string& path, const ObservationInfo& header,
                   const FilterbankWriteOptions& options)
      : file_(path),
        nchan_(header.nchan()),
        npol_(static_cast<size_t>(header.npol)),
        nbits_(header.nbits),
        descending_(options.descending) {
    bytes_per_spectrum_ = nchan_ * npol_ * static_cast<size_t>(nbits_) / 8;
    lo_ = options.signed_8bit ? -128.0f : 0.0f;
    hi_ = nbits_ == 32 ? 0.0f : lo_ + static_cast<float>((1 << std::min(nbits_, 16)) - 1);
    out_ = std::fopen(file_.temp_path().c_str(), "wb");
    if (out_ == nullptr) {
      throw environment_error("{}: cannot write: {}", file_.temp_path(), std::strerror(errno));
    }
    put(serialise_sigproc_header(make_header(header, options)));
  }

  ~FilterbankWriter() override {
    if (out_ != nullptr) std::fclose(out_);
  }

  void write(const float* block, uint64_t nsamp) override {
    if (out_ == nullptr) throw internal_error("{}: write after finish", file_.final_path());
    packed_.resize(static_cast<size_t>(nsamp) * bytes_per_spectrum_);
    row_.resize(nchan_ * npol_);
    for (uint64_t s = 0; s < nsamp; ++s) {
      pack_spectrum(block + s * nchan_ * npol_, packed_.data() + s * bytes_per_spectrum_);
    }
    put(std::string_view(reinterpret_cast<const char*>(packed_.data()), packed_.size()));
  }

  void finish() override {
    if (out_ == nullptr) return;
    std::FILE* f = out_;
    out_ = nullptr;
    close_written(f, true, 0, file_.final_path());
    file_.commit();
    finished_ = true;
  }

  std::vector<std::string> files() const override {
    return finished_ ? std::vector<std::string>{file_.final_path()} : std::vector<std::string>{};
  }

 private:
  void put(std::string_view bytes) {
    if (bytes.empty()) return;  // an empty block's data() may be null, which fwrite forbids
    if (std::fwrite(bytes.data(), 1, bytes.size(), out_) != bytes.size()) {
      throw environment_error("{}: write failed: {}", file_.final_path(), write_failure(errno));
    }
  }

  // One spectrum [npol][nchan], ascending -> file order, quantised and packed into dst.
  void pack_spectrum(const float* src, uint8_t* dst) {
    for (size_t p = 0; p < npol_; ++p) {
      const float* in = src + p * nchan_;
      float* o = row_.data() + p * nchan_;
      if (descending_) {
        for (size_t c = 0; c < nchan_; ++c) o[c] = in[nchan_ - 1 - c];
      } else {
        std::memcpy(o, in, nchan_ * sizeof(float));
      }
    }
    const size_t n = row_.size();
    if (nbits_ == 32) {
      std::memcpy(dst, row_.data(), n * sizeof(float));
    } else if (nbits_ == 16) {
      for (size_t i = 0; i < n; ++i) {
        const auto v = static_cast<uint16_t>(quantise(row_[i], lo_, hi_));
        std::memcpy(dst + 2 * i, &v, 2);
      }
    } else if (nbits_ == 8) {
      for (size_t i = 0; i < n; ++i) {
        dst[i] = static_cast<uint8_t>(quantise(row_[i], lo_, hi_) & 0xff);
      }
    } else if (nbits_ == 4) {
      pack_sub_byte<4>(row_.data(), n, dst, lo_, hi_);
    } else if (nbits_ == 2) {
      pack_sub_byte<2>(row_.data(), n, dst, lo_, hi_);
    } else {
      pack_sub_byte<1>(row_.data(), n, dst, lo_, hi_);
    }
  }

  AtomicFile file_;
  size_t nchan_;
  size_t npol_;
  int nbits_;
  bool descending_;
  size_t bytes_per_spectrum_ = 0;
  float lo_ = 0;
  float hi_ = 0;
  std::FILE* out_ = nullptr;
  bool finished_ = false;
  std::vector<uint8_t> packed_;
  std::vector<float> row_;
};

}  // namespace

std::unique_ptr<SearchWriter> make_filterbank_writer(const std::string& path,
                                                     const ObservationInfo& header,
                                                     const FilterbankWriteOptions& options) {
  check_header(path, header, options);
  return std::make_unique<FilterbankWriter>(path, header, options);
}

}  // namespace tianyan
