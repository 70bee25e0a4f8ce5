/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sd-onion-crypto.h"
#include "sd-pool-store.h"
#include "sd-snode.h"
#include "sd-transport.h"

G_BEGIN_DECLS

/* the daemon's connection to the Session network: snode pool, swarms,
 * onion paths and storage RPCs (protocol-network.md) */
#define SD_TYPE_NETWORK (sd_network_get_type ())
G_DECLARE_FINAL_TYPE (SdNetwork, sd_network, SD, NETWORK, GObject)

/* builds the RPC request JSON for @node (the destination, e.g. for its
 * last_hash) at a network time (ms); called again with a corrected time
 * when the node rejects our clock, and for each swarm member tried */
typedef gchar *(*SdRpcBuildFunc) (const SdSnode *node, gint64 network_now_ms, gpointer user_data);

/* @tls: nodes listen on HTTPS (the real network; the testnet by default) */
SdNetwork *sd_network_new (SdTransport *transport,
                           SdPoolStore *store,
                           const gchar *const *seed_urls,
                           gboolean tls) G_GNUC_WARN_UNUSED_RESULT;

void sd_network_set_cipher (SdNetwork *self, SdOnionCipher cipher);

/* diagnostics and tests only: send RPCs straight to nodes, no onion */
void sd_network_set_direct (SdNetwork *self, gboolean direct);

/* per-request limit for one onion request (default 20 s) */
void sd_network_set_timeout (SdNetwork *self, guint timeout_ms);

/* first pause between seed rounds (default 1 s, doubling) */
void sd_network_set_seed_backoff (SdNetwork *self, guint backoff_ms);

/* local clock corrected by what the nodes told us (ms): by the median of at least three that
 * agree, or by one close to the local clock (sd-network-private.h, CLOCK_*) */
gint64 sd_network_now_ms (SdNetwork *self);
gint64 sd_network_get_clock_offset (SdNetwork *self);

/* the pool, to inspect or seed it in tests */
guint sd_network_get_pool_size (SdNetwork *self);

/* (transfer container) (element-type SdOnionPath) the current onion
 * paths, for diagnostics and tests */
GPtrArray *sd_network_dup_paths (SdNetwork *self);

/* whether @node is (still) in the pool */
gboolean sd_network_knows_node (SdNetwork *self, const SdSnode *node);

/* makes sure the pool is usable: loaded from the store, or from the seeds */
void sd_network_bootstrap_async (SdNetwork *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean sd_network_bootstrap_finish (SdNetwork *self,
                                      GAsyncResult *result,
                                      GError **error);

/* refreshes the pool from several nodes through onion requests, keeping
 * nodes that all of them list */
void sd_network_refresh_pool_async (SdNetwork *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean sd_network_refresh_pool_finish (SdNetwork *self,
                                         GAsyncResult *result,
                                         GError **error);

/* one storage RPC to @node through an onion path; a 406 makes us learn the
 * node's clock and retry once. Returns the body (a JSON value; text bodies
 * as a JSON string) and the storage server's status */
void sd_network_node_rpc_async (SdNetwork *self,
                                SdSnode *node,
                                SdRpcBuildFunc build,
                                gpointer build_data,
                                GDestroyNotify build_data_free,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
JsonNode *sd_network_node_rpc_finish (SdNetwork *self,
                                      GAsyncResult *result,
                                      guint *status,
                                      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the members of @account_id's swarm (cached; fetched with get_swarm) */
void sd_network_get_swarm_async (SdNetwork *self,
                                 const gchar *account_id,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
GPtrArray *sd_network_get_swarm_finish (SdNetwork *self,
                                        GAsyncResult *result,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* one storage RPC for @account_id to a member of its swarm: 421 replaces
 * the cached swarm and retries on a new member; failing members are
 * skipped; @node receives the member that answered */
void sd_network_swarm_rpc_async (SdNetwork *self,
                                 const gchar *account_id,
                                 SdRpcBuildFunc build,
                                 gpointer build_data,
                                 GDestroyNotify build_data_free,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* the same, to the member whose Ed25519 hex is @prefer while it is in the swarm and answers
 * (a backlog paged on one member: each member's cursor is its own); any member after that */
void sd_network_swarm_rpc_prefer_async (SdNetwork *self,
                                        const gchar *account_id,
                                        const gchar *prefer,
                                        SdRpcBuildFunc build,
                                        gpointer build_data,
                                        GDestroyNotify build_data_free,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
JsonNode *sd_network_swarm_rpc_finish (SdNetwork *self,
                                       GAsyncResult *result,
                                       guint *status,
                                       SdSnode **node,
                                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
