/* SPDX-License-Identifier: MIT */
/* mod: placeholder until the command lands. */
#include "cli/cli.h"

struct els_error *els_cmd_mod(struct els_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return els_error_create(ELS_ERR_UNSUPPORTED, "mod is not written yet");
}
