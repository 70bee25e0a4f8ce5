/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the pause before the next attempt after @attempt failed ones (1: the first failure):
 * @base_ms doubling each time, capped at @max_ms; 0 or 1 gives @base_ms */
gint64 sd_backoff_delay (gint64 base_ms, gint64 max_ms, guint attempt);

G_END_DECLS
