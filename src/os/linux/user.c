/* SPDX-License-Identifier: MIT */
/* A process's memory through its own page tables; absent pages explained. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/user.h"

#define PAGE 4096ull

/*
 * arm64 PTE facts (arch/arm64/include/asm/pgtable.h, pgtable-prot.h): bit 0
 * is valid; PTE_PROT_NONE (bit 58) marks a present but inaccessible page
 * when bit 0 is clear. A swap PTE has bits 0-1 clear, the swap type in bits
 * 3-7 and the offset in bits 8-57 since 6.0 (bit 2 is PTE_SWP_EXCLUSIVE);
 * before, the type was bits 2-7.
 */
#define PTE_VALID 1ull
#define PTE_PROT_NONE (1ull << 58)
#define SWP_OFFSET_SHIFT 8
#define SWP_OFFSET_MASK ((1ull << 50) - 1)
#define OA_MASK 0x0000fffffffff000ull

struct els_error *els_linux_user_open(struct els_linux *lx, int32_t pid,
				      struct els_linux_user **ret)
{
	struct els_linux_user *u = calloc(1, sizeof(*u));
	if (!u)
		return &els_enomem;
	u->lx = lx;
	struct els_error *err = els_linux_process_vmas(
		lx, pid, &u->task, &u->mm, &u->vmas, &u->nvmas);
	if (!err && (err = els_linux_user_ctx(lx, u->mm.pgd, &u->ctx)))
		err = els_error_wrap(err, "pid %d", pid);
	if (err) {
		els_linux_user_destroy(u);
		return err;
	}
	*ret = u;
	return NULL;
}

void els_linux_user_destroy(struct els_linux_user *u)
{
	if (!u)
		return;
	free(u->vmas);
	free(u);
}

const char *els_linux_page_state_name(enum els_linux_page_state s)
{
	switch (s) {
	case ELS_PAGE_PRESENT:
		return "present";
	case ELS_PAGE_NO_VMA:
		return "outside any VMA";
	case ELS_PAGE_ANON_NONE:
		return "anonymous, never touched";
	case ELS_PAGE_FILE_NONE:
		return "file-backed, not read in";
	case ELS_PAGE_SWAP:
		return "swapped out";
	case ELS_PAGE_NONSWAP:
		return "a non-swap entry (migration, device, hwpoison or marker)";
	}
	return "unknown";
}

void els_linux_page_describe(const struct els_linux_page *p, char *buf,
			     size_t size)
{
	const char *s = els_linux_page_state_name(p->state);
	switch (p->state) {
	case ELS_PAGE_FILE_NONE:
		snprintf(buf, size, "%s (%s at offset 0x%" PRIx64 ")", s,
			 p->path, p->file_offset);
		break;
	case ELS_PAGE_SWAP:
		snprintf(buf, size, "%s (swap area %u, page offset 0x%" PRIx64
			 ", PTE 0x%" PRIx64 ")", s, p->swap_type,
			 p->swap_offset, p->pte);
		break;
	case ELS_PAGE_NONSWAP:
		snprintf(buf, size, "%s (type %u, offset 0x%" PRIx64
			 ", PTE 0x%" PRIx64 ")", s, p->swap_type,
			 p->swap_offset, p->pte);
		break;
	case ELS_PAGE_ANON_NONE:
		snprintf(buf, size, "%s (%s empty at level %d)", s,
			 p->level == 3 ? "PTE" : "table entry", p->level);
		break;
	default:
		snprintf(buf, size, "%s", s);
	}
}

/* Why va (not mapped by the tables) is absent; *pa when it is present after all. */
static struct els_error *explain(struct els_linux_user *u,
				 const struct els_xlat_result *r, uint64_t va,
				 struct els_linux_page *p, bool *present,
				 uint64_t *pa)
{
	memset(p, 0, sizeof(*p));
	p->va = va & ~(PAGE - 1);
	*present = false;
	if (r->fault && strcmp(r->fault, "stage 1"))
		return els_error_addr(ELS_ERR_NOT_MAPPED, va,
				      "0x%" PRIx64 " of pid %d: the guest's memory is not mapped by %s",
				      va, u->task.pid, r->fault);
	const struct els_linux_vma *vma =
		els_linux_vma_find(u->vmas, u->nvmas, va);
	if (r->s1.nlevels) {
		const struct els_mmu_level *l = &r->s1.levels[r->s1.nlevels - 1];
		p->pte = l->desc;
		p->level = l->level;
	} else {
		p->level = -1;
	}
	if (!vma) {
		p->state = ELS_PAGE_NO_VMA;
		return NULL;
	}
	if (!p->pte) {
		if (vma->file) {
			struct els_linux_file f;
			struct els_error *err =
				els_linux_file_read(u->lx, vma->file, &f);
			if (err)
				return err;
			p->state = ELS_PAGE_FILE_NONE;
			p->file_offset = (vma->pgoff << 12) + (p->va - vma->start);
			snprintf(p->path, sizeof(p->path), "%s", f.path);
		} else {
			p->state = ELS_PAGE_ANON_NONE;
		}
		return NULL;
	}
	if ((p->pte & PTE_PROT_NONE) && !(p->pte & PTE_VALID) && p->level >= 1 &&
	    p->level <= 3) {
		/* pte_present(): the page is there, only inaccessible. */
		uint64_t size = 1ull << (12 + 9 * (3 - p->level));
		*pa = ((p->pte & OA_MASK) & ~(size - 1)) | (va & (size - 1));
		*present = true;
		return NULL;
	}
	unsigned type_shift = u->lx->version >= ELS_KERNEL_VERSION(6, 0, 0) ? 3 : 2;
	p->swap_type = (unsigned)((p->pte >> type_shift) &
				  ((1u << (SWP_OFFSET_SHIFT - type_shift)) - 1));
	p->swap_offset = (p->pte >> SWP_OFFSET_SHIFT) & SWP_OFFSET_MASK;
	/* Types past the swap areas in use are the kernel's special entries. */
	uint64_t a;
	uint32_t nr = 0;
	struct els_error *err = els_linux_sym(u->lx, "nr_swapfiles", &a);
	if (!err)
		err = els_linux_read_u32(u->lx, a, &nr);
	els_error_destroy(err);
	p->state = p->swap_type < nr ? ELS_PAGE_SWAP : ELS_PAGE_NONSWAP;
	return NULL;
}

struct els_error *els_linux_user_read(struct els_linux_user *u, uint64_t va,
				      void *buf, size_t len, size_t *done,
				      struct els_linux_page *why)
{
	uint8_t *out = buf;
	struct els_aspace phys = els_aspace_phys();
	*done = 0;
	while (*done < len) {
		uint64_t a = va + *done;
		if (a < va)
			return els_error_addr(ELS_ERR_INVALID, va,
					      "reading past the top of the address space");
		struct els_xlat_result r;
		struct els_error *err = els_xlat_va(&u->ctx, a, &r);
		if (err)
			return els_error_wrap(err, "pid %d", u->task.pid);
		uint64_t pa = r.pa;
		if (!r.mapped) {
			bool present;
			if ((err = explain(u, &r, a, why, &present, &pa)))
				return err;
			if (!present)
				return NULL;
		}
		size_t n = (size_t)(PAGE - (a & (PAGE - 1)));
		if (n > len - *done)
			n = len - *done;
		if ((err = els_target_read(u->ctx.t, &phys, pa, out + *done, n)))
			return els_error_wrap(err, "pid %d: 0x%" PRIx64
					      " (physical 0x%" PRIx64 ")",
					      u->task.pid, a, pa);
		*done += n;
	}
	return NULL;
}
