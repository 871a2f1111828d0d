/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the input is a .BTF section. When it parses, a few
 * lookups run over it, names taken from the input's own strings as well.
 */
#include <stdint.h>
#include <stdlib.h>

#include "debuginfo/btf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "s", "t", "u", "task_struct", "" };
	static const char *const paths[] = { "a", "a.b", "b.c.d", "x", "c",
					     "inner.x", "" };
	struct els_btf *btf;
	struct els_error *err = els_btf_open_buf(data, size, "fuzz", &btf);
	if (err) {
		els_error_destroy(err);
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t sz;
		els_error_destroy(els_btf_struct_size(btf, names[i], &sz));
		for (size_t j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			struct els_type_member m;
			els_error_destroy(els_btf_member(btf, names[i],
							 paths[j], &m));
		}
	}
	els_btf_destroy(btf);
	return 0;
}
