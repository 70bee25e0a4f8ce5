/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* one message encrypted separately for several X25519 recipients under one
 * nonce (libsession multi_encrypt): the key for sender s/S and recipient
 * r/R is BLAKE2b-32(sR ‖ S ‖ R) keyed with a domain string, so a recipient
 * tries its one key against every copy. Used by Keys messages
 * ("SessionGroupKeyMemberKey") and kick notices
 * ("SessionGroupKickedMessage") */

#define SD_MULTI_NONCE_LEN 24
#define SD_MULTI_OVERHEAD 16 /* the Poly1305 tag of each copy */

/* FALSE when the shared point is degenerate (a bad public key) */
gboolean sd_multi_encrypt_key (guint8 key[32],
                               const guint8 own_sk[32],
                               const guint8 own_pk[32],
                               const guint8 other_pk[32],
                               gboolean encrypting,
                               const gchar *domain);

/* one copy: @len + 16 bytes written to @out */
void sd_multi_encrypt_copy (guint8 *out,
                            const guint8 *message,
                            gsize len,
                            const guint8 key[32],
                            const guint8 nonce[SD_MULTI_NONCE_LEN]);
/* @len - 16 bytes written to @out; FALSE if the copy is not for this key */
gboolean sd_multi_decrypt_copy (guint8 *out,
                                const guint8 *copy,
                                gsize len,
                                const guint8 key[32],
                                const guint8 nonce[SD_MULTI_NONCE_LEN]);

/* the self-contained form, d "#" nonce, "e" [copies] e: @messages holds one
 * message for everybody or one per recipient; @nonce NULL picks a random
 * one; recipients with a bad key are skipped. %NULL only for bad arguments */
GBytes *sd_multi_encrypt_simple (GPtrArray *messages,
                                 const guint8 (*recipients)[32],
                                 guint n_recipients,
                                 const guint8 sender_sk[32],
                                 const guint8 sender_pk[32],
                                 const gchar *domain,
                                 const guint8 *nonce) G_GNUC_WARN_UNUSED_RESULT;

/* the same with the sender's Ed25519 secret key (a group's) */
GBytes *sd_multi_encrypt_simple_ed25519 (GPtrArray *messages,
                                         const guint8 (*recipients)[32],
                                         guint n_recipients,
                                         const guint8 ed25519_sk[64],
                                         const gchar *domain) G_GNUC_WARN_UNUSED_RESULT;

/* the first copy that opens for us; %SD_PROTOCOL_ERROR_DECRYPT if none
 * does, MALFORMED for a bad envelope; at most SD_MULTI_MAX_COPIES tried */
#define SD_MULTI_MAX_COPIES 10000
GBytes *sd_multi_decrypt_simple (const guint8 *encoded,
                                 gsize len,
                                 const guint8 own_sk[32],
                                 const guint8 own_pk[32],
                                 const guint8 sender_pk[32],
                                 const gchar *domain,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
