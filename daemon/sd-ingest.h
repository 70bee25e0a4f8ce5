/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

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

G_END_DECLS
