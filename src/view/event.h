/* SPDX-License-Identifier: MIT */
/*
 * One event model for every source of "where time goes": samples taken
 * through the probe, Xen's trace buffers, Linux's ftrace ring buffer,
 * xentrace and trace-cmd files. Every exporter (CSV, Perfetto, the HTML
 * report) reads only this.
 *
 * Time is the Arm generic timer's counter (CNTPCT/CNTVCT ticks) of the
 * machine, with its frequency: Xen's trace records carry it directly; a
 * source on another clock (Linux's sched_clock in ns) is converted by its
 * reader, which says how in els_events.clock_note.
 *
 * Strings (VM names, comms, functions) are interned once: an event holds
 * an index into els_events.strings. Memory is a flat array, so ten million
 * events are 10M * 40 bytes.
 */
#ifndef ELS_VIEW_EVENT_H
#define ELS_VIEW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum els_ev_kind {
	ELS_EV_RUN,    /* a span: on physical CPU pcpu, what ran from ts to ts+dur */
	ELS_EV_WAIT,   /* a span: vCPU (vm, vcpu) or task pid runnable, not running */
	ELS_EV_WAKE,   /* an instant: (vm, vcpu) or pid woken */
	ELS_EV_SAMPLE, /* an instant: one sample of what pcpu ran (func, level) */
	ELS_EV_LOST,   /* an instant: the source lost records here */
};

enum els_ev_level {
	ELS_LVL_HYPERVISOR, /* EL2 (Xen), or Xen's idle vCPU */
	ELS_LVL_KERNEL,     /* EL1 of a VM, or the host kernel */
	ELS_LVL_USER,       /* EL0 */
	ELS_LVL_IDLE,       /* a kernel's idle task, or Xen idle */
	ELS_LVL_UNKNOWN,
};

#define ELS_EV_NONE (-1)

struct els_event {
	uint64_t ts;        /* counter ticks */
	uint64_t dur;       /* counter ticks; 0 for instants */
	int32_t vm;         /* Xen domain id; ELS_EV_NONE: the hypervisor or the host */
	int32_t vcpu;       /* ELS_EV_NONE when not known */
	int32_t pid;        /* ELS_EV_NONE when not known */
	uint32_t name;      /* string index: comm, function, label (0: "") */
	uint16_t pcpu;
	uint8_t kind;       /* enum els_ev_kind */
	uint8_t level;      /* enum els_ev_level */
	uint32_t func;      /* string index of the function (samples), 0: none */
};

struct els_events {
	struct els_event *ev;
	size_t n, cap;
	uint64_t freq;          /* counter ticks per second */
	uint64_t t0, t1;        /* the interval the events cover */
	unsigned npcpus;
	char clock_note[128];   /* how times were put on the counter's clock */
	/* Interned strings: strings[0] is "". */
	char **strings;
	size_t nstrings, capstrings;
	void *index;            /* string -> index (private) */
};

void els_events_init(struct els_events *e);
void els_events_deinit(struct els_events *e);
/* Append an event (copied); &els_enomem when memory runs out. */
struct els_error *els_events_add(struct els_events *e,
				 const struct els_event *ev);
/* The index of string s, added when new; 0 for NULL or "". On no memory: 0. */
uint32_t els_events_intern(struct els_events *e, const char *s);
const char *els_events_string(const struct els_events *e, uint32_t idx);
/* Sort by ts (then pcpu), stable. */
void els_events_sort(struct els_events *e);
/* Counter ticks to seconds since t0. */
double els_events_seconds(const struct els_events *e, uint64_t ts);

const char *els_ev_kind_name(enum els_ev_kind k);
const char *els_ev_level_name(enum els_ev_level l);

#endif
