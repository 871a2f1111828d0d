/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

void check_error(const struct els_error *err, enum els_error_code code,
		 const char *substr)
{
	if (!err)
		fail_msg("expected a %s error ('%s'), got success",
			 els_error_code_name(code), substr);
	if (err->code != code || !strstr(err->message, substr))
		fail_msg("expected a %s error with '%s', got %s: %s",
			 els_error_code_name(code), substr,
			 els_error_code_name(err->code), err->message);
}

void expect_error(struct els_error *err, enum els_error_code code,
		  const char *substr)
{
	check_error(err, code, substr);
	els_error_destroy(err);
}

void expect_ok(struct els_error *err)
{
	if (err)
		fail_msg("unexpected error: %s", err->message);
}

void expect_not_mapped(struct els_target *t, uint64_t addr, size_t len,
		       uint64_t bad, const char *where)
{
	uint8_t buf[0x400];
	struct els_aspace as = els_aspace_phys();
	assert_true(len <= sizeof(buf));
	struct els_error *err = els_target_read(t, &as, addr, buf, len);
	if (!err)
		fail_msg("reading 0x%llx+0x%zx worked",
			 (unsigned long long)addr, len);
	assert_int_equal(err->code, ELS_ERR_NOT_MAPPED);
	assert_true(err->has_addr);
	if (err->addr != bad)
		fail_msg("error at 0x%llx, expected 0x%llx: %s",
			 (unsigned long long)err->addr,
			 (unsigned long long)bad, err->message);
	char want[128];
	snprintf(want, sizeof(want), "physical address 0x%llx is not in %s",
		 (unsigned long long)bad, where);
	if (!strstr(err->message, want))
		fail_msg("'%s' lacks '%s'", err->message, want);
	els_error_destroy(err);
}

void kv_collect(const char *key, const char *value, void *arg)
{
	struct kv_list *l = arg;
	assert_true(l->n < sizeof(l->keys) / sizeof(l->keys[0]));
	snprintf(l->keys[l->n], sizeof(l->keys[0]), "%s", key);
	snprintf(l->values[l->n], sizeof(l->values[0]), "%s", value);
	l->n++;
}

const char *kv_lookup(const struct kv_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->keys[i], key))
			return l->values[i];
	}
	fail_msg("describe gave no '%s'", key);
	return NULL;
}
