/* SPDX-License-Identifier: MIT */
#include "core/reader.h"

#include <string.h>

void els_reader_init(struct els_reader *r, const void *buf, size_t len,
		     bool big_endian, const char *what)
{
	r->start = buf;
	r->pos = buf;
	r->end = r->start + len;
	r->big_endian = big_endian;
	r->what = what ? what : "data";
}

struct els_error *els_reader_need(const struct els_reader *r, size_t n)
{
	if (n > els_reader_left(r))
		return els_error_create(ELS_ERR_INVALID,
					"%s: truncated: need %zu bytes at offset %zu, %zu left",
					r->what, n, els_reader_offset(r),
					els_reader_left(r));
	return NULL;
}

struct els_error *els_reader_skip(struct els_reader *r, size_t n)
{
	struct els_error *err = els_reader_need(r, n);
	if (err)
		return err;
	r->pos += n;
	return NULL;
}

struct els_error *els_reader_seek(struct els_reader *r, size_t off)
{
	if (off > (size_t)(r->end - r->start))
		return els_error_create(ELS_ERR_INVALID,
					"%s: offset %zu is past the end (%zu bytes)",
					r->what, off,
					(size_t)(r->end - r->start));
	r->pos = r->start + off;
	return NULL;
}

struct els_error *els_reader_align(struct els_reader *r, size_t align)
{
	size_t off = els_reader_offset(r);
	size_t pad = (align - (off & (align - 1))) & (align - 1);
	return els_reader_skip(r, pad);
}

static uint64_t load(const struct els_reader *r, size_t n)
{
	uint64_t v = 0;
	if (r->big_endian) {
		for (size_t i = 0; i < n; i++)
			v = (v << 8) | r->pos[i];
	} else {
		for (size_t i = n; i > 0; i--)
			v = (v << 8) | r->pos[i - 1];
	}
	return v;
}

struct els_error *els_reader_uint(struct els_reader *r, size_t size,
				  uint64_t *ret)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return els_error_create(ELS_ERR_INVALID,
					"%s: integer of %zu bytes", r->what,
					size);
	struct els_error *err = els_reader_need(r, size);
	if (err)
		return err;
	*ret = load(r, size);
	r->pos += size;
	return NULL;
}

struct els_error *els_reader_u8(struct els_reader *r, uint8_t *ret)
{
	uint64_t v;
	struct els_error *err = els_reader_uint(r, 1, &v);
	if (!err)
		*ret = (uint8_t)v;
	return err;
}

struct els_error *els_reader_u16(struct els_reader *r, uint16_t *ret)
{
	uint64_t v;
	struct els_error *err = els_reader_uint(r, 2, &v);
	if (!err)
		*ret = (uint16_t)v;
	return err;
}

struct els_error *els_reader_u32(struct els_reader *r, uint32_t *ret)
{
	uint64_t v;
	struct els_error *err = els_reader_uint(r, 4, &v);
	if (!err)
		*ret = (uint32_t)v;
	return err;
}

struct els_error *els_reader_u64(struct els_reader *r, uint64_t *ret)
{
	return els_reader_uint(r, 8, ret);
}

struct els_error *els_reader_bytes(struct els_reader *r, size_t n,
				   const uint8_t **ret)
{
	struct els_error *err = els_reader_need(r, n);
	if (err)
		return err;
	*ret = r->pos;
	r->pos += n;
	return NULL;
}

struct els_error *els_reader_copy(struct els_reader *r, void *dst, size_t n)
{
	const uint8_t *p;
	struct els_error *err = els_reader_bytes(r, n, &p);
	if (err)
		return err;
	if (n)
		memcpy(dst, p, n);
	return NULL;
}

struct els_error *els_reader_sub(struct els_reader *r, size_t n,
				 const char *what, struct els_reader *ret)
{
	const uint8_t *p;
	struct els_error *err = els_reader_bytes(r, n, &p);
	if (err)
		return err;
	els_reader_init(ret, p, n, r->big_endian, what);
	return NULL;
}
