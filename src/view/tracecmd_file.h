/* SPDX-License-Identifier: MIT */
/*
 * trace-cmd's trace.dat -> the event model, through libtracecmd.
 *
 * sched_switch makes RUN spans (per CPU, per task: from switch-in to
 * switch-out) and, for a task switched out still runnable (preempted),
 * the start of a WAIT; sched_wakeup and sched_wakeup_new make WAKE
 * instants and start a WAIT that the task's next switch-in ends. Records
 * the ring buffer dropped are LOST instants. Tasks are the host's: vm is
 * ELS_EV_NONE; pid 0 is the idle task (level IDLE), others level UNKNOWN
 * (sched_switch does not say whether a task was in user or kernel mode).
 *
 * Times stay in ns of the traced kernel's trace clock (freq = 1e9): the
 * file holds no relation between that clock and a counter, so none is
 * made up; clock_note says so.
 *
 * Without libtracecmd at build time (ELS_HAVE_LIBTRACECMD unset), reading
 * fails with ELS_ERR_UNSUPPORTED naming the missing library.
 */
#ifndef ELS_VIEW_TRACECMD_FILE_H
#define ELS_VIEW_TRACECMD_FILE_H

#include "view/event.h"

/* trace.dat's first bytes: 0x17 0x08 0x44 "tracing". */
#define ELS_TRACECMD_MAGIC "\x17\x08\x44tracing"
#define ELS_TRACECMD_MAGIC_LEN 10

struct els_error *els_tracecmd_file_read(const char *path,
					 struct els_events *out);
/* Whether this build reads trace.dat files. */
bool els_tracecmd_supported(void);

#endif
