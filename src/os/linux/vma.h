/* SPDX-License-Identifier: MIT */
/*
 * A process's memory map: its mm_struct, its VMAs in address order (the
 * maple tree mm->mm_mt from 6.1, the vm_next list mm->mmap before; which
 * one is chosen by which member mm_struct has), and what /proc/PID/maps
 * prints for each: permissions, offset, device, inode and the file's path
 * (dentries up to their mount's root, mounts up to the namespace's root) or
 * the name of a special mapping ([heap], [stack], [vdso], [vvar], ...).
 *
 * One read per tree node (256 bytes), one per VMA, and a few per distinct
 * file (struct file, inode, super_block, one per dentry and mount); every
 * walk is bounded and cycle-checked.
 */
#ifndef ELS_OS_LINUX_VMA_H
#define ELS_OS_LINUX_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/linux/kernel.h"
#include "os/linux/task.h"

/* vm_flags bits /proc shows (include/linux/mm.h, the same since 2.6). */
#define ELS_VM_READ 0x1ull
#define ELS_VM_WRITE 0x2ull
#define ELS_VM_EXEC 0x4ull
#define ELS_VM_SHARED 0x8ull
#define ELS_VM_MAYSHARE 0x80ull

/* The fields of mm_struct the maps need. */
struct els_linux_mm {
	uint64_t addr;
	uint64_t pgd;          /* linear-map address of the top table */
	uint64_t start_brk, brk, start_stack;
};

struct els_linux_vma {
	uint64_t addr;         /* the vm_area_struct */
	uint64_t start, end;   /* [vm_start, vm_end) */
	uint64_t flags;        /* vm_flags */
	uint64_t pgoff;        /* vm_pgoff: file offset in pages */
	uint64_t file;         /* struct file *, 0 when anonymous */
	uint64_t ops;          /* vm_ops */
	uint64_t private_data; /* vm_private_data */
	uint64_t anon_name;    /* struct anon_vma_name * (0 if none or no such member) */
};

struct els_error *els_linux_mm_read(struct els_linux *lx, uint64_t mm,
				    struct els_linux_mm *ret);

/*
 * Every VMA of mm in address order, in a malloc'ed array (*ret, *count).
 * A tree or list that loops, is deeper than the maple tree can be, has
 * pivots out of order or a VMA whose range disagrees with its slot is an
 * error naming the node.
 */
struct els_error *els_linux_vmas(struct els_linux *lx,
				 const struct els_linux_mm *mm,
				 struct els_linux_vma **ret, size_t *count);

/*
 * A process by pid: its task, mm and VMAs (*vmas malloc'ed). A kernel
 * thread has no mm: ELS_ERR_INVALID.
 */
struct els_error *els_linux_process_vmas(struct els_linux *lx, int32_t pid,
					 struct els_linux_task *task,
					 struct els_linux_mm *mm,
					 struct els_linux_vma **vmas,
					 size_t *count);

/* The VMA of vmas (sorted) that contains addr, or NULL. */
const struct els_linux_vma *els_linux_vma_find(const struct els_linux_vma *vmas,
					       size_t count, uint64_t addr);

/* What /proc/PID/maps says of a file: its dev_t, inode and path. */
struct els_linux_file {
	uint32_t dev;          /* the kernel's dev_t: major << 20 | minor */
	uint64_t ino;
	char path[4096];       /* as d_path gives it, " (deleted)" included */
};

struct els_error *els_linux_file_read(struct els_linux *lx, uint64_t file,
				      struct els_linux_file *ret);

/*
 * The name /proc/PID/maps gives a VMA: the file's path (with newlines shown
 * as \012), [heap], [stack], a special mapping's name ([vdso], [vvar]),
 * [anon:NAME], or "" for plain anonymous memory. file may be NULL when the
 * VMA has no file; with one, it is filled in as els_linux_file_read does.
 */
struct els_error *els_linux_vma_name(struct els_linux *lx,
				     const struct els_linux_mm *mm,
				     const struct els_linux_vma *vma,
				     struct els_linux_file *file, char *buf,
				     size_t size);

/*
 * One line of /proc/PID/maps without its newline, byte for byte as the
 * kernel prints it (show_map_vma): "start-end perms offset mj:mn inode",
 * then, when there is a name, spaces to column 73 and the name.
 */
void els_linux_vma_format(const struct els_linux_vma *vma,
			  const struct els_linux_file *file, const char *name,
			  char *buf, size_t size);

#endif
