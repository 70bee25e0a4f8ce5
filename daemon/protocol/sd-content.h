/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* serialized Content messages as the official clients build them
 * (protocol-identity-and-messages.md §4, §5, §6); sigTimestamp is always
 * the message's own T */

/* @profile_name (nullable) is sent with visible messages, never with sync
 * copies; @sync_target (nullable) only on copies to our own swarm */
GBytes *sd_content_pack_text (const gchar *body,
                              guint64 sent_at,
                              const gchar *profile_name,
                              guint64 profile_updated_seconds,
                              const gchar *sync_target) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_content_pack_typing (guint64 sent_at, gboolean started) G_GNUC_WARN_UNUSED_RESULT;

/* READ receipt for the messages sent at @timestamps */
GBytes *sd_content_pack_read_receipt (guint64 sent_at,
                                      const guint64 *timestamps,
                                      gsize n_timestamps) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_content_pack_request_response (guint64 sent_at,
                                          const gchar *profile_name,
                                          guint64 profile_updated_seconds) G_GNUC_WARN_UNUSED_RESULT;
/* the same with our avatar (@picture_url and its 32-byte @profile_key, both or neither), which
 * the official clients read from the response's profile like a visible message's */
GBytes *sd_content_pack_request_response_full (guint64 sent_at,
                                               const gchar *profile_name,
                                               guint64 profile_updated_seconds,
                                               const gchar *picture_url,
                                               GBytes *profile_key) G_GNUC_WARN_UNUSED_RESULT;

/* a visible message with everything 1:1 parity needs; unset pointers and
 * zero values are left out */
typedef struct {
  const gchar *body;
  guint64 sent_at;
  const gchar *profile_name;        /* not in sync copies */
  guint64 profile_updated_seconds;
  const gchar *sync_target;         /* only on copies to our own swarm */
  guint64 quote_id;                 /* T of the quoted message, 0 = no quote */
  const gchar *quote_author;
  gint expiration_type;             /* 0 off, 1 after read, 2 after send */
  guint32 expiration_timer;         /* seconds */
  GPtrArray *attachments;           /* (nullable) (element-type GBytes) AttachmentPointers */
  const gchar *profile_picture;     /* (nullable) our avatar's URL, with the profile */
  GBytes *profile_key;              /* (nullable) 32 bytes: the key of that avatar */
  /* community posts only: blocksCommunityMessageRequests (106) is sent, set to
   * @blocks_community_requests (the opposite of our UserProfile `M`), as desktop does */
  gboolean community_post;
  gboolean blocks_community_requests;
} SdTextContent;

GBytes *sd_content_pack_text_full (const SdTextContent *text) G_GNUC_WARN_UNUSED_RESULT;

/* an emoji reaction to the message (@author, @target_sent_at); @remove
 * takes ours back; @sync_target (nullable) only on the copy to our own
 * swarm, which carries no profile. A reaction is a visible message: it
 * carries the expiration fields sd_expiration_rule() gives it */
GBytes *sd_content_pack_reaction (guint64 sent_at,
                                  guint64 target_sent_at,
                                  const gchar *author,
                                  const gchar *emoji,
                                  gboolean remove,
                                  const gchar *profile_name,
                                  guint64 profile_updated_seconds,
                                  const gchar *sync_target,
                                  gint expiration_type,
                                  guint32 expiration_timer) G_GNUC_WARN_UNUSED_RESULT;

/* delete for everyone: the message (@author, @target_sent_at) */
GBytes *sd_content_pack_unsend (guint64 sent_at,
                                guint64 target_sent_at,
                                const gchar *author) G_GNUC_WARN_UNUSED_RESULT;

/* the conversation's disappearing-messages setting changed (flags = 2) */
GBytes *sd_content_pack_expiration_update (guint64 sent_at,
                                           gint expiration_type,
                                           guint32 expiration_timer,
                                           const gchar *sync_target) G_GNUC_WARN_UNUSED_RESULT;

/* a screenshot (1) or saved media (2) notice, with the expiration fields
 * sd_expiration_rule() gives it (forced after-read when disappearing is on) */
GBytes *sd_content_pack_data_extraction (guint64 sent_at,
                                         gint type,
                                         guint64 target_sent_at,
                                         gint expiration_type,
                                         guint32 expiration_timer) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
