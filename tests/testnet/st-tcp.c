/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POLLRDHUP */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "StTcp"

#include "config.h"

#include "st-tcp.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#define REAP_INTERVAL_MS 500

struct _StReaper {
  GHashTable *sockets; /* (owned) GSocket* (owned ref) -> active request count */
  guint timer_id;
};

static void
set_nodelay (GSocket *socket)
{
  /* best effort: a failure only costs speed */
  if (socket != NULL && g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* the peer has shut its side down (FIN or reset) */
static gboolean
peer_gone (GSocket *socket)
{
  struct pollfd pfd = { .fd = g_socket_get_fd (socket), .events = POLLRDHUP };

  if (g_socket_is_closed (socket))
    return TRUE;
  return poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static gboolean
reap_cb (gpointer user_data)
{
  StReaper *reaper = user_data;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, reaper->sockets);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GSocket *socket = key;

    if (GPOINTER_TO_INT (value) > 0 || !peer_gone (socket))
      continue;
    /* nobody is serving it and nobody is on the other end */
    g_socket_close (socket, NULL);
    g_hash_table_iter_remove (&iter);
  }
  return G_SOURCE_CONTINUE;
}

static void
adjust (StReaper *reaper, SoupServerMessage *msg, gint delta)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  gpointer value;

  if (socket == NULL)
    return;
  if (g_hash_table_lookup_extended (reaper->sockets, socket, NULL, &value)) {
    g_hash_table_insert (reaper->sockets, g_object_ref (socket),
                         GINT_TO_POINTER (MAX (GPOINTER_TO_INT (value) + delta, 0)));
  } else if (delta > 0) {
    set_nodelay (socket);
    g_hash_table_insert (reaper->sockets, g_object_ref (socket), GINT_TO_POINTER (delta));
  }
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  adjust (user_data, msg, 1);
}

static void
on_request_done (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  adjust (user_data, msg, -1);
}

StReaper *
st_reaper_new (void)
{
  StReaper *reaper = g_new0 (StReaper, 1);

  reaper->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  reaper->timer_id = g_timeout_add (REAP_INTERVAL_MS, reap_cb, reaper);
  return reaper;
}

void
st_reaper_watch (StReaper *reaper, SoupServer *server)
{
  g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), reaper);
  g_signal_connect (server, "request-finished", G_CALLBACK (on_request_done), reaper);
  g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_done), reaper);
}

void
st_reaper_free (StReaper *reaper)
{
  if (reaper == NULL)
    return;
  g_clear_handle_id (&reaper->timer_id, g_source_remove);
  g_hash_table_destroy (reaper->sockets);
  g_free (reaper);
}

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    set_nodelay (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
}

void
st_tcp_prepare_message (SoupMessage *msg)
{
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), NULL);
  /* storage RPCs are safe to resend: a store is keyed by its hash */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
}
