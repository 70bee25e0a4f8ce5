/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "sd-pool-store.h"
#include "sd-snode.h"

G_BEGIN_DECLS

/* a node that fails this many times in a row is dropped (as desktop does) */
#define SD_SNODE_STRIKE_LIMIT 3

#define SD_TYPE_SNODE_POOL (sd_snode_pool_get_type ())
G_DECLARE_FINAL_TYPE (SdSnodePool, sd_snode_pool, SD, SNODE_POOL, GObject)

/* loads what @store saved */
SdSnodePool *sd_snode_pool_new (SdPoolStore *store) G_GNUC_WARN_UNUSED_RESULT;

guint sd_snode_pool_get_size (SdSnodePool *self);

/* replaces the whole pool (after a seed or refresh) and saves it */
void sd_snode_pool_replace (SdSnodePool *self, GPtrArray *nodes);

/* (transfer full) (nullable): a random node not in @exclude (element-type
 * SdSnode, may be NULL) */
SdSnode *sd_snode_pool_pick (SdSnodePool *self, GPtrArray *exclude);

/* (transfer full) (nullable) */
SdSnode *sd_snode_pool_lookup (SdSnodePool *self, const guint8 ed25519_pk[32]);

/* (transfer full) (nullable) the node with that key in the last list the pool was given (the
 * seeds' or a refresh's, or the saved one), even if failures removed it since: what a node's
 * swarm list may name */
SdSnode *sd_snode_pool_lookup_listed (SdSnodePool *self, const guint8 ed25519_pk[32]);

/* counts a failure; TRUE when the node has now been dropped */
gboolean sd_snode_pool_strike (SdSnodePool *self, const SdSnode *node);

/* a success clears the node's strikes */
void sd_snode_pool_clear_strikes (SdSnodePool *self, const SdSnode *node);

void sd_snode_pool_remove (SdSnodePool *self, const guint8 ed25519_pk[32]);

/* (transfer container) (element-type SdSnode) a copy of every node */
GPtrArray *sd_snode_pool_dup_nodes (SdSnodePool *self);

G_END_DECLS
