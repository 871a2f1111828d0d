/* SPDX-License-Identifier: MIT */
/*
 * The Exception Syndrome Register (ESR_EL1, ESR_EL2, ESR_EL3): why a CPU
 * took an exception. We read ESR_EL2 when a CPU is stopped in a hypervisor
 * (Xen) at EL2, ESR_EL1 for a kernel's own faults.
 *
 * Layout (Arm ARM DDI 0487 K.a, AArch64 System register descriptions,
 * "ESR_EL2, Exception Syndrome Register (EL2)"): [63:56] RES0, [55:32]
 * ISS2, [31:26] EC, [25] IL, [24:0] ISS. The ISS of each EC is described
 * there too, "ISS encoding for an exception from ...".
 *
 * Pure decoding: no target access. Every EC value decodes (EC values this
 * table does not know, e.g. ones allocated after DDI 0487 K.a, are named
 * "EC 0xNN (reserved)").
 */
#ifndef ELS_ARCH_ESR_H
#define ELS_ARCH_ESR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exception classes (ESR_ELx.EC) elscope looks at by value. */
#define ELS_ESR_EC_UNKNOWN     0x00
#define ELS_ESR_EC_WFX         0x01
#define ELS_ESR_EC_HVC32       0x12
#define ELS_ESR_EC_SVC64       0x15
#define ELS_ESR_EC_HVC64       0x16
#define ELS_ESR_EC_SMC64       0x17
#define ELS_ESR_EC_SYS64       0x18
#define ELS_ESR_EC_IABT_LOW    0x20
#define ELS_ESR_EC_IABT_CUR    0x21
#define ELS_ESR_EC_PC_ALIGN    0x22
#define ELS_ESR_EC_DABT_LOW    0x24
#define ELS_ESR_EC_DABT_CUR    0x25
#define ELS_ESR_EC_SERROR      0x2f
#define ELS_ESR_EC_WATCHPT_LOW 0x34
#define ELS_ESR_EC_WATCHPT_CUR 0x35
#define ELS_ESR_EC_BRK64       0x3c

struct els_esr {
	uint64_t esr;        /* the raw value */
	unsigned ec;         /* [31:26] */
	bool il;             /* [25]: a 32-bit instruction (false: 16-bit) */
	uint32_t iss;        /* [24:0] */
	uint32_t iss2;       /* [55:32] */
	const char *ec_name; /* short: "HVC64", "DABT_LOW", "EC 0x2a (reserved)" */
	const char *ec_desc; /* the Arm ARM's words for the EC */
};

void els_esr_decode(uint64_t esr, struct els_esr *ret);

/*
 * One line describing the ISS for this EC, e.g. "imm16=0xea1",
 * "write, 4 bytes, register w1, DFSC=0x07 translation fault, level 3",
 * "MRS x3, S3_0_C1_C0_0 (SCTLR_EL1)". Like snprintf: writes at most size
 * bytes including the NUL (buf may be NULL when size is 0) and returns the
 * length the whole line has.
 */
size_t els_esr_describe(const struct els_esr *e, char *buf, size_t size);

/*
 * The decoded fields as key/value pairs, for JSON: str is NULL for a number
 * (num), otherwise the value is the string str (num is then 0). Keys:
 * always "esr", "ec", "ec_name", "ec_desc", "il", "iss", then "iss2" when not
 * zero, then the fields of this EC (e.g. "imm16"; for an abort "isv",
 * "wnr", "dfsc", "fsc_desc", "level", ...). Booleans are numbers 0/1;
 * "level" is a number 0..3, or the string "-1"/"-2" for the levels of
 * FEAT_LPA2/FEAT_D128.
 */
typedef void els_esr_emit_fn(void *arg, const char *key, uint64_t num,
			     const char *str);
void els_esr_fields(const struct els_esr *e, els_esr_emit_fn *emit,
		    void *arg);

/* An Instruction or Data Abort, from a lower EL or the same EL. */
bool els_esr_is_abort(const struct els_esr *e);

/*
 * FAR_ELx holds the faulting virtual address: an Instruction or Data
 * Abort or a Watchpoint with FnV (ISS[10]) clear, or a PC alignment fault.
 */
bool els_esr_far_valid(const struct els_esr *e);

/*
 * The faulting IPA of a stage-2 abort taken to EL2: HPFAR_EL2.FIPA holds
 * IPA[..:12] in bits [47:4] (bits [39:4] in Armv8.0, [43:4] with FEAT_LPA,
 * [47:4] with FEAT_D128; the bits not implemented are RES0), the page
 * offset comes from FAR_EL2[11:0]. HPFAR_EL2.NS (bit 63) is not part of it.
 */
uint64_t els_esr_fault_ipa(uint64_t hpfar, uint64_t far);

/*
 * The name of a fault status code (DFSC/IFSC, ISS[5:0] of an abort),
 * e.g. "translation fault", and its level (-2..3) in *level, or INT_MIN
 * in *level when the code has no level. NULL for a reserved code.
 */
const char *els_esr_fsc_name(unsigned fsc, int *level);

/*
 * The name of the AArch64 System register with this encoding, from a
 * partial table of common EL1/EL0 registers (SCTLR_EL1, TTBR0_EL1,
 * ICC_SGI1R_EL1, CNTP_CTL_EL0, ...) and System instructions (DC CISW, ...).
 * NULL when not in the table.
 */
const char *els_esr_sysreg_name(unsigned op0, unsigned op1, unsigned crn,
				unsigned crm, unsigned op2);

#endif
