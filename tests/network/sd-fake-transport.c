/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-fake-transport.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-network-error.h"
#include "sd-onion-crypto.h"
#include "sd-onion-layer.h"

typedef struct {
  SdIdentity id;
  SdSnode *node;
  SdFakeNodeState state;
  guint onion_posts;
  guint guard_tests;
  gint64 clock_skew_ms;  /* added to the `t` of the default answer */
  gint forge_missing;    /* as a guard, claims this node is unknown (-1: no) */
} FakeNode;

struct _SdFakeTransport {
  GObject parent_instance;

  GArray *nodes; /* (element-type FakeNode) */
  gchar *last_rpc;
  gint last_node;
  SdFakeRpcFunc rpc_func;
  gpointer rpc_data;
  guint answer_delay_ms; /* between a node's answer and its arrival: a slow path */
};

static void sd_fake_transport_iface_init (SdTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SdFakeTransport, sd_fake_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SD_TYPE_TRANSPORT,
                                                      sd_fake_transport_iface_init))

typedef struct {
  guint status;
  GBytes *body;
  GError *error;
} FakeReply;

static void
fake_reply_free (FakeReply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

static FakeNode *
node_by_url (SdFakeTransport *self, const gchar *url, gint *index)
{
  for (guint i = 0; i < self->nodes->len; i++) {
    FakeNode *n = &g_array_index (self->nodes, FakeNode, i);
    g_autofree gchar *prefix = sd_snode_url (n->node, TRUE, "/");

    if (g_str_has_prefix (url, prefix)) {
      *index = (gint) i;
      return n;
    }
  }
  return NULL;
}

static FakeNode *
node_by_ed_hex (SdFakeTransport *self, const gchar *hex, gint *index)
{
  for (guint i = 0; hex != NULL && i < self->nodes->len; i++) {
    FakeNode *n = &g_array_index (self->nodes, FakeNode, i);

    if (g_ascii_strcasecmp (n->node->ed25519_hex, hex) == 0) {
      *index = (gint) i;
      return n;
    }
  }
  return NULL;
}

static FakeReply *
text_reply (guint status, const gchar *text)
{
  FakeReply *reply = g_new0 (FakeReply, 1);

  reply->status = status;
  reply->body = g_bytes_new (text, strlen (text));
  return reply;
}

/* the destination's {"status", "body"} for @rpc */
static gchar *
final_answer (SdFakeTransport *self, guint index, const gchar *rpc)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *body = NULL;
  guint status = 200;

  if (self->rpc_func != NULL)
    body = self->rpc_func (self, index, rpc, &status, self->rpc_data);
  else
    body = g_strdup_printf ("{\"ok\":true,\"t\":%" G_GINT64_FORMAT "}",
                            g_get_real_time () / 1000 +
                              g_array_index (self->nodes, FakeNode, index).clock_skew_ms);
  json_object_set_int_member (answer, "status", status);
  json_object_set_string_member (answer, "body", body);
  root = json_node_init_object (json_node_alloc (), answer);
  return json_to_string (root, FALSE);
}

/* what a node does with an onion layer addressed to it */
static FakeReply *
process_onion (SdFakeTransport *self, FakeNode *node, gint index, const guint8 *data, gsize len)
{
  const guint8 *blob, *inner;
  gsize blob_len, inner_len;
  g_autoptr(JsonObject) outer = NULL;
  g_autoptr(JsonObject) control = NULL;
  g_autoptr(GBytes) plain = NULL;
  guint8 client_pk[32], key[32];
  SdOnionCipher cipher = SD_ONION_CIPHER_AES_GCM;
  const gchar *enc_type;

  if (!sd_onion_layer_parse (data, len, &blob, &blob_len, &outer, NULL))
    return text_reply (400, "Error parsing onion request");
  enc_type = json_object_get_string_member_with_default (outer, "enc_type", "aes-gcm");
  if (!sd_onion_cipher_from_string (enc_type, &cipher, NULL) ||
      !sd_hex_decode_exact (json_object_get_string_member_with_default (outer, "ephemeral_key", ""),
                            client_pk, 32, NULL) ||
      !sd_onion_key_node (cipher, node->id.x25519_sk, node->id.x25519_pk, client_pk, key))
    return text_reply (400, "Invalid ciphertext");
  plain = sd_onion_decrypt (cipher, key, blob, blob_len, NULL);
  if (plain == NULL)
    return text_reply (400, "Invalid ciphertext");
  if (!sd_onion_layer_parse (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), &inner,
                             &inner_len, &control, NULL))
    return text_reply (400, "Error parsing onion request");

  if (json_object_has_member (control, "headers")) {
    /* final destination: answer any RPC with a small JSON body */
    g_autofree gchar *rpc = g_strndup ((const gchar *) inner, inner_len);
    g_autofree gchar *answer = final_answer (self, (guint) index, rpc);
    g_autoptr(GBytes) sealed = sd_onion_encrypt (cipher, key, (const guint8 *) answer,
                                                 strlen (answer), NULL);
    g_autofree gchar *b64 = sd_base64_encode (g_bytes_get_data (sealed, NULL),
                                              g_bytes_get_size (sealed), TRUE);

    g_free (self->last_rpc);
    self->last_rpc = g_steal_pointer (&rpc);
    self->last_node = index;
    return text_reply (200, b64);
  }

  /* relay: the next hop gets LE32 || inner || {ephemeral_key, enc_type} */
  {
    const gchar *next_hex = json_object_get_string_member_with_default (control, "destination",
                                                                        NULL);
    gint next_index = -1;
    FakeNode *next = node_by_ed_hex (self, next_hex, &next_index);
    g_autoptr(GBytes) forwarded = NULL;
    g_autofree gchar *json = NULL;

    if (next == NULL || next->state == SD_FAKE_UNKNOWN) {
      g_autofree gchar *text = g_strdup_printf ("Next node not found: %s", next_hex);

      return text_reply (502, text);
    }
    if (next->state == SD_FAKE_DOWN)
      return text_reply (504, "Request time out");
    if (next->state == SD_FAKE_ERROR_500)
      return text_reply (500, "Invalid response from snode");
    json = g_strdup_printf ("{\"ephemeral_key\":\"%s\",\"enc_type\":\"%s\"}",
                            json_object_get_string_member_with_default (control,
                                                                        "ephemeral_key", ""),
                            json_object_get_string_member_with_default (control, "enc_type",
                                                                        "aes-gcm"));
    forwarded = sd_onion_layer_build (inner, inner_len, json);
    return process_onion (self, next, next_index, g_bytes_get_data (forwarded, NULL),
                          g_bytes_get_size (forwarded));
  }
}

static gboolean
deliver (gpointer user_data)
{
  GTask *task = user_data;
  FakeReply *reply = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  if (reply->error != NULL)
    g_task_return_error (task, g_steal_pointer (&reply->error));
  else
    g_task_return_pointer (task, g_bytes_ref (reply->body), (GDestroyNotify) g_bytes_unref);
  return G_SOURCE_REMOVE;
}

static void
fake_post_async (SdTransport *transport,
                 const gchar *url,
                 GBytes *body,
                 guint timeout_ms,
                 GCancellable *cancellable,
                 GAsyncReadyCallback callback,
                 gpointer user_data)
{
  SdFakeTransport *self = SD_FAKE_TRANSPORT (transport);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  gint index = -1;
  FakeNode *node = node_by_url (self, url, &index);
  FakeReply *reply;

  if (node == NULL || node->state == SD_FAKE_DOWN) {
    reply = g_new0 (FakeReply, 1);
    reply->error = g_error_new (SD_NETWORK_ERROR, SD_NETWORK_ERROR_FAILED,
                                "Could not connect: Connection refused");
  } else if (node->state == SD_FAKE_ERROR_500) {
    reply = text_reply (500, "Internal Server Error");
  } else if (g_str_has_suffix (url, "/storage_rpc/v1")) {
    node->guard_tests++;
    reply = text_reply (200, "{\"snodes\":[],\"swarm\":\"ffffffffffffffff\"}");
  } else if (g_str_has_suffix (url, "/onion_req/v2") && node->forge_missing >= 0) {
    /* a hostile guard: it never forwards, it blames a node of its choice */
    g_autofree gchar *text = g_strdup_printf (
      "Next node not found: %s",
      g_array_index (self->nodes, FakeNode, node->forge_missing).node->ed25519_hex);

    node->onion_posts++;
    reply = text_reply (502, text);
  } else if (g_str_has_suffix (url, "/onion_req/v2")) {
    node->onion_posts++;
    reply = process_onion (self, node, index, g_bytes_get_data (body, NULL),
                           g_bytes_get_size (body));
  } else {
    reply = text_reply (404, "Not Found");
  }
  g_task_set_task_data (task, reply, (GDestroyNotify) fake_reply_free);
  if (self->answer_delay_ms > 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, self->answer_delay_ms, deliver, task,
                        g_object_unref);
  else
    g_idle_add_full (G_PRIORITY_DEFAULT, deliver, task, g_object_unref);
}

static GBytes *
fake_post_finish (SdTransport *transport, GAsyncResult *result, guint *status, GError **error)
{
  FakeReply *reply = g_task_get_task_data (G_TASK (result));
  GBytes *body = g_task_propagate_pointer (G_TASK (result), error);

  if (body != NULL && status != NULL)
    *status = reply->status;
  return body;
}

static void
sd_fake_transport_iface_init (SdTransportInterface *iface)
{
  iface->post_async = fake_post_async;
  iface->post_finish = fake_post_finish;
}

static void
sd_fake_transport_finalize (GObject *object)
{
  SdFakeTransport *self = SD_FAKE_TRANSPORT (object);

  for (guint i = 0; i < self->nodes->len; i++)
    sd_snode_unref (g_array_index (self->nodes, FakeNode, i).node);
  g_array_unref (self->nodes);
  g_free (self->last_rpc);
  G_OBJECT_CLASS (sd_fake_transport_parent_class)->finalize (object);
}

static void
sd_fake_transport_class_init (SdFakeTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_fake_transport_finalize;
}

static void
sd_fake_transport_init (SdFakeTransport *self)
{
  self->nodes = g_array_new (FALSE, TRUE, sizeof (FakeNode));
  self->last_node = -1;
}

SdFakeTransport *
sd_fake_transport_new (guint n_nodes)
{
  SdFakeTransport *self = g_object_new (SD_TYPE_FAKE_TRANSPORT, NULL);

  g_assert_cmpint (sodium_init (), >=, 0);
  for (guint i = 0; i < n_nodes; i++) {
    FakeNode n = { .forge_missing = -1 };
    guint8 seed[32];
    g_autofree gchar *ed_hex = NULL;

    randombytes_buf (seed, sizeof seed);
    sd_identity_from_seed (&n.id, seed);
    ed_hex = sd_hex_encode (n.id.ed25519_pk, 32);
    n.node = sd_snode_new (ed_hex, NULL, "127.0.0.1", 1000 + i, i / 7, NULL);
    g_assert_nonnull (n.node);
    g_array_append_val (self->nodes, n);
  }
  return self;
}

GPtrArray *
sd_fake_transport_dup_nodes (SdFakeTransport *self)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  for (guint i = 0; i < self->nodes->len; i++)
    g_ptr_array_add (nodes, sd_snode_ref (g_array_index (self->nodes, FakeNode, i).node));
  return nodes;
}

void
sd_fake_transport_set_answer_delay (SdFakeTransport *self, guint delay_ms)
{
  self->answer_delay_ms = delay_ms;
}

void
sd_fake_transport_set_clock_skew (SdFakeTransport *self, guint node, gint64 skew_ms)
{
  g_array_index (self->nodes, FakeNode, node).clock_skew_ms = skew_ms;
}

void
sd_fake_transport_forge_missing (SdFakeTransport *self, guint guard, gint victim)
{
  g_array_index (self->nodes, FakeNode, guard).forge_missing = victim;
}

void
sd_fake_transport_set_state (SdFakeTransport *self, guint node, SdFakeNodeState state)
{
  g_array_index (self->nodes, FakeNode, node).state = state;
}

guint
sd_fake_transport_get_onion_posts (SdFakeTransport *self, guint node)
{
  return g_array_index (self->nodes, FakeNode, node).onion_posts;
}

guint
sd_fake_transport_get_guard_tests (SdFakeTransport *self, guint node)
{
  return g_array_index (self->nodes, FakeNode, node).guard_tests;
}

const gchar *
sd_fake_transport_get_last_rpc (SdFakeTransport *self, gint *node)
{
  if (node != NULL)
    *node = self->last_node;
  return self->last_rpc;
}

void
sd_fake_transport_set_rpc_func (SdFakeTransport *self, SdFakeRpcFunc func, gpointer user_data)
{
  self->rpc_func = func;
  self->rpc_data = user_data;
}
