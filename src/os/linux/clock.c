/* SPDX-License-Identifier: MIT */
/* sched_clock's epoch and scale, from `cd`. */
#include <inttypes.h>
#include <stdbool.h>

#include "os/linux/clock.h"

struct els_error *els_linux_sched_clock(struct els_linux *lx,
					struct els_linux_sched_clock *ret)
{
	struct els_type_member seq, rd, ens, ecyc, mask, mult, shift;
	uint64_t cd, rdsize;
	struct els_error *err;
	if ((err = els_linux_sym(lx, "cd", &cd)) ||
	    (err = els_linux_member(lx, "clock_data", "seq", &seq)) ||
	    (err = els_linux_member(lx, "clock_data", "read_data", &rd)) ||
	    (err = els_linux_sizeof(lx, "clock_read_data", &rdsize)) ||
	    (err = els_linux_member(lx, "clock_read_data", "epoch_ns", &ens)) ||
	    (err = els_linux_member(lx, "clock_read_data", "epoch_cyc", &ecyc)) ||
	    (err = els_linux_member(lx, "clock_read_data", "sched_clock_mask", &mask)) ||
	    (err = els_linux_member(lx, "clock_read_data", "mult", &mult)) ||
	    (err = els_linux_member(lx, "clock_read_data", "shift", &shift)))
		return els_error_wrap(err, "sched_clock's epoch (cd)");
	if (rd.count < 2 || rdsize > 256 || rd.offset + 2 * rdsize > 1024)
		return els_error_create(ELS_ERR_INVALID,
					"cd.read_data is not two copies of clock_read_data");
	uint8_t buf[1024];
	size_t len = (size_t)(rd.offset + 2 * rdsize);
	if ((err = els_linux_read(lx, cd, buf, len)))
		return els_error_wrap(err, "reading cd");
	uint64_t s;
	if ((err = els_linux_get(&seq, buf, len, 0, &s)))
		return err;
	/* The latch: readers use read_data[seq & 1]. */
	uint64_t base = rd.offset + (s & 1) * rdsize;
	uint64_t v[5];
	const struct els_type_member *m[5] = { &ens, &ecyc, &mask, &mult, &shift };
	for (int i = 0; i < 5; i++) {
		struct els_type_member f = *m[i];
		f.offset += base;
		f.bit_offset += base * 8;
		if ((err = els_linux_get(&f, buf, len, 0, &v[i])))
			return err;
	}
	*ret = (struct els_linux_sched_clock){ v[0], v[1], v[2], (uint32_t)v[3],
					       (uint32_t)v[4] };
	if (!ret->mult || ret->shift > 63 || !ret->mask)
		return els_error_create(ELS_ERR_INVALID,
					"sched_clock is not counter-based (mult %" PRIu32 ", shift %" PRIu32 ")",
					ret->mult, ret->shift);
	return NULL;
}

uint64_t els_linux_sched_clock_cyc(const struct els_linux_sched_clock *c,
				   uint64_t ns)
{
	/*
	 * ns = epoch_ns + ((cyc - epoch_cyc) * mult >> shift), inverted in
	 * parts so that nothing overflows: (q * mult + r) << shift / mult.
	 */
	bool neg = ns < c->epoch_ns;
	uint64_t d = neg ? c->epoch_ns - ns : ns - c->epoch_ns;
	uint64_t q = d / c->mult, r = d % c->mult;
	uint64_t cyc = c->shift < 32 ? (q << c->shift) + ((r << c->shift) / c->mult)
				     : (uint64_t)((long double)d *
						  (long double)((uint64_t)1 << c->shift) /
						  (long double)c->mult);
	return neg ? c->epoch_cyc - cyc : c->epoch_cyc + cyc;
}
