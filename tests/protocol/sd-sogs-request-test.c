/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-blinding.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-sogs-request.h"
#include "sd-test-util.h"

/* keys of protocol-identity-and-messages.md §9.4 */
#define SEED1 "fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122"
#define SERVER "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define TS 1700000000

static SdIdentity key1;
static guint8 server_pk[32];
static const guint8 nonce[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void
test_signed_bytes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL, escaped = NULL, with_body = NULL;
  const guint8 body[] = "{\"a\":1}";
  guint8 hash[64];
  gsize len;
  const guint8 *data;
  const gchar *tail = "1700000000GET/room/lobby/messages/since/0?t=r";

  plain = sd_sogs_signed_bytes (server_pk, nonce, TS, "GET",
                                "/room/lobby/messages/since/0?t=r", NULL, 0, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (plain, &len);
  g_assert_cmpuint (len, ==, 32 + 16 + strlen (tail));
  g_assert_cmpmem (data, 32, server_pk, 32);
  g_assert_cmpmem (data + 32, 16, nonce, 16);
  g_assert_cmpmem (data + 48, len - 48, tail, strlen (tail));

  /* the decoded path is signed */
  escaped = sd_sogs_signed_bytes (server_pk, nonce, TS, "GET",
                                  "/room/lobby/messages/since/0%3Ft=r", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (plain, escaped));

  /* the query goes in as sent, escapes and all; a bare "?" not at all */
  {
    g_autoptr(GBytes) q = sd_sogs_signed_bytes (server_pk, nonce, TS, "GET",
                                                "/capabilities?required=sogs%2Cblind", NULL, 0,
                                                &error);
    g_autoptr(GBytes) bare = sd_sogs_signed_bytes (server_pk, nonce, TS, "GET", "/capabilities?",
                                                   NULL, 0, &error);
    const gchar *q_tail = "1700000000GET/capabilities?required=sogs%2Cblind";
    const gchar *bare_tail = "1700000000GET/capabilities";

    data = g_bytes_get_data (q, &len);
    g_assert_cmpmem (data + 48, len - 48, q_tail, strlen (q_tail));
    data = g_bytes_get_data (bare, &len);
    g_assert_cmpmem (data + 48, len - 48, bare_tail, strlen (bare_tail));
  }

  /* an empty body adds nothing, a body adds its BLAKE2b-512 */
  with_body = sd_sogs_signed_bytes (server_pk, nonce, TS, "POST", "/batch", body,
                                    sizeof body - 1, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (with_body, &len);
  g_assert_cmpuint (len, ==, 32 + 16 + 10 + 4 + 6 + 64);
  crypto_generichash (hash, 64, body, sizeof body - 1, NULL, 0);
  g_assert_cmpmem (data + len - 64, 64, hash, 64);

  /* bad escapes, NUL, non-UTF-8, relative and oversize paths */
  {
    g_autofree gchar *huge = g_strnfill (SD_SOGS_MAX_PATH + 1, 'a');
    const gchar *bad[] = { "/room/%zz", "/room/%00", "/room/%ff", "room", "", NULL };

    huge[0] = '/';
    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
      const gchar *path = bad[i] != NULL ? bad[i] : huge;
      g_autoptr(GBytes) b = sd_sogs_signed_bytes (server_pk, nonce, TS, "GET", path, NULL, 0,
                                                  &error);

      g_assert_null (b);
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  }
}

static void
test_sign_verify (gconstpointer blind_p)
{
  gboolean blind = GPOINTER_TO_INT (blind_p);
  g_autoptr(GError) error = NULL;
  SdSogsAuthHeaders h;
  SdSogsAuthor author;
  SdBlindedKeyPair kp;
  gchar expected_id[67];
  const guint8 body[] = "[]";
  g_autofree gchar *hex_nonce = sd_hex_encode (nonce, 16);
  g_autofree gchar *unpadded_nonce = NULL;

  g_assert_true (sd_sogs_sign_request (key1.ed25519_sk, server_pk, blind, nonce, TS, "POST",
                                       "/batch", body, 2, &h, &error));
  g_assert_no_error (error);
  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_pk, &kp));
  if (blind) {
    sd_blinded_id_format (SD_BLINDING_15, kp.pk, expected_id);
  } else {
    g_autofree gchar *hex = sd_hex_encode (key1.ed25519_pk, 32);

    g_snprintf (expected_id, sizeof expected_id, "00%s", hex);
  }
  g_assert_cmpstr (h.pubkey, ==, expected_id);
  g_assert_cmpstr (h.timestamp, ==, "1700000000");
  g_assert_cmpstr (h.nonce, ==, "AAECAwQFBgcICQoLDA0ODw==");
  g_assert_cmpuint (strlen (h.signature), ==, 88);

  g_assert_true (sd_sogs_verify_request (server_pk, h.pubkey, h.nonce, h.timestamp, h.signature,
                                         "POST", "/batch", body, 2, &author, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (author.pubkey, ==, expected_id);
  g_assert_cmpint (author.timestamp, ==, TS);
  g_assert_cmpmem (author.nonce, 16, nonce, 16);

  /* the nonce may come as hex or unpadded base64 */
  g_assert_true (sd_sogs_verify_request (server_pk, h.pubkey, hex_nonce, h.timestamp,
                                         h.signature, "POST", "/batch", body, 2, &author, &error));
  unpadded_nonce = g_strndup (h.nonce, 22);
  g_assert_true (sd_sogs_verify_request (server_pk, h.pubkey, unpadded_nonce, h.timestamp,
                                         h.signature, "POST", "/batch", body, 2, &author, &error));
  g_assert_no_error (error);

  /* every signed part matters */
  g_assert_false (sd_sogs_verify_request (server_pk, h.pubkey, h.nonce, "1700000001",
                                          h.signature, "POST", "/batch", body, 2, &author, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_verify_request (server_pk, h.pubkey, h.nonce, h.timestamp,
                                          h.signature, "PUT", "/batch", body, 2, &author, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_verify_request (server_pk, h.pubkey, h.nonce, h.timestamp,
                                          h.signature, "POST", "/sequence", body, 2, &author,
                                          &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_verify_request (server_pk, h.pubkey, h.nonce, h.timestamp,
                                          h.signature, "POST", "/batch", NULL, 0, &author,
                                          &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);

  /* malformed headers */
  {
    const gchar *headers[][4] = {
      { "05aa", h.nonce, h.timestamp, h.signature },
      { h.pubkey, "AAEC", h.timestamp, h.signature },
      { h.pubkey, "AAECAwQFBgcICQoLDA0ODw===", h.timestamp, h.signature },
      { h.pubkey, h.nonce, "17e9", h.signature },
      { h.pubkey, h.nonce, "-1", h.signature },
      { h.pubkey, h.nonce, "", h.signature },
      { h.pubkey, h.nonce, h.timestamp, "AAAA" },
      { h.pubkey, h.nonce, h.timestamp, NULL },
      /* 00 + a key that is no point on the curve */
      { "00" "0200000000000000000000000000000000000000000000000000000000000000", h.nonce,
        h.timestamp, h.signature },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (headers); i++) {
      g_assert_false (sd_sogs_verify_request (server_pk, headers[i][0], headers[i][1],
                                              headers[i][2], headers[i][3], "POST", "/batch",
                                              body, 2, &author, &error));
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
      g_clear_error (&error);
    }
  }
}

static void
test_verify_by_id (void)
{
  g_autoptr(GError) error = NULL;
  SdBlindedKeyPair kp;
  gchar id[67];
  guint8 sig[64];
  const guint8 data[] = "post";

  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_pk, &kp));
  sd_blinded_id_format (SD_BLINDING_15, kp.pk, id);
  sd_blind15_sign (key1.ed25519_sk, server_pk, data, sizeof data, sig);
  g_assert_true (sd_sogs_verify_by_id (id, data, sizeof data, sig, &error));
  g_assert_no_error (error);
  /* a blinded signature is not the Session ID's */
  g_assert_false (sd_sogs_verify_by_id (key1.session_id, data, sizeof data, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_verify_by_id ("03aa", data, sizeof data, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID);
  g_clear_error (&error);
  /* on a server without blinding posters are Session IDs: both signs of
   * the Ed25519 key work, key 2 of §9.4 being the negative one */
  {
    const gchar *seeds[] = { "fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122",
                             "8659efdcbe0949e0f81141e6d397e8be75f45d09262f209d5950e97989eb43c7" };

    for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++) {
      SdIdentity k;
      guint8 seed[32], plain_sig[64];

      sd_test_hex_into (seeds[i], seed, sizeof seed);
      sd_identity_from_seed (&k, seed);
      crypto_sign_ed25519_detached (plain_sig, NULL, data, sizeof data, k.ed25519_sk);
      g_assert_true (sd_sogs_verify_by_id (k.session_id, data, sizeof data, plain_sig, &error));
      g_assert_no_error (error);
      g_assert_false (sd_sogs_verify_by_id (k.session_id, data, sizeof data - 1, plain_sig,
                                            &error));
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
      g_clear_error (&error);
    }
  }
  sig[0] ^= 1;
  g_assert_false (sd_sogs_verify_by_id (id, data, sizeof data, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
}

int
main (int argc, char **argv)
{
  guint8 seed[32];

  g_test_init (&argc, &argv, NULL);
  sd_test_hex_into (SEED1, seed, sizeof seed);
  sd_identity_from_seed (&key1, seed);
  sd_test_hex_into (SERVER, server_pk, sizeof server_pk);
  g_test_add_func ("/protocol/sogs-request/signed-bytes", test_signed_bytes);
  g_test_add_data_func ("/protocol/sogs-request/sign-verify-blinded", GINT_TO_POINTER (TRUE),
                        test_sign_verify);
  g_test_add_data_func ("/protocol/sogs-request/sign-verify-unblinded", GINT_TO_POINTER (FALSE),
                        test_sign_verify);
  g_test_add_func ("/protocol/sogs-request/verify-by-id", test_verify_by_id);
  return g_test_run ();
}
