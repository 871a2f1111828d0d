/* SPDX-License-Identifier: MIT */
/* Tasks: the process list, threads, one span read per task. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/addrset.h"
#include "os/linux/task.h"

/* The fields of task_struct read for each task, found once per walk. */
struct layout {
	struct els_type_member state, exit_state, flags, pid, tgid, comm,
		real_parent, mm, stack, cpu, tasks, thread_node, signal;
	uint64_t span_lo, span_hi; /* [lo, hi) of task_struct read */
	uint64_t signal_thread_head;
};

static void widen(struct layout *l, const struct els_type_member *m)
{
	if (m->offset < l->span_lo)
		l->span_lo = m->offset;
	if (m->offset + m->size > l->span_hi)
		l->span_hi = m->offset + m->size;
}

static struct els_error *member_any(struct els_linux *lx, const char *const *paths,
				    struct els_type_member *m)
{
	struct els_error *err = NULL;
	for (size_t i = 0; paths[i]; i++) {
		els_error_destroy(err);
		err = els_linux_member(lx, "task_struct", paths[i], m);
		if (!err)
			return NULL;
	}
	return err;
}

static struct els_error *get_layout(struct els_linux *lx, struct layout *l)
{
	static const char *const state[] = { "__state", "state", NULL };
	static const char *const cpu[] = { "cpu", "thread_info.cpu", NULL };
	struct {
		const char *path;
		struct els_type_member *m;
	} one[] = {
		{ "exit_state", &l->exit_state }, { "flags", &l->flags },
		{ "pid", &l->pid },               { "tgid", &l->tgid },
		{ "comm", &l->comm },             { "real_parent", &l->real_parent },
		{ "mm", &l->mm },                 { "stack", &l->stack },
		{ "tasks", &l->tasks },           { "thread_node", &l->thread_node },
		{ "signal", &l->signal },
	};
	struct els_error *err;
	memset(l, 0, sizeof(*l));
	l->span_lo = UINT64_MAX;
	if ((err = member_any(lx, state, &l->state)) ||
	    (err = member_any(lx, cpu, &l->cpu)))
		return err;
	widen(l, &l->state);
	widen(l, &l->cpu);
	for (size_t i = 0; i < sizeof(one) / sizeof(*one); i++) {
		if ((err = els_linux_member(lx, "task_struct", one[i].path,
					    one[i].m)))
			return err;
		widen(l, one[i].m);
	}
	return els_linux_offset(lx, "signal_struct", "thread_head",
				&l->signal_thread_head);
}

static struct els_error *get(const struct layout *l,
			     const struct els_type_member *m, const uint8_t *buf,
			     uint64_t *v)
{
	return els_linux_get(m, buf, (size_t)(l->span_hi - l->span_lo),
			     l->span_lo, v);
}

static struct els_error *read_task(struct els_linux *lx, const struct layout *l,
				   uint64_t addr, struct els_linux_task *t,
				   uint64_t *tasks_next, uint64_t *tasks_prev,
				   uint64_t *thread_next, uint64_t *signal)
{
	size_t len = (size_t)(l->span_hi - l->span_lo);
	uint8_t stackbuf[4096];
	uint8_t *buf = len <= sizeof(stackbuf) ? stackbuf : malloc(len);
	if (!buf)
		return &els_enomem;
	struct els_error *err = els_linux_read(lx, addr + l->span_lo, buf, len);
	if (err)
		goto out;
	uint64_t v[13];
	const struct els_type_member *ms[] = {
		&l->state, &l->exit_state, &l->flags, &l->pid, &l->tgid,
		&l->real_parent, &l->mm, &l->stack, &l->cpu,
	};
	for (size_t i = 0; i < sizeof(ms) / sizeof(*ms); i++) {
		if ((err = get(l, ms[i], buf, &v[i])))
			goto out;
	}
	memset(t, 0, sizeof(*t));
	t->addr = addr;
	t->state = (uint32_t)v[0];
	t->exit_state = (uint32_t)v[1];
	t->flags = (uint32_t)v[2];
	t->pid = (int32_t)v[3];
	t->tgid = (int32_t)v[4];
	t->real_parent = v[5];
	t->mm = v[6];
	t->stack = v[7];
	t->cpu = (uint32_t)v[8];
	size_t cn = l->comm.size < sizeof(t->comm) - 1 ? (size_t)l->comm.size
						      : sizeof(t->comm) - 1;
	memcpy(t->comm, buf + (l->comm.offset - l->span_lo), cn);
	t->comm[cn] = '\0';
	struct els_type_member next = l->tasks, prev = l->tasks,
			       tnext = l->thread_node;
	next.size = prev.size = tnext.size = 8;
	prev.offset += 8;
	if ((tasks_next && (err = get(l, &next, buf, tasks_next))) ||
	    (tasks_prev && (err = get(l, &prev, buf, tasks_prev))) ||
	    (thread_next && (err = get(l, &tnext, buf, thread_next))) ||
	    (signal && (err = get(l, &l->signal, buf, signal))))
		goto out;
out:
	if (buf != stackbuf)
		free(buf);
	if (err)
		return els_error_wrap(err, "the task_struct at 0x%" PRIx64, addr);
	return NULL;
}

struct els_error *els_linux_task_read(struct els_linux *lx, uint64_t addr,
				      struct els_linux_task *ret)
{
	struct layout l;
	struct els_error *err = get_layout(lx, &l);
	if (err)
		return err;
	return read_task(lx, &l, addr, ret, NULL, NULL, NULL, NULL);
}

/*
 * The threads of one process: its signal_struct's thread_head list, whose
 * nodes are task_struct.thread_node.
 */
static struct els_error *walk_threads(struct els_linux *lx,
				      const struct layout *l,
				      const struct els_linux_task *leader,
				      uint64_t signal, struct els_addrset *seen,
				      size_t *count, els_linux_task_fn fn,
				      void *arg, int *stop)
{
	uint64_t head = signal + l->signal_thread_head, node;
	struct els_error *err = els_linux_read_u64(lx, head, &node);
	if (err)
		return els_error_wrap(err, "the threads of pid %d (comm %s)",
				      leader->pid, leader->comm);
	while (node != head) {
		if (++*count > ELS_LINUX_MAX_NODES)
			return els_error_create(ELS_ERR_INVALID,
						"more than %d tasks: the thread list of pid %d does not end",
						ELS_LINUX_MAX_NODES, leader->pid);
		uint64_t addr = node - l->thread_node.offset, next;
		bool again;
		if (!els_addrset_add(seen, addr, &again))
			return &els_enomem;
		if (again)
			return els_error_addr(ELS_ERR_INVALID, addr,
					      "the thread list of pid %d (comm %s) loops: the task_struct at 0x%" PRIx64 " comes twice",
					      leader->pid, leader->comm, addr);
		struct els_linux_task t;
		if ((err = read_task(lx, l, addr, &t, NULL, NULL, &next, NULL)))
			return els_error_wrap(err, "the thread list of pid %d (comm %s)",
					      leader->pid, leader->comm);
		if (t.tgid != leader->tgid)
			return els_error_addr(ELS_ERR_INVALID, addr,
					      "the thread list of pid %d is corrupt: its task at 0x%" PRIx64 " has tgid %d",
					      leader->pid, addr, t.tgid);
		if ((*stop = fn(&t, arg)))
			return NULL;
		node = next;
	}
	return NULL;
}

struct els_error *els_linux_for_each_task(struct els_linux *lx, bool threads,
					  els_linux_task_fn fn, void *arg)
{
	struct layout l;
	struct els_error *err = get_layout(lx, &l);
	if (err)
		return err;
	uint64_t init;
	if ((err = els_linux_sym(lx, "init_task", &init)))
		return err;
	struct els_addrset seen = { 0 }, threads_seen = { 0 };
	uint64_t head = init + l.tasks.offset;
	uint64_t addr = init, prev_node = 0;
	size_t count = 0, nthreads = 0;
	int stop = 0;
	struct els_linux_task last = { .pid = -1 };
	for (;;) {
		if (++count > ELS_LINUX_MAX_NODES) {
			err = els_error_create(ELS_ERR_INVALID,
					       "more than %d tasks: the task list does not end",
					       ELS_LINUX_MAX_NODES);
			break;
		}
		bool again;
		if (!els_addrset_add(&seen, addr, &again)) {
			err = &els_enomem;
			break;
		}
		if (again) {
			err = els_error_addr(ELS_ERR_INVALID, addr,
					     "the task list loops: the task_struct at 0x%" PRIx64
					     " comes twice (after pid %d, %zu tasks)",
					     addr, last.pid, count - 1);
			break;
		}
		struct els_linux_task t;
		uint64_t next, prev, signal;
		if ((err = read_task(lx, &l, addr, &t, &next, &prev, NULL,
				     &signal))) {
			if (count > 1)
				err = els_error_wrap(err,
						     "the task list after pid %d (comm %s)",
						     last.pid, last.comm);
			break;
		}
		if (prev_node && prev != prev_node) {
			err = els_error_addr(ELS_ERR_INVALID, addr,
					     "the task list is corrupt: the task after pid %d (at 0x%" PRIx64
					     ") links back to 0x%" PRIx64 ", not 0x%" PRIx64,
					     last.pid, addr, prev, prev_node);
			break;
		}
		/* init_task (pid 0, the idle task of CPU 0) has no threads list. */
		if (threads && addr != init) {
			err = walk_threads(lx, &l, &t, signal, &threads_seen,
					   &nthreads, fn, arg, &stop);
			if (err || stop)
				break;
		} else if ((stop = fn(&t, arg))) {
			break;
		}
		last = t;
		prev_node = addr + l.tasks.offset;
		if (next == head)
			break;
		addr = next - l.tasks.offset;
	}
	els_addrset_clear(&seen);
	els_addrset_clear(&threads_seen);
	return err;
}

struct by_pid {
	int32_t pid;
	struct els_linux_task *ret;
	bool found;
};

static int match_pid(const struct els_linux_task *t, void *arg)
{
	struct by_pid *b = arg;
	if (t->pid != b->pid)
		return 0;
	*b->ret = *t;
	b->found = true;
	return 1;
}

struct els_error *els_linux_task_by_pid(struct els_linux *lx, int32_t pid,
					struct els_linux_task *ret)
{
	struct by_pid b = { .pid = pid, .ret = ret };
	struct els_error *err = els_linux_for_each_task(lx, true, match_pid, &b);
	if (err && !b.found)
		return err;
	els_error_destroy(err);
	if (!b.found)
		return els_error_create(ELS_ERR_NOT_FOUND, "no task with pid %d",
					pid);
	return NULL;
}
