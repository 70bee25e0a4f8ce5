/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a group's identity: its Ed25519 key, the "03" id made from it, and the
 * X25519 form the Keys copies are made with */
#define G_LOG_DOMAIN "SdGroupIdentity"

#include "config.h"

#include "sd-group-identity.h"

#include <sodium.h>
#include <string.h>

#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

static gboolean
finish (SdGroupIdentity *group, GError **error)
{
  sd_sodium_init ();
  if (crypto_sign_ed25519_pk_to_curve25519 (group->x25519_pk, group->ed25519_pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                         "group key is not a valid Ed25519 point");
    return FALSE;
  }
  sd_account_id_format (0x03, group->ed25519_pk, group->id);
  return TRUE;
}

gboolean
sd_group_identity_from_seed (SdGroupIdentity *group, const guint8 seed[32], GError **error)
{
  g_return_val_if_fail (group != NULL && seed != NULL, FALSE);

  sd_sodium_init ();
  memset (group, 0, sizeof *group);
  crypto_sign_seed_keypair (group->ed25519_pk, group->ed25519_sk, seed);
  group->is_admin = TRUE;
  if (!finish (group, error)) {
    sd_group_identity_clear (group);
    return FALSE;
  }
  return TRUE;
}

void
sd_group_identity_generate (SdGroupIdentity *group)
{
  guint8 seed[32];
  gboolean ok;

  g_return_if_fail (group != NULL);

  sd_sodium_init ();
  randombytes_buf (seed, sizeof seed);
  ok = sd_group_identity_from_seed (group, seed, NULL);
  sodium_memzero (seed, sizeof seed);
  /* a key libsodium made is always a valid point */
  g_assert (ok);
}

gboolean
sd_group_identity_from_id (SdGroupIdentity *group, const gchar *id, GError **error)
{
  guint8 account[33];

  g_return_val_if_fail (group != NULL && id != NULL, FALSE);

  memset (group, 0, sizeof *group);
  if (!sd_account_id_parse_with_prefix (id, 0x03, account, error))
    return FALSE;
  memcpy (group->ed25519_pk, account + 1, 32);
  return finish (group, error);
}

gboolean
sd_group_identity_seed_matches (const SdGroupIdentity *group, const guint8 seed[32])
{
  guint8 pk[32], sk[64];
  gboolean ok;

  g_return_val_if_fail (group != NULL && seed != NULL, FALSE);

  sd_sodium_init ();
  crypto_sign_seed_keypair (pk, sk, seed);
  ok = sodium_memcmp (pk, group->ed25519_pk, 32) == 0;
  sodium_memzero (sk, sizeof sk);
  return ok;
}

void
sd_group_identity_clear (SdGroupIdentity *group)
{
  if (group != NULL)
    sodium_memzero (group->ed25519_sk, sizeof group->ed25519_sk);
}
