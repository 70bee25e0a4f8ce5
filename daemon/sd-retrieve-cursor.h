/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-ingest.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* Where each retrieve of the account's swarm starts, per namespace (docs/architecture.md,
 * "Catching up"): one cursor for the swarm (store key SD_RETRIEVE_SWARM_CURSOR, the members
 * hold the same hashes), with per-member fallbacks: a member that does not know the hash
 * pages from its own cursor (store key: its Ed25519 hex) until it reached the end, and a
 * member that failed lately is swept from its own cursor. Used by the poller only; the rows
 * move in the transactions that apply the items (sd_ingest_slice, sd_config_sync_receive) */
typedef struct _SdRetrieveCursors SdRetrieveCursors;

#define SD_RETRIEVE_SWARM_CURSOR "swarm"

/* which cursor a request to a member carried in a namespace */
typedef enum {
  SD_RETRIEVE_FROM_NONE = 0, /* not asked */
  SD_RETRIEVE_FROM_SWARM,
  SD_RETRIEVE_FROM_OWN,      /* the member's own: it did not know the swarm's */
  SD_RETRIEVE_FROM_SWEEP,    /* the member's own: it failed lately */
} SdRetrieveFrom;

/* a page retrieved from one member in one namespace, and the cursor rows it moves */
typedef struct {
  gchar *node;              /* (owned) the member's Ed25519 hex */
  gint namespace_;
  gboolean own;             /* paged with the member's own cursor */
  gboolean moves_swarm;     /* an own-cursor page that also moves the swarm's at its end */
  gboolean moves_own;       /* a swarm-cursor page that also moves the member's own cursor */
} SdRetrievePage;

SdRetrieveCursors *sd_retrieve_cursors_new (SdStore *store);
void sd_retrieve_cursors_free (SdRetrieveCursors *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdRetrieveCursors, sd_retrieve_cursors_free)

/* a new request (a poll or a prefetch): what the previous one carried is forgotten */
void sd_retrieve_cursors_begin (SdRetrieveCursors *self);
/* the hash a request to @node in @ns starts after (NULL: from the start); remembered until
 * the answer. No sweep while @catching_up (it would fetch a backlog twice). A member asked
 * again within the same request refused our clock (406): it is swept from now on */
gchar *sd_retrieve_cursors_request (SdRetrieveCursors *self,
                                    const SdSnode *node,
                                    gint ns,
                                    gboolean catching_up);
/* a request in @ns from @hash, built by the caller (a prefetch from a page's last hash) */
void sd_retrieve_cursors_note_sent (SdRetrieveCursors *self,
                                    const SdSnode *node,
                                    gint ns,
                                    SdRetrieveFrom from);
/* the request failed at the members other than @answered (every member when NULL): they are
 * swept for a while */
void sd_retrieve_cursors_note_failed (SdRetrieveCursors *self, const SdSnode *answered);

/* reads the answer's @items from @node in @ns with the cursor the request carried: FALSE
 * when @ns was not asked of it. Fills @page (clear it with sd_retrieve_page_clear) */
gboolean sd_retrieve_cursors_read_page (SdRetrieveCursors *self,
                                        const SdSnode *node,
                                        gint ns,
                                        GPtrArray *items,
                                        gboolean catching_up,
                                        SdRetrievePage *page);
/* the page is applied; @more: its member has more after it */
void sd_retrieve_cursors_page_done (SdRetrieveCursors *self,
                                    const SdRetrievePage *page,
                                    gboolean more);

/* the rows the slices of @page move (valid while @page is) */
void sd_retrieve_page_get_cursor (const SdRetrievePage *page, SdIngestCursor *cursor);
void sd_retrieve_page_clear (SdRetrievePage *page);

G_END_DECLS
