/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-group-identity.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* admin signatures on group control messages (DataMessage field 120) and
 * the kick notices of namespace -11. Each signature is the group key's
 * Ed25519 signature of an ASCII string; the timestamp is the message's
 * (sent) timestamp in milliseconds:
 *   invite          "INVITE" + invitee Session ID + timestamp
 *   info change     "INFO_CHANGE" + type + timestamp
 *   member change   "MEMBER_CHANGE" + type + timestamp
 *   delete content  "DELETE_CONTENT" + timestamp + every Session ID + every hash */

/* GroupUpdateInfoChangeMessage.Type */
typedef enum {
  SD_GROUP_INFO_CHANGE_NAME = 1,
  SD_GROUP_INFO_CHANGE_AVATAR = 2,
  SD_GROUP_INFO_CHANGE_DISAPPEARING = 3,
} SdGroupInfoChange;

/* GroupUpdateMemberChangeMessage.Type */
typedef enum {
  SD_GROUP_MEMBER_CHANGE_ADDED = 1,
  SD_GROUP_MEMBER_CHANGE_REMOVED = 2,
  SD_GROUP_MEMBER_CHANGE_PROMOTED = 3,
} SdGroupMemberChange;

/* the signed strings; NULL for a negative timestamp or a bad type */
gchar *sd_group_control_invite_text (const gchar *invitee_session_id,
                                     gint64 timestamp_ms) G_GNUC_WARN_UNUSED_RESULT;
gchar *sd_group_control_info_change_text (SdGroupInfoChange type,
                                          gint64 timestamp_ms) G_GNUC_WARN_UNUSED_RESULT;
gchar *sd_group_control_member_change_text (SdGroupMemberChange type,
                                            gint64 timestamp_ms) G_GNUC_WARN_UNUSED_RESULT;
/* @session_ids and @hashes NULL-terminated (either may be NULL) */
gchar *sd_group_control_delete_content_text (gint64 timestamp_ms,
                                             const gchar *const *session_ids,
                                             const gchar *const *hashes) G_GNUC_WARN_UNUSED_RESULT;

/* admin: signs @text with the group key */
gboolean sd_group_control_sign (const SdGroupIdentity *group,
                                const gchar *text,
                                guint8 signature[64],
                                GError **error);
/* anyone: %SD_PROTOCOL_ERROR_SIGNATURE unless @signature is the group's
 * signature of @text (a NULL @text, from a bad field, is refused too) */
gboolean sd_group_control_verify (const SdGroupIdentity *group,
                                  const gchar *text,
                                  const guint8 *signature,
                                  gsize signature_len,
                                  GError **error);

/* the kick notice domain of multi-encryption */
#define SD_GROUP_KICK_DOMAIN "SessionGroupKickedMessage"
/* most members one notice names */
#define SD_GROUP_KICK_MAX_MEMBERS 1500

/* admin: one notice for the removed members, each copy holding the
 * member's X25519 key and the key generation (decimal) that no longer
 * includes them; stored in namespace -11 */
GBytes *sd_group_kick_notice_encrypt (const SdGroupIdentity *group,
                                      GPtrArray *session_ids,
                                      gint64 generation,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* member: TRUE when the notice names us; @generation (optional) is the
 * generation it states. FALSE without error when it is not for us */
gboolean sd_group_kick_notice_check (const SdGroupIdentity *group,
                                     const SdIdentity *user,
                                     const guint8 *data,
                                     gsize len,
                                     gint64 *generation,
                                     GError **error);

G_END_DECLS
