/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the testnet community server through 3-hop onion requests v4, with
 * X-SOGS-* signed requests from blinded ids: capabilities, rooms, posting
 * and reading back (post signatures checked by both sides), deletion
 * tombstones, reactions, batch and sequence, community DMs both ways,
 * moderators recognised behind the blinding, bans, and the reference's
 * 400/401/403/425 answers */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-blinded-dm.h"
#include "sd-blinding.h"
#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-ons.h"
#include "sd-onion-v4.h"
#include "sd-padding.h"
#include "sd-protocol-error.h"
#include "sd-sogs-poll.h"
#include "sd-sogs-post.h"
#include "sd-sogs-request.h"
#include "sd-sogs-url.h"
#include "st-test-util.h"

typedef struct {
  StTestnet *testnet;
  SdOnionServer server;
  gchar *host;         /* (owned) */
  SdIdentity alice, bob, carol;
  gchar alice_id[SD_BLINDED_ID_LEN + 1];
  gchar bob_id[SD_BLINDED_ID_LEN + 1];
  gchar carol_id[SD_BLINDED_ID_LEN + 1];
} Fixture;

/* how a request is signed; the defaults make a good one */
typedef struct {
  const SdIdentity *who; /* NULL: no X-SOGS-* headers */
  gint64 clock_offset;   /* seconds added to the timestamp */
  const guint8 *nonce;   /* NULL: random */
  gboolean tamper;       /* sign another path than the one sent */
  gboolean drop_one;     /* leave X-SOGS-Timestamp out */
} Auth;

static void
blinded_id (Fixture *f, const SdIdentity *who, gchar out[SD_BLINDED_ID_LEN + 1])
{
  SdBlindedKeyPair kp;

  g_assert_true (sd_blind15_key_pair (who->ed25519_sk, f->server.x25519_pk, &kp));
  sd_blinded_id_format (SD_BLINDING_15, kp.pk, out);
}

static void
fixture_setup (Fixture *f, gconstpointer user_data)
{
  const gchar *args[] = { "--nodes", "4", "--swarm-size", "4", NULL };
  g_autofree gchar *text = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(GUri) uri = NULL;
  g_auto(SdSogsUrl) join = { 0 };
  g_autoptr(GError) error = NULL;
  JsonObject *cs, *alias;

  f->testnet = st_testnet_start (args);
  g_assert_true (g_file_get_contents (f->testnet->json_path, &text, NULL, NULL));
  doc = st_test_parse (text);
  cs = json_object_get_object_member (doc, "community_server");
  alias = json_object_get_object_member (doc, "sogs");
  g_assert_nonnull (cs);
  g_assert_nonnull (alias);
  g_assert_cmpstr (json_object_get_string_member (cs, "url"), ==,
                   json_object_get_string_member (alias, "url"));
  g_assert_cmpuint (strlen (json_object_get_string_member (cs, "pubkey_ed25519")), ==, 64);
  uri = g_uri_parse (json_object_get_string_member (cs, "url"), G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  f->host = g_strdup (g_uri_get_host (uri));
  f->server.host = f->host;
  f->server.protocol = "http";
  f->server.port = (guint16) g_uri_get_port (uri);
  g_assert_true (sd_hex_decode_exact (json_object_get_string_member (cs, "pubkey_x25519"),
                                      f->server.x25519_pk, 32, NULL));

  /* the published join URL is one our parser takes, for the lobby */
  g_assert_true (sd_sogs_url_parse (json_object_get_string_member (cs, "join_url"), &join,
                                    &error));
  g_assert_no_error (error);
  g_assert_cmpstr (join.room, ==, "lobby");
  g_assert_cmpmem (join.server_pk, 32, f->server.x25519_pk, 32);

  st_test_identity (&f->alice, 1);
  st_test_identity (&f->bob, 2);
  st_test_identity (&f->carol, 3);
  blinded_id (f, &f->alice, f->alice_id);
  blinded_id (f, &f->bob, f->bob_id);
  blinded_id (f, &f->carol, f->carol_id);
}

static void
fixture_teardown (Fixture *f, gconstpointer user_data)
{
  g_clear_pointer (&f->testnet, st_testnet_stop);
  g_free (f->host);
}

/* what request() returns when the path answered HTTP @status itself
 * (the server unreachable), and when the reply did not decode */
#define PATH_STATUS(status) (1000 + (status))
#define UNDECODABLE 2000

/* one v4 request through nodes 0, 1, 2; returns the server's status */
static guint
request (Fixture *f, const Auth *auth, const gchar *method, const gchar *endpoint,
         const gchar *body, GBytes **reply)
{
  SdOnionNode hops[SD_ONION_HOPS];
  g_auto(SdOnionRequest) req = { NULL, 0, { 0 } };
  g_auto(SdOnionV4Response) resp = { 0, NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree gchar *url = st_testnet_node_url (f->testnet, 0, ST_ONION_PATH);
  const gchar *headers[16];
  gsize n = 0, body_len = body != NULL ? strlen (body) : 0;
  SdSogsAuthHeaders h;
  guint http;

  if (body != NULL) {
    headers[n++] = "Content-Type";
    headers[n++] = "application/json";
  }
  if (auth != NULL && auth->who != NULL) {
    guint8 nonce[SD_SOGS_NONCE_LEN];

    if (auth->nonce != NULL)
      memcpy (nonce, auth->nonce, sizeof nonce);
    else
      randombytes_buf (nonce, sizeof nonce);
    g_assert_true (sd_sogs_sign_request (auth->who->ed25519_sk, f->server.x25519_pk, TRUE, nonce,
                                         g_get_real_time () / G_USEC_PER_SEC + auth->clock_offset,
                                         method, auth->tamper ? "/tampered" : endpoint,
                                         (const guint8 *) body, body_len, &h, &error));
    g_assert_no_error (error);
    headers[n++] = "X-SOGS-Pubkey";
    headers[n++] = h.pubkey;
    headers[n++] = "X-SOGS-Nonce";
    headers[n++] = h.nonce;
    if (!auth->drop_one) {
      headers[n++] = "X-SOGS-Timestamp";
      headers[n++] = h.timestamp;
    }
    headers[n++] = "X-SOGS-Signature";
    headers[n++] = h.signature;
  }
  headers[n] = NULL;

  for (guint i = 0; i < SD_ONION_HOPS; i++) {
    StTestNode *node = st_testnet_node (f->testnet, i);

    memcpy (hops[i].ed25519_pk, node->ed25519, 32);
    memcpy (hops[i].x25519_pk, node->x25519, 32);
  }
  g_assert_true (sd_onion_v4_request_build (SD_ONION_CIPHER_XCHACHA20, hops, SD_ONION_HOPS,
                                            &f->server, method, endpoint, headers,
                                            (const guint8 *) body, body_len, &req, &error));
  g_assert_no_error (error);
  http = st_testnet_post (f->testnet, url, g_bytes_get_data (req.body, NULL),
                          g_bytes_get_size (req.body), &raw, NULL, &error);
  g_assert_no_error (error);
  if (http != 200) {
    if (reply != NULL)
      *reply = g_steal_pointer (&raw);
    return PATH_STATUS (http);
  }
  if (!sd_onion_v4_response_decode (&req, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                                    &resp, &error)) {
    g_test_message ("undecodable reply: %s", error->message);
    if (reply != NULL)
      *reply = g_steal_pointer (&raw);
    return UNDECODABLE;
  }
  if (reply != NULL)
    *reply = resp.body != NULL ? g_bytes_ref (resp.body) : g_bytes_new (NULL, 0);
  return resp.status;
}

static gchar *
text_of (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static JsonNode *
json_of (GBytes *bytes)
{
  g_autofree gchar *text = text_of (bytes);
  g_autoptr(JsonParser) parser = json_parser_new ();

  /* error answers are plain text */
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* a signed request from @who that must answer @expected; returns the JSON */
static JsonNode *
call (Fixture *f, const SdIdentity *who, const gchar *method, const gchar *endpoint,
      const gchar *body, guint expected)
{
  Auth auth = { who, 0, NULL, FALSE, FALSE };
  g_autoptr(GBytes) reply = NULL;
  guint status = request (f, who != NULL ? &auth : NULL, method, endpoint, body, &reply);

  if (status != expected) {
    g_autofree gchar *text = text_of (reply);

    g_test_message ("%s %s → %u: %s", method, endpoint, status, text);
  }
  g_assert_cmpuint (status, ==, expected);
  if (g_bytes_get_size (reply) == 0 || status == 304)
    return NULL;
  return json_of (reply);
}

/* posts "body" to @room as @who; returns the new message's id */
static gint64
post_text (Fixture *f, const SdIdentity *who, const gchar *room, const gchar *text)
{
  g_autoptr(GBytes) content = sd_content_pack_text (text, (guint64) st_test_now_ms (), "Poster",
                                                    0, NULL);
  g_autofree gchar *data = NULL, *sig = NULL, *body = NULL, *endpoint = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *obj;

  g_assert_true (sd_sogs_post_encode (who->ed25519_sk, f->server.x25519_pk, TRUE,
                                      g_bytes_get_data (content, NULL),
                                      g_bytes_get_size (content), &data, &sig, &error));
  g_assert_no_error (error);
  body = g_strdup_printf ("{\"data\":\"%s\",\"signature\":\"%s\"}", data, sig);
  endpoint = g_strdup_printf ("/room/%s/message", room);
  reply = call (f, who, "POST", endpoint, body, 201);
  obj = json_node_get_object (reply);
  g_assert_cmpstr (json_object_get_string_member (obj, "data"), ==, data);
  return json_object_get_int_member (obj, "id");
}

/* the messages since @seqno, each checked and decoded as a client would */
static JsonArray *
messages_since (Fixture *f, const SdIdentity *who, const gchar *room, gint64 seqno)
{
  g_autofree gchar *endpoint = g_strdup_printf ("/room/%s/messages/since/%" G_GINT64_FORMAT
                                                "?t=r&reactors=5", room, seqno);
  g_autoptr(JsonNode) reply = call (f, who, "GET", endpoint, NULL, 200);

  return json_array_ref (json_node_get_array (reply));
}

static gchar *
decode_body (JsonObject *msg)
{
  g_auto(SdSogsPost) post = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_sogs_post_decode (json_object_get_string_member (msg, "session_id"),
                                      json_object_get_string_member (msg, "data"),
                                      json_object_get_string_member (msg, "signature"), &post,
                                      &error));
  g_assert_no_error (error);
  g_assert_nonnull (post.parsed->datamessage);
  return g_strdup (post.parsed->datamessage->body);
}

static void
test_capabilities (Fixture *f, gconstpointer user_data)
{
  g_autoptr(JsonNode) caps = call (f, NULL, "GET", "/capabilities", NULL, 200);
  g_autoptr(JsonNode) ok = call (f, &f->alice, "GET", "/capabilities?required=sogs,blind", NULL,
                                 200);
  g_autoptr(JsonNode) missing = call (f, NULL, "GET", "/capabilities?required=blind,nope", NULL,
                                      412);
  JsonArray *list = json_object_get_array_member (json_node_get_object (caps), "capabilities");
  JsonArray *miss = json_object_get_array_member (json_node_get_object (missing), "missing");
  gboolean blind = FALSE;

  /* nothing required is missing: the same list comes back */
  g_assert_true (json_object_has_member (json_node_get_object (ok), "capabilities"));
  g_assert_false (json_object_has_member (json_node_get_object (ok), "missing"));

  for (guint i = 0; i < json_array_get_length (list); i++)
    blind |= strcmp (json_array_get_string_element (list, i), "blind") == 0;
  g_assert_true (blind);
  g_assert_cmpuint (json_array_get_length (miss), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (miss, 0), ==, "nope");
}

static void
test_rooms (Fixture *f, gconstpointer user_data)
{
  g_autoptr(JsonNode) lobby = call (f, &f->alice, "GET", "/room/lobby", NULL, 200);
  g_autoptr(JsonNode) rooms = NULL, second = NULL, poll = NULL, poll_same = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *obj = json_node_get_object (lobby);
  g_autofree gchar *poll_path = NULL;

  g_assert_cmpstr (json_object_get_string_member (obj, "token"), ==, "lobby");
  g_assert_true (json_object_get_boolean_member (obj, "read"));
  g_assert_true (json_object_get_boolean_member (obj, "write"));
  g_assert_false (json_object_get_boolean_member (obj, "moderator"));
  g_assert_cmpint (json_object_get_int_member (obj, "active_users"), >=, 1);
  g_assert_cmpuint (request (f, NULL, "GET", "/room/nowhere", NULL, NULL), ==, 404);

  /* a room made through the control API */
  reply = st_testnet_control (f->testnet, "{\"action\":\"sogs_room\",\"room\":\"second\","
                                          "\"name\":\"Second room\",\"description\":\"2nd\"}");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply, "sogs"),
                                               "rooms"), ==, 2);
  rooms = call (f, NULL, "GET", "/rooms", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (rooms)), ==, 2);
  second = call (f, &f->bob, "GET", "/room/second", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (second), "name"), ==,
                   "Second room");

  /* pollInfo gives details only when info_updates moved */
  poll_path = g_strdup_printf ("/room/second/pollInfo/%" G_GINT64_FORMAT,
                               json_object_get_int_member (json_node_get_object (second),
                                                           "info_updates"));
  poll_same = call (f, &f->bob, "GET", poll_path, NULL, 200);
  g_assert_false (json_object_has_member (json_node_get_object (poll_same), "details"));
  poll = call (f, &f->bob, "GET", "/room/second/pollInfo/0", NULL, 200);
  g_assert_true (json_object_has_member (json_node_get_object (poll), "details"));

  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"sogs_room\","
                                                           "\"room\":\"bad/token\"}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"sogs_nope\"}"), ==,
                    400);
}

static void
test_post_and_read (Fixture *f, gconstpointer user_data)
{
  gint64 id1 = post_text (f, &f->alice, "lobby", "hello lobby");
  gint64 id2 = post_text (f, &f->bob, "lobby", "hello alice");
  g_autoptr(JsonArray) all = messages_since (f, &f->carol, "lobby", 0);
  g_autoptr(JsonArray) later = NULL;
  JsonObject *m1, *m2;
  g_autofree gchar *b1 = NULL, *b2 = NULL;

  g_assert_cmpint (id2, >, id1);
  g_assert_cmpuint (json_array_get_length (all), ==, 2);
  m1 = json_array_get_object_element (all, 0);
  m2 = json_array_get_object_element (all, 1);
  /* posters are blinded ids, and a contact is recognised behind them */
  g_assert_cmpstr (json_object_get_string_member (m1, "session_id"), ==, f->alice_id);
  g_assert_cmpstr (json_object_get_string_member (m2, "session_id"), ==, f->bob_id);
  g_assert_true (sd_blinded_id_matches (f->alice_id, f->alice.session_id, f->server.x25519_pk));
  g_assert_false (sd_blinded_id_matches (f->alice_id, f->bob.session_id, f->server.x25519_pk));
  b1 = decode_body (m1);
  b2 = decode_body (m2);
  g_assert_cmpstr (b1, ==, "hello lobby");
  g_assert_cmpstr (b2, ==, "hello alice");

  /* since the first seqno, only the second; unauthenticated reads work too */
  later = messages_since (f, NULL, "lobby", json_object_get_int_member (m1, "seqno"));
  g_assert_cmpuint (json_array_get_length (later), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (later, 0), "id"),
                   ==, id2);

  {
    g_autoptr(JsonNode) recent = call (f, NULL, "GET", "/room/lobby/messages/recent?limit=1",
                                       NULL, 200);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (recent)), ==, 1);
    g_assert_cmpint (json_object_get_int_member (
                         json_array_get_object_element (json_node_get_array (recent), 0), "id"),
                     ==, id2);
  }
}

static void
test_post_rejects (Fixture *f, gconstpointer user_data)
{
  g_autoptr(GBytes) content = sd_content_pack_text ("forged", 1, NULL, 0, NULL);
  g_autofree gchar *data = NULL, *sig = NULL, *forged = NULL, *unsigned_body = NULL;
  g_autoptr(JsonNode) none = NULL;
  g_autoptr(JsonArray) all = NULL;

  /* carol's signature on a post sent as alice */
  g_assert_true (sd_sogs_post_encode (f->carol.ed25519_sk, f->server.x25519_pk, TRUE,
                                      g_bytes_get_data (content, NULL),
                                      g_bytes_get_size (content), &data, &sig, NULL));
  forged = g_strdup_printf ("{\"data\":\"%s\",\"signature\":\"%s\"}", data, sig);
  none = call (f, &f->alice, "POST", "/room/lobby/message", forged, 400);
  g_clear_pointer (&none, json_node_unref);
  /* no X-SOGS-* headers */
  none = call (f, NULL, "POST", "/room/lobby/message", forged, 401);
  g_clear_pointer (&none, json_node_unref);
  /* no signature, not JSON */
  unsigned_body = g_strdup_printf ("{\"data\":\"%s\"}", data);
  none = call (f, &f->carol, "POST", "/room/lobby/message", unsigned_body, 400);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->carol, "POST", "/room/lobby/message", "[1,2", 400);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->carol, "POST", "/room/nowhere/message", forged, 404);

  all = messages_since (f, NULL, "lobby", 0);
  g_assert_cmpuint (json_array_get_length (all), ==, 0);
}

static void
test_auth_rules (Fixture *f, gconstpointer user_data)
{
  const guint8 nonce[SD_SOGS_NONCE_LEN] = { 9, 9, 9 };
  Auth good = { &f->alice, 0, nonce, FALSE, FALSE };
  Auth skew_ahead = { &f->alice, 25 * 3600, NULL, FALSE, FALSE };
  Auth skew_behind = { &f->alice, -25 * 3600, NULL, FALSE, FALSE };
  Auth near = { &f->alice, 23 * 3600, NULL, FALSE, FALSE };
  Auth tampered = { &f->alice, 0, NULL, TRUE, FALSE };
  Auth partial = { &f->alice, 0, NULL, FALSE, TRUE };
  g_autoptr(GBytes) reply = NULL;
  g_autofree gchar *text = NULL;

  g_assert_cmpuint (request (f, &good, "GET", "/inbox", NULL, NULL), ==, 200);
  /* the same nonce again: 401 */
  g_assert_cmpuint (request (f, &good, "GET", "/inbox", NULL, &reply), ==, 401);
  text = text_of (reply);
  g_assert_cmpstr (text, ==, "Invalid authentication: X-SOGS-Nonce cannot be reused");
  g_clear_pointer (&reply, g_bytes_unref);
  g_clear_pointer (&text, g_free);

  /* a clock more than 24 h off: 425; within: fine */
  g_assert_cmpuint (request (f, &skew_ahead, "GET", "/inbox", NULL, &reply), ==, 425);
  text = text_of (reply);
  g_assert_cmpstr (text, ==,
                   "Invalid authentication: X-SOGS-Timestamp is too far from current time");
  g_assert_cmpuint (request (f, &skew_behind, "GET", "/inbox", NULL, NULL), ==, 425);
  g_assert_cmpuint (request (f, &near, "GET", "/inbox", NULL, NULL), ==, 200);

  /* a signature over another request, and a missing header */
  g_assert_cmpuint (request (f, &tampered, "GET", "/inbox", NULL, NULL), ==, 401);
  g_assert_cmpuint (request (f, &partial, "GET", "/inbox", NULL, NULL), ==, 400);
  /* the inbox wants a signed, blinded user */
  g_assert_cmpuint (request (f, NULL, "GET", "/inbox", NULL, NULL), ==, 401);
}

static void
test_delete_and_react (Fixture *f, gconstpointer user_data)
{
  gint64 id = post_text (f, &f->alice, "lobby", "short-lived");
  gint64 keep = post_text (f, &f->bob, "lobby", "keeper");
  g_autofree gchar *del = g_strdup_printf ("/room/lobby/message/%" G_GINT64_FORMAT, id);
  g_autofree gchar *react = NULL;
  g_autoptr(JsonArray) before = messages_since (f, NULL, "lobby", 0);
  gint64 top = json_object_get_int_member (json_array_get_object_element (before, 1), "seqno");
  g_autoptr(JsonNode) added = NULL, again = NULL, none = NULL, removed = NULL;
  g_autoptr(JsonArray) after = NULL, reacted = NULL;
  JsonObject *tomb, *msg, *heart;

  /* bob may not delete alice's post, alice may */
  none = call (f, &f->bob, "DELETE", del, NULL, 403);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->alice, "DELETE", del, NULL, 200);
  after = messages_since (f, NULL, "lobby", top);
  g_assert_cmpuint (json_array_get_length (after), ==, 1);
  tomb = json_array_get_object_element (after, 0);
  g_assert_cmpint (json_object_get_int_member (tomb, "id"), ==, id);
  g_assert_true (json_object_get_boolean_member (tomb, "deleted"));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (tomb, "data")));

  /* a reaction with its count; the emoji travels %-escaped */
  react = g_strdup_printf ("/room/lobby/reaction/%" G_GINT64_FORMAT "/%%E2%%9D%%A4", keep);
  added = call (f, &f->alice, "PUT", react, NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (added), "added"));
  again = call (f, &f->alice, "PUT", react, NULL, 200);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (again), "added"));
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->carol, "PUT", react, NULL, 200);
  reacted = messages_since (f, &f->alice, "lobby",
                            json_object_get_int_member (tomb, "seqno"));
  g_assert_cmpuint (json_array_get_length (reacted), ==, 1);
  msg = json_array_get_object_element (reacted, 0);
  g_assert_cmpint (json_object_get_int_member (msg, "id"), ==, keep);
  /* a reaction update, as the reference sends it: no `data` key */
  g_assert_false (json_object_has_member (msg, "data"));
  heart = json_object_get_object_member (json_object_get_object_member (msg, "reactions"),
                                         "\xe2\x9d\xa4");
  g_assert_nonnull (heart);
  g_assert_cmpint (json_object_get_int_member (heart, "count"), ==, 2);
  g_assert_true (json_object_get_boolean_member (heart, "you"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (heart, "reactors")), ==,
                    2);
  removed = call (f, &f->alice, "DELETE", react, NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (removed), "removed"));

  /* too long a reaction; a moderator clears the rest */
  {
    g_autofree gchar *long_react = g_strdup_printf ("/room/lobby/reaction/%" G_GINT64_FORMAT
                                                    "/abcdefghijklm", keep);
    g_autofree gchar *clear = g_strdup_printf ("{\"action\":\"sogs_moderator\",\"room\":"
                                               "\"lobby\",\"id\":\"%s\"}", f->bob_id);
    g_autofree gchar *all = g_strdup_printf ("/room/lobby/reactions/%" G_GINT64_FORMAT, keep);
    g_autoptr(JsonObject) r = NULL;
    g_autoptr(JsonNode) cleared = NULL;

    g_clear_pointer (&none, json_node_unref);
    none = call (f, &f->alice, "PUT", long_react, NULL, 400);
    g_clear_pointer (&none, json_node_unref);
    none = call (f, &f->alice, "DELETE", all, NULL, 403);
    r = st_testnet_control (f->testnet, clear);
    cleared = call (f, &f->bob, "DELETE", all, NULL, 200);
    /* carol's heart was the one left */
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (cleared), "removed"), ==,
                     1);
  }
}

static void
test_moderation (Fixture *f, gconstpointer user_data)
{
  gint64 id = post_text (f, &f->alice, "lobby", "moderate me");
  g_autofree gchar *del = g_strdup_printf ("/room/lobby/message/%" G_GINT64_FORMAT, id);
  g_autofree gchar *mod = g_strdup_printf ("{\"action\":\"sogs_moderator\",\"room\":\"lobby\","
                                           "\"id\":\"%s\"}", f->bob.session_id);
  g_autofree gchar *ban = g_strdup_printf ("{\"action\":\"sogs_ban\",\"room\":\"lobby\","
                                           "\"id\":\"%s\"}", f->carol.session_id);
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL;
  g_autoptr(JsonNode) room = NULL, none = NULL, carol_room = NULL;
  g_autoptr(GBytes) content = sd_content_pack_text ("banned words", 1, NULL, 0, NULL);
  g_autofree gchar *data = NULL, *sig = NULL, *body = NULL;

  /* bob is made a moderator by his Session ID and recognised behind his blinded id */
  r1 = st_testnet_control (f->testnet, mod);
  room = call (f, &f->bob, "GET", "/room/lobby", NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (room), "moderator"));
  none = call (f, &f->bob, "DELETE", del, NULL, 200);

  /* a moderator removes everything carol posted, naming her by Session ID */
  {
    gint64 c1 = post_text (f, &f->carol, "lobby", "spam one");
    gint64 c2 = post_text (f, &f->carol, "lobby", "spam two");
    gint64 a1 = post_text (f, &f->alice, "lobby", "not spam");
    g_autofree gchar *all = g_strdup_printf ("/room/lobby/all/%s", f->carol.session_id);
    g_autofree gchar *ctl = g_strdup_printf ("{\"action\":\"sogs_delete\",\"room\":\"lobby\","
                                             "\"message\":%" G_GINT64_FORMAT "}", a1);
    g_autoptr(JsonArray) page = NULL;
    g_autoptr(JsonObject) deleted = NULL;

    g_clear_pointer (&none, json_node_unref);
    none = call (f, &f->alice, "DELETE", all, NULL, 403);
    g_clear_pointer (&none, json_node_unref);
    none = call (f, &f->bob, "DELETE", all, NULL, 200);
    page = messages_since (f, NULL, "lobby", 0);
    for (guint i = 0; i < json_array_get_length (page); i++) {
      JsonObject *m = json_array_get_object_element (page, i);
      gint64 mid = json_object_get_int_member (m, "id");

      if (mid == c1 || mid == c2)
        g_assert_true (json_object_get_boolean_member (m, "deleted"));
      if (mid == a1)
        g_assert_false (json_object_has_member (m, "deleted"));
    }
    /* and the control API removes as a moderator would */
    deleted = st_testnet_control (f->testnet, ctl);
    g_clear_pointer (&page, json_array_unref);
    page = messages_since (f, NULL, "lobby", 0);
    for (guint i = 0; i < json_array_get_length (page); i++) {
      JsonObject *m = json_array_get_object_element (page, i);

      if (json_object_get_int_member (m, "id") == a1)
        g_assert_true (json_object_get_boolean_member (m, "deleted"));
    }
  }

  /* carol is banned: 403 on posting, no read or write in the room info */
  r2 = st_testnet_control (f->testnet, ban);
  g_assert_true (sd_sogs_post_encode (f->carol.ed25519_sk, f->server.x25519_pk, TRUE,
                                      g_bytes_get_data (content, NULL),
                                      g_bytes_get_size (content), &data, &sig, NULL));
  body = g_strdup_printf ("{\"data\":\"%s\",\"signature\":\"%s\"}", data, sig);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->carol, "POST", "/room/lobby/message", body, 403);
  carol_room = call (f, &f->carol, "GET", "/room/lobby", NULL, 200);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (carol_room), "write"));

  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"sogs_ban\","
                                                           "\"room\":\"lobby\",\"id\":\"05zz\"}"),
                    ==, 400);
}

/* moderators and admins acting through the API: /user/{id}/ban, /unban, /moderator */
static void
test_user_moderation (Fixture *f, gconstpointer user_data)
{
  g_autofree gchar *mod = g_strdup_printf ("{\"action\":\"sogs_moderator\",\"room\":\"lobby\","
                                           "\"id\":\"%s\"}", f->bob.session_id);
  g_autofree gchar *admin = g_strdup_printf ("{\"action\":\"sogs_moderator\",\"room\":"
                                             "\"lobby\",\"id\":\"%s\",\"admin\":true}",
                                             f->bob.session_id);
  g_autofree gchar *ban = g_strdup_printf ("/user/%s/ban", f->carol.session_id);
  g_autofree gchar *unban = g_strdup_printf ("/user/%s/unban", f->carol_id);
  g_autofree gchar *appoint = g_strdup_printf ("/user/%s/moderator", f->alice.session_id);
  g_autoptr(JsonObject) r1 = NULL, r2 = NULL;
  g_autoptr(JsonNode) none = NULL, room = NULL;
  gint64 id;

  /* only moderators ban */
  none = call (f, &f->alice, "POST", ban, "{\"rooms\":[\"lobby\"]}", 403);
  r1 = st_testnet_control (f->testnet, mod);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", ban, "{\"rooms\":[\"nowhere\"]}", 404);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", ban, "{\"global\":true}", 403);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", ban, "{}", 400);
  /* banned by Session ID, which matches her blinded posts */
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", ban, "{\"rooms\":[\"lobby\"]}", 200);
  room = call (f, &f->carol, "GET", "/room/lobby", NULL, 200);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (room), "write"));
  /* and unbanned by her blinded id: either names the same user */
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", unban, "{\"rooms\":[\"*\"]}", 200);
  g_clear_pointer (&room, json_node_unref);
  room = call (f, &f->carol, "GET", "/room/lobby", NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (room), "write"));
  id = post_text (f, &f->carol, "lobby", "back again");
  g_assert_cmpint (id, >, 0);

  /* appointing moderators takes an admin */
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", appoint, "{\"rooms\":[\"lobby\"],\"moderator\":true}", 403);
  r2 = st_testnet_control (f->testnet, admin);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", appoint, "{\"rooms\":[\"lobby\"],\"admin\":true,"
                                            "\"moderator\":false}", 400);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", appoint, "{\"rooms\":[\"lobby\"],\"moderator\":true}", 200);
  g_clear_pointer (&room, json_node_unref);
  room = call (f, &f->alice, "GET", "/room/lobby", NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (room), "moderator"));
  g_assert_false (json_object_get_boolean_member (json_node_get_object (room), "admin"));
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", appoint, "{\"rooms\":[\"lobby\"],\"moderator\":false}", 200);
  g_clear_pointer (&room, json_node_unref);
  room = call (f, &f->alice, "GET", "/room/lobby", NULL, 200);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (room), "moderator"));
  g_assert_true (json_object_get_boolean_member (r1, "ok"));
  g_assert_true (json_object_get_boolean_member (r2, "ok"));
}

static void
test_batch (Fixture *f, gconstpointer user_data)
{
  gint64 id = post_text (f, &f->alice, "lobby", "batched");
  g_autoptr(JsonNode) batch = NULL, seq = NULL, none = NULL;
  JsonArray *results;
  const gchar *body =
      "[{\"method\":\"GET\",\"path\":\"/capabilities\"},"
      "{\"method\":\"GET\",\"path\":\"/room/lobby/pollInfo/0\"},"
      "{\"method\":\"GET\",\"path\":\"/room/lobby/messages/since/0?t=r&reactors=5\"},"
      "{\"method\":\"GET\",\"path\":\"/inbox\"},"
      "{\"method\":\"GET\",\"path\":\"/outbox/since/0\"}]";
  const gchar *sequence =
      "[{\"method\":\"GET\",\"path\":\"/capabilities\"},"
      "{\"method\":\"GET\",\"path\":\"/room/nowhere\"},"
      "{\"method\":\"GET\",\"path\":\"/capabilities\"}]";

  batch = call (f, &f->bob, "POST", "/batch", body, 200);
  results = json_node_get_array (batch);
  g_assert_cmpuint (json_array_get_length (results), ==, 5);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (results, i),
                                                 "code"), ==, 200);
  /* nothing sent yet: the reference's 304 */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (results, 4),
                                               "code"), ==, 304);
  {
    JsonArray *msgs = json_object_get_array_member (json_array_get_object_element (results, 2),
                                                    "body");

    g_assert_cmpuint (json_array_get_length (msgs), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (msgs, 0), "id"),
                     ==, id);
  }

  /* a sequence stops at its first failure */
  seq = call (f, &f->bob, "POST", "/sequence", sequence, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (seq)), ==, 2);
  g_assert_cmpint (json_object_get_int_member (
                       json_array_get_object_element (json_node_get_array (seq), 1), "code"),
                   ==, 404);

  none = call (f, &f->bob, "POST", "/batch", "{}", 400);
}

static void
test_community_dm (Fixture *f, gconstpointer user_data)
{
  g_autoptr(GBytes) content = sd_content_pack_text ("psst", (guint64) st_test_now_ms (), "Alice",
                                                    0, NULL);
  g_autoptr(GBytes) padded = sd_pad (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  g_autoptr(GBytes) wire = NULL, plain = NULL, mine = NULL;
  g_autoptr(JsonNode) none = NULL, sent = NULL, inbox = NULL, outbox = NULL, again = NULL;
  g_autofree gchar *b64 = NULL, *body = NULL, *endpoint = NULL, *since = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GError) error = NULL;
  guint8 bob_pk[32], alice_pk[32], sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];
  JsonObject *item;
  gint64 dm_id;

  g_assert_true (sd_blinded_id_parse (f->bob_id, NULL, bob_pk, NULL));
  g_assert_true (sd_blinded_id_parse (f->alice_id, NULL, alice_pk, NULL));
  wire = sd_blinded_dm_encrypt (f->alice.ed25519_sk, f->server.x25519_pk, bob_pk,
                                g_bytes_get_data (padded, NULL), g_bytes_get_size (padded), NULL,
                                &error);
  g_assert_no_error (error);
  b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), TRUE);
  body = g_strdup_printf ("{\"message\":\"%s\"}", b64);
  endpoint = g_strdup_printf ("/inbox/%s", f->bob_id);

  /* bob has never talked to this server: the reference does not know him */
  none = call (f, &f->alice, "POST", endpoint, body, 404);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "GET", "/inbox", NULL, 200);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->alice, "POST", "/inbox/05nothing", body, 404);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->alice, "POST", endpoint, "{}", 400);

  sent = call (f, &f->alice, "POST", endpoint, body, 201);
  dm_id = json_object_get_int_member (json_node_get_object (sent), "id");
  g_assert_false (json_object_has_member (json_node_get_object (sent), "message"));

  /* bob reads his inbox and learns alice's real Session ID */
  inbox = call (f, &f->bob, "GET", "/inbox/since/0", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (inbox)), ==, 1);
  item = json_array_get_object_element (json_node_get_array (inbox), 0);
  g_assert_cmpstr (json_object_get_string_member (item, "sender"), ==, f->alice_id);
  g_assert_cmpstr (json_object_get_string_member (item, "recipient"), ==, f->bob_id);
  message = sd_base64_decode (json_object_get_string_member (item, "message"), -1, NULL);
  plain = sd_blinded_dm_decrypt (f->bob.ed25519_sk, f->server.x25519_pk, alice_pk, FALSE,
                                 g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                                 sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (plain, padded));
  g_assert_cmpstr (sender_id, ==, f->alice.session_id);

  /* alice reads it back from her outbox */
  outbox = call (f, &f->alice, "GET", "/outbox", NULL, 200);
  item = json_array_get_object_element (json_node_get_array (outbox), 0);
  g_clear_pointer (&message, g_bytes_unref);
  message = sd_base64_decode (json_object_get_string_member (item, "message"), -1, NULL);
  mine = sd_blinded_dm_decrypt (f->alice.ed25519_sk, f->server.x25519_pk, bob_pk, TRUE,
                                g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                                sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (mine, padded));

  /* nothing newer: 304; carol sees nothing of it */
  since = g_strdup_printf ("/inbox/since/%" G_GINT64_FORMAT, dm_id);
  again = call (f, &f->bob, "GET", since, NULL, 304);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->carol, "GET", "/inbox/since/0", NULL, 304);
}

static void
test_pins_and_files (Fixture *f, gconstpointer user_data)
{
  gint64 id = post_text (f, &f->alice, "lobby", "pin me");
  g_autofree gchar *admin = g_strdup_printf ("{\"action\":\"sogs_moderator\",\"room\":\"lobby\","
                                             "\"id\":\"%s\",\"admin\":true}",
                                             f->bob.session_id);
  g_autofree gchar *pin = g_strdup_printf ("/room/lobby/pin/%" G_GINT64_FORMAT, id);
  g_autofree gchar *unpin = g_strdup_printf ("/room/lobby/unpin/%" G_GINT64_FORMAT, id);
  g_autofree gchar *file_path = NULL;
  g_autoptr(JsonObject) r = st_testnet_control (f->testnet, admin);
  g_autoptr(JsonNode) none = NULL, room = NULL, up = NULL;
  g_autoptr(GBytes) got = NULL;
  JsonArray *pins;
  const gchar *attachment = "attachment bytes, stored as sent";

  g_assert_true (json_object_get_boolean_member (r, "ok"));
  /* only admins pin */
  none = call (f, &f->alice, "POST", pin, NULL, 403);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", pin, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (none), "info_updates"), >,
                   1);
  room = call (f, &f->carol, "GET", "/room/lobby", NULL, 200);
  pins = json_object_get_array_member (json_node_get_object (room), "pinned_messages");
  g_assert_cmpuint (json_array_get_length (pins), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (pins, 0), "id"), ==,
                   id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (pins, 0),
                                                  "pinned_by"), ==, f->bob_id);
  g_clear_pointer (&none, json_node_unref);
  none = call (f, &f->bob, "POST", unpin, NULL, 200);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (none), "unpinned"));
  g_clear_pointer (&room, json_node_unref);
  room = call (f, &f->carol, "GET", "/room/lobby", NULL, 200);
  pins = json_object_get_array_member (json_node_get_object (room), "pinned_messages");
  g_assert_cmpuint (json_array_get_length (pins), ==, 0);

  /* a room file comes back byte for byte: community files are not encrypted */
  up = call (f, &f->alice, "POST", "/room/lobby/file", attachment, 201);
  file_path = g_strdup_printf ("/room/lobby/file/%" G_GINT64_FORMAT,
                               json_object_get_int_member (json_node_get_object (up), "id"));
  g_assert_cmpuint (request (f, NULL, "GET", file_path, NULL, &got), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), attachment,
                   strlen (attachment));
  g_assert_cmpuint (request (f, NULL, "POST", "/room/lobby/file", attachment, NULL), ==, 401);
  g_assert_cmpuint (request (f, NULL, "GET", "/room/lobby/file/999", NULL, NULL), ==, 404);
}

/* one poll as the daemon will make it: sd_sogs_poll_build's batch, the
 * answer read by sd_sogs_poll_parse, cursors carried to the next poll */
static void
test_poll (Fixture *f, gconstpointer user_data)
{
  SdSogsRoomCursor rooms[] = { { "lobby", 0, 0 }, { "second", 0, 0 } };
  g_autoptr(JsonObject) r = st_testnet_control (f->testnet, "{\"action\":\"sogs_room\","
                                                            "\"room\":\"second\"}");
  g_autofree gchar *body1 = NULL, *body2 = NULL, *text1 = NULL, *text2 = NULL;
  g_autoptr(GBytes) reply1 = NULL, reply2 = NULL, wire = NULL, plain = NULL, dm_raw = NULL;
  g_auto(SdSogsPoll) first = { 0 };
  g_auto(SdSogsPoll) second = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dm_b64 = NULL, *dm_body = NULL, *inbox_path = NULL;
  g_autoptr(JsonNode) none = NULL;
  Auth alice = { &f->alice, 0, NULL, FALSE, FALSE };
  SdSogsRoomPoll *lobby;
  guint8 alice_pk[32], bob_pk[32], sender_ed[32];
  gchar sender_id[SD_SESSION_ID_LEN + 1];
  SdSogsDm *dm;

  g_assert_true (json_object_get_boolean_member (r, "ok"));
  post_text (f, &f->bob, "lobby", "one");
  post_text (f, &f->carol, "lobby", "two");

  body1 = sd_sogs_poll_build (rooms, 2, TRUE, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (request (f, &alice, "POST", "/batch", body1, &reply1), ==, 200);
  text1 = text_of (reply1);
  g_assert_true (sd_sogs_poll_parse (text1, strlen (text1), rooms, 2, TRUE, &first, &error));
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const gchar *const *) first.capabilities, "blind"));
  lobby = first.rooms->pdata[0];
  g_assert_cmpuint (lobby->info_status, ==, 200);
  g_assert_nonnull (lobby->details);
  g_assert_cmpstr (lobby->details->name, ==, "Lobby");
  g_assert_cmpuint (lobby->messages_status, ==, 200);
  g_assert_cmpuint (lobby->messages->len, ==, 2);
  g_assert_cmpuint (lobby->dropped, ==, 0);
  g_assert_cmpint (lobby->max_seqno, ==, 2);
  g_assert_cmpuint (first.inbox_status, ==, 200);
  g_assert_cmpuint (first.inbox->len, ==, 0);

  /* bob writes to alice (the poll made her known to the server) */
  g_assert_true (sd_blinded_id_parse (f->alice_id, NULL, alice_pk, NULL));
  g_assert_true (sd_blinded_id_parse (f->bob_id, NULL, bob_pk, NULL));
  wire = sd_blinded_dm_encrypt (f->bob.ed25519_sk, f->server.x25519_pk, alice_pk,
                                (const guint8 *) "hi", 2, NULL, NULL);
  dm_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), TRUE);
  dm_body = g_strdup_printf ("{\"message\":\"%s\"}", dm_b64);
  inbox_path = g_strdup_printf ("/inbox/%s", f->alice_id);
  none = call (f, &f->bob, "POST", inbox_path, dm_body, 201);

  /* the next poll starts at the cursors: nothing old again, the DM new */
  rooms[0].info_updates = lobby->details->info_updates;
  rooms[0].seqno = lobby->max_seqno;
  body2 = sd_sogs_poll_build (rooms, 2, TRUE, 0, 0, &error);
  g_assert_cmpuint (request (f, &alice, "POST", "/batch", body2, &reply2), ==, 200);
  text2 = text_of (reply2);
  g_assert_true (sd_sogs_poll_parse (text2, strlen (text2), rooms, 2, TRUE, &second, &error));
  lobby = second.rooms->pdata[0];
  g_assert_null (lobby->details);
  g_assert_cmpuint (lobby->messages->len, ==, 0);
  g_assert_cmpuint (second.inbox->len, ==, 1);
  dm = second.inbox->pdata[0];
  g_assert_cmpstr (dm->sender, ==, f->bob_id);
  dm_raw = sd_base64_decode (dm->message, -1, NULL);
  plain = sd_blinded_dm_decrypt (f->alice.ed25519_sk, f->server.x25519_pk, bob_pk, FALSE,
                                 g_bytes_get_data (dm_raw, NULL), g_bytes_get_size (dm_raw),
                                 sender_ed, sender_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sender_id, ==, f->bob.session_id);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "hi", 2);
}

/* a hostile or broken server, as the client's poller must survive it */
static void
test_faults (Fixture *f, gconstpointer user_data)
{
  gint64 id = post_text (f, &f->alice, "lobby", "signed properly");
  g_autoptr(JsonObject) r = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(JsonArray) fine = NULL;

  /* an injected status for one request, then service again */
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_fail\",\"status\":503,\"count\":1}");
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, 503);
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, 200);

  /* down: the path itself answers 502 until the server is up again */
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_down\"}");
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, PATH_STATUS (502));
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_up\"}");
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, 200);

  /* malformed JSON with a 200 */
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_garbage\",\"kind\":\"json\",\"count\":1}");
  g_assert_cmpuint (request (f, NULL, "GET", "/room/lobby/messages/since/0", NULL, &reply), ==,
                    200);
  json = json_of (reply);
  g_assert_null (json);
  g_clear_pointer (&reply, g_bytes_unref);

  /* posts whose signatures do not verify are refused by the decoder */
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet,
                          "{\"action\":\"sogs_garbage\",\"kind\":\"signature\",\"count\":1}");
  g_assert_cmpuint (request (f, NULL, "GET", "/room/lobby/messages/since/0", NULL, &reply), ==,
                    200);
  json = json_of (reply);
  {
    JsonObject *m = json_array_get_object_element (json_node_get_array (json), 0);
    g_auto(SdSogsPost) post = { 0 };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (json_object_get_int_member (m, "id"), ==, id);
    g_assert_false (sd_sogs_post_decode (json_object_get_string_member (m, "session_id"),
                                         json_object_get_string_member (m, "data"),
                                         json_object_get_string_member (m, "signature"), &post,
                                         &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  }
  g_clear_pointer (&reply, g_bytes_unref);

  /* a reply that does not decrypt, and one over the v4 reply limit */
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_garbage\",\"kind\":\"cipher\",\"count\":1}");
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, UNDECODABLE);
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet,
                          "{\"action\":\"sogs_garbage\",\"kind\":\"oversize\",\"count\":1}");
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, &reply), ==, UNDECODABLE);
  g_assert_cmpuint (g_bytes_get_size (reply), >, SD_ONION_V4_MAX_REPLY);

  /* and afterwards everything is as it was */
  fine = messages_since (f, NULL, "lobby", 0);
  g_assert_cmpuint (json_array_get_length (fine), ==, 1);
  {
    g_autofree gchar *body = decode_body (json_array_get_object_element (fine, 0));

    g_assert_cmpstr (body, ==, "signed properly");
  }
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_latency\",\"ms\":50}");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r, "sogs"),
                                               "latency_ms"), ==, 50);
  g_assert_cmpuint (request (f, NULL, "GET", "/capabilities", NULL, NULL), ==, 200);
  g_clear_pointer (&r, json_object_unref);
  r = st_testnet_control (f->testnet, "{\"action\":\"sogs_clear\"}");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (r, "sogs"),
                                               "latency_ms"), ==, 0);
  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"sogs_garbage\","
                                                           "\"kind\":\"nope\"}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"sogs_fail\","
                                                           "\"status\":200}"), ==, 400);
}

/* ONS lives on the storage nodes, not on the community server, but
 * communities are where names get typed */
static gchar *
resolve_on (Fixture *f, guint node, const gchar *name_hash, guint expected)
{
  g_autofree gchar *json = g_strdup_printf (
      "{\"method\":\"oxend_request\",\"params\":{\"endpoint\":\"ons_resolve\","
      "\"params\":{\"type\":0,\"name_hash\":\"%s\"}}}", name_hash);
  gchar *body = NULL;

  g_assert_cmpuint (st_testnet_rpc (f->testnet, node, json, &body), ==, expected);
  return body;
}

static void
test_ons (Fixture *f, gconstpointer user_data)
{
  g_autofree gchar *reg = g_strdup_printf ("{\"action\":\"ons_register\",\"name\":\"Alice-1\","
                                           "\"session_id\":\"%s\"}", f->alice.session_id);
  g_autofree gchar *hash = sd_ons_name_hash ("alice-1");
  g_autofree gchar *other = sd_ons_name_hash ("bob");
  g_autofree gchar *missing = NULL;
  g_autoptr(JsonObject) reply = st_testnet_control (f->testnet, reg);
  gchar first_value[256] = "";

  g_assert_cmpstr (json_object_get_string_member (reply, "name_hash"), ==, hash);
  /* every node gives the same record, and it decrypts to alice */
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *body = resolve_on (f, i, hash, 200);
    g_autoptr(JsonObject) obj = st_test_parse (body);
    JsonObject *result = json_object_get_object_member (obj, "result");
    const gchar *value = json_object_get_string_member (result, "encrypted_value");
    gchar id[SD_SESSION_ID_LEN + 1];
    g_autoptr(GError) error = NULL;

    if (i == 0)
      g_strlcpy (first_value, value, sizeof first_value);
    g_assert_cmpstr (value, ==, first_value);
    g_assert_true (sd_ons_decrypt ("alice-1", value,
                                   json_object_get_string_member (result, "nonce"), id, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (id, ==, f->alice.session_id);
    /* the name is part of the key */
    g_assert_false (sd_ons_decrypt ("alice-2", value,
                                    json_object_get_string_member (result, "nonce"), id, NULL));
  }
  missing = resolve_on (f, 0, other, 400);
  g_assert_cmpstr (missing, ==, "Unable to find ONS record");

  /* three nodes' answers, as the client will gather them */
  {
    g_autofree gchar *b0 = resolve_on (f, 0, hash, 200);
    g_autofree gchar *b1 = resolve_on (f, 1, hash, 200);
    g_autofree gchar *b3 = resolve_on (f, 3, hash, 200);
    g_autofree gchar *m1 = resolve_on (f, 1, other, 400);
    SdOnsAnswer found[] = { { 200, b0, strlen (b0) }, { 200, b1, strlen (b1) },
                            { 200, b3, strlen (b3) } };
    SdOnsAnswer unknown[] = { { 400, missing, strlen (missing) }, { 400, m1, strlen (m1) } };
    gchar id[SD_SESSION_ID_LEN + 1];
    g_autoptr(GError) error = NULL;

    g_assert_true (sd_ons_resolve_answers ("alice-1", found, 3, id, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (id, ==, f->alice.session_id);
    g_assert_false (sd_ons_resolve_answers ("bob", unknown, 2, id, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_ONS_NOT_FOUND);
  }

  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"ons_register\","
                                                           "\"name\":\"-bad\",\"session_id\":"
                                                           "\"05aa\"}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (f->testnet, "{\"action\":\"ons_register\","
                                                           "\"name\":\"fine\",\"session_id\":"
                                                           "\"05aa\"}"), ==, 400);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add ("/testnet/sogs/capabilities", Fixture, NULL, fixture_setup, test_capabilities,
              fixture_teardown);
  g_test_add ("/testnet/sogs/rooms", Fixture, NULL, fixture_setup, test_rooms, fixture_teardown);
  g_test_add ("/testnet/sogs/post-and-read", Fixture, NULL, fixture_setup, test_post_and_read,
              fixture_teardown);
  g_test_add ("/testnet/sogs/post-rejects", Fixture, NULL, fixture_setup, test_post_rejects,
              fixture_teardown);
  g_test_add ("/testnet/sogs/auth-rules", Fixture, NULL, fixture_setup, test_auth_rules,
              fixture_teardown);
  g_test_add ("/testnet/sogs/delete-and-react", Fixture, NULL, fixture_setup,
              test_delete_and_react, fixture_teardown);
  g_test_add ("/testnet/sogs/moderation", Fixture, NULL, fixture_setup, test_moderation,
              fixture_teardown);
  g_test_add ("/testnet/sogs/user-moderation", Fixture, NULL, fixture_setup,
              test_user_moderation, fixture_teardown);
  g_test_add ("/testnet/sogs/batch", Fixture, NULL, fixture_setup, test_batch, fixture_teardown);
  g_test_add ("/testnet/sogs/community-dm", Fixture, NULL, fixture_setup, test_community_dm,
              fixture_teardown);
  g_test_add ("/testnet/sogs/pins-and-files", Fixture, NULL, fixture_setup, test_pins_and_files,
              fixture_teardown);
  g_test_add ("/testnet/sogs/poll", Fixture, NULL, fixture_setup, test_poll, fixture_teardown);
  g_test_add ("/testnet/sogs/faults", Fixture, NULL, fixture_setup, test_faults,
              fixture_teardown);
  g_test_add ("/testnet/ons/resolve", Fixture, NULL, fixture_setup, test_ons, fixture_teardown);
  return g_test_run ();
}
