/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the receive path: arbitrary bytes as a retrieved item's raw data, and as
 * its base64 text */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sd-keys.h"
#include "sd-wire.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static SdIdentity recipient;
  static gboolean ready = FALSE;
  g_auto(SdWireMessage) msg = { 0 };
  g_autofree gchar *text = NULL;

  if (!ready) {
    /* the recipient of the seed corpus: seed 2 of the protocol vectors */
    const guint8 seed[32] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                              0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

    sd_identity_from_seed (&recipient, seed);
    ready = TRUE;
  }

  if (sd_wire_unwrap_bytes (&recipient, data, size, &msg, NULL)) {
    /* a decoded message always names a sender and has content */
    if (strlen (msg.sender) != SD_SESSION_ID_LEN || msg.content == NULL)
      __builtin_trap ();
  }
  sd_wire_message_clear (&msg);

  text = g_strndup ((const gchar *) data, size);
  if (sd_wire_unwrap (&recipient, text, &msg, NULL) && msg.content == NULL)
    __builtin_trap ();
  return 0;
}
