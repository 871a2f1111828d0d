/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor commands: vm, vcpu, ctx; a guest's Linux for `--vm N`; the
 * hypervisor part of `info` (ESR_EL2 and the hypercall of CPUs at EL2).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "arch/esr.h"
#include "arch/smccc.h"
#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "debuginfo/kaslr.h"
#include "hv/xen/hypercall.h"
#include "os/linux/task.h"

struct els_error *els_cli_hv(struct els_cli *cli, struct els_hv **ret)
{
	if (cli->hv) {
		els_hv_flush(cli->hv); /* the target may have run since */
		*ret = cli->hv;
		return NULL;
	}
	if (!cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"no hypervisor symbols: give --xen XEN_SYMS");
	struct els_error *err = els_hv_open_xen(cli->t, cli->xen, &cli->hv);
	if (err)
		return err;
	els_log(ELS_LOG_INFO, "Xen %s, layout: %s", cli->hv->version,
		cli->hv->ops->kind);
	*ret = cli->hv;
	return NULL;
}

static struct els_cli_guest *find_guest(struct els_cli *cli, unsigned vm)
{
	for (size_t i = 0; i < cli->nguests; i++) {
		if (cli->guests[i].id == vm)
			return &cli->guests[i];
	}
	return NULL;
}

/* A guest kernel's CPU n is its vCPU n (os/linux's cpu_reg). */
static struct els_error *guest_reg(void *arg, unsigned vcpu, const char *name,
				   uint64_t *ret)
{
	struct els_cli_guest *g = arg;
	struct els_cli *cli = g->cli;
	if (vcpu >= g->nr_vcpus)
		return els_error_create(ELS_ERR_NOT_FOUND, "VM %u has no vCPU %u",
					g->id, vcpu);
	if (!g->regs_valid[vcpu]) {
		int pcpu;
		struct els_error *err = els_hv_vcpu_regs(
			cli->hv, g->id, vcpu, &g->regs[vcpu], &pcpu);
		if (err)
			return err;
		g->regs_valid[vcpu] = true;
	}
	const struct els_hv_vcpu_regs *r = &g->regs[vcpu];
	static const struct {
		const char *name;
		size_t off;
	} named[] = {
		{ "pc", offsetof(struct els_hv_vcpu_regs, pc) },
		{ "sp", offsetof(struct els_hv_vcpu_regs, sp) },
		{ "cpsr", offsetof(struct els_hv_vcpu_regs, cpsr) },
		{ "SP_EL0", offsetof(struct els_hv_vcpu_regs, sp_el0) },
		{ "SP_EL1", offsetof(struct els_hv_vcpu_regs, sp_el1) },
		{ "ELR_EL1", offsetof(struct els_hv_vcpu_regs, elr_el1) },
		{ "HCR_EL2", offsetof(struct els_hv_vcpu_regs, hcr) },
		{ "VBAR_EL1", offsetof(struct els_hv_vcpu_regs, vbar) },
		{ "TTBR0_EL1", offsetof(struct els_hv_vcpu_regs, ttbr0) },
		{ "TTBR1_EL1", offsetof(struct els_hv_vcpu_regs, ttbr1) },
	};
	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++) {
		if (!strcmp(name, named[i].name)) {
			memcpy(ret, (const uint8_t *)r + named[i].off, 8);
			return NULL;
		}
	}
	unsigned n;
	char end;
	if (sscanf(name, "x%u%c", &n, &end) == 1 && n < 31) {
		*ret = r->x[n];
		return NULL;
	}
	return els_error_create(ELS_ERR_NOT_FOUND,
				"register %s of a vCPU is not known", name);
}

struct els_error *els_cli_guest_ctx(struct els_cli *cli, unsigned vm,
				    struct els_xlat_ctx *ctx, uint64_t *vbar,
				    char *how, size_t how_size)
{
	struct els_hv *hv;
	struct els_error *err = els_cli_hv(cli, &hv);
	if (err)
		return els_error_wrap(err, "VM %u", vm);
	return els_hv_vm_ctx(hv, vm, ctx, vbar, how, how_size);
}

struct els_error *els_cli_linux_vm(struct els_cli *cli, unsigned vm,
				   struct els_linux **ret)
{
	struct els_cli_guest *g;
	struct els_error *err = els_cli_guest_syms(cli, vm, -1, &g);
	if (err)
		return err;
	struct els_xlat_ctx ctx;
	uint64_t vbar;
	char how[64];
	if ((err = els_cli_guest_ctx(cli, vm, &ctx, &vbar, how, sizeof(how))))
		return err;
	struct els_hv_vm d;
	if ((err = els_hv_vm(cli->hv, vm, &d)))
		return err;
	if (d.nr_vcpus != g->nr_vcpus) {
		free(g->regs);
		free(g->regs_valid);
		g->regs = calloc(d.nr_vcpus ? d.nr_vcpus : 1, sizeof(*g->regs));
		g->regs_valid = calloc(d.nr_vcpus ? d.nr_vcpus : 1,
				       sizeof(*g->regs_valid));
		g->nr_vcpus = g->regs && g->regs_valid ? d.nr_vcpus : 0;
		if (!g->nr_vcpus && d.nr_vcpus)
			return &els_enomem;
	}
	/* Registers are read afresh for each command. */
	for (unsigned i = 0; i < g->nr_vcpus; i++)
		g->regs_valid[i] = false;
	if (g->linux_k) {
		/* Its vCPUs may have moved: the context is taken again. */
		g->linux_k->kctx = ctx;
		els_xlat_flush(&g->linux_k->kctx);
		*ret = g->linux_k;
		return NULL;
	}
	if (!g->types &&
	    (err = els_types_open(els_symtab_path(g->vmlinux), &g->types)))
		return err;
	if ((err = els_linux_open(cli->t, g->vmlinux, g->types, &ctx, false,
				  &g->linux_k)))
		return els_error_wrap(err, "VM %u's kernel (through %s)", vm,
				      how);
	g->cli = cli;
	g->linux_k->cpu_reg = guest_reg;
	g->linux_k->cpu_reg_arg = g;
	g->linux_k->nr_reg_cpus = g->nr_vcpus;
	els_log(ELS_LOG_INFO, "VM %u: Linux %s through %s", vm,
		g->linux_k->release, how);
	*ret = g->linux_k;
	return NULL;
}

/*
 * A guest's KASLR slide from its VBAR_EL1 through the VM's own context
 * (a CPU running it, else its vCPU's saved registers).
 */
struct els_error *els_cli_guest_slide(struct els_cli *cli, unsigned vm,
				      const struct els_symtab *vmlinux,
				      uint64_t *slide)
{
	struct els_xlat_ctx ctx;
	uint64_t vbar;
	char how[64];
	struct els_error *err =
		els_cli_guest_ctx(cli, vm, &ctx, &vbar, how, sizeof(how));
	if (err)
		return err;
	if ((err = els_kaslr_find_slide_ctx(&ctx, vbar, vmlinux, slide)))
		return els_error_wrap(err, "VM %u through %s", vm, how);
	els_log(ELS_LOG_INFO, "VM %u: KASLR slide 0x%" PRIx64 " (through %s)",
		vm, *slide, how);
	return NULL;
}

int els_cli_vm_of_cpu(struct els_cli *cli, int cpu, bool guest_only,
		      int *vcpu)
{
	struct els_hv *hv;
	struct els_hv_cpu hc;
	struct els_cli_guest *g;
	struct els_error *err = els_cli_hv(cli, &hv);
	if (!err)
		err = els_hv_cpu(hv, cpu, &hc);
	if (err) {
		els_error_destroy(err);
		return -1;
	}
	if (hc.vm < 0 || (guest_only && !hc.in_guest) ||
	    !find_guest(cli, (unsigned)hc.vm))
		return -1;
	/* Its symbols, slid, for whoever names addresses next. */
	if ((err = els_cli_guest_syms(cli, (unsigned)hc.vm, -1, &g))) {
		els_error_destroy(err);
		return -1;
	}
	*vcpu = hc.vcpu;
	return hc.vm;
}

void els_cli_close_hv(struct els_cli *cli)
{
	for (size_t i = 0; i < cli->nguests; i++) {
		struct els_cli_guest *g = &cli->guests[i];
		els_linux_destroy(g->linux_k);
		els_types_destroy(g->types);
		free(g->regs);
		free(g->regs_valid);
		g->linux_k = NULL;
		g->types = NULL;
		g->regs = NULL;
		g->regs_valid = NULL;
		g->nr_vcpus = 0;
	}
	els_hv_destroy(cli->hv);
	cli->hv = NULL;
}

/* ---- vm ---- */

static struct els_error *no_args(int argc, char **argv, const char *usage)
{
	if (argc > 1)
		return els_error_create(ELS_ERR_USAGE,
					"unknown argument '%s' (usage: %s)",
					argv[1], usage);
	return NULL;
}

struct els_error *els_cmd_vm(struct els_cli *cli, int argc, char **argv)
{
	struct els_error *err = no_args(argc, argv, "vm");
	struct els_hv *hv;
	if (err || (err = els_cli_hv(cli, &hv)))
		return err;
	struct els_hv_vm *v;
	size_t n;
	struct els_error *walk = els_hv_vms(hv, &v, &n);
	if (cli->json) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_int((int)v[i].id));
			json_object_object_add(o, "name",
					       json_object_new_string(v[i].name));
			json_object_object_add(o, "vmid",
					       json_object_new_int((int)v[i].vmid));
			json_object_object_add(o, "vcpus",
					       json_object_new_int((int)v[i].nr_vcpus));
			json_object_object_add(o, "pages",
					       json_object_new_int64((int64_t)v[i].pages));
			json_object_object_add(o, "max_pages",
					       json_object_new_int64((int64_t)v[i].max_pages));
			json_object_object_add(o, "memory_kib",
					       json_object_new_int64((int64_t)v[i].pages * 4));
			json_object_object_add(o, "p2m_root",
					       els_json_addr(v[i].p2m_root));
			json_object_object_add(o, "vttbr", els_json_addr(v[i].vttbr));
			json_object_object_add(o, "cntvoff", els_json_addr(v[i].cntvoff));
			json_object_object_add(o, "dying",
					       json_object_new_boolean(v[i].dying));
			json_object_object_add(o, "paused",
					       json_object_new_boolean(v[i].paused));
			json_object_object_add(o, "domain", els_json_addr(v[i].addr));
			json_object_array_add(arr, o);
		}
		els_cli_print_json(arr);
	} else {
		printf("%4s %-10s %5s %5s %10s %10s %-18s %s\n", "ID", "NAME",
		       "VMID", "VCPUS", "MEM(MiB)", "MAX(MiB)", "P2M ROOT",
		       "DOMAIN");
		for (size_t i = 0; i < n; i++)
			printf("%4u %-10s %5u %5u %10" PRIu64 " %10" PRIu64
			       " 0x%016" PRIx64 " 0x%016" PRIx64 "%s%s\n",
			       v[i].id, v[i].name, v[i].vmid, v[i].nr_vcpus,
			       v[i].pages / 256, v[i].max_pages / 256,
			       v[i].p2m_root, v[i].addr,
			       v[i].dying ? " dying" : "",
			       v[i].paused ? " paused" : "");
	}
	free(v);
	return walk;
}

/* ---- vcpu ---- */

struct els_error *els_cmd_vcpu(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "vcpu [--vm N]";
	int only = cli->vm;
	if (argc > 1)
		return els_error_create(ELS_ERR_USAGE,
					"unknown argument '%s' (usage: %s)",
					argv[1], usage);
	struct els_hv *hv;
	struct els_error *err = els_cli_hv(cli, &hv);
	if (err)
		return err;
	struct els_hv_vm *vms;
	size_t nvm;
	if ((err = els_hv_vms(hv, &vms, &nvm)))
		return err;
	struct json_object *arr = cli->json ? json_object_new_array() : NULL;
	if (!cli->json)
		printf("%4s %4s %4s %-8s %-7s %14s %14s %14s %14s\n", "VM",
		       "VCPU", "PCPU", "STATE", "ON CPU", "RUNNING(ms)",
		       "RUNNABLE(ms)", "BLOCKED(ms)", "OFFLINE(ms)");
	bool found = only < 0;
	for (size_t i = 0; i < nvm && !err; i++) {
		if (only >= 0 && vms[i].id != (unsigned)only)
			continue;
		found = true;
		struct els_hv_vcpu *v;
		size_t n;
		if ((err = els_hv_vcpus(hv, vms[i].id, &v, &n)))
			break;
		for (size_t k = 0; k < n; k++) {
			const char *st = els_hv_vcpu_state_name(v[k].state);
			if (arr) {
				struct json_object *o = json_object_new_object();
				json_object_object_add(o, "vm", json_object_new_int((int)v[k].vm));
				json_object_object_add(o, "vcpu", json_object_new_int((int)v[k].id));
				json_object_object_add(o, "pcpu", json_object_new_int(v[k].pcpu));
				json_object_object_add(o, "state", json_object_new_string(st));
				json_object_object_add(o, "running",
						       json_object_new_boolean(v[k].running));
				json_object_object_add(o, "pause_flags",
						       json_object_new_int64((int64_t)v[k].pause_flags));
				struct json_object *t = json_object_new_object();
				static const char *const names[4] = {
					"running", "runnable", "blocked", "offline"
				};
				for (int s = 0; s < 4; s++)
					json_object_object_add(t, names[s],
							       json_object_new_int64((int64_t)v[k].time[s]));
				json_object_object_add(o, "runstate_ns", t);
				json_object_object_add(o, "state_entry_time",
						       json_object_new_int64((int64_t)v[k].state_entry_time));
				json_object_array_add(arr, o);
			} else {
				printf("%4u %4u %4d %-8s %-7s %14.1f %14.1f %14.1f %14.1f\n",
				       v[k].vm, v[k].id, v[k].pcpu, st,
				       v[k].running ? "yes" : "no",
				       v[k].time[0] / 1e6, v[k].time[1] / 1e6,
				       v[k].time[2] / 1e6, v[k].time[3] / 1e6);
			}
		}
		free(v);
	}
	free(vms);
	if (!err && !found)
		err = els_error_create(ELS_ERR_NOT_FOUND, "no VM %d (see 'vm')",
				       only);
	if (arr) {
		if (err)
			json_object_put(arr);
		else
			els_cli_print_json(arr);
	}
	return err;
}

/* ---- ctx ---- */

struct cpu_ctx {
	int cpu;
	unsigned el;
	bool has_hv;
	struct els_hv_cpu hc;
	const char *in;         /* "guest", "hypervisor", "host" */
	char vm[16];            /* "0", "xen", "host" */
	int32_t pid;            /* -1: not known */
	char comm[17];
	uint64_t pc;
	char symbol[160];
	char why_no_task[200];
	bool has_esr;
	uint64_t esr, far, hpfar;
	char hypercall[200];
	char smccc[120];
	bool trap_current;      /* the guest's HVC/SMC is being served now */
};

static void symbol_in(struct els_cli *cli, struct cpu_ctx *c,
		      struct els_cli_guest *g)
{
	c->symbol[0] = 0;
	if (c->el == 0 && g && c->pid > 0 && cli->sysroot) {
		/* User space: the process's own binaries under --sysroot. */
		struct els_symset *set;
		int saved = cli->vm;
		cli->vm = (int)g->id;
		struct els_error *err =
			els_cli_process_symset(cli, c->pid, &set);
		cli->vm = saved;
		if (!err)
			els_symset_format(set, c->pc, c->symbol,
					  sizeof(c->symbol));
		els_error_destroy(err);
		return;
	}
	if (c->el == 2 && c->has_hv) {
		struct els_symbol s;
		if (els_symtab_find_addr(cli->xen, c->pc, &s))
			els_symbol_format(&s, c->symbol, sizeof(c->symbol));
		return;
	}
	if (g) {
		if (g->set && g->kaslr_done && !g->kaslr_err)
			els_symset_format(g->set, c->pc, c->symbol,
					  sizeof(c->symbol));
		return;
	}
	if (!els_cli_symbolize(cli, c->pc, c->symbol, sizeof(c->symbol)))
		c->symbol[0] = 0;
}

/* The task a kernel runs on (v)CPU cpu. */
static void task_on(struct els_linux *lx, unsigned cpu, struct cpu_ctx *c)
{
	uint64_t task;
	struct els_linux_task t;
	struct els_error *err = els_linux_current(lx, cpu, &task);
	if (!err)
		err = els_linux_task_read(lx, task, &t);
	if (err) {
		snprintf(c->why_no_task, sizeof(c->why_no_task), "%s",
			 err->message);
		els_error_destroy(err);
		return;
	}
	c->pid = t.pid;
	snprintf(c->comm, sizeof(c->comm), "%s", t.comm);
}

/* The hypercall of an HVC #0xea1 the CPU is in Xen for. */
static void hypercall_of(struct els_cli *cli, struct cpu_ctx *c)
{
	struct els_esr e;
	els_esr_decode(c->esr, &e);
	/* HVC64 / SMC64 from a guest: a Xen hypercall, or an SMCCC call. */
	unsigned imm = e.iss & 0xffff;
	bool xen = e.ec == 0x16 && imm == ELS_XEN_HYPERCALL_TAG;
	bool smccc = (e.ec == 0x16 || e.ec == 0x17) && imm == 0;
	if ((!xen && !smccc) || c->hc.vm < 0)
		return;
	struct els_hv_vcpu_regs r;
	int pcpu;
	struct els_error *err = els_hv_vcpu_regs(cli->hv, (unsigned)c->hc.vm,
						 (unsigned)c->hc.vcpu, &r, &pcpu);
	if (err) {
		els_error_destroy(err);
		return;
	}
	/*
	 * ESR_EL2 stays as the last synchronous exception left it; the frame
	 * is the last entry's (an interrupt too). The call is the one being
	 * served only if the guest's instruction before the frame's pc is
	 * that very HVC/SMC.
	 */
	struct els_xlat_ctx ctx;
	uint64_t vbar;
	char how[64];
	uint8_t b[4];
	uint32_t want = (e.ec == 0x16 ? 0xd4000002u : 0xd4000003u) | imm << 5;
	if ((err = els_cli_guest_ctx(cli, (unsigned)c->hc.vm, &ctx, &vbar, how,
				     sizeof(how))) ||
	    (err = els_xlat_read(&ctx, r.pc - 4, b, 4))) {
		els_error_destroy(err);
		return;
	}
	uint32_t insn = els_le32(b);
	if (insn != want)
		return;
	c->trap_current = true;
	if (xen)
		els_xen_hypercall_format(r.x[16], r.x, c->hypercall,
					 sizeof(c->hypercall));
	else
		els_smccc_format((uint32_t)r.x[0], c->smccc, sizeof(c->smccc));
}

static struct els_error *read_ctx(struct els_cli *cli, int cpu,
				  struct cpu_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	c->pid = -1;
	struct els_target *t = cli->t;
	uint64_t cpsr;
	struct els_error *err;
	if ((err = els_target_read_reg_u64(t, cpu, "cpsr", &cpsr)) ||
	    (err = els_target_read_reg_u64(t, cpu, "pc", &c->pc)))
		return els_error_wrap(err, "CPU %d", cpu);
	c->el = (unsigned)(cpsr >> 2) & 3;
	struct els_cli_guest *g = NULL;
	if (cli->xen) {
		struct els_hv *hv;
		if ((err = els_cli_hv(cli, &hv)) ||
		    (err = els_hv_cpu(hv, cpu, &c->hc)))
			return err;
		c->has_hv = true;
		c->in = c->hc.in_guest ? "guest" : "hypervisor";
		if (c->hc.vm >= 0)
			snprintf(c->vm, sizeof(c->vm), "%d", c->hc.vm);
		else
			snprintf(c->vm, sizeof(c->vm), "xen");
		if (c->el == 2) {
			c->has_esr =
				!els_target_read_reg_u64(t, cpu, "ESR_EL2", &c->esr);
			if (c->has_esr) {
				els_error_destroy(els_target_read_reg_u64(
					t, cpu, "FAR_EL2", &c->far));
				els_error_destroy(els_target_read_reg_u64(
					t, cpu, "HPFAR_EL2", &c->hpfar));
				hypercall_of(cli, c);
			}
		}
		if (c->hc.vm >= 0 && (g = find_guest(cli, (unsigned)c->hc.vm))) {
			struct els_linux *lx;
			if ((err = els_cli_linux_vm(cli, (unsigned)c->hc.vm, &lx))) {
				snprintf(c->why_no_task, sizeof(c->why_no_task),
					 "%s", err->message);
				els_error_destroy(err);
			} else {
				task_on(lx, (unsigned)c->hc.vcpu, c);
			}
		} else if (c->hc.vm >= 0) {
			snprintf(c->why_no_task, sizeof(c->why_no_task),
				 "no kernel for VM %d: give --guest %d=VMLINUX",
				 c->hc.vm, c->hc.vm);
		}
	} else {
		c->in = "host";
		snprintf(c->vm, sizeof(c->vm), "host");
		c->hc.vm = c->hc.vcpu = -1;
		if (cli->vmlinux) {
			struct els_linux *lx;
			int saved = cli->vm;
			cli->vm = -1;
			err = els_cli_linux(cli, &lx);
			cli->vm = saved;
			if (err) {
				snprintf(c->why_no_task, sizeof(c->why_no_task),
					 "%s", err->message);
				els_error_destroy(err);
			} else {
				task_on(lx, (unsigned)cpu, c);
			}
		}
	}
	symbol_in(cli, c, g);
	return NULL;
}

static void esr_json(void *arg, const char *key, uint64_t num, const char *str)
{
	struct json_object *o = arg;
	/* Register images and immediates as "0x..."; fields as numbers. */
	static const char *const hex[] = { "esr", "iss", "iss2", "imm16",
					   "far", "ipa", "ec" };
	bool as_hex = false;
	for (size_t i = 0; i < sizeof(hex) / sizeof(*hex); i++)
		as_hex |= !strcmp(key, hex[i]);
	if (str)
		json_object_object_add(o, key, json_object_new_string(str));
	else if (as_hex)
		json_object_object_add(o, key, els_json_addr(num));
	else
		json_object_object_add(o, key, json_object_new_int64((int64_t)num));
}

/* ESR_EL2 (and FAR/HPFAR where they mean something) as JSON. */
static struct json_object *trap_json(const struct cpu_ctx *c)
{
	struct json_object *o = json_object_new_object();
	struct els_esr e;
	els_esr_decode(c->esr, &e);
	json_object_object_add(o, "esr", els_json_addr(c->esr));
	char d[200];
	els_esr_describe(&e, d, sizeof(d));
	json_object_object_add(o, "description", json_object_new_string(d));
	els_esr_fields(&e, esr_json, o);
	if (els_esr_is_abort(&e) && els_esr_far_valid(&e))
		json_object_object_add(o, "far", els_json_addr(c->far));
	if (els_esr_is_abort(&e) && (e.ec == 0x20 || e.ec == 0x24))
		json_object_object_add(o, "ipa",
				       els_json_addr(els_esr_fault_ipa(c->hpfar,
								       c->far)));
	if (c->hypercall[0])
		json_object_object_add(o, "hypercall",
				       json_object_new_string(c->hypercall));
	if (c->smccc[0])
		json_object_object_add(o, "smccc",
				       json_object_new_string(c->smccc));
	return o;
}

static void trap_text(const struct cpu_ctx *c, const char *indent)
{
	struct els_esr e;
	els_esr_decode(c->esr, &e);
	char d[200];
	els_esr_describe(&e, d, sizeof(d));
	printf("%sESR_EL2 0x%" PRIx64 ": %s (%s)%s%s\n", indent, c->esr,
	       e.ec_name, e.ec_desc, d[0] ? ": " : "", d);
	if (els_esr_is_abort(&e) && els_esr_far_valid(&e))
		printf("%sFAR_EL2 0x%" PRIx64 "\n", indent, c->far);
	if (els_esr_is_abort(&e) && (e.ec == 0x20 || e.ec == 0x24))
		printf("%sfaulting IPA 0x%" PRIx64 " (HPFAR_EL2 0x%" PRIx64 ")\n",
		       indent, els_esr_fault_ipa(c->hpfar, c->far), c->hpfar);
	if (c->hypercall[0])
		printf("%shypercall %s\n", indent, c->hypercall);
	if (c->smccc[0])
		printf("%sSMCCC %s\n", indent, c->smccc);
}

struct els_error *els_cmd_ctx(struct els_cli *cli, int argc, char **argv)
{
	struct els_error *err = no_args(argc, argv, "ctx");
	if (err)
		return err;
	size_t n = cli->t->cpus.len ? cli->t->cpus.len : 1;
	struct cpu_ctx *c = calloc(n, sizeof(*c));
	if (!c)
		return &els_enomem;
	for (size_t i = 0; i < n && !err; i++)
		err = read_ctx(cli, (int)i, &c[i]);
	if (err) {
		free(c);
		return err;
	}
	if (cli->json) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "cpu", json_object_new_int(c[i].cpu));
			json_object_object_add(o, "el", json_object_new_int((int)c[i].el));
			json_object_object_add(o, "in", json_object_new_string(c[i].in));
			json_object_object_add(o, "vmid",
					       c[i].has_hv ? json_object_new_int((int)c[i].hc.vmid)
							   : NULL);
			json_object_object_add(o, "vm",
					       c[i].hc.vm >= 0 ? json_object_new_int(c[i].hc.vm)
							       : json_object_new_string(c[i].vm));
			json_object_object_add(o, "vcpu",
					       c[i].hc.vcpu >= 0 ? json_object_new_int(c[i].hc.vcpu)
								 : NULL);
			json_object_object_add(o, "pid",
					       c[i].pid >= 0 ? json_object_new_int(c[i].pid) : NULL);
			json_object_object_add(o, "comm",
					       c[i].pid >= 0 ? json_object_new_string(c[i].comm) : NULL);
			json_object_object_add(o, "pc", els_json_addr(c[i].pc));
			json_object_object_add(o, "symbol",
					       c[i].symbol[0] ? json_object_new_string(c[i].symbol) : NULL);
			if (c[i].why_no_task[0])
				json_object_object_add(o, "task_error",
						       json_object_new_string(c[i].why_no_task));
			if (c[i].has_esr)
				json_object_object_add(o, "trap", trap_json(&c[i]));
			json_object_array_add(arr, o);
		}
		els_cli_print_json(arr);
		free(c);
		return NULL;
	}
	printf("%3s %2s %-10s %4s %-5s %4s %7s %-16s %-18s %s\n", "CPU", "EL",
	       "IN", "VMID", "VM", "VCPU", "PID", "COMM", "PC", "SYMBOL");
	for (size_t i = 0; i < n; i++) {
		char vmid[12] = "-", vcpu[12] = "-", pid[12] = "-";
		if (c[i].has_hv)
			snprintf(vmid, sizeof(vmid), "%u", c[i].hc.vmid);
		if (c[i].hc.vcpu >= 0)
			snprintf(vcpu, sizeof(vcpu), "%d", c[i].hc.vcpu);
		if (c[i].pid >= 0)
			snprintf(pid, sizeof(pid), "%d", c[i].pid);
		printf("%3d %2u %-10s %4s %-5s %4s %7s %-16s 0x%016" PRIx64 " %s\n",
		       c[i].cpu, c[i].el, c[i].in, vmid, c[i].vm, vcpu, pid,
		       c[i].pid >= 0 ? c[i].comm : "-", c[i].pc,
		       c[i].symbol[0] ? c[i].symbol : "-");
		if (c[i].has_esr)
			trap_text(&c[i], "    ");
		if (c[i].why_no_task[0] && c[i].hc.vm >= 0)
			printf("    task: %s\n", c[i].why_no_task);
	}
	free(c);
	return NULL;
}

/* ---- info: the hypervisor and the traps of CPUs at EL2 ---- */

void els_cli_info_hv(struct els_cli *cli, struct json_object *o)
{
	if (!cli->xen || !cli->t->can_run || cli->t->running)
		return;
	struct els_hv *hv;
	struct els_error *err = els_cli_hv(cli, &hv);
	if (err) {
		if (o)
			json_object_object_add(o, "hypervisor_error",
					       json_object_new_string(err->message));
		else
			printf("hypervisor: %s\n", err->message);
		els_error_destroy(err);
		return;
	}
	struct json_object *h = o ? json_object_new_object() : NULL;
	struct json_object *traps = o ? json_object_new_array() : NULL;
	if (h) {
		json_object_object_add(h, "kind", json_object_new_string(hv->ops->kind));
		json_object_object_add(h, "version", json_object_new_string(hv->version));
	} else {
		printf("hypervisor %s %s\n", hv->ops->kind, hv->version);
	}
	for (size_t i = 0; i < cli->t->cpus.len; i++) {
		struct cpu_ctx c;
		if ((err = read_ctx(cli, (int)i, &c))) {
			els_error_destroy(err);
			continue;
		}
		if (!c.has_esr)
			continue;
		if (traps) {
			struct json_object *tj = trap_json(&c);
			json_object_object_add(tj, "cpu", json_object_new_int((int)i));
			json_object_array_add(traps, tj);
		} else {
			printf("CPU %zu at EL2 (%s):\n", i,
			       c.symbol[0] ? c.symbol : "?");
			trap_text(&c, "  ");
		}
	}
	if (h) {
		json_object_object_add(h, "traps", traps);
		json_object_object_add(o, "hypervisor", h);
	}
}
