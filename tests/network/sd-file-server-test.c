/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdFileServer without I/O: its configuration, upload replies, which URLs are its own, the
 * pointers it refuses before any request, and the percent a transfer shows over its phases (the transfers themselves are covered against
 * the testnet by tests/integration/test_attachments.py) */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-fake-transport.h"
#include "sd-file-server.h"
#include "sd-memory-pool-store.h"
#include "sd-network-error.h"
#include "sd-encoding.h"

#define KEY "0102030405060708091011121314151617181920212223242526272829303132"

static SdNetwork *
new_network (void)
{
  g_autoptr(SdFakeTransport) transport = sd_fake_transport_new (4);
  g_autoptr(SdPoolStore) store = sd_memory_pool_store_new ();

  return sd_network_new (SD_TRANSPORT (transport), store, NULL, TRUE);
}

static void
test_config (void)
{
  g_autoptr(SdNetwork) network = new_network ();
  g_autoptr(SdFileServer) mainnet = sd_file_server_new (network, NULL, NULL, NULL);
  g_autoptr(SdFileServer) custom = NULL;
  g_autoptr(SdFileServer) bad = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (mainnet);
  g_assert_cmpstr (sd_file_server_get_url (mainnet), ==, "http://filev2.getsession.org");
  /* the default port is left out, the host lower-cased, a path ignored */
  custom = sd_file_server_new (network, "http://Files.Example:80/x", KEY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sd_file_server_get_url (custom), ==, "http://files.example");
  g_clear_object (&custom);
  custom = sd_file_server_new (network, "http://127.0.0.1:40060", KEY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sd_file_server_get_url (custom), ==, "http://127.0.0.1:40060");

  bad = sd_file_server_new (network, "ftp://x", KEY, &error);
  g_assert_null (bad);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  bad = sd_file_server_new (network, "http://x", "abcd", &error);
  g_assert_null (bad);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_owns_url (void)
{
  g_autoptr(SdNetwork) network = new_network ();
  g_autoptr(SdFileServer) fs = sd_file_server_new (network, "http://127.0.0.1:40060", KEY, NULL);
  g_autofree gchar *id = NULL;
  const gchar *const not_ours[] = {
    "http://127.0.0.1:40061/file/abc",  /* another port */
    "https://127.0.0.1:40060/file/abc", /* another scheme */
    "http://127.0.0.2:40060/file/abc",  /* another host */
    "http://127.0.0.1:40060/files/abc", /* another endpoint */
    "http://127.0.0.1:40060/file/",     /* no id */
    "http://127.0.0.1:40060/file/a/b",  /* not an id */
    "http://127.0.0.1:40060/file/a%2Fb",
    "not a url",
  };

  g_assert_true (sd_file_server_owns_url (fs, "http://127.0.0.1:40060/file/Ab-_9", &id));
  g_assert_cmpstr (id, ==, "Ab-_9");
  for (gsize i = 0; i < G_N_ELEMENTS (not_ours); i++)
    g_assert_false (sd_file_server_owns_url (fs, not_ours[i], NULL));
}

static void
test_upload_reply (void)
{
  g_autofree gchar *id = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *const bad[] = {
    "", "[]", "{}", "{\"id\":\"\"}", "{\"id\":\"a/b\"}", "{\"id\":true}", "{\"id\":null}",
    "{\"id\":{}}", "not json",
  };
  g_autofree gchar *long_id = NULL;

#define PARSE(text, out, err) \
  sd_file_server_parse_upload_reply ((const guint8 *) (text), strlen (text), out, err)
  g_assert_true (PARSE ("{\"id\":\"DhtAbc_-9\",\"expires\":1}", &id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "DhtAbc_-9");
  g_clear_pointer (&id, g_free);
  /* older servers number their files */
  g_assert_true (PARSE ("{\"id\":12345}", &id, NULL));
  g_assert_cmpstr (id, ==, "12345");
  g_clear_pointer (&id, g_free);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_false (PARSE (bad[i], &id, &error));
    g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_BAD_REPLY);
    g_clear_error (&error);
    g_assert_null (id);
  }
  long_id = g_strdup_printf ("{\"id\":\"%0129d\"}", 0);
  g_assert_false (PARSE (long_id, &id, NULL));
#undef PARSE
}

/* the expiry of an upload or extend reply: the float session-file-server sends, our
 * testnet's integer; anything else or implausible is "not said" (0) */
static void
test_expires_reply (void)
{
  const gint64 now = 1760000000;
  const gchar *const unusable[] = {
    "", "not json", "[]", "{}", "{\"expires\":null}", "{\"expires\":\"1760000100\"}",
    "{\"expires\":true}", "{\"expires\":{}}", "{\"expires\":1759999999}",
    "{\"expires\":1760000000}", "{\"expires\":-5}", "{\"expires\":1e300}",
    "{\"expires\":2080000000}",
  };

#define EXPIRES(text) \
  sd_file_server_parse_expires ((const guint8 *) (text), strlen (text), now)
  g_assert_cmpint (EXPIRES ("{\"id\":\"abc\",\"expires\":1761209600.186137}"), ==, 1761209600);
  g_assert_cmpint (EXPIRES ("{\"size\":9,\"uploaded\":1,\"expires\":1760000001}"), ==,
                   1760000001);
  for (gsize i = 0; i < G_N_ELEMENTS (unusable); i++)
    g_assert_cmpint (EXPIRES (unusable[i]), ==, 0);
#undef EXPIRES
}

/* only our server's files can be extended: another URL fails before any request */
static void
on_extend (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  g_assert_cmpint (sd_file_server_extend_finish (SD_FILE_SERVER (source), result, error), ==, -1);
}

static void
test_extend_other_server_refused (void)
{
  g_autoptr(SdNetwork) network = new_network ();
  g_autoptr(SdFileServer) fs = sd_file_server_new (network, "http://127.0.0.1:40060", KEY, NULL);
  GError *error = NULL;

  sd_file_server_extend_async (fs, "http://elsewhere.example/file/abc#p=00", NULL, on_extend,
                               &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED);
  g_clear_error (&error);
}

static void
on_download (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autoptr(GBytes) bytes = sd_file_server_download_finish (SD_FILE_SERVER (source), result,
                                                            error);

  g_assert_null (bytes);
}

/* a pointer to a host that is neither ours nor the mainnet's, without `p=`: no request */
static void
test_unknown_server_refused (void)
{
  g_autoptr(SdNetwork) network = new_network ();
  g_autoptr(SdFileServer) fs = sd_file_server_new (network, "http://127.0.0.1:40060", KEY, NULL);
  GError *error = NULL;
  SdAttachmentPointer pointer = { 0 };
  guint8 key[64] = { 0 };

  pointer.url = (gchar *) "http://elsewhere.example/file/abc";
  pointer.key = g_bytes_new (key, sizeof key);
  pointer.digest = g_bytes_new (key, 32);
  pointer.size = 10;
  sd_file_server_download_async (fs, &pointer, 1000, NULL, NULL, NULL, on_download, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED);
  g_clear_error (&error);
  g_bytes_unref (pointer.key);
  g_bytes_unref (pointer.digest);
}

/* our pointers on a custom server carry its Ed25519 key as `p=`; a client configured for
 * another server (here the mainnet one) reaches the file through it, and not without it */
static void
test_pointer_key (void)
{
  g_autoptr(SdNetwork) network = new_network ();
  g_autoptr(SdFileServer) mainnet = sd_file_server_new (network, NULL, NULL, NULL);
  g_autoptr(SdFileServer) custom = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(SdAttachmentPointer) back = NULL;
  g_autofree gchar *x_hex = NULL, *ed_hex = NULL, *other_hex = NULL, *upper = NULL;
  g_autofree gchar *protocol = NULL, *host = NULL, *endpoint = NULL, *url = NULL;
  guint8 ed[32], x[32], sk[64], other[32], located[32];
  SdAttachmentPointer pointer = { 0 };
  guint16 port = 0;

  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_sign_keypair (ed, sk);
  g_assert_cmpint (crypto_sign_ed25519_pk_to_curve25519 (x, ed), ==, 0);
  crypto_sign_keypair (other, sk);
  x_hex = sd_hex_encode (x, 32);
  ed_hex = sd_hex_encode (ed, 32);
  other_hex = sd_hex_encode (other, 32);
  custom = sd_file_server_new (network, "http://127.0.0.1:40060", x_hex, NULL);
  g_assert_nonnull (custom);

  /* none given: no fragment (nobody but a client configured alike reaches the file) */
  g_assert_null (sd_file_server_get_pointer_key (custom));
  /* a key that is not the server's, or not a key, is refused and changes nothing */
  g_assert_false (sd_file_server_set_ed25519_key (custom, other_hex, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sd_file_server_set_ed25519_key (custom, "abcd", &error));
  g_clear_error (&error);
  g_assert_null (sd_file_server_get_pointer_key (custom));
  upper = g_ascii_strup (ed_hex, -1);
  g_assert_true (sd_file_server_set_ed25519_key (custom, upper, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sd_file_server_get_pointer_key (custom), ==, ed_hex);
  /* the mainnet server is known to every client: never a fragment */
  g_assert_null (sd_file_server_get_pointer_key (mainnet));

  /* sent: the pointer as sd-attachments.c builds it, through its wire form */
  url = g_strdup_printf ("%s/file/abc_DEF-1", sd_file_server_get_url (custom));
  pointer.url = url;
  pointer.server_pubkey = (gchar *) sd_file_server_get_pointer_key (custom);
  pointer.key = g_bytes_new_static (sk, 64);
  pointer.digest = g_bytes_new_static (sk, 32);
  pointer.size = 5;
  wire = sd_attachment_pointer_encode (&pointer);
  g_bytes_unref (pointer.key);
  g_bytes_unref (pointer.digest);
  back = sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->url, ==, url);
  g_assert_cmpstr (back->server_pubkey, ==, ed_hex);
  /* received by a client of the mainnet server: not its own URL, reached by the fragment */
  g_assert_false (sd_file_server_owns_url (mainnet, back->url, NULL));
  g_assert_true (sd_attachment_pointer_locate (back, &protocol, &host, &port, &endpoint, located,
                                               &error));
  g_assert_no_error (error);
  g_assert_cmpstr (protocol, ==, "http");
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, 40060);
  g_assert_cmpstr (endpoint, ==, "/file/abc_DEF-1");
  g_assert_cmpmem (located, 32, x, 32);
  /* without it, the same URL is refused */
  g_clear_pointer (&back->server_pubkey, g_free);
  g_clear_pointer (&protocol, g_free);
  g_clear_pointer (&host, g_free);
  g_clear_pointer (&endpoint, g_free);
  g_assert_false (sd_attachment_pointer_locate (back, &protocol, &host, &port, &endpoint,
                                                located, &error));
  g_assert_nonnull (error);
}

/* the figures a transfer would show, as sd-attachments.c turns them into `progress` */
typedef struct {
  SdFileProgress progress;
  GArray *shown;   /* guint */
  SdFilePhase phase;
} Shown;

static void
show (Shown *shown, SdFilePhase phase, guint64 done, guint64 total)
{
  if (sd_file_progress_update (&shown->progress, phase, done, total))
    g_array_append_val (shown->shown, shown->progress.percent);
}

static void
on_piece_done (guint64 done, guint64 total, gpointer user_data)
{
  Shown *shown = user_data;

  show (shown, shown->phase, done, total);
}

static gboolean
discard (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  return TRUE;
}

static void
assert_growing (GArray *shown)
{
  for (guint i = 0; i < shown->len; i++) {
    g_assert_cmpuint (g_array_index (shown, guint, i), >=, 1);
    g_assert_cmpuint (g_array_index (shown, guint, i), <=, 99);
    if (i > 0)
      g_assert_cmpuint (g_array_index (shown, guint, i), >, g_array_index (shown, guint, i - 1));
  }
}

/* one percent over a transfer's phases, driven by the real work's own figures: an upload moves
 * while its file is encrypted, before its first byte goes; a download moves after its last
 * byte came, while the blob is checked and decrypted; both only grow and stop at 99 */
static void
test_progress_phases (void)
{
  const gsize len = 2000000;
  gsize blob_len = sd_attachment_legacy_blob_size (len);
  g_autofree guint8 *blob = g_malloc0 (blob_len);
  g_autoptr(GArray) up = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) down = g_array_new (FALSE, FALSE, sizeof (guint));
  Shown upload = { { 0 }, up, SD_FILE_PHASE_BUILD }, download = { { 0 }, down, 0 };
  guint8 key[64], iv[16], digest[32];
  guint built, before_open;

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) i;
  memset (iv, 7, sizeof iv);

  /* upload: under way at once, then the encryption's pieces, then the request's bytes (an
   * attempt that failed at a third, and the next one from 0); the reply is not counted */
  sd_file_progress_init (&upload.progress, TRUE);
  show (&upload, SD_FILE_PHASE_BUILD, 0, 1);
  g_assert_cmpuint (up->len, ==, 1);
  g_assert_cmpuint (g_array_index (up, guint, 0), ==, 1);
  g_assert_true (sd_attachment_legacy_seal_in_place_progress (key, iv, blob, len, digest,
                                                              on_piece_done, &upload, NULL));
  built = up->len;
  g_assert_cmpuint (built, >, 2);
  g_assert_cmpuint (g_array_index (up, guint, built - 1), ==, SD_FILE_PROGRESS_BUILD_END);
  for (guint64 sent = 0; sent <= blob_len / 3; sent += 16384)
    show (&upload, SD_FILE_PHASE_SEND, sent, blob_len);
  for (guint64 sent = 0; sent <= blob_len; sent += 16384)
    show (&upload, SD_FILE_PHASE_SEND, sent, blob_len);
  show (&upload, SD_FILE_PHASE_SEND, blob_len, blob_len);
  show (&upload, SD_FILE_PHASE_RECEIVE, 10, 100);
  show (&upload, SD_FILE_PHASE_OPEN, 1, 1);
  assert_growing (up);
  g_assert_cmpuint (up->len, >, built);
  g_assert_cmpuint (g_array_index (up, guint, built), >, SD_FILE_PROGRESS_BUILD_END);
  g_assert_cmpuint (g_array_index (up, guint, up->len - 1), ==, 99);
  /* what the build showed is below what the first byte sent shows */
  for (guint i = 0; i < built; i++)
    g_assert_cmpuint (g_array_index (up, guint, i), <=, SD_FILE_PROGRESS_BUILD_END);

  /* download: the request is not counted, the reply's bytes are, then the check and the
   * decryption of the same blob */
  sd_file_progress_init (&download.progress, FALSE);
  show (&download, SD_FILE_PHASE_SEND, 500, 500);
  show (&download, SD_FILE_PHASE_BUILD, 1, 1);
  g_assert_cmpuint (down->len, ==, 0);
  for (guint64 got = 0; got <= blob_len; got += 65536)
    show (&download, SD_FILE_PHASE_RECEIVE, got, blob_len);
  show (&download, SD_FILE_PHASE_RECEIVE, blob_len, blob_len);
  before_open = down->len;
  g_assert_cmpuint (g_array_index (down, guint, before_open - 1), ==,
                    SD_FILE_PROGRESS_RECEIVE_END);
  download.phase = SD_FILE_PHASE_OPEN;
  show (&download, SD_FILE_PHASE_OPEN, 0, 1);
  g_assert_true (sd_attachment_legacy_decrypt_to_progress (blob, blob_len, key, sizeof key,
                                                           digest, sizeof digest, (gint64) len,
                                                           discard, NULL, on_piece_done,
                                                           &download, NULL));
  assert_growing (down);
  /* between the last byte and `available` (100, which only the state gives) */
  g_assert_cmpuint (down->len, >, before_open + 2);
  for (guint i = before_open; i < down->len; i++) {
    g_assert_cmpuint (g_array_index (down, guint, i), >, SD_FILE_PROGRESS_RECEIVE_END);
    g_assert_cmpuint (g_array_index (down, guint, i), <, 100);
  }
  g_assert_cmpuint (g_array_index (down, guint, down->len - 1), ==, 99);
  /* nothing goes back, and 100 is never shown */
  show (&download, SD_FILE_PHASE_RECEIVE, 0, blob_len);
  show (&download, SD_FILE_PHASE_OPEN, 1, 1);
  g_assert_cmpuint (download.progress.percent, ==, 99);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file-server/config", test_config);
  g_test_add_func ("/file-server/owns-url", test_owns_url);
  g_test_add_func ("/file-server/upload-reply", test_upload_reply);
  g_test_add_func ("/file-server/expires-reply", test_expires_reply);
  g_test_add_func ("/file-server/extend-other-server-refused", test_extend_other_server_refused);
  g_test_add_func ("/file-server/unknown-server-refused", test_unknown_server_refused);
  g_test_add_func ("/file-server/pointer-key", test_pointer_key);
  g_test_add_func ("/file-server/progress-phases", test_progress_phases);
  return g_test_run ();
}
