/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the ftrace ring buffer data page decoder. The input
 * is a little-endian u16 start (the reader's read index), then the page
 * (struct buffer_data_page: time_stamp, commit, data[]) of at most
 * ELS_FTRACE_MAX_PAGE bytes. The layout and event ids are Linux 6.1's (as
 * the lab kernel's BTF and event_sched_*.event.type say). Every record
 * given must be one of the kinds, with NUL-terminated comms.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/ftrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct els_type_member m(uint64_t off, uint64_t n)
{
	return (struct els_type_member){ .offset = off, .bit_offset = off * 8,
					 .size = n, .kind = ELS_TYPE_INT };
}

static int check(const struct els_ftrace_record *r, void *arg)
{
	size_t *n = arg;
	if (r->kind > ELS_FTRACE_OTHER || strlen(r->prev_comm) > 16 ||
	    strlen(r->next_comm) > 16 || strlen(r->comm) > 16 || r->cpu != 3)
		abort();
	return ++*n > 100000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size - 2 > ELS_FTRACE_MAX_PAGE)
		return 0;
	struct els_ftrace_layout l = {
		.time_stamp = m(0, 8), .commit = m(8, 8), .data_offset = 16,
		.ent_type = m(0, 2), .ent_pid = m(4, 4),
		.switch_id = 264, .wakeup_id = 266, .wakeup_new_id = 267,
		.prev_comm = m(8, 16), .prev_pid = m(24, 4),
		.prev_state = m(32, 8), .next_comm = m(40, 16),
		.next_pid = m(56, 4),
		.w_comm = m(8, 16), .w_pid = m(24, 4), .w_target_cpu = m(32, 4),
	};
	l.prev_comm.kind = l.next_comm.kind = l.w_comm.kind = ELS_TYPE_ARRAY;
	size_t start = (size_t)data[0] | (size_t)data[1] << 8;
	/* A copy of exactly the page's size, so overreads are caught. */
	uint8_t *page = malloc(size - 2 ? size - 2 : 1);
	if (!page)
		return 0;
	memcpy(page, data + 2, size - 2);
	struct els_ftrace_page_stats st = { 0 };
	size_t n = 0;
	bool stopped;
	els_error_destroy(els_ftrace_parse_page(&l, page, size - 2, start, 3,
						check, &n, &st, &stopped));
	free(page);
	return 0;
}
