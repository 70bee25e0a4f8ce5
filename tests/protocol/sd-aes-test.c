/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the nettle AES wrapper against published AES vectors, and the onion
 * aes-gcm layer forced onto it (protocol-network.md §9.1) */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-onion-crypto.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* NIST SP 800-38A F.2.5, CBC-AES256.Encrypt, first two blocks */
#define CBC_KEY "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define CBC_IV  "000102030405060708090a0b0c0d0e0f"
#define CBC_PT  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
#define CBC_CT  "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"

static void
test_cbc_nist (void)
{
  g_autoptr(GBytes) pt = sd_test_hex (CBC_PT);
  g_autoptr(GBytes) ct = NULL, back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *hex = NULL;
  guint8 key[32], iv[16];

  sd_test_hex_into (CBC_KEY, key, 32);
  sd_test_hex_into (CBC_IV, iv, 16);
  ct = sd_aes256_cbc_encrypt (key, iv, g_bytes_get_data (pt, NULL), 32);
  /* the two NIST blocks, then a whole PKCS#7 block */
  g_assert_cmpuint (g_bytes_get_size (ct), ==, 48);
  sd_test_assert_hex (g_bytes_get_data (ct, NULL), 32, CBC_CT);

  back = sd_aes256_cbc_decrypt (key, iv, g_bytes_get_data (ct, NULL), 48, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, pt));

  /* not whole blocks; bad padding (the NIST blocks have none) */
  g_assert_null (sd_aes256_cbc_decrypt (key, iv, g_bytes_get_data (ct, NULL), 47, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (sd_aes256_cbc_decrypt (key, iv, g_bytes_get_data (ct, NULL), 0, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) nist = sd_test_hex (CBC_CT);
    g_autoptr(GBytes) plain = sd_aes256_cbc_decrypt (key, iv, g_bytes_get_data (nist, NULL),
                                                     32, &error);

    g_assert_null (plain);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
  }
}

/* McGrew–Viega GCM spec test cases 13, 14 and 15 (AES-256, no AAD) */
static const struct {
  const gchar *key, *iv, *pt, *ct_tag;
} gcm_vectors[] = {
  { "0000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000", "", "530f8afbc74536b9a963b4f1c4cb738b" },
  { "0000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000", "00000000000000000000000000000000",
    "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919" },
  { "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    "cafebabefacedbaddecaf888",
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
    "b094dac5d93471bdec1a502270e3cc6c" },
};

/* the spec vectors through both implementations: nettle's forced, then
 * the automatic choice (libsodium's where the CPU has AES-NI); a flipped
 * tag bit fails and wipes the output */
static void
test_gcm_vectors (void)
{
  static const SdAesGcmImpl impls[] = { SD_AES_GCM_NETTLE, SD_AES_GCM_AUTO };

  for (gsize m = 0; m < G_N_ELEMENTS (impls); m++) {
    sd_aes_gcm_set_impl (impls[m]);
    for (gsize i = 0; i < G_N_ELEMENTS (gcm_vectors); i++) {
      g_autoptr(GBytes) pt = sd_test_hex (gcm_vectors[i].pt);
      gsize len = g_bytes_get_size (pt);
      g_autofree guint8 *out = g_malloc (len + 16);
      g_autofree guint8 *back = g_malloc (len + 1);
      guint8 key[32], iv[12];

      sd_test_hex_into (gcm_vectors[i].key, key, 32);
      sd_test_hex_into (gcm_vectors[i].iv, iv, 12);
      sd_aes256_gcm_encrypt (key, iv, g_bytes_get_data (pt, NULL), len, out);
      sd_test_assert_hex (out, len + 16, gcm_vectors[i].ct_tag);

      g_assert_true (sd_aes256_gcm_decrypt (key, iv, out, len + 16, back));
      g_assert_cmpmem (back, len, g_bytes_get_data (pt, NULL), len);
      out[len + 15] ^= 1;
      g_assert_false (sd_aes256_gcm_decrypt (key, iv, out, len + 16, back));
      for (gsize j = 0; j < len; j++)
        g_assert_cmpuint (back[j], ==, 0);

      /* libsodium's, where the CPU has it, gives the same bytes */
      if (crypto_aead_aes256gcm_is_available ()) {
        g_autofree guint8 *ref = g_malloc (len + 16);
        unsigned long long ref_len = 0;

        crypto_aead_aes256gcm_encrypt (ref, &ref_len, g_bytes_get_data (pt, NULL), len, NULL, 0,
                                       NULL, iv, key);
        sd_test_assert_hex (ref, ref_len, gcm_vectors[i].ct_tag);
      }
    }
  }
  sd_aes_gcm_set_impl (SD_AES_GCM_AUTO);
}

/* §9.1: the node key decrypts enc_gcm to "Hello world" with the portable
 * code; the broken ciphertexts fail */
#define V_KEY_GCM "4f310f62c43f14d7fea7c084819a4e394d9fc7005919275ac18d9eb8bf3e4231"
#define V_ENC_GCM "1eb6ae1cd72f60999486365749bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b61"
#define V_ENC_GCM_BROKEN1 "1eb6ae1cd72f60999486365759bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b61"
#define V_ENC_GCM_BROKEN2 "1eb6ae1cd72f60999486365749bd5dc15cc0b6a2a44d7d063daa5e93722f0c025fd00306403b69"

static void
test_onion_fallback (void)
{
  static const gchar *broken[] = { V_ENC_GCM_BROKEN1, V_ENC_GCM_BROKEN2 };
  g_autoptr(GBytes) enc = sd_test_hex (V_ENC_GCM);
  g_autoptr(GBytes) plain = NULL, sealed = NULL, opened = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[32];

  sd_test_hex_into (V_KEY_GCM, key, 32);
  sd_aes_gcm_set_impl (SD_AES_GCM_NETTLE);

  plain = sd_onion_decrypt (SD_ONION_CIPHER_AES_GCM, key, g_bytes_get_data (enc, NULL),
                            g_bytes_get_size (enc), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), "Hello world", 11);

  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++) {
    g_autoptr(GBytes) bad = sd_test_hex (broken[i]);
    g_autoptr(GBytes) none = sd_onion_decrypt (SD_ONION_CIPHER_AES_GCM, key,
                                               g_bytes_get_data (bad, NULL),
                                               g_bytes_get_size (bad), &error);

    g_assert_null (none);
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
    g_clear_error (&error);
  }

  /* portable encryption is opened by libsodium (when present) and back */
  sealed = sd_onion_encrypt (SD_ONION_CIPHER_AES_GCM, key, (const guint8 *) "Goodbye world", 13,
                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (sealed), ==, 12 + 13 + 16);
  sd_aes_gcm_set_impl (SD_AES_GCM_AUTO);
  if (crypto_aead_aes256gcm_is_available ()) {
    g_autoptr(GBytes) resealed = NULL, back = NULL;

    opened = sd_onion_decrypt (SD_ONION_CIPHER_AES_GCM, key, g_bytes_get_data (sealed, NULL),
                               g_bytes_get_size (sealed), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (opened, NULL), 13, "Goodbye world", 13);

    resealed = sd_onion_encrypt (SD_ONION_CIPHER_AES_GCM, key, (const guint8 *) "Goodbye world",
                                 13, &error);
    g_assert_no_error (error);
    sd_aes_gcm_set_impl (SD_AES_GCM_NETTLE);
    back = sd_onion_decrypt (SD_ONION_CIPHER_AES_GCM, key, g_bytes_get_data (resealed, NULL),
                             g_bytes_get_size (resealed), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), 13, "Goodbye world", 13);
    sd_aes_gcm_set_impl (SD_AES_GCM_AUTO);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/aes/cbc-nist", test_cbc_nist);
  g_test_add_func ("/aes/gcm-vectors", test_gcm_vectors);
  g_test_add_func ("/aes/onion-fallback", test_onion_fallback);
  return g_test_run ();
}
