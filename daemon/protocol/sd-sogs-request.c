/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-sogs-request.h"

#include <sodium.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-encoding.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"
#include "sd-xed25519.h"

/* @ts is the timestamp's text as it goes in the header */
static GBytes *
signed_bytes (const guint8 server_pk[32],
              const guint8 nonce[SD_SOGS_NONCE_LEN],
              const gchar *ts,
              const gchar *method,
              const gchar *path,
              const guint8 *body,
              gsize body_len,
              GError **error)
{
  g_autofree gchar *raw_path = NULL, *decoded = NULL;
  const gchar *query;
  GByteArray *out;

  sd_sodium_init ();
  if (method == NULL || *method == '\0' || path == NULL || path[0] != '/' ||
      strlen (path) > SD_SOGS_MAX_PATH) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a signed request needs a method and a path starting with /");
    return NULL;
  }
  /* the reference signs the path as it routes on it, decoded, and the
   * query string as sent; %00 and bad escapes give NULL */
  query = strchr (path, '?');
  raw_path = query != NULL ? g_strndup (path, query - path) : g_strdup (path);
  decoded = g_uri_unescape_string (raw_path, NULL);
  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "the request path has a bad %-escape or is not UTF-8");
    return NULL;
  }
  /* "?" with nothing after it is not signed */
  if (query != NULL && query[1] == '\0')
    query = NULL;

  out = g_byte_array_sized_new (32 + SD_SOGS_NONCE_LEN + strlen (ts) + strlen (method) +
                                strlen (path) + 64);
  g_byte_array_append (out, server_pk, 32);
  g_byte_array_append (out, nonce, SD_SOGS_NONCE_LEN);
  g_byte_array_append (out, (const guint8 *) ts, strlen (ts));
  g_byte_array_append (out, (const guint8 *) method, strlen (method));
  g_byte_array_append (out, (const guint8 *) decoded, strlen (decoded));
  if (query != NULL)
    g_byte_array_append (out, (const guint8 *) query, strlen (query));
  if (body != NULL && body_len > 0) {
    guint8 hash[64];

    crypto_generichash (hash, sizeof hash, body, body_len, NULL, 0);
    g_byte_array_append (out, hash, sizeof hash);
  }
  return g_byte_array_free_to_bytes (out);
}

GBytes *
sd_sogs_signed_bytes (const guint8 server_pk[32],
                      const guint8 nonce[SD_SOGS_NONCE_LEN],
                      gint64 timestamp,
                      const gchar *method,
                      const gchar *path,
                      const guint8 *body,
                      gsize body_len,
                      GError **error)
{
  gchar ts[24];

  if (timestamp < 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a signed request needs a timestamp");
    return NULL;
  }
  g_snprintf (ts, sizeof ts, "%" G_GINT64_FORMAT, timestamp);
  return signed_bytes (server_pk, nonce, ts, method, path, body, body_len, error);
}

gboolean
sd_sogs_sign_request (const guint8 ed25519_sk[64],
                      const guint8 server_pk[32],
                      gboolean blind,
                      const guint8 nonce[SD_SOGS_NONCE_LEN],
                      gint64 timestamp,
                      const gchar *method,
                      const gchar *path,
                      const guint8 *body,
                      gsize body_len,
                      SdSogsAuthHeaders *out,
                      GError **error)
{
  g_autoptr(GBytes) message = NULL;
  g_autofree gchar *nonce_b64 = NULL, *sig_b64 = NULL;
  guint8 sig[64];
  gsize len;
  const guint8 *data;

  message = sd_sogs_signed_bytes (server_pk, nonce, timestamp, method, path, body, body_len,
                                  error);
  if (message == NULL)
    return FALSE;
  data = g_bytes_get_data (message, &len);

  if (blind) {
    SdBlindedKeyPair kp;

    if (!sd_blind15_key_pair (ed25519_sk, server_pk, &kp)) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                           "this server key cannot blind");
      return FALSE;
    }
    sd_blinded_id_format (SD_BLINDING_15, kp.pk, out->pubkey);
    sodium_memzero (&kp, sizeof kp);
    sd_blind15_sign (ed25519_sk, server_pk, data, len, sig);
  } else {
    sd_account_id_format (0x00, ed25519_sk + 32, out->pubkey);
    crypto_sign_ed25519_detached (sig, NULL, data, len, ed25519_sk);
  }
  nonce_b64 = sd_base64_encode (nonce, SD_SOGS_NONCE_LEN, TRUE);
  sig_b64 = sd_base64_encode (sig, sizeof sig, TRUE);
  g_strlcpy (out->nonce, nonce_b64, sizeof out->nonce);
  g_strlcpy (out->signature, sig_b64, sizeof out->signature);
  g_snprintf (out->timestamp, sizeof out->timestamp, "%" G_GINT64_FORMAT, timestamp);
  return TRUE;
}

/* 16 bytes as base64 (padded or not) or as 32 hex digits */
static gboolean
parse_nonce (const gchar *text, guint8 nonce[SD_SOGS_NONCE_LEN])
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len == 2 * SD_SOGS_NONCE_LEN)
    return sd_hex_decode_exact (text, nonce, SD_SOGS_NONCE_LEN, NULL);
  if (len != 22 && len != 24)
    return FALSE;
  return sd_base64_decode_exact (text, nonce, SD_SOGS_NONCE_LEN, NULL);
}

static gboolean
parse_timestamp (const gchar *text, gint64 *out)
{
  guint64 value = 0;

  /* plain decimal seconds; 12 digits reach far past any sane clock */
  if (text == NULL || *text == '\0' || strlen (text) > 12)
    return FALSE;
  for (const gchar *p = text; *p != '\0'; p++) {
    if (!g_ascii_isdigit (*p))
      return FALSE;
    value = value * 10 + (guint64) (*p - '0');
  }
  *out = (gint64) value;
  return TRUE;
}

/* the 32-byte Ed25519 key behind "00"/"15"/"25" + hex; our ids keep
 * what was sent, lower-cased */
static gboolean
parse_signer (const gchar *id, guint8 pk[32])
{
  guint8 raw[33];

  if (!sd_account_id_parse (id, raw, NULL))
    return FALSE;
  if (raw[0] != 0x00 && raw[0] != 0x15 && raw[0] != 0x25)
    return FALSE;
  memcpy (pk, raw + 1, 32);
  return TRUE;
}

/* a server without blinding names posters by Session ID; the Ed25519 key
 * behind an X25519 key is known up to its sign, so both are tried */
static gboolean
verify_session_id (const gchar *poster_id, const guint8 *data, gsize data_len,
                   const guint8 sig[64])
{
  guint8 raw[33], ed[32];

  if (!sd_account_id_parse_with_prefix (poster_id, 0x05, raw, NULL) ||
      !sd_x25519_pk_to_ed25519 (raw + 1, ed))
    return FALSE;
  if (crypto_sign_ed25519_verify_detached (sig, data, data_len, ed) == 0)
    return TRUE;
  ed[31] ^= 0x80;
  return crypto_sign_ed25519_verify_detached (sig, data, data_len, ed) == 0;
}

gboolean
sd_sogs_verify_by_id (const gchar *poster_id,
                      const guint8 *data,
                      gsize data_len,
                      const guint8 sig[64],
                      GError **error)
{
  guint8 pk[32];

  sd_sodium_init ();
  if (poster_id != NULL && g_str_has_prefix (poster_id, "05") && strlen (poster_id) == 66) {
    if (verify_session_id (poster_id, data, data_len, sig))
      return TRUE;
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "signature verification failed");
    return FALSE;
  }
  if (!parse_signer (poster_id, pk)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BLINDED_ID,
                         "a community poster is 00, 05, 15 or 25 followed by 64 hex digits");
    return FALSE;
  }
  if (crypto_sign_ed25519_verify_detached (sig, data, data_len, pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "signature verification failed");
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_sogs_verify_request (const guint8 server_pk[32],
                        const gchar *pubkey,
                        const gchar *nonce,
                        const gchar *timestamp,
                        const gchar *signature,
                        const gchar *method,
                        const gchar *path,
                        const guint8 *body,
                        gsize body_len,
                        SdSogsAuthor *out,
                        GError **error)
{
  g_autoptr(GBytes) message = NULL;
  guint8 sig[64];
  guint8 pk[32];
  gsize len;
  const guint8 *data;

  if (!parse_signer (pubkey, pk) || crypto_core_ed25519_is_valid_point (pk) != 1 ||
      !parse_nonce (nonce, out->nonce) ||
      !parse_timestamp (timestamp, &out->timestamp) || signature == NULL ||
      strlen (signature) > 88) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "malformed X-SOGS-* headers");
    return FALSE;
  }
  if (!sd_base64_decode_exact (signature, sig, sizeof sig, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "X-SOGS-Signature is not 64 bytes of base64");
    return FALSE;
  }
  /* the timestamp as sent: "0017" signs differently from "17" */
  message = signed_bytes (server_pk, out->nonce, timestamp, method, path, body, body_len, error);
  if (message == NULL)
    return FALSE;
  data = g_bytes_get_data (message, &len);
  if (crypto_sign_ed25519_verify_detached (sig, data, len, pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "X-SOGS-Signature verification failed");
    return FALSE;
  }
  g_strlcpy (out->pubkey, pubkey, sizeof out->pubkey);
  for (gchar *p = out->pubkey; *p != '\0'; p++)
    *p = g_ascii_tolower (*p);
  return TRUE;
}
