/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion request building and reply decoding (protocol-network.md §6.3,
 * §6.5): every request is peeled here exactly as the nodes would */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-onion-crypto.h"
#include "sd-onion-layer.h"
#include "sd-onion-request.h"
#include "sd-protocol-error.h"

#define RPC_JSON "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"05aa\",\"namespace\":0}}"

typedef struct {
  guint8 ed_pk[32];
  guint8 ed_sk[64];
  guint8 x_pk[32];
  guint8 x_sk[32];
} TestNode;

typedef struct {
  TestNode nodes[SD_ONION_HOPS + 1]; /* the hops, then the destination */
  SdOnionNode hops[SD_ONION_HOPS];
  SdOnionNode destination;
} Fixture;

static gchar *
to_hex (const guint8 *data, gsize len)
{
  gchar *out = g_malloc (len * 2 + 1);

  sodium_bin2hex (out, len * 2 + 1, data, len);
  return out;
}

static gchar *
to_base64 (const guint8 *data, gsize len)
{
  gsize out_len = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_ORIGINAL);
  gchar *out = g_malloc (out_len);

  sodium_bin2base64 (out, out_len, data, len, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

/* a node as a real snode is keyed: Ed25519 identity, X25519 derived */
static void
test_node_init (TestNode *node, SdOnionNode *pub)
{
  g_assert_cmpint (crypto_sign_keypair (node->ed_pk, node->ed_sk), ==, 0);
  g_assert_cmpint (crypto_sign_ed25519_pk_to_curve25519 (node->x_pk, node->ed_pk), ==, 0);
  g_assert_cmpint (crypto_sign_ed25519_sk_to_curve25519 (node->x_sk, node->ed_sk), ==, 0);
  memcpy (pub->ed25519_pk, node->ed_pk, 32);
  memcpy (pub->x25519_pk, node->x_pk, 32);
}

static void
fixture_setup (Fixture *f, gconstpointer user_data)
{
  for (guint i = 0; i < SD_ONION_HOPS; i++)
    test_node_init (&f->nodes[i], &f->hops[i]);
  test_node_init (&f->nodes[SD_ONION_HOPS], &f->destination);
}

static void
fixture_teardown (Fixture *f, gconstpointer user_data)
{
  sodium_memzero (f, sizeof *f);
}

/* what a node does with a layer addressed to it: derive the key from
 * its secret and the layer's ephemeral_key/enc_type, then decrypt */
static GBytes *
node_decrypt (const TestNode *node,
              const guint8 *blob,
              gsize blob_len,
              JsonObject *json,
              SdOnionCipher expected_cipher,
              GPtrArray *seen_ephemeral,
              guint8 key[SD_ONION_KEY_LEN])
{
  const gchar *eph_hex = json_object_get_string_member (json, "ephemeral_key");
  guint8 eph[32];
  size_t bin_len = 0;
  SdOnionCipher cipher;
  g_autoptr(GError) error = NULL;
  GBytes *plain;

  g_assert_nonnull (eph_hex);
  g_assert_cmpuint (strlen (eph_hex), ==, 64);
  g_assert_cmpint (sodium_hex2bin (eph, 32, eph_hex, 64, NULL, &bin_len, NULL), ==, 0);
  g_assert_cmpuint (bin_len, ==, 32);
  /* a fresh ephemeral key for every layer */
  for (guint i = 0; i < seen_ephemeral->len; i++)
    g_assert_cmpstr (g_ptr_array_index (seen_ephemeral, i), !=, eph_hex);
  g_ptr_array_add (seen_ephemeral, g_strdup (eph_hex));

  g_assert_true (sd_onion_cipher_from_string (json_object_get_string_member (json, "enc_type"),
                                              &cipher, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cipher, ==, expected_cipher);

  g_assert_true (sd_onion_key_node (cipher, node->x_sk, node->x_pk, eph, key));
  plain = sd_onion_decrypt (cipher, key, blob, blob_len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plain);
  return plain;
}

/* peels @request down to the destination, checking every layer, and
 * returns the destination's layer key */
static void
peel (Fixture *f,
      const SdOnionRequest *request,
      SdOnionCipher cipher,
      gsize n_hops,
      guint8 dest_key[SD_ONION_KEY_LEN])
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(GBytes) current = g_bytes_ref (request->body);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) dest_plain = NULL;
  g_autoptr(JsonObject) ctl = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const guint8 *blob = NULL;
  gsize blob_len = 0;
  const guint8 *rpc = NULL;
  gsize rpc_len = 0;
  guint8 key[SD_ONION_KEY_LEN];
  JsonObject *rpc_obj;

  /* the HTTP body: only ephemeral_key and enc_type, no destination */
  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (current, NULL),
                                       g_bytes_get_size (current),
                                       &blob, &blob_len, &json, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json), ==, 2);
  g_assert_false (json_object_has_member (json, "destination"));
  g_assert_cmpstr (json_object_get_string_member (json, "enc_type"), ==,
                   sd_onion_cipher_to_string (cipher));

  for (gsize i = 0; i < n_hops; i++) {
    g_autoptr(GBytes) plain = node_decrypt (&f->nodes[i], blob, blob_len, json, cipher, seen,
                                            key);
    const guint8 *next_ed = i + 1 < n_hops ? f->nodes[i + 1].ed_pk : f->destination.ed25519_pk;
    g_autofree gchar *next_hex = to_hex (next_ed, 32);

    g_clear_pointer (&json, json_object_unref);
    g_assert_true (sd_onion_layer_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                         &blob, &blob_len, &json, &error));
    g_assert_no_error (error);
    /* a relay layer: where to, with which key and cipher; never "headers" */
    g_assert_cmpuint (json_object_get_size (json), ==, 3);
    g_assert_false (json_object_has_member (json, "headers"));
    g_assert_cmpstr (json_object_get_string_member (json, "destination"), ==, next_hex);
    g_assert_cmpstr (json_object_get_string_member (json, "enc_type"), ==,
                     sd_onion_cipher_to_string (cipher));
    /* the blob points into plain; keep it alive for the next round */
    g_clear_pointer (&current, g_bytes_unref);
    current = g_bytes_ref (plain);
  }

  /* the destination */
  dest_plain = node_decrypt (&f->nodes[SD_ONION_HOPS], blob, blob_len, json, cipher, seen,
                             dest_key);
  g_assert_cmpuint (seen->len, ==, n_hops + 1);
  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (dest_plain, NULL),
                                       g_bytes_get_size (dest_plain),
                                       &rpc, &rpc_len, &ctl, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (ctl, "headers"));
  g_assert_false (json_object_has_member (ctl, "destination"));
  g_assert_cmpmem (rpc, rpc_len, RPC_JSON, strlen (RPC_JSON));

  g_assert_true (json_parser_load_from_data (parser, (const gchar *) rpc, (gssize) rpc_len,
                                             &error));
  g_assert_no_error (error);
  rpc_obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (rpc_obj, "method"), ==, "retrieve");

  /* the client keeps the destination's key to read the reply */
  g_assert_cmpint (request->cipher, ==, cipher);
  g_assert_cmpmem (request->reply_key, SD_ONION_KEY_LEN, dest_key, SD_ONION_KEY_LEN);
}

/* the destination's answer: base64 of the encrypted JSON */
static gchar *
destination_reply (SdOnionCipher cipher, const guint8 key[SD_ONION_KEY_LEN], const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sealed = sd_onion_encrypt (cipher, key, (const guint8 *) json,
                                               strlen (json), &error);

  g_assert_no_error (error);
  return to_base64 (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
}

static void
assert_reply (const SdOnionRequest *request,
              const gchar *reply,
              guint expected_status,
              const gchar *expected_body)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *body = NULL;
  guint status = 0;

  g_assert_true (sd_onion_response_decode (request, reply, strlen (reply), &status, &body,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, expected_status);
  g_assert_cmpstr (body, ==, expected_body);
}

static void
assert_reply_error (const SdOnionRequest *request, const gchar *reply, gsize len, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *body = NULL;
  guint status = 0;

  g_assert_false (sd_onion_response_decode (request, reply, len, &status, &body, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
  g_assert_null (body);
  g_test_message ("rejected reply: %s", error->message);
}

static void
check_round_trip (Fixture *f, SdOnionCipher cipher, gsize n_hops)
{
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_auto(SdOnionRequest) again = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;
  guint8 key[SD_ONION_KEY_LEN];
  g_autofree gchar *string_reply = NULL;
  g_autofree gchar *object_reply = NULL;
  g_autofree gchar *code_reply = NULL;
  g_autofree gchar *legacy = NULL;
  g_autofree gchar *legacy_inner = NULL;
  g_autofree gchar *newline = NULL;
  g_autofree gchar *null_body = NULL;

  g_assert_true (sd_onion_request_build (cipher, f->hops, n_hops, &f->destination, RPC_JSON,
                                         &request, &error));
  g_assert_no_error (error);
  g_assert_nonnull (request.body);
  peel (f, &request, cipher, n_hops, key);

  /* a second build of the same request shares nothing */
  g_assert_true (sd_onion_request_build (cipher, f->hops, n_hops, &f->destination, RPC_JSON,
                                         &again, &error));
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (request.body, again.body));
  g_assert_true (memcmp (request.reply_key, again.reply_key, SD_ONION_KEY_LEN) != 0);

  /* storage servers put the dumped JSON result into a string */
  string_reply = destination_reply (cipher, key,
                                    "{\"status\":200,\"body\":\"{\\\"messages\\\":[],\\\"t\\\":1}\"}");
  assert_reply (&request, string_reply, 200, "{\"messages\":[],\"t\":1}");

  /* with "json":true the body is embedded as an object */
  object_reply = destination_reply (cipher, key,
                                    "{\"body\":{\"snodes\":[],\"swarm\":\"ff\"},\"status\":421}");
  assert_reply (&request, object_reply, 421, "{\"snodes\":[],\"swarm\":\"ff\"}");

  code_reply = destination_reply (cipher, key,
                                  "{\"status_code\":406,\"body\":\"Timestamp error\"}");
  assert_reply (&request, code_reply, 406, "Timestamp error");

  null_body = destination_reply (cipher, key, "{\"status\":200,\"body\":null}");
  assert_reply (&request, null_body, 200, "");

  legacy_inner = destination_reply (cipher, key, "{\"status\":200,\"body\":[1,2]}");
  legacy = g_strdup_printf ("{\"result\":\"%s\"}", legacy_inner);
  assert_reply (&request, legacy, 200, "[1,2]");

  newline = g_strdup_printf ("%s\r\n", string_reply);
  assert_reply (&request, newline, 200, "{\"messages\":[],\"t\":1}");

  /* the reply key belongs to this request only */
  assert_reply_error (&again, string_reply, strlen (string_reply), SD_PROTOCOL_ERROR_DECRYPT);
}

static void
test_three_hops_gcm (Fixture *f, gconstpointer user_data)
{
  check_round_trip (f, SD_ONION_CIPHER_AES_GCM, SD_ONION_HOPS);
}

static void
test_three_hops_xchacha (Fixture *f, gconstpointer user_data)
{
  check_round_trip (f, SD_ONION_CIPHER_XCHACHA20, SD_ONION_HOPS);
}

static void
test_one_hop (Fixture *f, gconstpointer user_data)
{
  check_round_trip (f, SD_ONION_CIPHER_XCHACHA20, 1);
}

static void
test_garbage_replies (Fixture *f, gconstpointer user_data)
{
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;
  const SdOnionCipher cipher = SD_ONION_CIPHER_XCHACHA20;
  guint8 key[SD_ONION_KEY_LEN];
  guint8 noise[64];
  g_autofree gchar *noise_b64 = NULL;
  const gchar *bad_plain[] = {
    "not json",
    "[200]",
    "{\"status\":200",
    "{\"body\":\"x\"}",
    "{\"status\":\"200\",\"body\":\"x\"}",
    "{\"status\":200.5,\"body\":\"x\"}",
    "{\"status\":99,\"body\":\"x\"}",
    "{\"status\":1000,\"body\":\"x\"}",
    "{\"status\":-1,\"body\":\"x\"}",
    "{\"status\":null}",
    "",
  };
  const gchar *bad_wrappers[] = {
    "{\"result\":5}",
    "{\"result\":null}",
    "{\"other\":\"abc\"}",
    "{\"result\":\"abc\"",
    "{}",
  };

  g_assert_true (sd_onion_request_build (cipher, f->hops, SD_ONION_HOPS, &f->destination,
                                         RPC_JSON, &request, &error));
  g_assert_no_error (error);
  peel (f, &request, cipher, SD_ONION_HOPS, key);

  /* not base64 at all, or base64 with bad padding or bits */
  assert_reply_error (&request, "!!!!", 4, SD_PROTOCOL_ERROR_INVALID_BASE64);
  assert_reply_error (&request, "Next node not found: abc", 24, SD_PROTOCOL_ERROR_INVALID_BASE64);
  assert_reply_error (&request, "QQ=", 3, SD_PROTOCOL_ERROR_INVALID_BASE64);
  assert_reply_error (&request, "QR==", 4, SD_PROTOCOL_ERROR_INVALID_BASE64);
  assert_reply_error (&request, "QUFB\0QUFB", 9, SD_PROTOCOL_ERROR_INVALID_BASE64);
  /* base64 but too short to hold nonce and tag */
  assert_reply_error (&request, "", 0, SD_PROTOCOL_ERROR_TRUNCATED);
  assert_reply_error (&request, "QUFB", 4, SD_PROTOCOL_ERROR_TRUNCATED);
  /* base64 of noise does not authenticate */
  randombytes_buf (noise, sizeof noise);
  noise_b64 = to_base64 (noise, sizeof noise);
  assert_reply_error (&request, noise_b64, strlen (noise_b64), SD_PROTOCOL_ERROR_DECRYPT);

  /* correctly encrypted, but not a reply */
  for (gsize i = 0; i < G_N_ELEMENTS (bad_plain); i++) {
    g_autofree gchar *reply = destination_reply (cipher, key, bad_plain[i]);

    g_test_message ("bad plaintext %" G_GSIZE_FORMAT, i);
    assert_reply_error (&request, reply, strlen (reply), SD_PROTOCOL_ERROR_MALFORMED);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_wrappers); i++) {
    g_test_message ("bad wrapper %" G_GSIZE_FORMAT, i);
    assert_reply_error (&request, bad_wrappers[i], strlen (bad_wrappers[i]),
                        SD_PROTOCOL_ERROR_MALFORMED);
  }

  /* a reply meant for the other cipher */
  if (crypto_aead_aes256gcm_is_available ()) {
    g_autofree gchar *reply = destination_reply (SD_ONION_CIPHER_AES_GCM, key,
                                                 "{\"status\":200,\"body\":\"\"}");

    assert_reply_error (&request, reply, strlen (reply), SD_PROTOCOL_ERROR_DECRYPT);
  }
}

/* a destination key that is a low-order point cannot be used */
static void
test_bad_destination_key (Fixture *f, gconstpointer user_data)
{
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;
  SdOnionNode bad = f->destination;

  memset (bad.x25519_pk, 0, sizeof bad.x25519_pk);
  g_assert_false (sd_onion_request_build (SD_ONION_CIPHER_XCHACHA20, f->hops, SD_ONION_HOPS,
                                          &bad, RPC_JSON, &request, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (request.body);
}

static void
test_clear (Fixture *f, gconstpointer user_data)
{
  SdOnionRequest request = { NULL, 0, { 0 } };
  const guint8 zero[SD_ONION_KEY_LEN] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_onion_request_build (SD_ONION_CIPHER_XCHACHA20, f->hops, SD_ONION_HOPS,
                                         &f->destination, RPC_JSON, &request, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (request.reply_key, zero, sizeof zero) != 0);
  sd_onion_request_clear (&request);
  g_assert_null (request.body);
  g_assert_cmpmem (request.reply_key, sizeof zero, zero, sizeof zero);
  /* clearing twice is fine */
  sd_onion_request_clear (&request);
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, NULL);

  if (crypto_aead_aes256gcm_is_available ())
    g_test_add ("/onion-request/three-hops/gcm", Fixture, NULL,
                fixture_setup, test_three_hops_gcm, fixture_teardown);
  else
    g_test_message ("no hardware AES: aes-gcm request skipped");
  g_test_add ("/onion-request/three-hops/xchacha20", Fixture, NULL,
              fixture_setup, test_three_hops_xchacha, fixture_teardown);
  g_test_add ("/onion-request/one-hop", Fixture, NULL,
              fixture_setup, test_one_hop, fixture_teardown);
  g_test_add ("/onion-request/garbage-replies", Fixture, NULL,
              fixture_setup, test_garbage_replies, fixture_teardown);
  g_test_add ("/onion-request/bad-destination-key", Fixture, NULL,
              fixture_setup, test_bad_destination_key, fixture_teardown);
  g_test_add ("/onion-request/clear", Fixture, NULL,
              fixture_setup, test_clear, fixture_teardown);

  return g_test_run ();
}
