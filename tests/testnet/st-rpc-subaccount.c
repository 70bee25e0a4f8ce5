/* SPDX-License-Identifier: GPL-3.0-or-later */
/* revoke_subaccount and unrevoke_subaccount (protocol-network.md §4.3, §4.6): only the account
 * owner signs them (a group's admin), over the text, the timestamp and the raw tokens; every
 * swarm member keeps the list and signs what it did */
#define G_LOG_DOMAIN "StRpcSubaccount"

#include "config.h"

#include <string.h>

#include "sd-request-sign.h"
#include "st-network.h"
#include "st-params.h"
#include "st-rpc.h"

#define SIG_WINDOW_MS G_GINT64_CONSTANT (60000)

/* the tokens of @name: one string or a list of 1 to ST_REVOKED_MAX, each 72 hex digits or
 * 48 base64 characters */
static GByteArray *
read_tokens (JsonObject *params, const gchar *name, StReply *reply)
{
  JsonNode *node = json_object_get_member (params, name);
  g_autoptr(GByteArray) tokens = g_byte_array_new ();
  JsonArray *list = NULL;
  guint n = 1;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    st_reply_printf (reply, 400, "invalid request: required field '%s' missing", name);
    return NULL;
  }
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    list = json_node_get_array (node);
    n = json_array_get_length (list);
  } else if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    st_reply_printf (reply, 400, "invalid request: field '%s' must be a list of tokens", name);
    return NULL;
  }
  if (n == 0 || n > ST_REVOKED_MAX) {
    st_reply_printf (reply, 400, "invalid request: invalid %s: cannot %s more than %d "
                     "subaccounts at once", name, name, ST_REVOKED_MAX);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    JsonNode *item = list != NULL ? json_array_get_element (list, i) : node;
    guint8 token[ST_TOKEN_LEN];

    if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING ||
        !st_param_token (json_node_get_string (item), token)) {
      st_reply_printf (reply, 400, "invalid request: invalid %s: expected base64 or "
                       "hex-encoded subaccount tag", name);
      return NULL;
    }
    g_byte_array_append (tokens, token, ST_TOKEN_LEN);
  }
  return g_steal_pointer (&tokens);
}

/* the owner's signed bytes, and what each member signs back: the id in place of the text */
static GByteArray *
signed_bytes (const gchar *head, guint64 timestamp, GByteArray *tokens)
{
  g_autofree gchar *text = g_strdup_printf ("%s%" G_GUINT64_FORMAT, head, timestamp);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) text, (guint) strlen (text));
  g_byte_array_append (out, tokens->data, tokens->len);
  return out;
}

static void
run (StNode *node, JsonObject *params, gboolean unrevoke, StReply *reply)
{
  const gchar *method = unrevoke ? "unrevoke_subaccount" : "revoke_subaccount";
  const gchar *field = unrevoke ? "unrevoke" : "revoke";
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) tokens = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GByteArray) receipt = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree gchar *fail_text = NULL;
  JsonObject *swarm;
  StAccount account;
  const gchar *signature = NULL;
  guint64 timestamp = 0;
  gint64 now;

  if (!st_param_account (params, &account, &error) ||
      !st_param_string (params, "signature", NULL, TRUE, &signature, &error) ||
      !st_param_timestamp (params, "timestamp", FALSE, TRUE, &timestamp, NULL, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  tokens = read_tokens (params, field, reply);
  if (tokens == NULL)
    return;
  if (!st_check_account (node, params, &account, reply))
    return;
  now = st_node_now_ms (node);
  if ((gint64) timestamp < now - SIG_WINDOW_MS || (gint64) timestamp > now + SIG_WINDOW_MS) {
    st_reply_printf (reply, 406, "%s timestamp too far from current time", method);
    return;
  }
  data = signed_bytes (method, timestamp, tokens);
  fail_text = g_strdup_printf ("%s signature verification failed", method);
  if (!st_check_signature_bytes (node, params, &account, data->data, data->len, 0,
                                 ST_SIG_OWNER_ONLY, fail_text, reply, NULL))
    return;

  /* each member's receipt: its signature over the prefixed id, the timestamp, the tokens */
  receipt = signed_bytes (account.hex, timestamp, tokens);
  members = st_network_members (node->network, node->swarm_id);
  swarm = json_object_new ();
  for (guint i = 0; i < members->len; i++) {
    StNode *member = g_ptr_array_index (members, i);
    JsonObject *entry = st_rpc_member_failure (node, member);
    g_autofree gchar *sig = NULL;
    gint64 count = 0;

    if (entry != NULL) {
      json_object_set_object_member (swarm, member->ed25519_hex, entry);
      continue;
    }
    entry = json_object_new ();
    for (guint t = 0; t < tokens->len; t += ST_TOKEN_LEN) {
      if (!unrevoke)
        st_storage_revoke (member->storage, account.hex, tokens->data + t,
                           st_node_now_ms (member));
      else if (st_storage_unrevoke (member->storage, account.hex, tokens->data + t))
        count++;
    }
    if (unrevoke)
      json_object_set_int_member (entry, "count", count);
    sig = sd_sign_bytes_base64 (member->identity.ed25519_sk, receipt->data, receipt->len);
    json_object_set_string_member (entry, "signature", sig);
    json_object_set_object_member (swarm, member->ed25519_hex, entry);
  }
  result = json_object_new ();
  json_object_set_object_member (result, "swarm", swarm);
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}

void
st_rpc_revoke_subaccount (StNode *node, JsonObject *params, StReply *reply)
{
  run (node, params, FALSE, reply);
}

void
st_rpc_unrevoke_subaccount (StNode *node, JsonObject *params, StReply *reply)
{
  run (node, params, TRUE, reply);
}
