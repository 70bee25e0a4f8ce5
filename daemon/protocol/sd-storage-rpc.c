/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStorageRpc"

#include "sd-storage-rpc.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-request-sign.h"
#include "sd-subaccount.h"

/* {"method": @method, "params": @params}; takes @params */
static JsonNode *
request_new (const gchar *method, JsonObject *params)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "method", method);
  json_object_set_object_member (object, "params", params);
  /* the node takes its own reference */
  return json_node_init_object (json_node_alloc (), object);
}

static JsonArray *
hash_array (const gchar *const *hashes)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; hashes[i] != NULL; i++)
    json_array_add_string_element (array, hashes[i]);
  return array;
}

/* the account fields of a signed request from a 05 account (§4.3) */
static JsonObject *
signed_params_new (const SdIdentity *identity)
{
  JsonObject *params = json_object_new ();
  g_autofree gchar *ed_hex = sd_hex_encode (identity->ed25519_pk, 32);

  json_object_set_string_member (params, "pubkey", identity->session_id);
  json_object_set_string_member (params, "pubkey_ed25519", ed_hex);
  return params;
}

static void
set_signature (JsonObject *params, const SdIdentity *identity, const gchar *text)
{
  g_autofree gchar *signature = sd_sign_text_base64 (identity->ed25519_sk, text);

  json_object_set_string_member (params, "signature", signature);
}

static JsonObject *
store_params_new (JsonObject *params,
                  gint namespace_,
                  gint64 timestamp,
                  gint64 ttl_ms,
                  const gchar *data_b64)
{
  json_object_set_int_member (params, "namespace", namespace_);
  json_object_set_int_member (params, "timestamp", timestamp);
  json_object_set_int_member (params, "ttl", ttl_ms);
  json_object_set_string_member (params, "data", data_b64);
  return params;
}

JsonNode *
sd_storage_rpc_store (const gchar *pubkey,
                      gint namespace_,
                      gint64 timestamp,
                      gint64 ttl_ms,
                      const gchar *data_b64)
{
  JsonObject *params = json_object_new ();

  g_return_val_if_fail (pubkey != NULL && data_b64 != NULL, NULL);

  json_object_set_string_member (params, "pubkey", pubkey);
  return request_new ("store", store_params_new (params, namespace_, timestamp, ttl_ms,
                                                 data_b64));
}

JsonNode *
sd_storage_rpc_store_signed (const SdIdentity *identity,
                             gint namespace_,
                             gint64 timestamp,
                             gint64 ttl_ms,
                             const gchar *data_b64)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (identity != NULL && data_b64 != NULL, NULL);

  params = store_params_new (signed_params_new (identity), namespace_, timestamp, ttl_ms,
                             data_b64);
  text = sd_signed_string_store (namespace_, (guint64) timestamp);
  set_signature (params, identity, text);
  return request_new ("store", params);
}

JsonNode *
sd_storage_rpc_retrieve (const SdIdentity *identity,
                         gint namespace_,
                         gint64 timestamp,
                         const gchar *last_hash,
                         gint max_count,
                         gint max_size)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (identity != NULL, NULL);

  params = signed_params_new (identity);
  json_object_set_int_member (params, "namespace", namespace_);
  json_object_set_int_member (params, "timestamp", timestamp);
  text = sd_signed_string_retrieve (namespace_, (guint64) timestamp);
  set_signature (params, identity, text);
  if (last_hash != NULL)
    json_object_set_string_member (params, "last_hash", last_hash);
  if (max_count != 0)
    json_object_set_int_member (params, "max_count", max_count);
  if (max_size != 0)
    json_object_set_int_member (params, "max_size", max_size);
  return request_new ("retrieve", params);
}

JsonNode *
sd_storage_rpc_delete (const SdIdentity *identity, const gchar *const *hashes)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (identity != NULL && hashes != NULL, NULL);

  params = signed_params_new (identity);
  json_object_set_array_member (params, "messages", hash_array (hashes));
  text = sd_signed_string_delete (hashes);
  set_signature (params, identity, text);
  return request_new ("delete", params);
}

JsonNode *
sd_storage_rpc_expire (const SdIdentity *identity,
                       const gchar *const *hashes,
                       gint64 expiry,
                       gboolean shorten)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (identity != NULL && hashes != NULL, NULL);

  params = signed_params_new (identity);
  json_object_set_array_member (params, "messages", hash_array (hashes));
  json_object_set_int_member (params, "expiry", expiry);
  if (shorten)
    json_object_set_boolean_member (params, "shorten", TRUE);
  text = sd_signed_string_expire (shorten ? "shorten" : "", (guint64) expiry, hashes);
  set_signature (params, identity, text);
  return request_new ("expire", params);
}

/* ---- a group's swarm ---- */

gboolean
sd_group_namespace_admin_only (gint namespace_)
{
  return namespace_ == SD_GROUP_NS_KICKED || namespace_ == SD_GROUP_NS_KEYS ||
         namespace_ == SD_GROUP_NS_INFO || namespace_ == SD_GROUP_NS_MEMBERS;
}

/* the grant's flags must hold @needed (the server checks the same, and would answer 401) */
static gboolean
group_auth_check (const SdGroupAuth *auth, guint8 needed, const gchar *what, GError **error)
{
  if (auth->member == NULL) {
    if (auth->group->is_admin)
      return TRUE;
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "signing for a group needs its seed or a member grant");
    return FALSE;
  }
  if (auth->member_value == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "a member signs with the grant an admin gave it");
    return FALSE;
  }
  if ((auth->member_value[1] & needed) != needed) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "our group grant does not allow to %s", what);
    return FALSE;
  }
  return TRUE;
}

/* `pubkey` = the group id; no pubkey_ed25519, which the server refuses for 03 accounts */
static JsonObject *
group_params_new (const SdGroupAuth *auth)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "pubkey", auth->group->id);
  return params;
}

/* signs @len bytes: the group key's signature, or the member's three subaccount fields */
static gboolean
set_group_signature (JsonObject *params, const SdGroupAuth *auth, const guint8 *data, gsize len,
                     GError **error)
{
  SdSubaccountAuth sub;
  g_autofree gchar *token = NULL;
  g_autofree gchar *token_sig = NULL;
  g_autofree gchar *signature = NULL;

  if (auth->member == NULL) {
    signature = sd_sign_bytes_base64 (auth->group->ed25519_sk, data, len);
    json_object_set_string_member (params, "signature", signature);
    return TRUE;
  }
  if (!sd_subaccount_sign (auth->member, auth->member_value, data, len, &sub, error))
    return FALSE;
  sd_subaccount_auth_to_base64 (&sub, &token, &token_sig, &signature);
  sodium_memzero (&sub, sizeof sub);
  json_object_set_string_member (params, "subaccount", token);
  json_object_set_string_member (params, "subaccount_sig", token_sig);
  json_object_set_string_member (params, "signature", signature);
  return TRUE;
}

static gboolean
sign_group_text (JsonObject *params, const SdGroupAuth *auth, const gchar *text, GError **error)
{
  return set_group_signature (params, auth, (const guint8 *) text, strlen (text), error);
}

/* the request, or NULL (and @params freed) when signing failed */
static JsonNode *
group_request (const gchar *method, JsonObject *params, gboolean signed_ok)
{
  if (!signed_ok) {
    json_object_unref (params);
    return NULL;
  }
  return request_new (method, params);
}

JsonNode *
sd_storage_rpc_group_store (const SdGroupAuth *auth,
                            gint namespace_,
                            gint64 timestamp,
                            gint64 ttl_ms,
                            const gchar *data_b64,
                            GError **error)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (auth != NULL && auth->group != NULL && data_b64 != NULL, NULL);

  if (!group_auth_check (auth, SD_SUBACCOUNT_FLAG_WRITE, "store", error))
    return NULL;
  if (auth->member != NULL && sd_group_namespace_admin_only (namespace_)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "only group admins publish to namespace %d", namespace_);
    return NULL;
  }
  params = store_params_new (group_params_new (auth), namespace_, timestamp, ttl_ms, data_b64);
  text = sd_signed_string_store (namespace_, (guint64) timestamp);
  return group_request ("store", params, sign_group_text (params, auth, text, error));
}

JsonNode *
sd_storage_rpc_group_retrieve (const SdGroupAuth *auth,
                               gint namespace_,
                               gint64 timestamp,
                               const gchar *last_hash,
                               gint max_count,
                               gint max_size,
                               GError **error)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;
  gboolean ok;

  g_return_val_if_fail (auth != NULL && auth->group != NULL, NULL);

  if (!group_auth_check (auth, SD_SUBACCOUNT_FLAG_READ, "read", error))
    return NULL;
  params = group_params_new (auth);
  json_object_set_int_member (params, "namespace", namespace_);
  json_object_set_int_member (params, "timestamp", timestamp);
  text = sd_signed_string_retrieve (namespace_, (guint64) timestamp);
  ok = sign_group_text (params, auth, text, error);
  if (last_hash != NULL)
    json_object_set_string_member (params, "last_hash", last_hash);
  if (max_count != 0)
    json_object_set_int_member (params, "max_count", max_count);
  if (max_size != 0)
    json_object_set_int_member (params, "max_size", max_size);
  return group_request ("retrieve", params, ok);
}

JsonNode *
sd_storage_rpc_group_delete (const SdGroupAuth *auth, const gchar *const *hashes, GError **error)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (auth != NULL && auth->group != NULL && hashes != NULL, NULL);

  if (!group_auth_check (auth, SD_SUBACCOUNT_FLAG_DELETE, "delete", error))
    return NULL;
  params = group_params_new (auth);
  json_object_set_array_member (params, "messages", hash_array (hashes));
  text = sd_signed_string_delete (hashes);
  return group_request ("delete", params, sign_group_text (params, auth, text, error));
}

JsonNode *
sd_storage_rpc_group_expire (const SdGroupAuth *auth,
                             const gchar *const *hashes,
                             gint64 expiry,
                             gboolean shorten,
                             GError **error)
{
  JsonObject *params;
  g_autofree gchar *text = NULL;
  guint8 needed = SD_SUBACCOUNT_FLAG_WRITE | (shorten ? SD_SUBACCOUNT_FLAG_DELETE : 0);

  g_return_val_if_fail (auth != NULL && auth->group != NULL && hashes != NULL, NULL);

  if (!group_auth_check (auth, needed, shorten ? "shorten expiries" : "extend expiries", error))
    return NULL;
  params = group_params_new (auth);
  json_object_set_array_member (params, "messages", hash_array (hashes));
  json_object_set_int_member (params, "expiry", expiry);
  if (shorten)
    json_object_set_boolean_member (params, "shorten", TRUE);
  text = sd_signed_string_expire (shorten ? "shorten" : "", (guint64) expiry, hashes);
  return group_request ("expire", params, sign_group_text (params, auth, text, error));
}

const gint sd_group_poll_namespaces[SD_GROUP_POLL_N] = {
  SD_GROUP_NS_KICKED, SD_GROUP_NS_MESSAGES, SD_GROUP_NS_INFO, SD_GROUP_NS_MEMBERS,
  SD_GROUP_NS_KEYS,
};

JsonNode *
sd_storage_rpc_group_poll (const SdGroupAuth *auth,
                           gint64 timestamp,
                           const gchar *const *last_hashes,
                           gint max_size,
                           GError **error)
{
  JsonNode *requests[SD_GROUP_POLL_N];

  g_return_val_if_fail (auth != NULL && auth->group != NULL, NULL);

  for (guint i = 0; i < SD_GROUP_POLL_N; i++) {
    requests[i] = sd_storage_rpc_group_retrieve (auth, sd_group_poll_namespaces[i], timestamp,
                                                 last_hashes != NULL ? last_hashes[i] : NULL, 0,
                                                 max_size, error);
    if (requests[i] == NULL) {
      for (guint j = 0; j < i; j++)
        json_node_unref (requests[j]);
      return NULL;
    }
  }
  return sd_storage_rpc_batch (requests, SD_GROUP_POLL_N);
}

JsonNode *
sd_storage_rpc_group_revoke (const SdGroupIdentity *group,
                             gboolean unrevoke,
                             gint64 timestamp,
                             const guint8 (*tokens)[36],
                             guint n_tokens,
                             GError **error)
{
  const SdGroupAuth admin = { group, NULL, NULL };
  g_autoptr(GBytes) signed_bytes = NULL;
  JsonObject *params;
  JsonArray *list;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (group != NULL && (tokens != NULL || n_tokens == 0), NULL);

  if (!group_auth_check (&admin, 0, "revoke", error))
    return NULL;
  if (timestamp < 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a revocation needs a timestamp");
    return NULL;
  }
  signed_bytes = sd_subaccount_revoke_signed_bytes (unrevoke, (guint64) timestamp, tokens,
                                                    n_tokens);
  if (signed_bytes == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "a revocation names 1 to %d tokens", SD_SUBACCOUNT_MAX_REVOKE);
    return NULL;
  }
  params = group_params_new (&admin);
  list = json_array_sized_new (n_tokens);
  for (guint i = 0; i < n_tokens; i++) {
    g_autofree gchar *hex = sd_hex_encode (tokens[i], 36);

    json_array_add_string_element (list, hex);
  }
  json_object_set_array_member (params, unrevoke ? "unrevoke" : "revoke", list);
  json_object_set_int_member (params, "timestamp", timestamp);
  data = g_bytes_get_data (signed_bytes, &len);
  return group_request (unrevoke ? "unrevoke_subaccount" : "revoke_subaccount", params,
                        set_group_signature (params, &admin, data, len, error));
}

JsonNode *
sd_storage_rpc_info (void)
{
  return request_new ("info", json_object_new ());
}

JsonNode *
sd_storage_rpc_get_swarm (const gchar *pubkey)
{
  JsonObject *params = json_object_new ();

  g_return_val_if_fail (pubkey != NULL, NULL);

  json_object_set_string_member (params, "pubkey", pubkey);
  return request_new ("get_swarm", params);
}

JsonNode *
sd_storage_rpc_get_service_nodes (void)
{
  static const gchar *const fields[] = { "public_ip", "storage_port", "pubkey_x25519",
                                         "pubkey_ed25519", "swarm_id" };
  JsonObject *params = json_object_new ();
  JsonObject *oxend = json_object_new ();
  JsonObject *wanted = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    json_object_set_boolean_member (wanted, fields[i], TRUE);
  json_object_set_boolean_member (oxend, "active_only", TRUE);
  json_object_set_object_member (oxend, "fields", wanted);
  json_object_set_string_member (params, "endpoint", "get_service_nodes");
  json_object_set_object_member (params, "params", oxend);
  return request_new ("oxend_request", params);
}

static JsonNode *
meta_request (const gchar *method, JsonNode **requests, guint n_requests)
{
  JsonObject *params = json_object_new ();
  JsonArray *array = json_array_sized_new (n_requests);

  for (guint i = 0; i < n_requests; i++)
    json_array_add_element (array, requests[i]);
  json_object_set_array_member (params, "requests", array);
  return request_new (method, params);
}

JsonNode *
sd_storage_rpc_batch (JsonNode **requests, guint n_requests)
{
  return meta_request ("batch", requests, n_requests);
}

JsonNode *
sd_storage_rpc_sequence (JsonNode **requests, guint n_requests)
{
  return meta_request ("sequence", requests, n_requests);
}

gchar *
sd_storage_rpc_to_string (JsonNode *request)
{
  g_autoptr(JsonNode) owned = request;

  g_return_val_if_fail (request != NULL, NULL);
  return json_to_string (owned, FALSE);
}

/* ---- replies ---- */

JsonNode *
sd_storage_rpc_parse_body (const gchar *text, gsize len)
{
  JsonNode *node = sd_json_parse (text, len, NULL);

  if (node != NULL)
    return node;
  /* storage-server errors are plain text; keep it (valid UTF-8 only) for messages */
  node = json_node_new (JSON_NODE_VALUE);
  if (g_utf8_validate_len (text, len, NULL)) {
    g_autofree gchar *copy = g_strndup (text, len);

    json_node_set_string (node, copy);
  } else {
    json_node_set_string (node, "");
  }
  return node;
}

static JsonObject *
as_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

gint64
sd_storage_rpc_server_time (JsonNode *body)
{
  JsonObject *object = as_object (body);
  JsonArray *results;

  if (object == NULL)
    return 0;
  if (json_object_has_member (object, "t"))
    return sd_json_get_int (object, "t", 0);
  /* batch answers carry `t` in each sub-result */
  results = sd_json_get_array (object, "results");
  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++) {
    JsonObject *sub = sd_json_get_object (sd_json_array_get_object (results, i), "body");

    if (sub != NULL && json_object_has_member (sub, "t"))
      return sd_json_get_int (sub, "t", 0);
  }
  return 0;
}

gboolean
sd_storage_rpc_batch_result (JsonNode *body, guint index, gint64 *out_code, JsonNode **out_body)
{
  JsonObject *result = sd_json_array_get_object (sd_json_get_array (as_object (body), "results"),
                                                 index);

  if (result == NULL)
    return FALSE;
  if (out_code != NULL)
    *out_code = sd_json_get_int (result, "code", 0);
  if (out_body != NULL)
    *out_body = json_object_get_member (result, "body");
  return TRUE;
}

guint
sd_storage_rpc_uniform_batch_failure (JsonNode *body, JsonNode **out_first_body)
{
  JsonArray *results = sd_json_get_array (as_object (body), "results");
  gint64 code = 0;

  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++) {
    gint64 each = sd_json_get_int (sd_json_array_get_object (results, i), "code", 0);

    if ((i > 0 && each != code) || (each >= 200 && each < 300))
      return 0;
    code = each;
  }
  if (code < 400 || code > 599)
    return 0;
  if (out_first_body != NULL)
    sd_storage_rpc_batch_result (body, 0, NULL, out_first_body);
  return (guint) code;
}

JsonArray *
sd_storage_rpc_snodes (JsonNode *body)
{
  return sd_json_get_array (as_object (body), "snodes");
}

/* what a sent message's hash is kept as: 2.8's base64, or the 128 hex characters of older
 * servers (protocol-identity-and-messages.md §5) — not whatever a node writes there */
static gboolean
plausible_store_hash (const gchar *hash)
{
  gsize len = strlen (hash);

  if (len == 0 || len > 128)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (hash[i]) && strchr ("+/=-_", hash[i]) == NULL)
      return FALSE;
  return TRUE;
}

gchar *
sd_storage_rpc_parse_store (guint status, JsonNode *body, GError **error)
{
  const gchar *hash = sd_json_get_string (as_object (body), "hash");

  if (status == 200 && hash != NULL && plausible_store_hash (hash))
    return g_strdup (hash);
  if (status == 200 && hash != NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "the node answered the store with a malformed hash");
    return NULL;
  }
  if (body != NULL && JSON_NODE_HOLDS_VALUE (body) &&
      json_node_get_value_type (body) == G_TYPE_STRING)
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "the network refused the message (%u: %s)", status, json_node_get_string (body));
  else
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "the network refused the message (%u)", status);
  return NULL;
}

void
sd_retrieve_item_free (SdRetrieveItem *item)
{
  if (item == NULL)
    return;
  g_free (item->hash);
  g_free (item->data_b64);
  g_free (item);
}

gboolean
sd_storage_rpc_parse_missing_node (const gchar *text, gsize len, guint8 ed25519_pk[32])
{
  static const gchar *const prefixes[] = { "Next node not found: ",
                                           "Next node is currently unreachable: " };

  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++) {
    gsize prefix_len = strlen (prefixes[i]);

    if (len >= prefix_len + 64 && memcmp (text, prefixes[i], prefix_len) == 0) {
      g_autofree gchar *hex = g_strndup (text + prefix_len, 64);

      return strlen (hex) == 64 && sd_hex_decode_exact (hex, ed25519_pk, 32, NULL);
    }
  }
  return FALSE;
}

gboolean
sd_storage_rpc_valid_hash (const gchar *hash)
{
  guint8 digest[32];

  /* the unpadded canonical form only: 43 characters for the 32 bytes */
  return hash != NULL && strlen (hash) == SD_STORAGE_HASH_LEN &&
         sd_base64_decode_exact (hash, digest, sizeof digest, NULL);
}

GPtrArray *
sd_storage_rpc_parse_retrieve (JsonNode *body, gboolean *out_more, GError **error)
{
  JsonObject *object = as_object (body);
  JsonArray *messages = sd_json_get_array (object, "messages");
  GPtrArray *items;
  guint n, dropped = 0;
  gboolean truncated = FALSE;

  if (object == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "not a retrieve answer");
    return NULL;
  }
  /* an answer without messages has none */
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);
  n = messages != NULL ? json_array_get_length (messages) : 0;
  for (guint i = 0; i < n; i++) {
    JsonObject *message = sd_json_array_get_object (messages, i);
    const gchar *hash = sd_json_get_string (message, "hash");
    const gchar *data = sd_json_get_string (message, "data");
    SdRetrieveItem *item;

    if (items->len == SD_RETRIEVE_MAX_ITEMS) {
      /* the rest comes with the next page: the last hash kept is where it resumes */
      truncated = TRUE;
      break;
    }
    if (hash == NULL || data == NULL || !sd_storage_rpc_valid_hash (hash) ||
        strlen (data) > SD_STORAGE_MAX_DATA_B64) {
      dropped++;
      continue;
    }
    item = g_new0 (SdRetrieveItem, 1);
    item->hash = g_strdup (hash);
    item->data_b64 = g_strdup (data);
    item->timestamp = sd_json_get_int (message, "timestamp", 0);
    item->expiration = sd_json_get_int (message, "expiration", 0);
    g_ptr_array_add (items, item);
  }
  if (dropped > 0)
    g_debug ("retrieve: dropped %u items without a well-formed hash or with oversize data",
             dropped);
  if (truncated)
    g_debug ("retrieve: page of %u items cut to %u", n, SD_RETRIEVE_MAX_ITEMS);
  if (out_more != NULL)
    *out_more = truncated || sd_json_get_bool (object, "more", FALSE);
  return items;
}
