/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ConvoInfoVolatile 1:1 read state; the rules are libsession's
 * (convo_info_volatile.cpp), with "now" passed in to stay pure */
#define G_LOG_DOMAIN "SdConfigConvoInfo"

#include "config.h"

#include "sd-config-convo-info.h"

#include <string.h>

#include "sd-config-fields.h"

static SdConfigValue *
one_to_one (const SdConfigValue *data)
{
  SdConfigValue *all = sd_config_value_dict_get (data, "1");

  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT)
    return NULL;
  return all;
}

gboolean
sd_config_convo_info_get (const SdConfigValue *data, const gchar *session_id, SdConfigConvo *out,
                          GError **error)
{
  guint8 key[33];
  const SdConfigValue *all, *info;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  if (!sd_config_session_id_to_key (session_id, key, error))
    return FALSE;
  all = one_to_one (data);
  info = all != NULL ? sd_config_value_dict_lookup (all, key, 33) : NULL;
  if (info == NULL || sd_config_value_kind (info) != SD_CONFIG_VALUE_DICT)
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
  guint8 key[33];
  SdConfigValue *info;
  const SdConfigValue *r;

  g_return_val_if_fail (data != NULL && convo != NULL, FALSE);

  if (!sd_config_session_id_to_key (convo->session_id, key, error))
    return FALSE;
  info = sd_config_value_dict_child (sd_config_value_dict_child (data, (const guint8 *) "1", 1),
                                     key, 33);
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
  guint8 key[33];
  SdConfigValue *all;

  g_return_val_if_fail (data != NULL, FALSE);

  if (!sd_config_session_id_to_key (session_id, key, NULL))
    return FALSE;
  all = one_to_one (data);
  return all != NULL && sd_config_value_dict_remove (all, key, 33);
}

guint
sd_config_convo_info_prune (SdConfigValue *data, gint64 now_ms)
{
  SdConfigValue *all;
  gint64 cutoff = now_ms - SD_CONFIG_CONVO_PRUNE_HIGH_MS;
  guint removed = 0;

  g_return_val_if_fail (data != NULL, 0);

  all = one_to_one (data);
  if (all == NULL)
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
