/* SPDX-License-Identifier: MIT */
/* Assertions the unit tests share (cmocka must be included first). */
#ifndef ELS_TESTS_TESTUTIL_H
#define ELS_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "target/target.h"

/* err is an error of that code whose message contains substr. */
void check_error(const struct els_error *err, enum els_error_code code,
		 const char *substr);
/* The same, then err is destroyed. */
void expect_error(struct els_error *err, enum els_error_code code,
		  const char *substr);
/* No error. */
void expect_ok(struct els_error *err);
/*
 * Reading physical [addr, addr + len) fails as not mapped at bad, with the
 * message "physical address <bad> is not in <where>".
 */
void expect_not_mapped(struct els_target *t, uint64_t addr, size_t len,
		       uint64_t bad, const char *where);

/* What a target's describe() emitted, to look up by key. */
struct kv_list {
	char keys[16][32];
	char values[16][256];
	size_t n;
};

void kv_collect(const char *key, const char *value, void *arg);
/* The value emitted for key; fails the test when there is none. */
const char *kv_lookup(const struct kv_list *l, const char *key);

#endif
