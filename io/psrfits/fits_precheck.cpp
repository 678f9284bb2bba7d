#include "io/psrfits/fits_precheck.hpp"

#include <bitset>
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

// Whether the card has a value: '=' in column 9. The standard's indicator is "= ", but
// CFITSIO also reads "=X..." as a value starting in column 10, so the checks below must too
// (a 71-character unquoted TTYPEn written that way overflowed it; see precheck_headers).
bool has_value(std::string_view card) { return card[8] == '='; }

// The value of a card as CFITSIO reads a non-string one (ffpsvc): from the first non-blank
// after column 9 up to a blank or a '/'. So "NAXIS   =      0 - axes" has the value 0, and an
// unquoted TTYPEn is as long as its first word.
std::string_view unquoted_value(std::string_view card) {
  std::string_view v = card.substr(9);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  const size_t stop = v.find_first_of(" /");
  if (stop != std::string_view::npos) v = v.substr(0, stop);
  return v;
}

// The longest reading of an unquoted value: up to a '/' or the end, blanks trimmed. The
// TTYPEn check takes this one, so that it errs towards refusing.
std::string_view value_to_slash(std::string_view card) {
  std::string_view v = card.substr(9);
  const size_t slash = v.find('/');
  if (slash != std::string_view::npos) v = v.substr(0, slash);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

bool indexed(std::string_view key, std::string_view root) {
  if (key.substr(0, root.size()) != root) return false;
  std::string_view digits = key.substr(root.size());
  while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// An integer keyword's value, or -1 when it is not a plain non-negative integer.
int64_t integer_value(std::string_view card) {
  const std::string v(unquoted_value(card));
  if (v.empty()) return -1;
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && x >= 0 ? x : -1;
}

// Only the first BITPIX, NAXIS, NAXISn, PCOUNT and GCOUNT of a header count: CFITSIO reads
// the mandatory keywords in their places at the top and ignores a later card of the same
// name (a TELESCOP card renamed BITPIX once stopped this walk while CFITSIO went on to an
// overflowing TTYPEn in the next HDU).
struct HduShape {
  int64_t bitpix = 0, naxis = -1, pcount = 0, gcount = 1;
  int64_t axes[1000] = {};
  std::bitset<1004> seen;  // 0-999 NAXISn, then BITPIX, NAXIS, PCOUNT, GCOUNT
  bool ok = true;
  bool first(size_t key) {
    if (seen.test(key)) return false;
    seen.set(key);
    return true;
  }
};
constexpr size_t kSeenBitpix = 1000, kSeenNaxis = 1001, kSeenPcount = 1002, kSeenGcount = 1003;

// Bytes of the data unit after a header (0 when the shape could not be read).
int64_t data_bytes(const HduShape& s) {
  if (!s.ok || s.naxis < 0 || s.naxis > 999 || s.bitpix == 0) return -1;
  int64_t n = s.naxis == 0 ? 0 : 1;
  for (int64_t i = 0; i < s.naxis; ++i) {
    if (s.axes[i] < 0 || (s.axes[i] > 0 && n > (int64_t{1} << 50) / s.axes[i])) return -1;
    n *= s.axes[i];
  }
  const int64_t bytes = (std::abs(s.bitpix) / 8) * s.gcount * (s.pcount + n);
  return (bytes + kBlock - 1) / kBlock * kBlock;
}

void note_shape(std::string_view key, std::string_view card, HduShape& s) {
  if (!has_value(card)) return;
  if (key == "BITPIX  ") {
    if (!s.first(kSeenBitpix)) return;
    const std::string v(unquoted_value(card));
    s.bitpix = std::strtol(v.c_str(), nullptr, 10);
  } else if (key == "NAXIS   ") {
    if (s.first(kSeenNaxis)) s.naxis = integer_value(card);
  } else if (key == "PCOUNT  ") {
    if (s.first(kSeenPcount)) s.pcount = integer_value(card);
  } else if (key == "GCOUNT  ") {
    if (s.first(kSeenGcount)) s.gcount = integer_value(card);
  } else if (indexed(key, "NAXIS")) {
    const long i = std::strtol(std::string(key.substr(5)).c_str(), nullptr, 10);
    if (i >= 1 && i <= 999 && s.first(static_cast<size_t>(i - 1))) {
      s.axes[i - 1] = integer_value(card);
    }
  } else {
    return;
  }
  if (s.pcount < 0 || s.gcount < 0 || s.naxis < -1) s.ok = false;
}

}  // namespace

void precheck_headers(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;  // the caller reports it
  char block[kBlock];
  int64_t pos = 0;
  for (int hdu = 1; hdu <= kMaxHdus; ++hdu) {
    HduShape shape;
    bool end = false;
    while (!end) {
      in.seekg(pos);
      if (!in.read(block, kBlock)) return;  // truncated: CFITSIO says so
      pos += kBlock;
      for (int c = 0; c < kBlock / kCard && !end; ++c) {
        const std::string_view card(block + c * kCard, kCard);
        const std::string_view key = card.substr(0, 8);
        if (key == "END     ") {
          end = true;
          continue;
        }
        note_shape(key, card, shape);
        if (indexed(key, "TTYPE") && has_value(card)) {
          const std::string_view v = value_to_slash(card);
          if (!v.empty() && v.front() != '\'' && v.size() >= 69) {
            throw bad_input(path,
                            "HDU {}: {} has an unquoted value of {} characters (a column name "
                            "must be a quoted string of at most 68)",
                            hdu, std::string(key.substr(0, key.find(' '))), v.size());
          }
        }
      }
    }
    const int64_t skip = data_bytes(shape);
    if (skip < 0) return;
    pos += skip;
  }
}

}  // namespace tianyan::fits
