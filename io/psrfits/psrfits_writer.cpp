// PSRFITS search-mode writer in FAST layout (see psrfits_writer.hpp and
// ../shared/docs/FORMATS.md).
//
// Decisions:
// * Streaming: memory is one packed row (NSBLK*NPOL*NCHAN*NBITS/8 bytes) plus CFITSIO's
//   buffers. Rows are appended to the SUBINT table, the last HDU; the DATA cell goes with one
//   fits_write_tblbytes per row, which CFITSIO passes to the file in a single write (a
//   fits_write_col_byt would be cut into ~28 kB pieces), so the writer runs at disk speed and
//   never holds more than a row. 8-bit data are quantised by a vectorised loop over all the
//   samples of a write() that fall in the row.
// * Atomicity: every file is written under its AtomicFile temporary name. Completed files stay
//   under that name until finish(), which publishes them all; a writer destroyed without
//   finish() (an exception, a cancelled run) removes every temporary file, so a scan never
//   appears half-written under the final names. This costs no memory (the data are on disk)
//   and no time (publishing is a rename).
// * NSTOT: the definition (psrheader.fits) says "Total number of samples (SEARCH mode)"
//   without saying whether of the file or of the scan. Each file of a series is a
//   self-contained PSRFITS file, so NSTOT counts the valid samples stored in THAT file:
//   NAXIS2*NSBLK for every file but the last, whose zero padding it excludes. tianyan's reader
//   reads it so (valid = min(NSTOT, NAXIS2*NSBLK)); a whole-scan count would make such per-file
//   readers keep the padding, and tools that ignore NSTOT (PRESTO) lose nothing either way.
// * TDIM of DATA: (NCHAN, NPOL, NSBLK*NBITS/8) as in the definition; for sub-byte data the
//   last axis counts bytes. Sub-byte samples are packed most-significant bits first.
#include "io/psrfits/psrfits_writer.hpp"

#include <fitsio.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/psrfits/psrfits_writer_header.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using psrfits_write::SubintLayout;

// Rounds half up and clamps to [0, maxv]; NaN becomes 0. The comparisons are written so that
// NaN fails them, and the final cast truncates a non-negative value, i.e. floors it.
inline uint32_t quantise(float x, float maxv) {
  float v = x + 0.5f;
  if (!(v >= 0.0f)) v = 0.0f;
  if (v > maxv) v = maxv;
  return static_cast<uint32_t>(v);
}

// quantise(x, 255) of n values: the comparisons as selects and a signed conversion (exact on
// [0, 255]), so that the compiler vectorises the loop; the simulator's hottest writer loop.
__attribute__((target_clones("avx2", "default"))) void quantise8(const float* src, size_t n,
                                                                 uint8_t* dst) {
  for (size_t i = 0; i < n; ++i) {
    float v = src[i] + 0.5f;
    v = v >= 0.0f ? v : 0.0f;  // NaN -> 0
    v = v < 255.0f ? v : 255.0f;
    dst[i] = static_cast<uint8_t>(static_cast<int32_t>(v));
  }
}

// Starts the kernel's writeback of a file while it is being written. Without it a scan smaller
// than the dirty-page thresholds (10% of memory before background writeback starts) sits in
// the page cache until AtomicFile's fsync, which then writes all of it with the CPU idle: the
// write takes generation time PLUS disk time instead of the larger of the two. Every kWindow
// bytes the new data are queued for writeback (SYNC_FILE_RANGE_WRITE) and the window before
// the last is waited for, which keeps at most about two windows dirty. Only a hint: failures
// are ignored (the fsync at commit reports real write errors).
class Writeback {
 public:
  static constexpr off_t kWindow = off_t{64} << 20;

  void open(const std::string& path) {
    close();
#ifdef __linux__
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
#endif
    queued_ = waited_ = 0;
  }
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  ~Writeback() { close(); }

  // `written`: bytes of the file the kernel has so far.
  void advance(off_t written) {
#ifdef __linux__
    if (fd_ < 0 || written - queued_ < kWindow) return;
    ::sync_file_range(fd_, queued_, written - queued_, SYNC_FILE_RANGE_WRITE);
    if (queued_ - waited_ >= kWindow) {
      constexpr unsigned kWait = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                 SYNC_FILE_RANGE_WAIT_AFTER;
      ::sync_file_range(fd_, waited_, queued_ - waited_, kWait);
      waited_ = queued_;
    }
    queued_ = written;
#else
    (void)written;
#endif
  }

 private:
  int fd_ = -1;
  off_t queued_ = 0;  // [0, queued_) is queued for writeback
  off_t waited_ = 0;  // [0, waited_) is on disk
};

class PsrfitsWriter final : public SearchWriter {
 public:
  PsrfitsWriter(std::string prefix, const ObservationInfo& header,
                const PsrfitsWriteOptions& options)
      : prefix_(std::move(prefix)),
        header_(header),
        options_(options),
        layout_(psrfits_write::make_layout(header, options)),
        row_(static_cast<size_t>(layout_.row_bytes), 0),
        offs_(static_cast<size_t>(layout_.nchan) * layout_.npol, 0.0f),
        scale_(offs_.size(), 1.0f) {
    const std::filesystem::path p(prefix_);
    ensure_output_dir(p.has_parent_path() ? p.parent_path().string() : std::string("."));
    // The first file is created now, so that an unwritable output fails before any work.
    guarded([&] { open_next_file(); });
  }

  ~PsrfitsWriter() override {
    // Unpublished temporary files are removed by their AtomicFile destructors.
    close_quietly();
  }

  void write(const float* block, uint64_t nsamp) override {
    guarded([&] {
      const size_t spectrum = static_cast<size_t>(layout_.npol) * layout_.nchan;
      for (uint64_t s = 0; s < nsamp;) {
        const auto n = static_cast<int>(
            std::min<uint64_t>(nsamp - s, static_cast<uint64_t>(layout_.nsblk - sample_in_row_)));
        pack_samples(block + s * spectrum, n);
        s += static_cast<uint64_t>(n);
        if (sample_in_row_ == layout_.nsblk) flush_row();
      }
      valid_samples_ += nsamp;
    });
  }

  void finish() override {
    if (finished_) return;
    guarded([&] {
      if (sample_in_row_ > 0) {
        zero_rest_of_row();
        flush_row();
      }
      const uint64_t file_start = (rows_total_ - rows_in_file_) * layout_.nsblk;
      close_current(valid_samples_ - file_start);
      for (AtomicFile& file : files_) file.commit();
      finished_ = true;
    });
  }

  std::vector<std::string> files() const override {
    std::vector<std::string> paths;
    paths.reserve(files_.size());
    for (const AtomicFile& file : files_) paths.push_back(file.final_path());
    return paths;
  }

 private:
  // Runs `work`; after any failure the writer refuses further use instead of writing
  // inconsistent files (its temporary files go when it is destroyed).
  template <typename F>
  void guarded(F&& work) {
    if (broken_) throw internal_error("{}: PSRFITS writer used after a failure", prefix_);
    if (finished_) throw internal_error("{}: PSRFITS writer used after finish()", prefix_);
    try {
      work();
    } catch (...) {
      broken_ = true;
      throw;
    }
  }

  // The open file as messages name it: the final name and the temporary one being written.
  std::string current_path() const {
    return fmt::format("{} (written as {})", files_.back().final_path(),
                       files_.back().temp_path());
  }

  void open_next_file() {
    const std::string final_path = fmt::format("{}-M{:02d}_{:04d}.fits", prefix_, options_.beam,
                                               files_.size() + 1);
    files_.emplace_back(final_path);
    const std::string& temp = files_.back().temp_path();
    const std::string path = current_path();
    std::remove(temp.c_str());  // a stale temporary of an earlier run with the same pid
    int st = 0;
    // fits_create_diskfile: the path is taken literally (no CFITSIO filename syntax).
    fits_create_diskfile(&fits_, temp.c_str(), &st);
    psrfits_write::check_fits(st, path, "fits_create_diskfile");
    psrfits_write::write_primary_header(fits_, path, header_, layout_, options_.beam);
    psrfits_write::create_subint_table(fits_, path, layout_, static_cast<int64_t>(rows_total_));
    check_row_length(path);
    writeback_.open(temp);
    rows_in_file_ = 0;
  }

  // DATA is the last column, so its cell starts row_bytes before the end of a row; the table
  // CFITSIO created must agree with that (fits_write_tblbytes addresses bytes, not columns).
  void check_row_length(const std::string& path) {
    LONGLONG naxis1 = 0;
    int st = 0;
    fits_read_key(fits_, TLONGLONG, "NAXIS1", &naxis1, nullptr, &st);
    psrfits_write::check_fits(st, path, "reading NAXIS1");
    const int64_t npc = int64_t{layout_.nchan} * layout_.npol;
    data_offset_ = 16 + 12 * int64_t{layout_.nchan} + 8 * npc;  // 2 D, nchan D + E, 2 npc E
    if (naxis1 != data_offset_ + layout_.row_bytes) {
      throw internal_error("{}: SUBINT rows are {} bytes, expected {}", path, naxis1,
                           data_offset_ + layout_.row_bytes);
    }
  }

  // Completes the open file: NSTOT = its valid samples, then close.
  void close_current(uint64_t nstot) {
    if (!fits_) return;
    psrfits_write::write_nstot(fits_, current_path(), static_cast<int64_t>(nstot));
    int st = 0;
    fits_close_file(fits_, &st);
    fits_ = nullptr;
    writeback_.close();
    psrfits_write::check_fits(st, current_path(), "fits_close_file");
  }

  void close_quietly() noexcept {
    if (!fits_) return;
    int st = 0;
    fits_close_file(fits_, &st);
    fits_ = nullptr;
    writeback_.close();
  }

  // Quantises n spectra (fitting in the current row) into it, advancing sample_in_row_.
  void pack_samples(const float* src, int n) {
    const size_t spectrum = static_cast<size_t>(layout_.npol) * layout_.nchan;
    if (layout_.nbits == 8 && !layout_.descending) {  // the row holds the block's order
      quantise8(src, static_cast<size_t>(n) * spectrum,
                row_.data() + static_cast<size_t>(sample_in_row_) * spectrum);
      sample_in_row_ += n;
      return;
    }
    for (int s = 0; s < n; ++s, ++sample_in_row_) {
      pack_spectrum(src + static_cast<size_t>(s) * spectrum);
    }
  }

  // 8-bit rows are overwritten sample by sample, not cleared after each flush: the unused end
  // of the last, partial row is zeroed here. Sub-byte rows are cleared after every flush.
  void zero_rest_of_row() {
    if (layout_.nbits != 8) return;
    const size_t used =
        static_cast<size_t>(sample_in_row_) * static_cast<size_t>(layout_.npol) * layout_.nchan;
    std::memset(row_.data() + used, 0, row_.size() - used);
  }

  // Quantises one spectrum [npol][nchan] (ascending channels) into the current row.
  void pack_spectrum(const float* spectrum) {
    const int nchan = layout_.nchan, nbits = layout_.nbits;
    const float maxv = static_cast<float>((1u << nbits) - 1);
    for (int p = 0; p < layout_.npol; ++p) {
      const float* src = spectrum + static_cast<size_t>(p) * nchan;
      const size_t first = (static_cast<size_t>(sample_in_row_) * layout_.npol + p) * nchan;
      if (nbits == 8) {
        uint8_t* dst = row_.data() + first;
        if (layout_.descending) {
          for (int c = 0; c < nchan; ++c) dst[nchan - 1 - c] = uint8_t(quantise(src[c], maxv));
        } else {
          for (int c = 0; c < nchan; ++c) dst[c] = uint8_t(quantise(src[c], maxv));
        }
        continue;
      }
      // Sub-byte: the row is one MSB-first bit stream; element k sits at bit k*nbits.
      for (int c = 0; c < nchan; ++c) {
        const int fc = layout_.descending ? nchan - 1 - c : c;
        const size_t bit = (first + fc) * nbits;
        const uint32_t q = quantise(src[c], maxv);
        row_[bit >> 3] |= static_cast<uint8_t>(q << (8 - nbits - static_cast<int>(bit & 7)));
      }
    }
  }

  // Appends the current row to the current file (a new file when that one is full).
  void flush_row() {
    if (rows_in_file_ == static_cast<uint64_t>(options_.rows_per_file)) {
      close_current(rows_in_file_ * layout_.nsblk);  // a full file: no padding
      open_next_file();
    }
    const LONGLONG row = static_cast<LONGLONG>(rows_in_file_) + 1;
    const double tsubint = layout_.nsblk * layout_.tbin_s;
    double offs_sub = (static_cast<double>(rows_total_) + 0.5) * tsubint;
    const LONGLONG nchan = layout_.nchan, npc = nchan * layout_.npol;
    double tsub = tsubint;
    int st = 0;
    fits_write_col_dbl(fits_, 1, row, 1, 1, &tsub, &st);
    fits_write_col_dbl(fits_, 2, row, 1, 1, &offs_sub, &st);
    fits_write_col_dbl(fits_, 3, row, 1, nchan, layout_.freqs.data(), &st);
    fits_write_col_flt(fits_, 4, row, 1, nchan, layout_.weights.data(), &st);
    fits_write_col_flt(fits_, 5, row, 1, npc, offs_.data(), &st);
    fits_write_col_flt(fits_, 6, row, 1, npc, scale_.data(), &st);
    fits_write_tblbytes(fits_, row, data_offset_ + 1, layout_.row_bytes, row_.data(), &st);
    psrfits_write::check_fits(st, current_path(), "writing a SUBINT row");
    if (layout_.nbits < 8) std::memset(row_.data(), 0, row_.size());  // packing ORs bits in
    sample_in_row_ = 0;
    ++rows_in_file_;
    ++rows_total_;
    // The end of the rows written: CFITSIO has passed all but its last partial buffer to the
    // kernel, and writeback of a page still to be completed is merely repeated later.
    LONGLONG header_start = 0, data_start = 0, data_end = 0;
    fits_get_hduaddrll(fits_, &header_start, &data_start, &data_end, &st);
    const auto row_len = static_cast<LONGLONG>(data_offset_ + layout_.row_bytes);
    if (st == 0) writeback_.advance(data_start + static_cast<LONGLONG>(rows_in_file_) * row_len);
  }

  std::string prefix_;
  ObservationInfo header_;
  PsrfitsWriteOptions options_;
  SubintLayout layout_;
  std::vector<uint8_t> row_;    // the packed row being filled, zero beyond the samples so far
  std::vector<float> offs_;     // DAT_OFFS of every row (0)
  std::vector<float> scale_;    // DAT_SCL of every row (1)
  std::vector<AtomicFile> files_;  // every file of the scan, unpublished until finish()
  fitsfile* fits_ = nullptr;       // the open (last) file
  Writeback writeback_;             // of the open file
  int64_t data_offset_ = 0;        // byte offset of the DATA cell in a row
  int sample_in_row_ = 0;
  uint64_t rows_in_file_ = 0;
  uint64_t rows_total_ = 0;
  uint64_t valid_samples_ = 0;
  bool finished_ = false;
  bool broken_ = false;
};

}  // namespace

std::unique_ptr<SearchWriter> make_psrfits_writer(const std::string& scan_prefix,
                                                  const ObservationInfo& header,
                                                  const PsrfitsWriteOptions& options) {
  return std::make_unique<PsrfitsWriter>(scan_prefix, header, options);
}

}  // namespace tianyan
