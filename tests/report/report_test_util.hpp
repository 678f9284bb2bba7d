#pragma once
// Fixtures of the report tests: seeded candidate rows, a tiny valid PNG, and reading the rows
// back out of a page.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/report/report_html.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {

// Names meant to break naive HTML or script embedding; they must come out as plain text.
inline const std::string kEvilScan = "scan<img id=\"inj\" src=x>&\"'";
inline const std::string kEvilScriptScan = "</script><b id=\"inj2\">x</b><!--";
// A plot name that needs percent-encoding to be a working relative URL.
inline const std::string kOddPlotName = "cand 7 #\"odd\" <x>.png";

inline uint32_t crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A 1x1 RGB PNG: the image data is one scanline (filter byte + 3 bytes) in an uncompressed
// ("stored") deflate block inside a zlib stream.
inline std::string tiny_png(unsigned char r, unsigned char g, unsigned char b) {
  const std::string raw = {'\0', static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
  uint32_t a = 1, s = 0;  // Adler-32 of the raw data
  for (unsigned char ch : raw) {
    a = (a + ch) % 65521;
    s = (s + a) % 65521;
  }
  const auto n = static_cast<char>(raw.size());
  std::string zlib = {'\x78', '\x01', '\x01', n, '\0', static_cast<char>(~n), '\xFF'};
  zlib += raw + be32((s << 16) | a);
  const std::string ihdr = be32(1) + be32(1) + std::string{'\x08', '\x02', '\0', '\0', '\0'};
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", zlib) +
         png_chunk("IEND", "");
}

// n candidates with seeded random values. Ranks are a seeded shuffle, so that no column's
// order coincides with the ranking; every third row is not folded. Row 3 carries kEvilScan,
// row 5 kEvilScriptScan, row 7 the plot kOddPlotName. Files listed are written into dir.
inline std::vector<ReportRow> seeded_rows(int n, const std::filesystem::path& dir) {
  std::mt19937 rng(20240611);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int> ranks(n);
  for (int i = 0; i < n; ++i) ranks[i] = i + 1;
  std::shuffle(ranks.begin(), ranks.end(), rng);
  std::vector<ReportRow> rows;
  for (int i = 0; i < n; ++i) {
    ReportRow r;
    r.rank = ranks[i];
    Candidate& c = r.cand;
    c.freq_hz = std::exp(std::log(0.3) + u(rng) * std::log(700.0 / 0.3));  // 0.3 .. 700 Hz
    c.dm = 600.0 * u(rng);
    c.accel_ms2 = 20.0 * (u(rng) - 0.5);
    c.sigma = 5.0 + 15.0 * u(rng);
    c.snr = 6.0 + 20.0 * u(rng);
    c.nharm = 1 << static_cast<int>(5 * u(rng));
    c.dm_hits = 1 + static_cast<int>(30 * u(rng));
    c.beam = 1 + i % 19;
    c.scan = i == 3 ? kEvilScan : i == 5 ? kEvilScriptScan : "Dec+0012_" + std::to_string(i);
    c.file = c.scan + "_0001.fits";
    r.folded = i % 3 != 2;
    if (r.folded) {
      r.fold_snr = 4.0 + 30.0 * u(rng);
      r.redchi2 = 1.0 + 10.0 * u(rng);
      r.fold_period_s = c.period_s() * (1 + 1e-6);
      r.fold_dm = c.dm + 0.1;
      const std::string stem = "cand_" + std::to_string(r.rank);
      r.plot = i == 7 ? kOddPlotName : stem + ".png";
      r.thumbnail = stem + "_thumb.png";
      r.archive = stem + ".ar";
      r.summary = stem + ".json";
      write_bytes(dir / r.plot, tiny_png(200, 0, 0));
      write_bytes(dir / r.thumbnail, tiny_png(0, 200, 0));
      write_bytes(dir / r.archive, "archive");
      write_bytes(dir / r.summary, "{}");
    }
    rows.push_back(r);
  }
  return rows;
}

// The data-rank values of the <tr> elements inside <tbody id="cand-body">, in order.
inline std::vector<int> body_ranks(const std::string& html) {
  std::vector<int> ranks;
  const size_t start = html.find("<tbody id=\"cand-body\">");
  if (start == std::string::npos) return ranks;
  const size_t end = html.find("</tbody>", start);
  const std::string key = "<tr data-rank=\"";
  for (size_t p = html.find(key, start); p != std::string::npos && p < end;
       p = html.find(key, p + 1)) {
    ranks.push_back(std::stoi(html.substr(p + key.size())));
  }
  return ranks;
}

}  // namespace tianyan::test
