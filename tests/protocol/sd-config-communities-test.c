/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UserGroups' communities ("o"): the layout libsession writes, and what a hostile config
 * cannot make us take */
#include "config.h"

#include <string.h>

#include "sd-config-communities.h"
#include "sd-config-value.h"
#include "sd-protocol-error.h"

#define URL "http://example.org:8080"

static void
fill (SdConfigCommunity *c, const gchar *url, const gchar *room, guint8 key, gint64 priority)
{
  memset (c, 0, sizeof *c);
  c->base_url = g_strdup (url);
  c->room = g_strdup (room);
  memset (c->pubkey, key, 32);
  c->priority = priority;
  c->joined_at = 1700000000;
}

static void
test_layout (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GError) error = NULL;
  g_auto(SdConfigCommunity) lobby = { 0 };
  g_auto(SdConfigCommunity) got = { 0 };
  SdConfigValue *server, *rooms, *info;
  const guint8 *pk;
  gsize len = 0;

  fill (&lobby, URL, "Lobby", 0xaa, 3);
  g_assert_true (sd_config_communities_set (data, &lobby, &error));
  g_assert_no_error (error);
  /* o → URL → {"#": key, "R": {"lobby": {"n": "Lobby", "+": 3, "j": …}}} */
  server = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "o"),
                                        (const guint8 *) URL, strlen (URL));
  g_assert_nonnull (server);
  pk = sd_config_value_get_string (sd_config_value_dict_get (server, "#"), &len);
  g_assert_cmpuint (len, ==, 32);
  g_assert_cmpuint (pk[0], ==, 0xaa);
  rooms = sd_config_value_dict_get (server, "R");
  info = sd_config_value_dict_get (rooms, "lobby");
  g_assert_nonnull (info);
  g_assert_true (sd_config_value_is_text (sd_config_value_dict_get (info, "n"), "Lobby"));
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (info, "+")), ==, 3);
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (info, "j")), ==,
                   1700000000);
  /* a newer client's key in the room is kept by a set */
  sd_config_value_dict_set_text (info, "Z", sd_config_value_new_int (7));
  lobby.priority = 0;
  g_assert_true (sd_config_communities_set (data, &lobby, &error));
  info = sd_config_value_dict_get (rooms, "lobby");
  g_assert_nonnull (sd_config_value_dict_get (info, "Z"));
  g_assert_null (sd_config_value_dict_get (info, "+"));

  /* looked up without regard to the room's case */
  g_assert_true (sd_config_communities_get (data, URL, "LOBBY", &got));
  g_assert_cmpstr (got.room, ==, "Lobby");
  g_assert_cmpstr (got.base_url, ==, URL);
  g_assert_cmpint (got.joined_at, ==, 1700000000);
  g_assert_false (sd_config_communities_get (data, URL, "other", &got));
}

static void
test_list_and_remove (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GArray) all = NULL;
  g_auto(SdConfigCommunity) a = { 0 };
  g_auto(SdConfigCommunity) b = { 0 };
  g_auto(SdConfigCommunity) c = { 0 };

  fill (&a, URL, "lobby", 1, 0);
  fill (&b, URL, "dev", 1, 0);
  fill (&c, "https://other.example", "lobby", 2, 1);
  g_assert_true (sd_config_communities_set (data, &a, NULL));
  g_assert_true (sd_config_communities_set (data, &b, NULL));
  g_assert_true (sd_config_communities_set (data, &c, NULL));
  all = sd_config_communities_list (data);
  g_assert_cmpuint (all->len, ==, 3);
  g_clear_pointer (&all, g_array_unref);

  /* the server's entry stays while it has a room, and goes with the last */
  g_assert_true (sd_config_communities_remove (data, URL, "Lobby"));
  g_assert_false (sd_config_communities_remove (data, URL, "lobby"));
  g_assert_nonnull (sd_config_value_dict_lookup (sd_config_value_dict_get (data, "o"),
                                                 (const guint8 *) URL, strlen (URL)));
  g_assert_true (sd_config_communities_remove (data, URL, "dev"));
  g_assert_null (sd_config_value_dict_lookup (sd_config_value_dict_get (data, "o"),
                                              (const guint8 *) URL, strlen (URL)));
  all = sd_config_communities_list (data);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (g_array_index (all, SdConfigCommunity, 0).base_url, ==,
                   "https://other.example");
}

/* entries another client wrote wrongly are skipped, not trusted */
static void
test_hostile (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *long_url = g_strnfill (SD_CONFIG_COMMUNITY_URL_MAX + 1, 'a');
  g_autofree gchar *long_room = g_strnfill (SD_CONFIG_COMMUNITY_ROOM_MAX + 1, 'r');
  g_auto(SdConfigCommunity) bad = { 0 };
  SdConfigValue *all_servers, *server, *rooms, *info;
  guint8 short_key[31] = { 0 };

  all_servers = sd_config_value_dict_child (data, (const guint8 *) "o", 1);
  /* a key of the wrong size */
  server = sd_config_value_dict_child (all_servers, (const guint8 *) "http://a", 8);
  sd_config_value_dict_set_text (server, "#", sd_config_value_new_string (short_key, 31));
  rooms = sd_config_value_dict_child (server, (const guint8 *) "R", 1);
  info = sd_config_value_dict_child (rooms, (const guint8 *) "x", 1);
  sd_config_value_dict_set_text (info, "n", sd_config_value_new_text ("x"));
  /* a room without a name, and rooms that are not dicts */
  server = sd_config_value_dict_child (all_servers, (const guint8 *) "http://b", 8);
  sd_config_value_dict_set_text (server, "#",
                                 sd_config_value_new_string ((const guint8 *) long_url, 32));
  rooms = sd_config_value_dict_child (server, (const guint8 *) "R", 1);
  sd_config_value_dict_child (rooms, (const guint8 *) "y", 1);
  sd_config_value_dict_set (rooms, (const guint8 *) "z", 1, sd_config_value_new_int (1));
  /* a server whose URL holds a NUL byte */
  server = sd_config_value_dict_child (all_servers, (const guint8 *) "http://c\0d", 10);
  sd_config_value_dict_set_text (server, "R", sd_config_value_new_int (1));
  all = sd_config_communities_list (data);
  g_assert_cmpuint (all->len, ==, 0);

  fill (&bad, long_url, "lobby", 1, 0);
  g_assert_false (sd_config_communities_set (data, &bad, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_free (bad.base_url);
  bad.base_url = g_strdup (URL);
  g_free (bad.room);
  bad.room = g_strdup (long_room);
  g_assert_false (sd_config_communities_set (data, &bad, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

/* ConvoInfoVolatile's rooms: "r" always written, "u" only when set; listed by lower-case key */
static void
test_reads (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GArray) all = NULL;
  guint8 pk[32];
  gint64 read = -1;
  gboolean unread = TRUE;
  SdConfigValue *info;

  memset (pk, 7, sizeof pk);
  g_assert_true (sd_config_community_read_set (data, URL, "Lobby", pk, 0, FALSE, NULL));
  info = sd_config_value_dict_get (sd_config_value_dict_get (
           sd_config_value_dict_lookup (sd_config_value_dict_get (data, "o"),
                                        (const guint8 *) URL, strlen (URL)), "R"), "lobby");
  g_assert_nonnull (sd_config_value_dict_get (info, "r"));
  g_assert_null (sd_config_value_dict_get (info, "u"));
  g_assert_true (sd_config_community_read_get (data, URL, "LOBBY", &read, &unread));
  g_assert_cmpint (read, ==, 0);
  g_assert_false (unread);
  g_assert_true (sd_config_community_read_set (data, URL, "lobby", pk, 1700000000123, TRUE,
                                               NULL));
  g_assert_true (sd_config_community_read_get (data, URL, "lobby", &read, &unread));
  g_assert_cmpint (read, ==, 1700000000123);
  g_assert_true (unread);
  all = sd_config_community_reads_list (data);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (g_array_index (all, SdConfigCommunityRead, 0).room, ==, "lobby");
  g_assert_cmpint (g_array_index (all, SdConfigCommunityRead, 0).pubkey[0], ==, 7);
  g_assert_false (sd_config_community_read_get (data, URL, "other", &read, &unread));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/communities/layout", test_layout);
  g_test_add_func ("/config/communities/list-and-remove", test_list_and_remove);
  g_test_add_func ("/config/communities/hostile", test_hostile);
  g_test_add_func ("/config/communities/reads", test_reads);
  return g_test_run ();
}
