#pragma once
// PSRFITS fold-mode archives (OBS_MODE 'PSR') of folded candidates, as PSRCHIVE's FITSArchive
// reads them (pav, psrplot, pazi): docs/io.md, "Fold-mode archives".
//
// HDUs, in the order of PSRCHIVE's psrheader.fits template (HDRVER 6.7):
//   primary   the observation (STT_* = meta.start_mjd, OBSFREQ/OBSBW/OBSNCHAN of the raw data)
//   HISTORY   one row: the state of the data (NBIN, NCHAN, DEDISP = 1 at DM, REF_FREQ)
//   PSRPARAM  PSRJ, RAJ, DECJ, F0, F1, PEPOCH, DM of the folding model (TOPOCENTRIC values)
//   POLYCO    one TEMPO polyco that reproduces the folding model exactly (REF_FREQ = the cube's
//             reference frequency), so PSRCHIVE predicts the phase of every sub-integration
//   SUBINT    one row per sub-integration: TSUBINT, OFFS_SUB (middle, s from the start),
//             PERIOD (the model's period at OFFS_SUB), pointing columns, DAT_FREQ (subband
//             centres, ascending), DAT_WTS (1 where bin_var > 0, else 0), DAT_OFFS, DAT_SCL,
//             DATA int16 TDIM (NBIN, NCHAN, 1) with value = DATA * DAT_SCL + DAT_OFFS chosen
//             per (sub-integration, subband) to span +-32766, and TY_BVAR [NCHAN] E (bin_var)
//   TIANYAN   one row, one column JSON: model, cube scalars, FoldMeta (configuration, version,
//             input files, search values) and, when set, the optimum's scalars
// Bin b of a profile covers model phase [b/NBIN, (b+1)/NBIN), which is what PSRCHIVE assumes
// of EPOCHS = 'MIDTIME' with a predictor.
#include <string>

#include "kernels/fold/fold.hpp"

namespace tianyan {

// Writes `c` to `path` atomically (a temporary name beside it, renamed when complete).
// Throws Internal naming `path` for an inconsistent cube (sizes, non-finite values, no model)
// and Environment when the file cannot be written.
void write_fold_archive(const std::string& path, const FoldedCandidate& c);

}  // namespace tianyan
