#!/usr/bin/env python3
"""Comparisons for the integration tests. Each prints nothing and exits 0 when
the check holds, or prints one line saying what differs and exits 1.

  check.py lines OUT N
      OUT (elscope --json output) has exactly N lines, each one JSON document
  check.py regs OUT K GDBLOG PREFIX NAME...
      line K (from 1) of OUT is an object whose NAMEs equal, as numbers, the
      values gdb printed as "@PREFIX:NAME=0x..." in GDBLOG
  check.py mem OUT K FILE ADDR LEN
      line K of OUT is {"address": ADDR, "length": LEN, "space": "phys",
      "data": hex} and the data equals FILE's bytes
  check.py same FILE1 FILE2 LEN
      both files hold the same LEN bytes
  check.py nonzero FILE
      FILE is not empty and not all zero bytes (so a comparison could fail)
"""

import json
import re
import sys


class Mismatch(Exception):
    pass


def doc(out, k):
    lines = open(out, encoding="utf-8", errors="replace").read().splitlines()
    if k > len(lines):
        raise Mismatch(f"elscope printed {len(lines)} JSON lines, wanted line {k}")
    try:
        return json.loads(lines[k - 1])
    except ValueError:
        raise Mismatch(f"line {k} of elscope's output is not JSON: {lines[k - 1][:80]!r}")


def number(s, what):
    if not isinstance(s, str) or not re.fullmatch(r"0x[0-9a-fA-F]+", s):
        raise Mismatch(f"{what} is {s!r}, not a \"0x...\" string")
    return int(s, 16)


def check_lines(out, n):
    lines = open(out, encoding="utf-8", errors="replace").read().splitlines()
    if len(lines) != int(n):
        raise Mismatch(f"elscope printed {len(lines)} lines for {n} commands")
    for i in range(1, len(lines) + 1):
        doc(out, i)


def gdb_values(log, prefix):
    vals = {}
    for line in open(log, encoding="utf-8", errors="replace"):
        m = re.match(r"^@([^=]+)=(.*)$", line.rstrip("\n"))
        if m and m.group(1).startswith(prefix + ":"):
            vals[m.group(1)[len(prefix) + 1:]] = m.group(2).strip()
    return vals


def check_regs(out, k, log, prefix, names):
    d = doc(out, int(k))
    if not isinstance(d, dict):
        raise Mismatch(f"regs printed {type(d).__name__}, not an object")
    g = gdb_values(log, prefix)
    for name in names:
        if name not in d:
            raise Mismatch(f"regs output has no {name!r} (keys: {', '.join(d)})")
        mine = number(d[name], f"elscope's {name}")
        if name not in g:
            raise Mismatch(f"gdb printed no {name} for {prefix}")
        theirs = number(g[name], f"gdb's {name}")
        if mine != theirs:
            raise Mismatch(f"{prefix} {name}: elscope {mine:#x}, gdb {theirs:#x}")


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def check_mem(out, k, path, addr, length):
    d = doc(out, int(k))
    addr, length = int(addr, 0), int(length, 0)
    if number(d.get("address"), "address") != addr:
        raise Mismatch(f"address is {d.get('address')}, wanted {addr:#x}")
    if d.get("length") != length:
        raise Mismatch(f"length is {d.get('length')!r}, wanted {length}")
    if d.get("space") != "phys":
        raise Mismatch(f"space is {d.get('space')!r}, wanted \"phys\"")
    data = d.get("data")
    if not isinstance(data, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", data):
        raise Mismatch("data is not a string of lower-case hex byte pairs")
    mine = bytes.fromhex(data)
    theirs = open(path, "rb").read()
    if len(mine) != length:
        raise Mismatch(f"data holds {len(mine)} bytes, length says {length}")
    if mine != theirs:
        i = first_difference(mine, theirs)
        raise Mismatch(f"x --phys {addr:#x} {length}: first difference at {addr + i:#x}"
                       f" (elscope {mine[i:i + 8].hex()}, gdb {theirs[i:i + 8].hex()})")


def check_same(p1, p2, length):
    a, b = open(p1, "rb").read(), open(p2, "rb").read()
    length = int(length, 0)
    if len(a) != length or len(b) != length:
        raise Mismatch(f"sizes {len(a)} and {len(b)}, wanted {length}")
    if a != b:
        i = first_difference(a, b)
        raise Mismatch(f"{p1} and {p2} differ first at offset {i:#x}")


def check_nonzero(path):
    data = open(path, "rb").read()
    if not data or data.count(0) == len(data):
        raise Mismatch(f"{path} is {'empty' if not data else 'all zeros'}: pick another range")


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "lines" and len(args) == 2:
        check_lines(*args)
    elif cmd == "regs" and len(args) >= 5:
        check_regs(args[0], args[1], args[2], args[3], args[4:])
    elif cmd == "mem" and len(args) == 5:
        check_mem(*args)
    elif cmd == "same" and len(args) == 3:
        check_same(*args)
    elif cmd == "nonzero" and len(args) == 1:
        check_nonzero(*args)
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Mismatch as e:
        print(e)
        sys.exit(1)
    except OSError as e:
        print(f"{e.filename}: {e.strerror}")
        sys.exit(1)
