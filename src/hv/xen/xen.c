/* SPDX-License-Identifier: MIT */
/*
 * Xen on Arm64: domains from domain_list, vCPUs from d->vcpu[], what a
 * physical CPU runs from its per-CPU curr_vcpu, a vCPU's saved registers
 * from arch.cpu_info (the frame of its last trap) and arch.* (EL1 state
 * saved when it left the CPU). Xen's memory is read through its own EL2
 * page tables (TTBR0_EL2 of any CPU: Xen's mappings are shared).
 *
 * xen-syms must be the running Xen's: the build-id note is compared with
 * the target's copy before anything else is read.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/addrset.h"
#include "hv/hv.h"
#include "hv/xen/layout.h"
#include "hv/xen/xen.h"

#define DOMID_IDLE 0x7fffu
/* Xen's vCPU runstates (public/vcpu.h). */
enum { RUNSTATE_running, RUNSTATE_runnable, RUNSTATE_blocked, RUNSTATE_offline };
/* A domain or vCPU structure is never larger than this (4.17: 2 KiB, 4 KiB). */
#define MAX_STRUCT 65536

struct span {
	uint32_t lo, hi; /* bytes [lo, hi) of the structure hold the fields */
};

struct xen {
	struct els_hv hv;
	struct els_symtab *syms;
	struct els_xen_layout lay;
	unsigned major, minor;
	uint64_t domain_list, per_cpu_offset, curr_vcpu, idle_vcpu;
	struct span dom, vcpu, regs;
};

static struct xen *xen_of(struct els_hv *hv)
{
	return (struct xen *)hv;
}

/* Field f from buf holding [span.lo, span.hi) of its structure. */
static uint64_t get(const struct xen *x, enum els_xen_field f,
		    const uint8_t *buf, struct span s)
{
	const struct els_xen_field_loc *l = &x->lay.f[f];
	size_t n = l->size < 8 ? l->size : 8;
	if (l->offset < s.lo || l->offset + n > s.hi)
		return 0; /* not in the span: compute_spans makes this impossible */
	return els_le(buf + (l->offset - s.lo), n);
}

static struct span span_of(const struct xen *x, enum els_xen_field first,
			   enum els_xen_field last)
{
	struct span s = { UINT32_MAX, 0 };
	for (unsigned f = first; f <= last; f++) {
		const struct els_xen_field_loc *l = &x->lay.f[f];
		uint32_t end = l->offset + (l->size < 8 ? l->size : 8);
		if (f == ELS_XEN_VCPU_RUNSTATE_TIME)
			end = l->offset + 32;
		if (f == ELS_XEN_DOMAIN_HANDLE)
			end = l->offset + 16;
		if (f == ELS_XEN_REGS_X0)
			end = l->offset + 31 * 8;
		if (l->offset < s.lo)
			s.lo = l->offset;
		if (end > s.hi)
			s.hi = end;
	}
	return s;
}

static struct els_error *check_layout(const struct xen *x)
{
	/* Sizes the code relies on; a table row or DWARF that disagrees is off. */
	static const struct {
		enum els_xen_field f;
		uint32_t size;
	} want[] = {
		{ ELS_XEN_DOMAIN_VCPU, 8 },   { ELS_XEN_DOMAIN_NEXT, 8 },
		{ ELS_XEN_DOMAIN_HANDLE, 16 }, { ELS_XEN_DOMAIN_P2M_VTTBR, 8 },
		{ ELS_XEN_VCPU_DOMAIN, 8 },   { ELS_XEN_VCPU_RUNSTATE_TIME, 32 },
		{ ELS_XEN_VCPU_CPU_INFO, 8 }, { ELS_XEN_REGS_X0, 8 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		if (x->lay.f[want[i].f].size != want[i].size)
			return els_error_create(ELS_ERR_INVALID,
						"Xen layout (%s): %s.%s is %" PRIu32 " bytes, not %" PRIu32,
						x->lay.source,
						els_xen_field_struct(want[i].f),
						els_xen_field_path(want[i].f),
						x->lay.f[want[i].f].size,
						want[i].size);
	}
	for (unsigned f = 0; f < ELS_XEN_NFIELDS; f++) {
		const struct els_xen_field_loc *l = &x->lay.f[f];
		if (!l->size || l->offset > MAX_STRUCT)
			return els_error_create(ELS_ERR_INVALID,
						"Xen layout (%s): %s.%s at %" PRIu32 " size %" PRIu32 " is not plausible",
						x->lay.source,
						els_xen_field_struct(f),
						els_xen_field_path(f), l->offset,
						l->size);
	}
	return NULL;
}

static struct els_error *read_struct(struct xen *x, uint64_t addr,
				     struct span s, uint8_t *buf,
				     const char *what)
{
	struct els_error *err =
		els_hv_read(&x->hv, addr + s.lo, buf, s.hi - s.lo);
	if (err)
		return els_error_wrap(err, "reading %s at 0x%" PRIx64, what,
				      addr);
	return NULL;
}

static void fill_vm(const struct xen *x, uint64_t addr, const uint8_t *b,
		    struct els_hv_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->addr = addr;
	vm->id = (unsigned)get(x, ELS_XEN_DOMAIN_ID, b, x->dom);
	if (vm->id == 0)
		snprintf(vm->name, sizeof(vm->name), "Domain-0");
	else
		snprintf(vm->name, sizeof(vm->name), "d%u", vm->id);
	vm->nr_vcpus = (unsigned)get(x, ELS_XEN_DOMAIN_MAX_VCPUS, b, x->dom);
	vm->pages = get(x, ELS_XEN_DOMAIN_TOT_PAGES, b, x->dom);
	vm->max_pages = get(x, ELS_XEN_DOMAIN_MAX_PAGES, b, x->dom);
	vm->vmid = (unsigned)get(x, ELS_XEN_DOMAIN_P2M_VMID, b, x->dom);
	vm->vttbr = get(x, ELS_XEN_DOMAIN_P2M_VTTBR, b, x->dom);
	/* VTTBR_EL2.BADDR: what the MMU walks (CnP, bit 0, left out). */
	vm->p2m_root = vm->vttbr & UINT64_C(0x0000fffffffffffe);
	vm->cntvoff = get(x, ELS_XEN_DOMAIN_CNTVOFF, b, x->dom);
	vm->dying = get(x, ELS_XEN_DOMAIN_IS_DYING, b, x->dom) != 0;
	vm->pause_count_raw = get(x, ELS_XEN_DOMAIN_PAUSE_COUNT, b, x->dom);
	vm->paused = vm->pause_count_raw != 0;
	uint32_t h = x->lay.f[ELS_XEN_DOMAIN_HANDLE].offset - x->dom.lo;
	memcpy(vm->handle, b + h, 16);
}

static struct els_error *xen_vms(struct els_hv *hv, struct els_hv_vm **ret,
				 size_t *n)
{
	struct xen *x = xen_of(hv);
	*ret = NULL;
	*n = 0;
	uint64_t d;
	struct els_error *err = els_hv_read_u64(hv, x->domain_list, &d);
	if (err)
		return els_error_wrap(err, "domain_list");
	struct els_addrset seen = { 0 };
	uint8_t *buf = malloc(x->dom.hi - x->dom.lo);
	struct els_hv_vm *vms = NULL;
	size_t len = 0;
	if (!buf)
		return &els_enomem;
	while (d) {
		bool again;
		if (len >= ELS_HV_MAX_VMS) {
			err = els_error_create(ELS_ERR_INVALID,
					       "domain_list has more than %d domains: corrupted?",
					       ELS_HV_MAX_VMS);
			break;
		}
		if (!els_addrset_add(&seen, d, &again)) {
			err = &els_enomem;
			break;
		}
		if (again) {
			err = els_error_addr(ELS_ERR_INVALID, d,
					     "domain_list loops: struct domain 0x%" PRIx64 " comes twice (after %zu domains)",
					     d, len);
			break;
		}
		if ((err = read_struct(x, d, x->dom, buf, "struct domain")))
			break;
		struct els_hv_vm *nv = realloc(vms, (len + 1) * sizeof(*vms));
		if (!nv) {
			err = &els_enomem;
			break;
		}
		vms = nv;
		fill_vm(x, d, buf, &vms[len++]);
		d = get(x, ELS_XEN_DOMAIN_NEXT, buf, x->dom);
	}
	free(buf);
	els_addrset_clear(&seen);
	*ret = vms;
	*n = len;
	return err;
}

static struct els_error *find_domain(struct xen *x, unsigned id,
				     struct els_hv_vm *ret)
{
	struct els_hv_vm *vms;
	size_t n;
	struct els_error *err = xen_vms(&x->hv, &vms, &n);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		if (vms[i].id == id) {
			*ret = vms[i];
			found = true;
		}
	}
	free(vms);
	if (found) {
		els_error_destroy(err);
		return NULL;
	}
	if (err)
		return err;
	return els_error_create(ELS_ERR_NOT_FOUND,
				"Xen has no domain %u (%zu domains)", id, n);
}

static enum els_hv_vcpu_state state_of(uint64_t rs)
{
	switch (rs) {
	case RUNSTATE_running:
		return ELS_HV_RUNNING;
	case RUNSTATE_runnable:
		return ELS_HV_RUNNABLE;
	case RUNSTATE_blocked:
		return ELS_HV_BLOCKED;
	default:
		return ELS_HV_OFFLINE;
	}
}

static struct els_error *read_vcpu(struct xen *x, uint64_t addr, uint8_t *buf,
				   struct els_hv_vcpu *ret)
{
	struct els_error *err = read_struct(x, addr, x->vcpu, buf,
					    "struct vcpu");
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	ret->addr = addr;
	ret->id = (unsigned)get(x, ELS_XEN_VCPU_ID, buf, x->vcpu);
	ret->pcpu = (int)(uint32_t)get(x, ELS_XEN_VCPU_PROCESSOR, buf, x->vcpu);
	ret->state = state_of(get(x, ELS_XEN_VCPU_RUNSTATE_STATE, buf, x->vcpu));
	ret->running = get(x, ELS_XEN_VCPU_IS_RUNNING, buf, x->vcpu) != 0;
	ret->state_entry_time =
		get(x, ELS_XEN_VCPU_RUNSTATE_ENTRY, buf, x->vcpu);
	uint32_t t = x->lay.f[ELS_XEN_VCPU_RUNSTATE_TIME].offset - x->vcpu.lo;
	for (unsigned i = 0; i < 4; i++)
		ret->time[i] = els_le(buf + t + 8 * i, 8);
	ret->pause_flags = get(x, ELS_XEN_VCPU_PAUSE_FLAGS, buf, x->vcpu);
	return NULL;
}

/* The struct vcpu pointers of a domain, d->vcpu[0 .. max_vcpus). */
static struct els_error *vcpu_ptrs(struct xen *x, const struct els_hv_vm *vm,
				   uint64_t **ret, size_t *n)
{
	*ret = NULL;
	*n = 0;
	if (vm->nr_vcpus > ELS_HV_MAX_VCPUS)
		return els_error_create(ELS_ERR_INVALID,
					"domain %u says it has %u vCPUs (more than %d): corrupted?",
					vm->id, vm->nr_vcpus, ELS_HV_MAX_VCPUS);
	uint64_t arr;
	uint8_t b[8];
	struct els_error *err = els_hv_read(
		&x->hv, vm->addr + x->lay.f[ELS_XEN_DOMAIN_VCPU].offset, b, 8);
	if (err)
		return els_error_wrap(err, "domain %u's vcpu array", vm->id);
	arr = els_le(b, 8);
	if (!vm->nr_vcpus || !arr)
		return NULL;
	uint8_t *raw = malloc((size_t)vm->nr_vcpus * 8);
	uint64_t *p = calloc(vm->nr_vcpus, sizeof(*p));
	if (!raw || !p) {
		free(raw);
		free(p);
		return &els_enomem;
	}
	if ((err = els_hv_read(&x->hv, arr, raw, (size_t)vm->nr_vcpus * 8))) {
		free(raw);
		free(p);
		return els_error_wrap(err, "domain %u's vcpu array at 0x%" PRIx64,
				      vm->id, arr);
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		p[i] = els_le(raw + 8 * i, 8);
	free(raw);
	*ret = p;
	*n = vm->nr_vcpus;
	return NULL;
}

static struct els_error *xen_vcpus(struct els_hv *hv, unsigned vm_id,
				   struct els_hv_vcpu **ret, size_t *n)
{
	struct xen *x = xen_of(hv);
	*ret = NULL;
	*n = 0;
	struct els_hv_vm vm;
	uint64_t *ptrs;
	size_t np;
	struct els_error *err = find_domain(x, vm_id, &vm);
	if (err || (err = vcpu_ptrs(x, &vm, &ptrs, &np)))
		return err;
	struct els_hv_vcpu *v = calloc(np ? np : 1, sizeof(*v));
	uint8_t *buf = malloc(x->vcpu.hi - x->vcpu.lo);
	size_t len = 0;
	if (!v || !buf) {
		free(v);
		free(buf);
		free(ptrs);
		return &els_enomem;
	}
	for (size_t i = 0; i < np && !err; i++) {
		if (!ptrs[i])
			continue;
		if ((err = read_vcpu(x, ptrs[i], buf, &v[len])))
			break;
		v[len].vm = vm.id;
		if (v[len].id != i)
			err = els_error_addr(ELS_ERR_INVALID, ptrs[i],
					     "domain %u's vcpu[%zu] says it is vCPU %u",
					     vm.id, i, v[len].id);
		len++;
	}
	free(buf);
	free(ptrs);
	*ret = v;
	*n = len;
	return err;
}

static struct els_error *curr_vcpu(struct xen *x, int cpu, uint64_t *ret)
{
	uint64_t off;
	struct els_error *err = els_hv_read_u64(
		&x->hv, x->per_cpu_offset + 8 * (uint64_t)cpu, &off);
	if (err || (err = els_hv_read_u64(&x->hv, x->curr_vcpu + off, ret)))
		return els_error_wrap(err, "CPU %d's curr_vcpu", cpu);
	return NULL;
}

static struct els_error *vcpu_domain_id(struct xen *x, uint64_t vcpu,
					unsigned *vcpu_id, unsigned *dom_id,
					uint64_t *dom)
{
	uint8_t buf[8];
	struct els_error *err;
	if ((err = els_hv_read(&x->hv, vcpu + x->lay.f[ELS_XEN_VCPU_ID].offset,
			       buf, 4)))
		return err;
	*vcpu_id = (unsigned)els_le(buf, 4);
	if ((err = els_hv_read(&x->hv,
			       vcpu + x->lay.f[ELS_XEN_VCPU_DOMAIN].offset, buf,
			       8)))
		return err;
	*dom = els_le(buf, 8);
	if ((err = els_hv_read(&x->hv, *dom + x->lay.f[ELS_XEN_DOMAIN_ID].offset,
			       buf, 2)))
		return err;
	*dom_id = (unsigned)els_le(buf, 2);
	return NULL;
}

static struct els_error *xen_cpu(struct els_hv *hv, int cpu,
				 struct els_hv_cpu *ret)
{
	struct xen *x = xen_of(hv);
	memset(ret, 0, sizeof(*ret));
	ret->cpu = cpu;
	ret->vm = ret->vcpu = -1;
	uint64_t cpsr, vttbr = 0, hcr = 0;
	struct els_error *err;
	if ((err = els_target_read_reg_u64(hv->t, cpu, "cpsr", &cpsr)) ||
	    (err = els_target_read_reg_u64(hv->t, cpu, "pc", &ret->pc)) ||
	    (err = els_target_read_reg_u64(hv->t, cpu, "VTTBR_EL2", &vttbr)) ||
	    (err = els_target_read_reg_u64(hv->t, cpu, "HCR_EL2", &hcr)))
		return els_error_wrap(err, "CPU %d", cpu);
	ret->el = (unsigned)(cpsr >> 2) & 3;
	ret->vmid = (unsigned)(vttbr >> 48) & 0xff;
	ret->in_guest = ret->el < 2 && (hcr & 1);
	uint64_t v, dom;
	unsigned vid, did;
	if ((err = curr_vcpu(x, cpu, &v)) ||
	    (err = vcpu_domain_id(x, v, &vid, &did, &dom)))
		return els_error_wrap(err, "what CPU %d runs", cpu);
	if (did == DOMID_IDLE) {
		ret->idle = true;
		return NULL;
	}
	ret->vm = (int)did;
	ret->vcpu = (int)vid;
	return NULL;
}

static struct els_error *find_vcpu(struct xen *x, unsigned vm_id,
				   unsigned vcpu, uint64_t *addr)
{
	struct els_hv_vm vm;
	uint64_t *ptrs;
	size_t np;
	struct els_error *err = find_domain(x, vm_id, &vm);
	if (err || (err = vcpu_ptrs(x, &vm, &ptrs, &np)))
		return err;
	*addr = vcpu < np ? ptrs[vcpu] : 0;
	free(ptrs);
	if (!*addr)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"domain %u has no vCPU %u", vm_id, vcpu);
	return NULL;
}

static struct els_error *xen_saved_regs(struct els_hv *hv, unsigned vm,
					unsigned vcpu,
					struct els_hv_vcpu_regs *ret)
{
	struct xen *x = xen_of(hv);
	uint64_t v;
	struct els_error *err = find_vcpu(x, vm, vcpu, &v);
	if (err)
		return err;
	uint8_t *vb = malloc(x->vcpu.hi - x->vcpu.lo);
	uint8_t *rb = malloc(x->regs.hi - x->regs.lo);
	if (!vb || !rb) {
		free(vb);
		free(rb);
		return &els_enomem;
	}
	memset(ret, 0, sizeof(*ret));
	if (!(err = read_struct(x, v, x->vcpu, vb, "struct vcpu"))) {
		uint64_t ci = get(x, ELS_XEN_VCPU_CPU_INFO, vb, x->vcpu);
		ret->sctlr = get(x, ELS_XEN_VCPU_SCTLR, vb, x->vcpu);
		ret->tcr = get(x, ELS_XEN_VCPU_TTBCR, vb, x->vcpu);
		ret->ttbr0 = get(x, ELS_XEN_VCPU_TTBR0, vb, x->vcpu);
		ret->ttbr1 = get(x, ELS_XEN_VCPU_TTBR1, vb, x->vcpu);
		ret->mair = get(x, ELS_XEN_VCPU_MAIR, vb, x->vcpu);
		ret->vbar = get(x, ELS_XEN_VCPU_VBAR, vb, x->vcpu);
		ret->hcr = get(x, ELS_XEN_VCPU_HCR, vb, x->vcpu);
		if (!(err = read_struct(x, ci, x->regs, rb,
					"the vCPU's saved frame (cpu_info)"))) {
			uint32_t o = x->lay.f[ELS_XEN_REGS_X0].offset - x->regs.lo;
			for (unsigned i = 0; i < 31; i++)
				ret->x[i] = els_le(rb + o + 8 * i, 8);
			ret->pc = get(x, ELS_XEN_REGS_PC, rb, x->regs);
			ret->cpsr = get(x, ELS_XEN_REGS_CPSR, rb, x->regs);
			ret->sp_el0 = get(x, ELS_XEN_REGS_SP_EL0, rb, x->regs);
			ret->sp_el1 = get(x, ELS_XEN_REGS_SP_EL1, rb, x->regs);
			ret->elr_el1 = get(x, ELS_XEN_REGS_ELR_EL1, rb, x->regs);
			/* SPSel: EL1h uses SP_EL1, EL0 and EL1t SP_EL0. */
			bool el1h = ((ret->cpsr >> 2) & 3) == 1 && (ret->cpsr & 1);
			ret->sp = el1h ? ret->sp_el1 : ret->sp_el0;
		}
	}
	free(vb);
	free(rb);
	if (err)
		return els_error_wrap(err, "d%uv%u's saved registers", vm, vcpu);
	return NULL;
}

static void xen_describe(struct els_hv *hv,
			 void (*emit)(const char *key, const char *value,
				      void *arg),
			 void *arg)
{
	struct xen *x = xen_of(hv);
	char buf[96];
	snprintf(buf, sizeof(buf), "Xen %s", hv->version);
	emit("hypervisor", buf, arg);
	emit("xen layout", x->lay.source, arg);
}

static void xen_destroy(struct els_hv *hv)
{
	free(xen_of(hv));
}

static const struct els_hv_ops xen_ops = {
	.kind = "xen",
	.destroy = xen_destroy,
	.vms = xen_vms,
	.vcpus = xen_vcpus,
	.cpu = xen_cpu,
	.saved_regs = xen_saved_regs,
	.describe = xen_describe,
};

/* `mov w0, #imm16` (MOVZ, 32-bit, no shift): the body of xen_*_version. */
bool els_xen_decode_movz_w0(uint32_t insn, unsigned *imm)
{
	if ((insn & 0xffe0001f) != 0x52800000)
		return false;
	*imm = (insn >> 5) & 0xffff;
	return true;
}

/* `adrp x0, P; add x0, x0, #I` at pc: the address it forms. */
bool els_xen_decode_adrp_add_x0(uint64_t pc, uint32_t adrp, uint32_t add,
				uint64_t *ret)
{
	if ((adrp & 0x9f00001f) != 0x90000000 ||
	    (add & 0xffc003ff) != 0x91000000)
		return false;
	uint64_t imm = ((uint64_t)((adrp >> 5) & 0x7ffff) << 2) |
		       ((adrp >> 29) & 3);
	int64_t off = (int64_t)(imm << 43) >> 31; /* sign-extend 21 bits, << 12 */
	*ret = (pc & ~UINT64_C(0xfff)) + (uint64_t)off + ((add >> 10) & 0xfff);
	return true;
}

static struct els_error *sym(struct xen *x, const char *name, uint64_t *ret)
{
	struct els_symbol s;
	struct els_error *err = els_symtab_lookup_name(x->syms, name, &s);
	if (err)
		return els_error_wrap(err, "Xen's symbol %s", name);
	*ret = s.addr;
	return NULL;
}

struct els_error *els_xen_version(const struct els_symtab *syms,
				  els_xen_read_fn read, void *arg,
				  unsigned *major, unsigned *minor,
				  char *version, size_t size)
{
	struct els_symbol smaj, smin, sext;
	uint8_t b[8];
	uint32_t imaj, imin;
	struct els_error *err;
	if ((err = els_symtab_lookup_name(syms, "xen_major_version", &smaj)) ||
	    (err = els_symtab_lookup_name(syms, "xen_minor_version", &smin)) ||
	    (err = read(arg, smaj.addr, b, 4)))
		return err;
	imaj = els_le32(b);
	if ((err = read(arg, smin.addr, b, 4)))
		return err;
	imin = els_le32(b);
	if (!els_xen_decode_movz_w0(imaj, major) ||
	    !els_xen_decode_movz_w0(imin, minor))
		return els_error_create(ELS_ERR_INVALID,
					"xen_major_version/xen_minor_version are not `mov w0, #N` (0x%08" PRIx32 ", 0x%08" PRIx32 ")",
					imaj, imin);
	snprintf(version, size, "%u.%u", *major, *minor);
	/* The extra version (".7+13-g..."); only said when it decodes. */
	uint64_t s = 0;
	char extra[40];
	if (!els_symtab_lookup_name(syms, "xen_extra_version", &sext) &&
	    !read(arg, sext.addr, b, 8) &&
	    els_xen_decode_adrp_add_x0(sext.addr, els_le32(b), els_le32(b + 4),
				       &s) &&
	    !read(arg, s, extra, sizeof(extra))) {
		extra[sizeof(extra) - 1] = 0;
		bool printable = true;
		for (char *c = extra; *c; c++)
			printable &= *c >= 0x20 && *c < 0x7f;
		if (printable)
			snprintf(version, size, "%u.%u%s", *major, *minor,
				 extra);
	}
	return NULL;
}

static struct els_error *hv_read(void *arg, uint64_t va, void *buf,
				 size_t len)
{
	return els_hv_read(arg, va, buf, len);
}

/* The running Xen's version, from its own xen_{major,minor,extra}_version. */
static struct els_error *read_version(struct xen *x)
{
	struct els_error *err =
		els_xen_version(x->syms, hv_read, &x->hv, &x->major, &x->minor,
				x->hv.version, sizeof(x->hv.version));
	if (err)
		return els_error_wrap(err, "the running Xen's version");
	return NULL;
}

/* The build-id note of xen-syms equals the running Xen's. */
static struct els_error *check_build_id(struct xen *x)
{
	uint64_t note = 0;
	struct els_error *err = sym(x, "__note_gnu_build_id_start", &note);
	if (err)
		return err;
	uint8_t want[36], got[36];
	if ((err = els_symtab_file_bytes(x->syms, note, want, sizeof(want))))
		return els_error_wrap(err, "the build id of %s",
				      els_symtab_path(x->syms));
	if ((err = els_hv_read(&x->hv, note, got, sizeof(got))))
		return els_error_wrap(err, "the running Xen's build id at 0x%" PRIx64,
				      note);
	if (memcmp(want, got, sizeof(want))) {
		char a[41], b[41];
		for (int i = 0; i < 20; i++) {
			snprintf(a + 2 * i, 3, "%02x", want[16 + i]);
			snprintf(b + 2 * i, 3, "%02x", got[16 + i]);
		}
		return els_error_create(ELS_ERR_INVALID,
					"%s (build id %s) is not the running Xen (build id %s)",
					els_symtab_path(x->syms), a, b);
	}
	return NULL;
}

/*
 * The layout holds on the running Xen: the first domain's first vCPU points
 * back at it and is vCPU 0, its VMID is the one in its VTTBR, and CPU 0's
 * idle vCPU belongs to the idle domain.
 */
static struct els_error *sanity(struct xen *x)
{
	const char *src = x->lay.source;
	struct els_hv_vm *vms;
	size_t n;
	struct els_error *err = xen_vms(&x->hv, &vms, &n);
	if (err) {
		free(vms); /* the domains before the walk broke */
		return els_error_wrap(err, "checking Xen's layout (%s)", src);
	}
	if (!n) {
		free(vms);
		return els_error_create(ELS_ERR_INVALID,
					"checking Xen's layout (%s): domain_list is empty",
					src);
	}
	struct els_hv_vm d = vms[0];
	free(vms);
	uint64_t *ptrs = NULL;
	size_t np;
	uint64_t dom = 0;
	unsigned vid = 0, did = 0;
	if (d.id >= DOMID_IDLE || !d.nr_vcpus ||
	    d.nr_vcpus > ELS_HV_MAX_VCPUS || !d.vmid ||
	    ((d.vttbr >> 48) & 0xff) != (d.vmid & 0xff)) {
		err = els_error_create(ELS_ERR_INVALID,
				       "domain id %u, %u vCPUs, VMID %u, VTTBR 0x%" PRIx64,
				       d.id, d.nr_vcpus, d.vmid, d.vttbr);
	} else if (!(err = vcpu_ptrs(x, &d, &ptrs, &np)) && (!np || !ptrs[0])) {
		err = els_error_create(ELS_ERR_INVALID,
				       "domain %u has %u vCPUs but no vcpu[0]",
				       d.id, d.nr_vcpus);
	} else if (!err &&
		   !(err = vcpu_domain_id(x, ptrs[0], &vid, &did, &dom)) &&
		   (dom != d.addr || vid != 0 || did != d.id)) {
		err = els_error_create(ELS_ERR_INVALID,
				       "domain %u's vcpu[0] says vCPU %u of domain %u at 0x%" PRIx64 " (not 0x%" PRIx64 ")",
				       d.id, vid, did, dom, d.addr);
	}
	/* Each vCPU's runstate: a state Xen has, times that add up. */
	for (size_t i = 0; !err && ptrs && i < np; i++) {
		uint8_t *vb;
		struct els_hv_vcpu v;
		if (!ptrs[i])
			continue;
		if (!(vb = malloc(x->vcpu.hi - x->vcpu.lo))) {
			err = &els_enomem;
			break;
		}
		err = read_vcpu(x, ptrs[i], vb, &v);
		uint64_t rs = get(x, ELS_XEN_VCPU_RUNSTATE_STATE, vb, x->vcpu);
		uint64_t run = get(x, ELS_XEN_VCPU_IS_RUNNING, vb, x->vcpu);
		free(vb);
		uint64_t sum = 0;
		for (int k = 0; k < 4; k++)
			sum += v.time[k] < (UINT64_C(1) << 62) ? v.time[k]
								 : (UINT64_C(1) << 62);
		if (!err && (rs > RUNSTATE_offline || run > 1 ||
			     sum > v.state_entry_time ||
			     v.pcpu >= ELS_HV_MAX_VCPUS * 8))
			err = els_error_create(ELS_ERR_INVALID,
					       "d%uv%zu: runstate %" PRIu64 ", is_running %" PRIu64 ", times adding up to %" PRIu64 " ns past its last change at %" PRIu64 " ns, pCPU %d",
					       d.id, i, rs, run, sum,
					       v.state_entry_time, v.pcpu);
	}
	if (!err && d.paused && d.pause_count_raw > 0xffff)
		err = els_error_create(ELS_ERR_INVALID,
				       "domain %u's pause_count is %" PRIu64,
				       d.id, d.pause_count_raw);
	free(ptrs);
	uint64_t idle;
	if (!err && !(err = els_hv_read_u64(&x->hv, x->idle_vcpu, &idle)) &&
	    !(err = vcpu_domain_id(x, idle, &vid, &did, &dom)) &&
	    did != DOMID_IDLE)
		err = els_error_create(ELS_ERR_INVALID,
				       "idle_vcpu[0] belongs to domain %u, not the idle domain",
				       did);
	if (err)
		return els_error_wrap(err,
				      "Xen's layout (%s) does not fit the running Xen %s",
				      src, x->hv.version);
	return NULL;
}

/* Xen's EL2 context from the first CPU whose TTBR0_EL2 maps Xen. */
static struct els_error *xen_ctx(struct xen *x)
{
	struct els_target *t = x->hv.t;
	uint64_t note = 0;
	struct els_error *err = sym(x, "__note_gnu_build_id_start", &note);
	if (err)
		return err;
	struct els_error *last = NULL;
	size_t n = t->cpus.len ? t->cpus.len : 1;
	for (size_t c = 0; c < n; c++) {
		struct els_xlat_ctx ctx;
		uint64_t pa;
		err = els_xlat_ctx_from_cpu(t, (int)c, ELS_XLAT_EL2, &ctx);
		if (!err)
			err = els_xlat_va_to_pa(&ctx, note, &pa);
		if (!err) {
			els_error_destroy(last);
			x->hv.ctx = ctx;
			return NULL;
		}
		els_error_destroy(last);
		last = els_error_wrap(err, "Xen's page tables on CPU %zu", c);
	}
	return last;
}

struct els_error *els_hv_open_xen_image(struct els_target *t,
					struct els_symtab *xs,
					const struct els_xlat_ctx *ctx,
					const char *version,
					struct els_hv **ret)
{
	struct xen *x = calloc(1, sizeof(*x));
	if (!x)
		return &els_enomem;
	x->hv.ops = &xen_ops;
	x->hv.t = t;
	x->hv.ctx = *ctx;
	x->syms = xs;
	snprintf(x->hv.version, sizeof(x->hv.version), "%s", version);
	struct els_error *err;
	if ((err = sym(x, "domain_list", &x->domain_list)) ||
	    (err = sym(x, "__per_cpu_offset", &x->per_cpu_offset)) ||
	    (err = sym(x, "per_cpu__curr_vcpu", &x->curr_vcpu)) ||
	    (err = sym(x, "idle_vcpu", &x->idle_vcpu)) ||
	    (err = els_xen_layout_builtin(version, &x->lay)) ||
	    (err = check_layout(x))) {
		free(x);
		return err;
	}
	x->dom = span_of(x, ELS_XEN_DOMAIN_ID, ELS_XEN_DOMAIN_CNTVOFF);
	x->vcpu = span_of(x, ELS_XEN_VCPU_ID, ELS_XEN_VCPU_HCR);
	x->regs = span_of(x, ELS_XEN_REGS_X0, ELS_XEN_REGS_ELR_EL1);
	*ret = &x->hv;
	return NULL;
}

struct els_error *els_hv_xen_check(struct els_hv *hv)
{
	return sanity(xen_of(hv));
}

struct els_error *els_hv_open_xen(struct els_target *t, struct els_symtab *xs,
				  struct els_hv **ret)
{
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"Xen awareness needs a live target (a %s target has no CPU registers to find Xen's page tables from)",
					t->ops->kind);
	struct xen *x = calloc(1, sizeof(*x));
	if (!x)
		return &els_enomem;
	x->hv.ops = &xen_ops;
	x->hv.t = t;
	x->syms = xs;
	struct els_error *err;
	if ((err = xen_ctx(x)) || (err = check_build_id(x)) ||
	    (err = read_version(x)) ||
	    (err = sym(x, "domain_list", &x->domain_list)) ||
	    (err = sym(x, "__per_cpu_offset", &x->per_cpu_offset)) ||
	    (err = sym(x, "per_cpu__curr_vcpu", &x->curr_vcpu)) ||
	    (err = sym(x, "idle_vcpu", &x->idle_vcpu)))
		goto fail;
	/* DWARF of xen-syms when it has it, else the table for its version. */
	err = els_xen_layout_from_dwarf(els_symtab_path(xs), &x->lay);
	if (err && err->code == ELS_ERR_NOT_FOUND) {
		els_error_destroy(err);
		err = els_xen_layout_builtin(x->hv.version, &x->lay);
	}
	if (err || (err = check_layout(x)))
		goto fail;
	x->dom = span_of(x, ELS_XEN_DOMAIN_ID, ELS_XEN_DOMAIN_CNTVOFF);
	x->vcpu = span_of(x, ELS_XEN_VCPU_ID, ELS_XEN_VCPU_HCR);
	x->regs = span_of(x, ELS_XEN_REGS_X0, ELS_XEN_REGS_ELR_EL1);
	if ((err = sanity(x)))
		goto fail;
	*ret = &x->hv;
	return NULL;
fail:
	free(x);
	return err;
}
