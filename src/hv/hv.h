/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor awareness: the VMs of a machine, their vCPUs, what each
 * physical CPU runs, and a VM's own view of memory and registers.
 *
 * One interface, one driver per hypervisor (an ops table, as target/ has
 * one per transport): Xen today (hv/xen/); KVM would add hv/kvm/ with its
 * struct kvm list, kvm->arch.mmu (VTTBR, VMID) and struct kvm_vcpu, and
 * nothing above this header would change. Everything below (xlat, target)
 * already knows stage 2 and contexts made of register values.
 *
 * A VM's guest kernel is read through a translation context of its EL1&0
 * regime plus stage 2: from a physical CPU that runs one of its vCPUs now
 * (its registers are the vCPU's), else from the registers the hypervisor
 * saved when the vCPU last left a CPU.
 */
#ifndef ELS_HV_HV_H
#define ELS_HV_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/xlat.h"
#include "core/error.h"
#include "debuginfo/symbols.h"
#include "target/target.h"

/* No hypervisor list is walked further than this. */
#define ELS_HV_MAX_VMS 4096
#define ELS_HV_MAX_VCPUS 512

enum els_hv_vcpu_state {
	ELS_HV_RUNNING,  /* on a physical CPU now */
	ELS_HV_RUNNABLE, /* wants a CPU, waits for one */
	ELS_HV_BLOCKED,  /* waits for an event (WFI, an event channel) */
	ELS_HV_OFFLINE,  /* down or paused */
};

const char *els_hv_vcpu_state_name(enum els_hv_vcpu_state s);

struct els_hv_vm {
	unsigned id;           /* Xen domain id */
	char name[32];         /* "Domain-0", "d1" */
	unsigned vmid;         /* stage-2 VMID */
	unsigned nr_vcpus;
	uint64_t pages;        /* pages it owns */
	uint64_t max_pages;
	uint64_t vttbr;        /* VTTBR_EL2 of the VM: VMID and p2m root */
	uint64_t p2m_root;     /* physical address of the p2m's root table */
	uint64_t cntvoff;      /* CNTVOFF_EL2: its counter runs this much behind */
	uint64_t addr;         /* the hypervisor's structure (struct domain) */
	bool dying;
	bool paused;
	uint64_t pause_count_raw;
	uint8_t handle[16];
};

/* A vCPU's registers as the VM sees them. */
struct els_hv_vcpu_regs {
	uint64_t x[31], sp, pc, cpsr;
	uint64_t sp_el0, sp_el1, elr_el1;
	uint64_t sctlr, tcr, ttbr0, ttbr1, mair, vbar, hcr;
};

struct els_hv_vcpu {
	unsigned vm;           /* the VM's id */
	unsigned id;
	int pcpu;              /* the physical CPU it runs on or last ran on */
	enum els_hv_vcpu_state state;
	bool running;          /* a physical CPU runs it now */
	uint64_t state_entry_time; /* hypervisor time (ns) of the last change */
	uint64_t time[4];      /* ns spent running, runnable, blocked, offline */
	uint64_t addr;         /* the hypervisor's structure (struct vcpu) */
	uint64_t pause_flags;
};

/* What a physical CPU runs now. */
struct els_hv_cpu {
	int cpu;
	unsigned el;           /* 0..3 from cpsr */
	bool idle;             /* the hypervisor's idle vCPU */
	bool in_guest;         /* at EL0/EL1 of a VM */
	unsigned vmid;         /* VTTBR_EL2's VMID (also in the hypervisor) */
	int vm;                /* VM of the current vCPU, -1: none (idle) */
	int vcpu;              /* its vCPU id, -1: none */
	uint64_t pc;
};

struct els_hv;

struct els_hv_ops {
	const char *kind; /* "xen" */
	void (*destroy)(struct els_hv *hv);
	/* Every VM (the hypervisor's own idle domain left out). */
	struct els_error *(*vms)(struct els_hv *hv, struct els_hv_vm **ret,
				 size_t *n);
	/* The vCPUs of VM id. */
	struct els_error *(*vcpus)(struct els_hv *hv, unsigned vm,
				   struct els_hv_vcpu **ret, size_t *n);
	/* What physical CPU cpu runs. */
	struct els_error *(*cpu)(struct els_hv *hv, int cpu,
				 struct els_hv_cpu *ret);
	/* The registers the hypervisor saved for a vCPU (its last trap). */
	struct els_error *(*saved_regs)(struct els_hv *hv, unsigned vm,
					unsigned vcpu,
					struct els_hv_vcpu_regs *ret);
	/* Lines of "key: value" for `info`. */
	void (*describe)(struct els_hv *hv,
			 void (*emit)(const char *key, const char *value,
				      void *arg),
			 void *arg);
};

struct els_hv {
	const struct els_hv_ops *ops;
	struct els_target *t;
	struct els_xlat_ctx ctx;    /* the hypervisor's own address space */
	char version[64];           /* "4.17.7+13-g2445b30a44-0+deb12u1" */
	uint64_t reads, bytes;      /* reads asked through this hypervisor */
};

/*
 * Recognize the hypervisor of a live target from its symbols: Xen with
 * xen-syms (checked against the running image's build id).
 */
struct els_error *els_hv_open_xen(struct els_target *t, struct els_symtab *xen,
				  struct els_hv **ret);
void els_hv_destroy(struct els_hv *hv);

/* Forget cached translations (the target ran). */
void els_hv_flush(struct els_hv *hv);

/* The hypervisor's own virtual memory. */
struct els_error *els_hv_read(struct els_hv *hv, uint64_t va, void *buf,
			      size_t len);
struct els_error *els_hv_read_u64(struct els_hv *hv, uint64_t va,
				  uint64_t *ret);

struct els_error *els_hv_vms(struct els_hv *hv, struct els_hv_vm **ret,
			     size_t *n);
struct els_error *els_hv_vm(struct els_hv *hv, unsigned id,
			    struct els_hv_vm *ret);
struct els_error *els_hv_vcpus(struct els_hv *hv, unsigned vm,
			       struct els_hv_vcpu **ret, size_t *n);
struct els_error *els_hv_cpu(struct els_hv *hv, int cpu,
			     struct els_hv_cpu *ret);

/*
 * A vCPU's registers now: a physical CPU's when it runs the vCPU at EL0 or
 * EL1; the frame the hypervisor saved otherwise (the vCPU waits, or its CPU
 * is in the hypervisor on its behalf). *pcpu says which CPU gave them (-1:
 * the saved frame). EL1 system registers come from the CPU running the
 * vCPU (also while it is in the hypervisor), else from the saved copy.
 */
struct els_error *els_hv_vcpu_regs(struct els_hv *hv, unsigned vm,
				   unsigned vcpu, struct els_hv_vcpu_regs *ret,
				   int *pcpu);

/*
 * The EL1&0 + stage 2 translation context of VM id (its kernel's view),
 * and its VBAR_EL1 (for the KASLR slide). *how says where the registers
 * came from: "CPU 1 (running vCPU 0)" or "vCPU 0's saved registers".
 */
struct els_error *els_hv_vm_ctx(struct els_hv *hv, unsigned vm,
				struct els_xlat_ctx *ret, uint64_t *vbar,
				char *how, size_t how_size);

/* The VM whose VMID is vmid; -1 when none. */
int els_hv_vm_by_vmid(struct els_hv *hv, unsigned vmid);

#endif
