/* SPDX-License-Identifier: MIT */
/* Kernel stacks: AArch64 frame records, bounded to the stacks they live on. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "os/linux/stack.h"

static bool kernel_va(uint64_t va)
{
	return (va >> 48) == 0xffff;
}

uint64_t els_linux_strip_pac(const struct els_linux *lx, uint64_t pc)
{
	/* TCR's T1SZ (kernel half) and T0SZ (user half) give the VA sizes. */
	bool upper = (pc >> 55) & 1;
	unsigned tsz = upper ? (unsigned)(lx->kctx.tcr >> 16) & 0x3f
			     : (unsigned)lx->kctx.tcr & 0x3f;
	unsigned bits = tsz >= 12 && tsz <= 48 ? 64 - tsz : 48;
	uint64_t mask = (UINT64_C(1) << bits) - 1;
	return upper ? pc | ~mask : pc & mask;
}

struct els_error *els_linux_cpu_regs(struct els_linux *lx, unsigned cpu,
				     struct els_linux_regs *ret)
{
	uint64_t cpsr;
	struct els_error *err =
		els_linux_cpu_reg(lx, cpu, "cpsr", &cpsr);
	if (err)
		return els_error_wrap(err, "CPU %u's registers", cpu);
	unsigned el = (unsigned)(cpsr >> 2) & 3;
	if (el == 2) {
		uint64_t hcr;
		struct els_error *e =
			els_linux_cpu_reg(lx, cpu, "HCR_EL2", &hcr);
		/* A dump may lack HCR_EL2: its kernel was taken as Linux's. */
		bool e2h = e || ((hcr >> 34) & 1);
		els_error_destroy(e);
		if (!e2h)
			return els_error_create(ELS_ERR_STATE,
						"CPU %u is in a hypervisor (EL2 without E2H), not in this kernel",
						cpu);
	}
	memset(ret, 0, sizeof(*ret));
	ret->user = el == 0;
	if ((err = els_linux_cpu_reg(lx, cpu, "pc", &ret->pc)) ||
	    (err = els_linux_cpu_reg(lx, cpu, "x30", &ret->lr)) ||
	    (err = els_linux_cpu_reg(lx, cpu, "x29", &ret->fp)) ||
	    (err = els_linux_cpu_reg(lx, cpu, "sp", &ret->sp)))
		return els_error_wrap(err, "CPU %u's registers", cpu);
	uint64_t sp_el0, elr;
	if (!ret->user &&
	    !(err = els_linux_cpu_reg(lx, cpu, "SP_EL0", &sp_el0)) &&
	    !kernel_va(sp_el0) &&
	    !(err = els_linux_cpu_reg(lx, cpu,
					    el == 2 ? "ELR_EL2" : "ELR_EL1",
					    &elr))) {
		ret->crossing = true;
		ret->user_pc = elr;
		ret->user_sp = sp_el0;
	}
	els_error_destroy(err); /* without SP_EL0 or ELR: no such check */
	return NULL;
}

/* A stack frame records may live on. */
struct stack {
	const char *name;
	uint64_t lo, hi;
	bool done; /* left: the chain never comes back to it */
};

__attribute__((format(printf, 2, 3)))
static void end(struct els_linux_backtrace *bt, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(bt->end, sizeof(bt->end), fmt, ap);
	va_end(ap);
}

static void push(struct els_linux_backtrace *bt, enum els_linux_frame_kind k,
		 uint64_t pc, uint64_t fp, uint64_t sp)
{
	bt->frames[bt->n++] =
		(struct els_linux_frame){ .kind = k, .pc = pc, .fp = fp, .sp = sp };
}

static struct els_error *thread_size(struct els_linux *lx, uint64_t *ret)
{
	/* init_task's stack is THREAD_SIZE long (INIT_TASK_DATA). */
	uint64_t lo, hi;
	struct els_error *err;
	if ((err = els_linux_sym(lx, "__start_init_task", &lo)) ||
	    (err = els_linux_sym(lx, "__end_init_task", &hi)))
		return els_error_wrap(err, "THREAD_SIZE");
	uint64_t size = hi - lo;
	if (hi <= lo || size < 4096 || size > 1024 * 1024 || (size & (size - 1)))
		return els_error_create(ELS_ERR_INVALID,
					"THREAD_SIZE from __end_init_task - __start_init_task is 0x%" PRIx64
					": not a stack size",
					size);
	*ret = size;
	return NULL;
}

/* The CPU's IRQ and overflow stacks; a kernel without them has none. */
static size_t cpu_stacks(struct els_linux *lx, unsigned cpu, uint64_t tsize,
			 struct stack *s)
{
	size_t n = 0;
	uint64_t p, irq;
	struct els_error *err;
	if (!(err = els_linux_percpu(lx, "irq_stack_ptr", cpu, &p)) &&
	    !(err = els_linux_read_u64(lx, p, &irq)) && kernel_va(irq))
		s[n++] = (struct stack){ "IRQ", irq, irq + tsize, false };
	els_error_destroy(err);
	struct els_symbol sym;
	if (!(err = els_linux_percpu(lx, "overflow_stack", cpu, &p)) &&
	    els_symtab_lookup_name(lx->vmlinux, "overflow_stack", &sym) ==
		    NULL &&
	    sym.size)
		s[n++] = (struct stack){ "overflow", p, p + sym.size, false };
	els_error_destroy(err);
	return n;
}

/*
 * x30 of a running CPU names a frame of its own only while the function at
 * pc has not pushed its frame record yet (a leaf, a prologue): then it is
 * in another function than pc, and not the return address of that record.
 */
static bool lr_is_a_frame(struct els_linux *lx, uint64_t pc, uint64_t lr,
			  uint64_t record_ret)
{
	struct els_symbol a, b;
	if (!kernel_va(lr) || lr == record_ret)
		return false;
	if (!els_symtab_find_addr(lx->vmlinux, pc, &a) ||
	    !els_symtab_find_addr(lx->vmlinux, lr - 4, &b))
		return false;
	return a.addr != b.addr;
}

static struct els_error *user_frame(struct els_linux *lx, uint64_t regs,
				    struct els_linux_backtrace *bt)
{
	uint64_t sp_off, pstate_off, v[3];
	struct els_error *err;
	if ((err = els_linux_offset(lx, "pt_regs", "sp", &sp_off)) ||
	    (err = els_linux_offset(lx, "pt_regs", "pstate", &pstate_off)))
		return err;
	if (pstate_off != sp_off + 16)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"pt_regs has sp, pc, pstate apart (offsets %" PRIu64 ", %" PRIu64 ")",
					sp_off, pstate_off);
	if ((err = els_linux_read(lx, regs + sp_off, v, sizeof(v))))
		return els_error_wrap(err, "the task's pt_regs");
	/* PSR.M[3:0] 0 is EL0t: the task entered the kernel from user space. */
	if ((v[2] & 0xf) != 0 || (v[2] & 0x10)) {
		end(bt, "the task's pt_regs at 0x%" PRIx64 " are of no entry from 64-bit user space (pstate 0x%" PRIx64 ")",
		    regs, v[2]);
		return NULL;
	}
	push(bt, ELS_LINUX_FRAME_USER, els_linux_strip_pac(lx, v[1]), 0, v[0]);
	end(bt, "entered from user space: the user pc and sp of pt_regs at 0x%" PRIx64,
	    regs);
	return NULL;
}

struct els_error *els_linux_unwind(struct els_linux *lx,
				   const struct els_linux_task *task, int cpu,
				   const struct els_linux_regs *regs,
				   struct els_linux_backtrace *bt)
{
	bt->n = 0;
	bt->complete = false;
	bt->end[0] = '\0';
	uint64_t tsize = 0, regs_size, stackframe, pc, fp, lr = 0;
	struct els_error *err;
	if ((err = thread_size(lx, &tsize)) ||
	    (err = els_linux_sizeof(lx, "pt_regs", &regs_size)) ||
	    (err = els_linux_offset(lx, "pt_regs", "stackframe", &stackframe)))
		return err;
	if (regs && regs->user) {
		push(bt, ELS_LINUX_FRAME_USER, els_linux_strip_pac(lx, regs->pc),
		     0, regs->sp);
		bt->complete = true;
		end(bt, "CPU %d is in user space (EL0)", cpu);
		return NULL;
	}
	if (regs && regs->crossing) {
		push(bt, ELS_LINUX_FRAME_PC, els_linux_strip_pac(lx, regs->pc),
		     0, 0);
		push(bt, ELS_LINUX_FRAME_USER,
		     els_linux_strip_pac(lx, regs->user_pc), 0, regs->user_sp);
		bt->complete = true;
		end(bt, "CPU %d is between user space and the kernel (exception entry or return): the user pc from ELR, sp from SP_EL0",
		    cpu);
		return NULL;
	}
	if (regs) {
		pc = regs->pc;
		fp = regs->fp;
		lr = regs->lr;
	} else {
		uint64_t ctx_fp, ctx_pc, v[3];
		if ((err = els_linux_offset(lx, "task_struct",
					    "thread.cpu_context.fp", &ctx_fp)) ||
		    (err = els_linux_offset(lx, "task_struct",
					    "thread.cpu_context.pc", &ctx_pc)))
			return err;
		if (ctx_pc != ctx_fp + 16)
			return els_error_create(ELS_ERR_UNSUPPORTED,
						"cpu_context has fp, sp, pc apart (offsets %" PRIu64 ", %" PRIu64 ")",
						ctx_fp, ctx_pc);
		if ((err = els_linux_read(lx, task->addr + ctx_fp, v,
					  sizeof(v))))
			return els_error_wrap(err, "the cpu_context of pid %d",
					      task->pid);
		fp = v[0];
		pc = v[2];
	}
	if (!kernel_va(task->stack))
		return els_error_addr(ELS_ERR_INVALID, task->stack,
				      "pid %d's stack pointer 0x%" PRIx64 " is no kernel address",
				      task->pid, task->stack);
	struct stack stacks[3] = { { "task", task->stack, task->stack + tsize,
				     false } };
	size_t nstacks = 1;
	if (cpu >= 0)
		nstacks += cpu_stacks(lx, (unsigned)cpu, tsize, stacks + 1);
	uint64_t top_regs = task->stack + tsize - regs_size;
	uint64_t final = top_regs + stackframe;

	push(bt, ELS_LINUX_FRAME_PC, els_linux_strip_pac(lx, pc), 0, 0);
	size_t cur = SIZE_MAX;
	uint64_t prev_fp = 0;
	bool first = true;
	for (;;) {
		if (bt->n >= ELS_LINUX_MAX_FRAMES) {
			end(bt, "more than %d frames: the walk stops",
			    ELS_LINUX_MAX_FRAMES);
			break;
		}
		if (!fp) {
			end(bt, "x29 is 0: the end of the chain");
			bt->complete = true;
			break;
		}
		if (fp & 7) {
			end(bt, "x29 0x%" PRIx64 " is not 8-byte aligned", fp);
			break;
		}
		size_t s;
		for (s = 0; s < nstacks; s++) {
			if (fp >= stacks[s].lo && fp <= stacks[s].hi - 16)
				break;
		}
		if (s == nstacks) {
			end(bt, "x29 0x%" PRIx64 " is outside the task's stack [0x%" PRIx64 ", 0x%" PRIx64 ")%s",
			    fp, stacks[0].lo, stacks[0].hi,
			    nstacks > 1 ? " and the CPU's IRQ and overflow stacks"
					: "");
			break;
		}
		if (s != cur) {
			if (stacks[s].done) {
				end(bt, "x29 0x%" PRIx64 " goes back to the %s stack",
				    fp, stacks[s].name);
				break;
			}
			if (cur != SIZE_MAX)
				stacks[cur].done = true;
			cur = s;
		} else if (fp <= prev_fp) {
			end(bt, "x29 0x%" PRIx64 " does not go up the stack (the record before was at 0x%" PRIx64 ")",
			    fp, prev_fp);
			break;
		}
		if (s == 0 && fp == final) {
			bt->complete = true;
			if (!task->mm) {
				end(bt, "the final frame record of the kernel thread's stack");
				break;
			}
			if ((err = user_frame(lx, top_regs, bt)))
				return err;
			break;
		}
		uint64_t rec[2];
		if ((err = els_linux_read(lx, fp, rec, sizeof(rec)))) {
			end(bt, "the frame record at 0x%" PRIx64 " cannot be read: %s",
			    fp, err->message);
			els_error_destroy(err);
			break;
		}
		uint64_t ret = els_linux_strip_pac(lx, rec[1]);
		if (first && regs) {
			uint64_t l = els_linux_strip_pac(lx, lr);
			if (lr_is_a_frame(lx, bt->frames[0].pc, l, ret))
				push(bt, ELS_LINUX_FRAME_LR, l, 0, 0);
		}
		first = false;
		if (!rec[0] && !rec[1]) {
			end(bt, "a zero frame record at 0x%" PRIx64 ": the end of the chain",
			    fp);
			bt->complete = true;
			break;
		}
		push(bt, ELS_LINUX_FRAME_RECORD, ret, fp, 0);
		prev_fp = fp;
		fp = rec[0];
	}
	return NULL;
}

struct els_error *els_linux_task_saved_regs(struct els_linux *lx,
					    const struct els_linux_task *task,
					    uint64_t regs[34], bool valid[34])
{
	uint64_t x19, pc, v[13];
	struct els_error *err;
	if ((err = els_linux_offset(lx, "task_struct",
				    "thread.cpu_context.x19", &x19)) ||
	    (err = els_linux_offset(lx, "task_struct",
				    "thread.cpu_context.pc", &pc)))
		return err;
	/* x19-x28, fp, sp, pc in a row, as cpu_switch_to stores them. */
	if (pc != x19 + 12 * 8)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"cpu_context has x19..pc apart (offsets %" PRIu64 ", %" PRIu64 ")",
					x19, pc);
	if ((err = els_linux_read(lx, task->addr + x19, v, sizeof(v))))
		return els_error_wrap(err, "the cpu_context of pid %d",
				      task->pid);
	for (int i = 0; i < 34; i++)
		valid[i] = false;
	for (int i = 0; i < 11; i++) { /* x19..x29 */
		regs[19 + i] = v[i];
		valid[19 + i] = true;
	}
	regs[31] = v[11];
	regs[32] = els_linux_strip_pac(lx, v[12]);
	valid[31] = valid[32] = true;
	/* A task switched out in the kernel: EL1h, as cpu_switch_to ran. */
	regs[33] = 0x5;
	valid[33] = true;
	return NULL;
}

struct els_error *els_linux_task_user_regs(struct els_linux *lx,
					   const struct els_linux_task *task,
					   uint64_t regs[34], bool valid[34])
{
	uint64_t tsize, regs_size, regs_off, sp_off, v[34];
	struct els_error *err;
	if (!task->mm)
		return els_error_create(ELS_ERR_INVALID,
					"pid %d is a kernel thread: no user registers",
					task->pid);
	if ((err = thread_size(lx, &tsize)) ||
	    (err = els_linux_sizeof(lx, "pt_regs", &regs_size)) ||
	    (err = els_linux_offset(lx, "pt_regs", "regs", &regs_off)) ||
	    (err = els_linux_offset(lx, "pt_regs", "sp", &sp_off)))
		return err;
	/* regs[31], sp, pc, pstate in a row (struct user_pt_regs). */
	if (sp_off != regs_off + 31 * 8 || regs_off + sizeof(v) > regs_size)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"pt_regs has regs and sp apart (offsets %" PRIu64 ", %" PRIu64 ")",
					regs_off, sp_off);
	if (!kernel_va(task->stack))
		return els_error_addr(ELS_ERR_INVALID, task->stack,
				      "pid %d's stack pointer 0x%" PRIx64 " is no kernel address",
				      task->pid, task->stack);
	uint64_t at = task->stack + tsize - regs_size + regs_off;
	if ((err = els_linux_read(lx, at, v, sizeof(v))))
		return els_error_wrap(err, "the pt_regs of pid %d", task->pid);
	/* PSR.M[4:0] 0 is EL0t (AArch64): an entry from 64-bit user space. */
	if (v[33] & 0x1f)
		return els_error_create(ELS_ERR_STATE,
					"pid %d's pt_regs at 0x%" PRIx64 " are of no entry from 64-bit user space (pstate 0x%" PRIx64 ")",
					task->pid, at, v[33]);
	for (int i = 0; i < 34; i++) {
		regs[i] = v[i];
		valid[i] = true;
	}
	regs[32] = els_linux_strip_pac(lx, v[32]);
	return NULL;
}
