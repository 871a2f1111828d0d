/* SPDX-License-Identifier: MIT */
/*
 * Linux's sched_switch and sched_wakeup records, from any source (the
 * ftrace ring read in memory, a trace-cmd trace.dat), into events: a RUN
 * span per CPU per task, a WAIT from a wakeup (or a preemption) to the
 * task's next switch-in, a WAKE instant, LOST where records went missing.
 * Feed the records in time order; finish closes what is still open.
 */
#ifndef ELS_VIEW_SCHED_CONV_H
#define ELS_VIEW_SCHED_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "view/event.h"
#include "view/keymap.h"

#define ELS_SCHED_MAX_CPUS 4096

struct els_sched_cpu {
	uint64_t since;  /* the running task's switch-in (or first sight) */
	int32_t pid;     /* -1: not known yet (or since lost records) */
	uint32_t name;
	bool seen;
};

struct els_sched_conv {
	struct els_events *out;
	int32_t vm;      /* a guest's id: its CPUs are vCPUs; ELS_EV_NONE */
	struct els_sched_cpu *cpus;
	unsigned ncpus;
	struct els_keymap tasks; /* pid -> wait state */
};

void els_sched_conv_init(struct els_sched_conv *c, struct els_events *out,
			 int32_t vm);
void els_sched_conv_deinit(struct els_sched_conv *c);
/*
 * A record of cpu at ts: the first one of a CPU starts its time at since
 * (the record's own time, or the trace's start). False: cpu out of range.
 */
bool els_sched_seen(struct els_sched_conv *c, unsigned cpu, uint64_t since);
/* Names are els_events_intern indices; prev_state as the kernel has it. */
struct els_error *els_sched_switch(struct els_sched_conv *c, uint64_t ts,
				   unsigned cpu, int32_t prev_pid,
				   uint32_t prev_name, uint64_t prev_state,
				   int32_t next_pid, uint32_t next_name);
struct els_error *els_sched_wakeup(struct els_sched_conv *c, uint64_t ts,
				   unsigned target_cpu, int32_t pid,
				   uint32_t name);
/* Records were lost on cpu before ts: who runs there is not known. */
struct els_error *els_sched_lost(struct els_sched_conv *c, uint64_t ts,
				 unsigned cpu);
/* What runs or waits at end does so until end. */
struct els_error *els_sched_finish(struct els_sched_conv *c, uint64_t end);

#endif
