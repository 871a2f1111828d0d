/* SPDX-License-Identifier: MIT */
/* The machine's Linux kernel for the commands that need one (ps, bt, ...). */
#include <string.h>

#include "cli/cli.h"

static struct els_error *kernel_ctx(struct els_cli *cli,
				    struct els_xlat_ctx *ctx, bool *dump)
{
	struct els_target *t = cli->t;
	*dump = !t->can_run;
	if (!strcmp(t->ops->kind, "core"))
		return els_linux_ctx_from_vmcoreinfo(t, els_elfcore_vmcoreinfo,
						     ctx);
	if (*dump)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target has neither registers nor VMCOREINFO to find the kernel's page tables from",
					t->ops->kind);
	return els_xlat_ctx_from_cpu(t, cli->cpu, ELS_XLAT_AUTO, ctx);
}

struct els_error *els_cli_linux(struct els_cli *cli, struct els_linux **ret)
{
	if (!cli->vmlinux)
		return els_error_create(ELS_ERR_USAGE,
					"no kernel: give --vmlinux VMLINUX");
	struct els_error *err;
	if (cli->linux_k) {
		/* The target may have run since: translations are stale. */
		els_xlat_flush(&cli->linux_k->kctx);
		*ret = cli->linux_k;
		return NULL;
	}
	if ((err = els_cli_kernel_syms(cli))) {
		if (err == cli->kaslr_err)
			err = els_error_create(err->code, "%s", err->message);
		return err;
	}
	if (!cli->types &&
	    (err = els_types_open(els_symtab_path(cli->vmlinux), &cli->types)))
		return err;
	struct els_xlat_ctx ctx;
	bool dump;
	if ((err = kernel_ctx(cli, &ctx, &dump)))
		return els_error_wrap(err, "the kernel's translation");
	if (ctx.regime == ELS_XLAT_EL2)
		return els_error_create(ELS_ERR_STATE,
					"CPU %d is in a hypervisor (EL2 without VHE): its Linux is a guest; pick a CPU of the machine's kernel with --cpu",
					cli->cpu);
	if ((err = els_linux_open(cli->t, cli->vmlinux, cli->types, &ctx, dump,
				  &cli->linux_k)))
		return err;
	*ret = cli->linux_k;
	return NULL;
}
