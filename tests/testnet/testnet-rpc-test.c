/* SPDX-License-Identifier: GPL-3.0-or-later */
/* direct /storage_rpc/v1 and seed requests against a real session-testnet */
#include "config.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-message-hash.h"
#include "sd-request-sign.h"
#include "st-test-util.h"

static StTestnet *net;

/* an account and a member of its swarm to talk to */
typedef struct {
  SdIdentity id;
  guint64 swarm;
  GArray *members;  /* (owned) node indexes */
  guint node;       /* first member */
} Account;

static void
account_init (Account *acct, guint8 tag)
{
  st_test_identity (&acct->id, tag);
  {
    guint8 raw[33];

    g_assert_true (sd_account_id_parse (acct->id.session_id, raw, NULL));
    acct->swarm = st_testnet_swarm_for (net, raw);
  }
  acct->members = st_testnet_members (net, acct->swarm);
  g_assert_cmpuint (acct->members->len, >, 0);
  acct->node = g_array_index (acct->members, guint, 0);
}

static void
account_clear (Account *acct)
{
  g_clear_pointer (&acct->members, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Account, account_clear)

static gchar *
b64 (const gchar *text)
{
  return sd_base64_encode ((const guint8 *) text, strlen (text), TRUE);
}

/* stores @text unsigned in ns 0 through @node; returns the hash */
static gchar *
store_text (Account *acct, guint node, const gchar *text)
{
  g_autofree gchar *data = b64 (text);
  g_autofree gchar *req = st_test_store_json (&acct->id, 0, st_test_now_ms (), 60000, data, FALSE);
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;

  g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
  obj = st_test_parse (body);
  return g_strdup (sd_json_get_string (obj, "hash"));
}

static JsonObject *
retrieve (Account *acct, guint node, gint ns, const gchar *last_hash, gint max_count)
{
  g_autofree gchar *req = st_test_retrieve_json (&acct->id, ns, st_test_now_ms (), last_hash,
                                                 max_count);
  g_autofree gchar *body = NULL;

  g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
  return st_test_parse (body);
}

static gboolean
has_t_hf (JsonObject *obj)
{
  JsonArray *hf = sd_json_get_array (obj, "hf");

  return sd_json_get_int (obj, "t", 0) > 1000000000000 && hf != NULL &&
         json_array_get_length (hf) == 2;
}

static void
test_seed (void)
{
  const gchar *req = "{\"jsonrpc\":\"2.0\",\"method\":\"get_n_service_nodes\",\"params\":"
                     "{\"active_only\":true,\"fields\":{\"public_ip\":true,\"storage_port\":true,"
                     "\"pubkey_x25519\":true,\"pubkey_ed25519\":true,"
                     "\"requested_unlock_height\":true,\"height\":true}}}";
  g_autofree gchar *url = g_strconcat (net->seed_url, "json_rpc", NULL);
  g_autoptr(GBytes) reply = NULL;
  g_autofree gchar *type = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonObject *result;
  JsonArray *states;

  g_assert_cmpuint (st_testnet_post (net, url, req, strlen (req), &reply, &type, NULL), ==, 200);
  /* desktop compares the whole header */
  g_assert_cmpstr (type, ==, "application/json");
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  obj = st_test_parse (text);
  result = sd_json_get_object (obj, "result");
  g_assert_nonnull (result);
  g_assert_cmpint (sd_json_get_int (result, "height", 0), >, 0);
  states = sd_json_get_array (result, "service_node_states");
  g_assert_nonnull (states);
  g_assert_cmpuint (json_array_get_length (states), ==, net->nodes->len);
  for (guint i = 0; i < json_array_get_length (states); i++) {
    JsonObject *s = sd_json_array_get_object (states, i);
    StTestNode *node = st_testnet_node (net, i);

    g_assert_cmpstr (sd_json_get_string (s, "public_ip"), ==, "127.0.0.1");
    g_assert_cmpint (sd_json_get_int (s, "storage_port", 0), ==, node->port);
    g_assert_cmpstr (sd_json_get_string (s, "pubkey_ed25519"), ==, node->ed25519_hex);
    g_assert_nonnull (sd_json_get_string (s, "pubkey_x25519"));
    g_assert_true (json_object_has_member (s, "requested_unlock_height"));
    g_assert_cmpint (sd_json_get_int (s, "requested_unlock_height", -1), ==, 0);
    /* only the fields asked for */
    g_assert_false (json_object_has_member (s, "swarm_id"));
  }

  /* no filter: every field, including swarm ids */
  {
    const gchar *all = "{\"method\":\"get_service_nodes\",\"params\":{\"limit\":3}}";
    g_autoptr(GBytes) r = NULL;
    g_autofree gchar *t = NULL;
    g_autoptr(JsonObject) o = NULL;
    JsonArray *a;

    g_assert_cmpuint (st_testnet_post (net, url, all, strlen (all), &r, NULL, NULL), ==, 200);
    t = g_strndup (g_bytes_get_data (r, NULL), g_bytes_get_size (r));
    o = st_test_parse (t);
    a = sd_json_get_array (sd_json_get_object (o, "result"), "service_node_states");
    g_assert_cmpuint (json_array_get_length (a), ==, 3);
    g_assert_true (json_object_has_member (sd_json_array_get_object (a, 0), "swarm_id"));
    g_assert_true (json_object_has_member (sd_json_array_get_object (a, 0), "storage_lmq_port"));
  }
  /* unknown method: JSON-RPC error */
  {
    const gchar *bad = "{\"method\":\"nope\",\"params\":{}}";
    g_autoptr(GBytes) r = NULL;
    g_autofree gchar *t = NULL;
    g_autoptr(JsonObject) o = NULL;

    g_assert_cmpuint (st_testnet_post (net, url, bad, strlen (bad), &r, NULL, NULL), ==, 200);
    t = g_strndup (g_bytes_get_data (r, NULL), g_bytes_get_size (r));
    o = st_test_parse (t);
    g_assert_nonnull (sd_json_get_object (o, "error"));
  }
}

static void
test_info (void)
{
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonArray *version;

  g_assert_cmpuint (st_testnet_rpc (net, 0, "{\"method\":\"info\",\"params\":{}}", &body), ==, 200);
  obj = st_test_parse (body);
  version = sd_json_get_array (obj, "version");
  g_assert_cmpuint (json_array_get_length (version), ==, 3);
  g_assert_cmpint (json_array_get_int_element (version, 0), ==, 2);
  g_assert_true (has_t_hf (obj));
  g_assert_cmpint (sd_json_get_int (obj, "timestamp", 0), >, 0);
}

static void
check_swarm_body (JsonObject *obj, Account *acct)
{
  JsonArray *snodes = sd_json_get_array (obj, "snodes");
  g_autofree gchar *hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", acct->swarm);

  g_assert_nonnull (snodes);
  g_assert_cmpstr (sd_json_get_string (obj, "swarm"), ==, hex);
  g_assert_cmpuint (json_array_get_length (snodes), ==, acct->members->len);
  for (guint i = 0; i < acct->members->len; i++) {
    JsonObject *s = sd_json_array_get_object (snodes, i);
    StTestNode *node = st_testnet_node (net, g_array_index (acct->members, guint, i));
    g_autofree gchar *port = g_strdup_printf ("%u", node->port);

    g_assert_cmpstr (sd_json_get_string (s, "pubkey_ed25519"), ==, node->ed25519_hex);
    g_assert_cmpstr (sd_json_get_string (s, "ip"), ==, "127.0.0.1");
    g_assert_cmpstr (sd_json_get_string (s, "port"), ==, port);
    g_assert_cmpint (sd_json_get_int (s, "port_https", 0), ==, node->port);
    g_assert_true (g_str_has_suffix (sd_json_get_string (s, "address"), ".snode"));
  }
}

static void
test_get_swarm (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *req = NULL;

  account_init (&acct, 1);
  g_assert_cmpuint (acct.members->len, ==, 7);
  req = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"get_swarm\",\"params\":"
                         "{\"pubkey\":\"%s\"}}", acct.id.session_id);
  /* any node answers, members or not */
  for (guint i = 0; i < net->nodes->len; i++) {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, i, req, &body), ==, 200);
    obj = st_test_parse (body);
    check_swarm_body (obj, &acct);
    g_assert_true (has_t_hf (obj));
  }
  {
    g_autofree gchar *alias = g_strdup_printf ("{\"method\":\"get_snodes_for_pubkey\",\"params\":"
                                               "{\"pubkey\":\"%s\"}}", acct.id.session_id);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, 3, alias, &body), ==, 200);
    obj = st_test_parse (body);
    check_swarm_body (obj, &acct);
  }
}

static void
test_store_retrieve (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *data = b64 ("hello testnet");
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autofree gchar *expect_hash = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(GBytes) raw = NULL;
  JsonObject *swarm;
  guint8 account[33];
  gint64 now = st_test_now_ms ();

  account_init (&acct, 2);
  g_assert_true (sd_account_id_parse (acct.id.session_id, account, NULL));
  raw = sd_base64_decode (data, -1, NULL);
  expect_hash = sd_message_hash (account, 0, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));

  req = st_test_store_json (&acct.id, 0, now, 30000, data, FALSE);
  g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
  obj = st_test_parse (body);
  g_assert_cmpstr (sd_json_get_string (obj, "hash"), ==, expect_hash);
  g_assert_true (has_t_hf (obj));
  swarm = sd_json_get_object (obj, "swarm");
  g_assert_nonnull (swarm);
  g_assert_cmpuint (json_object_get_size (swarm), ==, acct.members->len);
  for (guint i = 0; i < acct.members->len; i++) {
    StTestNode *node = st_testnet_node (net, g_array_index (acct.members, guint, i));
    JsonObject *entry = sd_json_get_object (swarm, node->ed25519_hex);

    /* every member signs the hash with its own key */
    g_assert_nonnull (entry);
    g_assert_cmpstr (sd_json_get_string (entry, "hash"), ==, expect_hash);
    g_assert_cmpint (sd_json_get_int (entry, "expiry", 0), ==, now + 30000);
    g_assert_true (sd_verify_text_base64 (node->ed25519, expect_hash,
                                          sd_json_get_string (entry, "signature"), NULL));
    g_assert_false (json_object_has_member (entry, "already"));
  }

  /* replicated: every member has it */
  for (guint i = 0; i < acct.members->len; i++) {
    g_autoptr(JsonObject) r = retrieve (&acct, g_array_index (acct.members, guint, i), 0, NULL, 0);
    JsonArray *msgs = sd_json_get_array (r, "messages");
    JsonObject *m;

    g_assert_cmpuint (json_array_get_length (msgs), ==, 1);
    m = sd_json_array_get_object (msgs, 0);
    g_assert_cmpstr (sd_json_get_string (m, "hash"), ==, expect_hash);
    g_assert_cmpstr (sd_json_get_string (m, "data"), ==, data);
    g_assert_cmpint (sd_json_get_int (m, "timestamp", 0), ==, now);
    g_assert_cmpint (sd_json_get_int (m, "expiration", 0), ==, now + 30000);
    g_assert_false (sd_json_get_bool (r, "more", TRUE));
    g_assert_true (has_t_hf (r));
  }

  /* the same message again: not duplicated, marked, expiry raised */
  {
    g_autofree gchar *again = st_test_store_json (&acct.id, 0, now, 40000, data, FALSE);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) o = NULL;
    JsonObject *e;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, again, &b), ==, 200);
    o = st_test_parse (b);
    e = sd_json_get_object (sd_json_get_object (o, "swarm"), st_testnet_node (net, acct.node)->ed25519_hex);
    g_assert_true (sd_json_get_bool (e, "already", FALSE));
    g_assert_cmpint (sd_json_get_int (e, "expiry", 0), ==, now + 40000);
  }
  {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0, NULL, 0);

    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 1);
  }

  /* a signed store to a config namespace, with a string timestamp and ttl */
  {
    g_autofree gchar *text = sd_signed_string_store (2, (guint64) now);
    g_autofree gchar *sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
    g_autofree gchar *ed_hex = sd_hex_encode (acct.id.ed25519_pk, 32);
    g_autofree gchar *signed_req = g_strdup_printf (
      "{\"method\":\"store\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"namespace\":2,\"timestamp\":\"%" G_GINT64_FORMAT "\",\"ttl\":\"60000\",\"data\":\"%s\","
      "\"signature\":\"%s\"}}", acct.id.session_id, ed_hex, now, data, sig);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) r = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, signed_req, &b), ==, 200);
    r = retrieve (&acct, acct.node, 2, NULL, 0);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 1);
  }
}

static void
expect (guint node, const gchar *req, guint status, const gchar *text)
{
  g_autofree gchar *body = NULL;

  if (st_testnet_rpc (net, node, req, &body) != status)
    g_error ("expected %u for %s, got: %s", status, req, body);
  if (text != NULL)
    g_assert_cmpstr (body, ==, text);
}

static void
test_wrong_swarm (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *data = b64 ("misdirected");
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  guint outsider;

  account_init (&acct, 3);
  outsider = st_testnet_outsider (net, acct.swarm);
  req = st_test_store_json (&acct.id, 0, st_test_now_ms (), 30000, data, FALSE);
  expect (outsider, req, 421, NULL);
  g_assert_cmpuint (st_testnet_rpc (net, outsider, req, &body), ==, 421);
  obj = st_test_parse (body);
  check_swarm_body (obj, &acct);

  /* retrieve too */
  {
    g_autofree gchar *r = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), NULL, 0);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) o = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, outsider, r, &b), ==, 421);
    o = st_test_parse (b);
    check_swarm_body (o, &acct);
  }
}

static void
test_errors (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *data = b64 ("x");
  g_autofree gchar *ed_hex = NULL;
  gint64 now = st_test_now_ms ();

  account_init (&acct, 4);
  ed_hex = sd_hex_encode (acct.id.ed25519_pk, 32);

  expect (0, "not json", 400, "invalid json");
  expect (0, "{\"params\":{}}", 400, "invalid json: no `method` field");
  expect (0, "{\"method\":\"info\"}", 400, "invalid json: no `params` field");
  expect (0, "{\"method\":\"frobnicate\",\"params\":{}}", 400, "no method frobnicate");
  expect (0, "{\"method\":\"get_swarm\",\"params\":{}}", 400,
          "invalid request: required field 'pubkey' missing");
  expect (0, "{\"method\":\"get_swarm\",\"params\":{\"pubkey\":\"05zz\"}}", 400, NULL);

  /* ttl below 10 s and above 14 days (public inbox) */
  {
    g_autofree gchar *r1 = st_test_store_json (&acct.id, 0, now, 5000, data, FALSE);
    g_autofree gchar *r2 = st_test_store_json (&acct.id, 0, now, 15LL * 86400000, data, FALSE);

    expect (acct.node, r1, 403, "Provided expiry/TTL is not valid.");
    expect (acct.node, r2, 403, "Provided expiry/TTL is not valid.");
  }
  /* the config namespaces (issue 15): signed stores keep up to 30 days, not a millisecond
   * more; retrieving them needs a signature */
  for (gint ns = 2; ns <= 5; ns++) {
    g_autofree gchar *month = st_test_store_json (&acct.id, ns, now, 30LL * 86400000, data, TRUE);
    g_autofree gchar *longer = st_test_store_json (&acct.id, ns, now, 30LL * 86400000 + 1, data,
                                                   TRUE);
    g_autofree gchar *unsigned_retrieve = g_strdup_printf (
      "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\",\"namespace\":%d}}",
      acct.id.session_id, ns);
    g_autofree gchar *body = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, month, &body), ==, 200);
    expect (acct.node, longer, 403, "Provided expiry/TTL is not valid.");
    expect (acct.node, unsigned_retrieve, 401, "retrieve: request signature required");
  }
  /* sent from the future */
  {
    g_autofree gchar *r = st_test_store_json (&acct.id, 0, now + 60000, 30000, data, FALSE);

    expect (acct.node, r, 406, "Timestamp error: check your clock");
  }
  /* authenticated namespace without and with a bad signature */
  {
    g_autofree gchar *r = st_test_store_json (&acct.id, 2, now, 30000, data, FALSE);
    g_autofree gchar *bad_sig = sd_sign_text_base64 (acct.id.ed25519_sk, "something else");
    g_autofree gchar *r2 = g_strdup_printf (
      "{\"method\":\"store\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"namespace\":2,\"timestamp\":%" G_GINT64_FORMAT ",\"ttl\":30000,\"data\":\"%s\","
      "\"signature\":\"%s\"}}", acct.id.session_id, ed_hex, now, data, bad_sig);

    expect (acct.node, r, 401, "store: signature required to store to namespace 2");
    expect (acct.node, r2, 401, "store signature verification failed");
  }
  /* oversize data: 76801 bytes */
  {
    g_autofree guint8 *big = g_malloc0 (76801);
    g_autofree gchar *big64 = sd_base64_encode (big, 76801, TRUE);
    g_autofree gchar *r = st_test_store_json (&acct.id, 0, now, 30000, big64, FALSE);

    expect (acct.node, r, 400, "Message body exceeds maximum allowed length of 76800");
  }
  /* a body over 10 MiB never gets parsed */
  {
    gsize len = 10 * 1024 * 1024 + 10;
    g_autofree gchar *huge = g_malloc (len + 1);
    g_autofree gchar *url = st_testnet_node_url (net, 0, ST_RPC_PATH);

    memset (huge, ' ', len);
    huge[len] = '\0';
    g_assert_cmpuint (st_testnet_post (net, url, huge, len, NULL, NULL, NULL), ==, 413);
  }
  /* retrieve: unsigned, stale, bad signature */
  {
    g_autofree gchar *unsigned_req = g_strdup_printf (
      "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\"}}", acct.id.session_id);
    g_autofree gchar *stale = st_test_retrieve_json (&acct.id, 0, now - 120000, NULL, 0);
    g_autofree gchar *text = sd_signed_string_retrieve (0, (guint64) now);
    g_autofree gchar *other_sig = sd_sign_text_base64 (acct.id.ed25519_sk, "retrieve5");
    g_autofree gchar *bad = g_strdup_printf (
      "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"timestamp\":%" G_GINT64_FORMAT ",\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, now, other_sig);

    expect (acct.node, unsigned_req, 401, "retrieve: request signature required");
    expect (acct.node, stale, 406, "retrieve timestamp too far from current time");
    expect (acct.node, bad, 401, "retrieve signature verification failed");
  }
  /* pubkey_ed25519 that is not behind the Session ID */
  {
    SdIdentity other;
    g_autofree gchar *other_hex = NULL;
    g_autofree gchar *text = sd_signed_string_retrieve (0, (guint64) now);
    g_autofree gchar *sig = NULL;
    g_autofree gchar *r = NULL;

    st_test_identity (&other, 99);
    other_hex = sd_hex_encode (other.ed25519_pk, 32);
    sig = sd_sign_text_base64 (other.ed25519_sk, text);
    r = g_strdup_printf ("{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\","
                         "\"pubkey_ed25519\":\"%s\",\"timestamp\":%" G_GINT64_FORMAT
                         ",\"signature\":\"%s\"}}", acct.id.session_id, other_hex, now, sig);
    expect (acct.node, r, 401, NULL);
  }
  /* timestamps must be in ms */
  {
    g_autofree gchar *r = st_test_store_json (&acct.id, 0, 123456789, 30000, data, FALSE);

    expect (acct.node, r, 400, "invalid request: timestamp: timestamp must be in milliseconds");
  }
  /* unknown path and method */
  {
    g_autofree gchar *url = st_testnet_node_url (net, 0, "/nothing");
    g_autoptr(GBytes) reply = NULL;

    g_assert_cmpuint (st_testnet_post (net, url, "{}", 2, &reply, NULL, NULL), ==, 404);
    g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                     "POST /nothing Not Found", strlen ("POST /nothing Not Found"));
  }
}

static void
test_paging (void)
{
  g_auto(Account) acct = { 0 };
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *last = NULL;
  guint seen = 0;

  account_init (&acct, 5);
  for (guint i = 0; i < 5; i++) {
    g_autofree gchar *text = g_strdup_printf ("page message %u", i);

    g_ptr_array_add (hashes, store_text (&acct, acct.node, text));
  }

  /* two at a time, in store order, "more" until the end */
  for (guint round = 0; round < 3; round++) {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0, last, 2);
    JsonArray *msgs = sd_json_get_array (r, "messages");
    guint n = json_array_get_length (msgs);

    g_assert_cmpuint (n, ==, round < 2 ? 2 : 1);
    for (guint i = 0; i < n; i++) {
      const gchar *h = sd_json_get_string (sd_json_array_get_object (msgs, i), "hash");

      g_assert_cmpstr (h, ==, g_ptr_array_index (hashes, seen));
      seen++;
    }
    g_assert_true (sd_json_get_bool (r, "more", FALSE) == (round < 2));
    g_free (last);
    last = g_strdup (sd_json_get_string (sd_json_array_get_object (msgs, n - 1), "hash"));
  }
  /* past the end: nothing */
  {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0, last, 0);

    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 0);
    g_assert_false (sd_json_get_bool (r, "more", TRUE));
  }
  /* an unknown last_hash starts over */
  {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0,
                                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0);

    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 5);
  }
  /* last_hash is per node: every member pages the same rows */
  {
    g_autoptr(JsonObject) r = retrieve (&acct, g_array_index (acct.members, guint, 1), 0,
                                        g_ptr_array_index (hashes, 2), 0);

    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 2);
  }
  /* a malformed last_hash is a 400 */
  {
    g_autofree gchar *r = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), "short", 0);

    expect (acct.node, r, 400, NULL);
  }
}

static gchar *
ed_hex_of (Account *acct)
{
  return sd_hex_encode (acct->id.ed25519_pk, 32);
}

static void
test_delete (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *h1 = NULL;
  g_autofree gchar *h2 = NULL;
  g_autofree gchar *ed_hex = NULL;
  g_autofree gchar *sig = NULL;
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonObject *swarm;

  account_init (&acct, 6);
  ed_hex = ed_hex_of (&acct);
  h1 = store_text (&acct, acct.node, "delete me");
  h2 = store_text (&acct, acct.node, "keep me");
  {
    const gchar *list[] = { h1, NULL };
    g_autofree gchar *text = sd_signed_string_delete (list);

    sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
  }
  req = g_strdup_printf ("{\"method\":\"delete\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":"
                         "\"%s\",\"messages\":[\"%s\"],\"signature\":\"%s\"}}",
                         acct.id.session_id, ed_hex, h1, sig);
  g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
  obj = st_test_parse (body);
  g_assert_true (has_t_hf (obj));
  swarm = sd_json_get_object (obj, "swarm");
  g_assert_cmpuint (json_object_get_size (swarm), ==, acct.members->len);
  for (guint i = 0; i < acct.members->len; i++) {
    StTestNode *node = st_testnet_node (net, g_array_index (acct.members, guint, i));
    JsonObject *e = sd_json_get_object (swarm, node->ed25519_hex);
    JsonArray *deleted = sd_json_get_array (e, "deleted");
    g_autofree gchar *signed_text = g_strconcat (acct.id.session_id, h1, h1, NULL);

    g_assert_cmpuint (json_array_get_length (deleted), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (deleted, 0), ==, h1);
    g_assert_true (sd_verify_text_base64 (node->ed25519, signed_text,
                                          sd_json_get_string (e, "signature"), NULL));
  }
  {
    g_autoptr(JsonObject) r = retrieve (&acct, g_array_index (acct.members, guint, 3), 0, NULL, 0);
    JsonArray *msgs = sd_json_get_array (r, "messages");

    g_assert_cmpuint (json_array_get_length (msgs), ==, 1);
    g_assert_cmpstr (sd_json_get_string (sd_json_array_get_object (msgs, 0), "hash"), ==, h2);
  }
  /* required, nothing left to delete: 404 */
  {
    g_autofree gchar *r = g_strdup_printf (
      "{\"method\":\"delete\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"required\":true,\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, h1, sig);

    expect (acct.node, r, 404, NULL);
  }
  /* a signature over other hashes */
  {
    g_autofree gchar *r = g_strdup_printf (
      "{\"method\":\"delete\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"signature\":\"%s\"}}", acct.id.session_id, ed_hex, h2, sig);

    expect (acct.node, r, 401, "delete signature verification failed");
  }
}

static void
test_delete_all (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *ed_hex = NULL;
  g_autofree gchar *h1 = NULL;
  g_autofree gchar *h2 = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *sig = NULL;
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  gint64 now = st_test_now_ms ();
  JsonObject *swarm;

  account_init (&acct, 7);
  ed_hex = ed_hex_of (&acct);
  h1 = store_text (&acct, acct.node, "one");
  h2 = store_text (&acct, acct.node, "two");

  text = sd_signed_string_delete_all ("all", (guint64) now);
  sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
  req = g_strdup_printf ("{\"method\":\"delete_all\",\"params\":{\"pubkey\":\"%s\","
                         "\"pubkey_ed25519\":\"%s\",\"namespace\":\"all\",\"timestamp\":%"
                         G_GINT64_FORMAT ",\"signature\":\"%s\"}}",
                         acct.id.session_id, ed_hex, now, sig);
  g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
  obj = st_test_parse (body);
  swarm = sd_json_get_object (obj, "swarm");
  for (guint i = 0; i < acct.members->len; i++) {
    StTestNode *node = st_testnet_node (net, g_array_index (acct.members, guint, i));
    JsonObject *e = sd_json_get_object (swarm, node->ed25519_hex);
    JsonArray *ns0 = sd_json_get_array (sd_json_get_object (e, "deleted"), "0");
    g_autofree gchar *signed_text = NULL;
    const gchar *a = strcmp (h1, h2) < 0 ? h1 : h2;
    const gchar *b = strcmp (h1, h2) < 0 ? h2 : h1;

    g_assert_cmpuint (json_array_get_length (ns0), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (ns0, 0), ==, a);
    signed_text = g_strdup_printf ("%s%" G_GINT64_FORMAT "%s%s", acct.id.session_id, now, a, b);
    g_assert_true (sd_verify_text_base64 (node->ed25519, signed_text,
                                          sd_json_get_string (e, "signature"), NULL));
  }
  {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0, NULL, 0);

    g_assert_cmpuint (json_array_get_length (sd_json_get_array (r, "messages")), ==, 0);
  }
  /* stale timestamp */
  {
    g_autofree gchar *t2 = sd_signed_string_delete_all ("", (guint64) (now - 3600000));
    g_autofree gchar *s2 = sd_sign_text_base64 (acct.id.ed25519_sk, t2);
    g_autofree gchar *r = g_strdup_printf (
      "{\"method\":\"delete_all\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"timestamp\":%" G_GINT64_FORMAT ",\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, now - 3600000, s2);

    expect (acct.node, r, 406, NULL);
  }
}

static void
test_expire (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *ed_hex = NULL;
  g_autofree gchar *h = NULL;
  gint64 now = st_test_now_ms ();
  gint64 later = now + 3600000;

  account_init (&acct, 8);
  ed_hex = ed_hex_of (&acct);
  h = store_text (&acct, acct.node, "expire me");

  /* extend to an hour: updated everywhere, signed per member */
  {
    const gchar *list[] = { h, NULL };
    g_autofree gchar *text = sd_signed_string_expire ("extend", (guint64) later, list);
    g_autofree gchar *sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
    g_autofree gchar *req = g_strdup_printf (
      "{\"method\":\"expire\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"expiry\":%" G_GINT64_FORMAT ",\"extend\":true,\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, h, later, sig);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    JsonObject *swarm;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
    obj = st_test_parse (body);
    swarm = sd_json_get_object (obj, "swarm");
    for (guint i = 0; i < acct.members->len; i++) {
      StTestNode *node = st_testnet_node (net, g_array_index (acct.members, guint, i));
      JsonObject *e = sd_json_get_object (swarm, node->ed25519_hex);
      g_autofree gchar *signed_text = g_strdup_printf ("%s%" G_GINT64_FORMAT "%s%s",
                                                       acct.id.session_id, later, h, h);

      g_assert_cmpuint (json_array_get_length (sd_json_get_array (e, "updated")), ==, 1);
      g_assert_cmpint (sd_json_get_int (e, "expiry", 0), ==, later);
      g_assert_nonnull (sd_json_get_object (e, "unchanged"));
      g_assert_true (sd_verify_text_base64 (node->ed25519, signed_text,
                                            sd_json_get_string (e, "signature"), NULL));
    }
  }
  /* shorten to later than now: unchanged */
  {
    const gchar *list[] = { h, NULL };
    g_autofree gchar *text = sd_signed_string_expire ("shorten", (guint64) (later + 1000), list);
    g_autofree gchar *sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
    g_autofree gchar *req = g_strdup_printf (
      "{\"method\":\"expire\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"expiry\":%" G_GINT64_FORMAT ",\"shorten\":true,"
      "\"signature\":\"%s\"}}", acct.id.session_id, ed_hex, h, later + 1000, sig);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    JsonObject *e;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
    obj = st_test_parse (body);
    e = sd_json_get_object (sd_json_get_object (obj, "swarm"),
                            st_testnet_node (net, acct.node)->ed25519_hex);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (e, "updated")), ==, 0);
    g_assert_cmpint (sd_json_get_int (sd_json_get_object (e, "unchanged"), h, 0), ==, later);
  }
  /* get_expiries sees the new value */
  {
    const gchar *list[] = { h, NULL };
    g_autofree gchar *text = sd_signed_string_get_expiries ((guint64) now, list);
    g_autofree gchar *sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
    g_autofree gchar *req = g_strdup_printf (
      "{\"method\":\"get_expiries\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"timestamp\":%" G_GINT64_FORMAT ",\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, h, now, sig);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, g_array_index (acct.members, guint, 2), req, &body), ==,
                      200);
    obj = st_test_parse (body);
    g_assert_cmpint (sd_json_get_int (sd_json_get_object (obj, "expiries"), h, 0), ==, later);
    g_assert_false (json_object_has_member (obj, "t"));
  }
  /* in the past: 401 */
  {
    const gchar *list[] = { h, NULL };
    g_autofree gchar *text = sd_signed_string_expire ("", (guint64) (now - 3600000), list);
    g_autofree gchar *sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
    g_autofree gchar *req = g_strdup_printf (
      "{\"method\":\"expire\",\"params\":{\"pubkey\":\"%s\",\"pubkey_ed25519\":\"%s\","
      "\"messages\":[\"%s\"],\"expiry\":%" G_GINT64_FORMAT ",\"signature\":\"%s\"}}",
      acct.id.session_id, ed_hex, h, now - 3600000, sig);

    expect (acct.node, req, 401, "expire: timestamp should be >= current time");
  }
}

static void
test_batch (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *data = b64 ("batched");
  g_autofree gchar *store = NULL;
  g_autofree gchar *retrieve_req = NULL;
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonArray *results;
  gint64 now = st_test_now_ms ();

  account_init (&acct, 9);
  store = st_test_store_json (&acct.id, 0, now, 30000, data, FALSE);
  retrieve_req = st_test_retrieve_json (&acct.id, 0, now, NULL, 0);
  /* batch runs every subrequest, failed or not */
  req = g_strdup_printf ("{\"method\":\"batch\",\"params\":{\"requests\":[%s,"
                         "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\"}},%s]}}",
                         store, acct.id.session_id, retrieve_req);
  g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
  obj = st_test_parse (body);
  results = sd_json_get_array (obj, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 3);
  g_assert_cmpint (sd_json_get_int (sd_json_array_get_object (results, 0), "code", 0), ==, 200);
  g_assert_nonnull (sd_json_get_object (sd_json_array_get_object (results, 0), "body"));
  g_assert_cmpint (sd_json_get_int (sd_json_array_get_object (results, 1), "code", 0), ==, 401);
  g_assert_cmpstr (sd_json_get_string (sd_json_array_get_object (results, 1), "body"), ==,
                   "retrieve: request signature required");
  g_assert_cmpint (sd_json_get_int (sd_json_array_get_object (results, 2), "code", 0), ==, 200);

  /* sequence stops at the first failure */
  {
    g_autofree gchar *seq = g_strdup_printf (
      "{\"method\":\"sequence\",\"params\":{\"requests\":["
      "{\"method\":\"retrieve\",\"params\":{\"pubkey\":\"%s\"}},%s]}}",
      acct.id.session_id, retrieve_req);
    g_autofree gchar *b = NULL;
    g_autoptr(JsonObject) o = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, acct.node, seq, &b), ==, 200);
    o = st_test_parse (b);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (o, "results")), ==, 1);
  }
  /* limits: empty, nested */
  expect (acct.node, "{\"method\":\"batch\",\"params\":{\"requests\":[]}}", 400, NULL);
  expect (acct.node, "{\"method\":\"batch\",\"params\":{\"requests\":[{\"method\":\"batch\","
          "\"params\":{\"requests\":[]}}]}}", 400, NULL);
}

/* what a config push relies on (sd-config-sync.c): in a `sequence`, a store that fails keeps
 * the delete after it from running, so the old item stays */
static void
test_sequence_store_then_delete (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *old = NULL;
  g_autofree gchar *ed_hex = NULL;
  g_autofree gchar *sig = NULL;
  g_autofree gchar *data = b64 ("the merge");
  g_autofree gchar *store = NULL;
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonArray *results;

  account_init (&acct, 12);
  ed_hex = ed_hex_of (&acct);
  old = store_text (&acct, acct.node, "the old item");
  {
    const gchar *list[] = { old, NULL };
    g_autofree gchar *text = sd_signed_string_delete (list);

    sig = sd_sign_text_base64 (acct.id.ed25519_sk, text);
  }
  /* an unsigned store in a config namespace is refused (401) */
  store = st_test_store_json (&acct.id, 2, st_test_now_ms (), 60000, data, FALSE);
  req = g_strdup_printf ("{\"method\":\"sequence\",\"params\":{\"requests\":[%s,"
                         "{\"method\":\"delete\",\"params\":{\"pubkey\":\"%s\","
                         "\"pubkey_ed25519\":\"%s\",\"messages\":[\"%s\"],"
                         "\"signature\":\"%s\"}}]}}",
                         store, acct.id.session_id, ed_hex, old, sig);
  g_assert_cmpuint (st_testnet_rpc (net, acct.node, req, &body), ==, 200);
  obj = st_test_parse (body);
  results = sd_json_get_array (obj, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  g_assert_cmpint (sd_json_get_int (sd_json_array_get_object (results, 0), "code", 0), ==, 401);
  {
    g_autoptr(JsonObject) r = retrieve (&acct, acct.node, 0, NULL, 0);
    JsonArray *msgs = sd_json_get_array (r, "messages");

    g_assert_cmpuint (json_array_get_length (msgs), ==, 1);
    g_assert_cmpstr (sd_json_get_string (sd_json_array_get_object (msgs, 0), "hash"), ==, old);
  }
}

static void
test_oxend_request (void)
{
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  JsonArray *states;

  /* what desktop asks three nodes during pool refresh */
  g_assert_cmpuint (st_testnet_rpc (net, 5, "{\"method\":\"batch\",\"params\":{\"requests\":[{"
                    "\"method\":\"oxend_request\",\"params\":{\"endpoint\":\"get_service_nodes\","
                    "\"params\":{\"active_only\":true,\"fields\":{\"public_ip\":true,"
                    "\"storage_port\":true,\"pubkey_x25519\":true,\"pubkey_ed25519\":true}}}}]}}",
                    &body), ==, 200);
  obj = st_test_parse (body);
  {
    JsonObject *first = sd_json_array_get_object (sd_json_get_array (obj, "results"), 0);
    JsonObject *inner = sd_json_get_object (first, "body");

    g_assert_cmpint (sd_json_get_int (first, "code", 0), ==, 200);
    states = sd_json_get_array (sd_json_get_object (inner, "result"), "service_node_states");
    g_assert_cmpuint (json_array_get_length (states), ==, net->nodes->len);
    g_assert_true (has_t_hf (inner));
  }
  expect (0, "{\"method\":\"oxend_request\",\"params\":{\"endpoint\":\"get_block\"}}", 400, NULL);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  net = st_testnet_start (NULL);

  g_test_add_func ("/testnet/rpc/seed", test_seed);
  g_test_add_func ("/testnet/rpc/info", test_info);
  g_test_add_func ("/testnet/rpc/get-swarm", test_get_swarm);
  g_test_add_func ("/testnet/rpc/store-retrieve", test_store_retrieve);
  g_test_add_func ("/testnet/rpc/wrong-swarm", test_wrong_swarm);
  g_test_add_func ("/testnet/rpc/errors", test_errors);
  g_test_add_func ("/testnet/rpc/paging", test_paging);
  g_test_add_func ("/testnet/rpc/delete", test_delete);
  g_test_add_func ("/testnet/rpc/delete-all", test_delete_all);
  g_test_add_func ("/testnet/rpc/expire", test_expire);
  g_test_add_func ("/testnet/rpc/batch", test_batch);
  g_test_add_func ("/testnet/rpc/sequence-store-then-delete", test_sequence_store_then_delete);
  g_test_add_func ("/testnet/rpc/oxend-request", test_oxend_request);
  ret = g_test_run ();
  st_testnet_stop (net);
  return ret;
}
