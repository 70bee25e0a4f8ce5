/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-blinding.h"
#include "sd-xed25519.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* protocol-identity-and-messages.md §9.4 */
#define SEED1 "fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122"
#define ED1 "f4ef873908f6a5377ba3853f0e2fa326eed9e741edf9f7d0311a3ecc66a57b32"
#define X1 "fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f"
#define SEED2 "8659efdcbe0949e0f81141e6d397e8be75f45d09262f209d5950e97989eb43c7"
#define ED2 "3570b69a47dc094544c1c5089c40414bbda1ffdde8aab2617fe937ee74a5ee81"
#define X2 "05c9a9bf178fa644d44bebf628716dc7f2df3d0842e97881962c723699152073"
#define SERVER_A "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define SERVER_B "00cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static SdIdentity key1, key2;
static guint8 server_a[32], server_b[32];

static void
test_keys (void)
{
  sd_test_assert_hex (key1.ed25519_pk, 32, ED1);
  sd_test_assert_hex (key1.x25519_pk, 32, X1);
  sd_test_assert_hex (key2.ed25519_pk, 32, ED2);
  sd_test_assert_hex (key2.x25519_pk, 32, X2);
}

static void
test_x25519_to_ed25519 (void)
{
  guint8 ed[32];

  /* key 1 is non-negative: the conversion gives it back exactly */
  g_assert_true (sd_x25519_pk_to_ed25519 (key1.x25519_pk, ed));
  sd_test_assert_hex (ed, 32, ED1);
  /* key 2 is negative: the conversion gives it with the sign bit cleared */
  g_assert_true (sd_x25519_pk_to_ed25519 (key2.x25519_pk, ed));
  g_assert_cmpint (ed[31], ==, key2.ed25519_pk[31] & 0x7f);
  g_assert_cmpmem (ed, 31, key2.ed25519_pk, 31);

  /* a thousand random keys round-trip up to the sign */
  for (gsize i = 0; i < 1000; i++) {
    SdIdentity id;
    guint8 seed[32];

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&id, seed);
    g_assert_true (sd_x25519_pk_to_ed25519 (id.x25519_pk, ed));
    g_assert_cmpmem (ed, 31, id.ed25519_pk, 31);
    g_assert_cmpint (ed[31], ==, id.ed25519_pk[31] & 0x7f);
  }
}

static void
test_blind15_vectors (void)
{
  guint8 pk[32], cand[2][32];
  gchar id[SD_BLINDED_ID_LEN + 1];
  SdBlindedKeyPair kp;

  g_assert_true (sd_blind15_pk_from_ed25519 (key1.ed25519_pk, server_a, pk));
  sd_blinded_id_format (SD_BLINDING_15, pk, id);
  g_assert_cmpstr (id, ==, "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844");
  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_a, &kp));
  g_assert_cmpmem (kp.pk, 32, pk, 32);
  g_assert_true (sd_blind15_candidates (key1.x25519_pk, server_a, cand));
  g_assert_cmpmem (cand[0], 32, pk, 32);

  /* key 2 from its Session ID: candidate [0] is the vector, the real key [1] */
  g_assert_true (sd_blind15_candidates (key2.x25519_pk, server_a, cand));
  sd_blinded_id_format (SD_BLINDING_15, cand[0], id);
  g_assert_cmpstr (id, ==, "1561e070286ff7a71f167e92b18c709882b148d8238c8872caf414b301ba0564fd");
  g_assert_true (sd_blind15_key_pair (key2.ed25519_sk, server_a, &kp));
  g_assert_cmpmem (kp.pk, 32, cand[1], 32);
  sd_blinded_id_format (SD_BLINDING_15, kp.pk, id);
  g_assert_true (g_str_has_suffix (id, "05647d"));
}

static void
test_blind25_vectors (void)
{
  const struct { const SdIdentity *key; const guint8 *server; const gchar *id; } vectors[] = {
    { &key1, server_a, "253b991dcbba44cfdb45d5b38880d95cff723309e3ece6fd01415ad5fa1dccc7ac" },
    { &key1, server_b, "2598589c7885b56cbeae6ab7b4224f202815520a54995872cb1833b44db6401c8d" },
    { &key2, server_a, "25a69cc6884530bf8498d22892e563716c4742f2845a7eb608de2aecbe7b6b5996" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++) {
    guint8 pk[32];
    gchar id[SD_BLINDED_ID_LEN + 1];

    g_assert_true (sd_blind25_pk_from_x25519 (vectors[i].key->x25519_pk, vectors[i].server, pk));
    sd_blinded_id_format (SD_BLINDING_25, pk, id);
    g_assert_cmpstr (id, ==, vectors[i].id);
    g_assert_true (sd_blinded_id_matches (vectors[i].id, vectors[i].key->session_id,
                                          vectors[i].server));
  }
}

static void
test_sign (void)
{
  const SdIdentity *keys[] = { &key1, &key2 };
  const guint8 msg[] = "hello community";

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++) {
    SdBlindedKeyPair kp;
    guint8 sig[64], sig_again[64];

    g_assert_true (sd_blind15_key_pair (keys[i]->ed25519_sk, server_a, &kp));
    sd_blind15_sign (keys[i]->ed25519_sk, server_a, msg, sizeof msg, sig);
    /* a plain Ed25519 signature under the blinded key */
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (sig, msg, sizeof msg, kp.pk), ==, 0);
    /* deterministic */
    sd_blind15_sign (keys[i]->ed25519_sk, server_a, msg, sizeof msg, sig_again);
    g_assert_cmpmem (sig, 64, sig_again, 64);
    /* and it can fail: other message, other key, other server */
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (sig, msg, sizeof msg - 1, kp.pk), !=, 0);
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (sig, msg, sizeof msg,
                                                          keys[i]->ed25519_pk), !=, 0);
    sd_blind15_sign (keys[i]->ed25519_sk, server_b, msg, sizeof msg, sig_again);
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (sig_again, msg, sizeof msg, kp.pk), !=, 0);
    sig[40] ^= 1;
    g_assert_cmpint (crypto_sign_ed25519_verify_detached (sig, msg, sizeof msg, kp.pk), !=, 0);
  }
}

static void
test_matches (void)
{
  SdBlindedKeyPair kp1, kp2;
  gchar id1[SD_BLINDED_ID_LEN + 1], id2[SD_BLINDED_ID_LEN + 1];

  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_a, &kp1));
  g_assert_true (sd_blind15_key_pair (key2.ed25519_sk, server_a, &kp2));
  sd_blinded_id_format (SD_BLINDING_15, kp1.pk, id1);
  sd_blinded_id_format (SD_BLINDING_15, kp2.pk, id2);

  /* both sign choices are recognised */
  g_assert_true (sd_blinded_id_matches (id1, key1.session_id, server_a));
  g_assert_true (sd_blinded_id_matches (id2, key2.session_id, server_a));
  g_assert_true (sd_blinded_id_matches (
      "1561e070286ff7a71f167e92b18c709882b148d8238c8872caf414b301ba0564fd", key2.session_id,
      server_a));
  /* other contact, other server, garbage */
  g_assert_false (sd_blinded_id_matches (id1, key2.session_id, server_a));
  g_assert_false (sd_blinded_id_matches (id1, key1.session_id, server_b));
  g_assert_false (sd_blinded_id_matches ("15zz", key1.session_id, server_a));
  g_assert_false (sd_blinded_id_matches (id1, "05zz", server_a));

  g_assert_true (sd_blind15_pk_matches_ed25519 (kp2.pk, key2.ed25519_pk, server_a));
  kp2.pk[31] ^= 0x80;
  g_assert_true (sd_blind15_pk_matches_ed25519 (kp2.pk, key2.ed25519_pk, server_a));
  g_assert_false (sd_blind15_pk_matches_ed25519 (kp2.pk, key1.ed25519_pk, server_a));
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  guint8 pk[32];
  SdBlinding kind;
  const gchar *bad[] = {
    "", "15", "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72",
    "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c0784",
    "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c078444",
    "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c0784g",
  };

  g_assert_true (sd_blinded_id_parse (
      "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844", &kind, pk, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kind, ==, SD_BLINDING_15);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (sd_blinded_id_parse (bad[i], &kind, pk, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID);
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  sd_test_hex_into (SEED1, seed, sizeof seed);
  sd_identity_from_seed (&key1, seed);
  sd_test_hex_into (SEED2, seed, sizeof seed);
  sd_identity_from_seed (&key2, seed);
  sd_test_hex_into (SERVER_A, server_a, sizeof server_a);
  sd_test_hex_into (SERVER_B, server_b, sizeof server_b);
  g_test_add_func ("/protocol/blinding/keys", test_keys);
  g_test_add_func ("/protocol/blinding/x25519-to-ed25519", test_x25519_to_ed25519);
  g_test_add_func ("/protocol/blinding/blind15-vectors", test_blind15_vectors);
  g_test_add_func ("/protocol/blinding/blind25-vectors", test_blind25_vectors);
  g_test_add_func ("/protocol/blinding/sign", test_sign);
  g_test_add_func ("/protocol/blinding/matches", test_matches);
  g_test_add_func ("/protocol/blinding/parse", test_parse);
  return g_test_run ();
}
