/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group Info: "n" name, "o" description, "p"/"q" avatar, "c" created,
 * "d"/"D" delete messages/attachments before, "E" after-send timer, "!"
 * destroyed; the rules are libsession's (groups/info.cpp) */
#define G_LOG_DOMAIN "SdConfigGroupInfo"

#include "config.h"

#include "sd-config-group-info.h"

#include "sd-config-contacts.h"
#include "sd-config-fields.h"

gchar *
sd_config_group_info_get_name (const SdConfigValue *data)
{
  return sd_config_field_nonempty_text (data, "n");
}

gboolean
sd_config_group_info_set_name (SdConfigValue *data, const gchar *name, GError **error)
{
  return sd_config_field_set_bounded_text (data, "n", name, SD_CONFIG_GROUP_INFO_MAX_NAME,
                                           "group name", error);
}

gchar *
sd_config_group_info_get_description (const SdConfigValue *data)
{
  return sd_config_field_nonempty_text (data, "o");
}

gboolean
sd_config_group_info_set_description (SdConfigValue *data, const gchar *description,
                                      GError **error)
{
  return sd_config_field_set_bounded_text (data, "o", description,
                                           SD_CONFIG_GROUP_INFO_MAX_DESCRIPTION,
                                           "group description", error);
}

gboolean
sd_config_group_info_get_avatar (const SdConfigValue *data, gchar **url, guint8 key[32])
{
  return sd_config_field_get_avatar (data, url, key);
}

gboolean
sd_config_group_info_set_avatar (SdConfigValue *data, const gchar *url, const guint8 key[32],
                                 GError **error)
{
  return sd_config_field_set_avatar (data, url, key, error);
}

/* times and the timer: positive or unset */
gint64
sd_config_group_info_get_created (const SdConfigValue *data)
{
  return sd_config_field_positive (data, "c");
}

void
sd_config_group_info_set_created (SdConfigValue *data, gint64 seconds)
{
  sd_config_field_set_positive (data, "c", seconds);
}

gint64
sd_config_group_info_get_delete_before (const SdConfigValue *data)
{
  return sd_config_field_positive (data, "d");
}

void
sd_config_group_info_set_delete_before (SdConfigValue *data, gint64 seconds)
{
  sd_config_field_set_positive (data, "d", seconds);
}

gint64
sd_config_group_info_get_delete_attach_before (const SdConfigValue *data)
{
  return sd_config_field_positive (data, "D");
}

void
sd_config_group_info_set_delete_attach_before (SdConfigValue *data, gint64 seconds)
{
  sd_config_field_set_positive (data, "D", seconds);
}

gint64
sd_config_group_info_get_disappearing (const SdConfigValue *data)
{
  return sd_config_field_positive (data, "E");
}

void
sd_config_group_info_set_disappearing (SdConfigValue *data, gint64 seconds)
{
  sd_config_field_set_positive (data, "E", seconds);
}

gboolean
sd_config_group_info_is_destroyed (const SdConfigValue *data)
{
  return sd_config_field_int (data, "!", 0) > 0;
}

void
sd_config_group_info_destroy (SdConfigValue *data)
{
  sd_config_field_set_flag (data, "!", TRUE);
}
