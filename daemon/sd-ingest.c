/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdIngest"

#include "sd-ingest.h"

#include "sd-json.h"
#include "sd-protobuf.h"
#include "sd-wire.h"

/* turns one decoded message into store operations (protocol §8) */
typedef struct {
  const SdIdentity *identity;
  SdIngestTypingFunc typing;
  gpointer typing_data;
} Context;

static void
handle_content (Context *self,
                SdStoreBatch *batch,
                const SdWireMessage *msg,
                const gchar *hash,
                gint64 expires_at)
{
  SessionProtos__Content *content = msg->content;
  gboolean from_self = g_str_equal (msg->sender, self->identity->session_id);

  if (content->datamessage != NULL) {
    SessionProtos__DataMessage *data = content->datamessage;
    SdIncomingMessage incoming = { 0 };
    g_autoptr(GError) error = NULL;

    /* expiration-timer updates and other flags carry no visible text */
    if ((data->has_flags && data->flags != 0) || data->body == NULL || data->reaction != NULL)
      return;
    incoming.server_hash = hash;
    incoming.author = msg->sender;
    incoming.sync_target = from_self ? data->synctarget : NULL;
    incoming.body = data->body;
    incoming.sent_at = (gint64) msg->envelope_timestamp;
    incoming.received_at = g_get_real_time () / 1000;
    incoming.expires_at = expires_at;
    if (!from_self && data->profile != NULL) {
      incoming.profile_name = data->profile->displayname;
      incoming.profile_updated = (gint64) data->profile->lastprofileupdateseconds;
    }
    /* a message from ourselves without syncTarget is not a sync copy */
    if (from_self && incoming.sync_target == NULL)
      return;
    if (!sd_store_batch_add_message (batch, &incoming, &error))
      g_debug ("dropping a message: %s", error->message);
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
  } else if (content->messagerequestresponse != NULL) {
    SessionProtos__MessageRequestResponse *response = content->messagerequestresponse;

    if (response->isapproved && !from_self)
      (void) sd_store_batch_add_they_approved (
        batch, msg->sender, response->profile != NULL ? response->profile->displayname : NULL,
        response->profile != NULL ? (gint64) response->profile->lastprofileupdateseconds : 0,
        NULL);
  }
  /* anything else is not supported yet and is only marked seen */
}

gboolean
sd_ingest_messages (SdStore *store,
                    const SdIdentity *identity,
                    const gchar *node_ed25519_hex,
                    JsonArray *messages,
                    SdIngestTypingFunc typing,
                    gpointer typing_data,
                    SdStoreChanges **changes,
                    GError **error)
{
  Context ctx = { identity, typing, typing_data };
  g_autoptr(SdStoreBatch) batch = sd_store_batch_new (store);
  const gchar *last = NULL;

  *changes = NULL;
  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++) {
    JsonObject *item = sd_json_array_get_object (messages, i);
    const gchar *hash = sd_json_get_string (item, "hash");
    const gchar *data = sd_json_get_string (item, "data");
    gint64 expiration = sd_json_get_int (item, "expiration", 0);
    gboolean seen = FALSE;
    g_auto(SdWireMessage) msg = { 0 };
    g_autoptr(GError) decode_error = NULL;

    if (hash == NULL || data == NULL)
      continue;
    last = hash;
    if (sd_store_is_seen (store, hash, &seen, NULL) && seen)
      continue;
    /* seen even if it does not decode: it never will */
    sd_store_batch_add_seen (batch, hash, expiration);
    if (!sd_wire_unwrap (identity, data, &msg, &decode_error)) {
      g_debug ("undecodable item: %s", decode_error->message);
      continue;
    }
    handle_content (&ctx, batch, &msg, hash, 0);
  }
  if (last != NULL && node_ed25519_hex != NULL)
    sd_store_batch_set_last_hash (batch, node_ed25519_hex, 0, last);
  if (sd_store_batch_get_size (batch) == 0)
    return TRUE;
  return sd_store_apply_batch (store, batch, changes, error);
}
