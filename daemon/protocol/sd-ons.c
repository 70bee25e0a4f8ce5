/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-ons.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-protocol-error.h"

#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define ID_LEN 33

static gboolean
is_word (gchar c)
{
  return g_ascii_isalnum (c) || c == '_';
}

gchar *
sd_ons_name_normalise (const gchar *name, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > SD_ONS_NAME_MAX) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_ONS_NAME,
                 "an ONS name has 1 to %d characters", SD_ONS_NAME_MAX);
    return NULL;
  }
  for (gsize i = 0; i < len; i++) {
    gboolean edge = i == 0 || i == len - 1;

    if (!is_word (name[i]) && (edge || name[i] != '-')) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_ONS_NAME,
                           "an ONS name is letters, digits and _, with - only inside");
      return NULL;
    }
  }
  return g_ascii_strdown (name, -1);
}

static void
name_hash_raw (const gchar *name, guint8 hash[32])
{
  crypto_generichash (hash, 32, (const guint8 *) name, strlen (name), NULL, 0);
}

gchar *
sd_ons_name_hash (const gchar *name)
{
  guint8 hash[32];

  if (sodium_init () < 0)
    g_assert_not_reached ();
  name_hash_raw (name, hash);
  return sd_base64_encode (hash, sizeof hash, TRUE);
}

static void
value_key (const gchar *name, guint8 key[32])
{
  guint8 hash[32];

  name_hash_raw (name, hash);
  crypto_generichash (key, 32, (const guint8 *) name, strlen (name), hash, sizeof hash);
}

gboolean
sd_ons_decrypt (const gchar *name,
                const gchar *encrypted_value_hex,
                const gchar *nonce_hex,
                gchar session_id[SD_SESSION_ID_LEN + 1],
                GError **error)
{
  g_autoptr(GBytes) value = NULL;
  guint8 nonce[NONCE_LEN], key[32], plain[ID_LEN];
  unsigned long long plain_len;
  const guint8 *ct;
  gsize ct_len;
  gboolean ok;

  if (sodium_init () < 0)
    g_assert_not_reached ();
  if (nonce_hex == NULL || *nonce_hex == '\0') {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "an ONS record without a nonce is the old Argon2 form, no longer supported");
    return FALSE;
  }
  if (encrypted_value_hex == NULL || strlen (encrypted_value_hex) > SD_ONS_MAX_VALUE_HEX ||
      !sd_hex_decode_exact (nonce_hex, nonce, sizeof nonce, NULL) ||
      (value = sd_hex_decode (encrypted_value_hex, NULL)) == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "an ONS record is a hex value and a 24-byte hex nonce");
    return FALSE;
  }
  ct = g_bytes_get_data (value, &ct_len);
  if (ct_len != ID_LEN + TAG_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "an ONS value is %d bytes, this is %" G_GSIZE_FORMAT, ID_LEN + TAG_LEN, ct_len);
    return FALSE;
  }
  value_key (name, key);
  ok = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, &plain_len, NULL, ct, ct_len, NULL, 0,
                                                   nonce, key) == 0;
  sodium_memzero (key, sizeof key);
  if (!ok || plain_len != ID_LEN) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "the ONS record does not decrypt with this name");
    return FALSE;
  }
  if (plain[0] != 0x05) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID,
                         "the ONS record is not a Session ID");
    return FALSE;
  }
  sd_session_id_format (plain + 1, session_id);
  return TRUE;
}

gboolean
sd_ons_encrypt (const gchar *name,
                const gchar *session_id,
                const guint8 *nonce,
                gchar **encrypted_value_hex,
                gchar **nonce_hex,
                GError **error)
{
  guint8 plain[ID_LEN], key[32], n[NONCE_LEN], ct[ID_LEN + TAG_LEN];
  unsigned long long ct_len;

  if (sodium_init () < 0)
    g_assert_not_reached ();
  if (!sd_session_id_parse (session_id, plain + 1, error))
    return FALSE;
  plain[0] = 0x05;
  if (nonce != NULL)
    memcpy (n, nonce, sizeof n);
  else
    randombytes_buf (n, sizeof n);
  value_key (name, key);
  crypto_aead_xchacha20poly1305_ietf_encrypt (ct, &ct_len, plain, sizeof plain, NULL, 0, NULL, n,
                                              key);
  sodium_memzero (key, sizeof key);
  *encrypted_value_hex = sd_hex_encode (ct, ct_len);
  *nonce_hex = sd_hex_encode (n, sizeof n);
  return TRUE;
}
