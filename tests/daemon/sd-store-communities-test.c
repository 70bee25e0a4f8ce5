/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the store's communities (schema 10): rooms, cursors, posts tied to server ids, removals */
#include "config.h"

#include <glib/gstdio.h>

#include "sd-store.h"
#include "sd-store-communities.h"

#define ROOM "0c" "1111111111111111111111111111111111111111111111111111111111111111"
#define POSTER "15" "2222222222222222222222222222222222222222222222222222222222222222"
#define KEY "3333333333333333333333333333333333333333333333333333333333333333"
#define KEY2 "4444444444444444444444444444444444444444444444444444444444444444"

typedef struct {
  gchar *dir;
  gchar *path;
  SdStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sd-store-communities-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "store.db", NULL);
  f->store = sd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (sd_store_set_account_id (f->store, "05" KEY, &error));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (f->path, "-shm", NULL);

  g_clear_object (&f->store);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static SdMessage *
add (Fixture *f, gint64 post_id, gint64 sent_at, const gchar *body, GError **error)
{
  SdCommunityPost post = { 0 };

  post.post_id = post_id;
  post.author = POSTER;
  post.author_name = "Poster";
  post.body = body;
  post.sent_at = sent_at;
  post.received_at = sent_at;
  return sd_store_community_add_post (f->store, ROOM, &post, error);
}

static void
test_join_and_info (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdCommunity) room = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(GPtrArray) all = NULL;
  const gchar *mods[] = { POSTER, NULL };
  gboolean created = FALSE;

  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby", KEY,
                                         1000, &created, &error));
  g_assert_no_error (error);
  g_assert_true (created);
  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby", KEY,
                                         2000, &created, &error));
  g_assert_false (created);
  /* again with another key: the room stays, with the new key */
  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby",
                                         KEY2, 3000, &created, &error));
  g_assert_false (created);
  /* not a community id: refused, nothing stored */
  g_assert_false (sd_store_add_community (f->store, "05" KEY, "http://x", "lobby", KEY, 1, NULL,
                                          &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  all = sd_store_list_communities (f->store, &error);
  g_assert_cmpuint (all->len, ==, 1);

  conversation = sd_store_get_conversation (f->store, ROOM, &error);
  g_assert_no_error (error);
  g_assert_cmpint (conversation->kind, ==, SD_CONVERSATION_KIND_COMMUNITY);
  g_assert_true (conversation->approved);

  g_assert_true (sd_store_community_set_info (f->store, ROOM, "Lobby", "Hello", 7, 3,
                                              "read,write", mods, NULL, NULL, &error));
  g_assert_true (sd_store_community_set_seqno (f->store, ROOM, 42, &error));
  /* a cursor never moves back */
  g_assert_true (sd_store_community_set_seqno (f->store, ROOM, 40, &error));
  room = sd_store_get_community (f->store, ROOM, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (room->name, ==, "Lobby");
  g_assert_cmpstr (room->description, ==, "Hello");
  g_assert_cmpint (room->user_count, ==, 7);
  g_assert_cmpint (room->info_updates, ==, 3);
  g_assert_cmpint (room->seqno, ==, 42);
  g_assert_cmpstr (room->permissions, ==, "read,write");
  g_assert_cmpstr (room->server_pk, ==, KEY2);
  g_assert_cmpuint (g_strv_length (room->moderators), ==, 1);
  g_assert_cmpuint (g_strv_length (room->admins), ==, 0);
  g_clear_pointer (&conversation, sd_conversation_free);
  conversation = sd_store_get_conversation (f->store, ROOM, &error);
  g_assert_cmpstr (conversation->name, ==, "Lobby");
}

static void
test_posts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(SdMessage) again = NULL;
  g_autoptr(SdMessage) changed = NULL;
  g_autoptr(SdMessage) removed = NULL;
  g_autoptr(SdMessage) back = NULL;
  g_autoptr(GArray) reactions = sd_reactions_new (1);
  g_autoptr(GPtrArray) messages = NULL;
  SdReaction thumbs = { g_strdup ("👍"), 3, TRUE };
  gint64 post_id = 0;
  g_autofree gchar *conversation = NULL;

  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby", KEY,
                                         1000, NULL, &error));
  message = add (f, 5, 1700000000000, "hello", &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpstr (message->author, ==, POSTER);
  g_assert_cmpstr (message->author_name, ==, "Poster");
  g_assert_null (message->author_session_id);
  g_assert_cmpstr (message->id, ==, POSTER "-1700000000000");

  /* the same post again: stored once */
  again = add (f, 5, 1700000000000, "hello", &error);
  g_assert_no_error (error);
  g_assert_null (again);

  g_assert_true (sd_store_community_post_id (f->store, message->id, &post_id, &conversation,
                                             &error));
  g_assert_cmpint (post_id, ==, 5);
  g_assert_cmpstr (conversation, ==, ROOM);

  g_array_append_val (reactions, thumbs);
  changed = sd_store_community_set_reactions (f->store, ROOM, 5, reactions, &error);
  g_assert_no_error (error);
  g_assert_nonnull (changed);
  g_assert_cmpuint (changed->reactions->len, ==, 1);
  g_assert_cmpuint (g_array_index (changed->reactions, SdReaction, 0).count, ==, 3);
  g_assert_true (g_array_index (changed->reactions, SdReaction, 0).mine);
  g_assert_null (sd_store_community_set_reactions (f->store, ROOM, 99, reactions, &error));
  g_assert_no_error (error);

  messages = sd_store_get_messages (f->store, ROOM, 0, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) messages->pdata[0])->author_name, ==, "Poster");

  /* a tombstone removes it, and it does not come back */
  removed = sd_store_community_remove_post (f->store, ROOM, 5, &error);
  g_assert_no_error (error);
  g_assert_nonnull (removed);
  g_assert_cmpstr (removed->id, ==, message->id);
  back = add (f, 5, 1700000000000, "hello", &error);
  g_assert_no_error (error);
  g_assert_null (back);
  g_assert_null (sd_store_community_remove_post (f->store, ROOM, 5, &error));
  g_assert_no_error (error);

  /* leaving takes the room with it */
  g_assert_true (sd_store_delete_conversation (f->store, ROOM, &error));
  g_assert_null (sd_store_get_community (f->store, ROOM, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
}

/* a DM to a blinded id we do not recognise: kept in a conversation keyed by it, stored once,
 * and merged into the 1:1 conversation once the peer's Session ID is known */
static void
test_blinded_dm (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdMessage) first = NULL;
  g_autoptr(SdMessage) again = NULL;
  g_autoptr(SdMessage) after = NULL;
  g_autoptr(SdBlindedConversation) peer = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(SdConversation) merged = NULL;
  const gchar *real = "05" KEY2;
  SdBlindedDm dm = { 0 };

  dm.peer = POSTER;
  dm.base_url = "http://127.0.0.1:1";
  dm.server_pk = KEY;
  dm.author = "05" KEY;
  dm.body = "hello stranger";
  dm.sent_at = 5000;
  dm.received_at = 5000;
  first = sd_store_community_add_blinded_dm (f->store, &dm, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpstr (first->conversation, ==, POSTER);
  g_assert_true (first->outgoing);
  /* the same message again (its outbox copy): stored once */
  dm.server_hash = "sogs-dm-out:" KEY ":1";
  again = sd_store_community_add_blinded_dm (f->store, &dm, &error);
  g_assert_no_error (error);
  g_assert_null (again);
  /* not a blinded id */
  dm.peer = "05" KEY2;
  g_assert_null (sd_store_community_add_blinded_dm (f->store, &dm, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  dm.peer = POSTER;

  peer = sd_store_get_blinded_conversation (f->store, POSTER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (peer->base_url, ==, "http://127.0.0.1:1");
  g_assert_cmpstr (peer->server_pk, ==, KEY);
  listed = sd_store_list_blinded_conversations (f->store, "http://127.0.0.1:1", KEY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (listed, 0), ==, POSTER);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = sd_store_list_blinded_conversations (f->store, "http://127.0.0.1:1", KEY2, &error);
  g_assert_cmpuint (listed->len, ==, 0);

  /* the peer is known: one conversation with their Session ID, approved, holding the DM */
  g_assert_true (sd_store_merge_blinded_conversation (f->store, POSTER, real, &error));
  g_assert_no_error (error);
  g_assert_null (sd_store_get_blinded_conversation (f->store, POSTER, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sd_store_get_conversation (f->store, POSTER, &error));
  g_clear_error (&error);
  merged = sd_store_get_conversation (f->store, real, &error);
  g_assert_no_error (error);
  g_assert_true (merged->approved);
  messages = sd_store_get_messages (f->store, real, 0, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (messages, 0))->body, ==, "hello stranger");
  /* merging again: nothing to merge */
  g_assert_false (sd_store_merge_blinded_conversation (f->store, POSTER, real, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* a later outbox copy of the merged DM does not bring the blinded conversation back */
  after = sd_store_community_add_blinded_dm (f->store, &dm, &error);
  g_assert_no_error (error);
  g_assert_null (after);
  g_assert_null (sd_store_get_conversation (f->store, POSTER, &error));
}

/* a blinded conversation another device began (Contacts "b"): created without a message,
 * approved, tied to its server; once only; a malformed one is refused */
static void
test_blinded_from_config (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(SdBlindedConversation) peer = NULL;
  gboolean created = FALSE;

  g_assert_true (sd_store_add_blinded_conversation (f->store, POSTER, "http://127.0.0.1:1", KEY,
                                                    7000, &created, &error));
  g_assert_no_error (error);
  g_assert_true (created);
  conversation = sd_store_get_conversation (f->store, POSTER, &error);
  g_assert_no_error (error);
  g_assert_cmpint (conversation->kind, ==, SD_CONVERSATION_KIND_DIRECT);
  g_assert_true (conversation->approved);
  peer = sd_store_get_blinded_conversation (f->store, POSTER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (peer->base_url, ==, "http://127.0.0.1:1");
  g_assert_cmpstr (peer->server_pk, ==, KEY);
  g_assert_true (sd_store_add_blinded_conversation (f->store, POSTER, "http://127.0.0.1:1", KEY,
                                                    8000, &created, &error));
  g_assert_false (created);
  g_assert_false (sd_store_add_blinded_conversation (f->store, "05" KEY2, "http://127.0.0.1:1",
                                                     KEY, 7000, &created, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sd_store_add_blinded_conversation (f->store, POSTER, "http://127.0.0.1:1",
                                                     "33", 7000, &created, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
}

/* a page of posts in one call: the new ones from others are unread (one statement marks
 * them), ours are not, and a second delivery adds nothing */
static void
test_page_unread (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) again = NULL;
  SdCommunityPost page[3] = { 0 };
  guint unread = 0;

  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby", KEY,
                                         1000, NULL, &error));
  for (guint i = 0; i < G_N_ELEMENTS (page); i++) {
    page[i].post_id = 10 + i;
    page[i].author = POSTER;
    page[i].body = "page";
    page[i].sent_at = 1700000000000 + i;
    page[i].received_at = page[i].sent_at;
  }
  page[1].outgoing = TRUE;
  added = sd_store_community_add_posts (f->store, ROOM, page, G_N_ELEMENTS (page), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (added->len, ==, 3);
  g_assert_true (sd_store_count_unread (f->store, ROOM, &unread, &error));
  g_assert_cmpuint (unread, ==, 2);
  again = sd_store_community_add_posts (f->store, ROOM, page, G_N_ELEMENTS (page), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 0);
  g_assert_true (sd_store_count_unread (f->store, ROOM, &unread, &error));
  g_assert_cmpuint (unread, ==, 2);
}

static gchar *
file_states (SdMessage *message)
{
  g_autoptr(GString) states = g_string_new (NULL);

  for (guint i = 0; message->attachments != NULL && i < message->attachments->len; i++)
    g_string_append_printf (states, "%s%s", i > 0 ? "," : "",
                            sd_attachment_state_to_string (((SdAttachmentInfo *)
                              g_ptr_array_index (message->attachments, i))->state));
  return g_string_free (g_steal_pointer (&states), FALSE);
}

/* ResendMessage of a post (docs/communities.md, "Resending"): a post that failed after its
 * first file went up is kept failed, that file available with its pointer and the other
 * failed with its kept file; resent, nothing is reset for SdAttachments (room files are the
 * communities' to upload), the one left goes up, and the post is linked to its server id
 * once stored. A poll that brings our own post back marks a failed copy sent; one still
 * sending when the daemon stopped fails */
static void
test_resend (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pointer = g_bytes_new_static ("pointer-one", 11);
  g_autoptr(GBytes) pointer2 = g_bytes_new_static ("pointer-two", 11);
  g_autoptr(SdMessage) failed = NULL;
  g_autoptr(SdMessage) resent = NULL;
  g_autoptr(SdMessage) uploaded = NULL;
  g_autoptr(SdMessage) sent = NULL;
  g_autoptr(SdMessage) again = NULL;
  g_autoptr(SdMessage) lost = NULL;
  g_autoptr(SdMessage) adopted = NULL;
  g_autoptr(SdMessage) cut = NULL;
  g_autoptr(GPtrArray) swept = NULL;
  g_autoptr(GPtrArray) pointers = NULL;
  g_autofree gchar *states = NULL;
  g_autofree gchar *conversation = NULL;
  SdCommunityFile files[2] = {
    { pointer, "one.bin", "application/octet-stream", NULL, 10, 0, 0, FALSE, "kept-one" },
    { NULL, "two.txt", "text/plain", "a caption", 20, 0, 0, FALSE, "kept-two" },
  };
  SdCommunityPost post = { 0 };
  guint uploads = 99;
  gint64 post_id = 0;

  g_assert_true (sd_store_add_community (f->store, ROOM, "http://127.0.0.1:1", "lobby", KEY,
                                         1000, NULL, &error));
  post.author = POSTER;
  post.outgoing = TRUE;
  post.body = "two files";
  post.sent_at = 1700000000000;
  post.files = files;
  post.n_files = G_N_ELEMENTS (files);
  failed = sd_store_community_add_failed_post (f->store, ROOM, &post, "503", &error);
  g_assert_no_error (error);
  g_assert_cmpint (failed->status, ==, SD_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (failed->error, ==, "503");
  g_assert_true (failed->outgoing);
  states = file_states (failed);
  g_assert_cmpstr (states, ==, "available,failed");
  g_clear_pointer (&states, g_free);

  /* not in another conversation; a 1:1 resend would have reset the second to uploading */
  g_assert_null (sd_store_resend_failed_for (f->store, "05" KEY2, failed->id,
                                             SD_RESEND_COMMUNITY, NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  resent = sd_store_resend_failed_for (f->store, ROOM, failed->id, SD_RESEND_COMMUNITY,
                                       &uploads, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uploads, ==, 1);
  g_assert_cmpint (resent->status, ==, SD_MESSAGE_STATUS_SENDING);
  g_assert_cmpint (resent->sent_at, ==, failed->sent_at);
  states = file_states (resent);
  g_assert_cmpstr (states, ==, "available,failed");
  g_clear_pointer (&states, g_free);
  /* sending: not again */
  g_assert_null (sd_store_resend_failed_for (f->store, ROOM, failed->id, SD_RESEND_COMMUNITY,
                                             NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);

  uploaded = sd_store_community_file_uploaded (f->store, ROOM, failed->id, 1, pointer2, &error);
  g_assert_no_error (error);
  states = file_states (uploaded);
  g_assert_cmpstr (states, ==, "available,available");
  g_clear_pointer (&states, g_free);
  pointers = sd_store_attachment_pointers (f->store, uploaded->local_id, &error);
  g_assert_cmpuint (pointers->len, ==, 2);
  g_assert_true (g_bytes_equal (g_ptr_array_index (pointers, 0), pointer));
  g_assert_true (g_bytes_equal (g_ptr_array_index (pointers, 1), pointer2));

  sent = sd_store_community_post_done (f->store, ROOM, failed->id, 42, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_null (sent->error);
  g_assert_true (sd_store_community_post_id (f->store, failed->id, &post_id, &conversation,
                                             &error));
  g_assert_cmpint (post_id, ==, 42);
  /* the poll that brings it back stores nothing new */
  post.post_id = 42;
  post.files = NULL;
  post.n_files = 0;
  again = sd_store_community_add_post (f->store, ROOM, &post, &error);
  g_assert_no_error (error);
  g_assert_null (again);

  /* a failed post the server did store after all (a lost answer): the poll marks it sent */
  post.body = "answer lost";
  post.sent_at += 10;
  lost = sd_store_community_add_failed_post (f->store, ROOM, &post, "timeout", &error);
  g_assert_no_error (error);
  post.post_id = 43;
  g_assert_null (sd_store_community_add_post (f->store, ROOM, &post, &error));
  g_assert_no_error (error);
  adopted = sd_store_get_message (f->store, lost->id, &error);
  g_assert_cmpint (adopted->status, ==, SD_MESSAGE_STATUS_SENT);
  g_assert_true (sd_store_community_post_id (f->store, lost->id, &post_id, NULL, &error));
  g_assert_cmpint (post_id, ==, 43);
  g_assert_null (sd_store_resend_failed_for (f->store, ROOM, lost->id, SD_RESEND_COMMUNITY,
                                             NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* a resend cut off by a stop fails at the next start; a failed one again is told so */
  post.body = "cut off";
  post.sent_at += 10;
  cut = sd_store_community_add_failed_post (f->store, ROOM, &post, "503", &error);
  g_clear_pointer (&resent, sd_message_free);
  resent = sd_store_resend_failed_for (f->store, ROOM, cut->id, SD_RESEND_COMMUNITY, NULL,
                                       &error);
  g_assert_no_error (error);
  swept = sd_store_community_fail_sending (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (swept->len, ==, 1);
  g_assert_cmpstr (((SdMessage *) g_ptr_array_index (swept, 0))->id, ==, cut->id);
  g_clear_pointer (&swept, g_ptr_array_unref);
  swept = sd_store_community_fail_sending (f->store, &error);
  g_assert_cmpuint (swept->len, ==, 0);
  g_clear_pointer (&again, sd_message_free);
  again = sd_store_community_post_done (f->store, ROOM, cut->id, 0, "again", &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->status, ==, SD_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (again->error, ==, "cut off by a restart");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/communities/join-and-info", Fixture, NULL, setup, test_join_and_info,
              teardown);
  g_test_add ("/store/communities/posts", Fixture, NULL, setup, test_posts, teardown);
  g_test_add ("/store/communities/resend", Fixture, NULL, setup, test_resend, teardown);
  g_test_add ("/store/communities/page-unread", Fixture, NULL, setup, test_page_unread,
              teardown);
  g_test_add ("/store/communities/blinded-dm", Fixture, NULL, setup, test_blinded_dm, teardown);
  g_test_add ("/store/communities/blinded-from-config", Fixture, NULL, setup,
              test_blinded_from_config, teardown);
  return g_test_run ();
}
