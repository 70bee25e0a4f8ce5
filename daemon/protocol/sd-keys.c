/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-keys.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

void
sd_identity_from_seed (SdIdentity *identity, const guint8 seed[SD_SEED_LEN])
{
  G_GNUC_UNUSED int converted;

  g_return_if_fail (identity != NULL);
  sd_sodium_init ();

  crypto_sign_ed25519_seed_keypair (identity->ed25519_pk, identity->ed25519_sk, seed);
  /* cannot fail for a public key that libsodium just derived; the call stays outside
   * g_assert, which G_DISABLE_ASSERT compiles out */
  converted = crypto_sign_ed25519_pk_to_curve25519 (identity->x25519_pk, identity->ed25519_pk);
  g_assert (converted == 0);
  crypto_sign_ed25519_sk_to_curve25519 (identity->x25519_sk, identity->ed25519_sk);
  sd_session_id_format (identity->x25519_pk, identity->session_id);
}

void
sd_identity_from_entropy (SdIdentity *identity, const guint8 entropy[SD_ENTROPY_LEN])
{
  guint8 seed[SD_SEED_LEN] = { 0 };

  memcpy (seed, entropy, SD_ENTROPY_LEN);
  sd_identity_from_seed (identity, seed);
  sodium_memzero (seed, sizeof seed);
}

void
sd_identity_clear (SdIdentity *identity)
{
  if (identity != NULL)
    sodium_memzero (identity, sizeof *identity);
}

void
sd_account_id_format (guint8 prefix, const guint8 key[32], gchar out[SD_SESSION_ID_LEN + 1])
{
  sodium_bin2hex (out, 3, &prefix, 1);
  sodium_bin2hex (out + 2, SD_SESSION_ID_LEN - 1, key, 32);
}

void
sd_session_id_format (const guint8 x25519_pk[32], gchar out[SD_SESSION_ID_LEN + 1])
{
  sd_account_id_format (0x05, x25519_pk, out);
}

gboolean
sd_account_id_parse (const gchar *text, guint8 account_id[33], GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (text == NULL || strlen (text) != SD_SESSION_ID_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                 "an account id has %d hex digits, this has %" G_GSIZE_FORMAT,
                 SD_SESSION_ID_LEN, text != NULL ? strlen (text) : 0);
    return FALSE;
  }
  if (!sd_hex_decode_exact (text, account_id, 33, &local_error)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                 "invalid account id: %s", local_error->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_account_id_parse_with_prefix (const gchar *text, guint8 prefix, guint8 account_id[33],
                                 GError **error)
{
  if (!sd_account_id_parse (text, account_id, error))
    return FALSE;
  if (account_id[0] != prefix) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                 "expected an id starting with %02x, this starts with %02x",
                 prefix, account_id[0]);
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_session_id_parse (const gchar *text, guint8 x25519_pk[32], GError **error)
{
  guint8 account_id[33];

  if (!sd_account_id_parse_with_prefix (text, 0x05, account_id, error))
    return FALSE;
  memcpy (x25519_pk, account_id + 1, 32);
  return TRUE;
}

gboolean
sd_ed25519_pk_to_x25519 (const guint8 ed25519_pk[32], guint8 x25519_pk[32])
{
  sd_sodium_init ();
  return crypto_sign_ed25519_pk_to_curve25519 (x25519_pk, ed25519_pk) == 0;
}
