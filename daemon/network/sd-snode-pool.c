/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSnodePool"

#include "sd-snode-pool.h"

#include <string.h>

#include "sd-encoding.h"

struct _SdSnodePool {
  GObject parent_instance;

  SdPoolStore *store; /* (owned) */
  GPtrArray *nodes;   /* (owned) (element-type SdSnode) */
  GHashTable *strikes; /* (owned) ed25519 hex → strike count */
  GHashTable *listed;  /* (owned) ed25519 hex → SdSnode: the last list given, removals kept */
};

G_DEFINE_FINAL_TYPE (SdSnodePool, sd_snode_pool, G_TYPE_OBJECT)

static gint
find_index (SdSnodePool *self, const guint8 ed25519_pk[32])
{
  for (guint i = 0; i < self->nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (self->nodes, i);

    if (memcmp (node->keys.ed25519_pk, ed25519_pk, 32) == 0)
      return (gint) i;
  }
  return -1;
}

static gboolean
in_list (GPtrArray *list, const SdSnode *node)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (sd_snode_equal (g_ptr_array_index (list, i), node))
      return TRUE;
  return FALSE;
}

guint
sd_snode_pool_get_size (SdSnodePool *self)
{
  g_return_val_if_fail (SD_IS_SNODE_POOL (self), 0);
  return self->nodes->len;
}

void
sd_snode_pool_replace (SdSnodePool *self, GPtrArray *nodes)
{
  g_return_if_fail (SD_IS_SNODE_POOL (self));

  g_ptr_array_set_size (self->nodes, 0);
  g_hash_table_remove_all (self->listed);
  for (guint i = 0; i < nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (nodes, i);

    if (!in_list (self->nodes, node))
      g_ptr_array_add (self->nodes, sd_snode_ref (node));
    g_hash_table_replace (self->listed, g_strdup (node->ed25519_hex), sd_snode_ref (node));
  }
  g_hash_table_remove_all (self->strikes);
  sd_pool_store_save (self->store, self->nodes);
  g_debug ("pool now has %u nodes", self->nodes->len);
}

SdSnode *
sd_snode_pool_pick (SdSnodePool *self, GPtrArray *exclude)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  g_autoptr(GPtrArray) healthy = g_ptr_array_new ();

  g_return_val_if_fail (SD_IS_SNODE_POOL (self), NULL);
  for (guint i = 0; i < self->nodes->len; i++) {
    SdSnode *node = g_ptr_array_index (self->nodes, i);

    if (in_list (exclude, node))
      continue;
    g_ptr_array_add (candidates, node);
    if (!g_hash_table_contains (self->strikes, node->ed25519_hex))
      g_ptr_array_add (healthy, node);
  }
  /* nodes that failed recently are used only when nothing else is left */
  if (healthy->len > 0)
    return sd_snode_ref (g_ptr_array_index (healthy, g_random_int_range (0, healthy->len)));
  if (candidates->len == 0)
    return NULL;
  return sd_snode_ref (g_ptr_array_index (candidates, g_random_int_range (0, candidates->len)));
}

SdSnode *
sd_snode_pool_lookup (SdSnodePool *self, const guint8 ed25519_pk[32])
{
  gint i = find_index (self, ed25519_pk);

  return i < 0 ? NULL : sd_snode_ref (g_ptr_array_index (self->nodes, i));
}

SdSnode *
sd_snode_pool_lookup_listed (SdSnodePool *self, const guint8 ed25519_pk[32])
{
  g_autofree gchar *hex = NULL;
  SdSnode *node;

  g_return_val_if_fail (SD_IS_SNODE_POOL (self), NULL);
  hex = sd_hex_encode (ed25519_pk, 32);
  node = g_hash_table_lookup (self->listed, hex);
  return node != NULL ? sd_snode_ref (node) : NULL;
}

gboolean
sd_snode_pool_strike (SdSnodePool *self, const SdSnode *node)
{
  guint strikes;

  g_return_val_if_fail (SD_IS_SNODE_POOL (self), FALSE);
  strikes = GPOINTER_TO_UINT (g_hash_table_lookup (self->strikes, node->ed25519_hex)) + 1;
  if (strikes < SD_SNODE_STRIKE_LIMIT) {
    g_hash_table_replace (self->strikes, g_strdup (node->ed25519_hex), GUINT_TO_POINTER (strikes));
    return FALSE;
  }
  g_debug ("dropping node %s after %u failures", node->ed25519_hex, strikes);
  sd_snode_pool_remove (self, node->keys.ed25519_pk);
  return TRUE;
}

void
sd_snode_pool_clear_strikes (SdSnodePool *self, const SdSnode *node)
{
  g_hash_table_remove (self->strikes, node->ed25519_hex);
}

void
sd_snode_pool_remove (SdSnodePool *self, const guint8 ed25519_pk[32])
{
  gint i = find_index (self, ed25519_pk);

  if (i < 0)
    return;
  g_hash_table_remove (self->strikes, ((SdSnode *) g_ptr_array_index (self->nodes, i))->ed25519_hex);
  g_ptr_array_remove_index (self->nodes, i);
  sd_pool_store_save (self->store, self->nodes);
}

GPtrArray *
sd_snode_pool_dup_nodes (SdSnodePool *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);

  for (guint i = 0; i < self->nodes->len; i++)
    g_ptr_array_add (copy, sd_snode_ref (g_ptr_array_index (self->nodes, i)));
  return copy;
}

static void
sd_snode_pool_finalize (GObject *object)
{
  SdSnodePool *self = SD_SNODE_POOL (object);

  g_clear_object (&self->store);
  g_ptr_array_unref (self->nodes);
  g_hash_table_unref (self->strikes);
  g_hash_table_unref (self->listed);
  G_OBJECT_CLASS (sd_snode_pool_parent_class)->finalize (object);
}

static void
sd_snode_pool_class_init (SdSnodePoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sd_snode_pool_finalize;
}

static void
sd_snode_pool_init (SdSnodePool *self)
{
  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_snode_unref);
  self->strikes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) sd_snode_unref);
}

SdSnodePool *
sd_snode_pool_new (SdPoolStore *store)
{
  SdSnodePool *self = g_object_new (SD_TYPE_SNODE_POOL, NULL);
  g_autoptr(GPtrArray) saved = sd_pool_store_load (store);

  self->store = g_object_ref (store);
  for (guint i = 0; i < saved->len; i++) {
    SdSnode *node = g_ptr_array_index (saved, i);

    g_ptr_array_add (self->nodes, sd_snode_ref (node));
    g_hash_table_replace (self->listed, g_strdup (node->ed25519_hex), sd_snode_ref (node));
  }
  return self;
}
