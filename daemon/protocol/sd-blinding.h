/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Community (SOGS) blinded ids (protocol-advanced.md §5.4,
 * protocol-identity-and-messages.md §7): a per-server pseudonym, so a
 * server cannot link one account across servers. */

#define SD_BLINDED_ID_LEN 66 /* "15" or "25" + 64 hex digits, without the NUL */

typedef enum {
  SD_BLINDING_15 = 0x15,
  SD_BLINDING_25 = 0x25,
} SdBlinding;

/* our own blind15 key pair on a server: the secret scalar k·a and the
 * public key k·A (A our Ed25519 key, so its sign is known) */
typedef struct {
  guint8 pk[32];
  guint8 scalar[32];
} SdBlindedKeyPair;

/* k = BLAKE2b-512(server_pk) reduced mod L */
void sd_blind15_factor (const guint8 server_pk[32], guint8 k[32]);

/* FALSE only for a degenerate server key (k·A the identity) */
gboolean sd_blind15_key_pair (const guint8 ed25519_sk[64],
                              const guint8 server_pk[32],
                              SdBlindedKeyPair *out) G_GNUC_WARN_UNUSED_RESULT;

/* an Ed25519 signature of @msg that verifies under out->pk of
 * sd_blind15_key_pair (r is derived from the seed's hash, as upstream) */
void sd_blind15_sign (const guint8 ed25519_sk[64],
                      const guint8 server_pk[32],
                      const guint8 *msg,
                      gsize msg_len,
                      guint8 sig[64]);

/* blind15 of a known Ed25519 key: exact, one answer */
gboolean sd_blind15_pk_from_ed25519 (const guint8 ed25519_pk[32],
                                     const guint8 server_pk[32],
                                     guint8 blinded_pk[32]) G_GNUC_WARN_UNUSED_RESULT;

/* blind15 of a Session ID's X25519 key: the X25519 → Ed25519 step loses
 * the sign, so there are two candidates differing in bit 0x80 of the last
 * byte; [0] is the one from the non-negative Ed25519 key */
gboolean sd_blind15_candidates (const guint8 x25519_pk[32],
                                const guint8 server_pk[32],
                                guint8 candidates[2][32]) G_GNUC_WARN_UNUSED_RESULT;

/* blind25 (double blind, unambiguous from a Session ID); ids only: we
 * neither sign nor talk with 25 yet (desktop still uses 15) */
gboolean sd_blind25_pk_from_x25519 (const guint8 x25519_pk[32],
                                    const guint8 server_pk[32],
                                    guint8 blinded_pk[32]) G_GNUC_WARN_UNUSED_RESULT;

/* "15"/"25" + hex */
void sd_blinded_id_format (SdBlinding kind,
                           const guint8 blinded_pk[32],
                           gchar out[SD_BLINDED_ID_LEN + 1]);

/* strict: 66 hex digits starting with 15 or 25 */
gboolean sd_blinded_id_parse (const gchar *text,
                              SdBlinding *kind,
                              guint8 blinded_pk[32],
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* recognising a contact: does @blinded_id (15 or 25) on the server
 * @server_pk belong to @session_id? Both sign choices are tried for 15 */
gboolean sd_blinded_id_matches (const gchar *blinded_id,
                                const gchar *session_id,
                                const guint8 server_pk[32]);

/* does a blind15 key belong to @ed25519_pk? Accepts either sign, as the
 * receiver of a blinded DM must (the sender may have looked us up from
 * our Session ID) */
gboolean sd_blind15_pk_matches_ed25519 (const guint8 blinded_pk[32],
                                        const guint8 ed25519_pk[32],
                                        const guint8 server_pk[32]);

G_END_DECLS
