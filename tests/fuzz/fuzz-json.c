/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sd_json_parse, the strict parser every network reply goes through: it
 * refuses text with a NUL byte or invalid UTF-8, its object variant agrees
 * with it, and what it accepts json-glib can print. (Printing and parsing
 * again is not checked: json-glib prints 1e308 as "1e+308.0", which the
 * strict grammar rightly refuses.) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) node = sd_json_parse ((const gchar *) data, size, NULL);
  g_autoptr(JsonObject) object = sd_json_parse_object ((const gchar *) data, size, NULL);
  g_autofree gchar *text = NULL;

  /* the object variant agrees with the general one */
  if ((object != NULL) != (node != NULL && JSON_NODE_HOLDS_OBJECT (node)))
    abort ();
  if (node == NULL)
    return 0;
  if (memchr (data, 0, size) != NULL || !g_utf8_validate_len ((const gchar *) data, size, NULL))
    abort ();
  text = json_to_string (node, FALSE);
  if (text == NULL)
    abort ();
  return 0;
}
