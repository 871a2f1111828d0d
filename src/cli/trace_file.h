/* SPDX-License-Identifier: MIT */
/* Trace files on the command line: `elscope --in FILE`, `trace --in FILE`. */
#ifndef ELS_CLI_TRACE_FILE_H
#define ELS_CLI_TRACE_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "view/event.h"

enum els_trace_file_format {
	ELS_TRACE_FILE_UNKNOWN,
	ELS_TRACE_FILE_XENTRACE,
	ELS_TRACE_FILE_TRACECMD,
};

/* What the file holds, by its first bytes. */
struct els_error *els_trace_file_format(const char *path,
					enum els_trace_file_format *ret);
const char *els_trace_file_format_name(enum els_trace_file_format f);

/*
 * Read a xentrace file or a trace-cmd trace.dat (told apart by content)
 * into out (initialized; out->freq, when set, is the counter frequency of
 * a xentrace file). cli may be NULL.
 */
struct els_error *els_cli_trace_file(struct els_cli *cli, const char *path,
				     struct els_events *out);

/* Print what events hold: text, or one JSON document when json. */
void els_cli_trace_summary(const char *path, enum els_trace_file_format fmt,
			   const struct els_events *e, const char *out_path,
			   double read_seconds, bool json);

/*
 * `elscope --in FILE [--out OUT] [--freq HZ]`: no target; read the file,
 * write OUT (by extension: .html .json .csv), print the summary. Returns
 * the exit status.
 */
int els_cli_trace_in_main(const char *path, const char *out_path,
			  uint64_t freq, bool json);

#endif
