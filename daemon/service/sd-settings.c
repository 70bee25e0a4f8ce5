/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSettings"

#include "config.h"

#include "sd-settings.h"

struct _SdSettings {
  GObject parent_instance;

  GSettings *settings;       /* (owned) (nullable) NULL without the schema */
  SdAccount *account;        /* (owned) (nullable) */
  SdNotifier *notifier;      /* (owned) (nullable) */
  gboolean poll_overridden;
  guint poll_override;
  gboolean receipts_overridden;
  gboolean receipts_override;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdSettings, sd_settings, G_TYPE_OBJECT)

/* the schema defaults, for when the schema is not installed */
#define DEFAULT_POLL_INTERVAL 5000

static void
apply (SdSettings *self)
{
  if (self->account != NULL) {
    sd_account_set_poll_interval (self->account, sd_settings_get_poll_interval (self));
    sd_account_set_read_receipts (self->account, sd_settings_get_read_receipts (self));
    sd_account_set_typing_indicators (self->account, sd_settings_get_typing_indicators (self));
    sd_account_set_auto_download_max (self->account, sd_settings_get_auto_download_max (self));
  }
  if (self->notifier != NULL) {
    sd_notifier_set_enabled (self->notifier, sd_settings_get_notifications (self));
    sd_notifier_set_content (self->notifier, sd_settings_get_notification_content (self));
    sd_notifier_set_front_end (self->notifier, sd_settings_get_front_end (self));
  }
}

static void
on_changed (GSettings *settings, const gchar *key, gpointer user_data)
{
  SdSettings *self = user_data;

  g_debug ("setting %s changed", key);
  apply (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
sd_settings_override_poll_interval (SdSettings *self, guint interval_ms)
{
  g_return_if_fail (SD_IS_SETTINGS (self));

  self->poll_overridden = TRUE;
  self->poll_override = interval_ms;
  apply (self);
}

void
sd_settings_override_read_receipts (SdSettings *self, gboolean enabled)
{
  g_return_if_fail (SD_IS_SETTINGS (self));

  self->receipts_overridden = TRUE;
  self->receipts_override = enabled;
  apply (self);
}

guint
sd_settings_get_poll_interval (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), DEFAULT_POLL_INTERVAL);

  if (self->poll_overridden)
    return self->poll_override;
  if (self->settings == NULL)
    return DEFAULT_POLL_INTERVAL;
  return g_settings_get_uint (self->settings, "poll-interval");
}

gboolean
sd_settings_get_notifications (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), TRUE);

  return self->settings != NULL ? g_settings_get_boolean (self->settings, "notifications") : TRUE;
}

SdNotifyContent
sd_settings_get_notification_content (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), SD_NOTIFY_CONTENT_FULL);

  /* the schema's enum values are the SdNotifyContent values */
  if (self->settings == NULL)
    return SD_NOTIFY_CONTENT_FULL;
  return (SdNotifyContent) g_settings_get_enum (self->settings, "notification-content");
}

gboolean
sd_settings_get_read_receipts (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), FALSE);

  if (self->receipts_overridden)
    return self->receipts_override;
  return self->settings != NULL ? g_settings_get_boolean (self->settings, "read-receipts")
                                : FALSE;
}

gboolean
sd_settings_get_typing_indicators (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), TRUE);

  return self->settings != NULL ? g_settings_get_boolean (self->settings, "typing-indicators")
                                : TRUE;
}

guint
sd_settings_get_auto_download_max (SdSettings *self)
{
  g_return_val_if_fail (SD_IS_SETTINGS (self), SD_ATTACHMENTS_AUTO_DOWNLOAD_MAX);

  return self->settings != NULL ? g_settings_get_uint (self->settings, "auto-download-max")
                                : SD_ATTACHMENTS_AUTO_DOWNLOAD_MAX;
}

const gchar *
sd_settings_get_front_end (SdSettings *self)
{
  g_autofree gchar *value = NULL;

  g_return_val_if_fail (SD_IS_SETTINGS (self), "");

  if (self->settings == NULL)
    return "";
  /* interned: the value lives as long as the process, callers need not free */
  value = g_settings_get_string (self->settings, "front-end");
  return g_intern_string (value);
}

void
sd_settings_fill_config (SdSettings *self, SdAccountConfig *config)
{
  g_return_if_fail (SD_IS_SETTINGS (self));
  g_return_if_fail (config != NULL);

  config->poll_interval_ms = sd_settings_get_poll_interval (self);
  config->read_receipts = sd_settings_get_read_receipts (self);
  config->typing_indicators = sd_settings_get_typing_indicators (self);
  config->auto_download_max = sd_settings_get_auto_download_max (self);
}

void
sd_settings_attach_account (SdSettings *self, SdAccount *account)
{
  g_return_if_fail (SD_IS_SETTINGS (self));
  g_return_if_fail (account == NULL || SD_IS_ACCOUNT (account));

  g_set_object (&self->account, account);
  apply (self);
}

void
sd_settings_attach_notifier (SdSettings *self, SdNotifier *notifier)
{
  g_return_if_fail (SD_IS_SETTINGS (self));
  g_return_if_fail (notifier == NULL || SD_IS_NOTIFIER (notifier));

  g_set_object (&self->notifier, notifier);
  apply (self);
}

static void
sd_settings_dispose (GObject *object)
{
  SdSettings *self = SD_SETTINGS (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  g_clear_object (&self->notifier);
  G_OBJECT_CLASS (sd_settings_parent_class)->dispose (object);
}

static void
sd_settings_class_init (SdSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_settings_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sd_settings_init (SdSettings *self)
{
}

SdSettings *
sd_settings_new (GSettings *settings)
{
  SdSettings *self;

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SD_TYPE_SETTINGS, NULL);
  if (settings != NULL) {
    self->settings = g_object_ref (settings);
  } else {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = NULL;

    if (source != NULL)
      schema = g_settings_schema_source_lookup (source, SD_SETTINGS_SCHEMA, TRUE);
    /* running from the build tree without the schema: the defaults */
    if (schema == NULL)
      g_info ("schema %s is not installed; using the default settings", SD_SETTINGS_SCHEMA);
    else
      self->settings = g_settings_new_full (schema, NULL, NULL);
  }
  if (self->settings != NULL) {
    static const gchar *const keys[] = { "poll-interval", "notifications",
                                         "notification-content", "read-receipts",
                                         "typing-indicators", "front-end",
                                         "auto-download-max" };

    g_signal_connect (self->settings, "changed", G_CALLBACK (on_changed), self);
    /* some backends (dconf) emit "changed" only for keys read once */
    for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
      g_variant_unref (g_settings_get_value (self->settings, keys[i]));
  }
  return self;
}
