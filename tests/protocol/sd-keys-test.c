/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* protocol-identity-and-messages.md §9.1 and §9.3 */
static const struct {
  const gchar *seed;
  const gchar *ed25519_pk;
  const gchar *session_id;
} key_vectors[] = {
  { "0123456789abcdef0123456789abcdef00000000000000000000000000000000",
    "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7",
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72" },
  { "00112233445566778899aabbccddeeff00000000000000000000000000000000",
    "5ea34e72bb044654a6a23675690ef5ffaaf1656b02f93fb76655f9cbdbe89876",
    "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74" },
  { "000102030405060708090a0b0c0d0e0f00000000000000000000000000000000",
    "65adc5bfb14b5363f1b50e63a431f6fe08ff5d4e8d362c1e3d4c56c9d044bfb0",
    "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a" },
  { "39038c8988db02c1af44e8c847bd971300000000000000000000000000000000",
    "f661a69453ef81a3b75bfcf954eb1f439d4d74edcab0e72a5c435ee418a907be",
    "054830367d369d94605247999a375dbd0a0f65fdec5de1535612bcb6d4de452c69" },
  { "8c0d6b3ad3d2d5c7c252d3816ba7f26700000000000000000000000000000000",
    "62267776b50f7a12376fb91647c296d8b9cd0b24743ec0b97f530b3907518ec3",
    "05276137de3e4be913e0d30de7d59428446033a978893e788e91e4f2ddc02bd378" },
};

static void
test_key_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (key_vectors); i++) {
    guint8 seed[32];
    SdIdentity id;

    sd_test_hex_into (key_vectors[i].seed, seed, sizeof seed);
    sd_identity_from_seed (&id, seed);
    sd_test_assert_hex (id.ed25519_pk, 32, key_vectors[i].ed25519_pk);
    g_assert_cmpstr (id.session_id, ==, key_vectors[i].session_id);
    /* libsodium layout: seed || pk */
    g_assert_cmpmem (id.ed25519_sk, 32, seed, 32);
    g_assert_cmpmem (id.ed25519_sk + 32, 32, id.ed25519_pk, 32);
    sd_identity_clear (&id);
  }
}

static void
test_x25519_secret (void)
{
  /* sessionjs/keypair vectors give the X25519 secret too */
  const guint8 entropy1[16] = { 0x39, 0x03, 0x8c, 0x89, 0x88, 0xdb, 0x02, 0xc1,
                                0xaf, 0x44, 0xe8, 0xc8, 0x47, 0xbd, 0x97, 0x13 };
  SdIdentity id;
  guint8 base[32];

  sd_identity_from_entropy (&id, entropy1);
  sd_test_assert_hex (id.x25519_sk, 32,
                      "38826f05b06ae13d8e9fa7ebc694410979339df07731e6300128dab10ccd9d7b");
  crypto_scalarmult_base (base, id.x25519_sk);
  g_assert_cmpmem (base, 32, id.x25519_pk, 32);
  g_assert_cmpstr (id.session_id, ==,
                   "054830367d369d94605247999a375dbd0a0f65fdec5de1535612bcb6d4de452c69");
  sd_identity_clear (&id);
  for (gsize i = 0; i < sizeof id.ed25519_sk; i++)
    g_assert_cmpuint (id.ed25519_sk[i], ==, 0);
}

static void
test_session_id_parse (void)
{
  guint8 pk[32], account[33];
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_session_id_parse (
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72", pk, &error));
  g_assert_no_error (error);
  sd_test_assert_hex (pk, 32, "d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");

  /* upper case is the same id */
  g_assert_true (sd_session_id_parse (
    "05D2AD010EEB72D72E561D9DE7BD7B6989AF77DCABFFA03A5111A6C859AE5C3A72", pk, &error));
  g_assert_no_error (error);

  /* a group id is an account id but not a Session ID */
  g_assert_true (sd_account_id_parse (
    "03d3511706b8b34f6e8411bf07bd22ba6b2435ca56846fbccf6eb1e166a6cd15cc", account, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (account[0], ==, 0x03);
}

static void
test_session_id_rejects (void)
{
  const gchar *bad[] = {
    "",
    "05",
    /* wrong prefix */
    "03d3511706b8b34f6e8411bf07bd22ba6b2435ca56846fbccf6eb1e166a6cd15cc",
    "15d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72",
    /* too short / too long */
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a7",
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a7200",
    /* bare key without prefix */
    "d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72",
    /* non-hex */
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3azz",
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a7\xc3",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    guint8 pk[32];

    g_assert_false (sd_session_id_parse (bad[i], pk, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  }
  {
    g_autoptr(GError) error = NULL;
    guint8 pk[32];

    g_assert_false (sd_session_id_parse (NULL, pk, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/protocol/keys/vectors", test_key_vectors);
  g_test_add_func ("/protocol/keys/x25519-secret", test_x25519_secret);
  g_test_add_func ("/protocol/keys/session-id-parse", test_session_id_parse);
  g_test_add_func ("/protocol/keys/session-id-rejects", test_session_id_rejects);
  return g_test_run ();
}
