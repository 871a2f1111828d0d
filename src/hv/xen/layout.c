/* SPDX-License-Identifier: MIT */
/* Xen's structure layouts: from DWARF, or from the built-in table. */
#include <inttypes.h>
#include <string.h>

#include "debuginfo/types.h"
#include "hv/xen/layout.h"

static const struct {
	const char *type;
	const char *path;
	const char *id; /* the enumerator, for printed rows */
} fields[ELS_XEN_NFIELDS] = {
#define F(e, t, p) [e] = { t, p, #e }
	F(ELS_XEN_DOMAIN_ID, "domain", "domain_id"),
	F(ELS_XEN_DOMAIN_MAX_VCPUS, "domain", "max_vcpus"),
	F(ELS_XEN_DOMAIN_VCPU, "domain", "vcpu"),
	F(ELS_XEN_DOMAIN_NEXT, "domain", "next_in_list"),
	F(ELS_XEN_DOMAIN_TOT_PAGES, "domain", "tot_pages"),
	F(ELS_XEN_DOMAIN_MAX_PAGES, "domain", "max_pages"),
	F(ELS_XEN_DOMAIN_IS_DYING, "domain", "is_dying"),
	F(ELS_XEN_DOMAIN_PAUSE_COUNT, "domain", "pause_count"),
	F(ELS_XEN_DOMAIN_HANDLE, "domain", "handle"),
	F(ELS_XEN_DOMAIN_P2M_ROOT, "domain", "arch.p2m.root"),
	F(ELS_XEN_DOMAIN_P2M_VMID, "domain", "arch.p2m.vmid"),
	F(ELS_XEN_DOMAIN_P2M_VTTBR, "domain", "arch.p2m.vttbr"),
	F(ELS_XEN_DOMAIN_CNTVOFF, "domain", "arch.virt_timer_base.offset"),
	F(ELS_XEN_VCPU_ID, "vcpu", "vcpu_id"),
	F(ELS_XEN_VCPU_PROCESSOR, "vcpu", "processor"),
	F(ELS_XEN_VCPU_DOMAIN, "vcpu", "domain"),
	F(ELS_XEN_VCPU_RUNSTATE_STATE, "vcpu", "runstate.state"),
	F(ELS_XEN_VCPU_RUNSTATE_ENTRY, "vcpu", "runstate.state_entry_time"),
	F(ELS_XEN_VCPU_RUNSTATE_TIME, "vcpu", "runstate.time"),
	F(ELS_XEN_VCPU_IS_RUNNING, "vcpu", "is_running"),
	F(ELS_XEN_VCPU_PAUSE_FLAGS, "vcpu", "pause_flags"),
	F(ELS_XEN_VCPU_CPU_INFO, "vcpu", "arch.cpu_info"),
	F(ELS_XEN_VCPU_SCTLR, "vcpu", "arch.sctlr"),
	F(ELS_XEN_VCPU_TTBCR, "vcpu", "arch.ttbcr"),
	F(ELS_XEN_VCPU_TTBR0, "vcpu", "arch.ttbr0"),
	F(ELS_XEN_VCPU_TTBR1, "vcpu", "arch.ttbr1"),
	F(ELS_XEN_VCPU_MAIR, "vcpu", "arch.mair"),
	F(ELS_XEN_VCPU_VBAR, "vcpu", "arch.vbar"),
	F(ELS_XEN_VCPU_HCR, "vcpu", "arch.hcr_el2"),
	F(ELS_XEN_REGS_X0, "cpu_info", "guest_cpu_user_regs.x0"),
	F(ELS_XEN_REGS_PC, "cpu_info", "guest_cpu_user_regs.pc"),
	F(ELS_XEN_REGS_CPSR, "cpu_info", "guest_cpu_user_regs.cpsr"),
	F(ELS_XEN_REGS_SP_EL0, "cpu_info", "guest_cpu_user_regs.sp_el0"),
	F(ELS_XEN_REGS_SP_EL1, "cpu_info", "guest_cpu_user_regs.sp_el1"),
	F(ELS_XEN_REGS_ELR_EL1, "cpu_info", "guest_cpu_user_regs.elr_el1"),
#undef F
};

const char *els_xen_field_struct(enum els_xen_field f)
{
	return (unsigned)f < ELS_XEN_NFIELDS ? fields[f].type : "?";
}

const char *els_xen_field_path(enum els_xen_field f)
{
	return (unsigned)f < ELS_XEN_NFIELDS ? fields[f].path : "?";
}

/*
 * The built-in table. Each row was printed by build/xen-layout from a
 * xen-syms built with debug info from Debian's source of that version and
 * Debian's own .config (lab/lab fetch xen-dwarf); the build that made a row
 * is named beside it. Rows are per release: a stable update may move
 * members (4.17.7 moved vcpu.runstate and domain.pause_count), and every
 * use is checked on the running Xen.
 */
struct builtin_row {
	const char *version; /* as the running Xen says it: "4.17.7" */
	const char *built_from;
	struct els_xen_field_loc f[ELS_XEN_NFIELDS];
};

static const struct builtin_row builtin[] = {
#include "hv/xen/layout_table.h"
};

#define NBUILTIN (sizeof(builtin) / sizeof(*builtin))

const char *els_xen_layout_known(void)
{
	static char buf[128];
	if (!buf[0]) {
		size_t o = 0;
		for (size_t i = 0; i < NBUILTIN && o < sizeof(buf); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
					      i ? " " : "", builtin[i].version);
	}
	return buf;
}

struct els_error *els_xen_layout_builtin(const char *version,
					 struct els_xen_layout *ret)
{
	for (size_t i = 0; i < NBUILTIN; i++) {
		if (strcmp(builtin[i].version, version))
			continue;
		memcpy(ret->f, builtin[i].f, sizeof(ret->f));
		snprintf(ret->source, sizeof(ret->source),
			 "built-in table for Xen %s", version);
		return NULL;
	}
	return els_error_create(ELS_ERR_NOT_FOUND,
				"elscope has no built-in layout for Xen %s (known: %s); give a xen-syms with DWARF (see src/hv/xen/README.md)",
				version, els_xen_layout_known());
}

const char *els_xen_layout_built_from(const char *version)
{
	for (size_t i = 0; i < NBUILTIN; i++) {
		if (!strcmp(builtin[i].version, version))
			return builtin[i].built_from;
	}
	return NULL;
}

struct els_error *els_xen_layout_from_dwarf(const char *path,
					    struct els_xen_layout *ret)
{
	struct els_types *types;
	struct els_error *err = els_types_open_dwarf(path, &types);
	if (err)
		return err;
	uint64_t size;
	if ((err = els_types_struct_size(types, "domain", &size))) {
		els_types_destroy(types);
		els_error_destroy(err);
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s has no DWARF for struct domain",
					path);
	}
	for (unsigned i = 0; i < ELS_XEN_NFIELDS; i++) {
		struct els_type_member m;
		if ((err = els_types_member(types, fields[i].type,
					    fields[i].path, &m)))
			break;
		if (m.bit_size || m.offset > UINT32_MAX || m.size > UINT32_MAX) {
			err = els_error_create(ELS_ERR_INVALID,
					       "%s.%s in %s is a bitfield or too large",
					       fields[i].type, fields[i].path,
					       path);
			break;
		}
		ret->f[i].offset = (uint32_t)m.offset;
		ret->f[i].size = (uint32_t)m.size;
	}
	els_types_destroy(types);
	if (err)
		return els_error_wrap(err, "Xen's layout from %s", path);
	snprintf(ret->source, sizeof(ret->source), "DWARF of %s", path);
	return NULL;
}

void els_xen_layout_print_row(const struct els_xen_layout *l,
			      const char *version, const char *built_from,
			      FILE *f)
{
	fprintf(f, "{ \"%s\", \"%s\", {\n", version, built_from);
	for (unsigned i = 0; i < ELS_XEN_NFIELDS; i++)
		fprintf(f, "\t[%s] = { %" PRIu32 ", %" PRIu32 " }, /* %s.%s */\n",
			fields[i].id, l->f[i].offset, l->f[i].size,
			fields[i].type, fields[i].path);
	fprintf(f, "} },\n");
}
