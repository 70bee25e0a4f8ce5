/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-contacts.h"
#include "sd-config-value.h"

G_BEGIN_DECLS

/* UserGroups config (namespace 5). Typed view of the groups v2 part only:
 * data["g"][33-byte group id, 03 included]; communities ("o") and legacy
 * groups ("C") are kept as they are */

#define SD_CONFIG_GROUP_MAX_NAME 100
#define SD_CONFIG_GROUP_AUTH_LEN 100

typedef struct {
  gchar id[67];               /* "03" + 64 hex */
  gchar *name;                /* (owned) "" when unset */
  gboolean is_admin;          /* @admin_seed is the group's key */
  guint8 admin_seed[32];
  gboolean has_auth_data;     /* a member's subaccount authentication */
  guint8 auth_data[SD_CONFIG_GROUP_AUTH_LEN];
  gint64 removed_status;      /* 0 = still a member */
  gint64 priority;
  gint64 joined_at;           /* unix seconds */
  SdConfigNotify notifications;
  gint64 mute_until;
  gboolean invited;           /* an invitation not yet accepted */
  gboolean destroyed;         /* "d": an admin destroyed the group */
} SdConfigGroup;

void sd_config_group_init (SdConfigGroup *group, const gchar *id);
void sd_config_group_clear (SdConfigGroup *group);

/* FALSE (no error) when absent */
gboolean sd_config_user_groups_get (const SdConfigValue *data,
                                    const gchar *id,
                                    SdConfigGroup *out,
                                    GError **error);
/* "K" holds the seed only if it really is the group's key, else it is
 * written empty and "s" holds the member authentication */
gboolean sd_config_user_groups_set (SdConfigValue *data,
                                    const SdConfigGroup *group,
                                    GError **error);
gboolean sd_config_user_groups_remove (SdConfigValue *data, const gchar *id);
/* (transfer full) (element-type utf8) the "03…" ids of the groups v2 entries */
GPtrArray *sd_config_user_groups_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdConfigGroup, sd_config_group_clear)

G_END_DECLS
