/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSender"

#include "sd-sender.h"

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-json.h"
#include "sd-wire.h"

#define RETRY_BASE_MS 1000
#define RETRY_MAX_MS (5 * 60 * 1000)

struct _SdSender {
  GObject parent_instance;

  SdNetwork *network;         /* (owned) */
  SdStore *store;             /* (owned) */
  const SdIdentity *identity; /* (unowned) */
  gchar *profile_name;        /* (owned) (nullable) */
  guint64 profile_updated;
  gboolean running;
  gboolean busy;
  guint timeout_id;
  GCancellable *cancellable;  /* (owned) */
};

enum { SIGNAL_MESSAGE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdSender, sd_sender, G_TYPE_OBJECT)

static void process (SdSender *self);

/* one store request: the same wrapped data is sent to whichever member of
 * the swarm is tried, with the store time taken when it is built */
typedef struct {
  gchar *recipient;
  gchar *data_b64;
  gint64 ttl_ms;
} StoreRequest;

static void
store_request_free (StoreRequest *request)
{
  g_free (request->recipient);
  g_free (request->data_b64);
  g_free (request);
}

static gchar *
build_store (const SdSnode *node, gint64 now, gpointer user_data)
{
  StoreRequest *request = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, "store");
  json_builder_set_member_name (builder, "params");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pubkey");
  json_builder_add_string_value (builder, request->recipient);
  json_builder_set_member_name (builder, "namespace");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, request->ttl_ms);
  json_builder_set_member_name (builder, "data");
  json_builder_add_string_value (builder, request->data_b64);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static StoreRequest *
store_request_new (SdSender *self,
                   const gchar *recipient,
                   GBytes *content,
                   guint64 sent_at,
                   gint64 ttl_ms,
                   GError **error)
{
  guint8 recipient_pk[32];
  g_autoptr(GBytes) wire = NULL;
  StoreRequest *request;

  if (!sd_session_id_parse (recipient, recipient_pk, error))
    return NULL;
  wire = sd_wire_wrap_bytes (self->identity, recipient_pk, sent_at,
                             g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                             SD_WIRE_FLAG_NONE);
  if (wire == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "could not encrypt for this recipient");
    return NULL;
  }
  request = g_new0 (StoreRequest, 1);
  request->recipient = g_strdup (recipient);
  request->data_b64 = sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                        TRUE);
  request->ttl_ms = ttl_ms;
  return request;
}

/* the hash the swarm gave the stored message, or NULL when it refused */
static const gchar *
stored_hash (guint status, JsonNode *body, gchar **reason)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  const gchar *hash = sd_json_get_string (object, "hash");

  if (status == 200 && hash != NULL)
    return hash;
  if (JSON_NODE_HOLDS_VALUE (body) && json_node_get_value_type (body) == G_TYPE_STRING)
    *reason = g_strdup_printf ("the network refused the message (%u: %s)", status,
                               json_node_get_string (body));
  else
    *reason = g_strdup_printf ("the network refused the message (%u)", status);
  return NULL;
}

typedef struct {
  SdSender *self;       /* (owned) */
  SdOutboxItem *item;   /* (owned) */
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_object_unref (job->self);
  sd_outbox_item_free (job->item);
  g_free (job);
}

static void
emit_changed (SdSender *self, SdMessage *message)
{
  if (message != NULL)
    g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, message);
}

static void
retry_or_fail (SdSender *self, SdOutboxItem *item, const gchar *reason)
{
  g_autoptr(GError) error = NULL;
  guint attempts = item->attempts + 1;
  gint64 delay = RETRY_BASE_MS;

  if (attempts >= SD_SENDER_MAX_ATTEMPTS) {
    if (item->is_sync) {
      /* the sync copy is best effort: the message itself was delivered */
      if (!sd_store_mark_synced (self->store, item->message->id, &error))
        g_warning ("could not drop a sync copy: %s", error->message);
    } else {
      g_autoptr(SdMessage) failed = sd_store_mark_failed (self->store, item->message->id, reason,
                                                          &error);

      if (failed == NULL)
        g_warning ("could not mark a message failed: %s", error->message);
      emit_changed (self, failed);
    }
    return;
  }
  for (guint i = 1; i < attempts && delay < RETRY_MAX_MS; i++)
    delay *= 2;
  delay = MIN (delay, RETRY_MAX_MS);
  if (!sd_store_outbox_reschedule (self->store, item->message->id,
                                   g_get_real_time () / 1000 + delay, reason, &error))
    g_warning ("could not reschedule a message: %s", error->message);
}

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendJob *job = user_data;
  SdSender *self = job->self;
  SdOutboxItem *item = job->item;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         NULL, &error);
  g_autofree gchar *reason = NULL;
  const gchar *hash = NULL;

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    send_job_free (job);
    return;
  }
  if (body != NULL)
    hash = stored_hash (status, body, &reason);
  else
    reason = g_strdup (error->message);

  if (hash == NULL) {
    g_debug ("store attempt %u failed: %s", item->attempts + 1, reason);
    retry_or_fail (self, item, reason);
  } else if (item->is_sync) {
    g_autoptr(GError) store_error = NULL;

    if (!sd_store_mark_synced (self->store, item->message->id, &store_error))
      g_warning ("could not finish a sync copy: %s", store_error->message);
  } else {
    g_autoptr(GError) store_error = NULL;
    g_autoptr(SdMessage) sent = sd_store_mark_sent (self->store, item->message->id, hash,
                                                    &store_error);

    if (sent == NULL)
      g_warning ("could not mark a message sent: %s", store_error->message);
    emit_changed (self, sent);
  }
  send_job_free (job);
  self->busy = FALSE;
  process (self);
}

static void
send_item (SdSender *self, SdOutboxItem *item)
{
  SdMessage *message = item->message;
  gboolean note_to_self = g_str_equal (item->recipient, self->identity->session_id);
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GError) error = NULL;
  StoreRequest *request;
  SendJob *job;

  /* the copy to our own devices names the conversation; Note to Self is
   * only ever sent that way */
  if (item->is_sync || note_to_self)
    content = sd_content_pack_text (message->body, message->sent_at, NULL, 0,
                                    message->conversation);
  else
    content = sd_content_pack_text (message->body, message->sent_at, self->profile_name,
                                    self->profile_updated, NULL);
  request = store_request_new (self, item->is_sync ? self->identity->session_id : item->recipient,
                               content, message->sent_at,
                               message->expires_at > 0
                                 ? MAX (message->expires_at - g_get_real_time () / 1000, 10000)
                                 : SD_MESSAGE_TTL_MS,
                               &error);
  if (request == NULL) {
    /* a recipient we cannot encrypt for will never work */
    g_autoptr(SdMessage) failed = sd_store_mark_failed (self->store, message->id,
                                                        error->message, NULL);

    emit_changed (self, failed);
    sd_outbox_item_free (item);
    self->busy = FALSE;
    process (self);
    return;
  }
  job = g_new0 (SendJob, 1);
  job->self = g_object_ref (self);
  job->item = item;
  sd_network_swarm_rpc_async (self->network, request->recipient, build_store, request,
                              (GDestroyNotify) store_request_free, self->cancellable, on_stored,
                              job);
}

static gboolean
on_timer (gpointer user_data)
{
  SdSender *self = user_data;

  self->timeout_id = 0;
  process (self);
  return G_SOURCE_REMOVE;
}

/* one message at a time, oldest first: the outbox order is the send order */
static void
process (SdSender *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 next = G_MAXINT64;

  if (!self->running || self->busy)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  due = sd_store_outbox_due (self->store, now, 1, &error);
  if (due == NULL) {
    g_warning ("could not read the outbox: %s", error->message);
    return;
  }
  if (due->len > 0) {
    SdOutboxItem *item = g_ptr_array_steal_index (due, 0);

    self->busy = TRUE;
    send_item (self, item);
    return;
  }
  if (sd_store_outbox_next_due (self->store, &next, NULL) && next != G_MAXINT64)
    self->timeout_id = g_timeout_add (CLAMP (next - now, 10, G_MAXINT32), on_timer, self);
}

static void
on_control_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdSender) self = user_data;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         NULL, &error);

  if (body == NULL)
    g_debug ("control message not delivered: %s", error->message);
  else if (status != 200)
    g_debug ("control message refused with status %u", status);
}

void
sd_sender_send_control (SdSender *self,
                        const gchar *recipient,
                        GBytes *content,
                        guint64 sent_at,
                        gint64 ttl_ms)
{
  g_autoptr(GError) error = NULL;
  StoreRequest *request = store_request_new (self, recipient, content, sent_at, ttl_ms, &error);

  if (request == NULL) {
    g_debug ("control message not sent: %s", error->message);
    return;
  }
  sd_network_swarm_rpc_async (self->network, request->recipient, build_store, request,
                              (GDestroyNotify) store_request_free, self->cancellable,
                              on_control_stored, g_object_ref (self));
}

void
sd_sender_set_profile (SdSender *self, const gchar *display_name, guint64 updated_seconds)
{
  g_free (self->profile_name);
  self->profile_name = g_strdup (display_name);
  self->profile_updated = updated_seconds;
}

void
sd_sender_start (SdSender *self)
{
  self->running = TRUE;
  process (self);
}

void
sd_sender_stop (SdSender *self)
{
  self->running = FALSE;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
}

void
sd_sender_kick (SdSender *self)
{
  process (self);
}

static void
sd_sender_dispose (GObject *object)
{
  sd_sender_stop (SD_SENDER (object));
  G_OBJECT_CLASS (sd_sender_parent_class)->dispose (object);
}

static void
sd_sender_finalize (GObject *object)
{
  SdSender *self = SD_SENDER (object);

  g_clear_object (&self->network);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_free (self->profile_name);
  G_OBJECT_CLASS (sd_sender_parent_class)->finalize (object);
}

static void
sd_sender_class_init (SdSenderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sd_sender_dispose;
  object_class->finalize = sd_sender_finalize;
  signals[SIGNAL_MESSAGE_CHANGED] = g_signal_new ("message-changed", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
sd_sender_init (SdSender *self)
{
  self->cancellable = g_cancellable_new ();
}

SdSender *
sd_sender_new (SdNetwork *network, SdStore *store, const SdIdentity *identity)
{
  SdSender *self = g_object_new (SD_TYPE_SENDER, NULL);

  self->network = g_object_ref (network);
  self->store = g_object_ref (store);
  self->identity = identity;
  return self;
}
