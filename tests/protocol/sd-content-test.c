/* SPDX-License-Identifier: GPL-3.0-or-later */
/* what we send, decoded with our own protocol code and checked field by
 * field against the documented layout */
#include "sd-content.h"
#include "sd-protobuf.h"
#include "sd-test-util.h"

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
  return g_test_run ();
}
