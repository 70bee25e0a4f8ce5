/* SPDX-License-Identifier: GPL-3.0-or-later */
/* the config blob: zstd when smaller, null bytes in front, deterministic
 * XChaCha20-Poly1305 so that clients racing to push the same merge push
 * identical bytes (the swarm then stores one copy) */
#define G_LOG_DOMAIN "SdConfigCrypto"

#include "config.h"

#include "sd-config-crypto.h"

#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "sd-protocol-error.h"
#include "sd-sodium.h"

/* what libsession's code uses; its header comment names another prefix */
#define NONCE_KEY_PREFIX "libsessionutil-config-encrypted-"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZSTD_DStream, ZSTD_freeDStream)

gsize
sd_config_padded_size (gsize len, gsize overhead)
{
  gsize total = len + overhead;
  gsize step = total < 5120 ? 256 : total < 20480 ? 1024 : total < 40960 ? 2048 : 5120;

  return (total + step - 1) / step * step - overhead;
}

static gboolean
domain_ok (const gchar *domain)
{
  gsize n = domain != NULL ? strlen (domain) : 0;

  return n >= 1 && n <= SD_CONFIG_MAX_DOMAIN_LEN;
}

static void
derive_key (const guint8 key_base[32], guint64 len, const gchar *domain,
            guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
  crypto_generichash_state state;
  guint64 be = GUINT64_TO_BE (len);

  crypto_generichash_init (&state, NULL, 0, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  crypto_generichash_update (&state, key_base, 32);
  crypto_generichash_update (&state, (const guint8 *) &be, sizeof be);
  crypto_generichash_update (&state, (const guint8 *) domain, strlen (domain));
  crypto_generichash_final (&state, key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
}

GBytes *
sd_config_encrypt (const guint8 *plaintext, gsize len, const guint8 key_base[32],
                   const gchar *domain)
{
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  guint8 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  g_autofree gchar *nonce_key = NULL;
  unsigned long long out_len = 0;
  guint8 *out;

  g_return_val_if_fail (plaintext != NULL || len == 0, NULL);
  g_return_val_if_fail (key_base != NULL, NULL);
  if (!domain_ok (domain))
    return NULL;
  sd_sodium_init ();

  derive_key (key_base, len, domain, key);
  nonce_key = g_strconcat (NONCE_KEY_PREFIX, domain, NULL);
  crypto_generichash (nonce, sizeof nonce, plaintext, len, (const guint8 *) nonce_key,
                      strlen (nonce_key));

  out = g_malloc (len + SD_CONFIG_ENCRYPT_OVERHEAD);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out, &out_len, plaintext, len, NULL, 0, NULL,
                                              nonce, key);
  memcpy (out + out_len, nonce, sizeof nonce);
  sodium_memzero (key, sizeof key);
  return g_bytes_new_take (out, len + SD_CONFIG_ENCRYPT_OVERHEAD);
}

GBytes *
sd_config_decrypt (const guint8 *ciphertext, gsize len, const guint8 key_base[32],
                   const gchar *domain, GError **error)
{
  guint8 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  unsigned long long out_len = 0;
  g_autofree guint8 *out = NULL;
  gsize plain_len;
  gint rc;

  g_return_val_if_fail (ciphertext != NULL || len == 0, NULL);
  g_return_val_if_fail (key_base != NULL, NULL);

  if (!domain_ok (domain)) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "config encryption domain must be 1 to %d bytes", SD_CONFIG_MAX_DOMAIN_LEN);
    return NULL;
  }
  if (len < SD_CONFIG_ENCRYPT_OVERHEAD) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                         "config ciphertext shorter than its overhead");
    return NULL;
  }
  sd_sodium_init ();

  plain_len = len - SD_CONFIG_ENCRYPT_OVERHEAD;
  derive_key (key_base, plain_len, domain, key);
  out = g_malloc (plain_len + 1);
  rc = crypto_aead_xchacha20poly1305_ietf_decrypt (
    out, &out_len, NULL, ciphertext, len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, 0,
    ciphertext + len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, key);
  sodium_memzero (key, sizeof key);
  if (rc != 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_DECRYPT,
                         "config message does not decrypt (wrong key or domain, or damaged)");
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&out), (gsize) out_len);
}

/* a compression context per thread, kept: ZSTD_compress makes and frees one (hundreds of
 * kB) on every call, which cost a short group message as much as its signature */
static void
cctx_free (gpointer cctx)
{
  ZSTD_freeCCtx (cctx);
}

static GPrivate cctx_key = G_PRIVATE_INIT (cctx_free);

gsize
sd_zstd_compress (guint8 *out, gsize out_len, const guint8 *data, gsize len, gint level)
{
  ZSTD_CCtx *cctx = g_private_get (&cctx_key);

  if (cctx == NULL) {
    cctx = ZSTD_createCCtx ();
    g_private_set (&cctx_key, cctx);
  }
  return ZSTD_compressCCtx (cctx, out, out_len, data, len, level);
}

GBytes *
sd_config_compress (const guint8 *data, gsize len, gint level)
{
  gsize bound = ZSTD_compressBound (len);
  g_autofree guint8 *out = g_malloc (bound + 1);
  gsize n;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out[0] = 'z';
  n = sd_zstd_compress (out + 1, bound, data, len, level);
  if (ZSTD_isError (n) || n + 1 >= len)
    return g_bytes_new (data, len);
  return g_bytes_new_take (g_realloc (g_steal_pointer (&out), n + 1), n + 1);
}

/* a decompression context per thread, kept: making one (ZSTD_decompress
 * does) allocates and clears about 100 kB each time */
static void
dctx_free (gpointer dctx)
{
  ZSTD_freeDCtx (dctx);
}

static GPrivate dctx_key = G_PRIVATE_INIT (dctx_free);

static ZSTD_DCtx *
thread_dctx (void)
{
  ZSTD_DCtx *dctx = g_private_get (&dctx_key);

  if (dctx == NULL) {
    dctx = ZSTD_createDCtx ();
    g_private_set (&dctx_key, dctx);
  }
  return dctx;
}

GBytes *
sd_config_decompress (const guint8 *data, gsize len, GError **error)
{
  g_autoptr(ZSTD_DStream) stream = NULL;
  g_autoptr(GByteArray) out = NULL;
  ZSTD_inBuffer in = { data, len, 0 };
  guint8 chunk[4096];
  gsize ret;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* one frame that declares its size (as ZSTD_compress writes): one call
   * into a buffer of that size */
  {
    unsigned long long declared = ZSTD_getFrameContentSize (data, len);

    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
        declared > 0 && declared <= SD_CONFIG_MAX_PLAINTEXT) {
      guint8 *buf = g_malloc ((gsize) declared);
      gsize got = ZSTD_decompressDCtx (thread_dctx (), buf, (gsize) declared, data, len);

      if (!ZSTD_isError (got) && got == declared)
        return g_bytes_new_take (buf, got);
      g_free (buf);
      /* anything else (a lying header, more frames) takes the careful path */
    }
  }

  stream = ZSTD_createDStream ();
  out = g_byte_array_new ();
  ZSTD_initDStream (stream);
  do {
    ZSTD_outBuffer buf = { chunk, sizeof chunk, 0 };

    ret = ZSTD_decompressStream (stream, &buf, &in);
    if (ZSTD_isError (ret)) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                   "config decompression failed: %s", ZSTD_getErrorName (ret));
      return NULL;
    }
    if (out->len + buf.pos > SD_CONFIG_MAX_PLAINTEXT) {
      g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TOO_LARGE,
                   "config decompresses to more than %d bytes", SD_CONFIG_MAX_PLAINTEXT);
      return NULL;
    }
    g_byte_array_append (out, chunk, (guint) buf.pos);
    /* no progress with input left and no output: the frame is cut short */
    if (buf.pos == 0 && in.pos == in.size && ret != 0)
      break;
  } while (ret != 0 || in.pos < in.size);

  if (ret != 0 || out->len == 0) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                         "config compressed data is incomplete or empty");
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
sd_config_seal (const guint8 *serialized, gsize len, const guint8 key_base[32],
                const gchar *domain)
{
  g_autoptr(GBytes) body = sd_config_compress (serialized, len, SD_CONFIG_COMPRESSION_LEVEL);
  gsize body_len = g_bytes_get_size (body);
  gsize padded_len = sd_config_padded_size (body_len, SD_CONFIG_ENCRYPT_OVERHEAD);
  g_autofree guint8 *padded = g_malloc0 (MAX (padded_len, 1));

  /* the padding goes in front: the body ends where the plaintext ends */
  memcpy (padded + (padded_len - body_len), g_bytes_get_data (body, NULL), body_len);
  return sd_config_encrypt (padded, padded_len, key_base, domain);
}

GBytes *
sd_config_open (const guint8 *blob, gsize len, const guint8 key_base[32], const gchar *domain,
                GError **error)
{
  g_autoptr(GBytes) plain = sd_config_decrypt (blob, len, key_base, domain, error);
  const guint8 *p;
  gsize n, skip = 0;

  if (plain == NULL)
    return NULL;
  p = g_bytes_get_data (plain, &n);
  while (skip < n && p[skip] == 0)
    skip++;
  if (skip == n) {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_TRUNCATED,
                         "config message holds only padding");
    return NULL;
  }
  p += skip;
  n -= skip;
  if (p[0] == 'z') {
    GBytes *inflated = sd_config_decompress (p + 1, n - 1, error);

    if (inflated == NULL)
      return NULL;
    gsize inflated_len;
    const guint8 *inflated_data = g_bytes_get_data (inflated, &inflated_len);

    /* an empty frame inflates to nothing: there is no first byte to look at */
    if (inflated_len == 0 || inflated_data[0] != 'd') {
      g_bytes_unref (inflated);
      g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_MALFORMED,
                           "decompressed config is not a bencoded dict");
      return NULL;
    }
    return inflated;
  }
  if (p[0] == 'm') {
    g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                         "multipart config messages are not supported");
    return NULL;
  }
  if (p[0] != 'd') {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_UNSUPPORTED,
                 "unknown config message type 0x%02x", p[0]);
    return NULL;
  }
  return g_bytes_new_from_bytes (plain, skip, n);
}
