/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-store.h"

G_BEGIN_DECLS

/* a joined community room as the store keeps it (docs/communities.md); the shape maps onto
 * a UserGroups community entry (base URL, room, server key) and its read position */
typedef struct {
  gchar *id;            /* the conversation's id, "0c" + hex */
  gchar *base_url;
  gchar *room;
  gchar *server_pk;     /* 64 hex, X25519 */
  gint64 joined_at;     /* ms */
  gchar *name;          /* (nullable) */
  gchar *description;   /* (nullable) */
  gint64 user_count;    /* -1: not known */
  gint64 info_updates;
  gint64 seqno;
  gchar *permissions;   /* "read,write,upload[,moderator][,admin]" as known; "" before a poll */
  GStrv moderators;     /* (owned) ids as the server gave them */
  GStrv admins;         /* (owned) */
  GArray *pinned;       /* (owned) (element-type gint64) pinned post ids, in pin order */
} SdCommunity;

void sd_community_free (SdCommunity *community);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdCommunity, sd_community_free)

/* creates the conversation and its community row; joining again is harmless */
gboolean sd_store_add_community (SdStore *self,
                                 const gchar *id,
                                 const gchar *base_url,
                                 const gchar *room,
                                 const gchar *server_pk_hex,
                                 gint64 now,
                                 gboolean *out_created,
                                 GError **error);
/* (element-type SdCommunity) */
GPtrArray *sd_store_list_communities (SdStore *self, GError **error);
/* NOT_FOUND unless @id is a joined community */
SdCommunity *sd_store_get_community (SdStore *self, const gchar *id, GError **error);

/* what a poll said of the room; @name also names the conversation. NULL strings and
 * negative numbers leave the old value */
gboolean sd_store_community_set_info (SdStore *self,
                                      const gchar *id,
                                      const gchar *name,
                                      const gchar *description,
                                      gint64 user_count,
                                      gint64 info_updates,
                                      const gchar *permissions,
                                      const gchar *const *moderators,
                                      const gchar *const *admins,
                                      const GArray *pinned,
                                      GError **error);
/* the room's image as the conversation's avatar: its room file @url, fetched into @file
 * (under <data dir>/attachments; not encrypted, so no key); @url NULL removes it */
gboolean sd_store_community_set_image (SdStore *self,
                                       const gchar *id,
                                       const gchar *url,
                                       const gchar *file,
                                       GError **error);
/* the message ids of the pinned posts we have, in pin order */
GStrv sd_store_community_pinned_messages (SdStore *self, const SdCommunity *community,
                                          GError **error);
gboolean sd_store_community_set_seqno (SdStore *self, const gchar *id, gint64 seqno,
                                       GError **error);

/* how far a server's inbox and outbox were read (0, 0 before the first poll) */
gboolean sd_store_community_dm_cursors (SdStore *self,
                                        const gchar *base_url,
                                        const gchar *server_pk_hex,
                                        gint64 *out_inbox,
                                        gint64 *out_outbox,
                                        GError **error);
/* cursors only move forward */
gboolean sd_store_community_set_dm_cursors (SdStore *self,
                                            const gchar *base_url,
                                            const gchar *server_pk_hex,
                                            gint64 inbox,
                                            gint64 outbox,
                                            GError **error);

/* a post's attachment: a file in the room's file endpoint, in plaintext (docs/communities.md) */
typedef struct {
  GBytes *pointer;                /* the AttachmentPointer as sent (wire form) */
  const gchar *file_name;         /* (nullable) */
  const gchar *content_type;      /* (nullable) */
  const gchar *caption;           /* (nullable) */
  gint64 size;                    /* -1: not known */
  guint32 width, height;
  gboolean voice;
  const gchar *file;              /* (nullable) ours: its name under <data dir>/attachments */
} SdCommunityFile;

typedef struct {
  gint64 post_id;
  const gchar *author;            /* the poster's blinded id */
  const gchar *author_name;       /* (nullable) */
  const gchar *author_session_id; /* (nullable) a contact recognised behind the blinding */
  gboolean outgoing;
  const gchar *body;
  gint64 sent_at;                 /* ms */
  gint64 received_at;
  const gchar *quote_author;      /* (nullable) */
  gint64 quote_sent_at;
  const GArray *reactions;        /* (nullable) (element-type SdReaction) the server's counts */
  const SdCommunityFile *files;   /* (nullable) attachments, checked by the caller */
  guint n_files;
} SdCommunityPost;

/* stores one poll's posts of a room in one transaction, skipping those stored already,
 * removed here, or not storable; the result holds the new messages, in order */
GPtrArray *sd_store_community_add_posts (SdStore *self,
                                         const gchar *id,
                                         const SdCommunityPost *posts,
                                         guint n_posts,
                                         GError **error);
/* our post that did not reach the server, kept as a failed message with @reason, so that
 * ResendMessage can post it again: its files with a pointer (@files[i].pointer, uploaded)
 * `available`, the others `failed` with their kept file (docs/communities.md, "Resending") */
SdMessage *sd_store_community_add_failed_post (SdStore *self,
                                               const gchar *id,
                                               const SdCommunityPost *post,
                                               const gchar *reason,
                                               GError **error);
/* our resent post @message_id of @id: attachment @index went up as @pointer (available) */
SdMessage *sd_store_community_file_uploaded (SdStore *self,
                                             const gchar *id,
                                             const gchar *message_id,
                                             guint index,
                                             GBytes *pointer,
                                             GError **error);
/* our resent post @message_id of @id, sending: stored by the server as @post_id (sent, and
 * linked), or with @post_id 0 failed again with @reason. A post that is not sending any
 * more (a poll found it) is left as it is. Returns the message as it is now */
SdMessage *sd_store_community_post_done (SdStore *self,
                                         const gchar *id,
                                         const gchar *message_id,
                                         gint64 post_id,
                                         const gchar *reason,
                                         GError **error);
/* our posts still sending when the daemon stopped fail (a resend that was cut off): they are
 * posted again only by ResendMessage, or found sent by a poll. Returns them as now */
GPtrArray *sd_store_community_fail_sending (SdStore *self, GError **error);
/* stores a post; NULL without an error when it is stored already or was removed here */
SdMessage *sd_store_community_add_post (SdStore *self,
                                        const gchar *id,
                                        const SdCommunityPost *post,
                                        GError **error);
/* replaces a post's reaction counts; NULL without an error for a post we do not have */
SdMessage *sd_store_community_set_reactions (SdStore *self,
                                             const gchar *id,
                                             gint64 post_id,
                                             const GArray *reactions,
                                             GError **error);
/* a post deleted on the server (by its poster or a moderator): the removed message, or NULL
 * without an error for a post we do not have */
SdMessage *sd_store_community_remove_post (SdStore *self,
                                           const gchar *id,
                                           gint64 post_id,
                                           GError **error);
/* the server's id of a stored community message; NOT_FOUND for other messages */
gboolean sd_store_community_post_id (SdStore *self,
                                     const gchar *message_id,
                                     gint64 *out_post_id,
                                     gchar **out_conversation,
                                     GError **error);

/* ---- community DMs to a blinded id not recognised yet (schema 11) ----
 * Such a conversation is keyed by the peer's blinded id and remembers its server, until the
 * peer's real Session ID is known: its messages then move into the 1:1 conversation */
typedef struct {
  gchar *id;            /* the peer's blinded id, "15…" */
  gchar *base_url;
  gchar *server_pk;     /* 64 hex, X25519 */
} SdBlindedConversation;

void sd_blinded_conversation_free (SdBlindedConversation *conversation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdBlindedConversation, sd_blinded_conversation_free)

typedef struct {
  const gchar *peer;          /* the recipient's blinded id */
  const gchar *base_url;      /* the server it belongs to */
  const gchar *server_pk;     /* 64 hex */
  const gchar *author;        /* our Session ID */
  const gchar *body;
  gint64 sent_at;             /* ms */
  gint64 received_at;
  const gchar *server_hash;   /* (nullable) the outbox item's, for a copy from the server */
} SdBlindedDm;

/* our DM to @dm->peer, in the conversation keyed by that blinded id (created approved: we
 * wrote first); NULL without an error when it is stored already or was removed here */
SdMessage *sd_store_community_add_blinded_dm (SdStore *self,
                                              const SdBlindedDm *dm,
                                              GError **error);
/* a blinded conversation without a message yet (one of our other devices', through the
 * Contacts config), approved as ours are; *@out_created FALSE when it was there */
gboolean sd_store_add_blinded_conversation (SdStore *self,
                                            const gchar *id,
                                            const gchar *base_url,
                                            const gchar *server_pk,
                                            gint64 at_ms,
                                            gboolean *out_created,
                                            GError **error);
/* NOT_FOUND unless @id is a blinded conversation */
SdBlindedConversation *sd_store_get_blinded_conversation (SdStore *self,
                                                          const gchar *id,
                                                          GError **error);
/* (element-type utf8) the blinded conversations with peers on one server */
GPtrArray *sd_store_list_blinded_conversations (SdStore *self,
                                                const gchar *base_url,
                                                const gchar *server_pk_hex,
                                                GError **error);
/* the peer behind @blinded_id is @session_id: its messages move into the 1:1 conversation
 * (created if needed, and approved, since we wrote first) and the blinded one goes */
gboolean sd_store_merge_blinded_conversation (SdStore *self,
                                              const gchar *blinded_id,
                                              const gchar *session_id,
                                              GError **error);

G_END_DECLS
