/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-request-sign.h"
#include "sd-test-util.h"

/* protocol-network.md §9.6 */
#define SEED "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define TS 1700000000000ULL

static SdIdentity id;

static void
test_vectors (void)
{
  g_autofree gchar *retrieve0 = sd_signed_string_retrieve (0, TS);
  g_autofree gchar *retrieve2 = sd_signed_string_retrieve (2, TS);
  g_autofree gchar *store2 = sd_signed_string_store (2, TS);
  g_autofree gchar *delete_all = sd_signed_string_delete_all ("all", TS);
  const struct { const gchar *text, *expected_text, *sig; } vectors[] = {
    { retrieve0, "retrieve1700000000000",
      "RmRCJ3nPhaFug4AB8jINXur5kyTGwHO1bsHA7cXrxLyQ5EXbDGkrSB3LKQzymcuvtAyW+rlkdJx66UX28NliDw==" },
    { retrieve2, "retrieve21700000000000",
      "JsgbO8n+RdOn49uadQ/tiLaloQ0Feqho5Bfe7aIPR/nd6Z7IBz/IWyAf7qDtTY1Jy4zKVqQXdei/O13/cWFpAg==" },
    { store2, "store21700000000000",
      "4Ky0fUtkfoO1FXiC4EajtUfuze4UbM+Ob/gbBgzN4SelP6H/QNmrG523BCqldf8yKZDJ3yYffdYp6/cyUf8YCg==" },
    { delete_all, "delete_allall1700000000000",
      "YQyILGAq+EuIyzxxRAVumYDmPXtV75Bo37ffvubZfzK1UGT7vR4JnisuD/qijc3N3++4NKIvbOdeIgYCKGrmCw==" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++) {
    g_autofree gchar *sig = sd_sign_text_base64 (id.ed25519_sk, vectors[i].text);
    g_autoptr(GError) error = NULL;

    g_assert_cmpstr (vectors[i].text, ==, vectors[i].expected_text);
    g_assert_cmpstr (sig, ==, vectors[i].sig);
    g_assert_true (sd_verify_text_base64 (id.ed25519_pk, vectors[i].text, sig, &error));
    g_assert_no_error (error);
  }
}

static void
test_other_strings (void)
{
  const gchar *hashes[] = { "h1", "h2", NULL };
  g_autofree gchar *del = sd_signed_string_delete (hashes);
  g_autofree gchar *expire = sd_signed_string_expire ("shorten", TS, hashes);
  g_autofree gchar *expire_plain = sd_signed_string_expire ("", TS, hashes);
  g_autofree gchar *expiries = sd_signed_string_get_expiries (TS, hashes);
  g_autofree gchar *delete_all0 = sd_signed_string_delete_all ("", TS);

  g_assert_cmpstr (del, ==, "deleteh1h2");
  g_assert_cmpstr (expire, ==, "expireshorten1700000000000h1h2");
  g_assert_cmpstr (expire_plain, ==, "expire1700000000000h1h2");
  g_assert_cmpstr (expiries, ==, "get_expiries1700000000000h1h2");
  g_assert_cmpstr (delete_all0, ==, "delete_all1700000000000");
}

static void
test_verify_rejects (void)
{
  g_autofree gchar *text = sd_signed_string_retrieve (0, TS);
  g_autofree gchar *sig = sd_sign_text_base64 (id.ed25519_sk, text);
  g_autofree gchar *unpadded = g_strndup (sig, 86);
  g_autoptr(GError) error = NULL;
  SdIdentity other;
  guint8 other_seed[32] = { 42 };

  /* unpadded form is accepted */
  g_assert_true (sd_verify_text_base64 (id.ed25519_pk, text, unpadded, &error));
  g_assert_no_error (error);

  /* other text, other key, garbage, short */
  g_assert_false (sd_verify_text_base64 (id.ed25519_pk, "retrieve1700000000001", sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  sd_identity_from_seed (&other, other_seed);
  g_assert_false (sd_verify_text_base64 (other.ed25519_pk, text, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_verify_text_base64 (id.ed25519_pk, text, "not base64", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_verify_text_base64 (id.ed25519_pk, text, "AAAA", &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  sd_test_hex_into (SEED, seed, sizeof seed);
  sd_identity_from_seed (&id, seed);
  g_test_add_func ("/protocol/request-sign/vectors", test_vectors);
  g_test_add_func ("/protocol/request-sign/other-strings", test_other_strings);
  g_test_add_func ("/protocol/request-sign/verify-rejects", test_verify_rejects);
  return g_test_run ();
}
