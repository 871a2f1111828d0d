/* SPDX-License-Identifier: MIT */
/*
 * The ftrace ring layout of the lab's kernel (Debian 6.1 arm64, as its BTF
 * says) for tests that build or fuzz data pages without a kernel: the unit
 * test and the page decoder's fuzz harness.
 */
#ifndef ELS_TESTS_FTRACE_LAYOUT_H
#define ELS_TESTS_FTRACE_LAYOUT_H

#include "os/linux/ftrace.h"

static inline struct els_type_member els_test_member(uint64_t off, uint64_t n)
{
	return (struct els_type_member){ .offset = off, .bit_offset = off * 8,
					 .size = n, .kind = ELS_TYPE_INT };
}

static inline struct els_ftrace_layout els_test_ftrace_layout(void)
{
#define M els_test_member
	struct els_ftrace_layout l = {
		.time_stamp = M(0, 8), .commit = M(8, 8), .data_offset = 16,
		.ent_type = M(0, 2), .ent_pid = M(4, 4),
		.switch_id = 264, .wakeup_id = 266, .wakeup_new_id = 267,
		.prev_comm = M(8, 16), .prev_pid = M(24, 4),
		.prev_state = M(32, 8), .next_comm = M(40, 16),
		.next_pid = M(56, 4),
		.w_comm = M(8, 16), .w_pid = M(24, 4), .w_target_cpu = M(32, 4),
	};
#undef M
	l.prev_comm.kind = l.next_comm.kind = l.w_comm.kind = ELS_TYPE_ARRAY;
	return l;
}

#endif
