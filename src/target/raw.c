/* SPDX-License-Identifier: MIT */
/*
 * Raw RAM images as a probe takes them: "FILE@PHYSADDR[,FILE@PHYSADDR...]".
 *
 * A spec is split at ',' into images and each image at its LAST '@', so a
 * file name may contain '@' (but not ','). The address is 0x-prefixed hex or
 * decimal. Each of these is one error naming the image: an empty piece, no
 * '@', no file name, a bad address, a file that cannot be opened, is not a
 * regular file or is empty, an image running past 2^64, two images that
 * overlap. Gaps between images are ELS_ERR_NOT_MAPPED with the first missing
 * address. No CPUs and no registers: a RAM image has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hex.h"
#include "target/physmap.h"
#include "target/target.h"

#define SPEC_HELP "expected FILE@PHYSADDR[,FILE@PHYSADDR...]"

struct raw_image {
	char *path;
	int fd;
	uint64_t paddr; /* first physical address */
	uint64_t size;  /* bytes, never 0; paddr + size - 1 does not wrap */
};

ELS_VEC(raw_image_vec, struct raw_image);

struct raw {
	struct els_target t; /* first: container_of by cast */
	struct raw_image_vec images; /* sorted by paddr, not overlapping */
	struct els_physmap map;      /* the same images as physical memory */
	uint64_t total;
};

static struct raw *to_raw(struct els_target *t)
{
	return (struct raw *)t;
}

static struct els_error *raw_read_mem(struct els_target *t,
				      const struct els_aspace *as,
				      uint64_t addr, void *buf, size_t len)
{
	if (as->kind != ELS_AS_PHYS)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"virtual addresses of a raw image need the translation layer (not available yet)");
	return els_physmap_read(&to_raw(t)->map, addr, buf, len);
}

static struct els_error *raw_read_reg(struct els_target *t, int cpu,
				      const struct els_reg_desc *reg,
				      uint8_t *buf)
{
	(void)t;
	(void)cpu;
	(void)buf;
	return els_error_create(ELS_ERR_UNSUPPORTED,
				"a raw RAM image has no registers (%s)",
				reg->name);
}

static void raw_describe(struct els_target *t,
			 void (*emit)(const char *, const char *, void *),
			 void *arg)
{
	struct raw *r = to_raw(t);
	char key[32], *val;
	snprintf(key, sizeof(key), "%zu", r->images.len);
	emit("images", key, arg);
	for (size_t i = 0; i < r->images.len; i++) {
		const struct raw_image *im = &r->images.data[i];
		snprintf(key, sizeof(key), "image %zu", i);
		if (asprintf(&val, "%s at 0x%llx-0x%llx (%llu bytes)",
			     im->path, (unsigned long long)im->paddr,
			     (unsigned long long)(im->paddr + (im->size - 1)),
			     (unsigned long long)im->size) < 0)
			continue;
		emit(key, val, arg);
		free(val);
	}
	snprintf(key, sizeof(key), "%llu bytes", (unsigned long long)r->total);
	emit("memory", key, arg);
}

static void raw_destroy(struct els_target *t)
{
	struct raw *r = to_raw(t);
	for (size_t i = 0; i < r->images.len; i++) {
		if (r->images.data[i].fd >= 0)
			close(r->images.data[i].fd);
		free(r->images.data[i].path);
	}
	raw_image_vec_deinit(&r->images);
	els_physmap_deinit(&r->map);
	free(r);
}

static const struct els_target_ops raw_ops = {
	.kind = "raw",
	.destroy = raw_destroy,
	.read_mem = raw_read_mem,
	.read_reg = raw_read_reg,
	.describe = raw_describe,
};

/* Open one "FILE@PHYSADDR" (item, NUL-terminated, index n of the spec). */
static struct els_error *add_image(struct raw *r, size_t n, char *item)
{
	if (!*item)
		return els_error_create(ELS_ERR_USAGE,
					"raw image %zu is empty: " SPEC_HELP,
					n + 1);
	char *at = strrchr(item, '@');
	if (!at)
		return els_error_create(ELS_ERR_USAGE,
					"'%s' has no '@PHYSADDR': " SPEC_HELP,
					item);
	if (at == item)
		return els_error_create(ELS_ERR_USAGE,
					"'%s' has no file name: " SPEC_HELP,
					item);
	*at = '\0';
	const char *path = item, *addr_str = at + 1;
	uint64_t paddr;
	if (!els_parse_u64(addr_str, &paddr))
		return els_error_create(ELS_ERR_USAGE,
					"raw image '%s': '%s' is not a physical address (0x-prefixed hex or decimal)",
					path, addr_str);
	struct raw_image *im = raw_image_vec_append(&r->images);
	if (!im)
		return &els_enomem;
	*im = (struct raw_image){ .fd = -1, .paddr = paddr };
	im->path = strdup(path);
	if (!im->path)
		return &els_enomem;
	im->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (im->fd < 0)
		return els_error_errno(errno, "raw image '%s'", path);
	struct stat st;
	if (fstat(im->fd, &st))
		return els_error_errno(errno, "raw image '%s'", path);
	if (!S_ISREG(st.st_mode))
		return els_error_create(ELS_ERR_INVALID,
					"raw image '%s' is not a regular file",
					path);
	if (st.st_size <= 0)
		return els_error_create(ELS_ERR_INVALID,
					"raw image '%s' is empty", path);
	im->size = (uint64_t)st.st_size;
	if (im->size - 1 > UINT64_MAX - paddr)
		return els_error_create(ELS_ERR_USAGE,
					"raw image '%s': %llu bytes at 0x%llx run past the end of the 64-bit address space",
					path, (unsigned long long)im->size,
					(unsigned long long)paddr);
	r->total += im->size;
	return NULL;
}

static int image_cmp(const void *a, const void *b)
{
	const struct raw_image *x = a, *y = b;
	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return 0;
}

static struct els_error *parse_spec(struct raw *r, const char *spec)
{
	char *copy = strdup(spec);
	if (!copy)
		return &els_enomem;
	struct els_error *err = NULL;
	char *p = copy;
	for (size_t n = 0; !err; n++) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		err = add_image(r, n, p);
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	if (err)
		return err;
	struct raw_image_vec *v = &r->images;
	qsort(v->data, v->len, sizeof(*v->data), image_cmp);
	for (size_t i = 1; i < v->len; i++) {
		const struct raw_image *a = &v->data[i - 1], *b = &v->data[i];
		uint64_t a_last = a->paddr + (a->size - 1);
		uint64_t b_last = b->paddr + (b->size - 1);
		if (b->paddr <= a_last)
			return els_error_create(ELS_ERR_USAGE,
						"raw images '%s' (0x%llx-0x%llx) and '%s' (0x%llx-0x%llx) overlap",
						a->path,
						(unsigned long long)a->paddr,
						(unsigned long long)a_last,
						b->path,
						(unsigned long long)b->paddr,
						(unsigned long long)b_last);
	}
	r->map.where = "any raw image";
	for (size_t i = 0; i < v->len; i++) {
		const struct raw_image *im = &v->data[i];
		if (!els_physmap_range_vec_push(&r->map.ranges,
						(struct els_physmap_range){
							.paddr = im->paddr,
							.size = im->size,
							.fd = im->fd,
							.name = im->path }))
			return &els_enomem;
	}
	return NULL;
}

struct els_error *els_raw_open(const char *spec, struct els_target **ret)
{
	struct raw *r = calloc(1, sizeof(*r));
	if (!r)
		return &els_enomem;
	char *full;
	if (asprintf(&full, "raw:%s", spec) < 0) {
		free(r);
		return &els_enomem;
	}
	els_target_init(&r->t, &raw_ops, full);
	free(full);
	struct els_error *err = r->t.spec ? parse_spec(r, spec) : &els_enomem;
	if (err) {
		els_target_close(&r->t);
		return err;
	}
	*ret = &r->t;
	return NULL;
}
