/* SPDX-License-Identifier: GPL-3.0-or-later */
/* streaming decryption of deterministic attachments: 'S', the 24-byte
 * secretstream header, then chunks of 32 KiB + 17 bytes, the last one
 * shorter and tagged FINAL; leading zeros and one 0x01 are padding */
#define G_LOG_DOMAIN "SdAttachmentDecryptor"

#include "config.h"

#include "sd-attachment-decryptor.h"

#include <sodium.h>
#include <string.h>

#include "sd-attachment-crypto.h"
#include "sd-protocol-error.h"
#include "sd-sodium.h"

#define HEADER_LEN   (1 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define OVERHEAD     crypto_secretstream_xchacha20poly1305_ABYTES
#define CHUNK_TOTAL  (SD_ATTACHMENT_DET_CHUNK + OVERHEAD)

struct _SdAttachmentDecryptor {
  crypto_secretstream_xchacha20poly1305_state state;
  guint8 key[SD_ATTACHMENT_DET_KEY_LEN];
  guint8 *buf;        /* (owned) one encrypted chunk being gathered */
  gsize buf_len;
  guint8 *plain;      /* (owned) one decrypted chunk */
  gsize fed;
  gsize max_blob;
  SdAttachmentSink sink;
  gpointer user_data;
  gboolean have_header;
  gboolean in_padding;
  gboolean final;
  gboolean failed;
};

void
sd_attachment_decryptor_free (SdAttachmentDecryptor *d)
{
  if (d == NULL)
    return;
  sodium_memzero (&d->state, sizeof d->state);
  sodium_memzero (d->key, sizeof d->key);
  g_free (d->buf);
  if (d->plain != NULL)
    sodium_memzero (d->plain, SD_ATTACHMENT_DET_CHUNK);
  g_free (d->plain);
  g_free (d);
}

/**
 * sd_attachment_decryptor_new:
 * @key: (array length=key_len): the pointer's 32-byte key
 * @key_len: its length
 * @max_blob: the most bytes that may be fed
 * @sink: where plaintext goes
 * @user_data: for @sink
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a decryptor, or %NULL for a bad key
 */
SdAttachmentDecryptor *
sd_attachment_decryptor_new (const guint8 *key,
                             gsize key_len,
                             gsize max_blob,
                             SdAttachmentSink sink,
                             gpointer user_data,
                             GError **error)
{
  SdAttachmentDecryptor *d;

  g_return_val_if_fail (sink != NULL, NULL);

  sd_sodium_init ();
  if (key == NULL || key_len != SD_ATTACHMENT_DET_KEY_LEN) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                 "deterministic attachment key must be %d bytes, not %" G_GSIZE_FORMAT,
                 SD_ATTACHMENT_DET_KEY_LEN, key == NULL ? 0 : key_len);
    return NULL;
  }
  d = g_new0 (SdAttachmentDecryptor, 1);
  memcpy (d->key, key, sizeof d->key);
  d->buf = g_malloc (CHUNK_TOTAL);
  d->plain = g_malloc (SD_ATTACHMENT_DET_CHUNK);
  d->max_blob = max_blob;
  d->sink = sink;
  d->user_data = user_data;
  d->in_padding = TRUE;
  return d;
}

static gboolean
fail (SdAttachmentDecryptor *d, GError **error, gint code, const gchar *message)
{
  d->failed = TRUE;
  g_set_error_literal (error, SD_PROTOCOL_ERROR, code, message);
  return FALSE;
}

static gboolean
take_header (SdAttachmentDecryptor *d, GError **error)
{
  if (d->buf[0] != 'S') {
    d->failed = TRUE;
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "unknown attachment encryption type 0x%02x", d->buf[0]);
    return FALSE;
  }
  if (crypto_secretstream_xchacha20poly1305_init_pull (&d->state, d->buf + 1, d->key) != 0)
    return fail (d, error, SD_PROTOCOL_ERROR_DECRYPT, "attachment header is invalid");
  d->have_header = TRUE;
  d->buf_len = 0;
  return TRUE;
}

/* one encrypted chunk in d->buf: authenticate, strip padding, pass on */
static gboolean
take_chunk (SdAttachmentDecryptor *d, GError **error)
{
  unsigned long long mlen = 0;
  guint8 tag = 0;
  gsize n, start = 0;

  if (d->final)
    return fail (d, error, SD_PROTOCOL_ERROR_MALFORMED,
                 "attachment has data after its final chunk");
  /* every chunk carries at least one byte: a padding byte or data */
  if (d->buf_len <= OVERHEAD)
    return fail (d, error, SD_PROTOCOL_ERROR_TRUNCATED,
                 "attachment ended before the end of its stream");
  n = d->buf_len - OVERHEAD;
  if (crypto_secretstream_xchacha20poly1305_pull (&d->state, d->plain, &mlen, &tag, d->buf,
                                                  d->buf_len, NULL, 0) != 0)
    return fail (d, error, SD_PROTOCOL_ERROR_DECRYPT,
                 "attachment failed authentication (wrong key or corrupted data)");
  d->buf_len = 0;
  d->final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;

  if (d->in_padding) {
    while (start < n && d->plain[start] == 0x00)
      start++;
    if (start == n)
      return TRUE;
    if (d->plain[start] != 0x01)
      return fail (d, error, SD_PROTOCOL_ERROR_MALFORMED, "attachment has invalid padding");
    start++;
    d->in_padding = FALSE;
  }
  if (start < n && !d->sink (d->plain + start, n - start, d->user_data, error)) {
    d->failed = TRUE;
    return FALSE;
  }
  return TRUE;
}

/**
 * sd_attachment_decryptor_update:
 * @decryptor: a decryptor
 * @data: (array length=len): the next bytes of the blob
 * @len: how many
 * @error: return location for a #GError
 *
 * Returns: %FALSE once the blob is known to be bad (and from then on)
 */
gboolean
sd_attachment_decryptor_update (SdAttachmentDecryptor *d,
                                const guint8 *data,
                                gsize len,
                                GError **error)
{
  g_return_val_if_fail (d != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (d->failed)
    return fail (d, error, SD_PROTOCOL_ERROR_DECRYPT, "attachment decryption already failed");
  if (len > d->max_blob - d->fed) {
    sodium_memzero (&d->state, sizeof d->state);
    return fail (d, error, SD_PROTOCOL_ERROR_TOO_LARGE, "attachment blob is over the limit");
  }
  d->fed += len;

  while (len > 0) {
    gsize want = d->have_header ? CHUNK_TOTAL : HEADER_LEN;
    gsize take = MIN (want - d->buf_len, len);

    /* a full chunk followed by more data is not the last one; it is
     * taken once its successor starts arriving or at finish */
    if (d->have_header && d->buf_len == CHUNK_TOTAL) {
      if (!take_chunk (d, error))
        return FALSE;
      continue;
    }
    memcpy (d->buf + d->buf_len, data, take);
    d->buf_len += take;
    data += take;
    len -= take;
    if (!d->have_header && d->buf_len == HEADER_LEN && !take_header (d, error))
      return FALSE;
  }
  return TRUE;
}

/**
 * sd_attachment_decryptor_finish:
 * @decryptor: a decryptor
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the whole stream, FINAL chunk included, was valid
 */
gboolean
sd_attachment_decryptor_finish (SdAttachmentDecryptor *d, GError **error)
{
  g_return_val_if_fail (d != NULL, FALSE);

  if (d->failed)
    return fail (d, error, SD_PROTOCOL_ERROR_DECRYPT, "attachment decryption already failed");
  if (!d->have_header)
    return fail (d, error, SD_PROTOCOL_ERROR_TRUNCATED, "attachment blob is too short");
  if (d->buf_len > 0 && !take_chunk (d, error))
    return FALSE;
  if (!d->final)
    return fail (d, error, SD_PROTOCOL_ERROR_TRUNCATED,
                 "attachment ended without its final chunk");
  if (d->in_padding)
    return fail (d, error, SD_PROTOCOL_ERROR_MALFORMED, "attachment ended inside its padding");
  return TRUE;
}
