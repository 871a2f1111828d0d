/* SPDX-License-Identifier: MIT */
/*
 * The self-contained HTML report: one file, no network. The C side writes
 * a description of the trace (owners, rows, per-VM totals, the profile) as
 * JSON and each row's spans as one base64 block of LEB128 varints; the
 * script (report.js, embedded at build time) decodes them, builds a pyramid
 * of levels of detail per row and draws on a canvas only what covers a
 * pixel at the current zoom.
 *
 * Rows: per physical CPU a "run" row (the hypervisor's view: a VM's vCPU,
 * Xen idle) and, when there are tasks, a "task" row (spans with a pid);
 * per VM a "wait" row (vCPUs or tasks runnable, not running).
 *
 * A span is written as three varints: the gap from the end of the row's
 * previous span (zigzag: overlaps are negative), its duration and its
 * owner (an index into "owners"). Times are counter ticks since the
 * report's start, shifted right by "shift" so that they fit 32 bits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "view/export.h"
#include "view/export_priv.h"
#include "report_assets.h"

enum row_kind { ROW_RUN, ROW_TASK, ROW_WAIT };

struct row {
	enum row_kind kind;
	int32_t key;      /* pcpu for RUN/TASK, vm for WAIT */
	size_t n;
	size_t *idx;      /* event indices, by start */
};

struct owner_key {
	int32_t vm, vcpu, pid;
	uint32_t name;
	uint8_t level;
};

struct owners {
	struct owner_key *keys;
	size_t n, cap;
	uint32_t *slot;   /* hash: owner id + 1, 0 empty */
	size_t nslots;
};

static uint64_t owner_hash(const struct owner_key *k)
{
	uint64_t h = (uint32_t)k->vm;
	h = h * 0x100000001b3u ^ (uint32_t)k->vcpu;
	h = h * 0x100000001b3u ^ (uint32_t)k->pid;
	h = h * 0x100000001b3u ^ k->name;
	h = h * 0x100000001b3u ^ k->level;
	return h * 0x9e3779b97f4a7c15u;
}

static bool owner_eq(const struct owner_key *a, const struct owner_key *b)
{
	return a->vm == b->vm && a->vcpu == b->vcpu && a->pid == b->pid &&
	       a->name == b->name && a->level == b->level;
}

/* The owner id of what ran (or waited), added when new; -1: no memory. */
static long owner_id(struct owners *o, const struct els_event *ev)
{
	struct owner_key k = { ev->vm, ev->vcpu, ev->pid, ev->name,
			       ev->level };

	/* A task is itself on any vCPU; a vCPU has no name of its own. */
	if (k.pid != ELS_EV_NONE)
		k.vcpu = ELS_EV_NONE;
	else if (k.vm != ELS_EV_NONE)
		k.name = 0;
	if ((o->n + 1) * 2 > o->nslots) {
		size_t ns = o->nslots ? o->nslots * 2 : 256;
		uint32_t *s = calloc(ns, sizeof(*s));
		if (!s)
			return -1;
		for (size_t i = 0; i < o->n; i++) {
			size_t h = owner_hash(&o->keys[i]) >> 32;
			while (s[h & (ns - 1)])
				h++;
			s[h & (ns - 1)] = (uint32_t)i + 1;
		}
		free(o->slot);
		o->slot = s;
		o->nslots = ns;
	}
	size_t h = owner_hash(&k) >> 32;
	for (;; h++) {
		uint32_t *p = &o->slot[h & (o->nslots - 1)];
		if (!*p)
			break;
		if (owner_eq(&o->keys[*p - 1], &k))
			return (long)*p - 1;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct owner_key *n = realloc(o->keys, cap * sizeof(*n));
		if (!n)
			return -1;
		o->keys = n;
		o->cap = cap;
	}
	o->keys[o->n] = k;
	o->slot[h & (o->nslots - 1)] = (uint32_t)o->n + 1;
	return (long)o->n++;
}

/* Growing byte buffer for a row's varints. */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static bool put_varint(struct bytes *b, uint64_t v)
{
	if (b->cap - b->n < 10) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		unsigned char *p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	while (v >= 0x80) {
		b->p[b->n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b->p[b->n++] = (unsigned char)v;
	return true;
}

static void put_base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[4096 + 4];
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		line[k++] = tab[v >> 18 & 63];
		line[k++] = tab[v >> 12 & 63];
		line[k++] = left > 1 ? tab[v >> 6 & 63] : '=';
		line[k++] = left > 2 ? tab[v & 63] : '=';
		if (k >= 4096) {
			fwrite(line, 1, k, f);
			k = 0;
		}
	}
	fwrite(line, 1, k, f);
}

static const struct els_events *sort_events; /* qsort has no context */

static int by_start(const void *a, const void *b)
{
	const struct els_event *x = &sort_events->ev[*(const size_t *)a];
	const struct els_event *y = &sort_events->ev[*(const size_t *)b];

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* The row an event goes to, or -1 (instants). */
static long row_of(const struct els_event *ev, unsigned npcpus,
		   const long *vmrow)
{
	if (ev->kind == ELS_EV_RUN)
		return ev->pid != ELS_EV_NONE ? (long)npcpus + ev->pcpu
					      : (long)ev->pcpu;
	if (ev->kind == ELS_EV_WAIT)
		return vmrow[ev->vm == ELS_EV_NONE ? 0 : ev->vm + 1];
	return -1;
}

struct vm_total {
	double run_s, wait_s, task_wait_s;
	unsigned nvcpus;
	bool seen;
};

#define MAX_VMS 0x8001 /* Xen domain ids are 15 bits; +1 for "no VM" */

struct report {
	const struct els_events *e;
	uint64_t base, end;
	unsigned shift, npcpus;
	struct row *rows;
	size_t nrows;
	long *vmrow;               /* vm + 1 -> row, -1 none */
	struct vm_total *vms;      /* vm + 1 */
	struct owners owners;
	size_t nlost, nwake, nsample;
};

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].idx);
	free(r->rows);
	free(r->vmrow);
	free(r->vms);
	free(r->owners.keys);
	free(r->owners.slot);
}

static struct els_error *report_build(struct report *r)
{
	const struct els_events *e = r->e;
	bool have_span = false;

	r->npcpus = e->npcpus;
	r->base = UINT64_MAX;
	r->end = 0;
	if (e->t1 > e->t0) {
		r->base = e->t0;
		r->end = e->t1;
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		uint64_t end = ev->ts + ev->dur;

		if (end < ev->ts)
			end = UINT64_MAX;
		if (ev->ts < r->base)
			r->base = ev->ts;
		if (end > r->end)
			r->end = end;
		if (ev->pcpu + 1u > r->npcpus)
			r->npcpus = ev->pcpu + 1u;
		have_span = true;
	}
	if (!have_span && r->base == UINT64_MAX)
		r->base = r->end = 0;
	while (r->shift < 63 && ((r->end - r->base) >> r->shift) > 0xffffffffu)
		r->shift++;

	r->vmrow = malloc(MAX_VMS * sizeof(*r->vmrow));
	r->vms = calloc(MAX_VMS, sizeof(*r->vms));
	if (!r->vmrow || !r->vms)
		return &els_enomem;
	for (size_t i = 0; i < MAX_VMS; i++)
		r->vmrow[i] = -1;
	/* Which VMs have waits: rows in order of VM id, "no VM" first. */
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		int32_t vm = ev->vm;

		if (vm < ELS_EV_NONE || vm >= MAX_VMS - 1)
			return els_error_create(ELS_ERR_INVALID,
				"event %zu: VM id %d is not a Xen domain id",
				i, (int)vm);
		struct vm_total *t = &r->vms[vm + 1];
		double s = (double)ev->dur / (double)e->freq;

		if (ev->kind == ELS_EV_WAIT) {
			r->vmrow[vm + 1] = 0;
			if (ev->pid == ELS_EV_NONE)
				t->wait_s += s;
			else
				t->task_wait_s += s;
		}
		if (ev->kind == ELS_EV_RUN && ev->pid == ELS_EV_NONE)
			t->run_s += s;
		if (vm != ELS_EV_NONE && ev->vcpu != ELS_EV_NONE &&
		    ev->pid == ELS_EV_NONE && ev->kind != ELS_EV_SAMPLE &&
		    (unsigned)ev->vcpu + 1 > t->nvcpus &&
		    ev->vcpu < 0x10000)
			t->nvcpus = (unsigned)ev->vcpu + 1;
		if (ev->kind == ELS_EV_RUN || ev->kind == ELS_EV_WAIT)
			t->seen = true;
		r->nlost += ev->kind == ELS_EV_LOST;
		r->nwake += ev->kind == ELS_EV_WAKE;
		r->nsample += ev->kind == ELS_EV_SAMPLE;
	}
	r->nrows = 2 * (size_t)r->npcpus;
	for (size_t v = 0; v < MAX_VMS; v++)
		if (r->vmrow[v] == 0)
			r->vmrow[v] = (long)r->nrows++;
	r->rows = calloc(r->nrows ? r->nrows : 1, sizeof(*r->rows));
	if (!r->rows)
		return &els_enomem;
	for (size_t i = 0; i < r->npcpus; i++) {
		r->rows[i] = (struct row){ ROW_RUN, (int32_t)i, 0, NULL };
		r->rows[r->npcpus + i] =
			(struct row){ ROW_TASK, (int32_t)i, 0, NULL };
	}
	for (size_t v = 0; v < MAX_VMS; v++)
		if (r->vmrow[v] >= 0)
			r->rows[r->vmrow[v]] = (struct row){
				ROW_WAIT, (int32_t)v - 1, 0, NULL };
	for (size_t i = 0; i < e->n; i++) {
		long ri = row_of(&e->ev[i], r->npcpus, r->vmrow);
		if (ri >= 0)
			r->rows[ri].n++;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		if (r->rows[i].n &&
		    !(r->rows[i].idx = malloc(r->rows[i].n * sizeof(size_t))))
			return &els_enomem;
		r->rows[i].n = 0;
	}
	for (size_t i = 0; i < e->n; i++) {
		long ri = row_of(&e->ev[i], r->npcpus, r->vmrow);
		if (ri >= 0)
			r->rows[ri].idx[r->rows[ri].n++] = i;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		struct row *row = &r->rows[i];
		bool sorted = true;

		for (size_t j = 1; sorted && j < row->n; j++)
			sorted = e->ev[row->idx[j - 1]].ts <=
				 e->ev[row->idx[j]].ts;
		if (!sorted) {
			sort_events = e;
			qsort(row->idx, row->n, sizeof(size_t), by_start);
		}
	}
	return NULL;
}

static struct els_error *write_row(FILE *f, struct report *r,
				   const struct row *row, size_t i)
{
	const struct els_events *e = r->e;
	struct bytes b = { 0 };
	uint64_t prev_end = 0;

	for (size_t j = 0; j < row->n; j++) {
		const struct els_event *ev = &e->ev[row->idx[j]];
		uint64_t s = (ev->ts - r->base) >> r->shift;
		uint64_t d = ev->dur >> r->shift;
		int64_t gap = (int64_t)(s - prev_end);
		long o = owner_id(&r->owners, ev);

		if (s + d > (r->end - r->base) >> r->shift)
			d = ((r->end - r->base) >> r->shift) - s;
		if (o < 0 ||
		    !put_varint(&b, ((uint64_t)gap << 1) ^ (uint64_t)(gap >> 63)) ||
		    !put_varint(&b, d) || !put_varint(&b, (uint64_t)o)) {
			free(b.p);
			return &els_enomem;
		}
		prev_end = s + d;
	}
	fprintf(f, "<script type=\"application/octet-stream\" id=\"row%zu\">",
		i);
	put_base64(f, b.p, b.n);
	fputs("</script>\n", f);
	free(b.p);
	return NULL;
}

static void put_profile(FILE *f, const struct els_profile_summary *p)
{
	if (!p) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"samples\":%" PRIu64 ",\"cpus\":%u,\"seconds\":%.6f,"
		   "\"halted_seconds\":%.6f,\"rate\":%.3f,\"tables\":[",
		p->samples, p->cpus, p->seconds, p->halted_seconds, p->rate);
	for (size_t t = 0; t < p->ntables; t++) {
		const struct els_profile_table *tab = &p->tables[t];

		fprintf(f, "%s{\"by\":", t ? "," : "");
		els_export_json_string(f, tab->by ? tab->by : "", true);
		fputs(",\"rows\":[", f);
		for (size_t i = 0; i < tab->n; i++) {
			fputs(i ? ",[" : "[", f);
			els_export_json_string(f, tab->rows[i].key ?
						       tab->rows[i].key : "",
					       true);
			fprintf(f, ",%" PRIu64 "]", tab->rows[i].samples);
		}
		fputs("]}", f);
	}
	fputs("]}", f);
}

static void put_meta(FILE *f, struct report *r,
		     const struct els_profile_summary *p)
{
	const struct els_events *e = r->e;
	char buf[160];

	fprintf(f, "<script type=\"application/json\" id=\"meta\">"
		   "{\"freq\":%" PRIu64 ",\"shift\":%u,\"span\":%" PRIu64
		   ",\"npcpus\":%u,\"nevents\":%zu,\"nlost\":%zu,"
		   "\"nwake\":%zu,\"nsample\":%zu,\"clock\":",
		e->freq, r->shift, (r->end - r->base) >> r->shift, r->npcpus,
		e->n, r->nlost, r->nwake, r->nsample);
	els_export_json_string(f, e->clock_note, true);
	fputs(",\"rows\":[", f);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct row *row = &r->rows[i];
		static const char *const kinds[] = { "run", "task", "wait" };

		if (row->kind == ROW_WAIT) {
			if (row->key == ELS_EV_NONE)
				snprintf(buf, sizeof(buf), "host");
			else
				els_export_vm_name(row->key, buf, sizeof(buf));
		} else {
			snprintf(buf, sizeof(buf), "pCPU %d", (int)row->key);
		}
		fprintf(f, "%s{\"kind\":\"%s\",\"key\":%d,\"n\":%zu,"
			   "\"label\":", i ? "," : "", kinds[row->kind],
			(int)row->key, row->n);
		els_export_json_string(f, buf, true);
		fputs("}", f);
	}
	fputs("],\"owners\":[", f);
	for (size_t i = 0; i < r->owners.n; i++) {
		const struct owner_key *k = &r->owners.keys[i];
		struct els_event ev = { .vm = k->vm, .vcpu = k->vcpu,
					.pid = k->pid, .name = k->name,
					.level = k->level };

		els_export_run_label(e, &ev, buf, sizeof(buf));
		fprintf(f, "%s[", i ? "," : "");
		els_export_json_string(f, buf, true);
		fprintf(f, ",%d,%d,%d,\"%s\"]", (int)k->vm, (int)k->vcpu,
			(int)k->pid,
			els_ev_level_name((enum els_ev_level)k->level));
	}
	fputs("],\"vms\":[", f);
	bool first = true;
	for (size_t v = 0; v < MAX_VMS; v++) {
		const struct vm_total *t = &r->vms[v];

		if (!t->seen || (int)v - 1 == ELS_XEN_DOMID_IDLE)
			continue;
		if (v == 0)
			snprintf(buf, sizeof(buf), "xen / host");
		else
			els_export_vm_name((int32_t)v - 1, buf, sizeof(buf));
		fprintf(f, "%s{\"vm\":%d,\"name\":", first ? "" : ",",
			(int)v - 1);
		els_export_json_string(f, buf, true);
		fprintf(f, ",\"run_s\":%.9f,\"wait_s\":%.9f,"
			   "\"task_wait_s\":%.9f,\"nvcpus\":%u}",
			t->run_s, t->wait_s, t->task_wait_s, t->nvcpus);
		first = false;
	}
	fputs("],\"profile\":", f);
	put_profile(f, p);
	fputs("}</script>\n", f);
}

struct els_error *els_export_html(const struct els_events *e,
				  const struct els_profile_summary *p,
				  FILE *f)
{
	struct report r = { .e = e };
	struct els_error *err;

	if (!e->freq)
		return els_error_create(ELS_ERR_INVALID,
					"writing the HTML report: the events have no clock frequency");
	err = report_build(&r);
	if (err)
		goto out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width\">"
	      "<title>elscope: where time goes</title>\n<style>", f);
	fwrite(els_report_css, 1, sizeof(els_report_css) - 1, f);
	fputs("</style></head>\n<body>\n", f);
	fwrite(els_report_body, 1, sizeof(els_report_body) - 1, f);
	/* Owners are numbered as the rows are written: rows first. */
	for (size_t i = 0; i < r.nrows && !err; i++)
		err = write_row(f, &r, &r.rows[i], i);
	if (err)
		goto out;
	put_meta(f, &r, p);
	fputs("<script>", f);
	fwrite(els_report_js, 1, sizeof(els_report_js) - 1, f);
	fputs("</script>\n</body></html>\n", f);
	if (fflush(f) != 0 || ferror(f))
		err = els_error_errno(errno ? errno : EIO,
				      "writing the HTML report");
out:
	report_free(&r);
	return err;
}
