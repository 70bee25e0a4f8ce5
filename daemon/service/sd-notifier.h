/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-account.h"

G_BEGIN_DECLS

typedef enum {
  SD_NOTIFY_CONTENT_FULL, /* sender name and message text */
  SD_NOTIFY_CONTENT_NAME, /* sender name only */
  SD_NOTIFY_CONTENT_NONE, /* "New message" and nothing else */
} SdNotifyContent;

/* desktop notifications (org.freedesktop.Notifications) for incoming
 * messages: one per conversation, replaced rather than stacked; none for
 * muted conversations, our own messages, or while a client inhibits them;
 * actions open the front end, mark read, or reply inline */
#define SD_TYPE_NOTIFIER (sd_notifier_get_type ())
G_DECLARE_FINAL_TYPE (SdNotifier, sd_notifier, SD, NOTIFIER, GObject)

SdNotifier *sd_notifier_new (GDBusConnection *connection,
                             SdAccount *account) G_GNUC_WARN_UNUSED_RESULT;

void sd_notifier_set_enabled (SdNotifier *self, gboolean enabled);
void sd_notifier_set_content (SdNotifier *self, SdNotifyContent content);
void sd_notifier_set_inhibited (SdNotifier *self, gboolean inhibited);
/* the desktop file id of the front end that "default" activates (nullable) */
void sd_notifier_set_front_end (SdNotifier *self, const gchar *desktop_id);

G_END_DECLS
