/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control-message signatures (the exact strings the official clients sign)
 * and kick notices: forged, replayed and misdirected ones are refused */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-group-control.h"
#include "sd-multi-encrypt.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

#define GROUP_SEED "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
#define MEMBER_ID "05c5ba413c336f2fe1fb9a2c525f8a86a412a1db128a7841b4e0e217fa9eb7fd5e"
#define OTHER_ID "05f1e8b64bbf761edf8f7b47e3a1f369985644cce0a62adb8e21604474bdd49627"

static void
test_strings (void)
{
  g_autofree gchar *invite = sd_group_control_invite_text (MEMBER_ID, 1700000000123);
  g_autofree gchar *info = sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_NAME, 17);
  g_autofree gchar *avatar = sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_AVATAR, 5);
  g_autofree gchar *disappearing =
    sd_group_control_info_change_text (SD_GROUP_INFO_CHANGE_DISAPPEARING, 5);
  g_autofree gchar *member = sd_group_control_member_change_text (SD_GROUP_MEMBER_CHANGE_PROMOTED,
                                                                  1700000000123);
  const gchar *ids[] = { MEMBER_ID, OTHER_ID, NULL };
  const gchar *hashes[] = { "hashA", "hashB", NULL };
  g_autofree gchar *del = sd_group_control_delete_content_text (42, ids, hashes);
  g_autofree gchar *del_empty = sd_group_control_delete_content_text (42, NULL, NULL);

  g_assert_cmpstr (invite, ==, "INVITE" MEMBER_ID "1700000000123");
  g_assert_cmpstr (info, ==, "INFO_CHANGE117");
  g_assert_cmpstr (avatar, ==, "INFO_CHANGE25");
  g_assert_cmpstr (disappearing, ==, "INFO_CHANGE35");
  g_assert_cmpstr (member, ==, "MEMBER_CHANGE31700000000123");
  g_assert_cmpstr (del, ==, "DELETE_CONTENT42" MEMBER_ID OTHER_ID "hashAhashB");
  g_assert_cmpstr (del_empty, ==, "DELETE_CONTENT42");
  /* bad fields make no string (and so no valid signature) */
  g_assert_null (sd_group_control_invite_text ("05zz", 1));
  g_assert_null (sd_group_control_invite_text (MEMBER_ID, -1));
  g_assert_null (sd_group_control_info_change_text (4, 1));
  g_assert_null (sd_group_control_member_change_text (0, 1));
}

static void
test_signatures (void)
{
  SdGroupIdentity admin, view, stranger;
  guint8 seed[32], sig[64], forged[64];
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = sd_group_control_invite_text (MEMBER_ID, 1000);
  g_autofree gchar *replay = sd_group_control_invite_text (MEMBER_ID, 2000);
  g_autofree gchar *other = sd_group_control_invite_text (OTHER_ID, 1000);

  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_from_seed (&admin, seed, NULL));
  g_assert_true (sd_group_identity_from_id (&view, admin.id, NULL));
  memset (seed, 3, 32);
  g_assert_true (sd_group_identity_from_seed (&stranger, seed, NULL));

  g_assert_true (sd_group_control_sign (&admin, text, sig, &error));
  g_assert_true (sd_group_control_verify (&view, text, sig, 64, &error));
  g_assert_no_error (error);
  /* the same signature on another time or another invitee: refused */
  g_assert_false (sd_group_control_verify (&view, replay, sig, 64, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_group_control_verify (&view, other, sig, 64, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  /* somebody else's key (a member pretending to be an admin) */
  g_assert_true (sd_group_control_sign (&stranger, text, forged, NULL));
  g_assert_false (sd_group_control_verify (&view, text, forged, 64, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  /* truncated, missing */
  g_assert_false (sd_group_control_verify (&view, text, sig, 63, &error));
  g_clear_error (&error);
  g_assert_false (sd_group_control_verify (&view, text, NULL, 0, &error));
  g_clear_error (&error);
  g_assert_false (sd_group_control_verify (&view, NULL, sig, 64, &error));
  g_clear_error (&error);
  /* a member view cannot sign */
  g_assert_false (sd_group_control_sign (&view, text, sig, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  sd_group_identity_clear (&admin);
  sd_group_identity_clear (&stranger);
}

static void
test_kick_notice (void)
{
  SdGroupIdentity admin, view, stranger;
  SdIdentity kicked1, kicked2, stays;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GBytes) notice = NULL;
  g_autoptr(GBytes) forged = NULL;
  g_autoptr(GError) error = NULL;
  guint8 seed[32];
  gint64 gen = -1;

  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_from_seed (&admin, seed, NULL));
  g_assert_true (sd_group_identity_from_id (&view, admin.id, NULL));
  memset (seed, 3, 32);
  g_assert_true (sd_group_identity_from_seed (&stranger, seed, NULL));
  memset (seed, 0x21, 32);
  sd_identity_from_seed (&kicked1, seed);
  memset (seed, 0x22, 32);
  sd_identity_from_seed (&kicked2, seed);
  memset (seed, 0x23, 32);
  sd_identity_from_seed (&stays, seed);
  g_ptr_array_add (ids, kicked1.session_id);
  g_ptr_array_add (ids, kicked2.session_id);

  notice = sd_group_kick_notice_encrypt (&admin, ids, 7, &error);
  g_assert_no_error (error);
  g_assert_true (sd_group_kick_notice_check (&view, &kicked1, g_bytes_get_data (notice, NULL),
                                             g_bytes_get_size (notice), &gen, &error));
  g_assert_cmpint (gen, ==, 7);
  gen = -1;
  g_assert_true (sd_group_kick_notice_check (&view, &kicked2, g_bytes_get_data (notice, NULL),
                                             g_bytes_get_size (notice), &gen, &error));
  g_assert_cmpint (gen, ==, 7);
  /* not for a member who stays */
  g_assert_false (sd_group_kick_notice_check (&view, &stays, g_bytes_get_data (notice, NULL),
                                              g_bytes_get_size (notice), &gen, &error));
  g_assert_no_error (error);
  /* only the group's key can make one */
  forged = sd_group_kick_notice_encrypt (&stranger, ids, 7, NULL);
  g_assert_false (sd_group_kick_notice_check (&view, &kicked1, g_bytes_get_data (forged, NULL),
                                              g_bytes_get_size (forged), &gen, &error));
  g_assert_no_error (error);
  /* a copy for us that names somebody else is refused */
  {
    g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_autoptr(GBytes) wrong = NULL;
    GByteArray *m = g_byte_array_new ();

    g_byte_array_append (m, kicked2.x25519_pk, 32);
    g_byte_array_append (m, (const guint8 *) "7", 1);
    g_ptr_array_add (msgs, g_byte_array_free_to_bytes (m));
    wrong = sd_multi_encrypt_simple_ed25519 (msgs, (const guint8 (*)[32]) kicked1.x25519_pk, 1,
                                             admin.ed25519_sk, SD_GROUP_KICK_DOMAIN);
    g_assert_false (sd_group_kick_notice_check (&view, &kicked1, g_bytes_get_data (wrong, NULL),
                                                g_bytes_get_size (wrong), &gen, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
    g_clear_error (&error);
  }
  /* garbage */
  g_assert_false (sd_group_kick_notice_check (&view, &kicked1, (const guint8 *) "i1e", 3, &gen,
                                              &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  /* members cannot send one */
  g_assert_null (sd_group_kick_notice_encrypt (&view, ids, 7, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  sd_group_identity_clear (&admin);
  sd_group_identity_clear (&stranger);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/group-control/strings", test_strings);
  g_test_add_func ("/group-control/signatures", test_signatures);
  g_test_add_func ("/group-control/kick-notice", test_kick_notice);
  return g_test_run ();
}
