/* SPDX-License-Identifier: MIT */
/* vtop and pt: address translation as the MMU does it, shown level by level. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/xlat.h"
#include "cli/cli.h"
#include "core/hex.h"

static const char *desc_type_name(enum els_mmu_desc_type t)
{
	switch (t) {
	case ELS_MMU_INVALID: return "invalid";
	case ELS_MMU_TABLE: return "table";
	case ELS_MMU_BLOCK: return "block";
	case ELS_MMU_PAGE: return "page";
	case ELS_MMU_RESERVED: return "reserved";
	}
	return "?";
}

static const char *granule_name(unsigned shift)
{
	return shift == 12 ? "4K" : shift == 14 ? "16K" : shift == 16 ? "64K"
								 : "?";
}

static void size_text(uint64_t size, char *buf, size_t n)
{
	if (size >= (1ULL << 30) && !(size & ((1ULL << 30) - 1)))
		snprintf(buf, n, "%" PRIu64 "G", size >> 30);
	else if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, n, "%" PRIu64 "M", size >> 20);
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, n, "%" PRIu64 "K", size >> 10);
	else
		snprintf(buf, n, "%" PRIu64, size);
}

/* Options every translation command takes: --cpu N, --regime R. */
struct xlat_opts {
	int cpu;
	enum els_xlat_regime regime;
};

static struct els_error *parse_regime(const char *s,
				      enum els_xlat_regime *ret)
{
	if (!s)
		return els_error_create(ELS_ERR_USAGE, "--regime needs a value");
	if (!strcmp(s, "auto"))
		*ret = ELS_XLAT_AUTO;
	else if (!strcmp(s, "el1") || !strcmp(s, "el10"))
		*ret = ELS_XLAT_EL10;
	else if (!strcmp(s, "el2"))
		*ret = ELS_XLAT_EL2;
	else if (!strcmp(s, "el20") || !strcmp(s, "vhe"))
		*ret = ELS_XLAT_EL20;
	else
		return els_error_create(ELS_ERR_USAGE,
					"--regime: '%s' is not auto, el1, el2 or el20",
					s);
	return NULL;
}

/*
 * Take --cpu and --regime out of argv (in place); the rest stays in order.
 */
static struct els_error *take_xlat_opts(struct els_cli *cli, int *argc,
					char **argv, struct xlat_opts *o)
{
	o->cpu = cli->cpu;
	o->regime = ELS_XLAT_AUTO;
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		struct els_error *err;
		if (!strcmp(argv[i], "--cpu")) {
			uint64_t v;
			if (i + 1 >= *argc || !els_parse_u64(argv[i + 1], &v) ||
			    v > INT32_MAX)
				return els_error_create(ELS_ERR_USAGE,
							"--cpu needs a CPU number");
			o->cpu = (int)v;
			i++;
		} else if (!strcmp(argv[i], "--regime")) {
			if ((err = parse_regime(i + 1 < *argc ? argv[i + 1]
							      : NULL,
						&o->regime)))
				return err;
			i++;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	return els_target_check_cpu(cli->t, o->cpu);
}

static struct json_object *levels_json(const struct els_mmu_walk *w,
				       const uint64_t *desc_pa)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < w->nlevels; i++) {
		const struct els_mmu_level *l = &w->levels[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_int(l->level));
		json_object_object_add(o, "table", els_json_addr(l->table));
		json_object_object_add(o, "index",
				       json_object_new_int64((int64_t)l->index));
		json_object_object_add(o, "desc_addr", els_json_addr(l->desc_addr));
		if (desc_pa)
			json_object_object_add(o, "desc_pa", els_json_addr(desc_pa[i]));
		json_object_object_add(o, "desc", els_json_addr(l->desc));
		json_object_object_add(o, "type", json_object_new_string(
							  desc_type_name(l->type)));
		json_object_array_add(a, o);
	}
	return a;
}

static void print_levels(const char *stage, const struct els_mmu_walk *w,
			 const uint64_t *desc_pa, bool nested)
{
	for (int i = 0; i < w->nlevels; i++) {
		const struct els_mmu_level *l = &w->levels[i];
		printf("  %-8s L%d  table 0x%" PRIx64 "[%" PRIu64 "] = 0x%016" PRIx64
		       " %s",
		       i ? "" : stage, l->level, l->table, l->index, l->desc,
		       desc_type_name(l->type));
		if (nested && desc_pa)
			printf("  (descriptor at PA 0x%" PRIx64 ")", desc_pa[i]);
		printf("\n");
	}
}

struct els_error *els_cmd_vtop(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "vtop [--cpu N] [--regime auto|el1|el2|el20] VA";
	struct xlat_opts o;
	struct els_error *err = take_xlat_opts(cli, &argc, argv, &o);
	if (err)
		return err;
	uint64_t va;
	if (argc != 2 || !els_parse_u64(argv[1], &va))
		return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	struct els_xlat_ctx ctx;
	if ((err = els_xlat_ctx_from_cpu(cli->t, o.cpu, o.regime, &ctx)))
		return err;
	struct els_xlat_result r;
	if ((err = els_xlat_va(&ctx, va, &r)))
		return err;
	const struct els_mmu_walk *last = r.has_stage2 && r.s1.mapped ? &r.s2
								   : &r.s1;
	char perms[64] = "";
	if (r.s1.mapped)
		els_mmu_perm_text(&r.s1_regime, &r.s1.attrs, perms,
				  sizeof(perms));
	if (cli->json) {
		struct json_object *o2 = json_object_new_object();
		json_object_object_add(o2, "va", els_json_addr(va));
		json_object_object_add(o2, "ipa", r.s1.mapped ? els_json_addr(r.ipa)
							    : NULL);
		json_object_object_add(o2, "pa", r.mapped ? els_json_addr(r.pa)
							  : NULL);
		json_object_object_add(o2, "cpu", json_object_new_int(o.cpu));
		json_object_object_add(o2, "regime", json_object_new_string(
				els_xlat_regime_name(ctx.regime)));
		json_object_object_add(o2, "ttbr", json_object_new_string(
				r.s1_regime.name ? r.s1_regime.name : ""));
		json_object_object_add(o2, "granule", json_object_new_string(
				granule_name(r.s1_regime.granule_shift)));
		json_object_object_add(o2, "mapped", json_object_new_boolean(r.mapped));
		if (!r.mapped)
			json_object_object_add(o2, "fault", json_object_new_string(r.fault));
		if (r.s1.mapped) {
			json_object_object_add(o2, "size",
					       json_object_new_int64((int64_t)r.s1.size));
			json_object_object_add(o2, "perms", json_object_new_string(perms));
			json_object_object_add(o2, "memtype", json_object_new_string(
					els_xlat_memtype(&ctx, false, &r.s1.attrs)));
		}
		json_object_object_add(o2, "stage1", levels_json(&r.s1, r.s1_desc_pa));
		json_object_object_add(o2, "stage2",
				       r.has_stage2 && r.s1.mapped
					       ? levels_json(&r.s2, NULL)
					       : json_object_new_array());
		if (r.has_stage2)
			json_object_object_add(o2, "vmid",
					       json_object_new_int(ctx.s2.vmid));
		els_cli_print_json(o2);
		return NULL;
	}
	printf("VA 0x%016" PRIx64 "  CPU %d, %s, %s, %s granule, %u-bit input\n",
	       va, o.cpu, els_xlat_regime_name(ctx.regime),
	       r.s1_regime.name ? r.s1_regime.name : "MMU off",
	       granule_name(r.s1_regime.granule_shift), r.s1_regime.ia_bits);
	print_levels("stage 1", &r.s1, r.s1_desc_pa, r.has_stage2);
	if (!r.s1.mapped) {
		printf("  not mapped: stage 1 translation fault at level %d\n",
		       r.s1.fault_level);
		return NULL;
	}
	char sz[24];
	size_text(r.s1.size, sz, sizeof(sz));
	if (r.has_stage2) {
		printf("  -> IPA 0x%" PRIx64 "  (%s %s, %s)\n", r.ipa, sz,
		       r.s1.nlevels ? desc_type_name(
					      r.s1.levels[r.s1.nlevels - 1].type)
				    : "flat",
		       perms);
		printf("  stage 2 of VMID %u\n", ctx.s2.vmid);
		print_levels("stage 2", &r.s2, NULL, false);
		if (!r.s2.mapped) {
			printf("  not mapped: stage 2 translation fault at level %d\n",
			       r.s2.fault_level);
			return NULL;
		}
		printf("  -> PA 0x%" PRIx64 "\n", r.pa);
	} else {
		printf("  -> PA 0x%" PRIx64 "  (%s %s, %s)\n", r.pa, sz,
		       r.s1.nlevels ? desc_type_name(
					      r.s1.levels[r.s1.nlevels - 1].type)
				    : "flat",
		       perms);
	}
	(void)last;
	return NULL;
}

struct pt_state {
	struct els_cli *cli;
	const struct els_xlat_ctx *ctx;
	const struct els_mmu_regime *regime;
	struct json_object *array;
	uint64_t count;
};

static int print_range(const struct els_mmu_range *rg, void *arg)
{
	struct pt_state *st = arg;
	char perms[64], sz[24];
	els_mmu_perm_text(st->regime, &rg->attrs, perms, sizeof(perms));
	size_text(rg->size, sz, sizeof(sz));
	uint64_t last = rg->in + (rg->size - 1);
	st->count++;
	if (st->array) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "start", els_json_addr(rg->in));
		json_object_object_add(o, "end", els_json_addr(last));
		json_object_object_add(o, "out", els_json_addr(rg->out));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)rg->size));
		json_object_object_add(o, "level", json_object_new_int(rg->level));
		json_object_object_add(o, "perms", json_object_new_string(perms));
		json_object_object_add(o, "memtype", json_object_new_string(
				els_xlat_memtype(st->ctx, st->regime->stage2,
						 &rg->attrs)));
		if (st->regime->stage2)
			json_object_object_add(o, "memattr",
					       json_object_new_int((int)rg->attrs.memattr));
		else
			json_object_object_add(o, "attr_index",
					       json_object_new_int((int)rg->attrs.attr_index));
		json_object_object_add(o, "contiguous",
				       json_object_new_boolean(rg->attrs.contiguous));
		json_object_array_add(st->array, o);
		return 0;
	}
	printf("0x%016" PRIx64 "-0x%016" PRIx64 " -> 0x%012" PRIx64
	       " %6s L%d %s %s%s\n",
	       rg->in, last, rg->out, sz, rg->level, perms,
	       els_xlat_memtype(st->ctx, st->regime->stage2, &rg->attrs),
	       rg->attrs.contiguous ? " contig" : "");
	return 0;
}

struct els_error *els_cmd_pt(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"pt [--cpu N] [--regime auto|el1|el2|el20] [--stage2] [--max DESCRIPTORS]";
	struct xlat_opts o;
	struct els_error *err = take_xlat_opts(cli, &argc, argv, &o);
	if (err)
		return err;
	bool stage2 = false;
	uint64_t max = 1u << 22;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stage2")) {
			stage2 = true;
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc &&
			   els_parse_u64(argv[i + 1], &max) && max) {
			i++;
		} else {
			return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
		}
	}
	struct els_xlat_ctx ctx;
	if ((err = els_xlat_ctx_from_cpu(cli->t, o.cpu, o.regime, &ctx)))
		return err;
	struct pt_state st = { .cli = cli, .ctx = &ctx };
	struct json_object *doc = NULL;
	if (cli->json) {
		doc = json_object_new_array();
		st.array = doc;
	}
	/* Stage 2, or stage 1's halves: TTBR0 (lower), then TTBR1 (upper). */
	int halves = stage2 || ctx.regime == ELS_XLAT_EL2 ? 1 : 2;
	for (int h = 0; h < halves && !err; h++) {
		struct els_mmu_regime regime;
		st.regime = &regime;
		bool upper = h == 1;
		if (!cli->json) {
			if (stage2)
				printf("# stage 2 of VMID %u (VTTBR_EL2 0x%" PRIx64 "), IPA -> PA\n",
				       ctx.s2.vmid, ctx.vttbr);
			else
				printf("# CPU %d %s, %s half%s\n", o.cpu,
				       els_xlat_regime_name(ctx.regime),
				       upper ? "upper (TTBR1)" : "lower (TTBR0)",
				       ctx.stage2 ? ", VA -> IPA" : ", VA -> PA");
		}
		err = els_xlat_for_each(&ctx, stage2, upper, max, print_range,
					&st, &regime);
	}
	if (doc) {
		if (err)
			json_object_put(doc);
		else
			els_cli_print_json(doc);
	}
	return err;
}

/* With --vm: the VM's own context (a CPU running it, or its saved registers). */
static struct els_error *vm_ctx(struct els_cli *cli, struct els_xlat_ctx *ctx)
{
	uint64_t vbar;
	char how[64];
	return els_cli_guest_ctx(cli, (unsigned)cli->vm, ctx, &vbar, how,
				 sizeof(how));
}

struct els_error *els_cli_read_virt(struct els_cli *cli, int cpu,
				    uint64_t va, void *buf, size_t len)
{
	struct els_xlat_ctx ctx;
	struct els_error *err =
		cli->vm >= 0 ? vm_ctx(cli, &ctx)
			     : els_xlat_ctx_from_cpu(cli->t, cpu, ELS_XLAT_AUTO,
						     &ctx);
	if (err)
		return err;
	return els_xlat_read(&ctx, va, buf, len);
}

struct els_error *els_cli_read_ipa(struct els_cli *cli, int cpu, uint64_t ipa,
				   void *buf, size_t len)
{
	struct els_xlat_ctx ctx;
	struct els_error *err =
		cli->vm >= 0 ? vm_ctx(cli, &ctx)
			     : els_xlat_ctx_from_cpu(cli->t, cpu, ELS_XLAT_EL10,
						     &ctx);
	if (err)
		return err;
	return els_xlat_read_ipa(&ctx, ipa, buf, len);
}
