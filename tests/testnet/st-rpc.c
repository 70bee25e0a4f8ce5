/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the /storage_rpc/v1 envelope and the account-independent methods
 * (protocol-network.md §4.1, §4.7, §4.8) */
#define G_LOG_DOMAIN "StRpc"

#include "config.h"

#include "st-rpc.h"

#include <string.h>

#include "sd-json.h"
#include "st-network.h"
#include "st-params.h"

#define BATCH_REQUEST_MAX 20

void
st_reply_clear (StReply *reply)
{
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_pointer (&reply->text, g_free);
  reply->status = 0;
}

void
st_reply_json (StReply *reply, guint status, JsonObject *object)
{
  st_reply_clear (reply);
  reply->status = status;
  reply->json = json_node_init_object (json_node_alloc (), object);
}

void
st_reply_text (StReply *reply, guint status, const gchar *text)
{
  st_reply_clear (reply);
  reply->status = status;
  reply->text = g_strdup (text);
}

void
st_reply_printf (StReply *reply, guint status, const gchar *format, ...)
{
  va_list args;

  st_reply_clear (reply);
  reply->status = status;
  va_start (args, format);
  reply->text = g_strdup_vprintf (format, args);
  va_end (args);
}

gchar *
st_reply_body (const StReply *reply)
{
  if (reply->json != NULL)
    return json_to_string (reply->json, FALSE);
  return g_strdup (reply->text != NULL ? reply->text : "");
}

void
st_rpc_add_t_hf (StNode *node, JsonObject *result)
{
  JsonArray *hf = json_array_sized_new (2);

  json_array_add_int_element (hf, ST_HF_MAJOR);
  json_array_add_int_element (hf, ST_HF_MINOR);
  json_object_set_int_member (result, "t", st_node_reported_ms (node));
  json_object_set_array_member (result, "hf", hf);
}

static void
rpc_info (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(JsonObject) result = json_object_new ();
  JsonArray *version = json_array_sized_new (3);

  json_array_add_int_element (version, 2);
  json_array_add_int_element (version, 8);
  json_array_add_int_element (version, 0);
  json_object_set_array_member (result, "version", version);
  json_object_set_int_member (result, "timestamp", st_node_reported_ms (node));
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}

static void
rpc_get_swarm (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL;
  StAccount account;

  if (!st_param_account (params, &account, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  /* any node answers, for any account */
  result = st_network_swarm_json (node->network, st_network_swarm_for (node->network, account.id));
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}

static void
rpc_oxend_request (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL;
  const gchar *endpoint = NULL;
  JsonNode *sub;
  JsonObject *sub_params = NULL;

  if (!st_param_string (params, "endpoint", NULL, TRUE, &endpoint, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  sub = json_object_get_member (params, "params");
  if (sub != NULL && JSON_NODE_HOLDS_OBJECT (sub))
    sub_params = json_node_get_object (sub);
  else if (sub != NULL && !JSON_NODE_HOLDS_NULL (sub)) {
    st_reply_text (reply, 400, "invalid request: oxend_request: params must be an object");
    return;
  }

  if (strcmp (endpoint, "get_service_nodes") == 0) {
    result = json_object_new ();
    json_object_set_object_member (result, "result",
                                   st_network_service_nodes_json (node->network, sub_params));
    st_rpc_add_t_hf (node, result);
    st_reply_json (reply, 200, result);
  } else if (strcmp (endpoint, "ons_resolve") == 0) {
    const gchar *name_hash = sub_params != NULL ? sd_json_get_string (sub_params, "name_hash")
                                                : NULL;
    JsonObject *record = name_hash != NULL ? g_hash_table_lookup (node->network->ons, name_hash)
                                           : NULL;

    /* only Session names (type 0) exist here, registered by the ons_register
     * control action; anything else gets oxend's error text */
    if (record == NULL || sd_json_get_int (sub_params, "type", 0) != 0) {
      st_reply_text (reply, 400, "Unable to find ONS record");
      return;
    }
    result = json_object_new ();
    json_object_set_object_member (result, "result", json_object_ref (record));
    st_rpc_add_t_hf (node, result);
    st_reply_json (reply, 200, result);
  } else {
    st_reply_printf (reply, 400, "invalid request: oxend_request: endpoint %s is not allowed",
                     endpoint);
  }
}

JsonObject *
st_rpc_member_failure (StNode *entry, StNode *member)
{
  JsonObject *out;

  if (member == entry)
    return NULL;
  if (member->faults.down) {
    /* a silent peer looks like a timeout to the entry node */
    out = json_object_new ();
    json_object_set_boolean_member (out, "failed", TRUE);
    json_object_set_boolean_member (out, "timeout", TRUE);
    return out;
  }
  /* an "http"-scope status only hits HTTP requests, and copies are not */
  if (member->faults.forced_status != 0 && member->faults.forced_remaining != 0 &&
      !member->faults.forced_http) {
    out = json_object_new ();
    json_object_set_boolean_member (out, "failed", TRUE);
    json_object_set_int_member (out, "code", member->faults.forced_status);
    json_object_set_string_member (out, "reason", "fault injected by the test network");
    return out;
  }
  return NULL;
}

static gboolean
is_meta (const gchar *method)
{
  return strcmp (method, "batch") == 0 || strcmp (method, "sequence") == 0 ||
         strcmp (method, "ifelse") == 0;
}

typedef void (*StMethod) (StNode *node, JsonObject *params, StReply *reply);

static const struct {
  const gchar *name;
  StMethod handler;
} methods[] = {
  { "info", rpc_info },
  { "get_swarm", rpc_get_swarm },
  { "get_snodes_for_pubkey", rpc_get_swarm },
  { "oxend_request", rpc_oxend_request },
  { "store", st_rpc_store },
  { "retrieve", st_rpc_retrieve },
  { "delete", st_rpc_delete },
  { "delete_all", st_rpc_delete_all },
  { "expire", st_rpc_expire },
  { "get_expiries", st_rpc_get_expiries },
  { "delete_before", st_rpc_delete_before },
  { "expire_all", st_rpc_expire_all },
  { "revoke_subaccount", st_rpc_revoke_subaccount },
  { "unrevoke_subaccount", st_rpc_unrevoke_subaccount },
};

static StMethod
find_method (const gchar *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++) {
    if (strcmp (methods[i].name, name) == 0)
      return methods[i].handler;
  }
  return NULL;
}

static void
rpc_batch (StNode *node, JsonObject *params, gboolean sequence, StReply *reply)
{
  g_autoptr(JsonObject) result = NULL;
  JsonNode *requests_node = json_object_get_member (params, "requests");
  JsonArray *requests;
  JsonArray *results;
  guint n;

  if (requests_node == NULL || !JSON_NODE_HOLDS_ARRAY (requests_node)) {
    st_reply_text (reply, 400, "invalid request: required field 'requests' missing");
    return;
  }
  requests = json_node_get_array (requests_node);
  n = json_array_get_length (requests);
  if (n == 0 || n > BATCH_REQUEST_MAX) {
    st_reply_printf (reply, 400, "invalid request: requests must hold 1 to %d subrequests",
                     BATCH_REQUEST_MAX);
    return;
  }
  /* the reference parses every subrequest before running any */
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (requests, i);
    JsonObject *sub;
    JsonNode *m;
    JsonNode *p;

    if (!JSON_NODE_HOLDS_OBJECT (item)) {
      st_reply_text (reply, 400, "invalid request: subrequests must be objects");
      return;
    }
    sub = json_node_get_object (item);
    m = json_object_get_member (sub, "method");
    p = json_object_get_member (sub, "params");
    if (m == NULL || !JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_STRING) {
      st_reply_text (reply, 400, "invalid request: subrequest has no `method` field");
      return;
    }
    if (p == NULL || !JSON_NODE_HOLDS_OBJECT (p)) {
      st_reply_text (reply, 400, "invalid request: subrequest has no `params` field");
      return;
    }
    if (is_meta (json_node_get_string (m))) {
      st_reply_text (reply, 400, "invalid request: batch subrequests cannot be meta-requests");
      return;
    }
    if (find_method (json_node_get_string (m)) == NULL) {
      st_reply_printf (reply, 400, "no method %s", json_node_get_string (m));
      return;
    }
  }

  results = json_array_sized_new (n);
  for (guint i = 0; i < n; i++) {
    JsonObject *sub = json_array_get_object_element (requests, i);
    JsonObject *entry = json_object_new ();
    g_auto(StReply) sub_reply = { 0, NULL, NULL };

    st_rpc_call (node, json_object_get_string_member (sub, "method"),
                 json_object_get_object_member (sub, "params"), FALSE, &sub_reply);
    json_object_set_int_member (entry, "code", sub_reply.status);
    if (sub_reply.json != NULL)
      json_object_set_member (entry, "body", json_node_ref (sub_reply.json));
    else
      json_object_set_string_member (entry, "body", sub_reply.text != NULL ? sub_reply.text : "");
    json_array_add_object_element (results, entry);
    if (sequence && (sub_reply.status < 200 || sub_reply.status > 299))
      break;
  }
  result = json_object_new ();
  json_object_set_array_member (result, "results", results);
  st_reply_json (reply, 200, result);
}

void
st_rpc_call (StNode *node,
             const gchar *method,
             JsonObject *params,
             gboolean top_level,
             StReply *reply)
{
  StMethod handler;

  if (is_meta (method)) {
    if (!top_level)
      st_reply_text (reply, 400, "invalid request: batch subrequests cannot be meta-requests");
    else if (strcmp (method, "ifelse") == 0)
      st_reply_text (reply, 400, "no method ifelse");
    else
      rpc_batch (node, params, strcmp (method, "sequence") == 0, reply);
    return;
  }
  handler = find_method (method);
  if (handler == NULL) {
    st_reply_printf (reply, 400, "no method %s", method);
    return;
  }
  handler (node, params, reply);
}

void
st_rpc_handle_body (StNode *node, const gchar *body, gsize len, StReply *reply)
{
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *method;
  JsonNode *params;
  guint forced;

  request = sd_json_parse_object (body, len, &error);
  if (request == NULL) {
    g_debug ("request of %" G_GSIZE_FORMAT " bytes is not JSON: %s", len, error->message);
    st_reply_text (reply, 400, "invalid json");
    return;
  }
  method = json_object_get_member (request, "method");
  if (method == NULL || !JSON_NODE_HOLDS_VALUE (method) ||
      json_node_get_value_type (method) != G_TYPE_STRING) {
    st_reply_text (reply, 400, "invalid json: no `method` field");
    return;
  }
  params = json_object_get_member (request, "params");
  if (params == NULL || !JSON_NODE_HOLDS_OBJECT (params)) {
    st_reply_text (reply, 400, "invalid json: no `params` field");
    return;
  }

  forced = st_node_take_forced_status (node, FALSE);
  if (forced == 421) {
    /* the node acts as if it were outside every account's swarm, so
     * account-bound calls (batch subrequests too) get the 421 */
    node->foreign = TRUE;
    st_rpc_call (node, json_node_get_string (method), json_node_get_object (params), TRUE, reply);
    node->foreign = FALSE;
    return;
  }
  if (forced != 0) {
    st_reply_text (reply, forced, st_node_forced_text (forced));
    return;
  }
  st_rpc_call (node, json_node_get_string (method), json_node_get_object (params), TRUE, reply);
}
