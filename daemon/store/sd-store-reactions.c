/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include "sd-store-rows.h"

/*
 * Our own reactions: one row per (message, reactor, emoji), changed together with the jobs
 * that tell the network. Received reactions come in batches (sd-store-batch.c); messages
 * are loaded with a summary per emoji (sd-store-rows.c).
 */

SdMessage *
sd_store_set_own_reaction (SdStore *self, const gchar *message_id, const gchar *emoji,
                           gboolean add, gint64 at, const SdJobSpec *jobs, guint n_jobs,
                           GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) change = NULL;
  g_autofree gchar *author = NULL;
  gint64 sent_at;
  gint64 local_id;
  SdMessage *message;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->account_id == NULL) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "the store has no account id yet");
    return NULL;
  }
  if (!store_check_utf8 (emoji, "the emoji", error) ||
      !sd_message_id_parse (message_id, &author, &sent_at, error))
    return NULL;
  tx = store_tx_begin (self, error);
  if (tx == NULL || !store_find_message (self, message_id, &local_id, NULL, error))
    return NULL;
  if (add)
    change = store_prepare (self,
                            "INSERT INTO reactions (message, reactor, emoji, reacted_at)"
                            " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                            error);
  else
    change = store_prepare (self,
                            "DELETE FROM reactions WHERE message = ?1 AND reactor = ?2"
                            " AND emoji = ?3",
                            error);
  if (change == NULL)
    return NULL;
  sqlite3_bind_int64 (change, 1, local_id);
  store_bind_text (change, 2, self->account_id);
  store_bind_text (change, 3, emoji);
  if (sqlite3_bind_parameter_count (change) >= 4)
    sqlite3_bind_int64 (change, 4, at);
  if (!store_run (self, change, error))
    return NULL;
  if (sqlite3_changes (self->db) == 0) {
    /* reacting twice is no change and sends nothing; taking back what is not there is an
     * error the caller should see */
    if (!add) {
      g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                   "we have not reacted with that to %s", message_id);
      return NULL;
    }
    n_jobs = 0;
  }
  if (!store_insert_jobs (self, jobs, n_jobs, error))
    return NULL;
  message = store_load_message (self, author, sent_at, error);
  if (message == NULL || !store_tx_commit (tx, error)) {
    g_clear_pointer (&message, sd_message_free);
    return NULL;
  }
  return message;
}
