// SPDX-License-Identifier: MIT
/*
 * ESR_ELx decoding. Facts from the Arm ARM, DDI 0487 K.a, part D "The
 * AArch64 System Level Architecture", the AArch64 System register
 * descriptions: "ESR_EL2, Exception Syndrome Register (EL2)" gives the EC
 * table (field EC, "Possible values of the EC field") and, under field ISS,
 * one subsection per EC ("ISS encoding for an exception from a Data Abort",
 * "... from an MSR, MRS, or System instruction execution in AArch64 state",
 * "... from a WF* instruction", "... from an HVC or SVC instruction
 * execution", "... for an SError exception", ...); bit positions in the
 * comments below are those subsections'. "HPFAR_EL2" gives the fault IPA.
 * (Chapter numbers move between revisions of DDI 0487; titles do not.)
 */
#include "core/strbuf.h"
#include "arch/esr.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BIT(n) (UINT64_C(1) << (n))
#define FIELD(v, hi, lo) \
	((unsigned)(((v) >> (lo)) & ((UINT64_C(1) << ((hi) - (lo) + 1)) - 1)))

struct ec_info {
	const char *name;
	const char *desc;
};

/* ESR_EL2.EC, "Possible values of the EC field". */
static const struct ec_info ec_table[64] = {
	[0x00] = { "UNKNOWN", "Unknown reason" },
	[0x01] = { "WFx", "Trapped WF* instruction execution" },
	[0x03] = { "CP15_32", "Trapped MCR or MRC access with (coproc==0b1111)" },
	[0x04] = { "CP15_64", "Trapped MCRR or MRRC access with (coproc==0b1111)" },
	[0x05] = { "CP14_MR", "Trapped MCR or MRC access with (coproc==0b1110)" },
	[0x06] = { "CP14_LS", "Trapped LDC or STC access" },
	[0x07] = { "FP_ASIMD", "Access to SME, SVE, Advanced SIMD or floating-point functionality trapped by CPACR_EL1.FPEN, CPTR_EL2.FPEN, CPTR_EL2.TFP, or CPTR_EL3.TFP control" },
	[0x08] = { "CP10_ID", "Trapped VMRS access, from ID group trap" },
	[0x09] = { "PAC", "Trapped use of a Pointer authentication instruction (HCR_EL2.API or SCR_EL3.API is 0)" },
	[0x0a] = { "LS64", "Trapped LD64B or ST64B* instruction (FEAT_LS64)" },
	[0x0c] = { "CP14_64", "Trapped MRRC access with (coproc==0b1110)" },
	[0x0d] = { "BTI", "Branch Target Exception" },
	[0x0e] = { "ILL", "Illegal Execution state" },
	[0x11] = { "SVC32", "SVC instruction execution in AArch32 state" },
	[0x12] = { "HVC32", "HVC instruction execution in AArch32 state" },
	[0x13] = { "SMC32", "SMC instruction execution in AArch32 state" },
	[0x15] = { "SVC64", "SVC instruction execution in AArch64 state" },
	[0x16] = { "HVC64", "HVC instruction execution in AArch64 state" },
	[0x17] = { "SMC64", "SMC instruction execution in AArch64 state" },
	[0x18] = { "SYS64", "Trapped MSR, MRS or System instruction execution in AArch64 state" },
	[0x19] = { "SVE", "Access to SVE functionality trapped" },
	[0x1a] = { "ERET", "Trapped ERET, ERETAA, or ERETAB instruction execution" },
	[0x1c] = { "FPAC", "Exception from a Pointer Authentication instruction authentication failure" },
	[0x1d] = { "SME", "Access to SME functionality trapped" },
	[0x1e] = { "GPC", "Granule Protection Check exception" },
	[0x1f] = { "IMP_DEF", "IMPLEMENTATION DEFINED exception taken to EL3" },
	[0x20] = { "IABT_LOW", "Instruction Abort from a lower Exception level" },
	[0x21] = { "IABT_CUR", "Instruction Abort taken without a change in Exception level" },
	[0x22] = { "PC_ALIGN", "PC alignment fault exception" },
	[0x24] = { "DABT_LOW", "Data Abort exception from a lower Exception level" },
	[0x25] = { "DABT_CUR", "Data Abort exception taken without a change in Exception level" },
	[0x26] = { "SP_ALIGN", "SP alignment fault exception" },
	[0x27] = { "MOPS", "Memory Operation Exception" },
	[0x28] = { "FP_EXC32", "Trapped floating-point exception taken from AArch32 state" },
	[0x2c] = { "FP_EXC64", "Trapped floating-point exception taken from AArch64 state" },
	[0x2d] = { "GCS", "GCS exception" },
	[0x2f] = { "SERROR", "SError exception" },
	[0x30] = { "BREAKPT_LOW", "Breakpoint exception from a lower Exception level" },
	[0x31] = { "BREAKPT_CUR", "Breakpoint exception taken without a change in Exception level" },
	[0x32] = { "SOFTSTP_LOW", "Software Step exception from a lower Exception level" },
	[0x33] = { "SOFTSTP_CUR", "Software Step exception taken without a change in Exception level" },
	[0x34] = { "WATCHPT_LOW", "Watchpoint exception from a lower Exception level" },
	[0x35] = { "WATCHPT_CUR", "Watchpoint exception taken without a change in Exception level" },
	[0x38] = { "BKPT32", "BKPT instruction execution in AArch32 state" },
	[0x3a] = { "VECTOR32", "Vector Catch exception from AArch32 state" },
	[0x3c] = { "BRK64", "BRK instruction execution in AArch64 state" },
};

static const char reserved_names[64][20] = {
#define R(n) [n] = "EC " #n " (reserved)"
	R(0x00), R(0x01), R(0x02), R(0x03), R(0x04), R(0x05), R(0x06), R(0x07),
	R(0x08), R(0x09), R(0x0a), R(0x0b), R(0x0c), R(0x0d), R(0x0e), R(0x0f),
	R(0x10), R(0x11), R(0x12), R(0x13), R(0x14), R(0x15), R(0x16), R(0x17),
	R(0x18), R(0x19), R(0x1a), R(0x1b), R(0x1c), R(0x1d), R(0x1e), R(0x1f),
	R(0x20), R(0x21), R(0x22), R(0x23), R(0x24), R(0x25), R(0x26), R(0x27),
	R(0x28), R(0x29), R(0x2a), R(0x2b), R(0x2c), R(0x2d), R(0x2e), R(0x2f),
	R(0x30), R(0x31), R(0x32), R(0x33), R(0x34), R(0x35), R(0x36), R(0x37),
	R(0x38), R(0x39), R(0x3a), R(0x3b), R(0x3c), R(0x3d), R(0x3e), R(0x3f),
#undef R
};

void els_esr_decode(uint64_t esr, struct els_esr *ret)
{
	unsigned ec = FIELD(esr, 31, 26);

	ret->esr = esr;
	ret->ec = ec;
	ret->il = (esr & BIT(25)) != 0;
	ret->iss = (uint32_t)FIELD(esr, 24, 0);
	ret->iss2 = (uint32_t)FIELD(esr, 55, 32);
	if (ec_table[ec].name) {
		ret->ec_name = ec_table[ec].name;
		ret->ec_desc = ec_table[ec].desc;
	} else {
		ret->ec_name = reserved_names[ec];
		ret->ec_desc = "Reserved exception class";
	}
}

/*
 * Fault status codes of an Instruction or Data Abort (IFSC/DFSC, ISS[5:0]):
 * "ISS encoding for an exception from a Data Abort", DFSC.
 */
struct fsc_info {
	const char *name;
	signed char level; /* -2..3; LVL_NONE: no level */
};
#define LVL_NONE 100

static const struct fsc_info fsc_table[64] = {
	[0x00] = { "address size fault", 0 },
	[0x01] = { "address size fault", 1 },
	[0x02] = { "address size fault", 2 },
	[0x03] = { "address size fault", 3 },
	[0x04] = { "translation fault", 0 },
	[0x05] = { "translation fault", 1 },
	[0x06] = { "translation fault", 2 },
	[0x07] = { "translation fault", 3 },
	[0x08] = { "access flag fault", 0 },
	[0x09] = { "access flag fault", 1 },
	[0x0a] = { "access flag fault", 2 },
	[0x0b] = { "access flag fault", 3 },
	[0x0c] = { "permission fault", 0 },
	[0x0d] = { "permission fault", 1 },
	[0x0e] = { "permission fault", 2 },
	[0x0f] = { "permission fault", 3 },
	[0x10] = { "synchronous external abort", LVL_NONE },
	[0x11] = { "synchronous tag check fault", LVL_NONE },
	[0x12] = { "synchronous external abort on translation table walk", -2 },
	[0x13] = { "synchronous external abort on translation table walk", -1 },
	[0x14] = { "synchronous external abort on translation table walk", 0 },
	[0x15] = { "synchronous external abort on translation table walk", 1 },
	[0x16] = { "synchronous external abort on translation table walk", 2 },
	[0x17] = { "synchronous external abort on translation table walk", 3 },
	[0x18] = { "synchronous parity or ECC error", LVL_NONE },
	[0x1b] = { "synchronous parity or ECC error on translation table walk", -1 },
	[0x1c] = { "synchronous parity or ECC error on translation table walk", 0 },
	[0x1d] = { "synchronous parity or ECC error on translation table walk", 1 },
	[0x1e] = { "synchronous parity or ECC error on translation table walk", 2 },
	[0x1f] = { "synchronous parity or ECC error on translation table walk", 3 },
	[0x21] = { "alignment fault", LVL_NONE },
	[0x22] = { "granule protection fault on translation table walk", -2 },
	[0x23] = { "granule protection fault on translation table walk", -1 },
	[0x24] = { "granule protection fault on translation table walk", 0 },
	[0x25] = { "granule protection fault on translation table walk", 1 },
	[0x26] = { "granule protection fault on translation table walk", 2 },
	[0x27] = { "granule protection fault on translation table walk", 3 },
	[0x28] = { "granule protection fault", LVL_NONE },
	[0x29] = { "address size fault", -1 },
	[0x2a] = { "translation fault", -2 },
	[0x2b] = { "translation fault", -1 },
	[0x2c] = { "address size fault", -2 },
	[0x30] = { "TLB conflict abort", LVL_NONE },
	[0x31] = { "unsupported atomic hardware update fault", LVL_NONE },
	[0x34] = { "IMPLEMENTATION DEFINED fault (Lockdown)", LVL_NONE },
	[0x35] = { "IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access)", LVL_NONE },
};

const char *els_esr_fsc_name(unsigned fsc, int *level)
{
	const struct fsc_info *f = &fsc_table[fsc & 0x3f];

	if (level)
		*level = (!f->name || f->level == LVL_NONE) ? INT_MIN : f->level;
	return f->name;
}

/*
 * A partial table of System register and System instruction encodings
 * (Arm ARM D24/C5 "op0, op1, CRn, CRm, op2"): the EL1/EL0 registers a
 * hypervisor commonly traps or a guest commonly touches.
 */
struct sysreg {
	unsigned char op0, op1, crn, crm, op2;
	const char *name;
};

static const struct sysreg sysregs[] = {
	{ 2, 0, 0, 2, 2, "MDSCR_EL1" },
	{ 2, 0, 1, 0, 4, "OSLAR_EL1" },
	{ 2, 0, 1, 1, 4, "OSLSR_EL1" },
	{ 2, 0, 1, 3, 4, "OSDLR_EL1" },
	{ 3, 0, 0, 0, 0, "MIDR_EL1" },
	{ 3, 0, 0, 0, 5, "MPIDR_EL1" },
	{ 3, 0, 0, 4, 0, "ID_AA64PFR0_EL1" },
	{ 3, 0, 0, 4, 1, "ID_AA64PFR1_EL1" },
	{ 3, 0, 0, 5, 0, "ID_AA64DFR0_EL1" },
	{ 3, 0, 0, 6, 0, "ID_AA64ISAR0_EL1" },
	{ 3, 0, 0, 6, 1, "ID_AA64ISAR1_EL1" },
	{ 3, 0, 0, 7, 0, "ID_AA64MMFR0_EL1" },
	{ 3, 0, 0, 7, 1, "ID_AA64MMFR1_EL1" },
	{ 3, 0, 0, 7, 2, "ID_AA64MMFR2_EL1" },
	{ 3, 0, 1, 0, 0, "SCTLR_EL1" },
	{ 3, 0, 1, 0, 1, "ACTLR_EL1" },
	{ 3, 0, 1, 0, 2, "CPACR_EL1" },
	{ 3, 0, 2, 0, 0, "TTBR0_EL1" },
	{ 3, 0, 2, 0, 1, "TTBR1_EL1" },
	{ 3, 0, 2, 0, 2, "TCR_EL1" },
	{ 3, 0, 4, 6, 0, "ICC_PMR_EL1" },
	{ 3, 0, 5, 1, 0, "AFSR0_EL1" },
	{ 3, 0, 5, 1, 1, "AFSR1_EL1" },
	{ 3, 0, 5, 2, 0, "ESR_EL1" },
	{ 3, 0, 6, 0, 0, "FAR_EL1" },
	{ 3, 0, 7, 4, 0, "PAR_EL1" },
	{ 3, 0, 10, 2, 0, "MAIR_EL1" },
	{ 3, 0, 10, 3, 0, "AMAIR_EL1" },
	{ 3, 0, 12, 0, 0, "VBAR_EL1" },
	{ 3, 0, 12, 11, 1, "ICC_DIR_EL1" },
	{ 3, 0, 12, 11, 5, "ICC_SGI1R_EL1" },
	{ 3, 0, 12, 11, 6, "ICC_ASGI1R_EL1" },
	{ 3, 0, 12, 11, 7, "ICC_SGI0R_EL1" },
	{ 3, 0, 12, 12, 0, "ICC_IAR1_EL1" },
	{ 3, 0, 12, 12, 1, "ICC_EOIR1_EL1" },
	{ 3, 0, 12, 12, 5, "ICC_SRE_EL1" },
	{ 3, 0, 13, 0, 1, "CONTEXTIDR_EL1" },
	{ 3, 0, 13, 0, 4, "TPIDR_EL1" },
	{ 3, 0, 14, 1, 0, "CNTKCTL_EL1" },
	{ 3, 3, 9, 12, 0, "PMCR_EL0" },
	{ 3, 3, 14, 0, 0, "CNTFRQ_EL0" },
	{ 3, 3, 14, 0, 1, "CNTPCT_EL0" },
	{ 3, 3, 14, 0, 2, "CNTVCT_EL0" },
	{ 3, 3, 14, 2, 0, "CNTP_TVAL_EL0" },
	{ 3, 3, 14, 2, 1, "CNTP_CTL_EL0" },
	{ 3, 3, 14, 2, 2, "CNTP_CVAL_EL0" },
	{ 3, 3, 14, 3, 0, "CNTV_TVAL_EL0" },
	{ 3, 3, 14, 3, 1, "CNTV_CTL_EL0" },
	{ 3, 3, 14, 3, 2, "CNTV_CVAL_EL0" },
	/* System instructions (op0 == 1), trapped by HCR_EL2.TSW/TPC/TTLB. */
	{ 1, 0, 7, 6, 2, "DC ISW" },
	{ 1, 0, 7, 10, 2, "DC CSW" },
	{ 1, 0, 7, 14, 2, "DC CISW" },
	{ 1, 0, 8, 3, 0, "TLBI VMALLE1IS" },
	{ 1, 0, 8, 7, 0, "TLBI VMALLE1" },
};

const char *els_esr_sysreg_name(unsigned op0, unsigned op1, unsigned crn,
				unsigned crm, unsigned op2)
{
	for (size_t i = 0; i < sizeof(sysregs) / sizeof(sysregs[0]); i++) {
		const struct sysreg *r = &sysregs[i];

		if (r->op0 == op0 && r->op1 == op1 && r->crn == crn &&
		    r->crm == crm && r->op2 == op2)
			return r->name;
	}
	return NULL;
}


/* Separator before the next item: nothing at the start, ", " after. */
static void sep(struct els_fixbuf *o)
{
	if (o->len)
		els_fixbuf_printf(o, ", ");
}

static const char *const aarch32_cond[16] = {
	"EQ", "NE", "CS", "CC", "MI", "PL", "VS", "VC",
	"HI", "LS", "GE", "LT", "GT", "LE", "AL", "NV",
};

/* CV [24], COND [23:20] of the AArch32 trap encodings. */
static void describe_cond(struct els_fixbuf *o, uint32_t iss)
{
	if (iss & BIT(24)) {
		sep(o);
		els_fixbuf_printf(o, "cond %s", aarch32_cond[FIELD(iss, 23, 20)]);
	}
}

static void describe_fsc(struct els_fixbuf *o, const char *what, unsigned fsc)
{
	int level;
	const char *name = els_esr_fsc_name(fsc, &level);

	sep(o);
	els_fixbuf_printf(o, "%s=0x%02x %s", what, fsc, name ? name : "reserved");
	if (level != INT_MIN)
		els_fixbuf_printf(o, ", level %d", level);
}

static void describe_abort(struct els_fixbuf *o, const struct els_esr *e, bool data)
{
	uint32_t iss = e->iss;

	if (data && (iss & BIT(24))) { /* ISV: SAS, SSE, SRT, SF, AR valid */
		unsigned srt = FIELD(iss, 20, 16);
		bool sf = iss & BIT(15);

		els_fixbuf_printf(o, "%s, %u bytes", (iss & BIT(6)) ? "write" : "read",
		     1u << FIELD(iss, 23, 22));
		if (srt == 31)
			els_fixbuf_printf(o, ", register %czr", sf ? 'x' : 'w');
		else
			els_fixbuf_printf(o, ", register %c%u", sf ? 'x' : 'w', srt);
		if (iss & BIT(21))
			els_fixbuf_printf(o, ", sign-extended");
		if (iss & BIT(14))
			els_fixbuf_printf(o, ", acquire/release");
	} else if (data) {
		els_fixbuf_printf(o, "%s", (iss & BIT(6)) ? "write" : "read");
	}
	describe_fsc(o, data ? "DFSC" : "IFSC", FIELD(iss, 5, 0));
	if (iss & BIT(7)) {
		sep(o);
		els_fixbuf_printf(o, "on stage-1 translation table walk (S1PTW)");
	}
	if (data && (iss & BIT(8))) {
		sep(o);
		els_fixbuf_printf(o, "cache maintenance (CM)");
	}
	if (iss & BIT(9)) {
		sep(o);
		els_fixbuf_printf(o, "external abort type (EA)");
	}
	if (iss & BIT(10)) {
		sep(o);
		els_fixbuf_printf(o, "FAR not valid (FnV)");
	}
	if (data && (iss & BIT(13))) {
		sep(o);
		els_fixbuf_printf(o, "VNCR_EL2 access (VNCR)");
	}
}

static void describe_sys64(struct els_fixbuf *o, uint32_t iss)
{
	unsigned op0 = FIELD(iss, 21, 20), op2 = FIELD(iss, 19, 17);
	unsigned op1 = FIELD(iss, 16, 14), crn = FIELD(iss, 13, 10);
	unsigned rt = FIELD(iss, 9, 5), crm = FIELD(iss, 4, 1);
	bool read = iss & 1; /* Direction: 1 = read (MRS, SYSL) */
	const char *name = els_esr_sysreg_name(op0, op1, crn, crm, op2);
	char reg[64], xt[8];

	snprintf(xt, sizeof(xt), rt == 31 ? "xzr" : "x%u", rt);
	if (name)
		snprintf(reg, sizeof(reg), "S%u_%u_C%u_C%u_%u (%s)", op0, op1,
			 crn, crm, op2, name);
	else
		snprintf(reg, sizeof(reg), "S%u_%u_C%u_C%u_%u", op0, op1, crn,
			 crm, op2);
	if (op0 == 1 && read)
		els_fixbuf_printf(o, "SYSL %s, %s", xt, reg);
	else if (op0 == 1)
		els_fixbuf_printf(o, "SYS %s, %s", reg, xt);
	else if (read)
		els_fixbuf_printf(o, "MRS %s, %s", xt, reg);
	else
		els_fixbuf_printf(o, "MSR %s, %s", reg, xt);
}

static void describe_serror(struct els_fixbuf *o, uint32_t iss)
{
	static const char *const aet[8] = {
		"UC (uncontainable)", "UEU (unrecoverable state)",
		"UEO (restartable state)", "UER (recoverable state)",
		NULL, NULL, "CE (corrected)", NULL,
	};
	unsigned dfsc = FIELD(iss, 5, 0);

	if (iss & BIT(24)) {
		els_fixbuf_printf(o, "IMPLEMENTATION DEFINED syndrome 0x%06x (IDS)",
		     (unsigned)FIELD(iss, 23, 0));
		return;
	}
	if (dfsc == 0x00)
		els_fixbuf_printf(o, "DFSC=0x00 uncategorized");
	else if (dfsc == 0x11)
		els_fixbuf_printf(o, "DFSC=0x11 asynchronous SError interrupt");
	else
		els_fixbuf_printf(o, "DFSC=0x%02x reserved", dfsc);
	if (dfsc == 0x11) {
		const char *a = aet[FIELD(iss, 12, 10)];

		if (a)
			els_fixbuf_printf(o, ", AET=%s", a);
		else
			els_fixbuf_printf(o, ", AET=%u (reserved)", FIELD(iss, 12, 10));
	}
	if (iss & BIT(13))
		els_fixbuf_printf(o, ", synchronized by an implicit error barrier (IESB)");
	if (iss & BIT(9))
		els_fixbuf_printf(o, ", external abort type (EA)");
}

size_t els_esr_describe(const struct els_esr *e, char *buf, size_t size)
{
	struct els_fixbuf o = { buf, size, 0 };
	uint32_t iss = e->iss;

	if (buf && size)
		buf[0] = '\0';
	switch (e->ec) {
	case 0x01: { /* WF* */
		static const char *const ti[4] = { "WFI", "WFE", "WFIT", "WFET" };

		els_fixbuf_printf(&o, "%s", ti[FIELD(iss, 1, 0)]);
		if (iss & BIT(2)) /* RV: Rn valid */
			els_fixbuf_printf(&o, " x%u", FIELD(iss, 9, 5));
		describe_cond(&o, iss);
		break;
	}
	case 0x03: case 0x05: /* MCR/MRC */
		els_fixbuf_printf(&o, "%s p%u, %u, r%u, c%u, c%u, %u",
		     (iss & 1) ? "MRC" : "MCR", e->ec == 0x03 ? 15 : 14,
		     FIELD(iss, 16, 14), FIELD(iss, 9, 5), FIELD(iss, 13, 10),
		     FIELD(iss, 4, 1), FIELD(iss, 19, 17));
		describe_cond(&o, iss);
		break;
	case 0x04: case 0x0c: /* MCRR/MRRC */
		els_fixbuf_printf(&o, "%s p%u, %u, r%u, r%u, c%u",
		     (iss & 1) ? "MRRC" : "MCRR", e->ec == 0x04 ? 15 : 14,
		     FIELD(iss, 19, 16), FIELD(iss, 9, 5), FIELD(iss, 14, 10),
		     FIELD(iss, 4, 1));
		describe_cond(&o, iss);
		break;
	case 0x06: /* LDC/STC */
		els_fixbuf_printf(&o, "%s, Rn=r%u, imm8=0x%02x, AM=%u%s",
		     (iss & 1) ? "LDC" : "STC", FIELD(iss, 9, 5),
		     FIELD(iss, 19, 12), FIELD(iss, 3, 1),
		     (iss & BIT(4)) ? ", add offset" : "");
		describe_cond(&o, iss);
		break;
	case 0x0d: /* BTI */
		els_fixbuf_printf(&o, "BTYPE=%u", FIELD(iss, 1, 0));
		break;
	case 0x11: case 0x12: case 0x15: case 0x16: case 0x17:
	case 0x38: case 0x3c: /* SVC, HVC, SMC64, BKPT, BRK: imm16 */
		els_fixbuf_printf(&o, "imm16=0x%x", FIELD(iss, 15, 0));
		break;
	case 0x13: /* SMC32 */
		els_fixbuf_printf(&o, "SMC");
		describe_cond(&o, iss);
		if (iss & BIT(19))
			els_fixbuf_printf(&o, ", condition code check passed (CCKNOWNPASS)");
		break;
	case 0x18:
		describe_sys64(&o, iss);
		break;
	case 0x1a: /* ERET [1], ERETA [0] */
		els_fixbuf_printf(&o, "%s", !(iss & 2) ? "ERET" :
		     (iss & 1) ? "ERETAB" : "ERETAA");
		break;
	case 0x1c: /* FPAC: bit 1 data key, bit 0 B key */
		els_fixbuf_printf(&o, "%s key %c", (iss & 2) ? "data" : "instruction",
		     (iss & 1) ? 'B' : 'A');
		break;
	case 0x20: case 0x21:
		describe_abort(&o, e, false);
		break;
	case 0x24: case 0x25:
		describe_abort(&o, e, true);
		break;
	case 0x28: case 0x2c: { /* TFV [23], IDF [7], IXF..IOF [4:0] */
		static const char *const flag[8] = {
			"IOF", "DZF", "OFF", "UFF", "IXF", NULL, NULL, "IDF",
		};

		if (!(iss & BIT(23))) {
			els_fixbuf_printf(&o, "exception flags not valid (TFV=0)");
			break;
		}
		for (unsigned i = 0; i < 8; i++) {
			if (flag[i] && (iss & BIT(i))) {
				sep(&o);
				els_fixbuf_printf(&o, "%s", flag[i]);
			}
		}
		if (!o.len)
			els_fixbuf_printf(&o, "no flag set");
		break;
	}
	case 0x2f:
		describe_serror(&o, iss);
		break;
	case 0x30: case 0x31: /* IFSC [5:0]: 0b100010, debug exception */
		els_fixbuf_printf(&o, "IFSC=0x%02x%s", FIELD(iss, 5, 0),
		     FIELD(iss, 5, 0) == 0x22 ? " debug exception" : "");
		break;
	case 0x32: case 0x33: /* ISV [24], EX [6] */
		if (iss & BIT(24))
			els_fixbuf_printf(&o, "%s", (iss & BIT(6)) ? "stepped a load-exclusive"
			     : "stepped an instruction (not a load-exclusive)");
		else
			els_fixbuf_printf(&o, "EX not valid");
		break;
	case 0x34: case 0x35: /* WnR [6], CM [8], FnV [10] */
		els_fixbuf_printf(&o, "%s, DFSC=0x%02x%s", (iss & BIT(6)) ? "write" : "read",
		     FIELD(iss, 5, 0),
		     FIELD(iss, 5, 0) == 0x22 ? " debug exception" : "");
		if (iss & BIT(8))
			els_fixbuf_printf(&o, ", cache maintenance (CM)");
		if (iss & BIT(10))
			els_fixbuf_printf(&o, ", FAR not valid (FnV)");
		break;
	case 0x00:
		els_fixbuf_printf(&o, "no syndrome");
		break;
	default: /* ISS RES0 or not decoded here */
		els_fixbuf_printf(&o, "ISS=0x%x", (unsigned)iss);
		break;
	}
	if (e->iss2) {
		sep(&o);
		els_fixbuf_printf(&o, "ISS2=0x%x", (unsigned)e->iss2);
	}
	return o.len;
}

void els_esr_fields(const struct els_esr *e, els_esr_emit_fn *emit,
		    void *arg)
{
	uint32_t iss = e->iss;

	emit(arg, "esr", e->esr, NULL);
	emit(arg, "ec", e->ec, NULL);
	emit(arg, "ec_name", 0, e->ec_name);
	emit(arg, "ec_desc", 0, e->ec_desc);
	emit(arg, "il", e->il, NULL);
	emit(arg, "iss", iss, NULL);
	if (e->iss2)
		emit(arg, "iss2", e->iss2, NULL);

	switch (e->ec) {
	case 0x01: {
		static const char *const ti[4] = { "WFI", "WFE", "WFIT", "WFET" };

		emit(arg, "ti", FIELD(iss, 1, 0), NULL);
		emit(arg, "insn", 0, ti[FIELD(iss, 1, 0)]);
		emit(arg, "rv", FIELD(iss, 2, 2), NULL);
		if (iss & BIT(2))
			emit(arg, "rn", FIELD(iss, 9, 5), NULL);
		break;
	}
	case 0x11: case 0x12: case 0x15: case 0x16: case 0x17:
	case 0x38: case 0x3c:
		emit(arg, "imm16", FIELD(iss, 15, 0), NULL);
		break;
	case 0x18: {
		unsigned op0 = FIELD(iss, 21, 20), op2 = FIELD(iss, 19, 17);
		unsigned op1 = FIELD(iss, 16, 14), crn = FIELD(iss, 13, 10);
		unsigned crm = FIELD(iss, 4, 1);
		const char *name = els_esr_sysreg_name(op0, op1, crn, crm, op2);

		emit(arg, "op0", op0, NULL);
		emit(arg, "op1", op1, NULL);
		emit(arg, "crn", crn, NULL);
		emit(arg, "crm", crm, NULL);
		emit(arg, "op2", op2, NULL);
		emit(arg, "rt", FIELD(iss, 9, 5), NULL);
		emit(arg, "direction", 0, (iss & 1) ? "read" : "write");
		if (name)
			emit(arg, "sysreg", 0, name);
		break;
	}
	case 0x20: case 0x21: case 0x24: case 0x25: {
		bool data = e->ec >= 0x24;
		int level;
		const char *fsc = els_esr_fsc_name(FIELD(iss, 5, 0), &level);

		if (data) {
			emit(arg, "isv", FIELD(iss, 24, 24), NULL);
			if (iss & BIT(24)) {
				emit(arg, "sas", FIELD(iss, 23, 22), NULL);
				emit(arg, "access_size", 1u << FIELD(iss, 23, 22),
				     NULL);
				emit(arg, "sse", FIELD(iss, 21, 21), NULL);
				emit(arg, "srt", FIELD(iss, 20, 16), NULL);
				emit(arg, "sf", FIELD(iss, 15, 15), NULL);
				emit(arg, "ar", FIELD(iss, 14, 14), NULL);
			}
			emit(arg, "vncr", FIELD(iss, 13, 13), NULL);
			emit(arg, "cm", FIELD(iss, 8, 8), NULL);
			emit(arg, "wnr", FIELD(iss, 6, 6), NULL);
		}
		emit(arg, "set", FIELD(iss, 12, 11), NULL);
		emit(arg, "fnv", FIELD(iss, 10, 10), NULL);
		emit(arg, "ea", FIELD(iss, 9, 9), NULL);
		emit(arg, "s1ptw", FIELD(iss, 7, 7), NULL);
		emit(arg, data ? "dfsc" : "ifsc", FIELD(iss, 5, 0), NULL);
		emit(arg, "fsc_desc", 0, fsc ? fsc : "reserved");
		/* Levels -1 and -2 (FEAT_LPA2, FEAT_D128) as strings. */
		if (level >= 0)
			emit(arg, "level", (uint64_t)level, NULL);
		else if (level == -1 || level == -2)
			emit(arg, "level", 0, level == -1 ? "-1" : "-2");
		break;
	}
	case 0x2f:
		emit(arg, "ids", FIELD(iss, 24, 24), NULL);
		if (!(iss & BIT(24))) {
			emit(arg, "iesb", FIELD(iss, 13, 13), NULL);
			emit(arg, "aet", FIELD(iss, 12, 10), NULL);
			emit(arg, "ea", FIELD(iss, 9, 9), NULL);
			emit(arg, "dfsc", FIELD(iss, 5, 0), NULL);
		}
		break;
	case 0x34: case 0x35:
		emit(arg, "fnv", FIELD(iss, 10, 10), NULL);
		emit(arg, "cm", FIELD(iss, 8, 8), NULL);
		emit(arg, "wnr", FIELD(iss, 6, 6), NULL);
		emit(arg, "dfsc", FIELD(iss, 5, 0), NULL);
		break;
	default:
		break;
	}
}

bool els_esr_is_abort(const struct els_esr *e)
{
	return e->ec == 0x20 || e->ec == 0x21 || e->ec == 0x24 ||
	       e->ec == 0x25;
}

bool els_esr_far_valid(const struct els_esr *e)
{
	if (els_esr_is_abort(e) || e->ec == 0x34 || e->ec == 0x35)
		return !(e->iss & BIT(10));
	return e->ec == 0x22;
}

uint64_t els_esr_fault_ipa(uint64_t hpfar, uint64_t far)
{
	/* FIPA: HPFAR_EL2[47:4] = IPA[55:12]. */
	return ((hpfar >> 4) & ((UINT64_C(1) << 44) - 1)) << 12 |
	       (far & 0xfff);
}
