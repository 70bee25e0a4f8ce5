/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The Ed25519 public key (sign bit clear) whose Montgomery form is @x25519_pk: y = (u − 1)/(u + 1).
 * Community blinding and group subaccounts both need it; libsodium only converts the other way.
 * FALSE when there is no such point. */
gboolean sd_x25519_pk_to_ed25519 (const guint8 x25519_pk[32],
                                  guint8 ed25519_pk[32]) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
