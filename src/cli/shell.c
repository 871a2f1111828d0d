/* SPDX-License-Identifier: MIT */
/* The interactive shell: libedit line editing, history, command completion. */
#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static char *complete_command(const char *text, int state)
{
	static size_t idx, len;
	if (!state) {
		idx = 0;
		len = strlen(text);
	}
	while (els_cli_commands[idx].name) {
		const char *name = els_cli_commands[idx++].name;
		if (!strncmp(name, text, len))
			return strdup(name);
	}
	return NULL;
}

static char **completion(const char *text, int start, int end)
{
	/* Only the first word is a command name. */
	if (start != 0)
		return NULL;
	return rl_completion_matches(text, complete_command);
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	char *p;
	if (asprintf(&p, "%s/.elscope_history", home) < 0)
		return NULL;
	return p;
}

void els_cli_shell(struct els_cli *cli)
{
	char *hist = history_path();
	rl_readline_name = "elscope";
	rl_attempted_completion_function = completion;
	using_history();
	stifle_history(1000);
	if (hist)
		read_history(hist);
	printf("elscope: %s, %zu CPUs. 'help' lists commands.\n", cli->t->spec,
	       cli->t->cpus.len);
	while (!cli->quit) {
		els_cli_interrupted = 0;
		char *line = readline("(elscope) ");
		if (!line) {
			if (els_cli_interrupted)
				continue; /* Ctrl-C at the prompt */
			putchar('\n');
			break;
		}
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			add_history(p);
			const char *name;
			struct els_error *err = els_cli_run(cli, p, &name);
			if (err) {
				els_cli_report(name, err);
				els_error_destroy(err);
			}
		}
		free(line);
	}
	if (hist) {
		write_history(hist);
		free(hist);
	}
}
