/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroups"

#include "config.h"

#include "sd-group-media.h"
#include "sd-groups-private.h"
#include "sd-store-group-media.h"

#include "sd-attachment-pointer.h"
#include "sd-expiration-rules.h"
#include "sd-padding.h"

/*
 * Attachments in group messages (docs/groups.md, "Media and disappearing messages"): the 1:1
 * pipeline with the group's swarm in place of the outbox. Our files are read and stripped by
 * SdAttachments (sd_attachments_prepare), the message is stored as "sending" with its
 * attachments "uploading", SdAttachments uploads them (legacy scheme, as for 1:1) and says
 * "ready"; then the message is packed with the pointers and stored in ns 11 like a text.
 * Received pointers are stored with the message and fetched by the same automatic-download
 * rule as a contact's (a group we are in is approved).
 */

gchar *
sd_groups_send_prepared (SdGroups *self, const gchar *group_id, const gchar *body,
                         const gchar *quote_id, GArray *prepared, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdMessage) quoted = NULL;
  SdGroupMessageRow row = { 0 };
  gint64 sent_at;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  g_return_val_if_fail (prepared != NULL && prepared->len > 0, NULL);
  group = sd_group_state_load_for_send (self, group_id, quote_id, &quoted, error);
  if (group == NULL)
    return NULL;
  row.group_id = group_id;
  row.author = self->identity->session_id;
  row.outgoing = TRUE;
  row.body = body;
  row.quote_author = quoted != NULL ? quoted->author : NULL;
  row.quote_sent_at = quoted != NULL ? quoted->sent_at : 0;
  row.expiration_timer = sd_groups_get_disappearing (self, group_id);
  row.outgoing_attachments = (const SdOutgoingAttachment *) prepared->data;
  row.n_outgoing_attachments = prepared->len;
  sent_at = sd_network_now_ms (self->network);
  /* (author, sent_at) is the id: the next free millisecond */
  for (guint tries = 0;; tries++, sent_at++) {
    gboolean is_new = FALSE;

    row.sent_at = sent_at;
    if (!sd_store_add_group_message_media (self->store, &row, &is_new, error))
      return NULL;
    if (is_new)
      break;
    if (tries >= 100) {
      g_set_error_literal (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_FAILED,
                           "too many messages at once");
      return NULL;
    }
  }
  /* it goes once SdAttachments says "ready" */
  return sd_message_id_make (self->identity->session_id, sent_at);
}

gboolean
sd_groups_attachments_ready (SdGroups *self, const gchar *message_id)
{
  g_autoptr(SdMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  message = sd_store_get_message (self->store, message_id, NULL);
  if (message == NULL || !g_str_has_prefix (message->conversation, "03"))
    return FALSE;
  if (!message->outgoing || message->status != SD_MESSAGE_STATUS_SENDING)
    return TRUE;
  /* uploads resumed after a restart may finish before this run's first group poll, whose
   * sd_groups_resume_sending sends every message still sending: it goes with those, once */
  if (!self->resumed)
    return TRUE;
  if (!sd_groups_send_message (self, message, &error)) {
    g_message ("a group message with attachments cannot go: %s", error->message);
    sd_store_set_group_message_status (self->store, message->conversation, message->author,
                                       message->sent_at, FALSE, NULL, NULL);
    g_signal_emit_by_name (self, "message-added", message->conversation);
    sd_groups_emit_status (self, message->conversation, message->sent_at);
  }
  return TRUE;
}

gboolean
sd_groups_attachments_changed (SdGroups *self, const gchar *message_id)
{
  g_autoptr(SdMessage) message = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  message = sd_store_get_message (self->store, message_id, NULL);
  if (message == NULL || !g_str_has_prefix (message->conversation, "03"))
    return FALSE;
  if (!message->outgoing || message->status != SD_MESSAGE_STATUS_SENDING ||
      message->attachments == NULL)
    return TRUE;
  /* SdAttachments gave up on an upload: the message cannot go without it (the outbox's
   * sd_store_mark_failed does not know group messages) */
  for (guint i = 0; i < message->attachments->len; i++) {
    const SdAttachmentInfo *info = g_ptr_array_index (message->attachments, i);

    if (info->state == SD_ATTACHMENT_STATE_FAILED) {
      sd_store_set_group_message_status (self->store, message->conversation, message->author,
                                         message->sent_at, FALSE, NULL, NULL);
      g_signal_emit_by_name (self, "message-added", message->conversation);
      sd_groups_emit_status (self, message->conversation, message->sent_at);
      break;
    }
  }
  return TRUE;
}

void
sd_group_media_read (GBytes *plain, GPtrArray **out_pointers, guint32 *out_timer)
{
  const guint8 *bytes;
  gsize len;
  SessionProtos__Envelope *envelope;
  SessionProtos__Content *content = NULL;
  SessionProtos__DataMessage *data;

  *out_pointers = NULL;
  *out_timer = 0;
  bytes = g_bytes_get_data (plain, &len);
  envelope = session_protos__envelope__unpack (NULL, len, bytes);
  if (envelope != NULL && envelope->has_content)
    content = session_protos__content__unpack (
      NULL, sd_unpadded_length (envelope->content.data, envelope->content.len),
      envelope->content.data);
  if (content == NULL)
    content = session_protos__content__unpack (NULL, sd_unpadded_length (bytes, len), bytes);
  data = content != NULL ? content->datamessage : NULL;
  if (data != NULL && data->n_attachments > 0) {
    GPtrArray *packed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

    /* re-encoded as they came; the store keeps one that does not decode as failed, so the
     * indexes stay the sender's */
    for (gsize i = 0; i < MIN (data->n_attachments, SD_ATTACHMENT_MAX_COUNT); i++) {
      gsize n = session_protos__attachment_pointer__get_packed_size (data->attachments[i]);
      guint8 *buf = g_malloc (n);

      session_protos__attachment_pointer__pack (data->attachments[i], buf);
      g_ptr_array_add (packed, g_bytes_new_take (buf, n));
    }
    *out_pointers = packed;
  }
  /* groups disappear after send only; a message carries its own timer, as 1:1 ones do */
  if (content != NULL && content->has_expirationtype &&
      content->expirationtype == SESSION_PROTOS__CONTENT__EXPIRATION_TYPE__DELETE_AFTER_SEND &&
      content->has_expirationtimer && content->expirationtimer > 0)
    *out_timer = sd_expiration_timer_round_up (2, MIN (content->expirationtimer,
                                                       SD_GROUP_DISAPPEARING_MAX));
  if (content != NULL)
    session_protos__content__free_unpacked (content, NULL);
  if (envelope != NULL)
    session_protos__envelope__free_unpacked (envelope, NULL);
}
