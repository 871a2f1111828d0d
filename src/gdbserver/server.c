/* SPDX-License-Identifier: MIT */
/*
 * The server's side of the GDB remote protocol: acks, one request at a
 * time, all-stop. While the machine runs, the socket and the backend are
 * polled in turn in short slices, so a Ctrl-C from gdb (0x03) or from the
 * user is seen within ~50 ms.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/strbuf.h"
#include "gdbserver/request.h"
#include "gdbserver/server.h"
#include "target/rsp_packet.h"

struct els_gdbserver_session {
	const struct els_gdbserver_ops *ops;
	void *arg;
	int64_t g_thread; /* Hg: registers and memory of this thread */
	int64_t c_thread; /* Hc: (kept for gdbs that still send it) */
	struct els_gdb_thread *threads; /* qfThreadInfo's snapshot */
	size_t nthreads, next_thread;
	struct els_gdb_stop last;
	bool has_last;
	bool no_ack;
	struct els_strbuf out;
	struct els_gdb_req req;
};

/* What gdb needs to know of the registers: the AArch64 core feature. */
static const char target_xml_head[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>aarch64</architecture>\n"
	"<feature name=\"org.gnu.gdb.aarch64.core\">\n";

static bool target_xml(struct els_strbuf *sb)
{
	bool ok = els_strbuf_adds(sb, target_xml_head);
	for (int i = 0; i < 31 && ok; i++)
		ok = els_strbuf_printf(sb,
				       "<reg name=\"x%d\" bitsize=\"64\" regnum=\"%d\"/>\n",
				       i, i);
	return ok &&
	       els_strbuf_adds(sb,
			       "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"31\"/>\n"
			       "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n"
			       "<reg name=\"cpsr\" bitsize=\"32\" regnum=\"33\"/>\n"
			       "</feature>\n</target>\n");
}

/* XML text is escaped: comm is the target's, and may hold '<' or '&'. */
static bool xml_text(struct els_strbuf *sb, const char *s)
{
	bool ok = true;
	for (; *s && ok; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			ok = els_strbuf_adds(sb, "&lt;");
		else if (c == '>')
			ok = els_strbuf_adds(sb, "&gt;");
		else if (c == '&')
			ok = els_strbuf_adds(sb, "&amp;");
		else if (c == '"')
			ok = els_strbuf_adds(sb, "&quot;");
		else if (c < 0x20 || c >= 0x7f)
			ok = els_strbuf_printf(sb, "&#%u;", c);
		else
			ok = els_strbuf_addc(sb, (char)c);
	}
	return ok;
}

static struct els_error *thread_list(struct els_gdbserver_session *s)
{
	free(s->threads);
	s->threads = NULL;
	s->nthreads = s->next_thread = 0;
	return s->ops->threads(s->arg, &s->threads, &s->nthreads);
}

static bool threads_xml(struct els_gdbserver_session *s, struct els_strbuf *sb)
{
	bool ok = els_strbuf_adds(sb, "<?xml version=\"1.0\"?>\n<threads>\n");
	for (size_t i = 0; i < s->nthreads && ok; i++) {
		const struct els_gdb_thread *th = &s->threads[i];
		ok = els_strbuf_printf(sb, "<thread id=\"%" PRIx64 "\"",
				       (uint64_t)th->id);
		if (ok && th->core >= 0)
			ok = els_strbuf_printf(sb, " core=\"%d\"", th->core);
		ok = ok && els_strbuf_adds(sb, " name=\"") &&
		     xml_text(sb, th->name) && els_strbuf_adds(sb, "\">") &&
		     xml_text(sb, th->extra) &&
		     els_strbuf_adds(sb, "</thread>\n");
	}
	return ok && els_strbuf_adds(sb, "</threads>\n");
}

/* qXfer read of a document made whole: the [offset, offset+len) part. */
static bool xfer_reply(struct els_strbuf *out, const struct els_strbuf *doc,
		       uint64_t off, uint64_t len)
{
	if (off >= doc->len)
		return els_strbuf_adds(out, "l");
	size_t n = doc->len - (size_t)off;
	bool last = n <= len;
	if (!last)
		n = (size_t)len;
	return els_strbuf_addc(out, last ? 'l' : 'm') &&
	       els_strbuf_add(out, doc->buf + off, n);
}

char *els_gdbserver_stop_reply(struct els_gdbserver_session *s,
			       const struct els_gdb_stop *stop)
{
	struct els_strbuf sb = { 0 };
	s->last = *stop;
	s->has_last = true;
	/* gdb's next g and m are of the thread that stopped. */
	if (stop->thread > 0)
		s->g_thread = stop->thread;
	static const char *const watch_key[] = { "", "", "watch", "rwatch",
						 "awatch" };
	bool ok = els_strbuf_printf(&sb, "T%02x", stop->signal & 0xff);
	if (ok && stop->watch >= 2 && stop->watch <= 4)
		ok = els_strbuf_printf(&sb, "%s:%" PRIx64 ";",
				       watch_key[stop->watch], stop->watch_addr);
	if (ok && stop->thread > 0)
		ok = els_strbuf_printf(&sb, "thread:%" PRIx64 ";",
				       (uint64_t)stop->thread);
	if (!ok) {
		els_strbuf_deinit(&sb);
		return NULL;
	}
	return els_strbuf_steal(&sb);
}

struct els_gdbserver_session *
els_gdbserver_session_create(const struct els_gdbserver_ops *ops, void *arg)
{
	struct els_gdbserver_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ops = ops;
	s->arg = arg;
	return s;
}

void els_gdbserver_session_destroy(struct els_gdbserver_session *s)
{
	if (!s)
		return;
	free(s->threads);
	els_strbuf_deinit(&s->out);
	free(s);
}

static void log_msg(struct els_gdbserver_session *s, const char *what,
		    const struct els_error *err)
{
	if (!s->ops->log)
		return;
	char line[300];
	snprintf(line, sizeof(line), "%s: %s", what, err->message);
	s->ops->log(s->arg, line);
}

/* "E01" for an error the backend gave, logged once. */
static bool error_reply(struct els_gdbserver_session *s, const char *what,
			struct els_error *err)
{
	log_msg(s, what, err);
	els_error_destroy(err);
	return els_strbuf_adds(&s->out, "E01");
}

/* The thread a g, p or m is about: Hg's, else the last stop's. */
static int64_t reg_thread(const struct els_gdbserver_session *s)
{
	if (s->g_thread > 0)
		return s->g_thread;
	return s->has_last ? s->last.thread : 0;
}

static bool regs_reply(struct els_gdbserver_session *s, int only)
{
	uint64_t regs[ELS_GDB_NREGS] = { 0 };
	bool valid[ELS_GDB_NREGS] = { 0 };
	struct els_error *err = s->ops->read_regs(s->arg, reg_thread(s), regs,
						  valid);
	if (err)
		return error_reply(s, "registers", err);
	bool ok = true;
	for (int i = 0; i < ELS_GDB_NREGS && ok; i++) {
		if (only >= 0 && i != only)
			continue;
		size_t bytes = i == ELS_GDB_REG_CPSR ? 4 : 8;
		char hex[17];
		if (valid[i]) {
			uint8_t le[8];
			for (size_t k = 0; k < 8; k++)
				le[k] = (uint8_t)(regs[i] >> (8 * k));
			els_hex_encode(le, bytes, hex);
		} else {
			memset(hex, 'x', 2 * bytes);
			hex[2 * bytes] = '\0';
		}
		ok = els_strbuf_adds(&s->out, hex);
	}
	return ok;
}

static bool mem_reply(struct els_gdbserver_session *s)
{
	uint8_t buf[ELS_GDB_MAX_MEM];
	size_t len = (size_t)s->req.len;
	struct els_error *err = len ? s->ops->read_mem(s->arg, reg_thread(s),
						       s->req.addr, buf, len)
				    : NULL;
	if (err) {
		/* gdb probes memory that is not there: no log line for it. */
		bool unmapped = err->code == ELS_ERR_NOT_MAPPED;
		if (unmapped) {
			els_error_destroy(err);
			return els_strbuf_adds(&s->out, "E14");
		}
		return error_reply(s, "memory", err);
	}
	char hex[2 * ELS_GDB_MAX_MEM + 1];
	els_hex_encode(buf, len, hex);
	return els_strbuf_add(&s->out, hex, 2 * len);
}

static bool thread_info_reply(struct els_gdbserver_session *s, bool first)
{
	if (first) {
		struct els_error *err = thread_list(s);
		if (err)
			return error_reply(s, "threads", err);
	}
	if (s->next_thread >= s->nthreads)
		return els_strbuf_adds(&s->out, "l");
	bool ok = els_strbuf_addc(&s->out, 'm');
	/* A few hundred ids a reply keep it well under PacketSize. */
	for (size_t n = 0; s->next_thread < s->nthreads && n < 200 && ok; n++)
		ok = els_strbuf_printf(&s->out, "%s%" PRIx64, n ? "," : "",
				       (uint64_t)s->threads[s->next_thread++].id);
	return ok;
}

static const struct els_gdb_thread *find_thread(struct els_gdbserver_session *s,
						int64_t id)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		if (s->threads[i].id == id)
			return &s->threads[i];
	}
	return NULL;
}

/* Z/z: gdb's breakpoints and watchpoints into the backend. */
static bool bp_reply(struct els_gdbserver_session *s, bool insert)
{
	const struct els_gdb_req *r = &s->req;
	struct els_error *err =
		insert ? s->ops->insert_bp(s->arg, r->bp_type, r->addr, r->len)
		       : s->ops->remove_bp(s->arg, r->bp_type, r->addr, r->len);
	if (err && err->code == ELS_ERR_UNSUPPORTED) {
		/* The empty reply: gdb falls back (writes BRK itself, or says so). */
		log_msg(s, insert ? "Z" : "z", err);
		els_error_destroy(err);
		return true;
	}
	if (err)
		return error_reply(s, insert ? "breakpoint" : "removing a breakpoint",
				   err);
	return els_strbuf_adds(&s->out, "OK");
}

/* vCont / c / s: resume, or step one thread. */
static bool resume(struct els_gdbserver_session *s, bool *resumed)
{
	const struct els_gdb_req *r = &s->req;
	int64_t step = 0;
	if (r->has_addr)
		return els_strbuf_adds(&s->out, "E01"); /* resume elsewhere: no */
	if (r->kind == ELS_GDB_STEP) {
		step = reg_thread(s);
		if (step <= 0)
			return els_strbuf_adds(&s->out, "E01");
	} else if (r->kind == ELS_GDB_VCONT) {
		/* gdb: "vCont;s:T;c" steps T and leaves the others stopped. */
		for (size_t i = 0; i < r->nvcont; i++) {
			if (r->vcont[i].action != 's')
				continue;
			step = r->vcont[i].thread;
			if (step <= 0)
				step = reg_thread(s);
			break;
		}
	}
	struct els_error *err = s->ops->resume(s->arg, step);
	if (err)
		return error_reply(s, step ? "step" : "resume", err);
	*resumed = true;
	return true;
}

struct els_error *els_gdbserver_handle(struct els_gdbserver_session *s,
				       const char *pkt, size_t len,
				       char **reply, size_t *reply_len,
				       bool *resumed, bool *leave)
{
	struct els_gdb_req *r = &s->req;
	*resumed = *leave = false;
	els_strbuf_reset(&s->out);
	bool ok = els_strbuf_add(&s->out, "", 0);
	struct els_error *err = els_gdb_req_decode(pkt, len, r);
	if (err) {
		ok = error_reply(s, "request", err);
		goto done;
	}
	switch (r->kind) {
	case ELS_GDB_UNKNOWN:
		break;
	case ELS_GDB_SUPPORTED:
		ok = els_strbuf_printf(&s->out,
				       "PacketSize=%x;qXfer:features:read+;qXfer:threads:read+;QStartNoAckMode+;vContSupported+%s",
				       2 * ELS_GDB_MAX_MEM + 64,
				       s->ops->auxv ? ";qXfer:auxv:read+" : "");
		break;
	case ELS_GDB_NO_ACK:
		s->no_ack = true;
		ok = els_strbuf_adds(&s->out, "OK");
		break;
	case ELS_GDB_STOP_REASON: {
		if (!s->has_last) {
			struct els_gdb_stop stop;
			if ((err = s->ops->halt(s->arg, &stop))) {
				ok = error_reply(s, "halt", err);
				break;
			}
			s->last = stop;
			s->has_last = true;
		}
		char *stop = els_gdbserver_stop_reply(s, &s->last);
		ok = stop && els_strbuf_adds(&s->out, stop);
		free(stop);
		break;
	}
	case ELS_GDB_READ_REGS:
		ok = regs_reply(s, -1);
		break;
	case ELS_GDB_READ_REG:
		if (r->regno >= ELS_GDB_NREGS)
			ok = els_strbuf_adds(&s->out, "E45");
		else
			ok = regs_reply(s, (int)r->regno);
		break;
	case ELS_GDB_WRITE_REGS:
	case ELS_GDB_WRITE_REG:
		/* Registers of a machine's context stay as they are. */
		ok = els_strbuf_adds(&s->out, "E.writing registers is not supported by elscope's server");
		break;
	case ELS_GDB_READ_MEM:
		ok = mem_reply(s);
		break;
	case ELS_GDB_WRITE_MEM:
		err = r->data_len ? s->ops->write_mem(s->arg, reg_thread(s),
						      r->addr, r->data,
						      r->data_len)
				  : NULL;
		ok = err ? error_reply(s, "writing memory", err)
			 : els_strbuf_adds(&s->out, "OK");
		break;
	case ELS_GDB_SET_THREAD:
		if (r->thread > 0 && !find_thread(s, r->thread) &&
		    !(err = thread_list(s)) && !find_thread(s, r->thread)) {
			ok = els_strbuf_adds(&s->out, "E02");
			break;
		}
		if (err) {
			ok = error_reply(s, "threads", err);
			break;
		}
		if (r->op == 'g')
			s->g_thread = r->thread;
		else
			s->c_thread = r->thread;
		ok = els_strbuf_adds(&s->out, "OK");
		break;
	case ELS_GDB_THREAD_ALIVE:
		if (!find_thread(s, r->thread) && (err = thread_list(s))) {
			ok = error_reply(s, "threads", err);
			break;
		}
		ok = els_strbuf_adds(&s->out,
				     find_thread(s, r->thread) ? "OK" : "E01");
		break;
	case ELS_GDB_THREAD_FIRST:
	case ELS_GDB_THREAD_NEXT:
		ok = thread_info_reply(s, r->kind == ELS_GDB_THREAD_FIRST);
		break;
	case ELS_GDB_CURRENT_THREAD:
		if (reg_thread(s) > 0)
			ok = els_strbuf_printf(&s->out, "QC%" PRIx64,
					       (uint64_t)reg_thread(s));
		break;
	case ELS_GDB_THREAD_EXTRA: {
		const struct els_gdb_thread *th = find_thread(s, r->thread);
		if (!th) {
			ok = els_strbuf_adds(&s->out, "E01");
			break;
		}
		char hex[2 * sizeof(th->extra) + 1];
		els_hex_encode((const uint8_t *)th->extra, strlen(th->extra),
			       hex);
		ok = els_strbuf_adds(&s->out, hex);
		break;
	}
	case ELS_GDB_XFER_READ: {
		struct els_strbuf doc = { 0 };
		bool known = true;
		if (!strcmp(r->object, "features") &&
		    !strcmp(r->annex, "target.xml")) {
			ok = target_xml(&doc);
		} else if (!strcmp(r->object, "threads") && !r->annex[0]) {
			/* A new list at the start of each read. */
			if (!r->addr && (err = thread_list(s))) {
				els_strbuf_deinit(&doc);
				ok = error_reply(s, "threads", err);
				break;
			}
			ok = threads_xml(s, &doc);
		} else if (!strcmp(r->object, "auxv") && !r->annex[0] &&
			   s->ops->auxv) {
			uint8_t *a = NULL;
			size_t alen = 0;
			if ((err = s->ops->auxv(s->arg, &a, &alen))) {
				els_strbuf_deinit(&doc);
				ok = error_reply(s, "auxv", err);
				break;
			}
			ok = els_strbuf_add(&doc, a, alen);
			free(a);
		} else {
			known = false;
		}
		if (known)
			ok = ok && xfer_reply(&s->out, &doc, r->addr, r->len);
		else
			ok = els_strbuf_adds(&s->out, "E00");
		els_strbuf_deinit(&doc);
		break;
	}
	case ELS_GDB_ATTACHED:
		/* Attached to something that was there: detach, never kill. */
		ok = els_strbuf_adds(&s->out, "1");
		break;
	case ELS_GDB_SYMBOL:
		ok = els_strbuf_adds(&s->out, "OK");
		break;
	case ELS_GDB_VCONT_QUERY:
		ok = els_strbuf_adds(&s->out, "vCont;c;C;s;S");
		break;
	case ELS_GDB_CONT:
	case ELS_GDB_STEP:
	case ELS_GDB_VCONT:
		ok = resume(s, resumed);
		break;
	case ELS_GDB_INSERT_BP:
	case ELS_GDB_REMOVE_BP:
		ok = bp_reply(s, r->kind == ELS_GDB_INSERT_BP);
		break;
	case ELS_GDB_DETACH:
		ok = els_strbuf_adds(&s->out, "OK");
		*leave = true;
		break;
	case ELS_GDB_KILL:
		/* Never kill a machine: gdb's kill is a detach here. */
		ok = els_strbuf_adds(&s->out, "OK");
		*leave = true;
		break;
	}
done:
	if (!ok)
		return &els_enomem;
	*reply = s->out.buf;
	*reply_len = s->out.len;
	return NULL;
}

/* ---- the connection ---- */

struct conn {
	int fd;
	struct els_rsp_decoder dec;
	struct els_strbuf unpacked, framed;
	uint8_t buf[8192];
	size_t pos, len;
	struct els_gdbserver_stats *stats;
	bool no_ack;
};

static struct els_error *send_all(struct conn *c, const void *p, size_t n)
{
	const char *q = p;
	while (n) {
		ssize_t k = send(c->fd, q, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return els_error_create(ELS_ERR_CLOSED,
						"gdb's connection: %s",
						k < 0 ? strerror(errno) : "closed");
		c->stats->bytes_out += (uint64_t)k;
		q += k;
		n -= (size_t)k;
	}
	return NULL;
}

static struct els_error *send_packet(struct conn *c, const char *payload,
				     size_t len)
{
	if (!els_rsp_frame(payload, len, &c->framed))
		return &els_enomem;
	return send_all(c, c->framed.buf, c->framed.len);
}

enum got { GOT_NOTHING, GOT_PACKET, GOT_INTERRUPT, GOT_EOF };

/* Whatever arrives within timeout_ms: one packet, a 0x03, or the end. */
static struct els_error *receive(struct conn *c, int timeout_ms, enum got *got)
{
	*got = GOT_NOTHING;
	for (;;) {
		while (c->pos < c->len) {
			size_t used;
			enum els_rsp_event e = els_rsp_decoder_feed_buf(
				&c->dec, c->buf + c->pos, c->len - c->pos, &used);
			c->pos += used;
			switch (e) {
			case ELS_RSP_MORE:
			case ELS_RSP_ACK:
			case ELS_RSP_NOTIFICATION:
				break;
			case ELS_RSP_NAK:
				/* Send the last packet again. */
				if (c->framed.len) {
					struct els_error *err = send_all(
						c, c->framed.buf, c->framed.len);
					if (err)
						return err;
				}
				break;
			case ELS_RSP_INTERRUPT:
				*got = GOT_INTERRUPT;
				return NULL;
			case ELS_RSP_BAD_CHECKSUM:
			case ELS_RSP_TOO_LONG:
				c->stats->bad_packets++;
				els_rsp_decoder_reset(&c->dec);
				if (!c->no_ack) {
					struct els_error *err = send_all(c, "-", 1);
					if (err)
						return err;
				}
				break;
			case ELS_RSP_PACKET: {
				c->stats->packets++;
				struct els_error *err = NULL;
				if (!c->no_ack && (err = send_all(c, "+", 1)))
					return err;
				err = els_rsp_unpack(c->dec.raw.buf, c->dec.raw.len,
						     &c->unpacked);
				els_rsp_decoder_reset(&c->dec);
				if (err) {
					/*
					 * Malformed inside (a bad escape or
					 * repeat): no request, the empty reply.
					 */
					els_error_destroy(err);
					c->stats->bad_packets++;
					els_strbuf_reset(&c->unpacked);
					els_strbuf_add(&c->unpacked, "", 0);
				}
				*got = GOT_PACKET;
				return NULL;
			}
			}
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int k = poll(&p, 1, timeout_ms);
		if (k < 0 && errno == EINTR)
			return NULL;
		if (k < 0)
			return els_error_create(ELS_ERR_IO, "poll: %s",
						strerror(errno));
		if (!k)
			return NULL;
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n < 0 && errno == EINTR)
			return NULL;
		if (n <= 0) {
			*got = GOT_EOF;
			return NULL;
		}
		c->stats->bytes_in += (uint64_t)n;
		c->pos = 0;
		c->len = (size_t)n;
		timeout_ms = 0;
	}
}

static struct els_error *serve(struct conn *c, struct els_gdbserver_session *s,
			       volatile int *stop)
{
	bool running = false;
	while (!*stop) {
		enum got got = GOT_NOTHING;
		struct els_gdb_stop st;
		bool stopped = false;
		struct els_error *err = NULL;
		/* Running: the target first (a step is done at once). */
		if (running && (err = s->ops->wait(s->arg, 0, &stopped, &st)))
			return err;
		if (!stopped && (err = receive(c, running ? 50 : 200, &got)))
			return err;
		if (got == GOT_EOF)
			return NULL;
		if (running) {
			if (got == GOT_INTERRUPT) {
				if ((err = s->ops->halt(s->arg, &st)))
					return err;
				st.signal = 2;
				stopped = true;
			}
			if (stopped) {
				running = false;
				char *reply = els_gdbserver_stop_reply(s, &st);
				if (!reply)
					return &els_enomem;
				err = send_packet(c, reply, strlen(reply));
				free(reply);
				if (err)
					return err;
			}
			/* A request while running (not all-stop): ignored. */
			continue;
		}
		if (got != GOT_PACKET)
			continue;
		char *reply;
		size_t reply_len;
		bool resumed, leave;
		if ((err = els_gdbserver_handle(s, c->unpacked.buf,
						c->unpacked.len, &reply,
						&reply_len, &resumed, &leave)))
			return err;
		if (resumed) {
			running = true;
			s->has_last = false;
			continue;
		}
		if ((err = send_packet(c, reply, reply_len)))
			return err;
		/* The ack of QStartNoAckMode's OK is the last one. */
		c->no_ack = s->no_ack;
		if (leave)
			return NULL;
	}
	return NULL;
}

struct els_error *els_gdbserver_serve(int fd,
				      const struct els_gdbserver_ops *ops,
				      void *arg, volatile int *stop,
				      struct els_gdbserver_stats *stats)
{
	struct els_gdbserver_stats dummy;
	struct conn c = { .fd = fd, .stats = stats ? stats : &dummy };
	memset(c.stats, 0, sizeof(*c.stats));
	els_rsp_decoder_reset(&c.dec);
	struct els_gdbserver_session *s = els_gdbserver_session_create(ops, arg);
	struct els_error *err = s ? serve(&c, s, stop) : &els_enomem;
	ops->detach(arg);
	els_gdbserver_session_destroy(s);
	els_rsp_decoder_deinit(&c.dec);
	els_strbuf_deinit(&c.unpacked);
	els_strbuf_deinit(&c.framed);
	return err;
}

struct els_error *els_gdbserver_listen(const char *hostport, int *fd_ret,
				       int *port_ret, bool *loopback_ret)
{
	const char *colon = strrchr(hostport, ':');
	if (!colon || colon == hostport || !colon[1])
		return els_error_create(ELS_ERR_USAGE,
					"--listen '%s': not HOST:PORT", hostport);
	char host[256];
	size_t hl = (size_t)(colon - hostport);
	if (hl >= sizeof(host))
		return els_error_create(ELS_ERR_USAGE, "--listen: host too long");
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	int rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc)
		return els_error_create(ELS_ERR_USAGE, "--listen '%s': %s",
					hostport, gai_strerror(rc));
	struct els_error *err = NULL;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1)) {
		err = els_error_create(ELS_ERR_IO, "listening on %s: %s",
				       hostport, strerror(errno));
		goto out;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		err = els_error_create(ELS_ERR_IO, "getsockname: %s",
				       strerror(errno));
		goto out;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		*port_ret = ntohs(in->sin_port);
		*loopback_ret = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		*port_ret = ntohs(in6->sin6_port);
		*loopback_ret = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	*fd_ret = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
}
