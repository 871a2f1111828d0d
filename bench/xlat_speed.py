#!/usr/bin/env python3
"""Translation speed on the lab: vtop of N kernel addresses, cold and warm.

usage: bench/xlat_speed.py ELSCOPE TARGET [N]

One elscope session translates N distinct addresses drawn from the CPU's
mapped ranges (pt) twice: the first pass reads the tables from the target
(through the memory cache, so neighbouring walks share table blocks), the
second finds every table block cached; a third run with --no-cache reads
every level from the target (the physical limit: one read per level). Per pass: wall time, translations
per second, round trips and driver reads per walk, from --stats.
Prints a Markdown table row per pass.
"""
import json
import random
import re
import subprocess
import sys
import tempfile
import time


def main():
    elscope, target = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    p = subprocess.run([elscope, target, "--json", "-c", "pt --cpu 0"],
                       capture_output=True, text=True, check=True)
    ranges = json.loads(p.stdout)
    rng = random.Random(7)
    vas = set()
    while len(vas) < n:
        r = rng.choice(ranges)
        vas.add(int(r["start"], 16) + (rng.randrange(r["size"]) & ~0xfff))
    vas = list(vas)
    cmds = [f"vtop --cpu 0 0x{va:x}" for va in vas]
    with tempfile.NamedTemporaryFile("w", suffix=".cmds", delete=False) as f:
        f.write("\n".join(cmds + cmds) + "\n")
    def session(*opts):
        t0 = time.monotonic()
        p = subprocess.run([elscope, target, "--json", "--stats", *opts, "-x", f.name],
                           capture_output=True, text=True, check=True)
        wall = time.monotonic() - t0
        stats = [tuple(map(float, m.groups())) for m in re.finditer(
            r"stats: vtop: (\d+) round trips, \d+ bytes out, \d+ bytes in, (\d+) reads, (\d+) cache hits, ([\d.]+) ms",
            p.stderr)]
        assert len(stats) == 2 * n, (len(stats), p.stderr[-500:])
        return stats, wall

    stats, wall = session()
    nocache, _ = session("--no-cache")
    print("| pass | walks | ms | walks/s | round trips/walk | driver reads/walk |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, part in (("uncached (--no-cache)", nocache[:n]), ("cold cache", stats[:n]),
                       ("warm cache", stats[n:])):
        ms = sum(s[3] for s in part)
        rt = sum(s[0] for s in part) / n
        reads = sum(s[1] for s in part) / n
        print(f"| {name} | {n} | {ms:.0f} | {n / (ms / 1000):.0f} | {rt:.2f} | {reads:.2f} |")
    print(f"(whole session {wall:.2f} s, connection and {len(ranges)} ranges of pt included)")


if __name__ == "__main__":
    main()
