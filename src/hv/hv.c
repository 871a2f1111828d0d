/* SPDX-License-Identifier: MIT */
/* What every hypervisor driver shares: reads, a VM's context and registers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/log.h"
#include "hv/hv.h"

const char *els_hv_vcpu_state_name(enum els_hv_vcpu_state s)
{
	switch (s) {
	case ELS_HV_RUNNING:
		return "running";
	case ELS_HV_RUNNABLE:
		return "runnable";
	case ELS_HV_BLOCKED:
		return "blocked";
	case ELS_HV_OFFLINE:
		return "offline";
	}
	return "?";
}

void els_hv_destroy(struct els_hv *hv)
{
	if (hv)
		hv->ops->destroy(hv);
}

void els_hv_flush(struct els_hv *hv)
{
	els_xlat_flush(&hv->ctx);
}

struct els_error *els_hv_read(struct els_hv *hv, uint64_t va, void *buf,
			      size_t len)
{
	hv->reads++;
	hv->bytes += len;
	return els_xlat_read(&hv->ctx, va, buf, len);
}

struct els_error *els_hv_read_u64(struct els_hv *hv, uint64_t va,
				  uint64_t *ret)
{
	uint8_t b[8];
	struct els_error *err = els_hv_read(hv, va, b, 8);
	if (err)
		return err;
	*ret = els_le64(b);
	return NULL;
}

struct els_error *els_hv_vms(struct els_hv *hv, struct els_hv_vm **ret,
			     size_t *n)
{
	return hv->ops->vms(hv, ret, n);
}

struct els_error *els_hv_vm(struct els_hv *hv, unsigned id,
			    struct els_hv_vm *ret)
{
	struct els_hv_vm *vms;
	size_t n;
	struct els_error *err = els_hv_vms(hv, &vms, &n);
	for (size_t i = 0; i < n; i++) {
		if (vms[i].id == id) {
			*ret = vms[i];
			free(vms);
			els_error_destroy(err);
			return NULL;
		}
	}
	free(vms);
	if (err)
		return err;
	return els_error_create(ELS_ERR_NOT_FOUND,
				"no VM %u (the %s hypervisor has %zu: see 'vm')",
				id, hv->ops->kind, n);
}

struct els_error *els_hv_vcpus(struct els_hv *hv, unsigned vm,
			       struct els_hv_vcpu **ret, size_t *n)
{
	return hv->ops->vcpus(hv, vm, ret, n);
}

struct els_error *els_hv_cpu(struct els_hv *hv, int cpu,
			     struct els_hv_cpu *ret)
{
	return hv->ops->cpu(hv, cpu, ret);
}

int els_hv_vm_by_vmid(struct els_hv *hv, unsigned vmid)
{
	struct els_hv_vm *vms;
	size_t n;
	struct els_error *err = els_hv_vms(hv, &vms, &n);
	els_error_destroy(err);
	int id = -1;
	for (size_t i = 0; i < n && id < 0; i++) {
		if ((vms[i].vmid & 0xff) == (vmid & 0xff))
			id = (int)vms[i].id;
	}
	free(vms);
	return id;
}

/* The physical CPU that runs vCPU vcpu of vm now; -1 if none. */
static int cpu_running(struct els_hv *hv, unsigned vm, int vcpu,
		       struct els_hv_cpu *ret)
{
	for (size_t c = 0; c < hv->t->cpus.len; c++) {
		struct els_hv_cpu pc;
		struct els_error *err = els_hv_cpu(hv, (int)c, &pc);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		if (pc.vm == (int)vm && (vcpu < 0 || pc.vcpu == vcpu)) {
			*ret = pc;
			return (int)c;
		}
	}
	return -1;
}

static struct els_error *reg(struct els_target *t, int cpu, const char *name,
			     uint64_t *ret)
{
	return els_target_read_reg_u64(t, cpu, name, ret);
}

/* EL1 system registers of a CPU (they are its vCPU's, also at EL2). */
static struct els_error *cpu_sysregs(struct els_target *t, int cpu,
				     struct els_hv_vcpu_regs *r)
{
	struct els_error *err;
	/* QEMU 7.2 names VBAR_EL1 "VBAR" and SCTLR_EL1 "SCTLR". */
	const char *vbar = els_target_find_reg(t, "VBAR_EL1") ? "VBAR_EL1"
							      : "VBAR";
	const char *sctlr = els_target_find_reg(t, "SCTLR_EL1") ? "SCTLR_EL1"
								: "SCTLR";
	if ((err = reg(t, cpu, sctlr, &r->sctlr)) ||
	    (err = reg(t, cpu, "TCR_EL1", &r->tcr)) ||
	    (err = reg(t, cpu, "TTBR0_EL1", &r->ttbr0)) ||
	    (err = reg(t, cpu, "TTBR1_EL1", &r->ttbr1)) ||
	    (err = reg(t, cpu, "MAIR_EL1", &r->mair)) ||
	    (err = reg(t, cpu, vbar, &r->vbar)) ||
	    (err = reg(t, cpu, "HCR_EL2", &r->hcr)))
		return els_error_wrap(err, "CPU %d's EL1 registers", cpu);
	return NULL;
}

struct els_error *els_hv_vcpu_regs(struct els_hv *hv, unsigned vm,
				   unsigned vcpu, struct els_hv_vcpu_regs *ret,
				   int *pcpu)
{
	struct els_hv_cpu pc;
	int cpu = cpu_running(hv, vm, (int)vcpu, &pc);
	*pcpu = -1;
	struct els_error *err;
	if (cpu < 0 || pc.el == 2) {
		/* The frame Xen saved when the vCPU last trapped. */
		if ((err = hv->ops->saved_regs(hv, vm, vcpu, ret)))
			return err;
		return cpu < 0 ? NULL : cpu_sysregs(hv->t, cpu, ret);
	}
	memset(ret, 0, sizeof(*ret));
	struct els_target *t = hv->t;
	char name[8];
	for (unsigned i = 0; i < 31; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		if ((err = reg(t, cpu, name, &ret->x[i])))
			return err;
	}
	if ((err = reg(t, cpu, "sp", &ret->sp)) ||
	    (err = reg(t, cpu, "pc", &ret->pc)) ||
	    (err = reg(t, cpu, "cpsr", &ret->cpsr)) ||
	    (err = reg(t, cpu, "SP_EL0", &ret->sp_el0)) ||
	    (err = reg(t, cpu, "ELR_EL1", &ret->elr_el1)) ||
	    (err = cpu_sysregs(t, cpu, ret)))
		return err;
	bool el1h = ((ret->cpsr >> 2) & 3) == 1 && (ret->cpsr & 1);
	if (el1h)
		ret->sp_el1 = ret->sp;
	*pcpu = cpu;
	return NULL;
}

struct els_error *els_hv_vm_ctx(struct els_hv *hv, unsigned vm,
				struct els_xlat_ctx *ret, uint64_t *vbar,
				char *how, size_t how_size)
{
	struct els_hv_vm d;
	struct els_error *err = els_hv_vm(hv, vm, &d);
	if (err)
		return err;
	/*
	 * A CPU that runs one of its vCPUs: its EL1 registers and VTTBR_EL2
	 * are the VM's, also at EL2 -- except while Xen has another VTTBR_EL2
	 * loaded (seen on the lab: VMID 0 and a root of Xen's own, at EL2 in
	 * set_timer or hyp_traps_vector while a vCPU of the VM is current):
	 * then the next such CPU, else the saved registers below.
	 */
	for (size_t c = 0; c < hv->t->cpus.len; c++) {
		struct els_hv_cpu pc;
		if ((err = els_hv_cpu(hv, (int)c, &pc))) {
			els_error_destroy(err);
			continue;
		}
		if (pc.vm != (int)vm)
			continue;
		if ((err = els_xlat_ctx_from_cpu(hv->t, (int)c, ELS_XLAT_EL10,
						 ret)))
			return err;
		if (!ret->stage2 || ((ret->vttbr >> 48) & 0xff) !=
					    (d.vmid & 0xff)) {
			els_log(ELS_LOG_DEBUG,
				"CPU %zu runs VM %u's vCPU %d but its VTTBR_EL2 0x%" PRIx64 " is not the VM's (VMID %u)",
				c, vm, pc.vcpu, ret->vttbr, d.vmid);
			continue;
		}
		struct els_hv_vcpu_regs r;
		if ((err = cpu_sysregs(hv->t, (int)c, &r)))
			return err;
		*vbar = r.vbar;
		snprintf(how, how_size, "CPU %zu (running vCPU %d)", c,
			 pc.vcpu);
		return NULL;
	}
	/* No CPU runs it: the registers Xen saved when its vCPU 0 left. */
	struct els_hv_vcpu *v;
	size_t n;
	if ((err = els_hv_vcpus(hv, vm, &v, &n)))
		return err;
	unsigned pick = n ? v[0].id : 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].state != ELS_HV_OFFLINE) {
			pick = v[i].id;
			break;
		}
	}
	free(v);
	if (!n)
		return els_error_create(ELS_ERR_NOT_FOUND, "VM %u has no vCPU",
					vm);
	struct els_hv_vcpu_regs r;
	if ((err = hv->ops->saved_regs(hv, vm, pick, &r)))
		return err;
	/* Xen uses one VTCR_EL2 for every VM: any CPU's. */
	uint64_t vtcr;
	if ((err = reg(hv->t, 0, "VTCR_EL2", &vtcr)))
		return els_error_wrap(err, "VTCR_EL2");
	struct els_xlat_el10_regs x = {
		.sctlr = r.sctlr, .tcr = r.tcr, .ttbr0 = r.ttbr0,
		.ttbr1 = r.ttbr1, .mair = r.mair, .hcr = r.hcr | 1,
		.vtcr = vtcr, .vttbr = d.vttbr,
	};
	if ((err = els_xlat_ctx_el10(hv->t, &x, ret)))
		return els_error_wrap(err, "VM %u's saved registers", vm);
	*vbar = r.vbar;
	snprintf(how, how_size, "vCPU %u's saved registers", pick);
	return NULL;
}
