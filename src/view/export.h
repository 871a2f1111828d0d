/* SPDX-License-Identifier: MIT */
/*
 * Exporters of the event model: CSV, a Perfetto-loadable trace (Chrome
 * trace-event JSON) and the self-contained HTML report.
 *
 * Each writes to an open stream and returns NULL on success; a write error
 * of the stream is reported as ELS_ERR_IO. Events need not be sorted.
 */
#ifndef ELS_VIEW_EXPORT_H
#define ELS_VIEW_EXPORT_H

#include <stdio.h>

#include "core/error.h"
#include "view/event.h"
#include "view/profile.h"

/*
 * One row per event, with a header row:
 * time_s,dur_s,kind,pcpu,vm,vcpu,pid,name,level,func
 * Times in seconds since t0 (from freq); strings quoted as RFC 4180 says;
 * an unknown vm/vcpu/pid is an empty field.
 */
struct els_error *els_export_csv(const struct els_events *e, FILE *f);

/*
 * Chrome trace-event JSON ({"traceEvents": [...], "displayTimeUnit": "ns"})
 * that ui.perfetto.dev and chrome://tracing load: a process per physical
 * CPU ("pCPU 0") with RUN spans named by what ran ("Domain-0 v1", "d1 v0",
 * "xen idle", "busy (135)"), WAIT spans in a process per VM ("VM 1
 * waiting"), instants for wakes, samples and lost records.
 */
struct els_error *els_export_perfetto(const struct els_events *e, FILE *f);

/*
 * The self-contained HTML report (no network): a lane per physical CPU,
 * per-VM waiting time, the profile's tables when p is not NULL; zoom, pan,
 * tooltips; lanes encoded compactly and drawn by level of detail.
 */
struct els_error *els_export_html(const struct els_events *e,
				  const struct els_profile_summary *p,
				  FILE *f);

/*
 * Write the file at path in the format its extension names: .html (p may
 * be NULL), .json (Perfetto) or .csv; another extension is a usage error.
 */
struct els_error *els_export_file(const struct els_events *e,
				  const struct els_profile_summary *p,
				  const char *path);

#endif
