/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-store.h"

G_BEGIN_DECLS

/* groups v2, what goes beyond text (sd-store-group-media.c, docs/groups.md "Media and
 * disappearing messages"): attachments and expiry of group messages, the group's avatar and
 * disappearing setting as its conversation shows them */

/* one group message with its attachments and expiry */
typedef struct {
  const gchar *group_id;
  const gchar *author;
  gboolean outgoing;
  const gchar *body;
  gint64 sent_at;
  const gchar *server_hash;                /* (nullable) */
  const gchar *quote_author;               /* (nullable) */
  gint64 quote_sent_at;
  guint32 expiration_timer;                /* after-send seconds, 0: does not disappear */
  const SdOutgoingAttachment *outgoing_attachments; /* ours: uploaded before it is sent */
  guint n_outgoing_attachments;
  GPtrArray *pointers;                     /* (nullable) (element-type GBytes) theirs */
} SdGroupMessageRow;

/* stores @row in one transaction: the message (a known (author, sent_at), or one that was
 * removed or expired already, is left alone: @out_added FALSE), expires_at = sent_at + timer,
 * and its attachments */
gboolean sd_store_add_group_message_media (SdStore *self, const SdGroupMessageRow *row,
                                           gboolean *out_added, GError **error);

/* the group's avatar (Info p/q): @url NULL clears it; a new one is fetched (avatars table, as
 * contacts' pictures). @out_changed: the row changed */
gboolean sd_store_set_group_avatar (SdStore *self, const gchar *group_id, const gchar *url,
                                    GBytes *key, gboolean *out_changed, GError **error);
/* the group's after-send timer (Info E) as the conversation's ExpirationMode/Timer: 0 is
 * "off". @out_changed: the row changed */
gboolean sd_store_set_group_expiration (SdStore *self, const gchar *group_id, guint32 timer,
                                        gboolean *out_changed, GError **error);

G_END_DECLS
