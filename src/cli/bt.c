/* SPDX-License-Identifier: MIT */
/* bt: a task's kernel backtrace with symbols and source lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "os/linux/stack.h"
#include "os/linux/task.h"

static const char usage[] = "bt [PID | --cpu N]";

/* What one frame's pc is in the kernel's symbol set. */
struct where {
	const char *symbol;
	uint64_t offset;
	const char *file;
	int line;
};

static void locate(struct els_cli *cli, const struct els_linux_task *t,
		   const struct els_linux_frame *f, struct where *w)
{
	memset(w, 0, sizeof(*w));
	struct els_symset *set = els_cli_kernel_set(cli);
	if (f->kind == ELS_LINUX_FRAME_USER) {
		/* The process's own binaries, when --sysroot has them. */
		set = NULL;
		if (cli->sysroot && t->mm) {
			struct els_error *err =
				els_cli_process_symset(cli, t->pid, &set);
			if (err) {
				set = NULL;
				els_error_destroy(err);
			}
		}
	}
	if (!set)
		return;
	/*
	 * A return address follows its call: the call's function and line are
	 * those of the instruction before (a call to a noreturn function may
	 * be the last one of its function).
	 */
	uint64_t at = f->kind == ELS_LINUX_FRAME_PC ? f->pc : f->pc - 4;
	struct els_symbol sym;
	struct els_symtab *st;
	if (!els_symset_find_addr(set, at, &sym, &st))
		return;
	w->symbol = sym.name;
	w->offset = f->pc - sym.addr;
	struct els_error *err = els_symtab_source_line(st, at, &w->file,
						       &w->line);
	if (err) {
		w->file = NULL;
		w->line = 0;
		els_error_destroy(err);
	}
}

static void print_text(struct els_cli *cli, const struct els_linux_task *t,
		       int cpu, const struct els_linux_backtrace *bt)
{
	if (cpu >= 0)
		printf("pid %d (%s) task 0x%" PRIx64 ", running on CPU %d\n",
		       t->pid, t->comm, t->addr, cpu);
	else
		printf("pid %d (%s) task 0x%" PRIx64 ", state %c\n", t->pid,
		       t->comm, t->addr, els_linux_task_state(t));
	for (size_t i = 0; i < bt->n; i++) {
		const struct els_linux_frame *f = &bt->frames[i];
		struct where w;
		bool user = f->kind == ELS_LINUX_FRAME_USER;
		locate(cli, t, f, &w);
		printf("#%-3zu 0x%016" PRIx64 "  ", i, f->pc);
		if (w.symbol)
			printf("%s+0x%" PRIx64, w.symbol, w.offset);
		else if (!user)
			printf("?");
		if (w.file)
			printf("  %s:%d", w.file, w.line);
		if (user)
			printf("%suser space, sp 0x%" PRIx64, w.symbol ? "  " : "",
			       f->sp);
		if (f->kind == ELS_LINUX_FRAME_LR)
			printf("  (x30)");
		printf("\n");
	}
	printf("(%s%s)\n", bt->complete ? "" : "stopped: ", bt->end);
}

static struct json_object *to_json(struct els_cli *cli,
				   const struct els_linux_task *t, int cpu,
				   const struct els_linux_backtrace *bt)
{
	static const char *const kinds[] = { "pc", "lr", "record", "user" };
	struct json_object *o = json_object_new_object();
	struct json_object *frames = json_object_new_array();
	json_object_object_add(o, "pid", json_object_new_int(t->pid));
	json_object_object_add(o, "comm", json_object_new_string(t->comm));
	json_object_object_add(o, "task", els_json_addr(t->addr));
	json_object_object_add(o, "cpu",
			       cpu >= 0 ? json_object_new_int(cpu) : NULL);
	for (size_t i = 0; i < bt->n; i++) {
		const struct els_linux_frame *f = &bt->frames[i];
		struct where w;
		locate(cli, t, f, &w);
		struct json_object *fo = json_object_new_object();
		json_object_object_add(fo, "pc", els_json_addr(f->pc));
		json_object_object_add(fo, "symbol",
				       w.symbol ? json_object_new_string(w.symbol)
						: NULL);
		json_object_object_add(fo, "offset",
				       w.symbol ? json_object_new_int64(
							  (int64_t)w.offset)
						: NULL);
		json_object_object_add(fo, "file",
				       w.file ? json_object_new_string(w.file)
					      : NULL);
		json_object_object_add(fo, "line",
				       w.file ? json_object_new_int(w.line)
					      : NULL);
		json_object_object_add(fo, "kind",
				       json_object_new_string(kinds[f->kind]));
		if (f->kind == ELS_LINUX_FRAME_USER)
			json_object_object_add(fo, "sp", els_json_addr(f->sp));
		json_object_array_add(frames, fo);
	}
	json_object_object_add(o, "frames", frames);
	json_object_object_add(o, "complete",
			       json_object_new_boolean(bt->complete));
	json_object_object_add(o, "end", json_object_new_string(bt->end));
	return o;
}

/* The CPU that runs task now, or -1. */
static struct els_error *running_on(struct els_linux *lx, uint64_t task,
				    int *cpu)
{
	*cpu = -1;
	for (unsigned c = 0; c < lx->nr_cpu_ids; c++) {
		uint64_t cur;
		struct els_error *err = els_linux_current(lx, c, &cur);
		if (err)
			return err;
		if (cur == task) {
			*cpu = (int)c;
			return NULL;
		}
	}
	return NULL;
}

struct els_error *els_cmd_bt(struct els_cli *cli, int argc, char **argv)
{
	int64_t pid = -1;
	int cpu = -1;
	for (int i = 1; i < argc; i++) {
		uint64_t v;
		if (!strcmp(argv[i], "--cpu") && i + 1 < argc && cpu < 0) {
			if (!els_parse_u64(argv[++i], &v) ||
			    v >= ELS_LINUX_MAX_CPUS)
				return els_error_create(ELS_ERR_USAGE,
							"--cpu: '%s' is not a CPU number",
							argv[i]);
			cpu = (int)v;
		} else if (argv[i][0] != '-' && pid < 0) {
			if (!els_parse_u64(argv[i], &v) || v > INT32_MAX)
				return els_error_create(ELS_ERR_USAGE,
							"'%s' is not a pid (usage: %s)",
							argv[i], usage);
			pid = (int64_t)v;
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unexpected '%s' (usage: %s)",
						argv[i], usage);
		}
	}
	if (pid >= 0 && cpu >= 0)
		return els_error_create(ELS_ERR_USAGE,
					"give a PID or --cpu N, not both (usage: %s)",
					usage);
	/* A CPU in a guest (or in Xen for one): that VM's kernel, its vCPU. */
	int vcpu;
	int vm = cli->vm < 0 && cpu >= 0 && cli->xen
			 ? els_cli_vm_of_cpu(cli, cpu, false, &vcpu)
			 : -1;
	if (vm >= 0) {
		cli->vm = vm;
		cpu = vcpu;
	} else if (cli->vm < 0 && cpu >= 0 && cli->xen && !cli->vmlinux) {
		return els_error_create(ELS_ERR_STATE,
					"CPU %d runs no VM with a --guest kernel now (see ctx); for a VM's task: bt --vm N PID",
					cpu);
	}
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	struct els_linux_task task;
	if (pid >= 0) {
		if ((err = els_linux_task_by_pid(lx, (int32_t)pid, &task)) ||
		    (err = running_on(lx, task.addr, &cpu)))
			return err;
	} else {
		if (cpu < 0)
			cpu = cli->cpu;
		if ((unsigned)cpu >= lx->nr_cpu_ids)
			return els_error_create(ELS_ERR_USAGE,
						"no CPU %d in the kernel (nr_cpu_ids %u)",
						cpu, lx->nr_cpu_ids);
		uint64_t cur;
		if ((err = els_linux_current(lx, (unsigned)cpu, &cur)) ||
		    (err = els_linux_task_read(lx, cur, &task)))
			return err;
	}
	struct els_linux_regs regs;
	bool have_regs = false;
	if (cpu >= 0) {
		err = els_linux_cpu_regs(lx, (unsigned)cpu, &regs);
		if (err && err->code == ELS_ERR_STATE)
			return err;
		/* No registers (a raw image): the last saved context. */
		have_regs = !err;
		els_error_destroy(err);
	}
	struct els_linux_backtrace *bt = malloc(sizeof(*bt));
	if (!bt)
		return &els_enomem;
	if ((err = els_linux_unwind(lx, &task, cpu, have_regs ? &regs : NULL,
				    bt))) {
		free(bt);
		return els_error_wrap(err, "the stack of pid %d", task.pid);
	}
	if (cli->json)
		els_cli_print_json(to_json(cli, &task, cpu, bt));
	else
		print_text(cli, &task, cpu, bt);
	free(bt);
	return NULL;
}
