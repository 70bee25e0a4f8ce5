/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

#include "config.h"

#include <sodium.h>

#include "sd-account-private.h"
#include "sd-group-media.h"

/* groups v2 beyond text, from the account's side (docs/groups.md, "Media and disappearing
 * messages"): the files go through SdAttachments as for 1:1 messages, the group's edits
 * through SdGroups */

static gboolean
require_group_media (SdAccount *self, const gchar *group_id, GError **error)
{
  if (!sd_account_require (self, error))
    return FALSE;
  if (self->groups == NULL || self->attachments == NULL || !self->online) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return FALSE;
  }
  if (!sd_account_has_group (self, group_id)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_FOUND,
                         "there is no such group");
    return FALSE;
  }
  return TRUE;
}

/* ---- attachments ---- */

typedef struct {
  gchar *group_id;
  gchar *body;
  gchar *quote_id;
} GroupSend;

static void
group_send_free (GroupSend *send)
{
  g_free (send->group_id);
  g_free (send->body);
  g_free (send->quote_id);
  g_free (send);
}

static void
on_group_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GroupSend *send = g_task_get_task_data (task);
  GError *error = NULL;
  GArray *prepared = sd_attachments_prepare_finish (SD_ATTACHMENTS (source), result, &error);
  g_autofree gchar *id = NULL;
  SdMessage *message = NULL;

  if (prepared == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->attachments == NULL || self->groups == NULL) {
    sd_attachments_prepared_free (SD_ATTACHMENTS (source), prepared, TRUE);
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the network stopped");
    return;
  }
  /* kept and named by rows in one main-loop turn: the sweep (an idle) sees both or neither */
  if (sd_attachments_prepared_keep (self->attachments, prepared, &error))
    id = sd_groups_send_prepared (self->groups, send->group_id, send->body, send->quote_id,
                                  prepared, &error);
  if (id != NULL)
    message = sd_store_get_message (self->store, id, &error);
  sd_attachments_prepared_free (self->attachments, prepared, id == NULL);
  if (message == NULL) {
    g_task_return_error (task, error);
    return;
  }
  sd_attachments_kick (self->attachments);
  sd_account_emit_message_added (self, message, FALSE);
  sd_account_emit_conversation (self, send->group_id);
  if (message->expires_at > 0)
    sd_account_schedule_expiry (self);
  g_task_return_pointer (task, message, (GDestroyNotify) sd_message_free);
}

void
sd_account_send_group_attachments_async (SdAccount *self, const gchar *group_id,
                                         const gchar *body, const gchar *quote_id,
                                         const SdAttachmentSource *sources, guint n_sources,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  GroupSend *send;

  /* the same tag as 1:1: sd_account_send_attachments_finish ends both */
  g_task_set_source_tag (task, sd_account_send_attachments_async);
  if (!require_group_media (self, group_id, &error) ||
      (*body != '\0' && !sd_account_check_body (body, &error))) {
    g_task_return_error (task, error);
    return;
  }
  send = g_new0 (GroupSend, 1);
  send->group_id = g_strdup (group_id);
  send->body = g_strdup (body);
  send->quote_id = g_strdup (quote_id);
  g_task_set_task_data (task, send, (GDestroyNotify) group_send_free);
  /* read and stripped in a worker, as for 1:1 */
  sd_attachments_prepare_async (self->attachments, sources, n_sources, cancellable,
                                on_group_prepared, g_steal_pointer (&task));
}

/* ---- the group's avatar ---- */

typedef struct {
  gchar *group_id;
  GBytes *plain;   /* (owned) the stripped picture */
  GBytes *key;     /* (owned) 32 bytes */
  gchar *url;
  gint64 expires;  /* the file's expiry as the server said (0: not said) */
  GError *admin_error; /* (owned) (nullable) how the Info change went */
} GroupAvatar;

static void
group_avatar_free (GroupAvatar *avatar)
{
  g_free (avatar->group_id);
  g_clear_pointer (&avatar->plain, g_bytes_unref);
  g_clear_pointer (&avatar->key, g_bytes_unref);
  g_free (avatar->url);
  g_clear_error (&avatar->admin_error);
  g_free (avatar);
}

/* the change is made (and our copy kept, or not): the conversation shows it, and the task
 * ends with the admin change's outcome */
static void
group_avatar_done (SdAccount *self, GTask *task, GroupAvatar *avatar)
{
  sd_account_emit_conversation (self, avatar->group_id);
  if (avatar->admin_error != NULL)
    g_task_return_error (task, g_steal_pointer (&avatar->admin_error));
  else
    g_task_return_boolean (task, TRUE);
}

/* our own copy of the picture is kept */
static void
on_group_avatar_kept (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GroupAvatar *avatar = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *file = NULL;

  if (!sd_attachments_store_file_finish (SD_ATTACHMENTS (source), result, &file, &local_error) ||
      !sd_store_set_avatar_file (self->store, avatar->group_id, avatar->url, file, &local_error))
    g_debug ("the group's picture is not kept here: %s", local_error->message);
  group_avatar_done (self, task, avatar);
}

static void
on_group_avatar_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GroupAvatar *avatar = g_task_get_task_data (task);

  (void) sd_groups_admin_finish (SD_GROUPS (source), result, &avatar->admin_error);
  /* kept alive from here on (sd-account-group-avatar.c) */
  sd_account_group_avatar_keeper_uploaded (self, avatar->group_id, avatar->url,
                                           avatar->expires);
  /* our own copy of the picture: no download of what we uploaded (saved Info names it, even
   * when the push failed and goes with the next change) */
  if (self->attachments != NULL) {
    sd_attachments_store_file_async (self->attachments, avatar->plain, NULL,
                                     on_group_avatar_kept, g_steal_pointer (&task));
    return;
  }
  group_avatar_done (self, task, avatar);
}

static void
on_group_avatar_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GroupAvatar *avatar = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  avatar->url = sd_attachments_upload_finish_full (SD_ATTACHMENTS (source), result,
                                                   &avatar->expires, &error);
  if (avatar->url == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->groups == NULL) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the network stopped");
    return;
  }
  cancellable = g_task_get_cancellable (task);
  sd_groups_set_avatar_async (self->groups, avatar->group_id, avatar->url, avatar->key,
                              cancellable, on_group_avatar_set, g_steal_pointer (&task));
}

static void
on_group_avatar_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GroupAvatar *avatar = g_task_get_task_data (task);
  g_autoptr(GBytes) blob = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  guint8 key[32];

  avatar->plain = sd_attachments_read_image_finish (SD_ATTACHMENTS (source), result, &error);
  if (avatar->plain == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->groups == NULL) {
    g_task_return_new_error (task, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                             "the network stopped");
    return;
  }
  /* the admin check again: a promotion may have been taken back meanwhile */
  blob = sd_groups_encrypt_avatar (self->groups, avatar->group_id, avatar->plain, key, &error);
  if (blob == NULL) {
    g_task_return_error (task, error);
    return;
  }
  avatar->key = g_bytes_new (key, sizeof key);
  sodium_memzero (key, sizeof key);
  cancellable = g_task_get_cancellable (task);
  sd_attachments_upload_async (SD_ATTACHMENTS (source), blob, cancellable,
                               on_group_avatar_uploaded, g_steal_pointer (&task));
}

void
sd_account_set_group_avatar_async (SdAccount *self, const gchar *group_id, gint fd,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  GroupAvatar *avatar;

  /* members are refused before anything is read or uploaded */
  if (!require_group_media (self, group_id, &error) ||
      !sd_groups_can_edit_info (self->groups, group_id, &error)) {
    g_task_return_error (task, error);
    return;
  }
  avatar = g_new0 (GroupAvatar, 1);
  avatar->group_id = g_strdup (group_id);
  g_task_set_task_data (task, avatar, (GDestroyNotify) group_avatar_free);
  /* read and stripped off the main loop, with the profile picture's checks */
  sd_attachments_read_image_async (self->attachments, fd, cancellable, on_group_avatar_read,
                                   g_steal_pointer (&task));
}

/* ---- disappearing messages ---- */

static void
on_group_info_edited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean ok = sd_groups_admin_finish (SD_GROUPS (source), result, &error);

  sd_account_emit_conversation (self, g_task_get_task_data (task));
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_account_set_group_disappearing_async (SdAccount *self, const gchar *group_id,
                                         guint32 seconds, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  if (!require_group_media (self, group_id, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_task_set_task_data (task, g_strdup (group_id), g_free);
  sd_groups_set_disappearing_async (self->groups, group_id, seconds, cancellable,
                                    on_group_info_edited, g_steal_pointer (&task));
}

/* the picture cleared: Info without `p`/`q`, pushed and announced as a new picture is */
void
sd_account_clear_group_avatar_async (SdAccount *self, const gchar *group_id,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  if (!require_group_media (self, group_id, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_task_set_task_data (task, g_strdup (group_id), g_free);
  sd_groups_set_avatar_async (self->groups, group_id, NULL, NULL, cancellable,
                              on_group_info_edited, g_steal_pointer (&task));
}

gboolean
sd_account_group_media_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
