/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdConfigSync on a real store, without a network: received configs are merged and applied,
 * hostile items change nothing, local changes are recorded, persisted and keep the keys we
 * do not know */

#include <string.h>

#include <sqlite3.h>

#include "sd-blinding.h"
#include "sd-config-blinded-contacts.h"
#include "sd-config-contacts.h"
#include "sd-config-convo-info.h"
#include "sd-config-crypto.h"
#include "sd-config-kind.h"
#include "sd-config-merge.h"
#include "sd-config-message.h"
#include "sd-config-push.h"
#include "sd-config-sync.h"
#include "sd-config-user-profile.h"
#include "sd-daemon-test-util.h"
#include "sd-storage-rpc.h"
#include "sd-store-communities.h"
#include "sd-store-rows.h"

#define NODE "aa00000000000000000000000000000000000000000000000000000000000000"
#define NS_PROFILE 2
#define NS_CONTACTS 3
#define NS_CONVO 4

typedef struct {
  SdIdentity me;
  SdIdentity peer;
  SdTestStore store;
  SdConfigSync *sync;
  guint n_hashes;
} Fixture;

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  sd_test_identity_from_byte (&fixture->me, 1);
  sd_test_identity_from_byte (&fixture->peer, 2);
  sd_test_store_init (&fixture->store, &fixture->me);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  g_clear_object (&fixture->sync);
  sd_test_store_clear (&fixture->store);
}

static GPtrArray *
new_items (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);
}

/* what the poller hands over for a page from NODE's own cursor that did not move the swarm's */
static void
receive (Fixture *fixture, gint namespace_, GPtrArray *items, gboolean complete)
{
  SdIngestCursor cursor = { namespace_, { NODE, NULL }, { NULL, NULL } };

  sd_config_sync_receive (fixture->sync, &cursor, items, complete);
}

/* one retrieved item holding @blob */
static SdRetrieveItem *
item_new (Fixture *fixture, GBytes *blob)
{
  SdRetrieveItem *item = g_new0 (SdRetrieveItem, 1);

  item->hash = g_strdup_printf ("testhash%035u", ++fixture->n_hashes);
  item->data_b64 = g_base64_encode (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  item->timestamp = 1700000000000;
  return item;
}

static void
receive_blob (Fixture *fixture, gint namespace_, GBytes *blob)
{
  g_autoptr(GPtrArray) items = new_items ();

  g_ptr_array_add (items, item_new (fixture, blob));
  receive (fixture, namespace_, items, TRUE);
}

static GBytes *
push_of (Fixture *fixture, SdConfigKind kind, SdConfigMessage *message)
{
  g_autoptr(GBytes) plain = sd_config_message_serialize (message);
  g_autoptr(GError) error = NULL;
  GBytes *blob = sd_config_push_encode (&fixture->me, kind, sd_config_message_get_seqno (message),
                                        g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                        SD_CONFIG_PUSH_WRAPPED, &error);

  g_assert_no_error (error);
  return blob;
}

/* a Contacts message at seqno 1 from "another device": the peer, pinned, nicknamed, muted */
static SdConfigMessage *
contacts_message (Fixture *fixture, const gchar *nickname, gboolean with_unknown)
{
  g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  SdConfigMessage *message = sd_config_message_increment (empty);
  g_auto(SdConfigContact) contact = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *data = sd_config_message_get_data (message);

  sd_config_contact_init (&contact, fixture->peer.session_id);
  contact.name = g_strdup ("Peer");
  contact.nickname = g_strdup (nickname);
  contact.approved = TRUE;
  contact.approved_me = TRUE;
  contact.priority = 3;
  contact.notifications = SD_CONFIG_NOTIFY_DISABLED;
  contact.mute_until = 4102444800;
  contact.expiration = SD_CONFIG_EXPIRATION_AFTER_SEND;
  contact.expiration_seconds = 86400;
  contact.created = 1700000000;
  g_assert_true (sd_config_contacts_set (data, &contact, &error));
  if (with_unknown) {
    SdConfigValue *contacts = sd_config_value_dict_get (data, "c");
    SdConfigValue *entry = sd_config_value_dict_value (contacts, 0);

    /* a key a newer client writes */
    sd_config_value_dict_set_text (entry, "zz", sd_config_value_new_text ("future"));
  }
  return message;
}

static void
assert_peer_applied (Fixture *fixture, const gchar *nickname)
{
  g_autoptr(SdConversation) c = sd_store_get_conversation (fixture->store.store,
                                                           fixture->peer.session_id, NULL);

  g_assert_nonnull (c);
  g_assert_cmpstr (c->nickname, ==, nickname);
  g_assert_cmpstr (c->name, ==, "Peer");
  g_assert_true (c->approved);
  g_assert_true (c->they_approved);
  g_assert_false (c->blocked);
  g_assert_cmpint (c->priority, ==, 3);
  g_assert_cmpint (c->notify_mode, ==, SD_CONVERSATION_NOTIFY_NONE);
  g_assert_cmpint (c->muted_until, ==, G_GINT64_CONSTANT (4102444800000));
  g_assert_cmpstr (c->expiration_mode, ==, "after-send");
  g_assert_cmpint (c->expiration_timer, ==, 86400);
}

static void
test_apply_contacts (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);

  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, -1);
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
  g_assert_false (sd_config_sync_has_pending (fixture->sync));
  assert_peer_applied (fixture, "Pal");
  g_assert_false (sd_config_sync_get_synced (fixture->sync));
  /* the same item again (a second node) changes nothing */
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
  g_assert_false (sd_config_sync_has_pending (fixture->sync));
}

static void
test_synced (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  const gint namespaces[] = { 2, 3, 4, 5 };

  for (guint i = 0; i < G_N_ELEMENTS (namespaces); i++) {
    g_assert_false (sd_config_sync_get_synced (fixture->sync));
    receive (fixture, namespaces[i], none, TRUE);
  }
  g_assert_true (sd_config_sync_get_synced (fixture->sync));
  /* and it stays so after a restart */
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  g_assert_true (sd_config_sync_get_synced (fixture->sync));
}

static void
test_merge_conflict (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) base = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(SdConfigMessage) a = sd_config_message_increment (base);
  g_autoptr(SdConfigMessage) b = sd_config_message_increment (base);
  g_autoptr(GBytes) blob_base = push_of (fixture, SD_CONFIG_KIND_CONTACTS, base);
  g_autoptr(GBytes) blob_a = NULL;
  g_autoptr(GBytes) blob_b = NULL;
  g_auto(SdConfigContact) contact = { 0 };
  g_autoptr(GPtrArray) items = new_items ();
  g_autoptr(SdConversation) c = NULL;
  g_autoptr(GError) error = NULL;

  receive_blob (fixture, NS_CONTACTS, blob_base);
  /* two devices change different fields at the same seqno */
  sd_config_contact_init (&contact, fixture->peer.session_id);
  g_assert_true (sd_config_contacts_get (sd_config_message_get_data (a), fixture->peer.session_id,
                                         &contact, NULL));
  g_free (contact.nickname);
  contact.nickname = g_strdup ("From A");
  g_assert_true (sd_config_contacts_set (sd_config_message_get_data (a), &contact, &error));
  contact.blocked = TRUE;
  g_free (contact.nickname);
  contact.nickname = g_strdup ("Pal");
  g_assert_true (sd_config_contacts_set (sd_config_message_get_data (b), &contact, &error));
  blob_a = push_of (fixture, SD_CONFIG_KIND_CONTACTS, a);
  blob_b = push_of (fixture, SD_CONFIG_KIND_CONTACTS, b);
  g_ptr_array_add (items, item_new (fixture, blob_a));
  g_ptr_array_add (items, item_new (fixture, blob_b));
  receive (fixture, NS_CONTACTS, items, TRUE);
  /* both changes survive, at seqno newest + 1, and the merge must be pushed */
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 3);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  c = sd_store_get_conversation (fixture->store.store, fixture->peer.session_id, NULL);
  g_assert_cmpstr (c->nickname, ==, "From A");
  g_assert_true (c->blocked);
}

/* a serialised message sealed raw (no wrapper) in @domain */
static GBytes *
seal (Fixture *fixture, const gchar *text, const gchar *domain)
{
  return sd_config_seal ((const guint8 *) text, strlen (text), fixture->me.ed25519_sk, domain);
}

static void
test_hostile (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) good = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  g_autoptr(SdConfigMessage) profile = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) before = NULL;
  guint8 zeros[512] = { 0 };
  guint8 *big = g_malloc0 (SD_CONFIG_MAX_MESSAGE + 1024);
  guint8 garbage[300];

  receive_blob (fixture, NS_CONTACTS, good);
  before = sd_store_list_conversations (fixture->store.store, NULL);

  /* only padding, encrypted */
  g_ptr_array_add (blobs, sd_config_encrypt (zeros, sizeof zeros, fixture->me.ed25519_sk,
                                             "Contacts"));
  /* "z" and no zstd frame after it */
  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) (i * 37 + 1);
  garbage[0] = 'z';
  g_ptr_array_add (blobs, sd_config_encrypt (garbage, sizeof garbage, fixture->me.ed25519_sk,
                                             "Contacts"));
  /* a well-formed message in another config's domain */
  g_ptr_array_add (blobs, push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, profile));
  /* a seqno past 2^63 - 2 */
  g_ptr_array_add (blobs, seal (fixture, "d1:#i9223372036854775807e1:&de1:<le1:=dee",
                                "Contacts"));
  /* a negative seqno, and a data dict that is not one */
  g_ptr_array_add (blobs, seal (fixture, "d1:#i-1e1:&de1:<le1:=dee", "Contacts"));
  g_ptr_array_add (blobs, seal (fixture, "d1:#i9e1:&i1e1:<le1:=dee", "Contacts"));
  /* larger than a node stores */
  g_ptr_array_add (blobs, g_bytes_new_take (big, SD_CONFIG_MAX_MESSAGE + 1024));
  /* random bytes, and nothing at all */
  g_ptr_array_add (blobs, g_bytes_new (garbage, sizeof garbage));
  g_ptr_array_add (blobs, g_bytes_new ("", 0));

  for (guint i = 0; i < blobs->len; i++) {
    g_autoptr(GPtrArray) after = NULL;

    g_test_message ("hostile blob %u", i);
    receive_blob (fixture, NS_CONTACTS, g_ptr_array_index (blobs, i));
    g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
    g_assert_false (sd_config_sync_has_pending (fixture->sync));
    after = sd_store_list_conversations (fixture->store.store, NULL);
    g_assert_cmpuint (after->len, ==, before->len);
    assert_peer_applied (fixture, "Pal");
  }
}

static void
test_local_change (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", TRUE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  g_auto(SdStoreUserConfig) row = { 0 };
  g_autoptr(SdConfigMessage) stored = NULL;
  g_auto(SdConfigContact) contact = { 0 };
  g_autoptr(GError) error = NULL;
  SdConfigValue *entry;
  gboolean found = FALSE;

  receive_blob (fixture, NS_CONTACTS, blob);
  /* nothing changed: nothing to push */
  sd_config_sync_contact_changed (fixture->sync, fixture->peer.session_id, 0);
  g_assert_false (sd_config_sync_has_pending (fixture->sync));

  g_assert_true (sd_store_set_nickname (fixture->store.store, fixture->peer.session_id, "Buddy",
                                        &error));
  sd_config_sync_contact_changed (fixture->sync, fixture->peer.session_id, 0);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 2);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  /* a second change before the push stays in the same seqno */
  g_assert_true (sd_store_set_priority (fixture->store.store, fixture->peer.session_id, 7,
                                        &error));
  sd_config_sync_contact_changed (fixture->sync, fixture->peer.session_id, 0);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 2);

  /* persisted, dirty, with the newer client's key kept */
  g_assert_true (sd_store_load_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS, &row,
                                            &found, &error));
  g_assert_true (found);
  g_assert_true (row.dirty);
  stored = sd_config_message_parse (g_bytes_get_data (row.message, NULL),
                                    g_bytes_get_size (row.message), SD_CONFIG_DEFAULT_LAG,
                                    &error);
  g_assert_no_error (error);
  sd_config_contact_init (&contact, fixture->peer.session_id);
  g_assert_true (sd_config_contacts_get (sd_config_message_get_data (stored),
                                         fixture->peer.session_id, &contact, NULL));
  g_assert_cmpstr (contact.nickname, ==, "Buddy");
  g_assert_cmpint (contact.priority, ==, 7);
  entry = sd_config_value_dict_value (sd_config_value_dict_get (sd_config_message_get_data (stored),
                                                                "c"), 0);
  g_assert_true (sd_config_value_is_text (sd_config_value_dict_get (entry, "zz"), "future"));

  /* a restart finds it still to be pushed */
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 2);

  /* an older message arriving late does not undo it */
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 2);
  {
    g_autoptr(SdConversation) c = sd_store_get_conversation (fixture->store.store,
                                                             fixture->peer.session_id, NULL);

    g_assert_cmpstr (c->nickname, ==, "Buddy");
  }
}

static void
test_read_position (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) contacts = contacts_message (fixture, NULL, FALSE);
  g_autoptr(GBytes) contacts_blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, contacts);
  g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) convo = sd_config_message_increment (empty);
  g_autoptr(GBytes) convo_blob = NULL;
  g_autoptr(SdConversation) c = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;
  SdConfigConvo entry = { 0 };

  g_strlcpy (entry.session_id, fixture->peer.session_id, sizeof entry.session_id);
  entry.last_read_ms = now - 1000;
  entry.unread = TRUE;
  g_assert_true (sd_config_convo_info_set (sd_config_message_get_data (convo), &entry, now,
                                           &error));
  convo_blob = push_of (fixture, SD_CONFIG_KIND_CONVO_INFO_VOLATILE, convo);
  receive_blob (fixture, NS_CONTACTS, contacts_blob);
  receive_blob (fixture, NS_CONVO, convo_blob);
  c = sd_store_get_conversation (fixture->store.store, fixture->peer.session_id, NULL);
  g_assert_cmpint (c->last_read_at, ==, now - 1000);
  g_assert_true (c->marked_unread);
}

static void
test_long_page (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  g_autoptr(GPtrArray) items = new_items ();
  g_autofree gchar *last_hash = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 100;
  SdRetrieveItem *taken_last;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, item_new (fixture, blob));
  {
    /* a member's own page that moves the swarm's cursor at its end (sd-retrieve-cursor.h) */
    SdIngestCursor cursor = { NS_CONTACTS, { NODE, NULL }, { "swarm", NULL } };

    sd_config_sync_receive (fixture->sync, &cursor, items, TRUE);
  }
  assert_peer_applied (fixture, "Pal");
  /* one merge takes at most SD_CONFIG_MERGE_MAX_MESSAGES: the next poll resumes after the last
   * one taken, and the namespace does not count as retrieved to its end */
  last_hash = sd_store_get_last_hash (fixture->store.store, NODE, NS_CONTACTS, &error);
  g_assert_no_error (error);
  taken_last = g_ptr_array_index (items, SD_CONFIG_MERGE_MAX_MESSAGES - 1);
  g_assert_cmpstr (last_hash, ==, taken_last->hash);
  {
    gboolean seen = FALSE;
    g_autofree gchar *swarm = sd_store_get_last_hash (fixture->store.store, "swarm", NS_CONTACTS,
                                                      &error);

    /* the end key moves only with the end of the page; what was taken is seen (the poller
     * tells a member that did not know the swarm's cursor by it) */
    g_assert_no_error (error);
    g_assert_null (swarm);
    g_assert_true (sd_store_is_seen (fixture->store.store, taken_last->hash, &seen, NULL));
    g_assert_true (seen);
    g_assert_true (sd_store_is_seen (fixture->store.store,
                                     ((SdRetrieveItem *) g_ptr_array_index (
                                       items, SD_CONFIG_MERGE_MAX_MESSAGES))->hash,
                                     &seen, NULL));
    g_assert_false (seen);
  }
  for (gint ns = 2; ns <= 5; ns++) {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();

    if (ns != NS_CONTACTS)
      receive (fixture, ns, none, TRUE);
  }
  g_assert_false (sd_config_sync_get_synced (fixture->sync));
}

/* a stored state that does not parse (damaged) is fetched again from the swarm's start */
static void
test_damaged_state (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  SdStoreUserConfig junk = { 0 };
  g_autofree gchar *last_hash = NULL;
  g_autoptr(GError) error = NULL;

  receive_blob (fixture, NS_CONTACTS, blob);
  last_hash = sd_store_get_last_hash (fixture->store.store, NODE, NS_CONTACTS, NULL);
  g_assert_nonnull (last_hash);
  junk.message = g_bytes_new_static ("d1:#i1e", 7);
  g_assert_true (sd_store_save_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS, &junk,
                                            &error));
  g_bytes_unref (junk.message);
  g_clear_object (&fixture->sync);
  g_test_expect_message ("SdConfigSync", G_LOG_LEVEL_WARNING,
                         "stored config Contacts does not parse*");
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  g_test_assert_expected_messages ();
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, -1);
  g_clear_pointer (&last_hash, g_free);
  last_hash = sd_store_get_last_hash (fixture->store.store, NODE, NS_CONTACTS, &error);
  g_assert_no_error (error);
  g_assert_null (last_hash);
  /* and the swarm's items bring it back */
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
}

/* a statement on the store file through a connection of the test's own */
static void
raw_exec (Fixture *fixture, const gchar *sql)
{
  g_autofree gchar *path = g_build_filename (fixture->store.dir, "store.sqlite", NULL);
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("raw_exec: %s", message);
  sqlite3_close (db);
}

/* a receive whose state cannot be saved writes nothing: the cursor stays, so the items come
 * again and are taken then (before, the cursor moved in a batch of its own and the change was
 * lost for good) */
static void
test_receive_atomic (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  g_autofree gchar *last_hash = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GError) error = NULL;

  raw_exec (fixture, "CREATE TRIGGER fail_config BEFORE INSERT ON user_configs"
                     " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;");
  g_test_expect_message ("SdConfigSync", G_LOG_LEVEL_WARNING, "could not take in config*");
  receive_blob (fixture, NS_CONTACTS, blob);
  g_test_assert_expected_messages ();
  last_hash = sd_store_get_last_hash (fixture->store.store, NODE, NS_CONTACTS, &error);
  g_assert_no_error (error);
  g_assert_null (last_hash);
  conversation = sd_store_get_conversation (fixture->store.store, fixture->peer.session_id, NULL);
  g_assert_null (conversation);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, -1);

  raw_exec (fixture, "DROP TRIGGER fail_config;");
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
  assert_peer_applied (fixture, "Pal");
  last_hash = sd_store_get_last_hash (fixture->store.store, NODE, NS_CONTACTS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (last_hash);
}

static void
count_signal (SdConfigSync *sync, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_user_profile (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) profile = sd_config_message_increment (empty);
  SdConfigValue *values = sd_config_message_get_data (profile);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) nts = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *key = NULL;
  guint8 avatar_key[32];
  guint n_profile = 0;

  memset (avatar_key, 0xab, sizeof avatar_key);
  g_assert_true (sd_config_user_profile_set_name (values, "Me Elsewhere", &error));
  g_assert_true (sd_config_user_profile_set_avatar (values, "http://files.example/f/1",
                                                    avatar_key, &error));
  sd_config_user_profile_set_nts_priority (values, 2);
  sd_config_user_profile_set_nts_expiry (values, 86400);
  blob = push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, profile);
  g_assert_true (sd_store_open_conversation (fixture->store.store, fixture->me.session_id, 1,
                                             &error));
  g_signal_connect (fixture->sync, "profile-changed", G_CALLBACK (count_signal), &n_profile);
  receive_blob (fixture, NS_PROFILE, blob);
  g_assert_cmpuint (n_profile, ==, 1);
  name = sd_store_get_setting (fixture->store.store, "display-name", NULL);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  key = sd_store_get_setting (fixture->store.store, "avatar-key", NULL);
  g_assert_cmpstr (name, ==, "Me Elsewhere");
  g_assert_cmpstr (url, ==, "http://files.example/f/1");
  g_assert_cmpstr (key, ==, "abababababababababababababababababababababababababababababababab");
  nts = sd_store_get_conversation (fixture->store.store, fixture->me.session_id, NULL);
  g_assert_cmpint (nts->priority, ==, 2);
  g_assert_cmpstr (nts->expiration_mode, ==, "after-send");
  g_assert_cmpint (nts->expiration_timer, ==, 86400);
  /* the Note to Self is not a contact */
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, -1);
  /* a local display name goes into the config */
  g_assert_true (sd_store_set_setting (fixture->store.store, "display-name", "Me Here", &error));
  sd_config_sync_profile_changed (fixture->sync);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_USER_PROFILE), ==, 2);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
}

/* another client's values are checked as local ones: names made showable, a picture only
 * with an http(s) URL within the config's limit; the rest is left out, not stored or sent */
static void
test_profile_values_checked (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) profile = sd_config_message_increment (empty);
  g_autoptr(SdConfigMessage) next = NULL;
  g_autoptr(SdConfigMessage) contacts = contacts_message (fixture, "\u202e\u202eNick\x1b", FALSE);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) c = NULL;
  g_autofree gchar *name = NULL, *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree gchar *long_url = g_strdup_printf ("https://files.example/%0300d", 0);
  SdConfigValue *values = sd_config_message_get_data (profile);
  guint8 avatar_key[32];

  memset (avatar_key, 0xab, sizeof avatar_key);
  sd_config_value_dict_set_text (values, "n", sd_config_value_new_text ("\u202eMe\u2066 "));
  g_assert_true (sd_config_user_profile_set_avatar (values, "file:///etc/passwd", avatar_key,
                                                    &error));
  blob = push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, profile);
  receive_blob (fixture, NS_PROFILE, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_USER_PROFILE), ==, 1);
  name = sd_store_get_setting (fixture->store.store, "display-name", NULL);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  g_assert_cmpstr (name, ==, "Me");
  g_assert_null (url);
  /* past the config's 223 bytes (the setter refuses it; another client may not) */
  next = sd_config_message_increment (profile);
  sd_config_value_dict_set_text (sd_config_message_get_data (next), "p",
                                 sd_config_value_new_text (long_url));
  g_clear_pointer (&blob, g_bytes_unref);
  blob = push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, next);
  receive_blob (fixture, NS_PROFILE, blob);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_USER_PROFILE), ==, 2);
  g_clear_pointer (&url, g_free);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  g_assert_null (url);

  /* a contact's nickname and picture alike */
  {
    g_auto(SdConfigContact) contact = { 0 };
    SdConfigValue *cdata = sd_config_message_get_data (contacts);

    sd_config_contact_init (&contact, fixture->peer.session_id);
    g_assert_true (sd_config_contacts_get (cdata, fixture->peer.session_id, &contact, NULL));
    g_clear_pointer (&contact.avatar_url, g_free);
    contact.avatar_url = g_strdup ("javascript:alert(1)");
    memset (contact.avatar_key, 0xcd, 32);
    g_assert_true (sd_config_contacts_set (cdata, &contact, &error));
  }
  g_clear_pointer (&blob, g_bytes_unref);
  blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, contacts);
  receive_blob (fixture, NS_CONTACTS, blob);
  c = sd_store_get_conversation (fixture->store.store, fixture->peer.session_id, NULL);
  g_assert_nonnull (c);
  g_assert_cmpstr (c->nickname, ==, "Nick");
  g_clear_pointer (&url, g_free);
  g_assert_false (sd_store_get_avatar (fixture->store.store, fixture->peer.session_id, &url, &key,
                                       &file, NULL));
}

/* a synced picture moves our profile's time strictly past the last one (a profile set
 * within the same second, or a clock behind), and name, picture and time are written
 * together or not at all */
static void
test_profile_updated_strictly (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) empty = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) profile = sd_config_message_increment (empty);
  g_autoptr(SdConfigMessage) next = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *updated = NULL, *url = NULL, *key = NULL;
  SdConfigValue *values = sd_config_message_get_data (profile);
  guint8 avatar_key[32];
  guint64 written = 0;

  memset (avatar_key, 0xab, sizeof avatar_key);
  g_assert_true (sd_store_set_setting (fixture->store.store, "profile-updated", "4000000000",
                                       &error));
  g_assert_true (sd_config_user_profile_set_avatar (values, "https://files.example/f/1",
                                                    avatar_key, &error));
  blob = push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, profile);
  receive_blob (fixture, NS_PROFILE, blob);
  updated = sd_store_get_setting (fixture->store.store, "profile-updated", NULL);
  g_assert_cmpstr (updated, ==, "4000000001");

  /* the key cannot be written: neither is the URL nor the time */
  raw_exec (fixture, "CREATE TRIGGER fail_key BEFORE UPDATE ON settings"
                     " WHEN NEW.key = 'avatar-key'"
                     " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;");
  g_assert_false (sd_store_set_own_profile (fixture->store.store, NULL, TRUE,
                                            "https://files.example/f/2", "cd", 1, &written,
                                            &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  g_assert_cmpstr (url, ==, "https://files.example/f/1");
  g_clear_pointer (&updated, g_free);
  updated = sd_store_get_setting (fixture->store.store, "profile-updated", NULL);
  g_assert_cmpstr (updated, ==, "4000000001");
  /* and through a receive: the whole receive is left, to come again */
  next = sd_config_message_increment (profile);
  memset (avatar_key, 0xcd, sizeof avatar_key);
  g_assert_true (sd_config_user_profile_set_avatar (sd_config_message_get_data (next),
                                                    "https://files.example/f/3", avatar_key,
                                                    &error));
  g_clear_pointer (&blob, g_bytes_unref);
  blob = push_of (fixture, SD_CONFIG_KIND_USER_PROFILE, next);
  g_test_expect_message ("SdConfigSync", G_LOG_LEVEL_WARNING, "could not take in config*");
  receive_blob (fixture, NS_PROFILE, blob);
  g_test_assert_expected_messages ();
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_USER_PROFILE), ==, 1);
  g_clear_pointer (&url, g_free);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  g_assert_cmpstr (url, ==, "https://files.example/f/1");
  raw_exec (fixture, "DROP TRIGGER fail_key;");
  receive_blob (fixture, NS_PROFILE, blob);
  g_clear_pointer (&url, g_free);
  url = sd_store_get_setting (fixture->store.store, "avatar-url", NULL);
  key = sd_store_get_setting (fixture->store.store, "avatar-key", NULL);
  g_assert_cmpstr (url, ==, "https://files.example/f/3");
  g_assert_cmpstr (key, ==, "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
  g_clear_pointer (&updated, g_free);
  updated = sd_store_get_setting (fixture->store.store, "profile-updated", NULL);
  g_assert_cmpstr (updated, ==, "4000000002");
}

/* a freshly restored device: the user pins a conversation before the first retrieval of
 * the configs is done (and the daemon restarts); the swarm is already at seqno 7, so the
 * merge (lag 5) drops the local seqno 1. The pin stays, on top of what arrived, and goes out
 * as a new change */
static void
test_local_change_before_sync (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) remote = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) c = NULL;
  g_auto(SdConfigContact) contact = { 0 };

  /* another device's history: seqno 7 */
  for (gint i = 0; i < 6; i++) {
    SdConfigMessage *next = sd_config_message_increment (remote);
    SdConfigValue *values = sd_config_message_get_data (next);
    g_auto(SdConfigContact) entry = { 0 };

    sd_config_contact_init (&entry, fixture->peer.session_id);
    g_assert_true (sd_config_contacts_get (values, fixture->peer.session_id, &entry, NULL));
    entry.mute_until = 4102444800 + i;
    g_assert_true (sd_config_contacts_set (values, &entry, &error));
    sd_config_message_free (remote);
    remote = next;
  }
  g_assert_cmpint (sd_config_message_get_seqno (remote), ==, 7);
  blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, remote);

  /* the conversation came with a message; the user pins it */
  g_assert_true (sd_store_open_conversation (fixture->store.store, fixture->peer.session_id, 1,
                                             &error));
  g_assert_no_error (error);
  g_assert_true (sd_store_set_priority (fixture->store.store, fixture->peer.session_id, 1,
                                        &error));
  sd_config_sync_contact_changed (fixture->sync, fixture->peer.session_id, 1700000000000);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 1);
  /* a restart in between changes nothing */
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);

  receive_blob (fixture, NS_CONTACTS, blob);
  c = sd_store_get_conversation (fixture->store.store, fixture->peer.session_id, NULL);
  g_assert_nonnull (c);
  g_assert_cmpint (c->priority, ==, 1);          /* ours */
  g_assert_cmpstr (c->nickname, ==, "Pal");      /* theirs */
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 8);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  /* and the state to push says so */
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  {
    g_auto(SdStoreUserConfig) row = { 0 };
    g_autoptr(SdConfigMessage) stored = NULL;
    gboolean found = FALSE;

    g_assert_true (sd_store_load_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS, &row,
                                              &found, &error));
    g_assert_true (found);
    g_assert_true (row.dirty);
    stored = sd_config_message_parse (g_bytes_get_data (row.message, NULL),
                                      g_bytes_get_size (row.message), SD_CONFIG_DEFAULT_LAG,
                                      &error);
    g_assert_no_error (error);
    sd_config_contact_init (&contact, fixture->peer.session_id);
    g_assert_true (sd_config_contacts_get (sd_config_message_get_data (stored),
                                           fixture->peer.session_id, &contact, NULL));
    g_assert_cmpint (contact.priority, ==, 1);
    g_assert_cmpstr (contact.nickname, ==, "Pal");
    g_assert_cmpint (contact.mute_until, ==, 4102444805);
  }
}

/* the Contacts message @previous's successor with the peer's picture @url (NULL: none) */
static SdConfigMessage *
with_avatar (Fixture *fixture, SdConfigMessage *previous, const gchar *url, guint8 key_byte)
{
  SdConfigMessage *message = sd_config_message_increment (previous);
  SdConfigValue *data = sd_config_message_get_data (message);
  g_auto(SdConfigContact) contact = { 0 };
  g_autoptr(GError) error = NULL;

  sd_config_contact_init (&contact, fixture->peer.session_id);
  g_assert_true (sd_config_contacts_get (data, fixture->peer.session_id, &contact, NULL));
  g_clear_pointer (&contact.avatar_url, g_free);
  contact.avatar_url = g_strdup (url);
  memset (contact.avatar_key, key_byte, 32);
  g_assert_true (sd_config_contacts_set (data, &contact, &error));
  g_assert_no_error (error);
  return message;
}

static void
assert_avatar (Fixture *fixture, const gchar *want_url, guint8 want_key_byte)
{
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = sd_store_get_avatar (fixture->store.store, fixture->peer.session_id, &url,
                                        &key, &file, &error);

  if (want_url == NULL) {
    g_assert_false (found);
    g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
    return;
  }
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, want_url);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (key, NULL))[0], ==, want_key_byte);
}

/* a contact's picture: the config writes it where its entry changed it (or fills a gap), a
 * newer one from a message is not undone by an unchanged entry and goes into the config */
static void
test_contact_avatar (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) first = contacts_message (fixture, NULL, FALSE);
  g_autoptr(SdConfigMessage) m1 = with_avatar (fixture, first, "http://f/file/a", 0x11);
  g_autoptr(SdConfigMessage) m2 = with_avatar (fixture, m1, "http://f/file/b", 0x22);
  g_autoptr(SdConfigMessage) m3 = NULL;
  g_autoptr(SdConfigMessage) m4 = NULL;
  g_autoptr(GBytes) b1 = push_of (fixture, SD_CONFIG_KIND_CONTACTS, m1);
  g_autoptr(GBytes) b2 = push_of (fixture, SD_CONFIG_KIND_CONTACTS, m2);
  g_autoptr(GBytes) b3 = NULL;
  g_autoptr(GBytes) b4 = NULL;
  g_autoptr(GBytes) key = g_bytes_new_static ("\x33\x33\x33\x33\x33\x33\x33\x33"
                                              "\x33\x33\x33\x33\x33\x33\x33\x33"
                                              "\x33\x33\x33\x33\x33\x33\x33\x33"
                                              "\x33\x33\x33\x33\x33\x33\x33\x33", 32);
  g_autoptr(GError) error = NULL;
  g_auto(SdConfigContact) in_config = { 0 };

  receive_blob (fixture, NS_CONTACTS, b1);
  assert_avatar (fixture, "http://f/file/a", 0x11);
  receive_blob (fixture, NS_CONTACTS, b2);
  assert_avatar (fixture, "http://f/file/b", 0x22);

  /* a newer profile in a message (what the batch writes) */
  g_assert_true (store_apply_avatar (fixture->store.store, fixture->peer.session_id,
                                     "http://f/file/c", key, &error));
  g_assert_no_error (error);
  /* another device changes something else: the picture stays the message's */
  m3 = sd_config_message_increment (m2);
  {
    g_auto(SdConfigContact) contact = { 0 };
    SdConfigValue *values = sd_config_message_get_data (m3);

    sd_config_contact_init (&contact, fixture->peer.session_id);
    g_assert_true (sd_config_contacts_get (values, fixture->peer.session_id, &contact, NULL));
    g_free (contact.nickname);
    contact.nickname = g_strdup ("Pal");
    g_assert_true (sd_config_contacts_set (values, &contact, &error));
  }
  b3 = push_of (fixture, SD_CONFIG_KIND_CONTACTS, m3);
  receive_blob (fixture, NS_CONTACTS, b3);
  assert_avatar (fixture, "http://f/file/c", 0x33);
  /* and the config takes the message's picture */
  g_assert_false (sd_config_sync_has_pending (fixture->sync));
  sd_config_sync_contact_profile_changed (fixture->sync, fixture->peer.session_id,
                                          1700000000000);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  sd_config_contact_init (&in_config, fixture->peer.session_id);
  {
    g_autoptr(SdConfigMessage) current = NULL;
    g_autoptr(GBytes) plain = NULL;
    SdStoreUserConfig stored = { 0 };
    gboolean found = FALSE;

    g_assert_true (sd_store_load_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS,
                                              &stored, &found, &error));
    g_assert_true (found);
    current = sd_config_message_parse (g_bytes_get_data (stored.message, NULL),
                                       g_bytes_get_size (stored.message), SD_CONFIG_DEFAULT_LAG,
                                       &error);
    g_assert_no_error (error);
    g_assert_true (sd_config_contacts_get (sd_config_message_get_data (current),
                                           fixture->peer.session_id, &in_config, NULL));
    g_assert_cmpstr (in_config.avatar_url, ==, "http://f/file/c");
    g_assert_cmpuint (in_config.avatar_key[0], ==, 0x33);
    sd_store_user_config_clear (&stored);
  }

  /* removed on another device: removed here */
  m4 = with_avatar (fixture, m3, NULL, 0);
  b4 = push_of (fixture, SD_CONFIG_KIND_CONTACTS, m4);
  receive_blob (fixture, NS_CONTACTS, b4);
  assert_avatar (fixture, NULL, 0);
}

/* the Contacts entry of @id in the stored state (FALSE if there is none) */
static gboolean
stored_contact (Fixture *fixture, const gchar *id, SdConfigContact *contact, gboolean *dirty)
{
  g_auto(SdStoreUserConfig) row = { 0 };
  g_autoptr(SdConfigMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  g_assert_true (sd_store_load_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS, &row,
                                            &found, &error));
  g_assert_no_error (error);
  if (!found)
    return FALSE;
  if (dirty != NULL)
    *dirty = row.dirty;
  stored = sd_config_message_parse (g_bytes_get_data (row.message, NULL),
                                    g_bytes_get_size (row.message), SD_CONFIG_DEFAULT_LAG, &error);
  g_assert_no_error (error);
  sd_config_contact_init (contact, id);
  return sd_config_contacts_get (sd_config_message_get_data (stored), id, contact, NULL);
}

static void
receive_all_empty_but (Fixture *fixture, gint namespace_)
{
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  const gint namespaces[] = { 2, 3, 4, 5 };

  for (guint i = 0; i < G_N_ELEMENTS (namespaces); i++)
    if (namespaces[i] != namespace_)
      receive (fixture, namespaces[i], none, TRUE);
}

static void
test_contacts_migration (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) remote = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, remote);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *setting = NULL;
  g_auto(SdConfigContact) contact = { 0 };
  g_auto(SdConfigContact) peer = { 0 };
  SdIdentity third;
  gboolean dirty = FALSE;

  /* an account from before config sync: its conversations are there when it first starts
   * with it (the fixture's start saw an empty store: started again) */
  sd_test_identity_from_byte (&third, 3);
  g_assert_true (sd_store_open_conversation (fixture->store.store, fixture->peer.session_id, 1,
                                             &error));
  g_assert_true (sd_store_open_conversation (fixture->store.store, third.session_id, 2, &error));
  g_assert_true (sd_store_set_priority (fixture->store.store, third.session_id, 2, &error));
  g_assert_no_error (error);
  sd_store_set_setting (fixture->store.store, "config-contacts-migration", NULL, NULL);
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  setting = sd_store_get_setting (fixture->store.store, "config-contacts-migration", NULL);
  g_assert_cmpstr (setting, ==, "pending");

  /* nothing enters before the swarm's Contacts is merged: another device may have removed
   * one of them */
  receive_blob (fixture, NS_CONTACTS, blob);
  g_assert_false (sd_config_sync_has_pending (fixture->sync));
  g_assert_false (stored_contact (fixture, third.session_id, &contact, NULL));
  sd_config_contact_clear (&contact);

  /* synced: the third conversation enters, with its pin; the peer stays as the swarm has it */
  receive_all_empty_but (fixture, NS_CONTACTS);
  g_assert_true (sd_config_sync_get_synced (fixture->sync));
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  g_assert_true (stored_contact (fixture, third.session_id, &contact, &dirty));
  g_assert_true (dirty);
  g_assert_cmpint (contact.priority, ==, 2);
  g_assert_true (stored_contact (fixture, fixture->peer.session_id, &peer, NULL));
  g_assert_cmpstr (peer.nickname, ==, "Pal");
  g_assert_cmpint (peer.priority, ==, 3);
  g_assert_cmpint (sd_config_sync_get_seqno (fixture->sync, SD_CONFIG_KIND_CONTACTS), ==, 2);
  g_clear_pointer (&setting, g_free);
  setting = sd_store_get_setting (fixture->store.store, "config-contacts-migration", NULL);
  g_assert_cmpstr (setting, ==, "done");
}

static void
test_contacts_migration_once (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autofree gchar *setting = NULL;
  g_auto(SdConfigContact) contact = { 0 };

  /* the fixture started on an empty store (a new or restored account): nothing to take in */
  setting = sd_store_get_setting (fixture->store.store, "config-contacts-migration", NULL);
  g_assert_cmpstr (setting, ==, "done");
  /* a conversation that arrives later enters Contacts on its first change, not on sync */
  g_assert_true (sd_store_open_conversation (fixture->store.store, fixture->peer.session_id, 1,
                                             &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->sync);
  fixture->sync = sd_config_sync_new (NULL, fixture->store.store, &fixture->me);
  receive (fixture, NS_CONTACTS, none, TRUE);
  receive_all_empty_but (fixture, NS_CONTACTS);
  g_assert_true (sd_config_sync_get_synced (fixture->sync));
  g_assert_false (sd_config_sync_has_pending (fixture->sync));
  g_assert_false (stored_contact (fixture, fixture->peer.session_id, &contact, NULL));
}

/* Contacts "b" (docs/communities.md): another device's blinded contacts become blinded
 * conversations here (not 25 ones, not on a server a join URL would refuse, not a peer we
 * know as a contact); ours go into the config, and out of it once merged */
static void
add_blinded (SdConfigValue *data, const gchar *url, const gchar *id, gint64 priority)
{
  g_auto(SdConfigBlindedContact) c = { 0 };

  c.base_url = g_strdup (url);
  g_strlcpy (c.blinded_id, id, sizeof c.blinded_id);
  memset (c.pubkey, 0x42, 32);
  c.name = g_strdup ("");
  c.priority = priority;
  c.created = 1700000000;
  g_assert_true (sd_config_blinded_contacts_set (data, &c, NULL));
}

static gboolean
blinded_in_config (Fixture *fixture, const gchar *id, gint64 *out_priority)
{
  g_auto(SdStoreUserConfig) row = { 0 };
  g_autoptr(SdConfigMessage) stored = NULL;
  g_autoptr(GArray) all = NULL;
  gboolean found = FALSE;

  g_assert_true (sd_store_load_user_config (fixture->store.store, SD_CONFIG_KIND_CONTACTS, &row,
                                            &found, NULL));
  g_assert_true (found);
  stored = sd_config_message_parse (g_bytes_get_data (row.message, NULL),
                                    g_bytes_get_size (row.message), SD_CONFIG_DEFAULT_LAG, NULL);
  all = sd_config_blinded_contacts_list (sd_config_message_get_data (stored));
  for (guint i = 0; i < all->len; i++) {
    const SdConfigBlindedContact *c = &g_array_index (all, SdConfigBlindedContact, i);

    if (g_str_equal (c->blinded_id, id)) {
      *out_priority = c->priority;
      return TRUE;
    }
  }
  return FALSE;
}

static void
test_blinded_contacts (Fixture *fixture, gconstpointer data)
{
  g_autoptr(SdConfigMessage) message = contacts_message (fixture, "Pal", FALSE);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(SdBlindedConversation) peer = NULL;
  g_autoptr(SdConversation) c = NULL;
  SdConfigValue *data_ = sd_config_message_get_data (message);
  const gchar *stranger = "15" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const gchar *other = "15" "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const gchar *v25 = "25" "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  guint8 server_pk[32];
  gchar known[SD_BLINDED_ID_LEN + 1];
  SdBlindedKeyPair pair;
  gint64 priority = 0;

  /* the peer (a contact in the same config) behind their blind15 id on that server */
  memset (server_pk, 0x42, 32);
  g_assert_true (sd_blind15_key_pair (fixture->peer.ed25519_sk, server_pk, &pair));
  sd_blinded_id_format (SD_BLINDING_15, pair.pk, known);
  add_blinded (data_, "HTTP://Example.org", stranger, 2);
  add_blinded (data_, "ftp://example.org", other, 0);
  add_blinded (data_, "http://example.org", v25, 0);
  add_blinded (data_, "http://example.org", known, 0);
  blob = push_of (fixture, SD_CONFIG_KIND_CONTACTS, message);
  receive_blob (fixture, NS_CONTACTS, blob);

  c = sd_store_get_conversation (fixture->store.store, stranger, NULL);
  g_assert_nonnull (c);
  g_assert_cmpint (c->priority, ==, 2);
  g_assert_true (c->approved);
  peer = sd_store_get_blinded_conversation (fixture->store.store, stranger, NULL);
  g_assert_nonnull (peer);
  g_assert_cmpstr (peer->base_url, ==, "http://example.org");
  g_assert_cmpstr (peer->server_pk, ==,
                   "4242424242424242424242424242424242424242424242424242424242424242");
  g_assert_null (sd_store_get_conversation (fixture->store.store, other, NULL));
  g_assert_null (sd_store_get_conversation (fixture->store.store, v25, NULL));
  g_assert_null (sd_store_get_conversation (fixture->store.store, known, NULL));
  g_assert_false (sd_config_sync_has_pending (fixture->sync));

  /* ours: a priority change goes into the entry; a merge takes it out */
  g_assert_true (sd_store_set_priority (fixture->store.store, stranger, 5, NULL));
  sd_config_sync_contact_changed (fixture->sync, stranger, 0);
  g_assert_true (sd_config_sync_has_pending (fixture->sync));
  g_assert_true (blinded_in_config (fixture, stranger, &priority));
  g_assert_cmpint (priority, ==, 5);
  g_assert_true (sd_store_merge_blinded_conversation (fixture->store.store, stranger,
                                                      fixture->peer.session_id, NULL));
  sd_config_sync_contact_removed (fixture->sync, stranger);
  g_assert_false (blinded_in_config (fixture, stranger, &priority));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/config-sync/apply-contacts", test_apply_contacts);
  ADD ("/config-sync/synced", test_synced);
  ADD ("/config-sync/merge-conflict", test_merge_conflict);
  ADD ("/config-sync/hostile", test_hostile);
  ADD ("/config-sync/local-change", test_local_change);
  ADD ("/config-sync/read-position", test_read_position);
  ADD ("/config-sync/long-page", test_long_page);
  ADD ("/config-sync/damaged-state", test_damaged_state);
  ADD ("/config-sync/user-profile", test_user_profile);
  ADD ("/config-sync/contact-avatar", test_contact_avatar);
  ADD ("/config-sync/receive-atomic", test_receive_atomic);
  ADD ("/config-sync/profile-values-checked", test_profile_values_checked);
  ADD ("/config-sync/profile-updated-strictly", test_profile_updated_strictly);
  ADD ("/config-sync/local-change-before-sync", test_local_change_before_sync);
  ADD ("/config-sync/contacts-migration", test_contacts_migration);
  ADD ("/config-sync/contacts-migration-once", test_contacts_migration_once);
  ADD ("/config-sync/blinded-contacts", test_blinded_contacts);
#undef ADD
  return g_test_run ();
}
