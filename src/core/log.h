/* SPDX-License-Identifier: MIT */
/*
 * Logging goes through a callback that the program (cli/) installs; library
 * layers never write to stderr themselves.
 */
#ifndef ELS_CORE_LOG_H
#define ELS_CORE_LOG_H

enum els_log_level {
	ELS_LOG_DEBUG,
	ELS_LOG_INFO,
	ELS_LOG_WARN,
	ELS_LOG_ERROR,
};

typedef void els_log_fn(enum els_log_level level, const char *msg, void *arg);

/* Install fn (NULL: discard everything); messages below min_level are dropped. */
void els_log_set(els_log_fn *fn, void *arg, enum els_log_level min_level);
enum els_log_level els_log_min_level(void);

__attribute__((format(printf, 2, 3)))
void els_log(enum els_log_level level, const char *fmt, ...);

#define els_debug(...) els_log(ELS_LOG_DEBUG, __VA_ARGS__)
#define els_info(...) els_log(ELS_LOG_INFO, __VA_ARGS__)
#define els_warn(...) els_log(ELS_LOG_WARN, __VA_ARGS__)

#endif
