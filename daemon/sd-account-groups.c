/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdAccount"

#include "config.h"

#include <string.h>

#include "sd-account-private.h"

/* groups v2 from the account's side (docs/groups.md): thin calls into SdGroups */

static gboolean
require_groups (SdAccount *self, GError **error)
{
  if (!sd_account_require (self, error))
    return FALSE;
  /* group work is network traffic: none before the bus name is ours (sd_account_hold_network) */
  if (self->groups == NULL || !self->online) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_FAILED,
                         "the network is not started");
    return FALSE;
  }
  return TRUE;
}

/* the group's UserGroups entry for our other devices (a removed member's has neither seed nor
 * grant, which the official clients read as removed) */
void
sd_account_sync_group (SdAccount *self, const gchar *group_id)
{
  g_autoptr(SdStoreGroup) row = NULL;
  g_autoptr(SdConversation) conversation = NULL;

  if (self->config_sync == NULL)
    return;
  row = sd_store_get_group (self->store, group_id, NULL);
  conversation = sd_store_get_conversation (self->store, group_id, NULL);
  if (row != NULL)
    sd_config_sync_group_changed (self->config_sync, row,
                                  conversation != NULL ? conversation->name : NULL,
                                  sd_account_now_ms (self));
  if (row != NULL && self->groups != NULL && sd_groups_is_destroyed (self->groups, group_id))
    sd_config_sync_group_destroyed (self->config_sync, group_id);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  GError *error = NULL;
  gchar *id = sd_groups_create_finish (SD_GROUPS (source), result, &error);

  if (id == NULL) {
    g_task_return_error (task, error);
    return;
  }
  self->n_started = -1;  /* one more started: counted again when next needed */
  sd_account_emit_conversation (self, id);
  sd_account_sync_group (self, id);
  if (self->group_poller != NULL)
    sd_group_poller_kick (self->group_poller);
  g_task_return_pointer (task, id, g_free);
}

void
sd_account_create_group_async (SdAccount *self, const gchar *name, const gchar *const *members,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  /* a group name is shown as a display name is: the same rules (no controls, bidi, …) */
  /* a new group is a conversation we start: the same cap as OpenConversation */
  if (!require_groups (self, &error) || !sd_account_check_display_name (name, &error) ||
      !sd_account_check_can_start_new (self, &error)) {
    g_task_return_error (task, error);
    return;
  }
  for (guint i = 0; members != NULL && members[i] != NULL; i++) {
    if (!sd_account_check_session_id (members[i], &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  sd_groups_create_async (self->groups, name, members, cancellable, on_created,
                          g_steal_pointer (&task));
}

gchar *
sd_account_create_group_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
sd_account_respond_group_invite (SdAccount *self, const gchar *group_id, gboolean accept,
                                 GError **error)
{
  if (!require_groups (self, error) ||
      !sd_groups_respond_invite (self->groups, group_id, accept, error))
    return FALSE;
  if (accept) {
    sd_account_emit_conversation (self, group_id);
    sd_account_sync_group (self, group_id);
    if (self->group_poller != NULL)
      sd_group_poller_kick (self->group_poller);
  } else {
    sd_account_emit_conversation_removed (self, group_id);
    if (self->config_sync != NULL)
      sd_config_sync_group_removed (self->config_sync, group_id);
  }
  return TRUE;
}

SdMessage *
sd_account_send_group (SdAccount *self, const gchar *group_id, const gchar *body,
                       const gchar *quote_id, GError **error)
{
  g_autofree gchar *id = NULL;
  SdMessage *message;

  if (!require_groups (self, error))
    return NULL;
  if (!sd_account_check_body (body, error))
    return NULL;
  id = sd_groups_send_text_full (self->groups, group_id, body, quote_id, error);
  if (id == NULL)
    return NULL;
  message = sd_store_get_message (self->store, id, error);
  if (message != NULL) {
    sd_account_emit_message_added (self, message, FALSE);
    sd_account_emit_conversation (self, group_id);
    if (message->expires_at > 0)
      sd_account_schedule_expiry (self);
  }
  return message;
}

gboolean
sd_account_unsend_group (SdAccount *self, const gchar *group_id, const SdMessage *target,
                         GError **error)
{
  g_autoptr(SdMessage) removed = NULL;

  if (!require_groups (self, error))
    return FALSE;
  if (!g_str_equal (target->author, self->identity->session_id)) {
    g_set_error_literal (error, SD_ACCOUNT_ERROR, SD_ACCOUNT_ERROR_NOT_AUTHOR,
                         "only the author can delete a message for everyone");
    return FALSE;
  }
  removed = sd_groups_unsend (self->groups, group_id, target->id, error);
  if (removed == NULL)
    return FALSE;
  sd_account_emit_message_removed (self, removed);
  sd_account_emit_conversation (self, group_id);
  sd_account_emit_account_changed (self);
  return TRUE;
}

gboolean
sd_account_react_group (SdAccount *self, const gchar *group_id, const gchar *message_id,
                        const gchar *emoji, gboolean add, GError **error)
{
  g_autoptr(SdMessage) message = NULL;

  if (!require_groups (self, error))
    return FALSE;
  message = sd_groups_send_reaction (self->groups, group_id, message_id, emoji, add, error);
  if (message == NULL)
    return FALSE;
  sd_account_emit_message_changed (self, message);
  return TRUE;
}

typedef struct {
  SdAccountGroupChange change;
  gchar *group_id;
} ChangeData;

static void
change_data_free (ChangeData *data)
{
  g_free (data->group_id);
  g_free (data);
}

static void
on_group_changed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SdAccount *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok = sd_groups_admin_finish (SD_GROUPS (source), result, &error);

  /* what was saved locally shows either way (a failed push is pushed again by the next change) */
  if (data->change == SD_ACCOUNT_GROUP_LEAVE && ok) {
    sd_account_emit_conversation_removed (self, data->group_id);
    if (self->config_sync != NULL)
      sd_config_sync_group_removed (self->config_sync, data->group_id);
  } else if (data->change != SD_ACCOUNT_GROUP_LEAVE) {
    sd_account_emit_conversation (self, data->group_id);
    sd_account_sync_group (self, data->group_id);
  }
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
sd_account_change_group_async (SdAccount *self, SdAccountGroupChange change,
                               const gchar *group_id, const gchar *name,
                               const gchar *description, const gchar *const *members,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ChangeData *data;
  GError *error = NULL;

  if (!require_groups (self, &error) ||
      (name != NULL && !sd_account_check_display_name (name, &error))) {
    g_task_return_error (task, error);
    return;
  }
  for (guint i = 0; members != NULL && members[i] != NULL; i++) {
    if (!sd_account_check_session_id (members[i], &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  data = g_new0 (ChangeData, 1);
  data->change = change;
  data->group_id = g_strdup (group_id);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  switch (change) {
  case SD_ACCOUNT_GROUP_SET_INFO:
    sd_groups_set_info_async (self->groups, group_id, name, description, cancellable,
                              on_group_changed, g_steal_pointer (&task));
    break;
  case SD_ACCOUNT_GROUP_DESTROY:
    sd_groups_destroy_async (self->groups, group_id, cancellable, on_group_changed,
                             g_steal_pointer (&task));
    break;
  case SD_ACCOUNT_GROUP_PROMOTE:
    sd_groups_promote_async (self->groups, group_id, members, cancellable, on_group_changed,
                             g_steal_pointer (&task));
    break;
  case SD_ACCOUNT_GROUP_REMOVE:
  case SD_ACCOUNT_GROUP_REMOVE_WITH_CONTENT:
    sd_groups_remove_members_full_async (self->groups, group_id, members,
                                         change == SD_ACCOUNT_GROUP_REMOVE_WITH_CONTENT,
                                         cancellable, on_group_changed,
                                         g_steal_pointer (&task));
    break;
  case SD_ACCOUNT_GROUP_INVITE:
  case SD_ACCOUNT_GROUP_INVITE_WITH_HISTORY:
    sd_groups_invite_async (self->groups, group_id, members,
                            change == SD_ACCOUNT_GROUP_INVITE_WITH_HISTORY, cancellable,
                            on_group_changed, g_steal_pointer (&task));
    break;
  case SD_ACCOUNT_GROUP_LEAVE:
  default:
    sd_groups_leave_async (self->groups, group_id, cancellable, on_group_changed,
                           g_steal_pointer (&task));
    break;
  }
}

void
sd_account_delete_group_content_async (SdAccount *self, const gchar *group_id,
                                       const gchar *const *members,
                                       const gchar *const *message_ids,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ChangeData *data;
  GError *error = NULL;

  if (!require_groups (self, &error)) {
    g_task_return_error (task, error);
    return;
  }
  for (guint i = 0; members != NULL && members[i] != NULL; i++) {
    if (!sd_account_check_session_id (members[i], &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  data = g_new0 (ChangeData, 1);
  data->change = SD_ACCOUNT_GROUP_REMOVE;
  data->group_id = g_strdup (group_id);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  sd_groups_delete_member_content_async (self->groups, group_id, members, message_ids,
                                         cancellable, on_group_changed,
                                         g_steal_pointer (&task));
}

gboolean
sd_account_change_group_finish (SdAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GVariant *
sd_account_describe_group (SdAccount *self, const gchar *group_id, GError **error)
{
  if (!require_groups (self, error))
    return NULL;
  return sd_groups_describe (self->groups, group_id, error);
}

gboolean
sd_account_is_group_id (const gchar *id)
{
  return id != NULL && g_str_has_prefix (id, "03");
}

GStrv
sd_account_dup_group_members (SdAccount *self, const gchar *group_id)
{
  if (self->groups == NULL)
    return NULL;
  return sd_groups_dup_members (self->groups, group_id);
}

gboolean
sd_account_has_group (SdAccount *self, const gchar *id)
{
  g_autoptr(SdStoreGroup) row = NULL;

  if (!sd_account_is_group_id (id) || self->store == NULL)
    return FALSE;
  row = sd_store_get_group (self->store, id, NULL);
  return row != NULL;
}
