/* SPDX-License-Identifier: MIT */
/*
 * The ftrace data page decoder on a real page of the lab's kernel
 * (tests/data/ftrace_page.bin: CPU 1's page as elscope read it, checked
 * against an independent decoding: 70 entries, 45 sched_switch, 25
 * sched_wakeup) and on pages built here (time extends, absolute stamps,
 * long events, discarded events, the end of the data, damage), and the
 * conversion of records to the event model. The layout is Linux 6.1's (as
 * its BTF says).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/ftrace.h"
#include "testutil.h"
#include "../ftrace_layout.h"

#ifndef ELS_TEST_DATA
#define ELS_TEST_DATA "tests/data"
#endif

struct got {
	struct els_ftrace_record r[256];
	size_t n;
};

static int keep(const struct els_ftrace_record *r, void *arg)
{
	struct got *g = arg;
	if (g->n < 256)
		g->r[g->n++] = *r;
	return 0;
}

static void test_lab_page(void **state)
{
	(void)state;
	static uint8_t page[4096];
	FILE *f = fopen(ELS_TEST_DATA "/ftrace_page.bin", "rb");
	assert_non_null(f);
	assert_int_equal(fread(page, 1, sizeof(page), f), sizeof(page));
	fclose(f);
	struct els_ftrace_layout l = els_test_ftrace_layout();
	static struct got g;
	struct els_ftrace_page_stats st = { 0 };
	bool stopped;
	expect_ok(els_ftrace_parse_page(&l, page, sizeof(page), 0, 1, keep, &g,
					&st, &stopped));
	assert_int_equal(g.n, 70);
	size_t sw = 0, wk = 0;
	for (size_t i = 0; i < g.n; i++) {
		sw += g.r[i].kind == ELS_FTRACE_SWITCH;
		wk += g.r[i].kind == ELS_FTRACE_WAKEUP;
		assert_int_equal(g.r[i].cpu, 1);
		if (i)
			assert_true(g.r[i].ts >= g.r[i - 1].ts);
	}
	assert_int_equal(sw, 45);
	assert_int_equal(wk, 25);
	assert_int_equal(g.r[0].ts, 276303414704ull);
	assert_int_equal(g.r[0].pid, 107);
	assert_string_equal(g.r[0].prev_comm, "mtwork-w3");
	assert_int_equal(g.r[69].ts, 276608019600ull);
	assert_int_equal(g.r[69].kind, ELS_FTRACE_WAKEUP);
	assert_string_equal(g.r[69].comm, "mtwork-w2");
}

/* A page under construction. */
struct pg {
	uint8_t b[4096];
	size_t off; /* in data[] */
};

static void put32(struct pg *p, uint32_t v)
{
	memcpy(p->b + 16 + p->off, &v, 4);
	p->off += 4;
}

static void hdr(struct pg *p, unsigned type_len, uint32_t delta)
{
	put32(p, type_len | delta << 5);
}

static void wakeup(struct pg *p, uint32_t delta, int pid, const char *comm,
		   bool long_form)
{
	uint8_t e[36] = { 0 };
	uint16_t type = 266;
	int32_t cur = 7, target = 1;
	memcpy(e, &type, 2);
	memcpy(e + 4, &cur, 4);
	strncpy((char *)e + 8, comm, 16);
	memcpy(e + 24, &pid, 4);
	memcpy(e + 32, &target, 4);
	if (long_form) {
		hdr(p, 0, delta);
		put32(p, sizeof(e) + 4);
	} else {
		hdr(p, sizeof(e) / 4, delta);
	}
	memcpy(p->b + 16 + p->off, e, sizeof(e));
	p->off += sizeof(e);
}

static void finish(struct pg *p, uint64_t ts)
{
	uint64_t commit = p->off;
	memcpy(p->b, &ts, 8);
	memcpy(p->b + 8, &commit, 8);
}

static void test_built_page(void **state)
{
	(void)state;
	struct els_ftrace_layout l = els_test_ftrace_layout();
	struct pg p = { 0 };
	wakeup(&p, 10, 100, "a", false);       /* 1000 + 10 */
	hdr(&p, 30, 5);                        /* extend: + (2 << 27) + 5 */
	put32(&p, 2);
	wakeup(&p, 0, 101, "bb", true);        /* long form */
	hdr(&p, 29, 3);                        /* a discarded event: 12 bytes */
	put32(&p, 8);
	put32(&p, 0xdeadbeef);
	hdr(&p, 31, 7);                        /* absolute: 7 + (1 << 27) */
	put32(&p, 1);
	wakeup(&p, 1, 102, "0123456789abcdefXX", false);
	size_t end = p.off;
	hdr(&p, 29, 0);                        /* the rest is unused */
	wakeup(&p, 1, 999, "never", false);
	finish(&p, 1000);
	struct got g = { 0 };
	struct els_ftrace_page_stats st = { 0 };
	bool stopped;
	expect_ok(els_ftrace_parse_page(&l, p.b, sizeof(p.b), 0, 0, keep, &g,
					&st, &stopped));
	assert_int_equal(g.n, 3);
	assert_int_equal(g.r[0].ts, 1010);
	assert_int_equal(g.r[0].wpid, 100);
	assert_string_equal(g.r[0].comm, "a");
	assert_int_equal(g.r[1].ts, 1010 + (2ull << 27) + 5);
	assert_int_equal(g.r[1].wpid, 101);
	assert_int_equal(g.r[1].kind, ELS_FTRACE_WAKEUP);
	assert_int_equal(g.r[2].ts, (1ull << 27) + 7 + 1);
	assert_string_equal(g.r[2].comm, "0123456789abcdef");
	assert_int_equal(st.padding, 1);
	assert_int_equal(st.extends, 1);
	assert_int_equal(st.stamps, 1);
	(void)end;

	/* start: the consumed part is walked for time, not given. */
	memset(&g, 0, sizeof(g));
	expect_ok(els_ftrace_parse_page(&l, p.b, sizeof(p.b), 40, 0, keep, &g,
					&st, &stopped));
	assert_int_equal(g.n, 2);
	assert_int_equal(g.r[0].ts, 1010 + (2ull << 27) + 5);

	/* An event running past the commit: the ones before stay given. */
	uint64_t commit = 60;
	memcpy(p.b + 8, &commit, 8);
	memset(&g, 0, sizeof(g));
	expect_error(els_ftrace_parse_page(&l, p.b, sizeof(p.b), 0, 0, keep,
					   &g, &st, &stopped),
		     ELS_ERR_INVALID, "runs past its commit");
	assert_int_equal(g.n, 1);

	/* A commit beyond the page. */
	commit = 4096;
	memcpy(p.b + 8, &commit, 8);
	expect_error(els_ftrace_parse_page(&l, p.b, sizeof(p.b), 0, 0, keep,
					   &g, &st, &stopped),
		     ELS_ERR_INVALID, "more than its 4080");
	/* The reader's flags above the length are not a length. */
	commit = (1ull << 31) | 40;
	memcpy(p.b + 8, &commit, 8);
	memset(&g, 0, sizeof(g));
	expect_ok(els_ftrace_parse_page(&l, p.b, sizeof(p.b), 0, 0, keep, &g,
					&st, &stopped));
	assert_int_equal(g.n, 1);
	/* A long event whose length is less than its length word. */
	struct pg q = { 0 };
	hdr(&q, 0, 1);
	put32(&q, 2);
	put32(&q, 0);
	finish(&q, 5);
	expect_error(els_ftrace_parse_page(&l, q.b, sizeof(q.b), 0, 0, keep,
					   &g, &st, &stopped),
		     ELS_ERR_INVALID, "runs past");
}

static struct els_ftrace_record sw(uint64_t ts, unsigned cpu, int prev,
				   const char *pc, long state, int next,
				   const char *nc)
{
	struct els_ftrace_record r = { .ts = ts, .cpu = cpu,
				       .kind = ELS_FTRACE_SWITCH,
				       .prev_pid = prev, .prev_state = state,
				       .next_pid = next };
	strcpy(r.prev_comm, pc);
	strcpy(r.next_comm, nc);
	return r;
}

static void test_events(void **state)
{
	(void)state;
	struct els_ftrace_record r[4] = {
		sw(100, 0, 0, "swapper/0", 0, 5, "busy"),
		sw(300, 0, 5, "busy", 0, 6, "sh"),    /* busy preempted */
		{ .ts = 350, .cpu = 1, .kind = ELS_FTRACE_WAKEUP, .wpid = 7,
		  .target_cpu = 1, .comm = "cat" },
		sw(400, 0, 6, "sh", 1, 5, "busy"),    /* sh sleeps */
	};
	struct els_events e;
	els_events_init(&e);
	expect_ok(els_ftrace_to_events(r, 4, 1, 500, &e));
	assert_int_equal(e.freq, 1000000000ull);
	assert_int_equal(e.npcpus, 2);
	size_t runs = 0, waits = 0, wakes = 0;
	for (size_t i = 0; i < e.n; i++) {
		const struct els_event *ev = &e.ev[i];
		assert_int_equal(ev->vm, 1);
		if (ev->kind == ELS_EV_RUN) {
			runs++;
			if (ev->ts == 100) {
				assert_int_equal(ev->pid, 5);
				assert_int_equal(ev->dur, 200);
				assert_string_equal(els_events_string(&e, ev->name), "busy");
			} else if (ev->ts == 300) {
				assert_int_equal(ev->pid, 6);
				assert_int_equal(ev->dur, 100);
			} else {
				assert_int_equal(ev->ts, 400);
				assert_int_equal(ev->dur, 100); /* until end */
			}
		} else if (ev->kind == ELS_EV_WAIT) {
			waits++;
			if (ev->pid == 5) {
				assert_int_equal(ev->ts, 300);
				assert_int_equal(ev->dur, 100);
			} else {
				assert_int_equal(ev->pid, 7); /* never ran: to end */
				assert_int_equal(ev->ts, 350);
				assert_int_equal(ev->dur, 150);
			}
		} else if (ev->kind == ELS_EV_WAKE) {
			wakes++;
			assert_int_equal(ev->pid, 7);
			assert_int_equal(ev->pcpu, 1);
		}
	}
	assert_int_equal(runs, 3);
	assert_int_equal(waits, 2);
	assert_int_equal(wakes, 1);
	els_events_deinit(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_page),
		cmocka_unit_test(test_built_page),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
