#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ELF cores `lab/lab dump` writes (QEMU's dump-guest-memory, 64-bit
little-endian): program headers, the kernel's VMCOREINFO note, and writes to
a physical address (for tests that corrupt a copy of a dump).

  corefile.py vmcoreinfo CORE [KEY]   KEY=VALUE lines, or KEY's value alone
  corefile.py poke CORE PA VALUE      write the 64-bit VALUE at physical PA
Exits 1 when the note, the key or a segment holding PA is missing.
"""
import struct
import sys

PT_LOAD, PT_NOTE = 1, 4


def program_headers(f):
    """(ELF header bytes, [(raw phdr, type, offset, paddr, filesz, memsz)])."""
    f.seek(0)
    eh = f.read(64)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    f.seek(phoff)
    out = []
    for _ in range(phnum):
        raw = f.read(phentsize)
        p_type, _, off, _, pa, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", raw)
        out.append((raw, p_type, off, pa, filesz, memsz))
    return eh, out


def vmcoreinfo(f):
    """The VMCOREINFO note as a dict (empty when there is none)."""
    info = {}
    for _, p_type, off, _, filesz, _ in program_headers(f)[1]:
        if p_type != PT_NOTE:
            continue
        f.seek(off)
        notes, pos = f.read(filesz), 0
        while pos + 12 <= len(notes):
            namesz, descsz, _ = struct.unpack_from("<III", notes, pos)
            name = notes[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            dpos = pos + 12 + (namesz + 3) // 4 * 4
            if name == b"VMCOREINFO":
                text = notes[dpos:dpos + descsz].split(b"\0")[0].decode()
                for line in text.splitlines():
                    k, _, v = line.partition("=")
                    info[k] = v
            pos = dpos + (descsz + 3) // 4 * 4
    return info


def poke(f, pa, value):
    """Write a 64-bit value at physical address pa; False if no PT_LOAD holds it."""
    for _, p_type, off, paddr, filesz, _ in program_headers(f)[1]:
        if p_type == PT_LOAD and paddr <= pa and pa + 8 <= paddr + filesz:
            f.seek(off + pa - paddr)
            f.write(struct.pack("<Q", value))
            return True
    return False


def main(argv):
    if len(argv) >= 3 and argv[1] == "vmcoreinfo" and len(argv) <= 4:
        with open(argv[2], "rb") as f:
            info = vmcoreinfo(f)
        if len(argv) == 4:
            if argv[3] not in info:
                return "%s: no %s in its VMCOREINFO" % (argv[2], argv[3])
            print(info[argv[3]])
            return 0
        if not info:
            return "%s: no VMCOREINFO note" % argv[2]
        for k, v in info.items():
            print("%s=%s" % (k, v))
        return 0
    if len(argv) == 5 and argv[1] == "poke":
        with open(argv[2], "r+b") as f:
            if not poke(f, int(argv[3], 16), int(argv[4], 16)):
                return "no PT_LOAD holds 0x%x" % int(argv[3], 16)
        return 0
    return __doc__


if __name__ == "__main__":
    sys.exit(main(sys.argv))
