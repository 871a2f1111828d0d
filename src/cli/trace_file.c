/* SPDX-License-Identifier: MIT */
/* Trace files read without a target: xentrace files and trace.dat. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/reader.h"
#include "cli/trace_file.h"
#include "view/export.h"
#include "view/keymap.h"
#include "view/tracecmd_file.h"
#include "view/xentrace_file.h"

struct els_error *els_trace_file_format(const char *path,
					enum els_trace_file_format *ret)
{
	uint8_t b[ELS_TRACECMD_MAGIC_LEN] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return els_error_errno(errno, "%s", path);
	size_t n = fread(b, 1, sizeof(b), f);
	fclose(f);
	*ret = ELS_TRACE_FILE_UNKNOWN;
	if (n == sizeof(b) && !memcmp(b, ELS_TRACECMD_MAGIC, sizeof(b)))
		*ret = ELS_TRACE_FILE_TRACECMD;
	else if (n >= 4 && els_le32(b) == ELS_XENTRACE_CPU_CHANGE_HDR)
		*ret = ELS_TRACE_FILE_XENTRACE;
	else
		return els_error_create(ELS_ERR_INVALID,
			"%s: neither a xentrace file (first word 0x%08x) nor a trace-cmd trace.dat",
			path, ELS_XENTRACE_CPU_CHANGE_HDR);
	return NULL;
}

const char *els_trace_file_format_name(enum els_trace_file_format f)
{
	switch (f) {
	case ELS_TRACE_FILE_XENTRACE:
		return "xentrace";
	case ELS_TRACE_FILE_TRACECMD:
		return "trace.dat";
	default:
		return "unknown";
	}
}

struct els_error *els_cli_trace_file(struct els_cli *cli, const char *path,
				     struct els_events *out)
{
	enum els_trace_file_format fmt;
	struct els_error *err = els_trace_file_format(path, &fmt);
	if (err)
		return err;
	if (fmt == ELS_TRACE_FILE_TRACECMD)
		return els_tracecmd_file_read(path, out);
	return els_xentrace_file_read(path, out);
}

/* Run time per name, for the summary's top list. */
struct run_sum {
	uint64_t ticks;
};

/* What ran: its name, else its VM and vCPU (Xen's records name none). */
static uint64_t run_key(const struct els_event *ev)
{
	if (ev->name)
		return ev->name;
	return 1ull << 63 | (uint64_t)(ev->level == ELS_LVL_IDLE) << 62 |
	       (uint64_t)(uint32_t)ev->vm << 16 | (uint16_t)ev->vcpu;
}

static const char *run_label(const struct els_events *e, uint64_t key,
			     char *buf, size_t size)
{
	if (!(key >> 63))
		return els_events_string(e, (uint32_t)key);
	int32_t vm = (int32_t)(uint32_t)(key >> 16);
	int vcpu = (int16_t)(uint16_t)key;
	if (vm == ELS_EV_NONE && vcpu >= 0)
		snprintf(buf, size, "%s v%d", key >> 62 & 1 ? "xen idle" : "xen",
			 vcpu);
	else if (vm == ELS_EV_NONE)
		snprintf(buf, size, "%s", key >> 62 & 1 ? "xen idle" : "xen");
	else if (vcpu >= 0)
		snprintf(buf, size, "d%dv%d", vm, vcpu);
	else
		snprintf(buf, size, "d%d", vm);
	return buf;
}

static int cmp_top(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b; /* { ticks, name } */
	return x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0;
}

void els_cli_trace_summary(const char *path, enum els_trace_file_format fmt,
			   const struct els_events *e, const char *out_path,
			   double read_seconds, bool json)
{
	size_t kinds[ELS_EV_LOST + 1] = { 0 };
	struct els_keymap runs;
	els_keymap_init(&runs, sizeof(struct run_sum));
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		if (ev->kind <= ELS_EV_LOST)
			kinds[ev->kind]++;
		if (ev->kind == ELS_EV_RUN) {
			struct run_sum *s = els_keymap_get(&runs, run_key(ev));
			if (s)
				s->ticks += ev->dur;
		}
	}
	/* The ten names that ran longest. */
	uint64_t(*top)[2] = calloc(runs.n ? runs.n : 1, sizeof(*top));
	size_t ntop = 0;
	if (top) {
		els_keymap_for_each(&runs, i) {
			top[ntop][0] = ((struct run_sum *)(runs.vals +
						i * runs.vsize))->ticks;
			top[ntop++][1] = runs.keys[i];
		}
		qsort(top, ntop, sizeof(*top), cmp_top);
	}
	if (ntop > 10)
		ntop = 10;
	double span = e->freq && e->t1 > e->t0
			      ? (double)(e->t1 - e->t0) / (double)e->freq
			      : 0;
	double freq = e->freq ? (double)e->freq : 1;
	char lab[64];
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "format", json_object_new_string(
			els_trace_file_format_name(fmt)));
		json_object_object_add(o, "events",
				       json_object_new_int64((int64_t)e->n));
		struct json_object *k = json_object_new_object();
		for (int i = 0; i <= ELS_EV_LOST; i++)
			json_object_object_add(k, els_ev_kind_name(i),
				json_object_new_int64((int64_t)kinds[i]));
		json_object_object_add(o, "kinds", k);
		json_object_object_add(o, "pcpus",
				       json_object_new_int64(e->npcpus));
		json_object_object_add(o, "t0",
				       json_object_new_int64((int64_t)e->t0));
		json_object_object_add(o, "t1",
				       json_object_new_int64((int64_t)e->t1));
		json_object_object_add(o, "freq",
				       json_object_new_int64((int64_t)e->freq));
		json_object_object_add(o, "seconds",
				       json_object_new_double(span));
		json_object_object_add(o, "clock_note",
				       json_object_new_string(e->clock_note));
		json_object_object_add(o, "read_seconds",
				       json_object_new_double(read_seconds));
		struct json_object *t = json_object_new_array();
		for (size_t i = 0; i < ntop; i++) {
			struct json_object *r = json_object_new_object();
			json_object_object_add(r, "name", json_object_new_string(
				run_label(e, top[i][1], lab, sizeof(lab))));
			json_object_object_add(r, "run_seconds",
				json_object_new_double((double)top[i][0] / freq));
			json_object_array_add(t, r);
		}
		json_object_object_add(o, "top_run", t);
		if (out_path)
			json_object_object_add(o, "out",
					       json_object_new_string(out_path));
		els_cli_print_json(o);
		json_object_put(o);
	} else {
		printf("%s: %s, %zu events (run %zu, wait %zu, wake %zu, lost %zu) on %u CPUs over %.6f s, read in %.3f s\n",
		       path, els_trace_file_format_name(fmt), e->n,
		       kinds[ELS_EV_RUN], kinds[ELS_EV_WAIT],
		       kinds[ELS_EV_WAKE], kinds[ELS_EV_LOST], e->npcpus,
		       span, read_seconds);
		printf("clock: %s\n", e->clock_note);
		if (ntop)
			printf("%-24s %12s\n", "RAN LONGEST", "SECONDS");
		for (size_t i = 0; i < ntop; i++)
			printf("%-24s %12.6f\n",
			       run_label(e, top[i][1], lab, sizeof(lab)),
			       (double)top[i][0] / freq);
		if (out_path)
			printf("wrote %s\n", out_path);
	}
	free(top);
	els_keymap_deinit(&runs);
}

int els_cli_trace_in_main(const char *path, const char *out_path,
			  uint64_t freq, bool json)
{
	struct els_events e;
	els_events_init(&e);
	e.freq = freq;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	enum els_trace_file_format fmt;
	struct els_error *err = els_trace_file_format(path, &fmt);
	if (!err && fmt == ELS_TRACE_FILE_TRACECMD && freq)
		err = els_error_create(ELS_ERR_USAGE,
			"--freq applies to xentrace files; trace.dat times are ns");
	if (!err)
		err = els_cli_trace_file(NULL, path, &e);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!err && out_path)
		err = els_export_file(&e, NULL, out_path);
	int status = 0;
	if (err) {
		els_cli_report("--in", err);
		status = err->code == ELS_ERR_USAGE ? 2 : 1;
		els_error_destroy(err);
	} else {
		els_cli_trace_summary(path, fmt, &e, out_path,
				      (double)(b.tv_sec - a.tv_sec) +
					      (double)(b.tv_nsec - a.tv_nsec) /
						      1e9,
				      json);
	}
	els_events_deinit(&e);
	return status;
}
