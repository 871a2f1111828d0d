#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make a large xentrace file from a real one: its windows N times over,
each copy's cycle counts shifted past the previous copy's end (records
without a cycle count are copied as they are). For bench/trace_ingest.sh.

usage: xentrace_repeat.py IN OUT N"""
import struct, sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, 'rb').read()
windows, p, lo, hi = [], 0, None, 0
while p < len(b):
    hdr, cpu, size = struct.unpack_from('<III', b, p)
    assert hdr == 0x2001f003, hex(hdr)
    w = bytearray(b[p + 12:p + 12 + size])
    tsc_at = []
    q = 0
    while q < size:
        h = struct.unpack_from('<I', w, q)[0]
        if h >> 31:
            tsc_at.append(q + 4)
            t = struct.unpack_from('<Q', w, q + 4)[0]
            lo = t if lo is None else min(lo, t)
            hi = max(hi, t)
        q += 4 + (8 if h >> 31 else 0) + 4 * ((h >> 28) & 7)
    windows.append((cpu, w, tsc_at))
    p += 12 + size
span = hi - lo + 1000
with open(dst, 'wb') as f:
    for k in range(n):
        for cpu, w, tsc_at in windows:
            c = bytearray(w)
            for at in tsc_at:
                t = struct.unpack_from('<Q', c, at)[0] + k * span
                struct.pack_into('<Q', c, at, t)
            f.write(struct.pack('<III', 0x2001f003, cpu, len(c)))
            f.write(c)
