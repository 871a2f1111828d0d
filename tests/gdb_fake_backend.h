/* SPDX-License-Identifier: MIT */
/*
 * A made-up context for the gdbserver's unit test and fuzz harness: three
 * threads, memory that is a pattern of its address below 1 MiB and absent
 * above, a stop on thread 2. Counts what the server asked of it.
 */
#ifndef ELS_TESTS_GDB_FAKE_BACKEND_H
#define ELS_TESTS_GDB_FAKE_BACKEND_H

#include <stdlib.h>
#include <string.h>

#include "gdbserver/request.h"
#include "gdbserver/server.h"

struct fake {
	int halts, resumes, steps, bps, detaches;
	int64_t last_step;
	uint64_t last_bp;
};

static struct els_error *fake_halt(void *arg, struct els_gdb_stop *stop)
{
	struct fake *f = arg;
	f->halts++;
	*stop = (struct els_gdb_stop){ .thread = 2, .signal = 5 };
	return NULL;
}

static struct els_error *fake_threads(void *arg, struct els_gdb_thread **ret,
				      size_t *n)
{
	(void)arg;
	struct els_gdb_thread *t = calloc(3, sizeof(*t));
	if (!t)
		return &els_enomem;
	for (int i = 0; i < 3; i++) {
		t[i].id = i + 1;
		t[i].core = i == 1 ? 0 : -1;
		strcpy(t[i].name, i == 2 ? "a<b&c" : "task");
		strcpy(t[i].extra, "pid, S");
	}
	*ret = t;
	*n = 3;
	return NULL;
}

static struct els_error *fake_regs(void *arg, int64_t thread,
				   uint64_t regs[ELS_GDB_NREGS],
				   bool valid[ELS_GDB_NREGS])
{
	(void)arg;
	if (thread < 1 || thread > 3)
		return els_error_create(ELS_ERR_NOT_FOUND, "no thread");
	for (int i = 0; i < ELS_GDB_NREGS; i++) {
		regs[i] = 0x1111111111111111ull * (uint64_t)(i % 16);
		valid[i] = thread == 2 || i >= 19;
	}
	return NULL;
}

static struct els_error *fake_read(void *arg, int64_t thread, uint64_t addr,
				   void *buf, size_t len)
{
	(void)arg;
	(void)thread;
	if (addr >= 0x100000 || len > 0x100000 - addr)
		return els_error_addr(ELS_ERR_NOT_MAPPED, addr, "not mapped");
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(addr + i);
	return NULL;
}

static struct els_error *fake_write(void *arg, int64_t thread, uint64_t addr,
				    const void *buf, size_t len)
{
	(void)buf;
	return fake_read(arg, thread, addr, (uint8_t[ELS_GDB_MAX_MEM]){ 0 },
			 len > ELS_GDB_MAX_MEM ? ELS_GDB_MAX_MEM : len);
}

static struct els_error *fake_bp(void *arg, int type, uint64_t addr,
				 uint64_t len)
{
	struct fake *f = arg;
	(void)len;
	if (type == 1)
		return els_error_create(ELS_ERR_UNSUPPORTED, "no hw");
	f->bps++;
	f->last_bp = addr;
	return NULL;
}

static struct els_error *fake_resume(void *arg, int64_t step)
{
	struct fake *f = arg;
	f->resumes++;
	f->steps += step > 0;
	f->last_step = step;
	return NULL;
}

static struct els_error *fake_wait(void *arg, int ms, bool *stopped,
				   struct els_gdb_stop *stop)
{
	(void)arg;
	(void)ms;
	*stopped = true;
	*stop = (struct els_gdb_stop){ .thread = 3, .signal = 5 };
	return NULL;
}

static void fake_detach(void *arg)
{
	struct fake *f = arg;
	f->detaches++;
}

static const struct els_gdbserver_ops fake_ops = {
	.halt = fake_halt,
	.threads = fake_threads,
	.read_regs = fake_regs,
	.read_mem = fake_read,
	.write_mem = fake_write,
	.insert_bp = fake_bp,
	.remove_bp = fake_bp,
	.resume = fake_resume,
	.wait = fake_wait,
	.detach = fake_detach,
};

#endif
