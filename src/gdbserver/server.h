/* SPDX-License-Identifier: MIT */
/*
 * A GDB remote-protocol server for one context of the machine (a VM's
 * kernel, one process): gdb sees that context's threads, registers and
 * memory as if it were alone. This file is the protocol side: framing,
 * acks, the request table (request.h), the stop/resume state machine, the
 * target description. What a thread is and how its memory is read is the
 * backend's (struct els_gdbserver_ops; cli/gdbserver.c serves elscope's
 * contexts through it).
 */
#ifndef ELS_GDBSERVER_SERVER_H
#define ELS_GDBSERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* AArch64 core registers as gdb numbers them: x0-x30, sp, pc, cpsr. */
#define ELS_GDB_NREGS 34
#define ELS_GDB_REG_SP 31
#define ELS_GDB_REG_PC 32
#define ELS_GDB_REG_CPSR 33

struct els_gdb_thread {
	int64_t id;      /* > 0 */
	int core;        /* the CPU (vCPU) it runs on now, -1: not running */
	char name[32];   /* what gdb shows as its name: the comm */
	char extra[96];  /* qThreadExtraInfo: "pid 93, R, vCPU 0" */
};

struct els_gdb_stop {
	int64_t thread;      /* the thread that stopped (> 0) */
	int signal;          /* 5 SIGTRAP (breakpoint, step), 2 SIGINT */
	int watch;           /* 0, or 2 write, 3 read, 4 access (Z type) */
	uint64_t watch_addr;
};

struct els_gdbserver_ops {
	/* Stop the machine (gdb connected, or pressed Ctrl-C). */
	struct els_error *(*halt)(void *arg, struct els_gdb_stop *stop);
	/* The context's threads now; *ret is malloc'ed (the caller frees). */
	struct els_error *(*threads)(void *arg, struct els_gdb_thread **ret,
				     size_t *n);
	/* A thread's registers; valid[i] false: not known (sent as "xx"). */
	struct els_error *(*read_regs)(void *arg, int64_t thread,
				       uint64_t regs[ELS_GDB_NREGS],
				       bool valid[ELS_GDB_NREGS]);
	/* Memory as the thread sees it (its own translation). */
	struct els_error *(*read_mem)(void *arg, int64_t thread, uint64_t addr,
				      void *buf, size_t len);
	struct els_error *(*write_mem)(void *arg, int64_t thread,
				       uint64_t addr, const void *buf,
				       size_t len);
	/* Z/z types 0-4 at addr; filtered to the context by the backend. */
	struct els_error *(*insert_bp)(void *arg, int type, uint64_t addr,
				       uint64_t len);
	struct els_error *(*remove_bp)(void *arg, int type, uint64_t addr,
				       uint64_t len);
	/* Run on; step_thread > 0: one instruction of that thread only. */
	struct els_error *(*resume)(void *arg, int64_t step_thread);
	/*
	 * While running: wait up to timeout_ms for a stop in the context
	 * (stops elsewhere are the backend's to resume silently).
	 */
	struct els_error *(*wait)(void *arg, int timeout_ms, bool *stopped,
				  struct els_gdb_stop *stop);
	/*
	 * Optional (NULL: none): the served process's auxiliary vector as
	 * the kernel keeps it (mm->saved_auxv), for qXfer:auxv:read: gdb
	 * finds the executable's load base and the dynamic linker's list of
	 * shared libraries from it. *ret is malloc'ed.
	 */
	struct els_error *(*auxv)(void *arg, uint8_t **ret, size_t *len);
	/* gdb went away: remove its breakpoints, let the machine run. */
	void (*detach)(void *arg);
	/* Optional: a line for the log of what was served ("gdb: ..."). */
	void (*log)(void *arg, const char *msg);
};

/* Counters of one session, for the user and the tests. */
struct els_gdbserver_stats {
	uint64_t packets, bad_packets, bytes_in, bytes_out;
};

/*
 * Serve gdb on connected socket fd until it detaches, kills or closes the
 * connection, or *stop becomes nonzero (Ctrl-C). Always ends with
 * ops->detach. Errors are the connection's (a protocol error in one
 * request is answered "E01" and the session goes on).
 */
struct els_error *els_gdbserver_serve(int fd,
				      const struct els_gdbserver_ops *ops,
				      void *arg, volatile int *stop,
				      struct els_gdbserver_stats *stats);

/*
 * The reply to one request while halted, without I/O (the fuzz harness and
 * the unit tests drive the server through this). *resumed tells that the
 * request ran the target (no reply until it stops); *leave that the
 * session ends after the reply.
 */
struct els_gdbserver_session;
struct els_gdbserver_session *
els_gdbserver_session_create(const struct els_gdbserver_ops *ops, void *arg);
void els_gdbserver_session_destroy(struct els_gdbserver_session *s);
/* reply is reset and filled (possibly empty: "unknown request"). */
struct els_error *els_gdbserver_handle(struct els_gdbserver_session *s,
				       const char *pkt, size_t len,
				       char **reply, size_t *reply_len,
				       bool *resumed, bool *leave);
/* A stop reply for stop into *reply (malloc'ed). */
char *els_gdbserver_stop_reply(struct els_gdbserver_session *s,
			       const struct els_gdb_stop *stop);

/* Listen on "HOST:PORT" (TCP); *port_ret gets the port (0 picks one). */
struct els_error *els_gdbserver_listen(const char *hostport, int *fd_ret,
				       int *port_ret, bool *loopback_ret);

#endif
