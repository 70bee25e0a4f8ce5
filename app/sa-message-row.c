/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One message in the conversation view: a bubble (ours on the right), its
 * quote, reactions, time, status and disappearing marker, and a day heading
 * when it is the first of its day. Events (timer changes, screenshots) are a
 * centred line instead. */
#define G_LOG_DOMAIN "SaMessageRow"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-format.h"
#include "sa-group-event.h"
#include "sa-message-row.h"

struct _SaMessageRow {
  GtkWidget parent_instance;

  SessiondMessage *message; /* (owned) (nullable) */
  gboolean day_shown;

  GtkWidget *box;
  GtkLabel *day_label;
  GtkLabel *event_label;
  GtkWidget *bubble;
  GtkWidget *quote_box;
  GtkLabel *quote_author;
  GtkLabel *quote_body;
  GtkLabel *body_label;
  GtkLabel *reactions_label;
  GtkWidget *timer_icon;
  GtkLabel *meta_label;
  GtkWidget *menu; /* (owned) popover, parented to the row */
};

/* the reactions the menu offers; any emoji the peer sends is shown */
static const gchar *const quick_reactions[] = { "👍", "❤️", "😂", "😮", "😢" };

G_DEFINE_FINAL_TYPE (SaMessageRow, sa_message_row, GTK_TYPE_WIDGET)

static gchar *
describe_event (SessiondMessage *message, const gchar *author)
{
  const gchar *kind = sessiond_message_get_kind (message);
  gchar *group_event = sa_group_event_describe (message, author);

  if (group_event != NULL)
    return group_event;

  if (g_strcmp0 (kind, "expiration-update") == 0) {
    const gchar *mode = sessiond_message_get_expiration_mode (message);
    g_autofree gchar *timer = sa_format_timer (sessiond_message_get_expiration_timer (message));

    if (mode == NULL || g_str_equal (mode, "off"))
      return g_strdup_printf (_("%s turned off disappearing messages"), author);
    if (g_str_equal (mode, "after-read"))
      /* TRANSLATORS: "Ada set messages to disappear 1 day after they are read" */
      return g_strdup_printf (_("%s set messages to disappear %s after they are read"), author,
                              timer);
    /* TRANSLATORS: "Ada set messages to disappear 1 day after they are sent" */
    return g_strdup_printf (_("%s set messages to disappear %s after they are sent"), author,
                            timer);
  }
  if (g_strcmp0 (kind, "screenshot") == 0)
    return g_strdup_printf (_("%s took a screenshot"), author);
  if (g_strcmp0 (kind, "media-saved") == 0)
    return g_strdup_printf (_("%s saved a file"), author);
  return g_strdup_printf (_("%s did something this app does not show yet"), author);
}

static gchar *
format_reactions (SessiondMessage *message)
{
  GPtrArray *reactions = sessiond_message_get_reactions (message);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; reactions != NULL && i < reactions->len; i++) {
    SessiondReaction *r = g_ptr_array_index (reactions, i);

    if (text->len > 0)
      g_string_append (text, "  ");
    g_string_append_printf (text, "%s %u", sessiond_reaction_get_emoji (r),
                            sessiond_reaction_get_count (r));
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
sa_message_row_set_message (SaMessageRow *self, SessiondMessage *message,
                            SessiondMessage *previous, const gchar *peer_name)
{
  gboolean outgoing;
  gboolean is_text;
  gint64 when;
  const gchar *status;
  g_autofree gchar *time = NULL;
  g_autofree gchar *meta = NULL;
  g_autofree gchar *reactions = NULL;
  const gchar *author_name;
  g_autofree gchar *group_author = NULL;

  g_return_if_fail (SA_IS_MESSAGE_ROW (self));
  g_set_object (&self->message, message);
  if (message == NULL)
    return;

  outgoing = sessiond_message_get_outgoing (message);
  is_text = g_strcmp0 (sessiond_message_get_kind (message), "text") == 0;
  when = sessiond_message_get_sent_at (message);
  author_name = outgoing ? _("You") : peer_name;
  /* in a group the author is one member, not the conversation: shown by its short id */
  if (!outgoing && g_str_has_prefix (sessiond_message_get_conversation_id (message), "03")) {
    group_author = sa_format_short_id (sessiond_message_get_author (message));
    author_name = group_author;
  }

  self->day_shown = previous == NULL || !sa_format_same_day (sessiond_message_get_sent_at (previous),
                                                             when);
  gtk_widget_set_visible (GTK_WIDGET (self->day_label), self->day_shown);
  if (self->day_shown) {
    g_autofree gchar *day = sa_format_day (when);

    gtk_label_set_label (self->day_label, day);
  }

  gtk_widget_set_visible (GTK_WIDGET (self->event_label), !is_text);
  gtk_widget_set_visible (self->bubble, is_text);
  if (!is_text) {
    g_autofree gchar *event = describe_event (message, author_name);

    gtk_label_set_label (self->event_label, event);
    return;
  }

  gtk_widget_set_halign (self->bubble, outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  if (outgoing) {
    gtk_widget_add_css_class (self->bubble, "sa-outgoing");
    gtk_widget_remove_css_class (self->bubble, "sa-incoming");
  } else {
    gtk_widget_add_css_class (self->bubble, "sa-incoming");
    gtk_widget_remove_css_class (self->bubble, "sa-outgoing");
  }
  gtk_label_set_label (self->body_label, sessiond_message_get_body (message));

  if (sessiond_message_get_quote_id (message) != NULL) {
    const gchar *quote_author = sessiond_message_get_quote_author (message);
    const gchar *quote_body = sessiond_message_get_quote_body (message);
    const gchar *own = sessiond_message_get_author (message);
    gboolean quoting_self = g_strcmp0 (quote_author, own) == 0;
    /* the quoted author is us when it is not the one we talk to */
    gboolean quoting_us = outgoing ? quoting_self : !quoting_self;

    gtk_label_set_label (self->quote_author, quoting_us ? _("You") : peer_name);
    gtk_label_set_label (self->quote_body,
                         quote_body != NULL ? quote_body : _("Original message not found"));
    gtk_widget_set_visible (self->quote_box, TRUE);
  } else {
    gtk_widget_set_visible (self->quote_box, FALSE);
  }

  reactions = format_reactions (message);
  gtk_label_set_label (self->reactions_label, reactions);
  gtk_widget_set_visible (GTK_WIDGET (self->reactions_label), *reactions != '\0');

  gtk_widget_set_visible (self->timer_icon, sessiond_message_get_expiration_timer (message) > 0 ||
                                              sessiond_message_get_expires_at (message) > 0);

  time = sa_format_time (when);
  status = sessiond_message_get_status (message);
  if (outgoing && status != NULL && *sa_format_status (status) != '\0')
    meta = g_strdup_printf ("%s · %s", time, sa_format_status (status));
  else
    meta = g_strdup (time);
  gtk_label_set_label (self->meta_label, meta);
  if (g_strcmp0 (status, "failed") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->meta_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->meta_label), "error");
}

static GMenuModel *
build_menu (SaMessageRow *self)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) reactions = g_menu_new ();
  g_autoptr(GMenu) actions = g_menu_new ();
  g_autoptr(GMenu) deletes = g_menu_new ();
  const gchar *id = sessiond_message_get_id (self->message);

  for (guint i = 0; i < G_N_ELEMENTS (quick_reactions); i++) {
    g_autoptr(GMenuItem) item = g_menu_item_new (quick_reactions[i], NULL);

    g_menu_item_set_action_and_target (item, "win.react", "(ss)", id, quick_reactions[i]);
    g_menu_append_item (reactions, item);
  }
  {
    g_autoptr(GMenuItem) reply = g_menu_item_new (_("_Reply"), NULL);
    g_autoptr(GMenuItem) copy = g_menu_item_new (_("_Copy Text"), "row.copy");

    g_menu_item_set_action_and_target (reply, "win.reply-to", "s", id);
    g_menu_append_item (actions, reply);
    g_menu_append_item (actions, copy);
  }
  {
    g_autoptr(GMenuItem) mine = g_menu_item_new (_("Delete for _Me"), NULL);

    g_menu_item_set_action_and_target (mine, "win.delete-message", "(sb)", id, FALSE);
    g_menu_append_item (deletes, mine);
    if (sessiond_message_get_outgoing (self->message)) {
      g_autoptr(GMenuItem) all = g_menu_item_new (_("Delete for _Everyone"), NULL);

      g_menu_item_set_action_and_target (all, "win.delete-message", "(sb)", id, TRUE);
      g_menu_append_item (deletes, all);
    }
  }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (reactions));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (actions));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (deletes));
  return G_MENU_MODEL (menu);
}

static void
popup_menu (SaMessageRow *self, double x, double y)
{
  g_autoptr(GMenuModel) model = NULL;

  /* events have no menu: nothing to reply to or react on */
  if (self->message == NULL || g_strcmp0 (sessiond_message_get_kind (self->message), "text") != 0)
    return;
  model = build_menu (self);
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), model);
  if (x >= 0)
    gtk_popover_set_pointing_to (GTK_POPOVER (self->menu),
                                 &(GdkRectangle){ (int) x, (int) y, 1, 1 });
  else
    gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), NULL);
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static void
on_secondary_click (GtkGestureClick *gesture, gint n_press, double x, double y,
                    SaMessageRow *self)
{
  popup_menu (self, x, y);
}

static void
on_long_press (GtkGestureLongPress *gesture, double x, double y, SaMessageRow *self)
{
  popup_menu (self, x, y);
}

static void
menu_action (GtkWidget *widget, const gchar *action, GVariant *param)
{
  popup_menu (SA_MESSAGE_ROW (widget), -1, -1);
}

static void
copy_action (GtkWidget *widget, const gchar *action, GVariant *param)
{
  SaMessageRow *self = SA_MESSAGE_ROW (widget);

  if (self->message != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                            sessiond_message_get_body (self->message));
}

static void
size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  SaMessageRow *self = SA_MESSAGE_ROW (widget);

  GTK_WIDGET_CLASS (sa_message_row_parent_class)->size_allocate (widget, width, height, baseline);
  /* the popover is our child but not in the layout */
  gtk_popover_present (GTK_POPOVER (self->menu));
}

const gchar *
sa_message_row_get_reactions_text (SaMessageRow *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_ROW (self), NULL);
  return gtk_label_get_label (self->reactions_label);
}

SessiondMessage *
sa_message_row_get_message (SaMessageRow *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

const gchar *
sa_message_row_get_body_text (SaMessageRow *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_ROW (self), NULL);
  if (gtk_widget_get_visible (GTK_WIDGET (self->event_label)))
    return gtk_label_get_label (self->event_label);
  return gtk_label_get_label (self->body_label);
}

gboolean
sa_message_row_get_outgoing (SaMessageRow *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_ROW (self), FALSE);
  return gtk_widget_get_halign (self->bubble) == GTK_ALIGN_END;
}

gboolean
sa_message_row_get_day_shown (SaMessageRow *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_ROW (self), FALSE);
  return self->day_shown;
}

static void
sa_message_row_dispose (GObject *object)
{
  SaMessageRow *self = SA_MESSAGE_ROW (object);
  GtkWidget *child;

  g_clear_pointer (&self->menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_MESSAGE_ROW);
  /* the template's top box has no id, so it is not cleared with the template */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->message);
  G_OBJECT_CLASS (sa_message_row_parent_class)->dispose (object);
}

static void
sa_message_row_class_init (SaMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_message_row_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/sessiond/App/sa-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, event_label);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, quote_box);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, quote_author);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, quote_body);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, reactions_label);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, timer_icon);
  gtk_widget_class_bind_template_child (widget_class, SaMessageRow, meta_label);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  widget_class->size_allocate = size_allocate;
  gtk_widget_class_install_action (widget_class, "row.menu", NULL, menu_action);
  gtk_widget_class_install_action (widget_class, "row.copy", NULL, copy_action);

}

static void
sa_message_row_init (SaMessageRow *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *press = gtk_gesture_long_press_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->menu = gtk_popover_menu_new_from_model (NULL);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
  gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (on_long_press), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));
}

GtkWidget *
sa_message_row_new (void)
{
  return g_object_new (SA_TYPE_MESSAGE_ROW, NULL);
}
