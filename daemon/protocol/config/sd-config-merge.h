/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-message.h"

G_BEGIN_DECLS

/* how many messages one merge takes (a namespace holds a handful) */
#define SD_CONFIG_MERGE_MAX_MESSAGES 64

/**
 * sd_config_merge:
 * @plaintexts: (element-type GBytes): decrypted, decompressed config messages
 * @lag: the diff window (SD_CONFIG_DEFAULT_LAG)
 * @unmerged_index: (out) (optional): the index of the one message that
 *   already includes all the others, or -1 when a merge was needed
 * @rejected: (out) (optional) (transfer full): the indices of messages that
 *   did not parse (kept on the swarm: a newer client may understand them)
 *
 * Invalid messages are ignored, as are messages whose diff another message
 * already carries, duplicates, and messages @lag or more seqnos behind the
 * newest. If one message remains it is returned as it is (read-only);
 * otherwise the result is the merge, with seqno = newest + 1, which must be
 * pushed.
 *
 * Returns: (transfer full): the resulting message, or %NULL if none parsed
 */
SdConfigMessage *sd_config_merge (GPtrArray *plaintexts,
                                  guint lag,
                                  gint *unmerged_index,
                                  GArray **rejected,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same for a signed config (group Info, Members): a message without a
 * valid signature by @public_key is rejected. With @signing_key (an admin)
 * a merge is signed; without it (a member) no merge is made and the
 * highest-ranked message left is returned as it is */
SdConfigMessage *sd_config_merge_signed (GPtrArray *plaintexts,
                                         guint lag,
                                         const guint8 public_key[32],
                                         const guint8 signing_key[64],
                                         gint *unmerged_index,
                                         GArray **rejected,
                                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same over messages, taken as their serialisations */
SdConfigMessage *sd_config_merge_messages (SdConfigMessage **messages,
                                           guint n_messages,
                                           guint lag,
                                           gint *unmerged_index) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
