/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroupPoller"

#include "config.h"

#include "sd-group-poller.h"

#include "sd-retrieve-cursor.h"
#include "sd-storage-rpc.h"

/* immediate follow-up polls of one group whose pages say `more`, per round */
#define MAX_FOLLOW_UPS 8

struct _SdGroupPoller {
  GObject parent_instance;

  SdNetwork *network;       /* (owned) */
  SdStore *store;           /* (owned) */
  SdGroups *groups;         /* (owned) */
  guint interval_ms;
  guint timer_id;
  gboolean running;
  gboolean in_flight;
  gboolean again;           /* kicked while a round was under way */
  GPtrArray *queue;         /* (owned) group ids still to poll this round */
  GCancellable *cancellable; /* (owned) */
  GHashTable *known;        /* (owned) group ids seen, to announce new ones (invites) */
  /* group id → SdRetrieveCursors: a cursor per member of each group's swarm (docs/groups.md,
   * "Cursors") */
  GHashTable *cursors;      /* (owned) */
  gchar *follow_group;      /* (owned) (nullable) a backlog being paged … */
  gchar *follow_node;       /* (owned) (nullable) … on this member, which is asked first */
  guint follow_ups;
};

G_DEFINE_FINAL_TYPE (SdGroupPoller, sd_group_poller, G_TYPE_OBJECT)

static void poll_next (SdGroupPoller *self);

static gboolean
on_timer (gpointer user_data)
{
  SdGroupPoller *self = user_data;

  self->timer_id = 0;
  sd_group_poller_kick (self);
  return G_SOURCE_REMOVE;
}

static void
round_done (SdGroupPoller *self)
{
  self->in_flight = FALSE;
  if (!self->running)
    return;
  if (self->again) {
    self->again = FALSE;
    sd_group_poller_kick (self);
    return;
  }
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add (self->interval_ms, on_timer, self);
}

typedef struct {
  SdGroupPoller *self;  /* (owned) */
  gchar *group_id;      /* (owned) */
  SdRetrieveCursors *cursors; /* (nullable) the group's, in self->cursors, when last looked up */
} PollData;

static SdRetrieveCursors *
group_cursors (SdGroupPoller *self, const gchar *group_id)
{
  SdRetrieveCursors *cursors = g_hash_table_lookup (self->cursors, group_id);

  if (cursors == NULL) {
    cursors = sd_retrieve_cursors_new_for_group (self->store, group_id);
    g_hash_table_insert (self->cursors, g_strdup (group_id), cursors);
  }
  return cursors;
}

static gchar *
build_poll (const SdSnode *node, gint64 now_ms, gpointer user_data)
{
  PollData *data = user_data;
  /* looked up each time: a group gone meanwhile took its cursors with it */
  SdRetrieveCursors *cursors = g_hash_table_lookup (data->self->cursors, data->group_id);
  gchar *request = cursors != NULL ? sd_groups_build_poll_for (data->self->groups,
                                                               data->group_id, now_ms, cursors,
                                                               node)
                                   : NULL;

  return request != NULL ? request : g_strdup ("{}");
}

static void
poll_data_free (PollData *data)
{
  g_object_unref (data->self);
  g_free (data->group_id);
  g_free (data);
}

static void
clear_follow (SdGroupPoller *self)
{
  g_clear_pointer (&self->follow_group, g_free);
  g_clear_pointer (&self->follow_node, g_free);
  self->follow_ups = 0;
}

static void
on_polled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PollData *data = user_data;
  SdGroupPoller *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdSnode) node = NULL;
  guint status = 0;
  gboolean more = FALSE;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                          &node, &error);

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    poll_data_free (data);
    return;
  }
  /* the group may be gone (left) while the request travelled: its cursors went with it */
  data->cursors = g_hash_table_lookup (self->cursors, data->group_id);
  if (body == NULL) {
    g_debug ("polling a group failed: %s", error->message);
    if (data->cursors != NULL)
      sd_retrieve_cursors_note_failed (data->cursors, NULL);
  } else if (data->cursors == NULL || node == NULL) {
    g_debug ("polling a group: the group is gone");
  } else {
    sd_retrieve_cursors_note_failed (data->cursors, node);
    if (status == 200)
      sd_groups_apply_poll_from (self->groups, data->group_id, data->cursors, node, body,
                                 &more);
    else
      g_debug ("polling a group: status %u", status);
  }
  /* a backlog is paged on the member that served it: each member's cursor is its own */
  if (more && node != NULL) {
    gboolean same = g_strcmp0 (self->follow_group, data->group_id) == 0;
    guint follow_ups = same ? self->follow_ups + 1 : 1;

    clear_follow (self);
    self->follow_group = g_strdup (data->group_id);
    self->follow_node = g_strdup (node->ed25519_hex);
    self->follow_ups = follow_ups;
    /* a member that says `more` forever gets only so many at once; it keeps the next tick */
    if (follow_ups <= MAX_FOLLOW_UPS)
      g_ptr_array_insert (self->queue, 0, g_strdup (data->group_id));
  } else if (g_strcmp0 (self->follow_group, data->group_id) == 0) {
    clear_follow (self);
  }
  if (self->running)
    poll_next (self);
  poll_data_free (data);
}

static void
poll_next (SdGroupPoller *self)
{
  g_autofree gchar *group_id = NULL;
  g_autofree gchar *check = NULL;
  PollData *data, *done;

  while (self->queue->len > 0) {
    group_id = g_ptr_array_steal_index (self->queue, 0);
    /* pending invites and groups we cannot sign for are skipped */
    check = sd_groups_build_poll (self->groups, group_id, sd_network_now_ms (self->network));
    if (check != NULL)
      break;
    g_clear_pointer (&group_id, g_free);
  }
  if (group_id == NULL) {
    round_done (self);
    return;
  }
  data = g_new0 (PollData, 1);
  data->self = g_object_ref (self);
  data->group_id = g_strdup (group_id);
  data->cursors = group_cursors (self, group_id);
  done = g_new0 (PollData, 1);
  done->self = g_object_ref (self);
  done->group_id = g_strdup (group_id);
  /* a new request: what an earlier one carried is forgotten */
  sd_retrieve_cursors_begin (data->cursors);
  sd_network_swarm_rpc_prefer_async (self->network, group_id,
                                     g_strcmp0 (self->follow_group, group_id) == 0
                                       ? self->follow_node : NULL,
                                     build_poll, data, (GDestroyNotify) poll_data_free,
                                     self->cancellable, on_polled, done);
}

void
sd_group_poller_kick (SdGroupPoller *self)
{
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SD_IS_GROUP_POLLER (self));
  if (!self->running)
    return;
  if (self->in_flight) {
    self->again = TRUE;
    return;
  }
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->follow_ups = 0;
  groups = sd_store_list_groups (self->store, &error);
  if (groups == NULL) {
    g_warning ("listing groups: %s", error->message);
    groups = g_ptr_array_new ();
  }
  g_ptr_array_set_size (self->queue, 0);
  {
    /* a group forgotten (left, declined) is announced again if an invite brings it back */
    g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer id;

    for (guint i = 0; i < groups->len; i++)
      g_hash_table_add (present, ((SdStoreGroup *) g_ptr_array_index (groups, i))->id);
    g_hash_table_iter_init (&iter, self->known);
    while (g_hash_table_iter_next (&iter, &id, NULL))
      if (!g_hash_table_contains (present, id))
        g_hash_table_iter_remove (&iter);
    g_hash_table_iter_init (&iter, self->cursors);
    while (g_hash_table_iter_next (&iter, &id, NULL))
      if (!g_hash_table_contains (present, id))
        g_hash_table_iter_remove (&iter);
  }
  for (guint i = 0; i < groups->len; i++) {
    SdStoreGroup *group = g_ptr_array_index (groups, i);

    /* an invite arrives through the 1:1 poller, which knows nothing of groups */
    if (g_hash_table_add (self->known, g_strdup (group->id)))
      sd_groups_emit_changed (self->groups, group->id);
    if (!group->pending)
      g_ptr_array_add (self->queue, g_strdup (group->id));
  }
  self->in_flight = TRUE;
  poll_next (self);
}

void
sd_group_poller_start (SdGroupPoller *self)
{
  g_return_if_fail (SD_IS_GROUP_POLLER (self));
  if (self->running)
    return;
  self->running = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  sd_groups_resume_sending (self->groups);
  sd_group_poller_kick (self);
}

void
sd_group_poller_stop (SdGroupPoller *self)
{
  g_return_if_fail (SD_IS_GROUP_POLLER (self));
  self->running = FALSE;
  self->in_flight = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

static void
sd_group_poller_dispose (GObject *object)
{
  SdGroupPoller *self = SD_GROUP_POLLER (object);

  sd_group_poller_stop (self);
  g_clear_object (&self->network);
  g_clear_object (&self->store);
  g_clear_object (&self->groups);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->cursors, g_hash_table_unref);
  clear_follow (self);
  G_OBJECT_CLASS (sd_group_poller_parent_class)->dispose (object);
}

static void
sd_group_poller_class_init (SdGroupPollerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sd_group_poller_dispose;
}

static void
sd_group_poller_init (SdGroupPoller *self)
{
  self->queue = g_ptr_array_new_with_free_func (g_free);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cursors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) sd_retrieve_cursors_free);
}

SdGroupPoller *
sd_group_poller_new (SdNetwork *network, SdStore *store, SdGroups *groups, guint interval_ms)
{
  SdGroupPoller *self = g_object_new (SD_TYPE_GROUP_POLLER, NULL);

  self->network = g_object_ref (network);
  self->store = g_object_ref (store);
  self->groups = g_object_ref (groups);
  self->interval_ms = MAX (interval_ms, 100);
  return self;
}
