/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the set of nodes: creation, swarms, lookup by key, and the node lists
 * that the seed, get_swarm, 421 answers and testnet.json show */
#define G_LOG_DOMAIN "StNetwork"

#include "config.h"

#include "st-network.h"

#include <sodium.h>
#include <string.h>

#include "sd-swarm.h"
#include "st-control.h"
#include "st-node.h"
#include "st-file-server.h"
#include "st-sogs-server.h"
#include "st-seed.h"
#include "st-tcp.h"

#define FAKE_HEIGHT 1500000

/* a self-signed certificate for every listener, made with openssl so that
 * nothing ships in the tree (build-and-test-environment.md §4) */
static gboolean
make_certificate (StNetwork *network, GError **error)
{
  g_autofree gchar *key_path = g_build_filename (network->config.state_dir, "key.pem", NULL);
  g_autofree gchar *san = NULL;
  g_autofree gchar *err_text = NULL;
  gint status = 0;

  network->cert_path = g_build_filename (network->config.state_dir, "cert.pem", NULL);
  if (strcmp (network->config.bind, "127.0.0.1") == 0)
    san = g_strdup ("subjectAltName=IP:127.0.0.1,DNS:localhost");
  else
    san = g_strdup_printf ("subjectAltName=IP:%s,IP:127.0.0.1,DNS:localhost",
                           network->config.bind);
  {
    const gchar *argv[] = {
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-days", "30", "-subj", "/CN=localhost", "-addext", san,
      "-keyout", key_path, "-out", network->cert_path, NULL
    };

    if (!g_spawn_sync (NULL, (gchar **) argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                       &err_text, &status, error))
      return FALSE;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "openssl could not make a certificate: %s",
                 err_text != NULL ? g_strstrip (err_text) : "");
    return FALSE;
  }
  network->cert = g_tls_certificate_new_from_files (network->cert_path, key_path, error);
  return network->cert != NULL;
}

static guint64
random_swarm_id (void)
{
  guint64 id;

  /* 63 bits: json-glib writes integers as signed 64-bit numbers */
  randombytes_buf (&id, sizeof id);
  return id & G_MAXINT64;
}

static void
assign_swarm_ids (StNetwork *network)
{
  guint n_swarms = network->swarm_ids->len;

  for (guint i = 0; i < n_swarms; i++) {
    guint64 id;
    gboolean clash;

    do {
      id = random_swarm_id ();
      clash = FALSE;
      for (guint j = 0; j < i; j++)
        clash |= g_array_index (network->swarm_ids, guint64, j) == id;
    } while (clash);
    g_array_index (network->swarm_ids, guint64, i) = id;
  }
  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);

    node->swarm_id = g_array_index (network->swarm_ids, guint64, i % n_swarms);
  }
}

static gboolean
cleanup_cb (gpointer user_data)
{
  StNetwork *network = user_data;

  /* each node sweeps with its own clock, as separate servers would */
  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);

    st_storage_expire (node->storage, st_node_now_ms (node));
  }
  return G_SOURCE_CONTINUE;
}

static SoupSession *
new_session (guint timeout_s)
{
  /* many onion requests run at once through a few nodes; libsoup's
   * default of 2 connections per host would serialize them */
  return soup_session_new_with_options ("max-conns", 512, "max-conns-per-host", 64,
                                        "timeout", timeout_s, "user-agent", "session-testnet",
                                        NULL);
}

StNetwork *
st_network_new (const StConfig *config, GError **error)
{
  g_autoptr(StNetwork) network = g_new0 (StNetwork, 1);
  guint n_swarms;

  network->config = *config;
  network->config.bind = g_strdup (config->bind);
  network->config.state_dir = g_strdup (config->state_dir);
  network->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) st_node_free);
  network->by_ed25519 = g_hash_table_new (g_str_hash, g_str_equal);
  network->height = FAKE_HEIGHT;
  network->json_path = g_build_filename (config->state_dir, "testnet.json", NULL);
  network->reaper = st_reaper_new ();

  if (sodium_init () < 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium failed to start");
    return NULL;
  }
  if (g_mkdir_with_parents (config->state_dir, 0700) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                 config->state_dir, g_strerror (errno));
    return NULL;
  }
  if (config->tls && !make_certificate (network, error))
    return NULL;

  network->relay = new_session (30);
  /* hops are our own loopback listeners: never ask a proxy resolver */
  g_object_set (network->relay, "proxy-resolver", NULL, NULL);
  network->proxy = new_session (25);
  if (network->cert_path != NULL) {
    g_autoptr(GTlsDatabase) db = g_tls_file_database_new (network->cert_path, error);

    if (db == NULL)
      return NULL;
    soup_session_set_tls_database (network->relay, db);
  }

  for (guint i = 0; i < config->n_nodes; i++) {
    StNode *node = st_node_new (network, i, error);

    if (node == NULL)
      return NULL;
    g_ptr_array_add (network->nodes, node);
    g_hash_table_insert (network->by_ed25519, node->ed25519_hex, node);
  }
  n_swarms = MAX (1, config->n_nodes / MAX (config->swarm_size, 1));
  network->swarm_ids = g_array_sized_new (FALSE, TRUE, sizeof (guint64), n_swarms);
  g_array_set_size (network->swarm_ids, n_swarms);
  assign_swarm_ids (network);

  if (!st_seed_start (network, error) || !st_control_start (network, error))
    return NULL;
  network->file_server = st_file_server_start (network, error);
  if (network->file_server == NULL)
    return NULL;
  network->sogs_server = st_sogs_server_start (network, error);
  if (network->sogs_server == NULL)
    return NULL;
  network->ons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) json_object_unref);
  network->cleanup_id = g_timeout_add (MAX (config->cleanup_interval_ms, 10), cleanup_cb, network);
  return g_steal_pointer (&network);
}

void
st_network_shutdown (StNetwork *network)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;

  network->stopping = TRUE;
  g_clear_handle_id (&network->cleanup_id, g_source_remove);
  if (network->relay != NULL)
    soup_session_abort (network->relay);
  if (network->proxy != NULL)
    soup_session_abort (network->proxy);
  g_clear_object (&network->relay);
  g_clear_object (&network->proxy);
  /* closing is asynchronous; give it the main loop for a moment */
  while (g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  }
}

void
st_network_free (StNetwork *network)
{
  if (network == NULL)
    return;
  g_clear_handle_id (&network->cleanup_id, g_source_remove);
  if (network->seed != NULL)
    soup_server_disconnect (network->seed);
  if (network->control != NULL)
    soup_server_disconnect (network->control);
  g_clear_object (&network->seed);
  g_clear_object (&network->control);
  g_clear_pointer (&network->file_server, st_file_server_free);
  g_clear_pointer (&network->sogs_server, st_sogs_server_free);
  g_clear_pointer (&network->ons, g_hash_table_unref);
  if (network->relay != NULL)
    soup_session_abort (network->relay);
  if (network->proxy != NULL)
    soup_session_abort (network->proxy);
  g_clear_object (&network->relay);
  g_clear_object (&network->proxy);
  g_clear_pointer (&network->by_ed25519, g_hash_table_unref);
  g_clear_pointer (&network->nodes, g_ptr_array_unref);
  g_clear_pointer (&network->reaper, st_reaper_free);
  g_clear_pointer (&network->swarm_ids, g_array_unref);
  g_clear_object (&network->cert);
  g_free (network->cert_path);
  g_free (network->seed_url);
  g_free (network->control_url);
  g_free (network->json_path);
  g_free (network->config.bind);
  g_free (network->config.state_dir);
  g_free (network);
}

StNode *
st_network_lookup (StNetwork *network, const gchar *ed25519_hex)
{
  return g_hash_table_lookup (network->by_ed25519, ed25519_hex);
}

guint64
st_network_swarm_for (StNetwork *network, const guint8 account[33])
{
  return sd_swarm_choose (sd_swarm_space (account + 1), (const guint64 *) network->swarm_ids->data,
                          network->swarm_ids->len);
}

GPtrArray *
st_network_members (StNetwork *network, guint64 swarm_id)
{
  GPtrArray *members = g_ptr_array_new ();

  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);

    if (node->swarm_id == swarm_id)
      g_ptr_array_add (members, node);
  }
  return members;
}

void
st_network_reshuffle (StNetwork *network)
{
  g_autoptr(GArray) old = g_array_copy (network->swarm_ids);

  /* same groups of nodes, new ids: the account -> swarm map changes */
  assign_swarm_ids (network);
  for (guint i = 0; i < network->swarm_ids->len; i++)
    g_debug ("swarm %" G_GINT64_MODIFIER "x is now %" G_GINT64_MODIFIER "x",
             g_array_index (old, guint64, i), g_array_index (network->swarm_ids, guint64, i));
}

/* z-base-32, as lokinet writes .snode addresses */
static gchar *
base32z (const guint8 *data, gsize len)
{
  static const gchar alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  GString *out = g_string_sized_new (len * 8 / 5 + 8);
  guint32 acc = 0;
  guint bits = 0;

  for (gsize i = 0; i < len; i++) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      g_string_append_c (out, alphabet[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0)
    g_string_append_c (out, alphabet[(acc << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

JsonObject *
st_network_swarm_json (StNetwork *network, guint64 swarm_id)
{
  JsonObject *result = json_object_new ();
  JsonArray *snodes = json_array_new ();
  g_autoptr(GPtrArray) members = st_network_members (network, swarm_id);

  for (guint i = 0; i < members->len; i++) {
    StNode *node = g_ptr_array_index (members, i);
    JsonObject *entry = json_object_new ();
    g_autofree gchar *z = base32z (node->identity.ed25519_pk, 32);
    g_autofree gchar *address = g_strconcat (z, ".snode", NULL);
    g_autofree gchar *port = g_strdup_printf ("%u", node->port);

    json_object_set_string_member (entry, "address", address);
    json_object_set_string_member (entry, "pubkey_legacy", node->ed25519_hex);
    json_object_set_string_member (entry, "pubkey_x25519", node->x25519_hex);
    json_object_set_string_member (entry, "pubkey_ed25519", node->ed25519_hex);
    json_object_set_string_member (entry, "port", port);
    json_object_set_int_member (entry, "port_https", node->port);
    /* no OxenMQ or QUIC listener here */
    json_object_set_int_member (entry, "port_omq", 0);
    json_object_set_int_member (entry, "port_quic", 0);
    json_object_set_string_member (entry, "ip", network->config.bind);
    json_array_add_object_element (snodes, entry);
  }
  json_object_set_array_member (result, "snodes", snodes);
  if (members->len > 0) {
    g_autofree gchar *hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", swarm_id);

    json_object_set_string_member (result, "swarm", hex);
  } else {
    json_object_set_string_member (result, "swarm", "ffffffffffffffff");
  }
  return result;
}

/* does the oxend "fields" filter ask for @name? */
static gboolean
wants (JsonObject *fields, const gchar *name)
{
  JsonNode *node;

  if (fields == NULL)
    return TRUE;
  node = json_object_get_member (fields, name);
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static JsonObject *
node_state (StNetwork *network, StNode *node, JsonObject *fields)
{
  JsonObject *entry = json_object_new ();

  if (wants (fields, "public_ip"))
    json_object_set_string_member (entry, "public_ip", network->config.bind);
  if (wants (fields, "storage_port"))
    json_object_set_int_member (entry, "storage_port", node->port);
  if (wants (fields, "storage_lmq_port"))
    json_object_set_int_member (entry, "storage_lmq_port", 0);
  if (wants (fields, "pubkey_ed25519"))
    json_object_set_string_member (entry, "pubkey_ed25519", node->ed25519_hex);
  if (wants (fields, "pubkey_x25519"))
    json_object_set_string_member (entry, "pubkey_x25519", node->x25519_hex);
  if (wants (fields, "service_node_pubkey"))
    json_object_set_string_member (entry, "service_node_pubkey", node->ed25519_hex);
  if (wants (fields, "swarm_id"))
    json_object_set_int_member (entry, "swarm_id", (gint64) node->swarm_id);
  if (wants (fields, "storage_server_version")) {
    JsonArray *version = json_array_sized_new (3);

    json_array_add_int_element (version, 2);
    json_array_add_int_element (version, 8);
    json_array_add_int_element (version, 0);
    json_object_set_array_member (entry, "storage_server_version", version);
  }
  if (wants (fields, "requested_unlock_height"))
    json_object_set_int_member (entry, "requested_unlock_height", 0);
  if (wants (fields, "active"))
    json_object_set_boolean_member (entry, "active", TRUE);
  if (wants (fields, "funded"))
    json_object_set_boolean_member (entry, "funded", TRUE);
  return entry;
}

JsonObject *
st_network_service_nodes_json (StNetwork *network, JsonObject *params)
{
  JsonObject *result = json_object_new ();
  JsonArray *states = json_array_new ();
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  JsonNode *fields_node = params != NULL ? json_object_get_member (params, "fields") : NULL;
  JsonNode *limit_node = params != NULL ? json_object_get_member (params, "limit") : NULL;
  guint limit = network->nodes->len;

  if (fields_node != NULL && JSON_NODE_HOLDS_OBJECT (fields_node)) {
    fields = json_object_ref (json_node_get_object (fields_node));
  } else if (fields_node != NULL && JSON_NODE_HOLDS_ARRAY (fields_node)) {
    JsonArray *names = json_node_get_array (fields_node);

    /* a list of names means the same as {name: true, ...} */
    fields = json_object_new ();
    for (guint i = 0; i < json_array_get_length (names); i++) {
      JsonNode *n = json_array_get_element (names, i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        json_object_set_boolean_member (fields, json_node_get_string (n), TRUE);
    }
  }
  for (guint i = 0; i < network->nodes->len; i++)
    g_ptr_array_add (order, g_ptr_array_index (network->nodes, i));
  if (limit_node != NULL && JSON_NODE_HOLDS_VALUE (limit_node) &&
      json_node_get_value_type (limit_node) == G_TYPE_INT64 &&
      json_node_get_int (limit_node) > 0 &&
      json_node_get_int (limit_node) < (gint64) network->nodes->len) {
    /* oxend answers a limit with a random sample */
    limit = (guint) json_node_get_int (limit_node);
    for (guint i = order->len - 1; i > 0; i--) {
      guint j = randombytes_uniform (i + 1);
      gpointer tmp = order->pdata[i];

      order->pdata[i] = order->pdata[j];
      order->pdata[j] = tmp;
    }
  }
  for (guint i = 0; i < limit; i++)
    json_array_add_object_element (states, node_state (network, order->pdata[i], fields));

  json_object_set_array_member (result, "service_node_states", states);
  json_object_set_int_member (result, "height", network->height);
  json_object_set_int_member (result, "target_height", network->height);
  json_object_set_int_member (result, "hardfork", ST_HF_MAJOR);
  json_object_set_string_member (result, "status", "OK");
  return result;
}

JsonObject *
st_network_description (StNetwork *network)
{
  JsonObject *doc = json_object_new ();
  JsonArray *nodes = json_array_new ();

  json_object_set_string_member (doc, "seed_url", network->seed_url);
  json_object_set_string_member (doc, "control_url", network->control_url);
  if (network->cert_path != NULL)
    json_object_set_string_member (doc, "cert", network->cert_path);
  else
    json_object_set_null_member (doc, "cert");
  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);
    JsonObject *entry = json_object_new ();

    json_object_set_string_member (entry, "ip", network->config.bind);
    json_object_set_int_member (entry, "port", node->port);
    json_object_set_string_member (entry, "pubkey_ed25519", node->ed25519_hex);
    json_object_set_string_member (entry, "pubkey_x25519", node->x25519_hex);
    json_object_set_int_member (entry, "swarm_id", (gint64) node->swarm_id);
    json_array_add_object_element (nodes, entry);
  }
  json_object_set_array_member (doc, "nodes", nodes);
  if (network->file_server != NULL)
    json_object_set_object_member (doc, "file_server",
                                   st_file_server_description (network->file_server));
  if (network->sogs_server != NULL) {
    /* one server under both names: "community_server" beside "file_server",
     * "sogs" as issue 17's contract spells it */
    json_object_set_object_member (doc, "community_server",
                                   st_sogs_server_description (network->sogs_server));
    json_object_set_object_member (doc, "sogs",
                                   st_sogs_server_description (network->sogs_server));
  }
  return doc;
}

gboolean
st_network_write_json (StNetwork *network, GError **error)
{
  g_autoptr(JsonObject) doc = st_network_description (network);
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), doc);
  g_autofree gchar *text = json_to_string (root, TRUE);

  /* g_file_set_contents renames into place: readers never see half a file */
  return g_file_set_contents (network->json_path, text, -1, error);
}
