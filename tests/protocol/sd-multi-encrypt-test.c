/* SPDX-License-Identifier: GPL-3.0-or-later */
/* multi-recipient encryption: libsession's vectors
 * (tests/test_multi_encrypt.cpp), byte for byte */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-keys.h"
#include "sd-multi-encrypt.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

static const gchar *seeds[] = {
  "0123456789abcdef0123456789abcdef00000000000000000000000000000000",
  "0123456789abcdef000000000000000000000000000000000000000000000000",
  "0123456789abcdef111111111111111100000000000000000000000000000000",
  "0123456789abcdef222222222222222200000000000000000000000000000000",
  "0123456789abcdef333333333333333300000000000000000000000000000000",
};
static const gchar *x_pks[] = {
  "d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72",
  "d673a8fb4800d2a252d2fc4e3342a88cdfa9412853934e8993d12d593be13371",
  "afd9716ea69ab8c7f475e1b250c86a6539e260804faecf2a803e9281a4160738",
  "03be14feabd59122349614b88bdc90db1d1af4c230e9a73c898beec833d51f11",
  "27b5c1ea87cef76284c752fa6ee1b9186b1a95e74e8f5b88f8b47e5191ce6f08",
};
#define NONCE "32ab4bb45d6df5cc14e1c330fb1a8b68ea3826a8c2213a49"

static SdIdentity ids[5];

static void
setup_ids (void)
{
  for (guint i = 0; i < 5; i++) {
    guint8 seed[32];

    sd_test_hex_into (seeds[i], seed, 32);
    sd_identity_from_seed (&ids[i], seed);
    sd_test_assert_hex (ids[i].x25519_pk, 32, x_pks[i]);
  }
}

static GPtrArray *
texts (const gchar *first, ...)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  va_list ap;

  va_start (ap, first);
  for (const gchar *t = first; t != NULL; t = va_arg (ap, const gchar *))
    g_ptr_array_add (out, g_bytes_new (t, strlen (t)));
  va_end (ap);
  return out;
}

static void
copy_for (guint recipient, const gchar *msg, const gchar *expected_hex)
{
  guint8 key[32], nonce[24], out[64];

  sd_test_hex_into (NONCE, nonce, 24);
  g_assert_true (sd_multi_encrypt_key (key, ids[0].x25519_sk, ids[0].x25519_pk,
                                       ids[recipient].x25519_pk, TRUE, "test suite"));
  sd_multi_encrypt_copy (out, (const guint8 *) msg, strlen (msg), key, nonce);
  sd_test_assert_hex (out, strlen (msg) + SD_MULTI_OVERHEAD, expected_hex);
}

static void
test_vectors (void)
{
  setup_ids ();
  copy_for (1, "hello", "e64937e5ea201b84f4e88a976dad900d91caaf6a17");
  copy_for (2, "hello", "b7a15bcd9f7b09445defcae2f1dc5085dd75cb085b");
  copy_for (3, "hello", "01c4fc2156327735f3fb5063b11ea95f6ebcc5b6cc");
  copy_for (2, "cruel", "bcb642c49c6da03f70cdaab2ed6666721318afd631");
  copy_for (3, "world", "1ecee2215d226817edfdb097f05037eb799309103a");
}

static void
test_simple (void)
{
  g_autoptr(GPtrArray) msgs = texts ("hello", "cruel", "world", NULL);
  g_autoptr(GPtrArray) one = texts ("hello", NULL);
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) random1 = NULL;
  g_autoptr(GBytes) random2 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 recipients[3][32], nonce[24];
  const gchar *want[] = { "hello", "cruel", "world" };
  GByteArray *exp = g_byte_array_new ();
  guint8 buf[24];

  setup_ids ();
  for (guint i = 0; i < 3; i++)
    memcpy (recipients[i], ids[i + 1].x25519_pk, 32);
  sd_test_hex_into (NONCE, nonce, 24);
  encoded = sd_multi_encrypt_simple (msgs, (const guint8 (*)[32]) recipients, 3,
                                     ids[0].x25519_sk, ids[0].x25519_pk, "test suite", nonce);
  /* "d1:#24:" nonce "1:el" 3 × "21:" copy "ee" */
  g_byte_array_append (exp, (const guint8 *) "d1:#24:", 7);
  g_byte_array_append (exp, nonce, 24);
  g_byte_array_append (exp, (const guint8 *) "1:el", 4);
  sd_test_hex_into ("e64937e5ea201b84f4e88a976dad900d91caaf6a17", buf, 21);
  g_byte_array_append (exp, (const guint8 *) "21:", 3);
  g_byte_array_append (exp, buf, 21);
  sd_test_hex_into ("bcb642c49c6da03f70cdaab2ed6666721318afd631", buf, 21);
  g_byte_array_append (exp, (const guint8 *) "21:", 3);
  g_byte_array_append (exp, buf, 21);
  sd_test_hex_into ("1ecee2215d226817edfdb097f05037eb799309103a", buf, 21);
  g_byte_array_append (exp, (const guint8 *) "21:", 3);
  g_byte_array_append (exp, buf, 21);
  g_byte_array_append (exp, (const guint8 *) "ee", 2);
  expected = g_byte_array_free_to_bytes (exp);
  g_assert_true (g_bytes_equal (encoded, expected));

  for (guint i = 0; i < 3; i++) {
    g_autoptr(GBytes) plain = sd_multi_decrypt_simple (
      g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), ids[i + 1].x25519_sk,
      ids[i + 1].x25519_pk, ids[0].x25519_pk, "test suite", &error);

    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), want[i], 5);
  }
  /* not a recipient, or the wrong domain */
  g_assert_null (sd_multi_decrypt_simple (g_bytes_get_data (encoded, NULL),
                                          g_bytes_get_size (encoded), ids[4].x25519_sk,
                                          ids[4].x25519_pk, ids[0].x25519_pk, "test suite",
                                          &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_null (sd_multi_decrypt_simple (g_bytes_get_data (encoded, NULL),
                                          g_bytes_get_size (encoded), ids[3].x25519_sk,
                                          ids[3].x25519_pk, ids[0].x25519_pk, "not test suite",
                                          &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  /* a random nonce each time by default */
  random1 = sd_multi_encrypt_simple (one, (const guint8 (*)[32]) recipients, 3, ids[0].x25519_sk,
                                     ids[0].x25519_pk, "test suite", NULL);
  random2 = sd_multi_encrypt_simple (one, (const guint8 (*)[32]) recipients, 3, ids[0].x25519_sk,
                                     ids[0].x25519_pk, "test suite", NULL);
  g_assert_cmpuint (g_bytes_get_size (random1), ==, 2 + 3 + 27 + 3 + 2 + 3 * (3 + 5 + 16));
  g_assert_false (g_bytes_equal (random1, random2));
  /* hostile envelopes */
  g_assert_null (sd_multi_decrypt_simple ((const guint8 *) "d1:#3:abc1:elee", 15,
                                          ids[1].x25519_sk, ids[1].x25519_pk, ids[0].x25519_pk,
                                          "test suite", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_multi_decrypt_simple ((const guint8 *) "le", 2, ids[1].x25519_sk,
                                          ids[1].x25519_pk, ids[0].x25519_pk, "test suite",
                                          &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/multi-encrypt/vectors", test_vectors);
  g_test_add_func ("/multi-encrypt/simple", test_simple);
  return g_test_run ();
}
