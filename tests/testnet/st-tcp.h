/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* TCP-level care for the listeners and the relay client:
 *
 * - libsoup writes headers and body separately; with Nagle's algorithm on
 *   the second write can wait for the peer's delayed ACK, so every socket
 *   gets TCP_NODELAY;
 * - libsoup 3.2.3's server never closes a connection that its client
 *   closed: the socket stays in CLOSE-WAIT and its descriptor is never
 *   released (the GSocket leak noted in build-and-test-environment.md §7),
 *   so a network serving many short connections runs out of descriptors;
 *   the reaper closes such sockets once no request is running on them;
 * - libsoup's client never reuses a connection for a POST unless the
 *   message is marked idempotent, so each request would pay a new TCP
 *   (and TLS) handshake. */

typedef struct _StReaper StReaper;

StReaper *st_reaper_new (void);
/* TCP_NODELAY and reaping for every connection @server accepts */
void st_reaper_watch (StReaper *reaper, SoupServer *server);
/* closes the sockets that are not serving a request (at shutdown) */
void st_reaper_free (StReaper *reaper);

/* TCP_NODELAY on the connection @msg opens, and connection reuse */
void st_tcp_prepare_message (SoupMessage *msg);

G_END_DECLS
