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

#endif
