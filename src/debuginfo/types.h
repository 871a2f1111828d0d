/* SPDX-License-Identifier: MIT */
/*
 * Types for OS awareness: sizes of structures and offsets of their members by
 * name, from a file's .BTF section when it has one (fast) and from its DWARF
 * otherwise (libdw, searched lazily: nothing is scanned at open).
 *
 *   struct els_types *t;
 *   err = els_types_open("vmlinux", &t);
 *   err = els_types_member(t, "task_struct", "thread.cpu_context.sp", &m);
 *
 * A member path is dotted; a name is also found through anonymous structures
 * and unions. Every answer is checked (the member lies inside its structure)
 * and cached; a missing one fails with its name and the file:
 *   "task_struct has no member 'foo' (vmlinux, BTF)".
 */
#ifndef ELS_DEBUGINFO_TYPES_H
#define ELS_DEBUGINFO_TYPES_H

#include <stdint.h>

#include "core/error.h"

/* What a member's type is, typedefs and qualifiers peeled off. */
enum els_type_kind {
	ELS_TYPE_OTHER = 0,
	ELS_TYPE_INT,
	ELS_TYPE_PTR,
	ELS_TYPE_ARRAY,
	ELS_TYPE_STRUCT,
	ELS_TYPE_UNION,
	ELS_TYPE_ENUM,
	ELS_TYPE_FLOAT,
};

struct els_type_member {
	uint64_t offset;     /* bytes from the start of the structure */
	uint64_t bit_offset; /* bits from the start of the structure */
	uint32_t bit_size;   /* 0 unless a bitfield */
	uint64_t size;       /* bytes of the member's type */
	enum els_type_kind kind;
	uint64_t elem_size;  /* pointer: pointee's size (0: void); array: element's */
	uint64_t count;      /* array: number of elements */
};

enum els_types_source {
	ELS_TYPES_BTF,
	ELS_TYPES_DWARF,
};

struct els_types;

/* Opens path; uses .BTF when present, DWARF otherwise. */
struct els_error *els_types_open(const char *path, struct els_types **ret);
/* The same, but DWARF even when there is a .BTF section (for comparisons). */
struct els_error *els_types_open_dwarf(const char *path,
				       struct els_types **ret);
void els_types_destroy(struct els_types *t);

enum els_types_source els_types_source(const struct els_types *t);
const char *els_types_source_name(const struct els_types *t);

/* Size of struct or union name. */
struct els_error *els_types_struct_size(struct els_types *t, const char *name,
					uint64_t *ret);
/* Member path of struct or union name ("tasks.next"). */
struct els_error *els_types_member(struct els_types *t, const char *name,
				   const char *path,
				   struct els_type_member *ret);

#endif
