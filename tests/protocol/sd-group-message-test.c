/* SPDX-License-Identifier: GPL-3.0-or-later */
/* group message encryption: round trips, the documented layout built by
 * hand with raw libsodium, every key tried, the 1 MB limit, and forged or
 * malformed envelopes */
#include "config.h"

#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "sd-bencode.h"
#include "sd-config-value.h"
#include "sd-group-message.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

static SdIdentity alice, mallory;
static SdGroupKeyBytes keys[2];

static void
setup (void)
{
  guint8 seed[32];

  memset (seed, 0x11, 32);
  sd_identity_from_seed (&alice, seed);
  memset (seed, 0x66, 32);
  sd_identity_from_seed (&mallory, seed);
  memset (keys[0], 0xaa, 32);
  memset (keys[1], 0xbb, 32);
}

/* opens with raw libsodium, for looking inside */
static SdConfigValue *
open_raw (GBytes *ct, const guint8 key[32])
{
  gsize len;
  const guint8 *c = g_bytes_get_data (ct, &len);
  g_autofree guint8 *p = g_malloc (len);
  unsigned long long plen = 0;
  gsize n;

  g_assert_cmpint (crypto_aead_xchacha20poly1305_ietf_decrypt (p, &plen, NULL, c + 24, len - 24,
                                                               NULL, 0, c, key), ==, 0);
  n = (gsize) plen;
  while (n > 0 && p[n - 1] == 0)
    n--;
  return sd_config_value_decode (p, n, NULL);
}

static void
test_roundtrip (void)
{
  const gchar *text = "a small message that zstd cannot shrink";
  g_autoptr(GBytes) ct = NULL;
  g_autoptr(GBytes) pt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigValue) inner = NULL;
  gchar sender[67];
  guint index = 9;

  setup ();
  ct = sd_group_message_encrypt (&alice, keys[1], (const guint8 *) text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (ct) % SD_GROUP_MESSAGE_PADDING, ==, 0);
  pt = sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2, g_bytes_get_data (ct, NULL),
                                 g_bytes_get_size (ct), sender, &index, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (pt, NULL), g_bytes_get_size (pt), text, strlen (text));
  g_assert_cmpstr (sender, ==, alice.session_id);
  g_assert_cmpuint (index, ==, 1);
  /* uncompressed: "d" */
  inner = open_raw (ct, keys[1]);
  g_assert_nonnull (sd_config_value_dict_get (inner, "d"));
  g_assert_null (sd_config_value_dict_get (inner, "z"));
  g_assert_cmpint (sd_config_value_get_int (sd_config_value_dict_get (inner, "")), ==, 1);

  /* only the other key: nothing */
  g_assert_null (sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 1,
                                           g_bytes_get_data (ct, NULL), g_bytes_get_size (ct),
                                           sender, NULL, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
}

static void
test_compressed_and_limit (void)
{
  g_autofree guint8 *big = g_malloc (SD_GROUP_MESSAGE_MAX_PLAINTEXT + 1);
  g_autoptr(GBytes) ct = NULL;
  g_autoptr(GBytes) pt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SdConfigValue) inner = NULL;
  gchar sender[67];

  setup ();
  memset (big, 'x', SD_GROUP_MESSAGE_MAX_PLAINTEXT + 1);
  ct = sd_group_message_encrypt (&alice, keys[0], big, SD_GROUP_MESSAGE_MAX_PLAINTEXT, &error);
  g_assert_no_error (error);
  /* 1 MB of one letter compresses to almost nothing */
  g_assert_cmpuint (g_bytes_get_size (ct), <=, 1024);
  inner = open_raw (ct, keys[0]);
  g_assert_nonnull (sd_config_value_dict_get (inner, "z"));
  g_assert_null (sd_config_value_dict_get (inner, "d"));
  pt = sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2, g_bytes_get_data (ct, NULL),
                                 g_bytes_get_size (ct), sender, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (pt), ==, SD_GROUP_MESSAGE_MAX_PLAINTEXT);
  g_assert_cmpmem (g_bytes_get_data (pt, NULL), g_bytes_get_size (pt), big,
                   SD_GROUP_MESSAGE_MAX_PLAINTEXT);

  g_assert_null (sd_group_message_encrypt (&alice, keys[0], big, SD_GROUP_MESSAGE_MAX_PLAINTEXT + 1,
                                           &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

/* the documented layout, encrypted by hand under keys[0] with a fixed nonce */
static GBytes *
craft (const gchar *version, const SdIdentity *claimed, const SdIdentity *signer,
       const gchar *dkey, const guint8 *body, gsize body_len, gboolean both)
{
  GByteArray *d = g_byte_array_new ();
  guint8 sig[64], nonce[24];
  gsize padded;
  guint8 *out;

  crypto_sign_ed25519_detached (sig, NULL, body, body_len, signer->ed25519_sk);
  g_byte_array_append (d, (const guint8 *) "d0:", 3);
  g_byte_array_append (d, (const guint8 *) version, (guint) strlen (version));
  sd_bencode_append_bytes (d, (const guint8 *) "a", 1);
  sd_bencode_append_bytes (d, claimed->ed25519_pk, 32);
  if (both || strcmp (dkey, "d") == 0) {
    sd_bencode_append_bytes (d, (const guint8 *) "d", 1);
    sd_bencode_append_bytes (d, body, body_len);
  }
  sd_bencode_append_bytes (d, (const guint8 *) "s", 1);
  sd_bencode_append_bytes (d, sig, 64);
  if (both || strcmp (dkey, "z") == 0) {
    sd_bencode_append_bytes (d, (const guint8 *) "z", 1);
    sd_bencode_append_bytes (d, body, body_len);
  }
  g_byte_array_append (d, (const guint8 *) "e", 1);
  padded = ((d->len + 40 + 255) / 256) * 256 - 40;
  while (d->len < padded)
    g_byte_array_append (d, (const guint8 *) "", 1);
  memset (nonce, 0x42, sizeof nonce);
  out = g_malloc (d->len + 40);
  memcpy (out, nonce, 24);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + 24, NULL, d->data, d->len, NULL, 0, NULL,
                                              nonce, keys[0]);
  {
    gsize n = d->len + 40;

    g_byte_array_unref (d);
    return g_bytes_new_take (out, n);
  }
}

static void
expect (GBytes *ct, gint code, const gchar *want_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pt = NULL;
  gchar sender[67];

  pt = sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2, g_bytes_get_data (ct, NULL),
                                 g_bytes_get_size (ct), sender, NULL, &error);
  if (want_text != NULL) {
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (pt, NULL), g_bytes_get_size (pt), want_text,
                     strlen (want_text));
    g_assert_cmpstr (sender, ==, alice.session_id);
  } else {
    g_assert_null (pt);
    g_assert_error (error, SD_PROTOCOL_ERROR, code);
  }
  g_bytes_unref (ct);
}

static void
test_layout_and_forgeries (void)
{
  const gchar *body = "hello group";
  gsize n = strlen (body);
  gsize bound = ZSTD_compressBound (n);
  g_autofree guint8 *z = g_malloc (bound);
  gsize zn = ZSTD_compress (z, bound, body, n, 1);
  g_autofree guint8 *bomb_src = g_malloc0 (2 * 1024 * 1024);
  gsize bomb_bound = ZSTD_compressBound (2 * 1024 * 1024);
  g_autofree guint8 *bomb = g_malloc (bomb_bound);
  gsize bomb_n = ZSTD_compress (bomb, bomb_bound, bomb_src, 2 * 1024 * 1024, 1);

  setup ();
  g_assert_false (ZSTD_isError (zn));
  /* the layout of the protocol docs opens, plain and compressed */
  expect (craft ("i1e", &alice, &alice, "d", (const guint8 *) body, n, FALSE), 0, body);
  expect (craft ("i1e", &alice, &alice, "z", z, zn, FALSE), 0, body);
  /* a version we do not know */
  expect (craft ("i2e", &alice, &alice, "d", (const guint8 *) body, n, FALSE),
          SD_PROTOCOL_ERROR_UNSUPPORTED, NULL);
  /* both bodies */
  expect (craft ("i1e", &alice, &alice, "d", (const guint8 *) body, n, TRUE),
          SD_PROTOCOL_ERROR_MALFORMED, NULL);
  /* mallory claims to be alice */
  expect (craft ("i1e", &alice, &mallory, "d", (const guint8 *) body, n, FALSE),
          SD_PROTOCOL_ERROR_SIGNATURE, NULL);
  /* an empty body */
  expect (craft ("i1e", &alice, &alice, "d", (const guint8 *) "", 0, FALSE),
          SD_PROTOCOL_ERROR_MALFORMED, NULL);
  /* more than 1 MB once inflated */
  expect (craft ("i1e", &alice, &alice, "z", bomb, bomb_n, FALSE), SD_PROTOCOL_ERROR_TOO_LARGE,
          NULL);
  /* too short to hold anything */
  {
    g_autoptr(GError) error = NULL;
    guint8 tiny[39] = { 0 };

    g_assert_null (sd_group_message_decrypt ((const SdGroupKeyBytes *) keys, 2, tiny, sizeof tiny,
                                             NULL, NULL, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/group-message/roundtrip", test_roundtrip);
  g_test_add_func ("/group-message/compressed-and-limit", test_compressed_and_limit);
  g_test_add_func ("/group-message/layout-and-forgeries", test_layout_and_forgeries);
  return g_test_run ();
}
