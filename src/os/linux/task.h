/* SPDX-License-Identifier: MIT */
/*
 * Tasks of a Linux kernel: the list from init_task.tasks (processes) and
 * each process's threads (signal->thread_head / thread_node), one read of
 * the span of the needed fields per task, bounded and cycle-checked.
 */
#ifndef ELS_OS_LINUX_TASK_H
#define ELS_OS_LINUX_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "os/linux/kernel.h"

struct els_linux_task {
	uint64_t addr;       /* the task_struct */
	int32_t pid, tgid;
	uint64_t real_parent; /* task_struct of the parent */
	char comm[17];
	uint32_t state;      /* __state (or state before 5.14) */
	uint32_t exit_state;
	uint32_t flags;      /* PF_* */
	uint32_t cpu;        /* the CPU it last ran on */
	uint64_t mm;         /* 0: a kernel thread */
	uint64_t stack;      /* the kernel stack's base */
	int32_t ppid;        /* real_parent's tgid (els_linux_task_list) */
};

/* Return nonzero to stop the walk (not an error). */
typedef int (*els_linux_task_fn)(const struct els_linux_task *task,
				 void *arg);

/*
 * Every process (init_task first), or with threads every thread of every
 * process. A list that loops, points outside readable memory or whose
 * back-links disagree ends the walk with an error naming the last good
 * task; tasks already given to fn stay given.
 */
struct els_error *els_linux_for_each_task(struct els_linux *lx, bool threads,
					  els_linux_task_fn fn, void *arg);
/* One task by the address of its task_struct. */
struct els_error *els_linux_task_read(struct els_linux *lx, uint64_t addr,
				      struct els_linux_task *ret);
/* The thread with pid (any thread, not only leaders). */
struct els_error *els_linux_task_by_pid(struct els_linux *lx, int32_t pid,
					struct els_linux_task *ret);

/*
 * The state letter /proc/PID/stat shows: R S D T t X Z P I, from
 * (__state | exit_state) & TASK_REPORT, TASK_IDLE as I.
 */
char els_linux_task_state(const struct els_linux_task *t);

/*
 * Every process (or thread) into a malloc'ed array, each with its ppid: the
 * tgid of real_parent, taken from the tasks walked, read only for a parent
 * that was not among them. On a walk that breaks, *ret and *n still hold
 * the tasks walked before the break (free *ret either way).
 */
struct els_error *els_linux_task_list(struct els_linux *lx, bool threads,
				      struct els_linux_task **ret, size_t *n);

/*
 * The task_struct a CPU runs now. Live, with the CPU in the kernel (EL1,
 * or EL2 with E2H): SP_EL0, which holds `current`; at EL0, in a dump, or
 * when SP_EL0 is no kernel address (entry code): the CPU's runqueue's curr.
 */
struct els_error *els_linux_current(struct els_linux *lx, unsigned cpu,
				    uint64_t *task);
/* The idle task of a CPU (its runqueue's idle; swapper/N). */
struct els_error *els_linux_idle_task(struct els_linux *lx, unsigned cpu,
				      uint64_t *task);

#endif
