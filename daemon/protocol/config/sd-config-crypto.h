/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* XChaCha20-Poly1305 tag (16) + the nonce appended after it (24) */
#define SD_CONFIG_ENCRYPT_OVERHEAD 40
/* libsession's limit on an encryption domain name */
#define SD_CONFIG_MAX_DOMAIN_LEN 24
/* a decompressed config larger than this is hostile (500 contacts are
 * about 100 kB) */
#define SD_CONFIG_MAX_PLAINTEXT (1024 * 1024)
/* zstd level libsession uses for user configs */
#define SD_CONFIG_COMPRESSION_LEVEL 1

/* the size @len is padded to, so that @len + @overhead lands on a step:
 * 256 bytes below 5,120, 1,024 below 20,480, 2,048 below 40,960, then 5,120 */
gsize sd_config_padded_size (gsize len, gsize overhead);

/* deterministic: key = BLAKE2b-32(key_base || u64be(len) || domain), nonce =
 * BLAKE2b-24(plaintext) keyed "libsessionutil-config-encrypted-" + domain;
 * output = ciphertext || tag || nonce. NULL only for a bad domain length */
GBytes *sd_config_encrypt (const guint8 *plaintext,
                           gsize len,
                           const guint8 key_base[32],
                           const gchar *domain) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_config_decrypt (const guint8 *ciphertext,
                           gsize len,
                           const guint8 key_base[32],
                           const gchar *domain,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "z" + zstd frame when that is smaller than @len, else a copy */
/* ZSTD_compress through this thread's kept context: the size written, or a zstd error code */
gsize sd_zstd_compress (guint8 *out, gsize out_len, const guint8 *data, gsize len, gint level);
GBytes *sd_config_compress (const guint8 *data, gsize len, gint level) G_GNUC_WARN_UNUSED_RESULT;

/* one zstd frame (without the "z"), at most SD_CONFIG_MAX_PLAINTEXT out */
GBytes *sd_config_decompress (const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* serialised message → compressed if smaller → front-padded → encrypted */
GBytes *sd_config_seal (const guint8 *serialized,
                        gsize len,
                        const guint8 key_base[32],
                        const gchar *domain) G_GNUC_WARN_UNUSED_RESULT;

/* the inverse: decrypt, strip the leading zeros, decompress a "z" body;
 * the result starts with "d" ("m", multipart, is not supported) */
GBytes *sd_config_open (const guint8 *blob,
                        gsize len,
                        const guint8 key_base[32],
                        const gchar *domain,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
