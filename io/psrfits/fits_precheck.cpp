#include "io/psrfits/fits_precheck.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "kernels/common/error.hpp"

namespace tianyan::fits {
namespace {

constexpr int64_t kBlock = 2880;
constexpr int kCard = 80;
constexpr int kMaxHdus = 10000;  // far beyond any PSRFITS file; bounds the walk
constexpr size_t kMaxValue = 68;  // characters of a string value that fit in a card

// One header card read the way CFITSIO 4.2 reads it (ffgknm for the name, ffpsvc for the
// value). Three fuzzer findings came from this walk reading a card differently from CFITSIO
// ("=X" in column 9, a '-' where the comment's '/' belongs, a second BITPIX): the walk then
// lost the HDU boundaries while CFITSIO went on to an HDU nobody had checked. Reading cards
// with CFITSIO's own rules, and refusing what the two could still disagree on, closes that
// class instead of the instances.
struct Card {
  std::string_view raw;   // the 80 bytes
  std::string_view text;  // up to the first NUL: CFITSIO handles cards as C strings
  std::string_view name;
  bool has_value = false;
  std::string_view value;  // as ffpsvc returns it: quotes kept, complex with its parentheses
  bool quoted = false;
};

Card read_card(const char* bytes) {
  Card c;
  c.raw = std::string_view(bytes, kCard);
  c.text = c.raw.substr(0, c.raw.find('\0'));
  const std::string_view t = c.text;
  const bool hierarch = t.substr(0, 9) == "HIERARCH ";
  const size_t eq = t.find('=');

  // Name: a HIERARCH name runs from column 10 to the '=', blanks trimmed; any other from
  // column 1 to the first blank or '='.
  if (hierarch) {
    if (eq == std::string_view::npos) {
      c.name = t.substr(0, 8);
    } else {
      std::string_view n = t.substr(9, eq - 9);
      while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
      while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
      c.name = n;
    }
  } else {
    c.name = t.substr(0, t.find_first_of(" ="));
  }

  // Value: after "= " in columns 9-10, or else after the first '=' anywhere.
  size_t at = std::string_view::npos;
  const std::string_view key8 = t.substr(0, 8);
  if (hierarch) {
    if (eq != std::string_view::npos) at = eq + 1;
  } else if (t.size() < 9 || key8 == "COMMENT " || key8 == "HISTORY " || key8 == "END     " ||
             key8 == "CONTINUE" || key8 == "        ") {
    return c;
  } else if (t.substr(8, 2) == "= ") {
    at = 10;
  } else if (eq != std::string_view::npos) {
    at = eq + 1;
  }
  if (at == std::string_view::npos) return c;
  while (at < t.size() && t[at] == ' ') ++at;
  if (at >= t.size() || t[at] == '/') return c;
  size_t end = at + 1;
  if (t[at] == '\'') {
    // To the closing quote ('' is a literal quote), or to the end of the card.
    while (end < t.size()) {
      if (t[end] == '\'') {
        if (end + 1 < t.size() && t[end + 1] == '\'') {
          end += 2;
          continue;
        }
        ++end;
        break;
      }
      ++end;
    }
    c.quoted = true;
  } else if (t[at] == '(') {
    const size_t close = t.find(')', at);
    if (close == std::string_view::npos) return c;  // CFITSIO refuses the card
    end = close + 1;
  } else {
    end = t.find_first_of(" /", at);
    if (end == std::string_view::npos) end = t.size();
  }
  c.has_value = true;
  c.value = t.substr(at, end - at);
  return c;
}

// A card's name for a message: printable and short.
std::string shown(std::string_view name) {
  std::string s;
  for (char ch : name.substr(0, 20)) s += (ch >= 32 && ch < 127) ? ch : '?';
  return s.empty() ? "(no name)" : s;
}

// The shape keywords FITS requires at the top of a header, in this order: SIMPLE or
// XTENSION, BITPIX, NAXIS, NAXIS1..n, and in an extension PCOUNT, GCOUNT. CFITSIO reads them
// in those places; reading them anywhere else (a later card of the same name) is how this
// walk and CFITSIO once disagreed on where the next HDU starts.
class Shape {
 public:
  Shape(const std::string& path, int hdu) : path_(path), hdu_(hdu) {}

  // Card `index` (0-based) of the header.
  void note(int index, const Card& c) {
    index_ = index;
    if (index == 0) return;  // SIMPLE or XTENSION: checked by the walk
    if (index == 1) {
      bitpix_ = integer(c, "BITPIX");
      if (bitpix_ != 8 && bitpix_ != 16 && bitpix_ != 32 && bitpix_ != 64 && bitpix_ != -32 &&
          bitpix_ != -64) {
        refuse(c, "BITPIX", "one of 8, 16, 32, 64, -32, -64");
      }
    } else if (index == 2) {
      naxis_ = integer(c, "NAXIS");
      if (naxis_ < 0 || naxis_ > 999) refuse(c, "NAXIS", "from 0 to 999");
    } else if (index - 3 < naxis_) {
      const int64_t n = integer(c, "NAXIS" + std::to_string(index - 2));
      if (n < 0) refuse(c, "NAXIS" + std::to_string(index - 2), "not negative");
      if (n > 0 && elements_ > (int64_t{1} << 50) / n) {
        throw bad_input(path_, "HDU {}: the data unit's size overflows", hdu_);
      }
      elements_ = n == 0 ? 0 : elements_ * n;
      if (index == 3) naxis1_ = n;
    } else if (hdu_ > 1 && index - 3 == naxis_) {
      pcount_ = integer(c, "PCOUNT");
      if (pcount_ < 0 || pcount_ > (int64_t{1} << 50)) refuse(c, "PCOUNT", "not negative");
    } else if (hdu_ > 1 && index - 4 == naxis_) {
      gcount_ = integer(c, "GCOUNT");
      if (gcount_ != 1) refuse(c, "GCOUNT", "1");
    }
  }

  // Bytes from the end of the header to the next HDU; throws if the header ended before
  // its shape keywords.
  int64_t data_bytes(int cards) const {
    const int needed = 3 + static_cast<int>(naxis_ < 0 ? 0 : naxis_) + (hdu_ > 1 ? 2 : 0);
    if (cards < needed) {
      throw bad_input(path_, "HDU {}: the header ends (END) before its {} required keywords", hdu_,
                      needed);
    }
    // A primary header with NAXIS1 = 0 and more axes may be FITS "random groups", sized
    // differently; no pulsar format uses them, so they are refused rather than guessed.
    if (hdu_ == 1 && naxis_ > 1 && naxis1_ == 0) {
      throw bad_input(path_, "HDU 1: NAXIS1 = 0 with NAXIS = {} (random groups) is not supported",
                      naxis_);
    }
    const int64_t n = naxis_ == 0 ? 0 : elements_;
    const int64_t bytes = (std::abs(bitpix_) / 8) * gcount_ * (pcount_ + n);
    return (bytes + kBlock - 1) / kBlock * kBlock;
  }

 private:
  int64_t integer(const Card& c, const std::string& want) const {
    if (c.name != want) {
      throw bad_input(path_, "HDU {}: card {} is {}, where FITS requires {}", hdu_, index_ + 1,
                      shown(c.name), want);
    }
    if (!c.has_value || c.quoted) refuse(c, want, "an integer");
    const std::string v(c.value);
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || errno == ERANGE) refuse(c, want, "an integer");
    return x;
  }
  [[noreturn]] void refuse(const Card& c, const std::string& key, const char* want) const {
    throw bad_input(path_, "HDU {}: {} = {} (it must be {})", hdu_, key, shown(c.value), want);
  }
  const std::string& path_;
  int hdu_;
  int index_ = 0;
  int64_t bitpix_ = 0, naxis_ = -1, naxis1_ = -1, pcount_ = 0, gcount_ = 1, elements_ = 1;
};

// Refuses a value that CFITSIO 4.2 copies into a 71-byte value or 70-byte column-name buffer
// without a bound (ffpsvc, ffgtbp: the strcpy overflow the fuzzers found). No valid card has
// one: a string value holds at most 68 characters, and numbers are far shorter.
void check_value(const std::string& path, int hdu, const Card& c) {
  if (!c.has_value) return;
  const size_t n = c.value.size();
  if (c.quoted ? n > kMaxValue + 2 : n > kMaxValue) {
    throw bad_input(path,
                    "HDU {}: {} has {} value of {} characters (a value must be a quoted string of "
                    "at most {})",
                    hdu, shown(c.name), c.quoted ? "a quoted" : "an unquoted", c.quoted ? n - 2 : n,
                    kMaxValue);
  }
}

}  // namespace

void precheck_headers(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;  // the caller reports it
  char block[kBlock];
  int64_t pos = 0;
  for (int hdu = 1;; ++hdu) {
    in.clear();
    in.seekg(pos);
    if (!in.read(block, kBlock) && in.gcount() == 0) return;  // no further HDU
    if (hdu > kMaxHdus) {
      throw bad_input(path, "more than {} HDUs; not a pulsar data file", kMaxHdus);
    }
    Shape shape(path, hdu);
    int index = 0;
    bool end = false;
    while (!end) {
      // A short last block is still checked, card by whole card: CFITSIO reports the
      // truncation, but only after it has parsed what it read.
      const int64_t got = in.gcount();
      for (int64_t off = 0; off + kCard <= got && !end; off += kCard, ++index) {
        const Card c = read_card(block + off);
        if (index == 0) {
          if (hdu == 1 && c.name != "SIMPLE") {
            throw bad_input(path, "not a FITS file (it does not start with SIMPLE)");
          }
          // CFITSIO takes only a header that starts with XTENSION for a further HDU; what
          // follows the last HDU (padding, junk) is not parsed, so the walk ends there too.
          if (hdu > 1 && c.name != "XTENSION") return;
        }
        const bool end_name = c.name == "END";
        const bool end_card = c.raw.substr(0, 8) == "END     ";
        if (end_name != end_card) {
          throw bad_input(path, "HDU {}: card {} is named END but is not an END card", hdu,
                          index + 1);
        }
        if (end_card) {
          end = true;
          break;
        }
        shape.note(index, c);
        check_value(path, hdu, c);
      }
      pos += kBlock;
      if (end) break;
      if (got < kBlock) return;  // the file ends inside this header: CFITSIO says so
      in.seekg(pos);
      if (!in.read(block, kBlock) && in.gcount() == 0) return;
    }
    pos += shape.data_bytes(index);
  }
}

}  // namespace tianyan::fits
