/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "StTest"

#include "config.h"

#include "st-test-util.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-message-hash.h"
#include "sd-onion-request.h"
#include "sd-storage-rpc.h"
#include "sd-swarm.h"

static void
child_setup (gpointer user_data)
{
  /* a crashed test must not leave a network running */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
clear_node (StTestNode *node)
{
  g_free (node->ip);
  g_free (node->ed25519_hex);
}

JsonObject *
st_test_parse (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *obj = sd_json_parse_object (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (obj);
  return obj;
}

void
st_testnet_reload (StTestnet *testnet)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonArray *nodes;

  g_assert_true (g_file_get_contents (testnet->json_path, &text, NULL, &error));
  g_assert_no_error (error);
  doc = st_test_parse (text);

  g_clear_pointer (&testnet->seed_url, g_free);
  g_clear_pointer (&testnet->control_url, g_free);
  g_clear_pointer (&testnet->cert, g_free);
  testnet->seed_url = g_strdup (sd_json_get_string (doc, "seed_url"));
  testnet->control_url = g_strdup (sd_json_get_string (doc, "control_url"));
  g_assert_nonnull (testnet->seed_url);
  g_assert_true (g_str_has_suffix (testnet->seed_url, "/"));
  g_assert_nonnull (testnet->control_url);
  g_assert_true (json_object_has_member (doc, "cert"));
  testnet->cert = g_strdup (sd_json_get_string (doc, "cert"));

  g_array_set_size (testnet->nodes, 0);
  g_array_set_size (testnet->swarm_ids, 0);
  nodes = sd_json_get_array (doc, "nodes");
  g_assert_nonnull (nodes);
  for (guint i = 0; i < json_array_get_length (nodes); i++) {
    JsonObject *entry = sd_json_array_get_object (nodes, i);
    StTestNode node = { 0 };
    gboolean known = FALSE;

    g_assert_nonnull (entry);
    node.ip = g_strdup (sd_json_get_string (entry, "ip"));
    node.port = (guint16) sd_json_get_int (entry, "port", 0);
    node.ed25519_hex = g_strdup (sd_json_get_string (entry, "pubkey_ed25519"));
    g_assert_true (sd_hex_decode_exact (node.ed25519_hex, node.ed25519, 32, NULL));
    g_assert_true (sd_hex_decode_exact (sd_json_get_string (entry, "pubkey_x25519"), node.x25519,
                                        32, NULL));
    node.swarm_id = (guint64) sd_json_get_int (entry, "swarm_id", -1);
    g_assert_cmpuint (node.port, >, 0);
    for (guint j = 0; j < testnet->swarm_ids->len; j++)
      known |= g_array_index (testnet->swarm_ids, guint64, j) == node.swarm_id;
    if (!known)
      g_array_append_val (testnet->swarm_ids, node.swarm_id);
    g_array_append_val (testnet->nodes, node);
  }
}

StTestnet *
st_testnet_start (const gchar *const *extra_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;
  const gchar *binary = g_getenv ("SESSION_TESTNET");
  StTestnet *testnet = g_new0 (StTestnet, 1);
  gboolean no_tls = FALSE;

  g_assert_nonnull (binary);
  testnet->state_dir = g_dir_make_tmp ("session-testnet-XXXXXX", &error);
  g_assert_no_error (error);
  testnet->nodes = g_array_new (FALSE, TRUE, sizeof (StTestNode));
  g_array_set_clear_func (testnet->nodes, (GDestroyNotify) clear_node);
  testnet->swarm_ids = g_array_new (FALSE, TRUE, sizeof (guint64));

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--state-dir");
  g_ptr_array_add (argv, testnet->state_dir);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
    no_tls |= strcmp (extra_args[i], "--no-tls") == 0;
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  {
    const gchar *asan = g_getenv ("ASAN_OPTIONS");

    /* slow unwinding on every malloc makes an ASan network answer in
     * seconds instead of milliseconds; the fast unwinder still finds leaks */
    if (asan != NULL && strstr (asan, "fast_unwind_on_malloc=0") != NULL) {
      g_autoptr(GString) fast = g_string_new (asan);

      g_string_replace (fast, "fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1", 0);
      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", fast->str, TRUE);
    }
  }
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  testnet->process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata,
                                                   &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (testnet->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "ready "));
  testnet->json_path = g_strdup (line + strlen ("ready "));
  g_assert_true (g_str_has_suffix (testnet->json_path, "/testnet.json"));

  st_testnet_reload (testnet);
  testnet->tls = !no_tls;
  testnet->session = soup_session_new_with_options ("timeout", 20, NULL);
  if (testnet->tls) {
    g_autoptr(GTlsDatabase) db = NULL;

    g_assert_nonnull (testnet->cert);
    db = g_tls_file_database_new (testnet->cert, &error);
    g_assert_no_error (error);
    soup_session_set_tls_database (testnet->session, db);
    g_assert_true (g_str_has_prefix (testnet->seed_url, "https://"));
  } else {
    g_assert_null (testnet->cert);
    g_assert_true (g_str_has_prefix (testnet->seed_url, "http://"));
  }
  return testnet;
}

static void
remove_state_dir (const gchar *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    g_remove (path);
  }
  g_rmdir (dir);
}

void
st_testnet_stop (StTestnet *testnet)
{
  g_autoptr(GError) error = NULL;

  if (testnet == NULL)
    return;
  g_subprocess_send_signal (testnet->process, SIGTERM);
  g_assert_true (g_subprocess_wait (testnet->process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (testnet->process));
  g_assert_cmpint (g_subprocess_get_exit_status (testnet->process), ==, 0);

  remove_state_dir (testnet->state_dir);
  g_clear_object (&testnet->process);
  g_clear_object (&testnet->session);
  g_array_unref (testnet->nodes);
  g_array_unref (testnet->swarm_ids);
  g_free (testnet->state_dir);
  g_free (testnet->json_path);
  g_free (testnet->seed_url);
  g_free (testnet->control_url);
  g_free (testnet->cert);
  g_free (testnet);
}

StTestNode *
st_testnet_node (StTestnet *testnet, guint index)
{
  g_assert_cmpuint (index, <, testnet->nodes->len);
  return &g_array_index (testnet->nodes, StTestNode, index);
}

gchar *
st_testnet_node_url (StTestnet *testnet, guint index, const gchar *path)
{
  StTestNode *node = st_testnet_node (testnet, index);

  return g_strdup_printf ("%s://%s:%u%s", testnet->tls ? "https" : "http", node->ip, node->port,
                          path);
}

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  /* headers and body go out in two writes; without this the second can
   * wait for a delayed ACK */
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                         IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

void
st_test_prepare_message (SoupMessage *msg)
{
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), NULL);
  /* libsoup reuses a connection for a POST only when told it may */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
}

/* libsoup 3.2 re-sends a request that got 421 (Misdirected Request, meant
 * for HTTP/2 connection reuse) and loses the body on the way; putting the
 * body back on restart makes the retry a faithful copy, which gets the
 * same 421 */
static void
restore_body (SoupMessage *msg, gpointer user_data)
{
  soup_message_set_request_body_from_bytes (msg, "application/json", user_data);
}

guint
st_testnet_post (StTestnet *testnet,
                 const gchar *url,
                 const gchar *body,
                 gsize len,
                 GBytes **reply,
                 gchar **content_type,
                 GError **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) payload = g_bytes_new (body, len);
  g_autoptr(GBytes) answer = NULL;

  g_assert_nonnull (msg);
  soup_message_set_request_body_from_bytes (msg, "application/json", payload);
  g_signal_connect (msg, "restarted", G_CALLBACK (restore_body), payload);
  st_test_prepare_message (msg);
  answer = soup_session_send_and_read (testnet->session, msg, NULL, error);
  if (answer == NULL)
    return 0;
  if (content_type != NULL) {
    const gchar *type = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                      "Content-Type");

    *content_type = g_strdup (type);
  }
  if (reply != NULL)
    *reply = g_steal_pointer (&answer);
  return soup_message_get_status (msg);
}

guint
st_testnet_rpc (StTestnet *testnet, guint index, const gchar *json, gchar **body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree gchar *url = st_testnet_node_url (testnet, index, ST_RPC_PATH);
  guint status = st_testnet_post (testnet, url, json, strlen (json), &reply, NULL, &error);

  g_assert_no_error (error);
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  return status;
}

guint
st_testnet_onion (StTestnet *testnet,
                  SdOnionCipher cipher,
                  const guint *path,
                  gsize n_path,
                  guint dest,
                  const gchar *json,
                  guint *rpc_status,
                  gchar **body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree SdOnionNode *hops = g_new0 (SdOnionNode, n_path);
  g_autofree gchar *url = st_testnet_node_url (testnet, path[0], ST_ONION_PATH);
  g_auto(SdOnionRequest) request = { 0 };
  SdOnionNode target;
  guint status;

  for (gsize i = 0; i < n_path; i++) {
    memcpy (hops[i].ed25519_pk, st_testnet_node (testnet, path[i])->ed25519, 32);
    memcpy (hops[i].x25519_pk, st_testnet_node (testnet, path[i])->x25519, 32);
  }
  memcpy (target.ed25519_pk, st_testnet_node (testnet, dest)->ed25519, 32);
  memcpy (target.x25519_pk, st_testnet_node (testnet, dest)->x25519, 32);
  g_assert_true (sd_onion_request_build (cipher, hops, n_path, &target, json, &request, &error));
  g_assert_no_error (error);

  status = st_testnet_post (testnet, url, g_bytes_get_data (request.body, NULL),
                            g_bytes_get_size (request.body), &reply, NULL, &error);
  g_assert_no_error (error);
  if (status == 200) {
    g_assert_true (sd_onion_response_decode (&request, g_bytes_get_data (reply, NULL),
                                             g_bytes_get_size (reply), rpc_status, body, &error));
    g_assert_no_error (error);
  } else {
    *rpc_status = 0;
    *body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  }
  return status;
}

guint
st_testnet_control_status (StTestnet *testnet, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  guint status = st_testnet_post (testnet, testnet->control_url, json, strlen (json), NULL, NULL,
                                  &error);

  g_assert_no_error (error);
  return status;
}

JsonObject *
st_testnet_control (StTestnet *testnet, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree gchar *text = NULL;
  guint status = st_testnet_post (testnet, testnet->control_url, json, strlen (json), &reply, NULL,
                                  &error);

  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  if (status != 200)
    g_error ("control %s failed: %u %s", json, status, text);
  return st_test_parse (text);
}

guint64
st_testnet_swarm_for (StTestnet *testnet, const guint8 account[33])
{
  return sd_swarm_choose (sd_swarm_space (account + 1), (const guint64 *) testnet->swarm_ids->data,
                          testnet->swarm_ids->len);
}

GArray *
st_testnet_members (StTestnet *testnet, guint64 swarm_id)
{
  GArray *members = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < testnet->nodes->len; i++) {
    if (st_testnet_node (testnet, i)->swarm_id == swarm_id)
      g_array_append_val (members, i);
  }
  return members;
}

guint
st_testnet_outsider (StTestnet *testnet, guint64 swarm_id)
{
  for (guint i = 0; i < testnet->nodes->len; i++) {
    if (st_testnet_node (testnet, i)->swarm_id != swarm_id)
      return i;
  }
  g_assert_not_reached ();
}

void
st_test_identity (SdIdentity *identity, guint8 tag)
{
  guint8 seed[SD_SEED_LEN];

  memset (seed, tag, sizeof seed);
  sd_identity_from_seed (identity, seed);
}

gint64
st_test_now_ms (void)
{
  return g_get_real_time () / 1000;
}

gchar *
st_test_store_json (const SdIdentity *id,
                    gint ns,
                    gint64 timestamp,
                    gint64 ttl,
                    const gchar *data_b64,
                    gboolean sign)
{
  if (!sign)
    return sd_storage_rpc_to_string (sd_storage_rpc_store (id->session_id, ns, timestamp, ttl,
                                                           data_b64));
  return sd_storage_rpc_to_string (sd_storage_rpc_store_signed (id, ns, timestamp, ttl,
                                                                data_b64));
}

gchar *
st_test_retrieve_json (const SdIdentity *id,
                       gint ns,
                       gint64 timestamp,
                       const gchar *last_hash,
                       gint max_count)
{
  return sd_storage_rpc_to_string (sd_storage_rpc_retrieve (id, ns, timestamp, last_hash,
                                                            max_count, 0));
}
