/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <string.h>

#include "sd-attachment-pointer.h"
#include "sd-display-name.h"
#include "sd-store-rows.h"

/* how long a message's hash stays seen when its batch gave no expiry for it: the longest a
 * swarm keeps anything (30 days) */
#define SEEN_STORED_KEEP_MS (30 * 24 * 3600 * G_GINT64_CONSTANT (1000))

/*
 * The receive path: a batch collects what one poll retrieved (messages, receipts, approvals,
 * reactions, unsend requests, seen hashes, the last hash per node) and applies it in one
 * transaction, reporting what changed for the caller's signals.
 */

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
  GPtrArray *attachments;   /* (nullable) (element-type GBytes) a message's pointers */
  gchar *avatar_url;        /* (nullable) with the profile */
  GBytes *avatar_key;       /* (nullable) */
  gboolean avatar_known;    /* the profile came whole (a visible message): no URL = none */
  gboolean has_profile;     /* a profile to offer: a name, a picture, or both */
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
  g_clear_pointer (&op->attachments, g_ptr_array_unref);
  g_free (op->avatar_url);
  g_clear_pointer (&op->avatar_key, g_bytes_unref);
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

/* a picture we keep with a profile: URL and a 32-byte key, bounded */
static gboolean
picture_usable (const gchar *url, GBytes *key)
{
  return url != NULL && key != NULL && g_bytes_get_size (key) == 32 && url[0] != '\0' &&
         strlen (url) <= SD_ATTACHMENT_URL_MAX && g_utf8_validate (url, -1, NULL);
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
  if (message->attachments != NULL)
    op->attachments = g_ptr_array_ref (message->attachments);
  op->quote_sent_at = message->quote_author != NULL ? message->quote_sent_at : 0;
  op->expiration_mode = message->expiration_mode;
  op->expiration_timer = message->expiration_mode != SD_EXPIRATION_OFF ?
    message->expiration_timer : 0;
  /* profiles from ourselves are ignored (§6); one with a picture and no name is a profile
   * too (the picture changes, the name stays) */
  if (!from_self) {
    gboolean picture = picture_usable (message->profile_picture, message->profile_key);

    if (profile_usable (message->profile_name) || picture) {
      op->has_profile = TRUE;
      if (profile_usable (message->profile_name))
        op->profile_name = g_strdup (message->profile_name);
      op->profile_updated = message->profile_updated;
      /* the picture goes with the profile it came in (docs/attachments.md) */
      op->avatar_known = TRUE;
      if (picture) {
        op->avatar_url = g_strdup (message->profile_picture);
        op->avatar_key = g_bytes_ref (message->profile_key);
      }
    }
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
sd_store_batch_add_they_approved_full (SdStoreBatch *batch, const gchar *sender,
                                       gboolean has_profile, const gchar *profile_name,
                                       gint64 profile_updated, const gchar *picture,
                                       GBytes *profile_key, GError **error)
{
  gboolean with_picture = has_profile && picture_usable (picture, profile_key);
  BatchOp *op;

  if (!sd_store_batch_add_they_approved (batch, sender,
                                         has_profile ? profile_name : NULL, profile_updated,
                                         error))
    return FALSE;
  op = g_ptr_array_index (batch->ops, batch->ops->len - 1);
  /* a picture in the response counts as in a visible message; a response without one
   * leaves the picture alone: a device restored from the configs reads old responses (they
   * outlive the messages) whose profile time is newer than the nothing it has, and must not
   * take away the picture the Contacts config gave it */
  if (with_picture) {
    op->has_profile = TRUE;
    op->profile_updated = profile_updated;
    op->avatar_known = TRUE;
    op->avatar_url = g_strdup (picture);
    op->avatar_key = g_bytes_ref (profile_key);
  }
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
    op->has_profile = TRUE;
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
  guint n_unread;           /* new unread messages, for the conversation's counter */
  gboolean they_approved;   /* a new incoming message arrived */
  gchar *profile_name;      /* (owned) (nullable) the best profile offered by the batch */
  gint64 profile_updated;
  gchar *avatar_url;        /* (owned) (nullable) that profile's picture */
  GBytes *avatar_key;       /* (owned) (nullable) */
  gboolean avatar_known;
  gboolean has_profile;     /* the batch offered a profile (its name may be NULL) */
  gint64 name_updated;      /* the time of the profile profile_name came with */
} ConvState;

/* what one apply run has touched so far */
typedef struct {
  SdStoreChanges *changes;  /* (unowned) */
  GPtrArray *conversations; /* (owned) (element-type ConvState) in first-touched order */
  GHashTable *by_id;        /* (owned) id (unowned, from the ConvState) -> ConvState (unowned) */
  GArray *receipt_times;    /* (owned) (element-type gint64) T of our messages now read */
  GArray *to_index;         /* (owned) (element-type gint64) new messages not yet searchable */
  GPtrArray *seen;          /* (owned) (element-type BatchOp) (unowned) seen ops, applied last */
  GHashTable *stored;       /* (owned) server hashes of the messages this batch stored */
} ApplyState;

static void
conv_state_free (ConvState *cs)
{
  g_free (cs->id);
  g_free (cs->profile_name);
  g_free (cs->avatar_url);
  g_clear_pointer (&cs->avatar_key, g_bytes_unref);
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
conv_state_offer_profile (ConvState *cs, const BatchOp *op)
{
  if (!op->has_profile)
    return;
  if (cs->has_profile && op->profile_updated <= cs->profile_updated &&
      !(op->profile_updated == 0 && cs->profile_updated == 0))
    return;
  /* a profile without a name leaves the name an older one of the batch brought (applied
   * only if that one is newer than the stored profile, as one by one) */
  if (op->profile_name != NULL) {
    g_free (cs->profile_name);
    cs->profile_name = sd_display_name_clean (op->profile_name);
    cs->name_updated = op->profile_updated;
  }
  cs->has_profile = TRUE;
  cs->profile_updated = op->profile_updated;
  g_free (cs->avatar_url);
  cs->avatar_url = g_strdup (op->avatar_url);
  g_clear_pointer (&cs->avatar_key, g_bytes_unref);
  cs->avatar_key = op->avatar_key != NULL ? g_bytes_ref (op->avatar_key) : NULL;
  cs->avatar_known = op->avatar_known;
}


/* applies the batch's profile if its lastProfileUpdateSeconds is strictly newer (both 0 is
 * allowed); its name, if any, only if the profile that brought it was newer too (the newest
 * profile may be a picture alone) */
static gboolean
apply_profile (SdStore *self, const ConvState *cs, gboolean *out_changed, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  *out_changed = FALSE;
  if (!cs->has_profile)
    return TRUE;
  stmt = store_prepare (self,
                        "UPDATE conversations SET"
                        " name = CASE WHEN ?2 IS NOT NULL AND (?4 > profile_updated"
                        "  OR (?4 = 0 AND profile_updated = 0)) THEN ?2 ELSE name END,"
                        " profile_updated = ?3"
                        " WHERE id = ?1 AND (?3 > profile_updated"
                        "  OR (?3 = 0 AND profile_updated = 0))",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, cs->id);
  if (cs->profile_name != NULL)
    store_bind_text (stmt, 2, cs->profile_name);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int64 (stmt, 3, cs->profile_updated);
  sqlite3_bind_int64 (stmt, 4, cs->name_updated);
  if (!store_run (self, stmt, error))
    return FALSE;
  *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/* events are shown, never unread */
static SdMessageStatus
incoming_status (const BatchOp *op, gboolean from_self)
{
  return op->message_kind == SD_MESSAGE_KIND_TEXT || from_self ? SD_MESSAGE_STATUS_SENT
                                                               : SD_MESSAGE_STATUS_READ;
}

/* the row apply_message() just inserted, as a value, without reading it back */
static SdMessage *
message_from_op (const BatchOp *op, const gchar *conversation_id, gboolean from_self,
                 gint64 local_id)
{
  SdMessage *message = g_new0 (SdMessage, 1);

  message->id = sd_message_id_make (op->who, op->sent_at);
  message->conversation = g_strdup (conversation_id);
  message->author = g_strdup (op->who);
  message->outgoing = from_self;
  message->body = g_strdup (op->body);
  message->sent_at = op->sent_at;
  message->received_at = op->received_at;
  message->status = incoming_status (op, from_self);
  message->expires_at = op->expires_at;
  message->server_hash = g_strdup (op->hash);
  message->kind = op->message_kind;
  message->quote_author = g_strdup (op->quote_author);
  message->quote_sent_at = op->quote_sent_at;
  message->expiration_mode = op->expiration_mode;
  message->expiration_timer = op->expiration_timer;
  message->local_id = local_id;
  return message;
}

/* whether a message with @hash is stored: in this batch, or before it while the swarm may
 * still serve it. Since schema 15 every item of a received batch keeps a seen_hashes row until
 * it expires from the swarm (apply_seen), and messages have no index on the hash: that index
 * grew with the whole history, one random insert per message (issue 20). A copy served after
 * its row expired is still a duplicate by (author, T) */
static gboolean
hash_stored (SdStore *self, ApplyState *state, const gchar *hash, gboolean *out_stored,
             GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  *out_stored = g_hash_table_contains (state->stored, hash);
  if (*out_stored)
    return TRUE;
  stmt = store_prepare (self, "SELECT 1 FROM seen_hashes WHERE hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, hash);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_stored = rc == SQLITE_ROW;
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
  gboolean stored = FALSE;
  gboolean unread;
  gint64 local_id;

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
    if (!store_ensure_conversation (self, conversation_id, kind, from_self, !from_self,
                                    op->sent_at, &cs->created, &cs->blocked, error))
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
  /* a second copy of an item is a duplicate by its hash as well as by (author, T) */
  if (op->hash != NULL && !hash_stored (self, state, op->hash, &stored, error))
    return FALSE;
  if (stored) {
    if (!from_self)
      conv_state_offer_profile (cs, op);
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
  store_bind_text (insert, 9, sd_message_status_to_string (incoming_status (op, from_self)));
  store_bind_text (insert, 10, sd_message_kind_to_string (op->message_kind));
  store_bind_text (insert, 11, op->quote_author);
  sqlite3_bind_int64 (insert, 12, op->quote_sent_at);
  sqlite3_bind_int (insert, 13, op->expiration_mode);
  sqlite3_bind_int64 (insert, 14, op->expiration_timer);
  store_bind_text (insert, 1, conversation_id);
  store_bind_text (insert, 2, op->who);
  sqlite3_bind_int (insert, 3, from_self);
  store_bind_text (insert, 4, op->body);
  sqlite3_bind_int64 (insert, 5, op->sent_at);
  sqlite3_bind_int64 (insert, 6, op->received_at);
  sqlite3_bind_int64 (insert, 7, op->expires_at);
  store_bind_text (insert, 8, op->hash);
  if (!store_run (self, insert, error))
    return FALSE;

  /* a profile counts even on a duplicate: the strictly-newer rule makes that harmless */
  if (!from_self)
    conv_state_offer_profile (cs, op);

  if (sqlite3_changes (self->db) == 0) {
    state->changes->n_duplicates++;
    return TRUE;
  }
  local_id = sqlite3_last_insert_rowid (self->db);
  unread = !from_self && incoming_status (op, from_self) != SD_MESSAGE_STATUS_READ;
  if (unread && !store_mark_unread (self, conversation_id, op->sent_at, local_id, error))
    return FALSE;
  cs->n_unread += unread;
  g_array_append_val (state->to_index, local_id);
  if (op->hash != NULL)
    g_hash_table_add (state->stored, op->hash);
  cs->changed = TRUE;
  cs->last_activity = MAX (cs->last_activity, op->sent_at);
  cs->they_approved |= !from_self;

  /* the newest change of the setting wins, whichever side or device made it */
  if (op->message_kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE &&
      !store_apply_expiration (self, conversation_id, op->expiration_mode, op->expiration_timer,
                               op->sent_at, error))
    return FALSE;

  if (op->attachments != NULL &&
      !store_insert_incoming_attachments (self, local_id, op->attachments, error))
    return FALSE;

  message = message_from_op (op, conversation_id, from_self, local_id);
  if (op->attachments != NULL && !store_load_attachments (self, &message, 1, error)) {
    sd_message_free (message);
    return FALSE;
  }
  /* the message is new, so it has no reactions; only a quote needs a look-up */
  if (message->quote_author != NULL &&
      !store_load_body (self, conversation_id, message->quote_author, message->quote_sent_at,
                        &message->quote_body, error)) {
    sd_message_free (message);
    return FALSE;
  }
  g_ptr_array_add (state->changes->new_messages, message);
  return TRUE;
}

/* a reaction counts from either side of the message's conversation only */
static gboolean
apply_reaction (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) change = NULL;
  gint64 local_id = 0;
  g_autofree gchar *conversation = NULL;
  gboolean found;

  if (!store_locate_message (self, op->quote_author, op->quote_sent_at, &found, &local_id,
                             &conversation, error))
    return FALSE;
  if (!found)
    return TRUE;
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
  store_bind_text (change, 2, op->who);
  store_bind_text (change, 3, op->body);
  sqlite3_bind_int64 (change, 4, op->sent_at);
  if (!store_run (self, change, error))
    return FALSE;
  if (sqlite3_changes (self->db) > 0) {
    SdMessage *message = store_load_message (self, op->quote_author, op->quote_sent_at, error);

    if (message == NULL)
      return FALSE;
    g_ptr_array_add (state->changes->changed_messages, message);
  }
  return TRUE;
}

/* the batch's new messages become searchable: at the end, or before a message of the batch
 * can be deleted (its index row must exist for the delete trigger to remove it) */
static gboolean
index_new_messages (SdStore *self, ApplyState *state, GError **error)
{
  if (!store_index_messages (self, (const gint64 *) state->to_index->data, state->to_index->len,
                             error))
    return FALSE;
  g_array_set_size (state->to_index, 0);
  return TRUE;
}

static gboolean
apply_unsend (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdMessage) message = NULL;

  if (!index_new_messages (self, state, error))
    return FALSE;

  /* not stored (yet) is fine: the id is remembered all the same */
  message = store_load_message (self, op->quote_author, op->quote_sent_at, NULL);
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

    if (cs->last_activity > 0 || cs->they_approved || cs->n_unread > 0) {
      g_autoptr(SdCachedStmt) touch = NULL;

      touch = store_prepare (self,
                             "UPDATE conversations SET last_activity = max(last_activity, ?2),"
                             " they_approved = they_approved OR ?3, unread = unread + ?4"
                             " WHERE id = ?1",
                             error);
      if (touch == NULL)
        return FALSE;
      store_bind_text (touch, 1, cs->id);
      sqlite3_bind_int64 (touch, 2, cs->last_activity);
      sqlite3_bind_int (touch, 3, cs->they_approved);
      sqlite3_bind_int64 (touch, 4, cs->n_unread);
      if (!store_run (self, touch, error))
        return FALSE;
    }
    if (!apply_profile (self, cs, &profile_changed, error))
      return FALSE;
    /* a newer profile brings its picture, or takes it away */
    if (profile_changed && cs->avatar_known &&
        !store_apply_avatar (self, cs->id, cs->avatar_url, cs->avatar_key, error))
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

    store_bind_text (stmt, 1, self->account_id);
    sqlite3_bind_int64 (stmt, 2, t);
    store_bind_text (stmt, 3, op->who);
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
  store_bind_text (stmt, 1, op->who);
  if (!store_run (self, stmt, error))
    return FALSE;
  cs = conv_state_get (state, op->who);
  cs->changed |= sqlite3_changes (self->db) > 0;
  conv_state_offer_profile (cs, op);
  return TRUE;
}

/* Every item of the batch, message or not, is seen until it expires from the swarm
 * (sd_store_prune_seen() then removes its row): the table holds what the swarms may still
 * serve, so it grows with the rate of receiving, not with the history (schema 15) */
static gboolean
apply_seen (SdStore *self, ApplyState *state, const BatchOp *op, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2)"
                        " ON CONFLICT (hash) DO UPDATE"
                        " SET expires_at = max(expires_at, excluded.expires_at)",
                        error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, op->hash);
  sqlite3_bind_int64 (stmt, 2, op->expires_at);
  return store_run (self, stmt, error);
}

static gboolean
seen_stored_hashes (SdStore *self, GHashTable *hashes, GError **error)
{
  GHashTableIter iter;
  gpointer hash;
  gint64 expires_at = store_now_ms () + SEEN_STORED_KEEP_MS;

  g_hash_table_iter_init (&iter, hashes);
  while (g_hash_table_iter_next (&iter, &hash, NULL)) {
    g_autoptr(SdCachedStmt) stmt = NULL;

    stmt = store_prepare (self,
                          "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2)"
                          " ON CONFLICT (hash) DO UPDATE"
                          " SET expires_at = max(expires_at, excluded.expires_at)",
                          error);
    if (stmt == NULL)
      return FALSE;
    store_bind_text (stmt, 1, hash);
    sqlite3_bind_int64 (stmt, 2, expires_at);
    if (!store_run (self, stmt, error))
      return FALSE;
  }
  return TRUE;
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
  store_bind_text (stmt, 1, op->who);
  sqlite3_bind_int (stmt, 2, op->namespace_);
  store_bind_text (stmt, 3, op->hash);
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
  g_autoptr(GArray) to_index = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(GHashTable) stored = NULL;
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
  to_index = g_array_new (FALSE, FALSE, sizeof (gint64));
  state.to_index = to_index;
  seen = g_ptr_array_new ();
  state.seen = seen;
  stored = g_hash_table_new (g_str_hash, g_str_equal);
  state.stored = stored;

  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;

  for (guint i = 0; i < batch->ops->len; i++) {
    const BatchOp *op = g_ptr_array_index (batch->ops, i);
    gboolean ok = FALSE;

    switch (op->kind) {
    case BATCH_OP_SEEN:
      g_ptr_array_add (state.seen, (gpointer) op);
      ok = TRUE;
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
  for (guint i = 0; i < state.seen->len; i++) {
    const BatchOp *op = g_ptr_array_index (state.seen, i);

    g_hash_table_remove (stored, op->hash);
    if (!apply_seen (self, &state, op, error)) {
      g_prefix_error (error, "applying a received batch (nothing was stored): ");
      return FALSE;
    }
  }
  /* a message stored without a seen op of its own (sd_ingest always adds one) is seen for as
   * long as any swarm keeps anything */
  if (!seen_stored_hashes (self, stored, error)) {
    g_prefix_error (error, "applying a received batch (nothing was stored): ");
    return FALSE;
  }
  if (!apply_conversations (self, &state, error) || !index_new_messages (self, &state, error)) {
    g_prefix_error (error, "applying a received batch (nothing was stored): ");
    return FALSE;
  }

  /* read back what changed inside the transaction, so it matches what is committed */
  for (guint i = 0; i < receipt_times->len; i++) {
    SdMessage *message = store_load_message (self, self->account_id,
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
    conversation = store_load_conversation (self, cs->id, error);
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
  store_bind_text (stmt, 1, node_ed25519);
  sqlite3_bind_int (stmt, 2, namespace_);
  rc = store_step (self, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;
  return store_column_dup (stmt, 0);
}

gboolean
sd_store_is_seen (SdStore *self, const gchar *server_hash, gboolean *out_seen, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (server_hash != NULL, FALSE);
  g_return_val_if_fail (out_seen != NULL, FALSE);

  /* every received item keeps its row while the swarm may serve it (schema 15, apply_seen) */
  stmt = store_prepare (self, "SELECT 1 FROM seen_hashes WHERE hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, server_hash);
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
