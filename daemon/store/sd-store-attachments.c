/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-attachment-pointer.h"
#include "sd-store-rows.h"

/*
 * Attachments (docs/attachments.md): one row per AttachmentPointer of a message, removed with
 * the message by the foreign key. Ours are written with the message (uploading) and hold the
 * outbox row back until every upload is done; incoming ones arrive with the batch (pending).
 * The transfers themselves are SdAttachments' (daemon/sd-attachments.c).
 */

/* the outbox row of a message with uploads to do waits here until they are done */
#define UPLOAD_HOLD G_MAXINT64

#define INFO_COLUMNS \
  "idx, file_name, content_type, caption, size, width, height, voice, state, file, error"

static SdAttachmentInfo *
info_from_row (sqlite3_stmt *stmt, int first)
{
  SdAttachmentInfo *info = g_new0 (SdAttachmentInfo, 1);

  info->index = (guint) CLAMP (sqlite3_column_int64 (stmt, first + 0), 0, G_MAXUINT);
  info->file_name = store_column_dup (stmt, first + 1);
  info->content_type = store_column_dup (stmt, first + 2);
  info->caption = store_column_dup (stmt, first + 3);
  info->size = sqlite3_column_int64 (stmt, first + 4);
  info->width = (guint32) CLAMP (sqlite3_column_int64 (stmt, first + 5), 0, G_MAXUINT32);
  info->height = (guint32) CLAMP (sqlite3_column_int64 (stmt, first + 6), 0, G_MAXUINT32);
  info->voice = sqlite3_column_int (stmt, first + 7) != 0;
  if (!sd_attachment_state_from_string ((const gchar *) sqlite3_column_text (stmt, first + 8),
                                        &info->state))
    info->state = SD_ATTACHMENT_STATE_FAILED;
  info->file = store_column_dup (stmt, first + 9);
  info->error = store_column_dup (stmt, first + 10);
  info->progress = info->state == SD_ATTACHMENT_STATE_AVAILABLE ? 100 : 0;
  return info;
}


static void
row_add_info (sqlite3_stmt *stmt, SdMessage *message)
{
  if (message->attachments == NULL)
    message->attachments = g_ptr_array_new_with_free_func (
      (GDestroyNotify) sd_attachment_info_free);
  g_ptr_array_add (message->attachments, info_from_row (stmt, 1));
}

/* an attachment's key in attachment_progress: indexes are below SD_ATTACHMENT_MAX_COUNT */
#define PROGRESS_INDEX_MAX 64

void
sd_store_attachment_set_progress (SdStore *self, gint64 local_id, guint index, guint percent)
{
  gint64 key;

  g_return_if_fail (SD_IS_STORE (self));
  g_return_if_fail (index < PROGRESS_INDEX_MAX && local_id >= 0 &&
                    local_id < G_MAXINT64 / PROGRESS_INDEX_MAX);

  key = local_id * PROGRESS_INDEX_MAX + index;
  if (percent == 0) {
    if (self->attachment_progress != NULL)
      g_hash_table_remove (self->attachment_progress, &key);
    return;
  }
  if (self->attachment_progress == NULL)
    self->attachment_progress = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_hash_table_insert (self->attachment_progress, g_memdup2 (&key, sizeof key),
                       GUINT_TO_POINTER (MIN (percent, 99)));
}

/* what sd_store_attachment_set_progress noted, over the rows' 0 */
static void
add_progress (SdStore *self, SdMessage *const *messages, guint n_messages)
{
  if (self->attachment_progress == NULL || g_hash_table_size (self->attachment_progress) == 0)
    return;
  for (guint i = 0; i < n_messages; i++) {
    GPtrArray *infos = messages[i]->attachments;

    for (guint j = 0; infos != NULL && j < infos->len; j++) {
      SdAttachmentInfo *info = g_ptr_array_index (infos, j);
      gint64 key = messages[i]->local_id * PROGRESS_INDEX_MAX + info->index;

      if ((info->state == SD_ATTACHMENT_STATE_UPLOADING ||
           info->state == SD_ATTACHMENT_STATE_DOWNLOADING) && info->index < PROGRESS_INDEX_MAX)
        info->progress = GPOINTER_TO_UINT (g_hash_table_lookup (self->attachment_progress,
                                                                &key));
    }
  }
}

gboolean
store_load_attachments (SdStore *self, SdMessage *const *messages, guint n_messages,
                        GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (n_messages == 0)
    return TRUE;
  for (guint i = 0; i < n_messages; i++)
    g_clear_pointer (&messages[i]->attachments, g_ptr_array_unref);
  stmt = store_prepare (self,
                        "SELECT message, " INFO_COLUMNS " FROM attachments"
                        " WHERE message IN (SELECT value FROM json_each(?1))"
                        " ORDER BY message, idx",
                        error);
  if (stmt == NULL)
    return FALSE;
  if (!store_each_message_row (self, stmt, messages, n_messages, NULL, row_add_info, error))
    return FALSE;
  add_progress (self, messages, n_messages);
  return TRUE;
}

gboolean
store_insert_attachment_row (SdStore *self, gint64 local_id, guint idx,
                             const StoreAttachmentRow *row, GError **error)
{
  g_autoptr(SdCachedStmt) insert = NULL;

  insert = store_prepare (self,
                          "INSERT INTO attachments (message, idx, state, pointer, file_name,"
                          " content_type, caption, size, width, height, voice, file, secret,"
                          " error)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                          error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, local_id);
  sqlite3_bind_int (insert, 2, (int) idx);
  store_bind_text (insert, 3, row->state);
  if (row->pointer != NULL)
    sqlite3_bind_blob (insert, 4, g_bytes_get_data (row->pointer, NULL),
                       (int) g_bytes_get_size (row->pointer), SQLITE_TRANSIENT);
  store_bind_text (insert, 5, row->file_name);
  store_bind_text (insert, 6, row->content_type);
  store_bind_text (insert, 7, row->caption);
  sqlite3_bind_int64 (insert, 8, row->size);
  sqlite3_bind_int64 (insert, 9, row->width);
  sqlite3_bind_int64 (insert, 10, row->height);
  sqlite3_bind_int (insert, 11, row->voice ? 1 : 0);
  store_bind_text (insert, 12, row->file);
  if (row->secret != NULL)
    sqlite3_bind_blob (insert, 13, g_bytes_get_data (row->secret, NULL),
                       (int) g_bytes_get_size (row->secret), SQLITE_TRANSIENT);
  store_bind_text (insert, 14, row->error);
  return store_run (self, insert, error);
}

gboolean
store_insert_outgoing_attachments (SdStore *self, gint64 local_id,
                                   const SdOutgoingAttachment *attachments, guint n,
                                   GError **error)
{
  for (guint i = 0; i < n; i++) {
    const SdOutgoingAttachment *a = &attachments[i];
    StoreAttachmentRow row = {
      .state = "uploading", .file_name = a->file_name, .content_type = a->content_type,
      .caption = a->caption, .size = a->size, .width = a->width, .height = a->height,
      .voice = a->voice, .file = a->file, .secret = a->secret,
    };

    if (!store_insert_attachment_row (self, local_id, i, &row, error))
      return FALSE;
  }
  return TRUE;
}

gint64
store_outbox_first_attempt (guint n_attachments)
{
  return n_attachments > 0 ? UPLOAD_HOLD : 0;
}

gboolean
store_insert_incoming_attachments (SdStore *self, gint64 local_id, GPtrArray *pointers,
                                   GError **error)
{
  for (guint i = 0; pointers != NULL && i < pointers->len; i++) {
    GBytes *wire = g_ptr_array_index (pointers, i);
    g_autoptr(SdAttachmentPointer) pointer = NULL;
    g_autoptr(GError) local_error = NULL;
    StoreAttachmentRow row = { .state = "failed", .pointer = wire, .size = -1 };

    /* ingest checked them; a pointer that does not decode is kept as failed, so the index
     * of the others still matches the sender's */
    pointer = sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL),
                                            g_bytes_get_size (wire), &local_error);
    if (pointer != NULL) {
      row.state = "pending";
      row.file_name = pointer->file_name;
      row.content_type = pointer->content_type;
      row.caption = pointer->caption;
      row.size = pointer->size;
      row.width = pointer->width;
      row.height = pointer->height;
      row.voice = pointer->voice_message;
    } else {
      row.error = local_error->message;
    }
    if (!store_insert_attachment_row (self, local_id, i, &row, error))
      return FALSE;
  }
  return TRUE;
}

/* ---- contacts' avatars ------------------------------------------------------------------------ */

gboolean
store_apply_avatar (SdStore *self, const gchar *conversation, const gchar *url, GBytes *key,
                    GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (url == NULL || key == NULL) {
    stmt = store_prepare (self, "DELETE FROM avatars WHERE conversation = ?1", error);
    if (stmt == NULL)
      return FALSE;
    store_bind_text (stmt, 1, conversation);
    return store_run (self, stmt, error);
  }
  /* the same picture again keeps its file; a new one is fetched */
  stmt = store_prepare (self,
                        "INSERT INTO avatars (conversation, url, key) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (conversation) DO UPDATE SET url = ?2, key = ?3,"
                        " file = CASE WHEN url = ?2 AND key = ?3 THEN file END"
                        " WHERE url IS NOT ?2 OR key IS NOT ?3",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation);
  store_bind_text (stmt, 2, url);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (key, NULL), (int) g_bytes_get_size (key),
                     SQLITE_TRANSIENT);
  return store_run (self, stmt, error);
}

gboolean
sd_store_get_avatar (SdStore *self, const gchar *conversation, gchar **out_url, GBytes **out_key,
                     gchar **out_file, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self, "SELECT url, key, file FROM avatars WHERE conversation = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation);
  if (!store_step_row (self, stmt, "this contact has no avatar", error))
    return FALSE;
  *out_url = store_column_dup (stmt, 0);
  *out_key = g_bytes_new (sqlite3_column_blob (stmt, 1), (gsize) sqlite3_column_bytes (stmt, 1));
  *out_file = store_column_dup (stmt, 2);
  return TRUE;
}

gboolean
sd_store_set_avatar_file (SdStore *self, const gchar *conversation, const gchar *url,
                          const gchar *file, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  /* only while the picture is still the one fetched */
  stmt = store_prepare (self, "UPDATE avatars SET file = ?3 WHERE conversation = ?1 AND url = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation);
  store_bind_text (stmt, 2, url);
  store_bind_text (stmt, 3, file);
  return store_run (self, stmt, error);
}

GPtrArray *
sd_store_avatars_missing (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self, "SELECT conversation FROM avatars WHERE file IS NULL", error);
  if (stmt == NULL)
    return NULL;
  return store_collect_rows (self, stmt, store_row_text, g_free, error);
}

/* ---- the transfers --------------------------------------------------------------------------- */

void
sd_attachment_work_free (SdAttachmentWork *work)
{
  if (work == NULL)
    return;
  g_free (work->message_id);
  g_free (work->conversation);
  g_clear_pointer (&work->info, sd_attachment_info_free);
  g_clear_pointer (&work->pointer, g_bytes_unref);
  g_clear_pointer (&work->secret, g_bytes_unref);
  g_free (work);
}

#define WORK_SELECT \
  "SELECT m.author, m.sent_at, m.conversation, m.outgoing, a.message, a.attempts, a.pointer," \
  " a.secret, a.idx, a.file_name, a.content_type, a.caption, a.size, a.width, a.height," \
  " a.voice, a.state, a.file, a.error" \
  " FROM attachments a JOIN messages m ON m.local_id = a.message"

static SdAttachmentWork *
work_from_row (sqlite3_stmt *stmt)
{
  SdAttachmentWork *work = g_new0 (SdAttachmentWork, 1);
  const gchar *author = (const gchar *) sqlite3_column_text (stmt, 0);

  work->message_id = sd_message_id_make (author, sqlite3_column_int64 (stmt, 1));
  work->conversation = store_column_dup (stmt, 2);
  work->outgoing = sqlite3_column_int (stmt, 3) != 0;
  work->local_id = sqlite3_column_int64 (stmt, 4);
  work->attempts = (guint) CLAMP (sqlite3_column_int64 (stmt, 5), 0, G_MAXUINT);
  if (sqlite3_column_type (stmt, 6) == SQLITE_BLOB)
    work->pointer = g_bytes_new (sqlite3_column_blob (stmt, 6),
                                 (gsize) sqlite3_column_bytes (stmt, 6));
  if (sqlite3_column_type (stmt, 7) == SQLITE_BLOB)
    work->secret = g_bytes_new (sqlite3_column_blob (stmt, 7),
                                (gsize) sqlite3_column_bytes (stmt, 7));
  work->info = info_from_row (stmt, 8);
  return work;
}

GPtrArray *
sd_store_attachment_work_due (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        WORK_SELECT
                        " WHERE a.state IN ('uploading', 'downloading')"
                        " AND a.next_attempt_at <= ?1"
                        " ORDER BY a.next_attempt_at, a.message, a.idx LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return store_collect_rows (self, stmt, (StoreRowNew) work_from_row,
                             (GDestroyNotify) sd_attachment_work_free, error);
}

gboolean
sd_store_attachment_next_due (SdStore *self, gint64 *out_next, GError **error)
{
  return store_query_min (self,
                          "SELECT min(next_attempt_at) FROM attachments"
                          " WHERE state IN ('uploading', 'downloading')",
                          out_next, error);
}

gboolean
sd_store_attachment_uploading_bytes (SdStore *self, gint64 *out_bytes, GError **error)
{
  return store_query_min (self,
                          "SELECT coalesce(sum(max(size, 0)), 0) FROM attachments"
                          " WHERE state = 'uploading'",
                          out_bytes, error);
}

SdAttachmentWork *
sd_store_get_attachment (SdStore *self, const gchar *conversation, const gchar *message_id,
                         guint index, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  gint64 local_id;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (!store_find_message (self, message_id, &local_id, NULL, error))
    return NULL;
  /* a message of another conversation is not found through this one */
  stmt = store_prepare (self, WORK_SELECT " WHERE a.message = ?1 AND a.idx = ?2"
                              " AND m.conversation = ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, local_id);
  sqlite3_bind_int64 (stmt, 2, index);
  store_bind_text (stmt, 3, conversation);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return NULL;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                 "the conversation has no such message with an attachment %u", index);
    return NULL;
  }
  return work_from_row (stmt);
}

typedef struct {
  GPtrArray *ids; /* (element-type utf8) */
  gint64 last;    /* the local id of the last message added */
} MessageIds;

/* rows: author, sent_at, local id */
static void
row_add_message_id (sqlite3_stmt *stmt, gpointer user_data)
{
  MessageIds *collect = user_data;

  if (sqlite3_column_int64 (stmt, 2) == collect->last)
    return;
  collect->last = sqlite3_column_int64 (stmt, 2);
  g_ptr_array_add (collect->ids, sd_message_id_make ((const gchar *) sqlite3_column_text (stmt, 0),
                                                     sqlite3_column_int64 (stmt, 1)));
}

GPtrArray *
sd_store_attachments_start_pending (SdStore *self, const gchar *conversation, gint64 max_size,
                                    GError **error)
{
  g_autoptr(SdCachedStmt) select = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  MessageIds collect = { ids, -1 };

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  /* an unknown size (-1) is bounded by the download's own cap. Theirs and the sync copies
   * of ours sent from another device (only those are pending among ours) */
  select = store_prepare (self,
                          "SELECT m.author, m.sent_at, m.local_id FROM messages m"
                          " JOIN attachments a ON a.message = m.local_id"
                          " WHERE m.conversation = ?1"
                          "  AND a.state = 'pending' AND a.pointer IS NOT NULL AND a.size <= ?2"
                          " ORDER BY m.local_id", error);
  if (select == NULL)
    return NULL;
  store_bind_text (select, 1, conversation);
  sqlite3_bind_int64 (select, 2, max_size);
  /* ordered by message: one id per message */
  if (!store_each_row (self, select, row_add_message_id, &collect, error))
    return NULL;
  update = store_prepare (self,
                          "UPDATE attachments SET state = 'downloading', attempts = 0,"
                          " next_attempt_at = 0, error = NULL"
                          " WHERE state = 'pending' AND pointer IS NOT NULL AND size <= ?2"
                          "  AND message IN (SELECT local_id FROM messages"
                          "   WHERE conversation = ?1)", error);
  if (update == NULL)
    return NULL;
  store_bind_text (update, 1, conversation);
  sqlite3_bind_int64 (update, 2, max_size);
  if (!store_run (self, update, error) || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&ids);
}

gboolean
sd_store_attachment_set_state (SdStore *self, gint64 local_id, guint index,
                               SdAttachmentState state, const gchar *file, const gchar *reason,
                               GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "UPDATE attachments SET state = ?3, file = coalesce(?4, file), error = ?5,"
                        " attempts = CASE WHEN ?3 = 'downloading' THEN 0 ELSE attempts END,"
                        " next_attempt_at = 0"
                        " WHERE message = ?1 AND idx = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  sqlite3_bind_int64 (stmt, 2, index);
  store_bind_text (stmt, 3, sd_attachment_state_to_string (state));
  store_bind_text (stmt, 4, file);
  store_bind_text (stmt, 5, reason);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such attachment");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_store_attachment_reschedule (SdStore *self, gint64 local_id, guint index, gint64 next_at,
                                const gchar *reason, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "UPDATE attachments SET attempts = attempts + 1, next_attempt_at = ?3,"
                        " error = ?4 WHERE message = ?1 AND idx = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  sqlite3_bind_int64 (stmt, 2, index);
  sqlite3_bind_int64 (stmt, 3, next_at);
  store_bind_text (stmt, 4, reason);
  return store_run (self, stmt, error);
}

static gpointer
row_blob (sqlite3_stmt *stmt)
{
  return g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
}

gboolean
sd_store_attachment_uploaded (SdStore *self, gint64 local_id, guint index, GBytes *pointer,
                              gboolean *out_all_done, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdCachedStmt) left = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  *out_all_done = FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  update = store_prepare (self,
                          "UPDATE attachments SET state = 'available', pointer = ?3, error = NULL,"
                          " secret = NULL WHERE message = ?1 AND idx = ?2 AND state = 'uploading'",
                          error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, local_id);
  sqlite3_bind_int64 (update, 2, index);
  sqlite3_bind_blob (update, 3, g_bytes_get_data (pointer, NULL),
                     (int) g_bytes_get_size (pointer), SQLITE_TRANSIENT);
  if (!store_run (self, update, error))
    return FALSE;
  left = store_prepare (self,
                        "SELECT 1 FROM attachments WHERE message = ?1 AND state = 'uploading'",
                        error);
  if (left == NULL)
    return FALSE;
  sqlite3_bind_int64 (left, 1, local_id);
  rc = store_step (self, left, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_DONE) {
    g_autoptr(SdCachedStmt) release = NULL;

    /* the last upload: the message is due now */
    release = store_prepare (self,
                             "UPDATE outbox SET next_attempt_at = 0"
                             " WHERE message = ?1 AND next_attempt_at = ?2",
                             error);
    if (release == NULL)
      return FALSE;
    sqlite3_bind_int64 (release, 1, local_id);
    sqlite3_bind_int64 (release, 2, UPLOAD_HOLD);
    if (!store_run (self, release, error))
      return FALSE;
    *out_all_done = TRUE;
  }
  return store_tx_commit (tx, error);
}

GPtrArray *
sd_store_attachment_pointers (SdStore *self, gint64 local_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        "SELECT pointer FROM attachments WHERE message = ?1 AND pointer IS NOT NULL"
                        " ORDER BY idx",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, local_id);
  return store_collect_rows (self, stmt, row_blob, (GDestroyNotify) g_bytes_unref, error);
}

static void
row_add_file (sqlite3_stmt *stmt, gpointer files)
{
  g_hash_table_add (files, store_column_dup (stmt, 0));
}

GHashTable *
sd_store_attachment_files (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        "SELECT file FROM attachments WHERE file IS NOT NULL"
                        " UNION ALL SELECT file FROM avatars WHERE file IS NOT NULL",
                        error);
  if (stmt == NULL)
    return NULL;
  if (!store_each_row (self, stmt, row_add_file, files, error))
    return NULL;
  return g_steal_pointer (&files);
}
