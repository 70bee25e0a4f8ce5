/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-swarm.h"

guint64
sd_swarm_space (const guint8 key[32])
{
  guint64 space = 0;

  for (guint word = 0; word < 4; word++) {
    guint64 value = 0;

    for (guint i = 0; i < 8; i++)
      value = (value << 8) | key[word * 8 + i];
    space ^= value;
  }
  return space;
}

guint64
sd_swarm_choose (guint64 space, const guint64 *ids, gsize n_ids)
{
  gboolean have_right = FALSE, have_left = FALSE;
  guint64 right = 0, left = 0, lowest = G_MAXUINT64, highest = 0;

  g_return_val_if_fail (ids != NULL && n_ids > 0, SD_SWARM_INVALID_ID);

  /* right = smallest id >= space, left = largest id < space; each wraps
   * to the other end of the ring when missing */
  for (gsize i = 0; i < n_ids; i++) {
    guint64 id = ids[i];

    lowest = MIN (lowest, id);
    highest = MAX (highest, id);
    if (id >= space && (!have_right || id < right)) {
      right = id;
      have_right = TRUE;
    }
    if (id < space && (!have_left || id > left)) {
      left = id;
      have_left = TRUE;
    }
  }
  if (!have_right)
    right = lowest;
  if (!have_left)
    left = highest;

  /* unsigned arithmetic is the mod-2^64 distance; ties go left */
  return (guint64) (right - space) < (guint64) (space - left) ? right : left;
}
