/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: xentrace files (windows of per-CPU records, merged and
 * turned into events). The input is the file's bytes. Every event must lie
 * within the trace's interval and on a CPU the file named.
 */
#include <stdint.h>
#include <stdlib.h>

#include "view/xentrace_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct els_events e;
	els_events_init(&e);
	struct els_error *err = els_xentrace_buf_read(data, size, "fuzz", &e);
	els_error_destroy(err);
	for (size_t i = 0; i < e.n; i++) {
		const struct els_event *ev = &e.ev[i];
		if (ev->pcpu >= ELS_XENTRACE_FILE_MAX_CPUS ||
		    (ev->kind == ELS_EV_RUN && ev->dur && ev->ts < e.t0))
			abort();
		(void)els_events_string(&e, ev->name);
	}
	els_events_deinit(&e);
	return 0;
}
