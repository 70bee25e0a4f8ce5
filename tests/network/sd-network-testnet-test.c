/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon/network against the real session-testnet (TLS): bootstrap, store
 * and retrieve through onion requests with both ciphers, swarm reshuffles
 * (421), a guard going down, an unknown destination, a skewed clock (406),
 * a whole swarm down, cancellation */
#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-memory-pool-store.h"
#include "sd-message-hash.h"
#include "sd-network-error.h"
#include "sd-network.h"
#include "sd-onion-paths.h"
#include "sd-soup-transport.h"
#include "sd-storage-rpc.h"
#include "sd-swarm.h"
#include "st-test-util.h"

typedef struct {
  StTestnet *testnet;
  SdSoupTransport *transport;
  SdPoolStore *store;
  SdNetwork *network;
  SdIdentity account;
} Fixture;

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
bootstrap (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sd_network_bootstrap_async (f->network, NULL, on_result, &result);
  g_assert_true (sd_network_bootstrap_finish (f->network, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const gchar *seeds[2] = { NULL, NULL };
  g_autoptr(GError) error = NULL;
  guint8 seed[32];

  f->testnet = st_testnet_start (NULL);
  seeds[0] = f->testnet->seed_url;
  f->transport = sd_soup_transport_new (f->testnet->cert, &error);
  g_assert_no_error (error);
  sd_soup_transport_add_seed (f->transport, f->testnet->seed_url);
  f->store = sd_memory_pool_store_new ();
  f->network = sd_network_new (SD_TRANSPORT (f->transport), f->store, seeds, TRUE);
  sd_network_set_seed_backoff (f->network, 50);
  sd_network_set_timeout (f->network, 5000);
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&f->account, seed);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->network);
  g_clear_object (&f->store);
  g_clear_object (&f->transport);
  /* let libsoup finish closing its connections */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->testnet, st_testnet_stop);
}

/* ---- requests ---- */

typedef struct {
  const SdIdentity *account;
  gchar *data_b64;
} StoreArgs;

static void
store_args_free (StoreArgs *args)
{
  g_free (args->data_b64);
  g_free (args);
}

static gchar *
build_store (const SdSnode *node, gint64 now, gpointer user_data)
{
  StoreArgs *args = user_data;

  return sd_storage_rpc_to_string (sd_storage_rpc_store (args->account->session_id, 0, now,
                                                         600000, args->data_b64));
}

static gchar *
build_retrieve (const SdSnode *node, gint64 now, gpointer user_data)
{
  return sd_storage_rpc_to_string (sd_storage_rpc_retrieve (user_data, 0, now, NULL, 0, 0));
}

/* stores @data for the fixture account; returns the hash or NULL + error */
static gchar *
store (Fixture *f, const gchar *data, GCancellable *cancellable, SdSnode **node, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) body = NULL;
  StoreArgs *args = g_new0 (StoreArgs, 1);
  guint status = 0;

  args->account = &f->account;
  args->data_b64 = sd_base64_encode ((const guint8 *) data, strlen (data), TRUE);
  sd_network_swarm_rpc_async (f->network, f->account.session_id, build_store, args,
                              (GDestroyNotify) store_args_free, cancellable, on_result, &result);
  body = sd_network_swarm_rpc_finish (f->network, wait_for (&result), &status, node, error);
  if (body == NULL)
    return NULL;
  g_assert_cmpuint (status, ==, 200);
  return g_strdup (sd_json_get_string (json_node_get_object (body), "hash"));
}

/* the hashes stored for the fixture account, as one member sees them */
static GPtrArray *
retrieve (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  GPtrArray *hashes = g_ptr_array_new_with_free_func (g_free);
  JsonArray *messages;
  guint status = 0;

  sd_network_swarm_rpc_async (f->network, f->account.session_id, build_retrieve, &f->account,
                              NULL, NULL, on_result, &result);
  body = sd_network_swarm_rpc_finish (f->network, wait_for (&result), &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  messages = sd_json_get_array (json_node_get_object (body), "messages");
  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++)
    g_ptr_array_add (hashes, g_strdup (sd_json_get_string (sd_json_array_get_object (messages, i),
                                                           "hash")));
  return hashes;
}

/* the same retrieve wrapped in a batch, as the daemon's poller sends it:
 * a node's clock error then arrives as an inner 406 */
static gchar *
build_batch_retrieve (const SdSnode *node, gint64 now, gpointer user_data)
{
  JsonNode *inner = sd_storage_rpc_retrieve (user_data, 0, now, NULL, 0, 0);

  return sd_storage_rpc_to_string (sd_storage_rpc_batch (&inner, 1));
}

static guint
batch_retrieve_count (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *first;
  guint status = 0;

  sd_network_swarm_rpc_async (f->network, f->account.session_id, build_batch_retrieve,
                              &f->account, NULL, NULL, on_result, &result);
  body = sd_network_swarm_rpc_finish (f->network, wait_for (&result), &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  first = sd_json_array_get_object (sd_json_get_array (json_node_get_object (body), "results"),
                                    0);
  g_assert_cmpint (sd_json_get_int (first, "code", 0), ==, 200);
  return json_array_get_length (sd_json_get_array (sd_json_get_object (first, "body"),
                                                   "messages"));
}

static gchar *
expected_hash (Fixture *f, const gchar *data)
{
  guint8 account[33];

  account[0] = 0x05;
  memcpy (account + 1, f->account.x25519_pk, 32);
  return sd_message_hash (account, 0, (const guint8 *) data, strlen (data));
}

/* ---- tests ---- */

static void
test_bootstrap (Fixture *f, gconstpointer data)
{
  bootstrap (f);
  g_assert_cmpuint (sd_network_get_pool_size (f->network), ==, f->testnet->nodes->len);
}

/* a network whose seed is pinned by certificate fingerprint, as the real
 * seeds are, instead of trusted through --seed-ca */
static SdNetwork *
pinned_network (Fixture *f, gboolean right_pin, SdSoupTransport **transport_out)
{
  const gchar *seeds[] = { f->testnet->seed_url, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (f->testnet->cert, &error);
  g_autoptr(GByteArray) der = NULL;
  SdSoupTransport *transport = sd_soup_transport_new (NULL, &error);
  SdNetwork *network;
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_assert_no_error (error);
  g_object_get (cert, "certificate", &der, NULL);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &len);
  if (!right_pin)
    digest[0] ^= 0x01;
  sd_soup_transport_pin_seed (transport, f->testnet->seed_url, digest);
  network = sd_network_new (SD_TRANSPORT (transport), f->store, seeds, TRUE);
  sd_network_set_seed_backoff (network, 10);
  *transport_out = transport;
  return network;
}

static void
test_seed_pin (Fixture *f, gconstpointer data)
{
  for (guint right = 0; right < 2; right++) {
    g_autoptr(SdSoupTransport) transport = NULL;
    g_autoptr(SdNetwork) network = pinned_network (f, right, &transport);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok;

    sd_network_bootstrap_async (network, NULL, on_result, &result);
    ok = sd_network_bootstrap_finish (network, wait_for (&result), &error);
    if (right) {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpuint (sd_network_get_pool_size (network), ==, f->testnet->nodes->len);
    } else {
      /* a seed presenting another certificate is never believed */
      g_assert_false (ok);
      g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NO_SEED);
    }
  }
}

static void
test_pool_refresh (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  bootstrap (f);
  /* a node that is down cannot vouch; the others still agree on 14 */
  reply = st_testnet_control (f->testnet, "{\"action\":\"down\",\"node\":3}");
  sd_network_refresh_pool_async (f->network, NULL, on_result, &result);
  g_assert_true (sd_network_refresh_pool_finish (f->network, wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sd_network_get_pool_size (f->network), ==, f->testnet->nodes->len);
}

static void
test_store_retrieve (Fixture *f, gconstpointer data)
{
  const SdOnionCipher ciphers[] = { SD_ONION_CIPHER_XCHACHA20, SD_ONION_CIPHER_AES_GCM };

  bootstrap (f);
  for (gsize c = 0; c < G_N_ELEMENTS (ciphers); c++) {
    g_autofree gchar *text = g_strdup_printf ("message %s", sd_onion_cipher_to_string (ciphers[c]));
    g_autoptr(GError) error = NULL;
    g_autofree gchar *hash = NULL;
    g_autofree gchar *expected = expected_hash (f, text);
    g_autoptr(GPtrArray) hashes = NULL;

    sd_network_set_cipher (f->network, ciphers[c]);
    hash = store (f, text, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (hash, ==, expected);
    hashes = retrieve (f);
    g_assert_true (g_ptr_array_find_with_equal_func (hashes, expected, g_str_equal, NULL));
  }
  /* the clock offset was learned from the nodes' `t` */
  g_assert_cmpint (ABS (sd_network_get_clock_offset (f->network)), <, 5000);
}

static gboolean
in_swarm (Fixture *f, const SdSnode *node)
{
  guint8 account[33];
  guint64 swarm;

  account[0] = 0x05;
  memcpy (account + 1, f->account.x25519_pk, 32);
  swarm = st_testnet_swarm_for (f->testnet, account);
  for (guint i = 0; i < f->testnet->nodes->len; i++) {
    StTestNode *n = st_testnet_node (f->testnet, i);

    if (n->swarm_id == swarm && memcmp (n->ed25519, node->keys.ed25519_pk, 32) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
test_reshuffle_421 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autoptr(SdSnode) node = NULL;
  g_autoptr(JsonObject) reply = NULL;

  bootstrap (f);
  first = store (f, "before the reshuffle", NULL, NULL, &error);
  g_assert_no_error (error);
  /* new swarm ids: the cached swarm is now wrong and nodes answer 421 */
  reply = st_testnet_control (f->testnet, "{\"action\":\"reshuffle\"}");
  st_testnet_reload (f->testnet);
  second = store (f, "after the reshuffle", NULL, &node, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  g_assert_true (in_swarm (f, node));
}

static void
test_guard_down (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = NULL;
  g_autoptr(GPtrArray) paths = NULL;

  bootstrap (f);
  hash = store (f, "paths are built", NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&hash, g_free);
  paths = sd_network_dup_paths (f->network);
  g_assert_cmpuint (paths->len, ==, SD_ONION_PATH_COUNT);
  for (guint p = 0; p < paths->len; p++) {
    SdSnode *guard = g_ptr_array_index (((SdOnionPath *) g_ptr_array_index (paths, p))->hops, 0);
    g_autofree gchar *action = g_strdup_printf ("{\"action\":\"down\",\"node\":\"%s\"}",
                                                guard->ed25519_hex);
    g_autoptr(JsonObject) reply = st_testnet_control (f->testnet, action);
  }
  hash = store (f, "both guards are gone", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hash);
}

static gchar *
build_info (const SdSnode *node, gint64 now, gpointer user_data)
{
  return sd_storage_rpc_to_string (sd_storage_rpc_info ());
}

static void
test_unknown_destination (Fixture *f, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(SdSnode) stranger = NULL;
  g_autofree gchar *ed_hex = NULL;
  SdIdentity id;
  guint8 seed[32];

  bootstrap (f);
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&id, seed);
  ed_hex = sd_hex_encode (id.ed25519_pk, 32);
  stranger = sd_snode_new (ed_hex, NULL, "127.0.0.1", 9, G_MAXUINT64, &error);
  g_assert_no_error (error);
  sd_network_node_rpc_async (f->network, stranger, build_info, NULL, NULL, NULL, on_result,
                             &result);
  body = sd_network_node_rpc_finish (f->network, wait_for (&result), NULL, &error);
  g_assert_null (body);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NODE);
  /* the paths themselves were fine */
  g_assert_cmpuint (sd_network_get_pool_size (f->network), ==, f->testnet->nodes->len);
}

static void
test_skewed_clock (Fixture *f, gconstpointer data)
{
  guint8 account[33];
  g_autoptr(GArray) members = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = NULL;
  g_autoptr(GPtrArray) hashes = NULL;

  bootstrap (f);
  account[0] = 0x05;
  memcpy (account + 1, f->account.x25519_pk, 32);
  members = st_testnet_members (f->testnet, st_testnet_swarm_for (f->testnet, account));
  /* every member of the swarm runs ten minutes ahead: our signed retrieve
   * is refused with 406 until we learn their time */
  for (guint i = 0; i < members->len; i++) {
    g_autofree gchar *action = g_strdup_printf (
      "{\"action\":\"clock_skew\",\"node\":%u,\"ms\":600000}", g_array_index (members, guint, i));
    g_autoptr(JsonObject) reply = st_testnet_control (f->testnet, action);
  }
  hash = store (f, "from the past", NULL, NULL, &error);
  g_assert_no_error (error);
  hashes = retrieve (f);
  g_assert_cmpuint (hashes->len, ==, 1);
  /* inside a batch the 406 is a sub-result: still learned and retried */
  for (guint round = 0; round < 4; round++)
    g_assert_cmpuint (batch_retrieve_count (f), ==, 1);
}

static void
test_swarm_down (Fixture *f, gconstpointer data)
{
  guint8 account[33];
  g_autoptr(GArray) members = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = NULL;

  bootstrap (f);
  account[0] = 0x05;
  memcpy (account + 1, f->account.x25519_pk, 32);
  hash = store (f, "learn the swarm", NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&hash, g_free);
  members = st_testnet_members (f->testnet, st_testnet_swarm_for (f->testnet, account));
  for (guint i = 0; i < members->len; i++) {
    g_autofree gchar *action = g_strdup_printf ("{\"action\":\"down\",\"node\":%u}",
                                                g_array_index (members, guint, i));
    g_autoptr(JsonObject) reply = st_testnet_control (f->testnet, action);
  }
  /* a clear error, not a hang (the test's own time limit would catch one) */
  hash = store (f, "nobody is home", NULL, NULL, &error);
  g_assert_null (hash);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_SWARM);
}

static gboolean
cancel_soon (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancellation (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = NULL;
  g_autoptr(JsonObject) reply = NULL;

  bootstrap (f);
  /* every node answers slowly; the request is cancelled while in flight */
  reply = st_testnet_control (f->testnet, "{\"action\":\"latency\",\"node\":\"all\",\"ms\":3000}");
  g_timeout_add (300, cancel_soon, cancellable);
  hash = store (f, "never mind", cancellable, NULL, &error);
  g_assert_null (hash);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/network/testnet/bootstrap", test_bootstrap);
  ADD ("/network/testnet/seed-pin", test_seed_pin);
  ADD ("/network/testnet/pool-refresh", test_pool_refresh);
  ADD ("/network/testnet/store-retrieve", test_store_retrieve);
  ADD ("/network/testnet/reshuffle-421", test_reshuffle_421);
  ADD ("/network/testnet/guard-down", test_guard_down);
  ADD ("/network/testnet/unknown-destination", test_unknown_destination);
  ADD ("/network/testnet/skewed-clock", test_skewed_clock);
  ADD ("/network/testnet/swarm-down", test_swarm_down);
  ADD ("/network/testnet/cancellation", test_cancellation);
  return g_test_run ();
}
