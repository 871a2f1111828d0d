# shellcheck shell=bash
# Scenario "linux": Debian's own arm64 kernel at EL1 (virtualization off) on
# QEMU's virt board, with the lab's busybox initramfs.
#
# A scenario file is sourced by lab/lab and defines:
#   SCENARIO_DESC           one line for `lab/lab status`
#   SCENARIO_READY          text the guest prints on the console when it is up
#   SCENARIO_BOOT_TIMEOUT   seconds to wait for it (ELSCOPE_LAB_BOOT_TIMEOUT wins)
#   scenario_fetch          the fetch parts it needs (see `lab/lab fetch`)
#   scenario_qemu_args      appends the machine, CPUs, memory, kernel and
#                           boot modules to the array QEMU_ARGS; lab/lab adds
#                           the console, gdbstub, monitor and daemon options.
#                           Artifacts from the cache are in LAB_IMAGE,
#                           LAB_INITRD, LAB_MODULES, LAB_KVER.
#   scenario_env            prints extra KEY=VALUE lines for `lab/lab up`
# Later scenarios (Xen + dom0 + domU, Linux at EL2) follow the same shape.
# shellcheck disable=SC2034 # the variables are read by lab/lab

SCENARIO_DESC="Debian arm64 kernel at EL1 on virt (GICv3, 2x cortex-a57, 1 GiB), busybox initramfs"
SCENARIO_READY="ELSCOPE-LAB-READY"
SCENARIO_BOOT_TIMEOUT=120

scenario_fetch() {
    echo kernel dbg busybox libc workload initramfs
}

scenario_qemu_args() {
    # KASLR stays on as Debian ships it (QEMU's DTB gives the kernel a seed).
    # vmcoreinfo: the guest's qemu_fw_cfg module (loaded by /init) tells
    # QEMU where the kernel's VMCOREINFO note is, and dump-guest-memory
    # copies it into the core (OSRELEASE, KERNELOFFSET, kimage_voffset, ...).
    # shellcheck disable=SC2054 # commas belong to QEMU's option syntax
    QEMU_ARGS+=(
        -M virt,gic-version=3,virtualization=off
        -cpu cortex-a57 -smp 2 -m 1G
        -kernel "$LAB_IMAGE"
        -initrd "$LAB_INITRD"
        -append "rdinit=/init console=ttyAMA0 trace_event=sched:sched_switch,sched:sched_wakeup trace_buf_size=256K"
        -device vmcoreinfo
    )
}

scenario_env() {
    lab_guest_env
}
