/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "st-network.h"

G_BEGIN_DECLS

/* the seed's JSON-RPC listener (`POST <seed_url>json_rpc`); sets
 * network->seed and network->seed_url */
gboolean st_seed_start (StNetwork *network, GError **error);

G_END_DECLS
