/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sessiond: command line (design.md §6), bus name, main loop */
#define G_LOG_DOMAIN "sessiond"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "sd-account.h"
#include "sd-dbus-service.h"
#include "sd-notifier.h"
#include "sd-search-provider.h"
#include "sd-settings.h"
#include "sessiond-contract.h"

typedef struct {
  GMainLoop *loop;
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
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Context *ctx = user_data;
  g_autoptr(GError) error = NULL;

  ctx->service = sd_dbus_service_new (connection, ctx->account, &error);
  if (ctx->service == NULL) {
    g_printerr (_("sessiond: cannot export objects on the bus: %s\n"), error->message);
    ctx->status = EXIT_FAILURE;
    g_main_loop_quit (ctx->loop);
    return;
  }
  ctx->notifier = sd_notifier_new (connection, ctx->account);
  sd_settings_attach_notifier (ctx->settings, ctx->notifier);
  g_signal_connect (ctx->service, "inhibited-changed", G_CALLBACK (on_inhibited_changed), ctx);
  ctx->search_provider = sd_search_provider_new (connection, ctx->account, &error);
  if (ctx->search_provider == NULL) {
    /* searching from the shell is a convenience: the daemon works without it */
    g_warning ("no search provider: %s", error->message);
  } else {
    sd_search_provider_set_front_end (ctx->search_provider,
                                      sd_settings_get_front_end (ctx->settings));
  }
  sd_account_start (ctx->account);
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Context *ctx = user_data;

  ctx->acquired = TRUE;
  g_info ("owning %s", name);
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
    g_printerr (_("sessiond: another sessiond already runs on this bus (use --replace)\n"));
  ctx->status = EXIT_FAILURE;
  g_main_loop_quit (ctx->loop);
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

int
main (int argc, char **argv)
{
  g_autofree gchar *data_dir = NULL;
  g_auto(GStrv) seeds = NULL;
  g_autofree gchar *seed_ca = NULL;
  g_autofree gchar *passphrase_file = NULL;
  /* G_MININT: not given, the setting applies */
  gint poll_interval = G_MININT;
  gboolean replace = FALSE, verbose = FALSE, version = FALSE, read_receipts = FALSE;
  gboolean plain_http_nodes = FALSE;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Where the account database lives (default: $XDG_DATA_HOME/sessiond)"), "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING_ARRAY, &seeds,
      N_("Use the custom network with this seed (repeatable)"), "URL" },
    { "seed-ca", 0, 0, G_OPTION_ARG_FILENAME, &seed_ca,
      N_("Trust this certificate for the seeds"), "FILE" },
    { "plain-http-nodes", 0, 0, G_OPTION_ARG_NONE, &plain_http_nodes,
      N_("Speak plain HTTP to the nodes of a custom network (a testnet run with --no-tls); "
         "real nodes always speak HTTPS"), NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval,
      N_("Milliseconds between polls (default: the poll-interval setting, 5000)"), "MS" },
    { "key-file-passphrase", 0, 0, G_OPTION_ARG_FILENAME, &passphrase_file,
      N_("Keep the account key in a passphrase-protected file instead of the keyring"), "FILE" },
    { "read-receipts", 0, 0, G_OPTION_ARG_NONE, &read_receipts,
      N_("Send read receipts (default: the read-receipts setting, off)"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, N_("Replace a running sessiond"), NULL },
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
  guint owner_id;

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
  config.plain_http_nodes = plain_http_nodes;
  config.key_file_passphrase = passphrase_file;
  /* options given on the command line win over the settings */
  ctx.settings = sd_settings_new (NULL);
  if (poll_interval != G_MININT)
    sd_settings_override_poll_interval (ctx.settings, (guint) poll_interval);
  if (read_receipts)
    sd_settings_override_read_receipts (ctx.settings, TRUE);
  sd_settings_fill_config (ctx.settings, &config);
  ctx.account = sd_account_new (&config, &error);
  g_free (config.data_dir);
  if (ctx.account == NULL) {
    g_printerr ("sessiond: %s\n", error->message);
    g_clear_object (&ctx.settings);
    return EXIT_FAILURE;
  }
  sd_settings_attach_account (ctx.settings, ctx.account);
  g_signal_connect (ctx.settings, "changed", G_CALLBACK (on_settings_changed), &ctx);

  ctx.loop = g_main_loop_new (NULL, FALSE);
  ctx.status = EXIT_SUCCESS;
  g_unix_signal_add (SIGTERM, on_signal, &ctx);
  g_unix_signal_add (SIGINT, on_signal, &ctx);
  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, SESSIOND_DBUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                               (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                             on_bus_acquired, on_name_acquired, on_name_lost, &ctx, NULL);
  g_main_loop_run (ctx.loop);

  g_bus_unown_name (owner_id);
  /* settings first: they hold references to the daemon and the notifier */
  g_clear_object (&ctx.settings);
  g_clear_object (&ctx.search_provider);
  g_clear_object (&ctx.notifier);
  g_clear_object (&ctx.service);
  g_clear_object (&ctx.account);
  g_main_loop_unref (ctx.loop);
  return ctx.status;
}
