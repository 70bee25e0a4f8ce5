/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserProfile: "n" name, "p"/"q" avatar URL and key, "t" when the profile last
 * changed, "P"/"Q"/"T" the avatar uploaded again and when, "+" and "e" Note to
 * Self priority and timer, "M" community message requests; other keys (the
 * Pro fields of newer clients) are left alone. The meaning of t/P/Q/T is
 * libsession-util's (src/config/user_profile.cpp, read for the facts) */
#define G_LOG_DOMAIN "SdConfigUserProfile"

#include "config.h"

#include "sd-config-user-profile.h"

#include <sodium.h>
#include <string.h>

#include "sd-protocol-error.h"

#include "sd-config-contacts.h"
#include "sd-config-fields.h"

gchar *
sd_config_user_profile_get_name (const SdConfigValue *data)
{
  return sd_config_field_nonempty_text (data, "n");
}

gboolean
sd_config_user_profile_set_name (SdConfigValue *data, const gchar *name, GError **error)
{
  return sd_config_field_set_bounded_text (data, "n", name, SD_CONFIG_PROFILE_MAX_NAME,
                                           "profile name", error);
}

/* "P"/"Q" are in force only while "T" is strictly newer than "t" */
static gboolean
reupload_in_force (const SdConfigValue *data)
{
  return sd_config_field_int (data, "T", 0) > sd_config_field_int (data, "t", 0);
}

static gboolean
get_pair (const SdConfigValue *dict, const gchar *url_key, const gchar *key_key, gchar **url,
          guint8 key[32])
{
  g_autofree gchar *u = sd_config_field_text (dict, url_key);
  gsize key_len = 0;
  const guint8 *k = sd_config_field_bytes (dict, key_key, &key_len);

  if (u == NULL || u[0] == '\0' || k == NULL || key_len != 32)
    return FALSE;
  if (url != NULL)
    *url = g_steal_pointer (&u);
  if (key != NULL)
    memcpy (key, k, 32);
  return TRUE;
}

static gboolean
pair_is (const SdConfigValue *dict, const gchar *url_key, const gchar *key_key, const gchar *url,
         const guint8 key[32])
{
  g_autofree gchar *old_url = NULL;
  guint8 old_key[32];
  gboolean has = get_pair (dict, url_key, key_key, &old_url, old_key);
  gboolean same;

  if (url == NULL || url[0] == '\0')
    return !has;
  same = has && g_str_equal (old_url, url) && memcmp (old_key, key, 32) == 0;
  sodium_memzero (old_key, sizeof old_key);
  return same;
}

gboolean
sd_config_user_profile_get_avatar (const SdConfigValue *data, gchar **url, guint8 key[32])
{
  if (reupload_in_force (data))
    return get_pair (data, "P", "Q", url, key);
  return sd_config_field_get_avatar (data, url, key);
}

static gboolean
check_pair (const gchar *url, const guint8 key[32], GError **error)
{
  gsize len = url != NULL ? strlen (url) : 0;

  if (len > SD_CONFIG_MAX_URL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "avatar URL longer than %d bytes", SD_CONFIG_MAX_URL);
    return FALSE;
  }
  if (len > 0 && key == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "an avatar needs its 32-byte key");
    return FALSE;
  }
  return TRUE;
}

static void
set_time (SdConfigValue *data, const gchar *key, gint64 value)
{
  sd_config_value_dict_set_text (data, key, sd_config_value_new_int (value));
}

static void
remove_key (SdConfigValue *data, const gchar *key)
{
  sd_config_value_dict_remove (data, (const guint8 *) key, strlen (key));
}

gboolean
sd_config_user_profile_set_new_avatar (SdConfigValue *data, const gchar *url,
                                       const guint8 key[32], gint64 now_s, GError **error)
{
  gboolean removed = url == NULL || url[0] == '\0';
  gint64 T;

  if (!check_pair (url, key, error))
    return FALSE;
  if (pair_is (data, "p", "q", url, key))
    return TRUE;
  if (!sd_config_field_set_avatar (data, url, key, error))
    return FALSE;
  /* no picture: the re-uploaded copy of the old one goes too */
  if (removed) {
    remove_key (data, "P");
    remove_key (data, "Q");
    remove_key (data, "T");
  }
  /* "t" must not be older than "T", or the old re-upload would stay in force (another
   * device's clock may be ahead of ours) */
  T = sd_config_field_int (data, "T", 0);
  set_time (data, "t", MAX (now_s, T));
  return TRUE;
}

gboolean
sd_config_user_profile_set_reuploaded_avatar (SdConfigValue *data, const gchar *url,
                                              const guint8 key[32], gint64 now_s,
                                              GError **error)
{
  gint64 t;

  g_return_val_if_fail (url != NULL && url[0] != '\0' && key != NULL, FALSE);

  if (!check_pair (url, key, error))
    return FALSE;
  if (pair_is (data, "P", "Q", url, key) && reupload_in_force (data))
    return TRUE;
  sd_config_field_set_nonempty (data, "P", (const guint8 *) url, strlen (url));
  sd_config_field_set_nonempty (data, "Q", key, 32);
  /* strictly newer than "t", or "p"/"q" would stay in force (same second) */
  t = sd_config_field_int (data, "t", 0);
  set_time (data, "T", t < G_MAXINT64 ? MAX (now_s, t + 1) : t);
  return TRUE;
}

gint64
sd_config_user_profile_get_updated (const SdConfigValue *data)
{
  return MAX (MAX (sd_config_field_int (data, "t", 0), sd_config_field_int (data, "T", 0)), 0);
}

void
sd_config_user_profile_touch (SdConfigValue *data, gint64 now_s)
{
  gint64 t = sd_config_field_int (data, "t", 0);
  gint64 T = sd_config_field_int (data, "T", 0);

  /* the larger one moves, so which picture is in force does not change */
  set_time (data, t >= T ? "t" : "T", MAX (now_s, MAX (t, T)));
}

gboolean
sd_config_user_profile_set_avatar (SdConfigValue *data, const gchar *url, const guint8 key[32],
                                   GError **error)
{
  return sd_config_field_set_avatar (data, url, key, error);
}

gint64
sd_config_user_profile_get_nts_priority (const SdConfigValue *data)
{
  return sd_config_field_int (data, "+", 0);
}

void
sd_config_user_profile_set_nts_priority (SdConfigValue *data, gint64 priority)
{
  sd_config_field_set_nonzero (data, "+", priority);
}

gint64
sd_config_user_profile_get_nts_expiry (const SdConfigValue *data)
{
  return sd_config_field_positive (data, "e");
}

void
sd_config_user_profile_set_nts_expiry (SdConfigValue *data, gint64 seconds)
{
  sd_config_field_set_positive (data, "e", seconds);
}

gint
sd_config_user_profile_get_blinded_msgreqs (const SdConfigValue *data)
{
  const SdConfigValue *v = sd_config_value_dict_get (data, "M");

  if (v == NULL || sd_config_value_kind (v) != SD_CONFIG_VALUE_INT)
    return -1;
  return sd_config_value_get_int (v) != 0 ? 1 : 0;
}

void
sd_config_user_profile_set_blinded_msgreqs (SdConfigValue *data, gint value)
{
  /* 0 is a real choice here: only "unset" removes the key */
  if (value < 0)
    sd_config_value_dict_remove (data, (const guint8 *) "M", 1);
  else
    sd_config_value_dict_set_text (data, "M", sd_config_value_new_int (value != 0));
}
