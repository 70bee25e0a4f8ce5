/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserGroups, groups v2: "n" name, "K" admin seed (empty if not admin),
 * "s" member authentication, "r" removed status, "d" destroyed, and the common "+", "j",
 * "@", "!", "i"; the rules are libsession's (user_groups.cpp) */
#define G_LOG_DOMAIN "SdConfigUserGroups"

#include "config.h"

#include "sd-config-user-groups.h"

#include <sodium.h>
#include <string.h>

#include "sd-config-fields.h"
#include "sd-keys.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

void
sd_config_group_init (SdConfigGroup *group, const gchar *id)
{
  memset (group, 0, sizeof *group);
  g_strlcpy (group->id, id, sizeof group->id);
  group->name = g_strdup ("");
}

void
sd_config_group_clear (SdConfigGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->name);
  sodium_memzero (group, sizeof *group);
}

/* TRUE when @seed generates the group key of @key (03 || pk) */
static gboolean
seed_matches (const guint8 seed[32], const guint8 key[33])
{
  guint8 pk[32], sk[64];
  gboolean ok;

  sd_sodium_init ();
  crypto_sign_seed_keypair (pk, sk, seed);
  ok = memcmp (pk, key + 1, 32) == 0;
  sodium_memzero (sk, sizeof sk);
  return ok;
}

gboolean
sd_config_user_groups_get (const SdConfigValue *data, const gchar *id, SdConfigGroup *out,
                           GError **error)
{
  const SdConfigValue *info;
  const guint8 *seed, *auth;
  gsize seed_len = 0, auth_len = 0;
  guint8 key[33];
  gint64 notify;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  info = sd_config_field_session_lookup (data, 0x03, "g", id, error);
  if (info == NULL)
    return FALSE;
  sd_config_group_init (out, id);
  if (!sd_account_id_parse_with_prefix (id, 0x03, key, error))
    return FALSE;
  g_free (out->name);
  out->name = sd_config_field_text (info, "n");
  if (out->name == NULL)
    out->name = g_strdup ("");
  seed = sd_config_field_bytes (info, "K", &seed_len);
  if (seed != NULL && seed_len == 32 && seed_matches (seed, key)) {
    out->is_admin = TRUE;
    memcpy (out->admin_seed, seed, 32);
  }
  auth = sd_config_field_bytes (info, "s", &auth_len);
  if (auth != NULL && auth_len == SD_CONFIG_GROUP_AUTH_LEN) {
    out->has_auth_data = TRUE;
    memcpy (out->auth_data, auth, SD_CONFIG_GROUP_AUTH_LEN);
  }
  out->removed_status = sd_config_field_int (info, "r", 0);
  out->priority = sd_config_field_int (info, "+", 0);
  out->joined_at = sd_config_field_positive (info, "j");
  notify = sd_config_field_int (info, "@", 0);
  out->notifications = notify >= 0 && notify <= 3 ? (SdConfigNotify) notify
                                                  : SD_CONFIG_NOTIFY_DEFAULT;
  out->mute_until = sd_config_field_int (info, "!", 0);
  out->invited = sd_config_field_int (info, "i", 0) != 0;
  out->destroyed = sd_config_field_int (info, "d", 0) != 0;
  return TRUE;
}

gboolean
sd_config_user_groups_set (SdConfigValue *data, const SdConfigGroup *g, GError **error)
{
  SdConfigValue *info;
  g_autofree gchar *name = NULL;
  guint8 key[33];

  g_return_val_if_fail (data != NULL && g != NULL, FALSE);

  if (!sd_account_id_parse_with_prefix (g->id, 0x03, key, error))
    return FALSE;
  info = sd_config_field_session_entry (data, 0x03, "g", g->id, NULL);
  sd_config_field_set_nonzero (info, "+", g->priority);
  sd_config_field_set_positive (info, "j", g->joined_at);
  sd_config_field_set_positive (info, "@", g->notifications);
  sd_config_field_set_positive (info, "!", g->mute_until);
  sd_config_field_set_flag (info, "i", g->invited);
  sd_config_field_set_flag (info, "d", g->destroyed);
  name = sd_config_utf8_truncate (g->name != NULL ? g->name : "", SD_CONFIG_GROUP_MAX_NAME);
  sd_config_field_set_nonempty (info, "n", (const guint8 *) name, strlen (name));
  sd_config_field_set_positive (info, "r", g->removed_status);
  if (g->is_admin && seed_matches (g->admin_seed, key)) {
    sd_config_value_dict_set_text (info, "K", sd_config_value_new_string (g->admin_seed, 32));
  } else {
    /* present but empty: "not an admin" */
    sd_config_value_dict_set_text (info, "K", sd_config_value_new_string (NULL, 0));
    sd_config_field_set_nonempty (info, "s", g->auth_data,
                                  g->has_auth_data ? SD_CONFIG_GROUP_AUTH_LEN : 0);
  }
  return TRUE;
}

gboolean
sd_config_user_groups_remove (SdConfigValue *data, const gchar *id)
{
  g_return_val_if_fail (data != NULL, FALSE);

  return sd_config_field_session_remove (data, 0x03, "g", id);
}

GPtrArray *
sd_config_user_groups_list (const SdConfigValue *data)
{
  g_return_val_if_fail (data != NULL, g_ptr_array_new_with_free_func (g_free));

  /* legacy groups (05 keys) are not groups v2 */
  return sd_config_field_session_ids (data, 0x03, "g");
}
