#pragma once
// Internal to the fold-mode archive writer: the HDUs other than SUBINT. Only
// psrfits_fold_writer.cpp includes this.
#include <fitsio.h>

#include <string>

#include "kernels/fold/fold.hpp"

namespace tianyan::psrfits_fold {

// What every HDU writer needs: the open file, the name for messages and the candidate.
struct WriteContext {
  fitsfile* fits = nullptr;
  std::string name;  // "FINAL (written as TEMP)"
  const FoldedCandidate* c = nullptr;
  double subband_bw_mhz = 0;  // CHAN_BW of the archive (positive: DAT_FREQ ascends)
  double centre_mhz = 0;      // centre of the subbands (HISTORY CTR_FREQ)
};

// Throws Environment "NAME: cannot write the fold archive (WHAT failed, CFITSIO status N: ...)".
void check_write(int status, const std::string& name, const char* what);

void write_primary(const WriteContext& w);
void write_history(const WriteContext& w);
void write_psrparam(const WriteContext& w);
void write_polyco(const WriteContext& w);
void write_extension(const WriteContext& w);

// A keyword of any numeric CFITSIO type, or a string.
void key_str(fitsfile* f, const char* key, const std::string& value, const char* comment,
             int* status);
template <typename T>
void key_num(fitsfile* f, int type, const char* key, T value, const char* comment, int* status) {
  fits_update_key(f, type, key, &value, comment, status);
}

// The polyco that reproduces a FoldModel exactly (constant fdot: three coefficients).
struct Polyco {
  double ref_mjd = 0;           // rounded to 1e-10 d, as TEMPO writes it and PSRCHIVE reads it
  double ref_phs = 0;           // fractional phase at ref_mjd
  double ref_f0 = 0;            // Hz at ref_mjd
  double coeff[3] = {0, 0, 0};  // phase = ref_phs + dt*60*ref_f0 + sum coeff[i] dt^i, dt in min
  int nspan_min = 0;            // covers the whole observation either side of ref_mjd
  double pred_phs = 0;          // fractional phase at the observation start
};
Polyco polyco_for(const FoldModel& m, double start_mjd, double tobs_s);

}  // namespace tianyan::psrfits_fold
