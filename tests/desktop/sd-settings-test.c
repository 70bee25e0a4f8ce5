/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdSettings against the compiled schema in the build directory, with the
 * memory backend: defaults, live changes, command-line precedence */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "sd-settings.h"

typedef struct {
  GSettings *settings;  /* (owned) */
  SdSettings *sd;       /* (owned) */
  guint changed;
} Fixture;

static void
on_changed (SdSettings *sd, gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->changed++;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  fixture->settings = g_settings_new_with_backend (SD_SETTINGS_SCHEMA, backend);
  fixture->sd = sd_settings_new (fixture->settings);
  g_signal_connect (fixture->sd, "changed", G_CALLBACK (on_changed), fixture);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_clear_object (&fixture->sd);
  g_clear_object (&fixture->settings);
}

static void
test_defaults (Fixture *fixture, gconstpointer data)
{
  SdAccountConfig config = { 0 };

  g_assert_cmpuint (sd_settings_get_poll_interval (fixture->sd), ==, 5000);
  g_assert_true (sd_settings_get_notifications (fixture->sd));
  g_assert_cmpint (sd_settings_get_notification_content (fixture->sd), ==,
                   SD_NOTIFY_CONTENT_FULL);
  g_assert_false (sd_settings_get_read_receipts (fixture->sd));
  g_assert_true (sd_settings_get_typing_indicators (fixture->sd));
  g_assert_cmpstr (sd_settings_get_front_end (fixture->sd), ==, "");

  sd_settings_fill_config (fixture->sd, &config);
  g_assert_cmpuint (config.poll_interval_ms, ==, 5000);
  g_assert_false (config.read_receipts);
  g_assert_true (config.typing_indicators);
}

/* the enum nicks map onto SdNotifyContent */
static void
test_content_enum (Fixture *fixture, gconstpointer data)
{
  g_settings_set_string (fixture->settings, "notification-content", "name");
  g_assert_cmpint (sd_settings_get_notification_content (fixture->sd), ==,
                   SD_NOTIFY_CONTENT_NAME);
  g_settings_set_string (fixture->settings, "notification-content", "none");
  g_assert_cmpint (sd_settings_get_notification_content (fixture->sd), ==,
                   SD_NOTIFY_CONTENT_NONE);
  g_settings_set_string (fixture->settings, "notification-content", "full");
  g_assert_cmpint (sd_settings_get_notification_content (fixture->sd), ==,
                   SD_NOTIFY_CONTENT_FULL);
}

static void
test_live (Fixture *fixture, gconstpointer data)
{
  g_settings_set_uint (fixture->settings, "poll-interval", 750);
  g_settings_set_boolean (fixture->settings, "notifications", FALSE);
  g_settings_set_boolean (fixture->settings, "read-receipts", TRUE);
  g_settings_set_boolean (fixture->settings, "typing-indicators", FALSE);
  g_settings_set_string (fixture->settings, "front-end", "org.example.Chat.desktop");

  g_assert_cmpuint (fixture->changed, ==, 5);
  g_assert_cmpuint (sd_settings_get_poll_interval (fixture->sd), ==, 750);
  g_assert_false (sd_settings_get_notifications (fixture->sd));
  g_assert_true (sd_settings_get_read_receipts (fixture->sd));
  g_assert_false (sd_settings_get_typing_indicators (fixture->sd));
  g_assert_cmpstr (sd_settings_get_front_end (fixture->sd), ==, "org.example.Chat.desktop");
}

/* options given on the command line stay in force whatever the settings say */
static void
test_overrides (Fixture *fixture, gconstpointer data)
{
  SdAccountConfig config = { 0 };

  sd_settings_override_poll_interval (fixture->sd, 300);
  sd_settings_override_read_receipts (fixture->sd, TRUE);
  g_settings_set_uint (fixture->settings, "poll-interval", 9000);
  g_settings_set_boolean (fixture->settings, "read-receipts", FALSE);
  g_assert_cmpuint (sd_settings_get_poll_interval (fixture->sd), ==, 300);
  g_assert_true (sd_settings_get_read_receipts (fixture->sd));

  /* the other keys still follow the settings */
  g_settings_set_boolean (fixture->settings, "typing-indicators", FALSE);
  sd_settings_fill_config (fixture->sd, &config);
  g_assert_cmpuint (config.poll_interval_ms, ==, 300);
  g_assert_true (config.read_receipts);
  g_assert_false (config.typing_indicators);
}

/* out-of-range values never reach the daemon: the schema refuses them */
static void
test_range (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) key = NULL;
  g_autoptr(GVariant) low = g_variant_ref_sink (g_variant_new_uint32 (99));
  g_autoptr(GVariant) high = g_variant_ref_sink (g_variant_new_uint32 (3600001));
  g_autoptr(GVariant) ok = g_variant_ref_sink (g_variant_new_uint32 (100));

  g_object_get (fixture->settings, "settings-schema", &schema, NULL);
  key = g_settings_schema_get_key (schema, "poll-interval");
  g_assert_false (g_settings_schema_key_range_check (key, low));
  g_assert_false (g_settings_schema_key_range_check (key, high));
  g_assert_true (g_settings_schema_key_range_check (key, ok));
}

/* a real daemon and notifier take the values, at attach time and live */
static void
test_attach (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("sd-settings-test-XXXXXX", &error);
  SdAccountConfig config = { 0 };
  g_autoptr(SdAccount) account = NULL;

  g_assert_no_error (error);
  config.data_dir = dir;
  sd_settings_fill_config (fixture->sd, &config);
  account = sd_account_new (&config, &error);
  g_assert_no_error (error);
  sd_settings_attach_account (fixture->sd, account);
  g_settings_set_uint (fixture->settings, "poll-interval", 1234);
  g_settings_set_boolean (fixture->settings, "typing-indicators", FALSE);
  sd_settings_attach_account (fixture->sd, NULL);
  g_assert_cmpuint (fixture->changed, ==, 2);
  g_rmdir (dir);
}

/* without the schema installed the daemon still runs, on the defaults */
static void
test_no_schema (void)
{
  g_autoptr(SdSettings) sd = NULL;

  if (g_test_subprocess ()) {
    g_setenv ("GSETTINGS_SCHEMA_DIR", "/nonexistent", TRUE);
    g_setenv ("XDG_DATA_DIRS", "/nonexistent", TRUE);
    sd = sd_settings_new (NULL);
    g_assert_cmpuint (sd_settings_get_poll_interval (sd), ==, 5000);
    g_assert_false (sd_settings_get_read_receipts (sd));
    g_assert_true (sd_settings_get_typing_indicators (sd));
    g_assert_cmpstr (sd_settings_get_front_end (sd), ==, "");
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/settings/defaults", test_defaults);
  ADD ("/settings/content-enum", test_content_enum);
  ADD ("/settings/live", test_live);
  ADD ("/settings/overrides", test_overrides);
  ADD ("/settings/range", test_range);
  ADD ("/settings/attach", test_attach);
#undef ADD
  g_test_add_func ("/settings/no-schema", test_no_schema);
  return g_test_run ();
}
