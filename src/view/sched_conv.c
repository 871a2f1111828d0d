/* SPDX-License-Identifier: MIT */
/* sched_switch / sched_wakeup records -> events, whatever their source. */
#include <stdlib.h>

#include "view/sched_conv.h"

struct task_wait {
	uint64_t since;
	uint32_t name;
	uint16_t cpu;
	bool waiting;
};

void els_sched_conv_init(struct els_sched_conv *c, struct els_events *out,
			 int32_t vm)
{
	*c = (struct els_sched_conv){ .out = out, .vm = vm };
	els_keymap_init(&c->tasks, sizeof(struct task_wait));
}

void els_sched_conv_deinit(struct els_sched_conv *c)
{
	els_keymap_deinit(&c->tasks);
	free(c->cpus);
	c->cpus = NULL;
	c->ncpus = 0;
}

bool els_sched_seen(struct els_sched_conv *c, unsigned cpu, uint64_t since)
{
	if (cpu >= ELS_SCHED_MAX_CPUS)
		return false;
	if (cpu >= c->ncpus) {
		unsigned n = cpu + 1;
		struct els_sched_cpu *g = realloc(c->cpus, n * sizeof(*g));
		if (!g)
			return false;
		for (unsigned i = c->ncpus; i < n; i++)
			g[i] = (struct els_sched_cpu){ .pid = -1 };
		c->cpus = g;
		c->ncpus = n;
	}
	struct els_sched_cpu *k = &c->cpus[cpu];
	if (!k->seen) {
		k->seen = true;
		k->pid = -1;
		k->since = since;
		if (cpu + 1 > c->out->npcpus)
			c->out->npcpus = cpu + 1;
	}
	return true;
}

static struct els_error *add(struct els_sched_conv *c, uint8_t kind,
			     uint64_t ts, uint64_t end, int32_t pid,
			     uint32_t name, unsigned cpu)
{
	struct els_event e = {
		.ts = ts,
		.dur = end > ts ? end - ts : 0,
		.vm = c->vm,
		.vcpu = c->vm == ELS_EV_NONE ? ELS_EV_NONE : (int32_t)cpu,
		.pid = pid,
		.name = name,
		.pcpu = (uint16_t)cpu,
		.kind = kind,
		.level = pid == 0 ? ELS_LVL_IDLE : ELS_LVL_UNKNOWN,
	};
	return els_events_add(c->out, &e);
}

static struct els_error *wait_start(struct els_sched_conv *c, int32_t pid,
				    uint64_t ts, unsigned cpu, uint32_t name)
{
	struct task_wait *w = els_keymap_get(&c->tasks, (uint64_t)(uint32_t)pid);
	if (!w)
		return &els_enomem;
	if (!w->waiting)
		*w = (struct task_wait){ ts, name, (uint16_t)cpu, true };
	return NULL;
}

static struct els_error *wait_end(struct els_sched_conv *c, int32_t pid,
				  uint64_t ts)
{
	struct task_wait *w = els_keymap_get(&c->tasks, (uint64_t)(uint32_t)pid);
	if (!w)
		return &els_enomem;
	if (!w->waiting)
		return NULL;
	w->waiting = false;
	return add(c, ELS_EV_WAIT, w->since, ts, pid, w->name, w->cpu);
}

struct els_error *els_sched_switch(struct els_sched_conv *c, uint64_t ts,
				   unsigned cpu, int32_t prev_pid,
				   uint32_t prev_name, uint64_t prev_state,
				   int32_t next_pid, uint32_t next_name)
{
	if (!els_sched_seen(c, cpu, ts))
		return NULL;
	struct els_sched_cpu *k = &c->cpus[cpu];
	struct els_error *err = NULL;
	/*
	 * prev ran since its switch-in (or since the CPU was first seen);
	 * when records were lost in between, what we knew ran until now.
	 */
	if (ts > k->since) {
		if (k->pid < 0 || k->pid == prev_pid)
			err = add(c, ELS_EV_RUN, k->since, ts, prev_pid,
				  prev_name, cpu);
		else
			err = add(c, ELS_EV_RUN, k->since, ts, k->pid, k->name,
				  cpu);
	}
	/* Switched out runnable (state 0, the preempt bit above it): waits. */
	if (!err && prev_pid > 0 && (prev_state & 0xff) == 0)
		err = wait_start(c, prev_pid, ts, cpu, prev_name);
	if (!err && next_pid > 0)
		err = wait_end(c, next_pid, ts);
	k->pid = next_pid;
	k->name = next_name;
	k->since = ts;
	return err;
}

struct els_error *els_sched_wakeup(struct els_sched_conv *c, uint64_t ts,
				   unsigned target_cpu, int32_t pid,
				   uint32_t name)
{
	if (pid <= 0 || target_cpu >= ELS_SCHED_MAX_CPUS)
		return NULL;
	struct els_error *err = add(c, ELS_EV_WAKE, ts, ts, pid, name,
				    target_cpu);
	if (!err)
		err = wait_start(c, pid, ts, target_cpu, name);
	return err;
}

struct els_error *els_sched_lost(struct els_sched_conv *c, uint64_t ts,
				 unsigned cpu)
{
	if (!els_sched_seen(c, cpu, ts))
		return NULL;
	struct els_event e = { .ts = ts, .vm = c->vm,
			       .vcpu = ELS_EV_NONE, .pid = ELS_EV_NONE,
			       .pcpu = (uint16_t)cpu, .kind = ELS_EV_LOST,
			       .level = ELS_LVL_UNKNOWN };
	c->cpus[cpu].pid = -1;
	return els_events_add(c->out, &e);
}

struct els_error *els_sched_finish(struct els_sched_conv *c, uint64_t end)
{
	struct els_error *err = NULL;
	for (unsigned i = 0; i < c->ncpus && !err; i++) {
		struct els_sched_cpu *k = &c->cpus[i];
		if (k->seen && k->pid >= 0 && end > k->since)
			err = add(c, ELS_EV_RUN, k->since, end, k->pid, k->name,
				  i);
	}
	els_keymap_for_each(&c->tasks, i) {
		struct task_wait *w =
			(struct task_wait *)(c->tasks.vals + i * c->tasks.vsize);
		if (!err && w->waiting)
			err = add(c, ELS_EV_WAIT, w->since, end,
				  (int32_t)c->tasks.keys[i], w->name, w->cpu);
	}
	return err;
}
