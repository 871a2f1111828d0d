/* SPDX-License-Identifier: MIT */
/*
 * Xen trace records: the stream parser on records built here (with and
 * without timestamps, every extra count, truncation, garbage), and the
 * scheduler records -> events conversion (run spans per pCPU, idle, waits,
 * wakes, lost records, spans open at the start and at the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hv/xen/trace.h"
#include "testutil.h"

struct stream {
	uint8_t b[4096];
	size_t n;
};

static void put32(struct stream *s, uint32_t v)
{
	assert_true(s->n + 4 <= sizeof(s->b));
	for (int i = 0; i < 4; i++)
		s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

/* A record as Xen's __insert_record lays it out. */
static void rec(struct stream *s, uint32_t event, bool cyc, uint64_t tsc,
		unsigned nextra, const uint32_t *extra)
{
	put32(s, (event & 0x0fffffff) | (uint32_t)nextra << 28 |
			 (cyc ? 1u << 31 : 0));
	if (cyc) {
		put32(s, (uint32_t)tsc);
		put32(s, (uint32_t)(tsc >> 32));
	}
	for (unsigned i = 0; i < nextra; i++)
		put32(s, extra[i]);
}

static void test_parse(void **state)
{
	struct stream s = { .n = 0 };
	uint32_t ex[7] = { 1, 2, 3, 4, 5, 6, 7 };
	rec(&s, 0x00021011, true, UINT64_C(0x123456789a), 1, ex);
	rec(&s, 0x0002800e, false, 0, 3, ex);
	rec(&s, 0x0001f002, true, UINT64_C(0x123456789b), 7, ex);
	rec(&s, 0x00000001, false, 0, 0, NULL);

	struct els_xentrace_parser p;
	struct els_xentrace_rec r;
	els_xentrace_parser_init(&p, s.b, s.n, 3);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(r.event, 0x00021011);
	assert_true(r.has_tsc);
	assert_true(r.tsc == UINT64_C(0x123456789a));
	assert_int_equal(r.nextra, 1);
	assert_int_equal(r.extra[0], 1);
	assert_int_equal(r.cpu, 3);
	assert_int_equal(r.size, 16);
	assert_int_equal(r.seq, 0);

	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(r.event, 0x0002800e);
	assert_false(r.has_tsc);
	/* Without its own: the last one of the stream. */
	assert_true(r.tsc == UINT64_C(0x123456789a));
	assert_int_equal(r.nextra, 3);
	assert_int_equal(r.extra[2], 3);
	assert_int_equal(r.size, 16);

	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(r.nextra, 7);
	assert_int_equal(r.extra[6], 7);
	assert_int_equal(r.size, 40);
	assert_string_equal(els_xentrace_event_name(r.event), "wrap_buffer");

	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(r.size, 4);
	assert_int_equal(r.seq, 3);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_END);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_END);
	assert_int_equal(p.off, s.n);

	/* Every cut short of the whole is a partial record, never a read
	 * past the end; the parser stays at the record's start. */
	for (size_t cut = 1; cut < 16; cut++) {
		els_xentrace_parser_init(&p, s.b, cut, 0);
		assert_int_equal(els_xentrace_next(&p, &r),
				 ELS_XENTRACE_TRUNCATED);
		assert_int_equal(p.off, 0);
	}
	els_xentrace_parser_init(&p, s.b, 16 + 5, 0);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_TRUNCATED);
	assert_int_equal(p.off, 16);

	/* Nothing at all. */
	els_xentrace_parser_init(&p, NULL, 100, 0);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_END);
	/* Garbage: 0xff bytes claim 7 extras and a timestamp (40 bytes). */
	uint8_t junk[64];
	memset(junk, 0xff, sizeof(junk));
	els_xentrace_parser_init(&p, junk, sizeof(junk), 0);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_REC);
	assert_int_equal(r.size, 40);
	assert_int_equal(els_xentrace_next(&p, &r), ELS_XENTRACE_TRUNCATED);
}

static uint32_t rs_event(unsigned old, unsigned new)
{
	return ELS_TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4;
}

static struct els_xentrace_rec rs(unsigned cpu, uint64_t tsc, unsigned dom,
				  unsigned vcpu, unsigned old, unsigned new)
{
	static uint64_t seq;
	struct els_xentrace_rec r = {
		.event = rs_event(old, new),
		.nextra = 1,
		.has_tsc = true,
		.tsc = tsc,
		.cpu = cpu,
		.size = 16,
		.seq = seq++,
	};
	r.extra[0] = (uint32_t)dom << 16 | vcpu;
	return r;
}

#define RUN ELS_XEN_RUNSTATE_RUNNING
#define RBL ELS_XEN_RUNSTATE_RUNNABLE
#define BLK ELS_XEN_RUNSTATE_BLOCKED
#define IDLE ELS_XEN_DOMID_IDLE

/* The one event of that kind on that pcpu (or vm/vcpu) starting at ts. */
static const struct els_event *find(const struct els_events *e,
				    enum els_ev_kind kind, int pcpu,
				    int32_t vm, int32_t vcpu, uint64_t ts)
{
	const struct els_event *hit = NULL;
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		if (ev->kind != kind || ev->ts != ts || ev->vm != vm ||
		    ev->vcpu != vcpu || (pcpu >= 0 && ev->pcpu != pcpu))
			continue;
		assert_null(hit);
		hit = ev;
	}
	assert_non_null(hit);
	return hit;
}

static size_t count(const struct els_events *e, enum els_ev_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < e->n; i++)
		n += e->ev[i].kind == kind;
	return n;
}

static void test_sched(void **state)
{
	struct els_events e;
	struct els_xensched s;
	els_events_init(&e);
	e.freq = 1000;
	els_xensched_init(&s, &e, 100);

	struct els_xentrace_rec r[] = {
		/* pCPU 0 ran d0v0 since before t0; it blocks at 150, idle
		 * runs; d1v0 is woken by pCPU 0 at 160, d1v0 runs at 170. */
		rs(0, 150, 0, 0, RUN, BLK),
		rs(0, 150, IDLE, 0, RBL, RUN),
		rs(0, 160, 1, 0, BLK, RBL),
		rs(0, 170, IDLE, 0, RUN, RBL),
		rs(0, 170, 1, 0, RBL, RUN),
		/* pCPU 1: d0v1 runnable since before t0, runs at 120 after
		 * d1v1... no: idle v1 runs until 120. */
		rs(1, 120, IDLE, 1, RUN, RBL),
		rs(1, 120, 0, 1, RBL, RUN),
		/* d0v0 wakes at 200, waits, runs at 250 on pCPU 1 after
		 * d0v1 is preempted (runnable again). */
		rs(0, 200, 0, 0, BLK, RBL),
		rs(1, 250, 0, 1, RUN, RBL),
		rs(1, 250, 0, 0, RBL, RUN),
	};
	size_t n = sizeof(r) / sizeof(r[0]);
	els_xentrace_sort(r, n);
	for (size_t i = 1; i < n; i++)
		assert_true(r[i - 1].tsc <= r[i].tsc);
	for (size_t i = 0; i < n; i++)
		expect_ok(els_xensched_feed(&s, &r[i]));
	/* A record older than t0 is left out. */
	struct els_xentrace_rec old = rs(0, 50, 0, 0, RUN, BLK);
	expect_ok(els_xensched_feed(&s, &old));
	assert_int_equal(s.ignored, 1);
	expect_ok(els_xensched_finish(&s, 300));
	assert_int_equal(e.t0, 100);
	assert_int_equal(e.t1, 300);
	assert_int_equal(e.npcpus, 2);

	const struct els_event *ev;
	/* pCPU 0: d0v0 [100, 150), idle [150, 170), d1v0 [170, 300). */
	ev = find(&e, ELS_EV_RUN, 0, 0, 0, 100);
	assert_int_equal(ev->dur, 50);
	assert_int_equal(ev->level, ELS_LVL_KERNEL);
	ev = find(&e, ELS_EV_RUN, 0, ELS_EV_NONE, 0, 150);
	assert_int_equal(ev->dur, 20);
	assert_int_equal(ev->level, ELS_LVL_IDLE);
	ev = find(&e, ELS_EV_RUN, 0, 1, 0, 170);
	assert_int_equal(ev->dur, 130);
	/* pCPU 1: idle [100, 120), d0v1 [120, 250), d0v0 [250, 300). */
	ev = find(&e, ELS_EV_RUN, 1, ELS_EV_NONE, 1, 100);
	assert_int_equal(ev->dur, 20);
	ev = find(&e, ELS_EV_RUN, 1, 0, 1, 120);
	assert_int_equal(ev->dur, 130);
	ev = find(&e, ELS_EV_RUN, 1, 0, 0, 250);
	assert_int_equal(ev->dur, 50);
	assert_int_equal(count(&e, ELS_EV_RUN), 6);

	/* Waits: d1v0 [160, 170), d0v1 [100, 120) (runnable before t0),
	 * d0v0 [200, 250), d0v1 again [250, 300) open at the end. */
	ev = find(&e, ELS_EV_WAIT, -1, 1, 0, 160);
	assert_int_equal(ev->dur, 10);
	assert_int_equal(ev->pcpu, 0);
	ev = find(&e, ELS_EV_WAIT, -1, 0, 1, 100);
	assert_int_equal(ev->dur, 20);
	ev = find(&e, ELS_EV_WAIT, -1, 0, 0, 200);
	assert_int_equal(ev->dur, 50);
	assert_int_equal(ev->pcpu, 1);
	ev = find(&e, ELS_EV_WAIT, -1, 0, 1, 250);
	assert_int_equal(ev->dur, 50);
	assert_int_equal(count(&e, ELS_EV_WAIT), 4);
	/* Wakes: blocked -> runnable of d1v0 and d0v0. */
	find(&e, ELS_EV_WAKE, 0, 1, 0, 160);
	find(&e, ELS_EV_WAKE, 0, 0, 0, 200);
	assert_int_equal(count(&e, ELS_EV_WAKE), 2);

	/* Each pCPU's runs cover [t0, t1] exactly. */
	for (unsigned c = 0; c < 2; c++) {
		uint64_t sum = 0;
		for (size_t i = 0; i < e.n; i++) {
			if (e.ev[i].kind == ELS_EV_RUN && e.ev[i].pcpu == c)
				sum += e.ev[i].dur;
		}
		assert_int_equal(sum, 200);
	}
	els_xensched_deinit(&s);
	els_events_deinit(&e);
}

static void test_lost(void **state)
{
	struct els_events e;
	struct els_xensched s;
	els_events_init(&e);
	e.freq = 1000;
	els_xensched_init(&s, &e, 0);
	struct els_xentrace_rec a = rs(0, 10, 2, 0, RBL, RUN);
	expect_ok(els_xensched_feed(&s, &a));
	/* 7 records lost from 40 on: d2v0's span ends at 40. */
	struct els_xentrace_rec l = {
		.event = ELS_TRC_LOST_RECORDS,
		.nextra = 4,
		.has_tsc = true,
		.tsc = 60,
		.cpu = 0,
		.extra = { 7, 0, 40, 0 },
	};
	expect_ok(els_xensched_feed(&s, &l));
	/* What ran after is not known until the next switch. */
	struct els_xentrace_rec b = rs(0, 80, 2, 0, RUN, BLK);
	struct els_xentrace_rec c = rs(0, 80, IDLE, 0, RBL, RUN);
	expect_ok(els_xensched_feed(&s, &b));
	expect_ok(els_xensched_feed(&s, &c));
	/* Records of an absurd CPU are counted, not used. */
	struct els_xentrace_rec d = rs(9999, 90, 2, 0, RUN, BLK);
	expect_ok(els_xensched_feed(&s, &d));
	/* A runstate record without its extra word is ignored. */
	struct els_xentrace_rec f = rs(0, 90, 2, 0, RUN, BLK);
	f.nextra = 0;
	expect_ok(els_xensched_feed(&s, &f));
	assert_int_equal(s.ignored, 2);
	expect_ok(els_xensched_finish(&s, 100));

	assert_int_equal(s.lost, 7);
	const struct els_event *ev = find(&e, ELS_EV_RUN, 0, 2, 0, 10);
	assert_int_equal(ev->dur, 30);
	ev = find(&e, ELS_EV_LOST, 0, ELS_EV_NONE, ELS_EV_NONE, 40);
	assert_string_equal(els_events_string(&e, ev->name),
			    "7 records lost");
	ev = find(&e, ELS_EV_RUN, 0, ELS_EV_NONE, 0, 80);
	assert_int_equal(ev->dur, 20);
	assert_int_equal(count(&e, ELS_EV_RUN), 2);
	els_xensched_deinit(&s);
	els_events_deinit(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_sched),
		cmocka_unit_test(test_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
