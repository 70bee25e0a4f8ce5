/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include "sd-store-private.h"

/*
 * Messages leaving: deleted by the user, unsent by their author, or expired. Each leaves its
 * id behind in removed_messages for as long as any copy can still be retrieved, so a sync
 * copy or a second retrieval never brings it back.
 */

gboolean
store_was_removed (SdStore *self, const gchar *author, gint64 sent_at, gboolean *out_removed,
                   GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self,
                        "SELECT 1 FROM removed_messages WHERE author = ?1 AND sent_at = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, sent_at);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_removed = rc == SQLITE_ROW;
  return TRUE;
}

gboolean
store_remove_row (SdStore *self, const gchar *author, gint64 sent_at, gint64 forget_at,
                  GError **error)
{
  g_autoptr(SdCachedStmt) remember = NULL;
  g_autoptr(SdCachedStmt) remove = NULL;

  remember = store_prepare (self,
                            "INSERT INTO removed_messages (author, sent_at, forget_at)"
                            " VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE"
                            " SET forget_at = max(forget_at, excluded.forget_at)",
                            error);
  if (remember == NULL)
    return FALSE;
  bind_text (remember, 1, author);
  sqlite3_bind_int64 (remember, 2, sent_at);
  sqlite3_bind_int64 (remember, 3, forget_at);
  if (!store_run (self, remember, error))
    return FALSE;
  /* reactions and an outbox row go with it (ON DELETE CASCADE) */
  remove = store_prepare (self, "DELETE FROM messages WHERE author = ?1 AND sent_at = ?2",
                          error);
  if (remove == NULL)
    return FALSE;
  bind_text (remove, 1, author);
  sqlite3_bind_int64 (remove, 2, sent_at);
  return store_run (self, remove, error);
}

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
  message = load_message (self, author, sent_at, error);
  if (message == NULL)
    return NULL;
  if (!store_remove_row (self, author, sent_at, store_now_ms () + SD_STORE_REMOVED_KEEP_MS, error) ||
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
                       "SELECT author, sent_at FROM messages"
                       " WHERE expires_at > 0 AND expires_at <= ?1",
                       error);
  if (due == NULL)
    return NULL;
  sqlite3_bind_int64 (due, 1, now);
  removed = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  for (;;) {
    g_autofree gchar *author = NULL;
    SdMessage *message;
    int rc = store_step (self, due, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    author = column_dup (due, 0);
    message = load_message (self, author, sqlite3_column_int64 (due, 1), error);
    if (message == NULL)
      return NULL;
    g_ptr_array_add (removed, message);
  }
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

  return store_query_min (self, "SELECT min(expires_at) FROM messages WHERE expires_at > 0", out_next, error);
}
