/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* a client for the session-testnet tests: starts the real binary, reads
 * testnet.json and talks to its endpoints; the network runs in another
 * process, so plain synchronous libsoup calls are fine here */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sd-keys.h"
#include "sd-onion-crypto.h"

G_BEGIN_DECLS

typedef struct {
  gchar *ip;                  /* (owned) */
  guint16 port;
  guint8 ed25519[32];
  guint8 x25519[32];
  gchar *ed25519_hex;         /* (owned) */
  guint64 swarm_id;
} StTestNode;

typedef struct {
  GSubprocess *process;       /* (owned) */
  gchar *state_dir;           /* (owned) */
  gchar *json_path;           /* (owned) */
  gchar *seed_url;            /* (owned) */
  gchar *control_url;         /* (owned) */
  gchar *cert;                /* (owned) (nullable) */
  gboolean tls;
  SoupSession *session;       /* (owned) trusts only the testnet's certificate */
  GArray *nodes;              /* (owned) StTestNode */
  GArray *swarm_ids;          /* (owned) guint64, distinct */
} StTestnet;

/* starts session-testnet ($SESSION_TESTNET) with @extra_args and waits
 * for its ready line */
StTestnet *st_testnet_start (const gchar *const *extra_args);
/* SIGTERM, and checks that it exits cleanly */
void st_testnet_stop (StTestnet *testnet);
/* reads testnet.json again (after a reshuffle) */
void st_testnet_reload (StTestnet *testnet);

StTestNode *st_testnet_node (StTestnet *testnet, guint index);
gchar *st_testnet_node_url (StTestnet *testnet, guint index, const gchar *path);

/* POSTs @body; returns the HTTP status (0 for a transport error, then
 * @error is set), the reply body and its content type */
guint st_testnet_post (StTestnet *testnet,
                       const gchar *url,
                       const gchar *body,
                       gsize len,
                       GBytes **reply,
                       gchar **content_type,
                       GError **error);

/* TCP_NODELAY and connection reuse for a POST to the testnet (see
 * README.md, "Notes for libsoup clients") */
void st_test_prepare_message (SoupMessage *msg);

/* a storage RPC to node @index: returns the status and the body text */
guint st_testnet_rpc (StTestnet *testnet, guint index, const gchar *json, gchar **body);

/* the same through an onion path (node indexes, guard first) to @dest;
 * returns the HTTP status of the guard; on 200 @rpc_status and @body hold
 * the decoded reply, otherwise @body holds the plain-text error */
guint st_testnet_onion (StTestnet *testnet,
                        SdOnionCipher cipher,
                        const guint *path,
                        gsize n_path,
                        guint dest,
                        const gchar *json,
                        guint *rpc_status,
                        gchar **body);

/* POSTs a control action and returns the reply (asserting 200) */
JsonObject *st_testnet_control (StTestnet *testnet, const gchar *json);
guint st_testnet_control_status (StTestnet *testnet, const gchar *json);

/* swarm of a 33-byte account, and the indexes of its members */
guint64 st_testnet_swarm_for (StTestnet *testnet, const guint8 account[33]);
GArray *st_testnet_members (StTestnet *testnet, guint64 swarm_id);
/* the first node outside @swarm_id */
guint st_testnet_outsider (StTestnet *testnet, guint64 swarm_id);

/* an account made from a fixed seed byte, for deterministic tests */
void st_test_identity (SdIdentity *identity, guint8 tag);

/* parses @text as a JSON object (asserting) */
JsonObject *st_test_parse (const gchar *text);

gint64 st_test_now_ms (void);

/* JSON builders for signed requests; @ns 0 leaves "namespace" out */
gchar *st_test_store_json (const SdIdentity *id,
                           gint ns,
                           gint64 timestamp,
                           gint64 ttl,
                           const gchar *data_b64,
                           gboolean sign);
gchar *st_test_retrieve_json (const SdIdentity *id,
                              gint ns,
                              gint64 timestamp,
                              const gchar *last_hash,
                              gint max_count);

/* the path component a client would send a node */
#define ST_RPC_PATH   "/storage_rpc/v1"
#define ST_ONION_PATH "/onion_req/v2"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StTestnet, st_testnet_stop)

G_END_DECLS
