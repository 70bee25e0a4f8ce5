/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-group-keys.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* group messages (namespace 11): the serialised Envelope, signed by its
 * sender, compressed when that helps, padded and encrypted under the
 * group's current key (libsession Keys::encrypt_message) */

/* a larger plaintext is refused both ways */
#define SD_GROUP_MESSAGE_MAX_PLAINTEXT 1000000
/* the encrypted size is a multiple of this */
#define SD_GROUP_MESSAGE_PADDING 256
/* nonce (24) + tag (16) */
#define SD_GROUP_MESSAGE_OVERHEAD 40

/* → nonce ‖ XChaCha20-Poly1305(d "" 1, "a" our Ed25519 key, "d" data or
 * "z" zstd data, "s" signature of that data e ‖ zeros) */
GBytes *sd_group_message_encrypt (const SdIdentity *sender,
                                  const SdGroupKeyBytes key,
                                  const guint8 *plaintext,
                                  gsize len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* tries every key in turn (@keys as sd_group_keys_list() gives them);
 * checks the sender's signature; @sender_id gets the sender's "05…"
 * Session ID made from its Ed25519 key, @key_index which key opened it */
GBytes *sd_group_message_decrypt (const SdGroupKeyBytes *keys,
                                  guint n_keys,
                                  const guint8 *ciphertext,
                                  gsize len,
                                  gchar sender_id[SD_SESSION_ID_LEN + 1],
                                  guint *key_index,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
