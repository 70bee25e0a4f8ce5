/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the decoder is strict, so whatever it accepts must encode back to the
 * very same bytes */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-bencode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(SdBencode) value = sd_bencode_decode (data, size, NULL);
  g_autoptr(GBytes) again = NULL;

  if (value == NULL)
    return 0;
  again = sd_bencode_encode (value);
  if (g_bytes_get_size (again) != size || memcmp (g_bytes_get_data (again, NULL), data, size) != 0)
    abort ();
  return 0;
}
