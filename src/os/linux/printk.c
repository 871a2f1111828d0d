/* SPDX-License-Identifier: MIT */
/* printk: the kernel log from the lockless ring buffer (5.10 and later). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "os/linux/printk.h"

/*
 * A descriptor's state_var: its id in the low 62 bits, its state in the top
 * two (reserved, committed, finalized, reusable).
 */
#define DESC_STATE_SHIFT 62
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_STATE_SHIFT))
#define DESC_FINALIZED 2

/* A data block starts with the id of its descriptor (an unsigned long). */
#define BLOCK_ID_SIZE 8

/* Whether member m lies inside a structure of size bytes. */
static bool fits(const struct els_type_member *m, uint64_t size)
{
	if (m->bit_size) {
		uint64_t first = m->bit_offset / 8;
		uint64_t last = (m->bit_offset + m->bit_size - 1) / 8;
		return m->bit_size <= 64 && last < size && last - first < 8;
	}
	return m->size >= 1 && m->size <= 8 && m->offset < size &&
	       m->size <= size - m->offset;
}

/* An integer member of an entry; fits() was checked for it. */
static uint64_t get(const struct els_type_member *m, const uint8_t *p)
{
	uint64_t off = m->bit_size ? m->bit_offset / 8 : m->offset;
	uint64_t n = m->bit_size ? (m->bit_offset + m->bit_size - 1) / 8 - off + 1
				 : m->size;
	uint64_t v = 0;
	for (uint64_t i = n; i-- > 0;)
		v = v << 8 | p[off + i];
	if (m->bit_size) {
		v >>= m->bit_offset % 8;
		if (m->bit_size < 64)
			v &= (UINT64_C(1) << m->bit_size) - 1;
	}
	return v;
}

static struct els_error *check_layout(const struct els_printk_layout *l)
{
	const struct els_type_member *d[] = { &l->state_var, &l->begin,
					      &l->next };
	const struct els_type_member *in[] = { &l->seq,      &l->ts_nsec,
					       &l->text_len, &l->facility,
					       &l->flags,    &l->level,
					       &l->caller_id };
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++) {
		if (!fits(d[i], l->desc_size))
			return els_error_create(ELS_ERR_INVALID,
						"a field of struct prb_desc lies outside its %" PRIu64 " bytes",
						l->desc_size);
	}
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		if (!fits(in[i], l->info_size))
			return els_error_create(ELS_ERR_INVALID,
						"a field of struct printk_info lies outside its %" PRIu64 " bytes",
						l->info_size);
	}
	return NULL;
}

/*
 * The text of a data block [begin, next) in lpos terms: in place when both
 * ends are in the same wrap of the ring, else (the block did not fit before
 * the end of the ring) at the start of the ring, up to next's index.
 */
static bool block(const struct els_printk_ring *r, uint64_t id,
		  uint64_t begin, uint64_t next, const uint8_t **ret,
		  size_t *len)
{
	uint64_t size = UINT64_C(1) << r->size_bits, mask = size - 1;
	uint64_t off, n;
	if (begin >> r->size_bits == next >> r->size_bits && begin < next) {
		off = begin & mask;
		n = next - begin;
	} else if ((begin + size) >> r->size_bits == next >> r->size_bits) {
		off = 0;
		n = next & mask;
	} else {
		return false;
	}
	if (n < BLOCK_ID_SIZE || n > size || off > size - n)
		return false;
	if (els_le64(r->data + off) != id)
		return false;
	*ret = r->data + off + BLOCK_ID_SIZE;
	*len = (size_t)(n - BLOCK_ID_SIZE);
	return true;
}

struct els_error *els_printk_parse(const struct els_printk_layout *l,
				   const struct els_printk_ring *r,
				   els_printk_fn fn, void *arg, size_t *skipped)
{
	struct els_error *err = check_layout(l);
	if (err)
		return err;
	*skipped = 0;
	if (r->count_bits > ELS_PRINTK_MAX_COUNT_BITS ||
	    r->size_bits > ELS_PRINTK_MAX_SIZE_BITS || r->size_bits < 3)
		return els_error_create(ELS_ERR_INVALID,
					"the printk ring has 2^%u descriptors and 2^%u bytes of text: not a ring elscope accepts",
					r->count_bits, r->size_bits);
	uint64_t count = UINT64_C(1) << r->count_bits;
	uint64_t size = UINT64_C(1) << r->size_bits;
	if (r->descs_len / l->desc_size < count ||
	    r->infos_len / l->info_size < count || r->data_len < size)
		return els_error_create(ELS_ERR_INVALID,
					"the printk ring's arrays are shorter than its sizes say");
	uint64_t n = ((r->head_id - r->tail_id) & DESC_ID_MASK) + 1;
	if (n > count)
		return els_error_create(ELS_ERR_INVALID,
					"the printk ring's head (id %" PRIu64 ") is %" PRIu64 " records after its tail (id %" PRIu64 "), more than its %" PRIu64 " descriptors",
					r->head_id, n - 1, r->tail_id, count);
	uint64_t last_seq = 0;
	bool any = false;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t id = (r->tail_id + k) & DESC_ID_MASK;
		uint64_t idx = id & (count - 1);
		const uint8_t *d = r->descs + idx * l->desc_size;
		const uint8_t *in = r->infos + idx * l->info_size;
		uint64_t sv = get(&l->state_var, d);
		if ((sv & DESC_ID_MASK) != id ||
		    sv >> DESC_STATE_SHIFT != DESC_FINALIZED) {
			++*skipped;
			continue;
		}
		struct els_printk_record rec = {
			.seq = get(&l->seq, in),
			.ts_nsec = get(&l->ts_nsec, in),
			.level = (unsigned)get(&l->level, in),
			.facility = (unsigned)get(&l->facility, in),
			.flags = (unsigned)get(&l->flags, in),
			.caller_id = (uint32_t)get(&l->caller_id, in),
			.text = "",
		};
		uint64_t text_len = get(&l->text_len, in);
		uint64_t begin = get(&l->begin, d), next = get(&l->next, d);
		if (any && rec.seq <= last_seq) {
			++*skipped;
			continue;
		}
		if (begin & 1) {
			/* No data: an empty record, or one whose data failed. */
			if (text_len || begin != next) {
				++*skipped;
				continue;
			}
		} else {
			const uint8_t *p;
			size_t len;
			if (!block(r, id, begin, next, &p, &len) ||
			    text_len > len) {
				++*skipped;
				continue;
			}
			rec.text = (const char *)p;
			rec.text_len = (size_t)text_len;
		}
		any = true;
		last_seq = rec.seq;
		if (fn(&rec, arg))
			break;
	}
	return NULL;
}

struct ring_fields {
	struct els_type_member count_bits, descs, infos, head_id, tail_id,
		size_bits, data, head_lpos, tail_lpos;
};

static struct els_error *get_layouts(struct els_linux *lx,
				     struct ring_fields *f,
				     struct els_printk_layout *l)
{
	struct {
		const char *type, *path;
		struct els_type_member *m;
	} one[] = {
		{ "printk_ringbuffer", "desc_ring.count_bits", &f->count_bits },
		{ "printk_ringbuffer", "desc_ring.descs", &f->descs },
		{ "printk_ringbuffer", "desc_ring.infos", &f->infos },
		{ "printk_ringbuffer", "desc_ring.head_id", &f->head_id },
		{ "printk_ringbuffer", "desc_ring.tail_id", &f->tail_id },
		{ "printk_ringbuffer", "text_data_ring.size_bits", &f->size_bits },
		{ "printk_ringbuffer", "text_data_ring.data", &f->data },
		{ "printk_ringbuffer", "text_data_ring.head_lpos", &f->head_lpos },
		{ "printk_ringbuffer", "text_data_ring.tail_lpos", &f->tail_lpos },
		{ "prb_desc", "state_var", &l->state_var },
		{ "prb_desc", "text_blk_lpos.begin", &l->begin },
		{ "prb_desc", "text_blk_lpos.next", &l->next },
		{ "printk_info", "seq", &l->seq },
		{ "printk_info", "ts_nsec", &l->ts_nsec },
		{ "printk_info", "text_len", &l->text_len },
		{ "printk_info", "facility", &l->facility },
		{ "printk_info", "flags", &l->flags },
		{ "printk_info", "level", &l->level },
		{ "printk_info", "caller_id", &l->caller_id },
	};
	struct els_error *err;
	for (size_t i = 0; i < sizeof(one) / sizeof(*one); i++) {
		if ((err = els_linux_member(lx, one[i].type, one[i].path,
					    one[i].m)))
			return err;
	}
	if ((err = els_linux_sizeof(lx, "prb_desc", &l->desc_size)) ||
	    (err = els_linux_sizeof(lx, "printk_info", &l->info_size)))
		return err;
	if (!l->desc_size || !l->info_size)
		return els_error_create(ELS_ERR_INVALID,
					"struct prb_desc or printk_info has no size");
	return check_layout(l);
}

/* n entries of size bytes from index first of an array of count, wrapping. */
static struct els_error *read_entries(struct els_linux *lx, uint64_t base,
				      uint8_t *buf, uint64_t size,
				      uint64_t count, uint64_t first,
				      uint64_t n)
{
	uint64_t a = n < count - first ? n : count - first;
	struct els_error *err = els_linux_read(lx, base + first * size,
					       buf + first * size,
					       (size_t)(a * size));
	if (err || a == n)
		return err;
	return els_linux_read(lx, base, buf, (size_t)((n - a) * size));
}

struct els_error *els_linux_printk(struct els_linux *lx, els_printk_fn fn,
				   void *arg, size_t *skipped)
{
	struct ring_fields f;
	struct els_printk_layout l;
	uint64_t prb_sym, prb;
	struct els_error *err = els_linux_sym(lx, "prb", &prb_sym);
	if (!err)
		err = get_layouts(lx, &f, &l);
	if (err) {
		struct els_error *e = els_error_create(
			ELS_ERR_UNSUPPORTED,
			"the printk ring buffer of this kernel (%s) has a layout elscope does not know: %s",
			lx->release, err->message);
		els_error_destroy(err);
		return e;
	}
	uint8_t hdr[256];
	uint64_t hsize;
	if ((err = els_linux_sizeof(lx, "printk_ringbuffer", &hsize)))
		return err;
	if (hsize > sizeof(hdr))
		return els_error_create(ELS_ERR_INVALID,
					"struct printk_ringbuffer is %" PRIu64 " bytes",
					hsize);
	if ((err = els_linux_read_u64(lx, prb_sym, &prb)) ||
	    (err = els_linux_read(lx, prb, hdr, (size_t)hsize)))
		return els_error_wrap(err, "the printk ring buffer");
	uint64_t v[9];
	const struct els_type_member *ms[] = {
		&f.count_bits, &f.descs,     &f.infos,     &f.head_id,
		&f.tail_id,    &f.size_bits, &f.data,      &f.head_lpos,
		&f.tail_lpos,
	};
	for (size_t i = 0; i < 9; i++) {
		struct els_type_member m = *ms[i];
		if (m.kind != ELS_TYPE_INT && m.kind != ELS_TYPE_ENUM)
			m.size = 8; /* pointers, atomic_long_t */
		if ((err = els_linux_get(&m, hdr, (size_t)hsize, 0, &v[i])))
			return els_error_wrap(err, "the printk ring buffer at 0x%" PRIx64,
					      prb);
	}
	struct els_printk_ring r = {
		.count_bits = (unsigned)v[0],
		.head_id = v[3],
		.tail_id = v[4],
		.size_bits = (unsigned)v[5],
	};
	if (v[0] > ELS_PRINTK_MAX_COUNT_BITS || v[5] > ELS_PRINTK_MAX_SIZE_BITS ||
	    v[5] < 3)
		return els_error_addr(ELS_ERR_INVALID, prb,
				      "the printk ring buffer at 0x%" PRIx64 " says 2^%" PRIu64 " descriptors and 2^%" PRIu64 " bytes of text",
				      prb, v[0], v[5]);
	uint64_t count = UINT64_C(1) << r.count_bits;
	uint64_t size = UINT64_C(1) << r.size_bits;
	uint64_t n = ((r.head_id - r.tail_id) & DESC_ID_MASK) + 1;
	if (n > count)
		return els_error_addr(ELS_ERR_INVALID, prb,
				      "the printk ring buffer's head id %" PRIu64 " is more than %" PRIu64 " records after its tail id %" PRIu64,
				      r.head_id, count, r.tail_id);
	r.descs_len = (size_t)(count * l.desc_size);
	r.infos_len = (size_t)(count * l.info_size);
	r.data_len = (size_t)size;
	/* Only the live parts are read; the rest stays zero (never valid). */
	uint8_t *descs = calloc(1, r.descs_len), *infos = calloc(1, r.infos_len);
	uint8_t *data = calloc(1, r.data_len);
	if (!descs || !infos || !data) {
		err = &els_enomem;
		goto out;
	}
	uint64_t first = r.tail_id & (count - 1);
	if ((err = read_entries(lx, v[1], descs, l.desc_size, count, first,
				n))) {
		err = els_error_wrap(err, "the printk descriptors at 0x%" PRIx64,
				     v[1]);
		goto out;
	}
	if ((err = read_entries(lx, v[2], infos, l.info_size, count, first,
				n))) {
		err = els_error_wrap(err, "the printk records at 0x%" PRIx64,
				     v[2]);
		goto out;
	}
	uint64_t live = v[7] - v[8];
	if (live > size)
		live = size;
	if (live &&
	    (err = read_entries(lx, v[6], data, 1, size, v[8] & (size - 1),
				live))) {
		err = els_error_wrap(err, "the printk text at 0x%" PRIx64, v[6]);
		goto out;
	}
	r.descs = descs;
	r.infos = infos;
	r.data = data;
	err = els_printk_parse(&l, &r, fn, arg, skipped);
out:
	free(descs);
	free(infos);
	free(data);
	return err;
}
