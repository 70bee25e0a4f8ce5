/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-keys.h"
#include "sd-swarm.h"
#include "sd-test-util.h"

/* protocol-network.md §9.4 */
static const struct {
  const gchar *id;
  guint64 space;
} space_vectors[] = {
  { "053506f4a71324b7dd114eddbf4e311f39dde243e1f2cb97c40db1961f70ebaae8", 17589930838143112648ULL },
  { "05cf27da303a50ac8c4b2d43d27259505c9bcd73fc21cf2a57902c3d050730b604", 10370619079776428163ULL },
  { "03d3511706b8b34f6e8411bf07bd22ba6b2435ca56846fbccf6eb1e166a6cd15cc", 2144983569669512198ULL },
  { "ff0f06693428fca9102a451e3f28d9cc743d8ea60a89ab6aa69eb119470c11cbd3", 9690840703409570833ULL },
  { "05ffba630924aa1224bb930dde21c0d11bf004608f2812217f8ac812d6c7e3ad48", 4532060000165252872ULL },
  { "05eeeeeeeeeeeeeeee777777777777777711111111111111118888888888888888", 0 },
  { "050123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0 },
  { "05fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", 1 },
  { "05ffffffffffffffffffffffffffffffffffffffffffffffff7fffffffffffffff", 9223372036854775808ULL },
  { "05000000000000000000000000000000000000000000000000ffffffffffffffff", 18446744073709551615ULL },
  { "050000000000000000000000000000000000000000000000000123456789abcdef", 0x0123456789abcdefULL },
};

static void
test_space (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (space_vectors); i++) {
    guint8 account[33];
    g_autoptr(GError) error = NULL;

    g_assert_true (sd_account_id_parse (space_vectors[i].id, account, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (sd_swarm_space (account + 1), ==, space_vectors[i].space);
  }
}

static guint64
choose_for (guint64 tail, const guint64 *ids, gsize n)
{
  guint8 key[32] = { 0 };

  /* key bytes are zero but for the last 8, which hold @tail big-endian */
  for (guint i = 0; i < 8; i++)
    key[24 + i] = (guint8) (tail >> (56 - 8 * i));
  return sd_swarm_choose (sd_swarm_space (key), ids, n);
}

static void
test_choose (void)
{
  /* deliberately unsorted: the function sorts nothing and must not care */
  guint64 ids[9] = { 300, 100, 694, 200, 399, 596, 498 };
  const struct { guint64 tail, expect; } table[] = {
    { 0x64, 100 }, { 0xc8, 200 }, { 0x1f2, 498 }, { 0x00, 100 }, { 0x01, 100 },
    { 0x8000000000000000ULL, 694 }, { 0xa000000000000000ULL, 100 },
    { 0xffffffffffffffffULL, 100 }, { 0xfffffffffffffffeULL, 100 },
    { 0x95, 100 }, { 0x96, 100 }, { 0x97, 200 }, { 0xf9, 200 }, { 0xfa, 200 },
    { 0xfb, 300 }, { 0x15d, 300 }, { 0x15e, 399 }, { 0x1c0, 399 }, { 0x1c1, 498 },
    { 0x222, 498 }, { 0x223, 498 }, { 0x224, 596 }, { 0x285, 596 }, { 0x286, 694 },
    { 0x800000000000018cULL, 694 }, { 0x800000000000018dULL, 694 },
    { 0x800000000000018eULL, 100 },
  };
  const guint64 top = G_MAXUINT64 - 19; /* 2^64 - 20 */

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpuint (choose_for (table[i].tail, ids, 7), ==, table[i].expect);

  ids[7] = top;
  g_assert_cmpuint (choose_for (0x27, ids, 8), ==, top);
  g_assert_cmpuint (choose_for (0x28, ids, 8), ==, top);
  g_assert_cmpuint (choose_for (0x29, ids, 8), ==, 100);

  ids[8] = 0;
  g_assert_cmpuint (choose_for (0xffffffffffffffffULL, ids, 9), ==, 0);
  g_assert_cmpuint (choose_for (0xfffffffffffffffeULL, ids, 9), ==, 0);
}

static void
test_single_swarm (void)
{
  const guint64 only = 12345;

  g_assert_cmpuint (sd_swarm_choose (0, &only, 1), ==, only);
  g_assert_cmpuint (sd_swarm_choose (G_MAXUINT64, &only, 1), ==, only);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/swarm/space", test_space);
  g_test_add_func ("/protocol/swarm/choose", test_choose);
  g_test_add_func ("/protocol/swarm/single", test_single_swarm);
  return g_test_run ();
}
