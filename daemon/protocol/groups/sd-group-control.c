/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control-message signatures and kick notices; the strings are those the
 * official clients sign (session-desktop GroupUpdate*Message) */
#define G_LOG_DOMAIN "SdGroupControl"

#include "config.h"

#include "sd-group-control.h"

#include <sodium.h>
#include <string.h>

#include "sd-multi-encrypt.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

gchar *
sd_group_control_invite_text (const gchar *invitee, gint64 timestamp_ms)
{
  guint8 pk[32];

  if (invitee == NULL || timestamp_ms < 0 || !sd_session_id_parse (invitee, pk, NULL))
    return NULL;
  return g_strdup_printf ("INVITE%s%" G_GINT64_FORMAT, invitee, timestamp_ms);
}

gchar *
sd_group_control_info_change_text (SdGroupInfoChange type, gint64 timestamp_ms)
{
  if (type < SD_GROUP_INFO_CHANGE_NAME || type > SD_GROUP_INFO_CHANGE_DISAPPEARING ||
      timestamp_ms < 0)
    return NULL;
  return g_strdup_printf ("INFO_CHANGE%d%" G_GINT64_FORMAT, (gint) type, timestamp_ms);
}

gchar *
sd_group_control_member_change_text (SdGroupMemberChange type, gint64 timestamp_ms)
{
  if (type < SD_GROUP_MEMBER_CHANGE_ADDED || type > SD_GROUP_MEMBER_CHANGE_PROMOTED ||
      timestamp_ms < 0)
    return NULL;
  return g_strdup_printf ("MEMBER_CHANGE%d%" G_GINT64_FORMAT, (gint) type, timestamp_ms);
}

gchar *
sd_group_control_delete_content_text (gint64 timestamp_ms, const gchar *const *session_ids,
                                      const gchar *const *hashes)
{
  GString *text;

  if (timestamp_ms < 0)
    return NULL;
  text = g_string_new ("DELETE_CONTENT");
  g_string_append_printf (text, "%" G_GINT64_FORMAT, timestamp_ms);
  /* joined with nothing in between, as the current clients sign it */
  for (guint i = 0; session_ids != NULL && session_ids[i] != NULL; i++)
    g_string_append (text, session_ids[i]);
  for (guint i = 0; hashes != NULL && hashes[i] != NULL; i++)
    g_string_append (text, hashes[i]);
  return g_string_free (text, FALSE);
}

gboolean
sd_group_control_sign (const SdGroupIdentity *group, const gchar *text, guint8 signature[64],
                       GError **error)
{
  g_return_val_if_fail (group != NULL && signature != NULL, FALSE);

  sd_sodium_init ();
  if (!group->is_admin) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "only an admin can sign group control messages");
    return FALSE;
  }
  if (text == NULL) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "nothing to sign");
    return FALSE;
  }
  crypto_sign_ed25519_detached (signature, NULL, (const guint8 *) text, strlen (text),
                                group->ed25519_sk);
  return TRUE;
}

gboolean
sd_group_control_verify (const SdGroupIdentity *group, const gchar *text,
                         const guint8 *signature, gsize signature_len, GError **error)
{
  g_return_val_if_fail (group != NULL, FALSE);

  sd_sodium_init ();
  if (text == NULL || signature == NULL || signature_len != crypto_sign_BYTES ||
      crypto_sign_ed25519_verify_detached (signature, (const guint8 *) text, strlen (text),
                                           group->ed25519_pk) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE,
                         "group control message is not signed by the group's admins");
    return FALSE;
  }
  return TRUE;
}

GBytes *
sd_group_kick_notice_encrypt (const SdGroupIdentity *group, GPtrArray *session_ids,
                              gint64 generation, GError **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree guint8 *recipients = NULL;
  g_autofree gchar *gen_text = NULL;

  g_return_val_if_fail (group != NULL && session_ids != NULL, NULL);

  if (!group->is_admin) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "only an admin can send kick notices");
    return NULL;
  }
  if (session_ids->len == 0 || session_ids->len > SD_GROUP_KICK_MAX_MEMBERS || generation < 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "a kick notice names 1 to 1,500 members and a generation");
    return NULL;
  }
  gen_text = g_strdup_printf ("%" G_GINT64_FORMAT, generation);
  recipients = g_malloc (32 * session_ids->len);
  for (guint i = 0; i < session_ids->len; i++) {
    guint8 *pk = recipients + 32 * i;
    GByteArray *m;

    if (!sd_session_id_parse (g_ptr_array_index (session_ids, i), pk, error))
      return NULL;
    m = g_byte_array_new ();
    g_byte_array_append (m, pk, 32);
    g_byte_array_append (m, (const guint8 *) gen_text, (guint) strlen (gen_text));
    g_ptr_array_add (messages, g_byte_array_free_to_bytes (m));
  }
  return sd_multi_encrypt_simple_ed25519 (messages, (const guint8 (*)[32]) recipients,
                                          session_ids->len, group->ed25519_sk,
                                          SD_GROUP_KICK_DOMAIN);
}

gboolean
sd_group_kick_notice_check (const SdGroupIdentity *group, const SdIdentity *user,
                            const guint8 *data, gsize len, gint64 *generation, GError **error)
{
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) local = NULL;
  const guint8 *p;
  gsize n;
  gint64 gen = 0;

  g_return_val_if_fail (group != NULL && user != NULL, FALSE);

  plain = sd_multi_decrypt_simple (data, len, user->x25519_sk, user->x25519_pk, group->x25519_pk,
                                   SD_GROUP_KICK_DOMAIN, &local);
  if (plain == NULL) {
    if (g_error_matches (local, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT))
      return FALSE; /* somebody else's notice */
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  p = g_bytes_get_data (plain, &n);
  /* our key, then 1 to 18 digits */
  if (n < 33 || n > 32 + 18 || sodium_memcmp (p, user->x25519_pk, 32) != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                         "kick notice does not name us with a generation");
    return FALSE;
  }
  for (gsize i = 32; i < n; i++) {
    if (!g_ascii_isdigit (p[i])) {
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "kick notice generation is not a number");
      return FALSE;
    }
    gen = gen * 10 + (p[i] - '0');
  }
  if (generation != NULL)
    *generation = gen;
  return TRUE;
}
