/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the onion layer framing LE32(n) || blob(n) || json (protocol-network.md
 * §6.3); every byte here comes from the network, so nothing is trusted */
#define G_LOG_DOMAIN "SdOnionLayer"

#include "config.h"

#include "sd-onion-layer.h"

#include <string.h>

#include "sd-json.h"
#include "sd-protocol-error.h"

/**
 * sd_onion_layer_build:
 * @blob: (array length=blob_len): the payload, usually a ciphertext
 * @blob_len: its length, at most %G_MAXUINT32
 * @json: the trailing JSON text
 *
 * Returns: (transfer full): LE32(@blob_len) || @blob || @json
 */
GBytes *
sd_onion_layer_build (const guint8 *blob, gsize blob_len, const gchar *json)
{
  GByteArray *out;
  guint32 prefix;

  g_return_val_if_fail (blob != NULL || blob_len == 0, NULL);
  g_return_val_if_fail (blob_len <= G_MAXUINT32, NULL);
  g_return_val_if_fail (json != NULL, NULL);

  prefix = GUINT32_TO_LE ((guint32) blob_len);
  out = g_byte_array_sized_new (4 + blob_len + strlen (json));
  g_byte_array_append (out, (const guint8 *) &prefix, 4);
  if (blob_len > 0)
    g_byte_array_append (out, blob, blob_len);
  g_byte_array_append (out, (const guint8 *) json, strlen (json));
  return g_byte_array_free_to_bytes (out);
}

/**
 * sd_onion_layer_parse:
 * @data: (array length=len): a layer plaintext or an /onion_req/v2 body
 * @len: its length
 * @blob: (out) (optional) (transfer none): the payload, inside @data
 * @blob_len: (out) (optional): its length
 * @json: (out) (optional) (transfer full): the trailing JSON object
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %SD_PROTOCOL_ERROR_MALFORMED otherwise
 */
gboolean
sd_onion_layer_parse (const guint8 *data,
                      gsize len,
                      const guint8 **blob,
                      gsize *blob_len,
                      JsonObject **json,
                      GError **error)
{
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(GError) local_error = NULL;
  guint32 n;
  gsize json_len;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len < 4) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "onion layer of %" G_GSIZE_FORMAT " bytes is too short for its length prefix",
                 len);
    return FALSE;
  }
  memcpy (&n, data, 4);
  n = GUINT32_FROM_LE (n);
  if (n > len - 4) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "onion layer announces %u payload bytes but only %" G_GSIZE_FORMAT " follow",
                 n, len - 4);
    return FALSE;
  }
  json_len = len - 4 - n;
  if (json_len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "onion layer has no JSON after its payload");
    return FALSE;
  }
  obj = sd_json_parse_object ((const gchar *) data + 4 + n, json_len, &local_error);
  if (obj == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "onion layer: %s", local_error->message);
    return FALSE;
  }

  if (blob != NULL)
    *blob = data + 4;
  if (blob_len != NULL)
    *blob_len = n;
  if (json != NULL)
    *json = g_steal_pointer (&obj);
  return TRUE;
}
