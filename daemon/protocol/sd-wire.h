/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-keys.h"
#include "sd-protobuf.h"

G_BEGIN_DECLS

/* largest namespace-0 item we accept (the storage server's limit is
 * 76800 bytes of data); anything bigger is hostile */
#define SD_WIRE_MAX_DATA 76800

typedef enum {
  SD_WIRE_FLAG_NONE = 0,
  /* deterministic seal and no Envelope.proSig decoy: known-answer tests only */
  SD_WIRE_FLAG_DETERMINISTIC = 1 << 0,
} SdWireFlags;

/* one decoded 1:1 message */
typedef struct {
  gchar sender[SD_SESSION_ID_LEN + 1];
  guint8 sender_ed25519[32];
  guint64 envelope_timestamp;     /* T, ms */
  SessionProtos__Content *content; /* (owned) */
} SdWireMessage;

void sd_wire_message_clear (SdWireMessage *message);

/* serialized Content → pad → encrypt → Envelope(type 6) → WebSocketMessage;
 * returns the raw bytes that base64 makes the store `data` */
GBytes *sd_wire_wrap_bytes (const SdIdentity *sender,
                            const guint8 recipient_x25519[32],
                            guint64 timestamp,
                            const guint8 *content,
                            gsize content_len,
                            SdWireFlags flags) G_GNUC_WARN_UNUSED_RESULT;

/* the same from a Content message, as standard padded base64 */
gchar *sd_wire_wrap (const SdIdentity *sender,
                     const guint8 recipient_x25519[32],
                     guint64 timestamp,
                     const SessionProtos__Content *content) G_GNUC_WARN_UNUSED_RESULT;

/* exact inverse of sd_wire_wrap_bytes for the recipient; checks that
 * Content.sigTimestamp, when present, equals the envelope timestamp */
gboolean sd_wire_unwrap_bytes (const SdIdentity *recipient,
                               const guint8 *data,
                               gsize len,
                               SdWireMessage *out,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* from the base64 `data` string of a retrieved item */
gboolean sd_wire_unwrap (const SdIdentity *recipient,
                         const gchar *base64,
                         SdWireMessage *out,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the framing shared with the config wrapper (config/sd-config-wrap.c):
 * @envelope packed as the body of a WebSocketMessage request (empty verb
 * and path, as libsession writes them) */
GBytes *sd_wire_frame (const SessionProtos__Envelope *envelope) G_GNUC_WARN_UNUSED_RESULT;
/* the inverse: the Envelope of a WebSocketMessage typed as a request,
 * which must carry content; MALFORMED otherwise */
SessionProtos__Envelope *sd_wire_unframe (const guint8 *data, gsize len,
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdWireMessage, sd_wire_message_clear)

G_END_DECLS
