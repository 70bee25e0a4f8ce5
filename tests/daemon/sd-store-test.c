/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sd-store.h"
#include "sd-store-schema.h"

/* Session IDs used as actors: A is the account, B and C are contacts */
#define ID_A "05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "05bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "05cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define NODE "9d1ea0b6e1f5e0f06a2e7de2b6d30e0c3f1e1d7a6a9a4ae2a3d9c0c0a1b2c3d4"

typedef struct {
  gchar *dir;
  gchar *path;
  SdStore *store;
} Fixture;

/* ---- helpers ------------------------------------------------------------------------------- */

static void
remove_tree (const gchar *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (handle == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL) {
    g_autofree gchar *child = g_build_filename (dir, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      remove_tree (child);
    else
      g_assert_no_errno (g_unlink (child));
  }
  g_assert_no_errno (g_rmdir (dir));
}

/* a second, independent connection, as a test's own eyes on the file */
static sqlite3 *
raw_open (const gchar *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  return db;
}

static void
raw_exec (const gchar *path, const gchar *sql)
{
  sqlite3 *db = raw_open (path);
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_error ("raw_exec: %s", message);
  sqlite3_free (message);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static gint64
raw_int (const gchar *path, const gchar *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return value;
}

static gchar *
raw_text (const gchar *path, const gchar *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  gchar *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return value;
}

/* the details of EXPLAIN QUERY PLAN @sql, one line each */
static gchar *
raw_plan (const gchar *path, const gchar *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  g_autofree gchar *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *plan = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const gchar *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return g_string_free (plan, FALSE);
}

static GBytes *
read_file (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  gchar *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
reopen (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&fixture->store);
  fixture->store = sd_store_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("sd-store-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "account.db", NULL);
  fixture->store = sd_store_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_account_id (fixture->store, ID_A, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  if (fixture->store != NULL) {
    g_autoptr(GError) error = NULL;

    g_assert_true (sd_store_check_integrity (fixture->store, &error));
    g_assert_no_error (error);
    g_clear_object (&fixture->store);
  }
  if (g_file_test (fixture->path, G_FILE_TEST_EXISTS)) {
    g_autofree gchar *result = raw_text (fixture->path, "PRAGMA integrity_check");

    g_assert_cmpstr (result, ==, "ok");
  }
  remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static SdIncomingMessage
incoming (const gchar *hash, const gchar *author, gint64 sent_at, const gchar *body)
{
  SdIncomingMessage message = {
    .server_hash = hash,
    .author = author,
    .body = body,
    .sent_at = sent_at,
    .received_at = sent_at + 5,
  };

  return message;
}

static void
add_message (SdStoreBatch *batch, const SdIncomingMessage *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_store_batch_add_message (batch, message, &error));
  g_assert_no_error (error);
}

static SdStoreChanges *
apply (SdStore *store, SdStoreBatch *batch)
{
  g_autoptr(GError) error = NULL;
  SdStoreChanges *changes = NULL;

  g_assert_true (sd_store_apply_batch (store, batch, &changes, &error));
  g_assert_no_error (error);
  g_assert_nonnull (changes);
  return changes;
}

/* applies one incoming message with its seen hash */
static SdStoreChanges *
receive (SdStore *store, const SdIncomingMessage *message)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (store);

  if (message->server_hash != NULL)
    sd_store_batch_add_seen (batch, message->server_hash, G_MAXINT64);
  add_message (batch, message);
  return apply (store, batch);
}

/* a plain text message, queued as the daemon queues it */
static SdMessage *
queue_text (SdStore *store, const gchar *conversation, const gchar *body, gint64 sent_at,
            GError **error)
{
  SdOutgoingMessage outgoing = { 0 };

  outgoing.conversation_id = conversation;
  outgoing.body = body;
  outgoing.sent_at = sent_at;
  return sd_store_queue_outgoing_full (store, &outgoing, error);
}

/* @message is exactly what the store reads back for its id */
static void
assert_as_stored (SdStore *store, const SdMessage *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) stored = sd_store_get_message (store, message->id, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (message->id, ==, stored->id);
  g_assert_cmpstr (message->conversation, ==, stored->conversation);
  g_assert_cmpstr (message->author, ==, stored->author);
  g_assert_cmpint (message->outgoing, ==, stored->outgoing);
  g_assert_cmpstr (message->body, ==, stored->body);
  g_assert_cmpint (message->sent_at, ==, stored->sent_at);
  g_assert_cmpint (message->received_at, ==, stored->received_at);
  g_assert_cmpint (message->status, ==, stored->status);
  g_assert_cmpstr (message->error, ==, stored->error);
  g_assert_cmpint (message->expires_at, ==, stored->expires_at);
  g_assert_cmpstr (message->server_hash, ==, stored->server_hash);
  g_assert_cmpint (message->kind, ==, stored->kind);
  g_assert_cmpstr (message->quote_author, ==, stored->quote_author);
  g_assert_cmpint (message->quote_sent_at, ==, stored->quote_sent_at);
  g_assert_cmpstr (message->quote_body, ==, stored->quote_body);
  g_assert_cmpint (message->expiration_mode, ==, stored->expiration_mode);
  g_assert_cmpuint (message->expiration_timer, ==, stored->expiration_timer);
  g_assert_cmpstr (message->sync_hash, ==, stored->sync_hash);
  g_assert_cmpint (message->local_id, ==, stored->local_id);
  g_assert_cmpuint (message->reactions != NULL ? message->reactions->len : 0, ==,
                    stored->reactions != NULL ? stored->reactions->len : 0);
}

static guint
count_messages (SdStore *store, const gchar *conversation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = sd_store_get_messages (store, conversation, 0, 0, 0, &error);

  g_assert_no_error (error);
  return messages->len;
}

static guint
unread (SdStore *store, const gchar *conversation)
{
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_assert_true (sd_store_count_unread (store, conversation, &n, &error));
  g_assert_no_error (error);
  return n;
}

/* ---- opening and schema -------------------------------------------------------------------- */

static void
test_create_reopen (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) queued = NULL;
  g_autoptr(SdMessage) loaded = NULL;
  g_autofree gchar *mode = NULL;
  g_autofree gchar *value = NULL;

  g_assert_cmpstr (sd_store_get_path (fixture->store), ==, fixture->path);
  queued = queue_text (fixture->store, ID_B, "persisted", 1000, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_setting (fixture->store, "read-receipts", "true", &error));
  g_assert_no_error (error);

  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  mode = raw_text (fixture->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA application_id"), ==, 0x53455344);

  g_assert_cmpstr (sd_store_get_account_id (fixture->store), ==, ID_A);
  loaded = sd_store_get_message (fixture->store, queued->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->body, ==, "persisted");
  g_assert_cmpint (loaded->sent_at, ==, 1000);
  value = sd_store_get_setting (fixture->store, "read-receipts", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "true");

  /* the account of a database does not change */
  g_assert_false (sd_store_set_account_id (fixture->store, ID_B, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (sd_store_set_account_id (fixture->store, ID_A, &error));
  g_assert_no_error (error);

  /* settings can be deleted */
  g_assert_true (sd_store_set_setting (fixture->store, "read-receipts", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&value, g_free);
  value = sd_store_get_setting (fixture->store, "read-receipts", &error);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_assert_null (value);
}

/* the version 1 schema exactly as it was released; frozen here on purpose */
static const gchar v1_schema[] =
  "PRAGMA application_id = 1397052228;"
  "CREATE TABLE conversations (id TEXT PRIMARY KEY NOT NULL,"
  "  kind TEXT NOT NULL DEFAULT 'direct' CHECK (kind IN ('direct', 'note-to-self')),"
  "  name TEXT, nickname TEXT, approved INTEGER NOT NULL DEFAULT 0,"
  "  they_approved INTEGER NOT NULL DEFAULT 0, blocked INTEGER NOT NULL DEFAULT 0,"
  "  muted_until INTEGER NOT NULL DEFAULT 0, last_activity INTEGER NOT NULL DEFAULT 0,"
  "  profile_updated INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE messages (local_id INTEGER PRIMARY KEY,"
  "  conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  author TEXT NOT NULL, outgoing INTEGER NOT NULL, body TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL, received_at INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'read')),"
  "  error TEXT, server_hash TEXT UNIQUE, UNIQUE (author, sent_at));"
  "CREATE INDEX messages_by_conversation ON messages (conversation, sent_at);"
  "CREATE INDEX messages_unread ON messages (conversation)"
  "  WHERE outgoing = 0 AND status <> 'read';"
  "CREATE TABLE outbox (message INTEGER PRIMARY KEY REFERENCES messages (local_id)"
  "  ON DELETE CASCADE, recipient TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
  "CREATE TABLE last_hash (node TEXT NOT NULL, namespace INTEGER NOT NULL,"
  "  hash TEXT NOT NULL, PRIMARY KEY (node, namespace)) WITHOUT ROWID;"
  "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;"
  "INSERT INTO settings VALUES ('account-id', '" ID_A "');"
  "INSERT INTO conversations (id, approved, they_approved, last_activity)"
  "  VALUES ('" ID_B "', 1, 1, 2000);"
  "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status,"
  "  server_hash) VALUES ('" ID_B "', '" ID_B "', 0, 'written by version one', 2000, 2001,"
  "  'sent', 'hash-v1');"
  "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status)"
  "  VALUES ('" ID_B "', '" ID_A "', 1, 'queued under version one', 3000, 3000, 'sending');"
  "INSERT INTO outbox (message, recipient) VALUES (2, '" ID_B "');"
  "INSERT INTO last_hash VALUES ('" NODE "', 0, 'hash-v1');"
  "PRAGMA user_version = 1;";

static void
test_migrate_v1 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autofree gchar *last_hash = NULL;
  gboolean seen = TRUE;
  SdOutboxItem *item;

  /* a fresh file instead of the fixture's */
  g_clear_object (&fixture->store);
  g_assert_no_errno (g_unlink (fixture->path));
  raw_exec (fixture->path, v1_schema);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, 1);

  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (sd_store_get_account_id (fixture->store), ==, ID_A);

  /* old rows are all there, with the new columns at their defaults */
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_no_error (error);
  g_assert_true (conversation->approved);
  g_assert_cmpstr (conversation->expiration_mode, ==, "off");
  g_assert_cmpuint (conversation->unread, ==, 1);
  g_assert_cmpstr (conversation->last_message_preview, ==, "queued under version one");
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 2);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last_hash, ==, "hash-v1");

  /* the outbox row of version 1 is a delivery */
  due = sd_store_outbox_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);
  item = g_ptr_array_index (due, 0);
  g_assert_false (item->is_sync);
  g_assert_cmpstr (item->message->body, ==, "queued under version one");

  /* old messages were indexed for search by the migration */
  found = sd_store_search (fixture->store, "version", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);

  /* the swarm cache of version 2 is gone again */
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name IN ('swarms', 'swarm_members')"), ==, 0);

  /* and the tables that came with version 2 work; a stored message's hash counts as seen while
   * a swarm may still serve it (schema 15): this one was received in 1970, so no longer (the
   * v10 test has a recent one); another hash never */
  g_assert_true (sd_store_is_seen (fixture->store, "hash-v1", &seen, &error));
  g_assert_no_error (error);
  g_assert_false (seen);
  g_assert_true (sd_store_is_seen (fixture->store, "hash-v0", &seen, &error));
  g_assert_no_error (error);
  g_assert_false (seen);
}

/* the file an older release wrote: version 1 as released, then the steps up to @version */
static void
write_old_file (Fixture *fixture, gint version, const gchar *extra_sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_clear_object (&fixture->store);
  g_assert_no_errno (g_unlink (fixture->path));
  raw_exec (fixture->path, v1_schema);
  db = raw_open (fixture->path);
  g_assert_true (sd_store_schema_migrate_to (db, 1, version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  if (extra_sql != NULL)
    raw_exec (fixture->path, extra_sql);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, version);
}

/* the swarm cache version 2 created and version 4 drops, with rows in it */
static const gchar v3_swarm_cache[] =
  "INSERT INTO swarms VALUES ('" ID_A "', 123456);"
  "INSERT INTO swarm_members VALUES ('" ID_A "', '" NODE "', '" NODE "', '10.0.0.1', 20000, 7);";

static void
test_migrate_v3 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) loaded = NULL;

  write_old_file (fixture, 3, v3_swarm_cache);
  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name IN ('swarms', 'swarm_members')"), ==, 0);
  loaded = sd_store_get_message (fixture->store, ID_A "-3000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->body, ==, "queued under version one");
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);
}

/* version 7 kept a contact's avatar twice: `avatars` (from message profiles, with the fetched
 * file) and conversations.avatar_url/avatar_key (from the Contacts config) */
#define ID_D "05dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define ID_E "05eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define ID_F "05ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define KEY_1 "x'1111111111111111111111111111111111111111111111111111111111111111'"
#define KEY_2 "x'2222222222222222222222222222222222222222222222222222222222222222'"
static const gchar v7_avatars[] =
  /* B: a dated profile's picture, fetched; the config names an older one */
  "UPDATE conversations SET profile_updated = 500, avatar_url = 'http://f/file/c1',"
  "  avatar_key = " KEY_2 " WHERE id = '" ID_B "';"
  "INSERT INTO avatars VALUES ('" ID_B "', 'http://f/file/m1', " KEY_1 ", 'fileb');"
  /* C: no dated profile: the config's picture is the newest known */
  "INSERT INTO conversations (id, approved, they_approved, last_activity, avatar_url,"
  "  avatar_key) VALUES ('" ID_C "', 1, 1, 9000, 'http://f/file/c2', " KEY_2 ");"
  "INSERT INTO avatars VALUES ('" ID_C "', 'http://f/file/m2', " KEY_1 ", 'filec');"
  /* D: only the config; E: only a profile; F: both the same */
  "INSERT INTO conversations (id, approved, they_approved, last_activity, avatar_url,"
  "  avatar_key) VALUES ('" ID_D "', 1, 1, 9000, 'http://f/file/c3', " KEY_2 "),"
  "  ('" ID_F "', 1, 1, 9000, 'http://f/file/s', " KEY_1 ");"
  "INSERT INTO conversations (id, approved, they_approved, last_activity, profile_updated)"
  "  VALUES ('" ID_E "', 1, 1, 9000, 700);"
  "INSERT INTO avatars VALUES ('" ID_E "', 'http://f/file/m4', " KEY_1 ", 'filee'),"
  "  ('" ID_F "', 'http://f/file/s', " KEY_1 ", 'filef');";

static void
check_avatar (SdStore *store, const gchar *id, const gchar *want_url, guint8 want_key_byte,
              const gchar *want_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(SdConversation) conversation = NULL;

  g_assert_true (sd_store_get_avatar (store, id, &url, &key, &file, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, want_url);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 32);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (key, NULL))[31], ==, want_key_byte);
  g_assert_cmpstr (file, ==, want_file);
  /* the conversation shows the one picture */
  conversation = sd_store_get_conversation (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conversation->avatar_url, ==, want_url);
}

static void
test_migrate_v7 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  write_old_file (fixture, 7, v7_avatars);
  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);
  /* one home: the config's columns are gone */
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM pragma_table_info"
                                           "('conversations') WHERE name LIKE 'avatar%'"), ==, 0);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM avatars"), ==, 5);
  check_avatar (fixture->store, ID_B, "http://f/file/m1", 0x11, "fileb");
  /* replaced by the config's: its file must be fetched again */
  check_avatar (fixture->store, ID_C, "http://f/file/c2", 0x22, NULL);
  check_avatar (fixture->store, ID_D, "http://f/file/c3", 0x22, NULL);
  check_avatar (fixture->store, ID_E, "http://f/file/m4", 0x11, "filee");
  check_avatar (fixture->store, ID_F, "http://f/file/s", 0x11, "filef");
}

/* version 4 kept the read state in messages.status and counted it per call */
static const gchar v4_rows[] =
  "INSERT INTO conversations (id, approved, they_approved, last_activity)"
  "  VALUES ('" ID_C "', 1, 1, 9000);"
  "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status,"
  "  kind, expiration_mode, expiration_timer)"
  "  VALUES ('" ID_C "', '" ID_C "', 0, 'unread under four', 5000, 5001, 'sent', 'text', 0, 0),"
  "  ('" ID_C "', '" ID_C "', 0, 'read under four', 4000, 4001, 'read', 'text', 0, 0),"
  "  ('" ID_C "', '" ID_C "', 0, 'after read under four', 6000, 6001, 'sent', 'text', 1, 30),"
  "  ('" ID_C "', '" ID_C "', 0, '', 7000, 7001, 'read', 'screenshot', 0, 0),"
  "  ('" ID_C "', '" ID_A "', 1, 'mine under four', 8000, 8000, 'sent', 'text', 0, 0);";

static void
test_migrate_v4 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) expiring = NULL;
  g_autoptr(GArray) read = NULL;
  g_autoptr(SdConversation) conversation = NULL;

  write_old_file (fixture, 4, v4_rows);
  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);

  /* the counters start from what version 4 had unread: one in B (version one's), two in C */
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 1);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 2);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 3);
  conversation = sd_store_get_conversation (fixture->store, ID_C, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversation->unread, ==, 2);
  messages = sd_store_get_messages (fixture->store, ID_C, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 5);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, 0))->status, ==,
                   SD_MESSAGE_STATUS_READ);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, 1))->status, ==,
                   SD_MESSAGE_STATUS_SENT);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, 4))->status, ==,
                   SD_MESSAGE_STATUS_SENT);

  /* the old rows were indexed again for search */
  found = sd_store_search (fixture->store, "under four", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 4);

  /* reading them: receipts for the two unread ones, and the after-read timer starts */
  g_assert_true (sd_store_mark_read (fixture->store, ID_C, G_MAXINT64, &read, &expiring,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, 2);
  g_assert_cmpint (g_array_index (read, gint64, 0), ==, 5000);
  g_assert_cmpint (g_array_index (read, gint64, 1), ==, 6000);
  g_assert_cmpuint (expiring->len, ==, 1);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (expiring, 0))->sent_at, ==, 6000);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (expiring, 0))->status, ==,
                   SD_MESSAGE_STATUS_READ);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 0);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 1);
}

/* version 10 kept server_hash UNIQUE: two stored hashes that share their first 12 characters
 * (the compact key of version 11), besides version one's "hash-v1"; the first was received
 * now, so a swarm may still serve it (schema 15 keeps it seen), the second long ago */
#define HASH_P1 "SHAREDPREFIXone"
#define HASH_P2 "SHAREDPREFIXtwo"
#define HASH_P3 "SHAREDPREFIXthree"
static const gchar v10_hashes[] =
  "INSERT INTO conversations (id, approved, they_approved, last_activity)"
  "  VALUES ('" ID_C "', 1, 1, 9000);"
  "INSERT INTO messages (conversation, author, outgoing, body, sent_at, received_at, status,"
  "  server_hash) VALUES ('" ID_C "', '" ID_C "', 0, 'first under ten', 5000,"
  "  CAST (strftime ('%s', 'now') AS INTEGER) * 1000, 'read',"
  "  '" HASH_P1 "'),"
  "  ('" ID_C "', '" ID_C "', 0, 'second under ten', 6000, 6001, 'read', '" HASH_P2 "');"
  "INSERT INTO seen_hashes VALUES ('not-a-message', 99999);";

static gboolean
is_seen (SdStore *store, const gchar *hash)
{
  g_autoptr(GError) error = NULL;
  gboolean seen = FALSE;

  g_assert_true (sd_store_is_seen (store, hash, &seen, &error));
  g_assert_no_error (error);
  return seen;
}

static void
test_migrate_v10 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) loaded = NULL;
  g_autofree gchar *plan = NULL;
  g_autofree gchar *table_sql = NULL;
  g_autofree gchar *autoindex = NULL;
  SdIncomingMessage same_hash = incoming (HASH_P1, ID_C, 7000, "first, under another T");
  SdIncomingMessage same_t = incoming ("another-hash", ID_C, 6000, "second, stored again");
  SdIncomingMessage shared_prefix = incoming (HASH_P3, ID_C, 8000, "third, a shared prefix");

  write_old_file (fixture, 10, v10_hashes);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM pragma_index_info"
                                           "('sqlite_autoindex_messages_1')"
                                           " WHERE name = 'server_hash'"), ==, 1);
  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);

  /* the wide index on the hash is gone, its pages with it; (author, sent_at) keeps its
   * automatic index, under the name SQLite gives it when it reads the table's new text */
  table_sql = raw_text (fixture->path, "SELECT sql FROM sqlite_schema WHERE name = 'messages'");
  g_assert_null (strstr (table_sql, "server_hash TEXT UNIQUE"));
  g_assert_nonnull (strstr (table_sql, "UNIQUE (author, sent_at)"));
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name LIKE 'sqlite_autoindex_messages_%'"),
                   ==, 1);
  autoindex = raw_text (fixture->path, "SELECT group_concat (name) FROM pragma_index_info"
                                       "('sqlite_autoindex_messages_1')");
  g_assert_cmpstr (autoindex, ==, "author,sent_at");
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM pragma_index_list ('messages') l,"
                                           " pragma_index_info (l.name) i"
                                           " WHERE i.name = 'server_hash'"), ==, 0);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name = 'messages_server_hash_v10'"), ==, 0);
  /* the hashes are kept whole, and found through the compact key */
  loaded = sd_store_get_message (fixture->store, ID_C "-5000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->server_hash, ==, HASH_P1);
  /* schema 15: the seen check is seen_hashes alone, the index of step 11 is gone */
  plan = raw_plan (fixture->path, "SELECT 1 FROM seen_hashes WHERE hash = 'x'");
  g_assert_nonnull (strstr (plan, "PRIMARY KEY"));
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name = 'messages_hash_key'"), ==, 0);
  g_assert_true (is_seen (fixture->store, HASH_P1));
  /* received too long ago for a swarm to serve them again */
  g_assert_false (is_seen (fixture->store, "hash-v1"));
  g_assert_false (is_seen (fixture->store, HASH_P2));
  g_assert_true (is_seen (fixture->store, "not-a-message"));
  /* a shared prefix is not the same hash */
  g_assert_false (is_seen (fixture->store, HASH_P3));
  g_assert_false (is_seen (fixture->store, "SHAREDPREFIX"));

  /* duplicates by hash and by (author, T) are still skipped; a hash that shares the prefix
   * of stored ones is a new message */
  batch = sd_store_batch_new (fixture->store);
  add_message (batch, &same_hash);
  add_message (batch, &same_t);
  add_message (batch, &shared_prefix);
  changes = apply (fixture->store, batch);
  g_assert_cmpuint (changes->new_messages->len, ==, 1);
  g_assert_cmpuint (changes->n_duplicates, ==, 2);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (changes->new_messages, 0))->server_hash, ==,
                   HASH_P3);
  g_assert_true (is_seen (fixture->store, HASH_P3));
  g_assert_cmpuint (count_messages (fixture->store, ID_C), ==, 3);
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);
}

/* a version 13 file with a group whose poll cursor is the old shared one */
#define GROUP_03 "03" "1111111111111111111111111111111111111111111111111111111111111111"
static const gchar v13_group[] =
  "INSERT INTO conversations (id, kind, approved) VALUES ('" GROUP_03 "', 'group', 1);"
  "INSERT INTO groups (id) VALUES ('" GROUP_03 "');"
  "INSERT INTO group_last_hash VALUES ('" GROUP_03 "', 11, 'shared-11');";

/* step 14: a cursor per member of a group's swarm; the shared one stays as the swarm's hint,
 * and the rows go with the group */
static void
test_migrate_v13 (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hint = NULL;
  g_autofree gchar *own = NULL;
  g_autofree gchar *other = NULL;
  g_autofree gchar *none = NULL;

  write_old_file (fixture, 13, v13_group);
  reopen (fixture);
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, SD_STORE_SCHEMA_VERSION);
  g_assert_true (sd_store_check_integrity (fixture->store, &error));
  g_assert_no_error (error);
  hint = sd_store_get_group_last_hash (fixture->store, GROUP_03, 11, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hint, ==, "shared-11");
  none = sd_store_get_group_member_last_hash (fixture->store, GROUP_03, NODE, 11, &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_true (sd_store_set_group_member_last_hash (fixture->store, GROUP_03, NODE, 11,
                                                      "node-11", &error));
  g_assert_true (sd_store_set_group_member_last_hash (fixture->store, GROUP_03, NODE, -11,
                                                      "node-kick", &error));
  g_assert_no_error (error);
  own = sd_store_get_group_member_last_hash (fixture->store, GROUP_03, NODE, 11, &error);
  g_assert_cmpstr (own, ==, "node-11");
  other = sd_store_get_group_member_last_hash (fixture->store, GROUP_03, NODE, -11, &error);
  g_assert_cmpstr (other, ==, "node-kick");
  /* a member's cursor does not move the swarm's */
  g_clear_pointer (&hint, g_free);
  hint = sd_store_get_group_last_hash (fixture->store, GROUP_03, 11, &error);
  g_assert_cmpstr (hint, ==, "shared-11");
  /* a cursor of a group we do not have is refused */
  g_assert_false (sd_store_set_group_member_last_hash (fixture->store, "03ff", NODE, 11, "x",
                                                       &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&fixture->store);
  raw_exec (fixture->path, "PRAGMA foreign_keys = ON;"
                           "DELETE FROM conversations WHERE id = '" GROUP_03 "';");
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM group_member_last_hash"), ==, 0);
}

/* step 11 edits the schema text of `messages` in place: on a file whose text it does not
 * expect (here the same table, written with one more space), it renames nothing, fails and
 * leaves the file as it was */
static void
test_migrate_v10_unexpected (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStore) store = NULL;
  g_autofree gchar *check = NULL;

  write_old_file (fixture, 10, v10_hashes);
  raw_exec (fixture->path,
            "PRAGMA writable_schema = ON;"
            "UPDATE sqlite_schema SET sql = replace (sql, 'server_hash TEXT UNIQUE,',"
            "  'server_hash TEXT UNIQUE ,') WHERE name = 'messages';"
            "PRAGMA writable_schema = RESET;");
  store = sd_store_open (fixture->path, &error);
  g_assert_null (store);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "version 11"));

  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, 10);
  check = raw_text (fixture->path, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name LIKE 'sqlite_autoindex_messages_%'"),
                   ==, 2);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM pragma_index_info"
                                           "('sqlite_autoindex_messages_1')"
                                           " WHERE name = 'server_hash'"), ==, 1);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM messages"
                                           " WHERE server_hash = '" HASH_P1 "'"), ==, 1);
}

static void
test_newer_refused (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(SdStore) store = NULL;
  g_autoptr(SdMessage) queued = NULL;

  queued = queue_text (fixture->store, ID_B, "from an older time", 1000, &error);
  g_assert_no_error (error);
  g_clear_object (&fixture->store);
  raw_exec (fixture->path, "PRAGMA user_version = 99");
  before = read_file (fixture->path);

  store = sd_store_open (fixture->path, &error);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NEWER_SCHEMA);
  g_assert_nonnull (strstr (error->message, "99"));
  g_assert_null (store);

  after = read_file (fixture->path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpint (raw_int (fixture->path, "PRAGMA user_version"), ==, 99);
}

static void
test_not_sqlite_refused (Fixture *fixture, gconstpointer data)
{
  static const gchar *const contents[] = {
    "this is a text file, a user's notes, not a database\n",
    "S",
    /* the right magic followed by garbage */
    "SQLite format 3\0\xff\xff\xff\xff garbage garbage garbage garbage garbage garbage",
  };
  static const gsize lengths[] = { 52, 1, 16 + 4 + 48 };

  G_STATIC_ASSERT (G_N_ELEMENTS (contents) == G_N_ELEMENTS (lengths));
  g_clear_object (&fixture->store);

  for (gsize i = 0; i < G_N_ELEMENTS (contents); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) after = NULL;
    g_autoptr(GBytes) expected = g_bytes_new_static (contents[i], lengths[i]);
    g_autoptr(SdStore) store = NULL;
    g_autofree gchar *path = g_strdup_printf ("%s/file-%" G_GSIZE_FORMAT, fixture->dir, i);

    g_assert_true (g_file_set_contents (path, contents[i], (gssize) lengths[i], &error));
    g_assert_no_error (error);
    store = sd_store_open (path, &error);
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT);
    g_assert_null (store);
    after = read_file (path);
    g_assert_true (g_bytes_equal (expected, after));
    g_assert_no_errno (g_unlink (path));
  }

  /* somebody else's SQLite database */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) before = NULL;
    g_autoptr(GBytes) after = NULL;
    g_autoptr(SdStore) store = NULL;
    g_autofree gchar *path = g_build_filename (fixture->dir, "other.db", NULL);

    raw_exec (path, "CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x');");
    before = read_file (path);
    store = sd_store_open (path, &error);
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT);
    g_assert_null (store);
    after = read_file (path);
    g_assert_true (g_bytes_equal (before, after));
    g_assert_no_errno (g_unlink (path));
  }

}

/* ---- the receive batch --------------------------------------------------------------------- */

static void
test_batch_dedup (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreBatch) again = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) first = NULL;
  g_autoptr(SdStoreChanges) second = NULL;
  g_autoptr(SdStoreChanges) third = NULL;
  g_autofree gchar *last_hash = NULL;
  SdIncomingMessage m1 = incoming ("h1", ID_B, 1000, "one");
  SdIncomingMessage m2 = incoming ("h2", ID_B, 2000, "two");
  SdIncomingMessage m3 = incoming ("h3", ID_C, 1500, "three");
  SdIncomingMessage same_t = incoming ("h4", ID_B, 2000, "two, stored again elsewhere");
  SdIncomingMessage same_hash = incoming ("h1", ID_B, 9000, "one, under another T");
  SdIncomingMessage fresh = incoming ("h5", ID_C, 5000, "five");
  SdMessage *message;
  gboolean seen = FALSE;

  sd_store_batch_add_seen (batch, "h1", 100000);
  add_message (batch, &m1);
  sd_store_batch_add_seen (batch, "h2", 100000);
  add_message (batch, &m2);
  sd_store_batch_add_seen (batch, "h3", 100000);
  add_message (batch, &m3);
  /* an item that failed to decode is still seen */
  sd_store_batch_add_seen (batch, "h-undecodable", 100000);
  sd_store_batch_set_last_hash (batch, NODE, 0, "h-undecodable");
  g_assert_cmpuint (sd_store_batch_get_size (batch), ==, 8);

  first = apply (fixture->store, batch);
  g_assert_cmpuint (first->new_messages->len, ==, 3);
  g_assert_cmpuint (first->n_duplicates, ==, 0);
  g_assert_cmpuint (first->created_conversations->len, ==, 2);
  g_assert_cmpuint (first->changed_conversations->len, ==, 0);
  message = g_ptr_array_index (first->new_messages, 0);
  g_assert_cmpstr (message->id, ==, ID_B "-1000");
  g_assert_cmpstr (message->conversation, ==, ID_B);
  g_assert_false (message->outgoing);
  g_assert_cmpstr (message->server_hash, ==, "h1");

  /* the same batch again stores nothing new */
  second = apply (fixture->store, batch);
  g_assert_cmpuint (second->new_messages->len, ==, 0);
  g_assert_cmpuint (second->n_duplicates, ==, 3);
  g_assert_cmpuint (second->created_conversations->len, ==, 0);
  g_assert_cmpuint (second->changed_conversations->len, ==, 0);

  /* a duplicate by (author, T), one by hash, one new; last_hash still advances */
  add_message (again, &same_t);
  add_message (again, &same_hash);
  add_message (again, &fresh);
  sd_store_batch_set_last_hash (again, NODE, 0, "h4");
  sd_store_batch_set_last_hash (again, NODE, 0, "h5");
  sd_store_batch_set_last_hash (again, NODE, 2, "config-hash");
  third = apply (fixture->store, again);
  g_assert_cmpuint (third->new_messages->len, ==, 1);
  g_assert_cmpuint (third->n_duplicates, ==, 2);
  g_assert_cmpuint (third->changed_conversations->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (third->new_messages, 0))->body, ==, "five");

  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 2);
  g_assert_cmpuint (count_messages (fixture->store, ID_C), ==, 2);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last_hash, ==, "h5");
  g_clear_pointer (&last_hash, g_free);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 2, &error);
  g_assert_cmpstr (last_hash, ==, "config-hash");
  g_clear_pointer (&last_hash, g_free);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 1, &error);
  g_assert_no_error (error);
  g_assert_null (last_hash);

  g_assert_true (sd_store_is_seen (fixture->store, "h-undecodable", &seen, &error));
  g_assert_no_error (error);
  g_assert_true (seen);
  g_assert_true (sd_store_is_seen (fixture->store, "h-never", &seen, &error));
  g_assert_false (seen);
}

/* a caller's transaction around several store calls: their own transactions become
 * savepoints (a failing one undoes only itself), and the whole is written at the commit or
 * not at all */
static void
test_transaction_nested (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autofree gchar *value = NULL;
  g_autofree gchar *last_hash = NULL;

  raw_exec (fixture->path, "CREATE TRIGGER fail_last_hash BEFORE INSERT ON last_hash"
                           " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;");
  tx = sd_store_transaction_begin (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_setting (fixture->store, "a", "1", &error));
  sd_store_batch_add_seen (batch, "h1", 100000);
  sd_store_batch_set_last_hash (batch, NODE, 0, "h1");
  g_assert_false (sd_store_apply_batch (fixture->store, batch, NULL, &error));
  g_clear_error (&error);
  g_assert_true (sd_store_transaction_commit (tx, &error));
  g_assert_no_error (error);
  g_clear_pointer (&tx, sd_store_transaction_end);
  raw_exec (fixture->path, "DROP TRIGGER fail_last_hash;");
  value = sd_store_get_setting (fixture->store, "a", NULL);
  g_assert_cmpstr (value, ==, "1");
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_no_error (error);
  g_assert_null (last_hash);

  /* not committed: nothing, the inner commit included */
  tx = sd_store_transaction_begin (fixture->store, &error);
  g_assert_true (sd_store_set_setting (fixture->store, "b", "2", &error));
  g_assert_true (sd_store_apply_batch (fixture->store, batch, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&tx, sd_store_transaction_end);
  g_clear_pointer (&value, g_free);
  value = sd_store_get_setting (fixture->store, "b", NULL);
  g_assert_null (value);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_null (last_hash);
  /* and the store works on as before */
  g_assert_true (sd_store_apply_batch (fixture->store, batch, NULL, &error));
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_cmpstr (last_hash, ==, "h1");
}

static void
test_batch_rollback (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autofree gchar *last_hash = NULL;
  SdIncomingMessage m1 = incoming ("h1", ID_B, 1000, "first");
  SdIncomingMessage m2 = incoming ("h2", ID_C, 2000, "second");
  gboolean seen = TRUE;

  sd_store_batch_add_seen (batch, "h1", 100000);
  add_message (batch, &m1);
  sd_store_batch_add_seen (batch, "h2", 100000);
  add_message (batch, &m2);
  sd_store_batch_set_last_hash (batch, NODE, 0, "h2");

  /* a real SQLite failure at the last operation, injected through another connection */
  raw_exec (fixture->path,
            "CREATE TRIGGER fail_last_hash BEFORE INSERT ON last_hash"
            " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;");
  g_assert_false (sd_store_apply_batch (fixture->store, batch, &changes, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "injected failure"));
  g_assert_null (changes);
  g_clear_error (&error);

  /* nothing of the batch is there */
  conversations = sd_store_list_conversations (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversations->len, ==, 0);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM messages"), ==, 0);
  g_assert_true (sd_store_is_seen (fixture->store, "h1", &seen, &error));
  g_assert_false (seen);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_no_error (error);
  g_assert_null (last_hash);

  /* and the store still works: the same batch applies once the fault is gone */
  raw_exec (fixture->path, "DROP TRIGGER fail_last_hash");
  changes = apply (fixture->store, batch);
  g_assert_cmpuint (changes->new_messages->len, ==, 2);
  last_hash = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
  g_assert_cmpstr (last_hash, ==, "h2");
}

static void
test_batch_invalid (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  SdIncomingMessage bad_author = incoming ("h", "05 not an id", 1000, "x");
  SdIncomingMessage upper = incoming ("h", "05BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                                      1000, "x");
  SdIncomingMessage bad_body = incoming ("h", ID_B, 1000, "bad \xff\xfe utf-8");
  SdIncomingMessage no_time = incoming ("h", ID_B, 0, "x");
  SdIncomingMessage self_no_target = incoming ("h", ID_A, 1000, "x");
  SdIncomingMessage other_with_target = incoming ("h", ID_B, 1000, "x");
  const SdIncomingMessage *all[] = {
    &bad_author, &upper, &bad_body, &no_time, &self_no_target, &other_with_target,
  };

  other_with_target.sync_target = ID_C;
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_store_batch_add_message (batch, all[i], &error));
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  }
  g_assert_cmpuint (sd_store_batch_get_size (batch), ==, 0);
}

/* the picture of the conversation's stored avatar row, or NULL */
static gchar *
avatar_url_of (SdStore *store, const gchar *id)
{
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;

  if (!sd_store_get_avatar (store, id, &url, &key, &file, NULL))
    return NULL;
  return g_steal_pointer (&url);
}

/* a profile with a picture and no name changes the picture and keeps the name; in a batch,
 * the name of an older profile is kept only if that profile was newer than the stored one;
 * a request response's picture counts, its absence does not */
static void
test_avatar_only_profile (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GBytes) key = g_bytes_new_static ("11111111111111111111111111111111", 32);
  g_autoptr(SdStoreChanges) c1 = NULL, c2 = NULL, c3 = NULL, c4 = NULL, c5 = NULL, c6 = NULL;
  g_autoptr(SdStoreBatch) batch = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  SdIncomingMessage m1 = incoming ("h1", ID_B, 1000, "hi");
  SdIncomingMessage m2 = incoming ("h2", ID_B, 2000, "new picture");
  SdIncomingMessage m3 = incoming ("h3", ID_B, 3000, "new name");
  SdIncomingMessage m4 = incoming ("h4", ID_B, 3001, "and a picture");
  SdIncomingMessage m5 = incoming ("h5", ID_B, 4000, "an old profile");
  SdIncomingMessage m6 = incoming ("h6", ID_B, 4001, "a newer picture");
  SdIncomingMessage m7 = incoming ("h7", ID_B, 5000, "after the response");

  m1.profile_name = "Bob";
  m1.profile_updated = 100;
  c1 = receive (fixture->store, &m1);
  g_assert_null (avatar_url_of (fixture->store, ID_B));

  m2.profile_updated = 200;
  m2.profile_picture = "http://f/file/p1";
  m2.profile_key = key;
  c2 = receive (fixture->store, &m2);
  g_assert_cmpuint (c2->changed_conversations->len, ==, 1);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conversation->name, ==, "Bob");
  g_assert_cmpint (conversation->profile_updated, ==, 200);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p1");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&conversation, sd_conversation_free);

  /* one batch: a name (250), then a picture alone (300): both apply */
  m3.profile_name = "Rob";
  m3.profile_updated = 250;
  m4.profile_updated = 300;
  m4.profile_picture = "http://f/file/p2";
  m4.profile_key = key;
  batch = sd_store_batch_new (fixture->store);
  add_message (batch, &m3);
  add_message (batch, &m4);
  c3 = apply (fixture->store, batch);
  g_clear_pointer (&batch, sd_store_batch_free);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conversation->name, ==, "Rob");
  g_assert_cmpint (conversation->profile_updated, ==, 300);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p2");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&conversation, sd_conversation_free);

  /* one batch: an old name (150, older than the stored 300), then a newer picture alone:
   * the picture applies, the old name does not */
  m5.profile_name = "Mallory";
  m5.profile_updated = 150;
  m6.profile_updated = 400;
  m6.profile_picture = "http://f/file/p3";
  m6.profile_key = key;
  batch = sd_store_batch_new (fixture->store);
  add_message (batch, &m5);
  add_message (batch, &m6);
  c4 = apply (fixture->store, batch);
  g_clear_pointer (&batch, sd_store_batch_free);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_cmpstr (conversation->name, ==, "Rob");
  g_assert_cmpint (conversation->profile_updated, ==, 400);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p3");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&conversation, sd_conversation_free);

  /* a request response with its picture; the message after it, at the same profile time,
   * finds the picture there */
  batch = sd_store_batch_new (fixture->store);
  g_assert_true (sd_store_batch_add_they_approved_full (batch, ID_B, TRUE, "Robert", 500,
                                                        "http://f/file/p4", key, &error));
  g_assert_no_error (error);
  c5 = apply (fixture->store, batch);
  g_clear_pointer (&batch, sd_store_batch_free);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p4");
  g_clear_pointer (&url, g_free);
  m7.profile_name = "Robert";
  m7.profile_updated = 500;
  m7.profile_picture = "http://f/file/p4";
  m7.profile_key = key;
  c6 = receive (fixture->store, &m7);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p4");
  g_clear_pointer (&url, g_free);

  /* a newer response without a picture (an old one read by a restored device) leaves it */
  batch = sd_store_batch_new (fixture->store);
  g_assert_true (sd_store_batch_add_they_approved_full (batch, ID_B, TRUE, "Robbie", 600, NULL,
                                                        NULL, &error));
  g_clear_pointer (&c6, sd_store_changes_free);
  c6 = apply (fixture->store, batch);
  url = avatar_url_of (fixture->store, ID_B);
  g_assert_cmpstr (url, ==, "http://f/file/p4");
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_cmpstr (conversation->name, ==, "Robbie");
  g_assert_cmpint (conversation->profile_updated, ==, 600);
}

static void
test_unknown_sender (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreChanges) first = NULL;
  g_autoptr(SdStoreChanges) older = NULL;
  g_autoptr(SdStoreChanges) newer = NULL;
  g_autoptr(SdStoreChanges) blocked = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  SdIncomingMessage m1 = incoming ("h1", ID_B, 1000, "hi, it's me");
  SdIncomingMessage m2 = incoming ("h2", ID_B, 2000, "still me");
  SdIncomingMessage m3 = incoming ("h3", ID_B, 3000, "me again");
  SdIncomingMessage m4 = incoming ("h4", ID_B, 4000, "you blocked me");
  SdConversation *created;

  m1.profile_name = "Bob";
  m1.profile_updated = 100;
  first = receive (fixture->store, &m1);
  g_assert_cmpuint (first->created_conversations->len, ==, 1);
  created = g_ptr_array_index (first->created_conversations, 0);
  g_assert_cmpstr (created->id, ==, ID_B);
  g_assert_cmpint (created->kind, ==, SD_CONVERSATION_KIND_DIRECT);
  g_assert_false (created->approved);
  g_assert_true (created->they_approved);
  g_assert_false (created->blocked);
  g_assert_cmpstr (created->name, ==, "Bob");
  g_assert_cmpint (created->profile_updated, ==, 100);
  g_assert_cmpuint (created->unread, ==, 1);
  g_assert_cmpint (created->last_activity, ==, 1000);
  g_assert_cmpstr (sd_conversation_get_display_name (created), ==, "Bob");

  /* a profile that is not strictly newer is ignored */
  m2.profile_name = "Mallory";
  m2.profile_updated = 100;
  older = receive (fixture->store, &m2);
  g_assert_cmpuint (older->changed_conversations->len, ==, 1);
  g_assert_cmpstr (((SdConversation *) g_ptr_array_index (older->changed_conversations, 0))->name,
                   ==, "Bob");
  m3.profile_name = "Robert";
  m3.profile_updated = 101;
  newer = receive (fixture->store, &m3);
  g_assert_cmpstr (((SdConversation *) g_ptr_array_index (newer->changed_conversations, 0))->name,
                   ==, "Robert");

  g_assert_true (sd_store_set_nickname (fixture->store, ID_B, "Bobby", &error));
  g_assert_no_error (error);
  g_assert_true (sd_store_approve (fixture->store, ID_B, &error));
  g_assert_no_error (error);
  g_assert_true (sd_store_set_muted_until (fixture->store, ID_B, G_MAXINT64, &error));
  g_assert_no_error (error);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_no_error (error);
  g_assert_true (conversation->approved);
  g_assert_cmpint (conversation->muted_until, ==, G_MAXINT64);
  g_assert_cmpstr (sd_conversation_get_display_name (conversation), ==, "Bobby");
  g_assert_cmpuint (conversation->unread, ==, 3);
  g_assert_cmpint (conversation->last_activity, ==, 3000);
  g_assert_cmpstr (conversation->last_message_preview, ==, "me again");

  /* a blocked sender's messages are dropped, but their hash is still seen */
  g_assert_true (sd_store_set_blocked (fixture->store, ID_B, TRUE, &error));
  g_assert_no_error (error);
  blocked = receive (fixture->store, &m4);
  g_assert_cmpuint (blocked->new_messages->len, ==, 0);
  g_assert_cmpuint (blocked->n_dropped, ==, 1);
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 3);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 0);
  g_assert_true (sd_store_set_blocked (fixture->store, ID_B, FALSE, &error));
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 3);

  g_assert_false (sd_store_approve (fixture->store, ID_C, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
}

static void
test_sync_copy (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) queued = NULL;
  g_autoptr(SdStoreChanges) dup = NULL;
  g_autoptr(SdStoreChanges) other_device = NULL;
  g_autoptr(SdStoreChanges) note = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  SdIncomingMessage copy;
  SdIncomingMessage from_other_device = incoming ("h-sync-2", ID_A, 7000, "sent from my phone");
  SdIncomingMessage to_self = incoming ("h-sync-3", ID_A, 8000, "a note");
  SdMessage *message;

  queued = queue_text (fixture->store, ID_B, "sent from here", 5000, &error);
  g_assert_no_error (error);

  /* our own sync copy comes back from our swarm, perhaps before the send returned */
  copy = incoming ("h-sync-1", ID_A, queued->sent_at, "sent from here");
  copy.sync_target = ID_B;
  dup = receive (fixture->store, &copy);
  g_assert_cmpuint (dup->new_messages->len, ==, 0);
  g_assert_cmpuint (dup->n_duplicates, ==, 1);
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 1);

  /* a message our other device sent lands as outgoing in the syncTarget conversation */
  from_other_device.sync_target = ID_B;
  from_other_device.profile_name = "ignored, from ourselves";
  from_other_device.profile_updated = 999;
  other_device = receive (fixture->store, &from_other_device);
  g_assert_cmpuint (other_device->new_messages->len, ==, 1);
  message = g_ptr_array_index (other_device->new_messages, 0);
  g_assert_true (message->outgoing);
  g_assert_cmpstr (message->conversation, ==, ID_B);
  g_assert_cmpstr (message->author, ==, ID_A);
  g_assert_cmpint (message->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 2);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 0);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_no_error (error);
  g_assert_null (conversation->name);
  g_assert_true (conversation->approved);
  g_assert_false (conversation->they_approved);

  /* with syncTarget = ourselves it is Note to Self */
  to_self.sync_target = ID_A;
  note = receive (fixture->store, &to_self);
  g_assert_cmpuint (note->created_conversations->len, ==, 1);
  g_assert_cmpint (((SdConversation *) g_ptr_array_index (note->created_conversations, 0))->kind,
                   ==, SD_CONVERSATION_KIND_NOTE_TO_SELF);
  g_assert_cmpuint (count_messages (fixture->store, ID_A), ==, 1);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM messages"), ==, 3);
}

/* ---- the send path ------------------------------------------------------------------------- */

static void
test_outbox (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) first = NULL;
  g_autoptr(SdMessage) second = NULL;
  g_autoptr(SdMessage) note = NULL;
  g_autoptr(SdMessage) sent = NULL;
  g_autoptr(SdMessage) failed = NULL;
  g_autoptr(SdMessage) note_sent = NULL;
  g_autoptr(SdMessage) read = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(SdStoreBatch) receipt = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  gint64 next = 0;
  SdOutboxItem *item;

  first = queue_text (fixture->store, ID_B, "first", 10000, &error);
  g_assert_no_error (error);
  /* the same millisecond: the second message gets its own T */
  second = queue_text (fixture->store, ID_B, "second", 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->sent_at, ==, 10000);
  g_assert_cmpint (second->sent_at, ==, 10001);
  g_assert_cmpint (first->status, ==, SD_MESSAGE_STATUS_SENDING);
  g_assert_true (first->outgoing);
  g_assert_cmpstr (first->id, ==, ID_A "-10000");
  note = queue_text (fixture->store, ID_A, "note", 20000, &error);
  g_assert_no_error (error);

  /* the outbox survives a restart, with the same T */
  reopen (fixture);
  due = sd_store_outbox_due (fixture->store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 3);
  item = g_ptr_array_index (due, 0);
  g_assert_cmpstr (item->message->id, ==, first->id);
  g_assert_cmpint (item->message->sent_at, ==, 10000);
  g_assert_cmpstr (item->recipient, ==, ID_B);
  g_assert_false (item->is_sync);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* a retry later */
  g_assert_true (sd_store_outbox_reschedule (fixture->store, second->id, 50000, "timeout",
                                             &error));
  g_assert_no_error (error);
  due = sd_store_outbox_due (fixture->store, 40000, 0, &error);
  g_assert_cmpuint (due->len, ==, 2);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = sd_store_outbox_due (fixture->store, 50000, 1, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = sd_store_outbox_due (fixture->store, 50000, 0, &error);
  g_assert_cmpuint (due->len, ==, 3);
  item = g_ptr_array_index (due, 2);
  g_assert_cmpstr (item->message->id, ==, second->id);
  g_assert_cmpuint (item->attempts, ==, 1);
  g_assert_cmpstr (item->last_error, ==, "timeout");
  g_clear_pointer (&due, g_ptr_array_unref);

  /* sending -> sent: the row becomes the sync copy to our own swarm */
  sent = sd_store_mark_sent (fixture->store, first->id, "server-hash-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_cmpstr (sent->server_hash, ==, "server-hash-1");
  due = sd_store_outbox_due (fixture->store, 0, 0, &error);
  g_assert_cmpuint (due->len, ==, 2);
  item = g_ptr_array_index (due, 0);
  g_assert_cmpstr (item->message->id, ==, first->id);
  g_assert_true (item->is_sync);
  g_assert_cmpstr (item->recipient, ==, ID_A);
  g_clear_pointer (&due, g_ptr_array_unref);
  /* it cannot be sent twice */
  g_assert_null (sd_store_mark_sent (fixture->store, first->id, "server-hash-x", &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (sd_store_mark_synced (fixture->store, first->id, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (sd_store_mark_synced (fixture->store, first->id, NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Note to Self has no separate sync copy */
  note_sent = sd_store_mark_sent (fixture->store, note->id, "server-hash-2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (note_sent->status, ==, SD_MESSAGE_STATUS_SENT);

  /* sending -> failed */
  failed = sd_store_mark_failed (fixture->store, second->id, "recipient swarm unreachable",
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpint (failed->status, ==, SD_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (failed->error, ==, "recipient swarm unreachable");
  g_assert_cmpstr (sd_message_status_to_string (failed->status), ==, "failed");
  g_assert_null (sd_store_mark_sent (fixture->store, second->id, "late", &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (sd_store_outbox_next_due (fixture->store, &next, &error));
  g_assert_cmpint (next, ==, G_MAXINT64);
  due = sd_store_outbox_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_cmpuint (due->len, ==, 0);

  /* sent -> read, by the recipient's receipt; receipts for a failed message do nothing */
  receipt = sd_store_batch_new (fixture->store);
  g_assert_true (sd_store_batch_add_read_receipt (receipt, ID_B,
                                                  (const gint64[]) { 10000, 10001, 77 }, 3,
                                                  &error));
  changes = apply (fixture->store, receipt);
  g_assert_cmpuint (changes->changed_messages->len, ==, 1);
  read = sd_store_get_message (fixture->store, first->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read->status, ==, SD_MESSAGE_STATUS_READ);
  g_assert_true (sd_message_is_read (read));
  g_clear_pointer (&failed, sd_message_free);
  failed = sd_store_get_message (fixture->store, second->id, &error);
  g_assert_cmpint (failed->status, ==, SD_MESSAGE_STATUS_FAILED);

  /* nothing queued without an id, a body in UTF-8 or a T */
  g_assert_null (queue_text (fixture->store, "nobody", "x", 1, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (queue_text (fixture->store, ID_B, "\xc3", 1, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sd_store_mark_sent (fixture->store, "not-an-id", NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
}

/* sd_store_outbox_done: deliveries and sync copies that finished together, one transaction;
 * an item not waiting any more is refused alone */
/* the states of @message_id's attachments, in order, as one string ("available,uploading") */
static gchar *
attachment_states (SdStore *store, const gchar *message_id)
{
  g_autoptr(SdMessage) message = sd_store_get_message (store, message_id, NULL);
  g_autoptr(GString) states = g_string_new (NULL);

  g_assert_nonnull (message);
  for (guint i = 0; message->attachments != NULL && i < message->attachments->len; i++) {
    SdAttachmentInfo *info = g_ptr_array_index (message->attachments, i);

    g_string_append_printf (states, "%s%s", i > 0 ? "," : "",
                            sd_attachment_state_to_string (info->state));
  }
  return g_string_free (g_steal_pointer (&states), FALSE);
}

/* ResendMessage: a failed message with one upload done and one failed goes back to sending,
 * held until the failed one is uploaded again; the done one keeps its pointer */
static void
test_outbox_resend (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = g_bytes_new_static ("0123456789abcdef0123456789abcdef0123456789abcdef"
                                                 "0123456789abcdef0123456789abcdef", 80);
  g_autoptr(GBytes) pointer = g_bytes_new_static ("pointer", 7);
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(SdMessage) failed = NULL;
  g_autoptr(SdMessage) resent = NULL;
  g_autoptr(SdMessage) other = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autofree gchar *states = NULL;
  SdOutgoingAttachment files[2] = {
    { "one.bin", "application/octet-stream", NULL, 10, 0, 0, FALSE, "file-one", secret },
    { "two.bin", "application/octet-stream", NULL, 20, 0, 0, FALSE, "file-two", secret },
  };
  SdOutgoingMessage out = { 0 };
  gboolean all_done = TRUE;

  out.conversation_id = ID_B;
  out.body = "two files";
  out.sent_at = 50000;
  out.attachments = files;
  out.n_attachments = G_N_ELEMENTS (files);
  message = sd_store_queue_outgoing_full (fixture->store, &out, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_attachment_uploaded (fixture->store, message->local_id, 0, pointer,
                                               &all_done, &error));
  g_assert_false (all_done);
  g_assert_true (sd_store_attachment_set_state (fixture->store, message->local_id, 1,
                                                SD_ATTACHMENT_STATE_FAILED, NULL, "413",
                                                &error));
  failed = sd_store_mark_failed (fixture->store, message->id, "an attachment could not be "
                                 "uploaded", &error);
  g_assert_no_error (error);

  /* only in its own conversation, only a failed one */
  g_assert_null (sd_store_resend_failed (fixture->store, ID_C, message->id, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  other = queue_text (fixture->store, ID_B, "still sending", 60000, &error);
  g_assert_no_error (error);
  g_assert_null (sd_store_resend_failed (fixture->store, ID_B, other->id, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);

  resent = sd_store_resend_failed (fixture->store, ID_B, message->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resent->status, ==, SD_MESSAGE_STATUS_SENDING);
  g_assert_null (resent->error);
  g_assert_cmpint (resent->sent_at, ==, message->sent_at);
  states = attachment_states (fixture->store, message->id);
  g_assert_cmpstr (states, ==, "available,uploading");
  /* held back: only "still sending" is due */
  due = sd_store_outbox_due (fixture->store, G_MAXINT64 - 1, 0, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpstr (((SdOutboxItem *) g_ptr_array_index (due, 0))->message->id, ==, other->id);
  g_clear_pointer (&due, g_ptr_array_unref);
  /* the second upload done again: the message is due, as a delivery */
  g_assert_true (sd_store_attachment_uploaded (fixture->store, message->local_id, 1, pointer,
                                               &all_done, &error));
  g_assert_true (all_done);
  due = sd_store_outbox_due (fixture->store, G_MAXINT64 - 1, 0, &error);
  g_assert_cmpuint (due->len, ==, 2);
  for (guint i = 0; i < due->len; i++)
    g_assert_false (((SdOutboxItem *) g_ptr_array_index (due, i))->is_sync);
  /* not failed any more */
  g_assert_null (sd_store_resend_failed (fixture->store, ID_B, message->id, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
}

static void
test_outbox_done (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) first = NULL;
  g_autoptr(SdMessage) second = NULL;
  g_autoptr(SdMessage) third = NULL;
  g_autoptr(SdMessage) sent = NULL;
  g_autoptr(SdMessage) synced = NULL;
  g_autoptr(GPtrArray) due = NULL;
  SdOutboxDone done[5] = { { 0 } };

  first = queue_text (fixture->store, ID_B, "first", 10000, &error);
  second = queue_text (fixture->store, ID_B, "second", 10001, &error);
  third = queue_text (fixture->store, ID_B, "third", 10002, &error);
  g_assert_no_error (error);
  sent = sd_store_mark_sent (fixture->store, first->id, "hash-1", &error);
  g_assert_no_error (error);

  g_assert_true (sd_store_outbox_done (fixture->store, done, 0, &error));
  g_assert_no_error (error);

  done[0] = (SdOutboxDone) { .message_id = first->id, .is_sync = TRUE, .server_hash = "sync-1" };
  done[1] = (SdOutboxDone) { .message_id = second->id, .server_hash = "hash-2" };
  done[2] = (SdOutboxDone) { .message_id = third->id, .server_hash = "hash-3" };
  /* the second delivery again (its row is the sync copy by now), and no message at all */
  done[3] = (SdOutboxDone) { .message_id = second->id, .server_hash = "hash-x" };
  done[4] = (SdOutboxDone) { .message_id = "not-an-id", .server_hash = "hash-y" };
  g_assert_true (sd_store_outbox_done (fixture->store, done, G_N_ELEMENTS (done), &error));
  g_assert_no_error (error);
  g_assert_no_error (done[0].error);
  g_assert_null (done[0].message);
  g_assert_no_error (done[1].error);
  g_assert_cmpint (done[1].message->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_cmpstr (done[1].message->server_hash, ==, "hash-2");
  g_assert_no_error (done[2].error);
  g_assert_cmpstr (done[2].message->server_hash, ==, "hash-3");
  g_assert_error (done[3].error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_assert_null (done[3].message);
  g_assert_error (done[4].error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  for (guint i = 0; i < G_N_ELEMENTS (done); i++) {
    g_clear_pointer (&done[i].message, sd_message_free);
    g_clear_error (&done[i].error);
  }

  /* the first is done; the others wait as sync copies, and are marked so after a restart */
  reopen (fixture);
  synced = sd_store_get_message (fixture->store, first->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (synced->sync_hash, ==, "sync-1");
  due = sd_store_outbox_due (fixture->store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 2);
  for (guint i = 0; i < due->len; i++) {
    SdOutboxItem *item = g_ptr_array_index (due, i);

    g_assert_true (item->is_sync);
    g_assert_cmpint (item->message->status, ==, SD_MESSAGE_STATUS_SENT);
  }
  g_assert_cmpstr (((SdOutboxItem *) g_ptr_array_index (due, 0))->message->id, ==, second->id);

  /* a sync copy with no hash (given up) is done too */
  done[0] = (SdOutboxDone) { .message_id = second->id, .is_sync = TRUE };
  done[1] = (SdOutboxDone) { .message_id = third->id, .is_sync = TRUE, .server_hash = "s3" };
  g_assert_true (sd_store_outbox_done (fixture->store, done, 2, &error));
  g_assert_no_error (error);
  g_assert_no_error (done[0].error);
  g_assert_no_error (done[1].error);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = sd_store_outbox_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_cmpuint (due->len, ==, 0);
}

/* ---- queries ------------------------------------------------------------------------------- */

static void
test_mark_read (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GArray) read = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GArray) rest = NULL;
  g_autoptr(SdMessage) mine = NULL;

  /* inserted out of order on purpose */
  for (gint i = 5; i >= 1; i--) {
    g_autofree gchar *hash = g_strdup_printf ("b%d", i);
    SdIncomingMessage m = incoming (hash, ID_B, i * 1000, "unread");

    add_message (batch, &m);
  }
  {
    SdIncomingMessage m = incoming ("c1", ID_C, 1500, "from c");

    add_message (batch, &m);
  }
  changes = apply (fixture->store, batch);
  mine = queue_text (fixture->store, ID_B, "mine", 2500, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 5);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 1);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 6);

  g_assert_true (sd_store_mark_read (fixture->store, ID_B, 3000, &read, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, 3);
  g_assert_cmpint (g_array_index (read, gint64, 0), ==, 1000);
  g_assert_cmpint (g_array_index (read, gint64, 1), ==, 2000);
  g_assert_cmpint (g_array_index (read, gint64, 2), ==, 3000);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 2);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 3);

  /* nothing newly read: no receipts to send */
  g_assert_true (sd_store_mark_read (fixture->store, ID_B, 3000, &again, NULL, &error));
  g_assert_cmpuint (again->len, ==, 0);
  g_assert_true (sd_store_mark_read (fixture->store, ID_B, G_MAXINT64, &rest, NULL, &error));
  g_assert_cmpuint (rest->len, ==, 2);
  g_assert_cmpint (g_array_index (rest, gint64, 0), ==, 4000);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 0);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 1);

  /* our own message was not touched */
  g_clear_pointer (&mine, sd_message_free);
  mine = sd_store_get_message (fixture->store, ID_A "-2500", &error);
  g_assert_no_error (error);
  g_assert_cmpint (mine->status, ==, SD_MESSAGE_STATUS_SENDING);

  g_assert_false (sd_store_mark_read (fixture->store, "05", 1, NULL, NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sd_store_mark_read (fixture->store, ID_A, 1, NULL, NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
}

/* each conversation's counter is what its messages say, and the account's total leaves
 * blocked conversations out */
static void
assert_unread_exact (SdStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = sd_store_list_conversations (store, &error);
  guint total = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < conversations->len; i++) {
    SdConversation *conversation = g_ptr_array_index (conversations, i);
    g_autoptr(GPtrArray) messages = sd_store_get_messages (store, conversation->id, 0, 0, 0,
                                                           &error);
    guint n = 0;

    g_assert_no_error (error);
    for (guint j = 0; j < messages->len; j++) {
      SdMessage *message = g_ptr_array_index (messages, j);

      n += !message->outgoing && message->status != SD_MESSAGE_STATUS_READ;
    }
    g_assert_cmpuint (conversation->unread, ==, n);
    g_assert_cmpuint (unread (store, conversation->id), ==, n);
    if (!conversation->blocked)
      total += n;
  }
  g_assert_cmpuint (unread (store, NULL), ==, total);
  g_assert_true (sd_store_check_integrity (store, &error));
  g_assert_no_error (error);
}

/* the counters kept on conversation rows stay exact through every path that changes them */
static void
test_unread_counters (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreBatch) unsend = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreBatch) failing = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdStoreChanges) again = NULL;
  g_autoptr(SdStoreChanges) unsent = NULL;
  g_autoptr(SdStoreChanges) expiring = NULL;
  g_autoptr(GArray) read = NULL;
  g_autoptr(GPtrArray) expired = NULL;
  SdIncomingMessage b1 = incoming ("u-b1", ID_B, 1000, "one");
  SdIncomingMessage b2 = incoming ("u-b2", ID_B, 2000, "two");
  SdIncomingMessage b3 = incoming ("u-b3", ID_B, 3000, "three");
  SdIncomingMessage event = incoming ("u-b4", ID_B, 3500, "");
  SdIncomingMessage c1 = incoming ("u-c1", ID_C, 1500, "see one");
  SdIncomingMessage c2 = incoming ("u-c2", ID_C, 2500, "see two");
  SdIncomingMessage c3 = incoming ("u-c3", ID_C, 3000, "see three, briefly");
  SdIncomingMessage mine = incoming ("u-a1", ID_A, 4000, "my own, from another device");
  SdIncomingMessage b5 = incoming ("u-b5", ID_B, 5000, "never stored");

  /* incoming text counts; events, our own sync copies and duplicates do not */
  event.kind = SD_MESSAGE_KIND_SCREENSHOT;
  mine.sync_target = ID_B;
  add_message (batch, &b1);
  add_message (batch, &b2);
  add_message (batch, &b3);
  add_message (batch, &event);
  add_message (batch, &c1);
  add_message (batch, &c2);
  add_message (batch, &mine);
  changes = apply (fixture->store, batch);
  g_assert_cmpuint (changes->new_messages->len, ==, 7);
  again = apply (fixture->store, batch);
  g_assert_cmpuint (again->new_messages->len, ==, 0);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 3);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 2);
  assert_unread_exact (fixture->store);

  /* mark read */
  g_assert_true (sd_store_mark_read (fixture->store, ID_B, 1000, &read, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, 1);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 2);
  assert_unread_exact (fixture->store);

  /* delete: an unread message takes its count with it, a read one does not */
  g_assert_true (sd_store_delete_message (fixture->store, ID_B "-2000", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 1);
  g_assert_true (sd_store_delete_message (fixture->store, ID_B "-1000", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 1);
  assert_unread_exact (fixture->store);

  /* unsend */
  g_assert_true (sd_store_batch_add_unsend (unsend, ID_C, ID_C, 1500, &error));
  g_assert_no_error (error);
  unsent = apply (fixture->store, unsend);
  g_assert_cmpuint (unsent->removed_messages->len, ==, 1);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 1);
  assert_unread_exact (fixture->store);

  /* expire, unread */
  c3.expires_at = 5000;
  expiring = receive (fixture->store, &c3);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 2);
  expired = sd_store_remove_expired (fixture->store, 6000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expired->len, ==, 1);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 1);
  assert_unread_exact (fixture->store);

  /* block: the account's total leaves the conversation out, its own count stays */
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 2);
  g_assert_true (sd_store_set_blocked (fixture->store, ID_C, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 1);
  g_assert_cmpuint (unread (fixture->store, ID_C), ==, 1);
  assert_unread_exact (fixture->store);
  g_assert_true (sd_store_set_blocked (fixture->store, ID_C, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 2);

  /* a transaction that fails (as a crash would end it) changes no counter */
  sd_store_batch_add_seen (failing, "u-b5", 100000);
  add_message (failing, &b5);
  sd_store_batch_set_last_hash (failing, NODE, 0, "u-b5");
  raw_exec (fixture->path,
            "CREATE TRIGGER fail_last_hash BEFORE INSERT ON last_hash"
            " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;");
  g_assert_false (sd_store_apply_batch (fixture->store, failing, NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  raw_exec (fixture->path, "DROP TRIGGER fail_last_hash");
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 1);
  assert_unread_exact (fixture->store);

  /* the total reads only conversations with unread messages, by their index */
  {
    g_autofree gchar *plan = raw_plan (fixture->path,
                                       "SELECT coalesce(sum(unread), 0) FROM conversations"
                                       " WHERE unread > 0 AND blocked = 0");

    g_assert_nonnull (strstr (plan, "conversations_unread"));
  }

  /* deleting a conversation takes its count out of the total */
  g_assert_true (sd_store_delete_conversation (fixture->store, ID_B, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (unread (fixture->store, ID_B), ==, 0);
  g_assert_cmpuint (unread (fixture->store, NULL), ==, 1);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM unread_messages"
                                           " WHERE conversation = '" ID_B "'"), ==, 0);
  assert_unread_exact (fixture->store);
}

static void
test_paging (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  struct {
    gint64 before, after;
    guint limit;
    gint64 first, last;
    guint n;
  } cases[] = {
    { 0, 0, 0, 1000, 10000, 10 },
    { 0, 0, 3, 8000, 10000, 3 },    /* the newest three, oldest first */
    { 5000, 0, 2, 3000, 4000, 2 },  /* paging back */
    { 0, 2000, 2, 3000, 4000, 2 },  /* catching up */
    { 7000, 2000, 0, 3000, 6000, 4 },
    { 7000, 2000, 1, 6000, 6000, 1 },
    { 1000, 0, 0, 0, 0, 0 },
  };

  for (gint i = 1; i <= 10; i++) {
    g_autofree gchar *hash = g_strdup_printf ("p%d", i);
    SdIncomingMessage m = incoming (hash, ID_B, i * 1000, "page");

    add_message (batch, &m);
  }
  {
    SdIncomingMessage m = incoming ("c", ID_C, 50000, "newer elsewhere");

    add_message (batch, &m);
  }
  changes = apply (fixture->store, batch);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GPtrArray) messages = NULL;

    messages = sd_store_get_messages (fixture->store, ID_B, cases[i].before, cases[i].after,
                                      cases[i].limit, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (messages->len, ==, cases[i].n);
    if (cases[i].n == 0)
      continue;
    g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, 0))->sent_at, ==,
                     cases[i].first);
    g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, messages->len - 1))->sent_at,
                     ==, cases[i].last);
    for (guint j = 1; j < messages->len; j++)
      g_assert_cmpint (((SdMessage *) g_ptr_array_index (messages, j - 1))->sent_at, <,
                       ((SdMessage *) g_ptr_array_index (messages, j))->sent_at);
  }

  /* conversations: newest activity first */
  conversations = sd_store_list_conversations (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversations->len, ==, 2);
  g_assert_cmpstr (((SdConversation *) g_ptr_array_index (conversations, 0))->id, ==, ID_C);
  g_assert_cmpstr (((SdConversation *) g_ptr_array_index (conversations, 1))->id, ==, ID_B);
}

static void
test_delete (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) queued = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(SdMessage) gone = NULL;
  SdIncomingMessage m = incoming ("d1", ID_C, 1000, "delete me please");
  SdIncomingMessage k = incoming ("d2", ID_C, 2000, "keep me please");

  queued = queue_text (fixture->store, ID_B, "please hold", 1000, &error);
  g_assert_no_error (error);
  changes = receive (fixture->store, &m);
  g_clear_pointer (&changes, sd_store_changes_free);
  changes = receive (fixture->store, &k);

  g_assert_true (sd_store_delete_message (fixture->store, ID_C "-1000", &error));
  g_assert_no_error (error);
  gone = sd_store_get_message (fixture->store, ID_C "-1000", &error);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_false (sd_store_delete_message (fixture->store, ID_C "-1000", &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  found = sd_store_search (fixture->store, "please", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* the conversation takes its messages, their outbox rows and index entries with it */
  g_assert_true (sd_store_delete_conversation (fixture->store, ID_B, &error));
  g_assert_no_error (error);
  due = sd_store_outbox_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  found = sd_store_search (fixture->store, "please", 0, &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_false (sd_store_delete_conversation (fixture->store, ID_B, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
}

static void
test_search (Fixture *fixture, gconstpointer data)
{
  static const gchar *const bodies[] = {
    "Hello world",
    "the café is near the station",
    "she said \"hi\" and left",
    "x - y * z (maybe) OR not AND NEAR(a b)",
    "nothing to see",
  };
  /* none of these may produce an error or a crash */
  static const gchar *const hostile[] = {
    "\"", "\"\"", "\"hello", "hello\"", "'", "''", "NEAR(", "NEAR(a b", "NEAR", "*", "**",
    "hel*", "-", "-hello", "hello -world", "(", ")", "((", "())", "a AND", "OR", "NOT hello",
    "body:hello", "{body}: hello", "^hello", "hello^", "+", ":", "\\", "\\\"", "%", "_",
    "; DROP TABLE messages; --", "' OR 1=1 --", "\t\n", "\xe2\x80\x8b", "caf\xc3\xa9",
    "\x01\x02", "NEAR(\"a\" \"b\", 5)",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autofree gchar *long_query = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++) {
    g_autofree gchar *hash = g_strdup_printf ("s%" G_GSIZE_FORMAT, i);
    SdIncomingMessage m = incoming (hash, i % 2 ? ID_B : ID_C, 1000 * ((gint64) i + 1),
                                    bodies[i]);

    add_message (batch, &m);
  }
  changes = apply (fixture->store, batch);

#define EXPECT_HITS(query, n) G_STMT_START { \
    g_autoptr(GError) e = NULL; \
    g_autoptr(GPtrArray) hits = sd_store_search (fixture->store, query, 0, &e); \
    g_assert_no_error (e); \
    g_assert_cmpuint (hits->len, ==, n); \
  } G_STMT_END

  EXPECT_HITS ("hello", 1);
  EXPECT_HITS ("HEL", 1);           /* prefix, case-insensitive */
  EXPECT_HITS ("cafe", 1);          /* diacritics folded */
  EXPECT_HITS ("the station", 1);
  EXPECT_HITS ("the nothing", 0);   /* every word must match */
  EXPECT_HITS ("near", 2);          /* a word, not an operator */
  EXPECT_HITS ("NEAR(", 2);
  EXPECT_HITS ("\"hi\"", 1);
  EXPECT_HITS ("hello -", 1);       /* punctuation-only words are left out */
  EXPECT_HITS ("maybe)", 1);
  EXPECT_HITS ("", 0);
  EXPECT_HITS ("   ", 0);
  EXPECT_HITS ("-", 0);

  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++) {
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) hits = sd_store_search (fixture->store, hostile[i], 3, &e);

    g_assert_no_error (e);
    g_assert_nonnull (hits);
    g_assert_cmpuint (hits->len, <=, 3);
  }

  /* newest first, limited */
  {
    g_autoptr(GPtrArray) hits = sd_store_search (fixture->store, "the", 1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (((SdMessage *) g_ptr_array_index (hits, 0))->body, ==,
                     "the café is near the station");
  }

  /* not UTF-8, or absurdly long: a clear error */
  {
    g_autoptr(GPtrArray) hits = sd_store_search (fixture->store, "caf\xe9", 0, &error);

    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
    g_assert_null (hits);
    g_clear_error (&error);
  }
  long_query = g_strnfill (5000, 'a');
  {
    g_autoptr(GPtrArray) hits = sd_store_search (fixture->store, long_query, 0, &error);

    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
    g_assert_null (hits);
    g_clear_error (&error);
  }

  /* random bytes made valid: never an error */
  for (guint round = 0; round < 200; round++) {
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) hits = NULL;
    gchar raw[24];
    g_autofree gchar *valid = NULL;

    for (gsize i = 0; i < sizeof raw - 1; i++)
      raw[i] = (gchar) g_test_rand_int_range (1, 128);
    raw[sizeof raw - 1] = '\0';
    valid = g_utf8_make_valid (raw, -1);
    hits = sd_store_search (fixture->store, valid, 0, &e);
    g_assert_no_error (e);
  }
#undef EXPECT_HITS
}

static void
test_seen_prune (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreChanges) changes = NULL;
  static const gchar *const hashes[] = { "s100", "s200", "s300" };
  g_autofree gchar *plan = NULL;
  guint pruned = 0;

  sd_store_batch_add_seen (batch, "s100", 100);
  sd_store_batch_add_seen (batch, "s200", 200);
  sd_store_batch_add_seen (batch, "s300", 300);
  /* seen again with a later expiry: the later one wins */
  sd_store_batch_add_seen (batch, "s100", 50);
  changes = apply (fixture->store, batch);

  g_assert_true (sd_store_prune_seen (fixture->store, 200, &pruned, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pruned, ==, 2);
  for (gsize i = 0; i < G_N_ELEMENTS (hashes); i++) {
    gboolean seen = FALSE;

    g_assert_true (sd_store_is_seen (fixture->store, hashes[i], &seen, &error));
    g_assert_cmpint (seen, ==, i == 2);
  }
  g_assert_true (sd_store_prune_seen (fixture->store, 200, &pruned, &error));
  g_assert_cmpuint (pruned, ==, 0);

  /* schema 15: a stored message's hash is seen by a row of its own, until a swarm can no
   * longer serve it (pruned after its expiry: here the 30 days of a message received without
   * a seen entry); a copy served later is still a duplicate by (author, T) */
  {
    SdIncomingMessage m = incoming ("s400", ID_B, 1000, "kept");
    g_autoptr(SdStoreChanges) received = receive (fixture->store, &m);
    g_autoptr(SdStoreChanges) again = NULL;
    gboolean seen = FALSE;

    g_assert_cmpuint (received->new_messages->len, ==, 1);
    g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM seen_hashes"
                                             " WHERE hash = 's400'"), ==, 1);
    g_assert_true (sd_store_prune_seen (fixture->store, g_get_real_time () / 1000, &pruned,
                                        &error));
    g_assert_true (sd_store_is_seen (fixture->store, "s400", &seen, &error));
    g_assert_true (seen);
    g_assert_true (sd_store_prune_seen (fixture->store, G_MAXINT64, &pruned, &error));
    g_assert_true (sd_store_is_seen (fixture->store, "s400", &seen, &error));
    g_assert_false (seen);
    again = receive (fixture->store, &m);
    g_assert_cmpuint (again->new_messages->len, ==, 0);
    g_assert_cmpuint (again->n_duplicates, ==, 1);
    g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 1);
  }

  /* pruning reads only the expired entries, by the expiry index, not every hash */
  plan = raw_plan (fixture->path, "DELETE FROM seen_hashes WHERE expires_at <= 1");
  g_assert_nonnull (strstr (plan, "seen_hashes_expiry"));
}

static void
test_network_caches (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_store_snode_free);
  g_autoptr(GPtrArray) loaded = NULL;
  SdStoreSnode *node;

  for (guint i = 0; i < 3; i++) {
    node = g_new0 (SdStoreSnode, 1);
    node->ed25519 = g_strdup_printf ("%064x", i + 1);
    node->x25519 = g_strdup_printf ("%064x", i + 100);
    node->ip = g_strdup_printf ("10.0.0.%u", i + 1);
    node->port = (guint16) (20000 + i);
    node->swarm_id = G_MAXUINT64 - i;
    node->strikes = i;
    g_ptr_array_add (nodes, node);
  }
  g_assert_true (sd_store_save_snodes (fixture->store, nodes, &error));
  g_assert_no_error (error);

  reopen (fixture);
  loaded = sd_store_load_snodes (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 3);
  node = g_ptr_array_index (loaded, 2);
  g_assert_cmpstr (node->ip, ==, "10.0.0.3");
  g_assert_cmpuint (node->port, ==, 20002);
  g_assert_cmpuint (node->swarm_id, ==, G_MAXUINT64 - 2);
  g_assert_cmpuint (node->strikes, ==, 2);

  /* replacing the pool drops what is not in it */
  g_ptr_array_remove_index (nodes, 0);
  g_assert_true (sd_store_save_snodes (fixture->store, nodes, &error));
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = sd_store_load_snodes (fixture->store, &error);
  g_assert_cmpuint (loaded->len, ==, 2);
}

/* newest first by arrival, without sorting every match; a deleted message leaves the index */
static void
test_search_order (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreChanges) c1 = NULL;
  g_autoptr(SdStoreChanges) c2 = NULL;
  g_autoptr(SdStoreChanges) c3 = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree gchar *plan = NULL;
  SdIncomingMessage newer = incoming ("o1", ID_B, 5000, "lighthouse at noon");
  SdIncomingMessage newest = incoming ("o2", ID_C, 6000, "the lighthouse again");
  SdIncomingMessage late = incoming ("o3", ID_B, 1000, "an old lighthouse, retrieved late");

  c1 = receive (fixture->store, &newer);
  c2 = receive (fixture->store, &newest);
  c3 = receive (fixture->store, &late);
  hits = sd_store_search (fixture->store, "lighthouse", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 3);
  /* the late one arrived last, so it comes first */
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (hits, 0))->sent_at, ==, 1000);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (hits, 1))->sent_at, ==, 6000);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (hits, 2))->sent_at, ==, 5000);

  /* the index gives the order: no temporary B-tree sorts the matches */
  plan = raw_plan (fixture->path,
                   "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"light\"*'"
                   " ORDER BY rowid DESC LIMIT 2");
  g_assert_null (strstr (plan, "TEMP B-TREE"));

  g_assert_true (sd_store_delete_message (fixture->store, ID_C "-6000", &error));
  g_assert_no_error (error);
  after = sd_store_search (fixture->store, "lighthouse", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (after, 0))->sent_at, ==, 1000);
  g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM messages_fts"
                                           " WHERE messages_fts MATCH 'lighthouse'"), ==, 2);
}

static void
test_values (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) copy = NULL;
  g_autofree gchar *author = NULL;
  SdIncomingMessage m = incoming ("v1", ID_B, 1700000000123, "variant body");
  gint64 sent_at = 0;
  SdMessage *message;
  SdConversation *conversation;

  m.expires_at = 1800000000000;
  changes = receive (fixture->store, &m);
  message = g_ptr_array_index (changes->new_messages, 0);
  g_assert_cmpstr (message->id, ==, ID_B "-1700000000123");
  g_assert_cmpstr (message->conversation, ==, ID_B);
  g_assert_cmpstr (message->author, ==, ID_B);
  g_assert_false (message->outgoing);
  g_assert_cmpstr (message->body, ==, "variant body");
  g_assert_cmpint (message->sent_at, ==, 1700000000123);
  g_assert_cmpint (message->received_at, ==, 1700000000128);
  g_assert_cmpstr (sd_message_status_to_string (message->status), ==, "sent");
  g_assert_null (message->error);
  g_assert_cmpint (message->expires_at, ==, 1800000000000);
  g_assert_cmpstr (sd_message_kind_to_string (message->kind), ==, "text");
  /* built from the batch, not read back: it must be what a later read gives */
  assert_as_stored (fixture->store, message);

  conversation = g_ptr_array_index (changes->created_conversations, 0);
  g_assert_cmpstr (sd_conversation_kind_to_string (conversation->kind), ==, "direct");
  g_assert_cmpstr (conversation->last_message_preview, ==, "variant body");

  copy = sd_message_copy (message);
  g_assert_cmpstr (copy->body, ==, message->body);
  g_assert_true (G_TYPE_IS_BOXED (sd_message_get_type ()));
  g_assert_true (G_TYPE_IS_BOXED (sd_conversation_get_type ()));

  g_assert_true (sd_message_id_parse (message->id, &author, &sent_at, &error));
  g_assert_cmpstr (author, ==, ID_B);
  g_assert_cmpint (sent_at, ==, 1700000000123);
  for (gsize i = 0; i < 5; i++) {
    static const gchar *const bad[] = {
      "", ID_B, ID_B "-", ID_B "-x1", ID_B "--1",
    };

    g_assert_false (sd_message_id_parse (bad[i], NULL, NULL, &error));
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
}

/* ---- crash safety -------------------------------------------------------------------------- */

#define CRASH_BATCH 25
/* each round writes its own range of T values and hashes */
#define CRASH_ROUND_SPAN 1000000

static void
crash_child (const gchar *path, guint round, int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStore) store = sd_store_open (path, &error);

  if (store == NULL)
    _exit (2);
  for (guint i = 0;; i++) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (store);
    g_autofree gchar *last = g_strdup_printf ("%u", i);

    for (guint j = 0; j < CRASH_BATCH; j++) {
      g_autofree gchar *hash = g_strdup_printf ("c-%u-%u-%u", round, i, j);
      gint64 t = (gint64) round * CRASH_ROUND_SPAN + 1 + (gint64) i * CRASH_BATCH + j;
      SdIncomingMessage m = incoming (hash, ID_B, t, "crash test message");

      sd_store_batch_add_seen (batch, hash, G_MAXINT64);
      if (!sd_store_batch_add_message (batch, &m, NULL))
        _exit (3);
    }
    sd_store_batch_set_last_hash (batch, NODE, 0, last);
    if (!sd_store_apply_batch (store, batch, NULL, NULL))
      _exit (4);
    if (write (fd, "x", 1) != 1)
      _exit (5);
  }
}

static void
test_crash (Fixture *fixture, gconstpointer data)
{
  guint rounds = g_test_slow () ? 10 : 3;
  guint total = 0;

  g_clear_object (&fixture->store);
  for (guint round = 0; round < rounds; round++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) in_round = NULL;
    g_autofree gchar *last = NULL;
    guint wait_for = (guint) g_test_rand_int_range (1, 20);
    guint committed = 0;
    guint64 last_batch = 0;
    int fds[2];
    int status = 0;
    pid_t pid;

    g_assert_no_errno (pipe (fds));
    pid = fork ();
    g_assert_cmpint (pid, >=, 0);
    if (pid == 0) {
      close (fds[0]);
      crash_child (fixture->path, round, fds[1]);
      _exit (0);
    }
    close (fds[1]);

    /* let it commit a few batches, then kill it at some moment inside another */
    while (committed < wait_for) {
      gchar byte;
      ssize_t n = read (fds[0], &byte, 1);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, ==, 1);
      committed++;
    }
    g_usleep ((gulong) g_test_rand_int_range (0, 20000));
    g_assert_no_errno (kill (pid, SIGKILL));
    g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
    g_assert_true (WIFSIGNALED (status));
    close (fds[0]);

    /* reopen: intact, and every batch fully there or fully absent: last_hash names the
     * last committed batch, and exactly the batches up to it are stored */
    reopen (fixture);
    g_assert_true (sd_store_check_integrity (fixture->store, &error));
    g_assert_no_error (error);
    last = sd_store_get_last_hash (fixture->store, NODE, 0, &error);
    g_assert_no_error (error);
    g_assert_nonnull (last);
    g_assert_true (g_ascii_string_to_unsigned (last, 10, 0, G_MAXUINT, &last_batch, NULL));
    g_assert_cmpuint (last_batch + 1, >=, committed);
    in_round = sd_store_get_messages (fixture->store, ID_B,
                                      (gint64) (round + 1) * CRASH_ROUND_SPAN,
                                      (gint64) round * CRASH_ROUND_SPAN, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (in_round->len, ==, (last_batch + 1) * CRASH_BATCH);
    total += in_round->len;
    g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, total);
    /* every stored message's hash seen, in the same transaction (schema 15) */
    g_assert_cmpint (raw_int (fixture->path,
                              "SELECT count(*) FROM messages m WHERE server_hash IS NOT NULL"
                              " AND EXISTS (SELECT 1 FROM seen_hashes s"
                              "  WHERE s.hash = m.server_hash)"),
                     ==, total);
    g_assert_cmpint (raw_int (fixture->path, "SELECT count(*) FROM seen_hashes"), ==, total);
    g_clear_object (&fixture->store);
  }
  reopen (fixture);
}

/* ---- 1:1 parity: reactions, unsend, removal, expiry, quotes, jobs -------------------------- */

static SdStoreChanges *
receive_reaction (SdStore *store, const gchar *reactor, const gchar *author, gint64 target,
                  const gchar *emoji, gboolean remove, gint64 at)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (store);
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_store_batch_add_reaction (batch, reactor, author, target, emoji, remove, at,
                                              &error));
  g_assert_no_error (error);
  return apply (store, batch);
}

static void
assert_reactions (SdMessage *message, const gchar *emoji, guint count, gboolean mine)
{
  const SdReaction *r;

  if (emoji == NULL) {
    g_assert_true (message->reactions == NULL || message->reactions->len == 0);
    return;
  }
  g_assert_nonnull (message->reactions);
  g_assert_cmpuint (message->reactions->len, ==, 1);
  r = &g_array_index (message->reactions, SdReaction, 0);
  g_assert_cmpstr (r->emoji, ==, emoji);
  g_assert_cmpuint (r->count, ==, count);
  g_assert_cmpint (r->mine, ==, mine);
}

static guint
count_jobs (SdStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = sd_store_jobs_due (store, G_MAXINT64, 0, &error);

  g_assert_no_error (error);
  return jobs->len;
}

static void
test_reactions (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdIncomingMessage m = incoming ("r1", ID_B, 1000, "react to me");
  g_autoptr(SdStoreChanges) first = receive (fixture->store, &m);
  g_autoptr(SdStoreChanges) theirs = NULL;
  g_autoptr(SdStoreChanges) stranger = NULL;
  g_autoptr(SdStoreChanges) stale = NULL;
  g_autoptr(SdStoreChanges) removed = NULL;
  g_autoptr(SdStoreChanges) unknown = NULL;
  g_autoptr(SdMessage) mine = NULL;
  g_autoptr(SdMessage) loaded = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_static ("content", 7);
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree gchar *id = sd_message_id_make (ID_B, 1000);
  SdJobSpec job = { SD_JOB_STORE, ID_B, payload, 1200, 5000 };
  SdJob *queued;
  gint64 job_id;

  theirs = receive_reaction (fixture->store, ID_B, ID_B, 1000, "👍", FALSE, 1100);
  g_assert_cmpuint (theirs->changed_messages->len, ==, 1);
  assert_reactions (g_ptr_array_index (theirs->changed_messages, 0), "👍", 1, FALSE);

  /* ours, with its network job in the same transaction */
  mine = sd_store_set_own_reaction (fixture->store, id, "👍", TRUE, 1200, &job, 1, &error);
  g_assert_no_error (error);
  assert_reactions (mine, "👍", 2, TRUE);
  jobs = sd_store_jobs_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  queued = g_ptr_array_index (jobs, 0);
  g_assert_cmpint (queued->kind, ==, SD_JOB_STORE);
  g_assert_cmpstr (queued->target, ==, ID_B);
  g_assert_true (g_bytes_equal (queued->payload, payload));
  g_assert_cmpint (queued->sent_at, ==, 1200);
  g_assert_cmpint (queued->value, ==, 5000);
  /* reacting twice is no change and queues nothing */
  g_clear_pointer (&mine, sd_message_free);
  mine = sd_store_set_own_reaction (fixture->store, id, "👍", TRUE, 1300, &job, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_jobs (fixture->store), ==, 1);
  job_id = queued->id;
  g_assert_true (sd_store_job_reschedule (fixture->store, job_id, 99999, &error));
  g_assert_cmpuint (count_jobs (fixture->store), ==, 1);
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = sd_store_jobs_due (fixture->store, 5000, 0, &error);
  g_assert_cmpuint (jobs->len, ==, 0);
  g_assert_true (sd_store_job_done (fixture->store, job_id, &error));
  g_assert_cmpuint (count_jobs (fixture->store), ==, 0);

  /* someone outside the conversation cannot react; an older removal does not undo */
  stranger = receive_reaction (fixture->store, ID_C, ID_B, 1000, "👎", FALSE, 1400);
  g_assert_cmpuint (stranger->changed_messages->len, ==, 0);
  stale = receive_reaction (fixture->store, ID_B, ID_B, 1000, "👍", TRUE, 1050);
  g_assert_cmpuint (stale->changed_messages->len, ==, 0);
  removed = receive_reaction (fixture->store, ID_B, ID_B, 1000, "👍", TRUE, 1500);
  g_assert_cmpuint (removed->changed_messages->len, ==, 1);
  assert_reactions (g_ptr_array_index (removed->changed_messages, 0), "👍", 1, TRUE);
  unknown = receive_reaction (fixture->store, ID_B, ID_B, 777, "👍", FALSE, 1600);
  g_assert_cmpuint (unknown->changed_messages->len, ==, 0);

  loaded = sd_store_get_message (fixture->store, id, &error);
  g_assert_no_error (error);
  assert_reactions (loaded, "👍", 1, TRUE);
  g_assert_nonnull (loaded->reactions);
  g_assert_cmpuint (loaded->reactions->len, ==, 1);

  /* taking back what we never gave is NOT_FOUND; after taking it back there is none */
  g_clear_pointer (&mine, sd_message_free);
  mine = sd_store_set_own_reaction (fixture->store, id, "❤️", FALSE, 1700, NULL, 0, &error);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_assert_null (mine);
  g_clear_error (&error);
  mine = sd_store_set_own_reaction (fixture->store, id, "👍", FALSE, 1700, NULL, 0, &error);
  g_assert_no_error (error);
  assert_reactions (mine, NULL, 0, FALSE);
  g_assert_true (mine->reactions == NULL || mine->reactions->len == 0);
  g_clear_pointer (&mine, sd_message_free);
  mine = sd_store_set_own_reaction (fixture->store, ID_B "-5", "👍", TRUE, 1, NULL, 0, &error);
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* bad input from the network is refused before it reaches the batch */
  {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);

    g_assert_false (sd_store_batch_add_reaction (batch, ID_B, ID_B, 1000, "", FALSE, 1, &error));
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (sd_store_batch_add_reaction (batch, ID_B, ID_B, 1000, "\xff", FALSE, 1,
                                                 &error));
    g_clear_error (&error);
    g_assert_false (sd_store_batch_add_reaction (batch, ID_B, "05", 1000, "x", FALSE, 1, &error));
    g_clear_error (&error);
    g_assert_cmpuint (sd_store_batch_get_size (batch), ==, 0);
  }
  g_assert_nonnull (first);
}

/* a page of messages gets each message's own reactions, in the order first used */
static void
test_page_reactions (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdIncomingMessage plain = incoming ("p1", ID_B, 1000, "nobody reacts");
  SdIncomingMessage liked = incoming ("p2", ID_B, 2000, "two emoji");
  SdIncomingMessage loved = incoming ("p3", ID_B, 3000, "one emoji");
  g_autoptr(SdStoreChanges) c1 = receive (fixture->store, &plain);
  g_autoptr(SdStoreChanges) c2 = receive (fixture->store, &liked);
  g_autoptr(SdStoreChanges) c3 = receive (fixture->store, &loved);
  g_autoptr(SdStoreChanges) r1 = receive_reaction (fixture->store, ID_B, ID_B, 2000, "👍", FALSE,
                                                   2100);
  g_autoptr(SdStoreChanges) r2 = receive_reaction (fixture->store, ID_B, ID_B, 2000, "😂", FALSE,
                                                   2200);
  g_autoptr(SdStoreChanges) r3 = receive_reaction (fixture->store, ID_B, ID_B, 3000, "❤️", FALSE,
                                                   3100);
  g_autoptr(SdMessage) mine = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autofree gchar *liked_id = sd_message_id_make (ID_B, 2000);
  SdMessage *message;
  const SdReaction *r;

  mine = sd_store_set_own_reaction (fixture->store, liked_id, "👍", TRUE, 2300, NULL, 0, &error);
  g_assert_no_error (error);
  page = sd_store_get_messages (fixture->store, ID_B, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 3);

  assert_reactions (g_ptr_array_index (page, 0), NULL, 0, FALSE);
  message = g_ptr_array_index (page, 1);
  g_assert_cmpuint (message->reactions->len, ==, 2);
  r = &g_array_index (message->reactions, SdReaction, 0);
  g_assert_cmpstr (r->emoji, ==, "👍");
  g_assert_cmpuint (r->count, ==, 2);
  g_assert_true (r->mine);
  r = &g_array_index (message->reactions, SdReaction, 1);
  g_assert_cmpstr (r->emoji, ==, "😂");
  g_assert_cmpuint (r->count, ==, 1);
  g_assert_false (r->mine);
  assert_reactions (g_ptr_array_index (page, 2), "❤️", 1, FALSE);
  g_assert_nonnull (c1);
  g_assert_nonnull (c2);
  g_assert_nonnull (c3);
  g_assert_nonnull (r1);
  g_assert_nonnull (r2);
  g_assert_nonnull (r3);
}

static void
test_unsend (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdIncomingMessage m = incoming ("u1", ID_B, 2000, "regret");
  SdIncomingMessage again = incoming ("u2", ID_B, 2000, "regret");
  SdIncomingMessage late = incoming ("u3", ID_B, 3000, "arrives after its unsend");
  g_autoptr(SdStoreChanges) first = receive (fixture->store, &m);
  g_autoptr(SdStoreChanges) unsent = NULL;
  g_autoptr(SdStoreChanges) replayed = NULL;
  g_autoptr(SdStoreChanges) early = NULL;
  g_autoptr(SdStoreChanges) after = NULL;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdStoreBatch) early_batch = sd_store_batch_new (fixture->store);
  g_autoptr(SdMessage) queued = NULL;
  g_autoptr(SdMessage) sent = NULL;
  g_autoptr(SdMessage) gone = NULL;
  g_autoptr(GBytes) hashes = g_bytes_new_static ("sync1", 5);
  SdJobSpec job = { SD_JOB_DELETE, ID_A, hashes, 0, 0 };
  gboolean removed = FALSE;
  gboolean seen = TRUE;

  /* only the author can unsend */
  g_assert_false (sd_store_batch_add_unsend (batch, ID_C, ID_B, 2000, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (sd_store_batch_add_unsend (batch, ID_B, ID_B, 2000, &error));
  unsent = apply (fixture->store, batch);
  g_assert_cmpuint (unsent->removed_messages->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (unsent->removed_messages, 0))->body, ==,
                   "regret");
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 0);
  /* another copy never brings it back */
  replayed = receive (fixture->store, &again);
  g_assert_cmpuint (replayed->new_messages->len, ==, 0);
  g_assert_cmpuint (count_messages (fixture->store, ID_B), ==, 0);
  /* nor does a message whose unsend came first */
  g_assert_true (sd_store_batch_add_unsend (early_batch, ID_B, ID_B, 3000, &error));
  early = apply (fixture->store, early_batch);
  g_assert_cmpuint (early->removed_messages->len, ==, 0);
  after = receive (fixture->store, &late);
  g_assert_cmpuint (after->new_messages->len, ==, 0);

  /* our own message: the sync copy's hash is kept for deleting it, the deletion is queued
   * with the removal */
  queued = queue_text (fixture->store, ID_B, "mine", 4000, &error);
  g_assert_no_error (error);
  sent = sd_store_mark_sent (fixture->store, queued->id, "h-peer", &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_is_seen (fixture->store, "sync1", &seen, &error));
  g_assert_false (seen);
  g_assert_true (sd_store_mark_synced (fixture->store, queued->id, "sync1", &error));
  g_assert_no_error (error);
  /* our own poll skips that copy before opening it */
  g_assert_true (sd_store_is_seen (fixture->store, "sync1", &seen, &error));
  g_assert_true (seen);
  gone = sd_store_remove_message (fixture->store, queued->id, &job, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gone->sync_hash, ==, "sync1");
  g_assert_cmpstr (gone->server_hash, ==, "h-peer");
  g_assert_cmpuint (count_jobs (fixture->store), ==, 1);
  g_assert_true (sd_store_is_removed (fixture->store, queued->id, &removed, &error));
  g_assert_true (removed);
  g_assert_false (sd_store_delete_message (fixture->store, queued->id, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (first);
}

static void
test_expiry (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdIncomingMessage send_mode = incoming ("e1", ID_B, 1000, "after send");
  SdIncomingMessage read_mode = incoming ("e2", ID_B, 2000, "after read");
  SdIncomingMessage update = incoming ("e3", ID_B, 3000, "");
  SdIncomingMessage stale_update = incoming ("e4", ID_B, 2500, "");
  g_autoptr(SdStoreChanges) c1 = NULL;
  g_autoptr(SdStoreChanges) c2 = NULL;
  g_autoptr(SdStoreChanges) c3 = NULL;
  g_autoptr(SdStoreChanges) c4 = NULL;
  g_autoptr(GArray) read = NULL;
  g_autoptr(GPtrArray) expiring = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(SdMessage) outgoing = NULL;
  SdOutgoingMessage out = { ID_B, SD_MESSAGE_KIND_TEXT, "mine", 10000, NULL, 0,
                            SD_EXPIRATION_AFTER_SEND, 60, NULL, 0 };
  SdMessage *started;
  gint64 before = g_get_real_time () / 1000;
  gint64 next = 0;

  send_mode.expiration_mode = SD_EXPIRATION_AFTER_SEND;
  send_mode.expiration_timer = 4;
  send_mode.expires_at = 5000;
  read_mode.expiration_mode = SD_EXPIRATION_AFTER_READ;
  read_mode.expiration_timer = 10;
  c1 = receive (fixture->store, &send_mode);
  c2 = receive (fixture->store, &read_mode);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (c2->new_messages, 0))->expires_at, ==, 0);

  /* the peer's setting change is an event, never unread, and sets the conversation */
  update.kind = SD_MESSAGE_KIND_EXPIRATION_UPDATE;
  update.expiration_mode = SD_EXPIRATION_AFTER_READ;
  update.expiration_timer = 300;
  c3 = receive (fixture->store, &update);
  g_assert_cmpint (((SdMessage *) g_ptr_array_index (c3->new_messages, 0))->status, ==,
                   SD_MESSAGE_STATUS_READ);
  stale_update.kind = SD_MESSAGE_KIND_EXPIRATION_UPDATE;
  stale_update.expiration_mode = SD_EXPIRATION_AFTER_SEND;
  stale_update.expiration_timer = 86400;
  c4 = receive (fixture->store, &stale_update);
  conversation = sd_store_get_conversation (fixture->store, ID_B, &error);
  g_assert_cmpstr (conversation->expiration_mode, ==, "after-read");
  g_assert_cmpint (conversation->expiration_timer, ==, 300);
  g_assert_cmpuint (conversation->unread, ==, 2);

  /* reading starts the after-read clock, and only that one's */
  g_assert_true (sd_store_mark_read (fixture->store, ID_B, 2000, &read, &expiring, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (expiring->len, ==, 1);
  started = g_ptr_array_index (expiring, 0);
  g_assert_cmpstr (started->body, ==, "after read");
  g_assert_cmpint (started->expires_at, >=, before + 10000);
  g_assert_cmpstr (started->server_hash, ==, "e2");

  g_assert_true (sd_store_next_expiry (fixture->store, &next, &error));
  g_assert_cmpint (next, ==, 5000);
  first = sd_store_remove_expired (fixture->store, 6000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (first, 0))->body, ==, "after send");
  g_assert_true (sd_store_next_expiry (fixture->store, &next, &error));
  g_assert_cmpint (next, ==, started->expires_at);
  rest = sd_store_remove_expired (fixture->store, started->expires_at, &error);
  g_assert_cmpuint (rest->len, ==, 1);
  g_assert_true (sd_store_next_expiry (fixture->store, &next, &error));
  g_assert_cmpint (next, ==, G_MAXINT64);
  /* what expired does not come back from the swarm */
  g_clear_pointer (&c2, sd_store_changes_free);
  read_mode.server_hash = "e2-again";
  c2 = receive (fixture->store, &read_mode);
  g_assert_cmpuint (c2->new_messages->len, ==, 0);

  /* ours count from T in both modes */
  outgoing = sd_store_queue_outgoing_full (fixture->store, &out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (outgoing->expires_at, ==, outgoing->sent_at + 60000);
  g_assert_cmpint (outgoing->expiration_mode, ==, SD_EXPIRATION_AFTER_SEND);
  g_assert_cmpuint (outgoing->expiration_timer, ==, 60);
  g_assert_nonnull (c4);
}

static void
test_quotes (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdIncomingMessage original = incoming ("q1", ID_B, 1000, "original");
  SdIncomingMessage dangling = incoming ("q2", ID_B, 2000, "quotes something we never saw");
  g_autoptr(SdStoreChanges) c1 = receive (fixture->store, &original);
  g_autoptr(SdStoreChanges) c2 = NULL;
  g_autoptr(SdStoreChanges) c3 = NULL;
  g_autoptr(SdMessage) reply = NULL;
  g_autofree gchar *quote_id = NULL;
  SdIncomingMessage answer = incoming ("q3", ID_B, 4000, "answers the original");
  SdOutgoingMessage out = { ID_B, SD_MESSAGE_KIND_TEXT, "reply", 3000, ID_B, 1000,
                            SD_EXPIRATION_OFF, 0, NULL, 0 };
  SdMessage *received;

  reply = sd_store_queue_outgoing_full (fixture->store, &out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->quote_author, ==, ID_B);
  g_assert_cmpint (reply->quote_sent_at, ==, 1000);
  g_assert_cmpstr (reply->quote_body, ==, "original");
  quote_id = sd_message_id_make (reply->quote_author, reply->quote_sent_at);
  g_assert_cmpstr (quote_id, ==, ID_B "-1000");
  g_assert_cmpstr (sd_message_kind_to_string (reply->kind), ==, "text");

  dangling.quote_author = ID_A;
  dangling.quote_sent_at = 1;
  c2 = receive (fixture->store, &dangling);
  received = g_ptr_array_index (c2->new_messages, 0);
  g_assert_null (received->quote_body);
  g_assert_cmpstr (received->quote_author, ==, ID_A);
  g_assert_cmpint (received->quote_sent_at, ==, 1);
  assert_as_stored (fixture->store, received);

  /* a received quote of a stored message carries its body */
  answer.quote_author = ID_B;
  answer.quote_sent_at = 1000;
  c3 = receive (fixture->store, &answer);
  received = g_ptr_array_index (c3->new_messages, 0);
  g_assert_cmpstr (received->quote_body, ==, "original");
  assert_as_stored (fixture->store, received);

  /* a quote needs both its author and its time */
  {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (fixture->store);

    dangling.quote_author = "05zz";
    g_assert_false (sd_store_batch_add_message (batch, &dangling, &error));
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
    g_clear_error (&error);
    dangling.quote_author = ID_A;
    dangling.quote_sent_at = 0;
    g_assert_false (sd_store_batch_add_message (batch, &dangling, &error));
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  }
  g_assert_nonnull (c1);
}

/* ---- data at rest -------------------------------------------------------------------------- */

/* whether any of the store's files (database, -wal, -shm) holds @word's bytes */
static gboolean
store_files_contain (const gchar *path, const gchar *word)
{
  static const gchar *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree gchar *file = g_strconcat (path, suffixes[i], NULL);
    g_autofree gchar *bytes = NULL;
    gsize length = 0;

    if (!g_file_get_contents (file, &bytes, &length, NULL))
      continue;
    for (gsize at = 0; at + strlen (word) <= length; at++)
      if (memcmp (bytes + at, word, strlen (word)) == 0)
        return TRUE;
  }
  return FALSE;
}

/* fillers in batches of their own, so the index has several segments around the word */
static void
receive_fillers (SdStore *store, const gchar *author, gint64 first_sent_at, guint n)
{
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *hash = g_strdup_printf ("filler-%s-%" G_GINT64_FORMAT, author + 60,
                                              first_sent_at + i);
    g_autofree gchar *body = g_strdup_printf ("filler number %u about the weather", i);
    SdIncomingMessage message = incoming (hash, author, first_sent_at + i, body);
    g_autoptr(SdStoreChanges) changes = receive (store, &message);
  }
}

/* the purge after a removal is debounced (SD_STORE_PURGE_DELAY_MS): waits until it ran */
static void
wait_for_purge (SdStore *store)
{
  g_assert_true (sd_store_purge_pending (store));
  while (sd_store_purge_pending (store))
    g_main_context_iteration (NULL, TRUE);
}

/* issue 14: a removed message's words are in no file of the store once the removal's purge
 * has run: the row zeroed (secure_delete), the search index merged without it, the WAL
 * truncated */
static void
test_data_at_rest (Fixture *fixture, gconstpointer data)
{
  static const gchar *const words[] = { "zebracorn4711", "quaggafish0815", "okapiwolf2342" };
  g_autoptr(GError) error = NULL;
  SdIncomingMessage deleted = incoming ("rest1", ID_B, 100500, "secret zebracorn4711 here");
  SdIncomingMessage expiring = incoming ("rest2", ID_B, 100600, "quaggafish0815 goes by itself");
  SdIncomingMessage in_conversation = incoming ("rest3", ID_C, 100700, "okapiwolf2342 too");
  g_autoptr(SdStoreChanges) c1 = NULL;
  g_autoptr(SdStoreChanges) c2 = NULL;
  g_autoptr(SdStoreChanges) c3 = NULL;
  g_autoptr(SdMessage) gone = NULL;
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree gchar *deleted_id = sd_message_id_make (ID_B, deleted.sent_at);

  expiring.expiration_mode = SD_EXPIRATION_AFTER_SEND;
  expiring.expiration_timer = 60;
  expiring.expires_at = 200000;
  receive_fillers (fixture->store, ID_B, 100000, 8);
  c1 = receive (fixture->store, &deleted);
  c2 = receive (fixture->store, &expiring);
  receive_fillers (fixture->store, ID_C, 100000, 8);
  c3 = receive (fixture->store, &in_conversation);
  receive_fillers (fixture->store, ID_B, 101000, 8);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    g_assert_true (store_files_contain (fixture->path, words[i]));

  gone = sd_store_remove_message (fixture->store, deleted_id, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gone);
  wait_for_purge (fixture->store);
  g_assert_false (store_files_contain (fixture->path, words[0]));
  found = sd_store_search (fixture->store, "zebracorn4711", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);

  expired = sd_store_remove_expired (fixture->store, 200000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expired->len, ==, 1);
  wait_for_purge (fixture->store);
  g_assert_false (store_files_contain (fixture->path, words[1]));

  g_assert_true (sd_store_delete_conversation (fixture->store, ID_C, &error));
  g_assert_no_error (error);
  wait_for_purge (fixture->store);
  g_assert_false (store_files_contain (fixture->path, words[2]));

  /* the other messages are still found */
  g_clear_pointer (&found, g_ptr_array_unref);
  found = sd_store_search (fixture->store, "weather", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 16);
}

/* issue 20: the purge is debounced, so a crash can come between a removal and its purge: the
 * next open purges (the removal's transaction marked it due); closing purges too */
static void
test_data_at_rest_crash (Fixture *fixture, gconstpointer data)
{
  static const gchar *const suffixes[] = { "", "-wal" };
  g_autoptr(GError) error = NULL;
  SdIncomingMessage deleted = incoming ("crash1", ID_B, 100500, "secret zebracorn4711 here");
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) gone = NULL;
  g_autoptr(SdStore) reopened = NULL;
  g_autofree gchar *deleted_id = sd_message_id_make (ID_B, deleted.sent_at);
  g_autofree gchar *copy = g_build_filename (fixture->dir, "crashed.db", NULL);

  receive_fillers (fixture->store, ID_B, 100000, 8);
  changes = receive (fixture->store, &deleted);
  receive_fillers (fixture->store, ID_B, 101000, 8);
  gone = sd_store_remove_message (fixture->store, deleted_id, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gone);
  g_assert_true (sd_store_purge_pending (fixture->store));

  /* the files as a kill -9 now would leave them: the word is still in them */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree gchar *from = g_strconcat (fixture->path, suffixes[i], NULL);
    g_autofree gchar *to = g_strconcat (copy, suffixes[i], NULL);
    g_autofree gchar *bytes = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (from, &bytes, &length, &error));
    g_assert_true (g_file_set_contents (to, bytes, (gssize) length, &error));
    g_assert_no_error (error);
  }
  g_assert_true (store_files_contain (copy, "zebracorn4711"));

  /* the next open purges */
  reopened = sd_store_open (copy, &error);
  g_assert_no_error (error);
  g_assert_false (sd_store_purge_pending (reopened));
  g_assert_false (store_files_contain (copy, "zebracorn4711"));
  g_clear_object (&reopened);

  /* and closing purges what is pending */
  g_assert_true (store_files_contain (fixture->path, "zebracorn4711"));
  g_clear_object (&fixture->store);
  g_assert_false (store_files_contain (fixture->path, "zebracorn4711"));
}

/* the sender's brief look at the outbox (issue 20): the same rows in the same order as
 * sd_store_outbox_due (), with what choosing needs; completed, the same item in full; gone
 * meanwhile, NOT_FOUND */
static void
test_outbox_brief (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) first = queue_text (fixture->store, ID_B, "first body", 10000, &error);
  g_autoptr(SdMessage) second = queue_text (fixture->store, ID_C, "second body", 20000, &error);
  g_autoptr(GPtrArray) brief = NULL;
  g_autoptr(GPtrArray) full = NULL;

  g_assert_no_error (error);
  g_assert_true (sd_store_outbox_reschedule (fixture->store, first->id, 30000, "timeout",
                                             &error));
  g_assert_no_error (error);
  brief = sd_store_outbox_due_brief (fixture->store, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  full = sd_store_outbox_due (fixture->store, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (brief->len, ==, 2);
  g_assert_cmpuint (full->len, ==, 2);
  for (guint i = 0; i < brief->len; i++) {
    SdOutboxItem *item = g_ptr_array_index (brief, i);
    SdOutboxItem *whole = g_ptr_array_index (full, i);

    g_assert_cmpstr (item->message->id, ==, whole->message->id);
    g_assert_cmpstr (item->message->conversation, ==, whole->message->conversation);
    g_assert_cmpint (item->message->kind, ==, whole->message->kind);
    g_assert_cmpstr (item->recipient, ==, whole->recipient);
    g_assert_cmpint (item->is_sync, ==, whole->is_sync);
    g_assert_cmpuint (item->attempts, ==, whole->attempts);
    g_assert_null (item->message->body);
    g_assert_true (sd_store_outbox_item_complete (fixture->store, item, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (item->message->body, ==, whole->message->body);
    g_assert_cmpint (item->message->status, ==, whole->message->status);
    g_assert_cmpstr (item->last_error, ==, whole->last_error);
  }
  /* the second message comes first now (the first waits for its retry at 30000) */
  g_assert_cmpstr (((SdOutboxItem *) g_ptr_array_index (brief, 0))->message->body, ==,
                   "second body");

  /* unsent before the sender reads it whole */
  g_clear_pointer (&brief, g_ptr_array_unref);
  brief = sd_store_outbox_due_brief (fixture->store, G_MAXINT64, 0, &error);
  g_assert_true (sd_store_delete_message (fixture->store, second->id, &error));
  g_assert_no_error (error);
  g_assert_false (sd_store_outbox_item_complete (fixture->store,
                                                 g_ptr_array_index (brief, 0), &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/store/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("open/create-reopen", test_create_reopen);
  ADD ("open/migrate-v1", test_migrate_v1);
  ADD ("open/migrate-v3", test_migrate_v3);
  ADD ("open/migrate-v7", test_migrate_v7);
  ADD ("open/migrate-v4", test_migrate_v4);
  ADD ("open/migrate-v10", test_migrate_v10);
  ADD ("open/migrate-v10-unexpected", test_migrate_v10_unexpected);
  ADD ("open/migrate-v13", test_migrate_v13);
  ADD ("open/newer-refused", test_newer_refused);
  ADD ("open/not-sqlite-refused", test_not_sqlite_refused);
  ADD ("open/data-at-rest", test_data_at_rest);
  ADD ("open/data-at-rest-crash", test_data_at_rest_crash);
  ADD ("batch/dedup", test_batch_dedup);
  ADD ("batch/rollback", test_batch_rollback);
  ADD ("transaction/nested", test_transaction_nested);
  ADD ("batch/invalid", test_batch_invalid);
  ADD ("batch/unknown-sender", test_unknown_sender);
  ADD ("batch/avatar-only-profile", test_avatar_only_profile);
  ADD ("batch/sync-copy", test_sync_copy);
  ADD ("send/outbox", test_outbox);
  ADD ("send/outbox-done", test_outbox_done);
  ADD ("send/outbox-resend", test_outbox_resend);
  ADD ("send/outbox-brief", test_outbox_brief);
  ADD ("query/mark-read", test_mark_read);
  ADD ("query/unread-counters", test_unread_counters);
  ADD ("query/paging", test_paging);
  ADD ("query/delete", test_delete);
  ADD ("query/search", test_search);
  ADD ("query/search-order", test_search_order);
  ADD ("query/values", test_values);
  ADD ("seen/prune", test_seen_prune);
  ADD ("network/caches", test_network_caches);
  ADD ("crash/kill-9", test_crash);
  ADD ("parity/reactions", test_reactions);
  ADD ("parity/page-reactions", test_page_reactions);
  ADD ("parity/unsend", test_unsend);
  ADD ("parity/expiry", test_expiry);
  ADD ("parity/quotes", test_quotes);
#undef ADD

  return g_test_run ();
}
