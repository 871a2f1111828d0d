/* SPDX-License-Identifier: MIT */
/*
 * Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing.
 *
 * Processes: pCPU n is pid n + 1 with one thread (tid n + 1) carrying what
 * ran there; the waits of VM v are process WAIT_PID_BASE + v ("VM 1
 * waiting"), a thread per vCPU (tid vcpu + 1) or task (tid TASK_TID_BASE +
 * pid); waits of no VM (the host's tasks) are process WAIT_PID_BASE - 1.
 * Times are microseconds since t0 with nanosecond digits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "view/export.h"
#include "view/export_priv.h"

#define WAIT_PID_BASE 100000
#define TASK_TID_BASE 1000000

/* A set of (pid, tid) pairs met, to name each once. */
struct pairset {
	uint64_t *slot; /* 0: empty; keys are stored + 1 */
	size_t cap, n;
};

static int pairset_add(struct pairset *s, uint64_t key)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slot[i])
				continue;
			size_t h = (s->slot[i] * 0x9e3779b97f4a7c15u) >> 40;
			while (n[h & (cap - 1)])
				h++;
			n[h & (cap - 1)] = s->slot[i];
		}
		free(s->slot);
		s->slot = n;
		s->cap = cap;
	}
	key++;
	size_t h = (key * 0x9e3779b97f4a7c15u) >> 40;
	for (;; h++) {
		uint64_t *p = &s->slot[h & (s->cap - 1)];
		if (*p == key)
			return 0;
		if (!*p) {
			*p = key;
			s->n++;
			return 1;
		}
	}
}

static void put_meta(FILE *f, bool *first, const char *what, long pid,
		     long tid, const char *name)
{
	fprintf(f, "%s\n{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%ld,",
		*first ? "" : ",", what, pid);
	if (tid >= 0)
		fprintf(f, "\"tid\":%ld,", tid);
	fputs("\"args\":{\"name\":", f);
	els_export_json_string(f, name, false);
	fputs("}}", f);
	*first = false;
}

static void put_sort(FILE *f, long pid, long idx)
{
	fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"process_sort_index\","
		   "\"pid\":%ld,\"args\":{\"sort_index\":%ld}}", pid, idx);
}

/* Name the process and thread of an event when first met. */
static int name_track(FILE *f, const struct els_events *e,
		      const struct els_event *ev, struct pairset *seen,
		      bool *first, long pid, long tid)
{
	char pname[64], tname[160];
	int r = pairset_add(seen, ((uint64_t)(uint32_t)pid << 32) |
					  (uint32_t)tid);

	if (r <= 0)
		return r;
	if (pid < WAIT_PID_BASE - 1) {
		snprintf(pname, sizeof(pname), "pCPU %ld", pid - 1);
		put_meta(f, first, "process_name", pid, -1, pname);
		put_sort(f, pid, pid);
		put_meta(f, first, "thread_name", pid, tid, pname);
		return 1;
	}
	if (ev->vm == ELS_EV_NONE) {
		snprintf(pname, sizeof(pname), "host tasks waiting");
	} else {
		char vm[32];

		els_export_vm_name(ev->vm, vm, sizeof(vm));
		snprintf(pname, sizeof(pname), "VM %d waiting (%s)",
			 (int)ev->vm, vm);
	}
	if (pairset_add(seen, (uint64_t)(uint32_t)pid << 32 | 0xffffffffu)
	    > 0) {
		put_meta(f, first, "process_name", pid, -1, pname);
		put_sort(f, pid, pid);
	}
	els_export_run_label(e, ev, tname, sizeof(tname));
	put_meta(f, first, "thread_name", pid, tid, tname);
	return 1;
}

static void wait_track(const struct els_event *ev, long *pid, long *tid)
{
	*pid = ev->vm == ELS_EV_NONE ? WAIT_PID_BASE - 1
				     : WAIT_PID_BASE + (long)ev->vm;
	if (ev->pid != ELS_EV_NONE)
		*tid = TASK_TID_BASE + (long)ev->pid;
	else
		*tid = ev->vcpu != ELS_EV_NONE ? (long)ev->vcpu + 1 : 0;
}

static void put_args(FILE *f, const struct els_events *e,
		     const struct els_event *ev)
{
	fputs(",\"args\":{", f);
	fprintf(f, "\"level\":\"%s\"",
		els_ev_level_name((enum els_ev_level)ev->level));
	if (ev->vm != ELS_EV_NONE)
		fprintf(f, ",\"vm\":%d", (int)ev->vm);
	if (ev->vcpu != ELS_EV_NONE)
		fprintf(f, ",\"vcpu\":%d", (int)ev->vcpu);
	if (ev->pid != ELS_EV_NONE)
		fprintf(f, ",\"pid\":%d", (int)ev->pid);
	if (ev->func) {
		fputs(",\"func\":", f);
		els_export_json_string(f, els_events_string(e, ev->func), false);
	}
	fputs("}}", f);
}

struct els_error *els_export_perfetto(const struct els_events *e, FILE *f)
{
	struct pairset seen = { 0 };
	bool first = true;
	double us = e->freq ? 1e6 / (double)e->freq : 0;
	char label[160];

	if (!e->freq)
		return els_error_create(ELS_ERR_INVALID,
					"exporting a Perfetto trace: the events have no clock frequency");
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":", f);
	els_export_json_string(f, e->clock_note, false);
	fprintf(f, ",\"freq\":%" PRIu64 "},\"traceEvents\":[", e->freq);
	for (size_t i = 0; i < e->n && !ferror(f); i++) {
		const struct els_event *ev = &e->ev[i];
		double ts = els_events_seconds(e, ev->ts) * 1e6;
		long pid = (long)ev->pcpu + 1, tid = pid;
		const char *name;

		if (ev->kind == ELS_EV_WAIT || ev->kind == ELS_EV_WAKE)
			wait_track(ev, &pid, &tid);
		if (name_track(f, e, ev, &seen, &first, pid, tid) < 0) {
			free(seen.slot);
			return &els_enomem;
		}
		switch (ev->kind) {
		case ELS_EV_RUN:
		case ELS_EV_WAIT:
			els_export_run_label(e, ev, label, sizeof(label));
			if (ev->kind == ELS_EV_WAIT)
				name = "runnable";
			else
				name = label;
			fprintf(f, "%s\n{\"ph\":\"X\",\"name\":",
				first ? "" : ",");
			els_export_json_string(f, name, false);
			fprintf(f, ",\"cat\":\"%s\",\"pid\":%ld,\"tid\":%ld,"
				   "\"ts\":%.3f,\"dur\":%.3f",
				els_ev_kind_name((enum els_ev_kind)ev->kind),
				pid, tid, ts, (double)ev->dur * us);
			break;
		default:
			if (ev->kind == ELS_EV_SAMPLE && ev->func)
				name = els_events_string(e, ev->func);
			else if (ev->kind == ELS_EV_LOST)
				name = "lost records";
			else if (ev->kind == ELS_EV_WAKE)
				name = "wake";
			else
				name = els_ev_kind_name(
					(enum els_ev_kind)ev->kind);
			fprintf(f, "%s\n{\"ph\":\"i\",\"s\":\"%s\",\"name\":",
				first ? "" : ",",
				ev->kind == ELS_EV_LOST ? "p" : "t");
			els_export_json_string(f, name, false);
			fprintf(f, ",\"cat\":\"%s\",\"pid\":%ld,\"tid\":%ld,"
				   "\"ts\":%.3f",
				els_ev_kind_name((enum els_ev_kind)ev->kind),
				pid, tid, ts);
			break;
		}
		first = false;
		put_args(f, e, ev);
	}
	free(seen.slot);
	fputs("\n]}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return els_error_errno(errno ? errno : EIO,
				       "writing the Perfetto trace");
	return NULL;
}
