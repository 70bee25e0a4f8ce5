/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the seed: oxend's JSON-RPC get_n_service_nodes as desktop clients read
 * it (protocol-network.md §2.1) */
#define G_LOG_DOMAIN "StSeed"

#include "config.h"

#include "st-seed.h"

#include <string.h>

#include "sd-json.h"
#include "st-network.h"
#include "st-tcp.h"

static void
respond_json (SoupServerMessage *msg, JsonObject *object)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), object);
  gchar *text = json_to_string (root, FALSE);

  /* desktop compares the Content-Type as a whole string: no charset */
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
respond_rpc_error (SoupServerMessage *msg, JsonNode *id, gint code, const gchar *message)
{
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonObject *error = json_object_new ();

  json_object_set_string_member (reply, "jsonrpc", "2.0");
  json_object_set_member (reply, "id", id != NULL ? json_node_copy (id) : json_node_new (JSON_NODE_NULL));
  json_object_set_int_member (error, "code", code);
  json_object_set_string_member (error, "message", message);
  json_object_set_object_member (reply, "error", error);
  respond_json (msg, reply);
}

static void
seed_handler (SoupServer *server,
              SoupServerMessage *msg,
              const char *path,
              GHashTable *query,
              gpointer user_data)
{
  StNetwork *network = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonNode *method;
  JsonNode *params;
  JsonNode *id;

  if (strcmp (path, "/json_rpc") != 0 ||
      strcmp (soup_server_message_get_method (msg), "POST") != 0) {
    soup_server_message_set_status (msg, 404, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "Not Found", 9);
    return;
  }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  request = sd_json_parse_object (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                        NULL);
  if (request == NULL) {
    respond_rpc_error (msg, NULL, -32700, "Parse error");
    return;
  }
  id = json_object_get_member (request, "id");
  method = json_object_get_member (request, "method");
  if (method == NULL || !JSON_NODE_HOLDS_VALUE (method) ||
      json_node_get_value_type (method) != G_TYPE_STRING) {
    respond_rpc_error (msg, id, -32600, "Invalid Request");
    return;
  }
  if (strcmp (json_node_get_string (method), "get_n_service_nodes") != 0 &&
      strcmp (json_node_get_string (method), "get_service_nodes") != 0) {
    respond_rpc_error (msg, id, -32601, "Method not found");
    return;
  }
  params = json_object_get_member (request, "params");

  reply = json_object_new ();
  json_object_set_string_member (reply, "jsonrpc", "2.0");
  json_object_set_member (reply, "id", id != NULL ? json_node_copy (id) : json_node_init_int (json_node_alloc (), 0));
  json_object_set_object_member (reply, "result",
                                 st_network_service_nodes_json (
                                   network,
                                   params != NULL && JSON_NODE_HOLDS_OBJECT (params)
                                     ? json_node_get_object (params) : NULL));
  respond_json (msg, reply);
}

gboolean
st_seed_start (StNetwork *network, GError **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (network->config.bind);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  GSList *uris;

  if (network->cert != NULL)
    network->seed = soup_server_new ("tls-certificate", network->cert, "server-header", NULL,
                                     NULL);
  else
    network->seed = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (network->seed, NULL, seed_handler, network, NULL);
  st_reaper_watch (network->reaper, network->seed);
  if (!soup_server_listen (network->seed, address,
                           network->config.tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (network->seed);
  network->seed_url = g_strdup_printf ("%s://%s:%d/", network->config.tls ? "https" : "http",
                                       network->config.bind, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}
