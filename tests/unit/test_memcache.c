/* SPDX-License-Identifier: MIT */
/*
 * The common target layer over a fake driver: memory cache, register cache,
 * run state, breakpoint bookkeeping and what close leaves behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "target/memcache.h"
#include "target/target.h"

#define MEM_BASE 0x1000
#define MEM_SIZE (256 * 1024)

struct fake {
	struct els_target t;
	uint8_t mem[MEM_SIZE];
	uint64_t hole_lo, hole_hi; /* [lo, hi) not mapped */
	int reads, reg_reads, resumes, halts, detaches;
	bool detach_resume;
	int removes;
	size_t largest_read;
};

static int *g_detaches, *g_removes;
static bool *g_detach_resume;

static struct els_error *fake_read(struct els_target *t,
				   const struct els_aspace *as, uint64_t addr,
				   void *buf, size_t len)
{
	struct fake *f = (struct fake *)t;
	f->reads++;
	if (len > f->largest_read)
		f->largest_read = len;
	for (size_t i = 0; i < len; i++) {
		uint64_t a = addr + i;
		if (a < MEM_BASE || a >= MEM_BASE + MEM_SIZE ||
		    (a >= f->hole_lo && a < f->hole_hi))
			return els_error_addr(ELS_ERR_NOT_MAPPED, a,
					      "0x%llx is not mapped",
					      (unsigned long long)a);
		((uint8_t *)buf)[i] = f->mem[a - MEM_BASE];
	}
	return NULL;
}

static struct els_error *fake_read_reg(struct els_target *t, int cpu,
				       const struct els_reg_desc *reg,
				       uint8_t *buf)
{
	struct fake *f = (struct fake *)t;
	f->reg_reads++;
	uint64_t v = 0x1000u * (uint64_t)cpu + (uint64_t)reg->regnum +
		     (uint64_t)f->resumes;
	memcpy(buf, &v, 8);
	return NULL;
}

static struct els_error *fake_halt(struct els_target *t, struct els_stop *r)
{
	((struct fake *)t)->halts++;
	memset(r, 0, sizeof(*r));
	r->cpu = 1;
	return NULL;
}

static struct els_error *fake_resume(struct els_target *t)
{
	((struct fake *)t)->resumes++;
	return NULL;
}

static struct els_error *fake_bp(struct els_target *t, enum els_bp_kind k,
				 uint64_t addr, uint64_t len)
{
	return NULL;
}

static struct els_error *fake_remove_bp(struct els_target *t,
					enum els_bp_kind k, uint64_t addr,
					uint64_t len)
{
	(*g_removes)++;
	return NULL;
}

static struct els_error *fake_detach(struct els_target *t, bool resume)
{
	(*g_detaches)++;
	*g_detach_resume = resume;
	return NULL;
}

static void fake_destroy(struct els_target *t)
{
	free(t);
}

static const struct els_target_ops fake_ops = {
	.kind = "fake",
	.destroy = fake_destroy,
	.read_mem = fake_read,
	.read_reg = fake_read_reg,
	.halt = fake_halt,
	.resume = fake_resume,
	.insert_bp = fake_bp,
	.remove_bp = fake_remove_bp,
	.detach = fake_detach,
};

static int detaches, removes;
static bool detach_resume;

static struct fake *fake_create(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	els_target_init(&f->t, &fake_ops, "fake:");
	for (size_t i = 0; i < MEM_SIZE; i++)
		f->mem[i] = (uint8_t)(i * 7 + (i >> 8));
	f->t.can_run = true;
	f->t.halted_by_us = true;
	f->t.cache = els_memcache_create(1024);
	struct els_reg_desc pc = { .name = strdup("pc"), .regnum = 32,
				   .bitsize = 64 };
	struct els_reg_desc x0 = { .name = strdup("x0"), .regnum = 0,
				   .bitsize = 64 };
	els_reg_desc_vec_push(&f->t.regs, x0);
	els_reg_desc_vec_push(&f->t.regs, pc);
	els_cpu_vec_push(&f->t.cpus, (struct els_cpu){ .index = 0, .thread_id = 1 });
	els_cpu_vec_push(&f->t.cpus, (struct els_cpu){ .index = 1, .thread_id = 2 });
	detaches = removes = 0;
	detach_resume = false;
	g_detaches = &detaches;
	g_removes = &removes;
	g_detach_resume = &detach_resume;
	return f;
}

static void expect_bytes(struct fake *f, uint64_t addr, const uint8_t *buf,
			 size_t len)
{
	assert_memory_equal(buf, f->mem + (addr - MEM_BASE), len);
}

static void test_cache_hits_and_runs(void **state)
{
	struct fake *f = fake_create();
	struct els_aspace phys = els_aspace_phys();
	uint8_t buf[3000];
	/* Unaligned span of several blocks: one driver read for the run. */
	assert_null(els_target_read(&f->t, &phys, 0x1234, buf, sizeof(buf)));
	expect_bytes(f, 0x1234, buf, sizeof(buf));
	assert_int_equal(f->reads, 1);
	/* Same bytes again and a sub-range: served from the cache. */
	assert_null(els_target_read(&f->t, &phys, 0x1234, buf, sizeof(buf)));
	assert_null(els_target_read(&f->t, &phys, 0x1400, buf, 8));
	expect_bytes(f, 0x1400, buf, 8);
	assert_int_equal(f->reads, 1);
	assert_true(f->t.stats.cache_hits > 0);
	/* A range overlapping cached and uncached blocks reads only the gap. */
	assert_null(els_target_read(&f->t, &phys, 0x1f00, buf, 1024));
	expect_bytes(f, 0x1f00, buf, 1024);
	assert_int_equal(f->reads, 2);
	/* Other address spaces are cached apart. */
	struct els_aspace virt = els_aspace_cpu_virt(1);
	assert_null(els_target_read(&f->t, &virt, 0x1234, buf, 16));
	assert_int_equal(f->reads, 3);
	assert_null(els_target_close(&f->t));
}

static void test_cache_dropped_when_running(void **state)
{
	struct fake *f = fake_create();
	struct els_aspace phys = els_aspace_phys();
	uint8_t buf[64];
	assert_null(els_target_read(&f->t, &phys, 0x2000, buf, sizeof(buf)));
	assert_null(els_target_resume(&f->t));
	/* Running: memory cannot be read. */
	struct els_error *err = els_target_read(&f->t, &phys, 0x2000, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_STATE);
	els_error_destroy(err);
	assert_null(els_target_ensure_halted(&f->t));
	assert_true(f->t.halted_by_us);
	f->mem[0x1000] ^= 0xff; /* memory changed while it ran */
	assert_null(els_target_read(&f->t, &phys, 0x2000, buf, sizeof(buf)));
	assert_int_equal(f->reads, 2);
	expect_bytes(f, 0x2000, buf, sizeof(buf));
	assert_null(els_target_close(&f->t));
}

static void test_unmapped_error_is_exact(void **state)
{
	struct fake *f = fake_create();
	struct els_aspace phys = els_aspace_phys();
	f->hole_lo = 0x3100;
	f->hole_hi = 0x3200;
	uint8_t buf[0x100];
	/* Bytes around the hole in the same cache block still read. */
	assert_null(els_target_read(&f->t, &phys, 0x3000, buf, 0x100));
	expect_bytes(f, 0x3000, buf, 0x100);
	assert_null(els_target_read(&f->t, &phys, 0x3200, buf, 0x10));
	expect_bytes(f, 0x3200, buf, 0x10);
	struct els_error *err =
		els_target_read(&f->t, &phys, 0x30f0, buf, 0x20);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_NOT_MAPPED);
	assert_true(err->has_addr);
	assert_int_equal(err->addr, 0x3100);
	els_error_destroy(err);
	/* Wrapping the address space is refused before any read. */
	int reads = f->reads;
	err = els_target_read(&f->t, &phys, UINT64_MAX - 3, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_INVALID);
	els_error_destroy(err);
	assert_int_equal(f->reads, reads);
	assert_null(els_target_close(&f->t));
}

static void test_large_reads_bypass_cache(void **state)
{
	struct fake *f = fake_create();
	struct els_aspace phys = els_aspace_phys();
	uint8_t *buf = malloc(200 * 1024);
	assert_null(els_target_read(&f->t, &phys, MEM_BASE, buf, 200 * 1024));
	expect_bytes(f, MEM_BASE, buf, 200 * 1024);
	assert_int_equal(els_memcache_count(f->t.cache), 0);
	free(buf);
	assert_null(els_target_close(&f->t));
}

static void test_register_cache(void **state)
{
	struct fake *f = fake_create();
	uint64_t v;
	assert_null(els_target_read_reg_u64(&f->t, 1, "PC", &v));
	assert_int_equal(v, 0x1000 + 32);
	assert_null(els_target_read_reg_u64(&f->t, 1, "pc", &v));
	assert_int_equal(f->reg_reads, 1);
	assert_null(els_target_read_reg_u64(&f->t, 0, "pc", &v));
	assert_int_equal(v, 32);
	assert_int_equal(f->reg_reads, 2);
	/* After the target ran, registers are read again. */
	assert_null(els_target_resume(&f->t));
	assert_null(els_target_halt(&f->t, NULL));
	assert_null(els_target_read_reg_u64(&f->t, 1, "pc", &v));
	assert_int_equal(v, 0x1000 + 32 + 1);
	assert_int_equal(f->reg_reads, 3);
	struct els_error *err = els_target_read_reg_u64(&f->t, 2, "pc", &v);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_USAGE);
	els_error_destroy(err);
	err = els_target_read_reg_u64(&f->t, 0, "TTBR1_EL1", &v);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_NOT_FOUND);
	els_error_destroy(err);
	assert_null(els_target_close(&f->t));
}

static void test_close_removes_and_resumes(void **state)
{
	struct fake *f = fake_create();
	assert_null(els_target_insert_bp(&f->t, ELS_BP_SW, 0x1000, 4));
	assert_null(els_target_insert_bp(&f->t, ELS_WP_WRITE, 0x2000, 8));
	assert_null(els_target_insert_bp(&f->t, ELS_BP_SW, 0x1000, 4));
	assert_int_equal(f->t.bps.len, 2);
	assert_null(els_target_close(&f->t));
	assert_int_equal(removes, 2);
	assert_int_equal(detaches, 1);
	assert_true(detach_resume); /* we halted it by attaching */

	f = fake_create();
	f->t.keep_halted = true;
	assert_null(els_target_close(&f->t));
	assert_false(detach_resume);

	/* Running with breakpoints: halted to remove them, then resumed. */
	f = fake_create();
	assert_null(els_target_insert_bp(&f->t, ELS_BP_HW, 0x1000, 4));
	assert_null(els_target_resume(&f->t));
	assert_null(els_target_close(&f->t));
	assert_int_equal(removes, 1);
	assert_true(detach_resume);

	/* Running without breakpoints: left running, not resumed again. */
	f = fake_create();
	assert_null(els_target_resume(&f->t));
	assert_null(els_target_close(&f->t));
	assert_false(detach_resume);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_hits_and_runs),
		cmocka_unit_test(test_cache_dropped_when_running),
		cmocka_unit_test(test_unmapped_error_is_exact),
		cmocka_unit_test(test_large_reads_bypass_cache),
		cmocka_unit_test(test_register_cache),
		cmocka_unit_test(test_close_removes_and_resumes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
