/* SPDX-License-Identifier: MIT */
#include "target/target.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/reader.h"
#include "target/memcache.h"

/* Cache at most this many blocks (16 MiB); a full cache starts over. */
#define MEMCACHE_MAX_BLOCKS 32768
/* Long reads report progress and look for Ctrl-C this often. */
#define READ_CHUNK (1024 * 1024)

const char *els_bp_kind_name(enum els_bp_kind kind)
{
	switch (kind) {
	case ELS_BP_SW: return "breakpoint";
	case ELS_BP_HW: return "hardware breakpoint";
	case ELS_WP_WRITE: return "write watchpoint";
	case ELS_WP_READ: return "read watchpoint";
	case ELS_WP_ACCESS: return "access watchpoint";
	}
	return "breakpoint";
}

void els_target_init(struct els_target *t, const struct els_target_ops *ops,
		     const char *spec)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->spec = spec ? strdup(spec) : NULL;
	t->last_stop.cpu = -1;
}

struct els_error *els_target_open(const char *spec, int timeout_ms,
				  struct els_target **ret)
{
	struct els_error *err;
	if (!strncmp(spec, "gdb:", 4))
		err = els_rsp_open(spec + 4, timeout_ms, ret);
	else if (!strncmp(spec, "core:", 5))
		err = els_elfcore_open(spec + 5, ret);
	else if (!strncmp(spec, "raw:", 4))
		err = els_raw_open(spec + 4, ret);
	else
		return els_error_create(ELS_ERR_USAGE,
					"'%s': a target is gdb:HOST:PORT, core:FILE or raw:FILE@PHYSADDR[,...]",
					spec);
	if (err)
		return err;
	struct els_target *t = *ret;
	if (t->can_run) {
		t->cache = els_memcache_create(MEMCACHE_MAX_BLOCKS);
		if (!t->cache) {
			els_target_close(t);
			*ret = NULL;
			return &els_enomem;
		}
	}
	return NULL;
}

static void free_regcache(struct els_target *t)
{
	if (t->regcache) {
		for (size_t i = 0; i < t->cpus.len; i++) {
			free(t->regcache[i]);
			free(t->regvalid[i]);
		}
	}
	free(t->regcache);
	free(t->regvalid);
	free(t->regoffsets);
	t->regcache = NULL;
	t->regvalid = NULL;
	t->regoffsets = NULL;
}

struct els_error *els_target_close(struct els_target *t)
{
	if (!t)
		return NULL;
	struct els_error *first = NULL;
	if (t->can_run && t->running && t->bps.len) {
		/* Breakpoints can only be removed from a halted target. */
		struct els_stop stop;
		first = els_target_halt(t, &stop);
		if (!first)
			t->halted_by_us = true;
	}
	while (t->bps.len) {
		struct els_breakpoint *bp = &t->bps.data[t->bps.len - 1];
		struct els_error *err = NULL;
		if (!first && t->ops->remove_bp)
			err = t->ops->remove_bp(t, bp->kind, bp->addr, bp->len);
		if (err && !first)
			first = els_error_wrap(err, "removing %s at 0x%llx",
					       els_bp_kind_name(bp->kind),
					       (unsigned long long)bp->addr);
		else
			els_error_destroy(err);
		t->bps.len--;
	}
	if (t->ops->detach) {
		bool resume = t->can_run && !t->running && t->halted_by_us &&
			      !t->keep_halted;
		struct els_error *err = t->ops->detach(t, resume);
		if (err && !first)
			first = err;
		else
			els_error_destroy(err);
	}
	els_memcache_destroy(t->cache);
	free_regcache(t);
	for (size_t i = 0; i < t->regs.len; i++) {
		free(t->regs.data[i].name);
		free(t->regs.data[i].group);
		free(t->regs.data[i].feature);
	}
	els_reg_desc_vec_deinit(&t->regs);
	els_cpu_vec_deinit(&t->cpus);
	els_breakpoint_vec_deinit(&t->bps);
	free(t->spec);
	t->ops->destroy(t);
	return first;
}

void els_target_invalidate(struct els_target *t)
{
	els_memcache_clear(t->cache);
	if (t->regvalid) {
		for (size_t i = 0; i < t->cpus.len; i++)
			memset(t->regvalid[i], 0, t->regs.len * sizeof(bool));
	}
}

static struct els_error *check_interrupt(struct els_target *t)
{
	if (t->interrupt_flag && *t->interrupt_flag)
		return els_error_create(ELS_ERR_INTERRUPTED, "interrupted");
	return NULL;
}

/* Read straight from the driver, in chunks so that progress and Ctrl-C work. */
static struct els_error *read_direct(struct els_target *t,
				     const struct els_aspace *as,
				     uint64_t addr, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct els_error *err = check_interrupt(t);
		if (err)
			return err;
		size_t n = len - done < READ_CHUNK ? len - done : READ_CHUNK;
		t->stats.mem_reads++;
		err = t->ops->read_mem(t, as, addr + done, buf + done, n);
		if (err)
			return err;
		done += n;
		if (t->progress && len > READ_CHUNK)
			t->progress(done, len, t->progress_arg);
	}
	return NULL;
}

struct els_error *els_target_read(struct els_target *t,
				  const struct els_aspace *as, uint64_t addr,
				  void *buf, size_t len)
{
	if (len == 0)
		return NULL;
	if (addr > UINT64_MAX - (len - 1))
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "reading %zu bytes at 0x%llx: wraps past the end of the address space",
				      len, (unsigned long long)addr);
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	if (as->kind == ELS_AS_CPU_VIRT) {
		struct els_error *err = els_target_check_cpu(t, as->cpu);
		if (err)
			return err;
	}
	uint8_t *out = buf;
	if (!t->cache || len >= ELS_CACHE_BYPASS)
		return read_direct(t, as, addr, out, len);

	uint64_t last = addr + (len - 1);
	uint64_t first_block = addr & ~(uint64_t)(ELS_CACHE_BLOCK - 1);
	uint64_t last_block = last & ~(uint64_t)(ELS_CACHE_BLOCK - 1);
	uint8_t tmp[ELS_CACHE_BYPASS + ELS_CACHE_BLOCK];
	uint64_t block = first_block;
	for (;;) {
		const uint8_t *data = els_memcache_get(t->cache, as, block);
		if (data) {
			t->stats.cache_hits++;
		} else {
			/* Read the run of missing blocks in one driver call. */
			uint64_t run_end = block;
			while (run_end < last_block &&
			       !els_memcache_get(t->cache, as,
						 run_end + ELS_CACHE_BLOCK))
				run_end += ELS_CACHE_BLOCK;
			size_t run_len =
				(size_t)(run_end - block) + ELS_CACHE_BLOCK;
			t->stats.mem_reads++;
			struct els_error *err =
				t->ops->read_mem(t, as, block, tmp, run_len);
			if (err) {
				/*
				 * Some byte of the whole blocks failed: read
				 * exactly what was asked so that the error (or
				 * success) is about the caller's bytes. Other
				 * failures (timeout, lost connection, ...) are
				 * not about bytes: a retry would only hide them.
				 */
				if (err->code != ELS_ERR_TARGET &&
				    err->code != ELS_ERR_NOT_MAPPED)
					return err;
				els_error_destroy(err);
				uint64_t lo = block > addr ? block : addr;
				uint64_t hi = run_end + (ELS_CACHE_BLOCK - 1);
				if (hi > last)
					hi = last;
				err = read_direct(t, as, lo, out + (lo - addr),
						  (size_t)(hi - lo) + 1);
				if (err)
					return err;
			} else {
				for (uint64_t b = block; b <= run_end;
				     b += ELS_CACHE_BLOCK) {
					if (!els_memcache_put(t->cache, as, b,
							      tmp + (b - block)))
						return &els_enomem;
				}
			}
			if (run_end == last_block)
				break;
			block = run_end + ELS_CACHE_BLOCK;
			continue;
		}
		if (block == last_block)
			break;
		block += ELS_CACHE_BLOCK;
	}
	/* Everything readable is cached now, or was copied on the slow path. */
	for (block = first_block;; block += ELS_CACHE_BLOCK) {
		const uint8_t *data = els_memcache_get(t->cache, as, block);
		if (data) {
			uint64_t lo = block > addr ? block : addr;
			uint64_t hi = block + (ELS_CACHE_BLOCK - 1);
			if (hi > last)
				hi = last;
			memcpy(out + (lo - addr), data + (lo - block),
			       (size_t)(hi - lo) + 1);
		}
		if (block == last_block)
			break;
	}
	return NULL;
}

struct els_error *els_target_write(struct els_target *t,
				   const struct els_aspace *as, uint64_t addr,
				   const void *buf, size_t len)
{
	if (!t->ops->write_mem)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"%s targets cannot be written",
					t->ops->kind);
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	if (len && addr > UINT64_MAX - (len - 1))
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "writing at 0x%llx: wraps past the end of the address space",
				      (unsigned long long)addr);
	/* Any address space may alias any other: drop everything. */
	els_memcache_clear(t->cache);
	return t->ops->write_mem(t, as, addr, buf, len);
}

const struct els_reg_desc *els_target_find_reg(struct els_target *t,
					       const char *name)
{
	for (size_t i = 0; i < t->regs.len; i++) {
		if (!strcasecmp(t->regs.data[i].name, name))
			return &t->regs.data[i];
	}
	return NULL;
}

struct els_error *els_target_check_cpu(struct els_target *t, int cpu)
{
	if (t->cpus.len == 0)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"this %s target has no CPUs, so no registers",
					t->ops->kind);
	if (cpu < 0 || (size_t)cpu >= t->cpus.len)
		return els_error_create(ELS_ERR_USAGE,
					"no CPU %d: the target has %zu (0-%zu)",
					cpu, t->cpus.len,
					t->cpus.len ? t->cpus.len - 1 : 0);
	return NULL;
}

static struct els_error *alloc_regcache(struct els_target *t)
{
	size_t n = t->regs.len;
	t->regoffsets = calloc(n ? n : 1, sizeof(size_t));
	t->regcache = calloc(t->cpus.len, sizeof(uint8_t *));
	t->regvalid = calloc(t->cpus.len, sizeof(bool *));
	if (!t->regoffsets || !t->regcache || !t->regvalid)
		goto nomem;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		t->regoffsets[i] = off;
		off += (t->regs.data[i].bitsize + 7) / 8;
	}
	t->regcache_cpu_bytes = off;
	for (size_t c = 0; c < t->cpus.len; c++) {
		t->regcache[c] = malloc(off ? off : 1);
		t->regvalid[c] = calloc(n ? n : 1, sizeof(bool));
		if (!t->regcache[c] || !t->regvalid[c])
			goto nomem;
	}
	return NULL;
nomem:
	free_regcache(t);
	return &els_enomem;
}

struct els_error *els_target_read_reg(struct els_target *t, int cpu,
				      const struct els_reg_desc *reg,
				      uint8_t *buf)
{
	struct els_error *err = els_target_check_cpu(t, cpu);
	if (err)
		return err;
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	if (!t->regcache && (err = alloc_regcache(t)))
		return err;
	size_t idx = (size_t)(reg - t->regs.data);
	size_t size = (reg->bitsize + 7) / 8;
	uint8_t *slot = t->regcache[cpu] + t->regoffsets[idx];
	if (!t->regvalid[cpu][idx]) {
		err = t->ops->read_reg(t, cpu, reg, slot);
		if (err)
			return els_error_wrap(err, "reading %s of CPU %d",
					      reg->name, cpu);
		t->regvalid[cpu][idx] = true;
	} else {
		t->stats.cache_hits++;
	}
	memcpy(buf, slot, size);
	return NULL;
}

struct els_error *els_target_read_reg_u64(struct els_target *t, int cpu,
					  const char *name, uint64_t *ret)
{
	const struct els_reg_desc *reg = els_target_find_reg(t, name);
	if (!reg)
		return els_error_create(ELS_ERR_NOT_FOUND,
					"the target has no register %s", name);
	if (reg->bitsize > 64)
		return els_error_create(ELS_ERR_INVALID,
					"register %s has %u bits, more than 64",
					reg->name, reg->bitsize);
	uint8_t buf[8] = { 0 };
	struct els_error *err = els_target_read_reg(t, cpu, reg, buf);
	if (err)
		return err;
	*ret = els_le64(buf);
	return NULL;
}

static struct els_error *need_run_control(struct els_target *t,
					  const char *what)
{
	if (!t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"cannot %s: a %s target does not run",
					what, t->ops->kind);
	return NULL;
}

struct els_error *els_target_halt(struct els_target *t, struct els_stop *ret)
{
	struct els_error *err = need_run_control(t, "halt");
	if (err)
		return err;
	if (!t->running) {
		if (ret)
			*ret = t->last_stop;
		return NULL;
	}
	struct els_stop stop;
	err = t->ops->halt(t, &stop);
	if (err)
		return err;
	t->running = false;
	t->last_stop = stop;
	t->has_last_stop = true;
	els_target_invalidate(t);
	if (ret)
		*ret = stop;
	return NULL;
}

struct els_error *els_target_resume(struct els_target *t)
{
	struct els_error *err = need_run_control(t, "continue");
	if (err)
		return err;
	if (t->running)
		return NULL;
	els_target_invalidate(t);
	err = t->ops->resume(t);
	if (err)
		return err;
	t->running = true;
	t->halted_by_us = false;
	return NULL;
}

struct els_error *els_target_step(struct els_target *t, int cpu,
				  struct els_stop *ret)
{
	struct els_error *err = need_run_control(t, "step");
	if (err)
		return err;
	if ((err = els_target_check_cpu(t, cpu)))
		return err;
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	els_target_invalidate(t);
	struct els_stop stop;
	err = t->ops->step(t, cpu, &stop);
	if (err)
		return err;
	t->last_stop = stop;
	t->has_last_stop = true;
	if (ret)
		*ret = stop;
	return NULL;
}

struct els_error *els_target_poll(struct els_target *t, int timeout_ms)
{
	if (!t->can_run || !t->running || !t->ops->wait)
		return NULL;
	bool stopped = false;
	struct els_stop stop;
	struct els_error *err = t->ops->wait(t, timeout_ms, &stopped, &stop);
	if (err)
		return err;
	if (stopped) {
		t->running = false;
		t->last_stop = stop;
		t->has_last_stop = true;
		els_target_invalidate(t);
	}
	return NULL;
}

struct els_error *els_target_ensure_halted(struct els_target *t)
{
	if (!t->can_run)
		return NULL;
	struct els_error *err = els_target_poll(t, 0);
	if (err || !t->running)
		return err;
	err = els_target_halt(t, NULL);
	if (!err)
		t->halted_by_us = true;
	return err;
}

struct els_error *els_target_insert_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len)
{
	struct els_error *err = need_run_control(t, "set breakpoints");
	if (err)
		return err;
	if (!t->ops->insert_bp)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"this target has no breakpoints");
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	for (size_t i = 0; i < t->bps.len; i++) {
		struct els_breakpoint *bp = &t->bps.data[i];
		if (bp->kind == kind && bp->addr == addr && bp->len == len)
			return NULL;
	}
	if (!els_breakpoint_vec_reserve(&t->bps, t->bps.len + 1))
		return &els_enomem;
	err = t->ops->insert_bp(t, kind, addr, len);
	if (err)
		return err;
	els_breakpoint_vec_push(&t->bps, (struct els_breakpoint){
		.kind = kind, .addr = addr, .len = len });
	return NULL;
}

struct els_error *els_target_remove_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len)
{
	if (t->running)
		return els_error_create(ELS_ERR_STATE,
					"the target is running; halt it first");
	for (size_t i = 0; i < t->bps.len; i++) {
		struct els_breakpoint *bp = &t->bps.data[i];
		if (bp->kind != kind || bp->addr != addr || bp->len != len)
			continue;
		struct els_error *err = t->ops->remove_bp(t, kind, addr, len);
		if (err)
			return err;
		memmove(bp, bp + 1, (t->bps.len - i - 1) * sizeof(*bp));
		t->bps.len--;
		return NULL;
	}
	return els_error_create(ELS_ERR_NOT_FOUND,
				"no %s at 0x%llx", els_bp_kind_name(kind),
				(unsigned long long)addr);
}

struct els_error *els_target_batch(struct els_target *t,
				   struct els_batch_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		items[i].err = NULL;
	if (t->ops->batch)
		return t->ops->batch(t, items, n);
	for (size_t i = 0; i < n; i++) {
		struct els_batch_item *it = &items[i];
		it->err = it->is_reg
				  ? t->ops->read_reg(t, it->cpu, it->reg, it->buf)
				  : t->ops->read_mem(t, &it->as, it->addr,
						     it->buf, it->len);
		if (it->err && (it->err->code == ELS_ERR_CLOSED ||
				it->err->code == ELS_ERR_TIMEOUT)) {
			struct els_error *e = it->err;
			it->err = NULL;
			return e;
		}
	}
	return NULL;
}
