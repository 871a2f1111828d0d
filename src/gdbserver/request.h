/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote protocol seen from the server side: a request from gdb
 * (already unframed and unescaped by target/rsp_packet) decoded into one
 * struct by a table of packet names and argument parsers. Pure functions
 * over bytes, no I/O: whatever a client sends is untrusted, and this is
 * what fuzz_gdb_request feeds.
 */
#ifndef ELS_GDBSERVER_REQUEST_H
#define ELS_GDBSERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum els_gdb_req_kind {
	ELS_GDB_UNKNOWN,        /* not served: the empty reply */
	ELS_GDB_SUPPORTED,      /* qSupported[:features] */
	ELS_GDB_NO_ACK,         /* QStartNoAckMode */
	ELS_GDB_STOP_REASON,    /* ? */
	ELS_GDB_READ_REGS,      /* g */
	ELS_GDB_WRITE_REGS,     /* G data */
	ELS_GDB_READ_REG,       /* p n */
	ELS_GDB_WRITE_REG,      /* P n=value */
	ELS_GDB_READ_MEM,       /* m addr,len */
	ELS_GDB_WRITE_MEM,      /* M addr,len:hex  or  X addr,len:binary */
	ELS_GDB_SET_THREAD,     /* H op thread */
	ELS_GDB_THREAD_ALIVE,   /* T thread */
	ELS_GDB_CONT,           /* c [addr] */
	ELS_GDB_STEP,           /* s [addr] */
	ELS_GDB_VCONT_QUERY,    /* vCont? */
	ELS_GDB_VCONT,          /* vCont;action[:thread]... */
	ELS_GDB_INSERT_BP,      /* Z type,addr,kind */
	ELS_GDB_REMOVE_BP,      /* z type,addr,kind */
	ELS_GDB_THREAD_FIRST,   /* qfThreadInfo */
	ELS_GDB_THREAD_NEXT,    /* qsThreadInfo */
	ELS_GDB_CURRENT_THREAD, /* qC */
	ELS_GDB_THREAD_EXTRA,   /* qThreadExtraInfo,thread */
	ELS_GDB_XFER_READ,      /* qXfer:object:read:annex:offset,length */
	ELS_GDB_ATTACHED,       /* qAttached[:pid] */
	ELS_GDB_SYMBOL,         /* qSymbol:: (offers to look up symbols) */
	ELS_GDB_DETACH,         /* D[;pid] */
	ELS_GDB_KILL,           /* k, vKill;pid */
};

/* A thread as gdb names it: -1 all, 0 any, else one id. */
#define ELS_GDB_ALL_THREADS (-1)
#define ELS_GDB_ANY_THREAD 0

#define ELS_GDB_MAX_VCONT 16

struct els_gdb_vcont_action {
	char action;    /* 'c', 's', 't' (stop), 'C'/'S' (signal dropped) */
	int64_t thread; /* ELS_GDB_ALL_THREADS when no thread was given */
};

struct els_gdb_req {
	enum els_gdb_req_kind kind;
	uint64_t addr, len;     /* m, M, X, Z, z, qXfer (offset, length) */
	uint32_t regno;         /* p, P */
	int bp_type;            /* Z, z: 0 sw, 1 hw, 2 write, 3 read, 4 access */
	char op;                /* H: 'g' or 'c' */
	int64_t thread;         /* H, T, qThreadExtraInfo */
	bool has_addr;          /* c, s with an address to resume at */
	/* Data carried by G, P, M, X: decoded bytes (points into `scratch`). */
	const uint8_t *data;
	size_t data_len;
	char object[32];        /* qXfer object: "features", "threads" */
	char annex[64];         /* qXfer annex: "target.xml" */
	struct els_gdb_vcont_action vcont[ELS_GDB_MAX_VCONT];
	size_t nvcont;
	uint8_t scratch[4096];  /* where data points */
};

/* The most bytes an m or M asks for that a server must answer in one go. */
#define ELS_GDB_MAX_MEM 2048

/*
 * Decode one request of len bytes. A request this server does not know is
 * ELS_GDB_UNKNOWN (no error: the protocol answers it with an empty reply).
 * A known request with malformed arguments is an ELS_ERR_PROTOCOL error
 * (the server answers "E01"), never a partial decode.
 */
struct els_error *els_gdb_req_decode(const char *pkt, size_t len,
				     struct els_gdb_req *req);

/* The packet's name for messages: "m", "qXfer", "vCont", ... */
const char *els_gdb_req_name(enum els_gdb_req_kind kind);

#endif
