/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group Members: per member "n" name, "p"/"q" avatar, "A" admin, "I"
 * invite status, "P" promotion status, "R" removed, "s" supplement; the
 * rules are libsession's (groups/members.cpp) */
#define G_LOG_DOMAIN "SdConfigGroupMembers"

#include "config.h"

#include "sd-config-group-members.h"

#include <sodium.h>
#include <string.h>

#include "sd-config-fields.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"

void
sd_config_group_member_init (SdConfigGroupMember *member, const gchar *session_id)
{
  memset (member, 0, sizeof *member);
  g_strlcpy (member->session_id, session_id, sizeof member->session_id);
  member->name = g_strdup ("");
}

void
sd_config_group_member_clear (SdConfigGroupMember *member)
{
  if (member == NULL)
    return;
  g_free (member->name);
  g_free (member->avatar_url);
  memset (member, 0, sizeof *member);
}

/* statuses other clients may write: anything else reads as none */
static SdConfigMemberStatus
status_of (gint64 value)
{
  return value >= SD_CONFIG_MEMBER_STATUS_SENT && value <= SD_CONFIG_MEMBER_STATUS_NOT_SENT
           ? (SdConfigMemberStatus) value
           : SD_CONFIG_MEMBER_STATUS_NONE;
}

static void
load (const SdConfigValue *info, SdConfigGroupMember *out)
{
  gint64 removed;

  g_free (out->name);
  out->name = sd_config_field_text (info, "n");
  if (out->name == NULL)
    out->name = g_strdup ("");
  sd_config_field_get_avatar (info, &out->avatar_url, out->avatar_key);
  out->admin = sd_config_field_int (info, "A", 0) != 0;
  out->invite = out->admin ? SD_CONFIG_MEMBER_STATUS_NONE
                           : status_of (sd_config_field_int (info, "I", 0));
  out->promotion = status_of (sd_config_field_int (info, "P", 0));
  removed = sd_config_field_int (info, "R", 0);
  out->removed = removed == 1 || removed == 2 ? (SdConfigMemberRemoved) removed
                                              : SD_CONFIG_MEMBER_REMOVED_NONE;
  /* history access only matters for a pending plain-member invite */
  out->supplement = out->invite != SD_CONFIG_MEMBER_STATUS_NONE && !out->admin &&
                    out->promotion == SD_CONFIG_MEMBER_STATUS_NONE &&
                    sd_config_field_int (info, "s", 0) != 0;
}

gboolean
sd_config_group_members_get (const SdConfigValue *data, const gchar *session_id,
                             SdConfigGroupMember *out, GError **error)
{
  const SdConfigValue *info;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  info = sd_config_field_session_lookup (data, 0x05, "m", session_id, error);
  if (info == NULL)
    return FALSE;
  sd_config_group_member_init (out, session_id);
  load (info, out);
  return TRUE;
}

gboolean
sd_config_group_members_set (SdConfigValue *data, const SdConfigGroupMember *m, GError **error)
{
  SdConfigValue *info;
  g_autofree gchar *name = NULL;
  gsize url_len = m != NULL && m->avatar_url != NULL ? strlen (m->avatar_url) : 0;

  g_return_val_if_fail (data != NULL && m != NULL, FALSE);

  if (url_len > SD_CONFIG_MAX_STRING_LEN) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "member avatar URL too long");
    return FALSE;
  }
  info = sd_config_field_session_entry (data, 0x05, "m", m->session_id, error);
  if (info == NULL)
    return FALSE;
  /* the name is always written, even empty, as libsession does */
  name = sd_config_utf8_truncate (m->name != NULL ? m->name : "", SD_CONFIG_GROUP_MEMBER_MAX_NAME);
  sd_config_field_set_text (info, "n", name);
  sd_config_field_set_nonempty (info, "p", (const guint8 *) m->avatar_url, url_len);
  sd_config_field_set_nonempty (info, "q", m->avatar_key, url_len > 0 ? 32 : 0);
  sd_config_field_set_flag (info, "A", m->admin);
  sd_config_field_set_positive (info, "P", m->promotion);
  sd_config_field_set_positive (info, "I", m->admin ? 0 : m->invite);
  sd_config_field_set_flag (info, "s", m->supplement);
  sd_config_field_set_positive (info, "R", m->removed);
  return TRUE;
}

gboolean
sd_config_group_members_remove (SdConfigValue *data, const gchar *session_id)
{
  g_return_val_if_fail (data != NULL, FALSE);

  return sd_config_field_session_remove (data, 0x05, "m", session_id);
}

GPtrArray *
sd_config_group_members_list (const SdConfigValue *data)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const SdConfigValue *m;

  g_return_val_if_fail (data != NULL, ids);

  m = sd_config_value_dict_get (data, "m");
  if (m == NULL || sd_config_value_kind (m) != SD_CONFIG_VALUE_DICT)
    return ids;
  for (guint i = 0; i < sd_config_value_length (m); i++) {
    gsize len;
    const guint8 *key = sd_config_value_dict_key (m, i, &len);
    gchar id[67];

    if (len != 33 || key[0] != 0x05 ||
        sd_config_value_kind (sd_config_value_dict_value (m, i)) != SD_CONFIG_VALUE_DICT)
      continue;
    sd_account_id_format (key[0], key + 1, id);
    g_ptr_array_add (ids, g_strdup (id));
  }
  return ids;
}
