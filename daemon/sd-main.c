/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sessiond: command line (design.md §6), bus name, main loop */
#define G_LOG_DOMAIN "sessiond"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd-account.h"
#include "sd-dbus-service.h"
#include "sd-encoding.h"
#include "sd-notifier.h"
#include "sd-search-provider.h"
#include "sd-settings.h"
#include "sessiond-contract.h"

/* held (flock) while a sessiond uses the data dir: two daemons on one
 * database, say from a desktop and an SSH session bus, would corrupt it */
#define LOCK_FILE_NAME "sessiond.lock"
/* how long --replace waits for the replaced daemon to let go of the data dir */
#define REPLACE_WAIT_MS 10000
#define REPLACE_POLL_MS 50

typedef struct {
  GMainLoop *loop;
  SdAccountConfig *config;     /* (unowned) */
  const gchar *data_dir;       /* (unowned) */
  int lock_fd;
  gint64 lock_deadline;
  GDBusConnection *connection; /* (owned) */
  GBusNameOwnerFlags owner_flags;
  guint owner_id;
  SdAccount *account;
  SdDbusService *service;
  SdNotifier *notifier;
  SdSettings *settings;
  SdSearchProvider *search_provider;
  gboolean acquired;
  int status;
} Context;

static void
on_inhibited_changed (SdDbusService *service, gpointer user_data)
{
  Context *ctx = user_data;

  sd_notifier_set_inhibited (ctx->notifier, sd_dbus_service_notifications_inhibited (service));
}

static void
quit_with_failure (Context *ctx)
{
  ctx->status = EXIT_FAILURE;
  g_main_loop_quit (ctx->loop);
}

/* the data dir is the user's alone: 0700 for it and 0600 for what is in it
 * (the database, its -wal and -shm, the key file), also for files an older
 * sessiond or a restore from backup left readable by others */
static gboolean
secure_data_dir (const gchar *dir, GError **error)
{
  g_autoptr(GDir) listing = NULL;
  const gchar *name;
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_stat (dir, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("cannot create the data directory “%s”: %s"), dir, g_strerror (saved_errno));
    return FALSE;
  }
  if (!S_ISDIR (st.st_mode) || st.st_uid != getuid ()) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                 _("the data directory “%s” is not a directory owned by this user"), dir);
    return FALSE;
  }
  if ((st.st_mode & 07777) != 0700 && g_chmod (dir, 0700) != 0) {
    int saved_errno = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("cannot make the data directory “%s” private: %s"), dir,
                 g_strerror (saved_errno));
    return FALSE;
  }
  listing = g_dir_open (dir, 0, error);
  if (listing == NULL)
    return FALSE;
  while ((name = g_dir_read_name (listing)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);
    mode_t wanted;

    /* lstat: a symlink's own mode means nothing, and its target is not ours to change */
    if (g_lstat (path, &st) != 0 || st.st_uid != getuid ())
      continue;
    if (S_ISREG (st.st_mode))
      wanted = 0600;
    else if (S_ISDIR (st.st_mode))
      wanted = 0700;
    else
      continue;
    if ((st.st_mode & 07777) != wanted && g_chmod (path, wanted) != 0)
      g_warning ("cannot make %s private: %s", path, g_strerror (errno));
  }
  return TRUE;
}

/* TRUE when the lock is ours; FALSE with @busy set when another process has it */
static gboolean
take_lock (Context *ctx, gboolean *busy, GError **error)
{
  g_autofree gchar *path = g_build_filename (ctx->data_dir, LOCK_FILE_NAME, NULL);

  *busy = FALSE;
  if (ctx->lock_fd < 0) {
    ctx->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (ctx->lock_fd < 0) {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("cannot open the lock file “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  }
  if (flock (ctx->lock_fd, LOCK_EX | LOCK_NB) == 0)
    return TRUE;
  if (errno == EWOULDBLOCK) {
    *busy = TRUE;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                 _("another sessiond already uses the data directory “%s”"), ctx->data_dir);
  } else {
    int saved_errno = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("cannot lock “%s”: %s"), path, g_strerror (saved_errno));
  }
  return FALSE;
}

static gboolean
open_account (Context *ctx, GError **error)
{
  ctx->account = sd_account_new (ctx->config, error);
  if (ctx->account == NULL)
    return FALSE;
  sd_settings_attach_account (ctx->settings, ctx->account);
  return TRUE;
}

/* the objects go on the bus before the name is ours, so that the call that
 * D-Bus activated us finds them */
static gboolean
export_objects (Context *ctx, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  ctx->service = sd_dbus_service_new (ctx->connection, ctx->account, error);
  if (ctx->service == NULL)
    return FALSE;
  ctx->notifier = sd_notifier_new (ctx->connection, ctx->account);
  sd_settings_attach_notifier (ctx->settings, ctx->notifier);
  g_signal_connect (ctx->service, "inhibited-changed", G_CALLBACK (on_inhibited_changed), ctx);
  ctx->search_provider = sd_search_provider_new (ctx->connection, ctx->account, &local_error);
  if (ctx->search_provider == NULL) {
    /* searching from the shell is a convenience: the daemon works without it */
    g_warning ("no search provider: %s", local_error->message);
  } else {
    sd_search_provider_set_front_end (ctx->search_provider,
                                      sd_settings_get_front_end (ctx->settings));
  }
  return TRUE;
}

static void on_name_acquired (GDBusConnection *connection, const gchar *name,
                              gpointer user_data);
static void on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data);

static void
own_name (Context *ctx)
{
  ctx->owner_id = g_bus_own_name_on_connection (ctx->connection, SESSIOND_DBUS_NAME,
                                                ctx->owner_flags, on_name_acquired,
                                                on_name_lost, ctx, NULL);
}

/* the account is open (or known not to exist), its conversations are on the bus */
static void
on_account_started (SdAccount *account, gpointer user_data)
{
  Context *ctx = user_data;

  if (ctx->owner_id == 0)
    own_name (ctx);
}

static void
on_bus_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Context *ctx = user_data;
  g_autoptr(GError) error = NULL;

  ctx->connection = g_bus_get_finish (result, &error);
  if (ctx->connection == NULL) {
    g_printerr (_("sessiond: cannot connect to the session bus\n"));
    quit_with_failure (ctx);
    return;
  }
  /* with --replace and the data dir still locked, the account waits until the name is ours */
  if (ctx->account == NULL) {
    own_name (ctx);
    return;
  }
  if (!export_objects (ctx, &error)) {
    g_printerr (_("sessiond: cannot export objects on the bus: %s\n"), error->message);
    quit_with_failure (ctx);
    return;
  }
  /* The account opens (its keys read in a worker thread) before the name is requested: a
   * client that finds the name finds the account and its conversations, listed by
   * GetManagedObjects rather than announced one by one to nobody (issue 20). It polls and
   * sends only once the name is ours (on_name_acquired) */
  sd_dbus_service_attach_after_start (ctx->service);
  sd_account_hold_network (ctx->account, TRUE);
  g_signal_connect (ctx->account, "started", G_CALLBACK (on_account_started), ctx);
  sd_account_start (ctx->account);
}

/* --replace: the daemon we took the name from exits and unlocks the data dir */
static gboolean
on_replace_poll (gpointer user_data)
{
  Context *ctx = user_data;
  g_autoptr(GError) error = NULL;
  gboolean busy;

  if (!take_lock (ctx, &busy, &error)) {
    if (busy && g_get_monotonic_time () < ctx->lock_deadline)
      return G_SOURCE_CONTINUE;
    g_printerr ("sessiond: %s\n", error->message);
    quit_with_failure (ctx);
    return G_SOURCE_REMOVE;
  }
  if (!open_account (ctx, &error) || !export_objects (ctx, &error)) {
    g_printerr ("sessiond: %s\n", error->message);
    quit_with_failure (ctx);
    return G_SOURCE_REMOVE;
  }
  sd_account_start (ctx->account);
  return G_SOURCE_REMOVE;
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Context *ctx = user_data;

  ctx->acquired = TRUE;
  g_info ("owning %s", name);
  /* no work (polling, sending), and no phrase handed to us, until the name is ours */
  if (ctx->account == NULL) {
    ctx->lock_deadline = g_get_monotonic_time () + REPLACE_WAIT_MS * 1000;
    g_timeout_add (REPLACE_POLL_MS, on_replace_poll, ctx);
    return;
  }
  sd_account_hold_network (ctx->account, FALSE);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Context *ctx = user_data;

  if (connection == NULL)
    g_printerr (_("sessiond: cannot connect to the session bus\n"));
  else if (ctx->acquired)
    g_printerr (_("sessiond: replaced by another sessiond\n"));
  else
    g_printerr (_("sessiond: another sessiond already runs on this bus\n"));
  quit_with_failure (ctx);
}

static void
on_settings_changed (SdSettings *settings, gpointer user_data)
{
  Context *ctx = user_data;

  if (ctx->search_provider != NULL)
    sd_search_provider_set_front_end (ctx->search_provider, sd_settings_get_front_end (settings));
}

static gboolean
on_signal (gpointer user_data)
{
  Context *ctx = user_data;

  g_main_loop_quit (ctx->loop);
  return G_SOURCE_CONTINUE;
}

/* a seed is an http(s) base URL; normalised to end in '/' */
static gchar *
check_seed (const gchar *url, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("--seed needs an http:// or https:// URL, not “%s”"), url);
    return NULL;
  }
  return g_str_has_suffix (url, "/") ? g_strdup (url) : g_strconcat (url, "/", NULL);
}

/* GLib before 2.76 keeps what GSlice once allocated in its magazines: the GVariants of one
 * GetManagedObjects answer for 1,000 conversations left 6.7 MB behind for good (issue 20).
 * GSlice reads G_SLICE when GLib initialises, before main (), so sessiond starts itself again
 * once with G_SLICE=always-malloc (the same process: D-Bus and systemd see one PID). Newer
 * GLib allocates slices with malloc anyway; an explicit G_SLICE is left alone */
static void
use_malloc_for_slices (char **argv)
{
  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL)
    return;
  if (!g_setenv ("G_SLICE", "always-malloc", TRUE))
    return;
  execv ("/proc/self/exe", argv);
  /* no /proc: GSlice it is */
  g_unsetenv ("G_SLICE");
}

int
main (int argc, char **argv)
{
  g_autofree gchar *data_dir = NULL;
  g_auto(GStrv) seeds = NULL;
  g_autofree gchar *seed_ca = NULL;
  g_autofree gchar *file_server = NULL;
  g_autofree gchar *file_server_key = NULL;
  g_autofree gchar *file_server_ed25519 = NULL;
  g_autofree gchar *passphrase_file = NULL;
  /* G_MININT: not given, the setting applies */
  gint poll_interval = G_MININT;
  gboolean replace = FALSE, verbose = FALSE, version = FALSE, read_receipts = FALSE;
  gboolean plain_http_nodes = FALSE;
  gboolean busy = FALSE;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Where the account database lives (default: $XDG_DATA_HOME/sessiond)"), "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING_ARRAY, &seeds,
      N_("Use the custom network with this seed (repeatable)"), "URL" },
    { "seed-ca", 0, 0, G_OPTION_ARG_FILENAME, &seed_ca,
      N_("Trust this certificate for the seeds"), "FILE" },
    { "file-server", 0, 0, G_OPTION_ARG_STRING, &file_server,
      N_("Use this file server for attachments (a custom network; needs --file-server-key)"),
      "URL" },
    { "file-server-key", 0, 0, G_OPTION_ARG_STRING, &file_server_key,
      N_("The custom file server's X25519 key, 64 hex digits"), "X25519HEX" },
    { "file-server-ed25519", 0, 0, G_OPTION_ARG_STRING, &file_server_ed25519,
      N_("The custom file server's Ed25519 key, 64 hex digits: our attachments name it so "
         "that any client can fetch them"), "ED25519HEX" },
    { "plain-http-nodes", 0, 0, G_OPTION_ARG_NONE, &plain_http_nodes,
      N_("Speak plain HTTP to the nodes of a custom network (a testnet run with --no-tls); "
         "real nodes always speak HTTPS"), NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval,
      N_("Milliseconds between polls (default: the poll-interval setting, 5000)"), "MS" },
    { "key-file-passphrase", 0, 0, G_OPTION_ARG_FILENAME, &passphrase_file,
      N_("Keep the account key in a passphrase-protected file instead of the keyring"), "FILE" },
    { "read-receipts", 0, 0, G_OPTION_ARG_NONE, &read_receipts,
      N_("Send read receipts (default: the read-receipts setting, off)"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a running sessiond started with --replace, and let a later one replace this"),
      NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log what happens (never message text)"),
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (N_("- the Session messenger daemon"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) seed_list = g_ptr_array_new_with_free_func (g_free);
  SdAccountConfig config = { 0 };
  Context ctx = { 0 };

  use_malloc_for_slices (argv);
  /* before anything is created: the database, its -wal and -shm, the key
   * file and the lock are the user's alone */
  umask (077);
  /* no core dumps or ptrace by other processes of the user: the process holds
   * the account's keys and, while restoring, the recovery phrase */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_warning ("cannot disable core dumps: %s", g_strerror (errno));
  /* blocks of 1 MiB and more (an attachment's 10 MB buffers) are mapped and given back when
   * freed: glibc's sliding threshold would keep them in a worker's arena after the first one,
   * about 10 MB of resident memory for the rest of the run */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
  setlocale (LC_ALL, "");
#ifdef LOCALEDIR
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
#endif
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error)) {
    g_printerr ("sessiond: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("sessiond %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (argc > 1) {
    g_printerr (_("sessiond: unexpected argument “%s”\n"), argv[1]);
    return 2;
  }
  if (poll_interval != G_MININT && (poll_interval < 100 || poll_interval > 3600000)) {
    g_printerr (_("sessiond: --poll-interval must be between 100 and 3600000 ms\n"));
    return 2;
  }
  for (guint i = 0; seeds != NULL && seeds[i] != NULL; i++) {
    gchar *seed = check_seed (seeds[i], &error);

    if (seed == NULL) {
      g_printerr ("sessiond: %s\n", error->message);
      return 2;
    }
    g_ptr_array_add (seed_list, seed);
  }
  if (plain_http_nodes && seed_list->len == 0) {
    g_printerr (_("sessiond: --plain-http-nodes is only for a custom network (--seed)\n"));
    return 2;
  }
  if ((file_server == NULL) != (file_server_key == NULL)) {
    g_printerr (_("sessiond: --file-server and --file-server-key go together\n"));
    return 2;
  }
  if (file_server_ed25519 != NULL && file_server == NULL) {
    g_printerr (_("sessiond: --file-server-ed25519 goes with --file-server\n"));
    return 2;
  }
  if (file_server != NULL) {
    g_autofree gchar *checked = check_seed (file_server, &error);
    guint8 key[32];

    if (checked == NULL) {
      g_printerr (_("sessiond: --file-server needs an http:// or https:// URL, not “%s”\n"),
                  file_server);
      return 2;
    }
    if (strlen (file_server_key) != 64 || !sd_hex_decode_exact (file_server_key, key, 32, NULL)) {
      g_printerr (_("sessiond: --file-server-key is 64 hex digits\n"));
      return 2;
    }
  }
  if (seed_ca != NULL && !g_file_test (seed_ca, G_FILE_TEST_IS_REGULAR)) {
    g_printerr (_("sessiond: --seed-ca: no such file “%s”\n"), seed_ca);
    return 2;
  }
  if (passphrase_file != NULL && !g_file_test (passphrase_file, G_FILE_TEST_IS_REGULAR)) {
    g_printerr (_("sessiond: --key-file-passphrase: no such file “%s”\n"), passphrase_file);
    return 2;
  }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_ptr_array_add (seed_list, NULL);

  config.data_dir = data_dir != NULL ? g_strdup (data_dir)
                                     : g_build_filename (g_get_user_data_dir (), "sessiond", NULL);
  config.seeds = seed_list->len > 1 ? (GStrv) seed_list->pdata : NULL;
  config.seed_ca = seed_ca;
  config.file_server_url = file_server;
  config.file_server_key = file_server_key;
  config.file_server_ed25519 = file_server_ed25519;
  config.plain_http_nodes = plain_http_nodes;
  config.key_file_passphrase = passphrase_file;
  /* options given on the command line win over the settings */
  ctx.settings = sd_settings_new (NULL);
  if (poll_interval != G_MININT)
    sd_settings_override_poll_interval (ctx.settings, (guint) poll_interval);
  if (read_receipts)
    sd_settings_override_read_receipts (ctx.settings, TRUE);
  sd_settings_fill_config (ctx.settings, &config);
  ctx.config = &config;
  ctx.data_dir = config.data_dir;
  ctx.lock_fd = -1;
  if (!secure_data_dir (config.data_dir, &error)) {
    g_printerr ("sessiond: %s\n", error->message);
    g_clear_object (&ctx.settings);
    g_free (config.data_dir);
    return EXIT_FAILURE;
  }
  if (!take_lock (&ctx, &busy, &error)) {
    /* --replace: the lock is the replaced daemon's until it lets go of the name */
    if (!(busy && replace)) {
      g_printerr ("sessiond: %s\n", error->message);
      g_clear_object (&ctx.settings);
      g_free (config.data_dir);
      if (ctx.lock_fd >= 0)
        (void) close (ctx.lock_fd);
      return EXIT_FAILURE;
    }
    g_clear_error (&error);
  } else if (!open_account (&ctx, &error)) {
    g_printerr ("sessiond: %s\n", error->message);
    g_clear_object (&ctx.settings);
    g_free (config.data_dir);
    (void) close (ctx.lock_fd);
    return EXIT_FAILURE;
  }
  g_signal_connect (ctx.settings, "changed", G_CALLBACK (on_settings_changed), &ctx);

  ctx.loop = g_main_loop_new (NULL, FALSE);
  ctx.status = EXIT_SUCCESS;
  g_unix_signal_add (SIGTERM, on_signal, &ctx);
  g_unix_signal_add (SIGINT, on_signal, &ctx);
  /* only a sessiond started with --replace takes the name, or gives it up: otherwise
   * any peer could take it and be handed recovery phrases and messages */
  ctx.owner_flags = replace ? G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                G_BUS_NAME_OWNER_FLAGS_REPLACE
                            : G_BUS_NAME_OWNER_FLAGS_NONE;
  g_bus_get (G_BUS_TYPE_SESSION, NULL, on_bus_ready, &ctx);
  g_main_loop_run (ctx.loop);

  if (ctx.owner_id != 0)
    g_bus_unown_name (ctx.owner_id);
  /* settings first: they hold references to the daemon and the notifier */
  g_clear_object (&ctx.settings);
  g_clear_object (&ctx.search_provider);
  g_clear_object (&ctx.notifier);
  g_clear_object (&ctx.service);
  g_clear_object (&ctx.account);
  g_clear_object (&ctx.connection);
  g_main_loop_unref (ctx.loop);
  g_free (config.data_dir);
  /* the database is closed: the next sessiond may have the data dir */
  if (ctx.lock_fd >= 0)
    (void) close (ctx.lock_fd);
  return ctx.status;
}
