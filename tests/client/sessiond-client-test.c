/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libsessiond-client against a mock of org.sessiond.Daemon1: a GTestDBus private bus and,
 * in this process, skeletons generated from the same XML (sd_dbus_dep) that answer with
 * canned data and record what they were asked. Everything runs on one main context, so the
 * library is driven through its _async/_finish calls only (a _sync call would wait for a
 * reply that this thread has to send).
 */
#define G_LOG_DOMAIN "sessiond-client-test"

#include "config.h"

#include <gio/gio.h>

#include "sd-dbus-generated.h"
#include "sessiond-contract.h"
#include "sessiond.h"

#define ACCOUNT_PATH "/org/sessiond/Daemon1"
#define CONVERSATIONS_PATH "/org/sessiond/Daemon1/conversations/"
#define ALICE "05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BOB "05bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CAROL "05cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

typedef struct {
  GTestDBus *bus;                     /* (owned) */
  GDBusConnection *service;           /* (owned) the mock's own connection */
  GDBusObjectManagerServer *manager;  /* (owned) */
  SdDbusAccount1 *account;            /* (owned) skeleton */
  SdDbusConversation1 *conversation;  /* (owned) skeleton of the conversation with BOB */
  guint owner_id;
  gboolean name_acquired;
  SessiondClient *client;             /* (owned) (nullable) */

  /* what the mock was asked */
  gchar *sent_recipient;              /* (owned) (nullable) */
  gchar *sent_body;                   /* (owned) (nullable) */
  GVariant *messages_query;           /* (owned) (nullable) */
} Fixture;

/* ---- helpers ---- */

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
wait_until (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static void
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* a message dictionary as the daemon sends it, every key the contract names */
static GVariant *
make_message (const gchar *id, const gchar *body, const gchar *status)
{
  GVariantBuilder builder;
  GVariantBuilder reactions;

  g_variant_builder_init (&reactions, G_VARIANT_TYPE ("a(sub)"));
  g_variant_builder_add (&reactions, "(sub)", "👍", 2, TRUE);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_ID, g_variant_new_string (id));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_CONVERSATION,
                         g_variant_new_string (BOB));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_AUTHOR,
                         g_variant_new_string (BOB));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_OUTGOING,
                         g_variant_new_boolean (FALSE));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_BODY, g_variant_new_string (body));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_SENT_AT,
                         g_variant_new_int64 (1000));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_RECEIVED_AT,
                         g_variant_new_int64 (1500));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_STATUS,
                         g_variant_new_string (status));
  if (g_str_equal (status, "failed"))
    g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_ERROR,
                           g_variant_new_string ("the network is down"));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_KIND,
                         g_variant_new_string ("text"));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_EXPIRES_AT,
                         g_variant_new_int64 (90000));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_EXPIRATION_MODE,
                         g_variant_new_string ("after-read"));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_EXPIRATION_TIMER,
                         g_variant_new_uint32 (300));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_QUOTE_ID,
                         g_variant_new_string (ALICE "-900"));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_QUOTE_AUTHOR,
                         g_variant_new_string (ALICE));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_QUOTE_BODY,
                         g_variant_new_string ("earlier"));
  g_variant_builder_add (&builder, "{sv}", SESSIOND_MESSAGE_KEY_REACTIONS,
                         g_variant_builder_end (&reactions));
  /* clients must ignore keys they do not know, and keep them */
  g_variant_builder_add (&builder, "{sv}", "x-future", g_variant_new_uint32 (7));
  return g_variant_builder_end (&builder);
}

static gchar *
conversation_path (const gchar *id)
{
  return g_strconcat (CONVERSATIONS_PATH, id, NULL);
}

/* ---- the mock daemon ---- */

static gboolean
handle_send (SdDbusAccount1 *account,
             GDBusMethodInvocation *invocation,
             const gchar *recipient,
             const gchar *body,
             GVariant *options,
             Fixture *fx)
{
  g_autofree gchar *path = conversation_path (recipient);

  g_free (fx->sent_recipient);
  fx->sent_recipient = g_strdup (recipient);
  g_free (fx->sent_body);
  fx->sent_body = g_strdup (body);
  sd_dbus_account1_complete_send (account, invocation, path, ALICE "-2000");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_open_conversation (SdDbusAccount1 *account,
                          GDBusMethodInvocation *invocation,
                          const gchar *session_id,
                          Fixture *fx)
{
  g_autofree gchar *path = conversation_path (session_id);

  if (!g_str_equal (session_id, BOB)) {
    g_dbus_method_invocation_return_dbus_error (invocation,
                                                SESSIOND_DBUS_ERROR_PREFIX "NotFound",
                                                "there is no such conversation");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  sd_dbus_account1_complete_open_conversation (account, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Search answers with the error whose name is the query: every registered error travels */
static gboolean
handle_search (SdDbusAccount1 *account,
               GDBusMethodInvocation *invocation,
               const gchar *query,
               GVariant *options,
               Fixture *fx)
{
  g_autofree gchar *name = g_strconcat (SESSIOND_DBUS_ERROR_PREFIX, query, NULL);

  g_dbus_method_invocation_return_dbus_error (invocation, name, "as asked");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_messages (SdDbusConversation1 *conversation,
                     GDBusMethodInvocation *invocation,
                     GVariant *query,
                     Fixture *fx)
{
  GVariantBuilder list;

  g_clear_pointer (&fx->messages_query, g_variant_unref);
  fx->messages_query = g_variant_ref (query);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&list, make_message (BOB "-1000", "hello Alice", "failed"));
  sd_dbus_conversation1_complete_get_messages (conversation, invocation,
                                               g_variant_builder_end (&list));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_message (SdDbusConversation1 *conversation,
                     GDBusMethodInvocation *invocation,
                     const gchar *body,
                     GVariant *options,
                     Fixture *fx)
{
  g_free (fx->sent_body);
  fx->sent_body = g_strdup (body);
  sd_dbus_conversation1_complete_send_message (conversation, invocation, ALICE "-3000");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static SdDbusConversation1 *
export_conversation (Fixture *fx, const gchar *id, const gchar *name, gint64 last_activity)
{
  g_autofree gchar *path = conversation_path (id);
  g_autoptr(SdDbusObjectSkeleton) object = sd_dbus_object_skeleton_new (path);
  SdDbusConversation1 *conversation = sd_dbus_conversation1_skeleton_new ();

  sd_dbus_conversation1_set_version (conversation, 1);
  sd_dbus_conversation1_set_id (conversation, id);
  sd_dbus_conversation1_set_kind (conversation, "direct");
  sd_dbus_conversation1_set_name (conversation, name);
  sd_dbus_conversation1_set_unread_count (conversation, 1);
  sd_dbus_conversation1_set_last_activity (conversation, last_activity);
  sd_dbus_conversation1_set_last_message_preview (conversation, "hello Alice");
  sd_dbus_conversation1_set_approved (conversation, TRUE);
  sd_dbus_conversation1_set_nickname (conversation, "");
  sd_dbus_conversation1_set_expiration_mode (conversation, "off");
  g_signal_connect (conversation, "handle-get-messages", G_CALLBACK (handle_get_messages), fx);
  g_signal_connect (conversation, "handle-send-message", G_CALLBACK (handle_send_message), fx);
  sd_dbus_object_skeleton_set_conversation1 (object, conversation);
  g_dbus_object_manager_server_export (fx->manager, G_DBUS_OBJECT_SKELETON (object));
  return conversation;
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Fixture *fx = user_data;

  fx->name_acquired = TRUE;
}

static void
start_mock (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  fx->service = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (fx->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);

  /* the account sits at the object manager's own path, so it is exported by hand */
  fx->account = sd_dbus_account1_skeleton_new ();
  sd_dbus_account1_set_version (fx->account, 1);
  sd_dbus_account1_set_state (fx->account, "online");
  sd_dbus_account1_set_session_id (fx->account, ALICE);
  sd_dbus_account1_set_display_name (fx->account, "Alice");
  sd_dbus_account1_set_unread_count (fx->account, 3);
  g_signal_connect (fx->account, "handle-send", G_CALLBACK (handle_send), fx);
  g_signal_connect (fx->account, "handle-open-conversation",
                    G_CALLBACK (handle_open_conversation), fx);
  g_signal_connect (fx->account, "handle-search", G_CALLBACK (handle_search), fx);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fx->account), fx->service,
                                    ACCOUNT_PATH, &error);
  g_assert_no_error (error);

  fx->manager = g_dbus_object_manager_server_new (ACCOUNT_PATH);
  fx->conversation = export_conversation (fx, BOB, "Bob", 1000);
  g_dbus_object_manager_server_set_connection (fx->manager, fx->service);

  fx->owner_id = g_bus_own_name_on_connection (fx->service, SESSIOND_DBUS_NAME,
                                               G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
                                               NULL, fx, NULL);
  wait_until (&fx->name_acquired);
}

static void
stop_mock (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  if (fx->owner_id != 0)
    g_bus_unown_name (fx->owner_id);
  fx->owner_id = 0;
  if (fx->account != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fx->account));
  g_clear_object (&fx->account);
  g_clear_object (&fx->conversation);
  g_clear_object (&fx->manager);
  if (fx->service != NULL) {
    g_dbus_connection_close_sync (fx->service, NULL, &error);
    g_assert_no_error (error);
  }
  g_clear_object (&fx->service);
}

static SessiondClient *
connect_client (Fixture *fx, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sessiond_client_new_for_address_async (g_test_dbus_get_bus_address (fx->bus), NULL, on_done,
                                         &result);
  return sessiond_client_new_finish (wait_for (&result), error);
}

static void
setup_bus (Fixture *fx, gconstpointer data)
{
  fx->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fx->bus);
}

static void
setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  setup_bus (fx, data);
  start_mock (fx);
  fx->client = connect_client (fx, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->client);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->client);
  stop_mock (fx);
  /* let the connections' last messages and unrefs run before the bus goes */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (fx->bus);
  g_clear_object (&fx->bus);
  g_clear_pointer (&fx->sent_recipient, g_free);
  g_clear_pointer (&fx->sent_body, g_free);
  g_clear_pointer (&fx->messages_query, g_variant_unref);
}

/* ---- tests ---- */

static void
test_account_properties (Fixture *fx, gconstpointer data)
{
  g_autofree gchar *state = sessiond_client_dup_state (fx->client);
  g_autofree gchar *id = sessiond_client_dup_session_id (fx->client);
  g_autofree gchar *name = sessiond_client_dup_display_name (fx->client);
  g_autofree gchar *offline = NULL;
  gboolean notified = FALSE;

  g_assert_cmpstr (state, ==, "online");
  g_assert_cmpstr (id, ==, ALICE);
  g_assert_cmpstr (name, ==, "Alice");
  g_assert_cmpuint (sessiond_client_get_unread_count (fx->client), ==, 3);

  /* a change on the daemon's side reaches the client's property */
  g_signal_connect_swapped (fx->client, "notify::state", G_CALLBACK (set_flag), &notified);
  sd_dbus_account1_set_state (fx->account, "offline");
  wait_until (&notified);
  offline = sessiond_client_dup_state (fx->client);
  g_assert_cmpstr (offline, ==, "offline");
  g_signal_handlers_disconnect_by_data (fx->client, &notified);
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  set_flag (data);
}

static void
test_conversations (Fixture *fx, gconstpointer data)
{
  GListModel *model = sessiond_client_get_conversations (fx->client);
  g_autoptr(SessiondConversation) first = NULL;
  g_autoptr(SdDbusConversation1) carol = NULL;
  g_autofree gchar *carol_path = conversation_path (CAROL);
  g_autofree gchar *name = NULL;
  SessiondConversation *bob;
  gboolean changed = FALSE;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  bob = sessiond_client_lookup_conversation (fx->client, BOB);
  g_assert_nonnull (bob);
  g_assert_cmpstr (sessiond_conversation_get_id (bob), ==, BOB);
  g_assert_cmpstr (sessiond_conversation_get_kind (bob), ==, "direct");
  name = sessiond_conversation_dup_name (bob);
  g_assert_cmpstr (name, ==, "Bob");
  g_assert_cmpuint (sessiond_conversation_get_unread_count (bob), ==, 1);
  g_assert_cmpint (sessiond_conversation_get_last_activity (bob), ==, 1000);
  g_assert_true (sessiond_conversation_get_approved (bob));
  g_assert_null (sessiond_client_lookup_conversation (fx->client, CAROL));

  /* a conversation appears through the ObjectManager, newest activity first */
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changed);
  carol = export_conversation (fx, CAROL, "Carol", 5000);
  wait_until (&changed);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  first = g_list_model_get_item (model, 0);
  g_assert_cmpstr (sessiond_conversation_get_id (first), ==, CAROL);

  /* and goes */
  changed = FALSE;
  g_assert_true (g_dbus_object_manager_server_unexport (fx->manager, carol_path));
  wait_until (&changed);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_null (sessiond_client_lookup_conversation (fx->client, CAROL));
  g_signal_handlers_disconnect_by_data (model, &changed);
}

static void
test_send (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *conversation_id = NULL;
  g_autofree gchar *message_id = NULL;
  g_autofree gchar *message_id2 = NULL;
  SessiondConversation *bob = sessiond_client_lookup_conversation (fx->client, BOB);

  sessiond_client_send_async (fx->client, BOB, "hi Bob", NULL, on_done, &result);
  message_id = sessiond_client_send_finish (fx->client, wait_for (&result), &conversation_id,
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message_id, ==, ALICE "-2000");
  g_assert_cmpstr (conversation_id, ==, BOB);
  g_assert_cmpstr (fx->sent_recipient, ==, BOB);
  g_assert_cmpstr (fx->sent_body, ==, "hi Bob");

  g_assert_nonnull (bob);
  sessiond_conversation_send_async (bob, "again", NULL, on_done, &result2);
  message_id2 = sessiond_conversation_send_finish (bob, wait_for (&result2), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message_id2, ==, ALICE "-3000");
  g_assert_cmpstr (fx->sent_body, ==, "again");
}

static void
test_get_messages (Fixture *fx, gconstpointer data)
{
  SessiondConversation *bob = sessiond_client_lookup_conversation (fx->client, BOB);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GVariant) unknown = NULL;
  SessiondMessage *m;
  SessiondReaction *reaction;
  gint64 before = 0;
  guint32 limit = 0;

  g_assert_nonnull (bob);
  sessiond_conversation_get_messages_async (bob, 5000, 0, 10, NULL, on_done, &result);
  messages = sessiond_conversation_get_messages_finish (bob, wait_for (&result), &error);
  g_assert_no_error (error);

  /* the query the library built */
  g_assert_true (g_variant_lookup (fx->messages_query, "before", "x", &before));
  g_assert_cmpint (before, ==, 5000);
  g_assert_true (g_variant_lookup (fx->messages_query, "limit", "u", &limit));
  g_assert_cmpuint (limit, ==, 10);
  g_assert_false (g_variant_lookup (fx->messages_query, "after", "x", NULL));

  /* every key of the dictionary lands in its field */
  g_assert_cmpuint (messages->len, ==, 1);
  m = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (sessiond_message_get_id (m), ==, BOB "-1000");
  g_assert_cmpstr (sessiond_message_get_conversation_id (m), ==, BOB);
  g_assert_cmpstr (sessiond_message_get_author (m), ==, BOB);
  g_assert_false (sessiond_message_get_outgoing (m));
  g_assert_cmpstr (sessiond_message_get_body (m), ==, "hello Alice");
  g_assert_cmpint (sessiond_message_get_sent_at (m), ==, 1000);
  g_assert_cmpint (sessiond_message_get_received_at (m), ==, 1500);
  g_assert_cmpstr (sessiond_message_get_status (m), ==, "failed");
  g_assert_cmpstr (sessiond_message_get_error_message (m), ==, "the network is down");
  g_assert_cmpstr (sessiond_message_get_kind (m), ==, "text");
  g_assert_cmpint (sessiond_message_get_expires_at (m), ==, 90000);
  g_assert_cmpstr (sessiond_message_get_expiration_mode (m), ==, "after-read");
  g_assert_cmpuint (sessiond_message_get_expiration_timer (m), ==, 300);
  g_assert_cmpstr (sessiond_message_get_quote_id (m), ==, ALICE "-900");
  g_assert_cmpstr (sessiond_message_get_quote_author (m), ==, ALICE);
  g_assert_cmpstr (sessiond_message_get_quote_body (m), ==, "earlier");
  g_assert_cmpuint (sessiond_message_get_reactions (m)->len, ==, 1);
  reaction = g_ptr_array_index (sessiond_message_get_reactions (m), 0);
  g_assert_cmpstr (sessiond_reaction_get_emoji (reaction), ==, "👍");
  g_assert_cmpuint (sessiond_reaction_get_count (reaction), ==, 2);
  g_assert_true (sessiond_reaction_get_reacted_by_me (reaction));
  unknown = sessiond_message_lookup (m, "x-future");
  g_assert_nonnull (unknown);
  g_assert_cmpuint (g_variant_get_uint32 (unknown), ==, 7);
}

typedef struct {
  gchar *conversation_id;      /* (owned) */
  gchar *message_id;           /* (owned) */
  SessiondMessage *message;    /* (owned) */
  GVariant *changes;           /* (owned) */
} Seen;

static void
seen_clear (Seen *seen)
{
  g_clear_pointer (&seen->conversation_id, g_free);
  g_clear_pointer (&seen->message_id, g_free);
  g_clear_object (&seen->message);
  g_clear_pointer (&seen->changes, g_variant_unref);
}

static void
on_message_added (SessiondConversation *conversation, SessiondMessage *message, Seen *seen)
{
  g_set_object (&seen->message, message);
}

static void
on_message_changed (SessiondConversation *conversation,
                    const gchar *message_id,
                    GVariant *changes,
                    Seen *seen)
{
  seen->message_id = g_strdup (message_id);
  seen->changes = g_variant_ref (changes);
}

static void
on_message_received (SessiondClient *client,
                     const gchar *conversation_id,
                     SessiondMessage *message,
                     Seen *seen)
{
  seen->conversation_id = g_strdup (conversation_id);
  g_set_object (&seen->message, message);
}

static void
test_signals (Fixture *fx, gconstpointer data)
{
  SessiondConversation *bob = sessiond_client_lookup_conversation (fx->client, BOB);
  g_autofree gchar *bob_path = conversation_path (BOB);
  g_autoptr(SessiondMessage) updated = NULL;
  Seen seen = { 0 };
  const gchar *status = NULL;

  g_assert_nonnull (bob);
  g_signal_connect (bob, "message-added", G_CALLBACK (on_message_added), &seen);
  g_signal_connect (bob, "message-changed", G_CALLBACK (on_message_changed), &seen);
  g_signal_connect (fx->client, "message-received", G_CALLBACK (on_message_received), &seen);

  sd_dbus_conversation1_emit_message_added (fx->conversation,
                                            make_message (BOB "-1000", "new", "sent"));
  while (seen.message == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (sessiond_message_get_id (seen.message), ==, BOB "-1000");
  g_assert_cmpstr (sessiond_message_get_body (seen.message), ==, "new");

  /* MessageChanged carries the whole dictionary; copy_with_changes takes it */
  sd_dbus_conversation1_emit_message_changed (fx->conversation, BOB "-1000",
                                              make_message (BOB "-1000", "new", "read"));
  while (seen.changes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (seen.message_id, ==, BOB "-1000");
  g_assert_true (g_variant_lookup (seen.changes, SESSIOND_MESSAGE_KEY_STATUS, "&s", &status));
  g_assert_cmpstr (status, ==, "read");
  updated = sessiond_message_copy_with_changes (seen.message, seen.changes);
  g_assert_cmpstr (sessiond_message_get_status (updated), ==, "read");
  g_assert_null (sessiond_message_get_error_message (updated));
  seen_clear (&seen);

  sd_dbus_account1_emit_message_received (fx->account, bob_path,
                                          make_message (BOB "-4000", "incoming", "sent"));
  while (seen.conversation_id == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (seen.conversation_id, ==, BOB);
  g_assert_cmpstr (sessiond_message_get_body (seen.message), ==, "incoming");

  g_signal_handlers_disconnect_by_data (bob, &seen);
  g_signal_handlers_disconnect_by_data (fx->client, &seen);
  seen_clear (&seen);
}

static void
test_errors (Fixture *fx, gconstpointer data)
{
  static const struct {
    gint code;
    const gchar *name;
  } errors[] = {
#define ERROR_ROW(code, name) { SESSIOND_CLIENT_ERROR_##code, name },
    SESSIOND_DBUS_ERRORS (ERROR_ROW)
#undef ERROR_ROW
  };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondConversation) none = NULL;

  /* a method that fails with a registered name: NotFound */
  sessiond_client_open_conversation_async (fx->client, CAROL, NULL, on_done, &result);
  none = sessiond_client_open_conversation_finish (fx->client, wait_for (&result), &error);
  g_assert_error (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_FOUND);
  g_assert_null (none);
  /* the message is the daemon's, without GDBus's "GDBus.Error:name:" prefix */
  g_assert_cmpstr (error->message, ==, "there is no such conversation");

  /* every name of the contract maps to its code */
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++) {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) results = NULL;

    sessiond_client_search_async (fx->client, errors[i].name, 0, NULL, on_done, &r);
    results = sessiond_client_search_finish (fx->client, wait_for (&r), &e);
    g_assert_null (results);
    g_assert_error (e, SESSIOND_CLIENT_ERROR, errors[i].code);
  }
}

/* the daemon goes away after the client connected */
static void
test_daemon_vanished (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *message_id = NULL;

  stop_mock (fx);
  sessiond_client_send_async (fx->client, BOB, "anyone?", NULL, on_done, &result);
  message_id = sessiond_client_send_finish (fx->client, wait_for (&result), NULL, &error);
  g_assert_error (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_RUNNING);
  g_assert_null (message_id);
}

/* no daemon at all, and none to activate */
static void
test_not_running (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SessiondClient) client = connect_client (fx, &error);

  g_assert_error (error, SESSIOND_CLIENT_ERROR, SESSIOND_CLIENT_ERROR_NOT_RUNNING);
  g_assert_null (client);
}

/* every code but NOT_RUNNING has a D-Bus name, and the names are the contract's */
static void
test_error_registration (void)
{
#define CHECK_NAME(code, name)                                                           \
  {                                                                                    \
    g_autoptr(GError) e = g_error_new_literal (SESSIOND_CLIENT_ERROR,                  \
                                               SESSIOND_CLIENT_ERROR_##code, "x");     \
    g_autofree gchar *encoded = g_dbus_error_encode_gerror (e);                       \
    g_assert_cmpstr (encoded, ==, SESSIOND_DBUS_ERROR_PREFIX name);                    \
  }
  SESSIOND_DBUS_ERRORS (CHECK_NAME)
#undef CHECK_NAME
  {
    g_autoptr(GError) e = g_error_new_literal (SESSIOND_CLIENT_ERROR,
                                               SESSIOND_CLIENT_ERROR_NOT_RUNNING, "x");
    g_autofree gchar *encoded = g_dbus_error_encode_gerror (e);

    /* not registered: GDBus makes up a name from the quark */
    g_assert_false (g_str_has_prefix (encoded, SESSIOND_DBUS_ERROR_PREFIX));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/error-registration", test_error_registration);
  g_test_add ("/client/account-properties", Fixture, NULL, setup, test_account_properties,
              teardown);
  g_test_add ("/client/conversations", Fixture, NULL, setup, test_conversations, teardown);
  g_test_add ("/client/send", Fixture, NULL, setup, test_send, teardown);
  g_test_add ("/client/get-messages", Fixture, NULL, setup, test_get_messages, teardown);
  g_test_add ("/client/signals", Fixture, NULL, setup, test_signals, teardown);
  g_test_add ("/client/errors", Fixture, NULL, setup, test_errors, teardown);
  g_test_add ("/client/daemon-vanished", Fixture, NULL, setup, test_daemon_vanished, teardown);
  g_test_add ("/client/not-running", Fixture, NULL, setup_bus, test_not_running, teardown);
  return g_test_run ();
}
