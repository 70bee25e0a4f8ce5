/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the client reading a guard's 200 reply: base64 (or the legacy JSON
 * wrapper), decryption with the request's key, the status JSON */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-onion-request.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* the aes-gcm layer key of protocol-network.md §9.1, used for both
 * ciphers; the seed replies were encrypted with it */
static const guint8 reply_key[SD_ONION_KEY_LEN] = {
  0x4f, 0x31, 0x0f, 0x62, 0xc4, 0x3f, 0x14, 0xd7, 0xfe, 0xa7, 0xc0, 0x84, 0x81, 0x9a, 0x4e, 0x39,
  0x4d, 0x9f, 0xc7, 0x00, 0x59, 0x19, 0x27, 0x5a, 0xc1, 0x8d, 0x9e, 0xb8, 0xbf, 0x3e, 0x42, 0x31,
};

static void
decode_with (SdOnionCipher cipher, const uint8_t *data, size_t size)
{
  SdOnionRequest request = { NULL, cipher, { 0 } };
  g_autofree gchar *body = NULL;
  guint status = 0;

  memcpy (request.reply_key, reply_key, sizeof reply_key);
  if (sd_onion_response_decode (&request, (const gchar *) data, size, &status, &body, NULL)) {
    if (body == NULL || status < 100 || status > 599 || !g_utf8_validate (body, -1, NULL))
      abort ();
  } else if (body != NULL) {
    abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (sodium_init () < 0)
    abort ();
  if (crypto_aead_aes256gcm_is_available ())
    decode_with (SD_ONION_CIPHER_AES_GCM, data, size);
  decode_with (SD_ONION_CIPHER_XCHACHA20, data, size);
  return 0;
}
