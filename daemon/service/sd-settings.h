/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-account.h"
#include "sd-notifier.h"

G_BEGIN_DECLS

#define SD_SETTINGS_SCHEMA "org.sessiond.Daemon"

/* the org.sessiond.Daemon GSettings schema, read at start and applied live
 * to the daemon and the notifier; command-line options given explicitly
 * win over the stored settings. Without the schema installed the defaults
 * apply and nothing is live. */
#define SD_TYPE_SETTINGS (sd_settings_get_type ())
G_DECLARE_FINAL_TYPE (SdSettings, sd_settings, SD, SETTINGS, GObject)

/* @settings: (nullable) a GSettings of SD_SETTINGS_SCHEMA, for tests; NULL
 * looks the schema up in the default source */
SdSettings *sd_settings_new (GSettings *settings) G_GNUC_WARN_UNUSED_RESULT;

/* command-line overrides: fixed for the life of the process */
void sd_settings_override_poll_interval (SdSettings *self, guint interval_ms);
void sd_settings_override_read_receipts (SdSettings *self, gboolean enabled);

/* the values in effect */
guint sd_settings_get_poll_interval (SdSettings *self);
gboolean sd_settings_get_notifications (SdSettings *self);
SdNotifyContent sd_settings_get_notification_content (SdSettings *self);
gboolean sd_settings_get_read_receipts (SdSettings *self);
gboolean sd_settings_get_typing_indicators (SdSettings *self);
const gchar *sd_settings_get_front_end (SdSettings *self); /* "" for none */
guint sd_settings_get_auto_download_max (SdSettings *self);

/* fills the settings fields of @config for sd_account_new() */
void sd_settings_fill_config (SdSettings *self, SdAccountConfig *config);
/* applies the values in effect to @account / @notifier now and on every
 * change from then on (a reference is kept) */
void sd_settings_attach_account (SdSettings *self, SdAccount *account);
void sd_settings_attach_notifier (SdSettings *self, SdNotifier *notifier);

/* signals:
 *   "changed" (): a value in effect changed */

G_END_DECLS
