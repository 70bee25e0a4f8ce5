/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-encoding.h"

#include <sodium.h>
#include <string.h>

#include "sd-protocol-error.h"

gchar *
sd_hex_encode (const guint8 *data, gsize len)
{
  gchar *out = g_malloc (len * 2 + 1);

  sodium_bin2hex (out, len * 2 + 1, data, len);
  return out;
}

static gboolean
hex_decode_into (const gchar *hex, gsize hex_len, guint8 *out, GError **error)
{
  size_t bin_len = 0;
  const char *end = NULL;

  if (hex_len % 2 != 0) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_HEX,
                 "hex text has an odd number of digits (%" G_GSIZE_FORMAT ")", hex_len);
    return FALSE;
  }
  if (sodium_hex2bin (out, hex_len / 2, hex, hex_len, NULL, &bin_len, &end) != 0 ||
      bin_len != hex_len / 2) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_HEX,
                 "not a hex digit at position %" G_GSIZE_FORMAT,
                 (gsize) (end != NULL ? end - hex : 0));
    return FALSE;
  }
  return TRUE;
}

gboolean
sd_hex_decode_exact (const gchar *hex, guint8 *out, gsize out_len, GError **error)
{
  gsize hex_len;

  g_return_val_if_fail (hex != NULL, FALSE);
  hex_len = strlen (hex);
  if (hex_len != out_len * 2) {
    g_set_error (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_HEX,
                 "expected %" G_GSIZE_FORMAT " hex digits, got %" G_GSIZE_FORMAT,
                 out_len * 2, hex_len);
    return FALSE;
  }
  return hex_decode_into (hex, hex_len, out, error);
}

GBytes *
sd_hex_decode (const gchar *hex, GError **error)
{
  gsize hex_len;
  g_autofree guint8 *out = NULL;

  g_return_val_if_fail (hex != NULL, NULL);
  hex_len = strlen (hex);
  out = g_malloc (hex_len / 2 + 1);
  if (!hex_decode_into (hex, hex_len, out, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&out), hex_len / 2);
}

gchar *
sd_base64_encode (const guint8 *data, gsize len, gboolean pad)
{
  int variant = pad ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  gsize out_len = sodium_base64_ENCODED_LEN (len, variant);
  gchar *out = g_malloc (out_len);

  sodium_bin2base64 (out, out_len, data, len, variant);
  return out;
}

/* padded input must be a whole number of quads; unpadded input may not be
 * 1 mod 4 (that can't encode whole bytes); libsodium also refuses
 * non-zero unused bits in the last character, so only the canonical
 * encoding passes */
static int
base64_variant (const gchar *text, gsize text_len)
{
  return (text_len > 0 && text[text_len - 1] == '=')
           ? sodium_base64_VARIANT_ORIGINAL
           : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
}

static void
set_invalid_base64 (GError **error)
{
  g_set_error_literal (error, SD_PROTOCOL_ERROR, SD_PROTOCOL_ERROR_INVALID_BASE64,
                       "invalid base64 text");
}

GBytes *
sd_base64_decode (const gchar *text, gssize len, GError **error)
{
  gsize text_len;
  gsize cap;
  size_t bin_len = 0;
  g_autofree guint8 *out = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  text_len = len < 0 ? strlen (text) : (gsize) len;
  cap = text_len / 4 * 3 + 3;
  out = g_malloc (cap);
  if (sodium_base642bin (out, cap, text, text_len, NULL, &bin_len, NULL,
                         base64_variant (text, text_len)) != 0) {
    set_invalid_base64 (error);
    return NULL;
  }
  return g_bytes_new_take (g_steal_pointer (&out), bin_len);
}

gboolean
sd_base64_decode_exact (const gchar *text, guint8 *out, gsize out_len, GError **error)
{
  gsize text_len;
  size_t bin_len = 0;

  g_return_val_if_fail (out != NULL || out_len == 0, FALSE);

  text_len = text != NULL ? strnlen (text, (out_len + 2) / 3 * 4 + 1) : 0;
  if (text == NULL || text_len > (out_len + 2) / 3 * 4 ||
      sodium_base642bin (out, out_len, text, text_len, NULL, &bin_len, NULL,
                         base64_variant (text, text_len)) != 0 ||
      bin_len != out_len) {
    set_invalid_base64 (error);
    return FALSE;
  }
  return TRUE;
}
