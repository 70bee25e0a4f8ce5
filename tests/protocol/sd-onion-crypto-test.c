/* SPDX-License-Identifier: GPL-3.0-or-later */
/* onion hop encryption against protocol-network.md §9.1 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-onion-crypto.h"
#include "sd-protocol-error.h"

/* §9.1, libsession-util test "Onion request encryption" */
#define V_A "bbdfc83022d0aff084a6f0c529a93d1c4d728bf7e41199afed0e01ae70d20540"
#define V_a "ccc335912da8939e2b44816728a5a4773063efa82bf7ae2d42a0abfa2caa452d"
#define V_B "caea52c5b0c316d85ffb53ea536826618b13dee40685f166f632653114526a78"
#define V_b "8fcd8ad3a15c76f76f1c56dff0c529999f8c59b4acda79e05666e54d5727dca1"
#define V_ENC_GCM "1eb6ae1cd72f60999486365749bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b61"
#define V_ENC_GCM_BROKEN1 "1eb6ae1cd72f60999486365759bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b61"
#define V_ENC_GCM_BROKEN2 "1eb6ae1cd72f60999486365749bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b69"
#define V_ENC_XC "9e1a3abe60eff3ea5c23556cc7e225b6f94355315f7281f66ecf4dbb06e7899a52b863e03cde3b287d1638d765db75de02b032"
#define V_ENC_XC_BROKEN1 "9e1a3abe60eff3ea5c23556cc7e225b6f94355315f7281f66ecf4dbb06e7899a52b863e03cde3b287d1638d765db75de02b033"
#define V_ENC_XC_BROKEN2 "9e1a3abe60eff3ea5c23556ccfe225b6f94355315f7281f66ecf4dbb06e7899a52b863e03cde3b287d1638d765db75de02b032"
#define V_KEY_GCM "4f310f62c43f14d7fea7c084819a4e394d9fc7005919275ac18d9eb8bf3e4231"
#define V_KEY_XC "37a3af90eb276c0b4069998e97edf956b6933bd3c77d330a072cdf274e757ab5"

/* test-local hex helpers, so these tests do not depend on sd-encoding */
static GBytes *
hex_bytes (const gchar *hex)
{
  gsize len = strlen (hex) / 2;
  guint8 *out = g_malloc (len + 1);
  size_t bin_len = 0;

  g_assert_cmpint (sodium_hex2bin (out, len, hex, strlen (hex), NULL, &bin_len, NULL), ==, 0);
  g_assert_cmpuint (bin_len, ==, len);
  return g_bytes_new_take (out, len);
}

static void
hex_key (const gchar *hex, guint8 out[32])
{
  g_autoptr(GBytes) b = hex_bytes (hex);

  g_assert_cmpuint (g_bytes_get_size (b), ==, 32);
  memcpy (out, g_bytes_get_data (b, NULL), 32);
}

static gchar *
to_hex (const guint8 *data, gsize len)
{
  gchar *out = g_malloc (len * 2 + 1);

  sodium_bin2hex (out, len * 2 + 1, data, len);
  return out;
}

typedef struct {
  guint8 a[32], A[32], b[32], B[32];
} Keys;

static void
load_keys (Keys *k)
{
  hex_key (V_a, k->a);
  hex_key (V_A, k->A);
  hex_key (V_b, k->b);
  hex_key (V_B, k->B);
}

static void
test_cipher_names (void)
{
  struct {
    const gchar *name;
    SdOnionCipher cipher;
  } good[] = {
    { "aes-gcm", SD_ONION_CIPHER_AES_GCM },
    { "gcm", SD_ONION_CIPHER_AES_GCM },
    { "xchacha20", SD_ONION_CIPHER_XCHACHA20 },
    { "xchacha20-poly1305", SD_ONION_CIPHER_XCHACHA20 },
    { NULL, SD_ONION_CIPHER_AES_GCM }, /* absent enc_type */
  };
  const gchar *bad[] = { "", "aes-cbc", "cbc", "AES-GCM", "xchacha", "gcm ", "chacha20" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr(GError) error = NULL;
    SdOnionCipher cipher = 99;

    g_assert_true (sd_onion_cipher_from_string (good[i].name, &cipher, &error));
    g_assert_no_error (error);
    g_assert_cmpint (cipher, ==, good[i].cipher);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr(GError) error = NULL;
    SdOnionCipher cipher;

    g_assert_false (sd_onion_cipher_from_string (bad[i], &cipher, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  g_assert_cmpstr (sd_onion_cipher_to_string (SD_ONION_CIPHER_AES_GCM), ==, "aes-gcm");
  g_assert_cmpstr (sd_onion_cipher_to_string (SD_ONION_CIPHER_XCHACHA20), ==, "xchacha20");
}

static void
test_vector_keys (void)
{
  Keys k;
  guint8 pub[32];

  load_keys (&k);
  /* A = X25519 base(a), B = base(b) */
  g_assert_cmpint (crypto_scalarmult_base (pub, k.a), ==, 0);
  g_assert_cmpmem (pub, 32, k.A, 32);
  g_assert_cmpint (crypto_scalarmult_base (pub, k.b), ==, 0);
  g_assert_cmpmem (pub, 32, k.B, 32);
}

static void
check_layer_key (SdOnionCipher cipher, const gchar *expected)
{
  Keys k;
  guint8 client_key[SD_ONION_KEY_LEN];
  guint8 node_key[SD_ONION_KEY_LEN];
  g_autofree gchar *client_hex = NULL;
  g_autofree gchar *node_hex = NULL;

  load_keys (&k);
  g_assert_true (sd_onion_key_client (cipher, k.a, k.A, k.B, client_key));
  g_assert_true (sd_onion_key_node (cipher, k.b, k.B, k.A, node_key));
  client_hex = to_hex (client_key, sizeof client_key);
  node_hex = to_hex (node_key, sizeof node_key);
  g_assert_cmpstr (client_hex, ==, expected);
  g_assert_cmpstr (node_hex, ==, expected);
}

static void
test_layer_key_gcm (void)
{
  check_layer_key (SD_ONION_CIPHER_AES_GCM, V_KEY_GCM);
}

static void
test_layer_key_xchacha (void)
{
  check_layer_key (SD_ONION_CIPHER_XCHACHA20, V_KEY_XC);
}

/* the xchacha20 key hashes client pub first; swapping must change it */
static void
test_key_order_matters (void)
{
  Keys k;
  guint8 right[SD_ONION_KEY_LEN];
  guint8 swapped[SD_ONION_KEY_LEN];

  load_keys (&k);
  g_assert_true (sd_onion_key_node (SD_ONION_CIPHER_XCHACHA20, k.b, k.B, k.A, right));
  /* a node that wrongly put its own key first */
  g_assert_true (sd_onion_key_client (SD_ONION_CIPHER_XCHACHA20, k.b, k.B, k.A, swapped));
  g_assert_true (memcmp (right, swapped, 32) != 0);
}

/* a low-order point gives an all-zero shared secret: refuse it */
static void
test_degenerate_key (void)
{
  Keys k;
  guint8 zero[32] = { 0 };
  guint8 key[SD_ONION_KEY_LEN];

  load_keys (&k);
  g_assert_false (sd_onion_key_client (SD_ONION_CIPHER_AES_GCM, k.a, k.A, zero, key));
  g_assert_false (sd_onion_key_node (SD_ONION_CIPHER_XCHACHA20, k.b, k.B, zero, key));
}

/* @expected_error is -1 for a ciphertext that must decrypt */
static void
check_vector (SdOnionCipher cipher, const gchar *hex, gint expected_error)
{
  Keys k;
  guint8 key[SD_ONION_KEY_LEN];
  g_autoptr(GBytes) ct = hex_bytes (hex);
  g_autoptr(GBytes) pt = NULL;
  g_autoptr(GError) error = NULL;

  load_keys (&k);
  /* node side (b, B) decrypting with peer A */
  g_assert_true (sd_onion_key_node (cipher, k.b, k.B, k.A, key));
  pt = sd_onion_decrypt (cipher, key, g_bytes_get_data (ct, NULL), g_bytes_get_size (ct), &error);
  if (expected_error < 0) {
    g_assert_no_error (error);
    g_assert_nonnull (pt);
    g_assert_cmpmem (g_bytes_get_data (pt, NULL), g_bytes_get_size (pt), "Hello world", 11);
  } else {
    g_assert_error (error, SD_PROTOCOL_ERROR, expected_error);
    g_assert_null (pt);
  }
}

static void
test_vector_gcm (void)
{
  check_vector (SD_ONION_CIPHER_AES_GCM, V_ENC_GCM, -1);
}

static void
test_vector_gcm_broken (void)
{
  check_vector (SD_ONION_CIPHER_AES_GCM, V_ENC_GCM_BROKEN1, SD_PROTOCOL_ERROR_DECRYPT);
  check_vector (SD_ONION_CIPHER_AES_GCM, V_ENC_GCM_BROKEN2, SD_PROTOCOL_ERROR_DECRYPT);
}

static void
test_vector_xchacha (void)
{
  check_vector (SD_ONION_CIPHER_XCHACHA20, V_ENC_XC, -1);
}

static void
test_vector_xchacha_broken (void)
{
  check_vector (SD_ONION_CIPHER_XCHACHA20, V_ENC_XC_BROKEN1, SD_PROTOCOL_ERROR_DECRYPT);
  check_vector (SD_ONION_CIPHER_XCHACHA20, V_ENC_XC_BROKEN2, SD_PROTOCOL_ERROR_DECRYPT);
}

/* the right ciphertext under the other cipher must not decrypt */
static void
test_vector_wrong_cipher (void)
{
  /* the 39-byte gcm vector is shorter than xchacha20's nonce + tag */
  check_vector (SD_ONION_CIPHER_XCHACHA20, V_ENC_GCM, SD_PROTOCOL_ERROR_TRUNCATED);
  check_vector (SD_ONION_CIPHER_AES_GCM, V_ENC_XC, SD_PROTOCOL_ERROR_DECRYPT);
}

static void
check_round_trip (SdOnionCipher cipher, gsize overhead)
{
  Keys k;
  guint8 ckey[SD_ONION_KEY_LEN];
  guint8 nkey[SD_ONION_KEY_LEN];
  const gsize sizes[] = { 0, 1, 19, 1000, 70000 };

  load_keys (&k);
  g_assert_true (sd_onion_key_client (cipher, k.a, k.A, k.B, ckey));
  g_assert_true (sd_onion_key_node (cipher, k.b, k.B, k.A, nkey));

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autofree guint8 *plain = g_malloc (sizes[i] + 1);
    g_autoptr(GBytes) ct1 = NULL;
    g_autoptr(GBytes) ct2 = NULL;
    g_autoptr(GBytes) back = NULL;
    g_autoptr(GBytes) reply = NULL;
    g_autoptr(GBytes) reply_back = NULL;
    g_autoptr(GError) error = NULL;

    randombytes_buf (plain, sizes[i]);
    ct1 = sd_onion_encrypt (cipher, ckey, plain, sizes[i], &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (ct1), ==, sizes[i] + overhead);
    /* a random nonce each time */
    ct2 = sd_onion_encrypt (cipher, ckey, plain, sizes[i], &error);
    g_assert_no_error (error);
    g_assert_false (g_bytes_equal (ct1, ct2));

    back = sd_onion_decrypt (cipher, nkey, g_bytes_get_data (ct1, NULL),
                             g_bytes_get_size (ct1), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), plain, sizes[i]);

    /* replies use the same key, node to client */
    reply = sd_onion_encrypt (cipher, nkey, plain, sizes[i], &error);
    g_assert_no_error (error);
    reply_back = sd_onion_decrypt (cipher, ckey, g_bytes_get_data (reply, NULL),
                                   g_bytes_get_size (reply), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (reply_back, NULL), g_bytes_get_size (reply_back),
                     plain, sizes[i]);
  }
}

static void
test_round_trip_gcm (void)
{
  /* 12-byte IV + 16-byte tag, §9.3 "gcm +28" */
  check_round_trip (SD_ONION_CIPHER_AES_GCM, 28);
}

static void
test_round_trip_xchacha (void)
{
  /* 24-byte nonce + 16-byte tag, §9.3 "xchacha +40" */
  check_round_trip (SD_ONION_CIPHER_XCHACHA20, 40);
}

static void
check_truncated (SdOnionCipher cipher, const gchar *vector, gsize min_len)
{
  Keys k;
  guint8 key[SD_ONION_KEY_LEN];
  g_autoptr(GBytes) ct = hex_bytes (vector);
  const guint8 *data = g_bytes_get_data (ct, NULL);

  load_keys (&k);
  g_assert_true (sd_onion_key_node (cipher, k.b, k.B, k.A, key));

  /* shorter than nonce + tag: truncated; a valid prefix longer than that
   * fails authentication */
  for (gsize len = 0; len < g_bytes_get_size (ct); len++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) pt = sd_onion_decrypt (cipher, key, len > 0 ? data : NULL, len, &error);

    g_assert_null (pt);
    if (len < min_len)
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
    else
      g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  }
}

static void
test_truncated_gcm (void)
{
  check_truncated (SD_ONION_CIPHER_AES_GCM, V_ENC_GCM, 28);
}

static void
test_truncated_xchacha (void)
{
  check_truncated (SD_ONION_CIPHER_XCHACHA20, V_ENC_XC, 40);
}

/* the empty plaintext is legal: exactly nonce + tag */
static void
test_empty_plaintext (void)
{
  const SdOnionCipher ciphers[] = { SD_ONION_CIPHER_AES_GCM, SD_ONION_CIPHER_XCHACHA20 };
  guint8 key[SD_ONION_KEY_LEN];

  randombytes_buf (key, sizeof key);
  for (gsize i = 0; i < G_N_ELEMENTS (ciphers); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) ct = sd_onion_encrypt (ciphers[i], key, NULL, 0, &error);
    g_autoptr(GBytes) pt = NULL;

    g_assert_no_error (error);
    pt = sd_onion_decrypt (ciphers[i], key, g_bytes_get_data (ct, NULL), g_bytes_get_size (ct),
                           &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (pt), ==, 0);
  }
}

/* only reachable on CPUs without AES-NI */
static void
test_gcm_unsupported (void)
{
  guint8 key[SD_ONION_KEY_LEN] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ct = sd_onion_encrypt (SD_ONION_CIPHER_AES_GCM, key,
                                           (const guint8 *) "x", 1, &error);

  g_assert_null (ct);
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED);
}

/* the in-place forms give what the copying ones give, both ways, and refuse what they refuse;
 * aes-gcm through libsodium (with AES-NI) and through nettle */
static void
check_in_place (SdOnionCipher cipher)
{
  const gsize sizes[] = { 0, 1, 15, 16, 17, 1000, 70000, (1 << 20) + 3 };
  guint8 key[SD_ONION_KEY_LEN];
  gsize nonce_len, tag_len;

  sd_onion_cipher_overhead (cipher, &nonce_len, &tag_len);
  g_assert_cmpuint (nonce_len, ==, cipher == SD_ONION_CIPHER_AES_GCM ? 12 : 24);
  g_assert_cmpuint (tag_len, ==, 16);
  randombytes_buf (key, sizeof key);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gsize len = sizes[i], total = nonce_len + len + tag_len, off = 0, plen = 0;
    g_autofree guint8 *plain = g_malloc (len + 1);
    g_autofree guint8 *buf = g_malloc (total);
    g_autoptr(GBytes) back = NULL;
    g_autoptr(GBytes) sealed = NULL;
    g_autoptr(GError) error = NULL;

    randombytes_buf (plain, len);
    memcpy (buf + nonce_len, plain, len);
    g_assert_true (sd_onion_encrypt_in_place (cipher, key, buf, len, &error));
    g_assert_no_error (error);
    back = sd_onion_decrypt (cipher, key, buf, total, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), plain, len);

    sealed = sd_onion_encrypt (cipher, key, plain, len, &error);
    g_assert_no_error (error);
    memcpy (buf, g_bytes_get_data (sealed, NULL), total);
    g_assert_true (sd_onion_decrypt_in_place (cipher, key, buf, total, &off, &plen, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (off, ==, nonce_len);
    g_assert_cmpmem (buf + off, plen, plain, len);

    /* one flipped bit anywhere fails authentication */
    memcpy (buf, g_bytes_get_data (sealed, NULL), total);
    buf[(len * 7 + 3) % total] ^= 0x10;
    g_assert_false (sd_onion_decrypt_in_place (cipher, key, buf, total, &off, &plen, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
    g_clear_error (&error);
    g_assert_false (sd_onion_decrypt_in_place (cipher, key, buf, nonce_len + tag_len - 1, &off,
                                               &plen, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  }
}

static void
test_in_place_xchacha (void)
{
  check_in_place (SD_ONION_CIPHER_XCHACHA20);
}

static void
test_in_place_gcm (void)
{
  check_in_place (SD_ONION_CIPHER_AES_GCM);
  sd_aes_gcm_set_impl (SD_AES_GCM_NETTLE);
  check_in_place (SD_ONION_CIPHER_AES_GCM);
  sd_aes_gcm_set_impl (SD_AES_GCM_AUTO);
}

int
main (int argc, char **argv)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/onion-crypto/cipher-names", test_cipher_names);
  g_test_add_func ("/onion-crypto/vector/keys", test_vector_keys);
  g_test_add_func ("/onion-crypto/vector/layer-key-gcm", test_layer_key_gcm);
  g_test_add_func ("/onion-crypto/vector/layer-key-xchacha20", test_layer_key_xchacha);
  g_test_add_func ("/onion-crypto/key-order", test_key_order_matters);
  g_test_add_func ("/onion-crypto/degenerate-key", test_degenerate_key);
  g_test_add_func ("/onion-crypto/in-place/xchacha20", test_in_place_xchacha);
  g_test_add_func ("/onion-crypto/in-place/gcm", test_in_place_gcm);
  if (crypto_aead_aes256gcm_is_available ()) {
    g_test_add_func ("/onion-crypto/vector/gcm", test_vector_gcm);
    g_test_add_func ("/onion-crypto/vector/gcm-broken", test_vector_gcm_broken);
    g_test_add_func ("/onion-crypto/round-trip/gcm", test_round_trip_gcm);
    g_test_add_func ("/onion-crypto/truncated/gcm", test_truncated_gcm);
    g_test_add_func ("/onion-crypto/vector/wrong-cipher", test_vector_wrong_cipher);
    g_test_add_func ("/onion-crypto/empty-plaintext", test_empty_plaintext);
  } else {
    g_test_message ("no hardware AES: aes-gcm vectors skipped");
    g_test_add_func ("/onion-crypto/gcm-unsupported", test_gcm_unsupported);
  }
  g_test_add_func ("/onion-crypto/vector/xchacha20", test_vector_xchacha);
  g_test_add_func ("/onion-crypto/vector/xchacha20-broken", test_vector_xchacha_broken);
  g_test_add_func ("/onion-crypto/round-trip/xchacha20", test_round_trip_xchacha);
  g_test_add_func ("/onion-crypto/truncated/xchacha20", test_truncated_xchacha);

  return g_test_run ();
}
