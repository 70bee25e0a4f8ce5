/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the metadata helper's container walk (daemon/sd-image-chunks.c) on any bytes: it stays
 * within them, and what it keeps is a fixed point (walking it again keeps the same bytes) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-image-chunks.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GByteArray) once = g_byte_array_new ();
  g_autoptr(GByteArray) twice = g_byte_array_new ();
  /* the first byte picks the orientation a JPEG gets back (0–9: none, valid, out of range) */
  guint orientation = size > 0 ? data[0] % 10 : 0;

  if (size > 0) {
    data++;
    size--;
  }
  if (sd_image_chunks_keep (data, size, orientation, once) != SD_IMAGE_CHUNKS_KEPT)
    return 0;
  /* nothing grows but a JPEG's Exif (36 bytes) and a WebP's pad bytes */
  if (once->len > size + 36 + size / 8 + 1)
    abort ();
  if (sd_image_chunks_keep (once->data, once->len, orientation, twice) != SD_IMAGE_CHUNKS_KEPT ||
      twice->len != once->len || memcmp (twice->data, once->data, once->len) != 0)
    abort ();
  return 0;
}
