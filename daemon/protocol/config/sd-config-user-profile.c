/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserProfile: "n" name, "p"/"q" avatar URL and key, "+" and "e" Note to
 * Self priority and timer, "M" community message requests; other keys (the
 * Pro fields of newer clients) are left alone */
#define G_LOG_DOMAIN "SdConfigUserProfile"

#include "config.h"

#include "sd-config-user-profile.h"

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

gboolean
sd_config_user_profile_get_avatar (const SdConfigValue *data, gchar **url, guint8 key[32])
{
  return sd_config_field_get_avatar (data, url, key);
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
