/* SPDX-License-Identifier: MIT */
/* A process's symbol set: its executable and shared libraries at their bases. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "os/linux/task.h"
#include "os/linux/vma.h"

/* Sets built this session, by pid (processes do not move while halted). */
struct cached {
	struct els_cli *cli;
	int32_t pid;
	struct els_symset *set;
};
static struct cached *cache;
static size_t ncache;

static void free_cache(void)
{
	for (size_t i = 0; i < ncache; i++)
		els_symset_destroy(cache[i].set);
	free(cache);
	cache = NULL;
	ncache = 0;
}

/* The lowest PT_LOAD's p_vaddr of an ELF file, rounded down to the page. */
static struct els_error *lowest_load(const char *path, uint64_t *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return els_error_errno(errno, "%s", path);
	struct els_error *err = NULL;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t n;
	if (!e || elf_getphdrnum(e, &n)) {
		err = els_error_create(ELS_ERR_INVALID, "%s: %s", path,
				       elf_errmsg(-1));
		goto out;
	}
	uint64_t lo = UINT64_MAX;
	for (size_t i = 0; i < n && i < 65536; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_vaddr < lo)
			lo = ph.p_vaddr;
	}
	if (lo == UINT64_MAX)
		err = els_error_create(ELS_ERR_INVALID,
				       "%s has no PT_LOAD segment", path);
	else
		*ret = lo & ~UINT64_C(4095);
out:
	elf_end(e);
	close(fd);
	return err;
}

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
	} else if ((err = lowest_load(full, &lo)) ||
		   (err = els_symtab_open(full, &st))) {
		/* Not ELF (a data file): nothing to name with it. */
		els_log(ELS_LOG_DEBUG, "%s", err->message);
		els_error_destroy(err);
		err = NULL;
	} else {
		els_symtab_set_bias(st, v->start - lo);
		err = els_symset_add(set, path, st, true);
	}
	free(full);
	return err;
}

struct els_error *els_cli_process_symset(struct els_cli *cli, int32_t pid,
					 struct els_symset **ret)
{
	for (size_t i = 0; i < ncache; i++) {
		if (cache[i].cli == cli && cache[i].pid == pid) {
			*ret = cache[i].set;
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
	if ((err = els_linux_task_by_pid(lx, pid, &task)))
		return err;
	if (!task.mm)
		return els_error_create(ELS_ERR_INVALID,
					"pid %d (%s) is a kernel thread: no user symbols",
					pid, task.comm);
	if ((err = els_linux_mm_read(lx, task.mm, &mm)) ||
	    (err = els_linux_vmas(lx, &mm, &vmas, &n)))
		return els_error_wrap(err, "pid %d (%s)", pid, task.comm);
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
	struct cached *c = err ? NULL : realloc(cache, (ncache + 1) * sizeof(*c));
	if (!err && !c)
		err = &els_enomem;
	if (err) {
		els_symset_destroy(set);
		return els_error_wrap(err, "the files of pid %d", pid);
	}
	if (!ncache)
		atexit(free_cache);
	cache = c;
	cache[ncache++] = (struct cached){ cli, pid, set };
	*ret = set;
	return NULL;
}
