/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

#include "sd-account-private.h"

#include <string.h>

#include "sd-content.h"
#include "sd-expiration-rules.h"

/*
 * What is done to single messages and to a conversation's settings beyond plain text:
 * nicknames, disappearing messages, reactions, deletion and unsend, data-extraction notices
 * (protocol-identity-and-messages.md §4.3–§5, §8). Every change that must reach the network
 * is queued in the store in the same transaction as the local change, so a crash loses
 * neither.
 */

/* the approved, unblocked conversation @id, or an error a caller can act on */
static SdConversation *
open_for_sending (SdAccount *self, const gchar *id, GError **error)
{
  g_autoptr(SdConversation) conversation = sd_account_get_conversation (self, id, error);

  if (conversation == NULL)
    return NULL;
  if (conversation->blocked) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "this conversation is blocked: unblock it first");
    return NULL;
  }
  if (!conversation->approved) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "this is a message request: accept it first");
    return NULL;
  }
  return g_steal_pointer (&conversation);
}

/* @message_id, when it is a message of @conversation */
static SdMessage *
message_in (SdAccount *self, const SdConversation *conversation, const gchar *message_id,
            GError **error)
{
  SdMessage *message = sd_store_get_message (self->store, message_id, NULL);

  if (message == NULL || !g_str_equal (message->conversation, conversation->id)) {
    g_clear_pointer (&message, sd_message_free);
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                         "there is no such message in this conversation");
  }
  return message;
}

static gboolean
is_note_to_self (const SdConversation *conversation)
{
  return conversation->kind == SD_CONVERSATION_KIND_NOTE_TO_SELF;
}

/* a new outgoing event or message is shown and sent */
static SdMessage *
queue (SdAccount *self, const SdOutgoingMessage *outgoing, GError **error)
{
  SdMessage *message = sd_store_queue_outgoing_full (self->store, outgoing, error);

  if (message == NULL)
    return NULL;
  sd_account_emit_conversation (self, outgoing->conversation_id);
  sd_account_emit_message_added (self, message, FALSE);
  sd_sender_kick (self->sender);
  return message;
}

gboolean
sd_account_set_nickname (SdAccount *self, const gchar *conversation, const gchar *nickname,
                         GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (!sd_account_check_display_name (nickname, error))
    return FALSE;
  if (!sd_store_set_nickname (self->store, conversation, nickname, error))
    return FALSE;
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  return TRUE;
}

gboolean
sd_account_set_expiration (SdAccount *self, const gchar *conversation, const gchar *mode_name,
                           guint32 timer, GError **error)
{
  g_autoptr(SdConversation) existing = NULL;
  g_autoptr(SdMessage) event = NULL;
  SdOutgoingMessage outgoing = { 0 };
  SdExpirationMode mode;

  if (!sd_expiration_mode_from_string (mode_name, &mode)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "the mode is off, after-send or after-read");
    return FALSE;
  }
  if (!sd_expiration_timer_offered ((gint) mode, timer)) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                 "%u seconds is not a timer of the %s mode: %s", timer, mode_name,
                 mode == SD_EXPIRATION_OFF ? "off takes 0"
                 : mode == SD_EXPIRATION_AFTER_READ
                   ? "use 5 minutes, 1 hour, 12 hours, 1 day, 1 week or 2 weeks"
                   : "use 12 hours, 1 day, 1 week or 2 weeks");
    return FALSE;
  }
  /* a group's timer is its Info's, set by admins (docs/groups.md) */
  if (sd_account_is_group_id (conversation)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "a group's disappearing messages are set with SetGroupInfo (admins)");
    return FALSE;
  }
  existing = open_for_sending (self, conversation, error);
  if (existing == NULL)
    return FALSE;
  if (g_strcmp0 (existing->expiration_mode, mode_name) == 0 &&
      existing->expiration_timer == (gint64) timer)
    return TRUE;
  /* the event is the control message: queueing it applies the setting and sends it */
  outgoing.conversation_id = conversation;
  outgoing.kind = SD_MESSAGE_KIND_EXPIRATION_UPDATE;
  outgoing.body = "";
  outgoing.sent_at = sd_account_now_ms (self);
  outgoing.expiration_mode = mode;
  outgoing.expiration_timer = timer;
  event = queue (self, &outgoing, error);
  if (event != NULL)
    sd_account_config_contact_changed (self, conversation);
  return event != NULL;
}

static gboolean
check_emoji (const gchar *emoji, GError **error)
{
  if (emoji == NULL || *emoji == '\0' || !g_utf8_validate (emoji, -1, NULL) ||
      strlen (emoji) > SD_STORE_EMOJI_MAX_BYTES) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                 "a reaction is one emoji of at most %d bytes", SD_STORE_EMOJI_MAX_BYTES);
    return FALSE;
  }
  for (const gchar *p = emoji; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c) || g_unichar_isspace (c)) {
      g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                           "a reaction cannot contain spaces or control characters");
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
sd_account_set_reaction (SdAccount *self, const gchar *conversation, const gchar *message_id,
                         const gchar *emoji, gboolean add, GError **error)
{
  g_autoptr(SdConversation) existing = open_for_sending (self, conversation, error);
  g_autoptr(SdMessage) target = NULL;
  g_autoptr(SdMessage) changed = NULL;
  g_autoptr(GBytes) to_peer = NULL;
  g_autoptr(GBytes) to_self = NULL;
  SdJobSpec jobs[2] = { { 0 } };
  guint n_jobs = 0;
  SdExpirationMode mode;
  SdExpirationRule peer_rule, own_rule;
  gint64 t;

  if (existing == NULL)
    return FALSE;
  target = message_in (self, existing, message_id, error);
  if (target == NULL || !check_emoji (emoji, error))
    return FALSE;
  if (target->kind != SD_MESSAGE_KIND_TEXT) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "only messages take reactions, not events");
    return FALSE;
  }
  t = sd_account_now_ms (self);
  /* a reaction is a visible message: it disappears with the conversation's setting */
  if (!sd_expiration_mode_from_string (existing->expiration_mode, &mode))
    mode = SD_EXPIRATION_OFF;
  peer_rule = sd_expiration_rule (SD_OUTGOING_REACTION, (gint) mode,
                                  (guint32) existing->expiration_timer, FALSE);
  own_rule = sd_expiration_rule (SD_OUTGOING_REACTION, (gint) mode,
                                 (guint32) existing->expiration_timer, TRUE);
  if (!is_note_to_self (existing)) {
    to_peer = sd_content_pack_reaction ((guint64) t, (guint64) target->sent_at, target->author,
                                        emoji, !add, self->display_name, sd_account_profile_updated (self),
                                        NULL, peer_rule.type, peer_rule.timer);
    jobs[n_jobs++] = (SdJobSpec) { SD_JOB_STORE, conversation, to_peer, t, peer_rule.ttl_ms };
  }
  /* our other devices learn it from the copy in our own swarm */
  to_self = sd_content_pack_reaction ((guint64) t, (guint64) target->sent_at, target->author,
                                      emoji, !add, NULL, 0, conversation, own_rule.type,
                                      own_rule.timer);
  jobs[n_jobs++] = (SdJobSpec) { SD_JOB_STORE, self->identity->session_id, to_self, t,
                                 own_rule.ttl_ms };
  changed = sd_store_set_own_reaction (self->store, message_id, emoji, add, t, jobs, n_jobs,
                                       error);
  if (changed == NULL)
    return FALSE;
  sd_account_emit_message_changed (self, changed);
  sd_sender_kick (self->sender);
  return TRUE;
}

gboolean
sd_account_resend_message (SdAccount *self, const gchar *conversation, const gchar *message_id,
                           GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  g_autoptr(SdMessage) target = NULL;
  g_autoptr(SdMessage) resent = NULL;

  if (existing == NULL)
    return FALSE;
  target = message_in (self, existing, message_id, error);
  if (target == NULL)
    return FALSE;
  if (!target->outgoing || target->status != SD_MESSAGE_STATUS_FAILED) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FAILED,
                         "only a failed message of ours can be sent again");
    return FALSE;
  }
  /* groups and communities send through paths of their own, without an outbox row; the
   * same rules (docs/groups.md, docs/communities.md) */
  if (existing->kind == SD_CONVERSATION_KIND_GROUP) {
    guint uploads = 0;

    if (self->groups == NULL) {
      g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                           "groups need the network, which is not started");
      return FALSE;
    }
    if (!sd_groups_resend_message (self->groups, conversation, message_id, &uploads, error))
      return FALSE;
    if (uploads > 0 && self->attachments != NULL)
      sd_attachments_kick (self->attachments);
    return TRUE;
  }
  if (existing->kind == SD_CONVERSATION_KIND_COMMUNITY) {
    if (self->communities == NULL) {
      g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                           "communities need the network, which is not started");
      return FALSE;
    }
    return sd_communities_resend (self->communities, conversation, message_id, error);
  }
  if (existing->kind != SD_CONVERSATION_KIND_DIRECT && !is_note_to_self (existing)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "this conversation's messages are not resent");
    return FALSE;
  }
  resent = sd_store_resend_failed (self->store, conversation, message_id, error);
  if (resent == NULL)
    return FALSE;
  sd_account_emit_message_changed (self, resent);
  /* the uploads to do first, or the message itself */
  if (self->attachments != NULL)
    sd_attachments_kick (self->attachments);
  if (self->sender != NULL)
    sd_sender_kick (self->sender);
  return TRUE;
}

gboolean
sd_account_delete_message (SdAccount *self, const gchar *conversation, const gchar *message_id,
                           gboolean for_everyone, GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  g_autoptr(SdMessage) target = NULL;
  g_autoptr(SdMessage) removed = NULL;
  g_autoptr(GBytes) unsend = NULL;
  g_autoptr(GString) hashes = g_string_new (NULL);
  g_autoptr(GBytes) hash_list = NULL;
  SdJobSpec jobs[3] = { { 0 } };
  guint n_jobs = 0;

  if (existing == NULL)
    return FALSE;
  target = message_in (self, existing, message_id, error);
  if (target == NULL)
    return FALSE;
  /* a group's unsend is a control message to the group (docs/groups.md) */
  if (for_everyone && existing->kind == SD_CONVERSATION_KIND_GROUP)
    return sd_account_unsend_group (self, conversation, target, error);
  if (for_everyone) {
    gint64 t = sd_account_now_ms (self);
    const gchar *own_id = self->identity->session_id;

    if (!g_str_equal (target->author, own_id)) {
      g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_AUTHOR,
                           "only the author can delete a message for everyone");
      return FALSE;
    }
    /* §5: to the peer, and to our own swarm (no syncTarget) for our other devices */
    unsend = sd_content_pack_unsend ((guint64) t, (guint64) target->sent_at, target->author);
    if (!is_note_to_self (existing))
      jobs[n_jobs++] = (SdJobSpec) { SD_JOB_STORE, conversation, unsend, t,
                                     sd_expiration_rule (SD_OUTGOING_UNSEND, 0, 0, FALSE).ttl_ms };
    jobs[n_jobs++] = (SdJobSpec) { SD_JOB_STORE, own_id, unsend, t,
                                   sd_expiration_rule (SD_OUTGOING_UNSEND, 0, 0, TRUE).ttl_ms };
    /* and the copies in our own swarm go: the sync copy, or Note to Self's only copy */
    if (target->sync_hash != NULL)
      g_string_append (hashes, target->sync_hash);
    if (is_note_to_self (existing) && target->server_hash != NULL)
      g_string_append_printf (hashes, "%s%s", hashes->len > 0 ? "\n" : "", target->server_hash);
    if (hashes->len > 0) {
      hash_list = g_bytes_new (hashes->str, hashes->len);
      jobs[n_jobs++] = (SdJobSpec) { SD_JOB_DELETE, own_id, hash_list, 0, 0 };
    }
  }
  removed = sd_store_remove_message (self->store, message_id, jobs, n_jobs, error);
  if (removed == NULL)
    return FALSE;
  sd_account_emit_message_removed (self, removed);
  sd_account_emit_conversation (self, conversation);
  sd_account_emit_account_changed (self);
  if (n_jobs > 0)
    sd_sender_kick (self->sender);
  return TRUE;
}

gboolean
sd_account_report_data_extraction (SdAccount *self, const gchar *conversation,
                                   const gchar *kind_name, const gchar *message_id,
                                   GError **error)
{
  g_autoptr(SdConversation) existing = NULL;
  g_autoptr(SdMessage) saved = NULL;
  g_autoptr(SdMessage) event = NULL;
  SdOutgoingMessage outgoing = { 0 };
  SdMessageKind kind;

  if (!sd_message_kind_from_string (kind_name, &kind) ||
      (kind != SD_MESSAGE_KIND_SCREENSHOT && kind != SD_MESSAGE_KIND_MEDIA_SAVED)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "the kind is screenshot or media-saved");
    return FALSE;
  }
  if (kind == SD_MESSAGE_KIND_SCREENSHOT && message_id != NULL && *message_id != '\0') {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "a screenshot notice names no message");
    return FALSE;
  }
  /* §8.6: never to requests, blocked people or ourselves */
  existing = open_for_sending (self, conversation, error);
  if (existing == NULL)
    return FALSE;
  if (is_note_to_self (existing)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "Note to Self is not told about screenshots or saved files");
    return FALSE;
  }
  if (kind == SD_MESSAGE_KIND_MEDIA_SAVED) {
    saved = message_in (self, existing, message_id != NULL ? message_id : "", error);
    if (saved == NULL)
      return FALSE;
    outgoing.quote_author = saved->author;
    outgoing.quote_sent_at = saved->sent_at;
  }
  outgoing.conversation_id = conversation;
  outgoing.kind = kind;
  outgoing.body = "";
  outgoing.sent_at = sd_account_now_ms (self);
  /* the conversation's setting at the time; the sender turns it into the notice's fields */
  if (sd_expiration_mode_from_string (existing->expiration_mode, &outgoing.expiration_mode))
    outgoing.expiration_timer = (guint32) existing->expiration_timer;
  event = queue (self, &outgoing, error);
  return event != NULL;
}
