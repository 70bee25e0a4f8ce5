/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include "sd-store-rows.h"

/*
 * Rows: reading messages (with their quotes and reactions) and conversations into values,
 * and the row writes that more than one path makes (conversations created on demand, the
 * disappearing-messages setting, removed-message ids, network jobs). Above the core, below
 * every path; it calls no path.
 */

/* ---- messages ------------------------------------------------------------------------------ */

/* @sql (a literal) prepared with a message's key bound: ?1 its author, ?2 its sent_at */
static SdCachedStmt *
prepare_at (SdStore *self, const gchar *sql, const gchar *author, gint64 sent_at,
            GError **error)
{
  SdCachedStmt *stmt = store_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, sent_at);
  return stmt;
}

SdMessage *
store_message_from_row (sqlite3_stmt *stmt, int first)
{
  SdMessage *message = g_new0 (SdMessage, 1);

  message->author = store_column_dup (stmt, first + 0);
  message->sent_at = sqlite3_column_int64 (stmt, first + 1);
  message->id = sd_message_id_make (message->author, message->sent_at);
  message->conversation = store_column_dup (stmt, first + 2);
  message->outgoing = sqlite3_column_int (stmt, first + 3) != 0;
  message->body = store_column_dup (stmt, first + 4);
  if (message->body == NULL)
    message->body = g_strdup ("");
  message->received_at = sqlite3_column_int64 (stmt, first + 5);
  /* the CHECK constraint leaves an unknown status to a damaged file only */
  if (!sd_message_status_from_string ((const gchar *) sqlite3_column_text (stmt, first + 6),
                                      &message->status))
    message->status = SD_MESSAGE_STATUS_FAILED;
  message->error = store_column_dup (stmt, first + 7);
  message->expires_at = sqlite3_column_int64 (stmt, first + 8);
  message->server_hash = store_column_dup (stmt, first + 9);
  if (!sd_message_kind_from_string ((const gchar *) sqlite3_column_text (stmt, first + 10),
                                    &message->kind))
    message->kind = SD_MESSAGE_KIND_TEXT;
  message->quote_author = store_column_dup (stmt, first + 11);
  message->quote_sent_at = sqlite3_column_int64 (stmt, first + 12);
  message->quote_body = store_column_dup (stmt, first + 13);
  message->expiration_mode = (SdExpirationMode) CLAMP (sqlite3_column_int (stmt, first + 14), 0, 2);
  message->expiration_timer = (guint32) CLAMP (sqlite3_column_int64 (stmt, first + 15), 0,
                                               G_MAXUINT32);
  message->sync_hash = store_column_dup (stmt, first + 16);
  message->local_id = sqlite3_column_int64 (stmt, first + 17);
  return message;
}

gchar *
store_ids_json (const gint64 *ids, guint n_ids)
{
  GString *json = g_string_sized_new (2 + (gsize) n_ids * 8);

  g_string_append_c (json, '[');
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (json, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", ids[i]);
  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

typedef struct {
  GHashTable *by_local_id; /* local id -> SdMessage (unowned) */
  StoreMessageRowFunc row;
} MessageRows;

static void
message_row (sqlite3_stmt *stmt, gpointer user_data)
{
  MessageRows *rows = user_data;
  gint64 local_id = sqlite3_column_int64 (stmt, 0);
  SdMessage *message = g_hash_table_lookup (rows->by_local_id, &local_id);

  if (message != NULL)
    rows->row (stmt, message);
}

gboolean
store_each_message_row (SdStore *self, sqlite3_stmt *stmt, SdMessage *const *messages,
                        guint n_messages, StoreMessageFilter keep, StoreMessageRowFunc row,
                        GError **error)
{
  g_autoptr(GHashTable) by_local_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) local_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gchar *json = NULL;
  MessageRows rows = { by_local_id, row };

  for (guint i = 0; i < n_messages; i++) {
    if (keep != NULL && !keep (messages[i]))
      continue;
    g_hash_table_insert (by_local_id, &messages[i]->local_id, messages[i]);
    g_array_append_val (local_ids, messages[i]->local_id);
  }
  if (local_ids->len == 0)
    return TRUE;
  json = store_ids_json ((const gint64 *) (gpointer) local_ids->data, local_ids->len);
  store_bind_text (stmt, 1, json);
  return store_each_row (self, stmt, message_row, &rows, error);
}

static void
row_add_reaction (sqlite3_stmt *stmt, SdMessage *message)
{
  SdReaction reaction;

  if (message->reactions == NULL)
    message->reactions = sd_reactions_new (0);
  reaction.emoji = store_column_dup (stmt, 1);
  reaction.count = (guint) CLAMP (sqlite3_column_int64 (stmt, 2), 0, G_MAXUINT);
  reaction.mine = sqlite3_column_int (stmt, 3) != 0;
  g_array_append_val (message->reactions, reaction);
}

/* the per-emoji summary of each message's reactions, in one query for all of them; in the
 * order the emoji were first used */
static gboolean
load_reactions (SdStore *self, SdMessage *const *messages, guint n_messages, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (n_messages == 0)
    return TRUE;
  for (guint i = 0; i < n_messages; i++)
    g_clear_pointer (&messages[i]->reactions, g_array_unref);
  stmt = store_prepare (self,
                        "SELECT message, emoji, count(*), max(reactor = ?2) FROM reactions"
                        " WHERE message IN (SELECT value FROM json_each(?1))"
                        " GROUP BY message, emoji ORDER BY message, min(reacted_at), emoji",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 2, self->account_id);
  return store_each_message_row (self, stmt, messages, n_messages, NULL, row_add_reaction,
                                 error);
}

static gpointer
message_from_row (sqlite3_stmt *stmt)
{
  return store_message_from_row (stmt, 0);
}

GPtrArray *
store_collect_messages (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(GPtrArray) messages = NULL;

  messages = store_collect_rows (self, stmt, message_from_row, (GDestroyNotify) sd_message_free,
                                 error);
  if (messages == NULL)
    return NULL;
  /* after the rows: the reaction query must not interleave with a running statement */
  if (!load_reactions (self, (SdMessage *const *) messages->pdata, messages->len, error) ||
      !store_load_community_posts (self, (SdMessage *const *) messages->pdata, messages->len,
                                   error) ||
      !store_load_attachments (self, (SdMessage *const *) messages->pdata, messages->len, error))
    return NULL;
  return g_steal_pointer (&messages);
}

SdMessage *
store_load_message (SdStore *self, const gchar *author, gint64 sent_at, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdMessage) message = NULL;

  stmt = prepare_at (self,
                     "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                     " WHERE m.author = ?1 AND m.sent_at = ?2",
                     author, sent_at, error);
  if (stmt == NULL)
    return NULL;
  if (!store_step_row (self, stmt, "no such message", error))
    return NULL;
  message = store_message_from_row (stmt, 0);
  if (!load_reactions (self, &message, 1, error) ||
      !store_load_attachments (self, &message, 1, error) ||
      !store_load_community_posts (self, &message, 1, error))
    return NULL;
  return g_steal_pointer (&message);
}

SdMessage *
store_load_message_by_id (SdStore *self, const gchar *message_id, GError **error)
{
  g_autofree gchar *author = NULL;
  gint64 sent_at;

  if (!sd_message_id_parse (message_id, &author, &sent_at, error))
    return NULL;
  return store_load_message (self, author, sent_at, error);
}

gboolean
store_locate_message (SdStore *self, const gchar *author, gint64 sent_at, gboolean *out_found,
                      gint64 *out_local_id, gchar **out_conversation, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = prepare_at (self,
                     "SELECT local_id, conversation FROM messages"
                     " WHERE author = ?1 AND sent_at = ?2",
                     author, sent_at, error);
  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_found = rc == SQLITE_ROW;
  if (*out_found) {
    *out_local_id = sqlite3_column_int64 (stmt, 0);
    if (out_conversation != NULL)
      *out_conversation = store_column_dup (stmt, 1);
  }
  return TRUE;
}

gboolean
store_find_message (SdStore *self, const gchar *message_id, gint64 *out_local_id,
                    gchar **out_conversation, GError **error)
{
  g_autofree gchar *author = NULL;
  gint64 sent_at;
  gboolean found;

  if (!sd_message_id_parse (message_id, &author, &sent_at, error) ||
      !store_locate_message (self, author, sent_at, &found, out_local_id, out_conversation,
                             error))
    return FALSE;
  if (!found) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no message %s", message_id);
    return FALSE;
  }
  return TRUE;
}

gboolean
store_load_body (SdStore *self, const gchar *conversation, const gchar *author,
                 gint64 sent_at, gchar **out_body, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = prepare_at (self,
                     "SELECT body FROM messages WHERE author = ?1 AND sent_at = ?2"
                     " AND conversation = ?3",
                     author, sent_at, error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 3, conversation);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_body = rc == SQLITE_ROW ? store_column_dup (stmt, 0) : NULL;
  return TRUE;
}

/* ---- conversations ------------------------------------------------------------------------- */

SdConversation *
store_conversation_from_row (sqlite3_stmt *stmt)
{
  SdConversation *conversation = g_new0 (SdConversation, 1);

  conversation->id = store_column_dup (stmt, 0);
  if (!sd_conversation_kind_from_string ((const gchar *) sqlite3_column_text (stmt, 1),
                                         &conversation->kind))
    conversation->kind = SD_CONVERSATION_KIND_DIRECT;
  conversation->name = store_column_dup (stmt, 2);
  conversation->nickname = store_column_dup (stmt, 3);
  conversation->approved = sqlite3_column_int (stmt, 4) != 0;
  conversation->they_approved = sqlite3_column_int (stmt, 5) != 0;
  conversation->blocked = sqlite3_column_int (stmt, 6) != 0;
  conversation->muted_until = sqlite3_column_int64 (stmt, 7);
  conversation->last_activity = sqlite3_column_int64 (stmt, 8);
  conversation->profile_updated = sqlite3_column_int64 (stmt, 9);
  conversation->expiration_mode = store_column_dup (stmt, 10);
  conversation->expiration_timer = sqlite3_column_int64 (stmt, 11);
  conversation->unread = (guint) CLAMP (sqlite3_column_int64 (stmt, 12), 0, G_MAXUINT);
  conversation->last_message_preview = store_column_dup (stmt, 13);
  conversation->priority = sqlite3_column_int64 (stmt, 14);
  conversation->notify_mode = CLAMP (sqlite3_column_int (stmt, 15), 0, 3);
  conversation->marked_unread = sqlite3_column_int (stmt, 16) != 0;
  conversation->avatar_url = store_column_dup (stmt, 17);
  conversation->last_read_at = sqlite3_column_int64 (stmt, 18);
  return conversation;
}

SdConversation *
store_load_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, STORE_CONVERSATION_SELECT " WHERE c.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, id);
  if (!store_step_row (self, stmt, "no such conversation", error))
    return NULL;
  return store_conversation_from_row (stmt);
}

/* NOT_FOUND unless conversation @id exists */
gboolean
store_expect_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (!store_check_conversation_id (id, "the conversation id", error))
    return FALSE;
  stmt = store_prepare (self, "SELECT 1 FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, id);
  if (!store_step_row (self, stmt, "no such conversation", error))
    return FALSE;
  return TRUE;
}

/* the conversation exists (created if it did not), and whether it is blocked */
gboolean
store_ensure_conversation (SdStore *self, const gchar *id, SdConversationKind kind,
                           gboolean approved, gboolean they_approved, gint64 last_activity,
                           gboolean *out_created, gboolean *out_blocked, GError **error)
{
  g_autoptr(SdCachedStmt) select = NULL;
  g_autoptr(SdCachedStmt) insert = NULL;
  int rc;

  select = store_prepare (self, "SELECT blocked FROM conversations WHERE id = ?1", error);
  if (select == NULL)
    return FALSE;
  store_bind_text (select, 1, id);
  rc = store_step (self, select, error);
  if (rc == 0)
    return FALSE;
  *out_created = FALSE;
  if (rc == SQLITE_ROW) {
    *out_blocked = sqlite3_column_int (select, 0) != 0;
    return TRUE;
  }
  *out_blocked = FALSE;
  insert = store_prepare (self,
                          "INSERT INTO conversations"
                          " (id, kind, approved, they_approved, last_activity)"
                          " VALUES (?1, ?2, ?3, ?4, ?5)",
                          error);
  if (insert == NULL)
    return FALSE;
  store_bind_text (insert, 1, id);
  store_bind_text (insert, 2, sd_conversation_kind_to_string (kind));
  sqlite3_bind_int (insert, 3, approved);
  sqlite3_bind_int (insert, 4, they_approved);
  sqlite3_bind_int64 (insert, 5, last_activity);
  if (!store_run (self, insert, error))
    return FALSE;
  *out_created = TRUE;
  return TRUE;
}

/* the newest change of a conversation's disappearing-messages setting wins */
gboolean
store_apply_expiration (SdStore *self, const gchar *conversation_id, SdExpirationMode mode,
                        guint32 timer, gint64 changed_at, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "UPDATE conversations SET expiration_mode = ?2, expiration_timer = ?3,"
                        " expiration_changed_at = ?4 WHERE id = ?1 AND expiration_changed_at < ?4",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  store_bind_text (stmt, 2, sd_expiration_mode_to_string (mode));
  sqlite3_bind_int64 (stmt, 3, mode == SD_EXPIRATION_OFF ? 0 : timer);
  sqlite3_bind_int64 (stmt, 4, changed_at);
  return store_run (self, stmt, error);
}

/* ---- inserted messages --------------------------------------------------------------------- */

gboolean
store_index_messages (SdStore *self, const gint64 *local_ids, guint n_local_ids, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autofree gchar *ids = NULL;

  if (n_local_ids == 0)
    return TRUE;
  ids = store_ids_json (local_ids, n_local_ids);
  /* in rowid order, as FTS5 appends best */
  stmt = store_prepare (self,
                        "INSERT INTO messages_fts (rowid, body) SELECT local_id, body"
                        " FROM messages WHERE local_id IN (SELECT value FROM json_each(?1))"
                        " ORDER BY local_id",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, ids);
  return store_run (self, stmt, error);
}

gboolean
store_mark_unread (SdStore *self, const gchar *conversation, gint64 sent_at, gint64 local_id,
                   GError **error)
{
  g_autoptr(SdCachedStmt) mark = NULL;

  mark = store_prepare (self,
                        "INSERT INTO unread_messages (conversation, sent_at, message)"
                        " VALUES (?1, ?2, ?3)",
                        error);
  if (mark == NULL)
    return FALSE;
  store_bind_text (mark, 1, conversation);
  sqlite3_bind_int64 (mark, 2, sent_at);
  sqlite3_bind_int64 (mark, 3, local_id);
  return store_run (self, mark, error);
}

/* ---- removal and jobs ---------------------------------------------------------------------- */

/* a message leaving (deleted, unsent or expired) leaves its id behind in removed_messages
 * for as long as any copy can still be retrieved, so a sync copy or a second retrieval
 * never brings it back */
gboolean
store_was_removed (SdStore *self, const gchar *author, gint64 sent_at, gboolean *out_removed,
                   GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = prepare_at (self, "SELECT 1 FROM removed_messages WHERE author = ?1 AND sent_at = ?2",
                     author, sent_at, error);
  if (stmt == NULL)
    return FALSE;
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

  remember = prepare_at (self,
                         "INSERT INTO removed_messages (author, sent_at, forget_at)"
                         " VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE"
                         " SET forget_at = max(forget_at, excluded.forget_at)",
                         author, sent_at, error);
  if (remember == NULL)
    return FALSE;
  sqlite3_bind_int64 (remember, 3, forget_at);
  if (!store_run (self, remember, error))
    return FALSE;
  /* reactions and an outbox row go with it (ON DELETE CASCADE) */
  remove = prepare_at (self, "DELETE FROM messages WHERE author = ?1 AND sent_at = ?2", author,
                       sent_at, error);
  if (remove == NULL)
    return FALSE;
  return store_run (self, remove, error);
}

gboolean
store_insert_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (n_jobs == 0)
    return TRUE;
  stmt = store_prepare (self,
                        "INSERT INTO jobs (kind, target, payload, sent_at, value)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)",
                        error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n_jobs; i++) {
    const SdJobSpec *job = &jobs[i];
    gsize size = 0;
    gconstpointer data = job->payload != NULL ? g_bytes_get_data (job->payload, &size) : "";

    if ((guint) job->kind > SD_JOB_EXPIRE ||
        !store_check_session_id (job->target, "the job's target", error)) {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "an unknown job");
      return FALSE;
    }
    store_bind_text (stmt, 1, sd_job_kind_to_string (job->kind));
    store_bind_text (stmt, 2, job->target);
    sqlite3_bind_blob64 (stmt, 3, data, size, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 4, job->sent_at);
    sqlite3_bind_int64 (stmt, 5, job->value);
    if (!store_run (self, stmt, error))
      return FALSE;
    sqlite3_reset (stmt);
  }
  return TRUE;
}
