#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Shrink a real trace.dat (version 6, uncompressed: `trace-cmd convert
--file-version 6 --compression none`) for tests: drop kallsyms, trace_printk
formats, ftrace formats and every event system but sched; keep the first
pages of each CPU's ring buffer. The records are the kernel's, untouched.

usage: tracedat_shrink.py IN OUT [PAGES_PER_CPU]"""
import struct, sys

def main():
    src, dst = sys.argv[1], sys.argv[2]
    npages = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    b = open(src, 'rb').read()
    if b[:10] != b'\x17\x08Dtracing' or b[10:12] != b'6\0':
        sys.exit('not a version 6 trace.dat')
    out = bytearray(b[:12])
    p = 12
    endian, lsize, psize = b[p], b[p + 1], struct.unpack_from('<I', b, p + 2)[0]
    out += b[p:p + 6]
    p += 6
    for name in (b'header_page\0', b'header_event\0'):
        assert b[p:p + len(name)] == name
        n = struct.unpack_from('<Q', b, p + len(name))[0]
        out += b[p:p + len(name) + 8 + n]
        p += len(name) + 8 + n
    # ftrace formats: dropped
    cnt = struct.unpack_from('<I', b, p)[0]
    p += 4
    for _ in range(cnt):
        p += 8 + struct.unpack_from('<Q', b, p)[0]
    out += struct.pack('<I', 0)
    # event systems: only sched
    nsys = struct.unpack_from('<I', b, p)[0]
    p += 4
    keep = []
    for _ in range(nsys):
        e = b.index(b'\0', p)
        name = b[p:e]
        q = e + 1
        nev = struct.unpack_from('<I', b, q)[0]
        q += 4
        for _ in range(nev):
            q += 8 + struct.unpack_from('<Q', b, q)[0]
        if name == b'sched':
            keep.append(b[p:q])
        p = q
    out += struct.pack('<I', len(keep)) + b''.join(keep)
    # kallsyms, printk: emptied
    p += 4 + struct.unpack_from('<I', b, p)[0]
    p += 4 + struct.unpack_from('<I', b, p)[0]
    out += struct.pack('<I', 0) + struct.pack('<I', 0)
    # cmdlines
    n = struct.unpack_from('<Q', b, p)[0]
    out += b[p:p + 8 + n]
    p += 8 + n
    ncpus = struct.unpack_from('<I', b, p)[0]
    out += b[p:p + 4]
    p += 4
    # options (until option 0), then "flyrecord\0"
    assert b[p:p + 10] == b'options  \0', b[p:p + 10]
    q = p + 10
    while True:
        opt = struct.unpack_from('<H', b, q)[0]
        q += 2
        if opt == 0:
            break
        q += 4 + struct.unpack_from('<I', b, q)[0]
    out += b[p:q]
    p = q
    assert b[p:p + 10] == b'flyrecord\0'
    out += b[p:p + 10]
    p += 10
    cpus = [struct.unpack_from('<QQ', b, p + 16 * i) for i in range(ncpus)]
    hdr_end = len(out) + 16 * ncpus
    data_off = (hdr_end + psize - 1) // psize * psize
    table, data = bytearray(), bytearray()
    for off, size in cpus:
        size = min(size, npages * psize)
        table += struct.pack('<QQ', data_off + len(data), size)
        data += b[off:off + size]
    out += table
    out += b'\0' * (data_off - len(out))
    out += data
    open(dst, 'wb').write(out)

main()
