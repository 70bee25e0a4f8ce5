/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The account: display name, the Session ID as text with a copy button,
 * and the recovery phrase behind a confirmation. The phrase lives only in
 * the label while the window is open; it is never logged. The QR code of
 * the ID is there when the app is built with libqrencode. */
#define G_LOG_DOMAIN "SaAccountWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-account-window.h"
#include "sa-config.h"
#if HAVE_QRENCODE
#include "sa-qr.h"
#endif

struct _SaAccountWindow {
  AdwPreferencesWindow parent_instance;

  SessiondClient *client;    /* (owned) */
  GCancellable *cancellable; /* (owned) */

  AdwEntryRow *name_row;
  GtkLabel *id_label;
  GtkPicture *qr_picture;
  GtkWidget *show_button;
  GtkLabel *phrase_label;
};

G_DEFINE_FINAL_TYPE (SaAccountWindow, sa_account_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
toast (SaAccountWindow *self, const gchar *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
update (SaAccountWindow *self)
{
  g_autofree gchar *id = sessiond_client_dup_session_id (self->client);
  g_autofree gchar *name = sessiond_client_dup_display_name (self->client);

  if (g_strcmp0 (gtk_label_get_label (self->id_label), id) != 0) {
    gtk_label_set_label (self->id_label, id);
#if HAVE_QRENCODE
    {
      g_autoptr(GdkTexture) qr = id != NULL && *id != '\0' ? sa_qr_texture_new (id, 4) : NULL;

      gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (qr));
      gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), qr != NULL);
    }
#endif
  }
  if (!gtk_widget_has_focus (GTK_WIDGET (self->name_row)))
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
}

static void
on_client_notify (GObject *object, GParamSpec *pspec, SaAccountWindow *self)
{
  update (self);
}

static void
on_name_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaAccountWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sessiond_client_set_display_name_finish (SESSIOND_CLIENT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast (self, error->message);
}

static void
on_name_apply (AdwEntryRow *row, SaAccountWindow *self)
{
  g_autofree gchar *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  sessiond_client_set_display_name_async (self->client, name, self->cancellable, on_name_set,
                                          g_object_ref (self));
}

static void
copy_id (GtkWidget *widget, const gchar *action, GVariant *param)
{
  SaAccountWindow *self = SA_ACCOUNT_WINDOW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), gtk_label_get_label (self->id_label));
  toast (self, _("Session ID copied"));
}

static void
on_phrase (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaAccountWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *phrase = sessiond_client_get_recovery_phrase_finish (SESSIOND_CLIENT (source),
                                                                         result, &error);

  if (phrase == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      toast (self, error->message);
    return;
  }
  gtk_label_set_label (self->phrase_label, phrase);
  gtk_widget_set_visible (GTK_WIDGET (self->phrase_label), TRUE);
  gtk_widget_set_visible (self->show_button, FALSE);
  /* wipe our copy; the label keeps the one the user asked to see */
  memset (phrase, 0, strlen (phrase));
}

static void
on_confirm (AdwMessageDialog *dialog, const gchar *response, SaAccountWindow *self)
{
  if (g_strcmp0 (response, "show") != 0)
    return;
  sessiond_client_get_recovery_phrase_async (self->client, self->cancellable, on_phrase,
                                             g_object_ref (self));
}

static void
show_phrase (GtkWidget *widget, const gchar *action, GVariant *param)
{
  SaAccountWindow *self = SA_ACCOUNT_WINDOW (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Show the recovery phrase?"),
                                   _("Make sure nobody can see your screen. Anyone with these "
                                     "words has your account."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "show",
                                    _("_Show"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "show",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sa_account_window_dispose (GObject *object)
{
  SaAccountWindow *self = SA_ACCOUNT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_ACCOUNT_WINDOW);
  G_OBJECT_CLASS (sa_account_window_parent_class)->dispose (object);
}

static void
sa_account_window_finalize (GObject *object)
{
  g_clear_object (&SA_ACCOUNT_WINDOW (object)->cancellable);
  G_OBJECT_CLASS (sa_account_window_parent_class)->finalize (object);
}

static void
sa_account_window_class_init (SaAccountWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_account_window_dispose;
  object_class->finalize = sa_account_window_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/sessiond/App/sa-account-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SaAccountWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, SaAccountWindow, id_label);
  gtk_widget_class_bind_template_child (widget_class, SaAccountWindow, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, SaAccountWindow, show_button);
  gtk_widget_class_bind_template_child (widget_class, SaAccountWindow, phrase_label);
  gtk_widget_class_install_action (widget_class, "account.copy-id", NULL, copy_id);
  gtk_widget_class_install_action (widget_class, "account.show-phrase", NULL, show_phrase);
}

static void
sa_account_window_init (SaAccountWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self->name_row, "apply", G_CALLBACK (on_name_apply), self);
}

GtkWidget *
sa_account_window_new (GtkWindow *parent, SessiondClient *client)
{
  SaAccountWindow *self = g_object_new (SA_TYPE_ACCOUNT_WINDOW, "transient-for", parent, NULL);

  self->client = g_object_ref (client);
  g_signal_connect (client, "notify", G_CALLBACK (on_client_notify), self);
  update (self);
  return GTK_WIDGET (self);
}
