/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "SdGroups"

#include "config.h"

#include <sodium.h>

#include "sd-group-media.h"
#include "sd-groups-private.h"
#include "sd-store-group-media.h"

#include "config/sd-config-group-info.h"
#include "config/sd-config-message.h"
#include "groups/sd-group-control.h"
#include "sd-avatar-crypto.h"
#include "sd-backoff.h"
#include "sd-expiration-rules.h"
#include "sd-protocol-error.h"

/*
 * The two Info settings an admin changes beyond the name (docs/groups.md, "Media and
 * disappearing messages"): the group's picture (Info `p` URL, `q` key) and its after-send
 * timer (Info `E`). An edit is the successor of the Info we hold, signed with the group key,
 * saved at once (the conversation shows it), stored in ns 13 (tried three times, 1 and 2 s
 * apart), then announced to the group with INFO_CHANGE (retried like a text). Members take
 * both from the Info they merge: the picture goes to the `avatars` row a contact's would use
 * (fetched by SdAttachments, opened with OpenAvatar), the timer to the conversation's
 * ExpirationMode/ExpirationTimer.
 */

#define INFO_PUSH_ATTEMPTS 3
#define INFO_PUSH_BACKOFF_MS 1000

gboolean
sd_groups_can_edit_info (SdGroups *self, const gchar *group_id, GError **error)
{
  g_autoptr(SdGroupState) group = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  group = sd_group_state_load_for_admin (self, group_id, error);
  return group != NULL;
}

GBytes *
sd_groups_encrypt_avatar (SdGroups *self, const gchar *group_id, GBytes *plain, guint8 key[32],
                          GError **error)
{
  g_autoptr(SdGroupState) group = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  group = sd_group_state_load_for_admin (self, group_id, error);
  if (group == NULL)
    return NULL;
  /* keyed by the group's seed (the first half of its secret key): two admins uploading the
   * same picture upload the same blob */
  return sd_avatar_det_encrypt (group->ident.ed25519_sk, g_bytes_get_data (plain, NULL),
                                g_bytes_get_size (plain), key, error);
}

gboolean
sd_groups_get_avatar_to_keep (SdGroups *self, const gchar *group_id, gchar **out_url,
                              GBytes **out_key)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  g_autofree gchar *url = NULL;
  guint8 raw[32];

  g_return_val_if_fail (SD_IS_GROUPS (self), FALSE);
  group = sd_group_state_load_for_admin (self, group_id, NULL);
  if (group == NULL || !sd_group_state_is_active (group) ||
      (info = sd_group_state_config (group, SD_GROUP_CONFIG_INFO)) == NULL ||
      !sd_config_group_info_get_avatar (sd_config_message_get_data (info), &url, raw))
    return FALSE;
  *out_url = g_steal_pointer (&url);
  *out_key = g_bytes_new (raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  return TRUE;
}

GBytes *
sd_groups_encrypt_avatar_again (SdGroups *self, const gchar *group_id, GBytes *plain,
                                GBytes *key, GError **error)
{
  guint8 det_key[32];
  g_autoptr(GBytes) blob = NULL;

  g_return_val_if_fail (SD_IS_GROUPS (self), NULL);
  g_return_val_if_fail (key != NULL && g_bytes_get_size (key) == 32, NULL);
  blob = sd_groups_encrypt_avatar (self, group_id, plain, det_key, error);
  if (blob == NULL)
    return NULL;
  /* the deterministic scheme (ours) gives the same key: its blob is the same file */
  if (sodium_memcmp (det_key, g_bytes_get_data (key, NULL), sizeof det_key) == 0) {
    sodium_memzero (det_key, sizeof det_key);
    return g_steal_pointer (&blob);
  }
  sodium_memzero (det_key, sizeof det_key);
  /* another scheme (a picture set by a client that uses the profile-key scheme for groups):
   * the legacy one with the same key, so members need only the new URL */
  return sd_avatar_legacy_encrypt (g_bytes_get_data (key, NULL), g_bytes_get_data (plain, NULL),
                                   g_bytes_get_size (plain), error);
}

guint32
sd_groups_get_disappearing (SdGroups *self, const gchar *group_id)
{
  g_autoptr(SdGroupState) group = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  gint64 seconds;

  g_return_val_if_fail (SD_IS_GROUPS (self), 0);
  group = sd_group_state_load (self, group_id, NULL);
  if (group == NULL || (info = sd_group_state_config (group, SD_GROUP_CONFIG_INFO)) == NULL)
    return 0;
  seconds = sd_config_group_info_get_disappearing (sd_config_message_get_data (info));
  if (seconds <= 0)
    return 0;
  /* the admin's word, bounded: never sooner than asked, never past two weeks */
  return sd_expiration_timer_round_up (2, (guint32) MIN (seconds, SD_GROUP_DISAPPEARING_MAX));
}

/* ---- an Info edit, pushed and announced ---------------------------------------------------- */

typedef struct {
  gchar *group_id;
  GBytes *push;          /* (owned) the encrypted Info for ns 13 */
  guint attempts;
  SdGroupInfoChange announce;
  gboolean quiet;        /* stored, not announced (the same picture at a new URL) */
  guint32 updated_expiration;
} InfoPush;

static void
info_push_free (InfoPush *push)
{
  g_free (push->group_id);
  g_clear_pointer (&push->push, g_bytes_unref);
  g_free (push);
}

static void info_push_attempt (GTask *task);

static gboolean
on_info_retry (gpointer user_data)
{
  info_push_attempt (user_data);
  return G_SOURCE_REMOVE;
}

/* INFO_CHANGE of @push's kind, signed over its sent time; retried like a text */
static void
announce (SdGroups *self, SdGroupState *group, InfoPush *push)
{
  SessionProtos__GroupUpdateMessage update = SESSION_PROTOS__GROUP_UPDATE_MESSAGE__INIT;
  SessionProtos__GroupUpdateInfoChangeMessage change =
    SESSION_PROTOS__GROUP_UPDATE_INFO_CHANGE_MESSAGE__INIT;
  gint64 sent_at = sd_network_now_ms (self->network);
  g_autofree gchar *text = sd_group_control_info_change_text (push->announce, sent_at);
  g_autoptr(GError) error = NULL;
  guint8 signature[64];

  if (!sd_group_control_sign (&group->ident, text, signature, &error)) {
    g_message ("an Info change is not announced: %s", error->message);
    return;
  }
  change.type = (SessionProtos__GroupUpdateInfoChangeMessage__Type) push->announce;
  if (push->announce == SD_GROUP_INFO_CHANGE_DISAPPEARING) {
    change.has_updatedexpiration = TRUE;
    change.updatedexpiration = push->updated_expiration;
  }
  change.adminsignature.data = signature;
  change.adminsignature.len = sizeof (signature);
  update.infochangemessage = &change;
  if (!sd_groups_send_update (self, group, &update, sent_at, &error))
    g_message ("an Info change is not announced: %s", error->message);
}

static void
on_info_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SdGroups *self = g_task_get_source_object (task);
  InfoPush *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hash = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(SdGroupState) group = NULL;

  if (hash == NULL) {
    if (push->attempts < INFO_PUSH_ATTEMPTS &&
        !g_error_matches (error, SD_GROUPS_ERROR, SD_GROUPS_ERROR_NOT_FOUND)) {
      g_timeout_add ((guint) sd_backoff_delay (INFO_PUSH_BACKOFF_MS, 60000, push->attempts),
                     on_info_retry, task);
      return;
    }
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_FAILED,
                             "the group's Info was not stored: %s", error->message);
    g_object_unref (task);
    return;
  }
  group = sd_group_state_load (self, push->group_id, NULL);
  if (group != NULL && sd_group_state_is_active (group) && !push->quiet)
    announce (self, group, push);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
info_push_attempt (GTask *task)
{
  SdGroups *self = g_task_get_source_object (task);
  InfoPush *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = sd_group_state_load (self, push->group_id, &error);

  push->attempts++;
  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  sd_groups_store_async (self, group, SD_GROUP_NS_INFO, SD_GROUP_CONFIG_TTL_MS, push->push,
                         on_info_stored, task);
}

/* what the conversation shows of Info (the picture, the timer) follows the Info we hold;
 * TRUE when it changed */
gboolean
sd_group_media_apply_info (SdGroups *self, const gchar *group_id)
{
  g_autoptr(SdGroupState) group = sd_group_state_load (self, group_id, NULL);
  g_autoptr(SdConfigMessage) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr(GBytes) key = NULL;
  guint8 raw[32];
  gboolean avatar_changed = FALSE, timer_changed = FALSE;
  guint32 timer = 0;
  gint64 seconds;

  if (group == NULL || (info = sd_group_state_config (group, SD_GROUP_CONFIG_INFO)) == NULL)
    return FALSE;
  if (sd_config_group_info_get_avatar (sd_config_message_get_data (info), &url, raw)) {
    key = g_bytes_new (raw, sizeof raw);
    sodium_memzero (raw, sizeof raw);
  } else {
    g_clear_pointer (&url, g_free);
  }
  if (!sd_store_set_group_avatar (self->store, group->ident.id, url, key, &avatar_changed,
                                  &error)) {
    g_debug ("the group's avatar is not taken: %s", error->message);
    g_clear_error (&error);
  }
  seconds = sd_config_group_info_get_disappearing (sd_config_message_get_data (info));
  if (seconds > 0)
    timer = sd_expiration_timer_round_up (2, (guint32) MIN (seconds, SD_GROUP_DISAPPEARING_MAX));
  if (!sd_store_set_group_expiration (self->store, group->ident.id, timer, &timer_changed,
                                      &error))
    g_warning ("the group's disappearing setting: %s", error->message);
  return avatar_changed || timer_changed;
}

typedef gboolean (*InfoEdit) (SdConfigValue *data, gconstpointer edit, GError **error);

/* @edit applied to the successor of @group_id's Info, saved, then pushed and announced */
static void
edit_info (SdGroups *self, const gchar *group_id, InfoEdit edit, gconstpointer edit_data,
           SdGroupInfoChange announce_type, gboolean quiet, guint32 updated_expiration,
           GTask *task)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SdGroupState) group = sd_group_state_load_for_admin (self, group_id, &error);
  g_autoptr(SdConfigMessage) current = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  InfoPush *push;

  if (group == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  current = sd_group_state_config (group, SD_GROUP_CONFIG_INFO);
  if (current == NULL)
    current = sd_group_config_new (&group->ident);
  info = sd_config_message_increment (current);
  push = g_new0 (InfoPush, 1);
  push->group_id = g_strdup (group_id);
  push->announce = announce_type;
  push->quiet = quiet;
  push->updated_expiration = updated_expiration;
  g_task_set_task_data (task, push, (GDestroyNotify) info_push_free);
  if (!edit (sd_config_message_get_data (info), edit_data, &error) ||
      !sd_config_message_check_limits (info, &error) ||
      (push->push = sd_group_config_push (SD_GROUP_CONFIG_INFO, group->keys, info,
                                          &error)) == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  /* saved first: the conversation shows it at once, and the next change pushes it again */
  g_clear_pointer (&group->row->info, g_bytes_unref);
  group->row->info = sd_config_message_serialize (info);
  if (!sd_group_state_save (self, group, NULL, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    g_object_unref (task);
    return;
  }
  sd_group_media_apply_info (self, group_id);
  info_push_attempt (task);
}

typedef struct {
  const gchar *url;
  GBytes *key;
} AvatarEdit;

static gboolean
edit_avatar (SdConfigValue *data, gconstpointer edit_data, GError **error)
{
  const AvatarEdit *edit = edit_data;

  return sd_config_group_info_set_avatar (data, edit->url,
                                          edit->key != NULL ? g_bytes_get_data (edit->key, NULL)
                                                            : NULL,
                                          error);
}

static void
set_avatar (SdGroups *self, const gchar *group_id, const gchar *url, GBytes *key,
            gboolean quiet, GCancellable *cancellable, GAsyncReadyCallback callback,
            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  AvatarEdit edit = { url, key };

  g_return_if_fail (SD_IS_GROUPS (self));
  if (url != NULL && (*url == '\0' || key == NULL || g_bytes_get_size (key) != 32)) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "an avatar is a URL and a 32-byte key");
    g_object_unref (task);
    return;
  }
  if (url == NULL)
    edit.key = NULL;
  edit_info (self, group_id, edit_avatar, &edit, SD_GROUP_INFO_CHANGE_AVATAR, quiet, 0, task);
}

void
sd_groups_set_avatar_async (SdGroups *self, const gchar *group_id, const gchar *url,
                            GBytes *key, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  set_avatar (self, group_id, url, key, FALSE, cancellable, callback, user_data);
}

void
sd_groups_renew_avatar_async (SdGroups *self, const gchar *group_id, const gchar *url,
                              GBytes *key, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (url != NULL);
  set_avatar (self, group_id, url, key, TRUE, cancellable, callback, user_data);
}

static gboolean
edit_disappearing (SdConfigValue *data, gconstpointer edit_data, GError **error)
{
  sd_config_group_info_set_disappearing (data, *(const guint32 *) edit_data);
  return TRUE;
}

void
sd_groups_set_disappearing_async (SdGroups *self, const gchar *group_id, guint32 seconds,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (SD_IS_GROUPS (self));
  /* groups have after-send only; the timers the official clients offer for it */
  if (seconds != 0 && !sd_expiration_timer_offered (2, seconds)) {
    g_task_return_new_error (task, SD_GROUPS_ERROR, SD_GROUPS_ERROR_INVALID,
                             "%u seconds is not an after-send timer: 0 (off), 10, 30, 60, "
                             "43200, 86400, 604800 or 1209600", seconds);
    g_object_unref (task);
    return;
  }
  edit_info (self, group_id, edit_disappearing, &seconds, SD_GROUP_INFO_CHANGE_DISAPPEARING,
             FALSE, seconds, task);
}
