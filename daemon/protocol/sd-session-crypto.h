/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-keys.h"

G_BEGIN_DECLS

/* sealed box overhead (48) + sender Ed25519 pk (32) + signature (64) */
#define SD_SESSION_CRYPTO_OVERHEAD 144

/* Session protocol v1: sign M||A||Y, seal M||A||SIG to Y */
GBytes *sd_session_encrypt (const SdIdentity *sender,
                            const guint8 recipient_x25519[32],
                            const guint8 *message,
                            gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* same output format with a deterministic ephemeral key: only for
 * known-answer tests and self-addressed config messages */
GBytes *sd_session_encrypt_deterministic (const SdIdentity *sender,
                                          const guint8 recipient_x25519[32],
                                          const guint8 *message,
                                          gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* opens and verifies; returns M (still padded); @sender_ed25519 and
 * @sender_session_id (67 bytes) receive the author when non-NULL */
GBytes *sd_session_decrypt (const SdIdentity *recipient,
                            const guint8 *ciphertext,
                            gsize len,
                            guint8 sender_ed25519[32],
                            gchar sender_session_id[SD_SESSION_ID_LEN + 1],
                            GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
