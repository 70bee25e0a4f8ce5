/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdPoller"

#include "sd-poller.h"

#include <string.h>

#include "sd-ingest.h"
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
  /* retrieve cursors: one per namespace for the account's swarm (the members hold the same
   * hashes); these "<node>/<namespace>" keys name nodes that did not know it and page with
   * their own cursor until they caught up */
  GHashTable *own_cursor;     /* (owned) */
  /* members that failed a poll lately (node hex → monotonic s): they may hold stores they
   * could not replicate, so they are asked from their own cursor (a sweep) */
  GHashTable *suspect;        /* (owned) */
  GHashTable *sent_own;       /* (owned) node hex → 1 + whether this poll's request to it
                               * carried its own cursor */
  /* the page being applied, slice by slice */
  SdSnode *page_node;         /* (owned) (nullable) */
  GPtrArray *page_items;      /* (owned) (nullable) */
  guint page_position;
  gboolean page_more;
  gboolean page_own;          /* paged with the node's own cursor */
  gboolean page_moves_swarm;  /* an own-cursor page that also moves the swarm's at its end */
  gboolean page_moves_own;    /* a swarm-cursor page that also moves the node's own cursor
                               * (it was at the same place, or had none) */
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
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdPoller, sd_poller, G_TYPE_OBJECT)

static void poll_once (SdPoller *self);
static void drop_prefetch (SdPoller *self);
static gboolean continue_with_prefetch (SdPoller *self);

/* the store's key of the swarm's cursor: the store holds one account, whose swarm is the
 * one being polled (a moved swarm holds the same messages; a member that does not know the
 * hash starts over, which the own-cursor fallback handles) */
#define SWARM_CURSOR "swarm"
/* a slice: at most this many items or this long, then the main loop runs */
#define SLICE_MAX_ITEMS 256
#define SLICE_MAX_US (20 * 1000)
/* a message sent this long before the last successful poll may simply not have reached the
 * swarm (or this poll) yet: it is still news when it comes */
#define HISTORY_GRACE_MS (2 * 60 * 1000)
/* what a poll's request to a member carried (values of sent_own) */
enum { SENT_SWARM = 1, SENT_OWN, SENT_SWEEP };
/* how long a member that failed a poll is swept (asked from its own cursor) when picked */
#define SUSPECT_S (10 * 60)
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

static gchar *
own_key (const SdSnode *node, gint ns)
{
  return g_strdup_printf ("%s/%d", node->ed25519_hex, ns);
}

static gboolean
is_suspect (SdPoller *self, const SdSnode *node)
{
  gpointer since = g_hash_table_lookup (self->suspect, node->ed25519_hex);

  return since != NULL &&
         g_get_monotonic_time () / G_USEC_PER_SEC - GPOINTER_TO_INT (since) < SUSPECT_S;
}

/* the hash a retrieve from @node in @ns starts after (NULL: from the start): the swarm's
 * cursor; the node's own (store key: its Ed25519 hex) while it pages on its own, when it
 * failed lately (outside a catch-up: a sweep for stores it could not replicate; this may
 * fetch again what other members sent meanwhile), or before the swarm has one (the per-node
 * cursors of older versions) */
static gchar *
cursor_for (SdPoller *self, const SdSnode *node, gint ns, gboolean *out_own,
            gboolean *out_sweep)
{
  g_autofree gchar *key = own_key (node, ns);
  gchar *hash = NULL;
  gboolean sweep = FALSE;
  gboolean own = g_hash_table_contains (self->own_cursor, key);

  if (!own && !self->syncing && is_suspect (self, node)) {
    hash = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);
    own = hash != NULL;
    sweep = own;
  }
  if (!own)
    hash = sd_store_get_last_hash (self->store, SWARM_CURSOR, ns, NULL);
  if (hash == NULL) {
    own = TRUE;
    hash = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);
  }
  if (out_own != NULL)
    *out_own = own;
  if (out_sweep != NULL)
    *out_sweep = sweep;
  return hash;
}

/* a batch of one retrieve from where the swarm left off, as desktop polls: the batch lets a
 * node answer a skewed clock or a moved swarm as an inner code (sd-network.c) */
static void mark_suspect (SdPoller *self, const gchar *hex);

static gchar *
build_retrieve (const SdSnode *node, gint64 now, gpointer user_data)
{
  SdPoller *self = user_data;
  gboolean own = FALSE, sweep = FALSE;
  g_autofree gchar *last_hash = NULL;

  /* asked again in the same poll: it refused our clock (406). A member whose clock is off
   * takes stores the others refuse, and the other way round: sweep it too */
  if (g_hash_table_contains (self->sent_own, node->ed25519_hex))
    mark_suspect (self, node->ed25519_hex);
  last_hash = cursor_for (self, node, 0, &own, &sweep);
  /* no more items than a page keeps (SD_RETRIEVE_MAX_ITEMS): what a node sent beyond them
   * would be cut and sent again with the next page */
  JsonNode *retrieve = sd_storage_rpc_retrieve (self->identity, 0, now,
                                                last_hash != NULL ? last_hash : "",
                                                SD_RETRIEVE_MAX_ITEMS, -2);

  g_debug ("retrieve from %.8s after %.8s (%s cursor)", node->ed25519_hex,
           last_hash != NULL ? last_hash : "the start",
           sweep ? "a sweep from its own" : own ? "its own" : "the swarm's");
  /* which cursor went to which member: the answer is read with the same one */
  g_hash_table_replace (self->sent_own, g_strdup (node->ed25519_hex),
                        GINT_TO_POINTER (sweep ? SENT_SWEEP : own ? SENT_OWN : SENT_SWARM));
  return sd_storage_rpc_to_string (sd_storage_rpc_batch (&retrieve, 1));
}

/* @hex failed: it is swept for a while; a sweep of it starts from its own cursor, or where
 * the swarm is now when it has none */
static void
mark_suspect (SdPoller *self, const gchar *hex)
{
  gint now = (gint) (g_get_monotonic_time () / G_USEC_PER_SEC);
  g_autofree gchar *mine = sd_store_get_last_hash (self->store, hex, 0, NULL);
  g_autofree gchar *swarm = NULL;

  g_hash_table_replace (self->suspect, g_strdup (hex), GINT_TO_POINTER (MAX (now, 1)));
  if (mine != NULL)
    return;
  swarm = sd_store_get_last_hash (self->store, SWARM_CURSOR, 0, NULL);
  if (swarm != NULL) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->store);

    sd_store_batch_set_last_hash (batch, hex, 0, swarm);
    if (!sd_store_apply_batch (self->store, batch, NULL, NULL))
      g_debug ("could not keep the cursor of a member that failed");
  }
}

/* members asked in this poll that did not answer (all of them when it failed) */
static void
note_failed_members (SdPoller *self, const SdSnode *answered)
{
  GHashTableIter iter;
  gpointer hex;

  g_hash_table_iter_init (&iter, self->sent_own);
  while (g_hash_table_iter_next (&iter, &hex, NULL)) {
    if (answered == NULL || !g_str_equal (hex, answered->ed25519_hex))
      mark_suspect (self, hex);
  }
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
  g_clear_pointer (&self->page_node, sd_snode_unref);
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
  g_autofree gchar *node_hex = g_strdup (self->page_node->ed25519_hex);
  guint n_items = self->page_items->len;
  gboolean caught_up;

  if (self->page_own && !more) {
    g_autofree gchar *key = own_key (self->page_node, 0);

    /* it reached the end: from now on it pages from the swarm's cursor again */
    g_hash_table_remove (self->own_cursor, key);
  }
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

  caught_up = !more;
  /* full pages are a backlog being caught up on (a restore: tens of thousands of messages),
   * which may go on longer than a node that keeps saying `more` over a few items */
  if (more && self->follow_ups >= (n_items >= SD_RETRIEVE_MAX_ITEMS / 2
                                     ? SD_POLLER_MAX_FOLLOW_UPS * 8 : SD_POLLER_MAX_FOLLOW_UPS)) {
    g_debug ("node %s still says more after %u pages; waiting for the next tick", node_hex,
             self->follow_ups);
    more = FALSE;
  }
  self->follow_ups = more ? self->follow_ups + 1 : 0;
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
  SdIngestCursor cursor = { 0, { NULL, NULL }, { NULL, NULL } };
  guint before = self->page_position;

  self->slice_id = 0;
  if (self->page_own) {
    cursor.keys[0] = self->page_node->ed25519_hex;
    if (self->page_moves_swarm)
      cursor.end_keys[0] = SWARM_CURSOR;
  } else {
    cursor.keys[0] = SWARM_CURSOR;
    if (self->page_moves_own)
      cursor.keys[1] = self->page_node->ed25519_hex;
  }
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

static void
handle_retrieved (SdPoller *self, GObject *source, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdSnode) node = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         &node, &error);
  g_autoptr(GPtrArray) items = NULL;
  g_autofree gchar *sent = NULL;
  JsonNode *retrieved = NULL;
  gint64 code = 0;
  gboolean more = FALSE;
  gboolean own = FALSE;
  gint sent_as;

  if (body == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      note_failed_members (self, NULL);
    poll_failed (self, error);
    return;
  }
  if (!self->running)
    return;
  note_failed_members (self, node);
  if (status == 200 && sd_storage_rpc_batch_result (body, 0, &code, &retrieved) && code == 200)
    items = sd_storage_rpc_parse_retrieve (retrieved, &more, NULL);
  if (items == NULL) {
    g_autoptr(GError) bad = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                         "retrieve answered status %u", status);

    note_failed_members (self, NULL);
    poll_failed (self, bad);
    return;
  }
  /* the cursor the request carried (nothing was applied since it was built) */
  sent_as = GPOINTER_TO_INT (g_hash_table_lookup (self->sent_own, node->ed25519_hex));
  own = sent_as == SENT_OWN || sent_as == SENT_SWEEP;
  sent = own ? sd_store_get_last_hash (self->store, node->ed25519_hex, 0, NULL)
             : sd_store_get_last_hash (self->store, SWARM_CURSOR, 0, NULL);
  if (!own && sent == NULL) {
    own = TRUE;
    sent = sd_store_get_last_hash (self->store, node->ed25519_hex, 0, NULL);
  }
  if (sent != NULL && items->len > 0) {
    const SdRetrieveItem *first = g_ptr_array_index (items, 0);
    gboolean seen = FALSE;

    /* a node that does not know the hash answers from its first message (as the storage
     * server does): page with its own cursor until it caught up */
    if (sd_store_is_seen (self->store, first->hash, &seen, NULL) && seen && !own) {
      g_debug ("node %s does not know the swarm's cursor; it pages on its own",
               node->ed25519_hex);
      g_hash_table_add (self->own_cursor, own_key (node, 0));
      own = TRUE;
    }
  }
  self->page_own = own;
  self->page_moves_swarm = FALSE;
  self->page_moves_own = FALSE;
  if (!own && !self->syncing) {
    g_autofree gchar *mine = sd_store_get_last_hash (self->store, node->ed25519_hex, 0, NULL);

    /* the node's own cursor follows while it is where the swarm's was (or starts here):
     * a later sweep of it then only asks for what came after */
    self->page_moves_own = mine == NULL || g_strcmp0 (mine, sent) == 0;
  }
  /* a sweep never moves the swarm's cursor: what it finds may be on that member only */
  if (own && sent_as != SENT_SWEEP && items->len > 0) {
    const SdRetrieveItem *last = g_ptr_array_index (items, items->len - 1);
    gboolean seen = TRUE;

    /* its page moves the swarm's cursor when it ends past what we have seen */
    (void) sd_store_is_seen (self->store, last->hash, &seen, NULL);
    /* only an end past what we had: a node's own last item may be one the others lack
     * (a store only it took), and moving there would make every other member start over */
    self->page_moves_swarm = !seen;
  }
  if (more && !self->syncing)
    set_syncing (self, TRUE);
  clear_page (self);
  self->page_node = g_steal_pointer (&node);
  self->page_items = g_steal_pointer (&items);
  self->page_position = 0;
  self->page_more = more;
  if (self->page_items->len == 0) {
    page_done (self);
    return;
  }
  /* a backlog (a page at least half full): the next page travels while this one is applied
   * (a page from the swarm's cursor only; the others have their own rules) */
  if (more && !own && self->page_items->len >= SD_RETRIEVE_MAX_ITEMS / 2 &&
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
  JsonNode *retrieve = sd_storage_rpc_retrieve (self->identity, 0, now, self->prefetch_cursor,
                                                SD_RETRIEVE_MAX_ITEMS, -2);

  g_debug ("retrieve from %.8s after %.8s (ahead)", node->ed25519_hex, self->prefetch_cursor);
  g_hash_table_replace (self->sent_own, g_strdup (node->ed25519_hex),
                        GINT_TO_POINTER (SENT_SWARM));
  return sd_storage_rpc_to_string (sd_storage_rpc_batch (&retrieve, 1));
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
}

static void
start_prefetch (SdPoller *self, const gchar *cursor)
{
  Prefetch *prefetch = g_new0 (Prefetch, 1);

  drop_prefetch (self);
  self->prefetch_cursor = g_strdup (cursor);
  self->prefetching = TRUE;
  g_hash_table_remove_all (self->sent_own);
  prefetch->self = g_object_ref (self);
  prefetch->gen = self->prefetch_gen;
  sd_network_swarm_rpc_async (self->network, self->identity->session_id, build_prefetch, self,
                              NULL, self->cancellable, on_prefetched, prefetch);
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
  sd_network_swarm_rpc_async (self->network, self->identity->session_id, build_retrieve, self,
                              NULL, self->cancellable, on_retrieved, g_object_ref (self));
}

static void
poll_once (SdPoller *self)
{
  if (self->polling || !self->running)
    return;
  self->polling = TRUE;
  g_hash_table_remove_all (self->sent_own);
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
  g_hash_table_unref (self->own_cursor);
  g_hash_table_unref (self->suspect);
  g_hash_table_unref (self->sent_own);
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
}

static void
sd_poller_init (SdPoller *self)
{
  self->interval_ms = 5000;
  self->own_cursor = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suspect = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sent_own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SdPoller *
sd_poller_new (SdNetwork *network, SdStore *store, const SdIdentity *identity, guint interval_ms)
{
  SdPoller *self = g_object_new (SD_TYPE_POLLER, NULL);

  self->network = g_object_ref (network);
  self->store = g_object_ref (store);
  self->identity = identity;
  sd_poller_set_interval (self, interval_ms);
  return self;
}
