/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "StOnionV4"

#include "config.h"

#include "st-onion-v4.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-onion-layer.h"
#include "sd-onion-v4.h"
#include "st-tcp.h"

SoupServer *
st_onion_v4_server_new (StNetwork *network, SdIdentity *identity, SoupServerCallback handler,
                        gpointer user_data, gchar **out_url, GError **error)
{
  g_autoptr(SoupServer) server = soup_server_new ("server-header", NULL, NULL);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (network->config.bind);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  guint8 seed[SD_SEED_LEN];
  GSList *uris;

  randombytes_buf (seed, sizeof seed);
  sd_identity_from_seed (identity, seed);
  sodium_memzero (seed, sizeof seed);
  soup_server_add_handler (server, NULL, handler, user_data, NULL);
  st_reaper_watch (network->reaper, server);
  if (!soup_server_listen (server, address, 0, error))
    return NULL;
  uris = soup_server_get_uris (server);
  *out_url = g_strdup_printf ("http://%s:%d", network->config.bind, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return g_steal_pointer (&server);
}

void
st_respond_plain (SoupServerMessage *msg, guint status, const gchar *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

static gboolean
unpause_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

GBytes *
st_onion_v4_open (SoupServerMessage *msg, const char *path, const SdIdentity *identity,
                  StOnionV4Reply *reply)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) ctl = NULL;
  const gchar *eph_hex;
  const guint8 *blob;
  gsize blob_len;
  guint8 eph[32];
  GBytes *payload = NULL;

  reply->cipher = SD_ONION_CIPHER_AES_GCM;
  if (strcmp (path, SD_ONION_V4_TARGET) != 0 ||
      strcmp (soup_server_message_get_method (msg), "POST") != 0) {
    st_respond_plain (msg, 404, "Not found");
    return NULL;
  }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (!sd_onion_layer_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &blob,
                             &blob_len, &ctl, NULL) ||
      (eph_hex = sd_json_get_string (ctl, "ephemeral_key")) == NULL ||
      !sd_hex_decode_exact (eph_hex, eph, sizeof eph, NULL) ||
      !sd_onion_cipher_from_string (sd_json_get_string (ctl, "enc_type"), &reply->cipher, NULL)) {
    st_respond_plain (msg, 400, "Invalid onion request");
    return NULL;
  }
  if (!sd_onion_key_node (reply->cipher, identity->x25519_sk, identity->x25519_pk, eph,
                          reply->key) ||
      (payload = sd_onion_decrypt (reply->cipher, reply->key, blob, blob_len, NULL)) == NULL) {
    sodium_memzero (reply->key, sizeof reply->key);
    st_respond_plain (msg, 400, "Invalid ciphertext");
    return NULL;
  }
  return payload;
}

void
st_onion_v4_respond (SoupServerMessage *msg, StOnionV4Reply *reply, guint status,
                     const gchar *ctype, GBytes *body, gboolean scramble, guint latency_ms)
{
  const gchar *reply_headers[] = { "Content-Type", ctype, NULL };
  g_autoptr(GBytes) plain_reply = NULL;
  g_autoptr(GBytes) sealed = NULL;

  plain_reply = sd_onion_v4_reply_build (status, reply_headers, g_bytes_get_data (body, NULL),
                                         g_bytes_get_size (body));
  if (scramble) {
    /* the right size, but random */
    guint8 *noise = g_malloc (g_bytes_get_size (plain_reply) + 40);

    randombytes_buf (noise, g_bytes_get_size (plain_reply) + 40);
    sealed = g_bytes_new_take (noise, g_bytes_get_size (plain_reply) + 40);
  } else {
    sealed = sd_onion_encrypt (reply->cipher, reply->key, g_bytes_get_data (plain_reply, NULL),
                               g_bytes_get_size (plain_reply), NULL);
  }
  sodium_memzero (reply->key, sizeof reply->key);
  if (sealed == NULL) {
    st_respond_plain (msg, 500, "Encryption failed");
    return;
  }
  /* v4 replies are raw bytes, not base64 */
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  if (latency_ms > 0) {
    soup_server_message_pause (msg);
    g_timeout_add (latency_ms, unpause_cb, g_object_ref (msg));
  }
}
