/* SPDX-License-Identifier: MIT */
/* The event model: a flat array of events and a table of interned strings. */
#include <stdlib.h>
#include <string.h>

#include "view/event.h"

/* String -> index: an open-addressing hash of indices into strings[]. */
struct str_index {
	uint32_t *slots; /* 0: empty (index 0 is "" and never stored) */
	size_t cap;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211u;
	return h;
}

void els_events_init(struct els_events *e)
{
	memset(e, 0, sizeof(*e));
}

void els_events_deinit(struct els_events *e)
{
	free(e->ev);
	for (size_t i = 0; i < e->nstrings; i++)
		free(e->strings[i]);
	free(e->strings);
	struct str_index *ix = e->index;
	if (ix)
		free(ix->slots);
	free(ix);
	memset(e, 0, sizeof(*e));
}

struct els_error *els_events_add(struct els_events *e,
				 const struct els_event *ev)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4096;
		struct els_event *n = realloc(e->ev, cap * sizeof(*n));
		if (!n)
			return &els_enomem;
		e->ev = n;
		e->cap = cap;
	}
	e->ev[e->n++] = *ev;
	if (ev->pcpu + 1u > e->npcpus)
		e->npcpus = ev->pcpu + 1u;
	return NULL;
}

static bool grow_index(struct els_events *e)
{
	struct str_index *ix = e->index;
	size_t cap = ix && ix->cap ? ix->cap * 2 : 256;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 1; i < e->nstrings; i++) {
		size_t h = (size_t)hash(e->strings[i]) & (cap - 1);
		while (slots[h])
			h = (h + 1) & (cap - 1);
		slots[h] = (uint32_t)i;
	}
	if (!ix && !(ix = calloc(1, sizeof(*ix)))) {
		free(slots);
		return false;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	e->index = ix;
	return true;
}

uint32_t els_events_intern(struct els_events *e, const char *s)
{
	if (!s || !*s)
		return 0;
	if (!e->nstrings) {
		/* strings[0] is "". */
		e->strings = calloc(16, sizeof(*e->strings));
		if (!e->strings || !(e->strings[0] = strdup("")))
			return 0;
		e->capstrings = 16;
		e->nstrings = 1;
	}
	struct str_index *ix = e->index;
	if ((!ix || e->nstrings * 2 >= ix->cap) && !grow_index(e))
		return 0;
	ix = e->index;
	size_t h = (size_t)hash(s) & (ix->cap - 1);
	while (ix->slots[h]) {
		if (!strcmp(e->strings[ix->slots[h]], s))
			return ix->slots[h];
		h = (h + 1) & (ix->cap - 1);
	}
	if (e->nstrings == e->capstrings) {
		size_t cap = e->capstrings * 2;
		char **n = realloc(e->strings, cap * sizeof(*n));
		if (!n)
			return 0;
		e->strings = n;
		e->capstrings = cap;
	}
	char *copy = strdup(s);
	if (!copy || e->nstrings >= UINT32_MAX) {
		free(copy);
		return 0;
	}
	e->strings[e->nstrings] = copy;
	ix->slots[h] = (uint32_t)e->nstrings;
	return (uint32_t)e->nstrings++;
}

const char *els_events_string(const struct els_events *e, uint32_t idx)
{
	return idx < e->nstrings ? e->strings[idx] : "";
}

static int by_time(const void *a, const void *b)
{
	const struct els_event *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->pcpu != y->pcpu)
		return x->pcpu < y->pcpu ? -1 : 1;
	return 0;
}

void els_events_sort(struct els_events *e)
{
	if (e->n > 1)
		qsort(e->ev, e->n, sizeof(*e->ev), by_time);
}

double els_events_seconds(const struct els_events *e, uint64_t ts)
{
	if (!e->freq)
		return 0;
	return ts >= e->t0 ? (double)(ts - e->t0) / (double)e->freq
			   : -(double)(e->t0 - ts) / (double)e->freq;
}

const char *els_ev_kind_name(enum els_ev_kind k)
{
	switch (k) {
	case ELS_EV_RUN:
		return "run";
	case ELS_EV_WAIT:
		return "wait";
	case ELS_EV_WAKE:
		return "wake";
	case ELS_EV_SAMPLE:
		return "sample";
	case ELS_EV_LOST:
		return "lost";
	}
	return "?";
}

const char *els_ev_level_name(enum els_ev_level l)
{
	switch (l) {
	case ELS_LVL_HYPERVISOR:
		return "hypervisor";
	case ELS_LVL_KERNEL:
		return "kernel";
	case ELS_LVL_USER:
		return "user";
	case ELS_LVL_IDLE:
		return "idle";
	case ELS_LVL_UNKNOWN:
		return "unknown";
	}
	return "?";
}
