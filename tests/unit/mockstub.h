/* SPDX-License-Identifier: MIT */
/*
 * A scripted GDB stub for tests: a server on 127.0.0.1 (ephemeral port) in a
 * thread of its own. By default it answers like QEMU 7.2's gdbstub for an
 * AArch64 machine with 2 CPUs (threads 1 and 2); rules given at start make
 * it misbehave for requests with a given prefix: malformed, short or odd
 * replies, a connection closed mid-reply, a stall.
 */
#ifndef ELS_TESTS_MOCKSTUB_H
#define ELS_TESTS_MOCKSTUB_H

#include <stddef.h>
#include <stdint.h>

/* 1 MiB of backing memory, at this physical address in PhyMemMode 1... */
#define MOCKSTUB_PHYS_BASE 0x40000000ull
#define MOCKSTUB_MEM_SIZE (1024 * 1024)
/* ...and at this virtual address in PhyMemMode 0 (QEMU's default). */
#define MOCKSTUB_VIRT_BASE 0xffff800040000000ull
/* Bytes [RUNS_OFF, RUNS_OFF + RUNS_LEN) of it hold long runs, for RLE. */
#define MOCKSTUB_RUNS_OFF 0x80000
#define MOCKSTUB_RUNS_LEN 0x10000
/* Largest 'm' QEMU serves; more is E22. */
#define MOCKSTUB_MAX_MEM 0x800

#define MOCKSTUB_NCPUS 2
/* Register numbers of target.xml (the system registers are numbered). */
#define MOCKSTUB_REG_PC 32
#define MOCKSTUB_REG_CPSR 33
#define MOCKSTUB_REG_V0 34
#define MOCKSTUB_REG_FPSR 36
#define MOCKSTUB_REG_TTBR1_EL1 64
#define MOCKSTUB_REG_SP_EL0 65
#define MOCKSTUB_REG_VTTBR_EL2 66
#define MOCKSTUB_NREGS 41

enum mockstub_action {
	MOCKSTUB_REPLY,         /* reply with text instead */
	MOCKSTUB_RAW,           /* after the ack, text as it is (no framing) */
	MOCKSTUB_CLOSE,         /* close the connection (after the ack) */
	MOCKSTUB_STALL,         /* ack, then never answer anything again */
	MOCKSTUB_HALF_CLOSE,    /* half of the framed default reply, close */
	MOCKSTUB_BAD_CHECKSUM,  /* default reply, wrong checksum, every time */
	MOCKSTUB_BAD_CHECKSUM_ONCE, /* the same once; a '-' gets it right */
	MOCKSTUB_RLE,           /* default reply, run-length encoded */
	MOCKSTUB_SHORT,         /* 'm': half the bytes asked (at least 1) */
};

struct mockstub_rule {
	const char *prefix;  /* requests starting with this ("\x03": Ctrl-C) */
	enum mockstub_action action;
	const char *text;    /* for REPLY and RAW */
	unsigned from;       /* from the from-th matching request on (0: 1) */
	unsigned times;      /* for so many matching requests (0: all) */
};

struct mockstub;

/* NULL if the server could not be set up. rules may be NULL. */
struct mockstub *mockstub_start(const struct mockstub_rule *rules,
				size_t nrules);
/* Ends the thread and closes everything; NULL is fine. */
void mockstub_stop(struct mockstub *m);

/* "gdb:127.0.0.1:PORT", for els_target_open(). */
const char *mockstub_spec(const struct mockstub *m);
/* "127.0.0.1:PORT", for els_rsp_open(). */
const char *mockstub_hostport(const struct mockstub *m);

/* Requests received so far that start with prefix ("" counts them all). */
unsigned mockstub_count(struct mockstub *m, const char *prefix);
/* Index in arrival order of the nth (1-based) such request, -1 if none. */
int mockstub_position(struct mockstub *m, const char *prefix, unsigned nth);
/* The largest LEN of an 'm' request so far. */
uint64_t mockstub_max_mem_len(struct mockstub *m);
/* Connections accepted so far. */
unsigned mockstub_connections(struct mockstub *m);

/* What the stub holds: memory byte at offset off, register of a CPU. */
uint8_t mockstub_mem_byte(uint64_t off);
/* Low 64 bits of register regnum of cpu (0-based); 0 if no such. */
uint64_t mockstub_reg_value(int cpu, int regnum);

#endif
