/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The second half of stripping an image we send (sessiond-strip-metadata, after exiv2): a walk
 * over the container that copies only what decodes and displays the pixels, and drops every
 * other block, known or not. exiv2 removes the metadata it knows and leaves the rest: PNG text
 * chunks with keywords of their own and tIME, GIF comments and XMP, a WebP's XMP chunk, a JPEG's
 * Photoshop and Ducky segments and anything after its end (docs/security.md). An allow-list
 * does not need to know what a metadata block looks like.
 *
 * Everything is bounded by the input: a length past the end, a chunk or segment the format
 * does not allow where it is, or a missing end marker is MALFORMED, and nothing is kept.
 */

#include "config.h"

#include "sd-image-chunks.h"

#include <string.h>

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

static void
append_le32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { (guint8) v, (guint8) (v >> 8), (guint8) (v >> 16), (guint8) (v >> 24) };

  g_byte_array_append (out, b, 4);
}

static gboolean
is_one_of (const guint8 *type, const char *const *list)
{
  for (; *list != NULL; list++)
    if (memcmp (type, *list, 4) == 0)
      return TRUE;
  return FALSE;
}

/* ---- PNG: signature, then chunks (length, type, data, CRC-32 of type and data) ---- */

static guint32
crc32_png (const guint8 *p, gsize len)
{
  static guint32 table[256];
  guint32 crc = 0xffffffffu;

  if (table[1] == 0)
    for (guint32 n = 0; n < 256; n++) {
      guint32 c = n;

      for (guint k = 0; k < 8; k++)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[n] = c;
    }
  for (gsize i = 0; i < len; i++)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

/* ancillary chunks that change how the pixels look: transparency, colour, gamma, aspect ratio,
 * APNG's frames. Not kept: text (tEXt, zTXt, iTXt), eXIf, tIME, bKGD, hIST, sPLT, and every
 * chunk this list does not name */
static const char *const png_display[] = {
  "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "pHYs", "cICP", "acTL", "fcTL", "fdAT", NULL
};
static const char *const png_critical[] = { "IHDR", "PLTE", "IDAT", "IEND", NULL };

static SdImageChunks
keep_png (const guint8 *d, gsize len, GByteArray *out)
{
  gsize pos = 8;
  gboolean data = FALSE;

  g_byte_array_append (out, d, 8);
  while (len - pos >= 12) {
    guint32 length = be32 (d + pos);
    const guint8 *type = d + pos + 4;
    gboolean critical = (type[0] & 0x20) == 0;

    /* at most 2^31 - 1 by the format, and within what is left */
    if (length > 0x7fffffffu || length > len - pos - 12)
      return SD_IMAGE_CHUNKS_MALFORMED;
    for (guint i = 0; i < 4; i++)
      if (!g_ascii_isalpha (type[i]))
        return SD_IMAGE_CHUNKS_MALFORMED;
    if (crc32_png (type, 4 + (gsize) length) != be32 (type + 4 + length))
      return SD_IMAGE_CHUNKS_MALFORMED;
    /* IHDR first, once, of 13 bytes; a critical chunk a decoder cannot know it must refuse */
    if ((pos == 8) != (memcmp (type, "IHDR", 4) == 0) ||
        (pos == 8 && length != 13) || (critical && !is_one_of (type, png_critical)))
      return SD_IMAGE_CHUNKS_MALFORMED;
    if (critical || is_one_of (type, png_display))
      g_byte_array_append (out, d + pos, (guint) length + 12);
    data |= memcmp (type, "IDAT", 4) == 0;
    pos += 12 + (gsize) length;
    /* whatever follows the end is not part of the image */
    if (memcmp (type, "IEND", 4) == 0)
      return data ? SD_IMAGE_CHUNKS_KEPT : SD_IMAGE_CHUNKS_MALFORMED;
  }
  return SD_IMAGE_CHUNKS_MALFORMED;
}

/* ---- GIF: header, screen descriptor, then blocks; extensions and image data are chains of
 * sub-blocks (a length byte, that many bytes) ended by an empty one ---- */

/* the end of the sub-block chain at @pos, or 0 when it runs past the end */
static gsize
gif_sub_blocks_end (const guint8 *d, gsize len, gsize pos)
{
  while (pos < len) {
    guint8 n = d[pos];

    if (n == 0)
      return pos + 1;
    if ((gsize) n >= len - pos)
      return 0;
    pos += 1 + (gsize) n;
  }
  return 0;
}

static gsize
gif_colour_table_size (guint8 packed)
{
  return packed & 0x80 ? 3u << ((packed & 7) + 1) : 0;
}

static SdImageChunks
keep_gif (const guint8 *d, gsize len, GByteArray *out)
{
  gsize pos = 13;

  if (len < 13 || gif_colour_table_size (d[10]) > len - 13)
    return SD_IMAGE_CHUNKS_MALFORMED;
  pos += gif_colour_table_size (d[10]);
  g_byte_array_append (out, d, (guint) pos);
  while (pos < len) {
    gsize start = pos, end;

    switch (d[pos]) {
    case 0x3b: /* the trailer: whatever follows is not part of the image */
      g_byte_array_append (out, d + pos, 1);
      return SD_IMAGE_CHUNKS_KEPT;
    case 0x2c: /* an image: descriptor, local colour table, LZW code size, data */
      if (len - pos < 11 || gif_colour_table_size (d[pos + 9]) > len - pos - 11)
        return SD_IMAGE_CHUNKS_MALFORMED;
      end = gif_sub_blocks_end (d, len, pos + 11 + gif_colour_table_size (d[pos + 9]));
      if (end == 0)
        return SD_IMAGE_CHUNKS_MALFORMED;
      g_byte_array_append (out, d + start, (guint) (end - start));
      pos = end;
      break;
    case 0x21: /* an extension: its label, then sub-blocks */
      if (len - pos < 3)
        return SD_IMAGE_CHUNKS_MALFORMED;
      end = gif_sub_blocks_end (d, len, pos + 2);
      if (end == 0)
        return SD_IMAGE_CHUNKS_MALFORMED;
      /* kept: graphic control (delay, transparency, disposal) and the application block
       * that says how often an animation loops. Dropped: comments (0xfe), plain text
       * (0x01, which no browser draws), every other application block (XMP, ICC...) */
      if (d[pos + 1] == 0xf9 ||
          (d[pos + 1] == 0xff && d[pos + 2] == 11 && end - pos >= 14 &&
           (memcmp (d + pos + 3, "NETSCAPE2.0", 11) == 0 ||
            memcmp (d + pos + 3, "ANIMEXTS1.0", 11) == 0)))
        g_byte_array_append (out, d + start, (guint) (end - start));
      pos = end;
      break;
    default:
      return SD_IMAGE_CHUNKS_MALFORMED;
    }
  }
  return SD_IMAGE_CHUNKS_MALFORMED;
}

/* ---- WebP: a RIFF file, "WEBP", then chunks (FourCC, little-endian size, data, a pad byte
 * when the size is odd) ---- */

#define VP8X_EXIF 0x08
#define VP8X_XMP 0x04

/* what draws a frame (and its alpha plane) */
static const char *const webp_frame[] = { "ALPH", "VP8 ", "VP8L", NULL };
/* what is kept at the top level: the frame chunks, the extended header, the ICC profile and
 * the animation. Not kept: "EXIF", "XMP " and anything unknown */
static const char *const webp_top[] = { "VP8X", "ICCP", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L",
                                        NULL };

static void
append_webp_chunk (GByteArray *out, const char *type, const guint8 *data, gsize size)
{
  g_byte_array_append (out, (const guint8 *) type, 4);
  append_le32 (out, (guint32) size);
  g_byte_array_append (out, data, (guint) size);
  if (size & 1)
    g_byte_array_append (out, (const guint8 *) "", 1);
}

/* the chunks of d[pos, end) that @allowed names, into @out; FALSE when one runs past @end */
static gboolean
keep_webp_chunks (const guint8 *d, gsize pos, gsize end, const char *const *allowed,
                  GByteArray *out)
{
  while (pos < end) {
    guint32 size;
    gsize padded;

    if (end - pos < 8)
      return FALSE;
    size = le32 (d + pos + 4);
    padded = (gsize) size + (size & 1);
    if (padded > end - pos - 8)
      return FALSE;
    if (!is_one_of (d + pos, allowed)) {
      pos += 8 + padded;
      continue;
    }
    if (memcmp (d + pos, "VP8X", 4) == 0) {
      guint8 vp8x[10];

      /* first, of 10 bytes; it no longer announces what is dropped */
      if (out->len != 12 || size != 10)
        return FALSE;
      memcpy (vp8x, d + pos + 8, 10);
      vp8x[0] &= (guint8) ~(VP8X_EXIF | VP8X_XMP);
      append_webp_chunk (out, "VP8X", vp8x, 10);
    } else if (memcmp (d + pos, "ANMF", 4) == 0) {
      /* a frame: 16 bytes of position, size and timing, then its own chunks */
      g_autoptr(GByteArray) frame = g_byte_array_new ();

      if (size < 16)
        return FALSE;
      g_byte_array_append (frame, d + pos + 8, 16);
      if (!keep_webp_chunks (d, pos + 8 + 16, pos + 8 + size, webp_frame, frame))
        return FALSE;
      append_webp_chunk (out, "ANMF", frame->data, frame->len);
    } else {
      append_webp_chunk (out, (const char *) d + pos, d + pos + 8, size);
    }
    pos += 8 + padded;
  }
  return TRUE;
}

static SdImageChunks
keep_webp (const guint8 *d, gsize len, GByteArray *out)
{
  guint32 riff = le32 (d + 4);

  /* "WEBP" and the chunks; bytes after the RIFF file are not part of it */
  if (riff < 4 || riff > len - 8)
    return SD_IMAGE_CHUNKS_MALFORMED;
  g_byte_array_append (out, (const guint8 *) "RIFF\0\0\0\0WEBP", 12);
  if (!keep_webp_chunks (d, 12, 8 + (gsize) riff, webp_top, out) || out->len == 12 ||
      (gsize) out->len - 8 > G_MAXUINT32)
    return SD_IMAGE_CHUNKS_MALFORMED;
  for (guint i = 0; i < 4; i++)
    out->data[4 + i] = (guint8) ((out->len - 8) >> (8 * i));
  return SD_IMAGE_CHUNKS_KEPT;
}

/* ---- JPEG: markers and their segments (a big-endian length that counts itself), then
 * entropy-coded data after each start of scan, in which 0xff is followed by 0 (a byte of
 * data) or a restart marker ---- */

/* Exif APP1 with one tag, Orientation (0x0112, SHORT, 1 value), big-endian */
static void
append_orientation (GByteArray *out, guint orientation)
{
  guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, /* TIFF header, IFD0 at 8 */
    0x00, 0x01,                                   /* one entry */
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, (guint8) orientation, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, /* no next IFD */
  };

  g_byte_array_append (out, app1, sizeof app1);
}

static gboolean
jpeg_segment_kept (guint8 marker, const guint8 *payload, gsize size)
{
  /* frame headers (SOF0–15 but DHT 0xc4, JPG 0xc8, DAC 0xcc: kept too), tables, restart
   * interval, scans, line count */
  if ((marker >= 0xc0 && marker <= 0xcf && marker != 0xc8) || marker == 0xdb ||
      marker == 0xdd || marker == 0xda || marker == 0xdc)
    return TRUE;
  /* the colour profile, and Adobe's segment that says how the colours are coded */
  if (marker == 0xe2)
    return size >= 12 && memcmp (payload, "ICC_PROFILE\0", 12) == 0;
  if (marker == 0xee)
    return size >= 5 && memcmp (payload, "Adobe", 5) == 0;
  /* every other APPn (Exif: ours is written anew; XMP, Photoshop, Ducky, MPF...), COM */
  return FALSE;
}

static SdImageChunks
keep_jpeg (const guint8 *d, gsize len, guint orientation, GByteArray *out)
{
  gsize pos = 2;
  gboolean orientation_pending = orientation >= 2 && orientation <= 8;
  gboolean in_scan = FALSE, scanned = FALSE;

  g_byte_array_append (out, d, 2);
  for (;;) {
    guint8 marker;
    gsize size;

    if (in_scan) {
      gsize i = pos;

      /* up to the next marker that is not a byte of data or a restart */
      while (i + 1 < len &&
             !(d[i] == 0xff && d[i + 1] != 0 && !(d[i + 1] >= 0xd0 && d[i + 1] <= 0xd7)))
        i++;
      if (i + 1 >= len)
        return SD_IMAGE_CHUNKS_MALFORMED;
      g_byte_array_append (out, d + pos, (guint) (i - pos));
      pos = i;
      in_scan = FALSE;
      scanned = TRUE;
    }
    if (pos >= len || d[pos] != 0xff)
      return SD_IMAGE_CHUNKS_MALFORMED;
    /* fill bytes */
    while (pos < len && d[pos] == 0xff)
      pos++;
    if (pos >= len)
      return SD_IMAGE_CHUNKS_MALFORMED;
    marker = d[pos++];
    if (marker == 0xd9) {
      /* the end of the image: whatever follows (another image, a trailer) is dropped */
      if (!scanned)
        return SD_IMAGE_CHUNKS_MALFORMED;
      g_byte_array_append (out, (const guint8 *) "\xff\xd9", 2);
      return SD_IMAGE_CHUNKS_KEPT;
    }
    /* markers without a segment have no place here */
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8))
      return SD_IMAGE_CHUNKS_MALFORMED;
    if (len - pos < 2)
      return SD_IMAGE_CHUNKS_MALFORMED;
    size = (gsize) d[pos] << 8 | d[pos + 1];
    if (size < 2 || size > len - pos)
      return SD_IMAGE_CHUNKS_MALFORMED;
    if (jpeg_segment_kept (marker, d + pos + 2, size - 2)) {
      /* the orientation goes first, but after a JFIF APP0 (not kept: its thumbnail) */
      if (orientation_pending) {
        append_orientation (out, orientation);
        orientation_pending = FALSE;
      }
      g_byte_array_append (out, (const guint8 *) "\xff", 1);
      g_byte_array_append (out, &marker, 1);
      g_byte_array_append (out, d + pos, (guint) size);
    } else if (marker == 0xe0 && size - 2 >= 14 && memcmp (d + pos + 2, "JFIF\0", 5) == 0 &&
               out->len == 2) {
      /* JFIF's version, density unit and density, without its thumbnail */
      static const guint8 head[] = { 0xff, 0xe0, 0x00, 0x10 };
      static const guint8 no_thumbnail[] = { 0, 0 };

      g_byte_array_append (out, head, sizeof head);
      g_byte_array_append (out, d + pos + 2, 12);
      g_byte_array_append (out, no_thumbnail, 2);
    }
    pos += size;
    /* after a scan's header comes its data */
    in_scan = marker == 0xda;
  }
}

/* ---- BMP: headers and pixels, no place for text; only its own length of it is kept ---- */

static SdImageChunks
keep_bmp (const guint8 *d, gsize len, GByteArray *out)
{
  guint32 size = le32 (d + 2);

  if (size < 26 || size > len)
    return SD_IMAGE_CHUNKS_MALFORMED;
  g_byte_array_append (out, d, size);
  return SD_IMAGE_CHUNKS_KEPT;
}

SdImageChunks
sd_image_chunks_keep (const guint8 *data, gsize len, guint orientation, GByteArray *out)
{
  g_return_val_if_fail (data != NULL || len == 0, SD_IMAGE_CHUNKS_MALFORMED);
  g_return_val_if_fail (out != NULL && out->len == 0, SD_IMAGE_CHUNKS_MALFORMED);

  if (len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return keep_png (data, len, out);
  if (len >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return keep_gif (data, len, out);
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return keep_webp (data, len, out);
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return keep_jpeg (data, len, orientation, out);
  if (len >= 26 && memcmp (data, "BM", 2) == 0)
    return keep_bmp (data, len, out);
  return SD_IMAGE_CHUNKS_UNKNOWN;
}
