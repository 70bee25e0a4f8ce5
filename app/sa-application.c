/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application: one SessiondClient for the whole app, the main window,
 * and the app actions. app.open-conversation("05…") is how the daemon's
 * notifications (org.freedesktop.Application.ActivateAction on our
 * D-Bus-activatable name) open the right conversation. The app shows no
 * notifications of its own: the daemon does that. */
#define G_LOG_DOMAIN "SaApplication"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-account-window.h"
#include "sa-application.h"
#include "sa-config.h"
#include "sa-debug.h"
#include "sa-window.h"

struct _SaApplication {
  AdwApplication parent_instance;

  SessiondClient *client;    /* (owned) (nullable) */
  GCancellable *cancellable; /* (owned) (nullable) while connecting */
  guint debug_id;            /* test mode only */
};

G_DEFINE_FINAL_TYPE (SaApplication, sa_application, ADW_TYPE_APPLICATION)

static SaWindow *
get_window (SaApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (sa_window_new (GTK_APPLICATION (self)));
  return SA_WINDOW (window);
}

static void
on_client (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondClient) client = sessiond_client_new_finish (result, &error);

  g_clear_object (&self->cancellable);
  if (client == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      sa_window_show_unavailable (get_window (self), error->message);
    return;
  }
  self->client = g_steal_pointer (&client);
  sa_window_set_client (get_window (self), self->client);
}

static void
connect_client (SaApplication *self)
{
  if (self->client != NULL || self->cancellable != NULL)
    return;
  self->cancellable = g_cancellable_new ();
  /* the bus our GApplication is on; the session bus when running without one */
  sessiond_client_new_async (g_application_get_dbus_connection (G_APPLICATION (self)),
                             self->cancellable, on_client, g_object_ref (self));
}

static void
sa_application_activate (GApplication *app)
{
  SaApplication *self = SA_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (get_window (self)));
  connect_client (self);
}

/* ---- actions ---- */

static void
open_conversation_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaApplication *self = user_data;
  SaWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  connect_client (self);
  sa_window_open_conversation (window, g_variant_get_string (param, NULL));
}

static void
account_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaApplication *self = user_data;

  if (self->client == NULL)
    return;
  gtk_window_present (GTK_WINDOW (sa_account_window_new (GTK_WINDOW (get_window (self)),
                                                         self->client)));
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaApplication *self = user_data;
  const gchar *developers[] = { _("The sessiond developers"), NULL };

  adw_show_about_window (GTK_WINDOW (get_window (self)),
                         "application-name", _("Sessiond"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Private messages over the Session network"),
                         NULL);
}

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
reconnect_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  connect_client (user_data);
}

static const GActionEntry app_entries[] = {
  { .name = "open-conversation", .activate = open_conversation_action, .parameter_type = "s" },
  { .name = "account", .activate = account_action },
  { .name = "about", .activate = about_action },
  { .name = "quit", .activate = quit_action },
  { .name = "reconnect", .activate = reconnect_action },
};

static void
sa_application_startup (GApplication *app)
{
  static const gchar *const quit_accels[] = { "<Control>q", NULL };
  static const gchar *const back_accels[] = { "<Alt>Left", NULL };
  static const gchar *const new_accels[] = { "<Control>n", NULL };
  static const gchar *const settings_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (sa_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.back", back_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.new-conversation",
                                         new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.conversation-settings",
                                         settings_accels);
}

static gboolean
sa_application_dbus_register (GApplication *app, GDBusConnection *connection,
                              const gchar *object_path, GError **error)
{
  SaApplication *self = SA_APPLICATION (app);

  if (!G_APPLICATION_CLASS (sa_application_parent_class)->dbus_register (app, connection,
                                                                          object_path, error))
    return FALSE;
  /* the state and screenshot interface exists only for the tests */
  if (g_strcmp0 (g_getenv ("SESSIOND_APP_TEST_MODE"), "1") == 0) {
    self->debug_id = sa_debug_export (GTK_APPLICATION (app), connection, object_path, error);
    if (self->debug_id == 0)
      return FALSE;
  }
  return TRUE;
}

static void
sa_application_dbus_unregister (GApplication *app, GDBusConnection *connection,
                                const gchar *object_path)
{
  SaApplication *self = SA_APPLICATION (app);

  if (self->debug_id != 0)
    g_dbus_connection_unregister_object (connection, self->debug_id);
  self->debug_id = 0;
  G_APPLICATION_CLASS (sa_application_parent_class)->dbus_unregister (app, connection,
                                                                       object_path);
}

static void
sa_application_shutdown (GApplication *app)
{
  SaApplication *self = SA_APPLICATION (app);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_APPLICATION_CLASS (sa_application_parent_class)->shutdown (app);
}

SessiondClient *
sa_application_get_client (SaApplication *self)
{
  g_return_val_if_fail (SA_IS_APPLICATION (self), NULL);
  return self->client;
}

static void
sa_application_dispose (GObject *object)
{
  SaApplication *self = SA_APPLICATION (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (sa_application_parent_class)->dispose (object);
}

static void
sa_application_class_init (SaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sa_application_dispose;
  app_class->activate = sa_application_activate;
  app_class->startup = sa_application_startup;
  app_class->shutdown = sa_application_shutdown;
  app_class->dbus_register = sa_application_dbus_register;
  app_class->dbus_unregister = sa_application_dbus_unregister;
}

static void
sa_application_init (SaApplication *self)
{
}

SaApplication *
sa_application_new (void)
{
  return g_object_new (SA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/sessiond/App",
                       NULL);
}
