#!/usr/bin/env python3
"""Where did Xen's members move between two builds of the same code?

usage: tools/xen_layout_port.py OLD_XEN_SYMS NEW_XEN_SYMS OFFSET...

For a release whose source cannot be built with debug info (Debian's
4.17.7 source was not on the mirror), take a nearby release that can
(OLD, with DWARF: build/xen-layout prints its row) and the release you
need (NEW, Debian's xen-syms without DWARF). Every function whose
instructions have the same opcodes in both builds is paired instruction by
instruction; for each load or store `[xN, #OFFSET]` of OLD the offset the
same instruction uses in NEW is counted, with the functions it was seen in.
A member that moved shows up as OLD offset -> NEW offset in the functions
that use it (4.17.5 -> 4.17.7: vcpu.runstate.state 208 -> 216 in
vcpu_create, sched_free_unit; domain.pause_count 452 -> 468 in
dump_domains). The answer is a lead, not a proof: pick the functions that
really use the member, and check the row on the running Xen (elscope checks
runstates, back-pointers and VMIDs before it trusts a layout).
Needs aarch64-linux-gnu-objdump (binutils-aarch64-linux-gnu).
"""
import collections
import re
import subprocess
import sys


def functions(path):
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", path],
                         check=True, capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if m and cur is not None:
            cur.append((m.group(1), m.group(2)))
    return funcs


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    old, new = functions(argv[1]), functions(argv[2])
    want = {int(a, 0) for a in argv[3:]}
    seen = collections.defaultdict(collections.Counter)
    where = collections.defaultdict(list)
    paired = 0
    for name, a in old.items():
        b = new.get(name)
        if not b or len(a) != len(b) or [x[0] for x in a] != [x[0] for x in b]:
            continue
        paired += 1
        for (op, x), (_, y) in zip(a, b):
            if not op.startswith(("ld", "st")):
                continue
            xi = re.findall(r"\[x\d+, #(\d+)\]", x)
            yi = re.findall(r"\[x\d+, #(\d+)\]", y)
            if len(xi) == 1 and len(yi) == 1 and int(xi[0]) in want:
                o, n = int(xi[0]), int(yi[0])
                seen[o][n] += 1
                if name not in where[(o, n)]:
                    where[(o, n)].append(name)
    print("%d functions paired" % paired)
    for o in sorted(want):
        row = ", ".join("%d x%d (%s)" % (n, c, " ".join(where[(o, n)][:4]))
                        for n, c in seen[o].most_common(4))
        print("%6d -> %s" % (o, row or "not used by a paired function"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
