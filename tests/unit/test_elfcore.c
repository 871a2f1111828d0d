/* SPDX-License-Identifier: MIT */
/*
 * ELF cores: synthetic AArch64 cores built here (notes with NT_PRSTATUS and
 * VMCOREINFO, PT_LOAD segments with gaps, tails and overlaps), opened from a
 * file and from memory, and hostile variants of them.
 *
 * With ELSCOPE_WRITE_SEEDS=DIR set, the seed corpus of the fuzz harness is
 * written to DIR as well.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "target/target.h"

/* ---- a small core builder ---- */

struct tnote {
	const char *name; /* NULL: namesz 0 */
	uint32_t type;
	const void *desc;
	uint32_t descsz;
};

struct tload {
	uint64_t paddr, filesz, memsz;
	uint8_t fill; /* 0: pattern() of the address */
};

struct tcore {
	const struct tnote *notes;
	size_t nnotes;
	const struct tload *loads;
	size_t nloads;
	size_t align;      /* of notes: 4 (0 means 4) or 8 */
	size_t note_extra; /* zero bytes after the last note */
};

/* Offsets in what build() writes. */
#define PHDR_OFF 64
#define PHDR_SIZE 56
#define P_TYPE 0
#define P_OFFSET 8
#define P_PADDR 24
#define P_FILESZ 32
#define P_ALIGN 48

static uint8_t pattern(uint64_t addr)
{
	return (uint8_t)(addr ^ (addr >> 8) ^ 0x5a);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Offset of the notes in a built core. */
static size_t notes_offset(const struct tcore *c)
{
	size_t phnum = (c->nnotes ? 1 : 0) + c->nloads;
	return round_up(PHDR_OFF + PHDR_SIZE * phnum, 8);
}

static size_t build(const struct tcore *c, uint8_t **ret)
{
	size_t align = c->align ? c->align : 4;
	size_t phnum = (c->nnotes ? 1 : 0) + c->nloads;
	size_t notes_off = notes_offset(c);
	size_t notes_size = 0;
	for (size_t i = 0; i < c->nnotes; i++) {
		size_t namesz = c->notes[i].name ? strlen(c->notes[i].name) + 1
						 : 0;
		/* Name and desc each start aligned (from the segment). */
		notes_size = round_up(notes_size + 12 + namesz, align);
		notes_size = round_up(notes_size + c->notes[i].descsz, align);
	}
	notes_size += c->note_extra;
	size_t data_off = round_up(notes_off + notes_size, 16);
	size_t total = data_off;
	for (size_t i = 0; i < c->nloads; i++)
		total += c->loads[i].filesz;
	uint8_t *b = calloc(1, total);
	assert_non_null(b);

	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = ELFCLASS64;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	put16(b + 16, ET_CORE);
	put16(b + 18, EM_AARCH64);
	put32(b + 20, EV_CURRENT);
	put64(b + 32, phnum ? PHDR_OFF : 0);
	put16(b + 52, 64);
	put16(b + 54, PHDR_SIZE);
	put16(b + 56, (uint16_t)phnum);

	uint8_t *ph = b + PHDR_OFF;
	if (c->nnotes) {
		put32(ph + P_TYPE, PT_NOTE);
		put64(ph + P_OFFSET, notes_off);
		put64(ph + P_FILESZ, notes_size);
		put64(ph + P_ALIGN, align == 8 ? 8 : 0);
		ph += PHDR_SIZE;
		size_t p = 0; /* offset in the segment */
		uint8_t *seg = b + notes_off;
		for (size_t i = 0; i < c->nnotes; i++) {
			const struct tnote *n = &c->notes[i];
			size_t namesz = n->name ? strlen(n->name) + 1 : 0;
			put32(seg + p, (uint32_t)namesz);
			put32(seg + p + 4, n->descsz);
			put32(seg + p + 8, n->type);
			p += 12;
			if (namesz)
				memcpy(seg + p, n->name, namesz);
			p = round_up(p + namesz, align);
			if (n->descsz)
				memcpy(seg + p, n->desc, n->descsz);
			p = round_up(p + n->descsz, align);
		}
	}
	size_t off = data_off;
	for (size_t i = 0; i < c->nloads; i++) {
		const struct tload *l = &c->loads[i];
		put32(ph + P_TYPE, PT_LOAD);
		put32(ph + 4, PF_R | PF_W | PF_X);
		put64(ph + P_OFFSET, off);
		put64(ph + 16, l->paddr); /* p_vaddr = p_paddr, as QEMU 7.2 */
		put64(ph + P_PADDR, l->paddr);
		put64(ph + P_FILESZ, l->filesz);
		put64(ph + 40, l->memsz);
		put64(ph + P_ALIGN, 0);
		for (uint64_t j = 0; j < l->filesz; j++)
			b[off + j] = l->fill ? l->fill : pattern(l->paddr + j);
		off += l->filesz;
		ph += PHDR_SIZE;
	}
	*ret = b;
	return total;
}

/* struct elf_prstatus of arm64: pr_pid at 32, pr_reg at 112, 392 bytes. */
#define PRSTATUS_SIZE 392

static uint64_t reg_value(int cpu, int reg)
{
	if (reg == 33) /* pstate: only the low half is cpsr */
		return 0xabcd000060000000ull | 0x3c5 | (uint64_t)cpu << 4;
	return (uint64_t)(cpu + 1) << 56 | 0x1111ull * (uint64_t)reg;
}

static void make_prstatus(uint8_t *d, uint32_t pid, int cpu)
{
	memset(d, 0, PRSTATUS_SIZE);
	put32(d + 32, pid);
	for (int i = 0; i < 34; i++)
		put64(d + 112 + 8 * i, reg_value(cpu, i));
}

static const char vmcoreinfo_text[] =
	"OSRELEASE=6.1.0-18-arm64\n"
	"PAGESIZE=4096\n"
	"this line has no equals sign\n"
	"=no key\n"
	"SYMBOL(swapper_pg_dir)=ffff800009a3d000\r\n"
	"PAGESIZE=8192\n"
	"KERNELOFFSET=1f0000";

#define LOAD_A 0x40000000ull
#define LOAD_B 0x40000100ull
#define TAIL 0x40000180ull /* B has 0x80 file bytes of 0x100 */

static uint8_t prs0[PRSTATUS_SIZE], prs1[PRSTATUS_SIZE];
static uint8_t fpregs[528];
static const uint8_t qemu_note[16] = { 1, 2, 3, 4 };

static const struct tnote std_notes[] = {
	{ "CORE", NT_PRSTATUS, prs0, sizeof(prs0) },
	{ "CORE", NT_FPREGSET, fpregs, sizeof(fpregs) },
	{ "CORE", NT_PRSTATUS, prs1, sizeof(prs1) },
	{ "QEMU", 0, qemu_note, sizeof(qemu_note) },
	{ "VMCOREINFO", 0, vmcoreinfo_text, sizeof(vmcoreinfo_text) - 1 },
};

static const struct tload std_loads[] = {
	{ LOAD_A, 0x100, 0x100, 0 },
	{ LOAD_B, 0x80, 0x100, 0 },
};

static const struct tcore std_core = {
	std_notes, 5, std_loads, 2, 4, 0,
};

static int setup_notes(void **state)
{
	(void)state;
	make_prstatus(prs0, 1, 0);
	make_prstatus(prs1, 2, 1);
	memset(fpregs, 0xee, sizeof(fpregs));
	return 0;
}

/* ---- helpers ---- */

static void expect_pattern(struct els_target *t, uint64_t addr, size_t len)
{
	uint8_t buf[0x400];
	struct els_aspace as = els_aspace_phys();
	assert_true(len <= sizeof(buf));
	memset(buf, 0, sizeof(buf));
	expect_ok(els_target_read(t, &as, addr, buf, len));
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pattern(addr + i))
			fail_msg("byte at 0x%llx is 0x%02x, expected 0x%02x",
				 (unsigned long long)(addr + i), buf[i],
				 pattern(addr + i));
	}
}

static void expect_fill(struct els_target *t, uint64_t addr, size_t len,
			uint8_t fill)
{
	uint8_t buf[0x400];
	struct els_aspace as = els_aspace_phys();
	assert_true(len <= sizeof(buf));
	expect_ok(els_target_read(t, &as, addr, buf, len));
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != fill)
			fail_msg("byte at 0x%llx is '%c', expected '%c'",
				 (unsigned long long)(addr + i), buf[i], fill);
	}
}

static char *write_temp(const uint8_t *data, size_t len)
{
	char *path = strdup("/tmp/elscope-test-core-XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static struct els_target *open_mem(const uint8_t *buf, size_t len)
{
	struct els_target *t = NULL;
	expect_ok(els_elfcore_open_mem(buf, len, &t));
	assert_non_null(t);
	return t;
}

/* Open must fail with code and substr, and leave *ret alone. */
static void expect_open_fails(const uint8_t *buf, size_t len,
			      enum els_error_code code, const char *substr)
{
	struct els_target *t = NULL;
	expect_error(els_elfcore_open_mem(buf, len, &t), code, substr);
	assert_null(t);
}

/* The standard core with one field of it changed. */
static void open_patched(size_t at, size_t width, uint64_t value,
			 enum els_error_code code, const char *substr)
{
	uint8_t *b;
	size_t len = build(&std_core, &b);
	assert_true(at + width <= len);
	for (size_t i = 0; i < width; i++)
		b[at + i] = (uint8_t)(value >> (8 * i));
	expect_open_fails(b, len, code, substr);
	free(b);
}

/* ---- the standard core ---- */

static void check_regs(struct els_target *t)
{
	assert_int_equal(t->cpus.len, 2);
	assert_int_equal(t->cpus.data[0].index, 0);
	assert_int_equal(t->cpus.data[0].thread_id, 1);
	assert_int_equal(t->cpus.data[1].index, 1);
	assert_int_equal(t->cpus.data[1].thread_id, 2);
	assert_false(t->can_run);
	assert_int_equal(t->regs.len, 34);

	static const char *const names[] = { "x0", "x1", "x29", "x30", "sp",
					     "pc" };
	static const int nums[] = { 0, 1, 29, 30, 31, 32 };
	for (int cpu = 0; cpu < 2; cpu++) {
		for (size_t i = 0; i < 6; i++) {
			uint64_t v = 0;
			expect_ok(els_target_read_reg_u64(t, cpu, names[i],
							  &v));
			assert_int_equal(v, reg_value(cpu, nums[i]));
		}
		uint64_t v = 0;
		expect_ok(els_target_read_reg_u64(t, cpu, "PC", &v));
		assert_int_equal(v, reg_value(cpu, 32));
		/* cpsr: 32 bits, the low half of pstate. */
		expect_ok(els_target_read_reg_u64(t, cpu, "cpsr", &v));
		assert_int_equal(v, (uint32_t)reg_value(cpu, 33));
		assert_int_equal(v, 0x600003c5u | (unsigned)cpu << 4);
	}
	const struct els_reg_desc *cpsr = els_target_find_reg(t, "cpsr");
	assert_non_null(cpsr);
	assert_int_equal(cpsr->bitsize, 32);
	assert_string_equal(cpsr->group, "general");
	assert_string_equal(cpsr->feature, "org.gnu.gdb.aarch64.core");
	const struct els_reg_desc *x7 = els_target_find_reg(t, "x7");
	assert_non_null(x7);
	assert_int_equal(x7->bitsize, 64);
	/* Every register of every CPU through the driver. */
	for (int cpu = 0; cpu < 2; cpu++) {
		for (size_t i = 0; i < t->regs.len; i++) {
			const struct els_reg_desc *r = &t->regs.data[i];
			uint8_t buf[8] = { 0 };
			expect_ok(els_target_read_reg(t, cpu, r, buf));
			uint64_t want = reg_value(cpu, r->regnum);
			if (r->bitsize == 32)
				want = (uint32_t)want;
			assert_int_equal(get64(buf), want);
		}
	}
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 2, "pc", &v), ELS_ERR_USAGE,
		     "no CPU 2");
	expect_error(els_target_read_reg_u64(t, 0, "TTBR1_EL1", &v),
		     ELS_ERR_NOT_FOUND, "TTBR1_EL1");
}

static void check_memory(struct els_target *t)
{
	expect_pattern(t, LOAD_A, 0x10);
	/* Across the boundary of the two segments. */
	expect_pattern(t, LOAD_B - 0x10, 0x20);
	/* All of both. */
	expect_pattern(t, LOAD_A, TAIL - LOAD_A);
	expect_pattern(t, TAIL - 1, 1);

	/* The p_memsz > p_filesz tail is not in the dump. */
	expect_not_mapped(t, TAIL, 1, TAIL, "the dump");
	expect_not_mapped(t, TAIL - 0x10, 0x20, TAIL, "the dump");
	expect_not_mapped(t, LOAD_A, 0x200, TAIL, "the dump");
	/* Below, above, far away. */
	expect_not_mapped(t, LOAD_A - 0x10, 0x20, LOAD_A - 0x10, "the dump");
	expect_not_mapped(t, LOAD_A - 1, 1, LOAD_A - 1, "the dump");
	expect_not_mapped(t, 0, 8, 0, "the dump");
	expect_not_mapped(t, 0x80000000, 4, 0x80000000, "the dump");
	expect_not_mapped(t, UINT64_MAX - 7, 8, UINT64_MAX - 7, "the dump");

	struct els_aspace virt = els_aspace_cpu_virt(0);
	uint8_t buf[8];
	expect_error(els_target_read(t, &virt, LOAD_A, buf, 8),
		     ELS_ERR_UNSUPPORTED,
		     "virtual addresses of a dump need the translation layer");
	/* Straight to the driver too (no CPU check in the way). */
	expect_error(t->ops->read_mem(t, &virt, LOAD_A, buf, 8),
		     ELS_ERR_UNSUPPORTED, "translation layer");
	struct els_aspace phys = els_aspace_phys();
	expect_error(els_target_write(t, &phys, LOAD_A, buf, 8),
		     ELS_ERR_UNSUPPORTED, "cannot be written");
	expect_error(els_target_halt(t, NULL), ELS_ERR_UNSUPPORTED,
		     "does not run");
	expect_error(els_target_insert_bp(t, ELS_BP_SW, 0x1000, 4),
		     ELS_ERR_UNSUPPORTED, "does not run");
}

static void check_vmcoreinfo(struct els_target *t)
{
	const char *v = els_elfcore_vmcoreinfo(t, "OSRELEASE");
	assert_non_null(v);
	assert_string_equal(v, "6.1.0-18-arm64");
	/* The first of two wins. */
	assert_string_equal(els_elfcore_vmcoreinfo(t, "PAGESIZE"), "4096");
	/* CR LF, and a last line without a newline. */
	assert_string_equal(els_elfcore_vmcoreinfo(t, "SYMBOL(swapper_pg_dir)"),
			    "ffff800009a3d000");
	assert_string_equal(els_elfcore_vmcoreinfo(t, "KERNELOFFSET"),
			    "1f0000");
	assert_null(els_elfcore_vmcoreinfo(t, "NUMBER(VA_BITS)"));
	assert_null(els_elfcore_vmcoreinfo(t, "this line has no equals sign"));
	assert_null(els_elfcore_vmcoreinfo(t, ""));
	assert_null(els_elfcore_vmcoreinfo(t, "OSRELEASE=6.1.0-18-arm64"));
	assert_null(els_elfcore_vmcoreinfo(t, NULL));
	assert_null(els_elfcore_vmcoreinfo(NULL, "OSRELEASE"));
}

static void test_open_mem(void **state)
{
	(void)state;
	uint8_t *b;
	size_t len = build(&std_core, &b);
	struct els_target *t = open_mem(b, len);
	assert_string_equal(t->ops->kind, "core");
	check_regs(t);
	check_memory(t);
	check_vmcoreinfo(t);

	struct kv_list l = { 0 };
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "format"),
			    "ELF core (QEMU dump-guest-memory or kdump)");
	assert_string_equal(kv_lookup(&l, "file"), "ELF core in memory");
	assert_string_equal(kv_lookup(&l, "cpus"), "2");
	assert_string_equal(kv_lookup(&l, "vmcoreinfo"), "6.1.0-18-arm64");
	assert_string_equal(kv_lookup(&l, "memory"), "384 bytes");
	assert_non_null(strstr(kv_lookup(&l, "segments"), "2 PT_LOAD"));
	assert_non_null(strstr(kv_lookup(&l, "not in the dump"), "128 bytes"));
	expect_ok(els_target_close(t));
	free(b);
}

static void test_open_file(void **state)
{
	(void)state;
	uint8_t *b;
	size_t len = build(&std_core, &b);
	char *path = write_temp(b, len);
	free(b); /* the file is all that is left */

	char spec[128];
	snprintf(spec, sizeof(spec), "core:%s", path);
	struct els_target *t = NULL;
	expect_ok(els_target_open(spec, 1000, &t));
	assert_non_null(t);
	assert_string_equal(t->spec, spec);
	check_regs(t);
	check_memory(t);
	check_vmcoreinfo(t);
	struct kv_list l = { 0 };
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "file"), path);
	expect_ok(els_target_close(t));

	/* The first error names the file. */
	t = NULL;
	assert_int_equal(truncate(path, 40), 0);
	struct els_error *err = els_elfcore_open(path, &t);
	assert_non_null(err);
	assert_non_null(strstr(err->message, path));
	expect_error(err, ELS_ERR_INVALID, "truncated ELF header");
	assert_null(t);

	assert_int_equal(truncate(path, 0), 0);
	expect_error(els_elfcore_open(path, &t), ELS_ERR_INVALID, "empty");
	unlink(path);
	expect_error(els_elfcore_open(path, &t), ELS_ERR_IO,
		     "No such file or directory");
	assert_null(t);
	free(path);
}

/* ---- variants ---- */

static void test_no_prstatus(void **state)
{
	(void)state;
	static const struct tnote notes[] = {
		{ "VMCOREINFO", 0, "PAGESIZE=4096\n", 14 },
	};
	struct tcore c = { notes, 1, std_loads, 2, 4, 0 };
	uint8_t *b;
	size_t len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 0);
	uint64_t v;
	expect_error(els_target_read_reg_u64(t, 0, "pc", &v),
		     ELS_ERR_UNSUPPORTED, "no CPUs");
	/* The driver itself says why. */
	uint8_t buf[8];
	expect_error(t->ops->read_reg(t, 0, els_target_find_reg(t, "pc"), buf),
		     ELS_ERR_NOT_FOUND, "no NT_PRSTATUS");
	assert_string_equal(els_elfcore_vmcoreinfo(t, "PAGESIZE"), "4096");
	assert_null(els_elfcore_vmcoreinfo(t, "OSRELEASE"));
	struct kv_list l = { 0 };
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "cpus"), "0");
	assert_string_equal(kv_lookup(&l, "vmcoreinfo"), "present (no OSRELEASE)");
	expect_pattern(t, LOAD_A, 0x20);
	expect_ok(els_target_close(t));
	free(b);

	/* No notes at all, no memory at all. */
	struct tcore empty = { 0 };
	len = build(&empty, &b);
	t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 0);
	assert_null(els_elfcore_vmcoreinfo(t, "OSRELEASE"));
	expect_not_mapped(t, 0, 1, 0, "the dump");
	l.n = 0;
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "vmcoreinfo"), "none");
	assert_string_equal(kv_lookup(&l, "memory"), "0 bytes");
	expect_ok(els_target_close(t));
	free(b);
}

/*
 * Overlaps resolve by address: the segment starting lower owns the bytes it
 * covers (ties: program header order), wherever it is in the table.
 */
static void test_overlap(void **state)
{
	(void)state;
	static const struct tload loads[] = {
		{ 0x2000, 0x800, 0x800, 'B' },  /* inside A: unused */
		{ 0x2800, 0x1800, 0x1800, 'C' }, /* above A's end: 0x3000.. */
		{ 0x1000, 0x2000, 0x2000, 'A' },
		{ 0x5000, 0x100, 0x100, 'D' },  /* same start as E, first */
		{ 0x5000, 0x200, 0x200, 'E' },
		{ 0x4000, 0x1000, 0x1000, 'F' }, /* adjacent to C and D */
	};
	struct tcore c = { NULL, 0, loads, 6, 4, 0 };
	uint8_t *b;
	size_t len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	expect_fill(t, 0x1000, 0x400, 'A');
	expect_fill(t, 0x2000, 0x400, 'A');
	expect_fill(t, 0x2c00, 0x400, 'A');
	expect_fill(t, 0x3000, 0x400, 'C');
	expect_fill(t, 0x3c00, 0x400, 'C');
	expect_fill(t, 0x4000, 0x400, 'F');
	expect_fill(t, 0x5000, 0x100, 'D');
	expect_fill(t, 0x5100, 0x100, 'E');
	/* One read through A, C, F, D and E. */
	uint8_t *all = malloc(0x4200);
	assert_non_null(all);
	struct els_aspace as = els_aspace_phys();
	expect_ok(els_target_read(t, &as, 0x1000, all, 0x4200));
	assert_int_equal(all[0x1fff], 'A');
	assert_int_equal(all[0x2000], 'C');
	assert_int_equal(all[0x3000], 'F');
	assert_int_equal(all[0x4000], 'D');
	assert_int_equal(all[0x41ff], 'E');
	free(all);
	expect_not_mapped(t, 0x5100, 0x200, 0x5200, "the dump");
	struct kv_list l = { 0 };
	t->ops->describe(t, kv_collect, &l);
	assert_string_equal(kv_lookup(&l, "memory"), "16896 bytes");
	expect_ok(els_target_close(t));
	free(b);
}

static void test_top_of_address_space(void **state)
{
	(void)state;
	static const struct tload loads[] = {
		{ 0xfffffffffffff000ull, 0x1000, 0x1000, 0 },
	};
	struct tcore c = { NULL, 0, loads, 1, 4, 0 };
	uint8_t *b;
	size_t len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	expect_pattern(t, UINT64_MAX, 1);
	expect_pattern(t, UINT64_MAX - 0xff, 0x100);
	uint8_t buf[2];
	struct els_aspace as = els_aspace_phys();
	expect_error(els_target_read(t, &as, UINT64_MAX, buf, 2),
		     ELS_ERR_INVALID, "wraps");
	expect_error(t->ops->read_mem(t, &as, UINT64_MAX, buf, 2),
		     ELS_ERR_INVALID, "wraps");
	expect_ok(els_target_close(t));
	free(b);

	/* One byte more and it wraps: refused at open. */
	static const struct tload wrap[] = {
		{ 0xfffffffffffff000ull, 0x1001, 0x1001, 0 },
	};
	c.loads = wrap;
	len = build(&c, &b);
	expect_open_fails(b, len, ELS_ERR_INVALID,
			  "wrap past the end of the address space");
	free(b);
}

/* Notes 8-byte aligned when the segment says p_align 8; zero padding after. */
static void test_note_layout(void **state)
{
	(void)state;
	struct tcore c = std_core;
	c.align = 8;
	c.note_extra = 8;
	uint8_t *b;
	size_t len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	check_regs(t);
	check_vmcoreinfo(t);
	expect_ok(els_target_close(t));
	free(b);

	/* Zero padding shorter than a header ends the notes. */
	c.align = 4;
	c.note_extra = 11;
	len = build(&c, &b);
	t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 2);
	expect_ok(els_target_close(t));
	free(b);

	static const struct tnote junk_notes[] = {
		{ "CORE", NT_PRSTATUS, prs0, sizeof(prs0) },
	};
	struct tcore j = { junk_notes, 1, NULL, 0, 4, 8 };
	len = build(&j, &b);
	/* 8 zero bytes after the last note: fine. Non-zero: truncated. */
	t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 1);
	expect_ok(els_target_close(t));
	b[notes_offset(&j) + 12 + 8 + PRSTATUS_SIZE + 3] = 1;
	expect_open_fails(b, len, ELS_ERR_INVALID,
			  "truncated note header at offset 412: 8 bytes");
	free(b);

	/* An empty note (all zero header) in the middle is skipped. */
	static const struct tnote with_empty[] = {
		{ "CORE", NT_PRSTATUS, prs0, sizeof(prs0) },
		{ NULL, 0, NULL, 0 },
		{ "CORE", NT_PRSTATUS, prs1, sizeof(prs1) },
	};
	struct tcore e = { with_empty, 3, NULL, 0, 4, 0 };
	len = build(&e, &b);
	t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 2);
	expect_ok(els_target_close(t));
	free(b);
}

static void test_vmcoreinfo_bounds(void **state)
{
	(void)state;
	/* Bigger than the 64 KiB cap: what is past it is not read. */
	size_t n = 70000;
	char *text = malloc(n);
	assert_non_null(text);
	memset(text, 'x', n);
	memcpy(text, "EARLY=1\n", 8);
	text[100] = '\n';
	memcpy(text + 65530, "\nLATE=2\n", 8);
	memcpy(text + n - 8, "\nLAST=3\n", 8);
	struct tnote notes[] = { { "VMCOREINFO", 0, text, (uint32_t)n } };
	struct tcore c = { notes, 1, NULL, 0, 4, 0 };
	uint8_t *b;
	size_t len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	assert_string_equal(els_elfcore_vmcoreinfo(t, "EARLY"), "1");
	assert_null(els_elfcore_vmcoreinfo(t, "LATE"));
	assert_null(els_elfcore_vmcoreinfo(t, "LAST"));
	expect_ok(els_target_close(t));
	free(b);

	/* NUL ends the text; a second VMCOREINFO note is ignored. */
	static const char with_nul[] = "A=1\nB=2\0C=3\n";
	static const char second[] = "A=9\nD=4\n";
	struct tnote two[] = {
		{ "VMCOREINFO", 0, with_nul, sizeof(with_nul) },
		{ "VMCOREINFO", 0, second, sizeof(second) - 1 },
		{ "VMCOREINFO_XEN", 0, "E=5\n", 4 },
	};
	struct tcore c2 = { two, 3, NULL, 0, 4, 0 };
	len = build(&c2, &b);
	t = open_mem(b, len);
	assert_string_equal(els_elfcore_vmcoreinfo(t, "A"), "1");
	assert_string_equal(els_elfcore_vmcoreinfo(t, "B"), "2");
	assert_null(els_elfcore_vmcoreinfo(t, "C"));
	assert_null(els_elfcore_vmcoreinfo(t, "D"));
	assert_null(els_elfcore_vmcoreinfo(t, "E"));
	expect_ok(els_target_close(t));
	free(b);
	free(text);
}

/* ---- hostile inputs ---- */

static void test_bad_headers(void **state)
{
	(void)state;
	uint8_t *b;
	build(&std_core, &b);

	expect_open_fails(b, 0, ELS_ERR_INVALID, "not an ELF file");
	expect_open_fails(b, 3, ELS_ERR_INVALID, "not an ELF file");
	expect_open_fails((const uint8_t *)"#!/bin/sh\necho hello\n", 21,
			  ELS_ERR_INVALID, "not an ELF file");
	expect_open_fails(b, 10, ELS_ERR_INVALID, "truncated ELF header");
	expect_open_fails(b, 40, ELS_ERR_INVALID, "truncated ELF header");
	expect_open_fails(b, 63, ELS_ERR_INVALID, "truncated ELF header");
	/* Header fine, program header table cut short. */
	expect_open_fails(b, PHDR_OFF + PHDR_SIZE + 20, ELS_ERR_INVALID,
			  "program header table: 3 headers at offset 0x40 run past the end of the file");
	free(b);

	open_patched(EI_CLASS, 1, ELFCLASS32, ELS_ERR_UNSUPPORTED,
		     "32-bit ELF file (ELFCLASS32)");
	open_patched(EI_CLASS, 1, 7, ELS_ERR_INVALID, "ELF class 7");
	open_patched(EI_DATA, 1, ELFDATA2MSB, ELS_ERR_UNSUPPORTED,
		     "big-endian ELF file (ELFDATA2MSB)");
	open_patched(EI_DATA, 1, 0, ELS_ERR_INVALID, "ELF data encoding 0");
	open_patched(EI_VERSION, 1, 0, ELS_ERR_INVALID, "ELF version 0");
	open_patched(18, 2, EM_X86_64, ELS_ERR_UNSUPPORTED,
		     "ELF machine 62 (x86-64)");
	open_patched(18, 2, EM_ARM, ELS_ERR_UNSUPPORTED, "32-bit Arm");
	open_patched(18, 2, 0x1234, ELS_ERR_UNSUPPORTED,
		     "ELF machine 4660 (not AArch64)");
	open_patched(16, 2, ET_EXEC, ELS_ERR_UNSUPPORTED,
		     "an executable, not a core file (ET_CORE)");
	open_patched(16, 2, ET_DYN, ELS_ERR_UNSUPPORTED, "not a core file");
	open_patched(54, 2, 32, ELS_ERR_INVALID, "program headers of 32 bytes");
	/* Program header table past the end, or in the ELF header. */
	open_patched(32, 8, 0x7fffffff, ELS_ERR_INVALID,
		     "program header table: 3 headers at offset 0x7fffffff run past the end of the file");
	open_patched(32, 8, UINT64_MAX, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(56, 2, 0xfffe, ELS_ERR_INVALID,
		     "65534 headers at offset 0x40 run past the end");
	open_patched(32, 8, 0, ELS_ERR_INVALID, "inside the ELF header");
	/* PN_XNUM without section header 0 to say the real count. */
	open_patched(56, 2, PN_XNUM, ELS_ERR_INVALID, "section header 0");
}

static void test_bad_segments(void **state)
{
	(void)state;
	uint8_t *b;
	size_t len = build(&std_core, &b);
	free(b);
	/* Program header 0 is the notes, 1 and 2 are the loads. */
	size_t load_a = PHDR_OFF + PHDR_SIZE, notes = PHDR_OFF;
	open_patched(load_a + P_FILESZ, 8, len, ELS_ERR_INVALID,
		     "program header 1 (PT_LOAD): 0x");
	open_patched(load_a + P_FILESZ, 8, len, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(load_a + P_FILESZ, 8, UINT64_MAX, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(load_a + P_OFFSET, 8, len, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(load_a + P_OFFSET, 8, UINT64_MAX - 0x10, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(notes + P_FILESZ, 8, len, ELS_ERR_INVALID,
		     "program header 0 (PT_NOTE)");
	open_patched(notes + P_OFFSET, 8, UINT64_MAX, ELS_ERR_INVALID,
		     "run past the end of the file");
	open_patched(notes + P_FILESZ, 8, (uint64_t)1 << 40, ELS_ERR_INVALID,
		     "program header 0 (PT_NOTE)");

	/* The load at the very end of the file, exactly fitting, is fine. */
	len = build(&std_core, &b);
	struct els_target *t = open_mem(b, len);
	expect_ok(els_target_close(t));
	/* One byte less of the file and it does not fit. */
	expect_open_fails(b, len - 1, ELS_ERR_INVALID,
			  "run past the end of the file");
	free(b);
}

static void test_bad_notes(void **state)
{
	(void)state;
	uint8_t *b;
	size_t len = build(&std_core, &b);
	size_t n0 = notes_offset(&std_core);
	free(b);
	(void)len;
	/* namesz and descsz of the first note. */
	open_patched(n0, 4, 0xfffffff0, ELS_ERR_INVALID, "truncated");
	open_patched(n0, 4, 0xffffffff, ELS_ERR_INVALID, "namesz 4294967295");
	open_patched(n0 + 4, 4, 0xfffffffd, ELS_ERR_INVALID, "truncated");
	open_patched(n0 + 4, 4, 0x7fffffff, ELS_ERR_INVALID,
		     "program header 0: note at offset 0 (namesz 5, descsz 2147483647)");
	/* A descsz a little too large runs into the next notes: misparsed. */
	open_patched(n0 + 4, 4, PRSTATUS_SIZE + 0x100000, ELS_ERR_INVALID,
		     "truncated");

	/* NT_PRSTATUS too short for the registers. */
	static uint8_t short_prs[200];
	memset(short_prs, 0, sizeof(short_prs));
	static const struct tnote shorty[] = {
		{ "CORE", NT_PRSTATUS, short_prs, sizeof(short_prs) },
	};
	struct tcore c = { shorty, 1, NULL, 0, 4, 0 };
	len = build(&c, &b);
	expect_open_fails(b, len, ELS_ERR_INVALID, "NT_PRSTATUS note");
	expect_open_fails(b, len, ELS_ERR_INVALID, "CPU 0");
	free(b);
	static const struct tnote tiny[] = {
		{ "CORE", NT_PRSTATUS, short_prs, 20 },
	};
	c.notes = tiny;
	len = build(&c, &b);
	expect_open_fails(b, len, ELS_ERR_INVALID, "NT_PRSTATUS note");
	free(b);

	/* A NT_PRSTATUS of another name is not a CPU. */
	static const struct tnote other[] = {
		{ "LINUX", NT_PRSTATUS, short_prs, 20 },
		{ "CORE", 99, short_prs, 3 },
	};
	c.notes = other;
	c.nnotes = 2;
	len = build(&c, &b);
	struct els_target *t = open_mem(b, len);
	assert_int_equal(t->cpus.len, 0);
	expect_ok(els_target_close(t));
	free(b);
}

/* Every prefix of the standard core: an error or a target, never a crash. */
static void test_every_prefix(void **state)
{
	(void)state;
	uint8_t *b;
	size_t len = build(&std_core, &b);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, b, n);
		struct els_target *t = NULL;
		struct els_error *err = els_elfcore_open_mem(copy, n, &t);
		if (n < len) {
			if (!err)
				fail_msg("a core cut to %zu of %zu bytes opened",
					 n, len);
			assert_null(t);
			els_error_destroy(err);
		} else {
			expect_ok(err);
			expect_ok(els_target_close(t));
		}
		free(copy);
	}
	free(b);
}

/* ---- the fuzz harness's seeds ---- */

static void write_seed(const char *dir, const char *name, const struct tcore *c)
{
	uint8_t *b;
	size_t len = build(c, &b);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	free(b);
}

static void test_write_seeds(void **state)
{
	(void)state;
	const char *dir = getenv("ELSCOPE_WRITE_SEEDS");
	if (!dir || !*dir)
		skip();
	static const struct tload small[] = {
		{ LOAD_A, 0x40, 0x40, 0 },
		{ LOAD_A + 0x40, 0x20, 0x40, 0 },
	};
	struct tcore c = std_core;
	c.loads = small;
	write_seed(dir, "two-cpus-vmcoreinfo", &c);
	c.align = 8;
	c.note_extra = 4;
	write_seed(dir, "align8", &c);
	static const struct tnote one[] = {
		{ "CORE", NT_PRSTATUS, prs0, sizeof(prs0) },
	};
	struct tcore single = { one, 1, small, 1, 4, 0 };
	write_seed(dir, "one-cpu", &single);
	static const struct tload overlap[] = {
		{ 0x1010, 0x10, 0x10, 'B' },
		{ 0x1000, 0x30, 0x30, 'A' },
		{ 0x1028, 0x10, 0x20, 'C' },
	};
	struct tcore ov = { NULL, 0, overlap, 3, 4, 0 };
	write_seed(dir, "overlap-no-notes", &ov);
	static const struct tnote info[] = {
		{ "VMCOREINFO", 0, vmcoreinfo_text,
		  sizeof(vmcoreinfo_text) - 1 },
	};
	struct tcore vi = { info, 1, NULL, 0, 4, 0 };
	write_seed(dir, "vmcoreinfo-only", &vi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_mem),
		cmocka_unit_test(test_open_file),
		cmocka_unit_test(test_no_prstatus),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_note_layout),
		cmocka_unit_test(test_vmcoreinfo_bounds),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_bad_notes),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_write_seeds),
	};
	return cmocka_run_group_tests(tests, setup_notes, NULL);
}
