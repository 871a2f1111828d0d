/* SPDX-License-Identifier: MIT */
/*
 * Requests gdb sends, decoded by a table: each row a packet name, how the
 * name ends, and a parser for what follows it. Every number is bounded
 * (at most 16 hex digits), every length is checked against the packet and
 * against ELS_GDB_MAX_MEM, before a handler sees anything.
 */
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "gdbserver/request.h"

/* A cursor over the arguments: [p, end). */
struct cur {
	const char *p, *end;
};

static struct els_error *bad(const char *what, const char *why)
{
	return els_error_create(ELS_ERR_PROTOCOL, "%s: %s", what, why);
}

/* A hex number up to the next byte of stop (or the end). */
static bool hex_until(struct cur *c, const char *stop, uint64_t *ret)
{
	const char *s = c->p;
	while (c->p < c->end && !strchr(stop, *c->p))
		c->p++;
	return els_hex_u64(s, (size_t)(c->p - s), ret);
}

static bool eat(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A thread id: "-1", or hex (gdb without multiprocess writes no "p"). */
static bool thread_id(struct cur *c, const char *stop, int64_t *ret)
{
	if (c->end - c->p >= 2 && c->p[0] == '-' && c->p[1] == '1') {
		c->p += 2;
		*ret = ELS_GDB_ALL_THREADS;
		return c->p == c->end || strchr(stop, *c->p);
	}
	uint64_t v;
	if (!hex_until(c, stop, &v) || v > INT64_MAX)
		return false;
	*ret = (int64_t)v;
	return true;
}

/* ---- argument parsers, one per row ---- */

typedef struct els_error *(*parse_fn)(struct cur *c, struct els_gdb_req *r);

static struct els_error *p_none(struct cur *c, struct els_gdb_req *r)
{
	(void)c;
	(void)r;
	return NULL;
}

static struct els_error *p_reg(struct cur *c, struct els_gdb_req *r)
{
	uint64_t n;
	if (!hex_until(c, "", &n) || n > 0xffff)
		return bad("p", "not a register number");
	r->regno = (uint32_t)n;
	return NULL;
}

/* Hex data to the end into scratch. */
static struct els_error *hex_data(struct cur *c, struct els_gdb_req *r,
				  const char *what)
{
	size_t digits = (size_t)(c->end - c->p);
	if (digits % 2)
		return bad(what, "an odd number of hex digits");
	if (digits / 2 > sizeof(r->scratch))
		return bad(what, "more data than a packet of this server holds");
	if (!els_hex_decode(c->p, digits / 2, r->scratch))
		return bad(what, "data that is not hex");
	r->data = r->scratch;
	r->data_len = digits / 2;
	c->p = c->end;
	return NULL;
}

static struct els_error *p_write_reg(struct cur *c, struct els_gdb_req *r)
{
	uint64_t n;
	if (!hex_until(c, "=", &n) || n > 0xffff || !eat(c, '='))
		return bad("P", "not 'n=value'");
	r->regno = (uint32_t)n;
	struct els_error *err = hex_data(c, r, "P");
	if (!err && !r->data_len)
		err = bad("P", "no value");
	return err;
}

static struct els_error *p_write_regs(struct cur *c, struct els_gdb_req *r)
{
	return hex_data(c, r, "G");
}

/* addr,len with len bounded by what one reply may carry. */
static struct els_error *addr_len(struct cur *c, struct els_gdb_req *r,
				  const char *what, const char *stop)
{
	if (!hex_until(c, ",", &r->addr) || !eat(c, ','))
		return bad(what, "not 'addr,length'");
	if (!hex_until(c, stop, &r->len))
		return bad(what, "a bad length");
	if (r->len > ELS_GDB_MAX_MEM)
		return bad(what, "a length over 2048 bytes (PacketSize)");
	if (r->len && r->addr + (r->len - 1) < r->addr)
		return bad(what, "a range past the end of the address space");
	return NULL;
}

static struct els_error *p_read_mem(struct cur *c, struct els_gdb_req *r)
{
	struct els_error *err = addr_len(c, r, "m", "");
	if (!err && c->p != c->end)
		err = bad("m", "trailing bytes");
	return err;
}

static struct els_error *p_write_mem(struct cur *c, struct els_gdb_req *r)
{
	struct els_error *err = addr_len(c, r, "M", ":");
	if (err)
		return err;
	if (!eat(c, ':'))
		return bad("M", "no ':' before the data");
	if ((err = hex_data(c, r, "M")))
		return err;
	if (r->data_len != r->len)
		return bad("M", "data of another length than said");
	return NULL;
}

/* X: the data is binary (escapes already undone by els_rsp_unpack). */
static struct els_error *p_write_bin(struct cur *c, struct els_gdb_req *r)
{
	struct els_error *err = addr_len(c, r, "X", ":");
	if (err)
		return err;
	if (!eat(c, ':'))
		return bad("X", "no ':' before the data");
	size_t n = (size_t)(c->end - c->p);
	if (n != r->len)
		return bad("X", "data of another length than said");
	memcpy(r->scratch, c->p, n);
	r->data = r->scratch;
	r->data_len = n;
	c->p = c->end;
	return NULL;
}

static struct els_error *p_set_thread(struct cur *c, struct els_gdb_req *r)
{
	if (c->p == c->end || (*c->p != 'g' && *c->p != 'c'))
		return bad("H", "not Hg or Hc");
	r->op = *c->p++;
	if (!thread_id(c, "", &r->thread) || c->p != c->end)
		return bad("H", "not a thread id");
	return NULL;
}

static struct els_error *p_thread(struct cur *c, struct els_gdb_req *r)
{
	if (!thread_id(c, "", &r->thread) || c->p != c->end ||
	    r->thread == ELS_GDB_ALL_THREADS)
		return bad("T", "not a thread id");
	return NULL;
}

static struct els_error *p_thread_extra(struct cur *c, struct els_gdb_req *r)
{
	if (!eat(c, ',') || !thread_id(c, "", &r->thread) || c->p != c->end)
		return bad("qThreadExtraInfo", "not ',thread'");
	return NULL;
}

/* c [addr], s [addr] */
static struct els_error *p_resume(struct cur *c, struct els_gdb_req *r)
{
	if (c->p == c->end)
		return NULL;
	if (!hex_until(c, "", &r->addr))
		return bad(r->kind == ELS_GDB_STEP ? "s" : "c", "a bad address");
	r->has_addr = true;
	return NULL;
}

static struct els_error *p_vcont(struct cur *c, struct els_gdb_req *r)
{
	if (c->p == c->end)
		return bad("vCont", "no action");
	while (c->p < c->end) {
		if (!eat(c, ';'))
			return bad("vCont", "actions are not separated by ';'");
		if (r->nvcont == ELS_GDB_MAX_VCONT)
			return bad("vCont", "more than 16 actions");
		if (c->p == c->end)
			return bad("vCont", "an empty action");
		struct els_gdb_vcont_action *a = &r->vcont[r->nvcont++];
		a->action = *c->p++;
		a->thread = ELS_GDB_ALL_THREADS;
		if (!strchr("cstCS", a->action))
			return bad("vCont", "an unknown action");
		if (a->action == 'C' || a->action == 'S') {
			/* A signal to deliver: a machine has none; skip it. */
			uint64_t sig;
			if (!hex_until(c, ":;", &sig) || sig > 0xff)
				return bad("vCont", "a bad signal");
			a->action = (char)(a->action - 'A' + 'a');
		}
		if (eat(c, ':') && !thread_id(c, ";", &a->thread))
			return bad("vCont", "a bad thread id");
	}
	return NULL;
}

static struct els_error *p_bp(struct cur *c, struct els_gdb_req *r)
{
	const char *what = r->kind == ELS_GDB_INSERT_BP ? "Z" : "z";
	uint64_t type, kind;
	if (!hex_until(c, ",", &type) || type > 4 || !eat(c, ','))
		return bad(what, "not 'type,addr,kind' with type 0-4");
	r->bp_type = (int)type;
	if (!hex_until(c, ",;", &r->addr) || !eat(c, ','))
		return bad(what, "a bad address");
	/* kind: the breakpoint's size, or the watched length. */
	if (!hex_until(c, ";", &kind) || !kind || kind > 0x10000)
		return bad(what, "a bad kind or length");
	r->len = kind;
	/* Conditions (";X...") are gdb's business here: ignored. */
	c->p = c->end;
	return NULL;
}

/* qXfer:object:read:annex:offset,length */
static struct els_error *p_xfer(struct cur *c, struct els_gdb_req *r)
{
	const char *s = c->p;
	while (c->p < c->end && *c->p != ':')
		c->p++;
	size_t n = (size_t)(c->p - s);
	if (!n || n >= sizeof(r->object) || !eat(c, ':'))
		return bad("qXfer", "no object");
	memcpy(r->object, s, n);
	r->object[n] = '\0';
	if ((size_t)(c->end - c->p) < 5 || memcmp(c->p, "read:", 5))
		return r->kind = ELS_GDB_UNKNOWN, NULL; /* write: not served */
	c->p += 5;
	s = c->p;
	while (c->p < c->end && *c->p != ':')
		c->p++;
	n = (size_t)(c->p - s);
	if (n >= sizeof(r->annex) || !eat(c, ':'))
		return bad("qXfer", "a bad annex");
	memcpy(r->annex, s, n);
	r->annex[n] = '\0';
	if (!hex_until(c, ",", &r->addr) || !eat(c, ',') ||
	    !hex_until(c, "", &r->len))
		return bad("qXfer", "not 'offset,length'");
	if (r->len > ELS_GDB_MAX_MEM)
		r->len = ELS_GDB_MAX_MEM; /* a short read is fine for qXfer */
	return NULL;
}

/* Anything after the name, unchecked: qSupported features, D;pid, ... */
static struct els_error *p_rest(struct cur *c, struct els_gdb_req *r)
{
	(void)r;
	c->p = c->end;
	return NULL;
}

/*
 * The table. `ends`: how the name must end for the row to match: "" the
 * packet is exactly the name, "*" anything may follow (single-letter
 * packets take their arguments right after the letter), or a set of
 * characters one of which follows the name (or the packet ends).
 */
static const struct row {
	const char *name;
	const char *ends;
	enum els_gdb_req_kind kind;
	parse_fn parse;
} rows[] = {
	{ "qSupported", ":", ELS_GDB_SUPPORTED, p_rest },
	{ "QStartNoAckMode", "", ELS_GDB_NO_ACK, p_none },
	{ "qfThreadInfo", "", ELS_GDB_THREAD_FIRST, p_none },
	{ "qsThreadInfo", "", ELS_GDB_THREAD_NEXT, p_none },
	{ "qC", "", ELS_GDB_CURRENT_THREAD, p_none },
	{ "qThreadExtraInfo", ",", ELS_GDB_THREAD_EXTRA, p_thread_extra },
	{ "qXfer:", "*", ELS_GDB_XFER_READ, p_xfer },
	{ "qAttached", ":", ELS_GDB_ATTACHED, p_rest },
	{ "qSymbol:", "*", ELS_GDB_SYMBOL, p_rest },
	{ "vCont?", "", ELS_GDB_VCONT_QUERY, p_none },
	{ "vCont", ";", ELS_GDB_VCONT, p_vcont },
	{ "vKill", ";", ELS_GDB_KILL, p_rest },
	{ "?", "", ELS_GDB_STOP_REASON, p_none },
	{ "g", "", ELS_GDB_READ_REGS, p_none },
	{ "G", "*", ELS_GDB_WRITE_REGS, p_write_regs },
	{ "p", "*", ELS_GDB_READ_REG, p_reg },
	{ "P", "*", ELS_GDB_WRITE_REG, p_write_reg },
	{ "m", "*", ELS_GDB_READ_MEM, p_read_mem },
	{ "M", "*", ELS_GDB_WRITE_MEM, p_write_mem },
	{ "X", "*", ELS_GDB_WRITE_MEM, p_write_bin },
	{ "H", "*", ELS_GDB_SET_THREAD, p_set_thread },
	{ "T", "*", ELS_GDB_THREAD_ALIVE, p_thread },
	{ "c", "*", ELS_GDB_CONT, p_resume },
	{ "s", "*", ELS_GDB_STEP, p_resume },
	{ "Z", "*", ELS_GDB_INSERT_BP, p_bp },
	{ "z", "*", ELS_GDB_REMOVE_BP, p_bp },
	{ "D", "*", ELS_GDB_DETACH, p_rest },
	{ "k", "", ELS_GDB_KILL, p_none },
};

static bool row_matches(const struct row *row, const char *pkt, size_t len,
			size_t *arg)
{
	size_t n = strlen(row->name);
	if (len < n || memcmp(pkt, row->name, n))
		return false;
	*arg = n;
	if (!strcmp(row->ends, "*"))
		return true;
	if (len == n)
		return true;
	return row->ends[0] && strchr(row->ends, pkt[n]);
}

struct els_error *els_gdb_req_decode(const char *pkt, size_t len,
				     struct els_gdb_req *req)
{
	memset(req, 0, offsetof(struct els_gdb_req, scratch));
	req->kind = ELS_GDB_UNKNOWN;
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		size_t arg;
		if (!row_matches(&rows[i], pkt, len, &arg))
			continue;
		req->kind = rows[i].kind;
		struct cur c = { pkt + arg, pkt + len };
		struct els_error *err = rows[i].parse(&c, req);
		if (err) {
			req->kind = ELS_GDB_UNKNOWN;
			return err;
		}
		return NULL;
	}
	return NULL;
}

const char *els_gdb_req_name(enum els_gdb_req_kind kind)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		if (rows[i].kind == kind)
			return rows[i].name;
	}
	return "unknown";
}
