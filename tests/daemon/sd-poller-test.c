/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdPoller in process, over the fake transport with scripted storage-RPC answers and a real
 * store: what a retrieve brings in, last_hash paging, the inner 406 and 421 of a batch, and
 * the backoff while polls fail, with the online state following */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-content.h"
#include "sd-daemon-test-util.h"
#include "sd-encoding.h"
#include "sd-ingest.h"
#include "sd-json.h"
#include "sd-poller.h"
#include "sd-storage-rpc.h"
#include "sd-wire.h"

#define INTERVAL_MS 100 /* the poller's shortest */
#define HASH "bYnTumV9Ezud7fiokTxcEKJ1VOAzN2UNcZoF0tlwwSM"

typedef struct {
  SdTestStore test_store;
  SdStore *store;       /* (unowned) test_store's */
  SdIdentity me;
  SdIdentity alice;
  SdTestNet net;
  SdPoller *poller;
  /* what the nodes answer */
  gchar *message_b64;   /* (nullable) the one message in the swarm */
  guint answer_406;
  guint answer_421;
  guint refuse;         /* this many retrieves are refused (401) */
  gboolean endless_more; /* every page holds a new item and says more */
  gboolean empty_more;  /* every page is empty and says more */
  gboolean forgetful;   /* nodes know no last_hash: every page starts over */
  /* what they saw */
  GArray *retrieve_ms;  /* (element-type gint64) monotonic time of each retrieve */
  GPtrArray *last_hashes; /* (element-type utf8) last_hash of each retrieve */
  guint infos;
  guint n_changes;
  guint online_changes;
  gboolean config_pages;  /* answer the config namespaces too, one item each */
  GString *order;         /* "2", "3", "4", "5" per config-items, "m" per changes */
  GPtrArray *config_requests; /* (element-type utf8) "ns:last_hash:signed" of each config request */
  GString *config_cursors; /* per config-items: "s" (the swarm's cursor) or "o" (the member's
                            * own), "+" when it moves the swarm's at its end */
} Fixture;

/* a batch reply with one sub-result (§4.8) */
static gchar *
batch_of (guint code, const gchar *body_json)
{
  return g_strdup_printf ("{\"results\":[{\"code\":%u,\"body\":%s}]}", code, body_json);
}

static gchar *
answer_rpc (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
            gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = sd_json_parse_object (rpc, strlen (rpc), NULL);
  const gchar *method = sd_json_get_string (request, "method");
  JsonObject *params = sd_json_get_object (request, "params");
  JsonObject *retrieve;
  gint64 now = g_get_real_time () / 1000;
  gint64 at = g_get_monotonic_time () / 1000;
  g_autofree gchar *swarm = NULL;
  g_autofree gchar *page = NULL;

  *status = 200;
  if (g_strcmp0 (method, "get_swarm") == 0)
    return sd_test_net_swarm_json (&f->net);
  if (g_strcmp0 (method, "info") == 0) {
    f->infos++;
    return g_strdup_printf ("{\"t\":%" G_GINT64_FORMAT "}", now);
  }
  /* the poller asks for one retrieve in a batch */
  g_assert_cmpstr (method, ==, "batch");
  retrieve = sd_json_get_object (sd_json_array_get_object (sd_json_get_array (params,
                                                                              "requests"),
                                                           0),
                                 "params");
  g_assert_nonnull (retrieve);
  g_assert_cmpstr (sd_json_get_string (retrieve, "pubkey"), ==, f->me.session_id);
  g_array_append_val (f->retrieve_ms, at);
  g_ptr_array_add (f->last_hashes, g_strdup (sd_json_get_string (retrieve, "last_hash")));
  if (f->answer_406 > 0) {
    f->answer_406--;
    return batch_of (406, "\"retrieve timestamp too far from current time\"");
  }
  if (f->answer_421 > 0) {
    f->answer_421--;
    swarm = sd_test_net_swarm_json (&f->net);
    return batch_of (421, swarm);
  }
  if (f->refuse > 0) {
    f->refuse--;
    return batch_of (401, "\"retrieve signature verification failed\"");
  }
  if (f->endless_more || f->empty_more) {
    guint8 digest[32] = { 0 };
    guint n = f->retrieve_ms->len;
    g_autofree gchar *hash = NULL;

    memcpy (digest, &n, sizeof n);
    hash = sd_base64_encode (digest, sizeof digest, FALSE);
    if (f->empty_more)
      page = g_strdup ("{\"messages\":[],\"more\":true}");
    else
      page = g_strdup_printf ("{\"messages\":[{\"hash\":\"%s\",\"data\":\"QQ==\"}],"
                              "\"more\":true}", hash);
    return batch_of (200, page);
  }
  if (f->config_pages) {
    JsonArray *requests = sd_json_get_array (params, "requests");
    GString *reply = g_string_new ("{\"results\":[{\"code\":200,\"body\":{\"messages\":[],"
                                   "\"more\":false}}");

    g_assert_cmpuint (json_array_get_length (requests), ==, 5);
    for (guint i = 1; i < 5; i++) {
      JsonObject *sub = sd_json_get_object (sd_json_array_get_object (requests, i), "params");

      g_ptr_array_add (f->config_requests,
                       g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%s",
                                        sd_json_get_int (sub, "namespace", -1),
                                        sd_json_get_string (sub, "last_hash"),
                                        sd_json_get_string (sub, "signature") != NULL ? "signed"
                                                                                    : "unsigned"));
      g_autofree gchar *hash = g_strdup_printf ("confighash%u%032u", i + 1, 0);

      /* one item per namespace: what comes after it is nothing */
      if (!f->forgetful && g_strcmp0 (sd_json_get_string (sub, "last_hash"), hash) == 0)
        g_string_append (reply, ",{\"code\":200,\"body\":{\"messages\":[],\"more\":false}}");
      else
        g_string_append_printf (reply, ",{\"code\":200,\"body\":{\"messages\":[{\"hash\":"
                                "\"%s\",\"data\":\"QQ==\"}],\"more\":false}}", hash);
    }
    g_string_append (reply, "]}");
    return g_string_free (reply, FALSE);
  }
  /* a node that knows the hash sends what comes after it: nothing */
  if (!f->forgetful && g_strcmp0 (sd_json_get_string (retrieve, "last_hash"), HASH) == 0)
    page = g_strdup_printf ("{\"messages\":[],\"more\":false,\"t\":%" G_GINT64_FORMAT "}", now);
  else if (f->message_b64 == NULL)
    page = g_strdup_printf ("{\"messages\":[],\"more\":false,\"t\":%" G_GINT64_FORMAT "}", now);
  else
    page = g_strdup_printf ("{\"messages\":[{\"hash\":\"" HASH "\",\"timestamp\":%"
                            G_GINT64_FORMAT ",\"expiration\":%" G_GINT64_FORMAT ",\"data\":"
                            "\"%s\"}],\"more\":false,\"t\":%" G_GINT64_FORMAT "}",
                            now, now + 1000000, f->message_b64, now);
  return batch_of (200, page);
}

static void
on_changes (SdPoller *poller, SdStoreChanges *changes, gint64 history_before,
            gpointer user_data)
{
  Fixture *f = user_data;

  f->n_changes += changes->new_messages->len;
  g_string_append_c (f->order, 'm');
}

static void
on_config_items (SdPoller *poller, const SdIngestCursor *cursor, GPtrArray *items,
                 gboolean complete, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (f->store);

  g_assert_cmpuint (items->len, <=, 1);
  g_assert_true (complete);
  g_string_append_printf (f->order, "%d", cursor->namespace_);
  g_string_append (f->config_cursors, g_strcmp0 (cursor->keys[0], "swarm") == 0 ? "s" : "o");
  if (cursor->end_keys[0] != NULL)
    g_string_append_c (f->config_cursors, '+');
  if (items->len == 0)
    return;
  /* what SdConfigSync does with what it took (sd-config-sync-test checks that it does) */
  sd_store_batch_add_seen (batch, ((SdRetrieveItem *) g_ptr_array_index (items, 0))->hash,
                           G_MAXINT64);
  for (guint k = 0; k < 2; k++) {
    if (cursor->keys[k] != NULL)
      sd_store_batch_set_last_hash (batch, cursor->keys[k], cursor->namespace_,
                                    ((SdRetrieveItem *) g_ptr_array_index (items, 0))->hash);
    if (cursor->end_keys[k] != NULL)
      sd_store_batch_set_last_hash (batch, cursor->end_keys[k], cursor->namespace_,
                                    ((SdRetrieveItem *) g_ptr_array_index (items, 0))->hash);
  }
  g_assert_true (sd_store_apply_batch (f->store, batch, NULL, NULL));
}

static void
on_online_changed (SdPoller *poller, gpointer user_data)
{
  Fixture *f = user_data;

  f->online_changes++;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  sd_test_identity_from_byte (&f->me, 1);
  sd_test_identity_from_byte (&f->alice, 2);
  sd_test_store_init (&f->test_store, &f->me);
  f->store = f->test_store.store;
  sd_test_net_init (&f->net, answer_rpc, f);
  f->poller = sd_poller_new (f->net.network, f->store, &f->me, INTERVAL_MS);
  g_signal_connect (f->poller, "changes", G_CALLBACK (on_changes), f);
  g_signal_connect (f->poller, "online-changed", G_CALLBACK (on_online_changed), f);
  g_signal_connect (f->poller, "config-items", G_CALLBACK (on_config_items), f);
  f->order = g_string_new (NULL);
  f->config_cursors = g_string_new (NULL);
  f->config_requests = g_ptr_array_new_with_free_func (g_free);
  f->retrieve_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->last_hashes = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sd_poller_stop (f->poller);
  sd_test_net_clear (&f->net);
  g_clear_object (&f->poller);
  sd_test_store_clear (&f->test_store);
  g_array_unref (f->retrieve_ms);
  g_ptr_array_unref (f->last_hashes);
  g_free (f->message_b64);
  g_string_free (f->order, TRUE);
  g_string_free (f->config_cursors, TRUE);
  g_ptr_array_unref (f->config_requests);
}

static void
put_message_from_alice (Fixture *f, const gchar *body)
{
  gint64 t = g_get_real_time () / 1000;
  g_autoptr(GBytes) content = sd_content_pack_text (body, (guint64) t, "Alice", 1, NULL);
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&f->alice, f->me.x25519_pk, (guint64) t,
                                               g_bytes_get_data (content, NULL),
                                               g_bytes_get_size (content), SD_WIRE_FLAG_NONE);

  f->message_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                     TRUE);
}

static guint
n_messages_from_alice (Fixture *f)
{
  g_autoptr(GPtrArray) messages = sd_store_get_messages (f->store, f->alice.session_id, 0, 0,
                                                         0, NULL);

  return messages != NULL ? messages->len : 0;
}

static void
test_receives (Fixture *f, gconstpointer data)
{
  put_message_from_alice (f, "hi there");
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 2);
  g_assert_cmpuint (n_messages_from_alice (f), ==, 1);
  g_assert_cmpuint (f->n_changes, ==, 1);
  g_assert_true (sd_poller_get_online (f->poller));
  g_assert_cmpuint (f->online_changes, ==, 1);
  /* the first poll starts from nothing; a node that answered is asked from its last hash */
  g_assert_cmpstr (g_ptr_array_index (f->last_hashes, 0), ==, "");
  for (guint i = 1; i < f->last_hashes->len; i++)
    g_assert_true (g_strcmp0 (g_ptr_array_index (f->last_hashes, i), "") == 0 ||
                   g_strcmp0 (g_ptr_array_index (f->last_hashes, i), HASH) == 0);
}

static void
test_inner_406_and_421 (Fixture *f, gconstpointer data)
{
  put_message_from_alice (f, "through a skewed clock and a moved swarm");
  f->answer_406 = 1;
  f->answer_421 = 1;
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (n_messages_from_alice (f) == 1);
  /* a batch failing as a whole fails like the request: the node's time was asked */
  g_assert_cmpuint (f->infos, ==, 1);
  g_assert_cmpuint (f->retrieve_ms->len, >=, 3);
  g_assert_true (sd_poller_get_online (f->poller));
}

static void
test_backoff (Fixture *f, gconstpointer data)
{
  gint64 delay = INTERVAL_MS;

  f->refuse = 4;
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 6);
  /* each failed poll waits twice as long as the one before; a success resets it */
  for (guint i = 1; i <= 4; i++, delay *= 2)
    g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, i) -
                     g_array_index (f->retrieve_ms, gint64, i - 1), >=, delay - 1);
  g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, 5) -
                   g_array_index (f->retrieve_ms, gint64, 4), <, delay);
  /* offline never was online, so only the recovery is a change */
  g_assert_true (sd_poller_get_online (f->poller));
  g_assert_cmpuint (f->online_changes, ==, 1);
  g_assert_cmpuint (f->infos, ==, 0);
}


/* one cursor for the swarm: after the first page every member, asked or not before, is asked
 * from the same hash, so nobody sends the history again */
static void
test_shared_cursor (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cursor = NULL;

  put_message_from_alice (f, "once");
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 8);
  g_assert_cmpstr (g_ptr_array_index (f->last_hashes, 0), ==, "");
  for (guint i = 1; i < f->last_hashes->len; i++)
    g_assert_cmpstr (g_ptr_array_index (f->last_hashes, i), ==, HASH);
  g_assert_cmpuint (f->n_changes, ==, 1);
  cursor = sd_store_get_last_hash (f->store, "swarm", 0, NULL);
  g_assert_cmpstr (cursor, ==, HASH);
}

/* members that do not know the hash start over (as the storage server does): the message is
 * applied once, the poller stays online and the swarm's cursor stays where it was */
static void
test_forgetful_nodes (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cursor = NULL;

  put_message_from_alice (f, "told again and again");
  f->forgetful = TRUE;
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 6);
  g_assert_cmpuint (n_messages_from_alice (f), ==, 1);
  g_assert_cmpuint (f->n_changes, ==, 1);
  g_assert_true (sd_poller_get_online (f->poller));
  cursor = sd_store_get_last_hash (f->store, "swarm", 0, NULL);
  g_assert_cmpstr (cursor, ==, HASH);
}

/* a node that says `more` for ever gets SD_POLLER_MAX_FOLLOW_UPS immediate polls, then the
 * normal interval: no spin */
static void
test_endless_more (Fixture *f, gconstpointer data)
{
  const guint burst = SD_POLLER_MAX_FOLLOW_UPS + 1;
  gint64 start;

  /* an interval long enough that a burst (slow under valgrind) fits well inside it */
  f->endless_more = TRUE;
  sd_poller_set_interval (f->poller, 4000);
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= burst + 1);
  start = g_array_index (f->retrieve_ms, gint64, 0);
  /* the burst came at once, then a pause of an interval */
  g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, burst - 1) - start, <, 4000);
  g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, burst) -
                   g_array_index (f->retrieve_ms, gint64, burst - 1), >=, 3999);
  /* and so on for the next tick */
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 2 * burst + 1);
  g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, 2 * burst) -
                   g_array_index (f->retrieve_ms, gint64, 2 * burst - 1), >=, 3999);
  g_assert_true (sd_poller_get_online (f->poller));
}

/* `more` with nothing in the page is not believed at all */
static void
test_empty_more (Fixture *f, gconstpointer data)
{
  f->empty_more = TRUE;
  sd_poller_set_interval (f->poller, 500);
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 3);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpint (g_array_index (f->retrieve_ms, gint64, i) -
                     g_array_index (f->retrieve_ms, gint64, i - 1), >=, 499);
}

/* the config namespaces ride in the same signed batch, and their items are handed over
 * before the tick's 1:1 messages (issue 15); the hashes recorded for them are not ours to
 * keep (SdConfigSync records them), so each poll asks from the start here */
static void
test_config_namespaces (Fixture *f, gconstpointer data)
{
  f->config_pages = TRUE;
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 2);
  /* every tick hands over 2, 3, 4, 5, and only then its 1:1 changes (if any) */
  g_assert_true (g_str_has_prefix (f->order->str, "2345"));
  for (const gchar *tick = f->order->str; *tick != '\0';) {
    g_assert_true (g_str_has_prefix (tick, "2345"));
    tick += 4;
    if (*tick == 'm')
      tick++;
  }
  g_assert_cmpstr (g_ptr_array_index (f->config_requests, 0), ==, "2::signed");
  g_assert_cmpstr (g_ptr_array_index (f->config_requests, 1), ==, "3::signed");
  g_assert_cmpstr (g_ptr_array_index (f->config_requests, 2), ==, "4::signed");
  g_assert_cmpstr (g_ptr_array_index (f->config_requests, 3), ==, "5::signed");
  /* a config namespace has its cursor per swarm too: the next poll, whichever member it
   * picks, asks from the swarm's hash */
  for (gint ns = 2; ns <= 5; ns++) {
    g_autofree gchar *swarm = sd_store_get_last_hash (f->store, "swarm", ns, NULL);
    g_autofree gchar *hash = g_strdup_printf ("confighash%d%032u", ns, 0);
    g_autofree gchar *asked = g_strdup_printf ("%d:%s:signed", ns, hash);

    g_assert_cmpstr (swarm, ==, hash);
    g_assert_cmpstr (g_ptr_array_index (f->config_requests, ns + 2), ==, asked);
  }
}

/* members that do not know the swarm's cursor of a config namespace answer from their first
 * item: the poller notices and hands the page over with the member's own cursor, which does
 * not move the swarm's (its last item is not new) */
static void
test_config_forgetful (Fixture *f, gconstpointer data)
{
  f->config_pages = TRUE;
  f->forgetful = TRUE;
  sd_poller_start (f->poller);
  SD_TEST_WAIT_UNTIL (f->retrieve_ms->len >= 3 && f->config_cursors->len >= 4 * 2 + 4 * 2);
  /* first poll: no cursor yet, each page moves the swarm's at its end; then every member
   * starts over, which is its own business */
  g_assert_true (g_str_has_prefix (f->config_cursors->str, "o+o+o+o+oooooooo"));
  for (gint ns = 2; ns <= 5; ns++) {
    g_autofree gchar *swarm = sd_store_get_last_hash (f->store, "swarm", ns, NULL);
    g_autofree gchar *hash = g_strdup_printf ("confighash%d%032u", ns, 0);

    g_assert_cmpstr (swarm, ==, hash);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/daemon/poller/receives", test_receives);
  ADD ("/daemon/poller/inner-406-421", test_inner_406_and_421);
  ADD ("/daemon/poller/backoff", test_backoff);
  ADD ("/daemon/poller/endless-more", test_endless_more);
  ADD ("/daemon/poller/empty-more", test_empty_more);
  ADD ("/daemon/poller/config-namespaces", test_config_namespaces);
  ADD ("/daemon/poller/config-forgetful-nodes", test_config_forgetful);
  ADD ("/daemon/poller/shared-cursor", test_shared_cursor);
  ADD ("/daemon/poller/forgetful-nodes", test_forgetful_nodes);
#undef ADD
  return g_test_run ();
}
