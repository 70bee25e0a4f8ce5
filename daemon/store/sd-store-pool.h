/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-pool-store.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* persists the network layer's snode pool in the account database */
#define SD_TYPE_STORE_POOL (sd_store_pool_get_type ())
G_DECLARE_FINAL_TYPE (SdStorePool, sd_store_pool, SD, STORE_POOL, GObject)

SdPoolStore *sd_store_pool_new (SdStore *store);

G_END_DECLS
