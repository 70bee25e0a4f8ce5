/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdFileServer"

#include "sd-file-server.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-keys.h"
#include "sd-network-error.h"
#include "sd-onion-server.h"

/*
 * Files go to and come from the file server through the same onion paths as storage RPCs:
 * the last relay of a path makes the HTTP request (protocol-network.md §6.3), as
 * sd-onion-server.c does for any such server. What the server itself answers is judged
 * here (404: gone; 5xx: try again later).
 */

#define FILE_ID_MAX 128

struct _SdFileServer {
  GObject parent_instance;

  SdNetwork *network;     /* (owned) */
  gchar *url;             /* (owned) scheme://host[:port] */
  gchar *protocol;        /* (owned) */
  gchar *host;            /* (owned) */
  guint16 port;           /* 0: the scheme's */
  guint8 x25519[32];
  gchar *ed25519_hex;     /* (owned) (nullable) lower case */
};

G_DEFINE_FINAL_TYPE (SdFileServer, sd_file_server, G_TYPE_OBJECT)

static gboolean
split_url (const gchar *url, gchar **protocol, gchar **host, guint16 *port, gchar **path,
           GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, error);
  gint p;

  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "a file server URL is http:// or https://, not “%s”", url);
    return FALSE;
  }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” names no host", url);
    return FALSE;
  }
  p = g_uri_get_port (uri);
  if ((p == 80 && g_str_equal (g_uri_get_scheme (uri), "http")) ||
      (p == 443 && g_str_equal (g_uri_get_scheme (uri), "https")))
    p = -1;
  *protocol = g_strdup (g_uri_get_scheme (uri));
  *host = g_ascii_strdown (g_uri_get_host (uri), -1);
  *port = p > 0 && p <= 65535 ? (guint16) p : 0;
  if (path != NULL)
    *path = g_strdup (g_uri_get_path (uri));
  return TRUE;
}

SdFileServer *
sd_file_server_new (SdNetwork *network, const gchar *url, const gchar *x25519_hex,
                    GError **error)
{
  g_autoptr(SdFileServer) self = g_object_new (SD_TYPE_FILE_SERVER, NULL);

  g_return_val_if_fail (SD_IS_NETWORK (network), NULL);
  g_return_val_if_fail ((url == NULL) == (x25519_hex == NULL), NULL);

  if (url == NULL) {
    url = SD_FILE_SERVER_DEFAULT_URL;
    x25519_hex = SD_FILE_SERVER_DEFAULT_X25519;
  }
  self->network = g_object_ref (network);
  if (!split_url (url, &self->protocol, &self->host, &self->port, NULL, error))
    return NULL;
  if (!sd_hex_decode_exact (x25519_hex, self->x25519, 32, NULL)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "a file server key is 64 hex digits (its X25519 key)");
    return NULL;
  }
  self->url = self->port != 0
                ? g_strdup_printf ("%s://%s:%u", self->protocol, self->host, self->port)
                : g_strdup_printf ("%s://%s", self->protocol, self->host);
  return g_steal_pointer (&self);
}

gboolean
sd_file_server_set_ed25519_key (SdFileServer *self, const gchar *ed25519_hex, GError **error)
{
  guint8 ed[32], x[32];

  g_return_val_if_fail (SD_IS_FILE_SERVER (self), FALSE);
  g_return_val_if_fail (ed25519_hex != NULL, FALSE);

  if (strlen (ed25519_hex) != 64 || !sd_hex_decode_exact (ed25519_hex, ed, sizeof ed, NULL) ||
      !sd_ed25519_pk_to_x25519 (ed, x)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "a file server's Ed25519 key is 64 hex digits of a valid key");
    return FALSE;
  }
  /* a pointer naming another key would send others' downloads astray */
  if (memcmp (x, self->x25519, sizeof x) != 0) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "the file server's Ed25519 key does not belong to its X25519 key");
    return FALSE;
  }
  g_free (self->ed25519_hex);
  self->ed25519_hex = g_ascii_strdown (ed25519_hex, -1);
  return TRUE;
}

const gchar *
sd_file_server_get_pointer_key (SdFileServer *self)
{
  g_return_val_if_fail (SD_IS_FILE_SERVER (self), NULL);

  if (g_str_equal (self->host, SD_FILE_SERVER_DEFAULT_HOST))
    return NULL;
  return self->ed25519_hex;
}

const gchar *
sd_file_server_get_url (SdFileServer *self)
{
  g_return_val_if_fail (SD_IS_FILE_SERVER (self), NULL);
  return self->url;
}

static gboolean
valid_id (const gchar *id, gsize len)
{
  if (len == 0 || len > FILE_ID_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;
  return TRUE;
}

gboolean
sd_file_server_owns_url (SdFileServer *self, const gchar *url, gchar **out_id)
{
  g_autofree gchar *protocol = NULL, *host = NULL, *path = NULL;
  guint16 port = 0;

  g_return_val_if_fail (SD_IS_FILE_SERVER (self), FALSE);

  if (!split_url (url, &protocol, &host, &port, &path, NULL))
    return FALSE;
  if (!g_str_equal (host, self->host) || port != self->port ||
      !g_str_equal (protocol, self->protocol) || !g_str_has_prefix (path, "/file/") ||
      !valid_id (path + 6, strlen (path + 6)))
    return FALSE;
  if (out_id != NULL)
    *out_id = g_strdup (path + 6);
  return TRUE;
}

gboolean
sd_file_server_parse_upload_reply (const guint8 *body, gsize len, gchar **out_id,
                                   GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *id;
  const gchar *text;

  if (len > 4096 || !json_parser_load_from_data (parser, (const gchar *) body, (gssize) len,
                                                 NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (id = json_object_get_member (json_node_get_object (root), "id")) == NULL) {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "the file server's upload reply is not {\"id\": ...}");
    return FALSE;
  }
  /* session-file-server answers a string; older servers a number */
  if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_INT64)
    *out_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  else if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING &&
           (text = json_node_get_string (id)) != NULL && valid_id (text, strlen (text)))
    *out_id = g_strdup (text);
  else {
    g_set_error_literal (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                         "the file server's upload reply has no usable id");
    return FALSE;
  }
  return TRUE;
}

gint64
sd_file_server_parse_expires (const guint8 *body, gsize len, gint64 now_s)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *node;
  gdouble value;

  if (len > 4096 || !json_parser_load_from_data (parser, (const gchar *) body, (gssize) len,
                                                 NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (node = json_object_get_member (json_node_get_object (root), "expires")) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  /* session-file-server answers a float (seconds with their fraction); ours an integer */
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = (gdouble) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else
    return 0;
  /* a time we can plan with: not past, not absurdly far */
  if (!(value > (gdouble) now_s) || value > (gdouble) now_s + 10.0 * 365 * 24 * 3600)
    return 0;
  return (gint64) value;
}

/* ---- one v4 request (sd-onion-server.c), judged as a file server's answer ---- */

typedef struct {
  gchar *method;            /* (owned) */
  gchar *endpoint;          /* (owned) */
  gsize body_len;
  SdOnionFillFunc fill;     /* (nullable) no body */
  gpointer fill_data;       /* (owned) by fill_destroy, until the request starts */
  GDestroyNotify fill_destroy;
  gchar *protocol;          /* (owned) */
  gchar *host;              /* (owned) */
  guint16 port;
  guint8 x25519[32];
  gsize max_bytes;
  SdTransportProgress progress; /* (nullable) */
  gpointer progress_data;
} Request;

static void
request_free (Request *request)
{
  g_free (request->method);
  g_free (request->endpoint);
  if (request->fill_destroy != NULL)
    request->fill_destroy (request->fill_data);
  g_free (request->protocol);
  g_free (request->host);
  g_free (request);
}

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
  if (status == 404) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             "the file server does not have this file");
    return;
  }
  if (status != 200) {
    /* a refusal is for good (too large, malformed), but a server that is busy (429) or timed
     * out reading us (408) is tried again later, as a 5xx is */
    gboolean later = status >= 500 || status == 429 || status == 408;

    g_task_return_new_error (task, SD_NETWORK_ERROR,
                             later ? SD_NETWORK_ERROR_NODE : SD_NETWORK_ERROR_REJECTED,
                             "the file server answered %u", status);
    return;
  }
  if (g_bytes_get_size (body) > request->max_bytes) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                             "the file is larger than %" G_GSIZE_FORMAT " bytes",
                             request->max_bytes);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
request_start (SdFileServer *self, Request *request, gpointer source_tag,
               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const gchar *headers[] = { "Content-Type", "application/octet-stream", NULL };
  SdOnionServer server = { 0 };

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  server.host = request->host;
  server.protocol = request->protocol;
  server.port = request->port;
  memcpy (server.x25519_pk, request->x25519, 32);
  /* the fill's data goes with the onion request, which calls it for each attempt */
  sd_onion_server_request_progress_async (self->network, &server, request->method,
                                          request->endpoint,
                                          request->fill != NULL ? headers : NULL,
                                          request->body_len, request->fill,
                                          g_steal_pointer (&request->fill_data),
                                          g_steal_pointer (&request->fill_destroy),
                                          SD_FILE_SERVER_TIMEOUT_MS, request->progress,
                                          request->progress_data, cancellable, on_reply, task);
}

/* ---- upload ---- */

static void
on_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdFileServer *self = SD_FILE_SERVER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree gchar *id = NULL;

  if (body == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!sd_file_server_parse_upload_reply (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                          &id, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* kept beside the URL for sd_file_server_upload_finish_full */
  *(gint64 *) g_task_get_task_data (task) =
    sd_file_server_parse_expires (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  g_get_real_time () / G_USEC_PER_SEC);
  g_task_return_pointer (task, g_strdup_printf ("%s/file/%s", self->url, id), g_free);
}

void
sd_file_server_upload_filled_async (SdFileServer *self, gsize blob_len, SdOnionFillFunc fill,
                                    gpointer fill_data, GDestroyNotify fill_destroy,
                                    SdTransportProgress progress, gpointer progress_data,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (SD_IS_FILE_SERVER (self));
  g_return_if_fail (fill != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_file_server_upload_async);
  g_task_set_task_data (task, g_new0 (gint64, 1), g_free);
  if (blob_len == 0 || blob_len > SD_FILE_SERVER_MAX_FILE) {
    if (fill_destroy != NULL)
      fill_destroy (fill_data);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             "a file for the file server has 1 to %d bytes",
                             SD_FILE_SERVER_MAX_FILE);
    return;
  }
  request = g_new0 (Request, 1);
  request->method = g_strdup ("POST");
  request->endpoint = g_strdup ("/file");
  request->body_len = blob_len;
  request->fill = fill;
  request->fill_data = fill_data;
  request->fill_destroy = fill_destroy;
  request->protocol = g_strdup (self->protocol);
  request->host = g_strdup (self->host);
  request->port = self->port;
  memcpy (request->x25519, self->x25519, 32);
  request->max_bytes = 4096;
  request->progress = progress;
  request->progress_data = progress_data;
  request_start (self, request, sd_file_server_upload_async, cancellable, on_uploaded,
                 g_steal_pointer (&task));
}

static gboolean
copy_blob (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  memcpy (dst, g_bytes_get_data (user_data, NULL), len);
  return TRUE;
}

void
sd_file_server_upload_async (SdFileServer *self, GBytes *blob, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (SD_IS_FILE_SERVER (self));
  g_return_if_fail (blob != NULL);

  sd_file_server_upload_filled_async (self, g_bytes_get_size (blob), copy_blob,
                                      g_bytes_ref (blob), (GDestroyNotify) g_bytes_unref,
                                      NULL, NULL, cancellable, callback, user_data);
}

gchar *
sd_file_server_upload_finish (SdFileServer *self, GAsyncResult *result, GError **error)
{
  return sd_file_server_upload_finish_full (self, result, NULL, error);
}

gchar *
sd_file_server_upload_finish_full (SdFileServer *self, GAsyncResult *result,
                                   gint64 *out_expires, GError **error)
{
  gchar *url;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  url = g_task_propagate_pointer (G_TASK (result), error);
  if (out_expires != NULL)
    *out_expires = url != NULL ? *(gint64 *) g_task_get_task_data (G_TASK (result)) : 0;
  return url;
}

/* ---- keeping a file: POST /file/{id}/extend ---- */

static void
on_extended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) body = g_task_propagate_pointer (G_TASK (result), &error);

  if (body == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_int (task, sd_file_server_parse_expires (g_bytes_get_data (body, NULL),
                                                         g_bytes_get_size (body),
                                                         g_get_real_time () / G_USEC_PER_SEC));
}

void
sd_file_server_extend_async (SdFileServer *self, const gchar *url, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *bare = NULL;
  Request *request;

  g_return_if_fail (SD_IS_FILE_SERVER (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_file_server_extend_async);
  /* our pointers may end in "#p=…" */
  bare = g_strndup (url, strcspn (url, "#"));
  if (!sd_file_server_owns_url (self, bare, &id)) {
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED,
                             "not a file of our file server");
    return;
  }
  request = g_new0 (Request, 1);
  request->method = g_strdup ("POST");
  request->endpoint = g_strdup_printf ("/file/%s/extend", id);
  request->protocol = g_strdup (self->protocol);
  request->host = g_strdup (self->host);
  request->port = self->port;
  memcpy (request->x25519, self->x25519, 32);
  request->max_bytes = 4096;
  request_start (self, request, sd_file_server_extend_async, cancellable, on_extended,
                 g_steal_pointer (&task));
}

gint64
sd_file_server_extend_finish (SdFileServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (gint64) g_task_propagate_int (G_TASK (result), error);
}

/* ---- download ---- */

static void
on_downloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *body = g_task_propagate_pointer (G_TASK (result), &error);

  if (body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
}

void
sd_file_server_download_async (SdFileServer *self, const SdAttachmentPointer *pointer,
                               gsize max_bytes, SdTransportProgress progress,
                               gpointer progress_data, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  Request *request;

  g_return_if_fail (SD_IS_FILE_SERVER (self));
  g_return_if_fail (pointer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sd_file_server_download_async);
  request = g_new0 (Request, 1);
  request->method = g_strdup ("GET");
  request->max_bytes = MIN (max_bytes, SD_FILE_SERVER_MAX_FILE);
  request->progress = progress;
  request->progress_data = progress_data;
  if (sd_file_server_owns_url (self, pointer->url, &id)) {
    /* our own server: its configured key, whatever the fragment says */
    request->endpoint = g_strdup_printf ("/file/%s", id);
    request->protocol = g_strdup (self->protocol);
    request->host = g_strdup (self->host);
    request->port = self->port;
    memcpy (request->x25519, self->x25519, 32);
  } else if (!sd_attachment_pointer_locate (pointer, &request->protocol, &request->host,
                                            &request->port, &request->endpoint,
                                            request->x25519, &error)) {
    /* another server that the pointer does not vouch for with its key */
    request_free (request);
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED,
                             "not a file server we can reach: %s", error->message);
    return;
  }
  request_start (self, request, sd_file_server_download_async, cancellable, on_downloaded,
                 g_steal_pointer (&task));
}

GBytes *
sd_file_server_download_finish (SdFileServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- progress over the phases ---- */

void
sd_file_progress_init (SdFileProgress *progress, gboolean upload)
{
  g_return_if_fail (progress != NULL);

  progress->upload = upload;
  progress->percent = 0;
}

guint
sd_file_progress_percent (gboolean upload, SdFilePhase phase, guint64 done, guint64 total)
{
  guint start, end;

  switch (phase) {
  case SD_FILE_PHASE_BUILD:
    if (!upload)
      return 0;
    start = 1;
    end = SD_FILE_PROGRESS_BUILD_END;
    break;
  case SD_FILE_PHASE_SEND:
    if (!upload)
      return 0;
    start = SD_FILE_PROGRESS_BUILD_END;
    end = 99;
    break;
  case SD_FILE_PHASE_RECEIVE:
    if (upload)
      return 0;
    start = 1;
    end = SD_FILE_PROGRESS_RECEIVE_END;
    break;
  case SD_FILE_PHASE_OPEN:
    if (upload)
      return 0;
    start = SD_FILE_PROGRESS_RECEIVE_END;
    end = 99;
    break;
  default:
    g_return_val_if_reached (0);
  }
  if (total == 0)
    return start;
  /* no overflow below 10^17 bytes; a transfer's sizes are bounded far below that */
  done = MIN (done, total);
  total = MIN (total, G_MAXUINT64 / 100);
  done = MIN (done, total);
  return start + (guint) ((guint64) (end - start) * done / total);
}

gboolean
sd_file_progress_update (SdFileProgress *progress, SdFilePhase phase, guint64 done,
                         guint64 total)
{
  guint percent;

  g_return_val_if_fail (progress != NULL, FALSE);

  percent = MIN (sd_file_progress_percent (progress->upload, phase, done, total), 99);
  if (percent <= progress->percent)
    return FALSE;
  progress->percent = percent;
  return TRUE;
}

/* ---- GObject ---- */

static void
sd_file_server_finalize (GObject *object)
{
  SdFileServer *self = SD_FILE_SERVER (object);

  g_clear_object (&self->network);
  g_free (self->url);
  g_free (self->ed25519_hex);
  g_free (self->protocol);
  g_free (self->host);
  G_OBJECT_CLASS (sd_file_server_parent_class)->finalize (object);
}

static void
sd_file_server_class_init (SdFileServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_file_server_finalize;
}

static void
sd_file_server_init (SdFileServer *self)
{
}
