/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-groups.h"

G_BEGIN_DECLS

/* groups v2 beyond text (docs/groups.md, "Media and disappearing messages"): attachments in
 * group messages (sd-group-attachments.c), the group's avatar and its after-send timer
 * (sd-group-avatar.c) */

/* the longest after-send timer a group takes (the official clients' longest, two weeks) */
#define SD_GROUP_DISAPPEARING_MAX (14u * 24 * 3600)

/* ---- sd-groups.c ---- */

/* @message (ours, stored as "sending") packed with its quote, after-send timer and uploaded
 * attachments, encrypted with the group's current key and stored in ns 11 (retried, then
 * marked sent or failed). NOT_MEMBER when we can no longer send to its group, INVALID while
 * an attachment has no pointer yet */
gboolean sd_groups_send_message (SdGroups *self, const SdMessage *message, GError **error);

/* ---- sd-group-attachments.c ---- */

/* @prepared (element-type SdOutgoingAttachment, from sd_attachments_prepare, already kept):
 * a message of @group_id with these attachments, stored as "sending" with the group's timer;
 * it goes to the group once SdAttachments has uploaded them (sd_groups_attachments_ready).
 * The result is its message id */
gchar *sd_groups_send_prepared (SdGroups *self, const gchar *group_id, const gchar *body,
                                const gchar *quote_id, GArray *prepared,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* SdAttachments' "ready": when @message_id is ours in a group, still sending, it goes now.
 * FALSE when it is not a group message */
gboolean sd_groups_attachments_ready (SdGroups *self, const gchar *message_id);
/* SdAttachments' "changed": our sending group message whose upload failed for good has failed.
 * FALSE when it is not a group message */
gboolean sd_groups_attachments_changed (SdGroups *self, const gchar *message_id);

/* what a group message's plaintext (Envelope or Content) carries beyond its text: its
 * AttachmentPointers (wire forms, at most SD_ATTACHMENT_MAX_COUNT; NULL when none) and an
 * after-send timer (seconds, rounded up to an offered one; 0 when none) */
void sd_group_media_read (GBytes *plain, GPtrArray **out_pointers, guint32 *out_timer);

/* ---- sd-group-avatar.c ---- */

/* whether we may change @group_id's Info: NOT_ADMIN for members, NOT_MEMBER for a group we
 * can no longer change (destroyed, removed) */
gboolean sd_groups_can_edit_info (SdGroups *self, const gchar *group_id, GError **error);
/* admin: @plain (an image read by sd_attachments_read_image) encrypted for the file server with
 * the deterministic avatar scheme keyed by the group's seed; @key gets the 32-byte key.
 * NOT_ADMIN for members, NOT_MEMBER for a group we can no longer change */
GBytes *sd_groups_encrypt_avatar (SdGroups *self, const gchar *group_id, GBytes *plain,
                                  guint8 key[32], GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* admin: the picture of @group_id's Info (URL, 32-byte key) when we administer the group and
 * it is active; FALSE for members, other groups and a group without a picture */
gboolean sd_groups_get_avatar_to_keep (SdGroups *self, const gchar *group_id, gchar **out_url,
                                       GBytes **out_key);
/* admin: @plain (the group's picture) encrypted again for Info's @key: the deterministic
 * scheme when it gives @key (the same blob), else the legacy scheme with @key */
GBytes *sd_groups_encrypt_avatar_again (SdGroups *self, const gchar *group_id, GBytes *plain,
                                        GBytes *key, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* admin: the same picture at a new @url (the old file expired): Info's avatar changed and
 * pushed as sd_groups_set_avatar_async does, without an INFO_CHANGE announcement */
void sd_groups_renew_avatar_async (SdGroups *self, const gchar *group_id, const gchar *url,
                                   GBytes *key, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* admin: Info's avatar becomes @url with @key (NULL @url: none), pushed to the group's swarm,
 * then announced (INFO_CHANGE AVATAR); finished by sd_groups_admin_finish */
void sd_groups_set_avatar_async (SdGroups *self, const gchar *group_id, const gchar *url,
                                 GBytes *key, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* admin: Info's after-send timer becomes @seconds (0: off; otherwise a timer the official
 * clients offer for after-send), pushed, then announced (INFO_CHANGE DISAPPEARING_MESSAGES) */
void sd_groups_set_disappearing_async (SdGroups *self, const gchar *group_id, guint32 seconds,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
/* what the conversation shows of the Info we hold of @group_id follows it: the picture (the
 * avatars row, fetched by SdAttachments) and the after-send timer (ExpirationMode/Timer);
 * TRUE when either changed */
gboolean sd_group_media_apply_info (SdGroups *self, const gchar *group_id);
/* the after-send timer of @group_id's Info as we hold it (0: off) */
guint32 sd_groups_get_disappearing (SdGroups *self, const gchar *group_id);

G_END_DECLS
