/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

#include "sd-ons-client.h"
#include "sd-account.h"
#include "sd-account-private.h"
#include "sd-group-media.h"

#include <sodium.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sd-avatar-crypto.h"
#include "sd-content.h"
#include "sd-display-name.h"
#include "sd-encoding.h"
#include "sd-file-keystore.h"
#include "sd-keys.h"
#include "sd-keystore.h"
#include "sd-mnemonic.h"
#include "sd-network.h"
#include "sd-poller.h"
#include "sd-secret-keystore.h"
#include "sd-seed.h"
#include "sd-sender.h"
#include "sd-sodium.h"
#include "sd-soup-transport.h"
#include "sd-store-pool.h"

#define TYPING_TIMEOUT_S 20 /* a typing indicator lasts as long as its TTL */

enum {
  SIGNAL_ACCOUNT_CHANGED,
  SIGNAL_CONVERSATION_CHANGED,
  SIGNAL_CONVERSATION_REMOVED,
  SIGNAL_MESSAGE_ADDED,
  SIGNAL_MESSAGE_CHANGED,
  SIGNAL_TYPING_CHANGED,
  SIGNAL_MESSAGE_REMOVED,
  SIGNAL_HISTORY_ADDED,
  SIGNAL_SYNC_CHANGED,
  SIGNAL_CAUGHT_UP,
  SIGNAL_STARTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SdAccount, sd_account, G_TYPE_OBJECT)
G_DEFINE_QUARK (sd-account-error-quark, sd_account_error)

gint64
sd_account_now_ms (SdAccount *self)
{
  return self->network != NULL ? sd_network_now_ms (self->network) : g_get_real_time () / 1000;
}

static void
set_state (SdAccount *self, const gchar *state)
{
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_info ("state: %s", state);
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
}

gboolean
sd_account_require (SdAccount *self, GError **error)
{
  if (self->identity != NULL)
    return TRUE;
  g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NO_ACCOUNT,
                       "there is no account yet: create or restore one");
  return FALSE;
}

gboolean
sd_account_check_session_id (const gchar *id, GError **error)
{
  guint8 pk[32];
  g_autoptr(GError) local_error = NULL;

  if (sd_session_id_parse (id, pk, &local_error) && sd_store_is_session_id (id))
    return TRUE;
  /* never the input itself: a phrase pasted into the wrong field must not come back in an
   * error that front ends show or log */
  g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_SESSION_ID,
               "not a Session ID: %s",
               local_error != NULL ? local_error->message : "use lower-case hex");
  return FALSE;
}

void
sd_account_emit_conversation (SdAccount *self, const gchar *id)
{
  g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store, id, NULL);

  if (conversation != NULL)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, conversation);
}

void
sd_account_emit_conversation_changed (SdAccount *self, SdConversation *conversation)
{
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, conversation);
}

void
sd_account_emit_conversation_removed (SdAccount *self, const gchar *id)
{
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_REMOVED], 0, id);
}

void
sd_account_emit_message_added (SdAccount *self, SdMessage *message, gboolean arrived)
{
  /* automatic downloads: from approved, unblocked conversations only, never from requests */
  if (arrived && message->attachments != NULL && self->attachments != NULL) {
    g_autoptr(SdConversation) conversation = sd_store_get_conversation (self->store,
                                                                        message->conversation,
                                                                        NULL);

    sd_attachments_consider (self->attachments, message,
                             conversation != NULL && conversation->approved &&
                               !conversation->blocked);
  }
  g_signal_emit (self, signals[SIGNAL_MESSAGE_ADDED], 0, message, arrived);
}

void
sd_account_emit_message_changed (SdAccount *self, SdMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_CHANGED], 0, message);
}

void
sd_account_emit_message_removed (SdAccount *self, SdMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE_REMOVED], 0, message);
}

void
sd_account_emit_account_changed (SdAccount *self)
{
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
}

/* ---- disappearing messages ---- */

void
sd_account_schedule_expiry (SdAccount *self)
{
  if (self->expiry != NULL)
    sd_expiry_schedule (self->expiry);
}

static void
on_expired (SdExpiry *expiry, GPtrArray *removed, gpointer user_data)
{
  SdAccount *self = user_data;
  g_autoptr(GHashTable) conversations = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id;

  for (guint i = 0; i < removed->len; i++) {
    SdMessage *message = g_ptr_array_index (removed, i);

    g_signal_emit (self, signals[SIGNAL_MESSAGE_REMOVED], 0, message);
    g_hash_table_add (conversations, message->conversation);
  }
  g_hash_table_iter_init (&iter, conversations);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    sd_account_emit_conversation (self, id);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
}

void
sd_account_shorten_expiring (SdAccount *self, GPtrArray *expiring)
{
  g_autoptr(GArray) jobs = g_array_new (FALSE, TRUE, sizeof (SdJobSpec));
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < expiring->len; i++) {
    SdMessage *message = g_ptr_array_index (expiring, i);
    GBytes *hash;
    SdJobSpec job = { SD_JOB_EXPIRE, self->identity->session_id, NULL, 0, message->expires_at };

    /* only a message that came through our swarm has a copy there */
    if (message->server_hash == NULL)
      continue;
    hash = g_bytes_new (message->server_hash, strlen (message->server_hash));
    g_ptr_array_add (payloads, hash);
    job.payload = hash;
    g_array_append_val (jobs, job);
  }
  if (jobs->len == 0)
    return;
  if (!sd_store_add_jobs (self->store, (const SdJobSpec *) jobs->data, jobs->len, &error))
    g_warning ("could not queue shortening the expiry of read messages: %s", error->message);
  sd_sender_kick (self->sender);
}

/* ---- what the network brings ---- */

/* history (a message sent before the catch-up began, or anything of an account's first
 * sync) goes out as one "history-added" per slice, not one "message-added" each */
static gboolean
is_history (const SdMessage *message, gint64 history_before)
{
  return history_before != 0 && message->sent_at < history_before;
}

static void
on_poller_changes (SdPoller *poller, SdStoreChanges *changes, gint64 history_before,
                   gpointer user_data)
{
  SdAccount *self = user_data;
  g_autoptr(GPtrArray) history = g_ptr_array_new ();

  /* our other devices may have started or accepted conversations: count again when needed */
  if (changes->created_conversations->len > 0 || changes->changed_conversations->len > 0)
    self->n_started = -1;
  sd_account_config_apply_changes (self, changes);
  for (guint i = 0; i < changes->created_conversations->len; i++)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0,
                   g_ptr_array_index (changes->created_conversations, i));
  for (guint i = 0; i < changes->changed_conversations->len; i++)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0,
                   g_ptr_array_index (changes->changed_conversations, i));
  /* a new profile may name a new avatar */
  for (guint i = 0; self->attachments != NULL && i < changes->created_conversations->len; i++)
    sd_attachments_fetch_avatar (self->attachments, ((SdConversation *) g_ptr_array_index (
                                   changes->created_conversations, i))->id);
  for (guint i = 0; self->attachments != NULL && i < changes->changed_conversations->len; i++)
    sd_attachments_fetch_avatar (self->attachments, ((SdConversation *) g_ptr_array_index (
                                   changes->changed_conversations, i))->id);
  for (guint i = 0; i < changes->new_messages->len; i++) {
    SdMessage *message = g_ptr_array_index (changes->new_messages, i);

    if (self->syncing)
      g_hash_table_add (self->sync_updated, g_strdup (message->conversation));
    if (!is_history (message, history_before)) {
      sd_account_emit_message_added (self, message, TRUE);
      continue;
    }
    g_ptr_array_add (history, message);
    if (!message->outgoing && message->kind == SD_MESSAGE_KIND_TEXT) {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->history_conversations,
                                                       message->conversation));

      self->history_messages++;
      g_hash_table_insert (self->history_conversations, g_strdup (message->conversation),
                           GUINT_TO_POINTER (n + 1));
    }
  }
  if (history->len > 0)
    g_signal_emit (self, signals[SIGNAL_HISTORY_ADDED], 0, history);
  for (guint i = 0; i < changes->changed_messages->len; i++)
    sd_account_emit_message_changed (self, g_ptr_array_index (changes->changed_messages, i));
  for (guint i = 0; i < changes->removed_messages->len; i++)
    g_signal_emit (self, signals[SIGNAL_MESSAGE_REMOVED], 0,
                   g_ptr_array_index (changes->removed_messages, i));
  if (changes->new_messages->len > 0 || changes->removed_messages->len > 0)
    g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
  if (changes->new_messages->len > 0)
    sd_account_schedule_expiry (self);
}

static void
on_poller_sync_progress (SdPoller *poller, gboolean syncing, guint64 fetched,
                         gpointer user_data)
{
  SdAccount *self = user_data;

  if (syncing && !self->syncing)
    g_hash_table_remove_all (self->sync_updated);
  self->syncing = syncing;
  self->sync_fetched = fetched;
  g_signal_emit (self, signals[SIGNAL_SYNC_CHANGED], 0);
}

/* the poll that found nothing more: one summary of the history it brought */
static void
on_poller_caught_up (SdAccount *self)
{
  g_autoptr(GHashTable) counts = NULL;

  if (self->history_messages == 0)
    return;
  counts = g_steal_pointer (&self->history_conversations);
  self->history_conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->history_messages = 0;
  g_signal_emit (self, signals[SIGNAL_CAUGHT_UP], 0, counts);
}

gboolean
sd_account_get_syncing (SdAccount *self, guint64 *out_fetched, guint *out_conversations)
{
  if (out_fetched != NULL)
    *out_fetched = self->sync_fetched;
  if (out_conversations != NULL)
    *out_conversations = g_hash_table_size (self->sync_updated);
  return self->syncing;
}

void
sd_account_apply_changes (SdAccount *self, SdStoreChanges *changes)
{
  /* no catch-up history here: every message goes out as arriving */
  on_poller_changes (NULL, changes, 0, self);
}

typedef struct {
  SdAccount *self; /* (unowned) the timer dies with the daemon's table */
  gchar *id;
} TypingTimer;

static void
typing_timer_free (TypingTimer *timer)
{
  g_free (timer->id);
  g_free (timer);
}

static gboolean
on_typing_expired (gpointer user_data)
{
  TypingTimer *timer = user_data;
  SdAccount *self = timer->self;

  /* the source is being dispatched: take it out of the table unremoved */
  g_hash_table_steal (self->typing, timer->id);
  g_signal_emit (self, signals[SIGNAL_TYPING_CHANGED], 0, timer->id, FALSE);
  return G_SOURCE_REMOVE;
}

void
sd_account_set_peer_typing (SdAccount *self, const gchar *id, gboolean typing)
{
  gboolean was_typing = g_hash_table_contains (self->typing, id);
  TypingTimer *timer;

  /* removing the entry removes its timer */
  g_hash_table_remove (self->typing, id);
  if (!typing) {
    if (was_typing)
      g_signal_emit (self, signals[SIGNAL_TYPING_CHANGED], 0, id, FALSE);
    return;
  }
  timer = g_new0 (TypingTimer, 1);
  timer->self = self;
  timer->id = g_strdup (id);
  g_hash_table_replace (self->typing, g_strdup (id),
                        GUINT_TO_POINTER (g_timeout_add_seconds_full (
                          G_PRIORITY_DEFAULT, TYPING_TIMEOUT_S, on_typing_expired, timer,
                          (GDestroyNotify) typing_timer_free)));
  if (!was_typing)
    g_signal_emit (self, signals[SIGNAL_TYPING_CHANGED], 0, id, TRUE);
}

static void
on_poller_typing (SdPoller *poller, const gchar *author, gboolean typing, gpointer user_data)
{
  SdAccount *self = user_data;
  g_autoptr(SdConversation) conversation = NULL;

  if (!self->config.typing_indicators)
    return;
  /* 1:1 only, and not from blocked senders or strangers */
  conversation = sd_store_get_conversation (self->store, author, NULL);
  if (conversation == NULL || conversation->blocked)
    return;
  sd_account_set_peer_typing (self, author, typing);
}

static void
on_poller_online (SdPoller *poller, gpointer user_data)
{
  SdAccount *self = user_data;

  set_state (self, sd_poller_get_online (poller) ? "online" : "offline");
}

static void
on_sender_message_changed (SdSender *sender, SdMessage *message, gpointer user_data)
{
  sd_account_emit_message_changed (user_data, message);
}

/* ---- account lifecycle ---- */

#define POOL_FIRST_REFRESH_S 300 /* as desktop: 5 minutes after start, then hourly */
#define POOL_REFRESH_S 3600
#define PRUNE_SEEN_S 3600 /* the seen-hashes table forgets what no node still stores */

static void
on_pool_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sd_network_refresh_pool_finish (SD_NETWORK (source), result, &error))
    g_debug ("node list refresh failed: %s", error->message);
}

static gboolean
on_refresh_pool (gpointer user_data)
{
  SdAccount *self = user_data;

  if (self->network != NULL)
    sd_network_refresh_pool_async (self->network, NULL, on_pool_refreshed, NULL);
  self->refresh_id = g_timeout_add_seconds (POOL_REFRESH_S, on_refresh_pool, self);
  return G_SOURCE_REMOVE;
}

/* without this the table of message hashes already seen only ever grows */
static void
prune_seen (SdAccount *self)
{
  g_autoptr(GError) error = NULL;
  guint pruned = 0;

  /* the local clock: a skewed network time must not forget hashes nodes still serve */
  if (!sd_store_prune_seen (self->store, g_get_real_time () / 1000, &pruned, &error))
    g_warning ("could not prune the seen message hashes: %s", error->message);
  else if (pruned > 0)
    g_debug ("forgot %u seen message hashes", pruned);
}

static gboolean
on_prune_seen (gpointer user_data)
{
  prune_seen (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- attachments ---- */

static void
on_attachment_changed (SdAttachments *attachments, const gchar *message_id, gpointer user_data)
{
  SdAccount *self = user_data;
  g_autoptr(SdMessage) message = NULL;

  /* a group message whose upload failed for good fails (docs/groups.md) */
  if (self->groups != NULL)
    sd_groups_attachments_changed (self->groups, message_id);
  message = sd_store_get_message (self->store, message_id, NULL);
  if (message != NULL)
    sd_account_emit_message_changed (self, message);
}

static void
on_avatar_changed (SdAttachments *attachments, const gchar *conversation, gpointer user_data)
{
  sd_account_emit_conversation (user_data, conversation);
}

static void
on_attachments_ready (SdAttachments *attachments, const gchar *message_id, gpointer user_data)
{
  SdAccount *self = user_data;

  if (self->sender != NULL)
    sd_sender_kick (self->sender);
  /* a group message goes to the group's swarm, not through the sender */
  if (self->groups != NULL)
    sd_groups_attachments_ready (self->groups, message_id);
}

/* files of removed messages go with them */
static void
on_something_removed (SdAccount *self, gpointer arg, gpointer user_data)
{
  if (self->attachments != NULL)
    sd_attachments_sweep (self->attachments);
}

/* ---- our avatar ---- */

/* the avatar in the settings to the sender: URL and profile key, or nothing */
static void
load_avatar (SdAccount *self)
{
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  guint8 key[SD_PROFILE_KEY_LEN];
  g_autoptr(GBytes) profile_key = NULL;

  if (self->sender == NULL)
    return;
  if (url != NULL && *url != '\0' && key_hex != NULL &&
      sd_hex_decode_exact (key_hex, key, sizeof key, NULL)) {
    profile_key = g_bytes_new (key, sizeof key);
    sodium_memzero (key, sizeof key);
  }
  sd_sender_set_avatar (self->sender, profile_key != NULL ? url : NULL, profile_key);
}

void
sd_account_load_own_avatar (SdAccount *self)
{
  load_avatar (self);
}

typedef struct {
  SdAccount *account; /* (owned) */
  gchar *url;         /* (owned) the URL fetched */
} OwnAvatarFetch;

static void
own_avatar_fetch_free (OwnAvatarFetch *fetch)
{
  g_object_unref (fetch->account);
  g_free (fetch->url);
  g_free (fetch);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OwnAvatarFetch, own_avatar_fetch_free)

/* <data dir>/avatar holds the picture of the URL in setting "avatar-file-url" */
static void
on_own_avatar_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OwnAvatarFetch) fetch = user_data;
  SdAccount *self = fetch->account;
  const gchar *url = fetch->url;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_attachments_download_avatar_finish (SD_ATTACHMENTS (source),
                                                                   result, &error);
  g_autofree gchar *current = NULL;
  g_autofree gchar *path = NULL;

  if (plain == NULL) {
    g_debug ("our avatar could not be fetched: %s", error->message);
    /* tried again with backoff, as a contact's is */
    sd_account_own_avatar_fetch_failed (self, url, error);
    return;
  }
  if (self->store == NULL)
    return;
  /* only while it is still our picture */
  current = sd_store_get_setting (self->store, "avatar-url", NULL);
  if (g_strcmp0 (current, url) != 0)
    return;
  path = g_build_filename (self->config.data_dir, "avatar", NULL);
  if (!g_file_set_contents_full (path, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error) ||
      !sd_store_set_setting (self->store, "avatar-file-url", url, &error)) {
    g_warning ("could not keep our avatar: %s", error->message);
    return;
  }
  sd_account_own_avatar_fetched (self);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
}

/* our picture as the settings name it (set here, or on another device through UserProfile):
 * to the sender, and fetched into <data dir>/avatar unless it is there */
static void
sync_own_avatar (SdAccount *self)
{
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  g_autofree gchar *have = sd_store_get_setting (self->store, "avatar-file-url", NULL);
  g_autofree gchar *path = g_build_filename (self->config.data_dir, "avatar", NULL);
  guint8 key[SD_PROFILE_KEY_LEN];
  g_autoptr(GBytes) profile_key = NULL;
  OwnAvatarFetch *fetch;

  load_avatar (self);
  if (url == NULL || *url == '\0') {
    if (have != NULL) {
      (void) g_unlink (path);
      sd_store_set_setting (self->store, "avatar-file-url", NULL, NULL);
    }
    return;
  }
  if (g_strcmp0 (have, url) == 0 && g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;
  if (self->attachments == NULL || key_hex == NULL ||
      !sd_hex_decode_exact (key_hex, key, sizeof key, NULL))
    return;
  profile_key = g_bytes_new (key, sizeof key);
  sodium_memzero (key, sizeof key);
  fetch = g_new0 (OwnAvatarFetch, 1);
  fetch->account = g_object_ref (self);
  fetch->url = g_strdup (url);
  sd_attachments_download_avatar_async (self->attachments, url, profile_key, NULL,
                                        on_own_avatar_fetched, fetch);
}

void
sd_account_own_avatar_changed (SdAccount *self)
{
  if (self->store == NULL)
    return;
  sync_own_avatar (self);
  /* a picture from another device is kept alive here too */
  sd_account_avatar_keeper_changed (self);
}

static gboolean
save_profile (SdAccount *self, const gchar *url, const gchar *key_hex, GError **error)
{
  guint64 now_s = 0;

  /* with a profile time strictly newer than the last, in one transaction */
  if (!sd_store_set_own_profile (self->store, NULL, TRUE, url, key_hex,
                                 (guint64) (sd_account_now_ms (self) / 1000), &now_s, error))
    return FALSE;
  /* a new lastProfileUpdateSeconds: peers take the new profile */
  sd_sender_set_profile (self->sender, self->display_name, now_s);
  load_avatar (self);
  /* and our other devices, through UserProfile */
  if (self->config_sync != NULL)
    sd_config_sync_profile_changed (self->config_sync);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
  return TRUE;
}

typedef struct {
  guint8 key[SD_PROFILE_KEY_LEN];
  GBytes *plain; /* (owned) */
} AvatarUpload;

static void
avatar_upload_free (AvatarUpload *upload)
{
  sodium_memzero (upload->key, sizeof upload->key);
  g_clear_pointer (&upload->plain, g_bytes_unref);
  g_free (upload);
}

static void
on_avatar_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  AvatarUpload *upload = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 expires = 0;
  g_autofree gchar *url = sd_attachments_upload_finish_full (SD_ATTACHMENTS (source), result,
                                                             &expires, &error);
  g_autofree gchar *key_hex = NULL;
  g_autofree gchar *path = NULL;

  if (url == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* our own copy, for front ends that show it */
  path = g_build_filename (self->config.data_dir, "avatar", NULL);
  if (!g_file_set_contents_full (path, g_bytes_get_data (upload->plain, NULL),
                                 g_bytes_get_size (upload->plain),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error) ||
      !sd_store_set_setting (self->store, "avatar-file-url", url, &error))
    g_clear_error (&error);
  key_hex = sd_hex_encode (upload->key, sizeof upload->key);
  if (!save_profile (self, url, key_hex, &error)) {
    g_task_return_error (task, error);
    return;
  }
  /* kept alive from now on, from what the server said */
  sd_account_avatar_keeper_uploaded (self, url, expires);
  g_task_return_boolean (task, TRUE);
}

static void on_avatar_read (GObject *source, GAsyncResult *result, gpointer user_data);

void
sd_account_set_avatar_async (SdAccount *self, gint fd, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  AvatarUpload *upload;

  g_task_set_source_tag (task, sd_account_set_avatar_async);
  if (!sd_account_require (self, &error)) {
    g_task_return_error (task, error);
    return;
  }
  /* the upload is network traffic: none before the bus name is ours (sd_account_hold_network) */
  if (self->attachments == NULL || !self->online) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the network is not started");
    return;
  }
  upload = g_new0 (AvatarUpload, 1);
  g_task_set_task_data (task, upload, (GDestroyNotify) avatar_upload_free);
  /* read and stripped off the main loop */
  sd_attachments_read_image_async (self->attachments, fd, cancellable, on_avatar_read,
                                   g_steal_pointer (&task));
}

static void
on_avatar_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AvatarUpload *upload = g_task_get_task_data (task);
  g_autoptr(GBytes) blob = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  upload->plain = sd_attachments_read_image_finish (SD_ATTACHMENTS (source), result, &error);
  if (upload->plain == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* a new profile key for each new picture, as the official clients rotate it */
  randombytes_buf (upload->key, sizeof upload->key);
  blob = sd_avatar_legacy_encrypt (upload->key, g_bytes_get_data (upload->plain, NULL),
                                   g_bytes_get_size (upload->plain), &error);
  if (blob == NULL) {
    g_task_return_error (task, error);
    return;
  }
  cancellable = g_task_get_cancellable (task);
  sd_attachments_upload_async (SD_ATTACHMENTS (source), blob, cancellable, on_avatar_uploaded,
                               g_steal_pointer (&task));
}

gboolean
sd_account_set_avatar_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sd_account_remove_avatar (SdAccount *self, GError **error)
{
  g_autofree gchar *path = NULL;

  if (!sd_account_require (self, error))
    return FALSE;
  if (self->sender == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return FALSE;
  }
  path = g_build_filename (self->config.data_dir, "avatar", NULL);
  (void) g_unlink (path);
  sd_store_set_setting (self->store, "avatar-file-url", NULL, NULL);
  if (!save_profile (self, "", "", error))
    return FALSE;
  sd_account_avatar_keeper_changed (self);
  return TRUE;
}

gboolean
sd_account_set_community_message_requests (SdAccount *self, gboolean allow, GError **error)
{
  if (!sd_account_require (self, error) ||
      !sd_store_set_setting (self->store, "community-message-requests", allow ? "1" : "0",
                             error))
    return FALSE;
  if (self->config_sync != NULL)
    sd_config_sync_message_requests_changed (self->config_sync);
  return TRUE;
}

void
sd_account_set_auto_download_max (SdAccount *self, guint max_bytes)
{
  self->config.auto_download_max = max_bytes;
  if (self->attachments != NULL)
    sd_attachments_set_auto_download_max (self->attachments, max_bytes);
}

gchar *
sd_account_dup_avatar_path (SdAccount *self, const gchar *conversation)
{
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;

  if (self->store == NULL ||
      !sd_store_get_avatar (self->store, conversation, &url, &key, &file, NULL) || file == NULL)
    return NULL;
  return g_build_filename (self->config.data_dir, "attachments", file, NULL);
}

static gint
open_own_avatar (SdAccount *self, GError **error)
{
  g_autofree gchar *url = sd_store_get_setting (self->store, "avatar-url", NULL);
  g_autofree gchar *have = sd_store_get_setting (self->store, "avatar-file-url", NULL);
  g_autofree gchar *path = g_build_filename (self->config.data_dir, "avatar", NULL);

  if (url == NULL || *url == '\0') {
    g_set_error_literal (error, SD_STORE_ERROR, SD_STORE_ERROR_NOT_FOUND, "we have no avatar");
    return -1;
  }
  if (g_strcmp0 (url, have) != 0) {
    g_set_error_literal (error, SD_ATTACHMENTS_ERROR, SD_ATTACHMENTS_ERROR_NOT_AVAILABLE,
                         "our avatar is not fetched (yet)");
    return -1;
  }
  return sd_attachments_open_file (path, error);
}

gint
sd_account_open_avatar (SdAccount *self, const gchar *conversation, GError **error)
{
  if (!sd_account_require (self, error))
    return -1;
  if (self->attachments == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return -1;
  }
  /* Note to Self's picture is ours (set here or on another device) */
  if (g_strcmp0 (conversation, self->identity->session_id) == 0)
    return open_own_avatar (self, error);
  return sd_attachments_open_avatar (self->attachments, conversation, error);
}

gboolean
sd_account_download_attachment (SdAccount *self, const gchar *conversation,
                                const gchar *message_id, guint index,
                                GError **error)
{
  if (!sd_account_require (self, error))
    return FALSE;
  if (self->attachments == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return FALSE;
  }
  return sd_attachments_download (self->attachments, conversation, message_id, index, error);
}

gint
sd_account_open_attachment (SdAccount *self, const gchar *conversation,
                            const gchar *message_id, guint index,
                            GError **error)
{
  if (!sd_account_require (self, error))
    return -1;
  if (self->attachments == NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return -1;
  }
  return sd_attachments_open (self->attachments, conversation, message_id, index, error);
}

SdCommunities *
sd_account_get_communities (SdAccount *self)
{
  g_return_val_if_fail (SD_IS_ACCOUNT (self), NULL);
  return self->communities;
}

gchar *
sd_account_join_community (SdAccount *self, const gchar *url, GError **error)
{
  if (!sd_account_require (self, error))
    return NULL;
  if (self->communities == NULL || !self->online) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "communities need the network, which is not started");
    return NULL;
  }
  return sd_communities_join (self->communities, url, error);
}

SdCommunity *
sd_account_dup_community (SdAccount *self, const gchar *id)
{
  g_return_val_if_fail (SD_IS_ACCOUNT (self), NULL);

  if (self->store == NULL || !sd_store_is_community_id (id))
    return NULL;
  return sd_store_get_community (self->store, id, NULL);
}

GStrv
sd_account_dup_pinned_messages (SdAccount *self, const SdCommunity *community)
{
  g_return_val_if_fail (SD_IS_ACCOUNT (self), NULL);

  if (self->store == NULL)
    return NULL;
  return sd_store_community_pinned_messages (self->store, community, NULL);
}

static void
on_name_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gchar *id = sd_ons_client_resolve_finish (SD_NETWORK (source), result, &error);

  if (id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, id, g_free);
}

void
sd_account_resolve_name_async (SdAccount *self, const gchar *name, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, sd_account_resolve_name_async);
  if (!sd_account_require (self, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (self->network == NULL || !self->online) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "names are resolved through the network, which is not started");
    return;
  }
  sd_ons_client_resolve_async (self->network, name, cancellable, on_name_resolved,
                               g_steal_pointer (&task));
}

gchar *
sd_account_resolve_name_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stop_components (SdAccount *self)
{
  sd_account_avatar_keeper_stop (self);
  sd_account_group_avatar_keeper_stop (self);
  if (self->communities != NULL)
    sd_communities_stop (self->communities);
  g_clear_object (&self->communities);
  if (self->attachments != NULL)
    sd_attachments_stop (self->attachments);
  g_clear_object (&self->attachments);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->prune_id, g_source_remove);
  g_clear_object (&self->expiry);
  if (self->config_sync != NULL)
    sd_config_sync_stop (self->config_sync);
  g_clear_object (&self->config_sync);
  if (self->group_poller != NULL)
    sd_group_poller_stop (self->group_poller);
  g_clear_object (&self->group_poller);
  g_clear_object (&self->groups);
  if (self->poller != NULL)
    sd_poller_stop (self->poller);
  if (self->sender != NULL)
    sd_sender_stop (self->sender);
  g_clear_object (&self->poller);
  g_clear_object (&self->sender);
  g_clear_object (&self->network);
  self->online = FALSE;
}

/* the first poll, the outbox, the pool refresh, the config pushes, the group and room polls,
 * the attachment transfers */
static void
go_online (SdAccount *self)
{
  self->online = TRUE;
  set_state (self, "connecting");
  self->refresh_id = g_timeout_add_seconds (POOL_FIRST_REFRESH_S, on_refresh_pool, self);
  sd_poller_start (self->poller);
  sd_sender_start (self->sender);
  sd_config_sync_start (self->config_sync);
  sd_group_poller_start (self->group_poller);
  sd_communities_start (self->communities);
  sd_attachments_start (self->attachments);
  /* also fetches a picture set on another device that a stop interrupted */
  sync_own_avatar (self);
  /* and keeps ours on the file server, planned from the settings */
  sd_account_avatar_keeper_start (self);
  /* and the pictures of groups we administer */
  sd_account_group_avatar_keeper_start (self);
}

/* a group conversation changed (docs/groups.md): its newest state goes out as a conversation
 * change; group messages are read with GetMessages */
static void
on_group_changed (SdGroups *groups, const gchar *group_id, gpointer user_data)
{
  SdAccount *self = SD_ACCOUNT (user_data);

  /* a new picture in the group's Info is fetched like a contact's (nothing when it is there) */
  if (self->attachments != NULL)
    sd_attachments_fetch_avatar (self->attachments, group_id);
  sd_account_emit_conversation (self, group_id);
}

static void
on_group_message (SdGroups *groups, const gchar *message_id, gpointer user_data)
{
  SdAccount *self = SD_ACCOUNT (user_data);
  g_autoptr(SdMessage) message = sd_store_get_message (self->store, message_id, NULL);

  if (message != NULL)
    sd_account_emit_message_added (self, message, !message->outgoing);
  /* a group message with an after-send timer (docs/groups.md) */
  if (message != NULL && message->expires_at > 0)
    sd_account_schedule_expiry (self);
}

static void
on_group_message_changed (SdGroups *groups, SdMessage *message, gpointer user_data)
{
  sd_account_emit_message_changed (SD_ACCOUNT (user_data), message);
}

static void
on_group_message_removed (SdGroups *groups, SdMessage *message, gpointer user_data)
{
  sd_account_emit_message_removed (SD_ACCOUNT (user_data), message);
  sd_account_emit_account_changed (SD_ACCOUNT (user_data));
}

static gboolean
start_network (SdAccount *self, GError **error)
{
  g_autoptr(SdSoupTransport) transport = sd_soup_transport_new (self->config.seed_ca, error);
  g_autoptr(SdPoolStore) pool_store = NULL;
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func (g_free);

  if (transport == NULL)
    return FALSE;
  if (self->config.seeds != NULL && self->config.seeds[0] != NULL) {
    for (guint i = 0; self->config.seeds[i] != NULL; i++) {
      sd_soup_transport_add_seed (transport, self->config.seeds[i]);
      g_ptr_array_add (seeds, g_strdup (self->config.seeds[i]));
    }
  } else {
    for (guint i = 0; i < G_N_ELEMENTS (sd_mainnet_seeds); i++) {
      sd_soup_transport_pin_seed (transport, sd_mainnet_seeds[i].url,
                                  sd_mainnet_seeds[i].fingerprint);
      g_ptr_array_add (seeds, g_strdup (sd_mainnet_seeds[i].url));
    }
  }
  g_ptr_array_add (seeds, NULL);

  pool_store = sd_store_pool_new (self->store);
  self->network = sd_network_new (SD_TRANSPORT (transport), pool_store,
                                  (const gchar *const *) seeds->pdata,
                                  !self->config.plain_http_nodes);
  self->poller = sd_poller_new (self->network, self->store, self->identity,
                                self->config.poll_interval_ms);
  self->sender = sd_sender_new (self->network, self->store, self->identity);
  sd_sender_set_profile (self->sender, self->display_name, 0);
  g_signal_connect_object (self->poller, "changes", G_CALLBACK (on_poller_changes), self, 0);
  g_signal_connect_object (self->poller, "typing", G_CALLBACK (on_poller_typing), self, 0);
  g_signal_connect_object (self->poller, "online-changed", G_CALLBACK (on_poller_online), self,
                           0);
  g_signal_connect_object (self->poller, "sync-progress", G_CALLBACK (on_poller_sync_progress),
                           self, 0);
  g_signal_connect_object (self->poller, "caught-up", G_CALLBACK (on_poller_caught_up), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sender, "message-changed",
                           G_CALLBACK (on_sender_message_changed), self, 0);
  {
    g_autoptr(SdFileServer) file_server = sd_file_server_new (self->network,
                                                              self->config.file_server_url,
                                                              self->config.file_server_key,
                                                              error);

    if (file_server == NULL)
      return FALSE;
    if (self->config.file_server_ed25519 != NULL &&
        !sd_file_server_set_ed25519_key (file_server, self->config.file_server_ed25519, error))
      return FALSE;
    self->attachments = sd_attachments_new (self->store, file_server, self->config.data_dir);
    sd_attachments_set_auto_download_max (self->attachments, self->config.auto_download_max);
    g_signal_connect_object (self->attachments, "changed", G_CALLBACK (on_attachment_changed),
                             self, 0);
    g_signal_connect_object (self->attachments, "ready", G_CALLBACK (on_attachments_ready), self,
                             0);
    g_signal_connect_object (self->attachments, "avatar-changed",
                             G_CALLBACK (on_avatar_changed), self, 0);
  }
  /* the groups exist from here (their store is read); their poller starts once online */
  self->groups = sd_groups_new (self->network, self->store, self->identity, self->sender);
  self->group_poller = sd_group_poller_new (self->network, self->store, self->groups,
                                            self->config.poll_interval_ms);
  g_signal_connect_object (self->groups, "message-added", G_CALLBACK (on_group_changed), self,
                           0);
  g_signal_connect_object (self->groups, "message-received", G_CALLBACK (on_group_message),
                           self, 0);
  g_signal_connect_object (self->groups, "membership-changed",
                           G_CALLBACK (sd_account_sync_group), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->groups, "message-changed",
                           G_CALLBACK (on_group_message_changed), self, 0);
  g_signal_connect_object (self->groups, "message-removed",
                           G_CALLBACK (on_group_message_removed), self, 0);
  /* the rooms are read from the store; their polls start once online */
  self->communities = sd_communities_new (self, self->config.poll_interval_ms);
  /* the config sync exists from here (changes are recorded); it pushes once online */
  sd_account_config_setup (self);
  /* a created account's news start now; a restored one's first sync is all history */
  if (self->created) {
    g_autofree gchar *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);

    self->created = FALSE;
    if (!sd_store_set_setting (self->store, SD_POLLER_LAST_ONLINE_KEY, now, error))
      return FALSE;
  }
  if (!self->network_held)
    go_online (self);
  return TRUE;
}

void
sd_account_hold_network (SdAccount *self, gboolean hold)
{
  g_return_if_fail (SD_IS_ACCOUNT (self));

  self->network_held = hold;
  if (!hold && self->poller != NULL && !self->online)
    go_online (self);
}

guint64
sd_account_profile_updated (SdAccount *self)
{
  g_autofree gchar *text = sd_store_get_setting (self->store, "profile-updated", NULL);

  return text != NULL ? g_ascii_strtoull (text, NULL, 10) : 0;
}

/* opens the account's database and goes online */
static gboolean
load_account (SdAccount *self, const guint8 seed[SD_SEED_LEN], GError **error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *name = NULL;
  SdIdentity *identity = sodium_malloc (sizeof (SdIdentity));

  sd_identity_from_seed (identity, seed);
  if (g_mkdir_with_parents (self->config.data_dir, 0700) != 0) {
    sodium_free (identity);
    g_set_error (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED, "cannot create %s: %s",
                 self->config.data_dir, g_strerror (errno));
    return FALSE;
  }
  path = g_strdup_printf ("%s/%s.sqlite", self->config.data_dir, identity->session_id);
  self->store = sd_store_open (path, error);
  if (self->store == NULL || !sd_store_set_account_id (self->store, identity->session_id, error)) {
    g_clear_object (&self->store);
    sodium_free (identity);
    return FALSE;
  }
  self->identity = identity;
  name = sd_store_get_setting (self->store, "display-name", NULL);
  g_free (self->display_name);
  self->display_name = g_strdup (name != NULL ? name : "");
  if (!start_network (self, error)) {
    g_clear_object (&self->store);
    g_clear_pointer (&self->identity, sodium_free);
    return FALSE;
  }
  sd_sender_set_profile (self->sender, self->display_name, sd_account_profile_updated (self));
  /* our picture for the sender; one set on another device is fetched once online */
  load_avatar (self);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
  {
    g_autoptr(GPtrArray) conversations = sd_store_list_conversations (self->store, NULL);

    for (guint i = 0; conversations != NULL && i < conversations->len; i++)
      g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0,
                     g_ptr_array_index (conversations, i));
  }
  /* what expired while we were not running goes now */
  self->expiry = sd_expiry_new (self->store);
  g_signal_connect_object (self->expiry, "removed", G_CALLBACK (on_expired), self, 0);
  sd_expiry_run_now (self->expiry);
  prune_seen (self);
  self->prune_id = g_timeout_add_seconds (PRUNE_SEEN_S, on_prune_seen, self);
  return TRUE;
}

static void adopt (SdAccount *self, GTask *task);

static void
on_start_seed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  guint8 *seed = sodium_malloc (SD_SEED_LEN);

  self->starting = FALSE;
  if (sd_keystore_lookup_finish (SD_KEYSTORE (source), result, seed, NULL, &error)) {
    /* a create or restore cannot have run meanwhile: adopt () waits for us */
    if (!load_account (self, seed, &error))
      g_warning ("could not open the account: %s", error->message);
  } else if (!g_error_matches (error, SD_KEYSTORE_ERROR, SD_KEYSTORE_ERROR_NOT_FOUND)) {
    g_warning ("account keys unavailable: %s", error->message);
  }
  sodium_free (seed);
  g_signal_emit (self, signals[SIGNAL_STARTED], 0);
  /* a create or restore that came meanwhile: refused if an account opened */
  while (self->waiting_adoptions != NULL) {
    g_autoptr(GTask) task = self->waiting_adoptions->data;

    self->waiting_adoptions = g_list_delete_link (self->waiting_adoptions,
                                                  self->waiting_adoptions);
    adopt (self, task);
  }
}

/* the keystore is read in a worker thread (Argon2id takes most of a second with a key file),
 * so the main loop serves the bus meanwhile; "started" is emitted when the account is open,
 * or known not to be there. CreateAccount and RestoreAccount wait for that (adopt) */
void
sd_account_start (SdAccount *self)
{
  g_return_if_fail (SD_IS_ACCOUNT (self));
  g_return_if_fail (!self->starting);

  self->starting = TRUE;
  sd_keystore_lookup_async (self->keystore, NULL, on_start_seed, g_object_ref (self));
}

gboolean
sd_account_is_starting (SdAccount *self)
{
  return self->starting;
}

gboolean
sd_account_check_display_name (const gchar *name, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (name == NULL || sd_display_name_check (name, &local_error))
    return TRUE;
  g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_INVALID_ARGUMENT,
                       local_error->message);
  return FALSE;
}

/* creating and restoring: the seed goes to the keystore in a worker thread, then the account
 * opens on the main loop */

typedef struct {
  guint8 *seed;       /* (owned) sodium_malloc'd, wiped on free */
  gchar *display_name; /* (owned) (nullable) */
  GError *error;      /* (owned) (nullable) why the account did not open */
  gboolean created;   /* a new account: nothing in its swarm is history */
} Adoption;

static void
adoption_free (Adoption *adoption)
{
  g_clear_pointer (&adoption->seed, sodium_free);
  g_free (adoption->display_name);
  g_clear_error (&adoption->error);
  g_free (adoption);
}

/* source tag: ISO C has no conversion from a function pointer to gpointer */
static gchar adopt_tag;

static GTask *
adoption_new (SdAccount *self, const gchar *display_name, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Adoption *adoption = g_new0 (Adoption, 1);

  g_task_set_source_tag (task, &adopt_tag);
  adoption->seed = sodium_malloc (SD_SEED_LEN);
  memset (adoption->seed, 0, SD_SEED_LEN);
  adoption->display_name = g_strdup (display_name);
  g_task_set_task_data (task, adoption, (GDestroyNotify) adoption_free);
  return task;
}

/* one account per daemon, and one adoption at a time */
static gboolean
check_can_adopt (SdAccount *self, GError **error)
{
  if (self->identity != NULL) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_ACCOUNT_EXISTS,
                         "this daemon already has an account");
    return FALSE;
  }
  if (self->adopting) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_ACCOUNT_EXISTS,
                         "an account is being created or restored already: wait for it");
    return FALSE;
  }
  return TRUE;
}

static void
on_orphan_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Adoption *adoption = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!sd_keystore_delete_finish (SD_KEYSTORE (source), result, &error))
    g_warning ("could not remove the seed of an account that failed to open: %s",
               error->message);
  SD_ACCOUNT (g_task_get_source_object (task))->adopting = FALSE;
  g_task_return_error (task, g_steal_pointer (&adoption->error));
}

static void
on_seed_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  Adoption *adoption = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!sd_keystore_store_finish (SD_KEYSTORE (source), result, &error)) {
    self->adopting = FALSE;
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  self->created = adoption->created;
  if (!load_account (self, adoption->seed, &adoption->error)) {
    /* never leave a seed behind that no account uses */
    sd_keystore_delete_async (self->keystore, NULL, on_orphan_deleted, g_steal_pointer (&task));
    return;
  }
  self->adopting = FALSE;
  if (adoption->display_name != NULL && *adoption->display_name != '\0' &&
      !sd_account_set_display_name (self, adoption->display_name, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_pointer (task, g_strdup (self->identity->session_id), g_free);
}

/* the seed is in place: store it and open the account */
static void
adopt (SdAccount *self, GTask *task)
{
  Adoption *adoption = g_task_get_task_data (task);
  GError *error = NULL;

  /* whether there is an account is known once the start-up look-up is done */
  if (self->starting) {
    self->waiting_adoptions = g_list_append (self->waiting_adoptions, g_object_ref (task));
    return;
  }
  if (!check_can_adopt (self, &error) ||
      !sd_account_check_display_name (adoption->display_name, &error)) {
    g_task_return_error (task, error);
    return;
  }
  self->adopting = TRUE;
  sd_keystore_store_async (self->keystore, adoption->seed, g_task_get_cancellable (task),
                           on_seed_stored, g_object_ref (task));
}

void
sd_account_create_account_async (SdAccount *self,
                                 const gchar *display_name,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  Adoption *adoption;

  g_return_if_fail (SD_IS_ACCOUNT (self));

  task = adoption_new (self, display_name, cancellable, callback, user_data);
  adoption = g_task_get_task_data (task);
  /* 16 bytes of entropy, then zeros: what the 13-word phrase encodes */
  randombytes_buf (adoption->seed, SD_ENTROPY_LEN);
  adoption->created = TRUE;
  adopt (self, task);
}

void
sd_account_restore_account_async (SdAccount *self,
                                  const gchar *phrase,
                                  const gchar *display_name,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  Adoption *adoption;
  GError *error = NULL;

  g_return_if_fail (SD_IS_ACCOUNT (self));
  g_return_if_fail (phrase != NULL);

  task = adoption_new (self, display_name, cancellable, callback, user_data);
  adoption = g_task_get_task_data (task);
  /* the existing account is the first thing to report, before the phrase's mistakes */
  if (!check_can_adopt (self, &error) || !sd_mnemonic_to_seed (phrase, adoption->seed, &error)) {
    g_task_return_error (task, error);
    return;
  }
  adopt (self, task);
}

gchar *
sd_account_adopt_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &adopt_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* source tag: ISO C has no conversion from a function pointer to gpointer */
static gchar phrase_tag;

static void
phrase_free (gchar *phrase)
{
  sodium_memzero (phrase, strlen (phrase));
  g_free (phrase);
}

static void
on_phrase_seed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *session_id = NULL;
  guint8 *seed = sodium_malloc (SD_SEED_LEN);

  if (!sd_keystore_lookup_finish (SD_KEYSTORE (source), result, seed, &session_id, &error)) {
    sodium_free (seed);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* the keystore holds one seed per data dir, the account's; anything else is not ours to
   * hand out */
  if (self->identity == NULL || g_strcmp0 (session_id, self->identity->session_id) != 0) {
    sodium_free (seed);
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the key store holds another account's key");
    return;
  }
  g_task_return_pointer (task, sd_mnemonic_from_seed (seed), (GDestroyNotify) phrase_free);
  sodium_free (seed);
}

void
sd_account_get_recovery_phrase_async (SdAccount *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SD_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, &phrase_tag);
  if (!sd_account_require (self, &error)) {
    g_task_return_error (task, error);
    return;
  }
  /* read again each time: the daemon keeps keys, never the phrase */
  sd_keystore_lookup_async (self->keystore, cancellable, on_phrase_seed, g_steal_pointer (&task));
}

gchar *
sd_account_get_recovery_phrase_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == &phrase_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
sd_account_set_display_name (SdAccount *self, const gchar *name, GError **error)
{
  guint64 now_s = 0;

  if (!sd_account_require (self, error) || !sd_account_check_display_name (name, error) ||
      !sd_store_set_own_profile (self->store, name, FALSE, NULL, NULL,
                                 (guint64) (sd_account_now_ms (self) / 1000), &now_s, error))
    return FALSE;
  g_free (self->display_name);
  self->display_name = g_strdup (name);
  sd_sender_set_profile (self->sender, name, now_s);
  if (self->config_sync != NULL)
    sd_config_sync_profile_changed (self->config_sync);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0);
  return TRUE;
}

void
sd_account_set_poll_interval (SdAccount *self, guint interval_ms)
{
  g_return_if_fail (SD_IS_ACCOUNT (self));

  self->config.poll_interval_ms = interval_ms;
  if (self->poller != NULL)
    sd_poller_set_interval (self->poller, interval_ms);
}

void
sd_account_set_read_receipts (SdAccount *self, gboolean enabled)
{
  g_return_if_fail (SD_IS_ACCOUNT (self));

  self->config.read_receipts = enabled;
}

void
sd_account_set_typing_indicators (SdAccount *self, gboolean enabled)
{
  g_return_if_fail (SD_IS_ACCOUNT (self));

  self->config.typing_indicators = enabled;
}

/* ---- properties ---- */

const gchar *
sd_account_get_state (SdAccount *self)
{
  return self->state;
}

const gchar *
sd_account_get_session_id (SdAccount *self)
{
  return self->identity != NULL ? self->identity->session_id : "";
}

const gchar *
sd_account_get_display_name (SdAccount *self)
{
  return self->display_name;
}

guint
sd_account_get_unread_count (SdAccount *self)
{
  guint unread = 0;

  if (self->store != NULL)
    (void) sd_store_count_unread (self->store, NULL, &unread, NULL);
  return unread;
}

/* ---- object ---- */

static void
sd_account_dispose (GObject *object)
{
  SdAccount *self = SD_ACCOUNT (object);

  stop_components (self);
  g_clear_object (&self->store);
  g_clear_object (&self->keystore);
  G_OBJECT_CLASS (sd_account_parent_class)->dispose (object);
}

static void
typing_source_remove (gpointer data)
{
  g_source_remove (GPOINTER_TO_UINT (data));
}

static void
sd_account_finalize (GObject *object)
{
  SdAccount *self = SD_ACCOUNT (object);

  g_clear_pointer (&self->identity, sodium_free);
  g_list_free_full (self->waiting_adoptions, g_object_unref);
  g_free (self->display_name);
  g_free (self->config.data_dir);
  g_strfreev (self->config.seeds);
  g_free (self->config.seed_ca);
  g_free (self->config.file_server_url);
  g_free (self->config.file_server_key);
  g_free (self->config.file_server_ed25519);
  g_free (self->config.key_file_passphrase);
  g_hash_table_unref (self->typing);
  g_hash_table_unref (self->sync_updated);
  g_hash_table_unref (self->history_conversations);
  G_OBJECT_CLASS (sd_account_parent_class)->finalize (object);
}

static void
sd_account_class_init (SdAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = sd_account_dispose;
  object_class->finalize = sd_account_finalize;
  signals[SIGNAL_ACCOUNT_CHANGED] = g_signal_new ("account-changed", type, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CONVERSATION_CHANGED] = g_signal_new ("conversation-changed", type,
                                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                       G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CONVERSATION_REMOVED] = g_signal_new ("conversation-removed", type,
                                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                       G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_MESSAGE_ADDED] = g_signal_new ("message-added", type, G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                G_TYPE_POINTER, G_TYPE_BOOLEAN);
  signals[SIGNAL_MESSAGE_CHANGED] = g_signal_new ("message-changed", type, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                  G_TYPE_POINTER);
  signals[SIGNAL_MESSAGE_REMOVED] = g_signal_new ("message-removed", type, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                  G_TYPE_POINTER);
  signals[SIGNAL_TYPING_CHANGED] = g_signal_new ("typing-changed", type, G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                                 G_TYPE_BOOLEAN);
  signals[SIGNAL_HISTORY_ADDED] = g_signal_new ("history-added", type, G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                G_TYPE_POINTER);
  signals[SIGNAL_SYNC_CHANGED] = g_signal_new ("sync-changed", type, G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CAUGHT_UP] = g_signal_new ("caught-up", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 1, G_TYPE_HASH_TABLE);
  signals[SIGNAL_STARTED] = g_signal_new ("started", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
sd_account_init (SdAccount *self)
{
  self->state = "uninitialised";
  self->n_started = -1;
  g_signal_connect (self, "message-removed", G_CALLBACK (on_something_removed), NULL);
  g_signal_connect (self, "conversation-removed", G_CALLBACK (on_something_removed), NULL);
  self->display_name = g_strdup ("");
  self->typing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, typing_source_remove);
  self->sync_updated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->history_conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SdAccount *
sd_account_new (const SdAccountConfig *config, GError **error)
{
  g_autoptr(SdAccount) self = g_object_new (SD_TYPE_ACCOUNT, NULL);

  sd_sodium_init ();
  self->config.data_dir = g_strdup (config->data_dir);
  self->config.seeds = g_strdupv (config->seeds);
  self->config.seed_ca = g_strdup (config->seed_ca);
  self->config.file_server_url = g_strdup (config->file_server_url);
  self->config.file_server_key = g_strdup (config->file_server_key);
  self->config.file_server_ed25519 = g_strdup (config->file_server_ed25519);
  self->config.auto_download_max = config->auto_download_max;
  self->config.plain_http_nodes = config->plain_http_nodes;
  self->config.key_file_passphrase = g_strdup (config->key_file_passphrase);
  self->config.poll_interval_ms = config->poll_interval_ms;
  self->config.read_receipts = config->read_receipts;
  self->config.typing_indicators = config->typing_indicators;
  self->config.max_started = config->max_started > 0 ? config->max_started
                                                      : SD_ACCOUNT_MAX_STARTED;
  if (config->key_file_passphrase != NULL)
    self->keystore = sd_file_keystore_new (config->data_dir, config->key_file_passphrase, error);
  else
    self->keystore = sd_secret_keystore_new (config->data_dir);
  if (self->keystore == NULL)
    return NULL;
  return g_steal_pointer (&self);
}
