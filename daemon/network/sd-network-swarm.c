/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdNetwork"

/*
 * Swarms: which nodes hold an account's messages (get_swarm, cached), and one storage RPC
 * to a member of it — 421 replaces the cached swarm, a failing member rests for a while and
 * another is tried. Built on the node RPCs of sd-network.c, which never call back here.
 */

#include "sd-network.h"
#include "sd-network-private.h"

#include "sd-network-error.h"
#include "sd-storage-rpc.h"


/* the members a get_swarm or 421 answer lists, as the pool knows them: a node's answer decides
 * which nodes we poll and store to, so a node the pool was never given (by the seeds or a
 * pool refresh several nodes agreed on; nodes removed for failures since still count) is
 * left out, and a known key keeps the pool's address, not the one in the answer; at most
 * SWARM_MAX_MEMBERS */
static GPtrArray *
known_members (SdNetwork *self, JsonArray *snodes)
{
  g_autoptr(GPtrArray) listed = snodes != NULL ? sd_snode_list_from_json (snodes) : NULL;
  GPtrArray *known = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  guint unknown = 0;

  for (guint i = 0; listed != NULL && i < listed->len; i++) {
    SdSnode *node = g_ptr_array_index (listed, i);
    SdSnode *pooled = sd_snode_pool_lookup_listed (self->pool, node->keys.ed25519_pk);

    if (pooled == NULL)
      unknown++;
    else if (known->len < SWARM_MAX_MEMBERS)
      g_ptr_array_add (known, pooled);
    else
      sd_snode_unref (pooled);
  }
  if (unknown > 0 || (listed != NULL && known->len < listed->len))
    g_debug ("swarm list: %u members kept, %u not in the pool, %u listed", known->len, unknown,
             listed != NULL ? listed->len : 0);
  return known;
}

typedef struct {
  gchar *account_id;  /* (owned) */
  GPtrArray *tried;   /* (owned) */
} SwarmFetchData;

static void
swarm_fetch_data_free (SwarmFetchData *data)
{
  g_free (data->account_id);
  g_ptr_array_unref (data->tried);
  g_free (data);
}

static void swarm_fetch_try (GTask *task);

static void
on_get_swarm_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = SD_NETWORK (source);
  SwarmFetchData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) members = NULL;
  JsonArray *snodes;
  guint status = 0;

  body = sd_network_node_rpc_finish (self, result, &status, &error);
  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  snodes = body != NULL && status == 200 ? sd_storage_rpc_snodes (body) : NULL;
  if (snodes != NULL)
    members = known_members (self, snodes);
  if (members == NULL || members->len < SWARM_MIN_MEMBERS) {
    g_debug ("get_swarm attempt failed: %s", error != NULL ? error->message : "too few members");
    swarm_fetch_try (g_steal_pointer (&task));
    return;
  }
  g_hash_table_replace (self->swarms, g_strdup (data->account_id), g_ptr_array_ref (members));
  g_task_return_pointer (task, g_steal_pointer (&members), (GDestroyNotify) g_ptr_array_unref);
}

static void
swarm_fetch_try (GTask *task)
{
  SdNetwork *self = g_task_get_source_object (task);
  SwarmFetchData *data = g_task_get_task_data (task);
  g_autoptr(SdSnode) node = NULL;

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (data->tried->len >= GET_SWARM_ATTEMPTS ||
      (node = sd_snode_pool_pick (self->pool, data->tried)) == NULL) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_SWARM,
                             "could not learn the account's swarm");
    g_object_unref (task);
    return;
  }
  g_ptr_array_add (data->tried, sd_snode_ref (node));
  sd_network_node_rpc_async (self, node, sd_network_build_static,
                             sd_storage_rpc_to_string (sd_storage_rpc_get_swarm (data->account_id)),
                             g_free, g_task_get_cancellable (task), on_get_swarm_reply, task);
}

void
sd_network_get_swarm_async (SdNetwork *self,
                            const gchar *account_id,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GPtrArray *cached = g_hash_table_lookup (self->swarms, account_id);
  SwarmFetchData *data;

  g_task_set_source_tag (task, sd_network_get_swarm_async);
  if (cached != NULL && cached->len > 0) {
    g_task_return_pointer (task, g_ptr_array_ref (cached), (GDestroyNotify) g_ptr_array_unref);
    g_object_unref (task);
    return;
  }
  data = g_new0 (SwarmFetchData, 1);
  data->account_id = g_strdup (account_id);
  data->tried = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) swarm_fetch_data_free);
  swarm_fetch_try (task);
}

GPtrArray *
sd_network_get_swarm_finish (SdNetwork *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
member_resting (SdNetwork *self, const SdSnode *node)
{
  gint64 *until = g_hash_table_lookup (self->resting, node->ed25519_hex);

  if (until == NULL)
    return FALSE;
  if (*until > g_get_monotonic_time ())
    return TRUE;
  g_hash_table_remove (self->resting, node->ed25519_hex);
  return FALSE;
}

/* @node failed for @account_id: it rests for a while; when every member of the swarm rests,
 * the swarm is asked for again */
static void
forget_member (SdNetwork *self, const gchar *account_id, const SdSnode *node)
{
  GPtrArray *swarm = g_hash_table_lookup (self->swarms, account_id);
  gint64 *until = g_new (gint64, 1);
  gboolean all_resting = TRUE;

  *until = g_get_monotonic_time () + MEMBER_REST_US;
  g_hash_table_replace (self->resting, g_strdup (node->ed25519_hex), until);
  for (guint i = 0; swarm != NULL && i < swarm->len; i++)
    all_resting = all_resting && member_resting (self, g_ptr_array_index (swarm, i));
  if (swarm != NULL && all_resting) {
    for (guint i = 0; i < swarm->len; i++)
      g_hash_table_remove (self->resting, ((SdSnode *) g_ptr_array_index (swarm, i))->ed25519_hex);
    g_hash_table_remove (self->swarms, account_id);
  }
}

typedef struct {
  gchar *account_id;       /* (owned) */
  SdRpcBuildFunc build;
  gpointer build_data;     /* (owned) */
  GDestroyNotify build_data_free;
  GPtrArray *tried;        /* (owned) */
  gchar *prefer;           /* (owned) (nullable) the member asked first */
  SdSnode *member;         /* (owned) (nullable) */
  guint wrong_swarm;
  guint status;
  GError *last_error;      /* (owned) (nullable) */
} SwarmRpcData;

static void
swarm_rpc_data_free (SwarmRpcData *data)
{
  g_free (data->account_id);
  g_free (data->prefer);
  if (data->build_data_free != NULL)
    data->build_data_free (data->build_data);
  g_ptr_array_unref (data->tried);
  g_clear_pointer (&data->member, sd_snode_unref);
  g_clear_error (&data->last_error);
  g_free (data);
}

static void swarm_rpc_try (GTask *task);

/* the build function of the caller, called through a borrowed pointer */
static gchar *
build_through (const SdSnode *node, gint64 now, gpointer user_data)
{
  SwarmRpcData *data = user_data;

  return data->build (node, now, data->build_data);
}

static void
on_swarm_member_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = SD_NETWORK (source);
  SwarmRpcData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status = 0;

  body = sd_network_node_rpc_finish (self, result, &status, &error);
  if (body == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
        g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_CLOCK)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    forget_member (self, data->account_id, data->member);
    g_clear_error (&data->last_error);
    data->last_error = g_steal_pointer (&error);
    swarm_rpc_try (g_steal_pointer (&task));
    return;
  }
  if (status == 421) {
    JsonArray *snodes = sd_storage_rpc_snodes (body);
    g_autoptr(GPtrArray) members = NULL;

    if (snodes != NULL)
      members = known_members (self, snodes);
    g_debug ("wrong swarm; the node names %u known members", members != NULL ? members->len : 0);
    data->wrong_swarm++;
    sd_snode_pool_strike (self->pool, data->member);
    if (members != NULL && members->len > 0)
      g_hash_table_replace (self->swarms, g_strdup (data->account_id),
                            g_steal_pointer (&members));
    else
      forget_member (self, data->account_id, data->member);
    if (data->wrong_swarm >= SWARM_421_LIMIT) {
      g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_SWARM,
                               "the network keeps moving the account to another swarm");
      return;
    }
    swarm_rpc_try (g_steal_pointer (&task));
    return;
  }
  data->status = status;
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) json_node_unref);
}

static gboolean
was_tried (const SwarmRpcData *data, const SdSnode *member)
{
  for (guint j = 0; j < data->tried->len; j++)
    if (sd_snode_equal (g_ptr_array_index (data->tried, j), member))
      return TRUE;
  return FALSE;
}

static void
on_swarm_for_rpc (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = SD_NETWORK (source);
  SwarmRpcData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) swarm = sd_network_get_swarm_finish (self, result, &error);
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  GCancellable *cancellable;

  if (swarm == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < swarm->len; i++) {
    SdSnode *member = g_ptr_array_index (swarm, i);

    if (!was_tried (data, member) && !member_resting (self, member))
      g_ptr_array_add (candidates, member);
  }
  /* every untried member rests: better one of them than none */
  for (guint i = 0; candidates->len == 0 && i < swarm->len; i++) {
    SdSnode *member = g_ptr_array_index (swarm, i);

    if (!was_tried (data, member))
      g_ptr_array_add (candidates, member);
  }
  if (candidates->len == 0) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_SWARM,
                             "no member of the account's swarm answered%s%s",
                             data->last_error != NULL ? ": " : "",
                             data->last_error != NULL ? data->last_error->message : "");
    return;
  }
  g_clear_pointer (&data->member, sd_snode_unref);
  for (guint i = 0; data->prefer != NULL && i < candidates->len; i++)
    if (g_str_equal (((SdSnode *) g_ptr_array_index (candidates, i))->ed25519_hex, data->prefer))
      data->member = sd_snode_ref (g_ptr_array_index (candidates, i));
  if (data->member == NULL)
    data->member = sd_snode_ref (g_ptr_array_index (candidates,
                                                    g_random_int_range (0, candidates->len)));
  g_ptr_array_add (data->tried, sd_snode_ref (data->member));
  cancellable = g_task_get_cancellable (task);
  sd_network_node_rpc_async (self, data->member, build_through, data, NULL, cancellable,
                             on_swarm_member_reply, g_steal_pointer (&task));
}

static void
swarm_rpc_try (GTask *task)
{
  SdNetwork *self = g_task_get_source_object (task);
  SwarmRpcData *data = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (data->tried->len >= SWARM_ATTEMPTS) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_SWARM,
                             "no member of the account's swarm answered: %s",
                             data->last_error != NULL ? data->last_error->message : "?");
    g_object_unref (task);
    return;
  }
  sd_network_get_swarm_async (self, data->account_id, g_task_get_cancellable (task),
                              on_swarm_for_rpc, task);
}

void
sd_network_swarm_rpc_async (SdNetwork *self,
                            const gchar *account_id,
                            SdRpcBuildFunc build,
                            gpointer build_data,
                            GDestroyNotify build_data_free,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  sd_network_swarm_rpc_prefer_async (self, account_id, NULL, build, build_data, build_data_free,
                                     cancellable, callback, user_data);
}

void
sd_network_swarm_rpc_prefer_async (SdNetwork *self,
                                   const gchar *account_id,
                                   const gchar *prefer,
                                   SdRpcBuildFunc build,
                                   gpointer build_data,
                                   GDestroyNotify build_data_free,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SwarmRpcData *data = g_new0 (SwarmRpcData, 1);

  g_task_set_source_tag (task, sd_network_swarm_rpc_async);
  data->account_id = g_strdup (account_id);
  data->prefer = g_strdup (prefer);
  data->build = build;
  data->build_data = build_data;
  data->build_data_free = build_data_free;
  data->tried = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) swarm_rpc_data_free);
  swarm_rpc_try (task);
}

JsonNode *
sd_network_swarm_rpc_finish (SdNetwork *self,
                             GAsyncResult *result,
                             guint *status,
                             SdSnode **node,
                             GError **error)
{
  SwarmRpcData *data = g_task_get_task_data (G_TASK (result));
  JsonNode *body = g_task_propagate_pointer (G_TASK (result), error);

  if (body != NULL && status != NULL)
    *status = data->status;
  if (body != NULL && node != NULL)
    *node = sd_snode_ref (data->member);
  return body;
}
