/* SPDX-License-Identifier: MIT */
/* Symbol sets per context: an ordered list of relocated symbol tables. */
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "debuginfo/symset.h"

struct image {
	char *label;
	struct els_symtab *st;
	bool owned;
};

ELS_VEC(image_vec, struct image);

struct els_symset {
	char *name;
	struct image_vec images;
};

struct els_error *els_symset_create(const char *name, struct els_symset **ret)
{
	struct els_symset *set = calloc(1, sizeof(*set));
	if (!set || !(set->name = strdup(name))) {
		free(set);
		return &els_enomem;
	}
	*ret = set;
	return NULL;
}

static void image_free(struct image *im)
{
	if (im->owned)
		els_symtab_destroy(im->st);
	free(im->label);
}

void els_symset_destroy(struct els_symset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->images.len; i++)
		image_free(&set->images.data[i]);
	image_vec_deinit(&set->images);
	free(set->name);
	free(set);
}

const char *els_symset_name(const struct els_symset *set)
{
	return set->name;
}

static struct image *find_label(const struct els_symset *set,
				const char *label, size_t len)
{
	for (size_t i = 0; i < set->images.len; i++) {
		struct image *im = &set->images.data[i];
		if (strlen(im->label) == len && !memcmp(im->label, label, len))
			return im;
	}
	return NULL;
}

struct els_error *els_symset_add(struct els_symset *set, const char *label,
				 struct els_symtab *st, bool owned)
{
	struct els_error *err = NULL;
	struct image im = { .st = st, .owned = owned };
	if (find_label(set, label, strlen(label)))
		err = els_error_create(ELS_ERR_INVALID,
				       "%s: an image named '%s' is already loaded",
				       set->name, label);
	else if (!(im.label = strdup(label)) ||
		 !image_vec_push(&set->images, im))
		err = &els_enomem;
	if (err) {
		free(im.label);
		if (owned)
			els_symtab_destroy(st);
	}
	return err;
}

bool els_symset_remove(struct els_symset *set, const char *label)
{
	struct image *im = find_label(set, label, strlen(label));
	if (!im)
		return false;
	size_t i = (size_t)(im - set->images.data);
	image_free(im);
	memmove(&set->images.data[i], &set->images.data[i + 1],
		(set->images.len - i - 1) * sizeof(*im));
	set->images.len--;
	return true;
}

struct els_symtab *els_symset_image(const struct els_symset *set,
				    const char *label)
{
	struct image *im = find_label(set, label, strlen(label));
	return im ? im->st : NULL;
}

size_t els_symset_count(const struct els_symset *set)
{
	return set->images.len;
}

struct els_symtab *els_symset_at(const struct els_symset *set, size_t i,
				 const char **label)
{
	if (i >= set->images.len)
		return NULL;
	if (label)
		*label = set->images.data[i].label;
	return set->images.data[i].st;
}

bool els_symset_find_addr(const struct els_symset *set, uint64_t addr,
			  struct els_symbol *sym, struct els_symtab **st)
{
	for (size_t i = 0; i < set->images.len; i++) {
		struct image *im = &set->images.data[i];
		if (els_symtab_find_addr(im->st, addr, sym)) {
			if (st)
				*st = im->st;
			return true;
		}
	}
	return false;
}

struct els_error *els_symset_lookup_name(const struct els_symset *set,
					 const char *name,
					 struct els_symbol *sym,
					 struct els_symtab **st)
{
	const char *colon = strchr(name, ':');
	if (colon) {
		struct image *im = find_label(set, name, (size_t)(colon - name));
		if (!im)
			return els_error_create(ELS_ERR_NOT_FOUND,
						"%s has no image '%.*s'",
						set->name, (int)(colon - name),
						name);
		struct els_error *err =
			els_symtab_lookup_name(im->st, colon + 1, sym);
		if (!err && st)
			*st = im->st;
		return err;
	}
	for (size_t i = 0; i < set->images.len; i++) {
		struct image *im = &set->images.data[i];
		struct els_error *err = els_symtab_lookup_name(im->st, name, sym);
		if (!err) {
			if (st)
				*st = im->st;
			return NULL;
		}
		els_error_destroy(err);
	}
	return els_error_create(ELS_ERR_NOT_FOUND,
				"no symbol '%s' in %s (%zu image%s)", name,
				set->name, set->images.len,
				set->images.len == 1 ? "" : "s");
}

bool els_symset_format(const struct els_symset *set, uint64_t addr, char *buf,
		       size_t size)
{
	struct els_symbol s;
	if (!els_symset_find_addr(set, addr, &s, NULL))
		return false;
	els_symbol_format(&s, buf, size);
	return true;
}
