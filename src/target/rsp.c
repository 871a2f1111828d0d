/* SPDX-License-Identifier: MIT */
/*
 * GDB remote serial protocol client: QEMU's gdbstub, OpenOCD, probe GDB
 * servers. All-stop mode; CPUs are the stub's threads.
 *
 * Every wait is bounded by the timeout given at open. A connection that
 * timed out, closed or broke the protocol is marked lost: later calls fail
 * at once with the same kind of error instead of waiting again.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "core/time.h"
#include "core/hex.h"
#include "core/log.h"
#include "target/rsp_packet.h"
#include "target/tdesc.h"
#include "target/target.h"

#define MAX_THREADS 4096
/* Stubs that do not say PacketSize get what gdb assumes. */
#define DEFAULT_PACKET_SIZE 400

struct rsp {
	struct els_target t; /* first: container_of by cast */
	int fd;
	int timeout_ms;
	char *hostport;
	struct els_rsp_features feat;
	size_t packet_size;
	bool qemu;             /* qqemu.Supported answered */
	bool has_phymem;       /* Qqemu.PhyMemMode offered */
	int phymem_mode;       /* -1 unknown, 0 virtual, 1 physical */
	bool g_thread_valid;
	uint64_t g_thread;     /* thread selected with Hg */
	bool lost;             /* connection unusable */
	enum els_error_code lost_code;
	bool have_p;           /* 'p' works (or not known to fail) */
	bool g_tried[64];      /* 'g' read since the last stop, per CPU */
	/*
	 * The stub writes thread ids as pPID.TID: QEMU keeps that form from
	 * an earlier client's multiprocess+ even when we do not ask for it,
	 * and then wants it back (Hg, vCont, and 'D;PID').
	 */
	bool multiprocess;
	uint64_t pid;
	/* Requests sent after the one whose reply is awaited (long reads). */
	size_t in_flight;
	char *arch;
	struct els_rsp_decoder dec;
	struct els_strbuf out;   /* framed packet to send */
	struct els_strbuf reply; /* decoded reply */
	uint8_t rbuf[16384];
	size_t rpos, rlen;
};

static struct rsp *to_rsp(struct els_target *t)
{
	return (struct rsp *)t;
}

static struct els_error *lost_error(struct rsp *r)
{
	return els_error_create(r->lost_code,
				"the connection to the stub at %s was lost earlier",
				r->hostport);
}

static struct els_error *mark_lost(struct rsp *r, struct els_error *err)
{
	if (err && (err->code == ELS_ERR_TIMEOUT ||
		    err->code == ELS_ERR_CLOSED ||
		    err->code == ELS_ERR_PROTOCOL || err->code == ELS_ERR_IO)) {
		r->lost = true;
		r->lost_code = err->code;
	}
	return err;
}

static struct els_error *send_all(struct rsp *r, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int64_t deadline = els_now_ms() + r->timeout_ms;
	while (len) {
		ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			r->t.stats.bytes_out += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int left = (int)(deadline - els_now_ms());
			if (left <= 0)
				return els_error_create(ELS_ERR_TIMEOUT,
							"the stub at %s accepts no data (%d ms)",
							r->hostport,
							r->timeout_ms);
			struct pollfd pfd = { .fd = r->fd, .events = POLLOUT };
			poll(&pfd, 1, left);
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return els_error_create(ELS_ERR_CLOSED,
						"connection closed by the stub at %s",
						r->hostport);
		return els_error_errno(errno, "sending to %s", r->hostport);
	}
	return NULL;
}

/*
 * Next byte from the stub, waiting until deadline (absolute, ms). A deadline
 * of 0 means: only what is already there (returns ELS_ERR_TIMEOUT if none).
 */
static struct els_error *get_byte(struct rsp *r, int64_t deadline,
				  uint8_t *ret)
{
	while (r->rpos == r->rlen) {
		int left = deadline ? (int)(deadline - els_now_ms()) : 0;
		if (left < 0)
			left = 0;
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue; /* Ctrl-C is looked at between packets */
		if (pr < 0)
			return els_error_errno(errno, "waiting for %s",
					       r->hostport);
		if (pr == 0)
			return els_error_create(ELS_ERR_TIMEOUT,
						"no reply from the stub at %s within %d ms",
						r->hostport, r->timeout_ms);
		ssize_t n = recv(r->fd, r->rbuf, sizeof(r->rbuf), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		if (n < 0)
			return els_error_errno(errno, "reading from %s",
					       r->hostport);
		if (n == 0)
			return els_error_create(ELS_ERR_CLOSED,
						"connection closed by the stub at %s",
						r->hostport);
		r->t.stats.bytes_in += (uint64_t)n;
		r->rpos = 0;
		r->rlen = (size_t)n;
	}
	*ret = r->rbuf[r->rpos++];
	return NULL;
}

/*
 * Receive one packet into r->reply (decoded), acknowledging it. Acks and
 * notifications in between are skipped. deadline as in get_byte.
 */
static struct els_error *recv_packet(struct rsp *r, int64_t deadline)
{
	int bad = 0;
	for (;;) {
		/* Wait for data; once a packet has begun, it must finish. */
		if (r->rpos == r->rlen) {
			if (!deadline && r->dec.state != 0)
				deadline = els_now_ms() + r->timeout_ms;
			uint8_t c;
			struct els_error *err = get_byte(r, deadline, &c);
			if (err)
				return err;
			r->rpos--; /* get_byte filled the buffer: take it whole */
		}
		size_t used;
		enum els_rsp_event e = els_rsp_decoder_feed_buf(
			&r->dec, r->rbuf + r->rpos, r->rlen - r->rpos, &used);
		r->rpos += used;
		struct els_error *err;
		switch (e) {
		case ELS_RSP_PACKET:
			if (!r->feat.no_ack_mode &&
			    (err = send_all(r, "+", 1)))
				return err;
			return els_rsp_unpack(r->dec.raw.buf, r->dec.raw.len,
					      &r->reply);
		case ELS_RSP_BAD_CHECKSUM:
			/*
			 * '-' makes a stub resend its last reply, or nothing
			 * once our next request came (QEMU): with requests in
			 * flight another packet's data would be taken for
			 * this one.
			 */
			if (r->in_flight)
				return els_error_create(ELS_ERR_PROTOCOL,
							"the stub at %s sent a reply with a bad checksum while %zu more requests were in flight",
							r->hostport, r->in_flight);
			if (++bad > 3)
				return els_error_create(ELS_ERR_PROTOCOL,
							"the stub at %s keeps sending packets with bad checksums",
							r->hostport);
			if ((err = send_all(r, "-", 1)))
				return err;
			break;
		case ELS_RSP_TOO_LONG:
			return els_error_create(ELS_ERR_PROTOCOL,
						"the stub at %s sent a packet longer than %d bytes",
						r->hostport, ELS_RSP_MAX_PACKET);
		default:
			break; /* acks, notifications, noise, more to come */
		}
	}
}

/* Send a packet and wait for its '+'; resend on '-' a few times. */
static struct els_error *send_packet(struct rsp *r, const char *payload,
				     size_t len)
{
	if (!els_rsp_frame(payload, len, &r->out))
		return &els_enomem;
	for (int attempt = 0;; attempt++) {
		struct els_error *err = send_all(r, r->out.buf, r->out.len);
		if (err)
			return err;
		if (r->feat.no_ack_mode)
			return NULL;
		int64_t deadline = els_now_ms() + r->timeout_ms;
		for (;;) {
			uint8_t c;
			if ((err = get_byte(r, deadline, &c)))
				return err;
			if (c == '+')
				return NULL;
			if (c == '-')
				break;
			if (c == '$' || c == '%') {
				/*
				 * A packet before our ack (a late stop reply
				 * or console output): hand it to the decoder
				 * by stepping back; the ack is implied.
				 */
				r->rpos--;
				return NULL;
			}
			/* anything else: noise */
		}
		if (attempt >= 3)
			return els_error_create(ELS_ERR_PROTOCOL,
						"the stub at %s rejects our packets",
						r->hostport);
	}
}

/* "O" + hex text: what a stub prints on gdb's console; never a reply. */
static bool is_console_output(const struct rsp *r)
{
	const char *p = r->reply.buf;
	size_t n = r->reply.len;
	if (n < 3 || n % 2 == 0 || p[0] != 'O')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (els_hexval((unsigned char)p[i]) < 0)
			return false;
	}
	return true;
}

/* "Sxx" or "Txx...": a stop reply. */
static bool is_stop_packet(const struct rsp *r)
{
	const char *p = r->reply.buf;
	size_t n = r->reply.len;
	return n >= 3 && (p[0] == 'S' || p[0] == 'T') &&
	       els_hexval((unsigned char)p[1]) >= 0 &&
	       els_hexval((unsigned char)p[2]) >= 0 &&
	       (p[0] == 'T' || n == 3);
}

/* One request and its reply (in r->reply). */
static struct els_error *transact(struct rsp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct els_error *transact(struct rsp *r, const char *fmt, ...)
{
	if (r->lost)
		return lost_error(r);
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return els_error_create(ELS_ERR_INVALID, "request too long");
	r->t.stats.round_trips++;
	struct els_error *err = send_packet(r, buf, (size_t)n);
	if (!err) {
		/*
		 * Console output ('O' packets) may come before the reply, and
		 * so may a stop reply nobody asked for: QEMU sends one when a
		 * client attaches to a running VM. No request sent through
		 * here but '?' has a reply of that shape.
		 */
		for (;;) {
			err = recv_packet(r, els_now_ms() + r->timeout_ms);
			if (err || !(is_console_output(r) ||
				     (buf[0] != '?' && is_stop_packet(r))))
				break;
			els_debug("skipping unsolicited '%.*s' from the stub",
				  (int)(r->reply.len > 40 ? 40 : r->reply.len),
				  r->reply.buf);
		}
	}
	if (err && err->code == ELS_ERR_TIMEOUT)
		err = els_error_wrap(err, "request '%.*s'",
				     n > 24 ? 24 : n, buf);
	return mark_lost(r, err);
}

static bool reply_is(struct rsp *r, const char *s)
{
	return r->reply.len == strlen(s) && !memcmp(r->reply.buf, s, r->reply.len);
}

static bool reply_empty(struct rsp *r)
{
	return r->reply.len == 0;
}

static struct els_error *check_ok(struct rsp *r, const char *what)
{
	if (reply_is(r, "OK"))
		return NULL;
	if (els_rsp_is_error(r->reply.buf, r->reply.len))
		return els_rsp_error(r->reply.buf, r->reply.len, what);
	if (reply_empty(r))
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"%s: the stub does not support it", what);
	return mark_lost(r, els_error_create(ELS_ERR_PROTOCOL,
					     "%s: unexpected reply '%.*s'", what,
					     (int)(r->reply.len > 40 ? 40 : r->reply.len),
					     r->reply.buf));
}

/* Wait for a stop reply; console output ('O') is logged. */
static struct els_error *wait_stop(struct rsp *r, int64_t deadline,
				   struct els_stop *ret)
{
	for (;;) {
		struct els_error *err = recv_packet(r, deadline);
		if (err)
			return err;
		if (is_console_output(r)) {
			els_debug("stub console output (%zu bytes)",
				  r->reply.len / 2);
			continue;
		}
		uint64_t thread;
		bool has_thread;
		err = els_rsp_parse_stop(r->reply.buf, r->reply.len, ret,
					 &thread, &has_thread);
		if (err)
			return mark_lost(r, err);
		ret->cpu = -1;
		if (has_thread) {
			for (size_t i = 0; i < r->t.cpus.len; i++) {
				if (r->t.cpus.data[i].thread_id == thread)
					ret->cpu = (int)i;
			}
		}
		/* The stub selects the stopped thread for us. */
		r->g_thread_valid = false;
		memset(r->g_tried, 0, sizeof(r->g_tried));
		if (ret->reason == ELS_STOP_EXITED) {
			r->lost = true;
			r->lost_code = ELS_ERR_CLOSED;
		}
		return NULL;
	}
}

/* A thread id in the form the stub uses. */
static void format_tid(const struct rsp *r, uint64_t tid, char *buf,
		       size_t size)
{
	if (r->multiprocess)
		snprintf(buf, size, "p%llx.%llx", (unsigned long long)r->pid,
			 (unsigned long long)tid);
	else
		snprintf(buf, size, "%llx", (unsigned long long)tid);
}

static struct els_error *select_thread(struct rsp *r, int cpu)
{
	uint64_t tid = r->t.cpus.data[cpu].thread_id;
	if (tid == 0 || (r->g_thread_valid && r->g_thread == tid))
		return NULL;
	char id[48];
	format_tid(r, tid, id, sizeof(id));
	struct els_error *err = transact(r, "Hg%s", id);
	if (!err)
		err = check_ok(r, "selecting CPU");
	if (err)
		return els_error_wrap(err, "CPU %d", cpu);
	r->g_thread = tid;
	r->g_thread_valid = true;
	return NULL;
}

static struct els_error *set_phymem(struct rsp *r, int mode)
{
	if (r->phymem_mode == mode)
		return NULL;
	if (!r->has_phymem) {
		if (mode == 0)
			return NULL;
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the stub at %s offers no physical memory access (no Qqemu.PhyMemMode); read virtual addresses instead",
					r->hostport);
	}
	struct els_error *err = transact(r, "Qqemu.PhyMemMode:%d", mode);
	if (!err)
		err = check_ok(r, "switching physical memory mode");
	if (err)
		return err;
	r->phymem_mode = mode;
	return NULL;
}

static struct els_error *prepare_space(struct rsp *r,
				       const struct els_aspace *as)
{
	if (as->kind == ELS_AS_PHYS)
		return set_phymem(r, 1);
	struct els_error *err = select_thread(r, as->cpu);
	if (!err)
		err = set_phymem(r, 0);
	return err;
}

static const char *space_name(const struct els_aspace *as)
{
	return as->kind == ELS_AS_PHYS ? "physical" : "virtual";
}

/* Requests in flight at once during long reads. */
#define READ_WINDOW 8

struct mem_request {
	uint64_t addr;
	size_t len;
	uint8_t *out;
};

static struct els_error *send_mem_request(struct rsp *r, uint64_t addr,
					  size_t len)
{
	char pkt[48];
	int n = snprintf(pkt, sizeof(pkt), "m%llx,%zx",
			 (unsigned long long)addr, len);
	if (!els_rsp_frame(pkt, (size_t)n, &r->out))
		return &els_enomem;
	r->t.stats.round_trips++;
	return send_all(r, r->out.buf, r->out.len);
}

/*
 * The reply to the oldest request in flight. Returns a fatal error (the
 * connection is unusable), or sets *reply_err for an error reply that
 * leaves the connection in step.
 */
static struct els_error *take_mem_reply(struct rsp *r,
					const struct els_aspace *as,
					struct mem_request *req,
					struct els_error **reply_err,
					size_t *got_ret)
{
	struct els_error *err;
	do {
		err = recv_packet(r, els_now_ms() + r->timeout_ms);
	} while (!err && (is_console_output(r) || is_stop_packet(r)));
	if (err)
		return mark_lost(r, els_error_wrap(err,
						   "reading %s memory at 0x%llx",
						   space_name(as),
						   (unsigned long long)req->addr));
	*got_ret = 0;
	if (els_rsp_is_error(r->reply.buf, r->reply.len)) {
		struct els_error *e = els_rsp_error(r->reply.buf, r->reply.len,
						    "");
		*reply_err = els_error_addr(ELS_ERR_TARGET, req->addr,
					    "reading %s memory at 0x%llx%s",
					    space_name(as),
					    (unsigned long long)req->addr,
					    e->message);
		els_error_destroy(e);
		return NULL;
	}
	size_t got = r->reply.len / 2;
	if (r->reply.len % 2 || got == 0 || got > req->len ||
	    !els_hex_decode(r->reply.buf, got, req->out))
		return mark_lost(r, els_error_addr(
			ELS_ERR_PROTOCOL, req->addr,
			"reading %s memory at 0x%llx: malformed reply of %zu characters",
			space_name(as), (unsigned long long)req->addr,
			r->reply.len));
	*got_ret = got;
	return NULL;
}

/*
 * Long reads keep READ_WINDOW requests in flight: the stub answers them in
 * order, so the wait per request is paid once per window, not per packet.
 * Acks are not waited for (they arrive before each reply and are skipped).
 * A short reply is continued by a new request for the rest; an error reply
 * stops sending, the requests in flight are drained (so the connection
 * stays in step), and the first error reply is returned.
 */
static struct els_error *rsp_read_mem(struct els_target *t,
				      const struct els_aspace *as,
				      uint64_t addr, void *buf, size_t len)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	struct els_error *err = prepare_space(r, as);
	if (err)
		return err;
	uint8_t *out = buf;
	size_t max = r->packet_size / 2;
	struct mem_request q[READ_WINDOW + 1];
	size_t head = 0, count = 0;
	size_t sent = 0; /* bytes of [addr, addr + len) requested so far */
	struct els_error *first = NULL;
	while (sent < len || count) {
		/* Fill the window. */
		while (!first && count < READ_WINDOW && sent < len) {
			size_t n = len - sent < max ? len - sent : max;
			struct mem_request *req =
				&q[(head + count) % (READ_WINDOW + 1)];
			*req = (struct mem_request){ addr + sent, n, out + sent };
			if ((err = send_mem_request(r, req->addr, n)))
				return mark_lost(r, els_error_wrap(
					err, "reading %s memory at 0x%llx",
					space_name(as),
					(unsigned long long)req->addr));
			sent += n;
			count++;
		}
		if (!count)
			break;
		struct mem_request req = q[head];
		head = (head + 1) % (READ_WINDOW + 1);
		count--;
		struct els_error *reply_err = NULL;
		size_t got = 0;
		r->in_flight = count;
		err = take_mem_reply(r, as, &req, &reply_err, &got);
		r->in_flight = 0;
		if (err) {
			els_error_destroy(first);
			return err;
		}
		if (reply_err) {
			if (!first)
				first = reply_err;
			else
				els_error_destroy(reply_err);
			continue;
		}
		if (got < req.len && !first) {
			/* A short reply: ask again for the rest, at the back. */
			struct mem_request *rest =
				&q[(head + count) % (READ_WINDOW + 1)];
			*rest = (struct mem_request){ req.addr + got,
						      req.len - got,
						      req.out + got };
			if ((err = send_mem_request(r, rest->addr, rest->len))) {
				els_error_destroy(first);
				return mark_lost(r, err);
			}
			count++;
		}
	}
	return first;
}

static struct els_error *rsp_write_mem(struct els_target *t,
				       const struct els_aspace *as,
				       uint64_t addr, const void *buf,
				       size_t len)
{
	struct rsp *r = to_rsp(t);
	struct els_error *err = prepare_space(r, as);
	if (err)
		return err;
	const uint8_t *in = buf;
	size_t max = (r->packet_size - 40) / 2;
	if (max > 200)
		max = 200; /* transact() formats into a 512-byte buffer */
	while (len) {
		size_t n = len < max ? len : max;
		char hex[401];
		els_hex_encode(in, n, hex);
		err = transact(r, "M%llx,%zx:%s", (unsigned long long)addr, n,
			       hex);
		if (!err)
			err = check_ok(r, "writing memory");
		if (err)
			return els_error_wrap(err, "at 0x%llx",
					      (unsigned long long)addr);
		in += n;
		addr += n;
		len -= n;
	}
	return NULL;
}

static struct els_error *read_reg_g(struct rsp *r,
				    const struct els_reg_desc *reg,
				    uint8_t *buf)
{
	/* Without 'p': the 'g' block holds registers in regnum order. */
	struct els_error *err = transact(r, "g");
	if (err)
		return err;
	if (els_rsp_is_error(r->reply.buf, r->reply.len))
		return els_rsp_error(r->reply.buf, r->reply.len,
				     "reading registers");
	size_t off = 0;
	for (size_t i = 0; i < r->t.regs.len; i++) {
		const struct els_reg_desc *d = &r->t.regs.data[i];
		size_t size = (d->bitsize + 7) / 8;
		if (d->regnum > reg->regnum)
			continue;
		if (d == reg) {
			if (off > r->reply.len / 2 ||
			    size > r->reply.len / 2 - off)
				return els_error_create(ELS_ERR_UNSUPPORTED,
							"register %s is not in the stub's 'g' reply",
							reg->name);
			if (!els_hex_decode(r->reply.buf + 2 * off, size, buf))
				return els_error_create(ELS_ERR_UNSUPPORTED,
							"register %s is unavailable",
							reg->name);
			return NULL;
		}
		off += size;
	}
	return els_error_create(ELS_ERR_NOT_FOUND, "register %s", reg->name);
}

/*
 * One 'g' fills the register cache with every register it carries (the
 * core registers on QEMU: 34 values for one round trip instead of 34).
 * Registers are laid out in regnum order from 0; 'x' digits mean
 * unavailable and leave that register to 'p'.
 */
static struct els_error *fill_cache_from_g(struct rsp *r, int cpu)
{
	struct els_target *t = &r->t;
	struct els_error *err = transact(r, "g");
	if (err)
		return err;
	if (els_rsp_is_error(r->reply.buf, r->reply.len) ||
	    r->reply.len % 2)
		return NULL; /* no use: 'p' will do */
	size_t got = r->reply.len / 2, off = 0;
	int next = 0;
	for (size_t i = 0; i < t->regs.len; i++) {
		const struct els_reg_desc *d = &t->regs.data[i];
		size_t size = (d->bitsize + 7) / 8;
		if (d->regnum != next || size > got - off)
			break;
		uint8_t *slot = t->regcache[cpu] + t->regoffsets[i];
		if (els_hex_decode(r->reply.buf + 2 * off, size, slot))
			t->regvalid[cpu][i] = true;
		off += size;
		next++;
	}
	return NULL;
}

static bool in_core_feature(const struct els_reg_desc *reg)
{
	return reg->feature && strstr(reg->feature, ".core");
}

static struct els_error *rsp_read_reg(struct els_target *t, int cpu,
				      const struct els_reg_desc *reg,
				      uint8_t *buf)
{
	struct rsp *r = to_rsp(t);
	struct els_error *err = select_thread(r, cpu);
	if (err)
		return err;
	size_t size = (reg->bitsize + 7) / 8;
	size_t idx = (size_t)(reg - t->regs.data);
	if (in_core_feature(reg) && t->regcache && cpu < 64 &&
	    !r->g_tried[cpu]) {
		r->g_tried[cpu] = true;
		if ((err = fill_cache_from_g(r, cpu)))
			return err;
		if (t->regvalid[cpu][idx]) {
			memcpy(buf, t->regcache[cpu] + t->regoffsets[idx],
			       size);
			return NULL;
		}
	}
	if (r->have_p) {
		err = transact(r, "p%x", (unsigned)reg->regnum);
		if (err)
			return err;
		if (reply_empty(r)) {
			r->have_p = false; /* fall through to 'g' */
		} else if (els_rsp_is_error(r->reply.buf, r->reply.len)) {
			return els_rsp_error(r->reply.buf, r->reply.len,
					     "reading register");
		} else {
			if (r->reply.len != 2 * size)
				return mark_lost(r, els_error_create(
					ELS_ERR_PROTOCOL,
					"register %s: %zu hex digits for %u bits",
					reg->name, r->reply.len, reg->bitsize));
			if (r->reply.buf[0] == 'x')
				return els_error_create(ELS_ERR_UNSUPPORTED,
							"register %s is unavailable now",
							reg->name);
			if (!els_hex_decode(r->reply.buf, size, buf))
				return mark_lost(r, els_error_create(
					ELS_ERR_PROTOCOL,
					"register %s: malformed value",
					reg->name));
			return NULL;
		}
	}
	return read_reg_g(r, reg, buf);
}

/*
 * A batch: every packet is sent at once (Hg when the CPU changes, 'p' for
 * a register, the physical-memory mode when it changes, 'm'), then the
 * replies are taken in order; QEMU answers in order, so the wait is paid
 * once. Acks are skipped by recv_packet.
 */
enum batch_kind { B_OK, B_REG, B_MEM };

struct batch_pkt {
	enum batch_kind kind;
	size_t item; /* B_REG, B_MEM */
};

static struct els_error *send_framed(struct rsp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct els_error *send_framed(struct rsp *r, const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return els_error_create(ELS_ERR_INVALID, "request too long");
	if (!els_rsp_frame(buf, (size_t)n, &r->out))
		return &els_enomem;
	r->t.stats.round_trips++;
	return send_all(r, r->out.buf, r->out.len);
}

static struct els_error *rsp_batch(struct els_target *t,
				   struct els_batch_item *items, size_t n)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	if (!r->have_p) {
		/* Without 'p' each register needs a 'g': one by one. */
		for (size_t i = 0; i < n; i++) {
			struct els_batch_item *it = &items[i];
			it->err = it->is_reg
					  ? rsp_read_reg(t, it->cpu, it->reg, it->buf)
					  : rsp_read_mem(t, &it->as, it->addr,
							 it->buf, it->len);
		}
		return r->lost ? lost_error(r) : NULL;
	}
	struct batch_pkt *pk = calloc(3 * n + 2, sizeof(*pk));
	if (!pk)
		return &els_enomem;
	size_t np = 0;
	struct els_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		struct els_batch_item *it = &items[i];
		if (it->is_reg) {
			uint64_t tid = it->cpu >= 0 && (size_t)it->cpu < t->cpus.len
					       ? t->cpus.data[it->cpu].thread_id
					       : 0;
			if (!tid) {
				it->err = els_error_create(ELS_ERR_NOT_FOUND,
							   "no CPU %d", it->cpu);
				continue;
			}
			if (!r->g_thread_valid || r->g_thread != tid) {
				char id[48];
				format_tid(r, tid, id, sizeof(id));
				err = send_framed(r, "Hg%s", id);
				pk[np++] = (struct batch_pkt){ B_OK, i };
				r->g_thread = tid;
				r->g_thread_valid = true;
			}
			if (!err)
				err = send_framed(r, "p%x", (unsigned)it->reg->regnum);
			pk[np++] = (struct batch_pkt){ B_REG, i };
		} else {
			int mode = it->as.kind == ELS_AS_PHYS ? 1 : 0;
			if (it->len == 0 || it->len > 1024 ||
			    it->len > r->packet_size / 2 - 16 ||
			    (mode == 1 && !r->has_phymem) ||
			    it->as.kind != ELS_AS_PHYS) {
				it->err = els_error_create(ELS_ERR_UNSUPPORTED,
							   "a batch reads physical memory, at most 1 KiB at a time");
				continue;
			}
			if (r->phymem_mode != mode) {
				err = send_framed(r, "Qqemu.PhyMemMode:%d", mode);
				pk[np++] = (struct batch_pkt){ B_OK, i };
				r->phymem_mode = mode;
			}
			if (!err)
				err = send_framed(r, "m%llx,%zx",
						  (unsigned long long)it->addr,
						  it->len);
			pk[np++] = (struct batch_pkt){ B_MEM, i };
		}
	}
	/*
	 * Leave the stub in virtual mode within the same batch: resuming
	 * would otherwise switch back with a round trip of its own.
	 */
	if (!err && r->phymem_mode == 1) {
		err = send_framed(r, "Qqemu.PhyMemMode:0");
		pk[np++] = (struct batch_pkt){ B_OK, n };
		r->phymem_mode = 0;
	}
	/* Every reply of what was sent, in order, even after an error. */
	for (size_t k = 0; k < np && !err; k++) {
		r->in_flight = np - k - 1;
		do {
			err = recv_packet(r, els_now_ms() + r->timeout_ms);
		} while (!err && (is_console_output(r) || is_stop_packet(r)));
		r->in_flight = 0;
		if (err)
			break;
		struct els_batch_item spare = { 0 };
		struct els_batch_item *it =
			pk[k].item < n ? &items[pk[k].item] : &spare;
		bool is_err = els_rsp_is_error(r->reply.buf, r->reply.len);
		switch (pk[k].kind) {
		case B_OK:
			if (!reply_is(r, "OK")) {
				/* The state we assumed is unknown now. */
				r->g_thread_valid = false;
				r->phymem_mode = -1;
				if (!it->err)
					it->err = els_error_create(ELS_ERR_TARGET,
								   "the stub refused to select the CPU or memory mode");
				els_error_destroy(spare.err);
				spare.err = NULL;
			}
			break;
		case B_REG: {
			size_t size = (it->reg->bitsize + 7) / 8;
			if (it->err)
				break;
			if (is_err || r->reply.len != 2 * size ||
			    r->reply.buf[0] == 'x' ||
			    !els_hex_decode(r->reply.buf, size, it->buf))
				it->err = els_error_create(ELS_ERR_TARGET,
							   "register %s of CPU %d: no value",
							   it->reg->name, it->cpu);
			break;
		}
		case B_MEM:
			if (it->err)
				break;
			if (is_err || r->reply.len != 2 * it->len ||
			    !els_hex_decode(r->reply.buf, it->len, it->buf))
				it->err = els_error_addr(ELS_ERR_TARGET, it->addr,
							 "reading physical memory at 0x%llx",
							 (unsigned long long)it->addr);
			break;
		}
	}
	free(pk);
	return mark_lost(r, err ? els_error_wrap(err, "a batch of %zu reads", n)
				: NULL);
}

static struct els_error *rsp_halt(struct els_target *t, struct els_stop *ret)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	r->t.stats.round_trips++;
	struct els_error *err = send_all(r, "\x03", 1);
	if (!err)
		err = wait_stop(r, els_now_ms() + r->timeout_ms, ret);
	return mark_lost(r, err ? els_error_wrap(err, "halting") : NULL);
}

static struct els_error *rsp_resume(struct els_target *t)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	/*
	 * The mode is global to QEMU's stub and outlives us: never leave a
	 * running target in physical mode for the next client to trip on.
	 */
	struct els_error *err = set_phymem(r, 0);
	if (err)
		return err;
	r->t.stats.round_trips++;
	r->g_thread_valid = false;
	memset(r->g_tried, 0, sizeof(r->g_tried));
	return mark_lost(r, send_packet(r, "c", 1));
}

static struct els_error *rsp_step(struct els_target *t, int cpu,
				  struct els_stop *ret)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	uint64_t tid = t->cpus.data[cpu].thread_id;
	char pkt[64], id[48];
	format_tid(r, tid, id, sizeof(id));
	int n;
	if (r->feat.vcont_step && tid)
		n = snprintf(pkt, sizeof(pkt), "vCont;s:%s", id);
	else {
		if (tid) {
			struct els_error *err = transact(r, "Hc%s", id);
			if (!err)
				err = check_ok(r, "selecting CPU to step");
			if (err)
				return err;
		}
		n = snprintf(pkt, sizeof(pkt), "s");
	}
	r->t.stats.round_trips++;
	struct els_error *err = send_packet(r, pkt, (size_t)n);
	if (!err)
		err = wait_stop(r, els_now_ms() + r->timeout_ms, ret);
	if (err && err->code == ELS_ERR_TIMEOUT) {
		/*
		 * A CPU that is powered off or waits for an interrupt never
		 * finishes a step. Interrupt it so the session goes on.
		 */
		els_error_destroy(err);
		struct els_stop stop;
		err = send_all(r, "\x03", 1);
		if (!err)
			err = wait_stop(r, els_now_ms() + r->timeout_ms, &stop);
		if (err)
			return mark_lost(r, els_error_wrap(err,
							   "stepping CPU %d did not finish, and halting it again failed",
							   cpu));
		return els_error_create(ELS_ERR_TIMEOUT,
					"CPU %d did not finish a step within %d ms (powered off, or waiting for an interrupt?); halted again",
					cpu, r->timeout_ms);
	}
	return mark_lost(r, err ? els_error_wrap(err, "stepping CPU %d", cpu)
				: NULL);
}

static struct els_error *rsp_wait(struct els_target *t, int timeout_ms,
				  bool *stopped, struct els_stop *ret)
{
	struct rsp *r = to_rsp(t);
	if (r->lost)
		return lost_error(r);
	*stopped = false;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	if (r->rpos == r->rlen) {
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno != EINTR)
			return els_error_errno(errno, "waiting for %s",
					       r->hostport);
		if (pr <= 0)
			return NULL;
	}
	/* Something arrived: it must be a whole stop reply soon. */
	struct els_error *err = wait_stop(r, els_now_ms() + r->timeout_ms, ret);
	if (err)
		return mark_lost(r, err);
	*stopped = true;
	return NULL;
}

static struct els_error *rsp_bp(struct els_target *t, bool insert,
				enum els_bp_kind kind, uint64_t addr,
				uint64_t len)
{
	struct rsp *r = to_rsp(t);
	/* AArch64 breakpoints have kind 4 (the A64 instruction size). */
	uint64_t k = kind == ELS_BP_SW || kind == ELS_BP_HW ? 4 : len;
	struct els_error *err = transact(r, "%c%d,%llx,%llx", insert ? 'Z' : 'z',
					 (int)kind, (unsigned long long)addr,
					 (unsigned long long)k);
	if (!err)
		err = check_ok(r, "");
	if (err && err->code == ELS_ERR_UNSUPPORTED) {
		els_error_destroy(err);
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the stub at %s does not support %ss (Z%d)",
					r->hostport, els_bp_kind_name(kind),
					(int)kind);
	}
	if (err)
		return els_error_wrap(err, "%s %s at 0x%llx",
				      insert ? "inserting" : "removing",
				      els_bp_kind_name(kind),
				      (unsigned long long)addr);
	return NULL;
}

static struct els_error *rsp_insert_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len)
{
	return rsp_bp(t, true, kind, addr, len);
}

static struct els_error *rsp_remove_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len)
{
	return rsp_bp(t, false, kind, addr, len);
}

static struct els_error *rsp_detach(struct els_target *t, bool resume)
{
	struct rsp *r = to_rsp(t);
	if (r->lost || r->fd < 0)
		return NULL;
	struct els_error *err = NULL;
	/* Leave the stub in the mode a later client expects. */
	if (r->phymem_mode == 1 && !t->running)
		err = set_phymem(r, 0);
	if (!err && resume) {
		/* 'D' resumes the target and ends the session. */
		if (r->multiprocess)
			err = transact(r, "D;%llx", (unsigned long long)r->pid);
		else
			err = transact(r, "D");
		if (!err)
			err = check_ok(r, "detaching");
	}
	return err;
}

static void rsp_describe(struct els_target *t,
			 void (*emit)(const char *, const char *, void *),
			 void *arg)
{
	struct rsp *r = to_rsp(t);
	char buf[256];
	emit("stub", r->hostport, arg);
	emit("stub kind", r->qemu ? "QEMU gdbstub" : "GDB remote stub", arg);
	if (r->arch)
		emit("architecture", r->arch, arg);
	snprintf(buf, sizeof(buf), "%zu", r->packet_size);
	emit("packet size", buf, arg);
	emit("physical memory",
	     r->has_phymem ? "yes (Qqemu.PhyMemMode)"
			   : "no: the stub offers no Qqemu.PhyMemMode",
	     arg);
	emit("target description",
	     r->feat.xfer_features ? "yes (qXfer:features:read)"
				   : "no: assumed AArch64 core registers",
	     arg);
	size_t sys = 0;
	for (size_t i = 0; i < t->regs.len; i++) {
		const char *f = t->regs.data[i].feature;
		if (f && (strstr(f, "sys") || strstr(f, "cp-regs")))
			sys++;
	}
	snprintf(buf, sizeof(buf), "%zu (%zu system)", t->regs.len, sys);
	emit("registers", buf, arg);
	emit("hardware breakpoints", r->feat.hwbreak ? "yes" : "not said", arg);
}

static void rsp_destroy(struct els_target *t)
{
	struct rsp *r = to_rsp(t);
	if (r->fd >= 0)
		close(r->fd);
	els_rsp_decoder_deinit(&r->dec);
	els_strbuf_deinit(&r->out);
	els_strbuf_deinit(&r->reply);
	free(r->hostport);
	free(r->arch);
	free(r);
}

static const struct els_target_ops rsp_ops = {
	.batch = rsp_batch,
	.kind = "gdb",
	.destroy = rsp_destroy,
	.read_mem = rsp_read_mem,
	.write_mem = rsp_write_mem,
	.read_reg = rsp_read_reg,
	.halt = rsp_halt,
	.resume = rsp_resume,
	.step = rsp_step,
	.wait = rsp_wait,
	.insert_bp = rsp_insert_bp,
	.remove_bp = rsp_remove_bp,
	.detach = rsp_detach,
	.describe = rsp_describe,
};

/* "host:port", "[v6addr]:port". */
static struct els_error *split_hostport(const char *s, char **host,
					char **port)
{
	const char *colon;
	const char *h = s;
	size_t hlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			goto bad;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || !colon[1])
		goto bad;
	*host = strndup(h, hlen);
	*port = strdup(colon + 1);
	if (!*host || !*port) {
		free(*host);
		free(*port);
		return &els_enomem;
	}
	return NULL;
bad:
	return els_error_create(ELS_ERR_USAGE,
				"'gdb:%s': expected gdb:HOST:PORT", s);
}

static struct els_error *connect_to(struct rsp *r, const char *hostport)
{
	char *host = NULL, *port = NULL;
	struct els_error *err = split_hostport(hostport, &host, &port);
	if (err)
		return err;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		err = els_error_create(ELS_ERR_IO, "connecting to %s: %s",
				       hostport, gai_strerror(gai));
		goto out;
	}
	int last_errno = ECONNREFUSED;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
							SOCK_NONBLOCK,
				ai->ai_protocol);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			last_errno = errno;
			close(fd);
			continue;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int pr;
		do {
			pr = poll(&pfd, 1, r->timeout_ms);
		} while (pr < 0 && errno == EINTR);
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (pr <= 0) {
			last_errno = pr == 0 ? ETIMEDOUT : errno;
			close(fd);
			continue;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			last_errno = soerr;
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		r->fd = fd;
		break;
	}
	freeaddrinfo(res);
	if (r->fd < 0)
		err = els_error_create(last_errno == ETIMEDOUT ? ELS_ERR_TIMEOUT
							       : ELS_ERR_IO,
				       "connecting to %s: %s", hostport,
				       strerror(last_errno));
out:
	free(host);
	free(port);
	return err;
}

struct fetch_ctx {
	struct rsp *r;
};

/* Read a whole qXfer:features object in pieces of what the packet allows. */
static struct els_error *fetch_annex(const char *annex, char **xml,
				     size_t *len, void *arg)
{
	struct rsp *r = ((struct fetch_ctx *)arg)->r;
	struct els_strbuf sb = { 0 };
	size_t chunk = r->packet_size > 64 ? r->packet_size - 32 : 32;
	for (int i = 0; i < 4096; i++) {
		struct els_error *err = transact(
			r, "qXfer:features:read:%s:%zx,%zx", annex, sb.len,
			chunk);
		if (err) {
			els_strbuf_deinit(&sb);
			return err;
		}
		if (els_rsp_is_error(r->reply.buf, r->reply.len)) {
			els_strbuf_deinit(&sb);
			return els_rsp_error(r->reply.buf, r->reply.len, annex);
		}
		const char *data;
		size_t dlen;
		bool last;
		err = els_rsp_parse_xfer(r->reply.buf, r->reply.len, &data,
					 &dlen, &last);
		if (err) {
			els_strbuf_deinit(&sb);
			return err;
		}
		if (!els_strbuf_add(&sb, data, dlen)) {
			els_strbuf_deinit(&sb);
			return &els_enomem;
		}
		if (sb.len > 1024 * 1024) {
			els_strbuf_deinit(&sb);
			return els_error_create(ELS_ERR_INVALID,
						"%s is larger than 1 MiB", annex);
		}
		if (last || dlen == 0) {
			*len = sb.len;
			*xml = els_strbuf_steal(&sb);
			if (!*xml)
				*xml = strdup("");
			return *xml ? NULL : &els_enomem;
		}
	}
	els_strbuf_deinit(&sb);
	return els_error_create(ELS_ERR_PROTOCOL, "%s never ends", annex);
}

static struct els_error *load_registers(struct rsp *r)
{
	struct els_tdesc td = { 0 };
	struct els_error *err;
	if (r->feat.xfer_features) {
		struct fetch_ctx ctx = { .r = r };
		err = els_tdesc_load("target.xml", fetch_annex, &ctx, &td);
	} else {
		els_warn("the stub at %s offers no target description (qXfer:features:read); assuming the AArch64 core registers",
			 r->hostport);
		err = els_tdesc_aarch64_core(&td);
	}
	if (err) {
		els_tdesc_deinit(&td);
		return err;
	}
	r->arch = td.architecture;
	td.architecture = NULL;
	r->t.regs = td.regs; /* ownership moves to the target */
	return NULL;
}

static struct els_error *load_threads(struct rsp *r)
{
	uint64_t *ids = calloc(MAX_THREADS, sizeof(*ids));
	if (!ids)
		return &els_enomem;
	size_t n = 0;
	bool more = true;
	struct els_error *err = transact(r, "qfThreadInfo");
	if (!err && r->reply.len > 2 && r->reply.buf[0] == 'm' &&
	    r->reply.buf[1] == 'p') {
		const char *start = r->reply.buf + 2;
		const char *dot = memchr(start, '.', r->reply.len - 2);
		r->multiprocess = dot && els_hex_u64(start, (size_t)(dot - start),
						     &r->pid);
	}
	for (int i = 0; !err && more && i < MAX_THREADS; i++) {
		err = els_rsp_parse_thread_list(r->reply.buf, r->reply.len,
						ids, MAX_THREADS, &n, &more);
		if (!err && more)
			err = transact(r, "qsThreadInfo");
	}
	if (err && err->code == ELS_ERR_UNSUPPORTED) {
		/* A stub without threads: one CPU, whatever it selects. */
		els_error_destroy(err);
		err = NULL;
		n = 1;
		ids[0] = 0;
	}
	if (!err && n == 0)
		err = els_error_create(ELS_ERR_PROTOCOL,
				       "the stub lists no threads (CPUs)");
	for (size_t i = 0; !err && i < n; i++) {
		if (!els_cpu_vec_push(&r->t.cpus, (struct els_cpu){
				.index = (int)i, .thread_id = ids[i] }))
			err = &els_enomem;
	}
	free(ids);
	return err;
}

static struct els_error *handshake(struct rsp *r)
{
	struct els_error *err;
	/* Acknowledge anything the stub may have pending. */
	if ((err = send_all(r, "+", 1)))
		return err;
	err = transact(r, "qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=aarch64");
	if (err)
		return err;
	if ((err = els_rsp_parse_supported(r->reply.buf, r->reply.len,
					   &r->feat)))
		return err;
	/* We keep acks on: QEMU 7.2 has no no-ack mode, others gain little. */
	r->feat.no_ack_mode = false;
	r->packet_size = r->feat.packet_size ? r->feat.packet_size
					     : DEFAULT_PACKET_SIZE;

	if ((err = transact(r, "vCont?")))
		return err;
	if (r->reply.len >= 5 && !memcmp(r->reply.buf, "vCont", 5)) {
		r->feat.vcont = true;
		r->feat.vcont_step = strstr(r->reply.buf, ";s") != NULL;
	}

	/* Stop reason: the target is halted once we are attached. */
	if ((err = transact(r, "?")))
		return err;
	struct els_stop stop;
	uint64_t tid;
	bool has_tid;
	if ((err = els_rsp_parse_stop(r->reply.buf, r->reply.len, &stop, &tid,
				      &has_tid)))
		return err;
	if (stop.reason == ELS_STOP_EXITED)
		return els_error_create(ELS_ERR_CLOSED,
					"the stub at %s says its target has exited",
					r->hostport);

	if ((err = transact(r, "qqemu.Supported")))
		return err;
	if (!reply_empty(r) && !els_rsp_is_error(r->reply.buf, r->reply.len)) {
		r->qemu = true;
		r->has_phymem = strstr(r->reply.buf, "PhyMemMode") != NULL;
	}

	/* QEMU answers 'p' only once target.xml was read: this comes first. */
	if ((err = load_registers(r)))
		return err;
	if ((err = load_threads(r)))
		return err;
	for (size_t i = 0; i < r->t.cpus.len; i++) {
		if (has_tid && r->t.cpus.data[i].thread_id == tid)
			stop.cpu = (int)i;
	}
	if (!has_tid)
		stop.cpu = -1;
	r->t.last_stop = stop;
	r->t.has_last_stop = true;
	return NULL;
}

struct els_error *els_rsp_open(const char *hostport, int timeout_ms,
			       struct els_target **ret)
{
	struct rsp *r = calloc(1, sizeof(*r));
	if (!r)
		return &els_enomem;
	char spec[300];
	snprintf(spec, sizeof(spec), "gdb:%s", hostport);
	els_target_init(&r->t, &rsp_ops, spec);
	r->fd = -1;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
	r->phymem_mode = -1;
	r->have_p = true;
	r->hostport = strdup(hostport);
	if (!r->hostport) {
		els_target_close(&r->t);
		return &els_enomem;
	}
	els_rsp_decoder_reset(&r->dec);
	struct els_error *err = connect_to(r, hostport);
	if (!err)
		err = handshake(r);
	if (err) {
		r->lost = true; /* no detach on a half-open session */
		els_target_close(&r->t);
		return err;
	}
	r->t.can_run = true;
	r->t.running = false;
	/* Attaching halted it (QEMU stops the VM when a client connects). */
	r->t.halted_by_us = true;
	*ret = &r->t;
	return NULL;
}
