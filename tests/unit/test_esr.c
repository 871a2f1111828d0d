/* SPDX-License-Identifier: MIT */
/*
 * ESR_ELx decoding on values whose meaning is known independently: Linux's
 * well-known oops syndromes (BRK #0x800 = 0xf2000800, a NULL dereference
 * 0x96000005/0x96000045, an SError 0xbe000000, an SVC #0 0x56000000), the
 * HVC Xen guests issue (0x5a000ea1), and values assembled by hand from the
 * Arm ARM's ISS layouts (the arithmetic is spelled out next to each).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "arch/esr.h"
#include "arch/smccc.h"

static const char *describe(uint64_t esr)
{
	static char buf[256];
	struct els_esr e;
	size_t n;

	els_esr_decode(esr, &e);
	n = els_esr_describe(&e, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void test_hvc_xen(void **state)
{
	struct els_esr e;

	els_esr_decode(0x5a000ea1, &e);
	assert_int_equal(e.ec, 0x16);
	assert_string_equal(e.ec_name, "HVC64");
	assert_string_equal(e.ec_desc,
			    "HVC instruction execution in AArch64 state");
	assert_true(e.il);
	assert_int_equal(e.iss, 0xea1);
	assert_int_equal(e.iss2, 0);
	assert_false(els_esr_is_abort(&e));
	assert_false(els_esr_far_valid(&e));
	assert_string_equal(describe(0x5a000ea1), "imm16=0xea1");
}

static void test_linux_oops_values(void **state)
{
	struct els_esr e;

	/* BUG(): BRK #0x800. */
	els_esr_decode(0xf2000800, &e);
	assert_string_equal(e.ec_name, "BRK64");
	assert_string_equal(describe(0xf2000800), "imm16=0x800");

	/* A NULL read at EL1: level 1 translation fault, ISV clear. */
	els_esr_decode(0x96000005, &e);
	assert_string_equal(e.ec_name, "DABT_CUR");
	assert_true(els_esr_is_abort(&e));
	assert_true(els_esr_far_valid(&e));
	assert_string_equal(describe(0x96000005),
			    "read, DFSC=0x05 translation fault, level 1");
	/* The same, a write (WnR, ISS[6]). */
	assert_string_equal(describe(0x96000045),
			    "write, DFSC=0x05 translation fault, level 1");

	/* SError with an uncategorized syndrome. */
	els_esr_decode(0xbe000000, &e);
	assert_string_equal(e.ec_name, "SERROR");
	assert_string_equal(describe(0xbe000000), "DFSC=0x00 uncategorized");

	/* SVC #0 from AArch64 user space. */
	els_esr_decode(0x56000000, &e);
	assert_string_equal(e.ec_name, "SVC64");
	assert_string_equal(describe(0x56000000), "imm16=0x0");
}

static void test_data_abort_isv(void **state)
{
	struct els_esr e;

	/*
	 * A guest's STR W1, [X0] to an unmapped IPA, taken to EL2:
	 * EC 0x24 << 26 = 0x90000000, IL 0x02000000, ISV (24) 0x01000000,
	 * SAS=0b10 (23:22) 0x00800000, SRT=1 (20:16) 0x00010000, SF=0,
	 * WnR (6) 0x40, DFSC=0b000111 (translation fault, level 3).
	 */
	els_esr_decode(0x93810047, &e);
	assert_int_equal(e.ec, 0x24);
	assert_string_equal(e.ec_name, "DABT_LOW");
	assert_true(els_esr_is_abort(&e));
	assert_true(els_esr_far_valid(&e));
	assert_string_equal(describe(0x93810047),
		"write, 4 bytes, register w1, DFSC=0x07 translation fault, level 3");

	/*
	 * LDR X2, [X0] hitting a level 2 translation fault: SAS=0b11
	 * 0x00c00000, SRT=2 0x00020000, SF (15) 0x8000, DFSC 0x06.
	 */
	assert_string_equal(describe(0x93c28006),
		"read, 8 bytes, register x2, DFSC=0x06 translation fault, level 2");

	/* A sign-extending LDRSH W3 with acquire: SSE (21), AR (14). */
	assert_string_equal(describe(0x93634007),
		"read, 2 bytes, register w3, sign-extended, acquire/release, "
		"DFSC=0x07 translation fault, level 3");

	/* FnV (10) makes FAR invalid; S1PTW (7); EA (9). */
	els_esr_decode(0x92000694, &e);
	assert_false(els_esr_far_valid(&e));
	assert_string_equal(describe(0x92000694),
		"read, DFSC=0x14 synchronous external abort on translation "
		"table walk, level 0, on stage-1 translation table walk "
		"(S1PTW), external abort type (EA), FAR not valid (FnV)");

	/* A permission fault on instruction fetch from a lower EL. */
	els_esr_decode(0x8200000f, &e);
	assert_string_equal(e.ec_name, "IABT_LOW");
	assert_true(els_esr_is_abort(&e));
	assert_string_equal(describe(0x8200000f),
			    "IFSC=0x0f permission fault, level 3");
}

struct kv {
	char keys[40][24];
	char vals[40][96];
	size_t n;
};

static void collect(void *arg, const char *key, uint64_t num,
		    const char *str)
{
	struct kv *kv = arg;

	assert_true(kv->n < 40);
	snprintf(kv->keys[kv->n], sizeof(kv->keys[0]), "%s", key);
	if (str)
		snprintf(kv->vals[kv->n], sizeof(kv->vals[0]), "\"%s\"", str);
	else
		snprintf(kv->vals[kv->n], sizeof(kv->vals[0]), "0x%llx",
			 (unsigned long long)num);
	kv->n++;
}

static const char *kv_get(const struct kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->keys[i], key))
			return kv->vals[i];
	return NULL;
}

static void test_fields(void **state)
{
	struct els_esr e;
	struct kv kv = { .n = 0 };

	els_esr_decode(0x5a000ea1, &e);
	els_esr_fields(&e, collect, &kv);
	assert_string_equal(kv_get(&kv, "ec"), "0x16");
	assert_string_equal(kv_get(&kv, "ec_name"), "\"HVC64\"");
	assert_string_equal(kv_get(&kv, "imm16"), "0xea1");
	assert_string_equal(kv_get(&kv, "il"), "0x1");
	assert_null(kv_get(&kv, "iss2"));
	assert_null(kv_get(&kv, "dfsc"));

	kv.n = 0;
	els_esr_decode(0x93810047, &e);
	els_esr_fields(&e, collect, &kv);
	assert_string_equal(kv_get(&kv, "isv"), "0x1");
	assert_string_equal(kv_get(&kv, "access_size"), "0x4");
	assert_string_equal(kv_get(&kv, "srt"), "0x1");
	assert_string_equal(kv_get(&kv, "wnr"), "0x1");
	assert_string_equal(kv_get(&kv, "dfsc"), "0x7");
	assert_string_equal(kv_get(&kv, "level"), "0x3");
	assert_string_equal(kv_get(&kv, "fsc_desc"), "\"translation fault\"");

	/* FEAT_LPA2's level -1 translation fault (DFSC 0b101011). */
	kv.n = 0;
	els_esr_decode(0x9600002b, &e);
	els_esr_fields(&e, collect, &kv);
	assert_string_equal(kv_get(&kv, "level"), "\"-1\"");

	/* ISS2 (bits [55:32]) is reported when set. */
	kv.n = 0;
	els_esr_decode(UINT64_C(0x0000000393810047), &e);
	assert_int_equal(e.iss2, 3);
	els_esr_fields(&e, collect, &kv);
	assert_string_equal(kv_get(&kv, "iss2"), "0x3");
	assert_string_equal(describe(UINT64_C(0x0000000393810047)),
		"write, 4 bytes, register w1, DFSC=0x07 translation fault, "
		"level 3, ISS2=0x3");
}

static void test_sysreg_trap(void **state)
{
	struct els_esr e;

	/*
	 * MSR SCTLR_EL1, X3 (op0=3 op1=0 CRn=1 CRm=0 op2=0): ISS Op0 (21:20)
	 * 0x300000, CRn (13:10) 0x400, Rt=3 (9:5) 0x60, Direction 0 (write);
	 * EC 0x18 << 26 = 0x60000000, IL 0x02000000.
	 */
	els_esr_decode(0x62300460, &e);
	assert_string_equal(e.ec_name, "SYS64");
	assert_string_equal(describe(0x62300460),
			    "MSR S3_0_C1_C0_0 (SCTLR_EL1), x3");
	/* MRS X3, SCTLR_EL1: Direction 1. */
	assert_string_equal(describe(0x62300461),
			    "MRS x3, S3_0_C1_C0_0 (SCTLR_EL1)");
	/*
	 * MSR ICC_SGI1R_EL1, X0 (3, 0, C12, C11, 5): Op2=5 (19:17) 0xa0000,
	 * CRn=12 0x3000, CRm=11 (4:1) 0x16.
	 */
	assert_string_equal(describe(0x623a3016),
			    "MSR S3_0_C12_C11_5 (ICC_SGI1R_EL1), x0");
	/*
	 * MRS X30, CNTPCT_EL0 (3, 3, C14, C0, 1): Op2=1 0x20000, Op1=3
	 * (16:14) 0xc000, CRn=14 0x3800, Rt=30 0x3c0, Direction 1.
	 */
	assert_string_equal(describe(0x6232fbc1),
			    "MRS x30, S3_3_C14_C0_1 (CNTPCT_EL0)");
	/*
	 * DC CISW, X5 (1, 0, C7, C14, 2) trapped by HCR_EL2.TSW: Op0=1
	 * 0x100000, Op2=2 0x40000, CRn=7 0x1c00, Rt=5 0xa0, CRm=14 0x1c.
	 */
	assert_string_equal(describe(0x62141cbc),
			    "SYS S1_0_C7_C14_2 (DC CISW), x5");
	/* An encoding outside the table is printed without a name. */
	assert_string_equal(describe(0x623ffc00 | 31 << 5),
			    "MSR S3_7_C15_C0_7, xzr");

	assert_string_equal(els_esr_sysreg_name(3, 0, 2, 0, 2), "TCR_EL1");
	assert_string_equal(els_esr_sysreg_name(3, 0, 10, 2, 0), "MAIR_EL1");
	assert_string_equal(els_esr_sysreg_name(3, 0, 12, 0, 0), "VBAR_EL1");
	assert_string_equal(els_esr_sysreg_name(3, 0, 13, 0, 1),
			    "CONTEXTIDR_EL1");
	assert_null(els_esr_sysreg_name(3, 4, 1, 0, 0)); /* SCTLR_EL2 */
}

static void test_other_iss(void **state)
{
	/* WFI: EC 0x01 << 26 = 0x04000000, IL; TI (1:0) 0b00. */
	assert_string_equal(describe(0x06000000), "WFI");
	assert_string_equal(describe(0x06000001), "WFE");
	/* WFIT X7: TI 0b10, RV (2), Rn=7 (9:5) 0xe0. */
	assert_string_equal(describe(0x060000e6), "WFIT x7");
	/* ERET: EC 0x1a; ERETAB sets ERET (1) and ERETA (0). */
	assert_string_equal(describe(0x6a000000), "ERET");
	assert_string_equal(describe(0x6a000003), "ERETAB");
	/* SError with IDS (24). */
	assert_string_equal(describe(0xbf000002),
		"IMPLEMENTATION DEFINED syndrome 0x000002 (IDS)");
	/* SError, asynchronous (DFSC 0x11), AET=UER 0b011 (12:10). */
	assert_string_equal(describe(0xbe000c11),
		"DFSC=0x11 asynchronous SError interrupt, AET=UER (recoverable state)");
	/* A hardware breakpoint, IFSC 0b100010 (debug exception). */
	assert_string_equal(describe(0xc6000022), "IFSC=0x22 debug exception");
	/* A write watchpoint at the same EL: EC 0x35, WnR. */
	assert_string_equal(describe(0xd6000062),
			    "write, DFSC=0x22 debug exception");
	/* MRC p15, 0, r0, c1, c0, 0 (SCTLR) from AArch32: EC 0x03. */
	assert_string_equal(describe(0x0e000401 | 1 << 24 | 0xe << 20),
			    "MRC p15, 0, r0, c1, c0, 0, cond AL");
	/* PAC failure with the data key B. */
	assert_string_equal(describe(0x72000003), "data key B");
	/* Reserved EC 0x2a: named, ISS shown raw. */
	assert_string_equal(describe(0xaa001234), "ISS=0x1234");
}

/*
 * Every EC decodes to a non-empty name and description, and describe()
 * never writes past the size it is given.
 */
static void test_every_ec(void **state)
{
	static const uint32_t iss_values[] = {
		0, 0x1ffffff, 0x1000000, 0x0aaaaaa, 0x1555555, 0x3f, 0x11,
	};

	for (unsigned ec = 0; ec < 64; ec++) {
		for (size_t v = 0; v < sizeof(iss_values) / sizeof(iss_values[0]); v++) {
			uint64_t esr = (uint64_t)ec << 26 | 1u << 25 |
				       iss_values[v] | (v & 1 ? UINT64_C(0xffffff) << 32 : 0);
			struct els_esr e;
			char full[512], small[32];
			size_t n;

			els_esr_decode(esr, &e);
			assert_int_equal(e.ec, ec);
			assert_non_null(e.ec_name);
			assert_true(e.ec_name[0] != '\0');
			assert_non_null(e.ec_desc);
			assert_true(e.ec_desc[0] != '\0');
			n = els_esr_describe(&e, full, sizeof(full));
			assert_true(n > 0);
			assert_true(n < sizeof(full));
			assert_int_equal(n, strlen(full));
			assert_int_equal(els_esr_describe(&e, NULL, 0), n);
			for (size_t size = 1; size <= 16; size++) {
				memset(small, 0x5a, sizeof(small));
				assert_int_equal(els_esr_describe(&e, small, size), n);
				assert_int_equal(strlen(small),
						 n < size ? n : size - 1);
				assert_memory_equal(small, full, strlen(small));
				for (size_t i = size; i < sizeof(small); i++)
					assert_int_equal((unsigned char)small[i], 0x5a);
			}
		}
	}
	/* Reserved ones say so, with their number. */
	struct els_esr e;

	els_esr_decode(0x2aull << 26, &e);
	assert_string_equal(e.ec_name, "EC 0x2a (reserved)");
	els_esr_decode(0x3full << 26, &e);
	assert_string_equal(e.ec_name, "EC 0x3f (reserved)");
	/* Bits [63:56] are RES0 and ignored. */
	els_esr_decode(UINT64_C(0xff0000005a000ea1), &e);
	assert_int_equal(e.ec, 0x16);
	assert_int_equal(e.iss2, 0);
}

static void test_fsc_and_ipa(void **state)
{
	int level;

	assert_string_equal(els_esr_fsc_name(0x07, &level),
			    "translation fault");
	assert_int_equal(level, 3);
	assert_string_equal(els_esr_fsc_name(0x09, &level),
			    "access flag fault");
	assert_int_equal(level, 1);
	assert_string_equal(els_esr_fsc_name(0x21, &level), "alignment fault");
	assert_int_equal(level, INT_MIN);
	assert_string_equal(els_esr_fsc_name(0x30, &level),
			    "TLB conflict abort");
	assert_null(els_esr_fsc_name(0x3f, &level));
	assert_int_equal(level, INT_MIN);

	/* FIPA in HPFAR_EL2[47:4] is IPA[55:12]; FAR gives the low 12 bits. */
	assert_int_equal(els_esr_fault_ipa(0x1234560, 0xffff000012345abc),
			 0x123456abc);
	/* NS (63) is not part of the address, nor are FAR's high bits. */
	assert_int_equal(els_esr_fault_ipa(UINT64_C(1) << 63 | 0x10, 0xfff),
			 0x1fff);
	/* FEAT_LPA: FIPA[51:48] in HPFAR_EL2[43:40]. */
	assert_int_equal(els_esr_fault_ipa(UINT64_C(0xf0000000000), 0),
			 UINT64_C(0xf000000000000));
	/* Bits [62:48] are RES0 and ignored. */
	assert_int_equal(els_esr_fault_ipa(UINT64_C(0x7fff000000000000), 0),
			 0);
}

/* SMCCC function ids: names by id, fields otherwise, truncation safe. */
static void test_smccc(void **state)
{
	(void)state;
	char buf[128];
	assert_string_equal(els_smccc_name(0x80008000), "SMCCC_ARCH_WORKAROUND_1");
	assert_string_equal(els_smccc_name(0xc4000003), "PSCI_CPU_ON");
	assert_string_equal(els_smccc_name(0x84000003), "PSCI_CPU_ON");
	assert_null(els_smccc_name(0xc4000002)); /* CPU_OFF has no SMC64 form */
	els_smccc_format(0x84000009, buf, sizeof(buf));
	assert_string_equal(buf, "PSCI_SYSTEM_RESET (0x84000009)");
	els_smccc_format(0xc5000003, buf, sizeof(buf));
	assert_string_equal(buf, "fast SMC64 call 0x3 of the standard hypervisor service (0xc5000003)");
	els_smccc_format(0x02000001, buf, sizeof(buf));
	assert_string_equal(buf, "yielding SMC32 call 0x1 of the SiP service (0x02000001)");
	for (size_t n = 1; n < 12; n++) {
		memset(buf, 'X', sizeof(buf));
		els_smccc_format(0xf1f735b5, buf, n);
		assert_int_equal(strlen(buf), n - 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hvc_xen),
		cmocka_unit_test(test_linux_oops_values),
		cmocka_unit_test(test_data_abort_isv),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_sysreg_trap),
		cmocka_unit_test(test_other_iss),
		cmocka_unit_test(test_every_ec),
		cmocka_unit_test(test_fsc_and_ipa),
		cmocka_unit_test(test_smccc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
