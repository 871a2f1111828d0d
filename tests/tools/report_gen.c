/* SPDX-License-Identifier: MIT */
/*
 * Writes a synthetic trace through the exporters, for the HTML report's
 * test in headless Chromium and its 10-million-event measurement:
 *   report_gen OUT.{html,json,csv} [EVENTS [PCPUS]]
 * Known lanes: pCPU 0..PCPUS-1 run Domain-0 (2 vCPUs), d1 (2 vCPUs) and
 * Xen idle in turn, tasks "busy" (pid 135) and "sshd" (pid 612) inside
 * them; d1's vCPUs wait while Domain-0 runs; a profile summary is given.
 */
#include <stdio.h>
#include <stdlib.h>

#include "view/event.h"
#include "view/export.h"
#include "view/profile.h"

static uint64_t rnd_state = 88172645463325252u;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

int main(int argc, char **argv)
{
	size_t want = argc > 2 ? strtoull(argv[2], NULL, 0) : 2000;
	unsigned npcpus = argc > 3 ? (unsigned)atoi(argv[3]) : 2;
	struct els_events e;
	struct els_error *err = NULL;

	if (argc < 2 || !npcpus || npcpus > 256) {
		fprintf(stderr, "usage: report_gen OUT [EVENTS [PCPUS]]\n");
		return 2;
	}
	els_events_init(&e);
	e.freq = 62500000;
	snprintf(e.clock_note, sizeof(e.clock_note),
		 "synthetic (report_gen), CNTFRQ 62.5 MHz");
	uint32_t busy = els_events_intern(&e, "busy");
	uint32_t sshd = els_events_intern(&e, "sshd");
	uint32_t swapper = els_events_intern(&e, "swapper/0");
	uint32_t spin = els_events_intern(&e, "busy_spin");
	/* Mean span: the trace lasts about 5 s whatever the event count. */
	uint64_t total = 5 * e.freq, mean = total * npcpus / (want ? want : 1);
	uint64_t t_end = 1000000;

	if (mean < 8)
		mean = 8;
	for (unsigned p = 0; p < npcpus && !err; p++) {
		uint64_t t = 1000000;
		unsigned k = p;

		while (e.n < want * (p + 1) / npcpus && !err) {
			uint64_t d = mean / 2 + rnd() % mean;
			struct els_event ev = { .ts = t, .dur = d,
						.pcpu = (uint16_t)p,
						.kind = ELS_EV_RUN,
						.pid = ELS_EV_NONE };
			unsigned what = (k++ + (unsigned)(rnd() % 2)) % 5;

			/* 0,1: Domain-0 v(p%2); 2,3: d1 v(p%2); 4: Xen idle */
			if (what == 4) {
				ev.vm = 0x7fff;
				ev.vcpu = (int32_t)p;
				ev.level = ELS_LVL_IDLE;
			} else {
				ev.vm = what < 2 ? 0 : 1;
				ev.vcpu = (int32_t)(p % 2);
				ev.level = ELS_LVL_KERNEL;
			}
			err = els_events_add(&e, &ev);
			if (what != 4 && !err) {
				/* The task inside, on the task row. */
				struct els_event tk = ev;
				tk.pid = what % 2 ? 135 : (ev.vm ? 612 : 0);
				tk.name = what % 2 ? busy : (ev.vm ? sshd : swapper);
				tk.level = tk.pid ? ELS_LVL_USER : ELS_LVL_IDLE;
				tk.dur = d - d / 8;
				err = els_events_add(&e, &tk);
			}
			if (ev.vm == 0 && !err) {
				/* d1's vCPU on this pCPU waits meanwhile. */
				struct els_event w = ev;
				w.kind = ELS_EV_WAIT;
				w.vm = 1;
				w.level = ELS_LVL_KERNEL;
				w.ts += d / 4;
				w.dur = d - d / 4;
				err = els_events_add(&e, &w);
			}
			if (!err && rnd() % 64 == 0) {
				struct els_event s = ev;
				s.kind = ELS_EV_SAMPLE;
				s.dur = 0;
				s.func = spin;
				err = els_events_add(&e, &s);
			}
			t += d;
		}
		if (t > t_end)
			t_end = t;
	}
	e.t0 = 1000000;
	e.t1 = t_end;
	els_events_sort(&e);

	struct els_profile_row el_rows[] = { { "kernel", 700 }, { "user", 250 },
					     { "hypervisor", 50 } };
	struct els_profile_row vm_rows[] = { { "Domain-0", 520 }, { "d1", 430 },
					     { "xen", 50 } };
	struct els_profile_row pid_rows[] = { { "busy (135)", 610 },
					      { "sshd (612)", 90 },
					      { "swapper/0 (0)", 250 } };
	struct els_profile_row fn_rows[] = { { "busy_spin", 600 },
					     { "do_idle", 240 },
					     { "el0_svc", 60 },
					     { "<script>&\"odd\"", 3 } };
	struct els_profile_table tables[] = {
		{ "el", el_rows, 3 }, { "vm", vm_rows, 3 },
		{ "pid", pid_rows, 3 }, { "func", fn_rows, 4 } };
	struct els_profile_summary prof = { 1000, 2, 5.0, 0.12, 100.0,
					    tables, 4 };

	if (!err)
		err = els_export_file(&e, &prof, argv[1]);
	if (err) {
		fprintf(stderr, "report_gen: %s\n", err->message);
		els_error_destroy(err);
		els_events_deinit(&e);
		return 1;
	}
	fprintf(stderr, "report_gen: %zu events, %u pCPUs -> %s\n", e.n,
		npcpus, argv[1]);
	els_events_deinit(&e);
	return 0;
}
