/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attachment and avatar decryption and AttachmentPointer decoding. The
 * first byte picks a path; for the authenticated schemes the target
 * itself seals the rest with its fixed key, so the fuzzer reaches the
 * parsing behind the MAC (CBC padding, trimming, the deterministic
 * scheme's leading padding and chunk tags) and not just a failed tag */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-attachment-decryptor.h"
#include "sd-attachment-pointer.h"
#include "sd-avatar-crypto.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum {
  MODE_POINTER,        /* a serialised AttachmentPointer */
  MODE_LEGACY_RAW,     /* a legacy blob as downloaded, digest from the blob */
  MODE_LEGACY_SEALED,  /* LE32 size || IV || CBC ciphertext; HMAC and digest added here */
  MODE_DET_RAW,        /* a deterministic blob as downloaded */
  MODE_DET_STREAM,     /* the stream plaintext, chunked and sealed here, FINAL last */
  MODE_AVATAR_RAW,     /* a legacy avatar blob */
  MODE_ROUNDTRIP,      /* any bytes through every encrypt and back */
  N_MODES
};

static guint8 legacy_key[64];
static guint8 det_key[32];

static void
check_plain (GBytes *plain, GError *error)
{
  if ((plain == NULL) == (error == NULL))
    abort ();
}

static void
legacy_raw (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  guint8 digest[32];

  crypto_hash_sha256 (digest, data, size);
  plain = sd_attachment_legacy_decrypt (data, size, legacy_key, 64, digest, 32, -1, &error);
  check_plain (plain, error);
}

static void
legacy_sealed (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autofree guint8 *blob = NULL;
  guint8 digest[32];
  gint64 want;
  gsize len;

  if (size < 4)
    return;
  want = (gint64) (data[0] | data[1] << 8 | data[2] << 16 | (guint32) data[3] << 24);
  if (want == 0xffffffff)
    want = -1;
  data += 4, size -= 4;
  len = size + 32;
  blob = g_malloc (len);
  memcpy (blob, data, size);
  crypto_auth_hmacsha256 (blob + size, blob, size, legacy_key + 32);
  crypto_hash_sha256 (digest, blob, len);
  plain = sd_attachment_legacy_decrypt (blob, len, legacy_key, 64, digest, 32, want, &error);
  check_plain (plain, error);
  if (plain != NULL && want >= 0 && g_bytes_get_size (plain) != (gsize) want)
    abort ();
}

static gboolean
collect (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  g_byte_array_append (user_data, data, (guint) len);
  return TRUE;
}

/* the whole-buffer and the streaming decryptor must agree, whatever the
 * pieces the blob arrives in */
static void
det_raw (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_attachment_det_decrypt (det_key, 32, data, size, &error);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(SdAttachmentDecryptor) d = NULL;
  gboolean ok = TRUE;
  gsize piece;

  check_plain (plain, error);
  if (size < 2)
    return;
  piece = 1 + data[0];
  d = sd_attachment_decryptor_new (det_key, 32, SD_ATTACHMENT_DET_MAX_BLOB, collect, out, NULL);
  for (gsize pos = 1; ok && pos < size; pos += piece)
    ok = sd_attachment_decryptor_update (d, data + pos, MIN (piece, size - pos), NULL);
  ok = ok && sd_attachment_decryptor_finish (d, NULL);
  /* the stream skipped byte 0, so compare with a whole-buffer run on the same bytes */
  {
    g_autoptr(GBytes) again = sd_attachment_det_decrypt (det_key, 32, data + 1, size - 1, NULL);

    if (ok != (again != NULL) ||
        (ok && (out->len != g_bytes_get_size (again) ||
                memcmp (out->data, g_bytes_get_data (again, NULL), out->len) != 0)))
      abort ();
  }
}

/* a stream whose chunks end early when the fuzzer's byte 0 says so, so
 * short and empty chunks and missing FINAL tags are reached too */
static void
det_stream (const uint8_t *data, size_t size)
{
  crypto_secretstream_xchacha20poly1305_state st;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autofree guint8 *blob = NULL;
  gsize chunk, off, pos = 0, n_chunks;
  gboolean drop_final;

  if (size < 1)
    return;
  chunk = 1 + (data[0] & 0x7f) * 64;
  drop_final = (data[0] & 0x80) != 0;
  data++, size--;
  n_chunks = size / chunk + 1;
  blob = g_malloc (1 + 24 + size + n_chunks * 17);
  blob[0] = 'S';
  crypto_secretstream_xchacha20poly1305_init_push (&st, blob + 1, det_key);
  off = 25;
  do {
    gsize n = MIN (chunk, size - pos);
    gboolean last = pos + n == size;
    unsigned long long clen = 0;

    crypto_secretstream_xchacha20poly1305_push (
      &st, blob + off, &clen, data + pos, n, NULL, 0,
      last && !drop_final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    off += clen;
    pos += n;
  } while (pos < size);
  plain = sd_attachment_det_decrypt (det_key, 32, blob, off, &error);
  check_plain (plain, error);
}

static void
avatar_raw (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = sd_avatar_legacy_decrypt (det_key, 32, data, size, &error);

  check_plain (plain, error);
}

static void
roundtrip (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) a = NULL, b = NULL, c = NULL;
  g_autoptr(GBytes) pa = NULL, pb = NULL, pc = NULL;
  guint8 key[64], digest[32], dkey[32];

  a = sd_attachment_legacy_encrypt (data, size, key, digest, NULL);
  pa = sd_attachment_legacy_decrypt (g_bytes_get_data (a, NULL), g_bytes_get_size (a), key, 64,
                                     digest, 32, (gint64) size, NULL);
  b = sd_attachment_det_encrypt (legacy_key, SD_ATTACHMENT_DOMAIN_ATTACHMENT, data, size, dkey,
                                 NULL);
  pb = sd_attachment_det_decrypt (dkey, 32, g_bytes_get_data (b, NULL), g_bytes_get_size (b),
                                  NULL);
  c = sd_avatar_legacy_encrypt (det_key, data, size, NULL);
  pc = sd_avatar_legacy_decrypt (det_key, 32, g_bytes_get_data (c, NULL), g_bytes_get_size (c),
                                 NULL);
  if (pa == NULL || pb == NULL || pc == NULL ||
      g_bytes_get_size (pa) != size || g_bytes_get_size (pb) != size ||
      g_bytes_get_size (pc) != size ||
      (size > 0 && (memcmp (g_bytes_get_data (pa, NULL), data, size) != 0 ||
                    memcmp (g_bytes_get_data (pb, NULL), data, size) != 0 ||
                    memcmp (g_bytes_get_data (pc, NULL), data, size) != 0)))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (sodium_init () < 0)
    abort ();
  memset (legacy_key, 0x5a, sizeof legacy_key);
  memset (det_key, 0xa5, sizeof det_key);
  if (size < 1)
    return 0;

  switch (data[0] % N_MODES) {
  case MODE_POINTER: {
    g_autoptr(GError) error = NULL;
    g_autoptr(SdAttachmentPointer) p = sd_attachment_pointer_decode (data + 1, size - 1, &error);

    if ((p == NULL) == (error == NULL))
      abort ();
    if (p != NULL) {
      g_autofree gchar *proto = NULL, *host = NULL, *endpoint = NULL;
      guint8 x25519[32];
      guint16 port = 0;

      if (sd_attachment_pointer_locate (p, &proto, &host, &port, &endpoint, x25519, NULL) &&
          (host == NULL || endpoint == NULL || endpoint[0] != '/'))
        abort ();
    }
    /* re-encoding may add the "d" flag, so leave room for the fragment */
    if (p != NULL && strlen (p->url) + 80 < SD_ATTACHMENT_URL_MAX) {
      g_autoptr(GBytes) wire = sd_attachment_pointer_encode (p);
      g_autoptr(SdAttachmentPointer) again = NULL;

      again = sd_attachment_pointer_decode (g_bytes_get_data (wire, NULL),
                                            g_bytes_get_size (wire), NULL);
      if (again == NULL || g_strcmp0 (again->url, p->url) != 0 ||
          !g_bytes_equal (again->key, p->key))
        abort ();
    }
    break;
  }
  case MODE_LEGACY_RAW:
    legacy_raw (data + 1, size - 1);
    break;
  case MODE_LEGACY_SEALED:
    legacy_sealed (data + 1, size - 1);
    break;
  case MODE_DET_RAW:
    det_raw (data + 1, size - 1);
    break;
  case MODE_DET_STREAM:
    det_stream (data + 1, size - 1);
    break;
  case MODE_AVATAR_RAW:
    avatar_raw (data + 1, size - 1);
    break;
  case MODE_ROUNDTRIP:
    roundtrip (data + 1, size - 1);
    break;
  default:
    break;
  }
  return 0;
}
