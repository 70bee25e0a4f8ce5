/* SPDX-License-Identifier: GPL-3.0-or-later */
/* our avatar kept alive on the file server, and our avatar set on another device fetched
 * again after a failure (docs/attachments.md, "Keeping our avatar") */
#define G_LOG_DOMAIN "SdAccount"

#include "config.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "sd-account.h"
#include "sd-account-private.h"
#include "sd-attachments.h"
#include "sd-avatar-crypto.h"
#include "sd-avatar-renewal.h"
#include "sd-backoff.h"
#include "sd-config-sync.h"
#include "sd-encoding.h"
#include "sd-network-error.h"
#include "sd-protocol-error.h"
#include "sd-sender.h"

/*
 * Files on the file server expire (protocol-advanced.md §6.2: weeks, not forever), and a
 * contact who meets us after that would get a 404 for our picture. The official clients
 * check once a day and, when the profile has not changed for 12 of the server's 14 days,
 * ask the server to keep the file (POST /file/{id}/extend) or, when it will not, upload the
 * same picture again with the same profile key and publish the new URL (a newer profile
 * time for peers, UserProfile's re-upload keys for our other devices).
 *
 * We plan from what the server told us: the settings keep, for the URL named in
 * "avatar-renew-url", when it was last uploaded or extended ("avatar-renewed") and when the
 * server said it expires ("avatar-expires"); the renewal is due 6/7 of the way there (12 of
 * 14 days). For a URL we know no times of (set on another device, or before this code) the
 * profile's time stands for the upload and the lifetime is taken as 14 days. The timer is
 * only a wake-up: at each start the due time is computed again from the settings, so a stop
 * or a crash loses nothing.
 */

/* the due time, the extend-or-upload decision and the backoff: sd-avatar-renewal.c, shared
 * with the groups' pictures */
/* no copy to upload: the next look in 6 hours */
#define RENEW_LATER_S      (6 * 3600)
/* our own avatar from another device: as a contact's (sd-attachments.c) */
#define FETCH_ATTEMPTS     5
#define FETCH_BASE_MS      1000
#define FETCH_MAX_MS       (5 * 60 * 1000)
/* the copy we upload again: what SetAvatar accepts (sd_attachments_check_avatar) */
#define OWN_COPY_MAX       (10 * 1000 * 1000)

struct _SdOwnAvatar {
  GCancellable *cancellable; /* (owned) cancelled at stop */
  guint renew_id;            /* the next check */
  guint attempts;            /* failed renewals in a row */
  gchar *busy_url;           /* (owned) (nullable) the URL a renewal is working on */
  gchar *planned_url;        /* (owned) (nullable) the URL renew_id is armed for */
  guint fetch_retry_id;
  guint fetch_attempts;
  gchar *fetch_url;          /* (owned) (nullable) the URL the attempts count for */
};

static void check (SdAccount *self);

static gint64
now_s (SdAccount *self)
{
  return sd_account_now_ms (self) / 1000;
}

static gint64
setting_int (SdAccount *self, const gchar *name)
{
  g_autofree gchar *text = sd_store_get_setting (self->store, name, NULL);
  gint64 value;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64 / 2, &value, NULL))
    return 0;
  return value;
}

static void
set_setting_int (SdAccount *self, const gchar *name, gint64 value)
{
  g_autofree gchar *text = value > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, value) : NULL;
  g_autoptr(GError) error = NULL;

  if (!sd_store_set_setting (self->store, name, text, &error))
    g_warning ("could not keep %s: %s", name, error->message);
}

/* what the server said of @url: uploaded or extended now, expiring at @expires (0: not
 * said) */
static void
record_times (SdAccount *self, const gchar *url, gint64 expires)
{
  g_autoptr(GError) error = NULL;

  if (!sd_store_set_setting (self->store, "avatar-renew-url", url, &error))
    g_warning ("could not keep our avatar's times: %s", error->message);
  set_setting_int (self, "avatar-renewed", now_s (self));
  set_setting_int (self, "avatar-expires", expires);
}

/* when @url should be renewed (unix seconds) */
static gint64
due_time (SdAccount *self, const gchar *url)
{
  g_autofree gchar *renew_url = sd_store_get_setting (self->store, "avatar-renew-url", NULL);
  gint64 now = now_s (self);
  gint64 renewed = 0;
  gint64 expires = 0;

  if (g_strcmp0 (renew_url, url) == 0) {
    renewed = setting_int (self, "avatar-renewed");
    expires = setting_int (self, "avatar-expires");
  } else {
    /* not uploaded by this code: the profile's time is the best guess of the upload */
    renewed = (gint64) MIN (sd_account_profile_updated (self), (guint64) G_MAXINT32);
  }
  return sd_avatar_renewal_due (renewed, expires, now);
}

static gboolean
on_check (gpointer user_data)
{
  SdAccount *self = user_data;

  self->own_avatar->renew_id = 0;
  check (self);
  return G_SOURCE_REMOVE;
}

static void
arm_s (SdAccount *self, gint64 delay_s)
{
  SdOwnAvatar *keeper = self->own_avatar;

  g_clear_handle_id (&keeper->renew_id, g_source_remove);
  keeper->renew_id = g_timeout_add_seconds (sd_avatar_renewal_wait_s (delay_s, 0), on_check,
                                            self);
}

/* a renewal that did not happen: again with backoff, and after RENEW_ATTEMPTS later on */
static void
renew_failed (SdAccount *self, const GError *error)
{
  SdOwnAvatar *keeper = self->own_avatar;

  g_message ("our avatar could not be kept on the file server (attempt %u): %s",
             keeper->attempts + 1, error->message);
  /* the retry is planned for this URL (sd_account_avatar_keeper_changed leaves it) */
  g_free (keeper->planned_url);
  keeper->planned_url = g_steal_pointer (&keeper->busy_url);
  g_clear_handle_id (&keeper->renew_id, g_source_remove);
  keeper->renew_id = g_timeout_add ((guint) sd_avatar_renewal_retry_ms (&keeper->attempts),
                                    on_check, self);
}

static gboolean
still_ours (SdAccount *self, const gchar *url)
{
  g_autofree gchar *current = sd_store_get_setting (self->store, "avatar-url", NULL);

  return g_strcmp0 (current, url) == 0;
}

static void
on_reuploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SdAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 expires = 0;
  g_autofree gchar *url = sd_attachments_upload_finish_full (SD_ATTACHMENTS (source), result,
                                                             &expires, &error);
  g_autofree gchar *key_hex = NULL;
  SdOwnAvatar *keeper = self->own_avatar;
  guint64 updated = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || keeper == NULL)
    return;
  if (url == NULL) {
    renew_failed (self, error);
    return;
  }
  /* SetAvatar or RemoveAvatar (here or on another device) came first: theirs stands */
  if (!still_ours (self, keeper->busy_url)) {
    g_clear_pointer (&keeper->busy_url, g_free);
    check (self);
    return;
  }
  g_clear_pointer (&keeper->busy_url, g_free);
  key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  /* the same key with the new URL, and a newer profile time so that peers take it */
  if (!sd_store_set_own_profile (self->store, NULL, TRUE, url, key_hex, (guint64) now_s (self),
                                 &updated, &error) ||
      /* the copy we have is this file's picture */
      !sd_store_set_setting (self->store, "avatar-file-url", url, &error)) {
    renew_failed (self, error);
    return;
  }
  record_times (self, url, expires);
  keeper->attempts = 0;
  g_message ("our avatar was uploaded again before its file expired");
  if (self->sender != NULL)
    sd_sender_set_profile (self->sender, self->display_name, updated);
  sd_account_load_own_avatar (self);
  /* our other devices: UserProfile's re-upload keys */
  if (self->config_sync != NULL)
    sd_config_sync_avatar_reuploaded (self->config_sync);
  sd_account_emit_account_changed (self);
  check (self);
}

/* the same picture, from our copy, encrypted with the same profile key (as the official
 * clients do: peers that have the key need only the new URL) */
static void
reupload (SdAccount *self, const gchar *url)
{
  SdOwnAvatar *keeper = self->own_avatar;
  g_autofree gchar *key_hex = sd_store_get_setting (self->store, "avatar-key", NULL);
  g_autofree gchar *have = sd_store_get_setting (self->store, "avatar-file-url", NULL);
  g_autofree gchar *path = g_build_filename (self->config.data_dir, "avatar", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[SD_PROFILE_KEY_LEN];
  GStatBuf st;
  gsize len = 0;

  if (key_hex == NULL || !sd_hex_decode_exact (key_hex, key, sizeof key, NULL)) {
    g_clear_pointer (&keeper->busy_url, g_free);
    return;
  }
  /* without the picture there is nothing to upload: it is fetched (sync_own_avatar) and the
   * next check tries again */
  if (g_strcmp0 (have, url) != 0 || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) ||
      st.st_size <= 0 || st.st_size > OWN_COPY_MAX ||
      !g_file_get_contents (path, &contents, &len, &error) || len > OWN_COPY_MAX) {
    sodium_memzero (key, sizeof key);
    g_message ("our avatar's file will expire and we have no copy to upload again");
    g_free (keeper->planned_url);
    keeper->planned_url = g_steal_pointer (&keeper->busy_url);
    keeper->attempts = 0;
    arm_s (self, RENEW_LATER_S);
    return;
  }
  plain = g_bytes_new_take (g_steal_pointer (&contents), len);
  blob = sd_avatar_legacy_encrypt (key, g_bytes_get_data (plain, NULL), len, &error);
  sodium_memzero (key, sizeof key);
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
  SdOwnAvatar *keeper = self->own_avatar;
  g_autofree gchar *url = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || keeper == NULL)
    return;
  if (!still_ours (self, keeper->busy_url)) {
    g_clear_pointer (&keeper->busy_url, g_free);
    check (self);
    return;
  }
  switch (sd_avatar_renewal_after_extend (error)) {
  case SD_AVATAR_RENEWAL_EXTENDED:
    /* the same URL lives on: nothing for peers or our other devices to learn */
    url = g_steal_pointer (&keeper->busy_url);
    record_times (self, url, expires);
    keeper->attempts = 0;
    g_debug ("our avatar's file was extended");
    check (self);
    return;
  case SD_AVATAR_RENEWAL_REUPLOAD:
    url = g_strdup (keeper->busy_url);
    reupload (self, url);
    return;
  case SD_AVATAR_RENEWAL_RETRY:
  default:
    renew_failed (self, error);
    return;
  }
}

/* renews now when due, else waits until it is */
static void
check (SdAccount *self)
{
  SdOwnAvatar *keeper = self->own_avatar;
  g_autofree gchar *url = NULL;
  gint64 due;

  if (keeper == NULL || keeper->busy_url != NULL)
    return;
  g_clear_handle_id (&keeper->renew_id, g_source_remove);
  url = sd_store_get_setting (self->store, "avatar-url", NULL);
  if (url == NULL || *url == '\0' || self->attachments == NULL)
    return;
  due = due_time (self, url);
  g_free (keeper->planned_url);
  keeper->planned_url = g_strdup (url);
  if (due > now_s (self)) {
    arm_s (self, due - now_s (self));
    return;
  }
  keeper->busy_url = g_steal_pointer (&url);
  g_clear_pointer (&keeper->planned_url, g_free);
  sd_attachments_extend_async (self->attachments, keeper->busy_url, keeper->cancellable,
                               on_extended, g_object_ref (self));
}

void
sd_account_avatar_keeper_start (SdAccount *self)
{
  if (self->own_avatar == NULL) {
    self->own_avatar = g_new0 (SdOwnAvatar, 1);
    self->own_avatar->cancellable = g_cancellable_new ();
  }
  check (self);
}

void
sd_account_avatar_keeper_stop (SdAccount *self)
{
  SdOwnAvatar *keeper = g_steal_pointer (&self->own_avatar);

  if (keeper == NULL)
    return;
  g_cancellable_cancel (keeper->cancellable);
  g_clear_object (&keeper->cancellable);
  g_clear_handle_id (&keeper->renew_id, g_source_remove);
  g_clear_handle_id (&keeper->fetch_retry_id, g_source_remove);
  g_free (keeper->busy_url);
  g_free (keeper->planned_url);
  g_free (keeper->fetch_url);
  g_free (keeper);
}

void
sd_account_avatar_keeper_uploaded (SdAccount *self, const gchar *url, gint64 expires)
{
  record_times (self, url, expires);
  if (self->own_avatar != NULL)
    self->own_avatar->attempts = 0;
  check (self);
}

void
sd_account_avatar_keeper_changed (SdAccount *self)
{
  SdOwnAvatar *keeper = self->own_avatar;
  g_autofree gchar *url = NULL;

  if (keeper == NULL)
    return;
  /* the same picture (a fetch retried, a name changed): the plan and its backoff stand */
  url = sd_store_get_setting (self->store, "avatar-url", NULL);
  if (keeper->renew_id != 0 && g_strcmp0 (url, keeper->planned_url) == 0)
    return;
  keeper->attempts = 0;
  check (self);
}

/* ---- our avatar from another device: fetched again after a failure ---- */

static gboolean
on_fetch_retry (gpointer user_data)
{
  SdAccount *self = user_data;

  self->own_avatar->fetch_retry_id = 0;
  sd_account_own_avatar_changed (self);
  return G_SOURCE_REMOVE;
}

void
sd_account_own_avatar_fetch_failed (SdAccount *self, const gchar *url, const GError *error)
{
  SdOwnAvatar *keeper = self->own_avatar;
  /* as for a contact's: a file that is gone, a server we may not reach and a picture that
   * does not verify stay so until the next profile or start */
  gboolean transient = !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
                       !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
                       !g_error_matches (error, SD_NETWORK_ERROR, SD_NETWORK_ERROR_REJECTED) &&
                       error->domain != SD_PROTOCOL_ERROR;

  if (keeper == NULL)
    return;
  if (g_strcmp0 (keeper->fetch_url, url) != 0) {
    g_free (keeper->fetch_url);
    keeper->fetch_url = g_strdup (url);
    keeper->fetch_attempts = 0;
  }
  if (!transient || ++keeper->fetch_attempts >= FETCH_ATTEMPTS)
    return;
  g_clear_handle_id (&keeper->fetch_retry_id, g_source_remove);
  keeper->fetch_retry_id = g_timeout_add (
    (guint) sd_backoff_delay (FETCH_BASE_MS, FETCH_MAX_MS, keeper->fetch_attempts),
    on_fetch_retry, self);
}

void
sd_account_own_avatar_fetched (SdAccount *self)
{
  if (self->own_avatar == NULL)
    return;
  self->own_avatar->fetch_attempts = 0;
  g_clear_handle_id (&self->own_avatar->fetch_retry_id, g_source_remove);
  /* a re-upload that waited for the picture can go now */
  check (self);
}
