/* SPDX-License-Identifier: MIT */
/*
 * The exporters on a small event set whose values are known: CSV parsed
 * back field by field, the Perfetto JSON parsed back with json-c, the HTML
 * report's encoded rows decoded back to the spans, and errors for a bad
 * path, an unknown extension and a missing clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "view/export.h"
#include "testutil.h"

/* Three spans and two instants at 1 MHz, t0 = 1000. */
static void fill(struct els_events *e)
{
	els_events_init(e);
	e->freq = 1000000;
	e->t0 = 1000;
	e->t1 = 1000 + 3000000;
	struct els_event ev[] = {
		{ .ts = 1000, .dur = 1500000, .vm = 0, .vcpu = 1,
		  .pid = ELS_EV_NONE, .pcpu = 0, .kind = ELS_EV_RUN,
		  .level = ELS_LVL_KERNEL },
		{ .ts = 1001000, .dur = 500, .vm = 1, .vcpu = 0, .pid = 135,
		  .name = els_events_intern(e, "busy, \"the\" spinner"),
		  .pcpu = 1, .kind = ELS_EV_RUN, .level = ELS_LVL_USER },
		{ .ts = 2000, .dur = 250000, .vm = 1, .vcpu = 0,
		  .pid = ELS_EV_NONE, .pcpu = 0, .kind = ELS_EV_WAIT,
		  .level = ELS_LVL_KERNEL },
		{ .ts = 1501000, .dur = 0, .vm = 0x7fff, .vcpu = 0,
		  .pid = ELS_EV_NONE, .pcpu = 0, .kind = ELS_EV_SAMPLE,
		  .level = ELS_LVL_IDLE,
		  .func = els_events_intern(e, "idle_loop") },
		{ .ts = 2001000, .vm = ELS_EV_NONE, .vcpu = ELS_EV_NONE,
		  .pid = ELS_EV_NONE, .pcpu = 1, .kind = ELS_EV_LOST,
		  .level = ELS_LVL_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		expect_ok(els_events_add(e, &ev[i]));
}

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	return buf;
}

static void test_csv(void **state)
{
	struct els_events e;
	FILE *f = tmpfile();

	fill(&e);
	expect_ok(els_export_csv(&e, f));
	char *s = slurp(f);
	const char *want =
		"time_s,dur_s,kind,pcpu,vm,vcpu,pid,name,level,func\r\n"
		"0.000000000,1.500000000,run,0,0,1,,,kernel,\r\n"
		"1.000000000,0.000500000,run,1,1,0,135,"
		"\"busy, \"\"the\"\" spinner\",user,\r\n"
		"0.001000000,0.250000000,wait,0,1,0,,,kernel,\r\n"
		"1.500000000,0.000000000,sample,0,32767,0,,,idle,idle_loop\r\n"
		"2.000000000,0.000000000,lost,1,,,,,unknown,\r\n";
	assert_string_equal(s, want);
	free(s);
	fclose(f);
	els_events_deinit(&e);
}

static struct json_object *find(struct json_object *arr, const char *ph,
				const char *name)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;

		if (!json_object_object_get_ex(o, "ph", &v) ||
		    strcmp(json_object_get_string(v), ph))
			continue;
		if (!json_object_object_get_ex(o, "name", &v))
			continue;
		if (!strcmp(json_object_get_string(v), name))
			return o;
		if (json_object_object_get_ex(o, "args", &v) &&
		    json_object_object_get_ex(v, "name", &v) &&
		    !strcmp(json_object_get_string(v), name))
			return o;
	}
	return NULL;
}

static double num(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_double(v);
}

static void test_perfetto(void **state)
{
	struct els_events e;
	FILE *f = tmpfile();
	struct json_object *doc, *evs, *o, *v;

	fill(&e);
	expect_ok(els_export_perfetto(&e, f));
	char *s = slurp(f);
	doc = json_tokener_parse(s);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "displayTimeUnit", &v));
	assert_string_equal(json_object_get_string(v), "ns");
	assert_true(json_object_object_get_ex(doc, "traceEvents", &evs));

	o = find(evs, "X", "Domain-0 v1");
	assert_non_null(o);
	assert_true(num(o, "ts") == 0.0);
	assert_true(num(o, "dur") == 1500000.0);
	assert_int_equal((int)num(o, "pid"), 1);
	o = find(evs, "X", "busy, \"the\" spinner (135)");
	assert_non_null(o);
	assert_true(num(o, "ts") == 1000000.0);
	assert_true(num(o, "dur") == 500.0);
	assert_int_equal((int)num(o, "pid"), 2);
	o = find(evs, "X", "runnable");
	assert_non_null(o);
	assert_true(num(o, "ts") == 1000.0);
	assert_int_equal((int)num(o, "pid"), 100001);
	o = find(evs, "i", "idle_loop");
	assert_non_null(o);
	assert_true(num(o, "ts") == 1500000.0);
	assert_non_null(find(evs, "i", "lost records"));
	/* Metadata names the processes and threads. */
	assert_non_null(find(evs, "M", "pCPU 0"));
	assert_non_null(find(evs, "M", "pCPU 1"));
	assert_non_null(find(evs, "M", "VM 1 waiting (d1)"));
	assert_non_null(find(evs, "M", "d1 v0"));
	json_object_put(doc);
	free(s);
	fclose(f);
	els_events_deinit(&e);
}

/* Decode the varints of <script id="rowN"> back to (start, dur, owner). */
static size_t decode_row(const char *html, int row, uint64_t *out,
			 size_t max)
{
	char tag[64];
	const char *p;
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char bytes[256];
	size_t nb = 0, n = 0;
	uint32_t acc = 0;
	int bits = 0;

	snprintf(tag, sizeof(tag), "id=\"row%d\">", row);
	p = strstr(html, tag);
	assert_non_null(p);
	for (p += strlen(tag); *p != '<' && *p != '='; p++) {
		const char *c = strchr(tab, *p);
		assert_non_null(c);
		acc = acc << 6 | (uint32_t)(c - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(nb < sizeof(bytes));
			bytes[nb++] = (unsigned char)(acc >> bits);
		}
	}
	uint64_t prev_end = 0;
	for (size_t i = 0; i < nb && n + 3 <= max;) {
		uint64_t v[3] = { 0 };
		for (int k = 0; k < 3; k++) {
			int sh = 0;
			do {
				assert_true(i < nb);
				v[k] |= (uint64_t)(bytes[i] & 127) << sh;
				sh += 7;
			} while (bytes[i++] & 128);
		}
		int64_t gap = (int64_t)(v[0] >> 1) ^ -(int64_t)(v[0] & 1);
		out[n++] = prev_end + (uint64_t)gap;
		out[n++] = v[1];
		out[n++] = v[2];
		prev_end = out[n - 3] + v[1];
	}
	return n / 3;
}

static void test_html(void **state)
{
	struct els_events e;
	FILE *f = tmpfile();
	uint64_t sp[12];
	struct els_profile_row rows[] = { { "Domain-0", 7 }, { "</script>", 1 } };
	struct els_profile_table tab = { "vm", rows, 2 };
	struct els_profile_summary p = { 8, 2, 1.0, 0.01, 8, &tab, 1 };

	fill(&e);
	expect_ok(els_export_html(&e, &p, f));
	char *s = slurp(f);
	/* Self-contained: no external scripts, styles or fetches. */
	assert_null(strstr(s, "src=\"http"));
	assert_null(strstr(s, "href=\"http"));
	assert_non_null(strstr(s, "<canvas id=\"tl\">"));
	/* Rows: 0,1 run of pCPU 0/1; 2,3 tasks; 4 VM 1's waits. */
	assert_non_null(strstr(s, "\"label\":\"pCPU 0\""));
	assert_non_null(strstr(s, "{\"kind\":\"wait\",\"key\":1,\"n\":1,"
				  "\"label\":\"d1\"}"));
	assert_int_equal(decode_row(s, 0, sp, 12), 1);
	assert_int_equal(sp[0], 0);
	assert_int_equal(sp[1], 1500000);
	assert_int_equal(decode_row(s, 3, sp, 12), 1);
	assert_int_equal(sp[0], 1000000);
	assert_int_equal(sp[1], 500);
	assert_non_null(strstr(s, "[\"busy, \\\"the\\\" spinner (135)\",1,-1,"
				  "135,\"user\"]"));
	assert_int_equal(decode_row(s, 4, sp, 12), 1);
	assert_int_equal(sp[0], 1000);
	assert_int_equal(sp[1], 250000);
	/* The owners table names rows' owner ids in order of first use. */
	assert_non_null(strstr(s, "\"owners\":[[\"Domain-0 v1\",0,1,-1,"));
	/* Profile strings cannot end the script element. */
	assert_null(strstr(s, "\"</script>\""));
	assert_non_null(strstr(s, "\\u003c/script\\u003e"));
	assert_non_null(strstr(s, "\"run_s\":1.500000000,\"wait_s\":0"));
	free(s);
	fclose(f);
	els_events_deinit(&e);
}

static void test_file_errors(void **state)
{
	struct els_events e;

	fill(&e);
	expect_error(els_export_file(&e, NULL, "/nonexistent-dir/x.html"),
		     ELS_ERR_IO, "/nonexistent-dir/x.html");
	expect_error(els_export_file(&e, NULL, "out.txt"), ELS_ERR_USAGE,
		     ".html (report), .json (Perfetto trace) or .csv");
	expect_error(els_export_file(&e, NULL, "dir.html/out"), ELS_ERR_USAGE,
		     "dir.html/out");
	e.freq = 0;
	FILE *f = tmpfile();
	expect_error(els_export_csv(&e, f), ELS_ERR_INVALID, "frequency");
	expect_error(els_export_perfetto(&e, f), ELS_ERR_INVALID, "frequency");
	expect_error(els_export_html(&e, NULL, f), ELS_ERR_INVALID,
		     "frequency");
	fclose(f);
	els_events_deinit(&e);
}

static void test_file_csv(void **state)
{
	struct els_events e;
	char path[] = "/tmp/els_export_XXXXXX.csv";
	int fd = mkstemps(path, 4);

	assert_true(fd >= 0);
	fill(&e);
	expect_ok(els_export_file(&e, NULL, path));
	FILE *f = fdopen(fd, "r");
	char *s = slurp(f);
	assert_true(!strncmp(s, "time_s,dur_s,kind,", 18));
	free(s);
	fclose(f);
	unlink(path);
	els_events_deinit(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_perfetto),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
