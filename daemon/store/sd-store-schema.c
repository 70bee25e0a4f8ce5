/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStoreSchema"

#include "config.h"

#include "sd-store-schema.h"
#include "sd-message.h"

/*
 * Forward migrations. Step N takes a database at user_version N-1 to N; steps are never
 * edited once released, only appended (a user's file may be at any earlier version).
 */

/* 1: the first schema */
static const gchar schema_v1[] =
  "CREATE TABLE conversations ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  kind TEXT NOT NULL DEFAULT 'direct' CHECK (kind IN ('direct', 'note-to-self')),"
  "  name TEXT,"
  "  nickname TEXT,"
  "  approved INTEGER NOT NULL DEFAULT 0,"
  "  they_approved INTEGER NOT NULL DEFAULT 0,"
  "  blocked INTEGER NOT NULL DEFAULT 0,"
  "  muted_until INTEGER NOT NULL DEFAULT 0,"
  "  last_activity INTEGER NOT NULL DEFAULT 0,"
  "  profile_updated INTEGER NOT NULL DEFAULT 0"
  ");"
  /* local_id is the rowid the search index points at; the public id is (author, sent_at) */
  "CREATE TABLE messages ("
  "  local_id INTEGER PRIMARY KEY,"
  "  conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  author TEXT NOT NULL,"
  "  outgoing INTEGER NOT NULL,"
  "  body TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'read')),"
  "  error TEXT,"
  "  server_hash TEXT UNIQUE,"
  "  UNIQUE (author, sent_at)"
  ");"
  "CREATE INDEX messages_by_conversation ON messages (conversation, sent_at);"
  "CREATE INDEX messages_unread ON messages (conversation)"
  "  WHERE outgoing = 0 AND status <> 'read';"
  "CREATE TABLE outbox ("
  "  message INTEGER PRIMARY KEY REFERENCES messages (local_id) ON DELETE CASCADE,"
  "  recipient TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT"
  ");"
  "CREATE TABLE last_hash ("
  "  node TEXT NOT NULL,"
  "  namespace INTEGER NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  PRIMARY KEY (node, namespace)"
  ") WITHOUT ROWID;"
  "CREATE TABLE settings ("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value TEXT NOT NULL"
  ") WITHOUT ROWID;";

/* 2: expiry, the sync stage of the outbox, seen hashes, network caches, search */
static const gchar schema_v2[] =
  "ALTER TABLE conversations ADD COLUMN expiration_mode TEXT NOT NULL DEFAULT 'off'"
  "  CHECK (expiration_mode IN ('off', 'after-send', 'after-read'));"
  "ALTER TABLE conversations ADD COLUMN expiration_timer INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE outbox ADD COLUMN is_sync INTEGER NOT NULL DEFAULT 0;"
  "CREATE INDEX outbox_due ON outbox (next_attempt_at);"
  "CREATE TABLE seen_hashes ("
  "  hash TEXT PRIMARY KEY NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX seen_hashes_expiry ON seen_hashes (expires_at);"
  "CREATE TABLE snodes ("
  "  ed25519 TEXT PRIMARY KEY NOT NULL,"
  "  x25519 TEXT NOT NULL,"
  "  ip TEXT NOT NULL,"
  "  port INTEGER NOT NULL,"
  "  swarm_id INTEGER NOT NULL,"
  "  strikes INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE TABLE swarms ("
  "  account TEXT PRIMARY KEY NOT NULL,"
  "  fetched_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE swarm_members ("
  "  account TEXT NOT NULL REFERENCES swarms (account) ON DELETE CASCADE,"
  "  ed25519 TEXT NOT NULL,"
  "  x25519 TEXT NOT NULL,"
  "  ip TEXT NOT NULL,"
  "  port INTEGER NOT NULL,"
  "  swarm_id INTEGER NOT NULL,"
  "  PRIMARY KEY (account, ed25519)"
  ") WITHOUT ROWID;"
  /* external content: the bodies are stored once, in messages; triggers keep it in step */
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  body, content = 'messages', content_rowid = 'local_id',"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, body)"
  "    VALUES ('delete', old.local_id, old.body);"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, body)"
  "    VALUES ('delete', old.local_id, old.body);"
  "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
  "END;"
  /* index what a version 1 database already holds */
  "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');";

/* 3: 1:1 parity: events, quotes, per-message expiry, reactions, deletions, network jobs */
static const gchar schema_v3[] =
  "ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'"
  "  CHECK (kind IN ('text', 'expiration-update', 'screenshot', 'media-saved'));"
  "ALTER TABLE messages ADD COLUMN quote_author TEXT;"
  "ALTER TABLE messages ADD COLUMN quote_sent_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN expiration_mode INTEGER NOT NULL DEFAULT 0"
  "  CHECK (expiration_mode IN (0, 1, 2));"
  "ALTER TABLE messages ADD COLUMN expiration_timer INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN sync_hash TEXT;"
  "CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at > 0;"
  /* which change of the setting is the newest, whichever device or side made it */
  "ALTER TABLE conversations ADD COLUMN expiration_changed_at INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE reactions ("
  "  message INTEGER NOT NULL REFERENCES messages (local_id) ON DELETE CASCADE,"
  "  reactor TEXT NOT NULL,"
  "  emoji TEXT NOT NULL,"
  "  reacted_at INTEGER NOT NULL,"
  "  PRIMARY KEY (message, reactor, emoji)"
  ") WITHOUT ROWID;"
  /* a deleted, unsent or expired message must not come back from another copy; kept as long
   * as any copy can still be retrieved */
  "CREATE TABLE removed_messages ("
  "  author TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL,"
  "  forget_at INTEGER NOT NULL,"
  "  PRIMARY KEY (author, sent_at)"
  ") WITHOUT ROWID;"
  "CREATE TABLE jobs ("
  "  id INTEGER PRIMARY KEY,"
  "  kind TEXT NOT NULL CHECK (kind IN ('store', 'delete', 'expire')),"
  "  target TEXT NOT NULL,"
  "  payload BLOB NOT NULL,"
  "  sent_at INTEGER NOT NULL DEFAULT 0,"
  "  value INTEGER NOT NULL DEFAULT 0,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX jobs_due ON jobs (next_attempt_at);";

/* 4: the swarm cache of version 2 was never read (the network layer keeps swarms in memory) */
static const gchar schema_v4[] =
  "DROP TABLE IF EXISTS swarm_members;"
  "DROP TABLE IF EXISTS swarms;";

/* 5: costs that do not grow with history (issue 20).
 * Read state: an incoming message is unread while it has a row in unread_messages, a narrow
 * table clustered by conversation. Marking 10,000 messages read then deletes a few hundred
 * contiguous pages instead of rewriting every wide message row (each on its own page, as the
 * conversation's messages are interleaved with everyone else's); messages.status of an
 * incoming row is the status it arrived with and no longer changes. Each conversation keeps
 * its unread count, so nothing counts messages per call.
 * No trigger on INSERT INTO messages any more: a trigger makes every insert a statement
 * transaction, and FTS5 writes its pending rows out as a new segment at every statement
 * savepoint, so each message became a segment of its own, merged again and again (about 38 µs
 * of FTS trigger and 25 µs of unread trigger per message at 100k messages, against about 5 and
 * 1 µs for the same rows written once per batch). The two paths that insert messages
 * (sd-store-batch.c, sd-store-outbox.c) index the bodies after their other writes and record
 * unread messages themselves, in the same transaction (store_index_messages() and
 * store_mark_unread() in sd-store-rows.c); sd_store_check_integrity() compares the index with
 * the bodies and the counters with unread_messages. Deletes are rare and keep their triggers,
 * so every path that removes a message (delete, unsend, expire, a conversation's cascade)
 * keeps the index and the counters exact.
 * Search: FTS5 without per-document sizes (columnsize=0: they serve only ranking functions,
 * which search does not use).
 * Seen hashes: a stored message's hash is seen through messages.server_hash, so only items
 * that did not become a message keep a seen_hashes row (sd-store-batch.c). */
static const gchar schema_v5[] =
  "CREATE TABLE unread_messages ("
  "  conversation TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL,"
  "  message INTEGER NOT NULL,"
  "  PRIMARY KEY (conversation, sent_at, message)"
  ") WITHOUT ROWID;"
  "INSERT INTO unread_messages (conversation, sent_at, message)"
  "  SELECT conversation, sent_at, local_id FROM messages"
  "  WHERE outgoing = 0 AND status <> 'read';"
  "DROP INDEX messages_unread;"
  "ALTER TABLE conversations ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;"
  "UPDATE conversations SET unread ="
  "  (SELECT count(*) FROM unread_messages u WHERE u.conversation = conversations.id);"
  /* the account's total reads only the conversations that have unread messages */
  "CREATE INDEX conversations_unread ON conversations (unread)"
  "  WHERE unread > 0 AND blocked = 0;"
  "CREATE TRIGGER messages_unread_delete AFTER DELETE ON messages"
  "  WHEN old.outgoing = 0 BEGIN"
  "  UPDATE conversations SET unread = unread - 1 WHERE id = old.conversation"
  "    AND EXISTS (SELECT 1 FROM unread_messages WHERE conversation = old.conversation"
  "      AND sent_at = old.sent_at AND message = old.local_id);"
  "  DELETE FROM unread_messages WHERE conversation = old.conversation"
  "    AND sent_at = old.sent_at AND message = old.local_id;"
  "END;"
  /* after-read messages waiting to be read: usually none, so starting their timers at
   * MarkRead no longer scans the conversation */
  "CREATE INDEX messages_after_read ON messages (conversation, sent_at)"
  "  WHERE expiration_mode = 1 AND expires_at = 0 AND outgoing = 0 AND kind = 'text';"
  "DROP TRIGGER messages_fts_insert;"
  "DROP TRIGGER messages_fts_delete;"
  "DROP TRIGGER messages_fts_update;"
  "DROP TABLE messages_fts;"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  body, content = 'messages', content_rowid = 'local_id', columnsize = 0,"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, body)"
  "    VALUES ('delete', old.local_id, old.body);"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, body)"
  "    VALUES ('delete', old.local_id, old.body);"
  "  INSERT INTO messages_fts (rowid, body) VALUES (new.local_id, new.body);"
  "END;"
  "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');"
  /* a stored message's hash is seen through messages.server_hash from now on */
  "DELETE FROM seen_hashes WHERE hash IN"
  "  (SELECT server_hash FROM messages WHERE server_hash IS NOT NULL);";

/* 6: attachments (docs/attachments.md). One row per AttachmentPointer of a message, gone
 * with it. `pointer` is the wire form (NULL for ours until uploaded); `file` names the
 * decrypted (or, for ours, the stripped original) file under <data dir>/attachments;
 * `secret` is our upload's key and IV, so a retry after a restart uploads the same blob */
static const gchar schema_v6[] =
  "CREATE TABLE attachments ("
  "  message INTEGER NOT NULL REFERENCES messages (local_id) ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('uploading', 'pending', 'downloading',"
  "    'available', 'failed', 'expired')),"
  "  pointer BLOB,"
  "  file_name TEXT,"
  "  content_type TEXT,"
  "  caption TEXT,"
  "  size INTEGER NOT NULL DEFAULT -1,"
  "  width INTEGER NOT NULL DEFAULT 0,"
  "  height INTEGER NOT NULL DEFAULT 0,"
  "  voice INTEGER NOT NULL DEFAULT 0,"
  "  file TEXT,"
  "  secret BLOB,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
  "  error TEXT,"
  "  PRIMARY KEY (message, idx)"
  ") WITHOUT ROWID;"
  "CREATE INDEX attachments_work ON attachments (next_attempt_at)"
  "  WHERE state IN ('uploading', 'downloading');"
  /* contacts' avatars: the newest profile's picture URL and key; `file` once fetched */
  "CREATE TABLE avatars ("
  "  conversation TEXT PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  url TEXT NOT NULL,"
  "  key BLOB NOT NULL,"
  "  file TEXT"
  ") WITHOUT ROWID;";

/* 7: multi-device config sync (issue 15): the conversation settings the user configs carry,
 * and each user config's current merged message, with what must still reach the swarm */
static const gchar schema_v7[] =
  "ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE conversations ADD COLUMN notify_mode INTEGER NOT NULL DEFAULT 0"
  "  CHECK (notify_mode BETWEEN 0 AND 3);"
  "ALTER TABLE conversations ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE conversations ADD COLUMN avatar_url TEXT;"
  "ALTER TABLE conversations ADD COLUMN avatar_key BLOB;"
  "ALTER TABLE conversations ADD COLUMN last_read_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE conversations ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
  /* message: the serialised plaintext; swarm_hashes: the stored items (one per line) it
   * already includes, deleted by the next push; dirty: it must still be pushed */
  "CREATE TABLE user_configs ("
  "  kind INTEGER PRIMARY KEY CHECK (kind BETWEEN 0 AND 3),"
  "  message BLOB NOT NULL,"
  "  seqno INTEGER NOT NULL,"
  "  swarm_hashes TEXT NOT NULL DEFAULT '',"
  "  dirty INTEGER NOT NULL DEFAULT 0,"
  "  pushed_hash TEXT"
  ");";

/* 8: one home for a contact's avatar (docs/attachments.md, "Avatars"). Step 6's `avatars`
 * keeps it (with its fetched file); step 7's conversation columns, written by the Contacts
 * config alone, go. Where both hold a picture, a dated profile from a message
 * (profile_updated > 0) is the newest we know of: every device of the account receives the
 * same messages, so the config's writer saw that profile too; the config's picture is kept
 * where no dated profile was applied or no row exists. A changed picture loses its file */
static const gchar schema_v8[] =
  "INSERT INTO avatars (conversation, url, key)"
  "  SELECT c.id, c.avatar_url, c.avatar_key FROM conversations c"
  "  WHERE c.avatar_url IS NOT NULL AND c.avatar_url <> '' AND length(c.avatar_key) = 32"
  "    AND (c.profile_updated = 0"
  "      OR NOT EXISTS (SELECT 1 FROM avatars a WHERE a.conversation = c.id))"
  "  ON CONFLICT (conversation) DO UPDATE SET url = excluded.url, key = excluded.key,"
  "    file = CASE WHEN avatars.url = excluded.url AND avatars.key = excluded.key"
  "      THEN avatars.file END;"
  "ALTER TABLE conversations DROP COLUMN avatar_url;"
  "ALTER TABLE conversations DROP COLUMN avatar_key;";

/* 9: groups v2 (docs/groups.md). A group is a conversation of kind 'group' (the CHECK of step 1
 * is widened in place: rebuilding `conversations` would cascade into its messages); `groups`
 * holds what we know of it: the admin seed or our grant, the Keys dump, the merged Info and
 * Members; group_last_hash the newest hash read per namespace of its swarm */
static const gchar schema_v9[] =
  "PRAGMA writable_schema = ON;"
  "UPDATE sqlite_schema SET sql = replace (sql,"
  "  'CHECK (kind IN (''direct'', ''note-to-self''))',"
  "  'CHECK (kind IN (''direct'', ''note-to-self'', ''group''))')"
  "  WHERE type = 'table' AND name = 'conversations';"
  "PRAGMA writable_schema = RESET;"
  "CREATE TABLE groups ("
  "  id TEXT PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  seed BLOB CHECK (seed IS NULL OR length (seed) = 32),"
  "  auth_data BLOB CHECK (auth_data IS NULL OR length (auth_data) = 100),"
  "  keys_dump BLOB,"
  "  info BLOB,"
  "  members BLOB,"
  "  invited_by TEXT,"
  "  pending INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE TABLE group_last_hash ("
  "  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
  "  namespace INTEGER NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  PRIMARY KEY (group_id, namespace)"
  ") WITHOUT ROWID;";

/* 10: communities (docs/communities.md). A community is a conversation (the row's own kind
 * stays 'direct': its CHECK cannot change without rebuilding the table; a row here makes it
 * a community) with the room's place, the server's key, the poll cursors and what the server
 * said of the room. Its posts are messages by blinded ids; community_posts ties each to the
 * server's post id, and keeps the poster's name and the server's reaction counts, which are
 * counts rather than reactors */
static const gchar schema_v10[] =
  "CREATE TABLE communities ("
  "  conversation TEXT PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  base_url TEXT NOT NULL,"
  "  room TEXT NOT NULL,"
  "  server_pk TEXT NOT NULL,"
  "  joined_at INTEGER NOT NULL,"
  "  name TEXT,"
  "  description TEXT,"
  "  user_count INTEGER NOT NULL DEFAULT -1,"
  "  info_updates INTEGER NOT NULL DEFAULT 0,"
  "  seqno INTEGER NOT NULL DEFAULT 0,"
  "  permissions TEXT NOT NULL DEFAULT '',"
  "  moderators TEXT NOT NULL DEFAULT '[]',"
  "  admins TEXT NOT NULL DEFAULT '[]',"
  "  pinned TEXT NOT NULL DEFAULT '[]',"
  "  UNIQUE (base_url, room)"
  ") WITHOUT ROWID;"
  "CREATE TABLE community_posts ("
  "  message INTEGER PRIMARY KEY REFERENCES messages (local_id) ON DELETE CASCADE,"
  "  conversation TEXT NOT NULL,"
  "  post_id INTEGER NOT NULL,"
  "  author_name TEXT,"
  "  author_session_id TEXT,"
  "  reactions TEXT NOT NULL DEFAULT '[]',"
  "  UNIQUE (conversation, post_id)"
  ");"
  /* per server: how far its blinded inbox and outbox (community DMs) have been read */
  "CREATE TABLE community_servers ("
  "  base_url TEXT NOT NULL,"
  "  server_pk TEXT NOT NULL,"
  "  inbox_since INTEGER NOT NULL DEFAULT 0,"
  "  outbox_since INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (base_url, server_pk)"
  ") WITHOUT ROWID;";

/* 11: a compact key for the hash look-up (issue 20). messages.server_hash was UNIQUE, so every
 * stored message put its 43-character hash into a B-tree at a random place (hashes are random
 * by nature): at 100k messages that index is 5.9 MB, three times SQLite's page cache, and
 * each insert and each seen-check of a new item read and dirtied a page of its own. The
 * look-up now goes through `hash_key`, the first 12 characters of the hash (72 of its
 * 256 bits; a virtual column, so every path that writes server_hash keeps it right without
 * a change) in an index of 40 % of the pages; the full hash is compared on the row, so a
 * shared prefix never makes a hash seen. A received batch still skips a second copy by its
 * hash (looked up through the key, sd-store-batch.c), and (author, sent_at), the message's
 * id, keeps its UNIQUE constraint.
 * A column constraint cannot be dropped without rebuilding the table, and rebuilding
 * `messages` inside a transaction with foreign keys on would cascade into the outbox,
 * reactions and attachments. So the table's text loses the constraint in place (as step 9
 * widened a CHECK), and the index behind it, the first automatic index (the column
 * constraint comes before the table's UNIQUE (author, sent_at)), becomes a named index to be
 * dropped, its pages freed; the second automatic index takes the first one's name, which is
 * the name SQLite gives it when it reads the new text. Each rename checks what it renames:
 * on any other file nothing is renamed, DROP INDEX fails and the step is rolled back. */
static const gchar schema_v11[] =
  "PRAGMA writable_schema = ON;"
  "UPDATE sqlite_schema SET sql = replace (sql, 'server_hash TEXT UNIQUE,', 'server_hash TEXT,')"
  "  WHERE type = 'table' AND name = 'messages';"
  "UPDATE sqlite_schema SET name = 'messages_server_hash_v10',"
  "  sql = 'CREATE UNIQUE INDEX messages_server_hash_v10 ON messages (server_hash)'"
  "  WHERE type = 'index' AND name = 'sqlite_autoindex_messages_1' AND sql IS NULL"
  "    AND (SELECT group_concat (name) FROM pragma_index_info ('sqlite_autoindex_messages_1'))"
  "      = 'server_hash'"
  "    AND NOT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'messages'"
  "      AND sql LIKE '%server_hash TEXT UNIQUE%')"
  "    AND (SELECT group_concat (name) FROM pragma_index_info ('sqlite_autoindex_messages_2'))"
  "      = 'author,sent_at';"
  "UPDATE sqlite_schema SET name = 'sqlite_autoindex_messages_1'"
  "  WHERE type = 'index' AND name = 'sqlite_autoindex_messages_2' AND sql IS NULL"
  "    AND EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'messages_server_hash_v10');"
  "PRAGMA writable_schema = RESET;"
  "DROP INDEX messages_server_hash_v10;"
  "ALTER TABLE messages ADD COLUMN hash_key TEXT"
  "  GENERATED ALWAYS AS (substr (server_hash, 1, 12)) VIRTUAL;"
  "CREATE INDEX messages_hash_key ON messages (hash_key);";

/* 12: community DMs to a blinded id not recognised yet (docs/communities.md). Such a
 * conversation is keyed by the peer's blinded id ("15…", kind 'direct') and remembers the
 * server the id belongs to, until the peer's real Session ID is known and its messages move
 * into the 1:1 conversation. The shape is that of a blinded contact in libsession's config */
static const gchar schema_v12[] =
  "CREATE TABLE blinded_conversations ("
  "  conversation TEXT PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  base_url TEXT NOT NULL,"
  "  server_pk TEXT NOT NULL"
  ") WITHOUT ROWID;";

/* 13: groups v2 events (docs/groups.md, "Control messages in the conversation"): step 3's CHECK
 * on messages.kind is widened in place, as step 9 widened conversations.kind (rebuilding
 * `messages` would take its triggers, indexes and references with it); loosening a CHECK
 * changes no stored row */
static const gchar schema_v13[] =
  "PRAGMA writable_schema = ON;"
  "UPDATE sqlite_schema SET sql = replace (sql,"
  "  '''screenshot'', ''media-saved''))',"
  "  '''screenshot'', ''media-saved'', ''group-renamed'', ''group-members-added'','"
  "  || ' ''group-members-removed'', ''group-members-promoted'', ''group-member-left'','"
  "  || ' ''group-removed'', ''group-destroyed''))')"
  "  WHERE type = 'table' AND name = 'messages';"
  "PRAGMA writable_schema = RESET;";

/* 14: a retrieve cursor per member of a group's swarm (docs/groups.md, "Cursors"), as the
 * account's own swarm has in `last_hash`: members of a swarm do not hold the same messages,
 * so a page from one member says nothing of what another holds before its end.
 * group_last_hash stays, as the swarm's newest hash that a member met for the first time
 * starts from */
static const gchar schema_v14[] =
  "CREATE TABLE group_member_last_hash ("
  "  group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
  "  node TEXT NOT NULL,"
  "  namespace INTEGER NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  PRIMARY KEY (group_id, node, namespace)"
  ") WITHOUT ROWID;";

/* 15: the seen check no longer grows with the history (issue 20). A retrieved item's hash was
 * found through messages.hash_key (step 11) when it had become a message, and through
 * seen_hashes otherwise: that index held every message ever received, one random B-tree insert
 * per message, and outgrew SQLite's page cache (at 100k messages about half a page read and a
 * page written per message received). Now every received item keeps a seen_hashes row until it
 * expires from the swarm (a message received within the last 30 days, the longest a swarm keeps
 * anything, gets one here), and the index goes; a copy served after its row expired is still a
 * duplicate by (author, sent_at). The virtual column stays: unindexed, it costs nothing */
static const gchar schema_v15[] =
  "INSERT INTO seen_hashes (hash, expires_at)"
  "  SELECT server_hash, received_at + 2592000000 FROM messages"
  "  WHERE server_hash IS NOT NULL"
  "    AND received_at + 2592000000 > CAST (strftime ('%s', 'now') AS INTEGER) * 1000"
  "  ON CONFLICT (hash) DO UPDATE SET expires_at = max (expires_at, excluded.expires_at);"
  "DROP INDEX messages_hash_key;";

/* 16: two more groups v2 events, the picture and the timer an admin changed (docs/groups.md,
 * "Control messages in the conversation"): step 13's CHECK widened in place the same way */
static const gchar schema_v16[] =
  "PRAGMA writable_schema = ON;"
  "UPDATE sqlite_schema SET sql = replace (sql,"
  "  '''group-removed'', ''group-destroyed''))',"
  "  '''group-removed'', ''group-destroyed'', ''group-avatar-changed'','"
  "  || ' ''group-disappearing-changed''))')"
  "  WHERE type = 'table' AND name = 'messages';"
  "PRAGMA writable_schema = RESET;";

static const gchar *const migrations[] = {
  schema_v1,
  schema_v2,
  schema_v3,
  schema_v4,
  schema_v5,
  schema_v6,
  schema_v7,
  schema_v8,
  schema_v9,
  schema_v10,
  schema_v11,
  schema_v12,
  schema_v13,
  schema_v14,
  schema_v15,
  schema_v16,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == SD_STORE_SCHEMA_VERSION);

static gboolean
exec_sql (sqlite3 *db, const gchar *sql, const gchar *what, GError **error)
{
  char *message = NULL; /* (owned) from sqlite3_malloc, so not g_autofree */
  int primary;
  int rc;

  rc = sqlite3_exec (db, sql, NULL, NULL, &message);
  if (rc == SQLITE_OK)
    return TRUE;
  primary = rc & 0xff;
  g_set_error (error, SD_STORE_ERROR,
               primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ?
                 SD_STORE_ERROR_CORRUPT : SD_STORE_ERROR_FAILED,
               "%s: %s", what, message != NULL ? message : sqlite3_errstr (rc));
  sqlite3_free (message);
  return FALSE;
}

gboolean
sd_store_schema_migrate (sqlite3 *db, gint from_version, GError **error)
{
  return sd_store_schema_migrate_to (db, from_version, SD_STORE_SCHEMA_VERSION, error);
}

gboolean
sd_store_schema_migrate_to (sqlite3 *db, gint from_version, gint to_version, GError **error)
{
  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (from_version >= 0 && from_version <= to_version, FALSE);
  g_return_val_if_fail (to_version <= SD_STORE_SCHEMA_VERSION, FALSE);

  for (gint version = from_version + 1; version <= to_version; version++) {
    g_autofree gchar *what = g_strdup_printf ("migrating the store to version %d", version);
    g_autofree gchar *set_version = g_strdup_printf ("PRAGMA user_version = %d;", version);
    g_autoptr(GError) local_error = NULL;

    if (!exec_sql (db, "BEGIN IMMEDIATE;", what, error))
      return FALSE;
    if (!exec_sql (db, migrations[version - 1], what, &local_error) ||
        !exec_sql (db, set_version, what, &local_error) ||
        !exec_sql (db, "COMMIT;", what, &local_error)) {
      if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK;", NULL, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    g_debug ("store migrated to schema version %d", version);
  }
  return TRUE;
}
