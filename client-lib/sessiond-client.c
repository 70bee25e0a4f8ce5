/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-private.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <unistd.h>

/**
 * SessiondClient:
 *
 * The connection to the sessiond daemon. It follows the account's state
 * and keeps a list of conversations current; its methods act on the
 * account.
 *
 * Make one with [func@Client.new_async] (or [ctor@Client.new_sync]); the
 * daemon is started by D-Bus activation if it can be, otherwise the
 * constructor fails with %SESSIOND_CLIENT_ERROR_NOT_RUNNING.
 *
 * Since: 0.1
 */
struct _SessiondClient {
  GObject parent_instance;

  gchar *address;                 /* (owned) (nullable) construct-only */
  GDBusConnection *connection;    /* (owned) */
  SdcDbusAccount1 *account;       /* (owned) */
  GDBusObjectManager *manager;    /* (owned) */
  GListStore *conversations;      /* (owned) of SessiondConversation, newest activity first */
};

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_ADDRESS,
  PROP_STATE,
  PROP_SESSION_ID,
  PROP_DISPLAY_NAME,
  PROP_UNREAD_COUNT,
  PROP_CONVERSATIONS,
  PROP_AVATAR_URL,
  PROP_CONFIG_SYNCED,
  PROP_SYNCING,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE_RECEIVED,
  SIGNAL_HISTORY_ADDED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void sessiond_client_initable_iface_init (GInitableIface *iface);
static void sessiond_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SessiondClient, sessiond_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      sessiond_client_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      sessiond_client_async_initable_iface_init))

/* ---- the conversation list ---- */

static gint
compare_activity (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 la = sessiond_conversation_get_last_activity ((SessiondConversation *) a);
  gint64 lb = sessiond_conversation_get_last_activity ((SessiondConversation *) b);

  if (la != lb)
    return la > lb ? -1 : 1;
  return g_strcmp0 (sessiond_conversation_get_id ((SessiondConversation *) a),
                    sessiond_conversation_get_id ((SessiondConversation *) b));
}

static gboolean
find_conversation (SessiondClient *self, const gchar *id, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->conversations));

  for (guint i = 0; i < n; i++) {
    g_autoptr(SessiondConversation) c = g_list_model_get_item (G_LIST_MODEL (self->conversations),
                                                               i);

    if (g_strcmp0 (sessiond_conversation_get_id (c), id) == 0) {
      *position = i;
      return TRUE;
    }
  }
  return FALSE;
}

static void
on_last_activity (SessiondConversation *conversation, GParamSpec *pspec, SessiondClient *self)
{
  guint position;

  /* keep the order: newest activity first */
  if (!find_conversation (self, sessiond_conversation_get_id (conversation), &position))
    return;
  g_object_ref (conversation);
  g_list_store_remove (self->conversations, position);
  g_list_store_insert_sorted (self->conversations, conversation, compare_activity, NULL);
  g_object_unref (conversation);
}

static void
add_object (SessiondClient *self, GDBusObject *object)
{
  g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (object,
                                                                 "org.sessiond.Conversation1");
  g_autoptr(SessiondConversation) conversation = NULL;
  guint position;

  if (iface == NULL || !SDC_DBUS_IS_CONVERSATION1 (iface))
    return;
  conversation = sessiond_conversation_new (SDC_DBUS_CONVERSATION1 (iface));
  if (find_conversation (self, sessiond_conversation_get_id (conversation), &position))
    return;
  g_signal_connect_object (conversation, "notify::last-activity", G_CALLBACK (on_last_activity),
                           self, 0);
  g_list_store_insert_sorted (self->conversations, conversation, compare_activity, NULL);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, SessiondClient *self)
{
  add_object (self, object);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, SessiondClient *self)
{
  const gchar *path = g_dbus_object_get_object_path (object);
  guint position;

  if (!g_str_has_prefix (path, SESSIOND_CONVERSATION_PREFIX))
    return;
  if (find_conversation (self, path + strlen (SESSIOND_CONVERSATION_PREFIX), &position))
    g_list_store_remove (self->conversations, position);
}

static void
on_account_notify (GObject *proxy, GParamSpec *pspec, SessiondClient *self)
{
  /* the generated proxy's properties have the same names as ours */
  if (g_strcmp0 (pspec->name, "version") == 0)
    return;
  {
    GParamSpec *ours = g_object_class_find_property (G_OBJECT_GET_CLASS (self), pspec->name);

    if (ours != NULL)
      g_object_notify_by_pspec (G_OBJECT (self), ours);
    /* progress: the counters change without Syncing */
    else if (g_str_has_prefix (pspec->name, "sync-"))
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SYNCING]);
  }
}

static void
on_history_added (SdcDbusAccount1 *proxy, GVariant *conversations, SessiondClient *self)
{
  GVariantIter iter;
  const gchar *path;
  guint32 n;

  g_variant_iter_init (&iter, conversations);
  while (g_variant_iter_next (&iter, "(&ou)", &path, &n)) {
    const gchar *id = strrchr (path, '/') + 1;
    SessiondConversation *conversation = sessiond_client_lookup_conversation (self, id);

    if (conversation != NULL)
      sessiond_conversation_emit_history_added (conversation, n);
    g_signal_emit (self, signals[SIGNAL_HISTORY_ADDED], 0, id, n);
  }
}

static void
on_message_received (SdcDbusAccount1 *proxy,
                     const gchar *conversation_path,
                     GVariant *dict,
                     SessiondClient *self)
{
  g_autoptr(SessiondMessage) message = sessiond_message_new_from_variant (dict);
  const gchar *id = strrchr (conversation_path, '/') + 1;

  g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, id, message);
}

/* ---- construction ---- */

static gboolean
check_running (SessiondClient *self, GError **error)
{
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->account));

  if (owner == NULL) {
    g_set_error_literal (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_RUNNING,
                         "the sessiond daemon is not running");
    return FALSE;
  }
  return TRUE;
}

static void
setup (SessiondClient *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);

  g_signal_connect (self->account, "notify", G_CALLBACK (on_account_notify), self);
  g_signal_connect (self->account, "message-received", G_CALLBACK (on_message_received), self);
  g_signal_connect (self->account, "history-added", G_CALLBACK (on_history_added), self);
  g_signal_connect (self->manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (self->manager, "object-removed", G_CALLBACK (on_object_removed), self);
  for (GList *l = objects; l != NULL; l = l->next)
    add_object (self, l->data);
}

static void
init_error_fixup (GError *error)
{
  sessiond_error_fixup (error);
  /* activation failures and the like: the daemon is not there for us */
  if (error != NULL && error->domain == G_DBUS_ERROR) {
    error->domain = SESSIOND_CLIENT_ERROR;
    error->code = SESSIOND_CLIENT_ERROR_NOT_RUNNING;
  }
}

static gboolean
init_sync (SessiondClient *self, GCancellable *cancellable, GError **error)
{
  if (self->connection == NULL && self->address != NULL) {
    self->connection = g_dbus_connection_new_for_address_sync (
      self->address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, cancellable, error);
  } else if (self->connection == NULL) {
    self->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, error);
  }
  if (self->connection == NULL)
    return FALSE;
  self->account = sdc_dbus_account1_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_NONE,
                                                    SESSIOND_BUS_NAME, SESSIOND_ACCOUNT_PATH,
                                                    cancellable, error);
  if (self->account == NULL || !check_running (self, error))
    return FALSE;
  self->manager = sdc_dbus_object_manager_client_new_sync (
    self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, SESSIOND_BUS_NAME,
    SESSIOND_ACCOUNT_PATH, cancellable, error);
  if (self->manager == NULL)
    return FALSE;
  setup (self);
  return TRUE;
}

static gboolean
sessiond_client_initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!init_sync (SESSIOND_CLIENT (initable), cancellable, &local_error)) {
    init_error_fixup (local_error);
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  return TRUE;
}

static void
sessiond_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = sessiond_client_initable_init;
}

static void
init_fail (GTask *task, GError *error)
{
  init_error_fixup (error);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SessiondClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->manager = sdc_dbus_object_manager_client_new_finish (result, &error);
  if (self->manager == NULL) {
    init_fail (task, error);
    return;
  }
  setup (self);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_account_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SessiondClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->account = sdc_dbus_account1_proxy_new_finish (result, &error);
  if (self->account == NULL || !check_running (self, &error)) {
    init_fail (task, error);
    return;
  }
  sdc_dbus_object_manager_client_new (self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                      SESSIOND_BUS_NAME, SESSIOND_ACCOUNT_PATH,
                                      g_task_get_cancellable (task), on_manager_ready, task);
}

static void
start_account (GTask *task)
{
  SessiondClient *self = g_task_get_source_object (task);

  sdc_dbus_account1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, SESSIOND_BUS_NAME,
                               SESSIOND_ACCOUNT_PATH, g_task_get_cancellable (task),
                               on_account_ready, task);
}

static void
on_connection_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SessiondClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (self->address != NULL)
    self->connection = g_dbus_connection_new_for_address_finish (result, &error);
  else
    self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL) {
    init_fail (task, error);
    return;
  }
  start_account (task);
}

static void
sessiond_client_init_async (GAsyncInitable *initable,
                            int io_priority,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  SessiondClient *self = SESSIOND_CLIENT (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, sessiond_client_init_async);
  g_task_set_priority (task, io_priority);
  if (self->connection != NULL)
    start_account (task);
  else if (self->address != NULL)
    g_dbus_connection_new_for_address (self->address,
                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                       NULL, cancellable, on_connection_ready, task);
  else
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_connection_ready, task);
}

static gboolean
sessiond_client_init_finish (GAsyncInitable *initable, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sessiond_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = sessiond_client_init_async;
  iface->init_finish = sessiond_client_init_finish;
}

/* ---- properties ---- */

/**
 * sessiond_client_get_connection:
 * @self: a client
 *
 * Gets the D-Bus connection the client talks to the daemon on.
 *
 * Returns: (transfer none): the D-Bus connection to the daemon
 *
 * Since: 0.1
 */
GDBusConnection *
sessiond_client_get_connection (SessiondClient *self)
{
  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  return self->connection;
}

/**
 * sessiond_client_dup_state:
 * @self: a client
 *
 * Gets a copy of the account's state.
 *
 * Returns: (transfer full): `uninitialised` (no account yet), `offline`,
 *   `connecting` or `online`; empty if the daemon went away
 *
 * Since: 0.1
 */
gchar *
sessiond_client_dup_state (SessiondClient *self)
{
  gchar *state;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  state = sdc_dbus_account1_dup_state (self->account);
  return state != NULL ? state : g_strdup ("");
}

/**
 * sessiond_client_dup_session_id:
 * @self: a client
 *
 * Gets a copy of the account's Session ID, empty before an account exists.
 *
 * Returns: (transfer full): the account's Session ID, empty before an
 *   account exists
 *
 * Since: 0.1
 */
gchar *
sessiond_client_dup_session_id (SessiondClient *self)
{
  gchar *id;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  id = sdc_dbus_account1_dup_session_id (self->account);
  return id != NULL ? id : g_strdup ("");
}

/**
 * sessiond_client_dup_display_name:
 * @self: a client
 *
 * Gets a copy of our own profile name, possibly empty.
 *
 * Returns: (transfer full): our own profile name, possibly empty
 *
 * Since: 0.1
 */
gchar *
sessiond_client_dup_display_name (SessiondClient *self)
{
  gchar *name;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  name = sdc_dbus_account1_dup_display_name (self->account);
  return name != NULL ? name : g_strdup ("");
}

/**
 * sessiond_client_dup_avatar_url:
 * @self: a client
 *
 * Gets a copy of where our profile picture is, as the account's devices
 * share it; the picture itself is not downloaded yet.
 *
 * Returns: (transfer full): the URL, empty when there is none
 *
 * Since: 0.1
 */
gchar *
sessiond_client_dup_avatar_url (SessiondClient *self)
{
  gchar *url;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  url = self->account != NULL ? sdc_dbus_account1_dup_avatar_url (self->account) : NULL;
  return url != NULL ? url : g_strdup ("");
}

/**
 * sessiond_client_get_config_synced:
 * @self: a client
 *
 * Tells whether the account's shared settings (profile, contacts, read
 * positions) have been retrieved once; after a restore a front end can show
 * "syncing…" until then.
 *
 * Returns: whether the settings have been retrieved
 */
gboolean
sessiond_client_get_config_synced (SessiondClient *self)
{
  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), FALSE);
  return self->account != NULL && sdc_dbus_account1_get_config_synced (self->account);
}

/**
 * sessiond_client_get_sync_progress:
 * @self: a client
 * @fetched: (out) (optional): messages fetched since the catch-up began
 * @conversations: (out) (optional): conversations that got messages in it
 *
 * Whether the daemon is catching up on a backlog (the first sync after a
 * restore, or a long time offline), and how far it got; the counters of the
 * last catch-up stay when it is over. Messages caught up on come as
 * [signal@Client::history-added], not as new messages.
 *
 * Returns: %TRUE while catching up
 *
 * Since: 0.1
 */
gboolean
sessiond_client_get_sync_progress (SessiondClient *self, guint64 *fetched, guint *conversations)
{
  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), FALSE);
  if (fetched != NULL)
    *fetched = sdc_dbus_account1_get_sync_fetched (self->account);
  if (conversations != NULL)
    *conversations = sdc_dbus_account1_get_sync_conversations (self->account);
  return sdc_dbus_account1_get_syncing (self->account);
}

/**
 * sessiond_client_get_unread_count:
 * @self: a client
 *
 * Gets the number of unread incoming messages over all
 * conversations.
 *
 * Returns: unread incoming messages over all conversations
 *
 * Since: 0.1
 */
guint
sessiond_client_get_unread_count (SessiondClient *self)
{
  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), 0);
  return sdc_dbus_account1_get_unread_count (self->account);
}

/**
 * sessiond_client_get_conversations:
 * @self: a client
 *
 * The conversations of the account, most recent activity first. The
 * model stays current as conversations appear, change and go away.
 *
 * Returns: (transfer none): a #GListModel of [class@Conversation]
 *
 * Since: 0.1
 */
GListModel *
sessiond_client_get_conversations (SessiondClient *self)
{
  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->conversations);
}

/**
 * sessiond_client_lookup_conversation:
 * @self: a client
 * @session_id: the peer's Session ID
 *
 * Finds a conversation the client already knows of, without a call
 * to the daemon.
 *
 * Returns: (transfer none) (nullable): the conversation with
 *   @session_id, or %NULL if there is none
 *
 * Since: 0.1
 */
SessiondConversation *
sessiond_client_lookup_conversation (SessiondClient *self, const gchar *session_id)
{
  g_autofree gchar *id = NULL;
  guint position;
  g_autoptr(SessiondConversation) conversation = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  id = g_ascii_strdown (session_id, -1);
  if (!find_conversation (self, id, &position))
    return NULL;
  /* the store holds a reference as long as the conversation exists */
  conversation = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);
  return conversation;
}

/* ---- methods ---- */

static GVariant *
options_with_name (const gchar *display_name)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (display_name != NULL)
    g_variant_builder_add (&options, "{sv}", "display-name", g_variant_new_string (display_name));
  return g_variant_builder_end (&options);
}

static gchar *
string_finish (SessiondClient *self, gpointer tag, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gchar *value = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  reply = sessiond_call_finish (self, tag, result, error);
  if (reply == NULL)
    return NULL;
  g_variant_get_child (reply, 0, "s", &value);
  return value;
}

/* the _finish of a call that answers nothing: whether it succeeded */
static gboolean
success_finish (SessiondClient *self, gpointer tag, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), FALSE);
  reply = sessiond_call_finish (self, tag, result, error);
  return reply != NULL;
}

/**
 * sessiond_client_create_account_async:
 * @self: a client
 * @display_name: (nullable): the profile name to start with
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Creates a new identity; its seed is stored in the keyring. Refused with
 * %SESSIOND_CLIENT_ERROR_ACCESS_DENIED to programs in a Flatpak or Snap
 * sandbox, as are [method@Client.restore_account_async] and
 * [method@Client.get_recovery_phrase_async].
 *
 * Since: 0.1
 */
void
sessiond_client_create_account_async (SessiondClient *self,
                                      const gchar *display_name,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  sessiond_call_interface_async (self, sessiond_client_create_account_async, self->connection,
                                 SESSIOND_DBUS_ADMIN_INTERFACE, "CreateAccount",
                                 g_variant_new ("(@a{sv})", options_with_name (display_name)),
                                 cancellable, callback, user_data);
}

/**
 * sessiond_client_create_account_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.create_account_async].
 *
 * Returns: (transfer full): the new Session ID, or %NULL on error
 *   (%SESSIOND_CLIENT_ERROR_ACCOUNT_EXISTS if there already is one)
 *
 * Since: 0.1
 */
gchar *
sessiond_client_create_account_finish (SessiondClient *self, GAsyncResult *result, GError **error)
{
  return string_finish (self, sessiond_client_create_account_async, result, error);
}

/**
 * sessiond_client_restore_account_async:
 * @self: a client
 * @mnemonic: the 13-word recovery phrase
 * @display_name: (nullable): the profile name to start with
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Restores an account from its recovery phrase.
 *
 * Since: 0.1
 */
void
sessiond_client_restore_account_async (SessiondClient *self,
                                       const gchar *mnemonic,
                                       const gchar *display_name,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (mnemonic != NULL);
  sessiond_call_interface_async (self, sessiond_client_restore_account_async, self->connection,
                                 SESSIOND_DBUS_ADMIN_INTERFACE, "RestoreAccount",
                                 g_variant_new ("(s@a{sv})", mnemonic,
                                                options_with_name (display_name)),
                                 cancellable, callback, user_data);
}

/**
 * sessiond_client_restore_account_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.restore_account_async].
 *
 * Returns: (transfer full): the restored Session ID, or %NULL on error
 *   (%SESSIOND_CLIENT_ERROR_INVALID_MNEMONIC for a bad phrase)
 *
 * Since: 0.1
 */
gchar *
sessiond_client_restore_account_finish (SessiondClient *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return string_finish (self, sessiond_client_restore_account_async, result, error);
}

/**
 * sessiond_client_get_recovery_phrase_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Fetches the account's recovery phrase. Show it only when the user asks.
 * Programs in a Flatpak or Snap sandbox get
 * %SESSIOND_CLIENT_ERROR_ACCESS_DENIED.
 *
 * Since: 0.1
 */
void
sessiond_client_get_recovery_phrase_async (SessiondClient *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  sessiond_call_interface_async (self, sessiond_client_get_recovery_phrase_async,
                                 self->connection, SESSIOND_DBUS_ADMIN_INTERFACE,
                                 "GetRecoveryPhrase", NULL, cancellable, callback, user_data);
}

/**
 * sessiond_client_get_recovery_phrase_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.get_recovery_phrase_async].
 *
 * Returns: (transfer full): the 13-word phrase, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_client_get_recovery_phrase_finish (SessiondClient *self,
                                            GAsyncResult *result,
                                            GError **error)
{
  return string_finish (self, sessiond_client_get_recovery_phrase_async, result, error);
}

/**
 * sessiond_client_set_display_name_async:
 * @self: a client
 * @name: at most 100 bytes of UTF-8, no control, format (bidi, zero-width) or
 *   separator characters
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Sets our own profile name.
 *
 * Since: 0.1
 */
void
sessiond_client_set_display_name_async (SessiondClient *self,
                                        const gchar *name,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (name != NULL);
  sessiond_call_async (self, sessiond_client_set_display_name_async,
                       G_DBUS_PROXY (self->account), "SetDisplayName",
                       g_variant_new ("(s)", name), cancellable, callback, user_data);
}

static void
on_avatar_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_with_unix_fd_list_finish (G_DBUS_PROXY (source),
                                                                          NULL, result, &error);

  if (reply == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

/* the file at @path, opened here, as the one descriptor (handle 0) of a list for the daemon */
static GUnixFDList *
file_fd_list (const gchar *path, GError **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  gint fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gint handle;

  if (fd < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s", path,
                 g_strerror (saved));
    return NULL;
  }
  fds = g_unix_fd_list_new ();
  /* a new list: its first descriptor is handle 0 */
  handle = g_unix_fd_list_append (fds, fd, error);
  close (fd);
  if (handle < 0)
    return NULL;
  return g_steal_pointer (&fds);
}

/* a picture call, ours or a group's: @method with @parameters (nullable, floating) and, unless
 * @path is %NULL, the file at @path as handle 0; sessiond_client_set_avatar_finish answers it */
static void
avatar_call (SessiondClient *self, const gchar *method, GVariant *parameters, const gchar *path,
             GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GVariant) arguments = parameters != NULL ? g_variant_ref_sink (parameters) : NULL;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, sessiond_client_set_avatar_async);
  if (path != NULL && (fds = file_fd_list (path, &error)) == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_dbus_proxy_call_with_unix_fd_list (G_DBUS_PROXY (self->account), method, arguments,
                                       G_DBUS_CALL_FLAGS_NONE, -1, fds, cancellable,
                                       on_avatar_done, g_steal_pointer (&task));
}

/**
 * sessiond_client_set_avatar_async:
 * @self: a client
 * @path: (nullable) (type filename): an image of at most 10,000,000 bytes, or
 *   %NULL to remove our avatar
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the avatar is uploaded (or removed)
 * @user_data: data for @callback
 *
 * Sets our profile picture. The file is opened here and handed to the daemon
 * as a file descriptor; the daemon removes the image's metadata, encrypts it
 * with a new profile key and uploads it; from then on our profile carries it.
 *
 * Since: 0.1
 */
void
sessiond_client_set_avatar_async (SessiondClient *self,
                                  const gchar *path,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  if (path != NULL)
    avatar_call (self, "SetAvatar", g_variant_new ("(h)", 0), path, cancellable, callback,
                 user_data);
  else
    avatar_call (self, "RemoveAvatar", NULL, NULL, cancellable, callback, user_data);
}

/**
 * sessiond_client_set_avatar_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.set_avatar_async] and [method@Client.set_group_avatar_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_client_set_avatar_finish (SessiondClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sessiond_client_set_display_name_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.set_display_name_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
sessiond_client_set_display_name_finish (SessiondClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return success_finish (self, sessiond_client_set_display_name_async, result, error);
}

/* a caller's list of ids (members, messages), NULL being none */
static const gchar *const *
id_list (const gchar *const *ids)
{
  static const gchar *const none[] = { NULL };

  return ids != NULL ? ids : none;
}

/* a group call's arguments: the group's id, then what @rest (a tuple, floating or not, or
 * %NULL) holds */
static GVariant *
group_arguments (const gchar *group_id, GVariant *rest)
{
  g_autoptr(GVariant) tail = rest != NULL ? g_variant_ref_sink (rest) : NULL;
  GVariantBuilder arguments;

  g_variant_builder_init (&arguments, G_VARIANT_TYPE_TUPLE);
  g_variant_builder_add (&arguments, "s", group_id);
  for (gsize i = 0; tail != NULL && i < g_variant_n_children (tail); i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value (tail, i);

    g_variant_builder_add_value (&arguments, child);
  }
  return g_variant_builder_end (&arguments);
}

/* every group call but create and the picture: @method on the account with the group's id and
 * what @rest (a floating tuple, or %NULL) holds, as a task @tag's _finish answers */
static void
group_call (SessiondClient *self, gpointer tag, const gchar *method, const gchar *group_id,
            GVariant *rest, GCancellable *cancellable, GAsyncReadyCallback callback,
            gpointer user_data)
{
  g_autoptr(GVariant) tail = rest != NULL ? g_variant_ref_sink (rest) : NULL;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (group_id != NULL);
  sessiond_call_async (self, tag, G_DBUS_PROXY (self->account), method,
                       group_arguments (group_id, tail), cancellable, callback, user_data);
}

/* SetGroupInfo's changes when one thing changes (the timer, the picture cleared) */
static GVariant *
one_group_change (const gchar *key, GVariant *value)
{
  GVariantBuilder changes;

  g_variant_builder_init (&changes, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changes, "{sv}", key, value);
  return g_variant_new ("(a{sv})", &changes);
}

/**
 * sessiond_client_create_group_async:
 * @self: a client
 * @name: the group's name, 1 to 100 bytes
 * @members: (array zero-terminated=1): the members' Session IDs (at most 100)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the group is in its swarm and the invites are queued
 * @user_data: data for @callback
 *
 * Creates a group (groups v2) with us as its admin and invites @members.
 *
 * Since: 0.2
 */
void
sessiond_client_create_group_async (SessiondClient *self,
                                    const gchar *name,
                                    const gchar *const *members,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (name != NULL);
  sessiond_call_async (self, sessiond_client_create_group_async,
                       G_DBUS_PROXY (self->account), "CreateGroup",
                       g_variant_new ("(s^as)", name, id_list (members)),
                       cancellable, callback, user_data);
}

/**
 * sessiond_client_create_group_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.create_group_async].
 *
 * Returns: (transfer full): the group's id ("03…"), or %NULL on error
 *
 * Since: 0.2
 */
gchar *
sessiond_client_create_group_finish (SessiondClient *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  const gchar *path;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  reply = sessiond_call_finish (self, sessiond_client_create_group_async, result, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&o)", &path);
  return g_strdup (strrchr (path, '/') + 1);
}

/**
 * sessiond_client_accept_group_invite_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Accepts a group invite: the group is read and may be written from now on.
 *
 * Since: 0.2
 */
void
sessiond_client_accept_group_invite_async (SessiondClient *self,
                                           const gchar *group_id,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  group_call (self, sessiond_client_accept_group_invite_async, "AcceptGroupInvite", group_id,
              NULL, cancellable, callback, user_data);
}

/**
 * sessiond_client_accept_group_invite_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.accept_group_invite_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.2
 */
gboolean
sessiond_client_accept_group_invite_finish (SessiondClient *self,
                                            GAsyncResult *result,
                                            GError **error)
{
  return success_finish (self, sessiond_client_accept_group_invite_async, result, error);
}

/* the group changes below share one _finish: each answers nothing */
static void
change_group (SessiondClient *self, const gchar *method, const gchar *group_id, GVariant *rest,
              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  group_call (self, sessiond_client_change_group_finish, method, group_id, rest, cancellable,
              callback, user_data);
}

/**
 * sessiond_client_set_group_info_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @name: (nullable): the new name, or %NULL to keep it
 * @description: (nullable): the new description ("" clears it), or %NULL to keep it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Renames and/or describes a group (admins only). Finish with
 * [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_set_group_info_async (SessiondClient *self,
                                      const gchar *group_id,
                                      const gchar *name,
                                      const gchar *description,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GVariantBuilder changes;

  g_variant_builder_init (&changes, G_VARIANT_TYPE_VARDICT);
  if (name != NULL)
    g_variant_builder_add (&changes, "{sv}", "name", g_variant_new_string (name));
  if (description != NULL)
    g_variant_builder_add (&changes, "{sv}", "description", g_variant_new_string (description));
  change_group (self, "SetGroupInfo", group_id, g_variant_new ("(a{sv})", &changes),
                cancellable, callback, user_data);
}

/**
 * sessiond_client_set_group_disappearing_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @seconds: the group's after-send timer: 0 (off), 10, 30, 60, 43200, 86400, 604800 or 1209600
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Sets a group's disappearing messages (admins only): every member's messages disappear
 * @seconds after they were sent. Finish with [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_set_group_disappearing_async (SessiondClient *self,
                                              const gchar *group_id,
                                              guint32 seconds,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data)
{
  change_group (self, "SetGroupInfo", group_id,
                one_group_change ("disappearing", g_variant_new_uint32 (seconds)), cancellable,
                callback, user_data);
}

/**
 * sessiond_client_set_group_avatar_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @path: (nullable) (type filename): a PNG, JPEG, GIF or WebP image, or %NULL to clear the
 *   group's picture
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the picture is uploaded (or cleared) and the group's
 *   Info says so
 * @user_data: data for @callback
 *
 * Sets or clears a group's picture (admins only). The file is opened here and handed to the
 * daemon as a file descriptor. Finish with [method@Client.set_avatar_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_set_group_avatar_async (SessiondClient *self,
                                        const gchar *group_id,
                                        const gchar *path,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GVariant *cleared;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (group_id != NULL);
  if (path != NULL) {
    avatar_call (self, "SetGroupAvatar", group_arguments (group_id, g_variant_new ("(h)", 0)),
                 path, cancellable, callback, user_data);
    return;
  }
  /* no file: SetGroupInfo's "avatar", which may only be "" */
  cleared = one_group_change ("avatar", g_variant_new_string (""));
  avatar_call (self, "SetGroupInfo", group_arguments (group_id, cleared), NULL, cancellable,
               callback, user_data);
}

/**
 * sessiond_client_leave_group_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Leaves a group: the group hears it, then the group and its messages are forgotten.
 * Finish with [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_leave_group_async (SessiondClient *self,
                                   const gchar *group_id,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  change_group (self, "LeaveGroup", group_id, NULL, cancellable, callback, user_data);
}

/**
 * sessiond_client_destroy_group_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Destroys a group (admins only): every member keeps it as read-only history.
 * Finish with [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_destroy_group_async (SessiondClient *self,
                                     const gchar *group_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  change_group (self, "DestroyGroup", group_id, NULL, cancellable, callback, user_data);
}

/**
 * sessiond_client_change_group_members_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @promote: %TRUE to make @members admins, %FALSE to remove them from the group
 * @members: (array zero-terminated=1): 1 to 50 members' Session IDs
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Promotes or removes group members (admins only). Finish with
 * [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_change_group_members_async (SessiondClient *self,
                                            const gchar *group_id,
                                            gboolean promote,
                                            const gchar *const *members,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  change_group (self, promote ? "PromoteGroupMembers" : "RemoveGroupMembers", group_id,
                g_variant_new ("(^as)", id_list (members)), cancellable, callback,
                user_data);
}

/**
 * sessiond_client_delete_group_content_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @members: (array zero-terminated=1) (nullable): up to 50 Session IDs whose messages go
 * @message_ids: (array zero-terminated=1) (nullable): up to 50 ids of the group's messages
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Deletes members' messages, and/or the messages named, for everyone in the group (admins
 * only); @members and @message_ids are not both empty. Finish with
 * [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_delete_group_content_async (SessiondClient *self,
                                            const gchar *group_id,
                                            const gchar *const *members,
                                            const gchar *const *message_ids,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  change_group (self, "DeleteGroupMemberContent", group_id,
                g_variant_new ("(^as^as)", id_list (members), id_list (message_ids)),
                cancellable, callback, user_data);
}

/**
 * sessiond_client_invite_group_members_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @members: (array zero-terminated=1): 1 to 50 Session IDs
 * @share_history: %TRUE to give them the keys of the past
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Invites members to a group (admins only). Finish with
 * [method@Client.change_group_finish].
 *
 * Since: 0.2
 */
void
sessiond_client_invite_group_members_async (SessiondClient *self,
                                            const gchar *group_id,
                                            const gchar *const *members,
                                            gboolean share_history,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  change_group (self, "InviteGroupMembers", group_id,
                g_variant_new ("(^asb)", id_list (members), share_history), cancellable,
                callback, user_data);
}

/**
 * sessiond_client_change_group_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.set_group_info_async],
 * [method@Client.set_group_disappearing_async], [method@Client.leave_group_async],
 * [method@Client.destroy_group_async], [method@Client.change_group_members_async],
 * [method@Client.invite_group_members_async] and
 * [method@Client.delete_group_content_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 0.2
 */
gboolean
sessiond_client_change_group_finish (SessiondClient *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  return success_finish (self, sessiond_client_change_group_finish, result, error);
}

/**
 * sessiond_client_get_group_info_async:
 * @self: a client
 * @group_id: the group's id ("03…")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * What the daemon knows of a group (the `GetGroupInfo` dictionary of the D-Bus API).
 *
 * Since: 0.2
 */
void
sessiond_client_get_group_info_async (SessiondClient *self,
                                      const gchar *group_id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  group_call (self, sessiond_client_get_group_info_async, "GetGroupInfo", group_id, NULL,
              cancellable, callback, user_data);
}

/**
 * sessiond_client_get_group_info_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.get_group_info_async].
 *
 * Returns: (transfer full): an `a{sv}` dictionary (name, description, admin, pending,
 *   removed, destroyed, members), or %NULL on error
 *
 * Since: 0.2
 */
GVariant *
sessiond_client_get_group_info_finish (SessiondClient *self,
                                       GAsyncResult *result,
                                       GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  reply = sessiond_call_finish (self, sessiond_client_get_group_info_async, result, error);
  if (reply == NULL)
    return NULL;
  return g_variant_get_child_value (reply, 0);
}

static void
on_conversation_proxy (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(SdcDbusConversation1) proxy = sdc_dbus_conversation1_proxy_new_finish (result,
                                                                                   &error);

  if (proxy == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, sessiond_conversation_new (proxy), g_object_unref);
}

static void
on_open_conversation (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SessiondClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  const gchar *path;
  SessiondConversation *conversation;

  if (reply == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, error);
    return;
  }
  g_variant_get (reply, "(&o)", &path);
  conversation = g_str_has_prefix (path, SESSIOND_CONVERSATION_PREFIX)
                 ? sessiond_client_lookup_conversation (
                   self, path + strlen (SESSIOND_CONVERSATION_PREFIX))
                 : NULL;
  if (conversation != NULL) {
    g_task_return_pointer (task, g_object_ref (conversation), g_object_unref);
    return;
  }
  /* the object manager has not announced it yet: talk to it directly */
  sdc_dbus_conversation1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, SESSIOND_BUS_NAME,
                                    path, g_task_get_cancellable (task), on_conversation_proxy,
                                    g_object_ref (task));
}

/**
 * sessiond_client_open_conversation_async:
 * @self: a client
 * @session_id: the peer's Session ID, or our own for Note to Self
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Gets the conversation with @session_id, creating it (approved) if needed.
 *
 * Since: 0.1
 */
void
sessiond_client_open_conversation_async (SessiondClient *self,
                                         const gchar *session_id,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (session_id != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_client_open_conversation_async);
  g_dbus_proxy_call (G_DBUS_PROXY (self->account), "OpenConversation",
                     g_variant_new ("(s)", session_id), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                     on_open_conversation, task);
}

/**
 * sessiond_client_open_conversation_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.open_conversation_async].
 *
 * Returns: (transfer full): the conversation, or %NULL on error
 *
 * Since: 0.1
 */
SessiondConversation *
sessiond_client_open_conversation_finish (SessiondClient *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sessiond_client_open_conversation_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  const gchar *id;

  if (reply == NULL) {
    sessiond_error_fixup (error);
    g_task_return_error (task, error);
    return;
  }
  g_variant_get (reply, "(&s)", &id);
  g_task_return_pointer (task, g_strdup (id), g_free);
}

/**
 * sessiond_client_resolve_name_async:
 * @self: a client
 * @name: an ONS name
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Resolves an ONS name to the Session ID it names; the daemon asks three
 * random nodes and all must agree (%SESSIOND_CLIENT_ERROR_ONS_NOT_FOUND,
 * %SESSIOND_CLIENT_ERROR_ONS_DISAGREEMENT).
 *
 * Since: 0.1
 */
void
sessiond_client_resolve_name_async (SessiondClient *self,
                                    const gchar *name,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (name != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_client_resolve_name_async);
  g_dbus_proxy_call (G_DBUS_PROXY (self->account), "ResolveName", g_variant_new ("(s)", name),
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_resolved, task);
}

/**
 * sessiond_client_resolve_name_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.resolve_name_async].
 *
 * Returns: (transfer full): the Session ID, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_client_resolve_name_finish (SessiondClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sessiond_client_resolve_name_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * sessiond_client_join_community_async:
 * @self: a client
 * @url: a community join URL, `http(s)://host[:port]/<room>?public_key=<64 hex>`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Joins the community room @url names; its conversation has the kind
 * "community". A malformed URL fails with
 * %SESSIOND_CLIENT_ERROR_INVALID_COMMUNITY_URL. Leave with
 * [method@Conversation.delete_async].
 *
 * Since: 0.1
 */
void
sessiond_client_join_community_async (SessiondClient *self,
                                      const gchar *url,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (url != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sessiond_client_join_community_async);
  g_dbus_proxy_call (G_DBUS_PROXY (self->account), "JoinCommunity", g_variant_new ("(s)", url),
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_open_conversation, task);
}

/**
 * sessiond_client_join_community_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.join_community_async].
 *
 * Returns: (transfer full): the room's conversation, or %NULL on error
 *
 * Since: 0.1
 */
SessiondConversation *
sessiond_client_join_community_finish (SessiondClient *self,
                                       GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sessiond_client_join_community_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * sessiond_client_send_async:
 * @self: a client
 * @recipient: a Session ID
 * @body: the text, at most 2000 characters
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the daemon has queued the message
 * @user_data: data for @callback
 *
 * Sends a text message to @recipient, opening the conversation if needed.
 *
 * Since: 0.1
 */
void
sessiond_client_send_async (SessiondClient *self,
                            const gchar *recipient,
                            const gchar *body,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (recipient != NULL);
  g_return_if_fail (body != NULL);
  sessiond_call_async (self, sessiond_client_send_async, G_DBUS_PROXY (self->account), "Send",
                       g_variant_new ("(ss@a{sv})", recipient, body,
                                      sessiond_send_options_new (NULL)),
                       cancellable, callback, user_data);
}

static gchar *
send_finish (SessiondClient *self,
             gpointer tag,
             GAsyncResult *result,
             gchar **out_conversation_id,
             GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  const gchar *path;
  gchar *message_id = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  reply = sessiond_call_finish (self, tag, result, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&os)", &path, &message_id);
  if (out_conversation_id != NULL)
    *out_conversation_id = g_strdup (strrchr (path, '/') + 1);
  return message_id;
}

/**
 * sessiond_client_send_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @out_conversation_id: (out) (optional) (transfer full): the Session ID of
 *   the conversation the message went to
 * @error: return location for an error
 *
 * Finishes [method@Client.send_async].
 *
 * Returns: (transfer full): the new message's id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_client_send_finish (SessiondClient *self,
                             GAsyncResult *result,
                             gchar **out_conversation_id,
                             GError **error)
{
  return send_finish (self, sessiond_client_send_async, result, out_conversation_id, error);
}

/**
 * sessiond_client_send_reply_async:
 * @self: a client
 * @recipient: a Session ID
 * @body: the text, at most 2000 characters
 * @quote_id: the id of the message of that conversation to reply to
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the daemon has queued the message
 * @user_data: data for @callback
 *
 * Like [method@Client.send_async], quoting the message @quote_id. Fails
 * with %SESSIOND_CLIENT_ERROR_NOT_FOUND if that message is not in the
 * conversation with @recipient.
 *
 * Since: 0.1
 */
void
sessiond_client_send_reply_async (SessiondClient *self,
                                  const gchar *recipient,
                                  const gchar *body,
                                  const gchar *quote_id,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (recipient != NULL);
  g_return_if_fail (body != NULL);
  g_return_if_fail (quote_id != NULL);
  sessiond_call_async (self, sessiond_client_send_reply_async, G_DBUS_PROXY (self->account),
                       "Send", g_variant_new ("(ss@a{sv})", recipient, body,
                                              sessiond_send_options_new (quote_id)),
                       cancellable, callback, user_data);
}

/**
 * sessiond_client_send_reply_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @out_conversation_id: (out) (optional) (transfer full): the Session ID of
 *   the conversation the message went to
 * @error: return location for an error
 *
 * Finishes [method@Client.send_reply_async].
 *
 * Returns: (transfer full): the new message's id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
sessiond_client_send_reply_finish (SessiondClient *self,
                                   GAsyncResult *result,
                                   gchar **out_conversation_id,
                                   GError **error)
{
  return send_finish (self, sessiond_client_send_reply_async, result, out_conversation_id,
                      error);
}

/**
 * sessiond_client_search_async:
 * @self: a client
 * @query: words to find in message bodies (at most 1024 bytes; each word matches as a
 *   prefix, all must match, and only the first 16 count)
 * @limit: at most this many results (up to 500), or 0 for the daemon's default (50)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the results
 * @user_data: data for @callback
 *
 * Searches all stored messages.
 *
 * Since: 0.1
 */
void
sessiond_client_search_async (SessiondClient *self,
                              const gchar *query,
                              guint limit,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GVariantBuilder options;

  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (query != NULL);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (limit != 0)
    g_variant_builder_add (&options, "{sv}", "limit", g_variant_new_uint32 (limit));
  sessiond_call_async (self, sessiond_client_search_async, G_DBUS_PROXY (self->account),
                       "Search", g_variant_new ("(sa{sv})", query, &options), cancellable,
                       callback, user_data);
}

/**
 * sessiond_client_search_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.search_async].
 *
 * Returns: (transfer container) (element-type SessiondMessage): the
 *   matching messages, newest first, or %NULL on error
 *
 * Since: 0.1
 */
GPtrArray *
sessiond_client_search_finish (SessiondClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) list = NULL;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), NULL);
  reply = sessiond_call_finish (self, sessiond_client_search_async, result, error);
  if (reply == NULL)
    return NULL;
  list = g_variant_get_child_value (reply, 0);
  return sessiond_messages_from_variant (list);
}

/**
 * sessiond_client_inhibit_notifications_async:
 * @self: a client
 * @reason: shown in diagnostics
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Suppresses the daemon's desktop notifications while this client holds
 * the inhibition (for example while a chat window has the focus). It is
 * released when the client leaves the bus.
 *
 * Since: 0.1
 */
void
sessiond_client_inhibit_notifications_async (SessiondClient *self,
                                             const gchar *reason,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  g_return_if_fail (reason != NULL);
  sessiond_call_async (self, sessiond_client_inhibit_notifications_async,
                       G_DBUS_PROXY (self->account), "InhibitNotifications",
                       g_variant_new ("(s)", reason), cancellable, callback, user_data);
}

/**
 * sessiond_client_inhibit_notifications_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.inhibit_notifications_async].
 *
 * Returns: a cookie for [method@Client.uninhibit_notifications_async], or
 *   0 on error
 *
 * Since: 0.1
 */
guint
sessiond_client_inhibit_notifications_finish (SessiondClient *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 cookie = 0;

  g_return_val_if_fail (SESSIOND_IS_CLIENT (self), 0);
  reply = sessiond_call_finish (self, sessiond_client_inhibit_notifications_async, result, error);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &cookie);
  return cookie;
}

/**
 * sessiond_client_uninhibit_notifications_async:
 * @self: a client
 * @cookie: what [method@Client.inhibit_notifications_finish] returned
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Releases an inhibition.
 *
 * Since: 0.1
 */
void
sessiond_client_uninhibit_notifications_async (SessiondClient *self,
                                               guint cookie,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data)
{
  g_return_if_fail (SESSIOND_IS_CLIENT (self));
  sessiond_call_async (self, sessiond_client_uninhibit_notifications_async,
                       G_DBUS_PROXY (self->account), "UninhibitNotifications",
                       g_variant_new ("(u)", cookie), cancellable, callback, user_data);
}

/**
 * sessiond_client_uninhibit_notifications_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes [method@Client.uninhibit_notifications_async].
 *
 * Returns: %TRUE on success (%SESSIOND_CLIENT_ERROR_NOT_FOUND for an
 *   unknown cookie)
 *
 * Since: 0.1
 */
gboolean
sessiond_client_uninhibit_notifications_finish (SessiondClient *self,
                                                GAsyncResult *result,
                                                GError **error)
{
  return success_finish (self, sessiond_client_uninhibit_notifications_async, result, error);
}

/* ---- GObject ---- */

static void
sessiond_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SessiondClient *self = SESSIOND_CLIENT (object);

  switch (prop_id) {
  case PROP_CONNECTION:
    g_value_set_object (value, self->connection);
    break;
  case PROP_ADDRESS:
    g_value_set_string (value, self->address);
    break;
  case PROP_STATE:
    g_value_take_string (value, self->account != NULL ? sessiond_client_dup_state (self) : NULL);
    break;
  case PROP_SESSION_ID:
    g_value_take_string (value,
                         self->account != NULL ? sessiond_client_dup_session_id (self) : NULL);
    break;
  case PROP_DISPLAY_NAME:
    g_value_take_string (value,
                         self->account != NULL ? sessiond_client_dup_display_name (self) : NULL);
    break;
  case PROP_UNREAD_COUNT:
    g_value_set_uint (value, self->account != NULL ? sessiond_client_get_unread_count (self) : 0);
    break;
  case PROP_CONVERSATIONS:
    g_value_set_object (value, self->conversations);
    break;
  case PROP_AVATAR_URL:
    g_value_take_string (value, sessiond_client_dup_avatar_url (self));
    break;
  case PROP_CONFIG_SYNCED:
    g_value_set_boolean (value, sessiond_client_get_config_synced (self));
    break;
  case PROP_SYNCING:
    g_value_set_boolean (value, self->account != NULL &&
                         sessiond_client_get_sync_progress (self, NULL, NULL));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
sessiond_client_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  SessiondClient *self = SESSIOND_CLIENT (object);

  switch (prop_id) {
  case PROP_CONNECTION:
    self->connection = g_value_dup_object (value);
    break;
  case PROP_ADDRESS:
    self->address = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
sessiond_client_dispose (GObject *object)
{
  SessiondClient *self = SESSIOND_CLIENT (object);

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->conversations != NULL)
    g_list_store_remove_all (self->conversations);
  g_clear_object (&self->manager);
  g_clear_object (&self->account);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (sessiond_client_parent_class)->dispose (object);
}

static void
sessiond_client_finalize (GObject *object)
{
  SessiondClient *self = SESSIOND_CLIENT (object);

  g_clear_object (&self->conversations);
  g_free (self->address);
  G_OBJECT_CLASS (sessiond_client_parent_class)->finalize (object);
}

static void
sessiond_client_class_init (SessiondClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /* registers the D-Bus error names before any call can fail */
  (void) sessiond_client_error_quark ();

  object_class->get_property = sessiond_client_get_property;
  object_class->set_property = sessiond_client_set_property;
  object_class->dispose = sessiond_client_dispose;
  object_class->finalize = sessiond_client_finalize;

  /**
   * SessiondClient:connection:
   *
   * The D-Bus connection to the daemon's bus; the session bus if none is
   * given.
   *
   * Since: 0.1
   */
  props[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * SessiondClient:address:
   *
   * The address of the bus to connect to when no connection is given.
   *
   * Since: 0.1
   */
  props[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * SessiondClient:state:
   *
   * `uninitialised`, `offline`, `connecting` or `online`.
   *
   * Since: 0.1
   */
  props[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, flags);
  /**
   * SessiondClient:session-id:
   *
   * The account's Session ID, empty before there is an account.
   *
   * Since: 0.1
   */
  props[PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, flags);
  /**
   * SessiondClient:display-name:
   *
   * Our own profile name.
   *
   * Since: 0.1
   */
  props[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  /**
   * SessiondClient:unread-count:
   *
   * Unread incoming messages over all conversations.
   *
   * Since: 0.1
   */
  props[PROP_UNREAD_COUNT] = g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0,
                                                flags);
  /**
   * SessiondClient:conversations:
   *
   * The conversations, see [method@Client.get_conversations].
   *
   * Since: 0.1
   */
  props[PROP_CONVERSATIONS] = g_param_spec_object ("conversations", NULL, NULL,
                                                   G_TYPE_LIST_MODEL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * SessiondClient:avatar-url:
   *
   * Where our profile picture is, empty when there is none.
   *
   * Since: 0.1
   */
  props[PROP_AVATAR_URL] = g_param_spec_string ("avatar-url", NULL, NULL, NULL, flags);
  /**
   * SessiondClient:config-synced:
   *
   * Whether the account's shared settings have been retrieved once.
   *
   * Since: 0.1
   */
  props[PROP_CONFIG_SYNCED] = g_param_spec_boolean ("config-synced", NULL, NULL, FALSE, flags);
  /**
   * SessiondClient:syncing:
   *
   * Whether a catch-up runs, see [method@Client.get_sync_progress]; also
   * notified when its counters move.
   *
   * Since: 0.1
   */
  props[PROP_SYNCING] = g_param_spec_boolean ("syncing", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * SessiondClient::message-received:
   * @self: the client
   * @conversation_id: the Session ID of the conversation
   * @message: the message
   *
   * An incoming message arrived in any conversation. Clients that follow
   * conversations can use [signal@Conversation::message-added] instead.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, SESSIOND_TYPE_MESSAGE);
  /**
   * SessiondClient::history-added:
   * @client: the client
   * @conversation_id: the Session ID of the conversation
   * @n_messages: how many messages it got
   *
   * Messages caught up on (history, not news) were added to a conversation:
   * at most once per conversation and applied slice of a catch-up, instead
   * of one [signal@Conversation::message-added] each. Reload the
   * conversation's messages if they are shown.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HISTORY_ADDED] =
    g_signal_new ("history-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
}

static void
sessiond_client_init (SessiondClient *self)
{
  self->conversations = g_list_store_new (SESSIOND_TYPE_CONVERSATION);
}

/**
 * sessiond_client_new_async:
 * @connection: (nullable): a connection to the daemon's bus, or %NULL for
 *   the session bus
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to the daemon, starting it through D-Bus activation if needed.
 * Finish with [ctor@Client.new_finish].
 *
 * Since: 0.1
 */
void
sessiond_client_new_async (GDBusConnection *connection,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_return_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection));
  g_async_initable_new_async (SESSIOND_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "connection", connection, NULL);
}

/**
 * sessiond_client_new_for_address_async:
 * @address: a D-Bus address of the bus the daemon is on
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Like [func@Client.new_async], on the bus at @address. Finish with
 * [ctor@Client.new_finish].
 *
 * Since: 0.1
 */
void
sessiond_client_new_for_address_async (const gchar *address,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (address != NULL);
  g_async_initable_new_async (SESSIOND_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "address", address, NULL);
}

/**
 * sessiond_client_new_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Finishes sessiond_client_new_async() or
 * sessiond_client_new_for_address_async().
 *
 * Returns: (transfer full): a client, or %NULL on error
 *   (%SESSIOND_CLIENT_ERROR_NOT_RUNNING if the daemon is not there)
 *
 * Since: 0.1
 */
SessiondClient *
sessiond_client_new_finish (GAsyncResult *result, GError **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object != NULL ? SESSIOND_CLIENT (object) : NULL;
}

/**
 * sessiond_client_new_sync:
 * @connection: (nullable): a connection to the daemon's bus, or %NULL for
 *   the session bus
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Connects to the daemon, blocking. Prefer [func@Client.new_async] in
 * applications with a user interface.
 *
 * Returns: (transfer full): a client, or %NULL on error
 *
 * Since: 0.1
 */
SessiondClient *
sessiond_client_new_sync (GDBusConnection *connection, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);
  return g_initable_new (SESSIOND_TYPE_CLIENT, cancellable, error, "connection", connection,
                         NULL);
}
