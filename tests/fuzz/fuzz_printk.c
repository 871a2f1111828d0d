/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the printk ring parser. The input is
 *   count_bits (1 byte, taken mod 9), size_bits (1 byte, 3 + mod 10),
 *   head_id, tail_id (little-endian u64s),
 * then the descriptor array (24 bytes each), the info array (88 bytes each)
 * and the text data ring, zero-filled where the input ends. The layout is
 * Linux 6.1's. Every record given must lie inside the data ring.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/printk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct els_type_member m(uint64_t off, uint64_t n)
{
	return (struct els_type_member){ .offset = off, .bit_offset = off * 8,
					 .size = n, .kind = ELS_TYPE_INT };
}

static struct els_type_member bits(uint64_t bit_off, uint32_t n)
{
	return (struct els_type_member){ .offset = bit_off / 8,
					 .bit_offset = bit_off, .bit_size = n,
					 .size = 1, .kind = ELS_TYPE_INT };
}

struct bounds {
	const uint8_t *lo;
	size_t len;
	size_t n;
};

static int check(const struct els_printk_record *r, void *arg)
{
	struct bounds *b = arg;
	const uint8_t *t = (const uint8_t *)r->text;
	if (r->text_len &&
	    (t < b->lo || t > b->lo + b->len || r->text_len > (size_t)(b->lo + b->len - t)))
		abort();
	if (r->level > 7 || r->flags > 31)
		abort();
	b->n++;
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 8; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 18)
		return 0;
	const struct els_printk_layout l = {
		.desc_size = 24, .state_var = m(0, 8), .begin = m(8, 8),
		.next = m(16, 8), .info_size = 88, .seq = m(0, 8),
		.ts_nsec = m(8, 8), .text_len = m(16, 2), .facility = m(18, 1),
		.flags = bits(152, 5), .level = bits(157, 3),
		.caller_id = m(20, 4),
	};
	unsigned cb = data[0] % 9, sb = 3 + data[1] % 10;
	size_t count = (size_t)1 << cb, dsize = (size_t)1 << sb;
	size_t total = count * 24 + count * 88 + dsize;
	uint8_t *buf = calloc(1, total);
	if (!buf)
		return 0;
	size_t n = size - 18 < total ? size - 18 : total;
	memcpy(buf, data + 18, n);
	struct els_printk_ring r = {
		.count_bits = cb, .size_bits = sb,
		.head_id = le64(data + 2), .tail_id = le64(data + 10),
		.descs = buf, .descs_len = count * 24,
		.infos = buf + count * 24, .infos_len = count * 88,
		.data = buf + count * 112, .data_len = dsize,
	};
	struct bounds b = { r.data, dsize, 0 };
	size_t skipped = 0;
	struct els_error *err = els_printk_parse(&l, &r, check, &b, &skipped);
	if (!err && b.n + skipped > count)
		abort();
	els_error_destroy(err);
	free(buf);
	return 0;
}
