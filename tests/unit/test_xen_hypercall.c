/* SPDX-License-Identifier: MIT */
/*
 * Xen hypercall names against Xen's public headers (xen.h __HYPERVISOR_*,
 * sched.h SCHEDOP_*, event_channel.h EVTCHNOP_*, memory.h XENMEM_*, ...),
 * and the one-line formatter, truncation included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "hv/xen/hypercall.h"

static void test_numbers(void **state)
{
	static const struct {
		unsigned nr;
		const char *name;
	} want[] = {
		{ 0, "set_trap_table" }, { 1, "mmu_update" },
		{ 6, "sched_op_compat" }, { 7, "platform_op" },
		{ 12, "memory_op" }, { 13, "multicall" },
		{ 15, "set_timer_op" }, { 17, "xen_version" },
		{ 18, "console_io" }, { 20, "grant_table_op" },
		{ 21, "vm_assist" }, { 23, "iret" }, { 24, "vcpu_op" },
		{ 27, "xsm_op" }, { 28, "nmi_op" }, { 29, "sched_op" },
		{ 30, "callback_op" }, { 31, "xenoprof_op" },
		{ 32, "event_channel_op" }, { 33, "physdev_op" },
		{ 34, "hvm_op" }, { 35, "sysctl" }, { 36, "domctl" },
		{ 37, "kexec_op" }, { 38, "tmem_op" }, { 39, "argo_op" },
		{ 40, "xenpmu_op" }, { 41, "dm_op" }, { 42, "hypfs_op" },
		{ 48, "arch_0" }, { 55, "arch_7" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct els_xen_hypercall *h =
			els_xen_hypercall_lookup(want[i].nr);

		assert_non_null(h);
		assert_int_equal(h->nr, want[i].nr);
		assert_string_equal(h->name, want[i].name);
		assert_true(h->nargs <= 5);
	}
	/* Holes and out of range. */
	assert_null(els_xen_hypercall_lookup(11));
	assert_null(els_xen_hypercall_lookup(43));
	assert_null(els_xen_hypercall_lookup(47));
	assert_null(els_xen_hypercall_lookup(56));
	assert_null(els_xen_hypercall_lookup(UINT64_MAX));
	assert_null(els_xen_hypercall_lookup(UINT64_C(1) << 32 | 18));

	const struct els_xen_hypercall *h = els_xen_hypercall_lookup(18);
	assert_int_equal(h->nargs, 3);
	assert_string_equal(h->arg_names[0], "cmd");
	assert_string_equal(h->arg_names[1], "count");
	assert_string_equal(h->arg_names[2], "buffer");
	h = els_xen_hypercall_lookup(29);
	assert_int_equal(h->nargs, 2);
	assert_string_equal(h->arg_names[1], "arg");
	h = els_xen_hypercall_lookup(24);
	assert_string_equal(h->arg_names[1], "vcpuid");

	/* Every named argument has a name up to nargs. */
	for (unsigned nr = 0; nr < 64; nr++) {
		h = els_xen_hypercall_lookup(nr);
		if (!h || !h->arg_names[0])
			continue;
		for (unsigned i = 0; i < h->nargs; i++)
			assert_non_null(h->arg_names[i]);
	}
	assert_int_equal(ELS_XEN_HYPERCALL_TAG, 0xea1);
}

static void test_subops(void **state)
{
	assert_string_equal(els_xen_hypercall_subop(18, 0), "CONSOLEIO_write");
	assert_string_equal(els_xen_hypercall_subop(18, 1), "CONSOLEIO_read");
	assert_null(els_xen_hypercall_subop(18, 2));

	assert_string_equal(els_xen_hypercall_subop(29, 0), "SCHEDOP_yield");
	assert_string_equal(els_xen_hypercall_subop(29, 2), "SCHEDOP_shutdown");
	assert_string_equal(els_xen_hypercall_subop(29, 7),
			    "SCHEDOP_pin_override");
	assert_null(els_xen_hypercall_subop(29, 8));

	assert_string_equal(els_xen_hypercall_subop(32, 0),
			    "EVTCHNOP_bind_interdomain");
	assert_string_equal(els_xen_hypercall_subop(32, 4), "EVTCHNOP_send");
	assert_string_equal(els_xen_hypercall_subop(32, 6),
			    "EVTCHNOP_alloc_unbound");
	assert_string_equal(els_xen_hypercall_subop(32, 13),
			    "EVTCHNOP_set_priority");

	assert_string_equal(els_xen_hypercall_subop(12, 6),
			    "XENMEM_populate_physmap");
	/* A continuation: start_extent 5 above MEMOP_EXTENT_SHIFT (6). */
	assert_string_equal(els_xen_hypercall_subop(12, 5 << 6 | 1),
			    "XENMEM_decrease_reservation");
	assert_string_equal(els_xen_hypercall_subop(12, 28),
			    "XENMEM_acquire_resource");
	assert_null(els_xen_hypercall_subop(12, 8)); /* never assigned */

	assert_string_equal(els_xen_hypercall_subop(24, 1), "VCPUOP_up");
	assert_string_equal(els_xen_hypercall_subop(24, 10),
			    "VCPUOP_register_vcpu_info");
	assert_string_equal(els_xen_hypercall_subop(34, 0), "HVMOP_set_param");
	assert_string_equal(els_xen_hypercall_subop(34, 1), "HVMOP_get_param");
	assert_null(els_xen_hypercall_subop(34, 7));
	assert_string_equal(els_xen_hypercall_subop(20, 0),
			    "GNTTABOP_map_grant_ref");
	assert_string_equal(els_xen_hypercall_subop(20, 5), "GNTTABOP_copy");
	assert_string_equal(els_xen_hypercall_subop(17, 0), "XENVER_version");
	assert_string_equal(els_xen_hypercall_subop(17, 10), "XENVER_build_id");
	assert_string_equal(els_xen_hypercall_subop(33, 12), "PHYSDEVOP_eoi");
	assert_string_equal(els_xen_hypercall_subop(33, 25),
			    "PHYSDEVOP_pci_device_add");
	assert_null(els_xen_hypercall_subop(33, 0));
	assert_string_equal(els_xen_hypercall_subop(42, 1), "XEN_HYPFS_OP_read");

	/* Not multiplexed by a register, or unknown numbers. */
	assert_null(els_xen_hypercall_subop(35, 0));
	assert_null(els_xen_hypercall_subop(36, 0));
	assert_null(els_xen_hypercall_subop(99, 0));
	assert_null(els_xen_hypercall_subop(UINT64_MAX, 0));
	assert_null(els_xen_hypercall_subop(29, UINT64_MAX));
}

static const char *fmt(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		       uint64_t a3, uint64_t a4)
{
	static char buf[256];
	const uint64_t args[5] = { a0, a1, a2, a3, a4 };
	size_t n = els_xen_hypercall_format(nr, args, buf, sizeof(buf));

	assert_true(n < sizeof(buf));
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void test_format(void **state)
{
	assert_string_equal(fmt(18, 0, 12, 0xffff800008e3f000, 7, 7),
		"console_io(CONSOLEIO_write, count=12, buffer=0xffff800008e3f000)");
	assert_string_equal(fmt(29, 1, 0, 0, 0, 0),
			    "sched_op(SCHEDOP_block, arg=0x0)");
	assert_string_equal(fmt(29, 99, 0x10, 0, 0, 0),
			    "sched_op(cmd=99, arg=0x10)");
	assert_string_equal(fmt(32, 4, 0xffff00000abc0000, 0, 0, 0),
		"event_channel_op(EVTCHNOP_send, arg=0xffff00000abc0000)");
	assert_string_equal(fmt(12, 6 | 3 << 6, 0x1000, 0, 0, 0),
		"memory_op(XENMEM_populate_physmap, start_extent=3, arg=0x1000)");
	assert_string_equal(fmt(24, 1, 2, 0, 0, 0),
			    "vcpu_op(VCPUOP_up, vcpuid=2, arg=0x0)");
	assert_string_equal(fmt(41, 1, 2, 0x3000, 0, 0),
			    "dm_op(domid=1, nr_bufs=2, bufs=0x3000)");
	assert_string_equal(fmt(36, 0x4000, 1, 2, 3, 4),
			    "domctl(u_domctl=0x4000)");
	assert_string_equal(fmt(23, 1, 2, 3, 4, 5), "iret()");
	assert_string_equal(fmt(99, 1, 2, 3, 4, 0xffffffffffffffff),
		"hypercall 99(0x1, 0x2, 0x3, 0x4, 0xffffffffffffffff)");
	assert_string_equal(fmt(48, 1, 2, 3, 4, 5),
			    "arch_0(0x1, 0x2, 0x3, 0x4, 0x5)");
}

static void test_format_truncation(void **state)
{
	const uint64_t args[5] = { 0, 12, 0xffff800008e3f000, 0, 0 };
	const uint64_t nrs[] = { 18, 12, 99, 23, 48, UINT64_MAX };

	for (size_t k = 0; k < sizeof(nrs) / sizeof(nrs[0]); k++) {
		char full[256], small[128];
		size_t n = els_xen_hypercall_format(nrs[k], args, full,
						    sizeof(full));

		assert_true(n > 0 && n < sizeof(full) && n + 2 < sizeof(small));
		assert_int_equal(els_xen_hypercall_format(nrs[k], args, NULL, 0),
				 n);
		for (size_t size = 1; size <= n + 1; size++) {
			memset(small, 0x5a, sizeof(small));
			assert_int_equal(els_xen_hypercall_format(nrs[k], args,
								  small, size),
					 n);
			assert_int_equal(strlen(small),
					 n < size ? n : size - 1);
			assert_memory_equal(small, full, strlen(small));
			for (size_t i = size; i < sizeof(small); i++)
				assert_int_equal((unsigned char)small[i], 0x5a);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_subops),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
