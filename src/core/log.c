/* SPDX-License-Identifier: MIT */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static els_log_fn *log_fn;
static void *log_arg;
static enum els_log_level log_min = ELS_LOG_WARN;

void els_log_set(els_log_fn *fn, void *arg, enum els_log_level min_level)
{
	log_fn = fn;
	log_arg = arg;
	log_min = min_level;
}

enum els_log_level els_log_min_level(void)
{
	return log_min;
}

void els_log(enum els_log_level level, const char *fmt, ...)
{
	if (!log_fn || level < log_min)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_fn(level, buf, log_arg);
}
