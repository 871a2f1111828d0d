/* SPDX-License-Identifier: MIT */
#include "target/memcache.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t block; /* block address; slot empty when data == NULL */
	int kind;
	int cpu;
	uint8_t *data;
};

struct els_memcache {
	struct slot *slots;
	size_t nslots; /* power of two, at least twice max_blocks */
	size_t count;
	size_t max_blocks;
};

static size_t hash(const struct els_aspace *as, uint64_t block)
{
	uint64_t h = block / ELS_CACHE_BLOCK;
	h ^= (uint64_t)as->kind << 56 ^ (uint64_t)(uint32_t)as->cpu << 40;
	h *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 17);
}

static int as_cpu(const struct els_aspace *as)
{
	return as->kind == ELS_AS_PHYS ? 0 : as->cpu;
}

struct els_memcache *els_memcache_create(size_t max_blocks)
{
	struct els_memcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	size_t n = 16;
	while (n < 2 * max_blocks)
		n *= 2;
	c->slots = calloc(n, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->nslots = n;
	c->max_blocks = max_blocks;
	return c;
}

void els_memcache_clear(struct els_memcache *c)
{
	if (!c || !c->count)
		return;
	for (size_t i = 0; i < c->nslots; i++) {
		free(c->slots[i].data);
		c->slots[i].data = NULL;
	}
	c->count = 0;
}

void els_memcache_destroy(struct els_memcache *c)
{
	if (!c)
		return;
	els_memcache_clear(c);
	free(c->slots);
	free(c);
}

static struct slot *lookup(struct els_memcache *c, const struct els_aspace *as,
			   uint64_t block)
{
	size_t mask = c->nslots - 1;
	for (size_t i = hash(as, block) & mask;; i = (i + 1) & mask) {
		struct slot *s = &c->slots[i];
		if (!s->data)
			return s;
		if (s->block == block && s->kind == (int)as->kind &&
		    s->cpu == as_cpu(as))
			return s;
	}
}

const uint8_t *els_memcache_get(struct els_memcache *c,
				const struct els_aspace *as, uint64_t block)
{
	if (!c)
		return NULL;
	return lookup(c, as, block)->data;
}

bool els_memcache_put(struct els_memcache *c, const struct els_aspace *as,
		      uint64_t block, const uint8_t *data)
{
	if (!c)
		return true;
	if (c->count >= c->max_blocks)
		els_memcache_clear(c); /* simple and bounded; refills on demand */
	struct slot *s = lookup(c, as, block);
	if (!s->data) {
		s->data = malloc(ELS_CACHE_BLOCK);
		if (!s->data)
			return false;
		s->block = block;
		s->kind = (int)as->kind;
		s->cpu = as_cpu(as);
		c->count++;
	}
	memcpy(s->data, data, ELS_CACHE_BLOCK);
	return true;
}

size_t els_memcache_count(const struct els_memcache *c)
{
	return c ? c->count : 0;
}
