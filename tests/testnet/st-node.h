/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "sd-keys.h"
#include "st-network.h"
#include "st-storage.h"

G_BEGIN_DECLS

/* faults the control endpoint can set on a node */
typedef struct {
  gboolean down;             /* listener closed: connections are refused */
  guint forced_status;       /* 0 = none */
  gint forced_remaining;     /* requests left, -1 = until cleared */
  gboolean forced_http;      /* plaintext on every HTTP request, not only RPCs */
  guint latency_ms;          /* added before each HTTP response */
  gint64 clock_skew_ms;      /* added to the node's clock */
  gboolean drop_replication; /* stores entering here are not copied to peers */
  gboolean garbage;          /* every HTTP request gets 200 with random bytes */
  /* hostile storage nodes (issue 14) */
  gsize oversize_bytes;      /* every HTTP request gets 200 with this many bytes; 0 = off */
  gboolean endless_more;     /* retrieve adds a junk item and says more, always */
  gboolean bad_hashes;       /* retrieved items carry hashes that are not 2.8 hashes */
  gint64 report_time_ms;     /* the `t` this node tells clients (its clock is unchanged);
                              * 0 = its own clock */
} StFaults;

struct _StNode {
  StNetwork *network;        /* (unowned) */
  guint index;
  SdIdentity identity;
  gchar *ed25519_hex;        /* (owned) */
  gchar *x25519_hex;         /* (owned) */
  guint64 swarm_id;
  SoupServer *server;        /* (owned) */
  guint16 port;
  StStorage *storage;        /* (owned) */
  StFaults faults;
  guint64 requests;          /* HTTP requests served, for the control status */
  guint64 retrieves;         /* retrieve RPCs it executed (batch sub-requests included) */
  GHashTable *served;        /* (owned) "<account hex>/<namespace>" → (hash → times this node
                              * returned it in a retrieve), for the `served` control action */
  gboolean foreign;          /* set while a forced 421 is being served */
};

StNode *st_node_new (StNetwork *network, guint index, GError **error);
void st_node_free (StNode *node);

/* the node's clock in ms, skew included */
gint64 st_node_now_ms (StNode *node);
/* the time the node tells clients (`t`, info's `timestamp`): its clock, unless a
 * report_time fault makes it lie */
gint64 st_node_reported_ms (StNode *node);

/* takes the node off the network (listener closed) or puts it back on the
 * same port */
gboolean st_node_set_down (StNode *node, gboolean down, GError **error);

/* consumes one forced status if one is set for RPCs (or, with @http, for
 * any HTTP request); returns 0 when none applies */
guint st_node_take_forced_status (StNode *node, gboolean http);

void st_node_clear_faults (StNode *node);

/* counts one item @hash of (@account_hex, @ns) returned by a retrieve of this node */
void st_node_count_served (StNode *node, const gchar *account_hex, gint ns, const gchar *hash);

/* the plain-text answer for a forced status, with the reference's texts */
const gchar *st_node_forced_text (guint status);

/* one HTTP request being served; a handler either answers at once or
 * pauses it, works asynchronously and answers later; the answer goes out
 * after the node's latency fault, and is dropped if the client left */
typedef struct _StExchange StExchange;

void st_exchange_pause (StExchange *exchange);
/* answers and frees @exchange; @body may be NULL */
void st_exchange_respond (StExchange *exchange,
                          guint status,
                          const gchar *content_type,
                          GBytes *body);
/* frees @exchange without an answer: the network is shutting down (its node may be gone) */
void st_exchange_abandon (StExchange *exchange);
void st_exchange_respond_text (StExchange *exchange, guint status, const gchar *text);
SoupServerMessage *st_exchange_get_message (StExchange *exchange);
StNode *st_exchange_get_node (StExchange *exchange);

/* /onion_req/v2, in st-onion.c */
void st_onion_handle (StExchange *exchange, GBytes *body);

G_END_DECLS
