/* SPDX-License-Identifier: GPL-3.0-or-later */
/* /onion_req/v2: peel one layer, then run the request here (final
 * destination), relay it to the next node over real HTTP, or proxy it to
 * a server (protocol-network.md §6.3-§6.5) */
#define G_LOG_DOMAIN "StOnion"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-onion-crypto.h"
#include "sd-onion-layer.h"
#include "st-network.h"
#include "st-node.h"
#include "st-rpc.h"
#include "st-tcp.h"

#define MAX_HOP_NO 15
#define RELAY_TIMEOUT_S 30
#define PROXY_TIMEOUT_S 25

typedef struct {
  StExchange *exchange;  /* (owned) until answered */
  gchar *next_hex;       /* (owned) (nullable) NULL when proxying */
} Forward;

static void
parse_error (StExchange *exchange, const gchar *detail)
{
  g_autofree gchar *text = g_strdup_printf ("Error parsing onion request: %s", detail);

  st_exchange_respond_text (exchange, 400, text);
}

static const gchar *
optional_string (JsonObject *obj, const gchar *name, gboolean *bad)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING) {
    *bad = TRUE;
    return NULL;
  }
  return json_node_get_string (node);
}

static gboolean
optional_bool (JsonObject *obj, const gchar *name, gboolean fallback)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

/* the encrypted {"status":n,"body":b} the client decodes */
static void
respond_sealed (StExchange *exchange,
                SdOnionCipher cipher,
                const guint8 key[SD_ONION_KEY_LEN],
                guint status,
                JsonNode *body,
                gboolean base64)
{
  g_autoptr(JsonObject) wrapper = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autofree gchar *plain = NULL;

  json_object_set_int_member (wrapper, "status", status);
  json_object_set_member (wrapper, "body", body);
  root = json_node_init_object (json_node_alloc (), wrapper);
  plain = json_to_string (root, FALSE);
  sealed = sd_onion_encrypt (cipher, key, (const guint8 *) plain, strlen (plain), &error);
  if (sealed == NULL) {
    st_exchange_respond_text (exchange, 500, "request failed");
    return;
  }
  if (base64) {
    gchar *b64 = sd_base64_encode (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                                   TRUE);
    gsize len = strlen (b64);

    st_exchange_respond (exchange, 200, "text/plain", g_bytes_new_take (b64, len));
  } else {
    st_exchange_respond (exchange, 200, "application/octet-stream", sealed);
  }
}

static void
run_here (StExchange *exchange,
          SdOnionCipher cipher,
          const guint8 key[SD_ONION_KEY_LEN],
          const guint8 *inner,
          gsize inner_len,
          JsonObject *ctl)
{
  g_auto(StReply) reply = { 0, NULL, NULL };
  JsonNode *body;

  st_rpc_handle_body (st_exchange_get_node (exchange), (const gchar *) inner, inner_len, &reply);
  /* clients re-parse a string body as JSON, so JSON results travel as a
   * string unless the request asked for "json":true */
  if (reply.json != NULL && optional_bool (ctl, "json", FALSE)) {
    body = json_node_ref (reply.json);
  } else {
    g_autofree gchar *text = st_reply_body (&reply);

    body = json_node_init_string (json_node_alloc (), text);
  }
  respond_sealed (exchange, cipher, key, reply.status, body, optional_bool (ctl, "base64", TRUE));
}

static void
forward_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Forward *forward = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                             &error);

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* the relay session was aborted: we are shutting down and the node may be freed */
    st_exchange_abandon (forward->exchange);
  } else if (body == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      st_exchange_respond_text (forward->exchange, 504, "Request time out");
    } else if (forward->next_hex == NULL) {
      st_exchange_respond_text (forward->exchange, 502, error->message);
    } else {
      g_autofree gchar *text = g_strdup_printf ("Next node is currently unreachable: %s",
                                                forward->next_hex);

      st_exchange_respond_text (forward->exchange, 502, text);
    }
  } else {
    const gchar *type = soup_message_headers_get_content_type (
      soup_message_get_response_headers (msg), NULL);

    /* passed back unchanged: the reply is already sealed for the client */
    st_exchange_respond (forward->exchange, soup_message_get_status (msg),
                         type != NULL ? type : "text/plain", body);
  }
  g_free (forward->next_hex);
  g_free (forward);
}

static void
send_on (StExchange *exchange, SoupSession *session, const gchar *url, GBytes *payload,
         const gchar *content_type, const gchar *next_hex)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  Forward *forward;

  if (session == NULL) {
    /* shutting down: the sessions are gone */
    st_exchange_respond_text (exchange, 503, "Service node is not ready: shutting down");
    return;
  }
  if (msg == NULL) {
    st_exchange_respond_text (exchange, 502, "Invalid url");
    return;
  }
  soup_message_set_request_body_from_bytes (msg, content_type, payload);
  st_tcp_prepare_message (msg);
  forward = g_new0 (Forward, 1);
  forward->exchange = exchange;
  forward->next_hex = g_strdup (next_hex);
  st_exchange_pause (exchange);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, forward_done, forward);
}

static void
relay (StExchange *exchange, const guint8 *inner, gsize inner_len, JsonObject *ctl, gint64 hop_no)
{
  StNode *node = st_exchange_get_node (exchange);
  StNetwork *network = node->network;
  g_autofree gchar *next_hex = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonObject) next_ctl = json_object_new ();
  g_autoptr(JsonNode) next_root = NULL;
  const gchar *destination;
  const gchar *ephemeral;
  const gchar *enc_type;
  gboolean bad = FALSE;
  StNode *next;

  destination = optional_string (ctl, "destination", &bad);
  ephemeral = optional_string (ctl, "ephemeral_key", &bad);
  enc_type = optional_string (ctl, "enc_type", &bad);
  if (bad || destination == NULL || ephemeral == NULL) {
    parse_error (exchange, "missing destination or ephemeral_key");
    return;
  }
  next_hex = g_ascii_strdown (destination, -1);
  next = st_network_lookup (network, next_hex);
  if (next == NULL) {
    g_autofree gchar *text = g_strdup_printf ("Next node not found: %s", next_hex);

    st_exchange_respond_text (exchange, 502, text);
    return;
  }
  if (hop_no + 1 > MAX_HOP_NO) {
    st_exchange_respond_text (exchange, 400, "onion request max path length exceeded");
    return;
  }

  json_object_set_string_member (next_ctl, "ephemeral_key", ephemeral);
  if (enc_type != NULL)
    json_object_set_string_member (next_ctl, "enc_type", enc_type);
  json_object_set_int_member (next_ctl, "hop_no", hop_no + 1);
  next_root = json_node_init_object (json_node_alloc (), next_ctl);
  json = json_to_string (next_root, FALSE);
  payload = sd_onion_layer_build (inner, inner_len, json);
  url = g_strdup_printf ("%s://%s:%u/onion_req/v2", network->config.tls ? "https" : "http",
                         network->config.bind, next->port);
  send_on (exchange, network->relay, url, payload, "application/octet-stream", next_hex);
}

static gboolean
allowed_target (const gchar *target)
{
  return (g_str_has_prefix (target, "/loki/") || g_str_has_prefix (target, "/oxen/")) &&
         g_str_has_suffix (target, "/lsrpc") && strchr (target, '?') == NULL;
}

static void
proxy (StExchange *exchange,
       SdOnionCipher cipher,
       const guint8 key[SD_ONION_KEY_LEN],
       GBytes *plain,
       JsonObject *ctl)
{
  StNetwork *network = st_exchange_get_node (exchange)->network;
  const gchar *host, *target, *protocol;
  g_autofree gchar *url = NULL;
  gboolean bad = FALSE;
  gint64 port = 443;
  JsonNode *port_node = json_object_get_member (ctl, "port");

  host = optional_string (ctl, "host", &bad);
  target = optional_string (ctl, "target", &bad);
  protocol = optional_string (ctl, "protocol", &bad);
  if (protocol == NULL)
    protocol = "https";
  if (port_node != NULL && JSON_NODE_HOLDS_VALUE (port_node) &&
      json_node_get_value_type (port_node) == G_TYPE_INT64)
    port = json_node_get_int (port_node);
  if (bad || host == NULL || target == NULL || !allowed_target (target) ||
      (strcmp (protocol, "http") != 0 && strcmp (protocol, "https") != 0) || port <= 0 ||
      port > 65535) {
    respond_sealed (exchange, cipher, key, 400,
                    json_node_init_string (json_node_alloc (), "Invalid url"), TRUE);
    return;
  }
  if ((strcmp (protocol, "https") == 0 && port == 443) ||
      (strcmp (protocol, "http") == 0 && port == 80))
    url = g_strdup_printf ("%s://%s%s", protocol, host, target);
  else
    url = g_strdup_printf ("%s://%s:%" G_GINT64_FORMAT "%s", protocol, host, port, target);
  /* the server gets the whole decrypted layer, as the reference sends it */
  send_on (exchange, network->proxy, url, plain, "application/octet-stream", NULL);
}

void
st_onion_handle (StExchange *exchange, GBytes *body)
{
  StNode *node = st_exchange_get_node (exchange);
  g_autoptr(JsonObject) outer = NULL;
  g_autoptr(JsonObject) ctl = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  const guint8 *blob = NULL;
  const guint8 *inner = NULL;
  gsize blob_len = 0, inner_len = 0;
  const gchar *eph_hex, *enc_type;
  guint8 eph[32];
  guint8 key[SD_ONION_KEY_LEN];
  SdOnionCipher cipher = SD_ONION_CIPHER_AES_GCM;
  gboolean bad = FALSE;
  gint64 hop_no = 0;
  JsonNode *hop_node;

  if (!sd_onion_layer_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &blob,
                             &blob_len, &outer, &error)) {
    parse_error (exchange, error->message);
    return;
  }
  eph_hex = optional_string (outer, "ephemeral_key", &bad);
  enc_type = optional_string (outer, "enc_type", &bad);
  if (bad || eph_hex == NULL || strlen (eph_hex) != 64 ||
      !sd_hex_decode_exact (eph_hex, eph, sizeof eph, NULL)) {
    parse_error (exchange, "missing or invalid ephemeral_key");
    return;
  }
  if (enc_type != NULL && !sd_onion_cipher_from_string (enc_type, &cipher, NULL)) {
    parse_error (exchange, "unknown enc_type");
    return;
  }
  hop_node = json_object_get_member (outer, "hop_no");
  if (hop_node != NULL && JSON_NODE_HOLDS_VALUE (hop_node) &&
      json_node_get_value_type (hop_node) == G_TYPE_INT64)
    hop_no = MAX (json_node_get_int (hop_node), 0);

  if (!sd_onion_key_node (cipher, node->identity.x25519_sk, node->identity.x25519_pk, eph, key) ||
      (plain = sd_onion_decrypt (cipher, key, blob, blob_len, NULL)) == NULL) {
    sodium_memzero (key, sizeof key);
    st_exchange_respond_text (exchange, 400, "Invalid ciphertext");
    return;
  }
  if (!sd_onion_layer_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), &inner,
                             &inner_len, &ctl, &error)) {
    sodium_memzero (key, sizeof key);
    parse_error (exchange, error->message);
    return;
  }

  if (json_object_has_member (ctl, "headers"))
    run_here (exchange, cipher, key, inner, inner_len, ctl);
  else if (json_object_has_member (ctl, "host"))
    proxy (exchange, cipher, key, plain, ctl);
  else
    relay (exchange, inner, inner_len, ctl, hop_no);
  sodium_memzero (key, sizeof key);
}
