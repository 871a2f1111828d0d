/* SPDX-License-Identifier: MIT */
/*
 * profile: a sampling profiler through the probe. Each round halts every
 * CPU, reads what attribution needs in one batch (pc and cpsr of each CPU;
 * with Xen the vCPU each CPU runs, from per-CPU curr_vcpu; the task each
 * kernel runs, from its runqueue's curr), and resumes. The physical
 * addresses of those words are found once, before sampling, so a round
 * is: halt, one batch, resume. Everything else (which VM a vCPU is, a
 * task's pid and comm, the function of a pc) is resolved after sampling
 * from what was seen, once per distinct value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/time.h"
#include "core/reader.h"
#include "cli/cli.h"
#include "core/hex.h"
#include "os/linux/task.h"
#include "view/event.h"
#include "view/export.h"
#include "view/profile.h"

#define DOMID_IDLE 0x7fff
#define MAX_CPUS 64
#define MAX_KERNELS 16

static const char usage[] =
	"profile [--seconds S] [--rate HZ] [--by vm,vcpu,pid,func,el] [--out FILE] [--bare]";

/* One kernel whose runqueues are read: the host's, or a VM's. */
struct kernel {
	int vm;                     /* -1: the machine's own */
	struct els_linux *lx;
	unsigned ncpus;             /* its CPUs (a VM's vCPUs) */
	uint64_t rq_curr_pa[MAX_CPUS]; /* physical address of rq->curr */
	bool have[MAX_CPUS];
};


/* One CPU's raw sample. */
struct raw {
	uint64_t pc, cpsr, vcpu_ptr;
	bool have_vcpu;
};

struct sampler {
	struct els_cli *cli;
	unsigned ncpus;
	bool xen, need_task, bare;
	const struct els_reg_desc *pc, *cpsr;
	uint64_t curr_vcpu_pa[MAX_CPUS];
	struct kernel k[MAX_KERNELS];
	unsigned nk;
	unsigned ncurr;             /* rq->curr words read per round */
	int curr_base[MAX_KERNELS]; /* index of kernel k's CPU 0 among them */
	struct els_batch_item *items;
	size_t nitems;
	uint8_t (*vals)[8];
	/* Per round: ncpus raw samples, then ncurr task pointers. */
	struct raw *raw;
	uint64_t *curr;
	double *wall;               /* when each round was taken */
	size_t nrounds, cap;
};

/* Every vCPU of every VM, the idle vCPUs left out (Xen's runstates). */
static struct els_error *runstates(struct els_hv *hv, struct els_hv_vcpu **ret,
				   size_t *n)
{
	struct els_hv_vm *vms;
	size_t nvm;
	*ret = NULL;
	*n = 0;
	struct els_error *err = els_hv_vms(hv, &vms, &nvm);
	for (size_t i = 0; i < nvm && !err; i++) {
		struct els_hv_vcpu *v;
		size_t nv;
		if ((err = els_hv_vcpus(hv, vms[i].id, &v, &nv)))
			break;
		struct els_hv_vcpu *grown =
			realloc(*ret, (*n + nv + 1) * sizeof(*grown));
		if (!grown) {
			free(v);
			err = &els_enomem;
			break;
		}
		*ret = grown;
		memcpy(*ret + *n, v, nv * sizeof(*v));
		*n += nv;
		free(v);
	}
	free(vms);
	return err;
}

/* One kernel whose runqueues are read: the host's (vm -1), or a VM's. */
static struct els_error *kernel_setup(struct sampler *s, int vm)
{
	if (s->nk == MAX_KERNELS)
		return NULL;
	struct kernel *k = &s->k[s->nk];
	memset(k, 0, sizeof(*k));
	k->vm = vm;
	int saved = s->cli->vm;
	s->cli->vm = vm;
	struct els_error *err = els_cli_linux(s->cli, &k->lx);
	s->cli->vm = saved;
	if (err)
		return err;
	uint64_t off;
	if ((err = els_linux_offset(k->lx, "rq", "curr", &off)))
		return err;
	k->ncpus = k->lx->nr_cpu_ids < MAX_CPUS ? k->lx->nr_cpu_ids : MAX_CPUS;
	for (unsigned c = 0; c < k->ncpus; c++) {
		uint64_t rq, pa;
		if (els_linux_percpu(k->lx, "runqueues", c, &rq))
			continue; /* a CPU that never came up */
		struct els_error *e = els_xlat_va_to_pa(&k->lx->kctx, rq + off, &pa);
		if (e) {
			els_error_destroy(e);
			continue;
		}
		k->rq_curr_pa[c] = pa;
		k->have[c] = true;
	}
	s->curr_base[s->nk] = (int)s->ncurr;
	s->ncurr += k->ncpus;
	s->nk++;
	return NULL;
}

static int kernel_of(const struct sampler *s, int vm)
{
	for (unsigned i = 0; i < s->nk; i++) {
		if (s->k[i].vm == vm)
			return (int)i;
	}
	return -1;
}

static struct els_error *add_item(struct sampler *s, bool is_reg, int cpu,
				  const struct els_reg_desc *reg, uint64_t pa)
{
	struct els_batch_item *items =
		realloc(s->items, (s->nitems + 1) * sizeof(*items));
	if (!items)
		return &els_enomem;
	s->items = items;
	uint8_t(*vals)[8] = realloc(s->vals, (s->nitems + 1) * sizeof(*vals));
	if (!vals)
		return &els_enomem;
	s->vals = vals;
	struct els_batch_item *it = &s->items[s->nitems];
	memset(it, 0, sizeof(*it));
	it->is_reg = is_reg;
	it->cpu = cpu;
	it->reg = reg;
	it->as = els_aspace_phys();
	it->addr = pa;
	it->len = 8;
	s->nitems++;
	return NULL;
}

/*
 * The batch of a round: per CPU pc and cpsr (the bare loop: pc only); with
 * Xen each CPU's curr_vcpu; each kernel's rq->curr of each of its CPUs.
 * (A missing rq->curr keeps its slot and reads 0 at address 0: never
 * asked, see record().)
 */
static struct els_error *plan(struct sampler *s)
{
	struct els_error *err = NULL;
	for (unsigned c = 0; c < s->ncpus && !err; c++) {
		err = add_item(s, true, (int)c, s->pc, 0);
		if (!err && !s->bare)
			err = add_item(s, true, (int)c, s->cpsr, 0);
	}
	for (unsigned c = 0; c < s->ncpus && s->xen && !err && !s->bare; c++)
		err = add_item(s, false, -1, NULL, s->curr_vcpu_pa[c]);
	for (unsigned i = 0; i < s->nk && !err && !s->bare; i++) {
		for (unsigned c = 0; c < s->k[i].ncpus && !err; c++) {
			if (s->k[i].have[c])
				err = add_item(s, false, -1, NULL,
					       s->k[i].rq_curr_pa[c]);
		}
	}
	for (size_t i = 0; i < s->nitems; i++)
		s->items[i].buf = s->vals[i];
	return err;
}

/* Take a round's values apart. */
static struct els_error *record(struct sampler *s)
{
	if (s->nrounds == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct raw *r = realloc(s->raw, cap * s->ncpus * sizeof(*r));
		if (!r)
			return &els_enomem;
		s->raw = r;
		uint64_t *cu = realloc(s->curr, cap * (s->ncurr + 1) * sizeof(*cu));
		if (!cu)
			return &els_enomem;
		s->curr = cu;
		double *w = realloc(s->wall, cap * sizeof(*w));
		if (!w)
			return &els_enomem;
		s->wall = w;
		s->cap = cap;
	}
	struct raw *row = &s->raw[s->nrounds * s->ncpus];
	uint64_t *curr = &s->curr[s->nrounds * (s->ncurr + 1)];
	size_t i = 0;
	for (unsigned c = 0; c < s->ncpus; c++) {
		memset(&row[c], 0, sizeof(row[c]));
		row[c].pc = s->items[i].err ? 0 : els_le64(s->vals[i]);
		i++;
		if (!s->bare) {
			row[c].cpsr = s->items[i].err ? 0 : els_le64(s->vals[i]);
			i++;
		}
	}
	if (!s->bare) {
		for (unsigned c = 0; c < s->ncpus && s->xen; c++, i++) {
			row[c].have_vcpu = !s->items[i].err;
			row[c].vcpu_ptr = els_le64(s->vals[i]);
		}
		for (unsigned k = 0; k < s->nk; k++) {
			for (unsigned c = 0; c < s->k[k].ncpus; c++) {
				uint64_t v = 0;
				if (s->k[k].have[c]) {
					if (!s->items[i].err)
						v = els_le64(s->vals[i]);
					i++;
				}
				curr[s->curr_base[k] + (int)c] = v;
			}
		}
	}
	for (size_t j = 0; j < s->nitems; j++) {
		els_error_destroy(s->items[j].err);
		s->items[j].err = NULL;
	}
	s->wall[s->nrounds] = els_now_s();
	s->nrounds++;
	return NULL;
}

/*
 * One round on a running target: halt, the batch, resume (the time halted
 * added to *halted), then the values taken apart.
 */
static struct els_error *take_round(struct sampler *s, double *halted)
{
	struct els_target *t = s->cli->t;
	double h0 = els_now_s();
	struct els_error *err = els_target_halt(t, NULL);
	if (err)
		return err;
	err = els_target_batch(t, s->items, s->nitems);
	struct els_error *e2 = els_target_resume(t);
	*halted += els_now_s() - h0;
	if (!err)
		err = e2;
	else
		els_error_destroy(e2);
	return err ? err : record(s);
}

/* ---- after sampling: what the values mean ---- */

struct vcpu_id {
	uint64_t ptr;
	int vm, vcpu;
};

struct task_id {
	int kernel;
	uint64_t addr;
	int32_t pid;
	char comm[17];
	bool user_syms_tried;
	struct els_symset *user; /* the process's binaries (--sysroot) */
};

struct resolved {
	struct vcpu_id *v;
	size_t nv;
	struct task_id *t;
	size_t nt;
};

static struct els_error *vcpu_of(struct sampler *s, struct resolved *r,
				 uint64_t ptr, int *vm, int *vcpu)
{
	for (size_t i = 0; i < r->nv; i++) {
		if (r->v[i].ptr == ptr) {
			*vm = r->v[i].vm;
			*vcpu = r->v[i].vcpu;
			return NULL;
		}
	}
	/* vcpu->vcpu_id and vcpu->domain->domain_id, through Xen's tables. */
	struct els_hv_vm *vms;
	size_t n;
	*vm = -1;
	*vcpu = -1;
	struct els_error *err = els_hv_vms(s->cli->hv, &vms, &n);
	for (size_t i = 0; i < n && !err && *vm < 0; i++) {
		struct els_hv_vcpu *v;
		size_t nv;
		if ((err = els_hv_vcpus(s->cli->hv, vms[i].id, &v, &nv)))
			break;
		for (size_t k = 0; k < nv; k++) {
			if (v[k].addr == ptr) {
				*vm = (int)vms[i].id;
				*vcpu = (int)v[k].id;
			}
		}
		free(v);
	}
	free(vms);
	if (err)
		return err;
	struct vcpu_id *grown = realloc(r->v, (r->nv + 1) * sizeof(*grown));
	if (!grown)
		return &els_enomem;
	r->v = grown;
	r->v[r->nv++] = (struct vcpu_id){ ptr, *vm, *vcpu };
	return NULL;
}

static struct task_id *task_of(struct sampler *s, struct resolved *r,
			       int kernel, uint64_t addr)
{
	for (size_t i = 0; i < r->nt; i++) {
		if (r->t[i].kernel == kernel && r->t[i].addr == addr)
			return &r->t[i];
	}
	struct task_id *grown = realloc(r->t, (r->nt + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	r->t = grown;
	struct task_id *t = &r->t[r->nt++];
	memset(t, 0, sizeof(*t));
	t->kernel = kernel;
	t->addr = addr;
	t->pid = -1;
	struct els_linux_task task;
	struct els_error *err = els_linux_task_read(s->k[kernel].lx, addr, &task);
	if (!err) {
		t->pid = task.pid;
		snprintf(t->comm, sizeof(t->comm), "%s", task.comm);
	}
	els_error_destroy(err);
	return t;
}

/* ---- tables ---- */

struct tally {
	char *key;
	uint64_t n;
};

struct table {
	const char *by;
	struct tally *rows;
	size_t n;
};

static void count(struct table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++) {
		if (!strcmp(t->rows[i].key, key)) {
			t->rows[i].n++;
			return;
		}
	}
	struct tally *grown = realloc(t->rows, (t->n + 1) * sizeof(*grown));
	char *k = strdup(key);
	if (!grown || !k) {
		free(k);
		if (grown)
			t->rows = grown;
		return;
	}
	t->rows = grown;
	t->rows[t->n++] = (struct tally){ k, 1 };
}

static int by_count(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *vm_label(struct sampler *s, int vm, char *buf, size_t size)
{
	(void)s;
	if (vm < 0)
		return "xen";
	if (vm == 0)
		return "Domain-0";
	snprintf(buf, size, "d%d", vm);
	return buf;
}

/* ---- the command ---- */

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n) {
		bool start = p == list || p[-1] == ',';
		bool end = p[n] == 0 || p[n] == ',';
		if (start && end)
			return true;
	}
	return false;
}

static struct els_error *parse(int argc, char **argv, double *seconds,
			       double *rate, const char **by, const char **out,
			       bool *bare)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool val = !strcmp(o, "--seconds") || !strcmp(o, "--rate") ||
			   !strcmp(o, "--by") || !strcmp(o, "--out");
		if (val && i + 1 >= argc)
			return els_error_create(ELS_ERR_USAGE,
						"%s needs a value (usage: %s)", o, usage);
		if (!strcmp(o, "--seconds") || !strcmp(o, "--rate")) {
			double v;
			if (!els_parse_double(argv[++i], &v) || !(v > 0) || v > 1e6)
				return els_error_create(ELS_ERR_USAGE,
							"%s: '%s' is not a positive number",
							o, argv[i]);
			*(o[2] == 's' ? seconds : rate) = v;
		} else if (!strcmp(o, "--by")) {
			*by = argv[++i];
			static const char *const ok[] = { "vm", "vcpu", "pid",
							  "func", "el" };
			char *copy = strdup(*by);
			if (!copy)
				return &els_enomem;
			for (char *w = strtok(copy, ","); w; w = strtok(NULL, ",")) {
				bool known = false;
				for (size_t k = 0; k < 5; k++)
					known |= !strcmp(w, ok[k]);
				if (!known) {
					struct els_error *e = els_error_create(
						ELS_ERR_USAGE,
						"--by: '%s' is not one of vm, vcpu, pid, func, el",
						w);
					free(copy);
					return e;
				}
			}
			free(copy);
		} else if (!strcmp(o, "--out")) {
			*out = argv[++i];
		} else if (!strcmp(o, "--bare")) {
			*bare = true;
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown argument '%s' (usage: %s)",
						o, usage);
		}
	}
	return NULL;
}

/* What sampling needs, found while halted before the first round. */
static struct els_error *setup(struct sampler *s)
{
	struct els_cli *cli = s->cli;
	struct els_target *t = cli->t;
	s->ncpus = t->cpus.len < MAX_CPUS ? (unsigned)t->cpus.len : MAX_CPUS;
	s->pc = els_target_find_reg(t, "pc");
	s->cpsr = els_target_find_reg(t, "cpsr");
	if (!s->pc || !s->cpsr)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the target shows no pc or cpsr");
	struct els_error *err;
	if (s->bare)
		return NULL;
	if (cli->xen) {
		struct els_hv *hv;
		if ((err = els_cli_hv(cli, &hv)))
			return err;
		s->xen = true;
		struct els_symbol pco, cv;
		if ((err = els_symtab_lookup_name(cli->xen, "__per_cpu_offset", &pco)) ||
		    (err = els_symtab_lookup_name(cli->xen, "per_cpu__curr_vcpu", &cv)))
			return err;
		for (unsigned c = 0; c < s->ncpus; c++) {
			uint64_t off;
			if ((err = els_hv_read_u64(hv, pco.addr + 8 * c, &off)) ||
			    (err = els_xlat_va_to_pa(&hv->ctx, cv.addr + off,
						     &s->curr_vcpu_pa[c])))
				return els_error_wrap(err, "CPU %u's curr_vcpu", c);
		}
		for (size_t g = 0; g < cli->nguests; g++) {
			err = kernel_setup(s, (int)cli->guests[g].id);
			if (err) {
				fprintf(stderr, "profile: VM %u's tasks are not sampled: %s\n",
					cli->guests[g].id, err->message);
				els_error_destroy(err);
			}
		}
	} else if (cli->vmlinux) {
		if ((err = kernel_setup(s, -1)))
			return err;
	}
	return NULL;
}

static void report_text(const struct els_profile_summary *p,
			const struct els_events *xen_says)
{
	printf("%" PRIu64 " samples of %u CPUs in %.2f s (%.0f rounds/s); the target was halted %.2f s of them (%.1f%%)\n",
	       p->samples, p->cpus, p->seconds, p->rate, p->halted_seconds,
	       p->seconds > 0 ? 100.0 * p->halted_seconds / p->seconds : 0);
	for (size_t t = 0; t < p->ntables; t++) {
		const struct els_profile_table *tb = &p->tables[t];
		printf("\nby %s:\n", tb->by);
		for (size_t i = 0; i < tb->n && i < 20; i++)
			printf("  %6.2f%%  %8" PRIu64 "  %s\n",
			       p->samples ? 100.0 * (double)tb->rows[i].samples / (double)p->samples : 0,
			       tb->rows[i].samples, tb->rows[i].key);
		if (tb->n > 20)
			printf("  ... %zu more\n", tb->n - 20);
	}
	(void)xen_says;
}

/* Running time per VM (ns) from Xen's runstates, the open span included. */
struct xen_acct {
	int vm[64];
	double run_ns[64];
	size_t n;
	double now_ns;
};

static void account(const struct els_hv_vcpu *v, size_t n, struct xen_acct *a)
{
	memset(a, 0, sizeof(*a));
	/* Xen's "now" at the halt: no later than the last change anywhere. */
	for (size_t i = 0; i < n; i++)
		if ((double)v[i].state_entry_time > a->now_ns)
			a->now_ns = (double)v[i].state_entry_time;
	for (size_t i = 0; i < n; i++) {
		double run = (double)v[i].time[0];
		if (v[i].state == ELS_HV_RUNNING && a->now_ns > (double)v[i].state_entry_time)
			run += a->now_ns - (double)v[i].state_entry_time;
		size_t k;
		for (k = 0; k < a->n && a->vm[k] != (int)v[i].vm; k++)
			;
		if (k == a->n) {
			if (a->n == 64)
				continue;
			a->vm[a->n++] = (int)v[i].vm;
		}
		a->run_ns[k] += run;
	}
}

static void free_tables(struct table *tb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < tb[i].n; k++)
			free(tb[i].rows[k].key);
		free(tb[i].rows);
	}
}

static struct els_error *write_out(const char *path, struct table *tb,
				   size_t ntb, uint64_t samples,
				   const char **folded, size_t nfolded,
				   const struct els_events *ev,
				   const struct els_profile_summary *sum)
{
	size_t len = strlen(path);
	bool csv = len > 4 && !strcmp(path + len - 4, ".csv");
	bool fold = len > 7 && !strcmp(path + len - 7, ".folded");
	if (!csv && !fold)
		return els_export_file(ev, sum, path);
	FILE *f = fopen(path, "w");
	if (!f)
		return els_error_create(ELS_ERR_IO, "%s: %s", path, strerror(errno));
	if (csv) {
		fprintf(f, "by,key,samples,share\n");
		for (size_t t = 0; t < ntb; t++)
			for (size_t i = 0; i < tb[t].n; i++) {
				fprintf(f, "%s,\"", tb[t].by);
				for (const char *c = tb[t].rows[i].key; *c; c++)
					fprintf(f, *c == '"' ? "\"\"" : "%c", *c);
				fprintf(f, "\",%" PRIu64 ",%.6f\n", tb[t].rows[i].n,
					samples ? (double)tb[t].rows[i].n / (double)samples : 0);
			}
	} else {
		/* Folded stacks: the same stack once, with its count. */
		struct table st = { "stack", NULL, 0 };
		for (size_t i = 0; i < nfolded; i++)
			count(&st, folded[i]);
		for (size_t i = 0; i < st.n; i++)
			fprintf(f, "%s %" PRIu64 "\n", st.rows[i].key, st.rows[i].n);
		free_tables(&st, 1);
	}
	if (fclose(f))
		return els_error_create(ELS_ERR_IO, "%s: %s", path, strerror(errno));
	return NULL;
}

/*
 * What the samples mean: each CPU's sample of each round counted in the
 * tables (tb[0..ntb), their by set), its folded stack (folded: NULL or
 * one slot per sample), a SAMPLE event at ts[round] in ev; with
 * task_spans, RUN spans of the tasks (a task runs on a CPU from one sample
 * to the next that shows another).
 */
static struct els_error *attribute(struct sampler *s, struct resolved *res,
				   struct table *tb, size_t ntb,
				   const char **folded, struct els_events *ev,
				   const uint64_t *ts, bool task_spans)
{
	struct els_cli *cli = s->cli;
	struct els_error *err = NULL;
	struct els_event *open = calloc(s->ncpus ? s->ncpus : 1, sizeof(*open));
	bool *is_open = calloc(s->ncpus ? s->ncpus : 1, sizeof(*is_open));
	if (!open || !is_open) {
		free(open);
		free(is_open);
		return &els_enomem;
	}
	for (size_t r = 0; r < s->nrounds && !s->bare; r++) {
		for (unsigned c = 0; c < s->ncpus; c++) {
			const struct raw *x = &s->raw[r * s->ncpus + c];
			const uint64_t *curr = &s->curr[r * (s->ncurr + 1)];
			unsigned el = (unsigned)(x->cpsr >> 2) & 3;
			int vm = -1, vcpu = (int)c;
			bool idle = false;
			if (s->xen) {
				vcpu = -1;
				if (x->have_vcpu &&
				    (err = vcpu_of(s, res, x->vcpu_ptr, &vm, &vcpu)))
					goto done;
				idle = vm < 0;
			}
			int k = kernel_of(s, vm);
			struct task_id *task = NULL;
			if (k >= 0 && vcpu >= 0 && (unsigned)vcpu < s->k[k].ncpus) {
				uint64_t a = curr[s->curr_base[k] + vcpu];
				if (a)
					task = task_of(s, res, k, a);
			}
			if (task && task->pid == 0 && el != 2)
				idle = true; /* the kernel's idle task */
			char vbuf[32], key[200], func[160] = "";
			const char *vml = s->xen ? vm_label(s, vm, vbuf, sizeof(vbuf)) : "host";
			if (s->xen && vm < 0)
				vml = "xen (idle)";
			const char *level = el == 2 ? "hypervisor"
					    : idle ? "idle"
					    : el == 1 ? "kernel" : "user";
			/* The function: Xen's, the VM's kernel's, or the process's. */
			if (el == 2 && cli->xen) {
				struct els_symbol sy;
				if (els_symtab_find_addr(cli->xen, x->pc, &sy))
					snprintf(func, sizeof(func), "%s", sy.name);
			} else if (el == 1) {
				int saved = cli->vm;
				cli->vm = vm;
				char b[160];
				if (els_cli_symbolize(cli, x->pc, b, sizeof(b))) {
					char *plus = strchr(b, '+');
					if (plus)
						*plus = 0;
					snprintf(func, sizeof(func), "%s", b);
				}
				cli->vm = saved;
			} else if (el == 0 && task && task->pid > 0 && cli->sysroot) {
				if (!task->user_syms_tried) {
					task->user_syms_tried = true;
					int saved = cli->vm;
					cli->vm = vm;
					struct els_error *e = els_cli_process_symset(
						cli, task->pid, &task->user);
					cli->vm = saved;
					if (e)
						task->user = NULL;
					els_error_destroy(e);
				}
				char b[160];
				if (task->user &&
				    els_symset_format(task->user, x->pc, b, sizeof(b))) {
					char *plus = strchr(b, '+');
					if (plus)
						*plus = 0;
					snprintf(func, sizeof(func), "%s", b);
				}
			}
			if (!func[0])
				snprintf(func, sizeof(func), "[%s 0x%" PRIx64 "]",
					 level, x->pc);
			for (size_t d = 0; d < ntb; d++) {
				const char *dim = tb[d].by;
				if (!strcmp(dim, "vm"))
					snprintf(key, sizeof(key), "%s", vml);
				else if (!strcmp(dim, "vcpu"))
					snprintf(key, sizeof(key), vcpu >= 0 ? "%s v%d" : "%s", vml, vcpu);
				else if (!strcmp(dim, "el"))
					snprintf(key, sizeof(key), "%s", level);
				else if (!strcmp(dim, "pid"))
					snprintf(key, sizeof(key), task && task->pid >= 0 ? "%s: %s (%d)" : "%s: -",
						 vml, task ? task->comm : "", task ? task->pid : -1);
				else
					snprintf(key, sizeof(key), "%s", func);
				count(&tb[d], key);
			}
			char stack[400];
			snprintf(stack, sizeof(stack), "%s;%s;%s", vml,
				 task && task->pid >= 0 ? task->comm : level, func);
			for (char *p = stack; *p; p++)
				if (*p == ' ')
					*p = '_';
			if (folded)
				folded[r * s->ncpus + c] = strdup(stack);
			struct els_event e = {
				.ts = ts[r],
				.vm = vm, .vcpu = vcpu, .pid = task ? task->pid : ELS_EV_NONE,
				.name = els_events_intern(ev, task && task->pid >= 0 ? task->comm : vml),
				.pcpu = (uint16_t)c, .kind = ELS_EV_SAMPLE,
				.level = el == 2 ? ELS_LVL_HYPERVISOR : idle ? ELS_LVL_IDLE
					 : el == 1 ? ELS_LVL_KERNEL : ELS_LVL_USER,
				.func = els_events_intern(ev, func),
			};
			if ((err = els_events_add(ev, &e)))
				goto done;
			if (task_spans && task && task->pid >= 0) {
				struct els_event run = e;
				run.kind = ELS_EV_RUN;
				run.func = 0;
				bool same = is_open[c] && open[c].vm == run.vm &&
					    open[c].pid == run.pid &&
					    open[c].name == run.name;
				if (is_open[c] && !same) {
					open[c].dur = ts[r] - open[c].ts;
					if ((err = els_events_add(ev, &open[c])))
						goto done;
					is_open[c] = false;
				}
				if (!is_open[c]) {
					open[c] = run;
					is_open[c] = true;
				}
			} else if (task_spans && is_open[c]) {
				open[c].dur = ts[r] - open[c].ts;
				if ((err = els_events_add(ev, &open[c])))
					goto done;
				is_open[c] = false;
			}
		}
	}
	/* The last task span of each CPU ends at the last round. */
	for (unsigned c = 0; c < s->ncpus && task_spans; c++) {
		if (is_open[c] && s->nrounds) {
			open[c].dur = ts[s->nrounds - 1] - open[c].ts;
			if ((err = els_events_add(ev, &open[c])))
				goto done;
		}
	}
done:
	free(open);
	free(is_open);
	return err;
}

struct els_error *els_cmd_profile(struct els_cli *cli, int argc, char **argv)
{
	double seconds = 5, rate = 200;
	const char *by = "vm,el,pid,func", *out = NULL;
	struct sampler s = { .cli = cli };
	struct els_error *err = parse(argc, argv, &seconds, &rate, &by, &out,
				      &s.bare);
	if (err)
		return err;
	struct els_target *t = cli->t;
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"profile samples a live target; a %s target does not run",
					t->ops->kind);
	bool was_running = t->running;
	if ((err = els_target_ensure_halted(t)))
		return err;
	struct els_hv_vcpu *rs0 = NULL, *rs1 = NULL;
	size_t nrs0 = 0, nrs1 = 0;
	struct resolved res = { 0 };
	struct table tb[5] = { { 0 } };
	size_t ntb = 0;
	const char **folded = NULL;
	struct els_events ev;
	els_events_init(&ev);
	if ((err = setup(&s)) || (err = plan(&s)))
		goto out;
	if (s.xen && (err = runstates(cli->hv, &rs0, &nrs0)))
		goto out;

	/* Sampling: halt, one batch, resume; as fast as rate allows. */
	double t0 = els_now_s(), halted = 0, next = t0, last_note = t0;
	bool interrupted = false;
	if ((err = els_target_resume(t)))
		goto out;
	while (els_now_s() - t0 < seconds) {
		if (els_cli_interrupted) {
			interrupted = true;
			break;
		}
		els_pace(&next, 1.0 / rate);
		if ((err = take_round(&s, &halted)))
			break;
		if (els_now_s() - last_note >= 1 && !cli->json) {
			last_note = els_now_s();
			fprintf(stderr, "profile: %.1f s, %zu rounds\n",
				last_note - t0, s.nrounds);
		}
	}
	double wall = els_now_s() - t0;
	if (interrupted)
		els_cli_interrupted = 0; /* finish with what was taken */
	struct els_error *halt_err = els_target_ensure_halted(t);
	if (!err)
		err = halt_err;
	else
		els_error_destroy(halt_err);
	if (err)
		goto out;
	if (s.xen && (err = runstates(cli->hv, &rs1, &nrs1)))
		goto out;

	/* What the samples mean. */
	static const char *const dims[] = { "vm", "vcpu", "el", "pid", "func" };
	for (size_t d = 0; d < 5; d++)
		if (has_word(by, dims[d]))
			tb[ntb++].by = dims[d];
	uint64_t nsamples = s.bare ? 0 : (uint64_t)s.nrounds * s.ncpus;
	folded = calloc(nsamples ? nsamples : 1, sizeof(*folded));
	ev.freq = 1000000000;
	snprintf(ev.clock_note, sizeof(ev.clock_note),
		 "samples: elscope's monotonic clock, in ns");
	uint64_t *ts = calloc(s.nrounds ? s.nrounds : 1, sizeof(*ts));
	if (!ts) {
		err = &els_enomem;
		goto out;
	}
	for (size_t r = 0; r < s.nrounds; r++)
		ts[r] = (uint64_t)((s.wall[r] - t0) * 1e9);
	if (!s.bare)
		err = attribute(&s, &res, tb, ntb, folded, &ev, ts, false);
	free(ts);
	if (err)
		goto out;
	ev.t0 = 0;
	ev.t1 = (uint64_t)(wall * 1e9);
	for (size_t d = 0; d < ntb; d++)
		qsort(tb[d].rows, tb[d].n, sizeof(*tb[d].rows), by_count);

	struct els_profile_table ptab[5];
	struct els_profile_row *prow[5] = { 0 };
	struct els_profile_summary sum = {
		.samples = nsamples, .cpus = s.ncpus, .seconds = wall,
		.halted_seconds = halted,
		.rate = wall > 0 ? (double)s.nrounds / wall : 0,
		.tables = ptab, .ntables = ntb,
	};
	for (size_t d = 0; d < ntb; d++) {
		prow[d] = calloc(tb[d].n + 1, sizeof(*prow[d]));
		for (size_t i = 0; prow[d] && i < tb[d].n; i++)
			prow[d][i] = (struct els_profile_row){ tb[d].rows[i].key,
							       tb[d].rows[i].n };
		ptab[d] = (struct els_profile_table){ tb[d].by, prow[d],
						      prow[d] ? tb[d].n : 0 };
	}

	/* Xen's own accounting over the same interval (first to last halt). */
	struct xen_acct a0, a1;
	struct json_object *xj = NULL;
	if (s.xen && nrs0 && nrs1) {
		account(rs0, nrs0, &a0);
		account(rs1, nrs1, &a1);
		double span = (a1.now_ns - a0.now_ns) * s.ncpus;
		if (span > 0) {
			double used = 0;
			if (cli->json)
				xj = json_object_new_object();
			else
				printf("Xen's runstate accounting over the same interval (%.2f s of Xen's time):", (a1.now_ns - a0.now_ns) / 1e9);
			for (size_t i = 0; i < a1.n; i++) {
				double before = 0;
				for (size_t k = 0; k < a0.n; k++)
					if (a0.vm[k] == a1.vm[i])
						before = a0.run_ns[k];
				double share = (a1.run_ns[i] - before) / span;
				used += share;
				char vb[32];
				const char *l = vm_label(&s, a1.vm[i], vb, sizeof(vb));
				if (xj)
					json_object_object_add(xj, l, json_object_new_double(share));
				else
					printf(" %s %.1f%%", l, 100 * share);
			}
			if (xj)
				json_object_object_add(xj, "xen (idle)",
						       json_object_new_double(1 - used));
			else
				printf(" xen (idle) %.1f%%\n", 100 * (1 - used));
		}
	}
	if (s.bare) {
		if (cli->json) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "rounds", json_object_new_int64((int64_t)s.nrounds));
			json_object_object_add(o, "seconds", json_object_new_double(wall));
			json_object_object_add(o, "rate", json_object_new_double(sum.rate));
			json_object_object_add(o, "halted_seconds", json_object_new_double(halted));
			els_cli_print_json(o);
		} else {
			printf("bare loop: %zu rounds (halt, pc of %u CPUs, resume) in %.2f s: %.0f rounds/s; halted %.2f s\n",
			       s.nrounds, s.ncpus, wall, sum.rate, halted);
		}
	} else if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "samples", json_object_new_int64((int64_t)nsamples));
		json_object_object_add(o, "cpus", json_object_new_int((int)s.ncpus));
		json_object_object_add(o, "seconds", json_object_new_double(wall));
		json_object_object_add(o, "rate", json_object_new_double(sum.rate));
		json_object_object_add(o, "halted_seconds", json_object_new_double(halted));
		json_object_object_add(o, "interrupted", json_object_new_boolean(interrupted));
		struct json_object *tables = json_object_new_object();
		for (size_t d = 0; d < ntb; d++) {
			struct json_object *arr = json_object_new_array();
			for (size_t i = 0; i < tb[d].n; i++) {
				struct json_object *row = json_object_new_object();
				json_object_object_add(row, "key", json_object_new_string(tb[d].rows[i].key));
				json_object_object_add(row, "samples", json_object_new_int64((int64_t)tb[d].rows[i].n));
				json_object_object_add(row, "share",
						       json_object_new_double(nsamples ? (double)tb[d].rows[i].n / (double)nsamples : 0));
				json_object_array_add(arr, row);
			}
			json_object_object_add(tables, tb[d].by, arr);
		}
		json_object_object_add(o, "by", tables);
		if (xj)
			json_object_object_add(o, "xen_runstate", xj);
		xj = NULL;
		els_cli_print_json(o);
	} else {
		report_text(&sum, NULL);
		if (interrupted)
			printf("(interrupted: the samples taken until Ctrl-C)\n");
	}
	json_object_put(xj);
	if (out && !s.bare) {
		err = write_out(out, tb, ntb, nsamples, folded,
				folded ? nsamples : 0, &ev, &sum);
		if (!err && !cli->json)
			printf("wrote %s\n", out);
	}
	for (size_t d = 0; d < 5; d++)
		free(prow[d]);
out:
	if (!err && was_running && !t->running)
		err = els_target_resume(t);
	if (folded) {
		for (size_t i = 0; i < (s.bare ? 0 : (size_t)s.nrounds * s.ncpus); i++)
			free((void *)folded[i]);
		free(folded);
	}
	free_tables(tb, ntb);
	els_events_deinit(&ev);
	free(res.v);
	free(res.t);
	free(rs0);
	free(rs1);
	free(s.items);
	free(s.vals);
	free(s.raw);
	free(s.curr);
	free(s.wall);
	return err;
}

/* ---- the sampler for other commands (trace) ---- */

struct els_cli_sampler {
	struct sampler s;
	struct resolved res;
	struct table tb[4];
	size_t ntb;
	struct els_profile_table ptab[4];
	struct els_profile_summary sum;
};

struct els_error *els_cli_sampler_open(struct els_cli *cli,
				       struct els_cli_sampler **ret)
{
	struct els_cli_sampler *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return &els_enomem;
	sp->s.cli = cli;
	struct els_error *err = setup(&sp->s);
	if (!err)
		err = plan(&sp->s);
	if (err) {
		els_cli_sampler_destroy(sp);
		return err;
	}
	*ret = sp;
	return NULL;
}

struct els_error *els_cli_sampler_take(struct els_cli_sampler *sp,
					double *halted)
{
	return take_round(&sp->s, halted);
}

size_t els_cli_sampler_rounds(const struct els_cli_sampler *sp,
			      const double **walls)
{
	*walls = sp->s.wall;
	return sp->s.nrounds;
}

struct els_error *els_cli_sampler_finish(struct els_cli_sampler *sp,
					 const uint64_t *ts,
					 struct els_events *ev,
					 double seconds, double halted,
					 const struct els_profile_summary **ret)
{
	static const char *const dims[] = { "vm", "el", "pid", "func" };
	sp->ntb = 4;
	for (size_t d = 0; d < 4; d++)
		sp->tb[d].by = dims[d];
	struct els_error *err = attribute(&sp->s, &sp->res, sp->tb, sp->ntb,
					  NULL, ev, ts, true);
	if (err)
		return err;
	for (size_t d = 0; d < sp->ntb; d++) {
		qsort(sp->tb[d].rows, sp->tb[d].n, sizeof(*sp->tb[d].rows),
		      by_count);
		struct els_profile_row *rows =
			calloc(sp->tb[d].n + 1, sizeof(*rows));
		if (!rows)
			return &els_enomem;
		for (size_t i = 0; i < sp->tb[d].n; i++)
			rows[i] = (struct els_profile_row){ sp->tb[d].rows[i].key,
							    sp->tb[d].rows[i].n };
		sp->ptab[d] = (struct els_profile_table){ dims[d], rows,
							 sp->tb[d].n };
	}
	sp->sum = (struct els_profile_summary){
		.samples = (uint64_t)sp->s.nrounds * sp->s.ncpus,
		.cpus = sp->s.ncpus, .seconds = seconds,
		.halted_seconds = halted,
		.rate = seconds > 0 ? (double)sp->s.nrounds / seconds : 0,
		.tables = sp->ptab, .ntables = sp->ntb,
	};
	*ret = &sp->sum;
	return NULL;
}

void els_cli_sampler_destroy(struct els_cli_sampler *sp)
{
	if (!sp)
		return;
	for (size_t d = 0; d < sp->ntb; d++)
		free(sp->ptab[d].rows);
	free_tables(sp->tb, sp->ntb);
	free(sp->res.v);
	free(sp->res.t);
	free(sp->s.items);
	free(sp->s.vals);
	free(sp->s.raw);
	free(sp->s.curr);
	free(sp->s.wall);
	free(sp);
}
