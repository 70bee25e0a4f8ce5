/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-daemon-test-util.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sd-memory-pool-store.h"

void
sd_test_identity_from_byte (SdIdentity *identity, guint8 byte)
{
  guint8 seed[32];

  memset (seed, byte, sizeof seed);
  sd_identity_from_seed (identity, seed);
}

void
sd_test_store_init (SdTestStore *test_store, const SdIdentity *me)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  test_store->dir = g_dir_make_tmp ("sd-daemon-test-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (test_store->dir, "store.sqlite", NULL);
  test_store->store = sd_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_account_id (test_store->store, me->session_id, &error));
}

void
sd_test_store_clear (SdTestStore *test_store)
{
  const gchar *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&test_store->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree gchar *file = g_strconcat (test_store->dir, "/store.sqlite", suffixes[i], NULL);

    g_unlink (file);
  }
  g_rmdir (test_store->dir);
  g_clear_pointer (&test_store->dir, g_free);
}

void
sd_test_net_init (SdTestNet *net, SdFakeRpcFunc answer, gpointer user_data)
{
  net->transport = sd_fake_transport_new (SD_TEST_N_NODES);
  sd_fake_transport_set_rpc_func (net->transport, answer, user_data);
  net->nodes = sd_fake_transport_dup_nodes (net->transport);
  net->pool_store = sd_memory_pool_store_new ();
  /* a usable pool from the start: no seeds are asked */
  sd_pool_store_save (net->pool_store, net->nodes);
  net->network = sd_network_new (SD_TRANSPORT (net->transport), net->pool_store, NULL, TRUE);
}

void
sd_test_net_clear (SdTestNet *net)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&net->network);
  g_clear_object (&net->pool_store);
  g_clear_object (&net->transport);
  g_clear_pointer (&net->nodes, g_ptr_array_unref);
}

gchar *
sd_test_net_swarm_json (SdTestNet *net)
{
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *snodes = json_array_new ();

  for (guint i = 0; i < SD_TEST_SWARM_SIZE; i++) {
    SdSnode *node = g_ptr_array_index (net->nodes, i);
    JsonObject *entry = json_object_new ();

    json_object_set_string_member (entry, "pubkey_ed25519", node->ed25519_hex);
    json_object_set_string_member (entry, "ip", node->ip);
    json_object_set_int_member (entry, "port_https", node->port);
    json_array_add_object_element (snodes, entry);
  }
  json_object_set_array_member (reply, "snodes", snodes);
  json_object_set_string_member (reply, "swarm", "0");
  json_object_set_int_member (reply, "t", g_get_real_time () / 1000);
  root = json_node_init_object (json_node_alloc (), reply);
  return json_to_string (root, FALSE);
}
