/* SPDX-License-Identifier: MIT */
/* The self-contained HTML report. */
#include "view/export.h"

struct els_error *els_export_html(const struct els_events *e,
				  const struct els_profile_summary *p,
				  FILE *f)
{
	return els_error_create(ELS_ERR_UNSUPPORTED,
				"the HTML report is not written yet");
}
