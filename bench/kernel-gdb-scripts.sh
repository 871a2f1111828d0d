#!/usr/bin/env bash
# The kernel's own gdb scripts (scripts/gdb: vmlinux-gdb.py and the lx-*
# commands) for the lab's kernel, to compare elscope with: built from
# Debian's linux-source-6.1 of the very version of the lab's kernel, with that
# kernel's own config (/boot/config-KVER of its linux-image .deb), by
#   make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- olddefconfig
#   make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- scripts_gdb
# into $ELSCOPE_LAB_CACHE/kernel-gdb-scripts (default
# ~/.cache/elscope-lab/kernel-gdb-scripts). Prints the path of
# vmlinux-gdb.py on stdout (messages on stderr). A second run finds the
# build up to date and only prints the path. Needs the lab's kernel in the
# cache (lab/lab fetch kernel) and what scripts/setup-deps installs (flex,
# bison, bc, libssl-dev, gcc-aarch64-linux-gnu). About 200 MB of downloads
# (dropped afterwards), 1.5 GB on disk, 30 s on 2 cores.
#
# usage: bench/kernel-gdb-scripts.sh
#
# Using them on the live lab. Debian's 6.1 runs with KASLR, and 6.1's
# scripts know nothing of the slide (nor does gdb), so vmlinux is loaded at
# the slide: the running address of a symbol minus its link address. These
# lines work (checked on the linux lab, gdb-multiarch 13.1):
#
#   GDB_SCRIPTS=$(bench/kernel-gdb-scripts.sh)
#   # GDB_PORT, TARGET, VMLINUX: from the KEY=VALUE lines of lab/lab up linux
#   slid=$(build/elscope "$TARGET" --vmlinux "$VMLINUX" -c 'sym init_task' | cut -d ' ' -f 1)
#   link=$(gdb-multiarch -nx -batch -ex 'info address init_task' "$VMLINUX" | grep -o '0x[0-9a-f]*')
#   SLIDE=$(printf '0x%x' $((slid - link)))      # e.g. 0x519aa5e00000
#   gdb-multiarch -nx -batch -ex 'add-auto-load-safe-path /' \
#       -ex "symbol-file -o $SLIDE $VMLINUX" \
#       -ex "source $GDB_SCRIPTS" \
#       -ex "target remote 127.0.0.1:$GDB_PORT" \
#       -ex 'lx-ps' -ex 'lx-lsmod' -ex 'lx-dmesg'
#
# (`lab/lab dump`'s VMCOREINFO has the same slide as KERNELOFFSET.) The
# symbols come first: the scripts' constants.py evaluates kernel symbols
# when it is sourced. One -ex per command: an error in one does not skip the
# others; batch mode detaches at the end and the VM runs on. Without the
# slide (VMLINUX as gdb's file argument) every lx- command reads at link
# addresses, which are not mapped: "Python Exception <class
# 'gdb.MemoryError'>: Cannot access memory at address 0xffff800009cc9308".
set -euo pipefail

CACHE=${ELSCOPE_LAB_CACHE:-$HOME/.cache/elscope-lab}
DIR=$CACHE/kernel-gdb-scripts
CROSS=aarch64-linux-gnu-
FORMAT=1

say() { echo "kernel-gdb-scripts: $*" >&2; }
die() { say "$*"; exit 1; }

[ -f "$CACHE/lab.env" ] || die "no lab cache at $CACHE (lab/lab fetch kernel)"
KVER=$(sed -n 's/^KVER=//p' "$CACHE/lab.env")
IMAGE=$(sed -n 's/^IMAGE=//p' "$CACHE/lab.env")
[ -n "$KVER" ] && [ -f "$IMAGE" ] || die "the lab's kernel is not in $CACHE (lab/lab fetch kernel)"
# The cache keeps the kernel in linux-image-KVER_VERSION/boot/vmlinuz-KVER.
VERSION=$(basename "$(dirname "$(dirname "$IMAGE")")")
VERSION=${VERSION##*_}
SERIES=$(cut -d . -f 1,2 <<<"$KVER") # 6.1
SRC_PKG=linux-source-$SERIES
IMG_PKG=linux-image-$KVER:arm64
TREE=$DIR/$SRC_PKG
GDB_PY=$TREE/vmlinux-gdb.py

want=$(printf 'format %s\nsource %s %s\nconfig %s %s\ncross %s\n' "$FORMAT" "$SRC_PKG" "$VERSION" \
    "$IMG_PKG" "$VERSION" "$("${CROSS}gcc" --version 2>/dev/null | head -n 1)")
if [ -f "$DIR/.stamp" ] && [ "$(cat "$DIR/.stamp")" = "$want" ] &&
    [ -f "$GDB_PY" ] && [ -f "$TREE/scripts/gdb/linux/constants.py" ]; then
    say "up to date ($SRC_PKG $VERSION, config of $KVER)"
    echo "$GDB_PY"
    exit 0
fi

for t in "${CROSS}gcc" make flex bison bc xz apt-get dpkg-deb; do
    command -v "$t" >/dev/null || die "$t not found (scripts/setup-deps)"
done
[ -f /usr/include/openssl/opensslv.h ] || die "OpenSSL's headers are missing (scripts/setup-deps installs libssl-dev)"

apt_opts=(-q)
[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)

mkdir -p "$DIR"
rm -f -- "$DIR/.stamp"
work=$(mktemp -d "$DIR/.tmp.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

say "downloading $SRC_PKG $VERSION and $IMG_PKG $VERSION"
(cd "$work" && apt-get download "${apt_opts[@]}" "$SRC_PKG=$VERSION" "$IMG_PKG=$VERSION") >"$work/apt.log" 2>&1 ||
    die "apt-get download failed: $(grep -E '^(E|Err):' "$work/apt.log" | tail -n 1)"
src_deb=$(find "$work" -maxdepth 1 -name "${SRC_PKG}_*.deb" | head -n 1)
img_deb=$(find "$work" -maxdepth 1 -name "linux-image-${KVER}_*.deb" | head -n 1)
[ -n "$src_deb" ] && [ -n "$img_deb" ] || die "apt-get download left no .deb"

say "extracting the kernel's config and source"
mkdir -p "$work/img"
dpkg-deb --fsys-tarfile "$img_deb" | tar -x -C "$work/img" "./boot/config-$KVER"
dpkg-deb --fsys-tarfile "$src_deb" | tar -x -C "$work" "./usr/src/$SRC_PKG.tar.xz"
rm -f -- "$src_deb" "$img_deb"
tar -xJf "$work/usr/src/$SRC_PKG.tar.xz" -C "$work"
rm -rf -- "$work/usr"
[ -f "$work/$SRC_PKG/Makefile" ] || die "$SRC_PKG.tar.xz has no $SRC_PKG/Makefile"
cp "$work/img/boot/config-$KVER" "$work/$SRC_PKG/.config"

say "make olddefconfig scripts_gdb (log: $DIR/build.log)"
kmake=(make -C "$work/$SRC_PKG" ARCH=arm64 CROSS_COMPILE="$CROSS" -j"$(nproc)")
if ! { "${kmake[@]}" olddefconfig && "${kmake[@]}" scripts_gdb; } >"$DIR/build.log" 2>&1; then
    die "the build failed: $(grep -m 1 -E 'error|Error' "$DIR/build.log" || tail -n 1 "$DIR/build.log")"
fi
[ -f "$work/$SRC_PKG/scripts/gdb/linux/constants.py" ] || die "the build made no scripts/gdb/linux/constants.py"
[ -f "$work/$SRC_PKG/scripts/gdb/vmlinux-gdb.py" ] || die "the build made no scripts/gdb/vmlinux-gdb.py"
# The build links it at the top by its absolute path, which is about to
# change; the script finds its modules next to the link (scripts/gdb).
ln -sfn scripts/gdb/vmlinux-gdb.py "$work/$SRC_PKG/vmlinux-gdb.py"

rm -rf -- "$TREE"
mv "$work/$SRC_PKG" "$TREE"
printf '%s' "$want" >"$DIR/.stamp"
say "built ($SRC_PKG $VERSION, config of $KVER)"
echo "$GDB_PY"
