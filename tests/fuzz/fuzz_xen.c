/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: Xen's domain and vCPU walks on hostile memory. The
 * input is a memory image at physical address 0, read with the MMU off
 * (VA = PA) through a target of its own; Xen's symbols sit at fixed
 * addresses in it (domain_list at 0x0, __per_cpu_offset at 0x8,
 * per_cpu__curr_vcpu at 0x10, idle_vcpu at 0x18), so every pointer the
 * walks follow is the input's. The lab's 4.17.7 layout is used. Every
 * domain, its vCPUs, their saved frames and the layout checks must end in
 * data or a clean error: no crash, no hang, no unbounded allocation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/symbols.h"
#include "hv/hv.h"
#include "hv/xen/xen.h"
#include "target/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IMAGE (1u << 20)

struct image_target {
	struct els_target t;
	const uint8_t *mem;
	size_t len;
};

static struct els_error *image_read(struct els_target *t,
				    const struct els_aspace *as, uint64_t addr,
				    void *buf, size_t len)
{
	(void)as;
	struct image_target *it = (struct image_target *)t;
	if (addr >= it->len || len > it->len - addr)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
				      "outside the image");
	memcpy(buf, it->mem + addr, len);
	return NULL;
}

static struct els_error *image_reg(struct els_target *t, int cpu,
				   const struct els_reg_desc *reg,
				   uint8_t *buf)
{
	(void)t, (void)cpu, (void)reg, (void)buf;
	return els_error_create(ELS_ERR_UNSUPPORTED, "no registers");
}

static void image_destroy(struct els_target *t)
{
	free(t);
}

static const struct els_target_ops image_ops = {
	.kind = "image",
	.destroy = image_destroy,
	.read_mem = image_read,
	.read_reg = image_reg,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 32 || size > MAX_IMAGE)
		return 0;
	static const struct els_symtab_entry syms[] = {
		{ "domain_list", 0x0, 8, false, true },
		{ "__per_cpu_offset", 0x8, 8, false, true },
		{ "per_cpu__curr_vcpu", 0x10, 8, false, true },
		{ "idle_vcpu", 0x18, 8, false, true },
	};
	struct els_symtab *st;
	if (els_symtab_from_entries("xen-syms", syms, 4, &st))
		abort();
	struct image_target *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	els_target_init(&it->t, &image_ops, "image");
	it->mem = data;
	it->len = size;
	struct els_xlat_el10_regs regs = { 0 }; /* MMU off: VA = PA */
	struct els_xlat_ctx ctx;
	struct els_hv *hv = NULL;
	if (els_xlat_ctx_el10(&it->t, &regs, &ctx) ||
	    els_hv_open_xen_image(&it->t, st, &ctx, "4.17.7", &hv))
		abort();
	els_error_destroy(els_hv_xen_check(hv));
	struct els_hv_vm *vms = NULL;
	size_t n = 0;
	els_error_destroy(els_hv_vms(hv, &vms, &n));
	if (n > ELS_HV_MAX_VMS)
		abort();
	for (size_t i = 0; i < n && i < 8; i++) {
		struct els_hv_vcpu *v = NULL;
		size_t nv = 0;
		els_error_destroy(els_hv_vcpus(hv, vms[i].id, &v, &nv));
		if (nv > ELS_HV_MAX_VCPUS)
			abort();
		for (size_t k = 0; k < nv && k < 4; k++) {
			struct els_hv_vcpu_regs r;
			els_error_destroy(hv->ops->saved_regs(hv, vms[i].id,
							      v[k].id, &r));
		}
		free(v);
	}
	free(vms);
	els_hv_destroy(hv);
	els_symtab_destroy(st);
	els_error_destroy(els_target_close(&it->t));
	return 0;
}
