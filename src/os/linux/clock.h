/* SPDX-License-Identifier: MIT */
/*
 * The kernel's sched_clock (the ns its trace clock counts) against the
 * generic timer counter it reads: kernel/time/sched_clock.c keeps the
 * current epoch (ns and counter value), the counter's mask and mult/shift
 * in `cd` (struct clock_data, a latch of two copies). With them a trace
 * time in ns goes back onto the counter.
 */
#ifndef ELS_OS_LINUX_CLOCK_H
#define ELS_OS_LINUX_CLOCK_H

#include <stdint.h>

#include "os/linux/kernel.h"

struct els_linux_sched_clock {
	uint64_t epoch_ns, epoch_cyc, mask;
	uint32_t mult, shift;
};

/* The copy `cd` says is current; an error if sched_clock is not counter-based. */
struct els_error *els_linux_sched_clock(struct els_linux *lx,
					struct els_linux_sched_clock *ret);
/*
 * The counter value at sched_clock time ns (the kernel's counter: the
 * virtual one, CNTVCT, for a kernel at EL1).
 */
uint64_t els_linux_sched_clock_cyc(const struct els_linux_sched_clock *c,
				   uint64_t ns);

#endif
