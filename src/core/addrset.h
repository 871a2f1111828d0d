/* SPDX-License-Identifier: MIT */
/*
 * A set of addresses: the nodes a walk of target memory has visited, so a
 * corrupted list or tree that loops is caught on the first repeat.
 */
#ifndef ELS_CORE_ADDRSET_H
#define ELS_CORE_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct els_addrset {
	uint64_t *slots; /* 0 is empty; address 0 is kept aside */
	size_t cap, len;
	bool has_zero;
};

/* Adds addr; *was_there says whether it was in already. false: no memory. */
bool els_addrset_add(struct els_addrset *s, uint64_t addr, bool *was_there);
bool els_addrset_has(const struct els_addrset *s, uint64_t addr);
void els_addrset_clear(struct els_addrset *s);

#endif
