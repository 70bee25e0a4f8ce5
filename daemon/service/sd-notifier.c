/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdNotifier"

#include "config.h"

#include <string.h>

#include "sd-notifier.h"

#include "sd-front-end.h"

#include <glib/gi18n.h>

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define NOTIFICATIONS_IFACE "org.freedesktop.Notifications"

struct _SdNotifier {
  GObject parent_instance;

  GDBusConnection *connection; /* (owned) */
  SdAccount *account;          /* (owned) */
  gboolean enabled;
  gboolean inhibited;
  SdNotifyContent content;
  gchar *front_end;            /* (owned) (nullable) */
  gboolean caps_known;
  gboolean caps_pending;
  gboolean has_actions;
  gboolean has_inline_reply;
  gboolean has_body_markup;
  guint watch_id;              /* org.freedesktop.Notifications */
  gchar *server;               /* (owned) (nullable) its unique name: the only sender we believe */
  GHashTable *by_conversation; /* (owned) conversation id → notification id */
  GHashTable *by_id;           /* (owned) notification id → conversation id */
  GPtrArray *waiting;          /* (owned) SdMessage shown once capabilities are known */
  guint action_sub;
  guint reply_sub;
  guint closed_sub;
};

G_DEFINE_FINAL_TYPE (SdNotifier, sd_notifier, G_TYPE_OBJECT)

static void
forget (SdNotifier *self, guint id)
{
  const gchar *conversation = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));

  if (conversation != NULL)
    g_hash_table_remove (self->by_conversation, conversation);
  g_hash_table_remove (self->by_id, GUINT_TO_POINTER (id));
}

typedef struct {
  SdNotifier *self;  /* (owned) */
  gchar *conversation;
} NotifyCall;

static void
on_notified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NotifyCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  guint id;

  if (reply == NULL) {
    g_debug ("no notification shown: %s", error->message);
  } else {
    g_variant_get (reply, "(u)", &id);
    g_hash_table_replace (call->self->by_conversation, g_strdup (call->conversation),
                          GUINT_TO_POINTER (id));
    g_hash_table_replace (call->self->by_id, GUINT_TO_POINTER (id), g_strdup (call->conversation));
  }
  g_object_unref (call->self);
  g_free (call->conversation);
  g_free (call);
}

/* what a message of attachments alone shows: "Photo", "Voice message", "File: name" */
static gchar *
describe_attachment (const SdMessage *message)
{
  const SdAttachmentInfo *first;

  if (message->attachments == NULL || message->attachments->len == 0)
    return g_strdup ("");
  first = g_ptr_array_index (message->attachments, 0);
  if (first->voice)
    return g_strdup (_("Voice message"));
  if (first->content_type != NULL && g_str_has_prefix (first->content_type, "image/"))
    return g_strdup (_("Photo"));
  /* the name is the sender's text, shown like the body would be */
  return g_strdup_printf (_("File: %s"),
                          first->file_name != NULL && g_utf8_validate (first->file_name, -1, NULL)
                            ? first->file_name : _("attachment"));
}

static gchar *render_mentions (SdNotifier *self, const gchar *body);

static void
show (SdNotifier *self, const SdConversation *conversation, const SdMessage *message)
{
  GVariantBuilder actions, hints;
  g_autofree gchar *name = NULL;
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *attachment_text = NULL;
  g_autofree gchar *rendered = NULL;
  const gchar *summary, *body;
  NotifyCall *call;
  guint replaces = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_conversation,
                                                          conversation->id));

  name = sd_conversation_dup_title (conversation);
  /* a stranger chooses both their name and their text: neither is shown until
   * the user accepts the request */
  if (!conversation->approved) {
    summary = _("New message request");
    body = "";
  } else switch (self->content) {
  case SD_NOTIFY_CONTENT_FULL:
    summary = name;
    body = *message->body != '\0' ? (rendered = render_mentions (self, message->body))
                                  : (gchar *) (attachment_text = describe_attachment (message));
    break;
  case SD_NOTIFY_CONTENT_NAME:
    summary = name;
    body = _("New message");
    break;
  case SD_NOTIFY_CONTENT_NONE:
  default:
    summary = _("New message");
    body = "";
    break;
  }
  /* a server that renders markup would turn a sender's <a href> into a link */
  if (self->has_body_markup)
    body = escaped = g_markup_escape_text (body, -1);

  g_variant_builder_init (&actions, G_VARIANT_TYPE_STRING_ARRAY);
  if (self->has_actions) {
    g_variant_builder_add (&actions, "s", "default");
    g_variant_builder_add (&actions, "s", _("Open"));
    g_variant_builder_add (&actions, "s", "mark-read");
    g_variant_builder_add (&actions, "s", _("Mark as read"));
    if (self->has_inline_reply) {
      g_variant_builder_add (&actions, "s", "inline-reply");
      g_variant_builder_add (&actions, "s", _("Reply"));
    }
  }
  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("im.received"));
  g_variant_builder_add (&hints, "{sv}", "x-sessiond-conversation",
                         g_variant_new_string (conversation->id));
  if (self->front_end != NULL)
    g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (self->front_end));
  /* the contact's picture where their name is shown (never a stranger's) */
  if (conversation->approved && self->content != SD_NOTIFY_CONTENT_NONE) {
    g_autofree gchar *avatar = sd_account_dup_avatar_path (self->account, conversation->id);
    g_autofree gchar *uri = avatar != NULL ? g_filename_to_uri (avatar, NULL, NULL) : NULL;

    if (uri != NULL)
      g_variant_builder_add (&hints, "{sv}", "image-path", g_variant_new_string (uri));
  }

  call = g_new0 (NotifyCall, 1);
  call->self = g_object_ref (self);
  call->conversation = g_strdup (conversation->id);
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "Notify",
                          g_variant_new ("(susssasa{sv}i)", "sessiond", replaces, "", summary,
                                         body, &actions, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL,
                          on_notified, call);
}

static void show_message (SdNotifier *self, const SdMessage *message);

static void
on_capabilities (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdNotifier) self = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);
  g_autofree const gchar **caps = NULL;
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->caps_pending = FALSE;
  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
  /* without a notification server (yet) the next message asks again */
  if (reply != NULL) {
    self->caps_known = TRUE;
    g_variant_get (reply, "(^a&s)", &caps);
    self->has_actions = g_strv_contains (caps, "actions");
    self->has_inline_reply = g_strv_contains (caps, "inline-reply");
    self->has_body_markup = g_strv_contains (caps, "body-markup");
  }
  for (guint i = 0; i < waiting->len; i++)
    show_message (self, g_ptr_array_index (waiting, i));
}

static void
ask_capabilities (SdNotifier *self)
{
  if (self->caps_known || self->caps_pending)
    return;
  self->caps_pending = TRUE;
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "GetCapabilities", NULL, G_VARIANT_TYPE ("(as)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, on_capabilities,
                          g_object_ref (self));
}

/* a group in "mentions" mode announces only what names us: the official clients write a
 * mention as "@" and the Session ID in the body (and show the name in its place). The id's
 * hex may come in either case; a longer run of hex is not an id */
#define MENTION_LEN (1 + 66)

static gboolean
mention_at (const gchar *p)
{
  if (p[0] != '@' || p[1] != '0' || p[2] != '5')
    return FALSE;
  for (guint i = 3; i < MENTION_LEN; i++)
    if (!g_ascii_isxdigit (p[i]))
      return FALSE;
  return !g_ascii_isxdigit (p[MENTION_LEN]);
}

static gboolean
mentions_us (SdNotifier *self, const SdMessage *message)
{
  const gchar *own = sd_account_get_session_id (self->account);

  if (message->body == NULL || own == NULL || strlen (own) != MENTION_LEN - 1)
    return FALSE;
  for (const gchar *p = strchr (message->body, '@'); p != NULL; p = strchr (p + 1, '@'))
    if (mention_at (p) && g_ascii_strncasecmp (p + 1, own, MENTION_LEN - 1) == 0)
      return TRUE;
  return FALSE;
}

/* the name a mention shows, as the official clients show it: ours, an approved contact's
 * (a stranger's chosen name is not shown, as elsewhere), else the id shortened */
static gchar *
mention_name (SdNotifier *self, const gchar *id)
{
  const gchar *own_name = sd_account_get_display_name (self->account);
  g_autoptr(SdConversation) conversation = NULL;

  if (g_strcmp0 (id, sd_account_get_session_id (self->account)) == 0 && own_name != NULL &&
      *own_name != '\0')
    return g_strdup (own_name);
  conversation = sd_account_get_conversation (self->account, id, NULL);
  if (conversation != NULL && conversation->approved)
    return sd_conversation_dup_title (conversation);
  return g_strdup_printf ("%.6s…%s", id, id + 62);
}

/* @body with each "@" + Session ID shown as "@" + that member's name */
static gchar *
render_mentions (SdNotifier *self, const gchar *body)
{
  GString *out = g_string_new (NULL);
  const gchar *p = body;

  for (const gchar *at = strchr (p, '@'); at != NULL; at = strchr (at + 1, '@')) {
    g_autofree gchar *id = NULL;
    g_autofree gchar *name = NULL;

    if (!mention_at (at))
      continue;
    g_string_append_len (out, p, at - p);
    id = g_ascii_strdown (at + 1, MENTION_LEN - 1);
    name = mention_name (self, id);
    g_string_append_printf (out, "@%s", name);
    p = at + MENTION_LEN;
    at = p - 1;
  }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

static void
show_message (SdNotifier *self, const SdMessage *message)
{
  g_autoptr(SdConversation) conversation = sd_account_get_conversation (self->account,
                                                                        message->conversation,
                                                                        NULL);

  /* nothing unread there: it was read on another device (or here) meanwhile */
  if (conversation == NULL || conversation->blocked || conversation->unread == 0 ||
      conversation->muted_until > g_get_real_time () / 1000)
    return;
  if (conversation->kind == SD_CONVERSATION_KIND_GROUP &&
      conversation->notify_mode == SD_CONVERSATION_NOTIFY_MENTIONS && !mentions_us (self, message))
    return;
  show (self, conversation, message);
}

static void
on_message_added (SdAccount *account, SdMessage *message, gboolean arrived, SdNotifier *self)
{
  /* only what others sent us, as it arrives */
  /* events (timer changes, screenshots) are shown in the conversation, not announced */
  if (!arrived || message->outgoing || message->kind != SD_MESSAGE_KIND_TEXT || !self->enabled ||
      self->inhibited)
    return;
  /* the actions offered depend on the server: learn them first */
  if (!self->caps_known) {
    g_ptr_array_add (self->waiting, sd_message_copy (message));
    ask_capabilities (self);
    return;
  }
  show_message (self, message);
}

/* the end of a catch-up: history raised no notification of its own; one summary counts what
 * is still unread in conversations that are not muted or blocked (requests count, but
 * nothing of theirs is shown) */
static void
on_caught_up (SdAccount *account, GHashTable *counts, SdNotifier *self)
{
  g_autofree gchar *messages = NULL;
  g_autofree gchar *conversations = NULL;
  g_autofree gchar *body = NULL;
  GVariantBuilder actions, hints;
  GHashTableIter iter;
  gpointer id, count;
  guint n_messages = 0, n_conversations = 0;
  gint64 now = g_get_real_time () / 1000;

  if (!self->enabled || self->inhibited)
    return;
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &id, &count)) {
    g_autoptr(SdConversation) conversation = sd_account_get_conversation (account, id, NULL);

    if (conversation == NULL || conversation->blocked || conversation->unread == 0 ||
        conversation->muted_until > now)
      continue;
    n_messages += MIN (GPOINTER_TO_UINT (count), conversation->unread);
    n_conversations++;
  }
  if (n_messages == 0)
    return;
  messages = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message", "%u new messages",
                                           n_messages), n_messages);
  conversations = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in %u conversation",
                                                "in %u conversations", n_conversations),
                                   n_conversations);
  /* TRANSLATORS: "42 new messages" "in 5 conversations" */
  body = g_strdup_printf (C_("catch-up summary", "%s %s"), messages, conversations);
  g_variant_builder_init (&actions, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("im.received"));
  if (self->front_end != NULL)
    g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (self->front_end));
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "Notify",
                          g_variant_new ("(susssasa{sv}i)", "sessiond", 0, "",
                                         _("New messages"), body, &actions, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL,
                          NULL, NULL);
}

/* reading the conversation elsewhere retires its notification */
static void
on_conversation_changed (SdAccount *account, SdConversation *conversation, SdNotifier *self)
{
  guint id = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_conversation, conversation->id));

  if (id == 0 || conversation->unread > 0)
    return;
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_IFACE, "CloseNotification", g_variant_new ("(u)", id),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL, NULL);
  forget (self, id);
}

static void
on_notification_signal (GDBusConnection *connection,
                        const gchar *sender,
                        const gchar *path,
                        const gchar *iface,
                        const gchar *member,
                        GVariant *params,
                        gpointer user_data)
{
  SdNotifier *self = user_data;
  g_autofree gchar *conversation = NULL;
  const gchar *text = NULL;
  guint id = 0;

  /* anyone on the bus can emit these; only the notification server's count,
   * or any client could reply, approve and mark read in the user's name */
  if (self->server == NULL || g_strcmp0 (sender, self->server) != 0) {
    g_debug ("ignoring %s from %s, not the notification server", member, sender);
    return;
  }
  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(us)")) &&
      !g_variant_is_of_type (params, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get_child (params, 0, "u", &id);
  conversation = g_strdup (g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id)));
  if (conversation == NULL)
    return; /* not one of ours */
  if (g_str_equal (member, "NotificationClosed")) {
    forget (self, id);
    return;
  }
  g_variant_get_child (params, 1, "&s", &text);
  if (g_str_equal (member, "ActionInvoked")) {
    if (g_str_equal (text, "default")) {
      sd_front_end_open (self->connection, self->front_end, conversation);
    } else if (g_str_equal (text, "mark-read")) {
      g_autoptr(GError) error = NULL;

      if (!sd_account_mark_read (self->account, conversation, G_MAXINT64, &error))
        g_debug ("mark-read from a notification failed: %s", error->message);
    }
  } else if (g_str_equal (member, "NotificationReplied")) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdMessage) sent = sd_account_send (self->account, conversation, text, &error);

    if (sent == NULL)
      g_debug ("inline reply not sent: %s", error->message);
    else if (!sd_account_mark_read (self->account, conversation, G_MAXINT64, NULL))
      g_debug ("could not mark read after a reply");
  }
}

static void
on_server_appeared (GDBusConnection *connection,
                    const gchar *name,
                    const gchar *owner,
                    gpointer user_data)
{
  SdNotifier *self = user_data;

  /* the ids shown so far are this server's: the watch reports the first owner
   * after the first notifications may have gone out, and a new owner only
   * after the old one vanished */
  g_free (self->server);
  self->server = g_strdup (owner);
}

static void
on_server_vanished (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  SdNotifier *self = user_data;

  /* the next server knows nothing of this one's ids and may offer other capabilities */
  g_clear_pointer (&self->server, g_free);
  g_hash_table_remove_all (self->by_conversation);
  g_hash_table_remove_all (self->by_id);
  self->caps_known = FALSE;
}

void
sd_notifier_set_enabled (SdNotifier *self, gboolean enabled)
{
  self->enabled = enabled;
}

void
sd_notifier_set_content (SdNotifier *self, SdNotifyContent content)
{
  self->content = content;
}

void
sd_notifier_set_inhibited (SdNotifier *self, gboolean inhibited)
{
  self->inhibited = inhibited;
}

void
sd_notifier_set_front_end (SdNotifier *self, const gchar *desktop_id)
{
  g_free (self->front_end);
  self->front_end = desktop_id != NULL && *desktop_id != '\0' ? g_strdup (desktop_id) : NULL;
}

static void
sd_notifier_dispose (GObject *object)
{
  SdNotifier *self = SD_NOTIFIER (object);

  if (self->watch_id != 0) {
    g_bus_unwatch_name (self->watch_id);
    self->watch_id = 0;
  }
  if (self->connection != NULL) {
    g_dbus_connection_signal_unsubscribe (self->connection, self->action_sub);
    g_dbus_connection_signal_unsubscribe (self->connection, self->reply_sub);
    g_dbus_connection_signal_unsubscribe (self->connection, self->closed_sub);
  }
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (sd_notifier_parent_class)->dispose (object);
}

static void
sd_notifier_finalize (GObject *object)
{
  SdNotifier *self = SD_NOTIFIER (object);

  g_free (self->front_end);
  g_free (self->server);
  g_hash_table_unref (self->by_conversation);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->waiting);
  G_OBJECT_CLASS (sd_notifier_parent_class)->finalize (object);
}

static void
sd_notifier_class_init (SdNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_notifier_dispose;
  object_class->finalize = sd_notifier_finalize;
}

static void
sd_notifier_init (SdNotifier *self)
{
  self->enabled = TRUE;
  self->by_conversation = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_id = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_message_free);
}

SdNotifier *
sd_notifier_new (GDBusConnection *connection, SdAccount *account)
{
  SdNotifier *self = g_object_new (SD_TYPE_NOTIFIER, NULL);

  self->connection = g_object_ref (connection);
  self->account = g_object_ref (account);
  g_signal_connect (account, "message-added", G_CALLBACK (on_message_added), self);
  g_signal_connect (account, "conversation-changed", G_CALLBACK (on_conversation_changed), self);
  g_signal_connect (account, "caught-up", G_CALLBACK (on_caught_up), self);
  self->action_sub = g_dbus_connection_signal_subscribe (
    connection, NULL, NOTIFICATIONS_IFACE, "ActionInvoked", NOTIFICATIONS_PATH, NULL,
    G_DBUS_SIGNAL_FLAGS_NONE, on_notification_signal, self, NULL);
  self->reply_sub = g_dbus_connection_signal_subscribe (
    connection, NULL, NOTIFICATIONS_IFACE, "NotificationReplied", NOTIFICATIONS_PATH, NULL,
    G_DBUS_SIGNAL_FLAGS_NONE, on_notification_signal, self, NULL);
  self->closed_sub = g_dbus_connection_signal_subscribe (
    connection, NULL, NOTIFICATIONS_IFACE, "NotificationClosed", NOTIFICATIONS_PATH, NULL,
    G_DBUS_SIGNAL_FLAGS_NONE, on_notification_signal, self, NULL);
  self->watch_id = g_bus_watch_name_on_connection (connection, NOTIFICATIONS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_server_appeared, on_server_vanished,
                                                   self, NULL);
  return self;
}
