/* SPDX-License-Identifier: MIT */
/*
 * SMC Calling Convention (Arm DEN 0028) function ids, as a guest passes
 * them in w0 with HVC #0 or SMC #0: PSCI (DEN 0022) and the Arm
 * architecture calls (SMCCC_VERSION, the Spectre workarounds) by name,
 * any other id by its fields (fast or yielding, SMC32/SMC64, owner).
 */
#ifndef ELS_ARCH_SMCCC_H
#define ELS_ARCH_SMCCC_H

#include <stddef.h>
#include <stdint.h>

/* The name of a known function id ("PSCI_CPU_ON"), NULL otherwise. */
const char *els_smccc_name(uint32_t fid);
/* "SMCCC_ARCH_WORKAROUND_1 (0x80008000)" or "fast SMC64 call 0x3 of owner standard hypervisor (0xc5000003)". */
size_t els_smccc_format(uint32_t fid, char *buf, size_t size);

#endif
