/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-protobuf.h"

G_BEGIN_DECLS

/* community posts (protocol-advanced.md §5.5): `data` is the padded
 * Content in plaintext, `signature` an Ed25519 (usually blinded) signature
 * of the raw data bytes */

/* a post bigger than this is hostile: the text limit is 10000 UTF-16
 * units even with Pro, and attachments travel as file ids */
#define SD_SOGS_POST_MAX_DATA 65536

typedef enum {
  SD_SOGS_PAYLOAD_CONTENT,  /* what desktop sends today */
  SD_SOGS_PAYLOAD_ENVELOPE, /* the announced successor: an Envelope holding the Content */
} SdSogsPayloadKind;

typedef struct {
  SdSogsPayloadKind kind;
  GBytes *content;                  /* (owned) the Content's bytes, unpadded */
  SessionProtos__Content *parsed;   /* (owned) */
  guint64 envelope_timestamp;       /* Envelope form only, else 0 */
} SdSogsPost;

void sd_sogs_post_clear (SdSogsPost *post);

/* pads @content and signs it; @blind as in sd_sogs_sign_request. Both
 * outputs are padded base64 */
gboolean sd_sogs_post_encode (const guint8 ed25519_sk[64],
                              const guint8 server_pk[32],
                              gboolean blind,
                              const guint8 *content,
                              gsize content_len,
                              gchar **data_base64,
                              gchar **signature_base64,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* checks the signature by @poster_id ("15"/"25"/"00" + hex) over the raw
 * data, then takes the Content out of either form */
gboolean sd_sogs_post_decode (const gchar *poster_id,
                              const gchar *data_base64,
                              const gchar *signature_base64,
                              SdSogsPost *out,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the second half alone (after the signature check): raw data bytes to
 * Content; what the fuzz target drives */
gboolean sd_sogs_post_parse_data (const guint8 *data,
                                  gsize len,
                                  SdSogsPost *out,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdSogsPost, sd_sogs_post_clear)

G_END_DECLS
