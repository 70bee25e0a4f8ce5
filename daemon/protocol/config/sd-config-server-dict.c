/* SPDX-License-Identifier: GPL-3.0-or-later */
/* base URL → {"#", "R": {key → dict}}: shared by UserGroups' communities and Contacts'
 * blinded contacts (libsession's user_groups.hpp and contacts.cpp) */
#define G_LOG_DOMAIN "SdConfigServerDict"

#include "config.h"

#include "sd-config-server-dict.h"

#include <string.h>

#include "sd-config-fields.h"

void
sd_config_server_entries_foreach (const SdConfigValue *data, const gchar *top,
                                  SdConfigServerEntryFunc func, gpointer user_data)
{
  const SdConfigValue *all;

  g_return_if_fail (data != NULL && top != NULL && func != NULL);

  all = sd_config_value_dict_get (data, top);
  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT)
    return;
  for (guint i = 0; i < sd_config_value_length (all); i++) {
    gsize len, pk_len = 0;
    const guint8 *url = sd_config_value_dict_key (all, i, &len);
    const SdConfigValue *server = sd_config_value_dict_value (all, i);
    const SdConfigValue *entries;
    const guint8 *pk;
    g_autofree gchar *base_url = NULL;

    if (len == 0 || len > SD_CONFIG_SERVER_URL_MAX || memchr (url, 0, len) != NULL ||
        !g_utf8_validate ((const gchar *) url, (gssize) len, NULL) ||
        sd_config_value_kind (server) != SD_CONFIG_VALUE_DICT ||
        (pk = sd_config_field_bytes (server, "#", &pk_len)) == NULL || pk_len != 32 ||
        (entries = sd_config_value_dict_get (server, "R")) == NULL ||
        sd_config_value_kind (entries) != SD_CONFIG_VALUE_DICT)
      continue;
    base_url = g_strndup ((const gchar *) url, len);
    for (guint j = 0; j < sd_config_value_length (entries); j++) {
      gsize key_len;
      const guint8 *key = sd_config_value_dict_key (entries, j, &key_len);
      const SdConfigValue *entry = sd_config_value_dict_value (entries, j);

      if (sd_config_value_kind (entry) == SD_CONFIG_VALUE_DICT)
        func (base_url, pk, key, key_len, entry, user_data);
    }
  }
}

SdConfigValue *
sd_config_server_entry_child (SdConfigValue *data, const gchar *top, const gchar *base_url,
                              const guint8 pk[32], const guint8 *key, gsize key_len)
{
  SdConfigValue *all, *server, *entries;

  g_return_val_if_fail (data != NULL && top != NULL && base_url != NULL, NULL);

  all = sd_config_value_dict_child (data, (const guint8 *) top, strlen (top));
  server = sd_config_value_dict_child (all, (const guint8 *) base_url, strlen (base_url));
  sd_config_value_dict_set_text (server, "#", sd_config_value_new_string (pk, 32));
  entries = sd_config_value_dict_child (server, (const guint8 *) "R", 1);
  return sd_config_value_dict_child (entries, key, key_len);
}

gboolean
sd_config_server_entry_remove (SdConfigValue *data, const gchar *top, const gchar *base_url,
                               const guint8 *key, gsize key_len)
{
  SdConfigValue *all, *server, *entries;

  g_return_val_if_fail (data != NULL && top != NULL, FALSE);

  if (base_url == NULL || (all = sd_config_value_dict_get (data, top)) == NULL ||
      sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT ||
      (server = sd_config_value_dict_lookup (all, (const guint8 *) base_url,
                                             strlen (base_url))) == NULL ||
      sd_config_value_kind (server) != SD_CONFIG_VALUE_DICT ||
      (entries = sd_config_value_dict_get (server, "R")) == NULL ||
      sd_config_value_kind (entries) != SD_CONFIG_VALUE_DICT ||
      !sd_config_value_dict_remove (entries, key, key_len))
    return FALSE;
  if (sd_config_value_length (entries) == 0)
    sd_config_value_dict_remove (all, (const guint8 *) base_url, strlen (base_url));
  return TRUE;
}
