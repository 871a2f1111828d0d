/* SPDX-License-Identifier: MIT */
/*
 * xentrace files: windows of per-CPU t_rec records -> per-CPU record
 * streams -> merged by time -> runstate changes -> RUN, WAIT, WAKE spans
 * and LOST instants.
 *
 * Records are parsed and converted by Xen's trace code (src/hv/xen/trace.h,
 * shared with the live trace buffers); this file is the file layer:
 * windows, CPUs, bounds, the merge of the CPUs' streams.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/reader.h"
#include "hv/xen/trace.h"
#include "view/xentrace_file.h"

/*
 * A record kept for conversion: where it is in the file and its time (the
 * stream's last cycle count when it carries none). Only records of the
 * classes the scheduler conversion reads (TRC_GEN, TRC_SCHED) are kept.
 */
struct xref {
	uint64_t tsc;
	uint64_t off;   /* of the record in the file */
	uint32_t len;   /* bytes from off to the end of its window */
	uint32_t seq;   /* order in its CPU's stream */
};

struct cpu_stream {
	struct xref *r;
	size_t n, cap;
	uint64_t last_tsc;  /* carried from window to window */
	bool have_tsc;
	bool sorted;
	uint32_t seq;
};

struct reader {
	const char *name;
	const uint8_t *buf;
	struct cpu_stream *cpus; /* indexed by CPU */
	unsigned ncpus;          /* allocated entries */
	uint64_t nrecords;
};

static void reader_deinit(struct reader *rd)
{
	for (unsigned i = 0; i < rd->ncpus; i++)
		free(rd->cpus[i].r);
	free(rd->cpus);
}

static struct cpu_stream *reader_cpu(struct reader *rd, unsigned cpu)
{
	if (cpu >= rd->ncpus) {
		unsigned n = cpu + 1;
		struct cpu_stream *c = realloc(rd->cpus, n * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + rd->ncpus, 0, (n - rd->ncpus) * sizeof(*c));
		for (unsigned i = rd->ncpus; i < n; i++)
			c[i].sorted = true;
		rd->cpus = c;
		rd->ncpus = n;
	}
	return &rd->cpus[cpu];
}

static bool wanted(uint32_t event)
{
	uint32_t cls = event >> 16;
	return cls == (ELS_TRC_GEN >> 16) || cls == (ELS_TRC_SCHED >> 16);
}

/*
 * One CPU's window of raw records (Xen's parser, src/hv/xen/trace.h). A
 * record that runs past the window's end is an error: xentrace writes
 * whole records only.
 */
static struct els_error *parse_window(struct reader *rd, unsigned cpu,
				      uint64_t file_off, size_t len)
{
	struct cpu_stream *cs = reader_cpu(rd, cpu);
	if (!cs)
		return &els_enomem;
	struct els_xentrace_parser p;
	struct els_xentrace_rec rec;
	enum els_xentrace_status st;
	els_xentrace_parser_init(&p, rd->buf + file_off, len, cpu);
	p.last_tsc = cs->last_tsc;
	p.have_tsc = cs->have_tsc;
	while ((st = els_xentrace_next(&p, &rec)) == ELS_XENTRACE_REC) {
		rd->nrecords++;
		uint64_t roff = p.off - rec.size;
		if (!wanted(rec.event) || !p.have_tsc)
			continue;
		if (cs->n == cs->cap) {
			size_t cap = cs->cap ? cs->cap * 2 : 1024;
			struct xref *r = realloc(cs->r, cap * sizeof(*r));
			if (!r)
				return &els_enomem;
			cs->r = r;
			cs->cap = cap;
		}
		struct xref *x = &cs->r[cs->n];
		x->tsc = rec.tsc;
		x->off = file_off + roff;
		x->len = (uint32_t)(len - roff);
		x->seq = cs->seq++;
		if (cs->n && x->tsc < cs->r[cs->n - 1].tsc)
			cs->sorted = false;
		cs->n++;
	}
	cs->last_tsc = p.last_tsc;
	cs->have_tsc = p.have_tsc;
	if (st == ELS_XENTRACE_TRUNCATED) {
		uint32_t hdr = len - p.off >= 4 ? els_le32(p.buf + p.off) : 0;
		size_t need = 4 + ((hdr >> 31) ? 8 : 0) +
			      4 * (size_t)((hdr >> 28) & 7);
		return els_error_create(ELS_ERR_INVALID,
			"%s: record at offset %llu (cpu %u): needs %zu bytes, %zu left in its window: truncated",
			rd->name, (unsigned long long)(file_off + p.off), cpu,
			len - p.off >= 4 ? need : (size_t)4, len - p.off);
	}
	return NULL;
}

static int cmp_xref(const void *a, const void *b)
{
	const struct xref *x = a, *y = b;
	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Merge the CPUs' streams by time and feed Xen's scheduler conversion. */
static struct els_error *merge_convert(struct reader *rd,
				       struct els_events *out)
{
	uint64_t t0 = UINT64_MAX;
	unsigned *act = calloc(rd->ncpus ? rd->ncpus : 1, sizeof(*act));
	size_t *pos = calloc(rd->ncpus ? rd->ncpus : 1, sizeof(*pos));
	unsigned nact = 0;
	if (!act || !pos) {
		free(act);
		free(pos);
		return &els_enomem;
	}
	/* The CPUs with records: a handful, so a linear pick of the next. */
	for (unsigned i = 0; i < rd->ncpus; i++) {
		struct cpu_stream *cs = &rd->cpus[i];
		if (!cs->n)
			continue;
		if (!cs->sorted)
			qsort(cs->r, cs->n, sizeof(*cs->r), cmp_xref);
		if (cs->r[0].tsc < t0)
			t0 = cs->r[0].tsc;
		act[nact++] = i;
	}
	struct els_error *err = NULL;
	struct els_xensched s;
	els_xensched_init(&s, out, t0 == UINT64_MAX ? 0 : t0);
	for (;;) {
		unsigned best = UINT32_MAX;
		uint64_t bt = 0;
		for (unsigned k = 0; k < nact; k++) {
			unsigned i = act[k];
			struct cpu_stream *cs = &rd->cpus[i];
			if (pos[i] < cs->n &&
			    (best == UINT32_MAX || cs->r[pos[i]].tsc < bt)) {
				best = i;
				bt = cs->r[pos[i]].tsc;
			}
		}
		if (best == UINT32_MAX)
			break;
		const struct xref *x = &rd->cpus[best].r[pos[best]++];
		struct els_xentrace_parser p;
		struct els_xentrace_rec rec;
		els_xentrace_parser_init(&p, rd->buf + x->off, x->len, best);
		if (els_xentrace_next(&p, &rec) != ELS_XENTRACE_REC)
			continue; /* parsed once already: cannot happen */
		rec.tsc = x->tsc;
		rec.seq = x->seq;
		err = els_xensched_feed(&s, &rec);
		if (err)
			break;
	}
	if (!err && t0 != UINT64_MAX)
		err = els_xensched_finish(&s, s.last_ts);
	els_xensched_deinit(&s);
	free(pos);
	free(act);
	return err;
}

struct els_error *els_xentrace_buf_read(const uint8_t *buf, size_t len,
					const char *name,
					struct els_events *out)
{
	struct reader rd = { .name = name ? name : "xentrace data",
			     .buf = buf };
	struct els_error *err = NULL;
	size_t off = 0;
	if (!out->freq) {
		out->freq = ELS_XENTRACE_DEFAULT_FREQ;
		snprintf(out->clock_note, sizeof(out->clock_note),
			 "xentrace cycles = generic timer counter; frequency not in the file: %u Hz assumed",
			 ELS_XENTRACE_DEFAULT_FREQ);
	} else {
		snprintf(out->clock_note, sizeof(out->clock_note),
			 "xentrace cycles = generic timer counter at %llu Hz (given)",
			 (unsigned long long)out->freq);
	}
	if (len == 0)
		return els_error_create(ELS_ERR_INVALID, "%s: empty file",
					rd.name);
	while (off < len && !err) {
		if (len - off < 12) {
			err = els_error_create(ELS_ERR_INVALID,
				"%s: window header at offset %zu: truncated (%zu bytes)",
				rd.name, off, len - off);
			break;
		}
		uint32_t hdr = els_le32(buf + off);
		uint32_t cpu = els_le32(buf + off + 4);
		uint32_t wsize = els_le32(buf + off + 8);
		if (hdr != ELS_XENTRACE_CPU_CHANGE_HDR) {
			err = els_error_create(ELS_ERR_INVALID,
				"%s: offset %zu: 0x%08x is not a CPU-change record (0x%08x): not a xentrace file, or a window's size is wrong",
				rd.name, off, hdr, ELS_XENTRACE_CPU_CHANGE_HDR);
			break;
		}
		if (cpu >= ELS_XENTRACE_FILE_MAX_CPUS) {
			err = els_error_create(ELS_ERR_INVALID,
				"%s: window at offset %zu: cpu %d out of range (0-%u)",
				rd.name, off, (int32_t)cpu,
				ELS_XENTRACE_FILE_MAX_CPUS - 1);
			break;
		}
		if (wsize > ELS_XENTRACE_MAX_WINDOW) {
			err = els_error_create(ELS_ERR_INVALID,
				"%s: window at offset %zu (cpu %u): size %u is absurd (a trace buffer is at most %u bytes)",
				rd.name, off, cpu, wsize,
				ELS_XENTRACE_MAX_WINDOW);
			break;
		}
		off += 12;
		if (wsize > len - off) {
			err = els_error_create(ELS_ERR_INVALID,
				"%s: window at offset %zu (cpu %u): %u bytes, only %zu in the file: truncated",
				rd.name, off - 12, cpu, wsize, len - off);
			break;
		}
		err = parse_window(&rd, cpu, off, wsize);
		off += wsize;
	}
	/* What was read before an error is kept: convert it. */
	struct els_error *cerr = merge_convert(&rd, out);
	reader_deinit(&rd);
	if (err) {
		els_error_destroy(cerr);
		return err;
	}
	return cerr;
}

struct els_error *els_xentrace_file_read(const char *path,
					 struct els_events *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return els_error_errno(errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return els_error_errno(e, "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return els_error_create(ELS_ERR_INVALID,
					"%s: not a regular file", path);
	}
	size_t len = (size_t)st.st_size;
	if (len == 0) {
		close(fd);
		return els_error_create(ELS_ERR_INVALID, "%s: empty file",
					path);
	}
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return els_error_errno(errno, "%s: mmap", path);
	madvise(map, len, MADV_SEQUENTIAL);
	struct els_error *err = els_xentrace_buf_read(map, len, path, out);
	munmap(map, len);
	return err;
}

struct els_error *els_xentrace_write_window(FILE *f, unsigned cpu,
					    const void *recs, size_t len)
{
	if (cpu >= ELS_XENTRACE_FILE_MAX_CPUS || len > ELS_XENTRACE_MAX_WINDOW)
		return els_error_create(ELS_ERR_INVALID,
			"xentrace window: cpu %u or size %zu out of range",
			cpu, len);
	uint32_t h[3] = { ELS_XENTRACE_CPU_CHANGE_HDR, cpu, (uint32_t)len };
	uint8_t b[12];
	for (int i = 0; i < 3; i++) {
		b[4 * i] = (uint8_t)h[i];
		b[4 * i + 1] = (uint8_t)(h[i] >> 8);
		b[4 * i + 2] = (uint8_t)(h[i] >> 16);
		b[4 * i + 3] = (uint8_t)(h[i] >> 24);
	}
	if (fwrite(b, 1, sizeof(b), f) != sizeof(b) ||
	    (len && fwrite(recs, 1, len, f) != len))
		return els_error_errno(errno, "writing a xentrace window");
	return NULL;
}
