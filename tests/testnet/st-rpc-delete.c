/* SPDX-License-Identifier: GPL-3.0-or-later */
/* delete, delete_all and delete_before, run on every swarm member with a
 * per-member signed result (protocol-network.md §4.6) */
#define G_LOG_DOMAIN "StRpcDelete"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sd-message-hash.h"
#include "sd-request-sign.h"
#include "st-network.h"
#include "st-params.h"
#include "st-rpc.h"

#define SIG_WINDOW_MS G_GINT64_CONSTANT (60000)

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

static void
sort_strings (GPtrArray *strings)
{
  g_ptr_array_sort (strings, compare_strings);
}

static JsonArray *
json_strings (GPtrArray *strings)
{
  JsonArray *array = json_array_sized_new (strings->len);

  for (guint i = 0; i < strings->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (strings, i));
  return array;
}

static void
append_strings (GString *text, GPtrArray *strings)
{
  for (guint i = 0; i < strings->len; i++)
    g_string_append (text, g_ptr_array_index (strings, i));
}

/* the "swarm" result of a recursive request; @run fills one member's
 * entry and returns how many rows it removed */
typedef guint (*StMemberRun) (StNode *member, JsonObject *entry, gpointer user_data);

static JsonObject *
run_on_swarm (StNode *node, StMemberRun run, gpointer user_data, guint *total)
{
  g_autoptr(GPtrArray) members = st_network_members (node->network, node->swarm_id);
  JsonObject *swarm = json_object_new ();

  *total = 0;
  for (guint i = 0; i < members->len; i++) {
    StNode *member = g_ptr_array_index (members, i);
    JsonObject *entry = st_rpc_member_failure (node, member);

    if (entry == NULL) {
      entry = json_object_new ();
      *total += run (member, entry, user_data);
    }
    json_object_set_object_member (swarm, member->ed25519_hex, entry);
  }
  return swarm;
}

static void
reply_swarm (StNode *node, JsonObject *swarm, StReply *reply)
{
  g_autoptr(JsonObject) result = json_object_new ();

  json_object_set_object_member (result, "swarm", swarm);
  st_rpc_add_t_hf (node, result);
  st_reply_json (reply, 200, result);
}

/* ---- delete ---- */

typedef struct {
  const StAccount *account;
  gchar **hashes;
} DeleteArgs;

static guint
delete_on_member (StNode *member, JsonObject *entry, gpointer user_data)
{
  DeleteArgs *args = user_data;
  g_autoptr(GPtrArray) deleted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (args->account->hex);
  g_autofree gchar *signature = NULL;

  for (guint i = 0; args->hashes[i] != NULL; i++) {
    StMessage *msg = st_storage_lookup (member->storage, args->hashes[i]);

    if (msg != NULL && strcmp (msg->owner, args->account->hex) == 0 &&
        !g_ptr_array_find_with_equal_func (deleted, args->hashes[i], g_str_equal, NULL)) {
      g_ptr_array_add (deleted, g_strdup (args->hashes[i]));
      st_storage_remove (member->storage, args->hashes[i]);
    }
  }
  sort_strings (deleted);
  for (guint i = 0; args->hashes[i] != NULL; i++)
    g_string_append (text, args->hashes[i]);
  append_strings (text, deleted);
  signature = sd_sign_text_base64 (member->identity.ed25519_sk, text->str);
  json_object_set_array_member (entry, "deleted", json_strings (deleted));
  json_object_set_string_member (entry, "signature", signature);
  return deleted->len;
}

void
st_rpc_delete (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) hashes = NULL;
  g_autofree gchar *signed_text = NULL;
  JsonObject *swarm;
  StAccount account;
  DeleteArgs args;
  gboolean required = FALSE;
  guint total = 0;

  if (!st_param_account (params, &account, &error) ||
      (hashes = st_param_hashes (params, "messages", &error)) == NULL ||
      !st_param_bool (params, "required", &required, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (!st_check_account (node, params, &account, reply))
    return;
  signed_text = sd_signed_string_delete ((const gchar *const *) hashes);
  if (!st_check_signature (node, params, &account, signed_text, ST_SUBACCOUNT_DELETE,
                           "delete signature verification failed", reply))
    return;

  args.account = &account;
  args.hashes = hashes;
  swarm = run_on_swarm (node, delete_on_member, &args, &total);
  if (required && total == 0) {
    json_object_unref (swarm);
    st_reply_text (reply, 404, "No matching messages found");
    return;
  }
  reply_swarm (node, swarm, reply);
}

/* ---- delete_all and delete_before ---- */

typedef struct {
  const StAccount *account;
  gboolean all;
  gint ns;
  guint64 stamp;   /* the timestamp, or "before" */
  gboolean before; /* delete_before: only rows stored before @stamp */
} DeleteAllArgs;

static guint
delete_all_on_member (StNode *member, JsonObject *entry, gpointer user_data)
{
  DeleteAllArgs *args = user_data;
  g_autoptr(GPtrArray) rows = st_storage_owned (member->storage, args->account->hex, args->all,
                                                args->ns);
  g_autoptr(GPtrArray) deleted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) by_ns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GString) text = g_string_new (args->account->hex);
  g_autofree gchar *signature = NULL;

  for (guint i = 0; i < rows->len; i++) {
    StMessage *msg = g_ptr_array_index (rows, i);
    gchar *ns_key;
    GPtrArray *list;

    if (args->before && msg->timestamp >= (gint64) args->stamp)
      continue;
    ns_key = g_strdup_printf ("%d", msg->namespace_);
    list = g_hash_table_lookup (by_ns, ns_key);
    if (list == NULL) {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (by_ns, ns_key, list);
    } else {
      g_free (ns_key);
    }
    g_ptr_array_add (list, g_strdup (msg->hash));
    g_ptr_array_add (deleted, g_strdup (msg->hash));
  }
  for (guint i = 0; i < deleted->len; i++)
    st_storage_remove (member->storage, g_ptr_array_index (deleted, i));
  sort_strings (deleted);

  if (args->all) {
    JsonObject *grouped = json_object_new ();
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, by_ns);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      sort_strings (value);
      json_object_set_array_member (grouped, key, json_strings (value));
    }
    json_object_set_object_member (entry, "deleted", grouped);
  } else {
    json_object_set_array_member (entry, "deleted", json_strings (deleted));
  }
  g_string_append_printf (text, "%" G_GUINT64_FORMAT, args->stamp);
  append_strings (text, deleted);
  signature = sd_sign_text_base64 (member->identity.ed25519_sk, text->str);
  json_object_set_string_member (entry, "signature", signature);
  return deleted->len;
}

static gchar *
namespace_text (gboolean all, gint ns)
{
  return all ? g_strdup ("all") : sd_namespace_text (ns);
}

void
st_rpc_delete_all (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *signed_text = NULL;
  g_autofree gchar *ns_text = NULL;
  StAccount account;
  DeleteAllArgs args = { 0 };
  guint64 timestamp = 0;
  gboolean all = FALSE;
  gint ns = 0;
  guint total = 0;

  if (!st_param_account (params, &account, &error) ||
      !st_param_namespace (params, &ns, &all, &error) ||
      !st_param_timestamp (params, "timestamp", FALSE, TRUE, &timestamp, NULL, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (!st_check_account (node, params, &account, reply))
    return;
  if (ABS ((gint64) timestamp - st_node_now_ms (node)) > SIG_WINDOW_MS) {
    st_reply_text (reply, 406, "delete_all timestamp too far from current time");
    return;
  }
  ns_text = namespace_text (all, ns);
  signed_text = sd_signed_string_delete_all (ns_text, timestamp);
  if (!st_check_signature (node, params, &account, signed_text, ST_SUBACCOUNT_DELETE,
                           "delete_all signature verification failed", reply))
    return;

  args.account = &account;
  args.all = all;
  args.ns = ns;
  args.stamp = timestamp;
  reply_swarm (node, run_on_swarm (node, delete_all_on_member, &args, &total), reply);
}

void
st_rpc_delete_before (StNode *node, JsonObject *params, StReply *reply)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *signed_text = NULL;
  g_autofree gchar *ns_text = NULL;
  StAccount account;
  DeleteAllArgs args = { 0 };
  guint64 before = 0;
  gboolean all = FALSE;
  gint ns = 0;
  guint total = 0;

  if (!st_param_account (params, &account, &error) ||
      !st_param_namespace (params, &ns, &all, &error) ||
      !st_param_timestamp (params, "before", FALSE, TRUE, &before, NULL, &error)) {
    st_reply_invalid (reply, error);
    return;
  }
  if (!st_check_account (node, params, &account, reply))
    return;
  if ((gint64) before > st_node_now_ms (node) + SIG_WINDOW_MS) {
    st_reply_text (reply, 401, "delete_before: timestamp is in the future");
    return;
  }
  ns_text = namespace_text (all, ns);
  signed_text = g_strdup_printf ("delete_before%s%" G_GUINT64_FORMAT, ns_text, before);
  if (!st_check_signature (node, params, &account, signed_text, ST_SUBACCOUNT_DELETE,
                           "delete_before signature verification failed", reply))
    return;

  args.account = &account;
  args.all = all;
  args.ns = ns;
  args.stamp = before;
  args.before = TRUE;
  reply_swarm (node, run_on_swarm (node, delete_all_on_member, &args, &total), reply);
}
