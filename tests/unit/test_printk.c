/* SPDX-License-Identifier: MIT */
/*
 * The printk ring parser on rings built here: a wrapped text block stored
 * at the start of the ring, a data-less record, records that are not
 * finalized, reused or damaged (skipped), and rings that do not hold
 * together (errors). The layout is Linux 6.1's (as its BTF says).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "os/linux/printk.h"
#include "testutil.h"

#define COUNT_BITS 2
#define SIZE_BITS 7
#define COUNT (1u << COUNT_BITS)
#define SIZE (1u << SIZE_BITS)
#define FINALIZED (UINT64_C(2) << 62)
#define COMMITTED (UINT64_C(1) << 62)

static struct els_type_member m(uint64_t off, uint64_t size)
{
	return (struct els_type_member){ .offset = off, .bit_offset = off * 8,
					 .size = size, .kind = ELS_TYPE_INT };
}

static struct els_type_member bits(uint64_t bit_off, uint32_t n)
{
	return (struct els_type_member){ .offset = bit_off / 8,
					 .bit_offset = bit_off, .bit_size = n,
					 .size = 1, .kind = ELS_TYPE_INT };
}

static const struct els_printk_layout *layout(void)
{
	static struct els_printk_layout l;
	l = (struct els_printk_layout){
		.desc_size = 24, .state_var = m(0, 8), .begin = m(8, 8),
		.next = m(16, 8), .info_size = 88, .seq = m(0, 8),
		.ts_nsec = m(8, 8), .text_len = m(16, 2), .facility = m(18, 1),
		.flags = bits(152, 5), .level = bits(157, 3),
		.caller_id = m(20, 4),
	};
	return &l;
}

struct ring {
	uint8_t descs[COUNT * 24], infos[COUNT * 88], data[SIZE];
	struct els_printk_ring r;
};

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void init(struct ring *g, uint64_t tail, uint64_t head)
{
	memset(g, 0, sizeof(*g));
	g->r = (struct els_printk_ring){
		.count_bits = COUNT_BITS, .size_bits = SIZE_BITS,
		.head_id = head, .tail_id = tail,
		.descs = g->descs, .descs_len = sizeof(g->descs),
		.infos = g->infos, .infos_len = sizeof(g->infos),
		.data = g->data, .data_len = sizeof(g->data),
	};
}

/* A record; its text at data index at (0: where begin says). */
static void put(struct ring *g, uint64_t id, uint64_t state, uint64_t begin,
		uint64_t next, uint64_t seq, const char *text, size_t at,
		uint64_t block_id)
{
	uint8_t *d = g->descs + (id % COUNT) * 24;
	uint8_t *in = g->infos + (id % COUNT) * 88;
	put64(d, state | id);
	put64(d + 8, begin);
	put64(d + 16, next);
	put64(in, seq);
	put64(in + 8, seq * 1000000123u);
	size_t len = strlen(text);
	in[16] = (uint8_t)len;
	in[17] = (uint8_t)(len >> 8);
	in[19] = (uint8_t)(6u << 5 | 1); /* level 6, flags 1 */
	if (begin & 1)
		return;
	put64(g->data + at, block_id);
	memcpy(g->data + at + 8, text, len);
}

struct got {
	int n;
	uint64_t seq[8];
	char text[8][64];
	unsigned level[8];
};

static int collect(const struct els_printk_record *r, void *arg)
{
	struct got *g = arg;
	assert_true(g->n < 8 && r->text_len < 64);
	g->seq[g->n] = r->seq;
	g->level[g->n] = r->level;
	memcpy(g->text[g->n], r->text, r->text_len);
	g->text[g->n][r->text_len] = '\0';
	g->n++;
	return 0;
}

static void test_records(void **state)
{
	(void)state;
	struct ring g;
	struct got got = { 0 };
	size_t skipped;
	init(&g, 4, 7);
	put(&g, 4, FINALIZED, 144, 168, 10, "hello\nworld", 16, 4);
	put(&g, 5, COMMITTED, 168, 184, 11, "second", 40, 5);
	/* Does not fit before the end of the ring: stored at its start. */
	put(&g, 6, FINALIZED, 248, 256 + 24, 12, "wrapped!", 0, 6);
	put(&g, 7, FINALIZED, 3, 3, 13, "", 0, 0);
	expect_ok(els_printk_parse(layout(), &g.r, collect, &got, &skipped));
	assert_int_equal(got.n, 3);
	assert_int_equal(skipped, 1);
	assert_int_equal(got.seq[0], 10);
	assert_string_equal(got.text[0], "hello\nworld");
	assert_int_equal(got.level[0], 6);
	assert_int_equal(got.seq[1], 12);
	assert_string_equal(got.text[1], "wrapped!");
	assert_int_equal(got.seq[2], 13);
	assert_string_equal(got.text[2], "");
}

static void test_damaged(void **state)
{
	(void)state;
	struct ring g;
	struct got got = { 0 };
	size_t skipped;
	init(&g, 4, 7);
	put(&g, 4, FINALIZED, 144, 168, 10, "other id", 16, 99);  /* block id */
	put(&g, 5, FINALIZED, 168, 176, 11, "too long", 40, 5);   /* text_len */
	put(&g, 6, FINALIZED | 8, 176, 200, 12, "stale", 48, 6);  /* desc id */
	put(&g, 7, FINALIZED, 200, 1000, 13, "far", 72, 7);       /* lpos */
	expect_ok(els_printk_parse(layout(), &g.r, collect, &got, &skipped));
	assert_int_equal(got.n, 0);
	assert_int_equal(skipped, 4);

	/* Sequence numbers must go up: a record that goes back is skipped. */
	init(&g, 4, 5);
	put(&g, 4, FINALIZED, 144, 168, 10, "first", 16, 4);
	put(&g, 5, FINALIZED, 168, 184, 9, "back", 40, 5);
	expect_ok(els_printk_parse(layout(), &g.r, collect, &got, &skipped));
	assert_int_equal(got.n, 1);
	assert_int_equal(skipped, 1);
}

static void test_bad_rings(void **state)
{
	(void)state;
	struct ring g;
	struct got got = { 0 };
	size_t skipped;
	init(&g, 4, 4 + COUNT); /* one record more than descriptors */
	expect_error(els_printk_parse(layout(), &g.r, collect, &got, &skipped),
		     ELS_ERR_INVALID, "more than its 4 descriptors");
	init(&g, 4, 5);
	g.r.size_bits = 40;
	expect_error(els_printk_parse(layout(), &g.r, collect, &got, &skipped),
		     ELS_ERR_INVALID, "not a ring elscope accepts");
	init(&g, 4, 5);
	g.r.size_bits = SIZE_BITS + 1; /* the data buffer is too short */
	expect_error(els_printk_parse(layout(), &g.r, collect, &got, &skipped),
		     ELS_ERR_INVALID, "shorter than its sizes say");
	struct els_printk_layout l = *layout();
	l.caller_id = m(86, 4);
	init(&g, 4, 5);
	expect_error(els_printk_parse(&l, &g.r, collect, &got, &skipped),
		     ELS_ERR_INVALID, "struct printk_info");
	assert_int_equal(got.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_bad_rings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
