/* SPDX-License-Identifier: MIT */
/*
 * Module names as the kernel keeps them (struct module's name: the file's
 * name without ".ko", every '-' as '_'), and "MODULE:NAME" words that name
 * a symbol in a module. Pure string work: no target, no files.
 */
#ifndef ELS_OS_LINUX_MODNAME_H
#define ELS_OS_LINUX_MODNAME_H

#include <stdbool.h>
#include <stddef.h>

/* MODULE_NAME_LEN of 64-bit kernels: 64 - sizeof(unsigned long), NUL included. */
#define ELS_LINUX_MODNAME_MAX 56

/*
 * The kernel's name of module text[0..len): '-' becomes '_'. False when
 * it is empty, too long (ELS_LINUX_MODNAME_MAX - 1 characters at most) or
 * has a character other than letters, digits, '_' and '-'.
 */
bool els_linux_modname(const char *text, size_t len, char *buf, size_t size);

/*
 * Split "MODULE:NAME" into the module's kernel name and NAME (a pointer
 * into word). False when word has no ':', the part before it is not a
 * module name, or NAME is empty.
 */
bool els_linux_modsym_split(const char *word, char *module, size_t size,
			    const char **name);

#endif
