/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the gdbserver: bytes as a gdb client would send
 * them, framed and unescaped by the RSP decoder, each packet decoded by the
 * request table and answered by a session over a made-up context. Every
 * reply must be as long as it says, and a decoded request's data must lie
 * inside the request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../gdb_fake_backend.h"
#include "gdbserver/request.h"
#include "target/rsp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct els_gdb_req req;
	struct els_rsp_decoder dec = { 0 };
	struct els_strbuf pkt = { 0 };
	struct fake f = { 0 };
	struct els_gdbserver_session *s =
		els_gdbserver_session_create(&fake_ops, &f);
	if (!s)
		return 0;
	els_rsp_decoder_reset(&dec);
	/* The input also goes to the decoder whole, as one request. */
	struct els_error *err = els_gdb_req_decode((const char *)data, size, &req);
	els_error_destroy(err);
	if (!err && req.data &&
	    (req.data < req.scratch || req.data_len > sizeof(req.scratch)))
		abort();
	for (size_t i = 0; i < size; i++) {
		enum els_rsp_event e = els_rsp_decoder_feed(&dec, data[i]);
		if (e != ELS_RSP_PACKET)
			continue;
		err = els_rsp_unpack(dec.raw.buf, dec.raw.len, &pkt);
		els_rsp_decoder_reset(&dec);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		char *reply;
		size_t len;
		bool resumed, leave;
		err = els_gdbserver_handle(s, pkt.buf, pkt.len, &reply, &len,
					   &resumed, &leave);
		if (err) {
			els_error_destroy(err);
			continue;
		}
		if (strlen(reply) != len)
			abort();
		if (leave)
			break;
	}
	els_gdbserver_session_destroy(s);
	els_rsp_decoder_deinit(&dec);
	els_strbuf_deinit(&pkt);
	return 0;
}
