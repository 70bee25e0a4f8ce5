/* SPDX-License-Identifier: GPL-3.0-or-later */
/* building /onion_req/v2 bodies for a storage RPC through N relays and
 * reading the destination's reply (protocol-network.md §6.3, §6.5) */
#define G_LOG_DOMAIN "SdOnionRequest"

#include "config.h"

#include "sd-onion-request.h"

#include <json-glib/json-glib.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sd-encoding.h"
#include "sd-onion-layer.h"
#include "sd-json.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

/* what marks the innermost layer as "run this RPC here"; storage servers
 * only look for the key, libsession sends it empty */
#define DESTINATION_CTL_JSON "{\"headers\":\"\"}"

/**
 * sd_onion_buffer_new:
 * @len: the size wanted
 *
 * A large buffer is rounded up to whole huge pages, so that the advice covers memory of its
 * own only; what is never written is never made resident. Memory advice only: no I/O.
 *
 * Returns: (transfer full): @len bytes (uninitialised), for g_free()
 */
guint8 *
sd_onion_buffer_new (gsize len)
{
#if defined(MADV_HUGEPAGE)
  if (len >= SD_ONION_BUFFER_HUGE && len <= G_MAXSIZE - SD_ONION_BUFFER_HUGE) {
    gsize whole = (len + SD_ONION_BUFFER_HUGE - 1) / SD_ONION_BUFFER_HUGE * SD_ONION_BUFFER_HUGE;
    void *mem = NULL;

    if (posix_memalign (&mem, SD_ONION_BUFFER_HUGE, whole) != 0)
      g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, whole);
    /* only a hint: where huge pages are off (or not offered) nothing changes */
    (void) madvise (mem, whole, MADV_HUGEPAGE);
    return mem;
  }
#endif
  return g_malloc (MAX (len, 1));
}

/* X25519 key pair of one layer; the secret half is wiped on scope exit */
typedef struct {
  guint8 pk[crypto_box_PUBLICKEYBYTES];
  guint8 sk[crypto_box_SECRETKEYBYTES];
} EphemeralKey;

static void
ephemeral_key_clear (EphemeralKey *eph)
{
  sodium_memzero (eph, sizeof *eph);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EphemeralKey, ephemeral_key_clear)

G_STATIC_ASSERT (crypto_box_PUBLICKEYBYTES == 32);
G_STATIC_ASSERT (crypto_box_SECRETKEYBYTES == 32);

/**
 * sd_onion_request_clear:
 * @request: a request
 *
 * Frees the body and wipes the reply key; @request may be reused.
 */
void
sd_onion_request_clear (SdOnionRequest *request)
{
  g_return_if_fail (request != NULL);

  g_clear_pointer (&request->body, g_bytes_unref);
  sodium_memzero (request->reply_key, sizeof request->reply_key);
  request->cipher = SD_ONION_CIPHER_AES_GCM;
}

/* the control JSON of a relay layer, or of the HTTP body when
 * @destination_ed25519 is NULL (the guard needs no destination) */
static gchar *
layer_json (const guint8 *destination_ed25519,
            const guint8 ephemeral_pk[32],
            SdOnionCipher cipher)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *eph_hex = sd_hex_encode (ephemeral_pk, 32);

  json_builder_begin_object (builder);
  if (destination_ed25519 != NULL) {
    g_autofree gchar *dest_hex = sd_hex_encode (destination_ed25519, 32);

    json_builder_set_member_name (builder, "destination");
    json_builder_add_string_value (builder, dest_hex);
  }
  json_builder_set_member_name (builder, "ephemeral_key");
  json_builder_add_string_value (builder, eph_hex);
  json_builder_set_member_name (builder, "enc_type");
  json_builder_add_string_value (builder, sd_onion_cipher_to_string (cipher));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* a fresh ephemeral pair for one layer and the key it shares with @node_x25519 */
static gboolean
layer_key (SdOnionCipher cipher,
           const guint8 node_x25519[32],
           guint8 ephemeral_pk[32],
           guint8 key[SD_ONION_KEY_LEN],
           GError **error)
{
  g_auto(EphemeralKey) eph = { { 0 }, { 0 } };

  sd_sodium_init ();
  crypto_box_keypair (eph.pk, eph.sk);
  if (!sd_onion_key_client (cipher, eph.sk, eph.pk, node_x25519, key)) {
    g_autofree gchar *hex = sd_hex_encode (node_x25519, 32);

    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "node X25519 key %s gives no usable shared secret", hex);
    return FALSE;
  }
  memcpy (ephemeral_pk, eph.pk, 32);
  return TRUE;
}

static void
put_le32 (guint8 *at, gsize value)
{
  guint32 le = GUINT32_TO_LE ((guint32) value);

  memcpy (at, &le, 4);
}

/* one layer of the build: its key, its control JSON and where it lies in the body */
typedef struct {
  guint8 key[SD_ONION_KEY_LEN];
  gchar *json;   /* (owned) the control JSON after the inner layer; NULL innermost */
  gsize sealed;  /* nonce || ciphertext || tag of this layer */
} Layer;

/**
 * sd_onion_request_build_filled:
 * @cipher: the cipher of every layer
 * @hops: (array length=n_hops): the path, guard first
 * @n_hops: the number of relays, at least 1
 * @dest_x25519: the X25519 key the innermost layer is sealed for
 * @dest_ed25519: (nullable): the destination snode, named by the last
 *   relay's layer; %NULL when @exit_json names the destination instead
 * @exit_json: (nullable): builds the last relay's control JSON from the
 *   ephemeral key of the sealed payload (v4 requests to a server)
 * @user_data: for @exit_json
 * @payload_len: the size of the destination's plaintext
 * @fill: writes that plaintext in place
 * @fill_data: for @fill
 * @out: (out caller-allocates): the HTTP body and the reply key
 * @error: return location for a #GError
 *
 * The body is `LE32 || sealed_0 || json`, where sealed_k is nonce || AEAD(LE32 ||
 * sealed_k+1 || json_k) || tag and the innermost sealed layer holds the payload: every
 * layer's plaintext starts a fixed distance into the one before, so all of them fit in one
 * buffer and each is encrypted in place, innermost first.
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_request_build_filled (SdOnionCipher cipher,
                               const SdOnionNode *hops,
                               gsize n_hops,
                               const guint8 dest_x25519[32],
                               const guint8 *dest_ed25519,
                               SdOnionExitJsonFunc exit_json,
                               gpointer user_data,
                               gsize payload_len,
                               SdOnionFillFunc fill,
                               gpointer fill_data,
                               SdOnionRequest *out,
                               GError **error)
{
  g_autofree Layer *layers = NULL;
  g_autofree gchar *outer_json = NULL;
  g_autofree guint8 *body = NULL;
  guint8 ephemeral_pk[32];
  gsize nonce_len, tag_len, total, off, n_layers;
  gboolean ok = FALSE;

  g_return_val_if_fail (hops != NULL, FALSE);
  g_return_val_if_fail (n_hops >= 1 && n_hops <= 16, FALSE);
  g_return_val_if_fail (dest_x25519 != NULL, FALSE);
  g_return_val_if_fail ((dest_ed25519 != NULL) != (exit_json != NULL), FALSE);
  g_return_val_if_fail (fill != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (cipher != SD_ONION_CIPHER_AES_GCM && cipher != SD_ONION_CIPHER_XCHACHA20) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "unknown onion cipher %d", (gint) cipher);
    return FALSE;
  }
  sd_onion_cipher_overhead (cipher, &nonce_len, &tag_len);
  if (payload_len > G_MAXUINT32 - 64 * 1024) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "onion request is too large");
    return FALSE;
  }

  /* layer 0 is the guard's, layer n_hops the destination's; the keys first, as each control
   * JSON names the ephemeral key of the layer inside it */
  n_layers = n_hops + 1;
  layers = g_new0 (Layer, n_layers);
  if (!layer_key (cipher, dest_x25519, ephemeral_pk, layers[n_hops].key, error))
    goto out;
  for (gsize i = n_hops; i-- > 0;) {
    const guint8 *next_ed25519 = i == n_hops - 1 ? dest_ed25519 : hops[i + 1].ed25519_pk;

    if (i == n_hops - 1 && exit_json != NULL)
      layers[i].json = exit_json (ephemeral_pk, cipher, user_data);
    else
      layers[i].json = layer_json (next_ed25519, ephemeral_pk, cipher);
    if (!layer_key (cipher, hops[i].x25519_pk, ephemeral_pk, layers[i].key, error))
      goto out;
  }
  /* the HTTP body for the guard carries only the guard's ephemeral key */
  outer_json = layer_json (NULL, ephemeral_pk, cipher);

  /* sizes, innermost outwards (each JSON is short: no overflow below 4 GiB) */
  layers[n_hops].sealed = nonce_len + payload_len + tag_len;
  for (gsize i = n_hops; i-- > 0;)
    layers[i].sealed = nonce_len + 4 + layers[i + 1].sealed + strlen (layers[i].json) + tag_len;
  if (layers[0].sealed > G_MAXUINT32 - strlen (outer_json) - 4) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "onion request is too large");
    goto out;
  }
  total = 4 + layers[0].sealed + strlen (outer_json);
  body = sd_onion_buffer_new (total);

  /* layer k's sealed form starts at 4 + k × (nonce + 4) */
  off = 4 + n_hops * (nonce_len + 4);
  if (!fill (body + off + nonce_len, payload_len, fill_data, error))
    goto out;
  if (!sd_onion_encrypt_in_place (cipher, layers[n_hops].key, body + off, payload_len, error))
    goto out;
  for (gsize i = n_hops; i-- > 0;) {
    gsize inner = off;
    gsize json_len = strlen (layers[i].json);

    off -= nonce_len + 4;
    put_le32 (body + off + nonce_len, layers[i + 1].sealed);
    g_assert (inner == off + nonce_len + 4);
    memcpy (body + inner + layers[i + 1].sealed, layers[i].json, json_len);
    if (!sd_onion_encrypt_in_place (cipher, layers[i].key, body + off,
                                    4 + layers[i + 1].sealed + json_len, error))
      goto out;
  }
  g_assert (off == 4);
  put_le32 (body, layers[0].sealed);
  memcpy (body + 4 + layers[0].sealed, outer_json, strlen (outer_json));

  out->body = g_bytes_new_take (g_steal_pointer (&body), total);
  out->cipher = cipher;
  memcpy (out->reply_key, layers[n_hops].key, SD_ONION_KEY_LEN);
  ok = TRUE;

out:
  for (gsize i = 0; i < n_layers; i++) {
    sodium_memzero (layers[i].key, sizeof layers[i].key);
    g_free (layers[i].json);
  }
  return ok;
}

static gboolean
copy_payload (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  if (len > 0)
    memcpy (dst, g_bytes_get_data (user_data, NULL), len);
  return TRUE;
}

/**
 * sd_onion_request_build_full:
 * @cipher: the cipher of every layer
 * @hops: (array length=n_hops): the path, guard first
 * @n_hops: the number of relays, at least 1
 * @dest_x25519: the X25519 key the innermost layer is sealed for
 * @dest_ed25519: (nullable): the destination snode, named by the last
 *   relay's layer; %NULL when @exit_json names the destination instead
 * @exit_json: (nullable): builds the last relay's control JSON from the
 *   ephemeral key of the sealed payload (v4 requests to a server)
 * @user_data: for @exit_json
 * @payload: the destination's plaintext (`LE32 || body || ctl` for a
 *   snode, the bencoded request for a server)
 * @out: (out caller-allocates): the HTTP body and the reply key
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_request_build_full (SdOnionCipher cipher,
                             const SdOnionNode *hops,
                             gsize n_hops,
                             const guint8 dest_x25519[32],
                             const guint8 *dest_ed25519,
                             SdOnionExitJsonFunc exit_json,
                             gpointer user_data,
                             GBytes *payload,
                             SdOnionRequest *out,
                             GError **error)
{
  g_return_val_if_fail (payload != NULL, FALSE);

  return sd_onion_request_build_filled (cipher, hops, n_hops, dest_x25519, dest_ed25519,
                                        exit_json, user_data, g_bytes_get_size (payload),
                                        copy_payload, payload, out, error);
}

/**
 * sd_onion_request_build:
 * @cipher: the cipher of every layer
 * @hops: (array length=n_hops): the path, guard first
 * @n_hops: the number of relays, at least 1 (normally %SD_ONION_HOPS)
 * @destination: the snode that runs the request; not one of @hops
 * @rpc_json: the storage RPC, e.g. `{"method":"retrieve","params":{…}}`
 * @out: (out caller-allocates): the HTTP body and the reply key; only
 *   written on success, release with sd_onion_request_clear()
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_request_build (SdOnionCipher cipher,
                        const SdOnionNode *hops,
                        gsize n_hops,
                        const SdOnionNode *destination,
                        const gchar *rpc_json,
                        SdOnionRequest *out,
                        GError **error)
{
  g_autoptr(GBytes) payload = NULL;
  gsize rpc_len;

  g_return_val_if_fail (destination != NULL, FALSE);
  g_return_val_if_fail (rpc_json != NULL, FALSE);

  rpc_len = strlen (rpc_json);
  if (rpc_len > G_MAXUINT32) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "storage request of %" G_GSIZE_FORMAT " bytes is too large", rpc_len);
    return FALSE;
  }
  payload = sd_onion_layer_build ((const guint8 *) rpc_json, rpc_len, DESTINATION_CTL_JSON);
  return sd_onion_request_build_full (cipher, hops, n_hops, destination->x25519_pk,
                                      destination->ed25519_pk, NULL, NULL, payload, out, error);
}

static gboolean
is_ascii_space (gchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/**
 * sd_onion_response_decode:
 * @request: the request this replies to
 * @reply: (array length=reply_len): the HTTP 200 body, not necessarily
 *   NUL-terminated
 * @reply_len: its length
 * @status: (out) (optional): the destination's RPC status
 * @body: (out) (optional) (transfer full): the RPC body as text
 * @error: return location for a #GError
 *
 * Accepts plain base64 and the legacy `{"result":"<base64>"}` wrapper, and
 * `status` or `status_code` inside. A string body is returned unquoted
 * (storage servers put dumped JSON there), any other JSON value
 * serialized, a missing or null body as "".
 *
 * Returns: %TRUE on success; on failure %SD_PROTOCOL_ERROR_INVALID_BASE64,
 *   %SD_PROTOCOL_ERROR_TRUNCATED, %SD_PROTOCOL_ERROR_DECRYPT or
 *   %SD_PROTOCOL_ERROR_MALFORMED
 */
gboolean
sd_onion_response_decode (const SdOnionRequest *request,
                          const gchar *reply,
                          gsize reply_len,
                          guint *status,
                          gchar **body,
                          GError **error)
{
  g_autoptr(JsonObject) wrapper = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) local_error = NULL;
  const gchar *b64 = reply != NULL ? reply : "";
  gsize b64_len = reply_len;
  JsonNode *status_node;
  JsonNode *body_node;
  gint64 code;

  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (reply != NULL || reply_len == 0, FALSE);

  /* a trailing newline is common in hand-written servers and harmless */
  while (b64_len > 0 && is_ascii_space (b64[0])) {
    b64++;
    b64_len--;
  }
  while (b64_len > 0 && is_ascii_space (b64[b64_len - 1]))
    b64_len--;

  if (b64_len > 0 && b64[0] == '{') {
    JsonNode *result;

    wrapper = sd_json_parse_object (b64, b64_len, &local_error);
    if (wrapper == NULL) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                   "onion reply wrapper: %s", local_error->message);
      return FALSE;
    }
    result = json_object_get_member (wrapper, "result");
    if (result == NULL || !JSON_NODE_HOLDS_VALUE (result) ||
        json_node_get_value_type (result) != G_TYPE_STRING) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "onion reply wrapper has no \"result\" string");
      return FALSE;
    }
    b64 = json_node_get_string (result);
    b64_len = strlen (b64);
  }

  sealed = sd_base64_decode (b64, (gssize) b64_len, &local_error);
  if (sealed == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64,
                 "onion reply is not base64: %s", local_error->message);
    return FALSE;
  }
  plain = sd_onion_decrypt (request->cipher, request->reply_key,
                            g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                            &local_error);
  if (plain == NULL) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "onion reply: ");
    return FALSE;
  }
  obj = sd_json_parse_object (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                    &local_error);
  if (obj == NULL) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "onion reply: ");
    return FALSE;
  }

  status_node = json_object_get_member (obj, "status");
  if (status_node == NULL)
    status_node = json_object_get_member (obj, "status_code");
  if (status_node == NULL || !JSON_NODE_HOLDS_VALUE (status_node) ||
      json_node_get_value_type (status_node) != G_TYPE_INT64) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "onion reply has no integer \"status\"");
    return FALSE;
  }
  code = json_node_get_int (status_node);
  if (code < 100 || code > 599) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "onion reply has an impossible status %" G_GINT64_FORMAT, code);
    return FALSE;
  }

  if (status != NULL)
    *status = (guint) code;
  if (body != NULL) {
    body_node = json_object_get_member (obj, "body");
    if (body_node == NULL || JSON_NODE_HOLDS_NULL (body_node))
      *body = g_strdup ("");
    else if (JSON_NODE_HOLDS_VALUE (body_node) &&
             json_node_get_value_type (body_node) == G_TYPE_STRING)
      *body = g_strdup (json_node_get_string (body_node));
    else
      *body = json_to_string (body_node, FALSE);
  }
  return TRUE;
}
