/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserGroups, communities: "o" → base URL → {"#": server key, "R": {lower-case token →
 * {"n": token, "+", "j", …}}}; the layout is libsession's (user_groups.hpp), which shares it
 * with ConvoInfoVolatile */
#define G_LOG_DOMAIN "SdConfigCommunities"

#include "config.h"

#include "sd-config-communities.h"

#include <string.h>

#include "sd-config-fields.h"
#include "sd-config-server-dict.h"
#include "sd-protocol-error.h"

void
sd_config_community_clear (SdConfigCommunity *community)
{
  if (community == NULL)
    return;
  g_free (community->base_url);
  g_free (community->room);
  memset (community, 0, sizeof *community);
}

static gboolean
room_ok (const gchar *room)
{
  gsize len = room != NULL ? strlen (room) : 0;

  return len > 0 && len <= SD_CONFIG_COMMUNITY_ROOM_MAX && g_utf8_validate (room, -1, NULL);
}

static const SdConfigValue *
server_entry (const SdConfigValue *data, const gchar *base_url)
{
  const SdConfigValue *all = sd_config_value_dict_get (data, "o");
  const SdConfigValue *server;

  if (all == NULL || sd_config_value_kind (all) != SD_CONFIG_VALUE_DICT || base_url == NULL)
    return NULL;
  server = sd_config_value_dict_lookup (all, (const guint8 *) base_url, strlen (base_url));
  if (server == NULL || sd_config_value_kind (server) != SD_CONFIG_VALUE_DICT)
    return NULL;
  return server;
}

/* fills @out from one room of one server; FALSE when malformed */
static gboolean
read_room (const gchar *base_url, const guint8 pk[32], const SdConfigValue *info,
           SdConfigCommunity *out)
{
  g_autofree gchar *room = NULL;

  if (info == NULL || sd_config_value_kind (info) != SD_CONFIG_VALUE_DICT)
    return FALSE;
  room = sd_config_field_text (info, "n");
  if (!room_ok (room))
    return FALSE;
  memset (out, 0, sizeof *out);
  out->base_url = g_strdup (base_url);
  out->room = g_steal_pointer (&room);
  memcpy (out->pubkey, pk, 32);
  out->priority = sd_config_field_int (info, "+", 0);
  out->joined_at = MAX (sd_config_field_int (info, "j", 0), 0);
  return TRUE;
}

static void
add_room (const gchar *base_url, const guint8 pk[32], const guint8 *key, gsize key_len,
          const SdConfigValue *info, gpointer user_data)
{
  SdConfigCommunity community;

  if (read_room (base_url, pk, info, &community))
    g_array_append_val ((GArray *) user_data, community);
}

GArray *
sd_config_communities_list (const SdConfigValue *data)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SdConfigCommunity));

  g_array_set_clear_func (out, (GDestroyNotify) sd_config_community_clear);
  g_return_val_if_fail (data != NULL, out);

  sd_config_server_entries_foreach (data, "o", add_room, out);
  return out;
}

/* the server's key, when its entry has one of 32 bytes */
static const guint8 *
server_pk (const SdConfigValue *server)
{
  gsize len = 0;
  const guint8 *pk = sd_config_field_bytes (server, "#", &len);

  return len == 32 ? pk : NULL;
}

gboolean
sd_config_communities_get (const SdConfigValue *data, const gchar *base_url, const gchar *room,
                           SdConfigCommunity *out)
{
  const SdConfigValue *server, *rooms, *info;
  g_autofree gchar *lower = NULL;

  g_return_val_if_fail (data != NULL && out != NULL, FALSE);

  if (!room_ok (room) || (server = server_entry (data, base_url)) == NULL ||
      (rooms = sd_config_value_dict_get (server, "R")) == NULL ||
      sd_config_value_kind (rooms) != SD_CONFIG_VALUE_DICT)
    return FALSE;
  lower = g_ascii_strdown (room, -1);
  info = sd_config_value_dict_lookup (rooms, (const guint8 *) lower, strlen (lower));
  return server_pk (server) != NULL && read_room (base_url, server_pk (server), info, out);
}

gboolean
sd_config_communities_set (SdConfigValue *data, const SdConfigCommunity *c, GError **error)
{
  SdConfigValue *info;
  g_autofree gchar *lower = NULL;

  g_return_val_if_fail (data != NULL && c != NULL, FALSE);

  if (c->base_url == NULL || *c->base_url == '\0' ||
      strlen (c->base_url) > SD_CONFIG_COMMUNITY_URL_MAX || !room_ok (c->room)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "a community's URL or room does not fit a config entry");
    return FALSE;
  }
  lower = g_ascii_strdown (c->room, -1);
  info = sd_config_server_entry_child (data, "o", c->base_url, c->pubkey,
                                       (const guint8 *) lower, strlen (lower));
  /* always present: it keeps the room's dict from being empty */
  sd_config_field_set_text (info, "n", c->room);
  sd_config_field_set_nonzero (info, "+", c->priority);
  sd_config_field_set_positive (info, "j", c->joined_at);
  return TRUE;
}

gboolean
sd_config_communities_remove (SdConfigValue *data, const gchar *base_url, const gchar *room)
{
  g_autofree gchar *lower = NULL;

  g_return_val_if_fail (data != NULL, FALSE);

  if (!room_ok (room))
    return FALSE;
  lower = g_ascii_strdown (room, -1);
  return sd_config_server_entry_remove (data, "o", base_url, (const guint8 *) lower,
                                        strlen (lower));
}

/* ---- ConvoInfoVolatile: the rooms' read positions ---- */

void
sd_config_community_read_clear (SdConfigCommunityRead *read)
{
  if (read == NULL)
    return;
  g_free (read->base_url);
  g_free (read->room);
  memset (read, 0, sizeof *read);
}

static void
add_read (const gchar *base_url, const guint8 pk[32], const guint8 *room, gsize room_len,
          const SdConfigValue *info, gpointer user_data)
{
  SdConfigCommunityRead read = { 0 };

  if (room_len == 0 || room_len > SD_CONFIG_COMMUNITY_ROOM_MAX ||
      memchr (room, 0, room_len) != NULL)
    return;
  read.base_url = g_strdup (base_url);
  read.room = g_strndup ((const gchar *) room, room_len);
  memcpy (read.pubkey, pk, 32);
  read.last_read_ms = MAX (sd_config_field_int (info, "r", 0), 0);
  read.unread = sd_config_field_int (info, "u", 0) != 0;
  g_array_append_val ((GArray *) user_data, read);
}

GArray *
sd_config_community_reads_list (const SdConfigValue *data)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SdConfigCommunityRead));

  g_array_set_clear_func (out, (GDestroyNotify) sd_config_community_read_clear);
  g_return_val_if_fail (data != NULL, out);

  sd_config_server_entries_foreach (data, "o", add_read, out);
  return out;
}

gboolean
sd_config_community_read_get (const SdConfigValue *data, const gchar *base_url,
                              const gchar *room, gint64 *out_last_read_ms, gboolean *out_unread)
{
  const SdConfigValue *server, *rooms, *info;
  g_autofree gchar *lower = NULL;

  g_return_val_if_fail (data != NULL, FALSE);

  if (!room_ok (room) || (server = server_entry (data, base_url)) == NULL ||
      (rooms = sd_config_value_dict_get (server, "R")) == NULL ||
      sd_config_value_kind (rooms) != SD_CONFIG_VALUE_DICT)
    return FALSE;
  lower = g_ascii_strdown (room, -1);
  info = sd_config_value_dict_lookup (rooms, (const guint8 *) lower, strlen (lower));
  if (info == NULL || sd_config_value_kind (info) != SD_CONFIG_VALUE_DICT)
    return FALSE;
  *out_last_read_ms = MAX (sd_config_field_int (info, "r", 0), 0);
  *out_unread = sd_config_field_int (info, "u", 0) != 0;
  return TRUE;
}

gboolean
sd_config_community_read_set (SdConfigValue *data, const gchar *base_url, const gchar *room,
                              const guint8 pubkey[32], gint64 last_read_ms, gboolean unread,
                              GError **error)
{
  SdConfigValue *info;
  g_autofree gchar *lower = NULL;

  g_return_val_if_fail (data != NULL, FALSE);

  if (base_url == NULL || *base_url == '\0' || strlen (base_url) > SD_CONFIG_COMMUNITY_URL_MAX ||
      !room_ok (room)) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                         "a community's URL or room does not fit a config entry");
    return FALSE;
  }
  lower = g_ascii_strdown (room, -1);
  info = sd_config_server_entry_child (data, "o", base_url, pubkey, (const guint8 *) lower,
                                       strlen (lower));
  /* always present, even 0 */
  sd_config_value_dict_set_text (info, "r", sd_config_value_new_int (MAX (last_read_ms, 0)));
  sd_config_field_set_flag (info, "u", unread);
  return TRUE;
}
