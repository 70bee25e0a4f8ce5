/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSoupTransport"

#include "sd-soup-transport.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "sd-network-error.h"
#include "sd-onion-request.h"

struct _SdSoupTransport {
  GObject parent_instance;

  SoupSession *session; /* (owned) */
  GHashTable *seeds;    /* (owned) seed base URL → GBytes fingerprint, or NULL for CA checks */
  gsize max_reply;      /* bytes of one reply body read at most */
};

static void sd_soup_transport_iface_init (SdTransportInterface *iface);

/* trusts nothing: every certificate goes to accept-certificate, where seeds
 * are checked against their pins and service nodes (self-signed by design)
 * pass. Without it GIO would parse the whole system CA bundle — about 6 MB
 * of the daemon's heap — for certificates Session never uses. */
#define SD_TYPE_NO_TRUST_DATABASE (sd_no_trust_database_get_type ())
G_DECLARE_FINAL_TYPE (SdNoTrustDatabase, sd_no_trust_database, SD, NO_TRUST_DATABASE,
                      GTlsDatabase)

struct _SdNoTrustDatabase {
  GTlsDatabase parent_instance;
};

G_DEFINE_FINAL_TYPE (SdNoTrustDatabase, sd_no_trust_database, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
no_trust_verify_chain (GTlsDatabase *database,
                       GTlsCertificate *chain,
                       const gchar *purpose,
                       GSocketConnectable *identity,
                       GTlsInteraction *interaction,
                       GTlsDatabaseVerifyFlags flags,
                       GCancellable *cancellable,
                       GError **error)
{
  return G_TLS_CERTIFICATE_UNKNOWN_CA;
}

static void
sd_no_trust_database_class_init (SdNoTrustDatabaseClass *klass)
{
  G_TLS_DATABASE_CLASS (klass)->verify_chain = no_trust_verify_chain;
}

static void
sd_no_trust_database_init (SdNoTrustDatabase *self)
{
}

G_DEFINE_FINAL_TYPE_WITH_CODE (SdSoupTransport, sd_soup_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_TRANSPORT,
                                                      sd_soup_transport_iface_init))

/* the seed entry a URL belongs to, if any */
static gboolean
find_seed (SdSoupTransport *self, const gchar *url, GBytes **fingerprint)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->seeds);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (g_str_has_prefix (url, key)) {
      *fingerprint = value;
      return TRUE;
    }
  }
  return FALSE;
}

/* requests are small and latency-bound: send each write at once rather
 * than let Nagle wait for the peer's delayed ACK */
static void
on_network_event (SoupMessage *msg,
                  GSocketClientEvent event,
                  GIOStream *connection,
                  gpointer user_data)
{
  GSocket *socket;

  if (event != G_SOCKET_CLIENT_CONNECTED || !G_IS_SOCKET_CONNECTION (connection))
    return;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
  if (!g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL))
    g_debug ("could not disable Nagle's algorithm");
}

static gboolean
on_accept_certificate (SoupMessage *msg,
                       GTlsCertificate *certificate,
                       GTlsCertificateFlags errors,
                       gpointer user_data)
{
  SdSoupTransport *self = user_data;
  g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (msg));
  GBytes *pin = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  if (!find_seed (self, url, &pin))
    return TRUE; /* a service node: self-signed by design */
  if (pin == NULL)
    return FALSE; /* a seed checked against the CA: failed */

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return FALSE;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  return g_bytes_get_size (pin) == 32 &&
         memcmp (g_bytes_get_data (pin, NULL), digest, 32) == 0;
}

typedef struct {
  SoupMessage *msg;
  GCancellable *cancellable; /* (owned) (nullable) */
  GCancellable *timeout_cancellable; /* (owned) */
  gulong cancelled_id;
  guint timeout_id;
  gboolean timed_out;
  GInputStream *stream;      /* (owned) (nullable) the body being read */
  guint8 *body;              /* (owned) (nullable) what was read so far */
  gsize body_len;            /* bytes in body */
  gsize body_room;           /* its size, room for one more chunk beyond body_len */
  gboolean pollable;         /* stream can be read without waiting for what has arrived */
  gsize max_reply;
  SdTransportProgress progress; /* (nullable) cleared when the task returns */
  gpointer progress_data;
  guint64 sent;              /* request body bytes written */
  guint64 body_total;        /* request body size */
  guint64 announced;         /* the reply's Content-Length, 0 when not given */
} PostData;

static void
post_data_free (PostData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  if (data->cancellable != NULL)
    g_cancellable_disconnect (data->cancellable, data->cancelled_id);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->body, g_free);
  /* libsoup may hold the message a little longer than we hold @data */
  if (data->msg != NULL)
    g_signal_handlers_disconnect_by_data (data->msg, data);
  g_clear_object (&data->msg);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->timeout_cancellable);
  g_free (data);
}

static gboolean
on_timeout (gpointer user_data)
{
  PostData *data = user_data;

  data->timeout_id = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->timeout_cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* a failed send or read, told apart: our timeout, the caller's cancel, the rest */
static void
return_failure (GTask *task, GError *error)
{
  PostData *data = g_task_get_task_data (task);
  g_autoptr(GError) owned = error;

  data->progress = NULL;
  if (data->timed_out)
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_TIMEOUT,
                             "no answer within the time limit");
  else if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (&owned));
  else
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_FAILED, "%s",
                             owned->message);
}

static void
return_too_large (GTask *task)
{
  PostData *data = g_task_get_task_data (task);

  data->progress = NULL;
  /* a hostile or broken node must not make us buffer without limit: the rest of the
   * body is never read, and closing the unfinished stream drops the connection */
  g_debug ("reply from %s exceeds %" G_GSIZE_FORMAT " bytes; dropped",
           g_uri_get_host (soup_message_get_uri (data->msg)), data->max_reply);
  g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY,
                           "reply larger than %" G_GSIZE_FORMAT " bytes", data->max_reply);
}

static void read_next (GTask *task);

/* room for the next read at the end of the body (sized from Content-Length when the server
 * gave one, so a large reply is neither copied chunk by chunk nor moved as it grows) */
static gsize
make_room (PostData *data)
{
  /* one byte past the limit tells a reply that is too large */
  gsize left = data->max_reply - data->body_len;
  gsize room = left < SD_SOUP_TRANSPORT_CHUNK ? left + 1 : SD_SOUP_TRANSPORT_CHUNK;

  if (data->body_room - data->body_len < room) {
    /* no Content-Length, or a wrong one: grown as it comes */
    data->body_room = MAX (data->body_len + room, MIN (data->body_room * 2, data->max_reply + 1));
    data->body = g_realloc (data->body, data->body_room);
  }
  return room;
}

/* what was read: FALSE when the reply is now too large (the task has returned) */
static gboolean
took (GTask *task, gsize len)
{
  PostData *data = g_task_get_task_data (task);

  if (len > data->max_reply - data->body_len) {
    return_too_large (task);
    return FALSE;
  }
  data->body_len += len;
  if (data->progress != NULL)
    data->progress (FALSE, data->body_len, data->announced, data->progress_data);
  return TRUE;
}

/* what has arrived meanwhile is read at once, up to this much per turn of the main loop: a
 * turn for each TLS record (16 KiB at most) costs more than the record's decryption */
#define READY_PER_TURN (16 * SD_SOUP_TRANSPORT_CHUNK)

static void
on_chunk (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gssize len = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  gsize this_turn = 0;

  while (len > 0) {
    gsize room;

    if (!took (task, (gsize) len))
      return;
    this_turn += (gsize) len;
    if (!data->pollable || this_turn >= READY_PER_TURN)
      break;
    room = make_room (data);
    len = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (data->stream),
                                                    data->body + data->body_len, room,
                                                    data->timeout_cancellable, &error);
    if (len < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      /* nothing more yet: waited for below */
      g_clear_error (&error);
      len = 1;
      break;
    }
  }
  if (len < 0) {
    return_failure (task, error);
    return;
  }
  if (len == 0) {
    gsize n = data->body_len;
    guint8 *body = g_steal_pointer (&data->body);

    data->progress = NULL;
    /* the room for one more chunk goes back (glibc shrinks in place); a large body sized from
     * Content-Length keeps it: never written, it was never made resident */
    if (data->body_room < SD_ONION_BUFFER_HUGE)
      body = g_realloc (body, MAX (n, 1));
    g_task_return_pointer (task, g_bytes_new_take (body, n), (GDestroyNotify) g_bytes_unref);
    return;
  }
  read_next (g_steal_pointer (&task));
}

static void
read_next (GTask *task)
{
  PostData *data = g_task_get_task_data (task);
  gsize room = make_room (data);

  g_input_stream_read_async (data->stream, data->body + data->body_len, room,
                             G_PRIORITY_DEFAULT, data->timeout_cancellable, on_chunk, task);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PostData *data = g_task_get_task_data (task);
  GError *error = NULL;
  goffset announced;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL) {
    return_failure (task, error);
    return;
  }
  /* a node that announces too much is not read at all */
  announced = soup_message_headers_get_content_length (
    soup_message_get_response_headers (data->msg));
  if (announced > 0 && (guint64) announced > data->max_reply) {
    return_too_large (task);
    return;
  }
  data->announced = (guint64) MAX (announced, 0);
  data->pollable = G_IS_POLLABLE_INPUT_STREAM (data->stream) &&
                   g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (data->stream));
  /* at most max_reply + a chunk (checked above): a 10 MB reply is read into its place, in huge
   * pages where the kernel has them (sd_onion_buffer_new) */
  data->body_room = (gsize) data->announced + SD_SOUP_TRANSPORT_CHUNK + 1;
  data->body = sd_onion_buffer_new (data->body_room);
  data->body_len = 0;
  read_next (g_steal_pointer (&task));
}

/* libsoup writes the body a piece at a time */
static void
on_wrote_body_data (SoupMessage *msg, guint chunk_size, gpointer user_data)
{
  PostData *data = user_data;

  data->sent = MIN (data->sent + chunk_size, data->body_total);
  if (data->progress != NULL)
    data->progress (TRUE, data->sent, data->body_total, data->progress_data);
}

static void
sd_soup_transport_post_progress_async (SdTransport *transport,
                                       const gchar *url,
                                       GBytes *body,
                                       guint timeout_ms,
                                       SdTransportProgress progress,
                                       gpointer progress_data,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  SdSoupTransport *self = SD_SOUP_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PostData *data = g_new0 (PostData, 1);

  g_task_set_source_tag (task, sd_soup_transport_post_progress_async);
  data->max_reply = self->max_reply;
  data->progress = progress;
  data->progress_data = progress_data;
  data->body_total = body != NULL ? g_bytes_get_size (body) : 0;
  data->msg = soup_message_new (SOUP_METHOD_POST, url);
  if (data->msg == NULL) {
    post_data_free (data);
    g_task_return_new_error (task, SD_NETWORK_ERROR, SD_NETWORK_ERROR_FAILED,
                             "invalid URL");
    return;
  }
  soup_message_set_request_body_from_bytes (data->msg, "application/json", body);
  /* libsoup reuses a kept-alive connection only for idempotent requests;
   * ours are (a node stores a message once, by hash), and without reuse
   * every request pays a TLS handshake */
  soup_message_add_flags (data->msg, SOUP_MESSAGE_IDEMPOTENT);
  /* the official desktop's fixed, uninformative header */
  soup_message_headers_replace (soup_message_get_request_headers (data->msg), "User-Agent",
                                "WhatsApp");
  g_signal_connect_object (data->msg, "accept-certificate", G_CALLBACK (on_accept_certificate),
                           self, 0);
  g_signal_connect (data->msg, "network-event", G_CALLBACK (on_network_event), NULL);
  if (progress != NULL)
    g_signal_connect (data->msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), data);
  data->timeout_cancellable = g_cancellable_new ();
  if (cancellable != NULL) {
    data->cancellable = g_object_ref (cancellable);
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                           g_object_ref (data->timeout_cancellable), g_object_unref);
  }
  if (timeout_ms > 0)
    data->timeout_id = g_timeout_add (timeout_ms, on_timeout, data);
  g_task_set_task_data (task, data, (GDestroyNotify) post_data_free);
  /* read by hand, not with send_and_read: that one buffers whatever the node sends */
  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           data->timeout_cancellable, on_sent, g_steal_pointer (&task));
}

static void
sd_soup_transport_post_async (SdTransport *transport,
                              const gchar *url,
                              GBytes *body,
                              guint timeout_ms,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  sd_soup_transport_post_progress_async (transport, url, body, timeout_ms, NULL, NULL,
                                         cancellable, callback, user_data);
}

static GBytes *
sd_soup_transport_post_finish (SdTransport *transport,
                               GAsyncResult *result,
                               guint *status,
                               GError **error)
{
  GTask *task = G_TASK (result);
  PostData *data = g_task_get_task_data (task);
  GBytes *body = g_task_propagate_pointer (task, error);

  if (body != NULL && status != NULL)
    *status = soup_message_get_status (data->msg);
  return body;
}

static void
sd_soup_transport_iface_init (SdTransportInterface *iface)
{
  iface->post_async = sd_soup_transport_post_async;
  iface->post_finish = sd_soup_transport_post_finish;
  iface->post_progress_async = sd_soup_transport_post_progress_async;
}

void
sd_soup_transport_set_max_reply (SdSoupTransport *self, gsize max_reply)
{
  g_return_if_fail (SD_IS_SOUP_TRANSPORT (self));
  g_return_if_fail (max_reply > 0);
  self->max_reply = max_reply;
}

void
sd_soup_transport_pin_seed (SdSoupTransport *self,
                            const gchar *seed_url,
                            const guint8 fingerprint[32])
{
  g_return_if_fail (SD_IS_SOUP_TRANSPORT (self));
  g_hash_table_replace (self->seeds, g_strdup (seed_url), g_bytes_new (fingerprint, 32));
}

void
sd_soup_transport_add_seed (SdSoupTransport *self, const gchar *seed_url)
{
  g_return_if_fail (SD_IS_SOUP_TRANSPORT (self));
  g_hash_table_replace (self->seeds, g_strdup (seed_url), NULL);
}

static void
sd_soup_transport_dispose (GObject *object)
{
  SdSoupTransport *self = SD_SOUP_TRANSPORT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (sd_soup_transport_parent_class)->dispose (object);
}

static void
sd_soup_transport_finalize (GObject *object)
{
  SdSoupTransport *self = SD_SOUP_TRANSPORT (object);

  g_hash_table_unref (self->seeds);
  G_OBJECT_CLASS (sd_soup_transport_parent_class)->finalize (object);
}

static void
sd_soup_transport_class_init (SdSoupTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_soup_transport_dispose;
  object_class->finalize = sd_soup_transport_finalize;
}

static void
sd_soup_transport_init (SdSoupTransport *self)
{
  self->seeds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
  self->max_reply = SD_TRANSPORT_MAX_REPLY;
}

SdSoupTransport *
sd_soup_transport_new (const gchar *seed_ca_file, GError **error)
{
  g_autoptr(SdSoupTransport) self = g_object_new (SD_TYPE_SOUP_TRANSPORT, NULL);

  g_autoptr(GTlsDatabase) db = NULL;

  /* with --seed-ca the seeds must chain to it; otherwise nothing is
   * trusted by default (pins and self-signed nodes: see above) */
  if (seed_ca_file != NULL)
    db = g_tls_file_database_new (seed_ca_file, error);
  else
    db = g_object_new (SD_TYPE_NO_TRUST_DATABASE, NULL);
  if (db == NULL)
    return NULL;
  /* libsoup 3.2 lets each new TLS connection look up GIO's default
   * database before it applies the session's: make ours the default too,
   * or the system bundle is parsed anyway */
  g_tls_backend_set_default_database (g_tls_backend_get_default (), db);
  /* no proxy lookups: nodes are reached directly, by IP */
  self->session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                 "tls-database", db,
                                                 "max-conns-per-host", 6,
                                                 "timeout", 0,
                                                 "user-agent", "WhatsApp", NULL);
  return g_steal_pointer (&self);
}
