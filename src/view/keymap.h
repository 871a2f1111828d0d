/* SPDX-License-Identifier: MIT */
/*
 * A small map from a 64-bit key (a pid, a domain/vCPU pair) to a slot of
 * caller state of a fixed size, for the trace readers' per-task and
 * per-vCPU state. Open addressing, grows at half full; slots are zeroed
 * when created and move when the map grows (take no pointers across a
 * lookup).
 */
#ifndef ELS_VIEW_KEYMAP_H
#define ELS_VIEW_KEYMAP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct els_keymap {
	uint64_t *keys;
	uint8_t *used;
	unsigned char *vals;
	size_t cap, n, vsize;
};

static inline void els_keymap_init(struct els_keymap *m, size_t vsize)
{
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
}

static inline void els_keymap_deinit(struct els_keymap *m)
{
	free(m->keys);
	free(m->used);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static inline size_t els_keymap_hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

/* The slot of key, created (zeroed) when new; NULL when memory runs out. */
static inline void *els_keymap_get(struct els_keymap *m, uint64_t key)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct els_keymap g = { .cap = cap, .vsize = m->vsize };
		g.keys = malloc(cap * sizeof(*g.keys));
		g.used = calloc(cap, 1);
		g.vals = calloc(cap, m->vsize);
		if (!g.keys || !g.used || !g.vals) {
			els_keymap_deinit(&g);
			return NULL;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->used[i])
				continue;
			size_t h = els_keymap_hash(m->keys[i], cap);
			while (g.used[h])
				h = (h + 1) & (cap - 1);
			g.used[h] = 1;
			g.keys[h] = m->keys[i];
			memcpy(g.vals + h * m->vsize, m->vals + i * m->vsize,
			       m->vsize);
		}
		g.n = m->n;
		els_keymap_deinit(m);
		*m = g;
	}
	size_t h = els_keymap_hash(key, m->cap);
	while (m->used[h]) {
		if (m->keys[h] == key)
			return m->vals + h * m->vsize;
		h = (h + 1) & (m->cap - 1);
	}
	m->used[h] = 1;
	m->keys[h] = key;
	m->n++;
	return m->vals + h * m->vsize;
}

/* Call fn on every slot (key order is the map's). */
#define els_keymap_for_each(m, i)                                        \
	for (size_t i = 0; i < (m)->cap; i++)                            \
		if ((m)->used[i])

#endif
