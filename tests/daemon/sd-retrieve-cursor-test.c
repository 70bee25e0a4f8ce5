/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdRetrieveCursors over a real store: each member is read from its own cursor, so a member
 * that lacks a message (it refused the store for its clock, or missed the replication) never
 * makes us skip that message on the members that hold it */

#include <sodium.h>

#include "sd-daemon-test-util.h"
#include "sd-retrieve-cursor.h"

typedef struct {
  SdIdentity me;
  SdTestStore test_store;
  SdTestNet net;
  SdRetrieveCursors *cursors;
} Fixture;

/* no request reaches the network here */
static gchar *
no_answer (SdFakeTransport *transport, guint node, const gchar *rpc, guint *status,
           gpointer user_data)
{
  *status = 500;
  return g_strdup ("");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  sd_test_identity_from_byte (&f->me, 0x41);
  sd_test_store_init (&f->test_store, &f->me);
  sd_test_net_init (&f->net, no_answer, f);
  f->cursors = sd_retrieve_cursors_new (f->test_store.store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sd_retrieve_cursors_free (f->cursors);
  sd_test_net_clear (&f->net);
  sd_test_store_clear (&f->test_store);
}

static SdSnode *
member (Fixture *f, guint i)
{
  return g_ptr_array_index (f->net.nodes, i);
}

/* a message hash as nodes give them: 43 base64 characters */
static gchar *
hash_of (guint n)
{
  return g_strdup_printf ("msg%040u", n);
}

static GPtrArray *
page_of (guint first, guint last, guint skip)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_retrieve_item_free);

  for (guint n = first; n <= last; n++) {
    SdRetrieveItem *item;

    if (n == skip)
      continue;
    item = g_new0 (SdRetrieveItem, 1);
    item->hash = hash_of (n);
    item->data_b64 = g_strdup ("AA==");
    g_ptr_array_add (items, item);
  }
  return items;
}

/* what sd_ingest_slice does with the rows a page moves, without the messages */
static void
apply_page (Fixture *f, const SdRetrievePage *page, GPtrArray *items)
{
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (f->test_store.store);
  g_autoptr(GError) error = NULL;
  SdIngestCursor cursor;
  const gchar *last = ((SdRetrieveItem *) g_ptr_array_index (items, items->len - 1))->hash;

  sd_retrieve_page_get_cursor (page, &cursor);
  for (guint i = 0; i < G_N_ELEMENTS (cursor.keys); i++) {
    if (cursor.keys[i] != NULL)
      sd_store_batch_set_last_hash (batch, cursor.keys[i], cursor.namespace_, last);
    if (cursor.end_keys[i] != NULL)
      sd_store_batch_set_last_hash (batch, cursor.end_keys[i], cursor.namespace_, last);
  }
  for (guint i = 0; i < items->len; i++)
    sd_store_batch_add_seen (batch, ((SdRetrieveItem *) g_ptr_array_index (items, i))->hash,
                             G_MAXINT64 / 2);
  g_assert_true (sd_store_apply_batch (f->test_store.store, batch, NULL, &error));
  g_assert_no_error (error);
}

/* one poll of member @i answering @items; returns the hash the request started after */
static gchar *
poll (Fixture *f, guint i, GPtrArray *items)
{
  SdRetrievePage page = { NULL, 0, FALSE };
  gchar *asked;

  sd_retrieve_cursors_begin (f->cursors);
  asked = sd_retrieve_cursors_request (f->cursors, member (f, i), 0);
  g_assert_true (sd_retrieve_cursors_read_page (f->cursors, member (f, i), 0, items, &page));
  if (items->len > 0)
    apply_page (f, &page, items);
  sd_retrieve_page_clear (&page);
  return asked;
}

static void
test_member_lacking_a_message (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) first = page_of (1, 1, 0);
  g_autoptr(GPtrArray) lacking = page_of (2, 3, 2);
  g_autoptr(GPtrArray) rest = page_of (2, 3, 0);
  g_autoptr(GPtrArray) empty = page_of (1, 0, 0);
  g_autofree gchar *asked0 = NULL, *asked1 = NULL, *asked2 = NULL, *asked3 = NULL;
  g_autofree gchar *h1 = hash_of (1), *h3 = hash_of (3);

  /* member 0 answers first, from the start */
  asked0 = poll (f, 0, first);
  g_assert_null (asked0);
  /* member 1, asked for the first time, starts where the swarm is: it lacks message 2 and
   * answers message 3 */
  asked1 = poll (f, 1, lacking);
  g_assert_cmpstr (asked1, ==, h1);
  /* member 0 is asked from its own cursor, not from message 3: it brings message 2 */
  asked2 = poll (f, 0, rest);
  g_assert_cmpstr (asked2, ==, h1);
  /* a member met for the first time starts at the newest hash we have */
  asked3 = poll (f, 2, empty);
  g_assert_cmpstr (asked3, ==, h3);
}

/* a member that failed (refused our clock, did not answer) and has no cursor of its own is
 * read from its beginning, and its page does not move the swarm's cursor */
static void
test_failed_member_from_its_beginning (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) first = page_of (1, 2, 0);
  g_autoptr(GPtrArray) alone = page_of (3, 3, 0);
  g_autofree gchar *asked0 = NULL, *asked2 = NULL, *swarm = NULL;
  g_autofree gchar *h2 = hash_of (2);
  SdRetrievePage page = { NULL, 0, FALSE };
  g_autofree gchar *again = NULL;

  asked0 = poll (f, 0, first);
  /* member 3 refuses our clock: asked again within the same request */
  sd_retrieve_cursors_begin (f->cursors);
  g_free (sd_retrieve_cursors_request (f->cursors, member (f, 3), 0));
  again = sd_retrieve_cursors_request (f->cursors, member (f, 3), 0);
  g_assert_null (again);
  g_assert_true (sd_retrieve_cursors_read_page (f->cursors, member (f, 3), 0, alone, &page));
  g_assert_false (page.moves_swarm);
  sd_retrieve_page_clear (&page);
  /* a member that did not answer a request is treated the same */
  sd_retrieve_cursors_begin (f->cursors);
  g_free (sd_retrieve_cursors_request (f->cursors, member (f, 4), 0));
  sd_retrieve_cursors_note_failed (f->cursors, NULL);
  asked2 = poll (f, 4, alone);
  g_assert_null (asked2);
  swarm = sd_store_get_last_hash (f->test_store.store, SD_RETRIEVE_SWARM_CURSOR, 0, NULL);
  g_assert_cmpstr (swarm, ==, h2);
}

/* ---- a group's swarm (docs/groups.md, "Cursors") ---- */

#define GROUP_ID "03" "2222222222222222222222222222222222222222222222222222222222222222"
#define GROUP_NS 11

static SdRetrieveCursors *
group_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  SdStoreGroup row = { 0 };

  row.id = (gchar *) GROUP_ID;
  g_assert_true (sd_store_save_group (f->test_store.store, &row, "Crew", &error));
  g_assert_no_error (error);
  return sd_retrieve_cursors_new_for_group (f->test_store.store, GROUP_ID);
}

/* one group poll of member @i in the messages namespace answering @items, applied as the
 * group poller does (sd_groups_apply_poll_from): its page moves the rows, its items are seen */
static gchar *
poll_group (Fixture *f, SdRetrieveCursors *cursors, guint i, GPtrArray *items)
{
  SdRetrievePage page = { NULL, 0, FALSE };
  g_autoptr(GError) error = NULL;
  gchar *asked;

  sd_retrieve_cursors_begin (cursors);
  asked = sd_retrieve_cursors_request (cursors, member (f, i), GROUP_NS);
  /* another namespace of the same request has its own cursor */
  g_free (sd_retrieve_cursors_request (cursors, member (f, i), -11));
  g_assert_true (sd_retrieve_cursors_read_page (cursors, member (f, i), GROUP_NS, items, &page));
  if (items->len > 0) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (f->test_store.store);
    const gchar *last = ((SdRetrieveItem *) g_ptr_array_index (items, items->len - 1))->hash;

    g_assert_true (sd_retrieve_cursors_move (cursors, &page, last, &error));
    g_assert_no_error (error);
    for (guint n = 0; n < items->len; n++)
      sd_store_batch_add_seen (batch, ((SdRetrieveItem *) g_ptr_array_index (items, n))->hash,
                               G_MAXINT64 / 2);
    g_assert_true (sd_store_apply_batch (f->test_store.store, batch, NULL, &error));
    g_assert_no_error (error);
  }
  sd_retrieve_page_clear (&page);
  return asked;
}

/* the group poller used to keep one cursor per (group, namespace): a member lacking message 2
 * moved it past 2, and 2 was never asked of the member that holds it */
static void
test_group_member_lacking_a_message (Fixture *f, gconstpointer data)
{
  g_autoptr(SdRetrieveCursors) cursors = group_setup (f);
  g_autoptr(GPtrArray) first = page_of (1, 1, 0);
  g_autoptr(GPtrArray) lacking = page_of (2, 3, 2);
  g_autoptr(GPtrArray) rest = page_of (2, 3, 0);
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autofree gchar *asked0 = NULL, *asked1 = NULL, *asked2 = NULL, *asked3 = NULL;
  g_autofree gchar *swarm = NULL, *account = NULL, *kick = NULL;
  g_autofree gchar *h1 = hash_of (1), *h3 = hash_of (3);

  asked0 = poll_group (f, cursors, 0, first);
  g_assert_null (asked0);
  /* first contact: from the swarm's newest hash, kept in group_last_hash */
  asked1 = poll_group (f, cursors, 1, lacking);
  g_assert_cmpstr (asked1, ==, h1);
  swarm = sd_store_get_group_last_hash (f->test_store.store, GROUP_ID, GROUP_NS, NULL);
  g_assert_cmpstr (swarm, ==, h3);
  /* member 0 goes on from its own cursor and brings message 2 */
  asked2 = poll_group (f, cursors, 0, rest);
  g_assert_cmpstr (asked2, ==, h1);
  /* member 0's page ends on a seen hash: the swarm's stays; a new member starts there */
  asked3 = poll_group (f, cursors, 2, none);
  g_assert_cmpstr (asked3, ==, h3);
  /* the group's rows are its own: not the account's, not another namespace's */
  account = sd_store_get_last_hash (f->test_store.store, member (f, 0)->ed25519_hex, GROUP_NS,
                                    NULL);
  g_assert_null (account);
  kick = sd_store_get_group_member_last_hash (f->test_store.store, GROUP_ID,
                                              member (f, 0)->ed25519_hex, -11, NULL);
  g_assert_null (kick);
}

/* a member that did not answer is read from its beginning and moves no swarm hash */
static void
test_group_failed_member (Fixture *f, gconstpointer data)
{
  g_autoptr(SdRetrieveCursors) cursors = group_setup (f);
  g_autoptr(GPtrArray) first = page_of (1, 2, 0);
  g_autoptr(GPtrArray) alone = page_of (3, 3, 0);
  g_autofree gchar *asked = NULL, *swarm = NULL, *own = NULL;
  g_autofree gchar *h2 = hash_of (2), *h3 = hash_of (3);

  g_free (poll_group (f, cursors, 0, first));
  sd_retrieve_cursors_begin (cursors);
  g_free (sd_retrieve_cursors_request (cursors, member (f, 4), GROUP_NS));
  sd_retrieve_cursors_note_failed (cursors, NULL);
  asked = poll_group (f, cursors, 4, alone);
  g_assert_null (asked);
  swarm = sd_store_get_group_last_hash (f->test_store.store, GROUP_ID, GROUP_NS, NULL);
  g_assert_cmpstr (swarm, ==, h2);
  own = sd_store_get_group_member_last_hash (f->test_store.store, GROUP_ID,
                                             member (f, 4)->ed25519_hex, GROUP_NS, NULL);
  g_assert_cmpstr (own, ==, h3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_add ("/daemon/retrieve-cursor/member-lacking-a-message", Fixture, NULL, fixture_setup,
              test_member_lacking_a_message, fixture_teardown);
  g_test_add ("/daemon/retrieve-cursor/failed-member-from-its-beginning", Fixture, NULL,
              fixture_setup, test_failed_member_from_its_beginning, fixture_teardown);
  g_test_add ("/daemon/retrieve-cursor/group-member-lacking-a-message", Fixture, NULL,
              fixture_setup, test_group_member_lacking_a_message, fixture_teardown);
  g_test_add ("/daemon/retrieve-cursor/group-failed-member", Fixture, NULL, fixture_setup,
              test_group_failed_member, fixture_teardown);
  return g_test_run ();
}
