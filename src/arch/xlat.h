/* SPDX-License-Identifier: MIT */
/*
 * Address translation of a context: which regime a CPU's registers select,
 * VA -> IPA -> PA with every level shown, and memory reads through it.
 *
 * In a guest (stage 2 enabled), every stage-1 table address is an IPA: it is
 * translated through stage 2 before the descriptor is read (the nested
 * walk). Descriptors are read through the target's memory cache, so table
 * pages are read once while the target is halted; a small translation cache
 * remembers the last pages translated.
 */
#ifndef ELS_ARCH_XLAT_H
#define ELS_ARCH_XLAT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/mmu.h"
#include "core/error.h"
#include "target/target.h"

/* Which translation regime a context uses. */
enum els_xlat_regime {
	ELS_XLAT_AUTO,  /* from the CPU's current exception level */
	ELS_XLAT_EL10,  /* EL1&0: a kernel and its processes (a guest's, under EL2) */
	ELS_XLAT_EL2,   /* EL2 without VHE (a hypervisor such as Xen) */
	ELS_XLAT_EL20,  /* EL2&0 with VHE (Linux at EL2) */
};

const char *els_xlat_regime_name(enum els_xlat_regime r);

#define ELS_XLAT_TLB 16

struct els_xlat_tlb_entry {
	bool valid;
	uint64_t va_page;  /* input page (4K) */
	uint64_t pa_page;  /* its physical page */
};

/* The registers of a context and what they decode to. */
struct els_xlat_ctx {
	struct els_target *t;
	int cpu;
	enum els_xlat_regime regime; /* resolved, never AUTO */
	int el;                      /* the CPU's exception level */
	uint64_t sctlr, tcr, ttbr0, ttbr1, mair;
	bool has_el2;                /* the target exposes EL2 registers */
	bool stage2;                 /* stage 2 applies to this context */
	uint64_t hcr, vtcr, vttbr;
	struct els_mmu_regime s2;    /* valid when stage2 */
	struct els_xlat_tlb_entry tlb[ELS_XLAT_TLB];
	unsigned tlb_next;
	/* Counters for bench/ and --stats. */
	uint64_t walks, tlb_hits, desc_reads;
};

/*
 * A context from CPU cpu's registers (the target must be halted). regime
 * AUTO follows the CPU: EL2 with HCR_EL2.E2H is EL2&0, EL2 without is EL2,
 * EL0 with E2H and TGE is EL2&0, otherwise EL1&0 (with stage 2 when
 * HCR_EL2.VM is set).
 */
struct els_error *els_xlat_ctx_from_cpu(struct els_target *t, int cpu,
					enum els_xlat_regime regime,
					struct els_xlat_ctx *ret);

/*
 * An EL1&0 context from register values instead of a CPU: a guest's
 * registers as a hypervisor saved them. Stage 2 applies when hcr's VM bit
 * is set. The context's cpu is -1.
 */
struct els_xlat_el10_regs {
	uint64_t sctlr, tcr, ttbr0, ttbr1, mair;
	uint64_t hcr, vtcr, vttbr;
};
struct els_error *els_xlat_ctx_el10(struct els_target *t,
				    const struct els_xlat_el10_regs *r,
				    struct els_xlat_ctx *ret);

/* A full VA -> IPA -> PA translation. */
struct els_xlat_result {
	uint64_t va, ipa, pa;
	bool mapped;              /* pa is valid */
	bool has_stage2;
	struct els_mmu_regime s1_regime;
	struct els_mmu_walk s1;   /* stage 1 (table addresses are IPAs in a guest) */
	uint64_t s1_desc_pa[5];   /* the PA of each stage-1 level's descriptor */
	struct els_mmu_walk s2;   /* stage 2 of the final IPA */
	const char *fault;        /* "stage 1", "stage 2" when !mapped */
};

struct els_error *els_xlat_va(struct els_xlat_ctx *ctx, uint64_t va,
			      struct els_xlat_result *ret);
/* IPA -> PA through the context's stage 2 (identity without one). */
struct els_error *els_xlat_ipa(struct els_xlat_ctx *ctx, uint64_t ipa,
			       struct els_mmu_walk *ret);
/*
 * VA -> PA only, through the translation cache. An unmapped address is an
 * ELS_ERR_NOT_MAPPED error naming the stage and level.
 */
struct els_error *els_xlat_va_to_pa(struct els_xlat_ctx *ctx, uint64_t va,
				    uint64_t *pa);
/* Read len bytes at va, page by page. */
struct els_error *els_xlat_read(struct els_xlat_ctx *ctx, uint64_t va,
				void *buf, size_t len);
/* Read len bytes at ipa through the context's stage 2, page by page. */
struct els_error *els_xlat_read_ipa(struct els_xlat_ctx *ctx, uint64_t ipa,
				    void *buf, size_t len);
/* The stage-1 regime that covers va (TTBR0 or TTBR1 half). */
struct els_error *els_xlat_s1_regime(const struct els_xlat_ctx *ctx,
				     uint64_t va, struct els_mmu_regime *ret);
/*
 * Every mapped range of the context's stage 1 (one half: upper = the TTBR1
 * range) or of its stage 2, as els_mmu_for_each gives them.
 */
struct els_error *els_xlat_for_each(struct els_xlat_ctx *ctx, bool stage2,
				    bool upper, uint64_t max_descs,
				    int (*fn)(const struct els_mmu_range *range,
					      void *arg),
				    void *arg, struct els_mmu_regime *regime);
/*
 * The memory type of a stage-1 range (from MAIR) or a stage-2 one (from
 * MemAttr): "Normal WB", "Normal NC", "Normal WT", "Normal tagged",
 * "Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE".
 */
const char *els_xlat_memtype(const struct els_xlat_ctx *ctx, bool stage2,
			     const struct els_mmu_attrs *a);
/* Forget cached translations (the target ran). */
void els_xlat_flush(struct els_xlat_ctx *ctx);

#endif
