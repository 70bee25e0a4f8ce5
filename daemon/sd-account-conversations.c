/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

/*
 * The account's conversations: listing and opening them, sending text, reading and marking
 * read, typing, and a conversation's own state (approved, blocked, muted, deleted). What is
 * done to single messages is in sd-account-messages.c; both use the core through
 * sd-account-private.h and the core calls neither.
 */

#include "sd-account-private.h"

#include <sodium.h>

#include "sd-avatar-crypto.h"
#include "sd-encoding.h"

#include "sd-content.h"

#include <string.h>

GPtrArray *
sd_account_list_conversations (SdAccount *self, GError **error)
{
  if (self->store == NULL)
    return g_ptr_array_new ();
  return sd_store_list_conversations (self->store, error);
}

SdConversation *
sd_account_get_conversation (SdAccount *self, const gchar *id, GError **error)
{
  /* a group's or a community's id is no Session ID, but names a conversation all the same;
   * so does the blinded id of a community DM peer we do not recognise yet */
  if (!sd_account_require (self, error) ||
      (!sd_account_is_group_id (id) && !sd_store_is_community_id (id) &&
       !sd_store_is_blinded_id (id) &&
       !sd_account_check_session_id (id, error)))
    return NULL;
  /* the store checks a group id's form */
  return sd_store_get_conversation (self->store, id, error);
}

/* accepting a request tells the peer, with our profile, a moment before
 * whatever we send next (desktop uses T - 100) */
static void
send_request_response (SdAccount *self, const gchar *id, gint64 t)
{
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  guint8 key[SD_PROFILE_KEY_LEN];
  g_autoptr(GBytes) profile_key = NULL;
  g_autoptr(GBytes) content = NULL;

  /* with our picture, as in our visible messages: a peer takes the response's profile whole,
   * so without it our next message (same profile time) could not bring the picture */
  if (url != NULL && *url != '\0' && key_hex != NULL &&
      sd_hex_decode_exact (key_hex, key, sizeof key, NULL)) {
    profile_key = g_bytes_new (key, sizeof key);
    sodium_memzero (key, sizeof key);
  }
  content = sd_content_pack_request_response_full ((guint64) t, self->display_name,
                                                   sd_account_profile_updated (self),
                                                   profile_key != NULL ? url : NULL,
                                                   profile_key);

  sd_sender_send_control (self->sender, id, content, (guint64) t, SD_OUTGOING_REQUEST_RESPONSE);
}

/* how many conversations we started or accepted; counted once (by the store, a count over
 * conversations), then kept while only we change it (the network or a delete sets n_started
 * back to -1) */
static gboolean
count_started (SdAccount *self, GError **error)
{
  guint n = 0;

  if (self->n_started >= 0)
    return TRUE;
  if (!sd_store_count_approved (self->store, &n, error))
    return FALSE;
  self->n_started = (gint) MIN (n, (guint) G_MAXINT);
  return TRUE;
}

gboolean
sd_account_check_can_start (SdAccount *self, const gchar *id, GError **error)
{
  g_autoptr(SdConversation) existing = sd_store_get_conversation (self->store, id, NULL);

  if (existing != NULL && existing->approved)
    return TRUE;
  return sd_account_check_can_start_new (self, error);
}

gboolean
sd_account_check_can_start_new (SdAccount *self, GError **error)
{
  if (!count_started (self, error))
    return FALSE;
  if ((guint) self->n_started >= self->config.max_started) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                 "there are %u conversations already, the most this daemon keeps: delete some "
                 "first", self->config.max_started);
    return FALSE;
  }
  return TRUE;
}

/* one more conversation we started or accepted */
static void
count_one_more (SdAccount *self)
{
  if (self->n_started >= 0)
    self->n_started++;
}

SdConversation *
sd_account_open_conversation (SdAccount *self, const gchar *id, GError **error)
{
  SdConversation *conversation;

  if (!sd_account_require (self, error) || !sd_account_check_session_id (id, error))
    return NULL;
  conversation = sd_store_get_conversation (self->store, id, NULL);
  if (conversation != NULL)
    return conversation;
  if (!sd_account_check_can_start (self, id, error))
    return NULL;
  /* opening a conversation is choosing to talk: it starts approved */
  if (!sd_store_open_conversation (self->store, id, sd_account_now_ms (self), error))
    return NULL;
  count_one_more (self);
  sd_account_config_conversation_created (self, id);
  conversation = sd_store_get_conversation (self->store, id, error);
  if (conversation != NULL)
    sd_account_emit_conversation_changed (self, conversation);
  return conversation;
}

gboolean
sd_account_check_body (const gchar *body, GError **error)
{
  glong units = 0;
  gsize bytes;

  if (body == NULL || *body == '\0') {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "a message needs some valid UTF-8 text");
    return FALSE;
  }
  /* a UTF-16 code unit stands for at most 3 bytes of UTF-8 (a surrogate pair for 4), so a
   * body of more than 4 bytes a unit is too long whatever it holds: refused before it is
   * even read to the end (a D-Bus string may be ~128 MiB) */
  bytes = strnlen (body, SD_BODY_MAX * 4 + 1);
  if (bytes > SD_BODY_MAX * 4) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG,
                 "a message is limited to %d characters (%d bytes of UTF-8)", SD_BODY_MAX,
                 SD_BODY_MAX * 4);
    return FALSE;
  }
  if (!g_utf8_validate (body, (gssize) bytes, NULL)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "a message needs some valid UTF-8 text");
    return FALSE;
  }
  for (const gchar *p = body; *p != '\0'; p = g_utf8_next_char (p))
    units += g_utf8_get_char (p) > 0xFFFF ? 2 : 1;
  if (units > SD_BODY_MAX) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_MESSAGE_TOO_LONG,
                 "a message is limited to %d characters, this one has %ld", SD_BODY_MAX, units);
    return FALSE;
  }
  return TRUE;
}

SdMessage *
sd_account_send (SdAccount *self, const gchar *recipient, const gchar *body, GError **error)
{
  return sd_account_send_full (self, recipient, body, NULL, error);
}

static SdMessage *send_message (SdAccount *self, const gchar *recipient, const gchar *body,
                                const gchar *quote_id, GArray *prepared, GError **error);

/* what a send checks before anything is read or stored */
static gboolean
check_send (SdAccount *self, const gchar *recipient, const gchar *body, guint n_sources,
            GError **error)
{
  if (!sd_account_require (self, error) || !sd_account_check_session_id (recipient, error))
    return FALSE;
  /* a message of attachments only has an empty body, as the official clients send it */
  if ((n_sources == 0 || *body != '\0') && !sd_account_check_body (body, error))
    return FALSE;
  if (n_sources > 0 && self->attachments == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "attachments need the network, which is not started");
    return FALSE;
  }
  return TRUE;
}

SdMessage *
sd_account_send_full (SdAccount *self,
                      const gchar *recipient,
                      const gchar *body,
                      const gchar *quote_id,
                      GError **error)
{
  if (!check_send (self, recipient, body, 0, error))
    return NULL;
  return send_message (self, recipient, body, quote_id, NULL, error);
}

typedef struct {
  gchar *recipient;
  gchar *body;
  gchar *quote_id;
} SendData;

static void
send_data_free (SendData *data)
{
  g_free (data->recipient);
  g_free (data->body);
  g_free (data->quote_id);
  g_free (data);
}

static void
on_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GArray *prepared = sd_attachments_prepare_finish (SD_ATTACHMENTS (source), result, &error);
  SdMessage *message;

  if (prepared == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* the account may have lost its network meanwhile: then nothing is queued */
  if (self->attachments == NULL) {
    sd_attachments_prepared_free (SD_ATTACHMENTS (source), prepared, TRUE);
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the network stopped");
    return;
  }
  message = send_message (self, data->recipient, data->body, data->quote_id, prepared, &error);
  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, (GDestroyNotify) sd_message_free);
}

void
sd_account_send_attachments_async (SdAccount *self,
                                   const gchar *recipient,
                                   const gchar *body,
                                   const gchar *quote_id,
                                   const SdAttachmentSource *sources,
                                   guint n_sources,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  SendData *data;

  g_task_set_source_tag (task, sd_account_send_attachments_async);
  if (!check_send (self, recipient, body, n_sources, &error)) {
    g_task_return_error (task, error);
    return;
  }
  data = g_new0 (SendData, 1);
  data->recipient = g_strdup (recipient);
  data->body = g_strdup (body);
  data->quote_id = g_strdup (quote_id);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  /* read and stripped in a worker: a slow file must not hold up the daemon */
  sd_attachments_prepare_async (self->attachments, sources, n_sources, cancellable, on_prepared,
                                g_steal_pointer (&task));
}

SdMessage *
sd_account_send_attachments_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* @prepared (nullable): attachments read by sd_attachments_prepare */
static SdMessage *
queue_message (SdAccount *self,
               const gchar *recipient,
               const gchar *body,
               const gchar *quote_id,
               GArray *prepared,
               GError **error)
{
  g_autoptr(SdConversation) conversation = NULL;
  g_autoptr(SdMessage) quoted = NULL;
  SdOutgoingMessage outgoing = { 0 };
  SdMessage *message;
  gint64 t;

  if (quote_id != NULL) {
    quoted = sd_store_get_message (self->store, quote_id, NULL);
    if (quoted == NULL || !g_str_equal (quoted->conversation, recipient) ||
        quoted->kind != SD_MESSAGE_KIND_TEXT) {
      g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                           "there is no such message in this conversation to reply to");
      return NULL;
    }
  }
  t = sd_account_now_ms (self);
  conversation = sd_store_get_conversation (self->store, recipient, NULL);
  if ((conversation == NULL || !conversation->approved) &&
      !sd_account_check_can_start (self, recipient, error))
    return NULL;
  if (conversation != NULL && conversation->blocked) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "this conversation is blocked: unblock it to send");
    return NULL;
  }
  /* replying to a message request accepts it */
  if (conversation != NULL && !conversation->approved &&
      !g_str_equal (recipient, self->identity->session_id)) {
    if (!sd_store_approve (self->store, recipient, error))
      return NULL;
    send_request_response (self, recipient, t - 100);
    sd_account_config_contact_changed (self, recipient);
  }
  outgoing.conversation_id = recipient;
  outgoing.kind = SD_MESSAGE_KIND_TEXT;
  outgoing.body = body;
  outgoing.sent_at = t;
  if (quoted != NULL) {
    outgoing.quote_author = quoted->author;
    outgoing.quote_sent_at = quoted->sent_at;
  }
  /* the conversation's disappearing setting goes with every message */
  if (conversation != NULL &&
      sd_expiration_mode_from_string (conversation->expiration_mode, &outgoing.expiration_mode))
    outgoing.expiration_timer = (guint32) conversation->expiration_timer;
  if (prepared != NULL) {
    outgoing.attachments = (const SdOutgoingAttachment *) prepared->data;
    outgoing.n_attachments = prepared->len;
  }
  message = sd_store_queue_outgoing_full (self->store, &outgoing, error);
  if (message != NULL && conversation == NULL)
    sd_account_config_conversation_created (self, recipient);
  if (conversation == NULL || !conversation->approved) {
    if (message != NULL)
      count_one_more (self);
    else
      self->n_started = -1; /* it may have been approved all the same */
  }
  if (message == NULL)
    return NULL;
  sd_account_emit_conversation (self, recipient);
  sd_account_emit_message_added (self, message, FALSE);
  sd_sender_kick (self->sender);
  if (message->expires_at > 0)
    sd_account_schedule_expiry (self);
  return message;
}

/* @prepared (nullable) (transfer full): queued with the message, or its files removed */
static SdMessage *
send_message (SdAccount *self,
              const gchar *recipient,
              const gchar *body,
              const gchar *quote_id,
              GArray *prepared,
              GError **error)
{
  SdMessage *message = NULL;

  /* kept and named by rows in one main-loop turn: the sweep (an idle) sees both or neither */
  if (prepared == NULL || sd_attachments_prepared_keep (self->attachments, prepared, error))
    message = queue_message (self, recipient, body, quote_id, prepared, error);
  if (prepared != NULL) {
    sd_attachments_prepared_free (self->attachments, prepared, message == NULL);
    if (message != NULL)
      sd_attachments_kick (self->attachments);
  }
  return message;
}

#define SEARCH_MAX_BYTES 1024 /* as the store: checked before words are left out */
#define SEARCH_MIN_WORD 2     /* letters or digits */

/* the query without words of fewer than SEARCH_MIN_WORD letters or digits: every word is a
 * prefix, and a one-letter prefix matches nearly every message, which the store then sorts
 * by time, on the main loop (16 such words took the whole index) */
static gchar *
search_words (const gchar *query)
{
  g_auto(GStrv) words = g_strsplit_set (query, " \t\n\r\f\v", -1);
  g_autoptr(GString) kept = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++) {
    guint alnum = 0;

    for (const gchar *p = words[i]; *p != '\0'; p = g_utf8_next_char (p))
      alnum += g_unichar_isalnum (g_utf8_get_char (p));
    if (alnum < SEARCH_MIN_WORD)
      continue;
    if (kept->len > 0)
      g_string_append_c (kept, ' ');
    g_string_append (kept, words[i]);
  }
  return g_string_free (g_steal_pointer (&kept), FALSE);
}

GPtrArray *
sd_account_search (SdAccount *self, const gchar *query, guint limit, GError **error)
{
  g_autofree gchar *words = NULL;

  if (!sd_account_require (self, error))
    return NULL;
  if (!g_utf8_validate (query, -1, NULL) || strlen (query) > SEARCH_MAX_BYTES) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                 "a search query is at most %d bytes of UTF-8", SEARCH_MAX_BYTES);
    return NULL;
  }
  words = search_words (query);
  /* a quote of another conversation has no body: the store's query sees to it */
  return sd_store_search (self->store, words, limit, error);
}

GPtrArray *
sd_account_get_messages (SdAccount *self,
                         const gchar *conversation,
                         gint64 before,
                         gint64 after,
                         guint limit,
                         GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return NULL;
  return sd_store_get_messages (self->store, conversation, before, after, limit, error);
}

gboolean
sd_account_mark_read (SdAccount *self, const gchar *conversation, gint64 up_to, GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  g_autoptr(GArray) timestamps = NULL;
  g_autoptr(GPtrArray) expiring = NULL;

  if (existing == NULL)
    return FALSE;
  if (!sd_store_mark_read (self->store, conversation, up_to, &timestamps, &expiring,
                           error))
    return FALSE;
  {
    gint64 newest_read = 0;

    for (guint i = 0; timestamps != NULL && i < timestamps->len; i++)
      newest_read = MAX (newest_read, g_array_index (timestamps, gint64, i));
    sd_account_config_read (self, existing, newest_read);
  }
  if (expiring->len > 0) {
    for (guint i = 0; i < expiring->len; i++)
      sd_account_emit_message_changed (self, g_ptr_array_index (expiring, i));
    sd_account_shorten_expiring (self, expiring);
    sd_account_schedule_expiry (self);
  }
  /* receipts only when enabled, and never to strangers or blocked people */
  if (self->config.read_receipts && timestamps != NULL && timestamps->len > 0 &&
      !sd_store_is_community_id (conversation) && !sd_store_is_blinded_id (conversation) &&
      existing->approved && !existing->blocked && existing->kind == SD_CONVERSATION_KIND_DIRECT) {
    gint64 t = sd_account_now_ms (self);
    g_autoptr(GBytes) content = sd_content_pack_read_receipt (
      (guint64) t, (const guint64 *) timestamps->data, timestamps->len);

    sd_sender_send_control (self->sender, conversation, content, (guint64) t,
                            SD_OUTGOING_READ_RECEIPT);
  }
  sd_account_emit_conversation (self, conversation);
  sd_account_emit_account_changed (self);
  return TRUE;
}

gboolean
sd_account_set_typing (SdAccount *self, const gchar *conversation, gboolean typing, GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  gint64 t;
  g_autoptr(GBytes) content = NULL;

  if (existing == NULL)
    return FALSE;
  if (!self->config.typing_indicators || !existing->approved || existing->blocked ||
      existing->kind != SD_CONVERSATION_KIND_DIRECT)
    return TRUE;
  t = sd_account_now_ms (self);
  content = sd_content_pack_typing ((guint64) t, typing);
  sd_sender_send_control (self->sender, conversation, content, (guint64) t, SD_OUTGOING_TYPING);
  return TRUE;
}

gboolean
sd_account_approve (SdAccount *self, const gchar *conversation, GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (existing->approved)
    return TRUE;
  if (!sd_account_check_can_start (self, conversation, error) ||
      !sd_store_approve (self->store, conversation, error))
    return FALSE;
  count_one_more (self);
  send_request_response (self, conversation, sd_account_now_ms (self));
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  return TRUE;
}

gboolean
sd_account_set_blocked (SdAccount *self, const gchar *conversation, gboolean blocked,
                        GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (!sd_store_set_blocked (self->store, conversation, blocked, error))
    return FALSE;
  if (blocked)
    sd_account_set_peer_typing (self, conversation, FALSE);
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  sd_account_emit_account_changed (self);
  return TRUE;
}

gboolean
sd_account_set_muted_until (SdAccount *self, const gchar *conversation, gint64 until,
                            GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (until < 0) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "a mute time cannot be negative");
    return FALSE;
  }
  if (!sd_store_set_muted_until (self->store, conversation, until, error))
    return FALSE;
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  return TRUE;
}

gboolean
sd_account_delete_conversation (SdAccount *self, const gchar *conversation, GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  /* leaving a community: its UserGroups entry goes too (docs/communities.md) */
  g_autoptr(SdCommunity) room = sd_account_dup_community (self, conversation);

  if (existing == NULL)
    return FALSE;
  if (!sd_store_delete_conversation (self->store, conversation, error))
    return FALSE;
  if (self->config_sync != NULL && room != NULL)
    sd_config_sync_community_removed (self->config_sync, room->base_url, room->room);
  else if (self->config_sync != NULL)
    sd_config_sync_contact_removed (self->config_sync, conversation);
  if (existing->approved && self->n_started > 0)
    self->n_started--;
  sd_account_set_peer_typing (self, conversation, FALSE);
  sd_account_emit_conversation_removed (self, conversation);
  sd_account_emit_account_changed (self);
  return TRUE;
}

gboolean
sd_account_get_peer_typing (SdAccount *self, const gchar *conversation)
{
  return g_hash_table_contains (self->typing, conversation);
}
