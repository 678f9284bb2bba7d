#pragma once
// Internal to the fold-mode archive writer and reader (psrfits_fold_writer.cpp,
// psrfits_fold_reader.cpp): the layout decisions both sides must agree on, the int16
// quantisation, the telescope sites, the sky geometry of the SUBINT pointing columns and the
// JSON of the TIANYAN extension. See docs/io.md, "Fold-mode archives".
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "io/psrfits/fits_check.hpp"
#include "kernels/fold/fold.hpp"

namespace tianyan::psrfits_fold {

inline constexpr const char* kHdrVer = "6.7";            // psrheader.fits of PSRCHIVE we follow
inline constexpr const char* kExtName = "TIANYAN";       // extra BINTABLE, ignored by PSRCHIVE
inline constexpr const char* kBinVarColumn = "TY_BVAR";  // extra SUBINT column [NCHAN] E
inline constexpr const char* kFormat = "tianyan fold archive";
inline constexpr int kFormatVersion = 1;

// DATA is stored as int16 q with value = q * DAT_SCL + DAT_OFFS; |q| <= kInt16Span + 1 never
// clips, so every sample is within DAT_SCL / 2 of its value (plus float rounding).
inline constexpr double kInt16Span = 32766.0;

struct Int16Scale {
  float scale = 1.0f;   // DAT_SCL
  float offset = 0.0f;  // DAT_OFFS
};

// Quantises n finite values into out[n]: offset the mid-range, scale so that the extremes land
// on +-kInt16Span. A constant profile gets scale 1 and all-zero data (PSRCHIVE reads a zero
// scale as 1, so 0 is never written).
Int16Scale quantise_int16(const float* x, size_t n, int16_t* out);

// A telescope this code knows: the TEMPO one-letter code of polycos (NSITE), the geodetic
// position for LST, azimuth, zenith angle and parallactic angle, and the ITRF position where
// checked against PINT's observatory list.
struct Site {
  const char* name;
  char tempo_code;
  double lon_deg;  // east positive
  double lat_deg;
  bool have_itrf;
  double itrf_m[3];
};
// Case-insensitive name or alias ("FAST", "Parkes", "GBT", ...); nullptr when unknown.
const Site* find_site(const std::string& telescope);

// Greenwich mean sidereal time (degrees, [0, 360)) at an MJD in UTC (UT1 - UTC neglected:
// < 1 s of time).
double gmst_deg(double mjd_utc);

struct Pointing {
  double lst_s = 0;        // local sidereal time, s of a sidereal day
  double az_deg = 0;       // from north through east
  double zen_deg = 0;      // zenith angle
  double par_ang_deg = 0;  // parallactic angle
};
Pointing pointing_at(const Site& site, double mjd_utc, double ra_deg, double dec_deg);

// J2000 equatorial -> galactic longitude and latitude (degrees).
void galactic_from_j2000(double ra_deg, double dec_deg, double* glon_deg, double* glat_deg);

// The TIANYAN extension: the model, the cube scalars PSRFITS has no place for, the full
// FoldMeta and (when c.best.model.freq_hz > 0) the optimum's scalars. Doubles are written with
// round-trip precision, non-finite ones as null.
nlohmann::json extension_json(const FoldedCandidate& c);
// Applies an extension_json() object to `c` (model, cube scalars, meta). Throws BadInput
// naming `path` when a member is missing or has the wrong type.
void apply_extension_json(const nlohmann::json& j, const std::string& path, FoldedCandidate& c);

// FoldMeta <-> JSON (also the provenance block of the JSON summary).
nlohmann::json meta_json(const FoldMeta& m);
FoldMeta meta_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

// A JSON number, NaN for null (how non-finite values are written).
double json_double(const nlohmann::json& j, const char* key);
// A finite double as JSON, null otherwise.
nlohmann::json json_number(double v);

// Moves to the BINTABLE named `name`; false when the file has none (other CFITSIO errors
// throw, naming the file).
bool move_to_table(const fits::Handle& h, const char* name);

}  // namespace tianyan::psrfits_fold
