/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What sd-network.c and sd-sender.c read from a node's answer besides retrieved items, each
 * with the property the caller relies on (issue 14: a node is not trusted):
 * - the plain-text 502 naming a missing node: a key only when the text holds its 64 hex
 *   characters right after one of the two prefixes;
 * - the server time `t`: 0, or a `t` the body (or its first batch sub-result having one)
 *   really holds;
 * - a uniform batch failure: 0, or a 4xx/5xx code every sub-result carries;
 * - the members of a 421 (or get_swarm) body: never more nodes than entries, each with its
 *   keys and a port;
 * - the hash of a store: at most 128 characters of base64 or hex, never with an error set.
 * The input is a node's body as it arrives (text or JSON). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-snode.h"
#include "sd-storage-rpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_missing_node (const gchar *text, gsize len)
{
  guint8 key[32];
  gsize offset;

  if (!sd_storage_rpc_parse_missing_node (text, len, key))
    return;
  if (len >= 21 && memcmp (text, "Next node not found: ", 21) == 0)
    offset = 21;
  else if (len >= 36 && memcmp (text, "Next node is currently unreachable: ", 36) == 0)
    offset = 36;
  else
    abort ();
  {
    g_autofree gchar *hex = sd_hex_encode (key, 32);

    if (len < offset + 64 || g_ascii_strncasecmp (hex, text + offset, 64) != 0)
      abort ();
  }
}

static gboolean
holds_t (JsonObject *object, gint64 t)
{
  return object != NULL && json_object_has_member (object, "t") &&
         sd_json_get_int (object, "t", 0) == t;
}

static void
check_server_time (JsonNode *body)
{
  gint64 t = sd_storage_rpc_server_time (body);
  JsonObject *object;
  JsonArray *results;
  gboolean found = FALSE;

  if (t == 0)
    return;
  object = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  if (object == NULL)
    abort ();
  found = holds_t (object, t);
  results = sd_json_get_array (object, "results");
  for (guint i = 0; !found && results != NULL && i < json_array_get_length (results); i++)
    found = holds_t (sd_json_get_object (sd_json_array_get_object (results, i), "body"), t);
  if (!found)
    abort ();
}

static void
check_batch_failure (JsonNode *body)
{
  JsonNode *first = NULL;
  guint code = sd_storage_rpc_uniform_batch_failure (body, &first);
  gint64 each = 0;

  if (code == 0)
    return;
  if (code < 400 || code > 599)
    abort ();
  for (guint i = 0; sd_storage_rpc_batch_result (body, i, &each, NULL); i++)
    if (each != (gint64) code)
      abort ();
}

static void
check_members (JsonNode *body)
{
  JsonArray *snodes = sd_storage_rpc_snodes (body);
  g_autoptr(GPtrArray) members = NULL;

  if (snodes == NULL)
    return;
  members = sd_snode_list_from_json (snodes);
  if (members == NULL || members->len > json_array_get_length (snodes))
    abort ();
  for (guint i = 0; i < members->len; i++) {
    SdSnode *node = g_ptr_array_index (members, i);

    if (node->ip == NULL || node->port == 0 || strlen (node->ed25519_hex) != 64)
      abort ();
  }
}

static void
check_store_hash (JsonNode *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = sd_storage_rpc_parse_store (200, body, &error);

  if ((hash == NULL) == (error == NULL))
    abort ();
  if (hash != NULL && (hash[0] == '\0' || strlen (hash) > 128))
    abort ();
  for (gsize i = 0; hash != NULL && hash[i] != '\0'; i++)
    if (!g_ascii_isalnum (hash[i]) && strchr ("+/=-_", hash[i]) == NULL)
      abort ();
}

static void
check_all (JsonNode *body)
{
  check_server_time (body);
  check_batch_failure (body);
  check_members (body);
  check_store_hash (body);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) body = sd_storage_rpc_parse_body ((const gchar *) data, size);
  JsonNode *sub = NULL;

  if (body == NULL)
    abort ();
  check_missing_node ((const gchar *) data, size);
  check_all (body);
  for (guint i = 0; sd_storage_rpc_batch_result (body, i, NULL, &sub); i++)
    if (sub != NULL)
      check_all (sub);
  return 0;
}
