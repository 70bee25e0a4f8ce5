/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* the two attachment encryption schemes (protocol-advanced.md §6.3).
 * Whole-buffer API with a size cap: attachments are at most ~10 MB, so
 * a blob and its plaintext fit in memory; the caps below are checked
 * before anything is allocated */

#include <glib.h>

#include "sd-attachment-decryptor.h"

G_BEGIN_DECLS

/* legacy: AES-256 key || HMAC-SHA256 key; digest = SHA-256 of the blob */
#define SD_ATTACHMENT_LEGACY_KEY_LEN   64
#define SD_ATTACHMENT_DIGEST_LEN       32
#define SD_ATTACHMENT_LEGACY_IV_LEN    16
#define SD_ATTACHMENT_LEGACY_MAC_LEN   32
/* desktop's limit for what it uploads, and the padding cap */
#define SD_ATTACHMENT_LEGACY_MAX_SIZE  10000000
/* IV || AES-CBC(padded to the cap, plus a full PKCS#7 block) || HMAC */
#define SD_ATTACHMENT_LEGACY_MAX_BLOB                                          \
  (SD_ATTACHMENT_LEGACY_IV_LEN + SD_ATTACHMENT_LEGACY_MAX_SIZE + 16 +        \
   SD_ATTACHMENT_LEGACY_MAC_LEN)

/* deterministic: 32-byte secretstream key, 'S' || header || chunks */
#define SD_ATTACHMENT_DET_KEY_LEN      32
#define SD_ATTACHMENT_DET_SEED_LEN     32
#define SD_ATTACHMENT_DET_CHUNK        32768
#define SD_ATTACHMENT_DET_MAX_SIZE     10218286
/* the encrypted size of SD_ATTACHMENT_DET_MAX_SIZE bytes */
#define SD_ATTACHMENT_DET_MAX_BLOB     10223616

typedef enum {
  SD_ATTACHMENT_DOMAIN_ATTACHMENT,  /* personalisation "SessionAttachmnt" */
  SD_ATTACHMENT_DOMAIN_PROFILE_PIC, /* personalisation "Session_Prof_Pic" */
} SdAttachmentDomain;

gsize sd_attachment_legacy_padded_size (gsize len);

/* fresh random key and IV; @key and @digest receive what goes into the
 * AttachmentPointer */
GBytes *sd_attachment_legacy_encrypt (const guint8 *plain,
                                      gsize len,
                                      guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                      guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same with a caller-chosen key and IV (tests, reproducible uploads) */
GBytes *sd_attachment_legacy_encrypt_with (const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                           const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
                                           const guint8 *plain,
                                           gsize len,
                                           guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the blob of a @len-byte file: IV || AES-CBC(padded file + PKCS#7) || HMAC */
gsize sd_attachment_legacy_blob_size (gsize len);

/* encryption without a copy: @blob (sd_attachment_legacy_blob_size (@len) bytes) holds the
 * file at offset SD_ATTACHMENT_LEGACY_IV_LEN (where the caller read it); on return it is the
 * blob to upload. The same key, IV and file always give the same blob */
gboolean sd_attachment_legacy_seal_in_place (const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                             const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
                                             guint8 *blob,
                                             gsize len,
                                             guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* how far a long piece of work is: @done of @total units, called between its pieces with a
 * growing @done, the last time with @done == @total (on success) */
typedef void (*SdAttachmentProgress) (guint64 done, guint64 total, gpointer user_data);

/* sd_attachment_legacy_seal_in_place with @progress (nullable) told after each piece */
gboolean sd_attachment_legacy_seal_in_place_progress (
  const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
  const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
  guint8 *blob,
  gsize len,
  guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
  SdAttachmentProgress progress,
  gpointer progress_data,
  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* decryption as a stream: digest and HMAC are checked over @blob first, then the file goes
 * to @sink in pieces of at most 64 KiB (nothing reaches it before both checked out; a
 * padding error is found before the first piece). @size as below */
gboolean sd_attachment_legacy_decrypt_to (const guint8 *blob,
                                          gsize len,
                                          const guint8 *key,
                                          gsize key_len,
                                          const guint8 *digest,
                                          gsize digest_len,
                                          gint64 size,
                                          SdAttachmentSink sink,
                                          gpointer user_data,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* sd_attachment_legacy_decrypt_to with @progress (nullable) told through the checks and the
 * decryption (the checks count two units a byte, the decryption one) */
gboolean sd_attachment_legacy_decrypt_to_progress (const guint8 *blob,
                                                   gsize len,
                                                   const guint8 *key,
                                                   gsize key_len,
                                                   const guint8 *digest,
                                                   gsize digest_len,
                                                   gint64 size,
                                                   SdAttachmentSink sink,
                                                   gpointer user_data,
                                                   SdAttachmentProgress progress,
                                                   gpointer progress_data,
                                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* @size: the pointer's size, or -1 when it had none (nothing is trimmed) */
GBytes *sd_attachment_legacy_decrypt (const guint8 *blob,
                                      gsize len,
                                      const guint8 *key,
                                      gsize key_len,
                                      const guint8 *digest,
                                      gsize digest_len,
                                      gint64 size,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

gsize sd_attachment_det_padding (gsize len);
gsize sd_attachment_det_encrypted_size (gsize len);

GBytes *sd_attachment_det_encrypt (const guint8 seed[SD_ATTACHMENT_DET_SEED_LEN],
                                   SdAttachmentDomain domain,
                                   const guint8 *plain,
                                   gsize len,
                                   guint8 key[SD_ATTACHMENT_DET_KEY_LEN],
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_attachment_det_decrypt (const guint8 *key,
                                   gsize key_len,
                                   const guint8 *blob,
                                   gsize len,
                                   GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
