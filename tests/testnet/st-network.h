/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _StNode StNode;
typedef struct _StReaper StReaper;
typedef struct _StFileServer StFileServer;
typedef struct _StSogsServer StSogsServer;

/* what the command line chose */
typedef struct {
  guint n_nodes;
  guint swarm_size;
  gboolean tls;
  gchar *bind;               /* (owned) IPv4 address to listen on */
  gchar *state_dir;          /* (owned) */
  guint cleanup_interval_ms; /* expired-row sweep period; 10 s like the reference */
} StConfig;

/* the whole test network: nodes, swarms, the seed and control endpoints */
typedef struct {
  StConfig config;
  GPtrArray *nodes;          /* (owned) StNode*, in creation order */
  GHashTable *by_ed25519;    /* (owned keys) lower-case hex -> (unowned) StNode* */
  GArray *swarm_ids;         /* (owned) guint64, one per swarm */
  GTlsCertificate *cert;     /* (owned) (nullable) shared by every listener */
  gchar *cert_path;          /* (owned) (nullable) */
  SoupSession *relay;        /* (owned) onion hops to our own nodes */
  SoupSession *proxy;        /* (owned) onion "host" requests to other servers */
  SoupServer *seed;          /* (owned) */
  SoupServer *control;       /* (owned) */
  StFileServer *file_server; /* (owned) onion v4 destination (st-file-server.c) */
  StSogsServer *sogs_server; /* (owned) community server, onion v4 (st-sogs-server.c) */
  GHashTable *ons;           /* (owned) base64 name hash → (owned) JsonObject* ons_resolve result */
  gchar *seed_url;           /* (owned) */
  gchar *control_url;        /* (owned) */
  gchar *json_path;          /* (owned) DIR/testnet.json */
  StReaper *reaper;          /* (owned) closes sockets libsoup forgets */
  guint cleanup_id;
  gboolean stopping;         /* SIGTERM seen: answer 503, start nothing new */
  gint64 height;
} StNetwork;

#define ST_HF_MAJOR 19
#define ST_HF_MINOR 4

StNetwork *st_network_new (const StConfig *config, GError **error);
void st_network_free (StNetwork *network);

/* closes the network's own client connections (onion relays) and lets
 * them finish closing, so that closing the listeners afterwards never
 * waits on a TLS handshake whose other end is in this process */
void st_network_shutdown (StNetwork *network);

/* writes DIR/testnet.json (again, e.g. after a reshuffle) */
gboolean st_network_write_json (StNetwork *network, GError **error);

StNode *st_network_lookup (StNetwork *network, const gchar *ed25519_hex);

/* the swarm serving the 33-byte account id @account, by the reference's
 * nearest-id rule */
guint64 st_network_swarm_for (StNetwork *network, const guint8 account[33]);

/* the nodes of @swarm_id, in creation order */
GPtrArray *st_network_members (StNetwork *network, guint64 swarm_id);

/* gives every swarm a fresh random id, so accounts move between swarms */
void st_network_reshuffle (StNetwork *network);

/* {"snodes":[...],"swarm":"<hex>"} as get_swarm and 421 answer it */
JsonObject *st_network_swarm_json (StNetwork *network, guint64 swarm_id);

/* oxend's get_service_nodes result: {"service_node_states":[...],"height":n,...};
 * @params may hold "fields", "limit", "active_only" */
JsonObject *st_network_service_nodes_json (StNetwork *network, JsonObject *params);

/* the testnet.json document */
JsonObject *st_network_description (StNetwork *network);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StNetwork, st_network_free)

G_END_DECLS
