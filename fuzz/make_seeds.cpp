// Writes the seed corpora of the fuzz targets from tianyan's own writers, so that every seed
// is a valid input of the current format: `tianyan_fuzz_make_seeds OUT_DIR` fills
// OUT_DIR/<target>/. The committed fuzz/corpus/ was made with it (scripts/fuzz.sh --seeds
// regenerates it); hand-written seeds (configs/*.toml, odd .inf spellings) sit beside them.
#include <fitsio.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/candidates_writer.hpp"
#include "io/fold_summary.hpp"
#include "io/presto/inf.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"
#include "io/psrfits/psrfits_fold_writer.hpp"
#include "io/psrfits/psrfits_writer.hpp"
#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign/campaign.hpp"

namespace tianyan {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

ObservationInfo header(size_t nchan, int nbits, int npol) {
  ObservationInfo h;
  h.source = "J1234+5678";
  h.telescope = "FAST";
  h.ra_deg = 188.625;
  h.dec_deg = -5.5125;
  h.start_mjd = 60123.456789012345;
  h.tsamp_s = 49.152e-6;
  h.beam = 1;
  h.nbits = nbits;
  h.npol = npol;
  for (size_t c = 0; c < nchan; ++c) h.freqs_mhz.push_back(1000.0 + 0.5 * static_cast<double>(c));
  return h;
}

std::vector<float> samples(size_t n, int nbits, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(0, nbits >= 8 ? 255 : (1 << nbits) - 1);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(u(rng));
  return v;
}

void filterbanks(const fs::path& out) {
  struct Case {
    int nbits, npol;
    bool descending, is_signed;
  };
  const Case cases[] = {{8, 1, true, false}, {8, 1, false, true}, {1, 1, true, false},
                        {2, 1, true, false}, {4, 2, false, false}, {32, 1, true, false}};
  const size_t nchan = 16, nsamp = 24;
  for (const Case& k : cases) {
    const fs::path p = out / fmt::format("fb_{}bit_{}pol_{}{}.fil", k.nbits, k.npol,
                                         k.descending ? "desc" : "asc", k.is_signed ? "_signed" : "");
    FilterbankWriteOptions o;
    o.descending = k.descending;
    o.signed_8bit = k.is_signed;
    auto w = make_filterbank_writer(p.string(), header(nchan, k.nbits, k.npol), o);
    w->write(samples(nsamp * nchan * static_cast<size_t>(k.npol), k.nbits, 7).data(), nsamp);
    w->finish();
  }
  // An explicit channel table (FREQUENCY_START ... FREQUENCY_END) and every optional key.
  SigprocHeader h;
  h.telescope_id = 21;
  h.machine_id = 0;
  h.data_type = 1;
  h.rawdatafile = "raw.fil";
  h.source_name = "J0000+0000";
  h.barycentric = 0;
  h.pulsarcentric = 0;
  h.az_start = 10.0;
  h.za_start = 20.0;
  h.src_raj = 123456.7;
  h.src_dej = -123456.7;
  h.tstart = 60000.5;
  h.tsamp = 1e-4;
  h.nbits = 8;
  h.nsamples = 4;
  h.nchans = 4;
  h.nifs = 1;
  h.nbeams = 19;
  h.ibeam = 3;
  h.refdm = 1.5;
  h.period = 0.25;
  h.npuls = 7;
  h.nbins = 0;
  h.is_signed = 1;
  h.fchannels = {1400.0, 1399.0, 1397.0, 1396.5};
  put(out / "fb_channel_table.fil", serialise_sigproc_header(h) + std::string(16, '\x05'));
}

void psrfits_files(const fs::path& out, const fs::path& tmp) {
  struct Case {
    int nbits, npol;
    bool descending;
  };
  const Case cases[] = {{8, 1, false}, {1, 1, true}, {2, 2, false}, {4, 4, true}};
  for (const Case& k : cases) {
    PsrfitsWriteOptions o;
    o.nsblk = 8;
    o.rows_per_file = 2;
    o.descending = k.descending;
    const ObservationInfo h = header(8, k.nbits, k.npol);
    const std::string prefix = (tmp / fmt::format("ps{}{}", k.nbits, k.npol)).string();
    auto w = make_psrfits_writer(prefix, h, o);
    w->write(samples(16 * 8 * static_cast<size_t>(k.npol), k.nbits, 11).data(), 16);
    w->finish();
    const std::string name =
        fmt::format("ps_{}bit_{}pol_{}.fits", k.nbits, k.npol, k.descending ? "desc" : "asc");
    fs::copy_file(w->files().front(), out / name, fs::copy_options::overwrite_existing);
  }
  // The same data as a tile-compressed table (ZTABLE), which the reader decodes in memory.
  int st = 0;
  fitsfile* in = nullptr;
  fitsfile* z = nullptr;
  const std::string zpath = (out / "ps_8bit_1pol_compressed.fits").string();
  fs::remove(zpath);
  fits_open_diskfile(&in, (out / "ps_8bit_1pol_asc.fits").c_str(), READONLY, &st);
  fits_create_diskfile(&z, zpath.c_str(), &st);
  fits_copy_hdu(in, z, 0, &st);
  fits_movnam_hdu(in, BINARY_TBL, const_cast<char*>("SUBINT"), 0, &st);
  fits_compress_table(in, z, &st);
  fits_close_file(z, &st);
  fits_close_file(in, &st);
  if (st != 0) throw internal_error("compressing the PSRFITS seed: CFITSIO status {}", st);
}

FoldedCandidate candidate() {
  FoldedCandidate c;
  FoldCube& k = c.cube;
  k.nsubint = 2;
  k.nsubband = 4;
  k.nbin = 16;
  k.tsamp_s = 49.152e-6;
  k.tobs_s = 20.0;
  k.subint_s = 10.0;
  k.subint_mid_s = {5.0, 15.0};
  k.freqs_mhz = {1000.0, 1100.0, 1200.0, 1300.0};
  k.ref_freq_mhz = 1350.0;
  k.model = FoldModel{12.5, -1e-9, 30.0, 10.0};
  k.data = samples(k.nsubint * k.nsubband * k.nbin, 8, 3);
  k.bin_var.assign(k.nsubint * k.nsubband, 60.0f);
  k.bin_var[1] = 0;  // one masked profile
  FoldMeta& m = c.meta;
  m.source = "J1234+5678";
  m.telescope = "FAST";
  m.scan = "scan";
  m.beam = 1;
  m.ra_deg = 188.625;
  m.dec_deg = -5.5125;
  m.start_mjd = 60123.5;
  m.freq_lo_mhz = 1000.0;
  m.freq_hi_mhz = 1300.0;
  m.chan_bw_mhz = 0.5;
  m.nchan = 8;
  m.files = {"in.fits"};
  m.version = "0.0.0+seed";
  m.config_toml = "[fold]\nnbin = 16\n";
  m.rank = 1;
  m.search_freq_hz = 12.5;
  m.search_dm = 30.0;
  m.search_sigma = 9.0;
  m.search_nharm = 4;
  return c;
}

void fold_archives(const fs::path& out, const fs::path& json_out) {
  const FoldedCandidate c = candidate();
  const std::string path = (out / "tianyan.ar").string();
  write_fold_archive(path, c);
  put(json_out / "extension.json", psrfits_fold::extension_json(c).dump());
  FoldedCandidate best = c;
  best.best.model = c.cube.model;
  best.best.snr = 12.0;
  put(json_out / "extension_best.json", psrfits_fold::extension_json(best).dump(1));
  // A "foreign" archive: no TY_BVAR column, no TIANYAN table (the reader's other path).
  const std::string foreign = (out / "foreign.ar").string();
  fs::copy_file(path, foreign, fs::copy_options::overwrite_existing);
  int st = 0, col = 0;
  fitsfile* f = nullptr;
  fits_open_diskfile(&f, foreign.c_str(), READWRITE, &st);
  fits_movnam_hdu(f, BINARY_TBL, const_cast<char*>("TIANYAN"), 0, &st);
  fits_delete_hdu(f, nullptr, &st);
  fits_movnam_hdu(f, BINARY_TBL, const_cast<char*>("SUBINT"), 0, &st);
  fits_get_colnum(f, CASEINSEN, const_cast<char*>("TY_BVAR"), &col, &st);
  fits_delete_col(f, col, &st);
  fits_close_file(f, &st);
  if (st != 0) throw internal_error("making the foreign archive seed: CFITSIO status {}", st);
}

void configs(const fs::path& out, const fs::path& repo) {
  put(out / "default_written.toml", pipeline_config_to_toml(default_pipeline_config()));
  for (const char* name : {"default.toml", "fast.toml"}) {
    const fs::path p = repo / "configs" / name;
    if (fs::exists(p)) put(out / name, slurp(p));
  }
  put(out / "small.toml",
      "[dedisp]\ndm_hi = 100.0\n\n[search]\nmax_harmonics = 8\n\n[[search.birdies]]\nfreq_hz = 50.0\n"
      "width_hz = 0.1\n\n[campaign]\nfold_top = 3\n");
}

void infs(const fs::path& out) {
  PrestoInf a;
  a.basename = "J1234_DM30.00";
  a.telescope = "FAST";
  a.instrument = "ROACH2";
  a.object = "J1234+5678";
  a.ra_deg = 188.625;
  a.dec_deg = -5.5125;
  a.observer = "tianyan";
  a.mjd = 60123.456789012345;
  a.nbins = 1048576;
  a.dt_s = 49.152e-6;
  a.beam_arcsec = 174;
  a.dm = 30;
  a.freq_lo_mhz = 1000.0;
  a.bandwidth_mhz = 500.0;
  a.nchan = 4096;
  a.chan_bw_mhz = 0.1220703125;
  a.analyzer = "tianyan";
  a.notes = "Input filterbank samples have 8 bits.";
  put(out / "radio.inf", format_presto_inf(a));
  PrestoInf b = a;
  b.breaks = true;
  b.onoff = {{0, 1000}, {2000, 1048575}};
  b.barycentred = 1;
  b.notes = "two lines\nof notes";
  put(out / "breaks.inf", format_presto_inf(b));
  // Older PRESTO spellings ("(1=yes, 0=no)", "(Mhz)") and a non-radio band.
  put(out / "old_spelling.inf",
      " Data file name without suffix          =  old\n"
      " Telescope used                         =  Arecibo\n"
      " Instrument used                        =  WAPP\n"
      " Object being observed                  =  B1937+21\n"
      " J2000 Right Ascension (hh:mm:ss.ssss)  =  19:39:38.5600\n"
      " J2000 Declination     (dd:mm:ss.ssss)  =  21:34:59.1400\n"
      " Data observed by                       =  Someone\n"
      " Epoch of observation (MJD)             =  53000.123456789\n"
      " Barycentered?           (1=yes, 0=no)  =  0\n"
      " Number of bins in the time series      =  65536\n"
      " Width of each time series bin (sec)    =  6.4e-05\n"
      " Any breaks in the data? (1=yes, 0=no)  =  0\n"
      " Type of observation (EM band)          =  Radio\n"
      " Beam diameter (arcsec)                 =  200\n"
      " Dispersion measure (cm-3 pc)           =  71.02\n"
      " Central freq of low channel (Mhz)      =  1300\n"
      " Total bandwidth (Mhz)                  =  100\n"
      " Number of channels                     =  256\n"
      " Channel bandwidth (Mhz)                =  0.390625\n"
      " Data analyzed by                       =  Someone\n"
      " Any additional notes:\n    none\n");
  put(out / "xray.inf",
      " Data file name without suffix          =  xr\n"
      " Number of bins in the time series      =  100\n"
      " Width of each time series bin (sec)    =  0.001\n"
      " Type of observation (EM band)          =  X-ray\n"
      " Field-of-view diameter (arcsec)        =  3.00\n"
      " Central energy (kev)                   =  1.0\n"
      " Energy bandpass (kev)                  =  5.0\n");
}

std::vector<Candidate> cands() {
  std::vector<Candidate> v(3);
  for (size_t i = 0; i < v.size(); ++i) {
    Candidate& c = v[i];
    c.freq_hz = 12.5 * static_cast<double>(i + 1);
    c.r_bins = c.freq_hz * 20.0;
    c.dm = 30.0 + static_cast<double>(i);
    c.accel_ms2 = i == 2 ? -0.5 : 0.0;
    c.nharm = 4;
    c.power = 50;
    c.sigma = 9.0 - static_cast<double>(i);
    c.snr = 12;
    c.tobs_s = 20.0;
    c.epoch_mjd = 60123.5;
    c.scan = i == 1 ? "scan, \"quoted\"" : "scan";
    c.beam = static_cast<int>(i) + 1;
    c.ra_deg = 188.625;
    c.dec_deg = -5.5125;
    c.file = "in.fits";
  }
  return v;
}

void candidate_csvs(const fs::path& out) {
  const std::vector<Candidate> v = cands();
  put(out / "three.csv", format_candidates_csv(v));
  put(out / "one.csv", format_candidates_csv({v.front()}));
  put(out / "header_only.csv", format_candidates_csv({}));
  put(out / "minimal.csv", "rank,dm,period_s\n2,10.5,0.0125\n1,0,1.5\n");
  put(out / "reordered_crlf.csv",
      "freq_hz,rank,dm,extra,file\r\n80.0,1,3.0,x,\"a,b\"\r\n40.5,2,100,,\"say \"\"hi\"\"\"\r\n");
}

void campaign_seeds(const fs::path& out, const fs::path& tmp) {
  Campaign c;
  c.dir = (tmp / "campaign").string();
  c.config_source = "configs/default.toml";
  c.config = default_pipeline_config();
  c.config_hash = "0123456789abcdef";
  c.inputs = {"/data/scan"};
  CampaignUnit u;
  u.index = 0;
  u.id = "u1";
  u.scan = "scan";
  u.beam = 1;
  u.files = {"/data/scan-M01_0001.fits"};
  c.units = {u};
  write_campaign(c);
  const std::string campaign = slurp(fs::path(c.dir) / "campaign.json");
  const nlohmann::json done = {{"unit", "u1"},          {"index", 0},
                               {"inputs", nlohmann::json::array()},
                               {"config_hash", c.config_hash},
                               {"tianyan_version", "0.0.0+seed"},
                               {"finished", "2024-01-01T00:00:00Z"},
                               {"host", "h"},           {"wall_s", 1.5},
                               {"candidates", 3}};
  const nlohmann::json failed = {{"unit", "u1"}, {"index", 0}, {"exit_code", 3},
                                 {"error", "in.fits: truncated"}, {"time", "2024-01-01T00:00:00Z"},
                                 {"host", "h"}};
  std::vector<Candidate> v = cands();
  const std::string csv = format_candidates_csv(v);
  const std::string json = nlohmann::json{{"candidates", candidates_to_json(v)}}.dump(1);
  FoldedCandidate f = candidate();
  f.meta.search_freq_hz = v[0].freq_hz;
  f.meta.search_dm = v[0].dm;
  f.best.model = f.cube.model;
  f.best.snr = 11;
  const std::string summary =
      fold_summary_json(f, {"cand_001.ar", {"cand_001.png", "cand_001_thumb.png"}}).dump(1);
  const std::string sep = "\n@@@@\n";
  put(out / "full", campaign + sep + done.dump() + sep + failed.dump() + sep + csv + sep + json +
                        sep + summary);
  put(out / "failed_unit", campaign + sep + "" + sep + failed.dump() + sep + csv + sep + json);
  put(out / "summary_links_self",
      "{}" + sep + done.dump() + sep + sep + csv + sep + json + sep +
          fold_summary_json(f, {"candidates.json", {"cand_001.json", "../x.png"}}).dump());
}

}  // namespace
}  // namespace tianyan

int main(int argc, char** argv) {
  using namespace tianyan;
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR [REPO_ROOT]\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path repo = argc == 3 ? fs::path(argv[2]) : fs::current_path();
  const fs::path tmp = out / ".tmp";
  try {
    fs::create_directories(tmp);
    for (const char* t : {"filterbank", "psrfits", "fold_archive", "fold_json", "config",
                          "presto_inf", "candidates_csv", "campaign"})
      fs::create_directories(out / t);
    filterbanks(out / "filterbank");
    fs::create_directories(out / "sigproc_header");
    for (const auto& e : fs::directory_iterator(out / "filterbank"))
      fs::copy_file(e.path(), out / "sigproc_header" / e.path().filename(),
                    fs::copy_options::overwrite_existing);
    psrfits_files(out / "psrfits", tmp);
    fold_archives(out / "fold_archive", out / "fold_json");
    configs(out / "config", repo);
    infs(out / "presto_inf");
    candidate_csvs(out / "candidates_csv");
    campaign_seeds(out / "campaign", tmp);
    fs::remove_all(tmp);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
