/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-session-crypto.h"
#include "sd-test-util.h"

#define SEED1 "0123456789abcdef0123456789abcdef00000000000000000000000000000000"
#define SEED2 "00112233445566778899aabbccddeeff00000000000000000000000000000000"

/* protocol-identity-and-messages.md §9.2 */
#define KAT_CIPHERTEXT \
  "208f96785db92319bc7a14afecc01e17bde912d17bbb32834c03ea63b1862c2a1b730e0725ef75b2f1a276db584c" \
  "59a0ed9b5497bcb9f4effa893b5cb8b04dbe7a6ab457ebf972f03b006dd4572980a725399616d40184b86aa3b7b2" \
  "18bdc6dd7c1adccda8ef4897f0f458492240b39079c27a6c791067ab26a03067a7602b50f0434639906f93e548f9" \
  "09d5286edde365ebddc146"

static void
identity (const gchar *seed_hex, SdIdentity *id)
{
  guint8 seed[32];

  sd_test_hex_into (seed_hex, seed, sizeof seed);
  sd_identity_from_seed (id, seed);
}

static void
test_deterministic_kat (void)
{
  SdIdentity alice, bob;
  g_autoptr(GBytes) ct = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  guint8 sender_pk[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];
  g_autofree gchar *hex = NULL;

  identity (SEED1, &alice);
  identity (SEED2, &bob);
  ct = sd_session_encrypt_deterministic (&alice, bob.x25519_pk, (const guint8 *) "hello", 5);
  g_assert_cmpuint (g_bytes_get_size (ct), ==, 149);
  hex = sd_hex_encode (g_bytes_get_data (ct, NULL), g_bytes_get_size (ct));
  g_assert_cmpstr (hex, ==, KAT_CIPHERTEXT);

  plain = sd_session_decrypt (&bob, g_bytes_get_data (ct, NULL), g_bytes_get_size (ct),
                              sender_pk, sender_id, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "hello", 5);
  sd_test_assert_hex (sender_pk, 32,
                      "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7");
  g_assert_cmpstr (sender_id, ==,
                   "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");
}

static void
test_random_round_trip (void)
{
  for (guint round = 0; round < 20; round++) {
    guint8 seed_a[32], seed_b[32];
    SdIdentity a, b;
    gsize len = g_test_rand_int_range (0, 2000);
    g_autofree guint8 *msg = g_malloc (len + 1);
    g_autoptr(GBytes) ct = NULL;
    g_autoptr(GBytes) plain = NULL;
    g_autoptr(GError) error = NULL;
    gchar sender_id[SD_SESSION_ID_LEN + 1];

    randombytes_buf (seed_a, sizeof seed_a);
    randombytes_buf (seed_b, sizeof seed_b);
    randombytes_buf (msg, len);
    sd_identity_from_seed (&a, seed_a);
    sd_identity_from_seed (&b, seed_b);

    ct = sd_session_encrypt (&a, b.x25519_pk, msg, len);
    g_assert_cmpuint (g_bytes_get_size (ct), ==, len + SD_SESSION_CRYPTO_OVERHEAD);
    plain = sd_session_decrypt (&b, g_bytes_get_data (ct, NULL), g_bytes_get_size (ct), NULL,
                                sender_id, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), msg, len);
    g_assert_cmpstr (sender_id, ==, a.session_id);
  }
}

static void
assert_decrypt_fails (const SdIdentity *who, const guint8 *ct, gsize len, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_session_decrypt (who, ct, len, NULL, NULL, &error);

  g_assert_null (plain);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

static void
test_rejects (void)
{
  SdIdentity alice, bob, carol;
  g_autoptr(GBytes) ct_bytes = NULL;
  g_autofree guint8 *ct = NULL;
  gsize len;
  guint8 carol_seed[32] = { 7 };

  identity (SEED1, &alice);
  identity (SEED2, &bob);
  sd_identity_from_seed (&carol, carol_seed);
  ct_bytes = sd_session_encrypt (&alice, bob.x25519_pk, (const guint8 *) "hello", 5);
  ct = g_bytes_unref_to_data (g_steal_pointer (&ct_bytes), &len);

  /* the sender cannot open what it sealed; nor can a third party */
  assert_decrypt_fails (&alice, ct, len, SD_PROTOCOL_ERROR_DECRYPT);
  assert_decrypt_fails (&carol, ct, len, SD_PROTOCOL_ERROR_DECRYPT);
  /* truncated */
  assert_decrypt_fails (&bob, ct, len - 1, SD_PROTOCOL_ERROR_DECRYPT);
  assert_decrypt_fails (&bob, ct, 143, SD_PROTOCOL_ERROR_TRUNCATED);
  assert_decrypt_fails (&bob, ct, 0, SD_PROTOCOL_ERROR_TRUNCATED);
  /* the bit flips of the upstream test, then every byte position */
  ct[2] ^= 0x02;
  assert_decrypt_fails (&bob, ct, len, SD_PROTOCOL_ERROR_DECRYPT);
  ct[2] ^= 0x02;
  ct[14] ^= 0x80;
  assert_decrypt_fails (&bob, ct, len, SD_PROTOCOL_ERROR_DECRYPT);
  ct[14] ^= 0x80;
  for (gsize i = 0; i < len; i++) {
    ct[i] ^= 0x01;
    assert_decrypt_fails (&bob, ct, len, SD_PROTOCOL_ERROR_DECRYPT);
    ct[i] ^= 0x01;
  }
}

static void
test_bad_signature (void)
{
  SdIdentity alice, bob, mallory;
  guint8 mallory_seed[32] = { 9 };
  guint8 inner[5 + 96];
  g_autofree guint8 *ct = g_malloc (sizeof inner + crypto_box_SEALBYTES);

  identity (SEED1, &alice);
  identity (SEED2, &bob);
  sd_identity_from_seed (&mallory, mallory_seed);

  /* a correctly sealed box whose signature was made for someone else:
   * mallory re-seals a message alice signed for carol, claiming alice */
  memcpy (inner, "hello", 5);
  memcpy (inner + 5, alice.ed25519_pk, 32);
  {
    guint8 signed_part[5 + 64];
    guint8 carol_pk[32] = { 1 };

    memcpy (signed_part, "hello", 5);
    memcpy (signed_part + 5, alice.ed25519_pk, 32);
    memcpy (signed_part + 37, carol_pk, 32);
    crypto_sign_ed25519_detached (inner + 37, NULL, signed_part, sizeof signed_part,
                                  alice.ed25519_sk);
  }
  g_assert_cmpint (crypto_box_seal (ct, inner, sizeof inner, bob.x25519_pk), ==, 0);
  assert_decrypt_fails (&bob, ct, sizeof inner + crypto_box_SEALBYTES,
                        SD_PROTOCOL_ERROR_SIGNATURE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add_func ("/protocol/session-crypto/deterministic-kat", test_deterministic_kat);
  g_test_add_func ("/protocol/session-crypto/random-round-trip", test_random_round_trip);
  g_test_add_func ("/protocol/session-crypto/rejects", test_rejects);
  g_test_add_func ("/protocol/session-crypto/bad-signature", test_bad_signature);
  return g_test_run ();
}
