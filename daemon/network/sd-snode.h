/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sd-onion-request.h"

G_BEGIN_DECLS

/* a service node as the client knows it (immutable, reference counted) */
typedef struct {
  gchar ed25519_hex[65]; /* identity, lower-case hex */
  SdOnionNode keys;      /* Ed25519 identity and X25519 onion key */
  gchar *ip;
  guint16 port;          /* HTTPS storage port */
  guint64 swarm_id;      /* G_MAXUINT64 when unknown */
} SdSnode;

/* validates the fields; the X25519 key is derived from the Ed25519 one
 * (what libsession does) and an advertised one that differs is refused */
SdSnode *sd_snode_new (const gchar *ed25519_hex,
                       const gchar *x25519_hex,
                       const gchar *ip,
                       guint port,
                       guint64 swarm_id,
                       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* from a seed / oxend entry (public_ip, storage_port, pubkey_ed25519,
 * pubkey_x25519, swarm_id) or a get_swarm entry (ip, port_https or port,
 * pubkey_ed25519, pubkey_x25519) */
SdSnode *sd_snode_new_from_json (JsonObject *object, GError **error) G_GNUC_WARN_UNUSED_RESULT;

SdSnode *sd_snode_ref (SdSnode *node);
void sd_snode_unref (SdSnode *node);

/* "https://ip:port" + @path */
gchar *sd_snode_url (const SdSnode *node, gboolean tls, const gchar *path) G_GNUC_WARN_UNUSED_RESULT;

gboolean sd_snode_equal (const SdSnode *a, const SdSnode *b);

/* nodes from a JSON array (as the seed or get_swarm returns them);
 * entries with an empty or 0.0.0.0 address are skipped, invalid ones too */
GPtrArray *sd_snode_list_from_json (JsonArray *array) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdSnode, sd_snode_unref)

G_END_DECLS
