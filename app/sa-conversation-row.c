/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A row of the conversation list: initials avatar, title, last message
 * preview and time, unread badge, muted marker. It follows the
 * conversation's properties itself, so the list needs no refresh. */
#define G_LOG_DOMAIN "SaConversationRow"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sa-conversation-row.h"
#include "sa-format.h"

struct _SaConversationRow {
  GtkWidget parent_instance;

  SessiondConversation *conversation; /* (owned) (nullable) */

  AdwAvatar *avatar;
  GtkLabel *title_label;
  GtkWidget *muted_icon;
  GtkLabel *time_label;
  GtkLabel *preview_label;
  GtkLabel *unread_label;
};

G_DEFINE_FINAL_TYPE (SaConversationRow, sa_conversation_row, GTK_TYPE_WIDGET)

static void
update (SaConversationRow *self)
{
  SessiondConversation *c = self->conversation;
  g_autofree gchar *name = NULL;
  g_autofree gchar *preview = NULL;
  g_autofree gchar *time = NULL;
  g_autofree gchar *unread = NULL;
  g_autofree gchar *description = NULL;
  guint count;
  gint64 muted_until;

  if (c == NULL)
    return;
  if (g_strcmp0 (sessiond_conversation_get_kind (c), "note-to-self") == 0)
    name = g_strdup (_("Note to Self"));
  else
    name = sessiond_conversation_dup_name (c);
  preview = sessiond_conversation_dup_last_message_preview (c);
  time = sa_format_time (sessiond_conversation_get_last_activity (c));
  count = sessiond_conversation_get_unread_count (c);
  muted_until = sessiond_conversation_get_muted_until (c);

  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_label (self->title_label, name);
  gtk_label_set_label (self->preview_label, preview != NULL ? preview : "");
  gtk_label_set_label (self->time_label, time);
  gtk_widget_set_visible (self->muted_icon, muted_until > g_get_real_time () / 1000);
  unread = g_strdup_printf ("%u", count);
  gtk_label_set_label (self->unread_label, unread);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), count > 0);

  /* what a screen reader says for the whole row */
  description = count > 0
    ? g_strdup_printf (g_dngettext (NULL, "%s, %u unread message", "%s, %u unread messages",
                                    count), name, count)
    : g_strdup (name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description, -1);
}

static void
on_notify (GObject *object, GParamSpec *pspec, SaConversationRow *self)
{
  update (self);
}

void
sa_conversation_row_set_conversation (SaConversationRow *self,
                                      SessiondConversation *conversation)
{
  g_return_if_fail (SA_IS_CONVERSATION_ROW (self));
  if (self->conversation == conversation)
    return;
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_set_object (&self->conversation, conversation);
  if (conversation != NULL)
    g_signal_connect (conversation, "notify", G_CALLBACK (on_notify), self);
  update (self);
}

SessiondConversation *
sa_conversation_row_get_conversation (SaConversationRow *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_ROW (self), NULL);
  return self->conversation;
}

const gchar *
sa_conversation_row_get_title (SaConversationRow *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_ROW (self), NULL);
  return gtk_label_get_label (self->title_label);
}

const gchar *
sa_conversation_row_get_preview (SaConversationRow *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_ROW (self), NULL);
  return gtk_label_get_label (self->preview_label);
}

static void
sa_conversation_row_dispose (GObject *object)
{
  SaConversationRow *self = SA_CONVERSATION_ROW (object);
  GtkWidget *child;

  sa_conversation_row_set_conversation (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_CONVERSATION_ROW);
  /* the template's top box has no id, so it is not cleared with the template */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sa_conversation_row_parent_class)->dispose (object);
}

static void
sa_conversation_row_class_init (SaConversationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_conversation_row_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/sessiond/App/sa-conversation-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, muted_icon);
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, SaConversationRow, unread_label);
}

static void
sa_conversation_row_init (SaConversationRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sa_conversation_row_new (void)
{
  return g_object_new (SA_TYPE_CONVERSATION_ROW, NULL);
}
