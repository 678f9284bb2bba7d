// Fold-mode archives: the keywords and columns of the PSRFITS definition, fitsverify, astropy,
// the polyco and PERIOD against the folding model, and the round trip through the reader.
#include <fitsio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_fold_reader.hpp"
#include "io/psrfits/psrfits_fold_writer.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/fold_io/fold_io_test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;
using test::FitsFile;
using test::TempDir;

// What the PSRFITS definition (PSRCHIVE's psrheader.fits, HDRVER 6.7) lists, with the value
// type CFITSIO reports ('C' string, 'I' integer, 'F' real).
struct Key {
  const char* name;
  char type;
};
const Key kPrimaryKeys[] = {
    {"HDRVER", 'C'},   {"FITSTYPE", 'C'}, {"DATE", 'C'},     {"OBSERVER", 'C'}, {"PROJID", 'C'},
    {"TELESCOP", 'C'}, {"ANT_X", 'F'},    {"ANT_Y", 'F'},    {"ANT_Z", 'F'},    {"FRONTEND", 'C'},
    {"IBEAM", 'C'},    {"NRCVR", 'I'},    {"FD_POLN", 'C'},  {"FD_HAND", 'I'},  {"FD_SANG", 'F'},
    {"FD_XYPH", 'F'},  {"BACKEND", 'C'},  {"BECONFIG", 'C'}, {"BE_PHASE", 'I'}, {"BE_DCC", 'I'},
    {"BE_DELAY", 'F'}, {"TCYCLE", 'F'},   {"OBS_MODE", 'C'}, {"DATE-OBS", 'C'}, {"OBSFREQ", 'F'},
    {"OBSBW", 'F'},    {"OBSNCHAN", 'I'}, {"CHAN_DM", 'F'},  {"PNT_ID", 'C'},   {"SRC_NAME", 'C'},
    {"COORD_MD", 'C'}, {"EQUINOX", 'F'},  {"RA", 'C'},       {"DEC", 'C'},      {"BMAJ", 'F'},
    {"BMIN", 'F'},     {"BPA", 'F'},      {"STT_CRD1", 'C'}, {"STT_CRD2", 'C'}, {"TRK_MODE", 'C'},
    {"STP_CRD1", 'C'}, {"STP_CRD2", 'C'}, {"SCANLEN", 'F'},  {"FD_MODE", 'C'},  {"FA_REQ", 'F'},
    {"CAL_MODE", 'C'}, {"CAL_FREQ", 'F'}, {"CAL_DCYC", 'F'}, {"CAL_PHS", 'F'},  {"CAL_NPHS", 'I'},
    {"STT_IMJD", 'I'}, {"STT_SMJD", 'I'}, {"STT_OFFS", 'F'}, {"STT_LST", 'F'}};
const Key kSubintKeys[] = {
    {"EPOCHS", 'C'},  {"INT_TYPE", 'C'}, {"INT_UNIT", 'C'}, {"SCALE", 'C'},    {"POL_TYPE", 'C'},
    {"NPOL", 'I'},    {"TBIN", 'F'},     {"NBIN", 'I'},     {"NBIN_PRD", 'I'}, {"PHS_OFFS", 'F'},
    {"NBITS", 'I'},   {"ZERO_OFF", 'F'}, {"SIGNINT", 'I'},  {"NSUBOFFS", 'I'}, {"NCHAN", 'I'},
    {"CHAN_BW", 'F'}, {"REFFREQ", 'F'},  {"DM", 'F'},       {"RM", 'F'},       {"NCHNOFFS", 'I'},
    {"NSBLK", 'I'},   {"NSTOT", 'I'}};

// A column: CFITSIO type code and repeat (0: NCHAN, -1: NCHAN*NPOL, -2: NBIN*NCHAN*NPOL).
struct Column {
  const char* name;
  int type;
  long repeat;
};
const Column kSubintColumns[] = {
    {"INDEXVAL", TDOUBLE, 1}, {"TSUBINT", TDOUBLE, 1},  {"OFFS_SUB", TDOUBLE, 1},
    {"PERIOD", TDOUBLE, 1},   {"LST_SUB", TDOUBLE, 1},  {"RA_SUB", TDOUBLE, 1},
    {"DEC_SUB", TDOUBLE, 1},  {"GLON_SUB", TDOUBLE, 1}, {"GLAT_SUB", TDOUBLE, 1},
    {"FD_ANG", TFLOAT, 1},    {"POS_ANG", TFLOAT, 1},   {"PAR_ANG", TFLOAT, 1},
    {"TEL_AZ", TFLOAT, 1},    {"TEL_ZEN", TFLOAT, 1},   {"AUX_DM", TDOUBLE, 1},
    {"AUX_RM", TDOUBLE, 1},   {"DAT_FREQ", TDOUBLE, 0}, {"DAT_WTS", TFLOAT, 0},
    {"DAT_OFFS", TFLOAT, -1}, {"DAT_SCL", TFLOAT, -1},  {"DATA", TSHORT, -2}};
// HISTORY columns PSRCHIVE's load_ProcHistory.C reads, and the POLYCO ones load_polyco reads.
const Column kHistoryColumns[] = {
    {"DATE_PRO", TSTRING, 24}, {"PROC_CMD", TSTRING, 256}, {"SCALE", TSTRING, 8},
    {"POL_TYPE", TSTRING, 8},  {"NSUB", TLONG, 1},         {"NPOL", TSHORT, 1},
    {"NBIN", TSHORT, 1},       {"NBIN_PRD", TSHORT, 1},    {"TBIN", TDOUBLE, 1},
    {"CTR_FREQ", TDOUBLE, 1},  {"NCHAN", TLONG, 1},        {"CHAN_BW", TDOUBLE, 1},
    {"REF_FREQ", TDOUBLE, 1},  {"DM", TDOUBLE, 1},         {"RM", TDOUBLE, 1},
    {"PR_CORR", TSHORT, 1},    {"FD_CORR", TSHORT, 1},     {"BE_CORR", TSHORT, 1},
    {"RM_CORR", TSHORT, 1},    {"DEDISP", TSHORT, 1},      {"DDS_MTHD", TSTRING, 32},
    {"SC_MTHD", TSTRING, 32},  {"CAL_MTHD", TSTRING, 32},  {"CAL_FILE", TSTRING, 256},
    {"RFI_MTHD", TSTRING, 32}, {"RM_MODEL", TSTRING, 32},  {"AUX_RM_C", TSHORT, 1},
    {"DM_MODEL", TSTRING, 32}, {"AUX_DM_C", TSHORT, 1}};
const Column kPolycoColumns[] = {
    {"DATE_PRO", TSTRING, 24}, {"POLYVER", TSTRING, 16}, {"NSPAN", TSHORT, 1},
    {"NCOEF", TSHORT, 1},      {"NPBLK", TSHORT, 1},     {"NSITE", TSTRING, 8},
    {"REF_FREQ", TDOUBLE, 1},  {"PRED_PHS", TDOUBLE, 1}, {"REF_MJD", TDOUBLE, 1},
    {"REF_PHS", TDOUBLE, 1},   {"REF_F0", TDOUBLE, 1},   {"LGFITERR", TDOUBLE, 1},
    {"COEFF", TDOUBLE, 15}};

void expect_keys(FitsFile& f, const char* hdu, const Key* keys, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    char value[FLEN_VALUE] = {}, type = 0;
    int st = 0;
    fits_read_keyword(f.get(), keys[i].name, value, nullptr, &st);
    ASSERT_EQ(st, 0) << hdu << " lacks " << keys[i].name;
    fits_get_keytype(value, &type, &st);
    EXPECT_EQ(type, keys[i].type) << hdu << " " << keys[i].name << " = " << value;
  }
}

void expect_columns(FitsFile& f, const char* hdu, const Column* cols, size_t n, long nchan,
                    long nbin) {
  for (size_t i = 0; i < n; ++i) {
    const int c = f.col(cols[i].name);
    ASSERT_GT(c, 0) << hdu << " lacks column " << cols[i].name;
    int type = 0, st = 0;
    long repeat = 0, width = 0;
    fits_get_coltype(f.get(), c, &type, &repeat, &width, &st);
    const long want = cols[i].repeat == 0    ? nchan
                      : cols[i].repeat == -1 ? nchan
                      : cols[i].repeat == -2 ? nbin * nchan
                                             : cols[i].repeat;
    EXPECT_EQ(type, cols[i].type) << hdu << " " << cols[i].name;
    EXPECT_EQ(repeat, want) << hdu << " " << cols[i].name;
  }
}

TEST(FoldArchive, HasEveryKeywordAndColumnOfTheDefinition) {
  TempDir dir;
  const auto c = test::make_candidate(1);
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, c);
  FitsFile f(path);
  expect_keys(f, "primary", kPrimaryKeys, std::size(kPrimaryKeys));
  char mode[FLEN_VALUE] = {};
  int st = 0;
  fits_read_key(f.get(), TSTRING, "OBS_MODE", mode, nullptr, &st);
  EXPECT_STREQ(mode, "PSR");
  ASSERT_TRUE(f.move("SUBINT"));
  expect_keys(f, "SUBINT", kSubintKeys, std::size(kSubintKeys));
  const long nchan = long(c.cube.nsubband), nbin = long(c.cube.nbin);
  expect_columns(f, "SUBINT", kSubintColumns, std::size(kSubintColumns), nchan, nbin);
  int naxis = 0;
  long dims[3] = {};
  fits_read_tdim(f.get(), f.col("DATA"), 3, &naxis, dims, &st);
  EXPECT_EQ(naxis, 3);
  EXPECT_EQ(dims[0], nbin);  // (NBIN, NCHAN, NPOL)
  EXPECT_EQ(dims[1], nchan);
  EXPECT_EQ(dims[2], 1);
  long nrows = 0;
  fits_get_num_rows(f.get(), &nrows, &st);
  EXPECT_EQ(nrows, long(c.cube.nsubint));
  ASSERT_TRUE(f.move("HISTORY"));
  expect_columns(f, "HISTORY", kHistoryColumns, std::size(kHistoryColumns), nchan, nbin);
  EXPECT_EQ(f.read("DEDISP", 1, 1)[0], 1.0);
  EXPECT_EQ(f.read("NBIN", 1, 1)[0], double(nbin));
  EXPECT_EQ(f.read("DM", 1, 1)[0], c.cube.model.dm);
  ASSERT_TRUE(f.move("POLYCO"));
  expect_columns(f, "POLYCO", kPolycoColumns, std::size(kPolycoColumns), nchan, nbin);
  ASSERT_TRUE(f.move("PSRPARAM"));
  EXPECT_GT(f.col("PARAM"), 0);
  EXPECT_EQ(st, 0);
}

TEST(FoldArchive, FitsverifyFindsNoErrorsOrWarnings) {
  const std::string fitsverify = TIANYAN_FITSVERIFY;
  if (fitsverify.empty() || !fs::exists(fitsverify)) GTEST_SKIP() << "fitsverify not installed";
  TempDir dir;
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, test::make_candidate(2));
  const auto r = test::run_shell(fitsverify + " '" + path + "'");
  EXPECT_NE(r.out.find("0 error"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("Verification found 0 warning"), std::string::npos) << r.out;
}

// An unknown telescope and position: no site-derived keys or angles (NaN, FITS's undefined
// value), still a valid file, and NaN comes back as NaN.
TEST(FoldArchive, UnknownTelescopeAndPositionStayValid) {
  TempDir dir;
  auto c = test::make_candidate(8);
  c.meta.telescope = "Nowhere";
  c.meta.ra_deg = NAN;
  c.meta.dec_deg = NAN;
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, c);
  const std::string fitsverify = TIANYAN_FITSVERIFY;
  if (!fitsverify.empty() && fs::exists(fitsverify)) {
    const auto r = test::run_shell(fitsverify + " '" + path + "'");
    EXPECT_NE(r.out.find("Verification found 0 warning(s) and 0 error(s)"), std::string::npos)
        << r.out;
  }
  const auto back = read_fold_archive(path);
  EXPECT_TRUE(std::isnan(back.meta.ra_deg));
  EXPECT_TRUE(std::isnan(back.meta.dec_deg));
  EXPECT_EQ(back.meta.telescope, "Nowhere");
  FitsFile f(path);
  char value[FLEN_VALUE] = {};
  int st = 0;
  fits_read_keyword(f.get(), "STT_LST", value, nullptr, &st);
  EXPECT_EQ(st, KEY_NO_EXIST) << "no LST for an unknown site";
  fits_clear_errmsg();
  ASSERT_TRUE(f.move("SUBINT"));
  EXPECT_TRUE(std::isnan(f.read("LST_SUB", 1, 1)[0]));
  EXPECT_TRUE(std::isnan(f.read("TEL_ZEN", 1, 1)[0]));
}

// PSRCHIVE predicts phase from the POLYCO table: TEMPO's polynomial must reproduce the
// folding model, and PERIOD must be the model's period at OFFS_SUB.
TEST(FoldArchive, PolycoAndPeriodReproduceTheModel) {
  TempDir dir;
  const auto c = test::make_candidate(3);
  const FoldModel& m = c.cube.model;
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, c);
  FitsFile f(path);
  ASSERT_TRUE(f.move("POLYCO"));
  const double ref_mjd = f.read("REF_MJD", 1, 1)[0], ref_phs = f.read("REF_PHS", 1, 1)[0];
  const double ref_f0 = f.read("REF_F0", 1, 1)[0];
  const auto coeff = f.read("COEFF", 1, 15);
  const double nspan = f.read("NSPAN", 1, 1)[0];
  EXPECT_EQ(f.read("NCOEF", 1, 1)[0], 3.0);
  EXPECT_DOUBLE_EQ(f.read("REF_FREQ", 1, 1)[0], c.cube.ref_freq_mhz);
  // REF_MJD has 10 decimals (TEMPO's rounding, which PSRCHIVE re-applies on load), up to the
  // half ulp of a double near 6e4 (3.6e-12 d).
  const double ref_e10 = (ref_mjd - std::floor(ref_mjd)) * 1e10;
  EXPECT_NEAR(ref_e10, std::round(ref_e10), 0.05);
  long double phase0 = 0;
  for (double t : {0.0, 3.3, 17.1, c.cube.tobs_s / 2, 40.0, c.cube.tobs_s}) {
    SCOPED_TRACE(t);
    const long double dt_min = ((long double)c.meta.start_mjd - ref_mjd) * 1440.0L + t / 60.0L;
    EXPECT_LE(std::abs(double(dt_min)), nspan / 2);
    long double poly = coeff[2];
    poly = poly * dt_min + coeff[1];
    poly = poly * dt_min + coeff[0];
    const long double phase = ref_phs + dt_min * 60.0L * ref_f0 + poly;
    if (t == 0.0) phase0 = phase - m.phase(0.0);
    // Equal up to a whole number of turns, the same at every time (1e-4 turns: the MJDs in
    // double carry ~1 us).
    const long double diff = phase - m.phase(t) - phase0;
    EXPECT_NEAR(double(diff), 0.0, 1e-4);
    EXPECT_NEAR(double(phase0 - std::round(phase0)), 0.0, 1e-4);
  }
  ASSERT_TRUE(f.move("SUBINT"));
  for (size_t s = 0; s < c.cube.nsubint; ++s) {
    const double mid = c.cube.subint_mid_s[s];
    EXPECT_EQ(f.read("OFFS_SUB", long(s + 1), 1)[0], mid);
    EXPECT_NEAR(f.read("PERIOD", long(s + 1), 1)[0],
                1.0 / (m.freq_hz + m.fdot_hz_s * (mid - m.ref_s)), 1e-15);
  }
}

TEST(FoldArchive, RoundTripWithinInt16QuantisationAndExactMeta) {
  TempDir dir;
  const auto c = test::make_candidate(4);
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, c);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1)
      << "only the archive, no temporary file";
  const FoldedCandidate r = read_fold_archive(path);
  const FoldCube &a = c.cube, &b = r.cube;
  ASSERT_EQ(b.nsubint, a.nsubint);
  ASSERT_EQ(b.nsubband, a.nsubband);
  ASSERT_EQ(b.nbin, a.nbin);
  ASSERT_EQ(b.data.size(), a.data.size());
  FitsFile f(path);
  ASSERT_TRUE(f.move("SUBINT"));
  for (size_t s = 0; s < a.nsubint; ++s) {
    const auto scl = f.read("DAT_SCL", long(s + 1), long(a.nsubband));
    const auto raw = f.read("DATA", long(s + 1), long(a.nsubband * a.nbin));
    for (size_t ch = 0; ch < a.nsubband; ++ch) {
      double worst = 0, max_q = 0;
      for (size_t i = 0; i < a.nbin; ++i) {
        const float x = a.profile(s, ch)[i], y = b.profile(s, ch)[i];
        // Bound: DAT_SCL/2 from the rounding to int16, plus the float rounding of the value.
        const double bound = 0.5 * scl[ch] + 1.2e-7 * std::max(std::abs(double(x)), scl[ch]);
        ASSERT_LE(std::abs(double(x) - double(y)), bound) << s << " " << ch << " " << i;
        worst = std::max(worst, std::abs(double(x) - double(y)) / scl[ch]);
        max_q = std::max(max_q, std::abs(raw[ch * a.nbin + i]));
      }
      const bool masked = a.bin_var[s * a.nsubband + ch] == 0;
      EXPECT_EQ(max_q, masked ? 0.0 : 32766.0) << "full int16 range used";
    }
  }
  EXPECT_EQ(b.bin_var, a.bin_var);
  EXPECT_EQ(b.freqs_mhz, a.freqs_mhz);
  EXPECT_EQ(b.subint_mid_s, a.subint_mid_s);
  EXPECT_EQ(b.subint_s, a.subint_s);
  EXPECT_EQ(b.tsamp_s, a.tsamp_s);
  EXPECT_EQ(b.tobs_s, a.tobs_s);
  EXPECT_EQ(b.ref_freq_mhz, a.ref_freq_mhz);
  EXPECT_EQ(b.model.freq_hz, a.model.freq_hz);
  EXPECT_EQ(b.model.fdot_hz_s, a.model.fdot_hz_s);
  EXPECT_EQ(b.model.dm, a.model.dm);
  EXPECT_EQ(b.model.ref_s, a.model.ref_s);
  const FoldMeta &x = c.meta, &y = r.meta;
  EXPECT_EQ(y.source, x.source);
  EXPECT_EQ(y.telescope, x.telescope);
  EXPECT_EQ(y.scan, x.scan);
  EXPECT_EQ(y.beam, x.beam);
  EXPECT_EQ(y.ra_deg, x.ra_deg);
  EXPECT_EQ(y.dec_deg, x.dec_deg);
  EXPECT_EQ(y.start_mjd, x.start_mjd);
  EXPECT_EQ(y.freq_lo_mhz, x.freq_lo_mhz);
  EXPECT_EQ(y.freq_hi_mhz, x.freq_hi_mhz);
  EXPECT_EQ(y.chan_bw_mhz, x.chan_bw_mhz);
  EXPECT_EQ(y.nchan, x.nchan);
  EXPECT_EQ(y.files, x.files);
  EXPECT_EQ(y.rfi_fraction, x.rfi_fraction);
  EXPECT_EQ(y.version, x.version);
  EXPECT_EQ(y.config_toml, x.config_toml);
  EXPECT_EQ(y.rank, x.rank);
  EXPECT_EQ(y.search_freq_hz, x.search_freq_hz);
  EXPECT_EQ(y.search_dm, x.search_dm);
  EXPECT_EQ(y.search_accel_ms2, x.search_accel_ms2);
  EXPECT_EQ(y.search_sigma, x.search_sigma);
  EXPECT_EQ(y.search_snr, x.search_snr);
  EXPECT_EQ(y.search_nharm, x.search_nharm);
  EXPECT_EQ(r.best.model.freq_hz, 0.0) << "the optimum is left for the caller";
}

TEST(FoldArchive, AstropyReadsTheProfileBack) {
  const std::string python = TIANYAN_PYTHON3;
  if (python.empty() || !fs::exists(python)) GTEST_SKIP() << "no system python3";
  if (test::run_shell(python + " -c 'import astropy, numpy'").exit_code != 0)
    GTEST_SKIP() << python << " lacks astropy or numpy";
  TempDir dir;
  const auto c = test::make_candidate(5);
  const std::string path = dir / "cand.ar";
  write_fold_archive(path, c);
  const std::string script =
      std::string(TIANYAN_SOURCE_DIR) + "/tests/scripts/read_fold_astropy.py";
  const auto r = test::run_shell(python + " '" + script + "' '" + path + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const FoldCube& k = c.cube;
  EXPECT_EQ(j["obs_mode"], "PSR");
  EXPECT_EQ(j["nbin"], k.nbin);
  EXPECT_EQ(j["nchan"], k.nsubband);
  EXPECT_EQ(j["npol"], 1);
  EXPECT_EQ(j["pol_type"], "AA+BB");
  EXPECT_EQ(j["data_shape"], (std::vector<size_t>{k.nsubint, 1, k.nsubband, k.nbin}));
  EXPECT_EQ(j["data_dtype"], ">i2");
  EXPECT_EQ(j["hdus"], (std::vector<std::string>{"PRIMARY", "HISTORY", "PSRPARAM", "POLYCO",
                                                 "SUBINT", "TIANYAN"}));
  // The sum over sub-integrations matches the cube's to nsubint * max(DAT_SCL)/2.
  const double tol = double(k.nsubint) * 0.5 * j["max_scale"].get<double>() * (1 + 1e-6);
  const auto sum = j["profile_sum"].get<std::vector<std::vector<double>>>();
  ASSERT_EQ(sum.size(), k.nsubband);
  for (size_t ch = 0; ch < k.nsubband; ++ch) {
    for (size_t i = 0; i < k.nbin; ++i) {
      double expect = 0;
      for (size_t s = 0; s < k.nsubint; ++s) expect += k.profile(s, ch)[i];
      EXPECT_NEAR(sum[ch][i], expect, tol) << ch << " " << i;
    }
  }
  EXPECT_EQ(j["offs_sub"].get<std::vector<double>>(), k.subint_mid_s);
}

TEST(FoldArchive, UnwritableOutputIsAnEnvironmentError) {
  TempDir dir;
  const std::string blocker = dir / "file";
  test::write_bytes(blocker, "x");
  try {
    write_fold_archive(blocker + "/cand.ar", test::make_candidate(6));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment) << e.what();
  }
}

TEST(FoldArchive, InconsistentCubeIsRefusedNamingTheFile) {
  TempDir dir;
  auto c = test::make_candidate(7);
  c.cube.bin_var.pop_back();
  const std::string path = dir / "bad.ar";
  try {
    write_fold_archive(path, c);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace tianyan
