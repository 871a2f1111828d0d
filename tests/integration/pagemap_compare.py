#!/usr/bin/env python3
"""The lab's pagemap truth against elscope's translation of the mapper's own
page tables, caught while a CPU runs the mapper.

usage: pagemap_compare.py ELSCOPE TARGET LAB WHERE TRUTHDIR [VMID]

WHERE is what `lab/lab exec` takes (linux, xen:dom1, ...); TRUTHDIR the
guest's truth (pagemap.tsv, maps/PID.txt). The mapper spins for 5 s on
SIGUSR1; the machine is halted until a CPU is at EL0 with its PC in one of
the mapper's executable mappings (and, on xen, the guest's VMID in
VTTBR_EL2). Then, through that CPU's tables, every address of pagemap.tsv
translates to the page /proc/PID/pagemap gave (a guest-physical address:
elscope's IPA), and every never-touched page ('-') is not mapped.
"""
import json
import subprocess
import sys
import time


def elscope(binary, target, *cmds, check=True):
    args = [binary, target, "--json", "--keep-halted"]
    for c in cmds:
        args += ["-c", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if check and p.returncode:
        raise SystemExit(f"elscope {' '.join(cmds)[:80]}: {p.stderr.strip()[:200]}")
    return [json.loads(l) for l in p.stdout.splitlines()]


def main():
    binary, target, lab, where, truth = sys.argv[1:6]
    vmid = int(sys.argv[6]) if len(sys.argv) > 6 else None
    rows = [l.split("\t") for l in open(f"{truth}/pagemap.tsv").read().splitlines()[1:]]
    pid = rows[0][0]
    exe = []
    for line in open(f"{truth}/maps/{pid}.txt"):
        f = line.split()
        if f[1][2] == "x":
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            exe.append((lo, hi))
    regs = "pc cpsr" + (" VTTBR_EL2" if vmid is not None else "")
    found = None
    deadline = time.monotonic() + 60
    while found is None and time.monotonic() < deadline:
        subprocess.run([lab, "exec", where, f"kill -USR1 {pid}"], check=True,
                       capture_output=True, timeout=60)
        for _ in range(20):
            time.sleep(0.1)
            docs = elscope(binary, target, "halt", f"regs --cpu 0 {regs}", f"regs --cpu 1 {regs}")
            for cpu, d in ((0, docs[1]), (1, docs[2])):
                pc, el = int(d["pc"], 16), int(d["cpsr"], 16) >> 2 & 3
                if el != 0 or not any(lo <= pc < hi for lo, hi in exe):
                    continue
                if vmid is not None and int(d["VTTBR_EL2"], 16) >> 48 != vmid:
                    continue
                found = cpu
                break
            if found is not None:
                break
            elscope(binary, target, "cont")
    if found is None:
        elscope(binary, target, "cont", check=False)
        raise SystemExit(f"no CPU was caught running the mapper (pid {pid}) in 60 s")
    docs = elscope(binary, target, *[f"vtop --cpu {found} {va}" for _, va, _ in rows])
    elscope(binary, target, "cont")
    present = absent = 0
    for (_, va, pa), d in zip(rows, docs):
        if pa == "-":
            if d["mapped"] or d.get("ipa"):
                raise SystemExit(f"{va}: never touched (pagemap: not present), elscope maps it to {d.get('ipa')}")
            absent += 1
        else:
            if not d.get("ipa") or int(d["ipa"], 16) & ~0xfff != int(pa, 16):
                raise SystemExit(f"{va}: pagemap says {pa}, elscope {d.get('ipa')} ({d.get('fault')})")
            present += 1
    print(f"CPU {found} ran the mapper (pid {pid}): {present} present pages at the pagemap's addresses, "
          f"{absent} never-touched pages not mapped")


if __name__ == "__main__":
    main()
