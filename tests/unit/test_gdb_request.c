/* SPDX-License-Identifier: MIT */
/*
 * The gdbserver's request table and session on packets as gdb 13 sends
 * them (taken from `set debug remote 1` of gdb-multiarch against the xen
 * lab), and on malformed ones: bad numbers, lengths that disagree with the
 * data, ranges past the end of the address space, too many vCont actions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../gdb_fake_backend.h"
#include "gdbserver/request.h"

static struct els_gdb_req req;

static enum els_gdb_req_kind decode(const char *pkt)
{
	struct els_error *err = els_gdb_req_decode(pkt, strlen(pkt), &req);
	assert_null(err);
	return req.kind;
}

static void malformed(const char *pkt)
{
	struct els_error *err = els_gdb_req_decode(pkt, strlen(pkt), &req);
	if (!err)
		fail_msg("'%s' decoded as %d", pkt, req.kind);
	assert_int_equal(err->code, ELS_ERR_PROTOCOL);
	els_error_destroy(err);
}

static void test_memory(void **state)
{
	(void)state;
	assert_int_equal(decode("mffff800009f1c030,1b0"), ELS_GDB_READ_MEM);
	assert_true(req.addr == 0xffff800009f1c030ull && req.len == 0x1b0);
	assert_int_equal(decode("M1000,3:0a0b0c"), ELS_GDB_WRITE_MEM);
	assert_int_equal(req.data_len, 3);
	assert_int_equal(req.data[2], 0x0c);
	assert_int_equal(decode("X20,2:\x01\x23"), ELS_GDB_WRITE_MEM);
	assert_int_equal(req.data[1], 0x23);
	malformed("m1000");              /* no length */
	malformed("m1000,801");          /* over 2048 */
	malformed("mffffffffffffffff,2"); /* wraps */
	malformed("m10000000000000000,1"); /* 17 digits */
	malformed("mzz,1");
	malformed("M1000,2:0a");         /* data shorter than said */
	malformed("M1000,1:0");          /* odd digits */
	malformed("X20,3:\x01");
}

static void test_breakpoints_and_threads(void **state)
{
	(void)state;
	assert_int_equal(decode("Z0,ffff8000083ab520,4"), ELS_GDB_INSERT_BP);
	assert_int_equal(req.bp_type, 0);
	assert_true(req.addr == 0xffff8000083ab520ull && req.len == 4);
	assert_int_equal(decode("z2,1000,8"), ELS_GDB_REMOVE_BP);
	assert_int_equal(decode("Z0,1000,4;X2,0a0b"), ELS_GDB_INSERT_BP);
	malformed("Z5,1000,4");
	malformed("Z0,1000,0");
	assert_int_equal(decode("Hg5e"), ELS_GDB_SET_THREAD);
	assert_true(req.op == 'g' && req.thread == 0x5e);
	assert_int_equal(decode("Hc-1"), ELS_GDB_SET_THREAD);
	assert_int_equal(req.thread, ELS_GDB_ALL_THREADS);
	malformed("Hx1");
	malformed("Hg-2");
	assert_int_equal(decode("T10000000"), ELS_GDB_THREAD_ALIVE);
	assert_int_equal(decode("qThreadExtraInfo,5e"), ELS_GDB_THREAD_EXTRA);
	assert_int_equal(req.thread, 0x5e);
}

static void test_resume(void **state)
{
	(void)state;
	assert_int_equal(decode("vCont?"), ELS_GDB_VCONT_QUERY);
	assert_int_equal(decode("vCont;s:5e;c"), ELS_GDB_VCONT);
	assert_int_equal(req.nvcont, 2);
	assert_true(req.vcont[0].action == 's' && req.vcont[0].thread == 0x5e);
	assert_true(req.vcont[1].action == 'c' &&
		    req.vcont[1].thread == ELS_GDB_ALL_THREADS);
	assert_int_equal(decode("vCont;C02:5e"), ELS_GDB_VCONT);
	assert_int_equal(req.vcont[0].action, 'c');
	malformed("vCont;q");
	malformed("vCont;");
	char many[128] = "vCont";
	for (int i = 0; i < 17; i++)
		strcat(many, ";c");
	malformed(many);
	assert_int_equal(decode("c"), ELS_GDB_CONT);
	assert_false(req.has_addr);
	assert_int_equal(decode("s1000"), ELS_GDB_STEP);
	assert_true(req.has_addr);
}

static void test_queries(void **state)
{
	(void)state;
	assert_int_equal(decode("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+"),
			 ELS_GDB_SUPPORTED);
	assert_int_equal(decode("qXfer:features:read:target.xml:0,ffb"),
			 ELS_GDB_XFER_READ);
	assert_string_equal(req.object, "features");
	assert_string_equal(req.annex, "target.xml");
	assert_true(req.addr == 0 && req.len == ELS_GDB_MAX_MEM);
	assert_int_equal(decode("qXfer:threads:read::0,ffb"), ELS_GDB_XFER_READ);
	assert_string_equal(req.annex, "");
	assert_int_equal(decode("qXfer:exec-file:write:1:0,10"), ELS_GDB_UNKNOWN);
	assert_int_equal(decode("qTStatus"), ELS_GDB_UNKNOWN);
	assert_int_equal(decode("vMustReplyEmpty"), ELS_GDB_UNKNOWN);
	assert_int_equal(decode("qCRC:0,1"), ELS_GDB_UNKNOWN); /* not qC */
	assert_int_equal(decode("qC"), ELS_GDB_CURRENT_THREAD);
	assert_int_equal(decode("D"), ELS_GDB_DETACH);
	assert_int_equal(decode("D;1"), ELS_GDB_DETACH);
	assert_int_equal(decode("vKill;a410"), ELS_GDB_KILL);
	assert_int_equal(decode(""), ELS_GDB_UNKNOWN);
}

/* The session: the replies gdb gets for what it asks when it connects. */
static const char *ask(struct els_gdbserver_session *s, const char *pkt,
		       bool *resumed, bool *leave)
{
	char *reply;
	size_t len;
	bool r, l;
	assert_null(els_gdbserver_handle(s, pkt, strlen(pkt), &reply, &len,
					 resumed ? resumed : &r,
					 leave ? leave : &l));
	assert_int_equal(len, strlen(reply));
	return reply;
}

static void test_session(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct els_gdbserver_session *s =
		els_gdbserver_session_create(&fake_ops, &f);
	assert_non_null(s);
	assert_non_null(strstr(ask(s, "qSupported:swbreak+", NULL, NULL),
			       "qXfer:features:read+"));
	const char *x = ask(s, "qXfer:features:read:target.xml:0,7ff", NULL, NULL);
	assert_true(x[0] == 'l' || x[0] == 'm');
	assert_non_null(strstr(x, "org.gnu.gdb.aarch64.core"));
	assert_non_null(strstr(x, "name=\"cpsr\" bitsize=\"32\""));
	assert_string_equal(ask(s, "?", NULL, NULL), "T05thread:2;");
	assert_int_equal(f.halts, 1);
	/* Thread 2 has every register; 542 hex digits: 33 x 16 + 8. */
	const char *g = ask(s, "g", NULL, NULL);
	assert_int_equal(strlen(g), 33 * 16 + 8);
	assert_memory_equal(g + 16, "1111111111111111", 16);
	/* Thread 1: x0-x18 unknown. */
	assert_string_equal(ask(s, "Hg1", NULL, NULL), "OK");
	g = ask(s, "g", NULL, NULL);
	assert_memory_equal(g, "xxxxxxxxxxxxxxxx", 16);
	assert_memory_equal(g + 19 * 16, "3333333333333333", 16);
	assert_string_equal(ask(s, "p20", NULL, NULL), "0000000000000000");
	assert_string_equal(ask(s, "p22", NULL, NULL), "E45");
	assert_string_equal(ask(s, "Hg9", NULL, NULL), "E02");
	assert_string_equal(ask(s, "m10,4", NULL, NULL), "10111213");
	assert_string_equal(ask(s, "m200000,4", NULL, NULL), "E14");
	assert_string_equal(ask(s, "m10", NULL, NULL), "E01");
	assert_string_equal(ask(s, "qfThreadInfo", NULL, NULL), "m1,2,3");
	assert_string_equal(ask(s, "qsThreadInfo", NULL, NULL), "l");
	const char *th = ask(s, "qXfer:threads:read::0,7ff", NULL, NULL);
	assert_non_null(strstr(th, "<thread id=\"2\" core=\"0\" name=\"task\">"));
	assert_non_null(strstr(th, "name=\"a&lt;b&amp;c\""));
	assert_string_equal(ask(s, "Z0,1000,4", NULL, NULL), "OK");
	assert_int_equal(f.last_bp, 0x1000);
	assert_string_equal(ask(s, "Z1,1000,4", NULL, NULL), "");
	bool resumed, leave;
	ask(s, "vCont;s:2;c", &resumed, &leave);
	assert_true(resumed && !leave);
	assert_true(f.steps == 1 && f.last_step == 2);
	ask(s, "c", &resumed, &leave);
	assert_true(resumed);
	assert_int_equal(f.last_step, 0);
	char *stop = els_gdbserver_stop_reply(
		s, &(struct els_gdb_stop){ .thread = 3, .signal = 5, .watch = 2,
					   .watch_addr = 0xabc });
	assert_string_equal(stop, "T05watch:abc;thread:3;");
	free(stop);
	assert_string_equal(ask(s, "qC", NULL, NULL), "QC3");
	assert_string_equal(ask(s, "G00", NULL, NULL)[0] == 'E' ? "E" : "?", "E");
	assert_string_equal(ask(s, "k", &resumed, &leave), "OK");
	assert_true(leave);
	els_gdbserver_session_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_breakpoints_and_threads),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
