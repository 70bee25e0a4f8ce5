/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-attachment-pointer.h"
#include "sd-store-group-media.h"
#include "sd-store-rows.h"

/*
 * Group messages with attachments and an after-send timer, and the two Info settings a group
 * conversation shows like a 1:1 one: its picture (the `avatars` row contacts use, so
 * OpenAvatar and the automatic fetch work unchanged) and its disappearing setting (the
 * conversation's expiration columns).
 */

/* at most the official clients' longest timer: a message never lives past 14 days here */
#define GROUP_TIMER_MAX (14u * 24 * 3600)

gboolean
sd_store_add_group_message_media (SdStore *self, const SdGroupMessageRow *row,
                                  gboolean *out_added, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stamp = NULL;
  gboolean added = FALSE, removed = FALSE, found = FALSE;
  gint64 local_id = 0;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);
  if (out_added != NULL)
    *out_added = FALSE;
  if (row->expiration_timer > GROUP_TIMER_MAX || row->sent_at <= 0 ||
      row->n_outgoing_attachments > SD_ATTACHMENT_MAX_COUNT ||
      (row->pointers != NULL && row->pointers->len > SD_ATTACHMENT_MAX_COUNT)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a group message's timer or attachments are out of bounds");
    return FALSE;
  }
  if (!store_check_session_id (row->author, "the author", error))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  /* a message that disappeared (or was deleted) does not come back from another copy */
  if (!store_was_removed (self, row->author, row->sent_at, &removed, error))
    return FALSE;
  if (removed)
    return store_tx_commit (tx, error);
  if (!sd_store_add_group_message_full (self, row->group_id, row->author, row->outgoing,
                                        row->body, row->sent_at, row->server_hash,
                                        row->quote_author, row->quote_sent_at, &added, error))
    return FALSE;
  if (!added)
    return store_tx_commit (tx, error);
  if (!store_locate_message (self, row->author, row->sent_at, &found, &local_id, NULL, error))
    return FALSE;
  if (!found) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "the group message went while it was stored");
    return FALSE;
  }
  if (row->expiration_timer > 0) {
    /* after-send: from the sender's time, as the official clients count it */
    stamp = store_prepare (self,
                           "UPDATE messages SET expires_at = ?2, expiration_mode = 2,"
                           " expiration_timer = ?3 WHERE local_id = ?1",
                           error);
    if (stamp == NULL)
      return FALSE;
    sqlite3_bind_int64 (stamp, 1, local_id);
    sqlite3_bind_int64 (stamp, 2, row->sent_at + (gint64) row->expiration_timer * 1000);
    sqlite3_bind_int64 (stamp, 3, row->expiration_timer);
    if (!store_run (self, stamp, error))
      return FALSE;
  }
  if (row->n_outgoing_attachments > 0 &&
      !store_insert_outgoing_attachments (self, local_id, row->outgoing_attachments,
                                          row->n_outgoing_attachments, error))
    return FALSE;
  if (row->pointers != NULL && row->pointers->len > 0 &&
      !store_insert_incoming_attachments (self, local_id, row->pointers, error))
    return FALSE;
  if (!store_tx_commit (tx, error))
    return FALSE;
  if (out_added != NULL)
    *out_added = TRUE;
  return TRUE;
}

static gboolean
is_group (SdStore *self, const gchar *group_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self,
                                                "SELECT 1 FROM groups WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  return store_step_row (self, stmt, "no such group", error);
}

gboolean
sd_store_set_group_avatar (SdStore *self, const gchar *group_id, const gchar *url, GBytes *key,
                           gboolean *out_changed, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (out_changed != NULL)
    *out_changed = FALSE;
  if (url != NULL && (key == NULL || g_bytes_get_size (key) != 32 ||
                      !g_utf8_validate (url, -1, NULL) || strlen (url) > 1024 || *url == '\0')) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a group avatar is a URL and a 32-byte key");
    return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL || !is_group (self, group_id, error) ||
      !store_apply_avatar (self, group_id, url, url != NULL ? key : NULL, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = sqlite3_changes (self->db) > 0;
  return store_tx_commit (tx, error);
}

gboolean
sd_store_set_group_expiration (SdStore *self, const gchar *group_id, guint32 timer,
                               gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (out_changed != NULL)
    *out_changed = FALSE;
  timer = MIN (timer, GROUP_TIMER_MAX);
  stmt = store_prepare (self,
                        "UPDATE conversations SET expiration_mode = ?2, expiration_timer = ?3"
                        " WHERE id = ?1 AND kind = 'group'"
                        " AND (expiration_mode IS NOT ?2 OR expiration_timer IS NOT ?3)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  store_bind_text (stmt, 2, timer > 0 ? "after-send" : "off");
  sqlite3_bind_int64 (stmt, 3, timer);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = sqlite3_changes (sqlite3_db_handle (stmt)) > 0;
  return TRUE;
}
