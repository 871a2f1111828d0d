/* SPDX-License-Identifier: MIT */
/* Exporters' shared parts: what a span is called, and export by file name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "view/export.h"
#include "view/export_priv.h"

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
	} else if (ev->vm == ELS_EV_NONE || ev->vm == ELS_XEN_DOMID_IDLE) {
		if (ev->level == ELS_LVL_IDLE || ev->vm == ELS_XEN_DOMID_IDLE)
			snprintf(buf, n, "xen idle");
		else
			snprintf(buf, n, "%s", *name ? name : "xen");
	} else {
		char vm[32];

		els_export_vm_name(ev->vm, vm, sizeof(vm));
		if (ev->vcpu != ELS_EV_NONE)
			snprintf(buf, n, "%s v%d", vm, (int)ev->vcpu);
		else
			snprintf(buf, n, "%s", vm);
	}
}

void els_export_vm_name(int32_t vm, char *buf, size_t n)
{
	if (vm == 0)
		snprintf(buf, n, "Domain-0");
	else
		snprintf(buf, n, "d%d", (int)vm);
}

void els_export_json_string(FILE *f, const char *str, bool html)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', f);
	while (*s) {
		unsigned char c = *s;
		size_t len = 0;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			s++;
			continue;
		}
		if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
			fprintf(f, "\\u%04x", c);
			s++;
			continue;
		}
		if (c < 0x80) {
			putc(c, f);
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		bool ok = len > 0;
		for (size_t i = 1; ok && i < len; i++)
			ok = (s[i] & 0xc0) == 0x80;
		/* No overlong 3/4-byte forms, surrogates or > U+10FFFF. */
		if (ok && len == 3)
			ok = !(c == 0xe0 && s[1] < 0xa0) &&
			     !(c == 0xed && s[1] >= 0xa0);
		if (ok && len == 4)
			ok = !(c == 0xf0 && s[1] < 0x90) &&
			     !(c == 0xf4 && s[1] >= 0x90);
		if (!ok) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, len, f);
		s += len;
	}
	putc('"', f);
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
