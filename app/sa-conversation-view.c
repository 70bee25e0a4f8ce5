/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The open conversation: a GtkListView over an SaMessageModel (paged, newest
 * page first, older pages as the user scrolls up), the typing line, and
 * below it either the composer (Enter sends, Shift+Enter is a new line) or,
 * for a message request, Accept / Block / Delete. The buttons are window
 * actions, so keyboard shortcuts, notifications and tests take the same
 * path as a click. */
#define G_LOG_DOMAIN "SaConversationView"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sa-conversation-view.h"
#include "sa-message-row.h"

struct _SaConversationView {
  GtkWidget parent_instance;

  SessiondConversation *conversation; /* (owned) (nullable) */
  SaMessageModel *model;              /* (owned) (nullable) */
  GCancellable *cancellable;          /* (owned) for calls about this conversation */
  gchar *reply_id;                    /* (owned) (nullable) */
  gboolean typing_sent;
  gint64 typing_at;                   /* monotonic µs of the last "typing" sent */
  gboolean sending;
  /* the view shows the newest message and keeps it in view as messages come
   * and rows are measured, until the user scrolls up; see follow_tick () */
  gboolean follow;
  guint follow_tick_id;               /* approaching the bottom */
  gboolean settling;                  /* the list has a change to lay out first */
  gboolean anchored;                  /* scrolled to the last row, no change since */
  guint steps;                        /* steps in this approach */
  gdouble seen_upper;                 /* the adjustment's extent last seen */
  gdouble seen_page_size;

  AdwHeaderBar *header;
  AdwWindowTitle *window_title;
  GtkWidget *back_button;
  GtkWidget *settings_button;
  GtkScrolledWindow *scroller;
  GtkListView *message_list;
  GtkSignalListItemFactory *factory;
  GtkSpinner *loading_spinner;
  GtkRevealer *typing_revealer;
  GtkLabel *typing_label;
  GtkWidget *request_bar;
  GtkWidget *composer;
  GtkRevealer *reply_revealer;
  GtkLabel *reply_label;
  GtkTextView *text_view;
};

G_DEFINE_FINAL_TYPE (SaConversationView, sa_conversation_view, GTK_TYPE_WIDGET)

static gchar *
peer_name (SaConversationView *self)
{
  if (self->conversation == NULL)
    return g_strdup ("");
  if (g_strcmp0 (sessiond_conversation_get_kind (self->conversation), "note-to-self") == 0)
    return g_strdup (_("Note to Self"));
  return sessiond_conversation_dup_name (self->conversation);
}

/* ---- the message list ---- */

static void
on_setup (GtkSignalListItemFactory *factory, GtkListItem *item, SaConversationView *self)
{
  gtk_list_item_set_child (item, sa_message_row_new ());
}

static void
on_bind (GtkSignalListItemFactory *factory, GtkListItem *item, SaConversationView *self)
{
  SaMessageRow *row = SA_MESSAGE_ROW (gtk_list_item_get_child (item));
  SessiondMessage *message = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr(SessiondMessage) previous = NULL;
  g_autofree gchar *name = peer_name (self);

  if (position > 0)
    previous = g_list_model_get_item (G_LIST_MODEL (self->model), position - 1);
  sa_message_row_set_message (row, message, previous, name);
  /* only text can be replied to */
  gtk_list_item_set_activatable (item,
                                 g_strcmp0 (sessiond_message_get_kind (message), "text") == 0);
}

static void
on_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, SaConversationView *self)
{
  sa_message_row_set_message (SA_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL, NULL, NULL);
}

/* Following the newest message. Scrolling from the model's items-changed
 * does not work: that handler runs before the list has seen the change (a
 * scroll to an item it does not hold yet is ignored, and a list that was
 * empty anchors at its top), the list's height is only an estimate until
 * its rows are measured, and a scroll by position may leave a row not yet
 * measured just below the view without the adjustment changing at all. So
 * the view remembers that it follows the newest message (on when a
 * conversation opens), and after a change it approaches the bottom frame
 * by frame: scroll, let the list lay out, look, until it is there. Only a
 * scroll that is neither ours nor the list's relayout — the user's — stops
 * following; reaching the bottom again resumes it. */

/* a bound on the steps of one approach, should rows never settle; the user
 * can always scroll away after that */
#define FOLLOW_STEPS 12

static GtkAdjustment *
vadjustment (SaConversationView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean
at_bottom (GtkAdjustment *adjustment)
{
  /* the list lays out in whole pixels */
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 1;
}

/* runs at the start of each frame while approaching: what it sees is the
 * layout of the frame before */
static gboolean
follow_tick (GtkWidget *list, GdkFrameClock *clock, gpointer user_data)
{
  SaConversationView *self = user_data;
  GtkAdjustment *adjustment = vadjustment (self);
  guint n = self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  if (self->settling) {
    /* a change or our last step is laid out in this frame: look in the next */
    self->settling = FALSE;
    return G_SOURCE_CONTINUE;
  }
  if (!self->follow || n == 0 || at_bottom (adjustment) || self->steps >= FOLLOW_STEPS) {
    self->follow_tick_id = 0;
    return G_SOURCE_REMOVE;
  }
  self->steps++;
  self->settling = TRUE;
  if (!self->anchored) {
    /* by position first: until the list is laid out again the adjustment
     * may describe other rows (another conversation's), and a value past
     * its rows makes GtkListView warn */
    self->anchored = TRUE;
    gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                                n - 1);
  } else {
    /* laid out since, with the same rows: the value is safe now, and it
     * also reaches the end of a last row taller than the view */
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                            gtk_adjustment_get_page_size (adjustment));
  }
  return G_SOURCE_CONTINUE;
}

/* after a change: approach the bottom if following */
static void
approach (SaConversationView *self)
{
  if (!self->follow)
    return;
  self->steps = 0;
  self->settling = TRUE;
  if (self->follow_tick_id == 0)
    self->follow_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->message_list),
                                                         follow_tick, self, NULL);
}

/* whether the list's extent changed since last seen: then a new value is
 * the list's doing, not the user's */
static gboolean
take_extent (SaConversationView *self, GtkAdjustment *adjustment)
{
  gdouble upper = gtk_adjustment_get_upper (adjustment);
  gdouble page_size = gtk_adjustment_get_page_size (adjustment);
  gboolean changed = upper != self->seen_upper || page_size != self->seen_page_size;

  self->seen_upper = upper;
  self->seen_page_size = page_size;
  return changed;
}

static void
on_extent_changed (GtkAdjustment *adjustment, SaConversationView *self)
{
  /* rows measured, the view resized: stay at the bottom */
  if (take_extent (self, adjustment) && !at_bottom (adjustment) && self->follow_tick_id == 0)
    approach (self);
}

static void
on_value_changed (GtkAdjustment *adjustment, SaConversationView *self)
{
  gboolean relayout = take_extent (self, adjustment);

  if (at_bottom (adjustment))
    self->follow = TRUE;
  else if (relayout && self->follow_tick_id == 0)
    approach (self);
  else if (self->follow_tick_id == 0)
    self->follow = FALSE; /* the user scrolled up */
}

static void
mark_read (SaConversationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* only what the user can see: an approved conversation in the active window */
  if (self->conversation == NULL || !sessiond_conversation_get_approved (self->conversation) ||
      sessiond_conversation_get_unread_count (self->conversation) == 0 ||
      !GTK_IS_WINDOW (root) || !gtk_window_is_active (GTK_WINDOW (root)))
    return;
  sessiond_conversation_mark_read_async (self->conversation, G_MAXINT64, self->cancellable, NULL,
                                         NULL);
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added,
                  SaConversationView *self)
{
  /* the first page, new messages, rows that changed size: while following,
   * the newest stays in view; reading older ones, the view stays put */
  self->anchored = FALSE;
  if (added > 0) {
    approach (self);
    mark_read (self);
  }
}

static void
on_edge_reached (GtkScrolledWindow *scroller, GtkPositionType pos, SaConversationView *self)
{
  if (pos == GTK_POS_TOP && self->model != NULL)
    sa_message_model_load_older (self->model);
}

static gboolean
on_list_key (GtkEventControllerKey *controller, guint keyval, guint keycode,
             GdkModifierType state, SaConversationView *self)
{
  GtkWidget *focus;

  /* Menu or Shift+F10 opens the focused message's menu: the list item has
   * the focus, our row is its child */
  if (keyval != GDK_KEY_Menu && !(keyval == GDK_KEY_F10 && (state & GDK_SHIFT_MASK) != 0))
    return GDK_EVENT_PROPAGATE;
  focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self)));
  if (focus == NULL || !SA_IS_MESSAGE_ROW (gtk_widget_get_first_child (focus)))
    return GDK_EVENT_PROPAGATE;
  gtk_widget_activate_action (gtk_widget_get_first_child (focus), "row.menu", NULL);
  return GDK_EVENT_STOP;
}

static void
on_activate (GtkListView *list, guint position, SaConversationView *self)
{
  g_autoptr(SessiondMessage) message = g_list_model_get_item (G_LIST_MODEL (self->model),
                                                              position);

  /* the same action a menu or a test would use */
  if (message != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.reply-to", "s",
                                sessiond_message_get_id (message));
}

/* ---- the conversation's state ---- */

static void
update (SaConversationView *self)
{
  g_autofree gchar *name = peer_name (self);
  gboolean request;
  gboolean typing;

  if (self->conversation == NULL)
    return;
  request = !sessiond_conversation_get_approved (self->conversation);
  typing = sessiond_conversation_get_peer_typing (self->conversation);
  adw_window_title_set_title (self->window_title, name);
  if (sessiond_conversation_get_blocked (self->conversation))
    adw_window_title_set_subtitle (self->window_title, _("Blocked"));
  else if (request)
    adw_window_title_set_subtitle (self->window_title, _("Message request"));
  else if (sessiond_conversation_get_expiration_timer (self->conversation) > 0)
    adw_window_title_set_subtitle (self->window_title, _("Disappearing messages on"));
  else
    adw_window_title_set_subtitle (self->window_title, "");
  gtk_widget_set_visible (self->request_bar, request);
  gtk_widget_set_visible (self->composer, !request);
  if (typing) {
    /* TRANSLATORS: "Ada is typing…" */
    g_autofree gchar *text = g_strdup_printf (_("%s is typing…"), name);

    gtk_label_set_label (self->typing_label, text);
  }
  gtk_revealer_set_reveal_child (self->typing_revealer, typing);
}

static void
on_conversation_notify (GObject *object, GParamSpec *pspec, SaConversationView *self)
{
  update (self);
  /* the unread count can change after the message-added signal */
  if (g_str_equal (pspec->name, "approved") || g_str_equal (pspec->name, "unread-count"))
    mark_read (self);
}

static void
on_loading (GObject *object, GParamSpec *pspec, SaConversationView *self)
{
  gtk_spinner_set_spinning (self->loading_spinner, sa_message_model_get_loading (self->model));
}

void
sa_conversation_view_set_conversation (SaConversationView *self,
                                       SessiondConversation *conversation)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (SA_IS_CONVERSATION_VIEW (self));
  if (self->conversation == conversation)
    return;
  if (self->conversation != NULL) {
    if (self->typing_sent)
      sessiond_conversation_set_typing_async (self->conversation, FALSE, NULL, NULL, NULL);
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_set_object (&self->conversation, conversation);
  self->typing_sent = FALSE;
  /* a conversation opens at its newest message */
  self->follow = TRUE;
  self->anchored = FALSE;
  self->seen_upper = -1;
  sa_conversation_view_set_reply (self, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", -1);

  if (conversation == NULL) {
    gtk_list_view_set_model (self->message_list, NULL);
    return;
  }
  self->model = sa_message_model_new (conversation);
  g_signal_connect (self->model, "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect (self->model, "notify::loading", G_CALLBACK (on_loading), self);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (selection));
  g_signal_connect (conversation, "notify", G_CALLBACK (on_conversation_notify), self);
  update (self);
  mark_read (self);
}

SessiondConversation *
sa_conversation_view_get_conversation (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), NULL);
  return self->conversation;
}

SaMessageModel *
sa_conversation_view_get_model (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), NULL);
  return self->model;
}

/* ---- the composer ---- */

/* the peer's indicator fades after a while: say it again while typing goes on */
#define TYPING_REFRESH_US (10 * G_USEC_PER_SEC)

static void
set_typing (SaConversationView *self, gboolean typing)
{
  gint64 now = g_get_monotonic_time ();

  if (self->conversation == NULL ||
      g_strcmp0 (sessiond_conversation_get_kind (self->conversation), "note-to-self") == 0)
    return;
  if (self->typing_sent == typing && (!typing || now - self->typing_at < TYPING_REFRESH_US))
    return;
  self->typing_sent = typing;
  self->typing_at = now;
  sessiond_conversation_set_typing_async (self->conversation, typing, self->cancellable, NULL,
                                          NULL);
}

static void
on_buffer_changed (GtkTextBuffer *buffer, SaConversationView *self)
{
  set_typing (self, gtk_text_buffer_get_char_count (buffer) > 0);
}

static void
sent (SaConversationView *self, const gchar *id, const GError *error)
{
  self->sending = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->text_view), TRUE);
  if (id == NULL) {
    /* the text stays in the composer, so nothing the user wrote is lost */
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", error->message);
    return;
  }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", -1);
  sa_conversation_view_set_reply (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaConversationView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sessiond_conversation_send_finish (SESSIOND_CONVERSATION (source),
                                                            result, &error);

  sent (self, id, error);
}

static void
on_reply_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaConversationView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = sessiond_conversation_send_reply_finish (SESSIOND_CONVERSATION (source),
                                                                  result, &error);

  sent (self, id, error);
}

void
sa_conversation_view_send (SaConversationView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree gchar *text = NULL;
  g_autofree gchar *body = NULL;

  g_return_if_fail (SA_IS_CONVERSATION_VIEW (self));
  if (self->conversation == NULL || self->sending)
    return;
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  body = g_strstrip (g_strdup (text));
  if (*body == '\0')
    return;
  self->sending = TRUE;
  self->typing_sent = FALSE; /* the daemon stops the indicator when the message goes */
  gtk_widget_set_sensitive (GTK_WIDGET (self->text_view), FALSE);
  if (self->reply_id != NULL)
    sessiond_conversation_send_reply_async (self->conversation, body, self->reply_id,
                                            self->cancellable, on_reply_sent,
                                            g_object_ref (self));
  else
    sessiond_conversation_send_async (self->conversation, body, self->cancellable, on_sent,
                                      g_object_ref (self));
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, SaConversationView *self)
{
  if (keyval == GDK_KEY_Escape && self->reply_id != NULL) {
    sa_conversation_view_set_reply (self, NULL);
    return GDK_EVENT_STOP;
  }
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;
  /* Shift+Enter (and Ctrl+Enter) is a new line; input methods see keys first */
  if ((state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.send", NULL);
  return GDK_EVENT_STOP;
}

void
sa_conversation_view_set_reply (SaConversationView *self, const gchar *message_id)
{
  g_autoptr(SessiondMessage) message = NULL;

  g_return_if_fail (SA_IS_CONVERSATION_VIEW (self));
  g_clear_pointer (&self->reply_id, g_free);
  if (message_id != NULL && self->model != NULL) {
    guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

    for (guint i = n; i > 0 && message == NULL; i--) {
      g_autoptr(SessiondMessage) m = g_list_model_get_item (G_LIST_MODEL (self->model), i - 1);

      if (g_strcmp0 (sessiond_message_get_id (m), message_id) == 0)
        message = g_steal_pointer (&m);
    }
  }
  if (message != NULL) {
    g_autofree gchar *name = peer_name (self);
    /* TRANSLATORS: shown above the composer: "Replying to Ada: the quoted text" */
    g_autofree gchar *text = g_strdup_printf (_("Replying to %s: %s"),
                                              sessiond_message_get_outgoing (message) ? _("You")
                                                                                      : name,
                                              sessiond_message_get_body (message));

    self->reply_id = g_strdup (message_id);
    gtk_label_set_label (self->reply_label, text);
    gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  }
  gtk_revealer_set_reveal_child (self->reply_revealer, self->reply_id != NULL);
}

const gchar *
sa_conversation_view_get_reply (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), NULL);
  return self->reply_id;
}

void
sa_conversation_view_set_composer_text (SaConversationView *self, const gchar *text)
{
  g_return_if_fail (SA_IS_CONVERSATION_VIEW (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
}

gchar *
sa_conversation_view_dup_composer_text (SaConversationView *self)
{
  GtkTextIter start, end;
  GtkTextBuffer *buffer;

  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), NULL);
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

GtkWidget *
sa_conversation_view_get_message_list (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), NULL);
  return GTK_WIDGET (self->message_list);
}

gboolean
sa_conversation_view_get_typing_shown (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), FALSE);
  return gtk_revealer_get_reveal_child (self->typing_revealer);
}

gboolean
sa_conversation_view_get_request_shown (SaConversationView *self)
{
  g_return_val_if_fail (SA_IS_CONVERSATION_VIEW (self), FALSE);
  return gtk_widget_get_visible (self->request_bar);
}

void
sa_conversation_view_set_show_back (SaConversationView *self, gboolean show)
{
  g_return_if_fail (SA_IS_CONVERSATION_VIEW (self));
  /* folded, the view is the whole window: it gets the window buttons */
  gtk_widget_set_visible (self->back_button, show);
  adw_header_bar_set_show_start_title_buttons (self->header, show);
}

static gboolean
grab_focus (GtkWidget *widget)
{
  SaConversationView *self = SA_CONVERSATION_VIEW (widget);

  if (gtk_widget_get_visible (self->composer))
    return gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  return gtk_widget_grab_focus (GTK_WIDGET (self->message_list));
}

static void
sa_conversation_view_dispose (GObject *object)
{
  SaConversationView *self = SA_CONVERSATION_VIEW (object);
  GtkWidget *child;

  sa_conversation_view_set_conversation (self, NULL);
  if (self->follow_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->message_list), self->follow_tick_id);
  self->follow_tick_id = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_CONVERSATION_VIEW);
  /* the template's top box has no id, so it is not cleared with the template */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sa_conversation_view_parent_class)->dispose (object);
}

static void
sa_conversation_view_finalize (GObject *object)
{
  SaConversationView *self = SA_CONVERSATION_VIEW (object);

  g_clear_object (&self->cancellable);
  g_free (self->reply_id);
  G_OBJECT_CLASS (sa_conversation_view_parent_class)->finalize (object);
}

static void
sa_conversation_view_class_init (SaConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_conversation_view_dispose;
  object_class->finalize = sa_conversation_view_finalize;
  widget_class->grab_focus = grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/sessiond/App/sa-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, header);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, window_title);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, back_button);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, settings_button);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, scroller);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, message_list);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, factory);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, typing_revealer);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, typing_label);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, request_bar);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, composer);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, reply_revealer);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, reply_label);
  gtk_widget_class_bind_template_child (widget_class, SaConversationView, text_view);
}

static void
sa_conversation_view_init (SaConversationView *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self->factory, "setup", G_CALLBACK (on_setup), self);
  g_signal_connect (self->factory, "bind", G_CALLBACK (on_bind), self);
  g_signal_connect (self->factory, "unbind", G_CALLBACK (on_unbind), self);
  g_signal_connect (self->scroller, "edge-reached", G_CALLBACK (on_edge_reached), self);
  g_signal_connect (vadjustment (self), "changed", G_CALLBACK (on_extent_changed), self);
  g_signal_connect (vadjustment (self), "value-changed", G_CALLBACK (on_value_changed), self);
  g_signal_connect (self->message_list, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect (gtk_text_view_get_buffer (self->text_view), "changed",
                    G_CALLBACK (on_buffer_changed), self);
  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_list_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->message_list), keys);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);
}

GtkWidget *
sa_conversation_view_new (void)
{
  return g_object_new (SA_TYPE_CONVERSATION_VIEW, NULL);
}
