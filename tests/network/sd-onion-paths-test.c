/* SPDX-License-Identifier: GPL-3.0-or-later */
/* path building and strike logic of daemon/network against a fake
 * transport that peels real onion layers */
#include <string.h>

#include "sd-fake-transport.h"
#include "sd-memory-pool-store.h"
#include "sd-network-error.h"
#include "sd-network.h"
#include "sd-onion-paths.h"
#include "sd-snode-pool.h"

#define N_NODES 12

typedef struct {
  SdFakeTransport *transport;
  SdPoolStore *store;
  SdSnodePool *pool;
  SdOnionPaths *paths;
  GPtrArray *nodes;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->transport = sd_fake_transport_new (N_NODES);
  f->store = sd_memory_pool_store_new ();
  f->nodes = sd_fake_transport_dup_nodes (f->transport);
  f->pool = sd_snode_pool_new (f->store);
  sd_snode_pool_replace (f->pool, f->nodes);
  f->paths = sd_onion_paths_new (f->pool, SD_TRANSPORT (f->transport), TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->paths);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->transport);
  g_clear_pointer (&f->nodes, g_ptr_array_unref);
}

static gint
index_of (Fixture *f, const SdSnode *node)
{
  for (guint i = 0; i < f->nodes->len; i++)
    if (sd_snode_equal (g_ptr_array_index (f->nodes, i), node))
      return (gint) i;
  return -1;
}

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

static SdOnionPath *
get_path (Fixture *f, const SdSnode *avoid, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sd_onion_paths_get_async (f->paths, avoid, NULL, on_result, &result);
  return sd_onion_paths_get_finish (f->paths, wait_for (&result), error);
}

static void
test_builds_two_paths (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdOnionPath) path = get_path (f, NULL, &error);
  g_autoptr(GPtrArray) paths = sd_onion_paths_dup_paths (f->paths);
  gboolean used[N_NODES] = { FALSE };
  guint tested = 0;

  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_cmpuint (paths->len, ==, SD_ONION_PATH_COUNT);
  /* every hop distinct across both paths; each guard was tested directly */
  for (guint p = 0; p < paths->len; p++) {
    SdOnionPath *each = g_ptr_array_index (paths, p);

    g_assert_cmpuint (each->hops->len, ==, SD_ONION_HOPS);
    for (guint h = 0; h < each->hops->len; h++) {
      gint i = index_of (f, g_ptr_array_index (each->hops, h));

      g_assert_cmpint (i, >=, 0);
      g_assert_false (used[i]);
      used[i] = TRUE;
      if (h == 0)
        g_assert_cmpuint (sd_fake_transport_get_guard_tests (f->transport, i), ==, 1);
      else
        g_assert_cmpuint (sd_fake_transport_get_guard_tests (f->transport, i), ==, 0);
    }
  }
  for (guint i = 0; i < N_NODES; i++)
    tested += sd_fake_transport_get_guard_tests (f->transport, i);
  g_assert_cmpuint (tested, ==, SD_ONION_PATH_COUNT);
}

static void
test_destination_never_in_path (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_NODES; i++) {
    g_autoptr(GError) error = NULL;
    SdSnode *dest = g_ptr_array_index (f->nodes, i);
    g_autoptr(SdOnionPath) path = get_path (f, dest, &error);

    g_assert_no_error (error);
    g_assert_false (sd_onion_path_contains (path, dest));
  }
}

static void
test_failed_guard_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdOnionPath) path = NULL;
  g_autoptr(GPtrArray) paths = NULL;

  /* half the nodes refuse connections: the guards chosen must be others */
  for (guint i = 0; i < N_NODES; i += 2)
    sd_fake_transport_set_state (f->transport, i, SD_FAKE_DOWN);
  path = get_path (f, NULL, &error);
  g_assert_no_error (error);
  paths = sd_onion_paths_dup_paths (f->paths);
  g_assert_cmpuint (paths->len, ==, SD_ONION_PATH_COUNT);
  for (guint p = 0; p < paths->len; p++) {
    SdOnionPath *each = g_ptr_array_index (paths, p);

    g_assert_cmpint (index_of (f, g_ptr_array_index (each->hops, 0)) % 2, ==, 1);
  }
}

static void
test_not_enough_nodes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdOnionPath) path = NULL;
  g_autoptr(GPtrArray) few = g_ptr_array_new ();

  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (few, g_ptr_array_index (f->nodes, i));
  sd_snode_pool_replace (f->pool, few);
  path = get_path (f, NULL, &error);
  g_assert_null (path);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NOT_ENOUGH_NODES);
}

static void
test_strikes_drop_path (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdOnionPath) path = get_path (f, NULL, &error);
  g_autoptr(GPtrArray) after = NULL;
  SdSnode *guard = g_ptr_array_index (path->hops, 0);

  for (guint i = 0; i < SD_ONION_PATH_STRIKE_LIMIT - 1; i++) {
    g_autoptr(GPtrArray) paths = NULL;

    sd_onion_paths_strike (f->paths, path);
    paths = sd_onion_paths_dup_paths (f->paths);
    g_assert_true (g_ptr_array_find (paths, path, NULL));
  }
  sd_onion_paths_strike (f->paths, path);
  after = sd_onion_paths_dup_paths (f->paths);
  g_assert_false (g_ptr_array_find (after, path, NULL));
  g_assert_cmpuint (after->len, ==, SD_ONION_PATH_COUNT - 1);
  /* the guard keeps a strike in the pool but stays there */
  {
    g_autoptr(SdSnode) still = sd_snode_pool_lookup (f->pool, guard->keys.ed25519_pk);

    g_assert_nonnull (still);
  }
}

static void
test_node_strikes (Fixture *f, gconstpointer data)
{
  SdSnode *node = g_ptr_array_index (f->nodes, 3);

  g_assert_false (sd_snode_pool_strike (f->pool, node));
  sd_snode_pool_clear_strikes (f->pool, node);
  g_assert_false (sd_snode_pool_strike (f->pool, node));
  g_assert_false (sd_snode_pool_strike (f->pool, node));
  g_assert_true (sd_snode_pool_strike (f->pool, node));
  g_assert_cmpuint (sd_snode_pool_get_size (f->pool), ==, N_NODES - 1);
  /* the store saw the change */
  g_assert_cmpuint (sd_memory_pool_store_get_save_count (SD_MEMORY_POOL_STORE (f->store)), ==, 2);
}

/* ---- through SdNetwork ---- */

static gchar *
build_info (const SdSnode *node, gint64 now, gpointer data)
{
  return g_strdup ("{\"method\":\"info\",\"params\":{}}");
}

static JsonNode *
node_rpc (SdNetwork *network, SdSnode *dest, GCancellable *cancellable, guint *status,
          GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sd_network_node_rpc_async (network, dest, build_info, NULL, NULL, cancellable, on_result,
                             &result);
  return sd_network_node_rpc_finish (network, wait_for (&result), status, error);
}

static SdNetwork *
make_network (Fixture *f, SdOnionCipher cipher)
{
  const gchar *seeds[] = { "http://127.0.0.1:1/", NULL };
  SdNetwork *network = sd_network_new (SD_TRANSPORT (f->transport), f->store, seeds, TRUE);

  sd_network_set_cipher (network, cipher);
  return network;
}

static void
test_rpc_through_onion (Fixture *f, gconstpointer data)
{
  for (guint c = 0; c < 2; c++) {
    g_autoptr(SdNetwork) network = make_network (f, c == 0 ? SD_ONION_CIPHER_XCHACHA20
                                                            : SD_ONION_CIPHER_AES_GCM);
    g_autoptr(GError) error = NULL;
    SdSnode *dest = g_ptr_array_index (f->nodes, 5);
    guint status = 0;
    g_autoptr(JsonNode) body = node_rpc (network, dest, NULL, &status, &error);
    gint executed_by = -1;

    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 200);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (body), "ok"));
    g_assert_cmpstr (sd_fake_transport_get_last_rpc (f->transport, &executed_by), ==,
                     "{\"method\":\"info\",\"params\":{}}");
    g_assert_cmpint (executed_by, ==, 5);
    /* the destination was never contacted directly */
    g_assert_cmpuint (sd_fake_transport_get_onion_posts (f->transport, 5), ==, 0);
  }
}

static void
test_unknown_relay_struck (Fixture *f, gconstpointer data)
{
  g_autoptr(SdNetwork) network = make_network (f, SD_ONION_CIPHER_XCHACHA20);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  SdSnode *dest = g_ptr_array_index (f->nodes, 11);
  guint status = 0;

  /* build the paths, then make the middle hop of each unknown to its
   * guard: whichever path the next request takes answers 502, and the
   * request must still succeed over a rebuilt path */
  body = node_rpc (network, dest, NULL, &status, &error);
  g_assert_no_error (error);
  g_clear_pointer (&body, json_node_unref);
  paths = sd_network_dup_paths (network);
  g_assert_cmpuint (paths->len, ==, SD_ONION_PATH_COUNT);
  for (guint p = 0; p < paths->len; p++) {
    SdSnode *middle = g_ptr_array_index (((SdOnionPath *) g_ptr_array_index (paths, p))->hops, 1);

    g_ptr_array_add (gone, sd_snode_ref (middle));
    sd_fake_transport_set_state (f->transport, index_of (f, middle), SD_FAKE_UNKNOWN);
  }

  body = node_rpc (network, dest, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&body, json_node_unref);
  body = node_rpc (network, dest, NULL, &status, &error);
  g_assert_no_error (error);

  /* the middle hop of the path first tried was reported: that path was dropped and the
   * node struck, not removed (anyone on the path can write the report, issue 14); the
   * rebuilt paths avoid the struck nodes */
  g_assert_cmpuint (sd_network_get_pool_size (network), ==, N_NODES);
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = sd_network_dup_paths (network);
  g_assert_cmpuint (paths->len, >, 0);
  for (guint g = 0; g < gone->len; g++) {
    SdSnode *node = g_ptr_array_index (gone, g);

    g_assert_true (sd_network_knows_node (network, node));
  }
}

static void
test_forged_missing_node (Fixture *f, gconstpointer data)
{
  g_autoptr(SdNetwork) network = make_network (f, SD_ONION_CIPHER_XCHACHA20);
  g_autoptr(GPtrArray) paths = NULL;
  SdSnode *dest = g_ptr_array_index (f->nodes, 11);
  SdSnode *victim = NULL;
  gboolean recovered = FALSE;

  {
    g_autoptr(GError) error = NULL;
    guint status = 0;
    g_autoptr(JsonNode) body = node_rpc (network, dest, NULL, &status, &error);

    g_assert_no_error (error);
  }
  /* every guard now blames a node that is on none of the paths */
  paths = sd_network_dup_paths (network);
  for (guint i = 0; i < N_NODES && victim == NULL; i++) {
    SdSnode *node = g_ptr_array_index (f->nodes, i);
    gboolean used = sd_snode_equal (node, dest);

    for (guint p = 0; p < paths->len; p++)
      used = used || sd_onion_path_contains (g_ptr_array_index (paths, p), node);
    if (!used)
      victim = node;
  }
  g_assert_nonnull (victim);
  for (guint p = 0; p < paths->len; p++) {
    SdSnode *guard = g_ptr_array_index (((SdOnionPath *) g_ptr_array_index (paths, p))->hops, 0);

    sd_fake_transport_forge_missing (f->transport, index_of (f, guard), index_of (f, victim));
  }
  /* the lying paths are struck until they are rebuilt around other guards; the victim is
   * never touched */
  for (guint round = 0; round < 4 && !recovered; round++) {
    g_autoptr(GError) error = NULL;
    guint status = 0;
    g_autoptr(JsonNode) body = node_rpc (network, dest, NULL, &status, &error);

    recovered = body != NULL;
    g_assert_true (sd_network_knows_node (network, victim));
  }
  g_assert_true (recovered);
  g_assert_cmpuint (sd_network_get_pool_size (network), ==, N_NODES);
}

static void
test_unknown_destination (Fixture *f, gconstpointer data)
{
  g_autoptr(SdNetwork) network = make_network (f, SD_ONION_CIPHER_XCHACHA20);
  g_autoptr(GError) error = NULL;
  SdSnode *dest = g_ptr_array_index (f->nodes, 4);
  guint status = 0;
  g_autoptr(JsonNode) body = NULL;

  sd_fake_transport_set_state (f->transport, 4, SD_FAKE_UNKNOWN);
  /* reported once: a strike; as often as the strike limit: gone */
  for (guint i = 0; i < SD_SNODE_STRIKE_LIMIT; i++) {
    g_clear_error (&error);
    g_clear_pointer (&body, json_node_unref);
    g_assert_cmpuint (sd_network_get_pool_size (network), ==, N_NODES);
    body = node_rpc (network, dest, NULL, &status, &error);
    g_assert_null (body);
    g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NODE);
  }
  g_assert_cmpuint (sd_network_get_pool_size (network), ==, N_NODES - 1);
}

static void
test_guard_down_mid_run (Fixture *f, gconstpointer data)
{
  g_autoptr(SdNetwork) network = make_network (f, SD_ONION_CIPHER_AES_GCM);
  SdSnode *dest = g_ptr_array_index (f->nodes, 0);

  /* first request builds paths; then take down every node that served as
   * a guard so far, one round at a time: requests keep succeeding */
  for (guint round = 0; round < 3; round++) {
    g_autoptr(GError) error = NULL;
    guint status = 0;
    g_autoptr(JsonNode) body = node_rpc (network, dest, NULL, &status, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (status, ==, 200);
    for (guint i = 1; i < N_NODES; i++)
      if (sd_fake_transport_get_guard_tests (f->transport, i) > 0 &&
          sd_fake_transport_get_onion_posts (f->transport, i) > 0 && round < 2)
        sd_fake_transport_set_state (f->transport, i, SD_FAKE_DOWN);
  }
}

static void
test_cancellation (Fixture *f, gconstpointer data)
{
  g_autoptr(SdNetwork) network = make_network (f, SD_ONION_CIPHER_XCHACHA20);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = NULL;

  g_cancellable_cancel (cancellable);
  body = node_rpc (network, g_ptr_array_index (f->nodes, 2), cancellable, &status, &error);
  g_assert_null (body);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/network/paths/builds-two", test_builds_two_paths);
  ADD ("/network/paths/destination-never-in-path", test_destination_never_in_path);
  ADD ("/network/paths/failed-guard-replaced", test_failed_guard_replaced);
  ADD ("/network/paths/not-enough-nodes", test_not_enough_nodes);
  ADD ("/network/paths/strikes-drop-path", test_strikes_drop_path);
  ADD ("/network/pool/node-strikes", test_node_strikes);
  ADD ("/network/rpc/through-onion", test_rpc_through_onion);
  ADD ("/network/rpc/unknown-relay-struck", test_unknown_relay_struck);
  ADD ("/network/rpc/forged-missing-node", test_forged_missing_node);
  ADD ("/network/rpc/unknown-destination", test_unknown_destination);
  ADD ("/network/rpc/guard-down-mid-run", test_guard_down_mid_run);
  ADD ("/network/rpc/cancellation", test_cancellation);
  return g_test_run ();
}
