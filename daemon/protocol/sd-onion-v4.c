/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion requests v4: a bencoded [info, body] for a server reached
 * through the last relay's HTTP proxy, and its bencoded [meta, body]
 * reply (protocol-network.md §6.3, §6.5) */
#define G_LOG_DOMAIN "SdOnionV4"

#include "config.h"

#include "sd-onion-v4.h"

#include <string.h>

#include "sd-bencode.h"
#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-protocol-error.h"

#define MAX_HOST 253

void
sd_onion_v4_response_clear (SdOnionV4Response *response)
{
  g_return_if_fail (response != NULL);

  g_clear_pointer (&response->headers, g_hash_table_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  response->status = 0;
}

static gboolean
valid_method (const gchar *method)
{
  static const gchar *const known[] = { "GET", "POST", "PUT", "DELETE", NULL };

  return method != NULL && g_strv_contains (known, method);
}

static gboolean
valid_token (const gchar *s, gsize max)
{
  gsize len;

  if (s == NULL || *s == '\0')
    return FALSE;
  len = strnlen (s, max + 1);
  if (len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] <= 0x20 || (guchar) s[i] >= 0x7f)
      return FALSE;
  return TRUE;
}

static JsonNode *
headers_node (const gchar *const *headers)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (gsize i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    json_object_set_string_member (obj, headers[i], headers[i + 1]);
  json_node_set_object (node, obj);
  return node;
}

static gboolean
check_headers (const gchar *const *headers, GError **error)
{
  gsize n = 0;

  for (; headers != NULL && headers[n] != NULL; n++) {
    if (n % 2 == 0 && !valid_token (headers[n], 256)) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "v4 request header name is empty or not a token");
      return FALSE;
    }
    if (n % 2 == 1 && (strnlen (headers[n], 8193) > 8192 || strpbrk (headers[n], "\r\n"))) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "v4 request header value is too long or spans lines");
      return FALSE;
    }
  }
  if (n % 2 != 0 || n / 2 > SD_ONION_V4_MAX_HEADERS) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 request headers must be name/value pairs, at most 64");
    return FALSE;
  }
  return TRUE;
}

/* the inverse of split_pair (below): the JSON object built in @builder,
 * then @body if there is one, as a bencoded list */
static GBytes *
join_pair (JsonBuilder *builder, const guint8 *body, gsize body_len)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *json = json_to_string (root, FALSE);
  g_autoptr(SdBencode) list = sd_bencode_new_list ();

  sd_bencode_list_append (list, sd_bencode_new_string (json));
  if (body != NULL)
    sd_bencode_list_append (list, sd_bencode_new_bytes (body, body_len));
  return sd_bencode_encode (list);
}

/* checks what a request names and gives its info JSON, or NULL */
static gchar *
request_info (const gchar *method,
              const gchar *endpoint,
              const gchar *const *headers,
              gsize body_len,
              GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (!valid_method (method)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "v4 request method \"%s\" is not supported", method != NULL ? method : "");
    return NULL;
  }
  if (endpoint == NULL || endpoint[0] != '/' ||
      !valid_token (endpoint, SD_ONION_V4_MAX_ENDPOINT)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 request endpoint must be a path starting with \"/\"");
    return NULL;
  }
  if (!check_headers (headers, error))
    return NULL;
  if (body_len > SD_ONION_V4_MAX_BODY) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "v4 request body of %" G_GSIZE_FORMAT " bytes is over the limit", body_len);
    return NULL;
  }

  /* the member order of protocol-network.md: method, endpoint, headers */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "endpoint");
  json_builder_add_string_value (builder, endpoint);
  json_builder_set_member_name (builder, "headers");
  json_builder_add_value (builder, headers_node (headers));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* `l<len>:<info>` and `<len>:` before the body, `e` after it: what sd_bencode_encode makes of
 * the list, written around a body that is filled in place */
typedef struct {
  GString *head;            /* (owned) */
  gboolean has_body;
  gsize body_len;
  SdOnionFillFunc fill;
  gpointer fill_data;
} Framing;

static void
framing_init (Framing *framing, const gchar *info, gsize body_len, SdOnionFillFunc fill,
              gpointer fill_data)
{
  framing->head = g_string_new ("l");
  g_string_append_printf (framing->head, "%" G_GSIZE_FORMAT ":%s", strlen (info), info);
  framing->has_body = fill != NULL;
  framing->body_len = fill != NULL ? body_len : 0;
  if (fill != NULL)
    g_string_append_printf (framing->head, "%" G_GSIZE_FORMAT ":", body_len);
  framing->fill = fill;
  framing->fill_data = fill_data;
}

static gsize
framing_size (const Framing *framing)
{
  return framing->head->len + framing->body_len + 1;
}

static gboolean
fill_framed (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  Framing *framing = user_data;

  g_assert (len == framing_size (framing));
  memcpy (dst, framing->head->str, framing->head->len);
  if (framing->has_body &&
      !framing->fill (dst + framing->head->len, framing->body_len, framing->fill_data, error))
    return FALSE;
  dst[len - 1] = 'e';
  return TRUE;
}

static gboolean
copy_body (guint8 *dst, gsize len, gpointer user_data, GError **error)
{
  if (len > 0)
    memcpy (dst, user_data, len);
  return TRUE;
}

/**
 * sd_onion_v4_payload_build:
 * @method: GET, POST, PUT or DELETE
 * @endpoint: the path on the server, starting with "/"
 * @headers: (nullable) (array zero-terminated=1): name, value, … pairs
 * @body: (nullable) (array length=body_len): the request body
 * @body_len: its size; with %NULL @body there is no body item
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the destination plaintext, or %NULL
 */
GBytes *
sd_onion_v4_payload_build (const gchar *method,
                           const gchar *endpoint,
                           const gchar *const *headers,
                           const guint8 *body,
                           gsize body_len,
                           GError **error)
{
  g_autofree gchar *info = NULL;
  Framing framing;
  guint8 *out;
  gsize len;

  g_return_val_if_fail (body != NULL || body_len == 0, NULL);

  info = request_info (method, endpoint, headers, body_len, error);
  if (info == NULL)
    return NULL;
  framing_init (&framing, info, body_len, body != NULL ? copy_body : NULL, (gpointer) body);
  len = framing_size (&framing);
  out = g_malloc (len);
  if (!fill_framed (out, len, &framing, NULL))
    g_assert_not_reached ();
  g_string_free (framing.head, TRUE);
  return g_bytes_new_take (out, len);
}

/* a bencoded list of one or two byte strings, the first a JSON object */
static gboolean
split_pair (const guint8 *data,
            gsize len,
            const gchar *what,
            JsonObject **first,
            GBytes **second,
            GError **error)
{
  g_autoptr(SdBencode) list = NULL;
  g_autoptr(GError) local_error = NULL;
  SdBencode *item;
  const guint8 *text;
  gsize n, text_len = 0;

  list = sd_bencode_decode (data, len, &local_error);
  if (list == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "v4 %s is not bencoded: %s", what, local_error->message);
    return FALSE;
  }
  n = sd_bencode_kind (list) == SD_BENCODE_LIST ? sd_bencode_list_length (list) : 0;
  if (n < 1 || n > 2) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "v4 %s is not a list of one or two items", what);
    return FALSE;
  }
  for (gsize i = 0; i < n; i++) {
    if (sd_bencode_kind (sd_bencode_list_get (list, i)) != SD_BENCODE_BYTES) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                   "v4 %s item %" G_GSIZE_FORMAT " is not a byte string", what, i);
      return FALSE;
    }
  }

  item = sd_bencode_list_get (list, 0);
  text = sd_bencode_get_bytes (item, &text_len);
  *first = sd_json_parse_object ((const gchar *) text, text_len, &local_error);
  if (*first == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "v4 %s metadata: %s", what, local_error->message);
    return FALSE;
  }
  *second = NULL;
  if (n == 2) {
    const guint8 *b;
    gsize b_len = 0;

    b = sd_bencode_get_bytes (sd_bencode_list_get (list, 1), &b_len);
    *second = g_bytes_new (b, b_len);
  }
  return TRUE;
}

/**
 * sd_onion_v4_payload_parse:
 * @data: (array length=len): the decrypted destination layer
 * @len: its size
 * @method: (out) (transfer full): the method
 * @endpoint: (out) (transfer full): the path
 * @headers: (out) (transfer full): the headers object (maybe empty)
 * @body: (out) (transfer full) (nullable): the body, %NULL when absent
 * @error: return location for a #GError
 *
 * Returns: %TRUE for a well-formed request
 */
gboolean
sd_onion_v4_payload_parse (const guint8 *data,
                           gsize len,
                           gchar **method,
                           gchar **endpoint,
                           JsonObject **headers,
                           GBytes **body,
                           GError **error)
{
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GBytes) b = NULL;
  const gchar *m, *e;
  JsonObject *h;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (method != NULL && endpoint != NULL && headers != NULL && body != NULL,
                        FALSE);

  if (len > SD_ONION_V4_MAX_REPLY) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "v4 request is over the limit");
    return FALSE;
  }
  if (!split_pair (data, len, "request", &info, &b, error))
    return FALSE;
  m = sd_json_get_string (info, "method");
  e = sd_json_get_string (info, "endpoint");
  if (!valid_method (m) || e == NULL || e[0] != '/' ||
      !valid_token (e, SD_ONION_V4_MAX_ENDPOINT)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 request has no valid method and endpoint");
    return FALSE;
  }
  h = sd_json_get_object (info, "headers");
  *method = g_strdup (m);
  *endpoint = g_strdup (e);
  *headers = h != NULL ? json_object_ref (h) : json_object_new ();
  *body = g_steal_pointer (&b);
  return TRUE;
}

typedef struct {
  const SdOnionServer *server;
} ExitData;

/* what the last relay needs to proxy the sealed layer to the server */
static gchar *
exit_json (const guint8 ephemeral_pk[32], SdOnionCipher cipher, gpointer user_data)
{
  const SdOnionServer *server = ((ExitData *) user_data)->server;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *eph_hex = sd_hex_encode (ephemeral_pk, 32);
  gboolean https = g_str_equal (server->protocol, "https");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "host");
  json_builder_add_string_value (builder, server->host);
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, SD_ONION_V4_TARGET);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, "POST");
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder, server->protocol);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, server->port != 0 ? server->port : (https ? 443 : 80));
  json_builder_set_member_name (builder, "ephemeral_key");
  json_builder_add_string_value (builder, eph_hex);
  json_builder_set_member_name (builder, "enc_type");
  json_builder_add_string_value (builder, sd_onion_cipher_to_string (cipher));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/**
 * sd_onion_v4_request_build_filled:
 * @cipher: the cipher of every layer
 * @hops: (array length=n_hops): the path, guard first; the last relay
 *   makes the HTTP request to the server
 * @n_hops: at least 1
 * @server: the destination server
 * @method: GET, POST, PUT or DELETE
 * @endpoint: the path on the server
 * @headers: (nullable) (array zero-terminated=1): name, value, … pairs
 * @body_len: the body's size
 * @fill: (nullable): writes the body in place; %NULL for none
 * @fill_data: for @fill
 * @out: (out caller-allocates): the guard's HTTP body and the reply key
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_v4_request_build_filled (SdOnionCipher cipher,
                                  const SdOnionNode *hops,
                                  gsize n_hops,
                                  const SdOnionServer *server,
                                  const gchar *method,
                                  const gchar *endpoint,
                                  const gchar *const *headers,
                                  gsize body_len,
                                  SdOnionFillFunc fill,
                                  gpointer fill_data,
                                  SdOnionRequest *out,
                                  GError **error)
{
  g_autofree gchar *info = NULL;
  ExitData data = { server };
  Framing framing;
  gboolean ok;

  g_return_val_if_fail (server != NULL, FALSE);

  if (!valid_token (server->host, MAX_HOST) || strpbrk (server->host, "/:?#@") != NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 server host must be a bare name or address");
    return FALSE;
  }
  if (g_strcmp0 (server->protocol, "http") != 0 && g_strcmp0 (server->protocol, "https") != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "v4 server protocol must be http or https");
    return FALSE;
  }
  info = request_info (method, endpoint, headers, fill != NULL ? body_len : 0, error);
  if (info == NULL)
    return FALSE;
  framing_init (&framing, info, body_len, fill, fill_data);
  ok = sd_onion_request_build_filled (cipher, hops, n_hops, server->x25519_pk, NULL, exit_json,
                                      &data, framing_size (&framing), fill_framed, &framing,
                                      out, error);
  g_string_free (framing.head, TRUE);
  return ok;
}

/**
 * sd_onion_v4_request_build:
 * @cipher: the cipher of every layer
 * @hops: (array length=n_hops): the path, guard first; the last relay
 *   makes the HTTP request to the server
 * @n_hops: at least 1
 * @server: the destination server
 * @method: GET, POST, PUT or DELETE
 * @endpoint: the path on the server
 * @headers: (nullable) (array zero-terminated=1): name, value, … pairs
 * @body: (nullable) (array length=body_len): the body
 * @body_len: its size
 * @out: (out caller-allocates): the guard's HTTP body and the reply key
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_v4_request_build (SdOnionCipher cipher,
                           const SdOnionNode *hops,
                           gsize n_hops,
                           const SdOnionServer *server,
                           const gchar *method,
                           const gchar *endpoint,
                           const gchar *const *headers,
                           const guint8 *body,
                           gsize body_len,
                           SdOnionRequest *out,
                           GError **error)
{
  g_return_val_if_fail (body != NULL || body_len == 0, FALSE);

  return sd_onion_v4_request_build_filled (cipher, hops, n_hops, server, method, endpoint,
                                           headers, body_len, body != NULL ? copy_body : NULL,
                                           (gpointer) body, out, error);
}

/**
 * sd_onion_v4_reply_build:
 * @status: the HTTP status
 * @headers: (nullable) (array zero-terminated=1): name, value, … pairs
 * @body: (nullable) (array length=body_len): the body; %NULL for none
 * @body_len: its size
 *
 * Returns: (transfer full): the plaintext the server encrypts
 */
GBytes *
sd_onion_v4_reply_build (guint status,
                         const gchar *const *headers,
                         const guint8 *body,
                         gsize body_len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (body != NULL || body_len == 0, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "headers");
  json_builder_add_value (builder, headers_node (headers));
  json_builder_end_object (builder);
  return join_pair (builder, body, body_len);
}

/* the status and headers of a reply's @meta, and its @body (transfer full), into @out */
static gboolean
read_reply (JsonObject *meta, GBytes *body_in, SdOnionV4Response *out, GError **error)
{
  g_autoptr(GBytes) body = body_in;
  g_autoptr(GHashTable) headers = NULL;
  JsonObject *h;
  JsonNode *code_node;
  gint64 code;

  code_node = json_object_get_member (meta, "code");
  if (code_node == NULL || !JSON_NODE_HOLDS_VALUE (code_node) ||
      json_node_get_value_type (code_node) != G_TYPE_INT64 ||
      (code = json_node_get_int (code_node)) < 100 || code > 599) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 reply has no valid \"code\"");
    return FALSE;
  }

  headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  h = sd_json_get_object (meta, "headers");
  if (h != NULL) {
    g_autoptr(GList) members = json_object_get_members (h);

    for (GList *l = members; l != NULL; l = l->next) {
      const gchar *value = sd_json_get_string (h, l->data);

      if (value == NULL || g_hash_table_size (headers) >= SD_ONION_V4_MAX_HEADERS)
        continue;
      g_hash_table_replace (headers, g_ascii_strdown (l->data, -1), g_strdup (value));
    }
  }

  out->status = (guint) code;
  out->headers = g_steal_pointer (&headers);
  out->body = g_steal_pointer (&body);
  return TRUE;
}

/**
 * sd_onion_v4_response_decode:
 * @request: the request this replies to
 * @reply: (array length=reply_len): the raw 200 body of the guard
 * @reply_len: its size, at most %SD_ONION_V4_MAX_REPLY
 * @out: (out caller-allocates): status, lower-cased headers and body;
 *   only written on success
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_v4_response_decode (const SdOnionRequest *request,
                             const guint8 *reply,
                             gsize reply_len,
                             SdOnionV4Response *out,
                             GError **error)
{
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) meta = NULL;
  g_autoptr(GBytes) body = NULL;

  g_return_val_if_fail (request != NULL && out != NULL, FALSE);
  g_return_val_if_fail (reply != NULL || reply_len == 0, FALSE);

  if (reply_len > SD_ONION_V4_MAX_REPLY) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "v4 reply of %" G_GSIZE_FORMAT " bytes is over the limit", reply_len);
    return FALSE;
  }
  plain = sd_onion_decrypt (request->cipher, request->reply_key, reply, reply_len,
                            &local_error);
  if (plain == NULL) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "v4 reply: ");
    return FALSE;
  }
  if (!split_pair (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "reply", &meta,
                   &body, error))
    return FALSE;
  return read_reply (meta, g_steal_pointer (&body), out, error);
}

/* `<digits>:` and that many bytes at *@pos, as sd-bencode.c reads a string: no sign, no
 * leading zero */
static gboolean
take_string (const guint8 *data, gsize len, gsize *pos, gsize *start, gsize *n)
{
  gsize p = *pos, value = 0, digits = 0;

  while (p < len && g_ascii_isdigit (data[p]) && digits < 10) {
    value = value * 10 + (gsize) (data[p] - '0');
    p++;
    digits++;
  }
  if (digits == 0 || (digits > 1 && data[*pos] == '0') || p >= len || data[p] != ':')
    return FALSE;
  p++;
  if (value > len - p)
    return FALSE;
  *start = p;
  *n = value;
  *pos = p + value;
  return TRUE;
}

/**
 * sd_onion_v4_response_decode_owned:
 * @request: the request this replies to
 * @reply: (transfer full): the raw 200 body of the guard
 * @out: (out caller-allocates): status, lower-cased headers and body (a slice of @reply's
 *   memory); only written on success
 * @error: return location for a #GError
 *
 * sd_onion_v4_response_decode() for large replies: the layer is decrypted where it lies and
 * the bencoded pair read in place, so a 10 MB file is held once.
 *
 * Returns: %TRUE on success
 */
gboolean
sd_onion_v4_response_decode_owned (const SdOnionRequest *request,
                                   GBytes *reply,
                                   SdOnionV4Response *out,
                                   GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) meta = NULL;
  g_autofree guint8 *data = NULL;
  g_autoptr(GBytes) whole = NULL;
  GBytes *body = NULL;
  gsize len = 0, plain_off = 0, plain_len = 0, pos, meta_off, meta_len, body_off = 0,
        body_len = 0;
  gboolean has_body = FALSE;
  const guint8 *plain;

  g_return_val_if_fail (request != NULL && out != NULL && reply != NULL, FALSE);

  if (g_bytes_get_size (reply) > SD_ONION_V4_MAX_REPLY) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "v4 reply of %" G_GSIZE_FORMAT " bytes is over the limit",
                 g_bytes_get_size (reply));
    g_bytes_unref (reply);
    return FALSE;
  }
  /* no copy when nothing else holds @reply */
  data = g_bytes_unref_to_data (reply, &len);
  if (!sd_onion_decrypt_in_place (request->cipher, request->reply_key, data, len, &plain_off,
                                  &plain_len, &local_error)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "v4 reply: ");
    return FALSE;
  }
  plain = data + plain_off;

  /* l <meta> [<body>] e */
  pos = 1;
  if (plain_len < 2 || plain[0] != 'l' ||
      !take_string (plain, plain_len, &pos, &meta_off, &meta_len)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 reply is not a bencoded list of one or two byte strings");
    return FALSE;
  }
  if (pos < plain_len && plain[pos] != 'e') {
    if (!take_string (plain, plain_len, &pos, &body_off, &body_len)) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "v4 reply is not a bencoded list of one or two byte strings");
      return FALSE;
    }
    has_body = TRUE;
  }
  if (pos + 1 != plain_len || plain[pos] != 'e') {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "v4 reply is not a bencoded list of one or two byte strings");
    return FALSE;
  }
  meta = sd_json_parse_object ((const gchar *) plain + meta_off, meta_len, &local_error);
  if (meta == NULL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "v4 reply metadata: %s", local_error->message);
    return FALSE;
  }
  whole = g_bytes_new_take (g_steal_pointer (&data), len);
  if (has_body)
    body = g_bytes_new_from_bytes (whole, plain_off + body_off, body_len);
  return read_reply (meta, body, out, error);
}
