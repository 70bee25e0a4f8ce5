/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "st-network.h"

G_BEGIN_DECLS

/* the fault-injection listener (README.md); sets network->control and
 * network->control_url */
gboolean st_control_start (StNetwork *network, GError **error);

G_END_DECLS
