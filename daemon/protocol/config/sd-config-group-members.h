/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-value.h"

G_BEGIN_DECLS

/* group Members config (namespace 14, signed by the group key): typed view
 * of data["m"][33-byte Session ID] */

#define SD_CONFIG_GROUP_MEMBER_MAX_NAME 100

/* invite ("I") and promotion ("P") status; absent = accepted / none */
typedef enum {
  SD_CONFIG_MEMBER_STATUS_NONE = 0,
  SD_CONFIG_MEMBER_STATUS_SENT = 1,
  SD_CONFIG_MEMBER_STATUS_FAILED = 2,
  SD_CONFIG_MEMBER_STATUS_NOT_SENT = 3,
} SdConfigMemberStatus;

/* "R": an admin marked the member for removal (and its messages) */
typedef enum {
  SD_CONFIG_MEMBER_REMOVED_NONE = 0,
  SD_CONFIG_MEMBER_REMOVED = 1,
  SD_CONFIG_MEMBER_REMOVED_WITH_MESSAGES = 2,
} SdConfigMemberRemoved;

typedef struct {
  gchar session_id[67];
  gchar *name;                  /* (owned) "" when unset */
  gchar *avatar_url;            /* (owned) (nullable) set only with the key */
  guint8 avatar_key[32];
  gboolean admin;
  SdConfigMemberStatus invite;      /* always NONE for an admin */
  SdConfigMemberStatus promotion;
  SdConfigMemberRemoved removed;
  /* invited with access to the history (supplemental keys): meaningful
   * only while the invite is pending and not for admins */
  gboolean supplement;
} SdConfigGroupMember;

void sd_config_group_member_init (SdConfigGroupMember *member, const gchar *session_id);
void sd_config_group_member_clear (SdConfigGroupMember *member);

/* FALSE (no error) when absent; an error only for a malformed id */
gboolean sd_config_group_members_get (const SdConfigValue *data,
                                      const gchar *session_id,
                                      SdConfigGroupMember *out,
                                      GError **error);
/* the name is cut at 100 bytes (on a character boundary) */
gboolean sd_config_group_members_set (SdConfigValue *data,
                                      const SdConfigGroupMember *member,
                                      GError **error);
gboolean sd_config_group_members_remove (SdConfigValue *data, const gchar *session_id);

/* (transfer full) (element-type utf8) the members' "05…" ids in key order;
 * entries that are not 33-byte keys of dicts are skipped */
GPtrArray *sd_config_group_members_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdConfigGroupMember, sd_config_group_member_clear)

G_END_DECLS
