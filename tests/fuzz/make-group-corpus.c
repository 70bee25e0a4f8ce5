/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes the seed corpora of fuzz-group-keys, fuzz-group-message and
 * fuzz-group-control (under the directory given), made with the targets'
 * fixed keys so that they reach decryption. Run by hand:
 *   meson compile -C _build make-group-corpus
 *   _build/tests/fuzz/make-group-corpus tests/fuzz/corpus */
#include <glib.h>
#include <sodium.h>
#include <string.h>

#include "fuzz-group-fixture.h"
#include "sd-bencode.h"
#include "sd-group-control.h"
#include "sd-group-message.h"

static void
put (const gchar *dir, const gchar *target, const gchar *name, guint8 mode, const guint8 *data,
     gsize len)
{
  g_autofree gchar *sub = g_build_filename (dir, target, NULL);
  g_autofree gchar *path = g_build_filename (sub, name, NULL);
  g_autofree guint8 *buf = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (sub, 0755);
  buf[0] = mode;
  memcpy (buf + 1, data, len);
  if (!g_file_set_contents (path, (const gchar *) buf, (gssize) len + 1, &error))
    g_error ("%s", error->message);
}

static void
put_bytes (const gchar *dir, const gchar *target, const gchar *name, guint8 mode, GBytes *bytes)
{
  put (dir, target, name, mode, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

int
main (int argc, char **argv)
{
  SdGroupIdentity admin_group, member_group;
  SdIdentity admin, member, other;
  g_autoptr(SdGroupKeys) keys = NULL;
  g_autoptr(GPtrArray) with_member = g_ptr_array_new ();
  g_autoptr(GPtrArray) without = g_ptr_array_new ();
  g_autoptr(GPtrArray) newcomer = g_ptr_array_new ();
  g_autoptr(GBytes) g0 = NULL;
  g_autoptr(GBytes) g1 = NULL;
  g_autoptr(GBytes) supp = NULL;
  SdGroupKeyBytes key;
  guint8 seed[32];
  const gchar *dir;

  if (argc != 2 || sodium_init () < 0) {
    g_printerr ("usage: %s CORPUS-DIR\n", argv[0]);
    return 1;
  }
  dir = argv[1];
  fuzz_group_fixture (&admin_group, &member_group, &admin, &member);
  memset (seed, 0x33, 32);
  sd_identity_from_seed (&other, seed);

  /* Keys: a rekey for us, one without us, a supplement for us, and an
   * unsigned body for mode 0 */
  keys = sd_group_keys_new (&admin_group, &admin);
  g_ptr_array_add (with_member, admin.session_id);
  g_ptr_array_add (with_member, member.session_id);
  g_ptr_array_add (without, admin.session_id);
  g_ptr_array_add (without, other.session_id);
  g_ptr_array_add (newcomer, member.session_id);
  g0 = sd_group_keys_rekey (keys, with_member, NULL);
  g_assert (sd_group_keys_load_message (keys, "g0", g_bytes_get_data (g0, NULL),
                                        g_bytes_get_size (g0), 1000, NULL, NULL));
  g1 = sd_group_keys_rekey (keys, without, NULL);
  g_assert (sd_group_keys_load_message (keys, "g1", g_bytes_get_data (g1, NULL),
                                        g_bytes_get_size (g1), 2000, NULL, NULL));
  supp = sd_group_keys_supplement (keys, newcomer, NULL);
  put_bytes (dir, "fuzz-group-keys", "rekey-for-us", 1, g0);
  put_bytes (dir, "fuzz-group-keys", "rekey-not-for-us", 1, g1);
  put_bytes (dir, "fuzz-group-keys", "supplement", 1, supp);
  {
    gsize len;
    const guint8 *d = g_bytes_get_data (g0, &len);
    g_autofree guint8 *body = g_malloc (len);

    /* without "1:~64:" + signature, the closing "e" kept */
    memcpy (body, d, len - 71);
    body[len - 71] = 'e';
    put (dir, "fuzz-group-keys", "body-to-sign", 0, body, len - 70);
  }
  put (dir, "fuzz-group-keys", "garbage", 1, (const guint8 *) "d1:#3:abce", 10);

  /* messages under the target's second key */
  memset (key, FUZZ_KEY_BYTE, 32);
  {
    const gchar *text = "hello group";
    g_autofree gchar *big = g_strnfill (4000, 'a');
    g_autoptr(GBytes) plain = sd_group_message_encrypt (&member, key, (const guint8 *) text,
                                                        strlen (text), NULL);
    g_autoptr(GBytes) packed = sd_group_message_encrypt (&member, key, (const guint8 *) big,
                                                         strlen (big), NULL);
    GByteArray *env = g_byte_array_new ();
    guint8 sig[64];

    put_bytes (dir, "fuzz-group-message", "plain", 2, plain);
    put_bytes (dir, "fuzz-group-message", "compressed", 2, packed);
    put (dir, "fuzz-group-message", "roundtrip", 1, (const guint8 *) text, strlen (text));
    crypto_sign_ed25519_detached (sig, NULL, (const guint8 *) text, strlen (text),
                                  member.ed25519_sk);
    g_byte_array_append (env, (const guint8 *) "d0:i1e", 6);
    sd_bencode_append_bytes (env, (const guint8 *) "a", 1);
    sd_bencode_append_bytes (env, member.ed25519_pk, 32);
    sd_bencode_append_bytes (env, (const guint8 *) "d", 1);
    sd_bencode_append_bytes (env, (const guint8 *) text, strlen (text));
    sd_bencode_append_bytes (env, (const guint8 *) "s", 1);
    sd_bencode_append_bytes (env, sig, 64);
    g_byte_array_append (env, (const guint8 *) "e\0\0\0\0", 5);
    put (dir, "fuzz-group-message", "envelope", 0, env->data, env->len);
    g_byte_array_unref (env);
  }

  /* control: a real notice, a payload, a signature and its text */
  {
    g_autoptr(GPtrArray) kicked = g_ptr_array_new ();
    g_autoptr(GBytes) notice = NULL;
    g_autofree gchar *text = sd_group_control_invite_text (member.session_id, 1700000000000);
    guint8 payload[34], sig[64];
    GByteArray *sv = g_byte_array_new ();

    g_ptr_array_add (kicked, member.session_id);
    g_ptr_array_add (kicked, other.session_id);
    notice = sd_group_kick_notice_encrypt (&admin_group, kicked, 3, NULL);
    put_bytes (dir, "fuzz-group-control", "kick-notice", 2, notice);
    memcpy (payload, member.x25519_pk, 32);
    memcpy (payload + 32, "12", 2);
    put (dir, "fuzz-group-control", "payload", 0, payload, sizeof payload);
    g_assert (sd_group_control_sign (&admin_group, text, sig, NULL));
    /* one bit off: the target aborts on a signature that verifies */
    sig[0] ^= 1;
    g_byte_array_append (sv, sig, 64);
    g_byte_array_append (sv, (const guint8 *) text, (guint) strlen (text));
    put (dir, "fuzz-group-control", "invite-signature", 1, sv->data, sv->len);
    g_byte_array_unref (sv);
  }
  sd_group_identity_clear (&admin_group);
  return 0;
}
