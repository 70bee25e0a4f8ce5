/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStore"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "sd-store.h"
#include "sd-store-schema.h"
#include "sd-store-private.h"

/*
 * The store's core: opening and migrating the database, the statement cache, transactions,
 * the row helpers every part uses, the account id, settings and the integrity check. The
 * paths that read and write messages build on this (sd-store-rows.c and above); it calls none
 * of them.
 */

/* how long a statement waits for another connection (a backup tool, the sqlite3 shell) */
#define BUSY_TIMEOUT_MS 5000
#define SETTING_ACCOUNT_ID "account-id"
/* a removal committed, its purge not yet run (store_purge) */
#define SETTING_PURGE_DUE "purge-due"

G_DEFINE_FINAL_TYPE (SdStore, sd_store, G_TYPE_OBJECT)

/* ---- statements, errors, transactions ------------------------------------------------------ */

void
store_set_sqlite_error (sqlite3 *db, int rc, GError **error, const gchar *what)
{
  int primary = rc & 0xff;
  SdStoreError code = SD_STORE_ERROR_FAILED;

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    code = SD_STORE_ERROR_CORRUPT;
  else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    code = SD_STORE_ERROR_DUPLICATE;
  g_set_error (error, SD_STORE_ERROR, code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

/* @sql must have static storage (a literal): the cache is keyed by its address, which saves
 * hashing long SQL text for each of the thousands of statements in a batch */
SdCachedStmt *
store_prepare (SdStore *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK) {
    store_set_sqlite_error (self->db, rc, error, "preparing a statement");
    return NULL;
  }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE, or 0 with @error set */
int
store_step (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  store_set_sqlite_error (self->db, rc, error, "store");
  return 0;
}

/* runs a statement that returns no rows */
gboolean
store_run (SdStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = store_step (self, stmt, error);

  if (rc == 0)
    return FALSE;
  /* a RETURNING or PRAGMA row we do not need: finish the statement */
  while (rc == SQLITE_ROW) {
    rc = store_step (self, stmt, error);
    if (rc == 0)
      return FALSE;
  }
  return TRUE;
}

gboolean
store_each_row (SdStore *self, sqlite3_stmt *stmt, StoreRowFunc row, gpointer user_data,
                GError **error)
{
  for (;;) {
    int rc = store_step (self, stmt, error);

    if (rc == 0)
      return FALSE;
    if (rc == SQLITE_DONE)
      return TRUE;
    row (stmt, user_data);
  }
}

gboolean
store_step_row (SdStore *self, sqlite3_stmt *stmt, const gchar *absent, GError **error)
{
  int rc = store_step (self, stmt, error);

  if (rc == 0)
    return FALSE;
  if (rc != SQLITE_ROW) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, absent);
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  StoreRowNew from_row;
  GPtrArray *items;
} CollectRows;

static void
collect_row (sqlite3_stmt *stmt, gpointer user_data)
{
  CollectRows *collect = user_data;

  g_ptr_array_add (collect->items, collect->from_row (stmt));
}

GPtrArray *
store_collect_rows (SdStore *self, sqlite3_stmt *stmt, StoreRowNew from_row,
                    GDestroyNotify free_item, GError **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (free_item);
  CollectRows collect = { from_row, items };

  if (!store_each_row (self, stmt, collect_row, &collect, error))
    return NULL;
  return g_steal_pointer (&items);
}

gpointer
store_row_text (sqlite3_stmt *stmt)
{
  return store_column_dup (stmt, 0);
}

void
store_bind_text (sqlite3_stmt *stmt, int index, const gchar *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

gchar *
store_column_dup (sqlite3_stmt *stmt, int index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const gchar *) text) : NULL;
}

void
store_tx_end (SdStoreTx *tx)
{
  if (tx->open && !sqlite3_get_autocommit (tx->store->db)) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdCachedStmt) stmt = NULL;

    if (tx->nested) {
      /* undoes the savepoint's writes and leaves the caller's transaction open */
      stmt = store_prepare (tx->store, "ROLLBACK TO sd_tx", &error);
      if (stmt == NULL || !store_run (tx->store, stmt, &error))
        g_warning ("rolling back: %s", error->message);
      g_clear_pointer (&stmt, sd_cached_stmt_release);
      g_clear_error (&error);
      stmt = store_prepare (tx->store, "RELEASE sd_tx", &error);
      if (stmt == NULL || !store_run (tx->store, stmt, &error))
        g_warning ("releasing a savepoint: %s", error->message);
    } else {
      stmt = store_prepare (tx->store, "ROLLBACK", &error);
      if (stmt == NULL || !store_run (tx->store, stmt, &error))
        g_warning ("rolling back: %s", error->message);
      /* the deleted rows are back: nothing to purge for them */
      tx->store->removed_messages = FALSE;
    }
  }
  g_free (tx);
}

/* BEGIN IMMEDIATE: take the write lock now, so a busy database fails here and not halfway.
 * Inside a caller's transaction (sd_store_transaction_begin) a savepoint instead */
SdStoreTx *
store_tx_begin (SdStore *self, GError **error)
{
  gboolean nested = !sqlite3_get_autocommit (self->db);
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, nested ? "SAVEPOINT sd_tx"
                                                             : "BEGIN IMMEDIATE", error);
  SdStoreTx *tx;

  if (stmt == NULL || !store_run (self, stmt, error))
    return NULL;
  tx = g_new0 (SdStoreTx, 1);
  tx->store = self;
  tx->open = TRUE;
  tx->nested = nested;
  return tx;
}

/* the purge is due, written in the removal's own transaction: a crash before the purge runs
 * leaves the mark, and the next open purges (store_open) */
static gboolean
store_mark_purge (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (
    self, "INSERT OR REPLACE INTO settings (key, value) VALUES ('" SETTING_PURGE_DUE "', '1')",
    error);

  return stmt != NULL && store_run (self, stmt, error);
}

gboolean
store_tx_commit (SdStoreTx *tx, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  /* the mark goes with the outermost commit, the one that makes the removal durable */
  if (!tx->nested && tx->store->removed_messages && !store_mark_purge (tx->store, error))
    return FALSE;
  stmt = store_prepare (tx->store, tx->nested ? "RELEASE sd_tx" : "COMMIT", error);
  if (stmt == NULL || !store_run (tx->store, stmt, error))
    return FALSE;
  tx->open = FALSE;
  /* the outermost commit purges */
  if (!tx->nested)
    store_purge_removed (tx->store);
  return TRUE;
}

SdStoreTx *
sd_store_transaction_begin (SdStore *self, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return store_tx_begin (self, error);
}

gboolean
sd_store_transaction_commit (SdStoreTx *tx, GError **error)
{
  g_return_val_if_fail (tx != NULL && tx->open, FALSE);
  return store_tx_commit (tx, error);
}

void
sd_store_transaction_end (SdStoreTx *tx)
{
  if (tx != NULL)
    store_tx_end (tx);
}

/* Data at rest (issue 14): a removed message must not stay readable in the files. The row
 * itself is overwritten with zeros (secure_delete, set at open); what remains is
 *  - the search index: the external-content FTS5 table records a 'delete' as a tombstone in a
 *    new segment and keeps the words in the old segments until a merge takes in all of them.
 *    'optimize' merges the whole index into one segment, leaving out deleted entries, and the
 *    freed segment rows are zeroed by secure_delete. (FTS5's own 'secure-delete' option would
 *    do this per row, but needs SQLite 3.42; Debian 12 has 3.40.)
 *  - the WAL, which keeps the old pages until a checkpoint copies the zeroed ones over them;
 *    TRUNCATE also empties the file.
 * Cost, measured once (SQLite 3.40, 12-word bodies, one delete): optimize 12–28 ms at 10k
 * messages, 190–320 ms at 100k; the checkpoint 5–50 ms. It is paid once per
 * SD_STORE_PURGE_DELAY_MS, not once per removal (issue 20: deleting ten messages one by one, or
 * the expiry of a burst, cost 2–3 s of main loop at 100k): the first removal not yet purged
 * starts the timer, and every removal until it fires is purged with it. The purge also runs
 * when the store closes, and at open when a crash came between a removal and its purge (the
 * mark is written in the removal's transaction). */
static void
store_purge (SdStore *self)
{
  g_autoptr(GError) error = NULL;
  int rc;

  g_clear_handle_id (&self->purge_id, g_source_remove);
  self->purge_pending = FALSE;
  rc = sqlite3_exec (self->db, "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
                     NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (self->db, "DELETE FROM settings WHERE key = '" SETTING_PURGE_DUE "'",
                       NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    /* the mark stays: the next removal, close or open tries again */
    store_set_sqlite_error (self->db, rc, &error, "optimizing the search index");
    g_warning ("%s", error->message);
    return;
  }
  /* another connection reading (a backup, the sqlite3 shell) makes this BUSY: the next
   * purge tries again */
  rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  if (rc != SQLITE_OK)
    g_debug ("truncating the WAL: %s", sqlite3_errstr (rc));
}

static gboolean
on_purge_due (gpointer user_data)
{
  SdStore *self = user_data;

  self->purge_id = 0;
  store_purge (self);
  return G_SOURCE_REMOVE;
}

void
store_purge_removed (SdStore *self)
{
  g_autoptr(GSource) source = NULL;

  if (!self->removed_messages)
    return;
  self->removed_messages = FALSE;
  self->purge_pending = TRUE;
  if (self->purge_id != 0)
    return;
  /* the store is used from one thread, whose context runs the timer; finalize removes it */
  source = g_timeout_source_new (SD_STORE_PURGE_DELAY_MS);
  g_source_set_callback (source, on_purge_due, self, NULL);
  g_source_set_static_name (source, "[sessiond] store purge");
  self->purge_id = g_source_attach (source, g_main_context_get_thread_default ());
}

gboolean
sd_store_purge_pending (SdStore *self)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  return self->purge_pending;
}

/* notes deletes of messages rows, however they happen (a statement, a cascade, a trigger) */
static void
store_update_hook (void *data, int op, const char *database, const char *table,
                   sqlite3_int64 rowid)
{
  SdStore *self = data;

  if (op == SQLITE_DELETE && strcmp (table, "messages") == 0 && strcmp (database, "main") == 0)
    self->removed_messages = TRUE;
}

gboolean
store_check_session_id (const gchar *id, const gchar *what, GError **error)
{
  if (sd_store_is_session_id (id))
    return TRUE;
  g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "%s is not a Session ID", what);
  return FALSE;
}

/* a 1:1 conversation's Session ID, a group's "03…" id, a community's "0c…" id or a
 * community DM peer's blinded id (sd-store-communities.c) */
gboolean
store_check_conversation_id (const gchar *id, const gchar *what, GError **error)
{
  if (sd_store_is_author_id (id) || sd_store_is_community_id (id))
    return TRUE;
  if (id != NULL && strlen (id) == 66 && id[0] == '0' && id[1] == '3') {
    guint i;

    for (i = 2; i < 66 && g_ascii_isxdigit (id[i]) && !g_ascii_isupper (id[i]); i++)
      ;
    if (i == 66)
      return TRUE;
  }
  g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "%s is not a conversation id",
               what);
  return FALSE;
}

gboolean
store_check_utf8 (const gchar *text, const gchar *what, GError **error)
{
  if (text != NULL && g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID, "%s is not valid UTF-8", what);
  return FALSE;
}

gint64
store_now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* the one number @sql selects, @if_none when it is NULL or there is no row */
static gboolean
query_number (SdStore *self, const gchar *sql, gint64 if_none, gint64 *out_value,
              GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  *out_value = rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL ?
    sqlite3_column_int64 (stmt, 0) : if_none;
  return TRUE;
}

gboolean
store_query_min (SdStore *self, const gchar *sql, gint64 *out_value, GError **error)
{
  return query_number (self, sql, G_MAXINT64, out_value, error);
}

/* ---- opening ------------------------------------------------------------------------------- */

static const gchar sqlite_magic[16] = "SQLite format 3";

/* refuses, before SQLite sees it, a non-empty file that does not start like a database, so
 * nothing (not even a journal mode change) can be written into somebody else's file */
static gboolean
check_file_header (const gchar *path, GError **error)
{
  g_autofree gchar *display = g_filename_display_name (path);
  gchar header[16];
  FILE *file;
  size_t n;

  file = g_fopen (path, "rb");
  if (file == NULL) {
    int saved_errno = errno;

    if (saved_errno == ENOENT)
      return TRUE;
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "cannot read %s: %s",
                 display, g_strerror (saved_errno));
    return FALSE;
  }
  n = fread (header, 1, sizeof header, file);
  fclose (file);
  if (n == 0)
    return TRUE;
  if (n != sizeof header || memcmp (header, sqlite_magic, sizeof header) != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s is not an SQLite database; it was left untouched", display);
    return FALSE;
  }
  return TRUE;
}

static gboolean
exec_pragma (SdStore *self, const gchar *sql, const gchar *expect, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  if (expect != NULL &&
      (rc != SQLITE_ROW ||
       g_ascii_strcasecmp ((const gchar *) sqlite3_column_text (stmt, 0), expect) != 0)) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "%s did not give %s", sql, expect);
    return FALSE;
  }
  return rc == SQLITE_DONE || store_run (self, stmt, error);
}

/* refusing a file: closing must not checkpoint a WAL into it either */
static void
store_close_untouched (SdStore *self)
{
  if (self->db != NULL)
    sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}

/* a crash came between a removal and its purge: the purge runs now */
static gboolean
store_load_purge_due (SdStore *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *due = sd_store_get_setting (self, SETTING_PURGE_DUE, &local_error);

  if (due == NULL && !g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND)) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  if (due != NULL)
    store_purge (self);
  return TRUE;
}

static gboolean
store_load_account_id (SdStore *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *id = sd_store_get_setting (self, SETTING_ACCOUNT_ID, &local_error);

  if (id == NULL && !g_error_matches (local_error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND)) {
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  g_free (self->account_id);
  self->account_id = g_steal_pointer (&id);
  return TRUE;
}

/* Once per process, before SQLite initialises: no bulk allocation of 20 pages (87 KB) when a
 * page cache is created. Every INSERT INTO messages checks its three `IN (…)` CHECK
 * constraints against ephemeral tables, each with a page cache of its own; the 87 KB malloc
 * and free around each of them made glibc trim and grow the heap again, with page faults,
 * about 15 µs per stored message (issue 20). Pages are then allocated one by one as they
 * are needed. If something initialised SQLite earlier this is refused, and only costs time */
static void
store_configure_sqlite (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    int rc = sqlite3_config (SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);

    if (rc != SQLITE_OK)
      g_debug ("SQLite was initialised already: %s", sqlite3_errstr (rc));
    g_once_init_leave (&once, 1);
  }
}

static gboolean
store_open (SdStore *self, GError **error)
{
  g_autofree gchar *display = g_filename_display_name (self->path);
  gint64 version = 0;
  gint64 application_id = 0;
  gint64 n_objects = 0;
  int rc;

  if (!check_file_header (self->path, error))
    return FALSE;

  store_configure_sqlite ();
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED, "cannot open %s: %s", display,
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
    return FALSE;
  }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* read only, until we know the file is ours and not newer than us */
  if (!query_number (self, "PRAGMA application_id", 0, &application_id, error) ||
      !query_number (self, "PRAGMA user_version", 0, &version, error) ||
      !query_number (self, "SELECT count(*) FROM sqlite_schema", 0, &n_objects, error)) {
    g_prefix_error (error, "%s: ", display);
    store_close_untouched (self);
    return FALSE;
  }
  if (application_id != 0 && application_id != SD_STORE_APPLICATION_ID) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s belongs to another application; it was left untouched", display);
    store_close_untouched (self);
    return FALSE;
  }
  if (version == 0 && n_objects > 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%s is an SQLite database but not a sessiond store; it was left untouched",
                 display);
    store_close_untouched (self);
    return FALSE;
  }
  if (version < 0 || version > SD_STORE_SCHEMA_VERSION) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NEWER_SCHEMA,
                 "%s has schema version %" G_GINT64_FORMAT " but this sessiond knows only up "
                 "to %d; it was left untouched (use a newer sessiond)",
                 display, version, SD_STORE_SCHEMA_VERSION);
    store_close_untouched (self);
    return FALSE;
  }

  /* synchronous=FULL: a commit is on disk before we go on, so an outbox row exists before
   * the network sees the message and a received batch is never lost after we advanced
   * last_hash; we commit once per poll batch and once or twice per send, so the fsync costs
   * little */
  if (!exec_pragma (self, "PRAGMA journal_mode = WAL", "wal", error) ||
      !exec_pragma (self, "PRAGMA synchronous = FULL", NULL, error) ||
      !exec_pragma (self, "PRAGMA foreign_keys = ON", NULL, error) ||
      /* removed messages overwritten with zeros, not left in free space (Debian's build
       * has this as its default; others do not) */
      !exec_pragma (self, "PRAGMA secure_delete = ON", "1", error)) {
    g_prefix_error (error, "%s: ", display);
    return FALSE;
  }
  if (application_id == 0) {
    g_autofree gchar *sql = g_strdup_printf ("PRAGMA application_id = %d",
                                             SD_STORE_APPLICATION_ID);

    rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
      store_set_sqlite_error (self->db, rc, error, display);
      return FALSE;
    }
  }
  if (!sd_store_schema_migrate (self->db, (gint) version, error)) {
    g_prefix_error (error, "%s: ", display);
    return FALSE;
  }
  sqlite3_update_hook (self->db, store_update_hook, self);
  if (!store_load_purge_due (self, error))
    return FALSE;
  return store_load_account_id (self, error);
}

SdStore *
sd_store_open (const gchar *path, GError **error)
{
  g_autoptr(SdStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SD_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  if (!store_open (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
sd_store_get_path (SdStore *self)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  return self->path;
}

const gchar *
sd_store_get_account_id (SdStore *self)
{
  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  return self->account_id;
}

gboolean
sd_store_set_account_id (SdStore *self, const gchar *account_id, GError **error)
{
  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_session_id (account_id, "the account id", error))
    return FALSE;
  if (self->account_id != NULL) {
    if (g_strcmp0 (self->account_id, account_id) == 0)
      return TRUE;
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                 "this store belongs to another account");
    return FALSE;
  }
  if (!sd_store_set_setting (self, SETTING_ACCOUNT_ID, account_id, error))
    return FALSE;
  self->account_id = g_strdup (account_id);
  return TRUE;
}

/* ---- settings ------------------------------------------------------------------------------ */

gchar *
sd_store_get_setting (SdStore *self, const gchar *key, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self, "SELECT value FROM settings WHERE key = ?1", error);
  if (stmt == NULL)
    return NULL;
  store_bind_text (stmt, 1, key);
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return NULL;
  if (rc == SQLITE_DONE) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "setting %s is not set", key);
    return NULL;
  }
  return store_column_dup (stmt, 0);
}

gboolean
sd_store_set_setting (SdStore *self, const gchar *key, const gchar *value, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store_check_utf8 (key, "the setting name", error) ||
      (value != NULL && !store_check_utf8 (value, "the setting value", error)))
    return FALSE;
  if (value == NULL)
    stmt = store_prepare (self, "DELETE FROM settings WHERE key = ?1", error);
  else
    stmt = store_prepare (self,
                          "INSERT INTO settings (key, value) VALUES (?1, ?2)"
                          " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          error);
  if (stmt == NULL)
    return FALSE;
  store_bind_text (stmt, 1, key);
  if (value != NULL)
    store_bind_text (stmt, 2, value);
  return store_run (self, stmt, error);
}

/* ---- integrity ----------------------------------------------------------------------------- */

gboolean
sd_store_check_integrity (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;
  g_autoptr(SdCachedStmt) fts = NULL;
  const gchar *result;
  gint64 bad = 0;
  int rc;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = store_prepare (self, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  rc = store_step (self, stmt, error);
  if (rc == 0)
    return FALSE;
  result = rc == SQLITE_ROW ? (const gchar *) sqlite3_column_text (stmt, 0) : NULL;
  if (g_strcmp0 (result, "ok") != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT, "integrity check: %s",
                 result != NULL ? result : "no answer");
    return FALSE;
  }
  /* the search index must agree with the messages it indexes */
  fts = store_prepare (self,
                       "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
                       error);
  if (fts == NULL || !store_run (self, fts, error)) {
    g_prefix_error (error, "search index: ");
    return FALSE;
  }
  /* the read state and the counters kept from it (schema version 5); O(unread) */
  if (!query_number (self,
                     "SELECT (SELECT count(*) FROM unread_messages r WHERE NOT EXISTS"
                     "  (SELECT 1 FROM messages m WHERE m.local_id = r.message"
                     "   AND m.conversation = r.conversation AND m.sent_at = r.sent_at"
                     "   AND m.outgoing = 0))"
                     " + (SELECT count(*) FROM conversations c WHERE c.unread <>"
                     "  (SELECT count(*) FROM unread_messages r WHERE r.conversation = c.id))",
                     0, &bad, error))
    return FALSE;
  if (bad != 0) {
    g_set_error (error, SD_STORE_ERROR, SD_STORE_ERROR_CORRUPT,
                 "%" G_GINT64_FORMAT " unread counters or rows do not match the messages", bad);
    return FALSE;
  }
  return TRUE;
}

/* ---- the object ---------------------------------------------------------------------------- */

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
sd_store_finalize (GObject *object)
{
  SdStore *self = SD_STORE (object);

  /* what was removed leaves the files before we go */
  if (self->db != NULL && self->purge_pending)
    store_purge (self);
  g_clear_handle_id (&self->purge_id, g_source_remove);
  /* statements must be finalized before the connection can close */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL) {
    int rc = sqlite3_close (self->db);

    if (rc != SQLITE_OK)
      g_warning ("closing the store: %s", sqlite3_errstr (rc));
    self->db = NULL;
  }
  g_free (self->account_id);
  g_free (self->path);
  g_clear_pointer (&self->attachment_progress, g_hash_table_unref);

  G_OBJECT_CLASS (sd_store_parent_class)->finalize (object);
}

static void
sd_store_class_init (SdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sd_store_finalize;
}

static void
sd_store_init (SdStore *self)
{
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, stmt_finalize);
}
