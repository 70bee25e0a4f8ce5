/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-memory-pool-store.h"

#include "sd-snode.h"

struct _SdMemoryPoolStore {
  GObject parent_instance;

  GPtrArray *nodes; /* (owned) (element-type SdSnode) */
  guint save_count;
};

static void sd_memory_pool_store_iface_init (SdPoolStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdMemoryPoolStore, sd_memory_pool_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_POOL_STORE,
                                                      sd_memory_pool_store_iface_init))

static GPtrArray *
memory_load (SdPoolStore *store)
{
  SdMemoryPoolStore *self = SD_MEMORY_POOL_STORE (store);
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  for (guint i = 0; i < self->nodes->len; i++)
    g_ptr_array_add (copy, sd_snode_ref (g_ptr_array_index (self->nodes, i)));
  return copy;
}

static void
memory_save (SdPoolStore *store, GPtrArray *nodes)
{
  SdMemoryPoolStore *self = SD_MEMORY_POOL_STORE (store);

  g_ptr_array_set_size (self->nodes, 0);
  for (guint i = 0; i < nodes->len; i++)
    g_ptr_array_add (self->nodes, sd_snode_ref (g_ptr_array_index (nodes, i)));
  self->save_count++;
}

static void
sd_memory_pool_store_iface_init (SdPoolStoreInterface *iface)
{
  iface->load = memory_load;
  iface->save = memory_save;
}

static void
sd_memory_pool_store_finalize (GObject *object)
{
  SdMemoryPoolStore *self = SD_MEMORY_POOL_STORE (object);

  g_ptr_array_unref (self->nodes);
  G_OBJECT_CLASS (sd_memory_pool_store_parent_class)->finalize (object);
}

static void
sd_memory_pool_store_class_init (SdMemoryPoolStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_memory_pool_store_finalize;
}

static void
sd_memory_pool_store_init (SdMemoryPoolStore *self)
{
  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
}

SdPoolStore *
sd_memory_pool_store_new (void)
{
  return g_object_new (SD_TYPE_MEMORY_POOL_STORE, NULL);
}

guint
sd_memory_pool_store_get_save_count (SdMemoryPoolStore *self)
{
  return self->save_count;
}
