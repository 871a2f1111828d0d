/* SPDX-License-Identifier: MIT */
/* Monotonic time and sleeping, for timeouts, rates and progress. */
#ifndef ELS_CORE_TIME_H
#define ELS_CORE_TIME_H

#include <stdint.h>
#include <time.h>

static inline double els_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int64_t els_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep s seconds (nothing for s <= 0). */
static inline void els_sleep_s(double s)
{
	if (!(s > 0))
		return;
	time_t whole = (time_t)s;
	struct timespec ts = { whole, (long)((s - (double)whole) * 1e9) };
	nanosleep(&ts, NULL);
}

/*
 * Pacing at a rate: sleep until *next, then set the next tick period
 * seconds on; a tick already missed is not made up for (no burst).
 */
static inline void els_pace(double *next, double period)
{
	els_sleep_s(*next - els_now_s());
	*next += period;
	double now = els_now_s();
	if (*next < now)
		*next = now;
}

#endif
