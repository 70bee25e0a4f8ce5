/* SPDX-License-Identifier: GPL-3.0-or-later */
/* subaccount tokens: the derivations are libsession's (Keys::
 * swarm_make_subaccount, swarm_subaccount_sign, swarm_verify_subaccount),
 * the code is ours:
 *
 *   k = BLAKE2b-64(05 ‖ X ‖ 03 ‖ group pk) mod L, keyed with
 *       BLAKE2b-32(group seed, key "SessionGroupSubaccountMask")
 *   request signature: EdDSA with public key kT and private scalar kt
 *       (t = ±the member's scalar, matching the cleared sign bit), nonce
 *       r = BLAKE2b-64(H32(seed, "SubaccountSeed") ‖ kT ‖ M, key
 *       "SubaccountSig") mod L */
#define G_LOG_DOMAIN "SdSubaccount"

#include "config.h"

#include "sd-subaccount.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"
#include "sd-xed25519.h"

/* ---- tokens ---- */

static guint8
flags_of (gboolean write, gboolean del)
{
  return SD_SUBACCOUNT_FLAG_READ | (write ? SD_SUBACCOUNT_FLAG_WRITE : 0) |
         (del ? SD_SUBACCOUNT_FLAG_DELETE : 0);
}

static gboolean
require_admin (const SdGroupIdentity *group, GError **error)
{
  if (group->is_admin)
    return TRUE;
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                       "only an admin (holding the group seed) can grant subaccounts");
  return FALSE;
}

/* k for the member with X25519 key @x_pk */
static void
blind_factor (const SdGroupIdentity *group, const guint8 x_pk[32], guint8 k[32])
{
  guint8 mask[32], h[64];
  crypto_generichash_state st;

  sd_sodium_init ();
  crypto_generichash (mask, sizeof mask, group->ed25519_sk, 32,
                      (const guint8 *) "SessionGroupSubaccountMask", 26);
  crypto_generichash_init (&st, mask, sizeof mask, sizeof h);
  crypto_generichash_update (&st, (const guint8 *) "\x05", 1);
  crypto_generichash_update (&st, x_pk, 32);
  crypto_generichash_update (&st, (const guint8 *) "\x03", 1);
  crypto_generichash_update (&st, group->ed25519_pk, 32);
  crypto_generichash_final (&st, h, sizeof h);
  crypto_core_ed25519_scalar_reduce (k, h);
  sodium_memzero (mask, sizeof mask);
}

/* k and kT for @session_id */
static gboolean
blinded_member (const SdGroupIdentity *group, const gchar *session_id, guint8 k[32],
                guint8 kT[32], GError **error)
{
  guint8 x_pk[32], T[32];

  sd_sodium_init ();
  if (!sd_session_id_parse (session_id, x_pk, error))
    return FALSE;
  blind_factor (group, x_pk, k);
  if (!sd_x25519_pk_to_ed25519 (x_pk, T) || crypto_scalarmult_ed25519_noclamp (kT, k, T) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                         "Session ID is not a usable key");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_subaccount_make (const SdGroupIdentity *group, const gchar *session_id, gboolean write,
                    gboolean del, guint8 value[SD_SUBACCOUNT_VALUE_LEN], GError **error)
{
  guint8 k[32], signed_part[SD_SUBACCOUNT_TOKEN_LEN];

  g_return_val_if_fail (group != NULL && session_id != NULL && value != NULL, FALSE);

  sd_sodium_init ();
  if (!require_admin (group, error) || !blinded_member (group, session_id, k, signed_part + 4, error))
    return FALSE;
  signed_part[0] = 0x03;
  signed_part[1] = flags_of (write, del);
  signed_part[2] = signed_part[3] = 0;
  /* the member gets k (it makes kT itself) and our signature of the token */
  memcpy (value, signed_part, 4);
  memcpy (value + 4, k, 32);
  crypto_sign_ed25519_detached (value + 36, NULL, signed_part, sizeof signed_part,
                                group->ed25519_sk);
  sodium_memzero (k, sizeof k);
  return TRUE;
}

gboolean
sd_subaccount_token (const SdGroupIdentity *group, const gchar *session_id, gboolean write,
                     gboolean del, guint8 token[SD_SUBACCOUNT_TOKEN_LEN], GError **error)
{
  guint8 k[32];

  g_return_val_if_fail (group != NULL && session_id != NULL && token != NULL, FALSE);

  if (!require_admin (group, error) || !blinded_member (group, session_id, k, token + 4, error))
    return FALSE;
  token[0] = 0x03;
  token[1] = flags_of (write, del);
  token[2] = token[3] = 0;
  sodium_memzero (k, sizeof k);
  return TRUE;
}

/* our T = |S| and whether S had the sign bit */
static gboolean
own_T (const SdIdentity *user, guint8 T[32])
{
  gboolean negative = (user->ed25519_pk[31] & 0x80) != 0;

  memcpy (T, user->ed25519_pk, 32);
  T[31] &= 0x7f;
  return negative;
}

gboolean
sd_subaccount_verify (const SdGroupIdentity *group, const SdIdentity *user,
                      const guint8 value[SD_SUBACCOUNT_VALUE_LEN], gboolean write, gboolean del)
{
  guint8 T[32], signed_part[SD_SUBACCOUNT_TOKEN_LEN];
  guint8 flags;

  g_return_val_if_fail (group != NULL && user != NULL && value != NULL, FALSE);

  sd_sodium_init ();
  flags = value[1];
  if (value[0] != 0x03 && !(flags & SD_SUBACCOUNT_FLAG_ANY_PREFIX))
    return FALSE;
  if (!(flags & SD_SUBACCOUNT_FLAG_READ) || (write && !(flags & SD_SUBACCOUNT_FLAG_WRITE)) ||
      (del && !(flags & SD_SUBACCOUNT_FLAG_DELETE)))
    return FALSE;
  own_T (user, T);
  memcpy (signed_part, value, 4);
  if (crypto_scalarmult_ed25519_noclamp (signed_part + 4, value + 4, T) != 0)
    return FALSE;
  return crypto_sign_ed25519_verify_detached (value + 36, signed_part, sizeof signed_part,
                                              group->ed25519_pk) == 0;
}

gboolean
sd_subaccount_sign (const SdIdentity *user, const guint8 value[SD_SUBACCOUNT_VALUE_LEN],
                    const guint8 *message, gsize len, SdSubaccountAuth *out, GError **error)
{
  guint8 T[32], s[32], s_neg[32], kt[32], hseed[32], h64[64], r[32], hram[64];
  const guint8 *k = value + 4;
  const guint8 *kT = out->token + 4;
  crypto_generichash_state st;
  crypto_hash_sha512_state sha;
  gboolean negative;

  g_return_val_if_fail (user != NULL && value != NULL && out != NULL, FALSE);
  g_return_val_if_fail (message != NULL || len == 0, FALSE);

  sd_sodium_init ();
  negative = own_T (user, T);
  memcpy (out->token, value, 4);
  if (crypto_scalarmult_ed25519_noclamp (out->token + 4, k, T) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "subaccount blinding factor is not usable");
    return FALSE;
  }
  memcpy (out->token_signature, value + 36, 64);

  /* our scalar, negated when T is the negation of our real key */
  crypto_sign_ed25519_sk_to_curve25519 (s, user->ed25519_sk);
  crypto_core_ed25519_scalar_negate (s_neg, s);
  if (negative)
    memcpy (s, s_neg, 32);
  crypto_core_ed25519_scalar_mul (kt, k, s);

  crypto_generichash (hseed, sizeof hseed, user->ed25519_sk, 32,
                      (const guint8 *) "SubaccountSeed", 14);
  crypto_generichash_init (&st, (const guint8 *) "SubaccountSig", 13, sizeof h64);
  crypto_generichash_update (&st, hseed, sizeof hseed);
  crypto_generichash_update (&st, kT, 32);
  crypto_generichash_update (&st, message, len);
  crypto_generichash_final (&st, h64, sizeof h64);
  crypto_core_ed25519_scalar_reduce (r, h64);

  /* R = rB; S = r + H(R ‖ kT ‖ M) kt */
  crypto_scalarmult_ed25519_base_noclamp (out->signature, r);
  crypto_hash_sha512_init (&sha);
  crypto_hash_sha512_update (&sha, out->signature, 32);
  crypto_hash_sha512_update (&sha, kT, 32);
  crypto_hash_sha512_update (&sha, message, len);
  crypto_hash_sha512_final (&sha, hram);
  crypto_core_ed25519_scalar_reduce (out->signature + 32, hram);
  crypto_core_ed25519_scalar_mul (out->signature + 32, out->signature + 32, kt);
  crypto_core_ed25519_scalar_add (out->signature + 32, out->signature + 32, r);

  sodium_memzero (s, sizeof s);
  sodium_memzero (s_neg, sizeof s_neg);
  sodium_memzero (kt, sizeof kt);
  sodium_memzero (hseed, sizeof hseed);
  sodium_memzero (h64, sizeof h64);
  sodium_memzero (r, sizeof r);
  return TRUE;
}

void
sd_subaccount_auth_to_base64 (const SdSubaccountAuth *auth, gchar **subaccount,
                              gchar **subaccount_sig, gchar **signature)
{
  g_return_if_fail (auth != NULL);

  if (subaccount != NULL)
    *subaccount = sd_base64_encode (auth->token, sizeof auth->token, TRUE);
  if (subaccount_sig != NULL)
    *subaccount_sig = sd_base64_encode (auth->token_signature, 64, TRUE);
  if (signature != NULL)
    *signature = sd_base64_encode (auth->signature, 64, TRUE);
}

GBytes *
sd_subaccount_revoke_signed_bytes (gboolean unrevoke, guint64 timestamp_ms,
                                   const guint8 (*tokens)[SD_SUBACCOUNT_TOKEN_LEN],
                                   guint n_tokens)
{
  g_autofree gchar *head = NULL;
  GByteArray *out;

  g_return_val_if_fail (tokens != NULL || n_tokens == 0, NULL);

  if (n_tokens == 0 || n_tokens > SD_SUBACCOUNT_MAX_REVOKE)
    return NULL;
  head = g_strdup_printf ("%s%" G_GUINT64_FORMAT,
                          unrevoke ? "unrevoke_subaccount" : "revoke_subaccount", timestamp_ms);
  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) head, (guint) strlen (head));
  for (guint i = 0; i < n_tokens; i++)
    g_byte_array_append (out, tokens[i], SD_SUBACCOUNT_TOKEN_LEN);
  return g_byte_array_free_to_bytes (out);
}
