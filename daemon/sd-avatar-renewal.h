/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the planning shared by the keepers of pictures on the file server: our avatar
 * (sd-account-avatar.c) and the pictures of groups we administer (sd-account-group-avatar.c);
 * docs/attachments.md, "Keeping our avatar" */

/* what we assume of a file whose server said no expiry: the official 14 days */
#define SD_AVATAR_RENEWAL_ASSUMED_S (14 * 24 * 3600)
/* the timers wake at least daily, so a changed clock is noticed */
#define SD_AVATAR_RENEWAL_CHECK_MAX_S (24 * 3600)

/* when a file uploaded or extended at @renewed (unix seconds; 0: unknown, taken as @now) that
 * the server keeps until @expires (0: not said, 14 days assumed) should be renewed: 6/7 of the
 * way there (the official clients' 12 of 14 days), never sooner than 10 s after @renewed */
gint64 sd_avatar_renewal_due (gint64 renewed, gint64 expires, gint64 now);

typedef enum {
  SD_AVATAR_RENEWAL_EXTENDED, /* the same URL lives on */
  SD_AVATAR_RENEWAL_REUPLOAD, /* gone, or a server that will not extend it: upload again */
  SD_AVATAR_RENEWAL_RETRY,    /* a network or server failure: later, with backoff */
} SdAvatarRenewalNext;

/* what to do after POST /file/{id}/extend ended with @error (NULL: it worked) */
SdAvatarRenewalNext sd_avatar_renewal_after_extend (const GError *error);

/* a renewal failed (@attempts: failures in a row, counted up here): the pause before the next
 * try in ms — backoff for 8 failures, then 6 hours with the count reset */
gint64 sd_avatar_renewal_retry_ms (guint *attempts);

/* the pause before a plan's next check, from @due and @now, in seconds for a timer */
guint sd_avatar_renewal_wait_s (gint64 due, gint64 now);

G_END_DECLS
