/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-pool-store.h"

G_BEGIN_DECLS

/* a test double: keeps the pool in memory only, and counts saves */
#define SD_TYPE_MEMORY_POOL_STORE (sd_memory_pool_store_get_type ())
G_DECLARE_FINAL_TYPE (SdMemoryPoolStore, sd_memory_pool_store, SD, MEMORY_POOL_STORE, GObject)

SdPoolStore *sd_memory_pool_store_new (void);
guint sd_memory_pool_store_get_save_count (SdMemoryPoolStore *self);

G_END_DECLS
