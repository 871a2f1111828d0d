/* SPDX-License-Identifier: MIT */
/*
 * Symbol tables of ELF files (vmlinux, xen-syms, executables, shared
 * libraries): address -> symbol+offset, name -> address, and the source
 * line of an address from DWARF, read lazily.
 *
 * The file stays mapped (libelf's ELF_C_READ_MMAP); the table is a sorted
 * array of (address, size, offset of the name in the file's string table)
 * and a hash of names. Nothing of DWARF is read at load: the first source
 * line asked for opens it, and .debug_aranges finds the compilation unit.
 *
 * A symbol set has a bias added to every address of the file: the KASLR
 * slide of a kernel, the load base of a position-independent binary.
 */
#ifndef ELS_DEBUGINFO_SYMBOLS_H
#define ELS_DEBUGINFO_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct els_symtab;

/* One symbol as answered; addresses include the bias. */
struct els_symbol {
	const char *name;  /* in the mapped file: valid until destroy */
	uint64_t addr;
	uint64_t size;     /* 0: unknown (e.g. assembler labels) */
	uint64_t offset;   /* address asked minus addr (address lookups) */
	bool is_func;
	bool is_global;
};

/*
 * Load path's .symtab, or .dynsym when there is none. A file that is not
 * ELF, is truncated, or whose tables point outside it is an ELS_ERR_INVALID
 * error naming the file and what is wrong.
 */
struct els_error *els_symtab_open(const char *path, struct els_symtab **ret);
void els_symtab_destroy(struct els_symtab *st); /* NULL is fine */

/* One symbol given by whoever found it (a module's in-memory kallsyms). */
struct els_symtab_entry {
	const char *name;
	uint64_t addr;     /* the running address: no bias, no sections */
	uint64_t size;     /* 0: unknown */
	bool is_func;
	bool is_global;
};

/*
 * A table made from a list of symbols rather than from a file: label
 * stands for the path in messages (els_symtab_path), names are copied,
 * entries with an empty name are left out. Addresses outside [lowest
 * address, highest end) of the entries are not named. It has no file:
 * no source lines, no file bytes.
 */
struct els_error *els_symtab_from_entries(const char *label,
					  const struct els_symtab_entry *entries,
					  size_t n, struct els_symtab **ret);

const char *els_symtab_path(const struct els_symtab *st);
size_t els_symtab_count(const struct els_symtab *st);
void els_symtab_set_bias(struct els_symtab *st, uint64_t bias);
uint64_t els_symtab_bias(const struct els_symtab *st);
/*
 * The lowest p_vaddr of the file's PT_LOAD segments (no bias): a shared
 * library's load bias is where that segment is mapped minus this, rounded
 * down to the page. false when the file has no PT_LOAD segment.
 */
bool els_symtab_load_start(const struct els_symtab *st, uint64_t *ret);

/*
 * A relocatable file (a kernel module, ET_REL) has no addresses until its
 * sections are placed: each call gives one section (by name: ".text",
 * ".init.text", ...) its load address, and from then on its symbols are
 * found at and by that address. Symbols of sections not placed are not
 * found. ELS_ERR_NOT_FOUND when the file has no such section.
 */
bool els_symtab_is_relocatable(const struct els_symtab *st);
struct els_error *els_symtab_place_section(struct els_symtab *st,
					   const char *name, uint64_t addr);

/*
 * The symbol covering addr: the nearest symbol at or below it whose size
 * covers it, or a size-0 symbol when that is the nearest. ELS_ERR_NOT_FOUND
 * otherwise.
 */
struct els_error *els_symtab_lookup_addr(const struct els_symtab *st,
					 uint64_t addr,
					 struct els_symbol *ret);
/* The same, but only true/false, for naming addresses in listings. */
bool els_symtab_find_addr(const struct els_symtab *st, uint64_t addr,
			  struct els_symbol *ret);
/* "name+0xoff" (or "name" at offset 0) into buf. */
void els_symbol_format(const struct els_symbol *s, char *buf, size_t size);

/* By name; global symbols win over local ones of the same name. */
struct els_error *els_symtab_lookup_name(const struct els_symtab *st,
					 const char *name,
					 struct els_symbol *ret);

/*
 * The source file and line of addr from the file's DWARF (libdw), opened on
 * first use. *file points into libdw's data: valid until destroy.
 * ELS_ERR_NOT_FOUND when the file has no DWARF or none covers addr.
 */
struct els_error *els_symtab_source_line(struct els_symtab *st, uint64_t addr,
					 const char **file, int *line);

/*
 * len bytes of the file's contents at addr (bias included), from the
 * allocated section that holds them: what the loaded image holds there
 * before it ran (for checks such as the KASLR slide).
 */
struct els_error *els_symtab_file_bytes(const struct els_symtab *st,
					uint64_t addr, void *buf, size_t len);

#endif
