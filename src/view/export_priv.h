/* SPDX-License-Identifier: MIT */
/* Helpers the exporters share (not part of the API). */
#ifndef ELS_VIEW_EXPORT_PRIV_H
#define ELS_VIEW_EXPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "view/event.h"

/* Xen's idle domain (DOMID_IDLE): its vCPUs are the pCPUs' idle loops. */
#define ELS_XEN_DOMID_IDLE 0x7fff

/* What a RUN span ran: "Domain-0 v1", "d1 v0", "xen idle", "busy (135)". */
void els_export_run_label(const struct els_events *e,
			  const struct els_event *ev, char *buf, size_t n);
/* A VM's name: "Domain-0" for 0, else "d<id>". */
void els_export_vm_name(int32_t vm, char *buf, size_t n);
/*
 * s as a JSON string: escapes, invalid UTF-8 as U+FFFD; with html, also '<',
 * '>' and '&' escaped so that the text is safe inside a <script> element.
 */
void els_export_json_string(FILE *f, const char *s, bool html);

#endif
