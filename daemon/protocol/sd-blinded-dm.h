/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-keys.h"
#include "sd-protobuf.h"

G_BEGIN_DECLS

/* community DMs between 15-blinded ids through a server's inbox
 * (protocol-advanced.md §5.6, protocol-identity-and-messages.md §2.4):
 * 0x00 ‖ XChaCha20-Poly1305(key, nonce, message ‖ sender's Ed25519 pk) ‖ nonce,
 * key = BLAKE2b-256(a·[kB] ‖ sender blinded pk ‖ recipient blinded pk) */

#define SD_BLINDED_DM_VERSION 0x00
/* what an inbox message may grow to before we stop reading it */
#define SD_BLINDED_DM_MAX 76800

/* @message is what goes in: the caller pads its Content first.
 * @nonce: NULL for a random one (tests pass a fixed one) */
GBytes *sd_blinded_dm_encrypt (const guint8 ed25519_sk[64],
                               const guint8 server_pk[32],
                               const guint8 recipient_blinded_pk[32],
                               const guint8 *message,
                               gsize message_len,
                               const guint8 *nonce,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* @other_blinded_pk: the sender for an inbox message, the recipient for
 * an outbox one (@outgoing, our own message read back). Checks that the
 * embedded Ed25519 key blinds to the sender; gives the message and the
 * sender's real Session ID */
GBytes *sd_blinded_dm_decrypt (const guint8 ed25519_sk[64],
                               const guint8 server_pk[32],
                               const guint8 other_blinded_pk[32],
                               gboolean outgoing,
                               const guint8 *data,
                               gsize len,
                               guint8 sender_ed25519_pk[32],
                               gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* what a community DM carries: a serialized Content, padded (§3) before
 * encryption as libsession's community-inbox encoder does */
GBytes *sd_blinded_dm_seal_content (const guint8 ed25519_sk[64],
                                    const guint8 server_pk[32],
                                    const guint8 recipient_blinded_pk[32],
                                    const guint8 *content,
                                    gsize content_len,
                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* sd_blinded_dm_decrypt, then unpadding and the Content parser */
SessionProtos__Content *sd_blinded_dm_open_content (const guint8 ed25519_sk[64],
                                                    const guint8 server_pk[32],
                                                    const guint8 other_blinded_pk[32],
                                                    gboolean outgoing,
                                                    const guint8 *data,
                                                    gsize len,
                                                    guint8 sender_ed25519_pk[32],
                                                    gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                                                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
