/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSender"

#include "sd-sender.h"

#include <string.h>

#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-storage-rpc.h"
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
  gboolean jobs_turn;         /* the next due job goes before the next due message */
  guint retry_base_ms;        /* the first retry's delay; each next one doubles */
  guint retry_max_ms;
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

  return sd_storage_rpc_to_string (sd_storage_rpc_store (request->recipient, 0, now,
                                                         request->ttl_ms, request->data_b64));
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
  gint64 delay = self->retry_base_ms;

  if (attempts >= SD_SENDER_MAX_ATTEMPTS) {
    if (item->is_sync) {
      /* the sync copy is best effort: the message itself was delivered */
      if (!sd_store_mark_synced (self->store, item->message->id, NULL, &error))
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
  for (guint i = 1; i < attempts && delay < self->retry_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, (gint64) self->retry_max_ms);
  if (!sd_store_outbox_reschedule (self->store, item->message->id,
                                   g_get_real_time () / 1000 + delay, reason, &error))
    g_warning ("could not reschedule a message: %s", error->message);
}

static void
delete_own_copy (SdSender *self, const gchar *hash)
{
  g_autoptr(GBytes) payload = g_bytes_new (hash, strlen (hash));
  SdJobSpec job = { SD_JOB_DELETE, self->identity->session_id, payload, 0, 0 };
  g_autoptr(GError) error = NULL;

  if (!sd_store_add_jobs (self->store, &job, 1, &error))
    g_warning ("could not queue deleting an unsent copy: %s", error->message);
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
  g_autofree gchar *hash = NULL;

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    send_job_free (job);
    return;
  }
  if (body != NULL)
    hash = sd_storage_rpc_parse_store (status, body, &error);
  if (hash == NULL)
    reason = g_strdup (error->message);

  if (hash == NULL) {
    g_debug ("store attempt %u failed: %s", item->attempts + 1, reason);
    retry_or_fail (self, item, reason);
  } else if (item->is_sync) {
    g_autoptr(GError) store_error = NULL;
    gboolean removed = FALSE;

    if (!sd_store_mark_synced (self->store, item->message->id, hash, &store_error)) {
      /* unsent while its copy was on the way: that copy goes too */
      if (sd_store_is_removed (self->store, item->message->id, &removed, NULL) && removed)
        delete_own_copy (self, hash);
      else
        g_warning ("could not finish a sync copy: %s", store_error->message);
    }
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

/* which row of the expiration table (docs/expiration-rules.md) a queued message is */
static SdOutgoingKind
outgoing_kind (const SdMessage *message)
{
  switch (message->kind) {
  case SD_MESSAGE_KIND_EXPIRATION_UPDATE:
    return SD_OUTGOING_TIMER_UPDATE;
  case SD_MESSAGE_KIND_SCREENSHOT:
  case SD_MESSAGE_KIND_MEDIA_SAVED:
    return SD_OUTGOING_DATA_EXTRACTION;
  case SD_MESSAGE_KIND_TEXT:
  default:
    return message->quote_author != NULL ? SD_OUTGOING_QUOTE : SD_OUTGOING_TEXT;
  }
}

/* the Content of @message with the fields @rule gives it; the copy to our own devices names
 * the conversation and carries no profile (§5, §6) */
static GBytes *
pack_message (SdSender *self,
              const SdMessage *message,
              const SdExpirationRule *rule,
              gboolean to_self)
{
  SdTextContent text = { 0 };

  switch (message->kind) {
  case SD_MESSAGE_KIND_EXPIRATION_UPDATE:
    return sd_content_pack_expiration_update ((guint64) message->sent_at, rule->type,
                                              rule->timer,
                                              to_self ? message->conversation : NULL);
  case SD_MESSAGE_KIND_SCREENSHOT:
    return sd_content_pack_data_extraction ((guint64) message->sent_at, 1, 0, rule->type,
                                            rule->timer);
  case SD_MESSAGE_KIND_MEDIA_SAVED:
    return sd_content_pack_data_extraction ((guint64) message->sent_at, 2,
                                            (guint64) message->quote_sent_at, rule->type,
                                            rule->timer);
  case SD_MESSAGE_KIND_TEXT:
  default:
    break;
  }
  text.body = message->body;
  text.sent_at = (guint64) message->sent_at;
  if (to_self) {
    text.sync_target = message->conversation;
  } else {
    text.profile_name = self->profile_name;
    text.profile_updated_seconds = self->profile_updated;
  }
  if (message->quote_author != NULL) {
    text.quote_id = (guint64) message->quote_sent_at;
    text.quote_author = message->quote_author;
  }
  text.expiration_type = rule->type;
  text.expiration_timer = rule->timer;
  return sd_content_pack_text_full (&text);
}

static void
send_item (SdSender *self, SdOutboxItem *item)
{
  SdMessage *message = item->message;
  gboolean note_to_self = g_str_equal (item->recipient, self->identity->session_id);
  gboolean to_self = item->is_sync || note_to_self;
  /* the message keeps the conversation's setting when it was queued */
  SdExpirationRule rule = sd_expiration_rule (outgoing_kind (message),
                                              (gint) message->expiration_mode,
                                              message->expiration_timer, to_self);
  g_autoptr(GBytes) content = pack_message (self, message, &rule, to_self);
  g_autoptr(GError) error = NULL;
  StoreRequest *request;
  SendJob *job;

  /* Note to Self is only ever sent as the copy to our own swarm */
  request = store_request_new (self, item->is_sync ? self->identity->session_id : item->recipient,
                               content, message->sent_at, rule.ttl_ms, &error);
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

/* ---- jobs: control messages and operations on our own swarm ---- */

typedef struct {
  SdSender *self;       /* (owned) */
  SdJob *job;           /* (owned) */
} JobRun;

static void
job_run_free (JobRun *run)
{
  g_object_unref (run->self);
  sd_job_free (run->job);
  g_free (run);
}

/* a signed request on our own swarm's copies: delete, or shorten their expiry */
typedef struct {
  const SdIdentity *identity;
  SdJobKind kind;
  gchar **hashes;
  gint64 expiry;
} OwnSwarmRequest;

static void
own_swarm_request_free (OwnSwarmRequest *request)
{
  g_strfreev (request->hashes);
  g_free (request);
}

static gchar *
build_own_swarm (const SdSnode *node, gint64 now, gpointer user_data)
{
  OwnSwarmRequest *request = user_data;
  const gchar *const *hashes = (const gchar *const *) request->hashes;

  if (request->kind == SD_JOB_EXPIRE)
    return sd_storage_rpc_to_string (sd_storage_rpc_expire (request->identity, hashes,
                                                            request->expiry, TRUE));
  return sd_storage_rpc_to_string (sd_storage_rpc_delete (request->identity, hashes));
}

static void
job_finished (SdSender *self, SdJob *job, const gchar *failure)
{
  g_autoptr(GError) error = NULL;

  if (failure == NULL)
    g_debug ("network job done: %s", sd_job_kind_to_string (job->kind));
  if (failure == NULL || job->attempts + 1 >= SD_SENDER_MAX_ATTEMPTS) {
    if (failure != NULL)
      g_warning ("gave up a network job after %u attempts: %s", job->attempts + 1, failure);
    if (!sd_store_job_done (self->store, job->id, &error))
      g_warning ("could not finish a network job: %s", error->message);
  } else {
    gint64 delay = self->retry_base_ms;

    for (guint i = 0; i < job->attempts && delay < self->retry_max_ms; i++)
      delay *= 2;
    g_debug ("network job attempt %u failed: %s", job->attempts + 1, failure);
    if (!sd_store_job_reschedule (self->store, job->id,
                                  g_get_real_time () / 1000 +
                                    MIN (delay, (gint64) self->retry_max_ms), &error))
      g_warning ("could not reschedule a network job: %s", error->message);
  }
}

static void
on_job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JobRun *run = user_data;
  SdSender *self = run->self;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         NULL, &error);
  g_autofree gchar *failure = NULL;

  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    job_run_free (run);
    return;
  }
  if (body == NULL)
    failure = g_strdup (error->message);
  else if (status != 200)
    failure = g_strdup_printf ("the network answered %u", status);
  job_finished (self, run->job, failure);
  job_run_free (run);
  self->busy = FALSE;
  process (self);
}

static void
run_job (SdSender *self, SdJob *job)
{
  JobRun *run = g_new0 (JobRun, 1);
  g_autoptr(GError) error = NULL;

  run->self = g_object_ref (self);
  run->job = job;
  if (job->kind == SD_JOB_STORE) {
    StoreRequest *request = store_request_new (self, job->target, job->payload,
                                               (guint64) job->sent_at, job->value, &error);

    if (request == NULL) {
      /* it never will work: drop it */
      job->attempts = SD_SENDER_MAX_ATTEMPTS;
      job_finished (self, job, error->message);
      job_run_free (run);
      self->busy = FALSE;
      process (self);
      return;
    }
    sd_network_swarm_rpc_async (self->network, request->recipient, build_store, request,
                                (GDestroyNotify) store_request_free, self->cancellable,
                                on_job_done, run);
  } else {
    OwnSwarmRequest *request = g_new0 (OwnSwarmRequest, 1);
    g_autofree gchar *hashes = g_strndup (g_bytes_get_data (job->payload, NULL),
                                          g_bytes_get_size (job->payload));

    request->identity = self->identity;
    request->kind = job->kind;
    request->hashes = g_strsplit (hashes, "\n", -1);
    request->expiry = job->value;
    sd_network_swarm_rpc_async (self->network, self->identity->session_id, build_own_swarm,
                                request, (GDestroyNotify) own_swarm_request_free,
                                self->cancellable, on_job_done, run);
  }
}

/* one message at a time, oldest first: the outbox order is the send order */
static void
process (SdSender *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 next = G_MAXINT64;
  gint64 next_job = G_MAXINT64;

  if (!self->running || self->busy)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  due = sd_store_outbox_due (self->store, now, 1, &error);
  jobs = due != NULL ? sd_store_jobs_due (self->store, now, 1, &error) : NULL;
  if (due == NULL || jobs == NULL) {
    g_warning ("could not read the outbox: %s", error->message);
    return;
  }
  /* messages and jobs take turns, so neither a burst of sends nor of reactions holds up the
   * other */
  if (due->len > 0 && (jobs->len == 0 || !self->jobs_turn)) {
    self->busy = TRUE;
    self->jobs_turn = TRUE;
    send_item (self, g_ptr_array_steal_index (due, 0));
    return;
  }
  if (jobs->len > 0) {
    self->busy = TRUE;
    self->jobs_turn = FALSE;
    run_job (self, g_ptr_array_steal_index (jobs, 0));
    return;
  }
  if (!sd_store_outbox_next_due (self->store, &next, NULL))
    next = G_MAXINT64;
  if (sd_store_jobs_next_due (self->store, &next_job, NULL))
    next = MIN (next, next_job);
  if (next != G_MAXINT64)
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
                        SdOutgoingKind kind)
{
  g_autoptr(GError) error = NULL;
  /* control messages carry no expiration: only their TTL comes from the table */
  gint64 ttl_ms = sd_expiration_rule (kind, 0, 0, FALSE).ttl_ms;
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
sd_sender_set_retry_delays (SdSender *self, guint base_ms, guint max_ms)
{
  g_return_if_fail (SD_IS_SENDER (self));
  self->retry_base_ms = MAX (base_ms, 1);
  self->retry_max_ms = MAX (max_ms, self->retry_base_ms);
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
  self->retry_base_ms = RETRY_BASE_MS;
  self->retry_max_ms = RETRY_MAX_MS;
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
