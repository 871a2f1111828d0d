/* SPDX-License-Identifier: MIT */
/* The KASLR slide, from a vector base register, checked against vmlinux. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/xlat.h"
#include "debuginfo/kaslr.h"

/* Where a kernel's VBAR may point: its vectors, or Spectre-BHB copies. */
static const char *const vector_syms[] = { "vectors",
					   "__bp_harden_el1_vectors" };

/* The banner is a few hundred bytes of .rodata no one writes. */
#define CHECK_LEN 64

/* linux_banner at its slid address through ctx holds vmlinux's bytes. */
static struct els_error *verify_ctx(struct els_xlat_ctx *ctx,
				    const struct els_symtab *vmlinux,
				    uint64_t slide)
{
	struct els_symbol banner;
	struct els_error *err =
		els_symtab_lookup_name(vmlinux, "linux_banner", &banner);
	if (err)
		return err;
	uint64_t linked = banner.addr - els_symtab_bias(vmlinux);
	size_t len = banner.size && banner.size < CHECK_LEN ? banner.size
							    : CHECK_LEN;
	uint8_t want[CHECK_LEN], got[CHECK_LEN];
	/* Bytes of the file at the link address: ask with no bias. */
	uint64_t bias = els_symtab_bias(vmlinux);
	err = els_symtab_file_bytes(vmlinux, linked + bias, want, len);
	if (err)
		return err;
	uint64_t va = linked + slide;
	if ((err = els_xlat_read(ctx, va, got, len)))
		return els_error_wrap(err, "reading linux_banner at 0x%" PRIx64
				      " (slide 0x%" PRIx64 ")",
				      va, slide);
	if (memcmp(want, got, len))
		return els_error_addr(ELS_ERR_INVALID, va,
				      "linux_banner at 0x%" PRIx64 " (slide 0x%" PRIx64
				      ") differs from %s's: is it the running kernel?",
				      va, slide, els_symtab_path(vmlinux));
	return NULL;
}

static struct els_error *verify(struct els_target *t, int cpu,
				enum els_xlat_regime regime,
				const struct els_symtab *vmlinux, uint64_t slide)
{
	struct els_xlat_ctx ctx;
	struct els_error *err = els_xlat_ctx_from_cpu(t, cpu, regime, &ctx);
	if (err)
		return err;
	if ((err = verify_ctx(&ctx, vmlinux, slide)))
		return els_error_wrap(err, "CPU %d", cpu);
	return NULL;
}

struct els_error *els_kaslr_verify(struct els_target *t, int cpu,
				   const struct els_symtab *vmlinux,
				   uint64_t slide)
{
	return verify(t, cpu, ELS_XLAT_AUTO, vmlinux, slide);
}

/* The vector base of a CPU's kernel, by the names stubs give it. */
static struct els_error *read_vbar(struct els_target *t, int cpu,
				   enum els_xlat_regime regime, uint64_t *ret)
{
	struct els_xlat_ctx ctx;
	struct els_error *err = els_xlat_ctx_from_cpu(t, cpu, regime, &ctx);
	if (err)
		return err;
	/* QEMU 7.2 says "VBAR" for VBAR_EL1. */
	static const char *const el1[] = { "VBAR_EL1", "VBAR" };
	static const char *const el2[] = { "VBAR_EL2" };
	bool vhe = ctx.regime == ELS_XLAT_EL20;
	const char *const *names = vhe ? el2 : el1;
	size_t n = vhe ? 1 : 2;
	for (size_t i = 0; i < n; i++) {
		if (els_target_find_reg(t, names[i]))
			return els_target_read_reg_u64(t, cpu, names[i], ret);
	}
	return els_error_create(ELS_ERR_UNSUPPORTED,
				"the target shows no %s register",
				names[0]);
}

struct els_error *els_kaslr_find_slide(struct els_target *t,
				       const struct els_symtab *vmlinux,
				       uint64_t *ret)
{
	return els_kaslr_find_slide_on(t, vmlinux, -1, ELS_XLAT_AUTO, ret);
}

struct els_error *els_kaslr_find_slide_on(struct els_target *t,
					  const struct els_symtab *vmlinux,
					  int only_cpu,
					  enum els_xlat_regime regime,
					  uint64_t *ret)
{
	struct els_error *last = NULL;
	for (size_t c = 0; c < t->cpus.len; c++) {
		int cpu = (int)c;
		if (only_cpu >= 0 && cpu != only_cpu)
			continue;
		uint64_t vbar;
		struct els_xlat_ctx ctx;
		struct els_error *err = read_vbar(t, cpu, regime, &vbar);
		if (!err)
			err = els_xlat_ctx_from_cpu(t, cpu, regime, &ctx);
		if (!err)
			err = els_kaslr_find_slide_ctx(&ctx, vbar, vmlinux, ret);
		if (!err) {
			els_error_destroy(last);
			return NULL;
		}
		if (err->code == ELS_ERR_INTERRUPTED ||
		    err->code == ELS_ERR_CLOSED ||
		    err->code == ELS_ERR_TIMEOUT) {
			els_error_destroy(last);
			return err;
		}
		els_error_destroy(last);
		last = els_error_wrap(err, "CPU %d", cpu);
	}
	if (!last)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the KASLR slide: no CPU's vector base points into %s's vectors",
					els_symtab_path(vmlinux));
	return last;
}

struct els_error *els_kaslr_find_slide_ctx(struct els_xlat_ctx *ctx,
					   uint64_t vbar,
					   const struct els_symtab *vmlinux,
					   uint64_t *ret)
{
	uint64_t bias = els_symtab_bias(vmlinux);
	struct els_error *last = NULL;
	for (size_t s = 0; s < sizeof(vector_syms) / sizeof(*vector_syms); s++) {
		struct els_symbol v;
		if (els_symtab_lookup_name(vmlinux, vector_syms[s], &v))
			continue;
		uint64_t linked = v.addr - bias;
		uint64_t span = v.size ? v.size : 0x800;
		for (uint64_t off = 0; off < span; off += 0x800) {
			uint64_t slide = vbar - (linked + off);
			if (slide & 0xfff)
				continue;
			struct els_error *err = verify_ctx(ctx, vmlinux, slide);
			els_error_destroy(last);
			if (!err) {
				*ret = slide;
				return NULL;
			}
			if (err->code == ELS_ERR_INTERRUPTED ||
			    err->code == ELS_ERR_CLOSED ||
			    err->code == ELS_ERR_TIMEOUT)
				return err;
			last = els_error_wrap(err, "VBAR 0x%" PRIx64 " minus %s+0x%" PRIx64,
					      vbar, vector_syms[s], off);
		}
	}
	if (!last)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the KASLR slide: VBAR 0x%" PRIx64 " points into none of %s's vectors",
					vbar, els_symtab_path(vmlinux));
	return els_error_wrap(last, "finding the KASLR slide");
}
