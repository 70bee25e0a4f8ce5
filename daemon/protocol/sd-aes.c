/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AES through nettle. libsodium has no AES-CBC and offers AES-256-GCM only
 * on CPUs with AES-NI, and writing AES ourselves is out of the question.
 * nettle rather than GnuTLS's crypto API: it is the library GnuTLS itself
 * uses (so it is on every desktop that has glib-networking), it needs no
 * global initialisation, works on caller-owned buffers without
 * allocating, and picks its AES-NI code at run time with a constant-time
 * portable fallback */
#define G_LOG_DOMAIN "SdAes"

#include "config.h"

#include "sd-aes.h"

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/gcm.h>
#include <sodium.h>
#include <string.h>

#include "sd-protocol-error.h"
#include "sd-sodium.h"

G_STATIC_ASSERT (AES256_KEY_SIZE == SD_AES256_KEY_LEN);
G_STATIC_ASSERT (AES_BLOCK_SIZE == SD_AES_BLOCK_LEN);
G_STATIC_ASSERT (GCM_DIGEST_SIZE == SD_AES_GCM_TAG_LEN);
G_STATIC_ASSERT (GCM_IV_SIZE == SD_AES_GCM_IV_LEN);
G_STATIC_ASSERT (crypto_aead_aes256gcm_KEYBYTES == SD_AES256_KEY_LEN);
G_STATIC_ASSERT (crypto_aead_aes256gcm_NPUBBYTES == SD_AES_GCM_IV_LEN);
G_STATIC_ASSERT (crypto_aead_aes256gcm_ABYTES == SD_AES_GCM_TAG_LEN);

static gint gcm_impl = SD_AES_GCM_AUTO;

/**
 * sd_aes_gcm_set_impl:
 * @impl: %SD_AES_GCM_NETTLE to use nettle's AES-GCM even where
 *   libsodium's is available, %SD_AES_GCM_AUTO to pick the faster
 *
 * A test knob (see sd-aes.h): both implementations must agree byte for
 * byte, and only this makes the fallback run on AES-NI machines.
 */
void
sd_aes_gcm_set_impl (SdAesGcmImpl impl)
{
  g_atomic_int_set (&gcm_impl, (gint) impl);
}

/* libsodium's AES-GCM needs AES-NI (and is the faster one there); nettle's
 * runs everywhere */
static gboolean
use_sodium_gcm (void)
{
  sd_sodium_init ();
  return g_atomic_int_get (&gcm_impl) == SD_AES_GCM_AUTO &&
         crypto_aead_aes256gcm_is_available () != 0;
}

/**
 * sd_aes256_gcm_encrypt:
 * @key: the 32-byte key
 * @iv: the 12-byte nonce
 * @plain: (array length=len): the plaintext
 * @len: its length
 * @out: (out caller-allocates): @len + 16 bytes, ciphertext then tag
 */
void
sd_aes256_gcm_encrypt (const guint8 key[SD_AES256_KEY_LEN],
                       const guint8 iv[SD_AES_GCM_IV_LEN],
                       const guint8 *plain,
                       gsize len,
                       guint8 *out)
{
  struct gcm_aes256_ctx ctx;

  g_return_if_fail (key != NULL && iv != NULL && out != NULL);
  g_return_if_fail (plain != NULL || len == 0);

  if (use_sodium_gcm ()) {
    crypto_aead_aes256gcm_encrypt (out, NULL, plain, len, NULL, 0, NULL, iv, key);
    return;
  }
  gcm_aes256_set_key (&ctx, key);
  gcm_aes256_set_iv (&ctx, SD_AES_GCM_IV_LEN, iv);
  gcm_aes256_encrypt (&ctx, len, out, plain);
  gcm_aes256_digest (&ctx, SD_AES_GCM_TAG_LEN, out + len);
  sodium_memzero (&ctx, sizeof ctx);
}

/**
 * sd_aes256_gcm_decrypt:
 * @key: the 32-byte key
 * @iv: the 12-byte nonce
 * @ct: (array length=ct_len): ciphertext then tag
 * @ct_len: its length, at least 16
 * @out: (out caller-allocates): @ct_len - 16 bytes
 *
 * Returns: %TRUE if the tag verified
 */
gboolean
sd_aes256_gcm_decrypt (const guint8 key[SD_AES256_KEY_LEN],
                       const guint8 iv[SD_AES_GCM_IV_LEN],
                       const guint8 *ct,
                       gsize ct_len,
                       guint8 *out)
{
  struct gcm_aes256_ctx ctx;
  guint8 tag[SD_AES_GCM_TAG_LEN];
  gsize len;
  gboolean ok;

  g_return_val_if_fail (key != NULL && iv != NULL && ct != NULL, FALSE);
  g_return_val_if_fail (ct_len >= SD_AES_GCM_TAG_LEN, FALSE);
  g_return_val_if_fail (out != NULL || ct_len == SD_AES_GCM_TAG_LEN, FALSE);

  len = ct_len - SD_AES_GCM_TAG_LEN;
  if (use_sodium_gcm ()) {
    guint8 none;

    ok = crypto_aead_aes256gcm_decrypt (out != NULL ? out : &none, NULL, NULL, ct, ct_len,
                                        NULL, 0, iv, key) == 0;
    if (!ok && len > 0)
      sodium_memzero (out, len);
    return ok;
  }
  gcm_aes256_set_key (&ctx, key);
  gcm_aes256_set_iv (&ctx, SD_AES_GCM_IV_LEN, iv);
  gcm_aes256_decrypt (&ctx, len, out, ct);
  gcm_aes256_digest (&ctx, SD_AES_GCM_TAG_LEN, tag);
  sodium_memzero (&ctx, sizeof ctx);
  /* constant time, so the comparison leaks nothing about the tag */
  ok = sodium_memcmp (tag, ct + len, SD_AES_GCM_TAG_LEN) == 0;
  if (!ok && len > 0)
    sodium_memzero (out, len);
  return ok;
}

/**
 * sd_aes256_cbc_encrypt:
 * @key: the 32-byte key
 * @iv: the 16-byte IV
 * @plain: (array length=len): the plaintext
 * @len: its length
 *
 * Returns: (transfer full): the PKCS#7-padded ciphertext (without the IV)
 */
GBytes *
sd_aes256_cbc_encrypt (const guint8 key[SD_AES256_KEY_LEN],
                       const guint8 iv[SD_AES_BLOCK_LEN],
                       const guint8 *plain,
                       gsize len)
{
  struct aes256_ctx ctx;
  guint8 chain[SD_AES_BLOCK_LEN];
  gsize pad, total;
  guint8 *buf;

  g_return_val_if_fail (key != NULL && iv != NULL, NULL);
  g_return_val_if_fail (plain != NULL || len == 0, NULL);
  g_return_val_if_fail (len <= G_MAXSIZE - SD_AES_BLOCK_LEN, NULL);

  pad = SD_AES_BLOCK_LEN - len % SD_AES_BLOCK_LEN;
  total = len + pad;
  buf = g_malloc (total);
  if (len > 0)
    memcpy (buf, plain, len);
  memset (buf + len, (int) pad, pad);

  memcpy (chain, iv, sizeof chain);
  aes256_set_encrypt_key (&ctx, key);
  cbc_encrypt (&ctx, (nettle_cipher_func *) aes256_encrypt, SD_AES_BLOCK_LEN, chain,
               total, buf, buf);
  sodium_memzero (&ctx, sizeof ctx);
  return g_bytes_new_take (buf, total);
}

/**
 * sd_aes256_cbc_decrypt:
 * @key: the 32-byte key
 * @iv: the 16-byte IV
 * @ct: (array length=len): the ciphertext (without the IV)
 * @len: its length, a non-zero multiple of 16
 * @error: return location for a #GError
 *
 * The caller authenticates @ct first (legacy attachments carry an HMAC
 * and a digest), so a padding error here is not a padding oracle.
 *
 * Returns: (transfer full): the plaintext without its PKCS#7 padding
 */
GBytes *
sd_aes256_cbc_decrypt (const guint8 key[SD_AES256_KEY_LEN],
                       const guint8 iv[SD_AES_BLOCK_LEN],
                       const guint8 *ct,
                       gsize len,
                       GError **error)
{
  struct aes256_ctx ctx;
  guint8 chain[SD_AES_BLOCK_LEN];
  g_autofree guint8 *buf = NULL;
  guint8 pad;

  g_return_val_if_fail (key != NULL && iv != NULL, NULL);
  g_return_val_if_fail (ct != NULL || len == 0, NULL);

  if (len == 0 || len % SD_AES_BLOCK_LEN != 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "AES-CBC ciphertext of %" G_GSIZE_FORMAT " bytes is not a whole number "
                 "of blocks", len);
    return NULL;
  }

  buf = g_malloc (len);
  memcpy (chain, iv, sizeof chain);
  aes256_set_decrypt_key (&ctx, key);
  cbc_decrypt (&ctx, (nettle_cipher_func *) aes256_decrypt, SD_AES_BLOCK_LEN, chain,
               len, buf, ct);
  sodium_memzero (&ctx, sizeof ctx);

  pad = buf[len - 1];
  if (pad == 0 || pad > SD_AES_BLOCK_LEN) {
    sodium_memzero (buf, len);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "AES-CBC plaintext has invalid padding");
    return NULL;
  }
  for (gsize i = len - pad; i < len; i++) {
    if (buf[i] != pad) {
      sodium_memzero (buf, len);
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                           "AES-CBC plaintext has invalid padding");
      return NULL;
    }
  }
  return g_bytes_new_take (g_steal_pointer (&buf), len - pad);
}

/**
 * sd_aes256_cbc_encrypt_blocks:
 * @key: the 32-byte key
 * @chain: (inout): the IV; the last ciphertext block on return
 * @in: (array length=len): whole blocks of plaintext
 * @len: a multiple of 16
 * @out: (out caller-allocates): @len bytes; may be @in
 */
void
sd_aes256_cbc_encrypt_blocks (const guint8 key[SD_AES256_KEY_LEN],
                              guint8 chain[SD_AES_BLOCK_LEN],
                              const guint8 *in,
                              gsize len,
                              guint8 *out)
{
  struct aes256_ctx ctx;

  g_return_if_fail (key != NULL && chain != NULL);
  g_return_if_fail (len % SD_AES_BLOCK_LEN == 0);
  if (len == 0)
    return;
  aes256_set_encrypt_key (&ctx, key);
  cbc_encrypt (&ctx, (nettle_cipher_func *) aes256_encrypt, SD_AES_BLOCK_LEN, chain, len, out,
               in);
  sodium_memzero (&ctx, sizeof ctx);
}

/**
 * sd_aes256_cbc_decrypt_blocks:
 * @key: the 32-byte key
 * @chain: (inout): the IV (the ciphertext block before @in); on return the last block of @in
 * @in: (array length=len): whole blocks of ciphertext
 * @len: a multiple of 16
 * @out: (out caller-allocates): @len bytes; may be @in
 *
 * No padding is checked: the caller authenticated the ciphertext and strips it.
 */
void
sd_aes256_cbc_decrypt_blocks (const guint8 key[SD_AES256_KEY_LEN],
                              guint8 chain[SD_AES_BLOCK_LEN],
                              const guint8 *in,
                              gsize len,
                              guint8 *out)
{
  struct aes256_ctx ctx;

  g_return_if_fail (key != NULL && chain != NULL);
  g_return_if_fail (len % SD_AES_BLOCK_LEN == 0);
  if (len == 0)
    return;
  aes256_set_decrypt_key (&ctx, key);
  cbc_decrypt (&ctx, (nettle_cipher_func *) aes256_decrypt, SD_AES_BLOCK_LEN, chain, len, out,
               in);
  sodium_memzero (&ctx, sizeof ctx);
}
