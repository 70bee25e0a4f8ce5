/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sd-config-server-dict.h"
#include "sd-config-value.h"

G_BEGIN_DECLS

/* UserGroups config (namespace 5), the communities part: data["o"][base URL] is a dict with
 * "#" the server's X25519 key (32 bytes) and "R" the joined rooms, keyed by the room token in
 * lower case; each room has "n" (the token as written), and the common "+" priority and "j"
 * joined-at (unix seconds). Other keys, a newer client's, are left as they are
 * (docs/communities.md) */

/* a base URL longer than a config key may be is not stored */
#define SD_CONFIG_COMMUNITY_URL_MAX SD_CONFIG_SERVER_URL_MAX
#define SD_CONFIG_COMMUNITY_ROOM_MAX 64

typedef struct {
  gchar *base_url;        /* (owned) as the config keys it */
  gchar *room;            /* (owned) the token as written */
  guint8 pubkey[32];
  gint64 priority;
  gint64 joined_at;       /* unix seconds */
} SdConfigCommunity;

void sd_config_community_clear (SdConfigCommunity *community);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SdConfigCommunity, sd_config_community_clear)

/* (element-type SdConfigCommunity) the entries with a 32-byte key and a room name of the
 * right size; anything else is skipped */
GArray *sd_config_communities_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* FALSE when absent; @room is matched without regard to case */
gboolean sd_config_communities_get (const SdConfigValue *data,
                                    const gchar *base_url,
                                    const gchar *room,
                                    SdConfigCommunity *out);
/* writes the server's key and the room's name, priority and joined-at;
 * %SD_PROTOCOL_ERROR_TOO_LARGE for a URL or room past the limits */
gboolean sd_config_communities_set (SdConfigValue *data,
                                    const SdConfigCommunity *community,
                                    GError **error);
/* the room goes, and the server's entry with its last room; FALSE when absent */
gboolean sd_config_communities_remove (SdConfigValue *data,
                                       const gchar *base_url,
                                       const gchar *room);

/* ConvoInfoVolatile (namespace 4), the communities part: the same "o" layout, each room with
 * "r" (read up to, unix ms; always present) and "u" (1: marked unread) */
typedef struct {
  gchar *base_url;        /* (owned) */
  gchar *room;            /* (owned) the lower-case key */
  guint8 pubkey[32];
  gint64 last_read_ms;
  gboolean unread;
} SdConfigCommunityRead;

void sd_config_community_read_clear (SdConfigCommunityRead *read);
/* (element-type SdConfigCommunityRead) the rooms with a 32-byte server key */
GArray *sd_config_community_reads_list (const SdConfigValue *data) G_GNUC_WARN_UNUSED_RESULT;
/* FALSE when absent; @room without regard to case */
gboolean sd_config_community_read_get (const SdConfigValue *data,
                                       const gchar *base_url,
                                       const gchar *room,
                                       gint64 *out_last_read_ms,
                                       gboolean *out_unread);
/* %SD_PROTOCOL_ERROR_TOO_LARGE for a URL or room past the limits */
gboolean sd_config_community_read_set (SdConfigValue *data,
                                       const gchar *base_url,
                                       const gchar *room,
                                       const guint8 pubkey[32],
                                       gint64 last_read_ms,
                                       gboolean unread,
                                       GError **error);

G_END_DECLS
