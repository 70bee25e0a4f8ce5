/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the key file's parser (daemon/keystore/sd-file-keystore.c, sd_key_file_parse), and the
 * box opening after it with a fixed key instead of the Argon2id one: the KDF (256 MiB by
 * default) never runs per input. Each input is parsed as it is, and, when it has the file's
 * length, once more with its checksum made right, so that mutations of the header get past
 * the BLAKE2b check to the algorithm, limit and box checks.
 *
 * Invariants: no crash; a file that parses has limits within the keystore's bounds and
 * pointers inside the input; a box that opens gives a Session ID ("05" + 64 hex). */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-file-keystore-private.h"
#include "sd-keystore.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* the key make-key-file-corpus seals its seeds with: 32 bytes of 0x42 */
static const guint8 fixed_key[32] = {
  0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
  0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
};

#define CHECKSUM_AT (SD_KEY_FILE_LEN - 32)

static void
parse_one (const guint8 *file, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *session_id = NULL;
  SdKeyFileHeader header;
  guint8 seed[SD_SEED_LEN];

  if (!sd_key_file_parse (file, size, "fuzz", &header, &error)) {
    if (error == NULL || error->domain != SD_KEYSTORE_ERROR)
      abort ();
    return;
  }
  if (size != SD_KEY_FILE_LEN || header.opslimit == 0 || header.memlimit == 0 ||
      header.salt < file || header.box >= file + size)
    abort ();
  if (!sd_key_file_open_box (&header, fixed_key, "fuzz", seed, &session_id, &error)) {
    if (error == NULL || error->domain != SD_KEYSTORE_ERROR)
      abort ();
    return;
  }
  if (session_id == NULL || strlen (session_id) != SD_SESSION_ID_LEN ||
      strncmp (session_id, "05", 2) != 0)
    abort ();
  sodium_memzero (seed, sizeof seed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 fixed[SD_KEY_FILE_LEN];

  if (sodium_init () < 0)
    abort ();
  parse_one (data, size);
  if (size == SD_KEY_FILE_LEN) {
    memcpy (fixed, data, size);
    crypto_generichash (fixed + CHECKSUM_AT, 32, fixed, CHECKSUM_AT, NULL, 0);
    parse_one (fixed, size);
  }
  return 0;
}
