/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdKeystoreTest"

#include <glib/gstdio.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd-dbus-error.h"
#include "sd-file-keystore.h"
#include "sd-keystore.h"
#include "sd-secret-keystore.h"

#define KEYRING_PASSWORD "ci-not-secret"

/* nothing here may take long: the point of UNAVAILABLE is to be quick */

/* helpers */

static void
rm_rf (const gchar *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode)) {
    g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
    const gchar *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      rm_rf (child);
    }
  }
  g_assert_no_errno (g_remove (path));
}

static gboolean
bytes_contain (const guint8 *data, gsize len, const void *needle, gsize needle_len)
{
  for (gsize i = 0; needle_len <= len && i <= len - needle_len; i++)
    if (memcmp (data + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

/* whether any regular file under @path holds the seed, raw or in hex */
static gboolean
tree_contains_seed (const gchar *path, const guint8 *seed)
{
  gchar hex[SD_SEED_LEN * 2 + 1];
  GStatBuf st;

  sodium_bin2hex (hex, sizeof hex, seed, SD_SEED_LEN);
  if (g_lstat (path, &st) != 0)
    return FALSE;
  if (S_ISDIR (st.st_mode)) {
    g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
    const gchar *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (tree_contains_seed (child, seed))
        return TRUE;
    }
    return FALSE;
  }
  if (S_ISREG (st.st_mode)) {
    g_autofree gchar *data = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    return bytes_contain ((guint8 *) data, len, seed, SD_SEED_LEN) ||
           bytes_contain ((guint8 *) data, len, hex, strlen (hex));
  }
  return FALSE;
}

static void
random_seed (guint8 seed[SD_SEED_LEN])
{
  randombytes_buf (seed, SD_SEED_LEN);
}

static gchar *
session_id_of (const guint8 seed[SD_SEED_LEN])
{
  SdIdentity identity;
  gchar *id;

  sd_identity_from_seed (&identity, seed);
  id = g_strdup (identity.session_id);
  sd_identity_clear (&identity);
  return id;
}

static void
on_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* a private bus, optionally with a real unlocked gnome-keyring on it */

typedef struct {
  gchar *tmp;
  gchar *data_dir;
  gchar *data_dir2;
  GTestDBus *bus;
  GSubprocess *keyring;    /* (nullable) gnome-keyring-daemon --foreground */
  gboolean keyring_exited;
} BusFixture;

static void
on_keyring_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BusFixture *fixture = user_data;

  (void) g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  fixture->keyring_exited = TRUE;
}

static gboolean
name_has_owner (const gchar *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  g_assert_nonnull (bus);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
bus_setup_common (BusFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *home = NULL;
  g_autofree gchar *runtime = NULL;

  fixture->tmp = g_dir_make_tmp ("sd-keystore-test-XXXXXX", &error);
  g_assert_no_error (error);
  home = g_build_filename (fixture->tmp, "home", NULL);
  runtime = g_build_filename (fixture->tmp, "runtime", NULL);
  fixture->data_dir = g_build_filename (fixture->tmp, "data", NULL);
  fixture->data_dir2 = g_build_filename (fixture->tmp, "data2", NULL);
  g_assert_no_errno (g_mkdir (home, 0700));
  g_assert_no_errno (g_mkdir (runtime, 0700));
  g_assert_no_errno (g_mkdir (fixture->data_dir, 0700));
  g_assert_no_errno (g_mkdir (fixture->data_dir2, 0700));

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);
}

static void
die_with_parent (gpointer user_data)
{
  /* should the test abort, the keyring goes too, whatever GTestDBus's
   * watcher does about the bus */
  (void) prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocessLauncher *
keyring_launcher (BusFixture *fixture, GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_autofree gchar *home = g_build_filename (fixture->tmp, "home", NULL);
  g_autofree gchar *data = g_build_filename (home, ".local", "share", NULL);
  g_autofree gchar *config = g_build_filename (home, ".config", NULL);
  g_autofree gchar *runtime = g_build_filename (fixture->tmp, "runtime", NULL);
  g_autofree gchar *log = g_build_filename (fixture->tmp, "keyring.log", NULL);

  /* the keyring (login.keyring, its control socket) lives in the temp dir,
   * never in the real HOME; no display, so nothing can prompt */
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  /* test_env's G_DEBUG=fatal-warnings would turn the keyring's own
   * warnings (such as "couldn't create system prompt") into a SIGTRAP */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  /* the daemon keeps stderr open: a pipe would never see EOF */
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return launcher;
}

static void
keyring_setup (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) start = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *control = NULL;
  GOutputStream *in;
  gint64 deadline;

  bus_setup_common (fixture);

  /* build-and-test-environment.md §2, C form, with --foreground so that
   * the test owns the daemon and can check that it exits with the bus */
  launcher = keyring_launcher (fixture, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  fixture->keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon",
                                                  "--foreground", "--unlock",
                                                  "--components=secrets", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (fixture->keyring, NULL, on_keyring_exited, fixture);
  in = g_subprocess_get_stdin_pipe (fixture->keyring);
  g_assert_true (g_output_stream_write_all (in, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (in, NULL, &error));
  g_assert_no_error (error);

  /* --start must find this daemon through its control socket, or it
   * would start a second, locked one */
  control = g_build_filename (fixture->tmp, "runtime", "keyring", "control", NULL);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test (control, G_FILE_TEST_EXISTS)) {
    g_assert_false (fixture->keyring_exited);
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (5000);
  }

  g_clear_object (&launcher);
  launcher = keyring_launcher (fixture, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  start = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon", "--start",
                                       "--components=secrets", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (start, NULL, &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!name_has_owner ("org.freedesktop.secrets")) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (5000);
  }
}

static void
no_keyring_setup (BusFixture *fixture, gconstpointer data)
{
  bus_setup_common (fixture);
}

static void
bus_teardown (BusFixture *fixture, gconstpointer data)
{
  gint64 deadline;

  /* libsecret's default proxy, should anything have made one, holds the
   * connection that g_test_dbus_down () waits for */
  secret_service_disconnect ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);

  if (fixture->keyring != NULL) {
    /* gnome-keyring leaves when its bus goes; a test that leaves it behind
     * fails */
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!fixture->keyring_exited && g_get_monotonic_time () < deadline) {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
    if (!fixture->keyring_exited)
      g_subprocess_force_exit (fixture->keyring);
    g_assert_true (fixture->keyring_exited);
    g_clear_object (&fixture->keyring);
  }

  rm_rf (fixture->tmp);
  g_assert_false (g_file_test (fixture->tmp, G_FILE_TEST_EXISTS));
  g_free (fixture->tmp);
  g_free (fixture->data_dir);
  g_free (fixture->data_dir2);
}

/* Secret Service tests */

static void
test_secret_round_trip (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected_id = NULL;
  g_autofree gchar *id = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  expected_id = session_id_of (seed);

  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_lookup_sync (keystore, out, &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  g_assert_cmpstr (id, ==, expected_id);

  /* a second keystore object (a restarted daemon) finds it too */
  {
    g_autoptr(SdKeystore) again = sd_secret_keystore_new (fixture->data_dir);
    g_autofree gchar *id2 = NULL;

    memset (out, 0, sizeof out);
    g_assert_true (sd_keystore_lookup_sync (again, out, &id2, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
    g_assert_cmpstr (id2, ==, expected_id);
  }

  /* nothing about the seed was written next to the data */
  g_assert_false (tree_contains_seed (fixture->data_dir, seed));
  /* nor in clear anywhere: the keyring file is encrypted */
  g_assert_false (tree_contains_seed (fixture->tmp, seed));
}

static void
test_secret_async (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) looked_up = NULL;
  g_autoptr(GAsyncResult) deleted = NULL;
  g_autoptr(GAsyncResult) missing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *expected_id = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  expected_id = session_id_of (seed);

  sd_keystore_store_async (keystore, seed, NULL, on_async_done, &stored);
  g_assert_true (sd_keystore_store_finish (keystore, wait_for (&stored), &error));
  g_assert_no_error (error);

  sd_keystore_lookup_async (keystore, NULL, on_async_done, &looked_up);
  g_assert_true (sd_keystore_lookup_finish (keystore, wait_for (&looked_up), out, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  g_assert_cmpstr (id, ==, expected_id);

  sd_keystore_delete_async (keystore, NULL, on_async_done, &deleted);
  g_assert_true (sd_keystore_delete_finish (keystore, wait_for (&deleted), &error));
  g_assert_no_error (error);

  sd_keystore_lookup_async (keystore, NULL, on_async_done, &missing);
  g_assert_false (sd_keystore_lookup_finish (keystore, wait_for (&missing), out, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
}

static void
test_secret_two_data_dirs (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) one = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(SdKeystore) two = sd_secret_keystore_new (fixture->data_dir2);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autolist(SecretItem) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id1 = NULL;
  g_autofree gchar *id2 = NULL;
  guint8 seed1[SD_SEED_LEN], seed2[SD_SEED_LEN], out[SD_SEED_LEN];
  gboolean seen1 = FALSE, seen2 = FALSE;

  random_seed (seed1);
  random_seed (seed2);
  g_assert_true (sd_keystore_store_sync (one, seed1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_store_sync (two, seed2, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (sd_keystore_lookup_sync (one, out, &id1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed1, sizeof seed1);
  g_assert_true (sd_keystore_lookup_sync (two, out, &id2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed2, sizeof seed2);
  g_assert_cmpstr (id1, !=, id2);

  /* two distinct items, told apart by data-dir */
  service = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                                      NULL, &error);
  g_assert_no_error (error);
  query = g_hash_table_new (g_str_hash, g_str_equal);
  items = secret_service_search_sync (service, sd_secret_keystore_get_schema (), query,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 2);
  for (GList *l = items; l != NULL; l = l->next) {
    g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
    const gchar *dir = g_hash_table_lookup (attributes, "data-dir");
    const gchar *id = g_hash_table_lookup (attributes, "session-id");

    if (g_strcmp0 (dir, fixture->data_dir) == 0) {
      g_assert_cmpstr (id, ==, id1);
      seen1 = TRUE;
    } else if (g_strcmp0 (dir, fixture->data_dir2) == 0) {
      g_assert_cmpstr (id, ==, id2);
      seen2 = TRUE;
    }
  }
  g_assert_true (seen1 && seen2);

  /* deleting one leaves the other */
  g_assert_true (sd_keystore_delete_sync (one, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_lookup_sync (two, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed2, sizeof seed2);
}

static void
test_secret_item_shape (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autolist(SecretItem) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *expected_label = NULL;
  g_autofree gchar *secret_tool = g_find_program_in_path ("secret-tool");
  const gchar *secret;
  gsize len = 0;
  guint8 seed[SD_SEED_LEN];

  random_seed (seed);
  id = session_id_of (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  service = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                                      NULL, &error);
  g_assert_no_error (error);
  /* the daemon's own encrypted session, not "plain" */
  g_assert_cmpstr (secret_service_get_session_algorithms (service), !=, "plain");

  query = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (query, (gpointer) "session-id", id);
  items = secret_service_search_sync (service, sd_secret_keystore_get_schema (), query,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS, NULL,
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);

  label = secret_item_get_label (items->data);
  expected_label = g_strdup_printf ("Session account %.6s\u2026%s (sessiond)", id, id + 62);
  g_assert_cmpstr (label, ==, expected_label);
  g_assert_true (g_str_has_prefix (label, "Session account 05"));

  attributes = secret_item_get_attributes (items->data);
  g_assert_cmpuint (g_hash_table_size (attributes), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, "org.sessiond.Account");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "session-id"), ==, id);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "data-dir"), ==, fixture->data_dir);

  /* in the default collection, which gnome-keyring's --unlock made "login" */
  g_assert_true (g_str_has_prefix (g_dbus_proxy_get_object_path (items->data),
                                   "/org/freedesktop/secrets/collection/login/"));

  value = secret_item_get_secret (items->data);
  g_assert_nonnull (value);
  /* no check of the content type: gnome-keyring 42 does not keep it and
   * always answers "text/plain" */
  secret = secret_value_get (value, &len);
  g_assert_cmpmem (secret, len, seed, sizeof seed);

  /* and the same seen by an independent client */
  if (secret_tool != NULL) {
    g_autoptr(GSubprocess) tool = NULL;
    g_autoptr(GBytes) out = NULL;
    g_autofree gchar *want_label = g_strdup_printf ("label = %s\n", expected_label);
    g_autofree gchar *want_id = g_strdup_printf ("attribute.session-id = %s\n", id);
    g_autofree gchar *want_dir = g_strdup_printf ("attribute.data-dir = %s\n",
                                                  fixture->data_dir);
    const guint8 *text;
    gsize text_len;

    /* secret-tool 0.20.5 prints the attributes on stderr */
    tool = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                             &error, "secret-tool", "search",
                             "--all", "xdg:schema", "org.sessiond.Account", "data-dir",
                             fixture->data_dir, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_communicate (tool, NULL, NULL, &out, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (tool));
    g_assert_cmpint (g_subprocess_get_exit_status (tool), ==, 0);
    text = g_bytes_get_data (out, &text_len);
    g_assert_true (bytes_contain (text, text_len, want_label, strlen (want_label)));
    g_assert_true (bytes_contain (text, text_len, want_id, strlen (want_id)));
    g_assert_true (bytes_contain (text, text_len, want_dir, strlen (want_dir)));
    g_assert_true (bytes_contain (text, text_len, "schema = org.sessiond.Account", 29));
  }

  g_assert_false (tree_contains_seed (fixture->data_dir, seed));
}

static void
test_secret_exists (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], other[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  random_seed (other);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  /* a second account for the same data dir never replaces the first */
  g_assert_false (sd_keystore_store_sync (keystore, other, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
}

static void
test_secret_delete (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_delete_sync (keystore, NULL, &error));
  g_assert_no_error (error);

  memset (out, 0xaa, sizeof out);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* a failed lookup leaves no stale bytes behind */
  g_assert_true (sodium_is_zero (out, sizeof out));

  g_assert_false (sd_keystore_delete_sync (keystore, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* and the data dir is free for a new account */
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
}

static void
test_secret_missing (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(SdKeystore) other = sd_secret_keystore_new (fixture->data_dir2);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  g_assert_false (sd_keystore_lookup_sync (keystore, out, &id, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
  g_assert_null (id);
  g_clear_error (&error);

  /* an account in another data dir is not this one's */
  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (other, seed, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, &id, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
}

static void
test_secret_data_dir_canonical (BusFixture *fixture, gconstpointer data)
{
  g_autofree gchar *messy = g_strconcat (fixture->data_dir, "/../data/./", NULL);
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (messy);
  g_autoptr(SdKeystore) plain = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  g_assert_cmpstr (sd_secret_keystore_get_data_dir (SD_SECRET_KEYSTORE (keystore)), ==,
                   fixture->data_dir);
  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_lookup_sync (plain, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
}

static void
test_secret_mismatched_item (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *wrong_id = NULL;
  guint8 seed[SD_SEED_LEN], other[SD_SEED_LEN], out[SD_SEED_LEN];

  /* an item whose session-id is not the seed's, as a hand edit could leave */
  random_seed (seed);
  random_seed (other);
  wrong_id = session_id_of (other);
  service = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                                      NULL, &error);
  g_assert_no_error (error);
  attributes = secret_attributes_build (sd_secret_keystore_get_schema (),
                                        "session-id", wrong_id,
                                        "data-dir", fixture->data_dir, NULL);
  value = secret_value_new ((const gchar *) seed, sizeof seed, "application/octet-stream");
  g_assert_true (secret_service_store_sync (service, sd_secret_keystore_get_schema (),
                                            attributes, SECRET_COLLECTION_DEFAULT, "mismatch",
                                            value, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
  g_assert_true (sodium_is_zero (out, sizeof out));
}

static void
assert_unavailable_quickly (const gchar *data_dir)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (data_dir);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  g_assert_false (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_test_message ("store: %s", error->message);
  g_clear_error (&error);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (sd_keystore_delete_sync (keystore, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* no fallback to the disk */
  g_assert_false (tree_contains_seed (data_dir, seed));
  {
    g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);

    g_assert_nonnull (dir);
    g_assert_null (g_dir_read_name (dir));
  }
}

static void
test_secret_no_service (BusFixture *fixture, gconstpointer data)
{
  g_assert_false (name_has_owner ("org.freedesktop.secrets"));
  assert_unavailable_quickly (fixture->data_dir);
}

static void
test_secret_no_bus (void)
{
  g_autofree gchar *tmp = g_dir_make_tmp ("sd-keystore-test-XXXXXX", NULL);
  g_autofree gchar *address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree gchar *display = g_strdup (g_getenv ("DISPLAY"));
  g_autofree gchar *runtime = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));

  g_assert_nonnull (tmp);
  /* no address, no $XDG_RUNTIME_DIR/bus, no X11 to autolaunch one with */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");
  g_setenv ("XDG_RUNTIME_DIR", tmp, TRUE);

  assert_unavailable_quickly (tmp);

  if (address != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  if (runtime != NULL)
    g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  else
    g_unsetenv ("XDG_RUNTIME_DIR");
  rm_rf (tmp);
}

static void
test_secret_keyring_goes_away (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];
  gint64 deadline;

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  /* the keyring dies while the daemon keeps its opened service */
  g_subprocess_send_signal (fixture->keyring, SIGTERM);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (name_has_owner ("org.freedesktop.secrets")) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (5000);
  }

  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  /* a second call goes through the "is anyone there" check again */
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
}

static void
test_secret_locked (BusFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = sd_secret_keystore_new (fixture->data_dir);
  g_autoptr(SdKeystore) other = sd_secret_keystore_new (fixture->data_dir2);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;
  GList *objects;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  /* a keyring locked after login (screen lock, timeout): unlocking needs a
   * prompt, and there is no prompter on this bus */
  service = secret_service_open_sync (SECRET_TYPE_SERVICE, NULL, SECRET_SERVICE_OPEN_SESSION,
                                      NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  objects = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (service, objects, NULL, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_list_free (objects);
  g_assert_true (secret_collection_get_locked (collection));

  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_test_message ("lookup: %s", error->message);
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (sd_keystore_store_sync (other, seed, NULL, &error));
  g_test_message ("store: %s", error->message);
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* the keyring itself is fine, only locked */
  g_assert_true (name_has_owner ("org.freedesktop.secrets"));
}

/* key file tests */

typedef struct {
  gchar *tmp;
  gchar *data_dir;
  gchar *passphrase_file;
} FileFixture;

static gchar *
write_passphrase (FileFixture *fixture, const gchar *name, const gchar *contents)
{
  gchar *path = g_build_filename (fixture->tmp, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  /* the keystore refuses a passphrase file that others may read */
  g_assert_no_errno (g_chmod (path, 0600));
  return path;
}

static void
file_setup (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = g_dir_make_tmp ("sd-keystore-test-XXXXXX", &error);
  g_assert_no_error (error);
  /* not created: the keystore makes it */
  fixture->data_dir = g_build_filename (fixture->tmp, "data", NULL);
  fixture->passphrase_file = write_passphrase (fixture, "passphrase",
                                               "correct horse battery staple\n");
}

static void
file_teardown (FileFixture *fixture, gconstpointer data)
{
  rm_rf (fixture->tmp);
  g_assert_false (g_file_test (fixture->tmp, G_FILE_TEST_EXISTS));
  g_free (fixture->tmp);
  g_free (fixture->data_dir);
  g_free (fixture->passphrase_file);
}

/* a keystore with the cheapest Argon2id, so valgrind runs stay short */
static SdKeystore *
fast_file_keystore (FileFixture *fixture, const gchar *passphrase_file)
{
  g_autoptr(GError) error = NULL;
  SdKeystore *keystore = sd_file_keystore_new (fixture->data_dir, passphrase_file, &error);

  g_assert_no_error (error);
  g_assert_nonnull (keystore);
  sd_file_keystore_set_pwhash_limits (SD_FILE_KEYSTORE (keystore),
                                      crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                      crypto_pwhash_argon2id_MEMLIMIT_MIN);
  return keystore;
}

static GBytes *
read_key_file (SdKeystore *keystore)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (sd_file_keystore_get_path (SD_FILE_KEYSTORE (keystore)),
                                      &data, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static void
write_key_file (SdKeystore *keystore, const guint8 *data, gsize len)
{
  const gchar *path = sd_file_keystore_get_path (SD_FILE_KEYSTORE (keystore));

  /* g_file_set_contents () would not keep the mode; that is fine here */
  g_assert_true (g_file_set_contents (path, (const gchar *) data, (gssize) len, NULL));
}

static void
test_file_round_trip (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree gchar *expected_id = NULL;
  g_autofree gchar *id = NULL;
  const gchar *path = sd_file_keystore_get_path (SD_FILE_KEYSTORE (keystore));
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];
  GStatBuf st;

  random_seed (seed);
  expected_id = session_id_of (seed);
  g_assert_true (g_str_has_suffix (path, "/data/" SD_KEY_FILE_NAME));

  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  g_assert_no_errno (g_stat (path, &st));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_no_errno (g_stat (fixture->data_dir, &st));
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  contents = read_key_file (keystore);
  g_assert_cmpuint (g_bytes_get_size (contents), ==, 181);
  g_assert_false (tree_contains_seed (fixture->data_dir, seed));
  /* the temp file is gone: only the key file is left */
  dir = g_dir_open (fixture->data_dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, SD_KEY_FILE_NAME);
  g_assert_null (g_dir_read_name (dir));

  g_assert_true (sd_keystore_lookup_sync (keystore, out, &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  g_assert_cmpstr (id, ==, expected_id);

  /* a new keystore (a restarted daemon) with the same passphrase, written
   * without the line end this time */
  {
    g_autofree gchar *bare = write_passphrase (fixture, "bare", "correct horse battery staple");
    g_autofree gchar *crlf = write_passphrase (fixture, "crlf",
                                               "correct horse battery staple\r\n");
    g_autoptr(SdKeystore) again = fast_file_keystore (fixture, bare);
    g_autoptr(SdKeystore) again_crlf = fast_file_keystore (fixture, crlf);

    memset (out, 0, sizeof out);
    g_assert_true (sd_keystore_lookup_sync (again, out, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
    memset (out, 0, sizeof out);
    g_assert_true (sd_keystore_lookup_sync (again_crlf, out, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  }
}

static void
test_file_default_limits (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdKeystore) keystore = sd_file_keystore_new (fixture->data_dir,
                                                         fixture->passphrase_file, &error);
  g_autoptr(GBytes) contents = NULL;
  const guint8 *bytes;
  guint64 opslimit, memlimit;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  g_assert_no_error (error);
  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  contents = read_key_file (keystore);
  bytes = g_bytes_get_data (contents, NULL);
  g_assert_cmpmem (bytes, 8, "SDKEY\0\r\n", 8);
  g_assert_cmpuint (bytes[8], ==, 1);
  memcpy (&opslimit, bytes + 12, 8);
  memcpy (&memlimit, bytes + 20, 8);
  g_assert_cmpuint (GUINT64_FROM_LE (opslimit), ==, crypto_pwhash_OPSLIMIT_MODERATE);
  g_assert_cmpuint (GUINT64_FROM_LE (memlimit), ==, crypto_pwhash_MEMLIMIT_MODERATE);

  /* a reader with other limits for new files still opens it with the
   * file's own */
  {
    g_autoptr(SdKeystore) reader = fast_file_keystore (fixture, fixture->passphrase_file);

    g_assert_true (sd_keystore_lookup_sync (reader, out, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  }
}

/* a file written before the default became MODERATE (with INTERACTIVE, which
 * version 1 records) still opens with today's defaults */
static void
test_file_old_limits (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdKeystore) writer = sd_file_keystore_new (fixture->data_dir,
                                                       fixture->passphrase_file, &error);
  g_autoptr(SdKeystore) reader = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *expected_id = NULL;
  const guint8 *bytes;
  guint64 opslimit;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  g_assert_no_error (error);
  sd_file_keystore_set_pwhash_limits (SD_FILE_KEYSTORE (writer),
                                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                      crypto_pwhash_MEMLIMIT_INTERACTIVE);
  random_seed (seed);
  expected_id = session_id_of (seed);
  g_assert_true (sd_keystore_store_sync (writer, seed, NULL, &error));
  g_assert_no_error (error);
  contents = read_key_file (writer);
  bytes = g_bytes_get_data (contents, NULL);
  g_assert_cmpuint (bytes[8], ==, 1);
  memcpy (&opslimit, bytes + 12, 8);
  g_assert_cmpuint (GUINT64_FROM_LE (opslimit), ==, crypto_pwhash_OPSLIMIT_INTERACTIVE);

  reader = sd_file_keystore_new (fixture->data_dir, fixture->passphrase_file, &error);
  g_assert_no_error (error);
  g_assert_true (sd_keystore_lookup_sync (reader, out, &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  g_assert_cmpstr (id, ==, expected_id);
}

/* a passphrase file others can read or write, or that is not the user's, is
 * refused with a message that says what to do */
static void
test_file_passphrase_file_mode (FileFixture *fixture, gconstpointer data)
{
  const guint modes[] = { 0644, 0640, 0604, 0620, 0602, 0660 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SdKeystore) keystore = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autofree gchar *expected = g_strdup_printf ("mode %04o", modes[i]);

    g_assert_no_errno (g_chmod (fixture->passphrase_file, modes[i]));
    keystore = sd_file_keystore_new (fixture->data_dir, fixture->passphrase_file, &error);
    g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED);
    g_assert_null (keystore);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, fixture->passphrase_file));
    g_assert_nonnull (strstr (error->message, expected));
    g_assert_nonnull (strstr (error->message, "chmod 600"));
    g_assert_null (strstr (error->message, "staple"));
    g_clear_error (&error);
  }

  /* 0400 and 0600 are the user's alone */
  g_assert_no_errno (g_chmod (fixture->passphrase_file, 0400));
  keystore = sd_file_keystore_new (fixture->data_dir, fixture->passphrase_file, &error);
  g_assert_no_error (error);
  g_assert_nonnull (keystore);
  g_clear_object (&keystore);
  g_assert_no_errno (g_chmod (fixture->passphrase_file, 0600));

  /* another user's file (only root can make one here) */
  if (chown (fixture->passphrase_file, getuid () + 1, (gid_t) -1) != 0) {
    g_test_message ("cannot chown as uid %u: owner check not tried", (guint) getuid ());
    return;
  }
  keystore = sd_file_keystore_new (fixture->data_dir, fixture->passphrase_file, &error);
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED);
  g_assert_null (keystore);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "not to this user"));
}

static void
test_file_wrong_passphrase (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autofree gchar *wrong_file = write_passphrase (fixture, "wrong",
                                                   "correct horse battery stapler\n");
  g_autoptr(SdKeystore) wrong = fast_file_keystore (fixture, wrong_file);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);

  memset (out, 0xaa, sizeof out);
  g_assert_false (sd_keystore_lookup_sync (wrong, out, &id, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_BAD_PASSPHRASE);
  g_assert_null (id);
  g_assert_true (sodium_is_zero (out, sizeof out));
  /* the message names the file, never the passphrase */
  g_assert_null (strstr (error->message, "staple"));
}

static void
test_file_passphrase_files (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *empty = write_passphrase (fixture, "empty", "\n");
  g_autofree gchar *missing = g_build_filename (fixture->tmp, "missing", NULL);
  g_autoptr(SdKeystore) none = NULL;

  none = sd_file_keystore_new (fixture->data_dir, empty, &error);
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_BAD_PASSPHRASE);
  g_assert_null (none);
  g_clear_error (&error);

  none = sd_file_keystore_new (fixture->data_dir, missing, &error);
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_FAILED);
  g_assert_null (none);
}

static void
test_file_refuses_overwrite (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  guint8 seed[SD_SEED_LEN], other[SD_SEED_LEN], out[SD_SEED_LEN];
  g_autoptr(GDir) dir = NULL;

  random_seed (seed);
  random_seed (other);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  before = read_key_file (keystore);

  g_assert_false (sd_keystore_store_sync (keystore, other, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS);
  g_clear_error (&error);

  after = read_key_file (keystore);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_true (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  dir = g_dir_open (fixture->data_dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, SD_KEY_FILE_NAME);
  g_assert_null (g_dir_read_name (dir));
}

static void
test_file_damaged (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  const guint8 *bytes;
  guint8 copy[182];
  gsize len;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];
  const gsize truncations[] = { 0, 1, 7, 8, 9, 12, 44, 68, 100, 148, 149, 180 };

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  good = read_key_file (keystore);
  bytes = g_bytes_get_data (good, &len);
  g_assert_cmpuint (len, ==, 181);

  for (gsize i = 0; i < G_N_ELEMENTS (truncations); i++) {
    write_key_file (keystore, bytes, truncations[i]);
    g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
    g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
    g_clear_error (&error);
  }

  /* trailing garbage */
  memcpy (copy, bytes, len);
  copy[181] = 0;
  write_key_file (keystore, copy, 182);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
  g_clear_error (&error);

  /* every single-bit flip is noticed, none crashes or opens */
  for (gsize i = 0; i < len * 8; i += 3) {
    memcpy (copy, bytes, len);
    copy[i / 8] ^= (guint8) (1u << (i % 8));
    write_key_file (keystore, copy, len);
    g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
    g_assert_true (g_error_matches (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT) ||
                   g_error_matches (error, SD_KEYSTORE_ERROR,
                                    SD_KEYSTORE_ERROR_BAD_PASSPHRASE));
    g_assert_true (sodium_is_zero (out, sizeof out));
    g_clear_error (&error);
  }

  /* a newer format is refused as such */
  memcpy (copy, bytes, len);
  copy[8] = 2;
  write_key_file (keystore, copy, len);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "version 2"));
  g_clear_error (&error);

  /* put right, it opens again */
  write_key_file (keystore, bytes, len);
  g_assert_true (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
}

/* changes inside a file whose checksum is made to match again: the
 * checks behind the checksum must hold on their own */
static void
test_file_tampered (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  guint8 copy[181];
  gsize len;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];
  guint64 huge = GUINT64_TO_LE (G_GUINT64_CONSTANT (1) << 40);

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  good = read_key_file (keystore);
  g_assert_cmpuint (g_bytes_get_size (good), ==, sizeof copy);

  /* the ciphertext: the MAC fails, which is what a wrong passphrase does */
  memcpy (copy, g_bytes_get_data (good, &len), sizeof copy);
  copy[100] ^= 0x01;
  crypto_generichash (copy + 149, 32, copy, 149, NULL, 0);
  write_key_file (keystore, copy, sizeof copy);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_BAD_PASSPHRASE);
  g_clear_error (&error);

  /* a memlimit nobody should be made to allocate */
  memcpy (copy, g_bytes_get_data (good, &len), sizeof copy);
  memcpy (copy + 20, &huge, 8);
  crypto_generichash (copy + 149, 32, copy, 149, NULL, 0);
  write_key_file (keystore, copy, sizeof copy);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
  g_clear_error (&error);

  /* an unknown KDF */
  memcpy (copy, g_bytes_get_data (good, &len), sizeof copy);
  copy[9] = 7;
  crypto_generichash (copy + 149, 32, copy, 149, NULL, 0);
  write_key_file (keystore, copy, sizeof copy);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
  g_clear_error (&error);

  /* not a key file at all */
  memset (copy, 'x', sizeof copy);
  write_key_file (keystore, copy, sizeof copy);
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_CORRUPT);
}

static void
test_file_delete (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GError) error = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  random_seed (seed);
  g_assert_true (sd_keystore_store_sync (keystore, seed, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sd_keystore_delete_sync (keystore, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (sd_file_keystore_get_path (SD_FILE_KEYSTORE (keystore)),
                               G_FILE_TEST_EXISTS));
  g_assert_false (sd_keystore_lookup_sync (keystore, out, NULL, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (sd_keystore_delete_sync (keystore, NULL, &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND);
}

static void
test_file_async (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(SdKeystore) keystore = fast_file_keystore (fixture, fixture->passphrase_file);
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GAsyncResult) looked_up = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *expected_id = NULL;
  guint8 seed[SD_SEED_LEN], out[SD_SEED_LEN];

  random_seed (seed);
  expected_id = session_id_of (seed);
  sd_keystore_store_async (keystore, seed, NULL, on_async_done, &stored);
  g_assert_true (sd_keystore_store_finish (keystore, wait_for (&stored), &error));
  g_assert_no_error (error);

  sd_keystore_store_async (keystore, seed, NULL, on_async_done, &again);
  g_assert_false (sd_keystore_store_finish (keystore, wait_for (&again), &error));
  g_assert_error (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_EXISTS);
  g_clear_error (&error);

  sd_keystore_lookup_async (keystore, NULL, on_async_done, &looked_up);
  g_assert_true (sd_keystore_lookup_finish (keystore, wait_for (&looked_up), out, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out, sizeof out, seed, sizeof seed);
  g_assert_cmpstr (id, ==, expected_id);
}

/* the keystore's domain is internal: the D-Bus boundary turns each code into its name */
static void
test_error_names (void)
{
  static const struct {
    SdKeystoreError code;
    const gchar *name;
  } names[] = {
    { SD_KEYSTORE_ERROR_UNAVAILABLE, "KeyringUnavailable" },
    { SD_KEYSTORE_ERROR_NOT_FOUND, "KeyNotFound" },
    { SD_KEYSTORE_ERROR_BAD_PASSPHRASE, "BadPassphrase" },
    { SD_KEYSTORE_ERROR_CORRUPT, "KeyCorrupt" },
    { SD_KEYSTORE_ERROR_EXISTS, "KeyExists" },
    { SD_KEYSTORE_ERROR_FAILED, "KeystoreFailed" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autoptr(GError) error = g_error_new_literal (SD_KEYSTORE_ERROR, names[i].code, "x");
    g_autoptr(GError) converted = sd_dbus_error_convert (error);
    g_autofree gchar *name = g_dbus_error_encode_gerror (converted);
    g_autofree gchar *expected = g_strconcat (SESSIOND_DBUS_ERROR_PREFIX, names[i].name, NULL);
    g_autofree gchar *internal = g_dbus_error_encode_gerror (error);

    g_assert_cmpstr (name, ==, expected);
    g_assert_cmpstr (converted->message, ==, "x");
    /* not registered on its own: no org.sessiond name without the conversion */
    g_assert_false (g_str_has_prefix (internal, SESSIOND_DBUS_ERROR_PREFIX));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/keystore/error-names", test_error_names);

#define KEYRING_TEST(path, fn) \
  g_test_add ("/keystore/secret/" path, BusFixture, NULL, keyring_setup, fn, bus_teardown)
  KEYRING_TEST ("round-trip", test_secret_round_trip);
  KEYRING_TEST ("async", test_secret_async);
  KEYRING_TEST ("two-data-dirs", test_secret_two_data_dirs);
  KEYRING_TEST ("item-shape", test_secret_item_shape);
  KEYRING_TEST ("exists", test_secret_exists);
  KEYRING_TEST ("delete", test_secret_delete);
  KEYRING_TEST ("missing", test_secret_missing);
  KEYRING_TEST ("data-dir-canonical", test_secret_data_dir_canonical);
  KEYRING_TEST ("mismatched-item", test_secret_mismatched_item);
  KEYRING_TEST ("keyring-goes-away", test_secret_keyring_goes_away);
  KEYRING_TEST ("locked", test_secret_locked);
#undef KEYRING_TEST
  g_test_add ("/keystore/secret/no-service", BusFixture, NULL, no_keyring_setup,
              test_secret_no_service, bus_teardown);
  g_test_add_func ("/keystore/secret/no-bus", test_secret_no_bus);

#define FILE_TEST(path, fn) \
  g_test_add ("/keystore/file/" path, FileFixture, NULL, file_setup, fn, file_teardown)
  FILE_TEST ("round-trip", test_file_round_trip);
  FILE_TEST ("default-limits", test_file_default_limits);
  FILE_TEST ("old-limits", test_file_old_limits);
  FILE_TEST ("passphrase-file-mode", test_file_passphrase_file_mode);
  FILE_TEST ("wrong-passphrase", test_file_wrong_passphrase);
  FILE_TEST ("passphrase-files", test_file_passphrase_files);
  FILE_TEST ("refuses-overwrite", test_file_refuses_overwrite);
  FILE_TEST ("damaged", test_file_damaged);
  FILE_TEST ("tampered", test_file_tampered);
  FILE_TEST ("delete", test_file_delete);
  FILE_TEST ("async", test_file_async);
#undef FILE_TEST

  return g_test_run ();
}
