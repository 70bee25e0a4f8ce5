/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the parts of SdNetwork share: sd-network.c (clock, onion requests, node RPCs, pool)
 * and sd-network-swarm.c (swarms and RPCs to an account's swarm). Not for use outside.
 */

#include "sd-network.h"
#include "sd-onion-paths.h"
#include "sd-snode-pool.h"

G_BEGIN_DECLS

#define ONION_ATTEMPTS 3      /* paths tried for one request */
#define SWARM_ATTEMPTS 6      /* members tried for one account request */
#define SWARM_421_LIMIT 3     /* wrong-swarm answers accepted for one request */
#define SWARM_MIN_MEMBERS 3   /* desktop's minSwarmSnodeCount */
#define SWARM_MAX_MEMBERS 20  /* a real swarm has at most 10 (§3); more is not a swarm */
#define GET_SWARM_ATTEMPTS 4
/* a swarm member that failed is skipped this long, then asked again: forgetting it for good
 * would miss what is stored only there (a member that does not replicate) */
#define MEMBER_REST_US (30 * G_USEC_PER_SEC)
#define MIN_POOL 9            /* desktop: pool operations need more than 8 */
#define T_MIN 1609459200000LL /* 2021-01-01: older `t` values are not trusted */
/* the network clock (issue 14): desktop takes any node's `t`; one hostile node then dates
 * our messages and decides our expiries. We take the median of the recent samples (one per
 * node) once CLOCK_QUORUM nodes agree on it within CLOCK_AGREE_MS, and otherwise a lone
 * sample only when it is within CLOCK_LONE_MAX_MS of our own clock */
#define CLOCK_QUORUM 3
#define CLOCK_AGREE_MS (60 * 1000) /* the storage server's own timestamp window */
#define CLOCK_SAMPLES_MAX 9
#define CLOCK_SAMPLE_MAX_AGE_US (30 * 60 * G_USEC_PER_SEC)
#define CLOCK_LONE_MAX_MS (5 * 60 * 1000)

gint64 sd_network_clock_sample (gint64 t, gint64 sent_ms, gint64 now_ms);

/* what one node's `t` said about our clock */
typedef struct {
  gint64 offset; /* network time - local time, ms */
  gint64 at_us;  /* monotonic time of the answer */
} ClockSample;

struct _SdNetwork {
  GObject parent_instance;

  SdTransport *transport; /* (owned) */
  SdSnodePool *pool;      /* (owned) */
  SdOnionPaths *paths;    /* (owned) */
  GStrv seed_urls;        /* (owned) */
  gboolean tls;
  gboolean direct;
  SdOnionCipher cipher;
  guint timeout_ms;
  guint seed_backoff_ms;
  guint min_refresh_nodes;
  gint64 clock_offset;      /* network time - local time, ms */
  GHashTable *node_offsets; /* (owned) ed25519 hex → gint64* for nodes off the consensus */
  GHashTable *clock_samples; /* (owned) ed25519 hex → ClockSample*, the recent answers */
  GHashTable *swarms;       /* (owned) account id → GPtrArray of SdSnode */
  GHashTable *resting;      /* (owned) node ed25519 hex → gint64* monotonic time it may be
                             * asked again */
};

/* an SdRpcBuildFunc for a request that does not depend on the node or the time: @user_data
 * is the JSON text */
gchar *sd_network_build_static (const SdSnode *node, gint64 now, gpointer user_data);

G_END_DECLS
