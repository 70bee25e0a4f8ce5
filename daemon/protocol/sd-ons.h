/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sd-keys.h"

G_BEGIN_DECLS

/* ONS, the Session name service (protocol-advanced.md §7,
 * protocol-identity-and-messages.md §9.5) */

#define SD_ONS_NAME_MAX 64
/* what we accept in the hex fields of an ons_resolve answer */
#define SD_ONS_MAX_VALUE_HEX 512

/* lower-cases and checks ^\w([\w-]*\w)?$ (ASCII word characters);
 * SD_PROTOCOL_ERROR_INVALID_ONS_NAME otherwise */
gchar *sd_ons_name_normalise (const gchar *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* base64 of BLAKE2b-256(name), the `name_hash` of an ons_resolve request;
 * @name as sd_ons_name_normalise gives it */
gchar *sd_ons_name_hash (const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

/* XChaCha20-Poly1305 with key BLAKE2b-256(name, keyed by the name hash),
 * to a 33-byte 05 Session ID. An empty nonce is the old Argon2 record,
 * which is no longer supported (SD_PROTOCOL_ERROR_UNSUPPORTED) */
gboolean sd_ons_decrypt (const gchar *name,
                         const gchar *encrypted_value_hex,
                         const gchar *nonce_hex,
                         gchar session_id[SD_SESSION_ID_LEN + 1],
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the request parameters of oxend_request's ons_resolve for @name (as
 * sd_ons_name_normalise gives it): {"endpoint":"ons_resolve","params":{"type":0,"name_hash":…}} */
JsonObject *sd_ons_request_params (const gchar *name) G_GNUC_WARN_UNUSED_RESULT;

/* one node's answer to ons_resolve: its status and body */
typedef struct {
  guint status;
  const gchar *body;
  gsize len;
} SdOnsAnswer;

/* the rule of protocol-advanced.md §7: the answers of (three) random nodes
 * must agree. All "not found" → SD_PROTOCOL_ERROR_ONS_NOT_FOUND; found and
 * not found, or different Session IDs → SD_PROTOCOL_ERROR_ONS_DISAGREEMENT;
 * any answer that is neither a record nor "not found" → that answer's error
 * (the caller may ask other nodes) */
gboolean sd_ons_resolve_answers (const gchar *name,
                                 const SdOnsAnswer *answers,
                                 gsize n_answers,
                                 gchar session_id[SD_SESSION_ID_LEN + 1],
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the inverse, for the testnet's name registry and tests; @nonce NULL for a
 * random one. Gives hex strings as an answer carries them */
gboolean sd_ons_encrypt (const gchar *name,
                         const gchar *session_id,
                         const guint8 *nonce,
                         gchar **encrypted_value_hex,
                         gchar **nonce_hex,
                         GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
