/* SPDX-License-Identifier: MIT */
/*
 * BTF, the kernel's compact type format (Documentation/bpf/btf.rst). The
 * header is checked first (offsets and lengths in 64 bits), then every type
 * record once: type ids in range, string offsets in range, vlen within the
 * section, no cycles through typedefs, qualifiers and array elements. After
 * that the lookups trust the data.
 */
#ifndef ELS_DEBUGINFO_BTF_H
#define ELS_DEBUGINFO_BTF_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "debuginfo/types.h"

struct els_btf;

/* Parses a raw .BTF section (copied); what names it in errors. */
struct els_error *els_btf_open_buf(const void *data, size_t len,
				   const char *what, struct els_btf **ret);
/* The .BTF section of an ELF file; NOT_FOUND when there is none. */
struct els_error *els_btf_open_elf(Elf *elf, const char *what,
				   struct els_btf **ret);
void els_btf_destroy(struct els_btf *btf);

/* Number of types, void (id 0) included. */
uint32_t els_btf_nr_types(const struct els_btf *btf);

/* Size of the struct or union called name. */
struct els_error *els_btf_struct_size(const struct els_btf *btf,
				      const char *name, uint64_t *ret);
/* A dotted member path of the struct or union called name. */
struct els_error *els_btf_member(const struct els_btf *btf, const char *name,
				 const char *path,
				 struct els_type_member *ret);

#endif
