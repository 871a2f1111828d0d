/* SPDX-License-Identifier: MIT */
/*
 * AArch64 VMSAv8-64 translation table walks: stage 1 (EL1&0, EL2, EL2&0)
 * and stage 2, 4K/16K/64K granules, every starting level, concatenated
 * tables at the starting level of stage 2, block and page descriptors,
 * 52-bit output addresses (FEAT_LPA with 64K, FEAT_LPA2 with TCR.DS), the
 * contiguous hint, attributes and permissions.
 *
 * The walker knows nothing of targets: it reads each descriptor through a
 * callback with the descriptor's address in the walk's output address space
 * (PA for stage 2 and for stage 1 without stage 2; IPA for a guest's stage
 * 1, which the caller translates through stage 2 in the callback — that is
 * the nested walk). Table memory is untrusted: every address is checked
 * against the output size, walks have at most 5 levels, reserved
 * descriptors are errors.
 */
#ifndef ELS_ARCH_MMU_H
#define ELS_ARCH_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A translation regime, decoded once from the system registers. */
struct els_mmu_regime {
	bool stage2;
	bool enabled;           /* false: MMU off, output = input */
	uint64_t ttb;           /* table base: PA, or IPA for a guest's stage 1 */
	unsigned granule_shift; /* 12 (4K), 14 (16K) or 16 (64K) */
	unsigned ia_bits;       /* input address size: 64 - TnSZ */
	unsigned oa_bits;       /* output address size from (I)PS: 32..52 */
	int start_level;        /* -1 (LPA2) .. 3 */
	unsigned concat;        /* tables concatenated at the start level (1..16) */
	bool ds;                /* TCR.DS / VTCR.DS: 52-bit with 4K/16K (LPA2) */
	bool hpd;               /* hierarchical permissions disabled */
	bool upper;             /* stage 1 upper range (TTBR1): VA bits above ia are ones */
	bool tbi;               /* top byte ignored for this range */
	uint16_t asid;          /* from TTBR (stage 1) */
	uint16_t vmid;          /* from VTTBR (stage 2) */
	const char *name;       /* "TTBR1_EL1", "VTTBR_EL2", ... for messages */
	unsigned el;            /* stage 1: 2 for EL2 and EL2&0, else EL1&0 */
	bool one_el;            /* EL2 without VHE: no EL0, bit 54 is XN */
	unsigned sh;            /* with ds: TCR.SHn, the outputs' shareability */
};

enum els_mmu_desc_type {
	ELS_MMU_INVALID,  /* bit 0 clear: translation fault at this level */
	ELS_MMU_TABLE,
	ELS_MMU_BLOCK,
	ELS_MMU_PAGE,
	ELS_MMU_RESERVED, /* 0b01 at level 3, or a block where none may be */
};

struct els_mmu_level {
	int level;
	uint64_t table;     /* address of the table read at this level */
	uint64_t index;     /* index into it */
	uint64_t desc_addr; /* table + 8 * index */
	uint64_t desc;      /* the descriptor as read */
	enum els_mmu_desc_type type;
};

/* Attributes of the final descriptor, tables' limits folded in. */
struct els_mmu_attrs {
	/* stage 1 */
	unsigned attr_index; /* AttrIndx: MAIR slot */
	unsigned ap;         /* AP[2:1] after APTable */
	bool ns, ng;
	bool pxn, uxn;       /* after PXNTable/XNTable */
	/* stage 2 */
	unsigned memattr;    /* MemAttr[3:0] */
	unsigned s2ap;       /* S2AP: bit 0 read, bit 1 write */
	unsigned xn;         /* XN[1:0] (FEAT_XNX) */
	/* both */
	unsigned sh;         /* shareability */
	bool af, dbm, contiguous;
};

struct els_mmu_walk {
	uint64_t in;          /* the address translated */
	uint64_t out;         /* its output address (valid when mapped) */
	bool mapped;
	int nlevels;          /* levels read (0 when the MMU is off) */
	struct els_mmu_level levels[5];
	uint64_t size;        /* bytes the final descriptor maps (page or block) */
	uint64_t base_in;     /* first input address of that block or page */
	struct els_mmu_attrs attrs;
	int fault_level;      /* level of the translation fault, when !mapped */
};

/*
 * Read the 8-byte descriptor at addr (an address in the regime's output
 * space). Return an error if it cannot be read; the walker adds which level
 * and table it was.
 */
typedef struct els_error *els_mmu_read_fn(void *arg, uint64_t addr,
					  uint64_t *desc);

/*
 * Translate in. Not mapped (translation fault: an invalid descriptor, or an
 * input address outside the regime's range) is not an error: ret->mapped is
 * false and ret->fault_level says where. Errors are reserved descriptors,
 * addresses beyond the output size, unreadable tables and bad regimes.
 * Outside the range: fault_level 0 and nlevels 0, as ESR_ELx reports it.
 * MMU off: mapped, out = in (top byte cleared with TBI), size 4096. On an
 * error, levels[0..nlevels) are the descriptors read before it.
 */
struct els_error *els_mmu_translate(const struct els_mmu_regime *r,
				    uint64_t in, els_mmu_read_fn *read,
				    void *arg, struct els_mmu_walk *ret);

/* One mapped range for els_mmu_for_each: [in, in + size) -> out. */
struct els_mmu_range {
	uint64_t in, out, size;
	int level;                /* level of the block or page descriptor */
	struct els_mmu_attrs attrs;
};

/*
 * Visit every mapped block and page of the regime in input-address order
 * (sign-extended VAs for TTBR1), merging neighbours with contiguous output,
 * the same level and equal attributes; stop when fn returns nonzero. At
 * most max_descs descriptors are read (a bound on hostile tables; a table
 * seen twice on one path down is a cycle error). On an error, the ranges
 * found before it have been visited. MMU off: an ELS_ERR_STATE error.
 */
struct els_error *els_mmu_for_each(const struct els_mmu_regime *r,
				   els_mmu_read_fn *read, void *arg,
				   uint64_t max_descs,
				   int (*fn)(const struct els_mmu_range *range,
					     void *arg),
				   void *fn_arg);

/* ---- regimes from system registers ---- */

/*
 * EL1&0 (and EL2&0 with VHE, whose TCR_EL2 has TCR_EL1's layout): TTBR0 or
 * TTBR1 chosen by va (after TBI). Fails for a va in neither range with a
 * clear message, as for one whose range TCR.EPDn disables (both
 * ELS_ERR_NOT_MAPPED). sctlr gives M (MMU on).
 */
struct els_error *els_mmu_regime_el10(uint64_t sctlr, uint64_t tcr,
				      uint64_t ttbr0, uint64_t ttbr1,
				      uint64_t va, bool vhe,
				      struct els_mmu_regime *ret);
/* EL2 without VHE: TTBR0_EL2 and TCR_EL2's own layout. */
struct els_error *els_mmu_regime_el2(uint64_t sctlr, uint64_t tcr,
				     uint64_t ttbr0,
				     struct els_mmu_regime *ret);
/*
 * Stage 2 of a VM: VTCR_EL2 and VTTBR_EL2; enabled when hcr has VM set.
 * Rejects SL0/T0SZ combinations the architecture does not allow, and more
 * than 16 concatenated tables.
 */
struct els_error *els_mmu_regime_stage2(uint64_t hcr, uint64_t vtcr,
					uint64_t vttbr,
					struct els_mmu_regime *ret);

/* All attribute fields equal (what merges neighbouring ranges in a listing). */
bool els_mmu_attrs_equal(const struct els_mmu_attrs *a,
			 const struct els_mmu_attrs *b);

/* "RWX" style permission text for a range, e.g. "EL1 rw- EL0 ---". */
void els_mmu_perm_text(const struct els_mmu_regime *r,
		       const struct els_mmu_attrs *a, char *buf, size_t size);

#endif
