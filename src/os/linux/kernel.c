/* SPDX-License-Identifier: MIT */
/* One Linux kernel: symbols, types and memory through its translation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "os/linux/kernel.h"

struct els_error *els_linux_read(struct els_linux *lx, uint64_t va, void *buf,
				 size_t len)
{
	lx->reads++;
	lx->bytes += len;
	return els_xlat_read(&lx->kctx, va, buf, len);
}

struct els_error *els_linux_read_u64(struct els_linux *lx, uint64_t va,
				     uint64_t *ret)
{
	uint8_t b[8];
	struct els_error *err = els_linux_read(lx, va, b, sizeof(b));
	if (err)
		return err;
	*ret = els_le64(b);
	return NULL;
}

struct els_error *els_linux_read_u32(struct els_linux *lx, uint64_t va,
				     uint32_t *ret)
{
	uint8_t b[4];
	struct els_error *err = els_linux_read(lx, va, b, sizeof(b));
	if (err)
		return err;
	*ret = els_le32(b);
	return NULL;
}

struct els_error *els_linux_read_str(struct els_linux *lx, uint64_t va,
				     char *buf, size_t size)
{
	if (!size)
		return NULL;
	size_t done = 0;
	/* Up to the end of each page: a string may end just before one. */
	while (done < size - 1) {
		uint64_t a = va + done;
		size_t n = 4096 - (size_t)(a & 4095);
		if (n > size - 1 - done)
			n = size - 1 - done;
		struct els_error *err = els_linux_read(lx, a, buf + done, n);
		if (err)
			return err;
		void *nul = memchr(buf + done, '\0', n);
		done += n;
		if (nul)
			return NULL;
	}
	buf[size - 1] = '\0';
	return NULL;
}

struct els_error *els_linux_sym(struct els_linux *lx, const char *name,
				uint64_t *ret)
{
	struct els_symbol s;
	struct els_error *err = els_symtab_lookup_name(lx->vmlinux, name, &s);
	if (err)
		return err;
	*ret = s.addr;
	return NULL;
}

struct els_error *els_linux_percpu(struct els_linux *lx, const char *name,
				   unsigned cpu, uint64_t *ret)
{
	if (cpu >= lx->nr_cpu_ids)
		return els_error_create(ELS_ERR_INVALID,
					"no CPU %u in the kernel (nr_cpu_ids %u)",
					cpu, lx->nr_cpu_ids);
	uint64_t a;
	struct els_error *err = els_linux_sym(lx, name, &a);
	if (err)
		return err;
	*ret = a + lx->per_cpu_offset[cpu];
	return NULL;
}

struct els_error *els_linux_member(struct els_linux *lx, const char *name,
				   const char *path,
				   struct els_type_member *ret)
{
	return els_types_member(lx->types, name, path, ret);
}

struct els_error *els_linux_offset(struct els_linux *lx, const char *name,
				   const char *path, uint64_t *ret)
{
	struct els_type_member m;
	struct els_error *err = els_types_member(lx->types, name, path, &m);
	if (!err)
		*ret = m.offset;
	return err;
}

struct els_error *els_linux_sizeof(struct els_linux *lx, const char *name,
				   uint64_t *ret)
{
	return els_types_struct_size(lx->types, name, ret);
}

struct els_error *els_linux_get(const struct els_type_member *m,
				const uint8_t *buf, size_t len,
				uint64_t span_start, uint64_t *ret)
{
	uint64_t size = m->bit_size ? 8 : m->size;
	uint64_t off = m->bit_size ? (m->bit_offset / 8) : m->offset;
	if (m->bit_size) {
		/* The bytes that hold the bitfield, at most 8 of them. */
		uint64_t last = (m->bit_offset + m->bit_size - 1) / 8;
		size = last - off + 1;
	}
	if (size == 0 || size > 8 || off < span_start ||
	    off - span_start > len || size > len - (off - span_start))
		return els_error_create(ELS_ERR_INVALID,
					"a member at offset %" PRIu64 " (%" PRIu64
					" bytes) is outside the %zu bytes read at offset %" PRIu64,
					off, size, len, span_start);
	uint64_t v = els_le(buf + (off - span_start), size);
	if (m->bit_size) {
		v >>= m->bit_offset % 8;
		if (m->bit_size < 64)
			v &= (UINT64_C(1) << m->bit_size) - 1;
	}
	*ret = v;
	return NULL;
}

struct els_error *els_linux_virt_to_phys(struct els_linux *lx, uint64_t va,
					 uint64_t *pa)
{
	return els_xlat_va_to_pa(&lx->kctx, va, pa);
}

struct els_error *els_linux_user_ctx(struct els_linux *lx, uint64_t pgd_va,
				     struct els_xlat_ctx *ret)
{
	/*
	 * TTBR0 holds what the kernel's stage 1 gives: a physical address,
	 * or in a guest (stage 2 on) an IPA, not the PA behind it.
	 */
	struct els_xlat_result r;
	struct els_error *err = els_xlat_va(&lx->kctx, pgd_va, &r);
	if (!err && !r.mapped)
		err = els_error_addr(ELS_ERR_NOT_MAPPED, pgd_va,
				     "not mapped (%s)",
				     r.fault ? r.fault : "stage 1");
	if (err)
		return els_error_wrap(err, "the pgd at 0x%" PRIx64, pgd_va);
	*ret = lx->kctx;
	ret->ttbr0 = r.has_stage2 ? r.ipa : r.pa;
	/* TTBR0 walks enabled (TCR.EPD0 clear): the kernel may have them off. */
	ret->tcr &= ~(UINT64_C(1) << 7);
	els_xlat_flush(ret);
	return NULL;
}

static uint64_t vmcoreinfo_num(struct els_target *t,
			       const char *(*get)(struct els_target *,
						  const char *),
			       const char *key, bool hex, bool *ok)
{
	const char *v = get(t, key);
	if (!v || !*v) {
		*ok = false;
		return 0;
	}
	char *end;
	uint64_t n = strtoull(v, &end, hex ? 16 : 0);
	if (*end)
		*ok = false;
	return n;
}

struct els_error *els_linux_ctx_from_vmcoreinfo(
	struct els_target *t, const char *(*get)(struct els_target *, const char *),
	struct els_xlat_ctx *ret)
{
	bool ok = true;
	if (!get(t, "OSRELEASE"))
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the dump has no VMCOREINFO note: its kernel's page tables cannot be found (QEMU: -device vmcoreinfo and the guest's qemu_fw_cfg module)");
	uint64_t pgd = vmcoreinfo_num(t, get, "SYMBOL(swapper_pg_dir)", true, &ok);
	uint64_t voff = vmcoreinfo_num(t, get, "NUMBER(kimage_voffset)", true,
				       &ok);
	uint64_t va_bits = vmcoreinfo_num(t, get, "NUMBER(VA_BITS)", false, &ok);
	uint64_t page = vmcoreinfo_num(t, get, "PAGESIZE", false, &ok);
	if (!ok)
		return els_error_create(ELS_ERR_INVALID,
					"the dump's VMCOREINFO lacks SYMBOL(swapper_pg_dir), NUMBER(kimage_voffset), NUMBER(VA_BITS) or PAGESIZE (or they are not numbers)");
	if (page != 4096 || va_bits < 39 || va_bits > 48)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the dump's kernel uses %" PRIu64
					"-byte pages and %" PRIu64
					"-bit addresses: only 4K pages with 39 to 48 bits are known",
					page, va_bits);
	uint64_t tsz = 64 - va_bits;
	memset(ret, 0, sizeof(*ret));
	ret->t = t;
	ret->cpu = 0;
	ret->regime = ELS_XLAT_EL10;
	ret->el = 1;
	ret->sctlr = 1; /* M: the MMU is on */
	/* T0SZ, T1SZ; TG0 4K (0), TG1 4K (2); IPS 48 bits (5). */
	ret->tcr = tsz | tsz << 16 | UINT64_C(2) << 30 | UINT64_C(5) << 32;
	ret->ttbr1 = pgd - voff;
	return NULL;
}

static unsigned parse_version(const char *rel)
{
	unsigned a = 0, b = 0, c = 0;
	if (sscanf(rel, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	if (c > 255)
		c = 255;
	return ELS_KERNEL_VERSION(a, b, c);
}

/* linux_banner in memory equals vmlinux's: the right kernel, translated right. */
static struct els_error *check_banner(struct els_linux *lx)
{
	struct els_symbol b;
	struct els_error *err =
		els_symtab_lookup_name(lx->vmlinux, "linux_banner", &b);
	if (err)
		return err;
	uint8_t want[64], got[64];
	size_t n = b.size && b.size < sizeof(want) ? b.size : sizeof(want);
	if ((err = els_symtab_file_bytes(lx->vmlinux, b.addr, want, n)))
		return err;
	if ((err = els_linux_read(lx, b.addr, got, n)))
		return els_error_wrap(err, "reading linux_banner");
	if (memcmp(want, got, n))
		return els_error_addr(ELS_ERR_INVALID, b.addr,
				      "linux_banner at 0x%" PRIx64
				      " differs from %s's: not the running kernel, or a wrong slide",
				      b.addr, els_symtab_path(lx->vmlinux));
	return NULL;
}

static struct els_error *read_setup(struct els_linux *lx)
{
	struct els_error *err = check_banner(lx);
	if (err)
		return err;
	uint64_t uts, off;
	if ((err = els_linux_sym(lx, "init_uts_ns", &uts)) ||
	    (err = els_linux_offset(lx, "uts_namespace", "name.release", &off)) ||
	    (err = els_linux_read_str(lx, uts + off, lx->release,
				      sizeof(lx->release))))
		return els_error_wrap(err, "the kernel's release");
	lx->version = parse_version(lx->release);

	uint64_t a;
	uint32_t n;
	if ((err = els_linux_sym(lx, "nr_cpu_ids", &a)) ||
	    (err = els_linux_read_u32(lx, a, &n)))
		return els_error_wrap(err, "nr_cpu_ids");
	if (n == 0 || n > ELS_LINUX_MAX_CPUS)
		return els_error_create(ELS_ERR_INVALID,
					"nr_cpu_ids is %u: not a number of CPUs",
					n);
	lx->nr_cpu_ids = n;
	lx->per_cpu_offset = calloc(n, sizeof(*lx->per_cpu_offset));
	if (!lx->per_cpu_offset)
		return &els_enomem;
	uint8_t *raw = malloc((size_t)n * 8);
	if (!raw)
		return &els_enomem;
	if ((err = els_linux_sym(lx, "__per_cpu_offset", &a)) ||
	    (err = els_linux_read(lx, a, raw, (size_t)n * 8))) {
		free(raw);
		return els_error_wrap(err, "__per_cpu_offset");
	}
	for (unsigned i = 0; i < n; i++)
		lx->per_cpu_offset[i] = els_le64(raw + i * 8);
	free(raw);
	return NULL;
}

struct els_error *els_linux_open(struct els_target *t,
				 struct els_symtab *vmlinux,
				 struct els_types *types,
				 const struct els_xlat_ctx *kctx, bool dump,
				 struct els_linux **ret)
{
	struct els_linux *lx = calloc(1, sizeof(*lx));
	if (!lx)
		return &els_enomem;
	lx->t = t;
	lx->vmlinux = vmlinux;
	lx->types = types;
	lx->kctx = *kctx;
	lx->dump = dump;
	els_xlat_flush(&lx->kctx);
	struct els_error *err = read_setup(lx);
	if (err) {
		els_linux_destroy(lx);
		return err;
	}
	*ret = lx;
	return NULL;
}

bool els_linux_has_cpu_regs(const struct els_linux *lx, unsigned cpu)
{
	if (lx->dump)
		return false;
	return cpu < (lx->cpu_reg ? lx->nr_reg_cpus : lx->t->cpus.len);
}

struct els_error *els_linux_cpu_reg(struct els_linux *lx, unsigned cpu,
				    const char *name, uint64_t *ret)
{
	if (!els_linux_has_cpu_regs(lx, cpu))
		return els_error_create(ELS_ERR_NOT_FOUND,
					"CPU %u's registers are not there (%s)",
					cpu, lx->dump ? "a dump" : "no such CPU");
	if (lx->cpu_reg)
		return lx->cpu_reg(lx->cpu_reg_arg, cpu, name, ret);
	return els_target_read_reg_u64(lx->t, (int)cpu, name, ret);
}

void els_linux_destroy(struct els_linux *lx)
{
	if (!lx)
		return;
	free(lx->per_cpu_offset);
	free(lx);
}
