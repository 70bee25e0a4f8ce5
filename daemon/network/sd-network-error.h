/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_NETWORK_ERROR (sd_network_error_quark ())

/* why a network operation failed, as the rest of the daemon sees it */
typedef enum {
  SD_NETWORK_ERROR_FAILED,           /* anything not listed below */
  SD_NETWORK_ERROR_NO_SEED,          /* no seed answered with a usable node list */
  SD_NETWORK_ERROR_NOT_ENOUGH_NODES, /* the pool is too small to build paths */
  SD_NETWORK_ERROR_PATH,             /* no onion path could carry the request */
  SD_NETWORK_ERROR_NODE,             /* the destination node failed */
  SD_NETWORK_ERROR_SWARM,            /* no member of the swarm answered */
  SD_NETWORK_ERROR_CLOCK,            /* the network keeps rejecting our clock */
  SD_NETWORK_ERROR_TIMEOUT,
  SD_NETWORK_ERROR_BAD_REPLY,        /* a reply we could not read */
  SD_NETWORK_ERROR_REJECTED,         /* the storage server refused (4xx) */
} SdNetworkError;

GQuark sd_network_error_quark (void);

G_END_DECLS
