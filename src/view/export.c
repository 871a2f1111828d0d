/* SPDX-License-Identifier: MIT */
/* Exporters' shared parts: what a span is called, and export by file name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "view/export.h"

/* Xen's idle domain (DOMID_IDLE): its vCPUs are the pCPUs' idle loops. */
#define XEN_DOMID_IDLE 0x7fff

void els_export_run_label(const struct els_events *e,
			  const struct els_event *ev, char *buf, size_t n)
{
	const char *name = els_events_string(e, ev->name);

	if (!n)
		return;
	if (ev->pid != ELS_EV_NONE) {
		if (*name)
			snprintf(buf, n, "%s (%d)", name, (int)ev->pid);
		else
			snprintf(buf, n, "pid %d", (int)ev->pid);
	} else if (ev->vm == ELS_EV_NONE || ev->vm == XEN_DOMID_IDLE) {
		if (ev->level == ELS_LVL_IDLE || ev->vm == XEN_DOMID_IDLE)
			snprintf(buf, n, "xen idle");
		else
			snprintf(buf, n, "%s", *name ? name : "xen");
	} else {
		char vm[32];

		if (ev->vm == 0)
			snprintf(vm, sizeof(vm), "Domain-0");
		else
			snprintf(vm, sizeof(vm), "d%d", (int)ev->vm);
		if (ev->vcpu != ELS_EV_NONE)
			snprintf(buf, n, "%s v%d", vm, (int)ev->vcpu);
		else
			snprintf(buf, n, "%s", vm);
	}
}

static const char *extension(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	return dot && (!slash || dot > slash) ? dot : "";
}

struct els_error *els_export_file(const struct els_events *e,
				  const struct els_profile_summary *p,
				  const char *path)
{
	const char *ext = extension(path);
	struct els_error *(*fn)(const struct els_events *, FILE *) = NULL;
	struct els_error *err;
	FILE *f;

	if (strcasecmp(ext, ".csv") == 0)
		fn = els_export_csv;
	else if (strcasecmp(ext, ".json") == 0)
		fn = els_export_perfetto;
	else if (strcasecmp(ext, ".html") != 0 && strcasecmp(ext, ".htm") != 0)
		return els_error_create(ELS_ERR_USAGE,
			"%s: the output's extension names its format: .html (report), .json (Perfetto trace) or .csv",
			path);
	f = fopen(path, "w");
	if (!f)
		return els_error_errno(errno, "creating %s", path);
	err = fn ? fn(e, f) : els_export_html(e, p, f);
	if (fclose(f) != 0 && !err)
		err = els_error_errno(errno, "writing %s", path);
	return els_error_wrap(err, "writing %s", path);
}
