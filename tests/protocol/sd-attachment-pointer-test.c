/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AttachmentPointer decoding (protocol-advanced.md §6.4) */
#include "config.h"

#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-pointer.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

#define FS_URL "http://filev2.getsession.org/file/"
/* §6.1, the default file server's Ed25519 key */
#define FS_ED "b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371"

static guint8 key64[64], key32[32], digest[32];

static GBytes *
pack (SessionProtos__AttachmentPointer *pb)
{
  gsize len = session_protos__attachment_pointer__get_packed_size (pb);
  guint8 *buf = g_malloc (len + 1);

  session_protos__attachment_pointer__pack (pb, buf);
  return g_bytes_new_take (buf, len);
}

static SdAttachmentPointer *
decode (SessionProtos__AttachmentPointer *pb, GError **error)
{
  g_autoptr(GBytes) wire = pack (pb);

  return sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                       error);
}

static void
legacy_pb (SessionProtos__AttachmentPointer *pb)
{
  SessionProtos__AttachmentPointer init = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;

  *pb = init;
  pb->url = (gchar *) FS_URL "abc";
  pb->has_key = TRUE;
  pb->key.data = key64;
  pb->key.len = 64;
  pb->has_digest = TRUE;
  pb->digest.data = digest;
  pb->digest.len = 32;
  pb->has_size = TRUE;
  pb->size = 1234;
  pb->contenttype = (gchar *) "audio/aac";
  pb->filename = (gchar *) "note.aac";
  pb->has_flags = TRUE;
  pb->flags = 1;
}

static void
test_legacy (void)
{
  SessionProtos__AttachmentPointer pb;
  g_autoptr(SdAttachmentPointer) p = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;

  legacy_pb (&pb);
  pb.has_width = TRUE;
  pb.width = 640;
  pb.has_height = TRUE;
  pb.height = 100000; /* out of range: dropped, not fatal */
  p = decode (&pb, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->scheme, ==, SD_ATTACHMENT_SCHEME_LEGACY);
  g_assert_cmpstr (p->url, ==, FS_URL "abc");
  g_assert_null (p->server_pubkey);
  g_assert_cmpstr (p->content_type, ==, "audio/aac");
  g_assert_cmpstr (p->file_name, ==, "note.aac");
  g_assert_cmpint (p->size, ==, 1234);
  g_assert_true (p->voice_message);
  g_assert_cmpuint (p->width, ==, 640);
  g_assert_cmpuint (p->height, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (p->key), ==, 64);
  g_assert_cmpuint (g_bytes_get_size (p->digest), ==, 32);

  wire = sd_attachment_pointer_encode (p);
  again = sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->url, ==, p->url);
  g_assert_true (g_bytes_equal (again->key, p->key));
  g_assert_true (g_bytes_equal (again->digest, p->digest));
  g_assert_cmpint (again->size, ==, 1234);
  g_assert_true (again->voice_message);
}

static void
test_deterministic (void)
{
  SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
  g_autoptr(SdAttachmentPointer) p = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(SessionProtos__AttachmentPointer) raw = NULL;

  pb.url = (gchar *) "http://127.0.0.1:1/file/xyz#p=" FS_ED "&d";
  pb.has_key = TRUE;
  pb.key.data = key32;
  pb.key.len = 32;
  p = decode (&pb, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->scheme, ==, SD_ATTACHMENT_SCHEME_DETERMINISTIC);
  g_assert_cmpstr (p->url, ==, "http://127.0.0.1:1/file/xyz");
  g_assert_cmpstr (p->server_pubkey, ==, FS_ED);
  g_assert_null (p->digest);
  g_assert_cmpint (p->size, ==, -1);
  g_assert_false (p->voice_message);

  /* encoding puts the fragment back, and deprecated_id is 0 */
  wire = sd_attachment_pointer_encode (p);
  raw = session_protos__attachment_pointer__unpack (NULL, g_bytes_get_size (wire),
                                                    g_bytes_get_data (wire, NULL));
  g_assert_nonnull (raw);
  g_assert_cmpstr (raw->url, ==, "http://127.0.0.1:1/file/xyz#p=" FS_ED "&d");
  g_assert_cmpuint (raw->deprecated_id, ==, 0);
  again = sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->server_pubkey, ==, FS_ED);
}

static void
assert_rejects (SessionProtos__AttachmentPointer *pb, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdAttachmentPointer) p = decode (pb, &error);

  g_assert_null (p);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

static void
test_hostile (void)
{
  SessionProtos__AttachmentPointer pb;
  g_autofree gchar *long_name = g_strnfill (SD_ATTACHMENT_FILE_NAME_MAX + 1, 'a');
  g_autofree gchar *long_url = NULL;
  g_autoptr(GError) error = NULL;

  legacy_pb (&pb);
  pb.url = NULL;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  pb.url = (gchar *) "file:///etc/passwd";
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  pb.url = (gchar *) FS_URL "abc#p=zz";
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  long_url = g_strconcat (FS_URL, long_name, long_name, NULL);
  pb.url = long_url;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_TOO_LARGE);

  legacy_pb (&pb);
  pb.key.len = 16;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  pb.has_key = FALSE;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);

  legacy_pb (&pb);
  pb.digest.len = 31;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  /* a 64-byte key without a digest, a digest with a 32-byte key */
  legacy_pb (&pb);
  pb.has_digest = FALSE;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);
  legacy_pb (&pb);
  pb.key.data = key32;
  pb.key.len = 32;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);

  legacy_pb (&pb);
  pb.filename = long_name;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_TOO_LARGE);
  pb.filename = (gchar *) "bad\xff.txt";
  assert_rejects (&pb, SD_PROTOCOL_ERROR_MALFORMED);

  legacy_pb (&pb);
  pb.size = SD_ATTACHMENT_DET_MAX_SIZE + 1;
  assert_rejects (&pb, SD_PROTOCOL_ERROR_TOO_LARGE);

  /* not a protobuf; no required deprecated_id; too large to be a pointer */
  g_assert_null (sd_attachment_pointer_decode ((const guint8 *) "\xff\xff\xff", 3, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_attachment_pointer_decode ((const guint8 *) "\x12\x01x", 3, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  {
    g_autofree guint8 *big = g_malloc0 (65 * 1024);

    g_assert_null (sd_attachment_pointer_decode (big, 65 * 1024, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  }
}

static SdAttachmentPointer *
pointer_at (const gchar *url)
{
  SessionProtos__AttachmentPointer pb = SESSION_PROTOS__ATTACHMENT_POINTER__INIT;
  g_autoptr(GError) error = NULL;
  SdAttachmentPointer *p;

  pb.url = (gchar *) url;
  pb.has_key = TRUE;
  pb.key.data = key32;
  pb.key.len = 32;
  p = decode (&pb, &error);
  g_assert_no_error (error);
  return p;
}

/* §6.1: the default server's Ed25519 key converts to its published
 * X25519 key, which v4 requests are sealed for */
static void
test_locate (void)
{
  g_autoptr(SdAttachmentPointer) def = pointer_at (FS_URL "abc");
  g_autoptr(SdAttachmentPointer) local = pointer_at ("http://127.0.0.1:4000/file/xyz#p=" FS_ED);
  g_autoptr(SdAttachmentPointer) unknown = pointer_at ("https://files.example/file/q");
  g_autoptr(SdAttachmentPointer) bad_key = NULL;
  g_autofree gchar *proto = NULL, *host = NULL, *endpoint = NULL;
  g_autofree gchar *proto2 = NULL, *host2 = NULL, *endpoint2 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 x[32];
  guint16 port = 1;

  g_assert_true (sd_attachment_pointer_locate (def, &proto, &host, &port, &endpoint, x, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (proto, ==, "http");
  g_assert_cmpstr (host, ==, "filev2.getsession.org");
  g_assert_cmpuint (port, ==, 0);
  g_assert_cmpstr (endpoint, ==, "/file/abc");
  sd_test_assert_hex (x, 32, "09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34");

  g_assert_true (sd_attachment_pointer_locate (local, &proto2, &host2, &port, &endpoint2, x,
                                               &error));
  g_assert_cmpstr (host2, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, 4000);
  g_assert_cmpstr (endpoint2, ==, "/file/xyz");
  sd_test_assert_hex (x, 32, "09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34");

  {
    g_autofree gchar *a = NULL, *b = NULL, *c = NULL;

    g_assert_false (sd_attachment_pointer_locate (unknown, &a, &b, &port, &c, x, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
    g_clear_error (&error);
    /* 64 hex digits that are no curve point */
    bad_key = pointer_at ("http://127.0.0.1/file/x#p="
                          "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    g_assert_false (sd_attachment_pointer_locate (bad_key, &a, &b, &port, &c, x, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
    g_assert_null (a);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  memset (key64, 0x11, sizeof key64);
  memset (key32, 0x22, sizeof key32);
  memset (digest, 0x33, sizeof digest);

  g_test_add_func ("/attachment-pointer/legacy", test_legacy);
  g_test_add_func ("/attachment-pointer/deterministic", test_deterministic);
  g_test_add_func ("/attachment-pointer/hostile", test_hostile);
  g_test_add_func ("/attachment-pointer/locate", test_locate);
  return g_test_run ();
}
