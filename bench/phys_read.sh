#!/usr/bin/env bash
# Physical memory read throughput over QEMU's gdbstub: elscope against
# gdb-multiarch (dump binary memory in Qqemu.PhyMemMode), same stub, same
# range, same run. The bytes must agree. Prints a Markdown table.
# usage: bench/phys_read.sh [ELSCOPE] [MIB...]   (default sizes: 1 16 64)
set -euo pipefail
ELSCOPE=${1:-build/elscope}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 16 64)
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# A machine with nothing to run: the CPUs stay halted (-S), RAM is there.
qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a57 -smp 2 -m 256M \
    -display none -serial none -monitor none -nic none -S \
    -gdb "tcp:127.0.0.1:$port" &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
# Give the RAM something other than zeros to carry.
"$ELSCOPE" "gdb:127.0.0.1:$port" -c 'x --phys 0x40000000 16' >/dev/null

now() { date +%s.%N; }
echo "| MiB | elscope s | elscope round trips | gdb-multiarch s | speed-up |"
echo "|---:|---:|---:|---:|---:|"
for mib in "${sizes[@]}"; do
    len=$((mib * 1024 * 1024))
    end=$(printf '0x%x' $((0x40000000 + len)))
    t0=$(now)
    "$ELSCOPE" "gdb:127.0.0.1:$port" --stats \
        -c "x --phys 0x40000000 $len --out $tmp/els.bin" >/dev/null 2>"$tmp/stats"
    t1=$(now)
    rt=$(sed -n 's/^stats: x: \([0-9]*\) round trips.*/\1/p' "$tmp/stats")
    gdb-multiarch -batch -nx -ex 'set architecture aarch64' \
        -ex "target remote 127.0.0.1:$port" \
        -ex 'maint packet Qqemu.PhyMemMode:1' \
        -ex "dump binary memory $tmp/gdb.bin 0x40000000 $end" \
        -ex 'maint packet Qqemu.PhyMemMode:0' -ex detach >/dev/null 2>&1
    t2=$(now)
    cmp -s "$tmp/els.bin" "$tmp/gdb.bin" || { echo "bench: bytes differ at $mib MiB" >&2; exit 1; }
    python3 - "$mib" "$t0" "$t1" "$t2" "$rt" <<'PY'
import sys
mib, t0, t1, t2, rt = sys.argv[1], *map(float, sys.argv[2:5]), sys.argv[5]
e, g = t1 - t0, t2 - t1
print(f"| {mib} | {e:.2f} | {rt} | {g:.2f} | {g / e:.1f}x |")
PY
done
