/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "core/addrset.h"

static size_t slot_of(uint64_t a, size_t mask)
{
	a ^= a >> 33;
	a *= UINT64_C(0xff51afd7ed558ccd);
	a ^= a >> 33;
	return (size_t)a & mask;
}

static bool grow(struct els_addrset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint64_t *n = calloc(cap, sizeof(*n));
	if (!n)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		uint64_t a = s->slots[i];
		if (!a)
			continue;
		size_t j = slot_of(a, cap - 1);
		while (n[j])
			j = (j + 1) & (cap - 1);
		n[j] = a;
	}
	free(s->slots);
	s->slots = n;
	s->cap = cap;
	return true;
}

bool els_addrset_has(const struct els_addrset *s, uint64_t addr)
{
	if (!addr)
		return s->has_zero;
	if (!s->cap)
		return false;
	for (size_t j = slot_of(addr, s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		if (!s->slots[j])
			return false;
		if (s->slots[j] == addr)
			return true;
	}
}

bool els_addrset_add(struct els_addrset *s, uint64_t addr, bool *was_there)
{
	*was_there = els_addrset_has(s, addr);
	if (*was_there)
		return true;
	if (!addr) {
		s->has_zero = true;
		return true;
	}
	if ((s->len + 1) * 2 > s->cap && !grow(s))
		return false;
	size_t j = slot_of(addr, s->cap - 1);
	while (s->slots[j])
		j = (j + 1) & (s->cap - 1);
	s->slots[j] = addr;
	s->len++;
	return true;
}

void els_addrset_clear(struct els_addrset *s)
{
	free(s->slots);
	*s = (struct els_addrset){ 0 };
}
