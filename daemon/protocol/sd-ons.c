/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-ons.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

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

  sd_sodium_init ();
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

  sd_sodium_init ();
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

  sd_sodium_init ();
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

JsonObject *
sd_ons_request_params (const gchar *name)
{
  JsonObject *request = json_object_new ();
  JsonObject *params = json_object_new ();
  g_autofree gchar *hash = sd_ons_name_hash (name);

  json_object_set_int_member (params, "type", 0);
  json_object_set_string_member (params, "name_hash", hash);
  json_object_set_string_member (request, "endpoint", "ons_resolve");
  json_object_set_object_member (request, "params", params);
  return request;
}

/* TRUE with @found FALSE for oxend's "not found"; FALSE for anything
 * that is neither that nor a record for @name */
static gboolean
read_answer (const gchar *name,
             const SdOnsAnswer *answer,
             gboolean *found,
             gchar session_id[SD_SESSION_ID_LEN + 1],
             GError **error)
{
  g_autoptr(JsonObject) obj = NULL;
  JsonObject *result;

  *found = FALSE;
  /* oxend's answer for a name nobody registered */
  if (answer->status == 400 && answer->body != NULL &&
      answer->len == strlen ("Unable to find ONS record") &&
      memcmp (answer->body, "Unable to find ONS record", answer->len) == 0)
    return TRUE;
  if (answer->status != 200 || answer->body == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "ons_resolve answered %u", answer->status);
    return FALSE;
  }
  obj = sd_json_parse_object (answer->body, answer->len, error);
  if (obj == NULL)
    return FALSE;
  result = sd_json_get_object (obj, "result");
  if (result == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "ons_resolve answer without a result");
    return FALSE;
  }
  if (!sd_ons_decrypt (name, sd_json_get_string (result, "encrypted_value"),
                       sd_json_get_string (result, "nonce"), session_id, error))
    return FALSE;
  *found = TRUE;
  return TRUE;
}

gboolean
sd_ons_resolve_answers (const gchar *name,
                        const SdOnsAnswer *answers,
                        gsize n_answers,
                        gchar session_id[SD_SESSION_ID_LEN + 1],
                        GError **error)
{
  gchar first[SD_SESSION_ID_LEN + 1] = "";
  gsize n_found = 0;

  if (n_answers == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "no ons_resolve answers");
    return FALSE;
  }
  for (gsize i = 0; i < n_answers; i++) {
    gchar id[SD_SESSION_ID_LEN + 1];
    gboolean found;

    if (!read_answer (name, &answers[i], &found, id, error))
      return FALSE;
    if (!found)
      continue;
    if (n_found++ == 0)
      memcpy (first, id, sizeof first);
    else if (strcmp (first, id) != 0) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_ONS_DISAGREEMENT,
                           "the nodes name different Session IDs");
      return FALSE;
    }
  }
  if (n_found == 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_ONS_NOT_FOUND,
                 "no ONS name \"%s\"", name);
    return FALSE;
  }
  if (n_found != n_answers) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_ONS_DISAGREEMENT,
                         "some nodes know the name, others do not");
    return FALSE;
  }
  memcpy (session_id, first, sizeof first);
  return TRUE;
}
