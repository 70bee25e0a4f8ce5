/* SPDX-License-Identifier: GPL-3.0-or-later */
/* /onion_req/v2 against a real session-testnet: 3-hop requests with both
 * ciphers, relaying, final-destination replies and the hop errors */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-onion-layer.h"
#include "sd-onion-request.h"
#include "sd-request-sign.h"
#include "st-test-util.h"

static StTestnet *net;

typedef struct {
  SdOnionCipher cipher;
  guint8 tag;
} CipherCase;

static const CipherCase gcm_case = { SD_ONION_CIPHER_AES_GCM, 40 };
static const CipherCase xchacha_case = { SD_ONION_CIPHER_XCHACHA20, 41 };

static gboolean
cipher_usable (SdOnionCipher cipher)
{
  /* libsodium's AES-GCM needs AES-NI */
  if (cipher == SD_ONION_CIPHER_AES_GCM && !crypto_aead_aes256gcm_is_available ()) {
    g_test_skip ("no hardware AES-GCM on this CPU");
    return FALSE;
  }
  return TRUE;
}

/* three relays outside @swarm, so the destination is never on the path */
static void
pick_path (guint64 swarm, guint path[3])
{
  guint n = 0;

  for (guint i = 0; i < net->nodes->len && n < 3; i++) {
    if (st_testnet_node (net, i)->swarm_id != swarm)
      path[n++] = i;
  }
  g_assert_cmpuint (n, ==, 3);
}

static void
account_swarm (const SdIdentity *id, guint64 *swarm, GArray **members)
{
  guint8 raw[33];

  g_assert_true (sd_account_id_parse (id->session_id, raw, NULL));
  *swarm = st_testnet_swarm_for (net, raw);
  *members = st_testnet_members (net, *swarm);
}

static void
test_round_trip (gconstpointer data)
{
  const CipherCase *c = data;
  SdIdentity id;
  guint64 swarm;
  g_autoptr(GArray) members = NULL;
  guint path[3];
  g_autofree gchar *payload = sd_base64_encode ((const guint8 *) "through the onion", 17, TRUE);
  g_autofree gchar *store = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *hash = NULL;
  g_autoptr(JsonObject) obj = NULL;
  guint status = 0;

  if (!cipher_usable (c->cipher))
    return;
  st_test_identity (&id, c->tag);
  account_swarm (&id, &swarm, &members);
  pick_path (swarm, path);

  /* store through G -> M -> E -> D */
  store = st_test_store_json (&id, 0, st_test_now_ms (), 60000, payload, FALSE);
  g_assert_cmpuint (st_testnet_onion (net, c->cipher, path, 3, g_array_index (members, guint, 0),
                                      store, &status, &body), ==, 200);
  g_assert_cmpuint (status, ==, 200);
  obj = st_test_parse (body);
  hash = g_strdup (sd_json_get_string (obj, "hash"));
  g_assert_nonnull (hash);
  g_assert_cmpuint (json_object_get_size (sd_json_get_object (obj, "swarm")), ==, members->len);

  /* retrieve from another member through another path order */
  {
    guint rev[3] = { path[2], path[0], path[1] };
    g_autofree gchar *req = st_test_retrieve_json (&id, 0, st_test_now_ms (), NULL, 0);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) r = NULL;
    JsonArray *msgs;

    g_assert_cmpuint (st_testnet_onion (net, c->cipher, rev, 3, g_array_index (members, guint, 1),
                                        req, &status, &b), ==, 200);
    g_assert_cmpuint (status, ==, 200);
    r = st_test_parse (b);
    msgs = sd_json_get_array (r, "messages");
    g_assert_cmpuint (json_array_get_length (msgs), ==, 1);
    g_assert_cmpstr (sd_json_get_string (sd_json_array_get_object (msgs, 0), "hash"), ==, hash);
    g_assert_cmpstr (sd_json_get_string (sd_json_array_get_object (msgs, 0), "data"), ==, payload);
  }

  /* desktop's swarm lookup: a batch through an onion to any node */
  {
    g_autofree gchar *req = g_strdup_printf (
      "{\"method\":\"batch\",\"params\":{\"requests\":[{\"method\":\"get_swarm\","
      "\"params\":{\"pubkey\":\"%s\"}}]},\"jsonrpc\":\"2.0\"}", id.session_id);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) r = NULL;
    JsonObject *first;

    g_assert_cmpuint (st_testnet_onion (net, c->cipher, path, 3,
                                        st_testnet_outsider (net, st_testnet_node (net, path[0])->swarm_id),
                                        req, &status, &b), ==, 200);
    g_assert_cmpuint (status, ==, 200);
    r = st_test_parse (b);
    first = sd_json_array_get_object (sd_json_get_array (r, "results"), 0);
    g_assert_cmpint (sd_json_get_int (first, "code", 0), ==, 200);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (sd_json_get_object (first, "body"),
                                                                "snodes")), ==, members->len);
  }

  /* wrong swarm: an encrypted 421 with the swarm inside a 200 */
  {
    guint dest = st_testnet_outsider (net, swarm);
    guint p2[3];
    guint n = 0;
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) r = NULL;

    for (guint i = 0; i < net->nodes->len && n < 3; i++) {
      if (i != dest)
        p2[n++] = i;
    }
    g_assert_cmpuint (st_testnet_onion (net, c->cipher, p2, 3, dest, store, &status, &b), ==, 200);
    g_assert_cmpuint (status, ==, 421);
    r = st_test_parse (b);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "snodes")), ==, members->len);
  }

  /* errors travel as text bodies */
  {
    g_autofree gchar *req = g_strdup_printf ("{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\"}}",
                                             id.session_id);
    g_autofree gchar *b = NULL;

    g_assert_cmpuint (st_testnet_onion (net, c->cipher, path, 3, g_array_index (members, guint, 2),
                                        req, &status, &b), ==, 200);
    g_assert_cmpuint (status, ==, 401);
    g_assert_cmpstr (b, ==, "retrieve: request signature required");
  }
}

static GBytes *
post_raw (guint node, const guint8 *data, gsize len, guint *status)
{
  g_autofree gchar *url = st_testnet_node_url (net, node, ST_ONION_PATH);
  g_autoptr(GError) error = NULL;
  GBytes *reply = NULL;

  *status = st_testnet_post (net, url, (const gchar *) data, len, &reply, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

static gchar *
bytes_text (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
fill_node (SdOnionNode *out, guint index)
{
  memcpy (out->ed25519_pk, st_testnet_node (net, index)->ed25519, 32);
  memcpy (out->x25519_pk, st_testnet_node (net, index)->x25519, 32);
}

static void
test_unknown_hop (gconstpointer data)
{
  const CipherCase *c = data;
  g_autoptr(GError) error = NULL;
  SdOnionNode hops[3];
  SdOnionNode dest;
  guint8 seed[32];
  SdIdentity ghost;
  g_autofree gchar *ghost_hex = NULL;
  g_autofree gchar *expected = NULL;

  if (!cipher_usable (c->cipher))
    return;
  /* a middle hop nobody knows */
  memset (seed, 0x77, sizeof seed);
  sd_identity_from_seed (&ghost, seed);
  ghost_hex = sd_hex_encode (ghost.ed25519_pk, 32);
  expected = g_strdup_printf ("Next node not found: %s", ghost_hex);

  fill_node (&hops[0], 0);
  memcpy (hops[1].ed25519_pk, ghost.ed25519_pk, 32);
  memcpy (hops[1].x25519_pk, ghost.x25519_pk, 32);
  fill_node (&hops[2], 2);
  fill_node (&dest, 3);
  {
    g_auto(SdOnionRequest) req = { 0 };
    g_autoptr(GBytes) reply = NULL;
    g_autofree gchar *text = NULL;
    guint status;

    g_assert_true (sd_onion_request_build (c->cipher, hops, 3, &dest,
                                           "{\"method\":\"info\",\"params\":{}}", &req, &error));
    reply = post_raw (0, g_bytes_get_data (req.body, NULL), g_bytes_get_size (req.body), &status);
    text = bytes_text (reply);
    g_assert_cmpuint (status, ==, 502);
    g_assert_cmpstr (text, ==, expected);
  }
  /* an unknown destination behind three real relays: the last relay says so */
  fill_node (&hops[1], 1);
  memcpy (dest.ed25519_pk, ghost.ed25519_pk, 32);
  memcpy (dest.x25519_pk, ghost.x25519_pk, 32);
  {
    g_auto(SdOnionRequest) req = { 0 };
    g_autoptr(GBytes) reply = NULL;
    g_autofree gchar *text = NULL;
    guint status;

    g_assert_true (sd_onion_request_build (c->cipher, hops, 3, &dest,
                                           "{\"method\":\"info\",\"params\":{}}", &req, &error));
    reply = post_raw (0, g_bytes_get_data (req.body, NULL), g_bytes_get_size (req.body), &status);
    text = bytes_text (reply);
    g_assert_cmpuint (status, ==, 502);
    g_assert_cmpstr (text, ==, expected);
  }
}

static void
test_malformed (void)
{
  guint status;

  /* not a layer at all */
  {
    g_autoptr(GBytes) r = post_raw (0, (const guint8 *) "xy", 2, &status);
    g_autofree gchar *t = bytes_text (r);

    g_assert_cmpuint (status, ==, 400);
    g_assert_true (g_str_has_prefix (t, "Error parsing onion request: "));
  }
  /* a length prefix larger than the body */
  {
    const guint8 bad[] = { 0xff, 0x00, 0x00, 0x00, '{', '}' };
    g_autoptr(GBytes) r = post_raw (0, bad, sizeof bad, &status);
    g_autofree gchar *t = bytes_text (r);

    g_assert_cmpuint (status, ==, 400);
    g_assert_true (g_str_has_prefix (t, "Error parsing onion request: "));
  }
  /* no ephemeral key */
  {
    g_autoptr(GBytes) layer = sd_onion_layer_build ((const guint8 *) "abc", 3, "{\"enc_type\":\"xchacha20\"}");
    g_autoptr(GBytes) r = post_raw (0, g_bytes_get_data (layer, NULL), g_bytes_get_size (layer),
                                    &status);
    g_autofree gchar *t = bytes_text (r);

    g_assert_cmpuint (status, ==, 400);
    g_assert_true (g_str_has_prefix (t, "Error parsing onion request: "));
  }
  /* well-formed but not decryptable */
  {
    guint8 junk[64];
    g_autofree gchar *eph = NULL;
    g_autofree gchar *json = NULL;
    g_autoptr(GBytes) layer = NULL;
    g_autoptr(GBytes) r = NULL;
    g_autofree gchar *t = NULL;

    memset (junk, 0x42, sizeof junk);
    eph = sd_hex_encode (st_testnet_node (net, 5)->x25519, 32);
    json = g_strdup_printf ("{\"ephemeral_key\":\"%s\",\"enc_type\":\"xchacha20\"}", eph);
    layer = sd_onion_layer_build (junk, sizeof junk, json);
    r = post_raw (0, g_bytes_get_data (layer, NULL), g_bytes_get_size (layer), &status);
    t = bytes_text (r);
    g_assert_cmpuint (status, ==, 400);
    g_assert_cmpstr (t, ==, "Invalid ciphertext");
  }
  /* an unknown cipher name */
  {
    g_autofree gchar *eph = sd_hex_encode (st_testnet_node (net, 5)->x25519, 32);
    g_autofree gchar *json = g_strdup_printf ("{\"ephemeral_key\":\"%s\",\"enc_type\":\"rot13\"}", eph);
    g_autoptr(GBytes) layer = sd_onion_layer_build ((const guint8 *) "abc", 3, json);
    g_autoptr(GBytes) r = post_raw (0, g_bytes_get_data (layer, NULL), g_bytes_get_size (layer),
                                    &status);

    g_assert_cmpuint (status, ==, 400);
  }
}

static void
test_hop_limit (void)
{
  g_autoptr(GError) error = NULL;
  SdOnionNode hops[16];
  SdOnionNode dest;
  guint status;

  /* relays may repeat; what counts is the hop number */
  for (guint i = 0; i < 16; i++)
    fill_node (&hops[i], i % 7);
  fill_node (&dest, 13);
  for (guint n = 15; n <= 16; n++) {
    g_auto(SdOnionRequest) req = { 0 };
    g_autoptr(GBytes) reply = NULL;

    g_assert_true (sd_onion_request_build (SD_ONION_CIPHER_XCHACHA20, hops, n, &dest,
                                           "{\"method\":\"info\",\"params\":{}}", &req, &error));
    reply = post_raw (0, g_bytes_get_data (req.body, NULL), g_bytes_get_size (req.body), &status);
    if (n == 15) {
      guint rpc_status = 0;
      g_autofree gchar *body = NULL;

      g_assert_cmpuint (status, ==, 200);
      g_assert_true (sd_onion_response_decode (&req, g_bytes_get_data (reply, NULL),
                                               g_bytes_get_size (reply), &rpc_status, &body,
                                               &error));
      g_assert_cmpuint (rpc_status, ==, 200);
    } else {
      g_autofree gchar *t = bytes_text (reply);

      g_assert_cmpuint (status, ==, 400);
      g_assert_cmpstr (t, ==, "onion request max path length exceeded");
    }
  }
}

static void
test_default_cipher (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(SdOnionRequest) req = { 0 };
  g_autoptr(JsonObject) outer = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autofree gchar *json = NULL;
  const guint8 *blob;
  gsize blob_len;
  SdOnionNode hops[1];
  SdOnionNode dest;
  guint status, rpc_status = 0;

  if (!cipher_usable (SD_ONION_CIPHER_AES_GCM))
    return;
  fill_node (&hops[0], 1);
  fill_node (&dest, 8);
  g_assert_true (sd_onion_request_build (SD_ONION_CIPHER_AES_GCM, hops, 1, &dest,
                                         "{\"method\":\"info\",\"params\":{}}", &req, &error));
  /* desktop sends no enc_type at all: aes-gcm is the default */
  g_assert_true (sd_onion_layer_parse (g_bytes_get_data (req.body, NULL),
                                       g_bytes_get_size (req.body), &blob, &blob_len, &outer,
                                       &error));
  json = g_strdup_printf ("{\"ephemeral_key\":\"%s\"}", sd_json_get_string (outer, "ephemeral_key"));
  body = sd_onion_layer_build (blob, blob_len, json);
  reply = post_raw (1, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (sd_onion_response_decode (&req, g_bytes_get_data (reply, NULL),
                                           g_bytes_get_size (reply), &rpc_status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rpc_status, ==, 200);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  net = st_testnet_start (NULL);

  g_test_add_data_func ("/testnet/onion/round-trip/aes-gcm", &gcm_case, test_round_trip);
  g_test_add_data_func ("/testnet/onion/round-trip/xchacha20", &xchacha_case, test_round_trip);
  g_test_add_data_func ("/testnet/onion/unknown-hop/aes-gcm", &gcm_case, test_unknown_hop);
  g_test_add_data_func ("/testnet/onion/unknown-hop/xchacha20", &xchacha_case, test_unknown_hop);
  g_test_add_func ("/testnet/onion/malformed", test_malformed);
  g_test_add_func ("/testnet/onion/hop-limit", test_hop_limit);
  g_test_add_func ("/testnet/onion/default-cipher", test_default_cipher);
  ret = g_test_run ();
  st_testnet_stop (net);
  return ret;
}
