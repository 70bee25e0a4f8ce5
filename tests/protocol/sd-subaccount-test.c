/* SPDX-License-Identifier: GPL-3.0-or-later */
/* subaccount tokens: libsession's swarm authentication vector
 * (tests/test_group_keys.cpp), XEd25519 against real keys, a grant made by
 * an admin and checked and used by the member, bit flips refused */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-protocol-error.h"
#include "sd-subaccount.h"
#include "sd-xed25519.h"
#include "sd-test-util.h"

#define GROUP_SEED "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
#define MEMBER_SEED "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MEMBER_ID "05c5ba413c336f2fe1fb9a2c525f8a86a412a1db128a7841b4e0e217fa9eb7fd5e"

static void
setup (SdGroupIdentity *admin, SdGroupIdentity *member_view, SdIdentity *member)
{
  guint8 seed[32];

  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_from_seed (admin, seed, NULL));
  g_assert_true (sd_group_identity_from_id (member_view, admin->id, NULL));
  sd_test_hex_into (MEMBER_SEED, seed, 32);
  sd_identity_from_seed (member, seed);
  g_assert_cmpstr (member->session_id, ==, MEMBER_ID);
}

static void
assert_b64 (const guint8 *data, gsize len, const gchar *expected)
{
  g_autofree gchar *b64 = sd_base64_encode (data, len, TRUE);

  g_assert_cmpstr (b64, ==, expected);
}

static void
test_vector (void)
{
  SdGroupIdentity admin, view;
  SdIdentity member;
  guint8 value[SD_SUBACCOUNT_VALUE_LEN], token[SD_SUBACCOUNT_TOKEN_LEN];
  SdSubaccountAuth auth;
  g_autoptr(GError) error = NULL;
  const gchar *msg = "retrieve9991693340111000";

  setup (&admin, &view, &member);
  g_assert_true (sd_subaccount_make (&admin, MEMBER_ID, TRUE, FALSE, value, &error));
  g_assert_no_error (error);
  g_assert_true (sd_subaccount_verify (&view, &member, value, FALSE, FALSE));
  g_assert_true (sd_subaccount_verify (&view, &member, value, TRUE, FALSE));
  /* no delete permission was granted */
  g_assert_false (sd_subaccount_verify (&view, &member, value, TRUE, TRUE));

  g_assert_true (sd_subaccount_sign (&member, value, (const guint8 *) msg, strlen (msg), &auth,
                                     &error));
  g_assert_no_error (error);
  assert_b64 (auth.token, sizeof auth.token, "AwMAAIWvMR2nJXCFnK5+hNahNecWqMC39/TVVLjaR3imNug5");
  assert_b64 (auth.token_signature, 64,
              "6brvv/2jfciBAJeRKMGSepNJLullyrVVHijyVDE+8GC5Oc89UNxjNrq1kVV1P+pkUIRDOew24gSLFgLZfdl+BQ==");
  assert_b64 (auth.signature, 64,
              "c3PJ4g29v5RivKm8Tdg49vGU2/6kVd0yONnpz5U5zePMYptqW3iYQ0TYf2rEzv3qqkPhS5p67M5GAccHoBHGDQ==");
  /* what the storage server checks: the request with the token's key, the
   * token with the group's */
  g_assert_cmpint (crypto_sign_ed25519_verify_detached (auth.signature, (const guint8 *) msg,
                                                        strlen (msg), auth.token + 4), ==, 0);
  g_assert_cmpint (crypto_sign_ed25519_verify_detached (auth.token_signature, auth.token, 36,
                                                        admin.ed25519_pk), ==, 0);
  /* the admin computes the same token from the Session ID alone */
  g_assert_true (sd_subaccount_token (&admin, MEMBER_ID, TRUE, FALSE, token, &error));
  g_assert_cmpmem (token, 36, auth.token, 36);

  /* the request fields as sent */
  {
    g_autofree gchar *t = NULL;
    g_autofree gchar *ts = NULL;
    g_autofree gchar *sg = NULL;

    sd_subaccount_auth_to_base64 (&auth, &t, &ts, &sg);
    g_assert_cmpstr (t, ==, "AwMAAIWvMR2nJXCFnK5+hNahNecWqMC39/TVVLjaR3imNug5");
    g_assert_cmpstr (sg, ==,
                     "c3PJ4g29v5RivKm8Tdg49vGU2/6kVd0yONnpz5U5zePMYptqW3iYQ0TYf2rEzv3qqkPhS5p67M5GAccHoBHGDQ==");
    g_assert_cmpuint (strlen (ts), ==, 88);
  }
  /* what revoking it signs: the text, then the raw token */
  {
    g_autoptr(GBytes) r = sd_subaccount_revoke_signed_bytes (FALSE, 1700000000123,
                                                              (const guint8 (*)[36]) token, 1);
    g_autoptr(GBytes) u = sd_subaccount_revoke_signed_bytes (TRUE, 5,
                                                              (const guint8 (*)[36]) token, 1);
    gsize len;
    const guint8 *d = g_bytes_get_data (r, &len);

    g_assert_cmpuint (len, ==, strlen ("revoke_subaccount1700000000123") + 36);
    g_assert_cmpmem (d, len - 36, "revoke_subaccount1700000000123", len - 36);
    g_assert_cmpmem (d + len - 36, 36, token, 36);
    d = g_bytes_get_data (u, &len);
    g_assert_cmpmem (d, len - 36, "unrevoke_subaccount5", len - 36);
    g_assert_null (sd_subaccount_revoke_signed_bytes (FALSE, 1, (const guint8 (*)[36]) token, 0));
    g_assert_null (sd_subaccount_revoke_signed_bytes (FALSE, 1, (const guint8 (*)[36]) token, 51));
  }

  /* every flipped bit is refused, except the sign bit of k (lost anyway
   * when going from X25519 to Ed25519) */
  for (guint i = 0; i < SD_SUBACCOUNT_VALUE_LEN; i++)
    for (guint b = 0; b < 8; b++) {
      guint8 bad[SD_SUBACCOUNT_VALUE_LEN];

      if (i == 35 && b == 7)
        continue;
      memcpy (bad, value, sizeof bad);
      bad[i] ^= (guint8) (1u << b);
      g_assert_false (sd_subaccount_verify (&view, &member, bad, FALSE, FALSE));
    }

  /* members cannot grant */
  g_assert_false (sd_subaccount_make (&view, MEMBER_ID, TRUE, FALSE, value, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (sd_subaccount_make (&admin, admin.id, TRUE, FALSE, value, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  sd_group_identity_clear (&admin);
}

/* XEd25519 gives back the Ed25519 key (sign bit cleared) of real accounts,
 * and grants work for keys of either sign */
static void
test_xed25519 (void)
{
  SdGroupIdentity admin, view;
  SdIdentity member;
  guint negatives = 0;

  setup (&admin, &view, &member);
  for (guint i = 0; i < 64; i++) {
    SdIdentity id;
    guint8 seed[32], ed[32], expect[32];
    guint8 value[SD_SUBACCOUNT_VALUE_LEN];
    SdSubaccountAuth auth;

    memset (seed, 0, sizeof seed);
    seed[0] = (guint8) i;
    seed[5] = 0x5a;
    sd_identity_from_seed (&id, seed);
    g_assert_true (sd_x25519_pk_to_ed25519 (id.x25519_pk, ed));
    memcpy (expect, id.ed25519_pk, 32);
    negatives += (expect[31] & 0x80) != 0;
    expect[31] &= 0x7f;
    g_assert_cmpmem (ed, 32, expect, 32);

    g_assert_true (sd_subaccount_make (&admin, id.session_id, TRUE, TRUE, value, NULL));
    g_assert_true (sd_subaccount_verify (&view, &id, value, TRUE, TRUE));
    g_assert_true (sd_subaccount_sign (&id, value, (const guint8 *) "store111", 8, &auth, NULL));
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (auth.signature,
                                                          (const guint8 *) "store111", 8,
                                                          auth.token + 4), ==, 0);
    /* another member's grant does not verify for us */
    g_assert_false (sd_subaccount_verify (&view, &member, value, FALSE, FALSE));
  }
  /* both signs were exercised */
  g_assert_cmpuint (negatives, >, 0);
  g_assert_cmpuint (negatives, <, 64);
  sd_group_identity_clear (&admin);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/subaccount/vector", test_vector);
  g_test_add_func ("/subaccount/xed25519", test_xed25519);
  return g_test_run ();
}
