#pragma once
// Internal to the fold-mode archive reader: what it derives for archives that other software
// wrote (no TIANYAN extension). Only psrfits_fold_reader.cpp includes this.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "io/psrfits/fits_check.hpp"
#include "kernels/fold/fold.hpp"

namespace tianyan::psrfits_fold {

// The standard SUBINT content, total intensity, channels in FILE order.
struct SubintTable {
  size_t nsub = 0, nchan = 0, nbin = 0;
  std::vector<double> freqs;          // [nchan] DAT_FREQ of the first row
  std::vector<double> tsubint, offs;  // [nsub]
  std::vector<double> period;         // [nsub], empty without a PERIOD column
  std::vector<float> data;            // [nsub][nchan][nbin]
  std::vector<float> wts;             // [nsub][nchan]
  std::vector<float> bin_var;         // [nsub][nchan], empty without TY_BVAR
  double chan_bw = 0, reffreq = 0, dm = 0;
};

// The folding model of a foreign archive at ref_s (s from the start): from its POLYCO table
// when it has one, else from the PERIOD column. Throws BadInput when neither gives a period.
FoldModel foreign_model(const fits::Handle& h, const SubintTable& t, double start_mjd,
                        double ref_s);

// Whether the HISTORY table's last row says the data are dedispersed; false without one.
bool history_dedispersed(const fits::Handle& h);

// FoldMeta from the primary header (the current HDU must be the primary).
FoldMeta primary_meta(const fits::Handle& h, double start_mjd);

// Noise variance of n values: the variance within 3 sigma of the median (sigma = 1.4826 MAD),
// corrected for the clip; the plain variance when the MAD is 0.
double robust_variance(const float* x, size_t n);

}  // namespace tianyan::psrfits_fold
