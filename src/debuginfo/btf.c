/* SPDX-License-Identifier: MIT */
#include "debuginfo/btf.h"

#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/vec.h"

#define BTF_MAGIC 0xeb9f
#define BTF_VERSION 1
#define BTF_HDR_MIN 24

enum {
	BTF_KIND_UNKN = 0,
	BTF_KIND_INT,
	BTF_KIND_PTR,
	BTF_KIND_ARRAY,
	BTF_KIND_STRUCT,
	BTF_KIND_UNION,
	BTF_KIND_ENUM,
	BTF_KIND_FWD,
	BTF_KIND_TYPEDEF,
	BTF_KIND_VOLATILE,
	BTF_KIND_CONST,
	BTF_KIND_RESTRICT,
	BTF_KIND_FUNC,
	BTF_KIND_FUNC_PROTO,
	BTF_KIND_VAR,
	BTF_KIND_DATASEC,
	BTF_KIND_FLOAT,
	BTF_KIND_DECL_TAG,
	BTF_KIND_TYPE_TAG,
	BTF_KIND_ENUM64,
	BTF_KIND_MAX = BTF_KIND_ENUM64,
};

/*
 * Anonymous structures nested deeper than this are not searched, and one
 * lookup visits at most this many members (a hostile section can nest the
 * same anonymous structure many times over).
 */
#define MAX_ANON_DEPTH 16
#define MAX_VISITS 100000
/* BTF has no pointer size; the targets are 64-bit. */
#define PTR_SIZE 8

/* One type record, decoded; ids and string offsets already validated. */
struct btf_type {
	uint32_t name_off;
	uint32_t size_type; /* size, or the referenced type */
	uint32_t aux;       /* struct/union: first member; array: element type;
			       int: encoding */
	uint32_t nelems;    /* array */
	uint16_t vlen;
	uint8_t kind;
	bool kflag;
};

struct btf_member {
	uint32_t name_off;
	uint32_t type;
	uint32_t offset; /* as in the record (kind_flag decides) */
};

ELS_VEC(btf_type_vec, struct btf_type);
ELS_VEC(btf_member_vec, struct btf_member);

struct els_btf {
	uint8_t *data; /* our copy of the section */
	const char *strs;
	uint32_t str_len;
	struct btf_type_vec types; /* indexed by id; [0] is void */
	struct btf_member_vec members;
	char *what;
};

static const char *const kind_names[] = {
	"UNKN",     "INT",      "PTR",        "ARRAY",   "STRUCT",
	"UNION",    "ENUM",     "FWD",        "TYPEDEF", "VOLATILE",
	"CONST",    "RESTRICT", "FUNC",       "FUNC_PROTO", "VAR",
	"DATASEC",  "FLOAT",    "DECL_TAG",   "TYPE_TAG", "ENUM64",
};

static const char *str_at(const struct els_btf *btf, uint32_t off)
{
	return btf->strs + off;
}

static struct els_error *check_str(const struct els_btf *btf, uint32_t id,
				   uint32_t off)
{
	if (off >= btf->str_len)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type %u: string offset %u is past the string section (%u bytes)",
					btf->what, id, off, btf->str_len);
	return NULL;
}

static struct els_error *check_id(const struct els_btf *btf, uint32_t id,
				  uint32_t ref, uint32_t nr_types)
{
	if (ref >= nr_types)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type %u refers to type %u, but there are only %u types",
					btf->what, id, ref, nr_types);
	return NULL;
}

/* Reads n u32 fields into out. */
static struct els_error *read_u32s(struct els_reader *r, uint32_t *out,
				   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct els_error *err = els_reader_u32(r, &out[i]);
		if (err)
			return err;
	}
	return NULL;
}

/* Bytes of trailing data per vlen entry, by kind. */
static size_t vlen_entry_size(uint8_t kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8;
	default:
		return 0;
	}
}

/* The reader's error, reworded to name the record. */
static struct els_error *record_truncated(const struct els_btf *btf,
					  struct els_error *err, uint32_t id,
					  uint8_t kind)
{
	if (err == &els_enomem)
		return err;
	els_error_destroy(err);
	return els_error_create(ELS_ERR_INVALID,
				"%s: type %u%s%s%s: record cut short by the end of the type section",
				btf->what, id, kind ? " (" : "",
				kind ? kind_names[kind] : "", kind ? ")" : "");
}

/* First pass: decode every record; ids are checked later (forward refs). */
static struct els_error *decode_types(struct els_btf *btf,
				      struct els_reader *r)
{
	struct els_error *err;
	struct btf_type *v = btf_type_vec_append(&btf->types);
	if (!v)
		return &els_enomem;
	memset(v, 0, sizeof(*v)); /* void */

	while (els_reader_left(r)) {
		uint32_t id = (uint32_t)btf->types.len;
		if (id == UINT32_MAX)
			return els_error_create(ELS_ERR_INVALID,
						"%s: too many types", btf->what);
		uint32_t hdr[3];
		err = read_u32s(r, hdr, 3);
		if (err)
			return record_truncated(btf, err, id, BTF_KIND_UNKN);
		struct btf_type t = {
			.name_off = hdr[0],
			.size_type = hdr[2],
			.vlen = hdr[1] & 0xffff,
			.kind = (hdr[1] >> 24) & 0x1f,
			.kflag = hdr[1] >> 31,
		};
		if (t.kind == BTF_KIND_UNKN || t.kind > BTF_KIND_MAX)
			return els_error_create(ELS_ERR_INVALID,
						"%s: type %u: unknown kind %u",
						btf->what, id, t.kind);
		size_t esize = vlen_entry_size(t.kind);
		if (!esize && t.vlen && t.kind != BTF_KIND_FUNC)
			return els_error_create(ELS_ERR_INVALID,
						"%s: type %u (%s): vlen %u where none is allowed",
						btf->what, id, kind_names[t.kind], t.vlen);
		/* vlen entries must fit in what is left (no multiplication past it). */
		if (esize && t.vlen > els_reader_left(r) / esize)
			return els_error_create(ELS_ERR_INVALID,
						"%s: type %u (%s): vlen %u needs %zu bytes, %zu left in the type section",
						btf->what, id, kind_names[t.kind], t.vlen,
						(size_t)t.vlen * esize, els_reader_left(r));
		uint32_t x[3];
		switch (t.kind) {
		case BTF_KIND_INT:
			err = els_reader_u32(r, &t.aux);
			break;
		case BTF_KIND_ARRAY:
			err = read_u32s(r, x, 3);
			t.aux = x[0];
			t.nelems = x[2];
			/* index type: x[1], checked below with the others. */
			t.size_type = x[1];
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			t.aux = (uint32_t)btf->members.len;
			if (btf->members.len > UINT32_MAX - t.vlen)
				return els_error_create(ELS_ERR_INVALID,
							"%s: too many members", btf->what);
			if (!btf_member_vec_reserve(&btf->members,
						    btf->members.len + t.vlen))
				return &els_enomem;
			for (uint16_t i = 0; i < t.vlen && !err; i++) {
				err = read_u32s(r, x, 3);
				if (!err) {
					struct btf_member m = { x[0], x[1], x[2] };
					btf->members.data[btf->members.len++] = m;
				}
			}
			break;
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			err = els_reader_u32(r, &x[0]);
			break;
		default:
			err = els_reader_skip(r, (size_t)t.vlen * esize);
			break;
		}
		if (err)
			return record_truncated(btf, err, id, t.kind);
		if (!btf_type_vec_push(&btf->types, t))
			return &els_enomem;
	}
	return NULL;
}

/* The type a modifier, typedef or array refers to, for the cycle check. */
static bool chain_next(const struct btf_type *t, uint32_t *next)
{
	switch (t->kind) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		*next = t->size_type;
		return true;
	case BTF_KIND_ARRAY:
		*next = t->aux;
		return true;
	default:
		return false;
	}
}

/* Second pass: ids and strings of every record, then cycles. */
static struct els_error *validate(struct els_btf *btf, const uint8_t *types,
				  size_t types_len, bool big_endian)
{
	struct els_error *err;
	uint32_t n = (uint32_t)btf->types.len;
	struct els_reader r;
	els_reader_init(&r, types, types_len, big_endian, btf->what);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = &btf->types.data[id];
		uint32_t x[3];
		if ((err = check_str(btf, id, t->name_off)))
			return err;
		/* Re-read the trailing data of kinds whose entries name ids. */
		err = els_reader_skip(&r, 12);
		if (err)
			return err;
		switch (t->kind) {
		case BTF_KIND_PTR:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC:
		case BTF_KIND_VAR:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_DECL_TAG:
			if ((err = check_id(btf, id, t->size_type, n)))
				return err;
			break;
		default:
			break;
		}
		switch (t->kind) {
		case BTF_KIND_INT:
			err = els_reader_skip(&r, 4);
			break;
		case BTF_KIND_ARRAY:
			err = els_reader_skip(&r, 12);
			if (!err)
				err = check_id(btf, id, t->aux, n);
			if (!err)
				err = check_id(btf, id, t->size_type, n);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			err = els_reader_skip(&r, (size_t)t->vlen * 12);
			for (uint32_t i = 0; i < t->vlen && !err; i++) {
				const struct btf_member *m =
					&btf->members.data[t->aux + i];
				err = check_str(btf, id, m->name_off);
				if (!err)
					err = check_id(btf, id, m->type, n);
			}
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FUNC_PROTO:
		case BTF_KIND_DATASEC: {
			size_t es = vlen_entry_size(t->kind);
			bool proto = t->kind == BTF_KIND_FUNC_PROTO;
			if (proto && (err = check_id(btf, id, t->size_type, n)))
				return err;
			for (uint32_t i = 0; i < t->vlen && !err; i++) {
				err = read_u32s(&r, x, es / 4);
				if (err)
					break;
				if (t->kind == BTF_KIND_DATASEC)
					err = check_id(btf, id, x[0], n);
				else
					err = check_str(btf, id, x[0]);
				if (!err && proto)
					err = check_id(btf, id, x[1], n);
			}
			break;
		}
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			err = els_reader_skip(&r, 4);
			break;
		default:
			break;
		}
		if (err)
			return err;
	}

	/*
	 * No cycles through typedefs, qualifiers and array elements: 0 not
	 * seen, 1 on the chain being walked, 2 known to end.
	 */
	uint8_t *state = calloc(n, 1);
	if (!state)
		return &els_enomem;
	for (uint32_t id = 1; id < n; id++) {
		uint32_t cur = id, next;
		while (state[cur] == 0) {
			state[cur] = 1;
			if (!chain_next(&btf->types.data[cur], &next))
				break;
			cur = next;
		}
		if (state[cur] == 1 && chain_next(&btf->types.data[cur], &next)) {
			free(state);
			return els_error_create(ELS_ERR_INVALID,
						"%s: type %u: the chain of typedefs, qualifiers and arrays through type %u is a cycle",
						btf->what, id, cur);
		}
		for (cur = id; state[cur] == 1;) {
			state[cur] = 2;
			if (!chain_next(&btf->types.data[cur], &cur))
				break;
		}
	}
	free(state);
	return NULL;
}

void els_btf_destroy(struct els_btf *btf)
{
	if (!btf)
		return;
	free(btf->data);
	free(btf->what);
	btf_type_vec_deinit(&btf->types);
	btf_member_vec_deinit(&btf->members);
	free(btf);
}

uint32_t els_btf_nr_types(const struct els_btf *btf)
{
	return (uint32_t)btf->types.len;
}

static struct els_error *parse(struct els_btf *btf, size_t len)
{
	struct els_error *err;
	struct els_reader r;
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;

	els_reader_init(&r, btf->data, len, false, btf->what);
	if ((err = els_reader_u16(&r, &magic)))
		return els_error_wrap(err, "header");
	if (magic == 0x9feb) {
		r.big_endian = true;
	} else if (magic != BTF_MAGIC) {
		return els_error_create(ELS_ERR_INVALID,
					"%s: bad magic 0x%04x (BTF has 0xeb9f)",
					btf->what, magic);
	}
	if (len < BTF_HDR_MIN)
		return els_error_create(ELS_ERR_INVALID,
					"%s: truncated header: %zu bytes, at least %d needed",
					btf->what, len, BTF_HDR_MIN);
	if ((err = els_reader_u8(&r, &version)) ||
	    (err = els_reader_u8(&r, &flags)) ||
	    (err = els_reader_u32(&r, &hdr_len)))
		return els_error_wrap(err, "header");
	if (version != BTF_VERSION)
		return els_error_create(ELS_ERR_INVALID,
					"%s: version %u (only %d is known)",
					btf->what, version, BTF_VERSION);
	if (hdr_len < BTF_HDR_MIN || hdr_len > len)
		return els_error_create(ELS_ERR_INVALID,
					"%s: header length %u (at least %d, and the section has %zu bytes)",
					btf->what, hdr_len, BTF_HDR_MIN, len);
	if ((err = els_reader_u32(&r, &type_off)) ||
	    (err = els_reader_u32(&r, &type_len)) ||
	    (err = els_reader_u32(&r, &str_off)) ||
	    (err = els_reader_u32(&r, &str_len)))
		return els_error_wrap(err, "header");
	/* A longer header from a newer kernel: its extra bytes must be zero. */
	for (uint32_t i = BTF_HDR_MIN; i < hdr_len; i++) {
		uint8_t b;
		if ((err = els_reader_u8(&r, &b)))
			return err;
		if (b)
			return els_error_create(ELS_ERR_INVALID,
						"%s: unknown nonzero header field at offset %u",
						btf->what, i);
	}

	uint64_t data_len = len - hdr_len;
	uint64_t type_end = (uint64_t)type_off + type_len;
	uint64_t str_end = (uint64_t)str_off + str_len;
	if (type_end > data_len)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type section [%u, +%u) runs past the data (%" PRIu64 " bytes)",
					btf->what, type_off, type_len, data_len);
	if (str_end > data_len)
		return els_error_create(ELS_ERR_INVALID,
					"%s: string section [%u, +%u) runs past the data (%" PRIu64 " bytes)",
					btf->what, str_off, str_len, data_len);
	if (type_off < str_end && str_off < type_end && type_len && str_len)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type section [%u, +%u) and string section [%u, +%u) overlap",
					btf->what, type_off, type_len, str_off, str_len);
	if (type_off % 4)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type section offset %u is not 4-aligned",
					btf->what, type_off);
	if (type_len % 4)
		return els_error_create(ELS_ERR_INVALID,
					"%s: type section length %u is not a multiple of 4",
					btf->what, type_len);

	/* Strings: first "" and the last one terminated. */
	struct els_reader sr;
	const uint8_t *strs;
	if ((err = els_reader_seek(&r, hdr_len + (size_t)str_off)) ||
	    (err = els_reader_sub(&r, str_len, "BTF strings", &sr)) ||
	    (err = els_reader_bytes(&sr, str_len, &strs)))
		return err;
	if (str_len == 0 || strs[0] != '\0' || strs[str_len - 1] != '\0')
		return els_error_create(ELS_ERR_INVALID,
					"%s: the string section must start and end with a NUL byte",
					btf->what);
	btf->strs = (const char *)strs;
	btf->str_len = str_len;

	struct els_reader tr;
	const uint8_t *types;
	if ((err = els_reader_seek(&r, hdr_len + (size_t)type_off)) ||
	    (err = els_reader_sub(&r, type_len, btf->what, &tr)))
		return err;
	types = tr.pos;
	if ((err = decode_types(btf, &tr)))
		return err;
	return validate(btf, types, type_len, r.big_endian);
}

struct els_error *els_btf_open_buf(const void *data, size_t len,
				   const char *what, struct els_btf **ret)
{
	struct els_btf *btf = calloc(1, sizeof(*btf));
	if (!btf)
		return &els_enomem;
	btf->what = strdup(what ? what : "BTF");
	btf->data = malloc(len ? len : 1);
	if (!btf->what || !btf->data) {
		els_btf_destroy(btf);
		return &els_enomem;
	}
	if (len)
		memcpy(btf->data, data, len);
	struct els_error *err = parse(btf, len);
	if (err) {
		els_btf_destroy(btf);
		return err;
	}
	*ret = btf;
	return NULL;
}

struct els_error *els_btf_open_elf(Elf *elf, const char *what,
				   struct els_btf **ret)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return els_error_create(ELS_ERR_INVALID, "%s: %s", what,
					elf_errmsg(-1));
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn;
	     scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name || strcmp(name, ".BTF"))
			continue;
		if (shdr.sh_type == SHT_NOBITS)
			break;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return els_error_create(ELS_ERR_INVALID,
						"%s: reading .BTF: %s", what,
						elf_errmsg(-1));
		char label[512];
		snprintf(label, sizeof(label), "%s: .BTF", what);
		return els_btf_open_buf(d->d_buf, d->d_size, label, ret);
	}
	return els_error_create(ELS_ERR_NOT_FOUND, "%s has no .BTF section",
				what);
}

/* ---- lookups: the data is trusted from here on ---- */

static const struct btf_type *type_at(const struct els_btf *btf, uint32_t id)
{
	return &btf->types.data[id];
}

/* Peel typedefs and qualifiers (the chain was checked to end). */
static uint32_t peel(const struct els_btf *btf, uint32_t id)
{
	for (;;) {
		const struct btf_type *t = type_at(btf, id);
		uint32_t next;
		if (t->kind == BTF_KIND_ARRAY || !chain_next(t, &next))
			return id;
		id = next;
	}
}

static struct els_error *type_size(const struct els_btf *btf, uint32_t id,
				   uint64_t *ret)
{
	uint64_t mult = 1;
	/* The chains are acyclic (validate()), so this ends within nr_types. */
	for (size_t steps = 0; steps <= btf->types.len; steps++) {
		id = peel(btf, id);
		const struct btf_type *t = type_at(btf, id);
		switch (t->kind) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
		case BTF_KIND_DATASEC:
			if (__builtin_mul_overflow(mult, t->size_type, ret))
				goto overflow;
			return NULL;
		case BTF_KIND_PTR:
			if (__builtin_mul_overflow(mult, PTR_SIZE, ret))
				goto overflow;
			return NULL;
		case BTF_KIND_ARRAY:
			if (__builtin_mul_overflow(mult, t->nelems, &mult))
				goto overflow;
			id = t->aux;
			break;
		default:
			*ret = 0; /* void, function, forward declaration */
			return NULL;
		}
	}
	return els_error_create(ELS_ERR_INVALID,
				"%s: type %u: array chain too long", btf->what,
				id);
overflow:
	return els_error_create(ELS_ERR_INVALID, "%s: size of type %u overflows",
				btf->what, id);
}

static bool is_aggregate(const struct btf_type *t)
{
	return t->kind == BTF_KIND_STRUCT || t->kind == BTF_KIND_UNION;
}

static struct els_error *find_struct(const struct els_btf *btf,
				     const char *name, uint32_t *ret)
{
	uint32_t fwd = 0;
	for (uint32_t id = 1; id < btf->types.len; id++) {
		const struct btf_type *t = type_at(btf, id);
		if ((is_aggregate(t) || t->kind == BTF_KIND_FWD) &&
		    !strcmp(str_at(btf, t->name_off), name)) {
			if (t->kind == BTF_KIND_FWD) {
				fwd = id;
				continue;
			}
			*ret = id;
			return NULL;
		}
	}
	if (fwd)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s: struct %s is only declared, never defined",
					btf->what, name);
	return els_error_create(ELS_ERR_NOT_FOUND, "%s: no struct or union %s",
				btf->what, name);
}

struct els_error *els_btf_struct_size(const struct els_btf *btf,
				      const char *name, uint64_t *ret)
{
	uint32_t id;
	struct els_error *err = find_struct(btf, name, &id);
	if (err)
		return err;
	*ret = type_at(btf, id)->size_type;
	return NULL;
}

/*
 * Finds member name in aggregate id, also through anonymous members; adds
 * its bit offset to *bits and returns its member record.
 */
static const struct btf_member *find_member(const struct els_btf *btf,
					    uint32_t id, const char *name,
					    size_t name_len, int depth,
					    uint64_t *bits, bool *kflag,
					    uint32_t *visits)
{
	const struct btf_type *t = type_at(btf, id);
	for (uint32_t i = 0; i < t->vlen; i++) {
		const struct btf_member *m = &btf->members.data[t->aux + i];
		if (++*visits > MAX_VISITS)
			return NULL;
		uint64_t off = t->kflag ? (m->offset & 0xffffff) : m->offset;
		const char *mname = str_at(btf, m->name_off);
		if (mname[0] == '\0') {
			uint32_t sub = peel(btf, m->type);
			if (depth >= MAX_ANON_DEPTH || !is_aggregate(type_at(btf, sub)))
				continue;
			uint64_t inner = 0;
			const struct btf_member *found = find_member(
				btf, sub, name, name_len, depth + 1, &inner,
				kflag, visits);
			if (found) {
				*bits += off + inner;
				return found;
			}
			continue;
		}
		if (strlen(mname) == name_len && !memcmp(mname, name, name_len)) {
			*bits += off;
			*kflag = t->kflag;
			return m;
		}
	}
	return NULL;
}

static enum els_type_kind kind_of(uint8_t kind)
{
	switch (kind) {
	case BTF_KIND_INT:
		return ELS_TYPE_INT;
	case BTF_KIND_PTR:
		return ELS_TYPE_PTR;
	case BTF_KIND_ARRAY:
		return ELS_TYPE_ARRAY;
	case BTF_KIND_STRUCT:
		return ELS_TYPE_STRUCT;
	case BTF_KIND_UNION:
		return ELS_TYPE_UNION;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return ELS_TYPE_ENUM;
	case BTF_KIND_FLOAT:
		return ELS_TYPE_FLOAT;
	default:
		return ELS_TYPE_OTHER;
	}
}

struct els_error *els_btf_member(const struct els_btf *btf, const char *name,
				 const char *path,
				 struct els_type_member *ret)
{
	uint32_t id;
	struct els_error *err = find_struct(btf, name, &id);
	if (err)
		return err;

	uint64_t bits = 0;
	const struct btf_member *m = NULL;
	bool kflag = false;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		const struct btf_type *t = type_at(btf, id);
		if (!is_aggregate(t))
			return els_error_create(ELS_ERR_NOT_FOUND,
						"%s: in %s.%s, '%.*s' is not inside a struct or union",
						btf->what, name, path, (int)n, p);
		uint64_t here = 0;
		uint32_t visits = 0;
		m = find_member(btf, id, p, n, 0, &here, &kflag, &visits);
		if (!m && visits > MAX_VISITS)
			return els_error_create(ELS_ERR_INVALID,
						"%s: looking up %s.%s: more than %d members searched (nested anonymous members)",
						btf->what, name, path, MAX_VISITS);
		if (!m || n == 0)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"%s has no member '%.*s'", name,
						(int)(dot ? (size_t)(dot - path) : strlen(path)),
						path);
		bits += here;
		if (!dot)
			break;
		id = peel(btf, m->type);
		p = dot + 1;
	}

	memset(ret, 0, sizeof(*ret));
	if (kflag)
		ret->bit_size = m->offset >> 24;
	uint32_t tid = peel(btf, m->type);
	const struct btf_type *t = type_at(btf, tid);
	/* Old-style bitfield: the INT's own offset and width. */
	if (!ret->bit_size && t->kind == BTF_KIND_INT) {
		uint32_t nr_bits = t->aux & 0xff;
		uint32_t ioff = (t->aux >> 16) & 0xff;
		bits += ioff;
		if (ioff || (uint64_t)nr_bits != (uint64_t)t->size_type * 8)
			ret->bit_size = nr_bits;
	}
	ret->bit_offset = bits;
	ret->offset = bits / 8;
	ret->kind = kind_of(t->kind);
	if ((err = type_size(btf, tid, &ret->size)))
		return err;
	if (t->kind == BTF_KIND_PTR) {
		if ((err = type_size(btf, t->size_type, &ret->elem_size)))
			return err;
	} else if (t->kind == BTF_KIND_ARRAY) {
		ret->count = t->nelems;
		if ((err = type_size(btf, t->aux, &ret->elem_size)))
			return err;
	}
	return NULL;
}
