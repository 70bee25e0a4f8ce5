/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdOnionPaths"

#include "sd-onion-paths.h"

#include <sodium.h>
#include <string.h>

#include "sd-keys.h"
#include "sd-network-error.h"
#include "sd-storage-rpc.h"

/* desktop's rule: pool operations need more than 8 nodes */
#define MIN_POOL_FOR_PATHS 9

struct _SdOnionPaths {
  GObject parent_instance;

  SdSnodePool *pool;      /* (owned) */
  SdTransport *transport; /* (owned) */
  gboolean tls;
  GPtrArray *paths;       /* (owned) (element-type SdOnionPath) */
  GPtrArray *waiting;     /* (owned) (element-type GTask) callers waiting for a build */
  gboolean building;
  GPtrArray *guards;      /* (owned) tested guards of the build in progress */
  GPtrArray *tried;       /* (owned) guards tried in the build in progress */
  GError *build_error;    /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (SdOnionPaths, sd_onion_paths, G_TYPE_OBJECT)

static void
onion_path_clear (gpointer data)
{
  SdOnionPath *path = data;

  g_ptr_array_unref (path->hops);
}

SdOnionPath *
sd_onion_path_ref (SdOnionPath *path)
{
  return g_rc_box_acquire (path);
}

void
sd_onion_path_unref (SdOnionPath *path)
{
  g_rc_box_release_full (path, onion_path_clear);
}

gboolean
sd_onion_path_contains (const SdOnionPath *path, const SdSnode *node)
{
  for (guint i = 0; node != NULL && i < path->hops->len; i++)
    if (sd_snode_equal (g_ptr_array_index (path->hops, i), node))
      return TRUE;
  return FALSE;
}

/* a path without @avoid, preferring the fewest recent failures and
 * otherwise spreading load at random */
static SdOnionPath *
find_path (SdOnionPaths *self, const SdSnode *avoid)
{
  SdOnionPath *best = NULL;
  guint n_best = 0;

  for (guint i = 0; i < self->paths->len; i++) {
    SdOnionPath *path = g_ptr_array_index (self->paths, i);

    if (sd_onion_path_contains (path, avoid))
      continue;
    if (best == NULL || path->strikes < best->strikes) {
      best = path;
      n_best = 1;
    } else if (path->strikes == best->strikes && g_random_int_range (0, ++n_best) == 0) {
      best = path;
    }
  }
  return best;
}

/* nodes a new path must not use: those of the other paths, and the
 * destinations the waiting callers want to reach */
static GPtrArray *
nodes_in_paths (SdOnionPaths *self)
{
  GPtrArray *used = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  for (guint i = 0; i < self->waiting->len; i++) {
    SdSnode *avoid = g_task_get_task_data (g_ptr_array_index (self->waiting, i));

    if (avoid != NULL)
      g_ptr_array_add (used, sd_snode_ref (avoid));
  }

  for (guint i = 0; i < self->paths->len; i++) {
    SdOnionPath *path = g_ptr_array_index (self->paths, i);

    for (guint h = 0; h < path->hops->len; h++)
      g_ptr_array_add (used, sd_snode_ref (g_ptr_array_index (path->hops, h)));
  }
  return used;
}

static void
finish_waiting (SdOnionPaths *self)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++) {
    GTask *task = g_ptr_array_index (waiting, i);
    const SdSnode *avoid = g_task_get_task_data (task);
    SdOnionPath *path;

    if (g_task_return_error_if_cancelled (task))
      continue;
    path = find_path (self, avoid);
    if (path != NULL)
      g_task_return_pointer (task, sd_onion_path_ref (path),
                             (GDestroyNotify) sd_onion_path_unref);
    else if (self->build_error != NULL)
      g_task_return_error (task, g_error_copy (self->build_error));
    else
      g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_PATH,
                               "no onion path avoids the destination");
  }
}

static void test_next_guard (SdOnionPaths *self);

/* turns each tested guard into a path with two more random hops */
static void
complete_build (SdOnionPaths *self)
{
  g_autoptr(GPtrArray) used = nodes_in_paths (self);

  for (guint i = 0; i < self->guards->len; i++)
    g_ptr_array_add (used, sd_snode_ref (g_ptr_array_index (self->guards, i)));
  for (guint i = 0; i < self->guards->len; i++) {
    SdOnionPath *path = g_rc_box_new0 (SdOnionPath);

    path->hops = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
    g_ptr_array_add (path->hops, sd_snode_ref (g_ptr_array_index (self->guards, i)));
    while (path->hops->len < SD_ONION_HOPS) {
      SdSnode *hop = sd_snode_pool_pick (self->pool, used);

      if (hop == NULL)
        break;
      g_ptr_array_add (used, sd_snode_ref (hop));
      g_ptr_array_add (path->hops, hop);
    }
    if (path->hops->len == SD_ONION_HOPS)
      g_ptr_array_add (self->paths, path);
    else
      sd_onion_path_unref (path);
  }
  g_ptr_array_set_size (self->guards, 0);
  g_ptr_array_set_size (self->tried, 0);
  if (self->paths->len == 0 && self->build_error == NULL)
    self->build_error = g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_NOT_ENOUGH_NODES,
                                     "not enough nodes to build an onion path");
  g_debug ("%u onion paths ready", self->paths->len);
  self->building = FALSE;
  finish_waiting (self);
  g_clear_error (&self->build_error);
}

static void
on_guard_tested (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdOnionPaths) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SdSnode *guard = g_ptr_array_index (self->tried, self->tried->len - 1);
  guint status = 0;

  body = sd_transport_post_finish (SD_TRANSPORT (source), result, &status, &error);
  if (body != NULL && status >= 200 && status < 300) {
    g_ptr_array_add (self->guards, sd_snode_ref (guard));
    sd_snode_pool_clear_strikes (self->pool, guard);
  } else {
    g_debug ("guard %s failed its test: %s", guard->ed25519_hex,
             error != NULL ? error->message : "bad status");
    if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_clear_error (&self->build_error);
      self->build_error = g_steal_pointer (&error);
      complete_build (self);
      return;
    }
    sd_snode_pool_strike (self->pool, guard);
  }
  test_next_guard (self);
}

static void
test_next_guard (SdOnionPaths *self)
{
  guint wanted = SD_ONION_PATH_COUNT - MIN (self->paths->len, SD_ONION_PATH_COUNT);
  g_autoptr(GPtrArray) exclude = NULL;
  g_autoptr(SdSnode) guard = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr(GBytes) body = NULL;
  guint8 random_key[32];
  gchar random_id[SD_SESSION_ID_LEN + 1];

  if (self->guards->len >= wanted || self->tried->len >= 8 * SD_ONION_PATH_COUNT) {
    complete_build (self);
    return;
  }
  exclude = nodes_in_paths (self);
  for (guint i = 0; i < self->tried->len; i++)
    g_ptr_array_add (exclude, sd_snode_ref (g_ptr_array_index (self->tried, i)));
  /* guards must leave enough nodes for the other hops and a destination */
  if (sd_snode_pool_get_size (self->pool) < MIN_POOL_FOR_PATHS ||
      (guard = sd_snode_pool_pick (self->pool, exclude)) == NULL) {
    complete_build (self);
    return;
  }
  g_ptr_array_add (self->tried, sd_snode_ref (guard));

  /* the guard test asks for a random account's swarm: same as desktop's
   * test, without telling the guard who we are */
  randombytes_buf (random_key, sizeof random_key);
  sd_session_id_format (random_key, random_id);
  json = sd_storage_rpc_to_string (sd_storage_rpc_get_swarm (random_id));
  body = g_bytes_new (json, strlen (json));
  url = sd_snode_url (guard, self->tls, "/storage_rpc/v1");
  sd_transport_post_async (self->transport, url, body, SD_GUARD_TEST_TIMEOUT_MS, NULL,
                           on_guard_tested, g_object_ref (self));
}

void
sd_onion_paths_get_async (SdOnionPaths *self,
                          const SdSnode *avoid,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SdOnionPath *path;

  g_task_set_source_tag (task, sd_onion_paths_get_async);
  if (avoid != NULL)
    g_task_set_task_data (task, sd_snode_ref ((SdSnode *) avoid),
                          (GDestroyNotify) sd_snode_unref);
  path = self->paths->len >= SD_ONION_PATH_COUNT ? find_path (self, avoid) : NULL;
  if (path != NULL) {
    g_task_return_pointer (task, sd_onion_path_ref (path), (GDestroyNotify) sd_onion_path_unref);
    return;
  }
  /* every path runs through the destination: replace one of them */
  if (self->paths->len >= SD_ONION_PATH_COUNT && !self->building)
    g_ptr_array_remove_index (self->paths, g_random_int_range (0, self->paths->len));
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (!self->building) {
    self->building = TRUE;
    test_next_guard (self);
  }
}

SdOnionPath *
sd_onion_paths_get_finish (SdOnionPaths *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sd_onion_paths_strike (SdOnionPaths *self, SdOnionPath *path)
{
  if (!g_ptr_array_find (self->paths, path, NULL))
    return;
  path->strikes++;
  if (path->strikes < SD_ONION_PATH_STRIKE_LIMIT)
    return;
  g_debug ("dropping an onion path after %u failures", path->strikes);
  sd_snode_pool_strike (self->pool, g_ptr_array_index (path->hops, 0));
  g_ptr_array_remove (self->paths, path);
}

void
sd_onion_paths_drop_path (SdOnionPaths *self, SdOnionPath *path)
{
  g_ptr_array_remove (self->paths, path);
}

void
sd_onion_paths_drop_node (SdOnionPaths *self, const SdSnode *node)
{
  for (guint i = self->paths->len; i > 0; i--)
    if (sd_onion_path_contains (g_ptr_array_index (self->paths, i - 1), node))
      g_ptr_array_remove_index (self->paths, i - 1);
}

GPtrArray *
sd_onion_paths_dup_paths (SdOnionPaths *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_onion_path_unref);

  for (guint i = 0; i < self->paths->len; i++)
    g_ptr_array_add (copy, sd_onion_path_ref (g_ptr_array_index (self->paths, i)));
  return copy;
}

static void
sd_onion_paths_finalize (GObject *object)
{
  SdOnionPaths *self = SD_ONION_PATHS (object);

  g_clear_object (&self->pool);
  g_clear_object (&self->transport);
  g_ptr_array_unref (self->paths);
  g_ptr_array_unref (self->waiting);
  g_ptr_array_unref (self->guards);
  g_ptr_array_unref (self->tried);
  g_clear_error (&self->build_error);
  G_OBJECT_CLASS (sd_onion_paths_parent_class)->finalize (object);
}

static void
sd_onion_paths_class_init (SdOnionPathsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_onion_paths_finalize;
}

static void
sd_onion_paths_init (SdOnionPaths *self)
{
  self->paths = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_onion_path_unref);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->guards = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  self->tried = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
}

SdOnionPaths *
sd_onion_paths_new (SdSnodePool *pool, SdTransport *transport, gboolean tls)
{
  SdOnionPaths *self = g_object_new (SD_TYPE_ONION_PATHS, NULL);

  self->pool = g_object_ref (pool);
  self->transport = g_object_ref (transport);
  self->tls = tls;
  return self;
}
