/* SPDX-License-Identifier: MIT */
/*
 * trace: Xen's scheduler timeline from its own trace buffers, read from
 * memory through the probe while the machine runs. Every ~150 ms: halt,
 * drain every CPU's buffer (cons advanced as xentrace does), resume.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/time.h"
#include "cli/cli.h"
#include "hv/xen/trace.h"
#include "view/event.h"
#include "view/export.h"
#include "view/profile.h"
#include "view/xentrace_file.h"

#define TRACE_PERIOD_MS 150
#define QEMU_VIRT_CNTFRQ UINT64_C(62500000)

struct recbuf {
	struct els_xentrace_rec *r;
	size_t n, cap;
};

static struct els_error *recbuf_add(struct recbuf *b,
				    const struct els_xentrace_rec *r)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4096;
		void *p = realloc(b->r, cap * sizeof(*b->r));
		if (!p)
			return &els_enomem;
		b->r = p;
		b->cap = cap;
	}
	b->r[b->n++] = *r;
	return NULL;
}

struct tracer {
	struct els_cli *cli;
	struct els_xentrace_mem *m;
	struct els_events ev;
	struct els_xensched s;
	bool started;          /* s initialised (t0 = the first record's tsc) */
	struct recbuf round;
	uint64_t records, bytes, truncated, rounds;
	uint64_t first_tsc, last_tsc;
	double halted_s;       /* wall time the target spent halted by us */
	bool cpu_seen[ELS_XENTRACE_MAX_CPUS];
	uint64_t lost_before;  /* records Xen lost before the trace began */
	FILE *raw;             /* --raw-out: the drained bytes as xentrace writes them */
	/* Samples (profile.c's sampler) between drains: tasks and a profile. */
	struct els_cli_sampler *sp;
	double rate;           /* samples per second, 0: none */
	/* Per drain: when it halted (wall) and the last record's counter. */
	double *dwall;
	uint64_t *dtsc;
	size_t nd, capd;
};

/* Drain every CPU (the target halted); keep: parse and feed, else discard. */
static struct els_error *drain_all(struct tracer *tr, bool keep)
{
	struct els_error *err;
	tr->round.n = 0;
	for (unsigned c = 0; c < tr->m->ncpus; c++) {
		const uint8_t *buf;
		size_t len;
		if (!keep) {
			if ((err = els_xentrace_mem_discard(tr->m, c)))
				return err;
			continue;
		}
		if ((err = els_xentrace_mem_drain(tr->m, c, &buf, &len)))
			return err;
		tr->bytes += len;
		if (tr->raw && len &&
		    (err = els_xentrace_write_window(tr->raw, c, buf, len)))
			return err;
		struct els_xentrace_parser p;
		struct els_xentrace_rec r;
		enum els_xentrace_status st;
		els_xentrace_parser_init(&p, buf, len, c);
		while ((st = els_xentrace_next(&p, &r)) == ELS_XENTRACE_REC) {
			/* Records before this CPU's first timestamp have none. */
			if (!p.have_tsc)
				continue;
			/*
			 * A CPU's first record after the start saying records
			 * were lost: lost before the trace (the buffer was
			 * full, nobody read it), not during it.
			 */
			if (!tr->cpu_seen[c] && r.event == ELS_TRC_LOST_RECORDS) {
				tr->lost_before += r.nextra ? r.extra[0] : 0;
				tr->cpu_seen[c] = true;
				continue;
			}
			tr->cpu_seen[c] = true;
			if ((err = recbuf_add(&tr->round, &r)))
				return err;
		}
		if (st == ELS_XENTRACE_TRUNCATED)
			tr->truncated++;
	}
	if (!keep || !tr->round.n)
		return NULL;
	els_xentrace_sort(tr->round.r, tr->round.n);
	if (!tr->started) {
		tr->first_tsc = tr->round.r[0].tsc;
		els_xensched_init(&tr->s, &tr->ev, tr->first_tsc);
		tr->started = true;
	}
	for (size_t i = 0; i < tr->round.n; i++) {
		if ((err = els_xensched_feed(&tr->s, &tr->round.r[i])))
			return err;
	}
	tr->records += tr->round.n;
	if (tr->round.r[tr->round.n - 1].tsc > tr->last_tsc)
		tr->last_tsc = tr->round.r[tr->round.n - 1].tsc;
	tr->rounds++;
	return NULL;
}

static struct els_error *halt_drain_resume(struct tracer *tr, bool keep,
					   bool resume)
{
	struct els_target *t = tr->cli->t;
	double h0 = els_now_s();
	struct els_error *err = els_target_halt(t, NULL);
	if (err)
		return els_error_wrap(err, "halting the target");
	err = drain_all(tr, keep);
	if (!err && keep && tr->started) {
		/* A point where wall time and the counter meet (for samples). */
		if (tr->nd == tr->capd) {
			size_t cap = tr->capd ? tr->capd * 2 : 64;
			double *w = realloc(tr->dwall, cap * sizeof(*w));
			if (w)
				tr->dwall = w;
			uint64_t *c = realloc(tr->dtsc, cap * sizeof(*c));
			if (c)
				tr->dtsc = c;
			if (w && c)
				tr->capd = cap;
		}
		if (tr->nd < tr->capd) {
			tr->dwall[tr->nd] = h0;
			tr->dtsc[tr->nd++] = tr->last_tsc;
		}
	}
	struct els_error *rerr = resume ? els_target_resume(t) : NULL;
	tr->halted_s += els_now_s() - h0;
	if (err) {
		els_error_destroy(rerr);
		return err;
	}
	if (rerr)
		return els_error_wrap(rerr, "resuming the target");
	return NULL;
}

/* Per VM: running and runnable-waiting ticks; per pCPU and VM: running. */
struct vm_sum {
	int32_t vm;
	uint64_t run, wait;
	uint64_t *pcpu_run; /* [npcpus] */
};

static struct vm_sum *sum_of(struct vm_sum **v, size_t *n, int32_t vm,
			     unsigned npcpus)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*v)[i].vm == vm)
			return &(*v)[i];
	}
	void *p = realloc(*v, (*n + 1) * sizeof(**v));
	if (!p)
		return NULL;
	*v = p;
	struct vm_sum *s = &(*v)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->pcpu_run = calloc(npcpus ? npcpus : 1, sizeof(uint64_t));
	if (!s->pcpu_run) {
		(*n)--;
		return NULL;
	}
	return s;
}

static int vm_cmp(const void *a, const void *b)
{
	const struct vm_sum *x = a, *y = b;
	/* Xen idle (ELS_EV_NONE) last. */
	int64_t kx = x->vm == ELS_EV_NONE ? INT64_MAX : x->vm;
	int64_t ky = y->vm == ELS_EV_NONE ? INT64_MAX : y->vm;
	return kx < ky ? -1 : kx > ky;
}

static const char *vm_label(int32_t vm, char *buf, size_t n)
{
	if (vm == ELS_EV_NONE)
		snprintf(buf, n, "xen idle");
	else if (vm == 0)
		snprintf(buf, n, "Domain-0");
	else
		snprintf(buf, n, "d%d", (int)vm);
	return buf;
}

static struct els_error *summary(struct tracer *tr, const char *out,
				 const char *freq_note, bool interrupted)
{
	struct els_cli *cli = tr->cli;
	const struct els_events *e = &tr->ev;
	unsigned np = e->npcpus ? e->npcpus : tr->m->ncpus;
	struct vm_sum *v = NULL;
	size_t nv = 0;
	struct els_error *err = NULL;
	uint64_t span = e->t1 > e->t0 ? e->t1 - e->t0 : 0;
	double secs = e->freq ? (double)span / (double)e->freq : 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		if (ev->kind != ELS_EV_RUN && ev->kind != ELS_EV_WAIT)
			continue;
		struct vm_sum *s = sum_of(&v, &nv, ev->vm, np);
		if (!s) {
			err = &els_enomem;
			goto out;
		}
		if (ev->kind == ELS_EV_RUN) {
			s->run += ev->dur;
			if (ev->pcpu < np)
				s->pcpu_run[ev->pcpu] += ev->dur;
		} else {
			s->wait += ev->dur;
		}
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), vm_cmp);

	char lab[32];
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		json_object_object_add(o, "freq", json_object_new_int64((int64_t)e->freq));
		json_object_object_add(o, "t0", json_object_new_int64((int64_t)e->t0));
		json_object_object_add(o, "t1", json_object_new_int64((int64_t)e->t1));
		json_object_object_add(o, "freq_source", json_object_new_string(freq_note));
		json_object_object_add(o, "t0", json_object_new_int64((int64_t)e->t0));
		json_object_object_add(o, "t1", json_object_new_int64((int64_t)e->t1));
		json_object_object_add(o, "records", json_object_new_int64((int64_t)tr->records));
		json_object_object_add(o, "sched_records", json_object_new_int64((int64_t)tr->s.sched_records));
		json_object_object_add(o, "lost", json_object_new_int64((int64_t)tr->s.lost));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)tr->bytes));
		json_object_object_add(o, "events", json_object_new_int64((int64_t)e->n));
		json_object_object_add(o, "halted_s", json_object_new_double(tr->halted_s));
		json_object_object_add(o, "interrupted", json_object_new_boolean(interrupted));
		if (out)
			json_object_object_add(o, "out", json_object_new_string(out));
		struct json_object *pc = json_object_new_array();
		for (unsigned c = 0; c < np; c++) {
			struct json_object *po = json_object_new_object();
			json_object_object_add(po, "pcpu", json_object_new_int((int)c));
			struct json_object *sh = json_object_new_array();
			for (size_t i = 0; i < nv; i++) {
				if (!v[i].pcpu_run[c])
					continue;
				struct json_object *so = json_object_new_object();
				json_object_object_add(so, "vm", v[i].vm == ELS_EV_NONE ? NULL : json_object_new_int(v[i].vm));
				json_object_object_add(so, "name", json_object_new_string(vm_label(v[i].vm, lab, sizeof(lab))));
				json_object_object_add(so, "running_ns", json_object_new_int64((int64_t)((double)v[i].pcpu_run[c] * 1e9 / (double)e->freq)));
				json_object_object_add(so, "share", json_object_new_double(span ? (double)v[i].pcpu_run[c] / (double)span : 0));
				json_object_array_add(sh, so);
			}
			json_object_object_add(po, "shares", sh);
			json_object_array_add(pc, po);
		}
		json_object_object_add(o, "pcpus", pc);
		struct json_object *va = json_object_new_array();
		for (size_t i = 0; i < nv; i++) {
			struct json_object *so = json_object_new_object();
			json_object_object_add(so, "vm", v[i].vm == ELS_EV_NONE ? NULL : json_object_new_int(v[i].vm));
			json_object_object_add(so, "name", json_object_new_string(vm_label(v[i].vm, lab, sizeof(lab))));
			json_object_object_add(so, "running_ns", json_object_new_int64((int64_t)((double)v[i].run * 1e9 / (double)e->freq)));
			json_object_object_add(so, "waiting_ns", json_object_new_int64((int64_t)((double)v[i].wait * 1e9 / (double)e->freq)));
			json_object_object_add(so, "pcpu_share", json_object_new_double(span ? (double)v[i].run / (double)span : 0));
			json_object_array_add(va, so);
		}
		json_object_object_add(o, "vms", va);
		els_cli_print_json(o);
		goto out;
	}
	printf("trace: %.3f s of the target's time (counter at %" PRIu64
	       " Hz, %s), %" PRIu64 " records (%" PRIu64
	       " scheduler), %" PRIu64 " lost, %zu events%s%s\n",
	       secs, e->freq, freq_note, tr->records, tr->s.sched_records,
	       tr->s.lost, e->n, out ? " -> " : "", out ? out : "");
	for (unsigned c = 0; c < np; c++) {
		printf("pCPU %u:", c);
		for (size_t i = 0; i < nv; i++) {
			if (!v[i].pcpu_run[c])
				continue;
			printf("  %s %.1f%%", vm_label(v[i].vm, lab, sizeof(lab)),
			       span ? 100.0 * (double)v[i].pcpu_run[c] / (double)span : 0);
		}
		printf("\n");
	}
	printf("%-10s %12s %12s %10s\n", "VM", "running s", "waiting s",
	       "pCPUs");
	for (size_t i = 0; i < nv; i++) {
		printf("%-10s %12.3f %12.3f %10.2f\n",
		       vm_label(v[i].vm, lab, sizeof(lab)),
		       (double)v[i].run / (double)e->freq,
		       (double)v[i].wait / (double)e->freq,
		       span ? (double)v[i].run / (double)span : 0);
	}
out:
	for (size_t i = 0; i < nv; i++)
		free(v[i].pcpu_run);
	free(v);
	return err;
}

/*
 * The samples on the trace's clock: a sample taken at wall time w lies
 * between two drains, whose wall times and last counter values bound it;
 * outside them the counter runs at freq.
 */
static uint64_t sample_tsc(const struct tracer *tr, double w)
{
	size_t n = tr->nd;
	if (!n)
		return tr->first_tsc;
	size_t k = 0;
	while (k + 1 < n && tr->dwall[k + 1] <= w)
		k++;
	double slope = (double)tr->ev.freq;
	if (k + 1 < n && tr->dwall[k + 1] > tr->dwall[k] &&
	    tr->dtsc[k + 1] > tr->dtsc[k])
		slope = (double)(tr->dtsc[k + 1] - tr->dtsc[k]) /
			(tr->dwall[k + 1] - tr->dwall[k]);
	double v = (double)tr->dtsc[k] + (w - tr->dwall[k]) * slope;
	if (v < (double)tr->first_tsc)
		v = (double)tr->first_tsc;
	if (v > (double)tr->last_tsc)
		v = (double)tr->last_tsc;
	return (uint64_t)v;
}

static struct els_error *add_samples(struct tracer *tr, double wall,
				     const struct els_profile_summary **prof)
{
	const double *walls;
	size_t n = els_cli_sampler_rounds(tr->sp, &walls);
	if (!n)
		return NULL;
	uint64_t *ts = calloc(n, sizeof(*ts));
	if (!ts)
		return &els_enomem;
	for (size_t i = 0; i < n; i++)
		ts[i] = sample_tsc(tr, walls[i]);
	struct els_error *err = els_cli_sampler_finish(tr->sp, ts, &tr->ev,
						       wall, tr->halted_s, prof);
	free(ts);
	if (err)
		return err;
	els_events_sort(&tr->ev);
	if (!tr->cli->json)
		printf("samples: %zu rounds of every CPU (%.0f a second): the task lanes and the profile of the report\n",
		       n, wall > 0 ? (double)n / wall : 0);
	return NULL;
}

struct els_error *els_cmd_trace(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "trace [--seconds S] [--sched] [--rate HZ] [--out FILE] [--raw-out FILE.xentrace]";
	double seconds = 5, rate = 200;
	const char *out = NULL, *raw_out = NULL;
	bool sched_only = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			const char *s = argv[++i];
			if (!els_parse_double(s, &seconds) || seconds <= 0 ||
			    seconds > 86400)
				return els_error_create(ELS_ERR_USAGE,
							"--seconds: '%s' is not a number of seconds",
							s);
		} else if (!strcmp(argv[i], "--rate") && i + 1 < argc) {
			const char *s = argv[++i];
			if (!els_parse_double(s, &rate) || rate < 0 ||
			    rate > 100000)
				return els_error_create(ELS_ERR_USAGE,
							"--rate: '%s' is not a number of samples a second (0: none)",
							s);
		} else if (!strcmp(argv[i], "--raw-out") && i + 1 < argc) {
			raw_out = argv[++i];
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--sched")) {
			sched_only = true;
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown option %s (usage: %s)",
						argv[i], usage);
		}
	}
	struct els_target *t = cli->t;
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"trace needs a live target (a %s target does not run)",
					t->ops->kind);
	bool was_running = t->running;
	bool user_halted = !t->running && !t->halted_by_us;
	struct els_error *err = els_target_ensure_halted(t);
	if (err)
		return err;
	struct els_hv *hv;
	if ((err = els_cli_hv(cli, &hv)))
		return err;

	struct tracer tr;
	memset(&tr, 0, sizeof(tr));
	tr.cli = cli;
	els_events_init(&tr.ev);
	if (raw_out && !(tr.raw = fopen(raw_out, "wb"))) {
		err = els_error_errno(errno, "--raw-out %s", raw_out);
		goto done;
	}
	if ((err = els_xentrace_mem_open(hv, cli->xen, (unsigned)t->cpus.len,
					 &tr.m)))
		goto done;

	/* The counter's frequency. */
	const char *freq_note = "CNTFRQ_EL0";
	uint64_t freq = 0;
	struct els_error *ferr =
		els_target_read_reg_u64(t, 0, "CNTFRQ_EL0", &freq);
	if (ferr || !freq) {
		els_error_destroy(ferr);
		freq = QEMU_VIRT_CNTFRQ;
		freq_note = "62.5 MHz assumed (QEMU virt; the stub shows no CNTFRQ_EL0)";
	}
	tr.ev.freq = freq;
	snprintf(tr.ev.clock_note, sizeof(tr.ev.clock_note),
		 "Xen trace records: the generic timer counter (CNTPCT) at %" PRIu64 " Hz",
		 freq);

	uint32_t old_mask = tr.m->event_mask;
	bool mask_set = false;
	if (!tr.m->init_done) {
		if ((err = els_xentrace_mem_enable(tr.m)))
			goto done;
		fprintf(stderr, "trace: Xen's tracing was off (tb_init_done 0): "
				"turned it on\n");
	}
	if (sched_only && old_mask != ELS_TRC_SCHED) {
		if ((err = els_xentrace_mem_set_mask(tr.m, ELS_TRC_SCHED)))
			goto done;
		mask_set = true;
		fprintf(stderr, "trace: tb_event_mask 0x%08" PRIx32
				" -> 0x%08" PRIx32 " (scheduler only) for the trace\n",
			old_mask, ELS_TRC_SCHED);
	} else {
		fprintf(stderr, "trace: tb_event_mask 0x%08" PRIx32 "%s\n",
			old_mask, old_mask == ELS_TRC_ALL ? " (every class)" : "");
		if (!(old_mask & 0x00020000u) || !(old_mask & 0x1000u))
			fprintf(stderr, "trace: warning: that mask leaves out "
					"runstate changes (TRC_SCHED_MIN): "
					"try --sched\n");
	}
	if (tr.m->cpu_mask != ~UINT64_C(0)) {
		for (unsigned c = 0; c < tr.m->ncpus && c < 64; c++) {
			if (!(tr.m->cpu_mask >> c & 1))
				fprintf(stderr, "trace: warning: Xen traces "
						"nothing on CPU %u (tb_cpu_mask)\n",
					c);
		}
	}
	/* Samples between drains: which task runs, and a profile. */
	tr.rate = rate;
	if (rate > 0) {
		struct els_error *serr = els_cli_sampler_open(cli, &tr.sp);
		if (serr) {
			fprintf(stderr, "trace: no samples (tasks, profile): %s\n",
				serr->message);
			els_error_destroy(serr);
			tr.sp = NULL;
		}
	}
	/* Whatever was there before: not ours. */
	if ((err = drain_all(&tr, false)))
		goto done;
	if ((err = els_target_resume(t)))
		goto done;

	uint64_t rt0 = t->stats.round_trips;
	double w0 = els_now_s(), last_progress = w0;
	bool interrupted = false;
	for (;;) {
		double left = seconds - (els_now_s() - w0);
		if (left <= 0)
			break;
		int ms = left * 1000 < TRACE_PERIOD_MS ? (int)(left * 1000) + 1
						       : TRACE_PERIOD_MS;
		if (tr.sp) {
			/* Until the next drain: a sample every 1/rate s. */
			double until = els_now_s() + ms / 1000.0, next = els_now_s();
			while (els_now_s() < until && !els_cli_interrupted && !err) {
				els_pace(&next, 1.0 / tr.rate);
				if (els_now_s() >= until)
					break;
				err = els_cli_sampler_take(tr.sp, &tr.halted_s);
			}
			if (err)
				break;
		} else {
			for (int slept = 0; slept < ms && !els_cli_interrupted;
			     slept += 10)
				els_sleep_s((ms - slept < 10 ? ms - slept : 10) / 1000.0);
		}
		if (els_cli_interrupted) {
			interrupted = true;
			break;
		}
		if ((err = halt_drain_resume(&tr, true, true))) {
			if (err->code == ELS_ERR_INTERRUPTED) {
				els_error_destroy(err);
				err = NULL;
				interrupted = true;
			}
			break;
		}
		double now = els_now_s();
		if (now - last_progress >= 1.0) {
			fprintf(stderr, "trace: %.1f s, %" PRIu64
					" records, %" PRIu64 " lost\n",
				now - w0, tr.records, tr.s.lost);
			last_progress = now;
		}
	}
	/* The last drain: also after Ctrl-C (reads are refused while the
	 * flag is set: it is put back afterwards). */
	int sig = els_cli_interrupted;
	els_cli_interrupted = 0;
	if (!err)
		err = halt_drain_resume(&tr, true, false);
	double wall = els_now_s() - w0;
	if (mask_set) {
		struct els_error *merr = els_xentrace_mem_set_mask(tr.m, old_mask);
		if (merr && !err)
			err = merr;
		else
			els_error_destroy(merr);
	}
	uint64_t rts = t->stats.round_trips - rt0;
	if (!err && !tr.started)
		err = els_error_create(ELS_ERR_NOT_FOUND,
				       "no trace records in %.1f s: is Xen "
				       "tracing (tb_event_mask, tb_cpu_mask)?",
				       wall);
	if (!err)
		err = els_xensched_finish(&tr.s, tr.last_tsc);
	if (!err) {
		tr.ev.npcpus = tr.m->ncpus;
		fprintf(stderr, "trace: %.1f s, %" PRIu64 " records, %" PRIu64
				" lost; %" PRIu64 " drains, %" PRIu64
				" KiB read, %" PRIu64 " round trips, halted %.2f s (%.1f%%)%s\n",
			wall, tr.records, tr.s.lost, tr.rounds, tr.bytes / 1024,
			rts, tr.halted_s,
			wall > 0 ? 100.0 * tr.halted_s / wall : 0,
			interrupted ? "; interrupted" : "");
		if (tr.lost_before)
			fprintf(stderr, "trace: Xen had lost %" PRIu64
					" records before the trace began (its "
					"buffers were full: nobody read them)\n",
				tr.lost_before);
		if (tr.truncated)
			fprintf(stderr, "trace: warning: %" PRIu64
					" buffers ended in a partial record\n",
				tr.truncated);
		/* Xen's view first: the summary counts Xen's spans only. */
		err = summary(&tr, out, freq_note, interrupted);
		const struct els_profile_summary *prof = NULL;
		if (!err && tr.sp)
			err = add_samples(&tr, wall, &prof);
		if (!err && out)
			err = els_export_file(&tr.ev, prof, out);
	}
	if (sig)
		els_cli_interrupted = sig;
	/* Ctrl-C: what was collected is written; the command still says it
	 * was cut short (exit status 130). */
	if (!err && interrupted)
		err = els_error_create(ELS_ERR_INTERRUPTED,
				       "interrupted after %.1f s%s%s", wall,
				       out ? "; the trace so far is in " : "",
				       out ? out : "");
done:
	/*
	 * Never left halted: running again if it ran before; halted by us (so
	 * resumed on exit) if an earlier command had halted it; halted if the
	 * user halted it with `halt`.
	 */
	{
		int s2 = els_cli_interrupted;
		els_cli_interrupted = 0;
		struct els_error *rerr = NULL;
		if (was_running && !t->running)
			rerr = els_target_resume(t);
		else if (!was_running && t->running)
			rerr = els_target_halt(t, NULL);
		if (!was_running && !t->running && !user_halted)
			t->halted_by_us = true;
		els_cli_interrupted = s2;
		if (rerr && !err)
			err = els_error_wrap(rerr, "putting the target back as it was");
		else
			els_error_destroy(rerr);
	}
	if (tr.raw && fclose(tr.raw) && !err)
		err = els_error_errno(errno, "%s", raw_out);
	if (tr.started)
		els_xensched_deinit(&tr.s);
	free(tr.round.r);
	free(tr.dwall);
	free(tr.dtsc);
	els_cli_sampler_destroy(tr.sp);
	els_events_deinit(&tr.ev);
	els_xentrace_mem_close(tr.m);
	return err;
}
