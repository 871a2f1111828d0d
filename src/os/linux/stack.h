/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks of a Linux kernel on AArch64: the chain of frame records
 * (x29 points at {previous x29, return address}) from a sleeping task's
 * thread.cpu_context or a running CPU's registers, bounded to the task's
 * stack and the CPU's IRQ and overflow stacks, ending at the pt_regs the
 * task entered the kernel with (its user pc and sp).
 */
#ifndef ELS_OS_LINUX_STACK_H
#define ELS_OS_LINUX_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "os/linux/kernel.h"
#include "os/linux/task.h"

#define ELS_LINUX_MAX_FRAMES 256

enum els_linux_frame_kind {
	ELS_LINUX_FRAME_PC,     /* the pc the walk starts from */
	ELS_LINUX_FRAME_LR,     /* x30 of a running CPU: the caller of a
				   function that has not pushed its record */
	ELS_LINUX_FRAME_RECORD, /* a return address from a frame record */
	ELS_LINUX_FRAME_USER,   /* user pc and sp (pt_regs or EL0 registers) */
};

struct els_linux_frame {
	enum els_linux_frame_kind kind;
	uint64_t pc; /* pointer-authentication bits restored */
	uint64_t fp; /* the frame record read (RECORD), else 0 */
	uint64_t sp; /* USER only */
};

/* A CPU's registers as the walk needs them. */
struct els_linux_regs {
	uint64_t pc, lr, fp, sp;
	bool user; /* the CPU is at EL0: pc and sp are the user's */
	/*
	 * In the kernel but SP_EL0 still (or again) the user's: an exception
	 * entry from, or return to, user space is under way (under KPTI, in the
	 * trampoline); the user's pc is in ELR, its sp in SP_EL0.
	 */
	bool crossing;
	uint64_t user_pc, user_sp;
};

struct els_linux_backtrace {
	struct els_linux_frame frames[ELS_LINUX_MAX_FRAMES + 3];
	size_t n;
	bool complete; /* reached the end of the chain, not a break */
	char end[192]; /* how the walk ended, for people */
};

/*
 * A CPU's registers (live or a dump's notes). A CPU at EL2 without E2H
 * runs a hypervisor, not this kernel: ELS_ERR_STATE.
 */
struct els_error *els_linux_cpu_regs(struct els_linux *lx, unsigned cpu,
				     struct els_linux_regs *ret);

/*
 * The backtrace of task: from regs when given (the task runs on cpu), else
 * from its thread.cpu_context (it sleeps; cpu is -1). A chain that leaves
 * the stacks, goes down, or is too deep ends the walk with complete false
 * and the reason in end; only failures to read what must be there (the
 * task's stack pointer, its cpu_context) are errors.
 */
struct els_error *els_linux_unwind(struct els_linux *lx,
				   const struct els_linux_task *task, int cpu,
				   const struct els_linux_regs *regs,
				   struct els_linux_backtrace *bt);

/*
 * Registers in gdb's AArch64 order (x0-x30, sp, pc, cpsr) with valid[i]
 * saying which are known. saved: of a task switched out, from its
 * thread.cpu_context (x19-x29, sp, pc). user: what the task's user space
 * had when it entered the kernel (the pt_regs at the top of its stack).
 */
struct els_error *els_linux_task_saved_regs(struct els_linux *lx,
					    const struct els_linux_task *task,
					    uint64_t regs[34], bool valid[34]);
struct els_error *els_linux_task_user_regs(struct els_linux *lx,
					   const struct els_linux_task *task,
					   uint64_t regs[34], bool valid[34]);

/* pc with its pointer-authentication code replaced by the sign bits. */
uint64_t els_linux_strip_pac(const struct els_linux *lx, uint64_t pc);

#endif
