#!/usr/bin/env python3
"""Compare elscope's own address translation with the stub's, on a live lab.

usage: xlat_compare.py ELSCOPE TARGET CPU COUNT [REGIME]

1. `pt --json` lists the CPU's mapped ranges (stage 1, both halves).
2. COUNT virtual addresses are drawn from them (seeded, so a failure can be
   rerun), plus range edges; `vtop` translates each (one elscope run, -x).
3. For every address, the bytes the stub reads at the VA through its own
   translation (`x --stub`) must equal the bytes elscope reads at the PA it
   computed (`x --phys`) and elscope's own virtual read (`x`) of the same 8
   bytes; 16-byte reads across page ends inside ranges agree too. Addresses the stub cannot
   read are counted apart (device memory and the like) and must be few.
4. Addresses just outside the mapped ranges must be unmapped for elscope and
   unreadable for the stub.
Prints one summary line; exits 1 with one line saying what differs.
"""

import json
import os
import random
import subprocess
import sys
import tempfile


def run(elscope, target, cmds, allow_fail=False):
    with tempfile.NamedTemporaryFile("w", suffix=".cmds", delete=False) as f:
        f.write("\n".join(cmds) + "\n")
        path = f.name
    try:
        p = subprocess.run([elscope, target, "--json", "--keep-halted", "-x", path],
                           capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    if p.returncode and not allow_fail:
        raise SystemExit(f"elscope failed: {p.stderr.strip()[:300]}")
    return [json.loads(l) for l in p.stdout.splitlines()], p


def main():
    elscope, target, cpu, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    regime = sys.argv[5] if len(sys.argv) > 5 else "auto"
    opts = f"--cpu {cpu} --regime {regime}"
    rng = random.Random(int(os.environ.get("XLAT_SEED", "4242")))

    # The machine stays halted for the whole comparison (--keep-halted), so
    # the stub's view and the tables cannot change in between.
    docs, _ = run(elscope, target, ["halt", f"pt {opts}", f"regs --cpu {cpu} cpsr"])
    # The stub reads with the CPU's current privilege, as the CPU itself
    # would: at EL0 it refuses pages EL0 may not access; at EL1/EL2 with
    # PSTATE.PAN set, pages EL0 may access. Those are counted apart.
    cpsr = int(docs[2]["cpsr"], 16)
    el, pan = cpsr >> 2 & 3, cpsr >> 22 & 1

    def hidden(va):
        user = "EL0 ---" not in perms[va]
        return (el == 0 and not user) or (el > 0 and pan and user)
    # Device memory (MMIO) changes between reads, and reading some of it
    # has effects (a UART's data register): compare Normal memory only.
    allranges = docs[1]
    ranges = [r for r in allranges if r["memtype"].startswith("Normal")]
    if not ranges:
        raise SystemExit("pt listed no mapped range")
    total = sum(r["size"] for r in ranges)
    vas = set()
    for r in ranges:
        start, size = int(r["start"], 16), r["size"]
        vas.add(start)
        vas.add(start + size - 8)
    while len(vas) < count:
        # Pick ranges by their share of pages, at least one pick each.
        r = rng.choice(ranges) if rng.random() < 0.5 else \
            ranges[min(len(ranges) - 1, int(rng.random() * len(ranges)))]
        start, size = int(r["start"], 16), r["size"]
        vas.add(start + (rng.randrange(size) & ~7))
    vas = sorted(vas)[:max(count, 1)]

    docs, _ = run(elscope, target, [f"vtop {opts} 0x{va:x}" for va in vas])
    pas, perms, s2_holes, ipas = {}, {}, [], {}
    for va, d in zip(vas, docs):
        if int(d["va"], 16) != va:
            raise SystemExit(f"vtop answered for {d['va']} when asked 0x{va:x}")
        if not d["mapped"]:
            # pt lists stage 1; in a guest stage 2 may leave the IPA out.
            if d.get("fault") != "stage 2":
                raise SystemExit(f"pt lists 0x{va:x} as mapped, vtop says {d.get('fault')} fault")
            s2_holes.append(va)
            continue
        pas[va] = int(d["pa"], 16)
        perms[va] = d.get("perms", "")
        if "vmid" in d:
            ipas[va] = int(d["ipa"], 16)

    for va in s2_holes[:20]:
        ds, p = run(elscope, target, [f"x --stub --cpu {cpu} 0x{va:x} 8"], allow_fail=True)
        if ds:
            raise SystemExit(f"elscope says stage 2 does not map 0x{va:x}'s IPA, but the stub reads {ds[0]['data']}")
    vas = [va for va in vas if va in pas]

    # Stub reads that fail stop an -x run: read in batches, retry one by one.
    stub = {}
    batch = [f"x --stub --cpu {cpu} 0x{va:x} 8" for va in vas]
    docs, p = run(elscope, target, batch, allow_fail=True)
    for va, d in zip(vas, docs):
        stub[va] = d["data"]
    for va in vas[len(docs):]:
        ds, p = run(elscope, target, [f"x --stub --cpu {cpu} 0x{va:x} 8"], allow_fail=True)
        stub[va] = ds[0]["data"] if ds else None
    priv_hidden = [va for va in vas if stub[va] is None and hidden(va)]
    unreadable = [va for va in vas if stub[va] is None and va not in priv_hidden]

    # The 8 bytes at the computed PA (8-aligned: never past the page) and
    # elscope's own virtual read of them equal the stub's.
    readable = [va for va in vas if stub[va] is not None]
    cmds = []
    for va in readable:
        cmds += [f"x --phys 0x{pas[va]:x} 8", f"x --cpu {cpu} 0x{va:x} 8"]
    docs, p = run(elscope, target, cmds, allow_fail=True)
    if len(docs) != len(cmds):
        bad = readable[len(docs) // 2]
        raise SystemExit(f"0x{bad:x}: the stub reads it, elscope cannot: {p.stderr.strip()[:200]}")
    for i, va in enumerate(readable):
        phys, virt = docs[2 * i]["data"], docs[2 * i + 1]["data"]
        if phys != stub[va]:
            raise SystemExit(f"0x{va:x}: the stub reads {stub[va]}, elscope's PA 0x{pas[va]:x} holds {phys}")
        if virt != stub[va]:
            raise SystemExit(f"0x{va:x}: the stub reads {stub[va]}, elscope's own virtual read gives {virt}")

    # In a guest: reading the IPA through the CPU's stage 2 (x --ipa) gives
    # the same bytes.
    some = [va for va in readable if va in ipas][:200]
    docs, p = run(elscope, target, [f"x --ipa --cpu {cpu} 0x{ipas[va]:x} 8" for va in some])
    for va, d in zip(some, docs):
        if d["data"] != stub[va]:
            raise SystemExit(f"0x{va:x}: the stub reads {stub[va]}, IPA 0x{ipas[va]:x} holds {d['data']}")

    # Reads across page ends inside ranges: the next page is mapped, but
    # elsewhere in physical memory.
    cross = []
    for r in ranges:
        start, size = int(r["start"], 16), r["size"]
        if size > 4096 and len(cross) < 200:
            cross.append(start + 4096 - 8)
    cmds = []
    for va in cross:
        cmds += [f"x --stub --cpu {cpu} 0x{va:x} 16", f"x --cpu {cpu} 0x{va:x} 16"]
    docs, p = run(elscope, target, cmds, allow_fail=True)
    for i in range(len(docs) // 2):
        if docs[2 * i]["data"] != docs[2 * i + 1]["data"]:
            raise SystemExit(f"0x{cross[i]:x}+16 across a page end: the stub reads {docs[2 * i]['data']}, "
                             f"elscope {docs[2 * i + 1]['data']}")
    if len(unreadable) > len(vas) // 20:
        raise SystemExit(f"the stub could not read {len(unreadable)} of {len(vas)} mapped addresses, e.g. 0x{unreadable[0]:x}")

    # Just outside mapped ranges: unmapped for both.
    holes = []
    for a, b in zip(allranges, allranges[1:]):
        end = int(a["start"], 16) + a["size"]
        if end < int(b["start"], 16) and len(holes) < 10:
            holes.append(end)
    for va in holes:
        ds, p = run(elscope, target, [f"vtop {opts} 0x{va:x}"])
        if ds[0]["mapped"]:
            raise SystemExit(f"0x{va:x} lies between pt's ranges but vtop maps it to {ds[0]['pa']}")
        ds, p = run(elscope, target, [f"x --stub --cpu {cpu} 0x{va:x} 8"], allow_fail=True)
        if ds:
            raise SystemExit(f"elscope says 0x{va:x} is unmapped but the stub reads {ds[0]['data']}")
    run(elscope, target, ["cont"])
    print(f"{len(vas)} addresses in {len(ranges)} Normal-memory ranges ({total >> 20} MiB) agree with the stub "
          f"({len(allranges) - len(ranges)} device ranges left out), {len(cross) if docs else 0} page-end reads; "
          f"{len(unreadable)} unreadable by the stub, {len(priv_hidden)} it refuses at EL{el}{' with PAN' if pan else ''}; "
          f"{len(holes)} holes unmapped for both; {len(s2_holes)} stage-2 holes; {len(some)} IPA reads")


if __name__ == "__main__":
    main()
