/* SPDX-License-Identifier: GPL-3.0-or-later */
/* First run: create an account with a display name, or restore one from
 * its recovery phrase. The phrase entry is masked, and the phrase goes
 * straight to the daemon: it is never logged or kept here. */
#define G_LOG_DOMAIN "SaSetupPage"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sa-setup-page.h"

struct _SaSetupPage {
  GtkWidget parent_instance;

  SessiondClient *client;     /* (owned) (nullable) */
  GCancellable *cancellable;  /* (owned) */
  gboolean busy;

  AdwEntryRow *name_row;
  AdwPasswordEntryRow *phrase_row;
  GtkWidget *create_button;
  GtkWidget *restore_button;
  GtkSpinner *spinner;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (SaSetupPage, sa_setup_page, GTK_TYPE_WIDGET)

static void
set_busy (SaSetupPage *self, gboolean busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (self->create_button, !busy);
  gtk_widget_set_sensitive (self->restore_button, !busy);
  if (busy)
    gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

static void
show_error (SaSetupPage *self, const GError *error)
{
  gtk_label_set_label (self->error_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static gchar *
display_name (SaSetupPage *self)
{
  g_autofree gchar *name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));

  g_strstrip (name);
  return *name != '\0' ? g_steal_pointer (&name) : NULL;
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sessiond_client_create_account_finish (SESSIOND_CLIENT (source), result,
                                                                &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  /* on success the client's session-id changes and the window moves on */
  if (id == NULL)
    show_error (self, error);
}

void
sa_setup_page_create (SaSetupPage *self)
{
  g_autofree gchar *name = NULL;

  g_return_if_fail (SA_IS_SETUP_PAGE (self));
  if (self->client == NULL || self->busy)
    return;
  name = display_name (self);
  set_busy (self, TRUE);
  sessiond_client_create_account_async (self->client, name, self->cancellable, on_created,
                                        g_object_ref (self));
}

static void
on_restored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sessiond_client_restore_account_finish (SESSIOND_CLIENT (source),
                                                                 result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (id == NULL) {
    show_error (self, error);
    return;
  }
  gtk_editable_set_text (GTK_EDITABLE (self->phrase_row), "");
}

void
sa_setup_page_restore (SaSetupPage *self)
{
  g_autofree gchar *name = NULL;
  const gchar *phrase;

  g_return_if_fail (SA_IS_SETUP_PAGE (self));
  if (self->client == NULL || self->busy)
    return;
  phrase = gtk_editable_get_text (GTK_EDITABLE (self->phrase_row));
  if (*phrase == '\0') {
    gtk_widget_grab_focus (GTK_WIDGET (self->phrase_row));
    return;
  }
  name = display_name (self);
  set_busy (self, TRUE);
  sessiond_client_restore_account_async (self->client, phrase, name, self->cancellable,
                                         on_restored, g_object_ref (self));
}

void
sa_setup_page_set_display_name (SaSetupPage *self, const gchar *name)
{
  g_return_if_fail (SA_IS_SETUP_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

void
sa_setup_page_set_phrase (SaSetupPage *self, const gchar *phrase)
{
  g_return_if_fail (SA_IS_SETUP_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->phrase_row), phrase);
}

const gchar *
sa_setup_page_get_error (SaSetupPage *self)
{
  g_return_val_if_fail (SA_IS_SETUP_PAGE (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
           ? gtk_label_get_label (self->error_label) : "";
}

void
sa_setup_page_set_client (SaSetupPage *self, SessiondClient *client)
{
  g_return_if_fail (SA_IS_SETUP_PAGE (self));
  g_set_object (&self->client, client);
}

static void
sa_setup_page_dispose (GObject *object)
{
  SaSetupPage *self = SA_SETUP_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_SETUP_PAGE);
  /* the template's top box has no id, so it is not cleared with the template */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sa_setup_page_parent_class)->dispose (object);
}

static void
sa_setup_page_finalize (GObject *object)
{
  g_clear_object (&SA_SETUP_PAGE (object)->cancellable);
  G_OBJECT_CLASS (sa_setup_page_parent_class)->finalize (object);
}

static void
sa_setup_page_class_init (SaSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_setup_page_dispose;
  object_class->finalize = sa_setup_page_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/sessiond/App/sa-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, phrase_row);
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, create_button);
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, restore_button);
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, SaSetupPage, error_label);
}

static void
sa_setup_page_init (SaSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWidget *
sa_setup_page_new (void)
{
  return g_object_new (SA_TYPE_SETUP_PAGE, NULL);
}
