/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* how many seqnos of diffs a message carries and a merge considers */
#define SD_CONFIG_DEFAULT_LAG 5
#define SD_CONFIG_HASH_LEN 32

/* one config message: seqno, the data dict ("&"), the lagged diffs ("<"),
 * the current diff ("=") and any top-level keys we do not know.
 *
 * A received message is read-only; sd_config_message_increment() gives a
 * mutable successor whose data may be changed freely: its diff is worked
 * out from the data when it is serialised. */
typedef struct _SdConfigMessage SdConfigMessage;

/* a mutable message with no data, as a new account starts (seqno 0) */
SdConfigMessage *sd_config_message_new (gint64 seqno, guint lag);

/* parses the plaintext bencode (after decryption and decompression).
 * Lagged diffs older than @lag seqnos are dropped. A "~" signature is
 * checked for shape only and not kept (user configs are unsigned). */
SdConfigMessage *sd_config_message_parse (const guint8 *data,
                                          gsize len,
                                          guint lag,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same, reading @bytes (referenced) in place instead of a copy.
 * @earlier: messages of the same merge parsed before (read-only, may be
 * empty): parts whose bytes equal a part already checked there are not
 * checked again */
SdConfigMessage *sd_config_message_parse_bytes (GBytes *bytes,
                                                guint lag,
                                                SdConfigMessage *const *earlier,
                                                guint n_earlier,
                                                GError **error) G_GNUC_WARN_UNUSED_RESULT;

void sd_config_message_free (SdConfigMessage *message);

gint64 sd_config_message_get_seqno (const SdConfigMessage *message);
guint sd_config_message_get_lag (const SdConfigMessage *message);
gboolean sd_config_message_is_mutable (const SdConfigMessage *message);

/* (transfer none) the data dict; change it only on a mutable message */
SdConfigValue *sd_config_message_get_data (SdConfigMessage *message);

/* the canonical plaintext; for a mutable message the data is pruned and
 * the diff recomputed first */
GBytes *sd_config_message_serialize (SdConfigMessage *message) G_GNUC_WARN_UNUSED_RESULT;

/* BLAKE2b-32 of the serialised message (of the received bytes, when parsed) */
void sd_config_message_get_hash (SdConfigMessage *message, guint8 hash[SD_CONFIG_HASH_LEN]);

/* (transfer none) the current diff ("="), recomputed for a mutable message */
const SdConfigValue *sd_config_message_get_diff (SdConfigMessage *message);

/* lagged diffs, sorted by (seqno, hash) */
guint sd_config_message_get_n_lagged (const SdConfigMessage *message);
const SdConfigValue *sd_config_message_get_lagged (const SdConfigMessage *message,
                                                   guint index,
                                                   gint64 *seqno,
                                                   const guint8 **hash);
/* TRUE if the (seqno, hash) pair is among the lagged diffs */
gboolean sd_config_message_includes (const SdConfigMessage *message,
                                     gint64 seqno,
                                     const guint8 hash[SD_CONFIG_HASH_LEN]);

/* the mutable successor: seqno + 1, this message's diff moved into the
 * lagged diffs, an empty current diff */
SdConfigMessage *sd_config_message_increment (SdConfigMessage *message) G_GNUC_WARN_UNUSED_RESULT;

/* signed configs (group Info and Members; user configs are unsigned): the
 * signature is the last key, "~", over the serialisation up to it */
GBytes *sd_config_message_sign (GBytes *serialized,
                                const guint8 secret_key[64]) G_GNUC_WARN_UNUSED_RESULT;
/* %SD_PROTOCOL_ERROR_SIGNATURE when the signature is missing or wrong */
gboolean sd_config_message_verify (const guint8 *data,
                                   gsize len,
                                   const guint8 public_key[32],
                                   GError **error);

/* parses a signed config (group Info, Members): the "~" signature must be
 * there and verify with the group's Ed25519 @public_key; it is kept, so the
 * message serialises (and hashes) to the same bytes */
SdConfigMessage *sd_config_message_parse_signed (const guint8 *data,
                                                 gsize len,
                                                 guint lag,
                                                 const guint8 public_key[32],
                                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* an admin's group secret key (or NULL): a mutable message then
 * serialises signed, and its successors inherit the key */
void sd_config_message_set_signing_key (SdConfigMessage *message,
                                        const guint8 secret_key[64]);

/* the value rules for data we are about to push: keys at most 128 bytes,
 * strings at most 4,096 */
gboolean sd_config_message_check_limits (SdConfigMessage *message, GError **error);

/* used by the merge (sd-config-merge.c) */
SdConfigMessage *sd_config_message_new_merged (gint64 seqno,
                                               guint lag,
                                               SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* (transfer full) for a merge that is done with @message: its current
 * diff (@index -1) or lagged diff @index, an empty dict left in its place */
SdConfigValue *sd_config_message_steal_diff (SdConfigMessage *message, gint index);
/* takes ownership of @diff; keeps the list sorted and the first copy */
void sd_config_message_add_lagged (SdConfigMessage *message,
                                   gint64 seqno,
                                   const guint8 hash[SD_CONFIG_HASH_LEN],
                                   SdConfigValue *diff);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdConfigMessage, sd_config_message_free)

G_END_DECLS
