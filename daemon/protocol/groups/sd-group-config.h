/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-message.h"
#include "sd-group-identity.h"
#include "sd-group-keys.h"

G_BEGIN_DECLS

/* the two signed configs of a group; Keys (ns 12) is not a merging config */
typedef enum {
  SD_GROUP_CONFIG_INFO,
  SD_GROUP_CONFIG_MEMBERS,
} SdGroupConfigKind;

#define SD_GROUP_KEY_LEN 32

/* "groups::Info" / "groups::Members" */
const gchar *sd_group_config_domain (SdGroupConfigKind kind);
/* 13 / 14 */
gint sd_group_config_namespace (SdGroupConfigKind kind);

/* a new, empty config an admin can edit (seqno 0): signed with the group key */
SdConfigMessage *sd_group_config_new (const SdGroupIdentity *group) G_GNUC_WARN_UNUSED_RESULT;

/* a serialised (signed) Info or Members → the bytes to store: zstd when
 * smaller, front padding, XChaCha20-Poly1305 with the group's *current*
 * encryption key (from Keys) in place of a user seed; never wrapped.
 * %SD_PROTOCOL_ERROR_TOO_LARGE past 76,800 bytes */
GBytes *sd_group_config_encode (SdGroupConfigKind kind,
                                const guint8 key[SD_GROUP_KEY_LEN],
                                const guint8 *serialized,
                                gsize len,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* a stored item → plaintext, trying each of @n_keys keys (newest first);
 * @key_index (optional) says which one opened it */
GBytes *sd_group_config_decode (SdGroupConfigKind kind,
                                const guint8 (*keys)[SD_GROUP_KEY_LEN],
                                guint n_keys,
                                const guint8 *data,
                                gsize len,
                                guint *key_index,
                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the two above with a group's Keys: a message serialised and encrypted
 * with the current key (%SD_PROTOCOL_ERROR_UNSUPPORTED without one), and a
 * stored item opened with any key we hold */
GBytes *sd_group_config_push (SdGroupConfigKind kind,
                              const SdGroupKeys *keys,
                              SdConfigMessage *message,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes *sd_group_config_open (SdGroupConfigKind kind,
                              SdGroupKeys *keys,
                              const guint8 *data,
                              gsize len,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the merge of decoded plaintexts of one group config: every message must
 * carry a valid group signature; an admin (@group->is_admin) signs the
 * merge, a member takes the best message as it is (sd_config_merge_signed).
 * For an admin the result carries the signing key, so that its successors
 * (sd_config_message_increment) are signed too */
SdConfigMessage *sd_group_config_merge (const SdGroupIdentity *group,
                                        GPtrArray *plaintexts,
                                        gint *unmerged_index,
                                        GArray **rejected,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
