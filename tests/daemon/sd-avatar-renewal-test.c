/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the planning shared by the avatar keepers (daemon/sd-avatar-renewal.c) */
#include "config.h"

#include <gio/gio.h>

#include "sd-avatar-renewal.h"
#include "sd-network-error.h"

#define NOW 1800000000

static void
test_due (void)
{
  /* 6/7 of a 14-day life: 12 days */
  g_assert_cmpint (sd_avatar_renewal_due (NOW, NOW + 14 * 86400, NOW), ==, NOW + 12 * 86400);
  /* 30 s: 25 s on */
  g_assert_cmpint (sd_avatar_renewal_due (NOW - 5, NOW + 25, NOW), ==, NOW - 5 + 25);
  /* expiry not said (or not after the renewal): 14 days assumed */
  g_assert_cmpint (sd_avatar_renewal_due (NOW, 0, NOW), ==, NOW + 12 * 86400);
  g_assert_cmpint (sd_avatar_renewal_due (NOW, NOW - 1, NOW), ==, NOW + 12 * 86400);
  /* renewal time unknown, or from a clock far ahead: now */
  g_assert_cmpint (sd_avatar_renewal_due (0, 0, NOW), ==, NOW + 12 * 86400);
  g_assert_cmpint (sd_avatar_renewal_due (NOW + 2 * 86400, 0, NOW), ==, NOW + 12 * 86400);
  /* a tiny lifetime cannot make a loop: at least 10 s after the renewal */
  g_assert_cmpint (sd_avatar_renewal_due (NOW, NOW + 1, NOW), ==, NOW + 10);
  /* already due (the daemon was off) */
  g_assert_cmpint (sd_avatar_renewal_due (NOW - 100, NOW - 10, NOW), <=, NOW);
}

static void
test_after_extend (void)
{
  g_autoptr(GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "404");
  g_autoptr(GError) other = g_error_new_literal (SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED,
                                                 "another server");
  g_autoptr(GError) busy = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "slow");

  g_assert_cmpint (sd_avatar_renewal_after_extend (NULL), ==, SD_AVATAR_RENEWAL_EXTENDED);
  g_assert_cmpint (sd_avatar_renewal_after_extend (gone), ==, SD_AVATAR_RENEWAL_REUPLOAD);
  g_assert_cmpint (sd_avatar_renewal_after_extend (other), ==, SD_AVATAR_RENEWAL_REUPLOAD);
  g_assert_cmpint (sd_avatar_renewal_after_extend (busy), ==, SD_AVATAR_RENEWAL_RETRY);
}

static void
test_retry (void)
{
  guint attempts = 0;
  gint64 last = 0;

  /* backoff growing for 7 failures, then 6 hours with the count reset */
  for (guint i = 1; i < 8; i++) {
    gint64 delay = sd_avatar_renewal_retry_ms (&attempts);

    g_assert_cmpuint (attempts, ==, i);
    g_assert_cmpint (delay, >=, last);
    g_assert_cmpint (delay, <=, 10 * 60 * 1000);
    last = delay;
  }
  g_assert_cmpint (sd_avatar_renewal_retry_ms (&attempts), ==, (gint64) 6 * 3600 * 1000);
  g_assert_cmpuint (attempts, ==, 0);
  g_assert_cmpint (sd_avatar_renewal_retry_ms (&attempts), <=, 10 * 60 * 1000);
}

static void
test_wait (void)
{
  g_assert_cmpuint (sd_avatar_renewal_wait_s (NOW - 5, NOW), ==, 0);
  g_assert_cmpuint (sd_avatar_renewal_wait_s (NOW + 25, NOW), ==, 25);
  g_assert_cmpuint (sd_avatar_renewal_wait_s (NOW + 30 * 86400, NOW), ==, 24 * 3600);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/avatar-renewal/due", test_due);
  g_test_add_func ("/avatar-renewal/after-extend", test_after_extend);
  g_test_add_func ("/avatar-renewal/retry", test_retry);
  g_test_add_func ("/avatar-renewal/wait", test_wait);
  return g_test_run ();
}
