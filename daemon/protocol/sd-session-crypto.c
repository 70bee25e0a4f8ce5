/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-session-crypto.h"

#include <sodium.h>
#include <string.h>

#include "sd-protocol-error.h"
#include "sd-sender-key.h"
#include "sd-sodium.h"

#define EPHEMERAL_HASH_KEY "SessionBoxEphemeralHashKey"

/* inner = M || A || SIG, where SIG signs M || A || Y */
static guint8 *
build_inner (const SdIdentity *sender,
             const guint8 recipient_x25519[32],
             const guint8 *message,
             gsize len,
             gsize *inner_len)
{
  gsize total = len + 32 + crypto_sign_BYTES;
  guint8 *inner = g_malloc (total + 32);
  guint8 sig[crypto_sign_BYTES];

  /* sign over M || A || Y, built in place; Y is then replaced by SIG */
  if (len > 0)
    memcpy (inner, message, len);
  memcpy (inner + len, sender->ed25519_pk, 32);
  memcpy (inner + len + 32, recipient_x25519, 32);
  crypto_sign_ed25519_detached (sig, NULL, inner, len + 64, sender->ed25519_sk);
  memcpy (inner + len + 32, sig, sizeof sig);
  *inner_len = total;
  return inner;
}

GBytes *
sd_session_encrypt (const SdIdentity *sender,
                    const guint8 recipient_x25519[32],
                    const guint8 *message,
                    gsize len)
{
  gsize inner_len = 0;
  g_autofree guint8 *inner = NULL;
  guint8 *out;

  g_return_val_if_fail (sender != NULL, NULL);
  sd_sodium_init ();

  inner = build_inner (sender, recipient_x25519, message, len, &inner_len);
  out = g_malloc (inner_len + crypto_box_SEALBYTES);
  if (crypto_box_seal (out, inner, inner_len, recipient_x25519) != 0) {
    /* only a degenerate recipient key makes the seal fail */
    g_free (out);
    sodium_memzero (inner, inner_len);
    return NULL;
  }
  sodium_memzero (inner, inner_len);
  return g_bytes_new_take (out, inner_len + crypto_box_SEALBYTES);
}

GBytes *
sd_session_encrypt_deterministic (const SdIdentity *sender,
                                  const guint8 recipient_x25519[32],
                                  const guint8 *message,
                                  gsize len)
{
  gsize inner_len = 0;
  g_autofree guint8 *inner = NULL;
  guint8 eph_seed[32], eph_pk[32], eph_sk[32], nonce[crypto_box_NONCEBYTES];
  crypto_generichash_state state;
  guint8 *out;

  g_return_val_if_fail (sender != NULL, NULL);
  sd_sodium_init ();

  /* ephemeral seed = BLAKE2b-256 keyed, over (sender seed || Y || M) */
  crypto_generichash_init (&state, (const guint8 *) EPHEMERAL_HASH_KEY,
                           strlen (EPHEMERAL_HASH_KEY), sizeof eph_seed);
  crypto_generichash_update (&state, sender->ed25519_sk, 32);
  crypto_generichash_update (&state, recipient_x25519, 32);
  crypto_generichash_update (&state, message, len);
  crypto_generichash_final (&state, eph_seed, sizeof eph_seed);
  crypto_box_seed_keypair (eph_pk, eph_sk, eph_seed);

  /* the sealed-box nonce: BLAKE2b-192 (eph_pk || Y) */
  crypto_generichash_init (&state, NULL, 0, sizeof nonce);
  crypto_generichash_update (&state, eph_pk, 32);
  crypto_generichash_update (&state, recipient_x25519, 32);
  crypto_generichash_final (&state, nonce, sizeof nonce);

  inner = build_inner (sender, recipient_x25519, message, len, &inner_len);
  out = g_malloc (inner_len + crypto_box_SEALBYTES);
  memcpy (out, eph_pk, 32);
  if (crypto_box_easy (out + 32, inner, inner_len, nonce, recipient_x25519, eph_sk) != 0) {
    g_free (out);
    out = NULL;
  }
  sodium_memzero (inner, inner_len);
  sodium_memzero (eph_seed, sizeof eph_seed);
  sodium_memzero (eph_sk, sizeof eph_sk);
  if (out == NULL)
    return NULL;
  return g_bytes_new_take (out, inner_len + crypto_box_SEALBYTES);
}

GBytes *
sd_session_decrypt (const SdIdentity *recipient,
                    const guint8 *ciphertext,
                    gsize len,
                    guint8 sender_ed25519[32],
                    gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                    GError **error)
{
  gsize inner_len, msg_len;
  guint8 *inner;
  const guint8 *author, *sig;
  guint8 author_x25519[32];

  g_return_val_if_fail (recipient != NULL, NULL);
  sd_sodium_init ();

  if (len < SD_SESSION_CRYPTO_OVERHEAD) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                 "ciphertext of %" G_GSIZE_FORMAT " bytes is shorter than the %d-byte minimum",
                 len, SD_SESSION_CRYPTO_OVERHEAD);
    return NULL;
  }
  inner_len = len - crypto_box_SEALBYTES;
  /* 32 spare bytes so M || A || Y can be rebuilt in place for the check */
  inner = g_malloc (inner_len + 32);
  if (crypto_box_seal_open (inner, ciphertext, len, recipient->x25519_pk,
                            recipient->x25519_sk) != 0) {
    g_free (inner);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "message is not for this account or was altered");
    return NULL;
  }

  msg_len = inner_len - 32 - crypto_sign_BYTES;
  author = inner + msg_len;
  sig = inner + msg_len + 32;
  {
    guint8 sig_copy[crypto_sign_BYTES];

    memcpy (sig_copy, sig, sizeof sig_copy);
    memcpy (inner + msg_len + 32, recipient->x25519_pk, 32);
    if (crypto_sign_ed25519_verify_detached (sig_copy, inner, msg_len + 64, author) != 0) {
      g_free (inner);
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                           "the sender's signature does not verify");
      return NULL;
    }
  }
  if (!sd_sender_x25519 (author, author_x25519)) {
    g_free (inner);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "the sender's key is not a valid Ed25519 key");
    return NULL;
  }
  if (sender_ed25519 != NULL)
    memcpy (sender_ed25519, author, 32);
  if (sender_session_id != NULL)
    sd_session_id_format (author_x25519, sender_session_id);
  return g_bytes_new_take (inner, msg_len);
}
