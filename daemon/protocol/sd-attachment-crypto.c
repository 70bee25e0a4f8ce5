/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attachment encryption (protocol-advanced.md §6.3): the legacy scheme
 * (zero padding to a 1.05-power bucket, AES-256-CBC, HMAC-SHA256, SHA-256
 * digest) and libsession's deterministic one (seed-keyed BLAKE2b gives
 * the secretstream header and key; leading padding inside the stream) */
#define G_LOG_DOMAIN "SdAttachmentCrypto"

#include "config.h"

#include "sd-attachment-crypto.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

#define LEGACY_MIN_PADDED 541
#define DET_HEADER        crypto_secretstream_xchacha20poly1305_HEADERBYTES /* 24 */
#define DET_OVERHEAD      crypto_secretstream_xchacha20poly1305_ABYTES      /* 17 */
#define DET_CHUNK_TOTAL   (SD_ATTACHMENT_DET_CHUNK + DET_OVERHEAD)
#define DET_PREFIX        'S'
/* the padding granularity never drops below 131072 / 32 bytes */
#define DET_MIN_PAD_BASE  131072

G_STATIC_ASSERT (crypto_secretstream_xchacha20poly1305_KEYBYTES == SD_ATTACHMENT_DET_KEY_LEN);
G_STATIC_ASSERT (crypto_auth_hmacsha256_KEYBYTES == 32);
G_STATIC_ASSERT (crypto_hash_sha256_BYTES == SD_ATTACHMENT_DIGEST_LEN);

/* BLAKE2b personalisations are exactly 16 bytes, no terminator */
static const guint8 pers_attachment[16] = "SessionAttachmnt";
static const guint8 pers_profile_pic[16] = "Session_Prof_Pic";

/**
 * sd_attachment_legacy_padded_size:
 * @len: the plaintext size
 *
 * Desktop's bucket: max(541, ⌊1.05^⌈log₁.₀₅ len⌉⌋), never below @len and,
 * above @len, never beyond the 10 MB cap. Computed in doubles as desktop
 * does; receivers do not check it, so a last-ulp difference is harmless.
 *
 * Returns: the size the plaintext is zero-padded to
 */
gsize
sd_attachment_legacy_padded_size (gsize len)
{
  gdouble bucket;
  gsize padded;

  if (len <= LEGACY_MIN_PADDED)
    return LEGACY_MIN_PADDED;
  bucket = floor (pow (1.05, ceil (log ((gdouble) len) / log (1.05))));
  padded = bucket >= (gdouble) G_MAXSIZE ? G_MAXSIZE : (gsize) bucket;
  if (padded > SD_ATTACHMENT_LEGACY_MAX_SIZE)
    padded = SD_ATTACHMENT_LEGACY_MAX_SIZE;
  return MAX (padded, len);
}

/**
 * sd_attachment_legacy_blob_size:
 * @len: the plaintext size
 *
 * Returns: the size of the legacy blob for @len bytes
 */
gsize
sd_attachment_legacy_blob_size (gsize len)
{
  gsize padded = sd_attachment_legacy_padded_size (len);

  /* PKCS#7 always adds 1 to 16 bytes */
  return SD_ATTACHMENT_LEGACY_IV_LEN + (padded / SD_AES_BLOCK_LEN + 1) * SD_AES_BLOCK_LEN +
         SD_ATTACHMENT_LEGACY_MAC_LEN;
}

/* the blob is encrypted and hashed a piece at a time, each piece once through the cipher, the
 * HMAC and the digest while it is still in the cache (the same bytes as three passes) */
#define LEGACY_PASS (256 * 1024)
G_STATIC_ASSERT (LEGACY_PASS % SD_AES_BLOCK_LEN == 0);

/**
 * sd_attachment_legacy_seal_in_place:
 * @key: AES-256 key || HMAC-SHA256 key
 * @iv: the CBC IV
 * @blob: sd_attachment_legacy_blob_size (@len) bytes, the file at offset
 *   %SD_ATTACHMENT_LEGACY_IV_LEN
 * @len: the file's size, at most %SD_ATTACHMENT_LEGACY_MAX_SIZE
 * @digest: (out caller-allocates): SHA-256 of the blob
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @blob is now IV || ciphertext || HMAC
 */
gboolean
sd_attachment_legacy_seal_in_place (const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                    const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
                                    guint8 *blob,
                                    gsize len,
                                    guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                    GError **error)
{
  return sd_attachment_legacy_seal_in_place_progress (key, iv, blob, len, digest, NULL, NULL,
                                                      error);
}

/**
 * sd_attachment_legacy_seal_in_place_progress:
 * @key: AES-256 key || HMAC-SHA256 key
 * @iv: the CBC IV
 * @blob: sd_attachment_legacy_blob_size (@len) bytes, the file at offset
 *   %SD_ATTACHMENT_LEGACY_IV_LEN
 * @len: the file's size, at most %SD_ATTACHMENT_LEGACY_MAX_SIZE
 * @digest: (out caller-allocates): SHA-256 of the blob
 * @progress: (nullable): told of the ciphertext bytes done after each piece
 * @progress_data: for @progress
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @blob is now IV || ciphertext || HMAC
 */
gboolean
sd_attachment_legacy_seal_in_place_progress (const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                             const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
                                             guint8 *blob,
                                             gsize len,
                                             guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                             SdAttachmentProgress progress,
                                             gpointer progress_data,
                                             GError **error)
{
  guint8 chain[SD_AES_BLOCK_LEN];
  crypto_auth_hmacsha256_state mac;
  crypto_hash_sha256_state hash;
  gsize padded_len, ct_len, pkcs, pos, n;
  guint8 *body;

  g_return_val_if_fail (key != NULL && iv != NULL && digest != NULL && blob != NULL, FALSE);

  sd_sodium_init ();
  if (len > SD_ATTACHMENT_LEGACY_MAX_SIZE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment of %" G_GSIZE_FORMAT " bytes is over the limit of %d bytes",
                 len, SD_ATTACHMENT_LEGACY_MAX_SIZE);
    return FALSE;
  }
  padded_len = sd_attachment_legacy_padded_size (len);
  pkcs = SD_AES_BLOCK_LEN - padded_len % SD_AES_BLOCK_LEN;
  ct_len = padded_len + pkcs;
  body = blob + SD_ATTACHMENT_LEGACY_IV_LEN;
  /* the bucket's zeros, then PKCS#7 over the padded file */
  memset (body + len, 0, padded_len - len);
  memset (body + padded_len, (int) pkcs, pkcs);
  memcpy (blob, iv, SD_ATTACHMENT_LEGACY_IV_LEN);
  memcpy (chain, iv, sizeof chain);
  /* the HMAC covers IV || ciphertext, the digest the whole blob */
  crypto_auth_hmacsha256_init (&mac, key + 32, 32);
  crypto_auth_hmacsha256_update (&mac, blob, SD_ATTACHMENT_LEGACY_IV_LEN);
  crypto_hash_sha256_init (&hash);
  crypto_hash_sha256_update (&hash, blob, SD_ATTACHMENT_LEGACY_IV_LEN);
  for (pos = 0; pos < ct_len; pos += n) {
    n = MIN ((gsize) LEGACY_PASS, ct_len - pos);
    sd_aes256_cbc_encrypt_blocks (key, chain, body + pos, n, body + pos);
    crypto_auth_hmacsha256_update (&mac, body + pos, n);
    crypto_hash_sha256_update (&hash, body + pos, n);
    if (progress != NULL)
      progress (pos + n, ct_len, progress_data);
  }
  crypto_auth_hmacsha256_final (&mac, body + ct_len);
  crypto_hash_sha256_update (&hash, body + ct_len, SD_ATTACHMENT_LEGACY_MAC_LEN);
  crypto_hash_sha256_final (&hash, digest);
  sodium_memzero (&mac, sizeof mac);
  sodium_memzero (chain, sizeof chain);
  return TRUE;
}

/**
 * sd_attachment_legacy_encrypt_with:
 * @key: AES-256 key || HMAC-SHA256 key
 * @iv: the CBC IV
 * @plain: (array length=len): the file
 * @len: its size, at most %SD_ATTACHMENT_LEGACY_MAX_SIZE
 * @digest: (out caller-allocates): SHA-256 of the returned blob
 * @error: return location for a #GError
 *
 * Returns: (transfer full): IV || ciphertext || HMAC, or %NULL
 */
GBytes *
sd_attachment_legacy_encrypt_with (const guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                                   const guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN],
                                   const guint8 *plain,
                                   gsize len,
                                   guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                                   GError **error)
{
  g_autofree guint8 *blob = NULL;
  gsize blob_len;

  g_return_val_if_fail (key != NULL && iv != NULL && digest != NULL, NULL);
  g_return_val_if_fail (plain != NULL || len == 0, NULL);

  if (len > SD_ATTACHMENT_LEGACY_MAX_SIZE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment of %" G_GSIZE_FORMAT " bytes is over the limit of %d bytes",
                 len, SD_ATTACHMENT_LEGACY_MAX_SIZE);
    return NULL;
  }
  blob_len = sd_attachment_legacy_blob_size (len);
  blob = g_malloc (blob_len);
  if (len > 0)
    memcpy (blob + SD_ATTACHMENT_LEGACY_IV_LEN, plain, len);
  if (!sd_attachment_legacy_seal_in_place (key, iv, blob, len, digest, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&blob), blob_len);
}

/**
 * sd_attachment_legacy_encrypt:
 * @plain: (array length=len): the file
 * @len: its size
 * @key: (out caller-allocates): a fresh random key
 * @digest: (out caller-allocates): SHA-256 of the returned blob
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the blob to upload, or %NULL
 */
GBytes *
sd_attachment_legacy_encrypt (const guint8 *plain,
                              gsize len,
                              guint8 key[SD_ATTACHMENT_LEGACY_KEY_LEN],
                              guint8 digest[SD_ATTACHMENT_DIGEST_LEN],
                              GError **error)
{
  guint8 iv[SD_ATTACHMENT_LEGACY_IV_LEN];

  g_return_val_if_fail (key != NULL && digest != NULL, NULL);

  sd_sodium_init ();
  randombytes_buf (key, SD_ATTACHMENT_LEGACY_KEY_LEN);
  randombytes_buf (iv, sizeof iv);
  return sd_attachment_legacy_encrypt_with (key, iv, plain, len, digest, error);
}

#define LEGACY_PIECE (64 * 1024)

/**
 * sd_attachment_legacy_decrypt_to:
 * @blob: (array length=len): IV || ciphertext || HMAC as downloaded
 * @len: its size
 * @key: (array length=key_len): the pointer's key, 64 bytes
 * @key_len: its length
 * @digest: (array length=digest_len): the pointer's digest, 32 bytes
 * @digest_len: its length
 * @size: the pointer's plaintext size, or -1 when absent
 * @sink: receives the file in order
 * @user_data: for @sink
 * @error: return location for a #GError
 *
 * The digest is checked first, then the HMAC, then the padding (CBC decrypts its last block
 * on its own), and only then does the file go to @sink, trimmed to @size.
 *
 * Returns: %TRUE when all of the file went to @sink
 */
gboolean
sd_attachment_legacy_decrypt_to (const guint8 *blob,
                                 gsize len,
                                 const guint8 *key,
                                 gsize key_len,
                                 const guint8 *digest,
                                 gsize digest_len,
                                 gint64 size,
                                 SdAttachmentSink sink,
                                 gpointer user_data,
                                 GError **error)
{
  return sd_attachment_legacy_decrypt_to_progress (blob, len, key, key_len, digest, digest_len,
                                                   size, sink, user_data, NULL, NULL, error);
}

/**
 * sd_attachment_legacy_decrypt_to_progress:
 * @blob: (array length=len): IV || ciphertext || HMAC as downloaded
 * @len: its size
 * @key: (array length=key_len): the pointer's key, 64 bytes
 * @key_len: its length
 * @digest: (array length=digest_len): the pointer's digest, 32 bytes
 * @digest_len: its length
 * @size: the pointer's plaintext size, or -1 when absent
 * @sink: receives the file in order
 * @user_data: for @sink
 * @progress: (nullable): told of the work done, out of 3 × @len: the digest and HMAC pass
 *   counts two units a byte, the decryption one (the last call says 3 × @len)
 * @progress_data: for @progress
 * @error: return location for a #GError
 *
 * sd_attachment_legacy_decrypt_to(), telling how far it is. The digest and the HMAC are
 * computed in one pass over @blob (a piece at a time, while it is in the cache), then
 * compared in that order.
 *
 * Returns: %TRUE when all of the file went to @sink
 */
gboolean
sd_attachment_legacy_decrypt_to_progress (const guint8 *blob,
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
                                          GError **error)
{
  guint8 actual[SD_ATTACHMENT_DIGEST_LEN];
  guint8 mac[SD_ATTACHMENT_LEGACY_MAC_LEN];
  guint8 chain[SD_AES_BLOCK_LEN];
  guint8 last[SD_AES_BLOCK_LEN];
  g_autofree guint8 *piece = NULL;
  crypto_hash_sha256_state hash;
  crypto_auth_hmacsha256_state mac_state;
  const guint8 *ct;
  gsize ct_len, plain_len, left, pos = 0, n;
  guint8 pad;

  g_return_val_if_fail (blob != NULL || len == 0, FALSE);
  g_return_val_if_fail (sink != NULL, FALSE);

  sd_sodium_init ();
  if (key == NULL || key_len != SD_ATTACHMENT_LEGACY_KEY_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "legacy attachment key must be %d bytes, not %" G_GSIZE_FORMAT,
                 SD_ATTACHMENT_LEGACY_KEY_LEN, key == NULL ? 0 : key_len);
    return FALSE;
  }
  if (digest == NULL || digest_len != SD_ATTACHMENT_DIGEST_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "legacy attachment digest must be %d bytes, not %" G_GSIZE_FORMAT,
                 SD_ATTACHMENT_DIGEST_LEN, digest == NULL ? 0 : digest_len);
    return FALSE;
  }
  if (len > SD_ATTACHMENT_LEGACY_MAX_BLOB) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment blob of %" G_GSIZE_FORMAT " bytes is over the limit", len);
    return FALSE;
  }
  if (len < SD_ATTACHMENT_LEGACY_IV_LEN + SD_AES_BLOCK_LEN + SD_ATTACHMENT_LEGACY_MAC_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "attachment blob of %" G_GSIZE_FORMAT " bytes is too short", len);
    return FALSE;
  }
  if (size < -1 || size > SD_ATTACHMENT_LEGACY_MAX_SIZE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment size %" G_GINT64_FORMAT " is out of range", size);
    return FALSE;
  }

  /* one pass for both: the digest covers the blob, the HMAC all of it but the HMAC */
  ct_len = len - SD_ATTACHMENT_LEGACY_IV_LEN - SD_ATTACHMENT_LEGACY_MAC_LEN;
  crypto_hash_sha256_init (&hash);
  crypto_auth_hmacsha256_init (&mac_state, key + 32, 32);
  for (pos = 0; pos < len; pos += n) {
    gsize mac_end = SD_ATTACHMENT_LEGACY_IV_LEN + ct_len;

    n = MIN ((gsize) LEGACY_PASS, len - pos);
    crypto_hash_sha256_update (&hash, blob + pos, n);
    if (pos < mac_end)
      crypto_auth_hmacsha256_update (&mac_state, blob + pos, MIN (n, mac_end - pos));
    if (progress != NULL)
      progress (2 * (guint64) (pos + n), 3 * (guint64) len, progress_data);
  }
  crypto_hash_sha256_final (&hash, actual);
  crypto_auth_hmacsha256_final (&mac_state, mac);
  sodium_memzero (&mac_state, sizeof mac_state);
  pos = 0;
  if (sodium_memcmp (actual, digest, sizeof actual) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DIGEST_MISMATCH,
                         "attachment digest does not match the downloaded data");
    return FALSE;
  }
  if (sodium_memcmp (mac, blob + len - SD_ATTACHMENT_LEGACY_MAC_LEN, sizeof mac) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "attachment failed authentication (wrong key)");
    return FALSE;
  }
  if (ct_len % SD_AES_BLOCK_LEN != 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "AES-CBC ciphertext of %" G_GSIZE_FORMAT " bytes is not a whole number "
                 "of blocks", ct_len);
    return FALSE;
  }
  ct = blob + SD_ATTACHMENT_LEGACY_IV_LEN;

  /* the last block first: its padding says how much there is */
  memcpy (chain, ct_len == SD_AES_BLOCK_LEN ? blob : ct + ct_len - 2 * SD_AES_BLOCK_LEN,
          SD_AES_BLOCK_LEN);
  sd_aes256_cbc_decrypt_blocks (key, chain, ct + ct_len - SD_AES_BLOCK_LEN, SD_AES_BLOCK_LEN,
                                last);
  pad = last[SD_AES_BLOCK_LEN - 1];
  for (guint i = 0; pad != 0 && pad <= SD_AES_BLOCK_LEN && i < pad; i++)
    if (last[SD_AES_BLOCK_LEN - 1 - i] != pad)
      pad = 0;
  sodium_memzero (last, sizeof last);
  if (pad == 0 || pad > SD_AES_BLOCK_LEN) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "AES-CBC plaintext has invalid padding");
    return FALSE;
  }
  plain_len = ct_len - pad;
  if (size >= 0 && (guint64) size > plain_len) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "attachment size %" G_GINT64_FORMAT " is larger than its %" G_GSIZE_FORMAT
                 " decrypted bytes", size, plain_len);
    return FALSE;
  }
  left = size >= 0 ? (gsize) size : plain_len;

  piece = g_malloc (LEGACY_PIECE);
  memcpy (chain, blob, SD_AES_BLOCK_LEN);
  while (left > 0) {
    /* whole blocks covering what is still wanted */
    gsize want = MIN (left, (gsize) LEGACY_PIECE);
    gsize blocks = MIN ((want + SD_AES_BLOCK_LEN - 1) / SD_AES_BLOCK_LEN * SD_AES_BLOCK_LEN,
                        ct_len - pos);

    sd_aes256_cbc_decrypt_blocks (key, chain, ct + pos, blocks, piece);
    pos += blocks;
    if (!sink (piece, want, user_data, error)) {
      sodium_memzero (piece, LEGACY_PIECE);
      return FALSE;
    }
    left -= want;
    if (progress != NULL)
      progress (2 * (guint64) len + MIN (pos, len), 3 * (guint64) len, progress_data);
  }
  sodium_memzero (piece, LEGACY_PIECE);
  if (progress != NULL)
    progress (3 * (guint64) len, 3 * (guint64) len, progress_data);
  return TRUE;
}

/* the whole-buffer sink: the output never outgrows the blob */
static gboolean
append_plain (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  g_byte_array_append (user_data, data, (guint) len);
  return TRUE;
}

/**
 * sd_attachment_legacy_decrypt:
 * @blob: (array length=len): IV || ciphertext || HMAC as downloaded
 * @len: its size
 * @key: (array length=key_len): the pointer's key, 64 bytes
 * @key_len: its length
 * @digest: (array length=digest_len): the pointer's digest, 32 bytes
 * @digest_len: its length
 * @size: the pointer's plaintext size, or -1 when absent
 * @error: return location for a #GError
 *
 * The whole-buffer form of sd_attachment_legacy_decrypt_to().
 *
 * Returns: (transfer full): the file, trimmed to @size, or %NULL
 */
GBytes *
sd_attachment_legacy_decrypt (const guint8 *blob,
                              gsize len,
                              const guint8 *key,
                              gsize key_len,
                              const guint8 *digest,
                              gsize digest_len,
                              gint64 size,
                              GError **error)
{
  g_autoptr(GByteArray) out = NULL;

  g_return_val_if_fail (blob != NULL || len == 0, NULL);

  out = g_byte_array_sized_new (size >= 0 && size <= SD_ATTACHMENT_LEGACY_MAX_SIZE
                                  ? (guint) size
                                  : (guint) MIN (len, (gsize) SD_ATTACHMENT_LEGACY_MAX_BLOB));
  if (!sd_attachment_legacy_decrypt_to (blob, len, key, key_len, digest, digest_len, size,
                                        append_plain, out, error)) {
    sodium_memzero (out->data, out->len);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gsize
bit_floor (gsize v)
{
  gsize r = 1;

  while (r <= v / 2)
    r <<= 1;
  return r;
}

/**
 * sd_attachment_det_padding:
 * @len: the plaintext size
 *
 * How many padding bytes (zeros, then one 0x01) precede the data: enough
 * that the whole blob ('S', header, chunks with their 17-byte tags) is a
 * multiple of (largest power of two ≤ its size, at least 131072) / 32.
 * Tags that the padding itself adds count towards it.
 *
 * Returns: the padding length, at least 1
 */
gsize
sd_attachment_det_padding (gsize len)
{
  gsize chunks, unpadded, step, target, padding, spare, tags = 0;

  g_return_val_if_fail (len <= G_MAXSIZE / 4, 1);

  chunks = (len + SD_ATTACHMENT_DET_CHUNK - 1) / SD_ATTACHMENT_DET_CHUNK;
  unpadded = 1 + DET_HEADER + len + 1 + chunks * DET_OVERHEAD;
  step = bit_floor (MAX (unpadded, (gsize) DET_MIN_PAD_BASE)) / 32;
  target = (unpadded + step - 1) / step * step;
  padding = target - unpadded + 1;
  /* room left in the data's last chunk before the padding spills over */
  spare = chunks * SD_ATTACHMENT_DET_CHUNK - len;

  if (padding >= DET_CHUNK_TOTAL)
    tags = padding / DET_CHUNK_TOTAL * DET_OVERHEAD;
  if (padding % DET_CHUNK_TOTAL > spare)
    tags += DET_OVERHEAD;
  return padding - tags;
}

/**
 * sd_attachment_det_encrypted_size:
 * @len: the plaintext size
 *
 * Returns: the size of the deterministic blob for @len bytes
 */
gsize
sd_attachment_det_encrypted_size (gsize len)
{
  gsize stream = len + sd_attachment_det_padding (len);
  gsize chunks = (stream + SD_ATTACHMENT_DET_CHUNK - 1) / SD_ATTACHMENT_DET_CHUNK;

  return 1 + DET_HEADER + stream + chunks * DET_OVERHEAD;
}

/**
 * sd_attachment_det_encrypt:
 * @seed: the uploader's 32-byte Ed25519 seed
 * @domain: attachment or profile picture
 * @plain: (array length=len): the file
 * @len: its size, at most %SD_ATTACHMENT_DET_MAX_SIZE
 * @key: (out caller-allocates): the key for the pointer
 * @error: return location for a #GError
 *
 * The same seed, domain and file always give the same blob, so the file
 * server's content-hash ids de-duplicate re-uploads.
 *
 * Returns: (transfer full): 'S' || header || chunks, or %NULL
 */
GBytes *
sd_attachment_det_encrypt (const guint8 seed[SD_ATTACHMENT_DET_SEED_LEN],
                           SdAttachmentDomain domain,
                           const guint8 *plain,
                           gsize len,
                           guint8 key[SD_ATTACHMENT_DET_KEY_LEN],
                           GError **error)
{
  crypto_generichash_blake2b_state hs;
  crypto_secretstream_xchacha20poly1305_state ss;
  guint8 hash[DET_HEADER + SD_ATTACHMENT_DET_KEY_LEN];
  g_autofree guint8 *chunk = NULL;
  gsize padding, stream, out_len, pos = 0, off;
  guint8 *out;

  g_return_val_if_fail (seed != NULL && key != NULL, NULL);
  g_return_val_if_fail (plain != NULL || len == 0, NULL);
  g_return_val_if_fail (domain == SD_ATTACHMENT_DOMAIN_ATTACHMENT ||
                        domain == SD_ATTACHMENT_DOMAIN_PROFILE_PIC, NULL);

  sd_sodium_init ();
  if (len > SD_ATTACHMENT_DET_MAX_SIZE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment of %" G_GSIZE_FORMAT " bytes is over the limit of %d bytes",
                 len, SD_ATTACHMENT_DET_MAX_SIZE);
    return NULL;
  }

  crypto_generichash_blake2b_init_salt_personal (
    &hs, seed, SD_ATTACHMENT_DET_SEED_LEN, sizeof hash, NULL,
    domain == SD_ATTACHMENT_DOMAIN_ATTACHMENT ? pers_attachment : pers_profile_pic);
  crypto_generichash_blake2b_update (&hs, plain, len);
  crypto_generichash_blake2b_final (&hs, hash, sizeof hash);
  sodium_memzero (&hs, sizeof hs);
  memcpy (key, hash + DET_HEADER, SD_ATTACHMENT_DET_KEY_LEN);

  out_len = sd_attachment_det_encrypted_size (len);
  out = g_malloc (out_len);
  out[0] = DET_PREFIX;
  memcpy (out + 1, hash, DET_HEADER);
  /* init_pull derives the same state init_push would from this header;
   * init_push itself only takes a random one */
  crypto_secretstream_xchacha20poly1305_init_pull (&ss, out + 1, key);
  sodium_memzero (hash, sizeof hash);

  padding = sd_attachment_det_padding (len);
  stream = padding + len;
  off = 1 + DET_HEADER;
  chunk = g_malloc (SD_ATTACHMENT_DET_CHUNK);
  while (pos < stream) {
    gsize n = MIN ((gsize) SD_ATTACHMENT_DET_CHUNK, stream - pos);
    gboolean last = pos + n == stream;
    unsigned long long clen = 0;

    /* the virtual stream is zeros, one 0x01, then the file */
    for (gsize i = 0; i < n;) {
      gsize at = pos + i;

      if (at + 1 < padding) {
        gsize z = MIN (n - i, padding - 1 - at);
        memset (chunk + i, 0, z);
        i += z;
      } else if (at + 1 == padding) {
        chunk[i++] = 0x01;
      } else {
        gsize c = n - i;
        memcpy (chunk + i, plain + (at - padding), c);
        i += c;
      }
    }
    crypto_secretstream_xchacha20poly1305_push (
      &ss, out + off, &clen, chunk, n, NULL, 0,
      last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    g_assert (clen == n + DET_OVERHEAD);
    off += clen;
    pos += n;
  }
  g_assert (off == out_len);
  sodium_memzero (&ss, sizeof ss);
  sodium_memzero (chunk, SD_ATTACHMENT_DET_CHUNK);
  return g_bytes_new_take (out, out_len);
}


/**
 * sd_attachment_det_decrypt:
 * @key: (array length=key_len): the pointer's 32-byte key
 * @key_len: its length
 * @blob: (array length=len): the downloaded blob
 * @len: its size, at most %SD_ATTACHMENT_DET_MAX_BLOB
 * @error: return location for a #GError
 *
 * The whole-buffer form of #SdAttachmentDecryptor.
 *
 * Returns: (transfer full): the file without its padding, or %NULL
 */
GBytes *
sd_attachment_det_decrypt (const guint8 *key,
                           gsize key_len,
                           const guint8 *blob,
                           gsize len,
                           GError **error)
{
  g_autoptr(SdAttachmentDecryptor) d = NULL;
  g_autoptr(GByteArray) out = NULL;

  g_return_val_if_fail (blob != NULL || len == 0, NULL);

  if (len > SD_ATTACHMENT_DET_MAX_BLOB) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "attachment blob of %" G_GSIZE_FORMAT " bytes is over the limit", len);
    return NULL;
  }
  out = g_byte_array_sized_new ((guint) len);
  d = sd_attachment_decryptor_new (key, key_len, SD_ATTACHMENT_DET_MAX_BLOB, append_plain, out,
                                   error);
  if (d == NULL)
    return NULL;
  /* 'S', the header and one chunk holding at least the 0x01 */
  if (len < 1 + DET_HEADER + DET_OVERHEAD + 1) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "attachment blob of %" G_GSIZE_FORMAT " bytes is too short", len);
    return NULL;
  }
  if (!sd_attachment_decryptor_update (d, blob, len, error) ||
      !sd_attachment_decryptor_finish (d, error)) {
    sodium_memzero (out->data, out->len);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
