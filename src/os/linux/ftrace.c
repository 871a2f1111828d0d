/* SPDX-License-Identifier: MIT */
/* The ftrace ring buffer: data pages decoded, the per-CPU rings walked. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/addrset.h"
#include "os/linux/ftrace.h"
#include "view/sched_conv.h"
#include "view/keymap.h"

/* ring_buffer_event.type_len values above the data lengths. */
#define RB_TYPE_DATA_MAX 28
#define RB_TYPE_PADDING 29
#define RB_TYPE_TIME_EXTEND 30
#define RB_TYPE_TIME_STAMP 31
#define RB_TS_SHIFT 27
/* buffer_data_page.commit: the reader's flags above the length. */
#define RB_COMMIT_MASK 0x3fffffffu
/* Low bits of a ring link: HEAD (1) and UPDATE (2). */
#define RB_FLAG_MASK 3u
#define RB_FLAG_HEAD 1u

/* A field of an entry of len bytes: an integer, sign-extended. */
static bool field_int(const struct els_type_member *m, const uint8_t *d,
		      size_t len, int64_t *v)
{
	uint64_t u;
	struct els_error *err;
	if (!m->size || m->size > 8)
		return false;
	if ((err = els_linux_get(m, d, len, 0, &u))) {
		els_error_destroy(err);
		return false;
	}
	if (!m->bit_size && m->size < 8 && (u >> (m->size * 8 - 1)) & 1)
		u |= ~0ull << (m->size * 8);
	*v = (int64_t)u;
	return true;
}

static void field_str(const struct els_type_member *m, const uint8_t *d,
		      size_t len, char out[17])
{
	out[0] = '\0';
	if (!m->size || m->offset >= len)
		return;
	size_t n = m->size < 16 ? (size_t)m->size : 16;
	if (n > len - m->offset)
		n = len - (size_t)m->offset;
	memcpy(out, d + m->offset, n);
	out[n] = '\0';
	for (size_t i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			out[i] = '?';
}

/* One trace entry of len bytes into r; false when too short to be one. */
static bool decode_entry(const struct els_ftrace_layout *l, const uint8_t *d,
			 size_t len, struct els_ftrace_record *r)
{
	int64_t type, pid;
	if (!field_int(&l->ent_type, d, len, &type) ||
	    !field_int(&l->ent_pid, d, len, &pid))
		return false;
	r->type = (uint16_t)type;
	r->pid = (int32_t)pid;
	r->kind = ELS_FTRACE_OTHER;
	int t = (int)(uint16_t)type;
	int64_t a, b, s = 0, c = -1;
	if (t == l->switch_id && l->switch_id >= 0) {
		if (!field_int(&l->prev_pid, d, len, &a) ||
		    !field_int(&l->next_pid, d, len, &b))
			return true; /* other: too short for a switch */
		field_int(&l->prev_state, d, len, &s);
		r->kind = ELS_FTRACE_SWITCH;
		r->prev_pid = (int32_t)a;
		r->next_pid = (int32_t)b;
		r->prev_state = s;
		field_str(&l->prev_comm, d, len, r->prev_comm);
		field_str(&l->next_comm, d, len, r->next_comm);
	} else if ((t == l->wakeup_id && l->wakeup_id >= 0) ||
		   (t == l->wakeup_new_id && l->wakeup_new_id >= 0)) {
		if (!field_int(&l->w_pid, d, len, &a))
			return true;
		field_int(&l->w_target_cpu, d, len, &c);
		r->kind = t == l->wakeup_id ? ELS_FTRACE_WAKEUP
					    : ELS_FTRACE_WAKEUP_NEW;
		r->wpid = (int32_t)a;
		r->target_cpu = (int32_t)c;
		field_str(&l->w_comm, d, len, r->comm);
	}
	return true;
}

struct els_error *els_ftrace_parse_page(const struct els_ftrace_layout *l,
					const uint8_t *page, size_t len,
					size_t start, unsigned cpu,
					els_ftrace_fn fn, void *arg,
					struct els_ftrace_page_stats *st,
					bool *stopped)
{
	uint64_t ts, commit;
	struct els_error *err;
	*stopped = false;
	if (len > ELS_FTRACE_MAX_PAGE || l->data_offset > len)
		return els_error_create(ELS_ERR_INVALID,
					"a ring buffer page of %zu bytes (data at %" PRIu64 ")",
					len, l->data_offset);
	if ((err = els_linux_get(&l->time_stamp, page, len, 0, &ts)) ||
	    (err = els_linux_get(&l->commit, page, len, 0, &commit)))
		return err;
	commit &= RB_COMMIT_MASK;
	size_t room = len - (size_t)l->data_offset;
	if (commit > room)
		return els_error_create(ELS_ERR_INVALID,
					"a ring buffer page commits %" PRIu64 " bytes, more than its %zu",
					commit, room);
	const uint8_t *d = page + l->data_offset;
	size_t off = 0;
	/* Each event is at least 4 bytes: the loop ends within commit/4. */
	while (off + 4 <= commit) {
		uint32_t h = els_le32(d + off);
		unsigned type_len = h & 31;
		uint64_t delta = h >> 5;
		size_t evlen;
		if (type_len == RB_TYPE_PADDING) {
			if (delta == 0)
				break; /* the rest of the page is unused */
			if (off + 8 > commit)
				goto bad;
			evlen = (size_t)els_le32(d + off + 4) + 4;
			if (evlen < 8)
				goto bad;
			st->padding++;
		} else if (type_len == RB_TYPE_TIME_EXTEND) {
			if (off + 8 > commit)
				goto bad;
			ts += ((uint64_t)els_le32(d + off + 4) << RB_TS_SHIFT) + delta;
			evlen = 8;
			st->extends++;
		} else if (type_len == RB_TYPE_TIME_STAMP) {
			if (off + 8 > commit)
				goto bad;
			uint64_t abs = ((uint64_t)els_le32(d + off + 4) << RB_TS_SHIFT) +
				       delta;
			/* The stamp keeps 59 bits; the top ones are ts's. */
			uint64_t msb = ts & (0x1full << 59);
			ts = abs | msb;
			evlen = 8;
			st->stamps++;
		} else {
			size_t dlen;
			const uint8_t *data;
			if (type_len) {
				dlen = (size_t)type_len * 4;
				data = d + off + 4;
				evlen = dlen + 4;
			} else {
				if (off + 8 > commit)
					goto bad;
				uint32_t n = els_le32(d + off + 4);
				if (n < 4)
					goto bad;
				dlen = (size_t)n - 4;
				data = d + off + 8;
				evlen = (size_t)n + 4;
			}
			if (evlen > commit - off)
				goto bad;
			ts += delta;
			if (off < start) {
				st->skipped++;
			} else {
				struct els_ftrace_record r;
				memset(&r, 0, sizeof(r));
				r.ts = ts;
				r.cpu = cpu;
				if (!decode_entry(l, data, dlen, &r)) {
					st->skipped++;
				} else {
					st->entries++;
					if (fn(&r, arg)) {
						*stopped = true;
						return NULL;
					}
				}
			}
		}
		if (evlen > commit - off)
			goto bad;
		off += evlen;
	}
	return NULL;
bad:
	return els_error_create(ELS_ERR_INVALID,
				"a ring buffer event at offset %zu of a page runs past its commit (%" PRIu64 " bytes)",
				off, commit);
}

void els_ftrace_info_deinit(struct els_ftrace_info *info)
{
	free(info->cpus);
	info->cpus = NULL;
	info->ncpus = 0;
}

static struct els_error *event_id(struct els_linux *lx, const char *sym,
				  uint64_t type_off, int *id)
{
	uint64_t a;
	uint32_t v;
	struct els_error *err;
	*id = -1;
	if ((err = els_linux_sym(lx, sym, &a))) {
		els_error_destroy(err); /* a kernel without the event */
		return NULL;
	}
	if ((err = els_linux_read_u32(lx, a + type_off, &v)))
		return els_error_wrap(err, "the event id of %s", sym);
	/* 0: never registered; ids are below 65536 (trace_entry.type). */
	if (v && v <= 0xffff)
		*id = (int)v;
	return NULL;
}

struct els_error *els_linux_ftrace_layout(struct els_linux *lx,
					  struct els_ftrace_layout *l)
{
	static const char sw[] = "trace_event_raw_sched_switch";
	static const char wk[] = "trace_event_raw_sched_wakeup_template";
	struct {
		const char *type, *path;
		struct els_type_member *m;
	} ms[] = {
		{ "buffer_data_page", "time_stamp", &l->time_stamp },
		{ "buffer_data_page", "commit", &l->commit },
		{ sw, "ent.type", &l->ent_type },
		{ sw, "ent.pid", &l->ent_pid },
		{ sw, "prev_comm", &l->prev_comm },
		{ sw, "prev_pid", &l->prev_pid },
		{ sw, "prev_state", &l->prev_state },
		{ sw, "next_comm", &l->next_comm },
		{ sw, "next_pid", &l->next_pid },
		{ wk, "comm", &l->w_comm },
		{ wk, "pid", &l->w_pid },
		{ wk, "target_cpu", &l->w_target_cpu },
	};
	struct els_error *err;
	uint64_t type_off;
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < sizeof(ms) / sizeof(*ms); i++)
		if ((err = els_linux_member(lx, ms[i].type, ms[i].path,
					    ms[i].m)))
			return els_error_wrap(err, "the ftrace layout");
	if ((err = els_linux_offset(lx, "buffer_data_page", "data",
				    &l->data_offset)) ||
	    (err = els_linux_offset(lx, "trace_event_call", "event.type",
				    &type_off)))
		return els_error_wrap(err, "the ftrace layout");
	if ((err = event_id(lx, "event_sched_switch", type_off,
			    &l->switch_id)) ||
	    (err = event_id(lx, "event_sched_wakeup", type_off,
			    &l->wakeup_id)) ||
	    (err = event_id(lx, "event_sched_wakeup_new", type_off,
			    &l->wakeup_new_id)))
		return err;
	return NULL;
}

/* The fields read of ring_buffer_per_cpu and buffer_page. */
struct ring_layout {
	struct els_type_member cpu, nr_pages, pages, head_page, commit_page,
		reader_page, entries, overrun;
	uint64_t lo, hi;
	struct els_type_member list_next, read, page;
	uint64_t blo, bhi, list_off;
};

static void widen(uint64_t *lo, uint64_t *hi, const struct els_type_member *m)
{
	if (m->offset < *lo)
		*lo = m->offset;
	if (m->offset + m->size > *hi)
		*hi = m->offset + m->size;
}

static struct els_error *ring_layout(struct els_linux *lx,
				     struct ring_layout *r)
{
	static const char pc[] = "ring_buffer_per_cpu", bp[] = "buffer_page";
	struct {
		const char *type, *path;
		struct els_type_member *m;
	} ms[] = {
		{ pc, "cpu", &r->cpu },
		{ pc, "nr_pages", &r->nr_pages },
		{ pc, "pages", &r->pages },
		{ pc, "head_page", &r->head_page },
		{ pc, "commit_page", &r->commit_page },
		{ pc, "reader_page", &r->reader_page },
		{ pc, "entries", &r->entries },
		{ pc, "overrun", &r->overrun },
		{ bp, "list.next", &r->list_next },
		{ bp, "read", &r->read },
		{ bp, "page", &r->page },
	};
	struct els_error *err;
	memset(r, 0, sizeof(*r));
	r->lo = r->blo = UINT64_MAX;
	for (size_t i = 0; i < sizeof(ms) / sizeof(*ms); i++) {
		if ((err = els_linux_member(lx, ms[i].type, ms[i].path,
					    ms[i].m)))
			return els_error_wrap(err, "the ftrace ring layout");
		if (ms[i].type == pc)
			widen(&r->lo, &r->hi, ms[i].m);
		else
			widen(&r->blo, &r->bhi, ms[i].m);
	}
	/* local_t is a struct around a counter: 8 bytes on arm64. */
	r->entries.size = r->overrun.size = 8;
	r->entries.kind = r->overrun.kind = ELS_TYPE_INT;
	r->list_off = r->list_next.offset;
	return NULL;
}

struct bpage {
	uint64_t addr, next_raw, page, read;
};

static struct els_error *read_bpage(struct els_linux *lx,
				    const struct ring_layout *rl, uint64_t addr,
				    struct bpage *b)
{
	uint8_t buf[256];
	size_t len = (size_t)(rl->bhi - rl->blo);
	struct els_error *err;
	if (len > sizeof(buf))
		return els_error_create(ELS_ERR_INVALID,
					"struct buffer_page spans %zu bytes", len);
	if ((err = els_linux_read(lx, addr + rl->blo, buf, len)) ||
	    (err = els_linux_get(&rl->list_next, buf, len, rl->blo,
				 &b->next_raw)) ||
	    (err = els_linux_get(&rl->read, buf, len, rl->blo, &b->read)) ||
	    (err = els_linux_get(&rl->page, buf, len, rl->blo, &b->page)))
		return els_error_wrap(err, "the buffer_page at 0x%" PRIx64,
				      addr);
	b->addr = addr;
	return NULL;
}

static uint64_t page_size_of(const struct els_linux *lx)
{
	switch ((lx->kctx.tcr >> 30) & 3) {
	case 1:
		return 16384;
	case 3:
		return 65536;
	default:
		return 4096;
	}
}

/* One CPU's ring: the pages from the reader page and head to commit. */
static struct els_error *walk_cpu(struct els_linux *lx,
				  const struct ring_layout *rl,
				  struct els_ftrace_info *info, uint64_t pcpu,
				  struct els_ftrace_cpu *c, els_ftrace_fn fn,
				  void *arg, bool *stopped)
{
	uint8_t buf[1024];
	size_t len = (size_t)(rl->hi - rl->lo);
	uint64_t v[8];
	struct els_error *err;
	if (len > sizeof(buf))
		return els_error_create(ELS_ERR_INVALID,
					"struct ring_buffer_per_cpu spans %zu bytes", len);
	if ((err = els_linux_read(lx, pcpu + rl->lo, buf, len)))
		return err;
	const struct els_type_member *ms[] = {
		&rl->cpu,	  &rl->nr_pages,    &rl->pages,
		&rl->head_page,   &rl->commit_page, &rl->reader_page,
		&rl->entries,	  &rl->overrun,
	};
	for (size_t i = 0; i < 8; i++)
		if ((err = els_linux_get(ms[i], buf, len, rl->lo, &v[i])))
			return err;
	c->nr_pages = v[1];
	c->entries = v[6];
	c->overrun = v[7];
	uint64_t head_hint = v[3], commit = v[4], reader = v[5];
	if (v[1] == 0 || v[1] > ELS_LINUX_MAX_NODES)
		return els_error_create(ELS_ERR_INVALID,
					"its ring has %" PRIu64 " pages", v[1]);
	/* The ring, from the page `pages` points into, once around. */
	size_t cap = (size_t)v[1] + 2, n = 0;
	struct bpage *ring = calloc(cap, sizeof(*ring));
	uint8_t *page = malloc((size_t)info->page_size);
	struct els_addrset seen = { 0 };
	if (!ring || !page) {
		err = &els_enomem;
		goto out;
	}
	uint64_t first = (v[2] & ~(uint64_t)RB_FLAG_MASK) - rl->list_off;
	uint64_t at = first;
	size_t head_i = SIZE_MAX, commit_i = SIZE_MAX, hint_i = SIZE_MAX;
	for (;;) {
		bool again;
		if (n == cap) {
			err = els_error_addr(ELS_ERR_INVALID, at,
					     "its page ring does not come back to 0x%" PRIx64 " within %" PRIu64 " pages",
					     first, v[1]);
			goto out;
		}
		if (!els_addrset_add(&seen, at, &again)) {
			err = &els_enomem;
			goto out;
		}
		if (again) {
			err = els_error_addr(ELS_ERR_INVALID, at,
					     "its page ring loops: the buffer_page at 0x%" PRIx64 " comes twice",
					     at);
			goto out;
		}
		if ((err = read_bpage(lx, rl, at, &ring[n])))
			goto out;
		if (at == commit)
			commit_i = n;
		if (at == head_hint)
			hint_i = n;
		uint64_t next = (ring[n].next_raw & ~(uint64_t)RB_FLAG_MASK) -
				rl->list_off;
		if (ring[n].next_raw & RB_FLAG_HEAD)
			head_i = n + 1;
		n++;
		if (next == first)
			break;
		at = next;
	}
	if (head_i == n)
		head_i = 0;
	if (head_i == SIZE_MAX)
		head_i = hint_i;
	/* The reader page: off the ring, unread from its read index. */
	struct bpage rp = { 0 };
	bool have_reader = reader && !els_addrset_has(&seen, reader);
	if (have_reader && (err = read_bpage(lx, rl, reader, &rp)))
		goto out;
	/* Pages to read: reader, then head .. commit on the ring. */
	for (size_t k = 0; k <= n && !*stopped; k++) {
		const struct bpage *b;
		if (k == 0) {
			if (!have_reader)
				continue;
			b = &rp;
		} else {
			if (reader == commit || head_i == SIZE_MAX ||
			    commit_i == SIZE_MAX)
				break;
			size_t i = (head_i + k - 1) % n;
			b = &ring[i];
			if (k > 1 && (head_i + k - 2) % n == commit_i)
				break;
		}
		if (!b->page)
			continue;
		if ((err = els_linux_read(lx, b->page, page,
					  (size_t)info->page_size)))
			goto out;
		c->pages_read++;
		struct els_ftrace_page_stats st = { 0 };
		/* data[] offsets: read counts from data's start. */
		size_t start = k == 0 ? (size_t)b->read : 0;
		struct els_error *perr = els_ftrace_parse_page(
			&info->layout, page, (size_t)info->page_size, start,
			c->cpu, fn, arg, &st, stopped);
		c->records += st.entries;
		if (perr) {
			els_error_destroy(perr);
			c->damaged_pages++;
		}
	}
	if (head_i == SIZE_MAX && reader != commit)
		err = els_error_create(ELS_ERR_INVALID,
				       "no head page on its ring of %zu pages",
				       n);
	else if (commit_i == SIZE_MAX && reader != commit)
		err = els_error_addr(ELS_ERR_INVALID, commit,
				     "its commit page 0x%" PRIx64 " is not on its ring",
				     commit);
out:
	els_addrset_clear(&seen);
	free(ring);
	free(page);
	return err;
}

struct first_last {
	els_ftrace_fn fn;
	void *arg;
	struct els_ftrace_cpu *c;
};

static int note_ts(const struct els_ftrace_record *r, void *arg)
{
	struct first_last *fl = arg;
	if (!fl->c->first_ts || r->ts < fl->c->first_ts)
		fl->c->first_ts = r->ts;
	if (r->ts > fl->c->last_ts)
		fl->c->last_ts = r->ts;
	return fl->fn(r, fl->arg);
}

struct els_error *els_linux_ftrace(struct els_linux *lx, els_ftrace_fn fn,
				   void *arg, struct els_ftrace_info *info)
{
	struct els_error *err;
	struct ring_layout rl;
	uint64_t gt, buf_off, tb, buffers_off, buffers;
	memset(info, 0, sizeof(*info));
	info->page_size = page_size_of(lx);
	if ((err = els_linux_ftrace_layout(lx, &info->layout)) ||
	    (err = ring_layout(lx, &rl)))
		return err;
	if (info->layout.switch_id < 0 && info->layout.wakeup_id < 0)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"sched_switch and sched_wakeup have no event id in this kernel (never enabled: boot with trace_event=sched:sched_switch,sched:sched_wakeup)");
	if ((err = els_linux_sym(lx, "global_trace", &gt)) ||
	    (err = els_linux_offset(lx, "trace_array", "array_buffer.buffer",
				    &buf_off)) ||
	    (err = els_linux_offset(lx, "trace_buffer", "buffers",
				    &buffers_off)))
		return err;
	if ((err = els_linux_read_u64(lx, gt + buf_off, &tb)))
		return els_error_wrap(err, "global_trace.array_buffer.buffer");
	if (!tb)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the global trace array has no ring buffer (tracing never set up)");
	if ((err = els_linux_read_u64(lx, tb + buffers_off, &buffers)))
		return els_error_wrap(err, "the trace_buffer at 0x%" PRIx64,
				      tb);
	unsigned ncpus = lx->nr_cpu_ids;
	if (!ncpus || ncpus > ELS_LINUX_MAX_CPUS)
		return els_error_create(ELS_ERR_INVALID, "%u CPUs", ncpus);
	uint64_t *per = calloc(ncpus, sizeof(*per));
	info->cpus = calloc(ncpus, sizeof(*info->cpus));
	if (!per || !info->cpus) {
		free(per);
		return &els_enomem;
	}
	if ((err = els_linux_read(lx, buffers, per, ncpus * sizeof(*per)))) {
		free(per);
		return els_error_wrap(err, "the per-CPU ring buffers of the trace_buffer at 0x%" PRIx64,
				      tb);
	}
	bool stopped = false;
	for (unsigned cpu = 0; cpu < ncpus && !stopped && !err; cpu++) {
		if (!per[cpu])
			continue;
		struct els_ftrace_cpu *c = &info->cpus[info->ncpus++];
		c->cpu = cpu;
		struct first_last fl = { fn, arg, c };
		if ((err = walk_cpu(lx, &rl, info, per[cpu], c, note_ts, &fl,
				    &stopped)))
			err = els_error_wrap(err,
					     "the ftrace ring of CPU %u (ring_buffer_per_cpu at 0x%" PRIx64 ")",
					     cpu, per[cpu]);
	}
	free(per);
	return err;
}

/* The conversion to the event model. */

static int by_ts(const void *a, const void *b)
{
	const struct els_ftrace_record *x = *(const struct els_ftrace_record *const *)a;
	const struct els_ftrace_record *y = *(const struct els_ftrace_record *const *)b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x < y ? -1 : x > y;
}

struct els_error *els_ftrace_to_events(const struct els_ftrace_record *r,
				       size_t n, int32_t vm, uint64_t end,
				       struct els_events *out)
{
	struct els_error *err = NULL;
	const struct els_ftrace_record **ord = n ? malloc(n * sizeof(*ord)) : NULL;
	if (n && !ord)
		return &els_enomem;
	struct els_sched_conv cv;
	els_sched_conv_init(&cv, out, vm);
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < n; i++) {
		ord[i] = &r[i];
		if (r[i].ts < t0)
			t0 = r[i].ts;
		if (r[i].ts > t1)
			t1 = r[i].ts;
	}
	if (end < t1)
		end = t1;
	/* Time order across CPUs, so waits end at the right switch-in. */
	if (n)
		qsort(ord, n, sizeof(*ord), by_ts);
	for (size_t i = 0; i < n && !err; i++) {
		const struct els_ftrace_record *x = ord[i];
		if (!els_sched_seen(&cv, x->cpu, x->ts))
			continue;
		if (x->kind == ELS_FTRACE_SWITCH) {
			err = els_sched_switch(&cv, x->ts, x->cpu, x->prev_pid,
					       els_events_intern(out, x->prev_comm),
					       (uint64_t)x->prev_state,
					       x->next_pid,
					       els_events_intern(out, x->next_comm));
		} else if (x->kind == ELS_FTRACE_WAKEUP ||
			   x->kind == ELS_FTRACE_WAKEUP_NEW) {
			unsigned tc = x->target_cpu >= 0 &&
					      x->target_cpu < ELS_SCHED_MAX_CPUS
					      ? (unsigned)x->target_cpu
					      : x->cpu;
			err = els_sched_wakeup(&cv, x->ts, tc, x->wpid,
					       els_events_intern(out, x->comm));
		}
	}
	if (!err)
		err = els_sched_finish(&cv, end);
	if (!err) {
		out->freq = 1000000000ull;
		out->t0 = n ? t0 : 0;
		out->t1 = n ? end : 0;
		snprintf(out->clock_note, sizeof(out->clock_note),
			 "ns of the kernel's trace clock (local: sched_clock), not the counter");
	}
	els_sched_conv_deinit(&cv);
	free(ord);
	return err;
}
