/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the translation table walker. The input is, as
 * little-endian u64s,
 *   SCTLR, TCR, TTBR0, TTBR1, HCR_EL2, VTCR_EL2, VTTBR_EL2,
 *   four addresses,
 *   flags (bit 0: VHE; bit 1: reads outside the image wrap around it),
 *   the physical address of the image,
 * then the image: the fake memory the tables live in (the seeds come from
 * tests/unit/test_mmu.c). Every regime the registers decode to translates
 * the addresses and lists its mappings under a bound; every walk must be
 * self-consistent and every listed range must translate as listed. Stage 1
 * runs once more with its table addresses taken as IPAs through stage 2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/mmu.h"
#include "core/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER (13 * 8)
#define MAX_DESCS 4096
#define MAX_CHECKS 16

struct image {
	const uint8_t *mem;
	size_t len;
	uint64_t base;
	bool wrap;
};

static struct els_error *read_image(void *arg, uint64_t addr, uint64_t *desc)
{
	const struct image *im = arg;
	uint64_t off = addr - im->base;
	if (im->len < 8)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr, "no image");
	if (addr < im->base || off > im->len - 8) {
		if (!im->wrap)
			return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
					      "0x%llx is outside the image",
					      (unsigned long long)addr);
		off = (off % (im->len - 7)) & ~7ULL;
	}
	*desc = els_le64(im->mem + off);
	return NULL;
}

struct nested {
	const struct els_mmu_regime *s2;
	const struct image *im;
};

static struct els_error *read_nested(void *arg, uint64_t ipa, uint64_t *desc)
{
	const struct nested *n = arg;
	struct els_mmu_walk w;
	struct els_error *err =
		els_mmu_translate(n->s2, ipa, read_image, (void *)n->im, &w);
	if (err)
		return err;
	if (!w.mapped)
		return els_error_addr(ELS_ERR_NOT_MAPPED, ipa,
				      "stage 2 fault at level %d",
				      w.fault_level);
	return read_image((void *)n->im, w.out, desc);
}

static void check_walk(const struct els_mmu_regime *r, uint64_t in,
		       const struct els_mmu_walk *w)
{
	if (w->in != in || w->nlevels < 0 || w->nlevels > 5)
		abort();
	if (!r->enabled) {
		if (!w->mapped || w->nlevels)
			abort();
		return;
	}
	for (int i = 0; i < w->nlevels; i++) {
		const struct els_mmu_level *l = &w->levels[i];
		if (l->level != r->start_level + i ||
		    l->desc_addr != l->table + 8 * l->index ||
		    l->table >> r->oa_bits)
			abort();
		bool last = i == w->nlevels - 1;
		if (!last && l->type != ELS_MMU_TABLE)
			abort();
	}
	if (w->mapped) {
		const struct els_mmu_level *l = &w->levels[w->nlevels - 1];
		if (!w->nlevels || (l->type != ELS_MMU_BLOCK &&
				    l->type != ELS_MMU_PAGE))
			abort();
		if (w->size < 4096 || (w->size & (w->size - 1)) ||
		    w->out >> r->oa_bits || (w->out ^ in) & (w->size - 1) ||
		    w->base_in != (in & ~(w->size - 1)))
			abort();
	} else if (w->nlevels) {
		const struct els_mmu_level *l = &w->levels[w->nlevels - 1];
		if (l->type != ELS_MMU_INVALID || w->fault_level != l->level)
			abort();
	} else if (w->fault_level != 0) {
		abort();
	}
}

struct listing {
	const struct els_mmu_regime *r;
	els_mmu_read_fn *read;
	void *arg;
	uint64_t end; /* of the last range; 0 after one reaching 2^64 */
	bool any, at_top;
	unsigned checks;
};

static void expect_translation(const struct listing *l, uint64_t in,
			       uint64_t out, const struct els_mmu_range *range)
{
	struct els_mmu_walk w;
	struct els_error *err =
		els_mmu_translate(l->r, in, l->read, l->arg, &w);
	if (err)
		abort(); /* the listing read the same descriptors */
	check_walk(l->r, in, &w);
	if (!w.mapped || w.out != out || !els_mmu_attrs_equal(&w.attrs, &range->attrs) ||
	    w.levels[w.nlevels - 1].level != range->level)
		abort();
}

static int visit(const struct els_mmu_range *range, void *arg)
{
	struct listing *l = arg;
	if (!range->size || l->at_top || (l->any && range->in < l->end))
		abort();
	if ((range->out + range->size - 1) >> l->r->oa_bits ||
	    range->out + range->size - 1 < range->out)
		abort();
	l->end = range->in + range->size;
	l->at_top = l->end == 0;
	l->any = true;
	if (l->checks < MAX_CHECKS) {
		l->checks++;
		expect_translation(l, range->in, range->out, range);
		expect_translation(l, range->in + range->size - 1,
				   range->out + range->size - 1, range);
	}
	char text[32];
	els_mmu_perm_text(l->r, &range->attrs, text, sizeof(text));
	return 0;
}

static void exercise(const struct els_mmu_regime *r, const uint64_t *va,
		     els_mmu_read_fn *read, void *arg, bool list)
{
	for (int i = 0; i < 4; i++) {
		uint64_t ins[3] = { va[i], va[i] + 0x1000, va[i] | 0xfff };
		for (int k = 0; k < 3; k++) {
			struct els_mmu_walk w;
			struct els_error *err =
				els_mmu_translate(r, ins[k], read, arg, &w);
			if (err) {
				if (!err->message)
					abort();
				els_error_destroy(err);
				continue;
			}
			check_walk(r, ins[k], &w);
			char text[32], tiny[4];
			els_mmu_perm_text(r, &w.attrs, text, sizeof(text));
			els_mmu_perm_text(r, &w.attrs, tiny, sizeof(tiny));
			if (strlen(text) > 15 || strlen(tiny) > 3)
				abort();
		}
	}
	if (!list)
		return;
	struct listing l = { .r = r, .read = read, .arg = arg };
	els_error_destroy(els_mmu_for_each(r, read, arg, MAX_DESCS, visit, &l));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	uint64_t h[13];
	for (int i = 0; i < 13; i++)
		h[i] = els_le64(data + 8 * i);
	uint64_t sctlr = h[0], tcr = h[1], ttbr0 = h[2], ttbr1 = h[3];
	uint64_t hcr = h[4], vtcr = h[5], vttbr = h[6];
	const uint64_t *va = &h[7];
	bool vhe = h[11] & 1;
	struct image im = { data + HEADER, size - HEADER, h[12], h[11] & 2 };

	struct els_mmu_regime s2, r;
	struct els_error *err = els_mmu_regime_stage2(hcr, vtcr, vttbr, &s2);
	bool have_s2 = !err;
	els_error_destroy(err);
	if (have_s2)
		exercise(&s2, va, read_image, &im, true);

	err = els_mmu_regime_el2(sctlr, tcr, ttbr0, &r);
	if (!err)
		exercise(&r, va, read_image, &im, true);
	els_error_destroy(err);

	struct nested n = { &s2, &im };
	for (int i = 0; i < 4; i++) {
		err = els_mmu_regime_el10(sctlr, tcr, ttbr0, ttbr1, va[i], vhe,
					  &r);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		exercise(&r, va, read_image, &im, i < 2);
		if (have_s2 && s2.enabled)
			exercise(&r, va, read_nested, &n, i == 0);
	}
	return 0;
}
