/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion requests v4 to a server (protocol-network.md §6.3, §6.5): the
 * request is peeled here as the relays and the server would */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-bencode.h"
#include "sd-onion-layer.h"
#include "sd-onion-v4.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* §9.1's aes-gcm layer key, used as a known reply key */
#define V_KEY_GCM "4f310f62c43f14d7fea7c084819a4e394d9fc7005919275ac18d9eb8bf3e4231"
#define V_ENC_GCM "1eb6ae1cd72f60999486365749bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b61"

typedef struct {
  guint8 x_pk[32], x_sk[32];
} Keys;

static void
keys_init (Keys *k, SdOnionNode *pub)
{
  crypto_box_keypair (k->x_pk, k->x_sk);
  if (pub != NULL) {
    memcpy (pub->x25519_pk, k->x_pk, 32);
    randombytes_buf (pub->ed25519_pk, 32);
  }
}

/* one node's work: split the layer, derive the key, decrypt */
static GBytes *
open_layer (const Keys *k, GBytes *layer, JsonObject **json, guint8 key[32])
{
  g_autoptr(GError) error = NULL;
  const guint8 *blob;
  gsize blob_len;
  const gchar *eph_hex;
  guint8 eph[32];
  SdOnionCipher cipher;
  GBytes *plain;

  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (layer, NULL), g_bytes_get_size (layer),
                                       &blob, &blob_len, json, &error));
  g_assert_no_error (error);
  eph_hex = json_object_get_string_member (*json, "ephemeral_key");
  sd_test_hex_into (eph_hex, eph, 32);
  g_assert_true (sd_onion_cipher_from_string (
    json_object_get_string_member_with_default (*json, "enc_type", NULL), &cipher, &error));
  g_assert_true (sd_onion_key_node (cipher, k->x_sk, k->x_pk, eph, key));
  plain = sd_onion_decrypt (cipher, key, blob, blob_len, &error);
  g_assert_no_error (error);
  return plain;
}

static void
check_request (SdOnionCipher cipher)
{
  Keys relays[SD_ONION_HOPS], server_keys;
  SdOnionNode hops[SD_ONION_HOPS];
  SdOnionServer server = { "127.0.0.1", "http", 40050, { 0 } };
  const gchar *headers[] = { "Content-Type", "application/octet-stream", NULL };
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) layer = NULL;
  g_autofree gchar *method = NULL, *endpoint = NULL;
  g_autoptr(JsonObject) req_headers = NULL;
  g_autoptr(GBytes) body = NULL;
  guint8 key[32];

  for (guint i = 0; i < SD_ONION_HOPS; i++)
    keys_init (&relays[i], &hops[i]);
  keys_init (&server_keys, NULL);
  memcpy (server.x25519_pk, server_keys.x_pk, 32);

  g_assert_true (sd_onion_v4_request_build (cipher, hops, SD_ONION_HOPS, &server, "POST", "/file",
                                            headers, (const guint8 *) "abc", 3, &request,
                                            &error));
  g_assert_no_error (error);

  /* guard and middle relay forward by Ed25519 key; the last proxies */
  layer = g_bytes_ref (request.body);
  for (guint i = 0; i < SD_ONION_HOPS; i++) {
    g_autoptr(JsonObject) json = NULL;
    g_autoptr(GBytes) plain = open_layer (&relays[i], layer, &json, key);
    g_autoptr(JsonObject) next = NULL;
    const guint8 *blob;
    gsize blob_len;

    g_assert_true (sd_onion_layer_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                         &blob, &blob_len, &next, &error));
    g_assert_no_error (error);
    if (i + 1 < SD_ONION_HOPS) {
      g_autofree gchar *dest = sd_hex_encode (hops[i + 1].ed25519_pk, 32);

      g_assert_cmpstr (json_object_get_string_member (next, "destination"), ==, dest);
      g_assert_false (json_object_has_member (next, "host"));
    } else {
      /* §6.3: host, target, method, protocol, port for the server */
      g_assert_cmpstr (json_object_get_string_member (next, "host"), ==, "127.0.0.1");
      g_assert_cmpstr (json_object_get_string_member (next, "target"), ==, "/oxen/v4/lsrpc");
      g_assert_cmpstr (json_object_get_string_member (next, "method"), ==, "POST");
      g_assert_cmpstr (json_object_get_string_member (next, "protocol"), ==, "http");
      g_assert_cmpint (json_object_get_int_member (next, "port"), ==, 40050);
      g_assert_false (json_object_has_member (next, "destination"));
    }
    /* what the next node receives is this layer's inner part, with the
     * next layer's control JSON beside it */
    g_clear_pointer (&layer, g_bytes_unref);
    layer = g_bytes_ref (plain);
  }

  /* the server: its layer, then the documented bencoded request */
  {
    g_autoptr(JsonObject) json = NULL;
    g_autoptr(GBytes) payload = open_layer (&server_keys, layer, &json, key);
    static const gchar expected[] =
      "l90:{\"method\":\"POST\",\"endpoint\":\"/file\","
      "\"headers\":{\"Content-Type\":\"application/octet-stream\"}}3:abce";

    g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), expected,
                     strlen (expected));
    g_assert_cmpmem (key, 32, request.reply_key, 32);
    g_assert_true (sd_onion_v4_payload_parse (g_bytes_get_data (payload, NULL),
                                              g_bytes_get_size (payload), &method, &endpoint,
                                              &req_headers, &body, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (method, ==, "POST");
    g_assert_cmpstr (endpoint, ==, "/file");
    g_assert_cmpstr (json_object_get_string_member (req_headers, "Content-Type"), ==,
                     "application/octet-stream");
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "abc", 3);
  }

  /* the server's reply comes back raw; the client decodes it */
  {
    const gchar *reply_headers[] = { "Content-Type", "application/json", NULL };
    g_autoptr(GBytes) reply = sd_onion_v4_reply_build (200, reply_headers,
                                                       (const guint8 *) "{\"id\":\"x\"}", 10);
    g_autoptr(GBytes) sealed = sd_onion_encrypt (cipher, key, g_bytes_get_data (reply, NULL),
                                                 g_bytes_get_size (reply), &error);
    g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };

    g_assert_true (sd_onion_v4_response_decode (&request, g_bytes_get_data (sealed, NULL),
                                                g_bytes_get_size (sealed), &resp, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (resp.status, ==, 200);
    g_assert_cmpstr (g_hash_table_lookup (resp.headers, "content-type"), ==, "application/json");
    g_assert_cmpmem (g_bytes_get_data (resp.body, NULL), g_bytes_get_size (resp.body),
                     "{\"id\":\"x\"}", 10);

    /* the same, decrypted where it lies */
    {
      g_auto(SdOnionV4Response) owned = { 0, NULL, NULL };

      g_assert_true (sd_onion_v4_response_decode_owned (&request, g_bytes_ref (sealed), &owned,
                                                        &error));
      g_assert_no_error (error);
      g_assert_cmpuint (owned.status, ==, 200);
      g_assert_cmpstr (g_hash_table_lookup (owned.headers, "content-type"), ==,
                       "application/json");
      g_assert_true (g_bytes_equal (owned.body, resp.body));
    }
  }
}

static void
test_request_gcm (void)
{
  check_request (SD_ONION_CIPHER_AES_GCM);
}

static void
test_request_xchacha (void)
{
  check_request (SD_ONION_CIPHER_XCHACHA20);
}

/* §6.3: a body item is optional (GET) */
static void
test_payload_without_body (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) p = sd_onion_v4_payload_build ("GET", "/file/abc/info", NULL, NULL, 0, &error);
  static const gchar expected[] = "l57:{\"method\":\"GET\",\"endpoint\":\"/file/abc/info\",\"headers\":{}}e";
  g_autofree gchar *m = NULL, *e = NULL;
  g_autoptr(JsonObject) h = NULL;
  g_autoptr(GBytes) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (p, NULL), g_bytes_get_size (p), expected, strlen (expected));
  g_assert_true (sd_onion_v4_payload_parse (g_bytes_get_data (p, NULL), g_bytes_get_size (p), &m,
                                            &e, &h, &b, &error));
  g_assert_null (b);
  g_assert_cmpuint (json_object_get_size (h), ==, 0);
}

static void
test_bad_requests (void)
{
  const gchar *odd[] = { "X-One", NULL };
  const gchar *crlf[] = { "X-One", "a\r\nInjected: 1", NULL };
  SdOnionNode hop = { { 0 }, { 0 } };
  SdOnionServer server = { "evil.example/path", "http", 0, { 0 } };
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;

  g_assert_null (sd_onion_v4_payload_build ("PATCH", "/file", NULL, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_null (sd_onion_v4_payload_build ("GET", "file", NULL, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_onion_v4_payload_build ("GET", "/a b", NULL, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_onion_v4_payload_build ("GET", "/", odd, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_onion_v4_payload_build ("GET", "/", crlf, NULL, 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  {
    g_autofree guint8 *big = g_malloc0 (SD_ONION_V4_MAX_BODY + 1);

    g_assert_null (sd_onion_v4_payload_build ("POST", "/file", NULL, big,
                                              SD_ONION_V4_MAX_BODY + 1, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }

  crypto_box_keypair (hop.x25519_pk, server.x25519_pk);
  crypto_box_keypair (server.x25519_pk, hop.ed25519_pk);
  g_assert_false (sd_onion_v4_request_build (SD_ONION_CIPHER_XCHACHA20, &hop, 1, &server, "GET",
                                             "/", NULL, NULL, 0, &request, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  server.host = "127.0.0.1";
  server.protocol = "ftp";
  g_assert_false (sd_onion_v4_request_build (SD_ONION_CIPHER_XCHACHA20, &hop, 1, &server, "GET",
                                             "/", NULL, NULL, 0, &request, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
}

static void
assert_reply_fails (SdOnionRequest *request, const guint8 *plain, gsize len, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sealed = sd_onion_encrypt (request->cipher, request->reply_key, plain, len,
                                               &error);
  g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };

  g_assert_false (sd_onion_v4_response_decode (request, g_bytes_get_data (sealed, NULL),
                                               g_bytes_get_size (sealed), &resp, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
  g_assert_null (resp.headers);
  /* the in-place reader refuses the same */
  g_clear_error (&error);
  g_assert_false (sd_onion_v4_response_decode_owned (request, g_bytes_ref (sealed), &resp,
                                                     &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
  g_assert_null (resp.headers);
}

static void
test_bad_replies (void)
{
  g_auto(SdOnionRequest) request = { NULL, SD_ONION_CIPHER_AES_GCM, { 0 } };
  g_autoptr(GBytes) hello = sd_test_hex (V_ENC_GCM);
  g_autoptr(GError) error = NULL;
  g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };
  static const struct {
    const gchar *plain;
  } bad[] = {
    { "le" },                                    /* no meta */
    { "l2:{}e" },                                /* no code */
    { "l10:{\"code\":7}e" },                     /* impossible code */
    { "l12:{\"code\":\"x\"}e" },                 /* not a number */
    { "l4:nonee" },                              /* meta not JSON */
    { "li5ee" },                                 /* not a byte string */
    { "l12:{\"code\":200}1:a1:be" },             /* three items */
    { "d4:codei200ee" },                         /* not a list */
    { "l12:{\"code\":200}e " },                  /* something after the list */
    { "l012:{\"code\":200}e" },                  /* a length with a leading zero */
    { "l99:{\"code\":200}e" },                   /* a length past the end */
    { "l12:{\"code\":200}3:abe" },               /* a body past the end */
    { "l12:{\"code\":200}" },                    /* no end */
  };

  sd_test_hex_into (V_KEY_GCM, request.reply_key, 32);
  /* §9.1's ciphertext decrypts, but "Hello world" is no bencoded reply */
  g_assert_false (sd_onion_v4_response_decode (&request, g_bytes_get_data (hello, NULL),
                                               g_bytes_get_size (hello), &resp, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  /* a flipped byte fails authentication; short input is truncated */
  {
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));

    copy[20] ^= 1;
    g_assert_false (sd_onion_v4_response_decode (&request, copy, g_bytes_get_size (hello), &resp,
                                                 &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
    g_clear_error (&error);
    g_assert_false (sd_onion_v4_response_decode (&request, copy, 10, &resp, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
    g_clear_error (&error);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_reply_fails (&request, (const guint8 *) bad[i].plain, strlen (bad[i].plain),
                        SD_PROTOCOL_ERROR_MALFORMED);

  /* a reply without a body (e.g. 404) is fine */
  {
    g_autoptr(GBytes) reply = sd_onion_v4_reply_build (404, NULL, NULL, 0);
    g_autoptr(GBytes) sealed = sd_onion_encrypt (request.cipher, request.reply_key,
                                                 g_bytes_get_data (reply, NULL),
                                                 g_bytes_get_size (reply), &error);

    g_assert_true (sd_onion_v4_response_decode (&request, g_bytes_get_data (sealed, NULL),
                                                g_bytes_get_size (sealed), &resp, &error));
    g_assert_cmpuint (resp.status, ==, 404);
    g_assert_null (resp.body);
  }
}

typedef struct {
  gsize len;
  guint calls;
  gboolean fail;
} FillData;

static gboolean
fill_pattern (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  FillData *fill = user_data;

  g_assert_cmpuint (len, ==, fill->len);
  fill->calls++;
  if (fill->fail) {
    g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot read");
    return FALSE;
  }
  for (gsize i = 0; i < len; i++)
    dst[i] = (guint8) (i * 31 + 7);
  return TRUE;
}

/* a large body written in place by a fill callback arrives at the server whole, in the
 * documented framing; a fill that fails fails the build with its error and leaves nothing */
static void
test_request_filled (void)
{
  Keys relays[SD_ONION_HOPS], server_keys;
  SdOnionNode hops[SD_ONION_HOPS];
  SdOnionServer server = { "files.example", "https", 0, { 0 } };
  g_auto(SdOnionRequest) request = { NULL, 0, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) layer = NULL;
  g_autofree gchar *method = NULL, *endpoint = NULL;
  g_autoptr(JsonObject) req_headers = NULL;
  g_autoptr(GBytes) body = NULL;
  FillData fill = { 3 * 1000 * 1000 + 1, 0, FALSE };
  guint8 key[32];

  for (guint i = 0; i < SD_ONION_HOPS; i++)
    keys_init (&relays[i], &hops[i]);
  keys_init (&server_keys, NULL);
  memcpy (server.x25519_pk, server_keys.x_pk, 32);

  g_assert_true (sd_onion_v4_request_build_filled (SD_ONION_CIPHER_XCHACHA20, hops,
                                                   SD_ONION_HOPS, &server, "POST", "/file", NULL,
                                                   fill.len, fill_pattern, &fill, &request,
                                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fill.calls, ==, 1);
  layer = g_bytes_ref (request.body);
  for (guint i = 0; i < SD_ONION_HOPS; i++) {
    g_autoptr(JsonObject) json = NULL;
    g_autoptr(GBytes) plain = open_layer (&relays[i], layer, &json, key);

    g_clear_pointer (&layer, g_bytes_unref);
    layer = g_bytes_ref (plain);
  }
  {
    g_autoptr(JsonObject) json = NULL;
    g_autoptr(GBytes) payload = open_layer (&server_keys, layer, &json, key);
    const guint8 *b;
    gsize n;

    g_assert_true (sd_onion_v4_payload_parse (g_bytes_get_data (payload, NULL),
                                              g_bytes_get_size (payload), &method, &endpoint,
                                              &req_headers, &body, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (endpoint, ==, "/file");
    b = g_bytes_get_data (body, &n);
    g_assert_cmpuint (n, ==, fill.len);
    for (gsize i = 0; i < n; i += 4099)
      g_assert_cmpuint (b[i], ==, (guint8) (i * 31 + 7));
    g_assert_cmpuint (b[n - 1], ==, (guint8) ((n - 1) * 31 + 7));
  }
  sd_onion_request_clear (&request);

  fill.fail = TRUE;
  g_assert_false (sd_onion_v4_request_build_filled (SD_ONION_CIPHER_AES_GCM, hops, SD_ONION_HOPS,
                                                    &server, "POST", "/file", NULL, fill.len,
                                                    fill_pattern, &fill, &request, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_IO);
  g_assert_null (request.body);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/onion-v4/request/aes-gcm", test_request_gcm);
  g_test_add_func ("/onion-v4/request/xchacha20", test_request_xchacha);
  g_test_add_func ("/onion-v4/payload-without-body", test_payload_without_body);
  g_test_add_func ("/onion-v4/bad-requests", test_bad_requests);
  g_test_add_func ("/onion-v4/bad-replies", test_bad_replies);
  g_test_add_func ("/onion-v4/request/filled", test_request_filled);
  return g_test_run ();
}
