/* SPDX-License-Identifier: MIT */
/*
 * The kernel log from the printk ring buffer of Linux 5.10 and later
 * (`prb` -> struct printk_ringbuffer): a ring of descriptors (struct
 * prb_desc: state and id, where the text lies), a parallel array of struct
 * printk_info (sequence number, time stamp, level, text length) and a data
 * ring of text blocks, each starting with the id of its descriptor.
 *
 * els_printk_parse works on buffers only (no target): it is what the fuzz
 * harness exercises. els_linux_printk reads the rings in bulk and calls it.
 */
#ifndef ELS_OS_LINUX_PRINTK_H
#define ELS_OS_LINUX_PRINTK_H

#include <stddef.h>
#include <stdint.h>

#include "debuginfo/types.h"
#include "os/linux/kernel.h"

/* Ring sizes elscope accepts (the kernel's are far smaller). */
#define ELS_PRINTK_MAX_COUNT_BITS 24
#define ELS_PRINTK_MAX_SIZE_BITS 30

/* Where the fields lie in struct prb_desc and struct printk_info. */
struct els_printk_layout {
	uint64_t desc_size;
	struct els_type_member state_var, begin, next;
	uint64_t info_size;
	struct els_type_member seq, ts_nsec, text_len, facility, flags, level,
		caller_id;
};

/* The rings as read: descs and infos hold 1 << count_bits entries. */
struct els_printk_ring {
	unsigned count_bits, size_bits;
	uint64_t head_id, tail_id;
	const uint8_t *descs;
	size_t descs_len;
	const uint8_t *infos;
	size_t infos_len;
	const uint8_t *data; /* the text data ring: 1 << size_bits bytes */
	size_t data_len;
};

struct els_printk_record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned level, facility, flags;
	uint32_t caller_id;
	const char *text; /* text_len bytes in the data ring, no NUL */
	size_t text_len;
};

/* Return nonzero to stop (not an error). */
typedef int (*els_printk_fn)(const struct els_printk_record *r, void *arg);

/*
 * Every finalized record from tail_id to head_id, in sequence order.
 * Records not finalized, reused, whose data block is outside the ring or
 * belongs to another id are skipped and counted in *skipped. An error only
 * when the ring itself does not hold together (sizes, head before tail).
 */
struct els_error *els_printk_parse(const struct els_printk_layout *l,
				   const struct els_printk_ring *r,
				   els_printk_fn fn, void *arg, size_t *skipped);

/*
 * The kernel's log: the ring buffer `prb` points to, read in bulk (the
 * live part of each array and of the data ring), parsed. A kernel with no
 * such ring (before 5.10) is an ELS_ERR_UNSUPPORTED error naming its
 * release.
 */
struct els_error *els_linux_printk(struct els_linux *lx, els_printk_fn fn,
				   void *arg, size_t *skipped);

#endif
