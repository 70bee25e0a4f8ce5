/* SPDX-License-Identifier: GPL-3.0-or-later */
/* typed views of the user configs: what they write, what they read back,
 * and that keys they do not know survive */
#include "config.h"

#include "sd-config-contacts.h"
#include "sd-config-convo-info.h"
#include "sd-config-message.h"
#include "sd-config-test-util.h"
#include "sd-config-user-groups.h"
#include "sd-config-user-profile.h"
#include "sd-protocol-error.h"

#define ALICE "050000000000000000000000000000000000000000000000000000000000000000"
#define BOB "051111111111111111111111111111111111111111111111111111111111111111"

/* the seqno-1 UserProfile of libsession's test_config_userprofile.cpp,
 * built through the typed setters */
static void
test_user_profile_vector (void)
{
  g_autoptr(SdConfigMessage) m0 = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
  g_autoptr(SdConfigMessage) m1 = sd_config_message_increment (m0);
  g_autoptr(GByteArray) x = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *url = NULL;
  guint8 key[32];
  SdConfigValue *data = sd_config_message_get_data (m1);

  g_assert_null (sd_config_user_profile_get_name (data));
  g_assert_false (sd_config_user_profile_get_avatar (data, NULL, NULL));
  g_assert_true (sd_config_user_profile_set_name (data, "Kallie", &error));
  g_assert_true (sd_config_user_profile_set_avatar (data, "http://example.org/omg-pic-123.bmp",
                                                    (const guint8 *) "secret78901234567890123456789012",
                                                    &error));
  sd_config_user_profile_set_nts_priority (data, 9);
  g_assert_no_error (error);

  name = sd_config_user_profile_get_name (data);
  g_assert_cmpstr (name, ==, "Kallie");
  g_assert_true (sd_config_user_profile_get_avatar (data, &url, key));
  g_assert_cmpstr (url, ==, "http://example.org/omg-pic-123.bmp");
  g_assert_cmpmem (key, 32, "secret78901234567890123456789012", 32);
  g_assert_cmpint (sd_config_user_profile_get_nts_priority (data), ==, 9);
  g_assert_cmpint (sd_config_user_profile_get_nts_expiry (data), ==, 0);
  g_assert_cmpint (sd_config_user_profile_get_blinded_msgreqs (data), ==, -1);

  x_text (x, "d1:#i1e1:&d1:+i9e1:n6:Kallie1:p34:http://example.org/omg-pic-123.bmp"
             "1:q32:secret78901234567890123456789012e1:<l");
  x_text (x, "li0e");
  x_hash_hex (x, "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965");
  x_text (x, "dee");
  x_text (x, "e1:=d1:+0:1:n0:1:p0:1:q0:ee");
  sd_config_test_assert_serializes (m1, x);
}

static void
test_user_profile_rules (void)
{
  g_autoptr(SdConfigValue) data = sd_config_test_decode ("d1:Pi1e1:n1:xe");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *long_name = g_strnfill (101, 'a');

  g_assert_false (sd_config_user_profile_set_name (data, long_name, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_true (sd_config_user_profile_set_name (data, "", NULL));
  sd_config_user_profile_set_nts_expiry (data, -5);
  sd_config_user_profile_set_blinded_msgreqs (data, 0);
  g_assert_cmpint (sd_config_user_profile_get_blinded_msgreqs (data), ==, 0);
  /* a newer client's "P" stays */
  sd_config_test_assert_value (data, "d1:Mi0e1:Pi1ee");
  sd_config_user_profile_set_blinded_msgreqs (data, -1);
  g_assert_true (sd_config_user_profile_set_avatar (data, NULL, NULL, NULL));
  sd_config_test_assert_value (data, "d1:Pi1ee");
}

/* libsession-util's picture keys: "t" when the profile changed, "P"/"Q"/"T" a re-upload in
 * force only while "T" is newer than "t" */
static void
test_user_profile_reupload (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(SdConfigValue) same = NULL;
  g_autoptr(SdConfigValue) newer = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *ka = (const guint8 *) "secret78901234567890123456789012";
  const guint8 *kc = (const guint8 *) "another8901234567890123456789012";
  gchar *url = NULL;
  guint8 key[32];

  /* as libsession writes them: equal times leave "p"/"q" in force, a newer "T" "P"/"Q" */
  same = sd_config_test_decode ("d1:P10:http://b/21:Q32:secret78901234567890123456789012"
                                "1:Ti5e1:p10:http://a/11:q32:secret78901234567890123456789012"
                                "1:ti5ee");
  g_assert_true (sd_config_user_profile_get_avatar (same, &url, key));
  g_assert_cmpstr (url, ==, "http://a/1");
  g_clear_pointer (&url, g_free);
  newer = sd_config_test_decode ("d1:P10:http://b/21:Q32:secret78901234567890123456789012"
                                 "1:Ti6e1:p10:http://a/11:q32:secret78901234567890123456789012"
                                 "1:ti5ee");
  g_assert_true (sd_config_user_profile_get_avatar (newer, &url, key));
  g_assert_cmpstr (url, ==, "http://b/2");
  g_clear_pointer (&url, g_free);
  g_assert_cmpint (sd_config_user_profile_get_updated (newer), ==, 6);

  /* a new picture: p, q, t */
  g_assert_true (sd_config_user_profile_set_new_avatar (data, "http://a/1", ka, 1000, &error));
  g_assert_no_error (error);
  sd_config_test_assert_value (data, "d1:p10:http://a/11:q32:secret78901234567890123456789012"
                                     "1:ti1000ee");
  /* the same again changes nothing, not even the time */
  g_assert_true (sd_config_user_profile_set_new_avatar (data, "http://a/1", ka, 1500, NULL));
  g_assert_cmpint (sd_config_user_profile_get_updated (data), ==, 1000);

  /* uploaded again: P, Q, T, in force */
  g_assert_true (sd_config_user_profile_set_reuploaded_avatar (data, "http://b/2", ka, 2000,
                                                               &error));
  g_assert_true (sd_config_user_profile_get_avatar (data, &url, key));
  g_assert_cmpstr (url, ==, "http://b/2");
  g_assert_cmpmem (key, 32, ka, 32);
  g_clear_pointer (&url, g_free);
  g_assert_cmpint (sd_config_user_profile_get_updated (data), ==, 2000);

  /* a name change moves the newer of the two times: the re-upload stays in force */
  sd_config_user_profile_touch (data, 3000);
  g_assert_cmpint (sd_config_user_profile_get_updated (data), ==, 3000);
  g_assert_true (sd_config_user_profile_get_avatar (data, &url, NULL));
  g_assert_cmpstr (url, ==, "http://b/2");
  g_clear_pointer (&url, g_free);

  /* a new picture from a clock behind "T" is still the one in force */
  g_assert_true (sd_config_user_profile_set_new_avatar (data, "http://c/3", kc, 2500, &error));
  g_assert_true (sd_config_user_profile_get_avatar (data, &url, key));
  g_assert_cmpstr (url, ==, "http://c/3");
  g_assert_cmpmem (key, 32, kc, 32);
  g_clear_pointer (&url, g_free);

  /* a re-upload in the same second as "t" is still newer */
  g_assert_true (sd_config_user_profile_set_reuploaded_avatar (data, "http://d/4", kc, 3000,
                                                               &error));
  g_assert_true (sd_config_user_profile_get_avatar (data, &url, NULL));
  g_assert_cmpstr (url, ==, "http://d/4");
  g_clear_pointer (&url, g_free);
  g_assert_cmpint (sd_config_user_profile_get_updated (data), ==, 3001);

  /* removed: the re-upload goes with it */
  g_assert_true (sd_config_user_profile_set_new_avatar (data, NULL, NULL, 4000, &error));
  g_assert_false (sd_config_user_profile_get_avatar (data, NULL, NULL));
  sd_config_test_assert_value (data, "d1:ti4000ee");

  /* a URL the config cannot hold is refused, nothing changes */
  {
    g_autofree gchar *long_url = g_strdup_printf ("http://e/%0300d", 0);

    g_assert_false (sd_config_user_profile_set_reuploaded_avatar (data, long_url, ka, 5000,
                                                                  &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    sd_config_test_assert_value (data, "d1:ti4000ee");
  }
}

static void
test_contacts (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_auto(SdConfigContact) c = { 0 };
  g_auto(SdConfigContact) back = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree gchar *long_name = NULL;
  g_autoptr(GByteArray) x = g_byte_array_new ();
  guint8 alice_key[33];

  g_assert_false (sd_config_contacts_get (data, ALICE, &back, &error));
  g_assert_no_error (error);

  sd_config_contact_init (&c, ALICE);
  c.approved = TRUE;
  c.notifications = SD_CONFIG_NOTIFY_MENTIONS_ONLY;
  c.expiration = SD_CONFIG_EXPIRATION_AFTER_SEND;
  c.expiration_seconds = 0; /* no timer: no expiry either */
  c.priority = -1;
  g_assert_true (sd_config_contacts_set (data, &c, &error));
  g_assert_no_error (error);

  /* "n" is always written; mentions-only is "all" in 1:1 */
  sd_test_hex_into (ALICE, alice_key, 33);
  x_text (x, "d1:cd33:");
  g_byte_array_append (x, alice_key, 33);
  x_text (x, "d1:+i-1e1:@i1e1:ai1e1:n0:eee");
  {
    g_autoptr(GBytes) got = sd_config_value_to_bytes (data);

    sd_config_test_assert_bytes (got, x);
  }

  /* a newer client's field in the contact survives an update */
  {
    SdConfigValue *info = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "c"),
                                                       alice_key, 33);

    set_str (info, "Z", "future");
  }
  {
    g_autofree gchar *as = g_strnfill (99, 'a');

    long_name = g_strconcat (as, "\xc3\xa9", NULL); /* é crosses byte 100 */
  }
  g_free (c.name);
  c.name = g_strdup (long_name);
  c.nickname = g_strdup ("Al");
  c.avatar_url = g_strdup ("http://example.org/a.png");
  memset (c.avatar_key, 7, 32);
  c.expiration_seconds = 3600;
  c.approved = FALSE;
  g_assert_true (sd_config_contacts_set (data, &c, &error));

  g_assert_true (sd_config_contacts_get (data, ALICE, &back, &error));
  g_assert_cmpuint (strlen (back.name), ==, 99); /* cut before the two-byte character */
  g_assert_cmpstr (back.nickname, ==, "Al");
  g_assert_cmpstr (back.avatar_url, ==, "http://example.org/a.png");
  g_assert_false (back.approved);
  g_assert_cmpint (back.notifications, ==, SD_CONFIG_NOTIFY_ALL);
  g_assert_cmpint (back.expiration, ==, SD_CONFIG_EXPIRATION_AFTER_SEND);
  g_assert_cmpint (back.expiration_seconds, ==, 3600);
  g_assert_cmpint (back.priority, ==, -1);
  {
    SdConfigValue *info = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "c"),
                                                       alice_key, 33);

    g_assert_true (sd_config_value_is_text (sd_config_value_dict_get (info, "Z"), "future"));
    g_assert_null (sd_config_value_dict_get (info, "a"));
  }

  /* limits */
  g_free (c.nickname);
  c.nickname = g_strnfill (101, 'n');
  g_assert_false (sd_config_contacts_set (data, &c, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_strlcpy (c.session_id, "05abc", sizeof c.session_id);
  g_assert_false (sd_config_contacts_set (data, &c, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  g_clear_error (&error);

  /* listing skips keys that are not Session IDs */
  {
    g_auto(SdConfigContact) bob = { 0 };

    sd_config_contact_init (&bob, BOB);
    g_assert_true (sd_config_contacts_set (data, &bob, NULL));
  }
  set_int (child (child (data, "c"), "not-a-key"), "n", 1);
  ids = sd_config_contacts_list (data);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, ALICE);
  g_assert_cmpstr (g_ptr_array_index (ids, 1), ==, BOB);

  g_assert_true (sd_config_contacts_remove (data, ALICE));
  g_assert_false (sd_config_contacts_remove (data, ALICE));
  sd_config_contact_clear (&back);
  g_assert_false (sd_config_contacts_get (data, ALICE, &back, NULL));
}

/* received oddities read as "unset", not as errors */
static void
test_contacts_lenient_read (void)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(SdConfigValue) data = NULL;
  g_auto(SdConfigContact) c = { 0 };
  guint8 key[33];

  sd_test_hex_into (BOB, key, 33);
  x_text (in, "d1:cd33:");
  g_byte_array_append (in, key, 33);
  /* a name that is an int, a key that is short, notify 7, expiry mode 9 */
  x_text (in, "d1:@i7e1:Ei60e1:ei9e1:ni5e1:p3:url1:q3:keyeee");
  data = sd_config_value_decode (in->data, in->len, NULL);
  g_assert_nonnull (data);
  g_assert_true (sd_config_contacts_get (data, BOB, &c, NULL));
  g_assert_cmpstr (c.name, ==, "");
  g_assert_null (c.avatar_url);
  g_assert_cmpint (c.notifications, ==, SD_CONFIG_NOTIFY_DEFAULT);
  g_assert_cmpint (c.expiration, ==, SD_CONFIG_EXPIRATION_NONE);
}

static void
test_convo_info (void)
{
  g_autoptr(SdConfigValue) data = sd_config_test_decode ("d1:od3:urli1eee");
  const gint64 now = G_GINT64_CONSTANT (1700000000000);
  const gint64 day = 24 * 3600 * 1000;
  SdConfigConvo c = { ALICE, now - day, FALSE };
  SdConfigConvo back;

  g_assert_true (sd_config_convo_info_set (data, &c, now, NULL));
  g_assert_true (sd_config_convo_info_get (data, ALICE, &back, NULL));
  g_assert_cmpint (back.last_read_ms, ==, now - day);
  g_assert_false (back.unread);

  /* a newer position older than 30 days is not recorded ... */
  {
    SdConfigConvo old = { BOB, now - 31 * day, TRUE };

    g_assert_true (sd_config_convo_info_set (data, &old, now, NULL));
    g_assert_true (sd_config_convo_info_get (data, BOB, &back, NULL));
    g_assert_cmpint (back.last_read_ms, ==, 0);
    g_assert_true (back.unread);
  }
  /* ... but moving a position back always is */
  c.last_read_ms = now - 40 * day;
  g_assert_true (sd_config_convo_info_set (data, &c, now, NULL));
  g_assert_true (sd_config_convo_info_get (data, ALICE, &back, NULL));
  g_assert_cmpint (back.last_read_ms, ==, now - 40 * day);

  /* 45 days later Alice's entry goes, Bob's (unread) stays, and so do the
   * communities we have no view of */
  g_assert_cmpuint (sd_config_convo_info_prune (data, now + 6 * day), ==, 1);
  g_assert_false (sd_config_convo_info_get (data, ALICE, &back, NULL));
  g_assert_true (sd_config_convo_info_get (data, BOB, &back, NULL));
  g_assert_nonnull (sd_config_value_dict_get (data, "o"));
  g_assert_true (sd_config_convo_info_remove (data, BOB));
}

static void
test_user_groups (void)
{
  g_autoptr(SdConfigValue) data = sd_config_test_decode ("d1:od3:urld1:#i1eeee");
  g_auto(SdConfigGroup) g = { 0 };
  g_auto(SdConfigGroup) back = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 seed[32], pk[32], sk[64], key[33];
  gchar id[67];

  memset (seed, 0x42, sizeof seed);
  crypto_sign_seed_keypair (pk, sk, seed);
  key[0] = 0x03;
  memcpy (key + 1, pk, 32);
  id[0] = '0';
  id[1] = '3';
  for (guint i = 0; i < 32; i++)
    g_snprintf (id + 2 + 2 * i, 3, "%02x", pk[i]);

  /* an admin keeps the seed in "K" */
  sd_config_group_init (&g, id);
  g_free (g.name);
  g.name = g_strdup ("Hikers");
  g.is_admin = TRUE;
  memcpy (g.admin_seed, seed, 32);
  g.joined_at = 1700000000;
  g.invited = TRUE;
  g_assert_true (sd_config_user_groups_set (data, &g, &error));
  g_assert_no_error (error);
  g_assert_true (sd_config_user_groups_get (data, id, &back, &error));
  g_assert_cmpstr (back.name, ==, "Hikers");
  g_assert_true (back.is_admin);
  g_assert_cmpmem (back.admin_seed, 32, seed, 32);
  g_assert_true (back.invited);
  g_assert_cmpint (back.joined_at, ==, 1700000000);
  sd_config_group_clear (&back);

  /* a seed that is not the group's is not kept: "K" empty, "s" the auth */
  memset (g.admin_seed, 0x43, 32);
  g.has_auth_data = TRUE;
  memset (g.auth_data, 7, sizeof g.auth_data);
  g.invited = FALSE;
  g_assert_true (sd_config_user_groups_set (data, &g, NULL));
  {
    SdConfigValue *info = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "g"),
                                                       key, 33);
    gsize len = 99;

    sd_config_value_get_string (sd_config_value_dict_get (info, "K"), &len);
    g_assert_cmpuint (len, ==, 0);
    g_assert_null (sd_config_value_dict_get (info, "i"));
  }
  g_assert_true (sd_config_user_groups_get (data, id, &back, NULL));
  g_assert_false (back.is_admin);
  g_assert_true (back.has_auth_data);
  g_assert_false (back.destroyed);
  sd_config_group_clear (&back);

  /* a destroyed group: "d" 1, read back */
  g.destroyed = TRUE;
  g_assert_true (sd_config_user_groups_set (data, &g, NULL));
  {
    SdConfigValue *info = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "g"),
                                                       key, 33);

    g_assert_nonnull (sd_config_value_dict_get (info, "d"));
  }
  g_assert_true (sd_config_user_groups_get (data, id, &back, NULL));
  g_assert_true (back.destroyed);

  /* ids: a 05 id is not a group; communities stay untouched */
  g_assert_false (sd_config_user_groups_get (data, ALICE, &back, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  g_assert_nonnull (sd_config_value_dict_get (data, "o"));
  g_assert_true (sd_config_user_groups_remove (data, id));
  g_assert_false (sd_config_user_groups_remove (data, id));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config-views/user-profile-vector", test_user_profile_vector);
  g_test_add_func ("/config-views/user-profile-rules", test_user_profile_rules);
  g_test_add_func ("/config-views/user-profile-reupload", test_user_profile_reupload);
  g_test_add_func ("/config-views/contacts", test_contacts);
  g_test_add_func ("/config-views/contacts-lenient-read", test_contacts_lenient_read);
  g_test_add_func ("/config-views/convo-info", test_convo_info);
  g_test_add_func ("/config-views/user-groups", test_user_groups);

  return g_test_run ();
}
