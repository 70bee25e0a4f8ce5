/* SPDX-License-Identifier: GPL-3.0-or-later */
/* a node's message table, in memory: rows by hash, and per (owner,
 * namespace) a queue in insertion order, which is what retrieve pages on */
#define G_LOG_DOMAIN "StStorage"

#include "config.h"

#include "st-storage.h"

#include <string.h>

struct _StStorage {
  GHashTable *by_hash;  /* (owned) hash -> (owned) StMessage */
  GHashTable *queues;   /* (owned) "owner/ns" -> (owned) GQueue of (unowned) StMessage */
  GHashTable *revoked;  /* (owned) owner -> (owned) GArray of StRevoked */
  guint64 next_id;
};

/* one revoked subaccount token of an owner, and when it was (last) revoked */
typedef struct {
  guint8 token[ST_TOKEN_LEN];
  gint64 when_ms;
} StRevoked;

static void
st_message_free (StMessage *msg)
{
  g_free (msg->hash);
  g_free (msg->owner);
  g_bytes_unref (msg->data);
  g_free (msg);
}

static void
queue_free (GQueue *queue)
{
  g_queue_free (queue);
}

StStorage *
st_storage_new (void)
{
  StStorage *storage = g_new0 (StStorage, 1);

  storage->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) st_message_free);
  storage->queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) queue_free);
  storage->revoked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_array_unref);
  storage->next_id = 1;
  return storage;
}

void
st_storage_free (StStorage *storage)
{
  if (storage == NULL)
    return;
  g_hash_table_destroy (storage->revoked);
  g_hash_table_destroy (storage->queues);
  g_hash_table_destroy (storage->by_hash);
  g_free (storage);
}

static gchar *
queue_key (const gchar *owner, gint namespace_)
{
  return g_strdup_printf ("%s/%d", owner, namespace_);
}

StMessage *
st_storage_put (StStorage *storage,
                const gchar *owner,
                gint namespace_,
                const gchar *hash,
                gint64 timestamp,
                gint64 expiry,
                GBytes *data,
                gboolean *already)
{
  StMessage *msg = g_hash_table_lookup (storage->by_hash, hash);
  g_autofree gchar *key = NULL;
  GQueue *queue;

  if (msg != NULL) {
    /* same hash means same owner, namespace and data */
    if (expiry > msg->expiry)
      msg->expiry = expiry;
    *already = TRUE;
    return msg;
  }

  msg = g_new0 (StMessage, 1);
  msg->id = storage->next_id++;
  msg->hash = g_strdup (hash);
  msg->owner = g_strdup (owner);
  msg->namespace_ = namespace_;
  msg->timestamp = timestamp;
  msg->expiry = expiry;
  msg->data = g_bytes_ref (data);

  key = queue_key (owner, namespace_);
  queue = g_hash_table_lookup (storage->queues, key);
  if (queue == NULL) {
    queue = g_queue_new ();
    g_hash_table_insert (storage->queues, g_steal_pointer (&key), queue);
  }
  g_queue_push_tail (queue, msg);
  msg->link = queue->tail;
  g_hash_table_insert (storage->by_hash, msg->hash, msg);
  *already = FALSE;
  return msg;
}

StMessage *
st_storage_lookup (StStorage *storage, const gchar *hash)
{
  return g_hash_table_lookup (storage->by_hash, hash);
}

GList *
st_storage_after (StStorage *storage,
                  const gchar *owner,
                  gint namespace_,
                  const gchar *last_hash)
{
  g_autofree gchar *key = queue_key (owner, namespace_);
  GQueue *queue = g_hash_table_lookup (storage->queues, key);
  StMessage *last;

  if (queue == NULL)
    return NULL;
  last = last_hash != NULL ? g_hash_table_lookup (storage->by_hash, last_hash) : NULL;
  /* a hash of another account or namespace counts as unknown: start over */
  if (last != NULL && last->namespace_ == namespace_ && strcmp (last->owner, owner) == 0)
    return last->link->next;
  return queue->head;
}

GPtrArray *
st_storage_owned (StStorage *storage,
                  const gchar *owner,
                  gboolean all_namespaces,
                  gint namespace_)
{
  GPtrArray *rows = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, storage->by_hash);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    StMessage *msg = value;

    if (strcmp (msg->owner, owner) == 0 && (all_namespaces || msg->namespace_ == namespace_))
      g_ptr_array_add (rows, msg);
  }
  return rows;
}

void
st_storage_remove (StStorage *storage, const gchar *hash)
{
  StMessage *msg = g_hash_table_lookup (storage->by_hash, hash);
  g_autofree gchar *key = NULL;
  GQueue *queue;

  if (msg == NULL)
    return;
  key = queue_key (msg->owner, msg->namespace_);
  queue = g_hash_table_lookup (storage->queues, key);
  g_queue_delete_link (queue, msg->link);
  if (g_queue_is_empty (queue))
    g_hash_table_remove (storage->queues, key);
  g_hash_table_remove (storage->by_hash, hash);
}

guint
st_storage_expire (StStorage *storage, gint64 now_ms)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, storage->by_hash);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    StMessage *msg = value;

    if (msg->expiry < now_ms)
      g_ptr_array_add (doomed, g_strdup (msg->hash));
  }
  for (guint i = 0; i < doomed->len; i++)
    st_storage_remove (storage, g_ptr_array_index (doomed, i));
  return doomed->len;
}

guint
st_storage_count (StStorage *storage)
{
  return g_hash_table_size (storage->by_hash);
}

/* ---- revoked subaccount tokens (protocol-network.md §4.6) ---- */

static gint
find_revoked (GArray *list, const guint8 token[ST_TOKEN_LEN])
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (memcmp (g_array_index (list, StRevoked, i).token, token, ST_TOKEN_LEN) == 0)
      return (gint) i;
  return -1;
}

static GArray *
owner_revoked (StStorage *storage, const gchar *owner)
{
  GArray *list = g_hash_table_lookup (storage->revoked, owner);

  if (list != NULL)
    return list;
  list = g_array_new (FALSE, FALSE, sizeof (StRevoked));
  g_hash_table_insert (storage->revoked, g_strdup (owner), list);
  return list;
}

void
st_storage_revoke (StStorage *storage, const gchar *owner, const guint8 token[ST_TOKEN_LEN],
                   gint64 now_ms)
{
  GArray *list = owner_revoked (storage, owner);
  gint at;

  at = find_revoked (list, token);
  if (at >= 0) {
    StRevoked *known = &g_array_index (list, StRevoked, at);

    known->when_ms = MAX (known->when_ms, now_ms);
    return;
  }
  {
    StRevoked entry;

    memcpy (entry.token, token, ST_TOKEN_LEN);
    entry.when_ms = now_ms;
    g_array_append_val (list, entry);
  }
  /* like the reference, only the most recent ST_REVOKED_MAX per owner are kept */
  while (list != NULL && list->len > ST_REVOKED_MAX) {
    guint oldest = 0;

    for (guint i = 1; i < list->len; i++)
      if (g_array_index (list, StRevoked, i).when_ms <
          g_array_index (list, StRevoked, oldest).when_ms)
        oldest = i;
    g_array_remove_index (list, oldest);
  }
}

gboolean
st_storage_unrevoke (StStorage *storage, const gchar *owner, const guint8 token[ST_TOKEN_LEN])
{
  GArray *list = g_hash_table_lookup (storage->revoked, owner);
  gint at = find_revoked (list, token);

  if (at < 0)
    return FALSE;
  g_array_remove_index (list, (guint) at);
  return TRUE;
}

gboolean
st_storage_is_revoked (StStorage *storage, const gchar *owner, const guint8 token[ST_TOKEN_LEN])
{
  return find_revoked (g_hash_table_lookup (storage->revoked, owner), token) >= 0;
}
