/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdPoller"

#include "sd-poller.h"

#include <string.h>

#include "sd-config-sync.h"
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
};

enum { SIGNAL_CHANGES, SIGNAL_TYPING, SIGNAL_ONLINE_CHANGED, SIGNAL_CONFIG_ITEMS, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdPoller, sd_poller, G_TYPE_OBJECT)

static void poll_once (SdPoller *self);

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
  self->online = online;
  g_signal_emit (self, signals[SIGNAL_ONLINE_CHANGED], 0);
}

/* backs off exponentially while the network fails, up to a minute */
static void
poll_failed (SdPoller *self, const GError *error)
{
  guint delay = self->interval_ms;

  self->polling = FALSE;
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

/* one signed batch per tick, as desktop polls: the 1:1 namespace, then the four config
 * namespaces (issue 15), each from where this node left off in it. The batch lets a node answer
 * a skewed clock or a moved swarm as an inner code (sd-network.c) */
static gchar *
build_retrieve (const SdSnode *node, gint64 now, gpointer user_data)
{
  SdPoller *self = user_data;
  JsonNode *requests[1 + G_N_ELEMENTS (sd_config_sync_namespaces)];

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++) {
    gint ns = i == 0 ? 0 : sd_config_sync_namespaces[i - 1];
    g_autofree gchar *last_hash = sd_store_get_last_hash (self->store, node->ed25519_hex, ns,
                                                          NULL);

    requests[i] = sd_storage_rpc_retrieve (self->identity, ns, now,
                                           last_hash != NULL ? last_hash : "", 0, -2);
  }
  return sd_storage_rpc_to_string (sd_storage_rpc_batch (requests, G_N_ELEMENTS (requests)));
}

/* the config namespaces' items go first, so a tick's 1:1 messages meet the contacts and
 * read positions they bring; a failed sub-request is simply asked again next tick */
static gboolean
handle_configs (SdPoller *self, const SdSnode *node, JsonNode *body)
{
  gboolean more_configs = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (sd_config_sync_namespaces); i++) {
    JsonNode *retrieved = NULL;
    gint64 code = 0;
    gboolean more = FALSE;
    g_autoptr(GPtrArray) items = NULL;

    if (!sd_storage_rpc_batch_result (body, i + 1, &code, &retrieved) || code != 200)
      continue;
    items = sd_storage_rpc_parse_retrieve (retrieved, &more, NULL);
    if (items == NULL)
      continue;
    g_signal_emit (self, signals[SIGNAL_CONFIG_ITEMS], 0, node->ed25519_hex,
                   sd_config_sync_namespaces[i], items, !more);
    more_configs = more_configs || (more && items->len > 0);
  }
  return more_configs;
}

static void
on_typing (const gchar *author, gboolean typing, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_TYPING], 0, author, typing);
}

static gboolean
handle_messages (SdPoller *self, const SdSnode *node, GPtrArray *items)
{
  g_autoptr(SdStoreChanges) changes = NULL;
  g_autoptr(GError) error = NULL;

  if (!sd_ingest_messages_at (self->store, self->identity, node->ed25519_hex, items,
                              sd_network_now_ms (self->network), on_typing, self, &changes,
                              &error)) {
    g_warning ("could not store received messages: %s", error->message);
    return FALSE;
  }
  if (changes != NULL)
    g_signal_emit (self, signals[SIGNAL_CHANGES], 0, changes);
  return TRUE;
}

static void
on_retrieved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdPoller) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdSnode) node = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         &node, &error);
  g_autoptr(GPtrArray) items = NULL;
  JsonNode *retrieved = NULL;
  gint64 code = 0;
  gboolean more = FALSE;
  gboolean more_configs = FALSE;

  if (body == NULL) {
    poll_failed (self, error);
    return;
  }
  if (status == 200 && sd_storage_rpc_batch_result (body, 0, &code, &retrieved) && code == 200)
    items = sd_storage_rpc_parse_retrieve (retrieved, &more, NULL);
  if (items == NULL) {
    g_autoptr(GError) bad = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                         "retrieve answered status %u", status);
    poll_failed (self, bad);
    return;
  }
  more_configs = handle_configs (self, node, body);
  if (!handle_messages (self, node, items)) {
    g_autoptr(GError) bad = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "store failed");
    poll_failed (self, bad);
    return;
  }
  self->polling = FALSE;
  self->failures = 0;
  set_online (self, TRUE);
  /* a truncated page: fetch the rest at once, but a node that says `more` forever (or with
   * an empty page) gets only so many immediate polls before the normal interval */
  if (more && items->len == 0) {
    g_debug ("node %s says more but sent nothing", node->ed25519_hex);
    more = FALSE;
  }
  more = more || more_configs;
  if (more && self->follow_ups >= SD_POLLER_MAX_FOLLOW_UPS) {
    g_debug ("node %s still says more after %u pages; waiting for the next tick",
             node->ed25519_hex, self->follow_ups);
    more = FALSE;
  }
  self->follow_ups = more ? self->follow_ups + 1 : 0;
  schedule (self, more ? 0 : self->interval_ms);
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
  /* every poll first makes sure the pool is usable: free when it is, and
   * after failures have dropped too many nodes it goes back to the seeds */
  sd_network_bootstrap_async (self->network, self->cancellable, on_bootstrapped,
                              g_object_ref (self));
}

void
sd_poller_start (SdPoller *self)
{
  if (self->running)
    return;
  self->running = TRUE;
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
  G_OBJECT_CLASS (sd_poller_parent_class)->finalize (object);
}

static void
sd_poller_class_init (SdPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_poller_dispose;
  object_class->finalize = sd_poller_finalize;
  signals[SIGNAL_CHANGES] = g_signal_new ("changes", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_TYPING] = g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                         G_TYPE_BOOLEAN);
  signals[SIGNAL_ONLINE_CHANGED] = g_signal_new ("online-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  /* (node ed25519 hex, namespace, GPtrArray of SdRetrieveItem, complete), before "changes" */
  signals[SIGNAL_CONFIG_ITEMS] = g_signal_new ("config-items", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_INT,
                                               G_TYPE_POINTER, G_TYPE_BOOLEAN);
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
  self->identity = identity;
  sd_poller_set_interval (self, interval_ms);
  return self;
}
