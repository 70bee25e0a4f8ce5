/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_SEED_LEN        32
#define SD_ENTROPY_LEN     16
#define SD_SESSION_ID_LEN  66 /* hex chars, without the NUL */

/* an account's key material, derived from the 32-byte Ed25519 seed */
typedef struct {
  guint8 ed25519_pk[32];
  guint8 ed25519_sk[64]; /* seed || pk, libsodium layout */
  guint8 x25519_pk[32];
  guint8 x25519_sk[32];
  gchar session_id[SD_SESSION_ID_LEN + 1];
} SdIdentity;

void sd_identity_from_seed (SdIdentity *identity, const guint8 seed[SD_SEED_LEN]);

/* account entropy (16 bytes) → seed = entropy || 16 zero bytes */
void sd_identity_from_entropy (SdIdentity *identity, const guint8 entropy[SD_ENTROPY_LEN]);

/* wipes the secret keys */
void sd_identity_clear (SdIdentity *identity);

/* "05" + hex(x25519_pk) */
void sd_session_id_format (const guint8 x25519_pk[32], gchar out[SD_SESSION_ID_LEN + 1]);

/* any account id: hex(@prefix) + hex(@key), e.g. 05 user, 03 group,
 * 15/25 blinded */
void sd_account_id_format (guint8 prefix, const guint8 key[32], gchar out[SD_SESSION_ID_LEN + 1]);

/* a user Session ID: "05" + 64 hex digits; gives the X25519 key */
gboolean sd_session_id_parse (const gchar *text,
                              guint8 x25519_pk[32],
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* any 33-byte account id in 66 hex digits (05 user, 03 group, ...) */
gboolean sd_account_id_parse (const gchar *text,
                              guint8 account_id[33],
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same, that must start with @prefix (0x05 user, 0x03 group) */
gboolean sd_account_id_parse_with_prefix (const gchar *text,
                                          guint8 prefix,
                                          guint8 account_id[33],
                                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* X25519 key of an Ed25519 public key; FALSE if it is not a valid point */
gboolean sd_ed25519_pk_to_x25519 (const guint8 ed25519_pk[32], guint8 x25519_pk[32]);

G_END_DECLS
