/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* group Info config (namespace 13, signed by the group key): typed view of
 * its data dict. Times are unix seconds */

#define SD_CONFIG_GROUP_INFO_MAX_NAME 100
#define SD_CONFIG_GROUP_INFO_MAX_DESCRIPTION 2000

/* NULL when unset or empty */
gchar *sd_config_group_info_get_name (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* NULL or "" clears; longer than 100 bytes is refused */
gboolean sd_config_group_info_set_name (SdConfigValue *data, const gchar *name, GError **error);

gchar *sd_config_group_info_get_description (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* longer than 2,000 bytes is refused */
gboolean sd_config_group_info_set_description (SdConfigValue *data,
                                               const gchar *description,
                                               GError **error);

/* FALSE without a complete avatar (URL and 32-byte key) */
gboolean sd_config_group_info_get_avatar (const SdConfigValue *data, gchar **url, guint8 key[32]);
/* @url NULL or "" clears both */
gboolean sd_config_group_info_set_avatar (SdConfigValue *data,
                                          const gchar *url,
                                          const guint8 key[32],
                                          GError **error);

/* 0 when unset; setters clear for values <= 0 */
gint64 sd_config_group_info_get_created (const SdConfigValue *data);
void sd_config_group_info_set_created (SdConfigValue *data, gint64 seconds);
/* messages sent before this are deleted by every member */
gint64 sd_config_group_info_get_delete_before (const SdConfigValue *data);
void sd_config_group_info_set_delete_before (SdConfigValue *data, gint64 seconds);
/* attachments sent before this are deleted */
gint64 sd_config_group_info_get_delete_attach_before (const SdConfigValue *data);
void sd_config_group_info_set_delete_attach_before (SdConfigValue *data, gint64 seconds);
/* the after-send disappearing timer in seconds (groups have no after-read) */
gint64 sd_config_group_info_get_disappearing (const SdConfigValue *data);
void sd_config_group_info_set_disappearing (SdConfigValue *data, gint64 seconds);

/* a destroyed group stays destroyed */
gboolean sd_config_group_info_is_destroyed (const SdConfigValue *data);
void sd_config_group_info_destroy (SdConfigValue *data);

G_END_DECLS
