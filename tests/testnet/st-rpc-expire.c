/* SPDX-License-Identifier: GPL-3.0-or-later */
/* expire, expire_all (on every swarm member, signed per member) and
 * get_expiries (this node only) (protocol-network.md §4.6) */
#define G_LOG_DOMAIN "StRpcExpire"

#include "config.h"

#include <string.h>

#include "sd-message-hash.h"
#include "sd-request-sign.h"
#include "st-network.h"
#include "st-params.h"
#include "st-rpc.h"

#define SIG_WINDOW_MS  G_GINT64_CONSTANT (60000)
#define EXPIRY_MAX_MS  (G_GINT64_CONSTANT (30) * 86400 * 1000)

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

typedef enum {
  MODE_SET,
  MODE_SHORTEN,
  MODE_EXTEND,
} ExpireMode;

static const gchar *
mode_text (ExpireMode mode)
{
  return mode == MODE_SHORTEN ? "shorten" : mode == MODE_EXTEND ? "extend" : "";
}

/* the expiry list: one value for every hash, or a single value */
static gboolean
read_expiries (JsonObject *params, guint n_hashes, GArray *out, gboolean *is_list, StReply *reply)
{
  JsonNode *node = json_object_get_member (params, "expiry");

  *is_list = FALSE;
  if (node == NULL) {
    st_reply_text (reply, 400, "invalid request: required field 'expiry' missing");
    return FALSE;
  }
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    if (json_array_get_length (array) != n_hashes) {
      st_reply_text (reply, 400, "invalid request: expiry list must match the messages list");
      return FALSE;
    }
    for (guint i = 0; i < n_hashes; i++) {
      JsonNode *item = json_array_get_element (array, i);
      gint64 v;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_INT64 ||
          (v = json_node_get_int (item)) < 1000000000) {
        st_reply_text (reply, 400, "invalid request: expiry: timestamp must be in milliseconds");
        return FALSE;
      }
      g_array_append_val (out, v);
    }
    *is_list = TRUE;
    return TRUE;
  }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
      json_node_get_int (node) >= 1000000000) {
    gint64 v = json_node_get_int (node);

    for (guint i = 0; i < n_hashes; i++)
      g_array_append_val (out, v);
    return TRUE;
  }
  st_reply_text (reply, 400, "invalid request: expiry: timestamp must be in milliseconds");
  return FALSE;
}

typedef struct {
  const StAccount *account;
  gchar **hashes;
  GArray *expiries;  /* gint64, clamped, one per hash */
  gboolean is_list;
  ExpireMode mode;
} ExpireArgs;

static void
expire_on_member (StNode *member, JsonObject *entry, ExpireArgs *args)
{
  g_autoptr(GPtrArray) updated = g_ptr_array_new ();
  g_autoptr(GPtrArray) unchanged = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (args->account->hex);
  g_autofree gchar *signature = NULL;
  JsonObject *unchanged_json = json_object_new ();

  for (guint i = 0; args->hashes[i] != NULL; i++) {
    StMessage *msg = st_storage_lookup (member->storage, args->hashes[i]);
    gint64 want = g_array_index (args->expiries, gint64, i);

    if (msg == NULL || strcmp (msg->owner, args->account->hex) != 0 ||
        g_ptr_array_find_with_equal_func (updated, msg->hash, g_str_equal, NULL) ||
        json_object_has_member (unchanged_json, msg->hash))
      continue;
    if ((args->mode == MODE_SHORTEN && want >= msg->expiry) ||
        (args->mode == MODE_EXTEND && want <= msg->expiry)) {
      json_object_set_int_member (unchanged_json, msg->hash, msg->expiry);
      g_ptr_array_add (unchanged, msg->hash);
      continue;
    }
    msg->expiry = want;
    g_ptr_array_add (updated, msg->hash);
  }
  g_ptr_array_sort (updated, compare_strings);
  g_ptr_array_sort (unchanged, compare_strings);

  /* pubkey || expiry(s) || requested || updated || (hash || expiry) of unchanged */
  for (guint i = 0; i < (args->is_list ? args->expiries->len : 1); i++)
    g_string_append_printf (text, "%" G_GINT64_FORMAT, g_array_index (args->expiries, gint64, i));
  for (guint i = 0; args->hashes[i] != NULL; i++)
    g_string_append (text, args->hashes[i]);
  for (guint i = 0; i < updated->len; i++)
    g_string_append (text, g_ptr_array_index (updated, i));
  for (guint i = 0; i < unchanged->len; i++) {
    const gchar *h = g_ptr_array_index (unchanged, i);

    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, h,
                            json_object_get_int_member (unchanged_json, h));
  }
  signature = sd_sign_text_base64 (member->identity.ed25519_sk, text->str);

  json_object_set_array_member (entry, "updated",
                                st_json_sorted_strings ((const gchar *const *) updated->pdata,
                                                        updated->len));
  if (args->mode != MODE_SET)
    json_object_set_object_member (entry, "unchanged", unchanged_json);
  else
    json_object_unref (unchanged_json);
  if (args->is_list) {
    JsonArray *list = json_array_sized_new (args->expiries->len);

    for (guint i = 0; i < args->expiries->len; i++)
      json_array_add_int_element (list, g_array_index (args->expiries, gint64, i));
    json_object_set_array_member (entry, "expiry", list);
  } else {
    json_object_set_int_member (entry, "expiry", g_array_index (args->expiries, gint64, 0));
  }
  json_object_set_string_member (entry, "signature", signature);
}

static JsonObject *
swarm_result (StNode *node, JsonObject *swarm)
{
  JsonObject *result = json_object_new ();

  json_object_set_object_member (result, "swarm", swarm);
  st_rpc_add_t_hf (node, result);
  return result;
}

void
st_rpc_expire (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) hashes = NULL;
  g_autoptr(GArray) expiries = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) signed_text = g_string_new ("expire");
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonObject) result = NULL;
  JsonObject *swarm;
  StAccount account;
  ExpireArgs args;
  gboolean shorten = FALSE, extend = FALSE, is_list = FALSE;
  gint token_flags = -1;
  gint64 now;

  if (!st_param_account (params, &account, &error) ||
      (hashes = st_param_hashes (params, "messages", &error)) == NULL ||
      !st_param_bool (params, "shorten", &shorten, &error) ||
      !st_param_bool (params, "extend", &extend, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (shorten && extend) {
    st_reply_text (reply, 400, "invalid request: cannot specify both 'shorten' and 'extend'");
    return;
  }
  if (!read_expiries (params, g_strv_length (hashes), expiries, &is_list, reply))
    return;
  if (!st_check_account (node, params, &account, reply))
    return;

  now = st_node_now_ms (node);
  for (guint i = 0; i < expiries->len; i++) {
    if (g_array_index (expiries, gint64, i) < now - SIG_WINDOW_MS) {
      st_reply_text (reply, 401, "expire: timestamp should be >= current time");
      return;
    }
  }
  args.mode = shorten ? MODE_SHORTEN : extend ? MODE_EXTEND : MODE_SET;
  /* the signature covers the values as sent */
  g_string_append (signed_text, mode_text (args.mode));
  for (guint i = 0; i < (is_list ? expiries->len : 1); i++)
    g_string_append_printf (signed_text, "%" G_GINT64_FORMAT, g_array_index (expiries, gint64, i));
  for (guint i = 0; hashes[i] != NULL; i++)
    g_string_append (signed_text, hashes[i]);
  if (!st_check_signature_bytes (node, params, &account, (const guint8 *) signed_text->str,
                                 signed_text->len, ST_SUBACCOUNT_WRITE, ST_SIG_SUBACCOUNT,
                                 "expire: signature verification failed", reply, &token_flags))
    return;
  /* a token without delete may only lengthen: shortening is almost deleting */
  if (token_flags >= 0 && !(token_flags & ST_SUBACCOUNT_DELETE)) {
    if (shorten) {
      st_reply_text (reply, 400, "expire: shorten parameter cannot be used with this subaccount "
                                 "token (missing delete access)");
      return;
    }
    args.mode = MODE_EXTEND;
  }

  for (guint i = 0; i < expiries->len; i++) {
    gint64 *v = &g_array_index (expiries, gint64, i);

    *v = MIN (*v, now + EXPIRY_MAX_MS);
  }
  args.account = &account;
  args.hashes = hashes;
  args.expiries = expiries;
  args.is_list = is_list;

  members = st_network_members (node->network, node->swarm_id);
  swarm = json_object_new ();
  for (guint i = 0; i < members->len; i++) {
    StNode *member = g_ptr_array_index (members, i);
    JsonObject *entry = st_rpc_member_failure (node, member);

    if (entry == NULL) {
      entry = json_object_new ();
      expire_on_member (member, entry, &args);
    }
    json_object_set_object_member (swarm, member->ed25519_hex, entry);
  }
  result = swarm_result (node, swarm);
  st_reply_json (reply, 200, result);
}

void
st_rpc_expire_all (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree gchar *ns_text = NULL;
  g_autofree gchar *signed_text = NULL;
  JsonObject *swarm;
  StAccount account;
  guint64 expiry = 0;
  gboolean all = FALSE;
  gint ns = 0;

  if (!st_param_account (params, &account, &error) ||
      !st_param_namespace (params, &ns, &all, &error) ||
      !st_param_timestamp (params, "expiry", FALSE, TRUE, &expiry, NULL, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (!st_check_account (node, params, &account, reply))
    return;
  if ((gint64) expiry < st_node_now_ms (node) - SIG_WINDOW_MS) {
    st_reply_text (reply, 406, "expire_all: timestamp should be >= current time");
    return;
  }
  ns_text = all ? g_strdup ("all") : sd_namespace_text (ns);
  signed_text = g_strdup_printf ("expire_all%s%" G_GUINT64_FORMAT, ns_text, expiry);
  if (!st_check_signature (node, params, &account, signed_text, ST_SUBACCOUNT_DELETE,
                           "expire_all signature verification failed", reply))
    return;

  members = st_network_members (node->network, node->swarm_id);
  swarm = json_object_new ();
  for (guint i = 0; i < members->len; i++) {
    StNode *member = g_ptr_array_index (members, i);
    JsonObject *entry = st_rpc_member_failure (node, member);
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GPtrArray) updated = NULL;
    g_autoptr(GString) text = NULL;
    g_autofree gchar *signature = NULL;

    if (entry != NULL) {
      json_object_set_object_member (swarm, member->ed25519_hex, entry);
      continue;
    }
    /* expire_all only ever shortens */
    rows = st_storage_owned (member->storage, account.hex, all, ns);
    updated = g_ptr_array_new ();
    for (guint j = 0; j < rows->len; j++) {
      StMessage *msg = g_ptr_array_index (rows, j);

      if ((gint64) expiry < msg->expiry) {
        msg->expiry = (gint64) expiry;
        g_ptr_array_add (updated, msg->hash);
      }
    }
    g_ptr_array_sort (updated, compare_strings);
    text = g_string_new (account.hex);
    g_string_append_printf (text, "%" G_GUINT64_FORMAT, expiry);
    for (guint j = 0; j < updated->len; j++)
      g_string_append (text, g_ptr_array_index (updated, j));
    signature = sd_sign_text_base64 (member->identity.ed25519_sk, text->str);
    entry = json_object_new ();
    json_object_set_array_member (entry, "updated",
                                  st_json_sorted_strings ((const gchar *const *) updated->pdata,
                                                          updated->len));
    json_object_set_string_member (entry, "signature", signature);
    json_object_set_object_member (swarm, member->ed25519_hex, entry);
  }
  result = swarm_result (node, swarm);
  st_reply_json (reply, 200, result);
}

void
st_rpc_get_expiries (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) hashes = NULL;
  g_autofree gchar *signed_text = NULL;
  g_autoptr(JsonObject) result = NULL;
  JsonObject *expiries;
  StAccount account;
  guint64 timestamp = 0;

  if (!st_param_account (params, &account, &error) ||
      (hashes = st_param_hashes (params, "messages", &error)) == NULL ||
      !st_param_timestamp (params, "timestamp", FALSE, TRUE, &timestamp, NULL, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (!st_check_account (node, params, &account, reply))
    return;
  if (ABS ((gint64) timestamp - st_node_now_ms (node)) > SIG_WINDOW_MS) {
    st_reply_text (reply, 406, "get_expiries timestamp too far from current time");
    return;
  }
  signed_text = sd_signed_string_get_expiries (timestamp, (const gchar *const *) hashes);
  if (!st_check_signature (node, params, &account, signed_text, ST_SUBACCOUNT_READ,
                           "get_expiries signature verification failed", reply))
    return;

  expiries = json_object_new ();
  for (guint i = 0; hashes[i] != NULL; i++) {
    StMessage *msg = st_storage_lookup (node->storage, hashes[i]);

    if (msg != NULL && strcmp (msg->owner, account.hex) == 0)
      json_object_set_int_member (expiries, msg->hash, msg->expiry);
  }
  result = json_object_new ();
  json_object_set_object_member (result, "expiries", expiries);
  st_reply_json (reply, 200, result);
}
