/* SPDX-License-Identifier: MIT */
#include "core/reader.h"
#include "arch/xlat.h"

#include <inttypes.h>
#include <string.h>

const char *els_xlat_regime_name(enum els_xlat_regime r)
{
	switch (r) {
	case ELS_XLAT_AUTO: return "auto";
	case ELS_XLAT_EL10: return "EL1&0";
	case ELS_XLAT_EL2: return "EL2";
	case ELS_XLAT_EL20: return "EL2&0";
	}
	return "?";
}

/*
 * A system register by any of its names: stubs differ (QEMU calls SCTLR_EL1
 * "SCTLR"). *present says whether the target has it at all.
 */
static struct els_error *sysreg(struct els_target *t, int cpu,
				const char *const *names, uint64_t *ret,
				bool *present)
{
	*present = false;
	*ret = 0;
	for (; *names; names++) {
		if (!els_target_find_reg(t, *names))
			continue;
		*present = true;
		return els_target_read_reg_u64(t, cpu, *names, ret);
	}
	return NULL;
}

#define REG(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct els_error *need(struct els_target *t, int cpu, const char *what,
			      const char *const *names, uint64_t *ret)
{
	bool present;
	struct els_error *err = sysreg(t, cpu, names, ret, &present);
	if (!err && !present)
		err = els_error_create(ELS_ERR_UNSUPPORTED,
				       "the target does not show %s (needed for %s)",
				       names[0], what);
	return err;
}

struct els_error *els_xlat_ctx_from_cpu(struct els_target *t, int cpu,
					enum els_xlat_regime regime,
					struct els_xlat_ctx *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->t = t;
	ret->cpu = cpu;
	uint64_t cpsr;
	struct els_error *err = els_target_read_reg_u64(t, cpu, "cpsr", &cpsr);
	if (err)
		return err;
	ret->el = (int)((cpsr >> 2) & 3);
	err = sysreg(t, cpu, REG("HCR_EL2"), &ret->hcr, &ret->has_el2);
	if (err)
		return err;
	bool e2h = ret->has_el2 && (ret->hcr >> 34 & 1);
	bool tge = ret->has_el2 && (ret->hcr >> 27 & 1);
	if (regime == ELS_XLAT_AUTO) {
		if (ret->el == 2)
			regime = e2h ? ELS_XLAT_EL20 : ELS_XLAT_EL2;
		else if (ret->el == 0 && e2h && tge)
			regime = ELS_XLAT_EL20;
		else
			regime = ELS_XLAT_EL10;
	}
	if ((regime == ELS_XLAT_EL2 || regime == ELS_XLAT_EL20) &&
	    !ret->has_el2)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"CPU %d has no EL2 (no HCR_EL2 on this target)",
					cpu);
	ret->regime = regime;
	const char *what = els_xlat_regime_name(regime);
	switch (regime) {
	case ELS_XLAT_EL10:
		if ((err = need(t, cpu, what, REG("SCTLR_EL1", "SCTLR"),
				&ret->sctlr)) ||
		    (err = need(t, cpu, what, REG("TCR_EL1"), &ret->tcr)) ||
		    (err = need(t, cpu, what, REG("TTBR0_EL1"), &ret->ttbr0)) ||
		    (err = need(t, cpu, what, REG("TTBR1_EL1"), &ret->ttbr1)) ||
		    (err = need(t, cpu, what, REG("MAIR_EL1"), &ret->mair)))
			return err;
		/* Stage 2 applies unless EL2&0 hosts EL0 (E2H and TGE). */
		if (ret->has_el2 && (ret->hcr & 1) && !(e2h && tge)) {
			if ((err = need(t, cpu, "stage 2", REG("VTCR_EL2"),
					&ret->vtcr)) ||
			    (err = need(t, cpu, "stage 2", REG("VTTBR_EL2"),
					&ret->vttbr)))
				return err;
			err = els_mmu_regime_stage2(ret->hcr, ret->vtcr,
						    ret->vttbr, &ret->s2);
			if (err)
				return els_error_wrap(err, "CPU %d stage 2",
						      cpu);
			ret->stage2 = ret->s2.enabled;
		}
		break;
	case ELS_XLAT_EL2:
	case ELS_XLAT_EL20:
		if ((err = need(t, cpu, what, REG("SCTLR_EL2"), &ret->sctlr)) ||
		    (err = need(t, cpu, what, REG("TCR_EL2"), &ret->tcr)) ||
		    (err = need(t, cpu, what, REG("TTBR0_EL2"), &ret->ttbr0)) ||
		    (err = need(t, cpu, what, REG("MAIR_EL2"), &ret->mair)))
			return err;
		if (regime == ELS_XLAT_EL20 &&
		    (err = need(t, cpu, what, REG("TTBR1_EL2"), &ret->ttbr1)))
			return err;
		break;
	case ELS_XLAT_AUTO:
		break;
	}
	return NULL;
}

struct els_error *els_xlat_ctx_el10(struct els_target *t,
				    const struct els_xlat_el10_regs *r,
				    struct els_xlat_ctx *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->t = t;
	ret->cpu = -1;
	ret->regime = ELS_XLAT_EL10;
	ret->el = 1;
	ret->sctlr = r->sctlr;
	ret->tcr = r->tcr;
	ret->ttbr0 = r->ttbr0;
	ret->ttbr1 = r->ttbr1;
	ret->mair = r->mair;
	ret->has_el2 = true;
	ret->hcr = r->hcr;
	if (r->hcr & 1) {
		ret->vtcr = r->vtcr;
		ret->vttbr = r->vttbr;
		struct els_error *err = els_mmu_regime_stage2(r->hcr, r->vtcr,
							      r->vttbr, &ret->s2);
		if (err)
			return els_error_wrap(err, "stage 2 of VTTBR 0x%" PRIx64,
					      r->vttbr);
		ret->stage2 = ret->s2.enabled;
	}
	return NULL;
}

struct els_error *els_xlat_s1_regime(const struct els_xlat_ctx *ctx,
				     uint64_t va, struct els_mmu_regime *ret)
{
	struct els_error *err;
	if (ctx->regime == ELS_XLAT_EL2)
		err = els_mmu_regime_el2(ctx->sctlr, ctx->tcr, ctx->ttbr0, ret);
	else
		err = els_mmu_regime_el10(ctx->sctlr, ctx->tcr, ctx->ttbr0,
					  ctx->ttbr1, va,
					  ctx->regime == ELS_XLAT_EL20, ret);
	if (err)
		return els_error_wrap(err, "CPU %d %s", ctx->cpu,
				      els_xlat_regime_name(ctx->regime));
	return NULL;
}

/* Descriptors of stage 2 (and of stage 1 without stage 2): physical. */
static struct els_error *read_phys_desc(void *arg, uint64_t addr,
					uint64_t *desc)
{
	struct els_xlat_ctx *ctx = arg;
	struct els_aspace phys = els_aspace_phys();
	uint8_t b[8];
	ctx->desc_reads++;
	struct els_error *err = els_target_read(ctx->t, &phys, addr, b, 8);
	if (err)
		return err;
	*desc = els_le64(b);
	return NULL;
}

struct els_error *els_xlat_ipa(struct els_xlat_ctx *ctx, uint64_t ipa,
			       struct els_mmu_walk *ret)
{
	if (!ctx->stage2) {
		memset(ret, 0, sizeof(*ret));
		ret->in = ret->out = ipa;
		ret->mapped = true;
		return NULL;
	}
	return els_mmu_translate(&ctx->s2, ipa, read_phys_desc, ctx, ret);
}

/* Stage-1 descriptors of a guest: their addresses are IPAs. */
struct nested {
	struct els_xlat_ctx *ctx;
	uint64_t *desc_pa; /* where to note each level's descriptor PA */
	int level_index;
};

static struct els_error *read_nested_desc(void *arg, uint64_t ipa,
					  uint64_t *desc)
{
	struct nested *n = arg;
	struct els_mmu_walk w;
	struct els_error *err = els_xlat_ipa(n->ctx, ipa, &w);
	if (err)
		return els_error_wrap(err, "stage 2 of table IPA 0x%llx",
				      (unsigned long long)ipa);
	if (!w.mapped)
		return els_error_addr(ELS_ERR_NOT_MAPPED, ipa,
				      "a stage-1 table at IPA 0x%llx is not mapped by stage 2 (fault at level %d)",
				      (unsigned long long)ipa, w.fault_level);
	if (n->desc_pa && n->level_index < 5)
		n->desc_pa[n->level_index++] = w.out;
	return read_phys_desc(n->ctx, w.out, desc);
}

struct els_error *els_xlat_va(struct els_xlat_ctx *ctx, uint64_t va,
			      struct els_xlat_result *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->va = va;
	ret->has_stage2 = ctx->stage2;
	ctx->walks++;
	struct els_error *err = els_xlat_s1_regime(ctx, va, &ret->s1_regime);
	if (err)
		return err;
	struct nested n = { .ctx = ctx, .desc_pa = ret->s1_desc_pa };
	err = els_mmu_translate(&ret->s1_regime, va, read_nested_desc, &n,
				&ret->s1);
	if (err)
		return els_error_wrap(err, "stage 1 of 0x%llx",
				      (unsigned long long)va);
	if (!ret->s1.mapped) {
		ret->fault = "stage 1";
		return NULL;
	}
	ret->ipa = ret->s1.out;
	err = els_xlat_ipa(ctx, ret->ipa, &ret->s2);
	if (err)
		return els_error_wrap(err, "stage 2 of IPA 0x%llx",
				      (unsigned long long)ret->ipa);
	if (!ret->s2.mapped) {
		ret->fault = "stage 2";
		return NULL;
	}
	ret->pa = ret->s2.out;
	ret->mapped = true;
	return NULL;
}

struct els_error *els_xlat_for_each(struct els_xlat_ctx *ctx, bool stage2,
				    bool upper, uint64_t max_descs,
				    int (*fn)(const struct els_mmu_range *range,
					      void *arg),
				    void *arg, struct els_mmu_regime *regime)
{
	if (stage2) {
		if (!ctx->stage2)
			return els_error_create(ELS_ERR_UNSUPPORTED,
						"CPU %d: no stage 2 applies (HCR_EL2.VM is clear, or the context is at EL2)",
						ctx->cpu);
		*regime = ctx->s2;
		return els_mmu_for_each(&ctx->s2, read_phys_desc, ctx,
					max_descs, fn, arg);
	}
	if (upper && ctx->regime == ELS_XLAT_EL2)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"EL2 without VHE has one range (TTBR0_EL2)");
	struct els_error *err =
		els_xlat_s1_regime(ctx, upper ? UINT64_MAX : 0, regime);
	if (err)
		return err;
	struct nested n = { .ctx = ctx };
	return els_mmu_for_each(regime, read_nested_desc, &n, max_descs, fn,
				arg);
}

static const char *device_type(unsigned bits)
{
	static const char *const names[] = { "Device-nGnRnE", "Device-nGnRE",
					     "Device-nGRE", "Device-GRE" };
	return names[bits & 3];
}

/* Outer (or inner) cacheability of a Normal memory attribute nibble. */
static const char *normal_type(unsigned nibble)
{
	if (nibble == 4)
		return "Normal NC";
	if ((nibble & 0xc) == 0x8 || (nibble & 0xc) == 0x0)
		return "Normal WT"; /* 0b00RW (transient WT), 0b10RW */
	return "Normal WB";         /* 0b01RW (transient WB), 0b11RW */
}

const char *els_xlat_memtype(const struct els_xlat_ctx *ctx, bool stage2,
			     const struct els_mmu_attrs *a)
{
	if (stage2) {
		/* MemAttr[3:2] = 00: Device, [1:0] its type. */
		if (!(a->memattr & 0xc))
			return device_type(a->memattr);
		unsigned inner = a->memattr & 3;
		return inner == 1 ? "Normal NC" : inner == 2 ? "Normal WT"
							   : "Normal WB";
	}
	unsigned attr = (unsigned)(ctx->mair >> (8 * (a->attr_index & 7))) & 0xff;
	if (!(attr & 0xf0))
		return device_type(attr >> 2);
	if (attr == 0xf0)
		return "Normal tagged";
	return normal_type(attr >> 4);
}

void els_xlat_flush(struct els_xlat_ctx *ctx)
{
	memset(ctx->tlb, 0, sizeof(ctx->tlb));
}

#define PAGE 4096ULL

struct els_error *els_xlat_va_to_pa(struct els_xlat_ctx *ctx, uint64_t va,
				    uint64_t *pa)
{
	uint64_t page = va & ~(PAGE - 1);
	for (unsigned i = 0; i < ELS_XLAT_TLB; i++) {
		struct els_xlat_tlb_entry *e = &ctx->tlb[i];
		if (e->valid && e->va_page == page) {
			ctx->tlb_hits++;
			*pa = e->pa_page | (va & (PAGE - 1));
			return NULL;
		}
	}
	struct els_xlat_result r;
	struct els_error *err = els_xlat_va(ctx, va, &r);
	if (err)
		return err;
	if (!r.mapped) {
		const struct els_mmu_walk *w =
			r.s1.mapped ? &r.s2 : &r.s1;
		return els_error_addr(ELS_ERR_NOT_MAPPED, va,
				      "virtual address 0x%llx is not mapped (%s translation fault at level %d)",
				      (unsigned long long)va, r.fault,
				      w->fault_level);
	}
	/* Pages of 16K/64K granules hold several 4K entries: cache one. */
	struct els_xlat_tlb_entry *e = &ctx->tlb[ctx->tlb_next++ % ELS_XLAT_TLB];
	e->valid = true;
	e->va_page = page;
	e->pa_page = r.pa & ~(PAGE - 1);
	*pa = r.pa;
	return NULL;
}

struct els_error *els_xlat_read_ipa(struct els_xlat_ctx *ctx, uint64_t ipa,
				    void *buf, size_t len)
{
	if (!ctx->stage2)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"CPU %d: no stage 2 applies (HCR_EL2.VM is clear): an IPA is a PA here",
					ctx->cpu);
	uint8_t *out = buf;
	struct els_aspace phys = els_aspace_phys();
	while (len) {
		struct els_mmu_walk w;
		struct els_error *err = els_xlat_ipa(ctx, ipa, &w);
		if (err)
			return err;
		if (!w.mapped)
			return els_error_addr(ELS_ERR_NOT_MAPPED, ipa,
					      "IPA 0x%llx is not mapped by stage 2 of VMID %u (fault at level %d)",
					      (unsigned long long)ipa, ctx->s2.vmid,
					      w.fault_level);
		uint64_t in_page = PAGE - (ipa & (PAGE - 1));
		size_t n = len < in_page ? len : (size_t)in_page;
		if ((err = els_target_read(ctx->t, &phys, w.out, out, n)))
			return els_error_wrap(err, "IPA 0x%llx",
					      (unsigned long long)ipa);
		out += n;
		len -= n;
		if (len && ipa > UINT64_MAX - n)
			return els_error_addr(ELS_ERR_INVALID, ipa,
					      "reading past the top of the address space");
		ipa += n;
	}
	return NULL;
}

struct els_error *els_xlat_read(struct els_xlat_ctx *ctx, uint64_t va,
				void *buf, size_t len)
{
	uint8_t *out = buf;
	struct els_aspace phys = els_aspace_phys();
	while (len) {
		uint64_t pa;
		struct els_error *err = els_xlat_va_to_pa(ctx, va, &pa);
		if (err)
			return err;
		uint64_t in_page = PAGE - (va & (PAGE - 1));
		size_t n = len < in_page ? len : (size_t)in_page;
		err = els_target_read(ctx->t, &phys, pa, out, n);
		if (err)
			return els_error_wrap(err, "virtual 0x%llx",
					      (unsigned long long)va);
		out += n;
		len -= n;
		if (len && va > UINT64_MAX - n)
			return els_error_addr(ELS_ERR_INVALID, va,
					      "reading past the top of the address space");
		va += n;
	}
	return NULL;
}
