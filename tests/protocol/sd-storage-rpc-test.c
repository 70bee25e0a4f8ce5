/* SPDX-License-Identifier: GPL-3.0-or-later */
/* storage-RPC requests and replies against the shapes of protocol-network.md §4: request
 * bodies member by member (signatures verified with the account's Ed25519 key over the
 * documented strings, §4.3) and the documented reply shapes parsed */
#include <sodium.h>

#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-storage-rpc.h"
#include "sd-test-util.h"

#define NOW G_GINT64_CONSTANT (1754971101000)
#define H1 "bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tlwwSM"
#define H2 "gWM3xKF1VvM+ijuBM3ELs8QIzz9PV1WQZU0xZMB4IYU"

static SdIdentity identity;

static JsonObject *
params_of (JsonNode *request, const gchar *method)
{
  JsonObject *object = json_node_get_object (request);

  g_assert_cmpstr (sd_json_get_string (object, "method"), ==, method);
  g_assert_nonnull (sd_json_get_object (object, "params"));
  return sd_json_get_object (object, "params");
}

/* the request's signature is the account's over @text */
static void
assert_signed (JsonObject *params, const gchar *text)
{
  g_autoptr(GBytes) sig = NULL;
  g_autofree gchar *ed_hex = sd_hex_encode (identity.ed25519_pk, 32);

  g_assert_cmpstr (sd_json_get_string (params, "pubkey"), ==, identity.session_id);
  g_assert_cmpstr (sd_json_get_string (params, "pubkey_ed25519"), ==, ed_hex);
  sig = sd_base64_decode (sd_json_get_string (params, "signature"), -1, NULL);
  g_assert_nonnull (sig);
  g_assert_cmpuint (g_bytes_get_size (sig), ==, 64);
  g_assert_cmpint (crypto_sign_verify_detached (g_bytes_get_data (sig, NULL),
                                                (const guint8 *) text, strlen (text),
                                                identity.ed25519_pk), ==, 0);
}

static void
test_store (void)
{
  g_autoptr(JsonNode) request = sd_storage_rpc_store (identity.session_id, 0, NOW, 600000,
                                                      "AAAA");
  JsonObject *params = params_of (request, "store");

  g_assert_cmpstr (sd_json_get_string (params, "pubkey"), ==, identity.session_id);
  g_assert_cmpint (sd_json_get_int (params, "namespace", -1), ==, 0);
  g_assert_cmpint (sd_json_get_int (params, "timestamp", 0), ==, NOW);
  g_assert_cmpint (sd_json_get_int (params, "ttl", 0), ==, 600000);
  g_assert_cmpstr (sd_json_get_string (params, "data"), ==, "AAAA");
  /* a public-inbox store is not signed (§4.2) */
  g_assert_false (json_object_has_member (params, "signature"));
  g_assert_false (json_object_has_member (params, "expiry"));
}

static void
test_store_signed (void)
{
  g_autoptr(JsonNode) request = sd_storage_rpc_store_signed (&identity, 2, NOW, 600000, "AAAA");
  g_autofree gchar *text = g_strdup_printf ("store2%" G_GINT64_FORMAT, NOW);
  JsonObject *params = params_of (request, "store");

  g_assert_cmpint (sd_json_get_int (params, "namespace", 0), ==, 2);
  assert_signed (params, text);
}

static void
test_retrieve (void)
{
  g_autoptr(JsonNode) from_start = sd_storage_rpc_retrieve (&identity, 0, NOW, "", 0, -2);
  g_autoptr(JsonNode) paged = sd_storage_rpc_retrieve (&identity, -10, NOW, H1, 5, 0);
  g_autoptr(JsonNode) bare = sd_storage_rpc_retrieve (&identity, 0, NOW, NULL, 0, 0);
  g_autofree gchar *text0 = g_strdup_printf ("retrieve%" G_GINT64_FORMAT, NOW);
  g_autofree gchar *text10 = g_strdup_printf ("retrieve-10%" G_GINT64_FORMAT, NOW);
  JsonObject *params = params_of (from_start, "retrieve");

  /* namespace 0 is signed as "" even when sent (§4.3) */
  assert_signed (params, text0);
  g_assert_cmpint (sd_json_get_int (params, "timestamp", 0), ==, NOW);
  g_assert_cmpstr (sd_json_get_string (params, "last_hash"), ==, "");
  g_assert_cmpint (sd_json_get_int (params, "max_size", 0), ==, -2);
  g_assert_false (json_object_has_member (params, "max_count"));

  params = params_of (paged, "retrieve");
  assert_signed (params, text10);
  g_assert_cmpstr (sd_json_get_string (params, "last_hash"), ==, H1);
  g_assert_cmpint (sd_json_get_int (params, "max_count", 0), ==, 5);
  g_assert_false (json_object_has_member (params, "max_size"));

  params = params_of (bare, "retrieve");
  g_assert_false (json_object_has_member (params, "last_hash"));
}

static void
test_delete_and_expire (void)
{
  const gchar *hashes[] = { H1, H2, NULL };
  g_autoptr(JsonNode) delete = sd_storage_rpc_delete (&identity, hashes);
  g_autoptr(JsonNode) expire = sd_storage_rpc_expire (&identity, hashes, NOW + 5000, TRUE);
  g_autofree gchar *expire_text = g_strdup_printf ("expireshorten%" G_GINT64_FORMAT "%s%s",
                                                   NOW + 5000, H1, H2);
  JsonObject *params = params_of (delete, "delete");
  JsonArray *messages = sd_json_get_array (params, "messages");

  assert_signed (params, "delete" H1 H2);
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (messages, 1), ==, H2);
  /* delete takes no timestamp (§4.6) */
  g_assert_false (json_object_has_member (params, "timestamp"));

  params = params_of (expire, "expire");
  assert_signed (params, expire_text);
  g_assert_cmpint (sd_json_get_int (params, "expiry", 0), ==, NOW + 5000);
  g_assert_true (sd_json_get_bool (params, "shorten", FALSE));
  g_assert_cmpuint (json_array_get_length (sd_json_get_array (params, "messages")), ==, 2);
}

/* account-independent requests have one exact form */
static void
test_exact_forms (void)
{
  JsonNode *inner[2];
  g_autofree gchar *info = sd_storage_rpc_to_string (sd_storage_rpc_info ());
  g_autofree gchar *swarm = sd_storage_rpc_to_string (sd_storage_rpc_get_swarm (
    "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74"));
  g_autofree gchar *nodes = sd_storage_rpc_to_string (sd_storage_rpc_get_service_nodes ());
  g_autofree gchar *batch = NULL;
  g_autofree gchar *sequence = NULL;

  g_assert_cmpstr (info, ==, "{\"method\":\"info\",\"params\":{}}");
  g_assert_cmpstr (swarm, ==, "{\"method\":\"get_swarm\",\"params\":{\"pubkey\":"
                   "\"05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74\"}}");
  g_assert_cmpstr (nodes, ==, "{\"method\":\"oxend_request\",\"params\":{\"endpoint\":"
                   "\"get_service_nodes\",\"params\":{\"active_only\":true,\"fields\":"
                   "{\"public_ip\":true,\"storage_port\":true,\"pubkey_x25519\":true,"
                   "\"pubkey_ed25519\":true,\"swarm_id\":true}}}}");
  inner[0] = sd_storage_rpc_info ();
  inner[1] = sd_storage_rpc_info ();
  batch = sd_storage_rpc_to_string (sd_storage_rpc_batch (inner, 2));
  g_assert_cmpstr (batch, ==, "{\"method\":\"batch\",\"params\":{\"requests\":["
                   "{\"method\":\"info\",\"params\":{}},{\"method\":\"info\",\"params\":{}}]}}");
  inner[0] = sd_storage_rpc_info ();
  inner[1] = sd_storage_rpc_get_swarm ("05aa");
  sequence = sd_storage_rpc_to_string (sd_storage_rpc_sequence (inner, 2));
  g_assert_cmpstr (sequence, ==, "{\"method\":\"sequence\",\"params\":{\"requests\":["
                   "{\"method\":\"info\",\"params\":{}},"
                   "{\"method\":\"get_swarm\",\"params\":{\"pubkey\":\"05aa\"}}]}}");
}

static JsonNode *
body (const gchar *text)
{
  return sd_storage_rpc_parse_body (text, strlen (text));
}

static void
test_parse_body (void)
{
  g_autoptr(JsonNode) json = body ("{\"t\":1}");
  g_autoptr(JsonNode) text = body ("Timestamp error: check your clock");
  g_autoptr(JsonNode) binary = sd_storage_rpc_parse_body ("\xff\xfe", 2);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (json));
  /* errors are text/plain (§4.1) */
  g_assert_cmpstr (json_node_get_string (text), ==, "Timestamp error: check your clock");
  g_assert_cmpstr (json_node_get_string (binary), ==, "");
}

static void
test_server_time (void)
{
  g_autoptr(JsonNode) info = body ("{\"version\":[2,8,0],\"timestamp\":5,\"t\":1754971101001,"
                                   "\"hf\":[19,4]}");
  g_autoptr(JsonNode) batch = body ("{\"results\":[{\"code\":421,\"body\":\"x\"},"
                                    "{\"code\":200,\"body\":{\"t\":1754971101002}}]}");
  g_autoptr(JsonNode) none = body ("{\"expiries\":{}}");
  g_autoptr(JsonNode) text = body ("oops");

  g_assert_cmpint (sd_storage_rpc_server_time (info), ==, 1754971101001);
  g_assert_cmpint (sd_storage_rpc_server_time (batch), ==, 1754971101002);
  g_assert_cmpint (sd_storage_rpc_server_time (none), ==, 0);
  g_assert_cmpint (sd_storage_rpc_server_time (text), ==, 0);
  g_assert_cmpint (sd_storage_rpc_server_time (NULL), ==, 0);
}

static void
test_batch_results (void)
{
  g_autoptr(JsonNode) skewed = body ("{\"results\":[{\"code\":406,\"body\":\"retrieve timestamp "
                                     "too far from current time\"},{\"code\":406}]}");
  g_autoptr(JsonNode) mixed = body ("{\"results\":[{\"code\":406},{\"code\":421}]}");
  g_autoptr(JsonNode) one_ok = body ("{\"results\":[{\"code\":200,\"body\":{}},"
                                     "{\"code\":200,\"body\":{}}]}");
  g_autoptr(JsonNode) empty = body ("{\"results\":[]}");
  JsonNode *first = NULL;
  gint64 code = 0;

  g_assert_cmpuint (sd_storage_rpc_uniform_batch_failure (skewed, &first), ==, 406);
  g_assert_cmpstr (json_node_get_string (first), ==,
                   "retrieve timestamp too far from current time");
  g_assert_cmpuint (sd_storage_rpc_uniform_batch_failure (mixed, NULL), ==, 0);
  g_assert_cmpuint (sd_storage_rpc_uniform_batch_failure (one_ok, NULL), ==, 0);
  g_assert_cmpuint (sd_storage_rpc_uniform_batch_failure (empty, NULL), ==, 0);

  g_assert_true (sd_storage_rpc_batch_result (mixed, 1, &code, &first));
  g_assert_cmpint (code, ==, 421);
  g_assert_null (first);
  g_assert_false (sd_storage_rpc_batch_result (mixed, 2, &code, &first));
  g_assert_false (sd_storage_rpc_batch_result (empty, 0, &code, &first));
}

static void
test_snodes (void)
{
  /* get_swarm's shape (§4.7), which a 421 body shares (§4.9) */
  g_autoptr(JsonNode) swarm = body (
    "{\"snodes\":[{\"address\":\"x.snode\",\"pubkey_legacy\":\"aa\",\"pubkey_x25519\":\"bb\","
    "\"pubkey_ed25519\":\"cc\",\"port\":\"22021\",\"port_https\":22021,\"port_omq\":22020,"
    "\"ip\":\"10.0.0.1\"}],\"swarm\":\"ffffffffffffffff\",\"t\":1,\"hf\":[19,4]}");
  g_autoptr(JsonNode) refused = body ("Service node is not ready");

  g_assert_cmpuint (json_array_get_length (sd_storage_rpc_snodes (swarm)), ==, 1);
  g_assert_null (sd_storage_rpc_snodes (refused));
}

static void
test_parse_store (void)
{
  g_autoptr(JsonNode) stored = body (
    "{\"swarm\":{\"aa\":{\"hash\":\"" H1 "\",\"signature\":\"c2ln\",\"expiry\":1}},"
    "\"hash\":\"" H1 "\",\"t\":1,\"hf\":[19,4]}");
  g_autoptr(JsonNode) ttl = body ("Provided expiry/TTL is not valid.");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = sd_storage_rpc_parse_store (200, stored, &error);
  g_autofree gchar *refused = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (hash, ==, H1);
  refused = sd_storage_rpc_parse_store (403, ttl, &error);
  g_assert_null (refused);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_assert_cmpstr (error->message, ==,
                   "the network refused the message (403: Provided expiry/TTL is not valid.)");
  g_clear_error (&error);
  /* a 200 without the top-level hash is no success either */
  g_assert_null (sd_storage_rpc_parse_store (500, NULL, &error));
  g_assert_cmpstr (error->message, ==, "the network refused the message (500)");
}

static void
test_parse_retrieve (void)
{
  g_autoptr(JsonNode) page = body (
    "{\"messages\":[{\"hash\":\"" H1 "\",\"timestamp\":10,\"expiration\":20,\"data\":\"QQ==\"},"
    "{\"hash\":\"" H2 "\",\"timestamp\":11},"
    "{\"hash\":\"" H2 "\",\"data\":\"Qg==\"}],\"more\":true,\"t\":1,\"hf\":[19,4]}");
  g_autoptr(JsonNode) nothing = body ("{\"t\":1}");
  g_autoptr(JsonNode) text = body ("retrieve signature verification failed");
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  const SdRetrieveItem *item;
  gboolean more = FALSE;

  items = sd_storage_rpc_parse_retrieve (page, &more, &error);
  g_assert_no_error (error);
  g_assert_true (more);
  /* an item without data is left out */
  g_assert_cmpuint (items->len, ==, 2);
  item = g_ptr_array_index (items, 0);
  g_assert_cmpstr (item->hash, ==, H1);
  g_assert_cmpstr (item->data_b64, ==, "QQ==");
  g_assert_cmpint (item->timestamp, ==, 10);
  g_assert_cmpint (item->expiration, ==, 20);
  item = g_ptr_array_index (items, 1);
  g_assert_cmpint (item->expiration, ==, 0);

  none = sd_storage_rpc_parse_retrieve (nothing, &more, &error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_false (more);
  g_assert_null (sd_storage_rpc_parse_retrieve (text, &more, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
}


static void
test_valid_hash (void)
{
  g_assert_true (sd_storage_rpc_valid_hash (H1));
  g_assert_true (sd_storage_rpc_valid_hash (H2));
  g_assert_false (sd_storage_rpc_valid_hash (NULL));
  g_assert_false (sd_storage_rpc_valid_hash (""));
  g_assert_false (sd_storage_rpc_valid_hash ("h1"));
  /* padded, one short, one long, URL-safe alphabet, non-canonical last character */
  g_assert_false (sd_storage_rpc_valid_hash (H1 "="));
  g_assert_false (sd_storage_rpc_valid_hash ("bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tlwwS"));
  g_assert_false (sd_storage_rpc_valid_hash (H1 "A"));
  g_assert_false (sd_storage_rpc_valid_hash ("bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tl-_SM"));
  g_assert_false (sd_storage_rpc_valid_hash ("bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tlwwSN"));
  /* the old SHA-512 hex form is not what 2.8 sends */
  g_assert_false (sd_storage_rpc_valid_hash ("0123456789abcdef0123456789abcdef0123456789a"
                                             "bcdef"));
}

/* a page of @n items with distinct well-formed hashes */
static gchar *
page_of (guint n, gboolean more)
{
  GString *text = g_string_new ("{\"messages\":[");

  for (guint i = 0; i < n; i++) {
    guint8 digest[32] = { 0 };
    g_autofree gchar *hash = NULL;

    memcpy (digest, &i, sizeof i);
    hash = g_base64_encode (digest, sizeof digest);
    hash[SD_STORAGE_HASH_LEN] = '\0';
    g_string_append_printf (text, "%s{\"hash\":\"%s\",\"data\":\"QQ==\"}", i > 0 ? "," : "",
                            hash);
  }
  g_string_append_printf (text, "],\"more\":%s}", more ? "true" : "false");
  return g_string_free (text, FALSE);
}

static void
test_parse_retrieve_bounds (void)
{
  g_autofree gchar *big_text = page_of (SD_RETRIEVE_MAX_ITEMS + 500, FALSE);
  g_autofree gchar *full_text = page_of (SD_RETRIEVE_MAX_ITEMS, FALSE);
  g_autoptr(JsonNode) big = body (big_text);
  g_autoptr(JsonNode) full = body (full_text);
  g_autofree gchar *long_data = g_strnfill (SD_STORAGE_MAX_DATA_B64 + 1, 'A');
  g_autofree gchar *mixed_text = g_strdup_printf (
    "{\"messages\":[{\"hash\":\"h1\",\"data\":\"QQ==\"},"
    "{\"hash\":\"" H1 "=\",\"data\":\"QQ==\"},"
    "{\"hash\":\"" H2 "\",\"data\":\"%s\"},"
    "{\"hash\":\"" H1 "\",\"data\":\"QQ==\"}],\"more\":false}", long_data);
  g_autoptr(JsonNode) mixed = body (mixed_text);
  g_autoptr(GPtrArray) items = NULL;
  gboolean more = FALSE;

  /* a page over the bound is cut and counts as truncated: the rest comes next time */
  items = sd_storage_rpc_parse_retrieve (big, &more, NULL);
  g_assert_cmpuint (items->len, ==, SD_RETRIEVE_MAX_ITEMS);
  g_assert_true (more);
  g_clear_pointer (&items, g_ptr_array_unref);
  /* exactly the bound is a whole page */
  items = sd_storage_rpc_parse_retrieve (full, &more, NULL);
  g_assert_cmpuint (items->len, ==, SD_RETRIEVE_MAX_ITEMS);
  g_assert_false (more);
  g_clear_pointer (&items, g_ptr_array_unref);
  /* malformed hashes and oversize data are left out */
  items = sd_storage_rpc_parse_retrieve (mixed, &more, NULL);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpstr (((SdRetrieveItem *) g_ptr_array_index (items, 0))->hash, ==, H1);
}


static void
test_parse_missing_node (void)
{
  const gchar *hex = "9d1ea0b6e1f5e0f06a2e7de2b6d30e0c3f1e1d7a6a9a4ae2a3d9c0c0a1b2c3d4";
  g_autofree gchar *found = g_strconcat ("Next node not found: ", hex, NULL);
  g_autofree gchar *down = g_strconcat ("Next node is currently unreachable: ", hex, "\n", NULL);
  g_autofree gchar *upper = g_ascii_strup (found, -1);
  guint8 key[32], expected[32];

  g_assert_true (sd_hex_decode_exact (hex, expected, 32, NULL));
  g_assert_true (sd_storage_rpc_parse_missing_node (found, strlen (found), key));
  g_assert_cmpmem (key, 32, expected, 32);
  g_assert_true (sd_storage_rpc_parse_missing_node (down, strlen (down), key));
  g_assert_cmpmem (key, 32, expected, 32);
  /* the text is compared as sent, the key in either case */
  g_assert_false (sd_storage_rpc_parse_missing_node (upper, strlen (upper), key));
  g_assert_false (sd_storage_rpc_parse_missing_node (found, strlen (found) - 1, key));
  g_assert_false (sd_storage_rpc_parse_missing_node ("Next node not found: zz", 23, key));
  g_assert_false (sd_storage_rpc_parse_missing_node ("Request time out", 16, key));
  g_assert_false (sd_storage_rpc_parse_missing_node ("", 0, key));
}

static void
test_parse_store_hash_form (void)
{
  g_autofree gchar *long_text = g_strdup_printf ("{\"hash\":\"%0130d\"}", 7);
  g_autoptr(JsonNode) hex = body ("{\"hash\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
                                  "ef0123456789abcdef\"}");
  g_autoptr(JsonNode) too_long = body (long_text);
  g_autoptr(JsonNode) junk = body ("{\"hash\":\"<script>\"}");
  g_autoptr(JsonNode) empty = body ("{\"hash\":\"\"}");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *old_form = sd_storage_rpc_parse_store (200, hex, &error);

  /* an older server's SHA-512 hex is kept; anything else a node writes there is not */
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (old_form), ==, 128);
  g_assert_null (sd_storage_rpc_parse_store (200, too_long, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_storage_rpc_parse_store (200, junk, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_storage_rpc_parse_store (200, empty, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  guint8 seed[32] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  sd_identity_from_seed (&identity, seed);
  g_test_add_func ("/protocol/storage-rpc/store", test_store);
  g_test_add_func ("/protocol/storage-rpc/store-signed", test_store_signed);
  g_test_add_func ("/protocol/storage-rpc/retrieve", test_retrieve);
  g_test_add_func ("/protocol/storage-rpc/delete-expire", test_delete_and_expire);
  g_test_add_func ("/protocol/storage-rpc/exact-forms", test_exact_forms);
  g_test_add_func ("/protocol/storage-rpc/parse-body", test_parse_body);
  g_test_add_func ("/protocol/storage-rpc/server-time", test_server_time);
  g_test_add_func ("/protocol/storage-rpc/batch-results", test_batch_results);
  g_test_add_func ("/protocol/storage-rpc/snodes", test_snodes);
  g_test_add_func ("/protocol/storage-rpc/parse-store", test_parse_store);
  g_test_add_func ("/protocol/storage-rpc/parse-retrieve", test_parse_retrieve);
  g_test_add_func ("/protocol/storage-rpc/valid-hash", test_valid_hash);
  g_test_add_func ("/protocol/storage-rpc/parse-missing-node", test_parse_missing_node);
  g_test_add_func ("/protocol/storage-rpc/parse-store-hash-form", test_parse_store_hash_form);
  g_test_add_func ("/protocol/storage-rpc/parse-retrieve-bounds", test_parse_retrieve_bounds);
  return g_test_run ();
}
