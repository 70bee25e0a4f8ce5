/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "sd-avatar-renewal.h"
#include "sd-backoff.h"
#include "sd-network-error.h"

/* a server that gives files a tiny lifetime cannot make us renew more often than this */
#define RENEW_MIN_S    10
/* failures in a row (network, busy server) tried again with backoff, then in 6 hours */
#define RENEW_ATTEMPTS 8
#define RENEW_BASE_MS  2000
#define RENEW_MAX_MS   (10 * 60 * 1000)
#define RENEW_LATER_S  (6 * 3600)

gint64
sd_avatar_renewal_due (gint64 renewed, gint64 expires, gint64 now)
{
  /* unknown, or from a clock that was far ahead */
  if (renewed <= 0 || renewed > now + SD_AVATAR_RENEWAL_CHECK_MAX_S)
    renewed = now;
  if (expires <= renewed)
    expires = renewed + SD_AVATAR_RENEWAL_ASSUMED_S;
  return renewed + MAX ((expires - renewed) * 6 / 7, RENEW_MIN_S);
}

SdAvatarRenewalNext
sd_avatar_renewal_after_extend (const GError *error)
{
  if (error == NULL)
    return SD_AVATAR_RENEWAL_EXTENDED;
  /* gone, or a server that does not extend (404), or a file on a server we cannot extend
   * (REJECTED) */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED))
    return SD_AVATAR_RENEWAL_REUPLOAD;
  return SD_AVATAR_RENEWAL_RETRY;
}

gint64
sd_avatar_renewal_retry_ms (guint *attempts)
{
  if (++*attempts < RENEW_ATTEMPTS)
    return sd_backoff_delay (RENEW_BASE_MS, RENEW_MAX_MS, *attempts);
  *attempts = 0;
  return (gint64) RENEW_LATER_S * 1000;
}

guint
sd_avatar_renewal_wait_s (gint64 due, gint64 now)
{
  return (guint) CLAMP (due - now, 0, SD_AVATAR_RENEWAL_CHECK_MAX_S);
}
