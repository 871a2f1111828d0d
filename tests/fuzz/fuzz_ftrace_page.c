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
#include "../ftrace_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	struct els_ftrace_layout l = els_test_ftrace_layout();
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
