/* SPDX-License-Identifier: MIT */
/* The machine's Linux kernel for the commands that need one (ps, bt, ...). */
#include <string.h>

#include "cli/cli.h"

/* Whether ctx's TTBR1 maps the kernel: linux_banner translates. */
static bool maps_kernel(struct els_xlat_ctx *ctx, uint64_t banner)
{
	uint64_t pa;
	els_xlat_flush(ctx);
	struct els_error *err = els_xlat_va_to_pa(ctx, banner, &pa);
	els_error_destroy(err);
	return !err;
}

/*
 * Under KPTI a CPU at EL0, or at EL1 in the exception trampoline, has
 * tramp_pg_dir in TTBR1, which maps no kernel but the trampoline. Take the
 * first CPU (from cli->cpu on) whose TTBR1 maps the kernel; else a CPU's
 * TTBR1 moved from tramp_pg_dir to swapper_pg_dir, which lies the same
 * distance from it as in vmlinux (one image, physically contiguous).
 */
static struct els_error *live_ctx(struct els_cli *cli, struct els_xlat_ctx *ctx)
{
	struct els_target *t = cli->t;
	size_t n = t->cpus.len ? t->cpus.len : 1;
	struct els_symbol banner, tramp, swapper;
	struct els_error *err;
	if ((err = els_symtab_lookup_name(cli->vmlinux, "linux_banner",
					  &banner))) {
		els_error_destroy(err);
		return els_xlat_ctx_from_cpu(t, cli->cpu, ELS_XLAT_AUTO, ctx);
	}
	bool has_tramp =
		!(err = els_symtab_lookup_name(cli->vmlinux, "tramp_pg_dir",
					       &tramp)) &&
		!(err = els_symtab_lookup_name(cli->vmlinux, "swapper_pg_dir",
					       &swapper));
	els_error_destroy(err);
	for (size_t i = 0; i < n; i++) {
		int cpu = (int)(((size_t)cli->cpu + i) % n);
		if ((err = els_xlat_ctx_from_cpu(t, cpu, ELS_XLAT_AUTO, ctx))) {
			if (!i)
				return err;
			els_error_destroy(err);
			continue;
		}
		if (ctx->regime == ELS_XLAT_EL2 || maps_kernel(ctx, banner.addr))
			return NULL;
		if (has_tramp) {
			ctx->ttbr1 += swapper.addr - tramp.addr;
			if (maps_kernel(ctx, banner.addr))
				return NULL;
		}
	}
	/* Let the kernel's first read say what is wrong. */
	return els_xlat_ctx_from_cpu(t, cli->cpu, ELS_XLAT_AUTO, ctx);
}

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
	return live_ctx(cli, ctx);
}

struct els_error *els_cli_linux(struct els_cli *cli, struct els_linux **ret)
{
	if (cli->vm >= 0)
		return els_cli_linux_vm(cli, (unsigned)cli->vm, ret);
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
	if ((err = els_cli_kernel_syms(cli)))
		return err;
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
