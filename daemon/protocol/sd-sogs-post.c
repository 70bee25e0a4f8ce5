/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-sogs-post.h"

#include <sodium.h>
#include <string.h>

#include "sd-blinding.h"
#include "sd-encoding.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"
#include "sd-sogs-request.h"

/* base64 grows 3 bytes to 4 characters */
#define MAX_DATA_BASE64 (4 * ((SD_SOGS_POST_MAX_DATA + 2) / 3))

void
sd_sogs_post_clear (SdSogsPost *post)
{
  if (post == NULL)
    return;
  g_clear_pointer (&post->content, g_bytes_unref);
  g_clear_pointer (&post->parsed, sd_content_free);
  memset (post, 0, sizeof *post);
}

gboolean
sd_sogs_post_encode (const guint8 ed25519_sk[64],
                     const guint8 server_pk[32],
                     gboolean blind,
                     const guint8 *content,
                     gsize content_len,
                     gchar **data_base64,
                     gchar **signature_base64,
                     GError **error)
{
  g_autoptr(GBytes) padded = NULL;
  guint8 sig[64];
  const guint8 *data;
  gsize len;

  sd_sodium_init ();
  if (sd_padded_length (content_len) > SD_SOGS_POST_MAX_DATA) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a community post holds at most %d bytes", SD_SOGS_POST_MAX_DATA);
    return FALSE;
  }
  padded = sd_pad (content, content_len);
  data = g_bytes_get_data (padded, &len);
  if (blind)
    sd_blind15_sign (ed25519_sk, server_pk, data, len, sig);
  else
    crypto_sign_ed25519_detached (sig, NULL, data, len, ed25519_sk);
  *data_base64 = sd_base64_encode (data, len, TRUE);
  *signature_base64 = sd_base64_encode (sig, sizeof sig, TRUE);
  return TRUE;
}

gboolean
sd_sogs_post_parse_data (const guint8 *data, gsize len, SdSogsPost *out, GError **error)
{
  g_autoptr(SessionProtos__Envelope) envelope = NULL;
  const guint8 *inner = data;
  gsize inner_len;

  memset (out, 0, sizeof *out);
  if (len == 0 || len > SD_SOGS_POST_MAX_DATA) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "a community post holds 1 to %d bytes", SD_SOGS_POST_MAX_DATA);
    return FALSE;
  }
  inner_len = sd_unpadded_length (data, len);

  /* A Content starts with a length-delimited field, an Envelope with
   * its varint type (0x08) or timestamp (0x28); only an Envelope that
   * parses and carries content is taken as one */
  if (inner_len > 0 && (data[0] == 0x08 || data[0] == 0x28)) {
    /* an unpadded Envelope may end in its padded Content's zeros, which
     * unpadding would eat: try it whole first */
    envelope = session_protos__envelope__unpack (NULL, len, data);
    if (envelope == NULL)
      envelope = session_protos__envelope__unpack (NULL, inner_len, data);
  }
  if (envelope != NULL && envelope->has_content && envelope->content.len > 0) {
    out->kind = SD_SOGS_PAYLOAD_ENVELOPE;
    out->envelope_timestamp = envelope->timestamp;
    inner = envelope->content.data;
    inner_len = sd_unpadded_length (inner, envelope->content.len);
  } else {
    out->kind = SD_SOGS_PAYLOAD_CONTENT;
  }

  out->parsed = session_protos__content__unpack (NULL, inner_len, inner);
  if (out->parsed == NULL) {
    memset (out, 0, sizeof *out);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a community post is neither a Content nor an Envelope holding one");
    return FALSE;
  }
  out->content = g_bytes_new (inner, inner_len);
  return TRUE;
}

gboolean
sd_sogs_post_decode (const gchar *poster_id,
                     const gchar *data_base64,
                     const gchar *signature_base64,
                     SdSogsPost *out,
                     GError **error)
{
  g_autoptr(GBytes) data = NULL;
  guint8 sig[64];
  const guint8 *raw;
  gsize len;

  memset (out, 0, sizeof *out);
  if (data_base64 == NULL || signature_base64 == NULL ||
      strlen (data_base64) > MAX_DATA_BASE64 || strlen (signature_base64) > 88) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "a community post's data or signature is missing or too long");
    return FALSE;
  }
  data = sd_base64_decode (data_base64, -1, error);
  if (data == NULL)
    return FALSE;
  if (!sd_base64_decode_exact (signature_base64, sig, sizeof sig, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "a post signature is 64 bytes of base64");
    return FALSE;
  }
  raw = g_bytes_get_data (data, &len);
  /* the signature covers the data exactly as posted, padding included */
  if (!sd_sogs_verify_by_id (poster_id, raw, len, sig, error))
    return FALSE;
  return sd_sogs_post_parse_data (raw, len, out, error);
}
