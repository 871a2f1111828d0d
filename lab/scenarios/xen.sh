# shellcheck shell=bash
# Scenario "xen": Debian's Xen 4.17 at EL2 on QEMU's virt board, with dom0
# and one dom0less domU (domain 1), both booting Debian's arm64 kernel (the
# same Image) with the lab's initramfs and running the workload.
#
# Boot: QEMU loads Xen with -kernel, a DTB made at `up` (QEMU's own DTB for
# this very machine, dumped with dumpdtb, plus Xen's /chosen: its command
# line, dom0's kernel, initramfs and command line, and the domU node) with
# -dtb, and the four boot modules with -device loader,force-raw=on at the
# addresses that DTB names. Everything is on Xen's one UART: see
# lab/xen/xenconsole.py and lab/README.md (consoles).
# shellcheck disable=SC2034 # the variables are read by lab/lab

SCENARIO_DESC="Xen 4.17 + dom0 (512 MiB, 2 vCPUs) + dom0less domU 1 (256 MiB, 1 vCPU) on virt (GICv3, 2x cortex-a57, 2 GiB)"
SCENARIO_READY="ELSCOPE-LAB-READY"
SCENARIO_BOOT_TIMEOUT=400
SCENARIO_VMS="dom0 dom1"
SCENARIO_CONSOLE=xen

XEN_MACHINE=virt,gic-version=3,virtualization=on
XEN_CPU=(-cpu cortex-a57 -smp 2 -m 2G)
# RAM is 0x40000000-0xc0000000. QEMU puts its DTB at 0x48000000; Xen moves
# itself to the top of RAM and gives dom0 512 MiB 1:1 where nothing lies.
XEN_RAM_END=$((0xc0000000))
XEN_MODULES_BASE=$((0x50000000))
# guest_loglvl=all: Xen neither drops nor rate-limits the guests' lines;
# bootscrub=0: no scrubbing of 2 GiB under TCG at boot; tbuf_size=256: trace
# buffers of 256 pages (1 MiB) per CPU, allocated at boot (tb_init_done is
# then 1 with every event class on), for elscope's trace command.
XEN_BOOTARGS="console=dtuart dtuart=/pl011@9000000 conring_size=1M loglvl=info guest_loglvl=all dom0_mem=512M dom0_max_vcpus=2 bootscrub=0 tbuf_size=256"
XEN_DOM0_BOOTARGS="console=hvc0 rdinit=/init elscope.vm=dom0 trace_event=sched:sched_switch,sched:sched_wakeup trace_buf_size=256K"
XEN_DOMU_BOOTARGS="console=ttyAMA0 rdinit=/init elscope.vm=dom1 trace_event=sched:sched_switch,sched:sched_wakeup trace_buf_size=256K"
XEN_DOMU_MEM_KB=262144
XEN_DOMU_CPUS=1

scenario_fetch() {
    echo kernel dbg busybox libc workload initramfs xen
}

# xen_place FILE: the next 2 MiB-aligned address for a boot module; appends
# "FILE ADDR SIZE" (hex) to XEN_MODULES.
xen_place() {
    local size
    size=$(stat -L -c %s "$1") || die "up $SCENARIO: cannot read $1"
    case $1 in
    *,*) die "up $SCENARIO: a boot module's path has a comma (QEMU's -device syntax): $1" ;;
    esac
    XEN_MODULES+=("$1 $(printf '0x%x 0x%x' "$XEN_NEXT" "$size")")
    XEN_NEXT=$(((XEN_NEXT + size + 0x1fffff) & ~0x1fffff))
}

# module_node NAME COMPATIBLE ADDR SIZE [BOOTARGS]: a /chosen module node.
module_node() {
    printf '\t\t%s@%x {\n' "$1" "$3"
    printf '\t\t\tcompatible = "%s", "multiboot,module";\n' "$2"
    printf '\t\t\treg = <0x0 %s 0x0 %s>;\n' "$3" "$4"
    [ $# -lt 5 ] || printf '\t\t\tbootargs = "%s";\n' "$5"
    printf '\t\t};\n'
}

# scenario_prepare: $STATE/xen.dtb and the module layout (XEN_MODULES).
scenario_prepare() {
    local image=$LAB_IMAGE initrd=$LAB_INITRD xen=${ENV[XEN]:-} m
    [ -f "$xen" ] || die "up $SCENARIO: no Xen in the cache (lab/lab fetch xen)"
    command -v dtc >/dev/null || die "up $SCENARIO: dtc not found (scripts/setup-deps installs device-tree-compiler)"
    XEN_MODULES=()
    XEN_NEXT=$XEN_MODULES_BASE
    xen_place "$image"  # dom0 kernel
    xen_place "$initrd" # dom0 initramfs
    xen_place "$image"  # domU kernel
    xen_place "$initrd" # domU initramfs
    [ "$XEN_NEXT" -le $((XEN_RAM_END - 0x40000000)) ] ||
        die "up $SCENARIO: the boot modules do not fit below $(printf '0x%x' $((XEN_RAM_END - 0x40000000)))"

    rm -f -- "$STATE/virt.dtb" "$STATE/xen.dtb"
    "$QEMU" -M "$XEN_MACHINE,dumpdtb=$STATE/virt.dtb" "${XEN_CPU[@]}" -display none -nodefaults \
        </dev/null >"$STATE/dumpdtb.log" 2>&1 7>&- 8>&- 9>&- ||
        die "up $SCENARIO: QEMU did not dump its DTB: $(tail -n 1 "$STATE/dumpdtb.log")"
    local mods=()
    for m in "${XEN_MODULES[@]}"; do
        read -ra m <<<"$m"
        mods+=("${m[1]}" "${m[2]}")
    done
    {
        dtc -q -I dtb -O dts "$STATE/virt.dtb"
        printf '\n/ {\n\tchosen {\n'
        # QEMU fills them with new random bytes at every start; the DTB
        # file stays the same for the same inputs without them.
        printf '\t\t/delete-property/ rng-seed;\n\t\t/delete-property/ kaslr-seed;\n'
        printf '\t\t#address-cells = <0x2>;\n\t\t#size-cells = <0x2>;\n'
        printf '\t\txen,xen-bootargs = "%s";\n' "$XEN_BOOTARGS"
        printf '\t\txen,dom0-bootargs = "%s";\n' "$XEN_DOM0_BOOTARGS"
        module_node module multiboot,kernel "${mods[0]}" "${mods[1]}"
        module_node module multiboot,ramdisk "${mods[2]}" "${mods[3]}"
        printf '\t\tdomU1 {\n'
        printf '\t\t\tcompatible = "xen,domain";\n'
        printf '\t\t\t#address-cells = <0x2>;\n\t\t\t#size-cells = <0x2>;\n'
        printf '\t\t\tmemory = <0x0 %d>;\n' "$XEN_DOMU_MEM_KB"
        printf '\t\t\tcpus = <%d>;\n' "$XEN_DOMU_CPUS"
        printf '\t\t\tvpl011;\n'
        module_node module multiboot,kernel "${mods[4]}" "${mods[5]}" "$XEN_DOMU_BOOTARGS" | sed 's/^/\t/'
        module_node module multiboot,ramdisk "${mods[6]}" "${mods[7]}" | sed 's/^/\t/'
        printf '\t\t};\n\t};\n};\n'
    } >"$STATE/xen.dts"
    dtc -q -I dts -O dtb -o "$STATE/xen.dtb" "$STATE/xen.dts" 2>"$STATE/dtc.log" ||
        die "up $SCENARIO: dtc rejected $STATE/xen.dts: $(head -n 1 "$STATE/dtc.log")"
}

scenario_qemu_args() {
    local m
    # vmcoreinfo: Xen hands QEMU's fw_cfg device to dom0 like the other
    # devices it does not use itself, so dom0's qemu_fw_cfg module tells QEMU
    # where dom0's VMCOREINFO note is, and dump-guest-memory's cores carry
    # dom0's note (dom0 is mapped 1:1, so its physical addresses are the
    # machine's). The domU has no fw_cfg; Xen itself writes no VMCOREINFO.
    # shellcheck disable=SC2054 # commas belong to QEMU's option syntax
    QEMU_ARGS+=(-M "$XEN_MACHINE" "${XEN_CPU[@]}" -kernel "${ENV[XEN]}" -dtb "$STATE/xen.dtb"
        -device vmcoreinfo)
    for m in "${XEN_MODULES[@]}"; do
        read -ra m <<<"$m"
        QEMU_ARGS+=(-device "loader,file=${m[0]},addr=${m[1]},force-raw=on")
    done
}

# Xen's own view for the truth: domains and vCPUs ('q'), run queues ('r').
# 'q' walks a running vCPU's list of in-flight interrupts without its lock:
# when that list changes meanwhile, the walk can print one entry thousands
# of times ("Inflight irq=1 lr=255"). Such a dump is taken again (3 tries,
# the shortest kept).
scenario_after_ready() {
    local dir="$STATE/truth/xen" try
    mkdir -p "$dir"
    for try in 1 2 3; do
        xen_debugkeys 120 qr >"$dir/debugkeys.$try" ||
            die "up $SCENARIO: no answer from Xen to its debug keys 'q' 'r'"
        if ! awk '$0 == prev { if (++n > 50) exit 1; next } { prev = $0; n = 0 }' "$dir/debugkeys.$try"; then
            say "up $SCENARIO: Xen's 'q' output repeats a line (a racy walk); pressing the keys again"
            continue
        fi
        break
    done
    # shellcheck disable=SC2012 # names made here: debugkeys.1 .. .3
    mv -f "$dir/$(cd "$dir" && ls -S debugkeys.? | tail -n 1)" "$dir/debugkeys.txt"
    rm -f -- "$dir"/debugkeys.?
}

scenario_env() {
    lab_guest_env
    echo "XEN=${ENV[XEN]}"
    echo "XEN_SYMS=${ENV[XEN_SYMS]}"
    echo "XEN_MAP=${ENV[XEN_MAP]}"
    echo "XEN_CONFIG=${ENV[XEN_CONFIG]}"
    echo "DTB=$STATE/xen.dtb"
}
