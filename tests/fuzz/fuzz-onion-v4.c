/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion v4: the client reading a server's reply and the server reading
 * a request. Byte 0 picks the path; the reply path seals the rest with
 * the target's fixed key first, so the bencode/JSON parsing is reached, and reads it a second
 * time in place (sd_onion_v4_response_decode_owned), which must agree */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-onion-v4.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SdOnionRequest request = { NULL, SD_ONION_CIPHER_XCHACHA20, { 0 } };

  if (sodium_init () < 0)
    abort ();
  if (size < 1)
    return 0;
  memset (request.reply_key, 0x42, sizeof request.reply_key);

  switch (data[0] % 3) {
  case 0: {
    g_autoptr(GBytes) sealed = sd_onion_encrypt (request.cipher, request.reply_key, data + 1,
                                                 size - 1, NULL);
    g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };
    g_autoptr(GError) error = NULL;

    g_auto(SdOnionV4Response) owned = { 0, NULL, NULL };
    gboolean ok, ok_owned;

    ok = sd_onion_v4_response_decode (&request, g_bytes_get_data (sealed, NULL),
                                      g_bytes_get_size (sealed), &resp, &error);
    if (ok) {
      if (resp.status < 100 || resp.status > 599 || resp.headers == NULL || error != NULL)
        abort ();
    } else if (error == NULL || resp.headers != NULL) {
      abort ();
    }
    /* a copy, so that the in-place decryption has the buffer to itself */
    ok_owned = sd_onion_v4_response_decode_owned (
      &request, g_bytes_new (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed)),
      &owned, NULL);
    if (ok != ok_owned || (ok && (resp.status != owned.status ||
                                  (resp.body == NULL) != (owned.body == NULL) ||
                                  (resp.body != NULL && !g_bytes_equal (resp.body, owned.body)) ||
                                  g_hash_table_size (resp.headers) !=
                                    g_hash_table_size (owned.headers))))
      abort ();
    break;
  }
  case 1: {
    g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };

    if (sd_onion_v4_response_decode (&request, data + 1, size - 1, &resp, NULL))
      abort (); /* nothing unsealed can authenticate */
    break;
  }
  default: {
    g_autofree gchar *method = NULL, *endpoint = NULL;
    g_autoptr(JsonObject) headers = NULL;
    g_autoptr(GBytes) body = NULL;

    if (sd_onion_v4_payload_parse (data + 1, size - 1, &method, &endpoint, &headers, &body,
                                   NULL)) {
      if (method == NULL || endpoint == NULL || endpoint[0] != '/' || headers == NULL)
        abort ();
    }
    break;
  }
  }
  return 0;
}
