/* SPDX-License-Identifier: MIT */
/*
 * Physical memory made of ranges backed by a file or a buffer: the PT_LOAD
 * segments of a dump, the images a probe took. The ranges are sorted and
 * never overlap (the driver sees to that); a byte no range covers is not
 * there, and reading it is an error with its address, never zeros.
 */
#ifndef ELS_TARGET_PHYSMAP_H
#define ELS_TARGET_PHYSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/vec.h"

struct els_physmap_range {
	uint64_t paddr;     /* first physical address */
	uint64_t size;      /* bytes, never 0; paddr + size - 1 does not wrap */
	uint64_t offset;    /* where paddr's byte is in the source */
	int fd;             /* the source file, or -1 ... */
	const uint8_t *mem; /* ... the source buffer */
	const char *name;   /* the source, for errors */
};

ELS_VEC(els_physmap_range_vec, struct els_physmap_range);

struct els_physmap {
	struct els_physmap_range_vec ranges;
	const char *where; /* for "physical address 0x.. is not in <where>" */
};

/* The range holding addr, or NULL. */
const struct els_physmap_range *els_physmap_find(const struct els_physmap *m,
						 uint64_t addr);
struct els_error *els_physmap_read(const struct els_physmap *m, uint64_t addr,
				   void *buf, size_t len);
void els_physmap_deinit(struct els_physmap *m);

/* pread() all n bytes; a file that ends early has shrunk since it was opened. */
struct els_error *els_pread_all(int fd, void *buf, size_t n, uint64_t offset,
				const char *name);

#endif
