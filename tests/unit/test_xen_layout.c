/* SPDX-License-Identifier: MIT */
/*
 * Xen's layouts: the built-in rows by release, what a missing release and a
 * file without Xen's DWARF say, and the decoders of the version functions
 * (instruction words from Debian's xen-syms-4.17-arm64, objdump -d).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "hv/xen/layout.h"
#include "hv/xen/xen.h"
#include "testutil.h"

static const char *self;

static void builtin_rows(void **state)
{
	(void)state;
	struct els_xen_layout a, b;
	assert_null(els_xen_layout_builtin("4.17.5", &a));
	assert_null(els_xen_layout_builtin("4.17.7", &b));
	assert_non_null(strstr(b.source, "4.17.7"));
	/* 4.17.7 moved the runstate, is_running and pause_count only. */
	int moved = 0;
	for (unsigned f = 0; f < ELS_XEN_NFIELDS; f++) {
		assert_true(a.f[f].size > 0);
		assert_int_equal(a.f[f].size, b.f[f].size);
		moved += a.f[f].offset != b.f[f].offset;
	}
	assert_int_equal(moved, 5);
	assert_int_equal(b.f[ELS_XEN_VCPU_RUNSTATE_STATE].offset, 216);
	assert_int_equal(b.f[ELS_XEN_DOMAIN_PAUSE_COUNT].offset, 468);
	assert_int_equal(a.f[ELS_XEN_DOMAIN_P2M_VTTBR].offset,
			 b.f[ELS_XEN_DOMAIN_P2M_VTTBR].offset);
	/* The register frame: x0 first, then 31 registers before pc. */
	assert_true(a.f[ELS_XEN_REGS_PC].offset >=
		    a.f[ELS_XEN_REGS_X0].offset + 31 * 8);
	assert_non_null(els_xen_layout_built_from("4.17.5"));
	assert_null(els_xen_layout_built_from("4.16.0"));
}

static void unknown_release(void **state)
{
	(void)state;
	struct els_xen_layout l;
	struct els_error *err = els_xen_layout_builtin("4.16.2", &l);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_NOT_FOUND);
	assert_non_null(strstr(err->message, "4.16.2"));
	assert_non_null(strstr(err->message, "4.17.7")); /* the known ones */
	els_error_destroy(err);
	/* No partial match: 4.17 alone is not 4.17.5. */
	err = els_xen_layout_builtin("4.17", &l);
	assert_non_null(err);
	els_error_destroy(err);
}

static void no_xen_dwarf(void **state)
{
	(void)state;
	/* This test program has DWARF, but no struct domain. */
	struct els_xen_layout l;
	struct els_error *err = els_xen_layout_from_dwarf(self, &l);
	assert_non_null(err);
	assert_int_equal(err->code, ELS_ERR_NOT_FOUND);
	els_error_destroy(err);
	err = els_xen_layout_from_dwarf("/nonexistent/xen-syms", &l);
	assert_non_null(err);
	els_error_destroy(err);
}

static void version_decoders(void **state)
{
	(void)state;
	unsigned v;
	assert_true(els_xen_decode_movz_w0(0x52800080, &v)); /* mov w0, #0x4 */
	assert_int_equal(v, 4);
	assert_true(els_xen_decode_movz_w0(0x52800220, &v)); /* mov w0, #0x11 */
	assert_int_equal(v, 17);
	assert_false(els_xen_decode_movz_w0(0x52800221, &v)); /* w1 */
	assert_false(els_xen_decode_movz_w0(0x52a00080, &v)); /* lsl #16 */
	assert_false(els_xen_decode_movz_w0(0xd65f03c0, &v)); /* ret */
	uint64_t a;
	/* 224e00: adrp x0, 288000; 224e04: add x0, x0, #0x388 */
	assert_true(els_xen_decode_adrp_add_x0(0x224e00, 0x90000320, 0x910e2000, &a));
	assert_int_equal(a, 0x288388);
	/* 224e10: adrp x0, 287000 (immlo 3); add x0, x0, #0x250 */
	assert_true(els_xen_decode_adrp_add_x0(0x224e10, 0xf0000300, 0x91094000, &a));
	assert_int_equal(a, 0x287250);
	/* A negative page offset: adrp x0, . - 4 GiB */
	assert_true(els_xen_decode_adrp_add_x0(0x100000000, 0x90800000, 0x91000000, &a));
	assert_int_equal(a, 0);
	assert_false(els_xen_decode_adrp_add_x0(0x224e00, 0x90000321, 0x910e2000, &a));
	assert_false(els_xen_decode_adrp_add_x0(0x224e00, 0x90000320, 0xd65f03c0, &a));
}

int main(int argc, char **argv)
{
	(void)argc;
	self = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_rows),
		cmocka_unit_test(unknown_release),
		cmocka_unit_test(no_xen_dwarf),
		cmocka_unit_test(version_decoders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
