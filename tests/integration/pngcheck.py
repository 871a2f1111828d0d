#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Counts the pixels of a PNG (8-bit RGB/RGBA, no interlace; what Chromium
writes) by hue family, with the standard library only:
  pngcheck.py FILE.png  ->  one "name count" line per family, and "total N".
"""
import colorsys
import struct
import sys
import zlib


def read_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('%s: not a PNG' % path)
    pos, idat, hdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit('%s: unsupported PNG (depth %d, type %d)' %
                         (path, depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = read_png(sys.argv[1])
    fam = {'blue': 0, 'orange': 0, 'grey': 0, 'dark': 0, 'red': 0}
    for line in rows:
        for x in range(0, w * bpp, bpp * 2):  # every other pixel: enough
            r, g, b = line[x] / 255, line[x + 1] / 255, line[x + 2] / 255
            hh, ll, ss = colorsys.rgb_to_hls(r, g, b)
            if ll > 0.9:
                continue  # the page's near-white background
            if ss < 0.15:
                if ll < 0.35:
                    fam['dark'] += 1
                else:
                    fam['grey'] += 1
            elif 195 <= hh * 360 <= 225:
                fam['blue'] += 1
            elif 15 <= hh * 360 <= 40:
                fam['orange'] += 1
            elif hh * 360 < 10 or hh * 360 > 345:
                fam['red'] += 1
    for k, v in fam.items():
        print(k, v)
    print('total', (w // 2) * h)


main()
