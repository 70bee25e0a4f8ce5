/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdSender in process, over the fake transport (real onion layers, scripted storage-RPC
 * answers) and a real store: delivery and its sync copy, a moved swarm (421), a skewed clock
 * (406), retries with growing delays and the failure after the last one, the TTL each
 * copy is stored with, several items in flight (bounded in all and per conversation, a failing
 * one holding up no other, a timer update alone in its conversation), batches of stores, and
 * what comes for a swarm while a store to it is on its way gathered into the next batch */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-daemon-test-util.h"
#include "sd-json.h"
#include "sd-sender.h"
#include "sd-storage-rpc.h"

#define RETRY_BASE_MS 10

typedef struct {
  guint node;
  gchar *pubkey;
  gint64 ttl;
  gint64 at_ms;  /* monotonic */
  guint changed; /* status changes the sender had told of when this store arrived */
  gboolean in_batch;
} StoreCall;

static void
store_call_free (StoreCall *call)
{
  g_free (call->pubkey);
  g_free (call);
}

typedef struct {
  SdTestStore test_store;
  SdStore *store;       /* (unowned) test_store's */
  SdIdentity me;
  SdIdentity alice;
  SdIdentity bob;
  SdTestNet net;
  SdSender *sender;
  /* what the nodes are told to answer */
  guint answer_421;     /* this many stores are told the swarm moved */
  guint answer_406;     /* this many stores are told the clock is off */
  gboolean refuse;      /* every store is refused with 403 */
  const gchar *refuse_pubkey; /* (nullable) stores to this swarm are refused with 403 */
  guint refuse_nth;     /* the store call with this number (from 1) is refused with 403 */
  /* what they saw */
  GPtrArray *stores;    /* (element-type StoreCall) */
  guint infos;
  guint batches;        /* batch requests */
  GArray *statuses;     /* (element-type SdMessageStatus) from "message-changed" */
} Fixture;

/* one store at the storage server: recorded, then answered as the fixture says */
static gchar *
answer_store (Fixture *f, guint node, JsonObject *params, gboolean in_batch, guint *status)
{
  gint64 now = g_get_real_time () / 1000;
  StoreCall *call = g_new0 (StoreCall, 1);

  call->node = node;
  call->pubkey = g_strdup (sd_json_get_string (params, "pubkey"));
  call->ttl = sd_json_get_int (params, "ttl", 0);
  call->at_ms = g_get_monotonic_time () / 1000;
  call->changed = f->statuses->len;
  call->in_batch = in_batch;
  g_ptr_array_add (f->stores, call);
  *status = 200;
  if (!in_batch && f->answer_421 > 0) {
    f->answer_421--;
    *status = 421;
    return sd_test_net_swarm_json (&f->net);
  }
  if (f->answer_406 > 0) {
    f->answer_406--;
    *status = 406;
    return g_strdup ("Timestamp error: check your clock");
  }
  if (f->refuse || g_strcmp0 (call->pubkey, f->refuse_pubkey) == 0 ||
      f->stores->len == f->refuse_nth) {
    *status = 403;
    return g_strdup ("Provided expiry/TTL is not valid.");
  }
  return g_strdup_printf ("{\"swarm\":{},\"hash\":\"hash-%u\",\"t\":%" G_GINT64_FORMAT "}",
                          f->stores->len, now);
}

/* the storage server, as far as the sender needs one (protocol-network.md §4): single stores
 * and batches of them; a moved swarm (421) answers the whole request, a skewed clock (406) and
 * a refusal each store */
static gchar *
answer_rpc (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
            gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = sd_json_parse_object (rpc, strlen (rpc), NULL);
  const gchar *method = sd_json_get_string (request, "method");
  JsonObject *params = sd_json_get_object (request, "params");
  gint64 now = g_get_real_time () / 1000;
  JsonArray *requests;
  g_autoptr(JsonArray) results = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonNode) reply_node = NULL;

  *status = 200;
  if (g_strcmp0 (method, "get_swarm") == 0)
    return sd_test_net_swarm_json (&f->net);
  if (g_strcmp0 (method, "info") == 0) {
    f->infos++;
    return g_strdup_printf ("{\"version\":[2,8,0],\"timestamp\":%" G_GINT64_FORMAT
                            ",\"t\":%" G_GINT64_FORMAT "}", now, now);
  }
  if (g_strcmp0 (method, "store") == 0)
    return answer_store (f, node, params, FALSE, status);
  g_assert_cmpstr (method, ==, "batch");
  if (f->answer_421 > 0) {
    f->answer_421--;
    *status = 421;
    return sd_test_net_swarm_json (&f->net);
  }
  requests = sd_json_get_array (params, "requests");
  g_assert_nonnull (requests);
  g_assert_cmpuint (json_array_get_length (requests), >=, 2);
  f->batches++;
  results = json_array_new ();
  for (guint i = 0; i < json_array_get_length (requests); i++) {
    JsonObject *sub = json_array_get_object_element (requests, i);
    JsonObject *entry = json_object_new ();
    guint code = 0;
    g_autofree gchar *body = NULL;

    g_assert_cmpstr (sd_json_get_string (sub, "method"), ==, "store");
    body = answer_store (f, node, sd_json_get_object (sub, "params"), TRUE, &code);
    json_object_set_int_member (entry, "code", code);
    json_object_set_member (entry, "body", sd_storage_rpc_parse_body (body, strlen (body)));
    json_array_add_object_element (results, entry);
  }
  reply = json_object_new ();
  json_object_set_array_member (reply, "results", g_steal_pointer (&results));
  reply_node = json_node_init_object (json_node_alloc (), reply);
  return json_to_string (reply_node, FALSE);
}

static void
on_message_changed (SdSender *sender, SdMessage *message, gpointer user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->statuses, message->status);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  sd_test_identity_from_byte (&f->me, 1);
  sd_test_identity_from_byte (&f->alice, 2);
  sd_test_identity_from_byte (&f->bob, 3);
  sd_test_store_init (&f->test_store, &f->me);
  f->store = f->test_store.store;
  sd_test_net_init (&f->net, answer_rpc, f);
  f->sender = sd_sender_new (f->net.network, f->store, &f->me);
  sd_sender_set_retry_delays (f->sender, RETRY_BASE_MS, 60 * 1000);
  g_signal_connect (f->sender, "message-changed", G_CALLBACK (on_message_changed), f);
  f->stores = g_ptr_array_new_with_free_func ((GDestroyNotify) store_call_free);
  f->statuses = g_array_new (FALSE, FALSE, sizeof (SdMessageStatus));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sd_sender_stop (f->sender);
  sd_test_net_clear (&f->net);
  g_clear_object (&f->sender);
  sd_test_store_clear (&f->test_store);
  g_ptr_array_unref (f->stores);
  g_array_unref (f->statuses);
}

/* a message to @to in the outbox, as the daemon queues it */
static gchar *
queue_kind (Fixture *f, const SdIdentity *to, SdMessageKind kind, SdExpirationMode mode,
            guint32 timer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = NULL;
  SdOutgoingMessage outgoing = { 0 };

  outgoing.conversation_id = to->session_id;
  outgoing.kind = kind;
  outgoing.body = kind == SD_MESSAGE_KIND_TEXT ? "hello" : "";
  outgoing.sent_at = g_get_real_time () / 1000;
  outgoing.expiration_mode = mode;
  outgoing.expiration_timer = timer;
  message = sd_store_queue_outgoing_full (f->store, &outgoing, &error);
  g_assert_no_error (error);
  return g_strdup (message->id);
}

/* a text to Alice */
static gchar *
queue_text (Fixture *f, SdExpirationMode mode, guint32 timer)
{
  return queue_kind (f, &f->alice, SD_MESSAGE_KIND_TEXT, mode, timer);
}

static SdMessage *
get_message (Fixture *f, const gchar *id)
{
  g_autoptr(GError) error = NULL;
  SdMessage *message = sd_store_get_message (f->store, id, &error);

  g_assert_no_error (error);
  return message;
}

static gboolean
is_synced (Fixture *f, const gchar *id)
{
  g_autoptr(SdMessage) message = get_message (f, id);

  return message->sync_hash != NULL;
}

static gboolean
has_status (Fixture *f, const gchar *id, SdMessageStatus status)
{
  g_autoptr(SdMessage) message = get_message (f, id);

  return message->status == status;
}

static const StoreCall *
store_call (Fixture *f, guint i)
{
  return g_ptr_array_index (f->stores, i);
}

static void
test_delivered_and_synced (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = queue_text (f, SD_EXPIRATION_OFF, 0);
  g_autoptr(SdMessage) message = NULL;

  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (is_synced (f, id));
  message = get_message (f, id);
  g_assert_cmpint (message->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_cmpstr (message->server_hash, ==, "hash-1");
  g_assert_cmpstr (message->sync_hash, ==, "hash-2");
  /* to Alice's swarm, then the copy to ours, both kept 14 days */
  g_assert_cmpuint (f->stores->len, ==, 2);
  g_assert_cmpstr (store_call (f, 0)->pubkey, ==, f->alice.session_id);
  g_assert_cmpstr (store_call (f, 1)->pubkey, ==, f->me.session_id);
  g_assert_cmpint (store_call (f, 0)->ttl, ==, SD_MESSAGE_TTL_MS);
  g_assert_cmpint (store_call (f, 1)->ttl, ==, SD_MESSAGE_TTL_MS);
  g_assert_cmpuint (f->statuses->len, ==, 1);
  g_assert_cmpint (g_array_index (f->statuses, SdMessageStatus, 0), ==, SD_MESSAGE_STATUS_SENT);
}

/* the TTLs come from the expiration table (docs/expiration-rules.md) */
static void
test_ttl_from_rules (Fixture *f, gconstpointer data)
{
  g_autofree gchar *after_send = queue_text (f, SD_EXPIRATION_AFTER_SEND, 43200);
  g_autofree gchar *after_read = queue_text (f, SD_EXPIRATION_AFTER_READ, 300);

  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (is_synced (f, after_send) && is_synced (f, after_read));
  g_assert_cmpuint (f->stores->len, ==, 4);
  for (guint i = 0; i < f->stores->len; i++) {
    const StoreCall *call = store_call (f, i);
    gboolean own = g_str_equal (call->pubkey, f->me.session_id);

    /* after-send: the timer everywhere; after-read: 14 days to Alice, the timer at home */
    g_assert_true (call->ttl == 43200 * 1000 ||
                   call->ttl == (own ? 300 * 1000 : SD_MESSAGE_TTL_MS));
  }
}

static void
test_swarm_moved (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = queue_text (f, SD_EXPIRATION_OFF, 0);
  g_autoptr(SdMessage) message = NULL;

  f->answer_421 = 1;
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (has_status (f, id, SD_MESSAGE_STATUS_SENT));
  message = get_message (f, id);
  g_assert_cmpstr (message->server_hash, ==, "hash-2");
  /* the same request went to another member at once: not a failed attempt */
  g_assert_cmpuint (f->stores->len, >=, 2);
  g_assert_cmpstr (store_call (f, 1)->pubkey, ==, f->alice.session_id);
  g_assert_cmpuint (store_call (f, 0)->node, !=, store_call (f, 1)->node);
  g_assert_cmpint (store_call (f, 1)->at_ms - store_call (f, 0)->at_ms, <, RETRY_BASE_MS * 50);
  g_assert_cmpuint (f->statuses->len, ==, 1);
}

static void
test_clock_skew (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = queue_text (f, SD_EXPIRATION_OFF, 0);

  f->answer_406 = 1;
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (has_status (f, id, SD_MESSAGE_STATUS_SENT));
  /* the node was asked for its time and the same node took the store again */
  g_assert_cmpuint (f->infos, ==, 1);
  g_assert_cmpuint (f->stores->len, >=, 2);
  g_assert_cmpuint (store_call (f, 0)->node, ==, store_call (f, 1)->node);
}

static void
test_gives_up (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = queue_text (f, SD_EXPIRATION_OFF, 0);
  g_autoptr(SdMessage) message = NULL;
  gint64 delay = RETRY_BASE_MS;

  f->refuse = TRUE;
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (has_status (f, id, SD_MESSAGE_STATUS_FAILED));
  message = get_message (f, id);
  g_assert_nonnull (strstr (message->error, "403"));
  g_assert_null (message->sync_hash);
  /* bounded: exactly the allowed attempts, each after twice the previous wait */
  g_assert_cmpuint (f->stores->len, ==, SD_SENDER_MAX_ATTEMPTS);
  for (guint i = 1; i < f->stores->len; i++, delay *= 2)
    g_assert_cmpint (store_call (f, i)->at_ms - store_call (f, i - 1)->at_ms, >=, delay - 1);
  /* one status change: sending → failed; no sync copy is attempted */
  g_assert_cmpuint (f->statuses->len, ==, 1);
  g_assert_cmpint (g_array_index (f->statuses, SdMessageStatus, 0), ==,
                   SD_MESSAGE_STATUS_FAILED);
  for (guint i = 0; i < f->stores->len; i++)
    g_assert_cmpstr (store_call (f, i)->pubkey, ==, f->alice.session_id);
}

static guint
count_status (Fixture *f, SdMessageStatus status)
{
  guint n = 0;

  for (guint i = 0; i < f->statuses->len; i++)
    n += g_array_index (f->statuses, SdMessageStatus, i) == status;
  return n;
}

static gboolean
all_synced (Fixture *f, GPtrArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    if (!is_synced (f, g_ptr_array_index (ids, i)))
      return FALSE;
  return TRUE;
}

/* several stores start before any finishes: at most 6 in all, 4 of one conversation */
static void
test_several_in_flight (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint to_alice = 0;

  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (ids, queue_kind (f, &f->bob, SD_MESSAGE_KIND_TEXT, SD_EXPIRATION_OFF, 0));
  sd_sender_set_limits (f->sender, 6, 4, 1);
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (all_synced (f, ids));

  /* 9 deliveries and 9 sync copies; the first six stores were sent before any status changed,
   * the seventh only once one finished */
  g_assert_cmpuint (f->stores->len, ==, 18);
  for (guint i = 0; i < 6; i++) {
    g_assert_cmpuint (store_call (f, i)->changed, ==, 0);
    to_alice += g_str_equal (store_call (f, i)->pubkey, f->alice.session_id);
  }
  g_assert_cmpuint (to_alice, ==, 4);
  g_assert_cmpuint (store_call (f, 6)->changed, >=, 1);
  /* one status change each: sending → sent */
  g_assert_cmpuint (f->statuses->len, ==, 9);
  g_assert_cmpuint (count_status (f, SD_MESSAGE_STATUS_SENT), ==, 9);
}

/* a recipient whose swarm refuses every store holds up nobody else */
static void
test_failure_blocks_nobody (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *to_bob = queue_kind (f, &f->bob, SD_MESSAGE_KIND_TEXT, SD_EXPIRATION_OFF, 0);
  guint bob_stores = 0;

  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  f->refuse_pubkey = f->bob.session_id;
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (has_status (f, to_bob, SD_MESSAGE_STATUS_FAILED));
  g_assert_true (all_synced (f, ids));
  /* Alice's five were sent while Bob's was still being retried; it failed last */
  g_assert_cmpuint (f->statuses->len, ==, 6);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (g_array_index (f->statuses, SdMessageStatus, i), ==,
                     SD_MESSAGE_STATUS_SENT);
  g_assert_cmpint (g_array_index (f->statuses, SdMessageStatus, 5), ==,
                   SD_MESSAGE_STATUS_FAILED);
  for (guint i = 0; i < f->stores->len; i++)
    bob_stores += g_str_equal (store_call (f, i)->pubkey, f->bob.session_id);
  g_assert_cmpuint (bob_stores, ==, SD_SENDER_MAX_ATTEMPTS);
}

/* items for one swarm that start together go as one batch; a store the batch answer refuses is
 * retried alone, the others are done */
static void
test_batched (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint retried = 0;

  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  f->refuse_nth = 3;
  sd_sender_set_limits (f->sender, 16, 12, 8);
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (all_synced (f, ids));

  /* 8 + 2 deliveries at once, then the sync copies (and the refused one again) */
  g_assert_cmpuint (f->batches, >=, 3);
  for (guint i = 0; i < 10; i++) {
    g_assert_cmpstr (store_call (f, i)->pubkey, ==, f->alice.session_id);
    g_assert_true (store_call (f, i)->in_batch);
    g_assert_cmpuint (store_call (f, i)->changed, ==, 0);
  }
  g_assert_cmpuint (f->stores->len, ==, 21);
  for (guint i = 10; i < f->stores->len; i++)
    retried += g_str_equal (store_call (f, i)->pubkey, f->alice.session_id);
  g_assert_cmpuint (retried, ==, 1);
  g_assert_cmpuint (f->statuses->len, ==, 10);
  g_assert_cmpuint (count_status (f, SD_MESSAGE_STATUS_SENT), ==, 10);
}

/* a timer update waits for the conversation's earlier messages (and their sync copies) and the
 * later ones wait for it, as when one item went at a time; other texts overlap */
static void
test_timer_update_alone (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint alice_seen = 0;
  guint own_seen = 0;

  g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  g_ptr_array_add (ids, queue_kind (f, &f->alice, SD_MESSAGE_KIND_EXPIRATION_UPDATE,
                                    SD_EXPIRATION_AFTER_SEND, 86400));
  g_ptr_array_add (ids, queue_kind (f, &f->alice, SD_MESSAGE_KIND_TEXT,
                                    SD_EXPIRATION_AFTER_SEND, 86400));
  sd_sender_start (f->sender);
  SD_TEST_WAIT_UNTIL (all_synced (f, ids));
  g_assert_cmpuint (f->stores->len, ==, 8);
  for (guint i = 0; i < f->stores->len; i++) {
    const StoreCall *call = store_call (f, i);

    if (!g_str_equal (call->pubkey, f->alice.session_id)) {
      own_seen++;
      continue;
    }
    switch (alice_seen++) {
    case 0:
    case 1:
      /* the two texts, together */
      g_assert_cmpuint (call->changed, ==, 0);
      break;
    case 2:
      /* the timer update: both texts sent and their copies stored */
      g_assert_cmpuint (call->changed, ==, 2);
      g_assert_cmpuint (own_seen, ==, 2);
      break;
    default:
      /* the text after it: the update sent and its copy stored */
      g_assert_cmpuint (call->changed, ==, 3);
      g_assert_cmpuint (own_seen, ==, 3);
      break;
    }
  }
  g_assert_cmpuint (alice_seen, ==, 4);
  g_assert_cmpuint (count_status (f, SD_MESSAGE_STATUS_SENT), ==, 4);
}

/* a lone message goes at once; what comes for the same swarm while its store is on the way
 * waits for it and goes as one batch (the window is long here, so only the store's end can
 * release them) */
static void
test_gathered (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint alone = 0;
  guint gathered = 0;
  guint own = 0;

  g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
  sd_sender_set_limits (f->sender, 16, 12, 8);
  sd_sender_set_gather (f->sender, 10 * 60 * 1000, 0);
  sd_sender_start (f->sender);
  for (guint i = 0; i < 5; i++) {
    g_ptr_array_add (ids, queue_text (f, SD_EXPIRATION_OFF, 0));
    sd_sender_kick (f->sender);
  }
  SD_TEST_WAIT_UNTIL (all_synced (f, ids));

  for (guint i = 0; i < f->stores->len; i++) {
    const StoreCall *call = store_call (f, i);

    if (!g_str_equal (call->pubkey, f->alice.session_id)) {
      own++;
      continue;
    }
    if (!call->in_batch) {
      /* the first, before anything had changed */
      g_assert_cmpuint (call->changed, ==, 0);
      alone++;
    } else {
      /* the five, once the first was sent */
      g_assert_cmpuint (call->changed, >=, 1);
      gathered++;
    }
  }
  g_assert_cmpuint (alone, ==, 1);
  g_assert_cmpuint (gathered, ==, 5);
  /* the first's sync copy alone, the five others' in one batch */
  g_assert_cmpuint (own, ==, 6);
  g_assert_cmpuint (f->batches, ==, 2);
  g_assert_cmpuint (count_status (f, SD_MESSAGE_STATUS_SENT), ==, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/daemon/sender/delivered-and-synced", test_delivered_and_synced);
  ADD ("/daemon/sender/ttl-from-rules", test_ttl_from_rules);
  ADD ("/daemon/sender/swarm-moved", test_swarm_moved);
  ADD ("/daemon/sender/clock-skew", test_clock_skew);
  ADD ("/daemon/sender/gives-up", test_gives_up);
  ADD ("/daemon/sender/several-in-flight", test_several_in_flight);
  ADD ("/daemon/sender/failure-blocks-nobody", test_failure_blocks_nobody);
  ADD ("/daemon/sender/timer-update-alone", test_timer_update_alone);
  ADD ("/daemon/sender/batched", test_batched);
  ADD ("/daemon/sender/gathered", test_gathered);
#undef ADD
  return g_test_run ();
}
