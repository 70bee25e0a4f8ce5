/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdCommunityClient"

#include "sd-community-client.h"

#include <sodium.h>
#include <string.h>

#include "sd-network-error.h"
#include "sd-onion-server.h"
#include "sd-sogs-request.h"

SdCommunityServer *
sd_community_server_new (const gchar *base_url, const guint8 pk[32], GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, error);
  g_autoptr(SdCommunityServer) server = NULL;
  gint port;

  if (uri == NULL)
    return NULL;
  if ((g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an http(s)://host[:port] address", base_url);
    return NULL;
  }
  server = g_new0 (SdCommunityServer, 1);
  server->base_url = g_strdup (base_url);
  server->protocol = g_strdup (g_uri_get_scheme (uri));
  server->host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if ((port == 80 && g_str_equal (server->protocol, "http")) ||
      (port == 443 && g_str_equal (server->protocol, "https")))
    port = -1;
  server->port = port > 0 && port <= 65535 ? (guint16) port : 0;
  memcpy (server->pk, pk, 32);
  return g_steal_pointer (&server);
}

void
sd_community_server_free (SdCommunityServer *server)
{
  if (server == NULL)
    return;
  g_free (server->base_url);
  g_free (server->protocol);
  g_free (server->host);
  g_free (server);
}

/* ---- one signed request ---- */

typedef struct {
  SdCommunityServer *server; /* (owned) a copy */
  guint8 *sk;                /* (owned) sodium_malloc'd */
  gchar *method;             /* (owned) */
  gchar *endpoint;           /* (owned) */
  GBytes *body;              /* (owned) (nullable) */
  gboolean resigned;
  gboolean network_clock;    /* after a 425: the network's clock, not ours */
  const gchar *content_type; /* (static) of a body */
  gchar *disposition;        /* (owned) (nullable) Content-Disposition of a file upload */
} Request;

static void
request_free (Request *request)
{
  sd_community_server_free (request->server);
  sodium_free (request->sk);
  g_free (request->method);
  g_free (request->endpoint);
  g_free (request->disposition);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

static void request_send (GTask *task);

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  body = sd_onion_server_request_finish (SD_NETWORK (source), result, &status, &error);
  if (body == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if ((status == 425 || status == 401) && !request->resigned) {
    /* pysogs answers 425 for a clock off by more than 24 h and (in its code) for a reused
     * nonce; the protocol says 401 for the latter. Either way: once more, freshly signed */
    g_debug ("%s answered %u; signing again", request->server->host, status);
    request->resigned = TRUE;
    request->network_clock = TRUE;
    request_send (g_steal_pointer (&task));
    return;
  }
  if (g_bytes_get_size (body) > SD_COMMUNITY_MAX_REPLY) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                             "the community server's answer is too large");
    return;
  }
  g_task_set_task_data (task, NULL, NULL);
  g_object_set_data (G_OBJECT (task), "status", GUINT_TO_POINTER (status));
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
request_send (GTask *task)
{
  SdNetwork *network = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint8 nonce[SD_SOGS_NONCE_LEN];
  SdSogsAuthHeaders auth;
  SdOnionServer target = { 0 };
  gint64 now;
  const guint8 *body = request->body != NULL ? g_bytes_get_data (request->body, NULL) : NULL;
  gsize body_len = request->body != NULL ? g_bytes_get_size (request->body) : 0;

  randombytes_buf (nonce, sizeof nonce);
  now = request->network_clock ? sd_network_now_ms (network) / 1000
                               : g_get_real_time () / G_USEC_PER_SEC;
  /* always blinded: every current server lists "blind", and an unblinded request would
   * show the server our real key */
  if (!sd_sogs_sign_request (request->sk, request->server->pk, TRUE, nonce, now,
                             request->method, request->endpoint, body, body_len, &auth,
                             &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  {
    const gchar *headers[] = {
      "X-SOGS-Pubkey", auth.pubkey,
      "X-SOGS-Nonce", auth.nonce,
      "X-SOGS-Timestamp", auth.timestamp,
      "X-SOGS-Signature", auth.signature,
      "Content-Type", request->content_type,
      "Content-Disposition", request->disposition,
      NULL,
    };

    if (body_len == 0)
      headers[8] = NULL;
    else if (request->disposition == NULL)
      headers[10] = NULL;
    target.host = request->server->host;
    target.protocol = request->server->protocol;
    target.port = request->server->port;
    memcpy (target.x25519_pk, request->server->pk, 32);
    sd_onion_server_request_async (network, &target, request->method, request->endpoint,
                                   headers, request->body, 0, g_task_get_cancellable (task),
                                   on_reply, task);
  }
}

/* the request, its body sent with @content_type (static) */
static void
request_start (SdNetwork *network, const SdCommunityServer *server, const guint8 ed25519_sk[64],
               const gchar *method, const gchar *endpoint, GBytes *body,
               const gchar *content_type, gchar *disposition, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  GTask *task;
  Request *request;

  task = g_task_new (network, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  request = g_new0 (Request, 1);
  request->server = g_new0 (SdCommunityServer, 1);
  request->server->base_url = g_strdup (server->base_url);
  request->server->protocol = g_strdup (server->protocol);
  request->server->host = g_strdup (server->host);
  request->server->port = server->port;
  memcpy (request->server->pk, server->pk, 32);
  request->sk = sodium_malloc (64);
  memcpy (request->sk, ed25519_sk, 64);
  request->method = g_strdup (method);
  request->endpoint = g_strdup (endpoint);
  request->body = body != NULL && g_bytes_get_size (body) > 0 ? g_bytes_ref (body) : NULL;
  request->content_type = content_type;
  request->disposition = disposition;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  request_send (task);
}

void
sd_community_request_async (SdNetwork *network, const SdCommunityServer *server,
                            const guint8 ed25519_sk[64], const gchar *method,
                            const gchar *endpoint, GBytes *body, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (SD_IS_NETWORK (network));
  g_return_if_fail (server != NULL);

  request_start (network, server, ed25519_sk, method, endpoint, body, "application/json", NULL,
                 cancellable, callback, user_data, sd_community_request_async);
}

void
sd_community_upload_async (SdNetwork *network, const SdCommunityServer *server,
                           const guint8 ed25519_sk[64], const gchar *endpoint, GBytes *file,
                           const gchar *file_name, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GString) disposition = g_string_new ("attachment");

  g_return_if_fail (SD_IS_NETWORK (network));
  g_return_if_fail (server != NULL);

  /* the suggested name, as RFC 6266 filename* (UTF-8, percent-encoded): a header value
   * cannot carry it raw */
  if (file_name != NULL && *file_name != '\0' && strlen (file_name) <= 255 &&
      g_utf8_validate (file_name, -1, NULL)) {
    g_autofree gchar *escaped = g_uri_escape_string (file_name, NULL, FALSE);

    g_string_append_printf (disposition, "; filename*=UTF-8''%s", escaped);
  }
  request_start (network, server, ed25519_sk, "POST", endpoint, file,
                 "application/octet-stream", g_string_free (g_steal_pointer (&disposition), FALSE),
                 cancellable, callback, user_data, sd_community_request_async);
}

GBytes *
sd_community_request_finish (SdNetwork *network, GAsyncResult *result, guint *status,
                             GError **error)
{
  GBytes *body;

  g_return_val_if_fail (g_task_is_valid (result, network), NULL);

  body = g_task_propagate_pointer (G_TASK (result), error);
  if (body != NULL && status != NULL)
    *status = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "status"));
  return body;
}

/* ---- one poll ---- */

typedef struct {
  SdSogsRoomCursor *rooms;   /* (owned) tokens owned too */
  gsize n_rooms;
  gboolean with_dms;
} Poll;

static void
poll_free (Poll *poll)
{
  for (gsize i = 0; i < poll->n_rooms; i++)
    g_free ((gchar *) poll->rooms[i].token);
  g_free (poll->rooms);
  g_free (poll);
}

void
sd_community_poll_free (SdSogsPoll *poll)
{
  if (poll == NULL)
    return;
  sd_sogs_poll_clear (poll);
  g_free (poll);
}

static void
on_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Poll *poll = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SdSogsPoll *out;
  guint status = 0;

  body = sd_community_request_finish (SD_NETWORK (source), result, &status, &error);
  if (body == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (status != 200) {
    g_task_return_new_error (task, SD_NETWORK_ERROR,
                             status >= 500 || status == 0 ? SD_NETWORK_ERROR_NODE
                                                          : SD_NETWORK_ERROR_REJECTED,
                             "the community server answered the poll with %u", status);
    return;
  }
  out = g_new0 (SdSogsPoll, 1);
  if (!sd_sogs_poll_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), poll->rooms,
                           poll->n_rooms, poll->with_dms, out, &error)) {
    g_free (out);
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                             "unusable poll answer: %s", error->message);
    return;
  }
  g_task_return_pointer (task, out, (GDestroyNotify) sd_community_poll_free);
}

void
sd_community_poll_async (SdNetwork *network, const SdCommunityServer *server,
                         const guint8 ed25519_sk[64], const SdSogsRoomCursor *rooms,
                         gsize n_rooms, gboolean with_dms, gint64 inbox_since,
                         gint64 outbox_since, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr(GBytes) body = NULL;
  Poll *poll;
  gsize len;

  g_return_if_fail (SD_IS_NETWORK (network));

  task = g_task_new (network, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_community_poll_async);
  json = sd_sogs_poll_build (rooms, n_rooms, with_dms, inbox_since, outbox_since, &error);
  if (json == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  poll = g_new0 (Poll, 1);
  poll->n_rooms = n_rooms;
  poll->with_dms = with_dms;
  poll->rooms = g_new0 (SdSogsRoomCursor, MAX (n_rooms, 1));
  for (gsize i = 0; i < n_rooms; i++) {
    poll->rooms[i] = rooms[i];
    poll->rooms[i].token = g_strdup (rooms[i].token);
  }
  g_task_set_task_data (task, poll, (GDestroyNotify) poll_free);
  len = strlen (json);
  body = g_bytes_new_take (g_steal_pointer (&json), len);
  sd_community_request_async (network, server, ed25519_sk, "POST", "/batch", body, cancellable,
                              on_polled, g_steal_pointer (&task));
}

SdSogsPoll *
sd_community_poll_finish (SdNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
