/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the Contacts config as plain values; the reading and writing rules are
 * libsession's (contacts.cpp), so both sides agree on what "unset" is */
#define G_LOG_DOMAIN "SdConfigContacts"

#include "config.h"

#include "sd-config-contacts.h"

#include <string.h>

#include "sd-config-fields.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"

void
sd_config_contact_init (SdConfigContact *contact, const gchar *session_id)
{
  memset (contact, 0, sizeof *contact);
  g_strlcpy (contact->session_id, session_id, sizeof contact->session_id);
}

void
sd_config_contact_clear (SdConfigContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->name);
  g_free (contact->nickname);
  g_free (contact->avatar_url);
  memset (contact, 0, sizeof *contact);
}

static void
load (SdConfigContact *c, const SdConfigValue *info)
{
  gint64 notify, mode, secs;

  g_free (c->name);
  c->name = sd_config_field_text (info, "n");
  if (c->name == NULL)
    c->name = g_strdup ("");
  c->nickname = sd_config_field_text (info, "N");
  sd_config_field_get_avatar (info, &c->avatar_url, c->avatar_key);
  c->approved = sd_config_field_int (info, "a", 0) != 0;
  c->approved_me = sd_config_field_int (info, "A", 0) != 0;
  c->blocked = sd_config_field_int (info, "b", 0) != 0;
  c->priority = sd_config_field_int (info, "+", 0);
  notify = sd_config_field_int (info, "@", 0);
  if (notify == SD_CONFIG_NOTIFY_MENTIONS_ONLY)
    c->notifications = SD_CONFIG_NOTIFY_ALL;
  else if (notify >= 0 && notify <= 2)
    c->notifications = (SdConfigNotify) notify;
  c->mute_until = sd_config_field_int (info, "!", 0);
  mode = sd_config_field_int (info, "e", 0);
  secs = sd_config_field_int (info, "E", 0);
  if (mode >= SD_CONFIG_EXPIRATION_AFTER_SEND && mode <= SD_CONFIG_EXPIRATION_AFTER_READ &&
      secs > 0) {
    c->expiration = (SdConfigExpiration) mode;
    c->expiration_seconds = secs;
  }
  c->created = sd_config_field_int (info, "j", 0);
}

gboolean
sd_config_contacts_get (const SdConfigValue *data, const gchar *session_id, SdConfigContact *out,
                        GError **error)
{
  const SdConfigValue *info;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  info = sd_config_field_session_lookup (data, 0x05, "c", session_id, error);
  if (info == NULL)
    return FALSE;
  sd_config_contact_init (out, session_id);
  load (out, info);
  return TRUE;
}

gboolean
sd_config_contacts_set (SdConfigValue *data, const SdConfigContact *c, GError **error)
{
  guint8 key[33];
  SdConfigValue *info;
  g_autofree gchar *name = NULL;
  gboolean has_avatar;
  SdConfigNotify notify;

  g_return_val_if_fail (data != NULL && c != NULL, FALSE);

  /* checked before anything is written */
  if (!sd_account_id_parse_with_prefix (c->session_id, 0x05, key, error))
    return FALSE;
  if (c->nickname != NULL && strlen (c->nickname) > SD_CONFIG_CONTACT_MAX_NAME) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "nickname longer than %d bytes", SD_CONFIG_CONTACT_MAX_NAME);
    return FALSE;
  }
  if (c->avatar_url != NULL && strlen (c->avatar_url) > SD_CONFIG_MAX_URL) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "avatar URL longer than %d bytes", SD_CONFIG_MAX_URL);
    return FALSE;
  }

  info = sd_config_field_session_entry (data, 0x05, "c", c->session_id, NULL);
  /* "n" is always present, even empty */
  name = sd_config_utf8_truncate (c->name != NULL ? c->name : "", SD_CONFIG_CONTACT_MAX_NAME);
  sd_config_field_set_text (info, "n", name);
  sd_config_field_set_nonempty (info, "N", (const guint8 *) c->nickname,
                                c->nickname != NULL ? strlen (c->nickname) : 0);
  has_avatar = c->avatar_url != NULL && c->avatar_url[0] != '\0';
  sd_config_field_set_nonempty (info, "p", (const guint8 *) c->avatar_url,
                                has_avatar ? strlen (c->avatar_url) : 0);
  sd_config_field_set_nonempty (info, "q", c->avatar_key, has_avatar ? 32 : 0);
  sd_config_field_set_flag (info, "a", c->approved);
  sd_config_field_set_flag (info, "A", c->approved_me);
  sd_config_field_set_flag (info, "b", c->blocked);
  sd_config_field_set_nonzero (info, "+", c->priority);
  notify = c->notifications == SD_CONFIG_NOTIFY_MENTIONS_ONLY ? SD_CONFIG_NOTIFY_ALL
                                                              : c->notifications;
  sd_config_field_set_positive (info, "@", notify);
  sd_config_field_set_positive (info, "!", c->mute_until);
  if (c->expiration != SD_CONFIG_EXPIRATION_NONE && c->expiration_seconds > 0) {
    sd_config_field_set_nonzero (info, "e", c->expiration);
    sd_config_field_set_nonzero (info, "E", c->expiration_seconds);
  } else {
    sd_config_field_set_nonzero (info, "e", 0);
    sd_config_field_set_nonzero (info, "E", 0);
  }
  sd_config_field_set_positive (info, "j", c->created);
  return TRUE;
}

gboolean
sd_config_contacts_remove (SdConfigValue *data, const gchar *session_id)
{
  g_return_val_if_fail (data != NULL, FALSE);

  return sd_config_field_session_remove (data, 0x05, "c", session_id);
}

GPtrArray *
sd_config_contacts_list (const SdConfigValue *data)
{
  g_return_val_if_fail (data != NULL, g_ptr_array_new_with_free_func (g_free));

  return sd_config_field_session_ids (data, 0x05, "c");
}
