/* SPDX-License-Identifier: MIT */
/*
 * Cache of target memory in ELS_CACHE_BLOCK-sized blocks, keyed by address
 * space and block address. Valid only while the target is halted: the target
 * layer clears it whenever the target runs or memory is written.
 */
#ifndef ELS_TARGET_MEMCACHE_H
#define ELS_TARGET_MEMCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "target/target.h"

struct els_memcache *els_memcache_create(size_t max_blocks);
void els_memcache_destroy(struct els_memcache *c);
void els_memcache_clear(struct els_memcache *c);
/* The block's bytes, or NULL when not cached. */
const uint8_t *els_memcache_get(struct els_memcache *c,
				const struct els_aspace *as, uint64_t block);
/* Store a block (ELS_CACHE_BLOCK bytes); false when out of memory. */
bool els_memcache_put(struct els_memcache *c, const struct els_aspace *as,
		      uint64_t block, const uint8_t *data);
size_t els_memcache_count(const struct els_memcache *c);

#endif
