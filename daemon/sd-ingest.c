/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdIngest"

#include "sd-ingest.h"

#include "sd-attachment-pointer.h"
#include "sd-groups.h"

#include "sd-expiration-rules.h"

#include "sd-protobuf.h"
#include "sd-wire.h"


/* *@sum = @a + @b, FALSE (and no sum) when it does not fit */
static gboolean
checked_add (gint64 *sum, gint64 a, gint64 b)
{
  if ((b > 0 && a > G_MAXINT64 - b) || (b < 0 && a < G_MININT64 - b))
    return FALSE;
  *sum = a + b;
  return TRUE;
}

/* what decoding needs besides the batch */
typedef struct {
  const SdIdentity *identity;
  SdIngestTypingFunc typing;
  gpointer typing_data;
  SdStore *store;
} Context;

gint64
sd_ingest_seen_expiry (gint64 node_expiration, gint64 local_now_ms)
{
  /* a node chooses the expiry: it decides when the hash is forgotten, so keep it between
   * now and the longest TTL a node accepts; none given → the default message TTL */
  if (node_expiration <= 0)
    return local_now_ms + SD_MESSAGE_TTL_MS;
  return CLAMP (node_expiration, local_now_ms, local_now_ms + SD_INGEST_MAX_TTL_MS);
}

gboolean
sd_ingest_sent_time_ok (guint64 sent_at, gint64 network_now_ms)
{
  /* T is the sender's network time: before 2001 (what the storage server calls seconds, not
   * ms) or more than a day ahead of ours is not a time an honest sender gives */
  return sent_at >= SD_INGEST_MIN_SENT_MS &&
         sent_at <= (guint64) MAX (network_now_ms, 0) + SD_INGEST_MAX_FUTURE_MS;
}

/* the message's own disappearing setting (Content 12/13); an unknown mode counts as off */
static void
read_expiration (const SessionProtos__Content *content, SdIncomingMessage *incoming)
{
  if (!content->has_expirationtype || content->expirationtimer == 0 ||
      (content->expirationtype != SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_READ &&
       content->expirationtype != SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND))
    return;
  incoming->expiration_mode = (SdExpirationMode) content->expirationtype;
  incoming->expiration_timer = sd_expiration_timer_round_up ((gint) incoming->expiration_mode,
                                                      content->expirationtimer);
  if (incoming->expiration_timer != content->expirationtimer)
    g_debug ("timer of %u s is not one the official clients offer; using %u s",
             content->expirationtimer, incoming->expiration_timer);
}

/* the message's AttachmentPointers in wire form, at most SD_ATTACHMENT_MAX_COUNT (the
 * store checks each one when it keeps it) */
static GPtrArray *
pack_attachments (const SessionProtos__DataMessage *data)
{
  GPtrArray *packed;

  if (data->n_attachments == 0)
    return NULL;
  packed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; i < MIN (data->n_attachments, SD_ATTACHMENT_MAX_COUNT); i++) {
    gsize len = session_protos__attachment_pointer__get_packed_size (data->attachments[i]);
    guint8 *buf = g_malloc (len);

    session_protos__attachment_pointer__pack (data->attachments[i], buf);
    g_ptr_array_add (packed, g_bytes_new_take (buf, len));
  }
  return packed;
}

static void
handle_data_message (Context *self,
                     SdStoreBatch *batch,
                     const SdWireMessage *msg,
                     const gchar *hash,
                     gboolean from_self)
{
  SessionProtos__Content *content = msg->content;
  SessionProtos__DataMessage *data = content->datamessage;
  SdIncomingMessage incoming = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GBytes) profile_key = NULL;
  gint64 t = (gint64) msg->envelope_timestamp;

  /* groups v2 control messages sent 1:1 (invites); never stored as messages */
  if (data->has_groupupdatemessage) {
    if (!from_self)
      sd_groups_receive_update (self->store, self->identity, msg->sender, t,
                                data->groupupdatemessage.data, data->groupupdatemessage.len);
    return;
  }
  /* §8.4: flags other than the timer update are not understood by anyone */
  if (data->has_flags && data->flags != 0 &&
      data->flags != SESSION_PROTOS__DATA_MESSAGE__FLAGS__EXPIRATION_TIMER_UPDATE)
    return;
  /* a message from ourselves is a sync copy only with its conversation named */
  if (from_self && data->synctarget == NULL)
    return;

  if (data->reaction != NULL) {
    SessionProtos__DataMessage__Reaction *reaction = data->reaction;

    if (!sd_store_batch_add_reaction (
          batch, msg->sender, reaction->author, (gint64) reaction->id, reaction->emoji,
          reaction->action == SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REMOVE, t, &error))
      g_debug ("dropping a reaction: %s", error->message);
    return;
  }

  incoming.server_hash = hash;
  incoming.author = msg->sender;
  incoming.sync_target = from_self ? data->synctarget : NULL;
  incoming.sent_at = t;
  incoming.received_at = g_get_real_time () / 1000;
  if (!from_self && data->profile != NULL) {
    incoming.profile_name = data->profile->displayname;
    incoming.profile_updated = (gint64) data->profile->lastprofileupdateseconds;
    /* the avatar: its URL in the profile, its key beside it (the store checks both) */
    if (data->profile->profilepicture != NULL && data->has_profilekey) {
      profile_key = g_bytes_new (data->profilekey.data, data->profilekey.len);
      incoming.profile_picture = data->profile->profilepicture;
      incoming.profile_key = profile_key;
    }
  }
  read_expiration (content, &incoming);

  if (data->has_flags && data->flags == SESSION_PROTOS__DATA_MESSAGE__FLAGS__EXPIRATION_TIMER_UPDATE) {
    /* the event carries the new setting; its body is ignored */
    incoming.kind = SD_MESSAGE_KIND_EXPIRATION_UPDATE;
    incoming.body = "";
  } else {
    /* a message of attachments alone may come without a body */
    if (data->body == NULL && data->n_attachments == 0)
      return;
    incoming.kind = SD_MESSAGE_KIND_TEXT;
    incoming.body = data->body != NULL ? data->body : "";
    incoming.attachments = attachments = pack_attachments (data);
    if (data->quote != NULL) {
      incoming.quote_author = data->quote->author;
      incoming.quote_sent_at = (gint64) data->quote->id;
    }
    /* after-send counts from T; after-read from when it is read, and we read our own */
    if (incoming.expiration_mode == SD_EXPIRATION_AFTER_SEND ||
        (incoming.expiration_mode == SD_EXPIRATION_AFTER_READ && from_self)) {
      /* t is bounded (sd_ingest_sent_time_ok) and the timer is at most 14 days, but the sum
       * is still checked rather than trusted */
      if (!checked_add (&incoming.expires_at, t,
                                   (gint64) incoming.expiration_timer * 1000))
        return;
    }
  }
  if (!sd_store_batch_add_message (batch, &incoming, &error))
    g_debug ("dropping a message: %s", error->message);
}

/* turns one decoded message into store operations (§8.3: the first present field decides) */
static void
handle_content (Context *self,
                SdStoreBatch *batch,
                const SdWireMessage *msg,
                const gchar *hash)
{
  SessionProtos__Content *content = msg->content;
  gboolean from_self = g_str_equal (msg->sender, self->identity->session_id);
  g_autoptr(GError) error = NULL;

  if (content->datamessage != NULL) {
    handle_data_message (self, batch, msg, hash, from_self);
  } else if (content->receiptmessage != NULL) {
    SessionProtos__ReceiptMessage *receipt = content->receiptmessage;

    if (receipt->type == SESSION_PROTOS__RECEIPT_MESSAGE__TYPE__READ && !from_self)
      (void) sd_store_batch_add_read_receipt (batch, msg->sender,
                                              (const gint64 *) receipt->timestamp,
                                              receipt->n_timestamp, NULL);
  } else if (content->typingmessage != NULL) {
    /* only a typing message stamped with its own envelope time counts */
    if (!from_self && content->typingmessage->timestamp == msg->envelope_timestamp &&
        self->typing != NULL)
      self->typing (msg->sender,
                    content->typingmessage->action == SESSION_PROTOS__TYPING_MESSAGE__ACTION__STARTED,
                    self->typing_data);
  } else if (content->dataextractionnotification != NULL) {
    SessionProtos__DataExtractionNotification *notice = content->dataextractionnotification;
    SdIncomingMessage incoming = { 0 };
    gboolean saved = notice->type ==
      SESSION_PROTOS__DATA_EXTRACTION_NOTIFICATION__TYPE__MEDIA_SAVED;

    /* a notice from ourselves has no conversation to go to */
    if (from_self || (!saved && notice->type !=
                                  SESSION_PROTOS__DATA_EXTRACTION_NOTIFICATION__TYPE__SCREENSHOT))
      return;
    incoming.server_hash = hash;
    incoming.author = msg->sender;
    incoming.body = "";
    incoming.sent_at = (gint64) msg->envelope_timestamp;
    incoming.received_at = g_get_real_time () / 1000;
    incoming.kind = saved ? SD_MESSAGE_KIND_MEDIA_SAVED : SD_MESSAGE_KIND_SCREENSHOT;
    /* the saved file was in one of our messages to them */
    if (saved && notice->has_timestamp && notice->timestamp > 0) {
      incoming.quote_author = self->identity->session_id;
      incoming.quote_sent_at = (gint64) notice->timestamp;
    }
    if (!sd_store_batch_add_message (batch, &incoming, &error))
      g_debug ("dropping a data-extraction notice: %s", error->message);
  } else if (content->unsendrequest != NULL) {
    SessionProtos__UnsendRequest *unsend = content->unsendrequest;

    if (!sd_store_batch_add_unsend (batch, msg->sender, unsend->author,
                                    (gint64) unsend->timestamp, &error))
      g_debug ("dropping an unsend request: %s", error->message);
  } else if (content->callmessage != NULL) {
    /* calls are not supported; a call message hides any later field */
  } else if (content->messagerequestresponse != NULL) {
    SessionProtos__MessageRequestResponse *response = content->messagerequestresponse;

    if (response->isapproved && !from_self) {
      g_autoptr(GBytes) response_key = NULL;

      /* the picture with the profile, its key beside it, as in a visible message */
      if (response->profile != NULL && response->profile->profilepicture != NULL &&
          response->has_profilekey)
        response_key = g_bytes_new (response->profilekey.data, response->profilekey.len);
      (void) sd_store_batch_add_they_approved_full (
        batch, msg->sender, response->profile != NULL,
        response->profile != NULL ? response->profile->displayname : NULL,
        response->profile != NULL ? (gint64) response->profile->lastprofileupdateseconds : 0,
        response->profile != NULL ? response->profile->profilepicture : NULL, response_key,
        NULL);
    }
  }
  /* anything else (calls, obsolete fields) is only marked seen */
}

gboolean
sd_ingest_slice (SdStore *store,
                 const SdIdentity *identity,
                 GPtrArray *items,
                 guint *position,
                 guint max_items,
                 gint64 deadline_us,
                 const SdIngestCursor *cursor,
                 gint64 network_now_ms,
                 SdIngestTypingFunc typing,
                 gpointer typing_data,
                 SdStoreChanges **changes,
                 GError **error)
{
  Context ctx = { identity, typing, typing_data, store };
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (store);
  const gchar *last = NULL;
  /* seen rows expire on our own clock, whatever any node's clock says */
  gint64 local_now = g_get_real_time () / 1000;
  guint len = items != NULL ? items->len : 0;
  guint i = MIN (*position, len);
  guint end = max_items > 0 && max_items < len - i ? i + max_items : len;

  *changes = NULL;
  for (; i < end; i++) {
    const SdRetrieveItem *item = g_ptr_array_index (items, i);
    const gchar *hash = item->hash;
    gboolean seen = FALSE;
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) decode_error = NULL;

    /* at least one item per slice, however slow */
    if (last != NULL && deadline_us > 0 && g_get_monotonic_time () >= deadline_us)
      break;
    last = hash;
    if (sd_store_is_seen (store, hash, &seen, NULL) && seen)
      continue;
    /* seen even if it does not decode: it never will */
    sd_store_batch_add_seen (batch, hash, sd_ingest_seen_expiry (item->expiration, local_now));
    if (!sd_wire_unwrap (identity, item->data_b64, &msg, &decode_error)) {
      g_debug ("undecodable item: %s", decode_error->message);
      continue;
    }
    /* a missing sigTimestamp is accepted, as desktop does for legacy senders (§4.7), but
     * then T is not signed: either way it must be a plausible time */
    if (!sd_ingest_sent_time_ok (msg.envelope_timestamp, network_now_ms)) {
      g_debug ("dropping an item sent at %" G_GUINT64_FORMAT " (now %" G_GINT64_FORMAT ")%s",
               msg.envelope_timestamp, network_now_ms,
               msg.content->has_sigtimestamp ? "" : ", without sigTimestamp");
      continue;
    }
    handle_content (&ctx, batch, &msg, hash);
  }
  /* the cursors move in the same transaction as the items up to them: a crash between two
   * slices loses nothing and fetches only what was not applied */
  if (last != NULL && cursor != NULL) {
    for (guint k = 0; k < G_N_ELEMENTS (cursor->keys) && cursor->keys[k] != NULL; k++)
      sd_store_batch_set_last_hash (batch, cursor->keys[k], cursor->namespace_, last);
    for (guint k = 0; i == len && k < G_N_ELEMENTS (cursor->end_keys) &&
                      cursor->end_keys[k] != NULL; k++)
      sd_store_batch_set_last_hash (batch, cursor->end_keys[k], cursor->namespace_, last);
  }
  if (sd_store_batch_get_size (batch) > 0 &&
      !sd_store_apply_batch (store, batch, changes, error))
    return FALSE;
  *position = i;
  return TRUE;
}

gboolean
sd_ingest_messages_at (SdStore *store,
                       const SdIdentity *identity,
                       const gchar *node_ed25519_hex,
                       GPtrArray *items,
                       gint64 network_now_ms,
                       SdIngestTypingFunc typing,
                       gpointer typing_data,
                       SdStoreChanges **changes,
                       GError **error)
{
  SdIngestCursor cursor = { 0, { node_ed25519_hex, NULL }, { NULL, NULL } };
  guint position = 0;

  return sd_ingest_slice (store, identity, items, &position, 0, 0, &cursor, network_now_ms,
                          typing, typing_data, changes, error);
}

gboolean
sd_ingest_messages (SdStore *store,
                    const SdIdentity *identity,
                    const gchar *node_ed25519_hex,
                    GPtrArray *items,
                    SdIngestTypingFunc typing,
                    gpointer typing_data,
                    SdStoreChanges **changes,
                    GError **error)
{
  return sd_ingest_messages_at (store, identity, node_ed25519_hex, items,
                                g_get_real_time () / 1000, typing, typing_data, changes, error);
}
