/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reading storage RPC parameters the way the reference does: strict
 * types, its error texts, and its signature rules (protocol-network.md
 * §1, §4.3) */
#define G_LOG_DOMAIN "StParams"

#include "config.h"

#include "st-params.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-request-sign.h"
#include "st-network.h"

#define PARAM_ERROR (g_quark_from_static_string ("st-param-error"))

static JsonNode *
member (JsonObject *params, const gchar *name, const gchar *alias)
{
  JsonNode *node = json_object_get_member (params, name);

  if (node == NULL && alias != NULL)
    node = json_object_get_member (params, alias);
  return node;
}

static gboolean
missing (const gchar *name, GError **error)
{
  g_set_error (error, PARAM_ERROR, 0, "required field '%s' missing", name);
  return FALSE;
}

gboolean
st_param_string (JsonObject *params,
                 const gchar *name,
                 const gchar *alias,
                 gboolean required,
                 const gchar **out,
                 GError **error)
{
  JsonNode *node = member (params, name, alias);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? missing (name, error) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must be a string", name);
    return FALSE;
  }
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
st_param_uint (JsonObject *params,
               const gchar *name,
               gboolean allow_string,
               gboolean required,
               guint64 *out,
               gboolean *present,
               GError **error)
{
  JsonNode *node = member (params, name, NULL);

  *out = 0;
  if (present != NULL)
    *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? missing (name, error) : TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
      json_node_get_int (node) >= 0) {
    *out = (guint64) json_node_get_int (node);
  } else if (allow_string && JSON_NODE_HOLDS_VALUE (node) &&
             json_node_get_value_type (node) == G_TYPE_STRING) {
    const gchar *text = json_node_get_string (node);

    if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, out, NULL)) {
      g_set_error (error, PARAM_ERROR, 0, "field '%s' is not a valid integer string", name);
      return FALSE;
    }
  } else {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must be an unsigned integer", name);
    return FALSE;
  }
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
st_param_timestamp (JsonObject *params,
                    const gchar *name,
                    gboolean allow_string,
                    gboolean required,
                    guint64 *out,
                    gboolean *present,
                    GError **error)
{
  gboolean here = FALSE;

  if (!st_param_uint (params, name, allow_string, required, out, &here, error))
    return FALSE;
  if (here && *out < G_GUINT64_CONSTANT (1000000000)) {
    g_set_error (error, PARAM_ERROR, 0, "%s: timestamp must be in milliseconds", name);
    return FALSE;
  }
  if (present != NULL)
    *present = here;
  return TRUE;
}

gboolean
st_param_int (JsonObject *params, const gchar *name, gint64 *out, gboolean *present, GError **error)
{
  JsonNode *node = member (params, name, NULL);

  *out = 0;
  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64) {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must be an integer", name);
    return FALSE;
  }
  *out = json_node_get_int (node);
  *present = TRUE;
  return TRUE;
}

gboolean
st_param_namespace (JsonObject *params, gint *out, gboolean *all, GError **error)
{
  JsonNode *node = member (params, "namespace", NULL);
  gint64 value;

  *out = 0;
  if (all != NULL)
    *all = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (all != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING &&
      strcmp (json_node_get_string (node), "all") == 0) {
    *all = TRUE;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64) {
    g_set_error_literal (error, PARAM_ERROR, 0,
                         all != NULL ? "namespace must be an integer or \"all\""
                                     : "namespace must be an integer");
    return FALSE;
  }
  value = json_node_get_int (node);
  if (value < ST_NS_MIN || value > ST_NS_MAX) {
    g_set_error (error, PARAM_ERROR, 0, "namespace %" G_GINT64_FORMAT " is out of range", value);
    return FALSE;
  }
  *out = (gint) value;
  return TRUE;
}

gboolean
st_param_bool (JsonObject *params, const gchar *name, gboolean *out, GError **error)
{
  JsonNode *node = member (params, name, NULL);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must be a boolean", name);
    return FALSE;
  }
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
valid_hash (const gchar *text)
{
  if (strlen (text) != 43)
    return FALSE;
  for (const gchar *p = text; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      return FALSE;
  }
  return TRUE;
}

gchar **
st_param_hashes (JsonObject *params, const gchar *name, GError **error)
{
  JsonNode *node = member (params, name, NULL);
  g_autoptr(GPtrArray) out = NULL;
  JsonArray *array;
  guint n;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    missing (name, error);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must be a list of message hashes", name);
    return NULL;
  }
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0) {
    g_set_error (error, PARAM_ERROR, 0, "field '%s' must not be empty", name);
    return NULL;
  }
  out = g_ptr_array_new_full (n + 1, g_free);
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);

    if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING ||
        !valid_hash (json_node_get_string (item))) {
      g_set_error (error, PARAM_ERROR, 0, "%s: invalid message hash", name);
      return NULL;
    }
    g_ptr_array_add (out, g_strdup (json_node_get_string (item)));
  }
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

gboolean
st_param_account (JsonObject *params, StAccount *account, GError **error)
{
  const gchar *text = NULL;

  if (!st_param_string (params, "pubkey", "pubKey", TRUE, &text, error))
    return FALSE;
  if (strlen (text) != 66 || !sd_hex_decode_exact (text, account->id, 33, NULL)) {
    g_set_error_literal (error, PARAM_ERROR, 0, "invalid pubkey: expected 66 hex digits");
    return FALSE;
  }
  for (guint i = 0; i < 66; i++)
    account->hex[i] = g_ascii_tolower (text[i]);
  account->hex[66] = '\0';
  return TRUE;
}

void
st_reply_invalid (StReply *reply, const GError *error)
{
  st_reply_printf (reply, 400, "invalid request: %s", error->message);
}

void
st_reply_wrong_swarm (StNode *node, const guint8 account[33], StReply *reply)
{
  guint64 swarm = st_network_swarm_for (node->network, account);
  g_autoptr(JsonObject) body = st_network_swarm_json (node->network, swarm);

  st_rpc_add_t_hf (node, body);
  st_reply_json (reply, 421, body);
}

gboolean
st_check_account (StNode *node, JsonObject *params, StAccount *account, StReply *reply)
{
  g_autoptr(GError) error = NULL;

  if (!st_param_account (params, account, &error)) {
    st_reply_invalid (reply, error);
    return FALSE;
  }
  if (node->foreign || st_network_swarm_for (node->network, account->id) != node->swarm_id) {
    st_reply_wrong_swarm (node, account->id, reply);
    return FALSE;
  }
  return TRUE;
}

/* the 36-byte token from 72 hex digits or 48 base64 characters */
static gboolean
parse_token (const gchar *text, guint8 token[ST_TOKEN_LEN])
{
  g_autoptr(GBytes) bytes = NULL;

  if (strlen (text) == 2 * ST_TOKEN_LEN)
    return sd_hex_decode_exact (text, token, ST_TOKEN_LEN, NULL);
  if (strlen (text) != ST_TOKEN_LEN * 4 / 3)
    return FALSE;
  bytes = sd_base64_decode (text, -1, NULL);
  if (bytes == NULL || g_bytes_get_size (bytes) != ST_TOKEN_LEN)
    return FALSE;
  memcpy (token, g_bytes_get_data (bytes, NULL), ST_TOKEN_LEN);
  return TRUE;
}

gboolean
st_param_token (const gchar *text, guint8 token[ST_TOKEN_LEN])
{
  return parse_token (text, token);
}

/* 64 bytes of base64: 86 characters, or 88 ending in "==" */
static GBytes *
signature_bytes (const gchar *sig)
{
  gsize len = strlen (sig);
  g_autoptr(GBytes) bytes = NULL;

  if (len != 86 && !(len == 88 && strcmp (sig + 86, "==") == 0))
    return NULL;
  bytes = sd_base64_decode (sig, -1, NULL);
  if (bytes == NULL || g_bytes_get_size (bytes) != 64)
    return NULL;
  return g_steal_pointer (&bytes);
}

gboolean
st_check_signature_bytes (StNode *node,
                          JsonObject *params,
                          const StAccount *account,
                          const guint8 *data,
                          gsize len,
                          guint needed_flags,
                          StSigRule rule,
                          const gchar *fail_text,
                          StReply *reply,
                          gint *subaccount_flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) token_sig = NULL;
  const gchar *signature = NULL;
  const gchar *ed_hex = NULL;
  const gchar *sub_text = NULL;
  const gchar *sub_sig = NULL;
  guint8 owner_key[32];
  guint8 signing_key[32];
  guint8 token[ST_TOKEN_LEN];

  if (subaccount_flags != NULL)
    *subaccount_flags = -1;
  if (!st_param_string (params, "signature", NULL, TRUE, &signature, &error) ||
      !st_param_string (params, "pubkey_ed25519", NULL, FALSE, &ed_hex, &error) ||
      (rule != ST_SIG_OWNER_ONLY &&
       (!st_param_string (params, "subaccount", NULL, FALSE, &sub_text, &error) ||
        !st_param_string (params, "subaccount_sig", NULL, FALSE, &sub_sig, &error)))) {
    st_reply_invalid (reply, error);
    return FALSE;
  }
  sig = signature_bytes (signature);
  if (sig == NULL) {
    st_reply_text (reply, 400,
                   "invalid request: invalid signature: expected base64 encoded Ed25519 signature");
    return FALSE;
  }
  /* an empty token counts as none, and a token needs its signature */
  if (sub_text != NULL && sub_text[0] == '\0')
    sub_text = NULL;
  if (sub_text != NULL) {
    if (sub_sig == NULL) {
      st_reply_text (reply, 400, "invalid request: invalid subaccount: subaccount_sig is "
                                 "required when using subaccount");
      return FALSE;
    }
    if (!parse_token (sub_text, token)) {
      st_reply_text (reply, 400, "invalid request: invalid subaccount: expected base64 or "
                                 "hex-encoded subaccount token");
      return FALSE;
    }
    token_sig = signature_bytes (sub_sig);
    if (token_sig == NULL) {
      st_reply_text (reply, 400, "invalid request: invalid subaccount signature: expected "
                                 "base64 encoded Ed25519 signature");
      return FALSE;
    }
  }

  memcpy (owner_key, account->id + 1, 32);
  if (ed_hex != NULL) {
    guint8 x25519[32];

    if (account->id[0] != 0x05) {
      st_reply_text (reply, 400,
                     "invalid request: pubkey_ed25519 is only permitted for 05 pubkeys");
      return FALSE;
    }
    if (strlen (ed_hex) != 64 || !sd_hex_decode_exact (ed_hex, owner_key, 32, NULL)) {
      st_reply_text (reply, 400, "invalid request: invalid pubkey_ed25519");
      return FALSE;
    }
    /* the claimed Ed25519 key must be the one behind the X25519 id */
    if (!sd_ed25519_pk_to_x25519 (owner_key, x25519) ||
        sodium_memcmp (x25519, account->id + 1, 32) != 0) {
      st_reply_text (reply, 401, "Pubkey_ed25519 does not correspond to pubkey");
      return FALSE;
    }
  }
  /* an 03 (or other) account signs with its own 32 key bytes */
  memcpy (signing_key, owner_key, 32);

  if (sub_text != NULL) {
    /* the reference's order: revoked, network prefix, flags, the owner's grant; each failure
     * is the method's plain "signature verification failed" */
    if (rule != ST_SIG_SUBACCOUNT_UNREVOCABLE &&
        st_storage_is_revoked (node->storage, account->hex, token)) {
      g_debug ("refused a revoked subaccount token");
      st_reply_printf (reply, 401, "%s", fail_text);
      return FALSE;
    }
    if ((!(token[1] & ST_SUBACCOUNT_ANY_PREFIX) && token[0] != account->id[0]) ||
        (token[1] & needed_flags) != needed_flags ||
        crypto_sign_ed25519_verify_detached (g_bytes_get_data (token_sig, NULL), token,
                                             ST_TOKEN_LEN, owner_key) != 0) {
      st_reply_printf (reply, 401, "%s", fail_text);
      return FALSE;
    }
    memcpy (signing_key, token + 4, 32);
    if (subaccount_flags != NULL)
      *subaccount_flags = token[1];
  }

  if (crypto_sign_ed25519_verify_detached (g_bytes_get_data (sig, NULL), data, len,
                                           signing_key) != 0) {
    st_reply_printf (reply, 401, "%s", fail_text);
    return FALSE;
  }
  return TRUE;
}

gboolean
st_check_signature (StNode *node,
                    JsonObject *params,
                    const StAccount *account,
                    const gchar *text,
                    guint needed_flags,
                    const gchar *fail_text,
                    StReply *reply)
{
  return st_check_signature_bytes (node, params, account, (const guint8 *) text, strlen (text),
                                   needed_flags, ST_SIG_SUBACCOUNT, fail_text, reply, NULL);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

JsonArray *
st_json_sorted_strings (const gchar *const *strv, guint n)
{
  g_autofree const gchar **copy = g_new (const gchar *, n + 1);
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    copy[i] = strv[i];
  qsort (copy, n, sizeof *copy, compare_strings);
  for (guint i = 0; i < n; i++)
    json_array_add_string_element (array, copy[i]);
  return array;
}
