/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdNetwork"

#include "sd-network.h"
#include "sd-network-private.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-network-error.h"
#include "sd-onion-paths.h"
#include "sd-onion-request.h"
#include "sd-seed.h"
#include "sd-snode-pool.h"
#include "sd-storage-rpc.h"

G_DEFINE_FINAL_TYPE (SdNetwork, sd_network, G_TYPE_OBJECT)

/* ---- clock ---- */

gint64
sd_network_now_ms (SdNetwork *self)
{
  return g_get_real_time () / 1000 + self->clock_offset;
}

gint64
sd_network_get_clock_offset (SdNetwork *self)
{
  return self->clock_offset;
}

static gint64
node_now_ms (SdNetwork *self, const SdSnode *node)
{
  gint64 *offset = g_hash_table_lookup (self->node_offsets, node->ed25519_hex);

  return g_get_real_time () / 1000 + (offset != NULL ? *offset : self->clock_offset);
}

static gint
compare_offsets (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* the median of @offsets when at least CLOCK_QUORUM of them are within CLOCK_AGREE_MS of it:
 * two liars and one honest node have a lying median, which must not count */
static gboolean
quorum_offset (GArray *offsets, gint64 *out_offset)
{
  gint64 median;
  guint agree = 0;

  if (offsets->len < CLOCK_QUORUM)
    return FALSE;
  g_array_sort (offsets, compare_offsets);
  median = g_array_index (offsets, gint64, offsets->len / 2);
  for (guint i = 0; i < offsets->len; i++)
    if (ABS (g_array_index (offsets, gint64, i) - median) <= CLOCK_AGREE_MS)
      agree++;
  if (agree < CLOCK_QUORUM)
    return FALSE;
  *out_offset = median;
  return TRUE;
}

/* the network clock from the recent samples: their median once CLOCK_QUORUM nodes agree on
 * it, so no single node sets it; otherwise only a sample close to our own clock */
static void
update_clock_offset (SdNetwork *self, gint64 newest)
{
  g_autoptr(GArray) offsets = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
                                                 g_hash_table_size (self->clock_samples));
  GHashTableIter iter;
  gpointer value;
  gint64 now_us = g_get_monotonic_time ();
  gint64 before = self->clock_offset;
  gint64 agreed;

  g_hash_table_iter_init (&iter, self->clock_samples);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const ClockSample *sample = value;

    if (now_us - sample->at_us > CLOCK_SAMPLE_MAX_AGE_US)
      g_hash_table_iter_remove (&iter);
    else
      g_array_append_val (offsets, sample->offset);
  }
  if (quorum_offset (offsets, &agreed))
    self->clock_offset = agreed;
  else if (ABS (newest) <= CLOCK_LONE_MAX_MS)
    self->clock_offset = newest;
  else
    g_debug ("a node's clock is %" G_GINT64_FORMAT " ms off ours; waiting for %d nodes to agree",
             newest, CLOCK_QUORUM);
  if (self->clock_offset != before)
    g_debug ("network clock offset now %" G_GINT64_FORMAT " ms (%u samples)", self->clock_offset,
             offsets->len);
}

/* the offset a node's time @t shows, for a request sent at @sent_ms and answered now (our
 * clock). The node wrote @t somewhere between the two, so its clock is ahead of ours by
 * something in [t - now, t - sent]: the value of that range closest to zero. Taking t - now
 * alone would count a slow answer's travel (seconds on a loaded machine or path) as our clock
 * being behind, and date our messages seconds early: a reply sorted before what it answers */
gint64
sd_network_clock_sample (gint64 t, gint64 sent_ms, gint64 now_ms)
{
  gint64 low = t - now_ms, high = t - MIN (sent_ms, now_ms);

  if (low > 0)
    return low;
  if (high < 0)
    return high;
  return 0;
}

static void
learn_time (SdNetwork *self, const SdSnode *node, gint64 t, gint64 sent_ms)
{
  gint64 offset;
  ClockSample *sample;

  if (t < T_MIN)
    return;
  offset = sd_network_clock_sample (t, sent_ms, g_get_real_time () / 1000);
  /* a node that once rejected our clock keeps its own offset for requests to it; its
   * answers still count as one sample among the others */
  if (g_hash_table_contains (self->node_offsets, node->ed25519_hex))
    g_hash_table_replace (self->node_offsets, g_strdup (node->ed25519_hex),
                          g_memdup2 (&offset, sizeof offset));
  /* one sample per node: a node answering often has no more say than one answering once */
  if (g_hash_table_size (self->clock_samples) >= CLOCK_SAMPLES_MAX &&
      !g_hash_table_contains (self->clock_samples, node->ed25519_hex)) {
    GHashTableIter iter;
    gpointer key, value;
    gchar *oldest = NULL;
    gint64 oldest_at = G_MAXINT64;

    g_hash_table_iter_init (&iter, self->clock_samples);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (((ClockSample *) value)->at_us < oldest_at) {
        oldest_at = ((ClockSample *) value)->at_us;
        oldest = key;
      }
    g_hash_table_remove (self->clock_samples, oldest);
  }
  sample = g_new (ClockSample, 1);
  sample->offset = offset;
  sample->at_us = g_get_monotonic_time ();
  g_hash_table_replace (self->clock_samples, g_strdup (node->ed25519_hex), sample);
  update_clock_offset (self, offset);
}

/* ---- one request through an onion path (or direct) ---- */

typedef struct {
  guint status;
  gchar *body;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->body);
  g_free (reply);
}

typedef struct {
  SdSnode *dest;         /* (owned) */
  gchar *rpc_json;       /* (owned) */
  guint attempts;
  SdOnionPath *path;     /* (owned) (nullable) */
  SdOnionRequest request;
  GError *last_error;    /* (owned) (nullable) */
} SendData;

static void
send_data_free (SendData *data)
{
  sd_snode_unref (data->dest);
  g_free (data->rpc_json);
  g_clear_pointer (&data->path, sd_onion_path_unref);
  sd_onion_request_clear (&data->request);
  g_clear_error (&data->last_error);
  g_free (data);
}

static void send_try (GTask *task);

static void
send_retry (GTask *task, GError *error)
{
  SendData *data = g_task_get_task_data (task);

  g_debug ("onion attempt %u failed: %s", data->attempts, error->message);
  g_clear_error (&data->last_error);
  data->last_error = error;
  send_try (task);
}

/* a hop answered 502 "Next node not found: @missing". Any hop can write that text about any
 * key (the guard sees the plain answer), so it is a strike against the node, never a
 * removal by itself: an honest report repeats, and the pool drops the node at the strike
 * limit; a node the report does not fit (not the next hop of anything on this path) makes
 * the path suspect instead */
static void
missing_node (SdNetwork *self, SendData *data, const guint8 missing[32])
{
  g_autoptr(SdSnode) named = sd_snode_pool_lookup (self->pool, missing);
  gboolean on_path = named != NULL && sd_onion_path_contains (data->path, named);
  gboolean is_dest = memcmp (missing, data->dest->keys.ed25519_pk, 32) == 0;

  g_debug ("a hop reports node %s as unknown%s",
           named != NULL ? named->ed25519_hex : "(not in the pool)",
           on_path || is_dest ? "" : ", though it is not on the path");
  if (named != NULL && (on_path || is_dest))
    sd_snode_pool_strike (self->pool, named);
  if (on_path)
    /* this path cannot work while the report holds; the next one avoids the struck node */
    sd_onion_paths_drop_path (self->paths, data->path);
  else if (!is_dest)
    sd_onion_paths_strike (self->paths, data->path);
}

static void
on_onion_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree gchar *text = NULL;
  guint status = 0;
  SdSnode *guard = g_ptr_array_index (data->path->hops, 0);
  Reply *reply;
  guint8 missing[32];

  body = sd_transport_post_finish (SD_TRANSPORT (source), result, &status, &error);
  if (body == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    if (g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_TIMEOUT) ||
        g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY)) {
      /* too slow or too large: any hop (or the destination) may be the cause */
      sd_onion_paths_strike (self->paths, data->path);
    } else {
      /* the guard itself did not answer: that path is useless */
      sd_onion_paths_drop_node (self->paths, guard);
      sd_snode_pool_strike (self->pool, guard);
    }
    send_retry (g_steal_pointer (&task), g_steal_pointer (&error));
    return;
  }
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  if (status != 200) {
    if (status == 502 &&
        sd_storage_rpc_parse_missing_node (text, strlen (text), missing)) {
      missing_node (self, data, missing);
      if (memcmp (missing, data->dest->keys.ed25519_pk, 32) == 0) {
        g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NODE,
                                 "the destination node is not known to the network");
        return;
      }
    } else {
      sd_onion_paths_strike (self->paths, data->path);
    }
    send_retry (g_steal_pointer (&task),
                g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_PATH,
                             "onion path failed with HTTP %u", status));
    return;
  }

  reply = g_new0 (Reply, 1);
  if (!sd_onion_response_decode (&data->request, text, strlen (text), &reply->status,
                                 &reply->body, &error)) {
    reply_free (reply);
    sd_onion_paths_strike (self->paths, data->path);
    send_retry (g_steal_pointer (&task),
                g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                             "unreadable onion reply: %s", error->message));
    return;
  }
  sd_snode_pool_clear_strikes (self->pool, guard);
  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

static void
on_direct_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;
  Reply *reply;

  body = sd_transport_post_finish (SD_TRANSPORT (source), result, &status, &error);
  if (body == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  reply = g_new0 (Reply, 1);
  reply->status = status;
  reply->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

static void
on_path_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  GCancellable *cancellable;
  SdOnionNode hops[SD_ONION_HOPS];

  g_clear_pointer (&data->path, sd_onion_path_unref);
  data->path = sd_onion_paths_get_finish (SD_ONION_PATHS (source), result, &error);
  if (data->path == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (guint i = 0; i < SD_ONION_HOPS; i++)
    hops[i] = ((SdSnode *) g_ptr_array_index (data->path->hops, i))->keys;
  sd_onion_request_clear (&data->request);
  if (!sd_onion_request_build (self->cipher, hops, SD_ONION_HOPS, &data->dest->keys,
                               data->rpc_json, &data->request, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  url = sd_snode_url (g_ptr_array_index (data->path->hops, 0), self->tls, "/onion_req/v2");
  cancellable = g_task_get_cancellable (task);
  sd_transport_post_async (self->transport, url, data->request.body, self->timeout_ms,
                           cancellable, on_onion_reply, g_steal_pointer (&task));
}

static void
send_try (GTask *task)
{
  SdNetwork *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (data->attempts++ >= ONION_ATTEMPTS) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_PATH,
                             "no onion path carried the request (%s)",
                             data->last_error != NULL ? data->last_error->message : "?");
    g_object_unref (task);
    return;
  }
  sd_onion_paths_get_async (self->paths, data->dest, g_task_get_cancellable (task),
                            on_path_ready, task);
}

static void
onion_send_async (SdNetwork *self,
                  SdSnode *dest,
                  const gchar *rpc_json,
                  GCancellable *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SendData *data = g_new0 (SendData, 1);

  g_task_set_source_tag (task, onion_send_async);
  data->dest = sd_snode_ref (dest);
  data->rpc_json = g_strdup (rpc_json);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (self->direct) {
    g_autofree gchar *url = sd_snode_url (dest, self->tls, "/storage_rpc/v1");
    g_autoptr(GBytes) body = g_bytes_new (rpc_json, strlen (rpc_json));

    sd_transport_post_async (self->transport, url, body, self->timeout_ms, cancellable,
                             on_direct_reply, task);
    return;
  }
  send_try (task);
}

static Reply *
onion_send_finish (SdNetwork *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- one RPC to a given node, with the clock retry ---- */

typedef struct {
  SdSnode *node;           /* (owned) */
  SdRpcBuildFunc build;
  gpointer build_data;     /* (owned) */
  GDestroyNotify build_data_free;
  gboolean clock_retried;
  guint status;
  gint64 sent_ms;          /* our clock when the request in flight left */
} NodeRpcData;

static void
node_rpc_data_free (NodeRpcData *data)
{
  sd_snode_unref (data->node);
  if (data->build_data_free != NULL)
    data->build_data_free (data->build_data);
  g_free (data);
}

static void node_rpc_try (GTask *task);

static void
on_info_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = SD_NETWORK (source);
  NodeRpcData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Reply *reply = onion_send_finish (self, result, &error);
  g_autoptr(JsonNode) body = NULL;
  gint64 t;

  if (reply == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  body = sd_storage_rpc_parse_body (reply->body, strlen (reply->body));
  t = sd_storage_rpc_server_time (body);
  reply_free (reply);
  if (t < T_MIN) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_CLOCK,
                             "node rejected our clock and did not tell its own");
    return;
  }
  {
    gint64 offset = sd_network_clock_sample (t, data->sent_ms, g_get_real_time () / 1000);

    g_debug ("node %s clock differs from ours by %" G_GINT64_FORMAT " ms", data->node->ed25519_hex,
             offset);
    g_hash_table_replace (self->node_offsets, g_strdup (data->node->ed25519_hex),
                          g_memdup2 (&offset, sizeof offset));
  }
  learn_time (self, data->node, t, data->sent_ms);
  node_rpc_try (g_steal_pointer (&task));
}

/* a batch whose sub-requests all failed the same way failed that way as a whole
 * (sd_storage_rpc_uniform_batch_failure): @body becomes the first sub-result's body */
static guint
uniform_batch_failure (JsonNode **body)
{
  JsonNode *first_body = NULL;
  guint code = sd_storage_rpc_uniform_batch_failure (*body, &first_body);

  if (code != 0 && first_body != NULL) {
    JsonNode *copy = json_node_copy (first_body);

    json_node_unref (*body);
    *body = copy;
  }
  return code;
}

static void
on_node_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = SD_NETWORK (source);
  NodeRpcData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Reply *reply = onion_send_finish (self, result, &error);
  JsonNode *body;
  guint status, inner;

  if (reply == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  status = reply->status;
  body = sd_storage_rpc_parse_body (reply->body, strlen (reply->body));
  reply_free (reply);
  if (status == 200 && (inner = uniform_batch_failure (&body)) != 0)
    status = inner;

  if (status == 406 && !data->clock_retried) {
    GCancellable *cancellable = g_task_get_cancellable (task);

    data->clock_retried = TRUE;
    json_node_unref (body);
    g_autofree gchar *info = sd_storage_rpc_to_string (sd_storage_rpc_info ());

    data->sent_ms = g_get_real_time () / 1000;
    onion_send_async (self, data->node, info, cancellable, on_info_reply,
                      g_steal_pointer (&task));
    return;
  }
  if (status == 406) {
    json_node_unref (body);
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_CLOCK,
                             "the node rejects our clock even after correcting it");
    return;
  }
  if (status >= 500) {
    json_node_unref (body);
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NODE,
                             "node answered %u", status);
    sd_snode_pool_strike (self->pool, data->node);
    return;
  }
  learn_time (self, data->node, sd_storage_rpc_server_time (body), data->sent_ms);
  sd_snode_pool_clear_strikes (self->pool, data->node);
  data->status = status;
  g_task_return_pointer (task, body, (GDestroyNotify) json_node_unref);
}

static void
node_rpc_try (GTask *task)
{
  SdNetwork *self = g_task_get_source_object (task);
  NodeRpcData *data = g_task_get_task_data (task);
  g_autofree gchar *json = data->build (data->node, node_now_ms (self, data->node),
                                        data->build_data);

  data->sent_ms = g_get_real_time () / 1000;
  onion_send_async (self, data->node, json, g_task_get_cancellable (task), on_node_reply, task);
}

void
sd_network_node_rpc_async (SdNetwork *self,
                           SdSnode *node,
                           SdRpcBuildFunc build,
                           gpointer build_data,
                           GDestroyNotify build_data_free,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  NodeRpcData *data = g_new0 (NodeRpcData, 1);

  g_task_set_source_tag (task, sd_network_node_rpc_async);
  data->node = sd_snode_ref (node);
  data->build = build;
  data->build_data = build_data;
  data->build_data_free = build_data_free;
  g_task_set_task_data (task, data, (GDestroyNotify) node_rpc_data_free);
  node_rpc_try (task);
}

JsonNode *
sd_network_node_rpc_finish (SdNetwork *self, GAsyncResult *result, guint *status, GError **error)
{
  NodeRpcData *data = g_task_get_task_data (G_TASK (result));
  JsonNode *body = g_task_propagate_pointer (G_TASK (result), error);

  if (body != NULL && status != NULL)
    *status = data->status;
  return body;
}

gchar *
sd_network_build_static (const SdSnode *node, gint64 now, gpointer user_data)
{
  return g_strdup (user_data);
}

/* ---- pool ---- */

guint
sd_network_get_pool_size (SdNetwork *self)
{
  return sd_snode_pool_get_size (self->pool);
}

GPtrArray *
sd_network_dup_paths (SdNetwork *self)
{
  return sd_onion_paths_dup_paths (self->paths);
}

gboolean
sd_network_knows_node (SdNetwork *self, const SdSnode *node)
{
  g_autoptr(SdSnode) found = sd_snode_pool_lookup (self->pool, node->keys.ed25519_pk);

  return found != NULL;
}

static void
on_seed_nodes (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = sd_seed_fetch_finish (result, &error);

  if (nodes == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  sd_snode_pool_replace (self->pool, nodes);
  if (sd_snode_pool_get_size (self->pool) < MIN_POOL) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NOT_ENOUGH_NODES,
                             "the seeds know only %u nodes; %d are needed",
                             sd_snode_pool_get_size (self->pool), MIN_POOL);
    return;
  }
  g_task_return_boolean (task, TRUE);
}

void
sd_network_bootstrap_async (SdNetwork *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, sd_network_bootstrap_async);
  if (sd_snode_pool_get_size (self->pool) >= MIN_POOL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  sd_seed_fetch_async (self->transport, (const gchar *const *) self->seed_urls,
                       self->seed_backoff_ms, cancellable, on_seed_nodes,
                       g_steal_pointer (&task));
}

gboolean
sd_network_bootstrap_finish (SdNetwork *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  GPtrArray *asked;   /* (owned) nodes asked so far */
  GPtrArray *common;  /* (owned) (nullable) nodes every answer listed */
  guint answers;
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  g_ptr_array_unref (data->asked);
  g_clear_pointer (&data->common, g_ptr_array_unref);
  g_free (data);
}

static void refresh_next (GTask *task);

static void
on_refresh_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_node_rpc_finish (SD_NETWORK (source), result, &status,
                                                         &error);
  JsonNode *res = NULL, *states = NULL;
  g_autoptr(GPtrArray) listed = NULL;

  if (body != NULL && status == 200 && JSON_NODE_HOLDS_OBJECT (body))
    res = json_object_get_member (json_node_get_object (body), "result");
  if (res != NULL && JSON_NODE_HOLDS_OBJECT (res))
    states = json_object_get_member (json_node_get_object (res), "service_node_states");
  if (states != NULL && JSON_NODE_HOLDS_ARRAY (states))
    listed = sd_snode_list_from_json (json_node_get_array (states));

  if (listed != NULL && listed->len > 0) {
    data->answers++;
    if (data->common == NULL) {
      data->common = g_steal_pointer (&listed);
    } else {
      for (guint i = data->common->len; i > 0; i--) {
        gboolean found = FALSE;

        for (guint j = 0; j < listed->len && !found; j++)
          found = sd_snode_equal (g_ptr_array_index (data->common, i - 1),
                                  g_ptr_array_index (listed, j));
        if (!found)
          g_ptr_array_remove_index (data->common, i - 1);
      }
    }
  }
  refresh_next (g_steal_pointer (&task));
}

static void
refresh_next (GTask *task)
{
  SdNetwork *self = g_task_get_source_object (task);
  RefreshData *data = g_task_get_task_data (task);
  g_autoptr(SdSnode) node = NULL;

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (data->answers < 3 && data->asked->len < 6)
    node = sd_snode_pool_pick (self->pool, data->asked);
  if (node == NULL) {
    if (data->answers < 3 || data->common == NULL ||
        data->common->len < self->min_refresh_nodes) {
      g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NOT_ENOUGH_NODES,
                               "pool refresh got %u answers and %u common nodes",
                               data->answers, data->common != NULL ? data->common->len : 0);
    } else {
      sd_snode_pool_replace (self->pool, data->common);
      g_task_return_boolean (task, TRUE);
    }
    g_object_unref (task);
    return;
  }
  g_ptr_array_add (data->asked, sd_snode_ref (node));
  sd_network_node_rpc_async (self, node, sd_network_build_static,
                             sd_storage_rpc_to_string (sd_storage_rpc_get_service_nodes ()),
                             g_free, g_task_get_cancellable (task), on_refresh_reply, task);
}

void
sd_network_refresh_pool_async (SdNetwork *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  RefreshData *data = g_new0 (RefreshData, 1);

  g_task_set_source_tag (task, sd_network_refresh_pool_async);
  data->asked = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  refresh_next (task);
}

gboolean
sd_network_refresh_pool_finish (SdNetwork *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- object ---- */

void
sd_network_set_cipher (SdNetwork *self, SdOnionCipher cipher)
{
  self->cipher = cipher;
}

void
sd_network_set_direct (SdNetwork *self, gboolean direct)
{
  self->direct = direct;
}

void
sd_network_set_timeout (SdNetwork *self, guint timeout_ms)
{
  self->timeout_ms = timeout_ms;
}

void
sd_network_set_seed_backoff (SdNetwork *self, guint backoff_ms)
{
  self->seed_backoff_ms = backoff_ms;
}

static void
sd_network_finalize (GObject *object)
{
  SdNetwork *self = SD_NETWORK (object);

  g_clear_object (&self->transport);
  g_clear_object (&self->pool);
  g_clear_object (&self->paths);
  g_strfreev (self->seed_urls);
  g_hash_table_unref (self->node_offsets);
  g_hash_table_unref (self->clock_samples);
  g_hash_table_unref (self->swarms);
  g_hash_table_unref (self->resting);
  G_OBJECT_CLASS (sd_network_parent_class)->finalize (object);
}

static void
sd_network_class_init (SdNetworkClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_network_finalize;
}

static void
sd_network_init (SdNetwork *self)
{
  self->cipher = SD_ONION_CIPHER_XCHACHA20;
  self->timeout_ms = 20000;
  self->seed_backoff_ms = 1000;
  self->node_offsets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->clock_samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->swarms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  self->resting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SdNetwork *
sd_network_new (SdTransport *transport,
                SdPoolStore *store,
                const gchar *const *seed_urls,
                gboolean tls)
{
  SdNetwork *self = g_object_new (SD_TYPE_NETWORK, NULL);

  self->transport = g_object_ref (transport);
  self->pool = sd_snode_pool_new (store);
  self->paths = sd_onion_paths_new (self->pool, transport, tls);
  self->seed_urls = g_strdupv ((gchar **) seed_urls);
  self->tls = tls;
  /* desktop wants 24 common nodes on the real network, 12 on a devnet */
  self->min_refresh_nodes = 24;
  for (guint i = 0; seed_urls != NULL && seed_urls[i] != NULL; i++)
    if (!g_str_has_prefix (seed_urls[i], "https://seed"))
      self->min_refresh_nodes = 12;
  return self;
}
