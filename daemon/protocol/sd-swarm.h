/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_SWARM_INVALID_ID G_MAXUINT64

/* XOR of the four big-endian 64-bit words of the 32 key bytes */
guint64 sd_swarm_space (const guint8 key[32]);

/* the swarm id serving @space: nearest id with wrap-around, ties to the
 * lower neighbour; @ids in any order, @n_ids > 0 */
guint64 sd_swarm_choose (guint64 space, const guint64 *ids, gsize n_ids);

G_END_DECLS
