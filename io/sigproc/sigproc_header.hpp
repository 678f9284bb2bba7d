#pragma once
// SIGPROC header: parsing and serialisation (FORMATS.md, "SIGPROC filterbank").
//
// A header is HEADER_START, key/value pairs, HEADER_END. Every string (keys and markers
// included) is an int32 length followed by that many bytes; numbers are little-endian. The
// value's type is fixed by the key, so an unknown key cannot be skipped: it is an error.
// The parser works on a byte buffer with bounds checks on every read, so that any input,
// however malformed, ends in a BadInput naming the file and never in a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tianyan {

// Every key SIGPROC defines. A member is empty when its key was absent from the header.
struct SigprocHeader {
  // int32 keys
  std::optional<int32_t> telescope_id, machine_id, data_type, barycentric, pulsarcentric, nbits,
      nsamples, nchans, nifs, nbeams, ibeam, nbins;
  // double keys. src_raj / src_dej are packed sexagesimal: hhmmss.s and (-)ddmmss.s.
  std::optional<double> az_start, za_start, src_raj, src_dej, tstart, tsamp, fch1, foff, refdm,
      period;
  // string keys
  std::optional<std::string> rawdatafile, source_name;
  // int64 key
  std::optional<int64_t> npuls;
  // one-byte key `signed`: non-zero means 8-bit samples are signed
  std::optional<uint8_t> is_signed;
  // Explicit channel table (FREQUENCY_START, fchannel..., FREQUENCY_END), file order; empty
  // when absent.
  std::vector<double> fchannels;

  // Bytes from the start of the file to the first data byte (set by the parser).
  size_t header_bytes = 0;
};

enum class SigprocType { Int32, Double, String, Int64, Byte };

// The type of a header key's value, or nothing for a key SIGPROC does not define (the markers
// HEADER_START/END and FREQUENCY_START/END, which carry no value, also give nothing; fchannel
// is Double).
std::optional<SigprocType> sigproc_key_type(std::string_view key);

// Parses the header at the start of data[0, size). `name` (the file) goes into every error.
// Throws BadInput for: no HEADER_START ("not a SIGPROC file"), a buffer that ends before
// HEADER_END ("truncated header"), a string length that is negative or absurd, an unknown key,
// a key given twice (fchannel excepted: it repeats in the channel table).
// It checks structure only; whether the values make sense is the reader's business.
SigprocHeader parse_sigproc_header(const uint8_t* data, size_t size, const std::string& name);

// Opens `path` and parses its header (reading only as much of the file as the header needs).
// Throws BadInput for a missing, unreadable or directory path and for every parse error.
SigprocHeader read_sigproc_header(const std::string& path);

// The header bytes for `header`: every present key, in SIGPROC's usual order, then the
// channel table when fchannels is not empty. parse_sigproc_header() reads it back unchanged.
std::string serialise_sigproc_header(const SigprocHeader& header);

// Packed sexagesimal <-> degrees. RA: hhmmss.s (hours), Dec: (-)ddmmss.s.
double sigproc_ra_to_deg(double packed);
double sigproc_dec_to_deg(double packed);
double deg_to_sigproc_ra(double deg);
double deg_to_sigproc_dec(double deg);

// SIGPROC telescope_id -> name ("FAST" for 21, "id N" for an id not in the table), and back
// (case-insensitive; "id N" gives N; -1 for a name not in the table).
std::string sigproc_telescope_name(int id);
int sigproc_telescope_id(std::string_view name);

// A file opened for reading with pread. Never mmap: a file truncated while it is being read
// must give an error, not a SIGBUS. Throws BadInput naming the path when it cannot be opened,
// is a directory, or is shorter than a read asks for.
class RawInputFile {
 public:
  explicit RawInputFile(std::string path);
  ~RawInputFile();
  RawInputFile(RawInputFile&& other) noexcept;
  RawInputFile& operator=(RawInputFile&&) = delete;
  RawInputFile(const RawInputFile&) = delete;
  RawInputFile& operator=(const RawInputFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }  // at open time
  // Reads exactly n bytes at offset into dst; throws BadInput if the file has fewer.
  void read_exact(uint64_t offset, size_t n, void* dst) const;
  // Reads up to n bytes; returns how many (fewer only at end of file).
  size_t read_some(uint64_t offset, size_t n, void* dst) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The header of an already opened file (as read_sigproc_header does for a path).
SigprocHeader read_sigproc_header(const RawInputFile& file);

}  // namespace tianyan
