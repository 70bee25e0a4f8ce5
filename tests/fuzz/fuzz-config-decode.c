/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the config decoder, inner to outer. The first byte picks the layer:
 * 0 parses a plaintext message, which must then serialise back to the
 * same bytes (and its successor must parse); 1 opens the rest as a
 * decrypted blob (padding, "z", "m", type byte); anything else goes
 * through the whole receive path with a fixed account (wrapper, size
 * limit, decryption) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-config-crypto.h"
#include "sd-config-message.h"
#include "sd-config-push.h"
#include "sd-keys.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* whatever parses serialises to bytes that parse to the same bytes again
 * (the first round may drop a signature and lagged diffs out of the
 * window), and its successor parses too */
static void
parse_roundtrip (const uint8_t *data, size_t size)
{
  g_autoptr(SdConfigMessage) m = sd_config_message_parse (data, size, SD_CONFIG_DEFAULT_LAG, NULL);
  g_autoptr(SdConfigMessage) again = NULL;
  g_autoptr(SdConfigMessage) next = NULL;
  g_autoptr(SdConfigMessage) next_parsed = NULL;
  g_autoptr(GBytes) once = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GBytes) next_bytes = NULL;

  if (m == NULL)
    return;
  once = sd_config_message_serialize (m);
  again = sd_config_message_parse (g_bytes_get_data (once, NULL), g_bytes_get_size (once),
                                   SD_CONFIG_DEFAULT_LAG, NULL);
  if (again == NULL)
    abort ();
  twice = sd_config_message_serialize (again);
  if (!g_bytes_equal (once, twice))
    abort ();
  if (sd_config_message_get_seqno (m) >= G_MAXINT64 - 1)
    return;
  next = sd_config_message_increment (m);
  next_bytes = sd_config_message_serialize (next);
  next_parsed = sd_config_message_parse (g_bytes_get_data (next_bytes, NULL),
                                         g_bytes_get_size (next_bytes), SD_CONFIG_DEFAULT_LAG,
                                         NULL);
  if (next_parsed == NULL)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 seed[32] = { 1, 2, 3, 4 };
  SdIdentity me;

  if (size == 0)
    return 0;
  if (data[0] == 0) {
    parse_roundtrip (data + 1, size - 1);
  } else if (data[0] == 1) {
    g_autoptr(GBytes) blob = sd_config_encrypt (data + 1, size - 1, seed, "Contacts");
    g_autoptr(GBytes) plain = sd_config_open (g_bytes_get_data (blob, NULL),
                                              g_bytes_get_size (blob), seed, "Contacts", NULL);

    if (plain != NULL) {
      parse_roundtrip (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
      if (g_bytes_get_size (plain) == 0 || *(const guint8 *) g_bytes_get_data (plain, NULL) != 'd')
        abort ();
    }
  } else {
    g_autoptr(GBytes) plain = NULL;

    sd_identity_from_seed (&me, seed);
    plain = sd_config_push_decode (&me, (SdConfigKind) (data[0] % SD_CONFIG_N_KINDS), data + 1,
                                   size - 1, NULL);
    if (plain != NULL)
      parse_roundtrip (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
  }
  return 0;
}
