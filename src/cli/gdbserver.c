/* SPDX-License-Identifier: MIT */
/*
 * gdbserver: one context of the machine served to a stock gdb.
 *
 *   --vm N     VM N's kernel (--guest N=VMLINUX): its tasks are gdb's
 *              threads, memory is read through that VM's stage 1 and 2
 *   --pid P    one process (of --vm N, or of the machine's kernel): its
 *              threads, its user registers, its address space
 *   neither    the machine's own kernel (--vmlinux)
 *
 * Threads: a task's pid is its thread id; the idle task of CPU n (pid 0)
 * is 0x10000000 + n. A task that runs now on a CPU (vCPU) has that CPU's
 * registers; a task switched out has x19-x29, sp and pc from its
 * cpu_context, the other registers "unavailable" (gdb unwinds from there
 * with vmlinux's CFI). In --pid mode a task in the kernel shows the user
 * registers it entered with (pt_regs).
 *
 * Breakpoints from gdb are set on the machine with the context as filter:
 * a hit on a CPU in another VM or another process is stepped over and
 * resumed without gdb hearing of it. All-stop: while gdb has the context
 * stopped the whole machine is halted, as under an ICE. When gdb detaches,
 * kills or drops the connection, its breakpoints are removed and the
 * machine runs on.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arch/xlat.h"
#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "gdbserver/server.h"
#include "os/linux/stack.h"
#include "os/linux/task.h"
#include "os/linux/user.h"

#define IDLE_ID_BASE 0x10000000
#define MAX_GDB_BPS 64

struct gs_thread {
	int64_t id;
	int cpu; /* the kernel's CPU (a guest's vCPU) running it, -1: none */
	struct els_linux_task task;
};

struct gs_bp {
	int type;
	uint64_t addr, len;
};

struct gs {
	struct els_cli *cli;
	int vm;       /* -1: the machine's kernel */
	int32_t pid;  /* -1: every task */
	struct els_linux *lx;
	struct gs_thread *th;
	size_t nth;
	bool fresh;   /* th and lx are of this halt */
	struct els_linux_user *user; /* the address space last read */
	struct gs_bp bps[MAX_GDB_BPS];
	size_t nbps;
	bool step_done; /* resume() stepped: wait() reports at once */
	struct els_gdb_stop step_stop;
	uint64_t silent, stops;
};

static void drop_user(struct gs *g)
{
	els_linux_user_destroy(g->user);
	g->user = NULL;
}

/* The kernel of the context, afresh after the machine ran. */
static struct els_error *kernel(struct gs *g)
{
	if (g->fresh)
		return NULL;
	drop_user(g);
	struct els_error *err = g->vm >= 0
					? els_cli_linux_vm(g->cli, (unsigned)g->vm, &g->lx)
					: els_cli_linux(g->cli, &g->lx);
	return err;
}

static unsigned nr_cpus(const struct els_linux *lx)
{
	unsigned n = lx->nr_cpu_ids;
	while (n && !els_linux_has_cpu_regs(lx, n - 1))
		n--;
	return n;
}

static bool add_thread(struct gs *g, size_t *cap, const struct els_linux_task *t,
		       int64_t id, int cpu)
{
	if (g->pid >= 0 && t->tgid != g->pid)
		return true;
	if (g->nth == *cap) {
		size_t ncap = *cap ? 2 * *cap : 256;
		struct gs_thread *n = realloc(g->th, ncap * sizeof(*n));
		if (!n)
			return false;
		g->th = n;
		*cap = ncap;
	}
	g->th[g->nth++] = (struct gs_thread){ id, cpu, *t };
	return true;
}

/* Every task of the context, and which CPU runs which. */
static struct els_error *refresh(struct gs *g)
{
	if (g->fresh)
		return NULL;
	struct els_error *err = kernel(g);
	if (err)
		return err;
	struct els_linux_task *tasks = NULL;
	size_t n = 0, cap = 0;
	err = els_linux_task_list(g->lx, true, &tasks, &n);
	if (err) {
		free(tasks);
		return els_error_wrap(err, "the tasks");
	}
	g->nth = 0;
	for (size_t i = 0; i < n && !err; i++) {
		/* The idle tasks (pid 0) come below, one per CPU. */
		if (tasks[i].pid > 0 &&
		    !add_thread(g, &cap, &tasks[i], tasks[i].pid, -1))
			err = &els_enomem;
	}
	free(tasks);
	unsigned ncpu = nr_cpus(g->lx);
	for (unsigned c = 0; c < ncpu && !err; c++) {
		uint64_t cur = 0, idle = 0;
		struct els_linux_task t;
		els_error_destroy(els_linux_current(g->lx, c, &cur));
		els_error_destroy(els_linux_idle_task(g->lx, c, &idle));
		if (idle && !els_linux_task_read(g->lx, idle, &t) &&
		    !add_thread(g, &cap, &t, IDLE_ID_BASE + c,
				cur == idle ? (int)c : -1))
			err = &els_enomem;
		for (size_t k = 0; k < g->nth && cur && cur != idle; k++) {
			if (g->th[k].task.addr == cur)
				g->th[k].cpu = (int)c;
		}
	}
	if (err)
		return err;
	g->fresh = true;
	return NULL;
}

static const struct gs_thread *find(struct gs *g, int64_t id)
{
	for (size_t i = 0; i < g->nth; i++) {
		if (g->th[i].id == id)
			return &g->th[i];
	}
	return NULL;
}

/* The CPU of the machine that runs kernel CPU (vCPU) c now, -1: none. */
static int pcpu_of(struct gs *g, int c)
{
	if (c < 0)
		return -1;
	if (g->vm < 0)
		return c;
	struct els_hv *hv;
	struct els_hv_vcpu *v = NULL;
	size_t n = 0;
	int pcpu = -1;
	struct els_error *err = els_cli_hv(g->cli, &hv);
	if (!err)
		err = els_hv_vcpus(hv, (unsigned)g->vm, &v, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (v[i].id == (unsigned)c && v[i].running)
			pcpu = v[i].pcpu;
	}
	els_error_destroy(err);
	free(v);
	return pcpu;
}

/* Which thread of the context a stop on machine CPU cpu is in; 0: none. */
static int64_t thread_on(struct gs *g, int cpu)
{
	int c = cpu;
	if (g->vm >= 0) {
		int vcpu = -1;
		if (els_cli_vm_of_cpu(g->cli, cpu, true, &vcpu) != g->vm)
			return 0;
		c = vcpu;
	}
	for (size_t i = 0; i < g->nth; i++) {
		if (g->th[i].cpu == c && c >= 0)
			return g->th[i].id;
	}
	return 0;
}

/* Some thread to report when the stop is not in the context. */
static int64_t any_thread(struct gs *g)
{
	for (size_t i = 0; i < g->nth; i++) {
		if (g->th[i].cpu >= 0)
			return g->th[i].id;
	}
	return g->nth ? g->th[0].id : IDLE_ID_BASE;
}

/* ---- the backend's operations ---- */

static struct els_error *op_halt(void *arg, struct els_gdb_stop *stop)
{
	struct gs *g = arg;
	struct els_target *t = g->cli->t;
	struct els_stop st = { .cpu = -1 };
	struct els_error *err = NULL;
	if (t->running) {
		if ((err = els_target_halt(t, &st)))
			return err;
		t->halted_by_us = true;
	} else if (t->has_last_stop) {
		st = t->last_stop;
	}
	g->fresh = false;
	if ((err = refresh(g)))
		return err;
	*stop = (struct els_gdb_stop){ .signal = 5 };
	stop->thread = st.cpu >= 0 ? thread_on(g, st.cpu) : 0;
	if (!stop->thread)
		stop->thread = any_thread(g);
	return NULL;
}

static struct els_error *op_threads(void *arg, struct els_gdb_thread **ret,
				    size_t *n)
{
	struct gs *g = arg;
	struct els_error *err = refresh(g);
	if (err)
		return err;
	struct els_gdb_thread *out = calloc(g->nth ? g->nth : 1, sizeof(*out));
	if (!out)
		return &els_enomem;
	for (size_t i = 0; i < g->nth; i++) {
		const struct gs_thread *th = &g->th[i];
		out[i].id = th->id;
		out[i].core = th->cpu >= 0 ? pcpu_of(g, th->cpu) : -1;
		snprintf(out[i].name, sizeof(out[i].name), "%s", th->task.comm);
		int k = snprintf(out[i].extra, sizeof(out[i].extra),
				 "pid %d, %c", th->task.pid,
				 els_linux_task_state(&th->task));
		if (th->cpu >= 0 && k > 0 && (size_t)k < sizeof(out[i].extra))
			snprintf(out[i].extra + k, sizeof(out[i].extra) - (size_t)k,
				 ", on %s %d", g->vm >= 0 ? "vCPU" : "CPU",
				 th->cpu);
	}
	*ret = out;
	*n = g->nth;
	return NULL;
}

static struct els_error *live_regs(struct gs *g, unsigned cpu,
				   uint64_t regs[ELS_GDB_NREGS],
				   bool valid[ELS_GDB_NREGS])
{
	char name[8];
	for (int i = 0; i < ELS_GDB_NREGS; i++) {
		if (i < 31)
			snprintf(name, sizeof(name), "x%d", i);
		else
			snprintf(name, sizeof(name), "%s",
				 i == 31 ? "sp" : i == 32 ? "pc" : "cpsr");
		struct els_error *err = els_linux_cpu_reg(g->lx, cpu, name,
							  &regs[i]);
		valid[i] = !err;
		if (err && i >= 31) /* sp, pc, cpsr: gdb cannot go on without */
			return els_error_wrap(err, "%s %u's %s",
					      g->vm >= 0 ? "vCPU" : "CPU", cpu,
					      name);
		els_error_destroy(err);
	}
	return NULL;
}

static struct els_error *op_read_regs(void *arg, int64_t id,
				      uint64_t regs[ELS_GDB_NREGS],
				      bool valid[ELS_GDB_NREGS])
{
	struct gs *g = arg;
	struct els_error *err = refresh(g);
	if (err)
		return err;
	const struct gs_thread *th = find(g, id);
	if (!th)
		return els_error_create(ELS_ERR_NOT_FOUND, "no thread %" PRId64,
					id);
	if (th->cpu >= 0) {
		if ((err = live_regs(g, (unsigned)th->cpu, regs, valid)))
			return err;
		/* A process is seen from user space: its entry registers. */
		if (g->pid >= 0 && ((regs[ELS_GDB_REG_CPSR] >> 2) & 3) != 0)
			return els_linux_task_user_regs(g->lx, &th->task, regs,
							valid);
		return NULL;
	}
	if (g->pid >= 0)
		return els_linux_task_user_regs(g->lx, &th->task, regs, valid);
	return els_linux_task_saved_regs(g->lx, &th->task, regs, valid);
}

static bool kernel_va(uint64_t va)
{
	return va >> 63;
}

static struct els_error *op_read_mem(void *arg, int64_t id, uint64_t addr,
				     void *buf, size_t len)
{
	struct gs *g = arg;
	struct els_error *err = refresh(g);
	if (err)
		return err;
	if (kernel_va(addr))
		return els_linux_read(g->lx, addr, buf, len);
	/* A user address: of the thread's process. */
	const struct gs_thread *th = find(g, id);
	if (!th || !th->task.mm)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
				      "0x%" PRIx64 ": a user address, and thread %" PRId64 " has no user space",
				      addr, id);
	if (g->user && g->user->task.tgid != th->task.tgid)
		drop_user(g);
	if (!g->user &&
	    (err = els_linux_user_open(g->lx, th->task.tgid, &g->user)))
		return err;
	size_t done = 0;
	struct els_linux_page why;
	if ((err = els_linux_user_read(g->user, addr, buf, len, &done, &why)))
		return err;
	if (done < len)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr + done,
				      "0x%" PRIx64 ": %s", addr + done,
				      els_linux_page_state_name(why.state));
	return NULL;
}

static struct els_error *op_write_mem(void *arg, int64_t id, uint64_t addr,
				      const void *buf, size_t len)
{
	struct gs *g = arg;
	(void)id;
	struct els_error *err = refresh(g);
	if (err)
		return err;
	if (!kernel_va(addr))
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"writing user memory is not supported yet");
	/* Page by page through the kernel's own translation. */
	const uint8_t *p = buf;
	while (len) {
		size_t n = 4096 - (addr & 4095);
		if (n > len)
			n = len;
		uint64_t pa;
		struct els_aspace phys = els_aspace_phys();
		if ((err = els_xlat_va_to_pa(&g->lx->kctx, addr, &pa)) ||
		    (err = els_target_write(g->cli->t, &phys, pa, p, n)))
			return err;
		addr += n;
		p += n;
		len -= n;
	}
	return NULL;
}

static const enum els_bp_kind bp_kinds[] = { ELS_BP_SW, ELS_BP_HW,
					     ELS_WP_WRITE, ELS_WP_READ,
					     ELS_WP_ACCESS };

static struct els_error *op_insert_bp(void *arg, int type, uint64_t addr,
				      uint64_t len)
{
	struct gs *g = arg;
	for (size_t i = 0; i < g->nbps; i++) {
		if (g->bps[i].type == type && g->bps[i].addr == addr)
			return NULL; /* gdb inserts again: once is enough */
	}
	if (g->nbps == MAX_GDB_BPS)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"%d breakpoints at once is the most",
					MAX_GDB_BPS);
	if (type <= 1)
		len = 4;
	struct els_error *err = els_target_insert_bp(g->cli->t, bp_kinds[type],
						     addr, len);
	if (err)
		return err;
	g->bps[g->nbps++] = (struct gs_bp){ type, addr, len };
	return NULL;
}

static struct els_error *op_remove_bp(void *arg, int type, uint64_t addr,
				      uint64_t len)
{
	struct gs *g = arg;
	(void)len;
	for (size_t i = 0; i < g->nbps; i++) {
		if (g->bps[i].type != type || g->bps[i].addr != addr)
			continue;
		struct els_error *err = els_target_remove_bp(
			g->cli->t, bp_kinds[type], addr, g->bps[i].len);
		if (err)
			return err;
		g->bps[i] = g->bps[--g->nbps];
		return NULL;
	}
	return NULL;
}

static struct els_error *op_resume(void *arg, int64_t step_thread)
{
	struct gs *g = arg;
	struct els_target *t = g->cli->t;
	struct els_error *err;
	if (step_thread > 0) {
		if ((err = refresh(g)))
			return err;
		const struct gs_thread *th = find(g, step_thread);
		int cpu = th ? pcpu_of(g, th->cpu) : -1;
		if (cpu < 0)
			return els_error_create(ELS_ERR_STATE,
						"thread %" PRId64 " runs on no CPU now: it cannot be stepped",
						step_thread);
		struct els_stop st;
		if ((err = els_target_step(t, cpu, &st)))
			return err;
		g->fresh = false;
		g->step_done = true;
		g->step_stop = (struct els_gdb_stop){ .thread = step_thread,
						      .signal = 5 };
		return NULL;
	}
	if ((err = els_cli_step_over(g->cli)) || (err = els_target_resume(t)))
		return err;
	g->fresh = false;
	drop_user(g);
	return NULL;
}

/*
 * Is a stop on cpu in the served context? The breakpoints' own check: the
 * VM the CPU runs and the task its kernel runs, without the task list.
 */
static bool in_context(struct gs *g, int cpu)
{
	if (g->vm < 0 && g->pid < 0)
		return true;
	struct els_error *why = NULL;
	int in = els_cli_cpu_in_context(g->cli, cpu, g->vm, g->pid, &why);
	if (why) {
		/* Cannot tell: better stop where gdb can look. */
		els_debug("gdbserver: CPU %d: %s", cpu, why->message);
		els_error_destroy(why);
	}
	return in != 0;
}

static struct els_error *op_wait(void *arg, int timeout_ms, bool *stopped,
				 struct els_gdb_stop *stop)
{
	struct gs *g = arg;
	struct els_target *t = g->cli->t;
	*stopped = false;
	if (g->step_done) {
		g->step_done = false;
		*stopped = true;
		*stop = g->step_stop;
		return refresh(g);
	}
	struct els_error *err = els_target_poll(t, timeout_ms);
	if (err || t->running)
		return err;
	t->halted_by_us = true;
	g->fresh = false;
	int cpu = t->has_last_stop ? t->last_stop.cpu : -1;
	if (cpu >= 0 && !in_context(g, cpu)) {
		/* Not gdb's context: over the breakpoint and on. */
		g->silent++;
		if ((err = els_cli_step_over(g->cli)) ||
		    (err = els_target_resume(t)))
			return els_error_wrap(err, "resuming after a hit outside the served context");
		g->fresh = false;
		return NULL;
	}
	if ((err = refresh(g)))
		return err;
	g->stops++;
	*stopped = true;
	*stop = (struct els_gdb_stop){ .signal = 5 };
	stop->thread = cpu >= 0 ? thread_on(g, cpu) : 0;
	if (!stop->thread)
		stop->thread = any_thread(g);
	if (t->last_stop.reason == ELS_STOP_WATCH) {
		stop->watch = 2;
		for (size_t i = 0; i < g->nbps; i++) {
			if (g->bps[i].type >= 2 &&
			    t->last_stop.watch_addr >= g->bps[i].addr &&
			    t->last_stop.watch_addr < g->bps[i].addr + g->bps[i].len)
				stop->watch = g->bps[i].type;
		}
		stop->watch_addr = t->last_stop.watch_addr;
	}
	return NULL;
}

/* The process's auxv as its exec left it in mm->saved_auxv. */
static struct els_error *op_auxv(void *arg, uint8_t **ret, size_t *len)
{
	struct gs *g = arg;
	struct els_error *err = refresh(g);
	if (err)
		return err;
	const struct gs_thread *th = NULL;
	for (size_t i = 0; i < g->nth && !th; i++) {
		if (g->th[i].task.mm)
			th = &g->th[i];
	}
	if (!th)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"process %d has no address space", g->pid);
	struct els_type_member m;
	if ((err = els_linux_member(g->lx, "mm_struct", "saved_auxv", &m)))
		return err;
	if (!m.size || m.size > 4096 || m.size % 16)
		return els_error_create(ELS_ERR_INVALID,
					"mm_struct.saved_auxv of %" PRIu64 " bytes: not an auxv",
					m.size);
	uint64_t *a = malloc(m.size);
	if (!a)
		return &els_enomem;
	if ((err = els_linux_read(g->lx, th->task.mm + m.offset, a, m.size))) {
		free(a);
		return els_error_wrap(err, "the saved auxv of pid %d", g->pid);
	}
	/* Up to and with AT_NULL, as /proc/PID/auxv gives it. */
	size_t n = 0;
	while (n + 2 <= m.size / 8 && a[n] != 0)
		n += 2;
	*len = (n + 2 <= m.size / 8 ? n + 2 : n) * 8;
	*ret = (uint8_t *)a;
	return NULL;
}

static void op_detach(void *arg)
{
	struct gs *g = arg;
	struct els_target *t = g->cli->t;
	while (g->nbps) {
		struct gs_bp *bp = &g->bps[--g->nbps];
		struct els_error *err = els_target_remove_bp(
			t, bp_kinds[bp->type], bp->addr, bp->len);
		if (err) {
			els_cli_report("gdbserver", err);
			els_error_destroy(err);
		}
	}
	if (!t->running && t->halted_by_us && !t->keep_halted) {
		struct els_error *err = els_cli_step_over(g->cli);
		if (!err)
			err = els_target_resume(t);
		if (err) {
			els_cli_report("gdbserver: resuming the target", err);
			els_error_destroy(err);
		}
	}
	g->fresh = false;
	drop_user(g);
}

static void op_log(void *arg, const char *msg)
{
	(void)arg;
	els_log(ELS_LOG_INFO, "gdbserver: %s", msg);
}

static const struct els_gdbserver_ops gs_ops = {
	.halt = op_halt,
	.threads = op_threads,
	.read_regs = op_read_regs,
	.read_mem = op_read_mem,
	.write_mem = op_write_mem,
	.insert_bp = op_insert_bp,
	.remove_bp = op_remove_bp,
	.resume = op_resume,
	.wait = op_wait,
	.detach = op_detach,
	.log = op_log,
};

/* ---- the command ---- */

static struct els_error *accept_one(int lfd, int *fd)
{
	while (!els_cli_interrupted) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int k = poll(&p, 1, 200);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return els_error_create(ELS_ERR_IO, "poll: %s",
						strerror(errno));
		if (!k)
			continue;
		*fd = accept(lfd, NULL, NULL);
		if (*fd >= 0)
			return NULL;
		if (errno != EINTR && errno != ECONNABORTED)
			return els_error_create(ELS_ERR_IO, "accept: %s",
						strerror(errno));
	}
	return els_error_create(ELS_ERR_INTERRUPTED, "interrupted");
}

struct els_error *els_cmd_gdbserver(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"gdbserver [--vm N] [--pid P] [--listen HOST:PORT] [--once]";
	const char *listen_at = "127.0.0.1:1234";
	int32_t pid = -1;
	bool once = false;
	for (int i = 1; i < argc; i++) {
		bool taken;
		int vm_unused = -1; /* --vm was taken by the shell (cli->vm) */
		struct els_error *err = els_cli_context_option(
			argc, argv, &i, &vm_unused, &pid, &taken);
		if (err)
			return err;
		if (taken) {
			if (!pid) /* pid 0 is the idle tasks, no process */
				return els_error_create(ELS_ERR_USAGE,
							"--pid: '%s' is not a process id",
							argv[i]);
		} else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			listen_at = argv[++i];
		} else if (!strcmp(argv[i], "--once")) {
			once = true;
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		}
	}
	struct els_target *t = cli->t;
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target does not run: serve a live target",
					t->ops->kind);
	if (cli->vm >= 0 && !cli->xen)
		return els_error_create(ELS_ERR_USAGE,
					"--vm needs the hypervisor's symbols: give --xen XEN_SYMS");
	if (cli->vm < 0 && !cli->vmlinux)
		return els_error_create(ELS_ERR_USAGE,
					"no kernel to serve: give --vmlinux (or --vm N with --guest N=VMLINUX)");
	struct gs g = { .cli = cli, .vm = cli->vm, .pid = pid };
	struct els_gdbserver_ops ops = gs_ops;
	if (pid >= 0)
		ops.auxv = op_auxv;
	/* The context must be there before gdb is told to come. */
	struct els_error *err = els_target_ensure_halted(t);
	if (!err)
		err = refresh(&g);
	if (!err && pid >= 0 && !g.nth)
		err = els_error_create(ELS_ERR_NOT_FOUND,
				       "no process %d in %s", pid,
				       g.vm >= 0 ? "that VM" : "the machine's kernel");
	if (err) {
		free(g.th);
		return err;
	}
	int lfd, port;
	bool loopback;
	if ((err = els_gdbserver_listen(listen_at, &lfd, &port, &loopback))) {
		free(g.th);
		return err;
	}
	if (!loopback)
		fprintf(stderr,
			"elscope: gdbserver: warning: %s is not a loopback address: anyone who reaches it can read and stop this machine\n",
			listen_at);
	/* The machine runs while nobody is connected. */
	if (t->halted_by_us && !t->keep_halted &&
	    (err = els_target_resume(t))) {
		close(lfd);
		free(g.th);
		return err;
	}
	g.fresh = false;
	char what[64];
	if (pid >= 0 && g.vm >= 0)
		snprintf(what, sizeof(what), "process %d of VM %d", pid, g.vm);
	else if (pid >= 0)
		snprintf(what, sizeof(what), "process %d", pid);
	else if (g.vm >= 0)
		snprintf(what, sizeof(what), "VM %d's kernel", g.vm);
	else
		snprintf(what, sizeof(what), "the machine's kernel");
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "listen", json_object_new_string(listen_at));
		json_object_object_add(o, "port", json_object_new_int(port));
		json_object_object_add(o, "serving", json_object_new_string(what));
		els_cli_print_json(o);
	} else {
		printf("gdbserver: serving %s on port %d (%s); connect with gdb-multiarch: target remote %s\n",
		       what, port, listen_at,
		       loopback ? "127.0.0.1:PORT" : "HOST:PORT");
	}
	fflush(stdout);
	unsigned sessions = 0;
	while (!err) {
		int fd = -1;
		if ((err = accept_one(lfd, &fd)))
			break;
		sessions++;
		fprintf(stderr, "elscope: gdbserver: gdb connected (session %u)\n",
			sessions);
		struct els_gdbserver_stats st;
		g.silent = g.stops = 0;
		err = els_gdbserver_serve(fd, &ops, &g, &els_cli_interrupted,
					  &st);
		close(fd);
		fprintf(stderr,
			"elscope: gdbserver: gdb left (%" PRIu64 " packets, %" PRIu64 " stops, %" PRIu64 " hits elsewhere resumed); the machine %s\n",
			st.packets, g.stops, g.silent,
			t->running ? "runs" : "is halted");
		if (err && err->code == ELS_ERR_CLOSED) {
			/* gdb went away mid-packet: the session ends, not us. */
			els_error_destroy(err);
			err = NULL;
		}
		if (once || els_cli_interrupted)
			break;
	}
	close(lfd);
	drop_user(&g);
	free(g.th);
	if (err && err->code == ELS_ERR_INTERRUPTED) {
		els_error_destroy(err);
		err = NULL;
	}
	return err;
}
