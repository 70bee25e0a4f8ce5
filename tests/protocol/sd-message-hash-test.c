/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-keys.h"
#include "sd-message-hash.h"
#include "sd-swarm.h"
#include "sd-test-util.h"

/* protocol-network.md §9.5 */
#define SEED "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void
test_vectors (void)
{
  const struct { gint ns; const gchar *hash; } vectors[] = {
    { 0, "SHpOiupvBW6BNdF6fHuYrA4JxSEBflu9BHSDSNj2+eY" },
    { 2, "R8QP6UvioOvFBwo74i9zGhqZ++URCA+NcjlNQflzLSk" },
    { -10, "8oADur6v0eBx3EWPkj/F1SFPl3NgfZCRzOtTRXhQdw8" },
    { 11, "/lIf4iQbBYKbBoqX1qYVc2EoRXOZYL5zAdmJmccENho" },
  };
  guint8 seed[32], account[33];
  SdIdentity id;

  sd_test_hex_into (SEED, seed, sizeof seed);
  sd_identity_from_seed (&id, seed);
  sd_test_assert_hex (id.ed25519_pk, 32,
                      "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  g_assert_cmpstr (id.session_id, ==,
                   "054701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01");
  account[0] = 0x05;
  memcpy (account + 1, id.x25519_pk, 32);
  g_assert_cmpuint (sd_swarm_space (id.x25519_pk), ==, 308072453193212310ULL);

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++) {
    g_autofree gchar *hash = sd_message_hash (account, vectors[i].ns,
                                              (const guint8 *) "abc 123", 7);

    g_assert_cmpuint (strlen (hash), ==, SD_MESSAGE_HASH_LEN);
    g_assert_cmpstr (hash, ==, vectors[i].hash);
  }
}

static void
test_namespace_text (void)
{
  g_autofree gchar *zero = sd_namespace_text (0);
  g_autofree gchar *neg = sd_namespace_text (-10);
  g_autofree gchar *pos = sd_namespace_text (32767);

  g_assert_cmpstr (zero, ==, "");
  g_assert_cmpstr (neg, ==, "-10");
  g_assert_cmpstr (pos, ==, "32767");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/message-hash/vectors", test_vectors);
  g_test_add_func ("/protocol/message-hash/namespace-text", test_namespace_text);
  return g_test_run ();
}
