/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-keystore.h"

G_BEGIN_DECLS

/* the opt-in keystore for hosts without a Secret Service: the seed in
 * DATA_DIR/account.key, encrypted under a passphrase read from a file
 * (sessiond --key-file-passphrase FILE).
 *
 * File format, version 1 (181 bytes, integers little-endian):
 *
 *   0   8  magic "SDKEY\0\r\n"
 *   8   1  format version (1)
 *   9   1  KDF: 1 = crypto_pwhash Argon2id v1.3
 *  10   1  cipher: 1 = crypto_secretbox (XSalsa20-Poly1305)
 *  11   1  reserved, 0
 *  12   8  opslimit
 *  20   8  memlimit in bytes
 *  28  16  salt
 *  44  24  nonce
 *  68  81  crypto_secretbox_easy (seed (32) || account id 0x05 || X25519 key (33))
 * 149  32  BLAKE2b-256 of bytes 0..148
 *
 * The checksum tells damage (SD_KEYSTORE_ERROR_CORRUPT) apart from a wrong
 * passphrase (SD_KEYSTORE_ERROR_BAD_PASSPHRASE); it is no protection against
 * tampering, the secretbox MAC is. The KDF limits are stored so that later
 * versions can raise them for new files and still open old ones.
 *
 * The file is created with mode 0600 through a temporary file, fsync and a
 * rename that never replaces an existing key file. */
#define SD_TYPE_FILE_KEYSTORE (sd_file_keystore_get_type ())
G_DECLARE_FINAL_TYPE (SdFileKeystore, sd_file_keystore, SD, FILE_KEYSTORE, GObject)

#define SD_KEY_FILE_NAME "account.key"

/* reads the passphrase now (and keeps it in guarded memory, since an
 * account may be created long after start-up): the file's contents without
 * trailing CR/LF; an empty passphrase is refused, and so is a file that is
 * not the user's or that the group or others may read or write
 * (SD_KEYSTORE_ERROR_FAILED, with a message that says so) */
SdKeystore *sd_file_keystore_new (const gchar *data_dir,
                                  const gchar *passphrase_file,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *sd_file_keystore_get_path (SdFileKeystore *self);

/* Argon2id limits for files written from now on; the default is
 * crypto_pwhash_OPSLIMIT_MODERATE / MEMLIMIT_MODERATE (256 MiB; version 1
 * files from before used INTERACTIVE and still open, with the limits they
 * record). Only for tests, which lower them to run quickly under valgrind. */
void sd_file_keystore_set_pwhash_limits (SdFileKeystore *self,
                                         guint64 opslimit,
                                         guint64 memlimit);

G_END_DECLS
