/* SPDX-License-Identifier: GPL-3.0-or-later */
/* avatar blobs: desktop's legacy AES-256-GCM (profileEncrypter) and the
 * deterministic scheme in its profile-picture domain */
#define G_LOG_DOMAIN "SdAvatarCrypto"

#include "config.h"

#include "sd-avatar-crypto.h"

#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

G_STATIC_ASSERT (SD_AVATAR_IV_LEN == SD_AES_GCM_IV_LEN);
G_STATIC_ASSERT (SD_AVATAR_TAG_LEN == SD_AES_GCM_TAG_LEN);
G_STATIC_ASSERT (SD_PROFILE_KEY_LEN == SD_AES256_KEY_LEN);

/**
 * sd_avatar_legacy_encrypt_with_iv:
 * @profile_key: the 32-byte profileKey
 * @iv: the 12-byte GCM nonce; never reuse one with the same key
 * @plain: (array length=len): the image
 * @len: its size, at most %SD_AVATAR_MAX_SIZE
 * @error: return location for a #GError
 *
 * Returns: (transfer full): IV || ciphertext || tag, or %NULL
 */
GBytes *
sd_avatar_legacy_encrypt_with_iv (const guint8 profile_key[SD_PROFILE_KEY_LEN],
                                  const guint8 iv[SD_AVATAR_IV_LEN],
                                  const guint8 *plain,
                                  gsize len,
                                  GError **error)
{
  guint8 *blob;
  gsize blob_len;

  g_return_val_if_fail (profile_key != NULL && iv != NULL, NULL);
  g_return_val_if_fail (plain != NULL || len == 0, NULL);

  if (len > SD_AVATAR_MAX_SIZE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "avatar of %" G_GSIZE_FORMAT " bytes is over the limit of %d bytes",
                 len, SD_AVATAR_MAX_SIZE);
    return NULL;
  }
  blob_len = SD_AVATAR_IV_LEN + len + SD_AVATAR_TAG_LEN;
  blob = g_malloc (blob_len);
  memcpy (blob, iv, SD_AVATAR_IV_LEN);
  sd_aes256_gcm_encrypt (profile_key, iv, plain, len, blob + SD_AVATAR_IV_LEN);
  return g_bytes_new_take (blob, blob_len);
}

/**
 * sd_avatar_legacy_encrypt:
 * @profile_key: the 32-byte profileKey
 * @plain: (array length=len): the image
 * @len: its size
 * @error: return location for a #GError
 *
 * Returns: (transfer full): IV || ciphertext || tag with a random IV
 */
GBytes *
sd_avatar_legacy_encrypt (const guint8 profile_key[SD_PROFILE_KEY_LEN],
                          const guint8 *plain,
                          gsize len,
                          GError **error)
{
  guint8 iv[SD_AVATAR_IV_LEN];

  sd_sodium_init ();
  randombytes_buf (iv, sizeof iv);
  return sd_avatar_legacy_encrypt_with_iv (profile_key, iv, plain, len, error);
}

/**
 * sd_avatar_legacy_decrypt:
 * @profile_key: (array length=key_len): the sender's profileKey
 * @key_len: its length, 32
 * @blob: (array length=len): IV || ciphertext || tag
 * @len: its size
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the image, or %NULL
 */
GBytes *
sd_avatar_legacy_decrypt (const guint8 *profile_key,
                          gsize key_len,
                          const guint8 *blob,
                          gsize len,
                          GError **error)
{
  g_autofree guint8 *out = NULL;
  gsize plain_len;

  g_return_val_if_fail (blob != NULL || len == 0, NULL);

  if (profile_key == NULL || key_len != SD_PROFILE_KEY_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "profile key must be %d bytes, not %" G_GSIZE_FORMAT,
                 SD_PROFILE_KEY_LEN, profile_key == NULL ? 0 : key_len);
    return NULL;
  }
  if (len < SD_AVATAR_IV_LEN + SD_AVATAR_TAG_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "avatar blob of %" G_GSIZE_FORMAT " bytes is too short", len);
    return NULL;
  }
  if (len > SD_AVATAR_IV_LEN + SD_AVATAR_MAX_SIZE + SD_AVATAR_TAG_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "avatar blob of %" G_GSIZE_FORMAT " bytes is over the limit", len);
    return NULL;
  }

  plain_len = len - SD_AVATAR_IV_LEN - SD_AVATAR_TAG_LEN;
  out = g_malloc (plain_len + 1);
  if (!sd_aes256_gcm_decrypt (profile_key, blob, blob + SD_AVATAR_IV_LEN,
                              len - SD_AVATAR_IV_LEN, out)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "avatar failed authentication (wrong profile key or corrupted data)");
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&out), plain_len);
}

/**
 * sd_avatar_det_encrypt:
 * @seed: the uploader's 32-byte seed
 * @plain: (array length=len): the image
 * @len: its size
 * @key: (out caller-allocates): the key published with the avatar URL
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the blob, or %NULL
 */
GBytes *
sd_avatar_det_encrypt (const guint8 seed[SD_ATTACHMENT_DET_SEED_LEN],
                       const guint8 *plain,
                       gsize len,
                       guint8 key[SD_ATTACHMENT_DET_KEY_LEN],
                       GError **error)
{
  return sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_PROFILE_PIC, plain, len, key,
                                    error);
}

/**
 * sd_avatar_det_decrypt:
 * @key: (array length=key_len): the 32-byte key
 * @key_len: its length
 * @blob: (array length=len): the blob
 * @len: its size
 * @error: return location for a #GError
 *
 * The domain only enters the key derivation, so decryption is the
 * attachment one.
 *
 * Returns: (transfer full): the image, or %NULL
 */
GBytes *
sd_avatar_det_decrypt (const guint8 *key,
                       gsize key_len,
                       const guint8 *blob,
                       gsize len,
                       GError **error)
{
  return sd_attachment_det_decrypt (key, key_len, blob, len, error);
}
