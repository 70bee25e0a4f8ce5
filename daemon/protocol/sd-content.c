/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-content.h"

#include "sd-protobuf.h"

static GBytes *
pack (SessionProtos__Content *content, guint64 sent_at)
{
  gsize len;
  guint8 *out;

  content->has_sigtimestamp = TRUE;
  content->sigtimestamp = sent_at;
  len = session_protos__content__get_packed_size (content);
  out = g_malloc (len);
  session_protos__content__pack (content, out);
  return g_bytes_new_take (out, len);
}

GBytes *
sd_content_pack_text_full (const SdTextContent *text)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;
  SessionProtos__DataMessage__Quote quote = SESSION_PROTOS__DATA_MESSAGE__QUOTE__INIT;
  SessionProtos__AttachmentPointer **pointers = NULL;
  GBytes *packed;

  data.body = (char *) text->body;
  /* an empty display name is left out, as desktop does; never in sync copies */
  if (text->profile_name != NULL && *text->profile_name != '\0' && text->sync_target == NULL) {
    profile.displayname = (char *) text->profile_name;
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = text->profile_updated_seconds;
    data.profile = &profile;
  }
  /* the avatar goes with the profile (even without a name): its URL there, its key beside
   * it (§6) */
  if (text->profile_picture != NULL && text->profile_key != NULL && text->sync_target == NULL) {
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = text->profile_updated_seconds;
    profile.profilepicture = (char *) text->profile_picture;
    data.profile = &profile;
    data.has_profilekey = TRUE;
    data.profilekey.data = (guint8 *) g_bytes_get_data (text->profile_key, &data.profilekey.len);
  }
  if (text->quote_id != 0 && text->quote_author != NULL) {
    quote.id = text->quote_id;
    quote.author = (char *) text->quote_author;
    data.quote = &quote;
  }
  data.synctarget = (char *) text->sync_target;
  if (text->community_post) {
    data.has_blockscommunitymessagerequests = TRUE;
    data.blockscommunitymessagerequests = text->blocks_community_requests;
  }
  /* the pointers were encoded by us (sd_attachment_pointer_encode): they decode */
  if (text->attachments != NULL && text->attachments->len > 0) {
    pointers = g_new0 (SessionProtos__AttachmentPointer *, text->attachments->len);
    for (guint i = 0; i < text->attachments->len; i++) {
      GBytes *wire = g_ptr_array_index (text->attachments, i);
      SessionProtos__AttachmentPointer *pointer =
        session_protos__attachment_pointer__unpack (NULL, g_bytes_get_size (wire),
                                                    g_bytes_get_data (wire, NULL));

      if (pointer != NULL)
        pointers[data.n_attachments++] = pointer;
    }
    data.attachments = pointers;
  }
  content.datamessage = &data;
  /* visible messages always carry both expiration fields */
  content.has_expirationtype = TRUE;
  content.expirationtype = (SessionProtos__Content__ExpirationType) text->expiration_type;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = text->expiration_timer;
  packed = pack (&content, text->sent_at);
  for (gsize i = 0; i < data.n_attachments; i++)
    session_protos__attachment_pointer__free_unpacked (pointers[i], NULL);
  g_free (pointers);
  return packed;
}

GBytes *
sd_content_pack_text (const gchar *body,
                      guint64 sent_at,
                      const gchar *profile_name,
                      guint64 profile_updated_seconds,
                      const gchar *sync_target)
{
  SdTextContent text = { 0 };

  text.body = body;
  text.sent_at = sent_at;
  text.profile_name = profile_name;
  text.profile_updated_seconds = profile_updated_seconds;
  text.sync_target = sync_target;
  return sd_content_pack_text_full (&text);
}

GBytes *
sd_content_pack_reaction (guint64 sent_at,
                          guint64 target_sent_at,
                          const gchar *author,
                          const gchar *emoji,
                          gboolean remove,
                          const gchar *profile_name,
                          guint64 profile_updated_seconds,
                          const gchar *sync_target,
                          gint expiration_type,
                          guint32 expiration_timer)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__DataMessage__Reaction reaction = SESSION_PROTOS__DATA_MESSAGE__REACTION__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;

  reaction.id = target_sent_at;
  reaction.author = (char *) author;
  reaction.emoji = (char *) emoji;
  reaction.action = remove ? SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REMOVE
                           : SESSION_PROTOS__DATA_MESSAGE__REACTION__ACTION__REACT;
  data.reaction = &reaction;
  data.synctarget = (char *) sync_target;
  if (profile_name != NULL && *profile_name != '\0' && sync_target == NULL) {
    profile.displayname = (char *) profile_name;
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = profile_updated_seconds;
    data.profile = &profile;
  }
  content.datamessage = &data;
  /* the conversation's setting, as on any visible message */
  content.has_expirationtype = TRUE;
  content.expirationtype = (SessionProtos__Content__ExpirationType) expiration_type;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = expiration_timer;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_unsend (guint64 sent_at, guint64 target_sent_at, const gchar *author)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__UnsendRequest unsend = SESSION_PROTOS__UNSEND_REQUEST__INIT;

  /* control messages carry no expiration fields */
  unsend.timestamp = target_sent_at;
  unsend.author = (char *) author;
  content.unsendrequest = &unsend;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_expiration_update (guint64 sent_at,
                                   gint expiration_type,
                                   guint32 expiration_timer,
                                   const gchar *sync_target)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;

  data.has_flags = TRUE;
  data.flags = SESSION_PROTOS__DATA_MESSAGE__FLAGS__EXPIRATION_TIMER_UPDATE;
  data.synctarget = (char *) sync_target;
  content.datamessage = &data;
  content.has_expirationtype = TRUE;
  content.expirationtype = (SessionProtos__Content__ExpirationType) expiration_type;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = expiration_timer;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_data_extraction (guint64 sent_at,
                                 gint type,
                                 guint64 target_sent_at,
                                 gint expiration_type,
                                 guint32 expiration_timer)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataExtractionNotification notice =
    SESSION_PROTOS__DATA_EXTRACTION_NOTIFICATION__INIT;

  notice.type = (SessionProtos__DataExtractionNotification__Type) type;
  if (target_sent_at != 0) {
    notice.has_timestamp = TRUE;
    notice.timestamp = target_sent_at;
  }
  content.dataextractionnotification = &notice;
  /* expirable like a visible message: both fields always */
  content.has_expirationtype = TRUE;
  content.expirationtype = (SessionProtos__Content__ExpirationType) expiration_type;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = expiration_timer;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_typing (guint64 sent_at, gboolean started)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__TypingMessage typing = SESSION_PROTOS__TYPING_MESSAGE__INIT;

  typing.timestamp = sent_at;
  typing.action = started ? SESSION_PROTOS__TYPING_MESSAGE__ACTION__STARTED
                          : SESSION_PROTOS__TYPING_MESSAGE__ACTION__STOPPED;
  content.typingmessage = &typing;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_read_receipt (guint64 sent_at, const guint64 *timestamps, gsize n_timestamps)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__ReceiptMessage receipt = SESSION_PROTOS__RECEIPT_MESSAGE__INIT;

  receipt.type = SESSION_PROTOS__RECEIPT_MESSAGE__TYPE__READ;
  receipt.timestamp = (uint64_t *) timestamps;
  receipt.n_timestamp = n_timestamps;
  content.receiptmessage = &receipt;
  return pack (&content, sent_at);
}

GBytes *
sd_content_pack_request_response (guint64 sent_at,
                                  const gchar *profile_name,
                                  guint64 profile_updated_seconds)
{
  return sd_content_pack_request_response_full (sent_at, profile_name, profile_updated_seconds,
                                                NULL, NULL);
}

GBytes *
sd_content_pack_request_response_full (guint64 sent_at,
                                       const gchar *profile_name,
                                       guint64 profile_updated_seconds,
                                       const gchar *picture_url,
                                       GBytes *profile_key)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__MessageRequestResponse response = SESSION_PROTOS__MESSAGE_REQUEST_RESPONSE__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;

  response.isapproved = TRUE;
  if (profile_name != NULL && *profile_name != '\0') {
    profile.displayname = (char *) profile_name;
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = profile_updated_seconds;
    response.profile = &profile;
  }
  /* as in a visible message: the picture with the profile, its key beside it */
  if (picture_url != NULL && *picture_url != '\0' && profile_key != NULL) {
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = profile_updated_seconds;
    profile.profilepicture = (char *) picture_url;
    response.profile = &profile;
    response.has_profilekey = TRUE;
    response.profilekey.data = (guint8 *) g_bytes_get_data (profile_key,
                                                            &response.profilekey.len);
  }
  content.messagerequestresponse = &response;
  return pack (&content, sent_at);
}
