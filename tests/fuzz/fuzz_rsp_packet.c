/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: a byte stream as a stub would send it, through the
 * packet decoder, and every decoded packet through each reply parser.
 * The span decoder (what the client uses) must agree with the byte decoder
 * event for event.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/rsp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct els_rsp_decoder dec = { 0 }, span = { 0 };
	struct els_strbuf out = { 0 };
	els_rsp_decoder_reset(&dec);
	els_rsp_decoder_reset(&span);
	size_t span_pos = 0;
	for (size_t i = 0; i < size; i++) {
		enum els_rsp_event e = els_rsp_decoder_feed(&dec, data[i]);
		if (e == ELS_RSP_MORE)
			continue;
		/* The span decoder must stop at the same byte, same event. */
		size_t used;
		enum els_rsp_event e2 = els_rsp_decoder_feed_buf(
			&span, data + span_pos, size - span_pos, &used);
		span_pos += used;
		if (e2 != e || span_pos != i + 1 ||
		    ((e == ELS_RSP_PACKET || e == ELS_RSP_NOTIFICATION) &&
		     (span.raw.len != dec.raw.len ||
		      memcmp(span.raw.buf, dec.raw.buf, dec.raw.len))))
			abort();
		if (e != ELS_RSP_PACKET && e != ELS_RSP_NOTIFICATION)
			continue;
		struct els_error *err =
			els_rsp_unpack(dec.raw.buf, dec.raw.len, &out);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		const char *p = out.buf;
		size_t n = out.len;
		struct els_stop stop;
		uint64_t tid, ids[8];
		size_t nids = 0;
		bool has, more, last;
		struct els_rsp_features feat;
		const char *xd;
		size_t xl;
		els_error_destroy(els_rsp_parse_stop(p, n, &stop, &tid, &has));
		els_error_destroy(els_rsp_parse_thread_list(p, n, ids, 8, &nids,
							    &more));
		els_error_destroy(els_rsp_parse_supported(p, n, &feat));
		els_error_destroy(els_rsp_parse_xfer(p, n, &xd, &xl, &last));
		if (els_rsp_is_error(p, n))
			els_error_destroy(els_rsp_error(p, n, "fuzz"));
	}
	size_t used;
	if (els_rsp_decoder_feed_buf(&span, data + span_pos, size - span_pos,
				     &used) != ELS_RSP_MORE)
		abort(); /* the byte decoder saw no further event */
	els_rsp_decoder_deinit(&dec);
	els_rsp_decoder_deinit(&span);
	els_strbuf_deinit(&out);
	return 0;
}
