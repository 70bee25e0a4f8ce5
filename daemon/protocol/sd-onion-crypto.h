/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SD_ONION_CIPHER_AES_GCM,   /* "aes-gcm" | "gcm"; the default when absent */
  SD_ONION_CIPHER_XCHACHA20, /* "xchacha20" | "xchacha20-poly1305" */
} SdOnionCipher;

#define SD_ONION_KEY_LEN 32

gboolean sd_onion_cipher_from_string (const gchar *name,
                                      SdOnionCipher *cipher,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;
const gchar *sd_onion_cipher_to_string (SdOnionCipher cipher);

/* the layer key as the client computes it, from its ephemeral pair and
 * the node's X25519 key; FALSE for a degenerate shared secret */
gboolean sd_onion_key_client (SdOnionCipher cipher,
                              const guint8 client_sk[32],
                              const guint8 client_pk[32],
                              const guint8 node_pk[32],
                              guint8 key[SD_ONION_KEY_LEN]) G_GNUC_WARN_UNUSED_RESULT;

/* the same key as the node computes it */
gboolean sd_onion_key_node (SdOnionCipher cipher,
                            const guint8 node_sk[32],
                            const guint8 node_pk[32],
                            const guint8 client_pk[32],
                            guint8 key[SD_ONION_KEY_LEN]) G_GNUC_WARN_UNUSED_RESULT;

/* nonce || ciphertext || tag, with a random nonce (12 bytes for gcm, 24
 * for xchacha20) */
GBytes *sd_onion_encrypt (SdOnionCipher cipher,
                          const guint8 key[SD_ONION_KEY_LEN],
                          const guint8 *plain,
                          gsize len,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the nonce's and the tag's lengths for @cipher */
void sd_onion_cipher_overhead (SdOnionCipher cipher, gsize *nonce_len, gsize *tag_len);

/* sd_onion_encrypt without a copy: @buf holds room for the nonce, then @len bytes of
 * plaintext, then room for the tag; on return it is nonce || ciphertext || tag */
gboolean sd_onion_encrypt_in_place (SdOnionCipher cipher,
                                    const guint8 key[SD_ONION_KEY_LEN],
                                    guint8 *buf,
                                    gsize len,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* sd_onion_decrypt without a copy: the plaintext is left in @buf at *@plain_offset */
gboolean sd_onion_decrypt_in_place (SdOnionCipher cipher,
                                    const guint8 key[SD_ONION_KEY_LEN],
                                    guint8 *buf,
                                    gsize len,
                                    gsize *plain_offset,
                                    gsize *plain_len,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

GBytes *sd_onion_decrypt (SdOnionCipher cipher,
                          const guint8 key[SD_ONION_KEY_LEN],
                          const guint8 *data,
                          gsize len,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
