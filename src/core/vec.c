/* SPDX-License-Identifier: MIT */
#include "core/vec.h"

bool els_grow(void **data, size_t *cap, size_t need, size_t esize)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / esize)
		return false;
	void *p = realloc(*data, ncap * esize);
	if (!p)
		return false;
	*data = p;
	*cap = ncap;
	return true;
}
