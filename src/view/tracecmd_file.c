/* SPDX-License-Identifier: MIT */
/* trace.dat -> events: sched_switch and sched_wakeup through libtracecmd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "view/keymap.h"
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

struct cpu_state {
	uint64_t run_start;
	int32_t pid;     /* running since run_start; -1: not known yet */
	uint32_t name;
	bool seen;
};

struct task_state {
	uint64_t wait_start;
	uint32_t name;
	uint16_t wait_cpu;
	bool waiting;
};

struct tc {
	struct els_events *out;
	struct tep_handle *tep;
	int switch_id, wakeup_id, wakeup_new_id;
	struct fld type;
	struct fld prev_pid, prev_comm, prev_state, next_pid, next_comm;
	struct fld w_pid, w_comm, w_target; /* sched_wakeup's (and _new's) */
	struct fld wn_pid, wn_comm, wn_target;
	struct cpu_state *cpus;
	unsigned ncpus;
	struct els_keymap tasks;
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

static struct cpu_state *cpu_of(struct tc *t, int cpu)
{
	if (cpu < 0 || cpu >= MAX_CPUS)
		return NULL;
	if ((unsigned)cpu >= t->ncpus) {
		unsigned n = (unsigned)cpu + 1;
		struct cpu_state *c = realloc(t->cpus, n * sizeof(*c));
		if (!c)
			return NULL;
		for (unsigned i = t->ncpus; i < n; i++)
			c[i] = (struct cpu_state){ .pid = -1 };
		t->cpus = c;
		t->ncpus = n;
	}
	return &t->cpus[cpu];
}

static struct els_error *add(struct tc *t, uint8_t kind, uint64_t ts,
			     uint64_t end, int32_t pid, uint32_t name,
			     unsigned cpu)
{
	struct els_event e = {
		.ts = ts,
		.dur = end > ts ? end - ts : 0,
		.vm = ELS_EV_NONE,
		.vcpu = ELS_EV_NONE,
		.pid = pid,
		.name = name,
		.pcpu = (uint16_t)cpu,
		.kind = kind,
		.level = pid == 0 ? ELS_LVL_IDLE : ELS_LVL_UNKNOWN,
	};
	return els_events_add(t->out, &e);
}

static struct els_error *end_wait(struct tc *t, int32_t pid, uint32_t name,
				  uint64_t ts)
{
	struct task_state *s = els_keymap_get(&t->tasks, (uint64_t)pid);
	if (!s)
		return &els_enomem;
	if (!s->waiting)
		return NULL;
	s->waiting = false;
	return add(t, ELS_EV_WAIT, s->wait_start, ts, pid, name, s->wait_cpu);
}

static struct els_error *start_wait(struct tc *t, int32_t pid, uint64_t ts,
				    unsigned cpu, uint32_t name)
{
	struct task_state *s = els_keymap_get(&t->tasks, (uint64_t)pid);
	if (!s)
		return &els_enomem;
	if (!s->waiting) {
		s->waiting = true;
		s->wait_start = ts;
		s->wait_cpu = (uint16_t)cpu;
		s->name = name;
	}
	return NULL;
}

static struct els_error *on_switch(struct tc *t, struct tep_record *r,
				   struct cpu_state *c, unsigned cpu)
{
	long long prev, next, state = 0;
	if (!num(t, &t->prev_pid, r, &prev) ||
	    !num(t, &t->next_pid, r, &next) || prev < 0 || next < 0 ||
	    prev > MAX_PID || next > MAX_PID)
		return NULL; /* a record too short or with no pids: skipped */
	num(t, &t->prev_state, r, &state);
	uint64_t ts = r->ts;
	uint32_t pname = str(t, &t->prev_comm, r);
	uint32_t nname = str(t, &t->next_comm, r);
	struct els_error *err = NULL;
	/* prev ran since its switch-in, or since this CPU's first record. */
	uint64_t since = c->pid >= 0 ? c->run_start : t->first_ts;
	if (c->pid < 0 || c->pid == prev) {
		if (ts > since)
			err = add(t, ELS_EV_RUN, since, ts, (int32_t)prev,
				  pname, cpu);
	} else {
		/* Records were lost in between: close what we knew. */
		err = add(t, ELS_EV_RUN, since, ts, c->pid, c->name, cpu);
	}
	/* Preempted (state 0, or only the preempt bit above the states). */
	if (!err && prev != 0 && (state & 0xff) == 0)
		err = start_wait(t, (int32_t)prev, ts, cpu, pname);
	if (!err && next != 0)
		err = end_wait(t, (int32_t)next, nname, ts);
	c->pid = (int32_t)next;
	c->name = nname;
	c->run_start = ts;
	return err;
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
	uint32_t name = str(t, is_new ? &t->wn_comm : &t->w_comm, r);
	struct els_error *err = add(t, ELS_EV_WAKE, r->ts, r->ts,
				    (int32_t)pid, name, (unsigned)target);
	if (!err)
		err = start_wait(t, (int32_t)pid, r->ts, (unsigned)target,
				 name);
	return err;
}

static int on_record(struct tracecmd_input *h, struct tep_record *r, int cpu,
		     void *arg)
{
	struct tc *t = arg;
	if (t->err)
		return -1;
	struct cpu_state *c = cpu_of(t, r->cpu >= 0 ? r->cpu : cpu);
	if (!c) {
		t->err = els_error_create(ELS_ERR_INVALID,
			"record on cpu %d: out of range (0-%d)",
			r->cpu, MAX_CPUS - 1);
		return -1;
	}
	unsigned ucpu = (unsigned)(c - t->cpus);
	if (!t->any) {
		t->first_ts = r->ts;
		t->any = true;
	}
	if (r->ts > t->last_ts)
		t->last_ts = r->ts;
	if (!c->seen) {
		c->seen = true;
		if (ucpu + 1 > t->out->npcpus)
			t->out->npcpus = ucpu + 1;
	}
	if (r->missed_events) {
		struct els_event e = { .ts = r->ts, .vm = ELS_EV_NONE,
				       .vcpu = ELS_EV_NONE,
				       .pid = ELS_EV_NONE,
				       .pcpu = (uint16_t)ucpu,
				       .kind = ELS_EV_LOST,
				       .level = ELS_LVL_UNKNOWN };
		t->err = els_events_add(t->out, &e);
		/* We no longer know who runs here. */
		c->pid = -1;
	}
	long long type;
	if (t->err || !num(t, &t->type, r, &type))
		return t->err ? -1 : 0;
	if (type == t->switch_id)
		t->err = on_switch(t, r, c, ucpu);
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
	els_keymap_init(&t.tasks, sizeof(struct task_state));
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
	for (unsigned i = 0; !err && i < t.ncpus; i++) {
		struct cpu_state *c = &t.cpus[i];
		if (c->pid >= 0 && t.last_ts > c->run_start)
			err = add(&t, ELS_EV_RUN, c->run_start, t.last_ts,
				  c->pid, c->name, i);
	}
	els_keymap_for_each(&t.tasks, i) {
		struct task_state *s = (struct task_state *)
			(t.tasks.vals + i * t.tasks.vsize);
		if (!err && s->waiting)
			err = add(&t, ELS_EV_WAIT, s->wait_start, t.last_ts,
				  (int32_t)t.tasks.keys[i], s->name,
				  s->wait_cpu);
	}
	if (t.any) {
		if (!out->t0 || t.first_ts < out->t0)
			out->t0 = t.first_ts;
		if (t.last_ts > out->t1)
			out->t1 = t.last_ts;
	}
	if (err)
		err = els_error_wrap(err, "%s", path);
out:
	els_keymap_deinit(&t.tasks);
	free(t.cpus);
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
