/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SdDbusService in process: a real SdAccount (file keystore, temp data dir, a seed nobody
 * answers at) exported on a GTestDBus private bus, driven through the generated proxy from a
 * second connection. Checks that errors reach the caller under their registered names, that
 * creating an account updates the properties, and that a keystore error is converted too.
 */

#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "sd-account-private.h"
#include "sd-dbus-caller.h"
#include "sd-dbus-error.h"
#include "sd-dbus-generated.h"
#include "sd-dbus-service.h"
#include "sd-file-keystore.h"

/* nothing listens on port 1: the account goes "connecting" and stays offline */
#define UNREACHABLE_SEED "https://127.0.0.1:1/"
#define MNEMONIC_WORDS 13

typedef struct {
  gchar *tmp;                  /* (owned) */
  gchar *data_dir;             /* (owned) */
  GTestDBus *bus;              /* (owned) */
  GDBusConnection *service_connection; /* (owned) */
  GDBusConnection *client_connection;  /* (owned) */
  SdAccount *account;          /* (owned) */
  SdDbusService *service;      /* (owned) */
  SdDbusAccount1 *proxy;       /* (owned) */
  SdDbusAccountAdmin1 *admin;  /* (owned) */
  gchar *passphrase;           /* (owned) path of the passphrase file */
} Fixture;

static void
on_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* (transfer full) */
static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static GDBusConnection *
connect_to (GTestDBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/* an account on the fixture's data dir, as sessiond makes it */
static SdAccount *
new_account (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  const gchar *seeds[] = { UNREACHABLE_SEED, NULL };
  SdAccountConfig config = { 0 };
  SdAccount *account;

  config.data_dir = fixture->data_dir;
  config.seeds = (GStrv) seeds;
  config.key_file_passphrase = fixture->passphrase;
  config.poll_interval_ms = 3600000;
  account = sd_account_new (&config, &error);
  g_assert_no_error (error);
  /* the weakest Argon2id: the test is about the bus, and it runs under valgrind */
  sd_file_keystore_set_pwhash_limits (SD_FILE_KEYSTORE (account->keystore),
                                      crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
  return account;
}

static void
setup (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  fixture->tmp = g_dir_make_tmp ("sd-dbus-service-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->data_dir = g_build_filename (fixture->tmp, "data", NULL);
  g_assert_no_errno (g_mkdir (fixture->data_dir, 0700));
  fixture->passphrase = g_build_filename (fixture->tmp, "passphrase", NULL);
  /* private, or the key file keystore refuses it */
  g_assert_true (g_file_set_contents_full (fixture->passphrase, "not-a-real-passphrase\n", -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));
  g_assert_no_error (error);

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);
  fixture->service_connection = connect_to (fixture->bus);
  fixture->client_connection = connect_to (fixture->bus);

  fixture->account = new_account (fixture);
  fixture->service = sd_dbus_service_new (fixture->service_connection, fixture->account, &error);
  g_assert_no_error (error);

  sd_dbus_account1_proxy_new (fixture->client_connection, G_DBUS_PROXY_FLAGS_NONE,
                              g_dbus_connection_get_unique_name (fixture->service_connection),
                              SD_DBUS_PATH, NULL, on_ready, &result);
  fixture->proxy = sd_dbus_account1_proxy_new_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  sd_dbus_account_admin1_proxy_new (fixture->client_connection, G_DBUS_PROXY_FLAGS_NONE,
                                    g_dbus_connection_get_unique_name (
                                      fixture->service_connection),
                                    SD_DBUS_PATH, NULL, on_ready, &result);
  fixture->admin = sd_dbus_account_admin1_proxy_new_finish (wait_for (&result), &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree gchar *attachments_tmp = NULL;
  const gchar *name;

  g_clear_object (&fixture->proxy);
  g_clear_object (&fixture->admin);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->account);
  g_dbus_connection_close_sync (fixture->client_connection, NULL, NULL);
  g_dbus_connection_close_sync (fixture->service_connection, NULL, NULL);
  g_clear_object (&fixture->client_connection);
  g_clear_object (&fixture->service_connection);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);

  /* the only nested directory: attachments' prepares (empty by now) */
  attachments_tmp = g_build_filename (fixture->data_dir, "attachments", "tmp", NULL);
  (void) g_rmdir (attachments_tmp);
  dir = g_dir_open (fixture->data_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (fixture->data_dir, name, NULL);

    g_assert_no_errno (g_remove (path));
  }
  g_assert_no_errno (g_rmdir (fixture->data_dir));
  g_assert_no_errno (g_remove (fixture->passphrase));
  g_assert_no_errno (g_rmdir (fixture->tmp));
  g_free (fixture->passphrase);
  g_free (fixture->data_dir);
  g_free (fixture->tmp);
}

/* the remote error's D-Bus name, and that the in-process registration maps it back */
static void
assert_dbus_error (GError *error, const gchar *name, SdDbusError code)
{
  g_autofree gchar *remote = NULL;
  g_autofree gchar *expected = g_strconcat (SESSIOND_DBUS_ERROR_PREFIX, name, NULL);

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, expected);
  g_assert_error (error, SD_DBUS_ERROR, (gint) code);
}

static gchar *
create_account (Fixture *fixture, GVariant *options, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gchar *id = NULL;

  sd_dbus_account_admin1_call_create_account (fixture->admin, options, NULL, on_ready, &result);
  if (!sd_dbus_account_admin1_call_create_account_finish (fixture->admin, &id,
                                                          wait_for (&result), error))
    return NULL;
  return id;
}

static gboolean
restore_account (Fixture *fixture, const gchar *phrase, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree gchar *id = NULL;

  sd_dbus_account_admin1_call_restore_account (fixture->admin, phrase,
                                               g_variant_new ("a{sv}", NULL), NULL, on_ready,
                                               &result);
  return sd_dbus_account_admin1_call_restore_account_finish (fixture->admin, &id,
                                                             wait_for (&result), error);
}

static gchar *
get_recovery_phrase (Fixture *fixture, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gchar *phrase = NULL;

  sd_dbus_account_admin1_call_get_recovery_phrase (fixture->admin, NULL, on_ready, &result);
  if (!sd_dbus_account_admin1_call_get_recovery_phrase_finish (fixture->admin, &phrase,
                                                               wait_for (&result), error))
    return NULL;
  return phrase;
}

static gboolean
open_conversation (Fixture *fixture, const gchar *id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree gchar *path = NULL;

  sd_dbus_account1_call_open_conversation (fixture->proxy, id, NULL, on_ready, &result);
  return sd_dbus_account1_call_open_conversation_finish (fixture->proxy, &path,
                                                         wait_for (&result), error);
}

static gboolean
send_message (Fixture *fixture, const gchar *recipient, const gchar *body, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *id = NULL;

  sd_dbus_account1_call_send (fixture->proxy, recipient, body, g_variant_new ("a{sv}", NULL),
                              NULL, on_ready, &result);
  return sd_dbus_account1_call_send_finish (fixture->proxy, &path, &id, wait_for (&result),
                                            error);
}

static void
wait_for_property (Fixture *fixture, const gchar *(*get) (SdDbusAccount1 *),
                   const gchar *expected)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_strcmp0 (get (fixture->proxy), expected) != 0) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, TRUE);
  }
}

static void
test_no_account (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *phrase = get_recovery_phrase (fixture, &error);

  g_assert_null (phrase);
  assert_dbus_error (error, "NoAccount", SD_DBUS_ERROR_NO_ACCOUNT);
  g_clear_error (&error);

  g_assert_false (open_conversation (fixture, "05abc", &error));
  assert_dbus_error (error, "NoAccount", SD_DBUS_ERROR_NO_ACCOUNT);
  g_clear_error (&error);

  /* the store of an account that does not exist yet is not touched */
  g_assert_cmpstr (sd_dbus_account1_get_state (fixture->proxy), ==, "uninitialised");
  g_assert_cmpstr (sd_dbus_account1_get_session_id (fixture->proxy), ==, "");
}

static void
test_create_account (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *phrase = NULL;
  g_autofree gchar *too_long = NULL;
  g_auto(GStrv) words = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "display-name", "s", "Alice");
  id = create_account (fixture, g_variant_dict_end (&options), &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), ==, 66);
  g_assert_true (g_str_has_prefix (id, "05"));

  /* the properties follow, with PropertiesChanged */
  wait_for_property (fixture, sd_dbus_account1_get_session_id, id);
  wait_for_property (fixture, sd_dbus_account1_get_display_name, "Alice");
  g_assert_cmpstr (sd_dbus_account1_get_state (fixture->proxy), !=, "uninitialised");
  g_assert_true (g_file_test (fixture->data_dir, G_FILE_TEST_IS_DIR));

  again = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_null (again);
  assert_dbus_error (error, "AccountExists", SD_DBUS_ERROR_ACCOUNT_EXISTS);
  g_clear_error (&error);

  phrase = get_recovery_phrase (fixture, &error);
  g_assert_no_error (error);
  words = g_strsplit (phrase, " ", -1);
  g_assert_cmpuint (g_strv_length (words), ==, MNEMONIC_WORDS);

  /* account, protocol and store errors, each under its own name */
  g_assert_false (open_conversation (fixture, "not-a-session-id", &error));
  assert_dbus_error (error, "InvalidSessionId", SD_DBUS_ERROR_INVALID_SESSION_ID);
  /* the argument may be a phrase pasted into the wrong field: never echoed */
  g_assert_null (strstr (error->message, "not-a-session-id"));
  g_clear_error (&error);
  g_assert_false (open_conversation (fixture, phrase, &error));
  assert_dbus_error (error, "InvalidSessionId", SD_DBUS_ERROR_INVALID_SESSION_ID);
  g_assert_null (strstr (error->message, words[0]));
  g_clear_error (&error);

  too_long = g_strnfill (SD_BODY_MAX + 1, 'x');
  g_assert_false (send_message (fixture, id, too_long, &error));
  assert_dbus_error (error, "MessageTooLong", SD_DBUS_ERROR_MESSAGE_TOO_LONG);
  g_clear_error (&error);

  g_assert_false (restore_account (fixture, "not a phrase", &error));
  assert_dbus_error (error, "AccountExists", SD_DBUS_ERROR_ACCOUNT_EXISTS);
  g_clear_error (&error);

  /* options of the wrong type are the service's own check */
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "display-name", "u", 7);
  g_clear_pointer (&again, g_free);
  again = create_account (fixture, g_variant_dict_end (&options), &error);
  assert_dbus_error (error, "InvalidArgument", SD_DBUS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* the phrase is read from the key store for each call, never kept: without the key file
   * there is none to give */
  {
    g_autofree gchar *key_file = g_build_filename (fixture->data_dir, SD_KEY_FILE_NAME, NULL);
    g_autofree gchar *gone = NULL;

    g_assert_no_errno (g_unlink (key_file));
    gone = get_recovery_phrase (fixture, &error);
    g_assert_null (gone);
    assert_dbus_error (error, "KeyNotFound", SD_DBUS_ERROR_KEY_NOT_FOUND);
  }
}

static void
test_invalid_mnemonic (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (restore_account (fixture, "abbey abbey abbey", &error));
  assert_dbus_error (error, "InvalidMnemonic", SD_DBUS_ERROR_INVALID_MNEMONIC);
  g_clear_error (&error);
  /* a mistyped word is most of a secret one: its position only */
  g_assert_false (restore_account (fixture, "amaze buffet cake qxzvwords symptoms tiger lamb maze "
                                   "nestle python dusted faxed faxed", &error));
  assert_dbus_error (error, "InvalidMnemonic", SD_DBUS_ERROR_INVALID_MNEMONIC);
  g_assert_null (strstr (error->message, "qxzv"));
  g_assert_nonnull (strstr (error->message, "word 4"));
  g_assert_cmpstr (sd_dbus_account1_get_state (fixture->proxy), ==, "uninitialised");
}

/* a keystore error crosses the same single conversion */
static void
test_keystore_error (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *key_file = g_build_filename (fixture->data_dir, SD_KEY_FILE_NAME, NULL);
  g_autofree gchar *id = NULL;

  /* someone else's key file is never replaced */
  g_assert_true (g_file_set_contents (key_file, "not ours", -1, &error));
  g_assert_no_error (error);
  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_null (id);
  assert_dbus_error (error, "KeyExists", SD_DBUS_ERROR_KEY_EXISTS);
  g_assert_cmpstr (sd_dbus_account1_get_session_id (fixture->proxy), ==, "");
}

/* the seen-hashes table is pruned when the account opens (and hourly after): what no node
 * stores any more is forgotten, the rest kept */
static void
test_prunes_seen (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_autofree gchar *path = NULL;
  g_autoptr(SdAccount) reopened = NULL;
  gboolean seen = FALSE;

  g_assert_no_error (error);
  /* the daemon stops */
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->account);
  path = g_strdup_printf ("%s/%s.sqlite", fixture->data_dir, id);
  {
    g_autoptr(SdStore) store = sd_store_open (path, &error);
    g_autoptr(SdStoreBatch) batch = NULL;
    g_autoptr(SdStoreChanges) changes = NULL;

    g_assert_no_error (error);
    batch = sd_store_batch_new (store);
    sd_store_batch_add_seen (batch, "long-gone", 1);
    sd_store_batch_add_seen (batch, "still-stored", G_MAXINT64);
    g_assert_true (sd_store_apply_batch (store, batch, &changes, &error));
    g_assert_no_error (error);
  }

  /* and starts again */
  reopened = new_account (fixture);
  sd_account_start (reopened);
  while (sd_account_is_starting (reopened))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (sd_account_get_session_id (reopened), ==, id);
  g_assert_true (sd_store_is_seen (reopened->store, "long-gone", &seen, &error));
  g_assert_no_error (error);
  g_assert_false (seen);
  g_assert_true (sd_store_is_seen (reopened->store, "still-stored", &seen, &error));
  g_assert_no_error (error);
  g_assert_true (seen);
  g_assert_cmpuint (reopened->prune_id, !=, 0);
}

/* every name of the contract is registered, under the code of the same name */
static gchar *
peer_id (guint i)
{
  return g_strdup_printf ("05%064x", i + 1);
}

/* a text message from @author, as the network brings it */
static SdIncomingMessage
incoming_text (const gchar *author, const gchar *body, gint64 sent_at)
{
  SdIncomingMessage message = { 0 };

  message.author = author;
  message.body = body;
  message.sent_at = sent_at;
  message.received_at = sent_at;
  message.kind = SD_MESSAGE_KIND_TEXT;
  return message;
}

/* conversations we start are bounded (issue 14): OpenConversation and Send to a new peer
 * stop at the cap, requests from strangers do not count, deleting one makes room */
static void
test_conversation_cap (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *fourth = peer_id (3);
  g_autofree gchar *fifth = peer_id (4);
  g_autofree gchar *stranger = peer_id (100);
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  SdIncomingMessage incoming = incoming_text (stranger, "hi", 1700000000000);

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  fixture->account->config.max_started = 3;
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *peer = peer_id (i);

    g_assert_true (open_conversation (fixture, peer, &error));
    g_assert_no_error (error);
  }
  /* opening an existing one is not starting one */
  {
    g_autofree gchar *first = peer_id (0);

    g_assert_true (open_conversation (fixture, first, &error));
  }
  g_assert_no_error (error);
  g_assert_false (open_conversation (fixture, fourth, &error));
  assert_dbus_error (error, "InvalidArgument", SD_DBUS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_message (fixture, fourth, "hello", &error));
  assert_dbus_error (error, "InvalidArgument", SD_DBUS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (sd_store_get_conversation (fixture->account->store, fourth, NULL));

  /* a stranger's message request is not ours to refuse */
  batch = sd_store_batch_new (fixture->account->store);
  g_assert_true (sd_store_batch_add_message (batch, &incoming, &error));
  g_assert_true (sd_store_apply_batch (fixture->account->store, batch, &changes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes->created_conversations->len, ==, 1);

  /* deleting one of ours makes room */
  {
    g_autofree gchar *first = peer_id (0);

    g_assert_true (sd_account_delete_conversation (fixture->account, first, &error));
    g_assert_no_error (error);
  }
  g_assert_true (open_conversation (fixture, fourth, &error));
  g_assert_no_error (error);
  g_assert_false (open_conversation (fixture, fifth, &error));
  assert_dbus_error (error, "InvalidArgument", SD_DBUS_ERROR_INVALID_ARGUMENT);
}

/* a peer's quote naming a message of another conversation shows no body (issue 14) */
static void
test_quote_other_conversation (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *carol = peer_id (1);
  g_autofree gchar *mallory = peer_id (2);
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  SdIncomingMessage to_carol = incoming_text (carol, "the secret", 1700000000000);
  SdIncomingMessage own = incoming_text (mallory, "mallory's own", 1700000000500);
  SdIncomingMessage quote = incoming_text (mallory, "look what you said", 1700000001000);

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  /* carol writes to us; mallory quotes carol's message, and then her own */
  batch = sd_store_batch_new (fixture->account->store);
  quote.quote_author = carol;
  quote.quote_sent_at = to_carol.sent_at;
  g_assert_true (sd_store_batch_add_message (batch, &to_carol, &error));
  g_assert_true (sd_store_batch_add_message (batch, &own, &error));
  g_assert_true (sd_store_batch_add_message (batch, &quote, &error));
  quote.body = "and this";
  quote.sent_at = 1700000002000;
  quote.quote_author = mallory;
  quote.quote_sent_at = own.sent_at;
  g_assert_true (sd_store_batch_add_message (batch, &quote, &error));
  g_assert_true (sd_store_apply_batch (fixture->account->store, batch, &changes, &error));
  g_assert_no_error (error);

  messages = sd_account_get_messages (fixture->account, mallory, 0, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 3);
  for (guint i = 0; i < messages->len; i++) {
    SdMessage *message = g_ptr_array_index (messages, i);

    if (g_strcmp0 (message->body, "look what you said") == 0) {
      g_assert_cmpstr (message->quote_author, ==, carol);
      g_assert_null (message->quote_body);
    } else if (g_strcmp0 (message->body, "and this") == 0) {
      g_assert_cmpstr (message->quote_body, ==, "mallory's own");
    }
  }
  /* what the signals carry comes from the store the same way */
  for (guint i = 0; i < changes->new_messages->len; i++) {
    SdMessage *message = g_ptr_array_index (changes->new_messages, i);

    if (g_strcmp0 (message->body, "look what you said") == 0)
      g_assert_null (message->quote_body);
    else if (g_strcmp0 (message->body, "and this") == 0)
      g_assert_cmpstr (message->quote_body, ==, "mallory's own");
  }
  /* and a search finds it without the body too */
  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = sd_account_search (fixture->account, "look what", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_null (((SdMessage *) g_ptr_array_index (messages, 0))->quote_body);
}

/* the read position is the newest message read, not our clock: a message its sender stamped
 * a moment before we marked read but that arrives after it is still unread (another device's
 * clock is never exactly ours; under load this lost a notification in test_security) */
static void
test_read_position (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *carol = peer_id (1);
  g_autoptr(SdStoreBatch) first = NULL;
  g_autoptr(SdStoreBatch) second = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdConversation) after_read = NULL;
  g_autoptr(SdConversation) after_arrival = NULL;
  gint64 now = g_get_real_time () / 1000;
  SdIncomingMessage seen = incoming_text (carol, "seen", now - 60000);
  SdIncomingMessage late = incoming_text (carol, "stamped before the read, arrives after",
                                          now - 30000);

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  first = sd_store_batch_new (fixture->account->store);
  g_assert_true (sd_store_batch_add_message (first, &seen, &error));
  g_assert_true (sd_store_apply_batch (fixture->account->store, first, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (sd_account_mark_read (fixture->account, carol, G_MAXINT64, &error));
  g_assert_no_error (error);
  after_read = sd_account_get_conversation (fixture->account, carol, &error);
  g_assert_no_error (error);
  g_assert_cmpint (after_read->unread, ==, 0);
  g_assert_cmpint (after_read->last_read_at, ==, seen.sent_at);

  second = sd_store_batch_new (fixture->account->store);
  g_assert_true (sd_store_batch_add_message (second, &late, &error));
  g_assert_true (sd_store_apply_batch (fixture->account->store, second, &changes, &error));
  g_assert_no_error (error);
  sd_account_apply_changes (fixture->account, changes);
  after_arrival = sd_account_get_conversation (fixture->account, carol, &error);
  g_assert_no_error (error);
  g_assert_cmpint (after_arrival->unread, ==, 1);
}

/* local names and received profile names follow the same rules (sd-display-name.c) */
static void
test_display_names (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *peer = peer_id (5);
  g_autofree gchar *max = g_strnfill (100, 'x');
  g_autofree gchar *over = g_strnfill (101, 'x');
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  SdIncomingMessage incoming = incoming_text (peer, "your account is locked", 1700000000000);
  const gchar *refused[] = { "\u202EBank", "zero\u200Bwidth", "line\u2028sep", "esc\x1b[2J",
                             over };

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  g_assert_true (sd_account_set_display_name (fixture->account, max, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_assert_false (sd_account_set_display_name (fixture->account, refused[i], &error));
    g_assert_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_cmpstr (sd_account_get_display_name (fixture->account), ==, max);

  /* "Bank Security Team" with a right-to-left override, from a peer */
  batch = sd_store_batch_new (fixture->account->store);
  incoming.profile_name = "\u202E\u2066Bank Security Team\u2069\u2028\u200B";
  incoming.profile_updated = 1;
  g_assert_true (sd_store_batch_add_message (batch, &incoming, &error));
  g_assert_true (sd_store_apply_batch (fixture->account->store, batch, &changes, &error));
  g_assert_no_error (error);
  conversation = sd_store_get_conversation (fixture->account->store, peer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conversation->name, ==, "Bank Security Team");
}

/* a body is bounded in bytes before it is counted in UTF-16 units (issue 14) */
static void
test_body_bound (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *huge = g_strnfill (16 * 1024 * 1024, 'x');
  g_autoptr(GString) emoji = g_string_new (NULL);
  g_autoptr(SdMessage) sent = NULL;
  gint64 start;

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_assert_null (sd_account_send (fixture->account, id, huge, &error));
  g_assert_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG);
  g_clear_error (&error);
  /* nothing was converted or copied: well under what 16 MiB of UTF-16 would take */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  /* 1000 four-byte characters are 2000 units and 4000 bytes: the most there is */
  for (guint i = 0; i < 1000; i++)
    g_string_append (emoji, "🌻");
  sent = sd_account_send (fixture->account, id, emoji->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sent);
  g_string_append (emoji, "x");
  g_assert_null (sd_account_send (fixture->account, id, emoji->str, &error));
  g_assert_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG);
}

/* words of fewer than two letters or digits are left out of a search (issue 14) */
static void
test_search_short_words (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr(SdMessage) sent = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree gchar *too_long = g_strnfill (1025, 'x');

  id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_assert_no_error (error);
  sent = sd_account_send (fixture->account, id, "a quick brown fox", &error);
  g_assert_no_error (error);
  results = sd_account_search (fixture->account, "q b f", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 0);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = sd_account_search (fixture->account, "a b c d e f g h i j k l m n o p q r s t qu",
                               10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);
  results = sd_account_search (fixture->account, too_long, 10, &error);
  g_assert_null (results);
  g_assert_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT);
}

/* what /proc says of a pid; the Flatpak case runs under bwrap in test_sandbox */
static void
test_caller_kinds (void)
{
  g_assert_cmpint (sd_dbus_caller_kind_for_pid ((guint32) getpid (), NULL), ==,
                   SD_DBUS_CALLER_HOST);
  /* no pid, or one that is gone: refused when in doubt */
  g_assert_cmpint (sd_dbus_caller_kind_for_pid (0, NULL), ==, SD_DBUS_CALLER_UNKNOWN);
  g_assert_cmpint (sd_dbus_caller_kind_for_pid (G_MAXUINT32 - 1, NULL), ==,
                   SD_DBUS_CALLER_UNKNOWN);
  /* the bus's AppArmor label of a snap */
  g_assert_cmpint (sd_dbus_caller_kind_for_pid ((guint32) getpid (), "snap.evil.app"), ==,
                   SD_DBUS_CALLER_SNAP);
  g_assert_cmpint (sd_dbus_caller_kind_for_pid ((guint32) getpid (), "unconfined"), ==,
                   SD_DBUS_CALLER_HOST);
}

static void
test_error_table (void)
{
#define CHECK_NAME(code, name)                                                           \
  {                                                                                      \
    g_autoptr(GError) error = g_error_new_literal (SD_DBUS_ERROR, SD_DBUS_ERROR_##code,  \
                                                   "x");                                 \
    g_autofree gchar *encoded = g_dbus_error_encode_gerror (error);                      \
                                                                                         \
    g_assert_cmpstr (encoded, ==, SESSIOND_DBUS_ERROR_PREFIX name);                      \
  }
  SESSIOND_DBUS_ERRORS (CHECK_NAME)
#undef CHECK_NAME
  {
    /* an error of no known component is Failed, with its message */
    g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "disk full");
    g_autoptr(GError) converted = sd_dbus_error_convert (error);

    g_assert_error (converted, SD_DBUS_ERROR, SD_DBUS_ERROR_FAILED);
    g_assert_cmpstr (converted->message, ==, "disk full");
  }
}

static void
count_signal (GDBusConnection *connection, const gchar *sender, const gchar *path,
              const gchar *iface, const gchar *member, GVariant *params, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* issue 20: a daemon that opens its account before its name is requested (as sessiond does)
 * lists the conversations in GetManagedObjects, announcing none one by one; it does not go
 * online while held; a conversation opened later is announced; the conversation methods
 * answer (their handlers are the skeleton class's vtable), those issues 15 and 16 added too */
static void
test_start_lists (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = create_account (fixture, g_variant_new ("a{sv}", NULL), &error);
  g_autofree gchar *path = NULL;
  g_autofree gchar *later = peer_id (10);
  g_autofree gchar *first_path = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GVariant) messages = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SdDbusConversation1) conversation = NULL;
  const gchar *service_name = g_dbus_connection_get_unique_name (fixture->service_connection);
  guint added = 0, listed = 0, subscription;

  g_assert_no_error (error);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->account);
  path = g_strdup_printf ("%s/%s.sqlite", fixture->data_dir, id);
  {
    g_autoptr(SdStore) store = sd_store_open (path, &error);
    g_autoptr(SdStoreBatch) batch = NULL;
    g_autoptr(SdStoreChanges) changes = NULL;

    g_assert_no_error (error);
    batch = sd_store_batch_new (store);
    for (guint i = 0; i < 3; i++) {
      g_autofree gchar *peer = peer_id (i);
      SdIncomingMessage message = incoming_text (peer, "hello", 1700000000000 + i);

      g_assert_true (sd_store_batch_add_message (batch, &message, &error));
    }
    g_assert_true (sd_store_apply_batch (store, batch, &changes, &error));
    g_assert_no_error (error);
  }

  subscription = g_dbus_connection_signal_subscribe (
    fixture->client_connection, service_name, "org.freedesktop.DBus.ObjectManager",
    "InterfacesAdded", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, count_signal, &added, NULL);
  fixture->account = new_account (fixture);
  fixture->service = sd_dbus_service_new (fixture->service_connection, fixture->account, &error);
  g_assert_no_error (error);
  sd_dbus_service_attach_after_start (fixture->service);
  sd_account_hold_network (fixture->account, TRUE);
  sd_account_start (fixture->account);
  while (sd_account_is_starting (fixture->account))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (sd_account_get_session_id (fixture->account), ==, id);
  g_assert_cmpstr (sd_account_get_state (fixture->account), ==, "uninitialised");

  g_dbus_connection_call (fixture->client_connection, service_name, SD_DBUS_PATH,
                          "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                          G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_ready, &result);
  objects = g_dbus_connection_call_finish (fixture->client_connection, wait_for (&result),
                                           &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  {
    g_autoptr(GVariant) dict = g_variant_get_child_value (objects, 0);
    GVariantIter iter;
    const gchar *object_path;
    GVariant *interfaces;

    g_variant_iter_init (&iter, dict);
    while (g_variant_iter_loop (&iter, "{&o@a{sa{sv}}}", &object_path, &interfaces)) {
      g_autoptr(GVariant) props = g_variant_lookup_value (interfaces, "org.sessiond.Conversation1",
                                                          NULL);

      if (props != NULL && listed++ == 0)
        first_path = g_strdup (object_path);
    }
  }
  g_assert_cmpuint (listed, ==, 3);
  /* signals sent before the answer have arrived with it */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (added, ==, 0);

  /* the name is ours: online */
  sd_account_hold_network (fixture->account, FALSE);
  g_assert_cmpstr (sd_account_get_state (fixture->account), ==, "connecting");

  /* a method of a conversation, through the skeleton class's handler */
  sd_dbus_conversation1_proxy_new (fixture->client_connection, G_DBUS_PROXY_FLAGS_NONE,
                                   service_name, first_path, NULL, on_ready, &result);
  conversation = sd_dbus_conversation1_proxy_new_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  sd_dbus_conversation1_call_get_messages (conversation, g_variant_new ("a{sv}", NULL), NULL,
                                           on_ready, &result);
  g_assert_true (sd_dbus_conversation1_call_get_messages_finish (conversation, &messages,
                                                                 wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (messages), ==, 1);
  g_clear_object (&result);

  /* the methods issues 15 and 16 added have class handlers too: each answers (done or refused),
   * none is "not implemented" */
  {
    static const struct {
      const gchar *method;
      const gchar *args;
    } calls[] = {
      { "SetPriority", "(x)" }, { "SetNotifyMode", "(s)" }, { "SetMarkedUnread", "(b)" },
      { "DownloadAttachment", "(su)" }, { "OpenAttachment", "(su)" }, { "OpenAvatar", "()" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (calls); i++) {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GUnixFDList) out_fds = NULL;
      g_autoptr(GError) call_error = NULL;
      GVariant *args = NULL;

      if (g_str_equal (calls[i].args, "(x)"))
        args = g_variant_new ("(x)", (gint64) 1);
      else if (g_str_equal (calls[i].args, "(s)"))
        args = g_variant_new ("(s)", "all");
      else if (g_str_equal (calls[i].args, "(b)"))
        args = g_variant_new ("(b)", TRUE);
      else if (g_str_equal (calls[i].args, "(su)"))
        args = g_variant_new ("(su)", "no-such-message", 0u);
      g_dbus_connection_call_with_unix_fd_list (fixture->client_connection, service_name,
                                                first_path, "org.sessiond.Conversation1",
                                                calls[i].method, args, NULL,
                                                G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, on_ready,
                                                &result);
      reply = g_dbus_connection_call_with_unix_fd_list_finish (fixture->client_connection,
                                                               &out_fds, wait_for (&result),
                                                               &call_error);
      g_clear_object (&result);
      if (reply == NULL)
        g_assert_false (g_error_matches (call_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD));
    }
  }

  /* a conversation opened now is announced */
  sd_dbus_account1_call_open_conversation (fixture->proxy, later, NULL, on_ready, &result);
  g_assert_true (sd_dbus_account1_call_open_conversation_finish (fixture->proxy, NULL,
                                                                 wait_for (&result), &error));
  g_assert_no_error (error);
  while (added == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (added, ==, 1);
  g_dbus_connection_signal_unsubscribe (fixture->client_connection, subscription);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/dbus-error/table", test_error_table);
  g_test_add_func ("/dbus-caller/kinds", test_caller_kinds);

#define SERVICE_TEST(path, fn) \
  g_test_add ("/dbus-service/" path, Fixture, NULL, setup, fn, teardown)
  SERVICE_TEST ("no-account", test_no_account);
  SERVICE_TEST ("create-account", test_create_account);
  SERVICE_TEST ("invalid-mnemonic", test_invalid_mnemonic);
  SERVICE_TEST ("keystore-error", test_keystore_error);
  SERVICE_TEST ("prunes-seen", test_prunes_seen);
  SERVICE_TEST ("conversation-cap", test_conversation_cap);
  SERVICE_TEST ("quote-other-conversation", test_quote_other_conversation);
  SERVICE_TEST ("read-position", test_read_position);
  SERVICE_TEST ("display-names", test_display_names);
  SERVICE_TEST ("body-bound", test_body_bound);
  SERVICE_TEST ("search-short-words", test_search_short_words);
  SERVICE_TEST ("start-lists", test_start_lists);
#undef SERVICE_TEST

  return g_test_run ();
}
