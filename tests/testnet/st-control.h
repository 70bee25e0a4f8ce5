/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "st-network.h"

G_BEGIN_DECLS

/* the fault-injection listener (README.md); sets network->control and
 * network->control_url */
gboolean st_control_start (StNetwork *network, GError **error);

/* the integer member @name of a control request, from @min to @max; else FALSE and an
 * INVALID_ARGUMENT @error that says so */
gboolean st_control_int (JsonObject *request, const gchar *name, gint64 min, gint64 max,
                         gint64 *out, GError **error);

G_END_DECLS
