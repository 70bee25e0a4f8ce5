/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdSender"

#include "sd-sender.h"

#include <string.h>

#include "sd-backoff.h"
#include "sd-content.h"
#include "sd-encoding.h"
#include "sd-storage-rpc.h"
#include "sd-wire.h"

#define RETRY_BASE_MS 1000
#define RETRY_MAX_MS (5 * 60 * 1000)
/* outbox items in flight at once, in all and per conversation: each store is an onion request
 * of tens of ms, mostly waiting, so several overlap; and items for the same swarm that start
 * together go as one `batch` request (one onion request instead of several: the onion layers
 * are most of a store's CPU). SESSIOND_SENDER_IN_FLIGHT=N sets the total, and
 * SESSIOND_SENDER_BATCH=N the batch size (both 1 = one at a time, as before; benchmarks
 * compare) */
#define MAX_IN_FLIGHT 48
#define MAX_PER_CONVERSATION 40
#define MAX_BATCH 20    /* storage servers take up to 20 sub-requests (BATCH_REQUEST_MAX) */
/* a batch also stops growing at this size of wrapped data, well below a node's 10 MB body */
#define MAX_BATCH_BYTES (1024 * 1024)
/* how far past the items in flight process() looks for due ones it may start */
#define DUE_LOOKAHEAD 64
/* Items for a swarm that already has a request on its way wait for it (or until they fill a
 * batch), then go together: as Nagle's algorithm does for TCP segments. A lone message still
 * goes at once; under a steady stream each request carries what came in during the one before,
 * so batches grow with the rate, not with how busy the machine is. A request that takes longer
 * than this (a slow or failing path) no longer holds the next one back. */
#define GATHER_MAX_MS 1000
/* and while a swarm's stores come in a stream (its last request carried more than one), it gets
 * at most one request that is not a full batch per this interval: on an idle machine a store
 * comes back in a few ms, too soon for much to gather behind it. A message after a pause, or
 * one sent only after the one before it was stored, still goes at once; one of a stream waits
 * this long at most */
#define GATHER_INTERVAL_MS 100

struct _SdSender {
  GObject parent_instance;

  SdNetwork *network;         /* (owned) */
  SdStore *store;             /* (owned) */
  const SdIdentity *identity; /* (unowned) */
  gchar *profile_name;        /* (owned) (nullable) */
  gchar *avatar_url;          /* (owned) (nullable) */
  GBytes *profile_key;        /* (owned) (nullable) */
  guint64 profile_updated;
  gboolean running;
  gboolean job_busy;          /* jobs go one at a time, beside the messages */
  guint max_in_flight;
  guint max_per_conversation;
  guint max_batch;
  guint gather_max_ms;        /* GATHER_MAX_MS; 0: nothing waits */
  guint gather_interval_ms;   /* GATHER_INTERVAL_MS */
  GPtrArray *flights;         /* (element-type Flight) (owned) outbox items sent and not yet
                               * committed as done or rescheduled */
  GPtrArray *finished;        /* (element-type Flight) (unowned) stored, waiting for flush() */
  GPtrArray *requests;        /* (element-type SendJob) (unowned) store requests on their way */
  GHashTable *last_request;   /* (element-type utf8 LastRequest) swarm → its last request,
                               * while that is less than the interval ago */
  guint flush_id;
  guint retry_base_ms;        /* the first retry's delay; each next one doubles */
  guint retry_max_ms;
  guint timeout_id;
  GCancellable *cancellable;  /* (owned) */
};

enum { SIGNAL_MESSAGE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdSender, sd_sender, G_TYPE_OBJECT)

static void process (SdSender *self);

/* one store request, or a batch of stores to the same swarm: the same wrapped data is sent to
 * whichever member of the swarm is tried, with the store time taken when it is built */
typedef struct {
  gchar *recipient;     /* whose swarm */
  GPtrArray *data_b64;  /* (element-type utf8) one store each */
  GArray *ttl_ms;       /* (element-type gint64) */
  gsize bytes;          /* of data_b64, in all */
} StoreRequest;

static void
store_request_free (StoreRequest *request)
{
  g_free (request->recipient);
  g_ptr_array_unref (request->data_b64);
  g_array_unref (request->ttl_ms);
  g_free (request);
}

/* a lone store goes as itself (as it always did); several as one `batch` (§4.8) */
static gchar *
build_store (const SdSnode *node, gint64 now, gpointer user_data)
{
  StoreRequest *request = user_data;
  guint n = request->data_b64->len;
  g_autofree JsonNode **stores = g_new0 (JsonNode *, n);

  for (guint i = 0; i < n; i++)
    stores[i] = sd_storage_rpc_store (request->recipient, 0, now,
                                      g_array_index (request->ttl_ms, gint64, i),
                                      g_ptr_array_index (request->data_b64, i));
  if (n == 1)
    return sd_storage_rpc_to_string (stores[0]);
  return sd_storage_rpc_to_string (sd_storage_rpc_batch (stores, n));
}

static StoreRequest *
store_request_empty (const gchar *recipient)
{
  StoreRequest *request = g_new0 (StoreRequest, 1);

  request->recipient = g_strdup (recipient);
  request->data_b64 = g_ptr_array_new_with_free_func (g_free);
  request->ttl_ms = g_array_new (FALSE, FALSE, sizeof (gint64));
  return request;
}

/* wraps @content for request->recipient and adds it as one more store */
static gboolean
store_request_add (SdSender *self,
                   StoreRequest *request,
                   GBytes *content,
                   guint64 sent_at,
                   gint64 ttl_ms,
                   GError **error)
{
  guint8 recipient_pk[32];
  g_autoptr(GBytes) wire = NULL;

  if (!sd_session_id_parse (request->recipient, recipient_pk, error))
    return FALSE;
  wire = sd_wire_wrap_bytes (self->identity, recipient_pk, sent_at,
                             g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                             SD_WIRE_FLAG_NONE);
  if (wire == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "could not encrypt for this recipient");
    return FALSE;
  }
  g_ptr_array_add (request->data_b64,
                   sd_base64_encode (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                                     TRUE));
  request->bytes += strlen (g_ptr_array_index (request->data_b64, request->data_b64->len - 1));
  g_array_append_val (request->ttl_ms, ttl_ms);
  return TRUE;
}

static StoreRequest *
store_request_new (SdSender *self,
                   const gchar *recipient,
                   GBytes *content,
                   guint64 sent_at,
                   gint64 ttl_ms,
                   GError **error)
{
  StoreRequest *request = store_request_empty (recipient);

  if (!store_request_add (self, request, content, sent_at, ttl_ms, error)) {
    store_request_free (request);
    return NULL;
  }
  return request;
}

/* one outbox item from the moment its store starts until its outcome is committed; while it
 * exists the item is not started again */
typedef struct {
  SdOutboxItem *item;   /* (owned) */
  gboolean barrier;     /* a timer update: nothing else of its conversation is in flight */
  gchar *hash;          /* (owned) (nullable) set once the store succeeded */
} Flight;

static void
flight_free (Flight *flight)
{
  sd_outbox_item_free (flight->item);
  g_free (flight->hash);
  g_free (flight);
}

/* when the last request to a swarm started, and how many stores it carried */
typedef struct {
  gint64 started_us;    /* monotonic */
  guint n_stores;
} LastRequest;

/* one store request on its way: the flights it carries, in the order of its stores */
typedef struct {
  SdSender *self;       /* (owned) */
  GPtrArray *flights;   /* (element-type Flight) (unowned) in self->flights */
  gchar *destination;   /* (owned) whose swarm */
  gint64 started_us;    /* monotonic */
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_ptr_array_remove_fast (job->self->requests, job);
  g_object_unref (job->self);
  g_ptr_array_unref (job->flights);
  g_free (job->destination);
  g_free (job);
}

static void
flight_remove (SdSender *self, Flight *flight)
{
  g_ptr_array_remove (self->finished, flight);
  g_ptr_array_remove_fast (self->flights, flight);
}

static void
emit_changed (SdSender *self, SdMessage *message)
{
  if (message != NULL)
    g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, message);
}

/* the pause before the next attempt after @failed attempts: doubling from the base, capped */
static gint64
retry_delay_ms (SdSender *self, guint failed)
{
  return sd_backoff_delay (self->retry_base_ms, self->retry_max_ms, failed);
}

static void
retry_or_fail (SdSender *self, SdOutboxItem *item, const gchar *reason)
{
  g_autoptr(GError) error = NULL;
  guint attempts = item->attempts + 1;

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
  if (!sd_store_outbox_reschedule (self->store, item->message->id,
                                   g_get_real_time () / 1000 + retry_delay_ms (self, attempts),
                                   reason, &error))
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

static void flush (SdSender *self, gboolean tell);

static gboolean
on_flush (gpointer user_data)
{
  SdSender *self = user_data;

  self->flush_id = 0;
  flush (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* the hash store @i of @job got, or NULL with @error */
static gchar *
stored_hash (SendJob *job, guint i, guint status, JsonNode *body, GError **error)
{
  gint64 code = 0;
  JsonNode *sub = NULL;

  if (job->flights->len == 1 || status != 200)
    return sd_storage_rpc_parse_store (status, body, error);
  if (!sd_storage_rpc_batch_result (body, i, &code, &sub)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "the batch answer has no result %u", i);
    return NULL;
  }
  return sd_storage_rpc_parse_store ((guint) CLAMP (code, 0, G_MAXUINT), sub, error);
}

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SendJob *job = user_data;
  SdSender *self = job->self;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         NULL, &error);
  gboolean any_failed = FALSE;

  /* no longer holds back the next request to its swarm (gather_until()) */
  g_ptr_array_remove_fast (self->requests, job);
  if (body == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    send_job_free (job);
    return;
  }
  for (guint i = 0; i < job->flights->len; i++) {
    Flight *flight = g_ptr_array_index (job->flights, i);
    g_autoptr(GError) store_error = NULL;
    g_autofree gchar *hash = NULL;

    if (body != NULL)
      hash = stored_hash (job, i, status, body, &store_error);
    else
      store_error = g_error_copy (error);
    if (hash == NULL) {
      /* each store of a batch is retried on its own */
      g_debug ("store attempt %u failed: %s", flight->item->attempts + 1, store_error->message);
      retry_or_fail (self, flight->item, store_error->message);
      flight_remove (self, flight);
      any_failed = TRUE;
      continue;
    }
    /* stores that finish in the same main-loop iteration are committed together, in flush();
     * a crash before that commit sends the item again under the same T (a second copy in the
     * swarm, which receivers drop by author and T) */
    flight->hash = g_steal_pointer (&hash);
    g_ptr_array_add (self->finished, flight);
  }
  if (self->finished->len > 0 && self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_flush, self, NULL);
  /* while the job still holds the sender */
  if (any_failed)
    process (self);
  send_job_free (job);
}

/* commits the finished stores in one transaction, then (@tell) tells about them and starts
 * what may follow */
static void
flush (SdSender *self, gboolean tell)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) finished = g_steal_pointer (&self->finished);
  g_autofree SdOutboxDone *done = g_new0 (SdOutboxDone, MAX (finished->len, 1));
  gboolean batched;

  self->finished = g_ptr_array_new ();
  for (guint i = 0; i < finished->len; i++) {
    Flight *flight = g_ptr_array_index (finished, i);

    done[i].message_id = flight->item->message->id;
    done[i].is_sync = flight->item->is_sync;
    done[i].server_hash = flight->hash;
  }
  batched = sd_store_outbox_done (self->store, done, finished->len, &error);
  if (!batched)
    g_debug ("could not commit %u stores together, one at a time: %s", finished->len,
             error->message);
  for (guint i = 0; i < finished->len; i++) {
    Flight *flight = g_ptr_array_index (finished, i);
    g_autoptr(SdMessage) sent = g_steal_pointer (&done[i].message);
    g_autoptr(GError) item_error = g_steal_pointer (&done[i].error);

    if (!batched) {
      if (flight->item->is_sync)
        sd_store_mark_synced (self->store, done[i].message_id, flight->hash, &item_error);
      else
        sent = sd_store_mark_sent (self->store, done[i].message_id, flight->hash, &item_error);
    }
    if (flight->item->is_sync && item_error != NULL) {
      gboolean removed = FALSE;

      /* unsent while its copy was on the way: that copy goes too */
      if (sd_store_is_removed (self->store, done[i].message_id, &removed, NULL) && removed)
        delete_own_copy (self, flight->hash);
      else
        g_warning ("could not finish a sync copy: %s", item_error->message);
    } else if (item_error != NULL) {
      g_warning ("could not mark a message sent: %s", item_error->message);
    }
    if (tell)
      emit_changed (self, sent);
    g_ptr_array_remove_fast (self->flights, flight);
  }
  if (tell)
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
  g_autoptr(GPtrArray) attachments = NULL;

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
    text.profile_picture = self->avatar_url;
    text.profile_key = self->profile_key;
  }
  if (message->quote_author != NULL) {
    text.quote_id = (guint64) message->quote_sent_at;
    text.quote_author = message->quote_author;
  }
  text.expiration_type = rule->type;
  text.expiration_timer = rule->timer;
  /* uploaded before the message became due (sd-attachments.c) */
  attachments = sd_store_attachment_pointers (self->store, message->local_id, NULL);
  if (attachments != NULL && attachments->len > 0)
    text.attachments = attachments;
  return sd_content_pack_text_full (&text);
}

/* the swarm @item goes to: sync copies go to our own, and so does Note to Self (its recipient
 * is us), which is only ever sent as that copy */
static const gchar *
destination (SdSender *self, const SdOutboxItem *item)
{
  return item->is_sync ? self->identity->session_id : item->recipient;
}

/* adds @item's store to @request (which goes to its destination) as a new flight, or marks it
 * failed at once when it can never work; FALSE then */
static gboolean
add_item (SdSender *self, StoreRequest *request, GPtrArray *flights, SdOutboxItem *item)
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
  Flight *flight;

  if (!store_request_add (self, request, content, message->sent_at, rule.ttl_ms, &error)) {
    /* a recipient we cannot encrypt for will never work */
    g_autoptr(SdMessage) failed = sd_store_mark_failed (self->store, message->id,
                                                        error->message, NULL);

    emit_changed (self, failed);
    sd_outbox_item_free (item);
    return FALSE;
  }
  flight = g_new0 (Flight, 1);
  flight->item = item;
  flight->barrier = message->kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE;
  g_ptr_array_add (self->flights, flight);
  g_ptr_array_add (flights, flight);
  return TRUE;
}

/* sends @request, which carries @flights, unless it is empty */
static void
request_send (SdSender *self, StoreRequest *request, GPtrArray *flights)
{
  SendJob *job;
  LastRequest *last;

  if (flights->len == 0) {
    store_request_free (request);
    return;
  }
  job = g_new0 (SendJob, 1);
  job->self = g_object_ref (self);
  job->flights = g_ptr_array_ref (flights);
  job->destination = g_strdup (request->recipient);
  job->started_us = g_get_monotonic_time ();
  g_ptr_array_add (self->requests, job);
  last = g_new (LastRequest, 1);
  last->started_us = job->started_us;
  last->n_stores = flights->len;
  g_hash_table_insert (self->last_request, g_strdup (job->destination), last);
  /* bench_exchange.py counts these lines (stores per request) */
  g_debug ("store request: %u stores", flights->len);
  sd_network_swarm_rpc_async (self->network, request->recipient, build_store, request,
                              (GDestroyNotify) store_request_free, self->cancellable, on_stored,
                              job);
}

/* starts @items (brief rows, taken) for @to: read whole, wrapped, and sent as one request, or
 * more when they outgrow MAX_BATCH_BYTES */
static void
start_batch (SdSender *self, const gchar *destination, SdOutboxItem **items, guint n_items)
{
  /* @destination may be an item's, which add_item() may free */
  g_autofree gchar *to = g_strdup (destination);
  StoreRequest *request = store_request_empty (to);
  g_autoptr(GPtrArray) flights = g_ptr_array_new ();

  for (guint i = 0; i < n_items; i++) {
    SdOutboxItem *item = g_steal_pointer (&items[i]);
    g_autoptr(GError) error = NULL;

    if (!sd_store_outbox_item_complete (self->store, item, &error)) {
      /* gone meanwhile (unsent, its conversation deleted): nothing to send */
      g_debug ("could not read an outbox item: %s", error->message);
      sd_outbox_item_free (item);
      continue;
    }
    add_item (self, request, flights, item);
    if (request->bytes >= MAX_BATCH_BYTES && i + 1 < n_items) {
      request_send (self, request, flights);
      request = store_request_empty (to);
      g_ptr_array_unref (flights);
      flights = g_ptr_array_new ();
    }
  }
  request_send (self, request, flights);
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
    g_debug ("network job attempt %u failed: %s", job->attempts + 1, failure);
    if (!sd_store_job_reschedule (self->store, job->id,
                                  g_get_real_time () / 1000 +
                                    retry_delay_ms (self, job->attempts + 1), &error))
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
  self->job_busy = FALSE;
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
      self->job_busy = FALSE;
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

/* whether @id is in flight (a handful at most: a scan is cheapest) */
static gboolean
in_flight (SdSender *self, const gchar *id)
{
  for (guint i = 0; i < self->flights->len; i++) {
    const Flight *flight = g_ptr_array_index (self->flights, i);

    if (g_str_equal (flight->item->message->id, id))
      return TRUE;
  }
  return FALSE;
}

static gboolean
is_barrier (const SdOutboxItem *item)
{
  return item->message->kind == SD_MESSAGE_KIND_EXPIRATION_UPDATE;
}

/* whether @item may start beside what is in flight and the @chosen items before it. Each
 * message has its T from the queue, so the order in which stores land changes nothing a
 * receiver shows; a timer update is the exception: it changes the conversation's setting, so
 * it waits for the conversation's earlier items (delivery and sync) and holds back its later
 * ones, as when one went at a time */
static gboolean
may_start (SdSender *self, GPtrArray *chosen, const SdOutboxItem *item)
{
  const gchar *conversation = item->message->conversation;
  gboolean barrier = is_barrier (item);
  guint same = 0;

  for (guint i = 0; i < self->flights->len + chosen->len; i++) {
    const SdOutboxItem *other;
    gboolean other_barrier;

    if (i < self->flights->len) {
      const Flight *flight = g_ptr_array_index (self->flights, i);

      other = flight->item;
      other_barrier = flight->barrier;
    } else {
      other = g_ptr_array_index (chosen, i - self->flights->len);
      other_barrier = is_barrier (other);
    }
    if (!g_str_equal (other->message->conversation, conversation))
      continue;
    if (barrier || other_barrier)
      return FALSE;
    same++;
  }
  return same < self->max_per_conversation;
}

/* until when (monotonic µs) items for @to wait for more to gather, or 0 when they go now: while
 * a request to @to is on its way (at most gather_max_ms), and for the interval after the last
 * one started if that one was a batch */
static gint64
gather_until (SdSender *self, const gchar *to, gint64 now_us)
{
  const LastRequest *last = g_hash_table_lookup (self->last_request, to);
  gint64 until = 0;

  if (self->max_batch <= 1 || self->gather_max_ms == 0)
    return 0;
  for (guint i = 0; i < self->requests->len; i++) {
    const SendJob *job = g_ptr_array_index (self->requests, i);
    gint64 end = job->started_us + (gint64) self->gather_max_ms * 1000;

    if (end > now_us && end > until && g_str_equal (job->destination, to))
      until = end;
  }
  if (last != NULL && last->n_stores > 1 &&
      last->started_us + (gint64) self->gather_interval_ms * 1000 > MAX (now_us, until))
    until = last->started_us + (gint64) self->gather_interval_ms * 1000;
  return until;
}

/* forgets the last requests that no longer hold anything back */
static void
forget_old_requests (SdSender *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->last_request);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((const LastRequest *) value)->started_us + (gint64) self->gather_interval_ms * 1000 <=
        now_us)
      g_hash_table_iter_remove (&iter);
}

/* starts due items, oldest first (the outbox order is the send order), while there is room:
 * those for one swarm together, in batches (see GATHER_MAX_MS) */
static void
process (SdSender *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();
  g_autoptr(GPtrArray) destinations = g_ptr_array_new ();
  g_autoptr(GHashTable) held = NULL;
  g_autoptr(GHashTable) groups = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 now_us = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;
  gint64 next_job = G_MAXINT64;
  gint64 gather_wake_us = G_MAXINT64;

  if (!self->running)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  forget_old_requests (self, now_us);
  if (self->flights->len < self->max_in_flight) {
    /* brief rows: most are in flight or held, only what starts is read whole */
    due = sd_store_outbox_due_brief (self->store, now, self->flights->len + DUE_LOOKAHEAD,
                                     &error);
    if (due == NULL) {
      g_warning ("could not read the outbox: %s", error->message);
      return;
    }
  }
  /* a conversation whose older item may not start yet holds back its newer ones too, so a
   * message never overtakes an older one that waits for the timer update before it */
  held = g_hash_table_new (g_str_hash, g_str_equal);
  /* destination → the items chosen for it, in outbox order */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                  (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; due != NULL && i < due->len &&
                    self->flights->len + chosen->len < self->max_in_flight; i++) {
    SdOutboxItem *item = g_ptr_array_index (due, i);
    const gchar *to = destination (self, item);
    GPtrArray *group;

    if (in_flight (self, item->message->id))
      continue;
    if (g_hash_table_contains (held, item->message->conversation) ||
        !may_start (self, chosen, item)) {
      g_hash_table_add (held, item->message->conversation);
      continue;
    }
    group = g_hash_table_lookup (groups, to);
    if (group == NULL) {
      group = g_ptr_array_new_with_free_func ((GDestroyNotify) sd_outbox_item_free);
      g_hash_table_insert (groups, (gpointer) to, group);
      g_ptr_array_add (destinations, (gpointer) to);
    }
    g_ptr_array_add (chosen, item);
    g_ptr_array_add (group, g_steal_pointer (&due->pdata[i]));
  }
  for (guint d = 0; d < destinations->len; d++) {
    const gchar *to = g_ptr_array_index (destinations, d);
    GPtrArray *group = g_hash_table_lookup (groups, to);
    gint64 until = gather_until (self, to, now_us);
    guint n = group->len;

    /* while a request to @to is on its way or has just started, only full batches go; the
     * rest wait (the request's end or the timer runs process() again), in the outbox */
    if (until != 0 && n % self->max_batch != 0) {
      n -= n % self->max_batch;
      gather_wake_us = MIN (gather_wake_us, until);
    }
    for (guint k = 0; k < n; k += self->max_batch)
      start_batch (self, to, (SdOutboxItem **) group->pdata + k, MIN (self->max_batch, n - k));
  }
  /* run_job() clears job_busy at once for a job that can never work (dropped) */
  while (!self->job_busy) {
    g_clear_pointer (&jobs, g_ptr_array_unref);
    jobs = sd_store_jobs_due (self->store, now, 1, &error);
    if (jobs == NULL) {
      g_warning ("could not read the jobs: %s", error->message);
      return;
    }
    if (jobs->len == 0)
      break;
    self->job_busy = TRUE;
    run_job (self, g_ptr_array_steal_index (jobs, 0));
  }
  /* what is in flight calls process() when it ends; a timer is only for what is due later, and
   * for items gathering behind a request that is taking long */
  if (!sd_store_outbox_next_due (self->store, &next, NULL) || next <= now)
    next = G_MAXINT64;
  if (sd_store_jobs_next_due (self->store, &next_job, NULL) && next_job > now)
    next = MIN (next, next_job);
  if (gather_wake_us != G_MAXINT64)
    next = MIN (next, now + (gather_wake_us - now_us + 999) / 1000);
  if (next != G_MAXINT64)
    self->timeout_id = g_timeout_add (CLAMP (next - now, 1, G_MAXINT32), on_timer, self);
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

static void
on_control_stored_task (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  guint status = 0;
  g_autoptr(JsonNode) body = sd_network_swarm_rpc_finish (SD_NETWORK (source), result, &status,
                                                         NULL, &error);

  if (body == NULL)
    g_task_return_error (task, error);
  else if (status != 200)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "the control message was refused (%u)", status);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_sender_send_control_async (SdSender *self, const gchar *recipient, GBytes *content,
                              guint64 sent_at, SdOutgoingKind kind,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, callback, user_data);
  GError *error = NULL;
  gint64 ttl_ms = sd_expiration_rule (kind, 0, 0, FALSE).ttl_ms;
  StoreRequest *request = store_request_new (self, recipient, content, sent_at, ttl_ms, &error);

  if (request == NULL) {
    g_task_return_error (task, error);
    return;
  }
  sd_network_swarm_rpc_async (self->network, request->recipient, build_store, request,
                              (GDestroyNotify) store_request_free, self->cancellable,
                              on_control_stored_task, g_steal_pointer (&task));
}

gboolean
sd_sender_send_control_finish (SdSender *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sd_sender_set_profile (SdSender *self, const gchar *display_name, guint64 updated_seconds)
{
  g_free (self->profile_name);
  self->profile_name = g_strdup (display_name);
  self->profile_updated = updated_seconds;
}

void
sd_sender_set_avatar (SdSender *self, const gchar *url, GBytes *profile_key)
{
  g_return_if_fail (SD_IS_SENDER (self));
  g_clear_pointer (&self->avatar_url, g_free);
  g_clear_pointer (&self->profile_key, g_bytes_unref);
  if (url != NULL && profile_key != NULL) {
    self->avatar_url = g_strdup (url);
    self->profile_key = g_bytes_ref (profile_key);
  }
}

void
sd_sender_set_retry_delays (SdSender *self, guint base_ms, guint max_ms)
{
  g_return_if_fail (SD_IS_SENDER (self));
  self->retry_base_ms = MAX (base_ms, 1);
  self->retry_max_ms = MAX (max_ms, self->retry_base_ms);
}

void
sd_sender_set_limits (SdSender *self, guint total, guint per_conversation, guint batch)
{
  g_return_if_fail (SD_IS_SENDER (self));
  self->max_in_flight = MAX (total, 1);
  self->max_per_conversation = CLAMP (per_conversation, 1, self->max_in_flight);
  self->max_batch = CLAMP (batch, 1, MIN (self->max_in_flight, 20));
}

void
sd_sender_set_gather (SdSender *self, guint max_ms, guint interval_ms)
{
  g_return_if_fail (SD_IS_SENDER (self));
  self->gather_max_ms = max_ms;
  self->gather_interval_ms = max_ms == 0 ? 0 : interval_ms;
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
  /* what was stored is committed now rather than sent again at the next start; nobody is told
   * (this runs while the account goes away) */
  if (self->flush_id != 0) {
    g_clear_handle_id (&self->flush_id, g_source_remove);
    flush (self, FALSE);
  }
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
  g_clear_pointer (&self->finished, g_ptr_array_unref);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_pointer (&self->last_request, g_hash_table_unref);
  g_clear_pointer (&self->flights, g_ptr_array_unref);
  g_free (self->avatar_url);
  g_clear_pointer (&self->profile_key, g_bytes_unref);
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
  const gchar *in_flight_env = g_getenv ("SESSIOND_SENDER_IN_FLIGHT");
  const gchar *batch_env = g_getenv ("SESSIOND_SENDER_BATCH");

  self->retry_base_ms = RETRY_BASE_MS;
  self->retry_max_ms = RETRY_MAX_MS;
  self->gather_max_ms = GATHER_MAX_MS;
  self->gather_interval_ms = GATHER_INTERVAL_MS;
  self->last_request = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->flights = g_ptr_array_new_with_free_func ((GDestroyNotify) flight_free);
  self->finished = g_ptr_array_new ();
  self->requests = g_ptr_array_new ();
  sd_sender_set_limits (self, MAX_IN_FLIGHT, MAX_PER_CONVERSATION, MAX_BATCH);
  if (in_flight_env != NULL || batch_env != NULL) {
    guint64 total = in_flight_env != NULL ? g_ascii_strtoull (in_flight_env, NULL, 10)
                                          : MAX_IN_FLIGHT;
    guint64 batch = batch_env != NULL ? g_ascii_strtoull (batch_env, NULL, 10) : MAX_BATCH;

    total = CLAMP (total, 1, 64);
    sd_sender_set_limits (self, (guint) total, MIN ((guint) total, MAX_PER_CONVERSATION),
                          (guint) CLAMP (batch, 1, MAX_BATCH));
  }
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
