/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdPoller"

#include "sd-poller.h"

#include <string.h>

#include "sd-config-sync.h"
#include "sd-ingest.h"
#include "sd-retrieve-cursor.h"
#include "sd-storage-rpc.h"

struct _SdPoller {
  GObject parent_instance;

  SdNetwork *network;         /* (owned) */
  SdStore *store;             /* (owned) */
  const SdIdentity *identity; /* (unowned) owned by the daemon */
  guint interval_ms;
  guint failures;
  guint follow_ups;           /* immediate polls for `more` since the last timed one */
  guint timeout_id;
  gboolean running;
  gboolean polling;
  gboolean online;
  GCancellable *cancellable;  /* (owned) */
  SdRetrieveCursors *cursors; /* (owned) where each retrieve starts */
  /* the namespace-0 page being applied, slice by slice */
  SdRetrievePage page;        /* .node is NULL when there is none */
  GPtrArray *page_items;      /* (owned) (nullable) */
  guint page_position;
  gboolean page_more;
  gboolean configs_more;      /* a config namespace of the same answer has more */
  guint slice_id;
  /* catch-up: messages sent before history_before are history (0: none is); G_MAXINT64 on
   * the first sync of an account */
  gint64 history_before;
  gint64 last_success_ms;     /* local clock */
  gint64 last_online_saved_ms;
  gboolean syncing;
  guint64 sync_fetched;
  /* the next page of a backlog, asked for while this one is applied */
  gchar *prefetch_cursor;     /* (owned) (nullable) the hash it starts after */
  gchar *prefetch_node;       /* (owned) (nullable) on the member whose page that hash ends */
  /* the member a backlog is paged on: the next poll goes to it first (each member's cursor
   * is its own, sd-retrieve-cursor.h) */
  gchar *follow_node;         /* (owned) (nullable) */
  guint prefetch_gen;         /* a prefetch of another generation is dropped */
  GAsyncResult *prefetched;   /* (owned) (nullable) its answer, waiting for the page */
  gboolean prefetching;
  gboolean awaiting_prefetch; /* the page is done and waits for that answer */
};

enum {
  SIGNAL_CHANGES,
  SIGNAL_TYPING,
  SIGNAL_ONLINE_CHANGED,
  SIGNAL_SYNC_PROGRESS,
  SIGNAL_CAUGHT_UP,
  SIGNAL_CONFIG_ITEMS,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdPoller, sd_poller, G_TYPE_OBJECT)

static void poll_once (SdPoller *self);
static void drop_prefetch (SdPoller *self);
static gboolean continue_with_prefetch (SdPoller *self);

/* a slice: at most this many items or this long, then the main loop runs */
#define SLICE_MAX_ITEMS 256
#define SLICE_MAX_US (20 * 1000)
/* a message sent this long before the last successful poll may simply not have reached the
 * swarm (or this poll) yet: it is still news when it comes */
#define HISTORY_GRACE_MS (2 * 60 * 1000)
/* "last-online" is written at most this often while online */
#define LAST_ONLINE_SAVE_MS (60 * 1000)

static gboolean
on_tick (gpointer user_data)
{
  SdPoller *self = user_data;

  self->timeout_id = 0;
  poll_once (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (SdPoller *self, guint delay_ms)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->running)
    self->timeout_id = g_timeout_add (delay_ms, on_tick, self);
}

static void
set_online (SdPoller *self, gboolean online)
{
  if (self->online == online)
    return;
  /* what was sent while we could not poll is history when it comes */
  if (!online && self->history_before == 0 && self->last_success_ms > 0)
    self->history_before = MAX (self->last_success_ms - HISTORY_GRACE_MS, 1);
  self->online = online;
  g_signal_emit (self, signals[SIGNAL_ONLINE_CHANGED], 0);
}

/* backs off exponentially while the network fails, up to a minute */
static void
poll_failed (SdPoller *self, const GError *error)
{
  guint delay = self->interval_ms;

  self->polling = FALSE;
  drop_prefetch (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->failures++;
  for (guint i = 1; i < self->failures && delay < SD_POLLER_MAX_BACKOFF_MS; i++)
    delay *= 2;
  delay = MIN (delay, SD_POLLER_MAX_BACKOFF_MS);
  g_debug ("poll failed (%u in a row), next in %u ms: %s", self->failures, delay,
           error->message);
  set_online (self, FALSE);
  schedule (self, delay);
}

/* one signed batch per poll, as desktop polls: the 1:1 namespace (at most the items a page
 * keeps, SD_RETRIEVE_MAX_ITEMS: a node sending more would have them cut and sent again), then
 * the four config namespaces (issue 15), each from where the swarm is in it (or the member's
 * own fallback, sd-retrieve-cursor.c). @prefetch_cursor: namespace 0 from there (a backlog's
 * next page, asked for ahead). The batch lets a node answer a skewed clock or a moved swarm
 * as an inner code (sd-network.c) */
static gchar *
build_request (SdPoller *self, const SdSnode *node, gint64 now, const gchar *prefetch_cursor)
{
  JsonNode *requests[1 + G_N_ELEMENTS (sd_config_sync_namespaces)];

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++) {
    gint ns = i == 0 ? 0 : sd_config_sync_namespaces[i - 1];
    g_autofree gchar *last_hash = NULL;

    /* the page being applied ends there on that member only */
    if (ns == 0 && prefetch_cursor != NULL &&
        g_strcmp0 (node->ed25519_hex, self->prefetch_node) == 0) {
      last_hash = g_strdup (prefetch_cursor);
      sd_retrieve_cursors_note_sent (self->cursors, node, 0, SD_RETRIEVE_FROM_OWN);
      g_debug ("retrieve 0 from %.8s after %.8s (ahead)", node->ed25519_hex, last_hash);
    } else {
      last_hash = sd_retrieve_cursors_request (self->cursors, node, ns);
    }
    requests[i] = sd_storage_rpc_retrieve (self->identity, ns, now,
                                           last_hash != NULL ? last_hash : "",
                                           ns == 0 ? SD_RETRIEVE_MAX_ITEMS : 0, -2);
  }
  return sd_storage_rpc_to_string (sd_storage_rpc_batch (requests, G_N_ELEMENTS (requests)));
}

static gchar *
build_retrieve (const SdSnode *node, gint64 now, gpointer user_data)
{
  return build_request (user_data, node, now, NULL);
}

static void
on_typing (const gchar *author, gboolean typing, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_TYPING], 0, author, typing);
}

static void
set_syncing (SdPoller *self, gboolean syncing)
{
  if (syncing && !self->syncing)
    self->sync_fetched = 0;
  self->syncing = syncing;
  g_signal_emit (self, signals[SIGNAL_SYNC_PROGRESS], 0, syncing, self->sync_fetched);
}

static void
clear_page (SdPoller *self)
{
  g_clear_handle_id (&self->slice_id, g_source_remove);
  sd_retrieve_page_clear (&self->page);
  g_clear_pointer (&self->page_items, g_ptr_array_unref);
}

static void
save_last_online (SdPoller *self, gboolean force)
{
  gint64 now = g_get_real_time () / 1000;
  g_autofree gchar *text = NULL;

  /* not during an account's first sync: a restart in the middle of it goes on with it */
  if (!force && (self->history_before == G_MAXINT64 ||
                 now - self->last_online_saved_ms < LAST_ONLINE_SAVE_MS))
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  if (sd_store_set_setting (self->store, SD_POLLER_LAST_ONLINE_KEY, text, NULL))
    self->last_online_saved_ms = now;
}

/* the whole page is applied: the poll succeeded */
static void
page_done (SdPoller *self)
{
  gboolean more = self->page_more;
  g_autofree gchar *node_hex = g_strdup (self->page.node);
  guint n_items = self->page_items->len;
  gboolean node_more = (more && n_items > 0) || self->configs_more;
  gboolean caught_up;

  clear_page (self);
  self->polling = FALSE;
  self->failures = 0;
  self->last_success_ms = g_get_real_time () / 1000;
  set_online (self, TRUE);
  /* a truncated page: fetch the rest at once, but a node that says `more` forever (or with
   * an empty page) gets only so many immediate polls before the normal interval */
  if (more && n_items == 0) {
    g_debug ("node %s says more but sent nothing", node_hex);
    more = FALSE;
  }

  /* a config namespace that has more is asked again at once too, and keeps the catch-up
   * open: the read positions it may bring decide what the summary counts as unread */
  caught_up = !more && !self->configs_more;
  more = more || self->configs_more;
  /* full pages are a backlog being caught up on (a restore: tens of thousands of messages),
   * which may go on longer than a node that keeps saying `more` over a few items */
  if (more && self->follow_ups >= (n_items >= SD_RETRIEVE_MAX_ITEMS / 2
                                     ? SD_POLLER_MAX_FOLLOW_UPS * 8 : SD_POLLER_MAX_FOLLOW_UPS)) {
    g_debug ("node %s still says more after %u pages; waiting for the next tick", node_hex,
             self->follow_ups);
    more = FALSE;
  }
  self->follow_ups = more ? self->follow_ups + 1 : 0;
  /* the member keeps the backlog's next poll, also after our pause */
  g_clear_pointer (&self->follow_node, g_free);
  if (node_more)
    self->follow_node = g_strdup (node_hex);
  /* only the node's own word ends a catch-up, not our pause */
  if (caught_up) {
    /* caught up: what comes next is news */
    gboolean was_first = self->history_before == G_MAXINT64;

    self->history_before = 0;
    save_last_online (self, was_first);
    if (self->syncing)
      set_syncing (self, FALSE);
    g_signal_emit (self, signals[SIGNAL_CAUGHT_UP], 0);
  } else {
    save_last_online (self, FALSE);
  }
  if (more && continue_with_prefetch (self))
    return;
  drop_prefetch (self);
  schedule (self, more ? 0 : self->interval_ms);
}

/* applies one slice of the page, then lets the main loop run before the next */
static gboolean
on_slice (gpointer user_data)
{
  SdPoller *self = user_data;
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GError) error = NULL;
  SdIngestCursor cursor;
  guint before = self->page_position;

  self->slice_id = 0;
  sd_retrieve_page_get_cursor (&self->page, &cursor);
  if (!sd_ingest_slice (self->store, self->identity, self->page_items, &self->page_position,
                        SLICE_MAX_ITEMS, g_get_monotonic_time () + SLICE_MAX_US, &cursor,
                        sd_network_now_ms (self->network), on_typing, self, &changes,
                        &error)) {
    g_autoptr(GError) bad = NULL;

    g_warning ("could not store received messages: %s", error->message);
    clear_page (self);
    bad = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "store failed");
    poll_failed (self, bad);
    return G_SOURCE_REMOVE;
  }
  self->sync_fetched += self->page_position - before;
  if (changes != NULL)
    g_signal_emit (self, signals[SIGNAL_CHANGES], 0, changes, self->history_before);
  if (self->syncing)
    g_signal_emit (self, signals[SIGNAL_SYNC_PROGRESS], 0, TRUE, self->sync_fetched);
  if (self->page_position >= self->page_items->len) {
    page_done (self);
    return G_SOURCE_REMOVE;
  }
  /* below the bus's default priority: pending calls are answered first */
  self->slice_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_slice, self, NULL);
  return G_SOURCE_REMOVE;
}

static void start_prefetch (SdPoller *self, const gchar *cursor);

/* the config namespaces' items go first, whole (they are few), so the 1:1 messages of the
 * same answer meet the contacts and read positions they bring; each moves its namespace's
 * cursor as a page of namespace 0 does (sd_config_sync_receive records it). A failed
 * sub-request is simply asked again next poll. TRUE when one has more */
static gboolean
handle_configs (SdPoller *self, const SdSnode *node, JsonNode *body)
{
  gboolean more_configs = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (sd_config_sync_namespaces); i++) {
    gint ns = sd_config_sync_namespaces[i];
    JsonNode *retrieved = NULL;
    gint64 code = 0;
    gboolean more = FALSE;
    g_autoptr(GPtrArray) items = NULL;
    SdRetrievePage page = { NULL, 0, FALSE };
    SdIngestCursor cursor;

    if (!sd_storage_rpc_batch_result (body, i + 1, &code, &retrieved) || code != 200)
      continue;
    items = sd_storage_rpc_parse_retrieve (retrieved, &more, NULL);
    if (items == NULL || !sd_retrieve_cursors_read_page (self->cursors, node, ns, items, &page))
      continue;
    sd_retrieve_page_get_cursor (&page, &cursor);
    g_signal_emit (self, signals[SIGNAL_CONFIG_ITEMS], 0, &cursor, items, !more);
    sd_retrieve_page_clear (&page);
    more_configs = more_configs || (more && items->len > 0);
  }
  return more_configs;
}

static void
handle_retrieved (SdPoller *self, GObject *source, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdSnode) node = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         &node, &error);
  g_autoptr(GPtrArray) items = NULL;
  JsonNode *retrieved = NULL;
  gint64 code = 0;
  gboolean more = FALSE;

  if (body == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      sd_retrieve_cursors_note_failed (self->cursors, NULL);
    poll_failed (self, error);
    return;
  }
  if (!self->running)
    return;
  sd_retrieve_cursors_note_failed (self->cursors, node);
  if (status == 200 && sd_storage_rpc_batch_result (body, 0, &code, &retrieved) && code == 200)
    items = sd_storage_rpc_parse_retrieve (retrieved, &more, NULL);
  clear_page (self);
  if (items == NULL ||
      !sd_retrieve_cursors_read_page (self->cursors, node, 0, items, &self->page)) {
    g_autoptr(GError) bad = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                         "retrieve answered status %u", status);

    sd_retrieve_page_clear (&self->page);
    sd_retrieve_cursors_note_failed (self->cursors, NULL);
    poll_failed (self, bad);
    return;
  }
  if (more && !self->syncing)
    set_syncing (self, TRUE);
  self->configs_more = handle_configs (self, node, body);
  self->page_items = g_steal_pointer (&items);
  self->page_position = 0;
  self->page_more = more;
  if (self->page_items->len == 0) {
    page_done (self);
    return;
  }
  /* a backlog (a page at least half full): the next page travels while this one is applied,
   * asked of the same member from the end of this page */
  if (more && self->page_items->len >= SD_RETRIEVE_MAX_ITEMS / 2 &&
      self->follow_ups + 1 < SD_POLLER_MAX_FOLLOW_UPS * 8)
    start_prefetch (self, ((SdRetrieveItem *) g_ptr_array_index (
                             self->page_items, self->page_items->len - 1))->hash);
  (void) on_slice (self);
}

static void
on_retrieved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdPoller) self = user_data;

  handle_retrieved (self, source, result);
}

static gchar *
build_prefetch (const SdSnode *node, gint64 now, gpointer user_data)
{
  SdPoller *self = user_data;

  return build_request (self, node, now, self->prefetch_cursor);
}

typedef struct {
  SdPoller *self; /* (owned) */
  guint gen;
} Prefetch;

static void
on_prefetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Prefetch *prefetch = user_data;
  g_autoptr(SdPoller) self = prefetch->self;
  guint gen = prefetch->gen;

  g_free (prefetch);
  if (gen != self->prefetch_gen || !self->running) {
    /* dropped: finish it so nothing leaks */
    g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, NULL,
                                                           NULL, NULL);
    return;
  }
  self->prefetching = FALSE;
  if (self->awaiting_prefetch) {
    self->awaiting_prefetch = FALSE;
    handle_retrieved (self, source, result);
    return;
  }
  self->prefetched = g_object_ref (result);
}

static void
drop_prefetch (SdPoller *self)
{
  self->prefetch_gen++;
  self->prefetching = FALSE;
  self->awaiting_prefetch = FALSE;
  g_clear_object (&self->prefetched);
  g_clear_pointer (&self->prefetch_cursor, g_free);
  g_clear_pointer (&self->prefetch_node, g_free);
}

static void
start_prefetch (SdPoller *self, const gchar *cursor)
{
  Prefetch *prefetch = g_new0 (Prefetch, 1);

  drop_prefetch (self);
  self->prefetch_cursor = g_strdup (cursor);
  self->prefetch_node = g_strdup (self->page.node);
  self->prefetching = TRUE;
  sd_retrieve_cursors_begin (self->cursors);
  prefetch->self = g_object_ref (self);
  prefetch->gen = self->prefetch_gen;
  sd_network_swarm_rpc_prefer_async (self->network, self->identity->session_id,
                                     self->prefetch_node, build_prefetch, self, NULL,
                                     self->cancellable, on_prefetched, prefetch);
}

/* the page is applied: its successor, asked for ahead, is next (FALSE: there is none) */
static gboolean
continue_with_prefetch (SdPoller *self)
{
  g_autoptr(GAsyncResult) ready = NULL;

  if (!self->prefetching && self->prefetched == NULL)
    return FALSE;
  self->polling = TRUE;
  if (self->prefetched == NULL) {
    self->awaiting_prefetch = TRUE;
    return TRUE;
  }
  ready = g_steal_pointer (&self->prefetched);
  handle_retrieved (self, G_OBJECT (self->network), ready);
  return TRUE;
}

static void
on_bootstrapped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdPoller) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sd_network_bootstrap_finish (SD_NETWORK (source), result, &error)) {
    poll_failed (self, error);
    return;
  }
  sd_network_swarm_rpc_prefer_async (self->network, self->identity->session_id,
                                     self->follow_node, build_retrieve, self, NULL,
                                     self->cancellable, on_retrieved, g_object_ref (self));
}

static void
poll_once (SdPoller *self)
{
  if (self->polling || !self->running)
    return;
  self->polling = TRUE;
  sd_retrieve_cursors_begin (self->cursors);
  if (self->history_before == G_MAXINT64 && !self->syncing)
    set_syncing (self, TRUE);
  /* every poll first makes sure the pool is usable: free when it is, and
   * after failures have dropped too many nodes it goes back to the seeds */
  sd_network_bootstrap_async (self->network, self->cancellable, on_bootstrapped,
                              g_object_ref (self));
}

void
sd_poller_start (SdPoller *self)
{
  g_autofree gchar *last_online = NULL;

  if (self->running)
    return;
  self->running = TRUE;
  /* where this run's news start: the last time a poll succeeded before; never (a new or
   * restored account) makes the whole first sync history */
  last_online = sd_store_get_setting (self->store, SD_POLLER_LAST_ONLINE_KEY, NULL);
  if (self->last_success_ms == 0)
    self->history_before = last_online != NULL
                             ? CLAMP (g_ascii_strtoll (last_online, NULL, 10) - HISTORY_GRACE_MS,
                                      1, G_MAXINT64 - 1)
                             : G_MAXINT64;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  schedule (self, 0);
}

void
sd_poller_stop (SdPoller *self)
{
  self->running = FALSE;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* what is not applied is fetched again: the cursor moved with what was */
  clear_page (self);
  drop_prefetch (self);
  self->polling = FALSE;
}

void
sd_poller_set_interval (SdPoller *self, guint interval_ms)
{
  self->interval_ms = MAX (interval_ms, 100);
}

gboolean
sd_poller_get_online (SdPoller *self)
{
  return self->online;
}

static void
sd_poller_dispose (GObject *object)
{
  SdPoller *self = SD_POLLER (object);

  sd_poller_stop (self);
  G_OBJECT_CLASS (sd_poller_parent_class)->dispose (object);
}

static void
sd_poller_finalize (GObject *object)
{
  SdPoller *self = SD_POLLER (object);

  g_clear_object (&self->network);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->prefetched);
  g_free (self->prefetch_cursor);
  g_free (self->prefetch_node);
  g_free (self->follow_node);
  sd_retrieve_cursors_free (self->cursors);
  G_OBJECT_CLASS (sd_poller_parent_class)->finalize (object);
}

static void
sd_poller_class_init (SdPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_poller_dispose;
  object_class->finalize = sd_poller_finalize;
  signals[SIGNAL_CHANGES] = g_signal_new ("changes", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER,
                                          G_TYPE_INT64);
  signals[SIGNAL_TYPING] = g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                         G_TYPE_BOOLEAN);
  signals[SIGNAL_ONLINE_CHANGED] = g_signal_new ("online-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  signals[SIGNAL_SYNC_PROGRESS] = g_signal_new ("sync-progress", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_UINT64);
  signals[SIGNAL_CAUGHT_UP] = g_signal_new ("caught-up", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            0);
  /* (const SdIngestCursor *, GPtrArray of SdRetrieveItem, complete), before "changes" */
  signals[SIGNAL_CONFIG_ITEMS] = g_signal_new ("config-items", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_POINTER,
                                               G_TYPE_BOOLEAN);
}

static void
sd_poller_init (SdPoller *self)
{
  self->interval_ms = 5000;
}

SdPoller *
sd_poller_new (SdNetwork *network, SdStore *store, const SdIdentity *identity, guint interval_ms)
{
  SdPoller *self = g_object_new (SD_TYPE_POLLER, NULL);

  self->network = g_object_ref (network);
  self->store = g_object_ref (store);
  self->cursors = sd_retrieve_cursors_new (store);
  self->identity = identity;
  sd_poller_set_interval (self, interval_ms);
  return self;
}
