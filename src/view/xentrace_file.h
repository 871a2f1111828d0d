/* SPDX-License-Identifier: MIT */
/*
 * xentrace files -> the event model.
 *
 * The file xentrace writes (tools/xentrace/xentrace.c) is a run of windows:
 * a 12-byte record { u32 TRC_TRACE_CPU_CHANGE header with 2 extra words,
 * i32 cpu, u32 window size } followed by that many bytes of the CPU's own
 * trace records (struct t_rec, xen/include/public/trace.h), copied from its
 * trace buffer. A CPU's windows come in its order; windows of different
 * CPUs interleave. Records of all CPUs are merged by time before they are
 * turned into events, since a vCPU's runstate is changed from other CPUs.
 *
 * Times are the records' cycle counts: on Arm, Xen's get_cycles() is the
 * generic timer's counter (CNTPCT), the event model's clock. The file does
 * not give its frequency: the caller sets out->freq before reading, else
 * ELS_XENTRACE_DEFAULT_FREQ (QEMU virt's CNTFRQ) is assumed and
 * clock_note says so.
 */
#ifndef ELS_VIEW_XENTRACE_FILE_H
#define ELS_VIEW_XENTRACE_FILE_H

#include <stdio.h>

#include "view/event.h"

#define ELS_XENTRACE_DEFAULT_FREQ 62500000u
/* A window larger than a trace buffer can be: 65535 pages (t_info's u16). */
#define ELS_XENTRACE_MAX_WINDOW (65535u * 4096u)
#define ELS_XENTRACE_FILE_MAX_CPUS 4096u

/* The first word of every xentrace file (a CPU-change record), LE. */
#define ELS_XENTRACE_CPU_CHANGE_HDR 0x2001f003u

/*
 * Read a xentrace file into out (initialized by the caller, may hold events
 * already: they are kept). On bad input (truncated window or record, absurd
 * size, CPU out of range) a one-line error says where, and out holds what
 * was read before it.
 */
struct els_error *els_xentrace_file_read(const char *path,
					 struct els_events *out);
/* The same on bytes in memory (name: for messages). */
struct els_error *els_xentrace_buf_read(const uint8_t *buf, size_t len,
					const char *name,
					struct els_events *out);
/*
 * Write one window (a CPU's raw t_rec bytes, whole records) in xentrace's
 * file format: for `trace --raw-out`, so xenalyze reads what elscope read.
 */
struct els_error *els_xentrace_write_window(FILE *f, unsigned cpu,
					    const void *recs, size_t len);

#endif
