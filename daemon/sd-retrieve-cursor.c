/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdPoller"

#include "sd-retrieve-cursor.h"

/* the namespaces a request can carry are MIN_NS … MAX_NS - 1: 1:1 messages and the configs
 * (0 … 5), a group's −11 … 14 */
#define MIN_NS (-16)
#define MAX_NS 16
#define N_NS (MAX_NS - MIN_NS)
/* how long a member that failed a poll counts as failed */
#define SUSPECT_S (10 * 60)

struct _SdRetrieveCursors {
  SdStore *store;      /* (owned) */
  gchar *group_id;     /* (owned) (nullable) a group's swarm: its rows, not the account's */
  /* members that failed a poll lately (node hex → monotonic s): they may hold what the
   * others lack, so they never start from the swarm's hash nor move it */
  GHashTable *suspect; /* (owned) */
  /* node hex → SdRetrieveFrom[MAX_NS]: what the current request carried to it */
  GHashTable *sent;    /* (owned) */
};

SdRetrieveCursors *
sd_retrieve_cursors_new (SdStore *store)
{
  SdRetrieveCursors *self = g_new0 (SdRetrieveCursors, 1);

  self->store = g_object_ref (store);
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
  g_free (self->group_id);
  g_hash_table_unref (self->suspect);
  g_hash_table_unref (self->sent);
  g_free (self);
}

static SdRetrieveFrom
sent_as (SdRetrieveCursors *self, const gchar *hex, gint ns)
{
  SdRetrieveFrom *from = g_hash_table_lookup (self->sent, hex);

  return from != NULL && ns >= MIN_NS && ns < MAX_NS ? from[ns - MIN_NS] : SD_RETRIEVE_FROM_NONE;
}

void
sd_retrieve_cursors_note_sent (SdRetrieveCursors *self, const SdSnode *node, gint ns,
                               SdRetrieveFrom from)
{
  SdRetrieveFrom *sent;

  g_return_if_fail (ns >= MIN_NS && ns < MAX_NS);
  sent = g_hash_table_lookup (self->sent, node->ed25519_hex);
  if (sent == NULL) {
    sent = g_new0 (SdRetrieveFrom, N_NS);
    g_hash_table_insert (self->sent, g_strdup (node->ed25519_hex), sent);
  }
  sent[ns - MIN_NS] = from;
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

static void
mark_suspect (SdRetrieveCursors *self, const gchar *hex)
{
  gint now = (gint) (g_get_monotonic_time () / G_USEC_PER_SEC);

  g_hash_table_replace (self->suspect, g_strdup (hex), GINT_TO_POINTER (MAX (now, 1)));
}

/* the stored cursor of @key (a member's hex or SD_RETRIEVE_SWARM_CURSOR) */
static gchar *
load_cursor (SdRetrieveCursors *self, const gchar *key, gint ns)
{
  if (self->group_id == NULL)
    return sd_store_get_last_hash (self->store, key, ns, NULL);
  if (g_str_equal (key, SD_RETRIEVE_SWARM_CURSOR))
    return sd_store_get_group_last_hash (self->store, self->group_id, ns, NULL);
  return sd_store_get_group_member_last_hash (self->store, self->group_id, key, ns, NULL);
}

gchar *
sd_retrieve_cursors_request (SdRetrieveCursors *self, const SdSnode *node, gint ns)
{
  gchar *hash;
  SdRetrieveFrom from = SD_RETRIEVE_FROM_OWN;

  /* asked again in the same request: it refused our clock (406). A member whose clock is
   * off takes stores the others refuse, and the other way round */
  if (sent_as (self, node->ed25519_hex, ns) != SD_RETRIEVE_FROM_NONE)
    mark_suspect (self, node->ed25519_hex);
  hash = load_cursor (self, node->ed25519_hex, ns);
  if (hash == NULL && !is_suspect (self, node->ed25519_hex)) {
    hash = load_cursor (self, SD_RETRIEVE_SWARM_CURSOR, ns);
    from = SD_RETRIEVE_FROM_SWARM;
  }
  g_debug ("retrieve %d from %.8s after %.8s (%s)", ns, node->ed25519_hex,
           hash != NULL ? hash : "the start",
           from == SD_RETRIEVE_FROM_SWARM ? "first contact: the swarm's newest" : "its own");
  sd_retrieve_cursors_note_sent (self, node, ns, from);
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
                               GPtrArray *items, SdRetrievePage *page)
{
  if (sent_as (self, node->ed25519_hex, ns) == SD_RETRIEVE_FROM_NONE)
    return FALSE;
  page->node = g_strdup (node->ed25519_hex);
  page->namespace_ = ns;
  page->moves_swarm = FALSE;
  /* only an end past what we had, from a member in good standing: a member's last item may
   * be one the others lack, or it may lack what they hold before it */
  if (items->len > 0 && !is_suspect (self, node->ed25519_hex)) {
    const SdRetrieveItem *last = g_ptr_array_index (items, items->len - 1);
    gboolean seen = TRUE;

    (void) sd_store_is_seen (self->store, last->hash, &seen, NULL);
    page->moves_swarm = !seen;
  }
  return TRUE;
}

void
sd_retrieve_page_get_cursor (const SdRetrievePage *page, SdIngestCursor *cursor)
{
  *cursor = (SdIngestCursor) { page->namespace_, { NULL, NULL }, { NULL, NULL } };
  cursor->keys[0] = page->node;
  if (page->moves_swarm)
    cursor->end_keys[0] = SD_RETRIEVE_SWARM_CURSOR;
}

SdRetrieveCursors *
sd_retrieve_cursors_new_for_group (SdStore *store, const gchar *group_id)
{
  SdRetrieveCursors *self = sd_retrieve_cursors_new (store);

  self->group_id = g_strdup (group_id);
  return self;
}

gboolean
sd_retrieve_cursors_move (SdRetrieveCursors *self, const SdRetrievePage *page,
                          const gchar *last_hash, GError **error)
{
  if (self->group_id == NULL) {
    g_autoptr(SdStoreBatch) batch = sd_store_batch_new (self->store);
    SdIngestCursor cursor;

    sd_retrieve_page_get_cursor (page, &cursor);
    for (guint i = 0; i < G_N_ELEMENTS (cursor.keys); i++) {
      if (cursor.keys[i] != NULL)
        sd_store_batch_set_last_hash (batch, cursor.keys[i], cursor.namespace_, last_hash);
      if (cursor.end_keys[i] != NULL)
        sd_store_batch_set_last_hash (batch, cursor.end_keys[i], cursor.namespace_, last_hash);
    }
    return sd_store_apply_batch (self->store, batch, NULL, error);
  }
  if (!sd_store_set_group_member_last_hash (self->store, self->group_id, page->node,
                                            page->namespace_, last_hash, error))
    return FALSE;
  return !page->moves_swarm ||
         sd_store_set_group_last_hash (self->store, self->group_id, page->namespace_, last_hash,
                                       error);
}

void
sd_retrieve_page_clear (SdRetrievePage *page)
{
  g_clear_pointer (&page->node, g_free);
}
