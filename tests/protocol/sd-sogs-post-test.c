/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sodium.h>

#include "sd-blinding.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-sogs-post.h"
#include "sd-test-util.h"

#define SEED1 "fecd9a6034bc9aba273925dee7062b123334587c3c6257341afae2d7fe85e122"
#define SERVER "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
/* protocol-identity-and-messages.md §9.6: Content{dataMessage{body "hello"}, sigTimestamp} */
#define HELLO "0a070a0568656c6c6f78c8aeb7e38933"

static SdIdentity key1;
static guint8 server_pk[32];
static gchar blinded_id[SD_BLINDED_ID_LEN + 1];

static void
test_round_trip (void)
{
  g_autoptr(GBytes) hello = sd_test_hex (HELLO);
  g_autoptr(GBytes) raw = NULL;
  g_autofree gchar *data = NULL, *sig = NULL;
  g_auto(SdSogsPost) post = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 raw_sig[64];
  SdBlindedKeyPair kp;

  g_assert_true (sd_sogs_post_encode (key1.ed25519_sk, server_pk, TRUE,
                                      g_bytes_get_data (hello, NULL), g_bytes_get_size (hello),
                                      &data, &sig, &error));
  g_assert_no_error (error);
  /* padded to 160 and in plaintext */
  raw = sd_base64_decode (data, -1, NULL);
  g_assert_cmpuint (g_bytes_get_size (raw), ==, 160);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), 16, g_bytes_get_data (hello, NULL), 16);
  /* the signature is the blinded key's over the raw, padded bytes */
  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_pk, &kp));
  {
    g_autoptr(GBytes) s = sd_base64_decode (sig, -1, NULL);

    memcpy (raw_sig, g_bytes_get_data (s, NULL), 64);
  }
  g_assert_cmpint (crypto_sign_ed25519_verify_detached (raw_sig, g_bytes_get_data (raw, NULL),
                                                        160, kp.pk), ==, 0);

  g_assert_true (sd_sogs_post_decode (blinded_id, data, sig, &post, &error));
  g_assert_no_error (error);
  g_assert_cmpint (post.kind, ==, SD_SOGS_PAYLOAD_CONTENT);
  g_assert_true (g_bytes_equal (post.content, hello));
  g_assert_nonnull (post.parsed->datamessage);
  g_assert_cmpstr (post.parsed->datamessage->body, ==, "hello");
  g_assert_cmpuint (post.parsed->sigtimestamp, ==, 1754971101000);
}

static void
test_unblinded (void)
{
  g_autoptr(GBytes) hello = sd_test_hex (HELLO);
  g_autofree gchar *data = NULL, *sig = NULL;
  g_autofree gchar *pk_hex = sd_hex_encode (key1.ed25519_pk, 32);
  g_autofree gchar *id = g_strconcat ("00", pk_hex, NULL);
  g_auto(SdSogsPost) post = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_sogs_post_encode (key1.ed25519_sk, server_pk, FALSE,
                                      g_bytes_get_data (hello, NULL), g_bytes_get_size (hello),
                                      &data, &sig, &error));
  g_assert_true (sd_sogs_post_decode (id, data, sig, &post, &error));
  g_assert_no_error (error);
  sd_sogs_post_clear (&post);
  /* a blinded-signed post does not pass as the 00 key and vice versa */
  g_assert_false (sd_sogs_post_decode (blinded_id, data, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
}

static void
test_envelope_form (void)
{
  g_autoptr(GBytes) hello = sd_test_hex (HELLO);
  g_autoptr(GBytes) padded = sd_pad (g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
  SessionProtos__Envelope env = SESSION_PROTOS__ENVELOPE__INIT;
  g_autofree guint8 *packed = NULL;
  g_autofree gchar *b64 = NULL, *sig_b64 = NULL;
  g_autoptr(GBytes) data = NULL;
  g_auto(SdSogsPost) post = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 sig[64];
  gsize len;

  env.has_type = TRUE;
  env.type = SESSION_PROTOS__ENVELOPE__TYPE__SESSION_MESSAGE;
  env.timestamp = 1754971101000;
  env.has_content = TRUE;
  env.content.data = (guint8 *) g_bytes_get_data (hello, &env.content.len);
  len = session_protos__envelope__get_packed_size (&env);
  packed = g_malloc (len);
  session_protos__envelope__pack (&env, packed);
  data = sd_pad (packed, len);
  sd_blind15_sign (key1.ed25519_sk, server_pk, g_bytes_get_data (data, NULL),
                   g_bytes_get_size (data), sig);
  b64 = sd_base64_encode (g_bytes_get_data (data, NULL), g_bytes_get_size (data), TRUE);
  sig_b64 = sd_base64_encode (sig, 64, TRUE);

  g_assert_true (sd_sogs_post_decode (blinded_id, b64, sig_b64, &post, &error));
  g_assert_no_error (error);
  g_assert_cmpint (post.kind, ==, SD_SOGS_PAYLOAD_ENVELOPE);
  g_assert_cmpuint (post.envelope_timestamp, ==, 1754971101000);
  g_assert_true (g_bytes_equal (post.content, hello));
  g_assert_cmpstr (post.parsed->datamessage->body, ==, "hello");

  /* a padded Content inside the Envelope is unpadded too */
  sd_sogs_post_clear (&post);
  env.content.data = (guint8 *) g_bytes_get_data (padded, &env.content.len);
  len = session_protos__envelope__get_packed_size (&env);
  g_free (packed);
  packed = g_malloc (len);
  session_protos__envelope__pack (&env, packed);
  g_assert_true (sd_sogs_post_parse_data (packed, len, &post, &error));
  g_assert_true (g_bytes_equal (post.content, hello));
}

static void
test_rejects (void)
{
  g_autoptr(GBytes) hello = sd_test_hex (HELLO);
  g_autofree gchar *data = NULL, *sig = NULL;
  g_autofree gchar *huge = g_strnfill (4 * (SD_SOGS_POST_MAX_DATA / 3) + 8, 'A');
  g_auto(SdSogsPost) post = { 0 };
  g_autoptr(GError) error = NULL;
  const guint8 garbage[] = { 0x0a, 0xff, 0x01 };
  const guint8 bad_envelope[] = { 0x08, 0x06 }; /* no timestamp, no content */

  g_assert_true (sd_sogs_post_encode (key1.ed25519_sk, server_pk, TRUE,
                                      g_bytes_get_data (hello, NULL), g_bytes_get_size (hello),
                                      &data, &sig, &error));
  /* tampered data */
  data[3] = data[3] == 'A' ? 'B' : 'A';
  g_assert_false (sd_sogs_post_decode (blinded_id, data, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  /* oversize, missing, not base64, short signature, bad poster id */
  g_assert_false (sd_sogs_post_decode (blinded_id, huge, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_decode (blinded_id, NULL, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_decode (blinded_id, "!!!", sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_decode (blinded_id, data, "AAAA", &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_decode (key1.session_id, data, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_decode ("0300", data, sig, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID);
  g_clear_error (&error);
  /* signed but not protobuf */
  g_assert_false (sd_sogs_post_parse_data (garbage, sizeof garbage, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_parse_data (bad_envelope, sizeof bad_envelope, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (sd_sogs_post_parse_data (garbage, 0, &post, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_assert_null (post.content);
  g_assert_null (post.parsed);
}

int
main (int argc, char **argv)
{
  guint8 seed[32];
  SdBlindedKeyPair kp;

  g_test_init (&argc, &argv, NULL);
  sd_test_hex_into (SEED1, seed, sizeof seed);
  sd_identity_from_seed (&key1, seed);
  sd_test_hex_into (SERVER, server_pk, sizeof server_pk);
  g_assert_true (sd_blind15_key_pair (key1.ed25519_sk, server_pk, &kp));
  sd_blinded_id_format (SD_BLINDING_15, kp.pk, blinded_id);
  g_test_add_func ("/protocol/sogs-post/round-trip", test_round_trip);
  g_test_add_func ("/protocol/sogs-post/unblinded", test_unblinded);
  g_test_add_func ("/protocol/sogs-post/envelope-form", test_envelope_form);
  g_test_add_func ("/protocol/sogs-post/rejects", test_rejects);
  return g_test_run ();
}
