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
sd_content_pack_text (const gchar *body,
                      guint64 sent_at,
                      const gchar *profile_name,
                      guint64 profile_updated_seconds,
                      const gchar *sync_target)
{
  SessionProtos__Content content = SESSION_PROTOS__CONTENT__INIT;
  SessionProtos__DataMessage data = SESSION_PROTOS__DATA_MESSAGE__INIT;
  SessionProtos__LokiProfile profile = SESSION_PROTOS__LOKI_PROFILE__INIT;

  data.body = (char *) body;
  /* an empty display name is left out, as desktop does */
  if (profile_name != NULL && *profile_name != '\0' && sync_target == NULL) {
    profile.displayname = (char *) profile_name;
    profile.has_lastprofileupdateseconds = TRUE;
    profile.lastprofileupdateseconds = profile_updated_seconds;
    data.profile = &profile;
  }
  data.synctarget = (char *) sync_target;
  content.datamessage = &data;
  /* visible messages always carry the expiration fields (off here) */
  content.has_expirationtype = TRUE;
  content.expirationtype = SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__UNKNOWN;
  content.has_expirationtimer = TRUE;
  content.expirationtimer = 0;
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
  content.messagerequestresponse = &response;
  return pack (&content, sent_at);
}
