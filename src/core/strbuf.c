/* SPDX-License-Identifier: MIT */
#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"

bool els_strbuf_add(struct els_strbuf *sb, const void *data, size_t len)
{
	if (len > SIZE_MAX - sb->len - 1)
		return false;
	if (!els_grow((void **)&sb->buf, &sb->cap, sb->len + len + 1, 1))
		return false;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return true;
}

bool els_strbuf_addc(struct els_strbuf *sb, char c)
{
	return els_strbuf_add(sb, &c, 1);
}

bool els_strbuf_adds(struct els_strbuf *sb, const char *s)
{
	return els_strbuf_add(sb, s, strlen(s));
}

bool els_strbuf_printf(struct els_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if (!els_grow((void **)&sb->buf, &sb->cap, sb->len + (size_t)n + 1, 1))
		return false;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return true;
}

void els_strbuf_reset(struct els_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *els_strbuf_steal(struct els_strbuf *sb)
{
	char *s = sb->buf;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void els_strbuf_deinit(struct els_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void els_fixbuf_printf(struct els_fixbuf *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}
