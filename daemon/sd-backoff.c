/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-backoff.h"

gint64
sd_backoff_delay (gint64 base_ms, gint64 max_ms, guint attempt)
{
  gint64 delay = MAX (base_ms, 1);

  /* doubling stops at the cap, so this never overflows */
  for (guint i = 1; i < attempt && delay < max_ms; i++)
    delay *= 2;
  return MIN (delay, max_ms);
}
