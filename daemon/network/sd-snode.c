/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSnode"

#include "sd-snode.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-network-error.h"

static void
snode_clear (gpointer data)
{
  SdSnode *node = data;

  g_free (node->ip);
}

SdSnode *
sd_snode_new (const gchar *ed25519_hex,
              const gchar *x25519_hex,
              const gchar *ip,
              guint port,
              guint64 swarm_id,
              GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 ed[32], x[32];
  SdSnode *node;

  if (ed25519_hex == NULL || !sd_hex_decode_exact (ed25519_hex, ed, 32, &local_error)) {
    g_set_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                 "node has no valid Ed25519 key%s%s", local_error != NULL ? ": " : "",
                 local_error != NULL ? local_error->message : "");
    return NULL;
  }
  if (!sd_ed25519_pk_to_x25519 (ed, x)) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "node Ed25519 key is not a valid point");
    return NULL;
  }
  if (x25519_hex != NULL) {
    guint8 advertised[32];

    if (!sd_hex_decode_exact (x25519_hex, advertised, 32, NULL) ||
        memcmp (advertised, x, 32) != 0) {
      g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                           "node X25519 key does not match its Ed25519 key");
      return NULL;
    }
  }
  if (ip == NULL || *ip == '\0' || g_str_equal (ip, "0.0.0.0") ||
      !g_hostname_is_ip_address (ip)) {
    g_set_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                 "node has no usable address");
    return NULL;
  }
  if (port == 0 || port > G_MAXUINT16) {
    g_set_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                 "node port %u is invalid", port);
    return NULL;
  }

  node = g_atomic_rc_box_new0 (SdSnode);
  sodium_bin2hex (node->ed25519_hex, sizeof node->ed25519_hex, ed, 32);
  memcpy (node->keys.ed25519_pk, ed, 32);
  memcpy (node->keys.x25519_pk, x, 32);
  node->ip = g_strdup (ip);
  node->port = (guint16) port;
  node->swarm_id = swarm_id;
  return node;
}

static guint64
json_u64 (JsonObject *object, const gchar *member, guint64 fallback)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (guint64) json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (guint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING) {
    /* get_swarm gives the https port as a string, swarm ids as hex */
    const gchar *text = json_node_get_string (node);
    guint64 value;

    if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &value, NULL))
      return value;
  }
  return fallback;
}

static const gchar *
json_str (JsonObject *object, const gchar *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

SdSnode *
sd_snode_new_from_json (JsonObject *object, GError **error)
{
  const gchar *ip = json_str (object, "public_ip");
  guint64 port = json_u64 (object, "storage_port", 0);

  if (ip == NULL)
    ip = json_str (object, "ip");
  if (port == 0)
    port = json_u64 (object, "port_https", 0);
  if (port == 0)
    port = json_u64 (object, "port", 0);
  return sd_snode_new (json_str (object, "pubkey_ed25519"), json_str (object, "pubkey_x25519"),
                       ip, port > G_MAXUINT16 ? 0 : (guint) port,
                       json_u64 (object, "swarm_id", G_MAXUINT64), error);
}

SdSnode *
sd_snode_ref (SdSnode *node)
{
  return g_atomic_rc_box_acquire (node);
}

void
sd_snode_unref (SdSnode *node)
{
  g_atomic_rc_box_release_full (node, snode_clear);
}

gchar *
sd_snode_url (const SdSnode *node, gboolean tls, const gchar *path)
{
  return g_strdup_printf ("%s://%s:%u%s", tls ? "https" : "http", node->ip, node->port, path);
}

gboolean
sd_snode_equal (const SdSnode *a, const SdSnode *b)
{
  return memcmp (a->keys.ed25519_pk, b->keys.ed25519_pk, 32) == 0;
}

GPtrArray *
sd_snode_list_from_json (JsonArray *array)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);
    SdSnode *node;

    if (!JSON_NODE_HOLDS_OBJECT (element))
      continue;
    node = sd_snode_new_from_json (json_node_get_object (element), NULL);
    if (node != NULL)
      g_ptr_array_add (nodes, node);
  }
  return nodes;
}
