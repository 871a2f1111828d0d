/* SPDX-License-Identifier: MIT */
/* sym: addresses to symbols and source lines, names to addresses. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "debuginfo/kaslr.h"

/* Not an answer about the slide: ask again next time. */
static bool transient(const struct els_error *err)
{
	return err->code == ELS_ERR_INTERRUPTED || err->code == ELS_ERR_CLOSED ||
	       err->code == ELS_ERR_TIMEOUT;
}

/* A copy of a kept error for the caller to own (NULL: none). */
static struct els_error *copy_of(const struct els_error *kept)
{
	return kept ? els_error_create(kept->code, "%s", kept->message) : NULL;
}

struct els_error *els_cli_kernel_syms(struct els_cli *cli)
{
	if (!cli->vmlinux)
		return NULL;
	if (cli->kaslr_done)
		return copy_of(cli->kaslr_err);
	const char *koff = !strcmp(cli->t->ops->kind, "core")
				   ? els_elfcore_vmcoreinfo(cli->t, "KERNELOFFSET")
				   : NULL;
	if (koff) {
		/* A dump's kernel says its own slide. */
		char *end;
		uint64_t slide = strtoull(koff, &end, 16);
		cli->kaslr_done = true;
		if (*end || !*koff) {
			cli->kaslr_err = els_error_create(
				ELS_ERR_INVALID,
				"the dump's VMCOREINFO KERNELOFFSET '%s' is not a number",
				koff);
			return copy_of(cli->kaslr_err);
		}
		els_symtab_set_bias(cli->vmlinux, slide);
		return NULL;
	}
	if (!cli->t->cpus.len) {
		/* Nothing to read a vector base from: take it as linked. */
		cli->kaslr_done = true;
		els_log(ELS_LOG_WARN,
			"a %s target has no CPUs to find the KASLR slide from: %s is taken as linked",
			cli->t->ops->kind, els_symtab_path(cli->vmlinux));
		return NULL;
	}
	uint64_t slide;
	struct els_error *err =
		els_kaslr_find_slide(cli->t, cli->vmlinux, &slide);
	if (err && transient(err))
		return err;
	cli->kaslr_done = true;
	if (err) {
		cli->kaslr_err = err;
		return copy_of(err);
	}
	els_symtab_set_bias(cli->vmlinux, slide);
	els_log(ELS_LOG_INFO, "KASLR slide 0x%" PRIx64, slide);
	return NULL;
}

struct els_error *els_cli_open_symbols(struct els_cli *cli, const char *vmlinux,
				       const char *xen, char *const *guests,
				       size_t nguests)
{
	struct els_error *err;
	if (vmlinux) {
		if ((err = els_symtab_open(vmlinux, &cli->vmlinux)))
			return els_error_wrap(err, "--vmlinux");
		if ((err = els_symset_create("the machine's kernel",
					     &cli->kernel)) ||
		    (err = els_symset_add(cli->kernel, "vmlinux", cli->vmlinux,
					  false)))
			return err;
	}
	if (xen && (err = els_symtab_open(xen, &cli->xen)))
		return els_error_wrap(err, "--xen");
	if (!nguests)
		return NULL;
	cli->guests = calloc(nguests, sizeof(*cli->guests));
	if (!cli->guests)
		return &els_enomem;
	for (size_t i = 0; i < nguests; i++) {
		const char *eq = strchr(guests[i], '=');
		uint64_t id;
		char idtext[24];
		size_t idlen = eq ? (size_t)(eq - guests[i]) : 0;
		if (!eq || !idlen || idlen >= sizeof(idtext) || !eq[1])
			return els_error_create(ELS_ERR_USAGE,
						"--guest: '%s' is not ID=FILE",
						guests[i]);
		memcpy(idtext, guests[i], idlen);
		idtext[idlen] = '\0';
		if (!els_parse_u64(idtext, &id) || id > 0x7fef)
			return els_error_create(ELS_ERR_USAGE,
						"--guest: '%s' is not a VM id (0-32751)",
						idtext);
		for (size_t j = 0; j < cli->nguests; j++) {
			if (cli->guests[j].id == id)
				return els_error_create(ELS_ERR_USAGE,
							"--guest: VM %s given twice",
							idtext);
		}
		struct els_cli_guest *g = &cli->guests[cli->nguests++];
		g->id = (unsigned)id;
		g->kaslr_cpu = -1;
		char name[48];
		snprintf(name, sizeof(name), "the kernel of VM %u", g->id);
		if ((err = els_symtab_open(eq + 1, &g->vmlinux)))
			return els_error_wrap(err, "--guest %s", idtext);
		if ((err = els_symset_create(name, &g->set)) ||
		    (err = els_symset_add(g->set, "vmlinux", g->vmlinux, false)))
			return err;
	}
	return NULL;
}

void els_cli_close_symbols(struct els_cli *cli)
{
	els_cli_close_hv(cli); /* guest kernels use the files below */
	for (size_t i = 0; i < cli->nprocs; i++)
		els_symset_destroy(cli->procs[i].set);
	free(cli->procs);
	cli->procs = NULL;
	cli->nprocs = 0;
	els_linux_destroy(cli->linux_k);
	cli->linux_k = NULL;
	els_types_destroy(cli->types);
	cli->types = NULL;
	els_symset_destroy(cli->kernel);
	els_symtab_destroy(cli->vmlinux);
	els_symtab_destroy(cli->xen);
	els_error_destroy(cli->kaslr_err);
	for (size_t i = 0; i < cli->nguests; i++) {
		struct els_cli_guest *g = &cli->guests[i];
		els_symset_destroy(g->set);
		els_symtab_destroy(g->vmlinux);
		els_error_destroy(g->kaslr_err);
	}
	free(cli->guests);
	cli->kernel = NULL;
	cli->vmlinux = cli->xen = NULL;
	cli->kaslr_err = NULL;
	cli->guests = NULL;
	cli->nguests = 0;
}

struct els_error *els_cli_guest_syms(struct els_cli *cli, unsigned vm, int cpu,
				     struct els_cli_guest **ret)
{
	struct els_cli_guest *g = NULL;
	for (size_t i = 0; i < cli->nguests; i++) {
		if (cli->guests[i].id == vm)
			g = &cli->guests[i];
	}
	if (!g)
		return els_error_create(ELS_ERR_USAGE,
					"no kernel for VM %u: give --guest %u=VMLINUX",
					vm, vm);
	*ret = g;
	if (g->kaslr_done && (cpu < 0 || cpu == g->kaslr_cpu))
		return copy_of(g->kaslr_err);
	if (cpu >= (int)cli->t->cpus.len)
		return els_error_create(ELS_ERR_USAGE, "no CPU %d (the target has %zu)",
					cpu, cli->t->cpus.len);
	uint64_t slide;
	struct els_error *err;
	/* Without a CPU: the VM's own context, from the hypervisor (--xen). */
	if (cpu < 0 && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"VM %u: which CPU runs it is not known without the hypervisor's symbols: give --xen XEN_SYMS, or --cpu N naming a CPU that runs it or last ran it",
					vm);
	if (cpu < 0)
		err = els_cli_guest_slide(cli, vm, g->vmlinux, &slide);
	else
		err = els_kaslr_find_slide_on(cli->t, g->vmlinux, cpu,
					      ELS_XLAT_EL10, &slide);
	if (err && transient(err))
		return err;
	els_error_destroy(g->kaslr_err);
	g->kaslr_err = NULL;
	g->kaslr_done = true;
	g->kaslr_cpu = cpu;
	if (err) {
		g->kaslr_err = cpu < 0 ? err
				       : els_error_wrap(err, "VM %u on CPU %d", vm, cpu);
		return copy_of(g->kaslr_err);
	}
	els_symtab_set_bias(g->vmlinux, slide);
	if (cpu >= 0)
		els_log(ELS_LOG_INFO, "VM %u: KASLR slide 0x%" PRIx64 " (CPU %d)",
			vm, slide, cpu);
	return NULL;
}

struct els_symset *els_cli_kernel_set(struct els_cli *cli)
{
	if (cli->vm >= 0) {
		for (size_t i = 0; i < cli->nguests; i++) {
			struct els_cli_guest *g = &cli->guests[i];
			if (g->id == (unsigned)cli->vm)
				return g->kaslr_done && !g->kaslr_err ? g->set
								      : NULL;
		}
		return NULL;
	}
	return cli->kaslr_err ? NULL : cli->kernel;
}

bool els_cli_symbolize(struct els_cli *cli, uint64_t addr, char *buf,
		       size_t size)
{
	if (cli->vm >= 0) {
		struct els_symset *set = els_cli_kernel_set(cli);
		return set && els_symset_format(set, addr, buf, size);
	}
	if (cli->vmlinux && !cli->kaslr_done)
		els_error_destroy(els_cli_kernel_syms(cli));
	if (cli->kernel && !cli->kaslr_err &&
	    els_symset_format(cli->kernel, addr, buf, size))
		return true;
	struct els_symbol s;
	if (!cli->xen || !els_symtab_find_addr(cli->xen, addr, &s))
		return false;
	els_symbol_format(&s, buf, size);
	return true;
}

static const char *base_name(const char *path)
{
	const char *p = strrchr(path, '/');
	return p ? p + 1 : path;
}

static void print_symbol(struct els_cli *cli, struct els_symtab *st,
			 uint64_t addr, const struct els_symbol *s)
{
	const char *src = NULL;
	int line = 0;
	struct els_error *err = els_symtab_source_line(st, addr, &src, &line);
	if (err) {
		src = NULL;
		els_error_destroy(err);
	}
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "address", els_json_addr(addr));
		json_object_object_add(o, "symbol", json_object_new_string(s->name));
		json_object_object_add(o, "symbol_address", els_json_addr(s->addr));
		json_object_object_add(o, "offset",
				       json_object_new_int64((int64_t)s->offset));
		json_object_object_add(o, "size",
				       json_object_new_int64((int64_t)s->size));
		json_object_object_add(o, "elf",
				       json_object_new_string(els_symtab_path(st)));
		json_object_object_add(o, "bias", els_json_addr(els_symtab_bias(st)));
		json_object_object_add(o, "file",
				       src ? json_object_new_string(src) : NULL);
		json_object_object_add(o, "line",
				       src ? json_object_new_int(line) : NULL);
		els_cli_print_json(o);
		return;
	}
	printf("0x%016" PRIx64 " <%s", addr, s->name);
	if (s->offset)
		printf("+0x%" PRIx64, s->offset);
	printf("> size %" PRIu64 " in %s", s->size, base_name(els_symtab_path(st)));
	if (src)
		printf(" at %s:%d", src, line);
	printf("\n");
}

static struct els_error *need_value(int i, int argc, char **argv,
				     const char *usage)
{
	if (i + 1 < argc)
		return NULL;
	return els_error_create(ELS_ERR_USAGE, "%s needs a value (usage: %s)",
				argv[i], usage);
}

/* --section NAME=ADDR of a relocatable file. */
static struct els_error *place(struct els_symtab *st, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	uint64_t addr;
	if (!eq || eq == arg || !els_parse_u64(eq + 1, &addr))
		return els_error_create(ELS_ERR_USAGE,
					"--section: '%s' is not NAME=ADDR", arg);
	char *name = strndup(arg, (size_t)(eq - arg));
	if (!name)
		return &els_enomem;
	struct els_error *err = els_symtab_place_section(st, name, addr);
	free(name);
	return err;
}

struct els_error *els_cmd_sym(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"sym [--vm N [--cpu C] | --pid P] [--file ELF [--base ADDR | --section NAME=ADDR...]] ADDR|[IMAGE:]NAME";
	const char *file = NULL, *what = NULL;
	uint64_t base = 0, vm = 0, cpu = 0, pid = 0;
	bool has_base = false, has_vm = false, has_cpu = false, has_pid = false;
	char **sections = calloc((size_t)argc, sizeof(*sections));
	size_t nsections = 0;
	struct els_error *err = NULL;
	if (!sections)
		return &els_enomem;
	for (int i = 1; i < argc && !err; i++) {
		const char *o = argv[i];
		bool takes = !strcmp(o, "--file") || !strcmp(o, "--base") ||
			     !strcmp(o, "--section") || !strcmp(o, "--vm") ||
			     !strcmp(o, "--cpu") || !strcmp(o, "--pid");
		if (takes && (err = need_value(i, argc, argv, usage)))
			break;
		if (!strcmp(o, "--file")) {
			file = argv[++i];
		} else if (!strcmp(o, "--section")) {
			sections[nsections++] = argv[++i];
		} else if (takes) {
			uint64_t *v = o[2] == 'b' ? &base : o[2] == 'v' ? &vm
				      : o[2] == 'p' ? &pid : &cpu;
			bool *has = o[2] == 'b' ? &has_base
				    : o[2] == 'v' ? &has_vm
				    : o[2] == 'p' ? &has_pid : &has_cpu;
			if (!els_parse_u64(argv[++i], v) ||
			    (v != &base && *v > INT32_MAX))
				err = els_error_create(ELS_ERR_USAGE,
						       "%s: '%s' is not a number",
						       o, argv[i]);
			*has = true;
		} else if (o[0] == '-' && o[1] == '-') {
			err = els_error_create(ELS_ERR_USAGE,
					       "unknown option %s (usage: %s)",
					       o, usage);
		} else if (!what) {
			what = o;
		} else {
			err = els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
		}
	}
	if (!err && !what)
		err = els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	if (!err && (has_base || nsections) && !file)
		err = els_error_create(ELS_ERR_USAGE,
				       "--base and --section go with --file (usage: %s)",
				       usage);
	if (!err && has_base && nsections)
		err = els_error_create(ELS_ERR_USAGE,
				       "--base is for executables and libraries, --section for relocatable files (.ko): not both");
	if (!err && file && has_vm)
		err = els_error_create(ELS_ERR_USAGE,
				       "--file and --vm: one or the other");
	if (!err && has_pid && (file || has_vm))
		err = els_error_create(ELS_ERR_USAGE,
				       "--pid is a process of the machine's kernel: not with --file or --vm");
	if (!err && has_cpu && !has_vm)
		err = els_error_create(ELS_ERR_USAGE,
				       "--cpu goes with --vm (usage: %s)", usage);
	if (err) {
		free(sections);
		return err;
	}

	/* The images to look in, and where an answer is looked for. */
	struct els_symtab *own = NULL;
	struct els_symset *set = NULL, *owned_set = NULL;
	struct els_symtab *xen = NULL;
	struct els_symset *kset = NULL; /* --pid: kernel addresses and names */
	const char *where;
	if (file) {
		if (!(err = els_symtab_open(file, &own))) {
			if (!els_symtab_is_relocatable(own))
				els_symtab_set_bias(own, base);
			else if (!nsections)
				err = els_error_create(ELS_ERR_USAGE,
						       "%s is relocatable (a module): place its sections with --section NAME=ADDR",
						       file);
			for (size_t k = 0; !err && k < nsections; k++)
				err = place(own, sections[k]);
		}
		if (!err && !(err = els_symset_create(file, &owned_set)))
			err = els_symset_add(owned_set, "file", own, true);
		else if (err)
			els_symtab_destroy(own);
		set = owned_set;
		where = file;
	} else if (has_pid) {
		err = els_cli_process_symset(cli, (int32_t)pid, &set);
		if (!err && !cli->kaslr_err)
			kset = cli->kernel;
		where = set ? els_symset_name(set) : "";
	} else if (has_vm) {
		struct els_cli_guest *g;
		err = els_cli_guest_syms(cli, (unsigned)vm,
					 has_cpu ? (int)cpu : -1, &g);
		if (!err)
			set = g->set;
		where = set ? els_symset_name(set) : "";
	} else {
		if (!cli->vmlinux && !cli->xen)
			err = els_error_create(ELS_ERR_USAGE,
					       "no symbols: give --vmlinux or --xen to elscope, or sym --file ELF");
		else
			err = els_cli_kernel_syms(cli);
		set = cli->kernel;
		xen = cli->xen;
		where = cli->vmlinux && cli->xen ? "vmlinux or xen-syms"
			: els_symtab_path(cli->vmlinux ? cli->vmlinux : cli->xen);
	}
	free(sections);
	if (err) {
		els_symset_destroy(owned_set);
		return err;
	}

	uint64_t addr;
	bool is_addr = els_parse_u64(what, &addr);
	struct els_symbol s;
	struct els_symtab *found = NULL;
	if (is_addr && kset && addr >> 63) {
		/* A kernel address of the process: the kernel's symbols. */
		els_symset_find_addr(kset, addr, &s, &found);
	} else if (is_addr) {
		if (!(set && els_symset_find_addr(set, addr, &s, &found)) && xen &&
		    els_symtab_find_addr(xen, addr, &s))
			found = xen;
	} else {
		struct els_error *e = set ? els_symset_lookup_name(set, what, &s,
								   &found)
					  : NULL;
		if (e && e->code != ELS_ERR_NOT_FOUND) {
			els_symset_destroy(owned_set);
			return e; /* "no image 'foo'" and the like */
		}
		els_error_destroy(e);
		if (!found && kset &&
		    (e = els_symset_lookup_name(kset, what, &s, &found)))
			els_error_destroy(e);
		if (!found && xen && !els_symtab_lookup_name(xen, what, &s))
			found = xen;
		if (found)
			addr = s.addr;
	}
	if (!found)
		err = is_addr ? els_error_addr(ELS_ERR_NOT_FOUND, addr,
					       "no symbol of %s covers 0x%" PRIx64,
					       where, addr)
			      : els_error_create(ELS_ERR_NOT_FOUND,
						 "no symbol '%s' in %s", what,
						 where);
	else
		print_symbol(cli, found, addr, &s);
	els_symset_destroy(owned_set);
	return err;
}
