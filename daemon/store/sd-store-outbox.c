/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-store-rows.h"

/*
 * The send path: outgoing messages are queued with their outbox row before any network I/O,
 * then marked sent, synced or failed. Jobs: network work that must survive a restart and is
 * not a message of its own (reactions and unsend requests to store in a swarm, deleting or
 * shortening our own copies), queued in the same transaction as the local change they belong
 * to (store_insert_jobs() in sd-store-rows.c).
 */

/* how many later milliseconds queueing tries when (self, T) is taken */
#define FREE_T_ATTEMPTS 1000
/* how long our own swarm keeps a sync copy at most (a message's TTL, 14 days) */
#define SYNC_COPY_KEEP_MS (14 * 24 * 3600 * G_GINT64_CONSTANT (1000))

/* ---- outgoing messages --------------------------------------------------------------------- */

SdMessage *
sd_store_queue_outgoing_full (SdStore *self, const SdOutgoingMessage *outgoing, GError **error)
{
  const gchar *conversation_id = outgoing->conversation_id;
  const gchar *body = outgoing->body;
  gint64 sent_at = outgoing->sent_at;
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdMessage) message = NULL;
  gboolean created;
  gboolean blocked;
  gint64 local_id;
  gint64 t;
  gint64 now = store_now_ms ();

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->account_id == NULL) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "the store has no account id yet");
    return NULL;
  }
  if (!store_check_session_id (conversation_id, "the recipient", error) ||
      !store_check_utf8 (body, "the body", error))
    return NULL;
  if (sent_at <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "the message has no sent-at timestamp");
    return NULL;
  }
  if ((outgoing->quote_author != NULL &&
       !store_check_session_id (outgoing->quote_author, "the quoted author", error)) ||
      (guint) outgoing->expiration_mode > SD_EXPIRATION_AFTER_SEND ||
      (guint) outgoing->kind > SD_MESSAGE_KIND_MEDIA_SAVED) {
    if (error != NULL && *error == NULL)
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                           "an unknown message kind or expiration mode");
    return NULL;
  }

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!store_ensure_conversation (self, conversation_id,
                                  strcmp (conversation_id, self->account_id) == 0 ?
                                    SD_CONVERSATION_KIND_NOTE_TO_SELF :
                                    SD_CONVERSATION_KIND_DIRECT,
                                  TRUE, FALSE, sent_at, &created, &blocked, error))
    return NULL;

  /* every message gets its own T (§5: receivers drop a second message with the same one) */
  t = sent_at;
  for (guint i = 0;; i++, t++) {
    g_autoptr(SdCachedStmt) probe = NULL;
    int rc;

    if (i == FREE_T_ATTEMPTS) {
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_DUPLICATE,
                           "no free sent-at timestamp near the one asked for");
      return NULL;
    }
    probe = store_prepare (self, "SELECT 1 FROM messages WHERE author = ?1 AND sent_at = ?2",
                           error);
    if (probe == NULL)
      return NULL;
    store_bind_text (probe, 1, self->account_id);
    sqlite3_bind_int64 (probe, 2, t);
    rc = store_step (self, probe, error);
    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
  }

  {
    g_autoptr(SdCachedStmt) insert = NULL;
    g_autoptr(SdCachedStmt) outbox = NULL;
    g_autoptr(SdCachedStmt) touch = NULL;

    gboolean disappears = outgoing->kind == SD_MESSAGE_KIND_TEXT &&
                          outgoing->expiration_mode != SD_EXPIRATION_OFF;

    insert = store_prepare (self,
                            "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                            " received_at, status, expires_at, kind, quote_author, quote_sent_at,"
                            " expiration_mode, expiration_timer)"
                            " VALUES (?1, ?2, 1, ?3, ?4, ?5, 'sending', ?6, ?7, ?8, ?9, ?10, ?11)",
                            error);
    if (insert == NULL)
      return NULL;
    store_bind_text (insert, 1, conversation_id);
    store_bind_text (insert, 2, self->account_id);
    store_bind_text (insert, 3, body);
    sqlite3_bind_int64 (insert, 4, t);
    sqlite3_bind_int64 (insert, 5, now);
    /* we have read our own message: both modes count from T */
    sqlite3_bind_int64 (insert, 6,
                        disappears ? t + (gint64) outgoing->expiration_timer * 1000 : 0);
    store_bind_text (insert, 7, sd_message_kind_to_string (outgoing->kind));
    store_bind_text (insert, 8, outgoing->quote_author);
    sqlite3_bind_int64 (insert, 9, outgoing->quote_author != NULL ? outgoing->quote_sent_at : 0);
    sqlite3_bind_int (insert, 10, outgoing->expiration_mode);
    sqlite3_bind_int64 (insert, 11, outgoing->expiration_mode != SD_EXPIRATION_OFF ?
                                      outgoing->expiration_timer : 0);
    if (!store_run (self, insert, error))
      return NULL;
    local_id = sqlite3_last_insert_rowid (self->db);

    /* Note to Self goes only to our own swarm, as the sync message (§5) */
    outbox = store_prepare (self,
                            "INSERT INTO outbox (message, recipient, attempts, next_attempt_at,"
                            " is_sync) VALUES (?1, ?2, 0, ?3, 0)",
                            error);
    if (outbox == NULL)
      return NULL;
    sqlite3_bind_int64 (outbox, 1, local_id);
    store_bind_text (outbox, 2, conversation_id);
    sqlite3_bind_int64 (outbox, 3, store_outbox_first_attempt (outgoing->n_attachments));
    if (!store_run (self, outbox, error) ||
        !store_insert_outgoing_attachments (self, local_id, outgoing->attachments,
                                            outgoing->n_attachments, error))
      return NULL;

    touch = store_prepare (self,
                           "UPDATE conversations SET last_activity = max(last_activity, ?2)"
                           " WHERE id = ?1",
                           error);
    if (touch == NULL)
      return NULL;
    store_bind_text (touch, 1, conversation_id);
    sqlite3_bind_int64 (touch, 2, t);
    if (!store_run (self, touch, error))
      return NULL;
    if (outgoing->kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE &&
        !store_apply_expiration (self, conversation_id, outgoing->expiration_mode,
                                 outgoing->expiration_timer, t, error))
      return NULL;
    /* after the other writes (see store_index_messages) */
    if (!store_index_messages (self, &local_id, 1, error))
      return NULL;
  }

  message = store_load_message (self, self->account_id, t, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

/* a row of "SELECT " STORE_MESSAGE_COLUMNS ", o.recipient, o.is_sync, o.attempts,
 * o.next_attempt_at, o.last_error" */
static SdOutboxItem *
item_from_row (sqlite3_stmt *stmt)
{
  SdOutboxItem *item = g_new0 (SdOutboxItem, 1);

  item->message = store_message_from_row (stmt, 0);
  item->recipient = store_column_dup (stmt, STORE_MESSAGE_N_COLUMNS + 0);
  item->is_sync = sqlite3_column_int (stmt, STORE_MESSAGE_N_COLUMNS + 1) != 0;
  item->attempts = (guint) sqlite3_column_int (stmt, STORE_MESSAGE_N_COLUMNS + 2);
  item->next_attempt_at = sqlite3_column_int64 (stmt, STORE_MESSAGE_N_COLUMNS + 3);
  item->last_error = store_column_dup (stmt, STORE_MESSAGE_N_COLUMNS + 4);
  return item;
}

/* a row of "SELECT m.author, m.sent_at, m.conversation, m.kind, m.local_id, o.recipient,
 * o.is_sync, o.attempts, o.next_attempt_at" */
static SdOutboxItem *
brief_item_from_row (sqlite3_stmt *stmt)
{
  SdOutboxItem *item = g_new0 (SdOutboxItem, 1);
  SdMessage *message = g_new0 (SdMessage, 1);

  message->author = store_column_dup (stmt, 0);
  message->sent_at = sqlite3_column_int64 (stmt, 1);
  message->id = sd_message_id_make (message->author, message->sent_at);
  message->conversation = store_column_dup (stmt, 2);
  if (!sd_message_kind_from_string ((const gchar *) sqlite3_column_text (stmt, 3),
                                    &message->kind))
    message->kind = SD_MESSAGE_KIND_TEXT;
  message->local_id = sqlite3_column_int64 (stmt, 4);
  item->message = message;
  item->recipient = store_column_dup (stmt, 5);
  item->is_sync = sqlite3_column_int (stmt, 6) != 0;
  item->attempts = (guint) sqlite3_column_int (stmt, 7);
  item->next_attempt_at = sqlite3_column_int64 (stmt, 8);
  return item;
}

GPtrArray *
sd_store_outbox_due (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self,
                        "SELECT " STORE_MESSAGE_COLUMNS ", o.recipient, o.is_sync, o.attempts,"
                        " o.next_attempt_at, o.last_error"
                        " FROM outbox o JOIN messages m ON m.local_id = o.message"
                        " WHERE o.next_attempt_at <= ?1"
                        " ORDER BY o.next_attempt_at, o.message LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return store_collect_rows (self, stmt, (StoreRowNew) item_from_row,
                             (GDestroyNotify) sd_outbox_item_free, error);
}

GPtrArray *
sd_store_outbox_due_brief (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self,
                        "SELECT m.author, m.sent_at, m.conversation, m.kind, m.local_id,"
                        " o.recipient, o.is_sync, o.attempts, o.next_attempt_at"
                        " FROM outbox o JOIN messages m ON m.local_id = o.message"
                        " WHERE o.next_attempt_at <= ?1"
                        " ORDER BY o.next_attempt_at, o.message LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return store_collect_rows (self, stmt, (StoreRowNew) brief_item_from_row,
                             (GDestroyNotify) sd_outbox_item_free, error);
}

gboolean
sd_store_outbox_item_complete (SdStore *self, SdOutboxItem *item, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (item != NULL && item->message != NULL, FALSE);

  stmt = store_prepare (self,
                        "SELECT " STORE_MESSAGE_COLUMNS ", o.last_error"
                        " FROM outbox o JOIN messages m ON m.local_id = o.message"
                        " WHERE o.message = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item->message->local_id);
  if (!store_step_row (self, stmt, "the message left the outbox", error))
    return FALSE;
  sd_message_free (item->message);
  item->message = store_message_from_row (stmt, 0);
  g_free (item->last_error);
  item->last_error = store_column_dup (stmt, STORE_MESSAGE_N_COLUMNS);
  return TRUE;
}

gboolean
sd_store_outbox_next_due (SdStore *self, gint64 *out_next, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_next != NULL, FALSE);

  return store_query_min (self, "SELECT min(next_attempt_at) FROM outbox", out_next, error);
}

/* one check of a message's state before a change: TRUE when @sql (its one parameter the
 * message's @local_id) finds a row, else @code with "message @message_id is @not_what" */
static gboolean
expect_message_state (SdStore *self, gint64 local_id, const gchar *message_id,
                      const gchar *sql, gint code, const gchar *not_what, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc != SQLITE_ROW) {
    g_set_error (error, SD_STORE_ERROR, code, "message %s is %s", message_id, not_what);
    return FALSE;
  }
  return TRUE;
}

static gboolean
expect_delivery_pending (SdStore *self, gint64 local_id, const gchar *message_id,
                         GError **error)
{
  return expect_message_state (self, local_id, message_id,
                               "SELECT 1 FROM outbox WHERE message = ?1 AND is_sync = 0",
                               SD_STORE_ERROR_NOT_FOUND, "not waiting for delivery", error);
}

static gboolean
expect_ours_failed (SdStore *self, gint64 local_id, const gchar *message_id, GError **error)
{
  return expect_message_state (self, local_id, message_id,
                               "SELECT 1 FROM messages WHERE local_id = ?1 AND outgoing = 1"
                               " AND status = 'failed'",
                               SD_STORE_ERROR_INVALID, "not a failed one of ours", error);
}

/* mark_sent's writes, inside the caller's transaction; a message not waiting for delivery is
 * SD_STORE_ERROR_NOT_FOUND before anything is written */
static SdMessage *
outbox_mark_sent (SdStore *self, const gchar *message_id, const gchar *server_hash,
                  GError **error)
{
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdCachedStmt) outbox = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autofree gchar *conversation = NULL;
  gint64 local_id;

  if (!store_find_message (self, message_id, &local_id, &conversation, error) ||
      !expect_delivery_pending (self, local_id, message_id, error))
    return NULL;

  update = store_prepare (self,
                          "UPDATE messages SET status = 'sent', error = NULL,"
                          " server_hash = coalesce(?2, server_hash) WHERE local_id = ?1",
                          error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  store_bind_text (update, 2, server_hash);
  if (!store_run (self, update, error))
    return NULL;

  /* the row stays, as the sync copy to our own swarm, so a restart still sends it; Note to
   * Self was that copy, and data-extraction notices are not synced */
  message = store_load_message_by_id (self, message_id, error);
  if (message == NULL)
    return NULL;
  if (g_strcmp0 (conversation, self->account_id) == 0 ||
      message->kind == SD_MESSAGE_KIND_SCREENSHOT || message->kind == SD_MESSAGE_KIND_MEDIA_SAVED)
    outbox = store_prepare (self, "DELETE FROM outbox WHERE message = ?1", error);
  else
    outbox = store_prepare (self,
                            "UPDATE outbox SET is_sync = 1, recipient = ?2, attempts = 0,"
                            " next_attempt_at = 0, last_error = NULL WHERE message = ?1",
                            error);
  if (outbox == NULL)
    return NULL;
  sqlite3_bind_int64 (outbox, 1, local_id);
  if (sqlite3_bind_parameter_count (outbox) >= 2)
    store_bind_text (outbox, 2, self->account_id);
  if (!store_run (self, outbox, error))
    return NULL;
  return g_steal_pointer (&message);
}

/* mark_synced's writes, inside the caller's transaction; SD_STORE_ERROR_NOT_FOUND or
 * SD_STORE_ERROR_INVALID before anything is written */
static gboolean
outbox_mark_synced (SdStore *self, const gchar *message_id, const gchar *server_hash,
                    GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) keep = NULL;
  g_autoptr(SdCachedStmt) seen = NULL;
  gint64 local_id;

  if (server_hash != NULL && !store_check_utf8 (server_hash, "the hash", error))
    return FALSE;
  if (!store_find_message (self, message_id, &local_id, NULL, error))
    return FALSE;
  stmt = store_prepare (self, "DELETE FROM outbox WHERE message = ?1 AND is_sync = 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                 "message %s has no sync copy waiting", message_id);
    return FALSE;
  }
  /* kept to delete that copy when the message is unsent */
  keep = store_prepare (self, "UPDATE messages SET sync_hash = ?2 WHERE local_id = ?1", error);
  if (keep == NULL)
    return FALSE;
  sqlite3_bind_int64 (keep, 1, local_id);
  store_bind_text (keep, 2, server_hash);
  if (!store_run (self, keep, error))
    return FALSE;
  /* our own poll meets that copy: seen, it is skipped before it is opened (it would only be
   * found a duplicate of the message it copies, after the open and the signature check) */
  if (server_hash == NULL)
    return TRUE;
  seen = store_prepare (self,
                        "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2)"
                        " ON CONFLICT (hash) DO UPDATE"
                        " SET expires_at = max(expires_at, excluded.expires_at)",
                        error);
  if (seen == NULL)
    return FALSE;
  store_bind_text (seen, 1, server_hash);
  sqlite3_bind_int64 (seen, 2, store_now_ms () + SYNC_COPY_KEEP_MS);
  return store_run (self, seen, error);
}

SdMessage *
sd_store_mark_sent (SdStore *self, const gchar *message_id, const gchar *server_hash,
                    GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdMessage) message = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  message = outbox_mark_sent (self, message_id, server_hash, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

gboolean
sd_store_mark_synced (SdStore *self, const gchar *message_id, const gchar *server_hash,
                      GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL || !outbox_mark_synced (self, message_id, server_hash, error))
    return FALSE;
  return store_tx_commit (tx, error);
}

/* a refusal of one item (nothing of it written) rather than a failed transaction */
static gboolean
is_item_refusal (const GError *error)
{
  return g_error_matches (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND) ||
         g_error_matches (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
}

gboolean
sd_store_outbox_done (SdStore *self, SdOutboxDone *done, guint n_done, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (done != NULL || n_done == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  for (guint i = 0; i < n_done; i++) {
    SdOutboxDone *item = &done[i];
    g_autoptr(GError) item_error = NULL;
    gboolean ok;

    g_clear_pointer (&item->message, sd_message_free);
    g_clear_error (&item->error);
    if (item->is_sync) {
      ok = outbox_mark_synced (self, item->message_id, item->server_hash, &item_error);
    } else {
      item->message = outbox_mark_sent (self, item->message_id, item->server_hash,
                                        &item_error);
      ok = item->message != NULL;
    }
    if (ok)
      continue;
    if (!is_item_refusal (item_error)) {
      /* the rollback undoes the items before this one too */
      for (guint j = 0; j < i; j++)
        g_clear_pointer (&done[j].message, sd_message_free);
      g_propagate_error (error, g_steal_pointer (&item_error));
      return FALSE;
    }
    item->error = g_steal_pointer (&item_error);
  }
  if (!store_tx_commit (tx, error)) {
    for (guint i = 0; i < n_done; i++)
      g_clear_pointer (&done[i].message, sd_message_free);
    return FALSE;
  }
  return TRUE;
}

SdMessage *
sd_store_mark_failed (SdStore *self, const gchar *message_id, const gchar *reason,
                      GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdCachedStmt) outbox = NULL;
  g_autoptr(SdMessage) message = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (reason != NULL && !store_check_utf8 (reason, "the reason", error))
    return NULL;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!store_find_message (self, message_id, &local_id, NULL, error) ||
      !expect_delivery_pending (self, local_id, message_id, error))
    return NULL;
  update = store_prepare (self, "UPDATE messages SET status = 'failed', error = ?2"
                          " WHERE local_id = ?1", error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  store_bind_text (update, 2, reason != NULL ? reason : "");
  if (!store_run (self, update, error))
    return NULL;
  outbox = store_prepare (self, "DELETE FROM outbox WHERE message = ?1", error);
  if (outbox == NULL)
    return NULL;
  sqlite3_bind_int64 (outbox, 1, local_id);
  if (!store_run (self, outbox, error))
    return NULL;
  message = store_load_message_by_id (self, message_id, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

/* resend's writes inside the caller's transaction: the checks, the attachments that did not
 * upload made ready to go again (for @path), the message back to `sending`. Their number in
 * @out_uploads */
static gboolean
resend_reset (SdStore *self, const gchar *conversation, const gchar *message_id,
              SdResendPath path, gint64 *out_local_id, guint *out_uploads, GError **error)
{
  g_autoptr(SdCachedStmt) lost = NULL;
  g_autoptr(SdCachedStmt) attachments = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autofree gchar *found_in = NULL;
  gint64 local_id;
  gint changes;

  if (!store_find_message (self, message_id, &local_id, &found_in, error))
    return FALSE;
  if (g_strcmp0 (found_in, conversation) != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no message %s here",
                 message_id);
    return FALSE;
  }
  if (!expect_ours_failed (self, local_id, message_id, error))
    return FALSE;
  /* a failed upload keeps its file, and an encrypted one its key (they go only after an
   * upload): without them the same blob cannot be made again. A room file has no key */
  lost = store_prepare (self, "SELECT count(*) FROM attachments WHERE message = ?1"
                        " AND state <> 'available' AND (file IS NULL OR (?2 AND secret IS NULL))",
                        error);
  if (lost == NULL)
    return FALSE;
  sqlite3_bind_int64 (lost, 1, local_id);
  sqlite3_bind_int (lost, 2, path != SD_RESEND_COMMUNITY);
  if (store_step (self, lost, error) != SQLITE_ROW)
    return FALSE;
  if (sqlite3_column_int (lost, 0) > 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                 "an attachment of message %s has lost its file", message_id);
    return FALSE;
  }
  /* only what did not upload is uploaded again: the others keep their pointers. SdAttachments
   * takes `uploading` rows to the file server; a room file is uploaded by the communities,
   * so it stays as it is until then */
  if (path == SD_RESEND_COMMUNITY)
    attachments = store_prepare (self, "SELECT count(*) FROM attachments"
                                 " WHERE message = ?1 AND state <> 'available'", error);
  else
    attachments = store_prepare (self, "UPDATE attachments SET state = 'uploading',"
                                 " attempts = 0, next_attempt_at = 0, error = NULL"
                                 " WHERE message = ?1 AND state <> 'available'", error);
  if (attachments == NULL)
    return FALSE;
  sqlite3_bind_int64 (attachments, 1, local_id);
  if (path == SD_RESEND_COMMUNITY) {
    if (store_step (self, attachments, error) != SQLITE_ROW)
      return FALSE;
    changes = sqlite3_column_int (attachments, 0);
  } else {
    if (!store_run (self, attachments, error))
      return FALSE;
    changes = sqlite3_changes (self->db);
  }
  update = store_prepare (self, "UPDATE messages SET status = 'sending', error = NULL"
                          " WHERE local_id = ?1", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, local_id);
  if (!store_run (self, update, error))
    return FALSE;
  *out_local_id = local_id;
  *out_uploads = (guint) MAX (changes, 0);
  return TRUE;
}

SdMessage *
sd_store_resend_failed_for (SdStore *self, const gchar *conversation, const gchar *message_id,
                            SdResendPath path, guint *out_uploads, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) outbox = NULL;
  g_autoptr(SdMessage) message = NULL;
  gint64 local_id = 0;
  guint uploads = 0;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail ((guint) path <= SD_RESEND_COMMUNITY, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!resend_reset (self, conversation, message_id, path, &local_id, &uploads, error))
    return NULL;
  /* as when it was queued: held back while uploads are to do, else due now; the same T, so
   * a copy that did reach the swarm before is dropped by receivers as a duplicate. Groups
   * and communities send without an outbox row: their `sending` status is what a restart
   * reads */
  if (path == SD_RESEND_OUTBOX) {
    outbox = store_prepare (self,
                            "INSERT INTO outbox (message, recipient, attempts, next_attempt_at,"
                            " is_sync) VALUES (?1, ?2, 0, ?3, 0)",
                            error);
    if (outbox == NULL)
      return NULL;
    sqlite3_bind_int64 (outbox, 1, local_id);
    store_bind_text (outbox, 2, conversation);
    sqlite3_bind_int64 (outbox, 3, store_outbox_first_attempt (uploads));
    if (!store_run (self, outbox, error))
      return NULL;
  }
  message = store_load_message_by_id (self, message_id, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  if (out_uploads != NULL)
    *out_uploads = uploads;
  return g_steal_pointer (&message);
}

SdMessage *
sd_store_resend_failed (SdStore *self, const gchar *conversation, const gchar *message_id,
                        GError **error)
{
  return sd_store_resend_failed_for (self, conversation, message_id, SD_RESEND_OUTBOX, NULL,
                                     error);
}

gboolean
sd_store_outbox_reschedule (SdStore *self, const gchar *message_id, gint64 next_attempt_at,
                            const gchar *last_error, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (last_error != NULL && !store_check_utf8 (last_error, "the error", error))
    return FALSE;
  if (!store_find_message (self, message_id, &local_id, NULL, error))
    return FALSE;
  stmt = store_prepare (self,
                        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,"
                        " last_error = ?3 WHERE message = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  sqlite3_bind_int64 (stmt, 2, next_attempt_at);
  store_bind_text (stmt, 3, last_error);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                 "message %s is not in the outbox", message_id);
    return FALSE;
  }
  return TRUE;
}

/* ---- jobs ---------------------------------------------------------------------------------- */

gboolean
sd_store_add_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL || !store_insert_jobs (self, jobs, n_jobs, error))
    return FALSE;
  return store_tx_commit (tx, error);
}

/* a row of "SELECT id, kind, target, payload, sent_at, value, attempts FROM jobs" */
static SdJob *
job_from_row (sqlite3_stmt *stmt)
{
  SdJob *job = g_new0 (SdJob, 1);

  job->id = sqlite3_column_int64 (stmt, 0);
  /* the CHECK constraint leaves an unknown kind to a damaged file only */
  if (!sd_job_kind_from_string ((const gchar *) sqlite3_column_text (stmt, 1), &job->kind))
    job->kind = SD_JOB_STORE;
  job->target = store_column_dup (stmt, 2);
  job->payload = g_bytes_new (sqlite3_column_blob (stmt, 3),
                              (gsize) sqlite3_column_bytes (stmt, 3));
  job->sent_at = sqlite3_column_int64 (stmt, 4);
  job->value = sqlite3_column_int64 (stmt, 5);
  job->attempts = (guint) sqlite3_column_int (stmt, 6);
  return job;
}

GPtrArray *
sd_store_jobs_due (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        "SELECT id, kind, target, payload, sent_at, value, attempts FROM jobs"
                        " WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return store_collect_rows (self, stmt, (StoreRowNew) job_from_row,
                             (GDestroyNotify) sd_job_free, error);
}

gboolean
sd_store_jobs_next_due (SdStore *self, gint64 *out_next, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_next != NULL, FALSE);

  return store_query_min (self, "SELECT min(next_attempt_at) FROM jobs", out_next, error);
}

gboolean
sd_store_job_done (SdStore *self, gint64 job_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self, "DELETE FROM jobs WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  return store_run (self, stmt, error);
}

gboolean
sd_store_job_reschedule (SdStore *self, gint64 job_id, gint64 next_attempt_at, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "UPDATE jobs SET attempts = attempts + 1, next_attempt_at = ?2"
                        " WHERE id = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, job_id);
  sqlite3_bind_int64 (stmt, 2, next_attempt_at);
  return store_run (self, stmt, error);
}
