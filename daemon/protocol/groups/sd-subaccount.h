/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-group-identity.h"
#include "sd-keys.h"

G_BEGIN_DECLS

/* subaccount authentication on a group's swarm (protocol-network.md §4.3):
 * a non-admin member signs its requests with a key blinded by a factor k
 * that an admin derived for it, and shows the admin's signature of the
 * token "03 ‖ flags ‖ 0 ‖ 0 ‖ kT" (T = the member's Ed25519 key with the
 * sign bit cleared). The admin hands over the 100-byte signing value
 * "03 ‖ flags ‖ 0 ‖ 0 ‖ k ‖ signature" with the invite. */

#define SD_SUBACCOUNT_VALUE_LEN 100
#define SD_SUBACCOUNT_TOKEN_LEN 36

/* token flag bits, as the storage server reads them */
#define SD_SUBACCOUNT_FLAG_READ 0x01
#define SD_SUBACCOUNT_FLAG_WRITE 0x02
#define SD_SUBACCOUNT_FLAG_DELETE 0x04
#define SD_SUBACCOUNT_FLAG_ANY_PREFIX 0x08

/* admin: the signing value for @session_id (always readable) */
gboolean sd_subaccount_make (const SdGroupIdentity *group,
                             const gchar *session_id,
                             gboolean write,
                             gboolean del,
                             guint8 value[SD_SUBACCOUNT_VALUE_LEN],
                             GError **error);
/* admin: the member's 36-byte token, for revoke_subaccount */
gboolean sd_subaccount_token (const SdGroupIdentity *group,
                              const gchar *session_id,
                              gboolean write,
                              gboolean del,
                              guint8 token[SD_SUBACCOUNT_TOKEN_LEN],
                              GError **error);

/* member: TRUE when @value is a valid grant from the group's admins for
 * our key, with at least the asked permissions */
gboolean sd_subaccount_verify (const SdGroupIdentity *group,
                               const SdIdentity *user,
                               const guint8 value[SD_SUBACCOUNT_VALUE_LEN],
                               gboolean write,
                               gboolean del);

/* what a member sends with a request: "subaccount", "subaccount_sig" and
 * "signature" (base64 on the wire) */
typedef struct {
  guint8 token[SD_SUBACCOUNT_TOKEN_LEN];
  guint8 token_signature[64];
  guint8 signature[64];
} SdSubaccountAuth;

/* member: signs @message (the request's signed string) with the blinded key */
gboolean sd_subaccount_sign (const SdIdentity *user,
                             const guint8 value[SD_SUBACCOUNT_VALUE_LEN],
                             const guint8 *message,
                             gsize len,
                             SdSubaccountAuth *out,
                             GError **error);

/* the three request fields as padded base64: "subaccount",
 * "subaccount_sig", "signature" */
void sd_subaccount_auth_to_base64 (const SdSubaccountAuth *auth,
                                   gchar **subaccount,
                                   gchar **subaccount_sig,
                                   gchar **signature);

/* a storage server accepts at most this many tokens in one (un)revoke */
#define SD_SUBACCOUNT_MAX_REVOKE 50

/* admin: what (un)revoke_subaccount signs, "revoke_subaccount" (or
 * "unrevoke_subaccount") + timestamp (decimal ms) + the raw tokens; bytes,
 * not text, since the tokens are binary. NULL for 0 or more than 50 tokens */
GBytes *sd_subaccount_revoke_signed_bytes (gboolean unrevoke,
                                           guint64 timestamp_ms,
                                           const guint8 (*tokens)[SD_SUBACCOUNT_TOKEN_LEN],
                                           guint n_tokens) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
