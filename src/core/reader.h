/* SPDX-License-Identifier: MIT */
/*
 * The bounds-checked reader every binary parser uses. No parser does pointer
 * arithmetic on untrusted data by itself: it asks the reader, which checks
 * that the bytes are there before handing them out (sizes are compared, never
 * added past the end).
 *
 * Errors name the thing being parsed (`what`) and the offset, e.g.
 *   "NT_PRSTATUS note: truncated: need 8 bytes at offset 272, 4 left".
 */
#ifndef ELS_CORE_READER_H
#define ELS_CORE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct els_reader {
	const uint8_t *start;
	const uint8_t *pos;
	const uint8_t *end;
	bool big_endian;
	const char *what; /* for error messages */
};

void els_reader_init(struct els_reader *r, const void *buf, size_t len,
		     bool big_endian, const char *what);

static inline size_t els_reader_left(const struct els_reader *r)
{
	return (size_t)(r->end - r->pos);
}

static inline size_t els_reader_offset(const struct els_reader *r)
{
	return (size_t)(r->pos - r->start);
}

struct els_error *els_reader_need(const struct els_reader *r, size_t n);
struct els_error *els_reader_skip(struct els_reader *r, size_t n);
/* Move to an absolute offset from the start. */
struct els_error *els_reader_seek(struct els_reader *r, size_t off);
/* Skip so that the offset becomes a multiple of align (a power of two). */
struct els_error *els_reader_align(struct els_reader *r, size_t align);

struct els_error *els_reader_u8(struct els_reader *r, uint8_t *ret);
struct els_error *els_reader_u16(struct els_reader *r, uint16_t *ret);
struct els_error *els_reader_u32(struct els_reader *r, uint32_t *ret);
struct els_error *els_reader_u64(struct els_reader *r, uint64_t *ret);
/* An unsigned integer of 1, 2, 4 or 8 bytes. */
struct els_error *els_reader_uint(struct els_reader *r, size_t size,
				  uint64_t *ret);
/* Hand out a pointer to the next n bytes and step over them. */
struct els_error *els_reader_bytes(struct els_reader *r, size_t n,
				   const uint8_t **ret);
/* Copy the next n bytes. */
struct els_error *els_reader_copy(struct els_reader *r, void *dst, size_t n);
/*
 * A reader over the next n bytes (what names it); the parent steps over them.
 */
struct els_error *els_reader_sub(struct els_reader *r, size_t n,
				 const char *what, struct els_reader *ret);

/* Plain little-endian helpers for buffers whose size is already checked. */
static inline uint64_t els_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* The first n (at most 8) bytes of p as a little-endian number. */
static inline uint64_t els_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n < 8 ? n : 8; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static inline uint16_t els_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t els_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#endif
