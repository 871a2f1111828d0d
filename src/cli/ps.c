/* SPDX-License-Identifier: MIT */
/* ps: the tasks of the machine's kernel, and which one each CPU runs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "os/linux/task.h"

static const char usage[] = "ps [-t]";

static void print_text(const struct els_linux_task *v, size_t n,
		       const int *current_on)
{
	printf("%7s %7s %7s %-2s %3s %-4s %-16s %s\n", "PID", "TGID", "PPID",
	       "ST", "CPU", "CUR", "COMM", "TASK");
	for (size_t i = 0; i < n; i++) {
		char cur[16] = "-";
		if (current_on[i] >= 0)
			snprintf(cur, sizeof(cur), "cpu%d", current_on[i]);
		printf("%7d %7d %7d %-2c %3u %-4s %-16s 0x%016" PRIx64 "\n",
		       v[i].pid, v[i].tgid, v[i].ppid, els_linux_task_state(&v[i]),
		       v[i].cpu, cur, v[i].comm, v[i].addr);
	}
}

static struct json_object *to_json(const struct els_linux_task *v, size_t n,
				   const int *current_on)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		char state[2] = { els_linux_task_state(&v[i]), '\0' };
		json_object_object_add(o, "pid", json_object_new_int(v[i].pid));
		json_object_object_add(o, "tgid", json_object_new_int(v[i].tgid));
		json_object_object_add(o, "ppid", json_object_new_int(v[i].ppid));
		json_object_object_add(o, "comm",
				       json_object_new_string(v[i].comm));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "cpu",
				       json_object_new_int64(v[i].cpu));
		json_object_object_add(o, "task", els_json_addr(v[i].addr));
		json_object_object_add(o, "current_on",
				       current_on[i] >= 0
					       ? json_object_new_int(current_on[i])
					       : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The row of task addr among v[0 .. n + *extra), added when not there. */
static struct els_error *row_of(struct els_linux *lx,
				struct els_linux_task *v, size_t n,
				size_t *extra, uint64_t addr, size_t *ret)
{
	size_t i;
	for (i = 0; i < n + *extra && v[i].addr != addr; i++)
		;
	if (i == n + *extra) {
		struct els_error *err = els_linux_task_read(lx, addr, &v[i]);
		if (err)
			return err;
		v[i].ppid = 0; /* idle tasks: fork_idle, under init_task */
		(*extra)++;
	}
	*ret = i;
	return NULL;
}

struct els_error *els_cmd_ps(struct els_cli *cli, int argc, char **argv)
{
	bool threads = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t"))
			threads = true;
		else
			return els_error_create(ELS_ERR_USAGE,
						"unknown argument '%s' (usage: %s)",
						argv[i], usage);
	}
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	struct els_linux_task *v = NULL;
	size_t n = 0;
	struct els_error *walk_err = els_linux_task_list(lx, threads, &v, &n);
	if (walk_err == &els_enomem) {
		free(v);
		return walk_err;
	}
	/*
	 * Every CPU's idle task and the task each CPU runs; an idle task other
	 * than init_task (CPU 0's) is on no list: it gets a row of its own,
	 * whether it runs now or not (so that ps names the same tasks at any
	 * moment).
	 */
	unsigned ncpus = lx->nr_cpu_ids;
	int *current_on = NULL;
	size_t extra = 0;
	struct els_linux_task *grown =
		realloc(v, (n + 2 * (size_t)ncpus + 1) * sizeof(*v));
	if (!grown) {
		free(v);
		els_error_destroy(walk_err);
		return &els_enomem;
	}
	v = grown;
	current_on = malloc((n + 2 * (size_t)ncpus + 1) * sizeof(*current_on));
	if (!current_on) {
		free(v);
		els_error_destroy(walk_err);
		return &els_enomem;
	}
	for (size_t i = 0; i < n + 2 * (size_t)ncpus; i++)
		current_on[i] = -1;
	for (unsigned cpu = 0; cpu < ncpus && !walk_err; cpu++) {
		uint64_t idle, cur;
		size_t i;
		if ((err = els_linux_idle_task(lx, cpu, &idle)) ||
		    (err = row_of(lx, v, n, &extra, idle, &i)) ||
		    (err = els_linux_current(lx, cpu, &cur)) ||
		    (err = row_of(lx, v, n, &extra, cur, &i)))
			break;
		/* A task runs on one CPU; keep the first if the data says two. */
		if (current_on[i] < 0)
			current_on[i] = (int)cpu;
	}
	if (cli->json)
		els_cli_print_json(to_json(v, n + extra, current_on));
	else
		print_text(v, n + extra, current_on);
	free(v);
	free(current_on);
	if (walk_err) {
		els_error_destroy(err);
		return walk_err;
	}
	return err;
}
