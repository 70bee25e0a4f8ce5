/* SPDX-License-Identifier: GPL-3.0-or-later */
/* per-layer onion crypto (protocol-network.md §6.2): aes-gcm keyed with
 * HMAC-SHA256("LOKI", X25519) and xchacha20 keyed with
 * BLAKE2b-256(X25519 || client pub || node pub) */
#define G_LOG_DOMAIN "SdOnionCrypto"

#include "config.h"

#include "sd-onion-crypto.h"

#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

#define GCM_NONCE_LEN crypto_aead_aes256gcm_NPUBBYTES                 /* 12 */
#define GCM_TAG_LEN   crypto_aead_aes256gcm_ABYTES                    /* 16 */
#define XC_NONCE_LEN  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES    /* 24 */
#define XC_TAG_LEN    crypto_aead_xchacha20poly1305_ietf_ABYTES       /* 16 */

G_STATIC_ASSERT (crypto_aead_aes256gcm_KEYBYTES == SD_ONION_KEY_LEN);
G_STATIC_ASSERT (crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SD_ONION_KEY_LEN);
G_STATIC_ASSERT (crypto_scalarmult_BYTES == 32);

G_STATIC_ASSERT (GCM_NONCE_LEN == SD_AES_GCM_IV_LEN);
G_STATIC_ASSERT (GCM_TAG_LEN == SD_AES_GCM_TAG_LEN);

/* the aes-gcm key is an HMAC keyed with these four ASCII bytes */
static const guint8 gcm_hmac_key[] = { 'L', 'O', 'K', 'I' };

static gboolean
check_ready (SdOnionCipher cipher, GError **error)
{
  /* libsodium picks its AES-NI code path in sodium_init() */
  sd_sodium_init ();
  if (cipher != SD_ONION_CIPHER_AES_GCM && cipher != SD_ONION_CIPHER_XCHACHA20) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "unknown onion cipher %d", (gint) cipher);
    return FALSE;
  }
  return TRUE;
}

/**
 * sd_onion_cipher_from_string:
 * @name: (nullable): an `enc_type` value; %NULL means the field was absent
 * @cipher: (out): the cipher
 * @error: return location for a #GError
 *
 * A missing `enc_type` means aes-gcm, as storage servers and Session
 * Desktop assume. The legacy aes-cbc mode is deliberately not supported.
 *
 * Returns: %TRUE if @name names a supported cipher
 */
gboolean
sd_onion_cipher_from_string (const gchar *name, SdOnionCipher *cipher, GError **error)
{
  g_return_val_if_fail (cipher != NULL, FALSE);

  if (name == NULL || g_strcmp0 (name, "aes-gcm") == 0 || g_strcmp0 (name, "gcm") == 0) {
    *cipher = SD_ONION_CIPHER_AES_GCM;
    return TRUE;
  }
  if (g_strcmp0 (name, "xchacha20") == 0 || g_strcmp0 (name, "xchacha20-poly1305") == 0) {
    *cipher = SD_ONION_CIPHER_XCHACHA20;
    return TRUE;
  }
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
               "unsupported onion encryption type \"%s\"", name);
  return FALSE;
}

/**
 * sd_onion_cipher_to_string:
 * @cipher: a cipher
 *
 * Returns: the canonical `enc_type` string
 */
const gchar *
sd_onion_cipher_to_string (SdOnionCipher cipher)
{
  switch (cipher) {
  case SD_ONION_CIPHER_AES_GCM:
    return "aes-gcm";
  case SD_ONION_CIPHER_XCHACHA20:
    return "xchacha20";
  default:
    break;
  }
  g_return_val_if_reached ("aes-gcm");
}

/* both sides hash the same shared secret with the keys in the same
 * order: client (ephemeral) pub first, node pub second */
static gboolean
derive_key (SdOnionCipher cipher,
            const guint8 our_sk[32],
            const guint8 their_pk[32],
            const guint8 client_pk[32],
            const guint8 node_pk[32],
            guint8 key[SD_ONION_KEY_LEN])
{
  guint8 shared[crypto_scalarmult_BYTES];
  gboolean ok = FALSE;

  sd_sodium_init ();
  /* fails for low-order points, whose shared secret is all zeros */
  if (crypto_scalarmult (shared, our_sk, their_pk) != 0)
    return FALSE;

  switch (cipher) {
  case SD_ONION_CIPHER_AES_GCM: {
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init (&st, gcm_hmac_key, sizeof gcm_hmac_key);
    crypto_auth_hmacsha256_update (&st, shared, sizeof shared);
    crypto_auth_hmacsha256_final (&st, key);
    sodium_memzero (&st, sizeof st);
    ok = TRUE;
    break;
  }
  case SD_ONION_CIPHER_XCHACHA20: {
    crypto_generichash_state gh;

    crypto_generichash_init (&gh, NULL, 0, SD_ONION_KEY_LEN);
    crypto_generichash_update (&gh, shared, sizeof shared);
    crypto_generichash_update (&gh, client_pk, 32);
    crypto_generichash_update (&gh, node_pk, 32);
    crypto_generichash_final (&gh, key, SD_ONION_KEY_LEN);
    sodium_memzero (&gh, sizeof gh);
    ok = TRUE;
    break;
  }
  default:
    break;
  }
  sodium_memzero (shared, sizeof shared);
  return ok;
}

/**
 * sd_onion_key_client:
 * @cipher: the layer cipher
 * @client_sk: the ephemeral X25519 secret key of this layer
 * @client_pk: the matching public key (sent as `ephemeral_key`)
 * @node_pk: the node's X25519 public key
 * @key: (out caller-allocates): the symmetric layer key
 *
 * Returns: %FALSE if the shared secret is degenerate (a low-order @node_pk)
 */
gboolean
sd_onion_key_client (SdOnionCipher cipher,
                     const guint8 client_sk[32],
                     const guint8 client_pk[32],
                     const guint8 node_pk[32],
                     guint8 key[SD_ONION_KEY_LEN])
{
  g_return_val_if_fail (client_sk != NULL, FALSE);
  g_return_val_if_fail (client_pk != NULL, FALSE);
  g_return_val_if_fail (node_pk != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return derive_key (cipher, client_sk, node_pk, client_pk, node_pk, key);
}

/**
 * sd_onion_key_node:
 * @cipher: the layer cipher
 * @node_sk: the node's X25519 secret key
 * @node_pk: the node's X25519 public key
 * @client_pk: the layer's `ephemeral_key`
 * @key: (out caller-allocates): the symmetric layer key
 *
 * Returns: %FALSE if the shared secret is degenerate (a low-order @client_pk)
 */
gboolean
sd_onion_key_node (SdOnionCipher cipher,
                   const guint8 node_sk[32],
                   const guint8 node_pk[32],
                   const guint8 client_pk[32],
                   guint8 key[SD_ONION_KEY_LEN])
{
  g_return_val_if_fail (node_sk != NULL, FALSE);
  g_return_val_if_fail (node_pk != NULL, FALSE);
  g_return_val_if_fail (client_pk != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return derive_key (cipher, node_sk, client_pk, client_pk, node_pk, key);
}

/**
 * sd_onion_encrypt:
 * @cipher: the layer cipher
 * @key: the layer key
 * @plain: (array length=len): the plaintext
 * @len: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full): nonce || ciphertext || tag, or %NULL
 */
GBytes *
sd_onion_encrypt (SdOnionCipher cipher,
                  const guint8 key[SD_ONION_KEY_LEN],
                  const guint8 *plain,
                  gsize len,
                  GError **error)
{
  gsize nonce_len, tag_len, max_len;
  g_autofree guint8 *out = NULL;
  unsigned long long ct_len = 0;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (plain != NULL || len == 0, NULL);

  if (!check_ready (cipher, error))
    return NULL;

  if (cipher == SD_ONION_CIPHER_AES_GCM) {
    nonce_len = GCM_NONCE_LEN;
    tag_len = GCM_TAG_LEN;
    max_len = crypto_aead_aes256gcm_messagebytes_max ();
  } else {
    nonce_len = XC_NONCE_LEN;
    tag_len = XC_TAG_LEN;
    max_len = crypto_aead_xchacha20poly1305_ietf_messagebytes_max ();
  }
  if (len > max_len || len > G_MAXSIZE - nonce_len - tag_len) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "onion layer of %" G_GSIZE_FORMAT " bytes is too large to encrypt", len);
    return NULL;
  }

  out = g_malloc (nonce_len + len + tag_len);
  randombytes_buf (out, nonce_len);
  /* sd-aes.c picks libsodium's AES-GCM or, without AES-NI, nettle's */
  if (cipher == SD_ONION_CIPHER_AES_GCM) {
    sd_aes256_gcm_encrypt (key, out, plain, len, out + nonce_len);
    ct_len = len + tag_len;
  } else {
    crypto_aead_xchacha20poly1305_ietf_encrypt (out + nonce_len, &ct_len, plain, len,
                                                NULL, 0, NULL, out, key);
  }
  g_assert (ct_len == len + tag_len);

  return g_bytes_new_take (g_steal_pointer (&out), nonce_len + len + tag_len);
}

/**
 * sd_onion_decrypt:
 * @cipher: the layer cipher
 * @key: the layer key
 * @data: (array length=len): nonce || ciphertext || tag
 * @len: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the plaintext, or %NULL with
 *   %SD_PROTOCOL_ERROR_TRUNCATED or %SD_PROTOCOL_ERROR_DECRYPT
 */
GBytes *
sd_onion_decrypt (SdOnionCipher cipher,
                  const guint8 key[SD_ONION_KEY_LEN],
                  const guint8 *data,
                  gsize len,
                  GError **error)
{
  gsize nonce_len, tag_len, plain_len;
  g_autofree guint8 *out = NULL;
  unsigned long long out_len = 0;
  int rc;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!check_ready (cipher, error))
    return NULL;

  nonce_len = cipher == SD_ONION_CIPHER_AES_GCM ? GCM_NONCE_LEN : XC_NONCE_LEN;
  tag_len = cipher == SD_ONION_CIPHER_AES_GCM ? GCM_TAG_LEN : XC_TAG_LEN;
  if (len < nonce_len + tag_len) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "%s ciphertext of %" G_GSIZE_FORMAT " bytes is shorter than "
                 "nonce and tag (%" G_GSIZE_FORMAT " bytes)",
                 sd_onion_cipher_to_string (cipher), len, nonce_len + tag_len);
    return NULL;
  }

  plain_len = len - nonce_len - tag_len;
  /* one spare byte so that an empty plaintext still gets a buffer */
  out = g_malloc (plain_len + 1);
  if (cipher == SD_ONION_CIPHER_AES_GCM) {
    rc = sd_aes256_gcm_decrypt (key, data, data + nonce_len, len - nonce_len, out) ? 0 : -1;
    out_len = plain_len;
  } else {
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt (out, &out_len, NULL,
                                                     data + nonce_len, len - nonce_len,
                                                     NULL, 0, data, key);
  }
  if (rc != 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                 "%s onion layer failed authentication (wrong key or corrupted data)",
                 sd_onion_cipher_to_string (cipher));
    return NULL;
  }
  g_assert (out_len == plain_len);

  return g_bytes_new_take (g_steal_pointer (&out), plain_len);
}

/**
 * sd_onion_cipher_overhead:
 * @cipher: the layer cipher
 * @nonce_len: (out) (optional): the nonce's length
 * @tag_len: (out) (optional): the tag's length
 */
void
sd_onion_cipher_overhead (SdOnionCipher cipher, gsize *nonce_len, gsize *tag_len)
{
  if (nonce_len != NULL)
    *nonce_len = cipher == SD_ONION_CIPHER_XCHACHA20 ? XC_NONCE_LEN : GCM_NONCE_LEN;
  if (tag_len != NULL)
    *tag_len = cipher == SD_ONION_CIPHER_XCHACHA20 ? XC_TAG_LEN : GCM_TAG_LEN;
}

/**
 * sd_onion_encrypt_in_place:
 * @cipher: the layer cipher
 * @key: the layer key
 * @buf: nonce room, @len bytes of plaintext, tag room
 * @len: the plaintext's length
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @buf holds nonce || ciphertext || tag (a random nonce)
 */
gboolean
sd_onion_encrypt_in_place (SdOnionCipher cipher,
                           const guint8 key[SD_ONION_KEY_LEN],
                           guint8 *buf,
                           gsize len,
                           GError **error)
{
  gsize nonce_len, tag_len, max_len;
  unsigned long long ct_len = 0;

  g_return_val_if_fail (key != NULL && buf != NULL, FALSE);

  if (!check_ready (cipher, error))
    return FALSE;
  sd_onion_cipher_overhead (cipher, &nonce_len, &tag_len);
  max_len = cipher == SD_ONION_CIPHER_AES_GCM ? crypto_aead_aes256gcm_messagebytes_max ()
                                              : crypto_aead_xchacha20poly1305_ietf_messagebytes_max ();
  if (len > max_len || len > G_MAXSIZE - nonce_len - tag_len) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "onion layer of %" G_GSIZE_FORMAT " bytes is too large to encrypt", len);
    return FALSE;
  }
  randombytes_buf (buf, nonce_len);
  /* both ciphers read each block before they write it, so the output may be the input */
  if (cipher == SD_ONION_CIPHER_AES_GCM) {
    sd_aes256_gcm_encrypt (key, buf, buf + nonce_len, len, buf + nonce_len);
    ct_len = len + tag_len;
  } else {
    crypto_aead_xchacha20poly1305_ietf_encrypt (buf + nonce_len, &ct_len, buf + nonce_len, len,
                                                NULL, 0, NULL, buf, key);
  }
  g_assert (ct_len == len + tag_len);
  return TRUE;
}

/**
 * sd_onion_decrypt_in_place:
 * @cipher: the layer cipher
 * @key: the layer key
 * @buf: (array length=len): nonce || ciphertext || tag
 * @len: its length
 * @plain_offset: (out): where the plaintext starts in @buf
 * @plain_len: (out): its length
 * @error: return location for a #GError
 *
 * On failure @buf is left unusable (wiped where it was decrypted).
 *
 * Returns: %TRUE, or %FALSE with %SD_PROTOCOL_ERROR_TRUNCATED or %SD_PROTOCOL_ERROR_DECRYPT
 */
gboolean
sd_onion_decrypt_in_place (SdOnionCipher cipher,
                           const guint8 key[SD_ONION_KEY_LEN],
                           guint8 *buf,
                           gsize len,
                           gsize *plain_offset,
                           gsize *plain_len,
                           GError **error)
{
  gsize nonce_len, tag_len;
  unsigned long long out_len = 0;
  int rc;

  g_return_val_if_fail (key != NULL && plain_offset != NULL && plain_len != NULL, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  if (!check_ready (cipher, error))
    return FALSE;
  sd_onion_cipher_overhead (cipher, &nonce_len, &tag_len);
  if (len < nonce_len + tag_len) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "%s ciphertext of %" G_GSIZE_FORMAT " bytes is shorter than "
                 "nonce and tag (%" G_GSIZE_FORMAT " bytes)",
                 sd_onion_cipher_to_string (cipher), len, nonce_len + tag_len);
    return FALSE;
  }
  if (cipher == SD_ONION_CIPHER_AES_GCM) {
    rc = sd_aes256_gcm_decrypt (key, buf, buf + nonce_len, len - nonce_len, buf + nonce_len)
           ? 0 : -1;
    out_len = len - nonce_len - tag_len;
  } else {
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt (buf + nonce_len, &out_len, NULL,
                                                     buf + nonce_len, len - nonce_len,
                                                     NULL, 0, buf, key);
  }
  if (rc != 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                 "%s onion layer failed authentication (wrong key or corrupted data)",
                 sd_onion_cipher_to_string (cipher));
    return FALSE;
  }
  g_assert (out_len == len - nonce_len - tag_len);
  *plain_offset = nonce_len;
  *plain_len = (gsize) out_len;
  return TRUE;
}
