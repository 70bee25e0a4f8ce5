/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

#include "config.h"

#include "sd-account-private.h"

/*
 * The account and our other devices (issue 15, docs/config-sync.md): SdConfigSync wired to the
 * poller and to the account's signals, what a tick's changes need from the shared settings
 * (read positions, Note to Self, hidden conversations), and the settings only the configs
 * carry (priority, notify mode, marked unread).
 */

/* a message request approved (here or on another device) or a contact unblocked: what its
 * messages brought is downloaded now, by the automatic-download rule */
static void
start_approved_downloads (SdAccount *self, const gchar *id)
{
  g_autoptr(SdConversation) conversation = NULL;

  if (self->attachments == NULL)
    return;
  conversation = sd_store_get_conversation (self->store, id, NULL);
  if (conversation != NULL && conversation->approved && !conversation->blocked &&
      conversation->kind == SD_CONVERSATION_KIND_DIRECT)
    sd_attachments_conversation_approved (self->attachments, id);
}

void
sd_account_config_contact_changed (SdAccount *self, const gchar *id)
{
  if (self->config_sync != NULL)
    sd_config_sync_contact_changed (self->config_sync, id, sd_account_now_ms (self));
  start_approved_downloads (self, id);
}

void
sd_account_config_conversation_created (SdAccount *self, const gchar *id)
{
  if (self->config_sync != NULL)
    sd_config_sync_conversation_created (self->config_sync, id, sd_account_now_ms (self));
}

static void
on_config_items (SdPoller *poller, const SdIngestCursor *cursor, GPtrArray *items,
                 gboolean complete, gpointer user_data)
{
  SdAccount *self = user_data;

  if (self->config_sync != NULL)
    sd_config_sync_receive (self->config_sync, cursor, items, complete);
}

static void
on_config_conversation (SdConfigSync *sync, const gchar *id, gpointer user_data)
{
  SdAccount *self = user_data;

  self->n_started = -1;
  sd_account_emit_conversation (self, id);
  sd_account_emit_account_changed (self);
  /* after-read messages read on another device start disappearing here too */
  sd_account_schedule_expiry (self);
  /* the Contacts config may have brought a new picture, or an approval */
  if (self->attachments != NULL)
    sd_attachments_fetch_avatar (self->attachments, id);
  start_approved_downloads (self, id);
}

static void
on_config_removed (SdConfigSync *sync, const gchar *id, gpointer user_data)
{
  SdAccount *self = user_data;

  self->n_started = -1;
  sd_account_set_peer_typing (self, id, FALSE);
  sd_account_emit_conversation_removed (self, id);
  sd_account_emit_account_changed (self);
}

static void
on_config_profile (SdConfigSync *sync, gpointer user_data)
{
  SdAccount *self = user_data;
  g_autofree gchar *name = sd_store_get_setting (self->store, "display-name", NULL);

  g_free (self->display_name);
  self->display_name = g_strdup (name != NULL ? name : "");
  sd_sender_set_profile (self->sender, self->display_name, sd_account_profile_updated (self));
  sd_account_own_avatar_changed (self);
  sd_account_emit_account_changed (self);
}

static void
on_config_synced (SdConfigSync *sync, gpointer user_data)
{
  sd_account_emit_account_changed (user_data);
}

/* messages that arrive at or before the read position our other devices agreed on are read
 * already: marked so before anything is announced */
static void
catch_up_read (SdAccount *self, SdStoreChanges *changes)
{
  GPtrArray *lists[] = { changes->created_conversations, changes->changed_conversations };
  g_autoptr(GHashTable) positions = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++) {
    for (guint i = 0; i < lists[l]->len; i++) {
      SdConversation *conversation = g_ptr_array_index (lists[l], i);
      SdConversation *fresh;
      g_autoptr(GError) error = NULL;

      if (conversation->last_read_at <= 0 || conversation->unread == 0)
        continue;
      if (!sd_store_mark_read (self->store, conversation->id, conversation->last_read_at, NULL,
                               NULL, &error)) {
        g_warning ("could not apply a synced read position: %s", error->message);
        continue;
      }
      fresh = sd_store_get_conversation (self->store, conversation->id, NULL);
      if (fresh == NULL)
        continue;
      lists[l]->pdata[i] = fresh;
      sd_conversation_free (conversation);
      g_hash_table_insert (positions, fresh->id, &fresh->last_read_at);
    }
  }
  for (guint i = 0; i < changes->new_messages->len && g_hash_table_size (positions) > 0; i++) {
    SdMessage *message = g_ptr_array_index (changes->new_messages, i);
    const gint64 *read_to = g_hash_table_lookup (positions, message->conversation);

    if (read_to != NULL && !message->outgoing && message->sent_at <= *read_to &&
        message->status == SD_MESSAGE_STATUS_SENT)
      message->status = SD_MESSAGE_STATUS_READ;
  }
}

/* a hidden conversation shows again when a new message arrives in it (one not already read on
 * another device), as the official clients do; our other devices learn it from the config */
static void
unhide_on_message (SdAccount *self, SdStoreChanges *changes)
{
  GPtrArray *lists[] = { changes->created_conversations, changes->changed_conversations };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++) {
    for (guint i = 0; i < lists[l]->len; i++) {
      SdConversation *conversation = g_ptr_array_index (lists[l], i);
      gboolean fresh = FALSE;
      g_autoptr(GError) error = NULL;

      if (conversation->priority >= 0)
        continue;
      for (guint m = 0; m < changes->new_messages->len && !fresh; m++) {
        SdMessage *message = g_ptr_array_index (changes->new_messages, m);

        fresh = !message->outgoing && message->kind == SD_MESSAGE_KIND_TEXT &&
                message->status == SD_MESSAGE_STATUS_SENT &&
                g_strcmp0 (message->conversation, conversation->id) == 0;
      }
      if (!fresh)
        continue;
      if (!sd_store_set_priority (self->store, conversation->id, 0, &error)) {
        g_warning ("could not show a hidden conversation: %s", error->message);
        continue;
      }
      conversation->priority = 0;
      sd_account_config_contact_changed (self, conversation->id);
    }
  }
}

void
sd_account_config_setup (SdAccount *self)
{
  self->config_sync = sd_config_sync_new (self->network, self->store, self->identity);
  g_signal_connect_object (self->poller, "config-items", G_CALLBACK (on_config_items), self, 0);
  g_signal_connect_object (self->config_sync, "conversation-changed",
                           G_CALLBACK (on_config_conversation), self, 0);
  g_signal_connect_object (self->config_sync, "conversation-removed",
                           G_CALLBACK (on_config_removed), self, 0);
  g_signal_connect_object (self->config_sync, "profile-changed", G_CALLBACK (on_config_profile),
                           self, 0);
  g_signal_connect_object (self->config_sync, "synced-changed", G_CALLBACK (on_config_synced),
                           self, 0);
}

/* Note to Self created by a synced message takes its shared settings */
static void
note_to_self_created (SdAccount *self, SdStoreChanges *changes)
{
  for (guint i = 0; i < changes->created_conversations->len; i++) {
    SdConversation *created = g_ptr_array_index (changes->created_conversations, i);
    SdConversation *fresh;

    if (created->kind != SD_CONVERSATION_KIND_NOTE_TO_SELF || self->config_sync == NULL)
      continue;
    sd_config_sync_conversation_created (self->config_sync, created->id,
                                         sd_account_now_ms (self));
    fresh = sd_store_get_conversation (self->store, created->id, NULL);
    if (fresh == NULL)
      continue;
    changes->created_conversations->pdata[i] = fresh;
    sd_conversation_free (created);
  }
}

void
sd_account_config_apply_changes (SdAccount *self, SdStoreChanges *changes)
{
  note_to_self_created (self, changes);
  catch_up_read (self, changes);
  unhide_on_message (self, changes);
  /* a newer profile (name, picture) goes into the contact our devices share */
  for (guint i = 0; self->config_sync != NULL && i < changes->changed_conversations->len; i++)
    sd_config_sync_contact_profile_changed (self->config_sync, ((SdConversation *)
      g_ptr_array_index (changes->changed_conversations, i))->id, sd_account_now_ms (self));
}

/* reading moves the read position our devices share forward, and ends "marked unread" */
void
sd_account_config_read (SdAccount *self, SdConversation *existing, gint64 newest_read)
{
  g_autoptr(GError) error = NULL;
  /* the newest message read, not our clock: a message the sender's device stamped a moment
   * earlier than our "now" but that arrives after the read must still count as unread */
  gint64 position = MAX (existing->last_read_at, newest_read);

  if (position == existing->last_read_at && !existing->marked_unread)
    return;

  if (!sd_store_set_read_state (self->store, existing->id, position, FALSE, NULL, &error)) {
    g_warning ("could not record the read position: %s", error->message);
    return;
  }
  if (self->config_sync != NULL)
    sd_config_sync_read_changed (self->config_sync, existing->id, sd_account_now_ms (self));
}

/* ---- settings our devices share (issue 15) ---- */

gboolean
sd_account_set_priority (SdAccount *self, const gchar *conversation, gint64 priority,
                         GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (priority < -1 || priority > SD_ACCOUNT_MAX_PRIORITY) {
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                 "a priority is -1 (hidden), 0 or a pin order up to %d", SD_ACCOUNT_MAX_PRIORITY);
    return FALSE;
  }
  if (existing->priority == priority)
    return TRUE;
  if (!sd_store_set_priority (self->store, conversation, priority, error))
    return FALSE;
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  return TRUE;
}

gboolean
sd_account_set_notify_mode (SdAccount *self, const gchar *conversation, const gchar *mode,
                            GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);
  gint value = 0;

  if (existing == NULL)
    return FALSE;
  if (!sd_conversation_notify_from_string (mode, &value)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                         "the notify mode is all, mentions or none");
    return FALSE;
  }
  /* a 1:1 conversation has no mentions: the official clients read "mentions" there as "all";
   * a group keeps it (sd-notifier.c) */
  if (value == SD_CONVERSATION_NOTIFY_MENTIONS && existing->kind != SD_CONVERSATION_KIND_GROUP)
    value = SD_CONVERSATION_NOTIFY_ALL;
  /* "all" stays the default when it is what the other clients left */
  if (g_str_equal (sd_conversation_notify_to_string (existing->notify_mode),
                   sd_conversation_notify_to_string (value)))
    return TRUE;
  if (!sd_store_set_notify_mode (self->store, conversation, value, error))
    return FALSE;
  /* a group's goes to its UserGroups entry (sd_config_sync_contact_changed sees the kind) */
  sd_account_config_contact_changed (self, conversation);
  sd_account_emit_conversation (self, conversation);
  return TRUE;
}

gboolean
sd_account_set_marked_unread (SdAccount *self, const gchar *conversation, gboolean unread,
                              GError **error)
{
  g_autoptr(SdConversation) existing = sd_account_get_conversation (self, conversation, error);

  if (existing == NULL)
    return FALSE;
  if (existing->marked_unread == unread)
    return TRUE;
  if (!sd_store_set_read_state (self->store, conversation, existing->last_read_at, unread, NULL,
                                error))
    return FALSE;
  if (self->config_sync != NULL)
    sd_config_sync_read_changed (self->config_sync, conversation, sd_account_now_ms (self));
  sd_account_emit_conversation (self, conversation);
  sd_account_emit_account_changed (self);
  return TRUE;
}

gboolean
sd_account_get_config_synced (SdAccount *self)
{
  return self->config_sync != NULL && sd_config_sync_get_synced (self->config_sync);
}

gchar *
sd_account_dup_avatar_url (SdAccount *self)
{
  g_autofree gchar *url = NULL;

  if (self->store == NULL)
    return g_strdup ("");
  url = sd_store_get_setting (self->store, "avatar-url", NULL);
  return g_strdup (url != NULL ? url : "");
}
