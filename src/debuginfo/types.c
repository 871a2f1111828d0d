/* SPDX-License-Identifier: MIT */
#include "debuginfo/types.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vec.h"
#include "debuginfo/btf.h"

/*
 * Anonymous structures nested deeper than this are not searched, and one
 * lookup visits at most this many members.
 */
#define MAX_ANON_DEPTH 16
#define MAX_VISITS 100000

/* A cached answer: size of a struct (path NULL) or one member. */
struct types_entry {
	char *name;
	char *path;
	struct els_type_member member;
	uint64_t size;
	Dwarf_Off die; /* DWARF: the struct's DIE (path NULL) */
};

ELS_VEC(types_entry_vec, struct types_entry);

struct els_types {
	char *path;
	int fd;
	Elf *elf;
	Dwarf *dwarf;
	struct els_btf *btf;
	enum els_types_source source;
	struct types_entry_vec cache;
};

enum els_types_source els_types_source(const struct els_types *t)
{
	return t->source;
}

const char *els_types_source_name(const struct els_types *t)
{
	return t->source == ELS_TYPES_BTF ? "BTF" : "DWARF";
}

void els_types_destroy(struct els_types *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cache.len; i++) {
		free(t->cache.data[i].name);
		free(t->cache.data[i].path);
	}
	types_entry_vec_deinit(&t->cache);
	els_btf_destroy(t->btf);
	if (t->dwarf)
		dwarf_end(t->dwarf);
	if (t->elf)
		elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	free(t);
}

static struct els_error *open_common(const char *path, bool want_btf,
				     struct els_types **ret)
{
	struct els_error *err;
	struct els_types *t = calloc(1, sizeof(*t));
	if (!t)
		return &els_enomem;
	t->fd = -1;
	t->path = strdup(path);
	if (!t->path) {
		err = &els_enomem;
		goto fail;
	}
	elf_version(EV_CURRENT);
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		err = els_error_errno(errno, "opening %s", path);
		goto fail;
	}
	t->elf = elf_begin(t->fd, ELF_C_READ_MMAP, NULL);
	if (!t->elf || elf_kind(t->elf) != ELF_K_ELF) {
		err = els_error_create(ELS_ERR_INVALID, "%s: not an ELF file%s%s",
				       path, t->elf ? "" : ": ",
				       t->elf ? "" : elf_errmsg(-1));
		goto fail;
	}
	if (want_btf) {
		err = els_btf_open_elf(t->elf, path, &t->btf);
		if (!err) {
			t->source = ELS_TYPES_BTF;
			*ret = t;
			return NULL;
		}
		if (err->code != ELS_ERR_NOT_FOUND)
			goto fail;
		els_error_destroy(err);
	}
	t->dwarf = dwarf_begin_elf(t->elf, DWARF_C_READ, NULL);
	if (!t->dwarf) {
		err = els_error_create(ELS_ERR_NOT_FOUND,
				       "%s has neither .BTF nor DWARF type information (%s)",
				       path, dwarf_errmsg(-1));
		goto fail;
	}
	t->source = ELS_TYPES_DWARF;
	*ret = t;
	return NULL;
fail:
	els_types_destroy(t);
	return err;
}

struct els_error *els_types_open(const char *path, struct els_types **ret)
{
	return open_common(path, true, ret);
}

struct els_error *els_types_open_dwarf(const char *path,
				       struct els_types **ret)
{
	return open_common(path, false, ret);
}

/* ---- DWARF ---- */

static struct types_entry *cache_find(struct els_types *t, const char *name,
				      const char *path);

static bool is_aggregate_tag(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

/*
 * The first defined struct or union called name at the top level of a CU.
 * CUs are walked in order and the search stops at the first hit, so a type
 * used everywhere (task_struct) is found in the first few.
 */
static struct els_error *dwarf_find_struct(struct els_types *t,
					   const char *name, Dwarf_Die *ret)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, child;
	uint8_t unit_type;
	struct types_entry *e = cache_find(t, name, NULL);
	if (e && dwarf_offdie(t->dwarf, e->die, ret))
		return NULL;
	while (dwarf_get_units(t->dwarf, cu, &cu, NULL, &unit_type, &cudie,
			       NULL) == 0) {
		if (dwarf_child(&cudie, &child) != 0)
			continue;
		do {
			if (!is_aggregate_tag(dwarf_tag(&child)))
				continue;
			const char *n = dwarf_diename(&child);
			if (!n || strcmp(n, name))
				continue;
			Dwarf_Attribute a;
			bool decl = false;
			if (dwarf_attr(&child, DW_AT_declaration, &a))
				dwarf_formflag(&a, &decl);
			if (decl)
				continue;
			*ret = child;
			return NULL;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return els_error_create(ELS_ERR_NOT_FOUND,
				"%s: no struct or union %s (DWARF)", t->path,
				name);
}

static struct els_error *dwarf_size(struct els_types *t, Dwarf_Die *type,
				    uint64_t *ret)
{
	Dwarf_Die peeled;
	Dwarf_Word size;
	if (dwarf_peel_type(type, &peeled) == 0 &&
	    (dwarf_tag(&peeled) == DW_TAG_pointer_type ||
	     dwarf_tag(&peeled) == DW_TAG_reference_type) &&
	    !dwarf_hasattr(&peeled, DW_AT_byte_size)) {
		uint8_t asz = 8;
		Dwarf_Die cu;
		if (dwarf_diecu(&peeled, &cu, &asz, NULL))
			*ret = asz;
		else
			*ret = 8;
		return NULL;
	}
	if (dwarf_aggregate_size(type, &size) != 0) {
		/* A flexible array member has no size. */
		if (dwarf_peel_type(type, &peeled) == 0 &&
		    dwarf_tag(&peeled) == DW_TAG_array_type) {
			*ret = 0;
			return NULL;
		}
		return els_error_create(ELS_ERR_INVALID,
					"%s: size of DWARF type at 0x%" PRIx64 ": %s",
					t->path,
					(uint64_t)dwarf_dieoffset(type),
					dwarf_errmsg(-1));
	}
	*ret = size;
	return NULL;
}

/* DW_AT_data_member_location as a constant (or DW_OP_plus_uconst). */
static bool member_location(Dwarf_Die *m, uint64_t *ret)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	*ret = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return true; /* union members: 0 */
	if (dwarf_formudata(&a, &w) == 0) {
		*ret = w;
		return true;
	}
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_plus_uconst) {
		*ret = ops[0].number;
		return true;
	}
	return false;
}

static bool attr_udata(Dwarf_Die *d, unsigned int name, uint64_t *ret)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (!dwarf_attr(d, name, &a) || dwarf_formudata(&a, &w) != 0)
		return false;
	*ret = w;
	return true;
}

/* Member bit offset (from the start of its aggregate) and bit size. */
static bool member_bits(Dwarf_Die *m, uint64_t *bits, uint32_t *bit_size)
{
	uint64_t loc, v, bsz = 0, byte_size;
	*bit_size = 0;
	if (attr_udata(m, DW_AT_bit_size, &bsz))
		*bit_size = (uint32_t)bsz;
	if (attr_udata(m, DW_AT_data_bit_offset, &v)) {
		*bits = v;
		return true;
	}
	if (!member_location(m, &loc))
		return false;
	*bits = loc * 8;
	/* DWARF 2/3 style bit offset, counted from the storage unit's MSB. */
	if (bsz && attr_udata(m, DW_AT_bit_offset, &v) &&
	    attr_udata(m, DW_AT_byte_size, &byte_size))
		*bits += byte_size * 8 - v - bsz;
	return true;
}

static bool dwarf_find_member(Dwarf_Die *agg, const char *name, size_t len,
			      int depth, uint64_t *bits, uint32_t *bit_size,
			      Dwarf_Die *ret, uint32_t *visits)
{
	Dwarf_Die child;
	if (dwarf_child(agg, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		if (++*visits > MAX_VISITS)
			return false;
		const char *n = dwarf_diename(&child);
		uint64_t off;
		uint32_t bsz;
		if (!member_bits(&child, &off, &bsz))
			continue;
		if (!n) {
			Dwarf_Die type, peeled;
			Dwarf_Attribute ta;
			if (depth >= MAX_ANON_DEPTH ||
			    !dwarf_attr_integrate(&child, DW_AT_type, &ta) ||
			    !dwarf_formref_die(&ta, &type) ||
			    dwarf_peel_type(&type, &peeled) != 0 ||
			    !is_aggregate_tag(dwarf_tag(&peeled)))
				continue;
			uint64_t inner = 0;
			if (dwarf_find_member(&peeled, name, len, depth + 1,
					      &inner, bit_size, ret, visits)) {
				*bits += off + inner;
				return true;
			}
			continue;
		}
		if (strlen(n) == len && !memcmp(n, name, len)) {
			*bits += off;
			*bit_size = bsz;
			*ret = child;
			return true;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static struct els_error *dwarf_member(struct els_types *t, const char *name,
				      const char *path,
				      struct els_type_member *ret)
{
	Dwarf_Die agg, m, type, peeled;
	Dwarf_Attribute a;
	struct els_error *err = dwarf_find_struct(t, name, &agg);
	if (err)
		return err;
	uint64_t bits = 0;
	uint32_t bit_size = 0;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		uint64_t here = 0;
		uint32_t visits = 0;
		bool found = n && dwarf_find_member(&agg, p, n, 0, &here,
						    &bit_size, &m, &visits);
		if (!found && visits > MAX_VISITS)
			return els_error_create(ELS_ERR_INVALID,
						"%s: looking up %s.%s: more than %d members searched (nested anonymous members)",
						t->path, name, path, MAX_VISITS);
		if (!found)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"%s has no member '%.*s'", name,
						(int)(dot ? (size_t)(dot - path) : strlen(path)),
						path);
		bits += here;
		if (!dwarf_attr_integrate(&m, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, &type))
			return els_error_create(ELS_ERR_INVALID,
						"%s: %s.%.*s has no type", t->path,
						name, (int)(p - path + n), path);
		if (!dot)
			break;
		if (dwarf_peel_type(&type, &peeled) != 0 ||
		    !is_aggregate_tag(dwarf_tag(&peeled)))
			return els_error_create(ELS_ERR_NOT_FOUND,
						"%s: in %s.%s, '%.*s' is not inside a struct or union",
						t->path, name, path, (int)n, p);
		agg = peeled;
		p = dot + 1;
	}

	memset(ret, 0, sizeof(*ret));
	ret->bit_offset = bits;
	ret->offset = bits / 8;
	ret->bit_size = bit_size;
	if ((err = dwarf_size(t, &type, &ret->size)))
		return err;
	if (dwarf_peel_type(&type, &peeled) != 0)
		return NULL;
	Dwarf_Die elem;
	bool has_elem = dwarf_attr_integrate(&peeled, DW_AT_type, &a) &&
			dwarf_formref_die(&a, &elem);
	switch (dwarf_tag(&peeled)) {
	case DW_TAG_base_type:
		ret->kind = ELS_TYPE_INT;
		{
			uint64_t enc;
			if (attr_udata(&peeled, DW_AT_encoding, &enc) &&
			    enc == DW_ATE_float)
				ret->kind = ELS_TYPE_FLOAT;
		}
		break;
	case DW_TAG_pointer_type:
		ret->kind = ELS_TYPE_PTR;
		if (has_elem && (err = dwarf_size(t, &elem, &ret->elem_size)))
			return err;
		break;
	case DW_TAG_array_type: {
		ret->kind = ELS_TYPE_ARRAY;
		if (has_elem && (err = dwarf_size(t, &elem, &ret->elem_size)))
			return err;
		ret->count = ret->elem_size ? ret->size / ret->elem_size : 0;
		break;
	}
	case DW_TAG_structure_type:
		ret->kind = ELS_TYPE_STRUCT;
		break;
	case DW_TAG_union_type:
		ret->kind = ELS_TYPE_UNION;
		break;
	case DW_TAG_enumeration_type:
		ret->kind = ELS_TYPE_ENUM;
		break;
	default:
		break;
	}
	return NULL;
}

static struct els_error *dwarf_struct_size(struct els_types *t,
					   const char *name, uint64_t *ret,
					   Dwarf_Off *die)
{
	Dwarf_Die agg;
	struct els_error *err = dwarf_find_struct(t, name, &agg);
	if (err)
		return err;
	*die = dwarf_dieoffset(&agg);
	return dwarf_size(t, &agg, ret);
}

/* ---- the common front, with the cache ---- */

static struct types_entry *cache_find(struct els_types *t, const char *name,
				      const char *path)
{
	for (size_t i = 0; i < t->cache.len; i++) {
		struct types_entry *e = &t->cache.data[i];
		if (!strcmp(e->name, name) &&
		    (path ? e->path && !strcmp(e->path, path) : !e->path))
			return e;
	}
	return NULL;
}

static struct els_error *cache_add(struct els_types *t, const char *name,
				   const char *path, uint64_t size,
				   const struct els_type_member *m, Dwarf_Off die)
{
	struct types_entry e = { .size = size, .die = die };
	if (m)
		e.member = *m;
	e.name = strdup(name);
	e.path = path ? strdup(path) : NULL;
	if (!e.name || (path && !e.path) || !types_entry_vec_push(&t->cache, e)) {
		free(e.name);
		free(e.path);
		return &els_enomem;
	}
	return NULL;
}

struct els_error *els_types_struct_size(struct els_types *t, const char *name,
					uint64_t *ret)
{
	struct types_entry *e = cache_find(t, name, NULL);
	if (e) {
		*ret = e->size;
		return NULL;
	}
	Dwarf_Off die = 0;
	struct els_error *err = t->source == ELS_TYPES_BTF ?
		els_btf_struct_size(t->btf, name, ret) :
		dwarf_struct_size(t, name, ret, &die);
	if (err && err != &els_enomem && err->code == ELS_ERR_NOT_FOUND) {
		els_error_destroy(err);
		return els_error_create(ELS_ERR_NOT_FOUND,
					"no struct or union %s (%s, %s)", name,
					t->path, els_types_source_name(t));
	}
	if (err)
		return err;
	return cache_add(t, name, NULL, *ret, NULL, die);
}

struct els_error *els_types_member(struct els_types *t, const char *name,
				   const char *path,
				   struct els_type_member *ret)
{
	struct types_entry *e = cache_find(t, name, path);
	if (e) {
		*ret = e->member;
		return NULL;
	}
	uint64_t size;
	struct els_error *err = els_types_struct_size(t, name, &size);
	if (err)
		return err;
	err = t->source == ELS_TYPES_BTF ?
		els_btf_member(t->btf, name, path, ret) :
		dwarf_member(t, name, path, ret);
	if (err) {
		if (err != &els_enomem && err->code == ELS_ERR_NOT_FOUND &&
		    strstr(err->message, " has no member '")) {
			struct els_error *named = els_error_create(
				ELS_ERR_NOT_FOUND, "%s (%s, %s)", err->message,
				t->path, els_types_source_name(t));
			els_error_destroy(err);
			return named;
		}
		return err;
	}
	/* Verify: the member lies inside the structure. */
	uint64_t end_bits = ret->bit_offset +
			    (ret->bit_size ? ret->bit_size : ret->size * 8);
	if (end_bits < ret->bit_offset || end_bits > size * 8)
		return els_error_create(ELS_ERR_INVALID,
					"%s.%s at offset %" PRIu64 " (%" PRIu64 " bytes) runs past the end of %s (%" PRIu64 " bytes) (%s, %s)",
					name, path, ret->offset, ret->size, name,
					size, t->path, els_types_source_name(t));
	return cache_add(t, name, path, size, ret, 0);
}
