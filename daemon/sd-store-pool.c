/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdStorePool"

#include "sd-store-pool.h"

#include "sd-encoding.h"
#include "sd-snode.h"

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
