/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the one place that initialises libsodium */
#define G_LOG_DOMAIN "SdSodium"

#include "config.h"

#include "sd-sodium.h"

#include <sodium.h>

void
sd_sodium_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    /* not inside g_assert, which G_DISABLE_ASSERT compiles out */
    if (sodium_init () < 0)
      g_error ("libsodium could not be initialised");
    g_once_init_leave (&done, 1);
  }
}
