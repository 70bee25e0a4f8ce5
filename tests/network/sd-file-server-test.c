/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SdFileServer without I/O: its configuration, upload replies, which URLs are its own, and
 * the pointers it refuses before any request (the transfers themselves are covered against
 * the testnet by tests/integration/test_attachments.py) */
#include "config.h"

#include <string.h>

#include "sd-fake-transport.h"
#include "sd-file-server.h"
#include "sd-memory-pool-store.h"
#include "sd-network-error.h"

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
  sd_file_server_download_async (fs, &pointer, 1000, NULL, on_download, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED);
  g_clear_error (&error);
  g_bytes_unref (pointer.key);
  g_bytes_unref (pointer.digest);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file-server/config", test_config);
  g_test_add_func ("/file-server/owns-url", test_owns_url);
  g_test_add_func ("/file-server/upload-reply", test_upload_reply);
  g_test_add_func ("/file-server/unknown-server-refused", test_unknown_server_refused);
  return g_test_run ();
}
