/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-conversation settings: nickname, disappearing messages, mute, block,
 * delete. Every control writes through libsessiond-client and shows the
 * conversation's properties, so a change from another device shows too. */
#define G_LOG_DOMAIN "SaConversationSettings"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-conversation-settings.h"
#include "sa-format.h"

struct _SaConversationSettings {
  AdwPreferencesWindow parent_instance;

  SessiondConversation *conversation; /* (owned) */
  GCancellable *cancellable;          /* (owned) */
  gboolean updating;                  /* showing the conversation, not the user's choice */

  AdwEntryRow *nickname_row;
  AdwActionRow *id_row;
  AdwComboRow *mode_row;
  AdwComboRow *timer_row;
  GtkSwitch *mute_switch;
  GtkSwitch *block_switch;
};

G_DEFINE_FINAL_TYPE (SaConversationSettings, sa_conversation_settings,
                     ADW_TYPE_PREFERENCES_WINDOW)

/* the timers the daemon takes in both modes (after-send only from 12 h) */
static const guint timers[] = { 300, 3600, 43200, 86400, 604800, 1209600 };
static const gchar *const modes[] = { "off", "after-read", "after-send" };
#define FIRST_AFTER_SEND_TIMER 2

static void
report (SaConversationSettings *self, gboolean ok, const GError *error)
{
  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (error->message));
}

#define SETTER_DONE(name, finish)                                                           \
  static void                                                                               \
  name (GObject *source, GAsyncResult *result, gpointer user_data)                          \
  {                                                                                         \
    g_autoptr(SaConversationSettings) self = user_data;                                     \
    g_autoptr(GError) error = NULL;                                                         \
    gboolean ok = finish (SESSIOND_CONVERSATION (source), result, &error);                  \
                                                                                            \
    report (self, ok, error);                                                               \
  }

SETTER_DONE (on_nickname_set, sessiond_conversation_set_nickname_finish)
SETTER_DONE (on_expiration_set, sessiond_conversation_set_expiration_finish)
SETTER_DONE (on_muted_set, sessiond_conversation_set_muted_until_finish)
SETTER_DONE (on_blocked_set, sessiond_conversation_set_blocked_finish)

static void
update (SaConversationSettings *self)
{
  g_autofree gchar *nickname = sessiond_conversation_dup_nickname (self->conversation);
  g_autofree gchar *mode = sessiond_conversation_dup_expiration_mode (self->conversation);
  guint timer = sessiond_conversation_get_expiration_timer (self->conversation);
  guint mode_index = 0;
  guint timer_index = 3;

  self->updating = TRUE;
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->nickname_row)), nickname) != 0 &&
      !gtk_widget_has_focus (GTK_WIDGET (self->nickname_row)))
    gtk_editable_set_text (GTK_EDITABLE (self->nickname_row), nickname != NULL ? nickname : "");
  adw_action_row_set_subtitle (self->id_row, sessiond_conversation_get_id (self->conversation));
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    if (g_strcmp0 (mode, modes[i]) == 0)
      mode_index = i;
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    if (timers[i] == timer)
      timer_index = i;
  adw_combo_row_set_selected (self->mode_row, mode_index);
  adw_combo_row_set_selected (self->timer_row, timer_index);
  gtk_widget_set_sensitive (GTK_WIDGET (self->timer_row), mode_index != 0);
  gtk_switch_set_active (self->mute_switch, sessiond_conversation_get_muted_until (
                                              self->conversation) > g_get_real_time () / 1000);
  gtk_switch_set_active (self->block_switch, sessiond_conversation_get_blocked (self->conversation));
  self->updating = FALSE;
}

static void
on_conversation_notify (GObject *object, GParamSpec *pspec, SaConversationSettings *self)
{
  update (self);
}

static void
on_nickname_apply (AdwEntryRow *row, SaConversationSettings *self)
{
  g_autofree gchar *nickname = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  sessiond_conversation_set_nickname_async (self->conversation, nickname, self->cancellable,
                                            on_nickname_set, g_object_ref (self));
}

static void
on_expiration_changed (GObject *object, GParamSpec *pspec, SaConversationSettings *self)
{
  guint mode = adw_combo_row_get_selected (self->mode_row);
  guint timer = adw_combo_row_get_selected (self->timer_row);

  if (self->updating || mode >= G_N_ELEMENTS (modes) || timer >= G_N_ELEMENTS (timers))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->timer_row), mode != 0);
  /* after-send has no short timers: move to the shortest it has */
  if (mode == 2 && timer < FIRST_AFTER_SEND_TIMER) {
    timer = FIRST_AFTER_SEND_TIMER;
    self->updating = TRUE;
    adw_combo_row_set_selected (self->timer_row, timer);
    self->updating = FALSE;
  }
  sessiond_conversation_set_expiration_async (self->conversation, modes[mode],
                                              mode == 0 ? 0 : timers[timer], self->cancellable,
                                              on_expiration_set, g_object_ref (self));
}

static void
on_mute (GObject *object, GParamSpec *pspec, SaConversationSettings *self)
{
  if (self->updating)
    return;
  sessiond_conversation_set_muted_until_async (self->conversation,
                                               gtk_switch_get_active (self->mute_switch)
                                                 ? G_MAXINT64 : 0,
                                               self->cancellable, on_muted_set, g_object_ref (self));
}

static void
on_block (GObject *object, GParamSpec *pspec, SaConversationSettings *self)
{
  if (self->updating)
    return;
  sessiond_conversation_set_blocked_async (self->conversation,
                                           gtk_switch_get_active (self->block_switch),
                                           self->cancellable, on_blocked_set, g_object_ref (self));
}

static void
delete_action (GtkWidget *widget, const gchar *action, GVariant *param)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  /* the main window asks and deletes; this window's actions do not reach it */
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.delete-conversation", NULL);
  gtk_window_close (GTK_WINDOW (widget));
}

static void
sa_conversation_settings_dispose (GObject *object)
{
  SaConversationSettings *self = SA_CONVERSATION_SETTINGS (object);

  g_cancellable_cancel (self->cancellable);
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_object (&self->conversation);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_CONVERSATION_SETTINGS);
  G_OBJECT_CLASS (sa_conversation_settings_parent_class)->dispose (object);
}

static void
sa_conversation_settings_finalize (GObject *object)
{
  g_clear_object (&SA_CONVERSATION_SETTINGS (object)->cancellable);
  G_OBJECT_CLASS (sa_conversation_settings_parent_class)->finalize (object);
}

static void
sa_conversation_settings_class_init (SaConversationSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_conversation_settings_dispose;
  object_class->finalize = sa_conversation_settings_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/sessiond/App/sa-conversation-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, nickname_row);
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, id_row);
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, mode_row);
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, timer_row);
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, mute_switch);
  gtk_widget_class_bind_template_child (widget_class, SaConversationSettings, block_switch);
  gtk_widget_class_install_action (widget_class, "settings.delete", NULL, delete_action);
}

static void
sa_conversation_settings_init (SaConversationSettings *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < G_N_ELEMENTS (timers); i++) {
    g_autofree gchar *label = sa_format_timer (timers[i]);

    gtk_string_list_append (labels, label);
  }
  adw_combo_row_set_model (self->timer_row, G_LIST_MODEL (labels));
  g_signal_connect (self->nickname_row, "apply", G_CALLBACK (on_nickname_apply), self);
  g_signal_connect (self->mode_row, "notify::selected", G_CALLBACK (on_expiration_changed), self);
  g_signal_connect (self->timer_row, "notify::selected", G_CALLBACK (on_expiration_changed), self);
  g_signal_connect (self->mute_switch, "notify::active", G_CALLBACK (on_mute), self);
  g_signal_connect (self->block_switch, "notify::active", G_CALLBACK (on_block), self);
}

GtkWidget *
sa_conversation_settings_new (GtkWindow *parent, SessiondConversation *conversation)
{
  SaConversationSettings *self = g_object_new (SA_TYPE_CONVERSATION_SETTINGS,
                                               "transient-for", parent, NULL);

  self->conversation = g_object_ref (conversation);
  g_signal_connect (conversation, "notify", G_CALLBACK (on_conversation_notify), self);
  update (self);
  return GTK_WIDGET (self);
}
