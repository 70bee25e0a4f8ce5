/* SPDX-License-Identifier: GPL-3.0-or-later */
/* one storage node: its identity, its own listener, its message table,
 * and the faults the control endpoint sets on it */
#define G_LOG_DOMAIN "StNode"

#include "config.h"

#include "st-node.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "st-rpc.h"
#include "st-tcp.h"

/* the reference refuses bodies above 10 MiB before reading them */
#define MAX_BODY_BYTES (10 * 1024 * 1024)

struct _StExchange {
  StNode *node;             /* (unowned) */
  SoupServerMessage *msg;   /* (owned) */
  gulong finished_id;
  gulong disconnected_id;
  gboolean paused;
  gboolean gone;            /* the message finished or its client left */
};

static void
on_message_gone (SoupServerMessage *msg, gpointer user_data)
{
  StExchange *exchange = user_data;

  exchange->gone = TRUE;
}

static StExchange *
exchange_new (StNode *node, SoupServerMessage *msg)
{
  StExchange *exchange = g_new0 (StExchange, 1);

  exchange->node = node;
  exchange->msg = g_object_ref (msg);
  exchange->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_gone),
                                            exchange);
  /* a node taken down drops paused messages without "finished" */
  exchange->disconnected_id = g_signal_connect (msg, "disconnected",
                                                G_CALLBACK (on_message_gone), exchange);
  return exchange;
}

static void
exchange_free (StExchange *exchange)
{
  g_signal_handler_disconnect (exchange->msg, exchange->finished_id);
  g_signal_handler_disconnect (exchange->msg, exchange->disconnected_id);
  g_object_unref (exchange->msg);
  g_free (exchange);
}

void
st_exchange_pause (StExchange *exchange)
{
  if (!exchange->paused && !exchange->gone) {
    soup_server_message_pause (exchange->msg);
    exchange->paused = TRUE;
  }
}

SoupServerMessage *
st_exchange_get_message (StExchange *exchange)
{
  return exchange->msg;
}

StNode *
st_exchange_get_node (StExchange *exchange)
{
  return exchange->node;
}

static gboolean
release_cb (gpointer user_data)
{
  StExchange *exchange = user_data;

  if (!exchange->gone)
    soup_server_message_unpause (exchange->msg);
  exchange_free (exchange);
  return G_SOURCE_REMOVE;
}

void
st_exchange_respond (StExchange *exchange,
                     guint status,
                     const gchar *content_type,
                     GBytes *body)
{
  guint latency;

  if (exchange->gone) {
    exchange_free (exchange);
    return;
  }
  latency = exchange->node->faults.latency_ms;
  soup_server_message_set_status (exchange->msg, status, NULL);
  if (body != NULL) {
    gsize len = 0;
    const gchar *data = g_bytes_get_data (body, &len);

    soup_server_message_set_response (exchange->msg, content_type, SOUP_MEMORY_COPY, data, len);
  }
  if (latency > 0) {
    st_exchange_pause (exchange);
    g_timeout_add (latency, release_cb, exchange);
  } else if (exchange->paused) {
    release_cb (exchange);
  } else {
    exchange_free (exchange);
  }
}

void
st_exchange_abandon (StExchange *exchange)
{
  exchange_free (exchange);
}

void
st_exchange_respond_text (StExchange *exchange, guint status, const gchar *text)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  st_exchange_respond (exchange, status, "text/plain", body);
}

const gchar *
st_node_forced_text (guint status)
{
  switch (status) {
  case 406:
    return "Timestamp error: check your clock";
  case 429:
    return "Too many requests, try again later";
  case 500:
    return "request failed";
  case 503:
    return "Service node is not ready: fault injected by the test network";
  default:
    return "status forced by the test network";
  }
}

gint64
st_node_now_ms (StNode *node)
{
  return g_get_real_time () / 1000 + node->faults.clock_skew_ms;
}

gint64
st_node_reported_ms (StNode *node)
{
  return node->faults.report_time_ms != 0 ? node->faults.report_time_ms : st_node_now_ms (node);
}

guint
st_node_take_forced_status (StNode *node, gboolean http)
{
  guint status = node->faults.forced_status;

  if (status == 0 || node->faults.forced_remaining == 0 || node->faults.forced_http != http)
    return 0;
  if (node->faults.forced_remaining > 0 && --node->faults.forced_remaining == 0)
    node->faults.forced_status = 0;
  return status;
}

void
st_node_clear_faults (StNode *node)
{
  g_autoptr(GError) error = NULL;

  if (node->faults.down && !st_node_set_down (node, FALSE, &error))
    g_warning ("node %u cannot listen again: %s", node->index, error->message);
  memset (&node->faults, 0, sizeof node->faults);
}

static void
reply_rpc (StExchange *exchange, StReply *reply)
{
  g_autofree gchar *text = st_reply_body (reply);
  gsize len = strlen (text);

  st_exchange_respond (exchange, reply->status,
                       reply->json != NULL ? "application/json" : "text/plain",
                       g_bytes_new_take (g_steal_pointer (&text), len));
}

static void
node_handler (SoupServer *server,
              SoupServerMessage *msg,
              const char *path,
              GHashTable *query,
              gpointer user_data)
{
  StNode *node = user_data;
  StExchange *exchange = exchange_new (node, msg);
  const gchar *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;
  guint forced;

  node->requests++;
  if (node->network->stopping) {
    st_exchange_respond_text (exchange, 503, "Service node is not ready: shutting down");
    return;
  }
  forced = st_node_take_forced_status (node, TRUE);
  if (forced != 0) {
    st_exchange_respond_text (exchange, forced, st_node_forced_text (forced));
    return;
  }
  if (node->faults.garbage) {
    /* a broken or hostile node: success with bytes that mean nothing */
    gsize len = (gsize) g_random_int_range (1, 512);
    guint8 *junk = g_malloc (len);

    for (gsize i = 0; i < len; i++)
      junk[i] = (guint8) g_random_int_range (0, 256);
    st_exchange_respond (exchange, 200, "application/octet-stream", g_bytes_new_take (junk, len));
    return;
  }
  if (node->faults.oversize_bytes > 0) {
    /* a hostile node: success with a body far larger than anything a node sends */
    guint8 *huge = g_malloc (node->faults.oversize_bytes);

    memset (huge, ' ', node->faults.oversize_bytes);
    st_exchange_respond (exchange, 200, "application/json",
                         g_bytes_new_take (huge, node->faults.oversize_bytes));
    return;
  }

  if (strcmp (method, "POST") != 0 ||
      (strcmp (path, "/storage_rpc/v1") != 0 && strcmp (path, "/onion_req/v2") != 0)) {
    g_autofree gchar *text = g_strdup_printf ("%s %s Not Found", method, path);

    st_exchange_respond_text (exchange, 404, text);
    return;
  }
  if (soup_message_headers_get_one (headers, "x-loki-long-poll") != NULL) {
    st_exchange_respond_text (exchange, 410, "long-polling is no longer supported");
    return;
  }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > MAX_BODY_BYTES) {
    st_exchange_respond_text (exchange, 413, "Request body too large");
    return;
  }

  if (strcmp (path, "/onion_req/v2") == 0) {
    st_onion_handle (exchange, body);
  } else {
    g_auto(StReply) reply = { 0, NULL, NULL };

    st_rpc_handle_body (node, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &reply);
    reply_rpc (exchange, &reply);
  }
}

static gboolean
node_listen (StNode *node, guint16 port, GError **error)
{
  StNetwork *network = node->network;
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (network->config.bind);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, port);
  GSList *uris;

  if (!soup_server_listen (node->server, address,
                           network->config.tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  uris = soup_server_get_uris (node->server);
  node->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

gboolean
st_node_set_down (StNode *node, gboolean down, GError **error)
{
  if (down == node->faults.down)
    return TRUE;
  if (down) {
    /* closes the listener and every open connection: clients get
     * "connection refused" from now on */
    soup_server_disconnect (node->server);
    node->faults.down = TRUE;
    return TRUE;
  }
  if (!node_listen (node, node->port, error))
    return FALSE;
  node->faults.down = FALSE;
  return TRUE;
}

StNode *
st_node_new (StNetwork *network, guint index, GError **error)
{
  StNode *node = g_new0 (StNode, 1);
  guint8 seed[SD_SEED_LEN];

  node->network = network;
  node->index = index;
  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (&node->identity, seed);
  sodium_memzero (seed, sizeof seed);
  node->ed25519_hex = sd_hex_encode (node->identity.ed25519_pk, 32);
  node->x25519_hex = sd_hex_encode (node->identity.x25519_pk, 32);
  node->storage = st_storage_new ();
  node->swarm_id = G_MAXUINT64;
  node->served = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);

  if (network->cert != NULL)
    node->server = soup_server_new ("tls-certificate", network->cert, "server-header", NULL, NULL);
  else
    node->server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (node->server, NULL, node_handler, node, NULL);
  st_reaper_watch (network->reaper, node->server);
  if (!node_listen (node, 0, error)) {
    st_node_free (node);
    return NULL;
  }
  return node;
}

void
st_node_free (StNode *node)
{
  if (node == NULL)
    return;
  if (node->server != NULL) {
    soup_server_disconnect (node->server);
    g_object_unref (node->server);
  }
  st_storage_free (node->storage);
  g_clear_pointer (&node->served, g_hash_table_unref);
  sd_identity_clear (&node->identity);
  g_free (node->ed25519_hex);
  g_free (node->x25519_hex);
  g_free (node);
}

void
st_node_count_served (StNode *node, const gchar *account_hex, gint ns, const gchar *hash)
{
  g_autofree gchar *key = g_strdup_printf ("%s/%d", account_hex, ns);
  GHashTable *counts = g_hash_table_lookup (node->served, key);

  if (counts == NULL) {
    counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert (node->served, g_steal_pointer (&key), counts);
  }
  g_hash_table_replace (counts, g_strdup (hash),
                        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, hash)) + 1));
}
