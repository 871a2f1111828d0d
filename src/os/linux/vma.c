/* SPDX-License-Identifier: MIT */
/* VMAs: the maple tree (6.1+) or the vm_next list, files and their paths. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/addrset.h"
#include "os/linux/vma.h"

/*
 * Maple tree facts (include/linux/maple_tree.h, lib/maple_tree.c of 6.1):
 * nodes are 256-byte aligned; an encoded node pointer ("enode") carries the
 * node type in bits 3-6 (bit 2 is a hint, bits 0-1 clear); ma_root is an
 * enode with bit 1 (MAPLE_ROOT_NODE) set, so an XArray internal entry above
 * 4096, or NULL, or the one entry of a tree holding only index 0. Leaf and range nodes have 16 slots and 15
 * pivots, arange nodes 10 slots, 9 pivots and gaps; pivot[i] is the last
 * index of slot i, the last used slot ending at the node's max. How many
 * slots are used is in the node's metadata (meta.end) unless the last
 * pivot is set (a full node).
 */
#define MAPLE_NODE_MASK 255ull
#define MAPLE_TYPE_SHIFT 3
#define MAPLE_TYPE_MASK 0xfull
#define MAPLE_HEIGHT_MAX 31
enum { MAPLE_DENSE, MAPLE_LEAF_64, MAPLE_RANGE_64, MAPLE_ARANGE_64 };

static bool xa_is_internal(uint64_t e)
{
	return (e & 3) == 2;
}

static bool xa_is_node(uint64_t e)
{
	return xa_is_internal(e) && e > 4096;
}

/* A span of one structure read at once, and members taken from it. */
struct span {
	uint64_t lo, hi;
};

static void widen(struct span *s, const struct els_type_member *m)
{
	if (m->offset < s->lo)
		s->lo = m->offset;
	if (m->offset + m->size > s->hi)
		s->hi = m->offset + m->size;
}

static struct els_error *members(struct els_linux *lx, const char *type,
				 const char *const *paths,
				 struct els_type_member *ms, size_t n,
				 struct span *s)
{
	s->lo = UINT64_MAX;
	s->hi = 0;
	for (size_t i = 0; i < n; i++) {
		struct els_error *err =
			els_linux_member(lx, type, paths[i], &ms[i]);
		if (err)
			return err;
		widen(s, &ms[i]);
	}
	if (s->hi - s->lo > 4096)
		return els_error_create(ELS_ERR_INVALID,
					"the fields of %s span %" PRIu64 " bytes",
					type, s->hi - s->lo);
	return NULL;
}

/* Read the span at addr and take the n members out of it into v. */
static struct els_error *read_span(struct els_linux *lx, uint64_t addr,
				   const struct span *s,
				   const struct els_type_member *ms, size_t n,
				   uint64_t *v, uint8_t *buf)
{
	size_t len = (size_t)(s->hi - s->lo);
	struct els_error *err = els_linux_read(lx, addr + s->lo, buf, len);
	for (size_t i = 0; !err && i < n; i++)
		err = els_linux_get(&ms[i], buf, len, s->lo, &v[i]);
	return err;
}

struct els_error *els_linux_mm_read(struct els_linux *lx, uint64_t mm,
				    struct els_linux_mm *ret)
{
	static const char *const paths[] = { "pgd", "start_brk", "brk",
					     "start_stack" };
	struct els_type_member ms[4];
	struct span s;
	uint64_t v[4];
	uint8_t buf[4096];
	struct els_error *err = members(lx, "mm_struct", paths, ms, 4, &s);
	if (!err)
		err = read_span(lx, mm, &s, ms, 4, v, buf);
	if (err)
		return els_error_wrap(err, "the mm_struct at 0x%" PRIx64, mm);
	ret->addr = mm;
	ret->pgd = v[0];
	ret->start_brk = v[1];
	ret->brk = v[2];
	ret->start_stack = v[3];
	return NULL;
}

/* ---- VMAs ---- */

enum { V_START, V_END, V_FLAGS, V_PGOFF, V_FILE, V_OPS, V_PRIV, V_NEXT,
       V_ANON, V_N };

struct walk {
	struct els_linux *lx;
	struct els_type_member vm[V_N];
	size_t nvm;            /* members used: V_NEXT and V_ANON optional */
	bool has_next, has_anon;
	struct span vspan;
	/* maple nodes */
	uint64_t node_size;
	struct els_type_member r_pivot, r_slot, r_end, a_pivot, a_slot, a_end;
	struct els_addrset seen;
	size_t nodes;
	struct els_linux_vma *vmas;
	size_t count, cap;
};

static struct els_error *vma_layout(struct els_linux *lx, struct walk *w,
				    bool list)
{
	static const char *const paths[] = { "vm_start", "vm_end", "vm_flags",
					     "vm_pgoff", "vm_file", "vm_ops",
					     "vm_private_data" };
	w->vspan.lo = UINT64_MAX;
	w->vspan.hi = 0;
	for (size_t i = 0; i < 7; i++) {
		struct els_error *err = els_linux_member(lx, "vm_area_struct",
							 paths[i], &w->vm[i]);
		if (err)
			return err;
		widen(&w->vspan, &w->vm[i]);
	}
	if (list) {
		struct els_error *err = els_linux_member(
			lx, "vm_area_struct", "vm_next", &w->vm[V_NEXT]);
		if (err)
			return err;
		widen(&w->vspan, &w->vm[V_NEXT]);
		w->has_next = true;
	}
	/* Only with CONFIG_ANON_VMA_NAME. */
	struct els_error *err = els_linux_member(lx, "vm_area_struct",
						 "anon_name", &w->vm[V_ANON]);
	if (err) {
		els_error_destroy(err);
	} else {
		widen(&w->vspan, &w->vm[V_ANON]);
		w->has_anon = true;
	}
	if (w->vspan.hi - w->vspan.lo > 4096)
		return els_error_create(ELS_ERR_INVALID,
					"vm_area_struct's fields span %" PRIu64
					" bytes", w->vspan.hi - w->vspan.lo);
	return NULL;
}

static struct els_error *read_vma(struct walk *w, uint64_t addr,
				  struct els_linux_vma *v, uint64_t *next)
{
	uint8_t buf[4096];
	size_t len = (size_t)(w->vspan.hi - w->vspan.lo);
	struct els_error *err = els_linux_read(w->lx, addr + w->vspan.lo, buf,
					       len);
	uint64_t x[V_N] = { 0 };
	for (size_t i = 0; !err && i < V_N; i++) {
		if ((i == V_NEXT && !w->has_next) ||
		    (i == V_ANON && !w->has_anon))
			continue;
		err = els_linux_get(&w->vm[i], buf, len, w->vspan.lo, &x[i]);
	}
	if (err)
		return els_error_wrap(err, "the vm_area_struct at 0x%" PRIx64,
				      addr);
	memset(v, 0, sizeof(*v));
	v->addr = addr;
	v->start = x[V_START];
	v->end = x[V_END];
	v->flags = x[V_FLAGS];
	v->pgoff = x[V_PGOFF];
	v->file = x[V_FILE];
	v->ops = x[V_OPS];
	v->private_data = x[V_PRIV];
	v->anon_name = x[V_ANON];
	if (next)
		*next = x[V_NEXT];
	if (v->start >= v->end || (v->start | v->end) & 4095)
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "the vm_area_struct at 0x%" PRIx64
				      " spans 0x%" PRIx64 "-0x%" PRIx64
				      ": not a range of pages",
				      addr, v->start, v->end);
	return NULL;
}

static struct els_error *add_vma(struct walk *w, const struct els_linux_vma *v)
{
	if (w->count >= ELS_LINUX_MAX_NODES)
		return els_error_create(ELS_ERR_INVALID,
					"more than %d VMAs: the map does not end",
					ELS_LINUX_MAX_NODES);
	if (w->count && v->start < w->vmas[w->count - 1].end)
		return els_error_addr(ELS_ERR_INVALID, v->addr,
				      "the VMA at 0x%" PRIx64 " (0x%" PRIx64
				      "-0x%" PRIx64 ") is not after the one before (ends 0x%" PRIx64 ")",
				      v->addr, v->start, v->end,
				      w->vmas[w->count - 1].end);
	if (w->count == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		void *p = realloc(w->vmas, cap * sizeof(*w->vmas));
		if (!p)
			return &els_enomem;
		w->vmas = p;
		w->cap = cap;
	}
	w->vmas[w->count++] = *v;
	return NULL;
}

static struct els_error *visit(struct walk *w, uint64_t addr, const char *what)
{
	bool again;
	if (++w->nodes > ELS_LINUX_MAX_NODES)
		return els_error_create(ELS_ERR_INVALID,
					"more than %d nodes: the %s does not end",
					ELS_LINUX_MAX_NODES, what);
	if (!els_addrset_add(&w->seen, addr, &again))
		return &els_enomem;
	if (again)
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "the %s loops: 0x%" PRIx64 " comes twice",
				      what, addr);
	return NULL;
}

static struct els_error *maple_node(struct walk *w, uint64_t enode,
				    uint64_t min, uint64_t max, int depth)
{
	uint64_t node = enode & ~MAPLE_NODE_MASK;
	unsigned type = (unsigned)((enode >> MAPLE_TYPE_SHIFT) & MAPLE_TYPE_MASK);
	struct els_error *err;
	if (depth > MAPLE_HEIGHT_MAX)
		return els_error_addr(ELS_ERR_INVALID, node,
				      "the maple tree is deeper than %d levels at node 0x%" PRIx64,
				      MAPLE_HEIGHT_MAX, node);
	if ((err = visit(w, node, "maple tree")))
		return err;
	const struct els_type_member *pv, *sl, *endm;
	if (type == MAPLE_LEAF_64 || type == MAPLE_RANGE_64) {
		pv = &w->r_pivot;
		sl = &w->r_slot;
		endm = &w->r_end;
	} else if (type == MAPLE_ARANGE_64) {
		pv = &w->a_pivot;
		sl = &w->a_slot;
		endm = &w->a_end;
	} else {
		return els_error_addr(ELS_ERR_INVALID, node,
				      "the maple node 0x%" PRIx64
				      " has type %u: not a leaf, range or arange node",
				      node, type);
	}
	uint8_t buf[512];
	size_t len = (size_t)w->node_size;
	if ((err = els_linux_read(w->lx, node, buf, len)))
		return els_error_wrap(err, "the maple node at 0x%" PRIx64, node);
	size_t npiv = (size_t)pv->count, nslots = (size_t)sl->count;
	uint64_t pivot[16], slot[16], end;
	for (size_t i = 0; i < npiv; i++)
		pivot[i] = els_le64(buf + pv->offset + 8 * i);
	for (size_t i = 0; i < nslots; i++)
		slot[i] = els_le64(buf + sl->offset + 8 * i);
	/* The last used slot (ma_data_end's rule). */
	if (type != MAPLE_ARANGE_64 && pivot[npiv - 1] == max)
		end = npiv - 1;
	else if (type != MAPLE_ARANGE_64 && pivot[npiv - 1])
		end = npiv;
	else if ((err = els_linux_get(endm, buf, len, 0, &end)))
		return els_error_wrap(err, "the maple node at 0x%" PRIx64, node);
	if (end >= nslots)
		return els_error_addr(ELS_ERR_INVALID, node,
				      "the maple node 0x%" PRIx64
				      " says its last slot is %" PRIu64 " of %zu",
				      node, end, nslots);
	uint64_t lo = min;
	for (size_t i = 0; i <= end; i++) {
		uint64_t hi = i < npiv && i < end ? pivot[i] : max;
		if (hi < lo || hi > max)
			return els_error_addr(ELS_ERR_INVALID, node,
					      "the maple node 0x%" PRIx64
					      " has pivot %zu 0x%" PRIx64
					      " outside 0x%" PRIx64 "-0x%" PRIx64,
					      node, i, hi, lo, max);
		uint64_t e = slot[i];
		if (type == MAPLE_LEAF_64) {
			/* NULL: a gap; internal entries are no VMAs. */
			if (e && !xa_is_internal(e)) {
				struct els_linux_vma v;
				if ((err = visit(w, e, "VMA tree")) ||
				    (err = read_vma(w, e, &v, NULL)))
					return err;
				if (v.start != lo || v.end - 1 != hi)
					return els_error_addr(
						ELS_ERR_INVALID, e,
						"the VMA at 0x%" PRIx64 " spans 0x%" PRIx64
						"-0x%" PRIx64 " but its maple slot 0x%" PRIx64
						"-0x%" PRIx64,
						e, v.start, v.end, lo, hi + 1);
				if ((err = add_vma(w, &v)))
					return err;
			}
		} else {
			if (!(e & ~MAPLE_NODE_MASK) || (e & 3))
				return els_error_addr(ELS_ERR_INVALID, node,
						      "the maple node 0x%" PRIx64
						      " has a child 0x%" PRIx64
						      " in slot %zu that is not a node",
						      node, e, i);
			if ((err = maple_node(w, e, lo, hi, depth + 1)))
				return err;
		}
		if (hi == UINT64_MAX)
			break;
		lo = hi + 1;
	}
	return NULL;
}

static struct els_error *maple_layout(struct els_linux *lx, struct walk *w)
{
	struct els_error *err;
	if ((err = els_linux_sizeof(lx, "maple_node", &w->node_size)) ||
	    (err = els_linux_member(lx, "maple_range_64", "pivot", &w->r_pivot)) ||
	    (err = els_linux_member(lx, "maple_range_64", "slot", &w->r_slot)) ||
	    (err = els_linux_member(lx, "maple_range_64", "meta.end", &w->r_end)) ||
	    (err = els_linux_member(lx, "maple_arange_64", "pivot", &w->a_pivot)) ||
	    (err = els_linux_member(lx, "maple_arange_64", "slot", &w->a_slot)) ||
	    (err = els_linux_member(lx, "maple_arange_64", "meta.end", &w->a_end)))
		return err;
	const struct els_type_member *arr[] = { &w->r_pivot, &w->r_slot,
						&w->a_pivot, &w->a_slot };
	for (size_t i = 0; i < 4; i++) {
		const struct els_type_member *m = arr[i];
		if (m->count < 2 || m->count > 16 || m->elem_size != 8 ||
		    m->offset + 8 * m->count > w->node_size)
			goto bad;
	}
	if (w->node_size > 512 || w->r_slot.count != w->r_pivot.count + 1 ||
	    w->a_slot.count != w->a_pivot.count + 1)
		goto bad;
	return NULL;
bad:
	return els_error_create(ELS_ERR_UNSUPPORTED,
				"the maple tree's node layout is not the known one (node %" PRIu64
				" bytes, range64 %" PRIu64 " pivots, arange64 %" PRIu64 " pivots)",
				w->node_size, w->r_pivot.count, w->a_pivot.count);
}

struct els_error *els_linux_vmas(struct els_linux *lx,
				 const struct els_linux_mm *mm,
				 struct els_linux_vma **ret, size_t *count)
{
	struct walk w = { .lx = lx };
	struct els_type_member root;
	/* 6.1 put the VMAs in a maple tree (mm_mt); before, a list (mmap). */
	struct els_error *err =
		els_linux_member(lx, "mm_struct", "mm_mt.ma_root", &root);
	bool list = false;
	if (err) {
		struct els_error *e2 =
			els_linux_member(lx, "mm_struct", "mmap", &root);
		if (e2) {
			els_error_destroy(e2);
			return els_error_wrap(err,
					      "mm_struct has neither mm_mt (6.1+) nor mmap");
		}
		els_error_destroy(err);
		list = true;
	}
	if ((err = vma_layout(lx, &w, list)) ||
	    (!list && (err = maple_layout(lx, &w))))
		return err;
	uint64_t first;
	if ((err = els_linux_read_u64(lx, mm->addr + root.offset, &first))) {
		err = els_error_wrap(err, "the VMAs of the mm_struct at 0x%" PRIx64,
				     mm->addr);
		goto out;
	}
	if (list) {
		for (uint64_t a = first; a && !err;) {
			struct els_linux_vma v;
			uint64_t next = 0;
			if (!(err = visit(&w, a, "VMA list")) &&
			    !(err = read_vma(&w, a, &v, &next)))
				err = add_vma(&w, &v);
			a = next;
		}
	} else if (xa_is_node(first)) {
		err = maple_node(&w, first, 0, UINT64_MAX, 0);
	} else if (first && !xa_is_internal(first)) {
		/* The only entry, at index 0: not a VMA an mm can have. */
		err = els_error_addr(ELS_ERR_INVALID, first,
				     "the maple tree of the mm_struct at 0x%" PRIx64
				     " holds one entry at address 0 (0x%" PRIx64 ")",
				     mm->addr, first);
	}
	if (err)
		err = els_error_wrap(err, "the VMAs of the mm_struct at 0x%" PRIx64,
				     mm->addr);
out:
	els_addrset_clear(&w.seen);
	if (err) {
		free(w.vmas);
		return err;
	}
	*ret = w.vmas;
	*count = w.count;
	return NULL;
}

const struct els_linux_vma *els_linux_vma_find(const struct els_linux_vma *vmas,
					       size_t count, uint64_t addr)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < vmas[mid].start)
			hi = mid;
		else if (addr >= vmas[mid].end)
			lo = mid + 1;
		else
			return &vmas[mid];
	}
	return NULL;
}

/* ---- files and paths ---- */

#define MAX_PATH_DEPTH 4096

/* The dentry fields d_path needs, read at once (the short name included). */
struct dentry_layout {
	struct els_type_member m[5]; /* d_parent, d_name.len, d_name.name, d_hash.pprev, d_iname */
	struct span s;
};

enum { D_PARENT, D_LEN, D_NAME, D_PPREV, D_INAME };

static struct els_error *read_dentry(struct els_linux *lx,
				     const struct dentry_layout *l,
				     uint64_t dentry, uint64_t *parent,
				     bool *hashed, char *name, size_t size)
{
	uint8_t buf[4096];
	uint64_t v[4];
	struct els_error *err = read_span(lx, dentry, &l->s, l->m, 4, v, buf);
	if (err)
		return els_error_wrap(err, "the dentry at 0x%" PRIx64, dentry);
	*parent = v[D_PARENT];
	*hashed = v[D_PPREV] != 0;
	uint64_t n = v[D_LEN], iname = dentry + l->m[D_INAME].offset;
	if (n >= size)
		return els_error_addr(ELS_ERR_INVALID, dentry,
				      "the dentry at 0x%" PRIx64
				      " has a name of %" PRIu64 " bytes",
				      dentry, n);
	if (v[D_NAME] == iname && n < l->m[D_INAME].size) {
		memcpy(name, buf + (l->m[D_INAME].offset - l->s.lo), (size_t)n);
	} else if ((err = els_linux_read(lx, v[D_NAME], name, (size_t)n))) {
		return els_error_wrap(err, "the name of the dentry at 0x%" PRIx64,
				      dentry);
	}
	name[n] = '\0';
	/* A root's name is "/"; any other with a NUL or '/' is corrupt. */
	if (*parent != dentry &&
	    (strlen(name) != n || memchr(name, '/', (size_t)n)))
		return els_error_addr(ELS_ERR_INVALID, dentry,
				      "the dentry at 0x%" PRIx64
				      " has a name with a NUL or '/' in it",
				      dentry);
	return NULL;
}

/* Prepend "/name" to the path being built backwards at buf[*pos...]. */
static bool prepend(char *buf, size_t *pos, const char *name)
{
	size_t n = strlen(name);
	if (n + 1 > *pos)
		return false;
	*pos -= n;
	memcpy(buf + *pos, name, n);
	buf[--*pos] = '/';
	return true;
}

/*
 * d_path's walk: up d_parent to the mount's root, then from the mount to
 * the dentry it is mounted on in its parent, until the namespace's root (a
 * mount that is its own parent). The reader's root is taken to be the
 * namespace's (no chroot).
 */
static struct els_error *file_path(struct els_linux *lx, uint64_t dentry,
				   uint64_t vfsmnt, char *out, size_t size)
{
	static const char *const dpaths[] = { "d_parent", "d_name.len",
					      "d_name.name", "d_hash.pprev",
					      "d_iname" };
	static const char *const mpaths[] = { "mnt_parent", "mnt_mountpoint" };
	struct dentry_layout dl;
	struct els_type_member mm[2];
	struct span ms;
	uint64_t mnt_off, root_off;
	struct els_error *err;
	if ((err = members(lx, "dentry", dpaths, dl.m, 5, &dl.s)) ||
	    (err = members(lx, "mount", mpaths, mm, 2, &ms)) ||
	    (err = els_linux_offset(lx, "mount", "mnt", &mnt_off)) ||
	    (err = els_linux_offset(lx, "vfsmount", "mnt_root", &root_off)))
		return err;
	char *buf = malloc(4096);
	if (!buf)
		return &els_enomem;
	size_t pos = 4095;
	buf[pos] = '\0';
	struct els_addrset seen = { 0 };
	bool first = true, unlinked = false;
	uint64_t mnt_root;
	uint8_t sbuf[4096];
	if ((err = els_linux_read_u64(lx, vfsmnt + root_off, &mnt_root)))
		goto out;
	for (int depth = 0;; depth++) {
		bool again;
		if (depth > MAX_PATH_DEPTH) {
			err = els_error_create(ELS_ERR_INVALID,
					       "a path deeper than %d names",
					       MAX_PATH_DEPTH);
			goto out;
		}
		if (!els_addrset_add(&seen, dentry ^ vfsmnt, &again)) {
			err = &els_enomem;
			goto out;
		}
		if (again) {
			err = els_error_addr(ELS_ERR_INVALID, dentry,
					     "the path loops at the dentry 0x%" PRIx64,
					     dentry);
			goto out;
		}
		uint64_t parent = 0;
		bool hashed = false;
		char name[256];
		if ((err = read_dentry(lx, &dl, dentry, &parent, &hashed, name,
				       sizeof(name))))
			goto out;
		if (first) {
			/* d_unlinked: unhashed and not a root. */
			unlinked = !hashed && parent != dentry;
			first = false;
		}
		if (dentry == mnt_root || parent == dentry) {
			uint64_t mount = vfsmnt - mnt_off, v[2];
			if ((err = read_span(lx, mount, &ms, mm, 2, v, sbuf))) {
				err = els_error_wrap(err, "the mount at 0x%" PRIx64,
						     mount);
				goto out;
			}
			if (v[0] == mount || !v[0])
				break; /* the namespace's root */
			dentry = v[1];
			vfsmnt = v[0] + mnt_off;
			if ((err = els_linux_read_u64(lx, vfsmnt + root_off,
						      &mnt_root)))
				goto out;
			continue;
		}
		if (!prepend(buf, &pos, name)) {
			err = els_error_create(ELS_ERR_INVALID,
					       "a path longer than 4095 bytes");
			goto out;
		}
		dentry = parent;
	}
	if (pos == 4095)
		buf[--pos] = '/';
	snprintf(out, size, "%s%s", buf + pos, unlinked ? " (deleted)" : "");
out:
	els_addrset_clear(&seen);
	free(buf);
	return err;
}

struct els_error *els_linux_file_read(struct els_linux *lx, uint64_t file,
				      struct els_linux_file *ret)
{
	static const char *const fpaths[] = { "f_path.mnt", "f_path.dentry",
					      "f_inode" };
	static const char *const ipaths[] = { "i_ino", "i_sb" };
	struct els_type_member fm[3], im[2], dev;
	struct span fs, is;
	uint64_t f[3], in[2], d;
	uint8_t buf[4096];
	struct els_error *err;
	if ((err = members(lx, "file", fpaths, fm, 3, &fs)) ||
	    (err = members(lx, "inode", ipaths, im, 2, &is)) ||
	    (err = els_linux_member(lx, "super_block", "s_dev", &dev)))
		return err;
	if ((err = read_span(lx, file, &fs, fm, 3, f, buf)))
		return els_error_wrap(err, "the file at 0x%" PRIx64, file);
	if ((err = read_span(lx, f[2], &is, im, 2, in, buf)))
		return els_error_wrap(err, "the inode at 0x%" PRIx64
				      " (of the file at 0x%" PRIx64 ")",
				      f[2], file);
	struct span ds = { dev.offset, dev.offset + dev.size };
	if ((err = read_span(lx, in[1], &ds, &dev, 1, &d, buf)))
		return els_error_wrap(err, "the super_block at 0x%" PRIx64, in[1]);
	ret->dev = (uint32_t)d;
	ret->ino = in[0];
	if ((err = file_path(lx, f[1], f[0], ret->path, sizeof(ret->path))))
		return els_error_wrap(err, "the path of the file at 0x%" PRIx64,
				      file);
	return NULL;
}

/* seq_file_path's escaping: a newline in a name comes out as \012. */
static void escape_newlines(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in && o + 5 < size; in++) {
		if (*in == '\n') {
			memcpy(out + o, "\\012", 4);
			o += 4;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static struct els_error *special_name(struct els_linux *lx,
				      const struct els_linux_vma *vma,
				      char *buf, size_t size, bool *named)
{
	uint64_t ops, name_off, name;
	*named = false;
	struct els_error *err = els_linux_sym(lx, "special_mapping_vmops", &ops);
	if (err) {
		els_error_destroy(err);
		return NULL;
	}
	if (vma->ops != ops || !vma->private_data)
		return NULL;
	if ((err = els_linux_offset(lx, "vm_special_mapping", "name",
				    &name_off)) ||
	    (err = els_linux_read_u64(lx, vma->private_data + name_off, &name)) ||
	    (name && (err = els_linux_read_str(lx, name, buf, size))))
		return els_error_wrap(err, "the special mapping of the VMA at 0x%" PRIx64,
				      vma->addr);
	*named = name != 0;
	return NULL;
}

struct els_error *els_linux_vma_name(struct els_linux *lx,
				     const struct els_linux_mm *mm,
				     const struct els_linux_vma *vma,
				     struct els_linux_file *file, char *buf,
				     size_t size)
{
	struct els_error *err;
	buf[0] = '\0';
	if (vma->file) {
		struct els_linux_file local, *f = file ? file : &local;
		if ((err = els_linux_file_read(lx, vma->file, f)))
			return err;
		escape_newlines(f->path, buf, size);
		return NULL;
	}
	/* show_map_vma's order: vm_ops->name, then heap, stack, anon name. */
	bool named;
	if ((err = special_name(lx, vma, buf, size, &named)) || named)
		return err;
	if (vma->start <= mm->brk && vma->end >= mm->start_brk) {
		snprintf(buf, size, "[heap]");
	} else if (vma->start <= mm->start_stack &&
		   vma->end >= mm->start_stack) {
		snprintf(buf, size, "[stack]");
	} else if (vma->anon_name) {
		uint64_t off;
		char name[256];
		if ((err = els_linux_offset(lx, "anon_vma_name", "name", &off)) ||
		    (err = els_linux_read_str(lx, vma->anon_name + off, name,
					      sizeof(name))))
			return els_error_wrap(err, "the anon_vma_name of the VMA at 0x%" PRIx64,
					      vma->addr);
		snprintf(buf, size, "[anon:%s]", name);
	}
	return NULL;
}

void els_linux_vma_format(const struct els_linux_vma *vma,
			  const struct els_linux_file *file, const char *name,
			  char *buf, size_t size)
{
	uint64_t off = vma->file ? vma->pgoff << 12 : 0;
	uint32_t dev = vma->file && file ? file->dev : 0;
	uint64_t ino = vma->file && file ? file->ino : 0;
	int n = snprintf(buf, size,
			 "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
			 " %02x:%02x %" PRIu64 " ",
			 vma->start, vma->end,
			 vma->flags & ELS_VM_READ ? 'r' : '-',
			 vma->flags & ELS_VM_WRITE ? 'w' : '-',
			 vma->flags & ELS_VM_EXEC ? 'x' : '-',
			 vma->flags & ELS_VM_MAYSHARE ? 's' : 'p', off,
			 dev >> 20, dev & 0xfffff, ino);
	if (n < 0 || (size_t)n >= size || !name || !*name)
		return;
	/* seq_pad: spaces up to the header's width (25 + 6 * 8 - 1), then one. */
	int width = 25 + 6 * 8 - 1;
	snprintf(buf + n, size - (size_t)n, "%*s %s", n < width ? width - n : 0,
		 "", name);
}

struct els_error *els_linux_process_vmas(struct els_linux *lx, int32_t pid,
					 struct els_linux_task *task,
					 struct els_linux_mm *mm,
					 struct els_linux_vma **vmas,
					 size_t *count)
{
	struct els_error *err = els_linux_task_by_pid(lx, pid, task);
	if (err)
		return err;
	if (!task->mm)
		return els_error_create(ELS_ERR_INVALID,
					"pid %d (%s) is a kernel thread: it has no memory map",
					task->pid, task->comm);
	if ((err = els_linux_mm_read(lx, task->mm, mm)) ||
	    (err = els_linux_vmas(lx, mm, vmas, count)))
		return els_error_wrap(err, "pid %d (%s)", task->pid, task->comm);
	return NULL;
}
