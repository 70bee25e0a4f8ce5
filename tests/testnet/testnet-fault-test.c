/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the control endpoint's faults, expiry, plain HTTP mode, command-line
 * errors and SIGTERM, against a real session-testnet */
#include "config.h"

#include <string.h>

#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-onion-request.h"
#include "sd-request-sign.h"
#include "st-test-util.h"

static StTestnet *net;

typedef struct {
  SdIdentity id;
  guint64 swarm;
  GArray *members;
} Account;

static void
account_init (Account *acct, guint8 tag)
{
  guint8 raw[33];

  st_test_identity (&acct->id, tag);
  g_assert_true (sd_account_id_parse (acct->id.session_id, raw, NULL));
  acct->swarm = st_testnet_swarm_for (net, raw);
  acct->members = st_testnet_members (net, acct->swarm);
}

static void
account_clear (Account *acct)
{
  g_clear_pointer (&acct->members, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Account, account_clear)

static guint
member (Account *acct, guint i)
{
  return g_array_index (acct->members, guint, i);
}

static void
control (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

static void
control (const gchar *format, ...)
{
  g_autofree gchar *json = NULL;
  g_autoptr(JsonObject) reply = NULL;
  va_list args;

  va_start (args, format);
  json = g_strdup_vprintf (format, args);
  va_end (args);
  reply = st_testnet_control (net, json);
  g_assert_true (sd_json_get_bool (reply, "ok", FALSE));
}

static gchar *
store_req (Account *acct, const gchar *text, gint64 ttl)
{
  g_autofree gchar *data = sd_base64_encode ((const guint8 *) text, strlen (text), TRUE);

  return st_test_store_json (&acct->id, 0, st_test_now_ms (), ttl, data, FALSE);
}

static guint
count_messages (Account *acct, guint node, gint64 skew)
{
  g_autofree gchar *req = st_test_retrieve_json (&acct->id, 0, st_test_now_ms () + skew, NULL, 0);
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;

  g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
  obj = st_test_parse (body);
  return json_array_get_length (sd_json_get_array (obj, "messages"));
}

static void
test_down_up (void)
{
  g_auto(Account) acct = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  guint down;

  account_init (&acct, 50);
  down = member (&acct, 1);
  control ("{\"action\":\"down\",\"node\":%u}", down);

  /* refused outright */
  url = st_testnet_node_url (net, down, ST_RPC_PATH);
  g_assert_cmpuint (st_testnet_post (net, url, "{}", 2, NULL, NULL, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  /* a store elsewhere in the swarm reports it as timed out */
  req = store_req (&acct, "while one is down", 60000);
  g_assert_cmpuint (st_testnet_rpc (net, member (&acct, 0), req, &body), ==, 200);
  obj = st_test_parse (body);
  {
    JsonObject *e = sd_json_get_object (sd_json_get_object (obj, "swarm"),
                                        st_testnet_node (net, down)->ed25519_hex);

    g_assert_true (sd_json_get_bool (e, "failed", FALSE));
    g_assert_true (sd_json_get_bool (e, "timeout", FALSE));
  }

  /* a relay cannot reach it */
  {
    guint path[3] = { member (&acct, 0), down, member (&acct, 2) };
    guint status = 0;
    g_autofree gchar *b = NULL;
    g_autofree gchar *expected = g_strdup_printf ("Next node is currently unreachable: %s",
                                                  st_testnet_node (net, down)->ed25519_hex);

    g_assert_cmpuint (st_testnet_onion (net, SD_ONION_CIPHER_XCHACHA20, path, 3, member (&acct, 3),
                                        "{\"method\":\"info\",\"params\":{}}", &status, &b), ==,
                      502);
    g_assert_cmpstr (b, ==, expected);
  }

  /* back on the same port, and it never got the copy */
  control ("{\"action\":\"up\",\"node\":\"%s\"}", st_testnet_node (net, down)->ed25519_hex);
  g_assert_cmpuint (count_messages (&acct, down, 0), ==, 0);
  g_assert_cmpuint (count_messages (&acct, member (&acct, 0), 0), ==, 1);
}

static void
expect_forced (guint node, const gchar *req, guint status, const gchar *text)
{
  g_autofree gchar *body = NULL;

  g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, status);
  if (text != NULL)
    g_assert_cmpstr (body, ==, text);
}

static void
test_force_status (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *req = NULL;
  guint node;
  const struct {
    guint status;
    const gchar *text;
  } cases[] = {
    { 406, "Timestamp error: check your clock" },
    { 500, "request failed" },
    { 503, NULL },
    { 429, NULL },
  };

  account_init (&acct, 51);
  node = member (&acct, 0);
  req = store_req (&acct, "forced", 60000);

  /* 421 with the swarm in the body, then back to normal; libsoup sends a
   * request that got 421 once more by itself, so a direct 421 costs two */
  control ("{\"action\":\"force_status\",\"node\":%u,\"status\":421,\"count\":2}", node);
  {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 421);
    obj = st_test_parse (body);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (obj, "snodes")), ==,
                      acct.members->len);
  }
  expect_forced (node, req, 200, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    control ("{\"action\":\"force_status\",\"node\":%u,\"status\":%u,\"count\":1}", node,
             cases[i].status);
    expect_forced (node, "{\"method\":\"info\",\"params\":{}}", cases[i].status, cases[i].text);
    expect_forced (node, "{\"method\":\"info\",\"params\":{}}", 200, NULL);
  }

  /* until cleared */
  control ("{\"action\":\"force_status\",\"node\":%u,\"status\":503}", node);
  expect_forced (node, req, 503, NULL);
  expect_forced (node, req, 503, NULL);
  control ("{\"action\":\"clear_status\",\"node\":%u}", node);
  expect_forced (node, req, 200, NULL);

  /* as an onion destination the status comes back encrypted */
  {
    guint path[3];
    guint n = 0;
    guint status = 0;
    g_autofree gchar *b = NULL;

    for (guint i = 0; i < net->nodes->len && n < 3; i++) {
      if (st_testnet_node (net, i)->swarm_id != acct.swarm)
        path[n++] = i;
    }
    control ("{\"action\":\"force_status\",\"node\":%u,\"status\":503,\"count\":1}", node);
    g_assert_cmpuint (st_testnet_onion (net, SD_ONION_CIPHER_XCHACHA20, path, 3, node, req,
                                        &status, &b), ==, 200);
    g_assert_cmpuint (status, ==, 503);

    /* "http" scope on a relay: a plaintext path error */
    control ("{\"action\":\"force_status\",\"node\":%u,\"status\":503,\"count\":1,"
             "\"scope\":\"http\"}", path[1]);
    g_clear_pointer (&b, g_free);
    g_assert_cmpuint (st_testnet_onion (net, SD_ONION_CIPHER_XCHACHA20, path, 3, node, req,
                                        &status, &b), ==, 503);
    g_clear_pointer (&b, g_free);
    g_assert_cmpuint (st_testnet_onion (net, SD_ONION_CIPHER_XCHACHA20, path, 3, node, req,
                                        &status, &b), ==, 200);
  }

  /* a member with a forced status fails inside the swarm result */
  {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    g_autofree gchar *again = store_req (&acct, "member fails", 60000);
    JsonObject *e;

    control ("{\"action\":\"force_status\",\"node\":%u,\"status\":500}", member (&acct, 2));
    g_assert_cmpuint (st_testnet_rpc (net, node, again, &body), ==, 200);
    obj = st_test_parse (body);
    e = sd_json_get_object (sd_json_get_object (obj, "swarm"),
                            st_testnet_node (net, member (&acct, 2))->ed25519_hex);
    g_assert_true (sd_json_get_bool (e, "failed", FALSE));
    g_assert_cmpint (sd_json_get_int (e, "code", 0), ==, 500);
    control ("{\"action\":\"clear\"}");
  }
}

static void
test_latency (void)
{
  gint64 start;

  control ("{\"action\":\"latency\",\"node\":4,\"ms\":300}");
  start = g_get_monotonic_time ();
  g_assert_cmpuint (st_testnet_rpc (net, 4, "{\"method\":\"info\",\"params\":{}}", NULL), ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300000);
  control ("{\"action\":\"latency\",\"node\":4,\"ms\":0}");
  g_assert_cmpuint (st_testnet_rpc (net, 4, "{\"method\":\"info\",\"params\":{}}", NULL), ==, 200);
}

static void
test_clock_skew (void)
{
  g_auto(Account) acct = { 0 };
  const gint64 skew = 2 * 3600 * 1000;
  guint node;

  account_init (&acct, 52);
  node = member (&acct, 1);
  control ("{\"action\":\"clock_skew\",\"node\":%u,\"ms\":%" G_GINT64_FORMAT "}", node, skew);

  /* its "t" is off, a correctly timed retrieve is refused, and it fails
   * its copy of a store made elsewhere */
  {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, node, "{\"method\":\"info\",\"params\":{}}", &body), ==,
                      200);
    obj = st_test_parse (body);
    g_assert_cmpint (sd_json_get_int (obj, "t", 0), >, st_test_now_ms () + skew - 60000);
  }
  {
    g_autofree gchar *req = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), NULL, 0);

    expect_forced (node, req, 406, "retrieve timestamp too far from current time");
  }
  {
    g_autofree gchar *req = store_req (&acct, "skewed", 60000);
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    JsonObject *e;

    expect_forced (node, req, 406, "Timestamp error: check your clock");
    g_assert_cmpuint (st_testnet_rpc (net, member (&acct, 0), req, &body), ==, 200);
    obj = st_test_parse (body);
    e = sd_json_get_object (sd_json_get_object (obj, "swarm"),
                            st_testnet_node (net, node)->ed25519_hex);
    g_assert_cmpint (sd_json_get_int (e, "code", 0), ==, 406);
  }
  control ("{\"action\":\"clock_skew\",\"node\":%u,\"ms\":0}", node);
}

static void
test_drop_replication (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *req = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr(JsonObject) obj = NULL;
  guint entry;

  account_init (&acct, 53);
  entry = member (&acct, 0);
  control ("{\"action\":\"drop_replication\",\"node\":%u,\"enabled\":true}", entry);
  req = store_req (&acct, "only here", 60000);
  g_assert_cmpuint (st_testnet_rpc (net, entry, req, &body), ==, 200);
  obj = st_test_parse (body);
  for (guint i = 1; i < acct.members->len; i++) {
    JsonObject *e = sd_json_get_object (sd_json_get_object (obj, "swarm"),
                                        st_testnet_node (net, member (&acct, i))->ed25519_hex);

    g_assert_true (sd_json_get_bool (e, "failed", FALSE));
    g_assert_cmpuint (count_messages (&acct, member (&acct, i), 0), ==, 0);
  }
  g_assert_cmpuint (count_messages (&acct, entry, 0), ==, 1);
  control ("{\"action\":\"drop_replication\",\"node\":%u,\"enabled\":false}", entry);

  /* a later store replicates again */
  {
    g_autofree gchar *again = store_req (&acct, "everywhere", 60000);

    g_assert_cmpuint (st_testnet_rpc (net, entry, again, NULL), ==, 200);
    g_assert_cmpuint (count_messages (&acct, member (&acct, 1), 0), ==, 1);
  }
}


/* the hostile-node faults (issue 14): each visible in what a direct RPC gets */
static void
test_hostile (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *stored = NULL;
  guint node;

  account_init (&acct, 57);
  node = member (&acct, 0);
  stored = store_req (&acct, "honest content", 60000);
  g_assert_cmpuint (st_testnet_rpc (net, node, stored, NULL), ==, 200);

  /* report_time: `t` lies, the node's own checks do not */
  control ("{\"action\":\"report_time\",\"node\":%u,\"t\":4102444800000}", node);
  {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    g_autofree gchar *req = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), NULL, 0);

    g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
    obj = st_test_parse (body);
    g_assert_cmpint (sd_json_get_int (obj, "t", 0), ==, 4102444800000);
  }
  control ("{\"action\":\"report_time\",\"node\":%u,\"t\":0}", node);

  /* bad_hashes: the same message, its hash in another form */
  control ("{\"action\":\"bad_hashes\",\"node\":%u}", node);
  {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    g_autofree gchar *req = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), NULL, 0);
    JsonObject *item;

    g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
    obj = st_test_parse (body);
    item = sd_json_array_get_object (sd_json_get_array (obj, "messages"), 0);
    g_assert_cmpuint (strlen (sd_json_get_string (item, "hash")), ==, 86);
  }
  control ("{\"action\":\"bad_hashes\",\"node\":%u,\"enabled\":false}", node);

  /* endless_more: a junk item and `more`, every time, counted */
  control ("{\"action\":\"endless_more\",\"node\":%u}", node);
  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *body = NULL;
    g_autoptr(JsonObject) obj = NULL;
    g_autofree gchar *req = st_test_retrieve_json (&acct.id, 0, st_test_now_ms (), NULL, 0);

    g_assert_cmpuint (st_testnet_rpc (net, node, req, &body), ==, 200);
    obj = st_test_parse (body);
    g_assert_cmpuint (json_array_get_length (sd_json_get_array (obj, "messages")), ==, 2);
    g_assert_true (sd_json_get_bool (obj, "more", FALSE));
  }
  {
    g_autoptr(JsonObject) status = st_testnet_control (net, "{\"action\":\"status\"}");
    JsonObject *entry = sd_json_array_get_object (sd_json_get_array (status, "nodes"), node);

    g_assert_true (sd_json_get_bool (entry, "endless_more", FALSE));
    g_assert_cmpint (sd_json_get_int (entry, "retrieves", 0), >=, 3);
  }
  control ("{\"action\":\"endless_more\",\"node\":%u,\"enabled\":false}", node);

  /* oversize: 200 with that many bytes to any HTTP request */
  control ("{\"action\":\"oversize\",\"node\":%u,\"bytes\":2000000}", node);
  {
    g_autofree gchar *body = NULL;

    g_assert_cmpuint (st_testnet_rpc (net, node, "{\"method\":\"info\",\"params\":{}}", &body),
                      ==, 200);
    g_assert_cmpuint (strlen (body), ==, 2000000);
  }
  control ("{\"action\":\"clear\",\"node\":%u}", node);
  g_assert_cmpuint (count_messages (&acct, node, 0), ==, 1);
}

static void
test_expiry (void)
{
  g_auto(Account) acct = { 0 };
  g_autofree gchar *req = NULL;
  const gint64 skew = 11000;
  guint node;

  account_init (&acct, 54);
  node = member (&acct, 0);
  /* the minimum TTL is 10 s; rather than wait, move the clocks past it */
  req = store_req (&acct, "short lived", 10000);
  g_assert_cmpuint (st_testnet_rpc (net, node, req, NULL), ==, 200);
  g_assert_cmpuint (count_messages (&acct, node, 0), ==, 1);
  control ("{\"action\":\"clock_skew\",\"node\":\"all\",\"ms\":%" G_GINT64_FORMAT "}", skew);
  /* the periodic sweep (--cleanup-interval 100) removes it everywhere */
  for (guint i = 0; i < 50 && count_messages (&acct, node, skew) > 0; i++)
    g_usleep (50000);
  for (guint i = 0; i < acct.members->len; i++)
    g_assert_cmpuint (count_messages (&acct, member (&acct, i), skew), ==, 0);
  control ("{\"action\":\"clock_skew\",\"node\":\"all\",\"ms\":0}");

  /* the "cleanup" action sweeps at once */
  {
    g_autoptr(JsonObject) reply = st_testnet_control (net, "{\"action\":\"cleanup\"}");

    g_assert_true (sd_json_get_bool (reply, "ok", FALSE));
    g_assert_true (json_object_has_member (reply, "removed"));
  }
}

static void
test_reshuffle (void)
{
  g_autoptr(GArray) before = g_array_copy (net->swarm_ids);
  g_autoptr(JsonObject) reply = NULL;
  gboolean moved = FALSE;

  /* the swarm of every account as it is now */
  guint64 old_swarm[64];
  for (guint t = 0; t < 64; t++) {
    SdIdentity id;
    guint8 raw[33];

    st_test_identity (&id, (guint8) (100 + t));
    g_assert_true (sd_account_id_parse (id.session_id, raw, NULL));
    old_swarm[t] = st_testnet_swarm_for (net, raw);
  }
  reply = st_testnet_control (net, "{\"action\":\"reshuffle\"}");
  g_assert_true (sd_json_get_bool (reply, "ok", FALSE));
  g_assert_nonnull (sd_json_get_array (reply, "nodes"));
  st_testnet_reload (net);
  g_assert_cmpuint (net->swarm_ids->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    g_assert_cmpuint (g_array_index (net->swarm_ids, guint64, i), !=,
                      g_array_index (before, guint64, i));

  /* find an account whose members changed: its old members now answer 421 */
  for (guint t = 0; t < 64 && !moved; t++) {
    SdIdentity id;
    guint8 raw[33];
    guint old_node = G_MAXUINT;
    g_autoptr(GArray) old_members = NULL;

    st_test_identity (&id, (guint8) (100 + t));
    g_assert_true (sd_account_id_parse (id.session_id, raw, NULL));
    /* old swarm ids are gone; find the group by index in the old list */
    for (guint i = 0; i < before->len; i++) {
      if (g_array_index (before, guint64, i) == old_swarm[t]) {
        /* group i keeps its nodes under the new id at the same index */
        old_members = st_testnet_members (net, g_array_index (net->swarm_ids, guint64, i));
      }
    }
    g_assert_nonnull (old_members);
    if (st_testnet_swarm_for (net, raw) == st_testnet_node (net, g_array_index (old_members, guint, 0))->swarm_id)
      continue;
    old_node = g_array_index (old_members, guint, 0);
    {
      g_autofree gchar *data = sd_base64_encode ((const guint8 *) "moved", 5, TRUE);
      g_autofree gchar *req = st_test_store_json (&id, 0, st_test_now_ms (), 60000, data, FALSE);
      g_autofree gchar *body = NULL;
      g_autoptr(JsonObject) obj = NULL;
      g_autofree gchar *hex = g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
                                               st_testnet_swarm_for (net, raw));

      g_assert_cmpuint (st_testnet_rpc (net, old_node, req, &body), ==, 421);
      obj = st_test_parse (body);
      g_assert_cmpstr (sd_json_get_string (obj, "swarm"), ==, hex);
    }
    moved = TRUE;
  }
  g_assert_true (moved);
}

static void
test_control_errors (void)
{
  g_autoptr(JsonObject) status = NULL;
  JsonArray *nodes;

  g_assert_cmpuint (st_testnet_control_status (net, "not json"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (net, "{\"action\":\"explode\",\"node\":0}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (net, "{\"action\":\"down\",\"node\":999}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (net, "{\"action\":\"force_status\",\"node\":0,"
                                                    "\"status\":200}"), ==, 400);
  g_assert_cmpuint (st_testnet_control_status (net, "{\"action\":\"latency\",\"node\":0}"), ==, 400);

  status = st_testnet_control (net, "{\"action\":\"status\"}");
  nodes = sd_json_get_array (status, "nodes");
  g_assert_cmpuint (json_array_get_length (nodes), ==, net->nodes->len);
  g_assert_false (sd_json_get_bool (sd_json_array_get_object (nodes, 0), "down", TRUE));
}

static void
test_plain_http (void)
{
  const gchar *args[] = { "--no-tls", "--nodes", "4", "--swarm-size", "2", NULL };
  StTestnet *small = st_testnet_start (args);
  g_autofree gchar *body = NULL;

  g_assert_cmpuint (small->nodes->len, ==, 4);
  g_assert_cmpuint (small->swarm_ids->len, ==, 2);
  g_assert_true (g_str_has_prefix (small->seed_url, "http://"));
  g_assert_cmpuint (st_testnet_rpc (small, 0, "{\"method\":\"info\",\"params\":{}}", &body), ==, 200);
  /* onion relaying over plain HTTP */
  {
    guint path[3] = { 0, 1, 2 };
    guint status = 0;
    g_autofree gchar *b = NULL;

    g_assert_cmpuint (st_testnet_onion (small, SD_ONION_CIPHER_XCHACHA20, path, 3, 3,
                                        "{\"method\":\"info\",\"params\":{}}", &status, &b), ==,
                      200);
    g_assert_cmpuint (status, ==, 200);
  }
  /* SIGTERM: st_testnet_stop checks the clean exit */
  st_testnet_stop (small);
}

static void
test_bad_options (void)
{
  const gchar *binary = g_getenv ("SESSION_TESTNET");
  const gchar *const cases[][4] = {
    { "--nodes", "3", NULL, NULL },                     /* no --state-dir */
    { "--state-dir", "/tmp", "--nodes", "0" },
    { "--state-dir", "/tmp", "--bind", "::1" },
    { "--state-dir", "/tmp", "--frobnicate", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GPtrArray) argv = g_ptr_array_new ();
    g_autoptr(GError) error = NULL;
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    gint status = 0;

    g_ptr_array_add (argv, (gpointer) binary);
    for (guint j = 0; j < 4 && cases[i][j] != NULL; j++)
      g_ptr_array_add (argv, (gpointer) cases[i][j]);
    g_ptr_array_add (argv, NULL);
    g_assert_true (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &out, &err, &status, &error));
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_assert_cmpstr (out, ==, "");
    /* one clear line */
    g_assert_true (g_str_has_prefix (err, "session-testnet: "));
    g_assert_nonnull (strchr (err, '\n'));
    g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
  }
}

int
main (int argc, char **argv)
{
  const gchar *args[] = { "--cleanup-interval", "100", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  net = st_testnet_start (args);

  g_test_add_func ("/testnet/fault/down-up", test_down_up);
  g_test_add_func ("/testnet/fault/force-status", test_force_status);
  g_test_add_func ("/testnet/fault/latency", test_latency);
  g_test_add_func ("/testnet/fault/clock-skew", test_clock_skew);
  g_test_add_func ("/testnet/fault/drop-replication", test_drop_replication);
  g_test_add_func ("/testnet/fault/expiry", test_expiry);
  g_test_add_func ("/testnet/fault/hostile", test_hostile);
  g_test_add_func ("/testnet/fault/reshuffle", test_reshuffle);
  g_test_add_func ("/testnet/fault/control-errors", test_control_errors);
  g_test_add_func ("/testnet/fault/plain-http", test_plain_http);
  g_test_add_func ("/testnet/fault/bad-options", test_bad_options);
  ret = g_test_run ();
  st_testnet_stop (net);
  return ret;
}
