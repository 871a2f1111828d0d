/* SPDX-License-Identifier: MIT */
/* A growable NUL-terminated byte string, for packets and output. */
#ifndef ELS_CORE_STRBUF_H
#define ELS_CORE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct els_strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

bool els_strbuf_add(struct els_strbuf *sb, const void *data, size_t len);
bool els_strbuf_addc(struct els_strbuf *sb, char c);
bool els_strbuf_adds(struct els_strbuf *sb, const char *s);
__attribute__((format(printf, 2, 3)))
bool els_strbuf_printf(struct els_strbuf *sb, const char *fmt, ...);
void els_strbuf_reset(struct els_strbuf *sb);
/* Hand the string to the caller (NULL if nothing was added). */
char *els_strbuf_steal(struct els_strbuf *sb);
void els_strbuf_deinit(struct els_strbuf *sb);

/*
 * A writer into a fixed buffer with snprintf's rules: output is cut at
 * size - 1 bytes and NUL-terminated (size > 0), len counts what the whole
 * text would take (the return value of the formatter that uses it).
 */
struct els_fixbuf {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
void els_fixbuf_printf(struct els_fixbuf *o, const char *fmt, ...);

#endif
