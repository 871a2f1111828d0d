#!/usr/bin/env python3
"""Check one guest's ground truth (lab/lab up prints TRUTH=DIR; a guest's
truth is DIR/NAME, e.g. DIR/host): every file is there, parses, and says what
the lab's /init and workload make true.

  truth_check.py [--modules NAME,NAME] [--summary] TRUTHDIR/NAME

Prints nothing and exits 0 when the truth holds (with --summary, one line
of counts); otherwise prints one line saying what is wrong and exits 1
(2 for usage).

What is checked (lab/README.md describes the files):
  ps.tsv        header "pid tgid ppid state comm" (tabs); numbers, a one-letter
                state, unique pids; PID 1 and kthreadd; the process mtwork with
                its 4 threads mtwork-w0..w3 and the process mapper, children of
                PID 1
  maps/PID.txt  one per workload process (mtwork, mapper) and no other; each
                line in /proc/PID/maps form; mtwork maps itself, libelswork.so
                and libc, mapper maps itself and /run/mapper.data
  pagemap.tsv   header "pid va pa"; the mapper's pid; hex addresses or "-";
                present and "-" entries both; each va inside a mapping of the
                mapper; with mapper.addrs: untouched pages "-", written and
                read pages present, written pages on distinct frames
  modules.txt   /proc/modules lines; the modules /init loads (default dummy,
                crc_itu_t, qemu_fw_cfg) are Live at a kernel address (not 0: kptr_restrict
                was off)
  modsections.txt
                "MODULE SECTION 0xADDR" lines, sorted, no section twice; the
                same modules as modules.txt; each has .text at its
                modules.txt address and .gnu.linkonce.this_module; every
                section but the init area's (.init.*, .symtab, .strtab, freed
                after loading) lies inside the module's modules.txt range
  dmesg.txt     not empty; holds the kernel's "Linux version" banner
"""

import os
import re
import sys


class Bad(Exception):
    pass


HEX = re.compile(r"0x[0-9a-f]+")
MAPS_LINE = re.compile(
    r"([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)")
PROC_STATES = set("RSDTtXZPIWK")
MODULE_LINE = re.compile(r"(\S+) (\d+) (\d+) (\S+) (Live|Loading|Unloading) (0x[0-9a-f]+)"
                         r"(?: \(\S+\))?")


def read_lines(path, what):
    try:
        with open(path, encoding="utf-8", errors="strict") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        raise Bad(f"no {what} ({path})")
    except (OSError, UnicodeDecodeError) as e:
        raise Bad(f"cannot read {what} ({path}): {e}")


def tsv(path, what, header):
    lines = read_lines(path, what)
    if not lines or lines[0] != "\t".join(header):
        got = lines[0] if lines else "nothing"
        raise Bad(f"{what}: header is {got!r}, not {chr(9).join(header)!r}")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cols = line.split("\t")
        if len(cols) != len(header):
            raise Bad(f"{what} line {n}: {len(cols)} columns, not {len(header)}: {line!r}")
        rows.append((n, cols))
    return rows


def check_ps(d):
    tasks = {}
    for n, (pid, tgid, ppid, state, comm) in tsv(os.path.join(d, "ps.tsv"), "ps.tsv",
                                                  ["pid", "tgid", "ppid", "state", "comm"]):
        if not (pid.isdigit() and tgid.isdigit() and ppid.isdigit()):
            raise Bad(f"ps.tsv line {n}: pid, tgid and ppid must be numbers")
        if len(state) != 1 or state not in PROC_STATES:
            raise Bad(f"ps.tsv line {n}: state {state!r} is not a /proc task state")
        if not comm:
            raise Bad(f"ps.tsv line {n}: empty comm")
        if int(pid) in tasks:
            raise Bad(f"ps.tsv line {n}: pid {pid} twice")
        tasks[int(pid)] = {"tgid": int(tgid), "ppid": int(ppid), "state": state, "comm": comm}
    for t in tasks.values():
        if t["tgid"] not in tasks:
            raise Bad(f"ps.tsv: thread group {t['tgid']} has no leader line")
    if tasks.get(1, {}).get("comm") != "init":
        raise Bad("ps.tsv: no PID 1 called init")
    if tasks.get(2, {}).get("comm") != "kthreadd":
        raise Bad("ps.tsv: no kthreadd at pid 2")
    procs = {}
    for name in ("mtwork", "mapper"):
        found = [p for p, t in tasks.items() if t["comm"] == name and t["tgid"] == p]
        if len(found) != 1:
            raise Bad(f"ps.tsv: {len(found)} processes called {name}, not 1")
        p = found[0]
        if tasks[p]["ppid"] != 1:
            raise Bad(f"ps.tsv: {name} ({p}) has parent {tasks[p]['ppid']}, not 1")
        procs[name] = p
    threads = sorted(t["comm"] for p, t in tasks.items()
                     if t["tgid"] == procs["mtwork"] and p != procs["mtwork"])
    if threads != [f"mtwork-w{i}" for i in range(4)]:
        raise Bad(f"ps.tsv: mtwork's threads are {threads}, not mtwork-w0..w3")
    if any(t["tgid"] == procs["mapper"] and p != procs["mapper"] for p, t in tasks.items()):
        raise Bad("ps.tsv: mapper has more than one thread")
    return tasks, procs


def parse_maps(path, what):
    maps = []
    for n, line in enumerate(read_lines(path, what), 1):
        m = MAPS_LINE.fullmatch(line)
        if not m:
            raise Bad(f"{what} line {n} is not a /proc/PID/maps line: {line!r}")
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        if start >= end or start % 4096 or end % 4096:
            raise Bad(f"{what} line {n}: bad range {m.group(1)}-{m.group(2)}")
        if maps and start < maps[-1][1]:
            raise Bad(f"{what} line {n}: mappings not sorted or overlapping")
        maps.append((start, end, m.group(3), m.group(7)))
    if not maps:
        raise Bad(f"{what} is empty")
    return maps


def check_maps(d, procs):
    mdir = os.path.join(d, "maps")
    try:
        names = sorted(os.listdir(mdir))
    except OSError:
        raise Bad(f"no maps directory ({mdir})")
    want = sorted(f"{p}.txt" for p in procs.values())
    if names != want:
        raise Bad(f"maps/ holds {names}, not {want} (mtwork, mapper)")
    maps = {}
    needs = {"mtwork": ["/usr/bin/mtwork", "/usr/lib/libelswork.so",
                        "/lib/aarch64-linux-gnu/libc.so.6"],
             "mapper": ["/usr/bin/mapper", "/run/mapper.data"]}
    for name, pid in procs.items():
        m = parse_maps(os.path.join(mdir, f"{pid}.txt"), f"maps/{pid}.txt")
        paths = {x[3] for x in m}
        for p in needs[name]:
            if p not in paths:
                raise Bad(f"maps/{pid}.txt ({name}) does not map {p}")
        maps[name] = m
    return maps


def check_pagemap(d, procs, maps):
    rows = tsv(os.path.join(d, "pagemap.tsv"), "pagemap.tsv", ["pid", "va", "pa"])
    if not rows:
        raise Bad("pagemap.tsv has no entries")
    pages = {}
    for n, (pid, va, pa) in rows:
        if pid != str(procs["mapper"]):
            raise Bad(f"pagemap.tsv line {n}: pid {pid} is not the mapper's ({procs['mapper']})")
        if not HEX.fullmatch(va) or not (pa == "-" or HEX.fullmatch(pa)):
            raise Bad(f"pagemap.tsv line {n}: va and pa must be 0x... (pa may be -): {va} {pa}")
        v = int(va, 16)
        if not any(s <= v < e for s, e, _, _ in maps["mapper"]):
            raise Bad(f"pagemap.tsv line {n}: {va} is in no mapping of the mapper")
        pages[v] = None if pa == "-" else int(pa, 16)
    if all(p is None for p in pages.values()):
        raise Bad("pagemap.tsv: no present page")
    if all(p is not None for p in pages.values()):
        raise Bad("pagemap.tsv: no page that is not present (never touched)")
    addrs = os.path.join(d, "mapper.addrs")
    if not os.path.exists(addrs):
        return len(pages)
    kinds = {}
    for n, (va, kind) in tsv(addrs, "mapper.addrs", ["va", "kind"]):
        kinds[int(va, 16)] = kind
    if set(kinds) != set(pages):
        raise Bad("pagemap.tsv and mapper.addrs name different addresses")
    written = []
    for va, kind in kinds.items():
        pa = pages[va]
        if kind.endswith("-untouched") and pa is not None:
            raise Bad(f"pagemap.tsv: the never-touched page {va:#x} ({kind}) is present")
        if not kind.endswith("-untouched") and pa is None:
            raise Bad(f"pagemap.tsv: the {kind} page {va:#x} is not present")
        if kind.endswith("-written"):
            written.append(pa)
    if len(set(written)) != len(written):
        raise Bad("pagemap.tsv: two written pages share a frame")
    return len(pages)


def check_modules(d, wanted):
    mods = {}
    for n, line in enumerate(read_lines(os.path.join(d, "modules.txt"), "modules.txt"), 1):
        m = MODULE_LINE.fullmatch(line)
        if not m:
            raise Bad(f"modules.txt line {n} is not a /proc/modules line: {line!r}")
        mods[m.group(1)] = (m.group(5), int(m.group(6), 16), int(m.group(2)))
    for name in wanted:
        if name not in mods:
            raise Bad(f"modules.txt: module {name} is not loaded")
        state, addr, _ = mods[name]
        if state != "Live":
            raise Bad(f"modules.txt: module {name} is {state}, not Live")
        if addr < 0xffff000000000000:
            raise Bad(f"modules.txt: module {name} at {addr:#x}, not a kernel address"
                      " (kptr_restrict?)")
    return mods


MODSECTION_LINE = re.compile(r"(\w+) (\S+) (0x[0-9a-f]+)")


def check_modsections(d, mods):
    lines = read_lines(os.path.join(d, "modsections.txt"), "modsections.txt")
    if lines != sorted(lines):
        raise Bad("modsections.txt is not sorted")
    sects = {}
    for n, line in enumerate(lines, 1):
        m = MODSECTION_LINE.fullmatch(line)
        if not m:
            raise Bad(f"modsections.txt line {n} is not 'MODULE SECTION 0xADDR': {line!r}")
        mod, sec, addr = m.group(1), m.group(2), int(m.group(3), 16)
        if sec in sects.setdefault(mod, {}):
            raise Bad(f"modsections.txt line {n}: {mod} {sec} twice")
        if addr < 0xffff000000000000:
            raise Bad(f"modsections.txt line {n}: {mod} {sec} at {addr:#x}, not a kernel"
                      " address (read without the right to see them?)")
        sects[mod][sec] = addr
    if set(sects) != set(mods):
        raise Bad(f"modsections.txt names modules {sorted(sects)}, modules.txt {sorted(mods)}")
    for mod, secs in sects.items():
        _, base, size = mods[mod]
        for need in (".text", ".gnu.linkonce.this_module"):
            if need not in secs:
                raise Bad(f"modsections.txt: {mod} has no {need}")
        if secs[".text"] != base:
            raise Bad(f"modsections.txt: {mod} .text at {secs['.text']:#x}, modules.txt says"
                      f" {base:#x}")
        for sec, addr in secs.items():
            if sec.startswith(".init") or sec in (".symtab", ".strtab"):
                continue
            if not base <= addr < base + size:
                raise Bad(f"modsections.txt: {mod} {sec} at {addr:#x}, outside the module"
                          f" ({base:#x}, {size} bytes)")
    return len(lines)


def check_dmesg(d):
    lines = read_lines(os.path.join(d, "dmesg.txt"), "dmesg.txt")
    if not lines:
        raise Bad("dmesg.txt is empty")
    if not any("Linux version " in x for x in lines):
        raise Bad("dmesg.txt has no 'Linux version' banner")
    return len(lines)


def main(argv):
    args = argv[1:]
    wanted = ["dummy", "crc_itu_t", "qemu_fw_cfg"]
    summary = False
    while args and args[0].startswith("--"):
        if args[0] == "--modules" and len(args) > 1:
            wanted = [m for m in args[1].split(",") if m]
            args = args[2:]
        elif args[0] == "--summary":
            summary = True
            args = args[1:]
        else:
            break
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    d = args[0]
    try:
        if not os.path.isdir(d):
            raise Bad(f"no truth directory {d}")
        tasks, procs = check_ps(d)
        maps = check_maps(d, procs)
        npages = check_pagemap(d, procs, maps)
        mods = check_modules(d, wanted)
        nmods = len(mods)
        nsects = check_modsections(d, mods)
        nlog = check_dmesg(d)
    except Bad as e:
        print(f"truth {d}: {e}")
        return 1
    if summary:
        print(f"truth {d}: {len(tasks)} tasks (mtwork {procs['mtwork']}, mapper "
              f"{procs['mapper']}), {npages} pagemap entries, {nmods} modules ({nsects} sections), "
              f"{nlog} log lines: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
