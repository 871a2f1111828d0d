/* SPDX-License-Identifier: MIT */
/*
 * The translation table walker over synthetic tables: a fake physical
 * memory, a builder that allocates table pages and writes descriptors, and
 * for every granule, range, starting level and input size, walks whose
 * output addresses, levels and descriptor addresses are checked exactly.
 * Hostile tables (cycles, addresses beyond the output size, reserved
 * descriptors, unreadable memory) must give clear errors.
 *
 * With ELSCOPE_WRITE_SEEDS=DIR set, the seed corpus of the fuzz harness is
 * written to DIR as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "arch/mmu.h"

#define AF (1ULL << 10)
#define NG (1ULL << 11)
#define DBM (1ULL << 51)
#define CONT (1ULL << 52)
#define PXN (1ULL << 53)
#define UXN (1ULL << 54)
#define PXN_TABLE (1ULL << 59)
#define XN_TABLE (1ULL << 60)
#define AP_TABLE0 (1ULL << 61) /* no EL0 access below */
#define AP_TABLE1 (1ULL << 62) /* no writes below */
#define NS_TABLE (1ULL << 63)

#define TCR_EPD0 (1ULL << 7)
#define TCR_A1 (1ULL << 22)
#define TCR_EPD1 (1ULL << 23)
#define TCR_AS (1ULL << 36)
#define TCR_TBI0 (1ULL << 37)
#define TCR_TBI1 (1ULL << 38)
#define TCR_HPD0 (1ULL << 41)
#define TCR_DS (1ULL << 59)

#define LOW_MEM 0x40000000ULL
#define HIGH_MEM 0x000e000000000000ULL /* above 48 bits */

/* ---- fake physical memory ---- */

struct chunk {
	uint64_t base, size;
	uint8_t *data;
};

struct mem {
	struct chunk c[64];
	int n;
	uint64_t next;           /* where mem_alloc puts the next table */
	unsigned reads;
	uint64_t bad_lo, bad_hi; /* reads here fail as a target error */
};

static struct mem mem;

static void mem_reset(uint64_t next)
{
	for (int i = 0; i < mem.n; i++)
		free(mem.c[i].data);
	memset(&mem, 0, sizeof(mem));
	mem.next = next;
}

static void mem_add(uint64_t base, uint64_t size)
{
	assert_true(mem.n < 64);
	struct chunk *c = &mem.c[mem.n++];
	c->base = base;
	c->size = size;
	c->data = calloc(1, (size_t)size);
	assert_non_null(c->data);
}

/* A zeroed block of size bytes (a power of two), aligned to its size. */
static uint64_t mem_alloc(uint64_t size)
{
	uint64_t base = (mem.next + size - 1) & ~(size - 1);
	mem_add(base, size);
	mem.next = base + size;
	return base;
}

static struct chunk *mem_find(uint64_t addr)
{
	for (int i = 0; i < mem.n; i++) {
		struct chunk *c = &mem.c[i];
		if (addr >= c->base && addr - c->base <= c->size - 8)
			return c;
	}
	return NULL;
}

static void poke(uint64_t addr, uint64_t v)
{
	struct chunk *c = mem_find(addr);
	if (!c)
		fail_msg("poke at 0x%llx: no memory", (unsigned long long)addr);
	memcpy(c->data + (addr - c->base), &v, 8);
}

static uint64_t peek(uint64_t addr)
{
	struct chunk *c = mem_find(addr);
	uint64_t v = 0;
	if (c)
		memcpy(&v, c->data + (addr - c->base), 8);
	return v;
}

static struct els_error *mem_read(void *arg, uint64_t addr, uint64_t *desc)
{
	(void)arg;
	mem.reads++;
	if (addr >= mem.bad_lo && addr < mem.bad_hi)
		return els_error_addr(ELS_ERR_TARGET, addr,
				      "the stub refused to read 0x%llx",
				      (unsigned long long)addr);
	struct chunk *c = mem_find(addr);
	if (!c)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
				      "physical address 0x%llx is not in the fake memory",
				      (unsigned long long)addr);
	memcpy(desc, c->data + (addr - c->base), 8);
	return NULL;
}

/* ---- descriptors and the table builder ---- */

/* An output or table address in the regime's descriptor layout. */
static uint64_t enc_oa(const struct els_mmu_regime *r, uint64_t pa)
{
	if (r->ds)
		return (pa & 0x0003fffffffff000ULL) | ((pa >> 50) & 3) << 8;
	if (r->granule_shift == 16)
		return (pa & 0x0000ffffffff0000ULL) | ((pa >> 48) & 0xf) << 12;
	return pa & 0x0000fffffffff000ULL;
}

static uint64_t dec_oa(const struct els_mmu_regime *r, uint64_t d)
{
	if (r->ds)
		return (d & 0x0003fffffffff000ULL) | ((d >> 8) & 3) << 50;
	if (r->granule_shift == 16)
		return (d & 0x0000ffffffff0000ULL) | ((d >> 12) & 0xf) << 48;
	return d & 0x0000fffffffff000ULL;
}

/* TTBRn/VTTBR BADDR: bits [51:48] in [5:2] in the 52-bit forms. */
static uint64_t enc_ttbr(uint64_t table)
{
	return (table & 0x0000ffffffffffc0ULL) | ((table >> 48) & 0xf) << 2;
}

static unsigned shift_of(const struct els_mmu_regime *r, int level)
{
	unsigned g = r->granule_shift;
	return g + (unsigned)(3 - level) * (g - 3);
}

struct path {
	int n;
	uint64_t table[5], desc_addr[5];
};

/*
 * Map in -> out with a leaf at level (a block, or a page at level 3),
 * creating the tables on the way (new table descriptors get table_bits).
 * Notes the tables and descriptor addresses in p when given.
 */
static uint64_t map_t(const struct els_mmu_regime *r, uint64_t in,
		      uint64_t out, int level, uint64_t attrs,
		      uint64_t table_bits, struct path *p)
{
	uint64_t table = r->ttb;
	unsigned stride = r->granule_shift - 3;
	if (p)
		p->n = 0;
	for (int l = r->start_level; l <= 3; l++) {
		unsigned shift = shift_of(r, l);
		unsigned bits = l == r->start_level ? r->ia_bits - shift
						    : stride;
		uint64_t index = (in >> shift) & ((1ULL << bits) - 1);
		uint64_t da = table + 8 * index;
		if (p) {
			p->table[p->n] = table;
			p->desc_addr[p->n++] = da;
		}
		if (l == level) {
			poke(da, enc_oa(r, out) | attrs | (l == 3 ? 3 : 1));
			return da;
		}
		uint64_t d = peek(da);
		if (!(d & 1)) {
			uint64_t t = mem_alloc(1ULL << r->granule_shift);
			d = enc_oa(r, t) | table_bits | 3;
			poke(da, d);
		}
		table = dec_oa(r, d);
	}
	fail_msg("map: level %d is not below the start level", level);
	return 0;
}

static uint64_t map(const struct els_mmu_regime *r, uint64_t in, uint64_t out,
		    int level, uint64_t attrs)
{
	return map_t(r, in, out, level, attrs, 0, NULL);
}

static unsigned tg0(unsigned g)
{
	return g == 12 ? 0 : g == 16 ? 1 : 2;
}

static unsigned tg1(unsigned g)
{
	return g == 12 ? 2 : g == 14 ? 1 : 3;
}

/* TCR_EL1 with both ranges of one geometry. */
static uint64_t tcr_el1(unsigned g, unsigned tsz, unsigned ips)
{
	return tsz | (uint64_t)tg0(g) << 14 | (uint64_t)tsz << 16 |
	       (uint64_t)tg1(g) << 30 | (uint64_t)ips << 32;
}

static uint64_t vtcr(unsigned g, unsigned tsz, unsigned sl0, unsigned ps)
{
	return tsz | (uint64_t)sl0 << 6 | (uint64_t)tg0(g) << 14 |
	       (uint64_t)ps << 16;
}

static void walk(const struct els_mmu_regime *r, uint64_t in,
		 struct els_mmu_walk *w)
{
	mem.reads = 0;
	expect_ok(els_mmu_translate(r, in, mem_read, NULL, w));
}

static void expect_mapped(const struct els_mmu_regime *r, uint64_t in,
			  uint64_t out, int level, struct els_mmu_walk *w)
{
	walk(r, in, w);
	if (!w->mapped)
		fail_msg("%s: 0x%llx not mapped (fault at level %d)", r->name,
			 (unsigned long long)in, w->fault_level);
	if (w->out != out)
		fail_msg("%s: 0x%llx -> 0x%llx, expected 0x%llx", r->name,
			 (unsigned long long)in, (unsigned long long)w->out,
			 (unsigned long long)out);
	assert_int_equal(w->nlevels, level - r->start_level + 1);
	assert_int_equal(w->levels[w->nlevels - 1].level, level);
	assert_int_equal(w->size, 1ULL << shift_of(r, level));
	assert_int_equal(w->base_in, in & ~(w->size - 1));
	assert_int_equal(mem.reads, w->nlevels);
}

static void expect_path(const struct els_mmu_walk *w, const struct path *p)
{
	assert_int_equal(w->nlevels, p->n);
	for (int i = 0; i < p->n; i++) {
		assert_int_equal(w->levels[i].table, p->table[i]);
		assert_int_equal(w->levels[i].desc_addr, p->desc_addr[i]);
		assert_int_equal(w->levels[i].desc, peek(p->desc_addr[i]));
		assert_int_equal(w->levels[i].index,
				 (p->desc_addr[i] - p->table[i]) / 8);
		assert_int_equal(w->levels[i].type,
				 i < p->n - 1 ? ELS_MMU_TABLE :
				 w->levels[i].level == 3 ? ELS_MMU_PAGE :
				 ELS_MMU_BLOCK);
	}
}

/* The Arm ARM's "level for the first lookup", by input size. */
static int expected_start(unsigned g, unsigned ia)
{
	switch (g) {
	case 12:
		return ia <= 21 ? 3 : ia <= 30 ? 2 : ia <= 39 ? 1 :
		       ia <= 48 ? 0 : -1;
	case 14:
		return ia <= 25 ? 3 : ia <= 36 ? 2 : ia <= 47 ? 1 : 0;
	default:
		return ia <= 29 ? 3 : ia <= 42 ? 2 : 1;
	}
}

static bool block_level(unsigned g, bool ds, unsigned oa, int level)
{
	switch (g) {
	case 12:
		return level == 1 || level == 2 || (level == 0 && ds);
	case 14:
		return level == 2 || (level == 1 && ds);
	default:
		return level == 2 || (level == 1 && oa == 52);
	}
}

/* ---- stage 1: every granule, range, input size and leaf level ---- */

struct s1_config {
	unsigned g;
	bool ds;
	unsigned ips;
	uint64_t mem_base;
};

static const struct s1_config s1_configs[] = {
	{ 12, false, 5, LOW_MEM },  { 12, true, 6, HIGH_MEM },
	{ 14, false, 5, LOW_MEM },  { 14, true, 6, HIGH_MEM },
	{ 16, false, 5, LOW_MEM },  { 16, false, 6, HIGH_MEM },
	{ 12, false, 2, LOW_MEM },  /* a 40-bit output */
};

static void s1_case(const struct s1_config *c, bool upper, unsigned tsz,
		    int leaf, unsigned which)
{
	mem_reset(c->mem_base);
	uint64_t root = mem_alloc(1ULL << c->g);
	uint64_t tcr = tcr_el1(c->g, tsz, c->ips) | (c->ds ? TCR_DS : 0);
	unsigned ia = 64 - tsz;
	uint64_t lo = upper ? ~0ULL << ia : 0;
	uint64_t hi = upper ? ~0ULL : (1ULL << ia) - 1;
	uint64_t va = which == 0 ? lo : which == 1 ? hi :
		      lo + (0x5a5a5a5a5a5a5a5aULL & ((1ULL << ia) - 1));
	struct els_mmu_regime r;
	expect_ok(els_mmu_regime_el10(1, tcr, enc_ttbr(root) | 1,
				      enc_ttbr(root) | 1, va, false, &r));
	assert_true(r.enabled);
	assert_false(r.stage2);
	assert_int_equal(r.upper, upper);
	assert_string_equal(r.name, upper ? "TTBR1_EL1" : "TTBR0_EL1");
	assert_int_equal(r.granule_shift, c->g);
	assert_int_equal(r.ia_bits, ia);
	unsigned oa = c->ips == 6 && (c->g == 16 || c->ds) ? 52 :
		      c->ips == 2 ? 40 : 48;
	assert_int_equal(r.oa_bits, oa);
	assert_int_equal(r.start_level, expected_start(c->g, ia));
	assert_int_equal(r.concat, 1);
	assert_int_equal(r.ttb, root);
	if (leaf < r.start_level)
		return;
	uint64_t size = 1ULL << shift_of(&r, leaf);
	uint64_t out = oa == 52 ? 0x000cb5a5a5a5a000ULL : 0x0000b5a5a5a5a000ULL;
	out &= ((1ULL << oa) - 1) & ~(size - 1);
	struct path p;
	map_t(&r, va, out, leaf, AF, 0, &p);
	struct els_mmu_walk w;
	expect_mapped(&r, va, out | (va & (size - 1)), leaf, &w);
	expect_path(&w, &p);
	assert_true(w.attrs.af);
	/* The neighbour in the same last table is a fault at the leaf level. */
	uint64_t next = which == 1 ? va - size : va + size;
	if (which != 2 && size < (1ULL << ia)) {
		walk(&r, next, &w);
		assert_false(w.mapped);
		assert_int_equal(w.fault_level, leaf);
		assert_int_equal(w.nlevels, leaf - r.start_level + 1);
	}
}

/* Every range, input size, leaf level and address of one config. */
static unsigned s1_config_cases(const struct s1_config *c)
{
	unsigned cases = 0;
	unsigned min = c->g == 16 || c->ds ? 12 : 16;
	unsigned max = c->g == 16 ? 47 : 48;
	unsigned oa = c->ips == 6 ? 52 : 48;
	for (int leaf = 0; leaf <= 3; leaf++) {
		if (leaf < 3 && !block_level(c->g, c->ds, oa, leaf))
			continue;
		for (unsigned tsz = min; tsz <= max; tsz++) {
			for (unsigned k = 0; k < 6; k++) {
				s1_case(c, k & 1, tsz, leaf, k / 2);
				cases++;
			}
		}
	}
	return cases;
}

static void test_stage1_matrix(void **state)
{
	(void)state;
	unsigned cases = 0;
	for (size_t i = 0; i < sizeof(s1_configs) / sizeof(*s1_configs); i++)
		cases += s1_config_cases(&s1_configs[i]);
	assert_true(cases > 1500);
	mem_reset(0);
}

/* ---- stage 2: every SL0 (and SL2), input size and concatenation ---- */

/* VTCR_EL2.SL0 (SL2) -> start level, or 99 for a reserved encoding. */
static int s2_start(unsigned g, unsigned sl0, bool sl2, bool ds)
{
	static const int l4k[4] = { 2, 1, 0, 3 };
	if (g == 12 && ds && sl2)
		return sl0 == 0 ? -1 : 99;
	if (g == 12)
		return l4k[sl0];
	if (sl0 == 3)
		return g == 14 && ds ? 0 : 99;
	return 3 - (int)sl0;
}

static void s2_case(unsigned g, bool ds, unsigned sl0, bool sl2, unsigned tsz)
{
	mem_reset(LOW_MEM);
	unsigned stride = g - 3;
	uint64_t root = mem_alloc(16ULL << g);
	uint64_t vt = vtcr(g, tsz, sl0, 5) | (ds ? 1ULL << 32 : 0) |
		      (sl2 ? 1ULL << 33 : 0);
	struct els_mmu_regime r;
	struct els_error *err =
		els_mmu_regime_stage2(1, vt, enc_ttbr(root), &r);
	unsigned min = g == 16 || ds ? 12 : 16, max = g == 16 ? 47 : 48;
	unsigned ia = 64 - tsz;
	if (tsz < min) {
		expect_error(err, ELS_ERR_INVALID, "VTCR_EL2.T0SZ");
		return;
	}
	if (tsz > max) {
		expect_error(err, ELS_ERR_INVALID, "the most the");
		return;
	}
	int start = s2_start(g, sl0, sl2, ds);
	if (start == 99) {
		expect_error(err, ELS_ERR_INVALID, "is reserved with the");
		return;
	}
	/* AArch64.S2InconsistentSL */
	int levels = 3 - start;
	unsigned min_ia = (unsigned)levels * stride + g + 1;
	unsigned max_ia = min_ia + (stride - 1) + 4;
	if (ia < min_ia) {
		expect_error(err, ELS_ERR_INVALID, "does not reach");
		return;
	}
	if (ia > max_ia) {
		expect_error(err, ELS_ERR_INVALID, "more than 16");
		return;
	}
	expect_ok(err);
	unsigned full = min_ia + stride - 1; /* one whole table */
	unsigned concat = ia > full ? 1u << (ia - full) : 1;
	assert_true(r.stage2);
	assert_true(r.enabled);
	assert_int_equal(r.start_level, start);
	assert_int_equal(r.concat, concat);
	assert_int_equal(r.ia_bits, ia);
	assert_int_equal(r.oa_bits, 48);
	assert_int_equal(r.ttb, root);
	unsigned shift = shift_of(&r, start);
	uint64_t last = (1ULL << ia) - 1;
	uint64_t ipas[3] = { 0, last, last / 3 };
	for (int i = 0; i < 3; i++) {
		uint64_t out = 0x0000123456789000ULL + (uint64_t)i * 0x100000;
		out &= ~((1ULL << g) - 1);
		struct path p;
		map_t(&r, ipas[i], out, 3, AF | 3 << 6, 0, &p);
		struct els_mmu_walk w;
		expect_mapped(&r, ipas[i], out | (ipas[i] & ((1ULL << g) - 1)),
			      3, &w);
		expect_path(&w, &p);
		/* The start level indexes across the concatenated tables. */
		uint64_t index = ipas[i] >> shift;
		assert_int_equal(w.levels[0].desc_addr, root + 8 * index);
		if (i == 1)
			assert_int_equal(index, (1ULL << (ia - shift)) - 1);
	}
	/* Beyond the IPA size: a translation fault at level 0, no reads. */
	if (ia < 52) {
		struct els_mmu_walk w;
		walk(&r, 1ULL << ia, &w);
		assert_false(w.mapped);
		assert_int_equal(w.fault_level, 0);
		assert_int_equal(w.nlevels, 0);
		assert_int_equal(mem.reads, 0);
	}
}

static void test_stage2_matrix(void **state)
{
	(void)state;
	static const struct {
		unsigned g;
		bool ds;
	} configs[] = { { 12, false }, { 12, true }, { 14, false },
			{ 14, true },  { 16, false } };
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		for (unsigned sl0 = 0; sl0 < 4; sl0++)
			for (int sl2 = 0; sl2 < 2; sl2++)
				for (unsigned tsz = 8; tsz <= 50; tsz++)
					s2_case(configs[i].g, configs[i].ds,
						sl0, sl2, tsz);
	mem_reset(0);
}

static void test_stage2_concat(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	/* 4K, start at level 1 (SL0 = 1), 40-bit IPA: 2 tables. */
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x2000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2),
					root | 0x0005000000000000ULL, &r));
	assert_int_equal(r.concat, 2);
	assert_int_equal(r.vmid, 5);
	map(&r, 0xfffffff000ULL, 0x80000000ULL, 3, AF);
	expect_mapped(&r, 0xfffffff123ULL, 0x80000123ULL, 3, &w);
	assert_int_equal(w.levels[0].index, 0x3ff);
	assert_int_equal(w.levels[0].desc_addr, root + 0x1ff8);
	map(&r, 0x8000000000ULL, 0xc0000000ULL, 1, AF); /* 1G block, table 2 */
	expect_mapped(&r, 0x8012345678ULL, 0xd2345678ULL, 1, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 0x1000);

	/* 43-bit IPA from level 1: 16 tables. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x10000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 21, 1, 2), root, &r));
	assert_int_equal(r.concat, 16);
	map(&r, 0x7fffffff000ULL, 0x1000ULL, 3, AF);
	expect_mapped(&r, 0x7ffffffffffULL, 0x1fffULL, 3, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 0xfff8);

	/* 44 bits from level 1 would need 32. */
	expect_error(els_mmu_regime_stage2(1, vtcr(12, 20, 1, 2), root, &r),
		     ELS_ERR_INVALID,
		     "a 44-bit IPA (T0SZ = 20) starting at level 1 (SL0 = 1) needs 32 concatenated tables with the 4K granule, more than 16");
	/* A regime made by hand with 17 tables is refused by the walker. */
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 21, 1, 2), root, &r));
	r.concat = 17;
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_INVALID, "needs 16 concatenated tables, not 17");
	/* ...and so is one of 32, however consistent. */
	r.ia_bits = 44;
	r.concat = 32;
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "VTTBR_EL2: bad regime: start level 1 of a 44-bit input needs 32 tables there, more than 16");
	/* 16K from level 2: 37 bits are 2 tables, 40 bits 16. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x40000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(14, 27, 1, 2), root, &r));
	assert_int_equal(r.start_level, 2);
	assert_int_equal(r.concat, 2);
	map(&r, 0x1fffffc000ULL, 0x4000, 3, AF);
	expect_mapped(&r, 0x1ffffffffeULL, 0x7ffe, 3, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 0x7ff8);
	expect_ok(els_mmu_regime_stage2(1, vtcr(14, 24, 1, 2), root, &r));
	assert_int_equal(r.concat, 16);
	/* 64K from level 2, 46 bits: 16 tables of 8192 entries. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x100000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(16, 18, 1, 5), root, &r));
	assert_int_equal(r.concat, 16);
	map(&r, 0x3fffffff0000ULL, 0x20000000ULL, 3, AF);
	expect_mapped(&r, 0x3fffffff1234ULL, 0x20001234ULL, 3, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 0xffff8);
	/* The table base drops bits below the concatenated table's size. */
	expect_ok(els_mmu_regime_stage2(1, vtcr(16, 18, 1, 5),
					root | 0xff000 | 1, &r));
	assert_int_equal(r.ttb, root);
	mem_reset(0);
}

/* ---- 52-bit forms ---- */

static void test_lpa_64k(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(0);
	/* 52-bit VA, 52-bit PA, 64K: start at level 1 with 1024 entries. */
	uint64_t root = 0x000a000000010000ULL;
	mem_add(root, 0x2000);
	uint64_t l2 = 0x000b000000020000ULL, l3 = 0x0001000000030000ULL;
	mem_add(l2, 0x10000);
	mem_add(l3, 0x10000);
	uint64_t tcr = tcr_el1(16, 12, 6);
	assert_int_equal(enc_ttbr(root), 0x10028);
	expect_ok(els_mmu_regime_el10(1, tcr, 0x10028, 0, 0, false, &r));
	assert_int_equal(r.ttb, root);
	assert_int_equal(r.ia_bits, 52);
	assert_int_equal(r.oa_bits, 52);
	assert_int_equal(r.start_level, 1);
	uint64_t va = 0x000fedcba9876543ULL;
	/* L1 index: VA[51:42] = 0x3fb; L2: VA[41:29]; L3: VA[28:16]. */
	poke(root + 8 * 0x3fb, 0x2b003); /* table at 0x000b_0000_0002_0000 */
	uint64_t i2 = (va >> 29) & 0x1fff, i3 = (va >> 16) & 0x1fff;
	poke(l2 + 8 * i2, 0x30000 | 0x1000 | 3); /* table, OA[51:48] = 1 */
	poke(l3 + 8 * i3, 0x0000123456780000ULL | 0xc000 | AF | 3);
	expect_mapped(&r, va, 0x000c123456786543ULL, 3, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 0x1fd8);
	assert_int_equal(w.levels[1].table, l2);
	assert_int_equal(w.levels[2].table, l3);
	/* A 4TB block at level 1 exists with the 52-bit output. */
	poke(root + 8 * 0x3fb, 0x0000ac0000000000ULL | 0x3000 | AF | 1);
	expect_mapped(&r, va, 0x0003ac0000000000ULL | (va & 0x3ffffffffffULL),
		      1, &w);
	assert_int_equal(w.size, 1ULL << 42);
	/* With a 48-bit output there are no level-1 blocks. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(16, 12, 5), 0x10000, 0, 0,
				      false, &r));
	assert_int_equal(r.oa_bits, 48);
	mem_add(0x10000, 0x2000);
	poke(0x10000 + 8 * 0x3fb, 0x0000ac0000000000ULL | AF | 1);
	expect_error(els_mmu_translate(&r, va, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "a block at level 1, where the 64K granule without a 52-bit output allows none");
	assert_int_equal(w.levels[0].type, ELS_MMU_RESERVED);
	/* And OA[51:48] in bits [15:12] is then beyond the output size. */
	poke(0x10000 + 8 * 0x3fb, 0x20000 | 0x1000 | 3);
	expect_error(els_mmu_translate(&r, va, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "address size fault at level 1: descriptor 0x0000000000021003 at 0x11fd8 points to a table at 0x1000000020000, beyond the 48-bit output address size");
	mem_reset(0);
}

static void test_lpa2_4k(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(0);
	uint64_t root = 0x0008000000001000ULL;
	uint64_t t0 = 0x0004000000002000ULL, t1 = 0x0001000000003000ULL;
	uint64_t t2 = 0x0000000000004000ULL, t3 = 0x000f000000005000ULL;
	mem_add(root, 0x1000);
	mem_add(t0, 0x1000);
	mem_add(t1, 0x1000);
	mem_add(t2, 0x1000);
	mem_add(t3, 0x1000);
	/* 52-bit VA, DS: start at level -1 (16 entries), SH0 = 3. */
	uint64_t tcr = tcr_el1(12, 12, 6) | TCR_DS | 3ULL << 12;
	expect_ok(els_mmu_regime_el10(1, tcr, 0x1020, 0, 0, false, &r));
	assert_int_equal(r.ttb, root);
	assert_int_equal(r.start_level, -1);
	assert_true(r.ds);
	assert_int_equal(r.oa_bits, 52);
	uint64_t va = 0x000abcdef1234567ULL;
	/* Indexes: [51:48] = 0xa, [47:39], [38:30], [29:21], [20:12]. */
	/* OA[51:50] in bits [9:8], OA[49:48] in place. */
	poke(root + 8 * 0xa, 0x2000 | 0x100 | 3);
	poke(t0 + 8 * ((va >> 39) & 0x1ff), 0x0001000000003003ULL);
	poke(t1 + 8 * ((va >> 30) & 0x1ff), 0x4003);
	poke(t2 + 8 * ((va >> 21) & 0x1ff), 0x0003000000005000ULL | 0x300 | 3);
	poke(t3 + 8 * ((va >> 12) & 0x1ff),
	     0x0003000012345000ULL | 0x300 | AF | 3);
	expect_mapped(&r, va, 0x000f000012345567ULL, 3, &w);
	assert_int_equal(w.levels[0].level, -1);
	assert_int_equal(w.levels[0].desc_addr, root + 0x50);
	assert_int_equal(w.levels[1].table, t0);
	assert_int_equal(w.levels[2].table, t1);
	assert_int_equal(w.levels[3].table, t2);
	assert_int_equal(w.levels[4].table, t3);
	/* Bits [9:8] are address: the shareability is TCR_EL1.SH0's. */
	assert_int_equal(w.attrs.sh, 3);
	/* A 512GB block at level 0 exists with DS... */
	poke(t0 + 8 * ((va >> 39) & 0x1ff),
	     0x0002008000000000ULL | 0x100 | AF | 1);
	expect_mapped(&r, va, 0x0006008000000000ULL | (va & 0x7fffffffffULL),
		      0, &w);
	/* ...but not at level -1. */
	poke(root + 8 * 0xa, 0x1 | AF);
	expect_error(els_mmu_translate(&r, va, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "a block at level -1, where the 4K granule with DS allows none");
	/* Without DS the same TCR would be a 48-bit output, T0SZ 12 illegal. */
	expect_error(els_mmu_regime_el10(1, tcr & ~TCR_DS, 0x1020, 0, 0,
					 false, &r),
		     ELS_ERR_INVALID,
		     "TCR_EL1.T0SZ = 12 (a 52-bit range) is below 16, the least the 4K granule allows without DS");
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 6), 0x1000, 0, 0,
				      false, &r));
	assert_int_equal(r.oa_bits, 48);
	assert_int_equal(r.ttb, 0x1000); /* bits [5:2] not BADDR */
	mem_reset(0);
}

static void test_lpa2_16k(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(HIGH_MEM);
	uint64_t root = mem_alloc(0x4000);
	/* 52-bit VA with 16K and DS: level 0 resolves VA[51:47], 32 entries. */
	uint64_t tcr = tcr_el1(14, 12, 6) | TCR_DS | 2ULL << 28;
	uint64_t va = 0xfffcba9876543210ULL; /* TTBR1 */
	expect_ok(els_mmu_regime_el10(1, tcr, 0, enc_ttbr(root), va, false,
				      &r));
	assert_int_equal(r.start_level, 0);
	assert_int_equal(r.ttb, root);
	assert_int_equal(r.sh, 2);
	struct path p;
	map_t(&r, va, 0x000d000000000000ULL, 1, AF, 0, &p);
	expect_mapped(&r, va, 0x000d000000000000ULL | (va & ((1ULL << 36) - 1)),
		      1, &w);
	expect_path(&w, &p);
	assert_int_equal(w.levels[0].index, ((va >> 47) & 0x1f));
	assert_int_equal(w.attrs.sh, 2); /* TCR_EL1.SH1, not bits [9:8] */
	/* 16K without DS: level 0 resolves VA[47] only, no level-1 blocks. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x4000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(14, 16, 5), root, 0, 0,
				      false, &r));
	assert_int_equal(r.start_level, 0);
	map(&r, 0x800000000000ULL, 0x40000000ULL, 2, AF);
	expect_mapped(&r, 0x800000000000ULL, 0x40000000ULL, 2, &w);
	assert_int_equal(w.levels[0].desc_addr, root + 8);
	uint64_t l1 = w.levels[1].table;
	poke(l1, 0x1000000000ULL | AF | 1);
	expect_error(els_mmu_translate(&r, 0x800000000000ULL, mem_read, NULL,
				       &w),
		     ELS_ERR_INVALID,
		     "a block at level 1, where the 16K granule allows none");
	mem_reset(0);
}

static void test_stage2_lpa2(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(HIGH_MEM);
	uint64_t root = mem_alloc(0x1000);
	/* 4K, DS, SL2 = 1 with SL0 = 0: start at level -1; 52-bit IPA. */
	uint64_t vt = vtcr(12, 12, 0, 6) | 1ULL << 32 | 1ULL << 33 |
		      1ULL << 12 | 1ULL << 19;
	uint64_t vttbr = enc_ttbr(root) | 0xbeefULL << 48;
	expect_ok(els_mmu_regime_stage2(1, vt, vttbr, &r));
	assert_int_equal(r.start_level, -1);
	assert_int_equal(r.concat, 1);
	assert_int_equal(r.vmid, 0xbeef);
	assert_int_equal(r.ttb, root);
	uint64_t ipa = 0x000f123456789abcULL;
	struct path p;
	map_t(&r, ipa, 0x000c000000200000ULL, 2, AF | 3 << 6, 0, &p);
	expect_mapped(&r, ipa, 0x000c000000200000ULL | (ipa & 0x1fffff), 2, &w);
	expect_path(&w, &p);
	assert_int_equal(w.attrs.sh, 1);
	/* SL2 with SL0 != 0 is reserved; SL2 is ignored without DS. */
	expect_error(els_mmu_regime_stage2(1, vt | 1ULL << 6, vttbr, &r),
		     ELS_ERR_INVALID,
		     "VTCR_EL2.SL0 = 1 with SL2 = 1 is reserved with the 4K granule");
	expect_ok(els_mmu_regime_stage2(
		1, vtcr(12, 24, 1, 2) | 1ULL << 33, 0x1000, &r));
	assert_int_equal(r.start_level, 1);
	/* 16K level 0 start needs DS. */
	expect_error(els_mmu_regime_stage2(1, vtcr(14, 16, 3, 5), 0, &r),
		     ELS_ERR_INVALID,
		     "VTCR_EL2.SL0 = 3 is reserved with the 16K granule without DS");
	expect_ok(els_mmu_regime_stage2(1, vtcr(14, 12, 3, 6) | 1ULL << 32,
					0, &r));
	assert_int_equal(r.start_level, 0);
	assert_int_equal(r.concat, 1);
	assert_int_equal(r.oa_bits, 52);
	mem_reset(0);
}

/* ---- TBI, MMU off, ranges ---- */

static void test_tbi(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(LOW_MEM);
	uint64_t root0 = mem_alloc(0x1000), root1 = mem_alloc(0x1000);
	uint64_t tcr = tcr_el1(12, 16, 5) | TCR_TBI0 | TCR_TBI1;
	uint64_t tagged = 0x5a00000000401234ULL;
	expect_ok(els_mmu_regime_el10(1, tcr, root0, root1, tagged, false, &r));
	assert_true(r.tbi);
	assert_false(r.upper);
	map(&r, 0x401000, 0x80001000, 3, AF);
	expect_mapped(&r, tagged, 0x80001234, 3, &w);
	assert_int_equal(w.in, tagged);
	assert_int_equal(w.base_in, 0x5a00000000401000ULL);
	/* Bit 55 still picks the range: 0x12ff8... is TTBR1's. */
	uint64_t tagged1 = 0x12ff800000005678ULL;
	expect_ok(els_mmu_regime_el10(1, tcr, root0, root1, tagged1, false,
				      &r));
	assert_true(r.upper);
	assert_int_equal(r.ttb, root1);
	map(&r, 0xffff800000005000ULL, 0x90000000, 3, AF);
	expect_mapped(&r, tagged1, 0x90000678, 3, &w);
	/* Without TBI a tag puts the VA in neither range. */
	expect_error(els_mmu_regime_el10(1, tcr & ~TCR_TBI0, root0, root1,
					 tagged, false, &r),
		     ELS_ERR_NOT_MAPPED,
		     "VA 0x5a00000000401234 is in neither range: bit 55 selects TTBR0_EL1, whose 48-bit range is 0x0000000000000000-0x0000ffffffffffff");
	/* and the walker, given such a VA, faults at level 0 without reads. */
	expect_ok(els_mmu_regime_el10(1, tcr & ~TCR_TBI0, root0, root1, 0,
				      false, &r));
	walk(&r, tagged, &w);
	assert_false(w.mapped);
	assert_int_equal(w.fault_level, 0);
	assert_int_equal(w.nlevels, 0);
	assert_int_equal(mem.reads, 0);
	/* With TBI, bits [55:48] must still be a sign extension. */
	expect_error(els_mmu_regime_el10(1, tcr, root0, root1,
					 0x5a7f800000000000ULL, false, &r),
		     ELS_ERR_NOT_MAPPED, "(top byte ignored)");
	/* EL2 without VHE: TCR_EL2.TBI is bit 20. */
	uint64_t tcr2 = 16 | 5ULL << 16 | 1ULL << 20 | 1ULL << 31 | 1ULL << 23;
	expect_ok(els_mmu_regime_el2(1, tcr2, root0, &r));
	assert_true(r.tbi);
	expect_mapped(&r, tagged, 0x80001234, 3, &w);
	mem_reset(0);
}

static void test_mmu_off(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	mem_reset(0);
	/* TCR is not even looked at (TG0 reserved here). */
	expect_ok(els_mmu_regime_el10(0, 3ULL << 14, 0, 0, 0x1234, false, &r));
	assert_false(r.enabled);
	walk(&r, 0x87654321, &w);
	assert_true(w.mapped);
	assert_int_equal(w.out, 0x87654321);
	assert_int_equal(w.nlevels, 0);
	assert_int_equal(mem.reads, 0);
	/* The top byte is still ignored with TBI. */
	expect_ok(els_mmu_regime_el10(0, TCR_TBI0, 0, 0, 0, false, &r));
	assert_true(r.tbi);
	walk(&r, 0xf000000087654321ULL, &w);
	assert_true(w.mapped);
	assert_int_equal(w.out, 0x87654321);
	expect_ok(els_mmu_regime_el2(0x30c50830, 0, 0, &r));
	assert_false(r.enabled);
	expect_ok(els_mmu_regime_stage2(0x80000000, vtcr(12, 24, 1, 2), 0,
					&r));
	assert_false(r.enabled);
	walk(&r, 0x40001000, &w);
	assert_true(w.mapped);
	assert_int_equal(w.out, 0x40001000);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 100, NULL, NULL),
		     ELS_ERR_STATE, "VTTBR_EL2: translation is off");
}

/* ---- the regime decoders ---- */

static void test_regime_el10(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	/* TG1's encoding differs from TG0's. */
	static const struct {
		unsigned tg1, shift;
	} tg1s[] = { { 1, 14 }, { 2, 12 }, { 3, 16 } };
	for (size_t i = 0; i < 3; i++) {
		uint64_t tcr = 25ULL << 16 | (uint64_t)tg1s[i].tg1 << 30 |
			       5ULL << 32;
		expect_ok(els_mmu_regime_el10(1, tcr, 0, 0x40000000, ~0ULL,
					      false, &r));
		assert_int_equal(r.granule_shift, tg1s[i].shift);
		assert_int_equal(r.ia_bits, 39);
	}
	expect_error(els_mmu_regime_el10(1, 25ULL << 16, 0, 0, ~0ULL, false,
					 &r),
		     ELS_ERR_INVALID, "TCR_EL1.TG1 = 0 is reserved");
	expect_error(els_mmu_regime_el10(1, 25 | 3ULL << 14, 0, 0, 0, false,
					 &r),
		     ELS_ERR_INVALID, "TCR_EL1.TG0 = 3 is reserved");
	expect_error(els_mmu_regime_el10(1, tcr_el1(12, 49, 5), 0, 0, 0, false,
					 &r),
		     ELS_ERR_INVALID,
		     "TCR_EL1.T0SZ = 49 (a 15-bit range) is above 48, the most the 4K granule allows");
	expect_error(els_mmu_regime_el10(1, tcr_el1(16, 48, 5), 0, 0, ~0ULL,
					 true, &r),
		     ELS_ERR_INVALID,
		     "TCR_EL2.T1SZ = 48 (a 16-bit range) is above 47, the most the 64K granule allows");
	expect_error(els_mmu_regime_el10(1, tcr_el1(16, 11, 5), 0, 0, 0, false,
					 &r),
		     ELS_ERR_INVALID, "is below 12, the least the 64K granule allows");
	expect_error(els_mmu_regime_el10(1, tcr_el1(12, 16, 7), 0, 0, 0, false,
					 &r),
		     ELS_ERR_INVALID, "TCR_EL1.IPS = 7 is reserved");
	/* Walks disabled. */
	expect_error(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_EPD0, 0,
					 0, 0x1000, false, &r),
		     ELS_ERR_NOT_MAPPED,
		     "VA 0x1000 is not mapped: TTBR0_EL1 walks are disabled (TCR_EL1.EPD0 = 1)");
	expect_error(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_EPD1, 0,
					 0, ~0ULL, true, &r),
		     ELS_ERR_NOT_MAPPED,
		     "TTBR1_EL2 walks are disabled (TCR_EL2.EPD1 = 1)");
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_EPD1, 0, 0,
				      0x1000, false, &r));
	/* Neither range: the upper range of a 39-bit TTBR1. */
	expect_error(els_mmu_regime_el10(1, tcr_el1(12, 25, 5), 0, 0,
					 0xffff000000000000ULL, false, &r),
		     ELS_ERR_NOT_MAPPED,
		     "VA 0xffff000000000000 is in neither range: bit 55 selects TTBR1_EL1, whose 39-bit range is 0xffffff8000000000-0xffffffffffffffff");
	/* ASIDs: TCR.A1 picks the TTBR, TCR.AS the width; CnP is no address. */
	uint64_t t0 = 0xab12000040001001ULL, t1 = 0xcd34000050002001ULL;
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5), t0, t1, ~0ULL,
				      false, &r));
	assert_int_equal(r.asid, 0x12);
	assert_int_equal(r.ttb, 0x50002000);
	assert_int_equal(r.el, 1);
	assert_false(r.one_el);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_AS, t0, t1,
				      0, false, &r));
	assert_int_equal(r.asid, 0xab12);
	assert_int_equal(r.ttb, 0x40001000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_AS | TCR_A1,
				      t0, t1, 0, false, &r));
	assert_int_equal(r.asid, 0xcd34);
	/* IPS 52 without a 52-bit form is a 48-bit output; 42 is 42. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(14, 16, 6), 0, 0, 0, false,
				      &r));
	assert_int_equal(r.oa_bits, 48);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(14, 16, 3), 0, 0, 0, false,
				      &r));
	assert_int_equal(r.oa_bits, 42);
	/* DS has no effect with 64K. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(16, 16, 5) | TCR_DS, 0, 0, 0,
				      false, &r));
	assert_false(r.ds);
	/* VHE: the same layout, EL2's names. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5) | TCR_HPD0, 0, 0,
				      0, true, &r));
	assert_string_equal(r.name, "TTBR0_EL2");
	assert_int_equal(r.el, 2);
	assert_true(r.hpd);
}

static void test_regime_el2(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	/* TCR_EL2 without VHE: T0SZ 5:0, TG0 15:14, PS 18:16, HPD 24. */
	uint64_t tcr = 22 | 1ULL << 14 | 2ULL << 16 | 1ULL << 24 |
		       3ULL << 12 | 1ULL << 31 | 1ULL << 23;
	expect_ok(els_mmu_regime_el2(1, tcr, 0x0000000080010000ULL, &r));
	assert_true(r.enabled);
	assert_true(r.one_el);
	assert_int_equal(r.el, 2);
	assert_string_equal(r.name, "TTBR0_EL2");
	assert_int_equal(r.granule_shift, 16);
	assert_int_equal(r.ia_bits, 42);
	assert_int_equal(r.oa_bits, 40);
	assert_int_equal(r.start_level, 2);
	assert_true(r.hpd);
	assert_false(r.tbi);
	assert_false(r.upper);
	assert_int_equal(r.ttb, 0x80010000);
	/* DS is bit 32 there (bit 59 means nothing). */
	expect_ok(els_mmu_regime_el2(1, 12 | 1ULL << 32 | 6ULL << 16, 0, &r));
	assert_true(r.ds);
	assert_int_equal(r.start_level, -1);
	assert_int_equal(r.oa_bits, 52);
	expect_error(els_mmu_regime_el2(1, 12 | 1ULL << 59, 0, &r),
		     ELS_ERR_INVALID, "TCR_EL2.T0SZ = 12");
	expect_error(els_mmu_regime_el2(1, 16 | 3ULL << 14, 0, &r),
		     ELS_ERR_INVALID, "TCR_EL2.TG0 = 3 is reserved");
	expect_error(els_mmu_regime_el2(1, 16 | 7ULL << 16, 0, &r),
		     ELS_ERR_INVALID, "TCR_EL2.PS = 7 is reserved");
}

static void test_regime_stage2(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	/* VMID: 8 bits (55:48) unless VTCR_EL2.VS. */
	uint64_t vttbr = 0x1234000040000001ULL;
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2), vttbr, &r));
	assert_int_equal(r.vmid, 0x34);
	assert_int_equal(r.ttb, 0x40000000);
	assert_string_equal(r.name, "VTTBR_EL2");
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2) | 1ULL << 19,
					vttbr, &r));
	assert_int_equal(r.vmid, 0x1234);
	expect_error(els_mmu_regime_stage2(1, vtcr(16, 24, 3, 2), 0, &r),
		     ELS_ERR_INVALID,
		     "VTCR_EL2.SL0 = 3 is reserved with the 64K granule");
	expect_error(els_mmu_regime_stage2(1, vtcr(12, 34, 1, 2), 0, &r),
		     ELS_ERR_INVALID,
		     "VTCR_EL2: SL0 = 1 starts at level 1, which a 30-bit IPA (T0SZ = 34) does not reach with the 4K granule");
	expect_error(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 7), 0, &r),
		     ELS_ERR_INVALID, "VTCR_EL2.PS = 7 is reserved");
	expect_error(els_mmu_regime_stage2(1, 24 | 1ULL << 6 | 3ULL << 14, 0,
					   &r),
		     ELS_ERR_INVALID, "VTCR_EL2.TG0 = 3 is reserved");
	/* FEAT_TTST: 4K SL0 = 3 starts at level 3. */
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 39, 3, 2), 0, &r));
	assert_int_equal(r.start_level, 3);
	assert_int_equal(r.concat, 16);
	/* A regime made by hand with a bad granule. */
	r.granule_shift = 13;
	struct els_mmu_walk w;
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "VTTBR_EL2: bad regime: granule shift 13 (12, 14 or 16)");
}

/* ---- attributes and permissions ---- */

static void test_attrs_stage1(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	char text[64];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	uint64_t tcr = tcr_el1(12, 25, 5); /* 39 bits: levels 1, 2, 3 */
	expect_ok(els_mmu_regime_el10(1, tcr, root, 0, 0, false, &r));
	uint64_t va = 0x12345000;
	struct path p;
	map_t(&r, va, 0x80000000, 3,
	      AF | NG | DBM | CONT | 5 << 2 | 1 << 6 | 2 << 8, 0, &p);
	/* APTable[1] and PXNTable at level 1, the rest at level 2. */
	poke(p.desc_addr[0], peek(p.desc_addr[0]) | AP_TABLE1 | PXN_TABLE);
	poke(p.desc_addr[1],
	     peek(p.desc_addr[1]) | AP_TABLE0 | XN_TABLE | NS_TABLE);
	expect_mapped(&r, va + 0x10, 0x80000010, 3, &w);
	assert_int_equal(w.attrs.attr_index, 5);
	assert_int_equal(w.attrs.ap, 2); /* 01 -> read-only, no EL0 */
	assert_int_equal(w.attrs.sh, 2);
	assert_true(w.attrs.af);
	assert_true(w.attrs.ng);
	assert_true(w.attrs.dbm);
	assert_true(w.attrs.contiguous);
	assert_int_equal(w.size, 0x1000); /* the hint changes nothing */
	assert_true(w.attrs.pxn);
	assert_true(w.attrs.uxn);
	assert_true(w.attrs.ns);
	els_mmu_perm_text(&r, &w.attrs, text, sizeof(text));
	assert_string_equal(text, "EL1 r-- EL0 ---");
	/* HPD0: the table limits are ignored, NSTable is not. */
	expect_ok(els_mmu_regime_el10(1, tcr | TCR_HPD0, root, 0, 0, false,
				      &r));
	expect_mapped(&r, va, 0x80000000, 3, &w);
	assert_int_equal(w.attrs.ap, 1);
	assert_false(w.attrs.pxn);
	assert_false(w.attrs.uxn);
	assert_true(w.attrs.ns);
	els_mmu_perm_text(&r, &w.attrs, text, sizeof(text));
	/* Writable at EL0: never executable at EL1. */
	assert_string_equal(text, "EL1 rw- EL0 rwx");
	/* TTBR1 has its own HPD1 (bit 42); HPD0 does not apply to it. */
	uint64_t root1 = mem_alloc(0x1000);
	uint64_t va1 = 0xffffffc012345000ULL;
	expect_ok(els_mmu_regime_el10(1, tcr | TCR_HPD0, root, root1, va1,
				      false, &r));
	assert_false(r.hpd);
	struct path p1;
	map_t(&r, va1, 0x90000000, 3, AF, AP_TABLE1 | XN_TABLE, &p1);
	expect_mapped(&r, va1, 0x90000000, 3, &w);
	assert_int_equal(w.attrs.ap, 2);
	assert_true(w.attrs.uxn);
	expect_ok(els_mmu_regime_el10(1, tcr | 1ULL << 42, root, root1, va1,
				      false, &r));
	assert_true(r.hpd);
	expect_mapped(&r, va1, 0x90000000, 3, &w);
	assert_int_equal(w.attrs.ap, 0);
	assert_false(w.attrs.uxn);
	expect_ok(els_mmu_regime_el10(1, tcr | 1ULL << 42, root, root1, 0,
				      false, &r));
	assert_false(r.hpd);
	/* Only a page's own PXN/UXN. */
	expect_ok(els_mmu_regime_el10(1, tcr, root, 0, 0, false, &r));
	poke(p.desc_addr[0], peek(p.desc_addr[0]) & ~(AP_TABLE1 | PXN_TABLE));
	poke(p.desc_addr[1], peek(p.desc_addr[1]) & ~(AP_TABLE0 | XN_TABLE));
	poke(p.desc_addr[2], (peek(p.desc_addr[2]) & ~(3ULL << 6)) | UXN);
	expect_mapped(&r, va, 0x80000000, 3, &w);
	assert_int_equal(w.attrs.ap, 0);
	assert_false(w.attrs.pxn);
	assert_true(w.attrs.uxn);
	assert_true(w.attrs.ns);
	els_mmu_perm_text(&r, &w.attrs, text, sizeof(text));
	assert_string_equal(text, "EL1 rwx EL0 ---");
	mem_reset(0);
}

static void test_attrs_stage2(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	char text[64];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x2000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2), root, &r));
	struct path p;
	map_t(&r, 0x40000000, 0x50000000, 2,
	      AF | 0xf << 2 | 3 << 6 | 3 << 8 | 1ULL << 53 | CONT | DBM,
	      NS_TABLE | AP_TABLE1 | XN_TABLE, &p);
	expect_mapped(&r, 0x40000000, 0x50000000, 2, &w);
	assert_int_equal(w.attrs.memattr, 0xf);
	assert_int_equal(w.attrs.s2ap, 3);
	assert_int_equal(w.attrs.sh, 3);
	assert_int_equal(w.attrs.xn, 1);
	assert_true(w.attrs.af);
	assert_true(w.attrs.contiguous);
	assert_true(w.attrs.dbm);
	/* Stage 2 tables carry no attributes. */
	assert_false(w.attrs.ns);
	assert_int_equal(w.attrs.ap, 0);
	els_mmu_perm_text(&r, &w.attrs, text, sizeof(text));
	assert_string_equal(text, "EL1 rw- EL0 rwx");
	static const struct {
		unsigned s2ap, xn;
		const char *text;
	} perms[] = {
		{ 3, 0, "rwx" }, { 1, 2, "r--" }, { 2, 0, "-wx" },
		{ 0, 2, "---" }, { 1, 3, "EL1 r-x EL0 r--" },
	};
	for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		struct els_mmu_attrs a = { .s2ap = perms[i].s2ap,
					   .xn = perms[i].xn };
		els_mmu_perm_text(&r, &a, text, sizeof(text));
		assert_string_equal(text, perms[i].text);
	}
	mem_reset(0);
}

static void test_perm_text(void **state)
{
	(void)state;
	char text[64];
	struct els_mmu_regime el1 = { .el = 1 }, el20 = { .el = 2 };
	struct els_mmu_regime el2 = { .el = 2, .one_el = true };
	static const struct {
		unsigned ap;
		bool pxn, uxn;
		const char *el1, *el2;
	} perms[] = {
		{ 0, false, false, "EL1 rwx EL0 --x", "EL2 rwx" },
		{ 1, false, false, "EL1 rw- EL0 rwx", "EL2 rwx" },
		{ 2, false, true, "EL1 r-x EL0 ---", "EL2 r--" },
		{ 3, true, false, "EL1 r-- EL0 r-x", "EL2 r-x" },
		{ 3, false, false, "EL1 r-x EL0 r-x", "EL2 r-x" },
		{ 0, true, true, "EL1 rw- EL0 ---", "EL2 rw-" },
	};
	for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		struct els_mmu_attrs a = { .ap = perms[i].ap,
					   .pxn = perms[i].pxn,
					   .uxn = perms[i].uxn };
		els_mmu_perm_text(&el1, &a, text, sizeof(text));
		assert_string_equal(text, perms[i].el1);
		els_mmu_perm_text(&el20, &a, text, sizeof(text));
		assert_string_equal(text + 3, perms[i].el1 + 3);
		assert_int_equal(text[2], '2');
		els_mmu_perm_text(&el2, &a, text, sizeof(text));
		assert_string_equal(text, perms[i].el2);
	}
	/* A short buffer is cut, not overrun. */
	struct els_mmu_attrs a = { 0 };
	char small[5] = "xxxx";
	els_mmu_perm_text(&el1, &a, small, 4);
	assert_string_equal(small, "EL1");
	els_mmu_perm_text(&el1, &a, small, 0);
	assert_string_equal(small, "EL1");
}

/* ---- listing ---- */

struct ranges {
	struct els_mmu_range r[64];
	int n;
	int stop_after; /* 0: never */
};

static int collect(const struct els_mmu_range *range, void *arg)
{
	struct ranges *rs = arg;
	assert_true(rs->n < 64);
	rs->r[rs->n++] = *range;
	return rs->stop_after && rs->n >= rs->stop_after;
}

static void expect_range(const struct ranges *rs, int i, uint64_t in,
			 uint64_t out, uint64_t size, int level)
{
	if (i >= rs->n)
		fail_msg("only %d ranges, no range %d", rs->n, i);
	const struct els_mmu_range *r = &rs->r[i];
	if (r->in != in || r->out != out || r->size != size ||
	    r->level != level)
		fail_msg("range %d: 0x%llx -> 0x%llx +0x%llx level %d; expected 0x%llx -> 0x%llx +0x%llx level %d",
			 i, (unsigned long long)r->in,
			 (unsigned long long)r->out,
			 (unsigned long long)r->size, r->level,
			 (unsigned long long)in, (unsigned long long)out,
			 (unsigned long long)size, level);
}

static void test_for_each_merge(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct ranges rs = { .n = 0 };
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5), root, 0, 0,
				      false, &r));
	/* Tables for the high VA first: table order is not input order. */
	map(&r, 0x7ffffffff000ULL, 0x1000, 3, AF | UXN);
	for (uint64_t i = 0; i < 3; i++) /* merge */
		map(&r, 0x1000 + i * 0x1000, 0x80000000 + i * 0x1000, 3, AF);
	map(&r, 0x4000, 0x80003000, 3, AF | 3 << 6); /* other AP */
	map(&r, 0x5000, 0x80005000, 3, AF | 3 << 6); /* output gap */
	map(&r, 0x6000, 0x80006000, 3, AF | 3 << 6 | CONT); /* the hint */
	map(&r, 0x200000, 0x40000000, 2, AF); /* 2M block... */
	map(&r, 0x400000, 0x40200000, 3, AF); /* ...then a page: by level */
	map(&r, 0x401000, 0x40201000, 3, AF);
	map(&r, 0x8000000000ULL, 0x100000000ULL, 1, AF); /* 1G blocks */
	map(&r, 0x8040000000ULL, 0x140000000ULL, 1, AF);
	mem.reads = 0;
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect, &rs));
	assert_int_equal(rs.n, 8);
	expect_range(&rs, 0, 0x1000, 0x80000000, 0x3000, 3);
	expect_range(&rs, 1, 0x4000, 0x80003000, 0x1000, 3);
	assert_int_equal(rs.r[1].attrs.ap, 3);
	expect_range(&rs, 2, 0x5000, 0x80005000, 0x1000, 3);
	expect_range(&rs, 3, 0x6000, 0x80006000, 0x1000, 3);
	assert_true(rs.r[3].attrs.contiguous);
	expect_range(&rs, 4, 0x200000, 0x40000000, 0x200000, 2);
	expect_range(&rs, 5, 0x400000, 0x40200000, 0x2000, 3);
	expect_range(&rs, 6, 0x8000000000ULL, 0x100000000ULL, 0x80000000, 1);
	expect_range(&rs, 7, 0x7ffffffff000ULL, 0x1000, 0x1000, 3);
	assert_true(rs.r[7].attrs.uxn);
	assert_true(rs.r[0].attrs.af);
	/* Every descriptor once: 512 at level 0, 2 x 512 at level 1, ... */
	unsigned tables = (unsigned)((mem.next - root) / 0x1000);
	assert_int_equal(mem.reads, tables * 512);
	/* Stop when asked. */
	rs = (struct ranges){ .stop_after = 2 };
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect, &rs));
	assert_int_equal(rs.n, 2);
	mem_reset(0);
}

static void test_for_each_upper(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct ranges rs = { .n = 0 };
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x10000);
	/* TTBR1_EL1, 64K, 42 bits: start at level 2 with 8192 entries. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(16, 22, 5), 0, root, ~0ULL,
				      false, &r));
	assert_int_equal(r.start_level, 2);
	map(&r, 0xfffffc0000000000ULL, 0x40000000, 3, AF);
	map(&r, 0xfffffc0000010000ULL, 0x40010000, 3, AF);
	map(&r, 0xfffffe0000000000ULL, 0x60000000, 2, AF);
	map(&r, 0xffffffffffff0000ULL, 0x50000000, 3, AF);
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 100000, collect, &rs));
	assert_int_equal(rs.n, 3);
	expect_range(&rs, 0, 0xfffffc0000000000ULL, 0x40000000, 0x20000, 3);
	expect_range(&rs, 1, 0xfffffe0000000000ULL, 0x60000000, 0x20000000, 2);
	expect_range(&rs, 2, 0xffffffffffff0000ULL, 0x50000000, 0x10000, 3);
	/* Each range translates as listed. */
	for (int i = 0; i < rs.n; i++) {
		struct els_mmu_walk w;
		expect_mapped(&r, rs.r[i].in + rs.r[i].size - 1,
			      rs.r[i].out + rs.r[i].size - 1, rs.r[i].level,
			      &w);
	}
	/* Stage 2 with 2 concatenated tables lists the second one's IPAs. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x2000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2), root, &r));
	map(&r, 0xc000000000ULL, 0x40000000, 1, AF | 3 << 6);
	map(&r, 0x1000, 0x2000, 3, AF);
	rs = (struct ranges){ .n = 0 };
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 100000, collect, &rs));
	assert_int_equal(rs.n, 2);
	expect_range(&rs, 0, 0x1000, 0x2000, 0x1000, 3);
	expect_range(&rs, 1, 0xc000000000ULL, 0x40000000, 0x40000000, 1);
	assert_int_equal(rs.r[1].attrs.s2ap, 3);
	mem_reset(0);
}

static void test_for_each_bound(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct ranges rs = { .n = 0 };
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 25, 5), root, 0, 0,
				      false, &r));
	map(&r, 0, 0x80000000, 3, AF);
	/* 3 tables of 512: 1536 descriptors. */
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 1536, collect, &rs));
	assert_int_equal(rs.n, 1);
	rs.n = 0;
	mem.reads = 0;
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, UINT64_MAX, collect,
				   &rs));
	assert_int_equal(mem.reads, 1536);
	rs.n = 0;
	mem.reads = 0;
	char want[256];
	snprintf(want, sizeof(want),
		 "TTBR0_EL1: more than 1535 descriptors, the bound on this listing: stopped before 0x%llx",
		 (unsigned long long)(root + 511 * 8));
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 1535, collect, &rs),
		     ELS_ERR_INVALID, want);
	assert_int_equal(mem.reads, 1535);
	assert_int_equal(rs.n, 1); /* what came before is still shown */
	rs.n = 0;
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 0, collect, &rs),
		     ELS_ERR_INVALID, "more than 0 descriptors");
	assert_int_equal(rs.n, 0);
	mem_reset(0);
}

/* ---- hostile tables ---- */

static void test_cycles(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	struct ranges rs = { .n = 0 };
	char want[256];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5), root, 0, 0,
				      false, &r));
	/* Level 0 entry 0 points to the level-0 table itself. */
	poke(root, root | 3);
	walk(&r, 0x234, &w);
	/* The walk reads each level once: at level 3 it is a "page". */
	assert_int_equal(mem.reads, 4);
	assert_int_equal(w.nlevels, 4);
	assert_true(w.mapped);
	assert_int_equal(w.out, root | 0x234);
	snprintf(want, sizeof(want), "table at 0x%llx refers back to itself",
		 (unsigned long long)root);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect,
				      &rs),
		     ELS_ERR_INVALID, want);
	/* Two tables pointing at each other. */
	uint64_t t = mem_alloc(0x1000);
	poke(root, t | 3);
	poke(t + 8, root | 3);
	walk(&r, 0x40000000, &w); /* L0[0] -> t, t[1] -> root, root[0] -> t */
	assert_int_equal(mem.reads, 4);
	assert_false(w.mapped);
	assert_int_equal(w.fault_level, 3);
	assert_int_equal(w.levels[1].table, t);
	assert_int_equal(w.levels[2].table, root);
	assert_int_equal(w.levels[3].table, t);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect,
				      &rs),
		     ELS_ERR_INVALID, want);
	/* A table below pointing at the one above it. */
	poke(t + 8, 0);
	poke(t + 16, t | 3);
	snprintf(want, sizeof(want),
		 "table at 0x%llx refers back to itself: the level 1 descriptor at 0x%llx points to it, and it is the level 1 table",
		 (unsigned long long)t, (unsigned long long)(t + 16));
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect,
				      &rs),
		     ELS_ERR_INVALID, want);
	/* Shared tables are no cycle: the same level-2 table twice. */
	poke(t + 16, 0);
	uint64_t l2 = mem_alloc(0x1000), l3 = mem_alloc(0x1000);
	poke(t + 24, l2 | 3);
	poke(t + 32, l2 | 3);
	poke(l2, l3 | 3);
	poke(l3, 0x90000000 | AF | 3);
	rs.n = 0;
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 1000000, collect, &rs));
	assert_int_equal(rs.n, 2);
	expect_range(&rs, 0, 0xc0000000, 0x90000000, 0x1000, 3);
	expect_range(&rs, 1, 0x100000000ULL, 0x90000000, 0x1000, 3);
	mem_reset(0);
}

static void test_output_size(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	struct ranges rs = { .n = 0 };
	char want[256];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	uint64_t tcr = tcr_el1(12, 25, 2); /* 39-bit VA, 40-bit PA */
	/* The table base itself. */
	expect_ok(els_mmu_regime_el10(1, tcr, 1ULL << 41, 0, 0, false, &r));
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "TTBR0_EL1: address size fault at level 1: the table base 0x20000000000 is beyond the 40-bit output address size");
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 100, collect, &rs),
		     ELS_ERR_INVALID, "the table base 0x20000000000 is beyond");
	expect_ok(els_mmu_regime_el10(1, tcr, root, 0, 0, false, &r));
	/* A next-level table. */
	poke(root, 0x0000010000000000ULL | 3);
	snprintf(want, sizeof(want),
		 "TTBR0_EL1: address size fault at level 1: descriptor 0x0000010000000003 at 0x%llx points to a table at 0x10000000000, beyond the 40-bit output address size",
		 (unsigned long long)root);
	mem.reads = 0;
	struct els_error *err = els_mmu_translate(&r, 0, mem_read, NULL, &w);
	check_error(err, ELS_ERR_INVALID, want);
	assert_true(err->has_addr);
	assert_int_equal(err->addr, 0x10000000000ULL);
	els_error_destroy(err);
	assert_int_equal(w.nlevels, 1);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 100, collect, &rs),
		     ELS_ERR_INVALID, want);
	/* A block. */
	poke(root, 0x0000100000000000ULL | AF | 1);
	expect_error(els_mmu_translate(&r, 0x1234, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "maps 0x100000001234, beyond the 40-bit output address size");
	poke(root, 0x000000ffc0000000ULL | AF | 1);
	expect_mapped(&r, 0x1234, 0xffc0001234ULL, 1, &w);
	/* A block bigger than the output space: only its first part maps. */
	mem_reset(LOW_MEM);
	root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 0) | TCR_DS, root, 0,
				      0, false, &r));
	assert_int_equal(r.oa_bits, 32);
	poke(root + 8, 0x0000000000000000ULL | AF | 1); /* 512G at 512G */
	expect_mapped(&r, 0x80ffffffffULL, 0xffffffffULL, 0, &w);
	expect_error(els_mmu_translate(&r, 0x8100000000ULL, mem_read, NULL,
				       &w),
		     ELS_ERR_INVALID,
		     "address size fault at level 0: descriptor 0x0000000000000401 at 0x40000008 maps 0x100000000, beyond the 32-bit output address size");
	rs.n = 0;
	expect_ok(els_mmu_for_each(&r, mem_read, NULL, 1000, collect, &rs));
	assert_int_equal(rs.n, 1);
	expect_range(&rs, 0, 0x8000000000ULL, 0, 0x100000000ULL, 0);
	mem_reset(LOW_MEM);
	root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr, root, 0, 0, false, &r));
	/* A page, through a table at the top of the 40 bits. */
	mem_add(0xfffffff000ULL, 0x1000);
	poke(root, 0xfffffff000ULL | 3);
	mem_add(0x1000, 0x1000);
	poke(0xfffffff000ULL, 0x1000 | 3);
	poke(0x1000, 0x0000100000000000ULL | AF | 3);
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "TTBR0_EL1: address size fault at level 3: descriptor 0x0000100000000403 at 0x1000 maps 0x100000000000");
	mem_reset(0);
}

static void test_reserved(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	struct ranges rs = { .n = 0 };
	char want[256];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5), root, 0, 0,
				      false, &r));
	struct path p;
	map_t(&r, 0x5000, 0x6000, 3, AF, 0, &p);
	poke(p.desc_addr[3], 0x6000 | AF | 1);
	snprintf(want, sizeof(want),
		 "TTBR0_EL1: reserved descriptor 0x0000000000006401 at 0x%llx: bits [1:0] = 0b01 at level 3",
		 (unsigned long long)p.desc_addr[3]);
	expect_error(els_mmu_translate(&r, 0x5000, mem_read, NULL, &w),
		     ELS_ERR_INVALID, want);
	assert_int_equal(w.nlevels, 4);
	assert_int_equal(w.levels[3].type, ELS_MMU_RESERVED);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 100000, collect, &rs),
		     ELS_ERR_INVALID, want);
	/* A block at level 0 without DS. */
	poke(root + 8, 0x8000000000ULL | AF | 1);
	expect_error(els_mmu_translate(&r, 0x8000000000ULL, mem_read, NULL, &w),
		     ELS_ERR_INVALID,
		     "a block at level 0, where the 4K granule allows none");
	assert_int_equal(w.levels[0].type, ELS_MMU_RESERVED);
	/* Invalid descriptors are faults, whatever else they hold. */
	poke(root + 8, 0xfffffffffffffffeULL);
	walk(&r, 0x8000000000ULL, &w);
	assert_false(w.mapped);
	assert_int_equal(w.fault_level, 0);
	assert_int_equal(w.nlevels, 1);
	assert_int_equal(w.levels[0].type, ELS_MMU_INVALID);
	mem_reset(0);
}

static void test_unreadable(void **state)
{
	(void)state;
	struct els_mmu_regime r;
	struct els_mmu_walk w;
	struct ranges rs = { .n = 0 };
	char want[256];
	mem_reset(LOW_MEM);
	uint64_t root = mem_alloc(0x1000);
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 16, 5), root, 0, 0,
				      false, &r));
	poke(root, 0x7000000000ULL | 3); /* no memory there */
	snprintf(want, sizeof(want),
		 "TTBR0_EL1: reading the level 1 descriptor at 0x7000000008 (table 0x7000000000): physical address 0x7000000008 is not in the fake memory");
	struct els_error *err =
		els_mmu_translate(&r, 0x40000000, mem_read, NULL, &w);
	check_error(err, ELS_ERR_NOT_MAPPED, want);
	assert_true(err->has_addr);
	assert_int_equal(err->addr, 0x7000000008ULL);
	els_error_destroy(err);
	assert_int_equal(w.nlevels, 1);
	expect_error(els_mmu_for_each(&r, mem_read, NULL, 100000, collect, &rs),
		     ELS_ERR_NOT_MAPPED,
		     "reading the level 1 descriptor at 0x7000000000 (table 0x7000000000)");
	/* The target's own errors keep their code. */
	mem.bad_lo = root;
	mem.bad_hi = root + 0x1000;
	snprintf(want, sizeof(want),
		 "TTBR0_EL1: reading the level 0 descriptor at 0x%llx (table 0x%llx): the stub refused",
		 (unsigned long long)root, (unsigned long long)root);
	expect_error(els_mmu_translate(&r, 0, mem_read, NULL, &w),
		     ELS_ERR_TARGET, want);
	mem_reset(0);
}

/* ---- nested: stage 1 tables at IPAs, read through stage 2 ---- */

struct nested {
	const struct els_mmu_regime *s2;
	unsigned s2_walks;
};

static struct els_error *read_ipa(void *arg, uint64_t ipa, uint64_t *desc)
{
	struct nested *n = arg;
	struct els_mmu_walk w;
	n->s2_walks++;
	struct els_error *err =
		els_mmu_translate(n->s2, ipa, mem_read, NULL, &w);
	if (err)
		return err;
	if (!w.mapped)
		return els_error_addr(ELS_ERR_NOT_MAPPED, ipa,
				      "IPA 0x%llx: stage 2 fault at level %d",
				      (unsigned long long)ipa, w.fault_level);
	return mem_read(NULL, w.out, desc);
}

static void test_nested(void **state)
{
	(void)state;
	struct els_mmu_regime s1, s2;
	struct els_mmu_walk w;
	mem_reset(LOW_MEM);
	/* Stage 2: 4K, 40-bit IPA from level 1 (2 tables), 40-bit PA. */
	uint64_t s2root = mem_alloc(0x2000);
	expect_ok(els_mmu_regime_stage2(1, vtcr(12, 24, 1, 2),
					s2root | 7ULL << 48, &s2));
	/* Stage 1 tables at PAs p1..p3, seen by the guest at IPAs i1..i3. */
	uint64_t p1 = mem_alloc(0x1000), p2 = mem_alloc(0x1000),
		 p3 = mem_alloc(0x1000);
	uint64_t i1 = 0x8000001000ULL, i2 = 0x8000002000ULL,
		 i3 = 0x0000013000ULL;
	map(&s2, i1, p1, 3, AF | 1 << 6);
	map(&s2, i2, p2, 3, AF | 1 << 6);
	map(&s2, i3, p3, 3, AF | 1 << 6);
	/* The guest's data: IPA 0x40200000 (a 2M block) -> PA 0x7fe00000. */
	map(&s2, 0x40200000, 0x7fe00000, 2, AF | 3 << 6);
	/* Stage 1: 39-bit VA, levels 1-3, descriptors hold IPAs. */
	expect_ok(els_mmu_regime_el10(1, tcr_el1(12, 25, 2), 0, i1,
				      0xffffffc012345678ULL, false, &s1));
	assert_int_equal(s1.ttb, i1);
	uint64_t va = 0xffffffc012345678ULL;
	poke(p1 + 8 * ((va >> 30) & 0x1ff), i2 | 3);
	poke(p2 + 8 * ((va >> 21) & 0x1ff), i3 | 3);
	poke(p3 + 8 * ((va >> 12) & 0x1ff), 0x40345000 | AF | 3);
	struct nested n = { .s2 = &s2 };
	mem.reads = 0;
	expect_ok(els_mmu_translate(&s1, va, read_ipa, &n, &w));
	assert_true(w.mapped);
	assert_int_equal(w.out, 0x40345678); /* the IPA */
	assert_int_equal(w.nlevels, 3);
	assert_int_equal(w.levels[0].desc_addr, i1 + 8 * 0x100);
	assert_int_equal(w.levels[1].table, i2);
	assert_int_equal(w.levels[2].table, i3);
	assert_int_equal(n.s2_walks, 3);
	/* 3 stage-1 levels, each a 3-level stage-2 walk plus the read. */
	assert_int_equal(mem.reads, 3 * 3 + 3);
	struct els_mmu_walk w2;
	expect_mapped(&s2, w.out, 0x7ff45678, 2, &w2);
	/* A stage-1 table IPA that stage 2 does not map. */
	poke(p2 + 8 * ((va >> 21) & 0x1ff), 0x9000000000ULL | 3);
	expect_error(els_mmu_translate(&s1, va, read_ipa, &n, &w),
		     ELS_ERR_NOT_MAPPED,
		     "TTBR1_EL1: reading the level 3 descriptor at 0x9000000a28 (table 0x9000000000): IPA 0x9000000a28: stage 2 fault at level 1");
	mem_reset(0);
}

/* ---- the fuzz harness's seeds ---- */

/*
 * The harness's input: sctlr, tcr, ttbr0, ttbr1, hcr, vtcr, vttbr, four
 * addresses, flags (bit 0 VHE, bit 1 reads wrap around the image), the
 * image's base, then the image (little-endian u64s).
 */
struct seed {
	uint64_t regs[7];
	uint64_t va[4];
	uint64_t flags, base;
};

static void write_seed(const char *dir, const char *name,
		       const struct seed *s, uint64_t image_end)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	const uint64_t *head = (const uint64_t *)s;
	for (size_t i = 0; i < sizeof(*s) / 8; i++) {
		uint8_t b[8];
		for (int k = 0; k < 8; k++)
			b[k] = (uint8_t)(head[i] >> (8 * k));
		assert_int_equal(fwrite(b, 1, 8, f), 8);
	}
	for (uint64_t a = s->base; a < image_end; a += 8) {
		uint64_t v = peek(a);
		uint8_t b[8];
		for (int k = 0; k < 8; k++)
			b[k] = (uint8_t)(v >> (8 * k));
		assert_int_equal(fwrite(b, 1, 8, f), 8);
	}
	fclose(f);
}

static void test_write_seeds(void **state)
{
	(void)state;
	const char *dir = getenv("ELSCOPE_WRITE_SEEDS");
	if (!dir || !*dir)
		skip();
	struct els_mmu_regime r, s2;
	const uint64_t base = 0x40000000;

	/* EL1&0, 4K, 39-bit VA both ranges, and a stage 2 of 2 tables. */
	mem_reset(base);
	uint64_t root0 = mem_alloc(0x1000), root1 = mem_alloc(0x1000);
	uint64_t s2root = mem_alloc(0x2000);
	uint64_t tcr = tcr_el1(12, 25, 2) | TCR_TBI0;
	uint64_t vt = vtcr(12, 24, 1, 2);
	expect_ok(els_mmu_regime_el10(1, tcr, root0, root1, 0, false, &r));
	map(&r, 0x400000, 0x40000000, 3, AF);
	map(&r, 0x401000, 0x40001000, 3, AF);
	map(&r, 0x600000, 0x40200000, 2, AF | UXN);
	expect_ok(els_mmu_regime_el10(1, tcr, root0, root1, ~0ULL, false, &r));
	map(&r, 0xffffffc000000000ULL, 0x40000000, 1, AF | PXN);
	map(&r, 0xffffffffffe00000ULL, 0x40003000, 3, AF | 3 << 6);
	expect_ok(els_mmu_regime_stage2(1, vt, s2root, &s2));
	/* Stage 2 maps the image one to one so nested walks succeed. */
	map(&s2, 0x40000000, 0x40000000, 2, AF | 3 << 6);
	map(&s2, 0x8000000000ULL, 0x40000000, 3, AF | 1 << 6 | 1ULL << 53);
	struct seed s = {
		.regs = { 1, tcr, root0 | 0x0001000000000000ULL, root1, 1, vt,
			  s2root | 0x0003000000000000ULL },
		.va = { 0x401234, 0xffffffffffe00010ULL, 0x5a00000000600000ULL,
			0x8000000000ULL },
		.flags = 0,
		.base = base,
	};
	write_seed(dir, "el1-4k-s2-concat", &s, mem.next);

	/* A cycle and a self-reference, reads wrapping around. */
	mem_reset(base);
	root0 = mem_alloc(0x1000);
	uint64_t t = mem_alloc(0x1000);
	poke(root0, t | 3);
	poke(t, root0 | 3);
	poke(t + 8, t | 3);
	poke(root0 + 16, root0 | 3);
	s = (struct seed){
		.regs = { 1, tcr_el1(12, 16, 5), root0, root0, 0, 0, 0 },
		.va = { 0x1000, 0x8000001000ULL, 0x10000000000ULL, ~0ULL },
		.flags = 2,
		.base = base,
	};
	write_seed(dir, "cycle-4k", &s, mem.next);

	/* 64K, 52-bit VA and PA, EL2 with VHE; a small image that wraps. */
	mem_reset(base);
	root0 = mem_alloc(0x2000);
	poke(root0, (root0 + 0x1000) | 0x1000 | 3);
	poke(root0 + 8, 0x0000ac0000000000ULL | 0x3000 | AF | 1);
	poke(root0 + 0x1000, 0x0000000012340000ULL | AF | 1);
	s = (struct seed){
		.regs = { 1, tcr_el1(16, 12, 6), enc_ttbr(root0),
			  enc_ttbr(root0), 1, vtcr(16, 22, 1, 6),
			  enc_ttbr(root0) },
		.va = { 0x1234, 0x40000012345ULL, 0xfff0000000001234ULL,
			0x20000000ULL },
		.flags = 3,
		.base = base,
	};
	write_seed(dir, "lpa-64k-vhe", &s, mem.next);

	/* 4K with DS (level -1) and 16K stage 2 with DS. */
	mem_reset(base);
	root0 = mem_alloc(0x1000);
	tcr = tcr_el1(12, 12, 6) | TCR_DS | 3ULL << 12;
	expect_ok(els_mmu_regime_el10(1, tcr, enc_ttbr(root0), 0, 0, false,
				      &r));
	map(&r, 0x000f000000001000ULL, 0x000c000000005000ULL, 3, AF);
	map(&r, 0x0000008000000000ULL, 0x0004008000000000ULL, 0, AF);
	s = (struct seed){
		.regs = { 1, tcr, enc_ttbr(root0), 0, 1,
			  vtcr(14, 12, 3, 6) | 1ULL << 32, enc_ttbr(root0) },
		.va = { 0x000f000000001234ULL, 0x0000008000001234ULL,
			0x000f000000002000ULL, 0x40000000ULL },
		.flags = 0,
		.base = base,
	};
	write_seed(dir, "lpa2-4k-16k-s2", &s, mem.next);

	/* EL2 without VHE, 16K, 36-bit VA; reserved descriptors. */
	mem_reset(base);
	root0 = mem_alloc(0x4000);
	uint64_t tcr2 = 28 | 2ULL << 14 | 1ULL << 16 | 1ULL << 20;
	expect_ok(els_mmu_regime_el2(1, tcr2, root0, &r));
	map(&r, 0x2000000, 0x40000000, 2, AF);
	map(&r, 0x4000, 0x8000, 3, AF);
	struct path p;
	map_t(&r, 0x8000, 0xc000, 3, AF, 0, &p);
	poke(p.desc_addr[1], 0xc000 | AF | 1); /* 0b01 at level 3 */
	s = (struct seed){
		.regs = { 1, tcr2, root0, 0, 0, 0, 0 },
		.va = { 0x2001234, 0x4000, 0x4000000, 0x7fffffff0ULL },
		.flags = 0,
		.base = base,
	};
	write_seed(dir, "el2-16k-reserved", &s, mem.next);
	mem_reset(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage1_matrix),
		cmocka_unit_test(test_stage2_matrix),
		cmocka_unit_test(test_stage2_concat),
		cmocka_unit_test(test_lpa_64k),
		cmocka_unit_test(test_lpa2_4k),
		cmocka_unit_test(test_lpa2_16k),
		cmocka_unit_test(test_stage2_lpa2),
		cmocka_unit_test(test_tbi),
		cmocka_unit_test(test_mmu_off),
		cmocka_unit_test(test_regime_el10),
		cmocka_unit_test(test_regime_el2),
		cmocka_unit_test(test_regime_stage2),
		cmocka_unit_test(test_attrs_stage1),
		cmocka_unit_test(test_attrs_stage2),
		cmocka_unit_test(test_perm_text),
		cmocka_unit_test(test_for_each_merge),
		cmocka_unit_test(test_for_each_upper),
		cmocka_unit_test(test_for_each_bound),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_output_size),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_write_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
