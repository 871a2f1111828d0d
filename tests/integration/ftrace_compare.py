#!/usr/bin/env python3
"""Compare the records `elscope ftrace --records --json` read at a halt
with the guest's own /sys/kernel/tracing/trace read right after the resume.

Usage: ftrace_compare.py ELSCOPE_JSON GUEST_TRACE BUSY_PID [MIN_COMMON]

Per CPU, over the times both hold (from the guest's oldest record on that
CPU, which may have been overwritten since, to elscope's newest), the two
sets of (cpu, time in us, event, pids) must be equal. busy's pid must be
switched in with comm "busy" in elscope's records and be among a CPU's
busiest tasks. Prints the figures; exits 1 with a reason otherwise.
"""
import json
import re
import sys

LINE = re.compile(r'^\s*(.*)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+)\.(\d+): '
                  r'(sched_switch|sched_wakeup): (.*)$')


def kv(text):
    return dict(re.findall(r'(\w+)=(\S+)', text))


def guest_records(path):
    out = []
    for line in open(path, errors='replace'):
        m = LINE.match(line.rstrip('\r\n'))
        if not m:
            continue
        cpu = int(m.group(3))
        us = int(m.group(4)) * 1000000 + int(m.group(5))
        ev, f = m.group(6), kv(m.group(7))
        if ev == 'sched_switch':
            key = (cpu, us, ev, int(f['prev_pid']), int(f['next_pid']),
                   int(m.group(2)))
        else:
            key = (cpu, us, ev, int(f['pid']), int(f['target_cpu']),
                   int(m.group(2)))
        out.append(key)
    return out


def elscope_records(doc):
    out = []
    for r in doc['records']:
        us = (r['ts_ns'] + 500) // 1000  # as the trace file rounds
        if r['event'] == 'sched_switch':
            out.append((r['cpu'], us, r['event'], r['prev_pid'],
                        r['next_pid'], r['pid']))
        elif r['event'] == 'sched_wakeup':
            out.append((r['cpu'], us, r['event'], r['wakee_pid'],
                        r['target_cpu'], r['pid']))
    return out


def main():
    doc = json.load(open(sys.argv[1]))
    guest = guest_records(sys.argv[2])
    busy = int(sys.argv[3])
    min_common = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    mine = elscope_records(doc)
    why = []
    if not guest:
        why.append('no sched_switch/sched_wakeup line in the guest trace')
    total = 0
    for cpu in sorted({r[0] for r in mine} | {r[0] for r in guest}):
        m = [r for r in mine if r[0] == cpu]
        g = [r for r in guest if r[0] == cpu]
        if not m or not g:
            why.append(f'CPU {cpu}: elscope {len(m)} records, guest {len(g)}')
            continue
        lo = min(r[1] for r in g)
        hi = max(r[1] for r in m)
        lo = max(lo, min(r[1] for r in m))
        ms = sorted(r for r in m if lo <= r[1] <= hi)
        gs = sorted(r for r in g if lo <= r[1] <= hi)
        only_m = sorted(set(ms) - set(gs))
        only_g = sorted(set(gs) - set(ms))
        sw = sum(1 for r in ms if r[2] == 'sched_switch')
        print(f'CPU {cpu}: {lo / 1e6:.6f} .. {hi / 1e6:.6f} s: elscope '
              f'{len(ms)} records ({sw} sched_switch, {len(ms) - sw} '
              f'sched_wakeup), guest {len(gs)}; only elscope '
              f'{len(only_m)}, only guest {len(only_g)}')
        if len(ms) != len(gs) or only_m or only_g:
            why.append(f'CPU {cpu}: records differ: only elscope '
                       f'{only_m[:3]}, only guest {only_g[:3]}')
        total += len(ms)
    if total < min_common:
        why.append(f'only {total} records in common time (< {min_common})')
    switched_in = [r for r in doc['records'] if r['event'] == 'sched_switch'
                   and r['next_pid'] == busy]
    if not switched_in:
        why.append(f'no sched_switch to busy (pid {busy}) in elscope records')
    elif any(r['next_comm'] != 'busy' for r in switched_in):
        why.append(f'busy (pid {busy}) switched in under another comm')
    busiest = [(c['cpu'], t['pid'], t['comm'], t['run_ns'])
               for c in doc['cpus'] for t in c['busiest']]
    if not any(p == busy and comm == 'busy' and ns > 0
               for _, p, comm, ns in busiest):
        why.append(f'busy (pid {busy}) not among the busiest tasks: {busiest}')
    print(f'busy pid {busy}: switched in {len(switched_in)} times; busiest '
          + ', '.join(f'cpu{c}:{comm}/{p} {ns / 1e9:.3f}s'
                      for c, p, comm, ns in busiest[:6]))
    if why:
        print('why: ' + '; '.join(why))
        sys.exit(1)


main()
