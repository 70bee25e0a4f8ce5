/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A GListModel of one conversation's messages, oldest first, that pages
 * backwards through GetMessages as the view scrolls up: it never asks for
 * everything. New, changed and removed messages come from the
 * conversation's signals. */
#define G_LOG_DOMAIN "SaMessageModel"

#include "config.h"

#include "sa-message-model.h"

struct _SaMessageModel {
  GObject parent_instance;

  SessiondConversation *conversation; /* (owned) */
  GPtrArray *items;                   /* (owned) SessiondMessage*, oldest first */
  GHashTable *ids;                    /* (owned) message id -> (unowned) SessiondMessage* */
  GCancellable *cancellable;          /* (owned) */
  gboolean loading;
  gboolean complete;
  guint pages;
};

enum { PROP_0, PROP_LOADING, PROP_COMPLETE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SaMessageModel, sa_message_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return SESSIOND_TYPE_MESSAGE;
}

static guint
get_n_items (GListModel *model)
{
  return SA_MESSAGE_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  SaMessageModel *self = SA_MESSAGE_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gint64
sent_at (SessiondMessage *message)
{
  return sessiond_message_get_sent_at (message);
}

static gboolean
find (SaMessageModel *self, const gchar *id, guint *position)
{
  SessiondMessage *message = g_hash_table_lookup (self->ids, id);

  if (message == NULL)
    return FALSE;
  return g_ptr_array_find (self->items, message, position);
}

/* where a message sent at @ms goes: after every message sent at or before
 * it, searched from the end since new messages are the common case */
static guint
insertion_point (SaMessageModel *self, gint64 ms)
{
  guint i = self->items->len;

  while (i > 0 && sent_at (g_ptr_array_index (self->items, i - 1)) > ms)
    i--;
  return i;
}

static void
notify_neighbour (SaMessageModel *self, guint position)
{
  /* a row shows its day heading by looking at the one before it */
  if (position < self->items->len)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
on_message_added (SessiondConversation *conversation, SessiondMessage *message,
                  SaMessageModel *self)
{
  guint position;

  if (g_hash_table_contains (self->ids, sessiond_message_get_id (message)))
    return;
  position = insertion_point (self, sent_at (message));
  g_ptr_array_insert (self->items, position, g_object_ref (message));
  g_hash_table_insert (self->ids, g_strdup (sessiond_message_get_id (message)), message);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  notify_neighbour (self, position + 1);
}

static void
on_message_changed (SessiondConversation *conversation, const gchar *id, GVariant *changes,
                    SaMessageModel *self)
{
  guint position;
  SessiondMessage *old;
  SessiondMessage *updated;

  if (!find (self, id, &position))
    return;
  old = g_ptr_array_index (self->items, position);
  updated = sessiond_message_copy_with_changes (old, changes);
  g_hash_table_insert (self->ids, g_strdup (id), updated);
  /* the array owns the old one: replacing the slot frees it */
  g_ptr_array_index (self->items, position) = updated;
  g_object_unref (old);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
on_message_removed (SessiondConversation *conversation, const gchar *id, SaMessageModel *self)
{
  guint position;

  if (!find (self, id, &position))
    return;
  g_hash_table_remove (self->ids, id);
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  notify_neighbour (self, position);
}

static void
on_newest_page (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaMessageModel) self = user_data;
  g_autoptr(GPtrArray) page = sessiond_conversation_get_messages_finish (
    SESSIOND_CONVERSATION (source), result, NULL);

  for (guint i = 0; page != NULL && i < page->len; i++)
    on_message_added (SESSIOND_CONVERSATION (source), g_ptr_array_index (page, i), self);
}

/* messages caught up on come without message-added each: take the newest page again */
static void
on_history_added (SessiondConversation *conversation, guint n_messages, SaMessageModel *self)
{
  sessiond_conversation_get_messages_async (conversation, 0, 0, SA_MESSAGE_PAGE,
                                            self->cancellable, on_newest_page,
                                            g_object_ref (self));
}

static void
set_loading (SaMessageModel *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
}

static void
on_page (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaMessageModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) fresh = g_ptr_array_new ();

  page = sessiond_conversation_get_messages_finish (SESSIOND_CONVERSATION (source), result,
                                                    &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_loading (self, FALSE);
  if (page == NULL) {
    g_warning ("could not load messages: %s", error->message);
    return;
  }
  self->pages++;
  /* the page is newest first; keep only what we do not hold yet (the
   * bound is inclusive, see load_older) */
  for (guint i = page->len; i > 0; i--) {
    SessiondMessage *message = g_ptr_array_index (page, i - 1);

    if (!g_hash_table_contains (self->ids, sessiond_message_get_id (message)))
      g_ptr_array_add (fresh, message);
  }
  if (page->len < SA_MESSAGE_PAGE || fresh->len == 0) {
    self->complete = TRUE;
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLETE]);
  }
  if (fresh->len == 0)
    return;
  for (guint i = 0; i < fresh->len; i++) {
    SessiondMessage *message = g_ptr_array_index (fresh, i);

    g_ptr_array_insert (self->items, i, g_object_ref (message));
    g_hash_table_insert (self->ids, g_strdup (sessiond_message_get_id (message)), message);
  }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, fresh->len);
  notify_neighbour (self, fresh->len);
}

/**
 * sa_message_model_load_older:
 *
 * Asks for the page before the oldest message held. Does nothing while a
 * page is on its way or when the start of the conversation is reached.
 */
void
sa_message_model_load_older (SaMessageModel *self)
{
  gint64 before = 0;

  g_return_if_fail (SA_IS_MESSAGE_MODEL (self));
  if (self->loading || self->complete)
    return;
  /* one past the oldest: messages sent in the same millisecond are not
   * skipped, and the ones we hold are dropped from the page */
  if (self->items->len > 0)
    before = sent_at (g_ptr_array_index (self->items, 0)) + 1;
  set_loading (self, TRUE);
  sessiond_conversation_get_messages_async (self->conversation, before, 0, SA_MESSAGE_PAGE,
                                            self->cancellable, on_page, g_object_ref (self));
}

SessiondConversation *
sa_message_model_get_conversation (SaMessageModel *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_MODEL (self), NULL);
  return self->conversation;
}

gboolean
sa_message_model_get_complete (SaMessageModel *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_MODEL (self), FALSE);
  return self->complete;
}

gboolean
sa_message_model_get_loading (SaMessageModel *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_MODEL (self), FALSE);
  return self->loading;
}

guint
sa_message_model_get_pages_loaded (SaMessageModel *self)
{
  g_return_val_if_fail (SA_IS_MESSAGE_MODEL (self), 0);
  return self->pages;
}

static void
sa_message_model_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaMessageModel *self = SA_MESSAGE_MODEL (object);

  switch (prop_id) {
  case PROP_LOADING:
    g_value_set_boolean (value, self->loading);
    break;
  case PROP_COMPLETE:
    g_value_set_boolean (value, self->complete);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
sa_message_model_dispose (GObject *object)
{
  SaMessageModel *self = SA_MESSAGE_MODEL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_object (&self->conversation);
  G_OBJECT_CLASS (sa_message_model_parent_class)->dispose (object);
}

static void
sa_message_model_finalize (GObject *object)
{
  SaMessageModel *self = SA_MESSAGE_MODEL (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->ids);
  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (sa_message_model_parent_class)->finalize (object);
}

static void
sa_message_model_class_init (SaMessageModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sa_message_model_get_property;
  object_class->dispose = sa_message_model_dispose;
  object_class->finalize = sa_message_model_finalize;

  props[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
sa_message_model_init (SaMessageModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

/**
 * sa_message_model_new:
 *
 * Returns: (transfer full): a model of @conversation's messages; it loads
 *   the newest page at once
 */
SaMessageModel *
sa_message_model_new (SessiondConversation *conversation)
{
  SaMessageModel *self = g_object_new (SA_TYPE_MESSAGE_MODEL, NULL);

  self->conversation = g_object_ref (conversation);
  g_signal_connect (conversation, "message-added", G_CALLBACK (on_message_added), self);
  g_signal_connect (conversation, "message-changed", G_CALLBACK (on_message_changed), self);
  g_signal_connect (conversation, "message-removed", G_CALLBACK (on_message_removed), self);
  g_signal_connect (conversation, "history-added", G_CALLBACK (on_history_added), self);
  sa_message_model_load_older (self);
  return self;
}
