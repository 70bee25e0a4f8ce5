/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-message.h"

G_BEGIN_DECLS

/*
 * SdStore: one account's SQLite database (design.md §7).
 *
 * Threading: one writer, the daemon's main thread; every call is synchronous and every
 * statement is prepared once and cached.
 *
 * Transactions: each public call that writes is one transaction (BEGIN IMMEDIATE … COMMIT), so
 * after it returns TRUE its effect is durable (synchronous=FULL) and after it returns FALSE
 * nothing of it was written. A received batch is applied with sd_store_apply_batch() in one
 * transaction; signals are emitted by the caller only after that returns. Inside a caller's
 * sd_store_transaction_begin() … _commit() the calls are savepoints instead: durable only
 * with that commit.
 *
 * Message ids: "<author Session ID>-<sent-at>", for example "05ab…ef-1700000000123". This is
 * the protocol's own cross-client identity of a message (protocol-identity-and-messages.md §5),
 * unique by construction thanks to UNIQUE(author, sent_at), identical on every device of the
 * account, and stable for the life of the message.
 *
 * Times are milliseconds since the Unix epoch unless a name says seconds. sent_at is the
 * envelope timestamp T. 0 means "none" for expires_at, muted_until and friends.
 *
 * Message bodies are never logged.
 *
 * The values (SdMessage, SdConversation, …) are in sd-message.h. Each section below names the
 * file that implements it.
 */

/* ---- the store (sd-store.c) ---------------------------------------------------------------- */

#define SD_TYPE_STORE (sd_store_get_type ())
G_DECLARE_FINAL_TYPE (SdStore, sd_store, SD, STORE, GObject)

/* opens or creates the database at @path and migrates it to the schema version this build
 * writes (SD_STORE_SCHEMA_VERSION, sd-store-schema.h); a file that is not a sessiond
 * database (CORRUPT) or is newer (NEWER_SCHEMA) is refused and left byte-for-byte as it was */
G_GNUC_WARN_UNUSED_RESULT
SdStore *sd_store_open (const gchar *path, GError **error);
const gchar *sd_store_get_path (SdStore *self);

/* the account the database belongs to; set once (a different id later is INVALID) */
const gchar *sd_store_get_account_id (SdStore *self);
gboolean sd_store_set_account_id (SdStore *self, const gchar *account_id, GError **error);

/* NULL with SD_STORE_ERROR_NOT_FOUND when unset */
gchar *sd_store_get_setting (SdStore *self, const gchar *key, GError **error);
/* @value NULL deletes the key */
gboolean sd_store_set_setting (SdStore *self, const gchar *key, const gchar *value,
                               GError **error);
/* our profile, in one transaction (sd-store-configs.c): the display name (NULL: unchanged);
 * with @set_avatar the picture's URL and key (hex), NULL for none, "" as RemoveAvatar stores
 * it; and setting profile-updated moved to @now_s or, when that is not later, one past the
 * last one, as peers take only a strictly newer profile. @out_updated: the time written */
gboolean sd_store_set_own_profile (SdStore *self, const gchar *display_name, gboolean set_avatar,
                                   const gchar *avatar_url, const gchar *avatar_key_hex,
                                   guint64 now_s, guint64 *out_updated, GError **error);

/* Removed messages' words leave the search index and the WAL at most this long after the
 * removal's commit (one purge for every removal in that time), when the store is finalized,
 * or at the next open after a crash (sd-store.c, store_purge) */
#define SD_STORE_PURGE_DELAY_MS 1000
/* whether removed words may still be in the files (the purge has not run yet) */
gboolean sd_store_purge_pending (SdStore *self);

/* runs PRAGMA integrity_check; FALSE with CORRUPT and the first problem when it is not ok */
gboolean sd_store_check_integrity (SdStore *self, GError **error);

/* ---- one transaction around several store calls ---------------------------------------------- */

/* a transaction scope: rolled back when it goes out of scope uncommitted. The store's own
 * transactions inside it become savepoints, so everything between begin and commit is
 * written together or not at all */
typedef struct _SdStoreTx SdStoreTx;

SdStoreTx *sd_store_transaction_begin (SdStore *self, GError **error);
gboolean sd_store_transaction_commit (SdStoreTx *tx, GError **error);
/* rolls back unless committed, and frees @tx */
void sd_store_transaction_end (SdStoreTx *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreTx, sd_store_transaction_end)

/* ---- receive path: one transaction per batch (sd-store-batch.c) ---------------------------- */

typedef struct _SdStoreBatch SdStoreBatch;

/* a decoded incoming visible message; the store copies what it needs */
typedef struct {
  const gchar *server_hash;     /* (nullable) */
  const gchar *author;          /* the sender proven by the signature */
  const gchar *sync_target;     /* (nullable) DataMessage.syncTarget; only from ourselves */
  const gchar *body;            /* UTF-8 */
  gint64 sent_at;               /* envelope T (already checked against sigTimestamp) */
  gint64 received_at;
  gint64 expires_at;            /* 0 = does not expire */
  const gchar *profile_name;    /* (nullable) DataMessage.profile.displayName */
  gint64 profile_updated;       /* lastProfileUpdateSeconds */
  SdMessageKind kind;           /* events have an empty body */
  const gchar *quote_author;    /* (nullable) see SdMessage */
  gint64 quote_sent_at;
  SdExpirationMode expiration_mode;
  guint32 expiration_timer;
  GPtrArray *attachments;       /* (nullable) (element-type GBytes) AttachmentPointer wire forms */
  const gchar *profile_picture; /* (nullable) LokiProfile.profilePicture */
  GBytes *profile_key;          /* (nullable) DataMessage.profileKey, 32 bytes */
} SdIncomingMessage;

/* what a committed batch changed, for the caller's signals */
typedef struct {
  GPtrArray *new_messages;           /* (element-type SdMessage) in batch order */
  GPtrArray *changed_messages;       /* (element-type SdMessage) status or reactions changed */
  GPtrArray *removed_messages;       /* (element-type SdMessage) unsent by their author */
  GPtrArray *created_conversations;  /* (element-type SdConversation) state after commit */
  GPtrArray *changed_conversations;  /* (element-type SdConversation) existed before */
  guint n_duplicates;                /* messages already stored (by hash or (author, T)) */
  guint n_dropped;                   /* messages from blocked senders, not stored */
} SdStoreChanges;

void sd_store_changes_free (SdStoreChanges *changes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreChanges, sd_store_changes_free)

/* a batch only collects operations; nothing is written until sd_store_apply_batch() */
SdStoreBatch *sd_store_batch_new (SdStore *store);
void sd_store_batch_free (SdStoreBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreBatch, sd_store_batch_free)

/* record @server_hash as processed until @expires_at, whether or not it decoded
 * (protocol §4.7 step 6) */
void sd_store_batch_add_seen (SdStoreBatch *batch, const gchar *server_hash, gint64 expires_at);
/* checks @message now (ids, UTF-8, T, syncTarget rules of §8.4) and returns FALSE with
 * SD_STORE_ERROR_INVALID for one to drop, so one bad item never fails a whole batch.
 * When applied: duplicates by server hash or by (author, sent_at) are skipped; a message
 * from ourselves goes, as outgoing, to the syncTarget conversation; an unknown sender gets
 * an unapproved conversation; a blocked sender's message is dropped */
gboolean sd_store_batch_add_message (SdStoreBatch *batch, const SdIncomingMessage *message,
                                     GError **error);
/* @reader read our messages with these sent_at values (ReceiptMessage READ) */
gboolean sd_store_batch_add_read_receipt (SdStoreBatch *batch, const gchar *reader,
                                          const gint64 *timestamps, gsize n_timestamps,
                                          GError **error);
/* MessageRequestResponse isApproved = true, with its optional profile */
gboolean sd_store_batch_add_they_approved (SdStoreBatch *batch, const gchar *sender,
                                           const gchar *profile_name, gint64 profile_updated,
                                           GError **error);
/* the same with the response's picture (@picture and the 32-byte @profile_key), applied as a
 * visible message's; a response without one leaves the picture alone */
gboolean sd_store_batch_add_they_approved_full (SdStoreBatch *batch, const gchar *sender,
                                                gboolean has_profile, const gchar *profile_name,
                                                gint64 profile_updated, const gchar *picture,
                                                GBytes *profile_key, GError **error);
/* @reactor reacted to the message (@author, @target_sent_at) with @emoji, or took it back
 * (@remove), at @sent_at. Applied only if that message is stored and @reactor takes part in
 * its conversation; a removal only undoes an older reaction */
gboolean sd_store_batch_add_reaction (SdStoreBatch *batch, const gchar *reactor,
                                      const gchar *author, gint64 target_sent_at,
                                      const gchar *emoji, gboolean remove, gint64 sent_at,
                                      GError **error);
/* @sender unsent the message (@author, @target_sent_at): only its author may (§8.9). The
 * message goes, and never comes back even if it arrives later */
gboolean sd_store_batch_add_unsend (SdStoreBatch *batch, const gchar *sender,
                                    const gchar *author, gint64 target_sent_at, GError **error);
/* the last hash retrieved from @node_ed25519 in @namespace_; the last call wins */
void sd_store_batch_set_last_hash (SdStoreBatch *batch, const gchar *node_ed25519,
                                   gint namespace_, const gchar *hash);
guint sd_store_batch_get_size (SdStoreBatch *batch);

/* applies every operation of @batch in ONE transaction, in the order they were added; on
 * failure nothing is written. @batch can be applied again (idempotent: a second time it
 * inserts nothing new). @out_changes is only valid after the commit */
gboolean sd_store_apply_batch (SdStore *self, SdStoreBatch *batch,
                               SdStoreChanges **out_changes, GError **error);

/* NULL without error when none is stored */
gchar *sd_store_get_last_hash (SdStore *self, const gchar *node_ed25519, gint namespace_,
                               GError **error);
/* whether @server_hash was processed before (so the poller can skip decrypting it): it is
 * in seen_hashes, or a stored message has it */
gboolean sd_store_is_seen (SdStore *self, const gchar *server_hash, gboolean *out_seen,
                           GError **error);
/* deletes seen hashes that expired at or before @now; returns how many in @out_pruned. The
 * hash of a stored message stays seen as long as the message is stored */
gboolean sd_store_prune_seen (SdStore *self, gint64 now, guint *out_pruned, GError **error);

/* ---- send path and network jobs (sd-store-outbox.c) ----------------------------------------- */

/* an attachment of a message we send: its stripped copy is already in the data dir */
typedef struct {
  const gchar *file_name;       /* (nullable) */
  const gchar *content_type;    /* (nullable) */
  const gchar *caption;         /* (nullable) */
  gint64 size;
  guint32 width, height;
  gboolean voice;
  const gchar *file;            /* its name under <data dir>/attachments */
  GBytes *secret;               /* the upload's key and IV (sd-attachments.c) */
} SdOutgoingAttachment;

/* everything an outgoing message can carry */
typedef struct {
  const gchar *conversation_id;
  SdMessageKind kind;
  const gchar *body;            /* "" for events */
  gint64 sent_at;               /* wanted T; the next free one is taken */
  const gchar *quote_author;    /* (nullable) */
  gint64 quote_sent_at;
  SdExpirationMode expiration_mode;
  guint32 expiration_timer;     /* seconds; the message expires T + timer (both modes: the
                                 * sender has read its own message) */
  const SdOutgoingAttachment *attachments; /* uploaded before the message is due */
  guint n_attachments;
} SdOutgoingMessage;

/* ---- attachments (sd-store-attachments.c) ------------------------------------------------- */

/* one attachment row with what a transfer needs */
typedef struct {
  gchar *message_id;
  gchar *conversation;
  gboolean outgoing;
  gint64 local_id;
  guint attempts;
  GBytes *pointer;              /* (nullable) wire form; NULL for ours until uploaded */
  GBytes *secret;               /* (nullable) ours: key and IV of the upload */
  SdAttachmentInfo *info;
} SdAttachmentWork;

void sd_attachment_work_free (SdAttachmentWork *work);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdAttachmentWork, sd_attachment_work_free)

/* uploads and downloads due at @now, oldest first, at most @limit (0 = all) */
GPtrArray *sd_store_attachment_work_due (SdStore *self, gint64 now, guint limit, GError **error);
/* the earliest next attempt of a transfer, G_MAXINT64 when there is none */
gboolean sd_store_attachment_next_due (SdStore *self, gint64 *out_next, GError **error);
/* the bytes of our attachments still to upload */
gboolean sd_store_attachment_uploading_bytes (SdStore *self, gint64 *out_bytes, GError **error);
/* NOT_FOUND when the message, in @conversation, or its attachment @index is not there */
SdAttachmentWork *sd_store_get_attachment (SdStore *self, const gchar *conversation,
                                           const gchar *message_id, guint index,
                                           GError **error);
/* the pending incoming attachments of @conversation of at most @max_size bytes (an unknown
 * size included) become `downloading`, in one transaction; (element-type utf8) the ids of
 * their messages */
GPtrArray *sd_store_attachments_start_pending (SdStore *self, const gchar *conversation,
                                               gint64 max_size, GError **error);
/* @file (nullable) keeps the current one */
gboolean sd_store_attachment_set_state (SdStore *self, gint64 local_id, guint index,
                                        SdAttachmentState state, const gchar *file,
                                        const gchar *reason, GError **error);
gboolean sd_store_attachment_reschedule (SdStore *self, gint64 local_id, guint index,
                                         gint64 next_at, const gchar *reason, GError **error);
/* the percent (1 to 99) of a transfer under way that messages loaded from now on show as the
 * attachment's `progress` while it is uploading or downloading; 0 forgets it. Kept in memory
 * only: a restart starts from 0, as the transfer does */
void sd_store_attachment_set_progress (SdStore *self, gint64 local_id, guint index,
                                       guint percent);
/* our upload is done: the pointer is kept and, with the last upload of the message, its
 * outbox row becomes due (@out_all_done) — in one transaction */
gboolean sd_store_attachment_uploaded (SdStore *self, gint64 local_id, guint index,
                                       GBytes *pointer, gboolean *out_all_done, GError **error);
/* (element-type GBytes) the pointers of message @local_id, in order, for sending it */
GPtrArray *sd_store_attachment_pointers (SdStore *self, gint64 local_id, GError **error);
/* a contact's avatar: its URL, profile key and (nullable) fetched file; NOT_FOUND if none */
gboolean sd_store_get_avatar (SdStore *self, const gchar *conversation, gchar **out_url,
                              GBytes **out_key, gchar **out_file, GError **error);
/* the avatar @url of @conversation was fetched into @file (nothing when it changed since) */
gboolean sd_store_set_avatar_file (SdStore *self, const gchar *conversation, const gchar *url,
                                   const gchar *file, GError **error);
/* (element-type utf8) conversations whose avatar is not fetched yet */
GPtrArray *sd_store_avatars_missing (SdStore *self, GError **error);
/* the set of file names rows refer to (the rest of the directory is left over) */
GHashTable *sd_store_attachment_files (SdStore *self, GError **error);

/* inserts an outgoing message (status sending) and its outbox row in one transaction, before
 * any network I/O. T is @outgoing->sent_at, or the next free millisecond after it when
 * (self, sent_at) is taken, so every message has its own T; it never changes afterwards, so a
 * message is never sent under two timestamps. Creates the conversation (approved) if needed.
 * An expiration-update also becomes the conversation's setting, in the same transaction.
 * Needs the account id */
G_GNUC_WARN_UNUSED_RESULT
SdMessage *sd_store_queue_outgoing_full (SdStore *self, const SdOutgoingMessage *outgoing,
                                         GError **error);
/* outbox rows with next_attempt_at <= @now, oldest first, at most @limit (0 = all) */
GPtrArray *sd_store_outbox_due (SdStore *self, gint64 now, guint limit, GError **error);
/* the same rows, each with only its message's id, author, sent_at, conversation, kind and
 * local_id: enough for the sender to choose what starts, which it then reads whole with
 * sd_store_outbox_item_complete () (it looks often, at up to 80 rows, and starts few) */
GPtrArray *sd_store_outbox_due_brief (SdStore *self, gint64 now, guint limit, GError **error);
/* reads the whole message (and last error) of an item of sd_store_outbox_due_brief ();
 * NOT_FOUND when it left the outbox meanwhile */
gboolean sd_store_outbox_item_complete (SdStore *self, SdOutboxItem *item, GError **error);
/* the earliest next_attempt_at, or G_MAXINT64 when the outbox is empty */
gboolean sd_store_outbox_next_due (SdStore *self, gint64 *out_next, GError **error);
/* delivery to the recipient succeeded: status sent, server hash kept, and the outbox row
 * becomes the sync copy to our own swarm (none for Note to Self). Returns the message */
SdMessage *sd_store_mark_sent (SdStore *self, const gchar *message_id,
                               const gchar *server_hash, GError **error);
/* the sync copy was stored (@server_hash, kept for deleting it later) or given up (NULL):
 * the outbox row goes */
gboolean sd_store_mark_synced (SdStore *self, const gchar *message_id,
                               const gchar *server_hash, GError **error);
/* one finished store of the send path, for sd_store_outbox_done() */
typedef struct {
  const gchar *message_id;
  gboolean is_sync;           /* the sync copy was stored; otherwise the delivery */
  const gchar *server_hash;   /* (nullable) */
  SdMessage *message;         /* (out) (owned) (nullable) a delivery's message, as marked sent */
  GError *error;              /* (out) (owned) (nullable) why this one was left as it was (it
                               * was not waiting: SD_STORE_ERROR_NOT_FOUND) */
} SdOutboxDone;
/* sd_store_mark_sent() or sd_store_mark_synced() of each item of @done, in one transaction
 * (one commit for stores that finished together). An item that is not waiting any more is
 * refused alone (its error set, the others applied); FALSE when the transaction failed, and
 * then nothing was applied. The caller frees each item's message and error */
gboolean sd_store_outbox_done (SdStore *self, SdOutboxDone *done, guint n_done,
                               GError **error);
/* delivery gave up: status failed with @reason, the outbox row goes. Returns the message */
SdMessage *sd_store_mark_failed (SdStore *self, const gchar *message_id, const gchar *reason,
                                 GError **error);
/* ResendMessage: failed message @message_id of ours in @conversation goes back to `sending`
 * with a new outbox row (the same sent-at), and its attachments that did not upload back to
 * `uploading` (kept file, key and IV: the same blob), in one transaction. NOT_FOUND when it is
 * not in @conversation; INVALID when it is not a failed outgoing one, or an upload lost its
 * file */
SdMessage *sd_store_resend_failed (SdStore *self, const gchar *conversation,
                                   const gchar *message_id, GError **error);
/* how a resent message goes: SD_RESEND_OUTBOX (1:1, Note to Self) gets a new outbox row;
 * SD_RESEND_GROUP has none (the group's sender sends it, SdAttachments uploads its files);
 * SD_RESEND_COMMUNITY neither, and its room files that did not upload stay as they are (the
 * communities upload them, not SdAttachments). @out_uploads (nullable): the attachments to
 * upload first */
typedef enum {
  SD_RESEND_OUTBOX,
  SD_RESEND_GROUP,
  SD_RESEND_COMMUNITY,
} SdResendPath;
SdMessage *sd_store_resend_failed_for (SdStore *self, const gchar *conversation,
                                       const gchar *message_id, SdResendPath path,
                                       guint *out_uploads, GError **error);
/* another attempt later: attempts + 1, next_attempt_at, last_error */
gboolean sd_store_outbox_reschedule (SdStore *self, const gchar *message_id,
                                     gint64 next_attempt_at, const gchar *last_error,
                                     GError **error);

/* queues @jobs in a transaction of their own */
gboolean sd_store_add_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error);
/* (element-type SdJob) due at @now, oldest first, at most @limit (0 = all) */
GPtrArray *sd_store_jobs_due (SdStore *self, gint64 now, guint limit, GError **error);
/* the earliest due time, G_MAXINT64 when there is none */
gboolean sd_store_jobs_next_due (SdStore *self, gint64 *out_next, GError **error);
gboolean sd_store_job_done (SdStore *self, gint64 job_id, GError **error);
gboolean sd_store_job_reschedule (SdStore *self, gint64 job_id, gint64 next_attempt_at,
                                  GError **error);

/* ---- queries and local changes (sd-store-conversations.c) ---------------------------------- */

/* newest activity first */
GPtrArray *sd_store_list_conversations (SdStore *self, GError **error);
SdConversation *sd_store_get_conversation (SdStore *self, const gchar *id, GError **error);
SdMessage *sd_store_get_message (SdStore *self, const gchar *message_id, GError **error);
/* messages with @after < sent_at < @before (0 = unbounded). With only @after given, the
 * oldest @limit of them (catching up); otherwise the newest @limit (paging back). @limit 0 =
 * all. The result is always oldest first, ties broken by insertion order */
GPtrArray *sd_store_get_messages (SdStore *self, const gchar *conversation_id, gint64 before,
                                  gint64 after, guint limit, GError **error);
/* how many conversations are approved (we started or accepted them) */
gboolean sd_store_count_approved (SdStore *self, guint *out_count, GError **error);
/* @conversation_id NULL: the total over conversations that are not blocked */
gboolean sd_store_count_unread (SdStore *self, const gchar *conversation_id, guint *out_unread,
                                GError **error);
/* marks incoming messages with sent_at <= @up_to read; @out_timestamps (element-type gint64,
 * ascending) gets the T of each newly read one, for read receipts. After-read messages start
 * disappearing now: @out_expiring (nullable) (element-type SdMessage) gets those */
gboolean sd_store_mark_read (SdStore *self, const gchar *conversation_id, gint64 up_to,
                             GArray **out_timestamps, GPtrArray **out_expiring,
                             GError **error);
gboolean sd_store_approve (SdStore *self, const gchar *conversation_id, GError **error);
/* creates the conversation approved if it does not exist (Note to Self for
 * our own id), or approves the existing one */
gboolean sd_store_open_conversation (SdStore *self, const gchar *conversation_id, gint64 now,
                                     GError **error);
gboolean sd_store_set_blocked (SdStore *self, const gchar *conversation_id, gboolean blocked,
                               GError **error);
gboolean sd_store_set_muted_until (SdStore *self, const gchar *conversation_id,
                                   gint64 muted_until, GError **error);
/* @nickname NULL or "" clears it */
gboolean sd_store_set_nickname (SdStore *self, const gchar *conversation_id,
                                const gchar *nickname, GError **error);
/* the conversation, its messages and their outbox rows */
gboolean sd_store_delete_conversation (SdStore *self, const gchar *conversation_id,
                                       GError **error);

/* full-text search over bodies, newest first by arrival (a message retrieved late sorts by
 * when it arrived, not by its sent_at); every word of @query must match (as a word
 * prefix); any text is safe: punctuation and FTS syntax are taken literally, an empty query
 * returns nothing, non-UTF-8 is SD_STORE_ERROR_INVALID. @limit 0 = all */
GPtrArray *sd_store_search (SdStore *self, const gchar *query, guint limit, GError **error);

/* ---- reactions (sd-store-reactions.c) ------------------------------------------------------- */

/* our own reaction to @message_id: added (NOT_FOUND for an unknown message) or taken back
 * (NOT_FOUND when we had none), with @jobs queued in the same transaction. Returns the
 * message with its reactions */
SdMessage *sd_store_set_own_reaction (SdStore *self, const gchar *message_id,
                                      const gchar *emoji, gboolean add, gint64 at,
                                      const SdJobSpec *jobs, guint n_jobs, GError **error);

/* ---- removal (sd-store-removal.c) ---------------------------------------------------------- */

/* deletes @message_id here (it never comes back), queueing @jobs in the same transaction;
 * returns the deleted message */
SdMessage *sd_store_remove_message (SdStore *self, const gchar *message_id,
                                    const SdJobSpec *jobs, guint n_jobs, GError **error);
/* sd_store_remove_message() without jobs */
gboolean sd_store_delete_message (SdStore *self, const gchar *message_id, GError **error);
/* whether @message_id was deleted, unsent or expired here (and is remembered as such) */
gboolean sd_store_is_removed (SdStore *self, const gchar *message_id, gboolean *out_removed,
                              GError **error);
/* deletes messages whose expires_at is at or before @now; (element-type SdMessage) */
GPtrArray *sd_store_remove_expired (SdStore *self, gint64 now, GError **error);
/* the next expires_at, G_MAXINT64 when nothing is due to disappear */
gboolean sd_store_next_expiry (SdStore *self, gint64 *out_next, GError **error);

/* ---- the network layer's snode pool (sd-store-pool.c) -------------------------------------- */

/* one service node, as the network layer persists it */
typedef struct {
  gchar *ed25519;           /* 64 hex */
  gchar *x25519;            /* 64 hex */
  gchar *ip;
  guint16 port;
  guint64 swarm_id;
  guint strikes;
} SdStoreSnode;

void sd_store_snode_free (SdStoreSnode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreSnode, sd_store_snode_free)

/* replaces the whole pool */
gboolean sd_store_save_snodes (SdStore *self, GPtrArray *nodes, GError **error);
/* (element-type SdStoreSnode) */
GPtrArray *sd_store_load_snodes (SdStore *self, GError **error);

/* ---- multi-device config sync (sd-store-configs.c) ------------------------------------------ */

/* one user config (SdConfigKind) as sd-config-sync.c keeps it */
typedef struct {
  GBytes *message;          /* the serialised plaintext of the current merged message */
  gint64 seqno;
  gchar **swarm_hashes;     /* (nullable) stored items it already includes: the next push
                             * deletes them */
  gboolean dirty;           /* it must still be pushed */
  gchar *pushed_hash;       /* (nullable) the hash of our last stored push */
} SdStoreUserConfig;

void sd_store_user_config_clear (SdStoreUserConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdStoreUserConfig, sd_store_user_config_clear)

/* @out_found FALSE (and @out zeroed) when none is stored */
gboolean sd_store_load_user_config (SdStore *self, gint kind, SdStoreUserConfig *out,
                                    gboolean *out_found, GError **error);
gboolean sd_store_save_user_config (SdStore *self, gint kind, const SdStoreUserConfig *config,
                                    GError **error);

/* a contact as the merged Contacts config has it */
typedef struct {
  const gchar *id;
  const gchar *name;            /* (nullable) NULL or "" keeps the one stored */
  const gchar *nickname;        /* (nullable) */
  gboolean approved;
  gboolean they_approved;
  gboolean blocked;
  gint64 muted_until;           /* ms, G_MAXINT64 = forever */
  gint64 priority;
  gint notify_mode;             /* SdConversationNotify */
  const gchar *expiration_mode; /* "off", "after-send", "after-read" */
  gint64 expiration_timer;      /* seconds */
  gboolean set_avatar;          /* the config changed the picture: it replaces the one stored */
  const gchar *avatar_url;      /* (nullable) NULL: no picture */
  const guint8 *avatar_key;     /* 32 bytes when @avatar_url is set */
  gint64 created_at;            /* ms, 0 = now */
} SdStoreSyncedContact;

/* creates or updates each conversation, in one transaction; an invalid entry is skipped.
 * @out_changed (element-type utf8): the ids of rows created or changed */
gboolean sd_store_apply_synced_contacts (SdStore *self, const SdStoreSyncedContact *contacts,
                                         guint n_contacts, GPtrArray **out_changed,
                                         GError **error);
gboolean sd_store_set_priority (SdStore *self, const gchar *conversation_id, gint64 priority,
                                GError **error);
gboolean sd_store_set_notify_mode (SdStore *self, const gchar *conversation_id,
                                   gint notify_mode, GError **error);
/* the read position our devices agreed on, and the "marked unread" flag */
gboolean sd_store_set_read_state (SdStore *self, const gchar *conversation_id,
                                  gint64 last_read_at, gboolean marked_unread,
                                  gboolean *out_changed, GError **error);
/* the disappearing-messages setting as our devices share it (Note to Self's, in UserProfile) */
gboolean sd_store_set_expiration_setting (SdStore *self, const gchar *conversation_id,
                                          const gchar *mode, gint64 timer,
                                          gboolean *out_changed, GError **error);
/* the next retrieve of @namespace_ starts from the beginning, on every node */
gboolean sd_store_forget_last_hashes (SdStore *self, gint namespace_, GError **error);

/* ---- groups v2 (sd-store-groups.c, docs/groups.md) ---- */
typedef struct {
  gchar *id;              /* "03…" */
  guint8 *seed;           /* (nullable) 32 bytes: we are an admin */
  GBytes *auth_data;      /* (nullable) 100 bytes: our grant as a member */
  GBytes *keys_dump;      /* (nullable) sd_group_keys_dump () */
  GBytes *info;           /* (nullable) the merged, signed Info message */
  GBytes *members;        /* (nullable) the merged, signed Members message */
  gchar *invited_by;      /* (nullable) who sent the invite */
  gboolean pending;       /* an invite not accepted yet */
} SdStoreGroup;

void sd_store_group_clear (SdStoreGroup *group);
void sd_store_group_free (SdStoreGroup *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreGroup, sd_store_group_free)
/* creates the group conversation (approved unless pending; @name nullable) and the row */
gboolean sd_store_save_group (SdStore *self, const SdStoreGroup *group, const gchar *name,
                              GError **error);
SdStoreGroup *sd_store_get_group (SdStore *self, const gchar *group_id, GError **error);
/* (element-type SdStoreGroup) */
GPtrArray *sd_store_list_groups (SdStore *self, GError **error);
/* how many group invites wait for an answer */
gboolean sd_store_count_pending_groups (SdStore *self, guint *out_count, GError **error);
/* the swarm's newest hash in @namespace_ (a member met for the first time starts there) */
gchar *sd_store_get_group_last_hash (SdStore *self, const gchar *group_id, gint namespace_,
                                     GError **error);
gboolean sd_store_set_group_last_hash (SdStore *self, const gchar *group_id, gint namespace_,
                                       const gchar *hash, GError **error);
/* the cursor of one member (@node, its Ed25519 hex) of the group's swarm in @namespace_: moved
 * only by that member's pages (docs/groups.md, "Cursors"); NULL without error when none */
gchar *sd_store_get_group_member_last_hash (SdStore *self, const gchar *group_id,
                                            const gchar *node, gint namespace_, GError **error);
gboolean sd_store_set_group_member_last_hash (SdStore *self, const gchar *group_id,
                                              const gchar *node, gint namespace_,
                                              const gchar *hash, GError **error);
/* a message of the group conversation; a known (author, sent_at) is left alone */
gboolean sd_store_add_group_message (SdStore *self, const gchar *group_id, const gchar *author,
                                     gboolean outgoing, const gchar *body, gint64 sent_at,
                                     const gchar *server_hash, gboolean *out_added,
                                     GError **error);
/* the same, quoting the message (@quote_author, @quote_sent_at) (NULL, 0: none; a quote that
 * names no Session ID is left out) */
gboolean sd_store_add_group_message_full (SdStore *self, const gchar *group_id,
                                          const gchar *author, gboolean outgoing,
                                          const gchar *body, gint64 sent_at,
                                          const gchar *server_hash, const gchar *quote_author,
                                          gint64 quote_sent_at, gboolean *out_added,
                                          GError **error);
/* @reactor reacted to the message (@author, @target_sent_at) of @group_id with @emoji, or took
 * it back (@remove), at @reacted_at. Nothing happens when that message is not one of this
 * group's; a removal only undoes an older reaction. @out_changed: the message when it changed */
gboolean sd_store_set_group_reaction (SdStore *self, const gchar *group_id,
                                      const gchar *reactor, const gchar *author,
                                      gint64 target_sent_at, const gchar *emoji,
                                      gboolean remove, gint64 reacted_at,
                                      SdMessage **out_changed, GError **error);
/* an admin's DELETE_CONTENT (docs/groups.md): the texts of @group_id sent at or before
 * @before by one of @authors, or whose swarm hash is one of @hashes (with @only_author, only
 * those of that author), leave the store and stay removed (a copy read again is not taken).
 * At most SD_STORE_GROUP_DELETE_MAX of each. Returns the removed messages (element-type
 * SdMessage), or NULL with @error */
#define SD_STORE_GROUP_DELETE_MAX 100
GPtrArray *sd_store_remove_group_content (SdStore *self, const gchar *group_id,
                                          const gchar *const *authors,
                                          const gchar *const *hashes,
                                          const gchar *only_author, gint64 before,
                                          GError **error);
/* a group control message shown in the conversation (SD_MESSAGE_KIND_GROUP_*): never unread;
 * a known (author, sent_at) is left alone */
gboolean sd_store_add_group_event (SdStore *self, const gchar *group_id, const gchar *author,
                                   gboolean outgoing, SdMessageKind kind, const gchar *body,
                                   gint64 sent_at, const gchar *server_hash,
                                   gboolean *out_added, GError **error);
/* (element-type SdMessage) our group messages still "sending" (cut off by a restart), oldest
 * first, at most @max: they are sent again */
GPtrArray *sd_store_list_sending_group_messages (SdStore *self, guint max, GError **error);
/* our sending (or failed) group message of @group_id is now sent (or failed) */
gboolean sd_store_set_group_message_status (SdStore *self, const gchar *group_id,
                                            const gchar *author, gint64 sent_at,
                                            gboolean sent, const gchar *server_hash,
                                            GError **error);

G_END_DECLS
