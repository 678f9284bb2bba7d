#pragma once
// One PSRFITS search-mode file: its validated header and raw row access. Internal to io/psrfits
// (the stream reader and the tests use it); everything else goes through open_psrfits().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/psrfits/fits_check.hpp"

namespace tianyan::psrfits {

struct Header {
  std::string path;
  // Primary HDU.
  std::string telescope, source, ra, dec;
  int ibeam = 0;
  double stt_imjd = 0, stt_smjd = 0, stt_offs = 0;
  double chan_dm = 0;
  // SUBINT HDU.
  int64_t nrows = 0;
  int64_t nsblk = 0;
  int nbits = 0;  // 1, 2, 4, 8, 16 (integer) or 32 (float)
  int npol = 0;
  int nchan = 0;
  std::string pol_type;
  double tbin = 0;  // s, after the TSUBINT/NSBLK sanity check
  double zero_off = 0;
  bool is_signed = false;
  int64_t nsuboffs = 0;
  std::optional<int64_t> nstot;
  int64_t row_bytes = 0;               // DATA bytes per row, NSBLK*NPOL*NCHAN*NBITS/8
  int64_t data_offset = 0;             // byte offset of DATA inside a row
  int scale_npol = 1;                  // pols held in DAT_SCL/DAT_OFFS (1: broadcast over pols)
  std::vector<double> freqs;           // MHz, file order, from the first row's DAT_FREQ
  std::vector<float> weights0;         // file order, the first row's DAT_WTS
  double tsubint0 = 0, offs_sub0 = 0;  // first row; NaN when the table is empty
  bool compressed = false;             // tile-compressed table (ZTABLE = T), decoded into memory

  int64_t nsamples_stored() const { return nrows * nsblk; }
  int64_t nsamples_valid() const;
  bool descending() const { return freqs.size() > 1 && freqs.front() > freqs.back(); }
};

class File {
 public:
  // Opens and validates a search-mode file; throws BadInput naming it on any problem.
  explicit File(const std::string& path);
  const Header& header() const { return h_; }

  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // Opens what release() closed; read_data() needs this first when called from several threads.
  void open_data();
  // `nbytes` raw DATA bytes of `row` (0-based) from byte `offset` within the row's DATA.
  // An uncompressed table is read with pread(2) straight from the file, bypassing CFITSIO's
  // buffers, and is then safe to call from several threads at once; a compressed one is read
  // from its decoded copy through CFITSIO (one thread). Never mmap: a file truncated while it
  // is read must give BadInput, not SIGBUS.
  void read_data(int64_t row, int64_t offset, int64_t nbytes, uint8_t* dst);
  // All DATA bytes of `row`, header().row_bytes of them.
  void read_data(int64_t row, uint8_t* dst) { read_data(row, 0, h_.row_bytes, dst); }
  // DAT_SCL and DAT_OFFS (nchan * scale_npol each) and DAT_WTS (nchan) of `row`, file order.
  // Throws BadInput when a scale is not finite.
  void read_scales(int64_t row, float* scl, float* offs, float* wts);
  // Frees the in-memory copy of a compressed table and closes the raw descriptor; both are
  // opened again when next needed.
  void release();

 private:
  void open_table();
  void read_primary();
  void read_subint_keys();
  void locate_columns();
  void read_first_row();
  void check_tbin();
  void pread_exact(int64_t pos, int64_t nbytes, uint8_t* dst, int64_t row) const;

  Header h_;
  fits::Handle f_;
  int col_tsubint_ = 0, col_offs_sub_ = 0, col_freq_ = 0, col_wts_ = 0, col_offs_ = 0, col_scl_ = 0,
      col_data_ = 0;
  int64_t table_start_ = 0;  // file offset of the SUBINT table's first row
  int64_t row_stride_ = 0;   // NAXIS1: bytes per table row, all columns
  int fd_ = -1;              // raw descriptor for pread, uncompressed tables only
};

}  // namespace tianyan::psrfits
