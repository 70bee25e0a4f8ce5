/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The plain values the store hands out (messages, conversations, reactions, outbox items,
 * network jobs), their names as strings, and message ids. No database and no D-Bus here.
 */

#define SD_STORE_ERROR (sd_store_error_quark ())

/* the D-Bus layer maps these to org.sessiond.Daemon1.Error.* (NotFound and so on); declared
 * here, with the values, because parsing a message id already reports in this domain */
typedef enum {
  SD_STORE_ERROR_FAILED,        /* an SQLite error; the message carries sqlite3_errmsg */
  SD_STORE_ERROR_CORRUPT,       /* not an SQLite file, a damaged one, or another program's */
  SD_STORE_ERROR_NEWER_SCHEMA,  /* written by a newer sessiond; left untouched */
  SD_STORE_ERROR_NOT_FOUND,
  SD_STORE_ERROR_DUPLICATE,     /* a unique key is already taken */
  SD_STORE_ERROR_INVALID,       /* a malformed argument: id, UTF-8, timestamp */
} SdStoreError;

GQuark sd_store_error_quark (void);

typedef enum {
  SD_MESSAGE_STATUS_SENDING,  /* outgoing, in the outbox */
  SD_MESSAGE_STATUS_SENT,     /* outgoing: stored in the recipient's swarm; incoming: unread */
  SD_MESSAGE_STATUS_FAILED,   /* outgoing, gave up; see error */
  SD_MESSAGE_STATUS_READ,     /* outgoing: a read receipt came; incoming: we read it */
} SdMessageStatus;

/* "sending", "sent", "failed", "read" */
const gchar *sd_message_status_to_string (SdMessageStatus status);
/* FALSE for an unknown name */
gboolean sd_message_status_from_string (const gchar *text, SdMessageStatus *out_status);

/* what a message row is: a visible message or an event shown in the conversation */
typedef enum {
  SD_MESSAGE_KIND_TEXT,
  SD_MESSAGE_KIND_EXPIRATION_UPDATE, /* the disappearing-messages setting changed */
  SD_MESSAGE_KIND_SCREENSHOT,        /* the author took a screenshot */
  SD_MESSAGE_KIND_MEDIA_SAVED,       /* the author saved a file of the referenced message */
  /* groups v2 control messages (docs/groups.md): body is the new name, or the members' Session
   * IDs separated by spaces; the author is who sent it (member-left: who left) */
  SD_MESSAGE_KIND_GROUP_RENAMED,
  SD_MESSAGE_KIND_GROUP_MEMBERS_ADDED,
  SD_MESSAGE_KIND_GROUP_MEMBERS_REMOVED,
  SD_MESSAGE_KIND_GROUP_MEMBERS_PROMOTED,
  SD_MESSAGE_KIND_GROUP_MEMBER_LEFT,
  /* we were removed from the group, or it was destroyed: the author is us (we do not know
   * which admin did it), the body empty */
  SD_MESSAGE_KIND_GROUP_REMOVED,
  SD_MESSAGE_KIND_GROUP_DESTROYED,
  /* an admin changed (or cleared) the group's picture: the body is empty; an admin set the
   * group's after-send timer: the body is its seconds in decimal, "0" when turned off */
  SD_MESSAGE_KIND_GROUP_AVATAR_CHANGED,
  SD_MESSAGE_KIND_GROUP_DISAPPEARING_CHANGED,
} SdMessageKind;

const gchar *sd_message_kind_to_string (SdMessageKind kind);
/* FALSE for an unknown name */
gboolean sd_message_kind_from_string (const gchar *text, SdMessageKind *out_kind);

/* disappearing messages; the values are Content.expirationType's */
typedef enum {
  SD_EXPIRATION_OFF = 0,
  SD_EXPIRATION_AFTER_READ = 1,
  SD_EXPIRATION_AFTER_SEND = 2,
} SdExpirationMode;

/* "off", "after-read", "after-send" */
const gchar *sd_expiration_mode_to_string (SdExpirationMode mode);
gboolean sd_expiration_mode_from_string (const gchar *text, SdExpirationMode *out_mode);

/* a reaction is one emoji; this bounds what is stored from anyone */
#define SD_STORE_EMOJI_MAX_BYTES 32

/* one emoji's reactions to a message */
typedef struct {
  gchar *emoji;
  guint count;
  gboolean mine;            /* we are among those who reacted */
} SdReaction;

/* an empty (element-type SdReaction) array that frees its emoji */
GArray *sd_reactions_new (guint reserved_size);

/* where an attachment of a message is (docs/attachments.md) */
typedef enum {
  SD_ATTACHMENT_STATE_UPLOADING,   /* outgoing: the local copy is there, the upload is not done */
  SD_ATTACHMENT_STATE_PENDING,     /* incoming: not downloaded (not automatically, or not yet) */
  SD_ATTACHMENT_STATE_DOWNLOADING,
  SD_ATTACHMENT_STATE_AVAILABLE,   /* the decrypted file is in the data dir */
  SD_ATTACHMENT_STATE_FAILED,      /* gave up: the upload, or a download that did not verify */
  SD_ATTACHMENT_STATE_EXPIRED,     /* the file server no longer has it */
} SdAttachmentState;

/* "uploading", "pending", "downloading", "available", "failed", "expired" */
const gchar *sd_attachment_state_to_string (SdAttachmentState state);
gboolean sd_attachment_state_from_string (const gchar *text, SdAttachmentState *out_state);

/* one attachment of a message as the store hands it out */
typedef struct {
  guint index;              /* its place in DataMessage.attachments */
  gchar *file_name;         /* (nullable) as the sender named it: not a safe path */
  gchar *content_type;      /* (nullable) */
  gchar *caption;           /* (nullable) */
  gint64 size;              /* plaintext bytes, -1 unknown */
  guint32 width, height;    /* 0 unknown */
  gboolean voice;
  SdAttachmentState state;
  guint progress;           /* percent of the transfer under way */
  gchar *file;              /* (nullable) the plaintext's name under <data dir>/attachments */
  gchar *error;             /* (nullable) why it failed */
} SdAttachmentInfo;

SdAttachmentInfo *sd_attachment_info_copy (const SdAttachmentInfo *info);
void sd_attachment_info_free (SdAttachmentInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdAttachmentInfo, sd_attachment_info_free)

typedef struct {
  gchar *id;                /* "<author>-<sent_at>" */
  gchar *conversation;      /* 66-hex Session ID of the conversation */
  gchar *author;            /* 66-hex Session ID; our own for outgoing messages */
  gboolean outgoing;
  gchar *body;              /* UTF-8 */
  gint64 sent_at;           /* envelope T, ms */
  gint64 received_at;       /* ms; for outgoing messages the time it was queued */
  SdMessageStatus status;
  gchar *error;             /* (nullable) why it failed */
  gint64 expires_at;        /* ms, 0 = does not expire (or after-read and not read yet) */
  gchar *server_hash;       /* (nullable) the storage server's hash, opaque */
  SdMessageKind kind;
  /* text: the message it replies to; media-saved: the message whose file was saved */
  gchar *quote_author;      /* (nullable) */
  gint64 quote_sent_at;     /* 0 = none */
  gchar *quote_body;        /* (nullable) the quoted message's body when stored here */
  /* text: how it disappears; expiration-update: the new setting */
  SdExpirationMode expiration_mode;
  guint32 expiration_timer; /* seconds */
  gchar *sync_hash;         /* (nullable) outgoing: the hash of our copy in our own swarm */
  GArray *reactions;        /* (element-type SdReaction) (nullable) none loaded = none */
  GPtrArray *attachments;   /* (element-type SdAttachmentInfo) (nullable) none loaded = none */
  gint64 local_id;          /* the store's row id; meaningless outside the store */
  /* community posts: the poster's display name, and their Session ID when a contact was
   * recognised behind the blinded author (both nullable, NULL elsewhere) */
  gchar *author_name;
  gchar *author_session_id;
} SdMessage;

SdMessage *sd_message_copy (const SdMessage *message);
void sd_message_free (SdMessage *message);
GType sd_message_get_type (void) G_GNUC_CONST;
/* for incoming messages: we have read it; for outgoing: the peer has */
gboolean sd_message_is_read (const SdMessage *message);
/* splits "<author>-<sent_at>"; FALSE with SD_STORE_ERROR_INVALID if it is not one */
gboolean sd_message_id_parse (const gchar *id, gchar **out_author, gint64 *out_sent_at,
                              GError **error);
gchar *sd_message_id_make (const gchar *author, gint64 sent_at);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdMessage, sd_message_free)

/* is @id a 66-character lower-case hex Session ID starting with "05" */
gboolean sd_store_is_session_id (const gchar *id);
/* a community conversation's id: "0c" + 64 lower-case hex (sd-communities.c) */
gboolean sd_store_is_community_id (const gchar *id);
/* who may author a message: a Session ID, or a community poster's blinded id (15/25) */
/* a community-blinded id ("15…" or "25…"): a poster, or a community DM peer we do not
 * recognise yet (docs/communities.md) */
gboolean sd_store_is_blinded_id (const gchar *id);
gboolean sd_store_is_author_id (const gchar *id);

typedef enum {
  SD_CONVERSATION_KIND_DIRECT,
  SD_CONVERSATION_KIND_NOTE_TO_SELF,
  SD_CONVERSATION_KIND_GROUP,       /* a groups v2 (03) group, docs/groups.md */
  SD_CONVERSATION_KIND_COMMUNITY,
} SdConversationKind;

/* "direct", "note-to-self", "group", "community" */
const gchar *sd_conversation_kind_to_string (SdConversationKind kind);
gboolean sd_conversation_kind_from_string (const gchar *text, SdConversationKind *out_kind);

typedef struct {
  gchar *id;                /* 66-hex Session ID */
  SdConversationKind kind;
  gchar *name;              /* (nullable) their profile display name */
  gchar *nickname;          /* (nullable) our local name for them */
  gboolean approved;        /* we accepted them (not a message request) */
  gboolean they_approved;   /* they accepted us (any incoming message counts) */
  gboolean blocked;
  gint64 muted_until;       /* ms, 0 = not muted, G_MAXINT64 = forever */
  gint64 last_activity;     /* ms, sent_at of the newest message, or creation time */
  gint64 profile_updated;   /* lastProfileUpdateSeconds of the applied profile (seconds) */
  gchar *expiration_mode;   /* "off", "after-send", "after-read" */
  gint64 expiration_timer;  /* seconds */
  guint unread;             /* incoming messages not read; derived, never cached */
  gchar *last_message_preview; /* (nullable) body of the newest message */
  /* synced with our other devices through the user configs (sd-config-sync.c) */
  gint64 priority;          /* > 0 pinned (higher first), < 0 hidden, 0 normal */
  gint notify_mode;         /* SdConversationNotify */
  gboolean marked_unread;   /* marked unread by hand */
  gchar *avatar_url;        /* (nullable) their profile picture, not downloaded yet */
  gint64 last_read_at;      /* ms: the read position our devices agreed on, 0 = none */
} SdConversation;

/* the Contacts config's notification values */
typedef enum {
  SD_CONVERSATION_NOTIFY_DEFAULT = 0,
  SD_CONVERSATION_NOTIFY_ALL = 1,
  SD_CONVERSATION_NOTIFY_NONE = 2,
  SD_CONVERSATION_NOTIFY_MENTIONS = 3,
} SdConversationNotify;

/* "all" (also for the default), "none", "mentions" */
const gchar *sd_conversation_notify_to_string (gint notify_mode);
gboolean sd_conversation_notify_from_string (const gchar *text, gint *out_notify_mode);

SdConversation *sd_conversation_copy (const SdConversation *conversation);
void sd_conversation_free (SdConversation *conversation);
GType sd_conversation_get_type (void) G_GNUC_CONST;
/* nickname, else profile name, else "" */
const gchar *sd_conversation_get_display_name (const SdConversation *conversation);
/* what front ends show: nickname, else profile name, else "05abcd…wxyz" */
gchar *sd_conversation_dup_title (const SdConversation *conversation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdConversation, sd_conversation_free)

/* one outbox row with its message */
typedef struct {
  SdMessage *message;
  gchar *recipient;         /* whose swarm to store to */
  gboolean is_sync;         /* the copy to our own swarm, after delivery succeeded */
  guint attempts;
  gint64 next_attempt_at;   /* ms */
  gchar *last_error;        /* (nullable) */
} SdOutboxItem;

void sd_outbox_item_free (SdOutboxItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdOutboxItem, sd_outbox_item_free)

/* work for the network that must survive a restart: control messages to store in a swarm
 * and operations on our own swarm's copies */
typedef enum {
  SD_JOB_STORE,   /* store @payload (Content bytes) sent at @sent_at in @target's swarm,
                   * TTL @value ms */
  SD_JOB_DELETE,  /* delete the messages @payload (hashes, one per line) from our swarm */
  SD_JOB_EXPIRE,  /* shorten the expiry of @payload (hashes) in our swarm to @value ms */
} SdJobKind;

/* "store", "delete", "expire" */
const gchar *sd_job_kind_to_string (SdJobKind kind);
gboolean sd_job_kind_from_string (const gchar *text, SdJobKind *out_kind);

typedef struct {
  gint64 id;
  SdJobKind kind;
  gchar *target;            /* whose swarm */
  GBytes *payload;
  gint64 sent_at;
  gint64 value;
  guint attempts;
} SdJob;

void sd_job_free (SdJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdJob, sd_job_free)

/* a job to queue (the store copies it) */
typedef struct {
  SdJobKind kind;
  const gchar *target;
  GBytes *payload;
  gint64 sent_at;
  gint64 value;
} SdJobSpec;

G_END_DECLS
