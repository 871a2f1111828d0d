/* SPDX-License-Identifier: MIT */
#include "target/physmap.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

const struct els_physmap_range *els_physmap_find(const struct els_physmap *m,
						 uint64_t addr)
{
	/* The last range with paddr <= addr, if it reaches addr. */
	size_t lo = 0, hi = m->ranges.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ranges.data[mid].paddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct els_physmap_range *r = &m->ranges.data[lo - 1];
	return addr - r->paddr < r->size ? r : NULL;
}

struct els_error *els_pread_all(int fd, void *buf, size_t n, uint64_t offset,
				const char *name)
{
	uint8_t *out = buf;
	while (n) {
		ssize_t got = pread(fd, out, n, (off_t)offset);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return els_error_errno(errno, "%s: reading at offset 0x%llx",
					       name, (unsigned long long)offset);
		if (got == 0)
			return els_error_create(ELS_ERR_IO,
						"%s ends at offset 0x%llx: it shrank after it was opened",
						name, (unsigned long long)offset);
		out += got;
		n -= (size_t)got;
		offset += (uint64_t)got;
	}
	return NULL;
}

struct els_error *els_physmap_read(const struct els_physmap *m, uint64_t addr,
				   void *buf, size_t len)
{
	if (len && addr > UINT64_MAX - (len - 1))
		return els_error_addr(ELS_ERR_INVALID, addr,
				      "reading %zu bytes at 0x%llx: wraps past the end of the address space",
				      len, (unsigned long long)addr);
	uint8_t *out = buf;
	while (len) {
		const struct els_physmap_range *r = els_physmap_find(m, addr);
		if (!r)
			return els_error_addr(ELS_ERR_NOT_MAPPED, addr,
					      "physical address 0x%llx is not in %s",
					      (unsigned long long)addr,
					      m->where);
		uint64_t skip = addr - r->paddr;
		uint64_t avail = r->size - skip;
		size_t n = len < avail ? len : (size_t)avail;
		if (r->mem) {
			memcpy(out, r->mem + r->offset + skip, n);
		} else {
			struct els_error *err = els_pread_all(
				r->fd, out, n, r->offset + skip, r->name);
			if (err)
				return err;
		}
		out += n;
		len -= n;
		addr += n; /* no wrap: checked above */
	}
	return NULL;
}

void els_physmap_deinit(struct els_physmap *m)
{
	els_physmap_range_vec_deinit(&m->ranges);
}
