/* SPDX-License-Identifier: MIT */
#include "target/rsp_packet.h"

#include <string.h>

#include "core/hex.h"

enum {
	ST_IDLE,
	ST_DATA,
	ST_CSUM1,
	ST_CSUM2,
};

bool els_rsp_frame(const void *payload, size_t len, struct els_strbuf *out)
{
	const uint8_t *p = payload;
	uint8_t sum = 0;
	els_strbuf_reset(out);
	if (!els_strbuf_addc(out, '$'))
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			if (!els_strbuf_addc(out, '}'))
				return false;
			sum += '}';
			c ^= 0x20;
		}
		if (!els_strbuf_addc(out, (char)c))
			return false;
		sum += c;
	}
	return els_strbuf_printf(out, "#%02x", sum);
}

void els_rsp_decoder_reset(struct els_rsp_decoder *d)
{
	d->state = ST_IDLE;
	els_strbuf_reset(&d->raw);
	d->sum = 0;
	d->csum_hi = 0;
	d->notification = false;
}

void els_rsp_decoder_deinit(struct els_rsp_decoder *d)
{
	els_strbuf_deinit(&d->raw);
}

enum els_rsp_event els_rsp_decoder_feed(struct els_rsp_decoder *d, uint8_t c)
{
	switch (d->state) {
	case ST_IDLE:
		switch (c) {
		case '+': return ELS_RSP_ACK;
		case '-': return ELS_RSP_NAK;
		case 0x03: return ELS_RSP_INTERRUPT;
		case '$':
		case '%':
			els_rsp_decoder_reset(d);
			d->notification = c == '%';
			d->state = ST_DATA;
			/* Make raw.buf non-NULL even for an empty packet. */
			if (!els_strbuf_add(&d->raw, "", 0)) {
				d->state = ST_IDLE;
				return ELS_RSP_TOO_LONG;
			}
			return ELS_RSP_MORE;
		default:
			return ELS_RSP_MORE; /* line noise between packets */
		}
	case ST_DATA:
		if (c == '#') {
			d->state = ST_CSUM1;
			return ELS_RSP_MORE;
		}
		if (c == '$') {
			/* A new packet started: the old one was cut short. */
			els_rsp_decoder_reset(d);
			d->state = ST_DATA;
			els_strbuf_add(&d->raw, "", 0);
			return ELS_RSP_MORE;
		}
		if (d->raw.len >= ELS_RSP_MAX_PACKET ||
		    !els_strbuf_addc(&d->raw, (char)c)) {
			d->state = ST_IDLE;
			return ELS_RSP_TOO_LONG;
		}
		d->sum += c;
		return ELS_RSP_MORE;
	case ST_CSUM1: {
		int v = els_hexval(c);
		if (v < 0) {
			d->state = ST_IDLE;
			return ELS_RSP_BAD_CHECKSUM;
		}
		d->csum_hi = v;
		d->state = ST_CSUM2;
		return ELS_RSP_MORE;
	}
	case ST_CSUM2: {
		int v = els_hexval(c);
		d->state = ST_IDLE;
		if (v < 0 || (uint8_t)(d->csum_hi << 4 | v) != d->sum)
			return ELS_RSP_BAD_CHECKSUM;
		return d->notification ? ELS_RSP_NOTIFICATION : ELS_RSP_PACKET;
	}
	}
	d->state = ST_IDLE;
	return ELS_RSP_MORE;
}

enum els_rsp_event els_rsp_decoder_feed_buf(struct els_rsp_decoder *d,
					    const uint8_t *buf, size_t len,
					    size_t *used)
{
	size_t i = 0;
	while (i < len) {
		if (d->state == ST_DATA) {
			/* The span up to the next '#' or '$' is packet data. */
			size_t j = i;
			uint8_t sum = d->sum;
			while (j < len && buf[j] != '#' && buf[j] != '$')
				sum += buf[j++];
			if (j > i) {
				size_t n = j - i;
				if (n > ELS_RSP_MAX_PACKET - d->raw.len ||
				    !els_strbuf_add(&d->raw, buf + i, n)) {
					d->state = ST_IDLE;
					*used = j;
					return ELS_RSP_TOO_LONG;
				}
				d->sum = sum;
				i = j;
				continue;
			}
		}
		enum els_rsp_event e = els_rsp_decoder_feed(d, buf[i++]);
		if (e != ELS_RSP_MORE) {
			*used = i;
			return e;
		}
	}
	*used = i;
	return ELS_RSP_MORE;
}

struct els_error *els_rsp_unpack(const char *raw, size_t len,
				 struct els_strbuf *out)
{
	els_strbuf_reset(out);
	if (!els_strbuf_add(out, "", 0))
		return &els_enomem;
	size_t i = 0;
	while (i < len) {
		/* Plain data up to the next escape or repeat, in one piece. */
		size_t j = i;
		while (j < len && raw[j] != '}' && raw[j] != '*')
			j++;
		if (j > i) {
			if (j - i > ELS_RSP_MAX_PACKET - out->len ||
			    !els_strbuf_add(out, raw + i, j - i))
				goto too_long;
			i = j;
			continue;
		}
		char c = raw[i];
		if (c == '}') {
			if (++i >= len)
				return els_error_create(ELS_ERR_PROTOCOL,
							"packet ends inside an escape");
			c = (char)(raw[i] ^ 0x20);
		} else {
			if (out->len == 0 || ++i >= len)
				return els_error_create(ELS_ERR_PROTOCOL,
							"run-length repeat with nothing to repeat");
			int n = (unsigned char)raw[i] - 29;
			/* Counts that would form '$' or '#' are not allowed. */
			if (n < 3 || n > 97)
				return els_error_create(ELS_ERR_PROTOCOL,
							"bad run-length count 0x%02x",
							(unsigned char)raw[i]);
			char prev = out->buf[out->len - 1];
			for (int k = 0; k < n; k++) {
				if (out->len >= ELS_RSP_MAX_PACKET ||
				    !els_strbuf_addc(out, prev))
					goto too_long;
			}
			i++;
			continue;
		}
		if (out->len >= ELS_RSP_MAX_PACKET || !els_strbuf_addc(out, c))
			goto too_long;
		i++;
	}
	return NULL;
too_long:
	return els_error_create(ELS_ERR_PROTOCOL,
				"packet longer than %d bytes once decoded",
				ELS_RSP_MAX_PACKET);
}

bool els_rsp_is_error(const char *reply, size_t len)
{
	if (len >= 2 && reply[0] == 'E' && reply[1] == '.')
		return true;
	return len == 3 && reply[0] == 'E' && els_hexval(reply[1]) >= 0 &&
	       els_hexval(reply[2]) >= 0;
}

struct els_error *els_rsp_error(const char *reply, size_t len,
				const char *what)
{
	if (len >= 2 && reply[1] == '.') {
		size_t n = len - 2 > 200 ? 200 : len - 2;
		return els_error_create(ELS_ERR_TARGET, "%s: target error: %.*s",
					what, (int)n, reply + 2);
	}
	return els_error_create(ELS_ERR_TARGET, "%s: target error %.*s", what,
				(int)(len > 3 ? 3 : len), reply);
}

/* The next ';'-separated item of s[*pos..len). */
static bool next_item(const char *s, size_t len, size_t *pos,
		      const char **item, size_t *item_len)
{
	if (*pos >= len)
		return false;
	const char *start = s + *pos;
	const char *semi = memchr(start, ';', len - *pos);
	size_t n = semi ? (size_t)(semi - start) : len - *pos;
	*item = start;
	*item_len = n;
	*pos += n + (semi ? 1 : 0);
	return true;
}

static bool item_is(const char *item, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n == l && !memcmp(item, name, l);
}

struct els_error *els_rsp_parse_supported(const char *reply, size_t len,
					  struct els_rsp_features *ret)
{
	memset(ret, 0, sizeof(*ret));
	size_t pos = 0;
	const char *item;
	size_t n;
	while (next_item(reply, len, &pos, &item, &n)) {
		if (n > 11 && !memcmp(item, "PacketSize=", 11)) {
			uint64_t v;
			if (!els_hex_u64(item + 11, n - 11, &v) || v < 64)
				return els_error_create(ELS_ERR_PROTOCOL,
							"qSupported: bad PacketSize '%.*s'",
							(int)(n > 40 ? 40 : n),
							item);
			/* Far more than any stub needs; keeps sizes sane. */
			ret->packet_size = v > ELS_RSP_MAX_PACKET
						   ? ELS_RSP_MAX_PACKET
						   : (size_t)v;
		} else if (item_is(item, n, "qXfer:features:read+")) {
			ret->xfer_features = true;
		} else if (item_is(item, n, "swbreak+")) {
			ret->swbreak = true;
		} else if (item_is(item, n, "hwbreak+")) {
			ret->hwbreak = true;
		} else if (item_is(item, n, "QStartNoAckMode+")) {
			ret->no_ack_mode = true;
		} else if (item_is(item, n, "multiprocess+")) {
			ret->multiprocess = true;
		}
	}
	return NULL;
}

bool els_rsp_parse_thread_id(const char *s, size_t len, uint64_t *ret)
{
	if (len >= 1 && s[0] == 'p') {
		const char *dot = memchr(s, '.', len);
		if (!dot)
			return els_rsp_parse_thread_id(s + 1, len - 1, ret);
		size_t off = (size_t)(dot - s) + 1;
		return els_rsp_parse_thread_id(s + off, len - off, ret);
	}
	if (len == 2 && s[0] == '-' && s[1] == '1') {
		*ret = UINT64_MAX;
		return true;
	}
	return els_hex_u64(s, len, ret);
}

static struct els_error *bad_stop(const char *reply, size_t len)
{
	return els_error_create(ELS_ERR_PROTOCOL, "malformed stop reply '%.*s'",
				(int)(len > 60 ? 60 : len), reply);
}

struct els_error *els_rsp_parse_stop(const char *reply, size_t len,
				     struct els_stop *ret, uint64_t *thread_ret,
				     bool *has_thread)
{
	memset(ret, 0, sizeof(*ret));
	ret->cpu = -1;
	*thread_ret = 0;
	*has_thread = false;
	if (len < 3)
		return bad_stop(reply, len);
	uint64_t sig;
	if (!els_hex_u64(reply + 1, 2, &sig))
		return bad_stop(reply, len);
	ret->signal = (int)sig;
	switch (reply[0]) {
	case 'S':
		ret->reason = ELS_STOP_SIGNAL;
		return len == 3 ? NULL : bad_stop(reply, len);
	case 'W':
	case 'X':
		ret->reason = ELS_STOP_EXITED;
		return NULL;
	case 'T':
		break;
	default:
		return bad_stop(reply, len);
	}
	ret->reason = ELS_STOP_SIGNAL;
	size_t pos = 3;
	const char *item;
	size_t n;
	while (next_item(reply, len, &pos, &item, &n)) {
		const char *colon = memchr(item, ':', n);
		if (!colon)
			return bad_stop(reply, len);
		size_t klen = (size_t)(colon - item);
		const char *val = colon + 1;
		size_t vlen = n - klen - 1;
		uint64_t v;
		if (item_is(item, klen, "thread")) {
			if (!els_rsp_parse_thread_id(val, vlen, &v))
				return bad_stop(reply, len);
			*thread_ret = v;
			*has_thread = true;
		} else if (item_is(item, klen, "watch") ||
			   item_is(item, klen, "rwatch") ||
			   item_is(item, klen, "awatch")) {
			if (!els_hex_u64(val, vlen, &v))
				return bad_stop(reply, len);
			ret->reason = ELS_STOP_WATCH;
			ret->watch_addr = v;
		} else if (item_is(item, klen, "swbreak") ||
			   item_is(item, klen, "hwbreak")) {
			ret->reason = ELS_STOP_BREAK;
		}
		/* Register values, "core:", "library:" ...: not needed here. */
	}
	return NULL;
}

struct els_error *els_rsp_parse_thread_list(const char *reply, size_t len,
					    uint64_t *ids, size_t max_ids,
					    size_t *nids, bool *more)
{
	if (len == 0)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the stub does not list threads");
	if (reply[0] == 'l') {
		*more = false;
		if (len == 1)
			return NULL;
	} else if (reply[0] == 'm') {
		*more = true;
	} else {
		return els_error_create(ELS_ERR_PROTOCOL,
					"malformed thread list '%.*s'",
					(int)(len > 60 ? 60 : len), reply);
	}
	size_t pos = 1;
	while (pos < len) {
		const char *start = reply + pos;
		const char *comma = memchr(start, ',', len - pos);
		size_t n = comma ? (size_t)(comma - start) : len - pos;
		uint64_t id;
		if (!els_rsp_parse_thread_id(start, n, &id))
			return els_error_create(ELS_ERR_PROTOCOL,
						"malformed thread id '%.*s'",
						(int)(n > 40 ? 40 : n), start);
		if (*nids >= max_ids)
			return els_error_create(ELS_ERR_PROTOCOL,
						"the stub lists more than %zu threads",
						max_ids);
		ids[(*nids)++] = id;
		pos += n + (comma ? 1 : 0);
	}
	return NULL;
}

struct els_error *els_rsp_parse_xfer(const char *reply, size_t len,
				     const char **data, size_t *data_len,
				     bool *last)
{
	if (len == 0)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"the stub does not serve this object");
	if (reply[0] != 'm' && reply[0] != 'l')
		return els_error_create(ELS_ERR_PROTOCOL,
					"malformed qXfer reply '%.*s'",
					(int)(len > 40 ? 40 : len), reply);
	*last = reply[0] == 'l';
	*data = reply + 1;
	*data_len = len - 1;
	return NULL;
}
