/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdFrontEnd"

#include "sd-front-end.h"

#include <gio/gdesktopappinfo.h>
#include <string.h>

/*
 * How notifications and search results open the user's front end (the GSettings key
 * "front-end"). The freedesktop way for a D-Bus activatable application: its bus name is
 * the desktop id without ".desktop", its object path that name with '.' → '/' and
 * '-' → '_' (Desktop Entry Specification, "D-Bus Activation").
 */

static gchar *
app_object_path (const gchar *app_id)
{
  g_autofree gchar *path = g_strconcat ("/", app_id, NULL);

  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return g_steal_pointer (&path);
}

static void
on_activated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("the front end did not open the conversation: %s", error->message);
}

void
sd_front_end_open (GDBusConnection *connection, const gchar *desktop_id,
                   const gchar *conversation)
{
  g_autoptr(GDesktopAppInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *app_id = NULL;
  g_autofree gchar *path = NULL;
  GVariantBuilder parameter, platform;

  /* no front end configured: nothing to open, and nothing to say */
  if (desktop_id == NULL || *desktop_id == '\0')
    return;
  info = g_desktop_app_info_new (desktop_id);
  if (info == NULL) {
    g_debug ("front end %s is not installed", desktop_id);
    return;
  }
  if (conversation == NULL || !g_str_has_suffix (desktop_id, ".desktop") ||
      !g_desktop_app_info_get_boolean (info, "DBusActivatable")) {
    g_autoptr(GAppLaunchContext) context = g_app_launch_context_new ();

    if (!g_app_info_launch (G_APP_INFO (info), NULL, context, &error))
      g_debug ("could not open %s: %s", desktop_id, error->message);
    return;
  }

  app_id = g_strndup (desktop_id, strlen (desktop_id) - strlen (".desktop"));
  if (!g_dbus_is_name (app_id) || g_dbus_is_unique_name (app_id)) {
    g_debug ("front end %s has no usable application id", desktop_id);
    return;
  }
  path = app_object_path (app_id);
  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&parameter, "v", g_variant_new_string (conversation));
  g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
  /* auto-start: D-Bus activation starts the front end when it is not running */
  g_dbus_connection_call (connection, app_id, path, "org.freedesktop.Application",
                          "ActivateAction",
                          g_variant_new ("(sava{sv})", "open-conversation", &parameter,
                                         &platform),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_activated, NULL);
}
