/* SPDX-License-Identifier: MIT */
/*
 * Module names as the kernel keeps them, and MODULE:NAME words
 * (os/linux/modname). The kernel's own names: crc-itu-t.ko is module
 * crc_itu_t (/proc/modules); MODULE_NAME_LEN is 56 on 64-bit kernels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "os/linux/modname.h"

static void test_modname(void **state)
{
	(void)state;
	char buf[ELS_LINUX_MODNAME_MAX];
	assert_true(els_linux_modname("crc-itu-t", 9, buf, sizeof(buf)));
	assert_string_equal(buf, "crc_itu_t");
	assert_true(els_linux_modname("dummy.ko", 5, buf, sizeof(buf)));
	assert_string_equal(buf, "dummy");
	assert_false(els_linux_modname("", 0, buf, sizeof(buf)));
	assert_false(els_linux_modname("a b", 3, buf, sizeof(buf)));
	assert_false(els_linux_modname("a/b", 3, buf, sizeof(buf)));
	assert_false(els_linux_modname("0xffff", 6, buf, 4)); /* buf too small */
	char longest[ELS_LINUX_MODNAME_MAX + 1];
	memset(longest, 'm', sizeof(longest));
	assert_true(els_linux_modname(longest, ELS_LINUX_MODNAME_MAX - 1, buf,
				      sizeof(buf)));
	assert_int_equal(strlen(buf), ELS_LINUX_MODNAME_MAX - 1);
	assert_false(els_linux_modname(longest, ELS_LINUX_MODNAME_MAX, buf,
				       sizeof(buf)));
}

static void test_split(void **state)
{
	(void)state;
	char mod[ELS_LINUX_MODNAME_MAX];
	const char *name = NULL;
	assert_true(els_linux_modsym_split("dummy:dummy_setup", mod,
					   sizeof(mod), &name));
	assert_string_equal(mod, "dummy");
	assert_string_equal(name, "dummy_setup");
	assert_true(els_linux_modsym_split("crc-itu-t:crc_itu_t", mod,
					   sizeof(mod), &name));
	assert_string_equal(mod, "crc_itu_t");
	assert_string_equal(name, "crc_itu_t");
	/* The first ':' splits: the rest is the name as given. */
	assert_true(els_linux_modsym_split("m:a:b", mod, sizeof(mod), &name));
	assert_string_equal(name, "a:b");
	assert_false(els_linux_modsym_split("vfs_read", mod, sizeof(mod), &name));
	assert_false(els_linux_modsym_split("dummy:", mod, sizeof(mod), &name));
	assert_false(els_linux_modsym_split(":f", mod, sizeof(mod), &name));
	assert_false(els_linux_modsym_split("/lib/x.so:f", mod, sizeof(mod),
					    &name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modname),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
