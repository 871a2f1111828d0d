/* SPDX-License-Identifier: MIT */
/*
 * GDB remote serial protocol: packet framing and the parsers of replies.
 * Pure functions over bytes, no I/O, so that they can be fuzzed: everything
 * a stub sends is untrusted.
 */
#ifndef ELS_TARGET_RSP_PACKET_H
#define ELS_TARGET_RSP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "target/target.h"

/* A decoded packet never exceeds this; a longer one is a protocol error. */
#define ELS_RSP_MAX_PACKET (1024 * 1024)

/* Frame a payload: "$" + escaped payload + "#" + two checksum digits. */
bool els_rsp_frame(const void *payload, size_t len, struct els_strbuf *out);

enum els_rsp_event {
	ELS_RSP_MORE,         /* nothing complete yet */
	ELS_RSP_ACK,          /* '+' */
	ELS_RSP_NAK,          /* '-' */
	ELS_RSP_PACKET,       /* "$...#xx" with a good checksum */
	ELS_RSP_NOTIFICATION, /* "%...#xx" (non-stop notifications) */
	ELS_RSP_BAD_CHECKSUM, /* a packet whose checksum did not match */
	ELS_RSP_TOO_LONG,     /* a packet over ELS_RSP_MAX_PACKET */
	ELS_RSP_INTERRUPT,    /* a 0x03 byte (stubs do not send it; peers may) */
};

/*
 * Incremental decoder: feed bytes one at a time as they arrive. After
 * ELS_RSP_PACKET/NOTIFICATION, `raw` holds the packet's data as sent
 * (still escaped and run-length encoded); els_rsp_unpack() decodes it.
 */
struct els_rsp_decoder {
	int state;
	struct els_strbuf raw;
	uint8_t sum;
	int csum_hi;
	bool notification;
};

void els_rsp_decoder_reset(struct els_rsp_decoder *d);
void els_rsp_decoder_deinit(struct els_rsp_decoder *d);
enum els_rsp_event els_rsp_decoder_feed(struct els_rsp_decoder *d, uint8_t c);
/*
 * Feed up to len bytes, stopping after the first event other than
 * ELS_RSP_MORE; *used says how many bytes were taken. Same result as
 * feeding them one at a time, but packet data is taken in spans.
 */
enum els_rsp_event els_rsp_decoder_feed_buf(struct els_rsp_decoder *d,
					    const uint8_t *buf, size_t len,
					    size_t *used);

/*
 * Undo '}' escapes and '*' run-length encoding of raw packet data into out
 * (reset first). Errors: a dangling escape, a repeat with nothing before it,
 * a bad repeat count, a result over ELS_RSP_MAX_PACKET.
 */
struct els_error *els_rsp_unpack(const char *raw, size_t len,
				 struct els_strbuf *out);

/* "Exx" or "E.text": true when the reply is an error reply. */
bool els_rsp_is_error(const char *reply, size_t len);
/* The error reply as an error value: "target error E14". */
struct els_error *els_rsp_error(const char *reply, size_t len,
				const char *what);

/* What qSupported told us. */
struct els_rsp_features {
	size_t packet_size;   /* 0 when not said */
	bool xfer_features;   /* qXfer:features:read+ */
	bool swbreak, hwbreak;
	bool no_ack_mode;     /* QStartNoAckMode+ */
	bool multiprocess;
	bool vcont;           /* from "vCont?", filled in later */
	bool vcont_step;
};

struct els_error *els_rsp_parse_supported(const char *reply, size_t len,
					  struct els_rsp_features *ret);

/*
 * A stop reply: "S sig", "T sig pairs", "W code", "X sig". *thread_ret is
 * set from "thread:" (0 when absent; *has_thread says which). Unknown pairs
 * are skipped as the protocol asks.
 */
struct els_error *els_rsp_parse_stop(const char *reply, size_t len,
				     struct els_stop *ret, uint64_t *thread_ret,
				     bool *has_thread);

/*
 * A thread id as a stub writes it: "1f", "-1", or "pPID.TID" (multiprocess;
 * the TID is taken). Returns false if malformed.
 */
bool els_rsp_parse_thread_id(const char *s, size_t len, uint64_t *ret);

/*
 * A qfThreadInfo or qsThreadInfo reply: "m id,id,..." appends ids and sets
 * *more; "l" (or "l" plus ids) ends the list.
 */
struct els_error *els_rsp_parse_thread_list(const char *reply, size_t len,
					    uint64_t *ids, size_t max_ids,
					    size_t *nids, bool *more);

/*
 * A qXfer read reply: "m<data>" (more follows) or "l<data>" (last).
 * data and data_len point into reply.
 */
struct els_error *els_rsp_parse_xfer(const char *reply, size_t len,
				     const char **data, size_t *data_len,
				     bool *last);

#endif
