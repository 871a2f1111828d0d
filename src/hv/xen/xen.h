/* SPDX-License-Identifier: MIT */
/*
 * Xen on Arm64 (the driver behind hv/hv.h: els_hv_open_xen). What is here
 * is shared with tools/xen_layout.c and the unit tests: how the running
 * Xen's version is read from its own code.
 */
#ifndef ELS_HV_XEN_XEN_H
#define ELS_HV_XEN_XEN_H

#include <stdbool.h>
#include <stdint.h>

#include "debuginfo/symbols.h"
#include "hv/hv.h"

/* `mov w0, #imm16` (MOVZ): the whole body of xen_major_version(). */
bool els_xen_decode_movz_w0(uint32_t insn, unsigned *imm);
/* `adrp x0, P; add x0, x0, #I` at pc (xen_extra_version()): the address. */
bool els_xen_decode_adrp_add_x0(uint64_t pc, uint32_t adrp, uint32_t add,
				uint64_t *ret);

/* Reads len bytes at Xen's virtual address va: the target's, or the file's. */
typedef struct els_error *(*els_xen_read_fn)(void *arg, uint64_t va,
					     void *buf, size_t len);
/*
 * Xen's version from its own code, read through read: xen_major_version and
 * xen_minor_version are each `mov w0, #N`, xen_extra_version returns a
 * string ("4.17" + ".7"). version gets "4.17.7" ("4.17" when the extra
 * part does not decode).
 */
struct els_error *els_xen_version(const struct els_symtab *syms,
				  els_xen_read_fn read, void *arg,
				  unsigned *major, unsigned *minor,
				  char *version, size_t size);

/*
 * For tests and fuzzing: Xen in a memory image read through ctx, with the
 * built-in layout of release version; no build id or version is read and
 * nothing is checked (els_hv_xen_check does what opening a live Xen does).
 * Its physical CPUs have no registers.
 */
struct els_error *els_hv_open_xen_image(struct els_target *t,
					struct els_symtab *xs,
					const struct els_xlat_ctx *ctx,
					const char *version,
					struct els_hv **ret);
/* The layout checks of a live open, on the first domain and idle vCPU. */
struct els_error *els_hv_xen_check(struct els_hv *hv);

#endif
