/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_PADDING_BLOCK 160

/* the padded length libsession produces: (len + 1) rounded up to a
 * multiple of 160, always leaving room for the 0x80 */
gsize sd_padded_length (gsize len);

/* M || 0x80 || zeros, to sd_padded_length (len) bytes */
GBytes *sd_pad (const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* the length of the content inside a padded buffer: trailing zeros
 * then 0x80 are cut; a buffer not ending that way is taken as unpadded */
gsize sd_unpadded_length (const guint8 *data, gsize len);

/* the same where padding is mandatory: FALSE unless @data ends in 0x80
 * and zero or more zeros */
gboolean sd_unpad_strict (const guint8 *data, gsize len, gsize *content_len);

G_END_DECLS
