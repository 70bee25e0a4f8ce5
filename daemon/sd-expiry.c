/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdExpiry"

#include "sd-expiry.h"

/* at least this much later than due, so a burst of expiries goes in one transaction */
#define EXPIRY_SLACK_MS 50

struct _SdExpiry {
  GObject parent_instance;

  SdStore *store;     /* (owned) */
  guint timer_id;     /* the next disappearing message's timer, 0 when none is due */
};

enum { SIGNAL_REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdExpiry, sd_expiry, G_TYPE_OBJECT)

/* our own clock, never the network's: expiries are stored in the senders' network time, but
 * whether one is due is decided here, so no node's `t` can make everything disappear at once
 * (issue 14) */
static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gboolean
on_timer (gpointer user_data)
{
  SdExpiry *self = user_data;

  self->timer_id = 0;
  sd_expiry_run_now (self);
  return G_SOURCE_REMOVE;
}

void
sd_expiry_run_now (SdExpiry *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) removed = NULL;

  g_return_if_fail (SD_IS_EXPIRY (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
  removed = sd_store_remove_expired (self->store, now_ms (), &error);
  if (removed == NULL) {
    g_warning ("could not remove expired messages: %s", error->message);
    return;
  }
  if (removed->len > 0) {
    g_debug ("%u messages disappeared", removed->len);
    g_signal_emit (self, signals[SIGNAL_REMOVED], 0, removed);
  }
  sd_expiry_schedule (self);
}

void
sd_expiry_schedule (SdExpiry *self)
{
  g_autoptr(GError) error = NULL;
  gint64 next = G_MAXINT64;

  g_return_if_fail (SD_IS_EXPIRY (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (!sd_store_next_expiry (self->store, &next, &error)) {
    g_warning ("could not find the next message to disappear: %s", error->message);
    return;
  }
  if (next == G_MAXINT64)
    return;
  self->timer_id = g_timeout_add (CLAMP (next - now_ms (), 0, G_MAXINT32 / 2) +
                                    EXPIRY_SLACK_MS,
                                  on_timer, self);
}

static void
sd_expiry_dispose (GObject *object)
{
  SdExpiry *self = SD_EXPIRY (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (sd_expiry_parent_class)->dispose (object);
}

static void
sd_expiry_class_init (SdExpiryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sd_expiry_dispose;
  signals[SIGNAL_REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          1, G_TYPE_PTR_ARRAY);
}

static void
sd_expiry_init (SdExpiry *self)
{
}

SdExpiry *
sd_expiry_new (SdStore *store)
{
  SdExpiry *self;

  g_return_val_if_fail (SD_IS_STORE (store), NULL);

  self = g_object_new (SD_TYPE_EXPIRY, NULL);
  self->store = g_object_ref (store);
  return self;
}
