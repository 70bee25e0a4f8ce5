/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-network.h"

G_BEGIN_DECLS

/* nodes asked for one name; all their answers must agree (protocol-advanced.md §7) */
#define SD_ONS_NODES 3

/* resolves an ONS name to a Session ID: `ons_resolve` through onion requests to
 * SD_ONS_NODES random nodes of the pool (sd_ons_resolve_answers judges the answers).
 * SD_PROTOCOL_ERROR_INVALID_ONS_NAME, _ONS_NOT_FOUND, _ONS_DISAGREEMENT, or the network's
 * error when a node cannot be asked */
void sd_ons_client_resolve_async (SdNetwork *network,
                                  const gchar *name,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gchar *sd_ons_client_resolve_finish (SdNetwork *network,
                                     GAsyncResult *result,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
