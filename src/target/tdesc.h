/* SPDX-License-Identifier: MIT */
/*
 * GDB target descriptions (target.xml and the files it includes): register
 * names, numbers, sizes and groups. Parsed with expat; the XML comes from the
 * stub and is untrusted (bounded includes, no internal DTD subsets).
 */
#ifndef ELS_TARGET_TDESC_H
#define ELS_TARGET_TDESC_H

#include <stddef.h>

#include "core/error.h"
#include "target/target.h"

/* Fetch an annex ("target.xml", "aarch64-core.xml"); *xml is malloc'd. */
typedef struct els_error *els_tdesc_fetch_fn(const char *annex, char **xml,
					     size_t *len, void *arg);

#define ELS_TDESC_MAX_FILES 64
#define ELS_TDESC_MAX_REGS 4096

struct els_tdesc {
	char *architecture; /* "aarch64", or NULL if not said */
	struct els_reg_desc_vec regs;
};

/* Parse annex and everything it includes, appending registers to ret. */
struct els_error *els_tdesc_load(const char *annex, els_tdesc_fetch_fn *fetch,
				 void *arg, struct els_tdesc *ret);
void els_tdesc_deinit(struct els_tdesc *td);

/* The AArch64 core registers as GDB numbers them, for stubs without XML. */
struct els_error *els_tdesc_aarch64_core(struct els_tdesc *ret);

#endif
