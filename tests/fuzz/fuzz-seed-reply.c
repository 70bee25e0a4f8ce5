/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sd_seed_parse_reply: a seed's JSON-RPC answer (get_n_service_nodes);
 * every node it returns has an address, a port and its keys */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-seed.h"
#include "sd-snode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = sd_seed_parse_reply (body, &error);

  if (nodes == NULL) {
    if (error == NULL)
      abort ();
    return 0;
  }
  if (nodes->len == 0)
    abort ();
  for (guint i = 0; i < nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (nodes, i);

    if (node->ip == NULL || node->ip[0] == '\0' || node->port == 0 ||
        strlen (node->ed25519_hex) != 64)
      abort ();
    g_free (sd_snode_url (node, TRUE, "/storage_rpc/v1"));
  }
  return 0;
}
