/* SPDX-License-Identifier: MIT */
/* GDB remote protocol framing and reply parsers (target/rsp_packet.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "target/rsp_packet.h"

/* Feed a string; return the last event that was not ELS_RSP_MORE. */
static enum els_rsp_event feed(struct els_rsp_decoder *d, const char *s)
{
	enum els_rsp_event last = ELS_RSP_MORE;
	for (; *s; s++) {
		enum els_rsp_event e = els_rsp_decoder_feed(d, (uint8_t)*s);
		if (e != ELS_RSP_MORE)
			last = e;
	}
	return last;
}

static void test_frame(void **state)
{
	struct els_strbuf sb = { 0 };
	assert_true(els_rsp_frame("qSupported", 10, &sb));
	assert_string_equal(sb.buf, "$qSupported#37");
	/* Special characters are escaped with '}' and XOR 0x20. */
	assert_true(els_rsp_frame("a$#}*", 5, &sb));
	/* 0x61 + 4 * 0x7d + 0x04 + 0x03 + 0x5d + 0x0a = 0x2c3 */
	assert_string_equal(sb.buf, "$a}\x04}\x03}]}\x0a#c3");
	assert_true(els_rsp_frame("", 0, &sb));
	assert_string_equal(sb.buf, "$#00");
	els_strbuf_deinit(&sb);
}

static void test_decoder_roundtrip(void **state)
{
	struct els_rsp_decoder d = { 0 };
	struct els_strbuf framed = { 0 }, out = { 0 };
	const char payload[] = "T05thread:01;a$b#c}d*e";
	assert_true(els_rsp_frame(payload, strlen(payload), &framed));
	els_rsp_decoder_reset(&d);
	assert_int_equal(feed(&d, framed.buf), ELS_RSP_PACKET);
	assert_null(els_rsp_unpack(d.raw.buf, d.raw.len, &out));
	assert_string_equal(out.buf, payload);
	/* Acks, noise and notifications. */
	assert_int_equal(feed(&d, "+"), ELS_RSP_ACK);
	assert_int_equal(feed(&d, "-"), ELS_RSP_NAK);
	assert_int_equal(feed(&d, "\r\nxyz"), ELS_RSP_MORE);
	assert_int_equal(feed(&d, "%Stop:T05#"), ELS_RSP_MORE);
	assert_int_equal(feed(&d, "XX"), ELS_RSP_BAD_CHECKSUM);
	assert_int_equal(feed(&d, "$OK#9a"), ELS_RSP_PACKET);
	assert_int_equal(feed(&d, "$OK#9b"), ELS_RSP_BAD_CHECKSUM);
	/* A packet cut short by a new '$' restarts. */
	assert_int_equal(feed(&d, "$garb$OK#9a"), ELS_RSP_PACKET);
	assert_null(els_rsp_unpack(d.raw.buf, d.raw.len, &out));
	assert_string_equal(out.buf, "OK");
	els_rsp_decoder_deinit(&d);
	els_strbuf_deinit(&framed);
	els_strbuf_deinit(&out);
}

static void test_decoder_spans(void **state)
{
	/* Two packets, noise, an ack, a bad checksum: in spans as in bytes. */
	const char *stream = "+xx$m1,2#fc-$E14#aa$OK#00$l#6c";
	const enum els_rsp_event want[] = { ELS_RSP_ACK, ELS_RSP_PACKET,
					    ELS_RSP_NAK, ELS_RSP_PACKET,
					    ELS_RSP_BAD_CHECKSUM,
					    ELS_RSP_PACKET };
	const char *raws[] = { NULL, "m1,2", NULL, "E14", NULL, "l" };
	struct els_rsp_decoder d = { 0 };
	els_rsp_decoder_reset(&d);
	size_t pos = 0, len = strlen(stream);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		size_t used;
		enum els_rsp_event e = els_rsp_decoder_feed_buf(
			&d, (const uint8_t *)stream + pos, len - pos, &used);
		assert_int_equal(e, want[k]);
		pos += used;
		if (raws[k]) {
			assert_int_equal(d.raw.len, strlen(raws[k]));
			assert_memory_equal(d.raw.buf, raws[k], d.raw.len);
		}
	}
	size_t used;
	assert_int_equal(els_rsp_decoder_feed_buf(&d, (const uint8_t *)"", 0,
						  &used),
			 ELS_RSP_MORE);
	assert_int_equal(pos, len);
	/* A packet split across two feeds keeps its checksum running. */
	assert_int_equal(els_rsp_decoder_feed_buf(&d, (const uint8_t *)"$O", 2,
						  &used),
			 ELS_RSP_MORE);
	assert_int_equal(els_rsp_decoder_feed_buf(&d, (const uint8_t *)"K#9a",
						  4, &used),
			 ELS_RSP_PACKET);
	els_rsp_decoder_deinit(&d);
}

static void test_decoder_too_long(void **state)
{
	struct els_rsp_decoder d = { 0 };
	els_rsp_decoder_reset(&d);
	els_rsp_decoder_feed(&d, '$');
	enum els_rsp_event e = ELS_RSP_MORE;
	size_t i;
	for (i = 0; i <= ELS_RSP_MAX_PACKET + 1 && e == ELS_RSP_MORE; i++)
		e = els_rsp_decoder_feed(&d, 'a');
	assert_int_equal(e, ELS_RSP_TOO_LONG);
	assert_true(i <= ELS_RSP_MAX_PACKET + 1);
	els_rsp_decoder_deinit(&d);
}

static void test_unpack_run_length(void **state)
{
	struct els_strbuf out = { 0 };
	/* '0' then "* " repeats it 32 - 29 = 3 more times. */
	assert_null(els_rsp_unpack("0* ", 3, &out));
	assert_string_equal(out.buf, "0000");
	assert_null(els_rsp_unpack("ab*\"c", 5, &out));
	assert_string_equal(out.buf, "abbbbbbc");
	struct els_error *err = els_rsp_unpack("*a", 2, &out);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_PROTOCOL);
	els_error_destroy(err);
	err = els_rsp_unpack("a*", 2, &out);
	assert_non_null(err);
	els_error_destroy(err);
	err = els_rsp_unpack("a*\x10", 3, &out); /* count below 3 */
	assert_non_null(err);
	assert_non_null(strstr(err->message, "run-length count"));
	els_error_destroy(err);
	err = els_rsp_unpack("ab}", 3, &out);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "escape"));
	els_error_destroy(err);
	els_strbuf_deinit(&out);
}

static void test_errors(void **state)
{
	assert_true(els_rsp_is_error("E14", 3));
	assert_true(els_rsp_is_error("E.no such memory", 16));
	assert_false(els_rsp_is_error("E1", 2));
	assert_false(els_rsp_is_error("e014", 4));
	assert_false(els_rsp_is_error("E1z", 3));
	struct els_error *err = els_rsp_error("E14", 3, "reading");
	assert_int_equal(err->code, ELS_ERR_TARGET);
	assert_string_equal(err->message, "reading: target error E14");
	els_error_destroy(err);
}

static void test_supported(void **state)
{
	struct els_rsp_features f;
	const char *q = "PacketSize=1000;qXfer:features:read+;ReverseStep+;hwbreak+";
	assert_null(els_rsp_parse_supported(q, strlen(q), &f));
	assert_int_equal(f.packet_size, 4096);
	assert_true(f.xfer_features);
	assert_true(f.hwbreak);
	assert_false(f.swbreak);
	q = "PacketSize=zz";
	struct els_error *err = els_rsp_parse_supported(q, strlen(q), &f);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_PROTOCOL);
	els_error_destroy(err);
	q = "PacketSize=10"; /* 16 bytes: too small to be real */
	err = els_rsp_parse_supported(q, strlen(q), &f);
	assert_non_null(err);
	els_error_destroy(err);
	q = "PacketSize=ffffffffff";
	assert_null(els_rsp_parse_supported(q, strlen(q), &f));
	assert_int_equal(f.packet_size, ELS_RSP_MAX_PACKET);
}

static void test_stop_replies(void **state)
{
	struct els_stop s;
	uint64_t tid;
	bool has;
	const char *r = "T05thread:02;core:1;";
	assert_null(els_rsp_parse_stop(r, strlen(r), &s, &tid, &has));
	assert_true(has);
	assert_int_equal(tid, 2);
	assert_int_equal(s.signal, 5);
	assert_int_equal(s.reason, ELS_STOP_SIGNAL);
	r = "T05thread:p1.3;watch:ffff000012345678;";
	assert_null(els_rsp_parse_stop(r, strlen(r), &s, &tid, &has));
	assert_int_equal(tid, 3);
	assert_int_equal(s.reason, ELS_STOP_WATCH);
	assert_int_equal(s.watch_addr, 0xffff000012345678ULL);
	r = "T05swbreak:;thread:01;";
	assert_null(els_rsp_parse_stop(r, strlen(r), &s, &tid, &has));
	assert_int_equal(s.reason, ELS_STOP_BREAK);
	assert_null(els_rsp_parse_stop("S02", 3, &s, &tid, &has));
	assert_false(has);
	assert_int_equal(s.signal, 2);
	assert_null(els_rsp_parse_stop("W00", 3, &s, &tid, &has));
	assert_int_equal(s.reason, ELS_STOP_EXITED);
	const char *bad[] = { "", "T", "T0", "Tzz", "S02x", "Q05", "T05thread;",
			      "T05thread:zz;", "T05watch:;" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct els_error *err = els_rsp_parse_stop(
			bad[i], strlen(bad[i]), &s, &tid, &has);
		assert_non_null(err);
		assert_int_equal(err->code, ELS_ERR_PROTOCOL);
		els_error_destroy(err);
	}
}

static void test_thread_list(void **state)
{
	uint64_t ids[4];
	size_t n = 0;
	bool more;
	assert_null(els_rsp_parse_thread_list("m1,2", 4, ids, 4, &n, &more));
	assert_true(more);
	assert_null(els_rsp_parse_thread_list("mp1.3", 5, ids, 4, &n, &more));
	assert_null(els_rsp_parse_thread_list("l", 1, ids, 4, &n, &more));
	assert_false(more);
	assert_int_equal(n, 3);
	assert_int_equal(ids[2], 3);
	struct els_error *err =
		els_rsp_parse_thread_list("m5,6", 4, ids, 4, &n, &more);
	assert_non_null(err); /* the fifth id does not fit */
	assert_non_null(strstr(err->message, "more than 4 threads"));
	els_error_destroy(err);
	n = 0;
	err = els_rsp_parse_thread_list("m1,,2", 5, ids, 4, &n, &more);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_PROTOCOL);
	els_error_destroy(err);
	err = els_rsp_parse_thread_list("", 0, ids, 4, &n, &more);
	assert_int_equal(err->code, ELS_ERR_UNSUPPORTED);
	els_error_destroy(err);
}

static void test_xfer(void **state)
{
	const char *data;
	size_t len;
	bool last;
	assert_null(els_rsp_parse_xfer("l<x/>", 5, &data, &len, &last));
	assert_true(last);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "<x/>", 4);
	struct els_error *err = els_rsp_parse_xfer("E01", 3, &data, &len, &last);
	assert_non_null(err);
	els_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_decoder_roundtrip),
		cmocka_unit_test(test_decoder_spans),
		cmocka_unit_test(test_decoder_too_long),
		cmocka_unit_test(test_unpack_run_length),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_stop_replies),
		cmocka_unit_test(test_thread_list),
		cmocka_unit_test(test_xfer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
