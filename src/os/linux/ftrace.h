/* SPDX-License-Identifier: MIT */
/*
 * Linux's ftrace ring buffer read in memory, without consuming it: the
 * global trace array (global_trace.array_buffer.buffer, a struct
 * trace_buffer) holds a struct ring_buffer_per_cpu per CPU, whose pages
 * (struct buffer_page, each pointing at a struct buffer_data_page:
 * time_stamp, commit, data[]) form a ring; the reader page stands aside.
 * What the ring holds at the halt is the reader page's unread part, then
 * the pages from the head page (the one a HEAD-flagged list link points
 * to) to the commit page.
 *
 * A data page is a run of struct ring_buffer_event: type_len:5,
 * time_delta:27, array[]. type_len 1..28: data of type_len * 4 bytes;
 * 0: data whose length is array[0]; 29: padding (time_delta 0: the rest of
 * the page); 30: a time extend; 31: an absolute time stamp. Data events
 * are trace entries (struct trace_entry: type, flags, preempt_count, pid)
 * followed by the event's fields; sched_switch and sched_wakeup are
 * decoded, with their type ids from the kernel's struct trace_event_call
 * (event_sched_switch.event.type, ...) and field offsets from BTF/DWARF
 * (struct trace_event_raw_sched_switch, ..._sched_wakeup_template).
 *
 * els_ftrace_parse_page works on bytes only (what the fuzz harness and
 * the unit test exercise); els_linux_ftrace reads the rings and calls it.
 * Times are the kernel's trace clock (the default "local": sched_clock,
 * ns).
 */
#ifndef ELS_OS_LINUX_FTRACE_H
#define ELS_OS_LINUX_FTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debuginfo/types.h"
#include "os/linux/kernel.h"
#include "view/event.h"

/* Where things lie in a data page and in the two events' entries. */
struct els_ftrace_layout {
	/* struct buffer_data_page */
	struct els_type_member time_stamp, commit;
	uint64_t data_offset;
	/* struct trace_entry, as the first member of every entry */
	struct els_type_member ent_type, ent_pid;
	int switch_id, wakeup_id, wakeup_new_id; /* -1: not known */
	/* struct trace_event_raw_sched_switch */
	struct els_type_member prev_comm, prev_pid, prev_state, next_comm,
		next_pid;
	/* struct trace_event_raw_sched_wakeup_template (wakeup and _new) */
	struct els_type_member w_comm, w_pid, w_target_cpu;
};

enum els_ftrace_kind {
	ELS_FTRACE_SWITCH,
	ELS_FTRACE_WAKEUP,
	ELS_FTRACE_WAKEUP_NEW,
	ELS_FTRACE_OTHER, /* an entry of another event: only type and pid */
};

struct els_ftrace_record {
	uint64_t ts;      /* trace clock, ns */
	unsigned cpu;
	enum els_ftrace_kind kind;
	uint16_t type;    /* trace_entry.type */
	int32_t pid;      /* trace_entry.pid: the task that was current */
	/* sched_switch */
	char prev_comm[17], next_comm[17];
	int32_t prev_pid, next_pid;
	int64_t prev_state;
	/* sched_wakeup(_new) */
	char comm[17];
	int32_t wpid;
	int32_t target_cpu;
};

/* Return nonzero to stop (not an error). */
typedef int (*els_ftrace_fn)(const struct els_ftrace_record *r, void *arg);

struct els_ftrace_page_stats {
	size_t entries;   /* data events given (any type) */
	size_t skipped;   /* data events before start, or too short */
	size_t padding, extends, stamps;
};

/* The largest page elscope accepts (64K-page kernels). */
#define ELS_FTRACE_MAX_PAGE 65536

/*
 * Decode one data page: page holds len bytes from the buffer_data_page's
 * start. Events whose offset in data[] is below start (a reader page's
 * consumed part) are walked for their time but not given. A commit beyond
 * the page or an event running past the commit is an ELS_ERR_INVALID error
 * (records given before it stay given); *stopped is set when fn stopped.
 */
struct els_error *els_ftrace_parse_page(const struct els_ftrace_layout *l,
					const uint8_t *page, size_t len,
					size_t start, unsigned cpu,
					els_ftrace_fn fn, void *arg,
					struct els_ftrace_page_stats *st,
					bool *stopped);

/* A CPU's ring as read. */
struct els_ftrace_cpu {
	unsigned cpu;
	uint64_t nr_pages;          /* the ring's, as the kernel says */
	uint64_t pages_read;        /* data pages elscope read */
	uint64_t entries, overrun;  /* the kernel's counters (stats file) */
	uint64_t records;           /* data events decoded */
	uint64_t damaged_pages;     /* pages whose data did not hold together */
	uint64_t first_ts, last_ts; /* of the records (0 when none) */
};

struct els_ftrace_info {
	struct els_ftrace_layout layout;
	struct els_ftrace_cpu *cpus; /* malloc'ed, ncpus of them */
	unsigned ncpus;
	uint64_t page_size;
};

void els_ftrace_info_deinit(struct els_ftrace_info *info);

/*
 * The layout of lx's kernel: data page and event fields from its types,
 * the event ids from its trace_event_calls in memory. A kernel whose
 * sched_switch has no id yet (never enabled) has switch_id -1.
 */
struct els_error *els_linux_ftrace_layout(struct els_linux *lx,
					  struct els_ftrace_layout *l);

/*
 * Every record the global trace array's ring buffer holds, CPU by CPU,
 * oldest first within a CPU. Reads only. A damaged page is skipped and
 * counted (info->cpus[i].damaged_pages); a ring that does not hold
 * together (a loop, an unreadable page) ends that CPU with an error.
 */
struct els_error *els_linux_ftrace(struct els_linux *lx, els_ftrace_fn fn,
				   void *arg, struct els_ftrace_info *info);

/*
 * Records (each CPU's in time order, CPUs in any order) -> the event model:
 * sched_switch -> RUN spans on pcpu = the record's CPU, named by the task
 * that ran; a task switched out runnable and a task woken -> WAIT until
 * its switch-in; wakeups -> WAKE. vm: ELS_EV_NONE for the machine's own
 * kernel, else the VM (the CPU is then also its vCPU). end: where the last
 * span of each CPU ends (the latest record time when 0). Times stay ns
 * (freq 1e9).
 */
struct els_error *els_ftrace_to_events(const struct els_ftrace_record *r,
				       size_t n, int32_t vm, uint64_t end,
				       struct els_events *out);

#endif
