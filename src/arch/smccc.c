/* SPDX-License-Identifier: MIT */
/* SMCCC function ids: names of the common ones, fields of the others. */
#include <inttypes.h>
#include <stdio.h>

#include "arch/smccc.h"

static const struct {
	uint32_t fid;
	const char *name;
} known[] = {
	/* Arm architecture calls (owner 0). */
	{ 0x80000000, "SMCCC_VERSION" },
	{ 0x80000001, "SMCCC_ARCH_FEATURES" },
	{ 0x80000002, "SMCCC_ARCH_SOC_ID" },
	{ 0x80008000, "SMCCC_ARCH_WORKAROUND_1" },
	{ 0x80007fff, "SMCCC_ARCH_WORKAROUND_2" },
	{ 0x80003fff, "SMCCC_ARCH_WORKAROUND_3" },
	/* PSCI (owner 4, standard secure service); 0xc4... are SMC64. */
	{ 0x84000000, "PSCI_VERSION" },
	{ 0x84000001, "PSCI_CPU_SUSPEND" },
	{ 0xc4000001, "PSCI_CPU_SUSPEND" },
	{ 0x84000002, "PSCI_CPU_OFF" },
	{ 0x84000003, "PSCI_CPU_ON" },
	{ 0xc4000003, "PSCI_CPU_ON" },
	{ 0x84000004, "PSCI_AFFINITY_INFO" },
	{ 0xc4000004, "PSCI_AFFINITY_INFO" },
	{ 0x84000005, "PSCI_MIGRATE" },
	{ 0xc4000005, "PSCI_MIGRATE" },
	{ 0x84000006, "PSCI_MIGRATE_INFO_TYPE" },
	{ 0x84000007, "PSCI_MIGRATE_INFO_UP_CPU" },
	{ 0xc4000007, "PSCI_MIGRATE_INFO_UP_CPU" },
	{ 0x84000008, "PSCI_SYSTEM_OFF" },
	{ 0x84000009, "PSCI_SYSTEM_RESET" },
	{ 0x8400000a, "PSCI_FEATURES" },
	{ 0x8400000b, "PSCI_CPU_FREEZE" },
	{ 0x8400000c, "PSCI_CPU_DEFAULT_SUSPEND" },
	{ 0xc400000c, "PSCI_CPU_DEFAULT_SUSPEND" },
	{ 0x8400000d, "PSCI_NODE_HW_STATE" },
	{ 0xc400000d, "PSCI_NODE_HW_STATE" },
	{ 0x8400000e, "PSCI_SYSTEM_SUSPEND" },
	{ 0xc400000e, "PSCI_SYSTEM_SUSPEND" },
	{ 0x8400000f, "PSCI_SET_SUSPEND_MODE" },
	{ 0x84000010, "PSCI_STAT_RESIDENCY" },
	{ 0xc4000010, "PSCI_STAT_RESIDENCY" },
	{ 0x84000011, "PSCI_STAT_COUNT" },
	{ 0xc4000011, "PSCI_STAT_COUNT" },
	{ 0x84000012, "PSCI_SYSTEM_RESET2" },
	{ 0xc4000012, "PSCI_SYSTEM_RESET2" },
};

const char *els_smccc_name(uint32_t fid)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++) {
		if (known[i].fid == fid)
			return known[i].name;
	}
	return NULL;
}

/* Bits [29:24] of a function id: who serves it. */
static const char *owner(unsigned o)
{
	static const char *const names[] = {
		"Arm architecture", "CPU service", "SiP service",
		"OEM service", "standard secure service",
		"standard hypervisor service", "vendor hypervisor service",
	};
	if (o < sizeof(names) / sizeof(*names))
		return names[o];
	if (o >= 48 && o <= 49)
		return "trusted application";
	if (o >= 50)
		return "trusted OS";
	return "reserved owner";
}

size_t els_smccc_format(uint32_t fid, char *buf, size_t size)
{
	const char *name = els_smccc_name(fid);
	int n;
	if (name)
		n = snprintf(buf, size, "%s (0x%08" PRIx32 ")", name, fid);
	else
		n = snprintf(buf, size,
			     "%s SMC%s call 0x%" PRIx32 " of the %s (0x%08" PRIx32 ")",
			     fid >> 31 ? "fast" : "yielding",
			     (fid >> 30) & 1 ? "64" : "32", fid & 0xffff,
			     owner((fid >> 24) & 0x3f), fid);
	return n < 0 ? 0 : (size_t)n;
}
