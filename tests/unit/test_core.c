/* SPDX-License-Identifier: MIT */
/* core/: errors, the bounds-checked reader, hex, strings, vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/hex.h"
#include "core/reader.h"
#include "core/strbuf.h"
#include "core/vec.h"

ELS_VEC(u64_vec, uint64_t);

static void test_error_wrap_and_addr(void **state)
{
	struct els_error *err = els_error_addr(ELS_ERR_NOT_MAPPED, 0x40001000,
					       "physical address 0x%x is not in the dump",
					       0x40001000);
	assert_int_equal(err->code, ELS_ERR_NOT_MAPPED);
	assert_true(err->has_addr);
	assert_int_equal(err->addr, 0x40001000);
	err = els_error_wrap(err, "reading %s", "pgd page");
	assert_string_equal(err->message,
			    "reading pgd page: physical address 0x40001000 is not in the dump");
	assert_string_equal(els_error_code_name(err->code), "not mapped");
	els_error_destroy(err);
	/* The static out-of-memory error survives wrap and destroy. */
	assert_ptr_equal(els_error_wrap(&els_enomem, "x"), &els_enomem);
	els_error_destroy(&els_enomem);
	assert_string_equal(els_enomem.message, "out of memory");
	assert_null(els_error_wrap(NULL, "x"));
}

static void test_error_errno(void **state)
{
	struct els_error *err = els_error_errno(2, "opening %s", "/nonexistent");
	assert_int_equal(err->code, ELS_ERR_IO);
	assert_non_null(strstr(err->message, "opening /nonexistent: "));
	els_error_destroy(err);
}

static void test_reader_bounds(void **state)
{
	const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct els_reader r;
	els_reader_init(&r, buf, sizeof(buf), false, "test data");
	uint32_t v32;
	uint64_t v64;
	uint16_t v16;
	assert_null(els_reader_u32(&r, &v32));
	assert_int_equal(v32, 0x04030201);
	assert_null(els_reader_u16(&r, &v16));
	assert_int_equal(v16, 0x0605);
	/* 5 bytes left: a u64 must fail and consume nothing. */
	struct els_error *err = els_reader_u64(&r, &v64);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_INVALID);
	assert_string_equal(err->message,
			    "test data: truncated: need 8 bytes at offset 6, 5 left");
	els_error_destroy(err);
	assert_int_equal(els_reader_offset(&r), 6);
	/* Sizes near SIZE_MAX must not wrap the check. */
	err = els_reader_skip(&r, SIZE_MAX);
	assert_non_null(err);
	els_error_destroy(err);
	assert_null(els_reader_align(&r, 8));
	assert_int_equal(els_reader_offset(&r), 8);
	err = els_reader_seek(&r, 12);
	assert_non_null(err);
	els_error_destroy(err);
	assert_null(els_reader_seek(&r, 11));
	assert_int_equal(els_reader_left(&r), 0);
}

static void test_reader_big_endian_and_sub(void **state)
{
	const uint8_t buf[] = { 0x12, 0x34, 0x56, 0x78, 0xaa, 0xbb };
	struct els_reader r, sub;
	els_reader_init(&r, buf, sizeof(buf), true, "be");
	uint32_t v;
	assert_null(els_reader_u32(&r, &v));
	assert_int_equal(v, 0x12345678);
	struct els_error *e = els_reader_sub(&r, 3, "inner", &sub);
	assert_non_null(e);
	els_error_destroy(e);
	assert_null(els_reader_sub(&r, 2, "inner", &sub));
	uint8_t b;
	assert_null(els_reader_u8(&sub, &b));
	assert_int_equal(b, 0xaa);
	assert_int_equal(els_reader_left(&r), 0);
	uint64_t x;
	struct els_error *err = els_reader_uint(&sub, 3, &x);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "integer of 3 bytes"));
	els_error_destroy(err);
}

static void test_hex(void **state)
{
	uint8_t out[4];
	assert_true(els_hex_decode("deadBEEF", 4, out));
	assert_int_equal(out[0], 0xde);
	assert_int_equal(out[3], 0xef);
	assert_false(els_hex_decode("zz", 1, out));
	char s[9];
	els_hex_encode(out, 4, s);
	assert_string_equal(s, "deadbeef");
	uint64_t v;
	assert_true(els_hex_u64("ffffffffffffffff", 16, &v));
	assert_int_equal(v, UINT64_MAX);
	assert_false(els_hex_u64("1ffffffffffffffff", 17, &v));
	assert_false(els_hex_u64("", 0, &v));
	assert_true(els_parse_u64("0x40000000", &v));
	assert_int_equal(v, 0x40000000);
	assert_true(els_parse_u64("4096", &v));
	assert_int_equal(v, 4096);
	assert_false(els_parse_u64("0x", &v));
	assert_false(els_parse_u64("-1", &v));
	assert_false(els_parse_u64("12abc", &v));
	assert_false(els_parse_u64("0x1ffffffffffffffff", &v));
	assert_false(els_parse_u64("", &v));
}

static void test_strbuf_and_vec(void **state)
{
	struct els_strbuf sb = { 0 };
	for (int i = 0; i < 1000; i++)
		assert_true(els_strbuf_printf(&sb, "%d,", i));
	assert_int_equal(strlen(sb.buf), sb.len);
	assert_memory_equal(sb.buf, "0,1,2,", 6);
	els_strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	char *s = els_strbuf_steal(&sb);
	free(s);
	assert_null(sb.buf);
	els_strbuf_deinit(&sb);

	struct u64_vec v = { 0 };
	for (uint64_t i = 0; i < 10000; i++)
		assert_true(u64_vec_push(&v, i * 3));
	assert_int_equal(v.len, 10000);
	assert_int_equal(v.data[9999], 29997);
	u64_vec_deinit(&v);
	assert_null(v.data);
	/* Growth that would overflow is refused, not wrapped. */
	void *data = NULL;
	size_t cap = 0;
	assert_false(els_grow(&data, &cap, SIZE_MAX / 2, 16));
	assert_null(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_wrap_and_addr),
		cmocka_unit_test(test_error_errno),
		cmocka_unit_test(test_reader_bounds),
		cmocka_unit_test(test_reader_big_endian_and_sub),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_strbuf_and_vec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
