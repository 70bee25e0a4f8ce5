/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group message encryption: the layout is libsession's
 * (Keys::encrypt_message / decrypt_message); the code is ours */
#define G_LOG_DOMAIN "SdGroupMessage"

#include "config.h"

#include "sd-group-message.h"

#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "sd-bencode.h"
#include "sd-config-crypto.h"
#include "sd-config-fields.h"
#include "sd-config-value.h"
#include "sd-protocol-error.h"
#include "sd-sender-key.h"
#include "sd-sodium.h"

#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
/* what a 1 MB message can become: envelope keys, signature, padding */
#define MAX_CIPHERTEXT (SD_GROUP_MESSAGE_MAX_PLAINTEXT + 1024)

/* zstd when strictly smaller, as libsession does */
static GBytes *
compress_if_smaller (const guint8 *data, gsize len)
{
  gsize bound = ZSTD_compressBound (len);
  g_autofree guint8 *out = g_malloc (bound);
  gsize n = sd_zstd_compress (out, bound, data, len, SD_CONFIG_COMPRESSION_LEVEL);

  if (ZSTD_isError (n) || n >= len)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&out), n);
}

GBytes *
sd_group_message_encrypt (const SdIdentity *sender, const SdGroupKeyBytes key,
                          const guint8 *plaintext, gsize len, GError **error)
{
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GByteArray) dict = NULL;
  const guint8 *body = plaintext;
  gsize body_len = len;
  guint8 sig[crypto_sign_BYTES];
  gsize total;
  guint8 *out;

  g_return_val_if_fail (sender != NULL && key != NULL, NULL);
  g_return_val_if_fail (plaintext != NULL || len == 0, NULL);

  sd_sodium_init ();
  if (len > SD_GROUP_MESSAGE_MAX_PLAINTEXT) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "group message of %" G_GSIZE_FORMAT " bytes (at most %d)", len,
                 SD_GROUP_MESSAGE_MAX_PLAINTEXT);
    return NULL;
  }
  if (len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "an empty group message cannot be sent");
    return NULL;
  }
  compressed = compress_if_smaller (plaintext, len);
  if (compressed != NULL)
    body = g_bytes_get_data (compressed, &body_len);
  crypto_sign_ed25519_detached (sig, NULL, body, body_len, sender->ed25519_sk);

  /* keys in bencode order: "", a, d, s, z */
  dict = g_byte_array_sized_new ((guint) body_len + 256);
  g_byte_array_append (dict, (const guint8 *) "d0:i1e", 6);
  sd_bencode_append_bytes (dict, (const guint8 *) "a", 1);
  sd_bencode_append_bytes (dict, sender->ed25519_pk, 32);
  if (compressed == NULL) {
    sd_bencode_append_bytes (dict, (const guint8 *) "d", 1);
    sd_bencode_append_bytes (dict, body, body_len);
  }
  sd_bencode_append_bytes (dict, (const guint8 *) "s", 1);
  sd_bencode_append_bytes (dict, sig, sizeof sig);
  if (compressed != NULL) {
    sd_bencode_append_bytes (dict, (const guint8 *) "z", 1);
    sd_bencode_append_bytes (dict, body, body_len);
  }
  g_byte_array_append (dict, (const guint8 *) "e", 1);
  /* zeros at the end so that the whole item is a multiple of 256 */
  total = dict->len + SD_GROUP_MESSAGE_OVERHEAD;
  if (total % SD_GROUP_MESSAGE_PADDING != 0)
    g_byte_array_set_size (dict, dict->len + (guint) (SD_GROUP_MESSAGE_PADDING -
                                                      total % SD_GROUP_MESSAGE_PADDING));
  /* set_size leaves new bytes as they were: zero them */
  memset (dict->data + (total - SD_GROUP_MESSAGE_OVERHEAD), 0,
          dict->len - (total - SD_GROUP_MESSAGE_OVERHEAD));

  out = g_malloc (dict->len + SD_GROUP_MESSAGE_OVERHEAD);
  randombytes_buf (out, NONCE_LEN);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + NONCE_LEN, NULL, dict->data, dict->len, NULL,
                                              0, NULL, out, key);
  return g_bytes_new_take (out, dict->len + SD_GROUP_MESSAGE_OVERHEAD);
}

static gboolean
malformed (GError **error, const gchar *what)
{
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED, "group message: %s", what);
  return FALSE;
}

GBytes *
sd_group_message_decrypt (const SdGroupKeyBytes *keys, guint n_keys, const guint8 *ciphertext,
                          gsize len, gchar sender_id[SD_SESSION_ID_LEN + 1], guint *key_index,
                          GError **error)
{
  g_autofree guint8 *plain = NULL;
  g_autoptr(SdConfigValue) dict = NULL;
  const SdConfigValue *version;
  const guint8 *ed_pk, *sig, *data, *zdata;
  gsize plain_len, ed_len = 0, sig_len = 0, data_len = 0, zdata_len = 0;
  guint8 x_pk[32];
  gboolean opened = FALSE;

  g_return_val_if_fail (keys != NULL || n_keys == 0, NULL);
  g_return_val_if_fail (ciphertext != NULL || len == 0, NULL);

  sd_sodium_init ();
  if (len < SD_GROUP_MESSAGE_OVERHEAD) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                         "group message shorter than its overhead");
    return NULL;
  }
  if (len > MAX_CIPHERTEXT) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "group message of %" G_GSIZE_FORMAT " bytes", len);
    return NULL;
  }
  plain_len = len - SD_GROUP_MESSAGE_OVERHEAD;
  plain = g_malloc (plain_len + 1);
  for (guint i = 0; i < n_keys && !opened; i++) {
    if (crypto_aead_xchacha20poly1305_ietf_decrypt (plain, NULL, NULL, ciphertext + NONCE_LEN,
                                                    len - NONCE_LEN, NULL, 0, ciphertext,
                                                    keys[i]) == 0) {
      opened = TRUE;
      if (key_index != NULL)
        *key_index = i;
    }
  }
  if (!opened) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                 "group message opens with none of the %u known keys", n_keys);
    return NULL;
  }
  while (plain_len > 0 && plain[plain_len - 1] == 0)
    plain_len--;
  if (plain_len < 2 || plain[0] != 'd' || plain[plain_len - 1] != 'e') {
    malformed (error, "not a bencoded dict");
    return NULL;
  }
  dict = sd_config_value_decode (plain, plain_len, error);
  if (dict == NULL)
    return NULL;
  version = sd_config_value_dict_get (dict, "");
  if (version == NULL || sd_config_value_kind (version) != SD_CONFIG_VALUE_INT) {
    malformed (error, "no version");
    return NULL;
  }
  if (sd_config_value_get_int (version) != 1) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "group message version %" G_GINT64_FORMAT " (we read 1)",
                 sd_config_value_get_int (version));
    return NULL;
  }
  ed_pk = sd_config_field_bytes (dict, "a", &ed_len);
  if (ed_pk == NULL || ed_len != 32 || !sd_sender_x25519 (ed_pk, x_pk)) {
    malformed (error, "no valid sender key");
    return NULL;
  }
  sig = sd_config_field_bytes (dict, "s", &sig_len);
  if (sig == NULL || sig_len != crypto_sign_BYTES) {
    malformed (error, "no 64-byte signature");
    return NULL;
  }
  data = sd_config_field_bytes (dict, "d", &data_len);
  zdata = sd_config_field_bytes (dict, "z", &zdata_len);
  if ((data != NULL) == (zdata != NULL) || (data != NULL && data_len == 0) ||
      (zdata != NULL && zdata_len == 0)) {
    malformed (error, "needs exactly one of non-empty \"d\" and \"z\"");
    return NULL;
  }
  if (crypto_sign_ed25519_verify_detached (sig, data != NULL ? data : zdata,
                                           data != NULL ? data_len : zdata_len, ed_pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "group message signature does not verify");
    return NULL;
  }
  if (sender_id != NULL)
    sd_session_id_format (x_pk, sender_id);
  if (data != NULL)
    return g_bytes_new (data, data_len);
  {
    GBytes *inflated = sd_config_decompress (zdata, zdata_len, error);

    if (inflated == NULL)
      return NULL;
    if (g_bytes_get_size (inflated) > SD_GROUP_MESSAGE_MAX_PLAINTEXT ||
        g_bytes_get_size (inflated) == 0) {
      g_bytes_unref (inflated);
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                           "group message inflates beyond 1 MB (or to nothing)");
      return NULL;
    }
    return inflated;
  }
}
