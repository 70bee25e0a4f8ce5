/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sd-store-communities.h"
#include "sd-store-rows.h"

#include "sd-attachment-pointer.h"

/*
 * Joined communities and their posts (schema 10). A post is a message row by its poster's
 * blinded id; community_posts ties it to the server's post id (for deletions, reactions and
 * our own deletes) and keeps the poster's name and the server's reaction counts.
 */

#define COMMUNITY_COLUMNS \
  "conversation, base_url, room, server_pk, joined_at, name, description, user_count," \
  " info_updates, seqno, permissions, moderators, admins, pinned"

void
sd_community_free (SdCommunity *community)
{
  if (community == NULL)
    return;
  g_free (community->id);
  g_free (community->base_url);
  g_free (community->room);
  g_free (community->server_pk);
  g_free (community->name);
  g_free (community->description);
  g_free (community->permissions);
  g_strfreev (community->moderators);
  g_strfreev (community->admins);
  g_clear_pointer (&community->pinned, g_array_unref);
  g_free (community);
}

/* the array the JSON @text holds (owned by @parser), NULL when it holds none */
static JsonArray *
parse_array (JsonParser *parser, const gchar *text)
{
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return NULL;
  return json_node_get_array (root);
}

/* the element @i of @array when it is a value of @type, else NULL */
static JsonNode *
array_value (JsonArray *array, guint i, GType type)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

/* what @builder built, as JSON text */
static gchar *
builder_text (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static GStrv
strv_from_json (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array = parse_array (parser, text);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *node = array_value (array, i, G_TYPE_STRING);

    if (node != NULL)
      g_strv_builder_add (builder, json_node_get_string (node));
  }
  return g_strv_builder_end (builder);
}

static gchar *
strv_to_json (const gchar *const *strv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
  return builder_text (builder);
}

static GArray *
ids_from_json (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  JsonArray *array = parse_array (parser, text);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *node = array_value (array, i, G_TYPE_INT64);
    gint64 id;

    if (node == NULL)
      continue;
    id = json_node_get_int (node);
    g_array_append_val (out, id);
  }
  return out;
}

static gchar *
ids_to_json (const GArray *ids)
{
  return store_ids_json ((const gint64 *) (gpointer) ids->data, ids->len);
}

static SdCommunity *
community_from_row (sqlite3_stmt *stmt)
{
  SdCommunity *community = g_new0 (SdCommunity, 1);

  community->id = store_column_dup (stmt, 0);
  community->base_url = store_column_dup (stmt, 1);
  community->room = store_column_dup (stmt, 2);
  community->server_pk = store_column_dup (stmt, 3);
  community->joined_at = sqlite3_column_int64 (stmt, 4);
  community->name = store_column_dup (stmt, 5);
  community->description = store_column_dup (stmt, 6);
  community->user_count = sqlite3_column_int64 (stmt, 7);
  community->info_updates = sqlite3_column_int64 (stmt, 8);
  community->seqno = sqlite3_column_int64 (stmt, 9);
  community->permissions = store_column_dup (stmt, 10);
  community->moderators = strv_from_json ((const gchar *) sqlite3_column_text (stmt, 11));
  community->admins = strv_from_json ((const gchar *) sqlite3_column_text (stmt, 12));
  community->pinned = ids_from_json ((const gchar *) sqlite3_column_text (stmt, 13));
  return community;
}

gboolean
sd_store_add_community (SdStore *self, const gchar *id, const gchar *base_url,
                        const gchar *room, const gchar *server_pk_hex, gint64 now,
                        gboolean *out_created, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) insert = NULL;
  gboolean created = FALSE, blocked = FALSE;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (!sd_store_is_community_id (id)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a community id");
    return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  /* we chose to join: approved, and never a message request */
  if (!store_ensure_conversation (self, id, SD_CONVERSATION_KIND_DIRECT, TRUE, TRUE, now,
                                  &created, &blocked, error))
    return FALSE;
  /* joining again with another key (the first was mistyped) takes the new one */
  insert = store_prepare (self,
                          "INSERT INTO communities (conversation, base_url, room, server_pk,"
                          " joined_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                          " ON CONFLICT (conversation) DO UPDATE SET server_pk = excluded.server_pk"
                          " WHERE server_pk <> excluded.server_pk",
                          error);
  if (insert == NULL)
    return FALSE;
  store_bind_text (insert, 1, id);
  store_bind_text (insert, 2, base_url);
  store_bind_text (insert, 3, room);
  store_bind_text (insert, 4, server_pk_hex);
  sqlite3_bind_int64 (insert, 5, now);
  if (!store_run (self, insert, error))
    return FALSE;
  created = created && sqlite3_changes (self->db) > 0;
  if (!store_tx_commit (tx, error))
    return FALSE;
  if (out_created != NULL)
    *out_created = created;
  return TRUE;
}

GPtrArray *
sd_store_list_communities (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self, "SELECT " COMMUNITY_COLUMNS " FROM communities"
                        " ORDER BY base_url, room", error);
  if (stmt == NULL)
    return NULL;
  return store_collect_rows (self, stmt, (StoreRowNew) community_from_row,
                             (GDestroyNotify) sd_community_free, error);
}

SdCommunity *
sd_store_get_community (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self, "SELECT " COMMUNITY_COLUMNS " FROM communities"
                        " WHERE conversation = ?1", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, id);
  if (!store_step_row (self, stmt, "no such community", error))
    return NULL;
  return community_from_row (stmt);
}

gboolean
sd_store_community_set_info (SdStore *self, const gchar *id, const gchar *name,
                             const gchar *description, gint64 user_count, gint64 info_updates,
                             const gchar *permissions, const gchar *const *moderators,
                             const gchar *const *admins, const GArray *pinned, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdCachedStmt) rename = NULL;
  g_autofree gchar *mods = moderators != NULL ? strv_to_json (moderators) : NULL;
  g_autofree gchar *adms = admins != NULL ? strv_to_json (admins) : NULL;
  g_autofree gchar *pins = pinned != NULL ? ids_to_json (pinned) : NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if ((name != NULL && !store_check_utf8 (name, "the room name", error)) ||
      (description != NULL && !store_check_utf8 (description, "the description", error)))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  update = store_prepare (self,
                          "UPDATE communities SET name = coalesce (?2, name),"
                          " description = coalesce (?3, description),"
                          " user_count = CASE WHEN ?4 >= 0 THEN ?4 ELSE user_count END,"
                          " info_updates = CASE WHEN ?5 >= 0 THEN ?5 ELSE info_updates END,"
                          " permissions = coalesce (?6, permissions),"
                          " moderators = coalesce (?7, moderators),"
                          " admins = coalesce (?8, admins),"
                          " pinned = coalesce (?9, pinned)"
                          " WHERE conversation = ?1",
                          error);
  if (update == NULL)
    return FALSE;
  store_bind_text (update, 1, id);
  store_bind_text (update, 2, name);
  store_bind_text (update, 3, description);
  sqlite3_bind_int64 (update, 4, user_count);
  sqlite3_bind_int64 (update, 5, info_updates);
  store_bind_text (update, 6, permissions);
  store_bind_text (update, 7, mods);
  store_bind_text (update, 8, adms);
  store_bind_text (update, 9, pins);
  if (!store_run (self, update, error))
    return FALSE;
  if (name != NULL) {
    rename = store_prepare (self, "UPDATE conversations SET name = ?2 WHERE id = ?1", error);
    if (rename == NULL)
      return FALSE;
    store_bind_text (rename, 1, id);
    store_bind_text (rename, 2, name);
    if (!store_run (self, rename, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

gboolean
sd_store_community_set_seqno (SdStore *self, const gchar *id, gint64 seqno, GError **error)
{
  g_autoptr(SdCachedStmt) update = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  update = store_prepare (self, "UPDATE communities SET seqno = max (seqno, ?2)"
                          " WHERE conversation = ?1", error);
  if (update == NULL)
    return FALSE;
  store_bind_text (update, 1, id);
  sqlite3_bind_int64 (update, 2, seqno);
  return store_run (self, update, error);
}

gboolean
sd_store_community_dm_cursors (SdStore *self, const gchar *base_url, const gchar *server_pk_hex,
                               gint64 *out_inbox, gint64 *out_outbox, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  *out_inbox = *out_outbox = 0;
  stmt = store_prepare (self, "SELECT inbox_since, outbox_since FROM community_servers"
                        " WHERE base_url = ?1 AND server_pk = ?2", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, base_url);
  store_bind_text (stmt, 2, server_pk_hex);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_ROW) {
    *out_inbox = sqlite3_column_int64 (stmt, 0);
    *out_outbox = sqlite3_column_int64 (stmt, 1);
  }
  return TRUE;
}

gboolean
sd_store_community_set_dm_cursors (SdStore *self, const gchar *base_url,
                                   const gchar *server_pk_hex, gint64 inbox, gint64 outbox,
                                   GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "INSERT INTO community_servers (base_url, server_pk, inbox_since,"
                        " outbox_since) VALUES (?1, ?2, ?3, ?4)"
                        " ON CONFLICT (base_url, server_pk) DO UPDATE SET"
                        " inbox_since = max (inbox_since, excluded.inbox_since),"
                        " outbox_since = max (outbox_since, excluded.outbox_since)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, base_url);
  store_bind_text (stmt, 2, server_pk_hex);
  sqlite3_bind_int64 (stmt, 3, inbox);
  sqlite3_bind_int64 (stmt, 4, outbox);
  return store_run (self, stmt, error);
}

GStrv
sd_store_community_pinned_messages (SdStore *self, const SdCommunity *community, GError **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  for (guint i = 0; community->pinned != NULL && i < community->pinned->len; i++) {
    g_autoptr(SdCachedStmt) stmt = NULL;
    int rc;

    stmt = store_prepare (self, "SELECT m.author, m.sent_at FROM community_posts p"
                          " JOIN messages m ON m.local_id = p.message"
                          " WHERE p.conversation = ?1 AND p.post_id = ?2", error);
    if (stmt == NULL)
      return NULL;
    store_bind_text (stmt, 1, community->id);
    sqlite3_bind_int64 (stmt, 2, g_array_index (community->pinned, gint64, i));
    rc = store_step (self, stmt, error);
    if (rc == 0)
      return NULL;
    if (rc == SQLITE_ROW) {
      g_autofree gchar *id = sd_message_id_make ((const gchar *) sqlite3_column_text (stmt, 0),
                                                 sqlite3_column_int64 (stmt, 1));

      g_strv_builder_add (builder, id);
    }
  }
  return g_strv_builder_end (builder);
}

/* ---- posts ---- */

static gchar *
reactions_to_json (const GArray *reactions)
{
  g_autoptr(JsonBuilder) builder = NULL;

  /* most posts have none: no JSON objects for them (a poll stores thousands) */
  if (reactions == NULL || reactions->len == 0)
    return g_strdup ("[]");
  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < reactions->len; i++) {
    const SdReaction *r = &g_array_index (reactions, SdReaction, i);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "e");
    json_builder_add_string_value (builder, r->emoji);
    json_builder_set_member_name (builder, "n");
    json_builder_add_int_value (builder, r->count);
    json_builder_set_member_name (builder, "m");
    json_builder_add_boolean_value (builder, r->mine);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  return builder_text (builder);
}

static GArray *
reactions_from_json (const gchar *text)
{
  g_autoptr(JsonParser) parser = NULL;
  GArray *out = sd_reactions_new (0);
  JsonArray *array;

  /* most posts have none */
  if (text == NULL || strcmp (text, "[]") == 0)
    return out;
  parser = json_parser_new ();
  array = parse_array (parser, text);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    JsonObject *object;
    SdReaction r = { 0 };

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    object = json_node_get_object (node);
    if (!json_object_has_member (object, "e"))
      continue;
    r.emoji = g_strdup (json_object_get_string_member_with_default (object, "e", ""));
    r.count = (guint) CLAMP (json_object_get_int_member_with_default (object, "n", 0), 0,
                             G_MAXUINT);
    r.mine = json_object_get_boolean_member_with_default (object, "m", FALSE);
    g_array_append_val (out, r);
  }
  return out;
}

static gboolean
is_community_message (const SdMessage *message)
{
  return sd_store_is_community_id (message->conversation);
}

static void
row_add_post (sqlite3_stmt *stmt, SdMessage *message)
{
  g_free (message->author_name);
  message->author_name = store_column_dup (stmt, 1);
  g_free (message->author_session_id);
  message->author_session_id = store_column_dup (stmt, 2);
  g_clear_pointer (&message->reactions, g_array_unref);
  message->reactions = reactions_from_json ((const gchar *) sqlite3_column_text (stmt, 3));
}

gboolean
store_load_community_posts (SdStore *self, SdMessage *const *messages, guint n_messages,
                            GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "SELECT message, author_name, author_session_id, reactions"
                        " FROM community_posts WHERE message IN (SELECT value FROM json_each (?1))",
                        error);
  if (stmt == NULL)
    return FALSE;
  return store_each_message_row (self, stmt, messages, n_messages, is_community_message,
                                 row_add_post, error);
}

static gboolean
find_post (SdStore *self, const gchar *id, gint64 post_id, gint64 *out_local_id,
           GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  *out_local_id = 0;
  stmt = store_prepare (self, "SELECT message FROM community_posts"
                        " WHERE conversation = ?1 AND post_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, post_id);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    *out_local_id = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static SdMessage *
load_by_local_id (SdStore *self, gint64 local_id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autofree gchar *author = NULL;
  gint64 sent_at;

  stmt = store_prepare (self, "SELECT author, sent_at FROM messages WHERE local_id = ?1",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, local_id);
  if (!store_step_row (self, stmt, "no such message", error))
    return NULL;
  author = store_column_dup (stmt, 0);
  sent_at = sqlite3_column_int64 (stmt, 1);
  g_clear_pointer (&stmt, sd_cached_stmt_release);
  return store_load_message (self, author, sent_at, error);
}

/* whether a post is stored already or was removed here: one lookup per post (a poll stores
 * thousands) */
static gboolean
post_known (SdStore *self, const gchar *id, const SdCommunityPost *post, gboolean *out_known,
            GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self, "SELECT EXISTS (SELECT 1 FROM community_posts"
                        "                 WHERE conversation = ?1 AND post_id = ?2)"
                        " OR EXISTS (SELECT 1 FROM removed_messages"
                        "            WHERE author = ?3 AND sent_at = ?4)", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, post->post_id);
  store_bind_text (stmt, 3, post->author);
  sqlite3_bind_int64 (stmt, 4, post->sent_at);
  if (!store_step_row (self, stmt, "no answer", error))
    return FALSE;
  *out_known = sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

/* a post's attachments: theirs wait to be fetched (DownloadAttachment), ours are here */
static gboolean
insert_room_files (SdStore *self, gint64 local_id, const SdCommunityPost *post, GError **error)
{
  for (guint i = 0; i < post->n_files; i++) {
    const SdCommunityFile *f = &post->files[i];
    StoreAttachmentRow row = {
      .state = f->file != NULL ? "available" : "pending", .pointer = f->pointer,
      .file_name = f->file_name, .content_type = f->content_type, .caption = f->caption,
      .size = f->size, .width = f->width, .height = f->height, .voice = f->voice,
      .file = f->file,
    };

    if (!store_insert_attachment_row (self, local_id, i, &row, error))
      return FALSE;
  }
  return TRUE;
}

/* our post (@post->author, @post->sent_at) is stored here already, unlinked, as failed or
 * sending (docs/communities.md, "Resending"): the server did store it (a lost answer, or a
 * resend under way), so it is sent, under its post id, and is not posted again */
static gboolean
adopt_own_post (SdStore *self, const gchar *id, const SdCommunityPost *post, GError **error)
{
  g_autoptr(SdCachedStmt) find = NULL;
  g_autoptr(SdCachedStmt) link = NULL;
  g_autoptr(SdCachedStmt) sent = NULL;
  gint64 local_id;
  int rc;

  find = store_prepare (self, "SELECT local_id FROM messages m WHERE conversation = ?1"
                        " AND author = ?2 AND sent_at = ?3 AND outgoing = 1"
                        " AND status IN ('sending', 'failed')"
                        " AND NOT EXISTS (SELECT 1 FROM community_posts p"
                        "                 WHERE p.message = m.local_id)", error);
  if (find == NULL)
    return FALSE;
  store_bind_text (find, 1, id);
  store_bind_text (find, 2, post->author);
  sqlite3_bind_int64 (find, 3, post->sent_at);
  rc = store_step (self, find, error);
  if (rc == 0)
    return FALSE;
  if (rc != SQLITE_ROW)
    return TRUE;
  local_id = sqlite3_column_int64 (find, 0);
  link = store_prepare (self, "INSERT INTO community_posts (message, conversation, post_id,"
                        " author_name, author_session_id) VALUES (?1, ?2, ?3, ?4, ?5)"
                        " ON CONFLICT DO NOTHING", error);
  if (link == NULL)
    return FALSE;
  sqlite3_bind_int64 (link, 1, local_id);
  store_bind_text (link, 2, id);
  sqlite3_bind_int64 (link, 3, post->post_id);
  store_bind_text (link, 4, post->author_name);
  store_bind_text (link, 5, post->author_session_id);
  if (!store_run (self, link, error))
    return FALSE;
  sent = store_prepare (self, "UPDATE messages SET status = 'sent', error = NULL"
                        " WHERE local_id = ?1", error);
  if (sent == NULL)
    return FALSE;
  sqlite3_bind_int64 (sent, 1, local_id);
  return store_run (self, sent, error);
}

/* one post inside the caller's transaction: its local id, or 0 when it is stored already,
 * was removed here, or is not a post we can store */
static gboolean
insert_post (SdStore *self, const gchar *id, const SdCommunityPost *post, gint64 *out_local_id,
             GError **error)
{
  g_autoptr(SdCachedStmt) insert = NULL;
  g_autoptr(SdCachedStmt) link = NULL;
  g_autofree gchar *reactions = NULL;
  gboolean removed = FALSE;
  gint64 local_id = 0;

  *out_local_id = 0;
  if (!sd_store_is_author_id (post->author) || post->sent_at <= 0 ||
      !store_check_utf8 (post->body, "the post", NULL) ||
      (post->author_name != NULL && !store_check_utf8 (post->author_name, "the name", NULL)))
    return TRUE;
  if (!post_known (self, id, post, &removed, error))
    return FALSE;
  if (removed)
    return TRUE;
  insert = store_prepare (self,
                          "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                          " received_at, status, quote_author, quote_sent_at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sent', ?7, ?8) ON CONFLICT DO NOTHING",
                          error);
  if (insert == NULL)
    return FALSE;
  store_bind_text (insert, 1, id);
  store_bind_text (insert, 2, post->author);
  sqlite3_bind_int (insert, 3, post->outgoing);
  store_bind_text (insert, 4, post->body);
  sqlite3_bind_int64 (insert, 5, post->sent_at);
  sqlite3_bind_int64 (insert, 6, post->received_at);
  store_bind_text (insert, 7, post->quote_author);
  sqlite3_bind_int64 (insert, 8, post->quote_author != NULL ? post->quote_sent_at : 0);
  if (!store_run (self, insert, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    return post->outgoing ? adopt_own_post (self, id, post, error) : TRUE;
  local_id = sqlite3_last_insert_rowid (self->db);
  reactions = reactions_to_json (post->reactions);
  link = store_prepare (self,
                        "INSERT INTO community_posts (message, conversation, post_id,"
                        " author_name, author_session_id, reactions)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        error);
  if (link == NULL)
    return FALSE;
  sqlite3_bind_int64 (link, 1, local_id);
  store_bind_text (link, 2, id);
  sqlite3_bind_int64 (link, 3, post->post_id);
  store_bind_text (link, 4, post->author_name);
  store_bind_text (link, 5, post->author_session_id);
  store_bind_text (link, 6, reactions);
  if (!store_run (self, link, error))
    return FALSE;
  if (!insert_room_files (self, local_id, post, error))
    return FALSE;
  /* unread: marked for the whole page at once by the caller */
  *out_local_id = local_id;
  return TRUE;
}

GPtrArray *
sd_store_community_add_posts (SdStore *self, const gchar *id, const SdCommunityPost *posts,
                              guint n_posts, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(GArray) stored = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  g_autoptr(SdCachedStmt) touch = NULL;
  gint64 latest = 0;
  guint unread = 0;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (!sd_store_is_community_id (id)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a community id");
    return NULL;
  }
  if (n_posts == 0)
    return g_steal_pointer (&messages);
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  for (guint i = 0; i < n_posts; i++) {
    gint64 local_id = 0;

    if (!insert_post (self, id, &posts[i], &local_id, error))
      return NULL;
    if (local_id == 0)
      continue;
    g_array_append_val (stored, local_id);
    unread += !posts[i].outgoing;
    latest = MAX (latest, posts[i].sent_at);
  }
  if (stored->len > 0) {
    g_autoptr(SdCachedStmt) mark = NULL;
    g_autoptr(GString) ids = g_string_new ("[");

    for (guint i = 0; i < stored->len; i++)
      g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                              g_array_index (stored, gint64, i));
    g_string_append_c (ids, ']');
    /* the page's new posts from others are unread: one statement for them all */
    mark = store_prepare (self, "INSERT INTO unread_messages (conversation, sent_at, message)"
                          " SELECT conversation, sent_at, local_id FROM messages"
                          " WHERE local_id IN (SELECT value FROM json_each (?1))"
                          " AND outgoing = 0", error);
    if (mark == NULL)
      return NULL;
    store_bind_text (mark, 1, ids->str);
    if (!store_run (self, mark, error))
      return NULL;
    touch = store_prepare (self, "UPDATE conversations SET unread = unread + ?3,"
                           " last_activity = max (last_activity, ?2) WHERE id = ?1", error);
    if (touch == NULL)
      return NULL;
    store_bind_text (touch, 1, id);
    sqlite3_bind_int64 (touch, 2, latest);
    sqlite3_bind_int64 (touch, 3, unread);
    if (!store_run (self, touch, error))
      return NULL;
    /* after the other writes (see store_index_messages) */
    if (!store_index_messages (self, (const gint64 *) (gpointer) stored->data, stored->len,
                               error))
      return NULL;
  }
  if (!store_tx_commit (tx, error))
    return NULL;
  if (stored->len > 0) {
    /* read back in one query, with what goes with them */
    g_autofree gchar *ids = ids_to_json (stored);
    g_autoptr(SdCachedStmt) load = NULL;

    load = store_prepare (self, "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                          " WHERE m.local_id IN (SELECT value FROM json_each (?1))"
                          " ORDER BY m.local_id", error);
    if (load == NULL)
      return NULL;
    store_bind_text (load, 1, ids);
    g_clear_pointer (&messages, g_ptr_array_unref);
    messages = store_collect_messages (self, load, error);
    if (messages == NULL)
      return NULL;
  }
  return g_steal_pointer (&messages);
}

SdMessage *
sd_store_community_add_post (SdStore *self, const gchar *id, const SdCommunityPost *post,
                             GError **error)
{
  g_autoptr(GPtrArray) messages = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (!sd_store_is_author_id (post->author) || post->sent_at <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a community post");
    return NULL;
  }
  if (!store_check_utf8 (post->body, "the post", error) ||
      (post->author_name != NULL && !store_check_utf8 (post->author_name, "the name", error)))
    return NULL;
  messages = sd_store_community_add_posts (self, id, post, 1, error);
  if (messages == NULL || messages->len == 0)
    return NULL;
  return g_ptr_array_steal_index (messages, 0);
}

SdMessage *
sd_store_community_set_reactions (SdStore *self, const gchar *id, gint64 post_id,
                                  const GArray *reactions, GError **error)
{
  g_autoptr(SdCachedStmt) update = NULL;
  g_autofree gchar *json = reactions_to_json (reactions);
  gint64 local_id = 0;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (!find_post (self, id, post_id, &local_id, error) || local_id == 0)
    return NULL;
  update = store_prepare (self, "UPDATE community_posts SET reactions = ?2 WHERE message = ?1",
                          error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  store_bind_text (update, 2, json);
  if (!store_run (self, update, error))
    return NULL;
  g_clear_pointer (&update, sd_cached_stmt_release);
  return load_by_local_id (self, local_id, error);
}

SdMessage *
sd_store_community_remove_post (SdStore *self, const gchar *id, gint64 post_id, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdMessage) message = NULL;
  gint64 local_id = 0;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!find_post (self, id, post_id, &local_id, error) || local_id == 0)
    return NULL;
  message = load_by_local_id (self, local_id, error);
  if (message == NULL ||
      !store_remove_row (self, message->author, message->sent_at,
                         store_now_ms () + SD_STORE_REMOVED_KEEP_MS, error) ||
      !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

gboolean
sd_store_community_post_id (SdStore *self, const gchar *message_id, gint64 *out_post_id,
                            gchar **out_conversation, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  gint64 local_id = 0;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (!store_find_message (self, message_id, &local_id, NULL, error))
    return FALSE;
  stmt = store_prepare (self, "SELECT post_id, conversation FROM community_posts"
                        " WHERE message = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, local_id);
  if (!store_step_row (self, stmt, "not a community post", error))
    return FALSE;
  if (out_post_id != NULL)
    *out_post_id = sqlite3_column_int64 (stmt, 0);
  if (out_conversation != NULL)
    *out_conversation = store_column_dup (stmt, 1);
  return TRUE;
}

gboolean
sd_store_community_set_image (SdStore *self, const gchar *id, const gchar *url,
                              const gchar *file, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (!sd_store_is_community_id (id)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "not a community id");
    return FALSE;
  }
  if (url == NULL) {
    stmt = store_prepare (self, "DELETE FROM avatars WHERE conversation = ?1", error);
    if (stmt == NULL)
      return FALSE;
    store_bind_text (stmt, 1, id);
    return store_run (self, stmt, error);
  }
  /* a room's image has no key: it is not encrypted */
  stmt = store_prepare (self, "INSERT INTO avatars (conversation, url, key, file)"
                        " SELECT ?1, ?2, zeroblob (0), ?3 WHERE EXISTS"
                        " (SELECT 1 FROM communities WHERE conversation = ?1)"
                        " ON CONFLICT (conversation) DO UPDATE SET url = excluded.url,"
                        " key = excluded.key, file = excluded.file", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, id);
  store_bind_text (stmt, 2, url);
  store_bind_text (stmt, 3, file);
  return store_run (self, stmt, error);
}

/* ---- community DMs to blinded ids not recognised yet (schema 11) ---- */

void
sd_blinded_conversation_free (SdBlindedConversation *conversation)
{
  if (conversation == NULL)
    return;
  g_free (conversation->id);
  g_free (conversation->base_url);
  g_free (conversation->server_pk);
  g_free (conversation);
}

static gboolean
check_blinded_id (const gchar *id, GError **error)
{
  if (sd_store_is_blinded_id (id))
    return TRUE;
  g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "not a blinded id");
  return FALSE;
}

/* inside the caller's transaction: the conversation keyed by blinded id @peer, and the server
 * it belongs to (created approved: we wrote first, here or on another device) */
static gboolean
ensure_blinded (SdStore *self, const gchar *peer, const gchar *base_url, const gchar *server_pk,
                gint64 at_ms, gboolean *out_created, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  gboolean blocked = FALSE;

  if (!store_ensure_conversation (self, peer, SD_CONVERSATION_KIND_DIRECT, TRUE, FALSE, at_ms,
                                  out_created, &blocked, error))
    return FALSE;
  stmt = store_prepare (self, "INSERT INTO blinded_conversations (conversation, base_url,"
                        " server_pk) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, peer);
  store_bind_text (stmt, 2, base_url);
  store_bind_text (stmt, 3, server_pk);
  return store_run (self, stmt, error);
}

gboolean
sd_store_add_blinded_conversation (SdStore *self, const gchar *id, const gchar *base_url,
                                   const gchar *server_pk, gint64 at_ms, gboolean *out_created,
                                   GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  gboolean created = FALSE;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (!check_blinded_id (id, error) || !store_check_utf8 (base_url, "the URL", error) ||
      !store_check_utf8 (server_pk, "the key", error))
    return FALSE;
  if (strlen (server_pk) != 64 || at_ms <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "no key or no time");
    return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL || !ensure_blinded (self, id, base_url, server_pk, at_ms, &created, error) ||
      !store_tx_commit (tx, error))
    return FALSE;
  if (out_created != NULL)
    *out_created = created;
  return TRUE;
}

SdMessage *
sd_store_community_add_blinded_dm (SdStore *self, const SdBlindedDm *dm, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) insert = NULL;
  g_autoptr(SdCachedStmt) touch = NULL;
  gboolean created = FALSE, removed = FALSE;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (!check_blinded_id (dm->peer, error) || !store_check_session_id (dm->author, "the author",
                                                                      error) ||
      !store_check_utf8 (dm->body, "the body", error) ||
      (dm->server_hash != NULL && !store_check_utf8 (dm->server_hash, "the hash", error)))
    return NULL;
  if (dm->sent_at <= 0) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "no time");
    return NULL;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!store_was_removed (self, dm->author, dm->sent_at, &removed, error))
    return NULL;
  if (removed)
    return NULL;
  /* we wrote first: approved */
  if (!ensure_blinded (self, dm->peer, dm->base_url, dm->server_pk, dm->sent_at, &created,
                       error))
    return NULL;
  insert = store_prepare (self,
                          "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                          " received_at, status, server_hash)"
                          " VALUES (?1, ?2, 1, ?3, ?4, ?5, 'sent', ?6) ON CONFLICT DO NOTHING",
                          error);
  if (insert == NULL)
    return NULL;
  store_bind_text (insert, 1, dm->peer);
  store_bind_text (insert, 2, dm->author);
  store_bind_text (insert, 3, dm->body);
  sqlite3_bind_int64 (insert, 4, dm->sent_at);
  sqlite3_bind_int64 (insert, 5, dm->received_at);
  store_bind_text (insert, 6, dm->server_hash);
  if (!store_run (self, insert, error))
    return NULL;
  /* stored already (sent from here, an earlier outbox poll, or merged into the 1:1
   * conversation since): rolled back, so no empty conversation is left */
  if (sqlite3_changes (self->db) == 0)
    return NULL;
  local_id = sqlite3_last_insert_rowid (self->db);
  touch = store_prepare (self, "UPDATE conversations SET last_activity = max (last_activity, ?2)"
                         " WHERE id = ?1", error);
  if (touch == NULL)
    return NULL;
  store_bind_text (touch, 1, dm->peer);
  sqlite3_bind_int64 (touch, 2, dm->sent_at);
  if (!store_run (self, touch, error) || !store_index_messages (self, &local_id, 1, error) ||
      !store_tx_commit (tx, error))
    return NULL;
  return store_load_message (self, dm->author, dm->sent_at, error);
}

SdBlindedConversation *
sd_store_get_blinded_conversation (SdStore *self, const gchar *id, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  SdBlindedConversation *out;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self, "SELECT conversation, base_url, server_pk"
                        " FROM blinded_conversations WHERE conversation = ?1", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, id);
  if (!store_step_row (self, stmt, "no such blinded conversation", error))
    return NULL;
  out = g_new0 (SdBlindedConversation, 1);
  out->id = store_column_dup (stmt, 0);
  out->base_url = store_column_dup (stmt, 1);
  out->server_pk = store_column_dup (stmt, 2);
  return out;
}

GPtrArray *
sd_store_list_blinded_conversations (SdStore *self, const gchar *base_url,
                                     const gchar *server_pk_hex, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  stmt = store_prepare (self, "SELECT conversation FROM blinded_conversations"
                        " WHERE base_url = ?1 AND server_pk = ?2", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, base_url);
  store_bind_text (stmt, 2, server_pk_hex);
  return store_collect_rows (self, stmt, store_row_text, g_free, error);
}

gboolean
sd_store_merge_blinded_conversation (SdStore *self, const gchar *blinded_id,
                                     const gchar *session_id, GError **error)
{
  static const gchar *const steps[] = {
    /* we wrote to them first: the 1:1 conversation is approved */
    "UPDATE conversations SET approved = 1,"
    " last_activity = max (last_activity, (SELECT last_activity FROM conversations"
    "                                      WHERE id = ?1))"
    " WHERE id = ?2",
    "UPDATE messages SET conversation = ?2 WHERE conversation = ?1",
    "UPDATE unread_messages SET conversation = ?2 WHERE conversation = ?1",
    "UPDATE conversations SET unread ="
    " (SELECT count(*) FROM unread_messages WHERE conversation = ?2) WHERE id = ?2",
    "DELETE FROM conversations WHERE id = ?1",
  };
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdBlindedConversation) existing = NULL;
  gboolean created = FALSE, blocked = FALSE;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);

  if (!check_blinded_id (blinded_id, error) ||
      !store_check_session_id (session_id, "the Session ID", error))
    return FALSE;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  existing = sd_store_get_blinded_conversation (self, blinded_id, error);
  if (existing == NULL)
    return FALSE;
  if (!store_ensure_conversation (self, session_id, SD_CONVERSATION_KIND_DIRECT, TRUE, FALSE, 0,
                                  &created, &blocked, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++) {
    g_autoptr(SdCachedStmt) stmt = store_prepare (self, steps[i], error);

    if (stmt == NULL)
      return FALSE;
    store_bind_text (stmt, 1, blinded_id);
    store_bind_text (stmt, 2, session_id);
    if (!store_run (self, stmt, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

/* ---- our posts that failed, and their resending (docs/communities.md, "Resending") ---- */

SdMessage *
sd_store_community_add_failed_post (SdStore *self, const gchar *id, const SdCommunityPost *post,
                                    const gchar *reason, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) insert = NULL;
  g_autoptr(SdCachedStmt) touch = NULL;
  g_autoptr(SdMessage) message = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (post != NULL && post->outgoing, NULL);

  if (!sd_store_is_community_id (id) || !sd_store_is_author_id (post->author) ||
      post->sent_at <= 0 || post->n_files > SD_ATTACHMENT_MAX_COUNT) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "not a post of ours to a community");
    return NULL;
  }
  if (!store_check_utf8 (post->body, "the post", error) ||
      (reason != NULL && !store_check_utf8 (reason, "the reason", error)))
    return NULL;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  insert = store_prepare (self,
                          "INSERT INTO messages (conversation, author, outgoing, body, sent_at,"
                          " received_at, status, error, quote_author, quote_sent_at)"
                          " VALUES (?1, ?2, 1, ?3, ?4, ?4, 'failed', ?5, ?6, ?7)",
                          error);
  if (insert == NULL)
    return NULL;
  store_bind_text (insert, 1, id);
  store_bind_text (insert, 2, post->author);
  store_bind_text (insert, 3, post->body);
  sqlite3_bind_int64 (insert, 4, post->sent_at);
  store_bind_text (insert, 5, reason != NULL ? reason : "");
  store_bind_text (insert, 6, post->quote_author);
  sqlite3_bind_int64 (insert, 7, post->quote_author != NULL ? post->quote_sent_at : 0);
  if (!store_run (self, insert, error))
    return NULL;
  local_id = sqlite3_last_insert_rowid (self->db);
  /* the files that went up keep their pointers; the others their file, to go up later */
  for (guint i = 0; i < post->n_files; i++) {
    const SdCommunityFile *f = &post->files[i];
    StoreAttachmentRow row = {
      .state = f->pointer != NULL ? "available" : "failed", .pointer = f->pointer,
      .file_name = f->file_name, .content_type = f->content_type, .caption = f->caption,
      .size = f->size, .width = f->width, .height = f->height, .voice = f->voice,
      .file = f->file,
    };

    if (!store_insert_attachment_row (self, local_id, i, &row, error))
      return NULL;
  }
  touch = store_prepare (self, "UPDATE conversations SET last_activity = max (last_activity, ?2)"
                         " WHERE id = ?1", error);
  if (touch == NULL)
    return NULL;
  store_bind_text (touch, 1, id);
  sqlite3_bind_int64 (touch, 2, post->sent_at);
  if (!store_run (self, touch, error) || !store_index_messages (self, &local_id, 1, error))
    return NULL;
  message = load_by_local_id (self, local_id, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

/* @message_id of conversation @id: its local id, or NOT_FOUND */
static gboolean
message_here (SdStore *self, const gchar *id, const gchar *message_id, gint64 *out_local_id,
                  GError **error)
{
  g_autofree gchar *found_in = NULL;

  if (!store_find_message (self, message_id, out_local_id, &found_in, error))
    return FALSE;
  if (g_strcmp0 (found_in, id) != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "no message %s here",
                 message_id);
    return FALSE;
  }
  return TRUE;
}

SdMessage *
sd_store_community_file_uploaded (SdStore *self, const gchar *id, const gchar *message_id,
                                  guint index, GBytes *pointer, GError **error)
{
  g_autoptr(SdCachedStmt) update = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (pointer != NULL, NULL);

  if (!message_here (self, id, message_id, &local_id, error))
    return NULL;
  update = store_prepare (self, "UPDATE attachments SET state = 'available', pointer = ?3,"
                          " error = NULL WHERE message = ?1 AND idx = ?2"
                          " AND state <> 'available'", error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  sqlite3_bind_int64 (update, 2, index);
  sqlite3_bind_blob (update, 3, g_bytes_get_data (pointer, NULL),
                     (int) g_bytes_get_size (pointer), SQLITE_TRANSIENT);
  if (!store_run (self, update, error))
    return NULL;
  g_clear_pointer (&update, sd_cached_stmt_release);
  return load_by_local_id (self, local_id, error);
}

SdMessage *
sd_store_community_post_done (SdStore *self, const gchar *id, const gchar *message_id,
                              gint64 post_id, const gchar *reason, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) link = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(SdMessage) message = NULL;
  gint64 local_id;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  if (reason != NULL && !store_check_utf8 (reason, "the reason", error))
    return NULL;
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  if (!message_here (self, id, message_id, &local_id, error))
    return NULL;
  if (post_id > 0) {
    /* a poll may have linked it already (adopt_own_post) */
    link = store_prepare (self, "INSERT INTO community_posts (message, conversation, post_id)"
                          " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", error);
    if (link == NULL)
      return NULL;
    sqlite3_bind_int64 (link, 1, local_id);
    store_bind_text (link, 2, id);
    sqlite3_bind_int64 (link, 3, post_id);
    if (!store_run (self, link, error))
      return NULL;
  }
  /* only from sending: a post a poll found meanwhile stays sent */
  update = store_prepare (self, "UPDATE messages SET status = ?2, error = ?3"
                          " WHERE local_id = ?1 AND outgoing = 1 AND status = 'sending'",
                          error);
  if (update == NULL)
    return NULL;
  sqlite3_bind_int64 (update, 1, local_id);
  store_bind_text (update, 2, post_id > 0 ? "sent" : "failed");
  store_bind_text (update, 3, post_id > 0 ? NULL : (reason != NULL ? reason : ""));
  if (!store_run (self, update, error))
    return NULL;
  message = load_by_local_id (self, local_id, error);
  if (message == NULL || !store_tx_commit (tx, error))
    return NULL;
  return g_steal_pointer (&message);
}

GPtrArray *
sd_store_community_fail_sending (SdStore *self, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) select = NULL;
  g_autoptr(SdCachedStmt) update = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return NULL;
  select = store_prepare (self, "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m"
                          " WHERE m.status = 'sending' AND m.outgoing = 1"
                          " AND m.conversation IN (SELECT conversation FROM communities)"
                          " ORDER BY m.local_id", error);
  if (select == NULL)
    return NULL;
  messages = store_collect_messages (self, select, error);
  if (messages == NULL)
    return NULL;
  g_clear_pointer (&select, sd_cached_stmt_release);
  update = store_prepare (self, "UPDATE messages SET status = 'failed',"
                          " error = 'cut off by a restart' WHERE status = 'sending'"
                          " AND outgoing = 1"
                          " AND conversation IN (SELECT conversation FROM communities)", error);
  if (update == NULL || !store_run (self, update, error) || !store_tx_commit (tx, error))
    return NULL;
  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);

    message->status = SD_MESSAGE_STATUS_FAILED;
  }
  return g_steal_pointer (&messages);
}
