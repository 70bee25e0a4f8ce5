/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* where the snode pool is persisted between runs; the daemon's SQLite store
 * implements it, tests use an in-memory one
 * (tests/network/sd-memory-pool-store.c) */
#define SD_TYPE_POOL_STORE (sd_pool_store_get_type ())
G_DECLARE_INTERFACE (SdPoolStore, sd_pool_store, SD, POOL_STORE, GObject)

struct _SdPoolStoreInterface {
  GTypeInterface parent_iface;

  /* (element-type SdSnode) (transfer container); empty when nothing saved */
  GPtrArray *(*load) (SdPoolStore *self);
  void (*save) (SdPoolStore *self, GPtrArray *nodes);
};

GPtrArray *sd_pool_store_load (SdPoolStore *self);
void sd_pool_store_save (SdPoolStore *self, GPtrArray *nodes);

G_END_DECLS
