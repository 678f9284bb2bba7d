#pragma once
// Reads a PSRFITS fold-mode archive (OBS_MODE 'PSR') back into a FoldedCandidate: the archives
// write_fold_archive() writes (exactly, up to the int16 quantisation of DATA) and, as far as
// the standard columns allow, fold-mode archives written by other software (PSRCHIVE, dspsr,
// PRESTO's psrfits output). docs/io.md, "Fold-mode archives", lists what is taken from where.
#include <string>

#include "kernels/fold/fold.hpp"

namespace tianyan {

// The cube comes back [nsubint][nsubband][nbin] with subbands in ascending frequency
// (descending archives are reversed); data = DATA * DAT_SCL + DAT_OFFS, total intensity
// (AA+BB summed for AABB / AABBCRCI, pol 0 for AA+BB, INTEN, IQUV). `best` is left empty for the
// caller to recompute.
//
// From a tianyan archive (TY_BVAR column and TIANYAN extension): model, cube scalars and meta
// exactly as written, bin_var from TY_BVAR.
// From another writer: bin_var is ESTIMATED from the data, the robust variance of each profile
// over its bins (within 3 sigma of the median, sigma = 1.4826 MAD, corrected for the clip; 0
// where DAT_WTS is 0, whose data are zeroed);
// the model is the POLYCO table's (frequency and derivative at the middle of the observation)
// or, without one, a straight-line fit of 1/PERIOD against OFFS_SUB; model.dm is the SUBINT DM
// when HISTORY says the data are dedispersed (DEDISP = 1), else 0; ref_freq_mhz is REFFREQ
// (else OBSFREQ); tsamp_s is 0 (unknown); meta holds what the primary header says.
//
// Throws BadInput "PATH: problem" for a file that is missing, not FITS, truncated, search mode,
// not PSRFITS, or lacks a SUBINT table, a required keyword or column, or a folding period.
FoldedCandidate read_fold_archive(const std::string& path);

}  // namespace tianyan
