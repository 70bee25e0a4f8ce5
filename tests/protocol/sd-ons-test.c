/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-encoding.h"
#include "sd-ons.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* protocol-identity-and-messages.md §9.5 */
#define NONCE "00112233445566778899aabbccddeeff00ffeeddccbbaa99"
#define VALUE "3575802dd9bfea72672a208840f37ca289ceade5d3ffacabe2d231f109d204329fc33e28c331580d9a8c9b8a64cacfec97"
#define SID "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"

static void
test_vector (void)
{
  g_autoptr(GError) error = NULL;
  gchar id[SD_SESSION_ID_LEN + 1];
  g_autofree gchar *value = NULL, *nonce = NULL;
  guint8 nonce_raw[24];

  g_assert_true (sd_ons_decrypt ("test", VALUE, NONCE, id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, SID);

  /* our encoder makes the same record from the same nonce */
  sd_test_hex_into (NONCE, nonce_raw, sizeof nonce_raw);
  g_assert_true (sd_ons_encrypt ("test", SID, nonce_raw, &value, &nonce, &error));
  g_assert_cmpstr (value, ==, VALUE);
  g_assert_cmpstr (nonce, ==, NONCE);

  /* other name, tampered value, wrong nonce */
  g_assert_false (sd_ons_decrypt ("tests", VALUE, NONCE, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  value[5] = value[5] == '0' ? '1' : '0';
  g_assert_false (sd_ons_decrypt ("test", value, NONCE, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", VALUE, "01112233445566778899aabbccddeeff00ffeeddccbbaa99",
                                  id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
}

static void
test_hash (void)
{
  g_autofree gchar *hash = sd_ons_name_hash ("test");
  guint8 raw[32];
  g_autofree gchar *expected = NULL;

  crypto_generichash (raw, 32, (const guint8 *) "test", 4, NULL, 0);
  expected = sd_base64_encode (raw, 32, TRUE);
  g_assert_cmpstr (hash, ==, expected);
  g_assert_cmpuint (strlen (hash), ==, 44);
}

static void
test_names (void)
{
  const struct { const gchar *in, *out; } good[] = {
    { "test", "test" }, { "TeSt", "test" }, { "a", "a" }, { "_", "_" },
    { "my-name_2", "my-name_2" }, { "a--b", "a--b" },
  };
  const gchar *bad[] = { "", "-a", "a-", "-", "a b", "a.b", "ä", "a/b", NULL };
  g_autofree gchar *max = g_strnfill (SD_ONS_NAME_MAX, 'x');
  g_autofree gchar *over = g_strnfill (SD_ONS_NAME_MAX + 1, 'x');
  g_autofree gchar *ok_max = sd_ons_name_normalise (max, NULL);
  g_autofree gchar *bad_over = sd_ons_name_normalise (over, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree gchar *n = sd_ons_name_normalise (good[i].in, NULL);

    g_assert_cmpstr (n, ==, good[i].out);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *n = sd_ons_name_normalise (bad[i], &error);

    g_assert_null (n);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_ONS_NAME);
  }
  g_assert_nonnull (ok_max);
  g_assert_null (bad_over);
}

static void
test_rejects (void)
{
  g_autoptr(GError) error = NULL;
  gchar id[SD_SESSION_ID_LEN + 1];
  g_autofree gchar *huge = g_strnfill (SD_ONS_MAX_VALUE_HEX + 2, 'a');
  g_autofree gchar *value = NULL, *nonce = NULL;

  /* the old Argon2 form has no nonce */
  g_assert_false (sd_ons_decrypt ("test", VALUE, "", id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", VALUE, NULL, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", "zz", NONCE, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", huge, NONCE, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", "00", NONCE, id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_ons_decrypt ("test", VALUE, "0011", id, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_ons_encrypt ("test", "05zz", NULL, &value, &nonce, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
}

static gchar *
record_body (const gchar *name, const gchar *session_id)
{
  g_autofree gchar *value = NULL, *nonce = NULL;

  g_assert_true (sd_ons_encrypt (name, session_id, NULL, &value, &nonce, NULL));
  return g_strdup_printf ("{\"result\":{\"encrypted_value\":\"%s\",\"nonce\":\"%s\"},"
                          "\"t\":1,\"hf\":[19,4]}", value, nonce);
}

#define OTHER "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74"
#define NOT_FOUND "Unable to find ONS record"

static void
test_resolve_answers (void)
{
  /* each node may use its own nonce: what counts is the Session ID */
  g_autofree gchar *a = record_body ("test", SID);
  g_autofree gchar *b = record_body ("test", SID);
  g_autofree gchar *other = record_body ("test", OTHER);
  g_autofree gchar *wrong_name = record_body ("tset", SID);
  g_autoptr(JsonObject) params = sd_ons_request_params ("test");
  g_autofree gchar *hash = sd_ons_name_hash ("test");
  gchar id[SD_SESSION_ID_LEN + 1];
  const struct {
    SdOnsAnswer answers[3];
    gint code; /* -1: resolves to SID */
  } cases[] = {
    { { { 200, a, 0 }, { 200, b, 0 }, { 200, a, 0 } }, -1 },
    { { { 400, NOT_FOUND, 0 }, { 400, NOT_FOUND, 0 }, { 400, NOT_FOUND, 0 } },
      SD_PROTOCOL_ERROR_ONS_NOT_FOUND },
    { { { 200, a, 0 }, { 400, NOT_FOUND, 0 }, { 200, a, 0 } }, SD_PROTOCOL_ERROR_ONS_DISAGREEMENT },
    { { { 200, a, 0 }, { 200, other, 0 }, { 200, a, 0 } }, SD_PROTOCOL_ERROR_ONS_DISAGREEMENT },
    { { { 200, a, 0 }, { 502, "bad gateway", 0 }, { 200, a, 0 } }, SD_PROTOCOL_ERROR_MALFORMED },
    { { { 200, a, 0 }, { 200, "{\"result\":{}}", 0 }, { 200, a, 0 } },
      SD_PROTOCOL_ERROR_UNSUPPORTED },
    { { { 200, a, 0 }, { 200, "[1]", 0 }, { 200, a, 0 } }, SD_PROTOCOL_ERROR_MALFORMED },
    { { { 200, wrong_name, 0 }, { 200, a, 0 }, { 200, a, 0 } }, SD_PROTOCOL_ERROR_DECRYPT },
  };

  g_assert_cmpstr (json_object_get_string_member (params, "endpoint"), ==, "ons_resolve");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (params, "params"),
                                                  "name_hash"), ==, hash);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    SdOnsAnswer answers[3];
    g_autoptr(GError) error = NULL;

    for (gsize j = 0; j < 3; j++) {
      answers[j] = cases[i].answers[j];
      answers[j].len = strlen (answers[j].body);
    }
    if (cases[i].code < 0) {
      g_assert_true (sd_ons_resolve_answers ("test", answers, 3, id, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (id, ==, SID);
    } else {
      g_assert_false (sd_ons_resolve_answers ("test", answers, 3, id, &error));
      g_assert_error (error, SD_PROTOCOL_ERROR, cases[i].code);
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/ons/vector", test_vector);
  g_test_add_func ("/protocol/ons/hash", test_hash);
  g_test_add_func ("/protocol/ons/names", test_names);
  g_test_add_func ("/protocol/ons/rejects", test_rejects);
  g_test_add_func ("/protocol/ons/resolve-answers", test_resolve_answers);
  return g_test_run ();
}
