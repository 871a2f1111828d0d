/* SPDX-License-Identifier: MIT */
/* Symbol tables: a small ELF written with libelf, then looked up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo/symbols.h"
#include "debuginfo/symset.h"
#include "testutil.h"

#define TEXT_ADDR 0xffff800008000000ULL
#define TEXT_SIZE 0x1000

struct tsym {
	const char *name;
	uint64_t addr;
	uint64_t size;
	unsigned type, bind;
	bool abs;
};

static const struct tsym tsyms[] = {
	{ "_text", TEXT_ADDR, 0, STT_NOTYPE, STB_GLOBAL, false },
	{ "$x", TEXT_ADDR, 0, STT_NOTYPE, STB_LOCAL, false },
	{ "start_kernel", TEXT_ADDR, 0x100, STT_FUNC, STB_GLOBAL, false },
	{ "helper", TEXT_ADDR + 0x100, 0x20, STT_FUNC, STB_LOCAL, false },
	/* a gap from 0x120 to 0x200, then a label with no size */
	{ "label", TEXT_ADDR + 0x200, 0, STT_NOTYPE, STB_GLOBAL, false },
	{ "$d", TEXT_ADDR + 0x300, 0, STT_NOTYPE, STB_LOCAL, false },
	{ "big", TEXT_ADDR + 0x400, 0x400, STT_OBJECT, STB_GLOBAL, false },
	{ "inner", TEXT_ADDR + 0x500, 0, STT_NOTYPE, STB_LOCAL, false },
	{ "dup", TEXT_ADDR + 0x900, 0x10, STT_FUNC, STB_LOCAL, false },
	{ "dup", TEXT_ADDR + 0x910, 0x10, STT_FUNC, STB_GLOBAL, false },
	{ "an_abs", 0x1234, 0, STT_NOTYPE, STB_GLOBAL, true },
	/* a label at the end of the image, as vmlinux and xen-syms have */
	{ "_end", TEXT_ADDR + TEXT_SIZE, 0, STT_NOTYPE, STB_GLOBAL, false },
};
#define NSYMS (sizeof(tsyms) / sizeof(*tsyms))

static void add_section(Elf *elf, const char *name_unused, Elf64_Word type,
			uint64_t flags, uint64_t addr, void *buf, size_t size,
			Elf_Type dtype, uint32_t name, uint32_t link,
			uint32_t info, uint64_t entsize)
{
	Elf_Scn *scn = elf_newscn(elf);
	assert_non_null(scn);
	Elf_Data *d = elf_newdata(scn);
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = dtype;
	d->d_align = 8;
	Elf64_Shdr *sh = elf64_getshdr(scn);
	sh->sh_type = type;
	sh->sh_flags = flags;
	sh->sh_addr = addr;
	sh->sh_name = name;
	sh->sh_link = link;
	sh->sh_info = info;
	sh->sh_entsize = entsize;
}

/* Write the test ELF; returns its path (static buffer). */
static const char *write_elf_type(Elf64_Half type)
{
	static char path[] = "/tmp/els-test-symbols-XXXXXX";
	strcpy(path, "/tmp/els-test-symbols-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(elf);
	Elf64_Ehdr *eh = elf64_newehdr(elf);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = type;
	bool rel = type == ET_REL;
	eh->e_machine = EM_AARCH64;
	eh->e_version = EV_CURRENT;

	/* Section names: 1 .text, 7 .symtab, 15 .strtab, 23 .shstrtab */
	static char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
	static uint8_t text[TEXT_SIZE];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)i;
	static char strtab[512];
	static Elf64_Sym syms[NSYMS + 1];
	size_t off = 1;
	strtab[0] = '\0';
	memset(syms, 0, sizeof(syms));
	for (size_t i = 0; i < NSYMS; i++) {
		strcpy(strtab + off, tsyms[i].name);
		syms[i + 1] = (Elf64_Sym){
			.st_name = (Elf64_Word)off,
			.st_value = tsyms[i].addr -
				    (rel && !tsyms[i].abs ? TEXT_ADDR : 0),
			.st_size = tsyms[i].size,
			.st_info = ELF64_ST_INFO(tsyms[i].bind, tsyms[i].type),
			.st_shndx = tsyms[i].abs ? SHN_ABS : 1,
		};
		off += strlen(tsyms[i].name) + 1;
	}
	add_section(elf, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		    rel ? 0 : TEXT_ADDR, text, sizeof(text), ELF_T_BYTE, 1, 0, 0, 0);
	add_section(elf, ".symtab", SHT_SYMTAB, 0, 0, syms, sizeof(syms),
		    ELF_T_SYM, 7, 3, 1, sizeof(Elf64_Sym));
	add_section(elf, ".strtab", SHT_STRTAB, 0, 0, strtab, off, ELF_T_BYTE,
		    15, 0, 0, 0);
	add_section(elf, ".shstrtab", SHT_STRTAB, 0, 0, shstr, sizeof(shstr),
		    ELF_T_BYTE, 23, 0, 0, 0);
	eh->e_shstrndx = 4;
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
	return path;
}

static const char *write_elf(void)
{
	return write_elf_type(ET_EXEC);
}

static struct els_symtab *open_test(const char **pathp)
{
	const char *path = write_elf();
	struct els_symtab *st;
	expect_ok(els_symtab_open(path, &st));
	if (pathp)
		*pathp = path;
	else
		unlink(path);
	return st;
}

static void expect_sym(struct els_symtab *st, uint64_t addr,
		       const char *name, uint64_t offset)
{
	struct els_symbol s;
	struct els_error *err = els_symtab_lookup_addr(st, addr, &s);
	if (err)
		fail_msg("0x%llx: %s", (unsigned long long)addr, err->message);
	assert_string_equal(s.name, name);
	assert_int_equal(s.offset, offset);
}

static void expect_none(struct els_symtab *st, uint64_t addr)
{
	struct els_symbol s;
	expect_error(els_symtab_lookup_addr(st, addr, &s), ELS_ERR_NOT_FOUND,
		     "covers");
}

static void test_addr(void **state)
{
	struct els_symtab *st = open_test(NULL);
	/* mapping and absolute symbols are left out; _text is NOTYPE */
	assert_int_equal(els_symtab_count(st), NSYMS - 3);
	expect_sym(st, TEXT_ADDR, "start_kernel", 0);
	expect_sym(st, TEXT_ADDR + 0xff, "start_kernel", 0xff);
	expect_sym(st, TEXT_ADDR + 0x100, "helper", 0);
	expect_sym(st, TEXT_ADDR + 0x11f, "helper", 0x1f);
	expect_none(st, TEXT_ADDR + 0x120); /* past helper, before label */
	expect_none(st, TEXT_ADDR - 1);
	/* a size-0 label names what follows it, $d does not hide it */
	expect_sym(st, TEXT_ADDR + 0x200, "label", 0);
	expect_sym(st, TEXT_ADDR + 0x3ff, "label", 0x1ff);
	/* a sized object covers a label nested in it */
	expect_sym(st, TEXT_ADDR + 0x400, "big", 0);
	expect_sym(st, TEXT_ADDR + 0x600, "big", 0x200);
	expect_sym(st, TEXT_ADDR + 0x7ff, "big", 0x3ff);
	/* past big: the nearest label, inner, names it */
	expect_sym(st, TEXT_ADDR + 0x800, "inner", 0x300);
	expect_sym(st, TEXT_ADDR + 0x905, "dup", 5);
	expect_none(st, TEXT_ADDR + 0x920);
	/* _end names nothing: the image ends where it stands */
	expect_none(st, TEXT_ADDR + TEXT_SIZE);
	expect_none(st, TEXT_ADDR + TEXT_SIZE + 0x12345678);
	els_symtab_destroy(st);
}

static void test_name_and_bias(void **state)
{
	struct els_symtab *st = open_test(NULL);
	struct els_symbol s;
	expect_ok(els_symtab_lookup_name(st, "helper", &s));
	assert_int_equal(s.addr, TEXT_ADDR + 0x100);
	assert_int_equal(s.size, 0x20);
	assert_true(s.is_func);
	/* the global of two symbols with one name */
	expect_ok(els_symtab_lookup_name(st, "dup", &s));
	assert_int_equal(s.addr, TEXT_ADDR + 0x910);
	expect_error(els_symtab_lookup_name(st, "$x", &s), ELS_ERR_NOT_FOUND,
		     "no symbol '$x'");
	expect_error(els_symtab_lookup_name(st, "nope", &s),
		     ELS_ERR_NOT_FOUND, "no symbol 'nope'");

	const uint64_t slide = 0x207512a00000ULL;
	els_symtab_set_bias(st, slide);
	expect_ok(els_symtab_lookup_name(st, "helper", &s));
	assert_int_equal(s.addr, TEXT_ADDR + 0x100 + slide);
	expect_sym(st, TEXT_ADDR + slide + 0x110, "helper", 0x10);
	expect_none(st, TEXT_ADDR + 0x110); /* the unslid address */
	expect_none(st, 0x10);

	/* file bytes at slid addresses */
	uint8_t buf[4];
	expect_ok(els_symtab_file_bytes(st, TEXT_ADDR + slide + 0x10, buf, 4));
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[3], 0x13);
	expect_error(els_symtab_file_bytes(st, TEXT_ADDR + slide + TEXT_SIZE - 2,
					   buf, 4),
		     ELS_ERR_INVALID, "past the end");
	expect_error(els_symtab_file_bytes(st, 0x10, buf, 4),
		     ELS_ERR_NOT_MAPPED, "no contents");

	/* no DWARF in this file */
	const char *file;
	int line;
	expect_error(els_symtab_source_line(st, TEXT_ADDR + slide, &file,
					    &line),
		     ELS_ERR_NOT_FOUND, "no DWARF");
	els_symtab_destroy(st);
}

static void test_bad_files(void **state)
{
	const char *path;
	struct els_symtab *st = open_test(&path);
	els_symtab_destroy(st);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);

	/* Truncated: the section headers (at the end) are gone. */
	assert_int_equal(truncate(path, sb.st_size - 100), 0);
	struct els_error *err = els_symtab_open(path, &st);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_INVALID);
	assert_non_null(strstr(err->message, "truncated?"));
	assert_non_null(strstr(err->message, path));
	els_error_destroy(err);

	/* Not ELF at all. */
	FILE *f = fopen(path, "w");
	fputs("hello, not an ELF file\n", f);
	fclose(f);
	expect_error(els_symtab_open(path, &st), ELS_ERR_INVALID,
		     "not an ELF file");

	unlink(path);
	expect_error(els_symtab_open(path, &st), ELS_ERR_IO,
		     "No such file");
}

/* A symbol table whose string table link or names point outside. */
static void test_inconsistent(void **state)
{
	const char *path;
	struct els_symtab *st = open_test(&path);
	els_symtab_destroy(st);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	assert_non_null(elf);
	Elf_Scn *scn = elf_getscn(elf, 2);
	Elf64_Shdr *sh = elf64_getshdr(scn);
	assert_int_equal(sh->sh_type, SHT_SYMTAB);
	sh->sh_link = 42;
	elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
	expect_error(els_symtab_open(path, &st), ELS_ERR_INVALID,
		     "links to section 42");

	/* A name offset past the string table. */
	fd = open(path, O_RDWR);
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	scn = elf_getscn(elf, 2);
	sh = elf64_getshdr(scn);
	sh->sh_link = 3;
	Elf_Data *d = elf_getdata(scn, NULL);
	((Elf64_Sym *)d->d_buf)[2].st_name = 100000;
	elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
	expect_error(els_symtab_open(path, &st), ELS_ERR_INVALID,
		     "outside the string table");
	unlink(path);
}

/* A relocatable file (a module): nothing is found until .text is placed. */
static void test_relocatable(void **state)
{
	const char *path = write_elf_type(ET_REL);
	struct els_symtab *st;
	expect_ok(els_symtab_open(path, &st));
	unlink(path);
	assert_true(els_symtab_is_relocatable(st));
	struct els_symbol s;
	expect_none(st, 0x100);
	expect_none(st, TEXT_ADDR + 0x100);
	expect_error(els_symtab_lookup_name(st, "helper", &s),
		     ELS_ERR_NOT_FOUND, "no symbol 'helper'");
	expect_error(els_symtab_place_section(st, ".data", 0x1000),
		     ELS_ERR_NOT_FOUND, "no section .data");

	const uint64_t at = 0xffff80000a3c0000ULL;
	expect_ok(els_symtab_place_section(st, ".text", at));
	expect_sym(st, at + 0x100, "helper", 0);
	expect_sym(st, at + 0x905, "dup", 5);
	expect_none(st, at - 1);
	expect_none(st, at + TEXT_SIZE); /* the section ends there */
	expect_ok(els_symtab_lookup_name(st, "big", &s));
	assert_int_equal(s.addr, at + 0x400);

	/* Placed again (a module reloaded elsewhere): the old place is gone. */
	expect_ok(els_symtab_place_section(st, ".text", at + 0x10000));
	expect_none(st, at + 0x100);
	expect_sym(st, at + 0x10100, "helper", 0);

	const char *file;
	int line;
	expect_error(els_symtab_source_line(st, at + 0x10100, &file, &line),
		     ELS_ERR_NOT_FOUND, "relocatable");
	els_symtab_destroy(st);

	/* Sections of a linked file have their addresses already. */
	st = open_test(NULL);
	assert_false(els_symtab_is_relocatable(st));
	expect_error(els_symtab_place_section(st, ".text", at),
		     ELS_ERR_INVALID, "not a relocatable file");
	els_symtab_destroy(st);
}

/* A context's set: a slid kernel image and a module, looked up together. */
static void test_symset(void **state)
{
	struct els_symset *set;
	expect_ok(els_symset_create("the test kernel", &set));
	struct els_symtab *kern = open_test(NULL);
	const uint64_t slide = 0x1000000;
	els_symtab_set_bias(kern, slide);
	expect_ok(els_symset_add(set, "vmlinux", kern, true));

	const char *path = write_elf_type(ET_REL);
	struct els_symtab *mod;
	expect_ok(els_symtab_open(path, &mod));
	unlink(path);
	const uint64_t at = 0xffff00000a000000ULL;
	expect_ok(els_symtab_place_section(mod, ".text", at));
	expect_ok(els_symset_add(set, "mod", mod, true));
	assert_int_equal(els_symset_count(set), 2);

	struct els_symbol s;
	struct els_symtab *in;
	assert_true(els_symset_find_addr(set, TEXT_ADDR + slide + 0x101, &s,
					 &in));
	assert_string_equal(s.name, "helper");
	assert_ptr_equal(in, kern);
	assert_true(els_symset_find_addr(set, at + 0x102, &s, &in));
	assert_string_equal(s.name, "helper");
	assert_int_equal(s.offset, 2);
	assert_ptr_equal(in, mod);
	assert_false(els_symset_find_addr(set, 0x42, &s, &in));
	char buf[64];
	assert_true(els_symset_format(set, at + 0x110, buf, sizeof(buf)));
	assert_string_equal(buf, "helper+0x10");

	/* By name: the first image, or the one named. */
	expect_ok(els_symset_lookup_name(set, "helper", &s, &in));
	assert_int_equal(s.addr, TEXT_ADDR + slide + 0x100);
	expect_ok(els_symset_lookup_name(set, "mod:helper", &s, &in));
	assert_int_equal(s.addr, at + 0x100);
	assert_ptr_equal(in, mod);
	expect_error(els_symset_lookup_name(set, "nomod:helper", &s, &in),
		     ELS_ERR_NOT_FOUND, "no image 'nomod'");
	expect_error(els_symset_lookup_name(set, "nothing", &s, &in),
		     ELS_ERR_NOT_FOUND, "no symbol 'nothing' in the test kernel (2 images)");

	/* One label once; a failed add of an owned table destroys it. */
	struct els_symtab *again = open_test(NULL);
	expect_error(els_symset_add(set, "mod", again, true), ELS_ERR_INVALID,
		     "already loaded");
	/* Unloading the module: its addresses name nothing any more. */
	assert_true(els_symset_remove(set, "mod"));
	assert_false(els_symset_remove(set, "mod"));
	assert_false(els_symset_find_addr(set, at + 0x102, &s, &in));
	assert_null(els_symset_image(set, "mod"));
	assert_ptr_equal(els_symset_image(set, "vmlinux"), kern);
	els_symset_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_name_and_bias),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_relocatable),
		cmocka_unit_test(test_symset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
