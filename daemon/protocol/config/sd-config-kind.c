/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sd-config-kind.h"

static const struct {
  const gchar *domain;
  gint ns;
} kinds[SD_CONFIG_N_KINDS] = {
  [SD_CONFIG_KIND_USER_PROFILE] = { "UserProfile", 2 },
  [SD_CONFIG_KIND_CONTACTS] = { "Contacts", 3 },
  [SD_CONFIG_KIND_CONVO_INFO_VOLATILE] = { "ConvoInfoVolatile", 4 },
  [SD_CONFIG_KIND_USER_GROUPS] = { "UserGroups", 5 },
};

const gchar *
sd_config_kind_domain (SdConfigKind kind)
{
  g_return_val_if_fail ((guint) kind < SD_CONFIG_N_KINDS, NULL);
  return kinds[kind].domain;
}

gint
sd_config_kind_namespace (SdConfigKind kind)
{
  g_return_val_if_fail ((guint) kind < SD_CONFIG_N_KINDS, -1);
  return kinds[kind].ns;
}

gint
sd_config_kind_wrapper_kind (SdConfigKind kind)
{
  g_return_val_if_fail ((guint) kind < SD_CONFIG_N_KINDS, -1);
  /* the wrapper numbers the same four kinds from 1 */
  return (gint) kind + 1;
}
