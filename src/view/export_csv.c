/* SPDX-License-Identifier: MIT */
/* CSV: one row per event, strings quoted as RFC 4180 says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "view/export.h"

static void put_string(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static void put_id(FILE *f, int32_t v)
{
	if (v != ELS_EV_NONE)
		fprintf(f, "%d", (int)v);
}

struct els_error *els_export_csv(const struct els_events *e, FILE *f)
{
	double freq = e->freq ? (double)e->freq : 1.0;

	if (!e->freq)
		return els_error_create(ELS_ERR_INVALID,
					"exporting CSV: the events have no clock frequency");
	fputs("time_s,dur_s,kind,pcpu,vm,vcpu,pid,name,level,func\r\n", f);
	for (size_t i = 0; i < e->n; i++) {
		const struct els_event *ev = &e->ev[i];

		fprintf(f, "%.9f,%.9f,%s,%u,", els_events_seconds(e, ev->ts),
			(double)ev->dur / freq,
			els_ev_kind_name((enum els_ev_kind)ev->kind),
			(unsigned)ev->pcpu);
		put_id(f, ev->vm);
		putc(',', f);
		put_id(f, ev->vcpu);
		putc(',', f);
		put_id(f, ev->pid);
		putc(',', f);
		put_string(f, els_events_string(e, ev->name));
		fprintf(f, ",%s,",
			els_ev_level_name((enum els_ev_level)ev->level));
		put_string(f, els_events_string(e, ev->func));
		fputs("\r\n", f);
		if (ferror(f))
			break;
	}
	if (fflush(f) != 0 || ferror(f))
		return els_error_errno(errno ? errno : EIO, "writing CSV");
	return NULL;
}
