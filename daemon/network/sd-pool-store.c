/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-pool-store.h"

G_DEFINE_INTERFACE (SdPoolStore, sd_pool_store, G_TYPE_OBJECT)

static void
sd_pool_store_default_init (SdPoolStoreInterface *iface)
{
}

GPtrArray *
sd_pool_store_load (SdPoolStore *self)
{
  g_return_val_if_fail (SD_IS_POOL_STORE (self), NULL);
  return SD_POOL_STORE_GET_IFACE (self)->load (self);
}

void
sd_pool_store_save (SdPoolStore *self, GPtrArray *nodes)
{
  g_return_if_fail (SD_IS_POOL_STORE (self));
  SD_POOL_STORE_GET_IFACE (self)->save (self, nodes);
}
