/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* profile pictures (protocol-identity-and-messages.md §6,
 * protocol-advanced.md §6.3): legacy AES-256-GCM with the 32-byte
 * profileKey, or the deterministic attachment scheme with the
 * profile-picture personalisation */

#include <glib.h>

#include "sd-attachment-crypto.h"

G_BEGIN_DECLS

#define SD_PROFILE_KEY_LEN    32
#define SD_AVATAR_IV_LEN      12
#define SD_AVATAR_TAG_LEN     16
/* the same cap as attachments: avatars travel through the file server */
#define SD_AVATAR_MAX_SIZE    SD_ATTACHMENT_LEGACY_MAX_SIZE

/* random IV; blob = IV(12) || ciphertext || tag(16) */
GBytes *sd_avatar_legacy_encrypt (const guint8 profile_key[SD_PROFILE_KEY_LEN],
                                  const guint8 *plain,
                                  gsize len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_avatar_legacy_encrypt_with_iv (const guint8 profile_key[SD_PROFILE_KEY_LEN],
                                          const guint8 iv[SD_AVATAR_IV_LEN],
                                          const guint8 *plain,
                                          gsize len,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_avatar_legacy_decrypt (const guint8 *profile_key,
                                  gsize key_len,
                                  const guint8 *blob,
                                  gsize len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_avatar_det_encrypt (const guint8 seed[SD_ATTACHMENT_DET_SEED_LEN],
                               const guint8 *plain,
                               gsize len,
                               guint8 key[SD_ATTACHMENT_DET_KEY_LEN],
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_avatar_det_decrypt (const guint8 *key,
                               gsize key_len,
                               const guint8 *blob,
                               gsize len,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
