/* SPDX-License-Identifier: MIT */
/* The command line: state shared by main, the shell and the commands. */
#ifndef ELS_CLI_CLI_H
#define ELS_CLI_CLI_H

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "debuginfo/symbols.h"
#include "debuginfo/symset.h"
#include "debuginfo/types.h"
#include "hv/hv.h"
#include "os/linux/kernel.h"
#include "target/target.h"

/* A guest VM's kernel (--guest ID=FILE) and its symbol set. */
struct els_cli_guest {
	unsigned id;                /* the VM's id (Xen domain id) */
	struct els_symtab *vmlinux; /* slid once kaslr_done */
	struct els_symset *set;     /* vmlinux, then its modules */
	bool kaslr_done;
	int kaslr_cpu;              /* the CPU the slide was found on (-1: the VM's context) */
	struct els_error *kaslr_err;
	/* Its Linux (els_cli_linux_vm), opened on first use. */
	struct els_cli *cli;
	struct els_types *types;
	struct els_linux *linux_k;
	struct els_hv_vcpu_regs *regs; /* per vCPU, read once a command */
	bool *regs_valid;
	unsigned nr_vcpus;
};

/* A process's symbol set, built once a session (els_cli_process_symset). */
struct els_cli_process {
	int vm;             /* -1: the machine's kernel */
	int32_t pid;
	struct els_symset *set;
};

/* A breakpoint or watchpoint set with `break` or `watch` (break.c). */
struct els_cli_bp {
	unsigned id;           /* as the user names it: 1, 2, ...; 0: halt's own */
	enum els_bp_kind kind; /* ELS_BP_SW, ELS_BP_HW or ELS_WP_* */
	uint64_t addr;         /* code address, or a watchpoint's first byte */
	uint64_t len;          /* 4 for code; the bytes watched */
	char symbol[128];      /* "name+0xoff", or "" when no symbol covers it */
	char image[96];        /* a process's file it is in (--pid), or "" */
	uint64_t hits;         /* stops at it that `wait` reported */
	/* Filters: stop only in this context (checked at each hit). */
	int vm;                /* Xen domain id; -1: any */
	int el;                /* exception level; -1: any */
	int32_t pid;           /* process (tgid) the CPU's current task is in; -1: any */
	uint64_t silent;       /* hits outside the context, resumed silently */
	/* Learned when set (learned), to check a hit in a register or two. */
	bool learned;
	int vmid;              /* the VM's VMID; -1: ask Xen at each hit */
	uint64_t pgd;          /* the process's tables (TTBR0_EL1's address); 0: ask */
	/* A module's function (break_module.c): placed again at each load. */
	char module[56];       /* the module's name; "": not a module's */
	char func[128];        /* the name looked up in it when it loads */
	bool pending;          /* the module is not loaded: not in the target */
	/* A guest VA's code (--vm): where it lands, stage 1 and 2. */
	uint64_t ipa, pa;
	bool landed;           /* ipa and pa are known */
};

#define ELS_CLI_MAX_BPS 64

struct els_cli {
	struct els_target *t;
	bool json;
	bool stats;
	bool interactive;
	int cpu;                  /* current CPU for commands without --cpu */
	bool quit;                /* `quit` was typed */
	struct els_symtab *vmlinux; /* --vmlinux, slid once kaslr_done */
	struct els_symtab *xen;     /* --xen */
	bool kaslr_done;            /* the slide was looked for (found or not) */
	struct els_error *kaslr_err; /* why it was not found */
	struct els_symset *kernel;  /* the machine's kernel: vmlinux, modules */
	struct els_cli_guest *guests; /* --guest, in the order given */
	size_t nguests;
	const char *sysroot;        /* --sysroot: user binaries, libraries, .ko */
	struct els_types *types;    /* of --vmlinux, opened on first use */
	struct els_linux *linux_k;  /* the machine's kernel, opened on first use */
	struct els_cli_process *procs; /* symbol sets of processes, by pid */
	size_t nprocs;
	struct els_cli_bp bps[ELS_CLI_MAX_BPS]; /* break.c, in the order set */
	size_t nbps;
	unsigned last_bp_id;
	bool stop_unreported;       /* stopped by itself; `wait` has not said */
	struct els_hv *hv;          /* the hypervisor (--xen), opened on first use */
	int vm;                     /* --vm of the running command; -1: the machine's kernel */
	/* break_module.c: module loads and unloads watched (0: not). */
	struct {
		uint64_t load, unload;  /* do_init_module, free_module */
		uint64_t init_ret;      /* where do_init_module returns to */
		uint64_t init_lo, init_hi; /* init text of the module in init */
		char init_module[56];
		uint64_t events;        /* hooks hit, never reported */
	} modwatch;
};

/* Set by SIGINT/SIGTERM; long work checks it and stops. */
extern volatile int els_cli_interrupted;

struct els_cmd {
	const char *name;
	const char *usage;
	const char *help;
	struct els_error *(*fn)(struct els_cli *cli, int argc, char **argv);
};

extern const struct els_cmd els_cli_commands[];

/*
 * Run one command line (already without leading blanks). Errors are
 * returned, not printed; *cmd_name is set to the command's name for the
 * message ("x"), or to the first word when there is no such command.
 */
struct els_error *els_cli_run(struct els_cli *cli, const char *line,
			      const char **cmd_name);

/* Print "elscope: <what>: <message>" on stderr. */
void els_cli_report(const char *what, const struct els_error *err);

/* Output: one JSON document per command, or text. */
void els_cli_print_json(struct json_object *obj);
struct json_object *els_json_addr(uint64_t v);
void els_cli_hexdump(FILE *f, uint64_t addr, const uint8_t *buf, size_t len);

/* Commands living in their own files. */
struct els_error *els_cmd_vtop(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_pt(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_sym(struct els_cli *cli, int argc, char **argv);
/*
 * The symbol sets of the machine's kernel and hypervisor, the kernel's slid
 * by its KASLR slide (found on first use; the target must be halted).
 * Returns the reason when the slide cannot be found (the caller's to
 * destroy; the reason is kept and given again on later calls).
 */
struct els_error *els_cli_kernel_syms(struct els_cli *cli);
/*
 * A guest's kernel symbols, slid by its KASLR slide, found through cpu
 * (-1: the CPU it was found on before) in the EL1&0 regime with stage 2.
 */
struct els_error *els_cli_guest_syms(struct els_cli *cli, unsigned vm, int cpu,
				     struct els_cli_guest **ret);
/* Open --vmlinux, --xen and --guest files (before the target). */
struct els_error *els_cli_open_symbols(struct els_cli *cli, const char *vmlinux,
				       const char *xen, char *const *guests,
				       size_t nguests);
void els_cli_close_symbols(struct els_cli *cli);
/* "name+0xoff" of addr in the loaded symbol sets; false if none covers it. */
bool els_cli_symbolize(struct els_cli *cli, uint64_t addr, char *buf,
		       size_t size);
/* Read a CPU context's virtual memory through elscope's own translation. */
struct els_error *els_cli_read_virt(struct els_cli *cli, int cpu,
				    uint64_t va, void *buf, size_t len);

/* Read a VM's intermediate physical addresses through a CPU's stage 2. */
struct els_error *els_cli_read_ipa(struct els_cli *cli, int cpu, uint64_t ipa,
				   void *buf, size_t len);

/*
 * The machine's Linux kernel (--vmlinux), opened on first use: slid, typed,
 * read through CPU cli->cpu's translation (live) or through the page tables
 * VMCOREINFO names (dumps). Its translation cache is flushed on each call.
 */
struct els_error *els_cli_linux(struct els_cli *cli, struct els_linux **ret);
struct els_error *els_cmd_ps(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_bt(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_mod(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cli_load_modules(struct els_cli *cli); /* mod.c: module symbols into cli->kernel */
/* mod.c: only module name's symbols (break_module.c, at its load). */
struct els_error *els_cli_load_module(struct els_cli *cli, const char *name);
/* mod.c: the i-th .ko under --sysroot for release (module name, path); false past the end. */
bool els_cli_ko_file(struct els_cli *cli, const char *release, size_t i,
		     const char **name, const char **path);
struct els_error *els_cmd_maps(struct els_cli *cli, int argc, char **argv);
/*
 * A process's symbols: its executable and shared libraries found under
 * --sysroot, each at its load base from the process's VMAs; kept for the
 * session.
 */
struct els_error *els_cli_process_symset(struct els_cli *cli, int32_t pid, struct els_symset **ret);
struct els_error *els_cmd_log(struct els_cli *cli, int argc, char **argv);
/* break.c: breakpoints, and waiting for the target to stop at one. */
struct els_error *els_cmd_break(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_delete(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_wait(struct els_cli *cli, int argc, char **argv);
/*
 * Before resuming: a CPU that stopped on one of our breakpoints is stepped
 * past it (QEMU's stub would stop there again at once).
 */
struct els_error *els_cli_step_over(struct els_cli *cli);
/*
 * A stop at one of our breakpoints or watchpoints whose context (--vm,
 * --el, --pid) the stopped CPU is not in: counted as a silent hit; the
 * caller steps over (els_cli_step_over) and resumes. False when the stop is
 * not at a filtered breakpoint, or the context cannot be read (the user
 * sees the stop).
 */
bool els_cli_bp_filtered_out(struct els_cli *cli, const struct els_stop *stop);
/*
 * The CPU that runs context (vm: Xen domain id or -1; pid: tgid in that
 * VM's kernel, or the machine's, or -1), the target halted. ELS_ERR_NOT_FOUND
 * when no CPU does.
 */
struct els_error *els_cli_context_cpu(struct els_cli *cli, int vm, int32_t pid,
				      int *cpu);
/*
 * halt --vm/--pid: halt the target when the context runs on some CPU; if
 * none runs it now, run until one does (a temporary breakpoint on the
 * kernel's way into a task), at most timeout seconds (<= 0: no limit).
 */
struct els_error *els_cli_halt_in(struct els_cli *cli, int vm, int32_t pid,
				  double timeout);
struct els_error *els_cmd_watch(struct els_cli *cli, int argc, char **argv);
/*
 * break_module.c. break's words for a module's function (MODULE:NAME, or a
 * name only a module has, loaded or not: pending until it loads) and for a
 * guest VA (--vm: checked through the VM's stage 1 and 2): *done when it
 * set the breakpoint and printed it, else break.c goes on.
 */
struct els_error *els_cli_break_module(struct els_cli *cli, const char *what,
				       bool hw, const struct els_cli_bp *filters,
				       bool *done);
/*
 * A code breakpoint at a kernel VA of VM bp->vm (no --pid): translated
 * through the VM's stage 1 and stage 2 into bp->ipa, bp->pa; an unmapped
 * one is an ELS_ERR_NOT_MAPPED error naming the stage. Nothing for others.
 */
struct els_error *els_cli_break_landing(struct els_cli *cli,
					struct els_cli_bp *bp);
/*
 * The target halted at one of the module load/unload hooks: module
 * breakpoints placed or made pending, then stepped over and resumed. No
 * effect (and no round trip) at any other stop.
 */
struct els_error *els_cli_module_event(struct els_cli *cli);
/*
 * A breakpoint's module ("module", "pending": address null) and landing
 * ("ipa", "pa") in its JSON; the same as words for text.
 */
void els_cli_bp_json_more(const struct els_cli_bp *bp, struct json_object *o);
void els_cli_bp_text_more(const struct els_cli_bp *bp);
/* A poll found the running target stopped by itself: `wait` will say so. */
void els_cli_target_stopped(struct els_cli *cli);
/* The breakpoints for `info`: lines of text, or "breakpoints" in obj. */
void els_cli_info_breakpoints(struct els_cli *cli, struct json_object *obj);

/*
 * --vm N or --pid P at argv[*i] (commands.c), for every command that takes
 * a context of its own: *taken says whether it was one (then *i is at its
 * value); a bad value is a usage error naming the option.
 */
struct els_error *els_cli_context_option(int argc, char **argv, int *i,
					 int *vm, int32_t *pid, bool *taken);

/*
 * Whether halted CPU cpu runs in VM vm (-1: any; in Xen on its behalf is
 * not in it) and process pid (-1: any; by the tgid of the task its kernel
 * runs): 1 yes, 0 no, -1 cannot tell (*why says why; the caller destroys
 * it). break.c; the breakpoints' own filter check is the same.
 */
int els_cli_cpu_in_context(struct els_cli *cli, int cpu, int vm, int32_t pid,
			   struct els_error **why);

/* gdbserver.c: one context served to gdb over the remote protocol. */
struct els_error *els_cmd_gdbserver(struct els_cli *cli, int argc, char **argv);

/* trace.c: Xen's trace buffers read from memory while the machine runs. */
struct els_error *els_cmd_trace(struct els_cli *cli, int argc, char **argv);
/* ftrace.c: a Linux kernel's ftrace ring buffer read in memory. */
struct els_error *els_cmd_ftrace(struct els_cli *cli, int argc, char **argv);
/* hv.c: the hypervisor (--xen), opened on first use, caches flushed. */
struct els_error *els_cli_hv(struct els_cli *cli, struct els_hv **ret);
/*
 * VM vm's Linux (--guest vm=VMLINUX), read through the VM's own context:
 * a CPU running one of its vCPUs, else its vCPU's saved registers; its
 * CPUs are the VM's vCPUs. els_cli_linux gives it when cli->vm is set.
 */
struct els_error *els_cli_linux_vm(struct els_cli *cli, unsigned vm,
				   struct els_linux **ret);
/* The EL1&0 + stage 2 context of VM vm and its VBAR_EL1. */
struct els_error *els_cli_guest_ctx(struct els_cli *cli, unsigned vm,
				    struct els_xlat_ctx *ctx, uint64_t *vbar,
				    char *how, size_t how_size);
/* A guest kernel's KASLR slide through the VM's context. */
struct els_error *els_cli_guest_slide(struct els_cli *cli, unsigned vm,
				      const struct els_symtab *vmlinux,
				      uint64_t *slide);
/* The symbol set of the running command's kernel: the VM's (--vm) or the machine's. */
struct els_symset *els_cli_kernel_set(struct els_cli *cli);
void els_cli_close_hv(struct els_cli *cli);
/*
 * The VM whose vCPU CPU cpu runs (guest_only: at EL0/EL1 only, not in Xen
 * on its behalf) when --guest gives its kernel, its symbols ready; -1
 * otherwise. *vcpu: which vCPU.
 */
int els_cli_vm_of_cpu(struct els_cli *cli, int cpu, bool guest_only,
		      int *vcpu);
struct els_error *els_cmd_vm(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_vcpu(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_ctx(struct els_cli *cli, int argc, char **argv);
struct els_error *els_cmd_profile(struct els_cli *cli, int argc, char **argv);
/*
 * profile.c's sampler for other commands: open while halted; take, on a
 * running target, halts, reads every CPU in one batch and resumes (the
 * time halted added to *halted); finish (halted) turns the rounds
 * into SAMPLE events and task RUN spans at ts[round] (the caller's clock)
 * in ev, and a summary valid until destroy.
 */
struct els_cli_sampler;
struct els_profile_summary;
struct els_events;
struct els_error *els_cli_sampler_open(struct els_cli *cli,
				       struct els_cli_sampler **ret);
struct els_error *els_cli_sampler_take(struct els_cli_sampler *sp,
					double *halted);
size_t els_cli_sampler_rounds(const struct els_cli_sampler *sp,
			      const double **walls);
struct els_error *els_cli_sampler_finish(struct els_cli_sampler *sp,
					 const uint64_t *ts,
					 struct els_events *ev,
					 double seconds, double halted,
					 const struct els_profile_summary **ret);
void els_cli_sampler_destroy(struct els_cli_sampler *sp);
/* info's hypervisor part: version, and ESR_EL2 of CPUs at EL2 (o NULL: text). */
void els_cli_info_hv(struct els_cli *cli, struct json_object *o);

/* The interactive shell; returns when the user quits. */
void els_cli_shell(struct els_cli *cli);

/* Split a command line into words (quotes '...' "..." and \ escapes). */
struct els_error *els_cli_split(const char *line, int *argc, char ***argv);
void els_cli_free_words(int argc, char **argv);

#endif
