/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-network.h"
#include "sd-sogs-poll.h"

G_BEGIN_DECLS

/*
 * Requests to a community server (protocol-advanced.md §5): onion requests v4 on the
 * network's paths (sd-onion-server.c), signed with our blind15 key (sd-sogs-request.c).
 * A 425 (our clock is off) or 401 (the server saw the nonce, or our clock drifted) is signed
 * again once, with a fresh nonce and the network's clock.
 */

/* the most a community server's answer may hold: a poll of 32 rooms × 256 posts of 64 KiB
 * would be far more, but the reference never sends pages that full; a bigger answer is
 * refused, and the poll tried again later */
#define SD_COMMUNITY_MAX_REPLY (16 * 1024 * 1024)

/* one server: where it is and its X25519 key */
typedef struct {
  gchar *base_url;      /* (owned) "http(s)://host[:port]" */
  gchar *protocol;      /* (owned) */
  gchar *host;          /* (owned) */
  guint16 port;         /* 0: the scheme's */
  guint8 pk[32];
} SdCommunityServer;

/* from a base URL as sd_sogs_url_parse gives it */
SdCommunityServer *sd_community_server_new (const gchar *base_url,
                                            const guint8 pk[32],
                                            GError **error) G_GNUC_WARN_UNUSED_RESULT;
void sd_community_server_free (SdCommunityServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdCommunityServer, sd_community_server_free)

/* one signed request; @ed25519_sk is copied. @body is JSON (nullable). The result is the
 * server's body; @status its code (the caller judges it) */
void sd_community_request_async (SdNetwork *network,
                                 const SdCommunityServer *server,
                                 const guint8 ed25519_sk[64],
                                 const gchar *method,
                                 const gchar *endpoint,
                                 GBytes *body,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* a file to a room (@endpoint "/room/{r}/file"): POST of its bytes as they are, with
 * Content-Type application/octet-stream and the suggested name in Content-Disposition;
 * finished with sd_community_request_finish */
void sd_community_upload_async (SdNetwork *network,
                                const SdCommunityServer *server,
                                const guint8 ed25519_sk[64],
                                const gchar *endpoint,
                                GBytes *file,
                                const gchar *file_name,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
GBytes *sd_community_request_finish (SdNetwork *network,
                                     GAsyncResult *result,
                                     guint *status,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* one poll of @server's rooms (sd_sogs_poll_build; @with_dms adds the inbox and outbox after
 * the given ids): a single POST /batch.
 * The result is an SdSogsPoll (free with sd_community_poll_free); a batch the server
 * refuses fails with SD_NETWORK_ERROR_REJECTED (4xx) or _NODE (5xx) */
void sd_community_poll_async (SdNetwork *network,
                              const SdCommunityServer *server,
                              const guint8 ed25519_sk[64],
                              const SdSogsRoomCursor *rooms,
                              gsize n_rooms,
                              gboolean with_dms,
                              gint64 inbox_since,
                              gint64 outbox_since,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
SdSogsPoll *sd_community_poll_finish (SdNetwork *network,
                                      GAsyncResult *result,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
void sd_community_poll_free (SdSogsPoll *poll);

G_END_DECLS
