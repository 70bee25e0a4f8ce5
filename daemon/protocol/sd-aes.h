/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* AES, one place for it: the two modes Session needs and libsodium lacks
 * or only has with AES-NI: AES-256-CBC (legacy attachments) and
 * AES-256-GCM (legacy avatars, the aes-gcm onion layer) */

#include <glib.h>

G_BEGIN_DECLS

#define SD_AES256_KEY_LEN   32
#define SD_AES_BLOCK_LEN    16
#define SD_AES_GCM_IV_LEN   12
#define SD_AES_GCM_TAG_LEN  16

/* Which AES-256-GCM code runs. AUTO (the default): libsodium's where the
 * CPU has AES-NI, as it is faster there, and nettle's everywhere else.
 * NETTLE: nettle's on every CPU, so that tests cover the fallback on
 * machines with AES-NI too (both must give the same bytes). The setting is
 * process-wide and atomic; the daemon never changes it. */
typedef enum {
  SD_AES_GCM_AUTO,
  SD_AES_GCM_NETTLE,
} SdAesGcmImpl;

void sd_aes_gcm_set_impl (SdAesGcmImpl impl);

/* out receives len + SD_AES_GCM_TAG_LEN bytes: ciphertext || tag; no AAD */
void sd_aes256_gcm_encrypt (const guint8 key[SD_AES256_KEY_LEN],
                            const guint8 iv[SD_AES_GCM_IV_LEN],
                            const guint8 *plain,
                            gsize len,
                            guint8 *out);

/* ct_len includes the tag; out receives ct_len - SD_AES_GCM_TAG_LEN bytes
 * and is wiped when the tag does not verify */
gboolean sd_aes256_gcm_decrypt (const guint8 key[SD_AES256_KEY_LEN],
                                const guint8 iv[SD_AES_GCM_IV_LEN],
                                const guint8 *ct,
                                gsize ct_len,
                                guint8 *out) G_GNUC_WARN_UNUSED_RESULT;

/* PKCS#7 padded; the result is a multiple of the block size, one block
 * longer than the input when the input already is */
GBytes *sd_aes256_cbc_encrypt (const guint8 key[SD_AES256_KEY_LEN],
                               const guint8 iv[SD_AES_BLOCK_LEN],
                               const guint8 *plain,
                               gsize len);

GBytes *sd_aes256_cbc_decrypt (const guint8 key[SD_AES256_KEY_LEN],
                               const guint8 iv[SD_AES_BLOCK_LEN],
                               const guint8 *ct,
                               gsize len,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* unpadded CBC over whole blocks (@len a multiple of 16), for callers that pad, stream or
 * work in place themselves: @chain is the IV and, on return, the last ciphertext block, so
 * consecutive calls continue one stream. @in and @out may be the same buffer */
void sd_aes256_cbc_encrypt_blocks (const guint8 key[SD_AES256_KEY_LEN],
                                   guint8 chain[SD_AES_BLOCK_LEN],
                                   const guint8 *in,
                                   gsize len,
                                   guint8 *out);
void sd_aes256_cbc_decrypt_blocks (const guint8 key[SD_AES256_KEY_LEN],
                                   guint8 chain[SD_AES_BLOCK_LEN],
                                   const guint8 *in,
                                   gsize len,
                                   guint8 *out);

G_END_DECLS
