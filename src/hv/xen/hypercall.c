// SPDX-License-Identifier: MIT
/*
 * Xen hypercall names. Numbers checked against Xen's public headers
 * (xen/include/public/, xen.git at c447b7308b13); argument names from
 * xen/include/hypercall-defs.c (xenoprof_op from before its removal).
 */
#include "core/strbuf.h"
#include "hv/xen/hypercall.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define H ELS_XEN_ARG_HEX
#define N ELS_XEN_ARG_NUM
#define C ELS_XEN_ARG_CMD

#define CALL(n, nm, na, ...) \
	[n] = { .nr = n, .name = nm, .nargs = na, __VA_ARGS__ }
#define A(...) .arg_names = { __VA_ARGS__ }
#define K(...) .arg_kinds = { __VA_ARGS__ }

/* public/xen.h, __HYPERVISOR_*. */
static const struct els_xen_hypercall calls[] = {
	CALL(0, "set_trap_table", 1, A("traps"), K(H)),
	CALL(1, "mmu_update", 4, A("ureqs", "count", "pdone", "foreigndom"),
	     K(H, N, H, N)),
	CALL(2, "set_gdt", 2, A("frame_list", "entries"), K(H, N)),
	CALL(3, "stack_switch", 2, A("ss", "esp"), K(H, H)),
	CALL(4, "set_callbacks", 3,
	     A("event_address", "failsafe_address", "syscall_address"),
	     K(H, H, H)),
	CALL(5, "fpu_taskswitch", 1, A("set"), K(N)),
	CALL(6, "sched_op_compat", 2, A("cmd", "arg"), K(C, H)),
	CALL(7, "platform_op", 1, A("op"), K(H)),
	CALL(8, "set_debugreg", 2, A("reg", "value"), K(N, H)),
	CALL(9, "get_debugreg", 1, A("reg"), K(N)),
	CALL(10, "update_descriptor", 2, A("gaddr", "desc"), K(H, H)),
	CALL(12, "memory_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(13, "multicall", 2, A("call_list", "nr_calls"), K(H, N)),
	CALL(14, "update_va_mapping", 3, A("va", "val64", "flags"),
	     K(H, H, H)),
	CALL(15, "set_timer_op", 1, A("timeout"), K(N)),
	CALL(16, "event_channel_op_compat", 1, A("uop"), K(H)),
	CALL(17, "xen_version", 2, A("cmd", "arg"), K(C, H)),
	CALL(18, "console_io", 3, A("cmd", "count", "buffer"), K(C, N, H)),
	CALL(19, "physdev_op_compat", 1, A("uop"), K(H)),
	CALL(20, "grant_table_op", 3, A("cmd", "uop", "count"), K(C, H, N)),
	CALL(21, "vm_assist", 2, A("cmd", "type"), K(C, N)),
	CALL(22, "update_va_mapping_otherdomain", 4,
	     A("va", "val64", "flags", "domid"), K(H, H, H, N)),
	CALL(23, "iret", 0, A(NULL), K(H)),
	CALL(24, "vcpu_op", 3, A("cmd", "vcpuid", "arg"), K(C, N, H)),
	CALL(25, "set_segment_base", 2, A("which", "base"), K(N, H)),
	CALL(26, "mmuext_op", 4, A("uops", "count", "pdone", "foreigndom"),
	     K(H, N, H, N)),
	CALL(27, "xsm_op", 1, A("op"), K(H)),
	CALL(28, "nmi_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(29, "sched_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(30, "callback_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(31, "xenoprof_op", 2, A("op", "arg"), K(N, H)),
	CALL(32, "event_channel_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(33, "physdev_op", 2, A("cmd", "arg"), K(C, H)),
	CALL(34, "hvm_op", 2, A("op", "arg"), K(C, H)),
	CALL(35, "sysctl", 1, A("u_sysctl"), K(H)),
	CALL(36, "domctl", 1, A("u_domctl"), K(H)),
	CALL(37, "kexec_op", 2, A("op", "uarg"), K(N, H)),
	CALL(38, "tmem_op", 1, A("uops"), K(H)),
	CALL(39, "argo_op", 5, A("cmd", "arg1", "arg2", "arg3", "arg4"),
	     K(C, H, H, N, N)),
	CALL(40, "xenpmu_op", 2, A("op", "arg"), K(N, H)),
	CALL(41, "dm_op", 3, A("domid", "nr_bufs", "bufs"), K(N, N, H)),
	CALL(42, "hypfs_op", 5, A("cmd", "arg1", "arg2", "arg3", "arg4"),
	     K(C, H, N, H, N)),
	/* Architecture-specific: on x86 arch_0 is mca, arch_1 paging_domctl_cont. */
	CALL(48, "arch_0", 5, A(NULL), K(H)),
	CALL(49, "arch_1", 5, A(NULL), K(H)),
	CALL(50, "arch_2", 5, A(NULL), K(H)),
	CALL(51, "arch_3", 5, A(NULL), K(H)),
	CALL(52, "arch_4", 5, A(NULL), K(H)),
	CALL(53, "arch_5", 5, A(NULL), K(H)),
	CALL(54, "arch_6", 5, A(NULL), K(H)),
	CALL(55, "arch_7", 5, A(NULL), K(H)),
};

#define NCALLS (sizeof(calls) / sizeof(calls[0]))

const struct els_xen_hypercall *els_xen_hypercall_lookup(uint64_t nr)
{
	if (nr >= NCALLS || !calls[nr].name)
		return NULL;
	return &calls[nr];
}

/* Sub-command names, indexed by value; NULL holes are unknown values. */
static const char *const consoleio[] = {
	"CONSOLEIO_write", "CONSOLEIO_read",
};
static const char *const schedop[] = {
	"SCHEDOP_yield", "SCHEDOP_block", "SCHEDOP_shutdown", "SCHEDOP_poll",
	"SCHEDOP_remote_shutdown", "SCHEDOP_shutdown_code",
	"SCHEDOP_watchdog", "SCHEDOP_pin_override",
};
static const char *const evtchnop[] = {
	"EVTCHNOP_bind_interdomain", "EVTCHNOP_bind_virq",
	"EVTCHNOP_bind_pirq", "EVTCHNOP_close", "EVTCHNOP_send",
	"EVTCHNOP_status", "EVTCHNOP_alloc_unbound", "EVTCHNOP_bind_ipi",
	"EVTCHNOP_bind_vcpu", "EVTCHNOP_unmask", "EVTCHNOP_reset",
	"EVTCHNOP_init_control", "EVTCHNOP_expand_array",
	"EVTCHNOP_set_priority", "EVTCHNOP_reset_cont",
};
static const char *const xenmem[] = {
	[0] = "XENMEM_increase_reservation",
	[1] = "XENMEM_decrease_reservation",
	[2] = "XENMEM_maximum_ram_page",
	[3] = "XENMEM_current_reservation",
	[4] = "XENMEM_maximum_reservation",
	[5] = "XENMEM_machphys_mfn_list",
	[6] = "XENMEM_populate_physmap",
	[7] = "XENMEM_add_to_physmap",
	[9] = "XENMEM_memory_map",
	[10] = "XENMEM_machine_memory_map",
	[11] = "XENMEM_exchange",
	[12] = "XENMEM_machphys_mapping",
	[13] = "XENMEM_set_memory_map",
	[14] = "XENMEM_maximum_gpfn",
	[15] = "XENMEM_remove_from_physmap",
	[16] = "XENMEM_set_pod_target",
	[17] = "XENMEM_get_pod_target",
	[18] = "XENMEM_get_sharing_freed_pages",
	[19] = "XENMEM_get_sharing_shared_pages",
	[20] = "XENMEM_paging_op",
	[21] = "XENMEM_access_op",
	[22] = "XENMEM_sharing_op",
	[23] = "XENMEM_add_to_physmap_batch",
	[24] = "XENMEM_claim_pages",
	[25] = "XENMEM_machphys_compat_mfn_list",
	[26] = "XENMEM_get_vnumainfo",
	[27] = "XENMEM_reserved_device_memory_map",
	[28] = "XENMEM_acquire_resource",
};
static const char *const vcpuop[] = {
	"VCPUOP_initialise", "VCPUOP_up", "VCPUOP_down", "VCPUOP_is_up",
	"VCPUOP_get_runstate_info", "VCPUOP_register_runstate_memory_area",
	"VCPUOP_set_periodic_timer", "VCPUOP_stop_periodic_timer",
	"VCPUOP_set_singleshot_timer", "VCPUOP_stop_singleshot_timer",
	"VCPUOP_register_vcpu_info", "VCPUOP_send_nmi", "VCPUOP_get_physid",
	"VCPUOP_register_vcpu_time_memory_area",
	"VCPUOP_register_runstate_phys_area",
	"VCPUOP_register_vcpu_time_phys_area",
};
static const char *const hvmop[] = {
	[0] = "HVMOP_set_param",
	[1] = "HVMOP_get_param",
	[2] = "HVMOP_set_pci_intx_level",
	[3] = "HVMOP_set_isa_irq_level",
	[4] = "HVMOP_set_pci_link_route",
	[5] = "HVMOP_flush_tlbs",
	[9] = "HVMOP_pagetable_dying",
	[10] = "HVMOP_get_time",
	[11] = "HVMOP_xentrace",
	[12] = "HVMOP_set_mem_access",
	[13] = "HVMOP_get_mem_access",
	[15] = "HVMOP_get_mem_type",
	[23] = "HVMOP_set_evtchn_upcall_vector",
	[24] = "HVMOP_guest_request_vm_event",
	[25] = "HVMOP_altp2m",
};
static const char *const gnttabop[] = {
	"GNTTABOP_map_grant_ref", "GNTTABOP_unmap_grant_ref",
	"GNTTABOP_setup_table", "GNTTABOP_dump_table", "GNTTABOP_transfer",
	"GNTTABOP_copy", "GNTTABOP_query_size", "GNTTABOP_unmap_and_replace",
	"GNTTABOP_set_version", "GNTTABOP_get_status_frames",
	"GNTTABOP_get_version", "GNTTABOP_swap_grant_ref",
	"GNTTABOP_cache_flush",
};
static const char *const xenver[] = {
	"XENVER_version", "XENVER_extraversion", "XENVER_compile_info",
	"XENVER_capabilities", "XENVER_changeset",
	"XENVER_platform_parameters", "XENVER_get_features",
	"XENVER_pagesize", "XENVER_guest_handle", "XENVER_commandline",
	"XENVER_build_id", "XENVER_extraversion2", "XENVER_capabilities2",
	"XENVER_changeset2", "XENVER_commandline2",
};
static const char *const physdevop[] = {
	[5] = "PHYSDEVOP_irq_status_query",
	[6] = "PHYSDEVOP_set_iopl",
	[7] = "PHYSDEVOP_set_iobitmap",
	[8] = "PHYSDEVOP_apic_read",
	[9] = "PHYSDEVOP_apic_write",
	[10] = "PHYSDEVOP_alloc_irq_vector",
	[11] = "PHYSDEVOP_free_irq_vector",
	[12] = "PHYSDEVOP_eoi",
	[13] = "PHYSDEVOP_map_pirq",
	[14] = "PHYSDEVOP_unmap_pirq",
	[15] = "PHYSDEVOP_manage_pci_add",
	[16] = "PHYSDEVOP_manage_pci_remove",
	[17] = "PHYSDEVOP_pirq_eoi_gmfn_v1",
	[19] = "PHYSDEVOP_restore_msi",
	[20] = "PHYSDEVOP_manage_pci_add_ext",
	[21] = "PHYSDEVOP_setup_gsi",
	[23] = "PHYSDEVOP_get_free_pirq",
	[24] = "PHYSDEVOP_pci_mmcfg_reserved",
	[25] = "PHYSDEVOP_pci_device_add",
	[26] = "PHYSDEVOP_pci_device_remove",
	[27] = "PHYSDEVOP_restore_msi_ext",
	[28] = "PHYSDEVOP_pirq_eoi_gmfn_v2",
	[29] = "PHYSDEVOP_dbgp_op",
	[30] = "PHYSDEVOP_prepare_msix",
	[31] = "PHYSDEVOP_release_msix",
	[32] = "PHYSDEVOP_pci_device_reset",
};
static const char *const vmasst[] = {
	"VMASST_CMD_enable", "VMASST_CMD_disable",
};
static const char *const xennmi[] = {
	"XENNMI_register_callback", "XENNMI_unregister_callback",
};
static const char *const callbackop[] = {
	"CALLBACKOP_register", "CALLBACKOP_unregister",
};
static const char *const argoop[] = {
	[1] = "XEN_ARGO_OP_register_ring",
	[2] = "XEN_ARGO_OP_unregister_ring",
	[3] = "XEN_ARGO_OP_sendv",
	[4] = "XEN_ARGO_OP_notify",
};
static const char *const hypfsop[] = {
	"XEN_HYPFS_OP_get_version", "XEN_HYPFS_OP_read",
	"XEN_HYPFS_OP_write_contents",
};

#define SUBOPS(nr, t) [nr] = { t, sizeof(t) / sizeof(t[0]) }

static const struct {
	const char *const *names;
	size_t n;
} subops[NCALLS] = {
	SUBOPS(6, schedop),     /* sched_op_compat: the same SCHEDOP_ values */
	SUBOPS(12, xenmem),
	SUBOPS(17, xenver),
	SUBOPS(18, consoleio),
	SUBOPS(20, gnttabop),
	SUBOPS(21, vmasst),
	SUBOPS(24, vcpuop),
	SUBOPS(28, xennmi),
	SUBOPS(29, schedop),
	SUBOPS(30, callbackop),
	SUBOPS(32, evtchnop),
	SUBOPS(33, physdevop),
	SUBOPS(34, hvmop),
	SUBOPS(39, argoop),
	SUBOPS(42, hypfsop),
};

/* memory_op: cmd[5:0] is the command, cmd[63:6] a continuation's extent. */
#define MEMOP_EXTENT_SHIFT 6

const char *els_xen_hypercall_subop(uint64_t nr, uint64_t cmd)
{
	if (nr >= NCALLS || !subops[nr].names)
		return NULL;
	if (nr == 12)
		cmd &= (1u << MEMOP_EXTENT_SHIFT) - 1;
	if (cmd >= subops[nr].n)
		return NULL;
	return subops[nr].names[cmd];
}


size_t els_xen_hypercall_format(uint64_t nr, const uint64_t args[5],
				char *buf, size_t size)
{
	struct els_fixbuf o = { buf, size, 0 };
	const struct els_xen_hypercall *h = els_xen_hypercall_lookup(nr);

	if (buf && size)
		buf[0] = '\0';
	if (!h || !h->arg_names[0]) {
		/* Unknown number, or known without argument names. */
		unsigned n = h ? h->nargs : 5;

		if (h)
			els_fixbuf_printf(&o, "%s(", h->name);
		else
			els_fixbuf_printf(&o, "hypercall %llu(", (unsigned long long)nr);
		for (unsigned i = 0; i < n; i++)
			els_fixbuf_printf(&o, "%s0x%llx", i ? ", " : "",
			     (unsigned long long)args[i]);
		els_fixbuf_printf(&o, ")");
		return o.len;
	}
	els_fixbuf_printf(&o, "%s(", h->name);
	for (unsigned i = 0; i < h->nargs && i < 5; i++) {
		unsigned long long v = args[i];
		const char *sep = i ? ", " : "";
		const char *sub;

		switch (h->arg_kinds[i]) {
		case ELS_XEN_ARG_CMD:
			sub = els_xen_hypercall_subop(nr, v);
			if (!sub) {
				els_fixbuf_printf(&o, "%s%s=%llu", sep, h->arg_names[i], v);
			} else if (nr == 12 && (v >> MEMOP_EXTENT_SHIFT)) {
				els_fixbuf_printf(&o, "%s%s, start_extent=%llu", sep, sub,
				     v >> MEMOP_EXTENT_SHIFT);
			} else {
				els_fixbuf_printf(&o, "%s%s", sep, sub);
			}
			break;
		case ELS_XEN_ARG_NUM:
			els_fixbuf_printf(&o, "%s%s=%llu", sep, h->arg_names[i], v);
			break;
		case ELS_XEN_ARG_HEX:
		default:
			els_fixbuf_printf(&o, "%s%s=0x%llx", sep, h->arg_names[i], v);
			break;
		}
	}
	els_fixbuf_printf(&o, ")");
	return o.len;
}
