/* SPDX-License-Identifier: MIT */
/*
 * Breakpoints on module code that outlive the module, and breakpoints on a
 * guest's virtual addresses checked where they land.
 *
 * A module breakpoint names MODULE:FUNC (or a name that only a module has).
 * While the module is not loaded it is pending: listed, nothing in the
 * target. To see loads and unloads while the target runs, elscope keeps
 * internal breakpoints on the kernel's module code, hit silently during
 * `wait` (els_cli_module_event):
 *
 *  - do_init_module(mod), at its entry. load_module calls it last, once the
 *    module is formed: its sections placed and its text written and made
 *    read-only (complete_formation, state COMING), the notifier chain told
 *    (prepare_coming_module), its sysfs made (mod_sysfs_setup: sect_attrs,
 *    which mod.c reads to place the .ko's sections). Its init function has
 *    not run yet: do_init_module calls it. The kernel keeps this function
 *    noinline for debuggers. The notifier call in prepare_coming_module
 *    comes before mod_sysfs_setup, so sect_attrs would not exist there yet
 *    (in-memory kallsyms only).
 *  - free_module(mod), at its entry: every unload (delete_module after the
 *    module's exit) and a failed init come through it, while the module's
 *    memory is still there.
 *  - while a module's init code (init_layout, freed after init) has
 *    breakpoints: where do_init_module returns to (x30 at its entry); they
 *    are lifted and pending again there.
 *
 * At a load of a module with pending breakpoints, the modules' symbols are
 * loaded (mod.c: from the .ko under --sysroot with every section placed, or
 * the module's in-memory kallsyms) and each breakpoint placed where its
 * function now is; at an unload they are removed from the target (no
 * breakpoint stays at an address the module no longer holds) and pending
 * again, and the module's symbols are dropped. The hooks go away with the
 * last module breakpoint.
 *
 * Guest VAs (break --vm N ADDR|NAME): the address is translated through the
 * VM's stage 1 and stage 2 (its own context, els_cli_guest_ctx) before the
 * breakpoint is set; an unmapped one is an error naming the stage, a mapped
 * one says its IPA and PA.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/time.h"
#include "os/linux/modname.h"

/* ---- the hooks ---- */

static size_t module_bps(const struct els_cli *cli)
{
	size_t n = 0;
	for (size_t i = 0; i < cli->nbps; i++)
		n += cli->bps[i].module[0] != '\0';
	return n;
}

static struct els_error *watch_modules(struct els_cli *cli)
{
	if (cli->modwatch.load)
		return NULL;
	struct els_symbol load, unload;
	struct els_error *err;
	if ((err = els_symtab_lookup_name(cli->vmlinux, "do_init_module",
					  &load)) ||
	    (err = els_symtab_lookup_name(cli->vmlinux, "free_module",
					  &unload)))
		return els_error_wrap(err, "module loads cannot be watched");
	if ((err = els_target_insert_bp(cli->t, ELS_BP_SW, load.addr, 4)))
		return els_error_wrap(err, "watching module loads at do_init_module (0x%" PRIx64 ")",
				      load.addr);
	if ((err = els_target_insert_bp(cli->t, ELS_BP_SW, unload.addr, 4))) {
		els_error_destroy(els_target_remove_bp(cli->t, ELS_BP_SW,
						       load.addr, 4));
		return els_error_wrap(err, "watching module unloads at free_module (0x%" PRIx64 ")",
				      unload.addr);
	}
	cli->modwatch.load = load.addr;
	cli->modwatch.unload = unload.addr;
	els_debug("module loads watched at 0x%" PRIx64 ", unloads at 0x%" PRIx64,
		  load.addr, unload.addr);
	return NULL;
}

/* Take one hook out of the target; *addr becomes 0. */
static struct els_error *unhook(struct els_cli *cli, uint64_t *addr)
{
	if (!*addr)
		return NULL;
	struct els_error *err = els_target_remove_bp(cli->t, ELS_BP_SW, *addr, 4);
	*addr = 0;
	return err;
}

static void unwatch_modules(struct els_cli *cli)
{
	struct els_error *err[3] = { unhook(cli, &cli->modwatch.load),
				     unhook(cli, &cli->modwatch.unload),
				     unhook(cli, &cli->modwatch.init_ret) };
	for (size_t i = 0; i < 3; i++) {
		if (err[i])
			els_warn("removing a module hook: %s", err[i]->message);
		els_error_destroy(err[i]);
	}
}

/* ---- placing and lifting ---- */

static struct els_error *place(struct els_cli *cli, struct els_cli_bp *bp)
{
	char key[ELS_LINUX_MODNAME_MAX + sizeof(bp->func) + 1];
	snprintf(key, sizeof(key), "%s:%s", bp->module, bp->func);
	struct els_symbol s;
	struct els_symtab *st;
	struct els_error *err = els_symset_lookup_name(cli->kernel, key, &s,
						       &st);
	if (err)
		return err;
	if (s.addr & 3)
		return els_error_create(ELS_ERR_INVALID,
					"%s is at 0x%" PRIx64 ", not an instruction's address",
					key, s.addr);
	if ((err = els_target_insert_bp(cli->t, bp->kind, s.addr, 4)))
		return els_error_wrap(err, "%s at 0x%" PRIx64, key, s.addr);
	bp->addr = s.addr;
	bp->pending = false;
	int saved = cli->vm;
	cli->vm = -1;
	if (!els_cli_symbolize(cli, s.addr, bp->symbol, sizeof(bp->symbol)))
		snprintf(bp->symbol, sizeof(bp->symbol), "%s", bp->func);
	cli->vm = saved;
	return NULL;
}

/* Out of the target, pending again. */
static void lift(struct els_cli *cli, struct els_cli_bp *bp)
{
	if (bp->pending)
		return;
	struct els_error *err = els_target_remove_bp(cli->t, bp->kind,
						     bp->addr, 4);
	if (err)
		els_warn("breakpoint %u (%s:%s at 0x%" PRIx64 "): %s", bp->id,
			 bp->module, bp->func, bp->addr, err->message);
	els_error_destroy(err);
	bp->pending = true;
	bp->addr = 0;
	bp->symbol[0] = '\0';
}

/* ---- at a hook ---- */

static struct els_error *module_name(struct els_cli *cli, int cpu,
				     struct els_linux **lx, uint64_t *mod,
				     char *name, size_t size)
{
	struct els_type_member m;
	struct els_error *err;
	if ((err = els_target_read_reg_u64(cli->t, cpu, "x0", mod)) ||
	    (err = els_cli_linux(cli, lx)) ||
	    (err = els_linux_member(*lx, "module", "name", &m)))
		return err;
	if (m.size + 1 < size)
		size = (size_t)m.size + 1;
	if ((err = els_linux_read_str(*lx, *mod + m.offset, name, size)))
		return els_error_wrap(err, "the name of struct module at 0x%" PRIx64,
				      *mod);
	return NULL;
}

/*
 * The module's init text, [lo, hi): 6.1's init_layout; later kernels'
 * mem[] is not read (their init breakpoints stay placed).
 */
static struct els_error *init_text(struct els_linux *lx, uint64_t mod,
				   uint64_t *lo, uint64_t *hi)
{
	struct els_type_member base, size;
	struct els_error *err;
	if ((err = els_linux_member(lx, "module", "init_layout.base", &base)) ||
	    (err = els_linux_member(lx, "module", "init_layout.size", &size)))
		return err;
	uint64_t start = base.offset < size.offset ? base.offset : size.offset;
	uint64_t end = base.offset + base.size > size.offset + size.size
			       ? base.offset + base.size
			       : size.offset + size.size;
	uint8_t buf[64];
	if (end - start > sizeof(buf))
		return els_error_create(ELS_ERR_INVALID,
					"struct module's init_layout spans %" PRIu64 " bytes",
					end - start);
	uint64_t b, s;
	if ((err = els_linux_read(lx, mod + start, buf, end - start)) ||
	    (err = els_linux_get(&base, buf, end - start, start, &b)) ||
	    (err = els_linux_get(&size, buf, end - start, start, &s)))
		return err;
	*lo = b;
	*hi = b + s;
	return NULL;
}

static void on_load(struct els_cli *cli, int cpu, char *name, size_t size)
{
	struct els_linux *lx;
	uint64_t mod;
	struct els_error *err = module_name(cli, cpu, &lx, &mod, name, size);
	if (err) {
		els_warn("a module loads, but which: %s", err->message);
		els_error_destroy(err);
		return;
	}
	bool any = false;
	for (size_t i = 0; i < cli->nbps; i++)
		any |= cli->bps[i].pending && !strcmp(cli->bps[i].module, name);
	if (!any)
		return;
	if ((err = els_cli_load_module(cli, name))) {
		els_warn("module %s loads: its symbols: %s", name, err->message);
		els_error_destroy(err);
	}
	size_t placed = 0;
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *bp = &cli->bps[i];
		if (!bp->pending || strcmp(bp->module, name))
			continue;
		if ((err = place(cli, bp))) {
			els_warn("breakpoint %u stays pending: %s", bp->id,
				 err->message);
			els_error_destroy(err);
			continue;
		}
		placed++;
		els_info("breakpoint %u placed at 0x%" PRIx64 " <%s> (module %s loads)",
			 bp->id, bp->addr, bp->symbol, name);
	}
	if (!placed || cli->modwatch.init_ret)
		return;
	/* Breakpoints in its init text come out when init is over. */
	uint64_t lo = 0, hi = 0, ret = 0;
	if ((err = init_text(lx, mod, &lo, &hi)) ||
	    (err = els_target_read_reg_u64(cli->t, cpu, "x30", &ret))) {
		els_debug("module %s's init text: %s", name, err->message);
		els_error_destroy(err);
		return;
	}
	bool in_init = false;
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *bp = &cli->bps[i];
		in_init |= !bp->pending && !strcmp(bp->module, name) &&
			   bp->addr >= lo && bp->addr < hi;
	}
	if (!in_init)
		return;
	if ((err = els_target_insert_bp(cli->t, ELS_BP_SW, ret, 4))) {
		els_warn("module %s: its init breakpoints will not be lifted after init: %s",
			 name, err->message);
		els_error_destroy(err);
		return;
	}
	cli->modwatch.init_ret = ret;
	cli->modwatch.init_lo = lo;
	cli->modwatch.init_hi = hi;
	snprintf(cli->modwatch.init_module, sizeof(cli->modwatch.init_module),
		 "%s", name);
}

static void on_unload(struct els_cli *cli, int cpu, char *name, size_t size)
{
	struct els_linux *lx;
	uint64_t mod;
	struct els_error *err = module_name(cli, cpu, &lx, &mod, name, size);
	if (err) {
		els_warn("a module unloads, but which: %s", err->message);
		els_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *bp = &cli->bps[i];
		if (!strcmp(bp->module, name) && !bp->pending) {
			lift(cli, bp);
			els_info("breakpoint %u pending again (module %s unloads)",
				 bp->id, name);
		}
	}
	/* Its symbols would name addresses it no longer holds. */
	struct els_symset *set = cli->kernel;
	if (set)
		els_symset_remove(set, name);
	if (cli->modwatch.init_ret &&
	    !strcmp(cli->modwatch.init_module, name)) {
		err = unhook(cli, &cli->modwatch.init_ret);
		els_error_destroy(err);
	}
}

static void on_init_done(struct els_cli *cli, char *name, size_t size)
{
	snprintf(name, size, "%s", cli->modwatch.init_module);
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *bp = &cli->bps[i];
		if (!bp->pending && !strcmp(bp->module, name) &&
		    bp->addr >= cli->modwatch.init_lo &&
		    bp->addr < cli->modwatch.init_hi)
			lift(cli, bp);
	}
	struct els_error *err = unhook(cli, &cli->modwatch.init_ret);
	if (err)
		els_warn("removing the hook after module %s's init: %s", name,
			 err->message);
	els_error_destroy(err);
}

struct els_error *els_cli_module_event(struct els_cli *cli)
{
	struct els_target *t = cli->t;
	if (!cli->modwatch.load || t->running || !t->has_last_stop ||
	    !cli->stop_unreported)
		return NULL;
	int cpu = t->last_stop.cpu >= 0 ? t->last_stop.cpu : cli->cpu;
	uint64_t pc;
	struct els_error *err = els_target_read_reg_u64(t, cpu, "pc", &pc);
	if (err) {
		els_error_destroy(err); /* the stop is reported as it is */
		return NULL;
	}
	const char *what;
	uint64_t rt0 = t->stats.round_trips;
	int64_t ms0 = els_now_ms();
	char name[ELS_LINUX_MODNAME_MAX] = "?";
	if (pc == cli->modwatch.load) {
		what = "load";
		on_load(cli, cpu, name, sizeof(name));
	} else if (pc == cli->modwatch.unload) {
		what = "unload";
		on_unload(cli, cpu, name, sizeof(name));
	} else if (cli->modwatch.init_ret && pc == cli->modwatch.init_ret) {
		what = "init done";
		on_init_done(cli, name, sizeof(name));
	} else {
		return NULL;
	}
	cli->modwatch.events++;
	cli->stop_unreported = false;
	/* The user's own breakpoint at the same place: theirs to see. */
	for (size_t i = 0; i < cli->nbps; i++) {
		if (cli->bps[i].id && !cli->bps[i].pending &&
		    cli->bps[i].addr == pc) {
			cli->stop_unreported = true;
			return NULL;
		}
	}
	if (!module_bps(cli))
		unwatch_modules(cli);
	if ((err = els_cli_step_over(cli)) || (err = els_target_resume(t)))
		return els_error_wrap(err, "resuming after module %s's %s",
				      name, what);
	if (cli->stats) {
		fflush(stdout);
		fprintf(stderr,
			"stats: module %s %s (hidden stop): %" PRIu64
			" round trips, %" PRId64 " ms\n",
			name, what, t->stats.round_trips - rt0,
			els_now_ms() - ms0);
	}
	return NULL;
}

/* ---- break's words ---- */

struct ko_hit {
	char module[ELS_LINUX_MODNAME_MAX];
	const char *path;
};

/*
 * The .ko files under --sysroot that define name, modules loaded now left
 * out (their symbols are in the set). At most max hits, *n all of them.
 */
static struct els_error *scan_kos(struct els_cli *cli, const char *only,
				  const char *name, struct ko_hit *hits,
				  size_t max, size_t *n, bool *ko_found)
{
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	*n = 0;
	*ko_found = false;
	const char *mod, *path;
	for (size_t i = 0; els_cli_ko_file(cli, lx->release, i, &mod, &path);
	     i++) {
		if (only ? strcmp(mod, only) != 0
			 : els_symset_image(cli->kernel, mod) != NULL)
			continue;
		*ko_found = true;
		struct els_symtab *st;
		if ((err = els_symtab_open(path, &st))) {
			els_debug("%s", err->message);
			els_error_destroy(err);
			continue;
		}
		/* Names of a .ko are found once its sections are placed. */
		static const char *const texts[] = { ".text", ".init.text",
						     ".exit.text",
						     ".text.unlikely" };
		for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
			els_error_destroy(els_symtab_place_section(
				st, texts[k], (k + 1) << 32));
		struct els_symbol s;
		err = els_symtab_lookup_name(st, name, &s);
		els_symtab_destroy(st);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		if (*n < max) {
			snprintf(hits[*n].module, sizeof(hits[*n].module), "%s",
				 mod);
			hits[*n].path = path;
		}
		(*n)++;
		if (only)
			break;
		if (els_cli_interrupted)
			return els_error_create(ELS_ERR_INTERRUPTED, "interrupted");
	}
	return NULL;
}

static struct json_object *module_json(const struct els_cli_bp *bp,
				       const char *ko)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int((int)bp->id));
	json_object_object_add(o, "address",
			       bp->pending ? NULL : els_json_addr(bp->addr));
	json_object_object_add(o, "symbol", json_object_new_string(
						    bp->pending ? bp->func
								: bp->symbol));
	json_object_object_add(o, "kind", json_object_new_string(
						  bp->kind == ELS_BP_HW ? "hw" : "sw"));
	json_object_object_add(o, "vm", NULL);
	json_object_object_add(o, "el", bp->el >= 0 ? json_object_new_int(bp->el) : NULL);
	json_object_object_add(o, "pid", bp->pid >= 0 ? json_object_new_int(bp->pid) : NULL);
	json_object_object_add(o, "module", json_object_new_string(bp->module));
	json_object_object_add(o, "function", json_object_new_string(bp->func));
	json_object_object_add(o, "pending", json_object_new_boolean(bp->pending));
	json_object_object_add(o, "ko", ko ? json_object_new_string(ko) : NULL);
	return o;
}

static struct els_error *set_module_bp(struct els_cli *cli, const char *module,
				       const char *func, bool loaded,
				       const char *ko, bool hw,
				       const struct els_cli_bp *filters)
{
	for (size_t i = 0; i < cli->nbps; i++) {
		struct els_cli_bp *o = &cli->bps[i];
		if (!strcmp(o->module, module) && !strcmp(o->func, func) &&
		    o->kind == (hw ? ELS_BP_HW : ELS_BP_SW))
			return els_error_create(ELS_ERR_USAGE,
						"breakpoint %u is already on %s:%s",
						o->id, module, func);
	}
	if (cli->nbps == ELS_CLI_MAX_BPS)
		return els_error_create(ELS_ERR_USAGE,
					"%d breakpoints are set, the most elscope keeps: delete some",
					ELS_CLI_MAX_BPS);
	if (strlen(func) >= sizeof(cli->bps[0].func))
		return els_error_create(ELS_ERR_USAGE, "'%s': too long a name",
					func);
	struct els_error *err = watch_modules(cli);
	if (err)
		return err;
	struct els_cli_bp *bp = &cli->bps[cli->nbps];
	*bp = *filters; /* --el, --pid as break.c read them */
	bp->id = cli->last_bp_id + 1;
	bp->kind = hw ? ELS_BP_HW : ELS_BP_SW;
	bp->addr = 0;
	bp->len = 4;
	bp->symbol[0] = '\0';
	bp->hits = bp->silent = 0;
	bp->pending = true;
	bp->landed = false;
	snprintf(bp->module, sizeof(bp->module), "%s", module);
	snprintf(bp->func, sizeof(bp->func), "%s", func);
	if (loaded && (err = place(cli, bp))) {
		if (!module_bps(cli))
			unwatch_modules(cli);
		return err;
	}
	cli->nbps++;
	cli->last_bp_id++;
	if (cli->json) {
		els_cli_print_json(module_json(bp, ko));
		return NULL;
	}
	if (bp->pending)
		printf("breakpoint %u pending on %s:%s (module %s is not loaded; placed when it loads)%s%s\n",
		       bp->id, module, func, module, ko ? ", in " : "",
		       ko ? ko : "");
	else
		printf("breakpoint %u at 0x%016" PRIx64 " <%s> in module %s\n",
		       bp->id, bp->addr, bp->symbol, module);
	return NULL;
}

/* Whether image 0 of the kernel's set (vmlinux) or xen-syms has name. */
static bool outside_modules(struct els_cli *cli, const char *name)
{
	struct els_symbol s;
	struct els_error *err;
	if (cli->xen) {
		err = els_symtab_lookup_name(cli->xen, name, &s);
		els_error_destroy(err);
		if (!err)
			return true;
	}
	err = els_symtab_lookup_name(cli->vmlinux, name, &s);
	els_error_destroy(err);
	return !err;
}

static struct els_error *break_module(struct els_cli *cli, const char *what,
				      bool hw, const struct els_cli_bp *filters,
				      bool *done)
{
	char module[ELS_LINUX_MODNAME_MAX];
	const char *func = what;
	bool qualified = els_linux_modsym_split(what, module, sizeof(module),
						&func);
	if (qualified && (!strcmp(module, "xen") || !strcmp(module, "vmlinux")))
		return NULL;
	if (!qualified && strchr(what, ':'))
		return NULL;
	struct els_error *err = els_cli_kernel_syms(cli);
	if (err) {
		/* break.c says why the kernel's names cannot be used. */
		els_error_destroy(err);
		return NULL;
	}
	if (!qualified && outside_modules(cli, what))
		return NULL;
	bool load = els_symset_count(cli->kernel) == 1 ||
		    (qualified && !els_symset_image(cli->kernel, module));
	if (load && (err = els_cli_load_modules(cli))) {
		els_debug("break: module symbols: %s", err->message);
		els_error_destroy(err);
	}
	struct els_symbol s;
	if (qualified) {
		struct els_symtab *st = els_symset_image(cli->kernel, module);
		if (st) {
			if ((err = els_symtab_lookup_name(st, func, &s)))
				return els_error_wrap(err, "module %s", module);
			*done = true;
			return set_module_bp(cli, module, func, true, NULL, hw, filters);
		}
		struct ko_hit hit;
		size_t n = 0;
		bool ko_found = false;
		if (cli->sysroot &&
		    (err = scan_kos(cli, module, func, &hit, 1, &n, &ko_found)))
			return err;
		if (ko_found && !n)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"module %s is not loaded, and its .ko under %s has no symbol '%s'",
						module, cli->sysroot, func);
		if (cli->sysroot && !ko_found)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"the machine's kernel has no image '%s': no such module is loaded, and there is no %s.ko under %s",
						module, module, cli->sysroot);
		if (!ko_found)
			els_info("module %s is not loaded and there is no --sysroot to look for its .ko: the breakpoint is pending on a name not checked",
				 module);
		*done = true;
		return set_module_bp(cli, module, func, false,
				     n ? hit.path : NULL, hw, filters);
	}
	/* A bare name: in exactly one loaded module, or one .ko. */
	const char *label = NULL;
	size_t in = 0, count = els_symset_count(cli->kernel);
	for (size_t i = 1; i < count; i++) {
		const char *l;
		struct els_symtab *st = els_symset_at(cli->kernel, i, &l);
		err = els_symtab_lookup_name(st, what, &s);
		els_error_destroy(err);
		if (!err) {
			label = l;
			in++;
		}
	}
	if (in == 1) {
		*done = true;
		return set_module_bp(cli, label, what, true, NULL, hw, filters);
	}
	if (in > 1 || !cli->sysroot)
		return NULL; /* ambiguous, or nowhere: break.c says so */
	struct ko_hit hits[4];
	size_t n = 0;
	bool ko_found;
	if ((err = scan_kos(cli, NULL, what, hits, 4, &n, &ko_found)))
		return err;
	if (!n)
		return NULL;
	if (n > 1) {
		char list[256] = "";
		size_t len = 0;
		for (size_t i = 0; i < n && i < 4 && len < sizeof(list); i++) {
			int k = snprintf(list + len, sizeof(list) - len, "%s%s:%s",
					 i ? ", " : "", hits[i].module, what);
			if (k < 0)
				break;
			len += (size_t)k;
		}
		return els_error_create(ELS_ERR_USAGE,
					"'%s' is in %zu modules not loaded; say which: %s%s",
					what, n, list, n > 4 ? ", ..." : "");
	}
	*done = true;
	return set_module_bp(cli, hits[0].module, what, false, hits[0].path,
			     hw, filters);
}

struct els_error *els_cli_break_module(struct els_cli *cli, const char *what,
				       bool hw, const struct els_cli_bp *filters,
				       bool *done)
{
	*done = false;
	uint64_t addr;
	/* A guest's modules: not yet (names in its kernel go to break.c). */
	if (!what || !cli->t->can_run || filters->vm >= 0 || !cli->vmlinux ||
	    els_parse_u64(what, &addr))
		return NULL;
	return break_module(cli, what, hw, filters, done);
}

/* ---- guest VAs ---- */

struct els_error *els_cli_break_landing(struct els_cli *cli,
					struct els_cli_bp *bp)
{
	bp->landed = false;
	/* Kernel code (TTBR1): a process's VA is only its own (--pid). */
	if (bp->vm < 0 || bp->pid >= 0 || !(bp->addr >> 63) ||
	    (bp->kind != ELS_BP_SW && bp->kind != ELS_BP_HW))
		return NULL;
	struct els_xlat_ctx ctx;
	uint64_t vbar;
	char how[64];
	struct els_error *err = els_cli_guest_ctx(cli, (unsigned)bp->vm, &ctx,
						  &vbar, how, sizeof(how));
	if (err)
		return err;
	struct els_xlat_result r;
	if ((err = els_xlat_va(&ctx, bp->addr, &r)))
		return els_error_wrap(err, "0x%" PRIx64 " in VM %d (through %s)",
				      bp->addr, bp->vm, how);
	if (!r.mapped)
		return els_error_create(ELS_ERR_NOT_MAPPED,
					"0x%" PRIx64 " is not mapped in VM %d: no %s translation (through %s)",
					bp->addr, bp->vm,
					r.fault ? r.fault : "stage 1", how);
	if (!r.has_stage2)
		return els_error_create(ELS_ERR_STATE,
					"VM %d's context (through %s) has no stage 2: is it a guest?",
					bp->vm, how);
	bp->ipa = r.ipa;
	bp->pa = r.pa;
	bp->landed = true;
	return NULL;
}

/* ---- break's list ---- */

void els_cli_bp_json_more(const struct els_cli_bp *bp, struct json_object *o)
{
	if (bp->landed) {
		json_object_object_add(o, "ipa", els_json_addr(bp->ipa));
		json_object_object_add(o, "pa", els_json_addr(bp->pa));
	}
	if (!bp->module[0])
		return;
	if (bp->pending) {
		json_object_object_add(o, "address", NULL);
		json_object_object_add(o, "symbol",
				       json_object_new_string(bp->func));
	}
	json_object_object_add(o, "module", json_object_new_string(bp->module));
	json_object_object_add(o, "pending", json_object_new_boolean(bp->pending));
}

void els_cli_bp_text_more(const struct els_cli_bp *bp)
{
	if (bp->landed)
		printf(", lands at IPA 0x%" PRIx64 ", PA 0x%" PRIx64, bp->ipa,
		       bp->pa);
	if (!bp->module[0])
		return;
	if (bp->pending)
		printf(" pending on %s:%s (not loaded)", bp->module, bp->func);
	else
		printf(" in module %s", bp->module);
}
