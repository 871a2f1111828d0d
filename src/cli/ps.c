/* SPDX-License-Identifier: MIT */
/* ps: a first cut (pid, tgid, comm) until the command lands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "os/linux/task.h"

static int print_task(const struct els_linux_task *t, void *arg)
{
	(void)arg;
	printf("%6d %6d %-16s 0x%llx\n", t->pid, t->tgid, t->comm,
	       (unsigned long long)t->addr);
	return 0;
}

struct els_error *els_cmd_ps(struct els_cli *cli, int argc, char **argv)
{
	bool threads = argc > 1 && !strcmp(argv[1], "-t");
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	return els_linux_for_each_task(lx, threads, print_task, NULL);
}
