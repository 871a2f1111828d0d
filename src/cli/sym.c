/* SPDX-License-Identifier: MIT */
/* sym: addresses to symbols and source lines, names to addresses. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "debuginfo/kaslr.h"

struct els_error *els_cli_kernel_syms(struct els_cli *cli)
{
	if (!cli->vmlinux || cli->kaslr_done)
		return cli->kaslr_err;
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
	if (err && (err->code == ELS_ERR_INTERRUPTED ||
		    err->code == ELS_ERR_CLOSED || err->code == ELS_ERR_TIMEOUT))
		return err; /* not an answer: ask again next time */
	cli->kaslr_done = true;
	if (err) {
		cli->kaslr_err = err;
		return err;
	}
	els_symtab_set_bias(cli->vmlinux, slide);
	els_log(ELS_LOG_INFO, "KASLR slide 0x%" PRIx64, slide);
	return NULL;
}

bool els_cli_symbolize(struct els_cli *cli, uint64_t addr, char *buf,
		       size_t size)
{
	struct els_symtab *sets[] = { cli->vmlinux, cli->xen };
	struct els_symbol s;
	if (cli->vmlinux && !cli->kaslr_done) {
		struct els_error *err = els_cli_kernel_syms(cli);
		if (err && !cli->kaslr_err)
			els_error_destroy(err); /* transient: not kept */
	}
	for (size_t i = 0; i < 2; i++) {
		if (!sets[i] || (i == 0 && cli->kaslr_err))
			continue;
		if (els_symtab_find_addr(sets[i], addr, &s)) {
			if (s.offset)
				snprintf(buf, size, "%s+0x%" PRIx64, s.name,
					 s.offset);
			else
				snprintf(buf, size, "%s", s.name);
			return true;
		}
	}
	return false;
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

struct els_error *els_cmd_sym(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "sym [--file ELF [--base ADDR]] ADDR|NAME";
	const char *file = NULL, *what = NULL;
	uint64_t base = 0;
	bool has_base = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") || !strcmp(argv[i], "--base")) {
			if (i + 1 >= argc)
				return els_error_create(ELS_ERR_USAGE,
							"%s needs a value (usage: %s)",
							argv[i], usage);
			if (argv[i][2] == 'f') {
				file = argv[++i];
			} else if (!els_parse_u64(argv[++i], &base)) {
				return els_error_create(ELS_ERR_USAGE,
							"--base: '%s' is not a number",
							argv[i]);
			} else {
				has_base = true;
			}
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		} else if (!what) {
			what = argv[i];
		} else {
			return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
		}
	}
	if (!what)
		return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	if (has_base && !file)
		return els_error_create(ELS_ERR_USAGE,
					"--base goes with --file (usage: %s)",
					usage);

	struct els_symtab *own = NULL;
	struct els_symtab *sets[2] = { 0 };
	struct els_error *err = NULL;
	if (file) {
		if ((err = els_symtab_open(file, &own)))
			return err;
		els_symtab_set_bias(own, base);
		sets[0] = own;
	} else {
		if (!cli->vmlinux && !cli->xen)
			return els_error_create(ELS_ERR_USAGE,
						"no symbols: give --vmlinux or --xen to elscope, or sym --file ELF");
		if (cli->vmlinux && (err = els_cli_kernel_syms(cli))) {
			/* Kept in cli->kaslr_err, or transient: copy it. */
			if (err == cli->kaslr_err)
				err = els_error_create(err->code, "%s",
						       err->message);
			return err;
		}
		sets[0] = cli->vmlinux;
		sets[1] = cli->xen;
	}

	uint64_t addr;
	bool is_addr = els_parse_u64(what, &addr);
	struct els_symbol s;
	struct els_symtab *found = NULL;
	for (size_t i = 0; i < 2 && !found; i++) {
		if (!sets[i])
			continue;
		bool ok = is_addr ? els_symtab_find_addr(sets[i], addr, &s)
				  : !els_symtab_lookup_name(sets[i], what, &s) &&
					  (addr = s.addr, true);
		if (ok)
			found = sets[i];
	}
	if (!found) {
		const char *where = file ? file
				    : cli->vmlinux && cli->xen
					    ? "vmlinux or xen-syms"
				    : els_symtab_path(cli->vmlinux ? cli->vmlinux
								   : cli->xen);
		err = is_addr ? els_error_addr(ELS_ERR_NOT_FOUND, addr,
					       "no symbol of %s covers 0x%" PRIx64,
					       where, addr)
			      : els_error_create(ELS_ERR_NOT_FOUND,
						 "no symbol '%s' in %s", what,
						 where);
	} else {
		print_symbol(cli, found, addr, &s);
	}
	els_symtab_destroy(own);
	return err;
}
