/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* lower-case hex of @len bytes */
gchar *sd_hex_encode (const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* exactly @out_len bytes from 2*@out_len hex digits (either case) */
gboolean sd_hex_decode_exact (const gchar *hex,
                              guint8 *out,
                              gsize out_len,
                              GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* any even number of hex digits */
GBytes *sd_hex_decode (const gchar *hex, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* standard alphabet; @pad selects '=' padding */
gchar *sd_base64_encode (const guint8 *data, gsize len, gboolean pad) G_GNUC_WARN_UNUSED_RESULT;

/* strict standard-alphabet base64, padded or unpadded; @len may be -1 for NUL-terminated */
GBytes *sd_base64_decode (const gchar *text, gssize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* the same into exactly @out_len bytes (hashes, nonces, signatures); a
 * longer text fails before decoding; @out is undefined on failure */
gboolean sd_base64_decode_exact (const gchar *text,
                                 guint8 *out,
                                 gsize out_len,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
