/* SPDX-License-Identifier: MIT */
/* Modules: the module list, sections, in-memory symbols. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/addrset.h"
#include "os/linux/module.h"

/* Parts of a module counted in its size: core and init, or mem[]. */
#define MAX_PARTS 16

/* The fields of struct module read for each module, found once per walk. */
struct layout {
	struct els_type_member state, list, name, base, sect_attrs, kallsyms;
	struct els_type_member parts[MAX_PARTS];
	size_t nparts;
	bool has_sect_attrs, has_kallsyms;
	uint64_t span_lo, span_hi; /* [lo, hi) of struct module read */
};

static void widen(struct layout *l, const struct els_type_member *m)
{
	if (m->offset < l->span_lo)
		l->span_lo = m->offset;
	if (m->offset + m->size > l->span_hi)
		l->span_hi = m->offset + m->size;
}

/* An integer member at a computed offset (an element of mem[]). */
static struct els_type_member at(uint64_t offset, uint64_t size)
{
	return (struct els_type_member){ .offset = offset,
					 .bit_offset = offset * 8,
					 .size = size,
					 .kind = ELS_TYPE_INT };
}

/*
 * The text and the parts counted in the size: 6.1 has core_layout and
 * init_layout (and data_layout where modules' data is elsewhere); 6.4 and
 * later have mem[MOD_MEM_NUM_TYPES], mem[MOD_TEXT = 0] the text.
 */
static struct els_error *get_parts(struct els_linux *lx, struct layout *l)
{
	struct els_error *err =
		els_linux_member(lx, "module", "core_layout.base", &l->base);
	if (!err) {
		static const char *const sizes[] = { "core_layout.size",
						     "init_layout.size",
						     "data_layout.size" };
		for (size_t i = 0; i < 3; i++) {
			struct els_error *e = els_linux_member(
				lx, "module", sizes[i], &l->parts[l->nparts]);
			if (e && i < 2)
				return e;
			if (e)
				els_error_destroy(e);
			else
				l->nparts++;
		}
		return NULL;
	}
	els_error_destroy(err);
	struct els_type_member mem;
	uint64_t base_off, size_off;
	struct els_type_member size_m;
	if ((err = els_linux_member(lx, "module", "mem", &mem)))
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"struct module has neither core_layout nor mem[]: a layout elscope does not know");
	if ((err = els_linux_offset(lx, "module_memory", "base", &base_off)) ||
	    (err = els_linux_member(lx, "module_memory", "size", &size_m)))
		return err;
	size_off = size_m.offset;
	if (mem.kind != ELS_TYPE_ARRAY || !mem.count || mem.count > MAX_PARTS ||
	    !mem.elem_size)
		return els_error_create(ELS_ERR_INVALID,
					"struct module's mem[] is not an array of at most %d module_memory",
					MAX_PARTS);
	l->base = at(mem.offset + base_off, 8);
	for (uint64_t i = 0; i < mem.count; i++)
		l->parts[l->nparts++] =
			at(mem.offset + i * mem.elem_size + size_off, size_m.size);
	return NULL;
}

static struct els_error *get_layout(struct els_linux *lx, struct layout *l)
{
	struct els_error *err;
	memset(l, 0, sizeof(*l));
	l->span_lo = UINT64_MAX;
	if ((err = els_linux_member(lx, "module", "state", &l->state)) ||
	    (err = els_linux_member(lx, "module", "list", &l->list)) ||
	    (err = els_linux_member(lx, "module", "name", &l->name)) ||
	    (err = get_parts(lx, l)))
		return err;
	if (!(err = els_linux_member(lx, "module", "sect_attrs",
				     &l->sect_attrs)))
		l->has_sect_attrs = true;
	els_error_destroy(err);
	if (!(err = els_linux_member(lx, "module", "kallsyms", &l->kallsyms)))
		l->has_kallsyms = true;
	els_error_destroy(err);
	widen(l, &l->state);
	widen(l, &l->list);
	widen(l, &l->name);
	widen(l, &l->base);
	for (size_t i = 0; i < l->nparts; i++)
		widen(l, &l->parts[i]);
	if (l->has_sect_attrs)
		widen(l, &l->sect_attrs);
	if (l->has_kallsyms)
		widen(l, &l->kallsyms);
	if (l->span_hi - l->span_lo > 65536)
		return els_error_create(ELS_ERR_INVALID,
					"struct module's fields span %" PRIu64 " bytes",
					l->span_hi - l->span_lo);
	return NULL;
}

const char *els_linux_module_state_name(uint32_t state)
{
	static const char *const names[] = { "Live", "Loading", "Unloading",
					     "Unformed" };
	return state < 4 ? names[state] : "?";
}

static struct els_error *read_module(struct els_linux *lx,
				     const struct layout *l, uint64_t addr,
				     struct els_linux_module *m,
				     uint64_t *next, uint64_t *prev)
{
	size_t len = (size_t)(l->span_hi - l->span_lo);
	uint8_t *buf = malloc(len);
	if (!buf)
		return &els_enomem;
	struct els_error *err = els_linux_read(lx, addr + l->span_lo, buf, len);
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	struct els_type_member nm = l->list, pm = l->list;
	nm.size = pm.size = 8;
	pm.offset += 8;
	pm.bit_offset = pm.offset * 8;
	uint64_t v;
	if (err ||
	    (err = els_linux_get(&l->state, buf, len, l->span_lo, &v)))
		goto out;
	m->state = (uint32_t)v;
	if ((err = els_linux_get(&nm, buf, len, l->span_lo, next)) ||
	    (err = els_linux_get(&pm, buf, len, l->span_lo, prev)) ||
	    (err = els_linux_get(&l->base, buf, len, l->span_lo, &m->base)))
		goto out;
	for (size_t i = 0; i < l->nparts; i++) {
		if ((err = els_linux_get(&l->parts[i], buf, len, l->span_lo,
					 &v)))
			goto out;
		m->size += v;
	}
	if ((l->has_sect_attrs &&
	     (err = els_linux_get(&l->sect_attrs, buf, len, l->span_lo,
				  &m->sect_attrs))) ||
	    (l->has_kallsyms &&
	     (err = els_linux_get(&l->kallsyms, buf, len, l->span_lo,
				  &m->kallsyms))))
		goto out;
	size_t n = l->name.size < sizeof(m->name) - 1 ? (size_t)l->name.size
						      : sizeof(m->name) - 1;
	memcpy(m->name, buf + (l->name.offset - l->span_lo), n);
	m->name[n] = '\0';
	if (!m->name[0] || strlen(m->name) == n)
		err = els_error_addr(ELS_ERR_INVALID, addr,
				     "the module at 0x%" PRIx64 " has %s name",
				     addr, m->name[0] ? "an unterminated" : "no");
out:
	free(buf);
	if (err)
		return els_error_wrap(err, "the struct module at 0x%" PRIx64,
				      addr);
	return NULL;
}

struct els_error *els_linux_for_each_module(struct els_linux *lx,
					    els_linux_module_fn fn, void *arg)
{
	struct layout l;
	struct els_error *err = get_layout(lx, &l);
	if (err)
		return err;
	uint64_t head, node;
	if ((err = els_linux_sym(lx, "modules", &head)) ||
	    (err = els_linux_read_u64(lx, head, &node)))
		return els_error_wrap(err, "the module list");
	struct els_addrset seen = { 0 };
	uint64_t prev_node = head;
	size_t count = 0;
	char last[65] = "(the list head)";
	while (node != head) {
		if (++count > ELS_LINUX_MAX_NODES) {
			err = els_error_create(ELS_ERR_INVALID,
					       "more than %d modules: the module list does not end",
					       ELS_LINUX_MAX_NODES);
			break;
		}
		uint64_t addr = node - l.list.offset, next, prev;
		bool again;
		if (!els_addrset_add(&seen, addr, &again)) {
			err = &els_enomem;
			break;
		}
		if (again) {
			err = els_error_addr(ELS_ERR_INVALID, addr,
					     "the module list loops: the module at 0x%" PRIx64 " comes twice (after %s)",
					     addr, last);
			break;
		}
		struct els_linux_module m;
		if ((err = read_module(lx, &l, addr, &m, &next, &prev))) {
			err = els_error_wrap(err, "the module list after %s",
					     last);
			break;
		}
		if (prev != prev_node) {
			err = els_error_addr(ELS_ERR_INVALID, addr,
					     "the module list is corrupt: the module after %s (at 0x%" PRIx64 ") links back to 0x%" PRIx64 ", not 0x%" PRIx64,
					     last, addr, prev, prev_node);
			break;
		}
		if (fn(&m, arg))
			break;
		memcpy(last, m.name, sizeof(last));
		prev_node = node;
		node = next;
	}
	els_addrset_clear(&seen);
	return err;
}

struct els_error *els_linux_module_sections(struct els_linux *lx,
					    const struct els_linux_module *mod,
					    struct els_linux_section **ret,
					    size_t *n)
{
	if (!mod->sect_attrs)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"module %s has no section attributes",
					mod->name);
	struct els_type_member nsec, attrs, name, address;
	uint64_t attr_size;
	struct els_error *err;
	if ((err = els_linux_member(lx, "module_sect_attrs", "nsections",
				    &nsec)) ||
	    (err = els_linux_member(lx, "module_sect_attrs", "attrs", &attrs)) ||
	    (err = els_linux_sizeof(lx, "module_sect_attr", &attr_size)) ||
	    (err = els_linux_member(lx, "module_sect_attr", "battr.attr.name",
				    &name)) ||
	    (err = els_linux_member(lx, "module_sect_attr", "address",
				    &address)))
		return els_error_wrap(err, "the sections of module %s",
				      mod->name);
	if (!attr_size || name.offset + 8 > attr_size ||
	    address.offset + address.size > attr_size)
		return els_error_create(ELS_ERR_INVALID,
					"struct module_sect_attr (%" PRIu64 " bytes) does not hold its fields",
					attr_size);
	uint64_t count;
	uint8_t hdr[8];
	size_t nlen = nsec.size <= sizeof(hdr) ? (size_t)nsec.size : 0;
	if (!nlen)
		return els_error_create(ELS_ERR_INVALID,
					"module_sect_attrs.nsections is %" PRIu64 " bytes",
					nsec.size);
	if ((err = els_linux_read(lx, mod->sect_attrs + nsec.offset, hdr,
				  nlen)) ||
	    (err = els_linux_get(&nsec, hdr, nlen, nsec.offset, &count)))
		return els_error_wrap(err, "the sections of module %s",
				      mod->name);
	if (count > ELS_LINUX_MAX_SECTIONS)
		return els_error_addr(ELS_ERR_INVALID, mod->sect_attrs,
				      "module %s says it has %" PRIu64 " sections (more than %d)",
				      mod->name, count, ELS_LINUX_MAX_SECTIONS);
	size_t len = (size_t)(count * attr_size);
	uint8_t *buf = malloc(len ? len : 1);
	struct els_linux_section *secs = calloc(count ? count : 1,
						sizeof(*secs));
	if (!buf || !secs) {
		free(buf);
		free(secs);
		return &els_enomem;
	}
	if (len && (err = els_linux_read(lx, mod->sect_attrs + attrs.offset,
					 buf, len)))
		goto out;
	for (size_t i = 0; i < count; i++) {
		uint64_t np;
		const uint8_t *a = buf + i * attr_size;
		struct els_type_member nm = name;
		nm.size = 8;
		if ((err = els_linux_get(&nm, a, (size_t)attr_size, 0, &np)) ||
		    (err = els_linux_get(&address, a, (size_t)attr_size, 0,
					 &secs[i].addr)))
			goto out;
		if ((err = els_linux_read_str(lx, np, secs[i].name,
					      sizeof(secs[i].name)))) {
			err = els_error_wrap(err, "the name of section %zu", i);
			goto out;
		}
	}
out:
	free(buf);
	if (err) {
		free(secs);
		return els_error_wrap(err, "the sections of module %s",
				      mod->name);
	}
	*ret = secs;
	*n = (size_t)count;
	return NULL;
}

/* Elf64_Sym as the kernel keeps it: 24 bytes, little-endian. */
#define ELF64_SYM_SIZE 24

struct els_error *els_linux_module_symbols(struct els_linux *lx,
					   const struct els_linux_module *mod,
					   struct els_symtab **ret)
{
	if (!mod->kallsyms)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"module %s keeps no symbols in memory",
					mod->name);
	struct els_type_member symtab_m, num_m, strtab_m;
	struct els_error *err;
	if ((err = els_linux_member(lx, "mod_kallsyms", "symtab", &symtab_m)) ||
	    (err = els_linux_member(lx, "mod_kallsyms", "num_symtab", &num_m)) ||
	    (err = els_linux_member(lx, "mod_kallsyms", "strtab", &strtab_m)))
		return els_error_wrap(err, "the symbols of module %s",
				      mod->name);
	uint64_t lo = symtab_m.offset, hi = symtab_m.offset + 8;
	const struct els_type_member *ms[] = { &num_m, &strtab_m };
	for (size_t i = 0; i < 2; i++) {
		if (ms[i]->offset < lo)
			lo = ms[i]->offset;
		if (ms[i]->offset + ms[i]->size > hi)
			hi = ms[i]->offset + ms[i]->size;
	}
	uint8_t hdr[64];
	if (hi - lo > sizeof(hdr))
		return els_error_create(ELS_ERR_INVALID,
					"struct mod_kallsyms spans %" PRIu64 " bytes",
					hi - lo);
	uint64_t symtab, num, strtab;
	struct els_type_member sm = symtab_m, tm = strtab_m;
	sm.size = tm.size = 8;
	if ((err = els_linux_read(lx, mod->kallsyms + lo, hdr,
				  (size_t)(hi - lo))) ||
	    (err = els_linux_get(&sm, hdr, (size_t)(hi - lo), lo, &symtab)) ||
	    (err = els_linux_get(&num_m, hdr, (size_t)(hi - lo), lo, &num)) ||
	    (err = els_linux_get(&tm, hdr, (size_t)(hi - lo), lo, &strtab)))
		return els_error_wrap(err, "the symbols of module %s",
				      mod->name);
	if (num > ELS_LINUX_MAX_MODSYMS)
		return els_error_addr(ELS_ERR_INVALID, mod->kallsyms,
				      "module %s says it has %" PRIu64 " symbols (more than %d)",
				      mod->name, num, ELS_LINUX_MAX_MODSYMS);
	size_t len = (size_t)num * ELF64_SYM_SIZE;
	uint8_t *syms = malloc(len ? len : 1);
	struct els_symtab_entry *ents = calloc(num ? num : 1, sizeof(*ents));
	char *names = NULL;
	if (!syms || !ents) {
		err = &els_enomem;
		goto out;
	}
	if (len && (err = els_linux_read(lx, symtab, syms, len)))
		goto out;
	/* The string table has no size: it ends with the furthest name. */
	uint64_t max_name = 0;
	for (size_t i = 0; i < num; i++) {
		uint64_t o = els_le(syms + i * ELF64_SYM_SIZE, 4);
		if (o > max_name)
			max_name = o;
	}
	if (max_name > 64 * 1024 * 1024) {
		err = els_error_addr(ELS_ERR_INVALID, symtab,
				     "a symbol's name is at offset %" PRIu64 " of the string table",
				     max_name);
		goto out;
	}
	size_t names_len = (size_t)max_name + 512;
	names = malloc(names_len);
	if (!names) {
		err = &els_enomem;
		goto out;
	}
	if ((max_name &&
	     (err = els_linux_read(lx, strtab, names, (size_t)max_name))) ||
	    (err = els_linux_read_str(lx, strtab + max_name, names + max_name,
				      512)))
		goto out;
	size_t k = 0;
	for (size_t i = 1; i < num; i++) { /* 0 is the null symbol */
		const uint8_t *s = syms + i * ELF64_SYM_SIZE;
		uint32_t st_name = (uint32_t)els_le(s, 4);
		uint8_t info = s[4];
		uint16_t shndx = (uint16_t)els_le(s + 6, 2);
		uint64_t value = els_le(s + 8, 8), size = els_le(s + 16, 8);
		const char *n = names + st_name;
		/* Only the last name may have been cut by the 512 bytes. */
		if (!memchr(n, '\0', names_len - st_name))
			continue;
		unsigned type = info & 0xf;
		if (shndx == 0 || !n[0] || n[0] == '$' || type == 3 /* SECTION */ ||
		    type == 4 /* FILE */)
			continue;
		ents[k++] = (struct els_symtab_entry){
			.name = n,
			.addr = value,
			.size = size,
			.is_func = type == 2, /* STT_FUNC */
			.is_global = (info >> 4) != 0,
		};
	}
	err = els_symtab_from_entries(mod->name, ents, k, ret);
out:
	free(syms);
	free(ents);
	free(names);
	if (err)
		return els_error_wrap(err, "the symbols of module %s",
				      mod->name);
	return NULL;
}
