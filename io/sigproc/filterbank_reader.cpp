// SIGPROC filterbank reader: one or more files read as one contiguous stream.
//
// Decisions (FORMATS.md, "SIGPROC filterbank"):
// * nsamples comes from the file size; a header nsamples that disagrees is only a warning, and
//   a trailing partial spectrum is ignored with a warning. A file with no data at all is a
//   valid, empty observation (nsamples 0), not an error.
// * Every spectrum must be a whole number of bytes (nchans * nifs * nbits a multiple of 8),
//   which all real writers respect; otherwise the file is refused.
// * Data are read with pread in blocks of a few MiB (no mmap: a file truncated under us gives
//   a BadInput, not a SIGBUS) and unpacked through lookup tables.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

constexpr size_t kReadBlockBytes = 8u << 20;
constexpr int32_t kMaxChannels = 1 << 24;
constexpr int32_t kMaxIfs = 16;

// What one file's header says about its data, after validation.
struct Layout {
  int nbits = 0;
  int nifs = 1;
  size_t nchans = 0;
  bool is_signed = false;
  uint64_t bytes_per_spectrum = 0;
  double tsamp = 0;
  std::vector<double> freqs_file_order;  // MHz, as stored
};

struct FilePart {
  RawInputFile file;
  uint64_t data_offset = 0;
  uint64_t nsamp = 0;
  uint64_t first_sample = 0;  // index of its first spectrum in the stream
  double tstart = 0;
};

bool nearly_equal(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

void check_data_type(const SigprocHeader& h, const std::string& name) {
  const int type = h.data_type.value_or(1);
  if (type == 2) {
    throw bad_input(name,
                    "is a time series (data_type 2), not a filterbank: read it as a time series "
                    "(.tim, read_timeseries)");
  }
  if (type != 0 && type != 1) {
    throw bad_input(name, "data_type {} is not a filterbank (0 or 1)", type);
  }
}

std::vector<double> channel_freqs(const SigprocHeader& h, size_t nchans, const std::string& name) {
  if (!h.fchannels.empty()) {
    if (h.fchannels.size() != nchans) {
      throw bad_input(name, "channel table has {} frequencies but nchans is {}", h.fchannels.size(),
                      nchans);
    }
    return h.fchannels;
  }
  if (!h.fch1 || !h.foff || !std::isfinite(*h.fch1) || !std::isfinite(*h.foff)) {
    throw bad_input(name, "fch1 and foff must both be present and finite");
  }
  if (*h.foff == 0 && nchans > 1) throw bad_input(name, "foff is 0 with {} channels", nchans);
  std::vector<double> f(nchans);
  for (size_t c = 0; c < nchans; ++c) f[c] = *h.fch1 + static_cast<double>(c) * *h.foff;
  return f;
}

Layout validate(const SigprocHeader& h, const std::string& name) {
  check_data_type(h, name);
  Layout l;
  if (!h.nchans) throw bad_input(name, "nchans missing from the header");
  if (*h.nchans < 1 || *h.nchans > kMaxChannels) {
    throw bad_input(name, "nchans {} is out of range 1..{}", *h.nchans, kMaxChannels);
  }
  l.nchans = static_cast<size_t>(*h.nchans);
  if (!h.nbits) throw bad_input(name, "nbits missing from the header");
  l.nbits = *h.nbits;
  if (l.nbits != 1 && l.nbits != 2 && l.nbits != 4 && l.nbits != 8 && l.nbits != 16 &&
      l.nbits != 32) {
    throw bad_input(name, "nbits {} is not supported (1, 2, 4, 8, 16 or 32)", l.nbits);
  }
  l.nifs = h.nifs.value_or(1);
  if (l.nifs < 1 || l.nifs > kMaxIfs) throw bad_input(name, "nifs {} is out of range", l.nifs);
  if (!h.tsamp || !std::isfinite(*h.tsamp) || *h.tsamp <= 0) {
    throw bad_input(name, "tsamp {} must be a positive number of seconds",
                    h.tsamp ? fmt::format("{}", *h.tsamp) : "missing");
  }
  l.tsamp = *h.tsamp;
  if (h.tstart && !std::isfinite(*h.tstart)) throw bad_input(name, "tstart is not finite");
  const uint64_t bits = static_cast<uint64_t>(l.nchans) * static_cast<uint64_t>(l.nifs) *
                        static_cast<uint64_t>(l.nbits);
  if (bits % 8 != 0) {
    throw bad_input(name, "a spectrum of {} channels x {} IFs x {} bits is not whole bytes",
                    l.nchans, l.nifs, l.nbits);
  }
  l.bytes_per_spectrum = bits / 8;
  l.is_signed = l.nbits == 8 && h.is_signed.value_or(0) != 0;
  l.freqs_file_order = channel_freqs(h, l.nchans, name);
  return l;
}

// Converts packed samples to float. Sub-byte samples go through a table indexed by the byte,
// so the inner loop is a copy with no per-sample shifts or branches. Only 8-bit samples can
// be signed (the `signed` key).
class Unpacker {
 public:
  Unpacker(int nbits, bool is_signed) : nbits_(nbits), is_signed_(is_signed) {
    if (nbits >= 8) {
      per_byte_ = nbits == 8 ? 1 : 0;
      return;
    }
    per_byte_ = 8 / nbits;
    lut_.resize(256 * per_byte_);
    const int mask = (1 << nbits) - 1;
    for (int b = 0; b < 256; ++b) {
      for (int k = 0; k < per_byte_; ++k) {
        // SIGPROC packs the first sample in the least significant bits.
        lut_[static_cast<size_t>(b * per_byte_ + k)] =
            static_cast<float>((b >> (k * nbits)) & mask);
      }
    }
  }

  // Unpacks n values (n * nbits a multiple of 8) from src into dst.
  void unpack(const uint8_t* src, size_t n, float* dst) const {
    if (nbits_ == 32) {
      std::memcpy(dst, src, n * sizeof(float));
    } else if (nbits_ == 16) {
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, src + 2 * i, 2);
        dst[i] = static_cast<float>(v);
      }
    } else if (per_byte_ == 1) {
      convert_8bit(src, n, dst, 1);
    } else {
      const size_t nbytes = n / static_cast<size_t>(per_byte_);
      const size_t k = static_cast<size_t>(per_byte_);
      for (size_t i = 0; i < nbytes; ++i) std::memcpy(dst + i * k, &lut_[src[i] * k], k * 4);
    }
  }

  // The same, storing value i at dst[n - 1 - i] (files stored highest frequency first).
  void unpack_reversed(const uint8_t* src, size_t n, float* dst) const {
    float* end = dst + n;
    if (nbits_ == 32) {
      for (size_t i = 0; i < n; ++i) std::memcpy(end - 1 - i, src + 4 * i, 4);
    } else if (nbits_ == 16) {
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, src + 2 * i, 2);
        end[-1 - static_cast<ptrdiff_t>(i)] = static_cast<float>(v);
      }
    } else if (per_byte_ == 1) {
      convert_8bit(src, n, end - 1, -1);
    } else {
      const size_t k = static_cast<size_t>(per_byte_);
      for (size_t i = 0; i < n / k; ++i) {
        const float* v = &lut_[src[i] * k];
        float* d = end - (i + 1) * k;  // this byte's values, last one first
        for (size_t j = 0; j < k; ++j) d[k - 1 - j] = v[j];
      }
    }
  }

 private:
  // 8-bit: a plain conversion (which vectorises) beats a table lookup. Writes dst[i * step].
  void convert_8bit(const uint8_t* src, size_t n, float* dst, ptrdiff_t step) const {
    const auto at = [&](size_t i) { return dst + static_cast<ptrdiff_t>(i) * step; };
    if (is_signed_) {
      for (size_t i = 0; i < n; ++i) *at(i) = static_cast<float>(static_cast<int8_t>(src[i]));
    } else {
      for (size_t i = 0; i < n; ++i) *at(i) = static_cast<float>(src[i]);
    }
  }

  int nbits_;
  bool is_signed_;
  int per_byte_ = 0;
  std::vector<float> lut_;
};

class FilterbankReader final : public Reader {
 public:
  FilterbankReader(std::vector<FilePart> parts, Layout layout, ObservationInfo info)
      : parts_(std::move(parts)),
        layout_(std::move(layout)),
        info_(std::move(info)),
        unpacker_(layout_.nbits, layout_.is_signed),
        descending_(info_.file_descending) {
    const size_t nvals = layout_.nchans * static_cast<size_t>(std::min(layout_.nifs, 2));
    row_.resize(nvals + 8);  // + 8: a sub-byte unpack of two IFs may spill into the next byte
  }

  const ObservationInfo& info() const override { return info_; }

  // The file holding stream sample s (< info_.nsamples).
  const FilePart& part_of(uint64_t s) const {
    const auto it =
        std::upper_bound(parts_.begin(), parts_.end(), s,
                         [](uint64_t v, const FilePart& p) { return v < p.first_sample; });
    return *(it - 1);
  }

  uint64_t read(uint64_t start, uint64_t nsamp, float* out) override {
    if (start >= info_.nsamples) return 0;
    const uint64_t n = std::min(nsamp, info_.nsamples - start);
    const uint64_t block = std::max<uint64_t>(1, kReadBlockBytes / layout_.bytes_per_spectrum);
    uint64_t done = 0;
    while (done < n) {
      const uint64_t s = start + done;
      const FilePart& part = part_of(s);
      const uint64_t local = s - part.first_sample;
      const uint64_t k = std::min({n - done, part.nsamp - local, block});
      const size_t nbytes = static_cast<size_t>(k * layout_.bytes_per_spectrum);
      raw_.resize(nbytes);
      part.file.read_exact(part.data_offset + local * layout_.bytes_per_spectrum, nbytes,
                           raw_.data());
      convert(k, out + done * layout_.nchans);
      done += k;
    }
    return n;
  }

  // One segment of scale 1 and offset 0: the element's a * 1 + 0 (+ b * 1) is exactly the
  // float conversion (and IF sum) that read() does.
  bool read_packed(uint64_t start, uint64_t nsamp, PackedSamples& out) override {
    if (layout_.nbits != 8) return false;
    const uint64_t n = start >= info_.nsamples ? 0 : std::min(nsamp, info_.nsamples - start);
    const size_t nc = layout_.nchans;
    out.nsamp = n;
    out.nchan = nc;
    out.two_pols = layout_.nifs >= 2;
    out.is_signed = layout_.is_signed;
    out.reversed = descending_;
    const size_t rb = out.row_bytes();
    out.bytes.resize(n * rb);
    const size_t nseg = n > 0 ? 1 : 0;
    out.seg_end.assign(nseg, n);
    out.scale_a.assign(nseg * nc, 1.0f);
    out.scale_b.assign(out.two_pols ? nseg * nc : 0, 1.0f);
    out.offset.assign(nseg * nc, 0.0f);
    const uint64_t bps = layout_.bytes_per_spectrum;
    const uint64_t block = std::max<uint64_t>(1, kReadBlockBytes / bps);
    for (uint64_t done = 0; done < n;) {
      const uint64_t s = start + done;
      const FilePart& part = part_of(s);
      const uint64_t local = s - part.first_sample;
      const uint64_t k = std::min({n - done, part.nsamp - local, block});
      uint8_t* dst = out.bytes.data() + done * rb;
      const uint64_t at = part.data_offset + local * bps;
      if (bps == rb) {
        part.file.read_exact(at, static_cast<size_t>(k * bps), dst);
      } else {  // more than two IFs: only IF 0 and IF 1 are summed
        raw_.resize(static_cast<size_t>(k * bps));
        part.file.read_exact(at, raw_.size(), raw_.data());
        for (uint64_t j = 0; j < k; ++j) std::memcpy(dst + j * rb, raw_.data() + j * bps, rb);
      }
      done += k;
    }
    return true;
  }

 private:
  // raw_ holds k spectra; writes k * nchans floats in tianyan's order (ascending, IF0 + IF1).
  void convert(uint64_t k, float* out) {
    const size_t nc = layout_.nchans;
    const bool two = layout_.nifs >= 2;
    for (uint64_t s = 0; s < k; ++s) {
      const uint8_t* src = raw_.data() + s * layout_.bytes_per_spectrum;
      float* dst = out + s * nc;
      if (!two) {
        if (descending_) {
          unpacker_.unpack_reversed(src, nc, dst);
        } else {
          unpacker_.unpack(src, nc, dst);
        }
        continue;
      }
      unpack_row(src, two ? 2 * nc : nc);
      const float* if0 = row_.data();
      const float* if1 = row_.data() + nc;
      if (descending_ && two) {
        for (size_t c = 0; c < nc; ++c) dst[c] = if0[nc - 1 - c] + if1[nc - 1 - c];
      } else {
        for (size_t c = 0; c < nc; ++c) dst[c] = if0[c] + if1[c];
      }
    }
  }

  // Unpacks the first n values of a spectrum into row_, rounding n up to whole bytes.
  void unpack_row(const uint8_t* src, size_t n) {
    const size_t per_byte = layout_.nbits < 8 ? static_cast<size_t>(8 / layout_.nbits) : 1;
    const size_t whole = (n + per_byte - 1) / per_byte * per_byte;
    unpacker_.unpack(src, whole, row_.data());
  }

  std::vector<FilePart> parts_;
  Layout layout_;
  ObservationInfo info_;
  Unpacker unpacker_;
  bool descending_;
  std::vector<uint8_t> raw_;
  std::vector<float> row_;
};

uint64_t count_spectra(const RawInputFile& file, const SigprocHeader& h, const Layout& l) {
  const uint64_t data_bytes = file.size() - h.header_bytes;
  const uint64_t n = data_bytes / l.bytes_per_spectrum;
  if (data_bytes % l.bytes_per_spectrum != 0) {
    spdlog::warn("{}: ignoring a trailing partial spectrum ({} of {} bytes)", file.path(),
                 data_bytes % l.bytes_per_spectrum, l.bytes_per_spectrum);
  }
  if (h.nsamples && *h.nsamples > 0 && static_cast<uint64_t>(*h.nsamples) != n) {
    spdlog::warn("{}: header says nsamples {} but the file holds {} spectra; using {}", file.path(),
                 *h.nsamples, n, n);
  }
  return n;
}

// The next file must continue the first: same shape, and starting where the previous ended.
void check_continues(const Layout& first, const Layout& l, const FilePart& prev,
                     const FilePart& next, const std::string& first_name) {
  const std::string& name = next.file.path();
  if (l.nchans != first.nchans || l.nbits != first.nbits || l.nifs != first.nifs ||
      l.is_signed != first.is_signed) {
    throw bad_input(name, "nchans/nbits/nifs ({}/{}/{}) differ from {} ({}/{}/{})", l.nchans,
                    l.nbits, l.nifs, first_name, first.nchans, first.nbits, first.nifs);
  }
  if (!nearly_equal(l.tsamp, first.tsamp)) {
    throw bad_input(name, "tsamp {} differs from {} ({})", l.tsamp, first_name, first.tsamp);
  }
  for (size_t c = 0; c < l.nchans; ++c) {
    if (!nearly_equal(l.freqs_file_order[c], first.freqs_file_order[c])) {
      throw bad_input(name, "channel frequencies (fch1/foff) differ from {}", first_name);
    }
  }
  const double expected = prev.tstart + static_cast<double>(prev.nsamp) * l.tsamp / 86400.0;
  if (std::abs(next.tstart - expected) * 86400.0 > 0.5 * l.tsamp) {
    throw bad_input(name, "not contiguous with {}: expected tstart {:.12f}, found {:.12f}",
                    prev.file.path(), expected, next.tstart);
  }
}

ObservationInfo make_info(const SigprocHeader& h, const Layout& l,
                          const std::vector<std::string>& files, uint64_t total) {
  ObservationInfo info;
  info.format = "sigproc";
  info.files = files;
  info.source = h.source_name.value_or("");
  info.telescope = sigproc_telescope_name(h.telescope_id.value_or(0));
  info.scan = std::filesystem::path(files.front()).stem().string();
  info.beam = h.ibeam.value_or(0);
  if (h.src_raj) info.ra_deg = sigproc_ra_to_deg(*h.src_raj);
  if (h.src_dej) info.dec_deg = sigproc_dec_to_deg(*h.src_dej);
  info.start_mjd = h.tstart.value_or(0.0);
  info.tsamp_s = l.tsamp;
  const auto& f = l.freqs_file_order;
  info.file_descending = f.size() > 1 && f.front() > f.back();
  info.freqs_mhz = f;
  if (info.file_descending) std::reverse(info.freqs_mhz.begin(), info.freqs_mhz.end());
  info.flagged.assign(l.nchans, 0);
  info.nbits = l.nbits;
  info.npol = l.nifs;
  info.nsamples = total;
  info.nsamples_stored = total;
  return info;
}

void check_monotonic(const std::vector<double>& f, const std::string& name) {
  if (f.size() < 2) return;
  const bool desc = f.front() > f.back();
  for (size_t c = 1; c < f.size(); ++c) {
    if (desc ? !(f[c] < f[c - 1]) : !(f[c] > f[c - 1])) {
      throw bad_input(name, "channel frequencies are not monotonic at channel {}", c);
    }
  }
}

}  // namespace

std::unique_ptr<Reader> open_filterbank(const std::vector<std::string>& files,
                                        const OpenOptions& /*options: no gaps in SIGPROC*/) {
  if (files.empty()) throw bad_input("open_filterbank", "no files given");
  std::vector<FilePart> parts;
  Layout first;
  SigprocHeader first_header;
  uint64_t total = 0;
  for (const auto& path : files) {
    RawInputFile file(path);
    SigprocHeader h = read_sigproc_header(file);
    const Layout l = validate(h, path);
    FilePart part{std::move(file), h.header_bytes, 0, total, h.tstart.value_or(0.0)};
    part.nsamp = count_spectra(part.file, h, l);
    if (parts.empty()) {
      check_monotonic(l.freqs_file_order, path);
      if (!h.tstart) spdlog::warn("{}: no tstart in the header; using MJD 0", path);
      first = l;
      first_header = h;
    } else {
      check_continues(first, l, parts.back(), part, files.front());
    }
    total += part.nsamp;
    parts.push_back(std::move(part));
  }
  ObservationInfo info = make_info(first_header, first, files, total);
  return std::make_unique<FilterbankReader>(std::move(parts), std::move(first), std::move(info));
}

}  // namespace tianyan
