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
	uint64_t thread_node_prev; /* offset of thread_node.prev */
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
	l->thread_node_prev = l->thread_node.offset + 8;
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
				   uint64_t *thread_next, uint64_t *thread_prev,
				   uint64_t *signal)
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
			       tnext = l->thread_node, tprev = l->thread_node;
	next.size = prev.size = tnext.size = tprev.size = 8;
	prev.offset += 8;
	tprev.offset = l->thread_node_prev;
	if ((tasks_next && (err = get(l, &next, buf, tasks_next))) ||
	    (tasks_prev && (err = get(l, &prev, buf, tasks_prev))) ||
	    (thread_next && (err = get(l, &tnext, buf, thread_next))) ||
	    (thread_prev && (err = get(l, &tprev, buf, thread_prev))) ||
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
	return read_task(lx, &l, addr, ret, NULL, NULL, NULL, NULL, NULL);
}

/*
 * The other threads of a process whose leader was just read: its
 * signal_struct's thread_head list, whose nodes are task_struct.thread_node.
 * The walk starts at the leader's own thread_node (read with the leader),
 * so a single-threaded process costs no read: its thread_node.next is the
 * head. The leader is first on the list (copy_process adds it when it makes
 * the signal_struct, threads go to the tail); when its thread_node.prev says
 * otherwise, the walk goes on through the head back to the leader.
 */
static struct els_error *walk_threads(struct els_linux *lx,
				      const struct layout *l,
				      const struct els_linux_task *leader,
				      uint64_t signal, uint64_t leader_next,
				      uint64_t leader_prev,
				      struct els_addrset *seen, size_t *count,
				      els_linux_task_fn fn, void *arg,
				      int *stop)
{
	uint64_t head = signal + l->signal_thread_head;
	uint64_t self = leader->addr + l->thread_node.offset;
	uint64_t node = leader_next;
	bool through_head = false;
	struct els_error *err;
	while (node != self) {
		if (node == head) {
			if (leader_prev == head)
				break; /* the leader is first: all seen */
			if (through_head)
				return els_error_addr(ELS_ERR_INVALID, head,
						      "the thread list of pid %d (comm %s) never comes back to its leader",
						      leader->pid, leader->comm);
			through_head = true;
			if ((err = els_linux_read_u64(lx, head, &node)))
				return els_error_wrap(err, "the threads of pid %d (comm %s)",
						      leader->pid, leader->comm);
			continue;
		}
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
		if ((err = read_task(lx, l, addr, &t, NULL, NULL, &next, NULL,
				     NULL)))
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
		uint64_t next, prev, signal, tnext, tprev;
		if ((err = read_task(lx, &l, addr, &t, &next, &prev, &tnext,
				     &tprev, &signal))) {
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
		if ((stop = fn(&t, arg)))
			break;
		/* init_task (pid 0, the idle task of CPU 0) has no threads list. */
		if (threads && addr != init) {
			err = walk_threads(lx, &l, &t, signal, tnext, tprev,
					   &threads_seen, &nthreads, fn, arg,
					   &stop);
			if (err || stop)
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

/*
 * Task state bits as the kernel has them since 5.14 (include/linux/sched.h;
 * the bits TASK_REPORT covers have kept their values since 4.14). They are
 * macros, so neither BTF nor DWARF holds them.
 */
#define TASK_REPORT 0x7fu           /* RUNNING..PARKED incl. EXIT_* */
#define TASK_UNINTERRUPTIBLE 0x2u
#define TASK_NOLOAD 0x400u
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_RTLOCK_WAIT 0x1000u

char els_linux_task_state(const struct els_linux_task *t)
{
	static const char letters[] = "RSDTtXZPI";
	unsigned state = (t->state | t->exit_state) & TASK_REPORT;
	if ((t->state & TASK_IDLE) == TASK_IDLE)
		state = TASK_REPORT + 1; /* TASK_REPORT_IDLE */
	if (t->state == TASK_RTLOCK_WAIT)
		state = TASK_UNINTERRUPTIBLE;
	unsigned i = 0;
	while (state) { /* fls() */
		i++;
		state >>= 1;
	}
	return letters[i];
}

struct collect {
	struct els_linux_task *v;
	size_t n, cap;
	bool nomem;
};

static int collect_task(const struct els_linux_task *t, void *arg)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct els_linux_task *v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			c->nomem = true;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *t;
	return 0;
}

struct addr_tgid {
	uint64_t addr;
	int32_t tgid;
};

static int by_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct addr_tgid *)a)->addr;
	uint64_t y = ((const struct addr_tgid *)b)->addr;
	return x < y ? -1 : x > y;
}

struct els_error *els_linux_task_list(struct els_linux *lx, bool threads,
				      struct els_linux_task **ret, size_t *n)
{
	struct collect c = { 0 };
	struct els_error *walk_err =
		els_linux_for_each_task(lx, threads, collect_task, &c);
	*ret = c.v;
	*n = c.n;
	if (c.nomem) {
		els_error_destroy(walk_err);
		return &els_enomem;
	}
	struct addr_tgid *map = malloc((c.n ? c.n : 1) * sizeof(*map));
	if (!map) {
		els_error_destroy(walk_err);
		return &els_enomem;
	}
	for (size_t i = 0; i < c.n; i++)
		map[i] = (struct addr_tgid){ c.v[i].addr, c.v[i].tgid };
	qsort(map, c.n, sizeof(*map), by_addr);
	struct els_type_member tgid;
	struct els_error *err = NULL;
	for (size_t i = 0; i < c.n && !err; i++) {
		struct addr_tgid key = { .addr = c.v[i].real_parent };
		struct addr_tgid *hit =
			bsearch(&key, map, c.n, sizeof(*map), by_addr);
		if (hit) {
			c.v[i].ppid = hit->tgid;
			continue;
		}
		/* A parent not walked (a thread, with processes only). */
		uint32_t v;
		if ((err = els_linux_member(lx, "task_struct", "tgid", &tgid)) ||
		    (err = els_linux_read_u32(lx, key.addr + tgid.offset, &v)))
			err = els_error_wrap(err, "the parent of pid %d",
					     c.v[i].pid);
		else
			c.v[i].ppid = (int32_t)v;
	}
	free(map);
	if (walk_err) {
		els_error_destroy(err);
		return walk_err;
	}
	return err;
}

static bool kernel_va(uint64_t va)
{
	return (va >> 48) == 0xffff;
}

struct els_error *els_linux_current(struct els_linux *lx, unsigned cpu,
				    uint64_t *task)
{
	struct els_error *err;
	if (els_linux_has_cpu_regs(lx, cpu)) {
		uint64_t cpsr, sp_el0, hcr = 0;
		if ((err = els_linux_cpu_reg(lx, cpu, "cpsr",
						   &cpsr)))
			return els_error_wrap(err, "CPU %u's cpsr", cpu);
		unsigned el = (unsigned)(cpsr >> 2) & 3;
		bool in_kernel = el == 1;
		if (el == 2) {
			/* Linux at EL2 runs with E2H (VHE); without, it is a hypervisor. */
			struct els_error *e =
				els_linux_cpu_reg(lx, cpu, "HCR_EL2", &hcr);
			els_error_destroy(e);
			in_kernel = !e && (hcr >> 34) & 1;
		}
		if (in_kernel &&
		    !(err = els_linux_cpu_reg(lx, cpu, "SP_EL0",
						    &sp_el0)) &&
		    kernel_va(sp_el0)) {
			*task = sp_el0;
			return NULL;
		}
		els_error_destroy(err);
	}
	uint64_t rq, curr;
	if ((err = els_linux_percpu(lx, "runqueues", cpu, &rq)) ||
	    (err = els_linux_offset(lx, "rq", "curr", &curr)) ||
	    (err = els_linux_read_u64(lx, rq + curr, task)))
		return els_error_wrap(err, "the task CPU %u runs (rq.curr)",
				      cpu);
	if (!kernel_va(*task))
		return els_error_addr(ELS_ERR_INVALID, *task,
				      "CPU %u's rq.curr 0x%" PRIx64 " is no kernel address",
				      cpu, *task);
	return NULL;
}

struct els_error *els_linux_idle_task(struct els_linux *lx, unsigned cpu,
				      uint64_t *task)
{
	uint64_t rq, idle;
	struct els_error *err;
	if ((err = els_linux_percpu(lx, "runqueues", cpu, &rq)) ||
	    (err = els_linux_offset(lx, "rq", "idle", &idle)) ||
	    (err = els_linux_read_u64(lx, rq + idle, task)))
		return els_error_wrap(err, "CPU %u's idle task (rq.idle)", cpu);
	if (!kernel_va(*task))
		return els_error_addr(ELS_ERR_INVALID, *task,
				      "CPU %u's rq.idle 0x%" PRIx64 " is no kernel address",
				      cpu, *task);
	return NULL;
}
