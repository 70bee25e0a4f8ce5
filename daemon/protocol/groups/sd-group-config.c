/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group Info and Members on the config engine: the same message format,
 * merge, compression and padding as the user configs, but signed with the
 * group's Ed25519 key and encrypted with the group's shared key from Keys
 * (libsession base.cpp: a group config's "keys" are the Keys generations,
 * the first one encrypts) */
#define G_LOG_DOMAIN "SdGroupConfig"

#include "config.h"

#include "sd-group-config.h"

#include <sodium.h>

#include "sd-config-crypto.h"
#include "sd-config-merge.h"
#include "sd-config-push.h"
#include "sd-protocol-error.h"

const gchar *
sd_group_config_domain (SdGroupConfigKind kind)
{
  switch (kind) {
  case SD_GROUP_CONFIG_INFO:
    return "groups::Info";
  case SD_GROUP_CONFIG_MEMBERS:
    return "groups::Members";
  default:
    g_return_val_if_reached (NULL);
  }
}

gint
sd_group_config_namespace (SdGroupConfigKind kind)
{
  switch (kind) {
  case SD_GROUP_CONFIG_INFO:
    return 13;
  case SD_GROUP_CONFIG_MEMBERS:
    return 14;
  default:
    g_return_val_if_reached (-1);
  }
}

SdConfigMessage *
sd_group_config_new (const SdGroupIdentity *group)
{
  SdConfigMessage *message;

  g_return_val_if_fail (group != NULL && group->is_admin, NULL);

  message = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  sd_config_message_set_signing_key (message, group->ed25519_sk);
  return message;
}

GBytes *
sd_group_config_encode (SdGroupConfigKind kind, const guint8 key[SD_GROUP_KEY_LEN],
                        const guint8 *serialized, gsize len, GError **error)
{
  g_autoptr(GBytes) blob = NULL;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (serialized != NULL || len == 0, NULL);

  if (len > SD_CONFIG_MAX_PLAINTEXT) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "group config of %" G_GSIZE_FORMAT " bytes is too large", len);
    return NULL;
  }
  blob = sd_config_seal (serialized, len, key, sd_group_config_domain (kind));
  if (g_bytes_get_size (blob) > SD_CONFIG_MAX_MESSAGE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "group config push of %" G_GSIZE_FORMAT " bytes exceeds the %d-byte limit",
                 g_bytes_get_size (blob), SD_CONFIG_MAX_MESSAGE);
    return NULL;
  }
  return g_steal_pointer (&blob);
}

GBytes *
sd_group_config_decode (SdGroupConfigKind kind, const guint8 (*keys)[SD_GROUP_KEY_LEN],
                        guint n_keys, const guint8 *data, gsize len, guint *key_index,
                        GError **error)
{
  g_return_val_if_fail (keys != NULL || n_keys == 0, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > SD_CONFIG_MAX_MESSAGE) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                 "group config item of %" G_GSIZE_FORMAT " bytes exceeds the %d-byte limit", len,
                 SD_CONFIG_MAX_MESSAGE);
    return NULL;
  }
  for (guint i = 0; i < n_keys; i++) {
    g_autoptr(GError) local = NULL;
    GBytes *plain = sd_config_open (data, len, keys[i], sd_group_config_domain (kind), &local);

    if (plain != NULL) {
      if (key_index != NULL)
        *key_index = i;
      return plain;
    }
    /* a wrong key fails authentication; anything else is the content */
    if (!g_error_matches (local, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT)) {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  }
  g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
               "group config opens with none of the %u known keys", n_keys);
  return NULL;
}

GBytes *
sd_group_config_push (SdGroupConfigKind kind, const SdGroupKeys *keys, SdConfigMessage *message,
                      GError **error)
{
  SdGroupKeyBytes key;
  g_autoptr(GBytes) serialized = NULL;
  GBytes *out;

  g_return_val_if_fail (keys != NULL && message != NULL, NULL);

  if (!sd_group_keys_get_current (keys, key, NULL)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "no group key yet to encrypt the config with");
    return NULL;
  }
  serialized = sd_config_message_serialize (message);
  out = sd_group_config_encode (kind, key, g_bytes_get_data (serialized, NULL),
                                g_bytes_get_size (serialized), error);
  sodium_memzero (key, sizeof key);
  return out;
}

GBytes *
sd_group_config_open (SdGroupConfigKind kind, SdGroupKeys *keys, const guint8 *data, gsize len,
                      GError **error)
{
  guint n = 0;
  const SdGroupKeyBytes *list;

  g_return_val_if_fail (keys != NULL, NULL);

  list = sd_group_keys_list (keys, &n);
  return sd_group_config_decode (kind, list, n, data, len, NULL, error);
}

SdConfigMessage *
sd_group_config_merge (const SdGroupIdentity *group, GPtrArray *plaintexts, gint *unmerged_index,
                       GArray **rejected, GError **error)
{
  SdConfigMessage *result;

  g_return_val_if_fail (group != NULL && plaintexts != NULL, NULL);

  result = sd_config_merge_signed (plaintexts, SD_CONFIG_DEFAULT_LAG, group->ed25519_pk,
                                   group->is_admin ? group->ed25519_sk : NULL, unmerged_index,
                                   rejected, error);
  /* an admin's next edit (the successor of whichever message won) is signed */
  if (result != NULL && group->is_admin)
    sd_config_message_set_signing_key (result, group->ed25519_sk);
  return result;
}
