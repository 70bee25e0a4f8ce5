/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group message decryption. The first byte picks: 0 encrypts the rest
 * (taken as the inner bencoded envelope, with its padding) under the fixed
 * key so that the fuzzer reaches the envelope checks; 1 encrypts the rest
 * as a plaintext with sd_group_message_encrypt, which must decrypt back to
 * the same bytes; anything else decrypts the rest as it came. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-group-fixture.h"
#include "sd-group-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(FuzzGroup) fx = { 0 };
  SdGroupKeyBytes keys[2];
  g_autoptr(GBytes) ct = NULL;
  g_autoptr(GBytes) pt = NULL;
  gchar sender[67];

  if (size < 1)
    return 0;
  if (sodium_init () < 0)
    abort ();
  fuzz_group_fixture (&fx.admin_group, &fx.member_group, &fx.admin, &fx.member);
  memset (keys[0], 0x11, 32);
  memset (keys[1], FUZZ_KEY_BYTE, 32);
  if (data[0] == 0) {
    guint8 *buf = g_malloc (size - 1 + 40);
    guint8 nonce[24] = { 0 };

    memcpy (buf, nonce, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt (buf + 24, NULL, data + 1, size - 1, NULL, 0, NULL,
                                                nonce, keys[1]);
    ct = g_bytes_new_take (buf, size - 1 + 40);
  } else if (data[0] == 1) {
    g_autoptr(GBytes) back = NULL;

    ct = sd_group_message_encrypt (&fx.member, keys[1], data + 1, size - 1, NULL);
    if (ct == NULL) {
      if (size - 1 > 0 && size - 1 <= SD_GROUP_MESSAGE_MAX_PLAINTEXT)
        abort ();
      return 0;
    }
    back = sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2,
                                     g_bytes_get_data (ct, NULL), g_bytes_get_size (ct), sender,
                                     NULL, NULL);
    if (back == NULL || g_bytes_get_size (back) != size - 1 ||
        memcmp (g_bytes_get_data (back, NULL), data + 1, size - 1) != 0 ||
        strcmp (sender, fx.member.session_id) != 0)
      abort ();
    return 0;
  } else {
    ct = g_bytes_new (data + 1, size - 1);
  }
  pt = sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2, g_bytes_get_data (ct, NULL),
                                 g_bytes_get_size (ct), sender, NULL, NULL);
  if (pt != NULL && (g_bytes_get_size (pt) == 0 ||
                     g_bytes_get_size (pt) > SD_GROUP_MESSAGE_MAX_PLAINTEXT ||
                     strncmp (sender, "05", 2) != 0))
    abort ();
  return 0;
}
