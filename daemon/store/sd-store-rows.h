/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the store's paths (batch, outbox, conversations, reactions, removal) share above the
 * core (sd-store-rows.c): reading rows into values, and the few row writes more than one path
 * makes. Not for use outside the store.
 */

#include "sd-store-private.h"

G_BEGIN_DECLS

/* how long a removed message's id is remembered: longer than any copy lives in a swarm */
#define SD_STORE_REMOVED_KEEP_MS (15LL * 24 * 3600 * 1000)

/* the columns store_message_from_row() reads, for "SELECT " STORE_MESSAGE_COLUMNS " FROM
 * messages m ..."; the quoted body is looked up by a subquery. A quote names (author, sent-at)
 * only, so a peer could show us, as quoted, a message of another conversation (ours to someone
 * else, or someone else's to us): only a quote of the same conversation has its body. An
 * incoming message is read unless unread_messages holds it (schema version 5) */
#define STORE_MESSAGE_COLUMNS \
  "m.author, m.sent_at, m.conversation, m.outgoing, m.body, m.received_at, " \
  "CASE WHEN m.outgoing THEN m.status WHEN EXISTS (SELECT 1 FROM unread_messages r" \
  "  WHERE r.conversation = m.conversation AND r.sent_at = m.sent_at" \
  "  AND r.message = m.local_id) THEN 'sent' ELSE 'read' END, " \
  "m.error, m.expires_at, m.server_hash, m.kind, m.quote_author, m.quote_sent_at, " \
  "(SELECT q.body FROM messages q WHERE q.author = m.quote_author" \
  "  AND q.sent_at = m.quote_sent_at AND q.conversation = m.conversation), m.expiration_mode, m.expiration_timer, m.sync_hash, " \
  "m.local_id"
#define STORE_MESSAGE_N_COLUMNS 18

/* @ids as a JSON array, for "IN (SELECT value FROM json_each (?))": one cached statement
 * serves a list of any length */
gchar *store_ids_json (const gint64 *ids, guint n_ids);
/* what goes with some messages, read in one query for all of them: @stmt's ?1 is bound here
 * to the local ids of the @messages @keep keeps (all of them for NULL), its first column is a
 * message's local id, and each row goes to @row with its message. Nothing is read when
 * @keep keeps none */
typedef gboolean (*StoreMessageFilter) (const SdMessage *message);
typedef void (*StoreMessageRowFunc) (sqlite3_stmt *stmt, SdMessage *message);
gboolean store_each_message_row (SdStore *self, sqlite3_stmt *stmt, SdMessage *const *messages,
                                 guint n_messages, StoreMessageFilter keep,
                                 StoreMessageRowFunc row, GError **error);
/* a message from STORE_MESSAGE_COLUMNS starting at column @first, without reactions */
SdMessage *store_message_from_row (sqlite3_stmt *stmt, int first);
/* every row of @stmt as a message, with reactions (one query for all of them) */
GPtrArray *store_collect_messages (SdStore *self, sqlite3_stmt *stmt, GError **error);
/* local_id and conversation of message (@author, @sent_at); @out_found FALSE when absent */
gboolean store_locate_message (SdStore *self, const gchar *author, gint64 sent_at,
                               gboolean *out_found, gint64 *out_local_id,
                               gchar **out_conversation, GError **error);
/* the same for the message @message_id names; NOT_FOUND when absent */
gboolean store_find_message (SdStore *self, const gchar *message_id, gint64 *out_local_id,
                             gchar **out_conversation, GError **error);
/* a whole message with its quote and reactions; NOT_FOUND when absent */
SdMessage *store_load_message (SdStore *self, const gchar *author, gint64 sent_at,
                               GError **error);
SdMessage *store_load_message_by_id (SdStore *self, const gchar *message_id, GError **error);
/* sd-store-attachments.c: each message's attachments, in one query for all of them */
gboolean store_load_attachments (SdStore *self, SdMessage *const *messages, guint n_messages,
                                 GError **error);
/* one attachments row; what is NULL (or zero: width, height, voice) is left unset */
typedef struct {
  const gchar *state;
  GBytes *pointer;           /* (nullable) the wire AttachmentPointer */
  const gchar *file_name;
  const gchar *content_type;
  const gchar *caption;
  gint64 size;               /* -1: unknown */
  gint64 width;
  gint64 height;
  gboolean voice;
  const gchar *file;         /* (nullable) the file we have */
  GBytes *secret;            /* (nullable) an upload's */
  const gchar *error;        /* (nullable) why it failed */
} StoreAttachmentRow;
gboolean store_insert_attachment_row (SdStore *self, gint64 local_id, guint idx,
                                      const StoreAttachmentRow *row, GError **error);
gboolean store_insert_outgoing_attachments (SdStore *self, gint64 local_id,
                                            const SdOutgoingAttachment *attachments, guint n,
                                            GError **error);
gboolean store_insert_incoming_attachments (SdStore *self, gint64 local_id, GPtrArray *pointers,
                                            GError **error);
/* a contact's newer picture (@url and @key), or none (NULL); sqlite3_changes() is 0 when the
 * row already said so */
gboolean store_apply_avatar (SdStore *self, const gchar *conversation, const gchar *url,
                             GBytes *key, GError **error);
/* the first next_attempt_at of an outbox row: held back while uploads are to do */
gint64 store_outbox_first_attempt (guint n_attachments);
/* the body of message (@author, @sent_at) of @conversation, NULL when it is not stored there
 * (a quote's body, as STORE_MESSAGE_COLUMNS reads it) */
gboolean store_load_body (SdStore *self, const gchar *conversation, const gchar *author,
                          gint64 sent_at, gchar **out_body, GError **error);

/* the SELECT store_conversation_from_row() reads, to be followed by WHERE or ORDER BY */
#define STORE_CONVERSATION_SELECT \
  "SELECT c.id, CASE WHEN EXISTS (SELECT 1 FROM communities r WHERE r.conversation = c.id)" \
  " THEN 'community' ELSE c.kind END, c.name, c.nickname, c.approved, c.they_approved, c.blocked," \
  " c.muted_until, c.last_activity, c.profile_updated, c.expiration_mode, c.expiration_timer," \
  " c.unread," \
  " (SELECT p.body FROM messages p WHERE p.conversation = c.id AND p.kind = 'text'" \
  "   ORDER BY p.sent_at DESC, p.local_id DESC LIMIT 1)," \
  " c.priority, c.notify_mode, c.marked_unread," \
  " (SELECT a.url FROM avatars a WHERE a.conversation = c.id), c.last_read_at" \
  " FROM conversations c"
SdConversation *store_conversation_from_row (sqlite3_stmt *stmt);
/* sd-store-communities.c: posters' names and ids, and the server's reaction counts, of the
 * community posts among @messages */
gboolean store_load_community_posts (SdStore *self, SdMessage *const *messages,
                                     guint n_messages, GError **error);
SdConversation *store_load_conversation (SdStore *self, const gchar *id, GError **error);
/* NOT_FOUND unless conversation @id exists */
gboolean store_expect_conversation (SdStore *self, const gchar *id, GError **error);
/* the conversation exists (created if it did not), and whether it is blocked */
gboolean store_ensure_conversation (SdStore *self, const gchar *id, SdConversationKind kind,
                                    gboolean approved, gboolean they_approved,
                                    gint64 last_activity, gboolean *out_created,
                                    gboolean *out_blocked, GError **error);
/* the newest change of a conversation's disappearing-messages setting wins */
gboolean store_apply_expiration (SdStore *self, const gchar *conversation_id,
                                 SdExpirationMode mode, guint32 timer, gint64 changed_at,
                                 GError **error);

/* what every INSERT INTO messages must be followed by, in the same transaction (schema 5
 * has no insert triggers): the bodies go into the search index, and an unread incoming
 * message into unread_messages (the caller adds it to the conversation's counter).
 * Index after the transaction's other writes, and before it deletes any of these messages:
 * FTS5 writes its pending rows out as a new segment whenever a later statement opens a
 * statement journal (any insert or update with a constraint that can fail), so rows indexed
 * one by one between such statements cost a segment each */
gboolean store_index_messages (SdStore *self, const gint64 *local_ids, guint n_local_ids,
                               GError **error);
gboolean store_mark_unread (SdStore *self, const gchar *conversation, gint64 sent_at,
                            gint64 local_id, GError **error);

/* whether (author, sent_at) was removed before */
gboolean store_was_removed (SdStore *self, const gchar *author, gint64 sent_at,
                            gboolean *out_removed, GError **error);
/* deletes one message row and remembers it as removed, inside the caller's transaction */
gboolean store_remove_row (SdStore *self, const gchar *author, gint64 sent_at,
                           gint64 forget_at, GError **error);
/* queues network jobs, inside the caller's transaction */
gboolean store_insert_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error);

G_END_DECLS
