/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: trace.dat files through libtracecmd and elscope's
 * sched_switch/sched_wakeup conversion. libtracecmd reads files only: each
 * input is written to one memfd and read as /proc/self/fd/N. Crashes inside
 * libtracecmd itself are libtracecmd's; the harness checks elscope's part
 * (events on known CPUs, names interned). libtracecmd allocates what a
 * file's headers say and libtraceevent leaks on some bad formats: run with
 * ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0 (libtracecmd
 * 1.3.1 handles the NULL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "view/tracecmd_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * libtraceevent and libtracecmd leak on damaged files (their own memory,
 * not ours): LeakSanitizer leaves leaks in those two libraries out.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracecmd.so\n";
}

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz-trace.dat", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct els_events e;
	els_events_init(&e);
	els_error_destroy(els_tracecmd_file_read(path, &e));
	for (size_t i = 0; i < e.n; i++) {
		if (e.ev[i].pcpu >= 4096 || e.ev[i].name >= e.nstrings)
			abort();
	}
	els_events_deinit(&e);
	return 0;
}
