/* SPDX-License-Identifier: GPL-3.0-or-later */
/* streaming decryption of deterministic attachments, fed in pieces of
 * every size (libsession-util's "Attachment Decryptor" test case) */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-decryptor.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

#define SEED_HEX "4123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static GBytes *
encrypt_sample (gsize len, guint8 key[32])
{
  g_autofree guint8 *data = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  guint8 seed[32];
  GBytes *blob;

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 7 % 256);
  sd_test_hex_into (SEED_HEX, seed, 32);
  blob = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, len, key,
                                    &error);
  g_assert_no_error (error);
  return blob;
}

static gboolean
collect (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, SD_ATTACHMENT_DET_CHUNK);
  g_byte_array_append (user_data, data, (guint) len);
  return TRUE;
}

/* feeds @blob @feed bytes at a time; returns the plaintext or NULL */
static GByteArray *
feed_all (const guint8 key[32], const guint8 *blob, gsize len, gsize feed, GError **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(SdAttachmentDecryptor) d = NULL;

  d = sd_attachment_decryptor_new (key, 32, SD_ATTACHMENT_DET_MAX_BLOB, collect, out, error);
  g_assert_nonnull (d);
  for (gsize pos = 0; pos < len; pos += feed)
    if (!sd_attachment_decryptor_update (d, blob + pos, MIN (feed, len - pos), error))
      return NULL;
  if (!sd_attachment_decryptor_finish (d, error))
    return NULL;
  return g_steal_pointer (&out);
}

static void
test_pieces (void)
{
  static const gsize sizes[] = { 0, 1, 2, 10, 100, 1000, 2000, 4000, 4053, 4054, 8149, 8150,
                                 33333, 6543210, 10218286 };
  static const gsize feeds[] = { 1, 2, 41, 4096, G_MAXSIZE };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint8 key[32];
    g_autoptr(GBytes) blob = encrypt_sample (sizes[s], key);
    const guint8 *b;
    gsize len;

    b = g_bytes_get_data (blob, &len);
    for (gsize f = 0; f < G_N_ELEMENTS (feeds); f++) {
      g_autoptr(GError) error = NULL;
      g_autoptr(GByteArray) out = NULL;

      /* byte by byte through 10 MB is slow under valgrind: big files
       * are fed in big pieces only */
      if (sizes[s] > 100000 && feeds[f] < 4096)
        continue;
      out = feed_all (key, b, len, feeds[f], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (out->len, ==, sizes[s]);
      for (gsize i = 0; i < sizes[s]; i++)
        if (out->data[i] != (guint8) (i * 7 % 256))
          g_assert_not_reached ();
    }
  }
}

static void
assert_feed_fails (const guint8 key[32], const guint8 *blob, gsize len, gsize feed, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) out = feed_all (key, blob, len, feed, &error);

  g_assert_null (out);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

static void
test_corrupt (void)
{
  guint8 key[32];
  g_autoptr(GBytes) blob = encrypt_sample (2 * SD_ATTACHMENT_DET_CHUNK, key);
  gsize len = g_bytes_get_size (blob);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (blob, NULL), len);

  /* the first full chunk (libsession's "corrupted full chunks" case) */
  copy[25] ^= 1;
  assert_feed_fails (key, copy, len, 4096, SD_PROTOCOL_ERROR_DECRYPT);
  copy[25] ^= 1;
  /* the last byte */
  copy[len - 1] ^= 1;
  assert_feed_fails (key, copy, len, 1000, SD_PROTOCOL_ERROR_DECRYPT);
  copy[len - 1] ^= 1;
  /* cut at a chunk boundary: no FINAL chunk */
  assert_feed_fails (key, copy, 25 + 32785, 7, SD_PROTOCOL_ERROR_TRUNCATED);
  /* only 17 bytes of a chunk */
  assert_feed_fails (key, copy, 25 + 17, 5, SD_PROTOCOL_ERROR_TRUNCATED);
  /* nothing but part of the header */
  assert_feed_fails (key, copy, 10, 3, SD_PROTOCOL_ERROR_TRUNCATED);
  /* unknown prefix */
  copy[0] = 'X';
  assert_feed_fails (key, copy, len, 4096, SD_PROTOCOL_ERROR_UNSUPPORTED);
}

static void
test_after_final (void)
{
  guint8 key[32];
  g_autoptr(GBytes) blob = encrypt_sample (100, key);
  gsize len;
  const guint8 *b = g_bytes_get_data (blob, &len);
  g_autofree guint8 *longer = g_malloc (len + 20);

  memcpy (longer, b, len);
  memset (longer + len, 0, 20);
  /* trailing bytes after the FINAL chunk make it one bad chunk */
  assert_feed_fails (key, longer, len + 20, 4096, SD_PROTOCOL_ERROR_DECRYPT);
}

static gboolean
refuse (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "disk full");
  return FALSE;
}

static void
test_sink_and_limits (void)
{
  guint8 key[32];
  g_autoptr(GBytes) blob = encrypt_sample (1000, key);
  g_autoptr(GError) error = NULL;
  g_autoptr(SdAttachmentDecryptor) d = NULL;
  g_autoptr(SdAttachmentDecryptor) small = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len;
  const guint8 *b = g_bytes_get_data (blob, &len);

  /* a sink error stops everything and stays */
  d = sd_attachment_decryptor_new (key, 32, SD_ATTACHMENT_DET_MAX_BLOB, refuse, NULL, &error);
  g_assert_true (sd_attachment_decryptor_update (d, b, len, &error));
  g_assert_false (sd_attachment_decryptor_finish (d, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_clear_error (&error);
  g_assert_false (sd_attachment_decryptor_update (d, b, 1, &error));
  g_clear_error (&error);

  /* more than the caller's limit */
  small = sd_attachment_decryptor_new (key, 32, 100, collect, out, &error);
  g_assert_true (sd_attachment_decryptor_update (small, b, 100, &error));
  g_assert_false (sd_attachment_decryptor_update (small, b + 100, 1, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* a bad key */
  g_assert_null (sd_attachment_decryptor_new (key, 64, 100, collect, out, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/attachment-decryptor/pieces", test_pieces);
  g_test_add_func ("/attachment-decryptor/corrupt", test_corrupt);
  g_test_add_func ("/attachment-decryptor/after-final", test_after_final);
  g_test_add_func ("/attachment-decryptor/sink-and-limits", test_sink_and_limits);
  return g_test_run ();
}
