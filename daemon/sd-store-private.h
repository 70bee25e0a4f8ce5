/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the parts of SdStore share (sd-store.c and the sd-store-*.c files): the object, the
 * statement cache, transactions and row helpers. Not for use outside the store.
 */

#include <sqlite3.h>

#include "sd-store.h"

G_BEGIN_DECLS

struct _SdStore {
  GObject parent_instance;

  sqlite3 *db;              /* (owned) */
  gchar *path;              /* (owned) */
  gchar *account_id;        /* (owned) (nullable) */
  GHashTable *statements;   /* (owned) SQL literal (unowned, keyed by address) -> sqlite3_stmt* (owned) */
};

/* how long a removed message's id is remembered: longer than any copy lives in a swarm */
#define SD_STORE_REMOVED_KEEP_MS (15LL * 24 * 3600 * 1000)

/* a cached statement borrowed for one use; the scope guard resets it for the next */
typedef sqlite3_stmt SdCachedStmt;

static inline void
sd_cached_stmt_release (SdCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdCachedStmt, sd_cached_stmt_release)

/* a transaction scope: rolled back on scope exit unless committed */
typedef struct {
  SdStore *store;           /* (unowned) */
  gboolean open;
} SdStoreTx;

void store_tx_end (SdStoreTx *tx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdStoreTx, store_tx_end)

void set_sqlite_error (sqlite3 *db, int rc, GError **error, const gchar *what);
/* @sql must be a literal: the cache is keyed by its address */
SdCachedStmt *store_prepare (SdStore *self, const gchar *sql, GError **error);
/* SQLITE_ROW or SQLITE_DONE, or 0 with @error set */
int store_step (SdStore *self, sqlite3_stmt *stmt, GError **error);
/* runs a statement to its end */
gboolean store_run (SdStore *self, sqlite3_stmt *stmt, GError **error);
void bind_text (sqlite3_stmt *stmt, int index, const gchar *text);
gchar *column_dup (sqlite3_stmt *stmt, int index);
/* BEGIN IMMEDIATE */
SdStoreTx *store_tx_begin (SdStore *self, GError **error);
gboolean store_tx_commit (SdStoreTx *tx, GError **error);
gboolean store_check_session_id (const gchar *id, const gchar *what, GError **error);
gboolean store_check_utf8 (const gchar *text, const gchar *what, GError **error);
gint64 store_now_ms (void);
/* the one number @sql (a literal) selects, G_MAXINT64 when it is NULL or there is no row */
gboolean store_query_min (SdStore *self, const gchar *sql, gint64 *out_value, GError **error);

/* the row of message (author, sent_at) as @message_id names it; NOT_FOUND when absent */
gboolean find_message (SdStore *self, const gchar *message_id, gint64 *out_local_id,
                       gchar **out_conversation, GError **error);
/* a whole message with its quote and reactions; NOT_FOUND when absent */
SdMessage *load_message (SdStore *self, const gchar *author, gint64 sent_at, GError **error);
SdConversation *load_conversation (SdStore *self, const gchar *id, GError **error);
gboolean expect_conversation (SdStore *self, const gchar *id, GError **error);
gboolean ensure_conversation (SdStore *self, const gchar *id, SdConversationKind kind,
                              gboolean approved, gboolean they_approved, gint64 last_activity,
                              gboolean *out_created, gboolean *out_blocked, GError **error);

gboolean store_apply_expiration (SdStore *self, const gchar *conversation_id,
                                 SdExpirationMode mode, guint32 timer, gint64 changed_at,
                                 GError **error);

/* sd-store-reactions.c: clears an SdReaction in an array */
void store_reaction_clear (gpointer data);
/* the per-emoji summary of @message's reactions */
gboolean store_load_reactions (SdStore *self, SdMessage *message, GError **error);
/* sd-store-jobs.c: inside the caller's transaction */
gboolean store_insert_jobs (SdStore *self, const SdJobSpec *jobs, guint n_jobs, GError **error);
/* sd-store-removal.c: whether (author, sent_at) was removed before */
gboolean store_was_removed (SdStore *self, const gchar *author, gint64 sent_at,
                            gboolean *out_removed, GError **error);
/* deletes one message row and remembers it as removed, inside the caller's transaction */
gboolean store_remove_row (SdStore *self, const gchar *author, gint64 sent_at,
                           gint64 forget_at, GError **error);

G_END_DECLS
