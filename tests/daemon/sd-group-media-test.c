/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "sd-attachment-pointer.h"
#include "sd-content.h"
#include "sd-group-media.h"
#include "sd-groups-fixture.h"
#include "sd-store-group-media.h"
#include "session-messages.pb-c.h"

/* groups beyond text on a real store (sd-store-group-media.c) and the reading of a group
 * message's attachments and timer (sd_group_media_read): docs/groups.md, "Media and
 * disappearing messages" */

typedef SdGroupsFixture Fixture;

/* the fixture's group, saved as ours (admin: with its seed) */
static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  SdStoreGroup row = { 0 };

  sd_groups_fixture_setup (f, data);
  row.id = f->group.id;
  row.seed = f->group_seed;
  g_assert_true (sd_store_save_group (f->store, &row, "Crew", &error));
  g_assert_no_error (error);
}

static GBytes *
pointer (const gchar *url, const gchar *file_name)
{
  SdAttachmentPointer p = { 0 };
  guint8 key[64], digest[32];
  GBytes *wire;

  memset (key, 0x5a, sizeof key);
  memset (digest, 0xa5, sizeof digest);
  p.url = (gchar *) url;
  p.file_name = (gchar *) file_name;
  p.content_type = (gchar *) "application/octet-stream";
  p.key = g_bytes_new (key, sizeof key);
  p.digest = g_bytes_new (digest, sizeof digest);
  p.scheme = SD_ATTACHMENT_SCHEME_LEGACY;
  p.size = 1234;
  wire = sd_attachment_pointer_encode (&p);
  g_bytes_unref (p.key);
  g_bytes_unref (p.digest);
  return wire;
}

/* a received message with two files and a 10 s timer: stored with both (pending) and its
 * expiry; it expires at sent + 10 s, not before; once gone it does not come back */
static void
test_message (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pointers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) gone = NULL;
  g_autoptr(SdMessage) got = NULL;
  g_autofree gchar *id = NULL;
  SdGroupMessageRow row = { 0 };
  gboolean added = FALSE;
  const gint64 t = 1765000000000;
  SdAttachmentInfo *info;

  g_ptr_array_add (pointers, pointer ("http://files.example/file/a", "a.bin"));
  g_ptr_array_add (pointers, pointer ("http://files.example/file/b", "b.bin"));
  row.group_id = f->group.id;
  row.author = f->other.session_id;
  row.body = "";
  row.sent_at = t;
  row.server_hash = "hash1";
  row.expiration_timer = 10;
  row.pointers = pointers;
  g_assert_true (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  id = sd_message_id_make (f->other.session_id, t);
  got = sd_store_get_message (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->conversation, ==, f->group.id);
  g_assert_cmpint (got->expires_at, ==, t + 10000);
  g_assert_cmpuint (got->expiration_timer, ==, 10);
  g_assert_nonnull (got->attachments);
  g_assert_cmpuint (got->attachments->len, ==, 2);
  info = g_ptr_array_index (got->attachments, 1);
  g_assert_cmpstr (info->file_name, ==, "b.bin");
  g_assert_cmpint (info->state, ==, SD_ATTACHMENT_STATE_PENDING);

  /* the same one again changes nothing */
  g_assert_true (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_false (added);

  gone = sd_store_remove_expired (f->store, t + 9999, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gone->len, ==, 0);
  g_clear_pointer (&gone, g_ptr_array_unref);
  gone = sd_store_remove_expired (f->store, t + 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gone->len, ==, 1);
  /* read again from another member of the swarm: it stays gone */
  g_assert_true (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_no_error (error);
  g_assert_false (added);
  g_clear_pointer (&got, sd_message_free);
  got = sd_store_get_message (f->store, id, NULL);
  g_assert_null (got);
}

/* ResendMessage in a group (docs/groups.md, "Resending a failed message"): our message with
 * one upload done and one failed goes back to sending with the same sent-at, the failed
 * upload back to uploading and the done one kept; no outbox row (the group sends it) */
static void
test_resend (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = g_bytes_new_static ("0123456789abcdef0123456789abcdef0123456789abcdef"
                                                 "0123456789abcdef0123456789abcdef", 80);
  g_autoptr(GBytes) done = g_bytes_new_static ("pointer", 7);
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(SdMessage) resent = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autofree gchar *id = NULL;
  SdOutgoingAttachment files[2] = {
    { "one.bin", "application/octet-stream", NULL, 10, 0, 0, FALSE, "file-one", secret },
    { "two.bin", "application/octet-stream", NULL, 20, 0, 0, FALSE, "file-two", secret },
  };
  SdGroupMessageRow row = { 0 };
  gboolean added = FALSE, all_done = TRUE;
  guint uploads = 0;
  const gint64 t = 1765000000000;

  row.group_id = f->group.id;
  row.author = f->me.session_id;
  row.outgoing = TRUE;
  row.body = "two files";
  row.sent_at = t;
  row.outgoing_attachments = files;
  row.n_outgoing_attachments = G_N_ELEMENTS (files);
  g_assert_true (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_no_error (error);
  id = sd_message_id_make (f->me.session_id, t);
  message = sd_store_get_message (f->store, id, &error);
  g_assert_no_error (error);
  /* still sending: not failed */
  g_assert_null (sd_store_resend_failed_for (f->store, f->group.id, id, SD_RESEND_GROUP, NULL,
                                             &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (sd_store_attachment_uploaded (f->store, message->local_id, 0, done, &all_done,
                                               &error));
  g_assert_true (sd_store_attachment_set_state (f->store, message->local_id, 1,
                                                SD_ATTACHMENT_STATE_FAILED, NULL, "413",
                                                &error));
  g_assert_true (sd_store_set_group_message_status (f->store, f->group.id, f->me.session_id, t,
                                                    FALSE, NULL, &error));
  /* only in its own conversation */
  g_assert_null (sd_store_resend_failed_for (f->store, f->other.session_id, id, SD_RESEND_GROUP,
                                             NULL, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  resent = sd_store_resend_failed_for (f->store, f->group.id, id, SD_RESEND_GROUP, &uploads,
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uploads, ==, 1);
  g_assert_cmpint (resent->status, ==, SD_MESSAGE_STATUS_SENDING);
  g_assert_cmpint (resent->sent_at, ==, t);
  g_assert_cmpint (((SdAttachmentInfo *) g_ptr_array_index (resent->attachments, 0))->state, ==,
                   SD_ATTACHMENT_STATE_AVAILABLE);
  g_assert_cmpint (((SdAttachmentInfo *) g_ptr_array_index (resent->attachments, 1))->state, ==,
                   SD_ATTACHMENT_STATE_UPLOADING);
  due = sd_store_outbox_due (f->store, G_MAXINT64 - 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  /* sending again: not a second time */
  g_assert_null (sd_store_resend_failed_for (f->store, f->group.id, id, SD_RESEND_GROUP, NULL,
                                             &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
}

/* out of bounds: a timer past two weeks, 33 attachments, a bad author; nothing stored */
static void
test_bounds (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SdConversation) conversation = NULL;
  SdGroupMessageRow row = { 0 };
  gboolean added = TRUE;

  row.group_id = f->group.id;
  row.author = f->other.session_id;
  row.body = "x";
  row.sent_at = 1765000000000;
  row.expiration_timer = SD_GROUP_DISAPPEARING_MAX + 1;
  g_assert_false (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_assert_false (added);
  g_clear_error (&error);
  row.expiration_timer = 0;
  for (guint i = 0; i < SD_ATTACHMENT_MAX_COUNT + 1; i++)
    g_ptr_array_add (many, pointer ("http://files.example/file/x", NULL));
  row.pointers = many;
  g_assert_false (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  row.pointers = NULL;
  row.author = "05zz";
  g_assert_false (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  row.author = f->other.session_id;
  g_assert_true (sd_store_add_group_message_media (f->store, &row, &added, &error));
  g_assert_true (added);
  conversation = sd_store_get_conversation (f->store, f->group.id, NULL);
  g_assert_cmpuint (conversation->unread, ==, 1);
}

/* the picture and the timer a group conversation shows; neither lands on another conversation */
static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(GBytes) short_key = g_bytes_new_static ("0123", 4);
  g_autoptr(SdConversation) conversation = NULL;
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) got_key = NULL;
  gboolean changed = FALSE;

  g_assert_true (sd_store_set_group_avatar (f->store, f->group.id, "http://files.example/file/p",
                                            key, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_true (sd_store_get_avatar (f->store, f->group.id, &url, &got_key, &file, &error));
  g_assert_cmpstr (url, ==, "http://files.example/file/p");
  g_assert_null (file);
  g_assert_true (g_bytes_equal (got_key, key));
  g_assert_true (sd_store_set_group_avatar (f->store, f->group.id, "http://files.example/file/p",
                                            key, &changed, &error));
  g_assert_false (changed);
  g_assert_false (sd_store_set_group_avatar (f->store, f->group.id, "http://x/y", short_key,
                                             &changed, &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sd_store_set_group_avatar (f->store, f->other.session_id, NULL, NULL, &changed,
                                             &error));
  g_assert_error (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (sd_store_set_group_avatar (f->store, f->group.id, NULL, NULL, &changed, &error));
  g_assert_true (changed);

  g_assert_true (sd_store_set_group_expiration (f->store, f->group.id, 10, &changed, &error));
  g_assert_true (changed);
  conversation = sd_store_get_conversation (f->store, f->group.id, &error);
  g_assert_cmpstr (conversation->expiration_mode, ==, "after-send");
  g_assert_cmpint (conversation->expiration_timer, ==, 10);
  g_clear_pointer (&conversation, sd_conversation_free);
  g_assert_true (sd_store_set_group_expiration (f->store, f->group.id, 10, &changed, &error));
  g_assert_false (changed);
  g_assert_true (sd_store_set_group_expiration (f->store, f->group.id, 0, &changed, &error));
  g_assert_true (changed);
  conversation = sd_store_get_conversation (f->store, f->group.id, &error);
  g_assert_cmpstr (conversation->expiration_mode, ==, "off");
  g_clear_pointer (&conversation, sd_conversation_free);
  /* a 1:1 conversation is not a group's */
  g_assert_true (sd_store_open_conversation (f->store, f->other.session_id, 1, &error));
  g_assert_true (sd_store_set_group_expiration (f->store, f->other.session_id, 10, &changed,
                                                &error));
  g_assert_false (changed);
}

static GBytes *
envelope_around (GBytes *content)
{
  SessionProtos__Envelope envelope = SESSION_PROTOS__ENVELOPE__INIT;
  gsize len;
  guint8 *out;

  envelope.has_content = TRUE;
  envelope.content.data = (guint8 *) g_bytes_get_data (content, &envelope.content.len);
  envelope.timestamp = 1765000000000;
  len = session_protos__envelope__get_packed_size (&envelope);
  out = g_malloc (len);
  session_protos__envelope__pack (&envelope, out);
  return g_bytes_new_take (out, len);
}

/* what a plaintext carries: its pointers as they came, an after-send timer rounded up to an
 * offered one; an after-read timer (no such thing in groups) and garbage carry nothing */
static void
test_read (void)
{
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GBytes) content = NULL, plain = NULL, garbage = NULL;
  SdTextContent text = { 0 };
  guint32 timer = 99;

  g_ptr_array_add (sent, pointer ("http://files.example/file/a", "a.bin"));
  text.body = "";
  text.sent_at = 1765000000000;
  text.expiration_type = 2;
  text.expiration_timer = 11;
  text.attachments = sent;
  content = sd_content_pack_text_full (&text);
  plain = envelope_around (content);
  sd_group_media_read (plain, &got, &timer);
  g_assert_nonnull (got);
  g_assert_cmpuint (got->len, ==, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (got, 0), g_ptr_array_index (sent, 0)));
  g_assert_cmpuint (timer, ==, 30);
  g_clear_pointer (&got, g_ptr_array_unref);
  /* a bare Content too */
  sd_group_media_read (content, &got, &timer);
  g_assert_nonnull (got);
  g_assert_cmpuint (timer, ==, 30);
  g_clear_pointer (&got, g_ptr_array_unref);
  g_clear_pointer (&content, g_bytes_unref);
  g_clear_pointer (&plain, g_bytes_unref);

  text.expiration_type = 1;
  text.attachments = NULL;
  content = sd_content_pack_text_full (&text);
  plain = envelope_around (content);
  sd_group_media_read (plain, &got, &timer);
  g_assert_null (got);
  g_assert_cmpuint (timer, ==, 0);

  garbage = g_bytes_new_static ("\xff\xff\xff\xff", 4);
  timer = 5;
  sd_group_media_read (garbage, &got, &timer);
  g_assert_null (got);
  g_assert_cmpuint (timer, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sodium_init () < 0)
    return 1;
  sd_groups_fixture_add ("/group-media/message", setup, test_message);
  sd_groups_fixture_add ("/group-media/bounds", setup, test_bounds);
  sd_groups_fixture_add ("/group-media/resend", setup, test_resend);
  sd_groups_fixture_add ("/group-media/settings", setup, test_settings);
  g_test_add_func ("/group-media/read", test_read);
  return g_test_run ();
}
