/* SPDX-License-Identifier: MIT */
/*
 * Where Xen keeps what elscope reads: the offsets and sizes of the members
 * of struct domain, struct vcpu and struct cpu_info that the domain and vCPU
 * walks need.
 *
 * They come from the DWARF of xen-syms when the file has it, else from a
 * table built into elscope for known Xen versions (Debian ships xen-syms
 * with a symbol table but no DWARF). A table row is made from a xen-syms
 * built with debug info (build/xen-layout FILE prints it; see
 * src/hv/xen/README.md), and a row is always checked on the running Xen
 * before it is trusted (hv/xen/xen.c).
 */
#ifndef ELS_HV_XEN_LAYOUT_H
#define ELS_HV_XEN_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

enum els_xen_field {
	/* struct domain */
	ELS_XEN_DOMAIN_ID,
	ELS_XEN_DOMAIN_MAX_VCPUS,
	ELS_XEN_DOMAIN_VCPU,          /* struct vcpu ** */
	ELS_XEN_DOMAIN_NEXT,          /* next_in_list */
	ELS_XEN_DOMAIN_TOT_PAGES,
	ELS_XEN_DOMAIN_MAX_PAGES,
	ELS_XEN_DOMAIN_IS_DYING,
	ELS_XEN_DOMAIN_PAUSE_COUNT,
	ELS_XEN_DOMAIN_HANDLE,        /* xen_domain_handle_t, 16 bytes */
	ELS_XEN_DOMAIN_P2M_ROOT,      /* arch.p2m.root: struct page_info * */
	ELS_XEN_DOMAIN_P2M_VMID,      /* arch.p2m.vmid */
	ELS_XEN_DOMAIN_P2M_VTTBR,     /* arch.p2m.vttbr */
	ELS_XEN_DOMAIN_CNTVOFF,       /* arch.virt_timer_base.offset: CNTVOFF_EL2 */
	/* struct vcpu */
	ELS_XEN_VCPU_ID,
	ELS_XEN_VCPU_PROCESSOR,
	ELS_XEN_VCPU_DOMAIN,
	ELS_XEN_VCPU_RUNSTATE_STATE,
	ELS_XEN_VCPU_RUNSTATE_ENTRY,  /* runstate.state_entry_time */
	ELS_XEN_VCPU_RUNSTATE_TIME,   /* runstate.time[4] */
	ELS_XEN_VCPU_IS_RUNNING,
	ELS_XEN_VCPU_PAUSE_FLAGS,
	ELS_XEN_VCPU_CPU_INFO,        /* arch.cpu_info: the guest's frame */
	ELS_XEN_VCPU_SCTLR,           /* arch.*: EL1 state saved at switch-out */
	ELS_XEN_VCPU_TTBCR,
	ELS_XEN_VCPU_TTBR0,
	ELS_XEN_VCPU_TTBR1,
	ELS_XEN_VCPU_MAIR,
	ELS_XEN_VCPU_VBAR,
	ELS_XEN_VCPU_HCR,             /* arch.hcr_el2 */
	/* struct cpu_info: guest_cpu_user_regs, saved on each trap to Xen */
	ELS_XEN_REGS_X0,              /* x0..x30 follow, 8 bytes each */
	ELS_XEN_REGS_PC,
	ELS_XEN_REGS_CPSR,
	ELS_XEN_REGS_SP_EL0,
	ELS_XEN_REGS_SP_EL1,
	ELS_XEN_REGS_ELR_EL1,
	ELS_XEN_NFIELDS
};

struct els_xen_field_loc {
	uint32_t offset;
	uint32_t size;
};

struct els_xen_layout {
	struct els_xen_field_loc f[ELS_XEN_NFIELDS];
	char source[160]; /* "DWARF of FILE", "built-in table for Xen 4.17" */
};

/* Structure and member path of a field, as in Xen's sources. */
const char *els_xen_field_struct(enum els_xen_field f);
const char *els_xen_field_path(enum els_xen_field f);

/*
 * The layout from a file's DWARF. ELS_ERR_NOT_FOUND when the file has no
 * DWARF (no struct domain); any other missing member is an error naming it.
 */
struct els_error *els_xen_layout_from_dwarf(const char *path,
					    struct els_xen_layout *ret);

/*
 * The built-in layout for a Xen release as it names itself ("4.17.7":
 * major.minor and its extra version); ELS_ERR_NOT_FOUND if none.
 */
struct els_error *els_xen_layout_builtin(const char *version,
					 struct els_xen_layout *ret);
/* Which build a row was made from (NULL: no such row). */
const char *els_xen_layout_built_from(const char *version);

/* "4.17.5 4.17.7": the releases the built-in table knows. */
const char *els_xen_layout_known(void);

/*
 * A layout as a row of src/hv/xen/layout_table.h (what build/xen-layout
 * prints); built_from names the build it came from.
 */
void els_xen_layout_print_row(const struct els_xen_layout *l,
			      const char *version, const char *built_from,
			      FILE *f);

#endif
