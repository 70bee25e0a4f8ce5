/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group Keys messages: an admin's rekey read by members and non-members,
 * padding to 75, determinism across admins, rekey on removal, supplements
 * for history, expiry after 60 days, conflicting rekeys, and hostile
 * messages that must change nothing */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-config-message.h"
#include "sd-config-value.h"
#include "sd-group-keys.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* libsession tests/test_group_keys.cpp */
#define GROUP_SEED "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"
#define ADMIN_SEED "0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210"
#define ADMIN_ID "05f1e8b64bbf761edf8f7b47e3a1f369985644cce0a62adb8e21604474bdd49627"
#define MEMBER_SEED "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MEMBER_ID "05c5ba413c336f2fe1fb9a2c525f8a86a412a1db128a7841b4e0e217fa9eb7fd5e"

#define DAY_MS (24LL * 3600 * 1000)

typedef struct {
  SdGroupIdentity admin_group;
  SdGroupIdentity member_group;
  SdIdentity admin;
  SdIdentity users[4]; /* [0] is libsession's member */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  guint8 seed[32];

  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_identity_from_seed (&f->admin_group, seed, NULL));
  g_assert_true (sd_group_identity_from_id (&f->member_group, f->admin_group.id, NULL));
  sd_test_hex_into (ADMIN_SEED, seed, 32);
  sd_identity_from_seed (&f->admin, seed);
  g_assert_cmpstr (f->admin.session_id, ==, ADMIN_ID);
  sd_test_hex_into (MEMBER_SEED, seed, 32);
  sd_identity_from_seed (&f->users[0], seed);
  g_assert_cmpstr (f->users[0].session_id, ==, MEMBER_ID);
  for (guint i = 1; i < 4; i++) {
    memset (seed, 0x40 + i, 32);
    sd_identity_from_seed (&f->users[i], seed);
  }
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sd_group_identity_clear (&f->admin_group);
}

static GPtrArray *
ids_of (Fixture *f, gboolean with_admin, guint mask)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (with_admin)
    g_ptr_array_add (ids, g_strdup (f->admin.session_id));
  for (guint i = 0; i < 4; i++)
    if (mask & (1u << i))
      g_ptr_array_add (ids, g_strdup (f->users[i].session_id));
  return ids;
}

static guint
count_member_copies (GBytes *message)
{
  g_autoptr(SdConfigValue) d = sd_config_value_decode (g_bytes_get_data (message, NULL),
                                                       g_bytes_get_size (message), NULL);

  g_assert_nonnull (d);
  return sd_config_value_length (sd_config_value_dict_get (d, "k"));
}

static void
load_ok (SdGroupKeys *keys, const gchar *hash, GBytes *msg, gint64 ts, gboolean expect_found)
{
  g_autoptr(GError) error = NULL;
  gboolean found = !expect_found;

  g_assert_true (sd_group_keys_load_message (keys, hash, g_bytes_get_data (msg, NULL),
                                             g_bytes_get_size (msg), ts, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpint (found, ==, expect_found);
}

static void
test_rekey_and_read (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) member = sd_group_keys_new (&f->member_group, &f->users[0]);
  g_autoptr(SdGroupKeys) outsider = sd_group_keys_new (&f->member_group, &f->users[3]);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x3);
  g_autoptr(GBytes) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hashes = NULL;
  SdGroupKeyBytes admin_key, member_key;
  gint64 gen = -1;
  const SdGroupKeyBytes *list;
  guint n = 0;

  g_assert_true (sd_group_keys_is_admin (admin));
  g_assert_false (sd_group_keys_is_admin (member));
  g_assert_false (sd_group_keys_get_current (member, member_key, NULL));

  msg = sd_group_keys_rekey (admin, members, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  /* 3 real copies + 72 junk */
  g_assert_cmpuint (count_member_copies (msg), ==, 75);
  g_assert_true (sd_config_message_verify (g_bytes_get_data (msg, NULL), g_bytes_get_size (msg),
                                           f->admin_group.ed25519_pk, NULL));
  /* pending: used to encrypt right away */
  g_assert_true (sd_group_keys_get_current (admin, admin_key, &gen));
  g_assert_cmpint (gen, ==, 0);
  g_assert_true (sd_group_keys_get_pending_message (admin) != NULL);
  g_assert_cmpuint (sd_group_keys_get_n_keys (admin), ==, 0);

  load_ok (member, "hash-gen0", msg, 1000, TRUE);
  g_assert_true (sd_group_keys_get_current (member, member_key, &gen));
  g_assert_cmpint (gen, ==, 0);
  g_assert_cmpmem (member_key, 32, admin_key, 32);

  /* not a member: the message is fine, there is just no key for us */
  load_ok (outsider, "hash-gen0", msg, 1000, FALSE);
  g_assert_false (sd_group_keys_get_current (outsider, NULL, NULL));
  hashes = sd_group_keys_active_hashes (outsider);
  g_assert_cmpuint (hashes->len, ==, 0); /* no keys: nothing to keep alive */

  /* the admin's own message comes back: no longer pending */
  load_ok (admin, "hash-gen0", msg, 1000, TRUE);
  g_assert_null (sd_group_keys_get_pending_message (admin));
  g_assert_cmpuint (sd_group_keys_get_n_keys (admin), ==, 1);
  list = sd_group_keys_list (admin, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpmem (list[0], 32, admin_key, 32);
  g_clear_pointer (&hashes, g_ptr_array_unref);
  hashes = sd_group_keys_active_hashes (admin);
  g_assert_cmpuint (hashes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (hashes, 0), ==, "hash-gen0");

  /* a member cannot issue keys */
  g_assert_null (sd_group_keys_rekey (member, members, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
}

static void
test_padding_and_determinism (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) a1 = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) a2 = sd_group_keys_new (&f->admin_group, &f->users[1]);
  g_autoptr(GPtrArray) order1 = ids_of (f, TRUE, 0xf);
  g_autoptr(GPtrArray) order2 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) big = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) m1 = NULL;
  g_autoptr(GBytes) m2 = NULL;
  g_autoptr(GBytes) m3 = NULL;
  g_autoptr(SdGroupKeys) a3 = sd_group_keys_new (&f->admin_group, &f->admin);

  for (guint i = order1->len; i-- > 0;)
    g_ptr_array_add (order2, g_strdup (g_ptr_array_index (order1, i)));
  /* upper-case hex is the same member */
  {
    gchar *up = g_ascii_strup (g_ptr_array_index (order2, 0), -1);

    g_free (g_ptr_array_index (order2, 0));
    g_ptr_array_index (order2, 0) = up;
  }
  m1 = sd_group_keys_rekey (a1, order1, NULL);
  m2 = sd_group_keys_rekey (a2, order2, NULL);
  g_assert_nonnull (m1);
  /* two admins, the same change: the same bytes */
  g_assert_true (g_bytes_equal (m1, m2));

  for (guint i = 0; i < 76; i++) {
    SdIdentity id;
    guint8 seed[32];

    memset (seed, 0, sizeof seed);
    seed[0] = (guint8) i;
    seed[1] = 0x77;
    sd_identity_from_seed (&id, seed);
    g_ptr_array_add (big, g_strdup (id.session_id));
  }
  m3 = sd_group_keys_rekey (a3, big, NULL);
  g_assert_cmpuint (count_member_copies (m3), ==, 150);
  g_assert_cmpuint (g_bytes_get_size (m3), <=, SD_GROUP_KEYS_MAX_MESSAGE);
}

static void
test_rekey_on_removal (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) stays = sd_group_keys_new (&f->member_group, &f->users[0]);
  g_autoptr(SdGroupKeys) kicked = sd_group_keys_new (&f->member_group, &f->users[1]);
  g_autoptr(GPtrArray) before = ids_of (f, TRUE, 0x3);
  g_autoptr(GPtrArray) after = ids_of (f, TRUE, 0x1);
  g_autoptr(GBytes) g0 = NULL;
  g_autoptr(GBytes) g1 = NULL;
  SdGroupKeyBytes k0, k1, k;
  gint64 gen;
  guint n;

  g0 = sd_group_keys_rekey (admin, before, NULL);
  load_ok (admin, "h0", g0, 1000, TRUE);
  g_assert_true (sd_group_keys_get_current (admin, k0, NULL));
  g1 = sd_group_keys_rekey (admin, after, NULL);
  g_assert_true (sd_group_keys_get_current (admin, k1, &gen));
  g_assert_cmpint (gen, ==, 1);
  g_assert_cmpmem (k0, 32, k0, 32);
  g_assert_false (memcmp (k0, k1, 32) == 0);
  /* the pending key is tried first, the older one still opens old data */
  g_assert_cmpmem (sd_group_keys_list (admin, &n)[0], 32, k1, 32);
  g_assert_cmpuint (n, ==, 2);

  load_ok (stays, "h0", g0, 1000, TRUE);
  load_ok (stays, "h1", g1, 2000, TRUE);
  g_assert_true (sd_group_keys_get_current (stays, k, &gen));
  g_assert_cmpint (gen, ==, 1);
  g_assert_cmpmem (k, 32, k1, 32);

  load_ok (kicked, "h0", g0, 1000, TRUE);
  load_ok (kicked, "h1", g1, 2000, FALSE);
  g_assert_true (sd_group_keys_get_current (kicked, k, &gen));
  g_assert_cmpint (gen, ==, 0);
  g_assert_cmpmem (k, 32, k0, 32);
}

static void
test_supplement (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) newcomer = sd_group_keys_new (&f->member_group, &f->users[2]);
  g_autoptr(SdGroupKeys) other = sd_group_keys_new (&f->member_group, &f->users[3]);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x1);
  g_autoptr(GPtrArray) with_new = ids_of (f, TRUE, 0x5);
  g_autoptr(GPtrArray) newcomers = ids_of (f, FALSE, 0x4);
  g_autoptr(GBytes) g0 = NULL;
  g_autoptr(GBytes) g1 = NULL;
  g_autoptr(GBytes) supp = NULL;
  g_autoptr(GError) error = NULL;
  gint64 gen;

  /* nothing to hand over yet */
  g_assert_null (sd_group_keys_supplement (admin, newcomers, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  g0 = sd_group_keys_rekey (admin, members, NULL);
  load_ok (admin, "h0", g0, 1000, TRUE);
  g1 = sd_group_keys_rekey (admin, with_new, NULL);
  load_ok (admin, "h1", g1, 2000, TRUE);
  supp = sd_group_keys_supplement (admin, newcomers, &error);
  g_assert_no_error (error);

  /* the newcomer gets gen 1 from the rekey and gen 0 only from the supplement */
  load_ok (newcomer, "h0", g0, 1000, FALSE);
  load_ok (newcomer, "h1", g1, 2000, TRUE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (newcomer), ==, 1);
  load_ok (newcomer, "hs", supp, 3000, TRUE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (newcomer), ==, 2);
  g_assert_cmpint (sd_group_keys_get_key (newcomer, 0)->generation, ==, 0);
  /* the supplement carries the original timestamps */
  g_assert_cmpint (sd_group_keys_get_key (newcomer, 0)->timestamp_ms, ==, 1000);
  g_assert_cmpmem (sd_group_keys_get_key (newcomer, 0)->key, 32,
                   sd_group_keys_get_key (admin, 0)->key, 32);
  g_assert_true (sd_group_keys_get_current (newcomer, NULL, &gen));
  g_assert_cmpint (gen, ==, 1);
  /* not for anybody else; admins already hold everything */
  load_ok (other, "hs", supp, 3000, FALSE);
  load_ok (admin, "hs", supp, 3000, FALSE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (admin), ==, 2);
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) member = sd_group_keys_new (&f->member_group, &f->users[0]);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x1);
  g_autoptr(GPtrArray) hashes = NULL;
  GBytes *msgs[3];
  g_autoptr(SdGroupKeys) edge = sd_group_keys_new (&f->member_group, &f->users[0]);
  gint64 ts[3] = { 0, DAY_MS, DAY_MS + SD_GROUP_KEY_EXPIRY_MS + 1 };

  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *hash = g_strdup_printf ("h%u", i);

    msgs[i] = sd_group_keys_rekey (admin, members, NULL);
    load_ok (admin, hash, msgs[i], ts[i] + 1, TRUE);
  }
  /* gen 0 goes once its successor has existed for more than 60 days (on
   * the swarm's clock: the newest key's timestamp) */
  load_ok (edge, "h0", msgs[0], ts[0], TRUE);
  load_ok (edge, "h1", msgs[1], ts[1], TRUE);
  load_ok (edge, "h2", msgs[2], ts[2] - 1, TRUE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (edge), ==, 3);
  load_ok (member, "h0", msgs[0], ts[0], TRUE);
  load_ok (member, "h1", msgs[1], ts[1], TRUE);
  load_ok (member, "h2", msgs[2], ts[2], TRUE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (member), ==, 2);
  g_assert_cmpint (sd_group_keys_get_key (member, 0)->generation, ==, 1);
  hashes = sd_group_keys_active_hashes (member);
  g_assert_cmpuint (hashes->len, ==, 2);
  /* an old generation arriving late is not taken back */
  load_ok (member, "h0", msgs[0], ts[0], TRUE);
  g_assert_cmpuint (sd_group_keys_get_n_keys (member), ==, 2);
  for (guint i = 0; i < 3; i++)
    g_bytes_unref (msgs[i]);
}

static void
test_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) a1 = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) a2 = sd_group_keys_new (&f->admin_group, &f->users[1]);
  g_autoptr(GPtrArray) m1 = ids_of (f, TRUE, 0x1);
  g_autoptr(GPtrArray) m2 = ids_of (f, TRUE, 0x3);
  g_autoptr(GBytes) x = sd_group_keys_rekey (a1, m1, NULL);
  g_autoptr(GBytes) y = sd_group_keys_rekey (a2, m2, NULL);

  g_assert_false (g_bytes_equal (x, y));
  load_ok (a1, "x", x, 1000, TRUE);
  g_assert_false (sd_group_keys_needs_rekey (a1));
  load_ok (a1, "y", y, 1001, TRUE);
  /* two keys of generation 0: rekey to settle it */
  g_assert_true (sd_group_keys_needs_rekey (a1));
}

/* a message signed by the group whose layout is wrong */
static GBytes *
signed_bytes (Fixture *f, const gchar *prefix, guint n_copies, gsize copy_len)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GBytes) body = NULL;
  guint8 copy[64] = { 0 };

  g_byte_array_append (out, (const guint8 *) prefix, (guint) strlen (prefix));
  g_byte_array_append (out, (const guint8 *) "l", 1);
  for (guint i = 0; i < n_copies; i++) {
    g_autofree gchar *len = g_strdup_printf ("%" G_GSIZE_FORMAT ":", copy_len);

    g_byte_array_append (out, (const guint8 *) len, (guint) strlen (len));
    g_byte_array_append (out, copy, (guint) copy_len);
  }
  g_byte_array_append (out, (const guint8 *) "ee", 2);
  body = g_byte_array_free_to_bytes (out);
  return sd_config_message_sign (body, f->admin_group.ed25519_sk);
}

static void
expect_refused (SdGroupKeys *keys, GBytes *msg, gint code)
{
  g_autoptr(GError) error = NULL;
  guint before = sd_group_keys_get_n_keys (keys);

  g_assert_false (sd_group_keys_load_message (keys, "bad", g_bytes_get_data (msg, NULL),
                                              g_bytes_get_size (msg), 5000, NULL, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
  g_assert_cmpuint (sd_group_keys_get_n_keys (keys), ==, before);
}

#define HEAD "d1:#24:000000000000000000000000" "1:Gi7e" "1:K48:" \
  "000000000000000000000000000000000000000000000000" "1:k"

static void
test_hostile (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) member = sd_group_keys_new (&f->member_group, &f->users[0]);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x1);
  g_autoptr(GBytes) good = sd_group_keys_rekey (admin, members, NULL);
  g_autoptr(GBytes) flipped = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autofree guint8 *huge = NULL;
  GByteArray *copy;
  SdGroupIdentity stranger;
  guint8 seed[32];

  load_ok (member, "h0", good, 1000, TRUE);

  /* one changed byte: the signature no longer holds */
  copy = g_byte_array_new ();
  g_byte_array_append (copy, g_bytes_get_data (good, NULL), (guint) g_bytes_get_size (good));
  copy->data[40] ^= 1;
  flipped = g_byte_array_free_to_bytes (copy);
  expect_refused (member, flipped, SD_PROTOCOL_ERROR_SIGNATURE);

  /* signed by somebody else */
  memset (seed, 9, 32);
  g_assert_true (sd_group_identity_from_seed (&stranger, seed, NULL));
  {
    g_autoptr(SdGroupKeys) fake_admin = sd_group_keys_new (&stranger, &f->admin);
    g_autoptr(GBytes) forged = sd_group_keys_rekey (fake_admin, members, NULL);

    expect_refused (member, forged, SD_PROTOCOL_ERROR_SIGNATURE);
  }
  sd_group_identity_clear (&stranger);

  /* signed, but 74 copies (not padded), or a copy of the wrong size */
  b = signed_bytes (f, HEAD, 74, 48);
  expect_refused (member, b, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&b, g_bytes_unref);
  b = signed_bytes (f, HEAD, 75, 47);
  expect_refused (member, b, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&b, g_bytes_unref);
  /* an empty list is fine (no members but admins) */
  b = signed_bytes (f, HEAD, 0, 48);
  {
    gboolean found = TRUE;

    g_assert_true (sd_group_keys_load_message (member, "empty", g_bytes_get_data (b, NULL),
                                               g_bytes_get_size (b), 1000, &found, NULL));
    g_assert_false (found);
  }
  g_clear_pointer (&b, g_bytes_unref);
  /* a negative generation; no nonce */
  b = signed_bytes (f, "d1:#24:0000000000000000000000001:Gi-1e1:K48:"
                       "0000000000000000000000000000000000000000000000001:k", 0, 48);
  expect_refused (member, b, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&b, g_bytes_unref);
  b = signed_bytes (f, "d1:Gi1e1:K48:0000000000000000000000000000000000000000000000001:k", 0, 48);
  expect_refused (member, b, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&b, g_bytes_unref);
  /* the admin copy must open for an admin */
  b = signed_bytes (f, HEAD, 75, 48);
  expect_refused (admin, b, SD_PROTOCOL_ERROR_DECRYPT);
  g_clear_pointer (&b, g_bytes_unref);
  /* a supplement with a short copy */
  b = signed_bytes (f, "d1:#24:0000000000000000000000001:+", 1, 20);
  expect_refused (member, b, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&b, g_bytes_unref);
  /* too big to be a stored item */
  huge = g_malloc0 (SD_GROUP_KEYS_MAX_MESSAGE + 1);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (sd_group_keys_load_message (member, "x", huge, SD_GROUP_KEYS_MAX_MESSAGE + 1,
                                                1000, NULL, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
    g_clear_error (&error);
    g_assert_false (sd_group_keys_load_message (member, "x", g_bytes_get_data (good, NULL),
                                                g_bytes_get_size (good), -5, NULL, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  }
  g_assert_cmpuint (sd_group_keys_get_n_keys (member), ==, 1);
}

static void
test_dump (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) restored = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x1);
  g_autoptr(GBytes) g0 = sd_group_keys_rekey (admin, members, NULL);
  g_autoptr(GBytes) g1 = NULL;
  g_autoptr(GBytes) dump = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GError) error = NULL;
  SdGroupKeyBytes a, b;
  gint64 gen;
  gsize len;
  const guint8 *d;

  load_ok (admin, "h0", g0, 1000, TRUE);
  g1 = sd_group_keys_rekey (admin, members, NULL);
  dump = sd_group_keys_dump (admin);
  g_assert_true (sd_group_keys_load_dump (restored, g_bytes_get_data (dump, NULL),
                                          g_bytes_get_size (dump), &error));
  g_assert_no_error (error);
  /* the same state: keys, pending rekey, hashes */
  again = sd_group_keys_dump (restored);
  g_assert_true (g_bytes_equal (dump, again));
  g_assert_true (sd_group_keys_get_current (restored, a, &gen));
  g_assert_cmpint (gen, ==, 1);
  g_assert_true (sd_group_keys_get_current (admin, b, NULL));
  g_assert_cmpmem (a, 32, b, 32);
  g_assert_true (g_bytes_equal (sd_group_keys_get_pending_message (restored), g1));
  hashes = sd_group_keys_active_hashes (restored);
  g_assert_cmpuint (hashes->len, ==, 1);

  /* a damaged dump changes nothing */
  d = g_bytes_get_data (dump, &len);
  for (gsize cut = 0; cut < len; cut += 7) {
    g_assert_false (sd_group_keys_load_dump (restored, d, cut, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_false (sd_group_keys_load_dump (restored, (const guint8 *) "d1:Ale1:Lld1:gi-1eeee", 21,
                                           &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_pointer (&again, g_bytes_unref);
  again = sd_group_keys_dump (restored);
  g_assert_true (g_bytes_equal (dump, again));
}

static void
test_promote (Fixture *f, gconstpointer data)
{
  g_autoptr(SdGroupKeys) admin = sd_group_keys_new (&f->admin_group, &f->admin);
  g_autoptr(SdGroupKeys) member = sd_group_keys_new (&f->member_group, &f->users[0]);
  g_autoptr(GPtrArray) members = ids_of (f, TRUE, 0x1);
  g_autoptr(GBytes) g0 = sd_group_keys_rekey (admin, members, NULL);
  g_autoptr(GBytes) g1 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 seed[32];
  gint64 gen;

  load_ok (member, "h0", g0, 1000, TRUE);
  memset (seed, 1, 32);
  g_assert_false (sd_group_keys_promote (member, seed, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (sd_group_keys_is_admin (member));
  sd_test_hex_into (GROUP_SEED, seed, 32);
  g_assert_true (sd_group_keys_promote (member, seed, &error));
  g_assert_true (sd_group_keys_is_admin (member));
  /* the new admin continues the generations */
  g1 = sd_group_keys_rekey (member, members, &error);
  g_assert_no_error (error);
  g_assert_true (sd_group_keys_get_current (member, NULL, &gen));
  g_assert_cmpint (gen, ==, 1);
  load_ok (admin, "h1", g1, 2000, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/group-keys/rekey-and-read", test_rekey_and_read);
  ADD ("/group-keys/padding-and-determinism", test_padding_and_determinism);
  ADD ("/group-keys/rekey-on-removal", test_rekey_on_removal);
  ADD ("/group-keys/supplement", test_supplement);
  ADD ("/group-keys/expiry", test_expiry);
  ADD ("/group-keys/conflict", test_conflict);
  ADD ("/group-keys/hostile", test_hostile);
  ADD ("/group-keys/dump", test_dump);
  ADD ("/group-keys/promote", test_promote);
  return g_test_run ();
}
