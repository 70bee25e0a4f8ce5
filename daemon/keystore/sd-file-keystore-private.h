/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The key file's parser, apart from the file and the KDF, for the fuzz target
 * (tests/fuzz/fuzz-key-file.c): Argon2id must not run per input. Not for use outside the
 * keystore otherwise.
 */

#include <glib.h>

#include "sd-keys.h"

G_BEGIN_DECLS

#define SD_KEY_FILE_LEN 181

/* a version 1 file whose header and checksum are in order; pointers into the parsed bytes */
typedef struct {
  guint64 opslimit;
  guint64 memlimit;
  const guint8 *salt;       /* crypto_pwhash_SALTBYTES */
  const guint8 *nonce;      /* crypto_secretbox_NONCEBYTES */
  const guint8 *box;        /* the secretbox, up to the checksum */
} SdKeyFileHeader;

/* checks magic, version, length, checksum, algorithms and KDF limits of @file;
 * SD_KEYSTORE_ERROR_CORRUPT naming @path when one is wrong */
gboolean sd_key_file_parse (const guint8 *file,
                            gsize len,
                            const gchar *path,
                            SdKeyFileHeader *out,
                            GError **error);

/* opens the box of @header with @key (32 bytes, derived by the caller): the seed into
 * @seed (SD_SEED_LEN bytes) and the Session ID it records;
 * SD_KEYSTORE_ERROR_BAD_PASSPHRASE when the box does not open */
gboolean sd_key_file_open_box (const SdKeyFileHeader *header,
                               const guint8 *key,
                               const gchar *path,
                               guint8 *seed,
                               gchar **session_id,
                               GError **error);

G_END_DECLS
