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
 *
 * Watchpoints (Z2 write, Z3 read, Z4 access): QEMU's gdbstub (7.2, TCG)
 * matches them by virtual address on every CPU, whatever the address space
 * (another process, another VM), and stops before the access: the pc is
 * the accessing instruction, the memory not yet written. Checked on the
 * xen lab: a write watchpoint on dom1's jiffies_64 stops at the `str` of
 * tick_do_update_jiffies64; one on libelswork.so's elswork_calls stops at
 * the `stxr` of __aarch64_ldadd8_relax with the counter still at the old
 * value (x17 holding old + 1), and a cont that does not lift it stops there
 * again at once (same thread, pc and value). So, as for breakpoints,
 * els_cli_step_over lifts the watchpoints on the stop's data, steps the
 * CPU (the stxr then succeeds: counter + 1, status 0) and puts them back.
 * The stop reply's watch:ADDR is the watchpoint's first byte.
 *
 * Context filters (--vm, --el, --pid): a stop at a breakpoint or
 * watchpoint whose context the stopped CPU is not in is stepped over and
 * resumed at once, and counted (silent hits). The process of --pid is the
 * tgid of the task the CPU's kernel runs (current): the kernel of the VM
 * whose vCPU the CPU runs (Xen's curr_vcpu) when its --guest kernel is
 * known, else the machine's.
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
#include "os/linux/task.h"

static const char *kind_name(enum els_bp_kind kind)
{
	switch (kind) {
	case ELS_BP_SW: return "sw";
	case ELS_BP_HW: return "hw";
	case ELS_WP_WRITE: return "w";
	case ELS_WP_READ: return "r";
	case ELS_WP_ACCESS: return "rw";
	}
	return "?";
}

static bool is_watch(enum els_bp_kind kind)
{
	return kind == ELS_WP_WRITE || kind == ELS_WP_READ ||
	       kind == ELS_WP_ACCESS;
}

static bool has_filter(const struct els_cli_bp *bp)
{
	return bp->vm >= 0 || bp->el >= 0 || bp->pid >= 0;
}

static struct json_object *bp_json(const struct els_cli_bp *bp)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int((int)bp->id));
	json_object_object_add(o, "address", els_json_addr(bp->addr));
	json_object_object_add(o, "symbol", bp->symbol[0]
				? json_object_new_string(bp->symbol) : NULL);
	json_object_object_add(o, "image", bp->image[0]
				? json_object_new_string(bp->image) : NULL);
	json_object_object_add(o, "kind",
			       json_object_new_string(kind_name(bp->kind)));
	if (is_watch(bp->kind))
		json_object_object_add(o, "length",
				       json_object_new_int64((int64_t)bp->len));
	json_object_object_add(o, "hits", json_object_new_int64((int64_t)bp->hits));
	json_object_object_add(o, "vm", bp->vm >= 0 ? json_object_new_int(bp->vm) : NULL);
	json_object_object_add(o, "el", bp->el >= 0 ? json_object_new_int(bp->el) : NULL);
	json_object_object_add(o, "pid", bp->pid >= 0 ? json_object_new_int(bp->pid) : NULL);
	json_object_object_add(o, "silent_hits",
			       json_object_new_int64((int64_t)bp->silent));
	els_cli_bp_json_more(bp, o); /* module, landing: break_module.c */
	return o;
}

static void bp_text(const struct els_cli_bp *bp)
{
	if (bp->pending) /* a module's, not loaded (break_module.c) */
		printf("%-4u %-4s %-18s", bp->id, kind_name(bp->kind), "pending");
	else
		printf("%-4u %-4s 0x%016" PRIx64, bp->id, kind_name(bp->kind),
		       bp->addr);
	if (is_watch(bp->kind))
		printf(" len %" PRIu64, bp->len);
	if (bp->symbol[0])
		printf(" <%s>", bp->symbol);
	if (bp->image[0])
		printf(" in %s", bp->image);
	printf(" hits %" PRIu64, bp->hits);
	if (bp->vm >= 0)
		printf(" vm %d", bp->vm);
	if (bp->el >= 0)
		printf(" el %d", bp->el);
	if (bp->pid >= 0)
		printf(" pid %d", (int)bp->pid);
	if (has_filter(bp))
		printf(" (silent hits elsewhere %" PRIu64 ")", bp->silent);
	els_cli_bp_text_more(bp); /* module, landing: break_module.c */
	printf("\n");
}

void els_cli_info_breakpoints(struct els_cli *cli, struct json_object *obj)
{
	if (obj) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < cli->nbps; i++)
			if (cli->bps[i].id)
				json_object_array_add(a, bp_json(&cli->bps[i]));
		json_object_object_add(obj, "breakpoints", a);
		return;
	}
	bool first = true;
	for (size_t i = 0; i < cli->nbps; i++) {
		if (!cli->bps[i].id)
			continue;
		printf("%s", first ? "breaks   " : "         ");
		first = false;
		bp_text(&cli->bps[i]);
	}
}

static struct els_error *list(struct els_cli *cli)
{
	if (cli->json) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < cli->nbps; i++)
			if (cli->bps[i].id)
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
		if (cli->bps[i].id)
			bp_text(&cli->bps[i]);
	return NULL;
}

/* TTBRn_EL1's and VTTBR_EL2's table address (BADDR, 4 KiB aligned). */
#define TTBR_BADDR UINT64_C(0x0000fffffffff000)

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

/* ---- a process's names ---- */

/* The label (a path) of the image st in set; "" when not found. */
static const char *image_label(const struct els_symset *set,
			       const struct els_symtab *st)
{
	size_t n = els_symset_count(set);
	for (size_t i = 0; i < n; i++) {
		const char *label;
		if (els_symset_at(set, i, &label) == st)
			return label;
	}
	return "";
}

/*
 * NAME or IMAGE:NAME in process pid's symbols (of VM vm's kernel, -1: the
 * machine's); IMAGE is a path or a file name ("libelswork.so"). A number
 * is an address in that process: it is named if an image covers it.
 */
static struct els_error *resolve_in_process(struct els_cli *cli, int vm,
					    int32_t pid, const char *what,
					    struct els_cli_bp *bp)
{
	struct els_symset *set;
	int saved = cli->vm;
	cli->vm = vm;
	struct els_error *err = els_cli_process_symset(cli, pid, &set);
	cli->vm = saved;
	bool is_addr = els_parse_u64(what, &bp->addr);
	if (err) {
		if (!is_addr)
			return err;
		/* An address needs no names: leave it unnamed. */
		els_debug("break --pid %d: %s", (int)pid, err->message);
		els_error_destroy(err);
		return NULL;
	}
	struct els_symbol sy;
	struct els_symtab *st = NULL;
	if (is_addr) {
		if (els_symset_find_addr(set, bp->addr, &sy, &st)) {
			els_symset_format(set, bp->addr, bp->symbol,
					  sizeof(bp->symbol));
			snprintf(bp->image, sizeof(bp->image), "%s",
				 image_label(set, st));
		}
		return NULL;
	}
	const char *colon = strchr(what, ':');
	char full[512];
	const char *name = what;
	if (colon && what[0] != '/') {
		/* A file name: the image whose path ends in it. */
		size_t n = els_symset_count(set), k = (size_t)(colon - what);
		for (size_t i = 0; i < n; i++) {
			const char *label;
			els_symset_at(set, i, &label);
			const char *base = strrchr(label, '/');
			base = base ? base + 1 : label;
			if (strlen(base) == k && !strncmp(base, what, k)) {
				snprintf(full, sizeof(full), "%s%s", label,
					 colon);
				name = full;
				break;
			}
		}
	}
	if ((err = els_symset_lookup_name(set, name, &sy, &st)))
		return els_error_wrap(err, "pid %d", (int)pid);
	bp->addr = sy.addr;
	snprintf(bp->symbol, sizeof(bp->symbol), "%s", sy.name);
	snprintf(bp->image, sizeof(bp->image), "%s", image_label(set, st));
	return NULL;
}

/*
 * What makes a filtered hit cheap, learned when the breakpoint is set: the
 * VM's VMID (Xen gives a domain its VMID for its life) and the process's
 * page tables (mm->pgd, as TTBR0_EL1 holds it: an IPA in a guest). A
 * process that execs gets new tables; its old breakpoint addresses mean
 * nothing in the new program anyway. Unknown stays unknown: the full check
 * (Xen's curr_vcpu, the kernel's current task) is made at each hit.
 */
static void learn_context(struct els_cli *cli, struct els_cli_bp *bp)
{
	bp->learned = true;
	bp->vmid = -1;
	bp->pgd = 0;
	struct els_error *err = NULL;
	if (bp->vm >= 0) {
		struct els_hv *hv;
		struct els_hv_vm d;
		if (!(err = els_cli_hv(cli, &hv)) &&
		    !(err = els_hv_vm(hv, (unsigned)bp->vm, &d)))
			bp->vmid = (int)d.vmid;
	}
	/* On Xen a pid without --vm may be in any VM: ask at each hit. */
	if (err || bp->pid < 0 || (cli->xen && bp->vm < 0))
		goto out;
	struct els_linux *lx;
	struct els_linux_task task;
	uint64_t off, pgd;
	struct els_xlat_result r;
	int saved = cli->vm;
	cli->vm = bp->vm;
	err = els_cli_linux(cli, &lx);
	cli->vm = saved;
	if (err || (err = els_linux_task_by_pid(lx, bp->pid, &task)))
		goto out;
	if (!task.mm)
		goto out; /* a kernel thread: no user space */
	if ((err = els_linux_offset(lx, "mm_struct", "pgd", &off)) ||
	    (err = els_linux_read_u64(lx, task.mm + off, &pgd)) ||
	    (err = els_xlat_va(&lx->kctx, pgd, &r)))
		goto out;
	if (r.mapped && !(r.ipa & ~TTBR_BADDR))
		bp->pgd = r.ipa;
out:
	if (err)
		els_debug("breakpoint filter: %s: checked at each hit",
			  err->message);
	els_error_destroy(err);
}

/* ---- break and watch ---- */

/* --vm N, --el E, --pid P at argv[*i]: true if it was one (or an error). */
static bool filter_option(int argc, char **argv, int *i,
			  struct els_cli_bp *bp, struct els_error **err)
{
	bool taken;
	if ((*err = els_cli_context_option(argc, argv, i, &bp->vm, &bp->pid,
					   &taken)) || taken)
		return true;
	if (strcmp(argv[*i], "--el"))
		return false;
	uint64_t v;
	const char *arg = *i + 1 < argc ? argv[++*i] : NULL;
	if (!arg || !els_parse_u64(arg, &v) || v > 2)
		*err = els_error_create(ELS_ERR_USAGE,
					"--el: '%s' is not 0, 1 or 2",
					arg ? arg : "");
	else
		bp->el = (int)v;
	return true;
}

/*
 * Where what (ADDR, NAME, IMAGE:NAME) is in the breakpoint's context: a
 * process's symbols with --pid, the VM's kernel with --vm, else xen-syms
 * and the machine's kernel.
 */
static struct els_error *place(struct els_cli *cli, const char *what,
			       struct els_cli_bp *bp)
{
	struct els_error *err;
	if (bp->vm >= 0 && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"--vm needs the hypervisor's symbols: give --xen XEN_SYMS");
	if (bp->pid >= 0)
		return resolve_in_process(cli, bp->vm, bp->pid, what, bp);
	if (els_parse_u64(what, &bp->addr))
		return NULL;
	if (bp->vm >= 0) {
		/* A name in that VM's kernel (--guest), where its code is. */
		struct els_cli_guest *g;
		struct els_symbol sy;
		struct els_symtab *st;
		if ((err = els_cli_guest_syms(cli, (unsigned)bp->vm, -1, &g)) ||
		    (err = els_symset_lookup_name(g->set, what, &sy, &st)))
			return err;
		bp->addr = sy.addr;
		return NULL;
	}
	return resolve(cli, what, &bp->addr);
}

/* Insert bp (its kind, addr, len, filters set) and keep it. */
static struct els_error *add(struct els_cli *cli, struct els_cli_bp *bp)
{
	for (size_t i = 0; i < cli->nbps; i++) {
		const struct els_cli_bp *o = &cli->bps[i];
		if (o->addr == bp->addr && o->kind == bp->kind)
			return o->id ? els_error_create(ELS_ERR_USAGE,
							"%s %u is already at 0x%" PRIx64,
							is_watch(o->kind) ? "watchpoint" : "breakpoint",
							o->id, bp->addr)
				     : els_error_create(ELS_ERR_STATE,
							"halt's own breakpoint is at 0x%" PRIx64,
							bp->addr);
	}
	if (cli->nbps == ELS_CLI_MAX_BPS)
		return els_error_create(ELS_ERR_USAGE,
					"%d breakpoints are set, the most elscope keeps: delete some",
					ELS_CLI_MAX_BPS);
	struct els_error *err = els_target_insert_bp(cli->t, bp->kind,
						     bp->addr, bp->len);
	if (err)
		return err;
	if (!bp->symbol[0]) {
		int saved = cli->vm;
		cli->vm = bp->vm;
		if (!els_cli_symbolize(cli, bp->addr, bp->symbol,
				       sizeof(bp->symbol)))
			bp->symbol[0] = '\0';
		cli->vm = saved;
	}
	cli->bps[cli->nbps++] = *bp;
	return NULL;
}

static void say_set(struct els_cli *cli, const struct els_cli_bp *bp)
{
	if (cli->json) {
		struct json_object *o = bp_json(bp);
		json_object_object_del(o, "hits");
		els_cli_print_json(o);
		return;
	}
	printf("%s %u at 0x%016" PRIx64,
	       is_watch(bp->kind) ? "watchpoint" : "breakpoint", bp->id,
	       bp->addr);
	if (is_watch(bp->kind))
		printf(" (%" PRIu64 " byte%s, %s)", bp->len,
		       bp->len == 1 ? "" : "s",
		       bp->kind == ELS_WP_WRITE  ? "writes"
		       : bp->kind == ELS_WP_READ ? "reads"
						 : "reads and writes");
	if (bp->symbol[0])
		printf(" <%s>", bp->symbol);
	if (bp->image[0])
		printf(" in %s", bp->image);
	printf("%s", bp->kind == ELS_BP_HW ? " (hardware)" : "");
	if (bp->vm >= 0)
		printf(", only in VM %d", bp->vm);
	if (bp->pid >= 0)
		printf(", only in pid %d", (int)bp->pid);
	if (bp->el >= 0)
		printf(", only at EL%d", bp->el);
	els_cli_bp_text_more(bp); /* landing: break_module.c */
	printf("\n");
}

static struct els_error *need_run(struct els_cli *cli, const char *what)
{
	if (!cli->t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target does not run: no %s",
					cli->t->ops->kind, what);
	return NULL;
}

struct els_error *els_cmd_break(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "break [--hw] [--vm N] [--el 0|1|2] [--pid P] ADDR|[IMAGE:]NAME";
	bool hw = false;
	const char *what = NULL;
	struct els_cli_bp bp = { .vm = -1, .el = -1, .pid = -1, .len = 4 };
	struct els_error *err = NULL;
	for (int i = 1; i < argc; i++) {
		if (filter_option(argc, argv, &i, &bp, &err)) {
			if (err)
				return err;
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
		if (hw || has_filter(&bp))
			return els_error_create(ELS_ERR_USAGE, "usage: %s",
						usage);
		return list(cli);
	}
	/* A module's function, pending until it loads: break_module.c. */
	bool done = false;
	if ((err = els_cli_break_module(cli, what, hw, &bp, &done)) || done)
		return err;
	if ((err = need_run(cli, "breakpoints")) || (err = place(cli, what, &bp)))
		return err;
	if (bp.addr & 3)
		return els_error_create(ELS_ERR_USAGE,
					"0x%" PRIx64 " is not an instruction's address (A64 instructions are 4-byte aligned)",
					bp.addr);
	bp.kind = hw ? ELS_BP_HW : ELS_BP_SW;
	learn_context(cli, &bp);
	/* A guest VA: where it lands through stage 1 and 2 (break_module.c). */
	if ((err = els_cli_break_landing(cli, &bp)))
		return err;
	bp.id = cli->last_bp_id + 1;
	if ((err = add(cli, &bp)))
		return err;
	cli->last_bp_id++;
	say_set(cli, &cli->bps[cli->nbps - 1]);
	return NULL;
}

struct els_error *els_cmd_watch(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "watch ADDR|[IMAGE:]NAME LEN [r|w|rw] [--vm N] [--pid P] [--el E]";
	const char *words[3] = { 0 };
	int nwords = 0;
	struct els_cli_bp bp = { .vm = -1, .el = -1, .pid = -1,
				 .kind = ELS_WP_WRITE };
	struct els_error *err = NULL;
	for (int i = 1; i < argc; i++) {
		if (filter_option(argc, argv, &i, &bp, &err)) {
			if (err)
				return err;
		} else if (argv[i][0] == '-' && argv[i][1] == '-')
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		else if (nwords < 3)
			words[nwords++] = argv[i];
		else
			return els_error_create(ELS_ERR_USAGE, "usage: %s",
						usage);
	}
	if (!nwords && !has_filter(&bp))
		return list(cli);
	if (nwords < 2)
		return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	if (!els_parse_u64(words[1], &bp.len) || !bp.len || bp.len > 4096)
		return els_error_create(ELS_ERR_USAGE,
					"'%s' is not a length of 1 to 4096 bytes (usage: %s)",
					words[1], usage);
	if (nwords == 3) {
		if (!strcmp(words[2], "r"))
			bp.kind = ELS_WP_READ;
		else if (!strcmp(words[2], "rw") || !strcmp(words[2], "a"))
			bp.kind = ELS_WP_ACCESS;
		else if (strcmp(words[2], "w"))
			return els_error_create(ELS_ERR_USAGE,
						"'%s' is not r, w or rw (usage: %s)",
						words[2], usage);
	}
	if ((err = need_run(cli, "watchpoints")) ||
	    (err = place(cli, words[0], &bp)))
		return err;
	if (bp.addr + bp.len - 1 < bp.addr)
		return els_error_create(ELS_ERR_USAGE,
					"0x%" PRIx64 " + %" PRIu64 " runs past the end of the address space",
					bp.addr, bp.len);
	learn_context(cli, &bp);
	bp.id = cli->last_bp_id + 1;
	if ((err = add(cli, &bp)))
		return err;
	cli->last_bp_id++;
	say_set(cli, &cli->bps[cli->nbps - 1]);
	return NULL;
}

/* ---- delete ---- */

static struct els_error *delete_at(struct els_cli *cli, size_t i)
{
	struct els_cli_bp *bp = &cli->bps[i];
	/* A pending one (break_module.c) is not in the target. */
	struct els_error *err = bp->pending ? NULL :
		els_target_remove_bp(cli->t, bp->kind, bp->addr, bp->len);
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
	/*
	 * A sw and a hw breakpoint may share the address: lift both. After a
	 * watchpoint's stop, the watchpoints on its data too (the access is
	 * still to come: see the top of this file).
	 */
	struct els_breakpoint lifted[8];
	size_t n = 0;
	bool watch = t->last_stop.reason == ELS_STOP_WATCH;
	uint64_t data = t->last_stop.watch_addr;
	for (size_t i = 0; i < t->bps.len && n < 8; i++) {
		struct els_breakpoint *bp = &t->bps.data[i];
		if (bp->kind == ELS_BP_SW || bp->kind == ELS_BP_HW
			    ? bp->addr == pc
			    : watch && data >= bp->addr && data - bp->addr < bp->len)
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
			err = els_error_wrap(err, "stepping CPU %d over the %s at 0x%" PRIx64,
					     cpu, watch ? "access to watched data"
							: "breakpoint",
					     watch ? data : pc);
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

/* ---- contexts ---- */

/* The task a CPU's kernel runs: what a --pid filter looks at. */
struct cpu_task {
	int vm;          /* the kernel's VM (-1: the machine's) */
	unsigned kcpu;   /* the CPU as that kernel numbers it (a vCPU) */
	int32_t pid, tgid;
	char comm[17];
};

/*
 * The task CPU cpu runs in its kernel: the guest's, when the CPU runs a
 * vCPU of a VM whose --guest kernel is known (vm_hint >= 0: that VM's), or
 * the machine's. ELS_ERR_NOT_FOUND: the CPU is in the hypervisor.
 */
static struct els_error *task_of_cpu(struct els_cli *cli, int cpu,
				     unsigned el, int vm_hint,
				     struct cpu_task *ct)
{
	ct->vm = -1;
	ct->kcpu = (unsigned)cpu;
	if (cli->xen) {
		if (el == 2)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"CPU %d is in the hypervisor, not in a process",
						cpu);
		int vcpu = -1;
		int vm = els_cli_vm_of_cpu(cli, cpu, true, &vcpu);
		if (vm < 0 && vm_hint >= 0)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"CPU %d: VM %d's kernel is not known (give --guest %d=VMLINUX)",
						cpu, vm_hint, vm_hint);
		if (vm >= 0) {
			ct->vm = vm;
			ct->kcpu = (unsigned)vcpu;
		}
	}
	struct els_linux *lx;
	uint64_t task;
	struct els_linux_task t;
	int saved = cli->vm;
	cli->vm = ct->vm;
	struct els_error *err = els_cli_linux(cli, &lx);
	cli->vm = saved;
	if (!err)
		err = els_linux_current(lx, ct->kcpu, &task);
	if (!err)
		err = els_linux_task_read(lx, task, &t);
	if (err)
		return els_error_wrap(err, "the task CPU %d runs", cpu);
	ct->pid = t.pid;
	ct->tgid = t.tgid;
	snprintf(ct->comm, sizeof(ct->comm), "%s", t.comm);
	return NULL;
}

/*
 * Whether CPU cpu (halted) runs in the context vm/el/pid (-1: any): 1 yes,
 * 0 no, -1 cannot tell (*why says why, the caller's to destroy). *ct is
 * set when the task was read. bp (or NULL) may know the VM's VMID and the
 * process's page tables (learn_context): then a register or two tell.
 */
static int in_context(struct els_cli *cli, int cpu,
		      const struct els_cli_bp *bp, int vm, int el,
		      int32_t pid, struct cpu_task *ct, struct els_error **why)
{
	uint64_t cpsr, reg;
	struct els_target *t = cli->t;
	*why = els_target_read_reg_u64(t, cpu, "cpsr", &cpsr);
	if (*why)
		return -1;
	unsigned cel = (unsigned)(cpsr >> 2) & 3;
	if (el >= 0 && cel != (unsigned)el)
		return 0;
	if (vm >= 0 && cel == 2)
		return 0; /* in Xen on the VM's behalf is not in the VM */
	if (vm >= 0 && bp && bp->learned && bp->vmid >= 0) {
		/* At EL0/EL1 the VMID in VTTBR_EL2 is the VM's that runs. */
		if ((*why = els_target_read_reg_u64(t, cpu, "VTTBR_EL2", &reg)))
			return -1;
		if ((int)((reg >> 48) & 0xffff) != bp->vmid)
			return 0;
	} else if (vm >= 0) {
		struct els_hv *hv;
		struct els_hv_cpu hc;
		if ((*why = els_cli_hv(cli, &hv)) ||
		    (*why = els_hv_cpu(hv, cpu, &hc)))
			return -1;
		/* In Xen on the VM's behalf is not in the VM. */
		if (hc.vm != vm || cel == 2)
			return 0;
	}
	if (pid < 0)
		return 1;
	if (cel == 0 && bp && bp->learned && bp->pgd) {
		/*
		 * In user space TTBR0_EL1 holds the running task's mm's
		 * tables: those of the process's threads, and no other's.
		 */
		if ((*why = els_target_read_reg_u64(t, cpu, "TTBR0_EL1", &reg)))
			return -1;
		return (reg & TTBR_BADDR) == bp->pgd;
	}
	*why = task_of_cpu(cli, cpu, cel, vm, ct);
	if (*why && (*why)->code == ELS_ERR_NOT_FOUND && cel == 2) {
		els_error_destroy(*why);
		*why = NULL;
		return 0;
	}
	if (*why)
		return -1;
	return ct->tgid == pid;
}

/*
 * Our breakpoint or watchpoint the stop is at: a watchpoint covering the
 * stop's data address, or a code breakpoint at the pc.
 */
static struct els_cli_bp *bp_of_stop(struct els_cli *cli,
				     const struct els_stop *stop, uint64_t pc)
{
	struct els_cli_bp *bp = NULL;
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *b = &cli->bps[i];
		if (stop->reason == ELS_STOP_WATCH
			    ? is_watch(b->kind) && stop->watch_addr >= b->addr &&
				      stop->watch_addr - b->addr < b->len
			    : !is_watch(b->kind) && b->addr == pc)
			bp = b;
	}
	return bp;
}

int els_cli_cpu_in_context(struct els_cli *cli, int cpu, int vm, int32_t pid,
			   struct els_error **why)
{
	struct cpu_task ct;
	return in_context(cli, cpu, NULL, vm, -1, pid, &ct, why);
}

bool els_cli_bp_filtered_out(struct els_cli *cli, const struct els_stop *stop)
{
	struct els_target *t = cli->t;
	int cpu = stop->cpu >= 0 ? stop->cpu : cli->cpu;
	uint64_t pc;
	if (els_target_read_reg_u64(t, cpu, "pc", &pc))
		return false;
	struct els_cli_bp *bp = bp_of_stop(cli, stop, pc);
	if (!bp || !has_filter(bp))
		return false;
	struct cpu_task ct;
	struct els_error *why;
	int in = in_context(cli, cpu, bp, bp->vm, bp->el, bp->pid, &ct, &why);
	if (why) {
		/* Unknown context: stop and let the user see it. */
		els_debug("breakpoint %u on CPU %d: %s", bp->id, cpu,
			  why->message);
		els_error_destroy(why);
	}
	if (in)
		return false;
	bp->silent++;
	return true;
}

struct els_error *els_cli_context_cpu(struct els_cli *cli, int vm, int32_t pid,
				      int *ret)
{
	struct els_target *t = cli->t;
	struct els_error *first = NULL;
	for (size_t cpu = 0; cpu < t->cpus.len; cpu++) {
		struct cpu_task ct;
		struct els_error *why;
		int in = in_context(cli, (int)cpu, NULL, vm, -1, pid, &ct, &why);
		if (in == 1) {
			els_error_destroy(first);
			*ret = (int)cpu;
			return NULL;
		}
		if (why && !first)
			first = els_error_wrap(why, "CPU %zu", cpu);
		else
			els_error_destroy(why);
	}
	char what[64];
	if (vm >= 0 && pid >= 0)
		snprintf(what, sizeof(what), "pid %d of VM %d", (int)pid, vm);
	else if (vm >= 0)
		snprintf(what, sizeof(what), "VM %d", vm);
	else
		snprintf(what, sizeof(what), "pid %d", (int)pid);
	if (first)
		return els_error_wrap(first, "no CPU runs %s that elscope could tell",
				      what);
	return els_error_create(ELS_ERR_NOT_FOUND, "no CPU runs %s now", what);
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

/* The task on a CPU for a report: when a --pid context is involved. */
static void task_json(struct json_object *o, const struct cpu_task *ct)
{
	json_object_object_add(o, "task_vm", ct->vm >= 0
				? json_object_new_int(ct->vm) : NULL);
	json_object_object_add(o, "pid", json_object_new_int(ct->pid));
	json_object_object_add(o, "tgid", json_object_new_int(ct->tgid));
	json_object_object_add(o, "comm", json_object_new_string(ct->comm));
}

/*
 * Say where and why the target stopped. reason overrides the one found
 * ("interrupted", "context"); with_task adds the CPU's task.
 */
static struct els_error *report_stop(struct els_cli *cli,
				     const struct els_stop *stop,
				     const char *why, bool with_task)
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
	struct els_cli_bp *bp = why ? NULL : bp_of_stop(cli, stop, pc);
	if (bp)
		bp->hits++;
	bool watch = stop->reason == ELS_STOP_WATCH;
	const char *reason = why                         ? why
			     : watch                     ? "watchpoint"
			     : bp                        ? "breakpoint"
			     : stop->reason == ELS_STOP_EXITED ? "exited"
							     : "signal";
	unsigned el = (unsigned)(cpsr >> 2) & 3;
	struct cpu_task ct;
	bool has_task = false;
	if (with_task || (bp && bp->pid >= 0)) {
		struct els_error *e = task_of_cpu(cli, cpu, el, -1, &ct);
		has_task = !e;
		els_error_destroy(e);
	}
	char sym[160];
	/* A CPU in a guest: its VM's kernel names the pc, or its process. */
	int saved = cli->vm, vcpu;
	if (cli->xen && el < 2)
		cli->vm = els_cli_vm_of_cpu(cli, cpu, true, &vcpu);
	bool has_sym = false;
	if (el == 0 && has_task) {
		struct els_symset *set;
		cli->vm = ct.vm;
		struct els_error *e = cli->sysroot
			? els_cli_process_symset(cli, ct.tgid, &set) : NULL;
		has_sym = cli->sysroot && !e &&
			  els_symset_format(set, pc, sym, sizeof(sym));
		els_error_destroy(e);
	}
	if (!has_sym)
		has_sym = els_cli_symbolize(cli, pc, sym, sizeof(sym));
	cli->vm = saved;
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "state", json_object_new_string("halted"));
		json_object_object_add(o, "cpu", json_object_new_int(cpu));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		json_object_object_add(o, "breakpoint",
				       bp ? json_object_new_int((int)bp->id) : NULL);
		json_object_object_add(o, "signal", json_object_new_int(stop->signal));
		if (watch)
			json_object_object_add(o, "data_address",
					       els_json_addr(stop->watch_addr));
		json_object_object_add(o, "pc", els_json_addr(pc));
		json_object_object_add(o, "symbol",
				       has_sym ? json_object_new_string(sym) : NULL);
		json_object_object_add(o, "el", json_object_new_int((int)el));
		if (has_task)
			task_json(o, &ct);
		els_cli_print_json(o);
		return NULL;
	}
	printf("CPU %d ", cpu);
	if (why && !strcmp(why, "interrupted"))
		printf("halted by Ctrl-C");
	else if (why)
		printf("halted in the context");
	else if (watch)
		printf("hit watchpoint %u, data 0x%016" PRIx64,
		       bp ? bp->id : 0, stop->watch_addr);
	else if (bp)
		printf("hit breakpoint %u", bp->id);
	else
		printf("stopped (signal %d)", stop->signal);
	printf(" at pc 0x%016" PRIx64, pc);
	if (has_sym)
		printf(" <%s>", sym);
	printf(", EL%u", el);
	if (has_task)
		printf(", pid %d tgid %d (%s)%s", (int)ct.pid, (int)ct.tgid,
		       ct.comm, ct.vm >= 0 ? " in its VM" : "");
	printf("\n");
	return NULL;
}

/*
 * Let the running target go until it stops in the context of what it
 * stopped at: hits outside it are stepped over and resumed. By the
 * deadline (ms, INT64_MAX: none): ELS_ERR_TIMEOUT, still running. Ctrl-C:
 * halted, ELS_ERR_INTERRUPTED (*interrupted set).
 */
static struct els_error *run_until_stop(struct els_cli *cli, int64_t deadline,
					bool *interrupted)
{
	struct els_target *t = cli->t;
	*interrupted = false;
	/* Stopped at a module load/unload before we looked: break_module.c. */
	struct els_error *merr = els_cli_module_event(cli);
	if (merr)
		return merr;
	while (t->running) {
		if (els_cli_interrupted) {
			/* The user's Ctrl-C: stop it now, as a debugger does. */
			struct els_error *err = els_target_halt(t, NULL);
			if (err)
				return els_error_wrap(err, "interrupted, and halting the target failed");
			t->halted_by_us = true;
			cli->stop_unreported = false;
			*interrupted = true;
			return els_error_create(ELS_ERR_INTERRUPTED,
						"interrupted");
		}
		int64_t left = deadline - els_now_ms();
		if (left <= 0)
			return els_error_create(ELS_ERR_TIMEOUT, "timeout");
		/* Short slices: a Ctrl-C is seen even if it missed the poll. */
		struct els_error *err =
			els_target_poll(t, left < 200 ? (int)left : 200);
		if (err)
			return err;
		if (!t->running) {
			els_cli_target_stopped(cli);
			/* A module load/unload: handled, resumed (break_module.c). */
			if ((err = els_cli_module_event(cli)))
				return err;
			if (t->running)
				continue;
			if (els_cli_bp_filtered_out(cli, &t->last_stop)) {
				/* Not its context: over the breakpoint and on. */
				cli->stop_unreported = false;
				if ((err = els_cli_step_over(cli)) ||
				    (err = els_target_resume(t)))
					return els_error_wrap(err, "resuming after a hit outside the breakpoint's context");
			}
		}
	}
	cli->stop_unreported = false;
	return NULL;
}

static struct els_error *parse_timeout(const char *text, double *ret)
{
	if (!els_parse_double(text, ret) || *ret <= 0 || *ret > 1e7)
		return els_error_create(ELS_ERR_USAGE,
					"--timeout: '%s' is not a number of seconds",
					text);
	return NULL;
}

static int64_t deadline_of(double timeout)
{
	return timeout > 0 ? els_now_ms() + (int64_t)(timeout * 1000)
			   : INT64_MAX;
}

struct els_error *els_cmd_wait(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "wait [--timeout S]";
	double timeout = -1;
	const char *timeout_text = NULL;
	struct els_error *err;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_text = argv[++i];
			if ((err = parse_timeout(timeout_text, &timeout)))
				return err;
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
	bool interrupted;
	err = run_until_stop(cli, deadline_of(timeout), &interrupted);
	if (interrupted && !cli->json)
		els_error_destroy(report_stop(cli, &t->last_stop,
					      "interrupted", false));
	if (err && err->code == ELS_ERR_TIMEOUT) {
		els_error_destroy(err);
		return els_error_create(ELS_ERR_TIMEOUT,
					"the target did not stop within %s s",
					timeout_text);
	}
	if (err)
		return err;
	return report_stop(cli, &t->last_stop, NULL, false);
}

/* ---- halt in a context ---- */

/*
 * Where a context that runs on no CPU now comes in. A process: the
 * kernel's finish_task_switch, which the scheduler runs on the CPU right
 * after switching to the next task, in that task's context (current,
 * SP_EL0, is already the new task; a new task gets there through
 * schedule_tail): the first instruction any task runs on a CPU after being
 * switched in, whatever it slept in, and it runs in the kernel, where
 * `current` reads from SP_EL0 in one register read. (A breakpoint on the
 * task's user return address would miss a task that wakes and sleeps again
 * inside the kernel, and needs its pt_regs read.) A VM alone: a vCPU
 * descheduled by Xen comes back either blocked-and-woken (by an interrupt)
 * or preempted (and the guest's timer tick, every 4 ms at HZ=250, comes
 * soon): irq_enter_rcu runs at the start of every interrupt in the guest.
 */
static struct els_error *entry_site(struct els_cli *cli, int vm, int32_t pid,
				    struct els_cli_bp *bp)
{
	static const char *const process_sites[] = {
		"finish_task_switch", "finish_task_switch.isra.0",
	};
	static const char *const vm_sites[] = { "irq_enter_rcu" };
	const char *const *sites = pid >= 0 ? process_sites : vm_sites;
	size_t n = pid >= 0 ? 2 : 1;
	struct els_error *err = NULL;
	for (size_t i = 0; i < n; i++) {
		struct els_symbol sy;
		struct els_symtab *st;
		els_error_destroy(err);
		if (vm >= 0) {
			struct els_cli_guest *g;
			if ((err = els_cli_guest_syms(cli, (unsigned)vm, -1, &g)))
				return err;
			err = els_symset_lookup_name(g->set, sites[i], &sy, &st);
			if (!err)
				bp->addr = sy.addr;
		} else {
			err = resolve(cli, sites[i], &bp->addr);
		}
		if (!err) {
			snprintf(bp->symbol, sizeof(bp->symbol), "%s", sites[i]);
			return NULL;
		}
	}
	return els_error_wrap(err, "where a task is switched in");
}

static void forget_temp(struct els_cli *cli)
{
	for (size_t i = 0; i < cli->nbps; i++) {
		if (cli->bps[i].id)
			continue;
		struct els_error *err = delete_at(cli, i);
		if (err) {
			els_log(ELS_LOG_WARN, "halt: removing its breakpoint: %s",
				err->message);
			els_error_destroy(err);
		}
		return;
	}
}

struct els_error *els_cli_halt_in(struct els_cli *cli, int vm, int32_t pid,
				  double timeout)
{
	struct els_target *t = cli->t;
	struct els_error *err;
	if ((err = need_run(cli, "run control")))
		return err;
	if (vm >= 0 && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"--vm needs the hypervisor's symbols: give --xen XEN_SYMS");
	bool was_running = t->running;
	if ((err = els_target_halt(t, NULL)))
		return err;
	int cpu;
	err = els_cli_context_cpu(cli, vm, pid, &cpu);
	if (!err) {
		t->keep_halted = true;
		t->halted_by_us = false;
		struct els_stop stop = t->last_stop;
		stop.cpu = cpu;
		stop.reason = ELS_STOP_SIGNAL;
		return report_stop(cli, &stop, "context", true);
	}
	if (err->code != ELS_ERR_NOT_FOUND)
		goto fail;
	/* Not running now: until it next comes onto a CPU. */
	els_error_destroy(err);
	struct els_cli_bp bp = { .id = 0, .kind = ELS_BP_SW, .len = 4,
				 .vm = vm, .el = -1, .pid = pid };
	if ((err = entry_site(cli, vm, pid, &bp)))
		goto fail;
	learn_context(cli, &bp);
	if ((err = add(cli, &bp)))
		goto fail;
	els_log(ELS_LOG_INFO, "halt: not running now; waiting at %s",
		bp.symbol);
	bool interrupted = false;
	if (!(err = els_cli_step_over(cli)) && !(err = els_target_resume(t)))
		err = run_until_stop(cli, deadline_of(timeout), &interrupted);
	if (err && err->code == ELS_ERR_TIMEOUT) {
		els_error_destroy(err);
		struct els_error *e = els_target_halt(t, NULL);
		if (e)
			return els_error_wrap(e, "halting to remove halt's breakpoint");
		forget_temp(cli);
		if (was_running)
			els_error_destroy(els_target_resume(t));
		return els_error_create(ELS_ERR_TIMEOUT,
					"it did not run within %g s", timeout);
	}
	if (t->running) /* an error while running: look no further */
		return err;
	forget_temp(cli);
	if (err) {
		if (interrupted && !cli->json)
			els_error_destroy(report_stop(cli, &t->last_stop,
						      "interrupted", true));
		return err;
	}
	t->keep_halted = true;
	t->halted_by_us = false;
	cli->stop_unreported = false;
	/* A user's breakpoint in its own context may have come first. */
	uint64_t pc = 0;
	els_error_destroy(els_target_read_reg_u64(t, t->last_stop.cpu >= 0
							  ? t->last_stop.cpu
							  : cli->cpu,
						  "pc", &pc));
	bool ours = pc == bp.addr;
	return report_stop(cli, &t->last_stop, ours ? "context" : NULL, true);
fail:
	if (was_running && !t->running)
		els_error_destroy(els_target_resume(t));
	return err;
}
