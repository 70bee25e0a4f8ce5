/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: first run, or an AdwLeaflet with the conversation list
 * (message requests on their own page) beside the open conversation. It
 * folds to one pane below about 660 px and works down to 360 px. Every
 * user action is a window action, so buttons, keys, notifications (through
 * app.open-conversation) and tests share one path. */
#define G_LOG_DOMAIN "SaWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "sa-account-window.h"
#include "sa-conversation-row.h"
#include "sa-conversation-settings.h"
#include "sa-window.h"

struct _SaWindow {
  AdwApplicationWindow parent_instance;

  SessiondClient *client;           /* (owned) (nullable) */
  GCancellable *cancellable;        /* (owned) */
  GtkFilter *approved_filter;       /* (owned) conversations we talk in */
  GtkFilter *request_filter;        /* (owned) message requests, blocked ones left out */
  GtkSorter *sorter;                /* (owned) newest activity first */
  GtkSingleSelection *conversations; /* (owned) */
  GtkSingleSelection *requests;     /* (owned) */
  gchar *pending_open;              /* (owned) (nullable) opened once the client is there */
  guint check_open_id;              /* idle: is the open conversation still there? */

  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwStatusPage *unavailable_page;
  SaSetupPage *setup_page;
  AdwLeaflet *leaflet;
  GtkStack *sidebar_stack;
  AdwWindowTitle *sidebar_title;
  GtkRevealer *requests_revealer;
  GtkLabel *requests_count;
  GtkStack *list_stack;
  GtkListView *conversation_list;
  GtkListView *request_list;
  GtkStack *content_stack;
  SaConversationView *conversation_view;
};

G_DEFINE_FINAL_TYPE (SaWindow, sa_window, ADW_TYPE_APPLICATION_WINDOW)

static SessiondConversation *
current (SaWindow *self)
{
  return sa_conversation_view_get_conversation (self->conversation_view);
}

static void
toast (SaWindow *self, const gchar *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
report (SaWindow *self, gboolean ok, const GError *error)
{
  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast (self, error->message);
}

/* ---- the lists ---- */

static gboolean
is_approved (gpointer item, gpointer user_data)
{
  return sessiond_conversation_get_approved (item);
}

static gboolean
is_request (gpointer item, gpointer user_data)
{
  return !sessiond_conversation_get_approved (item) && !sessiond_conversation_get_blocked (item);
}

static int
by_activity (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 x = sessiond_conversation_get_last_activity ((SessiondConversation *) a);
  gint64 y = sessiond_conversation_get_last_activity ((SessiondConversation *) b);

  return x < y ? 1 : x > y ? -1 : 0;
}

static void
update_counts (SaWindow *self)
{
  guint requests = g_list_model_get_n_items (G_LIST_MODEL (self->requests));
  guint conversations = g_list_model_get_n_items (G_LIST_MODEL (self->conversations));
  g_autofree gchar *count = g_strdup_printf ("%u", requests);

  gtk_label_set_label (self->requests_count, count);
  gtk_revealer_set_reveal_child (self->requests_revealer, requests > 0);
  gtk_stack_set_visible_child_name (self->list_stack, conversations > 0 ? "list" : "empty");
  if (requests == 0 && g_strcmp0 (gtk_stack_get_visible_child_name (self->sidebar_stack),
                                  "requests") == 0)
    gtk_stack_set_visible_child_name (self->sidebar_stack, "conversations");
}

static void
on_conversation_notify (SessiondConversation *conversation, GParamSpec *pspec, SaWindow *self)
{
  /* filter and sort models do not watch their items: tell them */
  if (g_str_equal (pspec->name, "approved") || g_str_equal (pspec->name, "blocked")) {
    gtk_filter_changed (self->approved_filter, GTK_FILTER_CHANGE_DIFFERENT);
    gtk_filter_changed (self->request_filter, GTK_FILTER_CHANGE_DIFFERENT);
  } else if (g_str_equal (pspec->name, "last-activity")) {
    gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
  }
}

static void
close_conversation (SaWindow *self)
{
  sa_conversation_view_set_conversation (self->conversation_view, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "empty");
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static gboolean
check_open (gpointer user_data)
{
  SaWindow *self = user_data;

  self->check_open_id = 0;
  /* the open conversation was deleted (here or on another device) */
  if (current (self) != NULL &&
      sessiond_client_lookup_conversation (self->client,
                                           sessiond_conversation_get_id (current (self))) == NULL)
    close_conversation (self);
  return G_SOURCE_REMOVE;
}

static void
on_conversations_changed (GListModel *model, guint position, guint removed, guint added,
                          SaWindow *self)
{
  for (guint i = position; i < position + added; i++) {
    g_autoptr(GObject) conversation = g_list_model_get_item (model, i);

    if (g_object_get_data (conversation, "sa-window") == self)
      continue;
    g_object_set_data (conversation, "sa-window", self);
    g_signal_connect_object (conversation, "notify", G_CALLBACK (on_conversation_notify), self, 0);
  }
  /* the client moves a conversation by removing and re-inserting it: look
   * again once that is over */
  if (removed > 0 && self->check_open_id == 0)
    self->check_open_id = g_idle_add (check_open, self);
}

static void
on_row_setup (GtkSignalListItemFactory *factory, GtkListItem *item, SaWindow *self)
{
  gtk_list_item_set_child (item, sa_conversation_row_new ());
}

static void
on_row_bind (GtkSignalListItemFactory *factory, GtkListItem *item, SaWindow *self)
{
  sa_conversation_row_set_conversation (SA_CONVERSATION_ROW (gtk_list_item_get_child (item)),
                                        gtk_list_item_get_item (item));
}

static void
on_row_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, SaWindow *self)
{
  sa_conversation_row_set_conversation (SA_CONVERSATION_ROW (gtk_list_item_get_child (item)),
                                        NULL);
}

static GtkListItemFactory *
row_factory (SaWindow *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (on_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_row_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_row_unbind), self);
  return factory;
}

static void
show_conversation (SaWindow *self, SessiondConversation *conversation)
{
  sa_conversation_view_set_conversation (self->conversation_view, conversation);
  gtk_stack_set_visible_child_name (self->content_stack, "conversation");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
  gtk_widget_grab_focus (GTK_WIDGET (self->conversation_view));
}

static void
on_list_activate (GtkListView *list, guint position, SaWindow *self)
{
  g_autoptr(SessiondConversation) conversation =
    g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), position);

  if (conversation != NULL)
    show_conversation (self, conversation);
}

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondConversation) conversation =
    sessiond_client_open_conversation_finish (SESSIOND_CLIENT (source), result, &error);

  if (conversation == NULL) {
    report (self, FALSE, error);
    return;
  }
  show_conversation (self, conversation);
}

/**
 * sa_window_open_conversation:
 *
 * Shows the conversation with @session_id, starting one if there is none
 * (a message request stays a request until accepted).
 */
void
sa_window_open_conversation (SaWindow *self, const gchar *session_id)
{
  SessiondConversation *conversation;

  g_return_if_fail (SA_IS_WINDOW (self));
  if (self->client == NULL || g_strcmp0 (sa_window_get_page (self), "main") != 0) {
    g_free (self->pending_open);
    self->pending_open = g_strdup (session_id);
    return;
  }
  conversation = sessiond_client_lookup_conversation (self->client, session_id);
  if (conversation != NULL) {
    if (is_request (conversation, NULL))
      gtk_stack_set_visible_child_name (self->sidebar_stack, "requests");
    show_conversation (self, conversation);
    return;
  }
  sessiond_client_open_conversation_async (self->client, session_id, self->cancellable, on_opened,
                                           g_object_ref (self));
}

/* ---- pages ---- */

static void
update_page (SaWindow *self)
{
  g_autofree gchar *id = NULL;

  if (self->client == NULL)
    return;
  id = sessiond_client_dup_session_id (self->client);
  gtk_stack_set_visible_child_name (self->main_stack,
                                    id != NULL && *id != '\0' ? "main" : "setup");
  if (id != NULL && *id != '\0' && self->pending_open != NULL) {
    g_autofree gchar *pending = g_steal_pointer (&self->pending_open);

    sa_window_open_conversation (self, pending);
  }
}

static void
on_client_notify (GObject *object, GParamSpec *pspec, SaWindow *self)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *state = NULL;

  if (g_str_equal (pspec->name, "session-id"))
    update_page (self);
  name = sessiond_client_dup_display_name (self->client);
  state = sessiond_client_dup_state (self->client);
  adw_window_title_set_subtitle (self->sidebar_title,
                                 g_strcmp0 (state, "online") == 0       ? name
                                 : g_strcmp0 (state, "connecting") == 0 ? _("Connecting…")
                                                                        : _("Offline"));
}

void
sa_window_set_client (SaWindow *self, SessiondClient *client)
{
  GListModel *all;
  GtkFilterListModel *approved;
  GtkFilterListModel *requests;
  GtkSortListModel *sorted;
  GtkSortListModel *sorted_requests;

  g_return_if_fail (SA_IS_WINDOW (self));
  g_return_if_fail (self->client == NULL);
  self->client = g_object_ref (client);
  sa_setup_page_set_client (self->setup_page, client);

  all = sessiond_client_get_conversations (client);
  g_signal_connect_object (all, "items-changed", G_CALLBACK (on_conversations_changed), self, 0);
  on_conversations_changed (all, 0, 0, g_list_model_get_n_items (all), self);

  approved = gtk_filter_list_model_new (g_object_ref (all), g_object_ref (self->approved_filter));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (approved), g_object_ref (self->sorter));
  self->conversations = gtk_single_selection_new (G_LIST_MODEL (sorted));
  requests = gtk_filter_list_model_new (g_object_ref (all), g_object_ref (self->request_filter));
  sorted_requests = gtk_sort_list_model_new (G_LIST_MODEL (requests),
                                             g_object_ref (self->sorter));
  self->requests = gtk_single_selection_new (G_LIST_MODEL (sorted_requests));
  gtk_single_selection_set_autoselect (self->conversations, FALSE);
  gtk_single_selection_set_autoselect (self->requests, FALSE);
  gtk_single_selection_set_can_unselect (self->conversations, TRUE);
  gtk_single_selection_set_can_unselect (self->requests, TRUE);
  gtk_list_view_set_model (self->conversation_list, GTK_SELECTION_MODEL (self->conversations));
  gtk_list_view_set_model (self->request_list, GTK_SELECTION_MODEL (self->requests));
  g_signal_connect_swapped (self->conversations, "items-changed", G_CALLBACK (update_counts),
                            self);
  g_signal_connect_swapped (self->requests, "items-changed", G_CALLBACK (update_counts), self);
  update_counts (self);

  g_signal_connect_object (client, "notify", G_CALLBACK (on_client_notify), self, 0);
  update_page (self);
  g_object_notify (G_OBJECT (client), "state");
}

void
sa_window_show_unavailable (SaWindow *self, const gchar *reason)
{
  g_return_if_fail (SA_IS_WINDOW (self));
  adw_status_page_set_description (self->unavailable_page, reason);
  gtk_stack_set_visible_child_name (self->main_stack, "unavailable");
}

/* ---- actions ---- */

static void
open_conversation_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  sa_window_open_conversation (user_data, g_variant_get_string (param, NULL));
}

static void
back_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
send_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;

  sa_conversation_view_send (self->conversation_view);
}

static void
on_approved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_approve_finish (SESSIOND_CONVERSATION (source), result,
                                                      &error);

  report (self, ok, error);
  if (ok)
    gtk_stack_set_visible_child_name (self->sidebar_stack, "conversations");
}

static void
accept_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;

  if (current (self) != NULL)
    sessiond_conversation_approve_async (current (self), self->cancellable, on_approved,
                                         g_object_ref (self));
}

static void
on_blocked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_set_blocked_finish (SESSIOND_CONVERSATION (source), result,
                                                          &error);

  report (self, ok, error);
  if (!ok)
    return;
  toast (self, _("Blocked"));
  /* a blocked request is in no list any more: leave it */
  if (current (self) == SESSIOND_CONVERSATION (source) &&
      !sessiond_conversation_get_approved (SESSIOND_CONVERSATION (source)))
    close_conversation (self);
}

static void
block_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;

  if (current (self) != NULL)
    sessiond_conversation_set_blocked_async (current (self), TRUE, self->cancellable, on_blocked,
                                             g_object_ref (self));
}

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_delete_finish (SESSIOND_CONVERSATION (source), result,
                                                     &error);

  report (self, ok, error);
}

static void
on_delete_response (AdwMessageDialog *dialog, const gchar *response, SaWindow *self)
{
  SessiondConversation *conversation = g_object_get_data (G_OBJECT (dialog), "conversation");

  if (g_strcmp0 (response, "delete") == 0 && conversation != NULL)
    sessiond_conversation_delete_async (conversation, self->cancellable, on_deleted,
                                        g_object_ref (self));
}

static void
delete_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;
  SessiondConversation *conversation = current (self);
  GtkWidget *dialog;

  if (conversation == NULL)
    return;
  /* a request is declined at once, as in the official clients; a
   * conversation with history asks first */
  if (!sessiond_conversation_get_approved (conversation)) {
    sessiond_conversation_delete_async (conversation, self->cancellable, on_deleted,
                                        g_object_ref (self));
    return;
  }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Delete this conversation?"),
                                   _("Its messages are removed from this computer."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "conversation", g_object_ref (conversation),
                          g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
settings_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;

  if (current (self) != NULL)
    gtk_window_present (GTK_WINDOW (sa_conversation_settings_new (GTK_WINDOW (self),
                                                                  current (self))));
}

static void
cancel_reply_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  sa_conversation_view_set_reply (SA_WINDOW (user_data)->conversation_view, NULL);
}

static void
reply_to_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  sa_conversation_view_set_reply (SA_WINDOW (user_data)->conversation_view,
                                  g_variant_get_string (param, NULL));
}

static SessiondMessage *
find_message (SaWindow *self, const gchar *id)
{
  SaMessageModel *model = sa_conversation_view_get_model (self->conversation_view);
  guint n = model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;

  for (guint i = n; i > 0; i--) {
    g_autoptr(SessiondMessage) m = g_list_model_get_item (G_LIST_MODEL (model), i - 1);

    if (g_strcmp0 (sessiond_message_get_id (m), id) == 0)
      return g_steal_pointer (&m);
  }
  return NULL;
}

static void
on_reaction_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_add_reaction_finish (SESSIOND_CONVERSATION (source), result,
                                                           &error);

  report (self, ok, error);
}

static void
on_reaction_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_remove_reaction_finish (SESSIOND_CONVERSATION (source),
                                                              result, &error);

  report (self, ok, error);
}

static void
react_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;
  const gchar *id, *emoji;
  g_autoptr(SessiondMessage) message = NULL;
  gboolean mine = FALSE;
  GPtrArray *reactions;

  g_variant_get (param, "(&s&s)", &id, &emoji);
  message = find_message (self, id);
  if (current (self) == NULL || message == NULL)
    return;
  /* choosing a reaction we gave takes it back, as in the official clients */
  reactions = sessiond_message_get_reactions (message);
  for (guint i = 0; reactions != NULL && i < reactions->len; i++) {
    SessiondReaction *r = g_ptr_array_index (reactions, i);

    if (g_str_equal (sessiond_reaction_get_emoji (r), emoji))
      mine = sessiond_reaction_get_reacted_by_me (r);
  }
  if (mine)
    sessiond_conversation_remove_reaction_async (current (self), id, emoji, self->cancellable,
                                                 on_reaction_removed, g_object_ref (self));
  else
    sessiond_conversation_add_reaction_async (current (self), id, emoji, self->cancellable,
                                              on_reaction_added, g_object_ref (self));
}

static void
on_message_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sessiond_conversation_delete_message_finish (SESSIOND_CONVERSATION (source),
                                                             result, &error);

  report (self, ok, error);
}

static void
delete_message_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;
  const gchar *id;
  gboolean for_everyone;

  g_variant_get (param, "(&sb)", &id, &for_everyone);
  if (current (self) != NULL)
    sessiond_conversation_delete_message_async (current (self), id, for_everyone,
                                                self->cancellable, on_message_deleted,
                                                g_object_ref (self));
}

static void
create_account_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  sa_setup_page_create (SA_WINDOW (user_data)->setup_page);
}

static void
restore_account_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  sa_setup_page_restore (SA_WINDOW (user_data)->setup_page);
}

static void
show_toast_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  toast (user_data, g_variant_get_string (param, NULL));
}

static void
show_requests_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  gtk_stack_set_visible_child_name (SA_WINDOW (user_data)->sidebar_stack, "requests");
}

static void
show_conversations_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  gtk_stack_set_visible_child_name (SA_WINDOW (user_data)->sidebar_stack, "conversations");
}

static void
on_new_response (AdwMessageDialog *dialog, const gchar *response, SaWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree gchar *id = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "open") == 0 && *id != '\0')
    sa_window_open_conversation (self, id);
}

static void
new_conversation_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  SaWindow *self = user_data;
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("New Conversation"),
                                   _("Enter the Session ID of the person to message."));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Session ID"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "open",
                                    _("_Open"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "open");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_new_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const GActionEntry win_entries[] = {
  { .name = "open-conversation", .activate = open_conversation_action, .parameter_type = "s" },
  { .name = "back", .activate = back_action },
  { .name = "send", .activate = send_action },
  { .name = "accept-request", .activate = accept_action },
  { .name = "block-conversation", .activate = block_action },
  { .name = "delete-conversation", .activate = delete_action },
  { .name = "conversation-settings", .activate = settings_action },
  { .name = "reply-to", .activate = reply_to_action, .parameter_type = "s" },
  { .name = "cancel-reply", .activate = cancel_reply_action },
  { .name = "react", .activate = react_action, .parameter_type = "(ss)" },
  { .name = "delete-message", .activate = delete_message_action, .parameter_type = "(sb)" },
  { .name = "create-account", .activate = create_account_action },
  { .name = "restore-account", .activate = restore_account_action },
  { .name = "show-toast", .activate = show_toast_action, .parameter_type = "s" },
  { .name = "show-requests", .activate = show_requests_action },
  { .name = "show-conversations", .activate = show_conversations_action },
  { .name = "new-conversation", .activate = new_conversation_action },
};

/* ---- getters, for the app and its test mode ---- */

const gchar *
sa_window_get_page (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

SaConversationView *
sa_window_get_conversation_view (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return self->conversation_view;
}

SaSetupPage *
sa_window_get_setup_page (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return self->setup_page;
}

GtkWidget *
sa_window_get_conversation_list (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->conversation_list);
}

GtkWidget *
sa_window_get_request_list (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->request_list);
}

const gchar *
sa_window_get_sidebar_page (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->sidebar_stack);
}

gboolean
sa_window_get_folded (SaWindow *self)
{
  g_return_val_if_fail (SA_IS_WINDOW (self), FALSE);
  return adw_leaflet_get_folded (self->leaflet);
}

static void
on_folded (GObject *object, GParamSpec *pspec, SaWindow *self)
{
  sa_conversation_view_set_show_back (self->conversation_view,
                                      adw_leaflet_get_folded (self->leaflet));
}

static void
on_active (GObject *object, GParamSpec *pspec, SaWindow *self)
{
  /* coming back to the window reads what arrived in the open conversation */
  if (gtk_window_is_active (GTK_WINDOW (self)) && current (self) != NULL &&
      sessiond_conversation_get_approved (current (self)) &&
      sessiond_conversation_get_unread_count (current (self)) > 0 &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "conversation") == 0)
    sessiond_conversation_mark_read_async (current (self), G_MAXINT64, self->cancellable, NULL,
                                           NULL);
}

static void
sa_window_dispose (GObject *object)
{
  SaWindow *self = SA_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_open_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SA_TYPE_WINDOW);
  g_clear_object (&self->conversations);
  g_clear_object (&self->requests);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (sa_window_parent_class)->dispose (object);
}

static void
sa_window_finalize (GObject *object)
{
  SaWindow *self = SA_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->approved_filter);
  g_clear_object (&self->request_filter);
  g_clear_object (&self->sorter);
  g_free (self->pending_open);
  G_OBJECT_CLASS (sa_window_parent_class)->finalize (object);
}

static void
sa_window_class_init (SaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sa_window_dispose;
  object_class->finalize = sa_window_finalize;
  g_type_ensure (SA_TYPE_SETUP_PAGE);
  g_type_ensure (SA_TYPE_CONVERSATION_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/sessiond/App/sa-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, unavailable_page);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, requests_revealer);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, requests_count);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, conversation_list);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, request_list);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SaWindow, conversation_view);
}

static void
sa_window_init (SaWindow *self)
{
  g_autoptr(GtkListItemFactory) conversation_factory = NULL;
  g_autoptr(GtkListItemFactory) request_factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);
  self->approved_filter = GTK_FILTER (gtk_custom_filter_new (is_approved, NULL, NULL));
  self->request_filter = GTK_FILTER (gtk_custom_filter_new (is_request, NULL, NULL));
  self->sorter = GTK_SORTER (gtk_custom_sorter_new (by_activity, NULL, NULL));
  conversation_factory = row_factory (self);
  request_factory = row_factory (self);
  gtk_list_view_set_factory (self->conversation_list, conversation_factory);
  gtk_list_view_set_factory (self->request_list, request_factory);
  g_signal_connect (self->conversation_list, "activate", G_CALLBACK (on_list_activate), self);
  g_signal_connect (self->request_list, "activate", G_CALLBACK (on_list_activate), self);
  g_signal_connect (self->leaflet, "notify::folded", G_CALLBACK (on_folded), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_active), self);
  on_folded (NULL, NULL, self);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
}

SaWindow *
sa_window_new (GtkApplication *application)
{
  return g_object_new (SA_TYPE_WINDOW, "application", application, NULL);
}
