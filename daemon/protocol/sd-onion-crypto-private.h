/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* test hooks of sd-onion-crypto.c; not for daemon code */

#include <glib.h>

G_BEGIN_DECLS

void sd_onion_crypto_set_portable_aes (gboolean force);

G_END_DECLS
