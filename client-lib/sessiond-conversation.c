/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <unistd.h>

/**
 * SessiondConversation:
 *
 * One conversation of the account. Its properties follow the daemon's
 * and notify when they change; new, changed and removed messages are
 * announced by signals.
 *
 * Get conversations from [method@Client.get_conversations] or
 * [method@Client.open_conversation_async].
 *
 * Since: 0.1
 */
struct _SessiondConversation {
  GObject parent_instance;

  SdcDbusConversation1 *proxy;  /* (owned) */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_NAME,
  PROP_UNREAD_COUNT,
  PROP_LAST_ACTIVITY,
  PROP_LAST_MESSAGE_PREVIEW,
  PROP_APPROVED,
  PROP_BLOCKED,
  PROP_MUTED_UNTIL,
  PROP_PEER_TYPING,
  PROP_NICKNAME,
  PROP_EXPIRATION_MODE,
  PROP_EXPIRATION_TIMER,
  PROP_PRIORITY,
  PROP_PINNED,
  PROP_HIDDEN,
  PROP_NOTIFY_MODE,
  PROP_MARKED_UNREAD,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE_ADDED,
  SIGNAL_MESSAGE_CHANGED,
  SIGNAL_MESSAGE_REMOVED,
  SIGNAL_HISTORY_ADDED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SessiondConversation, sessiond_conversation, G_TYPE_OBJECT)

static void
on_proxy_notify (GObject *proxy, GParamSpec *pspec, SessiondConversation *self)
{
  /* the generated proxy's properties have the same names as ours */
  GParamSpec *ours = g_object_class_find_property (G_OBJECT_GET_CLASS (self), pspec->name);

  if (ours != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), ours);
}

static void
on_message_added (SdcDbusConversation1 *proxy, GVariant *dict, SessiondConversation *self)
{
  g_autoptr(SessiondMessage) message = sessiond_message_new_from_variant (dict);

  g_signal_emit (self, signals[SIGNAL_MESSAGE_ADDED], 0, message);
}

static void
on_message_changed (SdcDbusConversation1 *proxy,
                    const gchar *message_id,
                    GVariant *changes,
                    SessiondConversation *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, message_id, changes);
}

static void
on_message_removed (SdcDbusConversation1 *proxy,
                    const gchar *message_id,
                    SessiondConversation *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_REMOVED], 0, message_id);
}

/**
 * sessiond_conversation_get_id:
 * @self: a conversation
 *
 * Gets the peer's Session ID (our own for Note to Self).
 *
 * Returns: the peer's Session ID (our own for Note to Self)
 *
 * Since: 0.1
 */
const gchar *
sessiond_conversation_get_id (SessiondConversation *self)
{
  const gchar *path;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  /* the object path is fixed, the cached property may not be there yet */
  path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy));
  return strrchr (path, '/') + 1;
}

/**
 * sessiond_conversation_get_kind:
 * @self: a conversation
 *
 * Gets the kind of conversation.
 *
 * Returns: (nullable): `direct` or `note-to-self`
 *
 * Since: 0.1
 */
const gchar *
sessiond_conversation_get_kind (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  return sdc_dbus_conversation1_get_kind (self->proxy);
}

/**
 * sessiond_conversation_get_community:
 * @self: a conversation
 *
 * Gets what the daemon knows of a community room: `url`, `room`, `name`,
 * `description`, `user-count`, `state`, `permissions`, `moderators` and
 * `admins` (see the `Community` property of org.sessiond.Conversation1).
 *
 * Returns: (transfer none) (nullable): an `a{sv}`, empty unless the kind is
 *   `community`
 *
 * Since: 0.1
 */
GVariant *
sessiond_conversation_get_community (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  return sdc_dbus_conversation1_get_community (self->proxy);
}

/**
 * sessiond_conversation_dup_name:
 * @self: a conversation
 *
 * Gets a copy of the nickname, else the peer's display name, else a short id.
 *
 * Returns: (transfer full) (nullable): the nickname, else the peer's
 *   display name, else a short id
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_dup_name (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  return sdc_dbus_conversation1_dup_name (self->proxy);
}

/**
 * sessiond_conversation_get_unread_count:
 * @self: a conversation
 *
 * Gets the number of unread incoming messages.
 *
 * Returns: the number of unread incoming messages
 *
 * Since: 0.1
 */
guint
sessiond_conversation_get_unread_count (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), 0);
  return sdc_dbus_conversation1_get_unread_count (self->proxy);
}

/**
 * sessiond_conversation_get_last_activity:
 * @self: a conversation
 *
 * Gets the time of the newest message, in ms since the epoch.
 *
 * Returns: the time of the newest message, in ms since the epoch
 *
 * Since: 0.1
 */
gint64
sessiond_conversation_get_last_activity (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), 0);
  return sdc_dbus_conversation1_get_last_activity (self->proxy);
}

/**
 * sessiond_conversation_dup_last_message_preview:
 * @self: a conversation
 *
 * Gets a copy of the start of the newest message.
 *
 * Returns: (transfer full) (nullable): the start of the newest message
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_dup_last_message_preview (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  return sdc_dbus_conversation1_dup_last_message_preview (self->proxy);
}

/**
 * sessiond_conversation_get_approved:
 * @self: a conversation
 *
 * Tells whether the conversation was accepted: a message request is
 * not until [method@Conversation.approve_async].
 *
 * Returns: %FALSE for a message request that was not accepted yet
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_approved (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_approved (self->proxy);
}

/**
 * sessiond_conversation_get_blocked:
 * @self: a conversation
 *
 * Tells whether the peer is blocked.
 *
 * Returns: whether the peer is blocked
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_blocked (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_blocked (self->proxy);
}

/**
 * sessiond_conversation_get_muted_until:
 * @self: a conversation
 *
 * Gets until when the conversation's notifications are muted.
 *
 * Returns: until when notifications are muted (ms), or 0
 *
 * Since: 0.1
 */
gint64
sessiond_conversation_get_muted_until (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), 0);
  return sdc_dbus_conversation1_get_muted_until (self->proxy);
}

/**
 * sessiond_conversation_get_peer_typing:
 * @self: a conversation
 *
 * Tells whether the peer is typing right now.
 *
 * Returns: whether the peer is typing right now
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_peer_typing (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_peer_typing (self->proxy);
}

/**
 * sessiond_conversation_dup_nickname:
 * @self: a conversation
 *
 * Gets a copy of our own name for the peer.
 *
 * Returns: (transfer full): our own name for the peer, empty if none was
 *   set (see [method@Conversation.set_nickname_async])
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_dup_nickname (SessiondConversation *self)
{
  gchar *nickname;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  nickname = sdc_dbus_conversation1_dup_nickname (self->proxy);
  return nickname != NULL ? nickname : g_strdup ("");
}

/**
 * sessiond_conversation_get_priority:
 * @self: a conversation
 *
 * Gets the conversation's priority, shared with the account's other devices.
 *
 * Returns: -1 when hidden, 0 normally, above 0 when pinned (higher first)
 *
 * Since: 0.1
 */
gint64
sessiond_conversation_get_priority (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), 0);
  return sdc_dbus_conversation1_get_priority (self->proxy);
}

/**
 * sessiond_conversation_get_pinned:
 * @self: a conversation
 *
 * Tells whether the conversation is pinned (its priority is above 0).
 *
 * Returns: whether the conversation is pinned
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_pinned (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_pinned (self->proxy);
}

/**
 * sessiond_conversation_get_hidden:
 * @self: a conversation
 *
 * Tells whether the conversation is hidden (its priority is -1).
 *
 * Returns: whether the conversation is hidden
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_hidden (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_hidden (self->proxy);
}

/**
 * sessiond_conversation_dup_notify_mode:
 * @self: a conversation
 *
 * Gets a copy of the notification setting: `all`, `mentions` or `none`.
 *
 * Returns: (transfer full): the notification setting
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_dup_notify_mode (SessiondConversation *self)
{
  gchar *mode;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  mode = sdc_dbus_conversation1_dup_notify_mode (self->proxy);
  return mode != NULL ? mode : g_strdup ("all");
}

/**
 * sessiond_conversation_get_marked_unread:
 * @self: a conversation
 *
 * Tells whether the conversation was marked unread by hand.
 *
 * Returns: whether the conversation is marked unread
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_get_marked_unread (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  return sdc_dbus_conversation1_get_marked_unread (self->proxy);
}

/**
 * sessiond_conversation_dup_expiration_mode:
 * @self: a conversation
 *
 * Gets a copy of the disappearing-messages setting: `off`, `after-send` or `after-read`.
 *
 * Returns: (transfer full): the disappearing-messages setting: `off`,
 *   `after-send` or `after-read`
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_dup_expiration_mode (SessiondConversation *self)
{
  gchar *mode;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  mode = sdc_dbus_conversation1_dup_expiration_mode (self->proxy);
  /* not there before the daemon knew disappearing messages */
  if (mode == NULL || *mode == '\0') {
    g_free (mode);
    return g_strdup ("off");
  }
  return mode;
}

/**
 * sessiond_conversation_get_expiration_timer:
 * @self: a conversation
 *
 * Tells how long new messages live, in seconds; 0 when disappearing messages are off.
 *
 * Returns: how long new messages live, in seconds; 0 when disappearing
 *   messages are off
 *
 * Since: 0.1
 */
guint
sessiond_conversation_get_expiration_timer (SessiondConversation *self)
{
  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), 0);
  return sdc_dbus_conversation1_get_expiration_timer (self->proxy);
}

/* the options of Send and SendMessage */
GVariant *
sessiond_send_options_new (const gchar *quote_id)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (quote_id != NULL)
    g_variant_builder_add (&options, "{sv}", "quote", g_variant_new_string (quote_id));
  return g_variant_builder_end (&options);
}

static gchar *
message_id_finish (SessiondConversation *self, gpointer tag, GAsyncResult *result,
                   GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gchar *message_id = NULL;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), NULL);
  reply = sessiond_call_finish (self, tag, result, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &message_id);
  return message_id;
}

/**
 * sessiond_conversation_send_async:
 * @self: a conversation
 * @body: the text, at most 2000 characters
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the daemon has queued the message
 * @user_data: data for @callback
 *
 * Sends a text message to this conversation. The message starts with the
 * status `sending`; [signal@Conversation::message-changed] tells when it
 * was sent.
 *
 * Since: 0.1
 */
void
sessiond_conversation_send_async (SessiondConversation *self,
                                  const gchar *body,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (body != NULL);
  sessiond_call_async (self, sessiond_conversation_send_async, G_DBUS_PROXY (self->proxy),
                       "SendMessage", g_variant_new ("(s@a{sv})", body,
                                                     sessiond_send_options_new (NULL)),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_send_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.send_async].
 *
 * Returns: (transfer full): the new message's id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_send_finish (SessiondConversation *self,
                                   GAsyncResult *result,
                                   GError **error)
{
  return message_id_finish (self, sessiond_conversation_send_async, result, error);
}

/**
 * sessiond_conversation_send_reply_async:
 * @self: a conversation
 * @body: the text, at most 2000 characters
 * @quote_id: the id of the message of this conversation to reply to
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the daemon has queued the message
 * @user_data: data for @callback
 *
 * Like [method@Conversation.send_async], quoting the message @quote_id.
 * Fails with %SESSIOND_CLIENT_ERROR_NOT_FOUND if that message is not in
 * this conversation.
 *
 * Since: 0.1
 */
void
sessiond_conversation_send_reply_async (SessiondConversation *self,
                                        const gchar *body,
                                        const gchar *quote_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (body != NULL);
  g_return_if_fail (quote_id != NULL);
  sessiond_call_async (self, sessiond_conversation_send_reply_async, G_DBUS_PROXY (self->proxy),
                       "SendMessage", g_variant_new ("(s@a{sv})", body,
                                                     sessiond_send_options_new (quote_id)),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_send_reply_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.send_reply_async].
 *
 * Returns: (transfer full): the new message's id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_send_reply_finish (SessiondConversation *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return message_id_finish (self, sessiond_conversation_send_reply_async, result, error);
}

/* a reply with fds: the message id of SendMessage, or the fd of OpenAttachment */
static void
fd_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_with_unix_fd_list_finish (G_DBUS_PROXY (source),
                                                                          &fds, result, &error);

  if (reply == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (g_variant_is_of_type (reply, G_VARIANT_TYPE ("(h)"))) {
    gint32 handle;
    gint fd;

    g_variant_get (reply, "(h)", &handle);
    fd = fds != NULL ? g_unix_fd_list_get (fds, handle, &error) : -1;
    if (fd < 0) {
      if (error == NULL)
        error = g_error_new_literal (SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_FAILED,
                                     "the daemon sent no file descriptor");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_task_return_int (task, fd);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) g_variant_unref);
}

/**
 * sessiond_conversation_send_attachments_async:
 * @self: a conversation
 * @body: the text, at most 2000 characters; may be empty
 * @paths: (array zero-terminated=1) (element-type filename): the files to attach (at most 32, each
 *   at most 10,000,000 bytes)
 * @voice: whether they are voice messages
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the daemon has queued the message
 * @user_data: data for @callback
 *
 * Sends a message with files. Each file is opened here and handed to the
 * daemon as a file descriptor, so the daemon needs no access to its path;
 * the daemon reads it at once, removes an image's metadata (EXIF with a GPS
 * position, XMP, IPTC) and uploads it before the message goes. The message
 * stays `sending` until then. Errors: %SESSIOND_CLIENT_ERROR_ATTACHMENT_TOO_LARGE,
 * %SESSIOND_CLIENT_ERROR_ATTACHMENT_UNREADABLE,
 * %SESSIOND_CLIENT_ERROR_TOO_MANY_ATTACHMENTS, or a #GIOError when a file
 * cannot be opened here.
 *
 * Since: 0.1
 */
void
sessiond_conversation_send_attachments_async (SessiondConversation *self,
                                              const gchar *body,
                                              const gchar *const *paths,
                                              gboolean voice,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  GVariantBuilder list, options;

  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (body != NULL);
  g_return_if_fail (paths != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_conversation_send_attachments_async);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("a(ha{sv})"));
  for (guint i = 0; paths[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *name = g_path_get_basename (paths[i]);
    GVariantBuilder one;
    gint handle;
    gint fd = g_open (paths[i], O_RDONLY | O_CLOEXEC, 0);

    if (fd < 0) {
      int saved = errno;

      g_variant_builder_clear (&list);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot open %s: %s", paths[i], g_strerror (saved));
      return;
    }
    handle = g_unix_fd_list_append (fds, fd, &error);
    close (fd);
    if (handle < 0) {
      g_variant_builder_clear (&list);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_variant_builder_init (&one, G_VARIANT_TYPE_VARDICT);
    if (g_utf8_validate (name, -1, NULL))
      g_variant_builder_add (&one, "{sv}", "file-name", g_variant_new_string (name));
    g_variant_builder_add (&one, "{sv}", "voice", g_variant_new_boolean (voice));
    g_variant_builder_add (&list, "(h@a{sv})", handle, g_variant_builder_end (&one));
  }
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "attachments", g_variant_builder_end (&list));
  g_dbus_proxy_call_with_unix_fd_list (G_DBUS_PROXY (self->proxy), "SendMessage",
                                       g_variant_new ("(s@a{sv})", body,
                                                      g_variant_builder_end (&options)),
                                       G_DBUS_CALL_FLAGS_NONE, -1, fds, cancellable,
                                       fd_call_done, g_steal_pointer (&task));
}

/**
 * sessiond_conversation_send_attachments_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.send_attachments_async].
 *
 * Returns: (transfer full): the new message's id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_conversation_send_attachments_finish (SessiondConversation *self,
                                               GAsyncResult *result,
                                               GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gchar *message_id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &message_id);
  return message_id;
}

/**
 * sessiond_conversation_download_attachment_async:
 * @self: a conversation
 * @message_id: a message of this conversation
 * @index: which of its attachments (the "index" of the "attachments" entry)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the download is queued
 * @user_data: data for @callback
 *
 * Asks the daemon to download an attachment (again, after it failed or
 * expired). Its state in the message (see [method@Message.lookup] with
 * "attachments") tells how it went.
 *
 * Since: 0.1
 */
void
sessiond_conversation_download_attachment_async (SessiondConversation *self,
                                                 const gchar *message_id,
                                                 guint index,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  sessiond_call_async (self, sessiond_conversation_download_attachment_async,
                       G_DBUS_PROXY (self->proxy), "DownloadAttachment",
                       g_variant_new ("(su)", message_id, index), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_download_attachment_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.download_attachment_async].
 *
 * Returns: whether the download was queued
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_download_attachment_finish (SessiondConversation *self,
                                                  GAsyncResult *result,
                                                  GError **error)
{
  g_autoptr(GVariant) reply = sessiond_call_finish (self,
                                                    sessiond_conversation_download_attachment_async,
                                                    result, error);

  return reply != NULL;
}

/**
 * sessiond_conversation_resend_message_async:
 * @self: a conversation (one-to-one, or Note to Self)
 * @message_id: a message of ours in this conversation whose status is "failed"
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the message is queued again
 * @user_data: data for @callback
 *
 * Sends a failed message again, with the same sent-at. Of its attachments
 * only those whose upload failed are uploaded again. Its status goes back to
 * "sending". %SESSIOND_CLIENT_ERROR_NOT_FAILED when it is not a failed message
 * of ours, %SESSIOND_CLIENT_ERROR_NOT_FOUND when it is not in @self.
 *
 * Since: 0.1
 */
void
sessiond_conversation_resend_message_async (SessiondConversation *self,
                                            const gchar *message_id,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  sessiond_call_async (self, sessiond_conversation_resend_message_async,
                       G_DBUS_PROXY (self->proxy), "ResendMessage",
                       g_variant_new ("(s)", message_id), cancellable, callback, user_data);
}

/**
 * sessiond_conversation_resend_message_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.resend_message_async].
 *
 * Returns: whether the message was queued again
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_resend_message_finish (SessiondConversation *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  g_autoptr(GVariant) reply = sessiond_call_finish (self,
                                                    sessiond_conversation_resend_message_async,
                                                    result, error);

  return reply != NULL;
}

/**
 * sessiond_conversation_open_attachment_async:
 * @self: a conversation
 * @message_id: a message of this conversation
 * @index: which of its attachments
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the file
 * @user_data: data for @callback
 *
 * Opens an attachment that is available: the daemon hands over a read-only
 * file descriptor of the decrypted file. Fails with
 * %SESSIOND_CLIENT_ERROR_ATTACHMENT_NOT_AVAILABLE when it is not
 * (downloaded) there.
 *
 * Since: 0.1
 */
void
sessiond_conversation_open_attachment_async (SessiondConversation *self,
                                             const gchar *message_id,
                                             guint index,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_conversation_open_attachment_async);
  g_dbus_proxy_call_with_unix_fd_list (G_DBUS_PROXY (self->proxy), "OpenAttachment",
                                       g_variant_new ("(su)", message_id, index),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, cancellable,
                                       fd_call_done, task);
}

/**
 * sessiond_conversation_open_attachment_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.open_attachment_async].
 *
 * Returns: a read-only file descriptor the caller closes, or -1 on error
 *
 * Since: 0.1
 */
gint
sessiond_conversation_open_attachment_finish (SessiondConversation *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (gint) g_task_propagate_int (G_TASK (result), error);
}

/**
 * sessiond_conversation_open_avatar_async:
 * @self: a conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the file
 * @user_data: data for @callback
 *
 * Opens the contact's profile picture, which the daemon fetches when their
 * profile names one (try again when the conversation changes). Fails with
 * %SESSIOND_CLIENT_ERROR_NOT_FOUND when they have none and
 * %SESSIOND_CLIENT_ERROR_ATTACHMENT_NOT_AVAILABLE before it is fetched.
 *
 * Since: 0.1
 */
void
sessiond_conversation_open_avatar_async (SessiondConversation *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_conversation_open_avatar_async);
  g_dbus_proxy_call_with_unix_fd_list (G_DBUS_PROXY (self->proxy), "OpenAvatar", NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, cancellable,
                                       fd_call_done, task);
}

/**
 * sessiond_conversation_open_avatar_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.open_avatar_async].
 *
 * Returns: a read-only file descriptor the caller closes, or -1 on error
 *
 * Since: 0.1
 */
gint
sessiond_conversation_open_avatar_finish (SessiondConversation *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (gint) g_task_propagate_int (G_TASK (result), error);
}

/**
 * sessiond_conversation_get_messages_async:
 * @self: a conversation
 * @before: only messages sent before this time (ms), or 0 for no bound
 * @after: only messages sent after this time (ms), or 0 for no bound
 * @limit: at most this many messages (at most 500), or 0 for the
 *   daemon's default (50)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the messages
 * @user_data: data for @callback
 *
 * Fetches stored messages, newest first.
 *
 * Since: 0.1
 */
void
sessiond_conversation_get_messages_async (SessiondConversation *self,
                                          gint64 before,
                                          gint64 after,
                                          guint limit,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  GVariantBuilder query;

  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_variant_builder_init (&query, G_VARIANT_TYPE_VARDICT);
  if (before != 0)
    g_variant_builder_add (&query, "{sv}", "before", g_variant_new_int64 (before));
  if (after != 0)
    g_variant_builder_add (&query, "{sv}", "after", g_variant_new_int64 (after));
  if (limit != 0)
    g_variant_builder_add (&query, "{sv}", "limit", g_variant_new_uint32 (limit));
  sessiond_call_async (self, sessiond_conversation_get_messages_async,
                       G_DBUS_PROXY (self->proxy), "GetMessages",
                       g_variant_new ("(a{sv})", &query), cancellable, callback, user_data);
}

/**
 * sessiond_conversation_get_messages_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.get_messages_async].
 *
 * Returns: (transfer container) (element-type SessiondMessage): the
 *   messages, newest first, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
sessiond_conversation_get_messages_finish (SessiondConversation *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  g_autoptr(GVariant) reply = sessiond_call_finish (self,
                                                    sessiond_conversation_get_messages_async,
                                                    result, error);
  g_autoptr(GVariant) list = NULL;

  if (reply == NULL)
    return NULL;
  list = g_variant_get_child_value (reply, 0);
  return sessiond_messages_from_variant (list);
}

static gboolean
void_finish (SessiondConversation *self, gpointer tag, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (SESSIOND_IS_CONVERSATION (self), FALSE);
  reply = sessiond_call_finish (self, tag, result, error);
  return reply != NULL;
}

/**
 * sessiond_conversation_mark_read_async:
 * @self: a conversation
 * @up_to_ms: incoming messages sent at or before this time become read;
 *   %G_MAXINT64 for all
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Marks incoming messages read.
 *
 * Since: 0.1
 */
void
sessiond_conversation_mark_read_async (SessiondConversation *self,
                                       gint64 up_to_ms,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_mark_read_async, G_DBUS_PROXY (self->proxy),
                       "MarkRead", g_variant_new ("(x)", up_to_ms), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_mark_read_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.mark_read_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_mark_read_finish (SessiondConversation *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return void_finish (self, sessiond_conversation_mark_read_async, result, error);
}

/**
 * sessiond_conversation_set_typing_async:
 * @self: a conversation
 * @typing: whether we are typing
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Tells the peer whether we are typing, if the settings allow it.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_typing_async (SessiondConversation *self,
                                        gboolean typing,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_set_typing_async, G_DBUS_PROXY (self->proxy),
                       "SetTyping", g_variant_new ("(b)", typing), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_set_typing_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_typing_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_typing_finish (SessiondConversation *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return void_finish (self, sessiond_conversation_set_typing_async, result, error);
}

/**
 * sessiond_conversation_approve_async:
 * @self: a conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Accepts a message request.
 *
 * Since: 0.1
 */
void
sessiond_conversation_approve_async (SessiondConversation *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_approve_async, G_DBUS_PROXY (self->proxy),
                       "Approve", NULL, cancellable, callback, user_data);
}

/**
 * sessiond_conversation_approve_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.approve_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_approve_finish (SessiondConversation *self,
                                      GAsyncResult *result,
                                      GError **error)
{
  return void_finish (self, sessiond_conversation_approve_async, result, error);
}

/**
 * sessiond_conversation_set_blocked_async:
 * @self: a conversation
 * @blocked: whether to block the peer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Blocks or unblocks the peer.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_blocked_async (SessiondConversation *self,
                                         gboolean blocked,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_set_blocked_async,
                       G_DBUS_PROXY (self->proxy), "SetBlocked", g_variant_new ("(b)", blocked),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_blocked_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_blocked_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_blocked_finish (SessiondConversation *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  return void_finish (self, sessiond_conversation_set_blocked_async, result, error);
}

/**
 * sessiond_conversation_set_priority_async:
 * @self: a conversation
 * @priority: -1 hides the conversation, 0 unpins, above 0 pins (higher first)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Pins, unpins or hides the conversation, on every device of the account.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_priority_async (SessiondConversation *self,
                                          gint64 priority,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_set_priority_async,
                       G_DBUS_PROXY (self->proxy), "SetPriority",
                       g_variant_new ("(x)", priority), cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_priority_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_priority_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_priority_finish (SessiondConversation *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return void_finish (self, sessiond_conversation_set_priority_async, result, error);
}

/**
 * sessiond_conversation_set_notify_mode_async:
 * @self: a conversation
 * @mode: `all`, `mentions` or `none`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Chooses which messages of the conversation notify, on every device of the account.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_notify_mode_async (SessiondConversation *self,
                                             const gchar *mode,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (mode != NULL);
  sessiond_call_async (self, sessiond_conversation_set_notify_mode_async,
                       G_DBUS_PROXY (self->proxy), "SetNotifyMode", g_variant_new ("(s)", mode),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_notify_mode_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_notify_mode_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_notify_mode_finish (SessiondConversation *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return void_finish (self, sessiond_conversation_set_notify_mode_async, result, error);
}

/**
 * sessiond_conversation_set_marked_unread_async:
 * @self: a conversation
 * @unread: whether to mark the conversation unread
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Marks the conversation unread by hand, or clears that, on every device of the account.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_marked_unread_async (SessiondConversation *self,
                                               gboolean unread,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_set_marked_unread_async,
                       G_DBUS_PROXY (self->proxy), "SetMarkedUnread",
                       g_variant_new ("(b)", unread), cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_marked_unread_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_marked_unread_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_marked_unread_finish (SessiondConversation *self,
                                                GAsyncResult *result,
                                                GError **error)
{
  return void_finish (self, sessiond_conversation_set_marked_unread_async, result, error);
}

/**
 * sessiond_conversation_set_muted_until_async:
 * @self: a conversation
 * @until_ms: mute notifications until this time (ms); 0 unmutes
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Mutes or unmutes the conversation's notifications.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_muted_until_async (SessiondConversation *self,
                                             gint64 until_ms,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_set_muted_until_async,
                       G_DBUS_PROXY (self->proxy), "SetMutedUntil",
                       g_variant_new ("(x)", until_ms), cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_muted_until_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_muted_until_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_muted_until_finish (SessiondConversation *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return void_finish (self, sessiond_conversation_set_muted_until_async, result, error);
}

/**
 * sessiond_conversation_delete_async:
 * @self: a conversation
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Removes the conversation and its messages from this device.
 *
 * Since: 0.1
 */
void
sessiond_conversation_delete_async (SessiondConversation *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  sessiond_call_async (self, sessiond_conversation_delete_async, G_DBUS_PROXY (self->proxy),
                       "Delete", NULL, cancellable, callback, user_data);
}

/**
 * sessiond_conversation_delete_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.delete_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_delete_finish (SessiondConversation *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  return void_finish (self, sessiond_conversation_delete_async, result, error);
}

/**
 * sessiond_conversation_set_nickname_async:
 * @self: a conversation
 * @nickname: at most 100 bytes of UTF-8, no control, format (bidi, zero-width)
 *   or separator characters; empty clears it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Sets our own name for the peer. It is not sent to anyone; the
 * conversation's [property@Conversation:name] shows it before the peer's
 * display name.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_nickname_async (SessiondConversation *self,
                                          const gchar *nickname,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (nickname != NULL);
  sessiond_call_async (self, sessiond_conversation_set_nickname_async,
                       G_DBUS_PROXY (self->proxy), "SetNickname", g_variant_new ("(s)", nickname),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_set_nickname_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_nickname_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT for a
 *   nickname that is too long or has control characters)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_nickname_finish (SessiondConversation *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return void_finish (self, sessiond_conversation_set_nickname_async, result, error);
}

/**
 * sessiond_conversation_set_expiration_async:
 * @self: a conversation
 * @mode: `off`, `after-send` or `after-read`
 * @timer: seconds; 0 with `off`. `after-send` takes 43200, 86400, 604800
 *   or 1209600; `after-read` takes 300, 3600, 43200, 86400, 604800 or
 *   1209600; both also take 10, 30 and 60
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Changes the disappearing-messages setting for both sides: the peer is
 * told, and an `expiration-update` event is added to the conversation.
 *
 * Since: 0.1
 */
void
sessiond_conversation_set_expiration_async (SessiondConversation *self,
                                            const gchar *mode,
                                            guint timer,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (mode != NULL);
  sessiond_call_async (self, sessiond_conversation_set_expiration_async,
                       G_DBUS_PROXY (self->proxy), "SetExpiration",
                       g_variant_new ("(su)", mode, (guint32) timer), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_set_expiration_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.set_expiration_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT for
 *   an unknown mode or a timer the mode does not take)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_set_expiration_finish (SessiondConversation *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return void_finish (self, sessiond_conversation_set_expiration_async, result, error);
}

/**
 * sessiond_conversation_add_reaction_async:
 * @self: a conversation
 * @message_id: a message of this conversation
 * @emoji: one emoji
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Reacts to a message. Reacting twice with the same emoji changes
 * nothing. The message's new reactions arrive with
 * [signal@Conversation::message-changed].
 *
 * Since: 0.1
 */
void
sessiond_conversation_add_reaction_async (SessiondConversation *self,
                                          const gchar *message_id,
                                          const gchar *emoji,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  g_return_if_fail (emoji != NULL);
  sessiond_call_async (self, sessiond_conversation_add_reaction_async,
                       G_DBUS_PROXY (self->proxy), "AddReaction",
                       g_variant_new ("(ss)", message_id, emoji), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_add_reaction_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.add_reaction_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_NOT_FOUND for a
 *   message that is not in this conversation)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_add_reaction_finish (SessiondConversation *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return void_finish (self, sessiond_conversation_add_reaction_async, result, error);
}

/**
 * sessiond_conversation_remove_reaction_async:
 * @self: a conversation
 * @message_id: a message of this conversation
 * @emoji: the emoji we reacted with
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Takes our reaction back.
 *
 * Since: 0.1
 */
void
sessiond_conversation_remove_reaction_async (SessiondConversation *self,
                                             const gchar *message_id,
                                             const gchar *emoji,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  g_return_if_fail (emoji != NULL);
  sessiond_call_async (self, sessiond_conversation_remove_reaction_async,
                       G_DBUS_PROXY (self->proxy), "RemoveReaction",
                       g_variant_new ("(ss)", message_id, emoji), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_remove_reaction_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.remove_reaction_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_NOT_FOUND when we had
 *   not reacted with that emoji)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_remove_reaction_finish (SessiondConversation *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return void_finish (self, sessiond_conversation_remove_reaction_async, result, error);
}

/**
 * sessiond_conversation_delete_message_async:
 * @self: a conversation
 * @message_id: a message of this conversation
 * @for_everyone: also delete it for the peer and our other devices
 *   ("unsend"); only for messages we wrote
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Deletes one message. It is removed here at once
 * ([signal@Conversation::message-removed]); with @for_everyone the peer
 * and our other devices are asked to remove it too.
 *
 * Since: 0.1
 */
void
sessiond_conversation_delete_message_async (SessiondConversation *self,
                                            const gchar *message_id,
                                            gboolean for_everyone,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (message_id != NULL);
  sessiond_call_async (self, sessiond_conversation_delete_message_async,
                       G_DBUS_PROXY (self->proxy), "DeleteMessage",
                       g_variant_new ("(sb)", message_id, for_everyone), cancellable, callback,
                       user_data);
}

/**
 * sessiond_conversation_delete_message_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.delete_message_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_NOT_FOUND for a
 *   message that is not in this conversation,
 *   %SESSIOND_CLIENT_ERROR_NOT_AUTHOR when unsending someone else's)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_delete_message_finish (SessiondConversation *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return void_finish (self, sessiond_conversation_delete_message_async, result, error);
}

/**
 * sessiond_conversation_report_data_extraction_async:
 * @self: a conversation
 * @kind: `screenshot` or `media-saved`
 * @message_id: (nullable): for `media-saved`, the message whose file was
 *   saved; %NULL for `screenshot`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Tells the peer that we took a screenshot of the conversation or saved a
 * file from it, as the official clients do. Not for message requests,
 * blocked conversations or Note to Self.
 *
 * Since: 0.1
 */
void
sessiond_conversation_report_data_extraction_async (SessiondConversation *self,
                                                    const gchar *kind,
                                                    const gchar *message_id,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CONVERSATION (self));
  g_return_if_fail (kind != NULL);
  sessiond_call_async (self, sessiond_conversation_report_data_extraction_async,
                       G_DBUS_PROXY (self->proxy), "ReportDataExtraction",
                       g_variant_new ("(ss)", kind, message_id != NULL ? message_id : ""),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_report_data_extraction_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Conversation.report_data_extraction_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_INVALID_ARGUMENT where
 *   nothing may be reported)
 *
 * Since: 0.1
 */
gboolean
sessiond_conversation_report_data_extraction_finish (SessiondConversation *self,
                                                     GAsyncResult *result,
                                                     GError **error)
{
  return void_finish (self, sessiond_conversation_report_data_extraction_async, result, error);
}

static void
sessiond_conversation_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  SessiondConversation *self = SESSIOND_CONVERSATION (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, sessiond_conversation_get_id (self));
    break;
  case PROP_KIND:
    g_value_set_string (value, sessiond_conversation_get_kind (self));
    break;
  case PROP_NAME:
    g_value_take_string (value, sessiond_conversation_dup_name (self));
    break;
  case PROP_UNREAD_COUNT:
    g_value_set_uint (value, sessiond_conversation_get_unread_count (self));
    break;
  case PROP_LAST_ACTIVITY:
    g_value_set_int64 (value, sessiond_conversation_get_last_activity (self));
    break;
  case PROP_LAST_MESSAGE_PREVIEW:
    g_value_take_string (value, sessiond_conversation_dup_last_message_preview (self));
    break;
  case PROP_APPROVED:
    g_value_set_boolean (value, sessiond_conversation_get_approved (self));
    break;
  case PROP_BLOCKED:
    g_value_set_boolean (value, sessiond_conversation_get_blocked (self));
    break;
  case PROP_MUTED_UNTIL:
    g_value_set_int64 (value, sessiond_conversation_get_muted_until (self));
    break;
  case PROP_PEER_TYPING:
    g_value_set_boolean (value, sessiond_conversation_get_peer_typing (self));
    break;
  case PROP_NICKNAME:
    g_value_take_string (value, sessiond_conversation_dup_nickname (self));
    break;
  case PROP_EXPIRATION_MODE:
    g_value_take_string (value, sessiond_conversation_dup_expiration_mode (self));
    break;
  case PROP_PRIORITY:
    g_value_set_int64 (value, sessiond_conversation_get_priority (self));
    break;
  case PROP_PINNED:
    g_value_set_boolean (value, sessiond_conversation_get_pinned (self));
    break;
  case PROP_HIDDEN:
    g_value_set_boolean (value, sessiond_conversation_get_hidden (self));
    break;
  case PROP_NOTIFY_MODE:
    g_value_take_string (value, sessiond_conversation_dup_notify_mode (self));
    break;
  case PROP_MARKED_UNREAD:
    g_value_set_boolean (value, sessiond_conversation_get_marked_unread (self));
    break;
  case PROP_EXPIRATION_TIMER:
    g_value_set_uint (value, sessiond_conversation_get_expiration_timer (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
sessiond_conversation_dispose (GObject *object)
{
  SessiondConversation *self = SESSIOND_CONVERSATION (object);

  if (self->proxy != NULL)
    g_signal_handlers_disconnect_by_data (self->proxy, self);
  g_clear_object (&self->proxy);
  G_OBJECT_CLASS (sessiond_conversation_parent_class)->dispose (object);
}

static void
sessiond_conversation_class_init (SessiondConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* registers the D-Bus error names before any call can fail */
  (void) sessiond_client_error_quark ();

  object_class->get_property = sessiond_conversation_get_property;
  object_class->dispose = sessiond_conversation_dispose;

  /**
   * SessiondConversation:id:
   *
   * The peer's Session ID.
   *
   * Since: 0.1
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:kind:
   *
   * `direct` or `note-to-self`.
   *
   * Since: 0.1
   */
  props[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:name:
   *
   * The nickname, else the peer's display name, else a short id.
   *
   * Since: 0.1
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:unread-count:
   *
   * Unread incoming messages.
   *
   * Since: 0.1
   */
  props[PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0,
                                                flags);
  /**
   * SessiondConversation:last-activity:
   *
   * The time of the newest message (ms).
   *
   * Since: 0.1
   */
  props[PROP_LAST_ACTIVITY] = g_param_spec_int64 ("last-activity", NULL, NULL, G_MININT64,
                                                  G_MAXINT64, 0, flags);
  /**
   * SessiondConversation:last-message-preview:
   *
   * The start of the newest message.
   *
   * Since: 0.1
   */
  props[PROP_LAST_MESSAGE_PREVIEW] = g_param_spec_string ("last-message-preview", NULL, NULL,
                                                          NULL, flags);
  /**
   * SessiondConversation:approved:
   *
   * %FALSE for a message request not accepted yet.
   *
   * Since: 0.1
   */
  props[PROP_APPROVED] = g_param_spec_boolean ("approved", NULL, NULL, FALSE, flags);
  /**
   * SessiondConversation:blocked:
   *
   * Whether the peer is blocked.
   *
   * Since: 0.1
   */
  props[PROP_BLOCKED] = g_param_spec_boolean ("blocked", NULL, NULL, FALSE, flags);
  /**
   * SessiondConversation:muted-until:
   *
   * Until when notifications are muted (ms), or 0.
   *
   * Since: 0.1
   */
  props[PROP_MUTED_UNTIL] = g_param_spec_int64 ("muted-until", NULL, NULL, G_MININT64,
                                                G_MAXINT64, 0, flags);
  /**
   * SessiondConversation:peer-typing:
   *
   * Whether the peer is typing right now.
   *
   * Since: 0.1
   */
  props[PROP_PEER_TYPING] = g_param_spec_boolean ("peer-typing", NULL, NULL, FALSE, flags);
  /**
   * SessiondConversation:nickname:
   *
   * Our own name for the peer, empty if none.
   *
   * Since: 0.1
   */
  props[PROP_NICKNAME] = g_param_spec_string ("nickname", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:expiration-mode:
   *
   * Disappearing messages: `off`, `after-send` or `after-read`. Applies to
   * messages sent from now on, by either side.
   *
   * Since: 0.1
   */
  props[PROP_EXPIRATION_MODE] = g_param_spec_string ("expiration-mode", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:expiration-timer:
   *
   * How long new messages live, in seconds; 0 when off.
   *
   * Since: 0.1
   */
  props[PROP_EXPIRATION_TIMER] = g_param_spec_uint ("expiration-timer", NULL, NULL, 0, G_MAXUINT,
                                                    0, flags);
  /**
   * SessiondConversation:priority:
   *
   * -1 when hidden, 0 normally, above 0 when pinned (higher first); shared
   * with the account's other devices.
   *
   * Since: 0.1
   */
  props[PROP_PRIORITY] = g_param_spec_int64 ("priority", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                             flags);
  /**
   * SessiondConversation:pinned:
   *
   * Whether the conversation is pinned (priority above 0).
   *
   * Since: 0.1
   */
  props[PROP_PINNED] = g_param_spec_boolean ("pinned", NULL, NULL, FALSE, flags);
  /**
   * SessiondConversation:hidden:
   *
   * Whether the conversation is hidden (priority -1).
   *
   * Since: 0.1
   */
  props[PROP_HIDDEN] = g_param_spec_boolean ("hidden", NULL, NULL, FALSE, flags);
  /**
   * SessiondConversation:notify-mode:
   *
   * Which messages notify: `all`, `mentions` or `none`.
   *
   * Since: 0.1
   */
  props[PROP_NOTIFY_MODE] = g_param_spec_string ("notify-mode", NULL, NULL, NULL, flags);
  /**
   * SessiondConversation:marked-unread:
   *
   * Whether the conversation was marked unread by hand.
   *
   * Since: 0.1
   */
  props[PROP_MARKED_UNREAD] = g_param_spec_boolean ("marked-unread", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * SessiondConversation::message-added:
   * @self: the conversation
   * @message: the new message
   *
   * A message was stored: received, sent from here, or synced from another
   * device of the account.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE_ADDED] =
    g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, SESSIOND_TYPE_MESSAGE);
  /**
   * SessiondConversation::message-changed:
   * @self: the conversation
   * @message_id: the id of the message
   * @changes: the message dictionary (`a{sv}`) as it is now: the daemon
   *   sends every key, not only those that changed
   *
   * A message changed: its status (and error), its expiry (`expires-at`)
   * or its reactions (`reactions`, `a(sub)`; an empty array when the last
   * reaction went). [method@Message.copy_with_changes] applies @changes
   * to a message the front end holds.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE_CHANGED] =
    g_signal_new ("message-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_VARIANT);
  /**
   * SessiondConversation::message-removed:
   * @self: the conversation
   * @message_id: the id of the message
   *
   * A message was removed (expired or deleted).
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE_REMOVED] =
    g_signal_new ("message-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * SessiondConversation::history-added:
   * @self: the conversation
   * @n_messages: how many
   *
   * Messages caught up on (during a restore or after a long time offline)
   * were stored, without one [signal@Conversation::message-added] each:
   * reload the messages if they are shown. See
   * [method@Client.get_sync_progress].
   *
   * Since: 0.1
   */
  signals[SIGNAL_HISTORY_ADDED] =
    g_signal_new ("history-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

void
sessiond_conversation_emit_history_added (SessiondConversation *self, guint n_messages)
{
  g_signal_emit (self, signals[SIGNAL_HISTORY_ADDED], 0, n_messages);
}

static void
sessiond_conversation_init (SessiondConversation *self)
{
}

SessiondConversation *
sessiond_conversation_new (SdcDbusConversation1 *proxy)
{
  SessiondConversation *self = g_object_new (SESSIOND_TYPE_CONVERSATION, NULL);

  self->proxy = g_object_ref (proxy);
  g_signal_connect (proxy, "notify", G_CALLBACK (on_proxy_notify), self);
  g_signal_connect (proxy, "message-added", G_CALLBACK (on_message_added), self);
  g_signal_connect (proxy, "message-changed", G_CALLBACK (on_message_changed), self);
  g_signal_connect (proxy, "message-removed", G_CALLBACK (on_message_removed), self);
  return self;
}
