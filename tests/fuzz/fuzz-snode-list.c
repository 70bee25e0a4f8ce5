/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sd_snode_list_from_json: a node list as get_swarm, oxend_request or a
 * seed returns it (an array, or an object holding one as "snodes"); each
 * node it keeps is one sd_snode_new_from_json accepts on its own */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-json.h"
#include "sd-snode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) root = sd_json_parse ((const gchar *) data, size, NULL);
  g_autoptr(GPtrArray) nodes = NULL;
  JsonArray *array = NULL;
  guint accepted = 0;

  if (root == NULL)
    return 0;
  if (JSON_NODE_HOLDS_ARRAY (root))
    array = json_node_get_array (root);
  else if (JSON_NODE_HOLDS_OBJECT (root))
    array = sd_json_get_array (json_node_get_object (root), "snodes");
  if (array == NULL)
    return 0;
  nodes = sd_snode_list_from_json (array);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *object = sd_json_array_get_object (array, i);
    g_autoptr(SdSnode) node = object != NULL ? sd_snode_new_from_json (object, NULL) : NULL;

    accepted += node != NULL;
  }
  /* the list skips what the single parser refuses, nothing more */
  if (nodes->len != accepted)
    abort ();
  for (guint i = 0; i < nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (nodes, i);

    if (node->ip == NULL || node->port == 0 || !sd_snode_equal (node, node))
      abort ();
  }
  return 0;
}
