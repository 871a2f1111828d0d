/* SPDX-License-Identifier: MIT */
/*
 * Growable arrays, typed by macro:
 *
 *   ELS_VEC(u64_vec, uint64_t);
 *   struct u64_vec v = {0};
 *   if (!u64_vec_push(&v, 5)) return &els_enomem;
 *   ... v.data[i], v.len ...
 *   u64_vec_deinit(&v);
 */
#ifndef ELS_CORE_VEC_H
#define ELS_CORE_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Grow *cap so that it holds need elements of size esize; false on overflow. */
bool els_grow(void **data, size_t *cap, size_t need, size_t esize);

#define ELS_VEC(name, type)                                                    \
	struct name {                                                          \
		type *data;                                                    \
		size_t len, cap;                                               \
	};                                                                     \
	static inline __attribute__((unused)) bool name##_reserve(             \
		struct name *v, size_t n)                                      \
	{                                                                      \
		return els_grow((void **)&v->data, &v->cap, n, sizeof(type));  \
	}                                                                      \
	static inline __attribute__((unused)) type *name##_append(             \
		struct name *v)                                                \
	{                                                                      \
		if (v->len == SIZE_MAX || !name##_reserve(v, v->len + 1))      \
			return NULL;                                           \
		return &v->data[v->len++];                                     \
	}                                                                      \
	static inline __attribute__((unused)) bool name##_push(                \
		struct name *v, type x)                                        \
	{                                                                      \
		type *slot = name##_append(v);                                 \
		if (!slot)                                                     \
			return false;                                          \
		*slot = x;                                                     \
		return true;                                                   \
	}                                                                      \
	static inline __attribute__((unused)) void name##_deinit(              \
		struct name *v)                                                \
	{                                                                      \
		free(v->data);                                                 \
		v->data = NULL;                                                \
		v->len = v->cap = 0;                                           \
	}                                                                      \
	_Static_assert(sizeof(type) > 0, #name)

#endif
