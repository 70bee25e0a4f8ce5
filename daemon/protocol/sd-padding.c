/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-padding.h"

#include <string.h>

gsize
sd_padded_length (gsize len)
{
  /* libsession's rule: when len + 1 is already a whole number of blocks
   * a further block of zeros is added (159 → 320) */
  return ((len + 1) / SD_PADDING_BLOCK + 1) * SD_PADDING_BLOCK;
}

GBytes *
sd_pad (const guint8 *data, gsize len)
{
  gsize total = sd_padded_length (len);
  guint8 *out = g_malloc0 (total);

  if (len > 0)
    memcpy (out, data, len);
  out[len] = 0x80;
  return g_bytes_new_take (out, total);
}

gboolean
sd_unpad_strict (const guint8 *data, gsize len, gsize *content_len)
{
  gsize i = len;

  while (i > 0 && data[i - 1] == 0x00)
    i--;
  if (i == 0 || data[i - 1] != 0x80)
    return FALSE;
  *content_len = i - 1;
  return TRUE;
}

gsize
sd_unpadded_length (const guint8 *data, gsize len)
{
  gsize content_len;

  /* not padded: senders are not required to pad */
  return sd_unpad_strict (data, len, &content_len) ? content_len : len;
}
