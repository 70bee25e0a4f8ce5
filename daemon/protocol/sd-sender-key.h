/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a sender's X25519 key (its Session ID) from its Ed25519 key, as
 * crypto_sign_ed25519_pk_to_curve25519 gives it, remembered for the senders met lately (1:1
 * and group messages alike); FALSE for a key that is not a valid point */
gboolean sd_sender_x25519 (const guint8 ed25519_pk[32], guint8 x25519_pk[32]);

G_END_DECLS
