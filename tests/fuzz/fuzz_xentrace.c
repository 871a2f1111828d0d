/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: Xen trace records. The input is split in two streams
 * (first byte: where the split is, as a share of the rest), parsed as the
 * records of pCPU 0 and pCPU 1 (the parser must stay inside its bytes and
 * account for every one of them), then the records of both, sorted, go
 * through the scheduler conversion: every event lies in [t0, t1] and on a
 * pCPU the input named.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECS 4096

static size_t parse(const uint8_t *b, size_t len, unsigned cpu,
		    struct els_xentrace_rec *out, size_t n)
{
	struct els_xentrace_parser p;
	struct els_xentrace_rec r;
	enum els_xentrace_status st;
	size_t bytes = 0;
	els_xentrace_parser_init(&p, b, len, cpu);
	while ((st = els_xentrace_next(&p, &r)) == ELS_XENTRACE_REC) {
		if (r.size < 4 || r.size > ELS_XENTRACE_REC_MAX ||
		    r.nextra > 7 || r.cpu != cpu)
			abort();
		bytes += r.size;
		if (p.have_tsc && n < MAX_RECS)
			out[n++] = r;
	}
	if (p.off > len || bytes != p.off)
		abort();
	if (st == ELS_XENTRACE_END && p.off != len)
		abort();
	if (st == ELS_XENTRACE_TRUNCATED && len - p.off >= ELS_XENTRACE_REC_MAX)
		abort();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t rest = size - 1;
	size_t split = rest * data[0] / 255;
	static struct els_xentrace_rec recs[MAX_RECS];
	size_t n = parse(data + 1, split, 0, recs, 0);
	n = parse(data + 1 + split, rest - split, 1, recs, n);
	els_xentrace_sort(recs, n);

	struct els_events e;
	struct els_xensched s;
	els_events_init(&e);
	e.freq = 62500000;
	uint64_t t0 = n ? recs[0].tsc : 0;
	els_xensched_init(&s, &e, t0);
	for (size_t i = 0; i < n; i++) {
		struct els_error *err = els_xensched_feed(&s, &recs[i]);
		if (err)
			abort(); /* only running out of memory may fail */
	}
	if (els_xensched_finish(&s, n ? recs[n - 1].tsc : 0))
		abort();
	for (size_t i = 0; i < e.n; i++) {
		const struct els_event *ev = &e.ev[i];
		if (ev->ts < e.t0 || ev->ts + ev->dur > e.t1 || ev->pcpu > 1 ||
		    ev->ts + ev->dur < ev->ts)
			abort();
		if (ev->kind == ELS_EV_RUN && ev->vm == ELS_EV_NONE &&
		    ev->level != ELS_LVL_IDLE)
			abort();
	}
	els_xensched_deinit(&s);
	els_events_deinit(&e);
	return 0;
}
