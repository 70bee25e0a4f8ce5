/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes sure sodium_init() has run: libsodium picks its CPU code paths
 * (AES-NI among them) and readies its random source there. Every entry
 * point of daemon/protocol that uses libsodium calls this first, so tests,
 * fuzz targets and the daemon need no set-up of their own; after the first
 * call it costs one atomic read. A libsodium that cannot initialise aborts
 * the process: no key, signature or nonce can be trusted without it. */
void sd_sodium_init (void);

G_END_DECLS
