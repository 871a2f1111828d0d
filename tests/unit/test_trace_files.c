/* SPDX-License-Identifier: MIT */
/*
 * Trace files: xentrace files built here (windows of two CPUs, records
 * with and without cycle counts, every kind of damage) and a real
 * trace.dat (tests/data/sched.dat: 268 sched_switch and 153 sched_wakeup
 * records of a Linux host, as `trace-cmd report` counts them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "view/tracecmd_file.h"
#include "view/xentrace_file.h"
#include "testutil.h"

#ifndef ELS_TEST_DATA
#define ELS_TEST_DATA "tests/data"
#endif

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put32(struct buf *s, uint32_t v)
{
	assert_true(s->n + 4 <= sizeof(s->b));
	for (int i = 0; i < 4; i++)
		s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

/* A runstate change of d<dom>v<vcpu> from old to new at tsc. */
static void runstate(struct buf *s, uint64_t tsc, unsigned dom,
		     unsigned vcpu, unsigned old, unsigned new_)
{
	put32(s, 0x80000000u | 1u << 28 | 0x00021001u | old << 8 | new_ << 4);
	put32(s, (uint32_t)tsc);
	put32(s, (uint32_t)(tsc >> 32));
	put32(s, dom << 16 | vcpu);
}

static void window(struct buf *f, unsigned cpu, const struct buf *w)
{
	put32(f, ELS_XENTRACE_CPU_CHANGE_HDR);
	put32(f, cpu);
	put32(f, (uint32_t)w->n);
	assert_true(f->n + w->n <= sizeof(f->b));
	memcpy(f->b + f->n, w->b, w->n);
	f->n += w->n;
}

static const struct els_event *find(const struct els_events *e, uint8_t kind,
				    int32_t vm, int32_t vcpu, uint64_t ts)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->ev[i].kind == kind && e->ev[i].vm == vm &&
		    e->ev[i].vcpu == vcpu && e->ev[i].ts == ts)
			return &e->ev[i];
	return NULL;
}

/*
 * CPU 0: idle runs, d1v0 wakes (blocked -> runnable) at 1000 from CPU 1,
 * runs on CPU 0 from 1500 to 4000. A record without cycles in between
 * and a second window of CPU 0 after one of CPU 1.
 */
static void build_two_cpus(struct buf *f)
{
	struct buf w0 = { 0 }, w1 = { 0 }, w0b = { 0 };
	runstate(&w0, 500, 0x7fff, 0, 1, 0);  /* idle0 runs */
	runstate(&w0, 1500, 0x7fff, 0, 0, 1); /* idle0 leaves */
	runstate(&w0, 1500, 1, 0, 1, 0);      /* d1v0 runs */
	put32(&w0, 0x0002800eu | 1u << 28);   /* no cycles: a record we skip */
	put32(&w0, 42);
	runstate(&w1, 1000, 1, 0, 2, 1);      /* d1v0 woken, from CPU 1 */
	runstate(&w1, 1200, 0, 1, 0, 2);      /* d0v1 blocks on CPU 1 */
	runstate(&w0b, 4000, 1, 0, 0, 2);     /* d1v0 blocks */
	runstate(&w0b, 4000, 0x7fff, 0, 1, 0);
	window(f, 0, &w0);
	window(f, 1, &w1);
	window(f, 0, &w0b);
}

static void test_xentrace_two_cpus(void **state)
{
	struct buf f = { 0 };
	build_two_cpus(&f);
	struct els_events e;
	els_events_init(&e);
	expect_ok(els_xentrace_buf_read(f.b, f.n, "t", &e));
	assert_int_equal(e.freq, ELS_XENTRACE_DEFAULT_FREQ);
	assert_non_null(strstr(e.clock_note, "assumed"));
	assert_int_equal(e.npcpus, 2);
	assert_int_equal(e.t0, 500);
	assert_int_equal(e.t1, 4000);
	const struct els_event *run = find(&e, ELS_EV_RUN, 1, 0, 1500);
	assert_non_null(run);
	assert_int_equal(run->dur, 2500);
	assert_int_equal(run->pcpu, 0);
	const struct els_event *wait = find(&e, ELS_EV_WAIT, 1, 0, 1000);
	assert_non_null(wait);
	assert_int_equal(wait->dur, 500);
	assert_non_null(find(&e, ELS_EV_WAKE, 1, 0, 1000));
	els_events_deinit(&e);
}

/* The frequency the caller gives is kept and said. */
static void test_xentrace_freq(void **state)
{
	struct buf f = { 0 };
	build_two_cpus(&f);
	struct els_events e;
	els_events_init(&e);
	e.freq = 100000000;
	expect_ok(els_xentrace_buf_read(f.b, f.n, "t", &e));
	assert_int_equal(e.freq, 100000000);
	assert_non_null(strstr(e.clock_note, "100000000 Hz (given)"));
	els_events_deinit(&e);
}

static void expect_bad(const struct buf *f, const char *substr)
{
	struct els_events e;
	els_events_init(&e);
	struct els_error *err = els_xentrace_buf_read(f->b, f->n, "bad", &e);
	check_error(err, ELS_ERR_INVALID, substr);
	assert_null(strchr(err->message, '\n'));
	els_error_destroy(err);
	els_events_deinit(&e);
}

static void test_xentrace_damage(void **state)
{
	struct buf good = { 0 }, f;
	build_two_cpus(&good);

	/* Cut anywhere: an error (or a whole file), never a crash. */
	for (size_t n = 1; n < good.n; n++) {
		struct els_events e;
		els_events_init(&e);
		els_error_destroy(els_xentrace_buf_read(good.b, n, "cut", &e));
		els_events_deinit(&e);
	}
	f = good;
	f.n = 20;
	expect_bad(&f, "truncated");
	f.n = 8;
	expect_bad(&f, "window header at offset 0: truncated");

	/* A window larger than the file. */
	f = (struct buf){ 0 };
	put32(&f, ELS_XENTRACE_CPU_CHANGE_HDR);
	put32(&f, 0);
	put32(&f, 64);
	put32(&f, 0);
	expect_bad(&f, "64 bytes, only 4 in the file: truncated");

	/* Absurd size. */
	f = (struct buf){ 0 };
	put32(&f, ELS_XENTRACE_CPU_CHANGE_HDR);
	put32(&f, 0);
	put32(&f, 0xfffffff0u);
	expect_bad(&f, "is absurd");

	/* CPU out of range. */
	f = (struct buf){ 0 };
	put32(&f, ELS_XENTRACE_CPU_CHANGE_HDR);
	put32(&f, 0xffffffffu);
	put32(&f, 0);
	expect_bad(&f, "cpu -1 out of range");

	/* A record cut by its window's end. */
	f = (struct buf){ 0 };
	struct buf w = { 0 };
	runstate(&w, 10, 0, 0, 2, 0);
	w.n -= 4;
	window(&f, 0, &w);
	expect_bad(&f, "needs 16 bytes, 12 left in its window: truncated");

	/* Not a xentrace file. */
	f = (struct buf){ 0 };
	memcpy(f.b, "\x17\x08\x44tracing6", 12);
	f.n = 12;
	expect_bad(&f, "not a CPU-change record");
	f.n = 0;
	expect_bad(&f, "empty");
}

/* write_window writes what the reader reads. */
static void test_xentrace_write(void **state)
{
	struct buf w = { 0 }, f = { 0 };
	runstate(&w, 100, 2, 3, 2, 1);
	runstate(&w, 300, 2, 3, 1, 0);
	runstate(&w, 900, 2, 3, 0, 2);
	char path[] = "/tmp/els-test-xentrace-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *fp = fdopen(fd, "wb");
	assert_non_null(fp);
	expect_ok(els_xentrace_write_window(fp, 5, w.b, w.n));
	assert_int_equal(fclose(fp), 0);
	window(&f, 5, &w);
	FILE *rp = fopen(path, "rb");
	uint8_t back[sizeof(f.b)];
	size_t n = fread(back, 1, sizeof(back), rp);
	fclose(rp);
	assert_int_equal(n, f.n);
	assert_memory_equal(back, f.b, f.n);

	struct els_events e;
	els_events_init(&e);
	expect_ok(els_xentrace_file_read(path, &e));
	const struct els_event *run = find(&e, ELS_EV_RUN, 2, 3, 300);
	assert_non_null(run);
	assert_int_equal(run->dur, 600);
	assert_int_equal(run->pcpu, 5);
	els_events_deinit(&e);
	unlink(path);
	els_events_init(&e);
	expect_error(els_xentrace_file_read(path, &e), ELS_ERR_IO,
		     path);
	els_events_deinit(&e);
}

static void test_tracecmd_real(void **state)
{
	struct els_events e;
	els_events_init(&e);
	struct els_error *err =
		els_tracecmd_file_read(ELS_TEST_DATA "/sched.dat", &e);
	if (!els_tracecmd_supported()) {
		expect_error(err, ELS_ERR_UNSUPPORTED, "without libtracecmd");
		els_events_deinit(&e);
		skip();
	}
	expect_ok(err);
	assert_int_equal(e.freq, 1000000000);
	assert_int_equal(e.npcpus, 2);
	size_t run = 0, wake = 0, idle = 0;
	for (size_t i = 0; i < e.n; i++) {
		const struct els_event *ev = &e.ev[i];
		assert_true(ev->ts >= e.t0 && ev->ts + ev->dur <= e.t1);
		assert_int_equal(ev->vm, ELS_EV_NONE);
		if (ev->kind == ELS_EV_RUN) {
			run++;
			if (ev->pid == 0) {
				idle++;
				assert_int_equal(ev->level, ELS_LVL_IDLE);
				assert_memory_equal(
					els_events_string(&e, ev->name),
					"swapper/", 8);
			}
		}
		if (ev->kind == ELS_EV_WAKE)
			wake++;
	}
	/*
	 * One span per switch, and what runs at the end on CPU 1 (CPU 0's
	 * last switch is the file's last record: nothing ran after it).
	 */
	assert_int_equal(run, 268 + 1);
	assert_int_equal(wake, 153);
	assert_true(idle > 0);
	els_events_deinit(&e);
}

static void test_tracecmd_bad(void **state)
{
	struct els_events e;
	els_events_init(&e);
	char path[] = "/tmp/els-test-tracedat-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* The magic and then nothing: libtracecmd refuses it. */
	assert_int_equal(write(fd, "\x17\x08\x44tracing6\0", 13), 13);
	close(fd);
	struct els_error *err = els_tracecmd_file_read(path, &e);
	if (els_tracecmd_supported())
		check_error(err, ELS_ERR_INVALID, "could not open it");
	els_error_destroy(err);
	/*
	 * A damaged file on which tracecmd_open() crashed libtracecmd 1.3.1
	 * (fuzz_tracecmd): now an error.
	 */
	err = els_tracecmd_file_read(ELS_TEST_DATA "/tracedat-crash-open.dat",
				     &e);
	if (els_tracecmd_supported())
		check_error(err, ELS_ERR_INVALID, "could not load its records");
	els_error_destroy(err);
	expect_error(els_tracecmd_file_read("/nonexistent.dat", &e),
		     ELS_ERR_IO, "/nonexistent.dat");
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "hello world!", 12), 12);
	close(fd);
	expect_error(els_tracecmd_file_read(path, &e),
		     els_tracecmd_supported() ? ELS_ERR_INVALID
					      : ELS_ERR_UNSUPPORTED,
		     els_tracecmd_supported() ? "not a trace-cmd" : "libtracecmd");
	unlink(path);
	els_events_deinit(&e);
}

/*
 * A trace.dat whose records do not load leaves libtracecmd's handle open
 * (closing it crashes libtracecmd 1.3.1, see tracecmd_file.c): the memory
 * of that handle, libtraceevent's and libtracecmd's own, is left out of
 * LeakSanitizer's report under ASan. Leaks of ours are still reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracecmd.so\n";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xentrace_two_cpus),
		cmocka_unit_test(test_xentrace_freq),
		cmocka_unit_test(test_xentrace_damage),
		cmocka_unit_test(test_xentrace_write),
		cmocka_unit_test(test_tracecmd_real),
		cmocka_unit_test(test_tracecmd_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
