/* SPDX-License-Identifier: MIT */
/*
 * break, delete, wait: code breakpoints through the target layer, and
 * waiting for a running target to stop at one.
 *
 * The target layer keeps what is inserted and removes it on close (then
 * resumes what we stopped); this file adds the user's view: ids, the
 * symbol of each address, hit counts, and which breakpoint a stop is at.
 *
 * Stepping over a breakpoint: QEMU's gdbstub (7.2, TCG) does not do it. A
 * CPU resumed with 'c' while its PC is at one of its breakpoints stops there
 * again at once, forever. Checked on the lab: break on
 * __arm64_sys_newuname, one `uname` in the guest, then cont + wait five
 * times: five stops on the same CPU, same pc, sp and lr, each in under 2 ms
 * (one call). A single step of that CPU with the breakpoint still inserted
 * does move it (pc +4: QEMU's step ignores breakpoints), and a cont after
 * it runs on (no stop within 3 s). A stub that plants BRK instructions would
 * trap on its own breakpoint when stepping, so els_cli_step_over() removes
 * the breakpoint, steps, and puts it back: two more round trips, on any
 * stub.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/time.h"
#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"

static const char *kind_name(enum els_bp_kind kind)
{
	return kind == ELS_BP_HW ? "hw" : "sw";
}

static struct json_object *bp_json(const struct els_cli_bp *bp)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int((int)bp->id));
	json_object_object_add(o, "address", els_json_addr(bp->addr));
	json_object_object_add(o, "symbol", bp->symbol[0]
				? json_object_new_string(bp->symbol) : NULL);
	json_object_object_add(o, "kind",
			       json_object_new_string(kind_name(bp->kind)));
	json_object_object_add(o, "hits", json_object_new_int64((int64_t)bp->hits));
	json_object_object_add(o, "vm", bp->vm >= 0 ? json_object_new_int(bp->vm) : NULL);
	json_object_object_add(o, "el", bp->el >= 0 ? json_object_new_int(bp->el) : NULL);
	json_object_object_add(o, "silent_hits",
			       json_object_new_int64((int64_t)bp->silent));
	return o;
}

static void bp_text(const struct els_cli_bp *bp)
{
	printf("%-4u %-4s 0x%016" PRIx64, bp->id, kind_name(bp->kind), bp->addr);
	if (bp->symbol[0])
		printf(" <%s>", bp->symbol);
	printf(" hits %" PRIu64, bp->hits);
	if (bp->vm >= 0)
		printf(" vm %d", bp->vm);
	if (bp->el >= 0)
		printf(" el %d", bp->el);
	if (bp->vm >= 0 || bp->el >= 0)
		printf(" (silent hits elsewhere %" PRIu64 ")", bp->silent);
	printf("\n");
}

void els_cli_info_breakpoints(struct els_cli *cli, struct json_object *obj)
{
	if (obj) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < cli->nbps; i++)
			json_object_array_add(a, bp_json(&cli->bps[i]));
		json_object_object_add(obj, "breakpoints", a);
		return;
	}
	for (size_t i = 0; i < cli->nbps; i++) {
		printf("%s", i ? "         " : "breaks   ");
		bp_text(&cli->bps[i]);
	}
}

static struct els_error *list(struct els_cli *cli)
{
	if (cli->json) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < cli->nbps; i++)
			json_object_array_add(a, bp_json(&cli->bps[i]));
		els_cli_print_json(a);
		return NULL;
	}
	if (!cli->nbps) {
		printf("no breakpoints\n");
		return NULL;
	}
	printf("%-4s %-4s %-18s symbol, hits\n", "id", "kind", "address");
	for (size_t i = 0; i < cli->nbps; i++)
		bp_text(&cli->bps[i]);
	return NULL;
}

/* ---- names to addresses ---- */

struct match {
	const char *image;
	uint64_t addr;
};

#define MAX_MATCHES 8

/* NAME in every image that has it: xen-syms, then the kernel's images. */
static size_t find_everywhere(struct els_cli *cli, bool kernel_ok,
			      const char *name, struct match *m)
{
	size_t n = 0;
	struct els_symbol s;
	if (cli->xen && !els_symtab_lookup_name(cli->xen, name, &s))
		m[n++] = (struct match){ "xen", s.addr };
	size_t count = kernel_ok ? els_symset_count(cli->kernel) : 0;
	for (size_t i = 0; i < count && n < MAX_MATCHES; i++) {
		const char *label;
		struct els_symtab *st = els_symset_at(cli->kernel, i, &label);
		struct els_error *err = els_symtab_lookup_name(st, name, &s);
		if (!err)
			m[n++] = (struct match){ label, s.addr };
		els_error_destroy(err);
	}
	return n;
}

/*
 * The address of NAME or IMAGE:NAME in xen-syms (no slide) or the
 * machine's kernel set (slid, with modules once `mod` loaded them).
 */
static struct els_error *resolve(struct els_cli *cli, const char *what,
				 uint64_t *ret)
{
	if (!cli->vmlinux && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"no symbols to find '%s' in: give --vmlinux or --xen to elscope, or an address",
					what);
	const char *colon = strchr(what, ':');
	struct els_symbol s;
	if (colon && colon - what == 3 && !strncmp(what, "xen", 3)) {
		if (!cli->xen)
			return els_error_create(ELS_ERR_USAGE,
						"'%s': no xen-syms: give --xen", what);
		struct els_error *err = els_symtab_lookup_name(cli->xen,
							       colon + 1, &s);
		if (err)
			return err;
		*ret = s.addr;
		return NULL;
	}
	/* The kernel's symbols need its KASLR slide. */
	struct els_error *kerr = cli->vmlinux ? els_cli_kernel_syms(cli) : NULL;
	bool kernel_ok = cli->kernel && !kerr;
	if (colon) {
		if (!cli->kernel)
			return els_error_create(ELS_ERR_USAGE,
						"'%s': no image '%.*s' (the images are: xen)",
						what, (int)(colon - what), what);
		if (kerr)
			return els_error_wrap(kerr, "'%s'", what);
		struct els_symtab *st;
		struct els_error *err = els_symset_lookup_name(cli->kernel,
							       what, &s, &st);
		if (err)
			return err;
		*ret = s.addr;
		return NULL;
	}
	struct match m[MAX_MATCHES];
	size_t n = find_everywhere(cli, kernel_ok, what, m);
	if (!n && kernel_ok && els_symset_count(cli->kernel) == 1) {
		/* Perhaps a module's: load their symbols once, look again. */
		struct els_error *err = els_cli_load_modules(cli);
		if (err) {
			els_debug("break: loading module symbols: %s",
				  err->message);
			els_error_destroy(err);
		}
		n = find_everywhere(cli, kernel_ok, what, m);
	}
	if (!n) {
		struct els_error *err;
		if (kerr)
			err = els_error_wrap(kerr, "no symbol '%s' in %s, and %s's symbols cannot be placed",
					     what, cli->xen ? "xen-syms" : "",
					     "the kernel");
		else
			err = els_error_create(ELS_ERR_NOT_FOUND,
					       "no symbol '%s' in %s", what,
					       cli->xen && cli->kernel
						       ? "xen-syms or the machine's kernel"
					       : cli->xen ? "xen-syms"
							  : "the machine's kernel");
		return err;
	}
	els_error_destroy(kerr);
	size_t distinct = 1;
	for (size_t i = 1; i < n; i++)
		distinct += m[i].addr != m[0].addr;
	if (distinct == 1) {
		*ret = m[0].addr;
		return NULL;
	}
	char list[512];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(list); i++) {
		int k = snprintf(list + len, sizeof(list) - len,
				 "%s%s:%s (0x%" PRIx64 ")", i ? ", " : "",
				 m[i].image, what, m[i].addr);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return els_error_create(ELS_ERR_USAGE,
				"'%s' is in %zu images; say which: %s", what, n,
				list);
}

/* ---- break ---- */

struct els_error *els_cmd_break(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "break [--hw] [--vm N] [--el 0|1|2] ADDR|[IMAGE:]NAME";
	bool hw = false;
	const char *what = NULL;
	int vm = -1, el = -1;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--vm") || !strcmp(argv[i], "--el")) &&
		    i + 1 < argc) {
			uint64_t v;
			bool is_vm = argv[i][2] == 'v';
			if (!els_parse_u64(argv[++i], &v) ||
			    v > (is_vm ? 0x7fefu : 2u))
				return els_error_create(ELS_ERR_USAGE,
							"%s: '%s' is not %s",
							is_vm ? "--vm" : "--el", argv[i],
							is_vm ? "a VM id" : "0, 1 or 2");
			*(is_vm ? &vm : &el) = (int)v;
		} else if (!strcmp(argv[i], "--hw"))
			hw = true;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		else if (!what)
			what = argv[i];
		else
			return els_error_create(ELS_ERR_USAGE, "usage: %s",
						usage);
	}
	if (!what) {
		if (hw)
			return els_error_create(ELS_ERR_USAGE, "usage: %s",
						usage);
		return list(cli);
	}
	struct els_target *t = cli->t;
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target does not run: no breakpoints",
					t->ops->kind);
	uint64_t addr;
	struct els_error *err = NULL;
	if (vm >= 0 && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"--vm needs the hypervisor's symbols: give --xen XEN_SYMS");
	if (els_parse_u64(what, &addr)) {
		/* An address. */
	} else if (vm >= 0) {
		/* A name in that VM's kernel (--guest), where its code is. */
		struct els_cli_guest *g;
		struct els_symbol sy;
		struct els_symtab *st;
		if ((err = els_cli_guest_syms(cli, (unsigned)vm, -1, &g)) ||
		    (err = els_symset_lookup_name(g->set, what, &sy, &st)))
			return err;
		addr = sy.addr;
	} else if ((err = resolve(cli, what, &addr))) {
		return err;
	}
	if (addr & 3)
		return els_error_create(ELS_ERR_USAGE,
					"0x%" PRIx64 " is not an instruction's address (A64 instructions are 4-byte aligned)",
					addr);
	enum els_bp_kind kind = hw ? ELS_BP_HW : ELS_BP_SW;
	for (size_t i = 0; i < cli->nbps; i++) {
		if (cli->bps[i].addr == addr && cli->bps[i].kind == kind)
			return els_error_create(ELS_ERR_USAGE,
						"breakpoint %u is already at 0x%" PRIx64,
						cli->bps[i].id, addr);
	}
	if (cli->nbps == ELS_CLI_MAX_BPS)
		return els_error_create(ELS_ERR_USAGE,
					"%d breakpoints are set, the most elscope keeps: delete some",
					ELS_CLI_MAX_BPS);
	if ((err = els_target_insert_bp(t, kind, addr, 4)))
		return err;
	struct els_cli_bp *bp = &cli->bps[cli->nbps++];
	*bp = (struct els_cli_bp){ .id = ++cli->last_bp_id, .kind = kind,
				   .addr = addr, .vm = vm, .el = el };
	int saved = cli->vm;
	cli->vm = vm;
	if (!els_cli_symbolize(cli, addr, bp->symbol, sizeof(bp->symbol)))
		bp->symbol[0] = '\0';
	cli->vm = saved;
	if (cli->json) {
		struct json_object *o = bp_json(bp);
		json_object_object_del(o, "hits");
		els_cli_print_json(o);
	} else {
		printf("breakpoint %u at 0x%016" PRIx64, bp->id, addr);
		if (bp->symbol[0])
			printf(" <%s>", bp->symbol);
		printf("%s", hw ? " (hardware)" : "");
		if (vm >= 0)
			printf(", only in VM %d", vm);
		if (el >= 0)
			printf(", only at EL%d", el);
		printf("\n");
	}
	return NULL;
}

/* ---- delete ---- */

static struct els_error *delete_at(struct els_cli *cli, size_t i)
{
	struct els_cli_bp *bp = &cli->bps[i];
	struct els_error *err = els_target_remove_bp(cli->t, bp->kind,
						     bp->addr, 4);
	if (err)
		return els_error_wrap(err, "breakpoint %u", bp->id);
	memmove(bp, bp + 1, (cli->nbps - i - 1) * sizeof(*bp));
	cli->nbps--;
	return NULL;
}

struct els_error *els_cmd_delete(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "delete [ID...|all]";
	bool all = argc == 1;
	for (int i = 1; i < argc; i++) {
		uint64_t id = 0;
		if (!strcmp(argv[i], "all"))
			all = true;
		else if (!els_parse_u64(argv[i], &id) || !id || id > UINT32_MAX)
			return els_error_create(ELS_ERR_USAGE,
						"'%s' is not a breakpoint id (usage: %s)",
						argv[i], usage);
	}
	if (all && argc > 2)
		return els_error_create(ELS_ERR_USAGE,
					"'all' goes alone (usage: %s)", usage);
	/* Every id must name a breakpoint before any is removed. */
	for (int i = 1; i < argc && !all; i++) {
		uint64_t id = 0;
		els_parse_u64(argv[i], &id);
		size_t k = 0;
		while (k < cli->nbps && cli->bps[k].id != id)
			k++;
		if (k == cli->nbps)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"no breakpoint %" PRIu64, id);
	}
	struct els_error *err = NULL;
	unsigned removed = 0;
	if (all) {
		while (cli->nbps && !err) {
			err = delete_at(cli, cli->nbps - 1);
			removed += !err;
		}
	}
	for (int i = 1; i < argc && !all && !err; i++) {
		uint64_t id = 0;
		els_parse_u64(argv[i], &id);
		for (size_t k = 0; k < cli->nbps; k++) {
			if (cli->bps[k].id == id) {
				err = delete_at(cli, k);
				removed += !err;
				break;
			}
		}
	}
	if (err)
		return err;
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "deleted", json_object_new_int((int)removed));
		json_object_object_add(o, "left", json_object_new_int((int)cli->nbps));
		els_cli_print_json(o);
	} else {
		printf("deleted %u breakpoint%s\n", removed,
		       removed == 1 ? "" : "s");
	}
	return NULL;
}

/* ---- stepping over ---- */

struct els_error *els_cli_step_over(struct els_cli *cli)
{
	struct els_target *t = cli->t;
	if (!t->can_run || t->running || !t->bps.len || !t->has_last_stop ||
	    t->last_stop.cpu < 0 || t->last_stop.cpu >= (int)t->cpus.len)
		return NULL;
	int cpu = t->last_stop.cpu;
	uint64_t pc;
	struct els_error *err = els_target_read_reg_u64(t, cpu, "pc", &pc);
	if (err)
		return els_error_wrap(err, "CPU %d's pc, to step over a breakpoint",
				      cpu);
	/* A sw and a hw breakpoint may share the address: lift both. */
	struct els_breakpoint lifted[2];
	size_t n = 0;
	for (size_t i = 0; i < t->bps.len && n < 2; i++) {
		struct els_breakpoint *bp = &t->bps.data[i];
		if (bp->addr == pc &&
		    (bp->kind == ELS_BP_SW || bp->kind == ELS_BP_HW))
			lifted[n++] = *bp;
	}
	size_t removed = 0;
	for (; removed < n && !err; removed++)
		err = els_target_remove_bp(t, lifted[removed].kind,
					   lifted[removed].addr,
					   lifted[removed].len);
	if (err)
		removed--; /* the one that failed is still there */
	if (!err && n) {
		struct els_stop stop;
		err = els_target_step(t, cpu, &stop);
		if (err)
			err = els_error_wrap(err, "stepping CPU %d over the breakpoint at 0x%" PRIx64,
					     cpu, pc);
	}
	for (size_t i = 0; i < removed; i++) {
		struct els_error *e = els_target_insert_bp(
			t, lifted[i].kind, lifted[i].addr, lifted[i].len);
		if (!e)
			continue;
		/* Gone from the target: forget it here too, and say so. */
		for (size_t k = 0; k < cli->nbps; k++) {
			struct els_cli_bp *bp = &cli->bps[k];
			if (bp->addr != lifted[i].addr ||
			    bp->kind != lifted[i].kind)
				continue;
			e = els_error_wrap(e, "breakpoint %u is lost", bp->id);
			memmove(bp, bp + 1, (cli->nbps - k - 1) * sizeof(*bp));
			cli->nbps--;
			break;
		}
		if (!err)
			err = e;
		else
			els_error_destroy(e);
	}
	return err;
}

/* ---- wait ---- */

void els_cli_target_stopped(struct els_cli *cli)
{
	/*
	 * It stopped at something we set: resume it when elscope leaves,
	 * as if we had halted it.
	 */
	cli->t->halted_by_us = true;
	cli->stop_unreported = true;
}

/*
 * A stop at a breakpoint whose context does not match its filter: the CPU
 * runs another VM (Xen's curr_vcpu of that CPU, in the guest) or is at
 * another exception level. True when it must be resumed silently.
 */
static bool filtered_out(struct els_cli *cli, const struct els_stop *stop)
{
	struct els_target *t = cli->t;
	int cpu = stop->cpu >= 0 ? stop->cpu : cli->cpu;
	uint64_t pc, cpsr;
	if (els_target_read_reg_u64(t, cpu, "pc", &pc) ||
	    els_target_read_reg_u64(t, cpu, "cpsr", &cpsr))
		return false;
	struct els_cli_bp *bp = NULL;
	for (size_t i = 0; i < cli->nbps; i++) {
		if (cli->bps[i].addr == pc)
			bp = &cli->bps[i];
	}
	if (!bp || (bp->vm < 0 && bp->el < 0))
		return false;
	unsigned el = (unsigned)(cpsr >> 2) & 3;
	bool out = bp->el >= 0 && el != (unsigned)bp->el;
	if (!out && bp->vm >= 0) {
		struct els_hv *hv;
		struct els_hv_cpu hc;
		struct els_error *err = els_cli_hv(cli, &hv);
		if (!err)
			err = els_hv_cpu(hv, cpu, &hc);
		/* Unknown context: stop and let the user see it. */
		out = !err && (hc.vm != bp->vm || el == 2);
		els_error_destroy(err);
	}
	if (out)
		bp->silent++;
	return out;
}

/* Say where and why the target stopped. */
static struct els_error *report_stop(struct els_cli *cli,
				     const struct els_stop *stop,
				     bool interrupted)
{
	struct els_target *t = cli->t;
	int cpu = stop->cpu >= 0 ? stop->cpu : cli->cpu;
	uint64_t pc, cpsr;
	struct els_error *err = els_target_read_reg_u64(t, cpu, "pc", &pc);
	if (!err)
		err = els_target_read_reg_u64(t, cpu, "cpsr", &cpsr);
	if (err)
		return els_error_wrap(err, "the target stopped (CPU %d)", cpu);
	cli->cpu = cpu;
	struct els_cli_bp *bp = NULL;
	for (size_t i = 0; i < cli->nbps && !interrupted; i++) {
		if (cli->bps[i].addr == pc)
			bp = &cli->bps[i];
	}
	if (bp)
		bp->hits++;
	const char *reason = interrupted ? "interrupted"
			     : bp ? "breakpoint"
			     : stop->reason == ELS_STOP_WATCH ? "watchpoint"
			     : stop->reason == ELS_STOP_EXITED ? "exited"
			     : "signal";
	char sym[160];
	unsigned el = (unsigned)(cpsr >> 2) & 3;
	/* A CPU in a guest: its VM's kernel names the pc. */
	int saved = cli->vm, vcpu;
	if (cli->xen && el < 2)
		cli->vm = els_cli_vm_of_cpu(cli, cpu, true, &vcpu);
	bool has_sym = els_cli_symbolize(cli, pc, sym, sizeof(sym));
	cli->vm = saved;
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "state", json_object_new_string("halted"));
		json_object_object_add(o, "cpu", json_object_new_int(cpu));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_object_add(o, "breakpoint",
				       bp ? json_object_new_int((int)bp->id) : NULL);
		json_object_object_add(o, "signal", json_object_new_int(stop->signal));
		json_object_object_add(o, "pc", els_json_addr(pc));
		json_object_object_add(o, "symbol",
				       has_sym ? json_object_new_string(sym) : NULL);
		json_object_object_add(o, "el", json_object_new_int((int)el));
		els_cli_print_json(o);
		return NULL;
	}
	printf("CPU %d ", cpu);
	if (bp)
		printf("hit breakpoint %u", bp->id);
	else if (interrupted)
		printf("halted by Ctrl-C");
	else
		printf("stopped (signal %d)", stop->signal);
	printf(" at pc 0x%016" PRIx64, pc);
	if (has_sym)
		printf(" <%s>", sym);
	printf(", EL%u\n", el);
	return NULL;
}

struct els_error *els_cmd_wait(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "wait [--timeout S]";
	double timeout = -1;
	const char *timeout_text = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_text = argv[++i];
			if (!els_parse_double(timeout_text, &timeout) ||
			    timeout <= 0 || timeout > 1e7)
				return els_error_create(ELS_ERR_USAGE,
							"--timeout: '%s' is not a number of seconds",
							timeout_text);
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		}
	}
	struct els_target *t = cli->t;
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target does not run", t->ops->kind);
	if (!t->running && !cli->stop_unreported)
		return els_error_create(ELS_ERR_STATE,
					"the target is halted: 'cont' it first");
	int64_t deadline = timeout > 0 ? els_now_ms() + (int64_t)(timeout * 1000)
				       : INT64_MAX;
	while (t->running) {
		if (els_cli_interrupted) {
			/* The user's Ctrl-C: stop it now, as a debugger does. */
			struct els_stop stop;
			struct els_error *err = els_target_halt(t, &stop);
			if (err)
				return els_error_wrap(err, "interrupted, and halting the target failed");
			t->halted_by_us = true;
			cli->stop_unreported = false;
			if (!cli->json)
				els_error_destroy(report_stop(cli, &stop, true));
			return els_error_create(ELS_ERR_INTERRUPTED,
						"interrupted");
		}
		int64_t left = deadline - els_now_ms();
		if (left <= 0)
			return els_error_create(ELS_ERR_TIMEOUT,
						"the target did not stop within %s s",
						timeout_text);
		/* Short slices: a Ctrl-C is seen even if it missed the poll. */
		struct els_error *err =
			els_target_poll(t, left < 200 ? (int)left : 200);
		if (err)
			return err;
		if (!t->running) {
			els_cli_target_stopped(cli);
			if (filtered_out(cli, &t->last_stop)) {
				/* Not its context: over the breakpoint and on. */
				cli->stop_unreported = false;
				if ((err = els_cli_step_over(cli)) ||
				    (err = els_target_resume(t)))
					return els_error_wrap(err, "resuming after a hit outside the breakpoint's context");
			}
		}
	}
	cli->stop_unreported = false;
	return report_stop(cli, &t->last_stop, false);
}
