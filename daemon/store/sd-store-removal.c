/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include "sd-store-rows.h"

/*
 * Messages leaving: deleted by the user or expired (unsent ones leave in a batch). Each
 * leaves its id behind in removed_messages (store_remove_row() in sd-store-rows.c).
 */

gboolean
sd_store_is_removed (SdStore *self, const gchar *message_id, gboolean *out_removed,
                     GError **error)
{
  g_autofree gchar *author = NULL;
  gint64 sent_at;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  return sd_message_id_parse (message_id, &author, &sent_at, error) &&
         store_was_removed (self, author, sent_at, out_removed, error);
}

SdMessage *
sd_store_remove_message (SdStore *self, const gchar *message_id, const SdJobSpec *jobs,
                         guint n_jobs, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autofree gchar *author = NULL;
  gint64 sent_at;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sd_message_id_parse (message_id, &author, &sent_at, error))
    return NULL;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  message = store_load_message (self, author, sent_at, error);
  if (message == NULL)
    return NULL;
  if (!store_remove_row (self, author, sent_at, store_now_ms () + SD_STORE_REMOVED_KEEP_MS,
                         error) ||
      !store_insert_jobs (self, jobs, n_jobs, error) || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

gboolean
sd_store_delete_message (SdStore *self, const gchar *message_id, GError **error)
{
  g_autoptr(SdMessage) message = sd_store_remove_message (self, message_id, NULL, 0, error);

  return message != NULL;
}

GPtrArray *
sd_store_remove_expired (SdStore *self, gint64 now, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) due = NULL;
  g_autoptr(SdCachedStmt) forget = NULL;
  g_autoptr(GPtrArray) removed = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  due = store_prepare (self,
                       "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                       " WHERE m.expires_at > 0 AND m.expires_at <= ?1",
                       error);
  if (due == NULL)
    return NULL;
  sqlite3_bind_int64 (due, 1, now);
  removed = store_collect_messages (self, due, error);
  if (removed == NULL)
    return NULL;
  sqlite3_reset (due);
  for (guint i = 0; i < removed->len; i++) {
    SdMessage *message = g_ptr_array_index (removed, i);

    if (!store_remove_row (self, message->author, message->sent_at,
                           now > G_MAXINT64 - SD_STORE_REMOVED_KEEP_MS
                             ? G_MAXINT64 : now + SD_STORE_REMOVED_KEEP_MS,
                           error))
      return NULL;
  }
  /* ids removed long enough ago that no copy of them can come back */
  forget = store_prepare (self, "DELETE FROM removed_messages WHERE forget_at <= ?1", error);
  if (forget == NULL)
    return NULL;
  sqlite3_bind_int64 (forget, 1, now);
  if (!store_run (self, forget, error) || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&removed);
}

gboolean
sd_store_next_expiry (SdStore *self, gint64 *out_next, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_next != NULL, FALSE);

  return store_query_min (self, "SELECT min(expires_at) FROM messages WHERE expires_at > 0",
                          out_next, error);
}
