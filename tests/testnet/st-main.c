/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session-testnet: a local Session network on loopback (design.md §6) */
#define G_LOG_DOMAIN "StMain"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "st-network.h"

#define DEFAULT_NODES      14
#define DEFAULT_SWARM_SIZE 7
#define MAX_NODES          1000
#define SHUTDOWN_TIMEOUT_S 10

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_alarm (int signum)
{
  static const char message[] = "session-testnet: shutdown timed out\n";

  /* only async-signal-safe calls here */
  if (write (STDERR_FILENO, message, sizeof message - 1) < 0) {
    /* nothing left to report to */
  }
  _exit (EXIT_FAILURE);
}

static int
fail (const gchar *message)
{
  g_printerr ("session-testnet: %s\n", message);
  return EXIT_FAILURE;
}

int
main (int argc, char **argv)
{
  gint nodes = DEFAULT_NODES;
  gint swarm_size = DEFAULT_SWARM_SIZE;
  gint cleanup_ms = 10000;
  gboolean tls = FALSE, no_tls = FALSE, verbose = FALSE;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *bind = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(StNetwork) network = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  StConfig config = { 0 };
  const GOptionEntry entries[] = {
    { "nodes", 0, 0, G_OPTION_ARG_INT, &nodes, "Number of storage nodes (default 14)", "N" },
    { "swarm-size", 0, 0, G_OPTION_ARG_INT, &swarm_size, "Nodes per swarm (default 7)", "K" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where testnet.json and the certificate go (required)", "DIR" },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls, "Serve HTTPS (the default)", NULL },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &no_tls, "Serve plain HTTP", NULL },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "IPv4 address to listen on (default 127.0.0.1)",
      "ADDR" },
    { "cleanup-interval", 0, 0, G_OPTION_ARG_INT, &cleanup_ms,
      "Period of the expired-message sweep in ms (default 10000, as the reference)", "MS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  /* stdout carries only the ready line; every log goes to stderr */
  g_log_writer_default_set_use_stderr (TRUE);
  context = g_option_context_new ("- a local Session network for tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error->message);
  if (argc > 1)
    return fail ("unexpected argument; see --help");
  if (state_dir == NULL)
    return fail ("--state-dir DIR is required");
  if (tls && no_tls)
    return fail ("--tls and --no-tls exclude each other");
  if (nodes < 1 || nodes > MAX_NODES)
    return fail ("--nodes must be 1 to 1000");
  if (swarm_size < 1)
    return fail ("--swarm-size must be at least 1");
  if (cleanup_ms < 10)
    return fail ("--cleanup-interval must be at least 10 ms");
  if (bind == NULL)
    bind = g_strdup ("127.0.0.1");
  inet = g_inet_address_new_from_string (bind);
  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return fail ("--bind needs an IPv4 address");
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  config.n_nodes = (guint) nodes;
  config.swarm_size = (guint) swarm_size;
  config.tls = !no_tls;
  config.bind = bind;
  config.state_dir = state_dir;
  config.cleanup_interval_ms = (guint) cleanup_ms;

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);

  network = st_network_new (&config, &error);
  if (network == NULL || !st_network_write_json (network, &error))
    return fail (error->message);

  /* the one line scripts wait for; flushed, as stdout is usually a pipe */
  printf ("ready %s\n", network->json_path);
  fflush (stdout);

  g_main_loop_run (loop);
  /* a close that waits on a silent peer must not keep us alive */
  signal (SIGALRM, on_alarm);
  alarm (SHUTDOWN_TIMEOUT_S);
  st_network_shutdown (network);
  g_clear_pointer (&network, st_network_free);
  /* let libsoup finish closing connections before exit */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return EXIT_SUCCESS;
}
