/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-snode-pool.h"
#include "sd-transport.h"

G_BEGIN_DECLS

#define SD_ONION_PATH_COUNT 2        /* paths, each led by its own guard */
#define SD_ONION_PATH_STRIKE_LIMIT 3 /* failures before a path is rebuilt */
#define SD_GUARD_TEST_TIMEOUT_MS 10000

/* one path: guard first, SD_ONION_HOPS nodes (reference counted) */
typedef struct {
  GPtrArray *hops; /* (element-type SdSnode) */
  guint strikes;
} SdOnionPath;

SdOnionPath *sd_onion_path_ref (SdOnionPath *path);
void sd_onion_path_unref (SdOnionPath *path);
gboolean sd_onion_path_contains (const SdOnionPath *path, const SdSnode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdOnionPath, sd_onion_path_unref)

#define SD_TYPE_ONION_PATHS (sd_onion_paths_get_type ())
G_DECLARE_FINAL_TYPE (SdOnionPaths, sd_onion_paths, SD, ONION_PATHS, GObject)

SdOnionPaths *sd_onion_paths_new (SdSnodePool *pool,
                                  SdTransport *transport,
                                  gboolean tls) G_GNUC_WARN_UNUSED_RESULT;

/* a ready path that does not contain @avoid (nullable), building paths
 * (with tested guards) when there are not enough */
void sd_onion_paths_get_async (SdOnionPaths *self,
                               const SdSnode *avoid,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
SdOnionPath *sd_onion_paths_get_finish (SdOnionPaths *self,
                                        GAsyncResult *result,
                                        GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* counts a failure of @path; at the limit it is dropped with its guard's
 * standing (the guard gets a pool strike) */
void sd_onion_paths_strike (SdOnionPaths *self, SdOnionPath *path);

/* forgets @path, with no strike for anyone (it will be rebuilt) */
void sd_onion_paths_drop_path (SdOnionPaths *self, SdOnionPath *path);

/* forgets every path through @node (it is gone or misbehaves) */
void sd_onion_paths_drop_node (SdOnionPaths *self, const SdSnode *node);

/* (transfer container) the current paths, for tests and diagnostics */
GPtrArray *sd_onion_paths_dup_paths (SdOnionPaths *self);

G_END_DECLS
