#include "io/sigproc/sigproc_header.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <variant>

#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

// Values are copied with memcpy in host order; SIGPROC files are little-endian.
static_assert(std::endian::native == std::endian::little,
              "SIGPROC I/O assumes a little-endian host");

namespace {

using Int32Field = std::optional<int32_t> SigprocHeader::*;
using DoubleField = std::optional<double> SigprocHeader::*;
using StringField = std::optional<std::string> SigprocHeader::*;
using Int64Field = std::optional<int64_t> SigprocHeader::*;
using ByteField = std::optional<uint8_t> SigprocHeader::*;
using Field = std::variant<Int32Field, DoubleField, StringField, Int64Field, ByteField>;

struct KeySpec {
  std::string_view name;
  Field field;
};

// The whole key table, in the order SIGPROC's own writers use (serialisation follows it).
const std::array<KeySpec, 27> kKeys = {{
    {"rawdatafile", &SigprocHeader::rawdatafile},
    {"source_name", &SigprocHeader::source_name},
    {"machine_id", &SigprocHeader::machine_id},
    {"telescope_id", &SigprocHeader::telescope_id},
    {"src_raj", &SigprocHeader::src_raj},
    {"src_dej", &SigprocHeader::src_dej},
    {"az_start", &SigprocHeader::az_start},
    {"za_start", &SigprocHeader::za_start},
    {"data_type", &SigprocHeader::data_type},
    {"fch1", &SigprocHeader::fch1},
    {"foff", &SigprocHeader::foff},
    {"nchans", &SigprocHeader::nchans},
    {"nbeams", &SigprocHeader::nbeams},
    {"ibeam", &SigprocHeader::ibeam},
    {"nbits", &SigprocHeader::nbits},
    {"tstart", &SigprocHeader::tstart},
    {"tsamp", &SigprocHeader::tsamp},
    {"nifs", &SigprocHeader::nifs},
    {"barycentric", &SigprocHeader::barycentric},
    {"pulsarcentric", &SigprocHeader::pulsarcentric},
    {"nsamples", &SigprocHeader::nsamples},
    {"nbins", &SigprocHeader::nbins},
    {"refdm", &SigprocHeader::refdm},
    {"period", &SigprocHeader::period},
    {"npuls", &SigprocHeader::npuls},
    {"signed", &SigprocHeader::is_signed},
    {"fchannel", static_cast<DoubleField>(nullptr)},  // repeated: goes into fchannels
}};

const KeySpec* find_key(std::string_view key) {
  for (const auto& k : kKeys) {
    if (k.name == key) return &k;
  }
  return nullptr;
}

// Keys are short identifiers; a longer "key" means the bytes are not a header at all.
constexpr int32_t kMaxKeyLength = 64;
// String values are names and paths.
constexpr int32_t kMaxValueLength = 4096;

struct Truncated {};  // the buffer ended inside the header

// Bounds-checked reads from the header buffer.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& name)
      : data_(data), size_(size), name_(name) {}

  size_t pos() const { return pos_; }

  template <typename T>
  T number() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  void skip(size_t n) {
    need(n);
    pos_ += n;
  }

  std::string string(int32_t max_length, const char* what,
                     const char* hint = "corrupt header?") {
    const size_t at = pos_;
    const int32_t len = number<int32_t>();
    if (len < 0 || len > max_length) {
      throw bad_input(name_, "{} length {} at byte {} is out of range 0..{} ({})", what, len, at,
                      max_length, hint);
    }
    need(static_cast<size_t>(len));
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return s;
  }

 private:
  void need(size_t n) const {
    if (n > size_ - pos_) throw Truncated{};
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
};

// Keys in error messages: non-printable bytes escaped, so a binary key stays one line.
std::string printable(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

void read_value(Cursor& cur, SigprocHeader& h, const Field& field) {
  std::visit(
      [&](auto member) {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, Int32Field>) {
          h.*member = cur.number<int32_t>();
        } else if constexpr (std::is_same_v<M, DoubleField>) {
          const double v = cur.number<double>();
          if (member == nullptr) {
            h.fchannels.push_back(v);
          } else {
            h.*member = v;
          }
        } else if constexpr (std::is_same_v<M, StringField>) {
          h.*member = cur.string(kMaxValueLength, "string value");
        } else if constexpr (std::is_same_v<M, Int64Field>) {
          h.*member = cur.number<int64_t>();
        } else {
          h.*member = cur.number<uint8_t>();
        }
      },
      field);
}

SigprocHeader parse_or_truncated(const uint8_t* data, size_t size, const std::string& name) {
  Cursor cur(data, size, name);
  constexpr std::string_view kStart = "HEADER_START";
  if (size < 4 + kStart.size() || cur.number<int32_t>() != static_cast<int32_t>(kStart.size()) ||
      std::memcmp(data + 4, kStart.data(), kStart.size()) != 0) {
    throw bad_input(name, "not a SIGPROC file (does not start with HEADER_START)");
  }
  cur.skip(kStart.size());
  SigprocHeader h;
  std::set<std::string> seen;
  bool in_table = false;
  for (;;) {
    const size_t at = cur.pos();
    // Where a header lacks HEADER_END, its data are read as keys: say so.
    constexpr const char* kNoEnd = "corrupt header, or no HEADER_END before the data?";
    const std::string key = cur.string(kMaxKeyLength, "header key", kNoEnd);
    if (key == "HEADER_END") break;
    if (key.empty()) throw bad_input(name, "empty header key at byte {} ({})", at, kNoEnd);
    if (key == "FREQUENCY_START" || key == "FREQUENCY_END") {
      in_table = key == "FREQUENCY_START";
      continue;
    }
    const KeySpec* spec = find_key(key);
    if (spec == nullptr) {
      throw bad_input(name,
                      "unknown header key '{}' at byte {} (SIGPROC keys have fixed types, so an "
                      "unknown one cannot be skipped)",
                      printable(key), at);
    }
    if (key == "fchannel" && !in_table) {
      throw bad_input(name, "fchannel at byte {} outside FREQUENCY_START/FREQUENCY_END", at);
    }
    // A key given twice leaves no way to tell which value is true (SIGPROC's own reader
    // silently keeps the last): refuse, as for any other corrupt header.
    if (key != "fchannel" && !seen.insert(key).second) {
      throw bad_input(name, "header key '{}' appears twice (again at byte {})", key, at);
    }
    read_value(cur, h, spec->field);
  }
  h.header_bytes = cur.pos();
  return h;
}

template <typename T>
void append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void append_string(std::string& out, std::string_view s) {
  append(out, static_cast<int32_t>(s.size()));
  out.append(s);
}

void append_field(std::string& out, const SigprocHeader& h, const KeySpec& k) {
  std::visit(
      [&](auto member) {
        if (member == nullptr) return;  // fchannel: written with the table
        const auto& opt = h.*member;
        if (!opt) return;
        append_string(out, k.name);
        using V = std::decay_t<decltype(*opt)>;
        if constexpr (std::is_same_v<V, std::string>) {
          append_string(out, *opt);
        } else {
          append(out, *opt);
        }
      },
      k.field);
}

// Splits a packed sexagesimal magnitude xxmmss.s into (units, minutes, seconds).
void unpack_sexagesimal(double packed, double& units, double& minutes, double& seconds) {
  units = std::floor(packed / 10000.0);
  minutes = std::floor((packed - units * 10000.0) / 100.0);
  seconds = packed - units * 10000.0 - minutes * 100.0;
}

double pack_sexagesimal(double value) {
  double units = std::floor(value);
  double minutes = std::floor((value - units) * 60.0);
  double seconds = ((value - units) * 60.0 - minutes) * 60.0;
  // Rounding can leave 60 s or 60 min; carry so the packed form stays well formed.
  if (seconds >= 60.0) {
    seconds -= 60.0;
    minutes += 1.0;
  }
  if (minutes >= 60.0) {
    minutes -= 60.0;
    units += 1.0;
  }
  return units * 10000.0 + minutes * 100.0 + std::max(seconds, 0.0);
}

struct TelescopeName {
  int id;
  std::string_view name;
};

// SIGPROC's aliases.c table (the ids other tools agree on).
constexpr std::array<TelescopeName, 17> kTelescopes = {{
    {0, "fake"},
    {1, "Arecibo"},
    {2, "Ooty"},
    {3, "Nancay"},
    {4, "Parkes"},
    {5, "Jodrell"},
    {6, "GBT"},
    {7, "GMRT"},
    {8, "Effelsberg"},
    {9, "ATA"},
    {10, "SRT"},
    {11, "LOFAR"},
    {12, "VLA"},
    {20, "CHIME"},
    {kSigprocTelescopeFast, "FAST"},
    {64, "MeerKAT"},
    {65, "KAT-7"},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<SigprocType> sigproc_key_type(std::string_view key) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) return std::nullopt;
  return static_cast<SigprocType>(spec->field.index());
}

SigprocHeader parse_sigproc_header(const uint8_t* data, size_t size, const std::string& name) {
  try {
    return parse_or_truncated(data, size, name);
  } catch (const Truncated&) {
    throw bad_input(name, "truncated header: {} bytes end before HEADER_END", size);
  }
}

SigprocHeader read_sigproc_header(const RawInputFile& file) {
  // Headers are small; start with 64 KiB and double only for huge channel tables.
  size_t want = 64 * 1024;
  std::vector<uint8_t> buf;
  for (;;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(want, file.size()));
    buf.resize(n);
    const size_t got = file.read_some(0, n, buf.data());
    try {
      return parse_or_truncated(buf.data(), got, file.path());
    } catch (const Truncated&) {
      if (got < n || n == file.size()) {
        throw bad_input(file.path(), "truncated header: the file's {} bytes end before HEADER_END",
                        got);
      }
    }
    want *= 2;
  }
}

SigprocHeader read_sigproc_header(const std::string& path) {
  return read_sigproc_header(RawInputFile(path));
}

std::string serialise_sigproc_header(const SigprocHeader& header) {
  std::string out;
  append_string(out, "HEADER_START");
  for (const auto& k : kKeys) append_field(out, header, k);
  if (!header.fchannels.empty()) {
    append_string(out, "FREQUENCY_START");
    for (const double f : header.fchannels) {
      append_string(out, "fchannel");
      append(out, f);
    }
    append_string(out, "FREQUENCY_END");
  }
  append_string(out, "HEADER_END");
  return out;
}

double sigproc_ra_to_deg(double packed) {
  double h, m, s;
  unpack_sexagesimal(packed, h, m, s);
  return 15.0 * (h + m / 60.0 + s / 3600.0);
}

double sigproc_dec_to_deg(double packed) {
  double d, m, s;
  unpack_sexagesimal(std::abs(packed), d, m, s);
  return std::copysign(d + m / 60.0 + s / 3600.0, packed);
}

double deg_to_sigproc_ra(double deg) { return pack_sexagesimal(deg / 15.0); }

double deg_to_sigproc_dec(double deg) {
  return std::copysign(pack_sexagesimal(std::abs(deg)), deg);
}

std::string sigproc_telescope_name(int id) {
  for (const auto& t : kTelescopes) {
    if (t.id == id) return std::string(t.name);
  }
  return fmt::format("id {}", id);
}

int sigproc_telescope_id(std::string_view name) {
  for (const auto& t : kTelescopes) {
    if (iequals(t.name, name)) return t.id;
  }
  int id = -1;
  if (name.size() > 3 && iequals(name.substr(0, 3), "id ") &&
      std::sscanf(std::string(name.substr(3)).c_str(), "%d", &id) == 1 && id >= 0) {
    return id;
  }
  return -1;
}

RawInputFile::RawInputFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw bad_input(path_, "cannot open: {}", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int err = errno;
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd_);
    fd_ = -1;
    if (dir) throw bad_input(path_, "is a directory, not a file");
    throw bad_input(path_, "cannot stat: {}", std::strerror(err));
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

RawInputFile::~RawInputFile() {
  if (fd_ >= 0) ::close(fd_);
}

RawInputFile::RawInputFile(RawInputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

size_t RawInputFile::read_some(uint64_t offset, size_t n, void* dst) const {
  auto* p = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      throw bad_input(path_, "read failed at byte {}: {}", offset + done, std::strerror(errno));
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

void RawInputFile::read_exact(uint64_t offset, size_t n, void* dst) const {
  const size_t got = read_some(offset, n, dst);
  if (got != n) {
    throw bad_input(path_,
                    "file ends early: wanted {} bytes at byte {}, got {} (truncated while "
                    "reading?)",
                    n, offset, got);
  }
}

}  // namespace tianyan
