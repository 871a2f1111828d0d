/* SPDX-License-Identifier: MIT */
/*
 * One Linux kernel as elscope sees it: its symbols (slid), its types (BTF or
 * DWARF), and its memory through a translation context, so the same code
 * serves the machine's own kernel on a live target, the same kernel in a
 * dump, and later a guest's kernel seen through stage 2.
 *
 * Every walk of target memory in os/linux/ goes through els_linux_read*,
 * reads the span of the fields it needs at once (one round trip per list or
 * tree node), is bounded (ELS_LINUX_MAX_NODES) and stops on a cycle.
 */
#ifndef ELS_OS_LINUX_KERNEL_H
#define ELS_OS_LINUX_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/xlat.h"
#include "core/error.h"
#include "debuginfo/symbols.h"
#include "debuginfo/types.h"
#include "target/target.h"

/* No list or tree of a kernel is walked further than this. */
#define ELS_LINUX_MAX_NODES 1000000
#define ELS_LINUX_MAX_CPUS 4096

struct els_linux {
	struct els_target *t;
	struct els_symtab *vmlinux; /* slid: addresses are the running ones */
	struct els_types *types;
	struct els_xlat_ctx kctx;   /* the kernel half (TTBR1) is what counts */
	bool dump;                  /* no live registers (an ELF core or raw) */
	char release[65];           /* init_uts_ns.name.release */
	unsigned version;           /* KERNEL_VERSION(a,b,c) of release */
	unsigned nr_cpu_ids;
	uint64_t *per_cpu_offset;   /* [nr_cpu_ids] */
	/*
	 * Where CPU n's registers come from: NULL, the target's CPU n (the
	 * machine's own kernel); for a guest kernel, its vCPU n as the
	 * hypervisor sees it. nr_reg_cpus: how many can be asked.
	 */
	struct els_error *(*cpu_reg)(void *arg, unsigned cpu, const char *name,
				     uint64_t *ret);
	void *cpu_reg_arg;
	unsigned nr_reg_cpus;
	/* Counters: reads asked of the target through this kernel. */
	uint64_t reads, bytes;
};

#define ELS_KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))

/*
 * Open a kernel: vmlinux already slid, types of the same file, and a
 * translation context whose TTBR1 half maps the kernel (from a CPU, or
 * made by els_linux_ctx_from_vmcoreinfo for a dump). Reads the release
 * and the per-CPU offsets; checks the release against vmlinux's banner.
 */
struct els_error *els_linux_open(struct els_target *t,
				 struct els_symtab *vmlinux,
				 struct els_types *types,
				 const struct els_xlat_ctx *kctx, bool dump,
				 struct els_linux **ret);
void els_linux_destroy(struct els_linux *lx);

/*
 * A translation context for a dump without registers: TTBR1 at
 * swapper_pg_dir's physical address (SYMBOL(swapper_pg_dir) minus
 * NUMBER(kimage_voffset)), 4K pages, the VA size of NUMBER(VA_BITS). get
 * answers a VMCOREINFO key ("NUMBER(kimage_voffset)") or NULL.
 */
struct els_error *els_linux_ctx_from_vmcoreinfo(
	struct els_target *t, const char *(*get)(struct els_target *, const char *),
	struct els_xlat_ctx *ret);

/*
 * A register of CPU cpu as this kernel sees it ("pc", "cpsr", "SP_EL0", ...;
 * see cpu_reg). ELS_ERR_NOT_FOUND for a CPU beyond nr_reg_cpus or a dump.
 */
struct els_error *els_linux_cpu_reg(struct els_linux *lx, unsigned cpu,
				    const char *name, uint64_t *ret);
/* Whether CPU cpu's registers can be asked (a live CPU or vCPU). */
bool els_linux_has_cpu_regs(const struct els_linux *lx, unsigned cpu);

/* Kernel virtual memory. */
struct els_error *els_linux_read(struct els_linux *lx, uint64_t va, void *buf,
				 size_t len);
struct els_error *els_linux_read_u64(struct els_linux *lx, uint64_t va,
				     uint64_t *ret);
struct els_error *els_linux_read_u32(struct els_linux *lx, uint64_t va,
				     uint32_t *ret);
/* A NUL-terminated string of at most size-1 bytes (always terminated). */
struct els_error *els_linux_read_str(struct els_linux *lx, uint64_t va,
				     char *buf, size_t size);

/* The running address of a symbol. */
struct els_error *els_linux_sym(struct els_linux *lx, const char *name,
				uint64_t *ret);
/* The address of a per-CPU variable's copy for cpu. */
struct els_error *els_linux_percpu(struct els_linux *lx, const char *name,
				   unsigned cpu, uint64_t *ret);

/* Offset and size of a member (path "a.b.c") of struct name. */
struct els_error *els_linux_member(struct els_linux *lx, const char *name,
				   const char *path,
				   struct els_type_member *ret);
/* Only the offset: the common case. */
struct els_error *els_linux_offset(struct els_linux *lx, const char *name,
				   const char *path, uint64_t *ret);
struct els_error *els_linux_sizeof(struct els_linux *lx, const char *name,
				   uint64_t *ret);

/*
 * An integer member from a buffer holding the structure (or the span of it
 * that starts at span_start): little-endian, 1, 2, 4 or 8 bytes, bitfields
 * extracted. Bounds-checked against len.
 */
struct els_error *els_linux_get(const struct els_type_member *m,
				const uint8_t *buf, size_t len,
				uint64_t span_start, uint64_t *ret);

/* A virtual address of the kernel's linear map to physical (a table walk). */
struct els_error *els_linux_virt_to_phys(struct els_linux *lx, uint64_t va,
					 uint64_t *pa);

/*
 * A context for a process: the kernel's with TTBR0 at the physical address
 * of its pgd (mm->pgd, a linear-map address).
 */
struct els_error *els_linux_user_ctx(struct els_linux *lx, uint64_t pgd_va,
				     struct els_xlat_ctx *ret);

#endif
