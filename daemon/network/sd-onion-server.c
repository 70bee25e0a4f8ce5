/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdOnionServer"

#include "sd-onion-server.h"

#include <sodium.h>
#include <string.h>

#include "sd-network-error.h"
#include "sd-network-private.h"

/*
 * The last relay of a path makes the HTTP request to the server. A failure is tried again
 * (ONION_ATTEMPTS in all), but only a guard that does not answer at all counts against the
 * path: a slow, down or refusing server looks to us like a failing path, and must not cost
 * the paths and guards that messaging depends on.
 */

typedef struct {
  gchar *method;            /* (owned) */
  gchar *endpoint;          /* (owned) */
  GStrv headers;            /* (owned) (nullable) */
  gsize body_len;
  SdOnionFillFunc fill;     /* (nullable) no body */
  gpointer fill_data;       /* (owned) by fill_destroy */
  GDestroyNotify fill_destroy;
  gchar *protocol;          /* (owned) */
  gchar *host;              /* (owned) */
  guint16 port;
  guint8 x25519[32];
  guint timeout_ms;
  SdTransportProgress progress; /* (nullable) */
  gpointer progress_data;
  guint attempts;
  SdOnionPath *path;        /* (owned) (nullable) */
  SdOnionRequest request;
  GError *last_error;       /* (owned) (nullable) */
} Request;

typedef struct {
  guint status;
  GBytes *body;             /* (owned) */
} Reply;

static void
request_free (Request *request)
{
  g_free (request->method);
  g_free (request->endpoint);
  g_strfreev (request->headers);
  if (request->fill_destroy != NULL)
    request->fill_destroy (request->fill_data);
  g_free (request->protocol);
  g_free (request->host);
  g_clear_pointer (&request->path, sd_onion_path_unref);
  sd_onion_request_clear (&request->request);
  g_clear_error (&request->last_error);
  g_free (request);
}

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

static void request_try (GTask *task);

static void
request_retry (GTask *task, GError *error)
{
  Request *request = g_task_get_task_data (task);

  g_debug ("%s attempt %u failed: %s", request->host, request->attempts, error->message);
  g_clear_error (&request->last_error);
  request->last_error = error;
  request_try (task);
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *network = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GBytes *raw = NULL;
  g_auto(SdOnionV4Response) response = { 0, NULL, NULL };
  guint status = 0;
  Reply *reply;

  raw = sd_transport_post_finish (SD_TRANSPORT (source), result, &status, &error);
  if (raw == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    if (!g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_TIMEOUT) &&
        !g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY)) {
      /* the guard itself did not answer: as for any request */
      SdSnode *guard = g_ptr_array_index (request->path->hops, 0);

      sd_onion_paths_drop_node (network->paths, guard);
      sd_snode_pool_strike (network->pool, guard);
    }
    request_retry (g_steal_pointer (&task), g_steal_pointer (&error));
    return;
  }
  if (status != 200) {
    /* a relay's error, or the server's unreachability reported by the last relay */
    g_bytes_unref (raw);
    request_retry (g_steal_pointer (&task),
                   g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_PATH,
                                "onion path to %s failed with HTTP %u", request->host, status));
    return;
  }
  /* the request went: its body (a whole upload) is not needed any more */
  g_clear_pointer (&request->request.body, g_bytes_unref);
  /* decrypted where it lies: a downloaded file is held once */
  if (!sd_onion_v4_response_decode_owned (&request->request, raw, &response, &error)) {
    request_retry (g_steal_pointer (&task),
                   g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                                "unreadable reply from %s: %s", request->host, error->message));
    return;
  }
  sd_snode_pool_clear_strikes (network->pool, g_ptr_array_index (request->path->hops, 0));
  reply = g_new0 (Reply, 1);
  reply->status = response.status;
  reply->body = response.body != NULL ? g_bytes_ref (response.body) : g_bytes_new (NULL, 0);
  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

/* a body this large is read, encrypted and wrapped in a worker thread: a 10 MB upload is
 * about 100 ms of work that must not hold up the main loop */
#define THREAD_BUILD_MIN (256 * 1024)

/* one build of the onion request; what it borrows from the Request stays put meanwhile (the
 * outer task, which owns the Request, waits for it) */
typedef struct {
  SdOnionCipher cipher;
  SdOnionNode hops[SD_ONION_HOPS];
  SdOnionServer server;      /* its strings borrowed from the Request */
  Request *request;          /* (unowned) */
  SdOnionRequest built;
} Build;

static void
build_free (Build *build)
{
  sd_onion_request_clear (&build->built);
  g_free (build);
}

static gboolean
build_run (Build *build, GError **error)
{
  Request *request = build->request;

  return sd_onion_v4_request_build_filled (build->cipher, build->hops, SD_ONION_HOPS,
                                           &build->server, request->method, request->endpoint,
                                           (const gchar *const *) request->headers,
                                           request->body_len, request->fill, request->fill_data,
                                           &build->built, error);
}

/* @task (transfer full): the built request goes to the guard */
static void
send_built (GTask *task, Build *build)
{
  SdNetwork *network = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autofree gchar *url = NULL;
  GCancellable *cancellable;

  sd_onion_request_clear (&request->request);
  request->request = build->built;
  build->built.body = NULL;
  sodium_memzero (build->built.reply_key, sizeof build->built.reply_key);
  url = sd_snode_url (g_ptr_array_index (request->path->hops, 0), network->tls,
                      "/onion_req/v2");
  /* not in the call below: the order its arguments are evaluated in is not defined */
  cancellable = g_task_get_cancellable (task);
  sd_transport_post_progress_async (network->transport, url, request->request.body,
                                    MAX (network->timeout_ms, request->timeout_ms),
                                    request->progress, request->progress_data, cancellable,
                                    on_reply, task);
}

static void
build_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (!build_run (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_built (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Build *build = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  send_built (task, build);
}

static void
on_path (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdNetwork *network = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Build *build;

  g_clear_pointer (&request->path, sd_onion_path_unref);
  request->path = sd_onion_paths_get_finish (SD_ONION_PATHS (source), result, &error);
  if (request->path == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* the last attempt's request goes before the next is built: one large body at a time */
  sd_onion_request_clear (&request->request);
  build = g_new0 (Build, 1);
  build->cipher = network->cipher;
  for (guint i = 0; i < SD_ONION_HOPS; i++)
    build->hops[i] = ((SdSnode *) g_ptr_array_index (request->path->hops, i))->keys;
  build->server.host = request->host;
  build->server.protocol = request->protocol;
  build->server.port = request->port;
  memcpy (build->server.x25519_pk, request->x25519, 32);
  build->request = request;

  if (request->body_len >= THREAD_BUILD_MIN) {
    /* no cancellable: a build runs to its end, the cancel is looked at after it */
    g_autoptr(GTask) inner = g_task_new (NULL, NULL, on_built, g_steal_pointer (&task));

    g_task_set_task_data (inner, build, (GDestroyNotify) build_free);
    g_task_run_in_thread (inner, build_in_thread);
    return;
  }
  if (!build_run (build, &error)) {
    build_free (build);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  send_built (g_steal_pointer (&task), build);
  build_free (build);
}

static void
request_try (GTask *task)
{
  SdNetwork *network = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (request->attempts++ >= ONION_ATTEMPTS) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_PATH,
                             "no onion path reached %s (%s)", request->host,
                             request->last_error != NULL ? request->last_error->message : "?");
    g_object_unref (task);
    return;
  }
  sd_onion_paths_get_async (network->paths, NULL, g_task_get_cancellable (task), on_path, task);
}

void
sd_onion_server_request_filled_async (SdNetwork *network, const SdOnionServer *server,
                                      const gchar *method, const gchar *endpoint,
                                      const gchar *const *headers, gsize body_len,
                                      SdOnionFillFunc fill, gpointer fill_data,
                                      GDestroyNotify fill_destroy, guint timeout_ms,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  sd_onion_server_request_progress_async (network, server, method, endpoint, headers, body_len,
                                          fill, fill_data, fill_destroy, timeout_ms, NULL, NULL,
                                          cancellable, callback, user_data);
}

void
sd_onion_server_request_progress_async (SdNetwork *network, const SdOnionServer *server,
                                        const gchar *method, const gchar *endpoint,
                                        const gchar *const *headers, gsize body_len,
                                        SdOnionFillFunc fill, gpointer fill_data,
                                        GDestroyNotify fill_destroy, guint timeout_ms,
                                        SdTransportProgress progress, gpointer progress_data,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (SD_IS_NETWORK (network));
  g_return_if_fail (server != NULL && server->host != NULL && server->protocol != NULL);

  task = g_task_new (network, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_onion_server_request_async);
  request = g_new0 (Request, 1);
  request->method = g_strdup (method);
  request->endpoint = g_strdup (endpoint);
  request->headers = g_strdupv ((gchar **) headers);
  request->body_len = fill != NULL ? body_len : 0;
  request->fill = fill;
  request->fill_data = fill_data;
  request->fill_destroy = fill_destroy;
  request->protocol = g_strdup (server->protocol);
  request->host = g_strdup (server->host);
  request->port = server->port;
  memcpy (request->x25519, server->x25519_pk, 32);
  request->timeout_ms = timeout_ms;
  request->progress = progress;
  request->progress_data = progress_data;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  request_try (task);
}

static gboolean
copy_body (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  if (len > 0)
    memcpy (dst, g_bytes_get_data (user_data, NULL), len);
  return TRUE;
}

void
sd_onion_server_request_async (SdNetwork *network, const SdOnionServer *server,
                               const gchar *method, const gchar *endpoint,
                               const gchar *const *headers, GBytes *body, guint timeout_ms,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (SD_IS_NETWORK (network));

  sd_onion_server_request_filled_async (network, server, method, endpoint, headers,
                                        body != NULL ? g_bytes_get_size (body) : 0,
                                        body != NULL ? copy_body : NULL,
                                        body != NULL ? g_bytes_ref (body) : NULL,
                                        body != NULL ? (GDestroyNotify) g_bytes_unref : NULL,
                                        timeout_ms, cancellable, callback, user_data);
}

GBytes *
sd_onion_server_request_finish (SdNetwork *network, GAsyncResult *result, guint *status,
                                GError **error)
{
  Reply *reply;
  GBytes *body;

  g_return_val_if_fail (g_task_is_valid (result, network), NULL);

  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return NULL;
  if (status != NULL)
    *status = reply->status;
  body = g_steal_pointer (&reply->body);
  reply_free (reply);
  return body;
}
