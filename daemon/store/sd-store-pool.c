/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStorePool"

#include "config.h"

#include "sd-store-pool.h"
#include "sd-store-private.h"

#include "sd-encoding.h"
#include "sd-snode.h"

/*
 * The network layer's snode pool, kept in the account database: the snodes table, and
 * SdStorePool, the SdPoolStore the network layer loads and saves the pool through.
 */

/* ---- the snodes table ---------------------------------------------------------------------- */

void
sd_store_snode_free (SdStoreSnode *node)
{
  if (node == NULL)
    return;
  g_free (node->ed25519);
  g_free (node->x25519);
  g_free (node->ip);
  g_free (node);
}

static gboolean
check_snode (const SdStoreSnode *node, GError **error)
{
  if (node == NULL || node->ed25519 == NULL || node->x25519 == NULL || node->ip == NULL ||
      !g_utf8_validate (node->ed25519, -1, NULL) || !g_utf8_validate (node->x25519, -1, NULL) ||
      !g_utf8_validate (node->ip, -1, NULL)) {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID,
                         "a service node without keys or address");
    return FALSE;
  }
  return TRUE;
}

static SdStoreSnode *
snode_from_row (sqlite3_stmt *stmt)
{
  SdStoreSnode *node = g_new0 (SdStoreSnode, 1);

  node->ed25519 = store_column_dup (stmt, 0);
  node->x25519 = store_column_dup (stmt, 1);
  node->ip = store_column_dup (stmt, 2);
  node->port = (guint16) sqlite3_column_int (stmt, 3);
  /* swarm ids use all 64 bits; SQLite keeps them as the same bits, signed */
  node->swarm_id = (guint64) sqlite3_column_int64 (stmt, 4);
  node->strikes = (guint) sqlite3_column_int (stmt, 5);
  return node;
}

gboolean
sd_store_save_snodes (SdStore *self, GPtrArray *nodes, GError **error)
{
  g_autoptr(SdStoreTx) tx = NULL;
  g_autoptr(SdCachedStmt) clear = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), FALSE);
  g_return_val_if_fail (nodes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < nodes->len; i++) {
    if (!check_snode (g_ptr_array_index (nodes, i), error))
      return FALSE;
  }
  tx = store_tx_begin (self, error);
  if (tx == NULL)
    return FALSE;
  clear = store_prepare (self, "DELETE FROM snodes", error);
  if (clear == NULL || !store_run (self, clear, error))
    return FALSE;
  for (guint i = 0; i < nodes->len; i++) {
    const SdStoreSnode *node = g_ptr_array_index (nodes, i);
    g_autoptr(SdCachedStmt) insert = NULL;

    insert = store_prepare (self,
                            "INSERT OR REPLACE INTO snodes"
                            " (ed25519, x25519, ip, port, swarm_id, strikes)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            error);
    if (insert == NULL)
      return FALSE;
    store_bind_text (insert, 1, node->ed25519);
    store_bind_text (insert, 2, node->x25519);
    store_bind_text (insert, 3, node->ip);
    sqlite3_bind_int (insert, 4, node->port);
    sqlite3_bind_int64 (insert, 5, (gint64) node->swarm_id);
    sqlite3_bind_int64 (insert, 6, node->strikes);
    if (!store_run (self, insert, error))
      return FALSE;
  }
  return store_tx_commit (tx, error);
}

GPtrArray *
sd_store_load_snodes (SdStore *self, GError **error)
{
  g_autoptr(SdCachedStmt) stmt = NULL;

  g_return_val_if_fail (SD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = store_prepare (self,
                        "SELECT ed25519, x25519, ip, port, swarm_id, strikes FROM snodes"
                        " ORDER BY ed25519",
                        error);
  if (stmt == NULL)
    return NULL;
  return store_collect_rows (self, stmt, (StoreRowNew) snode_from_row,
                             (GDestroyNotify) sd_store_snode_free, error);
}

/* ---- the pool store adapter ---------------------------------------------------------------- */

struct _SdStorePool {
  GObject parent_instance;

  SdStore *store; /* (owned) */
};

static void sd_store_pool_iface_init (SdPoolStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdStorePool, sd_store_pool, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_POOL_STORE,
                                                      sd_store_pool_iface_init))

static GPtrArray *
store_pool_load (SdPoolStore *pool_store)
{
  SdStorePool *self = SD_STORE_POOL (pool_store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = sd_store_load_snodes (self->store, &error);
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  if (rows == NULL) {
    g_warning ("could not load the saved node list: %s", error->message);
    return nodes;
  }
  for (guint i = 0; i < rows->len; i++) {
    SdStoreSnode *row = g_ptr_array_index (rows, i);
    SdSnode *node = sd_snode_new (row->ed25519, row->x25519, row->ip, row->port, row->swarm_id,
                                  NULL);

    /* a row that no longer validates is simply forgotten */
    if (node != NULL)
      g_ptr_array_add (nodes, node);
  }
  return nodes;
}

static void
store_pool_save (SdPoolStore *pool_store, GPtrArray *nodes)
{
  SdStorePool *self = SD_STORE_POOL (pool_store);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_store_snode_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (nodes, i);
    SdStoreSnode *row = g_new0 (SdStoreSnode, 1);

    row->ed25519 = g_strdup (node->ed25519_hex);
    row->x25519 = sd_hex_encode (node->keys.x25519_pk, 32);
    row->ip = g_strdup (node->ip);
    row->port = node->port;
    row->swarm_id = node->swarm_id;
    g_ptr_array_add (rows, row);
  }
  if (!sd_store_save_snodes (self->store, rows, &error))
    g_warning ("could not save the node list: %s", error->message);
}

static void
sd_store_pool_iface_init (SdPoolStoreInterface *iface)
{
  iface->load = store_pool_load;
  iface->save = store_pool_save;
}

static void
sd_store_pool_finalize (GObject *object)
{
  g_clear_object (&SD_STORE_POOL (object)->store);
  G_OBJECT_CLASS (sd_store_pool_parent_class)->finalize (object);
}

static void
sd_store_pool_class_init (SdStorePoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_store_pool_finalize;
}

static void
sd_store_pool_init (SdStorePool *self)
{
}

SdPoolStore *
sd_store_pool_new (SdStore *store)
{
  SdStorePool *self = g_object_new (SD_TYPE_STORE_POOL, NULL);

  self->store = g_object_ref (store);
  return SD_POOL_STORE (self);
}
