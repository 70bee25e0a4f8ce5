/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sessiond-client"

#include "config.h"

#include "sessiond-private.h"

/**
 * SessiondReaction:
 *
 * The reactions to a message with one emoji: how many reacted and whether
 * we are among them. Get them from [method@Message.get_reactions]; they
 * never change.
 *
 * Since: 0.1
 */
struct _SessiondReaction {
  gatomicrefcount ref_count;
  gchar *emoji;  /* (owned) */
  guint count;
  gboolean reacted_by_me;
};

G_DEFINE_BOXED_TYPE (SessiondReaction, sessiond_reaction, sessiond_reaction_ref,
                     sessiond_reaction_unref)

SessiondReaction *
sessiond_reaction_new (const gchar *emoji, guint count, gboolean reacted_by_me)
{
  SessiondReaction *self = g_new0 (SessiondReaction, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->emoji = g_strdup (emoji);
  self->count = count;
  self->reacted_by_me = reacted_by_me;
  return self;
}

/* the a(sub) of the message dictionary's "reactions" as SessiondReactions,
 * in the daemon's order */
GPtrArray *
sessiond_reactions_from_variant (GVariant *list)
{
  GPtrArray *reactions = g_ptr_array_new_with_free_func ((GDestroyNotify) sessiond_reaction_unref);
  GVariantIter iter;
  const gchar *emoji;
  guint32 count;
  gboolean mine;

  if (list == NULL || !g_variant_is_of_type (list, G_VARIANT_TYPE ("a(sub)")))
    return reactions;
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&sub)", &emoji, &count, &mine))
    g_ptr_array_add (reactions, sessiond_reaction_new (emoji, count, mine));
  return reactions;
}

/**
 * sessiond_reaction_ref:
 * @self: a reaction
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
SessiondReaction *
sessiond_reaction_ref (SessiondReaction *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * sessiond_reaction_unref:
 * @self: (transfer full): a reaction
 *
 * Drops a reference; the last one frees @self.
 *
 * Since: 0.1
 */
void
sessiond_reaction_unref (SessiondReaction *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->emoji);
  g_free (self);
}

/**
 * sessiond_reaction_get_emoji:
 * @self: a reaction
 *
 * Gets the emoji.
 *
 * Returns: the emoji
 *
 * Since: 0.1
 */
const gchar *
sessiond_reaction_get_emoji (SessiondReaction *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->emoji;
}

/**
 * sessiond_reaction_get_count:
 * @self: a reaction
 *
 * Tells how many reacted with this emoji, us included.
 *
 * Returns: how many reacted with this emoji, us included
 *
 * Since: 0.1
 */
guint
sessiond_reaction_get_count (SessiondReaction *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->count;
}

/**
 * sessiond_reaction_get_reacted_by_me:
 * @self: a reaction
 *
 * Tells whether we reacted with this emoji.
 *
 * Returns: whether we reacted with this emoji
 *
 * Since: 0.1
 */
gboolean
sessiond_reaction_get_reacted_by_me (SessiondReaction *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->reacted_by_me;
}
