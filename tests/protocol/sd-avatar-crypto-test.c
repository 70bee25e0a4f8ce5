/* SPDX-License-Identifier: GPL-3.0-or-later */
/* avatar blobs: legacy AES-256-GCM with the profile key, deterministic */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-avatar-crypto.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* GCM spec test case 15 as an avatar blob: IV || ciphertext || tag */
#define K15  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define IV15 "cafebabefacedbaddecaf888"
#define P15  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
             "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define C15  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad" \
             "b094dac5d93471bdec1a502270e3cc6c"

static void
test_legacy_vector (void)
{
  g_autoptr(GBytes) pt = sd_test_hex (P15);
  g_autoptr(GBytes) blob = NULL, back = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[32], iv[12];

  sd_test_hex_into (K15, key, 32);
  sd_test_hex_into (IV15, iv, 12);
  blob = sd_avatar_legacy_encrypt_with_iv (key, iv, g_bytes_get_data (pt, NULL),
                                           g_bytes_get_size (pt), &error);
  g_assert_no_error (error);
  sd_test_assert_hex (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), IV15 C15);

  back = sd_avatar_legacy_decrypt (key, 32, g_bytes_get_data (blob, NULL),
                                   g_bytes_get_size (blob), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, pt));
}

static void
assert_legacy_fails (const guint8 *key, gsize key_len, const guint8 *blob, gsize len, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_avatar_legacy_decrypt (key, key_len, blob, len, &error);

  g_assert_null (plain);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

static void
test_legacy_hostile (void)
{
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  guint8 key[32], other[32];
  const guint8 *b;
  gsize len;

  randombytes_buf (key, 32);
  memcpy (other, key, 32);
  other[0] ^= 1;
  blob = sd_avatar_legacy_encrypt (key, (const guint8 *) "\x89PNG fake image", 15, &error);
  g_assert_no_error (error);
  b = g_bytes_get_data (blob, &len);
  g_assert_cmpuint (len, ==, 12 + 15 + 16);

  assert_legacy_fails (other, 32, b, len, SD_PROTOCOL_ERROR_DECRYPT);
  assert_legacy_fails (key, 16, b, len, SD_PROTOCOL_ERROR_MALFORMED);
  assert_legacy_fails (key, 32, b, 27, SD_PROTOCOL_ERROR_TRUNCATED);
  assert_legacy_fails (key, 32, b, len - 1, SD_PROTOCOL_ERROR_DECRYPT);
  copy = g_memdup2 (b, len);
  copy[3] ^= 1; /* the IV */
  assert_legacy_fails (key, 32, copy, len, SD_PROTOCOL_ERROR_DECRYPT);

  /* an empty image still carries IV and tag */
  {
    g_autoptr(GBytes) empty = sd_avatar_legacy_encrypt (key, NULL, 0, &error);
    g_autoptr(GBytes) back = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (empty), ==, 28);
    back = sd_avatar_legacy_decrypt (key, 32, g_bytes_get_data (empty, NULL), 28, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (back), ==, 0);
  }

  /* oversize blob refused before decrypting */
  {
    gsize huge_len = 12 + SD_AVATAR_MAX_SIZE + 16 + 1;
    g_autofree guint8 *huge = g_malloc0 (huge_len);

    assert_legacy_fails (key, 32, huge, huge_len, SD_PROTOCOL_ERROR_TOO_LARGE);
  }
}

/* derived value (see sd-attachment-crypto-test.c): 100 bytes of i*7 mod
 * 256 under libsession's test seed, profile-picture domain */
static void
test_det (void)
{
  guint8 seed[32], key[32], digest[32];
  guint8 data[100];
  g_autoptr(GBytes) blob = NULL, back = NULL;
  g_autoptr(GError) error = NULL;

  sd_test_hex_into ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", seed, 32);
  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 % 256);
  blob = sd_avatar_det_encrypt (seed, data, sizeof data, key, &error);
  g_assert_no_error (error);
  sd_test_assert_hex (key, 32, "09d26213504543523bcdf5c65d4071866e0ba9ee0f164808b271ce399a11171b");
  crypto_hash_sha256 (digest, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  sd_test_assert_hex (digest, 32,
                      "3bb2e0ae495c1ee06e9735bfd9d0cde05ee6fc7ffad9f428dfd4cccea0bb336b");
  back = sd_avatar_det_decrypt (key, 32, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, sizeof data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/avatar/legacy/vector", test_legacy_vector);
  g_test_add_func ("/avatar/legacy/hostile", test_legacy_hostile);
  g_test_add_func ("/avatar/det", test_det);
  return g_test_run ();
}
