/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdIngest on crafted retrieve batches: real envelopes built with the protocol code for a
 * test account, applied to a real store; the assertions are on what the store then holds */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-content.h"
#include "sd-expiration-rules.h"
#include "sd-daemon-test-util.h"
#include "sd-encoding.h"
#include "sd-ingest.h"
#include "sd-protobuf.h"
#include "sd-wire.h"

#define T G_GINT64_CONSTANT (1754971101000)
#define NODE "9d1ea0b6e1f5e0f06a2e7de2b6d30e0c3f1e1d7a6a9a4ae2a3d9c0c0a1b2c3d4"

typedef struct {
  SdTestStore test_store;
  SdStore *store;    /* (unowned) test_store's */
  SdIdentity me;
  SdIdentity alice;
  GPtrArray *items;  /* (element-type SdRetrieveItem) the batch being built */
  guint n_items;     /* for unique hashes */
  GPtrArray *typing; /* authors that were shown typing */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  sd_test_identity_from_byte (&f->me, 1);
  sd_test_identity_from_byte (&f->alice, 2);
  sd_test_store_init (&f->test_store, &f->me);
  f->store = f->test_store.store;
  f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);
  f->typing = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sd_test_store_clear (&f->test_store);
  g_ptr_array_unref (f->items);
  g_ptr_array_unref (f->typing);
}

/* an item as a node returns it, with a hash of its own */
static const gchar *
add_raw (Fixture *f, GBytes *wire)
{
  SdRetrieveItem *item = g_new0 (SdRetrieveItem, 1);
  guint8 digest[32];

  crypto_generichash (digest, sizeof digest, g_bytes_get_data (wire, NULL),
                      g_bytes_get_size (wire), (const guint8 *) &f->n_items,
                      sizeof f->n_items);
  f->n_items++;
  item->hash = sd_base64_encode (digest, sizeof digest, FALSE);
  item->data_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                     TRUE);
  item->expiration = T + 14 * 86400000LL;
  g_ptr_array_add (f->items, item);
  return item->hash;
}

/* @content from @sender to us at @t, wrapped as the official clients do */
static const gchar *
add (Fixture *f, const SdIdentity *sender, GBytes *content, gint64 t)
{
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (sender, f->me.x25519_pk, (guint64) t,
                                               g_bytes_get_data (content, NULL),
                                               g_bytes_get_size (content), SD_WIRE_FLAG_NONE);

  g_assert_nonnull (wire);
  return add_raw (f, wire);
}

static const gchar *
add_text (Fixture *f, const SdIdentity *sender, const gchar *body, gint64 t)
{
  g_autoptr(GBytes) content = sd_content_pack_text (body, (guint64) t, "Alice", 1, NULL);

  return add (f, sender, content, t);
}

static void
on_typing (const gchar *author, gboolean typing, gpointer user_data)
{
  Fixture *f = user_data;

  if (typing)
    g_ptr_array_add (f->typing, g_strdup (author));
}

/* applies the batch built so far, as the poller does, and starts a new one */
static SdStoreChanges *
ingest (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  SdStoreChanges *changes = NULL;

  g_assert_true (sd_ingest_messages (f->store, &f->me, NODE, f->items, on_typing, f, &changes,
                                     &error));
  g_assert_no_error (error);
  g_ptr_array_set_size (f->items, 0);
  return changes;
}

static GPtrArray *
messages_of (Fixture *f, const gchar *conversation)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *messages = sd_store_get_messages (f->store, conversation, 0, 0, 0, &error);

  g_assert_no_error (error);
  return messages;
}

static gboolean
is_seen (Fixture *f, const gchar *hash)
{
  gboolean seen = FALSE;

  g_assert_true (sd_store_is_seen (f->store, hash, &seen, NULL));
  return seen;
}

static void
test_good_message (Fixture *f, gconstpointer data)
{
  g_autofree gchar *hash = g_strdup (add_text (f, &f->alice, "hello", T));
  g_autoptr(SdStoreChanges) changes = ingest (f);
  g_autoptr(GPtrArray) messages = messages_of (f, f->alice.session_id);
  g_autoptr(SdConversation) conversation = sd_store_get_conversation (f->store,
                                                                      f->alice.session_id,
                                                                      NULL);
  g_autofree gchar *last = sd_store_get_last_hash (f->store, NODE, 0, NULL);
  SdMessage *message;

  g_assert_nonnull (changes);
  g_assert_cmpuint (changes->new_messages->len, ==, 1);
  g_assert_cmpuint (messages->len, ==, 1);
  message = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (message->body, ==, "hello");
  g_assert_cmpstr (message->author, ==, f->alice.session_id);
  g_assert_cmpint (message->sent_at, ==, T);
  g_assert_false (message->outgoing);
  g_assert_cmpstr (message->server_hash, ==, hash);
  /* a stranger's first message is a request, with the profile it carried */
  g_assert_nonnull (conversation);
  g_assert_false (conversation->approved);
  g_assert_cmpstr (conversation->name, ==, "Alice");
  g_assert_true (is_seen (f, hash));
  g_assert_cmpstr (last, ==, hash);
}

/* the inner layer of @wire with one byte of the sender's signature flipped, sealed to us
 * again: decrypts fine, does not verify */
static GBytes *
forge_signature (Fixture *f, GBytes *wire)
{
  g_autoptr(GBytes) forged = NULL;
  SessionWebSocket__WebSocketMessage *socket = session_web_socket__web_socket_message__unpack (
    NULL, g_bytes_get_size (wire), g_bytes_get_data (wire, NULL));
  SessionProtos__Envelope *envelope;
  gsize sealed_len, opened_len, len;
  guint8 *opened, *resealed, *out;

  g_assert_nonnull (socket);
  envelope = session_protos__envelope__unpack (NULL, socket->request->body.len,
                                               socket->request->body.data);
  g_assert_nonnull (envelope);
  sealed_len = envelope->content.len;
  opened_len = sealed_len - crypto_box_SEALBYTES;
  opened = g_malloc (opened_len);
  g_assert_cmpint (crypto_box_seal_open (opened, envelope->content.data, sealed_len,
                                         f->me.x25519_pk, f->me.x25519_sk), ==, 0);
  /* content ‖ sender Ed25519 key (32) ‖ signature (64) */
  opened[opened_len - 1] ^= 0x01;
  resealed = g_malloc (sealed_len);
  g_assert_cmpint (crypto_box_seal (resealed, opened, opened_len, f->me.x25519_pk), ==, 0);
  g_free (envelope->content.data);
  envelope->content.data = resealed;
  len = session_protos__envelope__get_packed_size (envelope);
  out = g_malloc (len);
  session_protos__envelope__pack (envelope, out);
  g_free (socket->request->body.data);
  socket->request->body.data = out;
  socket->request->body.len = len;
  len = session_web_socket__web_socket_message__get_packed_size (socket);
  out = g_malloc (len);
  session_web_socket__web_socket_message__pack (socket, out);
  forged = g_bytes_new_take (out, len);
  /* protobuf-c frees the swapped-in buffers with free(), which g_malloc's memory allows */
  g_free (opened);
  session_protos__envelope__free_unpacked (envelope, NULL);
  session_web_socket__web_socket_message__free_unpacked (socket, NULL);
  return g_steal_pointer (&forged);
}

static void
test_bad_signature (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) content = sd_content_pack_text ("forged", (guint64) T, NULL, 0, NULL);
  g_autoptr(GBytes) wire = sd_wire_wrap_bytes (&f->alice, f->me.x25519_pk, (guint64) T,
                                               g_bytes_get_data (content, NULL),
                                               g_bytes_get_size (content), SD_WIRE_FLAG_NONE);
  g_autoptr(GBytes) forged = forge_signature (f, wire);
  g_autofree gchar *bad = g_strdup (add_raw (f, forged));
  g_autofree gchar *good = g_strdup (add_text (f, &f->alice, "genuine", T + 1));
  g_autoptr(SdStoreChanges) changes = ingest (f);
  g_autoptr(GPtrArray) messages = messages_of (f, f->alice.session_id);

  /* one bad item never spoils the batch; it is seen, so it is never decrypted again */
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (messages, 0))->body, ==, "genuine");
  g_assert_true (is_seen (f, bad));
  g_assert_true (is_seen (f, good));
}

static void
test_duplicates (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) content = sd_content_pack_text ("once", (guint64) T, NULL, 0, NULL);
  g_autoptr(SdStoreChanges) first = NULL;
  g_autoptr(SdStoreChanges) again = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  SdRetrieveItem *copy;

  add (f, &f->alice, content, T);
  /* the same item twice in one answer (two nodes' pages overlap) */
  copy = g_new0 (SdRetrieveItem, 1);
  copy->hash = g_strdup (((SdRetrieveItem *) g_ptr_array_index (f->items, 0))->hash);
  copy->data_b64 = g_strdup (((SdRetrieveItem *) g_ptr_array_index (f->items, 0))->data_b64);
  g_ptr_array_add (f->items, copy);
  /* the same (author, T) under another hash: a second store of the same message */
  add (f, &f->alice, content, T);
  first = ingest (f);
  g_assert_cmpuint (first->new_messages->len, ==, 1);

  /* the same answer later adds nothing */
  add (f, &f->alice, content, T);
  again = ingest (f);
  g_assert_true (again == NULL || again->new_messages->len == 0);
  messages = messages_of (f, f->alice.session_id);
  g_assert_cmpuint (messages->len, ==, 1);
}

static void
test_unknown_content (Fixture *f, gconstpointer data)
{
  SessionProtos__Content empty = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__Content odd = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage flagged = SESSION_PROTOS__DATA_MESSAGE__INIT;
  g_autoptr(GBytes) empty_bytes = NULL;
  g_autoptr(GBytes) odd_bytes = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autofree gchar *garbage_hash = NULL;
  g_autofree gchar *empty_hash = NULL;
  gsize len;
  guint8 *out;

  /* nothing we know of in it, or a DataMessage flag nobody understands (§8.4) */
  empty.has_sigtimestamp = TRUE;
  empty.sigtimestamp = (guint64) T;
  len = session_protos__content__get_packed_size (&empty);
  out = g_malloc (len);
  session_protos__content__pack (&empty, out);
  empty_bytes = g_bytes_new_take (out, len);
  flagged.body = (char *) "unseen";
  flagged.has_flags = TRUE;
  flagged.flags = 4;
  odd.datamessage = &flagged;
  odd.has_sigtimestamp = TRUE;
  odd.sigtimestamp = (guint64) T + 1;
  len = session_protos__content__get_packed_size (&odd);
  out = g_malloc (len);
  session_protos__content__pack (&odd, out);
  odd_bytes = g_bytes_new_take (out, len);

  empty_hash = g_strdup (add (f, &f->alice, empty_bytes, T));
  add (f, &f->alice, odd_bytes, T + 1);
  {
    g_autoptr(GBytes) garbage = g_bytes_new_static ("not a message", 13);

    garbage_hash = g_strdup (add_raw (f, garbage));
  }
  changes = ingest (f);
  g_assert_true (changes == NULL || changes->new_messages->len == 0);
  conversations = sd_store_list_conversations (f->store, NULL);
  g_assert_cmpuint (conversations->len, ==, 0);
  g_assert_true (is_seen (f, empty_hash));
  g_assert_true (is_seen (f, garbage_hash));
}

static void
test_blocked_sender (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  g_assert_true (sd_store_open_conversation (f->store, f->alice.session_id, T - 1000, &error));
  g_assert_true (sd_store_set_blocked (f->store, f->alice.session_id, TRUE, &error));
  add_text (f, &f->alice, "let me in", T);
  changes = ingest (f);
  g_assert_nonnull (changes);
  g_assert_cmpuint (changes->new_messages->len, ==, 0);
  g_assert_cmpuint (changes->n_dropped, ==, 1);
  messages = messages_of (f, f->alice.session_id);
  g_assert_cmpuint (messages->len, ==, 0);
}

/* our own copy of a message to Alice becomes our outgoing message in her conversation; one
 * without syncTarget is not a sync copy */
static void
test_sync_copy (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) sync = sd_content_pack_text ("from my phone", (guint64) T, NULL, 0,
                                                 f->alice.session_id);
  g_autoptr(GBytes) stray = sd_content_pack_text ("no target", (guint64) T + 1, NULL, 0, NULL);
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  SdMessage *message;

  add (f, &f->me, sync, T);
  add (f, &f->me, stray, T + 1);
  changes = ingest (f);
  messages = messages_of (f, f->alice.session_id);
  g_assert_cmpuint (messages->len, ==, 1);
  message = g_ptr_array_index (messages, 0);
  g_assert_true (message->outgoing);
  g_assert_cmpstr (message->author, ==, f->me.session_id);
  g_assert_cmpstr (message->body, ==, "from my phone");
}

static void
test_typing_and_receipts (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) typing = sd_content_pack_typing ((guint64) T, TRUE);
  g_autoptr(GBytes) stale = sd_content_pack_typing ((guint64) T - 5, TRUE);
  g_autoptr(SdStoreChanges) changes = NULL;

  add (f, &f->alice, typing, T);
  /* a typing message must carry its own envelope time (§5) */
  add (f, &f->alice, stale, T + 1);
  changes = ingest (f);
  g_assert_cmpuint (f->typing->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->typing, 0), ==, f->alice.session_id);
}


/* ---- what a hostile node (or sender) decides, bounded (issue 14) ---- */

/* a text from alice at @t with a disappearing setting */
static const gchar *
add_disappearing (Fixture *f, gint64 t, gint mode, guint32 timer)
{
  SdTextContent text = { .body = "disappearing", .sent_at = (guint64) t,
                         .expiration_type = mode, .expiration_timer = timer };
  g_autoptr(GBytes) content = sd_content_pack_text_full (&text);

  return add (f, &f->alice, content, t);
}

static SdMessage *
only_message_of_alice (Fixture *f)
{
  g_autoptr(GPtrArray) messages = messages_of (f, f->alice.session_id);

  g_assert_cmpuint (messages->len, ==, 1);
  return sd_message_copy (g_ptr_array_index (messages, 0));
}

static void
test_seen_expiry_bounded (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(GBytes) junk = g_bytes_new_static ("not a message", 13);
  /* items that never become a message: only their seen rows keep them from being decoded
   * again (a stored message's hash is seen for as long as the message is stored) */
  g_autofree gchar *far = g_strdup (add_raw (f, junk));
  g_autofree gchar *none = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  guint pruned = 0;

  /* the node says the item lives until 2100 */
  ((SdRetrieveItem *) g_ptr_array_index (f->items, 0))->expiration = 4102444800000;
  none = g_strdup (add_raw (f, junk));
  ((SdRetrieveItem *) g_ptr_array_index (f->items, 1))->expiration = 0;
  changes = ingest (f);
  g_assert_true (is_seen (f, far));
  g_assert_true (is_seen (f, none));
  /* the hash is forgotten after at most the longest TTL a node accepts, 30 days */
  g_assert_true (sd_store_prune_seen (f->store, now + SD_INGEST_MAX_TTL_MS + 60000, &pruned,
                                      NULL));
  g_assert_false (is_seen (f, far));
  g_assert_false (is_seen (f, none));
  g_assert_cmpuint (pruned, ==, 2);

  /* the helper itself: within [now, now + 30 d], the default when none */
  g_assert_cmpint (sd_ingest_seen_expiry (0, now), ==, now + SD_MESSAGE_TTL_MS);
  g_assert_cmpint (sd_ingest_seen_expiry (-5, now), ==, now + SD_MESSAGE_TTL_MS);
  g_assert_cmpint (sd_ingest_seen_expiry (G_MAXINT64, now), ==, now + SD_INGEST_MAX_TTL_MS);
  g_assert_cmpint (sd_ingest_seen_expiry (now + 1000, now), ==, now + 1000);
  g_assert_cmpint (sd_ingest_seen_expiry (now - 1000, now), ==, now);
}

static void
test_sent_time_bounds (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / 1000;
  g_autofree gchar *future = NULL;
  g_autofree gchar *huge = NULL;
  g_autofree gchar *ancient = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) message = NULL;

  future = g_strdup (add_text (f, &f->alice, "from 2 days ahead", now + 2 * 86400000LL));
  /* T near the top of the range: t + timer would overflow */
  huge = g_strdup (add_disappearing (f, G_MAXINT64 - 1000, 2, 86400));
  ancient = g_strdup (add_text (f, &f->alice, "seconds, not ms", 1700000000));
  add_text (f, &f->alice, "an hour ahead is a skewed clock", now + 3600000);
  changes = ingest (f);
  /* dropped, but seen: they are never looked at again */
  g_assert_true (is_seen (f, future));
  g_assert_true (is_seen (f, huge));
  g_assert_true (is_seen (f, ancient));
  message = only_message_of_alice (f);
  g_assert_cmpstr (message->body, ==, "an hour ahead is a skewed clock");

  g_assert_true (sd_ingest_sent_time_ok ((guint64) now, now));
  g_assert_true (sd_ingest_sent_time_ok ((guint64) (now + SD_INGEST_MAX_FUTURE_MS), now));
  g_assert_false (sd_ingest_sent_time_ok ((guint64) (now + SD_INGEST_MAX_FUTURE_MS + 1), now));
  g_assert_false (sd_ingest_sent_time_ok (G_MAXUINT64, now));
  g_assert_false (sd_ingest_sent_time_ok (0, now));
}

static void
test_timers_limited (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) message = NULL;

  /* after send, 7 s: not offered; the next offered (10 s) is used */
  add_disappearing (f, now, 2, 7);
  changes = ingest (f);
  message = only_message_of_alice (f);
  g_assert_cmpint (message->expiration_mode, ==, SD_EXPIRATION_AFTER_SEND);
  g_assert_cmpuint (message->expiration_timer, ==, 10);
  g_assert_cmpint (message->expires_at, ==, now + 10000);

  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_SEND, 0), ==, 0);
  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_SEND, 86400), ==, 86400);
  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_SEND, 61), ==, 43200);
  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_READ, 61), ==, 300);
  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_READ, G_MAXUINT32), ==, 1209600);
  g_assert_cmpuint (sd_expiration_timer_round_up (SD_EXPIRATION_AFTER_SEND, G_MAXUINT32), ==, 1209600);
}

static void
test_huge_timer (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) message = NULL;

  /* 136 years: at most the longest offered timer, two weeks */
  add_disappearing (f, now, 2, G_MAXUINT32);
  changes = ingest (f);
  message = only_message_of_alice (f);
  g_assert_cmpuint (message->expiration_timer, ==, 1209600);
  g_assert_cmpint (message->expires_at, ==, now + 1209600000LL);
}

static void
test_no_sig_timestamp (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / 1000;
  SessionProtos__DataMessage message_pb = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__Content content_pb = SESSION_PROTOS__CONTENT__INIT;
  g_autofree guint8 *packed = NULL;
  gsize len;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(SdMessage) message = NULL;

  /* a legacy sender: no sigTimestamp, so T is only the envelope's (unsigned) time */
  message_pb.body = (gchar *) "legacy";
  content_pb.datamessage = &message_pb;
  len = session_protos__content__get_packed_size (&content_pb);
  packed = g_malloc (len);
  session_protos__content__pack (&content_pb, packed);
  content = g_bytes_new (packed, len);
  add (f, &f->alice, content, now);
  add (f, &f->alice, content, now + 3 * 86400000LL);
  changes = ingest (f);
  /* accepted as desktop does, within the same bounds as any T */
  message = only_message_of_alice (f);
  g_assert_cmpstr (message->body, ==, "legacy");
  g_assert_cmpint (message->sent_at, ==, now);
}

/* a page applied in slices: each slice is one transaction that moves its cursors to its last
 * item, the end keys only with the slice that reaches the end, so a crash between two slices
 * resumes after the last one applied */
static void
test_slices (Fixture *f, gconstpointer data)
{
  SdIngestCursor cursor = { 0, { "swarm", NULL }, { "other", NULL } };
  const gchar *hashes[5];
  guint position = 0;
  guint expected[] = { 2, 4, 5 };

  for (guint i = 0; i < G_N_ELEMENTS (hashes); i++) {
    g_autofree gchar *body = g_strdup_printf ("slice %u", i);

    hashes[i] = add_text (f, &f->alice, body, T + i);
  }
  for (guint round = 0; round < G_N_ELEMENTS (expected); round++) {
    g_autoptr(SdStoreChanges) changes = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) messages = NULL;
    g_autofree gchar *swarm = NULL;
    g_autofree gchar *other = NULL;

    g_assert_true (sd_ingest_slice (f->store, &f->me, f->items, &position, 2, 0, &cursor, T,
                                    NULL, NULL, &changes, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (position, ==, expected[round]);
    g_assert_nonnull (changes);
    g_assert_cmpuint (changes->new_messages->len, ==, round < 2 ? 2 : 1);
    messages = messages_of (f, f->alice.session_id);
    g_assert_cmpuint (messages->len, ==, expected[round]);
    swarm = sd_store_get_last_hash (f->store, "swarm", 0, NULL);
    g_assert_cmpstr (swarm, ==, hashes[expected[round] - 1]);
    other = sd_store_get_last_hash (f->store, "other", 0, NULL);
    g_assert_cmpstr (other, ==, round < 2 ? NULL : hashes[4]);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/daemon/ingest/good-message", test_good_message);
  ADD ("/daemon/ingest/bad-signature", test_bad_signature);
  ADD ("/daemon/ingest/duplicates", test_duplicates);
  ADD ("/daemon/ingest/unknown-content", test_unknown_content);
  ADD ("/daemon/ingest/blocked-sender", test_blocked_sender);
  ADD ("/daemon/ingest/sync-copy", test_sync_copy);
  ADD ("/daemon/ingest/typing", test_typing_and_receipts);
  ADD ("/daemon/ingest/seen-expiry-bounded", test_seen_expiry_bounded);
  ADD ("/daemon/ingest/sent-time-bounds", test_sent_time_bounds);
  ADD ("/daemon/ingest/timers-limited", test_timers_limited);
  ADD ("/daemon/ingest/huge-timer", test_huge_timer);
  ADD ("/daemon/ingest/no-sig-timestamp", test_no_sig_timestamp);
  ADD ("/daemon/ingest/slices", test_slices);
#undef ADD
  return g_test_run ();
}
