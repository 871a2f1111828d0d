/* SPDX-License-Identifier: MIT */
/*
 * Xen's trace records: the stream parser, scheduler records -> els_events,
 * and a live Xen's per-CPU trace buffers read through the probe.
 */
#include "core/reader.h"
#include "hv/xen/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/xlat.h"
#include "debuginfo/symbols.h"
#include "hv/hv.h"
#include "target/target.h"

/* ------------------------------------------------------------ parser */

void els_xentrace_parser_init(struct els_xentrace_parser *p, const void *buf,
			      size_t len, unsigned cpu)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = buf ? len : 0;
	p->cpu = cpu;
}

enum els_xentrace_status els_xentrace_next(struct els_xentrace_parser *p,
					   struct els_xentrace_rec *rec)
{
	if (p->off >= p->len)
		return ELS_XENTRACE_END;
	size_t left = p->len - p->off;
	if (left < 4)
		return ELS_XENTRACE_TRUNCATED;
	const uint8_t *b = p->buf + p->off;
	uint32_t hdr = els_le32(b);
	unsigned nextra = (hdr >> 28) & 7;
	bool cyc = (hdr >> 31) & 1;
	size_t size = 4 + (cyc ? 8 : 0) + 4 * (size_t)nextra;
	if (left < size)
		return ELS_XENTRACE_TRUNCATED;

	memset(rec, 0, sizeof(*rec));
	rec->event = hdr & 0x0fffffff;
	rec->nextra = nextra;
	rec->has_tsc = cyc;
	const uint8_t *x = b + 4;
	if (cyc) {
		p->last_tsc = (uint64_t)els_le32(b + 4) |
			      (uint64_t)els_le32(b + 8) << 32;
		p->have_tsc = true;
		x = b + 12;
	}
	rec->tsc = p->last_tsc;
	for (unsigned i = 0; i < nextra; i++)
		rec->extra[i] = els_le32(x + 4 * i);
	rec->cpu = p->cpu;
	rec->size = (uint32_t)size;
	rec->seq = p->nrecs++;
	p->off += size;
	return ELS_XENTRACE_REC;
}

const char *els_xentrace_event_name(uint32_t event)
{
	if ((event & ~0x330u) == ELS_TRC_SCHED_RUNSTATE_CHANGE)
		return "runstate_change";
	switch (event) {
	case ELS_TRC_LOST_RECORDS: return "lost_records";
	case ELS_TRC_TRACE_WRAP_BUFFER: return "wrap_buffer";
	case ELS_TRC_TRACE_CPU_CHANGE: return "cpu_change";
	case ELS_TRC_SCHED_CONTINUE_RUNNING: return "continue_running";
	case 0x00028001u: return "dom_add";
	case 0x00028002u: return "dom_rem";
	case 0x00028003u: return "sleep";
	case ELS_TRC_SCHED_WAKE: return "wake";
	case 0x00028005u: return "yield";
	case 0x00028006u: return "block";
	case 0x00028007u: return "shutdown";
	case ELS_TRC_SCHED_SWITCH: return "switch";
	case 0x0002800eu: return "switch_infprev";
	case 0x0002800fu: return "switch_infnext";
	case 0x00028011u: return "switch_infcont";
	default: return NULL;
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const struct els_xentrace_rec *x = a, *y = b;
	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

void els_xentrace_sort(struct els_xentrace_rec *recs, size_t n)
{
	if (n > 1)
		qsort(recs, n, sizeof(*recs), rec_cmp);
}

/* ------------------------------------------------- scheduler -> events */

void els_xensched_init(struct els_xensched *s, struct els_events *e,
		       uint64_t t0)
{
	memset(s, 0, sizeof(*s));
	s->e = e;
	s->t0 = t0;
	s->last_ts = t0;
}

void els_xensched_deinit(struct els_xensched *s)
{
	free(s->waits);
	s->waits = NULL;
	s->nwaits = s->capwaits = 0;
}

static struct els_xensched_wait *wait_of(struct els_xensched *s, int32_t dom,
					 int32_t vcpu)
{
	for (size_t i = 0; i < s->nwaits; i++) {
		if (s->waits[i].dom == dom && s->waits[i].vcpu == vcpu)
			return &s->waits[i];
	}
	if (s->nwaits >= ELS_XENSCHED_MAX_VCPUS)
		return NULL;
	if (s->nwaits == s->capwaits) {
		size_t cap = s->capwaits ? 2 * s->capwaits : 16;
		void *p = realloc(s->waits, cap * sizeof(*s->waits));
		if (!p)
			return NULL;
		s->waits = p;
		s->capwaits = cap;
	}
	struct els_xensched_wait *w = &s->waits[s->nwaits++];
	memset(w, 0, sizeof(*w));
	w->dom = dom;
	w->vcpu = vcpu;
	return w;
}

static struct els_error *emit(struct els_xensched *s, enum els_ev_kind kind,
			      unsigned pcpu, int32_t dom, int32_t vcpu,
			      uint64_t ts, uint64_t end, uint32_t name)
{
	struct els_event ev = {
		.ts = ts,
		.dur = end > ts ? end - ts : 0,
		.vm = dom,
		.vcpu = vcpu,
		.pid = ELS_EV_NONE,
		.name = name,
		.pcpu = (uint16_t)pcpu,
		.kind = (uint8_t)kind,
		.level = ELS_LVL_KERNEL,
	};
	if (dom == ELS_XEN_DOMID_IDLE) {
		ev.vm = ELS_EV_NONE;
		ev.level = ELS_LVL_IDLE;
	}
	if (kind == ELS_EV_LOST)
		ev.level = ELS_LVL_UNKNOWN;
	return els_events_add(s->e, &ev);
}

static struct els_error *close_run(struct els_xensched *s, unsigned pcpu,
				   uint64_t ts)
{
	struct els_xensched_run *r = &s->run[pcpu];
	if (!r->open)
		return NULL;
	r->open = false;
	return emit(s, ELS_EV_RUN, pcpu, r->dom, r->vcpu, r->start, ts, 0);
}

static struct els_error *runstate(struct els_xensched *s,
				  const struct els_xentrace_rec *r,
				  uint64_t ts)
{
	unsigned old = (r->event >> 8) & 3, new = (r->event >> 4) & 3;
	unsigned pcpu = r->cpu;
	int32_t vcpu = (int32_t)(r->extra[0] & 0xffff);
	int32_t dom = (int32_t)(r->extra[0] >> 16);
	struct els_xensched_run *run = &s->run[pcpu];
	struct els_error *err;

	if (old == ELS_XEN_RUNSTATE_RUNNING && new != old) {
		if (run->open && (run->dom != dom || run->vcpu != vcpu)) {
			/* A switch we did not see: end the other one here. */
			if ((err = close_run(s, pcpu, ts)))
				return err;
		}
		if (!run->open && !s->seen_pcpu[pcpu]) {
			/* The CPU's first record: it ran this since t0. */
			run->open = true;
			run->dom = dom;
			run->vcpu = vcpu;
			run->start = s->t0;
		}
		if ((err = close_run(s, pcpu, ts)))
			return err;
	}
	if (new == ELS_XEN_RUNSTATE_RUNNING && old != new) {
		if ((err = close_run(s, pcpu, ts)))
			return err;
		run->open = true;
		run->dom = dom;
		run->vcpu = vcpu;
		run->start = ts;
	}
	s->seen_pcpu[pcpu] = true;

	if (dom == ELS_XEN_DOMID_IDLE)
		return NULL;
	struct els_xensched_wait *w = wait_of(s, dom, vcpu);
	if (!w)
		return &els_enomem;
	if (new == ELS_XEN_RUNSTATE_RUNNABLE && old != new) {
		w->open = true;
		w->start = ts;
		if (old == ELS_XEN_RUNSTATE_BLOCKED ||
		    old == ELS_XEN_RUNSTATE_OFFLINE) {
			if ((err = emit(s, ELS_EV_WAKE, pcpu, dom, vcpu, ts,
					ts, 0)))
				return err;
		}
	} else if (old == ELS_XEN_RUNSTATE_RUNNABLE && new != old &&
		   (w->open || !w->seen)) {
		/* Runnable since t0 when this is its first record. */
		uint64_t start = w->open ? w->start : s->t0;
		w->open = false;
		w->seen = true;
		if (start < ts)
			return emit(s, ELS_EV_WAIT, pcpu, dom, vcpu, start, ts,
				    0);
	}
	w->seen = true;
	return NULL;
}

struct els_error *els_xensched_feed(struct els_xensched *s,
				    const struct els_xentrace_rec *r)
{
	s->records++;
	if (r->cpu >= ELS_XENSCHED_MAX_PCPUS) {
		s->ignored++;
		return NULL;
	}
	uint64_t ts = r->tsc;
	/* Before the trace began (a record left from an earlier drain). */
	if (ts < s->t0) {
		s->ignored++;
		return NULL;
	}
	if (ts > s->last_ts)
		s->last_ts = ts;
	if (r->cpu + 1 > s->e->npcpus)
		s->e->npcpus = r->cpu + 1;

	if ((r->event & ~0x330u) == ELS_TRC_SCHED_RUNSTATE_CHANGE) {
		if (r->nextra < 1) {
			s->ignored++;
			return NULL;
		}
		s->sched_records++;
		return runstate(s, r, ts);
	}
	if (r->event == ELS_TRC_LOST_RECORDS) {
		uint32_t n = r->nextra >= 1 ? r->extra[0] : 0;
		uint64_t first = ts;
		if (r->nextra >= 4) {
			first = (uint64_t)r->extra[2] |
				(uint64_t)r->extra[3] << 32;
			if (first > ts || first < s->t0)
				first = ts;
		}
		s->lost += n;
		/* What ran from the first lost record on is not known. */
		struct els_error *err = close_run(s, r->cpu, first);
		if (err)
			return err;
		s->seen_pcpu[r->cpu] = true;
		char label[48];
		snprintf(label, sizeof(label), "%" PRIu32 " records lost", n);
		return emit(s, ELS_EV_LOST, r->cpu, ELS_EV_NONE, ELS_EV_NONE,
			    first, first, els_events_intern(s->e, label));
	}
	return NULL;
}

struct els_error *els_xensched_finish(struct els_xensched *s, uint64_t t1)
{
	if (t1 < s->last_ts)
		t1 = s->last_ts;
	for (unsigned c = 0; c < ELS_XENSCHED_MAX_PCPUS; c++) {
		struct els_error *err = close_run(s, c, t1);
		if (err)
			return err;
	}
	for (size_t i = 0; i < s->nwaits; i++) {
		struct els_xensched_wait *w = &s->waits[i];
		if (w->open && w->start < t1) {
			struct els_error *err =
				emit(s, ELS_EV_WAIT, 0, w->dom, w->vcpu,
				     w->start, t1, 0);
			if (err)
				return err;
		}
		w->open = false;
	}
	s->e->t0 = s->t0;
	s->e->t1 = t1;
	return NULL;
}

/* ------------------------------------------------- live trace buffers */

static struct els_error *sym_addr(const struct els_symtab *xen,
				  const char *name, uint64_t *ret)
{
	struct els_symbol sym;
	struct els_error *err = els_symtab_lookup_name(xen, name, &sym);
	if (err)
		return els_error_wrap(err, "Xen's symbol %s", name);
	*ret = sym.addr;
	return NULL;
}

static struct els_error *hv_u32(struct els_hv *hv, uint64_t va,
				const char *what, uint32_t *ret)
{
	uint8_t b[4];
	struct els_error *err = els_hv_read(hv, va, b, 4);
	if (err)
		return els_error_wrap(err, "reading Xen's %s at 0x%" PRIx64,
				      what, va);
	*ret = els_le32(b);
	return NULL;
}

static struct els_error *hv_write_u32(struct els_hv *hv, uint64_t va,
				      const char *what, uint32_t v)
{
	uint64_t pa;
	struct els_error *err = els_xlat_va_to_pa(&hv->ctx, va, &pa);
	if (err)
		return els_error_wrap(err, "translating Xen's %s at 0x%" PRIx64,
				      what, va);
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	struct els_aspace as = els_aspace_phys();
	if ((err = els_target_write(hv->t, &as, pa, b, 4)))
		return els_error_wrap(err, "writing Xen's %s at 0x%" PRIx64,
				      what, va);
	return NULL;
}

void els_xentrace_mem_close(struct els_xentrace_mem *m)
{
	if (!m)
		return;
	for (unsigned c = 0; c < ELS_XENTRACE_MAX_CPUS; c++)
		free(m->cpu[c].pages);
	free(m->scratch);
	free(m);
}

struct els_error *els_xentrace_mem_open(struct els_hv *hv,
					const struct els_symtab *xen,
					unsigned ncpus,
					struct els_xentrace_mem **ret)
{
	struct els_error *err;
	uint64_t va_t_info = 0, va_data_size = 0;
	*ret = NULL;
	if ((err = sym_addr(xen, "t_info", &va_t_info)) ||
	    (err = sym_addr(xen, "data_size", &va_data_size)))
		return err;
	struct els_xentrace_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return &els_enomem;
	m->hv = hv;
	m->ncpus = ncpus > ELS_XENTRACE_MAX_CPUS ? ELS_XENTRACE_MAX_CPUS
						 : ncpus;
	if ((err = sym_addr(xen, "tb_init_done", &m->va_init_done)) ||
	    (err = sym_addr(xen, "tb_event_mask", &m->va_event_mask)))
		goto fail;
	if ((err = els_hv_read_u64(hv, va_t_info, &m->t_info))) {
		err = els_error_wrap(err, "reading Xen's t_info");
		goto fail;
	}
	if (!m->t_info) {
		err = els_error_create(ELS_ERR_UNSUPPORTED,
				       "Xen has no trace buffers: boot it with "
				       "tbuf_size=N");
		goto fail;
	}
	if ((err = hv_u32(hv, m->va_init_done, "tb_init_done",
			  &m->init_done)) ||
	    (err = hv_u32(hv, m->va_event_mask, "tb_event_mask",
			  &m->event_mask)) ||
	    (err = hv_u32(hv, va_data_size, "data_size", &m->data_size)))
		goto fail;
	m->cpu_mask = ~UINT64_C(0);
	uint64_t va_mask = 0, mask = 0;
	if (!(err = sym_addr(xen, "tb_cpu_mask", &va_mask)) &&
	    !(err = els_hv_read_u64(hv, va_mask, &mask)))
		m->cpu_mask = mask;
	els_error_destroy(err); /* optional: ~0 when not known */
	err = NULL;

	/* t_info: tbuf_size (u16), mfn_offset[NR_CPUS] (u16). */
	size_t hdr_len = 2 + 2 * (size_t)m->ncpus;
	uint8_t hdr[2 + 2 * ELS_XENTRACE_MAX_CPUS];
	if ((err = els_hv_read(hv, m->t_info, hdr, hdr_len))) {
		err = els_error_wrap(err, "reading Xen's t_info at 0x%" PRIx64,
				     m->t_info);
		goto fail;
	}
	m->tbuf_pages = els_le16(hdr);
	if (!m->tbuf_pages || m->tbuf_pages > ELS_XENTRACE_MAX_PAGES ||
	    (uint64_t)m->data_size + 8 != (uint64_t)m->tbuf_pages * 4096) {
		err = els_error_create(
			ELS_ERR_INVALID,
			"Xen's trace buffers do not add up: t_info says %u pages "
			"per CPU, data_size is %" PRIu32 " bytes (want pages * "
			"4096 - 8)",
			m->tbuf_pages, m->data_size);
		goto fail;
	}
	for (unsigned c = 0; c < m->ncpus; c++) {
		uint16_t off = els_le16(hdr + 2 + 2 * c);
		if (!off)
			continue; /* CPU was offline when Xen allocated them */
		if (off < 1 + m->ncpus / 2) {
			err = els_error_create(
				ELS_ERR_INVALID,
				"Xen's t_info: CPU %u's page list at word %u "
				"overlaps the header",
				c, off);
			goto fail;
		}
		size_t n = m->tbuf_pages;
		uint8_t *raw = malloc(4 * n);
		m->cpu[c].pages = calloc(n, sizeof(uint64_t));
		if (!raw || !m->cpu[c].pages) {
			free(raw);
			err = &els_enomem;
			goto fail;
		}
		err = els_hv_read(hv, m->t_info + 4 * (uint64_t)off, raw, 4 * n);
		if (err) {
			free(raw);
			err = els_error_wrap(err, "reading CPU %u's trace page "
						  "list in Xen's t_info", c);
			goto fail;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t mfn = els_le32(raw + 4 * i);
			if (!mfn) {
				free(raw);
				err = els_error_create(
					ELS_ERR_INVALID,
					"Xen's t_info: CPU %u's trace page %zu "
					"has MFN 0",
					c, i);
				goto fail;
			}
			m->cpu[c].pages[i] = (uint64_t)mfn << 12;
		}
		free(raw);
		m->cpu[c].present = true;
	}
	m->scratch = malloc(m->data_size);
	if (!m->scratch) {
		err = &els_enomem;
		goto fail;
	}
	*ret = m;
	return NULL;
fail:
	els_xentrace_mem_close(m);
	return err;
}

struct els_error *els_xentrace_mem_enable(struct els_xentrace_mem *m)
{
	struct els_error *err =
		hv_write_u32(m->hv, m->va_init_done, "tb_init_done", 1);
	if (!err)
		m->init_done = 1;
	return err;
}

struct els_error *els_xentrace_mem_set_mask(struct els_xentrace_mem *m,
					    uint32_t mask)
{
	struct els_error *err =
		hv_write_u32(m->hv, m->va_event_mask, "tb_event_mask", mask);
	if (!err)
		m->event_mask = mask;
	return err;
}

/* Read [off, off + len) of the CPU's buffer (header included), runs of
 * physically consecutive pages at once. */
static struct els_error *read_buf(struct els_xentrace_mem *m, unsigned cpu,
				  uint64_t off, uint8_t *dst, size_t len)
{
	const uint64_t *pages = m->cpu[cpu].pages;
	struct els_aspace as = els_aspace_phys();
	while (len) {
		uint64_t pg = off >> 12, in = off & 4095;
		if (pg >= m->tbuf_pages)
			return els_error_create(ELS_ERR_INVALID,
						"CPU %u's trace buffer: offset "
						"0x%" PRIx64 " past its pages",
						cpu, off);
		size_t n = 4096 - in;
		uint64_t last = pg;
		while (n < len && last + 1 < m->tbuf_pages &&
		       pages[last + 1] == pages[last] + 4096) {
			last++;
			n += 4096;
		}
		if (n > len)
			n = len;
		struct els_error *err =
			els_target_read(m->hv->t, &as, pages[pg] + in, dst, n);
		if (err)
			return els_error_wrap(err, "reading CPU %u's trace "
						   "buffer", cpu);
		m->round_reads++;
		dst += n;
		off += n;
		len -= n;
	}
	return NULL;
}

/* cons and prod of CPU cpu's buffer, checked; *n: bytes unconsumed. */
static struct els_error *cons_prod(struct els_xentrace_mem *m, unsigned cpu,
				   uint32_t *cons, uint32_t *prod, uint64_t *n)
{
	uint8_t hdr[8];
	struct els_error *err = read_buf(m, cpu, 0, hdr, 8);
	if (err)
		return err;
	*cons = els_le32(hdr);
	*prod = els_le32(hdr + 4);
	uint64_t ds = m->data_size;
	if (*cons >= 2 * ds || *prod >= 2 * ds)
		return els_error_create(ELS_ERR_INVALID,
					"CPU %u's trace buffer: cons %" PRIu32
					" or prod %" PRIu32
					" not below 2 * data_size (%" PRIu64 ")",
					cpu, *cons, *prod, 2 * ds);
	*n = *prod >= *cons ? *prod - *cons : *prod + 2 * ds - *cons;
	if (*n > ds)
		return els_error_create(ELS_ERR_INVALID,
					"CPU %u's trace buffer: %" PRIu64
					" bytes unconsumed, more than it holds",
					cpu, *n);
	return NULL;
}

/* Consumed: cons = prod, as xentrace does. */
static struct els_error *consume(struct els_xentrace_mem *m, unsigned cpu,
				 uint32_t prod)
{
	uint8_t w[4] = { (uint8_t)prod, (uint8_t)(prod >> 8),
			 (uint8_t)(prod >> 16), (uint8_t)(prod >> 24) };
	struct els_aspace as = els_aspace_phys();
	struct els_error *err = els_target_write(m->hv->t, &as,
						 m->cpu[cpu].pages[0], w, 4);
	if (err)
		return els_error_wrap(err, "advancing CPU %u's trace buffer "
					   "(cons)", cpu);
	m->round_writes++;
	return NULL;
}

struct els_error *els_xentrace_mem_discard(struct els_xentrace_mem *m,
					   unsigned cpu)
{
	if (cpu >= m->ncpus || !m->cpu[cpu].present)
		return NULL;
	uint32_t cons, prod;
	uint64_t n;
	struct els_error *err = cons_prod(m, cpu, &cons, &prod, &n);
	if (err || !n)
		return err;
	return consume(m, cpu, prod);
}

struct els_error *els_xentrace_mem_drain(struct els_xentrace_mem *m,
					 unsigned cpu, const uint8_t **buf,
					 size_t *len)
{
	*buf = m->scratch;
	*len = 0;
	if (cpu >= m->ncpus || !m->cpu[cpu].present)
		return NULL;
	uint32_t cons, prod;
	uint64_t n, ds = m->data_size;
	struct els_error *err = cons_prod(m, cpu, &cons, &prod, &n);
	if (err || !n)
		return err;
	uint64_t start = cons >= ds ? cons - ds : cons;
	uint64_t first = n < ds - start ? n : ds - start;
	if ((err = read_buf(m, cpu, 8 + start, m->scratch, first)))
		return err;
	if (first < n &&
	    (err = read_buf(m, cpu, 8, m->scratch + first, n - first)))
		return err;
	if ((err = consume(m, cpu, prod)))
		return err;
	m->bytes += n;
	m->drains++;
	*len = n;
	return NULL;
}
