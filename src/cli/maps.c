/* SPDX-License-Identifier: MIT */
/* maps PID: /proc/PID/maps from the kernel's own structures. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "os/linux/task.h"
#include "os/linux/vma.h"

struct els_error *els_cmd_maps(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "maps PID";
	uint64_t pid;
	if (argc != 2 || !els_parse_u64(argv[1], &pid) || pid > INT32_MAX)
		return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	struct els_linux *lx;
	struct els_linux_task task;
	struct els_linux_mm mm;
	struct els_linux_vma *vmas = NULL;
	size_t n = 0;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	if ((err = els_linux_process_vmas(lx, (int32_t)pid, &task, &mm, &vmas,
					  &n)))
		return err;
	struct json_object *arr = cli->json ? json_object_new_array() : NULL;
	struct els_linux_file *file = malloc(sizeof(*file));
	char *name = malloc(8192), *line = malloc(8192 + 128);
	if (!file || !name || !line) {
		err = &els_enomem;
		goto out;
	}
	for (size_t i = 0; i < n && !err; i++) {
		const struct els_linux_vma *v = &vmas[i];
		if ((err = els_linux_vma_name(lx, &mm, v, file, name, 8192)))
			break;
		if (!arr) {
			els_linux_vma_format(v, file, name, line, 8192 + 128);
			printf("%s\n", line);
			continue;
		}
		char perms[5] = {
			v->flags & ELS_VM_READ ? 'r' : '-',
			v->flags & ELS_VM_WRITE ? 'w' : '-',
			v->flags & ELS_VM_EXEC ? 'x' : '-',
			v->flags & ELS_VM_MAYSHARE ? 's' : 'p', '\0'
		};
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "start", els_json_addr(v->start));
		json_object_object_add(o, "end", els_json_addr(v->end));
		json_object_object_add(o, "perms", json_object_new_string(perms));
		json_object_object_add(o, "offset",
				       json_object_new_int64(v->file ? (int64_t)(v->pgoff << 12) : 0));
		json_object_object_add(o, "path", json_object_new_string(name));
		char dev[24];
		uint32_t d = v->file ? file->dev : 0;
		snprintf(dev, sizeof(dev), "%02x:%02x", d >> 20, d & 0xfffff);
		json_object_object_add(o, "dev", json_object_new_string(dev));
		json_object_object_add(o, "inode",
				       json_object_new_int64(v->file ? (int64_t)file->ino : 0));
		json_object_array_add(arr, o);
	}
	if (err)
		err = els_error_wrap(err, "pid %d (%s)", task.pid, task.comm);
	else if (arr) {
		els_cli_print_json(arr);
		arr = NULL;
	}
out:
	json_object_put(arr);
	free(file);
	free(name);
	free(line);
	free(vmas);
	return err;
}
