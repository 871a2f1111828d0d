/* SPDX-License-Identifier: MIT */
/* trace.dat -> events: sched_switch and sched_wakeup through libtracecmd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "view/keymap.h"
#include "view/sched_conv.h"
#include "view/tracecmd_file.h"

#ifndef ELS_HAVE_LIBTRACECMD

bool els_tracecmd_supported(void)
{
	return false;
}

struct els_error *els_tracecmd_file_read(const char *path,
					 struct els_events *out)
{
	return els_error_create(ELS_ERR_UNSUPPORTED,
		"%s: this elscope was built without libtracecmd (Debian: libtracecmd-dev), it cannot read trace.dat files",
		path);
}

#else

#include <trace-cmd/trace-cmd.h>
#include <traceevent/event-parse.h>

#define MAX_CPUS 4096
#define MAX_PID 4194304 /* Linux's PID_MAX_LIMIT */

bool els_tracecmd_supported(void)
{
	return true;
}

/* A field's place in a record, checked against each record's size. */
struct fld {
	int offset, size;
	bool ok;
};


struct tc {
	struct els_events *out;
	struct tep_handle *tep;
	int switch_id, wakeup_id, wakeup_new_id;
	struct fld type;
	struct fld prev_pid, prev_comm, prev_state, next_pid, next_comm;
	struct fld w_pid, w_comm, w_target; /* sched_wakeup's (and _new's) */
	struct fld wn_pid, wn_comm, wn_target;
	struct els_sched_conv conv;
	uint64_t first_ts, last_ts;
	bool any;
	struct els_error *err;
};

static struct fld field(struct tep_event *ev, const char *name, bool common)
{
	struct tep_format_field *f = common ? tep_find_common_field(ev, name)
					    : tep_find_field(ev, name);
	struct fld r = { 0 };
	if (f && f->offset >= 0 && f->size > 0 && f->size <= 4096) {
		r.offset = f->offset;
		r.size = f->size;
		r.ok = true;
	}
	return r;
}

static bool in_record(const struct fld *f, const struct tep_record *r)
{
	return f->ok && r->data && r->size >= 0 &&
	       (long long)f->offset + f->size <= r->size;
}

static bool num(struct tc *t, const struct fld *f, const struct tep_record *r,
		long long *v)
{
	if (!in_record(f, r) || f->size > 8)
		return false;
	unsigned long long u = tep_read_number(t->tep,
					       (const char *)r->data + f->offset,
					       f->size);
	/* Sign-extend: pids and states are ints. */
	if (f->size < 8 && (u >> (f->size * 8 - 1)) & 1)
		u |= ~0ull << (f->size * 8);
	*v = (long long)u;
	return true;
}

static uint32_t str(struct tc *t, const struct fld *f,
		    const struct tep_record *r)
{
	char buf[64];
	if (!in_record(f, r))
		return 0;
	size_t n = (size_t)f->size < sizeof(buf) - 1 ? (size_t)f->size
						      : sizeof(buf) - 1;
	memcpy(buf, (const char *)r->data + f->offset, n);
	buf[n] = 0;
	return els_events_intern(t->out, buf);
}

static struct els_error *on_switch(struct tc *t, struct tep_record *r,
				   unsigned cpu)
{
	long long prev, next, state = 0;
	if (!num(t, &t->prev_pid, r, &prev) ||
	    !num(t, &t->next_pid, r, &next) || prev < 0 || next < 0 ||
	    prev > MAX_PID || next > MAX_PID)
		return NULL; /* a record too short or with no pids: skipped */
	num(t, &t->prev_state, r, &state);
	return els_sched_switch(&t->conv, r->ts, cpu, (int32_t)prev,
				str(t, &t->prev_comm, r), (uint64_t)state,
				(int32_t)next, str(t, &t->next_comm, r));
}

static struct els_error *on_wakeup(struct tc *t, struct tep_record *r,
				   unsigned cpu, bool is_new)
{
	long long pid, target = cpu;
	if (!num(t, is_new ? &t->wn_pid : &t->w_pid, r, &pid) || pid <= 0 ||
	    pid > MAX_PID)
		return NULL;
	if (!num(t, is_new ? &t->wn_target : &t->w_target, r, &target) ||
	    target < 0 || target >= MAX_CPUS)
		target = cpu;
	return els_sched_wakeup(&t->conv, r->ts, (unsigned)target,
				(int32_t)pid,
				str(t, is_new ? &t->wn_comm : &t->w_comm, r));
}

static int on_record(struct tracecmd_input *h, struct tep_record *r, int cpu,
		     void *arg)
{
	struct tc *t = arg;
	if (t->err)
		return -1;
	int rc = r->cpu >= 0 ? r->cpu : cpu;
	if (!t->any) {
		t->first_ts = r->ts;
		t->any = true;
	}
	if (rc < 0 || rc >= MAX_CPUS ||
	    !els_sched_seen(&t->conv, (unsigned)rc, t->first_ts)) {
		t->err = els_error_create(ELS_ERR_INVALID,
			"record on cpu %d: out of range (0-%d)",
			rc, MAX_CPUS - 1);
		return -1;
	}
	unsigned ucpu = (unsigned)rc;
	if (r->ts > t->last_ts)
		t->last_ts = r->ts;
	if (r->missed_events)
		t->err = els_sched_lost(&t->conv, r->ts, ucpu);
	long long type;
	if (t->err || !num(t, &t->type, r, &type))
		return t->err ? -1 : 0;
	if (type == t->switch_id)
		t->err = on_switch(t, r, ucpu);
	else if (type == t->wakeup_id)
		t->err = on_wakeup(t, r, ucpu, false);
	else if (type == t->wakeup_new_id)
		t->err = on_wakeup(t, r, ucpu, true);
	return t->err ? -1 : 0;
}

/*
 * The parse proper, in this process. libtracecmd and libtraceevent crash
 * on some damaged files (a SEGV in libtraceevent's format parser, found by
 * fuzz_tracecmd), so els_tracecmd_file_read runs this first in a child.
 */
static struct els_error *read_here(const char *path, struct els_events *out)
{
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	errno = 0;
	struct tracecmd_input *h = tracecmd_open_head(path, 0);
	if (!h)
		return els_error_create(ELS_ERR_INVALID,
			"%s: libtracecmd could not open it (a damaged or unsupported trace.dat)",
			path);
	/*
	 * Not tracecmd_open(): when loading the data fails, it closes the
	 * half-loaded handle and libtracecmd 1.3.1 crashes there (found by
	 * fuzz_tracecmd). A handle whose data did not load is left unclosed,
	 * as trace-cmd report does: a small leak on a damaged file.
	 */
	if (tracecmd_init_data(h) < 0)
		return els_error_create(ELS_ERR_INVALID,
			"%s: libtracecmd could not load its records (a damaged or unsupported trace.dat)",
			path);
	struct tc t = { .out = out, .tep = tracecmd_get_tep(h),
			.switch_id = -1, .wakeup_id = -1,
			.wakeup_new_id = -1 };
	els_sched_conv_init(&t.conv, out, ELS_EV_NONE);
	struct tep_event *sw = t.tep ? tep_find_event_by_name(t.tep, "sched",
							      "sched_switch")
				     : NULL;
	struct els_error *err = NULL;
	if (!sw) {
		err = els_error_create(ELS_ERR_NOT_FOUND,
			"%s: no sched_switch event in this trace (record with -e sched_switch -e sched_wakeup)",
			path);
		goto out;
	}
	t.switch_id = sw->id;
	t.type = field(sw, "common_type", true);
	t.prev_pid = field(sw, "prev_pid", false);
	t.prev_comm = field(sw, "prev_comm", false);
	t.prev_state = field(sw, "prev_state", false);
	t.next_pid = field(sw, "next_pid", false);
	t.next_comm = field(sw, "next_comm", false);
	if (!t.type.ok || !t.prev_pid.ok || !t.next_pid.ok) {
		err = els_error_create(ELS_ERR_INVALID,
			"%s: sched_switch's format has no common_type, prev_pid or next_pid",
			path);
		goto out;
	}
	struct tep_event *wk = tep_find_event_by_name(t.tep, "sched",
						      "sched_wakeup");
	if (wk) {
		t.wakeup_id = wk->id;
		t.w_pid = field(wk, "pid", false);
		t.w_comm = field(wk, "comm", false);
		t.w_target = field(wk, "target_cpu", false);
	}
	struct tep_event *wn = tep_find_event_by_name(t.tep, "sched",
						      "sched_wakeup_new");
	if (wn) {
		t.wakeup_new_id = wn->id;
		t.wn_pid = field(wn, "pid", false);
		t.wn_comm = field(wn, "comm", false);
		t.wn_target = field(wn, "target_cpu", false);
	}
	out->freq = 1000000000u;
	snprintf(out->clock_note, sizeof(out->clock_note),
		 "trace.dat: ns of the traced kernel's trace clock, kept as is (freq 1e9): the file relates it to no counter");
	if (tracecmd_iterate_events(h, NULL, 0, on_record, &t) < 0 && !t.err)
		t.err = els_error_create(ELS_ERR_INVALID,
			"%s: libtracecmd stopped reading the records", path);
	err = t.err;
	/* Spans still open end with the trace. */
	if (!err)
		err = els_sched_finish(&t.conv, t.last_ts);
	if (t.any) {
		if (!out->t0 || t.first_ts < out->t0)
			out->t0 = t.first_ts;
		if (t.last_ts > out->t1)
			out->t1 = t.last_ts;
	}
	if (err)
		err = els_error_wrap(err, "%s", path);
out:
	els_sched_conv_deinit(&t.conv);
	tracecmd_close(h);
	return err;
}


struct els_error *els_tracecmd_file_read(const char *path,
					 struct els_events *out)
{

	FILE *f = fopen(path, "rb");
	if (!f)
		return els_error_errno(errno, "%s", path);
	char magic[ELS_TRACECMD_MAGIC_LEN];
	size_t got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (got != sizeof(magic) ||
	    memcmp(magic, ELS_TRACECMD_MAGIC, sizeof(magic)) != 0)
		return els_error_create(ELS_ERR_INVALID,
					"%s: not a trace-cmd trace.dat file (no \\x17\\x08\\x44tracing magic)",
					path);
	/* A damaged file may crash the libraries: try it in a child first. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct els_events tmp;
		els_events_init(&tmp);
		struct els_error *err = read_here(path, &tmp);
		_exit(err ? 2 : 0);
	}
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR)
				return els_error_errno(errno, "%s: waiting for the reader", path);
		}
		if (WIFSIGNALED(st) ||
		    (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 2))
			return els_error_create(ELS_ERR_INVALID,
						"%s: libtracecmd crashed reading it (%s %d): the file is damaged",
						path, WIFSIGNALED(st) ? "signal" : "status",
						WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	/* (No fork: read it here all the same.) */
	return read_here(path, out);
}

#endif
