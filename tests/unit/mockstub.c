/* SPDX-License-Identifier: MIT */
/*
 * A scripted GDB stub for tests (see mockstub.h). It speaks the protocol on
 * its own: framing, checksums, escapes and run-length encoding are written
 * here again rather than taken from target/rsp_packet.c, so that a bug there
 * is not mirrored by the stub that tests it.
 */
#include "mockstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/strbuf.h"

/* QEMU's MAX_PACKET_LENGTH: qXfer pieces are at most (4096 - 5) / 2. */
#define QEMU_MAX_PACKET 4096

enum {
	IN_IDLE,
	IN_DATA,
	IN_CSUM1,
	IN_CSUM2,
};

struct rule_state {
	struct mockstub_rule rule;
	unsigned seen; /* matching requests so far */
};

struct mockstub {
	pthread_t thread;
	bool thread_started;
	int listen_fd;
	int wake[2]; /* a byte written to wake[1] ends the thread */
	char spec[64];
	char hostport[48];
	struct rule_state *rules;
	size_t nrules;
	uint8_t *mem;
	char *core_xml;

	pthread_mutex_t lock; /* for what tests read while the thread runs */
	char **log;
	size_t nlog, caplog;
	uint64_t max_mem_len;
	unsigned connections;

	/* One connection at a time; only the thread touches these. */
	int fd;
	bool closing; /* FIN sent: input is dropped until the client closes */
	bool stalled;
	bool running;
	int phymem;
	int g_cpu, c_cpu;
	int in_state;
	bool in_escape;
	uint8_t in_sum;
	int in_csum_hi;
	struct els_strbuf in;   /* request being received, unescaped */
	struct els_strbuf out;  /* framed reply being built */
	struct els_strbuf last; /* what a '-' from the client resends */
};

uint8_t mockstub_mem_byte(uint64_t off)
{
	if (off >= MOCKSTUB_RUNS_OFF &&
	    off < MOCKSTUB_RUNS_OFF + MOCKSTUB_RUNS_LEN)
		return (uint8_t)(((off - MOCKSTUB_RUNS_OFF) >> 6 & 0xf) * 0x11);
	return (uint8_t)(((off * 0x9e3779b1u) >> 13) ^ (off >> 3));
}

static unsigned reg_size(int regnum)
{
	if (regnum >= 0 && regnum <= MOCKSTUB_REG_PC)
		return 8;
	if (regnum == MOCKSTUB_REG_CPSR)
		return 4;
	if (regnum == MOCKSTUB_REG_V0 || regnum == MOCKSTUB_REG_V0 + 1)
		return 16;
	if (regnum == MOCKSTUB_REG_FPSR || regnum == MOCKSTUB_REG_FPSR + 1)
		return 4;
	if (regnum >= MOCKSTUB_REG_TTBR1_EL1 &&
	    regnum <= MOCKSTUB_REG_VTTBR_EL2)
		return 8;
	return 0;
}

uint64_t mockstub_reg_value(int cpu, int regnum)
{
	unsigned size = reg_size(regnum);
	if (size == 0)
		return 0;
	uint64_t v = 0xffff800008000000ull + (uint64_t)cpu * 0x100 +
		     (uint64_t)regnum;
	return size == 4 ? v & 0xffffffffu : v;
}

static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target>\n"
	"<architecture>aarch64</architecture>\n"
	"<xi:include href=\"aarch64-core.xml\"/>\n"
	"<xi:include href=\"aarch64-fpu.xml\"/>\n"
	"<xi:include href=\"system-registers.xml\"/>\n"
	"</target>\n";

/* Numbered in order after the core registers: 34 to 37. */
static const char fpu_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
	"<feature name=\"org.gnu.gdb.aarch64.fpu\">\n"
	"  <reg name=\"v0\" bitsize=\"128\" type=\"uint128\"/>\n"
	"  <reg name=\"v1\" bitsize=\"128\" type=\"uint128\"/>\n"
	"  <reg name=\"fpsr\" bitsize=\"32\"/>\n"
	"  <reg name=\"fpcr\" bitsize=\"32\"/>\n"
	"</feature>\n";

/* As QEMU writes its system registers: numbered explicitly. */
static const char sysregs_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<feature name=\"org.qemu.gdb.arm.sys.regs\">\n"
	"<reg name=\"TTBR1_EL1\" bitsize=\"64\" regnum=\"64\" type=\"uint64\" group=\"cp_regs\"/>\n"
	"<reg name=\"SP_EL0\" bitsize=\"64\" regnum=\"65\" type=\"uint64\" group=\"cp_regs\"/>\n"
	"<reg name=\"VTTBR_EL2\" bitsize=\"64\" regnum=\"66\" type=\"uint64\" group=\"cp_regs\"/>\n"
	"</feature>\n";

/* The core feature, long enough to be fetched in pieces by small packets. */
static char *make_core_xml(void)
{
	struct els_strbuf sb = { 0 };
	bool ok = els_strbuf_adds(&sb,
				  "<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
				  "<feature name=\"org.gnu.gdb.aarch64.core\">\n");
	for (int i = 0; ok && i < 31; i++)
		ok = els_strbuf_printf(&sb, "  <reg name=\"x%d\" bitsize=\"64\"/>\n",
				       i);
	if (ok)
		ok = els_strbuf_adds(&sb,
				     "  <reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
				     "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>\n"
				     "  <reg name=\"cpsr\" bitsize=\"32\"/>\n"
				     "</feature>\n");
	if (!ok) {
		els_strbuf_deinit(&sb);
		return NULL;
	}
	return els_strbuf_steal(&sb);
}

static const char *find_annex(struct mockstub *m, const char *name,
			      size_t len)
{
	static const struct {
		const char *name;
		const char *xml;
	} fixed[] = {
		{ "target.xml", target_xml },
		{ "aarch64-fpu.xml", fpu_xml },
		{ "system-registers.xml", sysregs_xml },
	};
	if (len == strlen("aarch64-core.xml") &&
	    !memcmp(name, "aarch64-core.xml", len))
		return m->core_xml;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (len == strlen(fixed[i].name) &&
		    !memcmp(name, fixed[i].name, len))
			return fixed[i].xml;
	}
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number up to a delimiter; *end points after it. */
static bool parse_hex(const char *s, uint64_t *ret, const char **end)
{
	uint64_t v = 0;
	int digits = 0;
	while (hexval((unsigned char)*s) >= 0 && digits < 16) {
		v = v << 4 | (uint64_t)hexval((unsigned char)*s++);
		digits++;
	}
	if (!digits || hexval((unsigned char)*s) >= 0)
		return false;
	*ret = v;
	*end = s;
	return true;
}

static bool add_hex_bytes(struct els_strbuf *sb, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		if (!els_strbuf_addc(sb, digits[p[i] >> 4]) ||
		    !els_strbuf_addc(sb, digits[p[i] & 0xf]))
			return false;
	}
	return true;
}

static bool add_reg(struct els_strbuf *sb, int cpu, int regnum)
{
	unsigned size = reg_size(regnum);
	uint64_t v = mockstub_reg_value(cpu, regnum);
	uint8_t bytes[16];
	/* Vector registers: the value, then its complement. */
	for (unsigned i = 0; i < size; i++)
		bytes[i] = (uint8_t)(i < 8 ? v >> (8 * i)
					   : ~v >> (8 * (i - 8)));
	return add_hex_bytes(sb, bytes, size);
}

static bool stop_reply(struct mockstub *m, struct els_strbuf *r, int sig,
		       int cpu)
{
	m->g_cpu = m->c_cpu = cpu;
	return els_strbuf_printf(r, "T%02xthread:%02x;", sig, cpu + 1);
}

/*
 * A thread id of Hg/Hc/vCont: 0 (any) and -1 (all) keep the current CPU.
 * The multiprocess form "pPID.TID" is taken too (process 1).
 */
static bool parse_thread(const char *s, int *cpu)
{
	if (!strncmp(s, "p1.", 3))
		s += 3;
	if (!strcmp(s, "-1") || !strcmp(s, "0"))
		return true;
	uint64_t tid;
	const char *end;
	if (!parse_hex(s, &tid, &end) || *end || tid < 1 ||
	    tid > MOCKSTUB_NCPUS)
		return false;
	*cpu = (int)tid - 1;
	return true;
}

static bool mem_reply(struct mockstub *m, const char *req,
		      struct els_strbuf *r, bool short_read)
{
	uint64_t addr, len;
	const char *p;
	if (!parse_hex(req + 1, &addr, &p) || *p != ',' ||
	    !parse_hex(p + 1, &len, &p) || *p)
		return els_strbuf_adds(r, "E22");
	pthread_mutex_lock(&m->lock);
	if (len > m->max_mem_len)
		m->max_mem_len = len;
	pthread_mutex_unlock(&m->lock);
	if (len > MOCKSTUB_MAX_MEM)
		return els_strbuf_adds(r, "E22");
	if (short_read && len > 1)
		len /= 2;
	uint64_t base = m->phymem ? MOCKSTUB_PHYS_BASE : MOCKSTUB_VIRT_BASE;
	/* Like cpu_memory_rw_debug(): any byte missing fails it all. */
	if (addr < base || addr - base > MOCKSTUB_MEM_SIZE ||
	    len > MOCKSTUB_MEM_SIZE - (addr - base))
		return els_strbuf_adds(r, "E14");
	return els_strbuf_add(r, "", 0) &&
	       add_hex_bytes(r, m->mem + (addr - base), (size_t)len);
}

static bool xfer_reply(struct mockstub *m, const char *req,
		       struct els_strbuf *r)
{
	const char *annex = req + strlen("qXfer:features:read:");
	const char *colon = strchr(annex, ':');
	uint64_t off, len;
	const char *p;
	if (!colon || !parse_hex(colon + 1, &off, &p) || *p != ',' ||
	    !parse_hex(p + 1, &len, &p) || *p)
		return els_strbuf_adds(r, "E00");
	const char *xml = find_annex(m, annex, (size_t)(colon - annex));
	if (!xml)
		return els_strbuf_adds(r, "E00");
	size_t total = strlen(xml);
	if (off > total)
		return els_strbuf_adds(r, "E00");
	if (len > (QEMU_MAX_PACKET - 5) / 2)
		len = (QEMU_MAX_PACKET - 5) / 2;
	if (len < total - off)
		return els_strbuf_addc(r, 'm') &&
		       els_strbuf_add(r, xml + off, (size_t)len);
	return els_strbuf_addc(r, 'l') &&
	       els_strbuf_add(r, xml + off, total - (size_t)off);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * What QEMU 7.2 answers to req. False when nothing is sent back (the target
 * runs on); *close_after when the stub ends the session after the reply.
 */
static bool default_reply(struct mockstub *m, const char *req,
			  struct els_strbuf *r, bool short_read,
			  bool *close_after)
{
	els_strbuf_reset(r);
	/* Empty replies still need a buffer, for framing. */
	if (!els_strbuf_add(r, "", 0))
		return false;
	*close_after = false;
	int cpu;
	if (!strcmp(req, "\x03")) {
		if (!m->running)
			return false;
		m->running = false;
		return stop_reply(m, r, 2, m->c_cpu);
	}
	if (starts(req, "qSupported"))
		return els_strbuf_adds(r, "PacketSize=1000;qXfer:features:read+;ReverseStep+;ReverseContinue+");
	if (!strcmp(req, "vCont?"))
		return els_strbuf_adds(r, "vCont;c;C;s;S");
	if (starts(req, "vCont;s")) {
		cpu = m->c_cpu;
		if (req[7] == ':' && !parse_thread(req + 8, &cpu))
			return els_strbuf_adds(r, "E22");
		return stop_reply(m, r, 5, cpu);
	}
	if (starts(req, "vCont;c")) {
		m->running = true;
		return false;
	}
	if (!strcmp(req, "?"))
		return stop_reply(m, r, 5, m->c_cpu);
	if (!strcmp(req, "qqemu.Supported"))
		return els_strbuf_adds(r, "sstepbits;sstep;PhyMemMode");
	if (starts(req, "Qqemu.PhyMemMode:")) {
		const char *mode = req + strlen("Qqemu.PhyMemMode:");
		if (strcmp(mode, "0") && strcmp(mode, "1"))
			return els_strbuf_adds(r, "E22");
		m->phymem = mode[0] - '0';
		return els_strbuf_adds(r, "OK");
	}
	if (starts(req, "qXfer:features:read:"))
		return xfer_reply(m, req, r);
	if (!strcmp(req, "qfThreadInfo"))
		return els_strbuf_adds(r, "m1,2");
	if (!strcmp(req, "qsThreadInfo"))
		return els_strbuf_adds(r, "l");
	if (starts(req, "Hg") || starts(req, "Hc")) {
		cpu = req[1] == 'g' ? m->g_cpu : m->c_cpu;
		if (!parse_thread(req + 2, &cpu))
			return els_strbuf_adds(r, "E22");
		if (req[1] == 'g')
			m->g_cpu = cpu;
		else
			m->c_cpu = cpu;
		return els_strbuf_adds(r, "OK");
	}
	if (req[0] == 'p') {
		uint64_t regnum;
		const char *end;
		if (!parse_hex(req + 1, &regnum, &end) || *end ||
		    regnum > 1000 || !reg_size((int)regnum))
			return els_strbuf_adds(r, "E14");
		return add_reg(r, m->g_cpu, (int)regnum);
	}
	if (!strcmp(req, "g")) {
		for (int i = 0; i <= MOCKSTUB_REG_CPSR; i++) {
			if (!add_reg(r, m->g_cpu, i))
				return false;
		}
		return true;
	}
	if (req[0] == 'm')
		return mem_reply(m, req, r, short_read);
	if ((req[0] == 'Z' || req[0] == 'z') && req[1] >= '0' &&
	    req[1] <= '4' && req[2] == ',')
		return els_strbuf_adds(r, "OK");
	if (!strcmp(req, "c")) {
		m->running = true;
		return false;
	}
	if (!strcmp(req, "s"))
		return stop_reply(m, r, 5, m->c_cpu);
	if (!strcmp(req, "D") || !strcmp(req, "D;1")) {
		*close_after = true;
		return els_strbuf_adds(r, "OK");
	}
	return true; /* unknown: the empty reply */
}

/* Frame payload into m->out; escapes, optional run-length encoding. */
static bool frame(struct mockstub *m, const char *p, size_t n, bool rle,
		  bool bad_checksum)
{
	struct els_strbuf *o = &m->out;
	uint8_t sum = 0;
	els_strbuf_reset(o);
	if (!els_strbuf_addc(o, '$'))
		return false;
	size_t start = o->len;
	for (size_t i = 0; i < n;) {
		char c = p[i];
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			if (!els_strbuf_addc(o, '}') ||
			    !els_strbuf_addc(o, (char)(c ^ 0x20)))
				return false;
			i++;
			continue;
		}
		size_t run = 1;
		while (rle && i + run < n && p[i + run] == c)
			run++;
		if (!els_strbuf_addc(o, c))
			return false;
		/* "c*N" repeats c N - 29 more times; no count is '#' or '$'. */
		size_t left = run - 1;
		while (left >= 3) {
			size_t k = left > 97 ? 97 : left;
			if (k == 6 || k == 7)
				k = 5;
			if (!els_strbuf_addc(o, '*') ||
			    !els_strbuf_addc(o, (char)(29 + k)))
				return false;
			left -= k;
		}
		for (; left; left--) {
			if (!els_strbuf_addc(o, c))
				return false;
		}
		i += run;
	}
	for (size_t i = start; i < o->len; i++)
		sum += (uint8_t)o->buf[i];
	if (bad_checksum)
		sum++;
	return els_strbuf_printf(o, "#%02x", sum);
}

static void send_bytes(struct mockstub *m, const void *buf, size_t len)
{
	const char *p = buf;
	while (m->fd >= 0 && len) {
		ssize_t n = send(m->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the client went away: recv will say so */
		p += n;
		len -= (size_t)n;
	}
}

/* Send m->out and keep it for a resend. */
static void send_out(struct mockstub *m)
{
	send_bytes(m, m->out.buf, m->out.len);
	els_strbuf_reset(&m->last);
	els_strbuf_add(&m->last, m->out.buf, m->out.len);
}

/* Close at once (the client went away, or the stub stops). */
static void close_conn(struct mockstub *m)
{
	if (m->fd < 0)
		return;
	close(m->fd);
	m->fd = -1;
}

/*
 * The stub ends the connection: FIN after what was sent. The socket stays
 * open, dropping input, until the client closes too: closing it now would
 * answer the client's next bytes with a reset, and a reset may discard
 * replies the client has not read yet.
 */
static void end_conn(struct mockstub *m)
{
	if (m->fd < 0 || m->closing)
		return;
	shutdown(m->fd, SHUT_WR);
	m->closing = true;
}

static void reset_conn(struct mockstub *m)
{
	m->closing = false;
	m->stalled = false;
	m->running = false;
	m->phymem = 0;
	m->g_cpu = m->c_cpu = 0;
	m->in_state = IN_IDLE;
	m->in_escape = false;
	els_strbuf_reset(&m->in);
	els_strbuf_reset(&m->last);
}

static void record(struct mockstub *m, const char *req)
{
	pthread_mutex_lock(&m->lock);
	if (m->nlog == m->caplog) {
		size_t cap = m->caplog ? 2 * m->caplog : 256;
		char **log = realloc(m->log, cap * sizeof(*log));
		if (!log)
			goto out;
		m->log = log;
		m->caplog = cap;
	}
	char *copy = strdup(req);
	if (copy)
		m->log[m->nlog++] = copy;
out:
	pthread_mutex_unlock(&m->lock);
}

/* The rule for this request, if one applies now; counts the match. */
static const struct mockstub_rule *match_rule(struct mockstub *m,
					      const char *req)
{
	const struct mockstub_rule *found = NULL;
	for (size_t i = 0; i < m->nrules; i++) {
		struct rule_state *rs = &m->rules[i];
		if (!starts(req, rs->rule.prefix))
			continue;
		unsigned nth = ++rs->seen;
		unsigned from = rs->rule.from ? rs->rule.from : 1;
		if (found || nth < from ||
		    (rs->rule.times && nth - from >= rs->rule.times))
			continue;
		found = &rs->rule;
	}
	return found;
}

static void handle_request(struct mockstub *m, const char *req)
{
	record(m, req);
	if (m->stalled)
		return;
	bool interrupt = !strcmp(req, "\x03");
	if (!interrupt)
		send_bytes(m, "+", 1);
	const struct mockstub_rule *rule = match_rule(m, req);
	enum mockstub_action action = rule ? rule->action : MOCKSTUB_REPLY;
	struct els_strbuf reply = { 0 };
	bool close_after = false;
	bool has_reply = default_reply(m, req, &reply,
				       action == MOCKSTUB_SHORT, &close_after);
	const char *text = reply.buf;
	size_t len = reply.len;
	if (rule && (action == MOCKSTUB_REPLY || action == MOCKSTUB_RAW)) {
		text = rule->text ? rule->text : "";
		len = strlen(text);
		has_reply = true;
		close_after = false;
	}
	switch (action) {
	case MOCKSTUB_RAW:
		send_bytes(m, text, len);
		els_strbuf_reset(&m->last);
		els_strbuf_add(&m->last, text, len);
		break;
	case MOCKSTUB_CLOSE:
		end_conn(m);
		break;
	case MOCKSTUB_STALL:
		m->stalled = true;
		break;
	case MOCKSTUB_HALF_CLOSE:
		if (has_reply && frame(m, text, len, false, false))
			send_bytes(m, m->out.buf, m->out.len / 2);
		end_conn(m);
		break;
	case MOCKSTUB_BAD_CHECKSUM:
		if (has_reply && frame(m, text, len, false, true))
			send_out(m);
		break;
	case MOCKSTUB_BAD_CHECKSUM_ONCE:
		if (has_reply && frame(m, text, len, false, true)) {
			send_bytes(m, m->out.buf, m->out.len);
			if (frame(m, text, len, false, false)) {
				els_strbuf_reset(&m->last);
				els_strbuf_add(&m->last, m->out.buf,
					       m->out.len);
			}
		}
		break;
	case MOCKSTUB_REPLY:
	case MOCKSTUB_RLE:
	case MOCKSTUB_SHORT:
		if (has_reply &&
		    frame(m, text, len, action == MOCKSTUB_RLE, false))
			send_out(m);
		if (close_after)
			end_conn(m);
		break;
	}
	els_strbuf_deinit(&reply);
}

/* One byte from the client. */
static void feed(struct mockstub *m, uint8_t c)
{
	switch (m->in_state) {
	case IN_IDLE:
		/*
		 * As QEMU: '-' resends the last reply, but only until the
		 * client acks it or sends its next request.
		 */
		if (c == '+' || c == '$')
			els_strbuf_reset(&m->last);
		if (c == '$') {
			els_strbuf_reset(&m->in);
			els_strbuf_add(&m->in, "", 0);
			m->in_sum = 0;
			m->in_escape = false;
			m->in_state = IN_DATA;
		} else if (c == 0x03) {
			handle_request(m, "\x03");
		} else if (c == '-' && !m->stalled && m->last.len) {
			send_bytes(m, m->last.buf, m->last.len);
		}
		/* noise: nothing to do */
		return;
	case IN_DATA:
		if (c == '#') {
			m->in_state = IN_CSUM1;
			return;
		}
		m->in_sum += c;
		if (m->in_escape) {
			c ^= 0x20;
			m->in_escape = false;
		} else if (c == '}') {
			m->in_escape = true;
			return;
		}
		els_strbuf_addc(&m->in, (char)c);
		return;
	case IN_CSUM1:
		m->in_csum_hi = hexval(c);
		m->in_state = IN_CSUM2;
		return;
	case IN_CSUM2: {
		int lo = hexval(c);
		m->in_state = IN_IDLE;
		if (m->in_csum_hi < 0 || lo < 0 ||
		    (uint8_t)(m->in_csum_hi << 4 | lo) != m->in_sum) {
			if (!m->stalled)
				send_bytes(m, "-", 1);
			return;
		}
		handle_request(m, m->in.buf ? m->in.buf : "");
		return;
	}
	}
}

static void *serve(void *arg)
{
	struct mockstub *m = arg;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = m->wake[0], .events = POLLIN },
			{ .fd = m->fd >= 0 ? m->fd : m->listen_fd,
			  .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (!pfd[1].revents)
			continue;
		if (m->fd < 0) {
			int fd = accept4(m->listen_fd, NULL, NULL,
					 SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			/* A client that stops reading must not hang us. */
			struct timeval tv = { .tv_sec = 2 };
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				   sizeof(tv));
			/* No Nagle: a reply does not wait behind its '+'. */
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			m->fd = fd;
			reset_conn(m);
			pthread_mutex_lock(&m->lock);
			m->connections++;
			pthread_mutex_unlock(&m->lock);
			continue;
		}
		uint8_t buf[4096];
		ssize_t n = recv(m->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close_conn(m);
			continue;
		}
		for (ssize_t i = 0; i < n && !m->closing; i++)
			feed(m, buf[i]);
	}
	close_conn(m);
	return NULL;
}

static void destroy(struct mockstub *m)
{
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->wake[0] >= 0)
		close(m->wake[0]);
	if (m->wake[1] >= 0)
		close(m->wake[1]);
	for (size_t i = 0; i < m->nlog; i++)
		free(m->log[i]);
	free(m->log);
	free(m->rules);
	free(m->mem);
	free(m->core_xml);
	els_strbuf_deinit(&m->in);
	els_strbuf_deinit(&m->out);
	els_strbuf_deinit(&m->last);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct mockstub *mockstub_start(const struct mockstub_rule *rules,
				size_t nrules)
{
	struct mockstub *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->listen_fd = m->fd = -1;
	m->wake[0] = m->wake[1] = -1;
	pthread_mutex_init(&m->lock, NULL);
	m->rules = calloc(nrules ? nrules : 1, sizeof(*m->rules));
	m->mem = malloc(MOCKSTUB_MEM_SIZE);
	m->core_xml = make_core_xml();
	if (!m->rules || !m->mem || !m->core_xml)
		goto fail;
	for (size_t i = 0; i < nrules; i++)
		m->rules[i].rule = rules[i];
	m->nrules = nrules;
	for (uint64_t i = 0; i < MOCKSTUB_MEM_SIZE; i++)
		m->mem[i] = mockstub_mem_byte(i);

	if (pipe2(m->wake, O_CLOEXEC) < 0)
		goto fail;
	m->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		goto fail;
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = 0,
	};
	socklen_t sl = sizeof(sa);
	if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(m->listen_fd, 4) < 0 ||
	    getsockname(m->listen_fd, (struct sockaddr *)&sa, &sl) < 0)
		goto fail;
	snprintf(m->hostport, sizeof(m->hostport), "127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	snprintf(m->spec, sizeof(m->spec), "gdb:%s", m->hostport);
	if (pthread_create(&m->thread, NULL, serve, m))
		goto fail;
	m->thread_started = true;
	return m;
fail:
	destroy(m);
	return NULL;
}

void mockstub_stop(struct mockstub *m)
{
	if (!m)
		return;
	if (m->thread_started) {
		ssize_t n;
		do {
			n = write(m->wake[1], "x", 1);
		} while (n < 0 && errno == EINTR);
		pthread_join(m->thread, NULL);
	}
	destroy(m);
}

const char *mockstub_spec(const struct mockstub *m)
{
	return m->spec;
}

const char *mockstub_hostport(const struct mockstub *m)
{
	return m->hostport;
}

unsigned mockstub_count(struct mockstub *m, const char *prefix)
{
	unsigned n = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nlog; i++) {
		if (starts(m->log[i], prefix))
			n++;
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

int mockstub_position(struct mockstub *m, const char *prefix, unsigned nth)
{
	int pos = -1;
	unsigned n = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nlog; i++) {
		if (starts(m->log[i], prefix) && ++n == nth) {
			pos = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return pos;
}

uint64_t mockstub_max_mem_len(struct mockstub *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t v = m->max_mem_len;
	pthread_mutex_unlock(&m->lock);
	return v;
}

unsigned mockstub_connections(struct mockstub *m)
{
	pthread_mutex_lock(&m->lock);
	unsigned n = m->connections;
	pthread_mutex_unlock(&m->lock);
	return n;
}
