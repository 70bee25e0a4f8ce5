/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-ingest.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* Where each retrieve of the account's swarm starts, per namespace (docs/architecture.md,
 * "Catching up"). Each member has its own cursor (store key: its Ed25519 hex), moved only by
 * pages that member served: members do not hold the same messages in the same order (a store
 * one member refused for its clock, or took alone with its skewed clock; a replication that
 * failed), so a hash one member gave says nothing about what another holds before it. A
 * member asked for the first time starts from the swarm's newest hash (store key
 * SD_RETRIEVE_SWARM_CURSOR), so history is not fetched again from every member; a member that
 * failed lately (refused our clock, did not answer) starts from its beginning instead, as it
 * is the kind that holds what the others lack. Used by the poller only; the rows move in the
 * transactions that apply the items (sd_ingest_slice, sd_config_sync_receive) */
typedef struct _SdRetrieveCursors SdRetrieveCursors;

#define SD_RETRIEVE_SWARM_CURSOR "swarm"

/* which cursor a request to a member carried in a namespace */
typedef enum {
  SD_RETRIEVE_FROM_NONE = 0, /* not asked */
  SD_RETRIEVE_FROM_OWN,      /* the member's own (or its beginning) */
  SD_RETRIEVE_FROM_SWARM,    /* first contact: the swarm's newest hash */
} SdRetrieveFrom;

/* a page retrieved from one member in one namespace, and the cursor rows it moves */
typedef struct {
  gchar *node;              /* (owned) the member's Ed25519 hex */
  gint namespace_;
  gboolean moves_swarm;     /* its end is new to us: the swarm's newest hash moves there too */
} SdRetrievePage;

SdRetrieveCursors *sd_retrieve_cursors_new (SdStore *store);
/* the cursors of a group's swarm (docs/groups.md, "Cursors"): the same rules, with the
 * members' rows in group_member_last_hash and the swarm's newest hash in group_last_hash */
SdRetrieveCursors *sd_retrieve_cursors_new_for_group (SdStore *store, const gchar *group_id);
void sd_retrieve_cursors_free (SdRetrieveCursors *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SdRetrieveCursors, sd_retrieve_cursors_free)

/* a new request (a poll or a prefetch): what the previous one carried is forgotten */
void sd_retrieve_cursors_begin (SdRetrieveCursors *self);
/* the hash a request to @node in @ns starts after (NULL: from its beginning); remembered
 * until the answer. A member asked again within the same request refused our clock (406):
 * it counts as failed */
gchar *sd_retrieve_cursors_request (SdRetrieveCursors *self, const SdSnode *node, gint ns);
/* a request in @ns built by the caller (a prefetch from the end of the member's page) */
void sd_retrieve_cursors_note_sent (SdRetrieveCursors *self,
                                    const SdSnode *node,
                                    gint ns,
                                    SdRetrieveFrom from);
/* the request failed at the members other than @answered (every member when NULL) */
void sd_retrieve_cursors_note_failed (SdRetrieveCursors *self, const SdSnode *answered);
/* reads the answer's @items from @node in @ns: FALSE when @ns was not asked of it. Fills
 * @page (clear it with sd_retrieve_page_clear) */
gboolean sd_retrieve_cursors_read_page (SdRetrieveCursors *self,
                                        const SdSnode *node,
                                        gint ns,
                                        GPtrArray *items,
                                        SdRetrievePage *page);
/* the rows the slices of @page move (valid while @page is) */
void sd_retrieve_page_get_cursor (const SdRetrievePage *page, SdIngestCursor *cursor);
void sd_retrieve_page_clear (SdRetrievePage *page);
/* @page is applied up to @last_hash: moves its rows at once (the group poller, which applies
 * a page in one go; the account's slices move them in their own transactions instead) */
gboolean sd_retrieve_cursors_move (SdRetrieveCursors *self, const SdRetrievePage *page,
                                   const gchar *last_hash, GError **error);

G_END_DECLS
