/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdPoller"

#include "sd-retrieve-cursor.h"

/* the namespaces a request can carry are 0 … MAX_NS - 1 (1:1 messages and the configs) */
#define MAX_NS 8
/* how long a member that failed a poll is swept (asked from its own cursor) when picked */
#define SUSPECT_S (10 * 60)

struct _SdRetrieveCursors {
  SdStore *store;     /* (owned) */
  /* "<node>/<namespace>": members that did not know the swarm's cursor and page with their
   * own until they reached the end */
  GHashTable *own;    /* (owned) */
  /* members that failed a poll lately (node hex → monotonic s): they may hold stores they
   * could not replicate, so they are asked from their own cursor (a sweep) */
  GHashTable *suspect; /* (owned) */
  /* node hex → SdRetrieveFrom[MAX_NS]: what the current request carried to it */
  GHashTable *sent;   /* (owned) */
};

SdRetrieveCursors *
sd_retrieve_cursors_new (SdStore *store)
{
  SdRetrieveCursors *self = g_new0 (SdRetrieveCursors, 1);

  self->store = g_object_ref (store);
  self->own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suspect = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
sd_retrieve_cursors_free (SdRetrieveCursors *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->store);
  g_hash_table_unref (self->own);
  g_hash_table_unref (self->suspect);
  g_hash_table_unref (self->sent);
  g_free (self);
}

static gchar *
own_key (const gchar *hex, gint ns)
{
  return g_strdup_printf ("%s/%d", hex, ns);
}

static SdRetrieveFrom
sent_as (SdRetrieveCursors *self, const gchar *hex, gint ns)
{
  SdRetrieveFrom *from = g_hash_table_lookup (self->sent, hex);

  return from != NULL && ns >= 0 && ns < MAX_NS ? from[ns] : SD_RETRIEVE_FROM_NONE;
}

void
sd_retrieve_cursors_note_sent (SdRetrieveCursors *self, const SdSnode *node, gint ns,
                               SdRetrieveFrom from)
{
  SdRetrieveFrom *sent;

  g_return_if_fail (ns >= 0 && ns < MAX_NS);
  sent = g_hash_table_lookup (self->sent, node->ed25519_hex);
  if (sent == NULL) {
    sent = g_new0 (SdRetrieveFrom, MAX_NS);
    g_hash_table_insert (self->sent, g_strdup (node->ed25519_hex), sent);
  }
  sent[ns] = from;
}

void
sd_retrieve_cursors_begin (SdRetrieveCursors *self)
{
  g_hash_table_remove_all (self->sent);
}

static gboolean
is_suspect (SdRetrieveCursors *self, const gchar *hex)
{
  gpointer since = g_hash_table_lookup (self->suspect, hex);

  return since != NULL &&
         g_get_monotonic_time () / G_USEC_PER_SEC - GPOINTER_TO_INT (since) < SUSPECT_S;
}

/* @hex failed: it is swept for a while; a sweep of it starts from its own cursor, or where
 * the swarm is now when it has none (in each namespace it was asked in) */
static void
mark_suspect (SdRetrieveCursors *self, const gchar *hex)
{
  gint now = (gint) (g_get_monotonic_time () / G_USEC_PER_SEC);
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->store);
  gboolean any = FALSE;

  g_hash_table_replace (self->suspect, g_strdup (hex), GINT_TO_POINTER (MAX (now, 1)));
  for (gint ns = 0; ns < MAX_NS; ns++) {
    g_autofree gchar *mine = NULL;
    g_autofree gchar *swarm = NULL;

    if (sent_as (self, hex, ns) == SD_RETRIEVE_FROM_NONE)
      continue;
    mine = sd_store_get_last_hash (self->store, hex, ns, NULL);
    swarm = mine == NULL ? sd_store_get_last_hash (self->store, SD_RETRIEVE_SWARM_CURSOR, ns,
                                                   NULL)
                         : NULL;
    if (swarm != NULL) {
      sd_store_batch_set_last_hash (batch, hex, ns, swarm);
      any = TRUE;
    }
  }
  if (any && !sd_store_apply_batch (self->store, batch, NULL, NULL))
    g_debug ("could not keep the cursor of a member that failed");
}

/* the swarm's cursor; the member's own (store key: its Ed25519 hex) while it pages on its
 * own, when it failed lately (outside a catch-up: a sweep for stores it could not replicate;
 * this may fetch again what other members sent meanwhile), or before the swarm has one (the
 * per-node cursors of older versions) */
gchar *
sd_retrieve_cursors_request (SdRetrieveCursors *self, const SdSnode *node, gint ns,
                             gboolean catching_up)
{
  g_autofree gchar *key = own_key (node->ed25519_hex, ns);
  gchar *hash = NULL;
  gboolean sweep = FALSE;
  gboolean own = g_hash_table_contains (self->own, key);

  /* asked again in the same request: it refused our clock (406). A member whose clock is
   * off takes stores the others refuse, and the other way round: sweep it too */
  if (sent_as (self, node->ed25519_hex, ns) != SD_RETRIEVE_FROM_NONE)
    mark_suspect (self, node->ed25519_hex);
  if (!own && !catching_up && is_suspect (self, node->ed25519_hex)) {
    hash = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);
    own = hash != NULL;
    sweep = own;
  }
  if (!own)
    hash = sd_store_get_last_hash (self->store, SD_RETRIEVE_SWARM_CURSOR, ns, NULL);
  if (hash == NULL) {
    own = TRUE;
    hash = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);
  }
  g_debug ("retrieve %d from %.8s after %.8s (%s cursor)", ns, node->ed25519_hex,
           hash != NULL ? hash : "the start",
           sweep ? "a sweep from its own" : own ? "its own" : "the swarm's");
  /* which cursor went to which member: the answer is read with the same one */
  sd_retrieve_cursors_note_sent (self, node, ns,
                                 sweep ? SD_RETRIEVE_FROM_SWEEP
                                       : own ? SD_RETRIEVE_FROM_OWN : SD_RETRIEVE_FROM_SWARM);
  return hash;
}

void
sd_retrieve_cursors_note_failed (SdRetrieveCursors *self, const SdSnode *answered)
{
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer hex;

  g_hash_table_iter_init (&iter, self->sent);
  while (g_hash_table_iter_next (&iter, &hex, NULL)) {
    if (answered == NULL || !g_str_equal (hex, answered->ed25519_hex))
      g_ptr_array_add (failed, hex);
  }
  for (guint i = 0; i < failed->len; i++)
    mark_suspect (self, g_ptr_array_index (failed, i));
}

gboolean
sd_retrieve_cursors_read_page (SdRetrieveCursors *self, const SdSnode *node, gint ns,
                               GPtrArray *items, gboolean catching_up, SdRetrievePage *page)
{
  SdRetrieveFrom from = sent_as (self, node->ed25519_hex, ns);
  g_autofree gchar *sent = NULL;
  gboolean own;

  if (from == SD_RETRIEVE_FROM_NONE)
    return FALSE;
  /* the cursor the request carried (nothing in @ns was applied since it was built) */
  own = from == SD_RETRIEVE_FROM_OWN || from == SD_RETRIEVE_FROM_SWEEP;
  sent = sd_store_get_last_hash (self->store, own ? node->ed25519_hex : SD_RETRIEVE_SWARM_CURSOR,
                                 ns, NULL);
  if (!own && sent == NULL) {
    own = TRUE;
    sent = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);
  }
  if (sent != NULL && items->len > 0 && !own) {
    const SdRetrieveItem *first = g_ptr_array_index (items, 0);
    gboolean seen = FALSE;

    /* a node that does not know the hash answers from its first message (as the storage
     * server does): page with its own cursor until it caught up */
    if (sd_store_is_seen (self->store, first->hash, &seen, NULL) && seen) {
      g_debug ("node %s does not know the swarm's cursor in %d; it pages on its own",
               node->ed25519_hex, ns);
      g_hash_table_add (self->own, own_key (node->ed25519_hex, ns));
      own = TRUE;
    }
  }
  page->node = g_strdup (node->ed25519_hex);
  page->namespace_ = ns;
  page->own = own;
  page->moves_swarm = FALSE;
  page->moves_own = FALSE;
  if (!own && !catching_up) {
    g_autofree gchar *mine = sd_store_get_last_hash (self->store, node->ed25519_hex, ns, NULL);

    /* the node's own cursor follows while it is where the swarm's was (or starts here):
     * a later sweep of it then only asks for what came after */
    page->moves_own = mine == NULL || g_strcmp0 (mine, sent) == 0;
  }
  /* a sweep never moves the swarm's cursor: what it finds may be on that member only */
  if (own && from != SD_RETRIEVE_FROM_SWEEP && items->len > 0) {
    const SdRetrieveItem *last = g_ptr_array_index (items, items->len - 1);
    gboolean seen = TRUE;

    /* only an end past what we had: a node's own last item may be one the others lack
     * (a store only it took), and moving there would make every other member start over */
    (void) sd_store_is_seen (self->store, last->hash, &seen, NULL);
    page->moves_swarm = !seen;
  }
  return TRUE;
}

void
sd_retrieve_cursors_page_done (SdRetrieveCursors *self, const SdRetrievePage *page,
                               gboolean more)
{
  g_autofree gchar *key = NULL;

  if (!page->own || more)
    return;
  /* it reached the end: from now on it pages from the swarm's cursor again */
  key = own_key (page->node, page->namespace_);
  g_hash_table_remove (self->own, key);
}

void
sd_retrieve_page_get_cursor (const SdRetrievePage *page, SdIngestCursor *cursor)
{
  *cursor = (SdIngestCursor) { page->namespace_, { NULL, NULL }, { NULL, NULL } };
  if (page->own) {
    cursor->keys[0] = page->node;
    if (page->moves_swarm)
      cursor->end_keys[0] = SD_RETRIEVE_SWARM_CURSOR;
  } else {
    cursor->keys[0] = SD_RETRIEVE_SWARM_CURSOR;
    if (page->moves_own)
      cursor->keys[1] = page->node;
  }
}

void
sd_retrieve_page_clear (SdRetrievePage *page)
{
  g_clear_pointer (&page->node, g_free);
}
