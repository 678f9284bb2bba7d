#include "io/psrfits/psrfits_fold_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numbers>

#include "io/json_integer.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace tianyan::psrfits_fold {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Geodetic positions to ~0.01 deg (enough for LST and angles to ~1 arcmin); ITRF only where
// checked against PINT's observatories (FAST, GBT, Arecibo).
const Site kSites[] = {
    {"FAST", 'k', 106.85659, 25.65294, true, {-1668557.0, 5506838.0, 2744934.0}},
    {"PARKES", '7', 148.26352, -32.99984, false, {0, 0, 0}},
    {"GBT", '1', -79.83983, 38.43312, true, {882589.289, -4924872.368, 3943729.418}},
    {"ARECIBO", '3', -66.75278, 18.34417, true, {2390490.0, -5564764.0, 1994727.0}},
    {"EFFELSBERG", 'g', 6.88361, 50.52483, false, {0, 0, 0}},
    {"JODRELL", '8', -2.30715, 53.23625, false, {0, 0, 0}},
    {"MEERKAT", 'm', 21.44389, -30.71106, false, {0, 0, 0}},
};

struct Alias {
  const char* alias;
  const char* site;
};
const Alias kAliases[] = {{"PKS", "PARKES"},     {"MURRIYANG", "PARKES"}, {"GB", "GBT"},
                          {"AO", "ARECIBO"},     {"EFF", "EFFELSBERG"},   {"JB", "JODRELL"},
                          {"LOVELL", "JODRELL"}, {"MK", "MEERKAT"}};

double wrap360(double deg) {
  double d = std::fmod(deg, 360.0);
  if (d < 0) d += 360.0;
  return d;
}

}  // namespace

Int16Scale quantise_int16(const float* x, size_t n, int16_t* out) {
  Int16Scale s;
  if (n == 0) return s;
  const auto [lo_it, hi_it] = std::minmax_element(x, x + n);
  const double lo = *lo_it, hi = *hi_it;
  s.offset = static_cast<float>(0.5 * (lo + hi));
  // The scale is set from the float offset actually stored and rounded up, so that no value
  // maps beyond +-(kInt16Span + 0.5): nothing clips and the bound DAT_SCL/2 holds exactly.
  const double half = std::max(hi - double(s.offset), double(s.offset) - lo);
  float scale = static_cast<float>(half / kInt16Span);
  if (double(scale) * kInt16Span < half) scale = std::nextafter(scale, 2.0f * scale + 1.0f);
  if (!(half > 0) || !(scale > std::numeric_limits<float>::min())) scale = 1.0f;
  s.scale = scale;
  for (size_t i = 0; i < n; ++i) {
    double q = std::nearbyint((double(x[i]) - double(s.offset)) / double(s.scale));
    q = std::clamp(q, -32767.0, 32767.0);
    out[i] = static_cast<int16_t>(q);
  }
  return s;
}

const Site* find_site(const std::string& telescope) {
  std::string name = upper(telescope);
  for (const Alias& a : kAliases) {
    if (name == a.alias) name = a.site;
  }
  for (const Site& s : kSites) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

double gmst_deg(double mjd_utc) {
  // Earth rotation angle (IERS 2010) plus the accumulated precession in right ascension; the
  // neglected terms are below 0.1 s of time this century.
  const double du = mjd_utc - 51544.5;
  const double t = du / 36525.0;
  const double era = 360.0 * (0.7790572732640 + 1.00273781191135448 * du);
  const double prec_arcsec = 0.014506 + 4612.156534 * t + 1.3915817 * t * t;
  return wrap360(era + prec_arcsec / 3600.0);
}

Pointing pointing_at(const Site& site, double mjd_utc, double ra_deg, double dec_deg) {
  Pointing p;
  const double lst_deg = wrap360(gmst_deg(mjd_utc) + site.lon_deg);
  p.lst_s = lst_deg / 360.0 * 86400.0;
  const double h = (lst_deg - ra_deg) * kDeg, dec = dec_deg * kDeg, lat = site.lat_deg * kDeg;
  const double sin_alt =
      std::sin(dec) * std::sin(lat) + std::cos(dec) * std::cos(lat) * std::cos(h);
  p.zen_deg = 90.0 - std::asin(std::clamp(sin_alt, -1.0, 1.0)) / kDeg;
  const double az =
      std::atan2(-std::cos(dec) * std::sin(h),
                 std::sin(dec) * std::cos(lat) - std::cos(dec) * std::sin(lat) * std::cos(h));
  p.az_deg = wrap360(az / kDeg);
  p.par_ang_deg =
      std::atan2(std::sin(h), std::tan(lat) * std::cos(dec) - std::sin(dec) * std::cos(h)) / kDeg;
  return p;
}

void galactic_from_j2000(double ra_deg, double dec_deg, double* glon_deg, double* glat_deg) {
  // ICRS -> galactic rotation (Hipparcos catalogue, vol. 1, sec. 1.5.3).
  static constexpr double r[3][3] = {
      {-0.0548755604162154, -0.8734370902348850, -0.4838350155487132},
      {0.4941094278755837, -0.4448296299600112, 0.7469822444972189},
      {-0.8676661490190047, -0.1980763734312015, 0.4559837761750669}};
  const double a = ra_deg * kDeg, d = dec_deg * kDeg;
  const double v[3] = {std::cos(d) * std::cos(a), std::cos(d) * std::sin(a), std::sin(d)};
  double g[3];
  for (int i = 0; i < 3; ++i) g[i] = r[i][0] * v[0] + r[i][1] * v[1] + r[i][2] * v[2];
  *glon_deg = wrap360(std::atan2(g[1], g[0]) / kDeg);
  *glat_deg = std::asin(std::clamp(g[2], -1.0, 1.0)) / kDeg;
}

nlohmann::json json_number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

double json_double(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  return v.get<double>();
}

nlohmann::json meta_json(const FoldMeta& m) {
  return {{"source", m.source},
          {"telescope", m.telescope},
          {"scan", m.scan},
          {"beam", m.beam},
          {"ra_deg", json_number(m.ra_deg)},
          {"dec_deg", json_number(m.dec_deg)},
          {"start_mjd", json_number(m.start_mjd)},
          {"freq_lo_mhz", json_number(m.freq_lo_mhz)},
          {"freq_hi_mhz", json_number(m.freq_hi_mhz)},
          {"chan_bw_mhz", json_number(m.chan_bw_mhz)},
          {"nchan", m.nchan},
          {"files", m.files},
          {"rfi_fraction", json_number(m.rfi_fraction)},
          {"version", m.version},
          {"fold_backend", m.fold_backend},
          {"config_toml", m.config_toml},
          {"rank", m.rank},
          {"search_freq_hz", json_number(m.search_freq_hz)},
          {"search_dm", json_number(m.search_dm)},
          {"search_accel_ms2", json_number(m.search_accel_ms2)},
          {"search_sigma", json_number(m.search_sigma)},
          {"search_snr", json_number(m.search_snr)},
          {"search_nharm", m.search_nharm}};
}

FoldMeta meta_from_json(const nlohmann::json& j) {
  FoldMeta m;
  m.source = j.at("source").get<std::string>();
  m.telescope = j.at("telescope").get<std::string>();
  m.scan = j.at("scan").get<std::string>();
  m.beam = json_integer<int>(j.at("beam"));
  m.ra_deg = json_double(j, "ra_deg");
  m.dec_deg = json_double(j, "dec_deg");
  m.start_mjd = json_double(j, "start_mjd");
  m.freq_lo_mhz = json_double(j, "freq_lo_mhz");
  m.freq_hi_mhz = json_double(j, "freq_hi_mhz");
  m.chan_bw_mhz = json_double(j, "chan_bw_mhz");
  m.nchan = json_integer<size_t>(j.at("nchan"));
  m.files = j.at("files").get<std::vector<std::string>>();
  m.rfi_fraction = json_double(j, "rfi_fraction");
  m.version = j.at("version").get<std::string>();
  // Archives written before the CUDA folding engine do not say (they folded on the CPU).
  m.fold_backend = j.value("fold_backend", std::string());
  m.config_toml = j.at("config_toml").get<std::string>();
  m.rank = json_integer<int>(j.at("rank"));
  m.search_freq_hz = json_double(j, "search_freq_hz");
  m.search_dm = json_double(j, "search_dm");
  m.search_accel_ms2 = json_double(j, "search_accel_ms2");
  m.search_sigma = json_double(j, "search_sigma");
  m.search_snr = json_double(j, "search_snr");
  m.search_nharm = json_integer<int>(j.at("search_nharm"));
  return m;
}

namespace {

nlohmann::json model_json(const FoldModel& m) {
  return {{"freq_hz", json_number(m.freq_hz)},
          {"fdot_hz_s", json_number(m.fdot_hz_s)},
          {"dm", json_number(m.dm)},
          {"ref_s", json_number(m.ref_s)}};
}

FoldModel model_from_json(const nlohmann::json& j) {
  return {json_double(j, "freq_hz"), json_double(j, "fdot_hz_s"), json_double(j, "dm"),
          json_double(j, "ref_s")};
}

}  // namespace

nlohmann::json extension_json(const FoldedCandidate& c) {
  nlohmann::json j = {{"format", kFormat},
                      {"format_version", kFormatVersion},
                      {"written_by", kVersionFull},
                      {"model", model_json(c.cube.model)},
                      {"cube",
                       {{"ref_freq_mhz", json_number(c.cube.ref_freq_mhz)},
                        {"subint_s", json_number(c.cube.subint_s)},
                        {"tsamp_s", json_number(c.cube.tsamp_s)},
                        {"tobs_s", json_number(c.cube.tobs_s)}}},
                      {"meta", meta_json(c.meta)}};
  const FoldOptimum& b = c.best;
  if (b.model.freq_hz > 0) {  // informative only: readers recompute the optimum from the cube
    j["optimum"] = {{"model", model_json(b.model)},
                    {"freq_err_hz", json_number(b.freq_err_hz)},
                    {"fdot_err_hz_s", json_number(b.fdot_err_hz_s)},
                    {"dm_err", json_number(b.dm_err)},
                    {"snr", json_number(b.snr)},
                    {"redchi2", json_number(b.redchi2)},
                    {"width_bins", json_number(b.width_bins)},
                    {"peak_bin", b.peak_bin}};
  }
  return j;
}

void apply_extension_json(const nlohmann::json& j, const std::string& path, FoldedCandidate& c) {
  try {
    if (j.at("format").get<std::string>() != kFormat) {
      throw bad_input(path, "{} extension: format '{}' is not '{}'", kExtName,
                      j.at("format").get<std::string>(), kFormat);
    }
    const int version = json_integer<int>(j.at("format_version"));
    if (version > kFormatVersion) {
      throw bad_input(path, "{} extension: format version {} is newer than this tianyan reads ({})",
                      kExtName, version, kFormatVersion);
    }
    c.cube.model = model_from_json(j.at("model"));
    const nlohmann::json& cube = j.at("cube");
    c.cube.ref_freq_mhz = json_double(cube, "ref_freq_mhz");
    c.cube.subint_s = json_double(cube, "subint_s");
    c.cube.tsamp_s = json_double(cube, "tsamp_s");
    c.cube.tobs_s = json_double(cube, "tobs_s");
    c.meta = meta_from_json(j.at("meta"));
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(path, "{} extension: {}", kExtName, e.what());
  }
}

bool move_to_table(const fits::Handle& h, const char* name) {
  int st = 0;
  fits_movnam_hdu(h.get(), BINARY_TBL, const_cast<char*>(name), 0, &st);
  if (st == BAD_HDU_NUM) {
    fits_clear_errmsg();
    return false;
  }
  fits::check(st, h.name(), fmt::format("looking for the {} table", name));
  return true;
}

}  // namespace tianyan::psrfits_fold
