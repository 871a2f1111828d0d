/* SPDX-License-Identifier: MIT */
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct els_error els_enomem = {
	.code = ELS_ERR_NOMEM,
	.message = (char *)"out of memory",
};

struct els_error *els_error_vcreate(enum els_error_code code, const char *fmt,
				    va_list ap)
{
	struct els_error *err = malloc(sizeof(*err));
	if (!err)
		return &els_enomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &els_enomem;
	}
	err->code = code;
	err->has_addr = false;
	err->addr = 0;
	return err;
}

struct els_error *els_error_create(enum els_error_code code, const char *fmt,
				   ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct els_error *err = els_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct els_error *els_error_addr(enum els_error_code code, uint64_t addr,
				 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct els_error *err = els_error_vcreate(code, fmt, ap);
	va_end(ap);
	if (err != &els_enomem) {
		err->has_addr = true;
		err->addr = addr;
	}
	return err;
}

struct els_error *els_error_errno(int errnum, const char *fmt, ...)
{
	char *what;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0)
		return &els_enomem;
	struct els_error *err = els_error_create(
		errnum == ENOMEM ? ELS_ERR_NOMEM : ELS_ERR_IO, "%s: %s", what,
		strerror(errnum));
	free(what);
	return err;
}

struct els_error *els_error_wrap(struct els_error *err, const char *fmt, ...)
{
	if (!err || err == &els_enomem)
		return err;
	char *ctx, *msg;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err; /* keep the original message rather than lose it */
	r = asprintf(&msg, "%s: %s", ctx, err->message);
	free(ctx);
	if (r < 0)
		return err;
	free(err->message);
	err->message = msg;
	return err;
}

void els_error_destroy(struct els_error *err)
{
	if (!err || err == &els_enomem)
		return;
	free(err->message);
	free(err);
}

const char *els_error_code_name(enum els_error_code code)
{
	switch (code) {
	case ELS_ERR_NOMEM: return "out of memory";
	case ELS_ERR_INVALID: return "invalid";
	case ELS_ERR_USAGE: return "usage";
	case ELS_ERR_NOT_FOUND: return "not found";
	case ELS_ERR_NOT_MAPPED: return "not mapped";
	case ELS_ERR_TARGET: return "target error";
	case ELS_ERR_TIMEOUT: return "timeout";
	case ELS_ERR_CLOSED: return "connection closed";
	case ELS_ERR_IO: return "i/o error";
	case ELS_ERR_UNSUPPORTED: return "unsupported";
	case ELS_ERR_PROTOCOL: return "protocol error";
	case ELS_ERR_STATE: return "wrong state";
	case ELS_ERR_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}
