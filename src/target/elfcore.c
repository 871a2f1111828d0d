/* SPDX-License-Identifier: MIT */
/*
 * ELF cores of AArch64 machines: QEMU's dump-guest-memory and kdump
 * (/proc/vmcore, makedumpfile -E). Only 64-bit little-endian EM_AARCH64
 * ET_CORE files are taken; anything else is one error naming what was found.
 *
 * Memory: each PT_LOAD segment is physical memory at p_paddr (QEMU 7.2 writes
 * p_vaddr = p_paddr; kdump puts the physical address there too). Only a
 * segment's file bytes are memory: the p_memsz > p_filesz tail and every gap
 * is ELS_ERR_NOT_MAPPED with the first missing address, never zeros.
 *
 * Segments may overlap: kexec-tools adds a PT_LOAD for the kernel image that
 * lies inside a System RAM one. Overlaps are resolved at open, the same way
 * every time: segments are taken by ascending p_paddr (ties: program header
 * order) and each byte belongs to the first segment that covers it, so a later
 * segment only adds the part above what is already covered.
 *
 * Checks at open: the ELF identification and header, the program header
 * table and every segment's file bytes within the file (offset + size,
 * compared without adding), no physical range wrapping past 2^64, note
 * segments at most NOTES_MAX bytes. Notes are parsed with the bounds-checked
 * reader, 4-byte aligned unless the segment says p_align 8; zero padding
 * shorter than a note header may end a segment, anything else cut short is
 * an error.
 *
 * Notes used:
 *   "CORE" NT_PRSTATUS: one per CPU, in order (at most MAX_CPUS). struct
 *       elf_prstatus of arm64: pr_pid (u32) at 32, pr_reg at 112: x0..x30,
 *       sp, pc, pstate (u64 each). No such note: zero CPUs.
 *   "VMCOREINFO" (any type): KEY=VALUE lines written by the kernel. The first
 *       such note counts, up to VMCOREINFO_MAX bytes or its first NUL; lines
 *       without '=' are ignored; of two equal keys the first wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/reader.h"
#include "target/physmap.h"
#include "target/target.h"

/* Note segments larger than this are not a core elscope knows. */
#define NOTES_MAX (64u * 1024 * 1024)
/* The kernel's VMCOREINFO fits in a page; allow plenty more, no further. */
#define VMCOREINFO_MAX (64u * 1024)
#define MAX_CPUS 4096

#define PRSTATUS_PID_OFFSET 32
#define PRSTATUS_REG_OFFSET 112
/* x0..x30, sp, pc, pstate */
#define NUM_REGS 34
#define REG_SP 31
#define REG_PC 32
#define REG_PSTATE 33

struct core_seg {
	uint64_t paddr;  /* first physical address */
	uint64_t size;   /* bytes in the file, never 0 */
	uint64_t offset; /* file offset of paddr */
	size_t phdr;     /* index in the program header table */
};

ELS_VEC(core_seg_vec, struct core_seg);

struct cpu_regs {
	uint64_t r[NUM_REGS];
};

ELS_VEC(cpu_regs_vec, struct cpu_regs);

struct vmcoreinfo_entry {
	const char *key;   /* into vmcoreinfo_text */
	const char *value;
};

ELS_VEC(vmcoreinfo_vec, struct vmcoreinfo_entry);

struct elfcore {
	struct els_target t; /* first: container_of by cast */
	char *name;          /* file name, or "ELF core in memory" */
	int fd;              /* -1 for a core in memory */
	const uint8_t *mem;  /* the core in memory, or NULL */
	uint64_t file_size;
	struct core_seg_vec segs; /* sorted by paddr, not overlapping */
	struct els_physmap map;   /* the same segments as physical memory */
	size_t nloads;            /* PT_LOAD headers */
	uint64_t mem_bytes;       /* bytes of memory in the dump */
	uint64_t tail_bytes;      /* p_memsz beyond p_filesz, not in the dump */
	struct cpu_regs_vec cpu_regs;
	bool has_vmcoreinfo;
	char *vmcoreinfo_text;
	struct vmcoreinfo_vec vmcoreinfo;
};

static struct elfcore *to_core(struct els_target *t)
{
	return (struct elfcore *)t;
}

static const struct els_target_ops elfcore_ops;

/* ---- memory ---- */

static struct els_error *elfcore_read_mem(struct els_target *t,
					  const struct els_aspace *as,
					  uint64_t addr, void *buf, size_t len)
{
	if (as->kind != ELS_AS_PHYS)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"virtual addresses of a dump need the translation layer (not available yet)");
	return els_physmap_read(&to_core(t)->map, addr, buf, len);
}

/* ---- registers ---- */

static struct els_error *elfcore_read_reg(struct els_target *t, int cpu,
					  const struct els_reg_desc *reg,
					  uint8_t *buf)
{
	struct elfcore *c = to_core(t);
	if (!c->cpu_regs.len)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the dump has no CPU registers (no NT_PRSTATUS note)");
	if (cpu < 0 || (size_t)cpu >= c->cpu_regs.len)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the dump has no CPU %d (%zu CPUs)", cpu,
					c->cpu_regs.len);
	if (reg->regnum < 0 || reg->regnum >= NUM_REGS)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the dump has no register %s",
					reg->name);
	uint64_t v = c->cpu_regs.data[cpu].r[reg->regnum];
	size_t size = (reg->bitsize + 7) / 8;
	for (size_t i = 0; i < size && i < 8; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return NULL;
}

static struct els_error *add_reg(struct els_target *t, const char *name,
				 int regnum, unsigned bitsize)
{
	struct els_reg_desc *d = els_reg_desc_vec_append(&t->regs);
	if (!d)
		return &els_enomem;
	memset(d, 0, sizeof(*d));
	d->regnum = regnum;
	d->bitsize = bitsize;
	d->name = strdup(name);
	d->group = strdup("general");
	d->feature = strdup("org.gnu.gdb.aarch64.core");
	if (!d->name || !d->group || !d->feature)
		return &els_enomem; /* els_target_close frees what is there */
	return NULL;
}

/* The names QEMU's gdbstub uses, so that commands work the same on both. */
static struct els_error *add_regs(struct els_target *t)
{
	struct els_error *err;
	char name[8];
	for (int i = 0; i < 31; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		if ((err = add_reg(t, name, i, 64)))
			return err;
	}
	if ((err = add_reg(t, "sp", REG_SP, 64)) ||
	    (err = add_reg(t, "pc", REG_PC, 64)))
		return err;
	/* gdb's cpsr is the low half of pstate. */
	return add_reg(t, "cpsr", REG_PSTATE, 32);
}

/* ---- notes ---- */

static bool name_is(const uint8_t *name, size_t namesz, const char *want)
{
	/* namesz counts the NUL; tolerate writers that leave it out. */
	const uint8_t *nul = memchr(name, '\0', namesz);
	size_t len = nul ? (size_t)(nul - name) : namesz;
	return len == strlen(want) && !memcmp(name, want, len);
}

static struct els_error *parse_prstatus(struct elfcore *c,
					struct els_reader *d)
{
	if (c->cpu_regs.len >= MAX_CPUS)
		return els_error_create(ELS_ERR_INVALID,
					"more than %d NT_PRSTATUS notes",
					MAX_CPUS);
	size_t cpu = c->cpu_regs.len;
	struct cpu_regs regs;
	uint32_t pid = 0;
	struct els_error *err = els_reader_seek(d, PRSTATUS_PID_OFFSET);
	if (!err)
		err = els_reader_u32(d, &pid);
	if (!err)
		err = els_reader_seek(d, PRSTATUS_REG_OFFSET);
	for (int i = 0; !err && i < NUM_REGS; i++)
		err = els_reader_u64(d, &regs.r[i]);
	if (err)
		return els_error_wrap(err, "CPU %zu", cpu);
	if (!cpu_regs_vec_push(&c->cpu_regs, regs) ||
	    !els_cpu_vec_push(&c->t.cpus, (struct els_cpu){
		    .index = (int)cpu, .thread_id = pid }))
		return &els_enomem;
	return NULL;
}

static struct els_error *parse_vmcoreinfo(struct elfcore *c,
					  struct els_reader *d)
{
	if (c->has_vmcoreinfo) {
		els_debug("%s: a second VMCOREINFO note is ignored", c->name);
		return NULL;
	}
	size_t n = els_reader_left(d);
	bool cut = false;
	if (n > VMCOREINFO_MAX) {
		els_warn("%s: VMCOREINFO note of %zu bytes: only the first %u are used",
			 c->name, n, VMCOREINFO_MAX);
		n = VMCOREINFO_MAX;
		cut = true;
	}
	const uint8_t *text;
	struct els_error *err = els_reader_bytes(d, n, &text);
	if (err)
		return err;
	/* The text ends at the first NUL (the kernel pads with them). */
	const uint8_t *nul = memchr(text, '\0', n);
	if (nul) {
		n = (size_t)(nul - text);
		cut = false;
	}
	char *s = malloc(n + 1);
	if (!s)
		return &els_enomem;
	memcpy(s, text, n);
	s[n] = '\0';
	c->vmcoreinfo_text = s;
	c->has_vmcoreinfo = true;
	size_t pos = 0;
	while (pos < n) {
		char *line = s + pos;
		char *nl = memchr(line, '\n', n - pos);
		if (!nl && cut)
			break; /* a line cut by the cap is no line */
		size_t len = nl ? (size_t)(nl - line) : n - pos;
		pos += len + 1;
		line[len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		char *eq = memchr(line, '=', len);
		if (!eq || eq == line)
			continue;
		*eq = '\0';
		struct vmcoreinfo_entry e = { .key = line, .value = eq + 1 };
		if (!vmcoreinfo_vec_push(&c->vmcoreinfo, e))
			return &els_enomem;
	}
	return NULL;
}

/* Step over the padding after a name or desc; a last one may lack it. */
static void skip_pad(struct els_reader *r, size_t align)
{
	size_t off = els_reader_offset(r);
	size_t pad = (align - (off & (align - 1))) & (align - 1);
	if (pad > els_reader_left(r))
		pad = els_reader_left(r);
	els_error_destroy(els_reader_skip(r, pad)); /* cannot fail */
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static struct els_error *parse_notes(struct elfcore *c, const uint8_t *p,
				     size_t n, size_t align)
{
	struct els_reader r;
	els_reader_init(&r, p, n, false, "PT_NOTE segment");
	while (els_reader_left(&r)) {
		size_t at = els_reader_offset(&r);
		size_t left = els_reader_left(&r);
		if (left < 12) {
			/* Zero padding shorter than a header ends the notes. */
			const uint8_t *rest;
			struct els_error *err = els_reader_bytes(&r, left, &rest);
			if (err || all_zero(rest, left))
				return err;
			return els_error_create(ELS_ERR_INVALID,
						"truncated note header at offset %zu: %zu bytes",
						at, left);
		}
		uint32_t namesz = 0, descsz = 0, type = 0;
		const uint8_t *name;
		struct els_reader desc;
		struct els_error *err = els_reader_u32(&r, &namesz);
		if (!err)
			err = els_reader_u32(&r, &descsz);
		if (!err)
			err = els_reader_u32(&r, &type);
		if (!err)
			err = els_reader_bytes(&r, namesz, &name);
		if (!err) {
			skip_pad(&r, align);
			err = els_reader_sub(&r, descsz, "note desc", &desc);
		}
		if (err)
			return els_error_wrap(err,
					      "note at offset %zu (namesz %u, descsz %u)",
					      at, namesz, descsz);
		skip_pad(&r, align);
		if (type == 1 && name_is(name, namesz, "CORE")) {
			desc.what = "NT_PRSTATUS note";
			err = parse_prstatus(c, &desc);
		} else if (name_is(name, namesz, "VMCOREINFO")) {
			desc.what = "VMCOREINFO note";
			err = parse_vmcoreinfo(c, &desc);
		}
		if (err)
			return err;
	}
	return NULL;
}

/* ---- opening ---- */

static const char *machine_name(unsigned machine)
{
	switch (machine) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_ARM: return "32-bit Arm";
	case EM_RISCV: return "RISC-V";
	case EM_PPC64: return "64-bit PowerPC";
	case EM_S390: return "s390";
	case EM_MIPS: return "MIPS";
	case EM_NONE: return "none";
	}
	return "not AArch64";
}

static const char *type_name(unsigned type)
{
	switch (type) {
	case ET_NONE: return "no file type";
	case ET_REL: return "a relocatable file";
	case ET_EXEC: return "an executable";
	case ET_DYN: return "a shared object or PIE";
	}
	return "an unknown type";
}

#define WANT "elscope reads 64-bit little-endian AArch64 ELF cores"

/* e_ident, before libelf sees the file, to name what was found. */
static struct els_error *check_ident(const uint8_t *buf, size_t len)
{
	struct els_reader r;
	uint8_t ident[EI_NIDENT];
	els_reader_init(&r, buf, len, false, "ELF identification");
	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG))
		return els_error_create(ELS_ERR_INVALID,
					"not an ELF file (no \\177ELF magic)");
	struct els_error *err = els_reader_copy(&r, ident, sizeof(ident));
	if (err)
		return els_error_wrap(err, "truncated ELF header");
	if (ident[EI_CLASS] == ELFCLASS32)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"32-bit ELF file (ELFCLASS32): " WANT);
	if (ident[EI_CLASS] != ELFCLASS64)
		return els_error_create(ELS_ERR_INVALID,
					"ELF class %u is not valid: " WANT,
					ident[EI_CLASS]);
	if (ident[EI_DATA] == ELFDATA2MSB)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"big-endian ELF file (ELFDATA2MSB): " WANT);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return els_error_create(ELS_ERR_INVALID,
					"ELF data encoding %u is not valid: " WANT,
					ident[EI_DATA]);
	if (ident[EI_VERSION] != EV_CURRENT)
		return els_error_create(ELS_ERR_INVALID,
					"ELF version %u is not valid (want %u)",
					ident[EI_VERSION], EV_CURRENT);
	if (len < sizeof(Elf64_Ehdr))
		return els_error_create(ELS_ERR_INVALID,
					"truncated ELF header: %zu bytes, need %zu",
					len, sizeof(Elf64_Ehdr));
	return NULL;
}

static struct els_error *libelf_error(const char *what)
{
	return els_error_create(ELS_ERR_INVALID, "%s: %s", what,
				elf_errmsg(-1));
}

/* A segment's file bytes [offset, offset + size) lie within the file. */
static struct els_error *check_in_file(const struct elfcore *c, size_t i,
				       const char *kind, const GElf_Phdr *ph)
{
	if (ph->p_offset > c->file_size ||
	    ph->p_filesz > c->file_size - ph->p_offset)
		return els_error_create(ELS_ERR_INVALID,
					"program header %zu (%s): 0x%llx bytes at file offset 0x%llx run past the end of the file (0x%llx bytes)",
					i, kind,
					(unsigned long long)ph->p_filesz,
					(unsigned long long)ph->p_offset,
					(unsigned long long)c->file_size);
	return NULL;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct core_seg *x = a, *y = b;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->phdr != y->phdr)
		return x->phdr < y->phdr ? -1 : 1;
	return 0;
}

/* Sort the segments and cut overlaps as the comment at the top says. */
static void resolve_overlaps(struct elfcore *c)
{
	struct core_seg_vec *v = &c->segs;
	if (v->len > 1)
		qsort(v->data, v->len, sizeof(*v->data), seg_cmp);
	size_t out = 0;
	uint64_t covered_last = 0; /* last address covered so far */
	for (size_t i = 0; i < v->len; i++) {
		struct core_seg s = v->data[i];
		uint64_t last = s.paddr + (s.size - 1);
		if (out) {
			if (last <= covered_last) {
				els_debug("%s: PT_LOAD of program header %zu lies inside lower ones: not used",
					  c->name, s.phdr);
				continue;
			}
			if (s.paddr <= covered_last) {
				uint64_t cut = covered_last - s.paddr + 1;
				els_debug("%s: PT_LOAD of program header %zu overlaps a lower one by 0x%llx bytes: those are read from that one",
					  c->name, s.phdr,
					  (unsigned long long)cut);
				s.paddr += cut;
				s.offset += cut;
				s.size -= cut;
			}
		}
		v->data[out++] = s;
		covered_last = last;
		c->mem_bytes += s.size;
	}
	v->len = out;
}

static struct els_error *add_load(struct elfcore *c, size_t i,
				  const GElf_Phdr *ph)
{
	struct els_error *err = check_in_file(c, i, "PT_LOAD", ph);
	if (err)
		return err;
	c->nloads++;
	if (ph->p_memsz > ph->p_filesz)
		c->tail_bytes += ph->p_memsz - ph->p_filesz;
	if (ph->p_filesz == 0)
		return NULL;
	if (ph->p_filesz - 1 > UINT64_MAX - ph->p_paddr)
		return els_error_create(ELS_ERR_INVALID,
					"program header %zu (PT_LOAD): 0x%llx bytes at physical address 0x%llx wrap past the end of the address space",
					i, (unsigned long long)ph->p_filesz,
					(unsigned long long)ph->p_paddr);
	if (!core_seg_vec_push(&c->segs, (struct core_seg){
		    .paddr = ph->p_paddr,
		    .size = ph->p_filesz,
		    .offset = ph->p_offset,
		    .phdr = i }))
		return &els_enomem;
	return NULL;
}

static struct els_error *add_notes(struct elfcore *c, Elf *elf, size_t i,
				   const GElf_Phdr *ph)
{
	struct els_error *err = check_in_file(c, i, "PT_NOTE", ph);
	if (err)
		return err;
	if (ph->p_filesz == 0)
		return NULL;
	if (ph->p_filesz > NOTES_MAX)
		return els_error_create(ELS_ERR_INVALID,
					"program header %zu (PT_NOTE): 0x%llx bytes, more than the %u MiB a core's notes take",
					i, (unsigned long long)ph->p_filesz,
					NOTES_MAX >> 20);
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset,
					      (size_t)ph->p_filesz, ELF_T_BYTE);
	if (!data)
		return libelf_error("reading a PT_NOTE segment");
	if (data->d_size != ph->p_filesz)
		return els_error_create(ELS_ERR_INVALID,
					"program header %zu (PT_NOTE): libelf gave %zu bytes, not %llu",
					i, data->d_size,
					(unsigned long long)ph->p_filesz);
	err = parse_notes(c, data->d_buf, data->d_size,
			  ph->p_align == 8 ? 8 : 4);
	return els_error_wrap(err, "program header %zu", i);
}

/*
 * The number of program headers, with the table checked to lie within the
 * file (libelf quietly counts fewer when a file is cut short).
 */
static struct els_error *count_phdrs(const struct elfcore *c, Elf *elf,
				     const GElf_Ehdr *eh, size_t *ret)
{
	uint64_t want = eh->e_phnum;
	if (want == PN_XNUM) {
		/* Too many for e_phnum: section header 0 has the count. */
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(elf, 0);
		if (!scn || !gelf_getshdr(scn, &sh))
			return libelf_error("reading section header 0 (the number of program headers)");
		want = sh.sh_info;
	}
	*ret = 0;
	if (want == 0)
		return NULL;
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return els_error_create(ELS_ERR_INVALID,
					"program headers of %u bytes, not %zu",
					eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phoff < sizeof(Elf64_Ehdr))
		return els_error_create(ELS_ERR_INVALID,
					"program header table at offset 0x%llx, inside the ELF header",
					(unsigned long long)eh->e_phoff);
	if (eh->e_phoff > c->file_size ||
	    want > (c->file_size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return els_error_create(ELS_ERR_INVALID,
					"program header table: %llu headers at offset 0x%llx run past the end of the file (0x%llx bytes)",
					(unsigned long long)want,
					(unsigned long long)eh->e_phoff,
					(unsigned long long)c->file_size);
	size_t n;
	if (elf_getphdrnum(elf, &n))
		return libelf_error("reading the program header table");
	if (n != want)
		return els_error_create(ELS_ERR_INVALID,
					"program header table: libelf counts %zu headers, the ELF header says %llu",
					n, (unsigned long long)want);
	*ret = n;
	return NULL;
}

static struct els_error *parse_elf(struct elfcore *c, Elf *elf)
{
	if (!elf)
		return libelf_error("opening the ELF file");
	if (elf_kind(elf) != ELF_K_ELF)
		return els_error_create(ELS_ERR_INVALID, "not an ELF file");
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh))
		return libelf_error("reading the ELF header");
	if (eh.e_type != ET_CORE)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"ELF type %u is %s, not a core file (ET_CORE)",
					eh.e_type, type_name(eh.e_type));
	if (eh.e_machine != EM_AARCH64)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"ELF machine %u (%s): " WANT " (EM_AARCH64)",
					eh.e_machine,
					machine_name(eh.e_machine));
	size_t phnum;
	struct els_error *err = count_phdrs(c, elf, &eh, &phnum);
	if (err)
		return err;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			return libelf_error("reading a program header");
		err = NULL;
		if (ph.p_type == PT_LOAD)
			err = add_load(c, i, &ph);
		else if (ph.p_type == PT_NOTE)
			err = add_notes(c, elf, i, &ph);
		if (err)
			return err;
	}
	resolve_overlaps(c);
	c->map.where = "the dump";
	for (size_t i = 0; i < c->segs.len; i++) {
		const struct core_seg *seg = &c->segs.data[i];
		if (!els_physmap_range_vec_push(&c->map.ranges,
						(struct els_physmap_range){
							.paddr = seg->paddr,
							.size = seg->size,
							.offset = seg->offset,
							.fd = c->fd,
							.mem = c->mem,
							.name = c->name }))
			return &els_enomem;
	}
	return add_regs(&c->t);
}

static struct els_error *elfcore_create(const char *name, struct elfcore **ret)
{
	struct elfcore *c = calloc(1, sizeof(*c));
	if (!c)
		return &els_enomem;
	char *spec;
	if (asprintf(&spec, "core:%s", name) < 0) {
		free(c);
		return &els_enomem;
	}
	els_target_init(&c->t, &elfcore_ops, spec);
	free(spec);
	c->fd = -1;
	c->name = strdup(name);
	if (!c->t.spec || !c->name) {
		els_target_close(&c->t);
		return &els_enomem;
	}
	*ret = c;
	return NULL;
}

/* Finish an open: on error, free everything and name the file. */
static struct els_error *finish(struct elfcore *c, struct els_error *err,
				struct els_target **ret)
{
	if (err) {
		err = els_error_wrap(err, "%s", c->name);
		els_target_close(&c->t);
		return err;
	}
	*ret = &c->t;
	return NULL;
}

struct els_error *els_elfcore_open(const char *path, struct els_target **ret)
{
	struct elfcore *c;
	struct els_error *err = elfcore_create(path, &c);
	if (err)
		return err;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		err = els_error_errno(errno, "opening the core file");
		return finish(c, err, ret);
	}
	struct stat st;
	if (fstat(c->fd, &st)) {
		err = els_error_errno(errno, "looking at the core file");
		return finish(c, err, ret);
	}
	if (st.st_size <= 0) {
		err = els_error_create(ELS_ERR_INVALID,
				       "empty, or not a file");
		return finish(c, err, ret);
	}
	c->file_size = (uint64_t)st.st_size;
	uint8_t head[sizeof(Elf64_Ehdr)];
	size_t n = c->file_size < sizeof(head) ? (size_t)c->file_size
					       : sizeof(head);
	err = els_pread_all(c->fd, head, n, 0, c->name);
	if (!err)
		err = check_ident(head, n);
	if (!err) {
		elf_version(EV_CURRENT);
		Elf *elf = elf_begin(c->fd, ELF_C_READ_MMAP, NULL);
		err = parse_elf(c, elf);
		elf_end(elf);
	}
	return finish(c, err, ret);
}

struct els_error *els_elfcore_open_mem(const void *buf, size_t len,
				       struct els_target **ret)
{
	struct elfcore *c;
	struct els_error *err = elfcore_create("ELF core in memory", &c);
	if (err)
		return err;
	c->mem = buf;
	c->file_size = len;
	err = check_ident(buf, len);
	if (!err) {
		elf_version(EV_CURRENT);
		/* libelf only reads the image (it is not ELF_C_RDWR). */
		Elf *elf = elf_memory((char *)(uintptr_t)buf, len);
		err = parse_elf(c, elf);
		elf_end(elf);
	}
	return finish(c, err, ret);
}

const char *els_elfcore_vmcoreinfo(struct els_target *t, const char *key)
{
	if (!t || t->ops != &elfcore_ops || !key)
		return NULL;
	struct elfcore *c = to_core(t);
	for (size_t i = 0; i < c->vmcoreinfo.len; i++) {
		if (!strcmp(c->vmcoreinfo.data[i].key, key))
			return c->vmcoreinfo.data[i].value;
	}
	return NULL;
}

static void elfcore_describe(struct els_target *t,
			     void (*emit)(const char *, const char *, void *),
			     void *arg)
{
	struct elfcore *c = to_core(t);
	char buf[128];
	emit("file", c->name, arg);
	emit("format", "ELF core (QEMU dump-guest-memory or kdump)", arg);
	snprintf(buf, sizeof(buf), "%zu PT_LOAD (%zu memory range%s)",
		 c->nloads, c->segs.len, c->segs.len == 1 ? "" : "s");
	emit("segments", buf, arg);
	snprintf(buf, sizeof(buf), "%llu bytes",
		 (unsigned long long)c->mem_bytes);
	emit("memory", buf, arg);
	if (c->tail_bytes) {
		snprintf(buf, sizeof(buf),
			 "%llu bytes of segments past p_filesz (not readable)",
			 (unsigned long long)c->tail_bytes);
		emit("not in the dump", buf, arg);
	}
	snprintf(buf, sizeof(buf), "%zu", c->cpu_regs.len);
	emit("cpus", buf, arg);
	const char *release = els_elfcore_vmcoreinfo(t, "OSRELEASE");
	emit("vmcoreinfo", release ? release
		 : c->has_vmcoreinfo ? "present (no OSRELEASE)" : "none", arg);
}

static void elfcore_destroy(struct els_target *t)
{
	struct elfcore *c = to_core(t);
	if (c->fd >= 0)
		close(c->fd);
	core_seg_vec_deinit(&c->segs);
	els_physmap_deinit(&c->map);
	cpu_regs_vec_deinit(&c->cpu_regs);
	vmcoreinfo_vec_deinit(&c->vmcoreinfo);
	free(c->vmcoreinfo_text);
	free(c->name);
	free(c);
}

static const struct els_target_ops elfcore_ops = {
	.kind = "core",
	.destroy = elfcore_destroy,
	.read_mem = elfcore_read_mem,
	.read_reg = elfcore_read_reg,
	.describe = elfcore_describe,
};
