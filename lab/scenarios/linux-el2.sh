# shellcheck shell=bash
# Scenario "linux-el2": the same Debian kernel and initramfs as "linux", but
# the board has EL2 (virtualization on) and the CPU is QEMU's "max", which
# has VHE: the kernel then runs at EL2 itself (CPSR mode EL2h, 0x9), as a
# KVM host would. See linux.sh for what a scenario file defines.
# shellcheck disable=SC2034 # the variables are read by lab/lab

SCENARIO_DESC="Debian arm64 kernel at EL2 with VHE on virt (GICv3, virtualization on, 2x max, 1 GiB), busybox initramfs"
SCENARIO_READY="ELSCOPE-LAB-READY"
SCENARIO_BOOT_TIMEOUT=180

scenario_fetch() {
    echo kernel dbg busybox libc workload initramfs
}

scenario_qemu_args() {
    # pauth-impdef: QEMU's own pointer-authentication hash instead of QARMA,
    # which costs TCG a lot on every function entry and exit of the kernel.
    # vmcoreinfo: VMCOREINFO in dump-guest-memory's cores, as on linux.
    # shellcheck disable=SC2054 # commas belong to QEMU's option syntax
    QEMU_ARGS+=(
        -M virt,gic-version=3,virtualization=on
        -cpu max,pauth-impdef=on -smp 2 -m 1G
        -kernel "$LAB_IMAGE"
        -initrd "$LAB_INITRD"
        -append "rdinit=/init console=ttyAMA0 trace_event=sched:sched_switch,sched:sched_wakeup trace_buf_size=256K"
        -device vmcoreinfo
    )
}

scenario_env() {
    lab_guest_env
}
