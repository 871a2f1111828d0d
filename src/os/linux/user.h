/* SPDX-License-Identifier: MIT */
/*
 * A process's memory through its own page tables (mm->pgd), whichever CPU
 * runs what. A page that is not present is never read as zeros: the read
 * stops there and says why, from the PTE and the process's VMAs:
 *   - outside any VMA,
 *   - anonymous, never touched (the PTE, or a table above it, is empty),
 *   - file-backed, not read in yet (PTE empty; the file and its offset),
 *   - swapped out (an arm64 swap PTE: swap type and page offset),
 *   - another non-present entry (migration, device, hwpoison, marker).
 */
#ifndef ELS_OS_LINUX_USER_H
#define ELS_OS_LINUX_USER_H

#include <stddef.h>
#include <stdint.h>

#include "arch/xlat.h"
#include "os/linux/task.h"
#include "os/linux/vma.h"

struct els_linux_user {
	struct els_linux *lx;
	struct els_linux_task task;
	struct els_linux_mm mm;
	struct els_linux_vma *vmas; /* sorted */
	size_t nvmas;
	struct els_xlat_ctx ctx;    /* TTBR0 = the physical address of mm->pgd */
};

/* pid's address space (a kernel thread has none: ELS_ERR_INVALID). */
struct els_error *els_linux_user_open(struct els_linux *lx, int32_t pid,
				      struct els_linux_user **ret);
void els_linux_user_destroy(struct els_linux_user *u);

enum els_linux_page_state {
	ELS_PAGE_PRESENT,
	ELS_PAGE_NO_VMA,      /* outside any VMA */
	ELS_PAGE_ANON_NONE,   /* anonymous, never touched */
	ELS_PAGE_FILE_NONE,   /* file-backed, not read in */
	ELS_PAGE_SWAP,        /* swapped out */
	ELS_PAGE_NONSWAP,     /* a migration, device, hwpoison or marker entry */
};

/* Why a page is not present. */
struct els_linux_page {
	enum els_linux_page_state state;
	uint64_t va;          /* the page */
	uint64_t pte;         /* the last descriptor read (0: none) */
	int level;            /* its table level */
	unsigned swap_type;   /* SWAP, NONSWAP */
	uint64_t swap_offset; /* SWAP: page offset in the swap area */
	uint64_t file_offset; /* FILE_NONE: byte offset in the file */
	char path[4096];      /* FILE_NONE: the file */
};

/* "anonymous, never touched", "swapped out (type 0, offset 0x12)", ... */
const char *els_linux_page_state_name(enum els_linux_page_state s);
/* One line for people: the state and its details. */
void els_linux_page_describe(const struct els_linux_page *p, char *buf,
			     size_t size);

/*
 * Read len bytes at va. *done is how many were read; when a page is not
 * present the read stops at it (*done < len) and *why says why. Errors are
 * failures to read (tables, memory), not absent pages.
 */
struct els_error *els_linux_user_read(struct els_linux_user *u, uint64_t va,
				      void *buf, size_t len, size_t *done,
				      struct els_linux_page *why);

#endif
