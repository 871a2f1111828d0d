/* SPDX-License-Identifier: MIT */
/*
 * One interface to a machine, whatever is behind it: a live target over the
 * GDB remote protocol, an ELF core, raw RAM images.
 *
 * Layers above read memory through els_target_read() with an address space.
 * Drivers implement struct els_target_ops; this file adds what every driver
 * shares: a memory and register cache valid while the target is halted,
 * breakpoint bookkeeping (so everything inserted is removed on close), and
 * counters of round trips and bytes.
 */
#ifndef ELS_TARGET_TARGET_H
#define ELS_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/vec.h"

struct els_target;
struct els_memcache;

/*
 * Address spaces a driver serves. The translation layer (arch/) adds the IPA
 * of a VM and the virtual addresses of a context on top of ELS_AS_PHYS.
 */
enum els_aspace_kind {
	ELS_AS_PHYS,     /* physical addresses of the machine */
	ELS_AS_CPU_VIRT, /* virtual, through the stub's own view of a CPU */
};

struct els_aspace {
	enum els_aspace_kind kind;
	int cpu; /* for ELS_AS_CPU_VIRT */
};

static inline struct els_aspace els_aspace_phys(void)
{
	return (struct els_aspace){ .kind = ELS_AS_PHYS, .cpu = 0 };
}

static inline struct els_aspace els_aspace_cpu_virt(int cpu)
{
	return (struct els_aspace){ .kind = ELS_AS_CPU_VIRT, .cpu = cpu };
}

/* A register as the target describes it. */
struct els_reg_desc {
	char *name;       /* the target's name: "x0", "pc", "cpsr", "TTBR1_EL1" */
	int regnum;       /* the driver's number for it */
	unsigned bitsize;
	char *group;      /* "general", "system", "float", ... or NULL */
	char *feature;    /* e.g. "org.gnu.gdb.aarch64.core", or NULL */
};

ELS_VEC(els_reg_desc_vec, struct els_reg_desc);

struct els_cpu {
	int index;          /* 0-based, as users name CPUs */
	uint64_t thread_id; /* the driver's handle (RSP thread id) */
};

ELS_VEC(els_cpu_vec, struct els_cpu);

enum els_bp_kind {
	ELS_BP_SW,        /* Z0 */
	ELS_BP_HW,        /* Z1 */
	ELS_WP_WRITE,     /* Z2 */
	ELS_WP_READ,      /* Z3 */
	ELS_WP_ACCESS,    /* Z4 */
};

const char *els_bp_kind_name(enum els_bp_kind kind);

enum els_stop_reason {
	ELS_STOP_SIGNAL,   /* halted: interrupt, step done, fault */
	ELS_STOP_BREAK,    /* a breakpoint (sw or hw) */
	ELS_STOP_WATCH,    /* a watchpoint; watch_addr says where */
	ELS_STOP_EXITED,   /* the target went away (W/X reply) */
};

struct els_stop {
	enum els_stop_reason reason;
	int cpu;              /* the CPU that stopped, -1 if not said */
	int signal;
	uint64_t watch_addr;
};

struct els_stats {
	uint64_t round_trips; /* request/reply exchanges with the target */
	uint64_t bytes_out;   /* bytes sent, framing included */
	uint64_t bytes_in;    /* bytes received, framing included */
	uint64_t mem_reads;   /* driver memory reads (cache misses) */
	uint64_t cache_hits;  /* reads served from the cache */
};

/* One read of a batch (els_target_batch): a register or a memory range. */
struct els_batch_item {
	bool is_reg;
	int cpu;                         /* registers */
	const struct els_reg_desc *reg;  /* registers */
	struct els_aspace as;            /* memory */
	uint64_t addr;                   /* memory */
	size_t len;                      /* memory: at most 1 KiB */
	void *buf;                       /* reg: (bitsize + 7) / 8 bytes */
	struct els_error *err;           /* set when this read failed */
};

struct els_target_ops {
	const char *kind; /* "gdb", "core", "raw" */
	void (*destroy)(struct els_target *t);
	/*
	 * Read/write len bytes; the driver splits to what its transport allows.
	 * A part that is not there is an ELS_ERR_NOT_MAPPED error with its
	 * address, never zeros.
	 */
	struct els_error *(*read_mem)(struct els_target *t,
				      const struct els_aspace *as,
				      uint64_t addr, void *buf, size_t len);
	struct els_error *(*write_mem)(struct els_target *t,
				       const struct els_aspace *as,
				       uint64_t addr, const void *buf,
				       size_t len);
	/* buf holds (bitsize + 7) / 8 bytes, target byte order (little). */
	struct els_error *(*read_reg)(struct els_target *t, int cpu,
				      const struct els_reg_desc *reg,
				      uint8_t *buf);
	/* Run control: NULL for targets that cannot run (dumps). */
	struct els_error *(*halt)(struct els_target *t, struct els_stop *ret);
	struct els_error *(*resume)(struct els_target *t);
	struct els_error *(*step)(struct els_target *t, int cpu,
				  struct els_stop *ret);
	/*
	 * While running: wait up to timeout_ms (0: just look) for the target to
	 * stop by itself; *stopped says whether it did.
	 */
	struct els_error *(*wait)(struct els_target *t, int timeout_ms,
				  bool *stopped, struct els_stop *ret);
	struct els_error *(*insert_bp)(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len);
	struct els_error *(*remove_bp)(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len);
	/*
	 * Leave the target: resume it (true) or leave it as it is. Called once
	 * by els_target_close() after every breakpoint was removed.
	 */
	struct els_error *(*detach)(struct els_target *t, bool resume);
	/*
	 * Many small reads at once (may be NULL: els_target_batch reads them
	 * one by one): a driver that can keep requests in flight pays the
	 * wait once. Each item's own error goes to item->err.
	 */
	struct els_error *(*batch)(struct els_target *t,
				   struct els_batch_item *items, size_t n);
	/* Lines of "key: value" for `info`, e.g. features of the stub. */
	void (*describe)(struct els_target *t,
			 void (*emit)(const char *key, const char *value,
				      void *arg),
			 void *arg);
};

struct els_breakpoint {
	enum els_bp_kind kind;
	uint64_t addr;
	uint64_t len;
};

ELS_VEC(els_breakpoint_vec, struct els_breakpoint);

struct els_target {
	const struct els_target_ops *ops;
	char *spec;                    /* as the user gave it */
	struct els_reg_desc_vec regs;
	struct els_cpu_vec cpus;
	bool can_run;                  /* live target */
	bool running;
	bool halted_by_us;             /* resume it when we leave */
	bool keep_halted;              /* the user asked it to stay halted */
	struct els_stop last_stop;
	bool has_last_stop;
	struct els_stats stats;
	struct els_breakpoint_vec bps;
	struct els_memcache *cache;    /* NULL: no caching (static targets) */
	/* Register cache: per CPU, one slot per register, valid while halted. */
	uint8_t **regcache;            /* [cpu][offset of reg] */
	bool **regvalid;               /* [cpu][reg index] */
	size_t *regoffsets;            /* byte offset of reg i in a CPU's slot */
	size_t regcache_cpu_bytes;
	/* Called from long reads with (done, total); may be NULL. */
	void (*progress)(uint64_t done, uint64_t total, void *arg);
	void *progress_arg;
	/* Set from a signal handler to stop long work: ELS_ERR_INTERRUPTED. */
	volatile int *interrupt_flag;
};

/* Set up the common part; drivers call this first. */
void els_target_init(struct els_target *t, const struct els_target_ops *ops,
		     const char *spec);

/*
 * Open "gdb:HOST:PORT", "core:FILE" or "raw:FILE@PHYSADDR[,...]".
 * timeout_ms bounds every wait on a live target.
 */
struct els_error *els_target_open(const char *spec, int timeout_ms,
				  struct els_target **ret);

/*
 * Remove every breakpoint we inserted, then resume the target if we halted
 * it (unless keep_halted), and free everything. NULL is fine. Errors while
 * leaving are returned after everything was freed.
 */
struct els_error *els_target_close(struct els_target *t);

/*
 * Read every item, bypassing the caches (for a sampler: each halt is new).
 * The target must be halted. Returns an error only when the connection
 * broke; an item that could not be read has its own err (the caller
 * destroys it).
 */
struct els_error *els_target_batch(struct els_target *t,
				   struct els_batch_item *items, size_t n);

/* Memory, through the cache while halted. */
struct els_error *els_target_read(struct els_target *t,
				  const struct els_aspace *as, uint64_t addr,
				  void *buf, size_t len);
struct els_error *els_target_write(struct els_target *t,
				   const struct els_aspace *as, uint64_t addr,
				   const void *buf, size_t len);

/* Registers. Names match case-insensitively ("PC" finds "pc"). */
const struct els_reg_desc *els_target_find_reg(struct els_target *t,
					       const char *name);
struct els_error *els_target_read_reg(struct els_target *t, int cpu,
				      const struct els_reg_desc *reg,
				      uint8_t *buf);
/* A register of at most 64 bits as a number. */
struct els_error *els_target_read_reg_u64(struct els_target *t, int cpu,
					  const char *name, uint64_t *ret);
struct els_error *els_target_check_cpu(struct els_target *t, int cpu);

/* Run control; each drops the caches when the target runs. */
struct els_error *els_target_halt(struct els_target *t, struct els_stop *ret);
struct els_error *els_target_resume(struct els_target *t);
struct els_error *els_target_step(struct els_target *t, int cpu,
				  struct els_stop *ret);
/* If running, look whether it stopped by itself (breakpoint). */
struct els_error *els_target_poll(struct els_target *t, int timeout_ms);
/*
 * Make sure the target is halted for inspection; halts it (and remembers
 * that we did) when it runs.
 */
struct els_error *els_target_ensure_halted(struct els_target *t);

struct els_error *els_target_insert_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len);
struct els_error *els_target_remove_bp(struct els_target *t,
				       enum els_bp_kind kind, uint64_t addr,
				       uint64_t len);

/* Forget cached memory and registers (the target ran, or memory changed). */
void els_target_invalidate(struct els_target *t);

/* The cache block size in bytes; reads of large spans bypass the cache. */
#define ELS_CACHE_BLOCK 512
#define ELS_CACHE_BYPASS (64 * 1024)

/* Drivers. */
struct els_error *els_rsp_open(const char *hostport, int timeout_ms,
			       struct els_target **ret);
struct els_error *els_elfcore_open(const char *path, struct els_target **ret);
/* Open an ELF core held in memory (fuzzing, tests); buf must outlive it. */
struct els_error *els_elfcore_open_mem(const void *buf, size_t len,
				       struct els_target **ret);
struct els_error *els_raw_open(const char *spec, struct els_target **ret);

/* For core files: the VMCOREINFO note as key/value, NULL if there is none. */
const char *els_elfcore_vmcoreinfo(struct els_target *t, const char *key);

#endif
