// What the fold-mode reader derives for archives written by other software
// (psrfits_fold_foreign.hpp).
#include "io/psrfits/psrfits_fold_foreign.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "io/angles.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::psrfits_fold {
namespace {


long long num_rows(const fits::Handle& h, const char* table) {
  long long n = 0;
  int st = 0;
  fits_get_num_rowsll(h.get(), &n, &st);
  fits::check(st, h.name(), fmt::format("counting {} rows", table));
  return n;
}

double cell(const fits::Handle& h, const char* table, const char* name, long long row) {
  const int col = fits::find_column(h, name);
  if (col == 0) throw bad_input(h.name(), "{} table has no {} column", table, name);
  double v = 0;
  int st = 0, anynul = 0;
  fits_read_col(h.get(), TDOUBLE, col, row, 1, 1, nullptr, &v, &anynul, &st);
  fits::check(st, h.name(), fmt::format("reading {} of {} row {}", name, table, row));
  return v;
}

// Frequency and derivative at mjd from the POLYCO block nearest to it (TEMPO convention:
// phase = REF_PHS + 60 dt REF_F0 + sum COEFF[i] dt^i, dt in minutes from REF_MJD).
std::optional<FoldModel> polyco_model(const fits::Handle& h, double mjd, double ref_s) {
  if (!move_to_table(h, "POLYCO")) return std::nullopt;
  const long long nrows = num_rows(h, "POLYCO");
  if (nrows == 0) return std::nullopt;
  const auto nblk = static_cast<long long>(cell(h, "POLYCO", "NPBLK", nrows));
  long long best = nrows;
  double best_dist = std::numeric_limits<double>::infinity();
  for (long long r = std::max(1LL, nrows - nblk + 1); r <= nrows; ++r) {
    const double dist = std::abs(cell(h, "POLYCO", "REF_MJD", r) - mjd);
    if (dist < best_dist) {
      best_dist = dist;
      best = r;
    }
  }
  const auto ncoef = static_cast<int>(cell(h, "POLYCO", "NCOEF", best));
  if (ncoef < 0 || ncoef > 64) throw bad_input(h.name(), "POLYCO NCOEF {} out of range", ncoef);
  std::vector<double> coeff(static_cast<size_t>(ncoef), 0.0);
  const int col = fits::find_column(h, "COEFF");
  if (col == 0) throw bad_input(h.name(), "POLYCO table has no COEFF column");
  int st = 0, anynul = 0;
  if (ncoef > 0)
    fits_read_col(h.get(), TDOUBLE, col, best, 1, ncoef, nullptr, coeff.data(), &anynul, &st);
  fits::check(st, h.name(), "reading the POLYCO coefficients");
  const double dt = (mjd - cell(h, "POLYCO", "REF_MJD", best)) * 1440.0;
  double dphi = 0, d2phi = 0;  // d(phase)/d(dt), d2(phase)/d(dt)^2, per minute
  for (int i = ncoef - 1; i >= 1; --i) dphi = dphi * dt + i * coeff[static_cast<size_t>(i)];
  for (int i = ncoef - 1; i >= 2; --i)
    d2phi = d2phi * dt + i * (i - 1) * coeff[static_cast<size_t>(i)];
  FoldModel m;
  m.freq_hz = cell(h, "POLYCO", "REF_F0", best) + dphi / 60.0;
  m.fdot_hz_s = d2phi / 3600.0;
  m.ref_s = ref_s;
  if (!(m.freq_hz > 0)) throw bad_input(h.name(), "POLYCO predicts frequency {} Hz", m.freq_hz);
  return m;
}

// Least-squares straight line through (OFFS_SUB, 1/PERIOD), evaluated at ref_s.
FoldModel period_model(const fits::Handle& h, const SubintTable& t, double ref_s) {
  if (t.period.empty()) {
    throw bad_input(h.name(), "no folding period: neither a POLYCO table nor a PERIOD column");
  }
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t s = 0; s < t.nsub; ++s) {
    if (!(t.period[s] > 0))
      throw bad_input(h.name(), "PERIOD {} in SUBINT row {}", t.period[s], s + 1);
    const double x = t.offs[s] - ref_s, y = 1.0 / t.period[s];
    sw += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double det = sw * sxx - sx * sx;
  FoldModel m;
  m.fdot_hz_s = det > 0 ? (sw * sxy - sx * sy) / det : 0.0;
  m.freq_hz = (sy - m.fdot_hz_s * sx) / sw;
  m.ref_s = ref_s;
  return m;
}

}  // namespace

FoldModel foreign_model(const fits::Handle& h, const SubintTable& t, double start_mjd,
                        double ref_s) {
  if (auto m = polyco_model(h, start_mjd + ref_s / kSecondsPerDay, ref_s)) return *m;
  return period_model(h, t, ref_s);
}

bool history_dedispersed(const fits::Handle& h) {
  if (!move_to_table(h, "HISTORY")) return false;
  const long long n = num_rows(h, "HISTORY");
  if (n == 0 || fits::find_column(h, "DEDISP") == 0) return false;
  return cell(h, "HISTORY", "DEDISP", n) == 1.0;
}

FoldMeta primary_meta(const fits::Handle& h, double start_mjd) {
  FoldMeta m;
  m.source = fits::key_string(h, "SRC_NAME").value_or("");
  m.telescope = fits::key_string(h, "TELESCOP").value_or("");
  m.scan = fits::key_string(h, "PNT_ID").value_or("");
  const std::string beam = fits::key_string(h, "IBEAM").value_or("");
  m.beam = std::atoi(beam.c_str());
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const auto ra = parse_sexagesimal(fits::key_string(h, "RA").value_or(""));
  const auto dec = parse_sexagesimal(fits::key_string(h, "DEC").value_or(""));
  m.ra_deg = ra ? *ra * 15.0 : nan;
  m.dec_deg = dec ? *dec : nan;
  m.start_mjd = start_mjd;
  const double obsbw = std::abs(fits::key_double(h, "OBSBW").value_or(0.0));
  const double obsnchan = fits::key_double(h, "OBSNCHAN").value_or(0.0);
  if (obsnchan >= 1) {
    m.nchan = static_cast<size_t>(obsnchan);
    m.chan_bw_mhz = obsbw / obsnchan;
  }
  return m;
}

double robust_variance(const float* x, size_t n) {
  if (n < 2) return 0.0;
  std::vector<float> v(x, x + n);
  auto median = [](std::vector<float>& a) {
    const size_t mid = a.size() / 2;
    std::nth_element(a.begin(), a.begin() + long(mid), a.end());
    double m = a[mid];
    if (a.size() % 2 == 0) m = 0.5 * (m + *std::max_element(a.begin(), a.begin() + long(mid)));
    return m;
  };
  const double med = median(v);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(std::abs(double(x[i]) - med));
  const double sigma = 1.4826 * median(v);
  // The MAD alone is pulled up by the pulse's bins (4 bright bins of 64 inflate the variance
  // by ~15%); a 3-sigma clip removes them, and dividing by the variance of a normal truncated
  // at +-3 sigma (0.97334) restores the noise variance.
  const double clip = sigma > 0 ? 3.0 * sigma : std::numeric_limits<double>::infinity();
  double sum = 0, sum2 = 0;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = double(x[i]) - med;
    if (std::abs(d) > clip) continue;
    sum += d;
    sum2 += d * d;
    ++kept;
  }
  if (kept < 2) return sigma * sigma;
  const double mean = sum / double(kept);
  const double var = (sum2 - double(kept) * mean * mean) / double(kept - 1);
  return sigma > 0 ? var / 0.97334 : var;
}

}  // namespace tianyan::psrfits_fold
