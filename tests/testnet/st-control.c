/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault injection: `POST control_url` with one JSON action (README.md) */
#define G_LOG_DOMAIN "StControl"

#include "config.h"

#include "st-control.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-ons.h"
#include "sd-message-hash.h"
#include "st-file-server.h"
#include "st-sogs-server.h"
#include "st-network.h"
#include "st-node.h"
#include "st-tcp.h"

static void
respond (SoupServerMessage *msg, guint status, JsonObject *object)
{
  g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), object);
  gchar *text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
respond_error (SoupServerMessage *msg, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static void
respond_error (SoupServerMessage *msg, const gchar *format, ...)
{
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  json_object_set_boolean_member (reply, "ok", FALSE);
  json_object_set_string_member (reply, "error", text);
  respond (msg, 400, reply);
}

static JsonObject *
node_status (StNode *node)
{
  JsonObject *entry = json_object_new ();

  json_object_set_int_member (entry, "index", node->index);
  json_object_set_string_member (entry, "pubkey_ed25519", node->ed25519_hex);
  json_object_set_int_member (entry, "port", node->port);
  json_object_set_int_member (entry, "swarm_id", (gint64) node->swarm_id);
  json_object_set_boolean_member (entry, "down", node->faults.down);
  json_object_set_int_member (entry, "forced_status", node->faults.forced_status);
  json_object_set_int_member (entry, "forced_remaining", node->faults.forced_remaining);
  json_object_set_string_member (entry, "scope", node->faults.forced_http ? "http" : "rpc");
  json_object_set_int_member (entry, "latency_ms", node->faults.latency_ms);
  json_object_set_int_member (entry, "clock_skew_ms", node->faults.clock_skew_ms);
  json_object_set_boolean_member (entry, "drop_replication", node->faults.drop_replication);
  json_object_set_boolean_member (entry, "garbage", node->faults.garbage);
  json_object_set_int_member (entry, "messages", st_storage_count (node->storage));
  json_object_set_int_member (entry, "requests", (gint64) node->requests);
  json_object_set_int_member (entry, "retrieves", (gint64) node->retrieves);
  json_object_set_int_member (entry, "oversize_bytes", (gint64) node->faults.oversize_bytes);
  json_object_set_boolean_member (entry, "endless_more", node->faults.endless_more);
  json_object_set_boolean_member (entry, "bad_hashes", node->faults.bad_hashes);
  json_object_set_int_member (entry, "report_time", node->faults.report_time_ms);
  return entry;
}

/* "node": an index, an Ed25519 key in hex, or "all" */
static gint
compare_rows (gconstpointer a, gconstpointer b)
{
  const StMessage *x = *(StMessage *const *) a;
  const StMessage *y = *(StMessage *const *) b;

  return x->timestamp < y->timestamp ? -1 : x->timestamp > y->timestamp ? 1
         : x->id < y->id ? -1 : x->id > y->id;
}

/* every copy the swarm members hold of @pubkey's namespace-0 messages, once per hash with
 * the latest expiry any member has, oldest first: lets tests decode what a client stored */
static JsonObject *
messages_reply (StNetwork *network, JsonObject *request, GError **error)
{
  const gchar *pubkey = sd_json_get_string (request, "pubkey");
  /* namespace 0 unless "all_namespaces" is true (the config namespaces, issue 15) */
  gboolean all_namespaces = json_object_has_member (request, "all_namespaces") &&
                            json_object_get_boolean_member (request, "all_namespaces");
  g_autoptr(GHashTable) by_hash = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  JsonObject *reply;
  JsonArray *list;

  if (pubkey == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "messages needs \"pubkey\"");
    return NULL;
  }
  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);
    g_autoptr(GPtrArray) owned = st_storage_owned (node->storage, pubkey, all_namespaces, 0);

    for (guint j = 0; j < owned->len; j++) {
      StMessage *row = g_ptr_array_index (owned, j);
      StMessage *seen = g_hash_table_lookup (by_hash, row->hash);

      if (seen == NULL) {
        g_hash_table_insert (by_hash, row->hash, row);
        g_ptr_array_add (rows, row);
      } else if (row->expiry > seen->expiry) {
        g_hash_table_insert (by_hash, row->hash, row);
        g_ptr_array_remove (rows, seen);
        g_ptr_array_add (rows, row);
      }
    }
  }
  g_ptr_array_sort (rows, compare_rows);
  reply = json_object_new ();
  list = json_array_new ();
  for (guint i = 0; i < rows->len; i++) {
    StMessage *row = g_ptr_array_index (rows, i);
    JsonObject *item = json_object_new ();
    g_autofree gchar *data = sd_base64_encode (g_bytes_get_data (row->data, NULL),
                                               g_bytes_get_size (row->data), TRUE);

    json_object_set_string_member (item, "hash", row->hash);
    json_object_set_int_member (item, "timestamp", row->timestamp);
    json_object_set_int_member (item, "expiration", row->expiry);
    json_object_set_int_member (item, "namespace", row->namespace_);
    json_object_set_string_member (item, "data", data);
    json_array_add_object_element (list, item);
  }
  json_object_set_array_member (reply, "messages", list);
  return reply;
}

/* how often the nodes returned each item of @pubkey's namespace (default 0) in retrieves,
 * summed over the nodes: proves a client never fetches an item twice; "reset" starts over */
static JsonObject *
served_reply (StNetwork *network, JsonObject *request, GError **error)
{
  const gchar *pubkey = sd_json_get_string (request, "pubkey");
  gint64 ns = sd_json_get_int (request, "namespace", 0);
  gboolean reset = json_object_has_member (request, "reset") &&
                   json_object_get_boolean_member_with_default (request, "reset", FALSE);
  g_autoptr(GHashTable) total = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *key = NULL;
  guint64 items = 0;
  guint twice = 0, most = 0;
  GHashTableIter iter;
  gpointer hash, times;
  JsonObject *reply;

  if (pubkey == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "served needs \"pubkey\"");
    return NULL;
  }
  key = g_strdup_printf ("%s/%d", pubkey, (gint) ns);
  for (guint i = 0; i < network->nodes->len; i++) {
    StNode *node = g_ptr_array_index (network->nodes, i);
    GHashTable *counts = g_hash_table_lookup (node->served, key);

    if (counts == NULL)
      continue;
    g_hash_table_iter_init (&iter, counts);
    while (g_hash_table_iter_next (&iter, &hash, &times))
      g_hash_table_insert (total, hash, GUINT_TO_POINTER (
                             GPOINTER_TO_UINT (g_hash_table_lookup (total, hash)) +
                             GPOINTER_TO_UINT (times)));
  }
  g_hash_table_iter_init (&iter, total);
  while (g_hash_table_iter_next (&iter, &hash, &times)) {
    items += GPOINTER_TO_UINT (times);
    twice += GPOINTER_TO_UINT (times) > 1;
    most = MAX (most, GPOINTER_TO_UINT (times));
  }
  reply = json_object_new ();
  json_object_set_int_member (reply, "items", (gint64) items);
  json_object_set_int_member (reply, "distinct", g_hash_table_size (total));
  json_object_set_int_member (reply, "served_twice", twice);
  json_object_set_int_member (reply, "most", most);
  g_clear_pointer (&total, g_hash_table_unref);
  if (reset) {
    for (guint i = 0; i < network->nodes->len; i++)
      g_hash_table_remove (((StNode *) g_ptr_array_index (network->nodes, i))->served, key);
  }
  return reply;
}

/* stores @pubkey's namespace-0 items on every member of its swarm at once, as replication
 * would: fills a large history quickly for tests and benchmarks (what a client reads back is
 * the same as after `store` requests) */
static JsonObject *
inject_reply (StNetwork *network, JsonObject *request, GError **error)
{
  const gchar *pubkey = sd_json_get_string (request, "pubkey");
  JsonArray *items = json_object_has_member (request, "messages") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (request, "messages"))
                       ? json_object_get_array_member (request, "messages") : NULL;
  g_autoptr(GPtrArray) members = NULL;
  guint8 account[33];
  guint stored = 0;
  JsonObject *reply;

  if (pubkey == NULL || items == NULL || strlen (pubkey) != 66 ||
      !sd_hex_decode_exact (pubkey, account, sizeof account, NULL)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "inject needs \"pubkey\" (66 hex digits) and \"messages\"");
    return NULL;
  }
  members = st_network_members (network, st_network_swarm_for (network, account));
  for (guint i = 0; i < json_array_get_length (items); i++) {
    JsonNode *node = json_array_get_element (items, i);
    JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    const gchar *b64 = item != NULL ? sd_json_get_string (item, "data") : NULL;
    gint64 timestamp = item != NULL ? sd_json_get_int (item, "timestamp", 0) : 0;
    gint64 ttl = item != NULL ? sd_json_get_int (item, "ttl", 14 * 86400000LL) : 0;
    g_autoptr(GBytes) data = b64 != NULL ? sd_base64_decode (b64, -1, NULL) : NULL;
    g_autofree gchar *hash = NULL;

    if (data == NULL || timestamp <= 0 || ttl <= 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "inject: item %u needs base64 \"data\" and a \"timestamp\"", i);
      return NULL;
    }
    hash = sd_message_hash (account, 0, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    for (guint m = 0; m < members->len; m++) {
      StNode *member = g_ptr_array_index (members, m);
      gboolean already = FALSE;

      st_storage_put (member->storage, pubkey, 0, hash, timestamp, timestamp + ttl, data,
                      &already);
    }
    stored++;
  }
  reply = json_object_new ();
  json_object_set_int_member (reply, "stored", stored);
  json_object_set_int_member (reply, "members", members->len);
  return reply;
}

static GPtrArray *
select_nodes (StNetwork *network, JsonObject *request, gboolean default_all, GError **error)
{
  JsonNode *which = json_object_get_member (request, "node");
  GPtrArray *out = g_ptr_array_new ();

  if (which == NULL && default_all) {
    g_ptr_array_extend (out, network->nodes, NULL, NULL);
    return out;
  }
  if (which != NULL && JSON_NODE_HOLDS_VALUE (which) &&
      json_node_get_value_type (which) == G_TYPE_INT64) {
    gint64 index = json_node_get_int (which);

    if (index >= 0 && index < network->nodes->len) {
      g_ptr_array_add (out, g_ptr_array_index (network->nodes, index));
      return out;
    }
  } else if (which != NULL && JSON_NODE_HOLDS_VALUE (which) &&
             json_node_get_value_type (which) == G_TYPE_STRING) {
    g_autofree gchar *key = g_ascii_strdown (json_node_get_string (which), -1);
    StNode *node = st_network_lookup (network, key);

    if (strcmp (key, "all") == 0) {
      g_ptr_array_extend (out, network->nodes, NULL, NULL);
      return out;
    }
    if (node != NULL) {
      g_ptr_array_add (out, node);
      return out;
    }
  }
  g_ptr_array_unref (out);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "\"node\" must be a node index, an Ed25519 key in hex or \"all\"");
  return NULL;
}

static gboolean
get_int (JsonObject *request, const gchar *name, gint64 *out)
{
  JsonNode *node = json_object_get_member (request, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
st_control_int (JsonObject *request, const gchar *name, gint64 min, gint64 max, gint64 *out,
                GError **error)
{
  gint64 value;

  if (!get_int (request, name, &value) || value < min || value > max) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "\"%s\" must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                 name, min, max);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

static gboolean
get_bool (JsonObject *request, const gchar *name, gboolean fallback)
{
  JsonNode *node = json_object_get_member (request, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

/* the faults that are one flag, set with `enabled` (default true): the flag's offset in
 * StFaults, or -1 for another action */
static glong
flag_fault (const gchar *action)
{
  static const struct {
    const gchar *action;
    glong offset;
  } flags[] = {
    { "drop_replication", G_STRUCT_OFFSET (StFaults, drop_replication) },
    { "garbage", G_STRUCT_OFFSET (StFaults, garbage) },
    { "endless_more", G_STRUCT_OFFSET (StFaults, endless_more) },
    { "bad_hashes", G_STRUCT_OFFSET (StFaults, bad_hashes) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    if (strcmp (action, flags[i].action) == 0)
      return flags[i].offset;
  return -1;
}

static JsonObject *
status_reply (StNetwork *network)
{
  JsonObject *reply = json_object_new ();
  JsonArray *nodes = json_array_new ();

  for (guint i = 0; i < network->nodes->len; i++)
    json_array_add_object_element (nodes, node_status (g_ptr_array_index (network->nodes, i)));
  json_object_set_boolean_member (reply, "ok", TRUE);
  json_object_set_array_member (reply, "nodes", nodes);
  return reply;
}

static void
control_handler (SoupServer *server,
                 SoupServerMessage *msg,
                 const char *path,
                 GHashTable *query,
                 gpointer user_data)
{
  StNetwork *network = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *action;
  gint64 value = 0;

  if (strcmp (path, "/control") != 0 || strcmp (soup_server_message_get_method (msg), "POST") != 0) {
    soup_server_message_set_status (msg, 404, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "Not Found", 9);
    return;
  }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  request = sd_json_parse_object (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                        NULL);
  if (request == NULL || !json_object_has_member (request, "action") ||
      !JSON_NODE_HOLDS_VALUE (json_object_get_member (request, "action")) ||
      json_node_get_value_type (json_object_get_member (request, "action")) != G_TYPE_STRING) {
    respond_error (msg, "body must be a JSON object with a string \"action\"");
    return;
  }
  action = json_object_get_string_member (request, "action");

  if (strcmp (action, "status") == 0) {
    g_autoptr(JsonObject) reply = status_reply (network);

    respond (msg, 200, reply);
    return;
  }
  if (strcmp (action, "reshuffle") == 0) {
    g_autoptr(JsonObject) reply = NULL;

    st_network_reshuffle (network);
    if (!st_network_write_json (network, &error)) {
      respond_error (msg, "cannot rewrite testnet.json: %s", error->message);
      return;
    }
    reply = st_network_description (network);
    json_object_set_boolean_member (reply, "ok", TRUE);
    respond (msg, 200, reply);
    return;
  }
  if (strcmp (action, "cleanup") == 0) {
    g_autoptr(JsonObject) reply = json_object_new ();
    guint removed = 0;

    for (guint i = 0; i < network->nodes->len; i++) {
      StNode *node = g_ptr_array_index (network->nodes, i);

      removed += st_storage_expire (node->storage, st_node_now_ms (node));
    }
    json_object_set_boolean_member (reply, "ok", TRUE);
    json_object_set_int_member (reply, "removed", removed);
    respond (msg, 200, reply);
    return;
  }

  if (strcmp (action, "messages") == 0) {
    g_autoptr(JsonObject) reply = messages_reply (network, request, &error);

    if (reply == NULL)
      respond_error (msg, "%s", error->message);
    else
      respond (msg, 200, reply);
    return;
  }

  if (strcmp (action, "ons_register") == 0) {
    g_autoptr(JsonObject) reply = json_object_new ();
    g_autoptr(JsonObject) record = json_object_new ();
    g_autofree gchar *name = sd_ons_name_normalise (sd_json_get_string (request, "name"), &error);
    g_autofree gchar *encrypted = NULL, *nonce = NULL, *hash = NULL;

    /* a random nonce per record, as the real encrypted records carry */
    if (name == NULL || !sd_ons_encrypt (name, sd_json_get_string (request, "session_id"), NULL,
                                         &encrypted, &nonce, &error)) {
      respond_error (msg, "%s", error->message);
      return;
    }
    hash = sd_ons_name_hash (name);
    json_object_set_string_member (record, "encrypted_value", encrypted);
    json_object_set_string_member (record, "nonce", nonce);
    g_hash_table_replace (network->ons, g_strdup (hash), g_steal_pointer (&record));
    json_object_set_boolean_member (reply, "ok", TRUE);
    json_object_set_string_member (reply, "name_hash", hash);
    respond (msg, 200, reply);
    return;
  }

  if (g_str_has_prefix (action, "sogs_")) {
    g_autoptr(JsonObject) reply = json_object_new ();

    if (!st_sogs_server_control (network->sogs_server, action, request, reply, &error)) {
      respond_error (msg, "%s", error->message);
      return;
    }
    json_object_set_boolean_member (reply, "ok", TRUE);
    respond (msg, 200, reply);
    return;
  }

  if (strcmp (action, "served") == 0 || strcmp (action, "inject") == 0) {
    g_autoptr(JsonObject) reply = action[0] == 's' ? served_reply (network, request, &error)
                                                   : inject_reply (network, request, &error);

    if (reply == NULL) {
      respond_error (msg, "%s", error->message);
    } else {
      json_object_set_boolean_member (reply, "ok", TRUE);
      respond (msg, 200, reply);
    }
    return;
  }

  if (g_str_has_prefix (action, "file_")) {
    g_autoptr(JsonObject) reply = json_object_new ();

    if (!st_file_server_control (network->file_server, action, request, reply, &error)) {
      respond_error (msg, "%s", error->message);
      return;
    }
    json_object_set_boolean_member (reply, "ok", TRUE);
    respond (msg, 200, reply);
    return;
  }
  nodes = select_nodes (network, request, strcmp (action, "clear") == 0, &error);
  if (nodes == NULL) {
    respond_error (msg, "%s", error->message);
    return;
  }

  if (strcmp (action, "down") == 0 || strcmp (action, "up") == 0) {
    for (guint i = 0; i < nodes->len; i++) {
      if (!st_node_set_down (nodes->pdata[i], strcmp (action, "down") == 0, &error)) {
        respond_error (msg, "%s", error->message);
        return;
      }
    }
  } else if (strcmp (action, "force_status") == 0) {
    gint64 count = -1;
    JsonNode *scope = json_object_get_member (request, "scope");
    gboolean http = FALSE;

    if (!get_int (request, "status", &value) || value < 400 || value > 599) {
      respond_error (msg, "\"status\" must be an HTTP error status (400-599)");
      return;
    }
    if (json_object_has_member (request, "count") &&
        (!get_int (request, "count", &count) || count <= 0 || count > G_MAXINT)) {
      respond_error (msg, "\"count\" must be a positive number of requests");
      return;
    }
    if (scope != NULL) {
      if (!JSON_NODE_HOLDS_VALUE (scope) || json_node_get_value_type (scope) != G_TYPE_STRING ||
          (strcmp (json_node_get_string (scope), "rpc") != 0 &&
           strcmp (json_node_get_string (scope), "http") != 0)) {
        respond_error (msg, "\"scope\" must be \"rpc\" or \"http\"");
        return;
      }
      http = strcmp (json_node_get_string (scope), "http") == 0;
    }
    for (guint i = 0; i < nodes->len; i++) {
      StNode *node = nodes->pdata[i];

      node->faults.forced_status = (guint) value;
      node->faults.forced_remaining = (gint) count;
      node->faults.forced_http = http;
    }
  } else if (strcmp (action, "clear_status") == 0) {
    for (guint i = 0; i < nodes->len; i++) {
      StNode *node = nodes->pdata[i];

      node->faults.forced_status = 0;
      node->faults.forced_remaining = 0;
      node->faults.forced_http = FALSE;
    }
  } else if (strcmp (action, "latency") == 0) {
    if (!get_int (request, "ms", &value) || value < 0 || value > 600000) {
      respond_error (msg, "\"ms\" must be 0 to 600000");
      return;
    }
    for (guint i = 0; i < nodes->len; i++)
      ((StNode *) nodes->pdata[i])->faults.latency_ms = (guint) value;
  } else if (strcmp (action, "clock_skew") == 0) {
    if (!get_int (request, "ms", &value)) {
      respond_error (msg, "\"ms\" must be an integer (may be negative)");
      return;
    }
    for (guint i = 0; i < nodes->len; i++)
      ((StNode *) nodes->pdata[i])->faults.clock_skew_ms = value;
  } else if (flag_fault (action) >= 0) {
    gboolean enabled = get_bool (request, "enabled", TRUE);

    for (guint i = 0; i < nodes->len; i++)
      G_STRUCT_MEMBER (gboolean, &((StNode *) nodes->pdata[i])->faults,
                       flag_fault (action)) = enabled;
  } else if (strcmp (action, "oversize") == 0) {
    value = 11 * 1024 * 1024;
    if (json_object_has_member (request, "bytes") &&
        (!get_int (request, "bytes", &value) || value < 0 || value > 64 * 1024 * 1024)) {
      respond_error (msg, "\"bytes\" must be 0 to 67108864");
      return;
    }
    for (guint i = 0; i < nodes->len; i++)
      ((StNode *) nodes->pdata[i])->faults.oversize_bytes = (gsize) value;
  } else if (strcmp (action, "report_time") == 0) {
    if (!get_int (request, "t", &value) || value < 0) {
      respond_error (msg, "\"t\" must be a time in ms (0 ends the fault)");
      return;
    }
    for (guint i = 0; i < nodes->len; i++)
      ((StNode *) nodes->pdata[i])->faults.report_time_ms = value;
  } else if (strcmp (action, "clear") == 0) {
    for (guint i = 0; i < nodes->len; i++)
      st_node_clear_faults (nodes->pdata[i]);
  } else {
    respond_error (msg, "unknown action \"%s\"", action);
    return;
  }

  {
    g_autoptr(JsonObject) reply = json_object_new ();
    JsonArray *changed = json_array_new ();

    for (guint i = 0; i < nodes->len; i++)
      json_array_add_object_element (changed, node_status (nodes->pdata[i]));
    json_object_set_boolean_member (reply, "ok", TRUE);
    json_object_set_array_member (reply, "nodes", changed);
    respond (msg, 200, reply);
  }
}

gboolean
st_control_start (StNetwork *network, GError **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (network->config.bind);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  GSList *uris;

  /* plain HTTP on loopback: scripts drive it with curl */
  network->control = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (network->control, NULL, control_handler, network, NULL);
  st_reaper_watch (network->reaper, network->control);
  if (!soup_server_listen (network->control, address, 0, error))
    return FALSE;
  uris = soup_server_get_uris (network->control);
  network->control_url = g_strdup_printf ("http://%s:%d/control", network->config.bind,
                                          g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}
