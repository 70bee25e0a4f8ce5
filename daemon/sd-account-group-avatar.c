/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the pictures of groups we administer kept alive on the file server (docs/groups.md,
 * "Keeping the group's picture") */
#define G_LOG_DOMAIN "SdAccount"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sd-account-private.h"
#include "sd-attachments.h"
#include "sd-avatar-renewal.h"
#include "sd-group-media.h"

/*
 * A group's picture is a file on the file server named by its Info (`p`, `q`); when the file
 * expires, members who join or fetch later get a 404. An admin device (one holding the group's
 * key) keeps it as we keep our own avatar (sd-account-avatar.c, with the planning shared in
 * sd-avatar-renewal.c): 6/7 of the way to the expiry the server gave, POST /file/{id}/extend;
 * on a 404 (or a server that will not extend) the picture we hold is encrypted again with the
 * group's scheme and uploaded, and a new URL goes into Info (pushed like SetGroupAvatar's, not
 * announced) so members follow. Members do nothing.
 *
 * The times live in the settings, one key per group ("group-avatar-renew:<id>" =
 * "<renewed> <expires> <url>", unix seconds, 0: not said), written when SetGroupAvatar
 * uploads and at each renewal. A URL we know no times of (set by another admin, or by us
 * before this code) counts from when we first saw it, with the assumed 14 days. One timer
 * wakes for the earliest due group; at each start the plan is made again from the settings,
 * so a stop or a crash loses nothing. One renewal runs at a time; failures back off per group.
 */

#define TIMES_PREFIX "group-avatar-renew:"
/* the picture we upload again: what a profile picture may be (sd_attachments_check_avatar) */
#define COPY_MAX     (2 * 1000 * 1000)
/* no copy of the picture here yet: the next look */
#define NO_COPY_S    (6 * 3600)

struct _SdGroupAvatarKeeper {
  GCancellable *cancellable; /* (owned) cancelled at stop */
  guint check_id;            /* the next wake-up */
  GHashTable *attempts;      /* (owned) group id → failed renewals in a row */
  GHashTable *not_before;    /* (owned) group id → gint64* (ms): backoff after a failure */
  gchar *busy_group;         /* (owned) (nullable) the group a renewal is working on */
  gchar *busy_url;           /* (owned) (nullable) and the URL it renews */
  GBytes *busy_key;          /* (owned) (nullable) Info's key of that picture */
  gchar *copy_file;          /* (owned) (nullable) our copy's file name, for the new URL */
};

static void check (SdAccount *self);

static gint64
now_s (SdAccount *self)
{
  return sd_account_now_ms (self) / 1000;
}

static gchar *
times_key (const gchar *group_id)
{
  return g_strconcat (TIMES_PREFIX, group_id, NULL);
}

/* the stored times of @group_id's picture, when they are for @url */
static gboolean
load_times (SdAccount *self, const gchar *group_id, const gchar *url, gint64 *out_renewed,
            gint64 *out_expires)
{
  g_autofree gchar *key = times_key (group_id);
  g_autofree gchar *text = sd_store_get_setting (self->store, key, NULL);
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, " ", 3);
  if (g_strv_length (parts) != 3 || g_strcmp0 (parts[2], url) != 0 ||
      !g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64 / 2, out_renewed, NULL) ||
      !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT64 / 2, out_expires, NULL))
    return FALSE;
  return TRUE;
}

static void
record_times (SdAccount *self, const gchar *group_id, const gchar *url, gint64 renewed,
              gint64 expires)
{
  g_autofree gchar *key = times_key (group_id);
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;

  /* a URL with a space would not parse back: it then counts as unknown */
  text = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s", MAX (renewed, 0),
                          MAX (expires, 0), url);
  if (!sd_store_set_setting (self->store, key, text, &error))
    g_warning ("could not keep the group picture's times: %s", error->message);
}

static gboolean
on_check (gpointer user_data)
{
  SdAccount *self = user_data;

  self->group_avatars->check_id = 0;
  check (self);
  return G_SOURCE_REMOVE;
}

static void
arm_ms (SdAccount *self, gint64 delay_ms)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;

  g_clear_handle_id (&keeper->check_id, g_source_remove);
  if (delay_ms < 1000)
    keeper->check_id = g_timeout_add ((guint) MAX (delay_ms, 0), on_check, self);
  else
    keeper->check_id = g_timeout_add_seconds (
      sd_avatar_renewal_wait_s ((delay_ms + 999) / 1000, 0), on_check, self);
}

static void
clear_busy (SdGroupAvatarKeeper *keeper)
{
  g_clear_pointer (&keeper->busy_group, g_free);
  g_clear_pointer (&keeper->busy_url, g_free);
  g_clear_pointer (&keeper->busy_key, g_bytes_unref);
  g_clear_pointer (&keeper->copy_file, g_free);
}

static void
hold_off (SdGroupAvatarKeeper *keeper, const gchar *group_id, gint64 until_ms)
{
  gint64 *at = g_new (gint64, 1);

  *at = until_ms;
  g_hash_table_replace (keeper->not_before, g_strdup (group_id), at);
}

/* the renewal of the busy group failed: that group again with backoff, the others as planned */
static void
renew_failed (SdAccount *self, const GError *error)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;
  guint attempts = GPOINTER_TO_UINT (g_hash_table_lookup (keeper->attempts,
                                                          keeper->busy_group));

  g_message ("a group's picture could not be kept on the file server (attempt %u): %s",
             attempts + 1, error->message);
  hold_off (keeper, keeper->busy_group,
            sd_account_now_ms (self) + sd_avatar_renewal_retry_ms (&attempts));
  g_hash_table_replace (keeper->attempts, g_strdup (keeper->busy_group),
                        GUINT_TO_POINTER (attempts));
  clear_busy (keeper);
  check (self);
}

static void
renewed (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;

  g_hash_table_remove (keeper->attempts, keeper->busy_group);
  g_hash_table_remove (keeper->not_before, keeper->busy_group);
  clear_busy (keeper);
  check (self);
}

/* the busy group's Info still names the picture being renewed: a change or a clear made
 * meanwhile (here, by another admin) wins over the renewal */
static gboolean
still_current (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;
  g_autofree gchar *url = NULL;
  g_autoptr(GBytes) key = NULL;

  return self->groups != NULL &&
         sd_groups_get_avatar_to_keep (self->groups, keeper->busy_group, &url, &key) &&
         g_strcmp0 (url, keeper->busy_url) == 0 && g_bytes_equal (key, keeper->busy_key);
}

static void
on_renew_pushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sd_groups_admin_finish (SD_GROUPS (source), result, &error);

  if (self->group_avatars == NULL || self->group_avatars->busy_group == NULL)
    return;
  if (!ok) {
    renew_failed (self, error);
    return;
  }
  g_message ("a group's picture was uploaded again before its file expired");
  renewed (self);
}

static void
on_reuploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires = 0;
  g_autofree gchar *url = sd_attachments_upload_finish_full (SD_ATTACHMENTS (source), result,
                                                             &expires, &error);
  SdGroupAvatarKeeper *keeper = self->group_avatars;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || keeper == NULL)
    return;
  if (url == NULL) {
    renew_failed (self, error);
    return;
  }
  if (!still_current (self)) {
    clear_busy (keeper);
    check (self);
    return;
  }
  /* kept under the URL Info will name, before Info names it */
  record_times (self, keeper->busy_group, url, now_s (self), expires);
  /* the same blob (the deterministic scheme): the same file lives again, Info stays */
  if (g_strcmp0 (url, keeper->busy_url) == 0) {
    g_debug ("a group's picture was uploaded again at the same URL");
    renewed (self);
    return;
  }
  sd_groups_renew_avatar_async (self->groups, keeper->busy_group, url, keeper->busy_key,
                                keeper->cancellable, on_renew_pushed, g_object_ref (self));
  /* Info is saved by now (the push goes on): our copy is the new URL's picture, claimed in
   * this main-loop turn so that nothing fetches or sweeps it meanwhile */
  if (keeper->copy_file != NULL &&
      !sd_store_set_avatar_file (self->store, keeper->busy_group, url, keeper->copy_file,
                                 &error))
    g_debug ("the group's picture is not kept here: %s", error->message);
  sd_account_emit_conversation (self, keeper->busy_group);
}

/* our copy of the busy group's picture (as OpenAvatar gives it); NULL when we have none */
static GBytes *
read_copy (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;
  g_autofree gchar *url = NULL, *file = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GByteArray) data = NULL;
  gint fd;

  if (!sd_store_get_avatar (self->store, keeper->busy_group, &url, &key, &file, NULL) ||
      file == NULL || g_strcmp0 (url, keeper->busy_url) != 0)
    return NULL;
  fd = sd_attachments_open_avatar (self->attachments, keeper->busy_group, NULL);
  if (fd < 0)
    return NULL;
  data = g_byte_array_new ();
  for (;;) {
    guint8 buf[16384];
    gssize n = read (fd, buf, sizeof buf);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || data->len + (gsize) n > COPY_MAX) {
      close (fd);
      return NULL;
    }
    if (n == 0)
      break;
    g_byte_array_append (data, buf, (guint) n);
  }
  close (fd);
  if (data->len == 0)
    return NULL;
  keeper->copy_file = g_steal_pointer (&file);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* the same picture uploaded again, encrypted as the group's Info key says */
static void
reupload (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;
  g_autoptr(GBytes) plain = read_copy (self);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;

  if (plain == NULL) {
    /* a picture another admin set that this device has not fetched (yet) */
    g_message ("a group's picture will expire and we have no copy to upload again");
    hold_off (keeper, keeper->busy_group, sd_account_now_ms (self) + NO_COPY_S * 1000);
    clear_busy (keeper);
    check (self);
    return;
  }
  blob = sd_groups_encrypt_avatar_again (self->groups, keeper->busy_group, plain,
                                         keeper->busy_key, &error);
  if (blob == NULL) {
    renew_failed (self, error);
    return;
  }
  sd_attachments_upload_async (self->attachments, blob, keeper->cancellable, on_reuploaded,
                               g_object_ref (self));
}

static void
on_extended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires = sd_attachments_extend_finish (SD_ATTACHMENTS (source), result, &error);
  SdGroupAvatarKeeper *keeper = self->group_avatars;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || keeper == NULL)
    return;
  if (!still_current (self)) {
    clear_busy (keeper);
    check (self);
    return;
  }
  switch (sd_avatar_renewal_after_extend (error)) {
  case SD_AVATAR_RENEWAL_EXTENDED:
    /* the same URL lives on: nothing for members to learn */
    record_times (self, keeper->busy_group, keeper->busy_url, now_s (self), expires);
    g_debug ("a group's picture's file was extended");
    renewed (self);
    return;
  case SD_AVATAR_RENEWAL_REUPLOAD:
    reupload (self);
    return;
  case SD_AVATAR_RENEWAL_RETRY:
  default:
    renew_failed (self, error);
    return;
  }
}

/* renews the first due picture of a group we administer, and wakes for the next */
static void
check (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = self->group_avatars;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now_ms, next_ms = G_MAXINT64;

  if (keeper == NULL || keeper->busy_group != NULL)
    return;
  g_clear_handle_id (&keeper->check_id, g_source_remove);
  if (self->groups == NULL || self->attachments == NULL)
    return;
  groups = sd_store_list_groups (self->store, &error);
  if (groups == NULL) {
    g_warning ("the groups' pictures are not checked: %s", error->message);
    arm_ms (self, (gint64) SD_AVATAR_RENEWAL_CHECK_MAX_S * 1000);
    return;
  }
  now_ms = sd_account_now_ms (self);
  for (guint i = 0; i < groups->len; i++) {
    SdStoreGroup *row = g_ptr_array_index (groups, i);
    g_autofree gchar *url = NULL;
    g_autoptr(GBytes) key = NULL;
    gint64 renewed_at = 0, expires = 0, due_ms;
    gint64 *not_before;

    /* members (no seed) do nothing */
    if (row->seed == NULL || row->pending ||
        !sd_groups_get_avatar_to_keep (self->groups, row->id, &url, &key))
      continue;
    if (!load_times (self, row->id, url, &renewed_at, &expires)) {
      /* first seen now: the assumed lifetime from here */
      renewed_at = now_ms / 1000;
      expires = 0;
      record_times (self, row->id, url, renewed_at, expires);
    }
    due_ms = sd_avatar_renewal_due (renewed_at, expires, now_ms / 1000) * 1000;
    not_before = g_hash_table_lookup (keeper->not_before, row->id);
    if (not_before != NULL)
      due_ms = MAX (due_ms, *not_before);
    if (due_ms <= now_ms) {
      keeper->busy_group = g_strdup (row->id);
      keeper->busy_url = g_steal_pointer (&url);
      keeper->busy_key = g_steal_pointer (&key);
      sd_attachments_extend_async (self->attachments, keeper->busy_url, keeper->cancellable,
                                   on_extended, g_object_ref (self));
      return;
    }
    next_ms = MIN (next_ms, due_ms);
  }
  if (next_ms != G_MAXINT64)
    arm_ms (self, next_ms - now_ms);
  else
    arm_ms (self, (gint64) SD_AVATAR_RENEWAL_CHECK_MAX_S * 1000);
}

void
sd_account_group_avatar_keeper_start (SdAccount *self)
{
  if (self->group_avatars == NULL) {
    self->group_avatars = g_new0 (SdGroupAvatarKeeper, 1);
    self->group_avatars->cancellable = g_cancellable_new ();
    self->group_avatars->attempts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           NULL);
    self->group_avatars->not_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             g_free);
  }
  check (self);
}

void
sd_account_group_avatar_keeper_stop (SdAccount *self)
{
  SdGroupAvatarKeeper *keeper = g_steal_pointer (&self->group_avatars);

  if (keeper == NULL)
    return;
  g_cancellable_cancel (keeper->cancellable);
  g_clear_object (&keeper->cancellable);
  g_clear_handle_id (&keeper->check_id, g_source_remove);
  g_hash_table_unref (keeper->attempts);
  g_hash_table_unref (keeper->not_before);
  clear_busy (keeper);
  g_free (keeper);
}

void
sd_account_group_avatar_keeper_uploaded (SdAccount *self, const gchar *group_id,
                                         const gchar *url, gint64 expires)
{
  record_times (self, group_id, url, now_s (self), expires);
  if (self->group_avatars == NULL)
    return;
  g_hash_table_remove (self->group_avatars->attempts, group_id);
  g_hash_table_remove (self->group_avatars->not_before, group_id);
  check (self);
}
