/* SPDX-License-Identifier: MIT */
/*
 * types_probe [--btf|--dwarf] FILE QUERY...: answers each QUERY, either
 * "STRUCT" (its size) or "STRUCT.MEMBER.PATH", one line each:
 *   task_struct size=9600
 *   task_struct.tasks.next offset=2424 bit_offset=19392 bit_size=0 size=8 kind=ptr elem_size=16 count=0
 * and on stderr the source and the time taken (open and all queries).
 * Used by tests/integration/test_types.sh to compare BTF with DWARF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "debuginfo/types.h"

static const char *const kinds[] = { "other", "int",   "ptr",  "array",
				     "struct", "union", "enum", "float" };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	bool dwarf = false;
	if (i < argc && !strcmp(argv[i], "--dwarf")) {
		dwarf = true;
		i++;
	} else if (i < argc && !strcmp(argv[i], "--btf")) {
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: types_probe [--btf|--dwarf] FILE QUERY...\n");
		return 2;
	}
	double t0 = now();
	struct els_types *t;
	struct els_error *err = dwarf ? els_types_open_dwarf(argv[i], &t) :
					els_types_open(argv[i], &t);
	if (err) {
		fprintf(stderr, "types_probe: %s\n", err->message);
		els_error_destroy(err);
		return 1;
	}
	double t1 = now();
	for (i++; i < argc; i++) {
		char *q = strdup(argv[i]);
		if (!q)
			return 1;
		char *dot = strchr(q, '.');
		if (dot)
			*dot = '\0';
		if (!dot) {
			uint64_t size;
			err = els_types_struct_size(t, q, &size);
			if (!err)
				printf("%s size=%llu\n", q, (unsigned long long)size);
		} else {
			struct els_type_member m;
			err = els_types_member(t, q, dot + 1, &m);
			if (!err)
				printf("%s.%s offset=%llu bit_offset=%llu bit_size=%u size=%llu kind=%s elem_size=%llu count=%llu\n",
				       q, dot + 1, (unsigned long long)m.offset,
				       (unsigned long long)m.bit_offset,
				       m.bit_size, (unsigned long long)m.size,
				       kinds[m.kind],
				       (unsigned long long)m.elem_size,
				       (unsigned long long)m.count);
		}
		if (err) {
			printf("%s error: %s\n", argv[i], err->message);
			els_error_destroy(err);
			status = 1;
		}
		free(q);
	}
	double t2 = now();
	fprintf(stderr, "source=%s open=%.6fs queries=%.6fs total=%.6fs\n",
		els_types_source_name(t), t1 - t0, t2 - t1, t2 - t0);
	els_types_destroy(t);
	return status;
}
