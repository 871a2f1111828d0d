/* SPDX-License-Identifier: MIT */
/* ELF symbol tables, sorted for address lookups and hashed for names. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <gelf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo/symbols.h"

struct sym_entry {
	uint64_t addr;   /* as linked (no bias); placed, in a relocatable file */
	uint64_t size;
	uint64_t value;  /* st_value: in a relocatable file, section-relative */
	uint32_t name;   /* offset into the string table */
	uint32_t shndx;  /* its section */
	uint8_t rank;    /* which of several symbols at one address to show */
	bool is_func;
	bool is_global;
};

struct els_symtab {
	char *path;
	int fd;
	Elf *elf;
	const char *raw;      /* the mapped file */
	size_t raw_size;
	const char *strtab;
	size_t strtab_size;
	struct sym_entry *syms; /* sorted by address, best rank first */
	size_t nsyms;
	/*
	 * A relocatable file (a kernel module): every symbol of the file is
	 * in all[], and syms[] holds those of the sections placed so far.
	 */
	bool is_rel;
	struct sym_entry *all;
	size_t nall;
	struct placed_sec *placed; /* one per section of the file */
	size_t nsecs;
	uint32_t *hash;       /* index + 1 into syms; 0 = empty */
	size_t hash_mask;
	uint64_t bias;
	/* The loaded image as linked: [img_lo, img_hi); 0, 0 when unknown. */
	uint64_t img_lo, img_hi;
	bool img_from_phdrs;  /* img_lo is the lowest PT_LOAD's p_vaddr */
	Dwarf *dwarf;
	bool dwarf_tried;
	/* Address ranges of every CU, built on the first aranges miss. */
	struct cu_range *cu_ranges;
	size_t ncu_ranges;
	bool cu_ranges_built;
};

struct cu_range {
	uint64_t lo, hi; /* [lo, hi) as linked */
	Dwarf_Off die;   /* offset of the CU's DIE */
};

struct placed_sec {
	uint64_t addr;
	uint64_t size;  /* 0: not placed */
	bool placed;
};

static struct els_error *elf_fail(const char *path, const char *what)
{
	return els_error_create(ELS_ERR_INVALID, "%s: %s: %s", path, what,
				elf_errmsg(-1));
}

/* FNV-1a: short, and good enough for symbol names. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*
 * Which symbol names an address when several start there: a function or
 * object over a plain label, global over weak over local, sized over not.
 */
static uint8_t sym_rank(const GElf_Sym *s)
{
	unsigned type = GELF_ST_TYPE(s->st_info);
	unsigned bind = GELF_ST_BIND(s->st_info);
	uint8_t r = 0;
	if (type == STT_FUNC || type == STT_OBJECT)
		r += 8;
	if (bind == STB_GLOBAL)
		r += 4;
	else if (bind == STB_WEAK)
		r += 2;
	if (s->st_size)
		r += 1;
	return r;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static bool wanted(const GElf_Sym *s, const char *name)
{
	unsigned type = GELF_ST_TYPE(s->st_info);
	if (s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS)
		return false;
	if (type == STT_SECTION || type == STT_FILE || type == STT_TLS)
		return false;
	/* Mapping symbols: $x, $d, $x.12 (AArch64 ELF ABI). */
	return name[0] && name[0] != '$';
}

/* The symbol table section: .symtab, else .dynsym. */
static Elf_Scn *find_symtab(Elf *elf, GElf_Shdr *ret)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr dynshdr;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			*ret = sh;
			return scn;
		}
		if (sh.sh_type == SHT_DYNSYM && !dyn) {
			dyn = scn;
			dynshdr = sh;
		}
	}
	if (dyn)
		*ret = dynshdr;
	return dyn;
}

/* A section's bytes must lie inside the file (NOBITS has none). */
static bool in_file(const struct els_symtab *st, const GElf_Shdr *sh)
{
	return sh->sh_offset <= st->raw_size &&
	       sh->sh_size <= st->raw_size - sh->sh_offset;
}

/*
 * Where the file's image lies when loaded: its PT_LOAD segments, or its
 * allocated sections for a file without program headers. Addresses outside
 * are not named, so the last symbol (often a size-0 label like _end) does
 * not claim everything above the image.
 */
static void find_image(struct els_symtab *st)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t n = 0;
	if (elf_getphdrnum(st->elf, &n) == 0) {
		for (size_t i = 0; i < n && i < 65536; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(st->elf, (int)i, &ph) ||
			    ph.p_type != PT_LOAD || !ph.p_memsz ||
			    ph.p_vaddr > UINT64_MAX - ph.p_memsz)
				continue;
			if (ph.p_vaddr < lo)
				lo = ph.p_vaddr;
			if (ph.p_vaddr + ph.p_memsz > hi)
				hi = ph.p_vaddr + ph.p_memsz;
		}
	}
	st->img_from_phdrs = hi != 0;
	if (hi == 0) {
		for (Elf_Scn *scn = NULL; (scn = elf_nextscn(st->elf, scn));) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
			    !sh.sh_size || sh.sh_addr > UINT64_MAX - sh.sh_size)
				continue;
			if (sh.sh_addr < lo)
				lo = sh.sh_addr;
			if (sh.sh_addr + sh.sh_size > hi)
				hi = sh.sh_addr + sh.sh_size;
		}
	}
	if (hi > lo) {
		st->img_lo = lo;
		st->img_hi = hi;
	}
}

/* Sort syms[] by address and hash it by name. */
static struct els_error *index_symbols(struct els_symtab *st)
{
	size_t k = st->nsyms;
	qsort(st->syms, k, sizeof(*st->syms), cmp_entry);
	size_t cap = 16;
	while (cap < 2 * k)
		cap *= 2;
	free(st->hash);
	st->hash = calloc(cap, sizeof(*st->hash));
	if (!st->hash)
		return &els_enomem;
	st->hash_mask = cap - 1;
	for (size_t i = 0; i < k; i++) {
		const char *name = st->strtab + st->syms[i].name;
		size_t h = name_hash(name) & st->hash_mask;
		for (;; h = (h + 1) & st->hash_mask) {
			uint32_t o = st->hash[h];
			if (!o) {
				st->hash[h] = (uint32_t)i + 1;
				break;
			}
			const struct sym_entry *e = &st->syms[o - 1];
			if (!strcmp(st->strtab + e->name, name)) {
				/* One name, several symbols: keep the global. */
				if (st->syms[i].is_global && !e->is_global)
					st->hash[h] = (uint32_t)i + 1;
				break;
			}
		}
	}
	return NULL;
}

static struct els_error *load_symbols(struct els_symtab *st)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_symtab(st->elf, &sh);
	if (!scn)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s: no symbol table (.symtab or .dynsym)",
					st->path);
	if (!in_file(st, &sh))
		return els_error_create(ELS_ERR_INVALID,
					"%s: the symbol table (offset 0x%llx, 0x%llx bytes) goes past the end of the file (0x%zx bytes): truncated?",
					st->path, (unsigned long long)sh.sh_offset,
					(unsigned long long)sh.sh_size, st->raw_size);
	size_t nshdrs;
	if (elf_getshdrnum(st->elf, &nshdrs))
		return elf_fail(st->path, "counting sections");
	if (sh.sh_link == 0 || sh.sh_link >= nshdrs)
		return els_error_create(ELS_ERR_INVALID,
					"%s: the symbol table links to section %u, which does not exist",
					st->path, sh.sh_link);
	Elf_Scn *strscn = elf_getscn(st->elf, sh.sh_link);
	GElf_Shdr strsh;
	if (!strscn || !gelf_getshdr(strscn, &strsh))
		return elf_fail(st->path, "reading the string table's header");
	if (strsh.sh_type != SHT_STRTAB || !in_file(st, &strsh) ||
	    strsh.sh_size == 0)
		return els_error_create(ELS_ERR_INVALID,
					"%s: the symbol table's string table (section %u) is not a string table inside the file",
					st->path, sh.sh_link);
	st->strtab = st->raw + strsh.sh_offset;
	st->strtab_size = strsh.sh_size;
	/* Every name must end inside the table: terminate it once here. */
	if (st->strtab[st->strtab_size - 1] != '\0')
		return els_error_create(ELS_ERR_INVALID,
					"%s: the string table does not end with a NUL",
					st->path);

	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data)
		return elf_fail(st->path, "reading the symbol table");
	size_t entsize = gelf_fsize(st->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!entsize || data->d_size % entsize)
		return els_error_create(ELS_ERR_INVALID,
					"%s: the symbol table's size (%zu) is not a multiple of a symbol's (%zu)",
					st->path, data->d_size, entsize);
	size_t n = data->d_size / entsize;
	if (n > UINT32_MAX / 2)
		return els_error_create(ELS_ERR_INVALID,
					"%s: too many symbols (%zu)", st->path, n);
	struct sym_entry *v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return &els_enomem;
	size_t k = 0;
	for (size_t i = 1; i < n; i++) { /* 0 is the null symbol */
		GElf_Sym s;
		if (!gelf_getsym(data, (int)i, &s)) {
			free(v);
			return elf_fail(st->path, "reading a symbol");
		}
		if (s.st_name >= st->strtab_size) {
			free(v);
			return els_error_create(ELS_ERR_INVALID,
						"%s: symbol %zu's name (offset %u) is outside the string table (%zu bytes)",
						st->path, i, s.st_name,
						st->strtab_size);
		}
		if (!wanted(&s, st->strtab + s.st_name))
			continue;
		v[k++] = (struct sym_entry){
			.addr = s.st_value,
			.size = s.st_size,
			.value = s.st_value,
			.name = s.st_name,
			.shndx = s.st_shndx,
			.rank = sym_rank(&s),
			.is_func = GELF_ST_TYPE(s.st_info) == STT_FUNC,
			.is_global = GELF_ST_BIND(s.st_info) != STB_LOCAL,
		};
	}
	if (st->is_rel) {
		/* Nothing has an address until its section is placed. */
		st->all = v;
		st->nall = k;
		st->syms = malloc((k ? k : 1) * sizeof(*st->syms));
		if (!st->syms)
			return &els_enomem;
		return index_symbols(st);
	}
	st->syms = v;
	st->nsyms = k;
	return index_symbols(st);
}

struct els_error *els_symtab_open(const char *path, struct els_symtab **ret)
{
	elf_version(EV_CURRENT);
	struct els_symtab *st = calloc(1, sizeof(*st));
	if (!st)
		return &els_enomem;
	st->fd = -1;
	st->path = strdup(path);
	if (!st->path) {
		free(st);
		return &els_enomem;
	}
	struct els_error *err = NULL;
	st->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (st->fd < 0) {
		err = els_error_errno(errno, "%s", path);
		goto fail;
	}
	st->elf = elf_begin(st->fd, ELF_C_READ_MMAP, NULL);
	if (!st->elf) {
		err = elf_fail(path, "opening");
		goto fail;
	}
	if (elf_kind(st->elf) != ELF_K_ELF) {
		err = els_error_create(ELS_ERR_INVALID, "%s: not an ELF file",
				       path);
		goto fail;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(st->elf, &eh)) {
		err = elf_fail(path, "reading the ELF header");
		goto fail;
	}
	st->raw = elf_rawfile(st->elf, &st->raw_size);
	if (!st->raw) {
		err = elf_fail(path, "mapping");
		goto fail;
	}
	size_t shnum;
	if (elf_getshdrnum(st->elf, &shnum)) {
		err = elf_fail(path, "reading the section headers");
		goto fail;
	}
	/* libelf drops section headers that do not fit: look ourselves. */
	if (eh.e_shnum)
		shnum = eh.e_shnum;
	if (shnum == 0) {
		err = els_error_create(ELS_ERR_INVALID,
				       "%s: no section headers", path);
		goto fail;
	}
	if (eh.e_shoff > st->raw_size ||
	    (uint64_t)shnum * eh.e_shentsize > st->raw_size - eh.e_shoff) {
		err = els_error_create(ELS_ERR_INVALID,
				       "%s: the section headers (offset 0x%llx, %zu of them) go past the end of the file (0x%zx bytes): truncated?",
				       path, (unsigned long long)eh.e_shoff,
				       shnum, st->raw_size);
		goto fail;
	}
	st->is_rel = eh.e_type == ET_REL;
	if (st->is_rel) {
		st->nsecs = shnum;
		st->placed = calloc(shnum, sizeof(*st->placed));
		if (!st->placed) {
			err = &els_enomem;
			goto fail;
		}
	} else {
		find_image(st);
	}
	if ((err = load_symbols(st)))
		goto fail;
	*ret = st;
	return NULL;
fail:
	els_symtab_destroy(st);
	return err;
}

void els_symtab_destroy(struct els_symtab *st)
{
	if (!st)
		return;
	if (st->dwarf)
		dwarf_end(st->dwarf);
	if (st->elf)
		elf_end(st->elf);
	if (st->fd >= 0)
		close(st->fd);
	free(st->syms);
	free(st->all);
	free(st->placed);
	free(st->hash);
	free(st->cu_ranges);
	free(st->path);
	free(st);
}

const char *els_symtab_path(const struct els_symtab *st)
{
	return st->path;
}

size_t els_symtab_count(const struct els_symtab *st)
{
	return st->nsyms;
}

void els_symtab_set_bias(struct els_symtab *st, uint64_t bias)
{
	st->bias = bias;
}

uint64_t els_symtab_bias(const struct els_symtab *st)
{
	return st->bias;
}

static void fill(const struct els_symtab *st, const struct sym_entry *e,
		 uint64_t addr, struct els_symbol *ret)
{
	ret->name = st->strtab + e->name;
	ret->addr = e->addr + st->bias;
	ret->size = e->size;
	ret->offset = addr - ret->addr;
	ret->is_func = e->is_func;
	ret->is_global = e->is_global;
}

bool els_symtab_load_start(const struct els_symtab *st, uint64_t *ret)
{
	if (!st->img_from_phdrs)
		return false;
	*ret = st->img_lo;
	return true;
}

/* Whether a falls in a placed allocated section of a relocatable file. */
static bool in_placed(const struct els_symtab *st, uint64_t a)
{
	for (size_t i = 0; i < st->nsecs; i++) {
		const struct placed_sec *p = &st->placed[i];
		if (p->placed && a - p->addr < p->size)
			return true;
	}
	return false;
}

bool els_symtab_is_relocatable(const struct els_symtab *st)
{
	return st->is_rel;
}

struct els_error *els_symtab_place_section(struct els_symtab *st,
					   const char *name, uint64_t addr)
{
	if (!st->is_rel)
		return els_error_create(ELS_ERR_INVALID,
					"%s is not a relocatable file: its sections have their addresses",
					st->path);
	size_t shstrndx;
	if (elf_getshdrstrndx(st->elf, &shstrndx))
		return elf_fail(st->path, "finding the section names");
	size_t found = 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(st->elf, scn));) {
		GElf_Shdr sh;
		const char *n;
		size_t idx = elf_ndxscn(scn);
		if (!gelf_getshdr(scn, &sh) || idx >= st->nsecs ||
		    !(n = elf_strptr(st->elf, shstrndx, sh.sh_name)) ||
		    strcmp(n, name))
			continue;
		if (addr > UINT64_MAX - sh.sh_size)
			return els_error_addr(ELS_ERR_INVALID, addr,
					      "%s: section %s (0x%llx bytes) does not fit at 0x%llx",
					      st->path, name,
					      (unsigned long long)sh.sh_size,
					      (unsigned long long)addr);
		st->placed[idx] = (struct placed_sec){
			.addr = addr,
			.size = (sh.sh_flags & SHF_ALLOC) ? sh.sh_size : 0,
			.placed = true,
		};
		found++;
	}
	if (!found)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s has no section %s", st->path, name);
	/* Rebuild the address table from the symbols of placed sections. */
	size_t k = 0;
	for (size_t i = 0; i < st->nall; i++) {
		struct sym_entry e = st->all[i];
		if (e.shndx >= st->nsecs || !st->placed[e.shndx].placed)
			continue;
		e.addr = st->placed[e.shndx].addr + e.value;
		st->syms[k++] = e;
	}
	st->nsyms = k;
	return index_symbols(st);
}

/* How far back to look for a sized symbol that covers an address. */
#define MAX_BACK 64

bool els_symtab_find_addr(const struct els_symtab *st, uint64_t addr,
			  struct els_symbol *ret)
{
	uint64_t a = addr - st->bias; /* the address as linked */
	if (!st->nsyms || a < st->syms[0].addr || addr < st->bias)
		return false;
	if (st->img_hi && (a < st->img_lo || a >= st->img_hi))
		return false;
	if (st->is_rel && !in_placed(st, a))
		return false;
	/* The first entry above a; the one before is the nearest below. */
	size_t lo = 0, hi = st->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->syms[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t i = lo - 1;
	/* The best ranked of the symbols at that address comes first. */
	uint64_t nearest = st->syms[i].addr;
	while (i > 0 && st->syms[i - 1].addr == nearest)
		i--;
	size_t first = i;
	for (size_t j = first; j < st->nsyms && st->syms[j].addr == nearest;
	     j++) {
		const struct sym_entry *e = &st->syms[j];
		if (e->size && a - e->addr < e->size) {
			fill(st, e, addr, ret);
			return true;
		}
	}
	/* A label at the nearest address, with no sized symbol around it. */
	bool label = false;
	for (size_t j = first; j < st->nsyms && st->syms[j].addr == nearest;
	     j++) {
		if (!st->syms[j].size)
			label = true;
	}
	/* A larger symbol further below may still cover a (nested labels). */
	for (size_t back = 0; back < MAX_BACK && i > 0; back++) {
		const struct sym_entry *e = &st->syms[--i];
		if (e->size && a - e->addr < e->size) {
			fill(st, e, addr, ret);
			return true;
		}
	}
	if (label) {
		for (size_t j = first; st->syms[j].addr == nearest; j++) {
			if (!st->syms[j].size) {
				fill(st, &st->syms[j], addr, ret);
				return true;
			}
		}
	}
	return false;
}

void els_symbol_format(const struct els_symbol *s, char *buf, size_t size)
{
	if (s->offset)
		snprintf(buf, size, "%s+0x%" PRIx64, s->name, s->offset);
	else
		snprintf(buf, size, "%s", s->name);
}

struct els_error *els_symtab_lookup_addr(const struct els_symtab *st,
					 uint64_t addr,
					 struct els_symbol *ret)
{
	if (els_symtab_find_addr(st, addr, ret))
		return NULL;
	return els_error_addr(ELS_ERR_NOT_FOUND, addr,
			      "no symbol of %s covers 0x%llx", st->path,
			      (unsigned long long)addr);
}

struct els_error *els_symtab_lookup_name(const struct els_symtab *st,
					 const char *name,
					 struct els_symbol *ret)
{
	if (st->nsyms) {
		size_t h = name_hash(name) & st->hash_mask;
		for (uint32_t o; (o = st->hash[h]); h = (h + 1) & st->hash_mask) {
			const struct sym_entry *e = &st->syms[o - 1];
			if (!strcmp(st->strtab + e->name, name)) {
				fill(st, e, e->addr + st->bias, ret);
				return NULL;
			}
		}
	}
	return els_error_create(ELS_ERR_NOT_FOUND, "no symbol '%s' in %s",
				name, st->path);
}

static int cmp_cu_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * .debug_aranges of some builds leave out code outside .text (Linux's
 * .sched.text, .init.text): read each CU's own ranges, once, the first
 * time aranges do not know an address. Only the CU DIEs are read.
 */
static struct els_error *build_cu_ranges(struct els_symtab *st)
{
	st->cu_ranges_built = true;
	size_t cap = 0;
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(st->dwarf, off, &next, &hsize, NULL, NULL,
			    NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(st->dwarf, off + hsize, &cu)) {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t r = 0;
			while ((r = dwarf_ranges(&cu, r, &base, &lo, &hi)) > 0) {
				if (lo >= hi)
					continue;
				if (st->ncu_ranges == cap) {
					cap = cap ? 2 * cap : 1024;
					struct cu_range *n = realloc(
						st->cu_ranges, cap * sizeof(*n));
					if (!n)
						return &els_enomem;
					st->cu_ranges = n;
				}
				st->cu_ranges[st->ncu_ranges++] =
					(struct cu_range){ lo, hi,
							   off + hsize };
			}
		}
		off = next;
	}
	qsort(st->cu_ranges, st->ncu_ranges, sizeof(*st->cu_ranges),
	      cmp_cu_range);
	return NULL;
}

static bool cu_of_addr(struct els_symtab *st, uint64_t a, Dwarf_Die *cu)
{
	if (dwarf_addrdie(st->dwarf, a, cu))
		return true;
	if (!st->cu_ranges_built) {
		struct els_error *err = build_cu_ranges(st);
		if (err) {
			els_error_destroy(err);
			return false;
		}
	}
	size_t lo = 0, hi = st->ncu_ranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->cu_ranges[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges of CUs do not nest: the nearest below is the only one. */
	if (lo == 0 || a >= st->cu_ranges[lo - 1].hi)
		return false;
	return dwarf_offdie(st->dwarf, st->cu_ranges[lo - 1].die, cu) != NULL;
}

struct els_error *els_symtab_source_line(struct els_symtab *st, uint64_t addr,
					 const char **file, int *line)
{
	if (st->is_rel)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s is relocatable (a module): its DWARF is not relocated, so no source lines",
					st->path);
	if (!st->dwarf_tried) {
		st->dwarf_tried = true;
		st->dwarf = dwarf_begin_elf(st->elf, DWARF_C_READ, NULL);
	}
	if (!st->dwarf)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"%s has no DWARF line information",
					st->path);
	uint64_t a = addr - st->bias;
	Dwarf_Die cu;
	Dwarf_Line *l;
	/* Through .debug_aranges first: no scan of all CUs. */
	if (!cu_of_addr(st, a, &cu) ||
	    !(l = dwarf_getsrc_die(&cu, a)))
		return els_error_addr(ELS_ERR_NOT_FOUND, addr,
				      "no DWARF line of %s covers 0x%llx",
				      st->path, (unsigned long long)addr);
	const char *src = dwarf_linesrc(l, NULL, NULL);
	if (!src || dwarf_lineno(l, line))
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "%s: the DWARF line of 0x%llx has no file or line: %s",
				      st->path, (unsigned long long)addr,
				      dwarf_errmsg(-1));
	*file = src;
	return NULL;
}

struct els_error *els_symtab_file_bytes(const struct els_symtab *st,
					uint64_t addr, void *buf, size_t len)
{
	uint64_t a = addr - st->bias;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(st->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    a < sh.sh_addr || a - sh.sh_addr >= sh.sh_size)
			continue;
		if (sh.sh_type == SHT_NOBITS)
			break;
		if (len > sh.sh_size - (a - sh.sh_addr) || !in_file(st, &sh))
			return els_error_addr(ELS_ERR_INVALID, addr,
					      "%s: 0x%zx bytes at 0x%llx go past the end of their section or of the file",
					      st->path, len,
					      (unsigned long long)addr);
		memcpy(buf, st->raw + sh.sh_offset + (a - sh.sh_addr), len);
		return NULL;
	}
	return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
			      "%s holds no contents at 0x%llx", st->path,
			      (unsigned long long)addr);
}

struct els_error *els_symtab_from_entries(const char *label,
					  const struct els_symtab_entry *entries,
					  size_t n, struct els_symtab **ret)
{
	size_t lablen = strlen(label), total = lablen + 2; /* label, "" */
	for (size_t i = 0; i < n; i++) {
		size_t len = entries[i].name ? strlen(entries[i].name) : 0;
		if (len > UINT32_MAX - total)
			return els_error_create(ELS_ERR_INVALID,
						"%s: the symbol names do not fit a table",
						label);
		total += len + 1;
	}
	struct els_symtab *st = calloc(1, sizeof(*st));
	if (!st)
		return &els_enomem;
	st->fd = -1;
	/* One allocation, freed as the path: the label, then the names. */
	char *buf = malloc(total);
	st->syms = malloc((n ? n : 1) * sizeof(*st->syms));
	if (!buf || !st->syms) {
		free(buf);
		els_symtab_destroy(st);
		return &els_enomem;
	}
	memcpy(buf, label, lablen + 1);
	st->path = buf;
	char *strtab = buf + lablen + 1;
	size_t off = 1;
	strtab[0] = '\0';
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		const struct els_symtab_entry *e = &entries[i];
		if (!e->name || !e->name[0])
			continue;
		size_t len = strlen(e->name);
		memcpy(strtab + off, e->name, len + 1);
		uint64_t end = e->addr + (e->size ? e->size : 1);
		if (end < e->addr)
			end = UINT64_MAX;
		if (e->addr < lo)
			lo = e->addr;
		if (end > hi)
			hi = end;
		st->syms[st->nsyms++] = (struct sym_entry){
			.addr = e->addr,
			.size = e->size,
			.value = e->addr,
			.name = (uint32_t)off,
			.rank = (uint8_t)((e->is_func ? 8 : 0) +
					  (e->is_global ? 4 : 0) +
					  (e->size ? 1 : 0)),
			.is_func = e->is_func,
			.is_global = e->is_global,
		};
		off += len + 1;
	}
	st->strtab = strtab;
	st->strtab_size = off;
	if (hi > lo) {
		st->img_lo = lo;
		st->img_hi = hi;
	}
	struct els_error *err = index_symbols(st);
	if (err) {
		els_symtab_destroy(st);
		return err;
	}
	*ret = st;
	return NULL;
}
