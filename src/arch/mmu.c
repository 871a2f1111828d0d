/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 translation table walks, after the Arm ARM (DDI 0487), chapter
 * D8 "The AArch64 Virtual Memory System Architecture".
 *
 * Geometry: a granule of 2^g bytes holds 2^(g-3) descriptors, so each level
 * resolves stride = g - 3 input bits; level L resolves the bits from
 * g + (3 - L) * stride up. The start level resolves whatever is left of the
 * input address (stage 2: up to 4 more bits, as up to 16 concatenated
 * tables, which are one bigger table to index).
 *
 * Choices where the architecture leaves room, or where a debugger must say
 * more than the hardware would:
 * - An input address outside the regime's range is a translation fault at
 *   level 0 (what ESR_ELx reports): mapped = false, fault_level = 0,
 *   nlevels = 0. The EL1&0 regime decoder refuses such a VA outright.
 * - Reserved descriptors (0b01 at level 3, a block at a level where the
 *   granule allows none) are errors, not faults: tables that hold them are
 *   broken, and the user should hear so.
 * - With the 64K granule, descriptor bits [15:12] are OA[51:48] (FEAT_LPA)
 *   whatever the output size, so a nonzero value there with a smaller
 *   output size is an address size error, as on an FEAT_LPA CPU.
 * - A TnSZ outside what the granule allows is an error naming the field,
 *   not a guess at how an implementation clamps it.
 * - An output address beyond the output size is an address size error
 *   naming the level, also when only the offset into a block (bigger than
 *   the output space) takes it there; a listing shows the part of such a
 *   block that is inside.
 * - A listing merges a range into the one before when both follow on in
 *   input and output, come from descriptors of the same level and have
 *   equal attributes (the contiguous hint included). It refuses a table
 *   that is already on the path down to it (a cycle); tables shared by
 *   several entries are fine and listed each time.
 */
#include "arch/mmu.h"

#include <stdio.h>
#include <string.h>

#define MAX_LEVELS 5

static inline uint64_t low_mask(unsigned n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static inline uint64_t field(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & low_mask(hi - lo + 1);
}

static inline bool bit(uint64_t v, unsigned n)
{
	return (v >> n) & 1;
}

static const char *regime_name(const struct els_mmu_regime *r)
{
	return r->name ? r->name : r->stage2 ? "stage 2" : "stage 1";
}

static const char *granule_name(unsigned g)
{
	return g == 12 ? "4K" : g == 14 ? "16K" : "64K";
}

/* The lowest input bit level resolves. */
static unsigned level_shift(const struct els_mmu_regime *r, int level)
{
	unsigned g = r->granule_shift;
	return g + (unsigned)(3 - level) * (g - 3);
}

/* Input bits the start level resolves, concatenation included. */
static unsigned start_bits(const struct els_mmu_regime *r)
{
	return r->ia_bits - level_shift(r, r->start_level);
}

/* Input bits level resolves. */
static unsigned level_bits(const struct els_mmu_regime *r, int level)
{
	return level == r->start_level ? start_bits(r) : r->granule_shift - 3;
}

/*
 * The regime must be one the architecture allows, so that every shift and
 * index below stays in range, whoever filled it in.
 */
static struct els_error *check_regime(const struct els_mmu_regime *r)
{
	const char *name = regime_name(r);
	unsigned g = r->granule_shift;
	if (g != 12 && g != 14 && g != 16)
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: granule shift %u (12, 14 or 16)",
					name, g);
	unsigned stride = g - 3;
	bool wide = g == 16 || r->ds; /* 52-bit forms */
	if (r->ia_bits > (wide ? 52u : 48u) || r->ia_bits <= g)
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: %u-bit input with the %s granule%s",
					name, r->ia_bits, granule_name(g),
					r->ds ? " and DS" : "");
	if (r->oa_bits < 32 || r->oa_bits > (wide ? 52u : 48u))
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: %u-bit output with the %s granule%s",
					name, r->oa_bits, granule_name(g),
					r->ds ? " and DS" : "");
	if (r->start_level < -1 || r->start_level > 3 ||
	    level_shift(r, r->start_level) >= r->ia_bits)
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: a %u-bit input does not reach start level %d with the %s granule",
					name, r->ia_bits, r->start_level,
					granule_name(g));
	unsigned sb = start_bits(r);
	unsigned max = r->stage2 ? stride + 4 : stride;
	unsigned concat = sb > stride ? 1u << (sb - stride) : 1;
	if (sb > max)
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: start level %d of a %u-bit input needs %u tables there, more than %u",
					name, r->start_level, r->ia_bits,
					concat, r->stage2 ? 16 : 1);
	if (concat != (r->concat ? r->concat : 1))
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: start level %d of a %u-bit input needs %u concatenated tables, not %u",
					name, r->start_level, r->ia_bits,
					concat, r->concat);
	if (r->start_level == -1 && !(g == 12 && r->ds))
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: level -1 needs the 4K granule and DS",
					name);
	if (r->stage2 && (r->upper || r->tbi))
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: stage 2 has no upper range and no TBI",
					name);
	if (r->ttb & low_mask(sb + 3))
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad regime: table base 0x%llx is not aligned to its %llu-byte table",
					name, (unsigned long long)r->ttb,
					(unsigned long long)8 << sb);
	return NULL;
}

/* Input address out of the regime's range: a translation fault. */
static bool in_range(const struct els_mmu_regime *r, uint64_t in)
{
	unsigned top = r->tbi ? 56 : 64; /* bits [top-1:ia_bits] */
	uint64_t hi = (in >> r->ia_bits) & low_mask(top - r->ia_bits);
	return hi == (r->upper ? low_mask(top - r->ia_bits) : 0);
}

static enum els_mmu_desc_type desc_type(const struct els_mmu_regime *r,
					int level, uint64_t desc)
{
	if (!(desc & 1))
		return ELS_MMU_INVALID;
	if (level == 3)
		return desc & 2 ? ELS_MMU_PAGE : ELS_MMU_RESERVED;
	if (desc & 2)
		return ELS_MMU_TABLE;
	switch (r->granule_shift) {
	case 12:
		if (level == 1 || level == 2 || (level == 0 && r->ds))
			return ELS_MMU_BLOCK;
		break;
	case 14:
		if (level == 2 || (level == 1 && r->ds))
			return ELS_MMU_BLOCK;
		break;
	default:
		if (level == 2 || (level == 1 && r->oa_bits == 52))
			return ELS_MMU_BLOCK;
		break;
	}
	return ELS_MMU_RESERVED;
}

/*
 * The address a table, block or page descriptor holds, aligned to
 * 2^align: bits [47:align], or [49:align] with OA[51:50] in bits [9:8]
 * (DS), or with OA[51:48] in bits [15:12] (64K, FEAT_LPA).
 */
static uint64_t desc_address(const struct els_mmu_regime *r, uint64_t desc,
			     unsigned align)
{
	uint64_t a;
	if (r->ds) {
		a = (desc & low_mask(50)) | field(desc, 9, 8) << 50;
	} else {
		a = desc & low_mask(48);
		if (r->granule_shift == 16)
			a |= field(desc, 15, 12) << 48;
	}
	return a & ~low_mask(align);
}

static struct els_error *reserved_error(const struct els_mmu_regime *r,
					int level, uint64_t addr,
					uint64_t desc)
{
	if (level == 3)
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "%s: reserved descriptor 0x%016llx at 0x%llx: bits [1:0] = 0b01 at level 3",
				      regime_name(r), (unsigned long long)desc,
				      (unsigned long long)addr);
	return els_error_addr(ELS_ERR_INVALID, addr,
			      "%s: reserved descriptor 0x%016llx at 0x%llx: a block at level %d, where the %s granule%s allows none",
			      regime_name(r), (unsigned long long)desc,
			      (unsigned long long)addr, level,
			      granule_name(r->granule_shift),
			      r->ds ? " with DS" :
			      r->granule_shift == 16 && r->oa_bits < 52 ?
			      " without a 52-bit output" : "");
}

static struct els_error *size_error(const struct els_mmu_regime *r,
				    int level, uint64_t desc_addr,
				    uint64_t desc, const char *what,
				    uint64_t addr)
{
	return els_error_addr(ELS_ERR_INVALID, addr,
			      "%s: address size fault at level %d: descriptor 0x%016llx at 0x%llx %s 0x%llx, beyond the %u-bit output address size",
			      regime_name(r), level, (unsigned long long)desc,
			      (unsigned long long)desc_addr, what,
			      (unsigned long long)addr, r->oa_bits);
}

/* What the tables above a leaf impose on it, folded on the way down. */
struct table_limits {
	bool ns, pxn, uxn, read_only, no_el0;
};

static void fold_table(const struct els_mmu_regime *r, uint64_t desc,
		       struct table_limits *t)
{
	if (r->stage2)
		return; /* stage 2 tables carry no attributes */
	t->ns |= bit(desc, 63); /* NSTable holds with HPD too */
	if (r->hpd)
		return;
	t->pxn |= bit(desc, 59);       /* PXNTable */
	t->uxn |= bit(desc, 60);       /* UXNTable (XNTable at EL2) */
	t->no_el0 |= bit(desc, 61);    /* APTable[0] */
	t->read_only |= bit(desc, 62); /* APTable[1] */
}

static void leaf_attrs(const struct els_mmu_regime *r, uint64_t desc,
		       const struct table_limits *t, struct els_mmu_attrs *a)
{
	memset(a, 0, sizeof(*a));
	/* With DS, bits [9:8] are OA[51:50]: TCR.SHn says the shareability. */
	a->sh = r->ds ? r->sh & 3 : (unsigned)field(desc, 9, 8);
	a->af = bit(desc, 10);
	a->dbm = bit(desc, 51);
	a->contiguous = bit(desc, 52);
	if (r->stage2) {
		a->memattr = (unsigned)field(desc, 5, 2);
		a->s2ap = (unsigned)field(desc, 7, 6);
		a->xn = (unsigned)field(desc, 54, 53);
		return;
	}
	a->attr_index = (unsigned)field(desc, 4, 2);
	a->ns = bit(desc, 5) || t->ns;
	a->ap = (unsigned)field(desc, 7, 6);
	if (t->read_only)
		a->ap |= 2;
	if (t->no_el0)
		a->ap &= ~1u;
	a->ng = bit(desc, 11);
	a->pxn = bit(desc, 53) || t->pxn;
	a->uxn = bit(desc, 54) || t->uxn;
}

bool els_mmu_attrs_equal(const struct els_mmu_attrs *a,
			 const struct els_mmu_attrs *b)
{
	return a->attr_index == b->attr_index && a->ap == b->ap &&
	       a->ns == b->ns && a->ng == b->ng && a->pxn == b->pxn &&
	       a->uxn == b->uxn && a->memattr == b->memattr &&
	       a->s2ap == b->s2ap && a->xn == b->xn && a->sh == b->sh &&
	       a->af == b->af && a->dbm == b->dbm &&
	       a->contiguous == b->contiguous;
}

static struct els_error *read_desc(const struct els_mmu_regime *r,
				   els_mmu_read_fn *read, void *arg,
				   int level, uint64_t table, uint64_t addr,
				   uint64_t *desc)
{
	struct els_error *err = read(arg, addr, desc);
	if (err)
		return els_error_wrap(err,
				      "%s: reading the level %d descriptor at 0x%llx (table 0x%llx)",
				      regime_name(r), level,
				      (unsigned long long)addr,
				      (unsigned long long)table);
	return NULL;
}

static struct els_error *check_ttb(const struct els_mmu_regime *r)
{
	if (r->ttb >> r->oa_bits)
		return els_error_addr(ELS_ERR_INVALID, r->ttb,
				      "%s: address size fault at level %d: the table base 0x%llx is beyond the %u-bit output address size",
				      regime_name(r), r->start_level,
				      (unsigned long long)r->ttb, r->oa_bits);
	return NULL;
}

struct els_error *els_mmu_translate(const struct els_mmu_regime *r,
				    uint64_t in, els_mmu_read_fn *read,
				    void *arg, struct els_mmu_walk *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->in = in;
	if (!r->enabled) {
		/* Flat: output = input (stage 1 still ignores a top byte). */
		ret->mapped = true;
		ret->out = r->tbi && !r->stage2 ? in & low_mask(56) : in;
		ret->size = 4096;
		ret->base_in = in & ~0xfffULL;
		return NULL;
	}
	struct els_error *err = check_regime(r);
	if (err)
		return err;
	if (!in_range(r, in))
		return NULL; /* translation fault at level 0 */
	if ((err = check_ttb(r)))
		return err;

	struct table_limits limits = { 0 };
	uint64_t table = r->ttb;
	for (int level = r->start_level; level <= 3; level++) {
		unsigned shift = level_shift(r, level);
		struct els_mmu_level *l = &ret->levels[ret->nlevels];
		l->level = level;
		l->table = table;
		l->index = (in >> shift) & low_mask(level_bits(r, level));
		l->desc_addr = table + 8 * l->index;
		err = read_desc(r, read, arg, level, table, l->desc_addr,
				&l->desc);
		if (err)
			return err; /* the error names the level and table */
		ret->nlevels++;
		l->type = desc_type(r, level, l->desc);
		switch (l->type) {
		case ELS_MMU_INVALID:
			ret->fault_level = level;
			return NULL;
		case ELS_MMU_RESERVED:
			return reserved_error(r, level, l->desc_addr, l->desc);
		case ELS_MMU_TABLE:
			table = desc_address(r, l->desc, r->granule_shift);
			if (table >> r->oa_bits)
				return size_error(r, level, l->desc_addr,
						  l->desc,
						  "points to a table at", table);
			fold_table(r, l->desc, &limits);
			continue;
		case ELS_MMU_BLOCK:
		case ELS_MMU_PAGE: {
			uint64_t size = 1ULL << shift;
			uint64_t out = desc_address(r, l->desc, shift) |
				       (in & (size - 1));
			/* A block can be bigger than the output space. */
			if (out >> r->oa_bits)
				return size_error(r, level, l->desc_addr,
						  l->desc, "maps", out);
			ret->size = size;
			ret->base_in = in & ~(size - 1);
			ret->out = out;
			ret->mapped = true;
			leaf_attrs(r, l->desc, &limits, &ret->attrs);
			return NULL;
		}
		}
	}
	/* Not reached: level 3 holds only pages, invalid or reserved. */
	return els_error_create(ELS_ERR_INVALID, "%s: walk ran past level 3",
				regime_name(r));
}

/* ---- every mapping ---- */

struct frame {
	uint64_t table;   /* the table being listed */
	uint64_t index;   /* next entry to read */
	uint64_t entries;
	uint64_t in_base; /* input address of entry 0 */
	int level;
	struct table_limits limits; /* from the tables above */
};

struct lister {
	int (*fn)(const struct els_mmu_range *range, void *arg);
	void *fn_arg;
	struct els_mmu_range pending;
	bool have_pending;
	bool stopped;
};

static void flush(struct lister *ls)
{
	if (ls->have_pending && !ls->stopped &&
	    ls->fn(&ls->pending, ls->fn_arg))
		ls->stopped = true;
	ls->have_pending = false;
}

/*
 * Ranges merge when they follow each other in input and in output, come
 * from descriptors of the same level and have equal attributes.
 */
static void add_range(struct lister *ls, const struct els_mmu_range *range)
{
	struct els_mmu_range *p = &ls->pending;
	if (ls->have_pending && p->in + p->size == range->in &&
	    p->out + p->size == range->out && p->level == range->level &&
	    els_mmu_attrs_equal(&p->attrs, &range->attrs)) {
		p->size += range->size;
		return;
	}
	flush(ls);
	*p = *range;
	ls->have_pending = true;
}

static struct els_error *cycle_error(const struct els_mmu_regime *r,
				     int level, uint64_t desc_addr,
				     uint64_t table, int table_level)
{
	return els_error_addr(ELS_ERR_INVALID, table,
			      "%s: table at 0x%llx refers back to itself: the level %d descriptor at 0x%llx points to it, and it is the level %d table on the way there",
			      regime_name(r), (unsigned long long)table, level,
			      (unsigned long long)desc_addr, table_level);
}

static struct els_error *list_tables(const struct els_mmu_regime *r,
				     els_mmu_read_fn *read, void *arg,
				     uint64_t max_descs, struct lister *ls)
{
	struct frame stack[MAX_LEVELS];
	int depth = 1;
	uint64_t ndescs = 0;
	stack[0] = (struct frame){
		.table = r->ttb,
		.entries = 1ULL << start_bits(r),
		.in_base = r->upper ? ~low_mask(r->ia_bits) : 0,
		.level = r->start_level,
	};
	while (depth && !ls->stopped) {
		struct frame *f = &stack[depth - 1];
		if (f->index == f->entries) {
			depth--;
			continue;
		}
		unsigned shift = level_shift(r, f->level);
		uint64_t addr = f->table + 8 * f->index;
		if (ndescs == max_descs)
			return els_error_create(ELS_ERR_INVALID,
						"%s: more than %llu descriptors, the bound on this listing: stopped before 0x%llx",
						regime_name(r),
						(unsigned long long)max_descs,
						(unsigned long long)addr);
		uint64_t in = f->in_base + (f->index << shift);
		uint64_t desc;
		f->index++;
		ndescs++;
		struct els_error *err = read_desc(r, read, arg, f->level,
						  f->table, addr, &desc);
		if (err)
			return err;
		switch (desc_type(r, f->level, desc)) {
		case ELS_MMU_INVALID:
			break;
		case ELS_MMU_RESERVED:
			return reserved_error(r, f->level, addr, desc);
		case ELS_MMU_TABLE: {
			uint64_t next = desc_address(r, desc, r->granule_shift);
			if (next >> r->oa_bits)
				return size_error(r, f->level, addr, desc,
						  "points to a table at", next);
			for (int i = 0; i < depth; i++) {
				if (stack[i].table == next)
					return cycle_error(r, f->level, addr,
							   next,
							   stack[i].level);
			}
			/* Level 3 never holds tables, so depth stays <= 5. */
			struct frame *n = &stack[depth++];
			*n = (struct frame){
				.table = next,
				.entries = 1ULL << (r->granule_shift - 3),
				.in_base = in,
				.level = f->level + 1,
				.limits = f->limits,
			};
			fold_table(r, desc, &n->limits);
			break;
		}
		case ELS_MMU_BLOCK:
		case ELS_MMU_PAGE: {
			struct els_mmu_range range = {
				.in = in,
				.out = desc_address(r, desc, shift),
				.size = 1ULL << shift,
				.level = f->level,
			};
			if (range.out >> r->oa_bits)
				return size_error(r, f->level, addr, desc,
						  "maps", range.out);
			/* Only the part of a block inside the output space. */
			if (range.size > (1ULL << r->oa_bits) - range.out)
				range.size = (1ULL << r->oa_bits) - range.out;
			leaf_attrs(r, desc, &f->limits, &range.attrs);
			add_range(ls, &range);
			break;
		}
		}
	}
	return NULL;
}

struct els_error *els_mmu_for_each(const struct els_mmu_regime *r,
				   els_mmu_read_fn *read, void *arg,
				   uint64_t max_descs,
				   int (*fn)(const struct els_mmu_range *range,
					     void *arg),
				   void *fn_arg)
{
	if (!r->enabled)
		return els_error_create(ELS_ERR_STATE,
					"%s: translation is off (output = input): there are no tables to list",
					regime_name(r));
	struct els_error *err = check_regime(r);
	if (err || (err = check_ttb(r)))
		return err;
	struct lister ls = { .fn = fn, .fn_arg = fn_arg };
	err = list_tables(r, read, arg, max_descs, &ls);
	/* What was found before an error is still shown. */
	flush(&ls);
	return err;
}

/* ---- regimes from system registers ---- */

/* TCR.{I}PS, VTCR_EL2.PS -> output bits; 0b111 is reserved. */
static struct els_error *decode_ps(const char *reg, const char *fld,
				   unsigned ps, unsigned g, bool ds,
				   unsigned *ret)
{
	static const unsigned char bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };
	if (!bits[ps & 7])
		return els_error_create(ELS_ERR_INVALID,
					"%s.%s = %u is reserved (0..6: 32 to 52 bits)",
					reg, fld, ps);
	*ret = bits[ps & 7];
	/* 52 bits need the FEAT_LPA (64K) or FEAT_LPA2 (DS) descriptors. */
	if (*ret > 48 && g != 16 && !ds)
		*ret = 48;
	return NULL;
}

static struct els_error *decode_tsz(const char *reg, const char *fld,
				    unsigned tsz, unsigned g, bool ds,
				    unsigned *ia_bits)
{
	/* FEAT_LVA (64K) and FEAT_LPA2 (DS) allow 12; FEAT_TTST 48/47. */
	unsigned min = g == 16 || ds ? 12 : 16;
	unsigned max = g == 16 ? 47 : 48;
	if (tsz < min)
		return els_error_create(ELS_ERR_INVALID,
					"%s.%s = %u (a %u-bit range) is below %u, the least the %s granule allows%s",
					reg, fld, tsz, 64 - tsz, min,
					granule_name(g),
					g != 16 && !ds ? " without DS" : "");
	if (tsz > max)
		return els_error_create(ELS_ERR_INVALID,
					"%s.%s = %u (a %u-bit range) is above %u, the most the %s granule allows",
					reg, fld, tsz, 64 - tsz, max,
					granule_name(g));
	*ia_bits = 64 - tsz;
	return NULL;
}

/*
 * The table base from TTBRn/VTTBR: BADDR aligned to the start table's size
 * (concatenation included); in the 52-bit forms BADDR[51:48] is in bits
 * [5:2], so the table is at least 64-byte aligned.
 */
static uint64_t table_base(uint64_t ttbr, unsigned sb, bool lpa_form)
{
	uint64_t base;
	if (lpa_form)
		base = (ttbr & low_mask(48) & ~low_mask(6)) |
		       field(ttbr, 5, 2) << 48;
	else
		base = ttbr & low_mask(48);
	return base & ~low_mask(sb + 3); /* and drops CnP (bit 0) */
}

/* The input size, output size, start level and table base of stage 1. */
static struct els_error *stage1_geometry(const char *tcr_name,
					 const char *tsz_field, unsigned tsz,
					 const char *ps_field, unsigned ps,
					 uint64_t ttbr,
					 struct els_mmu_regime *ret)
{
	unsigned g = ret->granule_shift, stride = g - 3;
	struct els_error *err =
		decode_tsz(tcr_name, tsz_field, tsz, g, ret->ds, &ret->ia_bits);
	if (!err)
		err = decode_ps(tcr_name, ps_field, ps, g, ret->ds,
				&ret->oa_bits);
	if (err)
		return err;
	ret->start_level = 3 - (int)((ret->ia_bits - 1 - g) / stride);
	ret->concat = 1;
	ret->ttb = table_base(ttbr, start_bits(ret),
			      ret->ds || (g == 16 && ret->oa_bits == 52));
	return NULL;
}

static unsigned tg0_shift(unsigned tg)
{
	static const unsigned char shifts[4] = { 12, 16, 14, 0 };
	return shifts[tg & 3];
}

static unsigned tg1_shift(unsigned tg)
{
	static const unsigned char shifts[4] = { 0, 14, 12, 16 };
	return shifts[tg & 3];
}

struct els_error *els_mmu_regime_el10(uint64_t sctlr, uint64_t tcr,
				      uint64_t ttbr0, uint64_t ttbr1,
				      uint64_t va, bool vhe,
				      struct els_mmu_regime *ret)
{
	memset(ret, 0, sizeof(*ret));
	const char *tcr_name = vhe ? "TCR_EL2" : "TCR_EL1";
	bool upper = bit(va, 55);
	ret->upper = upper;
	ret->el = vhe ? 2 : 1;
	ret->name = upper ? (vhe ? "TTBR1_EL2" : "TTBR1_EL1")
			  : (vhe ? "TTBR0_EL2" : "TTBR0_EL1");
	ret->tbi = bit(tcr, upper ? 38 : 37);
	ret->enabled = bit(sctlr, 0);
	if (!ret->enabled)
		return NULL;
	if (bit(tcr, upper ? 23 : 7))
		return els_error_addr(ELS_ERR_NOT_MAPPED, va,
				      "VA 0x%llx is not mapped: %s walks are disabled (%s.EPD%d = 1)",
				      (unsigned long long)va, ret->name,
				      tcr_name, upper);
	unsigned tg = (unsigned)(upper ? field(tcr, 31, 30)
				       : field(tcr, 15, 14));
	ret->granule_shift = upper ? tg1_shift(tg) : tg0_shift(tg);
	if (!ret->granule_shift)
		return els_error_create(ELS_ERR_INVALID,
					"%s.TG%d = %u is reserved", tcr_name,
					upper, tg);
	ret->ds = bit(tcr, 59) && ret->granule_shift != 16;
	ret->hpd = bit(tcr, upper ? 42 : 41);
	ret->sh = (unsigned)(upper ? field(tcr, 29, 28) : field(tcr, 13, 12));
	struct els_error *err = stage1_geometry(
		tcr_name, upper ? "T1SZ" : "T0SZ",
		(unsigned)(upper ? field(tcr, 21, 16) : field(tcr, 5, 0)), "IPS",
		(unsigned)field(tcr, 34, 32), upper ? ttbr1 : ttbr0, ret);
	if (err)
		return err;
	/* TCR.A1 says which TTBR holds the ASID; TCR.AS says its width. */
	uint64_t asid_ttbr = bit(tcr, 22) ? ttbr1 : ttbr0;
	ret->asid = (uint16_t)(bit(tcr, 36) ? field(asid_ttbr, 63, 48)
					    : field(asid_ttbr, 55, 48));
	if (!in_range(ret, va)) {
		uint64_t lo = upper ? ~low_mask(ret->ia_bits) : 0;
		uint64_t hi = upper ? ~0ULL : low_mask(ret->ia_bits);
		return els_error_addr(ELS_ERR_NOT_MAPPED, va,
				      "VA 0x%llx is in neither range: bit 55 selects %s, whose %u-bit range is 0x%016llx-0x%016llx%s",
				      (unsigned long long)va, ret->name,
				      ret->ia_bits, (unsigned long long)lo,
				      (unsigned long long)hi,
				      ret->tbi ? " (top byte ignored)" : "");
	}
	return NULL;
}

struct els_error *els_mmu_regime_el2(uint64_t sctlr, uint64_t tcr,
				     uint64_t ttbr0,
				     struct els_mmu_regime *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->name = "TTBR0_EL2";
	ret->el = 2;
	ret->one_el = true;
	ret->tbi = bit(tcr, 20);
	ret->enabled = bit(sctlr, 0);
	if (!ret->enabled)
		return NULL;
	unsigned tg = (unsigned)field(tcr, 15, 14);
	ret->granule_shift = tg0_shift(tg);
	if (!ret->granule_shift)
		return els_error_create(ELS_ERR_INVALID,
					"TCR_EL2.TG0 = %u is reserved", tg);
	ret->ds = bit(tcr, 32) && ret->granule_shift != 16;
	ret->hpd = bit(tcr, 24);
	ret->sh = (unsigned)field(tcr, 13, 12);
	return stage1_geometry("TCR_EL2", "T0SZ", (unsigned)field(tcr, 5, 0),
			       "PS", (unsigned)field(tcr, 18, 16), ttbr0, ret);
}

#define SL_RESERVED (-100)

/*
 * VTCR_EL2.SL0 (and SL2 with DS) -> start level, per granule, or
 * SL_RESERVED. 4K: 2, 1, 0, 3 (FEAT_TTST), and -1 with SL2; 16K: 3, 2, 1,
 * 0 (with DS); 64K: 3, 2, 1.
 */
static int stage2_start_level(unsigned g, unsigned sl0, bool sl2, bool ds)
{
	switch (g) {
	case 12:
		if (sl2)
			return sl0 == 0 ? -1 : SL_RESERVED;
		return sl0 == 3 ? 3 : 2 - (int)sl0;
	case 14:
		return sl0 == 3 && !ds ? SL_RESERVED : 3 - (int)sl0;
	default:
		return sl0 == 3 ? SL_RESERVED : 3 - (int)sl0;
	}
}

struct els_error *els_mmu_regime_stage2(uint64_t hcr, uint64_t vtcr,
					uint64_t vttbr,
					struct els_mmu_regime *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->stage2 = true;
	ret->name = "VTTBR_EL2";
	ret->vmid = (uint16_t)(bit(vtcr, 19) ? field(vttbr, 63, 48)
					     : field(vttbr, 55, 48));
	ret->enabled = bit(hcr, 0);
	if (!ret->enabled)
		return NULL;
	unsigned tg = (unsigned)field(vtcr, 15, 14);
	unsigned g = tg0_shift(tg), stride = g - 3;
	if (!g)
		return els_error_create(ELS_ERR_INVALID,
					"VTCR_EL2.TG0 = %u is reserved", tg);
	ret->granule_shift = g;
	ret->ds = bit(vtcr, 32) && g != 16;
	ret->sh = (unsigned)field(vtcr, 13, 12);
	unsigned ps = (unsigned)field(vtcr, 18, 16);
	struct els_error *err = decode_tsz("VTCR_EL2", "T0SZ",
					   (unsigned)field(vtcr, 5, 0), g,
					   ret->ds, &ret->ia_bits);
	if (!err)
		err = decode_ps("VTCR_EL2", "PS", ps, g, ret->ds,
				&ret->oa_bits);
	if (err)
		return err;
	unsigned sl0 = (unsigned)field(vtcr, 7, 6);
	/* SL2 is RES0 but with DS and the 4K granule. */
	bool sl2 = bit(vtcr, 33) && ret->ds && g == 12;
	int start = stage2_start_level(g, sl0, sl2, ret->ds);
	if (start == SL_RESERVED)
		return els_error_create(ELS_ERR_INVALID,
					"VTCR_EL2.SL0 = %u%s is reserved with the %s granule%s",
					sl0, sl2 ? " with SL2 = 1" : "",
					granule_name(g),
					g == 14 ? " without DS" : "");
	ret->start_level = start;
	unsigned shift = level_shift(ret, start);
	if (ret->ia_bits <= shift)
		return els_error_create(ELS_ERR_INVALID,
					"VTCR_EL2: SL0 = %u starts at level %d, which a %u-bit IPA (T0SZ = %u) does not reach with the %s granule",
					sl0, start, ret->ia_bits,
					64 - ret->ia_bits, granule_name(g));
	unsigned sb = ret->ia_bits - shift;
	if (sb > stride + 4)
		return els_error_create(ELS_ERR_INVALID,
					"VTCR_EL2: a %u-bit IPA (T0SZ = %u) starting at level %d (SL0 = %u) needs %llu concatenated tables with the %s granule, more than 16",
					ret->ia_bits, 64 - ret->ia_bits, start,
					sl0, 1ULL << (sb - stride),
					granule_name(g));
	ret->concat = sb > stride ? 1u << (sb - stride) : 1;
	ret->ttb = table_base(vttbr, sb, ret->ds || (g == 16 && ps == 6));
	return NULL;
}

void els_mmu_perm_text(const struct els_mmu_regime *r,
		       const struct els_mmu_attrs *a, char *buf, size_t size)
{
	if (!size)
		return;
	if (r->stage2) {
		char rd = a->s2ap & 1 ? 'r' : '-', wr = a->s2ap & 2 ? 'w' : '-';
		/* XN[1:0] (FEAT_XNX): 01 EL0 only, 11 EL1 only. */
		static const bool x1[4] = { true, false, false, true };
		static const bool x0[4] = { true, true, false, false };
		unsigned xn = a->xn & 3;
		char el1x = x1[xn] ? 'x' : '-', el0x = x0[xn] ? 'x' : '-';
		if (el1x == el0x)
			snprintf(buf, size, "%c%c%c", rd, wr, el1x);
		else
			snprintf(buf, size, "EL1 %c%c%c EL0 %c%c%c", rd, wr,
				 el1x, rd, wr, el0x);
		return;
	}
	unsigned el = r->el == 2 ? 2 : 1;
	bool priv_w = !(a->ap & 2);
	if (r->one_el) {
		/* AP[1] is RES1 and bit 54 is XN in a one-EL regime. */
		snprintf(buf, size, "EL%u r%c%c", el, priv_w ? 'w' : '-',
			 a->uxn ? '-' : 'x');
		return;
	}
	bool user_r = a->ap & 1, user_w = a->ap == 1;
	/* Memory EL0 may write is never executable at EL1 (nor EL2). */
	bool priv_x = !a->pxn && !user_w;
	snprintf(buf, size, "EL%u r%c%c EL0 %c%c%c", el, priv_w ? 'w' : '-',
		 priv_x ? 'x' : '-', user_r ? 'r' : '-', user_w ? 'w' : '-',
		 a->uxn ? '-' : 'x');
}
