/* SPDX-License-Identifier: MIT */
/*
 * The sampling profiler's result: how many samples fell to each exception
 * level, VM, process and function, and what taking them cost the target.
 * (The sampler itself is the lead's work in progress: profile.c.)
 */
#ifndef ELS_VIEW_PROFILE_H
#define ELS_VIEW_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct els_profile_row {
	char *key;        /* "Domain-0", "d1", "xen"; "busy (135)"; "busy_spin" */
	uint64_t samples;
};

struct els_profile_table {
	const char *by;   /* "el", "vm", "vcpu", "pid", "func" */
	struct els_profile_row *rows; /* most samples first */
	size_t n;
};

struct els_profile_summary {
	uint64_t samples;        /* every CPU's sample counts once */
	unsigned cpus;
	double seconds;          /* wall time of the run */
	double halted_seconds;   /* time the target spent halted by us */
	double rate;             /* sampling rounds per second achieved */
	struct els_profile_table *tables;
	size_t ntables;
};

#endif
