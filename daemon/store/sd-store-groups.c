/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "sd-store-rows.h"

/*
 * Groups v2 (docs/groups.md): a group is a conversation of kind 'group' plus a `groups` row
 * (our seed or grant, the Keys dump, the merged Info and Members), the swarm's newest hash
 * per namespace and each member's own cursor (group_member_last_hash), and its messages in `messages` like any other conversation's.
 */

/* a Keys dump holds at most 256 keys; configs are at most one stored item */
#define GROUP_BLOB_MAX (1024 * 1024)

void
sd_store_group_clear (SdStoreGroup *group)
{
  g_clear_pointer (&group->id, g_free);
  if (group->seed != NULL)
    sodium_memzero (group->seed, 32);
  g_clear_pointer (&group->seed, g_free);
  g_clear_pointer (&group->auth_data, g_bytes_unref);
  g_clear_pointer (&group->keys_dump, g_bytes_unref);
  g_clear_pointer (&group->info, g_bytes_unref);
  g_clear_pointer (&group->members, g_bytes_unref);
  g_clear_pointer (&group->invited_by, g_free);
}

void
sd_store_group_free (SdStoreGroup *group)
{
  if (group == NULL)
    return;
  sd_store_group_clear (group);
  g_free (group);
}

static gboolean
is_group_id (const gchar *id)
{
  if (id == NULL || strlen (id) != 66 || strncmp (id, "03", 2) != 0)
    return FALSE;
  for (guint i = 2; i < 66; i++)
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  return TRUE;
}

static void
bind_bytes (sqlite3_stmt *stmt, int index, GBytes *bytes)
{
  if (bytes == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_blob (stmt, index, g_bytes_get_data (bytes, NULL),
                       (int) g_bytes_get_size (bytes), SQLITE_TRANSIENT);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt, int index)
{
  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return NULL;
  if (sqlite3_column_bytes (stmt, index) > GROUP_BLOB_MAX)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, index), sqlite3_column_bytes (stmt, index));
}

gboolean
sd_store_save_group (SdStore *self, const SdStoreGroup *group, const gchar *name, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) conv = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (!is_group_id (group->id)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "not a group id");
    return FALSE;
  }
  if (name != NULL && !store_check_utf8 (name, "the group name", error))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  /* an invite we have not accepted is a request, like a 1:1 one */
  conv = store_prepare (self,
                        "INSERT INTO conversations (id, kind, name, approved, they_approved,"
                        " last_activity, created_at) VALUES (?1, 'group', ?2, ?3, 1, ?4, ?4)"
                        " ON CONFLICT (id) DO UPDATE SET name = coalesce (?2, name),"
                        " approved = ?3 WHERE kind = 'group'",
                        error);
  if (conv == NULL)
    return FALSE;
  store_bind_text (conv, 1, group->id);
  store_bind_text (conv, 2, name);
  sqlite3_bind_int (conv, 3, group->pending ? 0 : 1);
  sqlite3_bind_int64 (conv, 4, store_now_ms ());
  if (!store_run (self, conv, error))
    return FALSE;
  stmt = store_prepare (self,
                        /* an upsert, not OR REPLACE: a replace deletes the row first and
                         * the cascade would wipe the group's poll cursors */
                        "INSERT INTO groups (id, seed, auth_data, keys_dump, info,"
                        " members, invited_by, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                        " ON CONFLICT (id) DO UPDATE SET seed = excluded.seed,"
                        " auth_data = excluded.auth_data, keys_dump = excluded.keys_dump,"
                        " info = excluded.info, members = excluded.members,"
                        " invited_by = excluded.invited_by, pending = excluded.pending",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group->id);
  if (group->seed != NULL)
    sqlite3_bind_blob (stmt, 2, group->seed, 32, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 2);
  bind_bytes (stmt, 3, group->auth_data);
  bind_bytes (stmt, 4, group->keys_dump);
  bind_bytes (stmt, 5, group->info);
  bind_bytes (stmt, 6, group->members);
  store_bind_text (stmt, 7, group->invited_by);
  sqlite3_bind_int (stmt, 8, group->pending ? 1 : 0);
  if (!store_run (self, stmt, error))
    return FALSE;
  return store_tx_commit (tx, error);
}

static SdStoreGroup *
group_from_row (sqlite3_stmt *stmt)
{
  SdStoreGroup *group = g_new0 (SdStoreGroup, 1);

  group->id = store_column_dup (stmt, 0);
  if (sqlite3_column_bytes (stmt, 1) == 32) {
    group->seed = g_malloc (32);
    memcpy (group->seed, sqlite3_column_blob (stmt, 1), 32);
  }
  if (sqlite3_column_bytes (stmt, 2) == 100)
    group->auth_data = column_bytes (stmt, 2);
  group->keys_dump = column_bytes (stmt, 3);
  group->info = column_bytes (stmt, 4);
  group->members = column_bytes (stmt, 5);
  group->invited_by = store_column_dup (stmt, 6);
  group->pending = sqlite3_column_int (stmt, 7) != 0;
  return group;
}

#define GROUP_COLUMNS "id, seed, auth_data, keys_dump, info, members, invited_by, pending"

SdStoreGroup *
sd_store_get_group (SdStore *self, const gchar *group_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  stmt = store_prepare (self, "SELECT " GROUP_COLUMNS " FROM groups WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, group_id);
  if (!store_step_row (self, stmt, "no such group", error))
    return NULL;
  return group_from_row (stmt);
}

GPtrArray *
sd_store_list_groups (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  stmt = store_prepare (self, "SELECT " GROUP_COLUMNS " FROM groups ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  return store_collect_rows (self, stmt, (StoreRowNew) group_from_row,
                             (GDestroyNotify) sd_store_group_free, error);
}

gboolean
sd_store_count_pending_groups (SdStore *self, guint *out_count, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  stmt = store_prepare (self, "SELECT count(*) FROM groups WHERE pending = 1", error);
  if (stmt == NULL || !store_step_row (self, stmt, "no count", error))
    return FALSE;
  *out_count = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* the one text column of @stmt's row; NULL without a row (no error) or when the step fails */
static gchar *
step_text (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  return store_step (self, stmt, error) == SQLITE_ROW ? store_row_text (stmt) : NULL;
}

gchar *
sd_store_get_group_last_hash (SdStore *self, const gchar *group_id, gint namespace_,
                              GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "SELECT hash FROM group_last_hash"
                              " WHERE group_id = ?1 AND namespace = ?2", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, group_id);
  sqlite3_bind_int (stmt, 2, namespace_);
  return step_text (self, stmt, error);
}

gboolean
sd_store_set_group_last_hash (SdStore *self, const gchar *group_id, gint namespace_,
                              const gchar *hash, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "INSERT OR REPLACE INTO group_last_hash (group_id, namespace, hash)"
                              " VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  sqlite3_bind_int (stmt, 2, namespace_);
  store_bind_text (stmt, 3, hash);
  return store_run (self, stmt, error);
}

gchar *
sd_store_get_group_member_last_hash (SdStore *self, const gchar *group_id, const gchar *node,
                                     gint namespace_, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "SELECT hash FROM group_member_last_hash"
                              " WHERE group_id = ?1 AND node = ?2 AND namespace = ?3", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, group_id);
  store_bind_text (stmt, 2, node);
  sqlite3_bind_int (stmt, 3, namespace_);
  return step_text (self, stmt, error);
}

gboolean
sd_store_set_group_member_last_hash (SdStore *self, const gchar *group_id, const gchar *node,
                                     gint namespace_, const gchar *hash, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "INSERT OR REPLACE INTO group_member_last_hash"
                              " (group_id, node, namespace, hash) VALUES (?1, ?2, ?3, ?4)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  store_bind_text (stmt, 2, node);
  sqlite3_bind_int (stmt, 3, namespace_);
  store_bind_text (stmt, 4, hash);
  return store_run (self, stmt, error);
}

gboolean
sd_store_add_group_message (SdStore *self, const gchar *group_id, const gchar *author,
                            gboolean outgoing, const gchar *body, gint64 sent_at,
                            const gchar *server_hash, gboolean *out_added, GError **error)
{
  return sd_store_add_group_message_full (self, group_id, author, outgoing, body, sent_at,
                                          server_hash, NULL, 0, out_added, error);
}

gboolean
sd_store_add_group_message_full (SdStore *self, const gchar *group_id, const gchar *author,
                                 gboolean outgoing, const gchar *body, gint64 sent_at,
                                 const gchar *server_hash, const gchar *quote_author,
                                 gint64 quote_sent_at, gboolean *out_added, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) touch = NULL;
  gboolean removed = FALSE;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (out_added != NULL)
    *out_added = FALSE;
  if (!store_check_session_id (author, "the author", error) ||
      !store_check_utf8 (body, "the body", error))
    return FALSE;
  /* a quote that cannot name a message is left out, not the message */
  if (quote_author == NULL || quote_sent_at <= 0 ||
      !store_check_session_id (quote_author, "the quoted author", NULL)) {
    quote_author = NULL;
    quote_sent_at = 0;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  /* a message an admin deleted (or we did) and read again from a member is not taken back */
  if (!store_was_removed (self, author, sent_at, &removed, error))
    return FALSE;
  if (removed)
    return store_tx_commit (tx, error);
  /* (author, sent_at) is the message's id: a second copy changes nothing */
  stmt = store_prepare (self,
                        "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                        " received_at, status, server_hash, quote_author, quote_sent_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                        " ON CONFLICT DO NOTHING",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  store_bind_text (stmt, 2, author);
  sqlite3_bind_int (stmt, 3, outgoing ? 1 : 0);
  store_bind_text (stmt, 4, body);
  sqlite3_bind_int64 (stmt, 5, sent_at);
  sqlite3_bind_int64 (stmt, 6, store_now_ms ());
  store_bind_text (stmt, 7, outgoing ? "sending" : "sent");
  store_bind_text (stmt, 8, server_hash);
  store_bind_text (stmt, 9, quote_author);
  sqlite3_bind_int64 (stmt, 10, quote_sent_at);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (stmt)) > 0) {
    gint64 local_id = sqlite3_last_insert_rowid (sqlite3_db_handle (stmt));

    if (out_added != NULL)
      *out_added = TRUE;
    /* searchable and counted unread as every other message (sd-store-rows.c) */
    if (!store_index_messages (self, &local_id, 1, error) ||
        (!outgoing && !store_mark_unread (self, group_id, sent_at, local_id, error)))
      return FALSE;
    touch = store_prepare (self, "UPDATE conversations SET last_activity ="
                                 " max (last_activity, ?2), unread = unread + ?3 WHERE id = ?1",
                           error);
    if (touch == NULL)
      return FALSE;
    store_bind_text (touch, 1, group_id);
    sqlite3_bind_int64 (touch, 2, sent_at);
    sqlite3_bind_int (touch, 3, outgoing ? 0 : 1);
    if (!store_run (self, touch, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

gboolean
sd_store_set_group_reaction (SdStore *self, const gchar *group_id, const gchar *reactor,
                             const gchar *author, gint64 target_sent_at, const gchar *emoji,
                             gboolean remove, gint64 reacted_at, SdMessage **out_changed,
                             GError **error)
{
  g_autoptr(SdCachedStmt) change = NULL;
  g_autofree gchar *conversation = NULL;
  gint64 local_id = 0;
  gboolean found = FALSE;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (out_changed != NULL)
    *out_changed = NULL;
  if (!store_check_session_id (reactor, "the reactor", error) ||
      !store_check_session_id (author, "the author", error))
    return FALSE;
  if (emoji == NULL || *emoji == '\0' || !g_utf8_validate (emoji, -1, NULL) ||
      strlen (emoji) > SD_STORE_EMOJI_MAX_BYTES) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "not an emoji");
    return FALSE;
  }
  for (const gchar *p = emoji; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c) || g_unichar_isspace (c)) {
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                           "a reaction cannot contain spaces or control characters");
      return FALSE;
    }
  }
  if (!store_locate_message (self, author, target_sent_at, &found, &local_id, &conversation,
                             error))
    return FALSE;
  /* only a message of this group takes the group's reactions */
  if (!found || g_strcmp0 (conversation, group_id) != 0)
    return TRUE;
  if (remove)
    change = store_prepare (self,
                            "DELETE FROM reactions WHERE message = ?1 AND reactor = ?2"
                            " AND emoji = ?3 AND reacted_at <= ?4",
                            error);
  else
    change = store_prepare (self,
                            "INSERT INTO reactions (message, reactor, emoji, reacted_at)"
                            " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE"
                            " SET reacted_at = max(reacted_at, excluded.reacted_at)",
                            error);
  if (change == NULL)
    return FALSE;
  sqlite3_bind_int64 (change, 1, local_id);
  store_bind_text (change, 2, reactor);
  store_bind_text (change, 3, emoji);
  sqlite3_bind_int64 (change, 4, reacted_at);
  if (!store_run (self, change, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (change)) > 0 && out_changed != NULL) {
    *out_changed = store_load_message (self, author, target_sent_at, error);
    if (*out_changed == NULL)
      return FALSE;
  }
  return TRUE;
}

gboolean
sd_store_set_group_message_status (SdStore *self, const gchar *group_id, const gchar *author,
                                   gint64 sent_at, gboolean sent, const gchar *server_hash,
                                   GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  /* 'failed' too: a message cut off by a restart (or whose reply was lost) and later read
   * back from the swarm was delivered after all */
  stmt = store_prepare (self, "UPDATE messages SET status = ?3,"
                              " server_hash = coalesce (?4, server_hash)"
                              " WHERE author = ?1 AND sent_at = ?2 AND conversation = ?5"
                              " AND outgoing = 1 AND status IN ('sending', 'failed')", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 5, group_id);
  store_bind_text (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, sent_at);
  store_bind_text (stmt, 3, sent ? "sent" : "failed");
  store_bind_text (stmt, 4, server_hash);
  return store_run (self, stmt, error);
}

GPtrArray *
sd_store_list_sending_group_messages (SdStore *self, guint max, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  stmt = store_prepare (self, "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                              " WHERE m.status = 'sending' AND m.outgoing = 1"
                              " AND m.conversation IN (SELECT id FROM groups)"
                              " ORDER BY m.sent_at LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, (int) MIN (max, G_MAXINT));
  while ((rc = store_step (self, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (messages, store_message_from_row (stmt, 0));
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&messages);
}

gboolean
sd_store_add_group_event (SdStore *self, const gchar *group_id, const gchar *author,
                          gboolean outgoing, SdMessageKind kind, const gchar *body,
                          gint64 sent_at, const gchar *server_hash, gboolean *out_added,
                          GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) touch = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (out_added != NULL)
    *out_added = FALSE;
  if (kind < SD_MESSAGE_KIND_GROUP_RENAMED || kind > SD_MESSAGE_KIND_GROUP_DISAPPEARING_CHANGED) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "not a group event");
    return FALSE;
  }
  if (!store_check_session_id (author, "the author", error) ||
      !store_check_utf8 (body, "the body", error))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  /* an event is shown and never unread (as the 1:1 events); (author, sent_at) keeps one copy */
  stmt = store_prepare (self,
                        "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                        " received_at, status, server_hash, kind)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sent', ?7, ?8) ON CONFLICT DO NOTHING",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, group_id);
  store_bind_text (stmt, 2, author);
  sqlite3_bind_int (stmt, 3, outgoing ? 1 : 0);
  store_bind_text (stmt, 4, body);
  sqlite3_bind_int64 (stmt, 5, sent_at);
  sqlite3_bind_int64 (stmt, 6, store_now_ms ());
  store_bind_text (stmt, 7, server_hash);
  store_bind_text (stmt, 8, sd_message_kind_to_string (kind));
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (sqlite3_db_handle (stmt)) > 0) {
    gint64 local_id = sqlite3_last_insert_rowid (sqlite3_db_handle (stmt));

    if (out_added != NULL)
      *out_added = TRUE;
    /* the search index holds every row's body (sd_store_check_integrity compares them) */
    if (!store_index_messages (self, &local_id, 1, error))
      return FALSE;
    touch = store_prepare (self, "UPDATE conversations SET last_activity ="
                                 " max (last_activity, ?2) WHERE id = ?1", error);
    if (touch == NULL)
      return FALSE;
    store_bind_text (touch, 1, group_id);
    sqlite3_bind_int64 (touch, 2, sent_at);
    if (!store_run (self, touch, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

static gboolean
same_message (gconstpointer a, gconstpointer b)
{
  return g_str_equal (((const SdMessage *) a)->id, ((const SdMessage *) b)->id);
}

/* the texts of @group_id at or before @before matching @stmt's ?3 (an author or a hash) and,
 * when @only_author is set, by that author (?4), added to @found */
static gboolean
collect_content (SdStore *self, sqlite3_stmt *stmt, const gchar *group_id, const gchar *match,
                 const gchar *only_author, gint64 before, GPtrArray *found, GError **error)
{
  int rc;

  sqlite3_reset (stmt);
  store_bind_text (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, before);
  store_bind_text (stmt, 3, match);
  store_bind_text (stmt, 4, only_author);
  while ((rc = store_step (self, stmt, error)) == SQLITE_ROW) {
    SdMessage *message = store_message_from_row (stmt, 0);

    if (g_ptr_array_find_with_equal_func (found, message, same_message, NULL))
      sd_message_free (message);
    else
      g_ptr_array_add (found, message);
  }
  return rc != 0;
}

GPtrArray *
sd_store_remove_group_content (SdStore *self, const gchar *group_id, const gchar *const *authors,
                               const gchar *const *hashes, const gchar *only_author,
                               gint64 before, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) by_author = NULL;
  g_autoptr(SdCachedStmt) by_hash = NULL;
  g_autoptr(SdCachedStmt) seen = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  gint64 now = store_now_ms ();

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  if (!is_group_id (group_id) ||
      (authors != NULL && g_strv_length ((gchar **) authors) > SD_STORE_GROUP_DELETE_MAX) ||
      (hashes != NULL && g_strv_length ((gchar **) hashes) > SD_STORE_GROUP_DELETE_MAX)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a group, or too many authors or hashes");
    return NULL;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  /* texts only: the group's events (renames, removals) are not a member's content */
  by_author = store_prepare (self, "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                                   " WHERE m.conversation = ?1 AND m.sent_at <= ?2"
                                   " AND m.author = ?3 AND (?4 IS NULL OR m.author = ?4)"
                                   " AND m.kind = 'text'", error);
  if (by_author == NULL)
    return NULL;
  for (guint i = 0; authors != NULL && authors[i] != NULL; i++)
    if (sd_store_is_session_id (authors[i]) &&
        !collect_content (self, by_author, group_id, authors[i], only_author, before, found,
                          error))
      return NULL;
  by_hash = store_prepare (self, "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                                 " WHERE m.conversation = ?1 AND m.sent_at <= ?2"
                                 " AND m.hash_key = substr (?3, 1, 12) AND m.server_hash = ?3"
                                 " AND (?4 IS NULL OR m.author = ?4) AND m.kind = 'text'", error);
  if (by_hash == NULL)
    return NULL;
  for (guint i = 0; hashes != NULL && hashes[i] != NULL; i++)
    if (!collect_content (self, by_hash, group_id, hashes[i], only_author, before, found, error))
      return NULL;
  /* the hash stays seen once the row is gone, so a member read from its beginning does not
   * bring the item back (the removed_messages row refuses it too) */
  seen = store_prepare (self, "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2)"
                              " ON CONFLICT (hash) DO UPDATE"
                              " SET expires_at = max(expires_at, excluded.expires_at)", error);
  if (seen == NULL)
    return NULL;
  for (guint i = 0; i < found->len; i++) {
    SdMessage *message = g_ptr_array_index (found, i);

    if (!store_remove_row (self, message->author, message->sent_at,
                           now + SD_STORE_REMOVED_KEEP_MS, error))
      return NULL;
    if (message->server_hash != NULL) {
      sqlite3_reset (seen);
      store_bind_text (seen, 1, message->server_hash);
      sqlite3_bind_int64 (seen, 2, now + SD_STORE_REMOVED_KEEP_MS);
      if (!store_run (self, seen, error))
        return NULL;
    }
  }
  if (!store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&found);
}
