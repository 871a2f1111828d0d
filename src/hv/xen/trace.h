/* SPDX-License-Identifier: MIT */
/*
 * Xen's trace records (public/trace.h, struct t_rec) and what its
 * scheduler's records say about where time goes.
 *
 * Three independent parts:
 * - a parser of a stream of records (bytes as one CPU's buffer or a
 *   xentrace file holds them), pure and bounds-checked: it never reads past
 *   the bytes given and yields one record at a time;
 * - the scheduler records (runstate changes, lost records) turned into
 *   els_events: what each physical CPU ran, how long each vCPU waited
 *   runnable, wakes;
 * - the trace buffers of a live Xen read straight from its memory: per CPU
 *   the pages t_info lists, the bytes between cons and prod, cons advanced
 *   afterwards as xentrace does (Xen drops records once a buffer is full).
 */
#ifndef ELS_HV_XEN_TRACE_H
#define ELS_HV_XEN_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "view/event.h"

struct els_hv;
struct els_symtab;

/* Event numbers (public/trace.h). */
#define ELS_TRC_GEN 0x0001f000u
#define ELS_TRC_SCHED 0x0002f000u
#define ELS_TRC_ALL 0x0ffff000u
#define ELS_TRC_LOST_RECORDS 0x0001f001u
#define ELS_TRC_TRACE_WRAP_BUFFER 0x0001f002u
#define ELS_TRC_TRACE_CPU_CHANGE 0x0001f003u
#define ELS_TRC_SCHED_MIN 0x00021000u
/* | old runstate << 8 | new runstate << 4; extra: vcpu:16, domain:16 */
#define ELS_TRC_SCHED_RUNSTATE_CHANGE 0x00021001u
#define ELS_TRC_SCHED_CONTINUE_RUNNING 0x00021002u
#define ELS_TRC_SCHED_WAKE 0x00028004u
#define ELS_TRC_SCHED_SWITCH 0x0002800au

/* Xen's runstates (public/vcpu.h). */
#define ELS_XEN_RUNSTATE_RUNNING 0
#define ELS_XEN_RUNSTATE_RUNNABLE 1
#define ELS_XEN_RUNSTATE_BLOCKED 2
#define ELS_XEN_RUNSTATE_OFFLINE 3

/* Xen's idle domain (DOMID_IDLE). */
#define ELS_XEN_DOMID_IDLE 32767

/* A record is at most 4 + 8 + 7 * 4 bytes. */
#define ELS_XENTRACE_REC_MAX 40

struct els_xentrace_rec {
	uint32_t event;     /* 28 bits */
	unsigned nextra;    /* extra words, 0..7 */
	bool has_tsc;       /* the record carried its own timestamp */
	uint64_t tsc;       /* its own, else the last one of this stream */
	uint32_t extra[7];
	unsigned cpu;       /* the stream's CPU */
	uint32_t size;      /* bytes it took in the stream */
	uint64_t seq;       /* its position among the stream's records */
};

enum els_xentrace_status {
	ELS_XENTRACE_REC,       /* *rec holds the next record */
	ELS_XENTRACE_END,       /* all bytes consumed */
	ELS_XENTRACE_TRUNCATED, /* the bytes left are less than the record */
};

struct els_xentrace_parser {
	const uint8_t *buf;
	size_t len, off;
	unsigned cpu;
	uint64_t last_tsc;
	bool have_tsc;
	uint64_t nrecs;
};

/* Parse len bytes of CPU cpu's records; buf must outlive the parser. */
void els_xentrace_parser_init(struct els_xentrace_parser *p,
			      const void *buf, size_t len, unsigned cpu);
/*
 * The next record. On ELS_XENTRACE_TRUNCATED the parser stays where it is
 * (p->off is the start of the partial record: a file reader can read on).
 */
enum els_xentrace_status els_xentrace_next(struct els_xentrace_parser *p,
					   struct els_xentrace_rec *rec);

/* "runstate_change", "lost_records", ... or NULL for an event not named. */
const char *els_xentrace_event_name(uint32_t event);

/*
 * Scheduler records -> els_events. Feed records of every CPU in time order
 * (by tsc; each CPU's own records in their order): a run span per physical
 * CPU from a vCPU's change to running until its change away from it (Xen's
 * idle vCPUs are ELS_LVL_IDLE with vm ELS_EV_NONE), a wait span per vCPU
 * from runnable to running, a wake instant at blocked/offline -> runnable,
 * a lost instant per TRC_LOST_RECORDS (the CPU's span ends there: what ran
 * meanwhile is not known). Spans open at the start end at t1 in finish;
 * those running before t0 start at t0.
 */
#define ELS_XENSCHED_MAX_PCPUS 256
#define ELS_XENSCHED_MAX_VCPUS 4096

struct els_xensched_run {
	bool open;
	int32_t dom, vcpu;
	uint64_t start;
};

struct els_xensched_wait {
	int32_t dom, vcpu;
	bool seen;  /* a record of it before this one */
	bool open;
	uint64_t start;
};

struct els_xensched {
	struct els_events *e;
	uint64_t t0;
	struct els_xensched_run run[ELS_XENSCHED_MAX_PCPUS];
	struct els_xensched_wait *waits; /* one per vCPU seen */
	size_t nwaits, capwaits;
	uint64_t records, sched_records, lost, ignored;
	uint64_t last_ts;
	bool seen_pcpu[ELS_XENSCHED_MAX_PCPUS];
	/* Names of what runs: "d0v1", "idle" */
	uint32_t name_idle;
};

void els_xensched_init(struct els_xensched *s, struct els_events *e,
		       uint64_t t0);
void els_xensched_deinit(struct els_xensched *s);
struct els_error *els_xensched_feed(struct els_xensched *s,
				    const struct els_xentrace_rec *r);
/* Close every open span at t1; sets e->t0, e->t1 and npcpus. */
struct els_error *els_xensched_finish(struct els_xensched *s, uint64_t t1);

/* Sort records of several CPUs into the order feed wants (tsc, cpu, seq). */
void els_xentrace_sort(struct els_xentrace_rec *recs, size_t n);

/*
 * A live Xen's trace buffers, read through the probe. Open reads t_info
 * (NULL: "Xen has no trace buffers: boot it with tbuf_size=N"), the page
 * list of every CPU, data_size, tb_init_done and tb_event_mask.
 */
#define ELS_XENTRACE_MAX_CPUS 64
#define ELS_XENTRACE_MAX_PAGES 65536

struct els_xentrace_cpu {
	bool present;
	uint64_t *pages;  /* physical address of each page */
};

struct els_xentrace_mem {
	struct els_hv *hv;
	uint64_t t_info;          /* Xen's virtual address */
	uint32_t tbuf_pages;      /* t_info->tbuf_size */
	uint32_t data_size;       /* bytes of records per CPU */
	uint64_t va_init_done, va_event_mask;
	uint32_t init_done, event_mask;
	uint64_t cpu_mask;        /* tb_cpu_mask's first 64 CPUs (~0: unknown) */
	unsigned ncpus;
	struct els_xentrace_cpu cpu[ELS_XENTRACE_MAX_CPUS];
	uint8_t *scratch;         /* data_size bytes */
	uint64_t bytes, drains;
	uint64_t round_reads, round_writes;
};

/* ncpus: the target's CPUs. */
struct els_error *els_xentrace_mem_open(struct els_hv *hv,
					const struct els_symtab *xen,
					unsigned ncpus,
					struct els_xentrace_mem **ret);
void els_xentrace_mem_close(struct els_xentrace_mem *m);
/* Set tb_init_done to 1 (tracing on); the target must be halted. */
struct els_error *els_xentrace_mem_enable(struct els_xentrace_mem *m);
/* Write tb_event_mask. */
struct els_error *els_xentrace_mem_set_mask(struct els_xentrace_mem *m,
					    uint32_t mask);
/*
 * Read CPU cpu's unconsumed records (the target must be halted) and
 * consume them (cons = prod). *buf points to m's scratch, valid until the
 * next drain; *len its bytes. A buffer whose cons/prod are not what Xen
 * keeps is an ELS_ERR_INVALID error (nothing is written then).
 */
/* Consume CPU cpu's records without reading them (cons = prod). */
struct els_error *els_xentrace_mem_discard(struct els_xentrace_mem *m,
					   unsigned cpu);
struct els_error *els_xentrace_mem_drain(struct els_xentrace_mem *m,
					 unsigned cpu, const uint8_t **buf,
					 size_t *len);

#endif
