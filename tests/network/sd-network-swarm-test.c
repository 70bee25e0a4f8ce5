/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The swarm lists nodes answer (get_swarm, 421) against the fake transport: only members the
 * pool knows are kept, with the pool's address, and never more than a swarm can have — a
 * destination node cannot send our polls and stores to nodes of its choosing (issue 14) */
#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-fake-transport.h"
#include "sd-json.h"
#include "sd-memory-pool-store.h"
#include "sd-network.h"

#define N_NODES 14
#define ACCOUNT "05" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct {
  SdFakeTransport *transport;
  SdPoolStore *store;
  GPtrArray *nodes;
  SdNetwork *network;
  guint moved;        /* 421s still to answer */
  guint n_foreign;    /* foreign entries in each list */
  gboolean foreign_only; /* the 421 lists no pool node */
} Fixture;

/* an entry for @node, or for a node nobody knows when NULL */
static void
add_entry (JsonArray *snodes, const SdSnode *node, const gchar *ip)
{
  JsonObject *entry = json_object_new ();
  guint8 pk[32], sk[64];
  g_autofree gchar *hex = NULL;

  if (node == NULL) {
    crypto_sign_keypair (pk, sk);
    hex = sd_hex_encode (pk, 32);
  } else {
    hex = g_strdup (node->ed25519_hex);
  }
  json_object_set_string_member (entry, "pubkey_ed25519", hex);
  json_object_set_string_member (entry, "ip", ip != NULL ? ip : "10.9.8.7");
  json_object_set_int_member (entry, "port_https", 4433);
  json_array_add_object_element (snodes, entry);
}

/* nodes @from..@to of the pool (the first with a wrong address), and @f->n_foreign others */
static gchar *
swarm_json (Fixture *f, guint from, guint to)
{
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *snodes = json_array_new ();

  for (guint i = 0; i < f->n_foreign; i++)
    add_entry (snodes, NULL, NULL);
  for (guint i = from; i <= to; i++)
    add_entry (snodes, g_ptr_array_index (f->nodes, i), i == from ? "10.1.1.1" : NULL);
  json_object_set_array_member (reply, "snodes", snodes);
  json_object_set_string_member (reply, "swarm", "0");
  root = json_node_init_object (json_node_alloc (), reply);
  return json_to_string (root, FALSE);
}

static gchar *
answer (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
        gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = sd_json_parse_object (rpc, strlen (rpc), NULL);
  const gchar *method = sd_json_get_string (request, "method");

  *status = 200;
  if (g_strcmp0 (method, "get_swarm") == 0)
    return swarm_json (f, 0, 4);
  if (f->moved > 0) {
    f->moved--;
    *status = 421;
    return f->foreign_only ? swarm_json (f, 1, 0) : swarm_json (f, 5, 8);
  }
  return g_strdup_printf ("{\"ok\":true,\"t\":%" G_GINT64_FORMAT "}", g_get_real_time () / 1000);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  f->transport = sd_fake_transport_new (N_NODES);
  sd_fake_transport_set_rpc_func (f->transport, answer, f);
  f->store = sd_memory_pool_store_new ();
  f->nodes = sd_fake_transport_dup_nodes (f->transport);
  sd_pool_store_save (f->store, f->nodes);
  f->network = sd_network_new (SD_TRANSPORT (f->transport), f->store, NULL, TRUE);
  f->n_foreign = 3;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->network);
  g_clear_object (&f->store);
  g_clear_object (&f->transport);
  g_clear_pointer (&f->nodes, g_ptr_array_unref);
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GPtrArray *
get_swarm (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *swarm;

  sd_network_get_swarm_async (f->network, ACCOUNT, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  swarm = sd_network_get_swarm_finish (f->network, result, &error);
  g_assert_no_error (error);
  return swarm;
}

/* the swarm holds exactly pool nodes @from..@to, each with the pool's address */
static void
assert_swarm (GPtrArray *swarm, Fixture *f, guint from, guint to)
{
  g_assert_cmpuint (swarm->len, ==, to - from + 1);
  for (guint i = 0; i < swarm->len; i++) {
    SdSnode *member = g_ptr_array_index (swarm, i);
    gboolean found = FALSE;

    for (guint j = from; j <= to; j++) {
      SdSnode *pooled = g_ptr_array_index (f->nodes, j);

      if (sd_snode_equal (member, pooled)) {
        found = TRUE;
        g_assert_cmpstr (member->ip, ==, pooled->ip);
        g_assert_cmpuint (member->port, ==, pooled->port);
      }
    }
    g_assert_true (found);
  }
}

static gchar *
build (const SdSnode *node, gint64 now, gpointer user_data)
{
  return g_strdup ("{\"method\":\"retrieve\",\"params\":{}}");
}

static void
test_get_swarm_known_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) swarm = get_swarm (f);

  assert_swarm (swarm, f, 0, 4);
}

/* one swarm RPC for the account, which must succeed */
static void
swarm_rpc (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  sd_network_swarm_rpc_async (f->network, ACCOUNT, build, NULL, NULL, NULL, on_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = sd_network_swarm_rpc_finish (f->network, result, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
}

static void
test_421_known_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) swarm = NULL;

  f->moved = 1;
  swarm_rpc (f);
  /* the moved swarm is the known part of the 421's list */
  swarm = get_swarm (f);
  assert_swarm (swarm, f, 5, 8);
}

static void
test_all_foreign (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) swarm = NULL;

  /* 40 strangers around the real members: the members are kept */
  f->n_foreign = 40;
  swarm = get_swarm (f);
  assert_swarm (swarm, f, 0, 4);
  g_clear_pointer (&swarm, g_ptr_array_unref);
  /* a 421 naming only strangers replaces nothing: the request goes on to another member */
  f->moved = 1;
  f->foreign_only = TRUE;
  swarm_rpc (f);
  g_assert_cmpuint (f->moved, ==, 0);
  swarm = get_swarm (f);
  assert_swarm (swarm, f, 0, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/network/swarm/get-swarm-known-only", test_get_swarm_known_only);
  ADD ("/network/swarm/421-known-only", test_421_known_only);
  ADD ("/network/swarm/421-all-foreign", test_all_foreign);
#undef ADD
  return g_test_run ();
}
