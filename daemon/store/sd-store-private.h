/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The store's core, as its other parts use it (sd-store.c): the object, the statement cache,
 * transactions and row helpers. Not for use outside the store.
 */

#include <sqlite3.h>

#include "sd-store.h"

G_BEGIN_DECLS

struct _SdStore {
  GObject parent_instance;

  sqlite3 *db;              /* (owned) */
  gchar *path;              /* (owned) */
  gchar *account_id;        /* (owned) (nullable) */
  /* (owned) SQL literal (unowned, keyed by address) -> sqlite3_stmt* (owned) */
  GHashTable *statements;
  /* a row of messages was deleted since the last purge (update hook) */
  gboolean removed_messages;
  /* removed words may still be in the index or the WAL: the purge is due (marked on disk) */
  gboolean purge_pending;
  guint purge_id;           /* the debounce timer of the purge */
  /* (owned) (nullable) local_id * 64 + index → percent of an attachment transfer under way
   * (sd-store-attachments.c; memory only) */
  GHashTable *attachment_progress;
};

/* a cached statement borrowed for one use; the scope guard resets it for the next */
typedef sqlite3_stmt SdCachedStmt;

static inline void
sd_cached_stmt_release (SdCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdCachedStmt, sd_cached_stmt_release)

/* a transaction scope: rolled back on scope exit unless committed (the type and its
 * cleanup are public: sd_store_transaction_begin) */
struct _SdStoreTx {
  SdStore *store;           /* (unowned) */
  gboolean open;
  gboolean nested;          /* a savepoint inside a caller's transaction */
};

void store_tx_end (SdStoreTx *tx);

void store_set_sqlite_error (sqlite3 *db, int rc, GError **error, const gchar *what);
/* @sql must be a literal: the cache is keyed by its address */
SdCachedStmt *store_prepare (SdStore *self, const gchar *sql, GError **error);
/* SQLITE_ROW or SQLITE_DONE, or 0 with @error set */
int store_step (SdStore *self, sqlite3_stmt *stmt, GError **error);
/* runs a statement to its end */
gboolean store_run (SdStore *self, sqlite3_stmt *stmt, GError **error);
/* steps @stmt to its one row: FALSE with @error set when the step fails, or NOT_FOUND
 * (@absent) when there is no row */
gboolean store_step_row (SdStore *self, sqlite3_stmt *stmt, const gchar *absent,
                         GError **error);
/* steps @stmt to its end, handing each row to @row; FALSE (and @error) when a step fails */
typedef void (*StoreRowFunc) (sqlite3_stmt *stmt, gpointer user_data);
gboolean store_each_row (SdStore *self, sqlite3_stmt *stmt, StoreRowFunc row, gpointer user_data,
                         GError **error);
/* every row of @stmt as a value @from_row makes, in an array that frees them with @free_item;
 * NULL (and @error) when a step fails */
typedef gpointer (*StoreRowNew) (sqlite3_stmt *stmt);
GPtrArray *store_collect_rows (SdStore *self, sqlite3_stmt *stmt, StoreRowNew from_row,
                               GDestroyNotify free_item, GError **error);
/* a StoreRowNew for rows of one text column: the text as a new string (free with g_free) */
gpointer store_row_text (sqlite3_stmt *stmt);
/* binds @text, or NULL for NULL */
void store_bind_text (sqlite3_stmt *stmt, int index, const gchar *text);
/* the column as a new string, NULL for NULL */
gchar *store_column_dup (sqlite3_stmt *stmt, int index);
/* BEGIN IMMEDIATE; inside an open transaction a savepoint, so a caller can make several
 * store calls one transaction (sd_store_transaction_begin) */
SdStoreTx *store_tx_begin (SdStore *self, GError **error);
/* marks a purge due if the transaction removed messages, commits, schedules the purge */
gboolean store_tx_commit (SdStoreTx *tx, GError **error);
/* after a committed change that deleted messages: their words leave the search index and
 * the WAL within SD_STORE_PURGE_DELAY_MS (a timer on the thread-default context) */
void store_purge_removed (SdStore *self);
gboolean store_check_session_id (const gchar *id, const gchar *what, GError **error);
/* a Session ID or a community's id (sd_store_is_community_id) */
gboolean store_check_conversation_id (const gchar *id, const gchar *what, GError **error);
gboolean store_check_utf8 (const gchar *text, const gchar *what, GError **error);
gint64 store_now_ms (void);
/* the one number @sql (a literal) selects, G_MAXINT64 when it is NULL or there is no row */
gboolean store_query_min (SdStore *self, const gchar *sql, gint64 *out_value, GError **error);

G_END_DECLS
