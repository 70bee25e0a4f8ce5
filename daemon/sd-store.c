/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "sd-store.h"
#include "sd-store-schema.h"
#include "sd-store-private.h"

/* how long a statement waits for another connection (a backup tool, the sqlite3 shell) */
#define BUSY_TIMEOUT_MS 5000
/* search queries longer than this are refused rather than handed to FTS5 */
#define SEARCH_MAX_BYTES 1024
#define SEARCH_MAX_TERMS 16
/* how many later milliseconds queue_outgoing tries when (self, T) is taken */
#define FREE_T_ATTEMPTS 1000
#define SETTING_ACCOUNT_ID "account-id"

G_DEFINE_FINAL_TYPE (SdStore, sd_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (sd-store-error-quark, sd_store_error)

/* by hand: G_DEFINE_BOXED_TYPE's transparent union trips -Wpedantic */
GType
sd_message_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id)) {
    GType id = g_boxed_type_register_static (g_intern_static_string ("SdMessage"),
                                             (GBoxedCopyFunc) sd_message_copy,
                                             (GBoxedFreeFunc) sd_message_free);
    g_once_init_leave (&type_id, id);
  }
  return type_id;
}

GType
sd_conversation_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id)) {
    GType id = g_boxed_type_register_static (g_intern_static_string ("SdConversation"),
                                             (GBoxedCopyFunc) sd_conversation_copy,
                                             (GBoxedFreeFunc) sd_conversation_free);
    g_once_init_leave (&type_id, id);
  }
  return type_id;
}

/* ---- rows ---------------------------------------------------------------------------------- */

static const gchar *const status_names[] = { "sending", "sent", "failed", "read" };

const gchar *
sd_message_status_to_string (SdMessageStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), "failed");
  return status_names[status];
}

static SdMessageStatus
status_from_string (const gchar *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++) {
    if (g_strcmp0 (text, status_names[i]) == 0)
      return (SdMessageStatus) i;
  }
  /* the CHECK constraint makes this unreachable short of a damaged file */
  return SD_MESSAGE_STATUS_FAILED;
}

const gchar *
sd_conversation_kind_to_string (SdConversationKind kind)
{
  return kind == SD_CONVERSATION_KIND_NOTE_TO_SELF ? "note-to-self" : "direct";
}

gboolean
sd_store_is_session_id (const gchar *id)
{
  if (id == NULL || strlen (id) != 66 || id[0] != '0' || id[1] != '5')
    return FALSE;
  for (guint i = 2; i < 66; i++) {
    if (!g_ascii_isxdigit (id[i]) || g_ascii_isupper (id[i]))
      return FALSE;
  }
  return TRUE;
}

gchar *
sd_message_id_make (const gchar *author, gint64 sent_at)
{
  return g_strdup_printf ("%s-%" G_GINT64_FORMAT, author, sent_at);
}

gboolean
sd_message_id_parse (const gchar *id, gchar **out_author, gint64 *out_sent_at, GError **error)
{
  guint64 sent_at = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL || strlen (id) < 68 || id[66] != '-' ||
      !g_ascii_isdigit (id[67]) ||
      !g_ascii_string_to_unsigned (id + 67, 10, 1, G_MAXINT64, &sent_at, NULL)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a message id (expected <session id>-<sent-at>)");
    return FALSE;
  }
  {
    g_autofree gchar *author = g_strndup (id, 66);

    if (!sd_store_is_session_id (author)) {
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                           "not a message id (bad session id part)");
      return FALSE;
    }
    if (out_author != NULL)
      *out_author = g_steal_pointer (&author);
  }
  if (out_sent_at != NULL)
    *out_sent_at = (gint64) sent_at;
  return TRUE;
}

SdMessage *
sd_message_copy (const SdMessage *message)
{
  SdMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_new0 (SdMessage, 1);
  *copy = *message;
  copy->id = g_strdup (message->id);
  copy->conversation = g_strdup (message->conversation);
  copy->author = g_strdup (message->author);
  copy->body = g_strdup (message->body);
  copy->error = g_strdup (message->error);
  copy->server_hash = g_strdup (message->server_hash);
  copy->quote_author = g_strdup (message->quote_author);
  copy->quote_body = g_strdup (message->quote_body);
  copy->sync_hash = g_strdup (message->sync_hash);
  if (message->reactions != NULL) {
    copy->reactions = g_array_sized_new (FALSE, FALSE, sizeof (SdReaction),
                                         message->reactions->len);
    g_array_set_clear_func (copy->reactions, store_reaction_clear);
    for (guint i = 0; i < message->reactions->len; i++) {
      SdReaction r = g_array_index (message->reactions, SdReaction, i);

      r.emoji = g_strdup (r.emoji);
      g_array_append_val (copy->reactions, r);
    }
  }
  return copy;
}

void
sd_message_free (SdMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->id);
  g_free (message->conversation);
  g_free (message->author);
  g_free (message->body);
  g_free (message->error);
  g_free (message->server_hash);
  g_free (message->quote_author);
  g_free (message->quote_body);
  g_free (message->sync_hash);
  g_clear_pointer (&message->reactions, g_array_unref);
  g_free (message);
}

gboolean
sd_message_is_read (const SdMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);
  return message->status == SD_MESSAGE_STATUS_READ;
}

static GVariant *
reactions_to_variant (const SdMessage *message)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sub)"));
  for (guint i = 0; message->reactions != NULL && i < message->reactions->len; i++) {
    const SdReaction *r = &g_array_index (message->reactions, SdReaction, i);

    g_variant_builder_add (&builder, "(sub)", r->emoji, r->count, r->mine);
  }
  return g_variant_builder_end (&builder);
}

static const gchar *const kind_names[] = {
  [SD_MESSAGE_KIND_TEXT] = "text",
  [SD_MESSAGE_KIND_EXPIRATION_UPDATE] = "expiration-update",
  [SD_MESSAGE_KIND_SCREENSHOT] = "screenshot",
  [SD_MESSAGE_KIND_MEDIA_SAVED] = "media-saved",
};

const gchar *
sd_message_kind_to_string (SdMessageKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), "text");
  return kind_names[kind];
}

gboolean
sd_message_kind_from_string (const gchar *text, SdMessageKind *out_kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (text, kind_names[i]) == 0) {
      *out_kind = (SdMessageKind) i;
      return TRUE;
    }
  return FALSE;
}

static const gchar *const mode_names[] = {
  [SD_EXPIRATION_OFF] = "off",
  [SD_EXPIRATION_AFTER_READ] = "after-read",
  [SD_EXPIRATION_AFTER_SEND] = "after-send",
};

const gchar *
sd_expiration_mode_to_string (SdExpirationMode mode)
{
  g_return_val_if_fail ((guint) mode < G_N_ELEMENTS (mode_names), "off");
  return mode_names[mode];
}

gboolean
sd_expiration_mode_from_string (const gchar *text, SdExpirationMode *out_mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (mode_names); i++)
    if (g_strcmp0 (text, mode_names[i]) == 0) {
      *out_mode = (SdExpirationMode) i;
      return TRUE;
    }
  return FALSE;
}

GVariant *
sd_message_to_variant (const SdMessage *message)
{
  GVariantBuilder builder;

  g_return_val_if_fail (message != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (message->id));
  g_variant_builder_add (&builder, "{sv}", "conversation",
                         g_variant_new_string (message->conversation));
  g_variant_builder_add (&builder, "{sv}", "author", g_variant_new_string (message->author));
  g_variant_builder_add (&builder, "{sv}", "outgoing", g_variant_new_boolean (message->outgoing));
  g_variant_builder_add (&builder, "{sv}", "body", g_variant_new_string (message->body));
  g_variant_builder_add (&builder, "{sv}", "sent-at", g_variant_new_int64 (message->sent_at));
  g_variant_builder_add (&builder, "{sv}", "received-at",
                         g_variant_new_int64 (message->received_at));
  g_variant_builder_add (&builder, "{sv}", "status",
                         g_variant_new_string (sd_message_status_to_string (message->status)));
  if (message->status == SD_MESSAGE_STATUS_FAILED)
    g_variant_builder_add (&builder, "{sv}", "error",
                           g_variant_new_string (message->error != NULL ? message->error : ""));
  g_variant_builder_add (&builder, "{sv}", "kind",
                         g_variant_new_string (sd_message_kind_to_string (message->kind)));
  if (message->expires_at > 0)
    g_variant_builder_add (&builder, "{sv}", "expires-at",
                           g_variant_new_int64 (message->expires_at));
  if (message->expiration_mode != SD_EXPIRATION_OFF) {
    g_variant_builder_add (&builder, "{sv}", "expiration-mode",
                           g_variant_new_string (
                             sd_expiration_mode_to_string (message->expiration_mode)));
    g_variant_builder_add (&builder, "{sv}", "expiration-timer",
                           g_variant_new_uint32 (message->expiration_timer));
  }
  if (message->kind == SD_MESSAGE_KIND_TEXT && message->quote_author != NULL) {
    g_autofree gchar *quote_id = sd_message_id_make (message->quote_author,
                                                     message->quote_sent_at);

    g_variant_builder_add (&builder, "{sv}", "quote-id", g_variant_new_string (quote_id));
    g_variant_builder_add (&builder, "{sv}", "quote-author",
                           g_variant_new_string (message->quote_author));
    if (message->quote_body != NULL)
      g_variant_builder_add (&builder, "{sv}", "quote-body",
                             g_variant_new_string (message->quote_body));
  }
  if (message->reactions != NULL && message->reactions->len > 0)
    g_variant_builder_add (&builder, "{sv}", "reactions", reactions_to_variant (message));
  return g_variant_builder_end (&builder);
}

GVariant *
sd_message_to_changes_variant (const SdMessage *message)
{
  g_autoptr(GVariant) full = g_variant_ref_sink (sd_message_to_variant (message));
  GVariantBuilder builder;
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, full);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    g_variant_builder_add (&builder, "{sv}", key, value);
  if (message->reactions == NULL || message->reactions->len == 0)
    g_variant_builder_add (&builder, "{sv}", "reactions", reactions_to_variant (message));
  return g_variant_builder_end (&builder);
}

SdConversation *
sd_conversation_copy (const SdConversation *conversation)
{
  SdConversation *copy;

  g_return_val_if_fail (conversation != NULL, NULL);

  copy = g_new0 (SdConversation, 1);
  *copy = *conversation;
  copy->id = g_strdup (conversation->id);
  copy->name = g_strdup (conversation->name);
  copy->nickname = g_strdup (conversation->nickname);
  copy->expiration_mode = g_strdup (conversation->expiration_mode);
  copy->last_message_preview = g_strdup (conversation->last_message_preview);
  return copy;
}

void
sd_conversation_free (SdConversation *conversation)
{
  if (conversation == NULL)
    return;
  g_free (conversation->id);
  g_free (conversation->name);
  g_free (conversation->nickname);
  g_free (conversation->expiration_mode);
  g_free (conversation->last_message_preview);
  g_free (conversation);
}

const gchar *
sd_conversation_get_display_name (const SdConversation *conversation)
{
  g_return_val_if_fail (conversation != NULL, "");

  if (conversation->nickname != NULL && conversation->nickname[0] != '\0')
    return conversation->nickname;
  if (conversation->name != NULL)
    return conversation->name;
  return "";
}

gchar *
sd_conversation_dup_title (const SdConversation *conversation)
{
  const gchar *name = sd_conversation_get_display_name (conversation);

  if (*name != '\0')
    return g_strdup (name);
  return g_strdup_printf ("%.6s…%s", conversation->id, conversation->id + 62);
}

GVariant *
sd_conversation_to_variant (const SdConversation *conversation)
{
  GVariantBuilder builder;
  const gchar *preview;

  g_return_val_if_fail (conversation != NULL, NULL);

  preview = conversation->last_message_preview != NULL ? conversation->last_message_preview : "";
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "Id", g_variant_new_string (conversation->id));
  g_variant_builder_add (&builder, "{sv}", "Kind",
                         g_variant_new_string (sd_conversation_kind_to_string (conversation->kind)));
  g_variant_builder_add (&builder, "{sv}", "Name",
                         g_variant_new_string (sd_conversation_get_display_name (conversation)));
  g_variant_builder_add (&builder, "{sv}", "UnreadCount",
                         g_variant_new_uint32 (conversation->unread));
  g_variant_builder_add (&builder, "{sv}", "LastActivity",
                         g_variant_new_int64 (conversation->last_activity));
  g_variant_builder_add (&builder, "{sv}", "LastMessagePreview", g_variant_new_string (preview));
  g_variant_builder_add (&builder, "{sv}", "Approved",
                         g_variant_new_boolean (conversation->approved));
  g_variant_builder_add (&builder, "{sv}", "Blocked",
                         g_variant_new_boolean (conversation->blocked));
  g_variant_builder_add (&builder, "{sv}", "MutedUntil",
                         g_variant_new_int64 (conversation->muted_until));
  return g_variant_builder_end (&builder);
}

void
sd_store_snode_free (SdStoreSnode *node)
{
  if (node == NULL)
    return;
  g_free (node->ed25519);
  g_free (node->x25519);
  g_free (node->ip);
  g_free (node);
}

void
sd_outbox_item_free (SdOutboxItem *item)
{
  if (item == NULL)
    return;
  sd_message_free (item->message);
  g_free (item->recipient);
  g_free (item->last_error);
  g_free (item);
}

void
sd_store_changes_free (SdStoreChanges *changes)
{
  if (changes == NULL)
    return;
  g_clear_pointer (&changes->new_messages, g_ptr_array_unref);
  g_clear_pointer (&changes->changed_messages, g_ptr_array_unref);
  g_clear_pointer (&changes->created_conversations, g_ptr_array_unref);
  g_clear_pointer (&changes->changed_conversations, g_ptr_array_unref);
  g_clear_pointer (&changes->removed_messages, g_ptr_array_unref);
  g_free (changes);
}

/* ---- statements, errors, transactions ------------------------------------------------------ */

void
set_sqlite_error (sqlite3 *db, int rc, GError **error, const gchar *what)
{
  int primary = rc & 0xff;
  SdStoreError code = SD_STORE_ERROR_FAILED;

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    code = SD_STORE_ERROR_CORRUPT;
  else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    code = SD_STORE_ERROR_DUPLICATE;
  g_set_error (error, SD_STORE_ERROR, code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

/* @sql must have static storage (a literal): the cache is keyed by its address, which saves
 * hashing long SQL text for each of the thousands of statements in a batch */
SdCachedStmt *
store_prepare (SdStore *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK) {
    set_sqlite_error (self->db, rc, error, "preparing a statement");
    return NULL;
  }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE, or 0 with @error set */
int
store_step (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  set_sqlite_error (self->db, rc, error, "store");
  return 0;
}

/* runs a statement that returns no rows */
gboolean
store_run (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = store_step (self, stmt, error);

  if (rc == 0)
    return FALSE;
  /* a RETURNING or PRAGMA row we do not need: finish the statement */
  while (rc == SQLITE_ROW) {
    rc = store_step (self, stmt, error);
    if (rc == 0)
      return FALSE;
  }
  return TRUE;
}

void
bind_text (sqlite3_stmt *stmt, int index, const gchar *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

gchar *
column_dup (sqlite3_stmt *stmt, int index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const gchar *) text) : NULL;
}

void
store_tx_end (SdStoreTx *tx)
{
  if (tx->open && !sqlite3_get_autocommit (tx->store->db)) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdCachedStmt) stmt = store_prepare (tx->store, "ROLLBACK", &error);

    if (stmt == NULL || !store_run (tx->store, stmt, &error))
      g_warning ("rolling back: %s", error->message);
  }
  g_free (tx);
}

/* BEGIN IMMEDIATE: take the write lock now, so a busy database fails here and not halfway */
SdStoreTx *
store_tx_begin (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, "BEGIN IMMEDIATE", error);
  SdStoreTx *tx;

  if (stmt == NULL || !store_run (self, stmt, error))
    return NULL;
  tx = g_new0 (SdStoreTx, 1);
  tx->store = self;
  tx->open = TRUE;
  return tx;
}

gboolean
store_tx_commit (SdStoreTx *tx, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (tx->store, "COMMIT", error);

  if (stmt == NULL || !store_run (tx->store, stmt, error))
    return FALSE;
  tx->open = FALSE;
  return TRUE;
}

gboolean
store_check_session_id (const gchar *id, const gchar *what, GError **error)
{
  if (sd_store_is_session_id (id))
    return TRUE;
  g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "%s is not a Session ID", what);
  return FALSE;
}

gboolean
store_check_utf8 (const gchar *text, const gchar *what, GError **error)
{
  if (text != NULL && g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "%s is not valid UTF-8", what);
  return FALSE;
}

gint64
store_now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* ---- row loading --------------------------------------------------------------------------- */

#define MESSAGE_COLUMNS \
  "m.author, m.sent_at, m.conversation, m.outgoing, m.body, m.received_at, m.status, " \
  "m.error, m.expires_at, m.server_hash, m.kind, m.quote_author, m.quote_sent_at, " \
  "(SELECT q.body FROM messages q WHERE q.author = m.quote_author" \
  "  AND q.sent_at = m.quote_sent_at), m.expiration_mode, m.expiration_timer, m.sync_hash, " \
  "m.local_id"
#define MESSAGE_N_COLUMNS 18

static SdMessage *
message_from_row (sqlite3_stmt *stmt, int first)
{
  SdMessage *message = g_new0 (SdMessage, 1);

  message->author = column_dup (stmt, first + 0);
  message->sent_at = sqlite3_column_int64 (stmt, first + 1);
  message->id = sd_message_id_make (message->author, message->sent_at);
  message->conversation = column_dup (stmt, first + 2);
  message->outgoing = sqlite3_column_int (stmt, first + 3) != 0;
  message->body = column_dup (stmt, first + 4);
  if (message->body == NULL)
    message->body = g_strdup ("");
  message->received_at = sqlite3_column_int64 (stmt, first + 5);
  message->status = status_from_string ((const gchar *) sqlite3_column_text (stmt, first + 6));
  message->error = column_dup (stmt, first + 7);
  message->expires_at = sqlite3_column_int64 (stmt, first + 8);
  message->server_hash = column_dup (stmt, first + 9);
  if (!sd_message_kind_from_string ((const gchar *) sqlite3_column_text (stmt, first + 10),
                                    &message->kind))
    message->kind = SD_MESSAGE_KIND_TEXT;
  message->quote_author = column_dup (stmt, first + 11);
  message->quote_sent_at = sqlite3_column_int64 (stmt, first + 12);
  message->quote_body = column_dup (stmt, first + 13);
  message->expiration_mode = (SdExpirationMode) CLAMP (sqlite3_column_int (stmt, first + 14), 0, 2);
  message->expiration_timer = (guint32) CLAMP (sqlite3_column_int64 (stmt, first + 15), 0,
                                               G_MAXUINT32);
  message->sync_hash = column_dup (stmt, first + 16);
  message->local_id = sqlite3_column_int64 (stmt, first + 17);
  return message;
}

/* reads every row of @stmt as a message into a new array */
static GPtrArray *
collect_messages (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);

  for (;;) {
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    g_ptr_array_add (messages, message_from_row (stmt, 0));
  }
  /* after the loop: the reaction query must not interleave with a running statement's
   * cache slot, and it is one small indexed lookup each */
  for (guint i = 0; i < messages->len; i++)
    if (!store_load_reactions (self, g_ptr_array_index (messages, i), error))
      return NULL;
  return g_steal_pointer (&messages);
}

SdMessage *
load_message (SdStore *self, const gchar *author, gint64 sent_at, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdMessage) message = NULL;
  int rc;

  stmt = store_prepare (self,
                        "SELECT " MESSAGE_COLUMNS " FROM messages m"
                        " WHERE m.author = ?1 AND m.sent_at = ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, sent_at);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return NULL;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no such message");
    return NULL;
  }
  message = message_from_row (stmt, 0);
  if (!store_load_reactions (self, message, error))
    return NULL;
  return g_steal_pointer (&message);
}

#define CONVERSATION_SELECT \
  "SELECT c.id, c.kind, c.name, c.nickname, c.approved, c.they_approved, c.blocked," \
  " c.muted_until, c.last_activity, c.profile_updated, c.expiration_mode, c.expiration_timer," \
  " (SELECT count(*) FROM messages u" \
  "   WHERE u.conversation = c.id AND u.outgoing = 0 AND u.status <> 'read')," \
  " (SELECT p.body FROM messages p WHERE p.conversation = c.id AND p.kind = 'text'" \
  "   ORDER BY p.sent_at DESC, p.local_id DESC LIMIT 1)" \
  " FROM conversations c"

static SdConversation *
conversation_from_row (sqlite3_stmt *stmt)
{
  SdConversation *conversation = g_new0 (SdConversation, 1);

  conversation->id = column_dup (stmt, 0);
  conversation->kind = g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 1),
                                  "note-to-self") == 0 ?
    SD_CONVERSATION_KIND_NOTE_TO_SELF : SD_CONVERSATION_KIND_DIRECT;
  conversation->name = column_dup (stmt, 2);
  conversation->nickname = column_dup (stmt, 3);
  conversation->approved = sqlite3_column_int (stmt, 4) != 0;
  conversation->they_approved = sqlite3_column_int (stmt, 5) != 0;
  conversation->blocked = sqlite3_column_int (stmt, 6) != 0;
  conversation->muted_until = sqlite3_column_int64 (stmt, 7);
  conversation->last_activity = sqlite3_column_int64 (stmt, 8);
  conversation->profile_updated = sqlite3_column_int64 (stmt, 9);
  conversation->expiration_mode = column_dup (stmt, 10);
  conversation->expiration_timer = sqlite3_column_int64 (stmt, 11);
  conversation->unread = (guint) CLAMP (sqlite3_column_int64 (stmt, 12), 0, G_MAXUINT);
  conversation->last_message_preview = column_dup (stmt, 13);
  return conversation;
}

SdConversation *
load_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self, CONVERSATION_SELECT " WHERE c.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return NULL;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no such conversation");
    return NULL;
  }
  return conversation_from_row (stmt);
}

/* ---- opening ------------------------------------------------------------------------------- */

static const gchar sqlite_magic[16] = "SQLite format 3";

/* refuses, before SQLite sees it, a non-empty file that does not start like a database, so
 * nothing (not even a journal mode change) can be written into somebody else's file */
static gboolean
check_file_header (const gchar *path, GError **error)
{
  g_autofree gchar *display = g_filename_display_name (path);
  gchar header[16];
  FILE *file;
  size_t n;

  file = g_fopen (path, "rb");
  if (file == NULL) {
    int saved_errno = errno;

    if (saved_errno == ENOENT)
      return TRUE;
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "cannot read %s: %s",
                 display, g_strerror (saved_errno));
    return FALSE;
  }
  n = fread (header, 1, sizeof header, file);
  fclose (file);
  if (n == 0)
    return TRUE;
  if (n != sizeof header || memcmp (header, sqlite_magic, sizeof header) != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s is not an SQLite database; it was left untouched", display);
    return FALSE;
  }
  return TRUE;
}

static gboolean
query_int (SdStore *self, const gchar *sql, gint64 *out_value, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

static gboolean
exec_pragma (SdStore *self, const gchar *sql, const gchar *expect, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (expect != NULL &&
      (rc != SQLITE_ROW ||
       g_ascii_strcasecmp ((const gchar *) sqlite3_column_text (stmt, 0), expect) != 0)) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "%s did not give %s", sql, expect);
    return FALSE;
  }
  return rc == SQLITE_DONE || store_run (self, stmt, error);
}

/* refusing a file: closing must not checkpoint a WAL into it either */
static void
store_close_untouched (SdStore *self)
{
  if (self->db != NULL)
    sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}

static gboolean
store_load_account_id (SdStore *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *id = sd_store_get_setting (self, SETTING_ACCOUNT_ID, &local_error);

  if (id == NULL && !g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND)) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  g_free (self->account_id);
  self->account_id = g_steal_pointer (&id);
  return TRUE;
}

static gboolean
store_open (SdStore *self, GError **error)
{
  g_autofree gchar *display = g_filename_display_name (self->path);
  gint64 version = 0;
  gint64 application_id = 0;
  gint64 n_objects = 0;
  int rc;

  if (!check_file_header (self->path, error))
    return FALSE;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "cannot open %s: %s", display,
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
    return FALSE;
  }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* read only, until we know the file is ours and not newer than us */
  if (!query_int (self, "PRAGMA application_id", &application_id, error) ||
      !query_int (self, "PRAGMA user_version", &version, error) ||
      !query_int (self, "SELECT count(*) FROM sqlite_schema", &n_objects, error)) {
    g_prefix_error (error, "%s: ", display);
    store_close_untouched (self);
    return FALSE;
  }
  if (application_id != 0 && application_id != SD_STORE_APPLICATION_ID) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s belongs to another application; it was left untouched", display);
    store_close_untouched (self);
    return FALSE;
  }
  if (version == 0 && n_objects > 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s is an SQLite database but not a sessiond store; it was left untouched",
                 display);
    store_close_untouched (self);
    return FALSE;
  }
  if (version < 0 || version > SD_STORE_SCHEMA_VERSION) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NEWER_SCHEMA,
                 "%s has schema version %" G_GINT64_FORMAT " but this sessiond knows only up "
                 "to %d; it was left untouched (use a newer sessiond)",
                 display, version, SD_STORE_SCHEMA_VERSION);
    store_close_untouched (self);
    return FALSE;
  }

  /* synchronous=FULL: a commit is on disk before we go on, so an outbox row exists before
   * the network sees the message and a received batch is never lost after we advanced
   * last_hash; we commit once per poll batch and once or twice per send, so the fsync costs
   * little */
  if (!exec_pragma (self, "PRAGMA journal_mode = WAL", "wal", error) ||
      !exec_pragma (self, "PRAGMA synchronous = FULL", NULL, error) ||
      !exec_pragma (self, "PRAGMA foreign_keys = ON", NULL, error)) {
    g_prefix_error (error, "%s: ", display);
    return FALSE;
  }
  if (application_id == 0) {
    g_autofree gchar *sql = g_strdup_printf ("PRAGMA application_id = %d",
                                             SD_STORE_APPLICATION_ID);

    rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      set_sqlite_error (self->db, rc, error, display);
      return FALSE;
    }
  }
  if (!sd_store_schema_migrate (self->db, (gint) version, error)) {
    g_prefix_error (error, "%s: ", display);
    return FALSE;
  }
  return store_load_account_id (self, error);
}

SdStore *
sd_store_open (const gchar *path, GError **error)
{
  g_autoptr(SdStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SD_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  if (!store_open (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
sd_store_get_path (SdStore *self)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  return self->path;
}

const gchar *
sd_store_get_account_id (SdStore *self)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  return self->account_id;
}

gboolean
sd_store_set_account_id (SdStore *self, const gchar *account_id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (account_id, "the account id", error))
    return FALSE;
  if (self->account_id != NULL) {
    if (g_strcmp0 (self->account_id, account_id) == 0)
      return TRUE;
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                 "this store belongs to another account");
    return FALSE;
  }
  if (!sd_store_set_setting (self, SETTING_ACCOUNT_ID, account_id, error))
    return FALSE;
  self->account_id = g_strdup (account_id);
  return TRUE;
}

/* ---- the receive batch --------------------------------------------------------------------- */

typedef enum {
  BATCH_OP_SEEN,
  BATCH_OP_MESSAGE,
  BATCH_OP_RECEIPT,
  BATCH_OP_THEY_APPROVED,
  BATCH_OP_LAST_HASH,
  BATCH_OP_REACTION,
  BATCH_OP_UNSEND,
} BatchOpKind;

typedef struct {
  BatchOpKind kind;
  gchar *hash;              /* seen, message (nullable), last hash */
  gchar *who;               /* message author, receipt reader, approving sender, node */
  gchar *sync_target;
  gchar *body;
  gchar *profile_name;
  gint64 sent_at;
  gint64 received_at;
  gint64 expires_at;        /* also of a seen hash */
  gint64 profile_updated;
  gint namespace_;
  GArray *timestamps;       /* (element-type gint64) receipts */
  SdMessageKind message_kind;
  gchar *quote_author;      /* message: quote; reaction, unsend: the target's author */
  gint64 quote_sent_at;     /* message: quote; reaction, unsend: the target's T */
  SdExpirationMode expiration_mode;
  guint32 expiration_timer;
  gboolean remove;          /* reaction taken back */
} BatchOp;

struct _SdStoreBatch {
  SdStore *store;           /* (owned) */
  GPtrArray *ops;           /* (owned) (element-type BatchOp) in the order added */
};

static void
batch_op_free (BatchOp *op)
{
  g_free (op->hash);
  g_free (op->who);
  g_free (op->sync_target);
  g_free (op->body);
  g_free (op->profile_name);
  g_free (op->quote_author);
  g_clear_pointer (&op->timestamps, g_array_unref);
  g_free (op);
}

SdStoreBatch *
sd_store_batch_new (SdStore *store)
{
  SdStoreBatch *batch;

  g_return_val_if_fail (SD_IS_STORE (store), NULL);

  batch = g_new0 (SdStoreBatch, 1);
  batch->store = g_object_ref (store);
  batch->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) batch_op_free);
  return batch;
}

void
sd_store_batch_free (SdStoreBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->ops);
  g_object_unref (batch->store);
  g_free (batch);
}

guint
sd_store_batch_get_size (SdStoreBatch *batch)
{
  g_return_val_if_fail (batch != NULL, 0);
  return batch->ops->len;
}

static BatchOp *
batch_append (SdStoreBatch *batch, BatchOpKind kind)
{
  BatchOp *op = g_new0 (BatchOp, 1);

  op->kind = kind;
  g_ptr_array_add (batch->ops, op);
  return op;
}

void
sd_store_batch_add_seen (SdStoreBatch *batch, const gchar *server_hash, gint64 expires_at)
{
  BatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (server_hash != NULL);

  op = batch_append (batch, BATCH_OP_SEEN);
  op->hash = g_strdup (server_hash);
  op->expires_at = expires_at;
}

/* a profile is applied only with a usable name */
static gboolean
profile_usable (const gchar *name)
{
  return name != NULL && name[0] != '\0' && g_utf8_validate (name, -1, NULL);
}

gboolean
sd_store_batch_add_message (SdStoreBatch *batch, const SdIncomingMessage *message,
                            GError **error)
{
  const gchar *self_id;
  gboolean from_self;
  BatchOp *op;

  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self_id = batch->store->account_id;
  if (!store_check_session_id (message->author, "the author", error) ||
      !store_check_utf8 (message->body, "the body", error))
    return FALSE;
  if (message->sent_at <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "the message has no sent-at timestamp");
    return FALSE;
  }
  if (message->server_hash != NULL && !store_check_utf8 (message->server_hash, "the hash", error))
    return FALSE;
  from_self = self_id != NULL && strcmp (message->author, self_id) == 0;
  /* protocol §8.4 and §8.5: only our own devices name a sync target, and they must */
  if (from_self && message->sync_target == NULL) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a message from ourselves without a sync target");
    return FALSE;
  }
  if (!from_self && message->sync_target != NULL) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a sync target on a message from someone else");
    return FALSE;
  }
  if (from_self && !store_check_session_id (message->sync_target, "the sync target", error))
    return FALSE;
  if (message->quote_author != NULL &&
      (!store_check_session_id (message->quote_author, "the quoted author", error) ||
       message->quote_sent_at <= 0)) {
    g_prefix_error (error, "a bad quote: ");
    if (error != NULL && *error == NULL)
      g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "no quoted time");
    return FALSE;
  }
  if ((guint) message->expiration_mode > SD_EXPIRATION_AFTER_SEND ||
      (guint) message->kind > SD_MESSAGE_KIND_MEDIA_SAVED) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "an unknown message kind or expiration mode");
    return FALSE;
  }

  op = batch_append (batch, BATCH_OP_MESSAGE);
  op->hash = g_strdup (message->server_hash);
  op->who = g_strdup (message->author);
  op->sync_target = g_strdup (message->sync_target);
  op->body = g_strdup (message->body);
  op->sent_at = message->sent_at;
  op->received_at = message->received_at;
  op->expires_at = MAX (message->expires_at, 0);
  op->message_kind = message->kind;
  op->quote_author = g_strdup (message->quote_author);
  op->quote_sent_at = message->quote_author != NULL ? message->quote_sent_at : 0;
  op->expiration_mode = message->expiration_mode;
  op->expiration_timer = message->expiration_mode != SD_EXPIRATION_OFF ?
    message->expiration_timer : 0;
  /* profiles from ourselves are ignored (§6) */
  if (!from_self && profile_usable (message->profile_name)) {
    op->profile_name = g_strdup (message->profile_name);
    op->profile_updated = message->profile_updated;
  }
  return TRUE;
}

gboolean
sd_store_batch_add_read_receipt (SdStoreBatch *batch, const gchar *reader,
                                 const gint64 *timestamps, gsize n_timestamps, GError **error)
{
  BatchOp *op;

  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (timestamps != NULL || n_timestamps == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (reader, "the reader", error))
    return FALSE;
  op = batch_append (batch, BATCH_OP_RECEIPT);
  op->who = g_strdup (reader);
  op->timestamps = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) n_timestamps);
  g_array_append_vals (op->timestamps, timestamps, (guint) n_timestamps);
  return TRUE;
}

gboolean
sd_store_batch_add_they_approved (SdStoreBatch *batch, const gchar *sender,
                                  const gchar *profile_name, gint64 profile_updated,
                                  GError **error)
{
  BatchOp *op;

  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (sender, "the sender", error))
    return FALSE;
  op = batch_append (batch, BATCH_OP_THEY_APPROVED);
  op->who = g_strdup (sender);
  if (profile_usable (profile_name)) {
    op->profile_name = g_strdup (profile_name);
    op->profile_updated = profile_updated;
  }
  return TRUE;
}

gboolean
sd_store_batch_add_reaction (SdStoreBatch *batch, const gchar *reactor, const gchar *author,
                             gint64 target_sent_at, const gchar *emoji, gboolean remove,
                             gint64 sent_at, GError **error)
{
  BatchOp *op;

  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (reactor, "the reactor", error) ||
      !store_check_session_id (author, "the reaction's target author", error) ||
      !store_check_utf8 (emoji, "the emoji", error))
    return FALSE;
  if (target_sent_at <= 0 || sent_at <= 0 || *emoji == '\0' ||
      strlen (emoji) > SD_STORE_EMOJI_MAX_BYTES) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "a malformed reaction");
    return FALSE;
  }
  op = batch_append (batch, BATCH_OP_REACTION);
  op->who = g_strdup (reactor);
  op->quote_author = g_strdup (author);
  op->quote_sent_at = target_sent_at;
  op->body = g_strdup (emoji);
  op->remove = remove;
  op->sent_at = sent_at;
  return TRUE;
}

gboolean
sd_store_batch_add_unsend (SdStoreBatch *batch, const gchar *sender, const gchar *author,
                           gint64 target_sent_at, GError **error)
{
  BatchOp *op;

  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (sender, "the sender", error) ||
      !store_check_session_id (author, "the unsent message's author", error))
    return FALSE;
  /* §8.9: only the author can unsend */
  if (strcmp (sender, author) != 0 || target_sent_at <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "an unsend request for somebody else's message");
    return FALSE;
  }
  op = batch_append (batch, BATCH_OP_UNSEND);
  op->who = g_strdup (sender);
  op->quote_author = g_strdup (author);
  op->quote_sent_at = target_sent_at;
  return TRUE;
}

void
sd_store_batch_set_last_hash (SdStoreBatch *batch, const gchar *node_ed25519, gint namespace_,
                              const gchar *hash)
{
  BatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (node_ed25519 != NULL);
  g_return_if_fail (hash != NULL);

  op = batch_append (batch, BATCH_OP_LAST_HASH);
  op->who = g_strdup (node_ed25519);
  op->namespace_ = namespace_;
  op->hash = g_strdup (hash);
}

/* a conversation a batch touches; its row is brought up to date once, at the end */
typedef struct {
  gchar *id;                /* (owned) */
  gboolean exists;          /* its row was looked up (and created if needed) */
  gboolean created;
  gboolean blocked;
  gboolean changed;         /* something a front end shows changed */
  gint64 last_activity;     /* newest sent_at among new messages, 0 = none */
  gboolean they_approved;   /* a new incoming message arrived */
  gchar *profile_name;      /* (owned) (nullable) the best profile offered by the batch */
  gint64 profile_updated;
} ConvState;

/* what one apply run has touched so far */
typedef struct {
  SdStoreChanges *changes;  /* (unowned) */
  GPtrArray *conversations; /* (owned) (element-type ConvState) in first-touched order */
  GHashTable *by_id;        /* (owned) id (unowned, from the ConvState) -> ConvState (unowned) */
  GArray *receipt_times;    /* (owned) (element-type gint64) T of our messages now read */
} ApplyState;

static void
conv_state_free (ConvState *cs)
{
  g_free (cs->id);
  g_free (cs->profile_name);
  g_free (cs);
}

static ConvState *
conv_state_get (ApplyState *state, const gchar *id)
{
  ConvState *cs = g_hash_table_lookup (state->by_id, id);

  if (cs != NULL)
    return cs;
  cs = g_new0 (ConvState, 1);
  cs->id = g_strdup (id);
  g_ptr_array_add (state->conversations, cs);
  g_hash_table_insert (state->by_id, cs->id, cs);
  return cs;
}

/* keeps the profile that would win if the batch's profiles were applied one by one:
 * each must be strictly newer than the one before it (both 0 is allowed) */
static void
conv_state_offer_profile (ConvState *cs, const gchar *name, gint64 updated)
{
  if (name == NULL)
    return;
  if (cs->profile_name != NULL && updated <= cs->profile_updated &&
      !(updated == 0 && cs->profile_updated == 0))
    return;
  g_free (cs->profile_name);
  cs->profile_name = g_strdup (name);
  cs->profile_updated = updated;
}

/* the conversation exists (created if it did not), and whether it is blocked */
gboolean
ensure_conversation (SdStore *self, const gchar *id, SdConversationKind kind, gboolean approved,
                     gboolean they_approved, gint64 last_activity, gboolean *out_created,
                     gboolean *out_blocked, GError **error)
{
  g_autoptr(SdCachedStmt) select = NULL;
  g_autoptr(SdCachedStmt) insert = NULL;
  int rc;

  select = store_prepare (self, "SELECT blocked FROM conversations WHERE id = ?1", error);
  if (select == NULL)
    return FALSE;
  bind_text (select, 1, id);
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
  bind_text (insert, 1, id);
  bind_text (insert, 2, sd_conversation_kind_to_string (kind));
  sqlite3_bind_int (insert, 3, approved);
  sqlite3_bind_int (insert, 4, they_approved);
  sqlite3_bind_int64 (insert, 5, last_activity);
  if (!store_run (self, insert, error))
    return FALSE;
  *out_created = TRUE;
  return TRUE;
}

/* applies a profile if its lastProfileUpdateSeconds is strictly newer (both 0 is allowed) */
static gboolean
apply_profile (SdStore *self, const gchar *id, const gchar *name, gint64 updated,
               gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  *out_changed = FALSE;
  if (name == NULL)
    return TRUE;
  stmt = store_prepare (self,
                        "UPDATE conversations SET name = ?2, profile_updated = ?3"
                        " WHERE id = ?1 AND (?3 > profile_updated"
                        "  OR (?3 = 0 AND profile_updated = 0))",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, name);
  sqlite3_bind_int64 (stmt, 3, updated);
  if (!store_run (self, stmt, error))
    return FALSE;
  *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

static gboolean
apply_message (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) insert = NULL;
  const gchar *self_id = self->account_id;
  gboolean from_self = self_id != NULL && strcmp (op->who, self_id) == 0;
  const gchar *conversation_id;
  ConvState *cs;
  SdMessage *message;
  gboolean removed = FALSE;

  if (from_self && op->sync_target == NULL) {
    /* the account id was set after the batch was built */
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a message from ourselves without a sync target");
    return FALSE;
  }
  conversation_id = from_self ? op->sync_target : op->who;

  cs = conv_state_get (state, conversation_id);
  if (!cs->exists) {
    SdConversationKind kind = g_strcmp0 (conversation_id, self_id) == 0 ?
      SD_CONVERSATION_KIND_NOTE_TO_SELF : SD_CONVERSATION_KIND_DIRECT;

    /* our own message approves the conversation; theirs shows they approved us (§8.6) */
    if (!ensure_conversation (self, conversation_id, kind, from_self, !from_self, op->sent_at,
                              &cs->created, &cs->blocked, error))
      return FALSE;
    cs->exists = TRUE;
    cs->changed |= cs->created;
  }
  if (cs->blocked && !from_self) {
    state->changes->n_dropped++;
    return TRUE;
  }
  /* deleted, unsent or expired here before: another copy must not bring it back */
  if (!store_was_removed (self, op->who, op->sent_at, &removed, error))
    return FALSE;
  if (removed) {
    state->changes->n_duplicates++;
    return TRUE;
  }

  insert = store_prepare (self,
                          "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                          " received_at, status, expires_at, server_hash, kind, quote_author,"
                          " quote_sent_at, expiration_mode, expiration_timer)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?9, ?7, ?8, ?10, ?11, ?12, ?13, ?14)"
                          " ON CONFLICT DO NOTHING",
                          error);
  if (insert == NULL)
    return FALSE;
  /* events are shown, never unread */
  bind_text (insert, 9, op->message_kind == SD_MESSAGE_KIND_TEXT || from_self ? "sent" : "read");
  bind_text (insert, 10, sd_message_kind_to_string (op->message_kind));
  bind_text (insert, 11, op->quote_author);
  sqlite3_bind_int64 (insert, 12, op->quote_sent_at);
  sqlite3_bind_int (insert, 13, op->expiration_mode);
  sqlite3_bind_int64 (insert, 14, op->expiration_timer);
  bind_text (insert, 1, conversation_id);
  bind_text (insert, 2, op->who);
  sqlite3_bind_int (insert, 3, from_self);
  bind_text (insert, 4, op->body);
  sqlite3_bind_int64 (insert, 5, op->sent_at);
  sqlite3_bind_int64 (insert, 6, op->received_at);
  sqlite3_bind_int64 (insert, 7, op->expires_at);
  bind_text (insert, 8, op->hash);
  if (!store_run (self, insert, error))
    return FALSE;

  /* a profile counts even on a duplicate: the strictly-newer rule makes that harmless */
  if (!from_self)
    conv_state_offer_profile (cs, op->profile_name, op->profile_updated);

  if (sqlite3_changes (self->db) == 0) {
    state->changes->n_duplicates++;
    return TRUE;
  }
  cs->changed = TRUE;
  cs->last_activity = MAX (cs->last_activity, op->sent_at);
  cs->they_approved |= !from_self;

  /* the newest change of the setting wins, whichever side or device made it */
  if (op->message_kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE &&
      !store_apply_expiration (self, conversation_id, op->expiration_mode, op->expiration_timer,
                               op->sent_at, error))
    return FALSE;

  message = load_message (self, op->who, op->sent_at, error);
  if (message == NULL)
    return FALSE;
  g_ptr_array_add (state->changes->new_messages, message);
  return TRUE;
}

/* a reaction counts from either side of the message's conversation only */
static gboolean
apply_reaction (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) find = NULL;
  g_autoptr(SdCachedStmt) change = NULL;
  gint64 local_id;
  g_autofree gchar *conversation = NULL;
  int rc;

  find = store_prepare (self,
                        "SELECT local_id, conversation FROM messages"
                        " WHERE author = ?1 AND sent_at = ?2",
                        error);
  if (find == NULL)
    return FALSE;
  bind_text (find, 1, op->quote_author);
  sqlite3_bind_int64 (find, 2, op->quote_sent_at);
  rc = store_step (self, find, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    return TRUE;
  local_id = sqlite3_column_int64 (find, 0);
  conversation = column_dup (find, 1);
  if (g_strcmp0 (op->who, conversation) != 0 && g_strcmp0 (op->who, self->account_id) != 0)
    return TRUE;
  if (op->remove)
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
  bind_text (change, 2, op->who);
  bind_text (change, 3, op->body);
  sqlite3_bind_int64 (change, 4, op->sent_at);
  if (!store_run (self, change, error))
    return FALSE;
  if (sqlite3_changes (self->db) > 0) {
    SdMessage *message = load_message (self, op->quote_author, op->quote_sent_at, error);

    if (message == NULL)
      return FALSE;
    g_ptr_array_add (state->changes->changed_messages, message);
  }
  return TRUE;
}

static gboolean
apply_unsend (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdMessage) message = load_message (self, op->quote_author, op->quote_sent_at, NULL);

  if (!store_remove_row (self, op->quote_author, op->quote_sent_at,
                         store_now_ms () + SD_STORE_REMOVED_KEEP_MS, error))
    return FALSE;
  if (message != NULL) {
    conv_state_get (state, message->conversation)->changed = TRUE;
    g_ptr_array_add (state->changes->removed_messages, g_steal_pointer (&message));
  }
  return TRUE;
}

/* brings each touched conversation row up to date, once per batch rather than per message */
static gboolean
apply_conversations (SdStore *self, ApplyState *state, GError **error)
{
  for (guint i = 0; i < state->conversations->len; i++) {
    ConvState *cs = g_ptr_array_index (state->conversations, i);
    gboolean profile_changed = FALSE;

    if (cs->last_activity > 0 || cs->they_approved) {
      g_autoptr(SdCachedStmt) touch = NULL;

      touch = store_prepare (self,
                             "UPDATE conversations SET last_activity = max(last_activity, ?2),"
                             " they_approved = they_approved OR ?3 WHERE id = ?1",
                             error);
      if (touch == NULL)
        return FALSE;
      bind_text (touch, 1, cs->id);
      sqlite3_bind_int64 (touch, 2, cs->last_activity);
      sqlite3_bind_int (touch, 3, cs->they_approved);
      if (!store_run (self, touch, error))
        return FALSE;
    }
    if (!apply_profile (self, cs->id, cs->profile_name, cs->profile_updated, &profile_changed,
                        error))
      return FALSE;
    cs->changed |= profile_changed;
  }
  return TRUE;
}

static gboolean
apply_receipt (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  if (self->account_id == NULL || op->timestamps->len == 0)
    return TRUE;
  /* only a delivered message can be read; a sending one would be set back to sent */
  stmt = store_prepare (self,
                        "UPDATE messages SET status = 'read'"
                        " WHERE author = ?1 AND sent_at = ?2 AND conversation = ?3"
                        " AND outgoing = 1 AND status = 'sent'",
                        error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < op->timestamps->len; i++) {
    gint64 t = g_array_index (op->timestamps, gint64, i);

    bind_text (stmt, 1, self->account_id);
    sqlite3_bind_int64 (stmt, 2, t);
    bind_text (stmt, 3, op->who);
    if (!store_run (self, stmt, error))
      return FALSE;
    if (sqlite3_changes (self->db) > 0)
      g_array_append_val (state->receipt_times, t);
    sqlite3_reset (stmt);
  }
  return TRUE;
}

static gboolean
apply_they_approved (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  ConvState *cs;

  /* a response only matters for a conversation we have: we asked them first */
  stmt = store_prepare (self,
                        "UPDATE conversations SET they_approved = 1"
                        " WHERE id = ?1 AND they_approved = 0",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, op->who);
  if (!store_run (self, stmt, error))
    return FALSE;
  cs = conv_state_get (state, op->who);
  cs->changed |= sqlite3_changes (self->db) > 0;
  conv_state_offer_profile (cs, op->profile_name, op->profile_updated);
  return TRUE;
}

static gboolean
apply_seen (SdStore *self, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2)"
                        " ON CONFLICT (hash) DO UPDATE"
                        " SET expires_at = max(expires_at, excluded.expires_at)",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, op->hash);
  sqlite3_bind_int64 (stmt, 2, op->expires_at);
  return store_run (self, stmt, error);
}

static gboolean
apply_last_hash (SdStore *self, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "INSERT INTO last_hash (node, namespace, hash) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (node, namespace) DO UPDATE SET hash = excluded.hash",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, op->who);
  sqlite3_bind_int (stmt, 2, op->namespace_);
  bind_text (stmt, 3, op->hash);
  return store_run (self, stmt, error);
}

gboolean
sd_store_apply_batch (SdStore *self, SdStoreBatch *batch, SdStoreChanges **out_changes,
                      GError **error)
{
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GArray) receipt_times = NULL;
  ApplyState state;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (batch != NULL && batch->store == self, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  changes = g_new0 (SdStoreChanges, 1);
  changes->new_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  changes->changed_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  changes->removed_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  changes->created_conversations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) sd_conversation_free);
  changes->changed_conversations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) sd_conversation_free);
  conversations = g_ptr_array_new_with_free_func ((GDestroyNotify) conv_state_free);
  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  receipt_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  state.changes = changes;
  state.conversations = conversations;
  state.by_id = by_id;
  state.receipt_times = receipt_times;

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;

  for (guint i = 0; i < batch->ops->len; i++) {
    const BatchOp *op = g_ptr_array_index (batch->ops, i);
    gboolean ok = FALSE;

    switch (op->kind) {
    case BATCH_OP_SEEN:
      ok = apply_seen (self, op, error);
      break;
    case BATCH_OP_MESSAGE:
      ok = apply_message (self, &state, op, error);
      break;
    case BATCH_OP_RECEIPT:
      ok = apply_receipt (self, &state, op, error);
      break;
    case BATCH_OP_THEY_APPROVED:
      ok = apply_they_approved (self, &state, op, error);
      break;
    case BATCH_OP_LAST_HASH:
      ok = apply_last_hash (self, op, error);
      break;
    case BATCH_OP_REACTION:
      ok = apply_reaction (self, &state, op, error);
      break;
    case BATCH_OP_UNSEND:
      ok = apply_unsend (self, &state, op, error);
      break;
    default:
      g_assert_not_reached ();
    }
    if (!ok) {
      g_prefix_error (error, "applying a received batch (nothing was stored): ");
      return FALSE;
    }
  }
  if (!apply_conversations (self, &state, error)) {
    g_prefix_error (error, "applying a received batch (nothing was stored): ");
    return FALSE;
  }

  /* read back what changed inside the transaction, so it matches what is committed */
  for (guint i = 0; i < receipt_times->len; i++) {
    SdMessage *message = load_message (self, self->account_id,
                                       g_array_index (receipt_times, gint64, i), error);

    if (message == NULL)
      return FALSE;
    g_ptr_array_add (changes->changed_messages, message);
  }
  for (guint i = 0; i < conversations->len; i++) {
    const ConvState *cs = g_ptr_array_index (conversations, i);
    SdConversation *conversation;

    if (!cs->changed)
      continue;
    conversation = load_conversation (self, cs->id, error);
    if (conversation == NULL)
      return FALSE;
    if (cs->created)
      g_ptr_array_add (changes->created_conversations, conversation);
    else
      g_ptr_array_add (changes->changed_conversations, conversation);
  }

  if (!store_tx_commit (tx, error)) {
    g_prefix_error (error, "committing a received batch (nothing was stored): ");
    return FALSE;
  }
  if (changes->new_messages->len > 0 || changes->n_duplicates > 0)
    g_debug ("batch of %u operations: %u new messages, %u duplicates, %u dropped",
             batch->ops->len, changes->new_messages->len, changes->n_duplicates,
             changes->n_dropped);
  if (out_changes != NULL)
    *out_changes = g_steal_pointer (&changes);
  return TRUE;
}

gchar *
sd_store_get_last_hash (SdStore *self, const gchar *node_ed25519, gint namespace_,
                        GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (node_ed25519 != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self, "SELECT hash FROM last_hash WHERE node = ?1 AND namespace = ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, node_ed25519);
  sqlite3_bind_int (stmt, 2, namespace_);
  rc = store_step (self, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}

gboolean
sd_store_is_seen (SdStore *self, const gchar *server_hash, gboolean *out_seen, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (server_hash != NULL, FALSE);
  g_return_val_if_fail (out_seen != NULL, FALSE);

  stmt = store_prepare (self, "SELECT 1 FROM seen_hashes WHERE hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, server_hash);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_seen = rc == SQLITE_ROW;
  return TRUE;
}

gboolean
sd_store_prune_seen (SdStore *self, gint64 now, guint *out_pruned, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self, "DELETE FROM seen_hashes WHERE expires_at <= ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (out_pruned != NULL)
    *out_pruned = (guint) sqlite3_changes (self->db);
  return TRUE;
}

/* ---- the send path ------------------------------------------------------------------------- */

/* local_id and conversation of a message given by its public id */
gboolean
find_message (SdStore *self, const gchar *message_id, gint64 *out_local_id,
              gchar **out_conversation, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autofree gchar *author = NULL;
  gint64 sent_at;
  int rc;

  if (!sd_message_id_parse (message_id, &author, &sent_at, error))
    return FALSE;
  stmt = store_prepare (self,
                        "SELECT local_id, conversation FROM messages"
                        " WHERE author = ?1 AND sent_at = ?2",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, sent_at);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no message %s", message_id);
    return FALSE;
  }
  *out_local_id = sqlite3_column_int64 (stmt, 0);
  if (out_conversation != NULL)
    *out_conversation = column_dup (stmt, 1);
  return TRUE;
}

static SdMessage *
load_message_by_id (SdStore *self, const gchar *message_id, GError **error)
{
  g_autofree gchar *author = NULL;
  gint64 sent_at;

  if (!sd_message_id_parse (message_id, &author, &sent_at, error))
    return NULL;
  return load_message (self, author, sent_at, error);
}

SdMessage *
sd_store_queue_outgoing (SdStore *self, const gchar *conversation_id, const gchar *body,
                         gint64 sent_at, gint64 expires_at, GError **error)
{
  SdOutgoingMessage outgoing = { 0 };
  SdMessage *message;

  outgoing.conversation_id = conversation_id;
  outgoing.body = body;
  outgoing.sent_at = sent_at;
  message = sd_store_queue_outgoing_full (self, &outgoing, error);
  /* a fixed expiry, for callers that choose it themselves */
  if (message != NULL && expires_at > 0) {
    g_autoptr(SdCachedStmt) stmt = store_prepare (
      self, "UPDATE messages SET expires_at = ?2 WHERE local_id = ?1", NULL);

    if (stmt != NULL) {
      sqlite3_bind_int64 (stmt, 1, message->local_id);
      sqlite3_bind_int64 (stmt, 2, expires_at);
      if (store_run (self, stmt, NULL))
        message->expires_at = expires_at;
    }
  }
  return message;
}

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
  if (!ensure_conversation (self, conversation_id,
                            strcmp (conversation_id, self->account_id) == 0 ?
                              SD_CONVERSATION_KIND_NOTE_TO_SELF : SD_CONVERSATION_KIND_DIRECT,
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
    bind_text (probe, 1, self->account_id);
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
    bind_text (insert, 1, conversation_id);
    bind_text (insert, 2, self->account_id);
    bind_text (insert, 3, body);
    sqlite3_bind_int64 (insert, 4, t);
    sqlite3_bind_int64 (insert, 5, now);
    /* we have read our own message: both modes count from T */
    sqlite3_bind_int64 (insert, 6,
                        disappears ? t + (gint64) outgoing->expiration_timer * 1000 : 0);
    bind_text (insert, 7, sd_message_kind_to_string (outgoing->kind));
    bind_text (insert, 8, outgoing->quote_author);
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
                            " is_sync) VALUES (?1, ?2, 0, 0, 0)",
                            error);
    if (outbox == NULL)
      return NULL;
    sqlite3_bind_int64 (outbox, 1, local_id);
    bind_text (outbox, 2, conversation_id);
    if (!store_run (self, outbox, error))
      return NULL;

    touch = store_prepare (self,
                           "UPDATE conversations SET last_activity = max(last_activity, ?2)"
                           " WHERE id = ?1",
                           error);
    if (touch == NULL)
      return NULL;
    bind_text (touch, 1, conversation_id);
    sqlite3_bind_int64 (touch, 2, t);
    if (!store_run (self, touch, error))
      return NULL;
    if (outgoing->kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE &&
        !store_apply_expiration (self, conversation_id, outgoing->expiration_mode,
                                 outgoing->expiration_timer, t, error))
      return NULL;
  }

  message = load_message (self, self->account_id, t, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

GPtrArray *
sd_store_outbox_due (SdStore *self, gint64 now, guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self,
                        "SELECT " MESSAGE_COLUMNS ", o.recipient, o.is_sync, o.attempts,"
                        " o.next_attempt_at, o.last_error"
                        " FROM outbox o JOIN messages m ON m.local_id = o.message"
                        " WHERE o.next_attempt_at <= ?1"
                        " ORDER BY o.next_attempt_at, o.message LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_outbox_item_free);
  for (;;) {
    SdOutboxItem *item;
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    item = g_new0 (SdOutboxItem, 1);
    item->message = message_from_row (stmt, 0);
    item->recipient = column_dup (stmt, MESSAGE_N_COLUMNS + 0);
    item->is_sync = sqlite3_column_int (stmt, MESSAGE_N_COLUMNS + 1) != 0;
    item->attempts = (guint) sqlite3_column_int (stmt, MESSAGE_N_COLUMNS + 2);
    item->next_attempt_at = sqlite3_column_int64 (stmt, MESSAGE_N_COLUMNS + 3);
    item->last_error = column_dup (stmt, MESSAGE_N_COLUMNS + 4);
    g_ptr_array_add (items, item);
  }
  return g_steal_pointer (&items);
}

gboolean
store_query_min (SdStore *self, const gchar *sql, gint64 *out_value, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_value = rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL ?
    sqlite3_column_int64 (stmt, 0) : G_MAXINT64;
  return TRUE;
}

gboolean
sd_store_outbox_next_due (SdStore *self, gint64 *out_next, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_next != NULL, FALSE);

  return store_query_min (self, "SELECT min(next_attempt_at) FROM outbox", out_next, error);
}

/* the stage of @local_id's outbox row: 0 delivery, 1 sync, -1 none */
static gboolean
outbox_stage (SdStore *self, gint64 local_id, gint *out_stage, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  stmt = store_prepare (self, "SELECT is_sync FROM outbox WHERE message = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_stage = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : -1;
  return TRUE;
}

static gboolean
expect_delivery_pending (SdStore *self, gint64 local_id, const gchar *message_id,
                         GError **error)
{
  gint stage;

  if (!outbox_stage (self, local_id, &stage, error))
    return FALSE;
  if (stage != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                 "message %s is not waiting for delivery", message_id);
    return FALSE;
  }
  return TRUE;
}

SdMessage *
sd_store_mark_sent (SdStore *self, const gchar *message_id, const gchar *server_hash,
                    GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdCachedStmt) outbox = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autofree gchar *conversation = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!find_message (self, message_id, &local_id, &conversation, error) ||
      !expect_delivery_pending (self, local_id, message_id, error))
    return NULL;

  update = store_prepare (self,
                          "UPDATE messages SET status = 'sent', error = NULL,"
                          " server_hash = coalesce(?2, server_hash) WHERE local_id = ?1",
                          error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  bind_text (update, 2, server_hash);
  if (!store_run (self, update, error))
    return NULL;

  /* the row stays, as the sync copy to our own swarm, so a restart still sends it; Note to
   * Self was that copy, and data-extraction notices are not synced */
  message = load_message_by_id (self, message_id, error);
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
    bind_text (outbox, 2, self->account_id);
  if (!store_run (self, outbox, error))
    return NULL;

  if (!store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

gboolean
sd_store_mark_synced (SdStore *self, const gchar *message_id, const gchar *server_hash,
                      GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) keep = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (server_hash != NULL && !store_check_utf8 (server_hash, "the hash", error))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL || !find_message (self, message_id, &local_id, NULL, error))
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
  bind_text (keep, 2, server_hash);
  if (!store_run (self, keep, error))
    return FALSE;
  return store_tx_commit (tx, error);
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
  if (!find_message (self, message_id, &local_id, NULL, error) ||
      !expect_delivery_pending (self, local_id, message_id, error))
    return NULL;
  update = store_prepare (self, "UPDATE messages SET status = 'failed', error = ?2"
                          " WHERE local_id = ?1", error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  bind_text (update, 2, reason != NULL ? reason : "");
  if (!store_run (self, update, error))
    return NULL;
  outbox = store_prepare (self, "DELETE FROM outbox WHERE message = ?1", error);
  if (outbox == NULL)
    return NULL;
  sqlite3_bind_int64 (outbox, 1, local_id);
  if (!store_run (self, outbox, error))
    return NULL;
  message = load_message_by_id (self, message_id, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
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
  if (!find_message (self, message_id, &local_id, NULL, error))
    return FALSE;
  stmt = store_prepare (self,
                        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,"
                        " last_error = ?3 WHERE message = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  sqlite3_bind_int64 (stmt, 2, next_attempt_at);
  bind_text (stmt, 3, last_error);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                 "message %s is not in the outbox", message_id);
    return FALSE;
  }
  return TRUE;
}

/* ---- queries and local changes ------------------------------------------------------------- */

GPtrArray *
sd_store_list_conversations (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) conversations = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self, CONVERSATION_SELECT " ORDER BY c.last_activity DESC, c.id", error);
  if (stmt == NULL)
    return NULL;
  conversations = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_conversation_free);
  for (;;) {
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    g_ptr_array_add (conversations, conversation_from_row (stmt));
  }
  return g_steal_pointer (&conversations);
}

SdConversation *
sd_store_get_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!store_check_session_id (id, "the conversation id", error))
    return NULL;
  return load_conversation (self, id, error);
}

SdMessage *
sd_store_get_message (SdStore *self, const gchar *message_id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load_message_by_id (self, message_id, error);
}

GPtrArray *
sd_store_get_messages (SdStore *self, const gchar *conversation_id, gint64 before, gint64 after,
                       guint limit, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!store_check_session_id (conversation_id, "the conversation id", error))
    return NULL;
  if (before < 0 || after < 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "before and after must not be negative");
    return NULL;
  }
  if (after > 0 && before == 0)
    stmt = store_prepare (self,
                          "SELECT " MESSAGE_COLUMNS " FROM messages m"
                          " WHERE m.conversation = ?1 AND m.sent_at < ?2 AND m.sent_at > ?3"
                          " ORDER BY m.sent_at, m.local_id LIMIT ?4",
                          error);
  else
    stmt = store_prepare (self,
                          "SELECT * FROM (SELECT " MESSAGE_COLUMNS " FROM messages m"
                          "  WHERE m.conversation = ?1 AND m.sent_at < ?2 AND m.sent_at > ?3"
                          "  ORDER BY m.sent_at DESC, m.local_id DESC LIMIT ?4)"
                          " ORDER BY sent_at, local_id",
                          error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, before == 0 ? G_MAXINT64 : before);
  sqlite3_bind_int64 (stmt, 3, after);
  sqlite3_bind_int64 (stmt, 4, limit == 0 ? -1 : (gint64) limit);
  return collect_messages (self, stmt, error);
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

  if (conversation_id == NULL) {
    stmt = store_prepare (self,
                          "SELECT count(*) FROM messages m"
                          " JOIN conversations c ON c.id = m.conversation"
                          " WHERE m.outgoing = 0 AND m.status <> 'read' AND c.blocked = 0",
                          error);
  } else {
    if (!store_check_session_id (conversation_id, "the conversation id", error))
      return FALSE;
    stmt = store_prepare (self,
                          "SELECT count(*) FROM messages"
                          " WHERE conversation = ?1 AND outgoing = 0 AND status <> 'read'",
                          error);
  }
  if (stmt == NULL)
    return FALSE;
  if (conversation_id != NULL)
    bind_text (stmt, 1, conversation_id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_unread = rc == SQLITE_ROW ? (guint) CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT)
                                 : 0;
  return TRUE;
}

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* NOT_FOUND unless conversation @id exists */
gboolean
expect_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  if (!store_check_session_id (id, "the conversation id", error))
    return FALSE;
  stmt = store_prepare (self, "SELECT 1 FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_DONE) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                         "no such conversation");
    return FALSE;
  }
  return TRUE;
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
  if (!expect_conversation (self, conversation_id, error))
    return FALSE;
  stmt = store_prepare (self,
                        "UPDATE messages SET status = 'read'"
                        " WHERE conversation = ?1 AND outgoing = 0 AND status <> 'read'"
                        " AND sent_at <= ?2 RETURNING sent_at",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, up_to);
  timestamps = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (;;) {
    gint64 t;
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return FALSE;
    if (rc == SQLITE_DONE)
      break;
    t = sqlite3_column_int64 (stmt, 0);
    g_array_append_val (timestamps, t);
  }

  /* after-read messages start disappearing once read */
  start = store_prepare (self,
                         "UPDATE messages SET expires_at = ?3 + expiration_timer * 1000"
                         " WHERE conversation = ?1 AND outgoing = 0 AND expiration_mode = 1"
                         " AND kind = 'text' AND expires_at = 0 AND status = 'read'"
                         " AND sent_at <= ?2"
                         " RETURNING sent_at",
                         error);
  if (start == NULL)
    return FALSE;
  bind_text (start, 1, conversation_id);
  sqlite3_bind_int64 (start, 2, up_to);
  sqlite3_bind_int64 (start, 3, now);
  expiring_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (;;) {
    gint64 t;
    int rc = store_step (self, start, error);

    if (rc == 0)
      return FALSE;
    if (rc == SQLITE_DONE)
      break;
    t = sqlite3_column_int64 (start, 0);
    g_array_append_val (expiring_times, t);
  }
  expiring = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  for (guint i = 0; i < expiring_times->len; i++) {
    SdMessage *message = load_message (self, conversation_id,
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

  if (!store_check_session_id (id, "the conversation id", error))
    return FALSE;
  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  /* each statement uses ?1 and one of ?2 (a number) or ?3 (a text) */
  bind_text (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, value);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    bind_text (stmt, 3, text);
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
  if (!store_check_session_id (conversation_id, "the conversation id", error))
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
  bind_text (stmt, 1, conversation_id);
  bind_text (stmt, 2, sd_conversation_kind_to_string (kind));
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
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (conversation_id, "the conversation id", error))
    return FALSE;
  /* one statement, so one implicit transaction; messages and outbox rows go by cascade */
  stmt = store_prepare (self, "DELETE FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, conversation_id);
  if (!store_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND,
                         "no such conversation");
    return FALSE;
  }
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
  bind_text (stmt, 1, conversation_id);
  bind_text (stmt, 2, sd_expiration_mode_to_string (mode));
  sqlite3_bind_int64 (stmt, 3, mode == SD_EXPIRATION_OFF ? 0 : timer);
  sqlite3_bind_int64 (stmt, 4, changed_at);
  return store_run (self, stmt, error);
}

gboolean
sd_store_set_expiration (SdStore *self, const gchar *conversation_id, SdExpirationMode mode,
                         guint32 timer, gint64 changed_at, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if ((guint) mode > SD_EXPIRATION_AFTER_SEND) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "an unknown expiration mode");
    return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL || !expect_conversation (self, conversation_id, error) ||
      !store_apply_expiration (self, conversation_id, mode, timer, changed_at, error))
    return FALSE;
  return store_tx_commit (tx, error);
}

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

  stmt = store_prepare (self,
                        "SELECT " MESSAGE_COLUMNS " FROM messages_fts f"
                        " JOIN messages m ON m.local_id = f.rowid"
                        " WHERE messages_fts MATCH ?1"
                        " ORDER BY m.sent_at DESC, m.local_id DESC LIMIT ?2",
                        error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fts_query);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  return collect_messages (self, stmt, error);
}

gchar *
sd_store_get_setting (SdStore *self, const gchar *key, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self, "SELECT value FROM settings WHERE key = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return NULL;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "setting %s is not set", key);
    return NULL;
  }
  return column_dup (stmt, 0);
}

gboolean
sd_store_set_setting (SdStore *self, const gchar *key, const gchar *value, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_utf8 (key, "the setting name", error) ||
      (value != NULL && !store_check_utf8 (value, "the setting value", error)))
    return FALSE;
  if (value == NULL)
    stmt = store_prepare (self, "DELETE FROM settings WHERE key = ?1", error);
  else
    stmt = store_prepare (self,
                          "INSERT INTO settings (key, value) VALUES (?1, ?2)"
                          " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  if (value != NULL)
    bind_text (stmt, 2, value);
  return store_run (self, stmt, error);
}

/* ---- network layer caches ------------------------------------------------------------------ */

static gboolean
check_snode (const SdStoreSnode *node, GError **error)
{
  if (node == NULL || node->ed25519 == NULL || node->x25519 == NULL || node->ip == NULL ||
      !g_utf8_validate (node->ed25519, -1, NULL) || !g_utf8_validate (node->x25519, -1, NULL) ||
      !g_utf8_validate (node->ip, -1, NULL)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a service node without keys or address");
    return FALSE;
  }
  return TRUE;
}

static SdStoreSnode *
snode_from_row (sqlite3_stmt *stmt, gboolean with_strikes)
{
  SdStoreSnode *node = g_new0 (SdStoreSnode, 1);

  node->ed25519 = column_dup (stmt, 0);
  node->x25519 = column_dup (stmt, 1);
  node->ip = column_dup (stmt, 2);
  node->port = (guint16) sqlite3_column_int (stmt, 3);
  /* swarm ids use all 64 bits; SQLite keeps them as the same bits, signed */
  node->swarm_id = (guint64) sqlite3_column_int64 (stmt, 4);
  node->strikes = with_strikes ? (guint) sqlite3_column_int (stmt, 5) : 0;
  return node;
}

gboolean
sd_store_save_snodes (SdStore *self, GPtrArray *nodes, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) clear = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (nodes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < nodes->len; i++) {
    if (!check_snode (g_ptr_array_index (nodes, i), error))
      return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  clear = store_prepare (self, "DELETE FROM snodes", error);
  if (clear == NULL || !store_run (self, clear, error))
    return FALSE;
  for (guint i = 0; i < nodes->len; i++) {
    const SdStoreSnode *node = g_ptr_array_index (nodes, i);
    g_autoptr(SdCachedStmt) insert = NULL;

    insert = store_prepare (self,
                            "INSERT OR REPLACE INTO snodes"
                            " (ed25519, x25519, ip, port, swarm_id, strikes)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            error);
    if (insert == NULL)
      return FALSE;
    bind_text (insert, 1, node->ed25519);
    bind_text (insert, 2, node->x25519);
    bind_text (insert, 3, node->ip);
    sqlite3_bind_int (insert, 4, node->port);
    sqlite3_bind_int64 (insert, 5, (gint64) node->swarm_id);
    sqlite3_bind_int64 (insert, 6, node->strikes);
    if (!store_run (self, insert, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

GPtrArray *
sd_store_load_snodes (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) nodes = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self,
                        "SELECT ed25519, x25519, ip, port, swarm_id, strikes FROM snodes"
                        " ORDER BY ed25519",
                        error);
  if (stmt == NULL)
    return NULL;
  nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_store_snode_free);
  for (;;) {
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return NULL;
    if (rc == SQLITE_DONE)
      break;
    g_ptr_array_add (nodes, snode_from_row (stmt, TRUE));
  }
  return g_steal_pointer (&nodes);
}

gboolean
sd_store_save_swarm (SdStore *self, const gchar *account_id, GPtrArray *members,
                     gint64 fetched_at, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) swarm = NULL;
  g_autoptr(SdCachedStmt) clear = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (members != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (account_id == NULL || !g_utf8_validate (account_id, -1, NULL)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "no account id");
    return FALSE;
  }
  for (guint i = 0; i < members->len; i++) {
    if (!check_snode (g_ptr_array_index (members, i), error))
      return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  swarm = store_prepare (self,
                         "INSERT INTO swarms (account, fetched_at) VALUES (?1, ?2)"
                         " ON CONFLICT (account) DO UPDATE SET fetched_at = excluded.fetched_at",
                         error);
  if (swarm == NULL)
    return FALSE;
  bind_text (swarm, 1, account_id);
  sqlite3_bind_int64 (swarm, 2, fetched_at);
  if (!store_run (self, swarm, error))
    return FALSE;
  clear = store_prepare (self, "DELETE FROM swarm_members WHERE account = ?1", error);
  if (clear == NULL)
    return FALSE;
  bind_text (clear, 1, account_id);
  if (!store_run (self, clear, error))
    return FALSE;
  for (guint i = 0; i < members->len; i++) {
    const SdStoreSnode *node = g_ptr_array_index (members, i);
    g_autoptr(SdCachedStmt) insert = NULL;

    insert = store_prepare (self,
                            "INSERT OR REPLACE INTO swarm_members"
                            " (account, ed25519, x25519, ip, port, swarm_id)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            error);
    if (insert == NULL)
      return FALSE;
    bind_text (insert, 1, account_id);
    bind_text (insert, 2, node->ed25519);
    bind_text (insert, 3, node->x25519);
    bind_text (insert, 4, node->ip);
    sqlite3_bind_int (insert, 5, node->port);
    sqlite3_bind_int64 (insert, 6, (gint64) node->swarm_id);
    if (!store_run (self, insert, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

gboolean
sd_store_load_swarm (SdStore *self, const gchar *account_id, GPtrArray **out_members,
                     gint64 *out_fetched_at, GError **error)
{
  g_autoptr(SdCachedStmt) swarm = NULL;
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) members = NULL;
  gint64 fetched_at = 0;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  swarm = store_prepare (self, "SELECT fetched_at FROM swarms WHERE account = ?1", error);
  if (swarm == NULL)
    return FALSE;
  bind_text (swarm, 1, account_id);
  rc = store_step (self, swarm, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    fetched_at = sqlite3_column_int64 (swarm, 0);

  stmt = store_prepare (self,
                        "SELECT ed25519, x25519, ip, port, swarm_id FROM swarm_members"
                        " WHERE account = ?1 ORDER BY ed25519",
                        error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, account_id);
  members = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_store_snode_free);
  for (;;) {
    rc = store_step (self, stmt, error);
    if (rc == 0)
      return FALSE;
    if (rc == SQLITE_DONE)
      break;
    g_ptr_array_add (members, snode_from_row (stmt, FALSE));
  }
  if (out_members != NULL)
    *out_members = g_steal_pointer (&members);
  if (out_fetched_at != NULL)
    *out_fetched_at = fetched_at;
  return TRUE;
}

gboolean
sd_store_check_integrity (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) fts = NULL;
  const gchar *result;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = store_prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  result = rc == SQLITE_ROW ? (const gchar *) sqlite3_column_text (stmt, 0) : NULL;
  if (g_strcmp0 (result, "ok") != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT, "integrity check: %s",
                 result != NULL ? result : "no answer");
    return FALSE;
  }
  /* the search index must agree with the messages it indexes */
  fts = store_prepare (self,
                       "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
                       error);
  if (fts == NULL || !store_run (self, fts, error)) {
    g_prefix_error (error, "search index: ");
    return FALSE;
  }
  return TRUE;
}

/* ---- the object ---------------------------------------------------------------------------- */

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
sd_store_finalize (GObject *object)
{
  SdStore *self = SD_STORE (object);

  /* statements must be finalized before the connection can close */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL) {
    int rc = sqlite3_close (self->db);

    if (rc != SQLITE_OK)
      g_warning ("closing the store: %s", sqlite3_errstr (rc));
    self->db = NULL;
  }
  g_free (self->account_id);
  g_free (self->path);

  G_OBJECT_CLASS (sd_store_parent_class)->finalize (object);
}

static void
sd_store_class_init (SdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_store_finalize;
}

static void
sd_store_init (SdStore *self)
{
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, stmt_finalize);
}
