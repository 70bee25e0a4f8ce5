/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group identity and the signed group configs (Info, Members): ids from
 * libsession's test seeds, signing on push, verification on receive, the
 * group-key encryption, merges by admins and members, the typed views */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-config-group-info.h"
#include "sd-config-group-members.h"
#include "sd-config-merge.h"
#include "sd-config-message.h"
#include "sd-group-config.h"
#include "sd-group-identity.h"
#include "sd-group-keys.h"
#include "sd-group-message.h"
#include "sd-subaccount.h"
#include "sd-group-control.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* libsession tests/test_group_keys.cpp and test_group_info.cpp */
#define GROUP_SEED "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
#define GROUP_ID "03c50cb3ae956947a8de19135b5be2685ff348afc63fc34a837aca12bc5c1f5625"
#define INFO_SEED "0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210"
#define INFO_PK "cbd569f56fb13ea95a3f0c05c331cc24139c0090feb412069dc49fab34406ece"

#define MEMBER1 "050000000000000000000000000000000000000000000000000000000000000001"
#define MEMBER2 "050000000000000000000000000000000000000000000000000000000000000002"

static void
admin_identity (SdGroupIdentity *group, const gchar *seed_hex)
{
  guint8 seed[32];
  g_autoptr(GError) error = NULL;

  sd_test_hex_into (seed_hex, seed, 32);
  g_assert_true (sd_group_identity_from_seed (group, seed, &error));
  g_assert_no_error (error);
}

static void
test_identity (void)
{
  SdGroupIdentity admin, member, other;
  g_autoptr(GError) error = NULL;
  guint8 seed[32];

  admin_identity (&admin, GROUP_SEED);
  g_assert_cmpstr (admin.id, ==, GROUP_ID);
  g_assert_true (admin.is_admin);
  admin_identity (&other, INFO_SEED);
  sd_test_assert_hex (other.ed25519_pk, 32, INFO_PK);

  g_assert_true (sd_group_identity_from_id (&member, GROUP_ID, &error));
  g_assert_no_error (error);
  g_assert_false (member.is_admin);
  g_assert_cmpmem (member.ed25519_pk, 32, admin.ed25519_pk, 32);
  g_assert_cmpmem (member.x25519_pk, 32, admin.x25519_pk, 32);
  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_seed_matches (&member, seed));
  seed[0] ^= 1;
  g_assert_false (sd_group_identity_seed_matches (&member, seed));

  /* a 05 id is not a group */
  g_assert_false (sd_group_identity_from_id (&member, MEMBER1, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
  g_clear_error (&error);
  g_assert_false (sd_group_identity_from_id (&member, "03abc", &error));
  g_assert_nonnull (error);

  sd_group_identity_generate (&other);
  g_assert_true (other.is_admin);
  g_assert_true (g_str_has_prefix (other.id, "03"));
  g_assert_cmpuint (strlen (other.id), ==, 66);
  sd_group_identity_clear (&admin);
  sd_group_identity_clear (&other);
}

/* an admin's Info at seqno 1 named @name */
static GBytes *
admin_info (const SdGroupIdentity *group, const gchar *name, SdConfigMessage **out)
{
  g_autoptr(SdConfigMessage) m0 = sd_group_config_new (group);
  SdConfigMessage *m1 = sd_config_message_increment (m0);
  g_autoptr(GError) error = NULL;

  g_assert_true (sd_config_group_info_set_name (sd_config_message_get_data (m1), name, &error));
  g_assert_no_error (error);
  if (out != NULL)
    *out = m1;
  else
    g_clear_pointer (&m1, sd_config_message_free);
  {
    g_autoptr(SdConfigMessage) again = sd_group_config_new (group);
    g_autoptr(SdConfigMessage) next = sd_config_message_increment (again);

    g_assert_true (sd_config_group_info_set_name (sd_config_message_get_data (next), name, NULL));
    return sd_config_message_serialize (next);
  }
}

static void
test_signed_roundtrip (void)
{
  SdGroupIdentity admin, member;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigMessage) mine = NULL;
  g_autoptr(SdConfigMessage) parsed = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GByteArray) bad = NULL;
  g_autofree gchar *name = NULL;
  guint8 h1[32], h2[32];
  const guint8 *data;
  gsize len;

  admin_identity (&admin, GROUP_SEED);
  g_assert_true (sd_group_identity_from_id (&member, GROUP_ID, NULL));
  bytes = admin_info (&admin, "tomatosauce", &mine);
  data = g_bytes_get_data (bytes, &len);
  /* the signature is the last key */
  g_assert_cmpuint (len, >, 72);
  g_assert_cmpmem (data + len - 71, 6, "1:~64:", 6);
  g_assert_true (sd_config_message_verify (data, len, member.ed25519_pk, &error));
  g_assert_no_error (error);

  /* the mutable message hashes its signed bytes */
  sd_config_message_get_hash (mine, h1);
  crypto_generichash (h2, 32, data, len, NULL, 0);
  g_assert_cmpmem (h1, 32, h2, 32);

  parsed = sd_config_message_parse_signed (data, len, SD_CONFIG_DEFAULT_LAG, member.ed25519_pk,
                                           &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  name = sd_config_group_info_get_name (sd_config_message_get_data (parsed));
  g_assert_cmpstr (name, ==, "tomatosauce");
  /* a received signed message serialises back to the same bytes */
  again = sd_config_message_serialize (parsed);
  g_assert_true (g_bytes_equal (again, bytes));
  sd_config_message_get_hash (parsed, h1);
  g_assert_cmpmem (h1, 32, h2, 32);

  /* any changed byte, and any other key, is refused */
  bad = g_byte_array_new ();
  g_byte_array_append (bad, data, (guint) len);
  bad->data[10] ^= 1;
  g_assert_null (sd_config_message_parse_signed (bad->data, bad->len, SD_CONFIG_DEFAULT_LAG,
                                                 member.ed25519_pk, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  {
    SdGroupIdentity stranger;

    admin_identity (&stranger, INFO_SEED);
    g_assert_null (sd_config_message_parse_signed (data, len, SD_CONFIG_DEFAULT_LAG,
                                                   stranger.ed25519_pk, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
    g_clear_error (&error);
    sd_group_identity_clear (&stranger);
  }
  /* an unsigned message (a user config's shape) is refused */
  {
    g_autoptr(SdConfigMessage) plain = sd_config_message_new (0, SD_CONFIG_DEFAULT_LAG);
    g_autoptr(SdConfigMessage) plain1 = sd_config_message_increment (plain);
    g_autoptr(GBytes) unsigned_bytes = NULL;

    sd_config_group_info_set_name (sd_config_message_get_data (plain1), "x", NULL);
    unsigned_bytes = sd_config_message_serialize (plain1);
    g_assert_null (sd_config_message_parse_signed (g_bytes_get_data (unsigned_bytes, NULL),
                                                   g_bytes_get_size (unsigned_bytes),
                                                   SD_CONFIG_DEFAULT_LAG, member.ed25519_pk,
                                                   &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
    g_clear_error (&error);
  }

  /* the signed tail hidden at the end of another value is not a signature */
  {
    const gchar *prefix = "d1:#i1e1:&de1:<le1:=de1:}74:abcd";
    GByteArray *fake = g_byte_array_new ();
    guint8 sig[64];

    g_byte_array_append (fake, (const guint8 *) prefix, (guint) strlen (prefix));
    crypto_sign_ed25519_detached (sig, NULL, fake->data, fake->len, admin.ed25519_sk);
    g_byte_array_append (fake, (const guint8 *) "1:~64:", 6);
    g_byte_array_append (fake, sig, 64);
    g_byte_array_append (fake, (const guint8 *) "e", 1);
    /* it is well-formed and "verifies" by its tail */
    g_assert_true (sd_config_message_verify (fake->data, fake->len, member.ed25519_pk, NULL));
    g_assert_null (sd_config_message_parse_signed (fake->data, fake->len, SD_CONFIG_DEFAULT_LAG,
                                                   member.ed25519_pk, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
    g_clear_error (&error);
    g_byte_array_unref (fake);
  }

  /* the successor of a signed message stays signed, with a new signature */
  {
    g_autoptr(SdConfigMessage) m2 = sd_config_message_increment (mine);
    g_autoptr(GBytes) b2 = NULL;

    sd_config_group_info_set_description (sd_config_message_get_data (m2), "desc", NULL);
    b2 = sd_config_message_serialize (m2);
    g_assert_true (sd_config_message_verify (g_bytes_get_data (b2, NULL), g_bytes_get_size (b2),
                                             member.ed25519_pk, NULL));
  }
  sd_group_identity_clear (&admin);
}

static void
test_encryption (void)
{
  SdGroupIdentity admin;
  guint8 keys[3][32];
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) blob2 = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;
  guint index = 99;

  admin_identity (&admin, GROUP_SEED);
  memset (keys[0], 0xaa, 32);
  memset (keys[1], 0xbb, 32);
  memset (keys[2], 0xcc, 32);
  plain = admin_info (&admin, "Super Group!!", NULL);

  blob = sd_group_config_encode (SD_GROUP_CONFIG_INFO, keys[1], g_bytes_get_data (plain, NULL),
                                 g_bytes_get_size (plain), &error);
  g_assert_no_error (error);
  /* padded so that the size lands on a 256-byte step */
  g_assert_cmpuint (g_bytes_get_size (blob) % 256, ==, 0);
  /* deterministic: the same content, the same bytes */
  blob2 = sd_group_config_encode (SD_GROUP_CONFIG_INFO, keys[1], g_bytes_get_data (plain, NULL),
                                  g_bytes_get_size (plain), NULL);
  g_assert_true (g_bytes_equal (blob, blob2));

  opened = sd_group_config_decode (SD_GROUP_CONFIG_INFO, (const guint8 (*)[32]) keys, 3,
                                   g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &index,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 1);
  g_assert_true (g_bytes_equal (opened, plain));

  /* without the key, or under the other config's domain: no */
  g_assert_null (sd_group_config_decode (SD_GROUP_CONFIG_INFO, (const guint8 (*)[32]) keys, 1,
                                         g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                         NULL, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  g_assert_null (sd_group_config_decode (SD_GROUP_CONFIG_MEMBERS, (const guint8 (*)[32]) keys, 3,
                                         g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                         NULL, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);
  /* hostile sizes */
  {
    g_autofree guint8 *huge = g_malloc0 (76801);

    g_assert_null (sd_group_config_decode (SD_GROUP_CONFIG_INFO, (const guint8 (*)[32]) keys, 3,
                                           huge, 76801, NULL, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    g_assert_null (sd_group_config_decode (SD_GROUP_CONFIG_INFO, (const guint8 (*)[32]) keys, 3,
                                           huge, 10, NULL, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_cmpint (sd_group_config_namespace (SD_GROUP_CONFIG_INFO), ==, 13);
  g_assert_cmpint (sd_group_config_namespace (SD_GROUP_CONFIG_MEMBERS), ==, 14);
  sd_group_identity_clear (&admin);
}

/* two admins edit the same seqno: an admin merges and signs, a member
 * keeps the best message; a forged message is left out */
static void
test_merge (void)
{
  SdGroupIdentity admin, member, stranger;
  g_autoptr(SdConfigMessage) base = NULL;
  g_autoptr(SdConfigMessage) a = NULL;
  g_autoptr(SdConfigMessage) b = NULL;
  g_autoptr(SdConfigMessage) forged = NULL;
  g_autoptr(SdConfigMessage) merged = NULL;
  g_autoptr(SdConfigMessage) kept = NULL;
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) rejected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *desc = NULL;
  g_autoptr(GBytes) merged_bytes = NULL;
  gint unmerged = 0;

  admin_identity (&admin, GROUP_SEED);
  admin_identity (&stranger, INFO_SEED);
  g_assert_true (sd_group_identity_from_id (&member, GROUP_ID, NULL));

  base = sd_group_config_new (&admin);
  a = sd_config_message_increment (base);
  b = sd_config_message_increment (base);
  sd_config_group_info_set_name (sd_config_message_get_data (a), "Name by A", NULL);
  sd_config_group_info_set_description (sd_config_message_get_data (b), "Desc by B", NULL);
  forged = sd_config_message_increment (base);
  sd_config_message_set_signing_key (forged, stranger.ed25519_sk);
  sd_config_group_info_set_name (sd_config_message_get_data (forged), "pwned", NULL);
  g_ptr_array_add (plain, sd_config_message_serialize (a));
  g_ptr_array_add (plain, sd_config_message_serialize (forged));
  g_ptr_array_add (plain, sd_config_message_serialize (b));

  merged = sd_group_config_merge (&admin, plain, &unmerged, &rejected, &error);
  g_assert_no_error (error);
  g_assert_cmpint (unmerged, ==, -1);
  g_assert_cmpuint (rejected->len, ==, 1);
  g_assert_cmpuint (g_array_index (rejected, guint, 0), ==, 1);
  g_assert_cmpint (sd_config_message_get_seqno (merged), ==, 2);
  name = sd_config_group_info_get_name (sd_config_message_get_data (merged));
  desc = sd_config_group_info_get_description (sd_config_message_get_data (merged));
  g_assert_cmpstr (name, ==, "Name by A");
  g_assert_cmpstr (desc, ==, "Desc by B");
  /* the merge goes out signed */
  merged_bytes = sd_config_message_serialize (merged);
  g_assert_true (sd_config_message_verify (g_bytes_get_data (merged_bytes, NULL),
                                           g_bytes_get_size (merged_bytes), member.ed25519_pk,
                                           NULL));

  /* a member cannot sign a merge: it keeps the higher-ranked of a and b */
  g_clear_pointer (&rejected, g_array_unref);
  kept = sd_group_config_merge (&member, plain, &unmerged, &rejected, &error);
  g_assert_no_error (error);
  g_assert_true (unmerged == 0 || unmerged == 2);
  g_assert_false (sd_config_message_is_mutable (kept));
  {
    guint8 ha[32], hb[32];
    gint expect;

    sd_config_message_get_hash (a, ha);
    sd_config_message_get_hash (b, hb);
    expect = memcmp (ha, hb, 32) > 0 ? 0 : 2;
    g_assert_cmpint (unmerged, ==, expect);
  }
  /* once the admin's merge is out, the member takes it */
  g_ptr_array_add (plain, g_bytes_ref (merged_bytes));
  g_clear_pointer (&kept, sd_config_message_free);
  kept = sd_group_config_merge (&member, plain, &unmerged, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (unmerged, ==, 3);

  /* the admin takes the merge as it is and edits on: still signed */
  {
    g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(SdConfigMessage) top = NULL;
    g_autoptr(SdConfigMessage) next = NULL;
    g_autoptr(GBytes) top_bytes = NULL;
    g_autoptr(GBytes) next_bytes = NULL;

    g_ptr_array_add (one, g_bytes_ref (merged_bytes));
    top = sd_group_config_merge (&admin, one, &unmerged, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (unmerged, ==, 0);
    top_bytes = sd_config_message_serialize (top);
    g_assert_true (g_bytes_equal (top_bytes, merged_bytes));
    next = sd_config_message_increment (top);
    sd_config_group_info_set_name (sd_config_message_get_data (next), "Renamed", NULL);
    next_bytes = sd_config_message_serialize (next);
    g_assert_true (sd_config_message_verify (g_bytes_get_data (next_bytes, NULL),
                                             g_bytes_get_size (next_bytes), member.ed25519_pk,
                                             NULL));
  }
  sd_group_identity_clear (&admin);
  sd_group_identity_clear (&stranger);
}

static void
test_info_view (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *long_name = g_strnfill (101, 'x');
  g_autofree gchar *long_desc = g_strnfill (2001, 'y');
  g_autofree gchar *ok_desc = g_strnfill (2000, 'y');
  g_autofree gchar *desc = NULL;
  guint8 key[32];

  g_assert_null (sd_config_group_info_get_name (data));
  g_assert_false (sd_config_group_info_set_name (data, long_name, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (sd_config_group_info_set_description (data, long_desc, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_true (sd_config_group_info_set_description (data, ok_desc, &error));
  desc = sd_config_group_info_get_description (data);
  g_assert_cmpstr (desc, ==, ok_desc);
  g_assert_true (sd_config_group_info_set_avatar (data, "http://example.com/12345",
                                                  (const guint8 *) "abcdabcdabcdabcdabcdabcdabcdabcd",
                                                  &error));
  g_assert_true (sd_config_group_info_get_avatar (data, &url, key));
  g_assert_cmpstr (url, ==, "http://example.com/12345");
  g_assert_cmpmem (key, 32, "abcdabcdabcdabcdabcdabcdabcdabcd", 32);
  sd_config_group_info_set_created (data, 1700000000);
  sd_config_group_info_set_delete_before (data, 1700000100);
  sd_config_group_info_set_delete_attach_before (data, 1700000200);
  sd_config_group_info_set_disappearing (data, 86400);
  g_assert_cmpint (sd_config_group_info_get_created (data), ==, 1700000000);
  g_assert_cmpint (sd_config_group_info_get_delete_before (data), ==, 1700000100);
  g_assert_cmpint (sd_config_group_info_get_delete_attach_before (data), ==, 1700000200);
  g_assert_cmpint (sd_config_group_info_get_disappearing (data), ==, 86400);
  g_assert_false (sd_config_group_info_is_destroyed (data));
  sd_config_group_info_destroy (data);
  g_assert_true (sd_config_group_info_is_destroyed (data));
  /* clearing removes the keys */
  sd_config_group_info_set_disappearing (data, 0);
  g_assert_null (sd_config_value_dict_get (data, "E"));
  g_assert_true (sd_config_group_info_set_avatar (data, NULL, NULL, &error));
  g_assert_null (sd_config_value_dict_get (data, "p"));
  g_assert_null (sd_config_value_dict_get (data, "q"));
  /* the wire keys are the documented ones */
  g_assert_nonnull (sd_config_value_dict_get (data, "c"));
  g_assert_nonnull (sd_config_value_dict_get (data, "d"));
  g_assert_nonnull (sd_config_value_dict_get (data, "D"));
  g_assert_nonnull (sd_config_value_dict_get (data, "o"));
  g_assert_nonnull (sd_config_value_dict_get (data, "!"));
}

static void
test_members_view (void)
{
  g_autoptr(SdConfigValue) data = sd_config_value_new_dict ();
  g_auto(SdConfigGroupMember) m = { 0 };
  g_auto(SdConfigGroupMember) got = { 0 };
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *long_name = g_strnfill (150, 'n');
  const SdConfigValue *entry;
  guint8 key[33];

  g_assert_false (sd_config_group_members_get (data, MEMBER1, &got, &error));
  g_assert_no_error (error);

  sd_config_group_member_init (&m, MEMBER1);
  g_free (m.name);
  m.name = g_strdup ("Member 1");
  m.invite = SD_CONFIG_MEMBER_STATUS_SENT;
  m.supplement = TRUE;
  m.avatar_url = g_strdup ("http://example.com/pic");
  memset (m.avatar_key, 0xab, 32);
  g_assert_true (sd_config_group_members_set (data, &m, &error));
  g_assert_true (sd_config_group_members_get (data, MEMBER1, &got, &error));
  g_assert_cmpstr (got.name, ==, "Member 1");
  g_assert_cmpint (got.invite, ==, SD_CONFIG_MEMBER_STATUS_SENT);
  g_assert_true (got.supplement);
  g_assert_false (got.admin);
  g_assert_cmpstr (got.avatar_url, ==, "http://example.com/pic");
  g_assert_cmpmem (got.avatar_key, 32, m.avatar_key, 32);
  /* keyed by the 33-byte Session ID */
  sd_test_hex_into (MEMBER1, key, 33);
  entry = sd_config_value_dict_lookup (sd_config_value_dict_get (data, "m"), key, 33);
  g_assert_nonnull (entry);
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (entry, "I")), ==, 1);
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (entry, "s")), ==, 1);

  /* an accepted invite ends the meaning of "s" */
  sd_config_value_dict_remove ((SdConfigValue *) entry, (const guint8 *) "I", 1);
  sd_config_group_member_clear (&got);
  g_assert_true (sd_config_group_members_get (data, MEMBER1, &got, NULL));
  g_assert_cmpint (got.invite, ==, SD_CONFIG_MEMBER_STATUS_NONE);
  g_assert_false (got.supplement);

  /* an admin has no invite status; the name is cut at 100 bytes but kept
   * even empty */
  sd_config_group_member_clear (&m);
  sd_config_group_member_init (&m, MEMBER2);
  g_free (m.name);
  m.name = g_strdup (long_name);
  m.admin = TRUE;
  m.invite = SD_CONFIG_MEMBER_STATUS_NOT_SENT;
  m.promotion = SD_CONFIG_MEMBER_STATUS_FAILED;
  m.removed = SD_CONFIG_MEMBER_REMOVED_WITH_MESSAGES;
  g_assert_true (sd_config_group_members_set (data, &m, &error));
  sd_config_group_member_clear (&got);
  g_assert_true (sd_config_group_members_get (data, MEMBER2, &got, NULL));
  g_assert_true (got.admin);
  g_assert_cmpint (got.invite, ==, SD_CONFIG_MEMBER_STATUS_NONE);
  g_assert_cmpint (got.promotion, ==, SD_CONFIG_MEMBER_STATUS_FAILED);
  g_assert_cmpint (got.removed, ==, SD_CONFIG_MEMBER_REMOVED_WITH_MESSAGES);
  g_assert_cmpuint (strlen (got.name), ==, 100);

  ids = sd_config_group_members_list (data);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, MEMBER1);
  g_assert_cmpstr (g_ptr_array_index (ids, 1), ==, MEMBER2);

  g_assert_true (sd_config_group_members_remove (data, MEMBER1));
  g_assert_false (sd_config_group_members_remove (data, MEMBER1));
  /* a group id is not a member id */
  g_assert_false (sd_config_group_members_get (data, GROUP_ID, &got, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_SESSION_ID);
}

/* the worked example of a new group: the admin creates the key, the first
 * Keys generation, Info and Members; invites a member with a subaccount
 * grant and a signed invite; the member reads everything and talks */
static void
test_end_to_end (void)
{
  SdGroupIdentity group, view;
  SdIdentity admin, member;
  guint8 seed[32], value[SD_SUBACCOUNT_VALUE_LEN], sig[64];
  g_autoptr(SdGroupKeys) admin_keys = NULL;
  g_autoptr(SdGroupKeys) member_keys = NULL;
  g_autoptr(SdConfigMessage) info0 = NULL;
  g_autoptr(SdConfigMessage) info = NULL;
  g_autoptr(SdConfigMessage) members0 = NULL;
  g_autoptr(SdConfigMessage) members = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GBytes) keys_msg = NULL;
  g_autoptr(GBytes) info_push = NULL;
  g_autoptr(GBytes) members_push = NULL;
  g_autoptr(GBytes) info_plain = NULL;
  g_autoptr(GBytes) members_plain = NULL;
  g_autoptr(GPtrArray) plain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SdConfigMessage) got_info = NULL;
  g_autoptr(SdConfigMessage) got_members = NULL;
  g_autoptr(GBytes) chat = NULL;
  g_autoptr(GBytes) heard = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *invite = NULL;
  g_auto(SdConfigGroupMember) m = { 0 };
  gchar sender[67];
  guint n_keys;
  const SdGroupKeyBytes *list;

  sd_group_identity_generate (&group);
  g_assert_true (sd_group_identity_from_id (&view, group.id, NULL));
  memset (seed, 0x51, 32);
  sd_identity_from_seed (&admin, seed);
  memset (seed, 0x52, 32);
  sd_identity_from_seed (&member, seed);

  /* no key yet: nothing can be pushed */
  admin_keys = sd_group_keys_new (&group, &admin);
  info0 = sd_group_config_new (&group);
  g_assert_null (sd_group_config_push (SD_GROUP_CONFIG_INFO, admin_keys, info0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  g_ptr_array_add (ids, admin.session_id);
  g_ptr_array_add (ids, member.session_id);
  keys_msg = sd_group_keys_rekey (admin_keys, ids, &error);
  g_assert_no_error (error);

  info = sd_config_message_increment (info0);
  g_assert_true (sd_config_group_info_set_name (sd_config_message_get_data (info), "Friends", NULL));
  sd_config_group_info_set_created (sd_config_message_get_data (info), 1700000000);
  members0 = sd_group_config_new (&group);
  members = sd_config_message_increment (members0);
  sd_config_group_member_init (&m, admin.session_id);
  m.admin = TRUE;
  g_assert_true (sd_config_group_members_set (sd_config_message_get_data (members), &m, NULL));
  sd_config_group_member_clear (&m);
  sd_config_group_member_init (&m, member.session_id);
  m.invite = SD_CONFIG_MEMBER_STATUS_SENT;
  g_assert_true (sd_config_group_members_set (sd_config_message_get_data (members), &m, NULL));
  info_push = sd_group_config_push (SD_GROUP_CONFIG_INFO, admin_keys, info, &error);
  g_assert_no_error (error);
  members_push = sd_group_config_push (SD_GROUP_CONFIG_MEMBERS, admin_keys, members, &error);
  g_assert_no_error (error);

  /* the invite: a grant and a signature over INVITE + member + time */
  g_assert_true (sd_subaccount_make (&group, member.session_id, TRUE, FALSE, value, NULL));
  invite = sd_group_control_invite_text (member.session_id, 1700000000123);
  g_assert_true (sd_group_control_sign (&group, invite, sig, NULL));

  /* the member's side */
  g_assert_true (sd_group_control_verify (&view, invite, sig, 64, &error));
  g_assert_true (sd_subaccount_verify (&view, &member, value, TRUE, FALSE));
  member_keys = sd_group_keys_new (&view, &member);
  g_assert_true (sd_group_keys_load_message (member_keys, "k0", g_bytes_get_data (keys_msg, NULL),
                                             g_bytes_get_size (keys_msg), 1700000000000, NULL,
                                             &error));
  g_assert_no_error (error);
  info_plain = sd_group_config_open (SD_GROUP_CONFIG_INFO, member_keys,
                                     g_bytes_get_data (info_push, NULL),
                                     g_bytes_get_size (info_push), &error);
  g_assert_no_error (error);
  g_ptr_array_add (plain, g_bytes_ref (info_plain));
  got_info = sd_group_config_merge (&view, plain, NULL, NULL, &error);
  g_assert_no_error (error);
  name = sd_config_group_info_get_name (sd_config_message_get_data (got_info));
  g_assert_cmpstr (name, ==, "Friends");
  g_assert_cmpint (sd_config_group_info_get_created (sd_config_message_get_data (got_info)), ==,
                   1700000000);
  members_plain = sd_group_config_open (SD_GROUP_CONFIG_MEMBERS, member_keys,
                                        g_bytes_get_data (members_push, NULL),
                                        g_bytes_get_size (members_push), &error);
  g_assert_no_error (error);
  g_ptr_array_set_size (plain, 0);
  g_ptr_array_add (plain, g_bytes_ref (members_plain));
  got_members = sd_group_config_merge (&view, plain, NULL, NULL, &error);
  g_assert_no_error (error);
  sd_config_group_member_clear (&m);
  g_assert_true (sd_config_group_members_get (sd_config_message_get_data (got_members),
                                              admin.session_id, &m, NULL));
  g_assert_true (m.admin);
  /* Info does not open as Members (the domain differs) */
  g_assert_null (sd_group_config_open (SD_GROUP_CONFIG_MEMBERS, member_keys,
                                       g_bytes_get_data (info_push, NULL),
                                       g_bytes_get_size (info_push), &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_error (&error);

  /* and talks: the admin's current key is the member's */
  list = sd_group_keys_list (member_keys, &n_keys);
  g_assert_cmpuint (n_keys, ==, 1);
  {
    SdGroupKeyBytes key;

    g_assert_true (sd_group_keys_get_current (admin_keys, key, NULL));
    chat = sd_group_message_encrypt (&admin, key, (const guint8 *) "hi all", 6, &error);
  }
  heard = sd_group_message_decrypt (list, n_keys, g_bytes_get_data (chat, NULL),
                                    g_bytes_get_size (chat), sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (heard, NULL), g_bytes_get_size (heard), "hi all", 6);
  g_assert_cmpstr (sender, ==, admin.session_id);
  sd_group_identity_clear (&group);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/group-config/identity", test_identity);
  g_test_add_func ("/group-config/signed-roundtrip", test_signed_roundtrip);
  g_test_add_func ("/group-config/encryption", test_encryption);
  g_test_add_func ("/group-config/merge", test_merge);
  g_test_add_func ("/group-config/info-view", test_info_view);
  g_test_add_func ("/group-config/members-view", test_members_view);
  g_test_add_func ("/group-config/end-to-end", test_end_to_end);
  return g_test_run ();
}
