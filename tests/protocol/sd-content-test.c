/* SPDX-License-Identifier: GPL-3.0-or-later */
/* what we send, decoded with our own protocol code and checked field by
 * field against the documented layout */
#include "sd-content.h"
#include "sd-protobuf.h"
#include "sd-test-util.h"

#include <string.h>

#define T 1754971101000ULL

static SessionProtos__Content *
unpack (GBytes *bytes)
{
  SessionProtos__Content *content =
    session_protos__content__unpack (NULL, g_bytes_get_size (bytes), g_bytes_get_data (bytes, NULL));

  g_assert_nonnull (content);
  g_assert_true (content->has_sigtimestamp);
  g_assert_cmpuint (content->sigtimestamp, ==, T);
  return content;
}

static void
test_text (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_text ("hello", T, "Alice", 1754971101, NULL);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_cmpstr (c->datamessage->body, ==, "hello");
  g_assert_cmpstr (c->datamessage->profile->displayname, ==, "Alice");
  g_assert_cmpuint (c->datamessage->profile->lastprofileupdateseconds, ==, 1754971101);
  g_assert_null (c->datamessage->synctarget);
  /* desktop writes both expiration fields on visible messages */
  g_assert_true (c->has_expirationtype);
  g_assert_true (c->has_expirationtimer);
  g_assert_cmpuint (c->expirationtimer, ==, 0);
  g_assert_false (c->datamessage->has_timestamp);

  /* §9.6: body + sigTimestamp alone is the documented 16-byte encoding;
   * ours adds profile and expiration fields but starts the same way */
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (bytes, NULL))[0], ==, 0x0a);
}

static void
test_sync_copy (void)
{
  const gchar *target = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
  g_autoptr(GBytes) bytes = sd_content_pack_text ("hello", T, "Alice", 1, target);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_cmpstr (c->datamessage->synctarget, ==, target);
  /* no profile in sync copies */
  g_assert_null (c->datamessage->profile);
}

static void
test_empty_name_left_out (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_text ("x", T, "", 1, NULL);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_null (c->datamessage->profile);
}

static void
test_typing (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_typing (T, TRUE);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);
  g_autoptr(GBytes) stop = sd_content_pack_typing (T, FALSE);
  g_autoptr(SessionProtos__Content) s = unpack (stop);

  g_assert_cmpuint (c->typingmessage->timestamp, ==, T);
  g_assert_cmpint (c->typingmessage->action, ==, SESSION_PROTOS__TYPING_MESSAGE__ACTION__STARTED);
  g_assert_cmpint (s->typingmessage->action, ==, SESSION_PROTOS__TYPING_MESSAGE__ACTION__STOPPED);
  g_assert_null (c->datamessage);
  g_assert_false (c->has_expirationtimer);
}

static void
test_receipt (void)
{
  const guint64 read[] = { T - 5000, T - 10 };
  g_autoptr(GBytes) bytes = sd_content_pack_read_receipt (T, read, 2);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_cmpint (c->receiptmessage->type, ==, SESSION_PROTOS__RECEIPT_MESSAGE__TYPE__READ);
  g_assert_cmpuint (c->receiptmessage->n_timestamp, ==, 2);
  g_assert_cmpuint (c->receiptmessage->timestamp[0], ==, T - 5000);
  g_assert_cmpuint (c->receiptmessage->timestamp[1], ==, T - 10);
}

static void
test_request_response (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_request_response (T, "Bob", 7);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_true (c->messagerequestresponse->isapproved);
  g_assert_cmpstr (c->messagerequestresponse->profile->displayname, ==, "Bob");
  g_assert_cmpuint (c->messagerequestresponse->profile->lastprofileupdateseconds, ==, 7);
  g_assert_null (c->messagerequestresponse->profile->profilepicture);
  g_assert_false (c->messagerequestresponse->has_profilekey);
}

/* with our picture: its URL in the profile, its key beside it, also without a name */
static void
test_request_response_picture (void)
{
  g_autoptr(GBytes) key = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(GBytes) bytes = sd_content_pack_request_response_full (T, "Bob", 7,
                                                                    "http://f/file/x", key);
  g_autoptr(GBytes) nameless = sd_content_pack_request_response_full (T, NULL, 8,
                                                                       "http://f/file/y", key);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);
  g_autoptr(SessionProtos__Content) d = unpack (nameless);

  g_assert_cmpstr (c->messagerequestresponse->profile->displayname, ==, "Bob");
  g_assert_cmpstr (c->messagerequestresponse->profile->profilepicture, ==, "http://f/file/x");
  g_assert_true (c->messagerequestresponse->has_profilekey);
  g_assert_cmpmem (c->messagerequestresponse->profilekey.data,
                   c->messagerequestresponse->profilekey.len,
                   "0123456789abcdef0123456789abcdef", 32);
  g_assert_null (d->messagerequestresponse->profile->displayname);
  g_assert_cmpstr (d->messagerequestresponse->profile->profilepicture, ==, "http://f/file/y");
  g_assert_cmpuint (d->messagerequestresponse->profile->lastprofileupdateseconds, ==, 8);
}

static void
test_quote_and_timer (void)
{
  SdTextContent text = { 0 };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SessionProtos__Content) c = NULL;

  text.body = "yes";
  text.sent_at = T;
  text.quote_id = T - 60000;
  text.quote_author = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
  text.expiration_type = 2;
  text.expiration_timer = 3600;
  bytes = sd_content_pack_text_full (&text);
  c = unpack (bytes);
  g_assert_cmpuint (c->datamessage->quote->id, ==, T - 60000);
  g_assert_cmpstr (c->datamessage->quote->author, ==, text.quote_author);
  g_assert_cmpint (c->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND);
  g_assert_cmpuint (c->expirationtimer, ==, 3600);
}

/* community posts say whether we refuse community DMs (field 106, tag d0 06), even when
 * we do not, as desktop's posts do; other messages leave it out */
static gboolean
contains (const guint8 *data, gsize len, const guint8 *needle, gsize n)
{
  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_community_requests_flag (void)
{
  SdTextContent text = { .body = "hi", .sent_at = T };
  const guint8 refuse[] = { 0xd0, 0x06, 0x01 };
  const guint8 allow[] = { 0xd0, 0x06, 0x00 };

  for (guint i = 0; i < 3; i++) {
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(SessionProtos__Content) c = NULL;
    gsize len;
    const guint8 *data;

    text.community_post = i > 0;
    text.blocks_community_requests = i == 2;
    bytes = sd_content_pack_text_full (&text);
    c = unpack (bytes);
    data = g_bytes_get_data (bytes, &len);
    g_assert_cmpint (c->datamessage->has_blockscommunitymessagerequests, ==, i > 0);
    g_assert_cmpint (c->datamessage->blockscommunitymessagerequests, ==, i == 2);
    g_assert_true (contains (data, len, refuse, sizeof refuse) == (i == 2));
    g_assert_true (contains (data, len, allow, sizeof allow) == (i == 1));
  }
}

static void
test_reaction (void)
{
  const gchar *author = "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74";
  g_autoptr(GBytes) add = sd_content_pack_reaction (T, T - 5, author, "👍", FALSE, "Alice", 3,
                                                    NULL, 2, 43200);
  g_autoptr(GBytes) remove = sd_content_pack_reaction (T + 1, T - 5, author, "👍", TRUE, NULL, 0,
                                                       NULL, 0, 0);
  g_autoptr(GBytes) sync = sd_content_pack_reaction (T, T - 5, author, "👍", FALSE, "Alice", 3,
                                                     author, 2, 43200);
  g_autoptr(SessionProtos__Content) s = unpack (sync);
  g_autoptr(SessionProtos__Content) a = unpack (add);
  g_autoptr(SessionProtos__Content) r = session_protos__content__unpack (
    NULL, g_bytes_get_size (remove), g_bytes_get_data (remove, NULL));

  g_assert_cmpuint (a->datamessage->reaction->id, ==, T - 5);
  g_assert_cmpstr (a->datamessage->reaction->author, ==, author);
  g_assert_cmpstr (a->datamessage->reaction->emoji, ==, "👍");
  g_assert_cmpint (a->datamessage->reaction->action, ==,
                   SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REACT);
  g_assert_null (a->datamessage->body);
  g_assert_cmpstr (a->datamessage->profile->displayname, ==, "Alice");
  g_assert_cmpuint (a->datamessage->profile->lastprofileupdateseconds, ==, 3);
  g_assert_null (a->datamessage->synctarget);
  g_assert_cmpuint (a->sigtimestamp, ==, T);
  /* a reaction carries the conversation's setting like any visible message */
  g_assert_cmpint (a->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND);
  g_assert_cmpuint (a->expirationtimer, ==, 43200);
  g_assert_cmpint (s->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND);
  g_assert_cmpuint (s->expirationtimer, ==, 43200);
  g_assert_cmpint (r->datamessage->reaction->action, ==,
                   SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REMOVE);
  g_assert_true (r->has_expirationtype);
  g_assert_cmpint (r->expirationtype, ==, SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__UNKNOWN);
  g_assert_true (r->has_expirationtimer);
  g_assert_cmpuint (r->expirationtimer, ==, 0);
  g_assert_null (r->datamessage->profile);
  /* the copy to our own devices names the conversation and carries no profile */
  g_assert_cmpstr (s->datamessage->synctarget, ==, author);
  g_assert_null (s->datamessage->profile);
  g_assert_cmpuint (s->datamessage->reaction->id, ==, T - 5);
  /* DataMessage.reaction is field 11: tag 0x5a */
  g_assert_nonnull (memchr (g_bytes_get_data (add, NULL), 0x5a, g_bytes_get_size (add)));
}

static void
test_unsend (void)
{
  const gchar *author = "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74";
  g_autoptr(GBytes) bytes = sd_content_pack_unsend (T, T - 99, author);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_cmpuint (c->unsendrequest->timestamp, ==, T - 99);
  g_assert_cmpstr (c->unsendrequest->author, ==, author);
  g_assert_false (c->has_expirationtype);
  g_assert_false (c->has_expirationtimer);
  g_assert_null (c->datamessage);
}

static void
test_expiration_update (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_expiration_update (T, 1, 43200, NULL);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);

  g_assert_true (c->datamessage->has_flags);
  g_assert_cmpuint (c->datamessage->flags, ==, 2);
  g_assert_cmpint (c->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_READ);
  g_assert_cmpuint (c->expirationtimer, ==, 43200);
}

static void
test_data_extraction (void)
{
  g_autoptr(GBytes) bytes = sd_content_pack_data_extraction (T, 1, 0, 0, 0);
  g_autoptr(SessionProtos__Content) c = unpack (bytes);
  g_autoptr(GBytes) forced = sd_content_pack_data_extraction (T, 2, T - 7, 1, 43200);
  g_autoptr(SessionProtos__Content) f = unpack (forced);

  g_assert_cmpint (c->dataextractionnotification->type, ==,
                   SESSION_PROTOS__DATA_EXTRACTION_NOTIFICATION__TYPE__SCREENSHOT);
  g_assert_false (c->dataextractionnotification->has_timestamp);
  g_assert_true (c->has_expirationtype);
  g_assert_true (c->has_expirationtimer);
  g_assert_cmpuint (c->expirationtimer, ==, 0);
  /* the fields it is given are the ones written */
  g_assert_cmpint (f->dataextractionnotification->type, ==,
                   SESSION_PROTOS__DATA_EXTRACTION_NOTIFICATION__TYPE__MEDIA_SAVED);
  g_assert_cmpuint (f->dataextractionnotification->timestamp, ==, T - 7);
  g_assert_cmpint (f->expirationtype, ==,
                   SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_READ);
  g_assert_cmpuint (f->expirationtimer, ==, 43200);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/content/text", test_text);
  g_test_add_func ("/protocol/content/sync-copy", test_sync_copy);
  g_test_add_func ("/protocol/content/empty-name", test_empty_name_left_out);
  g_test_add_func ("/protocol/content/typing", test_typing);
  g_test_add_func ("/protocol/content/receipt", test_receipt);
  g_test_add_func ("/protocol/content/request-response", test_request_response);
  g_test_add_func ("/protocol/content/request-response-picture",
                   test_request_response_picture);
  g_test_add_func ("/protocol/content/quote-and-timer", test_quote_and_timer);
  g_test_add_func ("/protocol/content/reaction", test_reaction);
  g_test_add_func ("/protocol/content/community-requests-flag", test_community_requests_flag);
  g_test_add_func ("/protocol/content/unsend", test_unsend);
  g_test_add_func ("/protocol/content/expiration-update", test_expiration_update);
  g_test_add_func ("/protocol/content/data-extraction", test_data_extraction);
  return g_test_run ();
}
