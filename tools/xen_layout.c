/* SPDX-License-Identifier: MIT */
/*
 * xen-layout XEN_SYMS [--from TEXT] [--check]
 *
 * Reads the members elscope needs from the DWARF of a xen-syms built with
 * debug info and prints them as a row of src/hv/xen/layout_table.h, for the
 * Xen version the file's own xen_major_version/xen_minor_version return.
 * --check compares with elscope's built-in row for that version instead and
 * exits 1 on any difference (each one printed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/symbols.h"
#include "hv/xen/layout.h"
#include "hv/xen/xen.h"

static int die(const char *what, struct els_error *err)
{
	fprintf(stderr, "xen-layout: %s: %s\n", what, err->message);
	els_error_destroy(err);
	return 1;
}

static struct els_error *file_read(void *arg, uint64_t va, void *buf,
				   size_t len)
{
	return els_symtab_file_bytes(arg, va, buf, len);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *from = NULL;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			check = true;
		else if (!strcmp(argv[i], "--from") && i + 1 < argc)
			from = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr,
				"usage: xen-layout XEN_SYMS [--from TEXT] [--check]\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr,
			"usage: xen-layout XEN_SYMS [--from TEXT] [--check]\n");
		return 2;
	}
	struct els_symtab *st;
	struct els_error *err = els_symtab_open(path, &st);
	if (err)
		return die(path, err);
	unsigned major, minor;
	char version[64];
	if ((err = els_xen_version(st, file_read, st, &major, &minor, version,
				   sizeof(version)))) {
		els_symtab_destroy(st);
		return die("the file's Xen version", err);
	}
	els_symtab_destroy(st);
	struct els_xen_layout dwarf, table;
	if ((err = els_xen_layout_from_dwarf(path, &dwarf)))
		return die("DWARF", err);
	if (!check) {
		els_xen_layout_print_row(&dwarf, version, from ? from : path,
					 stdout);
		return 0;
	}
	if ((err = els_xen_layout_builtin(version, &table)))
		return die("built-in table", err);
	int diffs = 0;
	for (unsigned f = 0; f < ELS_XEN_NFIELDS; f++) {
		if (dwarf.f[f].offset == table.f[f].offset &&
		    dwarf.f[f].size == table.f[f].size)
			continue;
		printf("%s.%s: DWARF offset %u size %u, table offset %u size %u\n",
		       els_xen_field_struct(f), els_xen_field_path(f),
		       dwarf.f[f].offset, dwarf.f[f].size, table.f[f].offset,
		       table.f[f].size);
		diffs++;
	}
	printf("Xen %s: %d of %d members differ between %s and the %s\n",
	       version, diffs, (int)ELS_XEN_NFIELDS, dwarf.source,
	       table.source);
	return diffs ? 1 : 0;
}
