/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The onion v4 endpoint the testnet's servers (file server, SOGS) share: a request to
 * SD_ONION_V4_TARGET is opened with the server's X25519 key, and its reply sealed back under
 * the same key (protocol-network.md §6.5).
 */

#include <libsoup/soup.h>

#include "sd-keys.h"
#include "sd-onion-crypto.h"
#include "st-network.h"

G_BEGIN_DECLS

/* what a v4 reply is sealed under: the cipher and key of its request */
typedef struct {
  SdOnionCipher cipher;
  guint8 key[SD_ONION_KEY_LEN]; /* wiped by st_onion_v4_respond () */
} StOnionV4Reply;

/* a server reached only by onion requests v4: a new @identity, and @handler served over
 * plain HTTP (even with --tls: the real ones are reached the same way) on the network's
 * address, at @out_url; NULL on error */
SoupServer *st_onion_v4_server_new (StNetwork *network, SdIdentity *identity,
                                    SoupServerCallback handler, gpointer user_data,
                                    gchar **out_url, GError **error);

void st_respond_plain (SoupServerMessage *msg, guint status, const gchar *text);

/* the decrypted v4 payload of @msg, a request to @path for @identity; NULL when it is not
 * one, with @msg answered in plain text (404, 400) */
GBytes *st_onion_v4_open (SoupServerMessage *msg, const char *path, const SdIdentity *identity,
                          StOnionV4Reply *reply);

/* answers @msg with the v4 reply (@status, @ctype, @body) sealed under @reply, whose key is
 * then wiped. @scramble sends random bytes of the sealed size instead (the client's
 * decryption must fail); the answer waits @latency_ms when that is not 0 */
void st_onion_v4_respond (SoupServerMessage *msg, StOnionV4Reply *reply, guint status,
                          const gchar *ctype, GBytes *body, gboolean scramble, guint latency_ms);

G_END_DECLS
