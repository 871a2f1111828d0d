/* SPDX-License-Identifier: MIT */
/*
 * The KASLR slide of a live (or dumped) Linux kernel: where the kernel runs
 * minus where vmlinux links it.
 */
#ifndef ELS_DEBUGINFO_KASLR_H
#define ELS_DEBUGINFO_KASLR_H

#include <stdint.h>

#include "arch/xlat.h"
#include "core/error.h"
#include "debuginfo/symbols.h"
#include "target/target.h"

/*
 * Find the slide from a CPU's vector base (VBAR_EL1, or VBAR_EL2 for a
 * kernel at EL2 with VHE) and vmlinux's exception vectors, trying each CPU
 * until one gives a slide that holds: linux_banner read at its slid address
 * through elscope's own translation equals vmlinux's bytes. The target must
 * be halted. An error says what was compared when nothing holds.
 */
struct els_error *els_kaslr_find_slide(struct els_target *t,
				       const struct els_symtab *vmlinux,
				       uint64_t *ret);

/*
 * The same on one CPU (only_cpu; -1: each in turn) through a chosen
 * translation regime: ELS_XLAT_EL10 finds a guest kernel's slide from its
 * VBAR_EL1 through its stage 1 and the CPU's stage 2, also while the CPU
 * itself is in the hypervisor (its EL1 registers and VTTBR_EL2 are those
 * of the guest it last ran).
 */
struct els_error *els_kaslr_find_slide_on(struct els_target *t,
					  const struct els_symtab *vmlinux,
					  int only_cpu,
					  enum els_xlat_regime regime,
					  uint64_t *ret);

/*
 * The same from a translation context and the vector base its kernel uses
 * (a guest's, from the registers a hypervisor saved for its vCPU).
 */
struct els_error *els_kaslr_find_slide_ctx(struct els_xlat_ctx *ctx,
					   uint64_t vbar,
					   const struct els_symtab *vmlinux,
					   uint64_t *ret);

/* Check a slide: linux_banner at its slid address as in vmlinux. */
struct els_error *els_kaslr_verify(struct els_target *t, int cpu,
				   const struct els_symtab *vmlinux,
				   uint64_t slide);

#endif
