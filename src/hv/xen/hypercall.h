/* SPDX-License-Identifier: MIT */
/*
 * Xen hypercalls: numbers to names, sub-command names of the multiplexed
 * ones, argument names, and a one-line formatter.
 *
 * On Arm a guest calls Xen with HVC #0xEA1 (XEN_HYPERCALL_TAG, the HVC
 * immediate, seen as ESR_EL2.ISS imm16 of an HVC64 exception), the
 * hypercall number in x16 (r12 on arm32) and the arguments in x0..x4
 * (r0..r4); the result comes back in x0 (Xen's public/arch-arm.h).
 *
 * Numbers and sub-commands are those of Xen's public headers (xen.h,
 * sched.h, event_channel.h, memory.h, vcpu.h, grant_table.h, version.h,
 * physdev.h, hvm/hvm_op.h, hypfs.h, argo.h); argument names follow Xen's
 * include/hypercall-defs.c. Many numbers are x86 PV only; they are named
 * anyway, a trace should not print a bare number for them.
 */
#ifndef ELS_HV_XEN_HYPERCALL_H
#define ELS_HV_XEN_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#define ELS_XEN_HYPERCALL_TAG 0xea1

/* How an argument is printed. */
enum els_xen_arg {
	ELS_XEN_ARG_HEX,  /* an address or a handle: 0x... */
	ELS_XEN_ARG_NUM,  /* a count or an id: decimal */
	ELS_XEN_ARG_CMD,  /* a sub-command: its name when known */
};

struct els_xen_hypercall {
	unsigned nr;
	const char *name;           /* "console_io" (no __HYPERVISOR_) */
	unsigned nargs;             /* 0..5 */
	const char *arg_names[5];   /* "cmd", "count", "buffer" */
	enum els_xen_arg arg_kinds[5];
};

/* The hypercall numbered nr; NULL when unknown. */
const struct els_xen_hypercall *els_xen_hypercall_lookup(uint64_t nr);

/*
 * The name of sub-command cmd of hypercall nr ("CONSOLEIO_write",
 * "SCHEDOP_yield", "EVTCHNOP_send", "XENMEM_populate_physmap", ...); NULL
 * when unknown or nr is not multiplexed this way. For memory_op only
 * cmd[5:0] is the command (the bits above are a continuation's
 * start_extent).
 */
const char *els_xen_hypercall_subop(uint64_t nr, uint64_t cmd);

/*
 * One line: "console_io(CONSOLEIO_write, count=12, buffer=0xffff...)";
 * an unknown number: "hypercall 99(0x1, 0x2, 0x3, 0x4, 0x5)"; an unknown
 * sub-command: "sched_op(cmd=99, arg=0x...)". Like snprintf: writes at most
 * size bytes including the NUL (buf may be NULL when size is 0), returns
 * the length of the whole line.
 */
size_t els_xen_hypercall_format(uint64_t nr, const uint64_t args[5],
				char *buf, size_t size);

#endif
