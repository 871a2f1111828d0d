/* SPDX-License-Identifier: MIT */
/* A process's symbol set: its executable and shared libraries at their bases. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "os/linux/task.h"
#include "os/linux/vma.h"

/* Add the file mapped at offset 0 by vma, once per path. */
static struct els_error *add_image(struct els_cli *cli, struct els_symset *set,
				   const struct els_linux_vma *v,
				   const char *path)
{
	if (path[0] != '/' || els_symset_image(set, path))
		return NULL;
	size_t n = strlen(cli->sysroot) + strlen(path) + 1;
	char *full = malloc(n);
	if (!full)
		return &els_enomem;
	snprintf(full, n, "%s%s", cli->sysroot, path);
	struct els_symtab *st = NULL;
	uint64_t lo = 0;
	struct els_error *err = NULL;
	if (access(full, R_OK)) {
		els_log(ELS_LOG_DEBUG, "%s: not in the sysroot (%s)", path, full);
	} else if ((err = els_symtab_open(full, &st))) {
		/* Not ELF (a data file): nothing to name with it. */
		els_log(ELS_LOG_DEBUG, "%s", err->message);
		els_error_destroy(err);
		err = NULL;
	} else if (!els_symtab_load_start(st, &lo)) {
		els_log(ELS_LOG_DEBUG, "%s has no PT_LOAD segment", full);
		els_symtab_destroy(st);
	} else {
		els_symtab_set_bias(st, v->start - (lo & ~UINT64_C(4095)));
		err = els_symset_add(set, path, st, true);
	}
	free(full);
	return err;
}

struct els_error *els_cli_process_symset(struct els_cli *cli, int32_t pid,
					 struct els_symset **ret)
{
	for (size_t i = 0; i < cli->nprocs; i++) {
		if (cli->procs[i].pid == pid && cli->procs[i].vm == cli->vm) {
			*ret = cli->procs[i].set;
			return NULL;
		}
	}
	if (!cli->sysroot)
		return els_error_create(ELS_ERR_USAGE,
					"pid %d: a process's files are looked for under --sysroot DIR: give it",
					pid);
	struct els_linux *lx;
	struct els_linux_task task;
	struct els_linux_mm mm;
	struct els_linux_vma *vmas = NULL;
	size_t n = 0;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	if ((err = els_linux_process_vmas(lx, pid, &task, &mm, &vmas, &n)))
		return err;
	char name[64];
	snprintf(name, sizeof(name), "pid %d (%s)", pid, task.comm);
	struct els_symset *set = NULL;
	struct els_linux_file *f = malloc(sizeof(*f));
	if (!f)
		err = &els_enomem;
	else
		err = els_symset_create(name, &set);
	for (size_t i = 0; i < n && !err; i++) {
		/* The mapping of a file's start gives its load base. */
		if (!vmas[i].file || vmas[i].pgoff)
			continue;
		if (!(err = els_linux_file_read(lx, vmas[i].file, f)))
			err = add_image(cli, set, &vmas[i], f->path);
	}
	free(f);
	free(vmas);
	struct els_cli_process *c =
		err ? NULL
		    : realloc(cli->procs, (cli->nprocs + 1) * sizeof(*c));
	if (!err && !c)
		err = &els_enomem;
	if (err) {
		els_symset_destroy(set);
		return els_error_wrap(err, "the files of pid %d", pid);
	}
	cli->procs = c;
	cli->procs[cli->nprocs++] = (struct els_cli_process){ cli->vm, pid, set };
	*ret = set;
	return NULL;
}
