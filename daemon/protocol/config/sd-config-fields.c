/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-config-fields.h"

#include <string.h>

#include "sd-keys.h"
#include "sd-protocol-error.h"

const guint8 *
sd_config_field_bytes (const SdConfigValue *dict, const gchar *key, gsize *len)
{
  const SdConfigValue *v = sd_config_value_dict_get (dict, key);

  if (v == NULL || sd_config_value_kind (v) != SD_CONFIG_VALUE_STRING)
    return NULL;
  return sd_config_value_get_string (v, len);
}

gchar *
sd_config_field_text (const SdConfigValue *dict, const gchar *key)
{
  gsize len = 0;
  const guint8 *data = sd_config_field_bytes (dict, key, &len);

  if (data == NULL)
    return NULL;
  return g_strndup ((const gchar *) data, len);
}

gchar *
sd_config_field_nonempty_text (const SdConfigValue *dict, const gchar *key)
{
  g_autofree gchar *text = sd_config_field_text (dict, key);

  if (text == NULL || text[0] == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

gboolean
sd_config_avatar_url_valid (const gchar *url)
{
  g_autoptr(GUri) uri = NULL;
  const gchar *scheme;

  if (url == NULL || strlen (url) > SD_CONFIG_MAX_URL || !g_utf8_validate (url, -1, NULL))
    return FALSE;
  for (const gchar *p = url; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0) &&
         g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

gint64
sd_config_field_int (const SdConfigValue *dict, const gchar *key, gint64 fallback)
{
  const SdConfigValue *v = sd_config_value_dict_get (dict, key);

  if (v == NULL || sd_config_value_kind (v) != SD_CONFIG_VALUE_INT)
    return fallback;
  return sd_config_value_get_int (v);
}

gint64
sd_config_field_positive (const SdConfigValue *dict, const gchar *key)
{
  return MAX (sd_config_field_int (dict, key, 0), 0);
}

gboolean
sd_config_field_get_avatar (const SdConfigValue *dict, gchar **url, guint8 key[32])
{
  g_autofree gchar *u = sd_config_field_text (dict, "p");
  gsize key_len = 0;
  const guint8 *k = sd_config_field_bytes (dict, "q", &key_len);

  /* an avatar needs both halves */
  if (u == NULL || u[0] == '\0' || k == NULL || key_len != 32)
    return FALSE;
  if (url != NULL)
    *url = g_steal_pointer (&u);
  if (key != NULL)
    memcpy (key, k, 32);
  return TRUE;
}

gboolean
sd_config_field_set_avatar (SdConfigValue *dict, const gchar *url, const guint8 key[32],
                            GError **error)
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
  sd_config_field_set_nonempty (dict, "p", (const guint8 *) url, len);
  sd_config_field_set_nonempty (dict, "q", key, len > 0 ? 32 : 0);
  return TRUE;
}

static void
remove_key (SdConfigValue *dict, const gchar *key)
{
  sd_config_value_dict_remove (dict, (const guint8 *) key, strlen (key));
}

void
sd_config_field_set_text (SdConfigValue *dict, const gchar *key, const gchar *text)
{
  sd_config_value_dict_set_text (dict, key, sd_config_value_new_text (text != NULL ? text : ""));
}

void
sd_config_field_set_nonempty (SdConfigValue *dict, const gchar *key, const guint8 *data, gsize len)
{
  if (data == NULL || len == 0)
    remove_key (dict, key);
  else
    sd_config_value_dict_set_text (dict, key, sd_config_value_new_string (data, len));
}

gboolean
sd_config_field_set_bounded_text (SdConfigValue *dict, const gchar *key, const gchar *text,
                                  gsize max, const gchar *what, GError **error)
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len > max) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "%s longer than %" G_GSIZE_FORMAT " bytes", what, max);
    return FALSE;
  }
  sd_config_field_set_nonempty (dict, key, (const guint8 *) text, len);
  return TRUE;
}

void
sd_config_field_set_nonzero (SdConfigValue *dict, const gchar *key, gint64 value)
{
  if (value == 0)
    remove_key (dict, key);
  else
    sd_config_value_dict_set_text (dict, key, sd_config_value_new_int (value));
}

void
sd_config_field_set_positive (SdConfigValue *dict, const gchar *key, gint64 value)
{
  sd_config_field_set_nonzero (dict, key, value > 0 ? value : 0);
}

void
sd_config_field_set_flag (SdConfigValue *dict, const gchar *key, gboolean value)
{
  sd_config_field_set_nonzero (dict, key, value ? 1 : 0);
}

gchar *
sd_config_utf8_truncate (const gchar *text, gsize max)
{
  gsize len = strlen (text);

  if (len <= max)
    return g_strdup (text);
  len = max;
  /* back off over continuation bytes to the start of a character */
  while (len > 0 && ((guchar) text[len] & 0xc0) == 0x80)
    len--;
  return g_strndup (text, len);
}

static SdConfigValue *
section_dict (const SdConfigValue *data, const gchar *section)
{
  SdConfigValue *all = sd_config_value_dict_get (data, section);

  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT)
    return NULL;
  return all;
}

SdConfigValue *
sd_config_field_session_lookup (const SdConfigValue *data, guint8 prefix, const gchar *section,
                                const gchar *session_id, GError **error)
{
  guint8 key[33];
  SdConfigValue *all, *entry;

  if (!sd_account_id_parse_with_prefix (session_id, prefix, key, error))
    return NULL;
  all = section_dict (data, section);
  entry = all != NULL ? sd_config_value_dict_lookup (all, key, 33) : NULL;
  if (entry == NULL || sd_config_value_kind (entry) != SD_CONFIG_VALUE_DICT)
    return NULL;
  return entry;
}

SdConfigValue *
sd_config_field_session_entry (SdConfigValue *data, guint8 prefix, const gchar *section,
                               const gchar *session_id, GError **error)
{
  guint8 key[33];

  if (!sd_account_id_parse_with_prefix (session_id, prefix, key, error))
    return NULL;
  return sd_config_value_dict_child (
    sd_config_value_dict_child (data, (const guint8 *) section, strlen (section)), key, 33);
}

GPtrArray *
sd_config_field_session_ids (const SdConfigValue *data, guint8 prefix, const gchar *section)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const SdConfigValue *all = section_dict (data, section);

  for (guint i = 0; all != NULL && i < sd_config_value_length (all); i++) {
    gsize len;
    const guint8 *key = sd_config_value_dict_key (all, i, &len);
    gchar id[67];

    if (len != 33 || key[0] != prefix ||
        sd_config_value_kind (sd_config_value_dict_value (all, i)) != SD_CONFIG_VALUE_DICT)
      continue;
    sd_account_id_format (key[0], key + 1, id);
    g_ptr_array_add (ids, g_strdup (id));
  }
  return ids;
}

gboolean
sd_config_field_session_remove (SdConfigValue *data, guint8 prefix, const gchar *section,
                                const gchar *session_id)
{
  guint8 key[33];
  SdConfigValue *all;

  if (!sd_account_id_parse_with_prefix (session_id, prefix, key, NULL))
    return FALSE;
  all = section_dict (data, section);
  return all != NULL && sd_config_value_dict_remove (all, key, 33);
}
