/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the input is an ELF core. Open it from memory, read
 * every register of every CPU, read memory at addresses taken from the input
 * itself (where the seeds keep their PT_LOAD p_paddr and p_filesz, so reads
 * land in, across and past segments), look up VMCOREINFO keys, close.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "target/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Program headers start at 64 in every seed; p_paddr at 24, p_filesz at 32. */
#define PHDR_OFF 64
#define PHDR_SIZE 56
#define MAX_READ (64 * 1024)

static void read_range(struct els_target *t, uint64_t addr, uint64_t len)
{
	static uint8_t buf[MAX_READ];
	struct els_aspace as = els_aspace_phys();
	if (len == 0 || len > MAX_READ)
		len = len % MAX_READ + 1;
	els_error_destroy(els_target_read(t, &as, addr, buf, (size_t)len));
	/* Straight to the driver too: it must check by itself. */
	els_error_destroy(t->ops->read_mem(t, &as, addr, buf, (size_t)len));
}

static void emit(const char *key, const char *value, void *arg)
{
	*(size_t *)arg += strlen(key) + strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct els_target *t = NULL;
	struct els_error *err = els_elfcore_open_mem(data, size, &t);
	if (err) {
		els_error_destroy(err);
		return 0;
	}
	for (size_t cpu = 0; cpu < t->cpus.len; cpu++) {
		for (size_t i = 0; i < t->regs.len; i++) {
			uint8_t buf[64];
			if (t->regs.data[i].bitsize > 8 * sizeof(buf))
				abort();
			els_error_destroy(els_target_read_reg(
				t, (int)cpu, &t->regs.data[i], buf));
		}
	}
	uint64_t v;
	els_error_destroy(els_target_read_reg_u64(t, 0, "pc", &v));

	for (size_t k = 0; k < 4; k++) {
		size_t off = PHDR_OFF + PHDR_SIZE * k + 24;
		if (size < 16 || off > size - 16)
			break;
		uint64_t paddr = els_le64(data + off);
		uint64_t filesz = els_le64(data + off + 8);
		read_range(t, paddr, filesz);
		read_range(t, paddr + filesz - 8, 16);  /* across the end */
		read_range(t, paddr - 1, 2);            /* across the start */
	}
	/* And one range named by the last 12 bytes. */
	if (size >= 12)
		read_range(t, els_le64(data + size - 12),
			   els_le32(data + size - 4));

	uint8_t b[8];
	struct els_aspace virt = els_aspace_cpu_virt(0);
	els_error_destroy(els_target_read(t, &virt, 0, b, sizeof(b)));

	static const char *const keys[] = { "OSRELEASE", "PAGESIZE",
					    "KERNELOFFSET", "", "A" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *val = els_elfcore_vmcoreinfo(t, keys[i]);
		if (val && strlen(val) > 64 * 1024)
			abort();
	}
	size_t described = 0;
	t->ops->describe(t, emit, &described);
	els_error_destroy(els_target_close(t));
	return 0;
}
