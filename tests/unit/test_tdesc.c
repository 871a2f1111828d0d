/* SPDX-License-Identifier: MIT */
/* Target descriptions: register numbering across includes, hostile XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "target/tdesc.h"

struct file {
	const char *name;
	const char *text;
};

static struct els_error *fetch(const char *annex, char **xml, size_t *len,
			       void *arg)
{
	for (const struct file *f = arg; f->name; f++) {
		if (!strcmp(f->name, annex)) {
			*xml = strdup(f->text);
			*len = strlen(f->text);
			return NULL;
		}
	}
	return els_error_create(ELS_ERR_NOT_FOUND, "no annex %s", annex);
}

/* Shaped like QEMU 7.2's: core without regnums, sysregs with them. */
static const struct file qemu_like[] = {
	{ "target.xml",
	  "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	  "<target><architecture>aarch64</architecture>"
	  "<xi:include href=\"aarch64-core.xml\"/>"
	  "<xi:include href=\"system-registers.xml\"/></target>" },
	{ "aarch64-core.xml",
	  "<?xml version=\"1.0\"?><!DOCTYPE feature SYSTEM \"gdb-target.dtd\">"
	  "<feature name=\"org.gnu.gdb.aarch64.core\">"
	  "<reg name=\"x0\" bitsize=\"64\"/><reg name=\"x1\" bitsize=\"64\"/>"
	  "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>"
	  "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>"
	  "<reg name=\"cpsr\" bitsize=\"32\"/></feature>" },
	{ "system-registers.xml",
	  "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	  "<feature name=\"org.qemu.gdb.arm.sys.regs\">"
	  "<reg name=\"TTBR1_EL1\" bitsize=\"64\" regnum=\"90\" group=\"cp_regs\"/>"
	  "<reg name=\"SP_EL0\" bitsize=\"64\" regnum=\"91\" group=\"cp_regs\"/>"
	  "<reg name=\"NEXT\" bitsize=\"64\"/></feature>" },
	{ 0 },
};

static void test_qemu_like(void **state)
{
	struct els_tdesc td = { 0 };
	assert_null(els_tdesc_load("target.xml", fetch, (void *)qemu_like, &td));
	assert_string_equal(td.architecture, "aarch64");
	assert_int_equal(td.regs.len, 8);
	assert_string_equal(td.regs.data[3].name, "pc");
	assert_int_equal(td.regs.data[3].regnum, 3);
	assert_int_equal(td.regs.data[4].bitsize, 32);
	assert_string_equal(td.regs.data[4].feature, "org.gnu.gdb.aarch64.core");
	assert_string_equal(td.regs.data[5].name, "TTBR1_EL1");
	assert_int_equal(td.regs.data[5].regnum, 90);
	assert_string_equal(td.regs.data[5].group, "cp_regs");
	/* Numbering goes on from the last explicit regnum. */
	assert_int_equal(td.regs.data[7].regnum, 92);
	els_tdesc_deinit(&td);
}

static void expect_invalid(const struct file *files, const char *substr)
{
	struct els_tdesc td = { 0 };
	struct els_error *err =
		els_tdesc_load("target.xml", fetch, (void *)files, &td);
	assert_non_null(err);
	if (!strstr(err->message, substr))
		fail_msg("message '%s' lacks '%s'", err->message, substr);
	els_error_destroy(err);
	els_tdesc_deinit(&td);
}

static void test_hostile(void **state)
{
	const struct file malformed[] = {
		{ "target.xml", "<target><feature><reg name=\"x\" bitsize=\"64\">" },
		{ 0 },
	};
	expect_invalid(malformed, "target.xml line 1");
	const struct file entities[] = {
		{ "target.xml", "<!DOCTYPE t [<!ENTITY a \"aaaa\">]><target/>" },
		{ 0 },
	};
	expect_invalid(entities, "internal DTD subset");
	const struct file bad_size[] = {
		{ "target.xml", "<target><reg name=\"x\" bitsize=\"-8\"/></target>" },
		{ 0 },
	};
	expect_invalid(bad_size, "bad bitsize");
	const struct file huge_size[] = {
		{ "target.xml", "<target><reg name=\"x\" bitsize=\"99999999\"/></target>" },
		{ 0 },
	};
	expect_invalid(huge_size, "bad bitsize");
	const struct file no_name[] = {
		{ "target.xml", "<target><reg bitsize=\"64\"/></target>" },
		{ 0 },
	};
	expect_invalid(no_name, "without name");
	const struct file self_include[] = {
		{ "target.xml", "<target><xi:include href=\"target.xml\"/>"
				"<reg name=\"x\" bitsize=\"8\"/></target>" },
		{ 0 },
	};
	expect_invalid(self_include, "deeper than 8");
	const struct file missing[] = {
		{ "target.xml", "<target><xi:include href=\"nope.xml\"/></target>" },
		{ 0 },
	};
	expect_invalid(missing, "reading target description nope.xml");
	const struct file empty[] = {
		{ "target.xml", "<target><architecture>aarch64</architecture></target>" },
		{ 0 },
	};
	expect_invalid(empty, "names no registers");
}

static void test_core_fallback(void **state)
{
	struct els_tdesc td = { 0 };
	assert_null(els_tdesc_aarch64_core(&td));
	assert_int_equal(td.regs.len, 34);
	assert_string_equal(td.regs.data[31].name, "sp");
	assert_string_equal(td.regs.data[32].name, "pc");
	assert_int_equal(td.regs.data[33].bitsize, 32);
	els_tdesc_deinit(&td);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_like),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_core_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
