#!/usr/bin/env python3
"""Counts the non-background pixels of a PNG inside boxes (the plot tests' eye).

usage: png_stats.py FILE [X0 Y0 X1 Y1]...
Boxes are in pixels, X0/Y0 inclusive, X1/Y1 exclusive, rows counted from the top. Prints
"WIDTH HEIGHT" (from IHDR) and then, per box, "INKED TOTAL": the pixels that differ from white
by more than 24 in any channel, and the pixels in the box. Standard library only: the PNG is
decoded here (zlib, then PNG's per-row filters undone), 8-bit, non-interlaced.
"""
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = header
    if depth != 8 or interlace != 0 or ctype not in CHANNELS:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, type {ctype}, interlace {interlace})")
    return width, height, CHANNELS[ctype], unfilter(zlib.decompress(b"".join(idat)), width, height, CHANNELS[ctype])


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bpp):
    stride = width * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up_left = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + paeth(left, prev[i], up_left)) & 0xFF
        elif ftype != 0:
            raise SystemExit(f"bad PNG filter type {ftype}")
        rows.append(line)
        prev = line
    return rows


def main():
    path, coords = sys.argv[1], [int(v) for v in sys.argv[2:]]
    width, height, bpp, rows = read_png(path)
    print(width, height)
    colour = min(bpp, 3)  # grey or RGB samples; alpha ignored
    for k in range(0, len(coords), 4):
        x0, y0, x1, y1 = coords[k:k + 4]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        inked = 0
        for y in range(y0, y1):
            row = rows[y]
            for x in range(x0, x1):
                px = row[x * bpp:x * bpp + colour]
                if any(255 - v > 24 for v in px):
                    inked += 1
        print(inked, max(x1 - x0, 0) * max(y1 - y0, 0))


if __name__ == "__main__":
    main()
