/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* X-SOGS-* request authentication (protocol-advanced.md §5.3) */

#define SD_SOGS_NONCE_LEN 16
/* a signed path longer than this is refused rather than hashed */
#define SD_SOGS_MAX_PATH 4096
/* the reference server's allowed clock skew, seconds */
#define SD_SOGS_MAX_CLOCK_SKEW (24 * 60 * 60)

/* the four header values, ready to send */
typedef struct {
  gchar pubkey[67];    /* "15" + blinded key, or "00" + Ed25519 key, hex */
  gchar nonce[25];     /* base64 of 16 bytes, padded */
  gchar timestamp[21]; /* unix seconds, decimal */
  gchar signature[89]; /* base64 of 64 bytes, padded */
} SdSogsAuthHeaders;

/* what a server learns from valid headers */
typedef struct {
  gchar pubkey[67];    /* as sent, lower case */
  guint8 nonce[SD_SOGS_NONCE_LEN];
  gint64 timestamp;
} SdSogsAuthor;

/* server_pk ‖ nonce ‖ timestamp (decimal) ‖ method ‖ path (percent-decoded,
 * UTF-8) ‖ "?" query (as sent, when not empty) ‖ BLAKE2b-512(body) when the
 * body is not empty: what session-pysogs verifies */
GBytes *sd_sogs_signed_bytes (const guint8 server_pk[32],
                              const guint8 nonce[SD_SOGS_NONCE_LEN],
                              gint64 timestamp,
                              const gchar *method,
                              const gchar *path,
                              const guint8 *body,
                              gsize body_len,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* @blind: sign as our 15-blinded key (servers that list "blind" in their
 * capabilities), else as "00" + our Ed25519 key */
gboolean sd_sogs_sign_request (const guint8 ed25519_sk[64],
                               const guint8 server_pk[32],
                               gboolean blind,
                               const guint8 nonce[SD_SOGS_NONCE_LEN],
                               gint64 timestamp,
                               const gchar *method,
                               const gchar *path,
                               const guint8 *body,
                               gsize body_len,
                               SdSogsAuthHeaders *out,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the server side: parses the headers strictly (nonce in base64 or hex)
 * and checks the signature; clock skew and nonce reuse need the server's
 * state and are its business. Malformed → SD_PROTOCOL_ERROR_MALFORMED,
 * bad signature → SD_PROTOCOL_ERROR_SIGNATURE */
gboolean sd_sogs_verify_request (const guint8 server_pk[32],
                                 const gchar *pubkey,
                                 const gchar *nonce,
                                 const gchar *timestamp,
                                 const gchar *signature,
                                 const gchar *method,
                                 const gchar *path,
                                 const guint8 *body,
                                 gsize body_len,
                                 SdSogsAuthor *out,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* verifies a 64-byte signature of @data by a community poster id:
 * "15"/"25" + blinded key or "00" + Ed25519 key (both are plain Ed25519),
 * or "05" + X25519 key on servers without blinding (either sign of the
 * Ed25519 key behind it) */
gboolean sd_sogs_verify_by_id (const gchar *poster_id,
                               const guint8 *data,
                               gsize data_len,
                               const guint8 sig[64],
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
