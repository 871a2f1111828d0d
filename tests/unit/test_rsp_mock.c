/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote client (target/rsp.c) and the target layer over it, against
 * the scripted stub of mockstub.c: first a session as with QEMU 7.2, then
 * every way a stub can misbehave, each with the error it must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "testutil.h"

#include "core/reader.h"
#include "target/target.h"
#include "mockstub.h"

/* Timeouts of failing tests, and how long elscope may take to give up. */
#define SHORT_TIMEOUT_MS 300
#define GIVE_UP_BOUND_MS 3000
/* Tests that should not wait at all use a long timeout to show it. */
#define LONG_TIMEOUT_MS 2000

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct mockstub *start(const struct mockstub_rule *rules, size_t n)
{
	struct mockstub *m = mockstub_start(rules, n);
	assert_non_null(m);
	return m;
}

static struct els_target *open_ok(struct mockstub *m, int timeout_ms)
{
	struct els_target *t = NULL;
	struct els_error *err =
		els_target_open(mockstub_spec(m), timeout_ms, &t);
	if (err)
		fail_msg("opening %s: %s", mockstub_spec(m), err->message);
	assert_non_null(t);
	return t;
}

static void close_ok(struct els_target *t)
{
	expect_ok(els_target_close(t));
}

/* Open must fail within the bound; returns how long it took. */
static int64_t open_fails(struct mockstub *m, int timeout_ms,
			  enum els_error_code code, const char *substr)
{
	struct els_target *t = NULL;
	int64_t t0 = now_ms();
	struct els_error *err =
		els_target_open(mockstub_spec(m), timeout_ms, &t);
	int64_t elapsed = now_ms() - t0;
	if (!err)
		els_target_close(t);
	expect_error(err, code, substr);
	assert_true(elapsed < GIVE_UP_BOUND_MS);
	/* A half-open session is not detached from. */
	assert_int_equal(mockstub_count(m, "D"), 0);
	return elapsed;
}

static void check_mem(const uint8_t *buf, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != mockstub_mem_byte(off + i))
			fail_msg("byte at offset 0x%llx: 0x%02x, want 0x%02x",
				 (unsigned long long)(off + i), buf[i],
				 mockstub_mem_byte(off + i));
	}
}

static void read_phys_ok(struct els_target *t, uint64_t off, size_t len)
{
	struct els_aspace phys = els_aspace_phys();
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	expect_ok(els_target_read(t, &phys, MOCKSTUB_PHYS_BASE + off, buf, len));
	check_mem(buf, off, len);
	free(buf);
}

static struct els_error *read_phys(struct els_target *t, uint64_t off,
				   size_t len)
{
	struct els_aspace phys = els_aspace_phys();
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	struct els_error *err =
		els_target_read(t, &phys, MOCKSTUB_PHYS_BASE + off, buf, len);
	free(buf);
	return err;
}

static uint64_t reg_u64(struct els_target *t, int cpu, const char *name)
{
	uint64_t v = 0;
	expect_ok(els_target_read_reg_u64(t, cpu, name, &v));
	return v;
}

static const struct els_reg_desc *find_reg(struct els_target *t,
					   const char *name)
{
	const struct els_reg_desc *r = els_target_find_reg(t, name);
	if (!r)
		fail_msg("no register %s", name);
	return r;
}

static void check_reg_desc(struct els_target *t, const char *name,
			   int regnum, unsigned bitsize, const char *feature)
{
	const struct els_reg_desc *r = find_reg(t, name);
	assert_int_equal(r->regnum, regnum);
	assert_int_equal(r->bitsize, bitsize);
	assert_non_null(r->feature);
	assert_string_equal(r->feature, feature);
}

/*
 * A whole session as with QEMU: registers from target.xml, CPUs, register
 * values, physical memory in packets QEMU accepts, the caches, detach.
 */
static void test_happy_path(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);

	/* Registers: included files numbered in order, sysregs as said. */
	assert_int_equal(t->regs.len, MOCKSTUB_NREGS);
	const char *core = "org.gnu.gdb.aarch64.core";
	check_reg_desc(t, "x0", 0, 64, core);
	check_reg_desc(t, "x30", 30, 64, core);
	check_reg_desc(t, "sp", 31, 64, core);
	check_reg_desc(t, "pc", MOCKSTUB_REG_PC, 64, core);
	check_reg_desc(t, "cpsr", MOCKSTUB_REG_CPSR, 32, core);
	const char *fpu = "org.gnu.gdb.aarch64.fpu";
	check_reg_desc(t, "v0", MOCKSTUB_REG_V0, 128, fpu);
	check_reg_desc(t, "fpsr", MOCKSTUB_REG_FPSR, 32, fpu);
	check_reg_desc(t, "fpcr", MOCKSTUB_REG_FPSR + 1, 32, fpu);
	const char *sys = "org.qemu.gdb.arm.sys.regs";
	check_reg_desc(t, "ttbr1_el1", MOCKSTUB_REG_TTBR1_EL1, 64, sys);
	check_reg_desc(t, "Sp_El0", MOCKSTUB_REG_SP_EL0, 64, sys);
	check_reg_desc(t, "VTTBR_EL2", MOCKSTUB_REG_VTTBR_EL2, 64, sys);
	assert_string_equal(find_reg(t, "ttbr1_el1")->name, "TTBR1_EL1");
	assert_string_equal(find_reg(t, "ttbr1_el1")->group, "cp_regs");
	assert_null(els_target_find_reg(t, "ttbr0_el2"));

	/* Two CPUs; the attach stop names the first. */
	assert_int_equal(t->cpus.len, 2);
	assert_int_equal(t->cpus.data[0].thread_id, 1);
	assert_int_equal(t->cpus.data[1].thread_id, 2);
	assert_true(t->has_last_stop);
	assert_int_equal(t->last_stop.cpu, 0);
	assert_int_equal(t->last_stop.signal, 5);
	assert_true(t->can_run);
	assert_false(t->running);

	/* Register values per CPU: core ones from one 'g' per CPU. */
	for (int cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(reg_u64(t, cpu, "pc"),
				 mockstub_reg_value(cpu, MOCKSTUB_REG_PC));
		assert_int_equal(reg_u64(t, cpu, "x7"),
				 mockstub_reg_value(cpu, 7));
		assert_int_equal(reg_u64(t, cpu, "cpsr"),
				 mockstub_reg_value(cpu, MOCKSTUB_REG_CPSR));
		assert_int_equal(reg_u64(t, cpu, "TTBR1_EL1"),
				 mockstub_reg_value(cpu,
						    MOCKSTUB_REG_TTBR1_EL1));
		assert_int_equal(reg_u64(t, cpu, "vttbr_el2"),
				 mockstub_reg_value(cpu,
						    MOCKSTUB_REG_VTTBR_EL2));
		uint8_t v0[16];
		expect_ok(els_target_read_reg(t, cpu, find_reg(t, "v0"), v0));
		uint64_t want = mockstub_reg_value(cpu, MOCKSTUB_REG_V0);
		assert_int_equal(els_le64(v0), want);
		assert_int_equal(els_le64(v0 + 8), ~want);
	}
	assert_int_equal(mockstub_count(m, "g"), 2);
	assert_int_equal(mockstub_count(m, "p"), 6);
	assert_int_equal(mockstub_count(m, "Hg"), 2);
	/* Again: all from the register cache. */
	assert_int_equal(reg_u64(t, 1, "pc"),
			 mockstub_reg_value(1, MOCKSTUB_REG_PC));
	assert_int_equal(reg_u64(t, 0, "TTBR1_EL1"),
			 mockstub_reg_value(0, MOCKSTUB_REG_TTBR1_EL1));
	assert_int_equal(mockstub_count(m, "g"), 2);
	assert_int_equal(mockstub_count(m, "p"), 6);

	/* 64 KiB of physical memory, in 'm' packets of at most 0x800. */
	read_phys_ok(t, 0x10000, 64 * 1024);
	assert_int_equal(mockstub_count(m, "m"), 64 * 1024 / MOCKSTUB_MAX_MEM);
	assert_int_equal(mockstub_max_mem_len(m), MOCKSTUB_MAX_MEM);
	assert_int_equal(mockstub_count(m, "Qqemu.PhyMemMode:1"), 1);

	/*
	 * A read below ELS_CACHE_BYPASS goes through the cache: a second
	 * read of the same bytes (or some of them) asks the stub nothing.
	 */
	unsigned before = mockstub_count(m, "m");
	read_phys_ok(t, 0x20010, 12000);
	unsigned misses = mockstub_count(m, "m") - before;
	assert_true(misses > 0);
	uint64_t hits = t->stats.cache_hits;
	read_phys_ok(t, 0x20010, 12000);
	read_phys_ok(t, 0x20400, 100);
	assert_int_equal(mockstub_count(m, "m"), before + misses);
	assert_true(t->stats.cache_hits > hits);

	/* The target ran: both caches are dropped. */
	expect_ok(els_target_resume(t));
	assert_true(t->running);
	assert_int_equal(mockstub_count(m, "c"), 1);
	expect_ok(els_target_ensure_halted(t));
	assert_false(t->running);
	assert_int_equal(mockstub_count(m, "\x03"), 1);
	read_phys_ok(t, 0x20010, 12000);
	assert_int_equal(mockstub_count(m, "m"), before + 2 * misses);
	assert_int_equal(reg_u64(t, 1, "pc"),
			 mockstub_reg_value(1, MOCKSTUB_REG_PC));
	assert_int_equal(mockstub_count(m, "g"), 3);

	/* We halted it (attach, then ensure_halted): one 'D' resumes it. */
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	/* QEMU is left in its default memory mode for the next client. */
	int mode0 = mockstub_position(m, "Qqemu.PhyMemMode:0", 1);
	assert_true(mode0 >= 0);
	assert_true(mode0 < mockstub_position(m, "D", 1));
	mockstub_stop(m);
}

static void test_keep_halted(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	read_phys_ok(t, 0, 16);
	t->keep_halted = true;
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 0);
	assert_int_equal(mockstub_count(m, "c"), 0);
	mockstub_stop(m);
}

static void test_breakpoints_removed_on_close(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	expect_ok(els_target_insert_bp(t, ELS_BP_SW, 0xffff800008001000, 4));
	expect_ok(els_target_insert_bp(t, ELS_BP_SW, 0xffff800008002000, 4));
	/* The same one again is kept once. */
	expect_ok(els_target_insert_bp(t, ELS_BP_SW, 0xffff800008001000, 4));
	assert_int_equal(mockstub_count(m, "Z0,ffff800008001000,4"), 1);
	assert_int_equal(mockstub_count(m, "Z0,ffff800008002000,4"), 1);
	assert_int_equal(t->bps.len, 2);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "z0,ffff800008001000,4"), 1);
	assert_int_equal(mockstub_count(m, "z0,ffff800008002000,4"), 1);
	assert_int_equal(mockstub_count(m, "D"), 1);
	assert_true(mockstub_position(m, "z0", 2) <
		    mockstub_position(m, "D", 1));
	mockstub_stop(m);
}

/* Breakpoints are removed from a halted target: close halts it first. */
static void test_close_running_with_breakpoints(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	expect_ok(els_target_insert_bp(t, ELS_BP_SW, 0xffff800008001000, 4));
	expect_ok(els_target_resume(t));
	close_ok(t);
	int halt = mockstub_position(m, "\x03", 1);
	int remove = mockstub_position(m, "z0", 1);
	int detach = mockstub_position(m, "D", 1);
	assert_true(halt >= 0);
	assert_true(halt < remove);
	assert_true(remove < detach);
	mockstub_stop(m);
}

/* The stub dies in the middle of a reply during a long read. */
static void test_closed_mid_reply(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_HALF_CLOSE, .from = 4 },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	struct els_error *err = read_phys(t, 0, 64 * 1024);
	/* It names the first byte that did not arrive. */
	check_error(err, ELS_ERR_CLOSED,
		    "reading physical memory at 0x40001800: connection closed");
	els_error_destroy(err);
	assert_int_equal(mockstub_count(m, "m"), 4);

	/* The connection is known lost: no new wait, no new request. */
	int64_t t0 = now_ms();
	expect_error(read_phys(t, 0x100, 16), ELS_ERR_CLOSED, "lost");
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 0, "pc", &v), ELS_ERR_CLOSED,
		     "lost");
	assert_true(now_ms() - t0 < LONG_TIMEOUT_MS / 4);
	assert_int_equal(mockstub_count(m, "m"), 4);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 0);
	mockstub_stop(m);
}

/* The stub closes the connection instead of answering, during open. */
static void test_closed_during_open(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qqemu.Supported", .action = MOCKSTUB_CLOSE },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	open_fails(m, LONG_TIMEOUT_MS, ELS_ERR_CLOSED, "connection closed");
	mockstub_stop(m);
}

static void test_stall_on_read(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_STALL, .from = 2 },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, SHORT_TIMEOUT_MS);
	read_phys_ok(t, 0, 16);
	int64_t t0 = now_ms();
	struct els_error *err = read_phys(t, 0x1000, 16);
	int64_t elapsed = now_ms() - t0;
	check_error(err, ELS_ERR_TIMEOUT, "no reply");
	assert_non_null(strstr(err->message, "within 300 ms"));
	els_error_destroy(err);
	assert_true(elapsed >= SHORT_TIMEOUT_MS - 50);
	assert_true(elapsed < GIVE_UP_BOUND_MS);
	/* Lost now: later calls fail at once. */
	t0 = now_ms();
	expect_error(read_phys(t, 0x2000, 16), ELS_ERR_TIMEOUT, "lost");
	assert_true(now_ms() - t0 < SHORT_TIMEOUT_MS / 2);
	close_ok(t);
	mockstub_stop(m);
}

static void test_stall_during_open(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qSupported", .action = MOCKSTUB_STALL },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	int64_t elapsed = open_fails(m, SHORT_TIMEOUT_MS, ELS_ERR_TIMEOUT,
				     "qSupported");
	assert_true(elapsed >= SHORT_TIMEOUT_MS - 50);
	mockstub_stop(m);
}

static void test_malformed_mem_replies(void **state)
{
	static const char *const replies[] = {
		"abc",    /* odd length */
		"zz",     /* not hex */
		"0g",     /* not hex, the second digit */
		"",       /* nothing (not an error reply either) */
	};
	for (size_t i = 0; i < ARRAY_SIZE(replies); i++) {
		const struct mockstub_rule rules[] = {
			{ .prefix = "m", .action = MOCKSTUB_REPLY,
			  .text = replies[i] },
		};
		struct mockstub *m = start(rules, ARRAY_SIZE(rules));
		struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
		struct els_error *err = read_phys(t, 0x200, 16);
		check_error(err, ELS_ERR_PROTOCOL, "malformed reply");
		assert_true(err->has_addr);
		els_error_destroy(err);
		close_ok(t);
		mockstub_stop(m);
	}
}

/* More bytes than asked is as wrong as fewer are right. */
static void test_mem_reply_too_long(void **state)
{
	/* 64 KiB + 2: the last packet asks for 2 bytes and gets 4. */
	const struct mockstub_rule rules[] = {
		{ .prefix = "m40010000,2", .action = MOCKSTUB_REPLY,
		  .text = "00112233" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	struct els_error *err = read_phys(t, 0, 64 * 1024 + 2);
	check_error(err, ELS_ERR_PROTOCOL, "malformed reply of 8 characters");
	assert_true(err->has_addr);
	assert_int_equal(err->addr, MOCKSTUB_PHYS_BASE + 64 * 1024);
	els_error_destroy(err);
	assert_int_equal(mockstub_count(m, "m40010000,2"), 1);
	close_ok(t);
	mockstub_stop(m);
}

static void test_reg_reply_wrong_length(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "p", .action = MOCKSTUB_REPLY, .text = "1234" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 0, "TTBR1_EL1", &v),
		     ELS_ERR_PROTOCOL, "TTBR1_EL1: 4 hex digits for 64 bits");
	close_ok(t);
	mockstub_stop(m);
}

static void test_reg_unavailable(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "p40", .action = MOCKSTUB_REPLY,
		  .text = "xxxxxxxxxxxxxxxx" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 1, "TTBR1_EL1", &v),
		     ELS_ERR_UNSUPPORTED, "unavailable");
	/* Not a broken connection: the session goes on. */
	assert_int_equal(reg_u64(t, 1, "SP_EL0"),
			 mockstub_reg_value(1, MOCKSTUB_REG_SP_EL0));
	read_phys_ok(t, 0, 64);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
}

static void test_malformed_stop_reply(void **state)
{
	static const char *const replies[] = {
		"T0", "Q05", "S05x", "T05thread",
	};
	for (size_t i = 0; i < ARRAY_SIZE(replies); i++) {
		const struct mockstub_rule rules[] = {
			{ .prefix = "?", .action = MOCKSTUB_REPLY,
			  .text = replies[i] },
		};
		struct mockstub *m = start(rules, ARRAY_SIZE(rules));
		open_fails(m, LONG_TIMEOUT_MS, ELS_ERR_PROTOCOL,
			   "malformed stop reply");
		mockstub_stop(m);
	}
}

static void test_thread_list_garbage(void **state)
{
	static const struct {
		const char *prefix, *text, *want;
	} cases[] = {
		{ "qfThreadInfo", "junk", "malformed thread list" },
		{ "qfThreadInfo", "m1,zz", "malformed thread id" },
		{ "qsThreadInfo", "m,", "malformed thread id" },
		{ "qfThreadInfo", "l", "no threads" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct mockstub_rule rules[] = {
			{ .prefix = cases[i].prefix,
			  .action = MOCKSTUB_REPLY, .text = cases[i].text },
		};
		struct mockstub *m = start(rules, ARRAY_SIZE(rules));
		open_fails(m, LONG_TIMEOUT_MS, ELS_ERR_PROTOCOL,
			   cases[i].want);
		mockstub_stop(m);
	}
}

static void test_target_xml_malformed(void **state)
{
	static const struct {
		const char *annex, *text, *want;
	} cases[] = {
		/* Not well-formed. */
		{ "qXfer:features:read:target.xml:",
		  "l<target><feature name=\"f\"><reg name=\"x0\" bitsize=\"64\"></target>",
		  "target.xml line 1" },
		/* An internal subset could define entities: refused. */
		{ "qXfer:features:read:target.xml:",
		  "l<?xml version=\"1.0\"?><!DOCTYPE target [<!ENTITY r \"x0\">]>"
		  "<target><feature name=\"f\"><reg name=\"&r;\" bitsize=\"64\"/>"
		  "</feature></target>",
		  "internal DTD subset" },
		/* The same in an included file. */
		{ "qXfer:features:read:aarch64-fpu.xml:",
		  "l<!DOCTYPE feature [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
		  "<feature name=\"f\"><reg name=\"&b;\" bitsize=\"64\"/></feature>",
		  "aarch64-fpu.xml declares an internal DTD subset" },
		/* A register without a size. */
		{ "qXfer:features:read:system-registers.xml:",
		  "l<feature name=\"s\"><reg name=\"TTBR1_EL1\" regnum=\"64\"/></feature>",
		  "without name or bitsize" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct mockstub_rule rules[] = {
			{ .prefix = cases[i].annex,
			  .action = MOCKSTUB_REPLY, .text = cases[i].text },
		};
		struct mockstub *m = start(rules, ARRAY_SIZE(rules));
		open_fails(m, LONG_TIMEOUT_MS, ELS_ERR_INVALID, cases[i].want);
		mockstub_stop(m);
	}
}

static void test_bad_checksums_forever(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_BAD_CHECKSUM },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	int64_t t0 = now_ms();
	expect_error(read_phys(t, 0, 16), ELS_ERR_PROTOCOL, "bad checksums");
	/* It gave up after a few resends, not after a timeout. */
	assert_true(now_ms() - t0 < LONG_TIMEOUT_MS / 2);
	assert_int_equal(mockstub_count(m, "m"), 1);
	close_ok(t);
	mockstub_stop(m);
}

/* A reply garbled once is asked for again ('-') and then used. */
static void test_bad_checksum_once(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_BAD_CHECKSUM_ONCE },
		{ .prefix = "g", .action = MOCKSTUB_BAD_CHECKSUM_ONCE },
		{ .prefix = "p", .action = MOCKSTUB_BAD_CHECKSUM_ONCE },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	/* One packet at a time. */
	read_phys_ok(t, 0x3000, 1024);
	read_phys_ok(t, 0x5000, MOCKSTUB_MAX_MEM);
	assert_int_equal(reg_u64(t, 0, "pc"),
			 mockstub_reg_value(0, MOCKSTUB_REG_PC));
	assert_int_equal(reg_u64(t, 1, "TTBR1_EL1"),
			 mockstub_reg_value(1, MOCKSTUB_REG_TTBR1_EL1));
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
}

/*
 * A garbled reply among several requests in flight cannot be asked for
 * again: the stub resends its last reply, or nothing once the next request
 * came (QEMU). The read must fail rather than put another packet's bytes
 * at this packet's address.
 */
static void test_bad_checksum_in_flight(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_BAD_CHECKSUM_ONCE,
		  .times = 1 },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	uint8_t *buf = malloc(64 * 1024);
	assert_non_null(buf);
	struct els_aspace phys = els_aspace_phys();
	int64_t t0 = now_ms();
	struct els_error *err = els_target_read(t, &phys, MOCKSTUB_PHYS_BASE,
						buf, 64 * 1024);
	if (!err)
		check_mem(buf, 0, 64 * 1024);
	expect_error(err, ELS_ERR_PROTOCOL, "bad checksum");
	assert_true(now_ms() - t0 < LONG_TIMEOUT_MS / 2);
	free(buf);
	close_ok(t);
	mockstub_stop(m);
}

/* The stub returns half of what was asked: the client asks for the rest. */
static void test_short_reads(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_SHORT },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	read_phys_ok(t, 0x40000, 64 * 1024);
	/* Each packet's rest is asked for again, and again cut in half. */
	assert_true(mockstub_count(m, "m") > 2 * 64 * 1024 / MOCKSTUB_MAX_MEM);
	read_phys_ok(t, 0x123, 3);
	read_phys_ok(t, 0x50001, 5000);
	close_ok(t);
	mockstub_stop(m);
}

static void test_run_length_encoding(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_RLE },
		{ .prefix = "g", .action = MOCKSTUB_RLE },
		{ .prefix = "qXfer", .action = MOCKSTUB_RLE },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	assert_int_equal(t->regs.len, MOCKSTUB_NREGS);
	/* Runs of 128 equal digits: far fewer bytes than plain hex. */
	uint64_t in = t->stats.bytes_in;
	read_phys_ok(t, MOCKSTUB_RUNS_OFF, MOCKSTUB_RUNS_LEN);
	assert_true(t->stats.bytes_in - in < MOCKSTUB_RUNS_LEN / 4);
	/* Memory without runs and registers with a few. */
	read_phys_ok(t, 0x1000, 4096);
	for (int cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(reg_u64(t, cpu, "pc"),
				 mockstub_reg_value(cpu, MOCKSTUB_REG_PC));
		assert_int_equal(reg_u64(t, cpu, "x0"),
				 mockstub_reg_value(cpu, 0));
	}
	close_ok(t);
	mockstub_stop(m);
}

/* "$payload#xx", malloc'd. */
static char *framed(const char *payload)
{
	size_t n = strlen(payload);
	char *s = malloc(n + 5);
	assert_non_null(s);
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint8_t)payload[i];
	snprintf(s, n + 5, "$%s#%02x", payload, sum);
	return s;
}

/*
 * Noise between packets, console output ('O') and a stop reply nobody
 * asked for (QEMU sends one to a client attaching to a running VM) come
 * before the replies they delay; none is taken for a reply.
 */
static void test_console_output_and_noise(void **state)
{
	char *out = framed("O48656c6c6f0a"); /* "Hello\n" */
	char *stop = framed("T05thread:02;");
	char *supported = framed("PacketSize=1000;qXfer:features:read+");
	char *phymem = framed("sstepbits;sstep;PhyMemMode");
	char supported_raw[256], phymem_raw[256];
	snprintf(supported_raw, sizeof(supported_raw), "\r\n%s%s%s", stop,
		 out, supported);
	snprintf(phymem_raw, sizeof(phymem_raw), "xyz%s%s", out, phymem);
	const struct mockstub_rule rules[] = {
		{ .prefix = "qSupported", .action = MOCKSTUB_RAW,
		  .text = supported_raw },
		{ .prefix = "qqemu.Supported", .action = MOCKSTUB_RAW,
		  .text = phymem_raw },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	assert_int_equal(t->regs.len, MOCKSTUB_NREGS);
	assert_int_equal(t->last_stop.cpu, 0); /* from '?', not the extra one */
	read_phys_ok(t, 0x9000, 64 * 1024);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
	free(out);
	free(stop);
	free(supported);
	free(phymem);
}

/* A reply longer than any packet may be (1 MiB) ends the session. */
static void test_packet_too_long(void **state)
{
	size_t n = 1024 * 1024 + 16;
	char *huge = malloc(n + 1);
	assert_non_null(huge);
	memset(huge, '0', n);
	huge[n] = '\0';
	const struct mockstub_rule rules[] = {
		{ .prefix = "m", .action = MOCKSTUB_REPLY, .text = huge },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	expect_error(read_phys(t, 0, 16), ELS_ERR_PROTOCOL, "longer than");
	expect_error(read_phys(t, 0x1000, 16), ELS_ERR_PROTOCOL, "lost");
	close_ok(t);
	mockstub_stop(m);
	free(huge);
}

/* A read that runs off the end of RAM: E14 for the packet past it. */
static void test_target_error(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	struct els_error *err = read_phys(t, MOCKSTUB_MEM_SIZE - 0x8000,
					  64 * 1024);
	check_error(err, ELS_ERR_TARGET, "E14");
	assert_true(err->has_addr);
	assert_int_equal(err->addr, MOCKSTUB_PHYS_BASE + MOCKSTUB_MEM_SIZE);
	assert_non_null(strstr(err->message, "0x40100000"));
	els_error_destroy(err);

	/* A small read (through the cache) names its own address. */
	struct els_aspace phys = els_aspace_phys();
	uint8_t buf[16];
	err = els_target_read(t, &phys, 0x3ffffff8, buf, sizeof(buf));
	check_error(err, ELS_ERR_TARGET, "E14");
	assert_true(err->has_addr);
	assert_int_equal(err->addr, 0x3ffffff8);
	els_error_destroy(err);

	/* An error reply is no broken connection. */
	read_phys_ok(t, 0, 4096);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
}

/* No PacketSize: gdb's 400 bytes, so 200 bytes of memory per packet. */
static void test_no_packet_size(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qSupported", .action = MOCKSTUB_REPLY,
		  .text = "qXfer:features:read+;ReverseStep+;ReverseContinue+" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	/* target.xml and its includes come in pieces ('m' replies). */
	assert_int_equal(t->regs.len, MOCKSTUB_NREGS);
	assert_true(mockstub_count(m, "qXfer:features:read:aarch64-core.xml") >
		    2);
	read_phys_ok(t, 0x7000, 3000);
	assert_int_equal(mockstub_max_mem_len(m), 200);
	read_phys_ok(t, 0x8000, 64 * 1024);
	assert_int_equal(mockstub_max_mem_len(m), 200);
	close_ok(t);
	mockstub_stop(m);
}

/* No target description: the 34 AArch64 core registers are assumed. */
static void test_no_target_description(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qSupported", .action = MOCKSTUB_REPLY,
		  .text = "PacketSize=1000" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	assert_int_equal(mockstub_count(m, "qXfer"), 0);
	assert_int_equal(t->regs.len, 34);
	const char *core = "org.gnu.gdb.aarch64.core";
	check_reg_desc(t, "x30", 30, 64, core);
	check_reg_desc(t, "pc", MOCKSTUB_REG_PC, 64, core);
	check_reg_desc(t, "cpsr", MOCKSTUB_REG_CPSR, 32, core);
	assert_null(els_target_find_reg(t, "TTBR1_EL1"));
	assert_int_equal(reg_u64(t, 1, "pc"),
			 mockstub_reg_value(1, MOCKSTUB_REG_PC));
	assert_int_equal(reg_u64(t, 1, "cpsr"),
			 mockstub_reg_value(1, MOCKSTUB_REG_CPSR));
	close_ok(t);
	mockstub_stop(m);
}

/* Not QEMU (or an old one): no physical memory, virtual memory works. */
static void test_no_phymem(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qqemu.Supported", .action = MOCKSTUB_REPLY,
		  .text = "" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	expect_error(read_phys(t, 0, 16), ELS_ERR_UNSUPPORTED, "PhyMemMode");
	expect_error(read_phys(t, 0, 64 * 1024), ELS_ERR_UNSUPPORTED,
		     "PhyMemMode");
	assert_int_equal(mockstub_count(m, "Qqemu.PhyMemMode"), 0);
	assert_int_equal(mockstub_count(m, "m"), 0);

	struct els_aspace virt = els_aspace_cpu_virt(0);
	uint8_t buf[600];
	expect_ok(els_target_read(t, &virt, MOCKSTUB_VIRT_BASE + 0x1234, buf,
			   sizeof(buf)));
	check_mem(buf, 0x1234, sizeof(buf));
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
}

static void test_halt_and_step(void **state)
{
	struct mockstub *m = start(NULL, 0);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	struct els_stop stop;
	expect_ok(els_target_step(t, 1, &stop));
	assert_int_equal(mockstub_count(m, "vCont;s:2"), 1);
	assert_int_equal(stop.reason, ELS_STOP_SIGNAL);
	assert_int_equal(stop.cpu, 1);
	assert_int_equal(stop.signal, 5);

	expect_ok(els_target_resume(t));
	/* Running: nothing comes by itself. */
	expect_ok(els_target_poll(t, 20));
	assert_true(t->running);
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 0, "pc", &v), ELS_ERR_STATE,
		     "running");
	expect_ok(els_target_halt(t, &stop));
	assert_false(t->running);
	assert_int_equal(stop.reason, ELS_STOP_SIGNAL);
	assert_int_equal(stop.signal, 2);
	assert_int_equal(stop.cpu, 1); /* the CPU that was stepped last */
	assert_int_equal(t->last_stop.cpu, 1);
	assert_int_equal(reg_u64(t, 0, "pc"),
			 mockstub_reg_value(0, MOCKSTUB_REG_PC));
	assert_int_equal(reg_u64(t, 1, "pc"),
			 mockstub_reg_value(1, MOCKSTUB_REG_PC));
	close_ok(t);
	mockstub_stop(m);
}

/* A stub without vCont: the CPU is chosen with Hc, then 's'. */
static void test_step_without_vcont(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "vCont?", .action = MOCKSTUB_REPLY, .text = "" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	struct els_stop stop;
	expect_ok(els_target_step(t, 1, &stop));
	assert_int_equal(stop.cpu, 1);
	assert_int_equal(mockstub_count(m, "Hc2"), 1);
	assert_int_equal(mockstub_count(m, "s"), 1);
	assert_int_equal(mockstub_count(m, "vCont;"), 0);
	expect_ok(els_target_step(t, 0, &stop));
	assert_int_equal(stop.cpu, 0);
	assert_int_equal(mockstub_count(m, "Hc1"), 1);
	close_ok(t);
	mockstub_stop(m);
}

/*
 * QEMU keeps the multiprocess thread-id form ("p1.2") that an earlier gdb
 * asked for, and then wants it back.
 */
static void test_multiprocess_thread_ids(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "qfThreadInfo", .action = MOCKSTUB_REPLY,
		  .text = "mp01.01,p01.02" },
		{ .prefix = "?", .action = MOCKSTUB_REPLY,
		  .text = "T05thread:p01.02;" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	assert_int_equal(t->cpus.len, 2);
	assert_int_equal(t->cpus.data[1].thread_id, 2);
	assert_int_equal(t->last_stop.cpu, 1);
	assert_int_equal(reg_u64(t, 1, "pc"),
			 mockstub_reg_value(1, MOCKSTUB_REG_PC));
	assert_int_equal(mockstub_count(m, "Hgp1.2"), 1);
	struct els_stop stop;
	expect_ok(els_target_step(t, 0, &stop));
	assert_int_equal(stop.cpu, 0);
	assert_int_equal(mockstub_count(m, "vCont;s:p1.1"), 1);
	close_ok(t);
	assert_int_equal(mockstub_count(m, "D;1"), 1);
	mockstub_stop(m);
}

static void test_hw_breakpoint_unsupported(void **state)
{
	const struct mockstub_rule rules[] = {
		{ .prefix = "Z1", .action = MOCKSTUB_REPLY, .text = "" },
	};
	struct mockstub *m = start(rules, ARRAY_SIZE(rules));
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	expect_error(els_target_insert_bp(t, ELS_BP_HW, 0xffff800008001000, 4),
		     ELS_ERR_UNSUPPORTED, "(Z1)");
	assert_int_equal(t->bps.len, 0);
	/* The session goes on; software breakpoints still work. */
	expect_ok(els_target_insert_bp(t, ELS_BP_SW, 0xffff800008001000, 4));
	close_ok(t);
	assert_int_equal(mockstub_count(m, "z1"), 0);
	assert_int_equal(mockstub_count(m, "z0"), 1);
	assert_int_equal(mockstub_count(m, "D"), 1);
	mockstub_stop(m);
}

/* A port that is bound but not listening refuses connections. */
static void test_connection_refused(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	char spec[64];
	snprintf(spec, sizeof(spec), "gdb:127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	struct els_target *t = NULL;
	int64_t t0 = now_ms();
	struct els_error *err = els_target_open(spec, SHORT_TIMEOUT_MS, &t);
	assert_true(now_ms() - t0 < GIVE_UP_BOUND_MS);
	check_error(err, ELS_ERR_IO, "connecting to 127.0.0.1:");
	assert_non_null(strstr(err->message, "refused"));
	els_error_destroy(err);
	close(fd);
}

/*
 * A batch (the profiler's round): registers of both CPUs and physical
 * memory, every request sent at once and the replies taken in order; the
 * values are the stub's; one Hg per CPU change, the memory mode switched
 * on and back off inside the batch; a failed item has its own error and
 * leaves the rest and the connection usable.
 */
static void test_batch(void **state)
{
	(void)state;
	static const struct mockstub_rule rules[] = {
		{ "p41", MOCKSTUB_REPLY, "E01", 0, 0 }, /* SP_EL0 (65) fails */
	};
	struct mockstub *m = start(rules, 1);
	struct els_target *t = open_ok(m, LONG_TIMEOUT_MS);
	uint8_t v[6][8] = { { 0 } };
	struct els_batch_item it[6] = {
		{ .is_reg = true, .cpu = 0, .reg = find_reg(t, "pc"), .buf = v[0] },
		{ .is_reg = true, .cpu = 0, .reg = find_reg(t, "TTBR1_EL1"), .buf = v[1] },
		{ .is_reg = true, .cpu = 1, .reg = find_reg(t, "pc"), .buf = v[2] },
		{ .is_reg = true, .cpu = 1, .reg = find_reg(t, "SP_EL0"), .buf = v[3] },
		{ .as = els_aspace_phys(), .addr = MOCKSTUB_PHYS_BASE + 0x100, .len = 8, .buf = v[4] },
		{ .as = els_aspace_phys(), .addr = MOCKSTUB_PHYS_BASE + 0x2000, .len = 8, .buf = v[5] },
	};
	unsigned hg0 = mockstub_count(m, "Hg");
	expect_ok(els_target_batch(t, it, 6));
	assert_null(it[0].err);
	assert_int_equal(els_le64(v[0]), mockstub_reg_value(0, MOCKSTUB_REG_PC));
	assert_int_equal(els_le64(v[1]), mockstub_reg_value(0, MOCKSTUB_REG_TTBR1_EL1));
	assert_int_equal(els_le64(v[2]), mockstub_reg_value(1, MOCKSTUB_REG_PC));
	assert_non_null(it[3].err); /* the stub's E01 */
	els_error_destroy(it[3].err);
	for (int k = 4; k < 6; k++) {
		assert_null(it[k].err);
		uint64_t off = k == 4 ? 0x100 : 0x2000;
		for (int b = 0; b < 8; b++)
			assert_int_equal(v[k][b], mockstub_mem_byte(off + (uint64_t)b));
	}
	assert_true(mockstub_count(m, "Hg") - hg0 <= 2);
	assert_int_equal(mockstub_count(m, "Qqemu.PhyMemMode:1"),
			 mockstub_count(m, "Qqemu.PhyMemMode:0"));
	/* The connection is in step: an ordinary read after it works. */
	assert_int_equal(reg_u64(t, 1, "pc"), mockstub_reg_value(1, MOCKSTUB_REG_PC));
	/* Memory items are physical and small; others fail on their own. */
	struct els_batch_item bad[2] = {
		{ .as = els_aspace_phys(), .addr = MOCKSTUB_PHYS_BASE, .len = 4096, .buf = v[0] },
		{ .is_reg = true, .cpu = 7, .reg = find_reg(t, "pc"), .buf = v[1] },
	};
	expect_ok(els_target_batch(t, bad, 2));
	assert_non_null(bad[0].err);
	assert_non_null(bad[1].err);
	els_error_destroy(bad[0].err);
	els_error_destroy(bad[1].err);
	close_ok(t);
	mockstub_stop(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_keep_halted),
		cmocka_unit_test(test_breakpoints_removed_on_close),
		cmocka_unit_test(test_close_running_with_breakpoints),
		cmocka_unit_test(test_closed_mid_reply),
		cmocka_unit_test(test_closed_during_open),
		cmocka_unit_test(test_stall_on_read),
		cmocka_unit_test(test_stall_during_open),
		cmocka_unit_test(test_malformed_mem_replies),
		cmocka_unit_test(test_mem_reply_too_long),
		cmocka_unit_test(test_reg_reply_wrong_length),
		cmocka_unit_test(test_reg_unavailable),
		cmocka_unit_test(test_malformed_stop_reply),
		cmocka_unit_test(test_thread_list_garbage),
		cmocka_unit_test(test_target_xml_malformed),
		cmocka_unit_test(test_bad_checksums_forever),
		cmocka_unit_test(test_bad_checksum_once),
		cmocka_unit_test(test_bad_checksum_in_flight),
		cmocka_unit_test(test_short_reads),
		cmocka_unit_test(test_run_length_encoding),
		cmocka_unit_test(test_console_output_and_noise),
		cmocka_unit_test(test_packet_too_long),
		cmocka_unit_test(test_target_error),
		cmocka_unit_test(test_no_packet_size),
		cmocka_unit_test(test_no_target_description),
		cmocka_unit_test(test_no_phymem),
		cmocka_unit_test(test_halt_and_step),
		cmocka_unit_test(test_step_without_vcont),
		cmocka_unit_test(test_multiprocess_thread_ids),
		cmocka_unit_test(test_hw_breakpoint_unsupported),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_connection_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
