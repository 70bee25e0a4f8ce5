/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSeed"

#include "sd-seed.h"

#include <json-glib/json-glib.h>

#include "sd-json.h"
#include "sd-network-error.h"
#include "sd-snode.h"

/* fingerprints from protocol-network.md §9.7 */
const SdSeedPin sd_mainnet_seeds[3] = {
  { "https://seed1.getsession.org:4443/",
    { 0x36, 0xEA, 0x0B, 0x25, 0x35, 0x37, 0x98, 0x85, 0x51, 0xEE, 0x85, 0x6E, 0x4F, 0xD2, 0x0D, 0x55,
      0x01, 0x1E, 0x9C, 0x8B, 0x27, 0xEA, 0xA2, 0xF3, 0x4B, 0x8F, 0x32, 0xA0, 0xBD, 0xF0, 0x4F, 0x2D } },
  { "https://seed2.getsession.org:4443/",
    { 0xC5, 0x90, 0x8D, 0xD4, 0x13, 0x9A, 0xCD, 0x96, 0xAE, 0xDD, 0x1E, 0x45, 0x57, 0x65, 0x97, 0x65,
      0x08, 0x09, 0xC8, 0xA5, 0xEA, 0x02, 0xAF, 0x55, 0x6D, 0x48, 0x53, 0xD4, 0x53, 0x96, 0xE0, 0xE7 } },
  { "https://seed3.getsession.org:4443/",
    { 0x8A, 0x0A, 0xF2, 0xC7, 0x12, 0x34, 0x2F, 0x22, 0xCE, 0x00, 0xE5, 0x3C, 0x16, 0x01, 0x41, 0x0E,
      0xF8, 0xD8, 0x41, 0x56, 0xAE, 0xE0, 0xA9, 0x80, 0x9C, 0x32, 0xF6, 0xF7, 0xEF, 0xBE, 0x55, 0x6E } },
};

/* what desktop asks for: the whole list, no limit */
static const gchar request_json[] =
  "{\"jsonrpc\":\"2.0\",\"method\":\"get_n_service_nodes\",\"params\":{\"active_only\":true,"
  "\"fields\":{\"public_ip\":true,\"storage_port\":true,\"pubkey_x25519\":true,"
  "\"pubkey_ed25519\":true,\"requested_unlock_height\":true,\"height\":true,\"swarm_id\":true}}}";

GPtrArray *
sd_seed_parse_reply (GBytes *body, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *result, *states;
  gsize len;
  const gchar *data = g_bytes_get_data (body, &len);
  g_autoptr(GPtrArray) nodes = NULL;

  root = sd_json_parse (data != NULL ? data : "", len, &local_error);
  if (root == NULL) {
    g_set_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                 "seed reply is not JSON: %s", local_error->message);
    return NULL;
  }
  result = JSON_NODE_HOLDS_OBJECT (root)
             ? json_object_get_member (json_node_get_object (root), "result") : NULL;
  states = result != NULL && JSON_NODE_HOLDS_OBJECT (result)
             ? json_object_get_member (json_node_get_object (result), "service_node_states")
             : NULL;
  if (states == NULL || !JSON_NODE_HOLDS_ARRAY (states)) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "seed reply has no result.service_node_states list");
    return NULL;
  }
  nodes = sd_snode_list_from_json (json_node_get_array (states));
  if (nodes->len == 0) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "seed returned no usable nodes");
    return NULL;
  }
  return g_steal_pointer (&nodes);
}

typedef struct {
  SdTransport *transport; /* (owned) */
  GStrv urls;             /* (owned) */
  guint attempt;
  guint pending;
  guint backoff_ms;
  gboolean done;
  GError *last_error;     /* (owned) (nullable) */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->transport);
  g_strfreev (data->urls);
  g_clear_error (&data->last_error);
  g_free (data);
}

static void start_round (GTask *task);

static gboolean
on_backoff_done (gpointer user_data)
{
  start_round (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_seed_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  guint status = 0;

  data->pending--;
  body = sd_transport_post_finish (SD_TRANSPORT (source), result, &status, &error);
  if (data->done)
    return;
  if (body != NULL && status != 200)
    error = g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_FAILED, "seed answered HTTP %u",
                         status);
  else if (body != NULL)
    nodes = sd_seed_parse_reply (body, &error);

  if (nodes != NULL) {
    data->done = TRUE;
    g_task_return_pointer (task, g_steal_pointer (&nodes), (GDestroyNotify) g_ptr_array_unref);
    return;
  }
  g_debug ("seed attempt %u failed: %s", data->attempt, error->message);
  g_clear_error (&data->last_error);
  data->last_error = g_steal_pointer (&error);
  if (data->pending > 0)
    return;

  /* every seed of this round failed */
  if (g_task_return_error_if_cancelled (task)) {
    data->done = TRUE;
    return;
  }
  if (data->attempt >= SD_SEED_ATTEMPTS) {
    data->done = TRUE;
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NO_SEED,
                             "no seed answered after %u attempts: %s", data->attempt,
                             data->last_error->message);
    return;
  }
  g_timeout_add (data->backoff_ms, on_backoff_done, g_steal_pointer (&task));
  data->backoff_ms *= 2;
}

static void
start_round (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_bytes_new_static (request_json, sizeof request_json - 1);

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  data->attempt++;
  for (guint i = 0; data->urls[i] != NULL; i++) {
    g_autofree gchar *url = g_strconcat (data->urls[i], "json_rpc", NULL);

    data->pending++;
    sd_transport_post_async (data->transport, url, body, SD_SEED_TIMEOUT_MS,
                             g_task_get_cancellable (task), on_seed_reply, g_object_ref (task));
  }
  g_object_unref (task);
}

void
sd_seed_fetch_async (SdTransport *transport,
                     const gchar *const *seed_urls,
                     guint first_backoff_ms,
                     GCancellable *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  FetchData *data = g_new0 (FetchData, 1);

  g_task_set_source_tag (task, sd_seed_fetch_async);
  data->transport = g_object_ref (transport);
  data->urls = g_strdupv ((gchar **) seed_urls);
  data->backoff_ms = MAX (first_backoff_ms, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);
  if (seed_urls == NULL || seed_urls[0] == NULL) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_NO_SEED, "no seed URL");
    g_object_unref (task);
    return;
  }
  start_round (task);
}

GPtrArray *
sd_seed_fetch_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
