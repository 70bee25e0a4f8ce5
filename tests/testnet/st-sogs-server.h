/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "st-network.h"

G_BEGIN_DECLS

/* a community server like session-pysogs beside the seed and the file
 * server (protocol-advanced.md §5): plain HTTP on loopback, reached only
 * as an onion v4 destination at /oxen/v4/lsrpc, with its own keys; its
 * X25519 key is the one in join URLs. One room, "lobby", exists from the
 * start; more come from the sogs_room control action */
typedef struct _StSogsServer StSogsServer;

#define ST_SOGS_DEFAULT_ROOM "lobby"

StSogsServer *st_sogs_server_start (StNetwork *network, GError **error);
void st_sogs_server_free (StSogsServer *server);

/* {"url":…,"pubkey_x25519":…,"pubkey_ed25519":…,"rooms":[…],"join_url":…}
 * for testnet.json */
JsonObject *st_sogs_server_description (StSogsServer *server);

/* the control actions sogs_room, sogs_moderator, sogs_ban, sogs_unban,
 * sogs_delete, sogs_delete_all, the faults sogs_fail, sogs_latency,
 * sogs_down, sogs_up, sogs_garbage, sogs_clear, and sogs_status; FALSE with
 * @error for bad fields; @reply gets the server's status under "sogs" */
gboolean st_sogs_server_control (StSogsServer *server,
                                 const gchar *action,
                                 JsonObject *request,
                                 JsonObject *reply,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StSogsServer, st_sogs_server_free)

G_END_DECLS
