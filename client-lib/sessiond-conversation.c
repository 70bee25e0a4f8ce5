/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-private.h"

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
  N_PROPS
};

enum {
  SIGNAL_MESSAGE_ADDED,
  SIGNAL_MESSAGE_CHANGED,
  SIGNAL_MESSAGE_REMOVED,
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

SdcDbusConversation1 *
sessiond_conversation_get_proxy (SessiondConversation *self)
{
  return self->proxy;
}

/**
 * sessiond_conversation_get_id:
 * @self: a conversation
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
 * sessiond_conversation_dup_name:
 * @self: a conversation
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
                                                     g_variant_new ("a{sv}", NULL)),
                       cancellable, callback, user_data);
}

/**
 * sessiond_conversation_send_finish:
 * @self: a conversation
 * @result: the result passed to the callback
 * @error: return location for an error
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
  g_autoptr(GVariant) reply = sessiond_call_finish (self, sessiond_conversation_send_async,
                                                    result, error);
  gchar *message_id = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &message_id);
  return message_id;
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
   * @changes: the changed keys of the message dictionary (`a{sv}`)
   *
   * A message changed, for example its status.
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
