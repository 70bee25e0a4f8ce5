/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-blinding.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"
#include "sd-xed25519.h"

void
sd_blind15_factor (const guint8 server_pk[32], guint8 k[32])
{
  guint8 hash[64];

  sd_sodium_init ();
  crypto_generichash (hash, sizeof hash, server_pk, 32, NULL, 0);
  crypto_core_ed25519_scalar_reduce (k, hash);
  sodium_memzero (hash, sizeof hash);
}

gboolean
sd_blind15_pk_from_ed25519 (const guint8 ed25519_pk[32],
                            const guint8 server_pk[32],
                            guint8 blinded_pk[32])
{
  guint8 k[32];

  sd_blind15_factor (server_pk, k);
  return crypto_scalarmult_ed25519_noclamp (blinded_pk, k, ed25519_pk) == 0;
}

gboolean
sd_blind15_candidates (const guint8 x25519_pk[32],
                       const guint8 server_pk[32],
                       guint8 candidates[2][32])
{
  guint8 ed[32];

  if (!sd_x25519_pk_to_ed25519 (x25519_pk, ed))
    return FALSE;
  if (!sd_blind15_pk_from_ed25519 (ed, server_pk, candidates[0]))
    return FALSE;
  /* k·(−A) = −(k·A): the same y, the other sign of x */
  memcpy (candidates[1], candidates[0], 32);
  candidates[1][31] ^= 0x80;
  return TRUE;
}

gboolean
sd_blind15_key_pair (const guint8 ed25519_sk[64],
                     const guint8 server_pk[32],
                     SdBlindedKeyPair *out)
{
  guint8 a[32], k[32];
  gboolean ok;

  sd_blind15_factor (server_pk, k);
  /* the clamped half of SHA-512(seed): the scalar behind our Ed25519 key */
  crypto_sign_ed25519_sk_to_curve25519 (a, ed25519_sk);
  crypto_core_ed25519_scalar_mul (out->scalar, k, a);
  ok = crypto_scalarmult_ed25519_base_noclamp (out->pk, out->scalar) == 0;
  sodium_memzero (a, sizeof a);
  if (!ok)
    sodium_memzero (out, sizeof *out);
  return ok;
}

static void
hash_reduce3 (guint8 out[32],
              const guint8 *a, gsize a_len,
              const guint8 b[32],
              const guint8 *msg, gsize msg_len)
{
  crypto_hash_sha512_state st;
  guint8 h[64];

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, a, a_len);
  crypto_hash_sha512_update (&st, b, 32);
  crypto_hash_sha512_update (&st, msg, msg_len);
  crypto_hash_sha512_final (&st, h);
  crypto_core_ed25519_scalar_reduce (out, h);
  sodium_memzero (h, sizeof h);
}

void
sd_blind15_sign (const guint8 ed25519_sk[64],
                 const guint8 server_pk[32],
                 const guint8 *msg,
                 gsize msg_len,
                 guint8 sig[64])
{
  SdBlindedKeyPair kp;
  guint8 seed_hash[64], r[32], hram[32], t[32];

  if (!sd_blind15_key_pair (ed25519_sk, server_pk, &kp)) {
    /* a server key whose factor is 0 mod L: nothing verifies, sign nothing */
    memset (sig, 0, 64);
    return;
  }
  crypto_hash_sha512 (seed_hash, ed25519_sk, 32);
  /* deterministic nonce from the seed's second half, as Ed25519 does */
  hash_reduce3 (r, seed_hash + 32, 32, kp.pk, msg, msg_len);
  if (crypto_scalarmult_ed25519_base_noclamp (sig, r) != 0)
    g_assert_not_reached (); /* r = 0 mod L has probability 2^-252 */
  hash_reduce3 (hram, sig, 32, kp.pk, msg, msg_len);
  crypto_core_ed25519_scalar_mul (t, hram, kp.scalar);
  crypto_core_ed25519_scalar_add (sig + 32, r, t);

  sodium_memzero (seed_hash, sizeof seed_hash);
  sodium_memzero (r, sizeof r);
  sodium_memzero (t, sizeof t);
  sodium_memzero (&kp, sizeof kp);
}

gboolean
sd_blind25_pk_from_x25519 (const guint8 x25519_pk[32],
                           const guint8 server_pk[32],
                           guint8 blinded_pk[32])
{
  crypto_generichash_state st;
  guint8 prefix = 0x05, hash[64], k[32], abs_a[32];

  if (!sd_x25519_pk_to_ed25519 (x25519_pk, abs_a))
    return FALSE;
  crypto_generichash_init (&st, NULL, 0, sizeof hash);
  crypto_generichash_update (&st, &prefix, 1);
  crypto_generichash_update (&st, x25519_pk, 32);
  crypto_generichash_update (&st, server_pk, 32);
  crypto_generichash_final (&st, hash, sizeof hash);
  crypto_core_ed25519_scalar_reduce (k, hash);
  return crypto_scalarmult_ed25519_noclamp (blinded_pk, k, abs_a) == 0;
}

void
sd_blinded_id_format (SdBlinding kind,
                      const guint8 blinded_pk[32],
                      gchar out[SD_BLINDED_ID_LEN + 1])
{
  sd_account_id_format (kind == SD_BLINDING_25 ? SD_BLINDING_25 : SD_BLINDING_15, blinded_pk,
                        out);
}

gboolean
sd_blinded_id_parse (const gchar *text,
                     SdBlinding *kind,
                     guint8 blinded_pk[32],
                     GError **error)
{
  guint8 id[33];
  g_autoptr(GError) local_error = NULL;

  if (text == NULL || strlen (text) != SD_BLINDED_ID_LEN ||
      !sd_hex_decode_exact (text, id, sizeof id, &local_error) ||
      (id[0] != SD_BLINDING_15 && id[0] != SD_BLINDING_25)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID,
                         "a blinded id is 15 or 25 followed by 64 hex digits");
    return FALSE;
  }
  if (kind != NULL)
    *kind = id[0];
  memcpy (blinded_pk, id + 1, 32);
  return TRUE;
}

gboolean
sd_blinded_id_matches (const gchar *blinded_id,
                       const gchar *session_id,
                       const guint8 server_pk[32])
{
  SdBlinding kind;
  guint8 claimed[32], x25519_pk[32], mine[2][32];

  if (!sd_blinded_id_parse (blinded_id, &kind, claimed, NULL) ||
      !sd_session_id_parse (session_id, x25519_pk, NULL))
    return FALSE;
  if (kind == SD_BLINDING_25)
    return sd_blind25_pk_from_x25519 (x25519_pk, server_pk, mine[0]) &&
           sodium_memcmp (mine[0], claimed, 32) == 0;
  if (!sd_blind15_candidates (x25519_pk, server_pk, mine))
    return FALSE;
  return sodium_memcmp (mine[0], claimed, 32) == 0 || sodium_memcmp (mine[1], claimed, 32) == 0;
}

gboolean
sd_blind15_pk_matches_ed25519 (const guint8 blinded_pk[32],
                               const guint8 ed25519_pk[32],
                               const guint8 server_pk[32])
{
  guint8 mine[32];

  if (!sd_blind15_pk_from_ed25519 (ed25519_pk, server_pk, mine))
    return FALSE;
  if (sodium_memcmp (mine, blinded_pk, 32) == 0)
    return TRUE;
  mine[31] ^= 0x80;
  return sodium_memcmp (mine, blinded_pk, 32) == 0;
}
