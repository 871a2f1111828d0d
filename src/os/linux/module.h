/* SPDX-License-Identifier: MIT */
/*
 * Loaded modules of a Linux kernel: the `modules` list (struct module
 * .list), one read of the span of the needed fields per module, bounded and
 * cycle-checked; each module's sections (mod->sect_attrs, what
 * /sys/module/NAME/sections shows) and its symbols as the kernel keeps them
 * (mod->kallsyms, what /proc/kallsyms shows).
 */
#ifndef ELS_OS_LINUX_MODULE_H
#define ELS_OS_LINUX_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "debuginfo/symbols.h"
#include "os/linux/kernel.h"

/* No module has more sections or in-memory symbols than these. */
#define ELS_LINUX_MAX_SECTIONS 4096
#define ELS_LINUX_MAX_MODSYMS 1000000

struct els_linux_module {
	uint64_t addr;       /* the struct module */
	char name[65];
	uint64_t base;       /* its text: what /proc/modules shows */
	uint64_t size;       /* every part of it, as /proc/modules counts */
	uint32_t state;      /* enum module_state */
	uint64_t sect_attrs; /* struct module_sect_attrs *, 0: none */
	uint64_t kallsyms;   /* struct mod_kallsyms *, 0: none */
};

struct els_linux_section {
	char name[128];
	uint64_t addr;
};

/* "Live", "Loading", "Unloading", "Unformed" (as /proc/modules). */
const char *els_linux_module_state_name(uint32_t state);

/* Return nonzero to stop the walk (not an error). */
typedef int (*els_linux_module_fn)(const struct els_linux_module *mod,
				   void *arg);

/*
 * Every module in the order of the list (the most recently loaded first,
 * as /proc/modules). A list that loops, points outside readable memory or
 * whose back-links disagree ends the walk with an error naming the last
 * good module; modules already given to fn stay given.
 */
struct els_error *els_linux_for_each_module(struct els_linux *lx,
					    els_linux_module_fn fn, void *arg);

/*
 * A module's sections from its sect_attrs, in the kernel's order; *ret is
 * malloc'd (free it). ELS_ERR_NOT_FOUND when the module has none.
 */
struct els_error *els_linux_module_sections(struct els_linux *lx,
					    const struct els_linux_module *mod,
					    struct els_linux_section **ret,
					    size_t *n);

/*
 * A symbol table (labelled with the module's name) from the module's
 * in-memory kallsyms: symtab and strtab read in bulk, every name offset
 * checked. ELS_ERR_NOT_FOUND when the module keeps none.
 */
struct els_error *els_linux_module_symbols(struct els_linux *lx,
					   const struct els_linux_module *mod,
					   struct els_symtab **ret);

#endif
