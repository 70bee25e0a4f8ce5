/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdSoupTransport against a local plain-HTTP SoupServer: a reply body is read in pieces up to
 * the limit and no further — announced too large, streamed past the limit (chunked, no
 * length) or endless — and a body within the limit arrives whole; progress reports count the
 * request and the reply, and stop when the answer is given */
#include <libsoup/soup.h>
#include <string.h>

#include "sd-network-error.h"
#include "sd-soup-transport.h"

typedef struct {
  SoupServer *server;
  gchar *base;              /* http://127.0.0.1:port/ */
  SdSoupTransport *transport;
  gsize streamed;           /* bytes the endless handler wrote */
} Fixture;

#define SMALL_LIMIT (256 * 1024)

/* the body as chunks of 32 KiB with no Content-Length, @total bytes, or without end when 0 */
typedef struct {
  Fixture *f;
  gsize total;
  gsize sent;
} Stream;

static void
write_chunk (SoupServerMessage *msg, Stream *stream)
{
  static gchar chunk[32 * 1024];
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  if (stream->total != 0 && stream->sent >= stream->total) {
    soup_message_body_complete (body);
    return;
  }
  memset (chunk, 'x', sizeof chunk);
  soup_message_body_append (body, SOUP_MEMORY_STATIC, chunk, sizeof chunk);
  stream->sent += sizeof chunk;
  stream->f->streamed += sizeof chunk;
}

static void
on_wrote_chunk (SoupServerMessage *msg, gpointer user_data)
{
  write_chunk (msg, user_data);
}

static void
stream_free (gpointer data, GClosure *closure)
{
  g_free (data);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const gchar *path, GHashTable *query,
         gpointer user_data)
{
  Fixture *f = user_data;

  if (g_str_equal (path, "/fixed")) {
    /* exactly the limit: still accepted */
    gchar *body = g_malloc (SMALL_LIMIT);

    memset (body, 'a', SMALL_LIMIT);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE, body, SMALL_LIMIT);
    return;
  }
  if (g_str_equal (path, "/announced")) {
    gchar *body = g_malloc (SMALL_LIMIT + 1);

    memset (body, 'b', SMALL_LIMIT + 1);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE, body,
                                      SMALL_LIMIT + 1);
    return;
  }
  /* /chunked: 1 MiB without a length; /endless: never ends */
  {
    Stream *stream = g_new0 (Stream, 1);

    stream->f = f;
    stream->total = g_str_equal (path, "/chunked") ? 1024 * 1024 : 0;
    soup_server_message_set_status (msg, 200, NULL);
    soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                       SOUP_ENCODING_CHUNKED);
    g_signal_connect_data (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), stream,
                           stream_free, 0);
    write_chunk (msg, stream);
  }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, handler, f, NULL);
  g_assert_true (soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  f->transport = sd_soup_transport_new (NULL, &error);
  g_assert_no_error (error);
  sd_soup_transport_set_max_reply (f->transport, SMALL_LIMIT);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->transport);
  /* let the server see the closed connections, then close its own: a connection the client
   * cut off is only freed once the main loop has run its close */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  soup_server_disconnect (f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->server);
  g_free (f->base);
}

typedef struct {
  GBytes *body;
  GError *error;
  guint status;
  gboolean done;
} Result;

static void
on_posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->body = sd_transport_post_finish (SD_TRANSPORT (source), result, &r->status, &r->error);
  r->done = TRUE;
}

static void
post (Fixture *f, const gchar *path, Result *r)
{
  g_autofree gchar *url = g_strconcat (f->base, path + 1, NULL);
  g_autoptr(GBytes) request = g_bytes_new_static ("{}", 2);

  memset (r, 0, sizeof *r);
  sd_transport_post_async (SD_TRANSPORT (f->transport), url, request, 10000, NULL, on_posted, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_error (&r->error);
}

static void
test_within_limit (Fixture *f, gconstpointer data)
{
  Result r;

  post (f, "/fixed", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, SMALL_LIMIT);
  result_clear (&r);
}

static void
test_announced_too_large (Fixture *f, gconstpointer data)
{
  Result r;

  post (f, "/announced", &r);
  g_assert_error (r.error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY);
  g_assert_null (r.body);
  result_clear (&r);
  /* the transport still works afterwards */
  post (f, "/fixed", &r);
  g_assert_no_error (r.error);
  result_clear (&r);
}

static void
test_streamed_too_large (Fixture *f, gconstpointer data)
{
  Result r;

  post (f, "/chunked", &r);
  g_assert_error (r.error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY);
  g_assert_null (r.body);
  result_clear (&r);
}

static void
test_endless (Fixture *f, gconstpointer data)
{
  Result r;
  gint64 start = g_get_monotonic_time ();

  post (f, "/endless", &r);
  g_assert_error (r.error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY);
  result_clear (&r);
  /* let the server notice the closed connection; it must stop writing soon after the
   * limit (what sits in socket buffers is not ours to count) */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_test_message ("server wrote %" G_GSIZE_FORMAT " bytes before the client gave up",
                  f->streamed);
  g_assert_cmpuint (f->streamed, <, 16 * 1024 * 1024);
}

typedef struct {
  Result result;
  guint64 sent, sent_total;     /* the last report of each direction */
  guint64 read, read_total;
  guint sending_reports, reading_reports;
  gboolean backwards;           /* a report smaller than the one before it */
} Progress;

static void
on_progress (gboolean sending, guint64 done, guint64 total, gpointer user_data)
{
  Progress *p = user_data;

  /* never once the caller has its answer */
  g_assert_false (p->result.done);
  if (sending) {
    g_assert_cmpuint (p->reading_reports, ==, 0);
    p->backwards |= done < p->sent;
    p->sent = done;
    p->sent_total = total;
    p->sending_reports++;
  } else {
    p->backwards |= done < p->read;
    p->read = done;
    p->read_total = total;
    p->reading_reports++;
  }
}

/* the bytes of a 1 MiB request as libsoup writes them, then of the reply as it is read */
static void
test_progress (Fixture *f, gconstpointer data)
{
  g_autofree gchar *url = g_strconcat (f->base, "fixed", NULL);
  g_autofree gchar *big = g_malloc0 (1024 * 1024);
  g_autoptr(GBytes) request = g_bytes_new_take (g_steal_pointer (&big), 1024 * 1024);
  Progress p;

  memset (&p, 0, sizeof p);
  sd_transport_post_progress_async (SD_TRANSPORT (f->transport), url, request, 10000,
                                    on_progress, &p, NULL, on_posted, &p.result);
  while (!p.result.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (p.result.error);
  g_assert_cmpuint (g_bytes_get_size (p.result.body), ==, SMALL_LIMIT);
  g_assert_false (p.backwards);
  g_assert_cmpuint (p.sending_reports, >, 1);
  g_assert_cmpuint (p.sent, ==, 1024 * 1024);
  g_assert_cmpuint (p.sent_total, ==, 1024 * 1024);
  /* 64 KiB reads of a 256 KiB reply whose length was announced */
  g_assert_cmpuint (p.reading_reports, >, 1);
  g_assert_cmpuint (p.read, ==, SMALL_LIMIT);
  g_assert_cmpuint (p.read_total, ==, SMALL_LIMIT);
  result_clear (&p.result);

  /* a reply refused for its size: no report after the answer either */
  memset (&p, 0, sizeof p);
  g_free (url);
  url = g_strconcat (f->base, "chunked", NULL);
  sd_transport_post_progress_async (SD_TRANSPORT (f->transport), url, request, 10000,
                                    on_progress, &p, NULL, on_posted, &p.result);
  while (!p.result.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (p.result.error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY);
  /* chunked: no length to count against */
  g_assert_cmpuint (p.read_total, ==, 0);
  result_clear (&p.result);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_default_limit (void)
{
  /* the documented default is what the storage server itself accepts */
  g_assert_cmpuint (SD_TRANSPORT_MAX_REPLY, ==, 10 * 1024 * 1024);
  g_assert_cmpuint (SD_SOUP_TRANSPORT_CHUNK, <, SD_TRANSPORT_MAX_REPLY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/soup-transport/default-limit", test_default_limit);
  g_test_add ("/soup-transport/within-limit", Fixture, NULL, fixture_setup, test_within_limit,
              fixture_teardown);
  g_test_add ("/soup-transport/announced-too-large", Fixture, NULL, fixture_setup,
              test_announced_too_large, fixture_teardown);
  g_test_add ("/soup-transport/streamed-too-large", Fixture, NULL, fixture_setup,
              test_streamed_too_large, fixture_teardown);
  g_test_add ("/soup-transport/endless", Fixture, NULL, fixture_setup, test_endless,
              fixture_teardown);
  g_test_add ("/soup-transport/progress", Fixture, NULL, fixture_setup, test_progress,
              fixture_teardown);
  return g_test_run ();
}
