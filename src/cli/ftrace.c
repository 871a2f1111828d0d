/* SPDX-License-Identifier: MIT */
/*
 * ftrace: what a Linux kernel's ftrace ring buffer holds now (sched_switch,
 * sched_wakeup), read from memory with the machine halted, not consumed:
 * the machine's kernel, or with --vm N a guest's. A summary per CPU
 * (busiest tasks by running time, wakeups), the records (--records), and
 * the timeline as a file (--out .html/.json/.csv).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/vec.h"
#include "os/linux/clock.h"
#include "os/linux/ftrace.h"
#include "view/export.h"
#include "view/keymap.h"

ELS_VEC(frec_vec, struct els_ftrace_record);

struct collect {
	struct frec_vec v;
	bool nomem;
};

static int collect(const struct els_ftrace_record *r, void *arg)
{
	struct collect *c = arg;
	struct els_ftrace_record *slot = frec_vec_append(&c->v);
	if (!slot) {
		c->nomem = true;
		return 1;
	}
	*slot = *r;
	return 0;
}

static const char *kind_name(enum els_ftrace_kind k)
{
	switch (k) {
	case ELS_FTRACE_SWITCH:
		return "sched_switch";
	case ELS_FTRACE_WAKEUP:
		return "sched_wakeup";
	case ELS_FTRACE_WAKEUP_NEW:
		return "sched_wakeup_new";
	default:
		return "other";
	}
}

/* Running time per (CPU, task) from the RUN spans. */
struct busy {
	uint64_t run;
	unsigned cpu;
	int32_t pid;
	uint32_t name;
	uint64_t wakes; /* wakeups of the task (any CPU) */
};

static int by_run(const void *a, const void *b)
{
	const struct busy *x = a, *y = b;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->run != y->run)
		return x->run > y->run ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static struct els_error *busiest(const struct els_events *e, struct busy **ret,
				 size_t *n)
{
	struct els_keymap m;
	els_keymap_init(&m, sizeof(size_t));
	struct busy *b = NULL;
	size_t nb = 0, cap = 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];
		if (ev->kind != ELS_EV_RUN)
			continue;
		uint64_t key = (uint64_t)ev->pcpu << 32 | (uint32_t)ev->pid;
		size_t *slot = els_keymap_get(&m, key);
		if (!slot)
			goto nomem;
		if (!*slot) {
			if (nb == cap) {
				cap = cap ? cap * 2 : 64;
				struct busy *nbp = realloc(b, cap * sizeof(*b));
				if (!nbp)
					goto nomem;
				b = nbp;
			}
			b[nb] = (struct busy){ .cpu = ev->pcpu, .pid = ev->pid,
					       .name = ev->name };
			*slot = ++nb;
		}
		b[*slot - 1].run += ev->dur;
	}
	els_keymap_deinit(&m);
	if (nb)
		qsort(b, nb, sizeof(*b), by_run);
	*ret = b;
	*n = nb;
	return NULL;
nomem:
	els_keymap_deinit(&m);
	free(b);
	return &els_enomem;
}

static void print_record(const struct els_ftrace_record *r)
{
	printf("%6" PRId32 " [%03u] %5" PRIu64 ".%06" PRIu64 ": %s: ", r->pid,
	       r->cpu, r->ts / 1000000000u, r->ts % 1000000000u / 1000,
	       kind_name(r->kind));
	if (r->kind == ELS_FTRACE_SWITCH)
		printf("prev_comm=%s prev_pid=%" PRId32 " prev_state=0x%" PRIx64
		       " ==> next_comm=%s next_pid=%" PRId32 "\n",
		       r->prev_comm, r->prev_pid, (uint64_t)r->prev_state,
		       r->next_comm, r->next_pid);
	else if (r->kind == ELS_FTRACE_OTHER)
		printf("type=%u\n", r->type);
	else
		printf("comm=%s pid=%" PRId32 " target_cpu=%03" PRId32 "\n",
		       r->comm, r->wpid, r->target_cpu);
}

static struct json_object *record_json(const struct els_ftrace_record *r)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "ts_ns", json_object_new_int64((int64_t)r->ts));
	json_object_object_add(o, "cpu", json_object_new_int((int)r->cpu));
	json_object_object_add(o, "event", json_object_new_string(kind_name(r->kind)));
	json_object_object_add(o, "type", json_object_new_int(r->type));
	json_object_object_add(o, "pid", json_object_new_int(r->pid));
	if (r->kind == ELS_FTRACE_SWITCH) {
		json_object_object_add(o, "prev_comm", json_object_new_string(r->prev_comm));
		json_object_object_add(o, "prev_pid", json_object_new_int(r->prev_pid));
		json_object_object_add(o, "prev_state", json_object_new_int64(r->prev_state));
		json_object_object_add(o, "next_comm", json_object_new_string(r->next_comm));
		json_object_object_add(o, "next_pid", json_object_new_int(r->next_pid));
	} else if (r->kind != ELS_FTRACE_OTHER) {
		json_object_object_add(o, "comm", json_object_new_string(r->comm));
		json_object_object_add(o, "wakee_pid", json_object_new_int(r->wpid));
		json_object_object_add(o, "target_cpu", json_object_new_int(r->target_cpu));
	}
	return o;
}

/*
 * The events onto the generic timer counter, the clock Xen's trace and
 * samples use: sched_clock ns back to the kernel's counter through `cd`,
 * plus CNTVOFF_EL2 for a guest (its counter is the virtual one: Xen keeps
 * the domain's in arch.virt_timer_base.offset). Left in ns, and said,
 * when not possible.
 */
static void to_counter(struct els_cli *cli, struct els_linux *lx,
		       struct els_events *ev)
{
	struct els_linux_sched_clock sc;
	uint64_t freq = 0, off = 0;
	const char *why = NULL;
	struct els_error *err = els_linux_sched_clock(lx, &sc);
	if (!err)
		err = els_target_read_reg_u64(cli->t, 0, "CNTFRQ_EL0", &freq);
	if (err) {
		why = err->message;
	} else if (cli->vm >= 0) {
		/* A guest's counter runs CNTVOFF_EL2 behind the machine's. */
		struct els_hv *hv;
		struct els_hv_vm d;
		if ((err = els_cli_hv(cli, &hv)) ||
		    (err = els_hv_vm(hv, (unsigned)cli->vm, &d)))
			why = err->message;
		else
			off = d.cntvoff;
	}
	if (why || !freq) {
		fprintf(stderr, "ftrace: times stay in ns: %s\n",
			why ? why : "no CNTFRQ_EL0");
		els_error_destroy(err);
		return;
	}
	els_error_destroy(err);
	for (size_t i = 0; i < ev->n; i++) {
		struct els_event *e = &ev->ev[i];
		uint64_t a = els_linux_sched_clock_cyc(&sc, e->ts);
		uint64_t b = els_linux_sched_clock_cyc(&sc, e->ts + e->dur);
		e->ts = a + off;
		e->dur = b > a ? b - a : 0;
	}
	ev->t0 = els_linux_sched_clock_cyc(&sc, ev->t0) + off;
	ev->t1 = els_linux_sched_clock_cyc(&sc, ev->t1) + off;
	ev->freq = freq;
	snprintf(ev->clock_note, sizeof(ev->clock_note),
		 "the generic timer counter at %" PRIu64 " Hz: sched_clock ns through the kernel's cd%s",
		 freq, cli->vm >= 0 ? " plus CNTVOFF_EL2" : "");
}

struct els_error *els_cmd_ftrace(struct els_cli *cli, int argc, char **argv)
{
	const char *out = NULL;
	bool records = false;
	uint64_t top = 5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--records")) {
			records = true;
		} else if (!strcmp(argv[i], "--top") && i + 1 < argc) {
			if (!els_parse_u64(argv[++i], &top) || !top || top > 1000)
				return els_error_create(ELS_ERR_USAGE,
							"--top: '%s' is not a number of tasks (1-1000)",
							argv[i]);
		} else {
			return els_error_create(ELS_ERR_USAGE,
						"unknown argument '%s' (ftrace [--vm N] [--records] [--top N] [--out FILE])",
						argv[i]);
		}
	}
	struct els_linux *lx;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err)
		return err;
	struct collect c = { 0 };
	struct els_ftrace_info info;
	struct els_events ev;
	struct busy *b = NULL;
	size_t nb = 0;
	els_events_init(&ev);
	err = els_linux_ftrace(lx, collect, &c, &info);
	if (!err && c.nomem)
		err = &els_enomem;
	if (!err)
		err = els_ftrace_to_events(c.v.data, c.v.len,
					   cli->vm >= 0 ? cli->vm : ELS_EV_NONE,
					   0, &ev);
	if (!err)
		err = busiest(&ev, &b, &nb);
	if (!err)
		to_counter(cli, lx, &ev);
	if (!err && out)
		err = els_export_file(&ev, NULL, out);
	if (err)
		goto done;
	size_t nsw = 0, nwk = 0, noth = 0;
	uint64_t *wakes = calloc(info.ncpus + 1, sizeof(*wakes));
	if (!wakes) {
		err = &els_enomem;
		goto done;
	}
	for (size_t i = 0; i < c.v.len; i++) {
		const struct els_ftrace_record *r = &c.v.data[i];
		if (r->kind == ELS_FTRACE_SWITCH) {
			nsw++;
		} else if (r->kind == ELS_FTRACE_OTHER) {
			noth++;
		} else {
			nwk++;
			for (unsigned k = 0; k < info.ncpus; k++)
				if (info.cpus[k].cpu == r->cpu)
					wakes[k]++;
		}
	}
	char who[32];
	if (cli->vm >= 0)
		snprintf(who, sizeof(who), "VM %d", cli->vm);
	else
		snprintf(who, sizeof(who), "the machine's kernel");
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		if (cli->vm >= 0)
			json_object_object_add(o, "vm", json_object_new_int(cli->vm));
		json_object_object_add(o, "clock", json_object_new_string(ev.clock_note));
		json_object_object_add(o, "freq", json_object_new_int64((int64_t)ev.freq));
		json_object_object_add(o, "t0", json_object_new_int64((int64_t)ev.t0));
		json_object_object_add(o, "t1", json_object_new_int64((int64_t)ev.t1));
		json_object_object_add(o, "sched_switch_id", json_object_new_int(info.layout.switch_id));
		json_object_object_add(o, "sched_wakeup_id", json_object_new_int(info.layout.wakeup_id));
		json_object_object_add(o, "sched_switch", json_object_new_int64((int64_t)nsw));
		json_object_object_add(o, "sched_wakeup", json_object_new_int64((int64_t)nwk));
		json_object_object_add(o, "other", json_object_new_int64((int64_t)noth));
		struct json_object *cpus = json_object_new_array();
		for (unsigned k = 0; k < info.ncpus; k++) {
			const struct els_ftrace_cpu *p = &info.cpus[k];
			struct json_object *co = json_object_new_object();
			json_object_object_add(co, "cpu", json_object_new_int((int)p->cpu));
			json_object_object_add(co, "pages", json_object_new_int64((int64_t)p->nr_pages));
			json_object_object_add(co, "pages_read", json_object_new_int64((int64_t)p->pages_read));
			json_object_object_add(co, "records", json_object_new_int64((int64_t)p->records));
			json_object_object_add(co, "entries", json_object_new_int64((int64_t)p->entries));
			json_object_object_add(co, "overrun", json_object_new_int64((int64_t)p->overrun));
			json_object_object_add(co, "damaged_pages", json_object_new_int64((int64_t)p->damaged_pages));
			json_object_object_add(co, "first_ns", json_object_new_int64((int64_t)p->first_ts));
			json_object_object_add(co, "last_ns", json_object_new_int64((int64_t)p->last_ts));
			json_object_object_add(co, "wakeups", json_object_new_int64((int64_t)wakes[k]));
			struct json_object *tasks = json_object_new_array();
			uint64_t shown = 0;
			for (size_t i = 0; i < nb; i++) {
				if (b[i].cpu != p->cpu || shown++ >= top)
					continue;
				struct json_object *t = json_object_new_object();
				json_object_object_add(t, "pid", json_object_new_int(b[i].pid));
				json_object_object_add(t, "comm", json_object_new_string(els_events_string(&ev, b[i].name)));
				json_object_object_add(t, "run_ns", json_object_new_int64((int64_t)b[i].run));
				json_object_array_add(tasks, t);
			}
			json_object_object_add(co, "busiest", tasks);
			json_object_array_add(cpus, co);
		}
		json_object_object_add(o, "cpus", cpus);
		if (records) {
			struct json_object *a = json_object_new_array();
			for (size_t i = 0; i < c.v.len; i++)
				json_object_array_add(a, record_json(&c.v.data[i]));
			json_object_object_add(o, "records", a);
		}
		if (out)
			json_object_object_add(o, "out", json_object_new_string(out));
		els_cli_print_json(o);
	} else {
		if (records)
			for (size_t i = 0; i < c.v.len; i++)
				print_record(&c.v.data[i]);
		printf("ftrace of %s: %zu sched_switch, %zu sched_wakeup, %zu other records (event ids %d, %d); times: %s\n",
		       who, nsw, nwk, noth,
		       info.layout.switch_id, info.layout.wakeup_id,
		       ev.clock_note);
		for (unsigned k = 0; k < info.ncpus; k++) {
			const struct els_ftrace_cpu *p = &info.cpus[k];
			/* Its tasks run until the latest record of any CPU. */
			double span = ev.t1 > p->first_ts
					      ? (double)(ev.t1 - p->first_ts) / 1e9
					      : 0;
			printf("%s %u: %" PRIu64 " records (kernel: %" PRIu64 " entries, %" PRIu64 " overrun), %" PRIu64 "/%" PRIu64 " pages read%s, %.6f .. %.6f s (%.3f s), %" PRIu64 " wakeups\n",
			       cli->vm >= 0 ? "vCPU" : "CPU", p->cpu, p->records,
			       p->entries, p->overrun, p->pages_read, p->nr_pages,
			       p->damaged_pages ? " (some damaged)" : "",
			       (double)p->first_ts / 1e9, (double)p->last_ts / 1e9,
			       span, wakes[k]);
			uint64_t shown = 0;
			for (size_t i = 0; i < nb; i++) {
				if (b[i].cpu != p->cpu || shown++ >= top)
					continue;
				printf("  %7" PRId32 " %-16s %10.6f s %5.1f%%\n", b[i].pid,
				       els_events_string(&ev, b[i].name),
				       (double)b[i].run / 1e9,
				       span > 0 ? 100.0 * (double)b[i].run / 1e9 / span : 0);
			}
		}
		if (out)
			printf("wrote %s (%zu events)\n", out, ev.n);
	}
	free(wakes);
done:
	free(b);
	els_events_deinit(&ev);
	els_ftrace_info_deinit(&info);
	frec_vec_deinit(&c.v);
	return err;
}
