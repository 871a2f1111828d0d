/* SPDX-License-Identifier: MIT */
/* log: the kernel log from the printk ring buffer, as dmesg prints it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/vec.h"
#include "os/linux/printk.h"

struct record {
	uint64_t seq, ts_nsec;
	unsigned level;
	char *text; /* NUL-terminated copy */
};
ELS_VEC(record_vec, struct record);

struct collect {
	struct record_vec v;
	size_t tail;  /* 0: keep all; else only the last tail */
	size_t first; /* v.data[first..] are kept when tail is set */
	bool nomem;
};

static int collect(const struct els_printk_record *r, void *arg)
{
	struct collect *c = arg;
	char *text = malloc(r->text_len + 1);
	struct record *slot = text ? record_vec_append(&c->v) : NULL;
	if (!slot) {
		free(text);
		c->nomem = true;
		return 1;
	}
	memcpy(text, r->text, r->text_len);
	text[r->text_len] = '\0';
	*slot = (struct record){ .seq = r->seq,
				 .ts_nsec = r->ts_nsec,
				 .level = r->level,
				 .text = text };
	/* With --tail, drop what can no longer be among the last N. */
	if (c->tail && c->v.len - c->first > c->tail) {
		free(c->v.data[c->first].text);
		c->v.data[c->first++].text = NULL;
	}
	return 0;
}

static void print_text(const struct record *r)
{
	unsigned long sec = (unsigned long)(r->ts_nsec / 1000000000u);
	unsigned long usec = (unsigned long)(r->ts_nsec % 1000000000u / 1000);
	/* Each line of a record gets the prefix, as the kernel prints it. */
	const char *p = r->text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		printf("[%5lu.%06lu] %.*s\n", sec, usec, len, p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

struct els_error *els_cmd_log(struct els_cli *cli, int argc, char **argv)
{
	uint64_t tail = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tail") && i + 1 < argc) {
			if (!els_parse_u64(argv[++i], &tail) || !tail ||
			    tail > SIZE_MAX / 2)
				return els_error_create(ELS_ERR_USAGE,
							"--tail: '%s' is not a positive number of records",
							argv[i]);
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown argument '%s' (log [--tail N])",
						argv[i]);
		}
	}
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	struct collect c = { .tail = (size_t)tail };
	size_t skipped = 0;
	err = els_linux_printk(lx, collect, &c, &skipped);
	if (!err && c.nomem)
		err = &els_enomem;
	if (!err) {
		if (skipped)
			els_log(ELS_LOG_INFO,
				"%zu records of the ring were skipped (not finalized, reused or damaged)",
				skipped);
		if (cli->json) {
			struct json_object *a = json_object_new_array();
			for (size_t i = c.first; i < c.v.len; i++) {
				const struct record *r = &c.v.data[i];
				struct json_object *o = json_object_new_object();
				json_object_object_add(o, "seq",
						       json_object_new_int64((int64_t)r->seq));
				json_object_object_add(o, "ts_nsec",
						       json_object_new_int64((int64_t)r->ts_nsec));
				json_object_object_add(o, "level",
						       json_object_new_int((int)r->level));
				json_object_object_add(o, "text",
						       json_object_new_string(r->text));
				json_object_array_add(a, o);
			}
			els_cli_print_json(a);
		} else {
			for (size_t i = c.first; i < c.v.len; i++)
				print_text(&c.v.data[i]);
		}
	}
	for (size_t i = c.first; i < c.v.len; i++)
		free(c.v.data[i].text);
	record_vec_deinit(&c.v);
	return err;
}
