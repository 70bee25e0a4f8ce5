/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-wire.h"

#include <string.h>

#include <sodium.h>

#include "sd-encoding.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-session-crypto.h"
#include "sd-sodium.h"

void
sd_wire_message_clear (SdWireMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->content, sd_content_free);
  memset (message, 0, sizeof *message);
}

/* §4.8: libsession fills Envelope.proSig on every message; without Session Pro it is a decoy
 * shaped like a signature (r·B for a random scalar r, then another random scalar), so
 * envelopes from non-Pro users, and from sessiond, look like everyone else's */
static void
pro_signature_decoy (guint8 out[64])
{
  guint8 r[32];

  sd_sodium_init ();
  crypto_core_ed25519_scalar_random (r);
  if (crypto_scalarmult_ed25519_base_noclamp (out, r) != 0)
    memset (out, 0, 32); /* r = 0: probability 2^-252 */
  crypto_core_ed25519_scalar_random (out + 32);
  sodium_memzero (r, sizeof r);
}

GBytes *
sd_wire_frame (const SessionProtos__Envelope *envelope)
{
  SessionWebSocket__WebSocketRequestMessage request =
    SESSION_WEB_SOCKET__WEB_SOCKET_REQUEST_MESSAGE__INIT;
  SessionWebSocket__WebSocketMessage wrapper = SESSION_WEB_SOCKET__WEB_SOCKET_MESSAGE__INIT;
  g_autofree guint8 *envelope_bytes = NULL;
  gsize envelope_len, wrapper_len;
  guint8 *out;

  g_return_val_if_fail (envelope != NULL, NULL);

  envelope_len = session_protos__envelope__get_packed_size (envelope);
  envelope_bytes = g_malloc (envelope_len);
  session_protos__envelope__pack (envelope, envelope_bytes);

  request.verb = (char *) "";
  request.path = (char *) "";
  request.has_body = TRUE;
  request.body.data = envelope_bytes;
  request.body.len = envelope_len;
  request.has_requestid = TRUE;
  request.requestid = 0;
  wrapper.has_type = TRUE;
  wrapper.type = SESSION_WEB_SOCKET__WEB_SOCKET_MESSAGE__TYPE__REQUEST;
  wrapper.request = &request;
  wrapper_len = session_web_socket__web_socket_message__get_packed_size (&wrapper);
  out = g_malloc (wrapper_len);
  session_web_socket__web_socket_message__pack (&wrapper, out);
  return g_bytes_new_take (out, wrapper_len);
}

SessionProtos__Envelope *
sd_wire_unframe (const guint8 *data, gsize len, GError **error)
{
  g_autoptr(SessionWebSocket__WebSocketMessage) wrapper = NULL;
  g_autoptr(SessionProtos__Envelope) envelope = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  wrapper = session_web_socket__web_socket_message__unpack (NULL, len, data);
  if (wrapper == NULL || !wrapper->has_type ||
      wrapper->type != SESSION_WEB_SOCKET__WEB_SOCKET_MESSAGE__TYPE__REQUEST ||
      wrapper->request == NULL || !wrapper->request->has_body ||
      wrapper->request->body.len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "not a WebSocketMessage request with a body");
    return NULL;
  }
  envelope = session_protos__envelope__unpack (NULL, wrapper->request->body.len,
                                               wrapper->request->body.data);
  if (envelope == NULL || !envelope->has_content) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "not an Envelope with content");
    return NULL;
  }
  return g_steal_pointer (&envelope);
}

GBytes *
sd_wire_wrap_bytes (const SdIdentity *sender,
                    const guint8 recipient_x25519[32],
                    guint64 timestamp,
                    const guint8 *content,
                    gsize content_len,
                    SdWireFlags flags)
{
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  g_autoptr(GBytes) padded = NULL;
  g_autoptr(GBytes) sealed = NULL;
  guint8 pro_sig[64];

  g_return_val_if_fail (sender != NULL, NULL);

  padded = sd_pad (content, content_len);
  if (flags & SD_WIRE_FLAG_DETERMINISTIC)
    sealed = sd_session_encrypt_deterministic (sender, recipient_x25519,
                                               g_bytes_get_data (padded, NULL),
                                               g_bytes_get_size (padded));
  else
    sealed = sd_session_encrypt (sender, recipient_x25519, g_bytes_get_data (padded, NULL),
                                 g_bytes_get_size (padded));
  if (sealed == NULL)
    return NULL;

  /* no source: 1:1 messages are sealed-sender */
  envelope.has_type = TRUE;
  envelope.type = SESSION_PROTOS__ENVELOPE__TYPE__SESSION_MESSAGE;
  envelope.timestamp = timestamp;
  envelope.has_sourcedevice = TRUE;
  envelope.sourcedevice = 1;
  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (sealed, &envelope.content.len);
  /* the deterministic form reproduces the documented vector, which has none */
  if (!(flags & SD_WIRE_FLAG_DETERMINISTIC)) {
    pro_signature_decoy (pro_sig);
    envelope.has_prosig = TRUE;
    envelope.prosig.data = pro_sig;
    envelope.prosig.len = sizeof pro_sig;
  }
  return sd_wire_frame (&envelope);
}

gchar *
sd_wire_wrap (const SdIdentity *sender,
              const guint8 recipient_x25519[32],
              guint64 timestamp,
              const SessionProtos__Content *content)
{
  gsize len = session_protos__content__get_packed_size (content);
  g_autofree guint8 *packed = g_malloc (len);
  g_autoptr(GBytes) wire = NULL;

  session_protos__content__pack (content, packed);
  wire = sd_wire_wrap_bytes (sender, recipient_x25519, timestamp, packed, len, SD_WIRE_FLAG_NONE);
  if (wire == NULL)
    return NULL;
  return sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), TRUE);
}

gboolean
sd_wire_unwrap_bytes (const SdIdentity *recipient,
                      const guint8 *data,
                      gsize len,
                      SdWireMessage *out,
                      GError **error)
{
  g_autoptr(SessionProtos__Envelope) envelope = NULL;
  g_autoptr(SessionProtos__Content) content = NULL;
  g_autoptr(GBytes) padded = NULL;
  const guint8 *plain;
  gsize plain_len;

  g_return_val_if_fail (recipient != NULL && out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED, "empty message");
    return FALSE;
  }
  if (len > SD_WIRE_MAX_DATA) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "message of %" G_GSIZE_FORMAT " bytes exceeds the %d-byte limit",
                 len, SD_WIRE_MAX_DATA);
    return FALSE;
  }
  /* a leading 0x00 marks the versioned (v2) format; a protobuf wrapper
   * starts with its type tag 0x08 */
  if (data[0] == 0x00) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "versioned (v2) message format is not supported");
    return FALSE;
  }

  envelope = sd_wire_unframe (data, len, error);
  if (envelope == NULL)
    return FALSE;

  padded = sd_session_decrypt (recipient, envelope->content.data, envelope->content.len,
                               out->sender_ed25519, out->sender, error);
  if (padded == NULL) {
    memset (out, 0, sizeof *out);
    return FALSE;
  }
  plain = g_bytes_get_data (padded, &plain_len);
  content = session_protos__content__unpack (NULL, sd_unpadded_length (plain, plain_len), plain);
  if (content == NULL) {
    memset (out, 0, sizeof *out);
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "decrypted payload is not a Content message");
    return FALSE;
  }
  /* the envelope is outside the signature; sigTimestamp is the signed copy */
  if (content->has_sigtimestamp && content->sigtimestamp != envelope->timestamp) {
    memset (out, 0, sizeof *out);
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TIMESTAMP_MISMATCH,
                 "signed timestamp %" G_GUINT64_FORMAT " differs from envelope timestamp %"
                 G_GUINT64_FORMAT, content->sigtimestamp, envelope->timestamp);
    return FALSE;
  }
  out->envelope_timestamp = envelope->timestamp;
  out->content = g_steal_pointer (&content);
  return TRUE;
}

gboolean
sd_wire_unwrap (const SdIdentity *recipient,
                const gchar *base64,
                SdWireMessage *out,
                GError **error)
{
  g_autoptr(GBytes) raw = NULL;

  g_return_val_if_fail (base64 != NULL, FALSE);
  /* base64 of the largest accepted item, with a little slack */
  if (strlen (base64) > (SD_WIRE_MAX_DATA / 3 + 1) * 4) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "message exceeds the %d-byte limit", SD_WIRE_MAX_DATA);
    return FALSE;
  }
  raw = sd_base64_decode (base64, -1, error);
  if (raw == NULL)
    return FALSE;
  return sd_wire_unwrap_bytes (recipient, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                               out, error);
}
