/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ConvoInfoVolatile 1:1 read state; the rules are libsession's
 * (convo_info_volatile.cpp), with "now" passed in to stay pure */
#define G_LOG_DOMAIN "SdConfigConvoInfo"

#include "config.h"

#include "sd-config-convo-info.h"

#include <string.h>

#include "sd-config-fields.h"

gboolean
sd_config_convo_info_get (const SdConfigValue *data, const gchar *session_id, SdConfigConvo *out,
                          GError **error)
{
  const SdConfigValue *info;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  info = sd_config_field_session_lookup (data, 0x05, "1", session_id, error);
  if (info == NULL)
    return FALSE;
  memset (out, 0, sizeof *out);
  g_strlcpy (out->session_id, session_id, sizeof out->session_id);
  out->last_read_ms = sd_config_field_int (info, "r", 0);
  out->unread = sd_config_field_int (info, "u", 0) != 0;
  return TRUE;
}

gboolean
sd_config_convo_info_set (SdConfigValue *data, const SdConfigConvo *convo, gint64 now_ms,
                          GError **error)
{
  SdConfigValue *info;
  const SdConfigValue *r;

  g_return_val_if_fail (data != NULL && convo != NULL, FALSE);

  info = sd_config_field_session_entry (data, 0x05, "1", convo->session_id, error);
  if (info == NULL)
    return FALSE;
  r = sd_config_value_dict_get (info, "r");
  if (r != NULL && sd_config_value_kind (r) == SD_CONFIG_VALUE_INT &&
      convo->last_read_ms < sd_config_value_get_int (r))
    sd_config_value_dict_set_text (info, "r", sd_config_value_new_int (convo->last_read_ms));
  else if (convo->last_read_ms > now_ms - SD_CONFIG_CONVO_PRUNE_LOW_MS)
    sd_config_value_dict_set_text (info, "r", sd_config_value_new_int (convo->last_read_ms));
  sd_config_field_set_flag (info, "u", convo->unread);
  return TRUE;
}

gboolean
sd_config_convo_info_remove (SdConfigValue *data, const gchar *session_id)
{
  g_return_val_if_fail (data != NULL, FALSE);

  return sd_config_field_session_remove (data, 0x05, "1", session_id);
}

guint
sd_config_convo_info_prune (SdConfigValue *data, gint64 now_ms)
{
  SdConfigValue *all;
  gint64 cutoff = now_ms - SD_CONFIG_CONVO_PRUNE_HIGH_MS;
  guint removed = 0;

  g_return_val_if_fail (data != NULL, 0);

  all = sd_config_value_dict_get (data, "1");
  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT)
    return 0;
  for (guint i = sd_config_value_length (all); i > 0; i--) {
    const SdConfigValue *info = sd_config_value_dict_value (all, i - 1);
    gsize len;
    const guint8 *key;
    g_autofree guint8 *copy = NULL;

    if (sd_config_value_kind (info) != SD_CONFIG_VALUE_DICT ||
        sd_config_field_int (info, "u", 0) != 0 || sd_config_field_int (info, "r", 0) >= cutoff)
      continue;
    key = sd_config_value_dict_key (all, i - 1, &len);
    copy = g_memdup2 (key, len);
    sd_config_value_dict_remove (all, copy, len);
    removed++;
  }
  return removed;
}
