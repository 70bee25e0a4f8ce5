/* SPDX-License-Identifier: GPL-3.0-or-later */
/* both attachment schemes (protocol-advanced.md §6.3) */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "sd-aes.h"
#include "sd-attachment-crypto.h"
#include "sd-protocol-error.h"
#include "sd-test-util.h"

/* the seed of libsession-util's tests/test_attachment_encrypt.cpp */
#define SEED_HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* the plaintext those tests use: byte i is i * 7 mod 256 */
static guint8 *
make_data (gsize len)
{
  guint8 *d = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    d[i] = (guint8) (i * 7 % 256);
  return d;
}

static void
load_seed (guint8 seed[32])
{
  sd_test_hex_into (SEED_HEX, seed, 32);
}

/* libsession-util test "Attachment encryption/decryption": plaintext size
 * → blob size (published vectors); every blob also round-trips and is
 * the same when encrypted twice */
static void
test_det_sizes (void)
{
  static const struct {
    gsize len, blob;
  } v[] = {
    { 0, 4096 },        { 1, 4096 },         { 2, 4096 },         { 10, 4096 },
    { 100, 4096 },      { 1000, 4096 },      { 2000, 4096 },      { 4000, 4096 },
    { 4053, 4096 },     { 4054, 8192 },      { 8149, 8192 },      { 8150, 12288 },
    { 33333, 36864 },   { 261982, 262144 },  { 261983, 270336 },  { 523990, 524288 },
    { 523991, 540672 }, { 6543210, 6553600 }, { 10218286, 10223616 },
  };
  guint8 seed[32];

  load_seed (seed);
  for (gsize i = 0; i < G_N_ELEMENTS (v); i++) {
    g_autofree guint8 *data = make_data (v[i].len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL, blob2 = NULL, plain = NULL;
    guint8 key[32], key2[32];

    g_assert_cmpuint (sd_attachment_det_encrypted_size (v[i].len), ==, v[i].blob);
    blob = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, v[i].len,
                                      key, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (blob), ==, v[i].blob);
    blob2 = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, v[i].len,
                                       key2, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (blob, blob2));
    g_assert_cmpmem (key, 32, key2, 32);

    plain = sd_attachment_det_decrypt (key, 32, g_bytes_get_data (blob, NULL),
                                       g_bytes_get_size (blob), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), data, v[i].len);
  }
}

/* derived values: key and SHA-256 of the blob computed independently with
 * Python's hashlib.blake2b(key=seed, person=...) and libsodium's
 * secretstream through ctypes (sizes agree with the vectors above) */
static void
test_det_derived (void)
{
  static const struct {
    SdAttachmentDomain domain;
    gsize len;
    const gchar *key;
    const gchar *blob_sha256;
  } v[] = {
    { SD_ATTACHMENT_DOMAIN_ATTACHMENT, 0,
      "c811e82fa9a353e0e9814faaa362e3563af2ba3300d31d6e7ea8319b4b17b8d5",
      "28ca9a9e248a6bb759a44e4a9921d46313fa8a7ff4887120af8f15c1fcc803b9" },
    { SD_ATTACHMENT_DOMAIN_ATTACHMENT, 100,
      "6bc2549f32011221c4c9f3efc94c296e03da1b3a2c765ee10ee2fbe8bee4922d",
      "f70622a96fa99f0bcd9b9a1768f2f19d5a09ce89129432800edaccbf03e457dc" },
    { SD_ATTACHMENT_DOMAIN_ATTACHMENT, 33333,
      "4ce68ba1f085312eae658f147058210a9c05771ece2c8ced686d54544be1e945",
      "672f3bc44b2b1915b527d6429c86dd0b462a958aa1cad9afae0ad971e660002b" },
    { SD_ATTACHMENT_DOMAIN_PROFILE_PIC, 100,
      "09d26213504543523bcdf5c65d4071866e0ba9ee0f164808b271ce399a11171b",
      "3bb2e0ae495c1ee06e9735bfd9d0cde05ee6fc7ffad9f428dfd4cccea0bb336b" },
  };
  guint8 seed[32];

  load_seed (seed);
  for (gsize i = 0; i < G_N_ELEMENTS (v); i++) {
    g_autofree guint8 *data = make_data (v[i].len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL;
    guint8 key[32], digest[32];

    blob = sd_attachment_det_encrypt (seed, v[i].domain, data, v[i].len, key, &error);
    g_assert_no_error (error);
    sd_test_assert_hex (key, 32, v[i].key);
    crypto_hash_sha256 (digest, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
    sd_test_assert_hex (digest, 32, v[i].blob_sha256);
    g_assert_cmpint (((const guint8 *) g_bytes_get_data (blob, NULL))[0], ==, 'S');
  }
}

static void
assert_det_fails (const guint8 key[32], GBytes *blob, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_attachment_det_decrypt (key, 32, g_bytes_get_data (blob, NULL),
                                                       g_bytes_get_size (blob), &error);

  g_assert_null (plain);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

/* libsession-util's key, domain and content separation tests */
static void
test_det_separation (void)
{
  static const gchar *other_seeds[] = {
    "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef1123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde7",
  };
  static const gsize sizes[] = { 0, 20, 100, 1000, 33333 };
  guint8 seed[32];

  load_seed (seed);
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++) {
    g_autofree guint8 *data = make_data (sizes[s]);
    g_autoptr(GBytes) blob = NULL, pic = NULL;
    guint8 key[32], pic_key[32];

    blob = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, sizes[s],
                                      key, NULL);
    pic = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_PROFILE_PIC, data, sizes[s],
                                     pic_key, NULL);
    g_assert_false (g_bytes_equal (blob, pic));
    assert_det_fails (pic_key, blob, SD_PROTOCOL_ERROR_DECRYPT);
    assert_det_fails (key, pic, SD_PROTOCOL_ERROR_DECRYPT);

    for (gsize o = 0; o < G_N_ELEMENTS (other_seeds); o++) {
      g_autoptr(GBytes) other = NULL;
      guint8 seed2[32], key2[32];

      sd_test_hex_into (other_seeds[o], seed2, 32);
      other = sd_attachment_det_encrypt (seed2, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data,
                                         sizes[s], key2, NULL);
      g_assert_false (g_bytes_equal (blob, other));
      g_assert_true (memcmp (key, key2, 32) != 0);
      assert_det_fails (key2, blob, SD_PROTOCOL_ERROR_DECRYPT);
    }
  }

  {
    g_autofree guint8 *data = make_data (50000);
    g_autofree guint8 *data2 = make_data (50000);
    g_autoptr(GBytes) a = NULL, b = NULL;
    guint8 ka[32], kb[32];

    data2[43210] = 0x42;
    a = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, 50000, ka, NULL);
    b = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data2, 50000, kb, NULL);
    g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
    g_assert_false (g_bytes_equal (a, b));
    assert_det_fails (kb, a, SD_PROTOCOL_ERROR_DECRYPT);
  }
}

static void
test_det_hostile (void)
{
  g_autofree guint8 *data = make_data (70000);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *huge = NULL;
  const guint8 *b;
  guint8 seed[32], key[32];
  gsize len;

  load_seed (seed);
  blob = sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, 70000, key,
                                    NULL);
  b = g_bytes_get_data (blob, &len);

  /* one byte short: the last chunk fails its tag */
  {
    g_autoptr(GBytes) cut = g_bytes_new (b, len - 1);
    assert_det_fails (key, cut, SD_PROTOCOL_ERROR_DECRYPT);
  }
  /* the whole last chunk missing: no FINAL tag */
  {
    gsize whole = 1 + 24 + (len - 25) / (32768 + 17) * (32768 + 17);
    g_autoptr(GBytes) cut = g_bytes_new (b, whole);
    assert_det_fails (key, cut, SD_PROTOCOL_ERROR_TRUNCATED);
  }
  /* header only, and less */
  {
    g_autoptr(GBytes) cut = g_bytes_new (b, 25);
    g_autoptr(GBytes) tiny = g_bytes_new (b, 3);
    assert_det_fails (key, cut, SD_PROTOCOL_ERROR_TRUNCATED);
    assert_det_fails (key, tiny, SD_PROTOCOL_ERROR_TRUNCATED);
  }
  /* a flipped byte in the middle, an unknown prefix */
  {
    g_autofree guint8 *copy = g_memdup2 (b, len);
    g_autoptr(GBytes) bad = NULL;

    copy[40000] ^= 0x01;
    bad = g_bytes_new (copy, len);
    assert_det_fails (key, bad, SD_PROTOCOL_ERROR_DECRYPT);
    copy[40000] ^= 0x01;
    copy[0] = 'T';
    g_clear_pointer (&bad, g_bytes_unref);
    bad = g_bytes_new (copy, len);
    assert_det_fails (key, bad, SD_PROTOCOL_ERROR_UNSUPPORTED);
  }
  /* a key of the wrong size */
  g_assert_null (sd_attachment_det_decrypt (key, 31, b, len, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  /* over the caps, both ways, refused before any work */
  huge = g_malloc0 (SD_ATTACHMENT_DET_MAX_BLOB + 1);
  huge[0] = 'S';
  g_assert_null (sd_attachment_det_decrypt (key, 32, huge, SD_ATTACHMENT_DET_MAX_BLOB + 1,
                                            &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (sd_attachment_det_encrypt (seed, SD_ATTACHMENT_DOMAIN_ATTACHMENT, huge,
                                            SD_ATTACHMENT_DET_MAX_SIZE + 1, key, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
}

/* derived values: desktop's formula evaluated in Python doubles (the same
 * IEEE arithmetic as JavaScript) */
static void
test_legacy_padded_size (void)
{
  static const gsize v[][2] = {
    { 0, 541 },       { 1, 541 },          { 541, 541 },        { 542, 568 },
    { 1000, 1020 },   { 4096, 4201 },      { 100000, 100155 },  { 1000000, 1041743 },
    /* the bucket (10319484) is over the 10 MB cap */
    { 9999999, 10000000 }, { 10000000, 10000000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (v); i++)
    g_assert_cmpuint (sd_attachment_legacy_padded_size (v[i][0]), ==, v[i][1]);
}

static void
legacy_key (guint8 key[64], guint8 iv[16])
{
  for (guint i = 0; i < 64; i++)
    key[i] = (guint8) (0xa0 + i);
  for (guint i = 0; i < 16; i++)
    iv[i] = (guint8) i;
}

static void
test_legacy_roundtrip (void)
{
  static const gsize sizes[] = { 0, 1, 15, 16, 100, 541, 542, 1000, 100000 };
  guint8 key[64], iv[16];

  legacy_key (key, iv);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autofree guint8 *data = make_data (sizes[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL, plain = NULL, padded = NULL;
    gsize padded_len = sd_attachment_legacy_padded_size (sizes[i]);
    guint8 digest[32], check[32];
    const guint8 *b;
    gsize len;

    blob = sd_attachment_legacy_encrypt_with (key, iv, data, sizes[i], digest, &error);
    g_assert_no_error (error);
    b = g_bytes_get_data (blob, &len);
    /* IV, the padded file plus its PKCS#7 block, the HMAC */
    g_assert_cmpuint (len, ==, 16 + (padded_len / 16 + 1) * 16 + 32);
    g_assert_cmpmem (b, 16, iv, 16);
    crypto_hash_sha256 (check, b, len);
    g_assert_cmpmem (check, 32, digest, 32);
    crypto_auth_hmacsha256 (check, b, len - 32, key + 32);
    g_assert_cmpmem (check, 32, b + len - 32, 32);

    plain = sd_attachment_legacy_decrypt (b, len, key, 64, digest, 32, (gint64) sizes[i],
                                          &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), data, sizes[i]);

    /* without a size the zero padding stays */
    padded = sd_attachment_legacy_decrypt (b, len, key, 64, digest, 32, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (padded), ==, padded_len);
    for (gsize j = sizes[i]; j < padded_len; j++)
      g_assert_cmpint (((const guint8 *) g_bytes_get_data (padded, NULL))[j], ==, 0);
  }

  /* a random key each time */
  {
    g_autofree guint8 *data = make_data (10);
    g_autoptr(GBytes) a = NULL, b = NULL;
    guint8 k1[64], k2[64], d1[32], d2[32];

    a = sd_attachment_legacy_encrypt (data, 10, k1, d1, NULL);
    b = sd_attachment_legacy_encrypt (data, 10, k2, d2, NULL);
    g_assert_true (memcmp (k1, k2, 64) != 0);
    g_assert_false (g_bytes_equal (a, b));
  }
}

static void
assert_legacy_fails (const guint8 *blob, gsize len, const guint8 *key, gsize key_len,
                     const guint8 *digest, gsize digest_len, gint64 size, gint code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_attachment_legacy_decrypt (blob, len, key, key_len, digest,
                                                          digest_len, size, &error);

  g_assert_null (plain);
  g_assert_error (error, SD_PROTOCOL_ERROR, code);
}

static void
test_legacy_hostile (void)
{
  g_autofree guint8 *data = make_data (1000);
  g_autoptr(GBytes) blob = NULL;
  g_autofree guint8 *copy = NULL;
  g_autofree guint8 *huge = NULL;
  guint8 key[64], iv[16], digest[32], digest2[32], wrong[64];
  const guint8 *b;
  gsize len;

  legacy_key (key, iv);
  blob = sd_attachment_legacy_encrypt_with (key, iv, data, 1000, digest, NULL);
  b = g_bytes_get_data (blob, &len);

  /* the digest is checked before anything else */
  memcpy (digest2, digest, 32);
  digest2[0] ^= 1;
  assert_legacy_fails (b, len, key, 64, digest2, 32, 1000, SD_PROTOCOL_ERROR_DIGEST_MISMATCH);
  copy = g_memdup2 (b, len);
  copy[100] ^= 1;
  assert_legacy_fails (copy, len, key, 64, digest, 32, 1000, SD_PROTOCOL_ERROR_DIGEST_MISMATCH);

  /* a sender who lies with a matching digest still fails the HMAC */
  crypto_hash_sha256 (digest2, copy, len);
  assert_legacy_fails (copy, len, key, 64, digest2, 32, 1000, SD_PROTOCOL_ERROR_DECRYPT);

  /* the wrong key */
  memcpy (wrong, key, 64);
  wrong[40] ^= 1;
  assert_legacy_fails (b, len, wrong, 64, digest, 32, 1000, SD_PROTOCOL_ERROR_DECRYPT);

  /* truncated (with a digest that matches the truncation) */
  crypto_hash_sha256 (digest2, b, 60);
  assert_legacy_fails (b, 60, key, 64, digest2, 32, -1, SD_PROTOCOL_ERROR_TRUNCATED);
  crypto_hash_sha256 (digest2, b, len - 1);
  assert_legacy_fails (b, len - 1, key, 64, digest2, 32, -1, SD_PROTOCOL_ERROR_DECRYPT);

  /* a size larger than the file, out of range, key or digest of bad size */
  assert_legacy_fails (b, len, key, 64, digest, 32, 5000, SD_PROTOCOL_ERROR_MALFORMED);
  assert_legacy_fails (b, len, key, 64, digest, 32, G_MAXINT64, SD_PROTOCOL_ERROR_TOO_LARGE);
  assert_legacy_fails (b, len, key, 32, digest, 32, 1000, SD_PROTOCOL_ERROR_MALFORMED);
  assert_legacy_fails (b, len, key, 64, digest, 31, 1000, SD_PROTOCOL_ERROR_MALFORMED);
  assert_legacy_fails (b, len, key, 64, NULL, 0, 1000, SD_PROTOCOL_ERROR_MALFORMED);

  /* oversize, both ways */
  huge = g_malloc0 (SD_ATTACHMENT_LEGACY_MAX_BLOB + 1);
  assert_legacy_fails (huge, SD_ATTACHMENT_LEGACY_MAX_BLOB + 1, key, 64, digest, 32, -1,
                       SD_PROTOCOL_ERROR_TOO_LARGE);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (sd_attachment_legacy_encrypt_with (key, iv, huge,
                                                      SD_ATTACHMENT_LEGACY_MAX_SIZE + 1,
                                                      digest2, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE);
  }
}

typedef struct {
  GByteArray *out;
  guint pieces;
  guint fail_at;  /* 0: never */
} Sink;

static gboolean
collect (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  Sink *sink = user_data;

  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, 64 * 1024);
  if (++sink->pieces == sink->fail_at) {
    g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "full");
    return FALSE;
  }
  g_byte_array_append (sink->out, data, (guint) len);
  return TRUE;
}

/* the in-place and streaming forms: the same blob as the whole-buffer one, the file back in
 * pieces of at most 64 KiB, trimmed or not; a failing sink stops it; bad padding (under a
 * valid HMAC) is found before anything reaches the sink */
static void
test_legacy_stream (void)
{
  static const gsize sizes[] = { 0, 1, 65535, 65536, 65537, 200000, 10000000 };
  guint8 key[64], iv[16];

  legacy_key (key, iv);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gsize len = sizes[i], blob_len = sd_attachment_legacy_blob_size (len);
    g_autofree guint8 *data = make_data (len);
    g_autofree guint8 *buf = g_malloc (blob_len);
    g_autoptr(GBytes) whole = NULL;
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GByteArray) padded = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    guint8 digest[32], digest2[32];
    Sink sink = { out, 0, 0 }, sink2 = { padded, 0, 0 };

    whole = sd_attachment_legacy_encrypt_with (key, iv, data, len, digest, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (whole), ==, blob_len);
    if (len > 0)
      memcpy (buf + 16, data, len);
    g_assert_true (sd_attachment_legacy_seal_in_place (key, iv, buf, len, digest2, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (buf, blob_len, g_bytes_get_data (whole, NULL), blob_len);
    g_assert_cmpmem (digest2, 32, digest, 32);

    g_assert_true (sd_attachment_legacy_decrypt_to (buf, blob_len, key, 64, digest, 32,
                                                    (gint64) len, collect, &sink, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out->data, out->len, data, len);
    g_assert_cmpuint (sink.pieces, ==, (len + 65535) / 65536);
    g_assert_true (sd_attachment_legacy_decrypt_to (buf, blob_len, key, 64, digest, 32, -1,
                                                    collect, &sink2, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (padded->len, ==, sd_attachment_legacy_padded_size (len));
    g_assert_cmpmem (padded->data, len, data, len);
  }

  /* a sink that fails on its second piece: that error, nothing more asked of it */
  {
    g_autofree guint8 *data = make_data (200000);
    g_autoptr(GBytes) blob = NULL;
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    guint8 digest[32];
    Sink sink = { out, 0, 2 };

    blob = sd_attachment_legacy_encrypt_with (key, iv, data, 200000, digest, NULL);
    g_assert_false (sd_attachment_legacy_decrypt_to (g_bytes_get_data (blob, NULL),
                                                     g_bytes_get_size (blob), key, 64, digest,
                                                     32, 200000, collect, &sink, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
    g_assert_cmpuint (sink.pieces, ==, 2);
    g_assert_cmpuint (out->len, ==, 65536);
  }

  /* bad padding under a valid HMAC and digest (a sender's bug): refused, the sink untouched */
  {
    g_autofree guint8 *data = make_data (1000);
    g_autofree guint8 *buf = NULL;
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    gsize blob_len = sd_attachment_legacy_blob_size (1000);
    guint8 digest[32], chain[16];
    Sink sink = { out, 0, 0 };

    /* the blob by hand: the padded file without its PKCS#7 block */
    buf = g_malloc0 (blob_len);
    memcpy (buf, iv, 16);
    memcpy (buf + 16, data, 1000);
    memcpy (chain, iv, 16);
    sd_aes256_cbc_encrypt_blocks (key, chain, buf + 16, blob_len - 48, buf + 16);
    crypto_auth_hmacsha256 (buf + blob_len - 32, buf, blob_len - 32, key + 32);
    crypto_hash_sha256 (digest, buf, blob_len);
    g_assert_false (sd_attachment_legacy_decrypt_to (buf, blob_len, key, 64, digest, 32, 1000,
                                                     collect, &sink, &error));
    g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT);
    g_assert_cmpuint (sink.pieces, ==, 0);
  }
}

/* what a progress callback was told, and what the sink had received by then */
typedef struct {
  GArray *done;        /* guint64 */
  guint64 total;
  Sink *sink;          /* (nullable) */
  guint64 checked_at;  /* the last figure told before the sink's first piece */
} Told;

static void
tell (guint64 done, guint64 total, gpointer user_data)
{
  Told *told = user_data;

  if (told->done->len == 0)
    told->total = total;
  g_assert_cmpuint (total, ==, told->total);
  g_assert_cmpuint (done, <=, total);
  if (told->done->len > 0)
    g_assert_cmpuint (done, >=, g_array_index (told->done, guint64, told->done->len - 1));
  if (told->sink == NULL || told->sink->pieces == 0)
    told->checked_at = done;
  g_array_append_val (told->done, done);
}

/* the _progress forms give the same bytes, and tell of their work piece by piece: the seal
 * up to the ciphertext's size, the decryption through its checks (two units a byte, before
 * any byte goes to the sink) and then its pieces, up to 3 × the blob */
static void
test_legacy_progress (void)
{
  const gsize len = 1000000;
  gsize blob_len = sd_attachment_legacy_blob_size (len);
  g_autofree guint8 *data = make_data (len);
  g_autofree guint8 *a = g_malloc (blob_len), *b = g_malloc (blob_len);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GArray) sealed = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) opened = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) refused = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GError) error = NULL;
  guint8 key[64], iv[16], digest_a[32], digest_b[32];
  Sink sink = { out, 0, 0 };
  Told seal = { sealed, 0, NULL, 0 }, open = { opened, 0, &sink, 0 };
  Told bad = { refused, 0, NULL, 0 };

  legacy_key (key, iv);
  memcpy (a + 16, data, len);
  memcpy (b + 16, data, len);
  g_assert_true (sd_attachment_legacy_seal_in_place (key, iv, a, len, digest_a, &error));
  g_assert_true (sd_attachment_legacy_seal_in_place_progress (key, iv, b, len, digest_b, tell,
                                                              &seal, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (a, blob_len, b, blob_len);
  g_assert_cmpmem (digest_a, 32, digest_b, 32);
  /* 1 MB in 256 KiB pieces: four figures, the last one the whole ciphertext */
  g_assert_cmpuint (sealed->len, ==, 4);
  g_assert_cmpuint (seal.total, ==, blob_len - 16 - 32);
  g_assert_cmpuint (g_array_index (sealed, guint64, sealed->len - 1), ==, seal.total);

  g_assert_true (sd_attachment_legacy_decrypt_to_progress (b, blob_len, key, 64, digest_b, 32,
                                                           (gint64) len, collect, &sink, tell,
                                                           &open, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out->data, out->len, data, len);
  g_assert_cmpuint (open.total, ==, 3 * (guint64) blob_len);
  g_assert_cmpuint (g_array_index (opened, guint64, opened->len - 1), ==, open.total);
  /* the checks told of their pass before the sink had anything, and the decryption after */
  g_assert_cmpuint (open.checked_at, ==, 2 * (guint64) blob_len);
  /* one figure a 256 KiB piece of the check pass, one a piece for the sink, then the end */
  g_assert_cmpuint (opened->len, ==, (blob_len + 262143) / 262144 + sink.pieces + 1);

  /* a wrong digest: the check pass is told, then nothing more */
  b[100] ^= 1;
  g_assert_false (sd_attachment_legacy_decrypt_to_progress (b, blob_len, key, 64, digest_b, 32,
                                                            (gint64) len, collect, &sink, tell,
                                                            &bad, &error));
  g_assert_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DIGEST_MISMATCH);
  g_assert_cmpuint (g_array_index (refused, guint64, refused->len - 1), ==,
                    2 * (guint64) blob_len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/attachment/det/sizes", test_det_sizes);
  g_test_add_func ("/attachment/det/derived", test_det_derived);
  g_test_add_func ("/attachment/det/separation", test_det_separation);
  g_test_add_func ("/attachment/det/hostile", test_det_hostile);
  g_test_add_func ("/attachment/legacy/padded-size", test_legacy_padded_size);
  g_test_add_func ("/attachment/legacy/roundtrip", test_legacy_roundtrip);
  g_test_add_func ("/attachment/legacy/hostile", test_legacy_hostile);
  g_test_add_func ("/attachment/legacy/stream", test_legacy_stream);
  g_test_add_func ("/attachment/legacy/progress", test_legacy_progress);
  return g_test_run ();
}
