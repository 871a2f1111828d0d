/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"

void els_cli_report(const char *what, const struct els_error *err)
{
	fflush(stdout);
	if (what && *what)
		fprintf(stderr, "elscope: %s: %s\n", what, err->message);
	else
		fprintf(stderr, "elscope: %s\n", err->message);
}

void els_cli_print_json(struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	json_object_put(obj);
}

struct json_object *els_json_addr(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

void els_cli_hexdump(FILE *f, uint64_t addr, const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;
		fprintf(f, "%016" PRIx64 ": ", addr + off);
		for (size_t i = 0; i < 16; i++) {
			if (i < n)
				fprintf(f, "%02x", buf[off + i]);
			else
				fputs("  ", f);
			fputs(i == 7 ? "  " : " ", f);
		}
		fputc(' ', f);
		for (size_t i = 0; i < n; i++) {
			int c = buf[off + i];
			fputc(isprint(c) ? c : '.', f);
		}
		fputc('\n', f);
	}
}
