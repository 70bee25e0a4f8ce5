/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sd-storage-rpc's reply parsers, on whatever a node may answer: the body
 * is always a node, every parser copes with any shape, and a retrieve's
 * items always have a hash and data (the ingest relies on it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sd-storage-rpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
parse_all (JsonNode *body)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autofree gchar *hash = NULL;
  JsonNode *first = NULL;
  gboolean more = FALSE;

  (void) sd_storage_rpc_server_time (body);
  (void) sd_storage_rpc_uniform_batch_failure (body, &first);
  (void) sd_storage_rpc_snodes (body);
  hash = sd_storage_rpc_parse_store (200, body, NULL);
  items = sd_storage_rpc_parse_retrieve (body, &more, NULL);
  for (guint i = 0; items != NULL && i < items->len; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (items, i);

    if (item->hash == NULL || item->data_b64 == NULL)
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) body = sd_storage_rpc_parse_body ((const gchar *) data, size);
  JsonNode *sub = NULL;
  gint64 code = 0;

  if (body == NULL)
    abort ();
  parse_all (body);
  /* and each sub-result of a batch, as the poller reads them */
  for (guint i = 0; sd_storage_rpc_batch_result (body, i, &code, &sub); i++)
    if (sub != NULL)
      parse_all (sub);
  return 0;
}
