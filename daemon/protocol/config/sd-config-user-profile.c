/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserProfile: "n" name, "p"/"q" avatar URL and key, "+" and "e" Note to
 * Self priority and timer, "M" community message requests; other keys (the
 * Pro fields of newer clients) are left alone */
#define G_LOG_DOMAIN "SdConfigUserProfile"

#include "config.h"

#include "sd-config-user-profile.h"

#include <string.h>

#include "sd-config-contacts.h"
#include "sd-config-fields.h"
#include "sd-protocol-error.h"

gchar *
sd_config_user_profile_get_name (const SdConfigValue *data)
{
  g_autofree gchar *name = sd_config_field_text (data, "n");

  if (name == NULL || name[0] == '\0')
    return NULL;
  return g_steal_pointer (&name);
}

gboolean
sd_config_user_profile_set_name (SdConfigValue *data, const gchar *name, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len > SD_CONFIG_PROFILE_MAX_NAME) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "profile name longer than %d bytes", SD_CONFIG_PROFILE_MAX_NAME);
    return FALSE;
  }
  sd_config_field_set_nonempty (data, "n", (const guint8 *) name, len);
  return TRUE;
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
  return MAX (sd_config_field_int (data, "e", 0), 0);
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
