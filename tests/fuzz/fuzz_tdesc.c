/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the input is target.xml, and every file it includes
 * is the input again, so include handling is exercised too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/tdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static struct els_error *fetch(const char *annex, char **xml, size_t *len,
			       void *arg)
{
	const struct input *in = arg;
	*xml = malloc(in->size + 1);
	if (!*xml)
		return &els_enomem;
	memcpy(*xml, in->data, in->size);
	(*xml)[in->size] = '\0';
	*len = in->size;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct els_tdesc td = { 0 };
	els_error_destroy(els_tdesc_load("target.xml", fetch, &in, &td));
	els_tdesc_deinit(&td);
	return 0;
}
