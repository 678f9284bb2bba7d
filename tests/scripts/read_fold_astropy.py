#!/usr/bin/env python3
"""Reads a PSRFITS fold-mode archive with astropy + numpy, independently of tianyan's reader.

Usage: read_fold_astropy.py FILE

Prints one JSON object: header facts (OBS_MODE, NBIN, NCHAN, NPOL, POL_TYPE, the TDIM of DATA,
the shape astropy gives DATA) and the profile of every channel summed over sub-integrations,
sum over rows of DATA * DAT_SCL + DAT_OFFS ([NCHAN][NBIN], channel order as stored, first
polarisation), the largest DAT_SCL, the per-row PERIOD and OFFS_SUB, and the names of the HDUs.
"""
import json
import sys

import numpy as np
from astropy.io import fits


def main(path):
    with fits.open(path, memmap=False) as hdul:
        primary = hdul[0].header
        sub = hdul["SUBINT"]
        h = sub.header
        nbin, nchan, npol = h["NBIN"], h["NCHAN"], h["NPOL"]
        nrows = h["NAXIS2"]
        data_col = sub.columns.names.index("DATA") + 1
        raw = np.asarray(sub.data["DATA"])  # astropy applies TDIM: (nrows, NPOL, NCHAN, NBIN)
        shape = list(raw.shape)
        raw = raw.reshape(nrows, npol, nchan, nbin).astype(np.float64)
        scl = np.asarray(sub.data["DAT_SCL"], dtype=np.float64).reshape(nrows, -1)
        offs = np.asarray(sub.data["DAT_OFFS"], dtype=np.float64).reshape(nrows, -1)
        values = raw[:, 0, :, :] * scl[:, :nchan, None] + offs[:, :nchan, None]
        out = {
            "obs_mode": primary["OBS_MODE"],
            "nbin": nbin,
            "nchan": nchan,
            "npol": npol,
            "pol_type": h["POL_TYPE"],
            "tdim": h.get("TDIM%d" % data_col, ""),
            "data_shape": shape,
            "data_dtype": str(sub.data["DATA"].dtype),
            "profile_sum": values.sum(axis=0).tolist(),
            "max_scale": float(scl.max()),
            "period": [float(x) for x in sub.data["PERIOD"]],
            "offs_sub": [float(x) for x in sub.data["OFFS_SUB"]],
            "hdus": [hdu.name for hdu in hdul],
        }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
