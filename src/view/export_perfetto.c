/* SPDX-License-Identifier: MIT */
/* Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing. */
#include "view/export.h"

struct els_error *els_export_perfetto(const struct els_events *e, FILE *f)
{
	return els_error_create(ELS_ERR_UNSUPPORTED,
				"the Perfetto exporter is not written yet");
}
