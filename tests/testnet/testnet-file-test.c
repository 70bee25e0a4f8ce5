/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the testnet file server through 3-hop onion requests v4: upload,
 * download, info, content-hash ids, and its control actions */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-onion-v4.h"
#include "st-test-util.h"

typedef struct {
  StTestnet *testnet;
  SdOnionServer server;
  gchar *host;   /* (owned) */
  gchar *ed_hex; /* (owned) */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer user_data)
{
  const gchar *args[] = { "--nodes", "4", "--swarm-size", "4", NULL };
  g_autofree gchar *text = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GUri) uri = NULL;
  JsonObject *fs;

  f->testnet = st_testnet_start (args);
  g_assert_true (g_file_get_contents (f->testnet->json_path, &text, NULL, NULL));
  doc = st_test_parse (text);
  fs = json_object_get_object_member (doc, "file_server");
  g_assert_nonnull (fs);
  uri = g_uri_parse (json_object_get_string_member (fs, "url"), G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  f->host = g_strdup (g_uri_get_host (uri));
  f->server.host = f->host;
  f->server.protocol = "http";
  f->server.port = (guint16) g_uri_get_port (uri);
  g_assert_true (sd_hex_decode_exact (json_object_get_string_member (fs, "pubkey_x25519"),
                                      f->server.x25519_pk, 32, NULL));
  f->ed_hex = g_strdup (json_object_get_string_member (fs, "pubkey_ed25519"));
  g_assert_cmpuint (strlen (f->ed_hex), ==, 64);
}

static void
fixture_teardown (Fixture *f, gconstpointer user_data)
{
  g_clear_pointer (&f->testnet, st_testnet_stop);
  g_free (f->host);
  g_free (f->ed_hex);
}

/* one v4 request through nodes 0, 1, 2; returns the v4 status */
static guint
request (Fixture *f, SdOnionCipher cipher, const gchar *method, const gchar *endpoint,
         const guint8 *body, gsize body_len, GBytes **reply)
{
  SdOnionNode hops[SD_ONION_HOPS];
  g_auto(SdOnionRequest) req = { NULL, 0, { 0 } };
  g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree gchar *url = st_testnet_node_url (f->testnet, 0, ST_ONION_PATH);
  const gchar *headers[] = { "Content-Type", "application/octet-stream", NULL };
  guint http;

  for (guint i = 0; i < SD_ONION_HOPS; i++) {
    StTestNode *node = st_testnet_node (f->testnet, i);

    memcpy (hops[i].ed25519_pk, node->ed25519, 32);
    memcpy (hops[i].x25519_pk, node->x25519, 32);
  }
  g_assert_true (sd_onion_v4_request_build (cipher, hops, SD_ONION_HOPS, &f->server, method,
                                            endpoint, body != NULL ? headers : NULL, body,
                                            body_len, &req, &error));
  g_assert_no_error (error);
  http = st_testnet_post (f->testnet, url, g_bytes_get_data (req.body, NULL),
                          g_bytes_get_size (req.body), &raw, NULL, &error);
  g_assert_no_error (error);
  if (http != 200) {
    if (reply != NULL)
      *reply = g_steal_pointer (&raw);
    return http + 1000; /* a path error, not the server's status */
  }
  g_assert_true (sd_onion_v4_response_decode (&req, g_bytes_get_data (raw, NULL),
                                              g_bytes_get_size (raw), &resp, &error));
  g_assert_no_error (error);
  if (reply != NULL)
    *reply = resp.body != NULL ? g_bytes_ref (resp.body) : NULL;
  return resp.status;
}

static gchar *
expected_id (const guint8 *data, gsize len)
{
  static const guint8 salt[16] = "SessionFileSvr\0\0";
  guint8 hash[33];
  gchar out[45];

  crypto_generichash_blake2b_salt_personal (hash, 33, data, len, NULL, 0, salt, NULL);
  sodium_bin2base64 (out, sizeof out, hash, 33, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return g_strdup (out);
}

static gchar *
upload (Fixture *f, SdOnionCipher cipher, const guint8 *data, gsize len, gint64 *expires)
{
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autofree gchar *text = NULL;

  g_assert_cmpuint (request (f, cipher, "POST", "/file", data, len, &reply), ==, 200);
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  obj = st_test_parse (text);
  if (expires != NULL)
    *expires = json_object_get_int_member (obj, "expires");
  return g_strdup (json_object_get_string_member (obj, "id"));
}

static void
check_roundtrip (Fixture *f, SdOnionCipher cipher)
{
  g_autofree guint8 *data = g_malloc (70000);
  g_autofree gchar *id = NULL, *again = NULL, *want = NULL;
  g_autofree gchar *path = NULL, *info_path = NULL, *info_text = NULL;
  g_autoptr(GBytes) got = NULL, info = NULL;
  g_autoptr(JsonObject) info_obj = NULL;
  gint64 expires = 0, now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < 70000; i++)
    data[i] = (guint8) (i * 7);
  id = upload (f, cipher, data, 70000, &expires);
  want = expected_id (data, 70000);
  g_assert_cmpstr (id, ==, want);
  g_assert_cmpuint (strlen (id), ==, 44);
  /* three weeks */
  g_assert_cmpint (expires, >=, now + 21 * 24 * 3600 - 5);
  g_assert_cmpint (expires, <=, now + 21 * 24 * 3600 + 5);
  /* identical content, identical id */
  again = upload (f, cipher, data, 70000, NULL);
  g_assert_cmpstr (again, ==, id);

  path = g_strdup_printf ("/file/%s", id);
  g_assert_cmpuint (request (f, cipher, "GET", path, NULL, 0, &got), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data, 70000);

  info_path = g_strdup_printf ("/file/%s/info", id);
  g_assert_cmpuint (request (f, cipher, "GET", info_path, NULL, 0, &info), ==, 200);
  info_text = g_strndup (g_bytes_get_data (info, NULL), g_bytes_get_size (info));
  info_obj = st_test_parse (info_text);
  g_assert_cmpint (json_object_get_int_member (info_obj, "size"), ==, 70000);
  g_assert_cmpint (json_object_get_int_member (info_obj, "expires"), >=, expires);
  g_assert_true (json_object_has_member (info_obj, "uploaded"));
}

static void
test_roundtrip_gcm (Fixture *f, gconstpointer user_data)
{
  check_roundtrip (f, SD_ONION_CIPHER_AES_GCM);
}

static void
test_roundtrip_xchacha (Fixture *f, gconstpointer user_data)
{
  check_roundtrip (f, SD_ONION_CIPHER_XCHACHA20);
}

static void
test_not_found (Fixture *f, gconstpointer user_data)
{
  const SdOnionCipher c = SD_ONION_CIPHER_XCHACHA20;

  g_assert_cmpuint (request (f, c, "GET", "/file/AAAA", NULL, 0, NULL), ==, 404);
  g_assert_cmpuint (request (f, c, "GET", "/file/AAAA/info", NULL, 0, NULL), ==, 404);
  g_assert_cmpuint (request (f, c, "GET", "/nothing", NULL, 0, NULL), ==, 404);
  g_assert_cmpuint (request (f, c, "DELETE", "/file/AAAA", NULL, 0, NULL), ==, 405);
  /* an empty upload */
  g_assert_cmpuint (request (f, c, "POST", "/file", NULL, 0, NULL), ==, 400);
}

static void
test_controls (Fixture *f, gconstpointer user_data)
{
  const SdOnionCipher c = SD_ONION_CIPHER_XCHACHA20;
  g_autofree gchar *id = upload (f, c, (const guint8 *) "lost file", 9, NULL);
  g_autofree gchar *path = g_strdup_printf ("/file/%s", id);
  g_autofree gchar *lose = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autofree guint8 *big = g_malloc0 (1001);
  gint64 start;

  /* fail: the next request gets the status, then service resumes */
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet,
                              "{\"action\":\"file_fail\",\"status\":503,\"count\":1}");
  g_assert_cmpuint (request (f, c, "GET", path, NULL, 0, NULL), ==, 503);
  g_assert_cmpuint (request (f, c, "GET", path, NULL, 0, NULL), ==, 200);

  /* slow */
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_latency\",\"ms\":300}");
  start = g_get_monotonic_time ();
  g_assert_cmpuint (request (f, c, "GET", path, NULL, 0, NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * G_TIME_SPAN_MILLISECOND);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_clear\"}");

  /* size cap */
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_limit\",\"bytes\":1000}");
  g_assert_cmpuint (request (f, c, "POST", "/file", big, 1001, NULL), ==, 413);
  g_assert_cmpuint (request (f, c, "POST", "/file", big, 1000, NULL), ==, 200);

  /* lose */
  lose = g_strdup_printf ("{\"action\":\"file_lose\",\"id\":\"%s\"}", id);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, lose);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply,
                                                                              "file_server"),
                                               "files"), ==, 1);
  g_assert_cmpuint (request (f, c, "GET", path, NULL, 0, NULL), ==, 404);

  /* bad control requests */
  g_assert_cmpuint (st_testnet_control_status (f->testnet, lose), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (f->testnet,
                                               "{\"action\":\"file_fail\",\"status\":200}"),
                    ==, 400);
  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"file_nope\"}"), ==,
                    400);
}

/* /extend gives another lifetime from now (file_ttl sets it), 404 when gone or turned off */
static void
test_extend (Fixture *f, gconstpointer user_data)
{
  const SdOnionCipher c = SD_ONION_CIPHER_XCHACHA20;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autofree gchar *id = NULL, *path = NULL, *text = NULL, *lose = NULL;
  gint64 expires = 0, now = g_get_real_time () / G_USEC_PER_SEC;
  JsonObject *status;

  reply = st_testnet_control (f->testnet, "{\"action\":\"file_ttl\",\"seconds\":60}");
  id = upload (f, c, (const guint8 *) "short lived", 11, &expires);
  g_assert_cmpint (expires, >=, now + 60);
  g_assert_cmpint (expires, <=, now + 65);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_ttl\",\"seconds\":3600}");
  status = json_object_get_object_member (reply, "file_server");
  g_assert_cmpint (json_object_get_int_member (status, "ttl"), ==, 3600);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status,
                                                                              "expires"), id),
                   ==, expires);

  path = g_strdup_printf ("/file/%s/extend", id);
  g_assert_cmpuint (request (f, c, "POST", path, NULL, 0, &body), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  obj = st_test_parse (text);
  g_assert_cmpint (json_object_get_int_member (obj, "expires"), >=, now + 3600);
  g_assert_cmpint (json_object_get_int_member (obj, "size"), ==, 11);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_status\"}");
  status = json_object_get_object_member (reply, "file_server");
  g_assert_cmpint (json_object_get_int_member (status, "extends"), ==, 1);

  /* a server without /extend */
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_extend\",\"enabled\":0}");
  g_assert_cmpuint (request (f, c, "POST", path, NULL, 0, NULL), ==, 404);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, "{\"action\":\"file_clear\"}");
  status = json_object_get_object_member (reply, "file_server");
  g_assert_true (json_object_get_boolean_member (status, "extend"));
  g_assert_cmpint (json_object_get_int_member (status, "ttl"), ==, 21 * 24 * 3600);
  g_assert_cmpuint (request (f, c, "POST", path, NULL, 0, NULL), ==, 200);

  /* gone */
  lose = g_strdup_printf ("{\"action\":\"file_lose\",\"id\":\"%s\"}", id);
  g_clear_pointer (&reply, json_object_unref);
  reply = st_testnet_control (f->testnet, lose);
  g_assert_cmpuint (request (f, c, "POST", path, NULL, 0, NULL), ==, 404);
  g_assert_cmpuint (request (f, c, "GET", path, NULL, 0, NULL), ==, 405);
  g_assert_cmpuint (st_testnet_control_status (f->testnet,
                                               "{\"action\":\"file_ttl\",\"seconds\":0}"),
                    ==, 400);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add ("/testnet/file/roundtrip/aes-gcm", Fixture, NULL, fixture_setup,
              test_roundtrip_gcm, fixture_teardown);
  g_test_add ("/testnet/file/roundtrip/xchacha20", Fixture, NULL, fixture_setup,
              test_roundtrip_xchacha, fixture_teardown);
  g_test_add ("/testnet/file/not-found", Fixture, NULL, fixture_setup, test_not_found,
              fixture_teardown);
  g_test_add ("/testnet/file/extend", Fixture, NULL, fixture_setup, test_extend,
              fixture_teardown);
  g_test_add ("/testnet/file/controls", Fixture, NULL, fixture_setup, test_controls,
              fixture_teardown);
  return g_test_run ();
}
