/* SPDX-License-Identifier: MIT */
/*
 * elscope [OPTIONS] TARGET: open the target, run -c/-x commands in order or
 * an interactive shell, and leave the target as it was found: breakpoints
 * removed, resumed if elscope halted it (unless the user asked with 'halt'
 * or --keep-halted), also on errors and Ctrl-C.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/trace_file.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "target/memcache.h"

volatile int els_cli_interrupted;

static void on_signal(int sig)
{
	els_cli_interrupted = sig;
}

static void log_to_stderr(enum els_log_level level, const char *msg,
			  void *arg)
{
	static const char *names[] = { "debug", "info", "warning", "error" };
	fflush(stdout);
	fprintf(stderr, "elscope: %s: %s\n", names[level], msg);
}

static void usage(FILE *f)
{
	fputs("usage: elscope [OPTIONS] TARGET\n"
	      "       elscope --in TRACEFILE [--out OUT] [--freq HZ] [--json]\n"
	      "  TARGET            gdb:HOST:PORT | core:FILE | raw:FILE@PHYSADDR[,FILE@PHYSADDR...]\n"
	      "  --in TRACEFILE    no target: read a xentrace file or a trace-cmd trace.dat,\n"
	      "                    summarize it, write --out (.html .json .csv) if given;\n"
	      "                    --freq: the counter frequency of a xentrace file\n"
	      "  -c COMMAND        run COMMAND (repeatable, in order) and exit\n"
	      "  -x FILE           run the commands in FILE (one a line, # comments)\n"
	      "  --vmlinux FILE    the kernel's vmlinux: symbols (slid by KASLR) and source lines\n"
	      "  --xen FILE        the hypervisor's xen-syms: symbols\n"
	      "  --guest ID=FILE   the kernel (vmlinux) of guest VM ID: sym --vm ID (repeatable)\n"
	      "  --sysroot DIR     where user binaries, shared libraries and .ko files are found\n"
	      "  --json            each command prints one JSON document on stdout\n"
	      "  --stats           after each command, round trips, bytes and time on stderr\n"
	      "  --timeout MS      how long to wait for a live target's replies (default 3000)\n"
	      "  --keep-halted     leave a live target halted on exit\n"
	      "  --no-cache        read target memory afresh every time (benchmarks,\n"
	      "                    memory that changes while halted)\n"
	      "  -v, --verbose     more messages on stderr (repeat for debug)\n"
	      "  -h, --help        this text\n"
	      "Without -c or -x, an interactive shell starts; 'help' lists its commands.\n",
	      f);
}

struct script_item {
	bool is_file;
	const char *text;
};

/* Run the commands of a file; stops at the first error. */
static struct els_error *run_file(struct els_cli *cli, const char *path,
				  const char **what, char **what_buf)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*what = "-x";
		return els_error_errno(errno, "%s", path);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct els_error *err = NULL;
	unsigned lineno = 0;
	while (!err && !els_cli_interrupted &&
	       (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#' || *p == '\n')
			continue;
		err = els_cli_run(cli, p, what);
		if (err) {
			free(*what_buf);
			if (asprintf(what_buf, "%s:%u: %s", path, lineno,
				     *what) >= 0)
				*what = *what_buf;
		}
		if (cli->quit)
			break;
	}
	free(line);
	fclose(f);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep-halted", no_argument, NULL, 'k' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "xen", required_argument, NULL, 'X' },
		{ "guest", required_argument, NULL, 'G' },
		{ "sysroot", required_argument, NULL, 'R' },
		{ "in", required_argument, NULL, 'I' },
		{ "out", required_argument, NULL, 'O' },
		{ "freq", required_argument, NULL, 'F' },
		{ 0 },
	};
	struct els_cli cli = { .vm = -1 };
	struct script_item *items = calloc((size_t)argc, sizeof(*items));
	size_t nitems = 0;
	int timeout_ms = 3000;
	bool keep_halted = false, no_cache = false;
	int verbose = 0;
	const char *vmlinux = NULL, *xen = NULL;
	const char *in_path = NULL, *out_path = NULL;
	uint64_t freq = 0;
	char **guests = calloc((size_t)argc, sizeof(*guests));
	size_t nguests = 0;
	int opt;
	if (!items || !guests) {
		free(items);
		free(guests);
		fputs("elscope: out of memory\n", stderr);
		return 1;
	}
	opterr = 0; /* errors are ours to say, in one line */
	while ((opt = getopt_long(argc, argv, ":c:x:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
		case 'x':
			items[nitems].is_file = opt == 'x';
			items[nitems++].text = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 's':
			cli.stats = true;
			break;
		case 't': {
			uint64_t v;
			if (!els_parse_u64(optarg, &v) || v == 0 || v > 3600000) {
				fprintf(stderr, "elscope: --timeout: '%s' is not a number of milliseconds (1-3600000)\n",
					optarg);
				free(items);
				free(guests);
				return 2;
			}
			timeout_ms = (int)v;
			break;
		}
		case 'k':
			keep_halted = true;
			break;
		case 'n':
			no_cache = true;
			break;
		case 'V':
			vmlinux = optarg;
			break;
		case 'X':
			xen = optarg;
			break;
		case 'G':
			guests[nguests++] = optarg;
			break;
		case 'R':
			cli.sysroot = optarg;
			break;
		case 'I':
			in_path = optarg;
			break;
		case 'O':
			out_path = optarg;
			break;
		case 'F':
			if (!els_parse_u64(optarg, &freq) || freq == 0) {
				fprintf(stderr, "elscope: --freq: '%s' is not a frequency in Hz\n",
					optarg);
				free(items);
				free(guests);
				return 2;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			free(items);
			free(guests);
			return 0;
		case ':':
			fprintf(stderr, "elscope: %s needs a value (see 'elscope --help')\n",
				argv[optind - 1]);
			free(items);
			free(guests);
			return 2;
		default:
			fprintf(stderr, "elscope: unknown option %s (see 'elscope --help')\n",
				argv[optind - 1]);
			free(items);
			free(guests);
			return 2;
		}
	}
	/* A trace file needs no target. */
	if (in_path || out_path || freq) {
		free(items);
		free(guests);
		if (!in_path || optind != argc || nitems || vmlinux || xen ||
		    nguests) {
			fprintf(stderr, "elscope: --out and --freq go with --in FILE, which takes no target, -c, -x or symbol files (see 'elscope --help')\n");
			return 2;
		}
		return els_cli_trace_in_main(in_path, out_path, freq, cli.json);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "elscope: %s (see 'elscope --help')\n",
			optind >= argc ? "no target given"
				       : "more than one target given");
		free(items);
		free(guests);
		return 2;
	}
	els_log_set(log_to_stderr, NULL,
		    verbose >= 2 ? ELS_LOG_DEBUG
		    : verbose == 1 ? ELS_LOG_INFO : ELS_LOG_WARN);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Symbols first: a wrong file fails before the target is touched. */
	struct els_error *err =
		els_cli_open_symbols(&cli, vmlinux, xen, guests, nguests);
	free(guests);
	if (err) {
		els_cli_report(NULL, err);
		int code = err->code == ELS_ERR_USAGE ? 2 : 1;
		els_error_destroy(err);
		els_cli_close_symbols(&cli);
		free(items);
		return code;
	}

	const char *spec = argv[optind];
	err = els_target_open(spec, timeout_ms, &cli.t);
	if (err) {
		els_cli_report(NULL, err);
		int code = err->code == ELS_ERR_USAGE ? 2 : 1;
		els_error_destroy(err);
		els_cli_close_symbols(&cli);
		free(items);
		return code;
	}
	cli.t->interrupt_flag = &els_cli_interrupted;
	cli.t->keep_halted = keep_halted;
	if (no_cache) {
		els_memcache_destroy(cli.t->cache);
		cli.t->cache = NULL;
	}
	if (cli.t->has_last_stop && cli.t->last_stop.cpu >= 0)
		cli.cpu = cli.t->last_stop.cpu;

	int status = 0;
	const char *what = NULL;
	char *what_buf = NULL;
	if (nitems == 0) {
		cli.interactive = true;
		els_cli_shell(&cli);
	}
	for (size_t i = 0; i < nitems && !err && !cli.quit; i++) {
		if (els_cli_interrupted) {
			err = els_error_create(ELS_ERR_INTERRUPTED, "interrupted");
			what = NULL;
			break;
		}
		if (items[i].is_file)
			err = run_file(&cli, items[i].text, &what, &what_buf);
		else
			err = els_cli_run(&cli, items[i].text, &what);
	}
	if (err) {
		els_cli_report(what, err);
		status = err->code == ELS_ERR_USAGE ? 2
			 : err->code == ELS_ERR_INTERRUPTED ? 130 : 1;
		els_error_destroy(err);
	}
	free(what_buf);
	free(items);

	/* Leaving: a second Ctrl-C must not cut the clean-up short. */
	signal(SIGINT, SIG_IGN);
	bool kept = cli.t->can_run && cli.t->keep_halted && !cli.t->running;
	err = els_target_close(cli.t);
	els_cli_close_symbols(&cli);
	if (err) {
		els_cli_report("leaving the target", err);
		els_error_destroy(err);
		if (!status)
			status = 1;
	} else if (kept && !cli.json && !status) {
		fprintf(stderr, "elscope: the target stays halted, as asked\n");
	}
	return status;
}
