/* SPDX-License-Identifier: MIT */
/*
 * Symbol sets per context: the images one context sees, each with its own
 * relocation. The machine's kernel is one set (vmlinux slid by KASLR, its
 * modules with their sections placed); each VM's kernel is another; a
 * process adds its executable and shared libraries at their load bases.
 *
 * A set does not read the target: whoever knows where an image is loaded
 * (the KASLR finder, the module list, a process's maps) relocates the
 * symtab and adds it. Lookups go through the images in the order added.
 */
#ifndef ELS_DEBUGINFO_SYMSET_H
#define ELS_DEBUGINFO_SYMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "debuginfo/symbols.h"

struct els_symset;

struct els_error *els_symset_create(const char *name, struct els_symset **ret);
/* Destroys the images added with owned = true. NULL is fine. */
void els_symset_destroy(struct els_symset *set);
const char *els_symset_name(const struct els_symset *set);

/*
 * Add an image under a label ("vmlinux", a module's name, a library's
 * path). A label already in the set is an ELS_ERR_INVALID error. With
 * owned, the set destroys st (also when adding fails).
 */
struct els_error *els_symset_add(struct els_symset *set, const char *label,
				 struct els_symtab *st, bool owned);
/* Remove (and destroy, if owned) the image of label; false if none. */
bool els_symset_remove(struct els_symset *set, const char *label);
struct els_symtab *els_symset_image(const struct els_symset *set,
				    const char *label);
size_t els_symset_count(const struct els_symset *set);
/* The i-th image and its label, in the order added. */
struct els_symtab *els_symset_at(const struct els_symset *set, size_t i,
				 const char **label);

/* The symbol covering addr in the first image that has one. */
bool els_symset_find_addr(const struct els_symset *set, uint64_t addr,
			  struct els_symbol *sym, struct els_symtab **st);
/*
 * By name: "NAME" in the first image that has it, or "LABEL:NAME" in that
 * image only. ELS_ERR_NOT_FOUND names the set.
 */
struct els_error *els_symset_lookup_name(const struct els_symset *set,
					 const char *name,
					 struct els_symbol *sym,
					 struct els_symtab **st);

/* "name+0xoff" into buf; false when no image covers addr. */
bool els_symset_format(const struct els_symset *set, uint64_t addr, char *buf,
		       size_t size);

#endif
