/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "st-network.h"

G_BEGIN_DECLS

/* the file server beside the seed (protocol-advanced.md §6): plain HTTP
 * on loopback, reached only as an onion v4 destination at
 * /oxen/v4/lsrpc, with its own X25519/Ed25519 keys */
typedef struct _StFileServer StFileServer;

/* the session-file-server limits: 3 weeks, and a cap that fits a 10 MB
 * attachment of either scheme (README.md says why not 6,000,000) */
#define ST_FILE_TTL_SECONDS (21 * 24 * 3600)
#define ST_FILE_MAX_SIZE    (10 * 1024 * 1024)

StFileServer *st_file_server_start (StNetwork *network, GError **error);
void st_file_server_free (StFileServer *server);

/* {"url":…,"pubkey_x25519":…,"pubkey_ed25519":…} for testnet.json */
JsonObject *st_file_server_description (StFileServer *server);

/* the control actions file_fail, file_latency, file_limit, file_lose,
 * file_clear, file_status; FALSE with @error for bad fields; @reply gets the
 * server's status */
gboolean st_file_server_control (StFileServer *server,
                                 const gchar *action,
                                 JsonObject *request,
                                 JsonObject *reply,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StFileServer, st_file_server_free)

G_END_DECLS
