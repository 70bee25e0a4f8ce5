/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the merge of several config messages. The input is a series of records,
 * each a 2-byte big-endian length and that many bytes of plaintext message.
 * Whatever comes out must parse again, and merging the same messages in
 * the reverse order must give the same bytes: every client converges */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sd-config-merge.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GBytes *
merge_bytes (GPtrArray *plain)
{
  g_autoptr(SdConfigMessage) merged = sd_config_merge (plain, SD_CONFIG_DEFAULT_LAG, NULL, NULL,
                                                       NULL);
  g_autoptr(SdConfigMessage) reparsed = NULL;
  GBytes *bytes;

  if (merged == NULL)
    return NULL;
  bytes = sd_config_message_serialize (merged);
  reparsed = sd_config_message_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      SD_CONFIG_DEFAULT_LAG, NULL);
  if (reparsed == NULL)
    abort ();
  return bytes;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) reversed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  size_t pos = 0;

  while (pos + 2 <= size && plain->len < 8) {
    size_t len = ((size_t) data[pos] << 8) | data[pos + 1];

    pos += 2;
    if (len > size - pos)
      len = size - pos;
    g_ptr_array_add (plain, g_bytes_new (data + pos, len));
    pos += len;
  }
  if (plain->len == 0)
    return 0;
  for (guint i = plain->len; i > 0; i--)
    g_ptr_array_add (reversed, g_bytes_ref (g_ptr_array_index (plain, i - 1)));

  a = merge_bytes (plain);
  b = merge_bytes (reversed);
  if ((a == NULL) != (b == NULL) || (a != NULL && !g_bytes_equal (a, b)))
    abort ();
  return 0;
}
