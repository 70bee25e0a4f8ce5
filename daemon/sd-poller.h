/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-keys.h"
#include "sd-network.h"
#include "sd-store.h"

G_BEGIN_DECLS

/* polls the account's swarm (namespace 0 and the config namespaces 2–5 in one batch),
 * hands the config items to SdConfigSync ("config-items"), then decodes the 1:1 messages and
 * applies them to the store slice by slice; signals follow each commit */
#define SD_TYPE_POLLER (sd_poller_get_type ())
G_DECLARE_FINAL_TYPE (SdPoller, sd_poller, SD, POLLER, GObject)

#define SD_POLLER_MAX_BACKOFF_MS 60000
/* pages fetched at once while a node says `more`; then the next one waits for the interval
 * (a full page is up to 3.9 MB: 8 of them catch up a long offline time quickly, and a node
 * that never stops saying `more` costs one poll per interval, like any other) */
#define SD_POLLER_MAX_FOLLOW_UPS 8 /* 8× as many while the pages are at least half full */
/* the store setting with when a poll last succeeded (local ms): what was sent before it and
 * retrieved later is history, not news; none means an account's first sync */
#define SD_POLLER_LAST_ONLINE_KEY "last-online"

/* @identity must outlive the poller */
SdPoller *sd_poller_new (SdNetwork *network,
                         SdStore *store,
                         const SdIdentity *identity,
                         guint interval_ms) G_GNUC_WARN_UNUSED_RESULT;

void sd_poller_start (SdPoller *self);
void sd_poller_stop (SdPoller *self);
void sd_poller_set_interval (SdPoller *self, guint interval_ms);
/* TRUE after the last poll succeeded */
gboolean sd_poller_get_online (SdPoller *self);

/* signals:
 *   "config-items" (const SdIngestCursor *cursor, GPtrArray *items, gboolean complete): the new
 *     items (SdRetrieveItem) of config namespace @cursor->namespace_, before the "changes" of
 *     the same answer; the receiver moves @cursor's rows with what it took; @complete when
 *     the node had no more
 *   "changes" (SdStoreChanges *changes, gint64 history_before): a slice was committed; its
 *     messages sent before @history_before are history (caught up on, not news): 0 when none
 *     is, G_MAXINT64 during the first sync of a new or restored account
 *   "sync-progress" (gboolean syncing, guint64 fetched): a catch-up of several pages (or the
 *     first sync) runs, and how many items it applied so far; FALSE once it caught up
 *   "typing" (const gchar *author, gboolean typing): a typing indicator
 *   "online-changed" (): the last poll's outcome changed */

G_END_DECLS
