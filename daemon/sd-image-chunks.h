/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what sd_image_chunks_keep made of an image */
typedef enum {
  SD_IMAGE_CHUNKS_KEPT,      /* @out holds the image with only what displays it */
  SD_IMAGE_CHUNKS_MALFORMED, /* a format we walk, but broken (a length past the end...) */
  SD_IMAGE_CHUNKS_UNKNOWN,   /* not a format we walk */
} SdImageChunks;

/* @data (PNG, APNG, GIF, WebP or JPEG; a BMP, which has no place for metadata, up to its own
 * length) with only what decodes and displays its pixels, into the empty @out; a JPEG gets
 * @orientation (2–8, EXIF's values; anything else: none) back as its only Exif tag */
SdImageChunks sd_image_chunks_keep (const guint8 *data, gsize len, guint orientation,
                                    GByteArray *out);

G_END_DECLS
