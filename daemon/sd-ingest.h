/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-expiration-rules.h"
#include "sd-keys.h"
#include "sd-storage-rpc.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* typing indicators are shown, never stored */
typedef void (*SdIngestTypingFunc) (const gchar *author, gboolean typing, gpointer user_data);

/* decodes the items (element-type SdRetrieveItem) of one retrieve answer and
 * applies them to @store in one transaction: visible messages, sync copies,
 * read receipts, request responses; every item is marked seen, decodable or
 * not, and @node_ed25519_hex's last_hash advances. @changes is NULL when
 * there was nothing new. The receive rules are protocol §8. */
gboolean sd_ingest_messages (SdStore *store,
                             const SdIdentity *identity,
                             const gchar *node_ed25519_hex,
                             GPtrArray *items,
                             SdIngestTypingFunc typing,
                             gpointer typing_data,
                             SdStoreChanges **changes,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same, with the network time (ms) that bounds the senders' times: an item sent more
 * than SD_INGEST_MAX_FUTURE_MS after @network_now_ms, or before SD_INGEST_MIN_SENT_MS, is
 * marked seen and dropped. sd_ingest_messages() uses the local clock */
gboolean sd_ingest_messages_at (SdStore *store,
                                const SdIdentity *identity,
                                const gchar *node_ed25519_hex,
                                GPtrArray *items,
                                gint64 network_now_ms,
                                SdIngestTypingFunc typing,
                                gpointer typing_data,
                                SdStoreChanges **changes,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the retrieve cursors (last_hash rows) a slice advances to its last item: @keys with every
 * slice, @end_keys only with the slice that reaches the end of the page */
typedef struct {
  gint namespace_;
  const gchar *keys[2];
  const gchar *end_keys[2];
} SdIngestCursor;

/* applies the items of a page from *@position on, in one transaction: at most @max_items
 * (0: no limit) and, after the first, none once the monotonic clock reaches @deadline_us
 * (0: none); advances *@position past what was applied. Big pages are applied slice by
 * slice so the main loop can answer the bus in between */
gboolean sd_ingest_slice (SdStore *store,
                          const SdIdentity *identity,
                          GPtrArray *items,
                          guint *position,
                          guint max_items,
                          gint64 deadline_us,
                          const SdIngestCursor *cursor,
                          gint64 network_now_ms,
                          SdIngestTypingFunc typing,
                          gpointer typing_data,
                          SdStoreChanges **changes,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* what a node's answer may decide, and the bounds applied to it */
#define SD_INGEST_MAX_FUTURE_MS (24 * 3600 * G_GINT64_CONSTANT (1000))     /* 1 day */
#define SD_INGEST_MIN_SENT_MS G_GINT64_CONSTANT (1000000000000)            /* 2001-09 */
#define SD_INGEST_MAX_TTL_MS (30 * 24 * 3600 * G_GINT64_CONSTANT (1000))   /* §4.4: 30 days */

/* the expiry of the seen row of an item whose node said @node_expiration (0: none) */
gint64 sd_ingest_seen_expiry (gint64 node_expiration, gint64 local_now_ms);

/* whether a sender's time T is plausible at @network_now_ms */
gboolean sd_ingest_sent_time_ok (guint64 sent_at, gint64 network_now_ms);


G_END_DECLS
