/* SPDX-License-Identifier: MIT */
/*
 * Raw RAM images: the FILE@PHYSADDR spec, reads within, across and between
 * images, and every way a spec can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "target/target.h"

struct fixture {
	char dir[64];
	char lo[128], hi[128], mid[128], at[128], empty[128], big[128];
};

static uint8_t pattern(const char *which, uint64_t off)
{
	return (uint8_t)(off * 7 + (uint8_t)which[0]);
}

static void write_file(const char *path, size_t len, const char *which)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc(pattern(which, i), f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/elscope-test-raw-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->lo, sizeof(fx->lo), "%s/lo.bin", fx->dir);
	snprintf(fx->hi, sizeof(fx->hi), "%s/hi.bin", fx->dir);
	snprintf(fx->mid, sizeof(fx->mid), "%s/mid.bin", fx->dir);
	snprintf(fx->at, sizeof(fx->at), "%s/ddr@0.bin", fx->dir);
	snprintf(fx->empty, sizeof(fx->empty), "%s/empty.bin", fx->dir);
	snprintf(fx->big, sizeof(fx->big), "%s/big.bin", fx->dir);
	write_file(fx->lo, 8192, "l");
	write_file(fx->hi, 4096, "h");
	write_file(fx->mid, 4096, "m");
	write_file(fx->at, 256, "a");
	write_file(fx->empty, 0, "e");
	write_file(fx->big, 0x2000, "b");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unlink(fx->lo);
	unlink(fx->hi);
	unlink(fx->mid);
	unlink(fx->at);
	unlink(fx->empty);
	unlink(fx->big);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct els_target *open_raw(const char *fmt, ...)
{
	char spec[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(spec, sizeof(spec), fmt, ap);
	va_end(ap);
	struct els_target *t = NULL;
	expect_ok(els_raw_open(spec, &t));
	assert_non_null(t);
	return t;
}

static void open_fails(enum els_error_code code, const char *substr,
		       const char *fmt, ...)
{
	char spec[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(spec, sizeof(spec), fmt, ap);
	va_end(ap);
	struct els_target *t = NULL;
	expect_error(els_raw_open(spec, &t), code, substr);
	assert_null(t);
}

/* Bytes [addr, addr + len) are those of file `which` from offset off. */
static void expect_bytes(struct els_target *t, uint64_t addr, size_t len,
			 const char *which, uint64_t off)
{
	uint8_t buf[256];
	struct els_aspace as = els_aspace_phys();
	assert_true(len <= sizeof(buf));
	expect_ok(els_target_read(t, &as, addr, buf, len));
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pattern(which, off + i))
			fail_msg("byte at 0x%llx is 0x%02x, expected 0x%02x",
				 (unsigned long long)(addr + i), buf[i],
				 pattern(which, off + i));
	}
}

/* lo: 0x40000000-0x40001fff, gap, hi: 0x40004000-0x40004fff. */
static void test_gap(void **state)
{
	struct fixture *fx = *state;
	/* Given high first: the order in the spec does not matter. */
	struct els_target *t = open_raw("%s@0x40004000,%s@0x40000000",
					fx->hi, fx->lo);
	assert_string_equal(t->ops->kind, "raw");
	assert_false(t->can_run);
	assert_int_equal(t->cpus.len, 0);
	assert_int_equal(t->regs.len, 0);

	expect_bytes(t, 0x40000000, 16, "l", 0);
	expect_bytes(t, 0x40001ff0, 16, "l", 0x1ff0);
	expect_bytes(t, 0x40004000, 16, "h", 0);
	expect_bytes(t, 0x40004ff0, 16, "h", 0xff0);
	/* Across the gap: fails at its first byte. */
	expect_not_mapped(t, 0x40001ff0, 0x20, 0x40002000, "any raw image");
	expect_not_mapped(t, 0x40002000, 1, 0x40002000, "any raw image");
	expect_not_mapped(t, 0x40003fff, 2, 0x40003fff, "any raw image");
	/* Below the first and above the last. */
	expect_not_mapped(t, 0x3ffffff0, 0x20, 0x3ffffff0, "any raw image");
	expect_not_mapped(t, 0x40004ff0, 0x20, 0x40005000, "any raw image");
	expect_not_mapped(t, 0, 1, 0, "any raw image");

	/* A large read through the common layer (chunked, uncached). */
	uint8_t *all = malloc(8192);
	assert_non_null(all);
	struct els_aspace as = els_aspace_phys();
	expect_ok(els_target_read(t, &as, 0x40000000, all, 8192));
	for (size_t i = 0; i < 8192; i++)
		assert_int_equal(all[i], pattern("l", i));
	free(all);

	/* No registers, no run control, no virtual addresses. */
	uint64_t v;
	struct els_error *err = els_target_read_reg_u64(t, 0, "pc", &v);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "pc"));
	els_error_destroy(err);
	uint8_t buf[4];
	struct els_aspace virt = els_aspace_cpu_virt(0);
	assert_non_null(err = els_target_read(t, &virt, 0x40000000, buf, 4));
	els_error_destroy(err);
	expect_error(t->ops->read_mem(t, &virt, 0x40000000, buf, 4),
		     ELS_ERR_UNSUPPORTED, "translation layer");
	expect_error(els_target_halt(t, NULL), ELS_ERR_UNSUPPORTED,
		     "does not run");
	expect_error(els_target_write(t, &as, 0x40000000, buf, 4),
		     ELS_ERR_UNSUPPORTED, "cannot be written");

	struct kv_list l = { 0 };
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "images"), "2");
	char want[256];
	snprintf(want, sizeof(want),
		 "%s at 0x40000000-0x40001fff (8192 bytes)", fx->lo);
	assert_string_equal(kv_lookup(&l, "image 0"), want);
	snprintf(want, sizeof(want),
		 "%s at 0x40004000-0x40004fff (4096 bytes)", fx->hi);
	assert_string_equal(kv_lookup(&l, "image 1"), want);
	assert_string_equal(kv_lookup(&l, "memory"), "12288 bytes");
	expect_ok(els_target_close(t));
}

static void test_adjacent(void **state)
{
	struct fixture *fx = *state;
	/* lo, mid right after it, hi right after mid; decimal address too. */
	struct els_target *t = open_raw("%s@0x40000000,%s@1073750016,%s@0x40003000",
					fx->lo, fx->mid, fx->hi);
	expect_bytes(t, 0x40001ff8, 8, "l", 0x1ff8);
	uint8_t buf[0x20];
	struct els_aspace as = els_aspace_phys();
	expect_ok(els_target_read(t, &as, 0x40001ff0, buf, sizeof(buf)));
	for (size_t i = 0; i < 16; i++) {
		assert_int_equal(buf[i], pattern("l", 0x1ff0 + i));
		assert_int_equal(buf[16 + i], pattern("m", i));
	}
	/* Through all three at once. */
	uint8_t *all = malloc(0x4000);
	assert_non_null(all);
	expect_ok(els_target_read(t, &as, 0x40000000, all, 0x4000));
	assert_int_equal(all[0x1fff], pattern("l", 0x1fff));
	assert_int_equal(all[0x2000], pattern("m", 0));
	assert_int_equal(all[0x3000], pattern("h", 0));
	assert_int_equal(all[0x3fff], pattern("h", 0xfff));
	free(all);
	expect_not_mapped(t, 0x40003ff0, 0x20, 0x40004000, "any raw image");
	expect_ok(els_target_close(t));

	/* Through els_target_open, and a file name with '@' in it. */
	char spec[512];
	snprintf(spec, sizeof(spec), "raw:%s@0x1000", fx->at);
	t = NULL;
	expect_ok(els_target_open(spec, 1000, &t));
	assert_string_equal(t->spec, spec);
	expect_bytes(t, 0x1000, 256, "a", 0);
	expect_not_mapped(t, 0x10ff, 2, 0x1100, "any raw image");
	expect_ok(els_target_close(t));
}

static void test_top_of_address_space(void **state)
{
	struct fixture *fx = *state;
	/* 0x2000 bytes ending exactly at 2^64 - 1. */
	struct els_target *t = open_raw("%s@0xffffffffffffe000", fx->big);
	expect_bytes(t, UINT64_MAX, 1, "b", 0x1fff);
	expect_bytes(t, UINT64_MAX - 15, 16, "b", 0x1ff0);
	uint8_t buf[2];
	struct els_aspace as = els_aspace_phys();
	expect_error(els_target_read(t, &as, UINT64_MAX, buf, 2),
		     ELS_ERR_INVALID, "wraps");
	expect_error(t->ops->read_mem(t, &as, UINT64_MAX, buf, 2),
		     ELS_ERR_INVALID, "wraps");
	expect_not_mapped(t, 0xffffffffffffdfff, 2, 0xffffffffffffdfff, "any raw image");
	expect_ok(els_target_close(t));
	/* One page higher and it runs past 2^64. */
	open_fails(ELS_ERR_USAGE, "run past the end of the 64-bit address space",
		   "%s@0xfffffffffffff000", fx->big);
	open_fails(ELS_ERR_USAGE, "run past the end of the 64-bit address space",
		   "%s@0xffffffffffffffff", fx->big);
	open_fails(ELS_ERR_USAGE, "not a physical address",
		   "%s@0x10000000000000000", fx->big);
	open_fails(ELS_ERR_USAGE, "not a physical address",
		   "%s@18446744073709551616", fx->big);
}

static void test_overlap(void **state)
{
	struct fixture *fx = *state;
	open_fails(ELS_ERR_USAGE, "overlap", "%s@0x40000000,%s@0x40001000",
		   fx->lo, fx->hi);
	open_fails(ELS_ERR_USAGE, "(0x40000000-0x40001fff)",
		   "%s@0x40001fff,%s@0x40000000", fx->hi, fx->lo);
	open_fails(ELS_ERR_USAGE, "overlap", "%s@0x0,%s@0x0", fx->lo, fx->lo);
	/* Inside another entirely. */
	open_fails(ELS_ERR_USAGE, "overlap", "%s@0x40000000,%s@0x40000800",
		   fx->lo, fx->mid);
}

static void test_bad_specs(void **state)
{
	struct fixture *fx = *state;
	open_fails(ELS_ERR_USAGE, "raw image 1 is empty", "");
	open_fails(ELS_ERR_USAGE, "raw image 1 is empty", ",");
	open_fails(ELS_ERR_USAGE, "raw image 2 is empty", "%s@0x1000,",
		   fx->lo);
	open_fails(ELS_ERR_USAGE, "raw image 2 is empty", "%s@0x1000,,%s@0",
		   fx->lo, fx->hi);
	open_fails(ELS_ERR_USAGE, "has no '@PHYSADDR'", "%s", fx->lo);
	open_fails(ELS_ERR_USAGE, "has no file name", "@0x1000");
	open_fails(ELS_ERR_USAGE, "is not a physical address", "%s@", fx->lo);
	open_fails(ELS_ERR_USAGE, "'0xzz' is not a physical address",
		   "%s@0xzz", fx->lo);
	open_fails(ELS_ERR_USAGE, "is not a physical address", "%s@0x",
		   fx->lo);
	open_fails(ELS_ERR_USAGE, "is not a physical address", "%s@-1",
		   fx->lo);
	open_fails(ELS_ERR_USAGE, "is not a physical address", "%s@ 12",
		   fx->lo);
	open_fails(ELS_ERR_USAGE, "is not a physical address", "%s@12k",
		   fx->lo);
	/* The last '@' splits: "ddr@0.bin" alone has an address "0.bin". */
	open_fails(ELS_ERR_USAGE, "'0.bin' is not a physical address", "%s",
		   fx->at);
	open_fails(ELS_ERR_IO, "No such file or directory", "%s/nope@0x1000",
		   fx->dir);
	open_fails(ELS_ERR_INVALID, "is empty", "%s@0x1000", fx->empty);
	open_fails(ELS_ERR_INVALID, "not a regular file", "%s@0x1000", fx->dir);
	/* A bad second image after a good first: nothing leaks (ASan). */
	open_fails(ELS_ERR_IO, "nope", "%s@0x1000,%s/nope@0x100000", fx->lo,
		   fx->dir);
	open_fails(ELS_ERR_USAGE, "bad-target-kind",
		   "%s@0x1000,bad-target-kind", fx->lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_bad_specs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
