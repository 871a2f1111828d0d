/* SPDX-License-Identifier: MIT */
/*
 * Error values. Every fallible function returns struct els_error * (NULL on
 * success) and hands its results back through pointer parameters.
 *
 * An error says what was being done ("reading pgd page"), at which address
 * when there is one, and why it failed, e.g.
 *   "reading memory at 0x40000000: connection closed by the stub".
 * Running out of memory is one static error, so reporting it never allocates.
 */
#ifndef ELS_CORE_ERROR_H
#define ELS_CORE_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum els_error_code {
	ELS_ERR_NOMEM = 1,
	ELS_ERR_INVALID,     /* malformed input: file, packet, target data */
	ELS_ERR_USAGE,       /* the user's words are off */
	ELS_ERR_NOT_FOUND,   /* no such register, symbol, file, ... */
	ELS_ERR_NOT_MAPPED,  /* no memory at that address (dump, raw image, MMU) */
	ELS_ERR_TARGET,      /* the target answered with an error (Exx) */
	ELS_ERR_TIMEOUT,     /* the target did not answer in time */
	ELS_ERR_CLOSED,      /* the connection went away */
	ELS_ERR_IO,          /* an operating-system call failed */
	ELS_ERR_UNSUPPORTED, /* the target or file does not offer this */
	ELS_ERR_PROTOCOL,    /* the peer broke the protocol */
	ELS_ERR_STATE,       /* not possible now: e.g. target running */
	ELS_ERR_INTERRUPTED, /* the user pressed Ctrl-C */
};

struct els_error {
	enum els_error_code code;
	bool has_addr;
	uint64_t addr;
	char *message; /* full text, context included */
};

/* The one static out-of-memory error. */
extern struct els_error els_enomem;

__attribute__((format(printf, 2, 3)))
struct els_error *els_error_create(enum els_error_code code, const char *fmt,
				   ...);
__attribute__((format(printf, 3, 4)))
struct els_error *els_error_addr(enum els_error_code code, uint64_t addr,
				 const char *fmt, ...);
struct els_error *els_error_vcreate(enum els_error_code code, const char *fmt,
				    va_list ap);
/* From errno: "<what>: <strerror(errnum)>". */
struct els_error *els_error_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prefix the message with context: "<context>: <old message>". Returns err
 * (or els_enomem); a NULL err stays NULL.
 */
__attribute__((format(printf, 2, 3)))
struct els_error *els_error_wrap(struct els_error *err, const char *fmt, ...);

void els_error_destroy(struct els_error *err);

/* Short name of a code, for JSON output and tests ("not mapped"). */
const char *els_error_code_name(enum els_error_code code);

#endif
