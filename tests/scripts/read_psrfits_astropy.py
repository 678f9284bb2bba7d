#!/usr/bin/env python3
"""Reads PSRFITS search-mode files with astropy + numpy, independently of tianyan's reader.

Usage: read_psrfits_astropy.py [--total-intensity] FILE... (the files of one scan, in order)

Prints one JSON object: per-file header facts, and the samples of all files concatenated in
FILE order ([nsamp][npol][nchan] as stored, channel order as stored, zero padding included):
shape, sum, a position-weighted checksum and the first values. Sub-byte samples are unpacked
most-significant bits first, as the PSRFITS convention requires.

With --total-intensity it also prints what a total-intensity reader must deliver: the valid
samples (NSTOT of each file) of ((raw - ZERO_OFF) * DAT_SCL + DAT_OFFS) * DAT_WTS summed over AA and
BB, their sum and the first spectrum in ascending frequency.
"""
import json
import sys

import numpy as np
from astropy.io import fits

CHECKSUM_PERIOD = 1009  # weights (i % 1009) + 1 make the checksum sensitive to order


def unpack(raw, nbits):
    """Bytes -> unsigned samples, first sample in the high bits."""
    if nbits == 8:
        return raw.astype(np.int64)
    bits = np.unpackbits(raw).reshape(-1, nbits).astype(np.int64)
    weights = 1 << np.arange(nbits - 1, -1, -1, dtype=np.int64)
    return bits @ weights


def read_file(path):
    with fits.open(path, memmap=False) as hdul:
        primary = hdul[0].header
        sub = hdul["SUBINT"]
        h = sub.header
        nsblk, npol, nchan, nbits = h["NSBLK"], h["NPOL"], h["NCHAN"], h["NBITS"]
        nrows = h["NAXIS2"]
        facts = {
            "nrows": nrows,
            "nsuboffs": h["NSUBOFFS"],
            "nstot": h["NSTOT"],
            "stt_imjd": primary["STT_IMJD"],
            "stt_smjd": primary["STT_SMJD"],
            "stt_offs": primary["STT_OFFS"],
            "obs_mode": primary["OBS_MODE"],
            "tdim": h.get("TDIM7", ""),
        }
        raw = np.asarray(sub.data["DATA"], dtype=np.uint8).reshape(nrows, -1) if nrows else \
            np.zeros((0, nsblk * npol * nchan * nbits // 8), dtype=np.uint8)
        samples = unpack(raw.reshape(-1), nbits).reshape(nrows * nsblk, npol, nchan)
        if nrows:
            facts["offs_sub"] = [float(x) for x in sub.data["OFFS_SUB"]]
            facts["dat_freq"] = [float(x) for x in sub.data["DAT_FREQ"][0]]
            facts["dat_wts"] = [float(x) for x in sub.data["DAT_WTS"][0]]
        meta = {"nbits": nbits, "npol": npol, "nchan": nchan, "nsblk": nsblk}
        if nrows:
            facts["intensity"] = total_intensity(sub, samples, h)
        return facts, meta, samples


def total_intensity(sub, samples, h):
    """AA + BB of the valid samples, scaled per row, channels in ascending frequency."""
    nsblk, npol, nchan = h["NSBLK"], h["NPOL"], h["NCHAN"]
    nvalid = int(h.get("NSTOT", samples.shape[0]))
    npols_summed = 2 if npol >= 2 and h["POL_TYPE"].strip().upper().startswith("AABB") else 1
    out = np.zeros((samples.shape[0], nchan))
    for row in range(sub.header["NAXIS2"]):
        scl = np.asarray(sub.data["DAT_SCL"][row], dtype=np.float64)
        offs = np.asarray(sub.data["DAT_OFFS"][row], dtype=np.float64)
        wts = np.asarray(sub.data["DAT_WTS"][row], dtype=np.float64)
        if scl.size == nchan:
            scl, offs = np.tile(scl, npol), np.tile(offs, npol)
        block = samples[row * nsblk:(row + 1) * nsblk].astype(np.float64) - h.get("ZERO_OFF", 0)
        for pol in range(npols_summed):
            s = scl[pol * nchan:(pol + 1) * nchan]
            o = offs[pol * nchan:(pol + 1) * nchan]
            out[row * nsblk:(row + 1) * nsblk] += (block[:, pol, :] * s + o) * wts
    out = out[:nvalid]
    if sub.data["DAT_FREQ"][0][0] > sub.data["DAT_FREQ"][0][-1]:
        out = out[:, ::-1]
    return out


def main(paths, total):
    facts, metas, parts = [], [], []
    for path in paths:
        f, meta, samples = read_file(path)
        facts.append(f)
        metas.append(meta)
        parts.append(samples)
    data = np.concatenate(parts, axis=0)
    intensity = [f.pop("intensity") for f in facts if "intensity" in f]
    flat = data.reshape(-1)
    weights = (np.arange(flat.size, dtype=np.int64) % CHECKSUM_PERIOD) + 1
    out = dict(metas[0])
    out.update({
        "files": facts,
        "shape": list(data.shape),
        "sum": int(flat.sum()),
        "checksum": int((flat * weights).sum()),
        "first": [int(x) for x in flat[:64]],
    })
    if total and intensity:
        ti = np.concatenate(intensity, axis=0)
        out["total_intensity_sum"] = float(ti.sum())
        out["total_intensity_first"] = [float(x) for x in ti[0]]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    args = sys.argv[1:]
    total = "--total-intensity" in args
    main([a for a in args if a != "--total-intensity"], total)
