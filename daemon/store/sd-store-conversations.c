/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-store-rows.h"

/*
 * Queries and local changes: listing and reading conversations and messages, unread counts,
 * marking read, the user's changes to a conversation (approve, block, mute, nickname,
 * delete), and full-text search.
 */

/* search queries longer than this are refused rather than handed to FTS5 */
#define SEARCH_MAX_BYTES 1024
#define SEARCH_MAX_TERMS 16

/* a row's first column, onto an array of gint64 */
static void
row_add_int64 (sqlite3_stmt *stmt, gpointer values)
{
  gint64 value = sqlite3_column_int64 (stmt, 0);

  g_array_append_val ((GArray *) values, value);
}

/* ---- reading ------------------------------------------------------------------------------- */

GPtrArray *
sd_store_list_conversations (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self, STORE_CONVERSATION_SELECT " ORDER BY c.last_activity DESC, c.id",
                        error);
  if (stmt == NULL)
    return NULL;
  return store_collect_rows (self, stmt, (StoreRowNew) store_conversation_from_row,
                             (GDestroyNotify) sd_conversation_free, error);
}

SdConversation *
sd_store_get_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!store_check_conversation_id (id, "the conversation id", error))
    return NULL;
  return store_load_conversation (self, id, error);
}

SdMessage *
sd_store_get_message (SdStore *self, const gchar *message_id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return store_load_message_by_id (self, message_id, error);
}

GPtrArray *
sd_store_get_messages (SdStore *self, const gchar *conversation_id, gint64 before, gint64 after,
                       guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!store_check_conversation_id (conversation_id, "the conversation id", error))
    return NULL;
  if (before < 0 || after < 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "before and after must not be negative");
    return NULL;
  }
  if (after > 0 && before == 0)
    stmt = store_prepare (self,
                          "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                          " WHERE m.conversation = ?1 AND m.sent_at < ?2 AND m.sent_at > ?3"
                          " ORDER BY m.sent_at, m.local_id LIMIT ?4",
                          error);
  else
    stmt = store_prepare (self,
                          "SELECT * FROM (SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                          "  WHERE m.conversation = ?1 AND m.sent_at < ?2 AND m.sent_at > ?3"
                          "  ORDER BY m.sent_at DESC, m.local_id DESC LIMIT ?4)"
                          " ORDER BY sent_at, local_id",
                          error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, before == 0 ? G_MAXINT64 : before);
  sqlite3_bind_int64 (stmt, 3, after);
  sqlite3_bind_int64 (stmt, 4, limit == 0 ? -1 : (gint64) limit);
  return store_collect_messages (self, stmt, error);
}

gboolean
sd_store_count_approved (SdStore *self, guint *out_count, GError **error)
{
  gint64 count = 0;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_query_min (self, "SELECT count(*) FROM conversations WHERE approved <> 0", &count,
                        error))
    return FALSE;
  *out_count = (guint) CLAMP (count, 0, G_MAXUINT);
  return TRUE;
}

gboolean
sd_store_count_unread (SdStore *self, const gchar *conversation_id, guint *out_unread,
                       GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_unread != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* the counters kept on each conversation row (schema version 5); the account's total is
   * a sum over conversations, never a count over messages */
  if (conversation_id == NULL) {
    stmt = store_prepare (self, "SELECT coalesce(sum(unread), 0) FROM conversations"
                          " WHERE unread > 0 AND blocked = 0",
                          error);
  } else {
    if (!store_check_conversation_id (conversation_id, "the conversation id", error))
      return FALSE;
    stmt = store_prepare (self, "SELECT unread FROM conversations WHERE id = ?1", error);
  }
  if (stmt == NULL)
    return FALSE;
  if (conversation_id != NULL)
    store_bind_text (stmt, 1, conversation_id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_unread = rc == SQLITE_ROW ? (guint) CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT)
                                 : 0;
  return TRUE;
}

/* ---- local changes ------------------------------------------------------------------------- */

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}


gboolean
sd_store_mark_read (SdStore *self, const gchar *conversation_id, gint64 up_to,
                    GArray **out_timestamps, GPtrArray **out_expiring, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) start = NULL;
  g_autoptr(GArray) timestamps = NULL;
  g_autoptr(GArray) expiring_times = NULL;
  g_autoptr(GPtrArray) expiring = NULL;
  gint64 now = store_now_ms ();

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  if (!store_expect_conversation (self, conversation_id, error))
    return FALSE;
  /* the read state is the narrow unread_messages table: this deletes contiguous rows of one
   * conversation and leaves the wide message rows alone */
  stmt = store_prepare (self,
                        "DELETE FROM unread_messages WHERE conversation = ?1 AND sent_at <= ?2"
                        " RETURNING sent_at",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, up_to);
  timestamps = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!store_each_row (self, stmt, row_add_int64, timestamps, error))
    return FALSE;
  if (timestamps->len > 0) {
    g_autoptr(SdCachedStmt) count = NULL;

    /* counted again from what is left, so the counter cannot drift */
    count = store_prepare (self,
                           "UPDATE conversations SET unread = (SELECT count(*)"
                           " FROM unread_messages WHERE conversation = ?1) WHERE id = ?1",
                           error);
    if (count == NULL)
      return FALSE;
    store_bind_text (count, 1, conversation_id);
    if (!store_run (self, count, error))
      return FALSE;
  }

  /* after-read messages start disappearing once read; the partial index
   * messages_after_read holds only those still waiting, so this touches no other row */
  start = store_prepare (self,
                         "UPDATE messages SET expires_at = ?3 + expiration_timer * 1000"
                         " WHERE conversation = ?1 AND expiration_mode = 1 AND expires_at = 0"
                         " AND outgoing = 0 AND kind = 'text' AND sent_at <= ?2"
                         " AND NOT EXISTS (SELECT 1 FROM unread_messages r"
                         "  WHERE r.conversation = ?1 AND r.sent_at = messages.sent_at"
                         "  AND r.message = messages.local_id)"
                         " RETURNING sent_at",
                         error);
  if (start == NULL)
    return FALSE;
  store_bind_text (start, 1, conversation_id);
  sqlite3_bind_int64 (start, 2, up_to);
  sqlite3_bind_int64 (start, 3, now);
  expiring_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!store_each_row (self, start, row_add_int64, expiring_times, error))
    return FALSE;
  expiring = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  for (guint i = 0; i < expiring_times->len; i++) {
    SdMessage *message = store_load_message (self, conversation_id,
                                       g_array_index (expiring_times, gint64, i), error);

    if (message == NULL)
      return FALSE;
    g_ptr_array_add (expiring, message);
  }

  if (!store_tx_commit (tx, error))
    return FALSE;
  g_array_sort (timestamps, compare_gint64);
  if (out_timestamps != NULL)
    *out_timestamps = g_steal_pointer (&timestamps);
  if (out_expiring != NULL)
    *out_expiring = g_steal_pointer (&expiring);
  return TRUE;
}

/* runs one UPDATE of a conversation row; NOT_FOUND when there is none */
static gboolean
update_conversation (SdStore *self, const gchar *sql, const gchar *id, gint64 value,
                     const gchar *text, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (!store_check_conversation_id (id, "the conversation id", error))
    return FALSE;
  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  /* each statement uses ?1 and one of ?2 (a number) or ?3 (a text) */
  store_bind_text (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, value);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    store_bind_text (stmt, 3, text);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                         "no such conversation");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_store_approve (SdStore *self, const gchar *conversation_id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  return update_conversation (self, "UPDATE conversations SET approved = 1 WHERE id = ?1",
                              conversation_id, 0, NULL, error);
}

gboolean
sd_store_open_conversation (SdStore *self, const gchar *conversation_id, gint64 now,
                            GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  SdConversationKind kind;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  if (!store_check_conversation_id (conversation_id, "the conversation id", error))
    return FALSE;
  kind = g_strcmp0 (conversation_id, sd_store_get_account_id (self)) == 0
           ? SD_CONVERSATION_KIND_NOTE_TO_SELF
           : SD_CONVERSATION_KIND_DIRECT;
  /* one statement: atomic without a transaction of its own */
  stmt = store_prepare (self,
                        "INSERT INTO conversations (id, kind, approved, they_approved,"
                        " last_activity) VALUES (?1, ?2, 1, 0, ?3)"
                        " ON CONFLICT (id) DO UPDATE SET approved = 1",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  store_bind_text (stmt, 2, sd_conversation_kind_to_string (kind));
  sqlite3_bind_int64 (stmt, 3, now);
  return store_run (self, stmt, error);
}

gboolean
sd_store_set_blocked (SdStore *self, const gchar *conversation_id, gboolean blocked,
                      GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  return update_conversation (self, "UPDATE conversations SET blocked = ?2 WHERE id = ?1",
                              conversation_id, blocked ? 1 : 0, NULL, error);
}

gboolean
sd_store_set_muted_until (SdStore *self, const gchar *conversation_id, gint64 muted_until,
                          GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  return update_conversation (self, "UPDATE conversations SET muted_until = ?2 WHERE id = ?1",
                              conversation_id, MAX (muted_until, 0), NULL, error);
}

gboolean
sd_store_set_nickname (SdStore *self, const gchar *conversation_id, const gchar *nickname,
                       GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (nickname != NULL && !store_check_utf8 (nickname, "the nickname", error))
    return FALSE;
  if (nickname != NULL && nickname[0] == '\0')
    nickname = NULL;
  return update_conversation (self, "UPDATE conversations SET nickname = ?3 WHERE id = ?1",
                              conversation_id, 0, nickname, error);
}

gboolean
sd_store_delete_conversation (SdStore *self, const gchar *conversation_id, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_conversation_id (conversation_id, "the conversation id", error))
    return FALSE;
  /* messages and outbox rows go by cascade; the commit marks the purge due */
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  stmt = store_prepare (self, "DELETE FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, conversation_id);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                         "no such conversation");
    return FALSE;
  }
  return store_tx_commit (tx, error);
}

/* ---- search -------------------------------------------------------------------------------- */

/* turns free text into an FTS5 query that cannot be a syntax error: each whitespace-separated
 * word becomes a quoted string (quotes doubled) with a prefix star, so AND, OR, NOT, NEAR,
 * parentheses, column filters, '-' and '*' are all just text. Words with no letter or digit
 * would be empty phrases, which match nothing, so they are left out. NULL when nothing
 * remains */
static gchar *
build_fts_query (const gchar *query)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) term = g_string_new (NULL);
  gboolean term_has_word = FALSE;
  guint n_terms = 0;
  const gchar *p = query;

  for (;;) {
    gunichar c = *p != '\0' ? g_utf8_get_char (p) : 0;

    if (c == 0 || g_unichar_isspace (c)) {
      if (term->len > 0 && term_has_word && n_terms < SEARCH_MAX_TERMS) {
        if (out->len > 0)
          g_string_append_c (out, ' ');
        g_string_append_c (out, '"');
        g_string_append_len (out, term->str, (gssize) term->len);
        g_string_append (out, "\"*");
        n_terms++;
      }
      g_string_truncate (term, 0);
      term_has_word = FALSE;
      if (c == 0)
        break;
    } else {
      if (c == '"')
        g_string_append_c (term, '"');
      g_string_append_unichar (term, c);
      if (g_unichar_isalnum (c))
        term_has_word = TRUE;
    }
    p = g_utf8_next_char (p);
  }
  return n_terms > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

GPtrArray *
sd_store_search (SdStore *self, const gchar *query, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autofree gchar *fts_query = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!store_check_utf8 (query, "the search query", error))
    return NULL;
  if (strlen (query) > SEARCH_MAX_BYTES) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                 "the search query is longer than %d bytes", SEARCH_MAX_BYTES);
    return NULL;
  }
  fts_query = build_fts_query (query);
  if (fts_query == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);

  /* newest first by arrival: the index's rowid is local_id, which grows with every insert,
   * so FTS5 walks its doclists backwards and stops after @limit instead of sorting every
   * match. A message that arrives late (an old sent_at retrieved after newer ones) sorts
   * by when it arrived */
  stmt = store_prepare (self,
                        "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                        " WHERE m.local_id IN (SELECT rowid FROM messages_fts"
                        "  WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)"
                        " ORDER BY m.local_id DESC",
                        error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, fts_query);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return store_collect_messages (self, stmt, error);
}
