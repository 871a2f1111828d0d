/* SPDX-License-Identifier: MIT */
/*
 * BTF: synthetic sections built here (every kind, nested and anonymous
 * members, bitfields of both styles, typedef and qualifier chains, arrays),
 * lookups over them, and hostile variants that must each fail with one
 * clear error. The types front (els_types) on files is checked against the
 * lab's vmlinux by tests/integration/test_types.sh.
 *
 * With ELSCOPE_WRITE_SEEDS=DIR set, the seed corpus of the fuzz harness is
 * written to DIR as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include "testutil.h"

#include "debuginfo/btf.h"
#include "debuginfo/types.h"

/* ---- a small BTF builder ---- */

enum {
	K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF,
	K_VOLATILE, K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR,
	K_DATASEC, K_FLOAT, K_DECL_TAG, K_TYPE_TAG, K_ENUM64,
};

struct bb {
	uint32_t types[1024];
	size_t nt;
	char strs[2048];
	size_t ns;
	uint32_t next_id;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1; /* "" at offset 0 */
	b->next_id = 1;
}

static uint32_t bs(struct bb *b, const char *s)
{
	if (!s || !*s)
		return 0;
	uint32_t off = (uint32_t)b->ns;
	size_t n = strlen(s) + 1;
	assert_true(b->ns + n <= sizeof(b->strs));
	memcpy(b->strs + b->ns, s, n);
	b->ns += n;
	return off;
}

static void w(struct bb *b, uint32_t v)
{
	assert_true(b->nt < sizeof(b->types) / sizeof(b->types[0]));
	b->types[b->nt++] = v;
}

/* A type record's common part; returns its id. */
static uint32_t bt(struct bb *b, const char *name, int kind, int vlen,
		   int kflag, uint32_t size_type)
{
	w(b, bs(b, name));
	w(b, (uint32_t)kflag << 31 | (uint32_t)kind << 24 | (uint32_t)vlen);
	w(b, size_type);
	return b->next_id++;
}

static void bm(struct bb *b, const char *name, uint32_t type, uint32_t off)
{
	w(b, bs(b, name));
	w(b, type);
	w(b, off);
}

struct blob {
	uint8_t data[8192];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* Header, types, strings. */
static void bb_finish(const struct bb *b, struct blob *out)
{
	uint32_t tlen = (uint32_t)(b->nt * 4);
	memset(out, 0, sizeof(*out));
	out->data[0] = 0x9f;
	out->data[1] = 0xeb;
	out->data[2] = 1;
	put32(out->data + 4, 24);
	put32(out->data + 8, 0);
	put32(out->data + 12, tlen);
	put32(out->data + 16, tlen);
	put32(out->data + 20, (uint32_t)b->ns);
	for (size_t i = 0; i < b->nt; i++)
		put32(out->data + 24 + 4 * i, b->types[i]);
	memcpy(out->data + 24 + tlen, b->strs, b->ns);
	out->len = 24 + tlen + b->ns;
}

/* Ids of the standard blob. */
enum {
	T_INT = 1, T_UINT, T_PTR_LH, T_U32, T_LIST_HEAD, T_CONST_U32, T_CU32,
	T_COMM, T_CHAR, T_CPU_CONTEXT, T_U64, T_THREAD, T_ANON_UNION,
	T_ANON_STRUCT, T_TASK, T_PTR_TASK, T_LH_ARRAY, T_THREAD_T, T_OLD_INT,
	T_OLD,
};

static void std_blob(struct blob *out)
{
	struct bb b;
	bb_init(&b);
	assert_int_equal(bt(&b, "int", K_INT, 0, 0, 4), T_INT);
	w(&b, 1u << 24 | 32); /* signed, 32 bits */
	assert_int_equal(bt(&b, "unsigned int", K_INT, 0, 0, 4), T_UINT);
	w(&b, 32);
	assert_int_equal(bt(&b, NULL, K_PTR, 0, 0, T_LIST_HEAD), T_PTR_LH);
	assert_int_equal(bt(&b, "u32", K_TYPEDEF, 0, 0, T_UINT), T_U32);
	assert_int_equal(bt(&b, "list_head", K_STRUCT, 2, 0, 16), T_LIST_HEAD);
	bm(&b, "next", T_PTR_LH, 0);
	bm(&b, "prev", T_PTR_LH, 64);
	assert_int_equal(bt(&b, NULL, K_CONST, 0, 0, T_U32), T_CONST_U32);
	assert_int_equal(bt(&b, "cu32", K_TYPEDEF, 0, 0, T_CONST_U32), T_CU32);
	assert_int_equal(bt(&b, NULL, K_ARRAY, 0, 0, 0), T_COMM);
	w(&b, T_CHAR);
	w(&b, T_INT);
	w(&b, 16);
	assert_int_equal(bt(&b, "char", K_INT, 0, 0, 1), T_CHAR);
	w(&b, 8);
	assert_int_equal(bt(&b, "cpu_context", K_STRUCT, 2, 0, 16),
			 T_CPU_CONTEXT);
	bm(&b, "sp", T_U64, 0);
	bm(&b, "pc", T_U64, 64);
	assert_int_equal(bt(&b, "u64", K_INT, 0, 0, 8), T_U64);
	w(&b, 64);
	assert_int_equal(bt(&b, "thread_struct", K_STRUCT, 2, 0, 24), T_THREAD);
	bm(&b, "fault_address", T_U64, 0);
	bm(&b, "cpu_context", T_CPU_CONTEXT, 64);
	assert_int_equal(bt(&b, NULL, K_UNION, 2, 0, 8), T_ANON_UNION);
	bm(&b, "a", T_U64, 0);
	bm(&b, "b", T_INT, 0);
	assert_int_equal(bt(&b, NULL, K_STRUCT, 3, 0, 16), T_ANON_STRUCT);
	bm(&b, "x", T_INT, 0);
	bm(&b, "y", T_INT, 32);
	bm(&b, NULL, T_ANON_UNION, 64);
	/* kind_flag: offsets carry bitfield sizes. */
	assert_int_equal(bt(&b, "task", K_STRUCT, 9, 1, 200), T_TASK);
	bm(&b, "state", T_CU32, 0);
	bm(&b, "in_execve", T_UINT, 1u << 24 | 32);
	bm(&b, "policy", T_UINT, 5u << 24 | 35);
	bm(&b, "tasks", T_LIST_HEAD, 64);
	bm(&b, "comm", T_COMM, 192);
	bm(&b, NULL, T_ANON_STRUCT, 320);
	bm(&b, "thread", T_THREAD_T, 448);
	bm(&b, "parent", T_PTR_TASK, 640);
	bm(&b, "ents", T_LH_ARRAY, 704);
	assert_int_equal(bt(&b, NULL, K_PTR, 0, 0, T_TASK), T_PTR_TASK);
	assert_int_equal(bt(&b, NULL, K_ARRAY, 0, 0, 0), T_LH_ARRAY);
	w(&b, T_LIST_HEAD);
	w(&b, T_INT);
	w(&b, 4);
	assert_int_equal(bt(&b, "thread_t", K_TYPEDEF, 0, 0, T_THREAD),
			 T_THREAD_T);
	/* Old style: the INT carries bit offset 3 and 5 bits. */
	assert_int_equal(bt(&b, "int", K_INT, 0, 0, 4), T_OLD_INT);
	w(&b, 3u << 16 | 5);
	assert_int_equal(bt(&b, "old", K_STRUCT, 2, 0, 8), T_OLD);
	bm(&b, "bf", T_OLD_INT, 32);
	bm(&b, "whole", T_INT, 0);
	/* The other kinds, for validation. */
	uint32_t e = bt(&b, "e", K_ENUM, 2, 0, 4);
	w(&b, bs(&b, "A")); w(&b, 0);
	w(&b, bs(&b, "B")); w(&b, 1);
	uint32_t proto = bt(&b, NULL, K_FUNC_PROTO, 2, 0, T_INT);
	w(&b, bs(&b, "x")); w(&b, e);
	w(&b, 0); w(&b, 0); /* varargs */
	bt(&b, "f", K_FUNC, 1, 0, proto);
	uint32_t var = bt(&b, "v", K_VAR, 0, 0, T_INT);
	w(&b, 1);
	bt(&b, ".data", K_DATASEC, 1, 0, 4);
	w(&b, var); w(&b, 0); w(&b, 4);
	bt(&b, "double", K_FLOAT, 0, 0, 8);
	bt(&b, "tag", K_DECL_TAG, 0, 0, T_TASK);
	w(&b, 0xffffffff);
	bt(&b, "user", K_TYPE_TAG, 0, 0, T_INT);
	bt(&b, "e64", K_ENUM64, 1, 1, 8);
	w(&b, bs(&b, "C")); w(&b, 1); w(&b, 2);
	bt(&b, "fwdonly", K_FWD, 0, 0, 0);
	bt(&b, NULL, K_VOLATILE, 0, 0, T_INT);
	bt(&b, NULL, K_RESTRICT, 0, 0, T_PTR_LH);
	bb_finish(&b, out);
}

static struct els_btf *open_std(void)
{
	struct blob blob;
	struct els_btf *btf = NULL;
	std_blob(&blob);
	expect_ok(els_btf_open_buf(blob.data, blob.len, "test", &btf));
	return btf;
}

static struct els_type_member member(struct els_btf *btf, const char *s,
				     const char *path)
{
	struct els_type_member m;
	memset(&m, 0xaa, sizeof(m));
	expect_ok(els_btf_member(btf, s, path, &m));
	return m;
}

/* ---- lookups ---- */

static void test_sizes(void **state)
{
	struct els_btf *btf = open_std();
	uint64_t size;
	assert_int_equal(els_btf_nr_types(btf), 33);
	expect_ok(els_btf_struct_size(btf, "task", &size));
	assert_int_equal(size, 200);
	expect_ok(els_btf_struct_size(btf, "list_head", &size));
	assert_int_equal(size, 16);
	expect_error(els_btf_struct_size(btf, "nosuch", &size),
		     ELS_ERR_NOT_FOUND, "no struct or union nosuch");
	expect_error(els_btf_struct_size(btf, "fwdonly", &size),
		     ELS_ERR_NOT_FOUND, "struct fwdonly is only declared");
	/* A typedef's name is not a struct's. */
	expect_error(els_btf_struct_size(btf, "thread_t", &size),
		     ELS_ERR_NOT_FOUND, "no struct or union thread_t");
	els_btf_destroy(btf);
}

static void test_members(void **state)
{
	struct els_btf *btf = open_std();
	struct els_type_member m;

	m = member(btf, "list_head", "prev");
	assert_int_equal(m.offset, 8);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.kind, ELS_TYPE_PTR);
	assert_int_equal(m.elem_size, 16);
	assert_int_equal(m.bit_size, 0);

	/* Nested: a struct in a struct, through a typedef. */
	m = member(btf, "task", "tasks.next");
	assert_int_equal(m.offset, 8);
	assert_int_equal(m.kind, ELS_TYPE_PTR);
	m = member(btf, "task", "thread.cpu_context.pc");
	assert_int_equal(m.offset, 56 + 8 + 8);
	assert_int_equal(m.bit_offset, (56 + 16) * 8);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.kind, ELS_TYPE_INT);
	m = member(btf, "task", "thread");
	assert_int_equal(m.kind, ELS_TYPE_STRUCT);
	assert_int_equal(m.size, 24);

	/* Typedef of const of typedef: the size of the integer under it. */
	m = member(btf, "task", "state");
	assert_int_equal(m.offset, 0);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.kind, ELS_TYPE_INT);

	/* Arrays. */
	m = member(btf, "task", "comm");
	assert_int_equal(m.offset, 24);
	assert_int_equal(m.kind, ELS_TYPE_ARRAY);
	assert_int_equal(m.size, 16);
	assert_int_equal(m.elem_size, 1);
	assert_int_equal(m.count, 16);
	m = member(btf, "task", "ents");
	assert_int_equal(m.offset, 88);
	assert_int_equal(m.size, 64);
	assert_int_equal(m.elem_size, 16);
	assert_int_equal(m.count, 4);

	/* A pointer to the struct itself. */
	m = member(btf, "task", "parent");
	assert_int_equal(m.offset, 80);
	assert_int_equal(m.elem_size, 200);

	els_btf_destroy(btf);
}

static void test_anonymous(void **state)
{
	struct els_btf *btf = open_std();
	struct els_type_member m;
	/* x, y in an anonymous struct at byte 40; a, b in a union in it. */
	m = member(btf, "task", "y");
	assert_int_equal(m.offset, 44);
	m = member(btf, "task", "a");
	assert_int_equal(m.offset, 48);
	assert_int_equal(m.size, 8);
	m = member(btf, "task", "b");
	assert_int_equal(m.offset, 48);
	assert_int_equal(m.size, 4);
	els_btf_destroy(btf);
}

static void test_bitfields(void **state)
{
	struct els_btf *btf = open_std();
	struct els_type_member m;
	/* kind_flag set: size in the top 8 bits of the offset. */
	m = member(btf, "task", "in_execve");
	assert_int_equal(m.bit_offset, 32);
	assert_int_equal(m.bit_size, 1);
	assert_int_equal(m.offset, 4);
	m = member(btf, "task", "policy");
	assert_int_equal(m.bit_offset, 35);
	assert_int_equal(m.bit_size, 5);
	assert_int_equal(m.offset, 4);
	assert_int_equal(m.size, 4);
	/* kind_flag clear: the INT's encoding has offset 3 and 5 bits. */
	m = member(btf, "old", "bf");
	assert_int_equal(m.bit_offset, 35);
	assert_int_equal(m.bit_size, 5);
	m = member(btf, "old", "whole");
	assert_int_equal(m.bit_size, 0);
	els_btf_destroy(btf);
}

static void test_missing(void **state)
{
	struct els_btf *btf = open_std();
	struct els_type_member m;
	expect_error(els_btf_member(btf, "task", "foo", &m), ELS_ERR_NOT_FOUND,
		     "task has no member 'foo'");
	expect_error(els_btf_member(btf, "task", "thread.cpu_context.lr", &m),
		     ELS_ERR_NOT_FOUND,
		     "task has no member 'thread.cpu_context.lr'");
	expect_error(els_btf_member(btf, "task", "comm.x", &m),
		     ELS_ERR_NOT_FOUND, "'x' is not inside a struct or union");
	expect_error(els_btf_member(btf, "task", "", &m), ELS_ERR_NOT_FOUND,
		     "task has no member ''");
	expect_error(els_btf_member(btf, "task", "tasks.", &m),
		     ELS_ERR_NOT_FOUND, "task has no member 'tasks.'");
	els_btf_destroy(btf);
}

/* Writes an AArch64 ELF file at path with a .BTF section (data NULL: none). */
static void write_elf(const char *path, const void *data, size_t len)
{
	static const char shstrtab[] = "\0.shstrtab\0.BTF\0";
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	Elf *elf = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_newehdr(elf, ELFCLASS64));
	GElf_Ehdr eh;
	assert_non_null(gelf_getehdr(elf, &eh));
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_AARCH64;
	eh.e_version = EV_CURRENT;

	Elf_Scn *strscn = elf_newscn(elf);
	Elf_Data *d = elf_newdata(strscn);
	d->d_buf = (void *)shstrtab;
	d->d_size = sizeof(shstrtab);
	d->d_align = 1;
	GElf_Shdr sh;
	gelf_getshdr(strscn, &sh);
	sh.sh_name = 1;
	sh.sh_type = SHT_STRTAB;
	gelf_update_shdr(strscn, &sh);
	eh.e_shstrndx = (uint16_t)elf_ndxscn(strscn);
	if (data) {
		Elf_Scn *scn = elf_newscn(elf);
		d = elf_newdata(scn);
		d->d_buf = (void *)data;
		d->d_size = len;
		d->d_align = 4;
		gelf_getshdr(scn, &sh);
		sh.sh_name = 11;
		sh.sh_type = SHT_PROGBITS;
		gelf_update_shdr(scn, &sh);
	}
	assert_true(gelf_update_ehdr(elf, &eh));
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
}

static void test_types_front(void **state)
{
	struct els_types *t;
	struct els_type_member m;
	uint64_t size;
	char path[] = "/tmp/elscope-test-btf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not elf", 7), 7);
	close(fd);
	expect_error(els_types_open(path, &t), ELS_ERR_INVALID, "not an ELF file");
	expect_error(els_types_open("/nonexistent/vmlinux", &t), ELS_ERR_IO,
		     "/nonexistent/vmlinux");

	/* An ELF file with our .BTF: answers, cached, and named errors. */
	struct blob blob;
	std_blob(&blob);
	write_elf(path, blob.data, blob.len);
	expect_ok(els_types_open(path, &t));
	assert_int_equal(els_types_source(t), ELS_TYPES_BTF);
	assert_string_equal(els_types_source_name(t), "BTF");
	expect_ok(els_types_struct_size(t, "task", &size));
	assert_int_equal(size, 200);
	for (int i = 0; i < 2; i++) { /* the second time from the cache */
		expect_ok(els_types_member(t, "task", "thread.cpu_context.sp", &m));
		assert_int_equal(m.offset, 64);
		assert_int_equal(m.size, 8);
	}
	char want[256];
	snprintf(want, sizeof(want), "task has no member 'foo' (%s, BTF)", path);
	expect_error(els_types_member(t, "task", "foo", &m), ELS_ERR_NOT_FOUND,
		     want);
	snprintf(want, sizeof(want), "no struct or union nosuch (%s, BTF)", path);
	expect_error(els_types_member(t, "nosuch", "foo", &m),
		     ELS_ERR_NOT_FOUND, want);
	els_types_destroy(t);

	/* A corrupt .BTF is an error naming the file, not a silent fallback. */
	blob.data[0] = 0;
	write_elf(path, blob.data, blob.len);
	snprintf(want, sizeof(want), "%s: .BTF: bad magic", path);
	expect_error(els_types_open(path, &t), ELS_ERR_INVALID, want);

	/* Neither .BTF nor DWARF. */
	write_elf(path, NULL, 0);
	snprintf(want, sizeof(want), "%s has neither .BTF nor DWARF", path);
	expect_error(els_types_open(path, &t), ELS_ERR_NOT_FOUND, want);
	unlink(path);
	els_types_destroy(NULL);
}

/* ---- hostile sections ---- */

static void open_bad(const void *data, size_t len, const char *substr)
{
	struct els_btf *btf = NULL;
	expect_error(els_btf_open_buf(data, len, "test", &btf), ELS_ERR_INVALID,
		     substr);
	assert_null(btf);
}

static void test_header(void **state)
{
	struct blob blob, bad;
	std_blob(&blob);

	bad = blob;
	bad.data[0] = 0;
	open_bad(bad.data, bad.len, "bad magic 0xeb00");
	open_bad(blob.data, 0, "header: test: truncated");
	open_bad(blob.data, 1, "header: test: truncated: need 2 bytes");
	open_bad(blob.data, 10, "test: truncated header: 10 bytes, at least 24");
	open_bad(blob.data, 23, "truncated header: 23 bytes");
	bad = blob;
	bad.data[2] = 2;
	open_bad(bad.data, bad.len, "version 2");
	bad = blob;
	put32(bad.data + 4, 12);
	open_bad(bad.data, bad.len, "header length 12");
	/* Strings past the end. */
	bad = blob;
	put32(bad.data + 20, 0xfffffff0);
	open_bad(bad.data, bad.len, "string section");
	/* Offset + length overflowing 32 bits. */
	bad = blob;
	put32(bad.data + 16, 0xffffffff);
	put32(bad.data + 20, 2);
	open_bad(bad.data, bad.len, "runs past the data");
	bad = blob;
	put32(bad.data + 12, 0xfffffff0);
	open_bad(bad.data, bad.len, "type section");
	/* Overlap: the strings start inside the types. */
	bad = blob;
	put32(bad.data + 16, 4);
	open_bad(bad.data, bad.len, "overlap");
	bad = blob;
	put32(bad.data + 12, 10);
	put32(bad.data + 16, 10);
	open_bad(bad.data, bad.len, "not a multiple of 4");
	/* Truncated anywhere: one error, never a crash. */
	for (size_t n = 0; n < blob.len; n++) {
		struct els_btf *btf = NULL;
		struct els_error *err = els_btf_open_buf(blob.data, n, "t", &btf);
		assert_non_null(err);
		assert_int_equal(err->code, ELS_ERR_INVALID);
		els_error_destroy(err);
	}
}

static void one_type(struct bb *b, struct blob *out)
{
	bb_init(b);
	assert_int_equal(bt(b, "int", K_INT, 0, 0, 4), 1);
	w(b, 32);
}

static void test_records(void **state)
{
	struct bb b;
	struct blob blob;

	one_type(&b, &blob);
	bt(&b, NULL, K_PTR, 0, 0, 99);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len,
		 "type 2 refers to type 99, but there are only 3 types");

	one_type(&b, &blob);
	bt(&b, "s", K_STRUCT, 1, 0, 4);
	bm(&b, "m", 7, 0);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "type 2 refers to type 7");

	one_type(&b, &blob);
	w(&b, 5000); /* name offset */
	w(&b, K_TYPEDEF << 24);
	w(&b, 1);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len,
		 "type 2: string offset 5000 is past the string section");

	one_type(&b, &blob);
	bt(&b, "s", K_STRUCT, 1, 0, 4);
	w(&b, 4000);
	w(&b, 1);
	w(&b, 0);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "type 2: string offset 4000");

	/* Typedef cycle: 2 -> 3 -> 2. */
	one_type(&b, &blob);
	bt(&b, "a", K_TYPEDEF, 0, 0, 3);
	bt(&b, "b", K_CONST, 0, 0, 2);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "is a cycle");

	/* An array of itself. */
	one_type(&b, &blob);
	bt(&b, NULL, K_ARRAY, 0, 0, 0);
	w(&b, 2);
	w(&b, 1);
	w(&b, 4);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "is a cycle");

	/* A typedef of itself. */
	one_type(&b, &blob);
	bt(&b, "self", K_TYPEDEF, 0, 0, 2);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "through type 2 is a cycle");

	/* vlen larger than what is left. */
	one_type(&b, &blob);
	bt(&b, "s", K_STRUCT, 0xffff, 0, 4);
	bm(&b, "m", 1, 0);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "vlen 65535 needs 786420 bytes, 12 left");

	one_type(&b, &blob);
	bt(&b, "e", K_ENUM, 3, 0, 4);
	w(&b, 0);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "vlen 3 needs 24 bytes, 4 left");

	one_type(&b, &blob);
	bt(&b, "t", K_TYPEDEF, 2, 0, 1);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "vlen 2 where none is allowed");

	one_type(&b, &blob);
	bt(&b, "t", 25, 0, 0, 1);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len, "type 2: unknown kind 25");

	/* A record cut short by the end of the type section. */
	one_type(&b, &blob);
	bt(&b, NULL, K_ARRAY, 0, 0, 0);
	w(&b, 1);
	bb_finish(&b, &blob);
	open_bad(blob.data, blob.len,
		 "test: type 2 (ARRAY): record cut short by the end of the type section");

	/* Strings must start and end with NUL. */
	one_type(&b, &blob);
	bb_finish(&b, &blob);
	blob.data[blob.len - 1] = 'x';
	open_bad(blob.data, blob.len, "must start and end with a NUL");

	/* An anonymous struct nesting itself: bounded, one error. */
	one_type(&b, &blob);
	bt(&b, NULL, K_STRUCT, 200, 0, 4);
	for (int i = 0; i < 200; i++)
		bm(&b, NULL, 2, 0);
	bt(&b, "s", K_STRUCT, 1, 0, 4);
	bm(&b, NULL, 2, 0);
	bb_finish(&b, &blob);
	{
		struct els_btf *nest;
		struct els_type_member nm;
		expect_ok(els_btf_open_buf(blob.data, blob.len, "test", &nest));
		expect_error(els_btf_member(nest, "s", "x", &nm),
			     ELS_ERR_INVALID, "more than 100000 members searched");
		els_btf_destroy(nest);
	}

	/* An array whose size overflows: an error at lookup, not a wrap. */
	one_type(&b, &blob);
	bt(&b, NULL, K_ARRAY, 0, 0, 0);
	w(&b, 3);
	w(&b, 1);
	w(&b, 0xffffffff);
	bt(&b, NULL, K_ARRAY, 0, 0, 0);
	w(&b, 1);
	w(&b, 1);
	w(&b, 0xffffffff);
	bt(&b, "s", K_STRUCT, 1, 0, 4);
	bm(&b, "m", 2, 0);
	bb_finish(&b, &blob);
	struct els_btf *btf;
	struct els_type_member m;
	expect_ok(els_btf_open_buf(blob.data, blob.len, "test", &btf));
	expect_error(els_btf_member(btf, "s", "m", &m), ELS_ERR_INVALID,
		     "overflows");
	els_btf_destroy(btf);
}

/* Big-endian sections (s390x kernels) parse the same. */
static void test_big_endian(void **state)
{
	struct blob blob;
	std_blob(&blob);
	uint32_t tlen = (uint32_t)blob.data[12] | (uint32_t)blob.data[13] << 8 |
			(uint32_t)blob.data[14] << 16 | (uint32_t)blob.data[15] << 24;
	/* Swap the header's and every type word's bytes. */
	uint8_t t;
	t = blob.data[0], blob.data[0] = blob.data[1], blob.data[1] = t;
	for (size_t off = 4; off < 24 + tlen; off += 4) {
		t = blob.data[off], blob.data[off] = blob.data[off + 3],
		blob.data[off + 3] = t;
		t = blob.data[off + 1], blob.data[off + 1] = blob.data[off + 2],
		blob.data[off + 2] = t;
	}
	struct els_btf *btf;
	expect_ok(els_btf_open_buf(blob.data, blob.len, "be", &btf));
	struct els_type_member m = member(btf, "task", "thread.cpu_context.pc");
	assert_int_equal(m.offset, 72);
	els_btf_destroy(btf);
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_write_seeds(void **state)
{
	const char *dir = getenv("ELSCOPE_WRITE_SEEDS");
	if (!dir || !*dir)
		skip();
	struct blob blob;
	struct bb b;
	std_blob(&blob);
	write_file(dir, "std", blob.data, blob.len);
	one_type(&b, &blob);
	bt(&b, "s", K_STRUCT, 2, 1, 8);
	bm(&b, "a", 1, 0);
	bm(&b, "b", 1, 3u << 24 | 32);
	bb_finish(&b, &blob);
	write_file(dir, "small-struct", blob.data, blob.len);
	one_type(&b, &blob);
	bt(&b, "a", K_TYPEDEF, 0, 0, 3);
	bt(&b, "b", K_CONST, 0, 0, 2);
	bb_finish(&b, &blob);
	write_file(dir, "cycle", blob.data, blob.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_bitfields),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_types_front),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_write_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
